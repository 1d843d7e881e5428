#!/usr/bin/env python3
"""State larger than memory with `state rocksdb` (docs/checkpoints.md,
"RocksDB state"): a keyed tumbling window of one hour over a generator whose
keys are (almost) all new, so its one window holds a state per record. With
state memory the run's peak resident memory (VmHWM, from GNU time) is the
state's; with state rocksdb and --state-cache 4M (which counts the
states' structs and keys, not the distinct-value sets they own) it must stay under a cap
(CAP_MB) that the memory run exceeds several times (at least 3x), and its
results must be the memory run's (as a multiset: a window's results come in
key-group and key order from the store). The results are a sample (keys
whose hash is 0 mod 1000) of the aggregates of every key.

Under AddressSanitizer memory is not comparable (shadow memory, quarantine):
the runs are smaller and only the results are compared.

  rocksdb_large.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_e2e import Env, Failure, env_arguments, measured, read_peak_kb  # noqa: E402

FLOW = """\
schema Tick { ts : timestamp, user : string, item : int64 }

param records : int64 = 1000;

source ticks : Tick from generator(count = records, seed = 7, keys = 1000000000000,
                                   events_per_second = 1000)
  event time ts watermark 0s;

stream per_user = ticks
  | key by user
  | window tumbling 1h
  | aggregate n = count(), items = sum(item), who = first(user), hi = max(item),
              kinds = count_distinct(item), lo = min(user)
  | where hash(who) % 1000 == 0;

sink per_user to file("out.csv", format = csv);
"""

RECORDS = 1000000
SANITIZED_RECORDS = 100000
CAP_MB = 100


def run(env, work, exe, records, args):
    """(peak resident kB, sorted result lines, stderr)."""
    err_path = os.path.join(work, exe + ".err")
    with open(err_path, "wb") as err:
        argv = [os.path.join(work, exe), "--set", "records=%d" % records] + args
        proc = subprocess.Popen(measured(argv, err_path + ".peak"),
                                cwd=work, env=env.program_env(), stdout=subprocess.DEVNULL, stderr=err)
        _, status, _ = os.wait4(proc.pid, 0)
    with open(err_path, encoding="utf-8", errors="replace") as f:
        err_text = f.read()
    if os.waitstatus_to_exitcode(status) != 0 or ("%d records read" % records) not in err_text:
        raise Failure("%s exited with %d:\n%s" % (exe, os.waitstatus_to_exitcode(status), err_text))
    with open(os.path.join(work, "out.csv"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    return read_peak_kb(err_path + ".peak"), lines[:1] + sorted(lines[1:]), err_text


def main():
    ap = env_arguments(__doc__)
    args = ap.parse_args()
    env = Env(args)
    work = env.fresh_dir("rocksdb_large")
    env.build_text(FLOW, "memory", work)
    env.build_text(FLOW + '\nconfig { state rocksdb "state"; }\n', "store", work)
    records = SANITIZED_RECORDS if env.sanitize else RECORDS
    mem_kb, want, _ = run(env, work, "memory", records, [])
    store_kb, got, err = run(env, work, "store", records, ["--state-cache", "4M"])
    if got != want:
        raise Failure("state rocksdb gave other results than state memory (%d and %d lines)"
                      % (len(got), len(want)))
    if len(want) < records // 2000:
        raise Failure("only %d results: the sample is wrong" % len(want))
    print("%d records, one window: peak %d MB with state memory, %d MB with state rocksdb "
          "and a 4 MiB cache; %d results identical" % (records, mem_kb // 1024, store_kb // 1024,
                                                        len(want) - 1))
    if not env.sanitize:
        if mem_kb < 3 * CAP_MB * 1024:
            raise Failure("the state (%d MB in memory) is not 3 times the cap of %d MB"
                          % (mem_kb // 1024, CAP_MB))
        if store_kb > CAP_MB * 1024:
            raise Failure("state rocksdb peaked at %d MB, above the cap of %d MB:\n%s"
                          % (store_kb // 1024, CAP_MB, err))
    print("ok rocksdb_large")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as e:
        print("FAIL rocksdb_large\n%s" % e, file=sys.stderr)
        sys.exit(1)
