#!/usr/bin/env python3
"""Oracle test of the string functions SQLite shares with Flow: the same
select run by a flowc-built program and by SQLite (python3's sqlite3) over
~120k random CSV rows must give the same multiset of rows.

What is compared: substring (SQLite's substr, for start >= 0, where SQLite
and PostgreSQL agree), replace (an empty `from` included), trim, ltrim,
rtrim, position (instr), length, and `like` / `not like` (SQLite's LIKE with
PRAGMA case_sensitive_like = ON and ESCAPE '\\'). The strings mix ASCII,
two-, three- and four-byte UTF-8, spaces at both ends, the empty string and
the LIKE wildcards themselves; patterns are random or made from the row's
own string (so that many match), with escapes.

  oracle_string.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize] [--rows N]
"""

import collections
import csv
import os
import random
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import flow_result  # noqa: E402
from oracle_util import by_names, compare_multisets, fail_if, oracle_main  # noqa: E402

FLOW = """\
schema Row {
  id : int64,
  s  : string,
  p  : string,
  f  : string,
  t  : string,
  st : int32,
  ln : int32,
}

source rows : Row from file("rows.csv", format = csv);

stream out = rows
  | select
      id,
      sub   = substring(s, st, ln),
      rest  = substring(s, st),
      rep   = replace(s, f, t),
      tr    = trim(s),
      lt    = ltrim(s),
      rt    = rtrim(s),
      pos   = position(f, s),
      len   = length(s),
      lk    = s like p,
      nlk   = s not like p,
      pre   = s like "a%",
      suf   = s like "%é",
      mid   = s like "%b_%",
      esc   = s like "%\\\\%%";

sink out to stdout(format = csv);
"""

SQL = """\
SELECT id,
       substr(s, st, ln),
       substr(s, st),
       replace(s, f, t),
       trim(s),
       ltrim(s),
       rtrim(s),
       instr(s, f),
       length(s),
       s LIKE p ESCAPE '\\',
       NOT (s LIKE p ESCAPE '\\'),
       s LIKE 'a%',
       s LIKE '%é',
       s LIKE '%b_%',
       s LIKE '%\\%%' ESCAPE '\\'
FROM rows
"""

NAMES = ["id", "sub", "rest", "rep", "tr", "lt", "rt", "pos", "len", "lk", "nlk", "pre", "suf",
         "mid", "esc"]
KINDS = ["int", "str", "str", "str", "str", "str", "str", "int", "int", "bool", "bool", "bool",
         "bool", "bool", "bool"]

ALPHABET = "aabbcAB  %_\\é日😀-"


def random_pattern(rng, s):
    """A LIKE pattern: from s (its wildcards escaped, some characters made
    '_' or '%'), or random tokens."""
    out = []
    if s and rng.random() < 0.6:
        for ch in s:
            r = rng.random()
            if r < 0.15:
                out.append("_")
            elif r < 0.22:
                out.append("%")
            elif r < 0.25:
                continue
            elif ch in "%_\\":
                out.append("\\" + ch)
            else:
                out.append(ch)
        if rng.random() < 0.2:
            out.insert(rng.randrange(len(out) + 1), "%")
        return "".join(out)
    tokens = ["a", "b", "é", "日", "😀", " ", "%", "_", "\\%", "\\_", "\\\\", "\\a"]
    return "".join(rng.choice(tokens) for _ in range(rng.randrange(6)))


def make_rows(n, seed):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        s = "".join(rng.choices(ALPHABET, k=rng.randrange(12)))
        if rng.random() < 0.1:
            s = "  " + s + " "
        p = random_pattern(rng, s)
        if s and rng.random() < 0.7:
            a = rng.randrange(len(s))
            f = s[a:a + rng.randrange(3)]
        else:
            f = "".join(rng.choices(ALPHABET, k=rng.randrange(3)))
        t = "".join(rng.choices("xyé日", k=rng.randrange(4)))
        rows.append((i, s, p, f, t, rng.randrange(0, 15), rng.randrange(0, 15)))
    return rows


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "s", "p", "f", "t", "st", "ln"])
        for r in rows:
            w.writerow(r)


def sqlite_result(rows):
    db = sqlite3.connect(":memory:")
    db.execute("PRAGMA case_sensitive_like = ON")
    db.execute("CREATE TABLE rows (id INTEGER, s TEXT, p TEXT, f TEXT, t TEXT, st INTEGER, ln INTEGER)")
    db.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return [tuple(bool(v) if k == "bool" else v for v, k in zip(rec, KINDS)) for rec in db.execute(SQL)]


def run(env, args, work):
    rows = make_rows(args.rows, args.seed)
    write_csv(os.path.join(work, "rows.csv"), rows)
    env.build_text(FLOW, "oracle_string", work)
    out, err = env.run_ok("oracle_string", work)
    problems = []
    got = collections.Counter(flow_result(out, problems, NAMES, KINDS))
    want = collections.Counter(sqlite_result(rows))
    compare_multisets("", got, want, problems, by_names(NAMES, {r[0]: r for r in rows}), 6)
    fail_if(problems, err)
    return "%d rows agree with SQLite" % sum(want.values())


def main():
    return oracle_main("oracle_string", __doc__, run)


if __name__ == "__main__":
    sys.exit(main())
