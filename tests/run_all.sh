#!/usr/bin/env bash
# The whole test suite: unit, end-to-end and compile-error tests with gcc; the
# same again with clang under AddressSanitizer + UndefinedBehaviorSanitizer;
# the thread tests under ThreadSanitizer; then each libFuzzer target for a
# short run. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

step() { printf '\n==== %s ====\n' "$*"; }

step "gcc build and tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

step "clang + AddressSanitizer + UndefinedBehaviorSanitizer build and tests"
CC=clang cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DFLOW_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
# The runs of every case, example and oracle at 2 and 4 workers (e2e.par2.*,
# e2e.par4.*, and the kill -9 harness at two, e2e.checkpoint_kill_par2)
# compare results with the runs at one worker, which the gcc step does; the
# sanitizers see the worker code through parallel_test.py here and the keyed
# ones under ThreadSanitizer below, so that the suite stays short (the harness
# at two beside the one at one outgrew its runs' time limit under ASan).
ctest --test-dir build-asan --output-on-failure -j"$jobs" -E '^e2e\.(par[24]\.|checkpoint_kill_par2$)'
ctest --test-dir build-asan --output-on-failure -R '^e2e\.par2\.parallel$'

# Only what runs programs on several threads: two runs of one embedded
# program at once (tests/abi/two_runs.c), the embedding calls of rt_main,
# the time zone cache that threads fill together (rt_time), the thread that
# collapses huge pages between checkpoints (rt_collapse), the metrics
# endpoint's server thread beside the read loop, the thread that copies
# RocksDB for a checkpoint (e2e.rocksdb_held), results handed back by two
# workers while the input pauses (e2e.sink_latency), and parallel runs.
step "clang + ThreadSanitizer: runs on several threads"
CC=clang cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DFLOW_TSAN=ON >/dev/null
cmake --build build-tsan -j"$jobs" --target abi_two_runs rt_main rt_time rt_collapse flowc flowrt
ctest --test-dir build-tsan --output-on-failure \
  -R '^(abi\.two_runs|unit\.rt_main|unit\.rt_time|unit\.rt_collapse|e2e\.metrics_endpoint|e2e\.rocksdb_held|e2e\.sink_latency)$'
# The workers of parallel runs (runtime/src/parallel.c) with their queues.
ctest --test-dir build-tsan --output-on-failure -j"$jobs" \
  -R '^e2e\.par[24]\.(window_tumbling|window_sliding|window_session|join_interval|join_window|dedupe|processing_time|parallel)$'

step "fuzzing (libFuzzer, ${FLOW_FUZZ_SECONDS:-20} s per target)"
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DFLOW_FUZZ=ON \
  -DFLOW_FUZZ_SECONDS="${FLOW_FUZZ_SECONDS:-20}" >/dev/null
cmake --build build-fuzz -j"$jobs"
ctest --test-dir build-fuzz --output-on-failure -L fuzz
