#!/usr/bin/env bash
# run_nexmark_bench.sh: the Nexmark queries of tests/bench/nexmark/ (q0, q1,
# q2, q3, q4, q5, q7, q8, q9, q11, q12, q13, q14, q15, q16, q17, q18, q19, q20, q21, q22) on EVENTS
# events of one Nexmark run (persons, auctions and bids together, 100 k
# events per second of event time), each writing to /dev/null: events/s of wall clock and per core
# (events per CPU second, user + system: every program is one thread), and
# for q1, q2, q5 and q7 the ratio to the hand-written C of
# baseline_nexmark.c, which makes the same bids with the same generator
# code. Runs are interleaved, best of RUNS each. The hand-written programs'
# rows are first checked against flowc's on a smaller run (q5 and q7 sorted).
#
# On a machine shared with other work the clock is unreliable, so the
# ratios are also given in instructions (callgrind, CG_EVENTS events each),
# which load does not change.
#
#   tests/bench/run_nexmark_bench.sh [BUILD_DIR]          (default: build)
#
# Environment: EVENTS (default 10000000), RUNS (best of, default 3), QUERIES
# (default all; q1, q2, q5 and q7 are compared with hand-written C only when listed),
# CG_EVENTS (default 500000; 0 skips callgrind), CC (default cc). Needs
# /usr/bin/time (GNU), and valgrind for the instruction counts.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
flowc=$build/bin/flowc
data=$here/data/nexmark
cc=${CC:-cc}
events=${EVENTS:-10000000}
runs=${RUNS:-3}
cg_events=${CG_EVENTS:-500000}
eps=100000
queries=${QUERIES:-"q0 q1 q2 q3 q4 q5 q7 q8 q9 q11 q12 q13 q14 q15 q16 q17 q18 q19 q20 q21 q22"}
baselines=$(for q in q1 q2 q5 q7; do case " $queries " in *" $q "*) printf '%s ' "$q" ;; esac; done)

mkdir -p "$data"
log=$data/bench.log
: > "$log"

echo "== building (flowc build -O2; $cc -O2)"
for q in $queries; do
  "$flowc" build -O2 "$here/nexmark/$q.flow" -o "$data/$q"
done
"$cc" -std=c11 -O2 -Wall -Wextra -Werror -I"$root/runtime/include" -o "$data/baseline_nexmark" \
  "$here/baseline_nexmark.c" -lm
awk 'BEGIN { for (i = 0; i < 10000; i++) printf "%d,v%d\n", i, i * 7 % 1000 }' \
  > "$data/side_input.csv"

# run_flow Q N: the query's program on N events.
run_flow() {
  (cd "$data" && "./$1" --set events="$2" --set events_per_second="$eps")
}

check=$((events < 1000000 ? events : 1000000))
echo "== checking that both programs write the same rows ($check events)"
for q in $baselines; do
  run_flow "$q" "$check" 2>>"$log" | LC_ALL=C sort > "$data/check_flow.csv"
  "$data/baseline_nexmark" "$q" "$check" "$eps" 0 | LC_ALL=C sort > "$data/check_base.csv"
  cmp "$data/check_flow.csv" "$data/check_base.csv"
done
rm -f "$data"/check_*.csv

# measure_once CMD...: "WALL CPU" seconds of one run.
measure_once() {
  /usr/bin/time -o "$data/time.out" -f '%e %U %S' "$@" > /dev/null 2>>"$log"
  # /usr/bin/time counts in hundredths: a tiny smoke run may take none.
  awk '{ c = $2 + $3; print ($1 > 0 ? $1 : 0.01), (c > 0 ? c : 0.01) }' "$data/time.out" |
    tail -n 1
}
best() { # "W C" "W C": the run of less CPU time
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "") { print b; exit }
    split(a, x, " "); split(b, y, " "); print (y[2] < x[2]) ? b : a }'
}

echo "== timing $events events (best of $runs, runs interleaved)"
declare -A tf tb
for _ in $(seq "$runs"); do
  for q in $queries; do
    tf[$q]=$(best "${tf[$q]:-}" "$(cd "$data" && measure_once "./$q" --set events="$events" \
      --set events_per_second="$eps")")
    case " $baselines " in
      *" $q "*) tb[$q]=$(best "${tb[$q]:-}" \
        "$(measure_once "$data/baseline_nexmark" "$q" "$events" "$eps" 0)") ;;
    esac
  done
done

declare -A irf irb
if [ "$cg_events" -gt 0 ] && command -v valgrind > /dev/null; then
  echo "== counting instructions (callgrind, $cg_events events)"
  # instructions CMD...: the Ir total of one run under callgrind.
  instructions() {
    valgrind --tool=callgrind --callgrind-out-file="$data/cg.out" "$@" \
      > /dev/null 2> "$data/cg.err"
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$data/cg.err"
  }
  for q in $baselines; do
    irf[$q]=$(cd "$data" && instructions "./$q" --set events="$cg_events" \
      --set events_per_second="$eps")
    irb[$q]=$(instructions "$data/baseline_nexmark" "$q" "$cg_events" "$eps" 0)
  done
  rm -f "$data/cg.out" "$data/cg.err"
fi

echo
printf '%-6s %9s %9s %14s %14s %10s %10s %10s\n' "query" "wall s" "cpu s" "events/s" \
  "events/s/core" "ratio" "ratio cpu" "ratio Ir"
for q in $queries; do
  awk -v q="$q" -v r="${tf[$q]}" -v b="${tb[$q]:-}" -v n="$events" -v f="${irf[$q]:-}" \
      -v h="${irb[$q]:-}" 'BEGIN {
    split(r, x, " ")
    printf "%-6s %9.2f %9.2f %14.0f %14.0f", q, x[1], x[2], n / x[1], n / x[2]
    if (b != "") { split(b, y, " "); printf " %10.2f %10.2f", x[1] / y[1], x[2] / y[2] }
    else printf " %10s %10s", "-", "-"
    if (f != "" && h != "") printf " %10.2f", f / h; else printf " %10s", "-"
    printf "\n" }'
done
for q in $baselines; do
  awk -v q="$q" -v r="${tb[$q]}" -v n="$events" -v h="${irb[$q]:-}" -v c="$cg_events" 'BEGIN {
    split(r, x, " ")
    printf "%-6s %9.2f %9.2f %14.0f %14.0f   hand-written C", q, x[1], x[2], n / x[1], n / x[2]
    if (h != "") printf ", %.0f instructions/event", h / c
    printf "\n" }'
done
echo
echo "events: all events of the run (persons, auctions and bids), whether the query reads"
echo "them or not, as Nexmark counts them; per core: events per CPU second (one thread)."
echo "ratio: flowc's time / the hand-written program's (wall clock, CPU time, and"
echo "instructions under callgrind); 1.00 is as fast as hand-written C."
