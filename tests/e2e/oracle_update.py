#!/usr/bin/env python3
"""Oracle test of updating aggregates (docs/language.md, "Updating
aggregates"): 120k random CSV rows (2000 keys of a string and an int, some
values null, event times in order) through three updating aggregates of a
flowc-built program, against SQLite (python3's sqlite3) and a model:

- `key by k, g | aggregate n = count(), na = count(a), total = sum(v),
  lo = min(s), hi = max(a), mean = avg(v), d = count_distinct(s)`, per
  record: the last row of each key (the final state) equals SQLite's
  GROUP BY k, g; every record emits a row (count() always changes), the
  first of each key +I, the others +U;
- the same every 1s of event time (`emit every 10m`): the last row of each
  key equals GROUP BY too, and a key has at most one row per interval;
- `key by g | aggregate lo = min(v), hi = max(v)`: the rows are exactly the
  model's changelog, a row for each record that changes (lo, hi) of its key
  and none for one that does not.

  oracle_update.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize] [--rows N]
"""

import collections
import csv
import os
import random
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_util import compare_multisets, fail_if, oracle_main  # noqa: E402

AGGS = "n = count(), na = count(a), total = sum(v), lo = min(s), hi = max(a), mean = avg(v), " \
       "d = count_distinct(s)"
FLOW = """\
schema Row { id : int64, ts : timestamp, k : string, g : int64, v : int64, a : int64?, s : string }

source rows : Row from file("rows.csv", format = csv) event time ts watermark 0s;

stream per_record = rows | key by k, g | aggregate %s;
stream every = rows | key by k, g | aggregate %s emit every 10m;
stream range = rows | key by g | aggregate lo = min(v), hi = max(v);

sink per_record to file("per_record.csv", format = csv);
sink every to file("every.csv", format = csv);
sink range to file("range.csv", format = csv);
""" % (AGGS, AGGS)
SQL = """SELECT k, g, COUNT(*), COUNT(a), SUM(v), MIN(s), MAX(a), AVG(v), COUNT(DISTINCT s)
         FROM rows GROUP BY k, g"""


def make_rows(n, seed):
    rng = random.Random(seed)
    rows, ts = [], 1709251200000
    for i in range(n):
        ts += rng.randrange(0, 40)
        a = rng.randrange(-1000, 1000) if rng.random() < 0.8 else None
        rows.append((i, ts, "k%d" % rng.randrange(200), rng.randrange(10),
                     rng.randrange(-10 ** 6, 10 ** 6), a, "s%d" % rng.randrange(50)))
    return rows


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "ts", "k", "g", "v", "a", "s"])
        for r in rows:
            w.writerow([r[0], r[1], r[2], r[3], r[4], "" if r[5] is None else r[5], r[6]])


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))[1:]


def final_state(rows, problems, label):
    """The last row of each (k, g), normalised; checks the op column."""
    last, seen = {}, set()
    for r in rows:
        key = (r[1], int(r[2]))
        want = "+U" if key in seen else "+I"
        if r[0] != want:
            problems.append("%s: row %r is %s, expected %s" % (label, r, r[0], want))
            break
        seen.add(key)
        last[key] = r
    return collections.Counter(normal(r[1:]) for r in last.values())


def normal(r):
    """(k, g, n, na, total, lo, hi, mean rounded, d) of a flow row or SQLite's."""
    k, g, n, na, total, lo, hi, mean, d = r
    return (k, int(g), int(n), int(na), int(total), lo,
            None if hi in ("", None) else int(hi), round(float(mean), 6), int(d))


def range_model(rows):
    """The changelog of key by g | aggregate lo = min(v), hi = max(v)."""
    out, state = [], {}
    for r in rows:
        g, v = r[3], r[4]
        old = state.get(g)
        new = (min(old[0], v), max(old[1], v)) if old else (v, v)
        if new != old:
            out.append(("+U" if old else "+I", str(g), str(new[0]), str(new[1])))
        state[g] = new
    return out


def run(env, args, work):
    rows = make_rows(args.rows, args.seed)
    write_csv(os.path.join(work, "rows.csv"), rows)
    env.build_text(FLOW, "oracle_update", work)
    _, err = env.run_ok("oracle_update", work)
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE rows (id, ts, k, g, v, a, s)")
    db.executemany("INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    want = collections.Counter(normal(r) for r in db.execute(SQL))
    problems = []
    per_record = read_csv(os.path.join(work, "per_record.csv"))
    if len(per_record) != len(rows):
        problems.append("per record: %d rows for %d records" % (len(per_record), len(rows)))
    compare_multisets("per record, final state", final_state(per_record, problems, "per record"),
                      want, problems)
    every = read_csv(os.path.join(work, "every.csv"))
    compare_multisets("emit every 10m, final state", final_state(every, problems, "emit every"),
                      want, problems)
    if len(every) >= len(per_record) or len(every) < len(want):
        problems.append("emit every 10m: %d rows, per record %d, keys %d"
                        % (len(every), len(per_record), len(want)))
    got_range = [tuple(r) for r in read_csv(os.path.join(work, "range.csv"))]
    want_range = range_model(rows)
    if got_range != want_range:
        first = next(i for i in range(min(len(got_range), len(want_range)) + 1)
                     if i >= len(got_range) or i >= len(want_range)
                     or got_range[i] != want_range[i])
        problems.append("range: %d rows, the model %d; first difference at row %d: %r, model %r"
                        % (len(got_range), len(want_range), first + 1,
                           got_range[first] if first < len(got_range) else None,
                           want_range[first] if first < len(want_range) else None))
    fail_if(problems, err)
    return ("%d rows, %d keys: final states equal GROUP BY (per record and emit every 10m, "
            "%d rows); %d range changes equal the model"
            % (len(rows), len(want), len(every), len(want_range)))


def main():
    return oracle_main("oracle_update", __doc__, run)


if __name__ == "__main__":
    sys.exit(main())
