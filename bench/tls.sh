#!/usr/bin/env bash
# GET /users/{id} over a TLS connection to PostgreSQL against the same over a plain one
# (issue 13: within 10%). docs/benchmarks.md quotes its output.
#
#   bench/tls.sh            # 5 rounds of 10 s per mode (about 2 minutes)
#   bench/tls.sh --quick    # 1 round of 2 s: does the script work?
#
# One throwaway PostgreSQL (scripts/local-postgres.sh) with `ssl = on` and a self-signed
# certificate made here with openssl, 10,000 users, and two release servers on it: one
# with PGSSLMODE=disable, one with PGSSLMODE=require (pg_stat_ssl is checked to say so).
# Each round measures both with wrk, 64 connections, alternating which goes first, so a
# neighbour's build hurts both alike; the ratio TLS/plain is printed per round and as
# the median, for requests/s and for the CPU time the server and its PostgreSQL
# backend spent per request (steadier than a rate on a shared machine). Settings: RUNS (5), DURATION (10), WARMUP (2), CONNECTIONS (64),
# SKIP_BUILD (0), SERVER_BIN (target/release/userapi).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--quick" ]; then : "${RUNS:=1}" "${DURATION:=2}" "${WARMUP:=1}"; fi
RUNS=${RUNS:-5} DURATION=${DURATION:-10} WARMUP=${WARMUP:-2} CONNECTIONS=${CONNECTIONS:-64}
SKIP_BUILD=${SKIP_BUILD:-0} SERVER_BIN=${SERVER_BIN:-target/release/userapi}
USERS=10000

for tool in wrk psql openssl python3 curl ss; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done
if [ "$SKIP_BUILD" != 1 ]; then cargo build --release --quiet; fi
# The throwaway PostgreSQL, cleanup on exit, sql and free_port (its start_server is
# replaced below by one that takes an sslmode).
source bench/common.sh
export BENCH_USERS=$USERS

# TLS on, with a self-signed certificate: `require` does not check it, as in libpq.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=localhost -keyout "$LOCAL_PG_DIR/server.key" -out "$LOCAL_PG_DIR/server.crt" 2>/dev/null
chmod 600 "$LOCAL_PG_DIR/server.key"
[ "$(id -u)" = 0 ] && chown postgres "$LOCAL_PG_DIR/server.key" "$LOCAL_PG_DIR/server.crt"
sql "ALTER SYSTEM SET ssl_cert_file = '$LOCAL_PG_DIR/server.crt'"
sql "ALTER SYSTEM SET ssl_key_file = '$LOCAL_PG_DIR/server.key'"
sql "ALTER SYSTEM SET ssl = on"
sql "SELECT pg_reload_conf()" >/dev/null

psql -qX -v ON_ERROR_STOP=1 -f init.sql
sql "INSERT INTO users (name, email, age)
     SELECT 'User ' || g, 'user' || g || '@example.com', 18 + g % 60 FROM generate_series(1, $USERS) g"
sql "VACUUM ANALYZE users"

# start_server SSLMODE: a release server on a free port; sets $server_port.
start_server() {
  server_port=$(free_port)
  PORT=$server_port PGSSLMODE=$1 "$SERVER_BIN" >/dev/null 2>>"$LOCAL_PG_DIR/server-$1.log" &
  servers+=("$!")
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$server_port/users/1" >/dev/null 2>&1 && return
    sleep 0.1
  done
  echo "bench: the $1 server did not start:" >&2; cat "$LOCAL_PG_DIR/server-$1.log" >&2; exit 1
}
start_server disable; plain_port=$server_port
start_server require; tls_port=$server_port
echo "bench: PostgreSQL sees (ssl, version) per server connection:" \
  "$(sql "SELECT string_agg(s.ssl || ' ' || coalesce(s.version, '-'), ', ') FROM pg_stat_ssl s
          JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'userapi'")" >&2

# The server processes (by port) and the PostgreSQL backend of each (by pg_stat_ssl).
server_pid() { ss -Htlnp "sport = :$1" | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1; }
backend_pid() {
  sql "SELECT a.pid FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
       WHERE a.application_name = 'userapi' AND s.ssl = $1 LIMIT 1"
}
plain_pids="$(server_pid "$plain_port") $(backend_pid false)"
tls_pids="$(server_pid "$tls_port") $(backend_pid true)"
# CPU time (user + system, clock ticks) the given processes have used.
cpu_ticks() { local t=0 pid; for pid in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done; echo "$t"; }

# measure PORT PIDS: "requests/s CPU-µs-per-request" of GET /users/{id} (after a
# warm-up); the CPU is the server's and its backend's, which a busy neighbour cannot
# inflate the way it does wall-clock rates.
measure() {
  local url="http://127.0.0.1:$1/users/1" line c0 c1
  [ "$WARMUP" = 0 ] || wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" -s bench/get_user.lua "$url" >/dev/null
  c0=$(cpu_ticks $2)
  line=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" -s bench/get_user.lua "$url" | grep '^WRK ')
  c1=$(cpu_ticks $2)
  python3 -c 'import sys
kv = dict(p.split("=") for p in sys.argv[1].split()[1:])
assert kv["errors"] == "0" and kv["non2xx"] == "0", kv
requests = int(kv["requests"])
cpu_us = (int(sys.argv[2]) / int(sys.argv[3])) * 1e6
print(round(requests / (int(kv["duration_us"]) / 1e6)), f"{cpu_us / requests:.1f}")' \
    "$line" "$((c1 - c0))" "$(getconf CLK_TCK)"
}

echo "bench: $RUNS round(s), ${DURATION}s per mode; load average now: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
rows=()
printf '%-6s %10s %10s %9s %12s %12s %9s\n' round plain_rps tls_rps rps_ratio plain_cpu_us tls_cpu_us cpu_ratio
for round in $(seq "$RUNS"); do
  if [ $((round % 2)) = 1 ]; then plain=$(measure "$plain_port" "$plain_pids"); tls=$(measure "$tls_port" "$tls_pids")
  else tls=$(measure "$tls_port" "$tls_pids"); plain=$(measure "$plain_port" "$plain_pids"); fi
  rows+=("$plain $tls")
  python3 -c 'import sys; p, pc, t, tc = map(float, sys.argv[1:5])
print(f"{sys.argv[5]:<6} {p:10.0f} {t:10.0f} {t / p:9.3f} {pc:12.1f} {tc:12.1f} {tc / pc:9.3f}")' $plain $tls "$round"
done
python3 -c 'import statistics as st, sys
rows = [list(map(float, r.split())) for r in sys.argv[1:]]
print(f"median rps tls/plain: {st.median(t / p for p, _, t, _ in rows):.3f};",
      f"median CPU per request tls/plain: {st.median(tc / pc for _, pc, _, tc in rows):.3f}",
      "(server + its PostgreSQL backend)")' "${rows[@]}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
