#!/usr/bin/env python3
"""Oracle test for windows: a keyed tumbling, sliding and session
window with count, sum, min, max and avg, run by a flowc-built program and
by SQLite over ~200k in-order random CSV rows, must give the same multiset of
rows; nothing may be late. The tumbling window is SQLite's GROUP BY key,
ts / size; the sliding one (3m every 1m) puts each row in its three windows
with a join on (0), (1), (2) and groups by key and window start; the
cumulating one (3m every 1m) puts each row in the steps of its 3m window
that end after it, with a join on (1), (2), (3), and groups by key and
window end. The
session window (gap 3s) numbers each key's sessions with LAG over the rows
in time order: a row 3s or more after the key's previous one starts a new
session (sessions are half-open), and groups by key and session (rows with
equal times are peers of the running SUM, so they share their session).

The same three windows with early results (`emit every`) must give a
changelog whose rows, applied in order per (key, window_start) (+I makes a
row, +U replaces it, -D takes it away; each must find the row in the state
it expects), leave those same rows; and early rows must be there.

Integer aggregates and min/max must be the very same values. avg of an
integer is compared with SUM(v) / COUNT(*) in doubles, which is exact here
(Flow adds the integers in a double, exactly, below 2^53). A sum of float64
is compared with a relative tolerance of 1e-9, because SQLite adds floats
with compensated summation and Flow adds them in arrival order.

  oracle_window.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize] [--rows N]
"""

import collections
import csv
import math
import os
import random
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_util import fail_if, oracle_main, report_difference  # noqa: E402
import oracle  # noqa: E402

SIZE_MS = 60000

FLOW = """\
schema Sale { ts : timestamp, shop : string, region : int32, qty : int32, price : float64 }

source sales : Sale from file("sales.csv", format = csv) event time ts watermark 1s;

stream per_shop = sales
  | key by shop, region
  | WINDOW
  | aggregate n = count(), units = sum(qty), low = min(qty), high = max(price),
              mean = avg(qty), revenue = sum(price), cheapest = min(price);

sink per_shop to stdout(format = csv);
"""

SQL = """\
SELECT shop, region, ts / %d * %d, ts / %d * %d + %d,
       COUNT(*), SUM(qty), MIN(qty), MAX(price),
       CAST(SUM(qty) AS REAL) / COUNT(*), SUM(price), MIN(price)
FROM sales
GROUP BY shop, region, ts / %d
""" % ((SIZE_MS,) * 5 + (SIZE_MS,))

SLIDE_MS = 60000
SLIDING_SQL = """\
WITH shift(k) AS (VALUES (0), (1), (2))
SELECT shop, region, (ts / %d - k) * %d AS ws, (ts / %d - k) * %d + %d,
       COUNT(*), SUM(qty), MIN(qty), MAX(price),
       CAST(SUM(qty) AS REAL) / COUNT(*), SUM(price), MIN(price)
FROM sales, shift
GROUP BY shop, region, ws
""" % (SLIDE_MS, SLIDE_MS, SLIDE_MS, SLIDE_MS, 3 * SLIDE_MS)

CUMULATE_SQL = """\
WITH step(k) AS (VALUES (1), (2), (3))
SELECT shop, region, ts / %d * %d, ts / %d * %d + k * %d AS we,
       COUNT(*), SUM(qty), MIN(qty), MAX(price),
       CAST(SUM(qty) AS REAL) / COUNT(*), SUM(price), MIN(price)
FROM sales, step
WHERE ts < ts / %d * %d + k * %d
GROUP BY shop, region, we
""" % ((3 * SLIDE_MS,) * 4 + (SLIDE_MS,) + (3 * SLIDE_MS,) * 2 + (SLIDE_MS,))

GAP_MS = 3000
PER_KEY = "PARTITION BY shop, region ORDER BY ts"
SESSION_SQL = """\
WITH marked AS (
  SELECT *, CASE WHEN LAG(ts) OVER (%s) IS NULL OR ts - LAG(ts) OVER (%s) >= %d
                 THEN 1 ELSE 0 END AS starts
  FROM sales),
numbered AS (
  SELECT *, SUM(starts) OVER (%s) AS session FROM marked)
SELECT shop, region, MIN(ts), MAX(ts) + %d,
       COUNT(*), SUM(qty), MIN(qty), MAX(price),
       CAST(SUM(qty) AS REAL) / COUNT(*), SUM(price), MIN(price)
FROM numbered
GROUP BY shop, region, session
""" % (PER_KEY, PER_KEY, GAP_MS, PER_KEY, GAP_MS)

VARIANTS = [
    ("tumbling", "window tumbling 1m", SQL),
    ("sliding", "window sliding 3m every 1m", SLIDING_SQL),
    ("cumulate", "window cumulate 3m every 1m", CUMULATE_SQL),
    ("session", "window session gap 3s", SESSION_SQL),
]

# The windows again with early results: every 20s of a 1m window, every 30s
# of the sliding one, every 1s of a session; a cumulating window has none
# (its steps are its early results).
EARLY = {"tumbling": "emit every 20s", "sliding": "emit every 30s", "session": "emit every 1s"}

NAMES = ["shop", "region", "window_start", "window_end", "n", "units", "low", "high", "mean",
         "revenue", "cheapest"]
KINDS = ["str", "int", "ts", "ts", "int", "int", "int", "float", "float", "approx", "float"]
SHOPS = ["berlin", "paris", "oslo", "lima", "quito, ec", "köln", "\"q\"", ""]


def make_rows(n, seed):
    rng = random.Random(seed)
    ms = 1704067200000  # 2024-01-01
    rows = []
    for _ in range(n):
        ms += rng.randrange(0, 60)  # in order, many records per window
        rows.append((ms, rng.choice(SHOPS), rng.randrange(-3, 4), rng.randint(-1000, 1000),
                     rng.random() * 100 - 10))
    return rows


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["ts", "shop", "region", "qty", "price"])
        for ms, shop, region, qty, price in rows:
            w.writerow([ms, shop, region, qty, repr(price)])


def sqlite_result(rows, sql):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE sales (ts INTEGER, shop TEXT, region INTEGER, qty INTEGER, price REAL)")
    db.executemany("INSERT INTO sales VALUES (?, ?, ?, ?, ?)", rows)
    return [tuple(float(v) if k in ("float", "approx") else v for v, k in zip(rec, KINDS))
            for rec in db.execute(sql)]


def flow_result(text, problems):
    return oracle.flow_result(text, problems, NAMES, KINDS)


def exact_part(rec):
    """The values compared exactly, and the approximate ones apart."""
    return (tuple(v for v, k in zip(rec, KINDS) if k != "approx"),
            tuple(v for v, k in zip(rec, KINDS) if k == "approx"))


def compare(got, want, problems):
    got_by = collections.defaultdict(list)
    for rec in got:
        exact, approx = exact_part(rec)
        got_by[exact].append(approx)
    missing = []
    for rec in want:
        exact, approx = exact_part(rec)
        candidates = got_by.get(exact)
        match = None
        for i, a in enumerate(candidates or []):
            if all(math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9) for x, y in zip(a, approx)):
                match = i
                break
        if match is None:
            missing.append(rec)
        else:
            candidates.pop(match)
    extra = [k + v for k, vs in got_by.items() for v in vs]
    report_difference("", len(want), len(got), missing, extra, problems)


def apply_changelog(got, problems):
    """The rows an early window's changelog leaves, and how many +U it has."""
    rows, updates = {}, 0
    for rec in got:
        op, row = rec[0], rec[1:]
        key = row[:3]  # shop, region, window_start
        if op == "+I" and key in rows or op in ("+U", "-D") and key not in rows:
            problems.append("%s of %r, %s" % (op, key, "which has a row already" if op == "+I"
                                                        else "which has no row"))
        if op == "-D":
            rows.pop(key, None)
        else:
            rows[key] = row
        updates += op == "+U"
    return list(rows.values()), updates


def run(env, args, work):
    rows = make_rows(args.rows, args.seed)
    write_csv(os.path.join(work, "sales.csv"), rows)
    counts = []
    for name, window, sql in VARIANTS:
        env.build_text(FLOW.replace("WINDOW", window), name, work)
        out, err = env.run_ok(name, work)
        problems = []
        got = flow_result(out, problems)
        want = sqlite_result(rows, sql)
        compare(got, want, problems)
        if not re.search(r"records read .*, 0 late, 0 bad$", err, re.M):
            problems.append("in-order input must have nothing late or bad:\n" + err)
        if problems:
            problems.insert(0, "%s window:" % name)
        fail_if(problems, err)
        counts.append("%d %s" % (len(want), name))
        if name not in EARLY:
            continue
        # Early results: the changelog's last rows are the same windows.
        env.build_text(FLOW.replace("WINDOW", window + " " + EARLY[name]), name + "_early", work)
        out, err = env.run_ok(name + "_early", work)
        problems = []
        got, updates = apply_changelog(oracle.flow_result(out, problems, ["op"] + NAMES,
                                                          ["str"] + KINDS), problems)
        compare(got, want, problems)
        if not updates:
            problems.append("no early result updated a row")
        if problems:
            problems.insert(0, "%s window with early results:" % name)
        fail_if(problems, err)
        counts[-1] += " (%d early updates)" % updates
    return "%d input rows; %s windows agree with SQLite" % (len(rows), ", ".join(counts))


def main():
    return oracle_main("oracle_window", __doc__, run, default=200000, seed=20240302)


if __name__ == "__main__":
    sys.exit(main())
