#!/usr/bin/env python3
"""Oracle test of the numeric functions and conditional expressions
(docs/language.md, "Numeric functions", "Conditional expressions"): a
flowc-built program and SQLite (python3's sqlite3) over 120k random CSV rows
must give the same row for every id.

The rows (fixed seed) are full of edges: negatives, zeros, large values,
.5 ties at every place (2.675, -0.125, 1250), binary fractions and 17-digit
doubles. SQLite shares round (half away from zero, on the decimal digits),
abs, scalar max/min (as greatest/least), CASE, IN, BETWEEN, and, when its
math functions are compiled in (3.35+), floor, ceil, sqrt, ln, log10, exp
and pow. Where SQLite lacks a function the reference is computed in Python
and the run says so; round with negative digits is always Python's, since
SQLite takes negative digits as 0: the decimal of the shortest repr rounded
ROUND_HALF_UP (which is away from zero) with the decimal module.

  oracle_numeric.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize] [--rows N]
"""

import csv
import decimal
import math
import os
import random
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import flow_result  # noqa: E402
from oracle_util import fail_if, oracle_main  # noqa: E402

FLOW = """\
schema Row { id : int64, x : float64, n : int64, q : int32, d : int32, s : string }

source rows : Row from file("rows.csv", format = csv);

stream out = rows
  | select
      id,
      r0  = round(x),
      rd  = round(x, d),
      rx  = round(x, -d),
      rn  = round(n, -d),
      fl  = floor(x),
      ce  = ceil(x),
      fi  = floor(n) + ceil(q),
      ab  = abs(x),
      abn = abs(n),
      sq  = sqrt(abs(x)),
      lg  = ln(abs(x) + 1),
      l10 = log10(abs(n) + 1),
      ex  = exp(x / 1000000),
      pw  = pow(x, 2),
      sg  = sign(x) + sign(q),
      g   = greatest(x, n, 0),
      le  = least(q, 10, d * 100),
      gs  = greatest(s, "b"),
      bt  = x between -1.5 and 2.5,
      nb  = n not between -100 and q,
      i   = n in (0, 1, 2, 3, 5, 8, 13, 21, -1, -100, 1000000),
      si  = s in ("a", "", "é"),
      ni  = q not in (1, 2, 3),
      xf  = x in (0.5, -0.5, 2.675, 0, 1.005, 0.125, 9.995, 1, -2.675, 0.5),
      ss  = s not in ("a", "b", "c", "d", "e", "f", "g", "é"),
      c   = case when x > 100 then "big" when x < 0 then "neg" when x == 0 then "zero" else "small" end,
      cs  = case q % 3 when 0 then n when 1 then -n else 7 end;

sink out to stdout(format = csv);
"""

NAMES = ["id", "r0", "rd", "rx", "rn", "fl", "ce", "fi", "ab", "abn", "sq", "lg", "l10", "ex", "pw",
         "sg", "g", "le", "gs", "bt", "nb", "i", "si", "ni", "xf", "ss", "c", "cs"]
KINDS = ["int", "float", "float", "float", "int", "float", "float", "int", "float", "int", "approx",
         "approx", "approx", "approx", "approx", "float", "float", "int", "str", "bool", "bool",
         "bool", "bool", "bool", "bool", "bool", "str", "int"]

MATH = ["floor", "ceil", "sqrt", "ln", "log10", "exp", "pow"]


def sqlite_has_math(db):
    try:
        db.execute("SELECT floor(1.5), ceil(1.5), sqrt(4), ln(1), log10(10), exp(0), pow(2, 3)")
        return True
    except sqlite3.OperationalError:
        return False


def make_rows(n, seed):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        kind = rng.randrange(7)
        if kind == 0:
            x = rng.randint(-10**7, 10**7) / 1000  # ties at the 2nd and 3rd digit
        elif kind == 1:
            x = rng.randint(-10**6, 10**6) + 0.5
        elif kind == 2:
            x = rng.randint(-4000, 4000) / 8  # binary fractions: exact ties
        elif kind == 3:
            x = rng.choice([0.0, 0.5, -0.5, 2.675, -2.675, 1.005, 0.125, -0.125, 9.995, 0.0005])
        elif kind == 4:
            x = rng.randint(-10**15, 10**15) + 0.5
        elif kind == 5:
            x = rng.uniform(-1e6, 1e6)  # 17 significant digits
        else:
            x = float(rng.randint(-10**6, 10**6) * 50)
        nk = rng.randrange(5)
        if nk == 0:
            v = rng.randint(-10**6, 10**6)
        elif nk == 1:
            v = rng.randint(-200, 200) * 50  # ties for round(n, -2)
        elif nk == 2:
            v = rng.choice([0, 1, -1, 5, -5, 1000000, 2**62, -2**62, 10**18 + 5 * 10**17])
        elif nk == 3:
            v = rng.randint(-2**62, 2**62)
        else:
            v = rng.randint(-30, 30)
        q = rng.randint(-1000, 1000)
        d = rng.randrange(5)
        s = rng.choice(["a", "b", "", "c", "ab", "é", "ba"])
        rows.append((i, x, v, q, d, s))
    return rows


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "x", "n", "q", "d", "s"])
        for r in rows:
            w.writerow([r[0], repr(r[1]), r[2], r[3], r[4], r[5]])


def dec_round(x, digits):
    """round(x, digits) on the shortest decimal of x, half away from zero."""
    v = decimal.Decimal(repr(x)).quantize(decimal.Decimal(1).scaleb(-digits), decimal.ROUND_HALF_UP)
    return float(v) + 0.0


def int_round(n, digits):
    if digits <= 0:
        return n
    p = 10 ** digits
    m = (abs(n) + p // 2) // p * p
    return m if n >= 0 else -m


def sqlite_result(rows):
    db = sqlite3.connect(":memory:")
    has_math = sqlite_has_math(db)
    db.execute("CREATE TABLE rows (id INTEGER, x REAL, n INTEGER, q INTEGER, d INTEGER, s TEXT)")
    db.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?)", rows)
    m = {f: f if has_math else "NULL" for f in MATH}
    sql = f"""
SELECT id, round(x), round(x, d), 0, 0,
       {m['floor']}(x), {m['ceil']}(x), n + q, abs(x), abs(n),
       {m['sqrt']}(abs(x)), {m['ln']}(abs(x) + 1), {m['log10']}(abs(n) + 1),
       {m['exp']}(x / 1000000), {m['pow']}(x, 2),
       (x > 0) - (x < 0) + (q > 0) - (q < 0), max(x, n, 0), min(q, 10, d * 100), max(s, 'b'),
       x BETWEEN -1.5 AND 2.5, n NOT BETWEEN -100 AND q,
       n IN (0, 1, 2, 3, 5, 8, 13, 21, -1, -100, 1000000), s IN ('a', '', 'é'), q NOT IN (1, 2, 3),
       x IN (0.5, -0.5, 2.675, 0, 1.005, 0.125, 9.995, 1, -2.675, 0.5),
       s NOT IN ('a', 'b', 'c', 'd', 'e', 'f', 'g', 'é'),
       CASE WHEN x > 100 THEN 'big' WHEN x < 0 THEN 'neg' WHEN x = 0 THEN 'zero' ELSE 'small' END,
       CASE q % 3 WHEN 0 THEN n WHEN 1 THEN -n ELSE 7 END
FROM rows ORDER BY id"""
    by_id = {r[0]: r for r in rows}
    out = []
    for rec in db.execute(sql):
        rec = list(rec)
        _, x, n, q, d, _s = by_id[rec[0]]
        rec[3] = dec_round(x, -d)
        rec[4] = int_round(n, d)
        if not has_math:
            rec[5], rec[6] = float(math.floor(x)), float(math.ceil(x))
            rec[10], rec[11] = math.sqrt(abs(x)), math.log(abs(x) + 1)
            rec[12], rec[13], rec[14] = math.log10(abs(n) + 1), math.exp(x / 1000000), math.pow(x, 2)
        out.append(tuple(bool(v) if k == "bool" else float(v) if k in ("float", "approx") else v
                         for v, k in zip(rec, KINDS)))
    return out, has_math


def same(a, b, kind):
    if kind == "approx":
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)
    return a == b


def run(env, args, work):
    rows = make_rows(args.rows, args.seed)
    write_csv(os.path.join(work, "rows.csv"), rows)
    env.build_text(FLOW, "numeric", work)
    out, err = env.run_ok("numeric", work)
    problems = []
    # Floats are parsed as values only: their layout is e2e.oracle's
    # and e2e.case.float_format's to check; here they must be equal.
    got = flow_result(out, problems, NAMES, ["approx" if k == "float" else k for k in KINDS])
    want, has_math = sqlite_result(rows)
    if len(got) != len(want):
        problems.append("%d rows from the program, %d from SQLite" % (len(got), len(want)))
    bad = 0
    for g, w in zip(got, want):
        for name, kind, a, b in zip(NAMES, KINDS, g, w):
            if not same(a, b, kind):
                bad += 1
                if bad <= 12:
                    problems.append("id %d (input %r): %s is %r, SQLite says %r"
                                    % (g[0], rows[g[0]][1:], name, a, b))
    if bad:
        problems.append("%d values differ" % bad)
    fail_if(problems, err)
    return ("%d rows agree with SQLite %s (%s)"
            % (len(rows), sqlite3.sqlite_version,
               "with its math functions" if has_math else
               "without math functions: floor, ceil, sqrt, ln, log10, exp, pow computed in Python"))


def main():
    return oracle_main("oracle_numeric", __doc__, run)


if __name__ == "__main__":
    sys.exit(main())
