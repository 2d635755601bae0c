#!/usr/bin/env bash
# The server on port 8000 (or $PORT) over a throwaway PostgreSQL, for trying changes by
# hand (docs/exercises.md). It prints the psql command for that PostgreSQL; Ctrl-C stops
# the server, and the cluster and its directory go with it. Arguments go to `cargo run`:
# `scripts/dev-server.sh --example ch4_users_api` runs the tutorial's last chapter.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/local-postgres.sh
trap local_postgres_stop EXIT
# Ctrl-C reaches cargo and the server too; exiting here runs the EXIT trap.
trap 'exit 130' INT TERM
echo "dev-server: psql with: PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER psql -d appdb" >&2
PORT=${PORT:-8000} cargo run "$@"
