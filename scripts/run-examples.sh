#!/usr/bin/env bash
# Runs the seed's test_api.py against examples/ch4_users_api.rs, the whole API in one
# file (examples/README.md): a throwaway PostgreSQL (scripts/local-postgres.sh), the
# chapter on port 8000 with that cluster's DB_* variables, then `python3 test_api.py`.
# test_api.py exits 0 even when a check fails, so its output is searched for "All tests
# passed". Everything started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/local-postgres.sh
chapter_pid=""
cleanup() {
  if [ -n "$chapter_pid" ]; then kill "$chapter_pid" 2>/dev/null || true; wait "$chapter_pid" 2>/dev/null || true; fi
  local_postgres_stop
}
trap cleanup EXIT

cargo build --quiet --example ch4_users_api
log="$LOCAL_PG_DIR/chapter.log"
PORT=8000 ./target/debug/examples/ch4_users_api >"$log" 2>&1 &
chapter_pid=$!
# Ready once it prints "listening on" (after it has connected, run init.sql and bound
# the port); a chapter that exits instead (port 8000 taken, say) fails here at once.
for _ in $(seq 200); do
  grep -q "^listening on " "$log" && break
  kill -0 "$chapter_pid" 2>/dev/null || { echo "ch4_users_api exited:"; cat "$log"; exit 1; }
  sleep 0.1
done
grep -q "^listening on " "$log" || { echo "ch4_users_api did not start in 20 s:"; cat "$log"; exit 1; }

output=$(python3 test_api.py)
echo "$output"
grep -q "All tests passed" <<<"$output" || { echo "test_api.py did not pass against ch4_users_api"; cat "$log"; exit 1; }
if grep -qF "$DB_PASSWORD" "$log"; then
  echo "the chapter's log mentions the password"; exit 1
fi
echo "run-examples: test_api.py passed against examples/ch4_users_api.rs"
