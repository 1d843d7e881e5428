#!/usr/bin/env python3
"""Oracle test: the same where + select query run by a flowc-built program
and by SQLite (python3's sqlite3 module) over ~200k random CSV rows must give
the same multiset of rows.

The rows (fixed seed) mix every input type and the hard cases of CSV: strings
with commas, quotes, line breaks and non-ASCII letters; timestamps in every
input form of LANGUAGE.md §7; negative and zero integers. SQLite's integer
arithmetic (64-bit, / truncating, % with the dividend's sign), its ASCII-only
upper()/lower(), its code-point length() and its binary string comparison
match Flow's, so the query translates one to one. Results are compared as
values: floats must be the very same double (and written in the shortest
form that reads back to it), timestamps the same millisecond (and written as
ISO 8601 UTC with milliseconds).

  oracle.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize] [--rows N]
"""

import collections
import csv
import datetime
import os
import random
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_util import by_names, compare_multisets, fail_if, oracle_main  # noqa: E402

FLOW = """\
schema Row {
  id    : int64,
  qty   : int32,
  price : float64,
  name  : string,
  ts    : timestamp,
  flag  : bool,
}

source rows : Row from file("rows.csv", format = csv);

stream out = rows
  | where (qty > -500 and price < 0.75) or (flag and contains(name, "a"))
  | where qty != 0 and not starts_with(name, "x")
  | select
      id,
      total  = qty * price,
      q2     = qty * qty * 3 - id % 7,
      quo    = id / qty,
      rem    = id % qty,
      up     = upper(name),
      len    = length(name),
      tag    = concat(lower(name), "#", string(qty)),
      later  = ts + 90s,
      age    = ts - timestamp("2024-01-01T00:00:00Z"),
      signed = if(price > 0.5, qty, -qty),
      ends_e = ends_with(name, "e"),
      hour   = int64(ts) / 3600000 % 24,
      cheap  = price <= 0.25 or name < "b";

sink out to stdout(format = csv);
"""

SQL = """\
SELECT id,
       qty * price,
       qty * qty * 3 - id % 7,
       id / qty,
       id % qty,
       upper(name),
       length(name),
       lower(name) || '#' || CAST(qty AS TEXT),
       ts + 90000,
       ts - 1704067200000,
       CASE WHEN price > 0.5 THEN qty ELSE -qty END,
       substr(name, -1) = 'e',
       ts / 3600000 % 24,
       price <= 0.25 OR name < 'b'
FROM rows
WHERE ((qty > -500 AND price < 0.75) OR (flag AND instr(name, 'a') > 0))
  AND qty != 0 AND NOT substr(name, 1, 1) = 'x'
"""

# Column kinds of the query's result, in order.
KINDS = ["int", "float", "int", "int", "int", "str", "int", "str", "ts", "int", "int", "bool", "int", "bool"]
NAMES = ["id", "total", "q2", "quo", "rem", "up", "len", "tag", "later", "age", "signed", "ends_e", "hour", "cheap"]

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
ALPHABET = "abcdexyzABEXZ  ,\"'é日ü-"


def iso(ms, form):
    """A timestamp in one of the input forms of LANGUAGE.md §7."""
    d = EPOCH + datetime.timedelta(milliseconds=ms)
    if form == 0:
        return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)
    if form == 1:
        return d.strftime("%Y-%m-%dT%H:%M:%SZ")
    if form == 2:
        return d.strftime("%Y-%m-%d %H:%M:%S")
    return str(ms)


def make_rows(n, seed):
    rng = random.Random(seed)
    start = 1672531200000  # 2023-01-01
    rows = []
    for i in range(n):
        form = rng.randrange(4)
        ms = start + rng.randrange(2 * 365 * 86400000)
        if form in (1, 2):
            ms -= ms % 1000  # these forms have whole seconds
        name = "".join(rng.choices(ALPHABET, k=rng.randrange(13)))
        if rng.random() < 0.01:
            name += "\nline"
        price = rng.random()
        price_text = repr(price) if rng.random() < 0.7 else "%.3f" % price
        rows.append((i * 3 - 1000, rng.randint(-1000, 1000), float(price_text), price_text, name, ms,
                     iso(ms, form), rng.random() < 0.5))
    return rows


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        # Columns in another order than the schema, plus one it does not have.
        w.writerow(["name", "ts", "id", "unused", "qty", "flag", "price"])
        for rid, qty, _price, price_text, name, _ms, ts_text, flag in rows:
            w.writerow([name, ts_text, rid, "z", qty, "true" if flag else "false", price_text])


def sqlite_result(rows):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE rows (id INTEGER, qty INTEGER, price REAL, name TEXT, ts INTEGER, flag INTEGER)")
    db.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?)",
                   [(r[0], r[1], r[2], r[4], r[5], int(r[7])) for r in rows])
    out = []
    for rec in db.execute(SQL):
        out.append(tuple(bool(v) if k == "bool" else float(v) if k == "float" else v
                         for v, k in zip(rec, KINDS)))
    return out


def shortest(f):
    """The shortest text that reads back to f, in Python's spelling."""
    r = repr(f)
    return r[:-2] if r.endswith(".0") else r


def format_ts(ms):
    d = EPOCH + datetime.timedelta(milliseconds=ms)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


def parse_ts(text):
    d = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    delta = d - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000


def flow_result(text, problems, names=NAMES, kinds=KINDS):
    """Parse the program's CSV into value tuples, checking the header and
    the output format of every float and timestamp on the way. A kind is
    int, float, approx (a float compared with a tolerance, whose digits are
    not checked), ts, bool or str."""
    reader = csv.reader(text.splitlines(True))
    header = next(reader, None)
    if header != names:
        problems.append("header %r, expected %r" % (header, names))
        return []
    out = []
    for lineno, rec in enumerate(reader, 2):
        if len(rec) != len(kinds):
            problems.append("record %d has %d fields: %r" % (lineno, len(rec), rec))
            continue
        vals = []
        for v, k in zip(rec, kinds):
            if k == "int":
                vals.append(int(v))
            elif k == "approx":
                vals.append(float(v))
            elif k == "float":
                f = float(v)
                if "e" not in v and v != shortest(f) and len(problems) < 10:
                    problems.append("record %d: float written as %r, shortest form is %r" % (lineno, v, shortest(f)))
                vals.append(f)
            elif k == "ts":
                ms = parse_ts(v)
                if v != format_ts(ms) and len(problems) < 10:
                    problems.append("record %d: timestamp written as %r" % (lineno, v))
                vals.append(ms)
            elif k == "bool":
                if v not in ("true", "false"):
                    problems.append("record %d: bool written as %r" % (lineno, v))
                vals.append(v == "true")
            else:
                vals.append(v)
        out.append(tuple(vals))
    return out


def run(env, args, work):
    rows = make_rows(args.rows, args.seed)
    write_csv(os.path.join(work, "rows.csv"), rows)
    env.build_text(FLOW, "oracle", work)
    out, err = env.run_ok("oracle", work)
    problems = []
    got = collections.Counter(flow_result(out, problems))
    want = collections.Counter(sqlite_result(rows))
    compare_multisets("", got, want, problems, by_names(NAMES))
    fail_if(problems, err)
    return "%d input rows, %d output rows agree with SQLite" % (len(rows), sum(want.values()))


def main():
    return oracle_main("oracle", __doc__, run, default=200000, seed=20240301)


if __name__ == "__main__":
    sys.exit(main())
