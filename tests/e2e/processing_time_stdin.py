#!/usr/bin/env python3
"""Processing-time windows on a live input: a keyed tumbling window (300ms)
over stdin without event time, fed slowly by this script. Its results must
come out while stdin is still open: the read loop waits for the silent pipe
a few ms at a time and fires the windows the wall clock has passed.

The script writes a first batch of records, then waits (at most 20 s) until
the program has written results counting every one of them, without closing
stdin; then it writes a second batch after a pause and closes stdin, and
the rest must come out at the end. Timing is only used loosely: the checks
are on what comes out and in which order, never on how long it took.

  processing_time_stdin.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import collections
import os
import queue
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_e2e import Env, Failure, env_arguments  # noqa: E402

FLOW = """\
schema Hit { user : string, n : int32 }

source hits : Hit from stdin(format = csv);

stream per_user = hits
  | key by user
  | window tumbling 300ms
  | aggregate count = count(), total = sum(n);

sink per_user to stdout(format = csv);
"""

FIRST = [("ann", 1), ("bob", 2), ("ann", 3), ("cid", 4), ("bob", 5)]
SECOND = [("ann", 10), ("dan", 20)]
WAIT_S = 20


def totals(rows):
    """Per user: (count, sum) over result rows user,start,end,count,total."""
    acc = collections.defaultdict(lambda: [0, 0])
    for row in rows:
        user, _, _, count, total = row.split(",")
        acc[user][0] += int(count)
        acc[user][1] += int(total)
    return {u: tuple(v) for u, v in acc.items()}


def expected(records):
    acc = collections.defaultdict(lambda: [0, 0])
    for user, n in records:
        acc[user][0] += 1
        acc[user][1] += n
    return {u: tuple(v) for u, v in acc.items()}


def run(env, work):
    proc = subprocess.Popen([os.path.join(work, "live")], cwd=work, env=env.program_env(),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, bufsize=1)
    lines = queue.Queue()

    def reader():
        for line in proc.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=reader, daemon=True).start()
    try:
        proc.stdin.write("user,n\n")
        for user, n in FIRST:
            proc.stdin.write("%s,%d\n" % (user, n))
            proc.stdin.flush()
            time.sleep(0.05)
        header = lines.get(timeout=WAIT_S)
        if header != "user,window_start,window_end,count,total":
            raise Failure("unexpected header %r" % header)
        early = []
        deadline = time.monotonic() + WAIT_S
        while totals(early) != expected(FIRST):
            left = deadline - time.monotonic()
            try:
                line = lines.get(timeout=max(left, 0.01))
            except queue.Empty:
                line = None
            if line is None:
                raise Failure("stdin still open: after %d s only these results of the first "
                              "batch came out: %r" % (WAIT_S, early))
            early.append(line)
        if proc.poll() is not None:
            raise Failure("the program ended while its input was open")
        time.sleep(0.4)
        for user, n in SECOND:
            proc.stdin.write("%s,%d\n" % (user, n))
        proc.stdin.close()
        rest = []
        while True:
            line = lines.get(timeout=WAIT_S)
            if line is None:
                break
            rest.append(line)
        status = proc.wait(timeout=WAIT_S)
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if status != 0:
        raise Failure("exit status %d:\n%s" % (status, err))
    if totals(rest) != expected(SECOND):
        raise Failure("results after the second batch %r, expected totals %r"
                      % (rest, expected(SECOND)))
    # Windows come out in the order they end: a result of the second batch
    # ends after every result of the first.
    last_early_end = max(r.split(",")[2] for r in early)
    if min(r.split(",")[2] for r in rest) <= last_early_end:
        raise Failure("windows out of order: %r then %r" % (early, rest))
    if "7 records read" not in err or ", 0 late, 0 bad" not in err:
        raise Failure("unexpected summary:\n%s" % err)
    return len(early), len(rest)


def main():
    ap = env_arguments(__doc__)
    args = ap.parse_args()
    env = Env(args)
    work = env.fresh_dir("processing_time_stdin")
    try:
        env.build_text(FLOW, "live", work)
        early, rest = run(env, work)
    except (Failure, queue.Empty, subprocess.TimeoutExpired) as e:
        print("FAIL processing_time_stdin\n%s" % (e or "no output in time"), file=sys.stderr)
        return 1
    print("ok processing_time_stdin: %d results while stdin was open, %d after" % (early, rest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
