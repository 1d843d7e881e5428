#!/usr/bin/env python3
"""End-to-end tests of flowc: build .flow programs with the real compiler, run
them on real input, and compare what they write with expected output worked
out independently (the examples' expected/ directories, the case files'
comment blocks). One invocation runs one test, so that ctest can run them in
parallel and name each one:

  run_e2e.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize] [--tsan]
             [--parallelism N] example NAME | error NAME | emit NAME | case NAME

`example` builds examples/NAME and runs it on its bundled data; `error` runs
`flowc check` on tests/e2e/errors/NAME.flow and compares the diagnostics with
its `# expect:` lines; `emit` checks that the generated C of an example is
byte-identical across runs and working directories; `case` runs one of the
small programs under tests/e2e/cases/ (format: tests/e2e/README.md); with
--parallelism N, `case` instead compares the case's run at N workers with
its run at one (run_case_parallel).

Generated programs are always compiled with -std=c11 -Wall -Wextra -Werror,
and with AddressSanitizer and UndefinedBehaviorSanitizer under --sanitize.
Python 3 standard library only."""

import argparse
import difflib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time

WARNING_FLAGS = "-std=c11 -Wall -Wextra -Werror"
SANITIZE_FLAGS = "-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
RUN_TIMEOUT = 120  # seconds; generous for sanitized builds on a busy machine


class Failure(Exception):
    """A test failed; the message says how, with a diff where there is one."""


# ---- running things ---------------------------------------------------------

def env_arguments(doc):
    """The command line every e2e script takes (what Env needs); a script
    adds its own options to it."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--flowc", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--cc", default=None, help="C compiler for generated programs (default: $CC or cc)")
    ap.add_argument("--sanitize", action="store_true")
    return ap


def measured(argv, peak_path):
    """argv under GNU time, which writes the program's peak resident size (kB)
    to peak_path: os.wait4's figure for a child of this Python starts at this
    Python's own size, copied at the fork, which would hide the program's."""
    return ["/usr/bin/time", "-f", "%M", "-o", peak_path] + argv


def read_peak_kb(peak_path):
    """The peak that measured() wrote (its last line: a killed program's first
    one says so)."""
    with open(peak_path, encoding="utf-8") as f:
        return int(f.read().split()[-1])


class Env:
    def __init__(self, args):
        self.flowc = os.path.abspath(args.flowc)
        self.src = os.path.abspath(args.source_dir)
        self.work = os.path.abspath(args.work)
        self.cc = args.cc
        self.sanitize = args.sanitize
        self.tsan = getattr(args, "tsan", False)

    def fresh_dir(self, name):
        """An empty directory of its own for one test (rerunnable, parallel-safe:
        a script's run at FLOW_PARALLELISM workers, which ctest may run beside
        the plain one, gets a directory of its own)."""
        workers = os.environ.get("FLOW_PARALLELISM")
        path = os.path.join(self.work, name + ("_par" + workers if workers else ""))
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        return path

    def compiler_env(self):
        env = dict(os.environ)
        if self.cc:
            env["CC"] = self.cc
        cflags = WARNING_FLAGS
        ldflags = ""
        if self.sanitize:
            cflags += " " + SANITIZE_FLAGS
            ldflags = "-fsanitize=address,undefined"
        if self.tsan:
            cflags += " -fsanitize=thread -fno-omit-frame-pointer"
            ldflags = "-fsanitize=thread"
        env["CFLAGS"] = cflags
        env["LDFLAGS"] = ldflags
        return env

    def program_env(self):
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:exitcode=86"
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:exitcode=87"
        env["TSAN_OPTIONS"] = "halt_on_error=1:exitcode=66"
        return env

    def flowc_run(self, argv, cwd, env=None):
        proc = subprocess.run([self.flowc] + argv, cwd=cwd, env=env or os.environ.copy(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")

    def build(self, flow_file, exe, cwd):
        """flowc build with the warning (and sanitizer) flags; fails the test on any error."""
        status, out, err = self.flowc_run(["build", flow_file, "-o", exe], cwd, self.compiler_env())
        if status != 0 or not os.path.exists(os.path.join(cwd, exe)):
            raise Failure("flowc build %s failed with status %d\n%s%s" % (flow_file, status, out, err))
        if err.strip():
            raise Failure("flowc build %s printed diagnostics:\n%s" % (flow_file, err))

    def build_text(self, text, exe, cwd):
        """Writes a program's text to EXE.flow in cwd and builds it as exe, as build does."""
        with open(os.path.join(cwd, exe + ".flow"), "w") as f:
            f.write(text)
        self.build(exe + ".flow", exe, cwd)

    def run_ok(self, exe, cwd):
        """Runs a built program without arguments; its (stdout, stderr). A
        non-zero status fails the test with the end of its stderr."""
        status, out, err = self.run(exe, [], cwd)
        if status != 0:
            raise Failure("%s exited with status %d:\n%s" % (exe, status, err[-3000:]))
        return out, err

    def run(self, exe, args, cwd, stdin=b"", signal_after=None, extra_env=None):
        """Run a built program; returns (status, stdout, stderr) as text. With
        signal_after=(sig, seconds), send sig after that long and wait for the stop;
        extra_env adds variables to its environment."""
        prog_env = self.program_env()
        prog_env.update(extra_env or {})
        proc = subprocess.Popen([os.path.join(cwd, exe)] + args, cwd=cwd, env=prog_env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if signal_after:
            sig, seconds = signal_after
            # Drain the pipes while waiting so the program never blocks on a full pipe.
            timer = threading.Timer(seconds, lambda: proc.poll() is None and proc.send_signal(sig))
            timer.start()
            try:
                out, err = proc.communicate(stdin, timeout=seconds + 30)
            finally:
                timer.cancel()
        else:
            try:
                out, err = proc.communicate(stdin, timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                raise Failure("%s %s did not finish within %d s" % (exe, " ".join(args), RUN_TIMEOUT))
        err_text = err.decode("utf-8", "replace")
        if re.search(r"(AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error:)", err_text):
            raise Failure("sanitizer report from %s:\n%s" % (exe, err_text))
        return proc.returncode, out.decode("utf-8", "replace"), err_text


# ---- comparing --------------------------------------------------------------

def show(text):
    """Make line ends and trailing blanks visible in diffs."""
    return text.replace("\r", "\\r")


def diff(expected, actual, what, max_lines=80):
    """Empty when equal, else a unified diff of the two texts, with a note on
    a missing final newline (the only difference a line diff would hide)."""
    if expected == actual:
        return ""
    lines = list(difflib.unified_diff(show(expected).splitlines(True), show(actual).splitlines(True),
                                      "expected " + what, "actual " + what, n=2))
    if not lines:
        lines = ["%s: texts differ only in the final newline (expected %r, actual %r)\n"
                 % (what, expected[-20:], actual[-20:])]
    out = "".join(l if l.endswith("\n") else l + "\n" for l in lines[:max_lines])
    if len(lines) > max_lines:
        out += "... (%d more diff lines)\n" % (len(lines) - max_lines)
    return out


def sorted_lines(text, keep_header):
    lines = text.splitlines(True)
    head = lines[:1] if keep_header else []
    return "".join(head + sorted(lines[len(head):]))


# Program stderr holds, besides the bad-record reports, a summary with
# timings; these vary between runs and are masked before any comparison.
TIMING = re.compile(r"\d+(\.\d+)?(e[+-]?\d+)?(\s*)(ns|us|µs|ms|s|sec|seconds|records/s|rec/s|/s)\b")


def normalize_stderr(text):
    return TIMING.sub(r"<T>\3\4", text)


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def read_if(path):
    return read(path) if os.path.exists(path) else None


# ---- examples -----------------------------------------------------------------

def example_runs(expected_dir):
    """An example has one run described by expected/ itself, or several, one
    per subdirectory of expected/ holding an `args` file."""
    subs = sorted(d for d in os.listdir(expected_dir)
                  if os.path.isfile(os.path.join(expected_dir, d, "args")))
    if subs:
        return [(d, os.path.join(expected_dir, d)) for d in subs]
    return [("default", expected_dir)]


def expected_files(run_dir):
    """Files the program must write: everything under expected/ except the
    run's own description (args, stdout, stderr, status) and other runs."""
    special = {"args", "stdout", "stderr", "status"}
    found = []
    for root, dirs, files in os.walk(run_dir):
        if root == run_dir:
            dirs[:] = [d for d in dirs if not os.path.isfile(os.path.join(root, d, "args"))]
        for f in files:
            rel = os.path.relpath(os.path.join(root, f), run_dir)
            if root == run_dir and f in special:
                continue
            found.append(rel)
    return sorted(found)


def check_stderr(expected, actual):
    """expected/stderr holds the program's whole stderr with timings masked
    as <T> (see normalize_stderr)."""
    return diff(expected, normalize_stderr(actual), "stderr")


def run_example(env, name):
    ex_dir = os.path.join(env.src, "examples", name)
    flows = [f for f in os.listdir(ex_dir) if f.endswith(".flow")]
    if len(flows) != 1:
        raise Failure("%s: expected exactly one .flow file, found %s" % (ex_dir, flows))
    flow = flows[0]
    exe = flow[:-5]
    problems = []
    for run_name, run_dir in example_runs(os.path.join(ex_dir, "expected")):
        # A fresh copy of the example per run: file sinks start from nothing.
        work = env.fresh_dir("example.%s.%s" % (name, run_name))
        shutil.copy(os.path.join(ex_dir, flow), work)
        if os.path.isdir(os.path.join(ex_dir, "data")):
            shutil.copytree(os.path.join(ex_dir, "data"), os.path.join(work, "data"))
        env.build(flow, exe, work)
        args = shlex.split(read_if(os.path.join(run_dir, "args")) or "")
        status, out, err = env.run(exe, args, work)
        label = "[%s %s] " % (name, run_name)
        want_status = int((read_if(os.path.join(run_dir, "status")) or "0").strip())
        if status != want_status:
            problems.append("%sexit status %d, expected %d; stderr:\n%s" % (label, status, want_status, err))
        d = diff(read_if(os.path.join(run_dir, "stdout")) or "", out, "stdout")
        if d:
            problems.append(label + "stdout differs:\n" + d)
        want_err = read_if(os.path.join(run_dir, "stderr"))
        if want_err is not None:
            d = check_stderr(want_err, err)
            if d:
                problems.append(label + "stderr differs:\n" + d)
        for rel in expected_files(run_dir):
            got = read_if(os.path.join(work, rel))
            if got is None:
                problems.append("%sdid not write %s" % (label, rel))
                continue
            d = diff(read(os.path.join(run_dir, rel)), got, rel)
            if d:
                problems.append("%s%s differs:\n%s" % (label, rel, d))
    if problems:
        raise Failure("\n".join(problems))


def run_example_parallel(env, name):
    """Each run of the example at one worker and at env.parallelism: the same
    status, stdout and files, compared as run_case_parallel does."""
    ex_dir = os.path.join(env.src, "examples", name)
    flow = [f for f in os.listdir(ex_dir) if f.endswith(".flow")][0]
    exe = flow[:-5]
    problems = []
    for run_name, run_dir in example_runs(os.path.join(ex_dir, "expected")):
        got = []
        for workers in (1, env.parallelism):
            work = env.fresh_dir("example_par.%s.%s.%d" % (name, run_name, workers))
            shutil.copy(os.path.join(ex_dir, flow), work)
            if os.path.isdir(os.path.join(ex_dir, "data")):
                shutil.copytree(os.path.join(ex_dir, "data"), os.path.join(work, "data"))
            env.build(flow, exe, work)
            args = shlex.split(read_if(os.path.join(run_dir, "args")) or "")
            status, out, err = env.run(exe, args + ["--parallelism", str(workers)], work)
            files = {rel: read_if(os.path.join(work, rel)) or "" for rel in expected_files(run_dir)}
            got.append((status, out, files))
        (s1, out1, files1), (sn, outn, filesn) = got
        label = "[%s %s] " % (name, run_name)
        if s1 != sn:
            problems.append("%sexit status %d at --parallelism %d, %d at 1"
                            % (label, sn, env.parallelism, s1))
        problems += [label + p for p in same_results("stdout", out1, outn, env.parallelism)]
        for rel in files1:
            problems += [label + p for p in same_results(rel, files1[rel], filesn[rel],
                                                         env.parallelism)]
    if problems:
        raise Failure("\n".join(problems))


# ---- compile errors -----------------------------------------------------------

EXPECT = re.compile(r"^#\s*expect:\s*(\d+):(\d+):\s*(error|warning|note):\s?(.*)$")
DIAG = re.compile(r"^(.+?):(\d+):(\d+): (error|warning|note): (.*)$")


def run_error(env, name, err_dir=None, ext=".flow", comment="#"):
    """`flowc check` of ERR_DIR/NAME.EXT against its leading `COMMENT expect:`
    lines (a .sql file's are `-- expect:`, tests/e2e/sql_test.py)."""
    err_dir = err_dir or os.path.join(env.src, "tests", "e2e", "errors")
    flow = name + ext
    src_lines = read(os.path.join(err_dir, flow)).split("\n")
    expect = EXPECT if comment == "#" else re.compile("^" + re.escape(comment) + EXPECT.pattern[2:])
    expected = []
    for line in src_lines:
        m = expect.match(line)
        if m:
            expected.append("%s:%s:%s: %s: %s" % (flow, m.group(1), m.group(2), m.group(3), m.group(4)))
        elif not line.startswith(comment):
            break
    if not expected:
        raise Failure("%s has no '%s expect:' lines at its top" % (flow, comment))
    # Notes are compared only in files that list some.
    with_notes = any(": note: " in e for e in expected)
    status, out, err = env.flowc_run(["check", flow], err_dir)
    lines = err.split("\n")
    got = []
    problems = []
    i = 0
    while i < len(lines):
        m = DIAG.match(lines[i])
        if not m:
            i += 1
            continue
        kind = m.group(4)
        if kind != "note" or with_notes:
            got.append(lines[i])
        # Each message is followed by its source line and a caret under the column.
        line_no, col = int(m.group(2)), int(m.group(3))
        if m.group(1) != flow:
            problems.append("diagnostic names file %r, expected %r: %s" % (m.group(1), flow, lines[i]))
        if 1 <= line_no <= len(src_lines):
            want_src = src_lines[line_no - 1]
            caret = "".join("\t" if c == "\t" else " " for c in want_src[:col - 1]) + "^"
            got_src = lines[i + 1] if i + 1 < len(lines) else None
            got_caret = lines[i + 2] if i + 2 < len(lines) else None
            if got_src != want_src or got_caret != caret:
                problems.append("after %r expected the source line and caret\n  %r\n  %r\ngot\n  %r\n  %r"
                                % (lines[i], want_src, caret, got_src, got_caret))
            i += 3
        else:
            if kind != "note":
                problems.append("diagnostic points outside the file: " + lines[i])
            i += 1
    d = diff("\n".join(expected) + "\n", "\n".join(got) + "\n" if got else "", "diagnostics")
    if d:
        problems.append("diagnostics differ:\n" + d + "\nfull stderr of flowc check:\n" + err)
    want_status = 1 if any(": error: " in e for e in expected) else 0
    if status != want_status:
        problems.append("flowc check exit status %d, expected %d" % (status, want_status))
    if out.strip():
        problems.append("flowc check wrote to stdout:\n" + out)
    if problems:
        raise Failure("\n".join(problems))


# ---- determinism of the generated C ----------------------------------------------

LINE_DIRECTIVE = re.compile(r'^#line (\d+) "([^"]*)"', re.M)


def run_emit(env, name):
    ex_dir = os.path.join(env.src, "examples", name)
    flow = [f for f in os.listdir(ex_dir) if f.endswith(".flow")][0]
    a = env.fresh_dir("emit.%s.a" % name)
    b = env.fresh_dir("emit.%s.b" % name)
    shutil.copy(os.path.join(ex_dir, flow), a)
    outputs = []
    # Twice from the file's own directory, once from elsewhere through a relative path.
    for cwd, path, out in ((a, flow, "first.c"), (a, flow, "second.c"),
                           (b, os.path.join("..", os.path.basename(a), flow), "other_dir.c")):
        status, o, e = env.flowc_run(["emit", path, "-o", out], cwd)
        if status != 0:
            raise Failure("flowc emit %s (in %s) failed with status %d:\n%s%s" % (path, cwd, status, o, e))
        with open(os.path.join(cwd, out), "rb") as f:
            outputs.append((out, f.read()))
    problems = []
    for out, data in outputs[1:]:
        if data != outputs[0][1]:
            problems.append("%s differs from first.c:\n%s" % (out, diff(
                outputs[0][1].decode("utf-8", "replace"), data.decode("utf-8", "replace"), "C")))
    if b"/" + os.path.basename(a).encode() in outputs[0][1] or env.work.encode() in outputs[0][1]:
        problems.append("the generated C contains a path of the build machine")

    status, o, e = env.flowc_run(["emit", flow, "--line-directives", "-o", "lines.c"], a)
    if status != 0:
        raise Failure("flowc emit --line-directives failed with status %d:\n%s%s" % (status, o, e))
    text = read(os.path.join(a, "lines.c"))
    nlines = read(os.path.join(a, flow)).count("\n") + 1
    refs = [(int(n), f) for n, f in LINE_DIRECTIVE.findall(text)]
    flow_refs = [n for n, f in refs if os.path.basename(f) == flow]
    if not flow_refs:
        problems.append("--line-directives output has no #line naming %s" % flow)
    elif any(n < 1 or n > nlines for n in flow_refs):
        problems.append("#line numbers outside %s (1..%d): %s" % (flow, nlines, sorted(set(flow_refs))))
    # The annotated C must compile as cleanly as the plain one.
    cc = env.cc or os.environ.get("CC", "cc")
    include = os.path.join(os.path.dirname(os.path.dirname(env.flowc)), "include")
    proc = subprocess.run([cc] + WARNING_FLAGS.split() + ["-I", include, "-c", "lines.c", "-o", "lines.o"],
                          cwd=a, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        problems.append("C with #line directives does not compile:\n" + proc.stdout.decode("utf-8", "replace"))
    if problems:
        raise Failure("\n".join(problems))


# ---- small case programs --------------------------------------------------------------

DIRECTIVE = re.compile(r"^#\s*([a-z-]+)(?:\s+([^:]*?))?\s*:\s?(.*)$")
BLOCK_LINE = re.compile(r"^#\s*\| ?(.*)$")
BLOCKS = {"file", "stdin", "stdout", "stdout-sorted", "output", "output-sorted", "stderr"}
SINGLES = {"args", "env", "status", "signal", "runs", "stdout-lines", "stderr-has", "stderr-lacks",
           "stderr-match", "bad", "output-lines", "key-columns"}


class Case:
    """The expectations written in a case file's comments (tests/e2e/README.md)."""

    def __init__(self, path):
        self.path = path
        self.files = []        # file blocks: (key, "NAME [options]", lines)
        self.stdin_block = None
        self.args = []
        self.env = {}
        self.status = 0
        self.signal = None
        self.runs = 1
        self.key_columns = {}  # output ("stdout" or a file) -> the 1-based columns of its key
        self.checks = []       # (key, arg, rest) of single directives, blocks as above
        block = None
        for line in read(path).split("\n"):
            if not line.startswith("#"):
                block = None
                continue
            bm = BLOCK_LINE.match(line)
            if bm and block is not None:
                block[2].append(bm.group(1))
                continue
            block = None
            m = DIRECTIVE.match(line)
            if not m or (m.group(1) not in BLOCKS and m.group(1) not in SINGLES):
                continue
            key, arg, rest = m.group(1), (m.group(2) or "").strip(), m.group(3).strip()
            if key in BLOCKS:
                block = (key, arg, [])
                self._add_block(block)
            elif key == "args":
                self.args = shlex.split(rest)
            elif key == "env":
                var, _, value = rest.partition("=")
                self.env[var] = value
            elif key == "status":
                self.status = int(rest)
            elif key == "signal":
                name, seconds = rest.split()
                self.signal = (getattr(signal, "SIG" + name), float(seconds))
            elif key == "runs":
                self.runs = int(rest)
            elif key == "key-columns":
                self.key_columns[arg] = [int(c) for c in rest.split(",")]
            else:
                self.checks.append((key, arg, rest))

    def _add_block(self, block):
        key = block[0]
        if key == "file":
            self.files.append(block)
        elif key == "stdin":
            self.stdin_block = block
        else:
            self.checks.append(block)

    def output_names(self):
        """The files the program writes that the case looks at."""
        return sorted({c[1].split()[0] for c in self.checks
                       if c[0] in ("output", "output-sorted", "output-lines")})

    def input_names(self):
        """The files written before the run; an `output` check of one of them
        is what it holds after the run (an input the program must not touch)."""
        return {block[1].split()[0] for block in self.files}

    @staticmethod
    def text(block):
        """A block's lines as file content: `NAME crlf` ends lines with CRLF,
        `NAME noeol` leaves the last line without an end."""
        opts = block[1].split()[1:] if block[0] in ("file", "output", "output-sorted") else block[1].split()
        eol = "\r\n" if "crlf" in opts else "\n"
        text = eol.join(block[2])
        if "noeol" not in opts and block[2]:
            text += eol
        return text


def run_case(env, name):
    case_dir = os.path.join(env.src, "tests", "e2e", "cases")
    case = Case(os.path.join(case_dir, name + ".flow"))
    work = env.fresh_dir("case." + name)
    shutil.copy(case.path, work)
    for block in case.files:
        fname = block[1].split()[0]
        os.makedirs(os.path.dirname(os.path.join(work, fname)) or work, exist_ok=True)
        with open(os.path.join(work, fname), "w", encoding="utf-8", newline="") as f:
            f.write(Case.text(block))
    stdin = Case.text(case.stdin_block).encode() if case.stdin_block else b""
    env.build(name + ".flow", name, work)

    results = []
    for i in range(case.runs):
        for fname in case.output_names():
            if fname not in case.input_names() and os.path.exists(os.path.join(work, fname)):
                os.remove(os.path.join(work, fname))
        status, out, err = env.run(name, case.args, work, stdin, case.signal, case.env)
        outputs = {}
        for fname in case.output_names():
            outputs[fname] = read_if(os.path.join(work, fname))
        results.append((status, out, err, outputs))

    problems = []
    status, out, err, outputs = results[0]
    if status != case.status:
        problems.append("exit status %d, expected %d" % (status, case.status))
    for check in case.checks:
        kind, arg = check[0], check[1]
        if kind == "stdout":
            d = diff(Case.text(check), out, "stdout")
            if d:
                problems.append("stdout differs:\n" + d)
        elif kind == "stdout-sorted":
            d = diff(sorted_lines(Case.text(check), "header" in arg), sorted_lines(out, "header" in arg),
                     "stdout (lines sorted)")
            if d:
                problems.append("stdout differs (as a multiset of lines):\n" + d)
        elif kind in ("output", "output-sorted"):
            fname = arg.split()[0]
            got = outputs.get(fname)
            if got is None:
                problems.append("the program did not write " + fname)
                continue
            want = Case.text(check)
            if kind == "output-sorted":
                want, got = sorted_lines(want, "header" in arg), sorted_lines(got, "header" in arg)
            d = diff(want, got, fname)
            if d:
                problems.append("%s differs:\n%s" % (fname, d))
        elif kind == "stderr":
            d = check_stderr(Case.text(check), err)
            if d:
                problems.append("stderr differs:\n" + d)
        elif kind == "stdout-lines":
            n = len(out.splitlines())
            if n != int(check[2]):
                problems.append("stdout has %d lines, expected %s" % (n, check[2]))
        elif kind == "output-lines":
            got = outputs.get(arg)
            n = len(got.splitlines()) if got is not None else -1
            if n != int(check[2]):
                problems.append("%s has %d lines, expected %s" % (arg, n, check[2]))
        elif kind == "stderr-has":
            if check[2] not in err:
                problems.append("stderr lacks %r" % check[2])
        elif kind == "stderr-lacks":
            if check[2] in err:
                problems.append("stderr should not contain %r" % check[2])
        elif kind == "stderr-match":
            if not re.search(check[2], err, re.M):
                problems.append("no stderr line matches /%s/" % check[2])
        elif kind == "bad":
            problems += check_bad_count(err, int(check[2]), arg)
    for i, (s2, out2, err2, outputs2) in enumerate(results[1:], 2):
        if s2 != status:
            problems.append("run %d: exit status %d, run 1 had %d" % (i, s2, status))
        d = diff(out, out2, "stdout of run %d" % i)
        if d:
            problems.append("run %d is not identical to run 1:\n%s" % (i, d))
        for fname in outputs:
            d = diff(outputs[fname] or "", outputs2.get(fname) or "", "%s of run %d" % (fname, i))
            if d:
                problems.append("run %d wrote a different %s:\n%s" % (i, fname, d))
    if problems:
        raise Failure("\n".join(problems) + "\n--- program stderr ---\n" + err)


def key_order(text, columns):
    """The lines of each value of the key columns (the first, unless the case
    says `# key-columns OUTPUT: N,M`), in order."""
    groups = {}
    for line in text.splitlines():
        fields = line.split(",")
        key = tuple(fields[c - 1] if c <= len(fields) else "" for c in columns)
        groups.setdefault(key, []).append(line)
    return groups


def same_results(what, one, many, workers, columns=(1,)):
    """Problems of output `many` (at N workers) against `one` (at one): the
    same multiset of lines, and the lines of each key in the same order (the
    order across keys is not defined with several workers)."""
    if one == many:
        return []
    header = not what.endswith((".json", ".jsonl"))  # JSON lines have no header line
    d = diff(sorted_lines(one, header), sorted_lines(many, header), "%s (lines sorted)" % what)
    if d:
        return ["%s at --parallelism %d is not the same multiset as at 1:\n%s" % (what, workers, d)]
    a, b = key_order(one, columns), key_order(many, columns)
    bad = [k for k in a if a[k] != b.get(k)]
    if bad:
        return ["%s at --parallelism %d: the lines starting %r are in another order than at 1"
                % (what, workers, bad[0])]
    return []


def run_case_parallel(env, name):
    """The case at one worker and at env.parallelism: the same exit status,
    stdout, output files and stderr (lines sorted: the workers' reports
    interleave), each key's lines in the same order."""
    case_dir = os.path.join(env.src, "tests", "e2e", "cases")
    case = Case(os.path.join(case_dir, name + ".flow"))
    work = env.fresh_dir("case_par%d.%s" % (env.parallelism, name))
    shutil.copy(case.path, work)
    stdin = Case.text(case.stdin_block).encode() if case.stdin_block else b""
    env.build(name + ".flow", name, work)
    results = []
    for workers in (1, env.parallelism):
        for block in case.files:
            fname = block[1].split()[0]
            os.makedirs(os.path.dirname(os.path.join(work, fname)) or work, exist_ok=True)
            with open(os.path.join(work, fname), "w", encoding="utf-8", newline="") as f:
                f.write(Case.text(block))
        for fname in case.output_names():
            if fname not in case.input_names() and os.path.exists(os.path.join(work, fname)):
                os.remove(os.path.join(work, fname))
        args = case.args + ["--parallelism", str(workers)]
        status, out, err = env.run(name, args, work, stdin, case.signal, case.env)
        outputs = {f: read_if(os.path.join(work, f)) for f in case.output_names()}
        results.append((status, out, err, outputs))
    (s1, out1, err1, files1), (sn, outn, errn, filesn) = results
    problems = []
    if s1 != sn:
        problems.append("exit status %d at --parallelism %d, %d at 1" % (sn, env.parallelism, s1))
    if case.signal:
        # Where a signal stops the run depends on timing: only the status is compared.
        return
    problems += same_results("stdout", out1, outn, env.parallelism,
                             case.key_columns.get("stdout", [1]))
    for fname in files1:
        problems += same_results(fname, files1[fname] or "", filesn.get(fname) or "",
                                 env.parallelism, case.key_columns.get(fname, [1]))
    # With --stats, the run at N says how many workers it has.
    note = re.compile(r"^[^:]*: parallelism %d: .*\n" % env.parallelism, re.M)
    e1 = sorted_lines(normalize_stderr(err1), False)
    en = sorted_lines(normalize_stderr(note.sub("", errn)), False)
    d = diff(e1, en, "stderr (lines sorted)")
    if d:
        problems.append("stderr at --parallelism %d differs from 1:\n%s" % (env.parallelism, d))
    if problems:
        raise Failure("\n".join(problems) + "\n--- program stderr at %d ---\n%s"
                      % (env.parallelism, errn))


SUMMARY_BAD = re.compile(r"(\d+) bad")


def check_bad_count(err, want, source):
    """The summary must count `want` bad records (for the source named, if any)."""
    for line in err.splitlines():
        if source and source not in line:
            continue
        m = SUMMARY_BAD.search(line)
        if m and int(m.group(1)) == want:
            return []
    return ["the summary does not report %d bad records%s" % (want, " for " + source if source else "")]


# ---- main ----------------------------------------------------------------------------------

KINDS = {"example": run_example, "error": run_error, "emit": run_emit, "case": run_case}


def main():
    ap = env_arguments(__doc__)
    ap.add_argument("--tsan", action="store_true",
                    help="build the programs with ThreadSanitizer (the FLOW_TSAN build)")
    ap.add_argument("--parallelism", type=int, default=1,
                    help="case: compare the run at N workers with the run at one")
    ap.add_argument("kind", choices=sorted(KINDS))
    ap.add_argument("name")
    args = ap.parse_args()
    env = Env(args)
    env.parallelism = args.parallelism
    started = time.time()
    try:
        if args.kind == "case" and args.parallelism > 1:
            run_case_parallel(env, args.name)
        elif args.kind == "example" and args.parallelism > 1:
            run_example_parallel(env, args.name)
        else:
            KINDS[args.kind](env, args.name)
    except Failure as e:
        print("FAIL %s %s\n%s" % (args.kind, args.name, e), file=sys.stderr)
        return 1
    except subprocess.TimeoutExpired as e:
        print("FAIL %s %s: timed out: %s" % (args.kind, args.name, e), file=sys.stderr)
        return 1
    print("ok %s %s (%.1f s)" % (args.kind, args.name, time.time() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
