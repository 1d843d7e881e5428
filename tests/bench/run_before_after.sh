#!/usr/bin/env bash
# run_before_after.sh: the where/select, window (also from a CSV file of
# epoch-ms timestamps: tumbling_csv), join and lookup benchmarks
# built by two flowc trees (say main before and after a change), run in one
# script, interleaved with the hand-written C program of each, to show that a
# change made nothing slower. For each case it first checks that the three
# programs write the same rows, then prints the best wall-clock time of RUNS
# interleaved runs as events/s, the ratio after/before and the ratio of
# after to the hand-written program; and, with CALLGRIND=1, the instructions
# per event of before and after under `valgrind --tool=callgrind` on a
# smaller count (instruction counts do not depend on what else the machine
# is doing).
#
#   tests/bench/run_before_after.sh BEFORE_BUILD AFTER_BUILD
#
# Environment: COUNT (events per run, default 20000000), RUNS (default 5),
# CALLGRIND (0/1, default 1), CG_COUNT (events under callgrind, 1000000),
# PIN (a CPU number: every timed run is pinned to it with taskset, which
# steadies the figures on a shared VM), CC (default cc).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
before=$(cd "$1" && pwd)
after=$(cd "$2" && pwd)
data=$here/data/before_after
cc=${CC:-cc}
count=${COUNT:-20000000}
runs=${RUNS:-5}
callgrind=${CALLGRIND:-1}
cg_count=${CG_COUNT:-1000000}
mkdir -p "$data"
log=$data/log
: > "$log"

echo "== building (flowc build -O2 with both trees; $cc -O2)"
for p in bench_gen bench_csv bench_tumbling bench_tumbling_csv bench_sliding bench_join \
         bench_lookup make_events make_window_events; do
  "$before/bin/flowc" build -O2 "$here/$p.flow" -o "$data/${p}_before"
  "$after/bin/flowc" build -O2 "$here/$p.flow" -o "$data/${p}_after"
done
for b in where_select window join lookup; do
  "$cc" -std=c11 -O2 -Wall -Wextra -Werror -o "$data/baseline_$b" "$here/baseline_$b.c" -lm
done

# The CSV inputs: COUNT rows for the timed runs, CG_COUNT for callgrind.
csv=$data/events.csv csv_cg=$data/events_cg.csv
wcsv=$data/window_events.csv wcsv_cg=$data/window_events_cg.csv
"$data/make_events_after" --set n="$count" > "$csv" 2>>"$log"
"$data/make_events_after" --set n="$cg_count" > "$csv_cg" 2>>"$log"
"$data/make_window_events_after" --set n="$count" > "$wcsv" 2>>"$log"
"$data/make_window_events_after" --set n="$cg_count" > "$wcsv_cg" 2>>"$log"
table=$data/customers.csv
awk -v n=1000000 'BEGIN { print "id,name,segment"
  for (i = 0; i < n; i++) { id = (i * 7919) % n; printf "%d,customer-%d,%d\n", id, id, (id * 31) % 100 } }' > "$table"

# The cases: a name, the flowc program's arguments (N is the count), and the
# hand-written program's command line.
cases=(where_gen where_csv tumbling tumbling_csv sliding join lookup)
flow_prog() {
  case $1 in
    where_gen) echo bench_gen ;; where_csv) echo bench_csv ;; tumbling) echo bench_tumbling ;;
    tumbling_csv) echo bench_tumbling_csv ;;
    sliding) echo bench_sliding ;; join) echo bench_join ;; lookup) echo bench_lookup ;;
  esac
}
# The CSV file of a case for N events: the CG_COUNT-row one for callgrind.
csv_of() { # FILE CG_FILE N
  if [ "$3" = "$cg_count" ]; then echo "$2"; else echo "$1"; fi
}
flow_args() { # CASE N
  case $1 in
    where_csv) echo "--set input=$(csv_of "$csv" "$csv_cg" "$2")" ;;
    tumbling_csv) echo "--set input=$(csv_of "$wcsv" "$wcsv_cg" "$2")" ;;
    lookup) echo "--set n=$2 --set customers_csv=$table" ;;
    *) echo "--set n=$2" ;;
  esac
}
base_cmd() { # CASE N
  case $1 in
    where_gen) echo "$data/baseline_where_select gen $2 1 100000" ;;
    where_csv) echo "$data/baseline_where_select csv $(csv_of "$csv" "$csv_cg" "$2")" ;;
    tumbling_csv) echo "$data/baseline_window csv $(csv_of "$wcsv" "$wcsv_cg" "$2")" ;;
    tumbling) echo "$data/baseline_window tumbling $2" ;;
    sliding) echo "$data/baseline_window sliding $2" ;;
    join) echo "$data/baseline_join $2" ;;
    lookup) echo "$data/baseline_lookup $table $2" ;;
  esac
}
events() { # CASE N: events one run processes (a join reads N per side)
  case $1 in join) echo $(($2 * 2)) ;; *) echo "$2" ;; esac
}

echo "== checking that before, after and hand-written write the same rows"
check_n=500000
for c in "${cases[@]}"; do
  p=$(flow_prog "$c")
  # shellcheck disable=SC2046
  "$data/${p}_before" $(flow_args "$c" $check_n) 2>>"$log" | LC_ALL=C sort > "$data/check_before"
  # shellcheck disable=SC2046
  "$data/${p}_after" $(flow_args "$c" $check_n) 2>>"$log" | LC_ALL=C sort > "$data/check_after"
  $(base_cmd "$c" $check_n) 2>>"$log" | LC_ALL=C sort > "$data/check_base"
  cmp "$data/check_before" "$data/check_after"
  cmp "$data/check_after" "$data/check_base"
done
rm -f "$data"/check_*

pin=()
[ -z "${PIN:-}" ] || pin=(taskset -c "$PIN")
time_once() {
  local t0 t1
  t0=$(date +%s.%N)
  "${pin[@]}" "$@" > /dev/null 2>>"$log"
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }

echo "== timing $count events per case (best of $runs, before/after/hand-written interleaved)"
declare -A tb ta th
for _ in $(seq "$runs"); do
  for c in "${cases[@]}"; do
    p=$(flow_prog "$c")
    # shellcheck disable=SC2046
    tb[$c]=$(min "${tb[$c]:-}" "$(time_once "$data/${p}_before" $(flow_args "$c" "$count"))")
    # shellcheck disable=SC2046
    ta[$c]=$(min "${ta[$c]:-}" "$(time_once "$data/${p}_after" $(flow_args "$c" "$count"))")
    # shellcheck disable=SC2046
    th[$c]=$(min "${th[$c]:-}" "$(time_once $(base_cmd "$c" "$count"))")
  done
done

declare -A ib ia
if [ "$callgrind" = 1 ]; then
  echo "== instructions under callgrind ($cg_count events)"
  instr() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
      sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
  }
  for c in "${cases[@]}"; do
    p=$(flow_prog "$c")
    # shellcheck disable=SC2046
    ib[$c]=$(instr "$data/${p}_before" $(flow_args "$c" "$cg_count"))
    # shellcheck disable=SC2046
    ia[$c]=$(instr "$data/${p}_after" $(flow_args "$c" "$cg_count"))
  done
fi

echo
printf '%-10s %14s %14s %12s %12s %12s %12s\n' case "before ev/s" "after ev/s" \
  after/before after/hand "before i/ev" "after i/ev"
for c in "${cases[@]}"; do
  n=$(events "$c" "$count")
  cgn=$(events "$c" "$cg_count")
  awk -v c="$c" -v n="$n" -v b="${tb[$c]}" -v a="${ta[$c]}" -v h="${th[$c]}" \
      -v ib="${ib[$c]:-}" -v ia="${ia[$c]:-}" -v cgn="$cgn" 'BEGIN {
    printf "%-10s %14.0f %14.0f %12.3f %12.3f", c, n / b, n / a, b / a, h / a
    if (ib != "") printf " %12.1f %12.1f", ib / cgn, ia / cgn
    printf "\n" }'
done
echo
echo "after/before: throughput of the after program / the before program (1.000: the same)"
echo "after/hand: throughput of the after program / the hand-written C program"
echo "i/ev: instructions per event, the whole run (start-up and table load included)"
