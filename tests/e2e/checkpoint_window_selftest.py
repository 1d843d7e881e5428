#!/usr/bin/env python3
"""Checkpoint round trip of window state: every window case
(tests/e2e/cases/window_*.flow), every example with a window, and a matrix of
tumbling, sliding, cumulating and session windows (with and without lateness and `late
as`, keyed and global, every aggregate) over out-of-order records, each
built as it is and with `config { checkpoint every 1s to "ckpt"; }`
appended. The checkpointed build runs with FLOW_CHECKPOINT_SELFTEST=1, which
snapshots every operator, frees its state and restores it after every
record; its exit status, stdout, every file it writes and its summary's
counts must be those of the plain build, byte for byte.

  checkpoint_window_selftest.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
                                [--only NAME]
"""

import os
import random
import re
import shlex
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_e2e import Case, Env, Failure, diff, env_arguments, example_runs, read, read_if  # noqa: E402

CONFIG = '\nconfig { checkpoint every 1s to "ckpt"; }\n'
SUMMARY = re.compile(r"(\d+) records read .*?(\d+) written, (\d+) late, (\d+) bad")


class Program:
    """One program to run both ways: its text, the files it reads, how it runs."""

    def __init__(self, name, text, files, args=(), env=None, stdin=b""):
        self.name, self.text, self.files = name, text, files
        self.args, self.env, self.stdin = list(args), dict(env or {}), stdin


def case_programs(env):
    case_dir = os.path.join(env.src, "tests", "e2e", "cases")
    for f in sorted(os.listdir(case_dir)):
        if not (f.startswith("window_") and f.endswith(".flow")):
            continue
        case = Case(os.path.join(case_dir, f))
        files = {block[1].split()[0]: Case.text(block) for block in case.files}
        stdin = Case.text(case.stdin_block).encode() if case.stdin_block else b""
        yield Program("case." + f[:-5], read(case.path), files, case.args, case.env, stdin)


def example_programs(env):
    ex_root = os.path.join(env.src, "examples")
    for name in sorted(os.listdir(ex_root)):
        ex_dir = os.path.join(ex_root, name)
        flows = [f for f in os.listdir(ex_dir) if f.endswith(".flow")] if os.path.isdir(ex_dir) else []
        if len(flows) != 1 or not os.path.isdir(os.path.join(ex_dir, "expected")):
            continue
        text = read(os.path.join(ex_dir, flows[0]))
        if not re.search(r"\|\s*window\s", text):
            continue
        files = {}
        data = os.path.join(ex_dir, "data")
        for root, _, names in os.walk(data):
            for n in names:
                path = os.path.join(root, n)
                files[os.path.relpath(path, ex_dir)] = read(path)
        for run_name, run_dir in example_runs(os.path.join(ex_dir, "expected")):
            args = shlex.split(read_if(os.path.join(run_dir, "args")) or "")
            yield Program("example.%s.%s" % (name, run_name), text, files, args)


# ---- the matrix ----------------------------------------------------------------

WINDOWS = [
    ("tumbling", "window tumbling 10s", False),
    ("tumbling_lateness", "window tumbling 10s lateness 5s", True),
    ("sliding", "window sliding 20s every 5s", False),
    ("sliding_lateness", "window sliding 20s every 5s lateness 5s", True),
    ("sliding_uneven", "window sliding 10s every 4s lateness 3s", True),
    ("cumulate", "window cumulate 20s every 5s", False),
    ("cumulate_lateness", "window cumulate 20s every 5s lateness 5s", True),
    ("session", "window session gap 3s", False),
    ("session_lateness", "window session gap 3s lateness 5s", True),
]

AGGREGATES = ("c = count(), si = sum(n), s32 = sum(m), sf = sum(x), lo = min(n), hi = max(x), "
              "lm = min(m), ls = min(s), hs = max(s), mt = max(ts), av = avg(n), fs = first(s), "
              "ln = last(n), fb = first(b), lx = last(x), ds = count_distinct(s), "
              "dn = count_distinct(n), db = count_distinct(b), dx = count_distinct(x), "
              "vp = var_pop(n), sd = stddev(x), vs = variance(m), pc = percentile(x, 0.3), "
              "pn = percentile(n, 1), cl = collect_list(s), cb = collect_list(b), "
              "cx = collect_list(x), ct = collect_list(ts), mb = max_by(s, x), nb = min_by(n, s)")


def matrix_text(window, late):
    """A keyed and a global stream over one window, each with every aggregate
    (two operators of one program); late records to files."""
    lines = ["schema R { ts : timestamp, k : string, n : int64, m : int32, x : float64, s : string, b : bool }",
             "",
             'source rs : R from file("in.csv", format = csv) event time ts watermark 2s;',
             ""]
    for name, key in (("keyed", "  | key by k\n"), ("global", "")):
        late_as = " late as late_%s" % name if late else ""
        lines.append("stream %s = rs\n%s  | %s%s\n  | aggregate %s;" % (name, key, window, late_as, AGGREGATES))
        lines.append("")
    lines.append("sink keyed to stdout(format = csv);")
    lines.append('sink global to file("global.csv", format = csv);')
    if late:
        lines.append('sink late_keyed to file("late_keyed.csv", format = csv);')
        lines.append('sink late_global to file("late_global.csv", format = csv);')
    return "\n".join(lines) + "\n"


def matrix_input():
    """Out-of-order records in bursts with pauses (so that sessions close and
    windows fire mid-input), some later than any lateness."""
    rnd = random.Random(10)
    rows = ["ts,k,n,m,x,s,b"]
    t = 1709251200000  # 2024-03-01T00:00:00Z in ms
    for i in range(360):
        t += 250 if i % 40 else 9000
        ts = t + rnd.choice((0, 0, 0, -300, -1500, -4000, -9000, 700, -30000))
        stamp = "%s.%03dZ" % (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts // 1000)), ts % 1000)
        rows.append("%s,%s,%d,%d,%s,%s,%s" % (stamp, rnd.choice(("a", "b", "c", "dd", "")),
                                              rnd.randint(-50, 50), rnd.randint(-5, 5),
                                              rnd.choice(("0.5", "-1.25", "3", "1e3", "-0.0", "2.75")),
                                              rnd.choice(("x", "y", "zz", "", "é")),
                                              rnd.choice(("true", "false"))))
    return "\n".join(rows) + "\n"


def matrix_programs():
    data = matrix_input()
    for name, window, late in WINDOWS:
        yield Program("matrix." + name, matrix_text(window, late), {"in.csv": data})


# ---- running ---------------------------------------------------------------------

def written_files(work, prog):
    """What a run left in its directory besides the program, its inputs and its checkpoints."""
    found = {}
    for root, dirs, names in os.walk(work):
        if root == work:
            dirs[:] = [d for d in dirs if d != "ckpt"]
        for n in names:
            rel = os.path.relpath(os.path.join(root, n), work)
            if rel in (prog.name, prog.name + ".flow") or rel in prog.files:
                continue
            found[rel] = read(os.path.join(root, n))
    return found


def run_one(env, prog, checkpointed):
    work = env.fresh_dir("ckpt_window.%s.%s" % (prog.name, "ckpt" if checkpointed else "plain"))
    for rel, content in prog.files.items():
        os.makedirs(os.path.dirname(os.path.join(work, rel)) or work, exist_ok=True)
        with open(os.path.join(work, rel), "w", encoding="utf-8", newline="") as f:
            f.write(content)
    env.build_text(prog.text + (CONFIG if checkpointed else ""), prog.name, work)
    extra = dict(prog.env)
    if checkpointed:
        extra["FLOW_CHECKPOINT_SELFTEST"] = "1"
    status, out, err = env.run(prog.name, prog.args, work, prog.stdin, None, extra)
    m = SUMMARY.search(err)
    return status, out, err, written_files(work, prog), m.groups() if m else None


class Skip(Exception):
    """The program has another stateful operator that cannot be checkpointed yet."""


def check(env, prog):
    plain = run_one(env, prog, False)
    ckpt = run_one(env, prog, True)
    m = re.search(r"the \S+ at \S+ has no checkpoint functions", ckpt[2])
    if ckpt[0] != 0 and m:
        raise Skip(m.group(0))
    problems = []
    if plain[0] != ckpt[0]:
        problems.append("exit status %d, %d without checkpoints" % (ckpt[0], plain[0]))
    d = diff(plain[1], ckpt[1], "stdout")
    if d:
        problems.append("stdout differs from the run without checkpoints:\n" + d)
    for rel in sorted(set(plain[3]) | set(ckpt[3])):
        d = diff(plain[3].get(rel, "<missing>"), ckpt[3].get(rel, "<missing>"), rel)
        if d:
            problems.append("%s differs from the run without checkpoints:\n%s" % (rel, d))
    if plain[4] != ckpt[4]:
        problems.append("summary counts (read, written, late, bad) %s, %s without checkpoints"
                        % (ckpt[4], plain[4]))
    if problems:
        raise Failure("\n".join(problems) + "\n--- stderr with checkpoints ---\n" + ckpt[2][-3000:])
    return len(plain[1].splitlines())


def main():
    ap = env_arguments(__doc__)
    ap.add_argument("--only", help="run only the programs whose name contains this")
    args = ap.parse_args()
    env = Env(args)
    progs = list(case_programs(env)) + list(example_programs(env)) + list(matrix_programs())
    if args.only:
        progs = [p for p in progs if args.only in p.name]
    failed = skipped = 0
    for prog in progs:
        try:
            lines = check(env, prog)
        except Skip as e:
            print("skip %s: %s" % (prog.name, e))
            skipped += 1
            continue
        except Failure as e:
            print("FAIL %s\n%s" % (prog.name, e), file=sys.stderr)
            failed += 1
            continue
        print("ok %s (%d lines of stdout)" % (prog.name, lines))
    print("%d of %d programs identical with checkpoint round trips, %d skipped"
          % (len(progs) - failed - skipped, len(progs), skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
