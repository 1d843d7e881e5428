#!/usr/bin/env python3
"""Oracle test for joins: an interval join (within 5s) and a window join
(tumbling 10s) on two keys (a string, and an int32 compared with an int64)
of two generated CSV files of ~200k rows each, run by a flowc-built program
and by SQLite, must give the same multiset of pairs. Each file is in event
time order up to 2s of jitter, under a 3s watermark, so nothing is late;
the runtime reads the two files in the order its read loop chooses, which
must not change the result.

  oracle_join.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize] [--rows N]
"""

import collections
import csv
import os
import random
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_util import compare_multisets, fail_if, oracle_main  # noqa: E402
from oracle import format_ts, parse_ts  # noqa: E402

FLOW = """\
schema Imp { ts : timestamp, user : string, region : int32, v : int64 }
schema Click { user : string, ts : timestamp, region : int64, w : int32 }

source imps : Imp from file("left.csv", format = csv) event time ts watermark 3s;
source clicks : Click from file("right.csv", format = csv) event time ts watermark 3s;

stream pairs = imps as l
  | key by user
  | join clicks as r on l.user == r.user and l.region == r.region JOIN
  | select user = l.user, region = l.region, v, w, lts = l.ts, rts = r.ts;

sink pairs to stdout(format = csv);
"""

VARIANTS = [
    ("interval", "within 5s", "abs(l.ts - r.ts) <= 5000"),
    ("window", "window tumbling 10s", "l.ts / 10000 = r.ts / 10000"),
]
SQL = """\
SELECT l.user, l.region, l.v, r.w, l.ts, r.ts
FROM l JOIN r ON l.user = r.user AND l.region = r.region AND %s
"""
NAMES = ["user", "region", "v", "w", "lts", "rts"]
USERS = ["u%d" % i for i in range(600)] + ["", "a, b", "\"q\"", "köln"]


def make_rows(n, seed, step):
    rng = random.Random(seed)
    ms = 1704067200000  # 2024-01-01
    rows = []
    for i in range(n):
        ms += rng.randrange(0, step)
        rows.append((ms - rng.randrange(0, 2000), rng.choice(USERS), rng.randrange(0, 3), i))
    return rows


def write_csv(path, header, rows, order):
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(header)
        for rec in rows:
            out.writerow([rec[k] for k in order])


def sqlite_result(left, right, cond):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE l (ts INTEGER, user TEXT, region INTEGER, v INTEGER)")
    db.execute("CREATE TABLE r (ts INTEGER, user TEXT, region INTEGER, w INTEGER)")
    db.executemany("INSERT INTO l VALUES (?, ?, ?, ?)", left)
    db.executemany("INSERT INTO r VALUES (?, ?, ?, ?)", right)
    return collections.Counter(tuple(rec) for rec in db.execute(SQL % cond))


def flow_result(text, problems):
    reader = csv.reader(text.splitlines(True))
    header = next(reader, None)
    if header != NAMES:
        problems.append("header %r, expected %r" % (header, NAMES))
        return collections.Counter()
    got = collections.Counter()
    for lineno, rec in enumerate(reader, 2):
        if len(rec) != len(NAMES):
            problems.append("record %d has %d fields: %r" % (lineno, len(rec), rec))
            continue
        lts, rts = parse_ts(rec[4]), parse_ts(rec[5])
        if rec[4] != format_ts(lts) or rec[5] != format_ts(rts):
            problems.append("record %d: timestamps written as %r" % (lineno, rec[4:]))
        got[(rec[0], int(rec[1]), int(rec[2]), int(rec[3]), lts, rts)] += 1
    return got


def run(env, args, work):
    # The right side is sparser: it covers the same time with fewer rows.
    left = make_rows(args.rows, args.seed, 20)
    right = make_rows(args.rows * 2 // 3, args.seed + 1, 30)
    write_csv(os.path.join(work, "left.csv"), ["ts", "user", "region", "v"], left, [0, 1, 2, 3])
    write_csv(os.path.join(work, "right.csv"), ["user", "ts", "region", "w"], right, [1, 0, 2, 3])
    counts = []
    for name, clause, cond in VARIANTS:
        env.build_text(FLOW.replace("JOIN", clause), name, work)
        out, err = env.run_ok(name, work)
        problems = []
        got = flow_result(out, problems)
        want = sqlite_result(left, right, cond)
        compare_multisets(name + " join", got, want, problems)
        if not re.search(r"records read .*, 0 late, 0 bad$", err, re.M):
            problems.append("input within the watermark must have nothing late:\n" + err)
        fail_if(problems, err)
        counts.append("%d %s" % (sum(want.values()), name))
    return ("%d + %d input rows; %s pairs agree with SQLite"
            % (len(left), len(right), ", ".join(counts)))


def main():
    return oracle_main("oracle_join", __doc__, run, default=200000, seed=20240401)


if __name__ == "__main__":
    sys.exit(main())
