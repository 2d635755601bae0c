#!/usr/bin/env bash
# Throwaway PostgreSQL for local runs and CI: `source scripts/local-postgres.sh` starts a
# cluster in a temporary directory on a free port, exports DB_HOST/DB_PORT/DB_NAME/
# DB_USER/DB_PASSWORD (the server's own variables) and PGHOST/PGPORT/PGUSER (for psql),
# creates the database `appdb` (psql must be on PATH), and registers `local_postgres_stop` to run on exit.
# As root it runs the server as the `postgres` user, which PostgreSQL requires.
set -euo pipefail

pg_bin=""
for dir in "$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/x)")" /usr/lib/postgresql/*/bin; do
  if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then pg_bin=$dir; break; fi
done
if [ -z "$pg_bin" ]; then
  echo "local-postgres: no PostgreSQL server binaries (initdb, pg_ctl); install them, e.g. apt-get install postgresql" >&2
  return 1 2>/dev/null || exit 1
fi

LOCAL_PG_DIR=$(mktemp -d /tmp/userapi-pg.XXXXXX)
LOCAL_PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$LOCAL_PG_DIR"

as_pg "$pg_bin/initdb" -D "$LOCAL_PG_DIR/data" -U postgres --auth=trust >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$LOCAL_PG_DIR/data" -l "$LOCAL_PG_DIR/log" -w \
  -o "-p $LOCAL_PG_PORT -k $LOCAL_PG_DIR -c listen_addresses=127.0.0.1" start >/dev/null

local_postgres_stop() {
  as_pg "$pg_bin/pg_ctl" -D "$LOCAL_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$LOCAL_PG_DIR"
}

export PGHOST=127.0.0.1 PGPORT=$LOCAL_PG_PORT PGUSER=postgres
# A password of its own, so a leak is easy to grep for.
export DB_HOST=127.0.0.1 DB_PORT=$LOCAL_PG_PORT DB_NAME=appdb DB_USER=postgres DB_PASSWORD="pw-$RANDOM$RANDOM"
psql -q -d postgres -c "CREATE DATABASE appdb" -c "ALTER USER postgres PASSWORD '$DB_PASSWORD'"
echo "local-postgres: PostgreSQL on 127.0.0.1:$LOCAL_PG_PORT (data in $LOCAL_PG_DIR)" >&2
