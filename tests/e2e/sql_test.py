#!/usr/bin/env python3
"""End-to-end tests of the Flink SQL front end (docs/sql.md):

  sql_test.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize] twin NAME | error NAME

`twin` builds tests/e2e/sql/NAME.sql and its hand-written twin NAME.flow, a
case file whose comments give the input and the expected output
(tests/e2e/README.md): both programs must write what the case expects, the
same as each other, and their generated C and their plans must be the same
once comments and source locations (which name the .sql or .flow file) are
left out; a twin marked `# emit-only` (its connectors need a Kafka broker or a
PostgreSQL server) is compared by its C and its plan only. `error`
runs `flowc check` on tests/e2e/sql_errors/NAME.sql and compares the
diagnostics with its `-- expect: LINE:COL: error: MESSAGE` lines, each
followed by its source line and a caret."""

import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_e2e  # noqa: E402
from run_e2e import Case, Env, Failure, diff, read, read_if, sorted_lines  # noqa: E402


def normalized_c(text, name):
    """The generated C without comments, and with the program's file name and
    every place in it made alike."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = text.replace(name, "JOB")
    return re.sub(r"JOB:\d+(:\d+)?", "JOB:L", text)


def run_program(env, case, work, exe):
    for fname in case.output_names():
        if fname not in case.input_names() and os.path.exists(os.path.join(work, fname)):
            os.remove(os.path.join(work, fname))
    stdin = Case.text(case.stdin_block).encode() if case.stdin_block else b""
    status, out, err = env.run(exe, case.args, work, stdin, None, case.env)
    outputs = {f: read_if(os.path.join(work, f)) for f in case.output_names()}
    return status, out, err, outputs


def check_expectations(case, result, what):
    status, out, err, outputs = result
    problems = []
    if status != case.status:
        problems.append("%s: exit status %d, expected %d\n%s" % (what, status, case.status, err))
    for check in case.checks:
        kind, arg = check[0], check[1]
        if kind == "stdout":
            d = diff(Case.text(check), out, "stdout")
        elif kind == "stdout-sorted":
            d = diff(sorted_lines(Case.text(check), "header" in arg),
                     sorted_lines(out, "header" in arg), "stdout (sorted)")
        elif kind in ("output", "output-sorted"):
            fname = arg.split()[0]
            got = outputs.get(fname)
            if got is None:
                problems.append("%s did not write %s" % (what, fname))
                continue
            want = Case.text(check)
            if kind == "output-sorted":
                want, got = sorted_lines(want, "header" in arg), sorted_lines(got, "header" in arg)
            d = diff(want, got, fname)
        elif kind == "stderr-has":
            d = "" if check[2] in err else "stderr lacks %r" % check[2]
        else:
            continue
        if d:
            problems.append("%s: %s differs:\n%s" % (what, kind, d))
    return problems


def run_twin(env, name):
    src_dir = os.path.join(env.src, "tests", "e2e", "sql")
    case = Case(os.path.join(src_dir, name + ".flow"))
    work = env.fresh_dir("sql." + name)
    for ext in (".sql", ".flow"):
        shutil.copy(os.path.join(src_dir, name + ext), work)
    for block in case.files:
        fname = block[1].split()[0]
        os.makedirs(os.path.dirname(os.path.join(work, fname)) or work, exist_ok=True)
        with open(os.path.join(work, fname), "w", encoding="utf-8", newline="") as f:
            f.write(Case.text(block))
    problems = []
    c_texts = {}
    for ext in (".sql", ".flow"):
        status, out, err = env.flowc_run(["emit", name + ext, "-o", name + ext + ".c"], work)
        if status != 0:
            raise Failure("flowc emit %s%s failed with status %d:\n%s" % (name, ext, status, err))
        c_texts[ext] = normalized_c(read(os.path.join(work, name + ext + ".c")), name + ext)
    d = diff(c_texts[".flow"], c_texts[".sql"], "generated C (.flow twin, then .sql)")
    if d:
        problems.append("the SQL job and its .flow twin generate different C:\n" + d)
    # flowc explain prints the same plan for both, but for the places.
    plans = {}
    for ext in (".sql", ".flow"):
        status, out, err = env.flowc_run(["explain", name + ext], work)
        if status != 0:
            raise Failure("flowc explain %s%s failed with status %d:\n%s"
                          % (name, ext, status, err))
        out = out.replace(name + ext, "JOB")
        out = re.sub(r"JOB:\d+(:\d+)?", "JOB:L", out)
        plans[ext] = re.sub(r"(?m)^(\s*)\d+:\d+ ", r"\1L:C ", out)
    d = diff(plans[".flow"], plans[".sql"], "flowc explain (.flow twin, then .sql)")
    if d:
        problems.append("flowc explain of the SQL job and of its twin differ:\n" + d)
    # A twin whose connectors need services (Kafka, PostgreSQL) is compared
    # by its C and plan only.
    if re.search(r"(?m)^# emit-only$", read(case.path)):
        if problems:
            raise Failure("\n".join(problems))
        return
    results = {}
    for ext, exe in ((".sql", name + "_sql"), (".flow", name + "_flow")):
        env.build(name + ext, exe, work)
        results[ext] = run_program(env, case, work, exe)
        problems += check_expectations(case, results[ext], name + ext)
    if results[".sql"][1] != results[".flow"][1]:
        problems.append("stdout of the SQL job and of its twin differ:\n" +
                        diff(results[".flow"][1], results[".sql"][1], "stdout"))
    if problems:
        raise Failure("\n".join(problems))


def run_error(env, name):
    run_e2e.run_error(env, name, os.path.join(env.src, "tests", "e2e", "sql_errors"), ".sql", "--")


KINDS = {"twin": run_twin, "error": run_error}


def main():
    ap = run_e2e.env_arguments(__doc__)
    ap.add_argument("kind", choices=sorted(KINDS))
    ap.add_argument("name")
    args = ap.parse_args()
    env = Env(args)
    started = time.time()
    try:
        KINDS[args.kind](env, args.name)
    except Failure as e:
        print("FAIL sql %s %s\n%s" % (args.kind, args.name, e), file=sys.stderr)
        return 1
    print("ok sql %s %s (%.1f s)" % (args.kind, args.name, time.time() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
