#!/usr/bin/env bash
# The playground's browser test against a fresh `mart up` of this checkout, and on the
# same system the GraphQL over HTTP audit of the router (router/conformance):
#   web-playground/tests/run.sh
# Installs Debian's chromium and the npm packages when missing, starts the whole system
# on free ports with its own databases and topics, waits for the router's /health, runs
# tests/browser.mjs (screenshots in target/playground/) and the audit, and always stops
# the system. Fails if either fails.
# Needs PostgreSQL, Redis and the Kafka broker of `./dev services`.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
OUT=$ROOT/target/playground
mkdir -p "$OUT"

log() { printf '\033[1m[playground]\033[0m %s\n' "$*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x /usr/bin/chromium ]; then
  log "installing chromium"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d web-playground/node_modules/playwright-core ]; then
  log "installing the playground's npm packages"
  npm ci --prefix web-playground --no-audit --no-fund --loglevel=error
fi
if [ ! -d router/conformance/node_modules/graphql-http ]; then
  log "installing the GraphQL over HTTP audit (npm ci in router/conformance)"
  npm ci --prefix router/conformance --no-audit --no-fund --loglevel=error
fi

log "building mart"
cargo build --bin mart
MART_BIN=${CARGO_TARGET_DIR:-$ROOT/target}/debug/mart

# N free ports, all held open together while they are picked: picked one at a time, two
# services could be handed the same port (it happened: a CI run's mart up failed with
# "Address already in use").
free_ports() {
  node -e "
    const net = require('net');
    const servers = Array.from({ length: Number(process.argv[1]) }, () => net.createServer());
    Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, '127.0.0.1', ok)))).then(() => {
      console.log(servers.map((s) => s.address().port).join(' '));
      servers.forEach((s) => s.close());
    });" "$1"
}

RUN_ID=pw$(date +%s)$$
export MART_DATABASE_PREFIX="${RUN_ID}_"
export MART_TOPIC_PREFIX="${RUN_ID}."
export MART_DATA_DIR="$OUT/data-$RUN_ID"
# As `./dev up` runs it: the playground and introspection are off by default.
export MART_ROUTER_INTROSPECTION=true MART_ROUTER_PLAYGROUND=true
# Every service mart may start gets a free port (names of mart_service::ServiceName).
SERVICES=(ROUTER PRODUCTS INVENTORY USERS ORDERS PAYMENTS SHIPPING NOTIFICATIONS CHECKOUT)
read -r -a PORTS <<<"$(free_ports ${#SERVICES[@]})"
for i in "${!SERVICES[@]}"; do
  export "MART_${SERVICES[$i]}_PORT=${PORTS[$i]}"
done
ROUTER_URL="http://127.0.0.1:$MART_ROUTER_PORT"

MART_PID=
stop_system() {
  local status=$?
  if [ -n "$MART_PID" ] && kill -0 "$MART_PID" 2>/dev/null; then
    log "stopping mart (pid $MART_PID)"
    kill -TERM -- "-$MART_PID" 2>/dev/null || kill -TERM "$MART_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$MART_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$MART_PID" 2>/dev/null || true
  fi
  # The run's own databases; other runs' are left alone.
  if command -v psql >/dev/null; then
    psql -h 127.0.0.1 -U postgres -d postgres -Atc \
      "SELECT datname FROM pg_database WHERE datname LIKE '${MART_DATABASE_PREFIX}%'" 2>/dev/null |
      while read -r db; do
        psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
      done
  fi
  rm -rf "$MART_DATA_DIR"
  exit "$status"
}
trap stop_system EXIT
trap 'exit 130' INT TERM

log "starting mart up (router $ROUTER_URL, log $OUT/mart-up.log)"
# Its own process group, so stopping it stops everything it started.
setsid "$MART_BIN" up >"$OUT/mart-up.log" 2>&1 &
MART_PID=$!

deadline=$((SECONDS + ${MART_START_TIMEOUT:-180}))
until node -e "fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" "$ROUTER_URL/health"; do
  if ! kill -0 "$MART_PID" 2>/dev/null; then
    log "mart up exited before the router answered; last lines of its log:"
    tail -n 40 "$OUT/mart-up.log" >&2
    exit 1
  fi
  if [ $SECONDS -ge $deadline ]; then
    log "the router did not answer $ROUTER_URL/health in time; last lines of its log:"
    tail -n 40 "$OUT/mart-up.log" >&2
    exit 1
  fi
  sleep 0.5
done

log "running the browser test"
status=0
MART_ROUTER_URL=$ROUTER_URL MART_SCREENSHOT_DIR=$OUT node web-playground/tests/browser.mjs || status=$?
log "GraphQL over HTTP audit of the router (graphql-http)"
node router/conformance/audit.mjs "$ROUTER_URL/graphql" || status=$?
exit $status
