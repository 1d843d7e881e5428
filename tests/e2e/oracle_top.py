#!/usr/bin/env python3
"""Oracle test for `top` (docs/language.md, "top"): over ~100k random CSV
rows (500 keys, 40 groups, out of order by up to 1.5 s, a watermark of 2 s,
so nothing is late), a program built by flowc runs
- a window top-N: the 3 (key, 2 s window) results of the highest count per
  window; of equal counts (most are), the key whose first record of the
  window came first;
- an updating top-N over records: the 2 highest values per key, ties by
  arrival, a changelog keyed by (key, rank);
- an updating top-N over an updating aggregate's changelog: the 3 groups of
  the highest sum (values positive and large, so sums do not tie);
and each output must equal SQLite's ROW_NUMBER() OVER (PARTITION BY ...
ORDER BY ...) <= N: the window top's rows as a multiset, the updating tops'
changelogs once applied as upserts on (partition, rank).

  oracle_top.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize] [--rows N]
"""

import collections
import csv
import datetime
import os
import random
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_util import by_names, compare_multisets, fail_if, oracle_main  # noqa: E402

FLOW = """\
schema R { line : int64, ts : timestamp, k : string, g : string, v : int64 }
source rows : R from file("rows.csv", format = csv) event time ts watermark 2s;

stream per = rows | key by k | window tumbling 2s | aggregate n = count(), total = sum(v)
  | top 3 by n desc rank as r;
stream best = rows | key by k | top 2 by v desc;
stream sums = rows | key by g | aggregate s = sum(v);
stream lead = sums | top 3 by s desc;
sink per to file("per.csv", format = csv);
sink best to file("best.csv", format = csv);
sink lead to file("lead.csv", format = csv);
"""

SQL_WINDOW = """
WITH agg AS (
  SELECT ts / 2000 * 2000 AS ws, k, count(*) AS n, sum(v) AS total, min(line) AS first
  FROM rows GROUP BY ws, k)
SELECT k, ws, n, total, r FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY ws ORDER BY n DESC, first ASC) AS r
  FROM agg) WHERE r <= 3
"""
SQL_BEST = """
SELECT line, k, v, r FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC, line ASC) AS r FROM rows)
WHERE r <= 2
"""
SQL_LEAD = """
SELECT g, s, r FROM (
  SELECT g, s, ROW_NUMBER() OVER (ORDER BY s DESC) AS r
  FROM (SELECT g, sum(v) AS s FROM rows GROUP BY g)) WHERE r <= 3
"""


def make_rows(n, seed):
    rng = random.Random(seed)
    ms = 1704067200000  # 2024-01-01
    rows = []
    for i in range(n):
        ms += rng.randrange(0, 4)
        rows.append((i, ms - rng.randrange(0, 1500), "k%d" % rng.randrange(500),
                     "g%d" % rng.randrange(40), rng.randrange(1, 1000000000)))
    return rows


def stamp(ms):
    t = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ms % 1000)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def applied(rows, key, label, problems):
    """A changelog (op first) applied as upserts on the columns `key` (after op)."""
    state = {}
    for r in rows:
        op, r = r[0], tuple(r[1:])
        k = tuple(r[i] for i in key)
        if op in ("+I", "+U"):
            state[k] = r
        elif op == "-D" and state.pop(k, None) is None:
            problems.append("%s: -D of a rank that has no row: %r" % (label, r))
    return collections.Counter(state.values())


def run(env, args, work):
    rows = make_rows(args.rows, args.seed)
    with open(os.path.join(work, "rows.csv"), "w", encoding="utf-8") as f:
        f.write("line,ts,k,g,v\n")
        for line, ts, k, g, v in rows:
            f.write("%d,%s,%s,%s,%d\n" % (line, stamp(ts), k, g, v))
    env.build_text(FLOW, "top", work)
    _, err = env.run_ok("top", work)
    if not re.search(r"records read .*, 0 late, 0 bad$", err, re.M):
        fail_if(["the input was made to have nothing late"], err)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE rows (line INTEGER, ts INTEGER, k TEXT, g TEXT, v INTEGER)")
    db.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?)", rows)
    problems = []

    header, got = read_csv(os.path.join(work, "per.csv"))
    if header != ["k", "window_start", "window_end", "n", "total", "r"]:
        problems.append("per.csv header %r" % header)
    want = collections.Counter((k, stamp(ws), stamp(ws + 2000), str(n), str(t), str(r))
                               for k, ws, n, t, r in db.execute(SQL_WINDOW))
    compare_multisets("window top", collections.Counter(tuple(r) for r in got), want, problems,
                      show=by_names(header))
    nwin = sum(want.values())

    header, got = read_csv(os.path.join(work, "best.csv"))
    if header != ["op", "line", "ts", "k", "g", "v", "rank"]:
        problems.append("best.csv header %r" % header)
    changes = len(got)
    got = applied(got, (2, 5), "best", problems)
    got = collections.Counter((r[0], r[2], r[4], r[5]) for r in got)
    want = collections.Counter(tuple(str(x) for x in r) for r in db.execute(SQL_BEST))
    compare_multisets("updating top", got, want, problems, show=by_names(["line", "k", "v", "r"]))

    header, got = read_csv(os.path.join(work, "lead.csv"))
    if header != ["op", "g", "s", "rank"]:
        problems.append("lead.csv header %r" % header)
    got = applied(got, (2,), "lead", problems)
    want = collections.Counter(tuple(str(x) for x in r) for r in db.execute(SQL_LEAD))
    compare_multisets("top of a changelog", got, want, problems, show=by_names(["g", "s", "r"]))
    fail_if(problems, err)
    return ("%d rows: %d window top rows, %d changes of the updating top, the top of a "
            "changelog agree with SQLite" % (len(rows), nwin, changes))


def main():
    return oracle_main("oracle_top", __doc__, run, default=100000, seed=20261204)


if __name__ == "__main__":
    sys.exit(main())
