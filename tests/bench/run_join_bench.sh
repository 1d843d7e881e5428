#!/usr/bin/env bash
# run_join_bench.sh: throughput and peak memory of flowc's generated
# interval join against hand-written C (baseline_join.c): two generator
# streams over 1 M keys, 10000 records per second of event time each,
# joined within 1 minute (about one pair per record). Output goes to
# /dev/null; it is first checked on a smaller count: the same pairs, sorted
# (the two programs interleave the inputs differently).
#
#   tests/bench/run_join_bench.sh [BUILD_DIR]          (default: build)
#
# Environment: COUNT (records per side, default 10000000), RUNS (best of,
# default 3), CC (default cc), BEFORE (optional: the build directory of
# another flowc, say of the commit before a change, timed in the same runs
# for a before/after on equal terms). Needs /usr/bin/time (GNU) for the peak
# memory.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
before=${BEFORE:+$(cd "$BEFORE" && pwd)}
flowc=$build/bin/flowc
data=$here/data
cc=${CC:-cc}
count=${COUNT:-10000000}
runs=${RUNS:-3}

mkdir -p "$data"
log=$data/join_bench.log
: > "$log"

echo "== building (flowc build -O2; $cc -O2)"
"$flowc" build -O2 "$here/bench_join.flow" -o "$data/bench_join"
[ -z "$before" ] || "$before/bin/flowc" build -O2 "$here/bench_join.flow" -o "$data/bench_join_before"
"$cc" -std=c11 -O2 -Wall -Wextra -Werror -o "$data/baseline_join" "$here/baseline_join.c"

echo "== checking that both programs write the same pairs (500000 records per side)"
"$data/bench_join" --set n=500000 2>>"$log" | LC_ALL=C sort > "$data/check_flow.csv"
"$data/baseline_join" 500000 2>>"$log" | LC_ALL=C sort > "$data/check_base.csv"
cmp "$data/check_flow.csv" "$data/check_base.csv"
if [ -n "$before" ]; then
  "$data/bench_join_before" --set n=500000 2>>"$log" | LC_ALL=C sort > "$data/check_before.csv"
  cmp "$data/check_flow.csv" "$data/check_before.csv"
fi
pairs=$(($(wc -l < "$data/check_flow.csv") - 1))
echo "   $pairs pairs"
rm -f "$data"/check_*.csv

# measure_once CMD...: "SECONDS PEAK_KIB" of one run (wall clock, max RSS).
measure_once() {
  /usr/bin/time -o "$data/time.out" -f '%e %M' "$@" > /dev/null 2>>"$log"
  tail -n 1 "$data/time.out"
}
best() { # "S K" "S K": the faster run
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "") { print b; exit }
    split(a, x, " "); split(b, y, " "); print (y[1] < x[1]) ? b : a }'
}

# The machine's speed drifts (a shared VM): the programs run in turns, and
# each keeps its best time.
echo "== timing $count records per side (best of $runs, runs interleaved)"
f="" b="" o=""
for _ in $(seq "$runs"); do
  f=$(best "$f" "$(measure_once "$data/bench_join" --set n="$count")")
  b=$(best "$b" "$(measure_once "$data/baseline_join" "$count")")
  [ -z "$before" ] || o=$(best "$o" "$(measure_once "$data/bench_join_before" --set n="$count")")
done

echo
printf '%-40s %9s %14s %12s %8s\n' "case" "seconds" "events/s" "peak MiB" "ratio"
row() { # label "seconds kib" baseline
  awk -v l="$1" -v r="$2" -v n="$((2 * count))" -v tb="$3" 'BEGIN {
    split(r, x, " ")
    printf "%-40s %9.2f %14.0f %12.1f", l, x[1], n / x[1], x[2] / 1024
    if (tb != "") { split(tb, y, " "); printf " %8.2f", y[1] / x[1] }
    printf "\n" }'
}
row "interval join 1m, 1M keys, flowc -O2" "$f" "$b"
[ -z "$before" ] || row "interval join 1m, 1M keys, flowc before" "$o" "$b"
row "interval join 1m, 1M keys, hand-written" "$b" ""
echo
echo "events/s: records of both inputs per second; ratio: throughput of the flowc"
echo "program / throughput of the hand-written C"
