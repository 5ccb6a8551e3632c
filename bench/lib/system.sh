# Sourced by the bench scripts: starts a fresh `mart up` of this checkout on free ports
# with its own databases, topics and data directory, and always stops it and drops the
# run's databases on exit. Needs PostgreSQL, Redis and the Kafka broker of
# `./dev services`; release builds of mart and mart-bench (built here unless
# MART_BENCH_NO_BUILD=1).
#   BENCH_NAME   names the output directory target/<BENCH_NAME> and the run's prefixes
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
OUT=$ROOT/target/$BENCH_NAME
mkdir -p "$OUT"
log() { printf '\033[1m[%s]\033[0m %s\n' "$BENCH_NAME" "$*" >&2; }

if [ "${MART_BENCH_NO_BUILD:-0}" != 1 ]; then
  log "building mart and mart-bench (release)"
  cargo build --release -p mart -p mart-bench
fi
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release

# Every subscriber or client connection is a descriptor in the bench, and one or two in
# the router: raise the limit before starting anything.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# `free_port [N]`: N free ports (default 1), all held open together while they are picked,
# so no two of one call are the same (picked one at a time, two services once got one port).
free_port() {
  python3 -c '
import socket, sys
held = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in held:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in held))' "${1:-1}"
}

RUN_ID=${BENCH_NAME:0:2}$(date +%s)$$
export MART_DATABASE_PREFIX="${RUN_ID}_"
export MART_TOPIC_PREFIX="${RUN_ID}."
export MART_DATA_DIR="$OUT/data-$RUN_ID"
export MART_LOG=${MART_LOG:-warn}
# The load generators register their customers from this one address.
export MART_REGISTRATIONS_PER_ADDRESS=${MART_REGISTRATIONS_PER_ADDRESS:-0}
SERVICES=(ROUTER PRODUCTS INVENTORY USERS ORDERS PAYMENTS SHIPPING NOTIFICATIONS CHECKOUT)
read -r -a PORTS <<<"$(free_port ${#SERVICES[@]})"
for i in "${!SERVICES[@]}"; do
  export "MART_${SERVICES[$i]}_PORT=${PORTS[$i]}"
done

SYSTEM_PID=
EXTRA_PIDS=()
stop_pid() {
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local status=$?
  for pid in "${EXTRA_PIDS[@]}"; do stop_pid "$pid"; done
  stop_pid "$SYSTEM_PID"
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

wait_healthy() { # url pid logfile
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

wait_router() { # name pid url: until the router answers a query, or it exits (60 s at most)
  local name=$1 pid=$2 url=$3
  local deadline=$((SECONDS + 60))
  until curl -sf -H 'content-type: application/json' -d '{"query":"{ __typename }"}' "$url" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { log "$name router exited"; exit 1; }
    [ $SECONDS -lt $deadline ] || { log "$name router did not answer"; exit 1; }
    sleep 0.3
  done
}

start_system() {
  log "starting mart up (log $OUT/mart-up.log)"
  "$BIN/mart" up >"$OUT/mart-up.log" 2>&1 &
  SYSTEM_PID=$!
  wait_healthy "http://127.0.0.1:$MART_ROUTER_PORT" "$SYSTEM_PID" "$OUT/mart-up.log"
  until curl -sf "http://127.0.0.1:$MART_ROUTER_PORT/ready" >/dev/null; do sleep 0.5; done
  log "mart up pid $SYSTEM_PID, router http://127.0.0.1:$MART_ROUTER_PORT"
}

describe_machine() {
  log "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
}
