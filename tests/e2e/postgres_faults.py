#!/usr/bin/env python3
"""A PostgreSQL sink through faults of the server, without checkpoints: a
stdin -> postgres program is fed rows in three parts; after the first its
connection is killed (pg_terminate_backend), after the second the server is
restarted (pg_ctl stop -m fast, start). The sink connects again each time
and the table ends with every row (at-least-once; here each once, as the
faults come between writes). A program that checkpoints (reading a followed
file), whose epoch the loss takes with it, fails instead, saying so (exit
status 1), and its next start writes each row once: after a terminated
connection and after a server restart. A server down when the program
starts is waited for and the run goes on once it is up; a missing table, a
missing column and refused authentication fail the sink at start (exit
status 1, naming its place).

  postgres_faults.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import os
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
schema R {{ id : int64, name : string }}
source rows : R from stdin(format = csv);
sink rows to postgres(conninfo = "{c}", table = "t");
{config}"""
PART = 100
WAIT_S = 30


def wait_rows(s, n):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if int(s.query("SELECT count(*) FROM t")[0][0]) >= n:
            return
        time.sleep(0.1)
    raise Failure(f"the table did not reach {n} rows within {WAIT_S} s")


def kill_connections(s):
    s.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'flowc'")


def main():
    env = Env(env_arguments(__doc__).parse_args())
    work = env.fresh_dir("postgres_faults")
    with Server(log=os.path.join(work, "server.log")) as s:
        s.psql("CREATE TABLE t (id int8, name text)")
        env.build_text(FLOW.format(c=s.conninfo, config=""), "pg_faults", work)
        proc = subprocess.Popen([os.path.join(work, "pg_faults")], cwd=work,
                                env=env.program_env(), stdin=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        proc.stdin.write("id,name\n")

        def part(k):
            proc.stdin.writelines(f"{i},row {i}\n" for i in range(k * PART, (k + 1) * PART))
            proc.stdin.flush()
            wait_rows(s, (k + 1) * PART)

        part(0)
        kill_connections(s)
        time.sleep(0.2)
        part(1)
        s.restart()
        part(2)
        proc.stdin.close()
        err = proc.stderr.read()
        proc.wait(timeout=60)
        if proc.returncode != 0:
            raise Failure(f"pg_faults exited with {proc.returncode}:\n{err}")
        ids = sorted(int(r[0]) for r in s.query("SELECT id FROM t"))
        if sorted(set(ids)) != list(range(3 * PART)):
            raise Failure(f"rows missing: {sorted(set(range(3 * PART)) - set(ids))[:10]}")
        if err.count("the connection was lost; connecting again") != 2:
            raise Failure(f"the two losses are not reported:\n{err}")

        # Inside an epoch, a lost connection (terminated, or the server
        # restarted) fails the run; the next start restores the last
        # checkpoint, and the table ends with each row once.
        env.build_text(FLOW.format(c=s.conninfo,
                                   config='config { checkpoint every 1h to "ckpt"; }\n')
                       .replace("stdin(format = csv)", 'file("in.csv", follow = true)'),
                       "pg_faults_ckpt", work)
        for fault in ("terminate", "restart"):
            s.psql("TRUNCATE t")
            shutil.rmtree(os.path.join(work, "ckpt"), ignore_errors=True)
            lost_epoch(env, s, work, fault)
        # A server down at the start: waited for (a bounded retry), and
        # once it is up the run goes on.
        s.psql("TRUNCATE t")
        s.stop()
        proc = subprocess.Popen([os.path.join(work, "pg_faults")], cwd=work,
                                env=env.program_env(), stdin=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(1)  # the program is pinging the server by now (not needed for the result)
        s.restart()
        err = proc.communicate("id,name\n1,a\n", timeout=60)[1]
        if proc.returncode != 0 or s.query("SELECT id FROM t") != [["1"]]:
            raise Failure(f"a server that came up during the wait: exit {proc.returncode}:\n{err}")
        # The sink's errors at start: exit status 1, before any record.
        for name, conninfo, table, want in [
                ("no_table", s.conninfo, "nope", "table 'nope' does not exist"),
                ("bad_auth", s.tcp_conninfo + " password=wrong", "t",
                 "password authentication failed"),
                ("no_column", s.conninfo, "narrow", "table 'narrow' has no column 'name'")]:
            s.psql("CREATE TABLE IF NOT EXISTS narrow (id int8)")
            env.build_text(FLOW.format(c=conninfo, config="").replace('"t"', f'"{table}"'),
                           f"pg_{name}", work)
            status, _, err = env.run(f"pg_{name}", [], work, stdin=b"id,name\n1,a\n")
            if status != 1 or want not in err or "pg_" + name + ".flow:3:" not in err:
                raise Failure(f"sink {name}: exit {status}, wanted 1 and {want!r}:\n{err}")
    print(f"postgres_faults: {3 * PART} rows through a terminated connection and a server "
          "restart; a lost epoch fails the run and its restore writes each row once; a server "
          "down at start is waited for; the sink's errors at start")


def wait_epoch(s, proc):
    """Until the program's epoch has sent rows: its COPY is open (it stays
    open between checkpoints)."""
    deadline = time.monotonic() + WAIT_S
    while not s.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'flowc' "
                      "AND state = 'active' AND query LIKE '%COPY%'"):
        if time.monotonic() > deadline or proc.poll() is not None:
            raise Failure("the checkpointed program wrote no rows")
        time.sleep(0.1)


def lost_epoch(env, s, work, fault):
    followed = os.path.join(work, "in.csv")
    with open(followed, "w") as f:
        f.write("id,name\n1,a\n")
    proc = subprocess.Popen([os.path.join(work, "pg_faults_ckpt")], cwd=work,
                            env=env.program_env(), stderr=subprocess.PIPE, text=True)
    wait_epoch(s, proc)
    if fault == "terminate":
        kill_connections(s)
    else:
        s.restart()
    time.sleep(0.2)
    with open(followed, "a") as f:
        f.write("2,b\n")
    err = proc.communicate(timeout=60)[1]
    if proc.returncode != 1 or "the rows since the last checkpoint went with it" not in err:
        raise Failure(f"a lost epoch ({fault}): exit {proc.returncode}:\n{err}")
    # The next start restores (no checkpoint yet: from the start) and is
    # stopped (SIGINT: a last checkpoint commits) once both rows are in.
    with open(followed, "a") as f:
        f.write("3,c\n")
    proc = subprocess.Popen([os.path.join(work, "pg_faults_ckpt")], cwd=work,
                            env=env.program_env(), stderr=subprocess.PIPE, text=True)
    wait_epoch(s, proc)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1]
    ids = sorted(int(r[0]) for r in s.query("SELECT id FROM t"))
    if proc.returncode not in (0, 130) or ids != [1, 2, 3]:
        raise Failure(f"after a lost epoch ({fault}) and a restore: exit {proc.returncode}, "
                      f"ids {ids}:\n{err}")


if __name__ == "__main__":
    try:
        main()
    except (Failure, ServerError) as e:
        sys.exit(f"FAIL: {e}")
