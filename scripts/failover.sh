#!/usr/bin/env bash
# The loopback failover test of issue 20: etcd + three Patroni nodes (Debian's
# etcd-server 3.4, patroni 3.0.2, postgresql-15) on 127.0.0.1, the release server with
# a multi-host DATABASE_URL, 16 writers, one fault at a time, checked Jepsen-style.
# The harness is tests/failover/run.py (its docstring says what each fault does and
# what each figure measures); this builds the release binary and runs it.
#
#   scripts/failover.sh                       every fault (~4 minutes on 2 cores)
#   FAILOVER_FAULTS=pause,stuck scripts/failover.sh    only those faults
#   scripts/failover.sh sync-cost             POST /users rate with/without a sync standby
#
# Exit status: 0 when every fault met its goals, 1 otherwise. Run as root (it starts
# PostgreSQL and Patroni as `postgres`) or as a user who may run them. Everything it
# starts lives in one temp dir and is killed, and the dir deleted, at the end, on
# failure and on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v patroni >/dev/null || missing+=(patroni)
command -v etcd >/dev/null || missing+=(etcd-server)
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql-15)
if [ "${1:-}" = sync-cost ]; then command -v wrk >/dev/null || missing+=(wrk); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "failover.sh: needs Debian's ${missing[*]}: apt-get install -y ${missing[*]}" >&2
  exit 2
fi

if [ -z "${FAILOVER_SERVER:-}" ]; then
  cargo build --release --quiet
fi
exec python3 tests/failover/run.py "$@"
