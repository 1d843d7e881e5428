#!/usr/bin/env bash
# run_nexmark_sql_bench.sh: each Nexmark query written in Flink SQL
# (tests/bench/nexmark/sql/) against its .flow twin (tests/bench/nexmark/), on
# EVENTS events of one run, both writing to /dev/null: events per CPU second
# (user + system) of each and the ratio SQL / .flow. The SQL jobs declare
# every column of their tables, as Flink's DDL does, where a .flow twin
# declares only the fields it reads: the generator then makes more fields.
# Runs are interleaved, best of RUNS each.
#
#   tests/bench/run_nexmark_sql_bench.sh [BUILD_DIR]          (default: build)
#
# Environment: EVENTS (default 2000000), RUNS (default 3), QUERIES (default
# every query written in SQL). Needs /usr/bin/time (GNU).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
flowc=$build/bin/flowc
data=$here/data/nexmark_sql
events=${EVENTS:-2000000}
runs=${RUNS:-3}
eps=100000
queries=${QUERIES:-$(cd "$here/nexmark/sql" && ls q*.sql | sed 's/\.sql$//' | sort -V | tr '\n' ' ')}
mkdir -p "$data"
# q13's side input, as run_nexmark_bench.sh makes it.
awk 'BEGIN { for (i = 0; i < 10000; i++) printf "%d,v%d\n", i, i * 7 % 1000 }' \
  > "$data/side_input.csv"

echo "== building (flowc build -O2), $events events"
for q in $queries; do
  sed -e "s/'events.num' = '[0-9]*'/'events.num' = '$events'/" \
      -e "s/'first-event.rate' = '[0-9]*'/'first-event.rate' = '$eps'/" \
      "$here/nexmark/sql/$q.sql" > "$data/${q}_sql.sql"
  "$flowc" build -O2 "$data/${q}_sql.sql" -o "$data/${q}_sql"
  "$flowc" build -O2 "$here/nexmark/$q.flow" -o "$data/$q"
done

# cpu Q: user + system seconds of one run of program Q.
cpu() {
  local args=()
  case $1 in *_sql) ;; *) args=(--set events="$events" --set events_per_second="$eps") ;; esac
  (cd "$data" && /usr/bin/time -f '%U %S' -o "$data/time.txt" "./$1" "${args[@]}" \
    >/dev/null 2>>"$data/bench.log")
  awk '{ print $1 + $2 }' "$data/time.txt"
}

printf '%-5s %14s %14s %8s\n' query "flow ev/cpu-s" "sql ev/cpu-s" "sql/flow"
for q in $queries; do
  best_f=999999 best_s=999999
  for _ in $(seq "$runs"); do
    f=$(cpu "$q"); s=$(cpu "${q}_sql")
    best_f=$(awk -v a="$best_f" -v b="$f" 'BEGIN { print (b < a ? b : a) }')
    best_s=$(awk -v a="$best_s" -v b="$s" 'BEGIN { print (b < a ? b : a) }')
  done
  awk -v q="$q" -v n="$events" -v f="$best_f" -v s="$best_s" 'BEGIN {
    if (f < 0.001) f = 0.001; if (s < 0.001) s = 0.001;
    printf "%-5s %14.0f %14.0f %8.2f\n", q, n / f, n / s, f / s }'
done
