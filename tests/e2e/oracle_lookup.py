#!/usr/bin/env python3
"""Oracle test for lookup: two lookups of ~300k random events against two
tables with unique keys (an int64 key with ~100k rows, a string key with an
extra condition on a second field), run by a flowc-built program and, as
inner joins, by SQLite (python3's sqlite3 module). The results must be the
same multiset of rows. About a third of the events have no customer row and
some have no product row for their region: they must be missing from both.
The same two lookups with `left` must give SQLite's LEFT JOIN: every event,
the fields of a missing row null (compared as JSON lines, where null is not
"").

  oracle_lookup.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize] [--events N]
"""

import collections
import csv
import json
import os
import random
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_util import by_names, compare_multisets, fail_if, oracle_main  # noqa: E402
import oracle  # noqa: E402

FLOW = """\
schema Event { id : int64, cust : int64, sku : string, region : string, qty : int32 }
schema Customer { id : int64, name : string, score : float64 }
schema Product { sku : string, region : string, price : float64 }

source events : Event from file("events.csv", format = csv);
table customers : Customer from file("customers.csv", format = csv) key id;
table products : Product from file("products.jsonl", format = jsonl) key sku;

stream out = events as e
  | lookup customers as c on e.cust == c.id
  | lookup products as p on e.sku == p.sku and e.region == p.region
  | select id = e.id, name, score, sku = e.sku, cost = price * qty;

sink out to stdout(format = csv);
"""

SQL = """\
SELECT e.id, c.name, c.score, e.sku, p.price * e.qty
FROM events e
JOIN customers c ON e.cust = c.id
JOIN products p ON e.sku = p.sku AND e.region = p.region
"""

LEFT_FLOW = (FLOW.replace("on e.cust == c.id", "on e.cust == c.id left")
             .replace("and e.region == p.region", "and e.region == p.region left")
             .replace("stdout(format = csv)", "stdout(format = jsonl)"))
LEFT_SQL = SQL.replace("\nJOIN", "\nLEFT JOIN")

NAMES = ["id", "name", "score", "sku", "cost"]
KINDS = ["int", "str", "float", "str", "float"]
REGIONS = ["north", "south", "east", "west"]
ALPHABET = "abcxyzAB ,\"'é日-"


def make_data(nevents, seed):
    rng = random.Random(seed)
    ncust = nevents // 3
    customers = []
    for cid in rng.sample(range(nevents // 2), ncust):
        name = "".join(rng.choices(ALPHABET, k=rng.randrange(10)))
        customers.append((cid, name, rng.random()))
    skus = ["sku-%d" % i for i in range(2000)]
    products = [(s, rng.choice(REGIONS), round(rng.uniform(0.5, 99.5), 2)) for s in skus[:1500]]
    events = [(i, rng.randrange(nevents // 2), rng.choice(skus), rng.choice(REGIONS), rng.randint(1, 20))
              for i in range(nevents)]
    return events, customers, products


def write_inputs(work, events, customers, products):
    with open(os.path.join(work, "events.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "cust", "sku", "region", "qty"])
        w.writerows(events)
    with open(os.path.join(work, "customers.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "name", "score"])
        w.writerows((c, n, repr(s)) for c, n, s in customers)
    with open(os.path.join(work, "products.jsonl"), "w", encoding="utf-8") as f:
        for s, r, p in products:
            f.write('{"sku": "%s", "price": %r, "region": "%s"}\n' % (s, p, r))


def sqlite_result(events, customers, products, sql=SQL):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE events (id INTEGER, cust INTEGER, sku TEXT, region TEXT, qty INTEGER)")
    db.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, score REAL)")
    db.execute("CREATE TABLE products (sku TEXT PRIMARY KEY, region TEXT, price REAL)")
    db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", events)
    db.executemany("INSERT INTO customers VALUES (?, ?, ?)", customers)
    db.executemany("INSERT INTO products VALUES (?, ?, ?)", products)
    return [tuple(float(v) if k == "float" and v is not None else v for v, k in zip(r, KINDS))
            for r in db.execute(sql)]


def flow_result(text, problems):
    return oracle.flow_result(text, problems, NAMES, KINDS)


def run(env, args, work):
    events, customers, products = make_data(args.events, args.seed)
    write_inputs(work, events, customers, products)
    env.build_text(FLOW, "oracle_lookup", work)
    out, err = env.run_ok("oracle_lookup", work)
    problems = []
    got = collections.Counter(flow_result(out, problems))
    want = collections.Counter(sqlite_result(events, customers, products))
    if sum(want.values()) < len(events) // 10:
        problems.append("only %d rows joined: the data does not exercise the lookup"
                        % sum(want.values()))
    compare_multisets("", got, want, problems, by_names(NAMES))
    env.build_text(LEFT_FLOW, "oracle_lookup_left", work)
    lout, lerr = env.run_ok("oracle_lookup_left", work)
    lgot = collections.Counter(tuple(float(v) if k == "float" and v is not None else v
                                     for v, k in zip((r.get(n) for n in NAMES), KINDS))
                               for r in map(json.loads, lout.splitlines()))
    lwant = collections.Counter(sqlite_result(events, customers, products, LEFT_SQL))
    if sum(lwant.values()) != len(events):
        problems.append("the LEFT JOIN has %d rows for %d events" % (sum(lwant.values()), len(events)))
    compare_multisets("left", lgot, lwant, problems, by_names(NAMES))
    fail_if(problems, err + lerr)
    return ("%d events, %d + %d table rows, %d output rows (and %d of the left lookups) agree "
            "with SQLite" % (len(events), len(customers), len(products), sum(want.values()),
                             sum(lwant.values())))


def main():
    return oracle_main("oracle_lookup", __doc__, run, "--events", 300000, 20240501)


if __name__ == "__main__":
    sys.exit(main())
