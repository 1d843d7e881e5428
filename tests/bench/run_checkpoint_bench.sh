#!/usr/bin/env bash
# run_checkpoint_bench.sh: what checkpoints cost (docs/checkpoints.md,
# docs/performance.md "Checkpoints").
#
# 1. Throughput: the keyed tumbling window and the interval join benchmarks
#    (bench_tumbling.flow, bench_join.flow) built as they are and with
#    `checkpoint every 1s`, run interleaved, best of RUNS; events/s of each,
#    the ratio with/without, and the ratio to the hand-written C program
#    (baseline_window.c, baseline_join.c) run in the same rounds.
# 2. Pause and restore: a keyed tumbling window of one day over many keys,
#    so that every key's state stays, at about 10 MB, 100 MB and 1 GB of
#    state (STATE_SIZES, in millions of keys): a checkpoint every 1 s; the
#    summary's longest pause (the time processing stopped: the sinks' flush
#    and the fork), the last checkpoint's duration and size; then the run is
#    stopped with SIGTERM (a final checkpoint) and started again: the time
#    its restore took.
#
#   tests/bench/run_checkpoint_bench.sh [BUILD_DIR]        (default: build)
#
# Environment: COUNT (records of the throughput runs, default 50000000),
# JOIN_COUNT (default 10000000), RUNS (default 3), STATE_SIZES (default
# "0.25 2.5 25": millions of keys, about 40 bytes each), PIN (a CPU for the
# timed runs), CC (default cc).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
flowc=$build/bin/flowc
data=$here/data/checkpoint
cc=${CC:-cc}
count=${COUNT:-50000000}
join_count=${JOIN_COUNT:-10000000}
runs=${RUNS:-3}
sizes=${STATE_SIZES:-0.25 2.5 25}
pin=()
if [ -n "${PIN:-}" ]; then pin=(taskset -c "$PIN"); fi
mkdir -p "$data"
log=$data/log
: > "$log"

echo "== building (flowc build -O2; $cc -O2)"
for p in tumbling join; do
  "$flowc" build -O2 "$here/bench_$p.flow" -o "$data/${p}_plain"
  { cat "$here/bench_$p.flow"; echo 'config { checkpoint every 1s to "ck"; }'; } > "$data/${p}_ckpt.flow"
  "$flowc" build -O2 "$data/${p}_ckpt.flow" -o "$data/${p}_ckpt"
done
"$cc" -std=c11 -O2 -Wall -Wextra -Werror -DCONSTANT_ARGS -o "$data/baseline_window" \
  "$here/baseline_window.c"
"$cc" -std=c11 -O2 -Wall -Wextra -Werror -o "$data/baseline_join" "$here/baseline_join.c"

seconds() { # COMMAND...: wall-clock seconds of one run, output to /dev/null
  local t0 t1
  t0=$(date +%s.%N)
  "${pin[@]}" "$@" > /dev/null 2>>"$log"
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}

best() { sort -g | head -1; }

echo
echo "== throughput with a checkpoint every second (best of $runs, interleaved)"
printf '%-10s %14s %14s %14s %8s %10s\n' case plain/s ckpt/s hand/s ckpt/plain ckpt/hand
for p in tumbling join; do
  n=$count
  [ "$p" = join ] && n=$join_count
  hand=("$data/baseline_join" "$n")
  [ "$p" = tumbling ] && hand=("$data/baseline_window" tumbling "$n")
  : > "$data/t_plain"; : > "$data/t_ckpt"; : > "$data/t_hand"
  for _ in $(seq "$runs"); do
    seconds "$data/${p}_plain" --quiet --set n="$n" >> "$data/t_plain"
    (cd "$data" && rm -rf ck && seconds "$data/${p}_ckpt" --quiet --no-restore --set n="$n") >> "$data/t_ckpt"
    seconds "${hand[@]}" >> "$data/t_hand"
  done
  tp=$(best < "$data/t_plain"); tc=$(best < "$data/t_ckpt"); th=$(best < "$data/t_hand")
  printf '%-10s %14.0f %14.0f %14.0f %8.3f %10.3f\n' "$p" "$(echo "$n / $tp" | bc -l)" \
    "$(echo "$n / $tc" | bc -l)" "$(echo "$n / $th" | bc -l)" "$(echo "$tp / $tc" | bc -l)" \
    "$(echo "$th / $tc" | bc -l)"
done

echo
echo "== pause and restore by state size (a checkpoint every second)"
cat > "$data/big_state.flow" <<'EOF'
# Every key's state stays for the whole run: one window of a day.
schema Event { user_id : int64, v : int32, ts : timestamp }
param n : int64 = 1000000;
param keys : int64 = 1000000;
source events : Event
  from generator(count = n, seed = 1, keys = keys, events_per_second = 100000000)
  event time ts watermark 0s;
stream per_user = events | key by user_id | window tumbling 1d
  | aggregate n = count(), total = sum(v);
sink per_user to file("out.csv", format = csv);
config { checkpoint every 1s to "ck"; }
EOF
"$flowc" build -O2 "$data/big_state.flow" -o "$data/big_state"
printf '%-8s %10s %10s %12s %12s %12s %12s\n' Mkeys rss_MB ckpt_MB max_pause_ms last_ckpt_ms \
  restore_ms records_read
cd "$data"
for m in $sizes; do
  keys=$(echo "$m * 1000000 / 1" | bc)
  # Records enough to see nearly every key (3 per key), then more while the
  # state is full, so that several checkpoints are of the full state.
  want=$((keys * 3))
  n=$((keys * 1000))
  rm -rf ck out.csv
  "${pin[@]}" ./big_state --no-restore --set n="$n" --set keys="$keys" --stats=1 \
    > /dev/null 2> run1.err &
  pid=$!
  # Stop it (SIGTERM: a final checkpoint) once its state is built and
  # checkpointed a few times, with the window still open (a day of event time).
  rss=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 0.2
    # Three --stats lines (three seconds, three checkpoints) with the state full.
    seen=$(sed -n 's/.* read \([0-9]*\) (.*/\1/p' run1.err | awk -v w="$want" '$1 >= w' | wc -l)
    read_now=$(sed -n 's/.* read \([0-9]*\) (.*/\1/p' run1.err | tail -1)
    if [ "$seen" -ge 3 ]; then
      rss=$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status")
      break
    fi
  done
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || true
  line=$(grep "checkpoints (" run1.err || true)
  pause=$(echo "$line" | sed -n 's/.*(max \([0-9.]*\) ms).*/\1/p')
  last=$(grep " checkpoints [0-9]" run1.err | tail -1 | sed -n 's/.* last \([0-9.]*\)ms.*/\1/p' ||
    true)
  kib=$(echo "$line" | sed -n 's/.*ms, \([0-9.]*\) KiB.*/\1/p')
  # The restore is done before the first record; stop the second run at its
  # first --stats line, and read the restore time from its summary.
  "${pin[@]}" ./big_state --set n="$n" --set keys="$keys" --stats=1 > /dev/null 2> run2.err &
  pid=$!
  while kill -0 "$pid" 2>/dev/null && ! grep -q " read " run2.err; do sleep 0.2; done
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || true
  restore=$(sed -n 's/.*restored from [0-9]* in \([0-9.]*\) ms.*/\1/p' run2.err)
  printf '%-8s %10.0f %10.1f %12s %12s %12s %12s\n' "$m" "$(echo "${rss:-0} / 1024" | bc -l)" \
    "$(echo "${kib:-0} / 1024" | bc -l)" "${pause:-?}" "${last:-?}" "${restore:-?}" "${read_now:-?}"
  cat run1.err run2.err >> "$log"
done
echo
echo "(log: $log)"
