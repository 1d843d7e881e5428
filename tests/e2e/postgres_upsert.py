#!/usr/bin/env python3
"""Upsert into PostgreSQL (mode = upsert): a file -> key by -> tumbling window
with lateness -> postgres program, whose late records update results already
written, leaves exactly the latest result per (user, window_start) in its
table: the last row per key of the same results written to a CSV file by the
same run. Once with key = "user, window_start" (and a source upserted by the
table's primary key, as a source has no key), once with the default key
(the stream's key plus window_start) into a table whose primary key is
another column (a surrogate `id`: the table's own key would never conflict,
and every update would add a row), once checkpointed every 10 ms (an
epoch's updates of keys the prepared epoch before holds are held back until
it commits), and once checkpointed and killed (kill -9) at random moments;
each table must end the same, one row per key.

  postgres_upsert.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import csv
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
stream per_user = events | key by user | window tumbling 10s lateness 30s
  | aggregate n = count(), total = sum(amount);
sink per_user to postgres(conninfo = "{c}", table = "{t}", mode = upsert{key});
sink per_user to file("results.csv");
{extra}{config}"""
# A source has no key: its upsert takes the table's primary key.
LAST_EVENT = 'sink events to postgres(conninfo = "{c}", table = "last_event", mode = upsert);\n'
EVENTS = 20_000
KILLS = 12


def write_events(path):
    """Mostly in order, one in ten up to 30 s late: updates of fired windows."""
    rng = random.Random(3)
    with open(path, "w") as f:
        f.write("ts,user,amount\n")
        for i in range(EVENTS):
            ms = i * 20 - (rng.randrange(30000) if rng.random() < 0.1 else 0)
            ms = max(ms, 0)
            f.write(f"1970-01-01T{ms // 3600000:02d}:{ms // 60000 % 60:02d}:"
                    f"{ms // 1000 % 60:02d}.{ms % 1000:03d}Z,u{rng.randrange(8)},"
                    f"{rng.randrange(100)}\n")


def latest(path):
    """The last result per (user, window_start) in the CSV file."""
    last = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            last[(r["user"], r["window_start"])] = (r["window_end"], int(r["n"]), int(r["total"]))
    return last


def table(s, name):
    rows = s.rows(f'SELECT "user", to_char(window_start AT TIME ZONE \'UTC\', '
                  f'\'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"\') AS ws, to_char(window_end AT TIME ZONE '
                  f'\'UTC\', \'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"\') AS we, n, total FROM {name}')
    return {(r["user"], r["ws"]): (r["we"], r["n"], r["total"]) for r in rows}


def main():
    env = Env(env_arguments(__doc__).parse_args())
    work = env.fresh_dir("postgres_upsert")
    write_events(os.path.join(work, "events.csv"))
    rng = random.Random()
    with Server(log=os.path.join(work, "server.log")) as s:
        cases = [("named", ', key = "user, window_start"', "", False),
                 ("by_stream_key", "", "", False),
                 ("checkpointed", "", 'config { checkpoint every 10ms to "ckpt"; }\n', False),
                 ("killed", "", 'config { checkpoint every 50ms to "ckpt"; }\n', True)]
        kills = 0
        for name, key, config, kill in cases:
            pk = ('id bigserial PRIMARY KEY, UNIQUE ("user", window_start)'
                  if name == "by_stream_key" else 'PRIMARY KEY ("user", window_start)')
            s.psql(f'CREATE TABLE {name} ("user" text, window_start timestamptz, '
                   f"window_end timestamptz, n int8, total int8, {pk})")
            cwd = os.path.join(work, name)
            os.makedirs(cwd)
            os.symlink("../events.csv", os.path.join(cwd, "events.csv"))
            extra = LAST_EVENT.format(c=s.conninfo) if name == "named" else ""
            if extra:
                s.psql('CREATE TABLE last_event (ts timestamptz, "user" text PRIMARY KEY, '
                       "amount int8)")
            env.build_text(FLOW.format(c=s.conninfo, t=name, key=key, config=config,
                                       extra=extra),
                           f"pg_{name}", cwd)
            if not config:
                env.run_ok(f"pg_{name}", cwd)
                want = latest(os.path.join(cwd, "results.csv"))
                updates = sum(1 for _ in open(os.path.join(cwd, "results.csv"))) - 1 - len(want)
                if updates < 50:
                    raise Failure(f"only {updates} updated results: the test tests little")
            elif not kill:
                # Updates of keys an epoch still prepared holds wait for its
                # commit: the run must not wait on itself.
                env.run_ok(f"pg_{name}", cwd)
            else:
                # KILLS starts killed (or ending first), then one to the end.
                for run in range(KILLS + 1):
                    # The first kills come from the fault point after a
                    # checkpoint's rename (prepared, not committed).
                    penv = env.program_env()
                    if run < 4:
                        penv["FLOW_FAULT"] = "kill-after-rename@1"
                    proc = subprocess.Popen([os.path.join(cwd, f"pg_{name}")], cwd=cwd,
                                            env=penv, stderr=subprocess.PIPE, text=True,
                                            start_new_session=True)
                    if run < KILLS:
                        time.sleep(rng.uniform(0.005, 0.2))
                    if run < KILLS and proc.poll() is None:
                        os.kill(proc.pid, signal.SIGKILL)
                    _, err = proc.communicate(timeout=300)
                    if proc.returncode == 0:
                        continue  # ended before the kill: the next restores its end
                    if proc.returncode != -signal.SIGKILL or run == KILLS:
                        raise Failure(f"pg_{name} exited with {proc.returncode}:\n{err[-3000:]}")
                    kills += 1
            if extra:
                with open(os.path.join(work, "events.csv")) as f:
                    last = {r["user"]: int(r["amount"]) for r in csv.DictReader(f)}
                got = {r["user"]: r["amount"] for r in s.rows("SELECT * FROM last_event")}
                if got != last:
                    raise Failure(f"last_event by its primary key: {got}, not {last}")
            got = table(s, name)
            count = int(s.query(f"SELECT count(*) FROM {name}")[0][0])
            if count != len(want):
                raise Failure(f"table {name} has {count} rows for {len(want)} keys")
            if got != want:
                diff = [k for k in set(got) | set(want) if got.get(k) != want.get(k)]
                raise Failure(f"table {name}: {len(diff)} keys differ from the file's latest "
                              f"results, e.g. {[(k, got.get(k), want.get(k)) for k in diff[:3]]}")
    print(f"postgres_upsert: {len(want)} latest results per key after {updates} updates, "
          f"with key=, the stream's key by default, and {kills} kills")


if __name__ == "__main__":
    try:
        main()
    except (Failure, ServerError) as e:
        sys.exit(f"FAIL: {e}")
