#!/usr/bin/env bash
# Runs the seed's test_api.py the way its users do: PostgreSQL and the release server on
# port 8000, then `python3 test_api.py`. test_api.py exits 0 even when a check fails, so
# its output is searched for "All tests passed". Everything started here is stopped on
# exit.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/local-postgres.sh
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  local_postgres_stop
}
trap cleanup EXIT

cargo build --release --quiet
PORT=8000 ./target/release/userapi >"$LOCAL_PG_DIR/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  curl -fsS http://127.0.0.1:8000/ >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$LOCAL_PG_DIR/server.log"; exit 1; }
  sleep 0.1
done

output=$(python3 test_api.py)
echo "$output"
grep -q "All tests passed" <<<"$output" || { echo "test_api.py did not pass"; cat "$LOCAL_PG_DIR/server.log"; exit 1; }
if grep -qF "$DB_PASSWORD" "$LOCAL_PG_DIR/server.log"; then
  echo "the server log mentions the password"; exit 1
fi
