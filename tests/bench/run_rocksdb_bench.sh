#!/usr/bin/env bash
# run_rocksdb_bench.sh: throughput of keyed tumbling windows with `state
# rocksdb` against the same programs with `state memory` and against
# hand-written C (baseline_window.c), runs interleaved (docs/performance.md,
# "RocksDB state"):
# - hot keys: bench_tumbling.flow (10000 keys, 1 s windows, a million
#   records per second of event time): every state stays in the cache, so
#   records never touch RocksDB; a window's results are read from the cache,
#   sorted by key;
# - many keys: the same over 2^40 keys (nearly every record a new state, 1M
#   states a window), with the default cache (64 MiB: the window's states
#   are evicted to RocksDB as it fills) and with a 4 MiB cache (nearly every
#   state goes through RocksDB);
# - sliding: bench_sliding.flow (10000 keys, 60 s windows every 1 s): a
#   state per key and pane of 1 s, each window's results put together from
#   its 60 panes (MANY records);
# - cumulating: the same keys over `window cumulate 60s every 1s` (each
#   minute's windows grow by a second: 60 window ends a minute, each put
#   together from the panes of the minute so far);
# - sliding with lateness: the sliding case with `lateness 5s` (each window
#   end kept 5 s after it fires, its panes with it);
# - sessions, hot keys: the hot-key records over `window session gap 20ms`
#   (a key's records come every 10 ms on average: sessions of a few records,
#   about a hundred firing every millisecond);
# - sessions, many keys: 10^7 keys over `window session gap 1s` (nearly
#   every record a session of its own, a million open at a time: the
#   default cache of 64 MiB holds a third of them).
# Each flowc program's output is first checked against the memory build's
# (sorted: the store gives a window's results in key order).
#
#   tests/bench/run_rocksdb_bench.sh [BUILD_DIR]          (default: build)
#
# Environment: COUNT (records of the hot-key case, default 30000000), MANY
# (records of the many-key cases, default 3000000), RUNS (best of, default
# 3), CC (default cc). Needs /usr/bin/time (GNU) for the peak memory.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
flowc=$build/bin/flowc
data=$here/data
cc=${CC:-cc}
count=${COUNT:-30000000}
many=${MANY:-3000000}
runs=${RUNS:-3}

mkdir -p "$data"
log=$data/rocksdb_bench.log
: > "$log"
cd "$data"

echo "== building (flowc build -O2; $cc -O2)"
cp "$here/bench_tumbling.flow" hot_memory.flow
sed 's/keys = 10000,/keys = 1099511627776,/' "$here/bench_tumbling.flow" > many_memory.flow
cp "$here/bench_sliding.flow" slide_memory.flow
sed 's/window sliding 60s every 1s/window cumulate 60s every 1s/' "$here/bench_sliding.flow" \
  > cum_memory.flow
sed 's/window sliding 60s every 1s/window sliding 60s every 1s lateness 5s/' \
  "$here/bench_sliding.flow" > late_memory.flow
sed 's/window tumbling 1s/window session gap 20ms/' "$here/bench_tumbling.flow" \
  > sess_memory.flow
sed 's/keys = 10000,/keys = 10000000,/; s/window tumbling 1s/window session gap 1s/' \
  "$here/bench_tumbling.flow" > sessmany_memory.flow
for kind in hot many slide cum late sess sessmany; do
  { cat "${kind}_memory.flow"; echo 'config { state rocksdb "rocksdb_bench.state"; }'; } \
    > "${kind}_rocksdb.flow"
  for state in memory rocksdb; do
    "$flowc" build -O2 "${kind}_$state.flow" -o "${kind}_$state"
  done
done
"$cc" -std=c11 -O2 -Wall -Wextra -Werror -o baseline_window "$here/baseline_window.c"

echo "== checking that state rocksdb writes the rows of state memory (1000000 records)"
./hot_memory --set n=1000000 2>>"$log" | LC_ALL=C sort > check_memory.csv
./hot_rocksdb --set n=1000000 2>>"$log" | LC_ALL=C sort > check_rocksdb.csv
cmp check_memory.csv check_rocksdb.csv
./baseline_window tumbling 1000000 2>>"$log" | LC_ALL=C sort > check_base.csv
cmp check_memory.csv check_base.csv
./many_memory --set n=1000000 2>>"$log" | LC_ALL=C sort > check_memory.csv
./many_rocksdb --set n=1000000 --state-cache 4M 2>>"$log" | LC_ALL=C sort > check_rocksdb.csv
cmp check_memory.csv check_rocksdb.csv
./slide_memory --set n=1000000 2>>"$log" | LC_ALL=C sort > check_memory.csv
./slide_rocksdb --set n=1000000 2>>"$log" | LC_ALL=C sort > check_rocksdb.csv
cmp check_memory.csv check_rocksdb.csv
./cum_memory --set n=1000000 2>>"$log" | LC_ALL=C sort > check_memory.csv
./cum_rocksdb --set n=1000000 2>>"$log" | LC_ALL=C sort > check_rocksdb.csv
cmp check_memory.csv check_rocksdb.csv
./late_memory --set n=1000000 2>>"$log" | LC_ALL=C sort > check_memory.csv
./late_rocksdb --set n=1000000 2>>"$log" | LC_ALL=C sort > check_rocksdb.csv
cmp check_memory.csv check_rocksdb.csv
./sess_memory --set n=1000000 2>>"$log" | LC_ALL=C sort > check_memory.csv
./sess_rocksdb --set n=1000000 2>>"$log" | LC_ALL=C sort > check_rocksdb.csv
cmp check_memory.csv check_rocksdb.csv
./sessmany_memory --set n=1000000 2>>"$log" | LC_ALL=C sort > check_memory.csv
./sessmany_rocksdb --set n=1000000 --state-cache 4M 2>>"$log" | LC_ALL=C sort > check_rocksdb.csv
cmp check_memory.csv check_rocksdb.csv
rm -f check_*.csv

# measure_once CMD...: "SECONDS PEAK_KIB" of one run (wall clock, max RSS).
measure_once() {
  /usr/bin/time -o time.out -f '%e %M' "$@" > /dev/null 2>>"$log"
  tail -n 1 time.out
}
best() { # "S K" "S K": the faster run
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "") { print b; exit }
    split(a, x, " "); split(b, y, " "); print (y[1] < x[1]) ? b : a }'
}

# The machine's speed drifts (a shared VM): the programs run in turns, and
# each keeps its best time.
echo "== timing $count hot-key and $many many-key records (best of $runs, runs interleaved)"
hm="" hr="" hb="" mm="" mr="" ms="" sm="" sr="" cm="" cr="" lm="" lr="" em="" er="" nm="" nr=""
for _ in $(seq "$runs"); do
  hm=$(best "$hm" "$(measure_once ./hot_memory --set n="$count")")
  hr=$(best "$hr" "$(measure_once ./hot_rocksdb --set n="$count")")
  hb=$(best "$hb" "$(measure_once ./baseline_window tumbling "$count")")
  mm=$(best "$mm" "$(measure_once ./many_memory --set n="$many")")
  mr=$(best "$mr" "$(measure_once ./many_rocksdb --set n="$many")")
  ms=$(best "$ms" "$(measure_once ./many_rocksdb --set n="$many" --state-cache 4M)")
  sm=$(best "$sm" "$(measure_once ./slide_memory --set n="$many")")
  sr=$(best "$sr" "$(measure_once ./slide_rocksdb --set n="$many")")
  cm=$(best "$cm" "$(measure_once ./cum_memory --set n="$many")")
  cr=$(best "$cr" "$(measure_once ./cum_rocksdb --set n="$many")")
  lm=$(best "$lm" "$(measure_once ./late_memory --set n="$many")")
  lr=$(best "$lr" "$(measure_once ./late_rocksdb --set n="$many")")
  em=$(best "$em" "$(measure_once ./sess_memory --set n="$many")")
  er=$(best "$er" "$(measure_once ./sess_rocksdb --set n="$many")")
  nm=$(best "$nm" "$(measure_once ./sessmany_memory --set n="$many")")
  nr=$(best "$nr" "$(measure_once ./sessmany_rocksdb --set n="$many")")
done

echo
printf '%-66s %9s %14s %10s %8s %8s\n' "case" "seconds" "events/s" "peak MiB" "/memory" "/C"
row() { # label n "seconds kib" ["seconds kib" of state memory] ["seconds kib" of C]
  awk -v l="$1" -v n="$2" -v r="$3" -v m="${4:-}" -v c="${5:-}" 'BEGIN {
    split(r, x, " ")
    printf "%-66s %9.2f %14.0f %10.1f", l, x[1], n / x[1], x[2] / 1024
    if (m != "") { split(m, y, " "); printf " %8.2f", y[1] / x[1] } else printf " %8s", ""
    if (c != "") { split(c, z, " "); printf " %8.2f", z[1] / x[1] }
    printf "\n" }'
}
row "hot keys (10^4), tumbling 1s, state memory" "$count" "$hm" "" "$hb"
row "hot keys (10^4), tumbling 1s, state rocksdb" "$count" "$hr" "$hm" "$hb"
row "hot keys (10^4), tumbling 1s, hand-written C" "$count" "$hb"
row "many keys (2^40), tumbling 1s, state memory" "$many" "$mm"
row "many keys (2^40), tumbling 1s, state rocksdb, 64 MiB cache" "$many" "$mr" "$mm"
row "many keys (2^40), tumbling 1s, state rocksdb, 4 MiB cache" "$many" "$ms" "$mm"
row "hot keys (10^4), sliding 60s every 1s, state memory" "$many" "$sm"
row "hot keys (10^4), sliding 60s every 1s, state rocksdb" "$many" "$sr" "$sm"
row "hot keys (10^4), cumulate 60s every 1s, state memory" "$many" "$cm"
row "hot keys (10^4), cumulate 60s every 1s, state rocksdb" "$many" "$cr" "$cm"
row "hot keys (10^4), sliding 60s every 1s lateness 5s, state memory" "$many" "$lm"
row "hot keys (10^4), sliding 60s every 1s lateness 5s, state rocksdb" "$many" "$lr" "$lm"
row "hot keys (10^4), session gap 20ms, state memory" "$many" "$em"
row "hot keys (10^4), session gap 20ms, state rocksdb" "$many" "$er" "$em"
row "many keys (10^7), session gap 1s, state memory" "$many" "$nm"
row "many keys (10^7), session gap 1s, state rocksdb, 64 MiB cache" "$many" "$nr" "$nm"
echo
echo "/memory: throughput / that of the state memory build; /C: / that of baseline_window.c"
