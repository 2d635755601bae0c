#!/usr/bin/env bash
# End-to-end proof of the stack with failover (docker-compose.ha.yml, issue 20), run by
# scripts/e2e-compose.sh after the seed's stack (or alone):
#   1. up --build -d --wait on empty volumes (timed): etcd, pg-1..3 (Patroni), two
#      backend replicas, lb (HAProxy) on 127.0.0.1:8000
#   2. `exec pg-1 patronictl list` shows a leader and a synchronous standby
#   3. the seed's test_api.py through lb prints "All tests passed"
#   4. `docker compose kill` of the primary's container under 16 writers through lb:
#      0 acknowledged users lost, 0 unexpected rows (tests/failover/compose_ha.py)
#   5. one backend replica killed under GET load: 0 failed requests through lb
#   6. down -v leaves no container, volume or listener behind
# Every wait is a poll with a deadline. Whatever happens, the trap runs `down -v`.
# Port 8000 must be free: lb publishes it.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_NUMERIC=C
export COMPOSE_FILE=docker-compose.ha.yml
# A project of its own: its `down -v` never touches a stack run by hand from here.
export COMPOSE_PROJECT_NAME=userapi-e2e-ha

step() { printf '\n--> ha %s\n' "$*"; }
fail() { printf '\ne2e-compose-ha: FAILED: %s\n' "$*" >&2; exit 1; }
seconds_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
port_8000_free() {
  python3 -c 'import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 8000))'
}

docker compose version >/dev/null 2>&1 ||
  fail "needs Docker with Compose v2 (on an offline machine: bash ../shared/tools/offline-docker.sh Dockerfile scripts/ha/Dockerfile)"
python3 -c 'import requests' 2>/dev/null || fail "needs python3 with requests (for test_api.py)"

finished=0
cleanup() {
  local rc=$?
  if [ "$finished" != 1 ]; then
    echo "--- docker compose ps / logs (last 30 lines each) at failure ---"
    docker compose ps -a || true
    docker compose logs --no-color --tail 30 || true
  fi
  docker compose down -v --remove-orphans >/dev/null 2>&1 || true
  exit "$rc"
}
trap cleanup EXIT

step "0. clean start; port 8000 must be free"
docker compose down -v --remove-orphans >/dev/null
port_8000_free || fail "port 8000 is in use ($(ss -ltnpH 'sport = :8000' 2>/dev/null))"

step "1. docker compose -f docker-compose.ha.yml up --build -d --wait"
t=$EPOCHREALTIME
docker compose up --build --quiet-pull -d --wait --wait-timeout 300
up_s=$(seconds_since "$t")
docker compose ps --format 'table {{.Service}}\t{{.Name}}\t{{.Status}}'
echo "up to all healthy: $up_s s"

step "2. docker compose -f docker-compose.ha.yml exec pg-1 patronictl list"
list=$(docker compose exec -T pg-1 patronictl list)
echo "$list"
grep -q '| Leader ' <<<"$list" || fail "patronictl list shows no leader"
grep -q '| Sync Standby ' <<<"$list" || fail "patronictl list shows no synchronous standby"

step "3. test_api.py through lb (127.0.0.1:8000)"
out=$(python3 test_api.py)
echo "$out"
grep -q "All tests passed" <<<"$out" || fail "test_api.py did not pass through lb"

step "4. docker compose kill of the primary's container under 16 writers"
python3 tests/failover/compose_ha.py kill-primary || fail "kill of the primary (above)"

step "5. one backend replica killed under GET load"
python3 tests/failover/compose_ha.py kill-replica || fail "kill of a backend replica (above)"

step "6. docker compose down -v leaves nothing behind"
docker compose down -v --remove-orphans
[ -z "$(docker compose ps -a -q)" ] || fail "containers are left"
[ -z "$(docker volume ls -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME")" ] ||
  fail "volumes are left"
port_8000_free || fail "port 8000 is still in use"
finished=1
echo
echo "e2e-compose-ha: all 6 steps passed (up --build --wait: $up_s s)."
