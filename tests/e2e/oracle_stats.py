#!/usr/bin/env python3
"""Oracle test for the statistics aggregates (docs/language.md,
"Aggregates"): a keyed tumbling (10s) and sliding (10s every 5s) window
with var_pop, var_samp, stddev_pop, stddev, variance, percentile, max_by,
min_by and collect_list, over ~120k in-order random CSV rows whose optional
columns are a tenth null, run by a flowc-built program and by SQLite, must
give the same rows.

SQLite groups the rows by key and window (the sliding window puts each row
in its two windows with a join on (0), (1)); it gives COUNT, SUM and the sum
of squares per group, from which Python computes the variances (exactly,
with fractions, for the integer column; for the float column compared with a
relative tolerance of 1e-7, as the sums cancel where Flow's Welford does
not); max_by and min_by are ROW_NUMBER() over each group ordered by y, then
by arrival (ties: the first arrival, which for in-order input is also the
earlier pane); collect_list is json_group_array as a window function over
each group in arrival order, FILTER (WHERE x IS NOT NULL), parsed as JSON on
both sides. percentile is computed in Python from the group's values in
SQLite's order (linear interpolation; every group is below the exact bound).

  oracle_stats.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize] [--rows N]
"""

import csv
import json
import math
import os
import random
import re
import sqlite3
import sys
from fractions import Fraction

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_util import fail_if, oracle_main, report_difference  # noqa: E402
import oracle  # noqa: E402

KEYS = ["k%02d" % i for i in range(20)]
WORDS = ["a", 'b"c', "d,e", "f\\g", "\u00e9t\u00e9", "tab\there", "x y", "z"]

FLOW = """\
schema R { id : int64, ts : timestamp, k : string, v : int64?, x : float64?, s : string? }

source rs : R from file("rows.csv", format = csv) event time ts watermark 1s;

stream stats = rs
  | key by k
  | WINDOW
  | aggregate n = count(), vp = var_pop(x), vs = var_samp(x), sp = stddev_pop(v),
              sd = stddev(v), va = variance(v), pv = percentile(v, 0.25),
              px = percentile(x, 0.9), mb = max_by(s, v), nb = min_by(s, x),
              mv = max_by(v, x), ls = collect_list(s), lv = collect_list(v);

sink stats to stdout(format = csv);
"""

NAMES = ["k", "window_start", "window_end", "n", "vp", "vs", "sp", "sd", "va", "pv", "px",
         "mb", "nb", "mv", "ls", "lv"]
KINDS = ["str", "ts", "ts", "int", "str", "str", "str", "str", "str", "str", "str",
         "str", "str", "str", "str", "str"]

# (name, window clause, SQL of the rows with their window start `ws`, size ms)
VARIANTS = [
    ("tumbling", "window tumbling 10s",
     "SELECT r.*, ts / 10000 * 10000 AS ws FROM r", 10000),
    ("sliding", "window sliding 10s every 5s",
     "SELECT r.*, (ts / 5000 - j.j) * 5000 AS ws FROM r, (SELECT 0 AS j UNION ALL SELECT 1) j",
     10000),
]


def make_rows(n, seed):
    rng = random.Random(seed)
    ms = 1704067200000  # 2024-01-01
    rows = []
    for i in range(n):
        ms += rng.randrange(0, 10)  # in order, ~100 rows per key and window
        v = None if rng.random() < 0.1 else rng.randint(-50, 50)
        x = None if rng.random() < 0.1 else rng.random() * 110 - 10
        s = None if rng.random() < 0.1 else rng.choice(WORDS)
        rows.append((i, ms, rng.choice(KEYS), v, x, s))
    return rows


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "ts", "k", "v", "x", "s"])
        for i, ms, k, v, x, s in rows:
            w.writerow([i, ms, k, "" if v is None else v, "" if x is None else repr(x),
                        "" if s is None else s])


def percentile(values, p):
    """Flow's exact percentile: linear interpolation at rank p * (n - 1)."""
    v = sorted(values)
    rank = p * (len(v) - 1)
    lo, hi = math.floor(rank), math.ceil(rank)
    return v[lo] if lo == hi else v[lo] + (rank - lo) * (v[hi] - v[lo])


def sqlite_result(db, rows_sql, size):
    """One dict per (k, window start) of what each aggregate must give."""
    db.execute("DROP VIEW IF EXISTS g")
    db.execute("CREATE TEMP VIEW g AS %s" % rows_sql)
    groups = {}
    for k, ws, n, nx, sx, qx, nv, sv, qv in db.execute(
            "SELECT k, ws, COUNT(*), COUNT(x), SUM(x), SUM(x * x), COUNT(v), SUM(v), SUM(v * v) "
            "FROM g GROUP BY k, ws"):
        groups[(k, ws)] = dict(end=ws + size, n=n, nx=nx, sx=sx, qx=qx, nv=nv, sv=sv, qv=qv,
                               mb=None, nb=None, mv=None, ls=[], lv=[], vs=[], xs=[])
    for by, col, y, order in (("mb", "s", "v", "DESC"), ("nb", "s", "x", "ASC"),
                              ("mv", "v", "x", "DESC")):
        for k, ws, val in db.execute(
                "SELECT k, ws, %s FROM (SELECT k, ws, %s, ROW_NUMBER() OVER "
                "(PARTITION BY k, ws ORDER BY %s %s, id) AS rn FROM g "
                "WHERE %s IS NOT NULL AND %s IS NOT NULL) WHERE rn = 1"
                % (col, col, y, order, col, y)):
            groups[(k, ws)][by] = val
    for k, ws, ls, lv in db.execute(
            "SELECT DISTINCT k, ws, "
            "json_group_array(s) FILTER (WHERE s IS NOT NULL) OVER w, "
            "json_group_array(v) FILTER (WHERE v IS NOT NULL) OVER w FROM g "
            "WINDOW w AS (PARTITION BY k, ws ORDER BY id "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)"):
        groups[(k, ws)]["ls"] = json.loads(ls)
        groups[(k, ws)]["lv"] = json.loads(lv)
    for k, ws, v, x in db.execute("SELECT k, ws, v, x FROM g ORDER BY id"):
        if v is not None:
            groups[(k, ws)]["vs"].append(v)
        if x is not None:
            groups[(k, ws)]["xs"].append(x)
    return groups


def variance(n, s, q, sample):
    """From the count, sum and sum of squares; None where SQL gives null."""
    d = n - 1 if sample else n
    if n == 0 or d == 0:
        return None
    if isinstance(s, int):
        return Fraction(q * n - s * s, n * d)
    return (q - s * s / n) / d


def opt_float(text):
    return None if text == "" else float(text)


def close(got, want, rel):
    if got is None or want is None:
        return got is None and want is None
    return math.isclose(got, float(want), rel_tol=rel, abs_tol=1e-9)


def compare(got, want, problems):
    """Each flow row against its group; the rows left on either side."""
    extra, seen = [], set()
    for rec in got:
        r = dict(zip(NAMES, rec))
        key = (r["k"], r["window_start"])
        g = want.get(key)
        if g is None or key in seen:
            extra.append(rec)
            continue
        seen.add(key)
        bad = []
        if r["window_end"] != g["end"] or r["n"] != g["n"]:
            bad.append("window_end or n")
        nx, sx, qx, nv, sv, qv = g["nx"], g["sx"], g["qx"], g["nv"], g["sv"], g["qv"]
        checks = [("vp", variance(nx, sx, qx, False), 1e-7),
                  ("vs", variance(nx, sx, qx, True), 1e-7),
                  ("va", variance(nv, sv, qv, True), 1e-9)]
        pop_v, samp_v = variance(nv, sv, qv, False), variance(nv, sv, qv, True)
        checks.append(("sp", None if pop_v is None else math.sqrt(pop_v), 1e-9))
        checks.append(("sd", None if samp_v is None else math.sqrt(samp_v), 1e-9))
        checks.append(("pv", percentile(g["vs"], 0.25) if g["vs"] else None, 1e-12))
        checks.append(("px", percentile(g["xs"], 0.9) if g["xs"] else None, 1e-12))
        for name, value, rel in checks:
            if not close(opt_float(r[name]), value, rel):
                bad.append("%s = %r, oracle %r" % (name, r[name], value))
        for name in ("mb", "nb"):
            if (r[name] or None) != g[name]:
                bad.append("%s = %r, oracle %r" % (name, r[name], g[name]))
        if (int(r["mv"]) if r["mv"] else None) != g["mv"]:
            bad.append("mv = %r, oracle %r" % (r["mv"], g["mv"]))
        for name in ("ls", "lv"):
            if json.loads(r[name]) != g[name]:
                bad.append("%s = %r, oracle %r" % (name, r[name][:200], g[name][:20]))
        if bad and len(problems) < 10:
            problems.append("%s %s: %s" % (r["k"], r["window_start"], "; ".join(bad)))
    missing = [k for k in want if k not in seen]
    report_difference("", len(want), len(got), missing, extra, problems)


def run(env, args, work):
    rows = make_rows(args.rows, args.seed)
    write_csv(os.path.join(work, "rows.csv"), rows)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE r (id INTEGER, ts INTEGER, k TEXT, v INTEGER, x REAL, s TEXT)")
    db.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?, ?)", rows)
    counts = []
    for name, window, rows_sql, size in VARIANTS:
        env.build_text(FLOW.replace("WINDOW", window), name, work)
        out, err = env.run_ok(name, work)
        problems = []
        got = oracle.flow_result(out, problems, NAMES, KINDS)
        want = sqlite_result(db, rows_sql, size)
        compare(got, want, problems)
        if not re.search(r"records read .*, 0 late, 0 bad$", err, re.M):
            problems.append("in-order input must have nothing late or bad:\n" + err)
        if problems:
            problems.insert(0, "%s window:" % name)
        fail_if(problems, err)
        counts.append("%d %s" % (len(want), name))
    return "%d input rows; %s windows agree with SQLite" % (len(rows), ", ".join(counts))


def main():
    return oracle_main("oracle_stats", __doc__, run)


if __name__ == "__main__":
    sys.exit(main())
