#!/usr/bin/env bash
# Mart's router side by side with another federation router, over the same subgraphs:
#   HIVE_ROUTER=/path/to/hive_router bench/routers.sh
# Starts `mart up` (see lib/system.sh), a standalone Mart router (`mart serve router`) and
# Hive Router (its binary from HIVE_ROUTER; `cargo install hive-router`), both over the
# checked-in supergraph pointed at this run's subgraphs, then loads each with the same query
# at 1 connection (latency) and 50 connections (throughput), with the routers' outbound
# request deduplication on (both defaults) and off, BENCH_ROUNDS times. Prints mart-bench's figures for each
# and the routers' RSS. Nothing of Hive Router is committed here.
BENCH_NAME=routers
source "$(dirname "$0")/lib/system.sh"
: "${HIVE_ROUTER:?set HIVE_ROUTER to a hive_router binary}"
DURATION=${BENCH_DURATION:-15s}
QUERY=$ROOT/bench/queries/products_with_stock.graphql
start_system

# The checked-in supergraph with this run's subgraph ports.
SUPERGRAPH=$OUT/supergraph.graphql
sed_args=()
for pair in products:4001 inventory:4002 users:4003 orders:4004 payments:4005 shipping:4006 notifications:4007 checkout:4008; do
  name=${pair%%:*}; port=${pair##*:}
  var="MART_${name^^}_PORT"
  sed_args+=(-e "s#name: \"$name\", url: \"http://127.0.0.1:$port/graphql\"#name: \"$name\", url: \"http://127.0.0.1:${!var}/graphql\"#")
done
sed "${sed_args[@]}" "$ROOT/schema/supergraph.graphql" >"$SUPERGRAPH"

rss_kb() { awk '/VmRSS/ { print $2 }' "/proc/$1/status"; }

run_router() { # name dedupe(true|false) -> sets ROUTER_PID and ROUTER_URL
  local name=$1 dedupe=$2 port
  port=$(free_port)
  if [ "$name" = mart ]; then
    MART_ROUTER_LISTEN=127.0.0.1:$port MART_ROUTER_DEDUPLICATE=$dedupe \
      "$BIN/mart" serve router >"$OUT/mart-router.log" 2>&1 &
  else
    local dir=$OUT/hive-$dedupe
    mkdir -p "$dir"
    cat >"$dir/router.config.yaml" <<YAML
supergraph:
  source: file
  path: $SUPERGRAPH
http:
  host: 127.0.0.1
  port: $port
log:
  level: error
traffic_shaping:
  all:
    dedupe_enabled: $dedupe
YAML
    (cd "$dir" && exec "$HIVE_ROUTER") >"$OUT/hive-router.log" 2>&1 &
  fi
  ROUTER_PID=$!
  EXTRA_PIDS+=("$ROUTER_PID")
  ROUTER_URL=http://127.0.0.1:$port/graphql
  wait_router "$name" "$ROUTER_PID" "$ROUTER_URL"
}

describe_machine
# Runs alternate between the routers (and which goes first) so that drift in the
# machine's load falls on both alike; BENCH_ROUNDS repeats the whole set.
for round in $(seq 1 "${BENCH_ROUNDS:-1}"); do
order="mart hive"
[ $((round % 2)) = 0 ] && order="hive mart"
for dedupe in true false; do
  for name in $order; do
    run_router "$name" "$dedupe"
    for connections in 1 50; do
      log "== round $round: $name router, dedupe $dedupe, $connections connection(s)"
      "$BIN/mart-bench" --url "$ROUTER_URL" --query-file "$QUERY" --variables '{"first":10}' \
        --connections "$connections" --duration "$DURATION"
    done
    log "$name router RSS after the runs: $(( $(rss_kb "$ROUTER_PID") / 1024 )) MB"
    stop_pid "$ROUTER_PID"
  done
done
done
