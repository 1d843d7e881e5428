#!/usr/bin/env bash
# checkpoint_soak.sh: the kill -9 harness of checkpoints
# (tests/e2e/checkpoint_kill.py) at length, not in ctest: KILLS kills
# (default 500) shared out over its programs, each followed by restarts until
# the run ends, every sink file compared with an uninterrupted run's. Prints
# the harness's lines, then one summary line for docs/ (kills, restarts,
# programs, time, seed, machine).
#
#   tests/soak/checkpoint_soak.sh [BUILD_DIR]          (default: build)
#
# Environment: KILLS (default 500, at least 500 for docs/), SEED (default:
# random, printed), WORK (default: BUILD_DIR/tests/soak-work), CC,
# SANITIZE=1 (programs built with the sanitizers).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
kills=${KILLS:-500}
work=${WORK:-$build/tests/soak-work}
args=(--flowc "$build/bin/flowc" --source-dir "$root" --work "$work" --kills "$kills")
[ -n "${CC:-}" ] && args+=(--cc "$CC")
[ -n "${SEED:-}" ] && args+=(--seed "$SEED")
[ "${SANITIZE:-0}" = 1 ] && args+=(--sanitize)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
python3 "$root/tests/e2e/checkpoint_kill.py" "${args[@]}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
line=$(grep -E '^(ok|FAIL) checkpoint_kill' "$log" | tail -1 || true)
machine="$(nproc) CPUs, $(uname -sr), flowc $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
if [ "$status" -eq 0 ]; then
    echo "checkpoint soak, $(date -u +%Y-%m-%d): ${line#ok checkpoint_kill: } ($machine)"
else
    echo "checkpoint soak FAILED, $(date -u +%Y-%m-%d): ${line:-no summary} ($machine)" >&2
fi
exit "$status"
