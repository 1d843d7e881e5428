#!/usr/bin/env python3
"""A PostgreSQL table with `refresh = D` is read again every D and replaces
the old rows between two records. A followed file -> lookup -> file program
runs while psql rewrites the table (DELETE all and INSERT all with the next
version, one transaction) five times; after each, the test waits for two
refreshes on stderr (--stats: `table prices refreshed (K)`; the second
began after the commit), appends a chunk of events over every key and waits
for them in the output: each sees the new version. Throughout, no lookup
misses (a half-loaded table would) and the versions in the output never go
back. Then a row deleted and one inserted: the deleted key's event is
dropped (one unmatched), the new key's found. A refresh whose server is
gone keeps the rows and says so.

  postgres_refresh.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import csv
import os
import re
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "postgres"))
from run_e2e import Env, Failure, env_arguments  # noqa: E402
from server import Server, ServerError  # noqa: E402

FLOW = """\
schema Price {{ sku : int64, version : int64 }}
schema Ev {{ n : int64, sku : int64 }}
table prices : Price from postgres(conninfo = "{c}", table = "prices", refresh = 20ms) key sku;
source events : Ev from file("events.csv", follow = true);
stream seen = events as e | lookup prices as p on e.sku == p.sku | select e.n, e.sku, p.version;
sink seen to file("seen.csv");
"""
SKUS = 300
VERSIONS = 5
WAIT_S = 60


class Program:
    """The running program: its stderr lines as they come."""

    def __init__(self, env, exe, cwd):
        self.lines, self.cond = [], threading.Condition()
        self.proc = subprocess.Popen([os.path.join(cwd, exe), "--stats"], cwd=cwd,
                                     env=env.program_env(), stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()

    def refreshes(self):
        with self.cond:
            return sum(1 for line in self.lines if re.search(r"table prices refreshed", line))

    def wait_for(self, what, test):
        deadline = time.monotonic() + WAIT_S
        with self.cond:
            while not test():
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise Failure(f"waiting for {what}:\n{''.join(self.lines[-30:])}")
                self.cond.wait(0.05)

    def text(self):
        with self.cond:
            return "".join(self.lines)


def seen(work):
    try:
        with open(os.path.join(work, "seen.csv")) as f:
            return [(int(r["n"]), int(r["sku"]), int(r["version"])) for r in csv.DictReader(f)
                    if r.get("version")]
    except FileNotFoundError:
        return []


def main():
    env = Env(env_arguments(__doc__).parse_args())
    work = env.fresh_dir("postgres_refresh")
    events = open(os.path.join(work, "events.csv"), "w")
    events.write("n,sku\n")
    events.flush()
    n = 0

    def append(skus):
        nonlocal n
        for sku in skus:
            events.write(f"{n},{sku}\n")
            n += 1
        events.flush()
        return n

    def wait_output(prog, upto):
        deadline = time.monotonic() + WAIT_S
        while max((r[0] for r in seen(work)), default=-1) < upto - 1:
            if prog.proc.poll() is not None or time.monotonic() > deadline:
                raise Failure(f"event {upto - 1} never came out:\n{prog.text()[-3000:]}")
            time.sleep(0.02)

    with Server(log=os.path.join(work, "server.log")) as s:
        s.psql("CREATE TABLE prices (sku int8 PRIMARY KEY, version int8)")
        s.copy_in("prices", "".join(f"{k},1\n" for k in range(SKUS)))
        env.build_text(FLOW.format(c=s.conninfo), "pg_refresh", work)
        prog = Program(env, "pg_refresh", work)
        try:
            wait_output(prog, append(range(SKUS)))
            for v in range(2, VERSIONS + 2):
                # Events flow while the table is rewritten and reloaded.
                append(range(SKUS))
                s.psql(f"BEGIN; DELETE FROM prices; INSERT INTO prices "
                       f"SELECT k, {v} FROM generate_series(0, {SKUS - 1}) k; COMMIT")
                append(range(SKUS))
                r = prog.refreshes()
                prog.wait_for(f"two refreshes after version {v}", lambda: prog.refreshes() >= r + 2)
                first = n
                wait_output(prog, append(range(SKUS)))
                stale = [x for x in seen(work) if x[0] >= first and x[2] != v]
                if stale:
                    raise Failure(f"after two refreshes of version {v}: {stale[:5]}")
            rows = seen(work)
            if len(rows) != n:
                raise Failure(f"{n - len(rows)} of {n} events missed a row of the table")
            back = [(a, b) for a, b in zip(rows, rows[1:]) if b[2] < a[2]]
            if back:
                raise Failure(f"a version went back: {back[:3]}")

            s.psql("BEGIN; DELETE FROM prices WHERE sku = 0; "
                   "INSERT INTO prices VALUES (9999, 42); COMMIT")
            r = prog.refreshes()
            prog.wait_for("two refreshes after the delete", lambda: prog.refreshes() >= r + 2)
            first = n
            wait_output(prog, append([0, 9999]))
            if [x[1:] for x in seen(work) if x[0] >= first] != [(9999, 42)]:
                raise Failure(f"after the delete: {[x for x in seen(work) if x[0] >= first]}")

            # The server goes: the rows stay, the run goes on.
            s.stop()
            prog.wait_for("a failed refresh",
                          lambda: "table prices keeps its rows: cannot refresh it" in prog.text())
            s.restart()
            r = prog.refreshes()
            prog.wait_for("a refresh after the restart", lambda: prog.refreshes() >= r + 1)
            first = n
            wait_output(prog, append([9999]))
            if [x[1:] for x in seen(work) if x[0] >= first] != [(9999, 42)]:
                raise Failure("after the restart: the table lost its rows")
        finally:
            if prog.proc.poll() is None:
                prog.proc.send_signal(signal.SIGINT)
            prog.proc.wait(timeout=60)
            prog.reader.join(timeout=10)
        err = prog.text()
        if not re.search(r"lookup prices at .*: 1 unmatched, dropped", err):
            raise Failure(f"the summary does not drop one unmatched event:\n{err[-3000:]}")
        if not re.search(r"table prices \(prices\): .* refreshed \d+ times \([1-9]\d* failed\)",
                         err):
            raise Failure(f"the summary does not count the refreshes:\n{err[-3000:]}")
    print(f"postgres_refresh: {n} events looked up over {VERSIONS} rewrites of the table, "
          f"{prog.refreshes()} refreshes, none seen half-done")


if __name__ == "__main__":
    try:
        main()
    except (Failure, ServerError) as e:
        sys.exit(f"FAIL: {e}")
