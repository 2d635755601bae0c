# Shared by the bench scripts (sourced): a throwaway PostgreSQL with the users table,
# and starting and stopping release servers on free ports, cleaned up on exit.
# Expects SERVER_BIN; sets LOCAL_PG_DIR, PGDATABASE and the server's DB_* variables.

source scripts/local-postgres.sh
servers=()
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  local_postgres_stop
}
trap cleanup EXIT
export PGDATABASE=appdb
sql() { psql -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# seed_users N: the table (the server's own DDL) with N users.
seed_users() {
  psql -qX -v ON_ERROR_STOP=1 -f init.sql
  sql "INSERT INTO users (name, email, age)
       SELECT 'User ' || g, 'user' || g || '@example.com', 18 + g % 60 FROM generate_series(1, $1) g"
  sql "VACUUM ANALYZE users"
}

# start_server [COMMAND...]: starts a server (default: $SERVER_BIN; a COMMAND such as
# `prlimit --nofile=1024:1024 -- $SERVER_BIN` execs it, so the pid stays the server's)
# on a free port, and waits until it answers user 1 (so its database is connected);
# sets $server_pid and $server_port. Its stdout (our access log) goes to
# $SERVER_STDOUT, /dev/null unless set.
start_server() {
  [ $# -gt 0 ] || set -- "$SERVER_BIN"
  server_port=$(free_port)
  PORT=$server_port "$@" >"${SERVER_STDOUT:-/dev/null}" 2>>"$LOCAL_PG_DIR/server.log" &
  server_pid=$!
  servers+=("$server_pid")
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$server_port/users/1" >/dev/null 2>&1 && return
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench: the server did not start:" >&2; cat "$LOCAL_PG_DIR/server.log" >&2; exit 1
}
# stop_server PID: stops it; if it had already exited, says so with the end of its log.
stop_server() {
  if ! kill "$1" 2>/dev/null; then
    echo "bench: server $1 had exited before the end of its scenarios; its log ends:" >&2
    tail -5 "$LOCAL_PG_DIR/server.log" >&2
  fi
  wait "$1" 2>/dev/null || true
  local kept=() pid
  for pid in "${servers[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
  servers=("${kept[@]}")
}
# peak_rss_kib PID: its VmHWM, or nothing if it has exited.
peak_rss_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || true; }
