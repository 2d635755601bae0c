#!/usr/bin/env bash
# Where does the server spend its time on one route? Profiles the release server with
# debug symbols under wrk load (64 connections), against a throwaway PostgreSQL with
# 10,000 users, and prints the hottest functions:
#
#   bench/profile.sh /             # perf record, GET /
#   bench/profile.sh /users/1 get_user.lua   # GET /users/{id} for random ids
#   TOOL=callgrind bench/profile.sh /        # valgrind --tool=callgrind instead (slow):
#                                            # instructions per request, free of the noise
#
# It builds target/prof/release/userapi: the release profile (fat LTO) with debug info
# and no stripping, in a target directory of its own so the normal build is untouched.
# Settings: DURATION (10 s), TOOL (perf), SKIP_BUILD (0). Output: $PROFILE_OUT
# (default /tmp/userapi-profile-<time>/: perf.data or callgrind.out, and report.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
path=${1:-/} script=${2:-plain.lua}
DURATION=${DURATION:-10} TOOL=${TOOL:-perf} SKIP_BUILD=${SKIP_BUILD:-0}
PROFILE_OUT=${PROFILE_OUT:-/tmp/userapi-profile-$(date +%Y%m%d-%H%M%S)}
SERVER_BIN=${SERVER_BIN:-target/prof/release/userapi}
if [ "$SKIP_BUILD" != 1 ]; then
  CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_DEBUG=true CARGO_TARGET_DIR=target/prof \
    cargo build --release --quiet
fi
mkdir -p "$PROFILE_OUT"
source bench/common.sh
export BENCH_USERS=10000
seed_users "$BENCH_USERS"
echo "profile: load average now: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

if [ "$TOOL" = callgrind ]; then
  # Under valgrind the server is ~50x slower: fewer connections, and callgrind's own
  # output when the server exits (SIGTERM: a graceful stop).
  start_server valgrind --tool=callgrind --callgrind-out-file="$PROFILE_OUT/callgrind.out" "$SERVER_BIN"
  requests=$(wrk -t1 -c8 -d"${DURATION}s" -s "bench/$script" "http://127.0.0.1:$server_port$path" \
    | sed -n 's/^WRK requests=\([0-9]*\).*/\1/p')
  stop_server "$server_pid"
  { callgrind_annotate --inclusive=no "$PROFILE_OUT/callgrind.out" 2>/dev/null || true; } | head -60 >"$PROFILE_OUT/report.txt" || true
  # Start-up and shutdown are in the total too: run long enough that they do not count.
  total=$(sed -n 's/^summary: \([0-9]*\).*/\1/p' "$PROFILE_OUT/callgrind.out")
  echo "callgrind: $requests requests, $total instructions in all: $((total / requests)) per request" \
    | tee -a "$PROFILE_OUT/report.txt"
else
  start_server
  wrk -t2 -c64 -d2s -s "bench/$script" "http://127.0.0.1:$server_port$path" >/dev/null
  perf record -F 999 -g --call-graph dwarf,16384 -p "$server_pid" -o "$PROFILE_OUT/perf.data" \
    -- sleep "$DURATION" 2>/dev/null &
  perf_pid=$!
  wrk -t2 -c64 -d"${DURATION}s" -s "bench/$script" "http://127.0.0.1:$server_port$path" | grep -v '^WRK'
  wait "$perf_pid"
  perf report -i "$PROFILE_OUT/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null \
    | grep -v '^$' | grep '%' | head -60 >"$PROFILE_OUT/report.txt"
fi
cat "$PROFILE_OUT/report.txt"
echo "profile: load average after: $(cut -d' ' -f1-3 /proc/loadavg); output in $PROFILE_OUT" >&2
