#!/usr/bin/env bash
# Routers on the public federation-gateway benchmark's shape: four in-memory subgraphs
# (`mart-bench federation`: accounts, products, reviews, inventory), the nested query of
# bench/queries/deep.graphql (~90 KB answers), at 1 connection (latency) and 50 (throughput).
# Prints, for each router: mart-bench's req/s and percentiles, the router's CPU time per
# request (from /proc) and its RSS. With HIVE_ROUTER=/path/to/hive_router, Hive Router runs
# over the same subgraphs, in alternate order each round. With BENCH_BASELINE_ROUTER=/path/to/
# an older mart-router build, that build runs too (A/B of a change to the router).
# Mart's router runs twice: as configured by default ("mart": identical queries in flight
# share one execution) and with that sharing off ("mart-solo"), since every connection here
# sends the same query; BENCH_MART="mart" runs only the first.
#   bench/federation.sh        BENCH_DURATION (default 30s), BENCH_ROUNDS (default 1)
# No database or broker is used; nothing of Hive Router is committed here.
BENCH_NAME=federation
source "$(dirname "$0")/lib/system.sh"
if [ "${MART_BENCH_NO_BUILD:-0}" != 1 ]; then
  cargo build --release -p mart-router
fi
DURATION=${BENCH_DURATION:-30s}
QUERY=$ROOT/bench/queries/deep.graphql

ports="$(free_port 4 | tr " " ",")"
"$BIN/mart-bench" federation --ports "$ports" --write-sdl "$OUT/subgraphs"
node schema/compose.mjs "$OUT/subgraphs/subgraphs.json" >"$OUT/supergraph.graphql"
"$BIN/mart-bench" federation --ports "$ports" >"$OUT/subgraphs.log" 2>&1 &
EXTRA_PIDS+=("$!")
for port in ${ports//,/ }; do
  deadline=$((SECONDS + 30))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { log "subgraph on :$port did not start"; exit 1; }
    sleep 0.2
  done
done

rss_mb() { echo $(( $(awk '/VmRSS/ { print $2 }' "/proc/$1/status") / 1024 )); }
# utime + stime of a process, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TICKS=$(getconf CLK_TCK)

run_router() { # name -> sets ROUTER_PID and ROUTER_URL
  local name=$1 port
  port=$(free_port)
  if [ "$name" != hive ]; then
    local bin=$BIN/mart-router settings=()
    # An older build refuses variables it does not know: it runs with its defaults.
    [ "$name" = baseline ] && bin=$BENCH_BASELINE_ROUTER
    [ "$name" = mart-solo ] && settings=(MART_ROUTER_DEDUPLICATE_REQUESTS=false)
    # The benchmark's query is deep: its estimated cost (~24,000) is under the default
    # limit, which is left as it is.
    env "${settings[@]}" \
      "$bin" --supergraph "$OUT/supergraph.graphql" --listen "127.0.0.1:$port" \
      >"$OUT/$name-router.log" 2>&1 &
  else
    local dir=$OUT/hive
    mkdir -p "$dir"
    cat >"$dir/router.config.yaml" <<YAML
supergraph:
  source: file
  path: $OUT/supergraph.graphql
http:
  host: 127.0.0.1
  port: $port
log:
  level: error
YAML
    (cd "$dir" && exec "$HIVE_ROUTER") >"$OUT/hive-router.log" 2>&1 &
  fi
  ROUTER_PID=$!
  EXTRA_PIDS+=("$ROUTER_PID")
  ROUTER_URL=http://127.0.0.1:$port/graphql
  wait_router "$name" "$ROUTER_PID" "$ROUTER_URL"
}

describe_machine
routers=${BENCH_MART:-mart mart-solo}
[ -n "${BENCH_BASELINE_ROUTER:-}" ] && routers="$routers baseline"
[ -n "${HIVE_ROUTER:-}" ] && routers="$routers hive"
for round in $(seq 1 "${BENCH_ROUNDS:-1}"); do
  order=$routers
  [ $((round % 2)) = 0 ] && order=$(echo "$routers" | tr ' ' '\n' | tac | xargs)
  for name in $order; do
    run_router "$name"
    for connections in 1 50; do
      log "== round $round: $name router, $connections connection(s), $DURATION"
      before=$(cpu_ticks "$ROUTER_PID")
      "$BIN/mart-bench" --url "$ROUTER_URL" --query-file "$QUERY" \
        --connections "$connections" --duration "$DURATION" --warmup 0s | tee "$OUT/run.txt"
      after=$(cpu_ticks "$ROUTER_PID")
      requests=$(awk '/requests/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { print $i; exit } }' "$OUT/run.txt")
      if [ -n "$requests" ] && [ "$requests" -gt 0 ]; then
        log "$name router CPU per request: $(awk -v t=$((after - before)) -v hz="$TICKS" -v n="$requests" \
          'BEGIN { printf "%.3f ms", 1000 * t / hz / n }') ($requests requests)"
      fi
    done
    log "$name router RSS after the runs: $(rss_mb "$ROUTER_PID") MB"
    stop_pid "$ROUTER_PID"
  done
done
