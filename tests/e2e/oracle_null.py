#!/usr/bin/env python3
"""Oracle test of optional fields (nulls): the same where + select run by a
flowc-built program and by SQLite (python3's sqlite3) over 120k random CSV
rows, about a fifth of each optional column null (an empty CSV field), must
give the same multiset of rows; the program writes JSON lines, so that a
null (JSON null) and an empty string cannot be mistaken for each other.

What is compared: three-valued logic in `where` (a null condition drops the
record) and in and/or/not; null-propagating arithmetic (+ - * / % on
int64, * on float64), comparisons, string functions (length, upper,
substring, replace, concat as ||, like), abs, greatest (SQLite's scalar
max, null when an argument is), casts, if and case (a null condition takes
the else; a case without else is null); `is null`, `is not null`,
coalesce; between, in and not in with SQL's rules for nulls among the
values. Then aggregates, which skip nulls: a keyed tumbling window with
count(), count(a), sum(a), min(s), max(x), avg(a) and count_distinct(a)
(null when a window has no value, but counts) against SQLite's GROUP BY.

  oracle_null.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize] [--rows N]
"""

import collections
import csv
import datetime
import json
import os
import random
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_util import by_names, compare_multisets, fail_if, oracle_main  # noqa: E402

FLOW = """\
schema Row {
  id : int64,
  a  : int64?,
  b  : int64?,
  x  : float64?,
  s  : string?,
  t  : string?,
  ok : bool?,
}

source rows : Row from file("rows.csv", format = csv);

stream out = rows
  | where (a > 0 or b is null or ok) and not (s == "zz")
  | select
      id, a, s,
      add  = a + b,
      sub  = a - b,
      mul  = a * b,
      quo  = a / b,
      rem  = a % b,
      dbl  = x * 2.0,
      lt   = a < b,
      eq   = s == t,
      an   = a is null,
      sn   = s is not null,
      co   = coalesce(a, b, 0),
      cs   = coalesce(s, t, "none"),
      cx   = coalesce(x, float64(b)),
      len  = length(s),
      up   = upper(s),
      part = substring(s, 2, 3),
      rep  = replace(s, "a", "xy"),
      cat  = concat(s, t),
      lk   = s like "a%",
      ab   = abs(a),
      gr   = greatest(a, b),
      str  = string(b),
      bt   = a between b and 50,
      inn  = a in (1, 2, b),
      nin  = a not in (3, b),
      cw   = case when a > 10 then "big" when a > 0 then "pos" end,
      cv   = case a when 1 then "one" when 2 then "two" else "other" end,
      land = ok and a > 5,
      lor  = ok or b > 3,
      lnot = not ok,
      iff  = if(ok, a, b);

sink out to stdout(format = jsonl);
"""

SQL = """\
SELECT id, a, s,
       a + b, a - b, a * b, a / b, a % b, x * 2.0,
       a < b, s = t, a IS NULL, s IS NOT NULL,
       coalesce(a, b, 0), coalesce(s, t, 'none'), coalesce(x, CAST(b AS REAL)),
       length(s), upper(s), substr(s, 2, 3), replace(s, 'a', 'xy'), s || t,
       s LIKE 'a%', abs(a), max(a, b), CAST(b AS TEXT),
       a BETWEEN b AND 50, a IN (1, 2, b), a NOT IN (3, b),
       CASE WHEN a > 10 THEN 'big' WHEN a > 0 THEN 'pos' END,
       CASE a WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'other' END,
       ok AND a > 5, ok OR b > 3, NOT ok,
       CASE WHEN ok THEN a ELSE b END
FROM rows
WHERE (a > 0 OR b IS NULL OR ok) AND NOT (s = 'zz')
"""

WINDOW_FLOW = """\
schema Row { k : int64, a : int64?, x : float64?, s : string?, at : timestamp }

source rows : Row from file("rows.csv", format = csv) event time at;

stream out = rows
  | key by k
  | window tumbling 10s
  | aggregate c = count(), ca = count(a), sa = sum(a), ms = min(s), mx = max(x), av = avg(a),
      d = count_distinct(a);

sink out to stdout(format = jsonl);
"""

WINDOW_SQL = """\
SELECT k, at / 10000 * 10000, count(*), count(a), sum(a), min(s), max(x), avg(a),
       count(DISTINCT a)
FROM rows GROUP BY k, at / 10000
"""

WINDOW_NAMES = ["k", "window_start", "c", "ca", "sa", "ms", "mx", "av", "d"]

NAMES = ["id", "a", "s", "add", "sub", "mul", "quo", "rem", "dbl", "lt", "eq", "an", "sn", "co",
         "cs", "cx", "len", "up", "part", "rep", "cat", "lk", "ab", "gr", "str", "bt", "inn",
         "nin", "cw", "cv", "land", "lor", "lnot", "iff"]
BOOLS = {"lt", "eq", "an", "sn", "lk", "bt", "inn", "nin", "land", "lor", "lnot"}
FLOATS = {"dbl", "cx", "mx", "av"}

ALPHABET = "aabzAZ é日"


def maybe(rng, value):
    return None if rng.random() < 0.2 else value


def make_rows(n, seed):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        s = "".join(rng.choices(ALPHABET, k=rng.randrange(1, 7)))
        if rng.random() < 0.05:
            s = "zz"
        t = "".join(rng.choices(ALPHABET, k=rng.randrange(1, 4)))
        if rng.random() < 0.1:
            t = s
        rows.append((i,
                     maybe(rng, rng.randrange(-20, 60)),
                     maybe(rng, rng.choice([-7, -3, -1, 1, 2, 3, 5, 9, 40, 70])),
                     maybe(rng, rng.randrange(-4000, 4000) / 8.0),
                     maybe(rng, s),
                     maybe(rng, t),
                     maybe(rng, rng.random() < 0.5),
                     rng.randrange(6),
                     i * 97))
    return rows


def write_csv(path, rows):
    """A null is an empty field; the strings are never empty."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "a", "b", "x", "s", "t", "ok", "k", "at"])
        for r in rows:
            w.writerow(["" if v is None else ("true" if v else "false") if isinstance(v, bool)
                        else repr(v) if isinstance(v, float) else v for v in r])


def normal(name, v):
    if v is None:
        return None
    if name in BOOLS:
        return bool(v)
    if name in FLOATS:
        return float(v)
    return v


def sqlite_db(rows):
    db = sqlite3.connect(":memory:")
    db.execute("PRAGMA case_sensitive_like = ON")
    db.execute("CREATE TABLE rows (id INTEGER, a INTEGER, b INTEGER, x REAL, s TEXT, t TEXT, "
               "ok INTEGER, k INTEGER, at INTEGER)")
    db.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [r[:6] + (None if r[6] is None else int(r[6]),) + r[7:] for r in rows])
    return db


def sqlite_result(db, sql, names):
    return [tuple(normal(n, v) for n, v in zip(names, rec)) for rec in db.execute(sql)]


def epoch_ms(text):
    d = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    return (d - datetime.datetime(1970, 1, 1)) // datetime.timedelta(milliseconds=1)


def flow_rows(text, problems, names):
    out = []
    for lineno, line in enumerate(text.splitlines(), 1):
        rec = json.loads(line)
        if "window_start" in rec:
            rec["window_start"] = epoch_ms(rec["window_start"])
            del rec["window_end"]
        if list(rec) != names:
            problems.append("line %d has members %r, expected %r" % (lineno, list(rec), names))
            return []
        out.append(tuple(normal(n, rec[n]) for n in names))
    return out


def run(env, args, work):
    rows = make_rows(args.rows, args.seed)
    write_csv(os.path.join(work, "rows.csv"), rows)
    db = sqlite_db(rows)
    problems = []
    env.build_text(FLOW, "oracle_null", work)
    out, err = env.run_ok("oracle_null", work)
    got = collections.Counter(flow_rows(out, problems, NAMES))
    want = collections.Counter(sqlite_result(db, SQL, NAMES))
    nulls = sum(v is None for r in want for v in r)
    compare_multisets("where + select", got, want, problems,
                      by_names(NAMES, {r[0]: r for r in rows}), 6)
    env.build_text(WINDOW_FLOW, "oracle_null_window", work)
    wout, werr = env.run_ok("oracle_null_window", work)
    wgot = collections.Counter(flow_rows(wout, problems, WINDOW_NAMES))
    wwant = collections.Counter(sqlite_result(db, WINDOW_SQL, WINDOW_NAMES))
    compare_multisets("window", wgot, wwant, problems, by_names(WINDOW_NAMES), 6)
    fail_if(problems, err + werr)
    return ("%d rows (%d null values) and %d windows agree with SQLite"
            % (sum(want.values()), nulls, sum(wwant.values())))


def main():
    return oracle_main("oracle_null", __doc__, run)


if __name__ == "__main__":
    sys.exit(main())
