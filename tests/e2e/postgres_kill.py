#!/usr/bin/env python3
"""Exactly-once into PostgreSQL across kill -9: a file -> window -> postgres
(append) program that checkpoints every 100 ms is killed with SIGKILL at
random moments (each start restores the newest checkpoint, whose prepared
epochs the sink commits and whose newer ones it rolls back) until it
finishes; its table must then hold exactly the rows of an uninterrupted run
(without checkpoints) into another table: nothing lost, nothing twice. Runs
to the end start over (checkpoints removed, table emptied) until there were
--kills kills in all.

  postgres_kill.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
                   [--kills N] [--seed S]
"""

import os
import random
import shutil
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
source events : Event from file("events.csv") event time ts watermark 0s;
stream per_user = events | key by user | window tumbling 1s
  | aggregate n = count(), total = sum(amount);
sink per_user to postgres(conninfo = "{c}", table = "{t}");
config {{ checkpoint every 100ms to "ckpt"; }}
"""
EVENTS = 400_000
USERS = 20


def write_events(path):
    rng = random.Random(7)
    with open(path, "w") as f:
        f.write("ts,user,amount\n")
        for i in range(EVENTS):
            ms = i * 2  # 500 events per second of event time
            f.write(f"1970-01-01T{ms // 3600000:02d}:{ms // 60000 % 60:02d}:"
                    f"{ms // 1000 % 60:02d}.{ms % 1000:03d}Z,u{rng.randrange(USERS)},"
                    f"{rng.randrange(1000)}\n")


def table_rows(s, table):
    return sorted(tuple(r) for r in s.query(
        f'SELECT "user", window_start, window_end, n, total FROM {table}'))


def main():
    ap = env_arguments(__doc__)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    env = Env(args)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    work = env.fresh_dir("postgres_kill")
    write_events(os.path.join(work, "events.csv"))
    with Server(log=os.path.join(work, "server.log")) as s:
        for t in ("once", "killed"):
            s.psql(f'CREATE TABLE {t} ("user" text, window_start timestamptz, '
                   "window_end timestamptz, n int8, total int8)")
        os.makedirs(os.path.join(work, "once"))
        os.makedirs(os.path.join(work, "killed"))
        for t in ("once", "killed"):
            text = FLOW if t == "killed" else FLOW[:FLOW.index("config")]
            env.build_text(text.format(c=s.conninfo, t=t), f"pg_{t}", os.path.join(work, t))
            os.symlink("../events.csv", os.path.join(work, t, "events.csv"))
        t0 = time.monotonic()
        env.run_ok("pg_once", os.path.join(work, "once"))
        once_s = time.monotonic() - t0
        want = table_rows(s, "once")
        if len(want) < 100:
            raise Failure(f"the uninterrupted run wrote only {len(want)} rows")

        # Cycles from scratch, each killed until it finishes and then
        # checked, until there were enough kills.
        kills = runs = cycles = 0
        cwd = os.path.join(work, "killed")
        while kills < args.kills:
            cycles += 1
            # From scratch by removing the checkpoints here: a --no-restore
            # start killed while it removes them can leave the newest one
            # damaged, and then restoring the one before would write a
            # committed epoch twice (the sink refuses, docs/checkpoints.md).
            s.psql("TRUNCATE killed")
            shutil.rmtree(os.path.join(cwd, "ckpt"), ignore_errors=True)
            while True:
                runs += 1
                if runs > args.kills * 10:
                    raise Failure(f"{runs} starts and not done (seed {seed})")
                argv = [os.path.join(cwd, "pg_killed")]
                # A kill at a random moment, or by the runtime's own fault
                # points right before or after a checkpoint's rename: after
                # it, the epoch is prepared and its checkpoint on disk, but
                # not committed, the window a timer rarely hits.
                penv = env.program_env()
                fault = rng.choice([None, None, "kill-after-rename", "kill-before-rename"])
                if fault:
                    penv["FLOW_FAULT"] = f"{fault}@{rng.randrange(1, 4)}"
                proc = subprocess.Popen(argv, cwd=cwd, env=penv, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True,
                                        start_new_session=True)  # the fault kills its group
                if not fault:
                    time.sleep(rng.uniform(0.01, max(0.05, once_s)))
                    if proc.poll() is None:
                        os.kill(proc.pid, signal.SIGKILL)
                _, err = proc.communicate(timeout=300)
                kills += proc.returncode == -signal.SIGKILL
                if proc.returncode == 0:
                    break
                if proc.returncode != -signal.SIGKILL:
                    raise Failure(f"run {runs} exited with {proc.returncode} (seed {seed}):\n"
                                  f"{err[-3000:]}")
            got = table_rows(s, "killed")
            if got != want:
                dup = len(got) - len(set(got))
                missing = len(set(want) - set(got))
                raise Failure(f"after {kills} kills the table has {len(got)} rows ({dup} twice, "
                              f"{missing} missing), the uninterrupted run {len(want)} "
                              f"(seed {seed})")
        left = s.query("SELECT count(*) FROM pg_prepared_xacts")[0][0]
        if left != "0":
            raise Failure(f"{left} prepared transactions left behind (seed {seed})")
    print(f"postgres_kill: {kills} kills in {runs} starts ({cycles} runs to the end, "
          f"{once_s:.2f} s each uninterrupted), {len(want)} rows exactly once (seed {seed})")


if __name__ == "__main__":
    try:
        main()
    except (Failure, ServerError) as e:
        sys.exit(f"FAIL: {e}")
