#!/usr/bin/env python3
"""Checkpoints of updating aggregates (docs/language.md, "Updating
aggregates"): every event-time updating aggregate case (tests/e2e/cases),
with `config { checkpoint every 1s to "ckpt"; }` appended, run under
FLOW_CHECKPOINT_SELFTEST=1 (the state saved, freed and restored after every
record), and again with `state rocksdb` as well, whose updating aggregates
keep their state in memory and checkpoint it the same way. stdout, every
file the program writes, the exit status and the summary's counts must
equal those of the program without the config: the generated snapshot and
restore functions rebuild every key's accumulators, last result, dirty
mark and latest time, and the buckets with their entries and timers, in
their order. update_processing_time is left out: its results depend on
arrival times. The comparison is checkpoint_join_selftest.py's.

  checkpoint_update_selftest.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checkpoint_join_selftest as selftest  # noqa: E402
from run_e2e import Env, Failure, env_arguments  # noqa: E402

CASES = ["update_basic", "update_global", "update_emit_every", "update_ttl",
         "update_emit_every_ttl", "update_statistics", "update_changelog"]
CONFIGS = [("memory", '\nconfig { checkpoint every 1s to "ckpt"; }\n'),
           ("rocksdb", '\nconfig { checkpoint every 1s to "ckpt"; state rocksdb "state"; }\n')]


def main():
    args = env_arguments(__doc__).parse_args()
    env = Env(args)
    failed = 0
    runs = [(c, cfg) for cfg in CONFIGS for c in CASES]
    for name, (label, config) in runs:
        selftest.CONFIG = config
        try:
            selftest.check(env, "case", name)
            print("ok case %s (%s)" % (name, label))
        except Failure as e:
            failed += 1
            print("FAIL (%s) %s" % (label, e), file=sys.stderr)
    print("%d passed, %d failed" % (len(runs) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
