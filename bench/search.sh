#!/usr/bin/env bash
# The catalogue search benchmark: a fresh `mart up` (lib/system.sh) whose products
# database is filled with a generated catalogue (bench/prefill/products.sql, 100,000
# products by default), then `mart-bench search` through the router, with one client
# and then with four. Prints latency per kind of search; the target is p99 < 50 ms.
#   bench/search.sh                 MART_BENCH_PRODUCTS=N (default 100000)
#   MART_BENCH_DURATION=30s         how long each client count searches
BENCH_NAME=search
source "$(dirname "$0")/lib/system.sh"
PRODUCTS=${MART_BENCH_PRODUCTS:-100000}
DURATION=${MART_BENCH_DURATION:-30s}
start_system
describe_machine

db="${MART_DATABASE_PREFIX}products"
log "generating $PRODUCTS products in $db (bench/prefill/products.sql)"
started=$SECONDS
psql -h 127.0.0.1 -U postgres -d "$db" -q -v ON_ERROR_STOP=1 -1 -v rows="$PRODUCTS" \
  -f bench/prefill/products.sql >"$OUT/prefill.log" 2>&1 || { cat "$OUT/prefill.log" >&2; exit 1; }
psql -h 127.0.0.1 -U postgres -d "$db" -qc "VACUUM (ANALYZE) products"
# Write the load's pages out now rather than during the measurement.
psql -h 127.0.0.1 -U postgres -d postgres -qc "CHECKPOINT"
log "generated in $((SECONDS - started)) s: $(psql -h 127.0.0.1 -U postgres -d "$db" -Atc \
  "SELECT count(*) || ' products, ' || pg_size_pretty(pg_total_relation_size('products')) FROM products")"

URL="http://127.0.0.1:$MART_ROUTER_PORT/graphql"
for connections in 1 4; do
  log "== $connections client(s), $DURATION"
  "$BIN/mart-bench" search --url "$URL" --connections "$connections" --duration "$DURATION"
done
