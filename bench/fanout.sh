#!/usr/bin/env bash
# The fan-out benchmark against a fresh system of this checkout:
#   bench/fanout.sh [mart-bench fanout options…]     e.g. --subscribers 1000 --customers 1000 --rate 5
# Starts `mart up` (see lib/system.sh) plus a standalone router (`mart serve router`) in its
# own process in front of the same subgraphs, so the router's memory is measured apart from
# the subgraphs', and runs `mart-bench fanout` through that router.
BENCH_NAME=fanout
source "$(dirname "$0")/lib/system.sh"
# Setup (registering a thousand customers) and the run must fit in the tokens' lifetime:
# a socket is closed with 4403 when its token expires.
export MART_ACCESS_TOKEN_TTL_SECS=${MART_ACCESS_TOKEN_TTL_SECS:-7200}
# Every subscriber connects from this one address; the per-address cap would refuse most.
export MART_ROUTER_MAX_STREAMS_PER_CLIENT=${MART_ROUTER_MAX_STREAMS_PER_CLIENT:-0}
BENCH_ROUTER_PORT=$(free_port)
start_system

log "starting the measured router on :$BENCH_ROUTER_PORT (log $OUT/router.log)"
MART_ROUTER_LISTEN=127.0.0.1:$BENCH_ROUTER_PORT "$BIN/mart" serve router >"$OUT/router.log" 2>&1 &
ROUTER_PID=$!
EXTRA_PIDS+=("$ROUTER_PID")
wait_healthy "http://127.0.0.1:$BENCH_ROUTER_PORT" "$ROUTER_PID" "$OUT/router.log"
until curl -sf "http://127.0.0.1:$BENCH_ROUTER_PORT/ready" >/dev/null; do sleep 0.5; done

describe_machine
"$BIN/mart-bench" fanout \
  --url "http://127.0.0.1:$BENCH_ROUTER_PORT/graphql" \
  --router-pid "$ROUTER_PID" --subgraphs-pid "$SYSTEM_PID" "$@"
