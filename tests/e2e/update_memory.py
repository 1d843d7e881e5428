#!/usr/bin/env python3
"""Memory test for updating aggregates and updating tops with `ttl`
(docs/language.md, "Updating aggregates" and "top"): a keyed updating
aggregate over a generator whose
keys are (almost) all new, each key's state holding a copied string, a
distinct-value set and its last result. With `ttl 1s` a key goes 1 to 2 s
of event time after its last record, so the peak resident memory (VmHWM,
from GNU time) of a run over 4M records must be no more than that of a run
over 1M records plus a small margin: the state is bounded by the live keys.
The same program without ttl keeps every key, and its peak must grow by
more than that margin from 200k to 400k records (else the test would not tell).
The same for an updating top (`top 3 by item desc`) per key, whose
partitions hold their rows with a copied string each. Under the sanitizers
every count is a fourth (250k against 1M records; 50k against 100k).

  update_memory.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_e2e import Env, Failure, env_arguments, measured, read_peak_kb  # noqa: E402

FLOW = """\
schema Tick { ts : timestamp, user : string, item : int64 }

param records : int64 = 1000;

# 1000 records per second of event time, keys drawn from 10^12.
source ticks : Tick from generator(count = records, seed = 7, keys = 1000000000000,
                                   events_per_second = 1000)
  event time ts watermark 0s;

stream per_user = ticks
  | key by user
  | OPERATOR;

sink per_user to stdout(format = csv);
"""

# (name, the operator and a where that lets nothing out, the output's header)
PROGRAMS = [
    ("aggregate", "aggregate n = count(), items = count_distinct(item), who = first(user) TTL "
                  "| where n > 1000", "op,user,n,items,who\n"),
    ("top", "top 3 by item desc TTL | where rank > 3", "op,ts,user,item,rank\n"),
]

SLACK_KB = 6 * 1024


def peak_kb(env, work, name, records, header):
    """Runs the program over `records` records; returns its VmHWM in kB."""
    prog_env = env.program_env()
    # ASan keeps freed memory in quarantine; keep it small so that resident
    # memory follows what the program holds.
    prog_env["ASAN_OPTIONS"] += ":quarantine_size_mb=1"
    err_path = os.path.join(work, "%s-err-%d.txt" % (name, records))
    with open(err_path, "wb") as err:
        argv = [os.path.join(work, name), "--set", "records=%d" % records]
        proc = subprocess.Popen(measured(argv, err_path + ".peak"),
                                cwd=work, env=prog_env, stdout=subprocess.PIPE, stderr=err)
        out = proc.stdout.read().decode()
        _, status, _ = os.wait4(proc.pid, 0)
    with open(err_path, encoding="utf-8", errors="replace") as f:
        err_text = f.read()
    if os.waitstatus_to_exitcode(status) != 0 or ("%d records read" % records) not in err_text:
        raise Failure("%s over %d records:\n%s" % (name, records, err_text))
    if out != header:
        raise Failure("unexpected output:\n%s" % out[:500])
    return read_peak_kb(err_path + ".peak")


def main():
    args = env_arguments(__doc__).parse_args()
    env = Env(args)
    work = env.fresh_dir("update_memory")
    scale = 4 if env.sanitize else 1
    said = []
    try:
        for what, operator, header in PROGRAMS:
            for name, ttl in (("ttl", "ttl 1s"), ("no_ttl", "")):
                name = "%s_%s" % (what, name)
                with open(os.path.join(work, name + ".flow"), "w") as f:
                    f.write(FLOW.replace("OPERATOR", operator.replace("TTL", ttl)))
                env.build(name + ".flow", name, work)
            n = [c // scale for c in (1000000, 4000000, 200000, 400000)]
            small = peak_kb(env, work, what + "_ttl", n[0], header)
            large = peak_kb(env, work, what + "_ttl", n[1], header)
            if large > small + SLACK_KB:
                raise Failure("%s with ttl, peak memory grows with the input: %d kB for %d "
                              "records, %d kB for %d" % (what, small, n[0], large, n[1]))
            kept_small = peak_kb(env, work, what + "_no_ttl", n[2], header)
            kept_large = peak_kb(env, work, what + "_no_ttl", n[3], header)
            if kept_large <= kept_small + SLACK_KB:
                raise Failure("%s without ttl, peak memory does not grow: %d kB for %d "
                              "records, %d kB for %d" % (what, kept_small, n[2], kept_large, n[3]))
            said.append("%s: peak with ttl 1s %d kB for %d records, %d kB for %d; without ttl "
                        "%d kB for %d, %d kB for %d"
                        % (what, small, n[0], large, n[1], kept_small, n[2], kept_large, n[3]))
    except Failure as e:
        print("FAIL update_memory\n%s" % e, file=sys.stderr)
        return 1
    print("ok update_memory: " + "; ".join(said))
    return 0


if __name__ == "__main__":
    sys.exit(main())
