#!/usr/bin/env python3
"""The PostgreSQL test server: Debian's postgresql 15 binaries (initdb,
pg_ctl) make a cluster in a temporary directory and run it on a free port,
its Unix socket in that directory, as an unprivileged user (CI runs as root
and postgres refuses to: as root the cluster belongs to `nobody`). psql is
the independent client. A context manager:

    with Server() as s:
        s.conninfo            # "host=DIR port=PORT user=flowc dbname=postgres"
        s.psql("CREATE TABLE t (a int)")
        s.query("SELECT a FROM t ORDER BY a")   # rows as lists of strings
        s.rows("SELECT a FROM t")               # rows as dicts, values from JSON

The superuser `flowc` is trusted on the socket; over TCP (127.0.0.1) it needs
the password PASSWORD, so tests can refuse authentication. Missing server
binaries or psql raise ServerError with what to install: a PostgreSQL test
fails, it never skips. By hand (README.md, "A PostgreSQL server for the
examples"):

    python3 tests/postgres/server.py [--port 5432]    # until Ctrl-C
"""

import argparse
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

USER = "flowc"
PASSWORD = "flowc-test"
START_TIMEOUT_S = 60
# The unprivileged owner of the cluster when this runs as root.
OWNER = "nobody"


class ServerError(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_bin(tool):
    """initdb and pg_ctl: on PATH, else in Debian's versioned directory."""
    found = shutil.which(tool)
    if found:
        return found
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(os.path.join(d, tool), os.X_OK):
            return os.path.join(d, tool)
    raise ServerError(f"the PostgreSQL server program '{tool}' is not installed: run .ci/deps "
                      "(Debian: apt-get install postgresql)")


def psql_bin():
    found = shutil.which("psql")
    if not found:
        raise ServerError("psql is not installed: run .ci/deps (Debian: postgresql-client)")
    return found


class Server:
    def __init__(self, port=None, log=None):
        self.port = port or free_port()
        self.log_path = log
        self.dir = None
        self.running = False
        self.as_owner = None  # preexec_fn that drops to OWNER, when root

    @property
    def conninfo(self):
        return f"host={self.dir} port={self.port} user={USER} dbname=postgres"

    @property
    def tcp_conninfo(self):
        return f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres"

    # ---- Start and stop --------------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.cleanup()

    def _run(self, cmd, **kw):
        return subprocess.run(cmd, capture_output=True, text=True, preexec_fn=self.as_owner,
                              **kw)

    def start(self):
        initdb, pg_ctl = server_bin("initdb"), server_bin("pg_ctl")
        self.pg_ctl = pg_ctl
        psql_bin()
        self.dir = tempfile.mkdtemp(prefix="flowc-pg-")
        os.chmod(self.dir, 0o755)  # the socket is in it; clients run as anyone
        if os.geteuid() == 0:
            owner = pwd.getpwnam(OWNER)
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)

            def drop():
                os.setgid(owner.pw_gid)
                os.setgroups([])
                os.setuid(owner.pw_uid)
            self.as_owner = drop
        data = os.path.join(self.dir, "data")
        pwfile = os.path.join(self.dir, "pwfile")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        if self.as_owner:
            os.chown(pwfile, pwd.getpwnam(OWNER).pw_uid, -1)
        r = self._run([initdb, "-D", data, "-U", USER, "--pwfile", pwfile, "-E", "UTF8",
                       "--locale", "C", "--auth-local", "trust", "--auth-host",
                       "scram-sha-256", "--no-sync"], env={**os.environ, "HOME": self.dir})
        if r.returncode != 0:
            raise ServerError(f"initdb failed:\n{r.stdout}{r.stderr}")
        with open(os.path.join(data, "postgresql.conf"), "a") as f:
            f.write(f"port = {self.port}\n"
                    f"unix_socket_directories = '{self.dir}'\n"
                    "listen_addresses = '127.0.0.1'\n"
                    # The exactly-once sinks prepare a transaction per checkpoint.
                    "max_prepared_transactions = 20\n"
                    # A test server: speed over durability of the cluster itself.
                    "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                    "shared_buffers = 32MB\n")
        # The server logs into its own directory, which its owner can reach
        # (a caller's log path may be behind a directory only root enters);
        # cleanup copies the log to the caller's path.
        self.server_log = os.path.join(self.dir, "server.log")
        r = self._run([pg_ctl, "-D", data, "-l", self.server_log, "-w", "-t",
                       str(START_TIMEOUT_S), "start"])
        if r.returncode != 0:
            tail = (open(self.server_log).read()[-3000:] if os.path.exists(self.server_log)
                    else "")
            raise ServerError(f"pg_ctl start failed:\n{r.stdout}{r.stderr}{tail}")
        self.running = True

    def stop(self, mode="fast"):
        if self.running:
            self._run([self.pg_ctl, "-D", os.path.join(self.dir, "data"), "-m", mode, "-w",
                       "stop"])
            self.running = False

    def restart(self):
        """Stops (fast) and starts the same cluster on the same port."""
        self.stop()
        r = self._run([self.pg_ctl, "-D", os.path.join(self.dir, "data"), "-l", self.server_log,
                       "-w", "start"])
        if r.returncode != 0:
            raise ServerError(f"pg_ctl start failed:\n{r.stdout}{r.stderr}")
        self.running = True

    def cleanup(self):
        self.stop()
        if self.dir and self.log_path and os.path.exists(self.server_log):
            shutil.copyfile(self.server_log, self.log_path)
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    # ---- psql, the independent client ----------------------------------------------

    def psql(self, sql, stdin=None):
        """Runs sql (ON_ERROR_STOP); its output."""
        r = subprocess.run([psql_bin(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d",
                            self.conninfo, "-c", sql], input=stdin, capture_output=True,
                           text=True)
        if r.returncode != 0:
            raise ServerError(f"psql: {sql}\n{r.stderr}")
        return r.stdout

    def query(self, sql):
        """The rows of a SELECT, each a list of its columns' texts ('' for NULL)."""
        r = subprocess.run([psql_bin(), "-X", "-q", "-A", "-t", "-F", "\t", "-v",
                            "ON_ERROR_STOP=1", "-d", self.conninfo, "-c", sql],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise ServerError(f"psql: {sql}\n{r.stderr}")
        return [line.split("\t") for line in r.stdout.splitlines()]

    def rows(self, sql):
        """The rows of a SELECT as dicts of JSON values (None for NULL), exact
        whatever the texts hold (line breaks, tabs)."""
        out = self.query(f"SELECT coalesce(json_agg(q), '[]') FROM ({sql}) q")
        return json.loads("\n".join("\t".join(r) for r in out))

    def copy_in(self, table, csv_text):
        """Loads CSV rows (no header) into table with psql's \\copy."""
        self.psql(f"\\copy {table} FROM STDIN WITH (FORMAT csv)", stdin=csv_text)


def main():
    ap = argparse.ArgumentParser(description="Runs the PostgreSQL test server until Ctrl-C.")
    ap.add_argument("--port", type=int, default=5432)
    args = ap.parse_args()
    s = Server(port=args.port)
    try:
        s.start()
        print(f"PostgreSQL on port {s.port}: conninfo \"{s.conninfo}\" "
              f"(log {s.server_log}); Ctrl-C stops it", flush=True)
        signal.sigwait([signal.SIGINT, signal.SIGTERM])
    except ServerError as e:
        sys.exit(f"server.py: {e}")
    finally:
        s.cleanup()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT, signal.SIGTERM])
    main()
