#!/usr/bin/env bash
# The soak benchmark (issue 19): a fresh system of this checkout at a steady rate for a
# long time, a line per minute, and a verdict against the targets.
#   bench/soak.sh [--rate 100] [--duration 30m] [--warmup 2m]
# Every minute it prints two lines: the orders sent in that minute (mart-bench:
# accepted/s, placeOrder p99, p50/p99 to CONFIRMED) and the processes (memory as
# proportional set size, with PostgreSQL's fixed-size shared memory apart, and CPU ms
# per order, of mart, tansu and all PostgreSQL processes together). Targets, after the warm-up: p99 to CONFIRMED < 1 s and
# placeOrder p99 < 100 ms every minute; each process's memory within +10 % of minute 5
# (a minute's memory is the median of six samples; PostgreSQL's is judged for the
# processes alive from minute 5 on: see judge_postgres); CPU per order within +10 % of
# the first measured minutes (medians of five minutes). Not part of CI: it takes as
# long as it runs.
BENCH_NAME=soak
RATE=100 DURATION=30m WARMUP=2m
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) RATE=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    *) echo "usage: bench/soak.sh [--rate N] [--duration 30m] [--warmup 2m]" >&2; exit 2 ;;
  esac
done
source "$(dirname "$0")/lib/system.sh"
export MART_ACCESS_TOKEN_TTL_SECS=${MART_ACCESS_TOKEN_TTL_SECS:-7200}
start_system
describe_machine

minutes() { # 30m, 90s, 2m -> whole minutes
  case "$1" in *m) echo "${1%m}" ;; *s) echo $(( ${1%s} / 60 )) ;; *) echo "$1" ;; esac
}
SKIP=$(minutes "$WARMUP")
HZ=$(getconf CLK_TCK)
# Own CPU plus that of children already reaped: PostgreSQL's postmaster collects the
# time of backends that exit (a service closing an idle connection), which would
# otherwise vanish from the sum and make a minute's CPU look negative.
cpu_ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
# Proportional set size, so memory shared between processes counts once in all. The
# shared memory segment (PostgreSQL's shared buffers) is reported apart: it fills as the
# buffers are first touched, up to the server's fixed `shared_memory_size`, so it is a
# bounded cache, not growth; the verdict judges the rest (heap, stacks, files mapped).
mem_kb() { awk '/^Pss:/ { p = $2 } /^Pss_Shmem:/ { s = $2 } END { print p - s }' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
shm_kb() { awk '/^Pss_Shmem:/ { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
PG_SHARED=$(psql -h 127.0.0.1 -U postgres -d postgres -Atc "SHOW shared_memory_size" 2>/dev/null || echo "?")
pids_of() { # name -> pids
  case "$1" in
    mart) echo "$SYSTEM_PID" ;;
    *) pgrep -x "$1" | tr '\n' ' ' ;;
  esac
}
NAMES=(mart tansu postgres)
# mart's heap as glibc counts it (one figure for the whole process): whether a step in
# its memory is live data (in use) or fragmentation (free but resident).
heap_mb() {
  curl -sf "http://127.0.0.1:$MART_ORDERS_PORT/metrics" | awk '
    /^mart_process_heap_bytes/ && /in_use/ { u = $2 } /^mart_process_heap_bytes/ && /"free"/ { f = $2 }
    END { if (u == "") print "?"; else printf "%.1f MB in use, %.1f free", u / 1048576, f / 1048576 }'
}
declare -A last_ticks rss_at5 cpu_first
for name in "${NAMES[@]}"; do
  t=0; for pid in $(pids_of "$name"); do t=$((t + $(cpu_ticks "$pid"))); done
  last_ticks[$name]=$t
done

"$BIN/mart-bench" orders --url "http://127.0.0.1:$MART_ROUTER_PORT/graphql" \
  --rate "$RATE" --duration "$DURATION" --warmup "$WARMUP" --every 60s \
  --skip-intervals "$SKIP" --settle 120s &
BENCH_PID=$!
EXTRA_PIDS+=("$BENCH_PID")

# PostgreSQL runs a process per connection, and the pools open connections for a burst
# and close them a minute after, so its total follows how many are open (25-55 at
# 100/s), not growth. It is judged process by process instead: the processes already
# two minutes old at minute 5 (the postmaster, its helpers, the connections in steady
# use), each minute those still alive against what the same ones held at minute 5.
declare -A pg_at5
judge_postgres() { # sets pg_line, and verdict on growth
  local pid then=0 now=0 alive=0
  pg_line=
  if [ $minute -eq 5 ]; then
    for pid in $(pids_of postgres); do
      [ "$(ps -o etimes= -p "$pid" 2>/dev/null || echo 0)" -ge 120 ] && pg_at5[$pid]=$(mem_kb "$pid")
    done
  fi
  [ $minute -ge 5 ] || return 0
  for pid in "${!pg_at5[@]}"; do
    [ -e "/proc/$pid" ] || continue
    then=$((then + pg_at5[$pid])); now=$((now + $(mem_kb "$pid"))); alive=$((alive + 1))
  done
  pg_line=$(printf '  postgres steady %d processes %d MB (minute 5: %d MB)' "$alive" $((now / 1024)) $((then / 1024)))
  if [ $minute -gt 5 ] && [ "$now" -gt $((then * 11 / 10)) ]; then
    verdict="postgres memory (processes alive since minute 5) grew past +10 % (minute $minute)"
  fi
}

minute=0
verdict=ok
spikes=
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
declare -A mem_samples cpu_hist cpu_base
while kill -0 "$BENCH_PID" 2>/dev/null; do
  # Memory six times a minute: a minute's figure is the median of its samples, so a
  # spike of a few seconds (a burst's requests in flight) is shown as the minute's
  # maximum but does not stand for the minute.
  for name in "${NAMES[@]}"; do mem_samples[$name]=; done
  for _ in 1 2 3 4 5 6; do
    sleep 10 &
    wait $! || true
    for name in "${NAMES[@]}"; do
      r=0; for pid in $(pids_of "$name"); do r=$((r + $(mem_kb "$pid"))); done
      mem_samples[$name]+=" $r"
    done
  done
  kill -0 "$BENCH_PID" 2>/dev/null || break
  minute=$((minute + 1))
  line="minute $(printf '%3d' $minute):"
  for name in "${NAMES[@]}"; do
    t=0; shm=0
    for pid in $(pids_of "$name"); do
      t=$((t + $(cpu_ticks "$pid"))); shm=$((shm + $(shm_kb "$pid")))
    done
    r=$(echo "${mem_samples[$name]}" | median | awk '{ printf "%d", $1 }')
    peak=$(echo "${mem_samples[$name]}" | tr ' ' '\n' | sort -n | tail -1)
    used=$((t - ${last_ticks[$name]}))
    last_ticks[$name]=$t
    ms_per_order=$(awk -v u="$used" -v hz="$HZ" -v rate="$RATE" 'BEGIN { printf "%.2f", u / hz * 1000 / (rate * 60) }')
    line+="  $name mem $((r / 1024)) MB"
    [ $((peak - r)) -lt 2048 ] || line+=" (peak $((peak / 1024)))"
    [ "$name" != mart ] || line+=" (heap $(heap_mb))"
    [ "$name" != postgres ] || line+=" ($(pids_of postgres | wc -w) processes)"
    [ "$shm" -lt 1024 ] || line+=" (+ shared $((shm / 1024)) of $PG_SHARED)"
    line+=" cpu ${ms_per_order} ms/order"
    if [ $minute -eq 5 ]; then rss_at5[$name]=$r; fi
    if [ "$name" != postgres ] && [ $minute -gt 5 ]; then
      if [ "$r" -gt $(( ${rss_at5[$name]} * 11 / 10 )) ]; then
        verdict="$name memory grew past +10 % of minute 5 (minute $minute)"
      elif [ "$peak" -gt $(( ${rss_at5[$name]} * 11 / 10 )) ]; then
        spikes+=" $name memory peak at minute $minute ($((peak / 1024)) MB);"
      fi
    fi
    # CPU per order moves ±10 % from one minute to the next on a shared machine, so a
    # minute counts with the four before it: the median of the last five measured
    # minutes against that of the first five.
    if [ $minute -gt $SKIP ]; then
      cpu_hist[$name]+=" $ms_per_order"
      n=$(echo "${cpu_hist[$name]}" | wc -w)
      recent=$(echo "${cpu_hist[$name]}" | tr ' ' '\n' | grep -v '^$' | tail -5 | tr '\n' ' ' | median)
      if [ "$n" -eq 5 ]; then cpu_base[$name]=$recent; fi
      if [ "$n" -gt 5 ] && awk -v a="$recent" -v b="${cpu_base[$name]}" 'BEGIN { exit !(a > b * 1.1) }'; then
        [ "$verdict" != ok ] || verdict="$name CPU per order (median of 5 minutes) rose past +10 % of the first five (minute $minute)"
      fi
    fi
  done
  judge_postgres
  line+=$pg_line
  echo "$line"
done
status=0
wait "$BENCH_PID" || status=$?
# Memory once the load is gone: what a burst or a busy hour leaves behind. Two of the
# services' 30 s reclaim periods (idle connections closed, free heap returned).
sleep 65
line="idle after the run:"
for name in "${NAMES[@]}"; do
  r=0; for pid in $(pids_of "$name"); do r=$((r + $(mem_kb "$pid"))); done
  line+="  $name mem $((r / 1024)) MB"
done
echo "$line"
[ -z "$spikes" ] || echo "memory spikes within a minute (not counted):$spikes"
echo "resources verdict: $verdict"
[ "$verdict" = ok ] || status=1
exit $status
