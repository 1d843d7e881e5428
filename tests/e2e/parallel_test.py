#!/usr/bin/env python3
"""Parallel runs (docs/architecture.md, "Parallelism") beyond what the
e2e.par2/par4 comparisons cover:

- bounded memory: a keyed program at two workers whose sink is drained
  through a pipe by a reader at a tenth of the rate the program writes when
  nothing holds it back; the peak resident memory (GNU time) over 10x the
  input must be that over 1x plus a small margin, because the queues are
  bounded and the reading thread waits when they are full;
- `parallelism N` with `checkpoint every`: the same rows as at one worker,
  and a checkpoint of N workers restores at N only (the kill -9 harness at
  two workers is e2e.checkpoint_kill_par2);
- --stats: the worker lines, and the note of a program that has nothing to
  split;
- the embed API: flow_control_set_parallelism (flow/host.h) starts workers;
- bad records found on a worker (an aggregate's argument that fails):
  reported against their source with their line, counted, written to the
  errors= file with their text, as at one worker, and on_error="fail" stops
  the run. Before the report came back to the reading thread, they were
  "bad window results" without a line, the source counted none, the errors
  file stayed empty and on_error="fail" did not stop the run.

  parallel_test.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize] [--tsan]
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_e2e import Env, Failure, env_arguments, measured, read_peak_kb  # noqa: E402

# Every record is a new key, so dedupe lets nearly all through: the output
# is about as large as the input.
DRAIN_FLOW = """\
schema Tick { ts : timestamp, user : int64, v : int64 }
param records : int64 = 1000;
source ticks : Tick from generator(count = records, seed = 3, keys = 1000000000000,
                                   events_per_second = 100000)
  event time ts watermark 0s;
stream firsts = ticks | key by user | dedupe within 1ms;
sink firsts to stdout(format = csv);
"""

CKPT_FLOW = """\
schema Tick { ts : timestamp, user : int64, v : int64 }
source ticks : Tick from generator(count = 1000, seed = 3, keys = 10, events_per_second = 100)
  event time ts watermark 0s;
stream per_user = ticks | key by user | window tumbling 1s | aggregate n = count();
sink per_user to stdout(format = csv);
config { checkpoint every 1s; PARALLELISM }
"""

GLOBAL_FLOW = """\
schema Tick { ts : timestamp, user : int64, v : int64 }
source ticks : Tick from generator(count = 1000, seed = 3, keys = 10, events_per_second = 100)
  event time ts watermark 0s;
stream all = ticks | window tumbling 1s | aggregate n = count();
sink all to stdout(format = csv);
"""

# Every 7th record has v = 0: 10 / v fails in the window, on a worker.
BAD_FLOW = """\
schema R { k : int64, v : int64, ts : timestamp }
source rs : R from file("bad.csv", format = csv, errors = "bad_errors.txt", ON_ERROR)
  event time ts watermark 0s;
stream w = rs | key by k | window tumbling 1s | aggregate s = sum(10 / v), n = count();
sink w to stdout(format = csv);
"""
BAD_ROWS = 2000

HOST_C = """\
#include <stdio.h>
#include "flow/host.h"
FLOW_EMBEDDED_PROGRAM(drain);
int main(void)
{
    FlowControl *c = flow_control_new();
    flow_control_set_parallelism(c, 2);
    char *argv[] = { "drain", "--set", "records=20000", "--stats", NULL };
    int status = flow_run_with(flow_drain_program(), c, 4, argv);
    flow_control_destroy(c);
    return status;
}
"""

SMALL = 100000
SLACK_KB = 8 * 1024


def run_drained(env, work, exe, records, rate):
    """Runs exe over `records` records at two workers with its stdout read
    at `rate` bytes/s (None: as fast as it comes); (peak kB, bytes, seconds)."""
    prog_env = env.program_env()
    prog_env["ASAN_OPTIONS"] += ":quarantine_size_mb=1"
    err_path = os.path.join(work, "drain-err-%d.txt" % records)
    started = time.time()
    with open(err_path, "wb") as err:
        proc = subprocess.Popen(measured([os.path.join(work, exe), "--parallelism", "2",
                                 "--set", "records=%d" % records], err_path + ".peak"),
                                cwd=work, env=prog_env, stdout=subprocess.PIPE, stderr=err)
        total = 0
        chunk = 64 * 1024
        while True:
            data = proc.stdout.read(chunk) if rate is None else os.read(proc.stdout.fileno(), chunk)
            if not data:
                break
            total += len(data)
            if rate is not None:
                time.sleep(len(data) / rate)
        _, status, _ = os.wait4(proc.pid, 0)
    elapsed = time.time() - started
    with open(err_path, encoding="utf-8", errors="replace") as f:
        err_text = f.read()
    if os.waitstatus_to_exitcode(status) != 0 or ("%d records read" % records) not in err_text:
        raise Failure("the drained run over %d records failed:\n%s" % (records, err_text))
    return read_peak_kb(err_path + ".peak"), total, elapsed


def bounded_memory(env, work):
    # Under ThreadSanitizer everything is ten times slower: a tenth of the records.
    global SMALL
    if env.tsan:
        SMALL //= 10
    with open(os.path.join(work, "drain.flow"), "w") as f:
        f.write(DRAIN_FLOW)
    env.build("drain.flow", "drain", work)
    _, size, seconds = run_drained(env, work, "drain", SMALL, None)
    rate = max(size / max(seconds, 1e-3) / 10, 256 * 1024)
    small, _, _ = run_drained(env, work, "drain", SMALL, rate)
    large, _, _ = run_drained(env, work, "drain", 10 * SMALL, rate)
    if large > small + SLACK_KB:
        raise Failure("peak memory grows with the input through a slow pipe: %d kB for %d "
                      "records, %d kB for %d" % (small, SMALL, large, 10 * SMALL))
    return "drained at %.1f MB/s: peak %d kB for %d records, %d kB for %d" % (
        rate / 1e6, small, SMALL, large, 10 * SMALL)


def checkpoints(env, work):
    """A checkpointed program at two workers: its output is that of one
    worker, and its checkpoint restores at two workers only."""
    with open(os.path.join(work, "ckpt_both.flow"), "w") as f:
        f.write(CKPT_FLOW.replace("PARALLELISM", "parallelism 2;"))
    status, out, err = env.flowc_run(["check", "ckpt_both.flow"], work)
    if status != 0 or err.strip():
        raise Failure("flowc check of parallelism with checkpoints: status %d\n%s" % (status, err))
    with open(os.path.join(work, "ckpt.flow"), "w") as f:
        f.write(CKPT_FLOW.replace("PARALLELISM", ""))
    env.build("ckpt.flow", "ckpt", work)
    runs = {}
    for workers in (1, 2):
        status, out, err = env.run("ckpt", ["--parallelism", str(workers), "--no-restore"], work)
        if status != 0 or "1 taken" not in err:
            raise Failure("the checkpointed program at %d workers: status %d\n%s"
                          % (workers, status, err))
        runs[workers] = sorted(out.splitlines())
    if runs[1] != runs[2]:
        raise Failure("the checkpointed program writes other rows at two workers than at one")
    status, out, err = env.run("ckpt", ["--parallelism", "1"], work)
    want = 'it saved "parallelism 2", which this program does not have'
    if status != 1 or want not in err:
        raise Failure("a checkpoint of two workers restored at one: status %d\n%s" % (status, err))
    status, out, err = env.run("ckpt", ["--parallelism", "2"], work)
    if status != 0 or "restored from" not in err or out:
        raise Failure("a checkpoint of two workers restored at two: status %d\n%s" % (status, err))
    return "checkpoints at two workers restore at two only"


def stats(env, work):
    status, out, err = env.run("drain", ["--parallelism", "3", "--stats=0.001",
                                         "--set", "records=300000"], work)
    if status != 0 or "drain: parallelism 3: 3 workers after the exchange" not in err:
        raise Failure("--stats at --parallelism 3: status %d\n%s" % (status, err[-2000:]))
    # 300000 records take far longer than a millisecond: there are stats lines.
    lines = [l for l in err.splitlines() if l.startswith("drain:   worker 2: records ")]
    if not lines or "queue in " not in lines[0] or "watermark-lag " not in lines[0]:
        raise Failure("--stats at --parallelism 3 has no line for worker 2:\n%s" % err[-2000:])
    with open(os.path.join(work, "global.flow"), "w") as f:
        f.write(GLOBAL_FLOW)
    env.build("global.flow", "global", work)
    status, out, err = env.run("global", ["--parallelism", "2", "--stats"], work)
    want = "global: parallelism 2: runs on one worker (a stateful operator without `key by`)"
    if status != 0 or want not in err:
        raise Failure("--stats of a program without key by: status %d\n%s" % (status, err))
    return "stats: %d lines for worker 2" % len(lines)


def embedded(env, work):
    status, out, err = env.flowc_run(["emit", "drain.flow", "--embed", "-o", "drain_embed.c"],
                                     work)
    if status != 0:
        raise Failure("flowc emit --embed: %s" % err)
    with open(os.path.join(work, "host.c"), "w") as f:
        f.write(HOST_C)
    prefix = os.path.dirname(os.path.dirname(env.flowc))
    cenv = env.compiler_env()
    cc = env.cc or os.environ.get("CC", "cc")
    cmd = ([cc] + cenv["CFLAGS"].split() + ["-I", os.path.join(prefix, "include"), "host.c",
           "drain_embed.c", os.path.join(prefix, "lib", "libflowrt.a"), "-lm", "-lpthread",
           "-o", "host"] + cenv["LDFLAGS"].split())
    proc = subprocess.run(cmd, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        raise Failure("the host does not build:\n" + proc.stdout.decode("utf-8", "replace"))
    status, out, err = env.run("host", [], work)
    if status != 0 or "drain: parallelism 2: 2 workers after the exchange" not in err:
        raise Failure("flow_control_set_parallelism: status %d\n%s" % (status, err))
    return "embedded at 2 workers"


def bad_entries(path):
    """The errors file's entries (position line, record line), as a sorted list."""
    with open(path) as f:
        lines = f.read().splitlines()
    return sorted(zip(lines[0::2], lines[1::2]))


def bad_records(env, work):
    with open(os.path.join(work, "bad.csv"), "w") as f:
        f.write("k,v,ts\n")
        for i in range(BAD_ROWS):
            f.write("%d,%d,2024-01-01T00:%02d:%02d.%03dZ\n"
                    % (i % 13, i % 7, i // 600, i // 10 % 60, i % 10 * 100))
    want_bad = sum(1 for i in range(BAD_ROWS) if i % 7 == 0)
    bad_lines = {i + 2 for i in range(BAD_ROWS) if i % 7 == 0}
    for name, option in (("bad_skip", 'on_error = "skip"'), ("bad_fail", 'on_error = "fail"')):
        with open(os.path.join(work, name + ".flow"), "w") as f:
            f.write(BAD_FLOW.replace("ON_ERROR", option))
        env.build(name + ".flow", name, work)
    runs = {}
    for workers in (1, 2):
        errors = os.path.join(work, "bad_errors.txt")
        if os.path.exists(errors):
            os.remove(errors)
        status, out, err = env.run("bad_skip", ["--parallelism", str(workers)], work)
        summary = "%d records read" % BAD_ROWS
        counted = "source rs (bad.csv): %d read, %d bad" % (BAD_ROWS, want_bad)
        if status != 0 or summary not in err or counted not in err:
            raise Failure("bad records at %d workers: status %d, want '%s'\n%s"
                          % (workers, status, counted, err[-3000:]))
        shown = [l for l in err.splitlines() if l.startswith("bad_skip: bad record in source 'rs' at bad.csv:")]
        if len(shown) != 10 or "bad window result" in err:
            raise Failure("bad records at %d workers are not shown with their lines:\n%s"
                          % (workers, err[-3000:]))
        for l in shown:
            line = int(l.split("bad.csv:")[1].split(":")[0])
            if line not in bad_lines or not l.endswith("division by zero"):
                raise Failure("at %d workers, a report names line %d, which is good:\n%s"
                              % (workers, line, l))
        runs[workers] = (sorted(out.splitlines()), bad_entries(errors))
    if runs[1][0] != runs[2][0]:
        raise Failure("bad records: other rows at two workers than at one")
    if runs[1][1] != runs[2][1] or len(runs[1][1]) != want_bad:
        raise Failure("bad records: the errors file at two workers (%d entries) is not the one "
                      "at one (%d)" % (len(runs[2][1]), len(runs[1][1])))
    status, out, err = env.run("bad_fail", ["--parallelism", "2"], work)
    if status != 1 or "stopping: source 'rs' has on_error=\"fail\"" not in err:
        raise Failure("on_error=fail at two workers: status %d\n%s" % (status, err[-3000:]))
    return "bad records at two workers: %d, with their lines, as at one" % want_bad


def main():
    ap = env_arguments(__doc__)
    ap.add_argument("--tsan", action="store_true")
    args = ap.parse_args()
    env = Env(args)
    work = env.fresh_dir("parallel_test")
    try:
        report = [bounded_memory(env, work), checkpoints(env, work), stats(env, work),
                  embedded(env, work), bad_records(env, work)]
    except Failure as e:
        print("FAIL parallel_test\n%s" % e, file=sys.stderr)
        return 1
    print("ok parallel_test: " + "; ".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
