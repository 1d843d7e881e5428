#!/usr/bin/env python3
"""postgres_bench.py: what the PostgreSQL connector costs (docs/performance.md,
"PostgreSQL"), against psql on the same rows in the same script, on the test
server (tests/postgres/server.py; fsync off, Unix socket):

1. into PostgreSQL: a file -> postgres (append) program, with the default
   linger and with linger = 100ms, against `psql \\copy T FROM file` of the
   same CSV, RUNS rounds interleaved (a run of each case per round), the
   best rows/s of each and the median of the rounds' ratios;
2. out of PostgreSQL: a postgres -> file program against
   `psql \\copy (SELECT ...) TO file`;
3. append with checkpoints every 1 s (prepared transactions), in the rounds;
4. upsert: file -> postgres (mode = upsert) of the same rows onto KEYS keys.

  tests/bench/postgres_bench.py [BUILD_DIR]      (default: build)

Environment: ROWS (default 1000000), KEYS (default 10000), RUNS (default 3),
BEFORE (a build directory whose append programs run in the same rounds).
"""

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "postgres"))
from server import Server  # noqa: E402

ROWS = int(os.environ.get("ROWS", 1_000_000))
KEYS = int(os.environ.get("KEYS", 10_000))
RUNS = int(os.environ.get("RUNS", 3))
# Another build (the sink before a change), whose append programs join the
# rounds: before and after on the same server, interleaved.
BEFORE = os.environ.get("BEFORE")

SCHEMA = "schema R { id : int64, k : int64, name : string, amount : float64 }\n"
INTO = SCHEMA + """source r : R from file("rows.csv");
sink r to postgres(conninfo = "{c}", table = "{t}"{extra});
{config}"""
OUT = SCHEMA + """source r : R from postgres(conninfo = "{c}", table = "t_in");
sink r to file("out.csv");
"""


def fill(text, **kw):
    for k, v in kw.items():
        text = text.replace("{" + k + "}", v)
    return text


def best_of_one(f):
    t0 = time.monotonic()
    f()
    return ROWS / (time.monotonic() - t0)


def best(f):
    times = []
    for _ in range(RUNS):
        t0 = time.monotonic()
        f()
        times.append(time.monotonic() - t0)
    return ROWS / min(times)


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../build"))
    flowc = os.path.join(build, "bin", "flowc")
    work = tempfile.mkdtemp(prefix="flowc-pg-bench-")
    rng = random.Random(1)
    with open(os.path.join(work, "rows.csv"), "w") as f:
        f.write("id,k,name,amount\n")
        for i in range(ROWS):
            f.write(f"{i},{rng.randrange(KEYS)},name {i % 977},{rng.randrange(100000) / 100}\n")
    with Server() as s:
        def sql(q):
            s.psql(q)

        def build_prog(name, text, compiler=flowc):
            with open(os.path.join(work, name + ".flow"), "w") as f:
                f.write(text)
            subprocess.run([compiler, "build", name + ".flow", "-o", name], cwd=work, check=True)

        def run(name, args=()):
            subprocess.run([os.path.join(work, name), *args], cwd=work, check=True,
                           stderr=subprocess.DEVNULL)

        cols = "(id int8, k int8, name text, amount float8)"
        sql(f"CREATE TABLE t_in {cols}; CREATE TABLE t_psql {cols}; CREATE TABLE t_ck {cols}")
        sql(f"CREATE TABLE t_up (id int8, k int8 PRIMARY KEY, name text, amount float8)")
        build_prog("into", fill(INTO, c=s.conninfo, t="t_in", extra="", config=""))
        build_prog("ck", fill(INTO, c=s.conninfo, t="t_ck", extra="",
                                config='config { checkpoint every 1s to "ckpt"; }\n'))
        build_prog("lg", fill(INTO, c=s.conninfo, t="t_in", extra=", linger = 100ms", config=""))
        build_prog("up", fill(INTO, c=s.conninfo, t="t_up", extra=", mode = upsert", config=""))
        build_prog("out", fill(OUT, c=s.conninfo))
        if BEFORE:
            for name, t, config in (("into_before", "t_in", ""),
                                    ("ck_before", "t_ck",
                                     'config { checkpoint every 1s to "ckpt"; }\n')):
                build_prog(name, fill(INTO, c=s.conninfo, t=t, extra="", config=config),
                           os.path.join(BEFORE, "bin", "flowc"))
        rows_csv = os.path.join(work, "rows.csv")
        copy_in = f"\\copy t_psql FROM '{rows_csv}' WITH (FORMAT csv, HEADER)"
        copy_out = (f"\\copy (SELECT * FROM t_in) TO '{os.path.join(work, 'psql_out.csv')}' "
                    "WITH (FORMAT csv)")
        # Interleaved, a round of each case at a time, so that the load of
        # a busy machine falls on all of them alike; each ratio is of one
        # round's pair, and the median of the rounds is reported.
        cases = {
            "sink": lambda: (sql("TRUNCATE t_in"), run("into")),
            "psql_in": lambda: (sql("TRUNCATE t_psql"), s.psql(copy_in)),
            "linger": lambda: (sql("TRUNCATE t_in"), run("lg")),
            "ckpt": lambda: (sql("TRUNCATE t_ck"), run("ck", ["--no-restore"])),
            "source": lambda: run("out"),
            "psql_out": lambda: s.psql(copy_out),
        }
        if BEFORE:
            cases["sink_before"] = lambda: (sql("TRUNCATE t_in"), run("into_before"))
            cases["ckpt_before"] = lambda: (sql("TRUNCATE t_ck"),
                                            run("ck_before", ["--no-restore"]))
        rates = {k: [] for k in cases}
        for _ in range(RUNS):
            for k, f in cases.items():
                rates[k].append(best_of_one(f))
        out = {k: max(v) for k, v in rates.items()}
        out["upsert"] = best(lambda: (sql("TRUNCATE t_up"), run("up")))

    def ratio(a, b):
        return statistics.median(x / y for x, y in zip(rates[a], rates[b]))
    print(f"{ROWS} rows, {KEYS} keys, {RUNS} interleaved rounds (best rate; median ratio of "
          "a round's pair)")
    print(f"into:    sink {out['sink']:,.0f} rows/s, psql \\copy {out['psql_in']:,.0f} rows/s "
          f"({ratio('sink', 'psql_in'):.2f}x)")
    print(f"into, linger = 100ms: {out['linger']:,.0f} rows/s "
          f"({ratio('linger', 'psql_in'):.2f}x)")
    print(f"into, checkpoint every 1s: {out['ckpt']:,.0f} rows/s "
          f"({ratio('ckpt', 'psql_in'):.2f}x)")
    print(f"out:     source {out['source']:,.0f} rows/s, "
          f"psql \\copy TO {out['psql_out']:,.0f} rows/s "
          f"({ratio('source', 'psql_out'):.2f}x)")
    print(f"upsert:  {out['upsert']:,.0f} rows/s")
    if BEFORE:
        print(f"before ({BEFORE}): sink {out['sink_before']:,.0f} rows/s "
              f"({ratio('sink_before', 'psql_in'):.2f}x psql), checkpoint every 1s "
              f"{out['ckpt_before']:,.0f} rows/s ({ratio('ckpt_before', 'psql_in'):.2f}x psql)")


if __name__ == "__main__":
    main()
