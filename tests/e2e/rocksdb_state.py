#!/usr/bin/env python3
"""`state rocksdb` gives the results of `state memory` (docs/checkpoints.md,
"RocksDB state"): every window, join and dedupe case (tests/e2e/cases), every
example with a window and the checkpoint self-test's matrix of windows are
built as they are and with `config { state rocksdb "state"; }` appended, and
the second build runs three ways (four for the generated programs below,
with a 64 KiB cache too): with the default cache; with --state-cache 1, so that every state but the last goes through RocksDB
(evicted, read back, the window's results read from RocksDB); and
checkpointed with FLOW_CHECKPOINT_SELFTEST=1 and --state-cache 1, a snapshot
and restore after every record (not for programs that read stdin, which a
checkpointed program cannot). Exit status and summary counts must be the
memory run's; stdout and every file written must hold the same results of
each window fire: consecutive lines with the same window_end (or
window_start) compared as multisets (the store gives the results of windows
ending together in key-group and key order, memory in first-record order),
whole outputs without windows sorted. Four generated programs of thousands
of keys (a dedupe, a tumbling window with lateness, a full outer interval
join, a left window join) make the small cache evict. Under the sanitizers
every fourth program runs, and the generated ones.

Then a checkpoint's copy of the store made while the run goes on (a thread
copies RocksDB, held as it was at the barrier): with the copy slowed down
(FLOW_FAULT=store-copy-slow) so that the run evicts, fires and deletes
windows while it is held, the output file is the memory run's; a run killed
after its third checkpoint and restarted writes it byte for byte as an
uninterrupted run; a failing copy (store-copy) is a warning and the next
checkpoint is taken.

Then the options: --state-dir moves the state, --state-cache takes sizes and
refuses others, a second run on a state directory in use is refused, and a
program without `state rocksdb` neither links librocksdb nor takes the
options.

  rocksdb_state.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize] [--tsan] [--only NAME]
"""

import csv
import io
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checkpoint_window_selftest import (SUMMARY, Program, case_programs, example_programs,  # noqa: E402
                                        matrix_programs)
from run_e2e import Case, Env, Failure, env_arguments, read  # noqa: E402

STORE = '\nconfig { state rocksdb "state"; }\n'
CHECKPOINT = '\nconfig { checkpoint every 1s to "ckpt"; }\n'
VARIANTS = [
    ("rocksdb", STORE, [], {}),
    ("evicting", STORE, ["--state-cache", "1"], {}),
    ("small_cache", STORE, ["--state-cache", "64k"], {}),
    ("selftest", STORE + CHECKPOINT, ["--state-cache", "1"], {"FLOW_CHECKPOINT_SELFTEST": "1"}),
]


def other_cases(env):
    """The join and dedupe cases (the window ones come from the self-test's list)."""
    case_dir = os.path.join(env.src, "tests", "e2e", "cases")
    for f in sorted(os.listdir(case_dir)):
        if not (f.startswith("join_") or f.startswith("dedupe")) or not f.endswith(".flow"):
            continue
        case = Case(os.path.join(case_dir, f))
        files = {block[1].split()[0]: Case.text(block) for block in case.files}
        stdin = Case.text(case.stdin_block).encode() if case.stdin_block else b""
        yield Program("case." + f[:-5], read(case.path), files, case.args, case.env, stdin)


# Many keys through a small cache: states and expiry spans go to RocksDB.
GENERATED = [
    ("generated.dedupe", """\
schema G { ts : timestamp, k : int64, s : string, v : int64 }
source gen : G from generator(count = 200000, seed = 5, keys = 3000, events_per_second = 2000,
                              disorder = 800ms) event time ts watermark 300ms;
stream firsts = gen | key by k | dedupe within 2s | select ts, k, s, v;
sink firsts to stdout(format = csv);
"""),
    ("generated.tumbling", """\
schema G { ts : timestamp, k : int64, s : string, v : int64 }
source gen : G from generator(count = 200000, seed = 6, keys = 50000, events_per_second = 2000,
                              disorder = 800ms) event time ts watermark 300ms;
stream per_key = gen | key by k | window tumbling 5s lateness 1s
  | aggregate n = count(), total = sum(v), lo = min(s), kinds = count_distinct(s);
sink per_key to stdout(format = csv);
"""),
    ("generated.interval_join", """\
schema A { ts : timestamp, k : int64, s : string, v : int64 }
schema B { tb : timestamp, kb : int64, t : string }
source a : A from generator(count = 50000, seed = 5, keys = 3000, events_per_second = 4000,
                            disorder = 300ms) event time ts watermark 300ms;
source b : B from generator(count = 50000, seed = 7, keys = 3000, events_per_second = 4000,
                            disorder = 300ms) event time tb watermark 300ms;
stream j = a | key by k | join b on a.k == b.kb within 400ms full;
sink j to stdout(format = csv);
"""),
    ("generated.window_join", """\
schema A { ts : timestamp, k : int64, s : string, v : int64 }
schema B { tb : timestamp, kb : int64, t : string }
source a : A from generator(count = 200000, seed = 5, keys = 30000, events_per_second = 4000,
                            disorder = 300ms) event time ts watermark 300ms;
source b : B from generator(count = 200000, seed = 7, keys = 30000, events_per_second = 4000,
                            disorder = 300ms) event time tb watermark 300ms;
stream j = a | key by k | join b on a.k == b.kb window tumbling 2s left;
sink j to stdout(format = csv);
"""),
]


def generated_programs(env):
    """The generated programs; a tenth of the records under the sanitizers,
    where a cache of one state makes a run take minutes."""
    for name, text in GENERATED:
        if env.sanitize:
            text = re.sub(r"count = (\d+)", lambda m: "count = %d" % (int(m.group(1)) // 10), text)
        yield Program(name, text, {})


def fires(text):
    """The output as a list of window fires, each a sorted list of lines:
    consecutive lines with the same window_end, else window_start (after
    the header); an output without either is one sorted list."""
    lines = text.splitlines()
    if not lines:
        return []
    try:
        header = next(csv.reader([lines[0]]))
    except csv.Error:
        header = []
    # window_end is when a window fires (a session's too), window_start
    # where there is no end.
    names = [n for n in ("window_end", "window_start") if n in header]
    if not names:
        return [sorted(lines)]
    col = header.index(names[0])
    groups, last = [[lines[0]]], None
    for line in lines[1:]:
        row = next(csv.reader(io.StringIO(line)), [])
        start = row[col] if col < len(row) else None
        if start != last or len(groups) == 1:
            groups.append([])
        groups[-1].append(line)
        last = start
    return [sorted(g) for g in groups]


def written_files(work, prog):
    """What a run left in its directory besides the program, its inputs, its
    checkpoints and its state directory."""
    found = {}
    for root, dirs, names in os.walk(work):
        if root == work:
            dirs[:] = [d for d in dirs if d not in ("ckpt", "state")]
        for n in names:
            rel = os.path.relpath(os.path.join(root, n), work)
            if rel in (prog.name, prog.name + ".flow") or rel in prog.files:
                continue
            found[rel] = read(os.path.join(root, n))
    return found


def build(env, prog, config, built):
    """The program with `config` appended, built once (built: config -> path)."""
    if config not in built:
        work = env.fresh_dir("rocksdb_state.%s.build%d" % (prog.name, len(built)))
        env.build_text(prog.text + config, prog.name, work)
        built[config] = os.path.join(work, prog.name)
    return built[config]


def run_variant(env, prog, name, config, args, extra, built):
    work = env.fresh_dir("rocksdb_state.%s.%s" % (prog.name, name))
    for rel, content in prog.files.items():
        os.makedirs(os.path.dirname(os.path.join(work, rel)) or work, exist_ok=True)
        with open(os.path.join(work, rel), "w", encoding="utf-8", newline="") as f:
            f.write(content)
    shutil.copy(build(env, prog, config, built), os.path.join(work, prog.name))
    run_env = dict(prog.env)
    run_env.update(extra)
    status, out, err = env.run(prog.name, prog.args + args, work, prog.stdin, None, run_env)
    m = SUMMARY.search(err)
    files = written_files(work, prog)
    return status, out, err, files, m.groups() if m else None


def check(env, prog):
    built = {}
    plain = run_variant(env, prog, "memory", "", [], {}, built)
    for name, config, args, extra in VARIANTS:
        if CHECKPOINT in config and "stdin(" in prog.text:
            continue  # a checkpointed program cannot read stdin
        if name == "small_cache" and not prog.name.startswith("generated."):
            continue  # the others' states fit in 64 KiB
        got = run_variant(env, prog, name, config, args, extra, built)
        problems = []
        if plain[0] != got[0]:
            problems.append("exit status %d, %d with state memory" % (got[0], plain[0]))
        if fires(plain[1]) != fires(got[1]):
            problems.append("stdout has other results than with state memory:\n%s\n--- memory ---\n%s"
                            % (got[1][:3000], plain[1][:3000]))
        for rel in sorted(set(plain[3]) | set(got[3])):
            if fires(plain[3].get(rel, "<missing>")) != fires(got[3].get(rel, "<missing>")):
                problems.append("%s has other results than with state memory" % rel)
        if plain[4] != got[4]:
            problems.append("summary counts (read, written, late, bad) %s, %s with state memory"
                            % (got[4], plain[4]))
        if problems:
            raise Failure("%s: %s\n--- stderr ---\n%s" % (name, "\n".join(problems), got[2][-3000:]))
    return len(plain[1].splitlines())


TUMBLING = """\
schema E { ts : timestamp, k : string, v : int64 }
source events : E from file("in.csv", format = csv) event time ts watermark 0s;
stream per_key = events | key by k | window tumbling 10s | aggregate n = count(), s = sum(v);
sink per_key to stdout(format = csv);
"""


def check_options(env):
    work = env.fresh_dir("rocksdb_state.options")
    with open(os.path.join(work, "in.csv"), "w") as f:
        f.write("ts,k,v\n2024-03-01T00:00:01Z,a,1\n2024-03-01T00:00:02Z,b,2\n")
    env.build_text(TUMBLING + '\nconfig { state rocksdb "state"; }\n', "store", work)
    env.build_text(TUMBLING, "memory", work)
    want = "k,window_start,window_end,n,s\n"
    status, out, err = env.run("store", ["--state-dir", "elsewhere", "--state-cache=512k"], work)
    if status != 0 or not out.startswith(want) or len(out.splitlines()) != 3:
        raise Failure("--state-dir elsewhere: status %d\n%s%s" % (status, out, err))
    if not os.path.isdir(os.path.join(work, "elsewhere", "db")) or os.path.exists(os.path.join(work, "state")):
        raise Failure("--state-dir elsewhere did not put the store in elsewhere/db")
    for bad in ("12x", "0", "-3", ""):
        status, _, err = env.run("store", ["--state-cache", bad], work)
        if status != 2 or "--state-cache" not in err:
            raise Failure("--state-cache %r: status %d, %s" % (bad, status, err))
    status, _, err = env.run("memory", ["--state-dir", "x"], work)
    if status != 2 or "keeps its state in memory" not in err:
        raise Failure("--state-dir of a memory program: status %d, %s" % (status, err))
    # A second run on a directory in use: the first one is held up on its
    # stdin (a follow source would do too), so both are up at once.
    follow = TUMBLING.replace('file("in.csv", format = csv)', "stdin(format = csv)")
    env.build_text(follow + '\nconfig { state rocksdb "state"; }\n', "held", work)
    first = subprocess.Popen([os.path.join(work, "held")], cwd=work, stdin=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env.program_env())
    try:
        first.stdin.write(b"ts,k,v\n2024-03-01T00:00:01Z,a,1\n")
        first.stdin.flush()
        while not os.path.exists(os.path.join(work, "state", "db", "CURRENT")):
            if first.poll() is not None:
                raise Failure("the first run ended early: %s" % first.stderr.read().decode())
        status, _, err = env.run("store", [], work)
        if status != 1 or "in use by another run" not in err:
            raise Failure("a second run on a state directory in use: status %d, %s" % (status, err))
    finally:
        first.stdin.close()
        first.wait()
    if not env.sanitize:
        for exe, links in (("store", True), ("memory", False)):
            dyn = subprocess.run(["readelf", "-d", os.path.join(work, exe)], stdout=subprocess.PIPE,
                                 check=True).stdout.decode()
            if ("librocksdb" in dyn) != links:
                raise Failure("%s %s librocksdb:\n%s" % (exe, "does not link" if links else "links", dyn))


HELD = """\
schema G { ts : timestamp, k : int64, s : string, v : int64 }
source gen : G from generator(count = 200000, seed = 6, keys = 20000, events_per_second = 2000,
                              disorder = 800ms) event time ts watermark 300ms;
stream per_key = gen | key by k | window tumbling 2s lateness 1s
  | aggregate n = count(), total = sum(v), lo = min(s);
sink per_key to file("out.csv", format = csv);
"""


def run_held(env, work, fault):
    """The held program in work, in a session of its own (a kill-after-rename
    kills the process group); returns (status, stderr)."""
    run_env = env.program_env()
    run_env.pop("FLOW_FAULT", None)
    if fault:
        run_env["FLOW_FAULT"] = fault
    if env.tsan:
        run_env["TSAN_OPTIONS"] += ":suppressions=" + os.path.join(os.path.dirname(
            os.path.abspath(__file__)), "tsan-rocksdb.supp")
    p = subprocess.run([os.path.join(work, "held"), "--state-cache", "64k"], cwd=work, env=run_env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    return p.returncode, p.stderr.decode(errors="replace")


def check_held_copy(env):
    work = env.fresh_dir("rocksdb_state.held.memory")
    env.build_text(HELD, "held", work)
    status, _, err = env.run("held", [], work)
    if status != 0:
        raise Failure("state memory: status %d\n%s" % (status, err))
    want = read(os.path.join(work, "out.csv"))
    built = env.fresh_dir("rocksdb_state.held.build")
    env.build_text(HELD + STORE + '\nconfig { checkpoint every 100ms to "ckpt"; }\n', "held", built)
    def fresh(tag):
        d = env.fresh_dir("rocksdb_state.held." + tag)
        shutil.copy(os.path.join(built, "held"), os.path.join(d, "held"))
        return d
    whole = fresh("slow")
    status, err = run_held(env, whole, "store-copy-slow")
    if status != 0 or fires(read(os.path.join(whole, "out.csv"))) != fires(want):
        raise Failure("a slow copy of the store: status %d, other results than state memory\n%s"
                      % (status, err[-2000:]))
    killed = fresh("killed")
    status, err = run_held(env, killed, "store-copy-slow,kill-after-rename@3")
    if status != -9:
        raise Failure("kill-after-rename@3: status %d\n%s" % (status, err[-2000:]))
    status, err = run_held(env, killed, "store-copy-slow")
    if status != 0 or "restored from 3" not in err:
        raise Failure("the restart: status %d, not restored from checkpoint 3\n%s" % (status, err[-2000:]))
    if read(os.path.join(killed, "out.csv")) != read(os.path.join(whole, "out.csv")):
        raise Failure("killed after checkpoint 3 and restarted: out.csv is not the uninterrupted run's")
    failing = fresh("failing")
    status, err = run_held(env, failing, "store-copy@2")
    if (status != 0 or "an injected failure" not in err or
            fires(read(os.path.join(failing, "out.csv"))) != fires(want)):
        raise Failure("a failing copy (store-copy@2): status %d\n%s" % (status, err[-2000:]))


def main():
    ap = env_arguments(__doc__)
    ap.add_argument("--only", help="run only the programs whose name contains this")
    ap.add_argument("--tsan", action="store_true", help="build the programs with ThreadSanitizer")
    args = ap.parse_args()
    env = Env(args)
    progs = (list(case_programs(env)) + list(other_cases(env)) + list(example_programs(env))
             + list(matrix_programs()) + list(generated_programs(env)))
    if args.only:
        progs = [p for p in progs if args.only in p.name]
    elif env.sanitize:
        # Under the sanitizers every fourth program (the gcc run has them
        # all): their reports are about the store's memory, which the
        # generated programs and the held copy reach too.
        progs = [p for i, p in enumerate(progs) if i % 4 == 0 or p.name.startswith("generated")]
    failed = 0
    for prog in progs:
        try:
            lines = check(env, prog)
        except Failure as e:
            print("FAIL %s\n%s" % (prog.name, e), file=sys.stderr)
            failed += 1
            continue
        print("ok %s (%d lines of stdout)" % (prog.name, lines))
    if not args.only or "held" in args.only:
        try:
            check_held_copy(env)
            print("ok held copy")
        except Failure as e:
            print("FAIL held copy\n%s" % e, file=sys.stderr)
            failed += 1
    if not args.only:
        try:
            check_options(env)
            print("ok options")
        except Failure as e:
            print("FAIL options\n%s" % e, file=sys.stderr)
            failed += 1
    print("%d of %d programs give the results of state memory with state rocksdb"
          % (len(progs) - failed, len(progs)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
