#!/usr/bin/env bash
# smoke.sh: the regression guard's short run of every benchmark script
# (docs/performance.md, "The regression guard"): tiny inputs and one round
# each, so that CI sees that each still builds its programs, that they
# agree with the hand-written C (the scripts check their outputs), and that
# it prints its ratio lines. It asserts nothing about speed: the figures of
# a loaded CI machine at these sizes mean nothing.
#
#   tests/bench/smoke.sh BUILD_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
failed=0

# run NAME PATTERN VAR=VALUE... SCRIPT BUILD: PATTERN is what its table
# prints (the ratio column's heading).
run() {
  local name=$1 pattern=$2
  shift 2
  local out
  echo "== $name"
  if ! out=$(env RUNS=1 "$@" 2>&1); then
    echo "$out" | tail -20
    echo "FAIL: $name exited with an error"
    failed=1
    return
  fi
  # A here-string, not a pipe: grep -q stops reading at its first match, and
  # under pipefail the echo that it leaves writing into a closed pipe fails.
  if ! grep -Eq "$pattern" <<<"$out"; then
    echo "$out" | tail -20
    echo "FAIL: $name printed no '$pattern'"
    failed=1
    return
  fi
  echo "$out" | grep -E "[0-9]\.[0-9]+ *$|$pattern" | head -12
}

run run_bench ratio GEN_COUNT=100000 CSV_ROWS=50000 "$here/run_bench.sh" "$build"
run run_window_bench ratio COUNT=200000 CSV_COUNT=100000 "$here/run_window_bench.sh" "$build"
run run_join_bench ratio COUNT=100000 "$here/run_join_bench.sh" "$build"
run run_lookup_bench ratio COUNT=2000000 ROWS=1000 "$here/run_lookup_bench.sh" "$build"
run run_checkpoint_bench ckpt/hand COUNT=200000 JOIN_COUNT=100000 STATE_SIZES=0.01 \
  "$here/run_checkpoint_bench.sh" "$build"
run run_rocksdb_bench /C: COUNT=500000 MANY=20000 "$here/run_rocksdb_bench.sh" "$build"
run run_nexmark_bench ratio EVENTS=200000 CG_EVENTS=0 "$here/run_nexmark_bench.sh" "$build"
run run_latency_bench p99_ms RATES=10000 SECONDS_EACH=1 "$here/run_latency_bench.sh" "$build"
run run_parallel_bench N2/N1 COUNT=200000 CSV_COUNT=100000 JOIN_COUNT=100000 \
  "$here/run_parallel_bench.sh" "$build"
run run_update_bench ratio COUNT=200000 "$here/run_update_bench.sh" "$build"
run run_top_bench ratio COUNT=2000000 "$here/run_top_bench.sh" "$build"
exit $failed
