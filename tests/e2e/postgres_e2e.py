#!/usr/bin/env python3
"""PostgreSQL end to end, against a real server (tests/postgres/server.py; no
server binaries fails the test, it never skips): a table of every mapped
column type, loaded with psql, read by a compiled program postgres -> file
(a NULL is a bad record with its row number), the same through query=; a
file -> where -> postgres program appends the selected rows, which psql reads
back; a checkpointed postgres source killed after its checkpoints restores
by skipping the rows it had read (a table without a primary key cannot);
a program with a postgres connector links libpq, one without does not.
Errors: a missing table, a missing column (before any row), refused
authentication and a server that is down (a bounded wait, then a clear
error), each with exit status 1.

  postgres_e2e.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "postgres"))
from run_e2e import Env, Failure, env_arguments  # noqa: E402
from server import Server, ServerError, free_port  # noqa: E402

TYPES = """\
schema T { id : int32, big : int64, f : float64, num : float64, name : string,
           code : string, ok : bool, at : timestamp, atz : timestamp }
source t : T from postgres(conninfo = "{c}", {what});
sink t to file("{out}");
"""

SELECT = """\
schema Order { id : int64, user : string, amount : float64 }
source orders : Order from file("orders.csv");
stream big = orders | where amount > 10.0;
sink big to postgres(conninfo = "{c}", table = "big");
"""

RESTORED = """\
schema E { id : int64, ts : timestamp, v : int64 }
source e : E from postgres(conninfo = "{c}", table = "{t}") event time ts watermark 0s;
stream w = e | window tumbling 1s | aggregate n = count(), total = sum(v);
sink w to file("w.csv");
config { checkpoint every 20ms to "ckpt"; }
"""

PLAIN = """\
schema Order { id : int64, user : string, amount : float64 }
source orders : Order from stdin(format = csv);
sink orders to stdout(format = csv);
"""

ROWS = [  # the table's rows, as psql loads them (CSV; empty: NULL)
    "1,10000000000,1.5,12.250,plain,abc,t,2024-03-01 10:00:00,2024-03-01 10:00:00+00",
    "2,-7,-0.25,0,\"with, comma\",x,f,2024-03-01 10:00:00.125,2024-03-01 12:00:00.5+02",
    "3,3,1e300,NaN,\"\",\"\",t,1999-12-31 23:59:59,1999-12-31 23:59:59+00",
    "4,4,2,2,null-name,y,,2024-03-01 10:00:00,2024-03-01 10:00:00+00",
    "5,5,Infinity,5.5,äöü,z,f,2024-03-01 10:00:01,2024-03-01 10:00:01+00",
]
WANT = [  # what the program writes: row 4 has a NULL bool, a bad record
    "id,big,f,num,name,code,ok,at,atz",
    "1,10000000000,1.5,12.25,plain,abc,true,2024-03-01T10:00:00.000Z,2024-03-01T10:00:00.000Z",
    "2,-7,-0.25,0,\"with, comma\",x,false,2024-03-01T10:00:00.125Z,2024-03-01T10:00:00.500Z",
    "3,3,1e+300,nan,,,true,1999-12-31T23:59:59.000Z,1999-12-31T23:59:59.000Z",
    "5,5,inf,5.5,äöü,z,false,2024-03-01T10:00:01.000Z,2024-03-01T10:00:01.000Z",
]


def links_libpq(exe):
    out = subprocess.run(["ldd", exe], capture_output=True, text=True, check=True).stdout
    return "libpq" in out


def run_fault(env, exe, cwd, fault):
    """Runs exe with FLOW_FAULT=fault in a session of its own (a fault's
    kill is of the whole process group); its status and stderr."""
    penv = env.program_env()
    penv["FLOW_FAULT"] = fault
    proc = subprocess.run([os.path.join(cwd, exe)], cwd=cwd, env=penv, capture_output=True,
                          text=True, start_new_session=True, timeout=120)
    return proc.returncode, proc.stderr


def expect_error(env, work, name, text, wants, max_s=None):
    env.build_text(text, name, work)
    t0 = time.monotonic()
    status, _, err = env.run(name, [], work)
    took = time.monotonic() - t0
    if status != 1 or any(w not in err for w in wants):
        raise Failure(f"{name}: exit {status}, wanted 1 and {wants} in:\n{err}")
    if max_s and took > max_s:
        raise Failure(f"{name}: took {took:.1f} s, more than {max_s} s")
    return err


def main():
    env = Env(env_arguments(__doc__).parse_args())
    work = env.fresh_dir("postgres_e2e")
    with Server(log=os.path.join(work, "server.log")) as s:
        s.psql("CREATE TABLE types (id int4 PRIMARY KEY, big int8, f float8, num numeric, "
               "name text, code varchar(8), ok bool, at timestamp, atz timestamptz)")
        s.copy_in("types", "".join(r + "\n" for r in ROWS))
        # Rows are read in primary key order: insert them backwards.
        s.psql("CREATE TABLE types2 AS SELECT * FROM types ORDER BY id DESC")

        env.build_text(TYPES.replace("{c}", s.conninfo).replace("{what}", 'table = "types"')
                       .replace("{out}", "types.csv"), "pg_types", work)
        out, err = env.run_ok("pg_types", work)
        got = open(os.path.join(work, "types.csv")).read().splitlines()
        if got != WANT:
            raise Failure(f"types.csv:\n" + "\n".join(got) + "\nwanted\n" + "\n".join(WANT))
        if "at types record 4: field 'ok': NULL" not in err:
            raise Failure(f"the NULL is not reported with its row:\n{err}")

        env.build_text(TYPES.replace("{c}", s.conninfo)
                       .replace("{what}", 'query = "SELECT * FROM types2 ORDER BY id"')
                       .replace("{out}", "query.csv"), "pg_query", work)
        env.run_ok("pg_query", work)
        got = open(os.path.join(work, "query.csv")).read().splitlines()
        if got != WANT:
            raise Failure(f"query.csv:\n" + "\n".join(got))

        orders = [(i, f"u{i % 5}" if i % 7 else "", i * 3 % 25 + 0.5) for i in range(1, 200)]
        orders.append((500, 'quo"te, and\nline', 99.0))
        with open(os.path.join(work, "orders.csv"), "w") as f:
            f.write("id,user,amount\n")
            for i, u, a in orders:
                q = '"' + u.replace('"', '""') + '"' if any(c in u for c in ',"\n') else u
                f.write(f"{i},{q},{a}\n")
        s.psql('CREATE TABLE big (id int8, "user" text, amount float8)')
        env.build_text(SELECT.replace("{c}", s.conninfo), "pg_select", work)
        env.run_ok("pg_select", work)
        got = [(r["id"], r["user"], r["amount"])
               for r in s.rows('SELECT * FROM big ORDER BY id')]
        want = sorted((i, u, a) for i, u, a in orders if a > 10.0)
        if got != want:
            raise Failure(f"table big: {got[:5]}... ({len(got)} rows)\nwanted {want[:5]}... "
                          f"({len(want)})")

        # A checkpointed postgres source restores by skipping the rows it
        # had read: killed right after its checkpoints' renames, the run's
        # file ends as an uninterrupted one's.
        s.psql("CREATE TABLE ev (id int8 PRIMARY KEY, ts timestamptz, v int8)")
        s.psql("INSERT INTO ev SELECT i, timestamptz '2024-01-01' + i * interval '7 ms', i % 13 "
               "FROM generate_series(1, 200000) i")
        s.psql("CREATE TABLE ev_nokey AS SELECT * FROM ev")
        for name, table in (("pg_once", "ev"), ("pg_restored", "ev"), ("pg_nokey", "ev_nokey")):
            os.makedirs(os.path.join(work, name))
            env.build_text(RESTORED.replace("{c}", s.conninfo).replace("{t}", table), name,
                           os.path.join(work, name))
        env.run_ok("pg_once", os.path.join(work, "pg_once"))
        cwd = os.path.join(work, "pg_restored")
        restored = 0
        for _ in range(8):  # each run killed after its first checkpoint
            status, err = run_fault(env, "pg_restored", cwd, "kill-after-rename@1")
            if status != -9:
                raise Failure(f"pg_restored exited with {status}:\n{err}")
            restored += 1
        env.run_ok("pg_restored", cwd)
        once = open(os.path.join(work, "pg_once", "w.csv")).read()
        again = open(os.path.join(cwd, "w.csv")).read()
        if once != again:
            raise Failure(f"after {restored} restores w.csv differs from an uninterrupted run's")
        cwd = os.path.join(work, "pg_nokey")
        run_fault(env, "pg_nokey", cwd, "kill-after-rename@1")
        status, _, err = env.run("pg_nokey", [], cwd)
        if status != 1 or "cannot be restored" not in err:
            raise Failure(f"restoring a source without a primary key: exit {status}:\n{err}")

        env.build_text(PLAIN, "plain", work)
        if not links_libpq(os.path.join(work, "pg_select")):
            raise Failure("a program with a postgres connector does not link libpq")
        if links_libpq(os.path.join(work, "plain")):
            raise Failure("a program without a postgres connector links libpq")

        src = ('schema T { id : int32, nope : string }\n'
               'source t : T from postgres(conninfo = "%s", %s);\nsink t to file("x.csv");\n')
        expect_error(env, work, "pg_no_table", src % (s.conninfo, 'table = "missing"'),
                     ["postgres(): table 'missing' does not exist"])
        expect_error(env, work, "pg_no_column", src % (s.conninfo, 'table = "types"'),
                     ["field 'nope' is not a column of types (it has: id, big,"])
        if os.path.exists(os.path.join(work, "x.csv")):
            raise Failure("a missing column left an output file behind")
        expect_error(env, work, "pg_bad_auth",
                     src % (s.tcp_conninfo + " password=wrong", 'table = "types"'),
                     ["cannot connect", "password authentication failed"], max_s=5)
        expect_error(env, work, "pg_down",
                     src % (f"host=127.0.0.1 port={free_port()} user=flowc dbname=postgres",
                            'table = "types"'),
                     ["no PostgreSQL server answered within 10 s", "Connection refused"],
                     max_s=30)
    print(f"postgres_e2e: {len(WANT) - 1} rows of 9 types read (table and query), "
          f"a source restored {restored} times, {len(want)} rows appended, linking and 4 errors "
          "checked")


if __name__ == "__main__":
    try:
        main()
    except (Failure, ServerError) as e:
        sys.exit(f"FAIL: {e}")
