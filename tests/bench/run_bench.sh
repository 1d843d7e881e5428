#!/usr/bin/env bash
# run_bench.sh: throughput of flowc's generated code against hand-written C
# (baseline_where_select.c) on the same where + select query, (a) over the
# generator source and (b) over a CSV file of more than 1 GB made on the fly
# in tests/bench/data/ (git-ignored). Both programs write to /dev/null; their
# outputs are first checked to be byte-identical on smaller inputs.
#
#   tests/bench/run_bench.sh [BUILD_DIR]          (default: build)
#
# Environment: GEN_COUNT (default 50000000 records), CSV_ROWS (17500000,
# about 1.1 GB), RUNS (best of, default 3), CC (default cc).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
flowc=$build/bin/flowc
data=$here/data
cc=${CC:-cc}
gen_count=${GEN_COUNT:-50000000}
csv_rows=${CSV_ROWS:-17500000}
runs=${RUNS:-3}

mkdir -p "$data"
log=$data/bench.log
: > "$log"

echo "== building (flowc build -O2; $cc -O2)"
for p in bench_gen bench_csv bench_json make_events csv_to_json; do
  "$flowc" build -O2 "$here/$p.flow" -o "$data/$p"
done
"$cc" -std=c11 -O2 -Wall -Wextra -Werror -o "$data/baseline" "$here/baseline_where_select.c" -lm

echo "== checking that both programs write the same bytes"
"$data/bench_gen" --set n=1000000 > "$data/check_flow.csv" 2>>"$log"
"$data/baseline" gen 1000000 1 100000 > "$data/check_base.csv" 2>>"$log"
cmp "$data/check_flow.csv" "$data/check_base.csv"
gen_bytes_per_record=$(awk -v b="$(wc -c < "$data/check_flow.csv")" 'BEGIN { printf "%.4f", b / 1000000 }')
"$data/make_events" --set n=200000 > "$data/check_in.csv" 2>>"$log"
"$data/bench_csv" --set input="$data/check_in.csv" > "$data/check_flow.csv" 2>>"$log"
"$data/baseline" csv "$data/check_in.csv" > "$data/check_base.csv" 2>>"$log"
cmp "$data/check_flow.csv" "$data/check_base.csv"
"$data/csv_to_json" --set input="$data/check_in.csv" > "$data/check_in.jsonl" 2>>"$log"
"$data/bench_json" --set input="$data/check_in.jsonl" > "$data/check_flow.csv" 2>>"$log"
"$data/baseline" json "$data/check_in.jsonl" > "$data/check_base.csv" 2>>"$log"
cmp "$data/check_flow.csv" "$data/check_base.csv"
rm -f "$data"/check_*.csv "$data"/check_in.jsonl

csv=$data/events.csv
if [ ! -f "$csv" ] || [ "$(head -c 100 "$data/events.rows" 2>/dev/null)" != "$csv_rows" ]; then
  echo "== making $csv ($csv_rows rows)"
  "$data/make_events" --set n="$csv_rows" > "$csv" 2>>"$log"
  echo "$csv_rows" > "$data/events.rows"
fi
csv_bytes=$(stat -c %s "$csv")
json=$data/events.jsonl
if [ ! -f "$json" ] || [ "$(head -c 100 "$data/events_json.rows" 2>/dev/null)" != "$csv_rows" ]; then
  echo "== making $json ($csv_rows rows)"
  "$data/csv_to_json" --set input="$csv" > "$json" 2>>"$log"
  echo "$csv_rows" > "$data/events_json.rows"
fi
json_bytes=$(stat -c %s "$json")

# time_once CMD...: wall-clock seconds of one run.
time_once() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > /dev/null 2>>"$log"
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }

# The machine's speed drifts (a shared VM): the two programs run in turns,
# and each keeps its best time.
echo "== timing (best of $runs, runs interleaved)"
t_gen_flow="" t_gen_base="" t_csv_flow="" t_csv_base="" t_json_flow="" t_json_base=""
for _ in $(seq "$runs"); do
  t_gen_flow=$(min "$t_gen_flow" "$(time_once "$data/bench_gen" --set n="$gen_count")")
  t_gen_base=$(min "$t_gen_base" "$(time_once "$data/baseline" gen "$gen_count" 1 100000)")
  t_csv_flow=$(min "$t_csv_flow" "$(time_once "$data/bench_csv" --set input="$csv")")
  t_csv_base=$(min "$t_csv_base" "$(time_once "$data/baseline" csv "$csv")")
  t_json_flow=$(min "$t_json_flow" "$(time_once "$data/bench_json" --set input="$json")")
  t_json_base=$(min "$t_json_base" "$(time_once "$data/baseline" json "$json")")
done

gen_mb=$(awk -v n="$gen_count" -v b="$gen_bytes_per_record" 'BEGIN { printf "%.1f", n * b / 1e6 }')
csv_mb=$(awk -v b="$csv_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
json_mb=$(awk -v b="$json_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')

echo
printf '%-34s %10s %12s %10s %8s\n' "case" "seconds" "records/s" "MB/s" "ratio"
row() { # label seconds records megabytes baseline_seconds
  awk -v l="$1" -v t="$2" -v n="$3" -v mb="$4" -v tb="$5" 'BEGIN {
    printf "%-34s %10.2f %12.0f %10.1f", l, t, n / t, mb / t
    if (tb != "") printf " %8.2f", tb / t
    printf "\n" }'
}
row "generator, flowc -O2" "$t_gen_flow" "$gen_count" "$gen_mb" "$t_gen_base"
row "generator, hand-written C" "$t_gen_base" "$gen_count" "$gen_mb" ""
row "CSV file, flowc -O2" "$t_csv_flow" "$csv_rows" "$csv_mb" "$t_csv_base"
row "CSV file, hand-written C" "$t_csv_base" "$csv_rows" "$csv_mb" ""
row "JSON lines, flowc -O2" "$t_json_flow" "$csv_rows" "$json_mb" "$t_json_base"
row "JSON lines, hand-written C" "$t_json_base" "$csv_rows" "$json_mb" ""
echo
echo "generator: $gen_count records, ~$gen_mb MB of CSV output (MB/s of output)"
echo "CSV file:  $csv_rows rows, $csv_mb MB of input (MB/s of input)"
echo "JSON lines: the same rows, $json_mb MB of input (MB/s of input)"
echo "ratio: throughput of the flowc program / throughput of the hand-written C"
