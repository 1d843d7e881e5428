#!/usr/bin/env python3
"""An updating aggregate upserted into PostgreSQL (docs/language.md,
"Updating aggregates"): `key by user | aggregate n = count(), total =
sum(amount)` into a table with `mode = upsert` and the default key (the
stream's key, `user`), once with `op` kept as a column and once with a
`select` that drops it, and once checkpointed and killed (kill -9) at random
moments; each table must end with one row per user, equal to a GROUP BY of
the input, its `op` +I for a user with one record and +U for the others.

  postgres_update.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import collections
import os
import random
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "postgres"))
from run_e2e import Env, Failure, env_arguments  # noqa: E402
from server import Server, ServerError  # noqa: E402

FLOW = """\
schema Event {{ ts : timestamp, user : string, amount : int64 }}
source events : Event from file("events.csv") event time ts watermark 1s;
stream per_user = events | key by user | aggregate n = count(), total = sum(amount){select};
sink per_user to postgres(conninfo = "{c}", table = "{t}", mode = upsert);
{config}"""
EVENTS = 20_000
KILLS = 8


def write_events(path):
    rng = random.Random(5)
    want = collections.defaultdict(lambda: [0, 0])
    with open(path, "w") as f:
        f.write("ts,user,amount\n")
        for i in range(EVENTS):
            ms = i * 20
            user = "u%d" % rng.randrange(300)
            amount = rng.randrange(100)
            f.write(f"1970-01-01T{ms // 3600000:02d}:{ms // 60000 % 60:02d}:"
                    f"{ms // 1000 % 60:02d}.{ms % 1000:03d}Z,{user},{amount}\n")
            want[user][0] += 1
            want[user][1] += amount
    return {u: tuple(v) for u, v in want.items()}


def main():
    env = Env(env_arguments(__doc__).parse_args())
    work = env.fresh_dir("postgres_update")
    want = write_events(os.path.join(work, "events.csv"))
    rng = random.Random()
    kills = 0
    with Server(log=os.path.join(work, "server.log")) as s:
        cases = [("with_op", "", "", False),
                 ("without_op", " | select user, n, total", "", False),
                 ("killed", "", 'config { checkpoint every 50ms to "ckpt"; }\n', True)]
        for name, select, config, kill in cases:
            op = "op text, " if not select else ""
            s.psql(f'CREATE TABLE {name} ({op}"user" text PRIMARY KEY, n int8, total int8)')
            cwd = os.path.join(work, name)
            os.makedirs(cwd)
            os.symlink("../events.csv", os.path.join(cwd, "events.csv"))
            env.build_text(FLOW.format(c=s.conninfo, t=name, select=select, config=config),
                           f"pg_{name}", cwd)
            if not kill:
                env.run_ok(f"pg_{name}", cwd)
            for run in range(KILLS + 1 if kill else 0):
                proc = subprocess.Popen([os.path.join(cwd, f"pg_{name}")], cwd=cwd,
                                        env=env.program_env(), stderr=subprocess.PIPE,
                                        text=True, start_new_session=True)
                if run < KILLS:
                    time.sleep(rng.uniform(0.005, 0.15))
                if run < KILLS and proc.poll() is None:
                    os.kill(proc.pid, signal.SIGKILL)
                _, err = proc.communicate(timeout=300)
                if proc.returncode == 0:
                    continue
                if proc.returncode != -signal.SIGKILL or run == KILLS:
                    raise Failure(f"pg_{name} exited with {proc.returncode}:\n{err[-3000:]}")
                kills += 1
            rows = s.rows(f"SELECT * FROM {name}")
            got = {r["user"]: (r["n"], r["total"]) for r in rows}
            if len(rows) != len(want) or got != want:
                diff = [u for u in set(got) | set(want) if got.get(u) != want.get(u)]
                raise Failure(f"table {name}: {len(rows)} rows for {len(want)} users; "
                              f"{len(diff)} differ, e.g. "
                              f"{[(u, got.get(u), want.get(u)) for u in diff[:3]]}")
            if op:
                bad = [r for r in rows if r["op"] != ("+I" if r["n"] == 1 else "+U")]
                if bad:
                    raise Failure(f"table {name}: wrong op in {bad[:3]}")
    print(f"postgres_update: {len(want)} users, one row each equal to GROUP BY, with op, "
          f"without, and after {kills} kills")


if __name__ == "__main__":
    try:
        main()
    except (Failure, ServerError) as e:
        sys.exit(f"FAIL: {e}")
