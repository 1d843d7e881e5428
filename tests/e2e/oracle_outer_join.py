#!/usr/bin/env python3
"""Oracle test for outer joins: an interval join within 5s as `left`,
`right` and `full`, and a window join (tumbling 10s) as `full`, on two keys
(a string, and an int32 compared with an int64) of two generated CSV files
of ~200k and ~133k rows, run by a flowc-built program and by SQLite's LEFT,
RIGHT and FULL OUTER JOIN ... ON key AND r.ts BETWEEN l.ts - 5000 AND
l.ts + 5000 (the window join: l.ts / 10000 = r.ts / 10000). The input is
bounded, so the program's whole output (pairs, and rows without a match
with the other side null, the last of them at the end of the input) must
be the same multiset of rows. Each file is in event time order up to 2s of
jitter, under a 3s watermark, so nothing is late. The output is JSON lines,
so that a null and an empty string differ.

  oracle_outer_join.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize] [--rows N]
"""

import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_util import by_names, compare_multisets, fail_if, oracle_main  # noqa: E402
from oracle import parse_ts  # noqa: E402
import oracle_join  # noqa: E402
from oracle_join import make_rows, write_csv  # noqa: E402

# oracle_join's program with one stream per variant (VARIANTS), each with
# both sides' keys in its result (either may be null) and written as JSON
# lines to NAME.jsonl: one program, built once.
SOURCES, PAIRS = oracle_join.FLOW.split("stream pairs")
STREAM = ("stream NAME" + PAIRS
          .replace("select user = l.user, region = l.region, v, w,",
                   "select luser = l.user, lregion = l.region, v, ruser = r.user, "
                   "rregion = r.region, w,\n          ")
          .replace("sink pairs to stdout(format = csv)",
                   'sink NAME to file("NAME.jsonl", format = jsonl)'))

INTERVAL = "r.ts BETWEEN l.ts - 5000 AND l.ts + 5000"
WINDOW = "l.ts / 10000 = r.ts / 10000"
VARIANTS = [
    ("left", "within 5s left", "LEFT", INTERVAL),
    ("right", "within 5s right", "RIGHT", INTERVAL),
    ("full", "within 5s full", "FULL", INTERVAL),
    ("window_full", "window tumbling 10s full", "FULL", WINDOW),
]
COLUMNS = "l.user, l.region, l.v, r.user, r.region, r.w, l.ts, r.ts"
ON = "l.user = r.user AND l.region = r.region AND %s"
# SQLite plans RIGHT and FULL OUTER JOIN without its automatic index (minutes
# for 200k rows): RIGHT is written as r LEFT JOIN l, FULL as LEFT JOIN plus
# the right rows that no left row matches, which is what they are.
SQL = {
    "LEFT": "SELECT %s FROM l LEFT JOIN r ON %s" % (COLUMNS, ON),
    "RIGHT": "SELECT %s FROM r LEFT JOIN l ON %s" % (COLUMNS, ON),
    "FULL": ("SELECT %s FROM l LEFT JOIN r ON %s UNION ALL "
             "SELECT NULL, NULL, NULL, r.user, r.region, r.w, NULL, r.ts FROM r "
             "WHERE NOT EXISTS (SELECT 1 FROM l WHERE %s)") % (COLUMNS, ON, ON),
}
NAMES = ["luser", "lregion", "v", "ruser", "rregion", "w", "lts", "rts"]


def sqlite_result(left, right, kind, cond):
    import sqlite3
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE l (ts INTEGER, user TEXT, region INTEGER, v INTEGER)")
    db.execute("CREATE TABLE r (ts INTEGER, user TEXT, region INTEGER, w INTEGER)")
    db.executemany("INSERT INTO l VALUES (?, ?, ?, ?)", left)
    db.executemany("INSERT INTO r VALUES (?, ?, ?, ?)", right)
    db.execute("CREATE INDEX l_key ON l (user, region, ts)")
    db.execute("CREATE INDEX r_key ON r (user, region, ts)")
    sql = SQL[kind].replace("%s", cond)
    return collections.Counter(tuple(rec) for rec in db.execute(sql))


def flow_result(text, problems):
    got = collections.Counter()
    for lineno, line in enumerate(text.splitlines(), 1):
        try:
            rec = json.loads(line)
        except ValueError:
            problems.append("line %d is not JSON: %r" % (lineno, line))
            continue
        if list(rec) != NAMES:
            problems.append("line %d has the members %r, expected %r" % (lineno, list(rec), NAMES))
            continue
        row = [rec[k] for k in NAMES]
        for i in (6, 7):
            row[i] = None if row[i] is None else parse_ts(row[i])
        got[tuple(row)] += 1
    return got


def run(env, args, work):
    # The right side is sparser: it covers the same time with fewer rows.
    left = make_rows(args.rows, args.seed, 20)
    right = make_rows(args.rows * 2 // 3, args.seed + 1, 30)
    write_csv(os.path.join(work, "left.csv"), ["ts", "user", "region", "v"], left, [0, 1, 2, 3])
    write_csv(os.path.join(work, "right.csv"), ["user", "ts", "region", "w"], right, [1, 0, 2, 3])
    program = SOURCES + "".join(STREAM.replace("NAME", name).replace("JOIN", clause) + "\n"
                                for name, clause, _, _ in VARIANTS)
    env.build_text(program, "outer", work)
    _, err = env.run_ok("outer", work)
    if not re.search(r"records read .*, 0 late, 0 bad$", err, re.M):
        fail_if(["input within the watermark must have nothing late"], err)
    counts = []
    for name, _, kind, cond in VARIANTS:
        with open(os.path.join(work, name + ".jsonl"), encoding="utf-8") as f:
            out = f.read()
        problems = []
        got = flow_result(out, problems)
        want = sqlite_result(left, right, kind, cond)
        compare_multisets(name + " join", got, want, problems, show=by_names(NAMES))
        fail_if(problems, err)
        alone = sum(n for rec, n in want.items() if rec[0] is None or rec[3] is None)
        counts.append("%s: %d rows, %d alone" % (name, sum(want.values()), alone))
    return ("%d + %d input rows; %s agree with SQLite"
            % (len(left), len(right), "; ".join(counts)))


def main():
    return oracle_main("oracle_outer_join", __doc__, run, default=200000, seed=20261202)


if __name__ == "__main__":
    sys.exit(main())
