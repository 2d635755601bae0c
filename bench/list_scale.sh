#!/usr/bin/env bash
# GET /users at scale (issue 11, section 1), in one command:
#
#   bench/list_scale.sh                 # 1,000,000 rows, then 10,000,000 (a few minutes)
#   BIG_ROWS=0 bench/list_scale.sh      # the 1,000,000-row part only
#
# It starts a throwaway PostgreSQL (scripts/local-postgres.sh) and the release server on
# free ports, loads ROWS users with one generate_series INSERT, and measures:
#   1. time to first byte of GET /users (curl's time_starttransfer), 5 times;
#   2. one client's whole list: seconds and MB/s, 3 times, against the same table as
#      one JSON value from PostgreSQL itself:
#      psql -c "COPY (SELECT json_agg(u ORDER BY id) FROM users u) TO STDOUT";
#   3. CLIENTS (8) clients listing the table at once: wall time and the server's peak
#      RSS (VmHWM of /proc/<pid>/status, reset just before through clear_refs);
#   4. with BIG_ROWS (10,000,000) rows: one list to the end, its time, size and the
#      server's peak RSS. (json_agg is not run there: its one value would be ~900 MB,
#      near PostgreSQL's 1 GB limit for a value.)
# Every list is checked: curl must exit 0 and the body must end with `]`.
# Settings (environment): ROWS, BIG_ROWS, CLIENTS, SKIP_BUILD=1, SERVER_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000} BIG_ROWS=${BIG_ROWS:-10000000} CLIENTS=${CLIENTS:-8}
SKIP_BUILD=${SKIP_BUILD:-0} SERVER_BIN=${SERVER_BIN:-target/release/userapi}
for tool in psql curl python3; do
  command -v "$tool" >/dev/null || { echo "list_scale: $tool is missing" >&2; exit 1; }
done
if [ "$SKIP_BUILD" != 1 ]; then cargo build --release --quiet; fi

source scripts/local-postgres.sh
server_pid=""
work=$(mktemp -d /tmp/userapi-list-scale.XXXXXX)
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
  local_postgres_stop
}
trap cleanup EXIT
export PGDATABASE=appdb
sql() { psql -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
peak_rss_mb() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status"; }
# Resets VmHWM to the current RSS (Linux >= 4.0), so a peak belongs to one measurement.
reset_peak() { echo 5 >"/proc/$server_pid/clear_refs"; }

load() { # load FROM TO: users with ids FROM..TO, then fresh statistics
  sql "INSERT INTO users (name, email, age)
       SELECT 'User ' || g, 'user' || g || '@example.com', 18 + g % 60 FROM generate_series($1, $2) g"
  sql "VACUUM ANALYZE users"
}

# One whole list into $work/list.$1; prints "ttfb total bytes"; fails on a broken list.
list() {
  local out="$work/list.$1" timing
  timing=$(curl -sS -o "$out" -w '%{time_starttransfer} %{time_total} %{size_download}' "http://127.0.0.1:$port/users")
  [ "$(tail -c1 "$out")" = "]" ] || { echo "list_scale: list $1 is not whole" >&2; exit 1; }
  echo "$timing"
}

psql -qX -v ON_ERROR_STOP=1 -f init.sql
started=$(now)
load 1 "$ROWS"
echo "loaded $ROWS rows in $(python3 -c "print(f'{$(now) - $started:.1f}')") s" >&2

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PORT=$port "$SERVER_BIN" >/dev/null 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/users?limit=1" >/dev/null 2>&1 && break; sleep 0.1; done
echo "server idle RSS: $(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$server_pid/status") MB"

echo "== $ROWS rows"
for i in 1 2 3 4 5; do list "ttfb$i"; done | tee "$work/single" | awk '{ print $1 }' | median \
  | xargs printf 'first byte (median of 5): %s s\n'
bytes=$(head -1 "$work/single" | awk '{ print $3 }')
awk '{ print $2 }' "$work/single" | median | xargs -I{} python3 -c "
t = {}; print(f'one client, whole list (median of 5): {t:.2f} s, {$bytes / 1e6:.1f} MB, {$bytes / 1e6 / t:.0f} MB/s')"

for i in 1 2 3; do
  t0=$(now)
  psql -qAtX -c "COPY (SELECT json_agg(u ORDER BY id) FROM users u) TO STDOUT" >"$work/json_agg"
  python3 -c "print($(now) - $t0)"
done | median >"$work/json_agg.time"
echo "psql json_agg COPY (median of 3): $(cat "$work/json_agg.time") s, $(stat -c %s "$work/json_agg") bytes"
rm -f "$work"/list.* "$work/json_agg"

reset_peak
t0=$(now)
clients=()
for i in $(seq "$CLIENTS"); do list "c$i" >"$work/c$i.timing" & clients+=($!); done
for pid in "${clients[@]}"; do wait "$pid"; done # (a bare `wait` would wait for the server too)
t=$(python3 -c "print(f'{$(now) - $t0:.2f}')")
echo "$CLIENTS clients at once: all $CLIENTS lists whole in $t s; server peak RSS $(peak_rss_mb) MB"
rm -f "$work"/list.*
skipped=$(curl -sS -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/users?skip=$((ROWS - 10))")
echo "skip to the last 10 rows (?skip=$((ROWS - 10)), an OFFSET scan): $skipped s"

if [ "$BIG_ROWS" -gt "$ROWS" ]; then
  started=$(now)
  load $((ROWS + 1)) "$BIG_ROWS"
  echo "== $BIG_ROWS rows (loaded in $(python3 -c "print(f'{$(now) - $started:.0f}')") s)"
  reset_peak
  read -r ttfb total bytes < <(list big)
  echo "one client, whole list: first byte $ttfb s, $total s, $(python3 -c "print(f'{$bytes / 1e6:.0f} MB, {$bytes / 1e6 / $total:.0f} MB/s')"); server peak RSS $(peak_rss_mb) MB"
  python3 -c "
import mmap, re
with open('$work/list.big', 'rb') as f:
    body = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
previous, count = None, 0
for found in re.finditer(rb'[\\[,]\\{\"id\":(-?[0-9]+),', body):
    user_id = int(found.group(1))
    assert previous is None or user_id > previous, f'{user_id} after {previous}'
    previous, count = user_id, count + 1
assert count == $BIG_ROWS, f'{count} users'
print(f'checked: {count} users, each once, in id order')"
fi
