#!/usr/bin/env python3
"""State larger than memory with `state rocksdb` (docs/checkpoints.md,
"RocksDB state"): a keyed tumbling window of one hour over a generator whose
keys are (almost) all new, so its one window holds a state per record. With
state memory the run's peak resident memory (VmHWM, from GNU time) is the
state's; with state rocksdb and --state-cache 4M it must stay under a cap
(CAP_MB) that the memory run exceeds several times (at least 3x), and its
results must be the memory run's (as a multiset: a window's results come in
key-group and key order from the store). The results are a sample (keys
whose hash is 0 mod 1000) of the aggregates of every key.

Then states that own far more than their structs: 1500 keys, each a
collect_list of 133 strings of 600 bytes (120 MB of lists in memory), read
key after key from a CSV file. The cache counts what a state owns (its
strings, sets and lists, measured again after each update), so under a 4 MiB
cache the store's run stays under OWNED_CAP_MB, which the memory run exceeds
(at least 1.8x; a cache that counted structs only kept every list in memory,
110 MB), with the same results.

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

OWNED_FLOW = """\
schema Row { ts : timestamp, user : string, tag : string }
source rows : Row from file("in.csv", format = csv) event time ts watermark 0s;
stream per_user = rows
  | key by user
  | window tumbling 1h
  | aggregate n = count(), tags = collect_list(tag), kinds = count_distinct(tag)
  | select user, n, kinds, size = length(tags), h = hash(tags);
sink per_user to file("out.csv", format = csv);
"""
OWNED_KEYS = 1500
OWNED_PER_KEY = 133
SANITIZED_PER_KEY = 13
OWNED_CAP_MB = 64


def owned_input(path, per_key):
    """Each key's rows one after another, in time order, tags of 600 bytes."""
    with open(path, "w") as f:
        f.write("ts,user,tag\n")
        i = 0
        for k in range(OWNED_KEYS):
            for j in range(per_key):
                f.write("2024-01-01T00:%02d:%02d.%03dZ,u%05d,%s\n"
                        % (i // 60000 % 60, i // 1000 % 60, i % 1000, k, chr(97 + j % 26) * 600))
                i += 1


def run(env, work, exe, records, args, param=True):
    """(peak resident kB, sorted result lines, stderr); `param`: the program
    takes its number of records as the param `records`."""
    err_path = os.path.join(work, exe + ".err")
    with open(err_path, "wb") as err:
        argv = [os.path.join(work, exe)] + (["--set", "records=%d" % records] if param else [])
        argv += args
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
    owned(env)
    print("ok rocksdb_large")
    return 0


def owned(env):
    work = env.fresh_dir("rocksdb_large_owned")
    per_key = SANITIZED_PER_KEY if env.sanitize else OWNED_PER_KEY
    owned_input(os.path.join(work, "in.csv"), per_key)
    env.build_text(OWNED_FLOW, "memory", work)
    env.build_text(OWNED_FLOW + '\nconfig { state rocksdb "state"; }\n', "store", work)
    records = OWNED_KEYS * per_key
    mem_kb, want, _ = run(env, work, "memory", records, [], param=False)
    store_kb, got, err = run(env, work, "store", records, ["--state-cache", "4M"], param=False)
    if got != want or len(want) != OWNED_KEYS + 1:
        raise Failure("owned state: state rocksdb gave other results than state memory (%d and "
                      "%d lines)" % (len(got), len(want)))
    print("%d records of states owning lists: peak %d MB with state memory, %d MB with state "
          "rocksdb and a 4 MiB cache; %d results identical"
          % (records, mem_kb // 1024, store_kb // 1024, len(want) - 1))
    if env.sanitize:
        return
    if mem_kb < 1.8 * OWNED_CAP_MB * 1024:
        raise Failure("the owned state (%d MB in memory) is not 1.8 times the cap of %d MB"
                      % (mem_kb // 1024, OWNED_CAP_MB))
    if store_kb > OWNED_CAP_MB * 1024:
        raise Failure("state rocksdb peaked at %d MB with states owning lists, above the cap "
                      "of %d MB: the cache does not count what they own:\n%s"
                      % (store_kb // 1024, OWNED_CAP_MB, err))


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as e:
        print("FAIL rocksdb_large\n%s" % e, file=sys.stderr)
        sys.exit(1)
