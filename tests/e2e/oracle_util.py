"""What every oracle test shares: the command line and outcome of main(), and
the report of a multiset comparison of the flow program's rows with the
oracle's (tests/e2e/oracle*.py)."""

import sys

from run_e2e import Env, Failure, env_arguments


def oracle_main(name, doc, run, count="--rows", default=120000, seed=20261201):
    """Parses the oracle's command line (the Env arguments, `count` rows or
    events, a seed), runs run(env, args, work) in a fresh work directory and
    prints its success message, or the Failure it raised; the exit status."""
    ap = env_arguments(doc)
    ap.add_argument(count, type=int, default=None)
    ap.add_argument("--seed", type=int, default=seed)
    args = ap.parse_args()
    # A quarter of the rows under the sanitizers, where a run is ten times
    # slower: their reports are about memory, the gcc run's about results.
    attr = count.lstrip("-")
    if getattr(args, attr) is None:
        setattr(args, attr, default // 4 if args.sanitize else default)
    env = Env(args)
    work = env.fresh_dir(name)
    try:
        message = run(env, args, work)
    except Failure as e:
        print("FAIL %s\n%s" % (name, e), file=sys.stderr)
        return 1
    print("ok %s: %s" % (name, message))
    return 0


def fail_if(problems, err, tail=3000):
    """Raises the problems found, with the end of the program's stderr."""
    if problems:
        raise Failure("\n".join(problems) + "\n--- program stderr ---\n" + err[-tail:])


def report_difference(label, nwant, ngot, missing, extra, problems, show=repr, limit=8):
    """Adds the report of rows the oracle has and the program has not
    (`missing`) and the other way round (`extra`), the first `limit` distinct
    rows of each in order, each shown by show(row)."""
    if not missing and not extra:
        return
    lines = ["%s%d rows from the oracle, %d from the flow program; %d missing, %d extra"
             % (label + ": " if label else "", nwant, ngot, len(missing), len(extra))]
    for what, rows in (("missing (the oracle has it, flow does not)", missing),
                       ("extra (flow has it, the oracle does not)", extra)):
        for r in sorted(set(rows), key=repr)[:limit]:
            lines.append("  %s: %s" % (what, show(r)))
    problems.append("\n".join(lines))


def compare_multisets(label, got, want, problems, show=repr, limit=8):
    """Compares two Counters of rows exactly (report_difference)."""
    missing = list((want - got).elements())
    extra = list((got - want).elements())
    report_difference(label, sum(want.values()), sum(got.values()), missing, extra, problems,
                      show, limit)


def by_names(names, inputs=None):
    """A show() for report_difference: the row as a dict of its columns, and
    the input row of the same id (its first column) when `inputs` maps them."""
    def show(r):
        text = "%s" % dict(zip(names, r))
        if inputs is not None:
            text += "\n    input %r" % (inputs.get(r[0]),)
        return text
    return show
