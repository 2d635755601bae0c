#!/usr/bin/env bash
# The benchmark of docs/benchmarks.md, in one command:
#
#   bench/run.sh            # 3 rounds of 10 s per scenario (about 8 minutes)
#   bench/run.sh --quick    # 1 round of 2 s per scenario: does the script work?
#   PEERS=1 bench/run.sh    # also the axum peer (bench/peers/axum/), side by side
#
# It starts a throwaway PostgreSQL (scripts/local-postgres.sh, a free port), builds and
# starts the release server on a free port, seeds 10,000 users and, in each round,
# measures with wrk: GET /, GET /users/{id} (random ids), POST /users (unique emails),
# GET /users (8 connections); then the ceilings with pgbench against the same database:
# the same single-row SELECT and INSERT (64 clients) and the full SELECT (8 clients);
# then two server processes against the same database (scaling out). Every figure is
# printed with min and median over the rounds, and each server rate beside its ratio to
# the pgbench ceiling of the same round, because absolute rates drift on a shared machine.
#
# Settings (environment): RUNS (3), DURATION seconds per measurement (10), WARMUP
# seconds before each wrk measurement (2), CONNECTIONS (64), WRK_THREADS (2),
# PGBENCH_JOBS (2), SCALE_OUT (1; 0 skips the two-server part), SKIP_BUILD (0),
# SERVER_BIN (target/release/userapi; e.g. an older build, to compare), PEERS (0; 1 also
# builds and measures the axum peer of bench/peers/axum/ in every round, side by side),
# PEER_BIN (its binary), SCENARIOS (all; e.g. "get_root get_user" runs only those
# and the pgbench ceilings).
# Raw results: $BENCH_OUT (default /tmp/userapi-bench-<time>.tsv).
#
# The load generators share the machine with the server and PostgreSQL, so each gets
# two threads: wrk -t2 and pgbench -j2 (the best pgbench ceiling measured on 2 cores;
# -j1 starves it, -j4 and -j8 were no better). The server's access log goes to
# /dev/null: it still costs its write per request, but no reader competes for CPU.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--quick" ]; then
  : "${RUNS:=1}" "${DURATION:=2}" "${WARMUP:=1}"
fi
RUNS=${RUNS:-3} DURATION=${DURATION:-10} WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-64} WRK_THREADS=${WRK_THREADS:-2} PGBENCH_JOBS=${PGBENCH_JOBS:-2}
SCALE_OUT=${SCALE_OUT:-1} SKIP_BUILD=${SKIP_BUILD:-0} SERVER_BIN=${SERVER_BIN:-target/release/userapi}
PEERS=${PEERS:-0} PEER_BIN=${PEER_BIN:-bench/peers/axum/target/release/userapi-axum-peer}
SCENARIOS=${SCENARIOS:-get_root get_user get_users post_user}
USERS=10000
BENCH_OUT=${BENCH_OUT:-/tmp/userapi-bench-$(date +%Y%m%d-%H%M%S).tsv}

for tool in wrk pgbench psql python3 curl; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is missing (Debian: apt-get install wrk postgresql-contrib python3 curl)" >&2; exit 1; }
done

if [ "$SKIP_BUILD" != 1 ]; then
  cargo build --release --quiet
  # The peer is its own Cargo project (own lock file, own target directory): userapi
  # never depends on axum.
  [ "$PEERS" != 1 ] || cargo build --release --quiet --manifest-path bench/peers/axum/Cargo.toml
fi
source bench/common.sh
peer_pid=""
export BENCH_USERS=$USERS
record() { printf '%s\t%s\t%s\t%s\n' "$round" "$1" "$2" "$3" >>"$BENCH_OUT"; }

seed_users "$USERS"
: >"$BENCH_OUT"

# start_peer: the axum peer on a free port; sets $peer_pid and $peer_port.
start_peer() {
  local ours_pid=$server_pid ours_port=$server_port
  start_server "$PEER_BIN"
  peer_pid=$server_pid peer_port=$server_port
  server_pid=$ours_pid server_port=$ours_port
}
# CPU time (user + system) the given processes have used, in clock ticks.
cpu_ticks() {
  local pid total=0
  for pid in "$@"; do total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0))); done
  echo "$total"
}
# The PostgreSQL backends serving a server's connections (one for ours, the pool's
# for the peer), by the application_name each sets.
backend_pids() { sql "SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE application_name = '$1'"; }
# measured NAME: the pid and application_name of the server a scenario measures
# (scenarios of the peer are named axum_*).
# url_of PREFIX: the base URL of ours ("") or of the peer ("axum_").
url_of() { if [ -n "$1" ]; then echo "http://127.0.0.1:$peer_port"; else echo "$base"; fi; }
measured() { case $1 in axum_*) echo "$peer_pid userapi-axum-peer" ;; *) echo "$server_pid userapi" ;; esac; }
wanted() { [[ " $SCENARIOS " == *" ${1#axum_} "* ]]; }

# wrk_run NAME CONNECTIONS SCRIPT URL: a warm-up, then the measurement, recorded with
# the CPU time the server and its backend spent on it.
wrk_run() {
  local name=$1 conns=$2 script=$3 url=$4 line pid app backends s0 b0
  wanted "$name" || return 0
  read -r pid app <<<"$(measured "$name")"
  export BENCH_TAG="r$round-$name-warm-$$"
  [ "$WARMUP" = 0 ] || wrk -t"$WRK_THREADS" -c"$conns" -d"${WARMUP}s" -s "$script" "$url" >/dev/null
  export BENCH_TAG="r$round-$name-$$"
  backends=$(backend_pids "$app") s0=$(cpu_ticks "$pid")
  # shellcheck disable=SC2086 # a list of pids
  b0=$(cpu_ticks $backends)
  line=$(wrk -t"$WRK_THREADS" -c"$conns" -d"${DURATION}s" -s "$script" "$url" | grep '^WRK ')
  parse_wrk "$name" "$line"
  record "$name" server_cpu_ticks $(($(cpu_ticks "$pid") - s0))
  # shellcheck disable=SC2086
  record "$name" backend_cpu_ticks $(($(cpu_ticks $backends) - b0))
  record "$name" peak_rss_kib "$(peak_rss_kib "$pid")"
}
parse_wrk() {
  local name=$1 line=$2 kv
  for kv in ${line#WRK }; do record "$name" "${kv%%=*}" "${kv#*=}"; done
}

# pgbench_run NAME CLIENTS SCRIPT: transactions per second, connection time excluded.
pgbench_run() {
  local name=$1 clients=$2 script=$3 out
  out=$(pgbench -n -M prepared -c "$clients" -j "$PGBENCH_JOBS" -T "$DURATION" -f "$script" 2>&1) \
    || { echo "$out" >&2; exit 1; }
  record "$name" tps "$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out" | tail -1)"
  record "$name" latency_ms "$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$out")"
  record "$name" failed "$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")"
}

# Back to the 10,000 seeded users after a write scenario, and a checkpoint, so that
# the next measurement does not meet one triggered by the previous scenario's writes.
reset_table() { sql "DELETE FROM users WHERE id > $USERS" && sql "VACUUM users" && sql "CHECKPOINT"; }

# scale_out NAME SCRIPT PORT_A PORT_B PATH: two wrk processes at once, half the
# connections each, against PORT_A and PORT_B; their combined rate is recorded.
scale_out() {
  local name=$1 script=$2 a=$3 b=$4 half=$((CONNECTIONS / 2)) out_a out_b
  out_a=$(mktemp) out_b=$(mktemp)
  BENCH_TAG="r$round-$name-a-$$" wrk -t1 -c"$half" -d"${DURATION}s" -s "$script" "http://127.0.0.1:$a$5" >"$out_a" &
  local wrk_a=$!
  BENCH_TAG="r$round-$name-b-$$" wrk -t1 -c"$half" -d"${DURATION}s" -s "$script" "http://127.0.0.1:$b$5" >"$out_b"
  wait "$wrk_a"
  python3 - "$out_a" "$out_b" >>"$BENCH_OUT" <<PY
import sys
total = 0.0
for path in sys.argv[1:]:
    line = next(l for l in open(path) if l.startswith("WRK "))
    kv = dict(p.split("=") for p in line.split()[1:])
    total += int(kv["requests"]) / (int(kv["duration_us"]) / 1e6)
print(f"$round\t$name\trps\t{total:.1f}")
PY
  rm -f "$out_a" "$out_b"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: $RUNS round(s) of ${DURATION}s per scenario; load average now: $load_before" >&2
for round in $(seq "$RUNS"); do
  echo "bench: round $round/$RUNS" >&2
  start_server
  base="http://127.0.0.1:$server_port"
  # Ours and the peer's, one after the other; the order swaps every round, so that
  # neither always follows the same neighbour (warm caches, a build next door).
  pairs=("")
  if [ "$PEERS" = 1 ]; then
    start_peer
    if [ $((round % 2)) = 1 ]; then pairs=("" axum_); else pairs=(axum_ ""); fi
  fi
  for p in "${pairs[@]}"; do wrk_run "${p}get_root" "$CONNECTIONS" bench/plain.lua "$(url_of "$p")/"; done
  for p in "${pairs[@]}"; do wrk_run "${p}get_user" "$CONNECTIONS" bench/get_user.lua "$(url_of "$p")/users/1"; done
  for p in "${pairs[@]}"; do wrk_run "${p}get_users" 8 bench/plain.lua "$(url_of "$p")/users"; done
  for p in "${pairs[@]}"; do
    wrk_run "${p}post_user" "$CONNECTIONS" bench/post_user.lua "$(url_of "$p")/users"
    reset_table
  done
  [ -z "$peer_pid" ] || { stop_server "$peer_pid"; peer_pid=""; }

  ! wanted get_user || pgbench_run pgbench_select "$CONNECTIONS" bench/select_one.sql
  ! wanted get_users || pgbench_run pgbench_select_all 8 bench/select_all.sql
  ! wanted post_user || pgbench_run pgbench_insert "$CONNECTIONS" bench/insert_one.sql
  reset_table

  if [ "$SCALE_OUT" = 1 ]; then
    first_pid=$server_pid first_port=$server_port
    scale_out one_get_user bench/get_user.lua "$first_port" "$first_port" /users/1
    scale_out one_post_user bench/post_user.lua "$first_port" "$first_port" /users
    reset_table
    start_server
    scale_out two_get_user bench/get_user.lua "$first_port" "$server_port" /users/1
    scale_out two_post_user bench/post_user.lua "$first_port" "$server_port" /users
    reset_table
    record two_servers peak_rss_kib "$(peak_rss_kib "$server_pid")"
    stop_server "$server_pid"
    server_pid=$first_pid
  fi
  record server peak_rss_kib "$(peak_rss_kib "$server_pid")"
  stop_server "$server_pid"
done

echo "bench: raw results in $BENCH_OUT" >&2
echo
echo "Server: $SERVER_BIN. Machine: $(nproc) cores, $(psql -qAtX -c 'SHOW server_version' | cut -d' ' -f1) PostgreSQL" \
  "(synchronous_commit $(psql -qAtX -c 'SHOW synchronous_commit')), $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2);" \
  "load average (1, 5, 15 min) before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)."
python3 bench/report.py "$BENCH_OUT" "$RUNS" "$DURATION" "$CONNECTIONS" "$WRK_THREADS" "$PGBENCH_JOBS" "$(getconf CLK_TCK)"
