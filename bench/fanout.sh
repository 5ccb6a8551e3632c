#!/usr/bin/env bash
# The fan-out benchmark against a fresh system of this checkout:
#   bench/fanout.sh [mart-bench fanout options…]     e.g. --subscribers 1000 --customers 1000 --rate 5
# Starts `mart up` (every subgraph, seeded) on free ports with its own databases, topics and
# data directory, plus a standalone router (`mart serve router`) in its own process in front of
# the same subgraphs, so the router's memory is measured apart from the subgraphs'. Runs
# `mart-bench fanout` through that router and always stops both and drops the run's databases.
# Needs PostgreSQL, Redis and the Kafka broker of `./dev services`; release builds of mart and
# mart-bench (built here unless MART_BENCH_NO_BUILD=1).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
OUT=$ROOT/target/fanout
mkdir -p "$OUT"
log() { printf '\033[1m[fanout]\033[0m %s\n' "$*" >&2; }

if [ "${MART_BENCH_NO_BUILD:-0}" != 1 ]; then
  log "building mart and mart-bench (release)"
  cargo build --release -p mart -p mart-bench
fi
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release

# One socket per subscriber in the bench, two per subscriber in the router (client and
# subgraph), one in the subgraphs' process: 1,000 subscribers need ~2,100 descriptors.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
log "open files limit: $(ulimit -n)"

free_port() {
  node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })"
}

RUN_ID=fo$(date +%s)$$
export MART_DATABASE_PREFIX="${RUN_ID}_"
export MART_TOPIC_PREFIX="${RUN_ID}."
export MART_DATA_DIR="$OUT/data-$RUN_ID"
export MART_LOG=${MART_LOG:-warn}
# Setup (registering a thousand customers) and the run must fit in the tokens' lifetime:
# a socket is closed with 4403 when its token expires.
export MART_ACCESS_TOKEN_TTL_SECS=${MART_ACCESS_TOKEN_TTL_SECS:-7200}
for service in ROUTER PRODUCTS INVENTORY USERS ORDERS PAYMENTS SHIPPING NOTIFICATIONS; do
  export "MART_${service}_PORT=$(free_port)"
done
BENCH_ROUTER_PORT=$(free_port)

SYSTEM_PID=
ROUTER_PID=
stop() {
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local status=$?
  stop "$ROUTER_PID"
  stop "$SYSTEM_PID"
  psql -h 127.0.0.1 -U postgres -d postgres -Atc \
    "SELECT datname FROM pg_database WHERE datname LIKE '${MART_DATABASE_PREFIX}%'" 2>/dev/null |
    while read -r db; do
      psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
    done
  rm -rf "$MART_DATA_DIR"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_healthy() {
  local url=$1 pid=$2 logfile=$3
  local deadline=$((SECONDS + ${MART_START_TIMEOUT:-240}))
  until curl -sf "$url/health" >/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "process $pid exited; last lines of $logfile:"; tail -n 40 "$logfile" >&2; exit 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      log "$url did not answer in time; last lines of $logfile:"; tail -n 40 "$logfile" >&2; exit 1
    fi
    sleep 0.5
  done
}

log "starting mart up (log $OUT/mart-up.log)"
"$BIN/mart" up >"$OUT/mart-up.log" 2>&1 &
SYSTEM_PID=$!
wait_healthy "http://127.0.0.1:$MART_ROUTER_PORT" "$SYSTEM_PID" "$OUT/mart-up.log"

log "starting the measured router on :$BENCH_ROUTER_PORT (log $OUT/router.log)"
MART_ROUTER_LISTEN=127.0.0.1:$BENCH_ROUTER_PORT "$BIN/mart" serve router >"$OUT/router.log" 2>&1 &
ROUTER_PID=$!
wait_healthy "http://127.0.0.1:$BENCH_ROUTER_PORT" "$ROUTER_PID" "$OUT/router.log"
until curl -sf "http://127.0.0.1:$BENCH_ROUTER_PORT/ready" >/dev/null; do sleep 0.5; done

log "mart up pid $SYSTEM_PID, measured router pid $ROUTER_PID"
log "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN/mart-bench" fanout \
  --url "http://127.0.0.1:$BENCH_ROUTER_PORT/graphql" \
  --router-pid "$ROUTER_PID" --subgraphs-pid "$SYSTEM_PID" "$@"
