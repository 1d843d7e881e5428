#!/usr/bin/env python3
"""Checkpoints of join and dedupe state: every event-time join and dedupe
case (tests/e2e/cases) and every example with a join, with
`config { checkpoint every 1s to "ckpt"; }` appended, run under
FLOW_CHECKPOINT_SELFTEST=1, which snapshots the whole program after every
round of the read loop (one record per poll), frees every operator's state
and restores it from the snapshot. stdout, every file the program writes,
the exit status and the summary's counts must equal those of the program
without the config: the generated snapshot and restore functions rebuild
the rows, groups, FIFO order and timers of interval joins, the (key,
window) groups of window joins and the bursts of dedupe, exactly.
join_processing_time is left out: its pairs depend on arrival times.
join_two_sources reads standard input, which a checkpointed program cannot:
its stdin block is given to it as a file instead. The run without the config
reads one record per poll too (FLOW_BATCH=1), as the self-test does, so that
programs of two sources (join_two_sources, fraud) interleave their sources
the same way in both runs and every output compares byte for byte.

  checkpoint_join_selftest.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_e2e import (Case, Env, Failure, diff, env_arguments, expected_files, read,  # noqa: E402
                     read_if)

CASES = ["join_interval", "join_window", "join_two_sources", "dedupe", "join_nulls", "join_param_interval",
         "join_param_window", "dedupe_param", "join_outer", "join_outer_window", "join_regular",
         "join_asymmetric"]
EXAMPLES = ["ad-clicks", "fraud"]
CONFIG = '\nconfig { checkpoint every 1s to "ckpt"; }\n'
STDIN_FILE = "stdin.csv"
# The summary's counts, without the run time.
COUNTS = re.compile(r"done after .*?: (\d+) records read .*?, (\d+) written, (\d+) late, (\d+) bad")


def case_program(env, name, work):
    """Writes the case's input files in work; returns its program text and
    the files it writes."""
    case = Case(os.path.join(env.src, "tests", "e2e", "cases", name + ".flow"))
    for block in case.files:
        with open(os.path.join(work, block[1].split()[0]), "w", encoding="utf-8", newline="") as f:
            f.write(Case.text(block))
    text = read(case.path)
    if case.stdin_block:
        with open(os.path.join(work, STDIN_FILE), "w", encoding="utf-8") as f:
            f.write(Case.text(case.stdin_block))
        text, n = re.subn(r"stdin\(format = (\w+)\)", r'file("%s", format = \1)' % STDIN_FILE, text)
        if n != 1:
            raise Failure("%s: no stdin source to read from a file" % name)
    return text, [c for c in case.output_names() if c not in case.input_names()]


def example_program(env, name, work):
    """Copies the example's data into work; returns its program text and the
    files it writes (those of its expected/)."""
    ex = os.path.join(env.src, "examples", name)
    shutil.copytree(os.path.join(ex, "data"), os.path.join(work, "data"))
    return read(os.path.join(ex, name + ".flow")), expected_files(os.path.join(ex, "expected"))


def run_in(env, text, work, exe, outputs, extra_env):
    """Builds and runs `text` in work; returns (status, stdout, summary
    counts, {output file: text}, stderr)."""
    env.build_text(text, exe, work)
    status, out, err = env.run(exe, [], work, extra_env=extra_env)
    m = COUNTS.search(err)
    if not m:
        raise Failure("%s exited with status %d, without a summary:\n%s" % (exe, status, err[-3000:]))
    return status, out, m.groups(), {f: read_if(os.path.join(work, f)) for f in outputs}, err


def check(env, kind, name):
    base = env.fresh_dir("checkpoint_join_selftest.%s" % name)
    plain_dir, ckpt_dir = os.path.join(base, "plain"), os.path.join(base, "ckpt")
    program = case_program if kind == "case" else example_program
    os.makedirs(plain_dir)
    os.makedirs(ckpt_dir)
    text, outputs = program(env, name, plain_dir)
    program(env, name, ckpt_dir)
    plain = run_in(env, text, plain_dir, "plain", outputs, {"FLOW_BATCH": "1"})
    ckpt = run_in(env, text + CONFIG, ckpt_dir, "checkpointed", outputs,
                  {"FLOW_CHECKPOINT_SELFTEST": "1"})
    problems = []
    if plain[0] != ckpt[0]:
        problems.append("exit status %d, without checkpoints %d" % (ckpt[0], plain[0]))
    d = diff(plain[1], ckpt[1], "stdout")
    if d:
        problems.append("stdout differs from the run without checkpoints:\n" + d)
    if plain[2] != ckpt[2]:
        problems.append("summary counts (read, written, late, bad) %s, without checkpoints %s"
                        % (ckpt[2], plain[2]))
    for f in outputs:
        d = diff(plain[3][f] or "", ckpt[3][f] or "", f)
        if d:
            problems.append("%s differs from the run without checkpoints:\n%s" % (f, d))
    if problems:
        raise Failure("%s %s:\n%s\n--- stderr with checkpoints ---\n%s"
                      % (kind, name, "\n".join(problems), ckpt[4][-3000:]))


def main():
    args = env_arguments(__doc__).parse_args()
    env = Env(args)
    failed = 0
    runs = [("case", c) for c in CASES] + [("example", e) for e in EXAMPLES]
    for kind, name in runs:
        try:
            check(env, kind, name)
            print("ok %s %s" % (kind, name))
        except Failure as e:
            failed += 1
            print("FAIL %s" % e, file=sys.stderr)
    print("%d passed, %d failed" % (len(runs) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
