#!/usr/bin/env python3
"""A lookup table from PostgreSQL: `table users : User from postgres(...) key
id`, loaded with psql, is read before the stream starts, and a file ->
lookup -> file program enriches every order with its user's name and tier
(or the miss default); the output equals the join worked out here. A table
whose query misses a column fails before any order is read.

  postgres_lookup.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "postgres"))
from run_e2e import Env, Failure, env_arguments  # noqa: E402
from server import Server, ServerError  # noqa: E402

FLOW = """\
schema User {{ id : int64, name : string, tier : int32 }}
schema Order {{ oid : int64, uid : int64, amount : float64 }}
table users : User from postgres(conninfo = "{c}", {what}) key id;
source orders : Order from file("orders.csv");
stream rich = orders as o | lookup users as u on o.uid == u.id
  | select o.oid, o.amount, u.name, u.tier;
sink rich to file("rich.csv");
"""


def main():
    env = Env(env_arguments(__doc__).parse_args())
    work = env.fresh_dir("postgres_lookup")
    users = {i: (f"user {i}", i % 3) for i in range(1, 300)}
    orders = [(k, (k * 7) % 320, k / 4) for k in range(1, 2000)]
    with open(os.path.join(work, "orders.csv"), "w") as f:
        f.write("oid,uid,amount\n")
        f.writelines(f"{o},{u},{a}\n" for o, u, a in orders)
    with Server(log=os.path.join(work, "server.log")) as s:
        s.psql("CREATE TABLE app_users (id int8 PRIMARY KEY, name text, tier int4, extra text)")
        s.copy_in("app_users", "".join(f"{i},{n},{t},x\n" for i, (n, t) in users.items()))
        env.build_text(FLOW.format(c=s.conninfo, what='table = "app_users"'), "pg_lookup", work)
        _, err = env.run_ok("pg_lookup", work)
        with open(os.path.join(work, "rich.csv")) as f:
            got = [(int(r["oid"]), float(r["amount"]), r["name"], r["tier"])
                   for r in csv.DictReader(f)]
        # An inner lookup: orders of unknown users are left out.
        want = [(o, a, users[u][0], str(users[u][1])) for o, u, a in orders if u in users]
        if got != want:
            raise Failure(f"rich.csv: {got[:3]}... ({len(got)})\nwanted {want[:3]}... "
                          f"({len(want)})\n{err}")
        env.build_text(FLOW.format(c=s.conninfo, what='query = "SELECT id, name FROM app_users"'),
                       "pg_lookup_bad", work)
        status, _, err = env.run("pg_lookup_bad", [], work)
        if status != 1 or "field 'tier' is not a column of the query" not in err:
            raise Failure(f"a table without a column: exit {status}:\n{err}")
    print(f"postgres_lookup: {len(users)} users from PostgreSQL, {len(want)} orders enriched")


if __name__ == "__main__":
    try:
        main()
    except (Failure, ServerError) as e:
        sys.exit(f"FAIL: {e}")
