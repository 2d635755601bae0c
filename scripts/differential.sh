#!/usr/bin/env bash
# Differential test against the real FastAPI reference (docs/compatibility.md): creates
# a venv with the reference's pinned versions (tests/reference/requirements.lock) plus
# Hypothesis, builds the release server unless SERVER_BIN names one, and runs
# tests/reference/harness/run.py, which starts a throwaway PostgreSQL cluster and both
# servers, compares the hand-written corpus and FUZZ_REQUESTS (default 5000) generated
# requests, and fails on any difference the table does not list. Everything it starts
# is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${DIFF_VENV:-target/differential-venv}
if [ ! -x "$venv/bin/uvicorn" ] || [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import hypothesis' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r tests/reference/requirements.lock -r tests/reference/requirements-harness.txt
fi
if [ -z "${SERVER_BIN:-}" ]; then
  cargo build --release --quiet
  SERVER_BIN=target/release/userapi
fi
exec "$venv/bin/python" tests/reference/harness/run.py --server-bin "$SERVER_BIN" --venv "$venv" \
  --fuzz "${FUZZ_REQUESTS:-5000}" --seed "${FUZZ_SEED:-20261126}" --fuzz-seconds "${FUZZ_SECONDS:-420}"
