#!/usr/bin/env bash
# End-to-end proof of `docker compose up --build`, run by CI from a clean clone: the
# real images, the real compose file, the seed's test_api.py against port 8000.
#   1. build --no-cache, then up --build -d --wait on an empty volume (both timed);
#      the health probe has run and left no line in the access log
#   2. the README's example session, replayed on that empty database
#      (scripts/readme-session.py): every answer as the page shows it, down to its
#      last command, test_api.py printing "All tests passed"
#   3. a marker user survives `docker compose restart`
#   4. ... and `down` (keeping the volume) + `up -d --wait`
#   5. restarting only `db`: the running backend reconnects by itself and serves the
#      marker again within seconds (measured; the backend container is not restarted)
#      5b. the role: every session of the backend is `userapi`, not a superuser, and
#      an operator gets in with `exec db psql -U postgres` (a superuser)
#      5c. a volume from before the role (simulated: role dropped, sessions ended): the
#      backend is refused until the documented one-time command, then serves the
#      marker again, unrestarted
#   6. `docker compose logs` never shows the database password; what docs/operations.md
#      offers instead of a shell works (`exec backend userapi --healthcheck`, `exec db psql`)
#   7. the other figures of docs/operations.md ("The image"): a rebuild after a change in src/ (in a copy of the
#      checkout), and how soon `GET /users` answers after `up -d` on an empty volume
#   8. `down -v` leaves no container, volume or listener behind
# Then scripts/e2e-compose-ha.sh does the same for the stack with failover
# (docker-compose.ha.yml): test_api.py through HAProxy, the primary's container killed
# under writers, a backend replica killed under GET load.
# At the end it prints the table of figures of docs/operations.md ("The image"), dated, so
# re-measuring them is this one command.
# Along the way the admin port (127.0.0.1:9000, loopback only) is checked: /live and
# /ready answer 200, /metrics counts test_api.py's requests by route template, and the
# db restart of step 5 shows as a reconnect.
# Every wait is a poll with a deadline, never a fixed sleep. Whatever happens, the trap
# runs `docker compose down -v`. Port 8000 must be free: the stack publishes it.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_NUMERIC=C # $EPOCHREALTIME with a decimal point, whatever the locale
# A Compose project of its own (containers, network, volume and image are named after
# it): the `down -v` calls below must never delete the data of a stack someone runs
# from this same checkout with a plain `docker compose up`.
export COMPOSE_PROJECT_NAME=userapi-e2e

base=http://127.0.0.1:8000
admin=http://127.0.0.1:9000
step() { printf '\n--> %s\n' "$*"; }
fail() { printf '\ne2e-compose: FAILED: %s\n' "$*" >&2; exit 1; }
source scripts/e2e-common.sh # seconds_since, poll

# metric NAME_AND_LABELS: the value of that exact series in /metrics (empty if absent).
metric() { curl -fsS --max-time 3 "$admin/metrics" | awk -v series="$1" '$1 == series { print $2 }'; }
marker_served() { curl -fsS --max-time 3 "$base/users/$marker_id" | grep -qF "\"$marker\""; }
marker_refused() { ! marker_served; }
# as_operator SQL: runs SQL in appdb as the superuser, over db's socket, as an operator
# does (`docker compose exec db psql -U postgres`); unaligned rows on stdout.
as_operator() { docker compose exec -T db psql -U postgres -d appdb -v ON_ERROR_STOP=1 -tAc "$1"; }
# Every backend session of the API (application_name userapi or userapi-reads), as
# "usename usesuper" lines.
API_SESSIONS="SELECT coalesce(u.usename::text, '(dropped)') || ' ' || coalesce(u.usesuper::text, '?')
  FROM pg_stat_activity a LEFT JOIN pg_user u ON u.usesysid = a.usesysid
  WHERE a.application_name LIKE 'userapi%' AND a.backend_type = 'client backend' ORDER BY 1"
port_8000_free() {
  python3 -c 'import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 8000))'
}
# json_get KEY...: the value at KEY/KEY/... of the JSON document on stdin.
json_get() { python3 -c $'import json, sys\nd = json.load(sys.stdin)\nfor k in sys.argv[1:]: d = d[k]\nprint(d)' "$@"; }

docker compose version >/dev/null 2>&1 ||
  fail "needs Docker with Compose v2 (on an offline machine: bash ../shared/tools/offline-docker.sh Dockerfile)"
command -v curl >/dev/null || fail "needs curl"
python3 -c 'import requests' 2>/dev/null || fail "needs python3 with requests (for test_api.py)"

# What is measured: the checkout as it is now (a commit made during the run is not it).
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit="$commit + uncommitted changes"
load_before=$(cut -d' ' -f1 /proc/loadavg)
config=$(docker compose config --format json)
project=$(json_get name <<<"$config")
password=$(json_get services backend environment DB_PASSWORD <<<"$config")

# Logs are saved before every `down` (which deletes them with the containers), so
# step 6 searches the logs of the whole run.
logs=$(mktemp)
save_logs() { docker compose logs --no-color >>"$logs"; }
copy=$(mktemp -d) # step 7's copy of the checkout
finished=0
cleanup() {
  local rc=$?
  if [ "$finished" != 1 ]; then
    echo "--- docker compose ps / logs (last 40 lines each) at failure ---"
    docker compose ps -a || true
    docker compose logs --no-color --tail 40 || true
  fi
  docker compose down -v --remove-orphans >/dev/null 2>&1 || true
  docker image rm -f userapi-e2e-rebuild-backend >/dev/null 2>&1 || true
  rm -rf "$logs" "$copy"
  exit "$rc"
}
trap cleanup EXIT

step "0. clean start: remove what an earlier, interrupted run left; port 8000 must be free"
docker compose down -v --remove-orphans >/dev/null || fail "docker compose down -v failed"
port_8000_free || fail "port 8000 is in use; stop whatever listens there ($(ss -ltnpH 'sport = :8000' 2>/dev/null))"

step "1. docker compose build --no-cache backend, then up --build -d --wait"
t=$EPOCHREALTIME
docker compose build --quiet --no-cache backend
build_s=$(seconds_since "$t")
# The build above is cached now, so this measures (almost only) start-up on an empty
# volume: initdb and init.sql, db healthy, backend started and healthy.
t=$EPOCHREALTIME
docker compose up --build -d --wait --wait-timeout 180
up_s=$(seconds_since "$t")
image=$(docker compose config --images | grep -- "-backend$" | head -n1)
image_bytes=$(docker image inspect -f '{{.Size}}' "$image")
image_mb=$(awk -v b="$image_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
docker image ls "$image"
((image_bytes <= 30000000)) || fail "image $image is $image_mb MB, over the 30 MB goal"
container=$(docker create "$image")
docker cp "$container:/usr/local/bin/userapi" "$copy/userapi" >/dev/null 2>&1
docker rm "$container" >/dev/null
binary_mb=$(awk -v b="$(stat -c %s "$copy/userapi")" 'BEGIN { printf "%.2f", b / 1e6 }')
rm -f "$copy/userapi"
# `--wait` returned on "healthy", so the backend's probe has run; none of its requests
# may show in the access log (src/server.rs, HEALTH_PROBE_USER_AGENT). No client has
# sent anything yet, so any `GET /` line here would be the probe's.
probes=$(docker inspect -f '{{len .State.Health.Log}}' "$(docker compose ps -q backend)")
((probes >= 1)) || fail "the backend is healthy but docker inspect shows no probe"
if docker compose logs --no-color backend | grep -F 'GET / '; then
  fail "the health probe's requests are in the access log (above)"
fi
echo "health probe ran $probes time(s); no access-log line from it"

step "2. the README's example session, on this empty database, ending with test_api.py"
# test_api.py is not run a second time: it names its user after the current second,
# and a second run within that second would get a 409 for the taken email.
python3 scripts/readme-session.py README.md || fail "the README's session answered otherwise (above)"

step "2b. the admin port: loopback only, /live, /ready, and /metrics counting test_api.py"
published=$(docker compose port backend 9000)
[ "$published" = "127.0.0.1:9000" ] || fail "admin port published as '$published', not 127.0.0.1:9000"
curl -fsS --max-time 3 "$admin/live" | grep -qF '"alive"' || fail "GET /live"
curl -fsS --max-time 3 "$admin/ready" | grep -qF '"ready"' || fail "GET /ready"
created_count=$(metric 'http_requests_total{method="POST",route="/users",status="201"}')
[ "${created_count:-0}" -ge 1 ] || fail "/metrics counted no POST /users 201 (got '$created_count')"
curl -sS --max-time 3 -o /dev/null -w '%{http_code}' "$base/metrics" | grep -qx 404 ||
  fail "the API port must answer 404 for /metrics"
echo "admin port on $published; /metrics counted $created_count user(s) created"

step "3. a marker user survives docker compose restart"
marker="e2e-marker-$(date +%s)-$RANDOM@example.com"
created=$(curl -fsS --max-time 5 -H 'content-type: application/json' \
  -d "{\"name\": \"e2e marker\", \"email\": \"$marker\", \"age\": 42}" "$base/users")
marker_id=$(json_get id <<<"$created")
echo "created user $marker_id <$marker>"
docker compose restart
poll 60 marker_served || fail "marker not served within 60 s of docker compose restart"
echo "marker served after restart"

step "4. ... and docker compose down (volume kept) + up -d --wait"
save_logs
docker compose down
t=$EPOCHREALTIME
docker compose up -d --wait --wait-timeout 180
up_again_s=$(seconds_since "$t")
poll 30 marker_served || fail "marker not served after down + up"
echo "marker served after down + up (up to healthy: ${up_again_s} s)"

step "5. restart only db; the running backend must recover by itself"
backend=$(docker compose ps -q backend)
started_before=$(docker inspect -f '{{.State.StartedAt}} {{.RestartCount}}' "$backend")
t=$EPOCHREALTIME
docker compose restart --no-deps db
restart_s=$(seconds_since "$t")
t2=$EPOCHREALTIME
poll 15 marker_served || fail "backend did not serve the marker within 15 s of db's restart"
recovery_s=$(seconds_since "$t2")
total_s=$(seconds_since "$t")
started_after=$(docker inspect -f '{{.State.StartedAt}} {{.RestartCount}}' "$backend")
[ "$started_before" = "$started_after" ] || fail "the backend container was restarted ($started_before -> $started_after)"
echo "db restart took ${restart_s} s; marker served again ${recovery_s} s after it (${total_s} s in all); backend not restarted"
reconnects=$(metric userapi_database_reconnects_total)
[ "${reconnects:-0}" -ge 1 ] || fail "/metrics shows no database reconnect after db's restart (got '$reconnects')"
poll 15 curl -fsS --max-time 3 "$admin/ready" || fail "/ready not 200 again after db's restart"
echo "/metrics: $reconnects database reconnect(s); /ready 200 again"

step "5b. the role: the backend's sessions are userapi, not a superuser; psql -U postgres gets in"
sessions=$(as_operator "$API_SESSIONS")
echo "the backend's sessions (usename usesuper):"
sed 's/^/  /' <<<"$sessions"
[ -n "$sessions" ] || fail "no session of the backend on db"
if grep -vx 'userapi false' <<<"$sessions" >/dev/null; then fail "a session above is not userapi, or is a superuser"; fi
operator=$(as_operator "SELECT current_user || ' ' || usesuper FROM pg_user WHERE usename = current_user")
[ "$operator" = "postgres true" ] || fail "docker compose exec db psql -U postgres: '$operator'"
echo "docker compose exec db psql -U postgres: $operator"

step "5c. a volume from before the role: refused until the one-time command, then the same data"
# What a volume made by the seed's stack lacks: the role (and so its grants). Dropped,
# then its sessions ended, so that the backend must log in again.
as_operator "DROP OWNED BY userapi; DROP ROLE userapi" >/dev/null
as_operator "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
  WHERE application_name LIKE 'userapi%' AND backend_type = 'client backend'" >/dev/null
poll 15 marker_refused || fail "the backend still served the marker 15 s after its role was dropped"
echo "without the role the backend answers $(curl -sS --max-time 3 -o /dev/null -w '%{http_code}' "$base/users/$marker_id")"
# The operator's one-time command (docs/reliability.md, "The role the API connects as").
t=$EPOCHREALTIME
docker compose exec -T db psql -U postgres -d appdb -v ON_ERROR_STOP=1 -f /docker-entrypoint-initdb.d/userapi-role.sql
poll 30 marker_served || fail "marker not served within 30 s of the one-time command"
echo "marker served again $(seconds_since "$t") s after the one-time command (backend not restarted)"
sessions=$(as_operator "$API_SESSIONS")
if grep -vx 'userapi false' <<<"$sessions" >/dev/null; then fail "sessions after the command: $sessions"; fi
[ "$started_before" = "$(docker inspect -f '{{.State.StartedAt}} {{.RestartCount}}' "$backend")" ] ||
  fail "the backend container was restarted"

step "6. docker compose logs never show the database password; exec without a shell"
save_logs
echo "$(wc -l <"$logs") log lines checked"
if grep -nF -- "$password" "$logs"; then fail "the logs above contain the database password"; fi
docker compose exec -T backend userapi --healthcheck || fail "docker compose exec backend userapi --healthcheck"
docker compose exec -T backend userapi --help | grep -q ADMIN_PORT || fail "docker compose exec backend userapi --help"
users=$(docker compose exec -T db psql -U postgres -d appdb -tAc 'SELECT count(*) FROM users')
((users >= 3)) || fail "docker compose exec db psql counted '$users' users"
echo "docker compose exec db psql: $users users"

step "7. the figures of docs/operations.md: rebuild after a src/ change; first answer after up -d"
# A copy of the checkout (tracked and new files, as git sees them) with one comment
# added to src/main.rs: the build must reuse the dependency layer and recompile only
# the crate. A copy, so the checkout is never modified, even for a moment.
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$copy"
# The comment is unique to this run: the same change twice would be a cache hit, not a
# rebuild (it measured 0.3 s on a machine that had run this script before).
printf '\n// e2e-compose: a change in src/ only, %s\n' "$(date +%s%N)" >>"$copy/src/main.rs"
t=$EPOCHREALTIME
# Built by Compose as a project of its own: the same builder, so the same layer cache.
docker compose -f "$copy/docker-compose.yml" -p userapi-e2e-rebuild build --quiet backend
rebuild_s=$(seconds_since "$t")
docker image rm userapi-e2e-rebuild-backend >/dev/null
echo "rebuild after a src/ change: $rebuild_s s"
save_logs
docker compose down -v
t=$EPOCHREALTIME
docker compose up -d
poll 120 curl -fsS --max-time 2 "$base/users" || fail "GET /users did not answer within 120 s of up -d"
first_answer_s=$(seconds_since "$t")
echo "GET /users answered $first_answer_s s after up -d on an empty volume"

step "8. docker compose down -v leaves nothing behind"
docker compose down -v --remove-orphans
[ -z "$(docker compose ps -a -q)" ] || fail "containers are left"
[ -z "$(docker volume ls -q --filter "label=com.docker.compose.project=$project")" ] || fail "volumes are left"
poll 10 port_8000_free || fail "port 8000 is still in use"
finished=1

echo
echo "e2e-compose: all 8 steps passed."
echo
echo "The table of docs/operations.md (\"The image\"), as measured now:"
cat <<TABLE

| measured $(date -u '+%Y-%m-%d') on commit \`$commit\`, $(nproc) cores (load average $load_before at the start), by \`bash scripts/e2e-compose.sh\` | |
|---|---|
| image size (\`docker image ls\`) | **$image_mb MB** |
| the binary in it (\`/usr/local/bin/userapi\`) | $binary_mb MB |
| cold build (\`docker compose build --no-cache backend\`) | $build_s s |
| rebuild with only a \`src/\` file changed | $rebuild_s s |
| \`docker compose up --build -d --wait\` to both healthy (image built, empty volume) | $up_s s |
| \`docker compose up -d --wait\` to both healthy (data already there) | $up_again_s s |
| \`GET /users\` answering after \`docker compose up -d\` (empty volume) | $first_answer_s s |
| backend serving again after \`docker compose restart db\` (the restart itself: $restart_s s) | $recovery_s s |
TABLE

# The stack with failover (docker-compose.ha.yml): a script of its own, run after this
# one's stack is down (both publish port 8000).
bash scripts/e2e-compose-ha.sh
