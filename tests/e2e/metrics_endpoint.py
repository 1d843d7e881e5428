#!/usr/bin/env python3
"""The --metrics-port endpoint (docs/metrics.md), scraped with curl while the
program runs:

- a generator with rate= runs for a few seconds: every scrape parses as the
  Prometheus text format (a # HELP and a # TYPE line before each family's
  samples, names flowc_*, labels source= and sink=), the counters grow from
  scrape to scrape, and none passes what the summary says at the end;
- a checkpointed program tails a file (follow=true): after each part of its
  input the numbers settle at what that input gives (records, one bad, one
  late, the watermark and its lag, checkpoints taken), and after SIGTERM the
  summary says exactly what the last scrape said; run again, it reports the
  checkpoint it restored from;
- a port in use is a run-time failure (status 1), a malformed port a usage
  error (status 2), each with a message naming the option; --help lists it.

Under --tsan (the ThreadSanitizer build, tests/run_all.sh) the programs are
built with -fsanitize=thread, so the server's thread and the read loop are
checked against each other.

  metrics_endpoint.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize] [--tsan]
"""

import calendar
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_e2e import Env, Failure, env_arguments  # noqa: E402

GEN_FLOW = """\
schema Tick { n : int64, k : string }

source ticks : Tick from generator(count = 4000, rate = 1000, keys = 10);
stream odd = ticks | where n % 2 == 1;

sink ticks to file("ticks.csv", format = csv);
sink odd to stdout(format = csv);
"""

CKPT_FLOW = """\
schema V { ts : timestamp, v : int32 }

source vs : V from file("in.csv", format = csv, follow = true) event time ts watermark 0s;
stream totals = vs | window tumbling 10s | aggregate n = count(), total = sum(v);
stream copy = vs | select ts, v;

sink totals to file("totals.csv", format = csv);
sink copy to file("copy.csv", format = csv);

config { checkpoint every 100ms to "ckpt"; }
"""

# Record i at second i; one bad line; one record late by the watermark
# (its window [0s, 10s) has fired once the 20s record arrived).
FIRST = ["ts,v"] + ["2024-03-01T00:00:%02dZ,%d" % (i, i) for i in range(0, 21)] + \
        ["2024-03-01T00:00:03Z,99", "2024-03-01T00:00:21Z,not-a-number"]
SECOND = ["2024-03-01T00:00:%02dZ,%d" % (i, i) for i in range(22, 40)]
# The last record's time minus 1 ms (watermark 0s), in seconds since the epoch
SECOND_WATERMARK = calendar.timegm((2024, 3, 1, 0, 0, 39)) - 0.001

WAIT_S = 60
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')
SUMMARY = re.compile(r"(\d+) records read .*?(\d+) written, (\d+) late, (\d+) bad")


class TsanEnv(Env):
    """Env whose programs are built and checked with ThreadSanitizer."""

    def compiler_env(self):
        env = super().compiler_env()
        env["CFLAGS"] += " -fsanitize=thread -fno-omit-frame-pointer"
        env["LDFLAGS"] = "-fsanitize=thread"
        return env

    def program_env(self):
        env = super().program_env()
        env["TSAN_OPTIONS"] = "halt_on_error=1:exitcode=66"
        return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse(text):
    """{(name, ((label, value), ...)): value} of one exposition, checking
    that each family has one # HELP and one # TYPE before its samples."""
    types, helps, samples = {}, set(), {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            if name in helps:
                raise Failure("two # HELP lines for %s" % name)
            helps.add(name)
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            if name in types or kind not in ("counter", "gauge"):
                raise Failure("bad # TYPE line: %r" % line)
            types[name] = kind
        else:
            m = SAMPLE.match(line)
            if not m:
                raise Failure("not a sample line: %r" % line)
            name, labels, value = m.groups()
            if not name.startswith("flowc_") or name not in types or name not in helps:
                raise Failure("sample %s without # HELP and # TYPE before it" % name)
            pairs = tuple(sorted((k, v) for k, v, _ in LABEL.findall(labels or "")))
            key = (name, pairs)
            if key in samples:
                raise Failure("sample %s%s twice" % key)
            samples[key] = float(value)
    return samples


def scrape(port, path="/metrics"):
    """(HTTP status, body) from curl, or None while nothing listens."""
    proc = subprocess.run(["curl", "-sS", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}",
                           "http://127.0.0.1:%d%s" % (port, path)],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    if proc.returncode != 0:
        return None
    body, _, code = proc.stdout.decode().rpartition("\n")
    return int(code), body


def metrics(port):
    got = scrape(port)
    if got is None:
        return None
    if got[0] != 200:
        raise Failure("GET /metrics: status %d" % got[0])
    return parse(got[1])


def value(samples, name, **labels):
    key = (name, tuple(sorted(labels.items())))
    if key not in samples:
        raise Failure("no sample %s%s in the exposition" % (name, labels or ""))
    return samples[key]


class Program:
    def __init__(self, env, work, exe, args):
        self.env = env
        self.proc = subprocess.Popen([os.path.join(work, exe)] + args, cwd=work,
                                     env=env.program_env(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)

    def wait_up(self, port):
        """The first scrape after the sources opened (before, the endpoint
        serves only the program's own series)."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            m = metrics(port)
            if m is not None and any(n == "flowc_source_records_total" for n, _ in m):
                return m
            if self.proc.poll() is not None:
                raise Failure("the program ended before serving metrics:\n%s" % self.finish())
            time.sleep(0.05)
        raise Failure("nothing served metrics on port %d within %d s" % (port, WAIT_S))

    def finish(self, sig=None):
        """Its stderr after it ends (sent `sig` first); a non-zero status or a
        sanitizer report fails the test."""
        if sig is not None:
            self.proc.send_signal(sig)
        try:
            _, err = self.proc.communicate(timeout=WAIT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            raise Failure("the program did not end within %d s" % WAIT_S)
        err = err.decode("utf-8", "replace")
        if self.proc.returncode != 0 or re.search(r"Sanitizer|runtime error:", err):
            raise Failure("exit status %d:\n%s" % (self.proc.returncode, err[-4000:]))
        return err

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def summary(err):
    m = SUMMARY.search(err)
    if not m:
        raise Failure("no summary in:\n%s" % err)
    return [int(x) for x in m.groups()]


def generator_run(env, work, report):
    port = free_port()
    prog = Program(env, work, "gen", ["--metrics-port", "127.0.0.1:%d" % port])
    try:
        seen = [prog.wait_up(port)]
        while prog.proc.poll() is None and len(seen) < 40:
            time.sleep(0.25)
            m = metrics(port)
            if m is not None:
                seen.append(m)
        err = prog.finish()
    finally:
        prog.kill()
    if len(seen) < 3:
        raise Failure("only %d scrapes while the program ran" % len(seen))
    read = [value(m, "flowc_source_records_total", source="ticks") for m in seen]
    ticks = [value(m, "flowc_sink_records_total", sink="ticks", output="ticks.csv") for m in seen]
    odd = [value(m, "flowc_sink_records_total", sink="odd", output="stdout") for m in seen]
    for series, what in ((read, "read"), (ticks, "written to ticks.csv"), (odd, "odd")):
        if any(b < a for a, b in zip(series, series[1:])) or series[-1] <= series[0]:
            raise Failure("records %s do not grow from scrape to scrape: %s" % (what, series))
    total_read, total_written, late, bad = summary(err)
    if total_read != 4000 or read[-1] > total_read or ticks[-1] + odd[-1] > total_written:
        raise Failure("the last scrape (%d read, %d written) is past the summary:\n%s"
                      % (read[-1], ticks[-1] + odd[-1], err))
    for m in seen:
        if not any(n == "flowc_info" and ("program", "gen") in pairs for n, pairs in m):
            raise Failure("no flowc_info{program=\"gen\"}")
        if value(m, "flowc_backpressure_ratio") < 0 or value(m, "flowc_uptime_seconds") <= 0:
            raise Failure("a negative share or uptime")
        if any(n.startswith("flowc_checkpoint") for n, _ in m):
            raise Failure("checkpoint metrics from a program without checkpoints")
    report.append("generator: %d scrapes, read %d -> %d of %d"
                  % (len(seen), read[0], read[-1], total_read))


def settle(port, want_read, deadline_s=WAIT_S):
    """The first scrape that has read want_read records and whose sinks and
    checkpoints have caught up with them (two scrapes the same)."""
    deadline = time.monotonic() + deadline_s
    last = None
    while time.monotonic() < deadline:
        m = metrics(port)
        if m is not None and value(m, "flowc_source_records_total", source="vs") == want_read:
            stable = {k: v for k, v in m.items() if not k[0].startswith(("flowc_uptime",
                      "flowc_checkpoint", "flowc_output_blocked", "flowc_backpressure",
                      "flowc_source_watermark_lag"))}
            if stable == last and value(m, "flowc_checkpoints_total") >= 2:
                return m
            last = stable
        time.sleep(0.2)
    raise Failure("the numbers did not settle at %d records read within %d s" % (want_read,
                                                                                deadline_s))


def checkpointed_run(env, work, report):
    with open(os.path.join(work, "in.csv"), "w") as f:
        f.write("\n".join(FIRST) + "\n")
    port = free_port()
    prog = Program(env, work, "tailer", ["--metrics-port", str(port), "--no-restore"])
    try:
        prog.wait_up(port)
        first = settle(port, len(FIRST) - 1)
        with open(os.path.join(work, "in.csv"), "a") as f:
            f.write("\n".join(SECOND) + "\n")
        second = settle(port, len(FIRST) - 1 + len(SECOND))
        err = prog.finish(signal.SIGTERM)
    finally:
        prog.kill()
    checks = [
        (value(first, "flowc_source_bad_records_total", source="vs"), 1),
        (value(first, "flowc_bad_records_total"), 1),
        (value(first, "flowc_late_records_total"), 1),
        # the copy has every good record; the late one is late only for the window
        (value(first, "flowc_sink_records_total", sink="copy", output="copy.csv"),
         len(FIRST) - 2),
        (value(first, "flowc_sink_records_total", sink="totals", output="totals.csv"), 2),
        (value(second, "flowc_sink_records_total", sink="totals", output="totals.csv"), 3),
        (value(second, "flowc_source_watermark_seconds", source="vs"), SECOND_WATERMARK),
        (value(second, "flowc_watermark_seconds"), SECOND_WATERMARK),
        (value(second, "flowc_checkpoint_restored_id"), 0),
    ]
    for got, want in checks:
        if not math.isclose(got, want, abs_tol=1e-6):
            raise Failure("expected %s, scraped %s; checks %s" % (want, got, checks))
    lag = value(second, "flowc_source_watermark_lag_seconds", source="vs")
    if not time.time() - SECOND_WATERMARK - 60 < lag < time.time() - SECOND_WATERMARK + 60:
        raise Failure("watermark lag %s is not the wall clock minus the watermark" % lag)
    if value(second, "flowc_checkpoint_last_size_bytes") <= 0 or \
            value(second, "flowc_checkpoint_last_duration_seconds") <= 0:
        raise Failure("no size or duration for the last checkpoint")
    read, written, late, bad = summary(err)
    scraped = [value(second, "flowc_source_records_total", source="vs"),
               sum(v for (n, _), v in second.items() if n == "flowc_sink_records_total"),
               value(second, "flowc_late_records_total"), value(second, "flowc_bad_records_total")]
    if [read, written, late, bad] != scraped:
        raise Failure("summary %s, last scrape %s:\n%s" % ([read, written, late, bad], scraped, err))
    taken = int(re.search(r"checkpoints \(.*\): (\d+) taken", err).group(1))
    if taken < value(second, "flowc_checkpoints_total"):
        raise Failure("summary: %d checkpoints, scraped %d" % (
            taken, value(second, "flowc_checkpoints_total")))
    # Run again: it restores the last checkpoint and says which.
    port = free_port()
    again = Program(env, work, "tailer", ["--metrics-port", str(port)])
    try:
        m = again.wait_up(port)
        while value(m, "flowc_checkpoint_restored_id") == 0 and again.proc.poll() is None:
            time.sleep(0.1)
            m = metrics(port) or m
        err2 = again.finish(signal.SIGTERM)
    finally:
        again.kill()
    rid = int(value(m, "flowc_checkpoint_restored_id"))
    said = re.search(r"restored from (\d+)", err2)
    if rid == 0 or not said or int(said.group(1)) != rid:
        raise Failure("restored id %d scraped, summary:\n%s" % (rid, err2))
    report.append("checkpointed: %d then %d read, %d written, %d late, %d bad match the "
                  "summary; %d checkpoints; restored from %d" % (len(FIRST) - 1, read, written,
                                                                 late, bad, taken, rid))


def failures(env, work, report):
    exe = os.path.join(work, "gen")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for arg, status, message in [
                ("127.0.0.1:%d" % port, 1, "cannot serve metrics: .*Address already in use"),
                ("0", 2, "is not PORT"), ("65536", 2, "is not PORT"), ("x:y", 2, "is not PORT"),
                ("::1:80", 2, "is not PORT")]:
            proc = subprocess.run([exe, "--metrics-port", arg], cwd=work, env=env.program_env(),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=WAIT_S)
            err = proc.stderr.decode()
            if proc.returncode != status or not re.search("--metrics-port.*" + message, err):
                raise Failure("--metrics-port %s: status %d (want %d):\n%s"
                              % (arg, proc.returncode, status, err))
    got = scrape(port)
    if got is not None:
        raise Failure("something answered on the port of the failed start")
    out = subprocess.run([exe, "--help"], stdout=subprocess.PIPE, timeout=WAIT_S).stdout.decode()
    if "--metrics-port [ADDR:]PORT" not in out:
        raise Failure("--help does not list --metrics-port:\n%s" % out)
    report.append("port in use -> 1, malformed -> 2, --help lists it")


def paths(env, work, report):
    port = free_port()
    prog = Program(env, work, "gen", ["--metrics-port", "127.0.0.1:%d" % port])
    try:
        prog.wait_up(port)
        status = scrape(port, "/nope")[0]
        head = subprocess.run(["curl", "-sS", "-I", "http://127.0.0.1:%d/metrics" % port],
                              stdout=subprocess.PIPE, timeout=30).stdout.decode()
        prog.finish(signal.SIGTERM)
    finally:
        prog.kill()
    if status != 404 or "text/plain; version=0.0.4" not in head:
        raise Failure("/nope: %d; HEAD /metrics:\n%s" % (status, head))
    report.append("404 elsewhere, HEAD works")


def main():
    ap = env_arguments(__doc__)
    ap.add_argument("--tsan", action="store_true", help="build the programs with ThreadSanitizer")
    args = ap.parse_args()
    env = TsanEnv(args) if args.tsan else Env(args)
    work = env.fresh_dir("metrics_endpoint")
    report = []
    try:
        env.build_text(GEN_FLOW, "gen", work)
        env.build_text(CKPT_FLOW, "tailer", work)
        generator_run(env, work, report)
        checkpointed_run(env, work, report)
        failures(env, work, report)
        paths(env, work, report)
    except (Failure, subprocess.TimeoutExpired) as e:
        print("FAIL metrics_endpoint\n%s" % "\n".join(report + [str(e)]), file=sys.stderr)
        return 1
    print("ok metrics_endpoint%s: %s" % (" (tsan)" if args.tsan else "", "; ".join(report)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
