#!/usr/bin/env python3
"""Rows a PostgreSQL table refuses are bad records of the sink: a file ->
postgres program writes 3000 rows into a table with a CHECK constraint, an
int4 column given values beyond its range, a NOT NULL column given NULLs
(an optional field) and, appending, rows whose primary key is already
there. The table ends with exactly the other rows; the summary counts the
refused ones as bad; the sink's errors= file holds each with its reason and
its record; the run goes on to the end. Appending and upserting, each
without and with checkpoints (the refused rows' savepoints inside the
epoch's transaction: nothing lost, nothing twice, nothing left prepared);
with on_error = fail the first refused row fails the run (exit status 1).

  postgres_refused.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "postgres"))
from run_e2e import Env, Failure, env_arguments  # noqa: E402
from server import Server, ServerError  # noqa: E402

FLOW = """\
schema R {{ id : int64, amount : int64, small : int64, qty : int64? }}
source rows : R from file("rows.csv");
sink rows to postgres(conninfo = "{c}", table = "{t}", errors = "bad/{t}.txt"{args});
{config}"""
ROWS = 3000
# Ids repeated at the end with the same values: a unique violation when
# appending, an update (of the same values) when upserting.
REPEATED = list(range(0, ROWS, 250))
CHECK, RANGE, NULL = "violates check constraint", "out of range for type integer", "not-null"


def fault(i):
    """The refusal row i earns, or None."""
    if i % 97 == 5:
        return CHECK
    if i % 89 == 7:
        return RANGE
    if i % 83 == 11:
        return NULL
    return None


def row(i):
    return (f"{i},{-1 if fault(i) == CHECK else i * 10},"
            f"{3_000_000_000 + i if fault(i) == RANGE else i},{'' if fault(i) == NULL else 1}\n")


def check_errors_file(path, want, copy):
    """`rows: table 'T': REASON` and the record, per refused row: their
    reasons by id. A COPY's input errors name the field; an upsert's
    parameters do not."""
    lines = open(path).read().splitlines()
    if len(lines) != 2 * sum(want.values()):
        raise Failure(f"{path}: {len(lines)} lines for {sum(want.values())} refused rows:\n"
                      + "\n".join(lines[:10]))
    got = {}
    for head, record in zip(lines[0::2], lines[1::2]):
        if not re.match(r"rows: table '\w+': ", head):
            raise Failure(f"{path}: not an entry: {head!r}")
        i = int(record.split(",")[0])
        if record + "\n" != row(i):
            raise Failure(f"{path}: the record {record!r} is not row {i}'s")
        kind = next((k for k in (CHECK, RANGE, NULL) if k in head), None)
        if kind is None and "duplicate key" in head:
            kind = "duplicate"
        if kind is None or (kind == RANGE and copy and "field 'small'" not in head):
            raise Failure(f"{path}: an unexpected reason: {head!r}")
        got[kind] = got.get(kind, 0) + 1
    if got != {k: v for k, v in want.items() if v}:
        raise Failure(f"{path}: refused {got}, want {want}")


def main():
    env = Env(env_arguments(__doc__).parse_args())
    work = env.fresh_dir("postgres_refused")
    with open(os.path.join(work, "rows.csv"), "w") as f:
        f.write("id,amount,small,qty\n")
        f.writelines(row(i) for i in range(ROWS))
        f.writelines(row(i) for i in REPEATED)
    good = sorted(i for i in range(ROWS) if fault(i) is None)
    with Server(log=os.path.join(work, "server.log")) as s:
        cases = [("append", "", ""), ("append_ckpt", "", "every"),
                 ("upsert", ", mode = upsert", ""), ("upsert_ckpt", ", mode = upsert", "every")]
        for name, args, config in cases:
            s.psql(f"CREATE TABLE {name} (id int8 PRIMARY KEY, amount int8 CHECK (amount >= 0), "
                   "small int4, qty int8 NOT NULL)")
            config = (f'config {{ checkpoint every 10ms to "ckpt_{name}"; }}\n' if config
                      else "")
            env.build_text(FLOW.format(c=s.conninfo, t=name, args=args, config=config),
                           f"pg_{name}", work)
            _, err = env.run_ok(f"pg_{name}", work)
            want = {CHECK: 0, RANGE: 0, NULL: 0, "duplicate": 0}
            for i in list(range(ROWS)) + REPEATED:
                if fault(i):
                    want[fault(i)] += 1
            want["duplicate"] = 0 if "upsert" in name else sum(
                1 for i in REPEATED if fault(i) is None)
            bad = sum(want.values())
            ids = [int(r[0]) for r in s.query(f"SELECT id FROM {name} ORDER BY id")]
            if ids != good:
                raise Failure(f"{name}: the table has {len(ids)} rows, want {len(good)}; "
                              f"missing {sorted(set(good) - set(ids))[:5]}, extra "
                              f"{sorted(set(ids) - set(good))[:5]}")
            if f"{bad} bad" not in err.splitlines()[-1] and not re.search(
                    rf"done after .* {bad} bad\n", err):
                raise Failure(f"{name}: the summary does not count {bad} bad:\n{err[-2000:]}")
            if f"sink rows ({name}): {ROWS + len(REPEATED) - bad} written, {bad} bad" not in err:
                raise Failure(f"{name}: the sink's summary line:\n{err[-2000:]}")
            if "bad record in sink 'rows' at table" not in err:
                raise Failure(f"{name}: no refused row on stderr:\n{err[-2000:]}")
            check_errors_file(os.path.join(work, "bad", f"{name}.txt"), want,
                              "append" in name)
            if s.query("SELECT gid FROM pg_prepared_xacts"):
                raise Failure(f"{name}: prepared transactions left")

        # on_error = fail: the first refused row ends the run.
        s.psql("CREATE TABLE failing (id int8 PRIMARY KEY, amount int8 CHECK (amount >= 0), "
               "small int4, qty int8 NOT NULL)")
        env.build_text(FLOW.format(c=s.conninfo, t="failing", args=', on_error = fail',
                                   config=""), "pg_failing", work)
        status, _, err = env.run("pg_failing", [], work)
        if status != 1 or "stopping: sink 'rows' has on_error=\"fail\"" not in err:
            raise Failure(f"on_error = fail: exit {status}:\n{err[-2000:]}")
    print(f"postgres_refused: {ROWS + len(REPEATED) - len(good)} refused rows as bad records, "
          f"{len(good)} rows in, appending and upserting, with and without checkpoints")


if __name__ == "__main__":
    try:
        main()
    except (Failure, ServerError) as e:
        sys.exit(f"FAIL: {e}")
