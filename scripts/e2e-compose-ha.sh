#!/usr/bin/env bash
# End-to-end proof of the stack with failover (docker-compose.ha.yml, issue 20), run by
# scripts/e2e-compose.sh after the seed's stack (or alone):
#   1. up --build -d --wait on empty volumes (timed): etcd, pg-1..3 (Patroni), two
#      backend replicas, lb (HAProxy) on 127.0.0.1:8000
#   2. `exec pg-1 patronictl list` shows a leader and a synchronous standby
#   3. the seed's test_api.py through lb prints "All tests passed"
#      3b. the role: every session of the backends, on every node, is `userapi`, not a
#      superuser; `exec pg-N psql -U postgres` gets in on each node
#      3c. a cluster from before the role (simulated: role dropped on the leader,
#      sessions ended): writes are refused until the documented one-time command on the
#      leader, then a user is created and read back
#   4. `docker compose kill` of the primary's container under 16 writers through lb:
#      0 acknowledged users lost, 0 unexpected rows (tests/failover/compose_ha.py)
#   5. one backend replica killed under GET load: 0 failed requests through lb
#   6. a marker user survives `docker compose restart` of the whole stack
#   7. down -v leaves no container, volume or listener behind
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
source scripts/e2e-common.sh # seconds_since, poll
port_8000_free() {
  python3 -c 'import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 8000))'
}

nodes=(pg-1 pg-2 pg-3)
base=http://127.0.0.1:8000
# as_operator NODE SQL: SQL in appdb as the superuser over NODE's socket, as an operator
# does (`docker compose exec pg-1 psql -U postgres`); unaligned rows on stdout.
as_operator() { docker compose exec -T "$1" psql -U postgres -d appdb -v ON_ERROR_STOP=1 -tAc "$2"; }
# Every backend session of the API on a node, as "usename usesuper application_name"
# lines (userapi for writes, userapi-reads for standby reads).
API_SESSIONS="SELECT coalesce(u.usename::text, '(dropped)') || ' ' || coalesce(u.usesuper::text, '?')
    || ' ' || a.application_name
  FROM pg_stat_activity a LEFT JOIN pg_user u ON u.usesysid = a.usesysid
  WHERE a.application_name LIKE 'userapi%' AND a.backend_type = 'client backend' ORDER BY 1"
leader() { docker compose exec -T pg-1 patronictl list | awk -F'|' '$4 ~ /Leader/ { gsub(/ /, "", $2); print $2 }'; }
# create EMAIL: POST /users through lb; prints the new id, fails unless 201.
create() {
  curl -fsS --max-time 5 -H 'content-type: application/json' \
    -d "{\"name\": \"e2e ha\", \"email\": \"$1\", \"age\": 7}" "$base/users" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}
served() { curl -fsS --max-time 3 "$base/users/$1" | grep -qF "\"$2\""; }

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

step "3b. the role: the backends' sessions on every node are userapi, not a superuser"
all_sessions=""
for node in "${nodes[@]}"; do
  sessions=$(as_operator "$node" "$API_SESSIONS")
  echo "$node: $(tr '\n' ',' <<<"$sessions" | sed 's/,$//; s/,/, /g')"
  all_sessions+="$sessions"$'\n'
  operator=$(as_operator "$node" "SELECT current_user || ' ' || usesuper FROM pg_user WHERE usename = current_user")
  [ "$operator" = "postgres true" ] || fail "docker compose exec $node psql -U postgres: '$operator'"
done
all_sessions=$(grep -v '^$' <<<"$all_sessions" || true)
# Two replicas, each with a write session on the leader and a read one on a standby.
writes=$(grep -c ' userapi$' <<<"$all_sessions" || true)
reads=$(grep -c ' userapi-reads$' <<<"$all_sessions" || true)
((writes >= 2 && reads >= 1)) || fail "sessions: $writes for writes, $reads for reads (want 2 and 1 at least)"
if grep -v '^userapi false ' <<<"$all_sessions" >/dev/null; then fail "a session above is not userapi, or is a superuser"; fi
echo "docker compose exec pg-N psql -U postgres: postgres true on ${nodes[*]}"

step "3c. a cluster from before the role: writes refused until the one-time command on the leader"
primary=$(leader)
[ -n "$primary" ] || fail "patronictl list shows no leader"
as_operator "$primary" "DROP OWNED BY userapi; DROP ROLE userapi" >/dev/null
for node in "${nodes[@]}"; do
  as_operator "$node" "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
    WHERE application_name LIKE 'userapi%' AND backend_type = 'client backend'" >/dev/null
done
refused() { ! create "e2e-ha-refused-$RANDOM-$SECONDS@example.com"; }
poll 15 refused || fail "a POST still got 201 15 s after the role was dropped"
echo "without the role: POST /users refused"
# The operator's one-time command (docs/reliability.md, "The role the API connects as"),
# on the leader: the role and its grants reach the standbys by replication.
t=$EPOCHREALTIME
docker compose exec -T "$primary" psql -d appdb -v ON_ERROR_STOP=1 -f /etc/patroni/userapi-role.sql
email="e2e-ha-role-$(date +%s)-$RANDOM@example.com"
created() { id=$(create "$email") && served "$id" "$email"; }
poll 30 created || fail "no user created and read back within 30 s of the one-time command"
echo "user $id created and read back $(seconds_since "$t") s after the one-time command on $primary"

step "4. docker compose kill of the primary's container under 16 writers"
python3 tests/failover/compose_ha.py kill-primary || fail "kill of the primary (above)"

step "5. one backend replica killed under GET load"
python3 tests/failover/compose_ha.py kill-replica || fail "kill of a backend replica (above)"

step "6. a marker user survives docker compose restart of the whole stack"
marker="e2e-ha-marker-$(date +%s)-$RANDOM@example.com"
marker_id=$(create "$marker") || fail "POST of the marker"
echo "created user $marker_id <$marker>"
t=$EPOCHREALTIME
docker compose restart
poll 180 served "$marker_id" "$marker" || fail "marker not served within 180 s of docker compose restart"
echo "marker served $(seconds_since "$t") s after docker compose restart began"

step "7. docker compose down -v leaves nothing behind"
docker compose down -v --remove-orphans
[ -z "$(docker compose ps -a -q)" ] || fail "containers are left"
[ -z "$(docker volume ls -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME")" ] ||
  fail "volumes are left"
port_8000_free || fail "port 8000 is still in use"
finished=1
echo
echo "e2e-compose-ha: all 7 steps passed (up --build --wait: $up_s s)."
