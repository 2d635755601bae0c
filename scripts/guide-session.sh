#!/usr/bin/env bash
# Replays docs/under-the-hood.md's sample session, as scripts/e2e-compose.sh replays the
# README's: the server (debug build) on port 8000 over a fresh throwaway PostgreSQL,
# then every `$ ` command of the guide's ```console blocks, in page order, through
# scripts/readme-session.py, which fails where an answer differs from the page (the
# `date` header aside). Needs no Docker. Everything started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/local-postgres.sh
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  local_postgres_stop
}
trap cleanup EXIT

cargo build --quiet
PORT=8000 "${CARGO_TARGET_DIR:-target}/debug/userapi" >"$LOCAL_PG_DIR/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  curl -fsS http://127.0.0.1:8000/users >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$LOCAL_PG_DIR/server.log"; exit 1; }
  sleep 0.1
done
python3 scripts/readme-session.py docs/under-the-hood.md
