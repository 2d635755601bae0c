#!/usr/bin/env bash
# Replays docs/under-the-hood.md's sample session, as scripts/e2e-compose.sh replays the
# README's: the server (debug build) on a free port over a fresh throwaway PostgreSQL,
# then every `$ ` command of the guide's ```console blocks, in page order, through
# scripts/readme-session.py (`localhost:8000` in them becomes that port), which fails
# where an answer differs from the page (the `date` header aside). Needs no Docker.
# Everything started here is stopped on exit.
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
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PORT=$port "${CARGO_TARGET_DIR:-target}/debug/userapi" >"$LOCAL_PG_DIR/server.log" 2>&1 &
server_pid=$!
# Ready once the users table answers (the database connected), not merely the port.
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/users" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$LOCAL_PG_DIR/server.log"; exit 1; }
  sleep 0.1
done
SESSION_PORT=$port python3 scripts/readme-session.py docs/under-the-hood.md
