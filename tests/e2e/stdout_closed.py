#!/usr/bin/env python3
"""A closed stdout ends the program quietly, as a Unix filter: an unbounded
generator program piped into `head -1` must stop by itself with exit status
0, and its summary must say that the output was closed by its reader. Its
other sink (a file) keeps what was produced until then, whole records only,
and the summary counts them. Before, the program failed with status 1 and
"Broken pipe".

  stdout_closed.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_e2e import Env, Failure, env_arguments  # noqa: E402

FLOW = """\
schema Tick { n : int64, k : string }

source ticks : Tick from generator(keys = 1000);

sink ticks to stdout(format = csv);
sink ticks to file("out/ticks.csv", format = csv);
"""
WAIT_S = 60


def run(env, work):
    prog = subprocess.Popen([os.path.join(work, "ticks")], cwd=work, env=env.program_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    head = subprocess.Popen(["head", "-1"], stdin=prog.stdout, stdout=subprocess.PIPE)
    prog.stdout.close()  # head holds the only read end: its exit closes the pipe
    try:
        first, _ = head.communicate(timeout=WAIT_S)
        status = prog.wait(timeout=WAIT_S)
    except subprocess.TimeoutExpired:
        prog.kill()
        prog.wait()
        raise Failure("the program kept running %d s after head -1 exited" % WAIT_S)
    err = prog.stderr.read().decode()
    if first != b"n,k\n":
        raise Failure("head -1 read %r" % first)
    if status != 0:
        raise Failure("exit status %d, expected 0:\n%s" % (status, err))
    if "Broken pipe" in err or not err.startswith("ticks: stopped after "):
        raise Failure("unexpected summary:\n%s" % err)
    m = re.search(r"^  sink ticks \(stdout\): \d+ written, output closed by reader$", err, re.M)
    f = re.search(r"^  sink ticks \(out/ticks.csv\): (\d+) written$", err, re.M)
    if not m or not f:
        raise Failure("the summary lacks the sink lines:\n%s" % err)
    with open(os.path.join(work, "out", "ticks.csv")) as out:
        lines = out.read().split("\n")
    if lines[0] != "n,k" or lines[-1] != "" or len(lines) - 2 != int(f.group(1)):
        raise Failure("out/ticks.csv has %d records (last %r), the summary says %s"
                      % (len(lines) - 2, lines[-2:], f.group(1)))
    return int(f.group(1))


def main():
    ap = env_arguments(__doc__)
    args = ap.parse_args()
    env = Env(args)
    work = env.fresh_dir("stdout_closed")
    try:
        env.build_text(FLOW, "ticks", work)
        n = run(env, work)
    except Failure as e:
        print("FAIL stdout_closed\n%s" % e, file=sys.stderr)
        return 1
    print("ok stdout_closed: stopped with status 0 after %d records" % n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
