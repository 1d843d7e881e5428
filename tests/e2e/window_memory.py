#!/usr/bin/env python3
"""Memory test for window state: a keyed tumbling window, a keyed sliding
one and a keyed session window with lateness, over a generator whose keys are
(almost) all new, so every record makes a new (key, window), (key, pane) or
(key, session) state with copied strings and a distinct-value set. State is freed when it can no longer change, so the
peak resident memory (VmHWM, from GNU time) of a run over 4M records must be no
more than that of a run over 1M records plus a small margin (250k and 1M
under the sanitizers); kept state
would need hundreds of MB more.

  window_memory.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_e2e import Env, Failure, env_arguments, measured, read_peak_kb  # noqa: E402

FLOW = """\
schema Tick { ts : timestamp, user : string, item : int64 }

param records : int64 = 1000;

# 1000 records per second of event time, keys drawn from 10^12: every
# 1s window holds about 1000 states, each freed when the window fires.
source ticks : Tick from generator(count = records, seed = 7, keys = 1000000000000,
                                   events_per_second = 1000)
  event time ts watermark 0s;

stream per_user = ticks
  | key by user
  | WINDOW
  | aggregate n = count(), items = count_distinct(item), who = first(user)
  | where n > 1000;

sink per_user to stdout(format = csv);
"""

SLACK_KB = 6 * 1024


# The session window keeps each session 1s after it fired (its lateness):
# about 2000 states at any time.
WINDOWS = [("tumbling", "window tumbling 1s"), ("sliding", "window sliding 2s every 1s"),
           ("session", "window session gap 1s lateness 1s")]


def peak_kb(env, work, name, records):
    """Runs the program over `records` records; returns its VmHWM in kB."""
    prog_env = env.program_env()
    # ASan keeps freed memory in quarantine; keep it small so that resident
    # memory follows what the program holds.
    prog_env["ASAN_OPTIONS"] += ":quarantine_size_mb=1"
    out_path = os.path.join(work, "%s-out-%d.txt" % (name, records))
    err_path = os.path.join(work, "%s-err-%d.txt" % (name, records))
    peak_path = os.path.join(work, "%s-peak-%d.txt" % (name, records))
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.run(measured([os.path.join(work, name), "--set", "records=%d" % records],
                                       peak_path), cwd=work, env=prog_env, stdout=out, stderr=err)
    with open(err_path, encoding="utf-8", errors="replace") as f:
        err_text = f.read()
    with open(out_path, encoding="utf-8", errors="replace") as f:
        out_text = f.read()
    if proc.returncode != 0:
        raise Failure("the run over %d records exited with %d:\n%s" % (records, proc.returncode, err_text))
    if ("%d records read" % records) not in err_text or ", 0 late" not in err_text:
        raise Failure("unexpected summary for %d records:\n%s" % (records, err_text))
    if out_text != "user,window_start,window_end,n,items,who\n":
        raise Failure("unexpected output:\n%s" % out_text[:500])
    return read_peak_kb(peak_path)


def main():
    ap = env_arguments(__doc__)
    args = ap.parse_args()
    env = Env(args)
    work = env.fresh_dir("window_memory")
    try:
        report = []
        for name, window in WINDOWS:
            with open(os.path.join(work, name + ".flow"), "w") as f:
                f.write(FLOW.replace("WINDOW", window))
            env.build(name + ".flow", name, work)
            # A quarter of the records under the sanitizers, where a run is
            # ten times slower; still four times as many in the large run.
            n = 250000 if env.sanitize else 1000000
            small = peak_kb(env, work, name, n)
            large = peak_kb(env, work, name, 4 * n)
            if large > small + SLACK_KB:
                raise Failure("%s window: peak memory grows with the input: %d kB for %d "
                              "records, %d kB for %d" % (name, small, n, large, 4 * n))
            report.append("%s %d kB for %d records, %d kB for %d" % (name, small, n, large, 4 * n))
    except Failure as e:
        print("FAIL window_memory\n%s" % e, file=sys.stderr)
        return 1
    print("ok window_memory: peak " + "; ".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
