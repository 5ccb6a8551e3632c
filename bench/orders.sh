#!/usr/bin/env bash
# The order-saga benchmark against a fresh system of this checkout:
#   bench/orders.sh [mart-bench orders options…]     e.g. --rate 200 --duration 30s
# Starts `mart up` (see lib/system.sh) and runs `mart-bench orders` through its router,
# then prints each process's CPU time over the run (where the saga's time goes).
BENCH_NAME=orders
source "$(dirname "$0")/lib/system.sh"
export MART_ACCESS_TOKEN_TTL_SECS=${MART_ACCESS_TOKEN_TTL_SECS:-3600}
start_system
describe_machine

# CPU seconds (user+system) of a process, from /proc/PID/stat.
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo "?"
}
watched() {
  echo "mart $SYSTEM_PID"
  for name in tansu postgres; do
    for pid in $(pgrep -x "$name"); do echo "$name $pid"; done
  done
}
declare -A before
while read -r name pid; do before[$pid]=$(cpu_seconds "$pid"); done < <(watched)
status=0
"$BIN/mart-bench" orders --url "http://127.0.0.1:$MART_ROUTER_PORT/graphql" "$@" || status=$?
log "CPU seconds used during the run (setup included; processes that exited meanwhile are missing):"
declare -A total
while read -r name pid; do
  now=$(cpu_seconds "$pid")
  [ "$now" != "?" ] || continue
  # A process started during the run (a new database connection) spent all of its time in it.
  total[$name]=$(awk -v a="${total[$name]:-0}" -v b="$now" -v c="${before[$pid]:-0}" 'BEGIN { printf "%.1f", a + b - c }')
done < <(watched)
for name in "${!total[@]}"; do log "  $name: ${total[$name]} s"; done
exit $status
