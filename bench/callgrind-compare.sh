#!/usr/bin/env bash
# CPU per request of two builds, in instructions (valgrind --tool=callgrind), one route
# at a time and the two builds in turn: instruction counts do not depend on what else
# the machine is doing, so a refactor's cost shows even on a busy 2-core machine.
#
#   bench/callgrind-compare.sh OLD_BINARY NEW_BINARY
#   ROUTES="get_user post_user" DURATION=20 bench/callgrind-compare.sh old new
#
# Each build first runs once with no load (start-up, the readiness look-up, shutdown):
# that fixed cost is taken off each loaded run's total before dividing by its requests.
# One wrk connection, so no run's batches are bigger than another's. Prints one line
# per route and build, and the ratio new/old. Settings: DURATION (10 s per run),
# ROUTES (plain get_user post_user list; see below).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { echo "usage: $0 OLD_BINARY NEW_BINARY" >&2; exit 2; }
old=$(realpath "$1") new=$(realpath "$2")
DURATION=${DURATION:-10} ROUTES=${ROUTES:-plain get_user post_user list}
out=$(mktemp -d /tmp/userapi-callgrind.XXXXXX)
SERVER_BIN=$old
source bench/common.sh
export BENCH_USERS=10000
seed_users "$BENCH_USERS"
# BENCH_TAG keeps the POSTs' emails apart between runs.
export BENCH_TAG

# instructions BINARY NAME [PATH SCRIPT]: runs the build under callgrind, with wrk on
# PATH if given; prints "total requests".
instructions() {
  local binary=$1 name=$2 path=${3:-} script=${4:-}
  start_server valgrind --tool=callgrind --callgrind-out-file="$out/$name.out" "$binary"
  local requests=0
  if [ -n "$path" ]; then
    BENCH_TAG="$name-$RANDOM"
    requests=$(wrk -t1 -c1 -d"${DURATION}s" -s "bench/$script" "http://127.0.0.1:$server_port$path" |
      sed -n 's/^WRK requests=\([0-9]*\).*/\1/p')
  fi
  stop_server "$server_pid"
  echo "$(sed -n 's/^summary: \([0-9]*\).*/\1/p' "$out/$name.out") $requests"
}

declare -A fixed
for build in old new; do
  binary=$old; [ "$build" = new ] && binary=$new
  read -r total _ < <(instructions "$binary" "$build-idle")
  fixed[$build]=$total
done
echo "start-up and shutdown: old ${fixed[old]}, new ${fixed[new]} instructions"

for route in $ROUTES; do
  case $route in
    plain) path=/ script=plain.lua ;;
    get_user) path=/users/1 script=get_user.lua ;;
    post_user) path=/users script=post_user.lua ;;
    list) path="/users?limit=100" script=plain.lua ;;
    *) echo "unknown route $route" >&2; exit 2 ;;
  esac
  declare -A per
  for build in old new; do
    binary=$old; [ "$build" = new ] && binary=$new
    read -r total requests < <(instructions "$binary" "$build-$route" "$path" "$script")
    per[$build]=$(( (total - fixed[$build]) / requests ))
    echo "$route $build: $requests requests, ${per[$build]} instructions per request"
  done
  python3 -c "print('$route new/old: %.3f' % (${per[new]} / ${per[old]}))"
done
rm -rf "$out"
