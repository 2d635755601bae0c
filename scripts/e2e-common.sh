# What both Compose end-to-end scripts (e2e-compose.sh, e2e-compose-ha.sh) wait and time
# with; each sources it after `set -euo pipefail` and `export LC_NUMERIC=C`.

# seconds_since START: seconds from START (an $EPOCHREALTIME) to now, one decimal.
seconds_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# poll DEADLINE_S CMD...: runs CMD every 0.1 s until it succeeds; fails after DEADLINE_S.
poll() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}
