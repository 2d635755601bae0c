#!/usr/bin/env bash
# The bounded-resource benchmarks of issue 11 (figures in docs/reliability.md and
# docs/benchmarks.md), one command each:
#
#   bench/scale.sh non-readers     # 40 clients send GET /users on ROWS users and never
#                                  # read: peak RSS, and when the server closes them
#   bench/scale.sh chunk-flood     # 200 clients each send a 60 KB body in 1-byte
#                                  # chunks, stall, then finish: peak RSS, the answers
#   bench/scale.sh stalled-stdout  # GET / rate with stdout a pipe nobody reads, beside
#                                  # the rate with stdout on /dev/null, same run
#   bench/scale.sh fd-exhaustion   # soft = hard = 1,024 fds, 1,100 sockets pipelining
#                                  # GET /docs unread: a new client's wait, and when the
#                                  # stalled sockets are closed
#
# Each starts a throwaway PostgreSQL and the release server on free ports, like
# bench/run.sh. The clients (bench/scale_clients.py) use HTTP only. Settings
# (environment): SKIP_BUILD (0), SERVER_BIN (target/release/userapi), ROWS (1,000,000,
# non-readers), RUNS (3) and DURATION (10 s) for stalled-stdout, STRESS_CPU (0: with N,
# `stress-ng --cpu N` runs beside the server from its start to the end of the scenario,
# N CPU-bound processes at the server's priority: issue 22's starved machine), and
# scale_clients.py's own (CLIENTS, LIMIT, STALL, PIPELINED, BODY_BYTES).
set -euo pipefail
cd "$(dirname "$0")/.."

scenario=${1:-}
case $scenario in
  non-readers | chunk-flood | stalled-stdout | fd-exhaustion) ;;
  *) echo "usage: bench/scale.sh non-readers|chunk-flood|stalled-stdout|fd-exhaustion" >&2; exit 2 ;;
esac
SKIP_BUILD=${SKIP_BUILD:-0} SERVER_BIN=${SERVER_BIN:-target/release/userapi}
ROWS=${ROWS:-1000000} RUNS=${RUNS:-3} DURATION=${DURATION:-10}
if [ "$SKIP_BUILD" != 1 ]; then cargo build --release --quiet; fi
source bench/common.sh
echo "bench: $scenario on $(nproc) cores; load average (1, 5, 15 min) now: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
STRESS_CPU=${STRESS_CPU:-0}
if [ "$STRESS_CPU" -gt 0 ]; then
  command -v stress-ng >/dev/null || { echo "bench: STRESS_CPU needs stress-ng (apt-get install stress-ng)" >&2; exit 1; }
  # Stopped by common.sh's cleanup with the servers; the time-out is a backstop.
  stress-ng --cpu "$STRESS_CPU" --timeout 600s --quiet &
  servers+=("$!")
  echo "bench: stress-ng --cpu $STRESS_CPU beside the server (pid $!)" >&2
fi

# wrk_rate URL PID: "requests/s CPU-µs-per-request" of GET URL over DURATION at 64
# connections, after a 2 s warm-up; the CPU time is the server's (PID), steadier than
# the rate on a shared machine.
wrk_rate() {
  local before out
  wrk -t2 -c64 -d2s "$1" >/dev/null
  before=$(awk '{print $14 + $15}' "/proc/$2/stat")
  out=$(wrk -t2 -c64 -d"${DURATION}s" "$1")
  awk -v ticks="$(($(awk '{print $14 + $15}' "/proc/$2/stat") - before))" -v hz="$(getconf CLK_TCK)" '
    / requests in / {requests = $1}
    /^Requests\/sec/ {rate = $2}
    END {printf "%.0f %.2f\n", rate, ticks / hz * 1e6 / requests}' <<<"$out"
}

# GET / with stdout on /dev/null, then with stdout a FIFO whose reader never reads (a
# stalled log driver), in alternating order; each server fresh.
stalled_stdout() {
  local fifo="$LOCAL_PG_DIR/stdout.fifo" round kind rate normal stalled holder
  local normal_rate normal_cpu stalled_rate stalled_cpu
  mkfifo "$fifo"
  for round in $(seq "$RUNS"); do
    local kinds=(normal stalled)
    [ $((round % 2)) = 1 ] || kinds=(stalled normal)
    for kind in "${kinds[@]}"; do
      if [ "$kind" = stalled ]; then
        # Opens the read end and sleeps on it; never reads. Killed by cleanup.
        sleep 3600 <"$fifo" &
        holder=$!
        servers+=("$holder")
        SERVER_STDOUT=$fifo start_server
      else
        start_server
      fi
      rate=$(wrk_rate "http://127.0.0.1:$server_port/" "$server_pid")
      if [ "$kind" = stalled ]; then stalled=$rate; else normal=$rate; fi
      stop_server "$server_pid"
      [ "$kind" = normal ] || stop_server "$holder"
    done
    read -r normal_rate normal_cpu <<<"$normal"
    read -r stalled_rate stalled_cpu <<<"$stalled"
    echo "round $round ($kinds first): GET / requests/s (CPU µs/request): stdout /dev/null" \
      "$normal_rate ($normal_cpu), stdout stalled $stalled_rate ($stalled_cpu);" \
      "stalled ÷ /dev/null: rate $(python3 -c "print(f'{$stalled_rate / $normal_rate:.2f}')")"

  done
  echo "server's stderr about the log:"
  grep -i "logging\|dropped" "$LOCAL_PG_DIR/server.log" || echo "  (nothing)"
}

case $scenario in
  non-readers)
    seed_users "$ROWS"
    start_server
    python3 bench/scale_clients.py non-readers "$server_pid" "$server_port"
    ;;
  chunk-flood)
    seed_users 10
    start_server
    python3 bench/scale_clients.py chunk-flood "$server_pid" "$server_port"
    ;;
  stalled-stdout)
    seed_users 10
    stalled_stdout
    ;;
  fd-exhaustion)
    seed_users 10
    # The access log to a file: its lines count the answers written to stalled sockets.
    SERVER_STDOUT=$LOCAL_PG_DIR/access.log start_server prlimit --nofile=1024:1024 -- "$SERVER_BIN"
    echo "server: $(grep -o 'open-file limit.*' "$LOCAL_PG_DIR/server.log" | tail -1)"
    python3 bench/scale_clients.py pipeline-flood "$server_pid" "$server_port"
    echo "server: $(grep -c '^GET /docs' "$LOCAL_PG_DIR/access.log") answers to GET /docs written (access log)"
    echo "server's stderr about accepting:"
    grep "accept" "$LOCAL_PG_DIR/server.log" || echo "  (nothing)"
    ;;
esac
echo "bench: load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
