#!/usr/bin/env bash
# The order-saga benchmark against a fresh system of this checkout:
#   bench/orders.sh [mart-bench orders options…]     e.g. --rate 200 --duration 30s
# Starts `mart up` (see lib/system.sh) and runs `mart-bench orders` through its router,
# then prints each process's CPU time over the run (where the saga's time goes).
#   MART_BENCH_PREFILL=N   first fill each saga database with N finished orders' rows
#                          (bench/prefill/): the same run against a shop with history
#   MART_BENCH_PG_STATS=1  afterwards, the run's costliest statements and how many
#                          an order took, per database (needs pg_stat_statements
#                          loaded), and each hot table's updates,
#                          how many were HOT, and its dead rows
BENCH_NAME=orders
source "$(dirname "$0")/lib/system.sh"
export MART_ACCESS_TOKEN_TTL_SECS=${MART_ACCESS_TOKEN_TTL_SECS:-3600}
start_system
describe_machine

db_of() { echo "${MART_DATABASE_PREFIX}$1"; }
SAGA_DBS=(orders inventory payments shipping notifications)
if [ "${MART_BENCH_PREFILL:-0}" -gt 0 ]; then
  log "prefilling the saga's databases with $MART_BENCH_PREFILL orders' rows (bench/prefill/)"
  prefill_pids=()
  for s in "${SAGA_DBS[@]}"; do
    # One transaction per database: the scripts derive ids from now(), constant within it.
    psql -h 127.0.0.1 -U postgres -d "$(db_of "$s")" -q -v ON_ERROR_STOP=1 -1 \
      -v rows="$MART_BENCH_PREFILL" -f bench/prefill/common.sql -f "bench/prefill/$s.sql" \
      >"$OUT/prefill-$s.log" 2>&1 &
    prefill_pids+=($!)
  done
  for pid in "${prefill_pids[@]}"; do
    wait "$pid" || { log "prefill failed:"; cat "$OUT"/prefill-*.log >&2; exit 1; }
  done
  for s in "${SAGA_DBS[@]}"; do
    psql -h 127.0.0.1 -U postgres -d "$(db_of "$s")" -qc "VACUUM (ANALYZE)"
  done
  # Write the load's pages out now: otherwise the checkpoints it forces land in the run
  # (a first try had 175 requested checkpoints and p99 to CONFIRMED of 6 s).
  psql -h 127.0.0.1 -U postgres -d postgres -qc "CHECKPOINT"
  log "prefilled"
fi
pg_stats_wanted() { [ "${MART_BENCH_PG_STATS:-0}" = 1 ]; }
if pg_stats_wanted; then
  for s in "${SAGA_DBS[@]}"; do
    psql -h 127.0.0.1 -U postgres -d "$(db_of "$s")" -qAtc "SELECT pg_stat_reset()" >/dev/null
  done
  psql -h 127.0.0.1 -U postgres -d postgres -qAtc "SELECT pg_stat_statements_reset()" >/dev/null ||
    log "pg_stat_statements is not loaded: no statement figures"
fi

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
if pg_stats_wanted; then
  log "statements of the run's databases by total time (pg_stat_statements):"
  psql -h 127.0.0.1 -U postgres -d postgres -P pager=off -c "
    SELECT substr(d.datname, length('$MART_DATABASE_PREFIX') + 1) AS db, s.calls,
           round(s.total_exec_time::numeric, 0) AS total_ms,
           round((s.total_exec_time / s.calls)::numeric, 3) AS mean_ms, s.rows,
           left(regexp_replace(s.query, '\s+', ' ', 'g'), 90) AS query
    FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
    WHERE d.datname LIKE '${MART_DATABASE_PREFIX}%'
    ORDER BY s.total_exec_time DESC LIMIT 25" || true
  # Each statement costs PostgreSQL a reply (a send) and mart a wake-up, whatever it does:
  # the count per order is the figure that machine noise cannot move.
  orders=$(psql -h 127.0.0.1 -U postgres -d "$(db_of orders)" -qAtc "SELECT count(*) FROM orders" 2>/dev/null || echo 0)
  psql -h 127.0.0.1 -U postgres -d postgres -qAt -c "
    SELECT 'statements per order (' || $orders || ' orders, setup included): ' ||
           round(sum(s.calls)::numeric / greatest($orders, 1), 1) || ' in all; ' ||
           string_agg(substr(d.datname, length('$MART_DATABASE_PREFIX') + 1) || ' ' ||
                      round(s.n::numeric / greatest($orders, 1), 1), ', ' ORDER BY s.n DESC)
    FROM (SELECT dbid, sum(calls) AS n, sum(calls) AS calls FROM pg_stat_statements GROUP BY dbid) s
    JOIN pg_database d ON d.oid = s.dbid
    WHERE d.datname LIKE '${MART_DATABASE_PREFIX}%'" | while read -r line; do log "$line"; done || true
  log "tables: rows written, updates that were HOT, dead rows left:"
  for s in "${SAGA_DBS[@]}"; do
    psql -h 127.0.0.1 -U postgres -d "$(db_of "$s")" -P pager=off -c "
      SELECT '$s' AS db, relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del,
             n_live_tup, n_dead_tup, vacuum_count, autovacuum_count
      FROM pg_stat_user_tables WHERE n_tup_ins + n_tup_upd + n_tup_del > 0
      ORDER BY n_tup_ins + n_tup_upd + n_tup_del DESC" || true
  done
fi
exit $status
