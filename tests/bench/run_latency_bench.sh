#!/usr/bin/env bash
# run_latency_bench.sh: the latency of a stateless pipeline and of a keyed
# tumbling window at fixed input rates (docs/performance.md, "Latency"):
# rate_feed.c writes RATE events a second into a pipe for SECONDS, the
# program reads it from stdin and writes to /dev/null, and its --stats
# summary gives p50, p99, p99.9 and the maximum from each record's arrival
# (the read that brought its bytes) to the write(2) of its result; for the
# window, from the arrival of the record that closed the window. Also the
# rate the program kept up with (records read / the feed's seconds). The
# keyed window runs again at each worker count of WORKERS beyond 1
# (--parallelism N; the stateless pipeline has nothing to split).
#
#   tests/bench/run_latency_bench.sh [BUILD_DIR]     (default: build)
#
# Environment: RATES (default "1000 10000 100000 1000000"), SECONDS_EACH (default 5),
# WORKERS (default "1 2"), CC (default cc).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
flowc=$build/bin/flowc
cc=${CC:-cc}
rates=${RATES:-1000 10000 100000 1000000}
seconds=${SECONDS_EACH:-5}
workers=${WORKERS:-1 2}
data=$here/data/latency
mkdir -p "$data"
log=$data/log
: > "$log"

echo "== building (flowc build -O2; $cc -O2)"
for p in latency_stateless latency_window; do
  "$flowc" build -O2 "$here/$p.flow" -o "$data/$p"
done
"$cc" -std=c11 -O2 -Wall -Wextra -Werror -o "$data/rate_feed" "$here/rate_feed.c"

echo "== $seconds s per rate"
printf '%-10s %7s %10s %12s %10s %10s %10s %10s\n' program workers rate kept_up/s p50_ms p99_ms \
  p99.9_ms max_ms
runs=(latency_stateless:1)
for n in $workers; do runs+=("latency_window:$n"); done
for rate in $rates; do
  for run in "${runs[@]}"; do
    p=${run%:*} n=${run#*:}
    "$data/rate_feed" "$rate" "$seconds" | "$data/$p" --parallelism "$n" --stats=3600 \
      > /dev/null 2> "$data/err"
    cat "$data/err" >> "$log"
    read_n=$(sed -n 's/.*: \([0-9]*\) records read.*/\1/p' "$data/err")
    line=$(grep "latency, arrival to write" "$data/err" || true)
    q() { echo "$line" | sed -n "s/.* $1 \([0-9.]*\)ms.*/\1/p"; }
    printf '%-10s %7s %10s %12.0f %10s %10s %10s %10s\n' "${p#latency_}" "$n" "$rate" \
      "$(echo "${read_n:-0} / $seconds" | bc -l)" "$(q p50)" "$(q p99)" "$(q p99.9)" "$(q max)"
  done
done
echo
echo "latency: from the arrival of a record's bytes (the read(2) that brought them) to the"
echo "write(2) of its result, each record counted with the oldest record of its write"
echo "(an upper bound); the window's from the record whose time closed the window"
echo "(log: $log)"
