#!/usr/bin/env bash
# The cost of the metrics (issue 14), on and off in one run:
#
#   bench/metrics-overhead.sh                 # 6 rounds of 10 s per binary and path
#   ROUNDS=2 DURATION=3 bench/metrics-overhead.sh   # a quick look
#
# "Off" is the release build of BASE_REV (default 888f0d5, main just before the
# metrics: no recording at all), "on" the release build of the working tree with
# ADMIN_PORT set. Both run at once against one throwaway PostgreSQL with 10,000 users;
# wrk (-t2 -c64) measures GET /users/{id} (random ids) and GET / on each in turn, in the
# order off, on, on, off, ... so that drift of the shared machine falls on both alike.
# Prints the rates and the server's CPU time per request (steadier than the rate when
# others share the machine), each with the median of the per-round ratios on/off.
# Settings: ROUNDS (6), DURATION (10), WARMUP (2), BASE_REV, OFF_BIN / ON_BIN (skip the
# builds: use these binaries), CARGO_TARGET_DIR for the builds (default
# /tmp/userapi-bench-target, so the tests' target directory is not rebuilt).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-6} DURATION=${DURATION:-10} WARMUP=${WARMUP:-2} BASE_REV=${BASE_REV:-888f0d5}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/tmp/userapi-bench-target}
USERS=10000

for tool in wrk psql python3 curl; do
  command -v "$tool" >/dev/null || { echo "metrics-overhead: $tool is missing" >&2; exit 1; }
done

work=$(mktemp -d /tmp/userapi-metrics-bench.XXXXXX)
if [ -z "${OFF_BIN:-}" ]; then
  git archive "$BASE_REV" | tar -x -C "$work" --one-top-level=base
  (cd "$work/base" && cargo build --release --quiet)
  OFF_BIN=$work/userapi-off
  cp "$CARGO_TARGET_DIR/release/userapi" "$OFF_BIN"
fi
if [ -z "${ON_BIN:-}" ]; then
  cargo build --release --quiet
  ON_BIN=$work/userapi-on
  cp "$CARGO_TARGET_DIR/release/userapi" "$ON_BIN"
fi

source scripts/local-postgres.sh
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  local_postgres_stop
  rm -rf "$work"
}
trap cleanup EXIT
export PGDATABASE=appdb BENCH_USERS=$USERS
psql -qX -v ON_ERROR_STOP=1 -f init.sql
psql -qAtX -v ON_ERROR_STOP=1 -c "INSERT INTO users (name, email, age)
  SELECT 'User ' || g, 'user' || g || '@example.com', 18 + g % 60 FROM generate_series(1, $USERS) g"
psql -qAtX -c "VACUUM ANALYZE users"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start NAME BINARY [ENV...]: a server on a free port; sets port_NAME.
start() {
  local name=$1 bin=$2 port; shift 2
  port=$(free_port)
  env PORT="$port" "$@" "$bin" >/dev/null 2>>"$work/$name.log" &
  pids+=($!)
  printf -v "pid_$name" %s "$!"
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$port/users/1" >/dev/null 2>&1 && { printf -v "port_$name" %s "$port"; return; }
    sleep 0.1
  done
  echo "metrics-overhead: $name did not start" >&2; cat "$work/$name.log" >&2; exit 1
}
admin_port=$(free_port)
start off "$OFF_BIN"
start on "$ON_BIN" ADMIN_PORT="$admin_port"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# rate NAME SCRIPT PATH: requests per second of one wrk run, and the server's CPU time
# per request in microseconds (steadier than the rate on a machine others share too).
rate() {
  local url="http://127.0.0.1:$(eval echo "\$port_$1")$3" pid before out
  pid=$(eval echo "\$pid_$1")
  wrk -t2 -c64 -d"${WARMUP}s" -s "$2" "$url" >/dev/null
  before=$(cpu_ticks "$pid")
  out=$(wrk -t2 -c64 -d"${DURATION}s" -s "$2" "$url" | grep '^WRK ')
  awk -v ticks=$(($(cpu_ticks "$pid") - before)) '{
      for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
      printf "%.0f\t%.2f\n", f["requests"] / (f["duration_us"] / 1e6), ticks * 1e4 / f["requests"] }' <<<"$out"
}
results=$work/results.tsv
for round in $(seq "$ROUNDS"); do
  order="off on"; [ $((round % 2)) = 0 ] && order="on off"
  for name in $order; do
    printf '%s\t%s\t%s\t%s\n' "$round" "$name" user "$(rate "$name" bench/get_user.lua /users/1)" >>"$results"
    printf '%s\t%s\t%s\t%s\n' "$round" "$name" root "$(rate "$name" bench/plain.lua /)" >>"$results"
  done
  echo "round $round done"
done
counted=$(curl -fsS "http://127.0.0.1:$admin_port/metrics" |
  awk '$1 == "http_requests_total{method=\"GET\",route=\"/users/{user_id}\",status=\"200\"}" { print $2 }')
echo "the 'on' server counted $counted GET /users/{id} 200s"

python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    rnd, name, path, rate, cpu_us = line.split()
    runs.setdefault((path, name), {})[int(rnd)] = (float(rate), float(cpu_us))
for path, label in (("user", "GET /users/{id}"), ("root", "GET /")):
    off, on = runs[(path, "off")], runs[(path, "on")]
    for what, i in (("rate", 0), ("CPU us/request", 1)):
        ratios = [on[r][i] / off[r][i] for r in sorted(off)]
        median = lambda d: statistics.median(v[i] for v in d.values())
        print(f"{label:16} {what:15} off median {median(off):9.2f}   on median {median(on):9.2f}   "
              "on/off per round " + " ".join(f"{x:.3f}" for x in ratios)
              + f"   median {statistics.median(ratios):.3f}")
PY
