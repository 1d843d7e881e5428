#!/usr/bin/env python3
"""Oracle test for regular joins (docs/language.md, "Regular joins"): on two
keys (a string, and an int32 compared with an int64) of two random CSV files
(~100k and ~67k rows over ~40k keys, out of order by up to 2s), a program
built by flowc runs
- an inner join of the two append streams,
- a `left` join of the same (a changelog: +I, and -D of a row alone when
  its first match comes),
- an inner join of the left stream with an updating aggregate of the right
  one (count and sum per key: a changelog keyed by the join key, whose +U
  rows replace the key's row: -U of the old pairs, +U of the new ones),
and each output, as JSON lines, with its changelog applied (+I and +U add
a row, -U and -D take one away; taking away a row that is not there fails),
must be the same multiset of rows as SQLite's JOIN, LEFT JOIN, and JOIN with
the GROUP BY of the right rows. Nothing is late: a regular join has no bound.

  oracle_regular_join.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize] [--rows N]
"""

import collections
import json
import os
import random
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_util import by_names, compare_multisets, fail_if, oracle_main  # noqa: E402
from oracle_join import write_csv  # noqa: E402

FLOW = """\
schema Imp { ts : timestamp, user : string, region : int32, v : int64 }
schema Click { user : string, ts : timestamp, region : int64, w : int32 }
source imps : Imp from file("left.csv", format = csv) event time ts watermark 3s;
source clicks : Click from file("right.csv", format = csv) event time ts watermark 3s;

stream inner = imps as l | key by user, region
  | join clicks as r on l.user == r.user and l.region == r.region
  | select luser = l.user, lregion = l.region, v, ruser = r.user, rregion = r.region, w;
stream lj = imps as l | key by user, region
  | join clicks as r on l.user == r.user and l.region == r.region left
  | select op, luser = l.user, lregion = l.region, v, ruser = r.user, rregion = r.region, w;
stream per = clicks | key by user, region | aggregate n = count(), total = sum(w);
stream agg = imps as l | key by user, region
  | join per on l.user == per.user and l.region == per.region
  | select op, luser = l.user, lregion = l.region, v, n, total;
sink inner to file("inner.jsonl", format = jsonl);
sink lj to file("left.jsonl", format = jsonl);
sink agg to file("agg.jsonl", format = jsonl);
"""

PAIR = ["luser", "lregion", "v", "ruser", "rregion", "w"]
AGG = ["luser", "lregion", "v", "n", "total"]
SQL = {
    "inner": "SELECT l.user, l.region, l.v, r.user, r.region, r.w FROM l JOIN r "
             "ON l.user = r.user AND l.region = r.region",
    "left": "SELECT l.user, l.region, l.v, r.user, r.region, r.w FROM l LEFT JOIN r "
            "ON l.user = r.user AND l.region = r.region",
    "agg": "SELECT l.user, l.region, l.v, g.n, g.total FROM l JOIN "
           "(SELECT user, region, count(*) AS n, sum(w) AS total FROM r GROUP BY user, region) g "
           "ON l.user = g.user AND l.region = g.region",
}


def make_rows(n, seed, keys):
    rng = random.Random(seed)
    ms = 1704067200000  # 2024-01-01
    rows = []
    for i in range(n):
        ms += rng.randrange(0, 20)
        rows.append((ms - rng.randrange(0, 2000), "u%d" % rng.randrange(keys), rng.randrange(0, 2), i))
    return rows


def applied(text, names, changelog, problems, label):
    """The rows of a changelog output once applied, or of an append one."""
    rows = collections.Counter()
    want = (["op"] if changelog else []) + names
    for lineno, line in enumerate(text.splitlines(), 1):
        rec = json.loads(line)
        if list(rec) != want:
            problems.append("%s line %d has the members %r, expected %r" % (label, lineno, list(rec), want))
            return rows
        row = tuple(rec[k] for k in names)
        op = rec["op"] if changelog else "+I"
        if op in ("+I", "+U"):
            rows[row] += 1
        elif rows[row] > 0:
            rows[row] -= 1
        else:
            problems.append("%s line %d: %s of a row that is not there: %r" % (label, lineno, op, row))
            return rows
    return +rows


def run(env, args, work):
    left = make_rows(args.rows, args.seed, 20000)
    right = make_rows(args.rows * 2 // 3, args.seed + 1, 20000)
    write_csv(os.path.join(work, "left.csv"), ["ts", "user", "region", "v"], left, [0, 1, 2, 3])
    write_csv(os.path.join(work, "right.csv"), ["user", "ts", "region", "w"], right, [1, 0, 2, 3])
    env.build_text(FLOW, "regular", work)
    _, err = env.run_ok("regular", work)
    if not re.search(r"records read .*, 0 late, 0 bad$", err, re.M):
        fail_if(["a regular join has nothing late"], err)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE l (ts INTEGER, user TEXT, region INTEGER, v INTEGER)")
    db.execute("CREATE TABLE r (ts INTEGER, user TEXT, region INTEGER, w INTEGER)")
    db.executemany("INSERT INTO l VALUES (?, ?, ?, ?)", left)
    db.executemany("INSERT INTO r VALUES (?, ?, ?, ?)", right)
    db.execute("CREATE INDEX r_key ON r (user, region)")
    counts = []
    for name, file, names, changelog in (("inner", "inner.jsonl", PAIR, False),
                                         ("left", "left.jsonl", PAIR, True),
                                         ("agg", "agg.jsonl", AGG, True)):
        with open(os.path.join(work, file), encoding="utf-8") as f:
            text = f.read()
        problems = []
        got = applied(text, names, changelog, problems, name)
        want = collections.Counter(tuple(rec) for rec in db.execute(SQL[name]))
        compare_multisets(name + " join", got, want, problems, show=by_names(names))
        fail_if(problems, err)
        counts.append("%s: %d rows from %d changes" % (name, sum(want.values()),
                                                        text.count("\n")))
    return "%d + %d input rows; %s agree with SQLite" % (len(left), len(right), "; ".join(counts))


def main():
    return oracle_main("oracle_regular_join", __doc__, run, default=100000, seed=20261203)


if __name__ == "__main__":
    sys.exit(main())
