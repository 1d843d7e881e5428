#!/usr/bin/env bash
# run_parallel_bench.sh: throughput of `parallelism N` (docs/architecture.md,
# "Parallelism"; docs/performance.md) at one and two workers against the
# hand-written single-threaded C of the other benchmarks: a keyed tumbling
# window of 1 s and a keyed sliding window of 60 s every 1 s over generator
# records (bench_tumbling.flow, bench_sliding.flow against
# baseline_window.c), the tumbling window from a CSV file
# (bench_tumbling_csv.flow, `baseline_window csv`) and an interval join
# within 1 minute of two generator streams (bench_join.flow against
# baseline_join.c). Each program is first checked on a smaller count: its
# rows at two workers are those at one, as a multiset.
#
# The runs are interleaved and each keeps its best time, but on a machine
# other jobs load, wall-clock ratios are only what was measured under that
# load: the script prints the load average beside them.
#
#   tests/bench/run_parallel_bench.sh [BUILD_DIR]          (default: build)
#
# Environment: COUNT (generator records, default 20000000), CSV_COUNT (rows
# of the CSV file, default 5000000), JOIN_COUNT (records per side, default
# 2000000), RUNS (best of, default 3), CC (default cc). Needs /usr/bin/time
# (GNU).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
flowc=$build/bin/flowc
data=$here/data
cc=${CC:-cc}
count=${COUNT:-20000000}
csv_count=${CSV_COUNT:-5000000}
join_count=${JOIN_COUNT:-2000000}
runs=${RUNS:-3}

mkdir -p "$data"
log=$data/parallel_bench.log
: > "$log"

echo "== building (flowc build -O2; $cc -O2)"
for p in bench_tumbling bench_sliding bench_tumbling_csv bench_join make_window_events; do
  "$flowc" build -O2 "$here/$p.flow" -o "$data/par_$p"
done
"$cc" -std=c11 -O2 -Wall -Wextra -Werror -DCONSTANT_ARGS -o "$data/par_baseline_window" \
  "$here/baseline_window.c"
"$cc" -std=c11 -O2 -Wall -Wextra -Werror -o "$data/par_baseline_join" "$here/baseline_join.c"

wcsv=$data/par_window_events.csv
if [ ! -f "$wcsv" ] || [ "$(cat "$data/par_window_events.rows" 2>/dev/null)" != "$csv_count" ]; then
  echo "== making $wcsv ($csv_count rows)"
  "$data/par_make_window_events" --set n="$csv_count" > "$wcsv" 2>>"$log"
  echo "$csv_count" > "$data/par_window_events.rows"
fi

# same CMD...: the rows at two workers are those at one (sorted).
same() {
  "$@" --parallelism 1 2>>"$log" | LC_ALL=C sort > "$data/par_check1.csv"
  "$@" --parallelism 2 2>>"$log" | LC_ALL=C sort > "$data/par_check2.csv"
  cmp "$data/par_check1.csv" "$data/par_check2.csv"
}
echo "== checking the rows at two workers against one"
check=$((count < 2000000 ? count : 2000000))
same "$data/par_bench_tumbling" --set n="$check"
same "$data/par_bench_sliding" --set n="$check"
same "$data/par_bench_tumbling_csv" --set input="$wcsv"
same "$data/par_bench_join" --set n=$((join_count < 200000 ? join_count : 200000))
rm -f "$data"/par_check*.csv

# measure_once CMD...: "SECONDS PEAK_KIB CPU_SECONDS" of one run.
measure_once() {
  /usr/bin/time -o "$data/par_time.out" -f '%e %M %U %S' "$@" > /dev/null 2>>"$log"
  tail -n 1 "$data/par_time.out" | awk '{ print $1, $2, $3 + $4 }'
}
best() { # "S K C" "S K C": the faster run
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "") { print b; exit }
    split(a, x, " "); split(b, y, " "); print (y[1] < x[1]) ? b : a }'
}

echo "== timing (best of $runs, runs interleaved; load average $(cut -d' ' -f1-3 /proc/loadavg))"
t1="" t2="" tb="" s1="" s2="" sb="" c1="" c2="" cb="" j1="" j2="" jb=""
for _ in $(seq "$runs"); do
  t1=$(best "$t1" "$(measure_once "$data/par_bench_tumbling" --set n="$count" --parallelism 1)")
  t2=$(best "$t2" "$(measure_once "$data/par_bench_tumbling" --set n="$count" --parallelism 2)")
  tb=$(best "$tb" "$(measure_once "$data/par_baseline_window" tumbling "$count")")
  s1=$(best "$s1" "$(measure_once "$data/par_bench_sliding" --set n="$count" --parallelism 1)")
  s2=$(best "$s2" "$(measure_once "$data/par_bench_sliding" --set n="$count" --parallelism 2)")
  sb=$(best "$sb" "$(measure_once "$data/par_baseline_window" sliding "$count")")
  csv=("$data/par_bench_tumbling_csv" --set input="$wcsv")
  c1=$(best "$c1" "$(measure_once "${csv[@]}" --parallelism 1)")
  c2=$(best "$c2" "$(measure_once "${csv[@]}" --parallelism 2)")
  cb=$(best "$cb" "$(measure_once "$data/par_baseline_window" csv "$wcsv")")
  j1=$(best "$j1" "$(measure_once "$data/par_bench_join" --set n="$join_count" --parallelism 1)")
  j2=$(best "$j2" "$(measure_once "$data/par_bench_join" --set n="$join_count" --parallelism 2)")
  jb=$(best "$jb" "$(measure_once "$data/par_baseline_join" "$join_count")")
done

echo
printf '%-44s %8s %13s %9s %8s %9s %8s\n' "case" "seconds" "events/s" "cpu s" "MiB" "N2/N1" "vs C"
row() { # label events "s k c" ["s k c" of N=1] ["s k c" of the hand-written C]
  awk -v l="$1" -v n="$2" -v r="$3" -v one="${4:-}" -v c="${5:-}" 'BEGIN {
    split(r, x, " ")
    printf "%-44s %8.2f %13.0f %9.2f %8.1f", l, x[1], n / x[1], x[3], x[2] / 1024
    if (one != "") { split(one, y, " "); printf " %9.2f", y[1] / x[1] } else printf " %9s", ""
    if (c != "") { split(c, z, " "); printf " %8.2f", z[1] / x[1] }
    printf "\n" }'
}
row "tumbling 1s, generator, N=1" "$count" "$t1" "" "$tb"
row "tumbling 1s, generator, N=2" "$count" "$t2" "$t1" "$tb"
row "tumbling 1s, generator, hand-written C" "$count" "$tb"
row "sliding 60s/1s, generator, N=1" "$count" "$s1" "" "$sb"
row "sliding 60s/1s, generator, N=2" "$count" "$s2" "$s1" "$sb"
row "sliding 60s/1s, generator, hand-written C" "$count" "$sb"
row "tumbling 1s, CSV, N=1" "$csv_count" "$c1" "" "$cb"
row "tumbling 1s, CSV, N=2" "$csv_count" "$c2" "$c1" "$cb"
row "tumbling 1s, CSV, hand-written C" "$csv_count" "$cb"
row "interval join 1m, generator, N=1" "$((2 * join_count))" "$j1" "" "$jb"
row "interval join 1m, generator, N=2" "$((2 * join_count))" "$j2" "$j1" "$jb"
row "interval join 1m, generator, hand-written C" "$((2 * join_count))" "$jb"
echo
echo "N2/N1: throughput at two workers / at one; vs C: throughput / the hand-written C's;"
echo "cpu s: user + system time of all threads. Measured under load $(cut -d' ' -f1-3 /proc/loadavg)."
