#!/usr/bin/env bash
# Reads from hot standbys (issue 21), proven on the failover test's loopback Patroni
# cluster (etcd-server 3.4, patroni 3.0.2, postgresql-15 on 127.0.0.1): two release
# servers reading from standbys (READ_DATABASE_URL) and two without, then
#   - >= 10,000 POST -> GET pairs, each GET to the other server: 0 stale reads;
#   - test_api.py through HAProxy on 127.0.0.1:8000 over the two readers;
#   - wrk GET load: >= 90% of GETs on standbys, the primary's CPU per GET on / off <= 0.5;
#   - a standby SIGKILLed, then one paused, under GET load: 0 failed GETs;
#   - POST /users rate with reads on / off and with synchronous_commit remote_apply / on.
# The harness is tests/failover/reads.py (its docstring says what each figure means).
#
#   scripts/standby-reads.sh                          every goal (~2.5-3 minutes on 2 cores)
#   READS_GOALS=pairs,faults scripts/standby-reads.sh  only those (pairs, test_api, cpu,
#                                                     faults, post_cost)
#
# Exit status: 0 when every goal was met, 1 otherwise, 2 when a tool is missing. Run as
# root (it starts PostgreSQL and Patroni as `postgres`). Everything it starts lives in
# one temp dir (userapi-failover-*) and is killed, and the dir deleted, at the end, on
# failure and on Ctrl-C. FAILOVER_SERVER=path skips the build and runs that binary.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v patroni >/dev/null || missing+=(patroni)
command -v etcd >/dev/null || missing+=(etcd-server)
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql-15)
command -v wrk >/dev/null || missing+=(wrk)
command -v haproxy >/dev/null || missing+=(haproxy)
if [ ${#missing[@]} -gt 0 ]; then
  echo "standby-reads.sh: needs Debian's ${missing[*]}: apt-get install -y ${missing[*]}" >&2
  exit 2
fi
if ! python3 -c 'import requests' 2>/dev/null; then
  echo "standby-reads.sh: test_api.py needs Python's requests: python3 -m pip install requests" >&2
  exit 2
fi

if [ -z "${FAILOVER_SERVER:-}" ]; then
  cargo build --release --quiet
fi
# exec: the harness is this process, so Ctrl-C and a CI timeout's SIGTERM reach its
# cleanup (tests/failover/procs.py) directly.
exec python3 tests/failover/reads.py "$@"
