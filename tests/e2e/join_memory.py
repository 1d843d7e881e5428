#!/usr/bin/env python3
"""Memory test for join state: an interval join (within 2s) of two
generator sources advancing together at 1000 records per second of event
time each, over 1000 keys (so every record meets a few of the other side).
Each side's rows are freed once the watermark passes their time + 2s, and
the read loop keeps either source from being read far ahead of the other,
so the peak resident memory (VmHWM, from GNU time) of a run over 4M records per
side must be no more than that of a run over 1M per side plus a small
margin. Kept rows, or one side read to its end before the other, would need
hundreds of MB more. The same holds for the join as `full`, whose rows
without a match go out as they are freed (the output is filtered away in
both).

  join_memory.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_e2e import Env, Failure, env_arguments, measured, read_peak_kb  # noqa: E402

FLOW = """\
schema Tick { ts : timestamp, user : string, item : int64 }

param records : int64 = 1000;

source lefts : Tick from generator(count = records, seed = 7, keys = 1000,
                                   events_per_second = 1000, disorder = 500ms)
  event time ts watermark 1s;
source rights : Tick from generator(count = records, seed = 8, keys = 1000,
                                    events_per_second = 1000, disorder = 500ms)
  event time ts watermark 1s;

stream pairs = lefts as l
  | key by user
  | join rights as r on l.user == r.user within 2s
  | where l.item < 0
  | select user = l.user, a = l.item, b = r.item;

sink pairs to stdout(format = csv);
"""

# The same join as `full`: the other side's fields may be null.
FLOW_OUTER = (FLOW.replace("within 2s", "within 2s full")
              .replace("where l.item < 0", "where coalesce(l.item, r.item, 0) < 0")
              .replace("select user = l.user,", 'select user = coalesce(l.user, r.user, ""),'))

SLACK_KB = 6 * 1024


def peak_kb(env, work, exe, records):
    """Runs the program over `records` records per side; returns its VmHWM in kB."""
    prog_env = env.program_env()
    # ASan keeps freed memory in quarantine; keep it small so that resident
    # memory follows what the program holds.
    prog_env["ASAN_OPTIONS"] += ":quarantine_size_mb=1"
    out_path = os.path.join(work, "out-%s-%d.txt" % (exe, records))
    err_path = os.path.join(work, "err-%s-%d.txt" % (exe, records))
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        argv = [os.path.join(work, exe), "--set", "records=%d" % records]
        proc = subprocess.Popen(measured(argv, err_path + ".peak"),
                                cwd=work, env=prog_env, stdout=out, stderr=err)
        _, status, _ = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    with open(err_path, encoding="utf-8", errors="replace") as f:
        err_text = f.read()
    with open(out_path, encoding="utf-8", errors="replace") as f:
        out_text = f.read()
    if proc.returncode != 0:
        raise Failure("the run over %d records exited with %d:\n%s" % (records, proc.returncode, err_text))
    if ("%d records read" % (2 * records)) not in err_text or ", 0 late" not in err_text:
        raise Failure("unexpected summary for %d records per side:\n%s" % (records, err_text))
    if out_text != "user,a,b\n":
        raise Failure("unexpected output:\n%s" % out_text[:500])
    return read_peak_kb(err_path + ".peak")


def main():
    ap = env_arguments(__doc__)
    args = ap.parse_args()
    env = Env(args)
    work = env.fresh_dir("join_memory")
    peaks = []
    try:
        for exe, text in (("join", FLOW), ("outer", FLOW_OUTER)):
            env.build_text(text, exe, work)
            small = peak_kb(env, work, exe, 1000000)
            large = peak_kb(env, work, exe, 4000000)
            if large > small + SLACK_KB:
                raise Failure("%s: peak memory grows with the input: %d kB for 1M records per "
                              "side, %d kB for 4M" % (exe, small, large))
            peaks.append("%s: peak %d kB for 1M records per side, %d kB for 4M"
                         % (exe, small, large))
    except Failure as e:
        print("FAIL join_memory\n%s" % e, file=sys.stderr)
        return 1
    print("ok join_memory: %s" % "; ".join(peaks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
