#!/usr/bin/env python3
"""Partitions added while a Kafka source runs, and event time from the
message timestamp, against a real broker (tests/kafka/broker.py).

Partitions: a keyed tumbling window over a topic of one partition, looking
for new partitions every 300 ms (topic.metadata.refresh.interval.ms). Once
the first window has fired, the topic grows to two partitions (the broker's
TopicCommand); the program says it reads the new one. A record far ahead
in partition 0 is read (the metrics endpoint counts it), then one of the
open window in partition 1: it is not late, as the new partition holds the
watermark back, and the window counts both partition's records.

First batch: with two partitions, the first read alone does not move the
watermark past the second (which has delivered nothing yet).

Timestamps: `timestamp = ts` fills field ts from each message's timestamp
(kcat's %T); the value holds the other fields only.

  kafka_partitions.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "kafka"))
from run_e2e import Env, Failure, env_arguments  # noqa: E402
from broker import Broker  # noqa: E402

WINDOW = """\
schema Ev { ts : timestamp, user : string, v : int64 }
source ev : Ev from kafka(brokers = "{b}", topic = "{topic}", format = csv, start = earliest,
                          properties = "topic.metadata.refresh.interval.ms=300")
  event time ts;
stream per_user = ev | key by user | window tumbling 1s | aggregate n = count(), total = sum(v);
sink per_user to file("w.csv", header = false);
"""

STAMPED = """\
schema Click { ts : timestamp, user : string, page : string }
source clicks : Click from kafka(brokers = "{b}", topic = "clicks", format = csv,
                                 start = earliest, timestamp = ts)
  event time ts;
stream out = clicks | select ts, user, page;
sink out to file("clicks.csv", header = false, format = jsonl);
"""

WAIT_S = 60
T0 = 1709251200000


def iso(ms):
    s, m = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + f".{m:03d}Z"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return f.read().splitlines()


class Run:
    """The program, its stderr collected line by line as it runs."""

    def __init__(self, env, exe, cwd, *args):
        self.proc = subprocess.Popen([os.path.join(cwd, exe), *args], cwd=cwd,
                                     env=env.program_env(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.err = []
        self.reader = threading.Thread(target=self._read)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            self.err.append(line)

    def wait_for(self, what, done):
        deadline = time.monotonic() + WAIT_S
        while not done():
            if self.proc.poll() is not None:
                self.reader.join()
                raise Failure(f"the program ended waiting for {what}:\n{''.join(self.err)}")
            if time.monotonic() > deadline:
                raise Failure(f"no {what} after {WAIT_S} s:\n{''.join(self.err)}")
            time.sleep(0.1)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)
        self.reader.join()
        if self.proc.returncode != 0:
            raise Failure(f"exit {self.proc.returncode}:\n{''.join(self.err)}")
        return "".join(self.err)


def records_read(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            text = r.read().decode()
    except OSError:
        return -1
    for line in text.splitlines():
        if line.startswith('flowc_source_records_total{source="ev"}'):
            return int(line.split()[-1])
    return -1


def partitions_test(env, b, work):
    d = os.path.join(work, "grow")
    os.makedirs(d)
    b.create_topic("ev", partitions=1)
    env.build_text(WINDOW.replace("{b}", b.bootstrap).replace("{topic}", "ev"), "win", d)
    out = os.path.join(d, "w.csv")
    b.produce("ev", [f"{iso(T0 + 100)},a,1", f"{iso(T0 + 200)},a,2", f"{iso(T0 + 5000)},a,4"],
              partition=0)
    port = free_port()
    run = Run(env, "win", d, "--metrics-port", str(port))
    run.wait_for("the first window", lambda: len(lines(out)) >= 1)
    b.add_partitions("ev", 2)
    run.wait_for("the new partition read",
                 lambda: any("topic 'ev' has partition 1 now" in e for e in run.err))
    b.produce("ev", [f"{iso(T0 + 9000)},a,0"], partition=0)
    run.wait_for("the record far ahead read", lambda: records_read(port) >= 4)
    # The window [5 s, 6 s) is still open: partition 1 has not delivered yet.
    b.produce("ev", [f"{iso(T0 + 5500)},a,10", f"{iso(T0 + 9000)},b,0"], partition=1)
    run.wait_for("the window of both partitions", lambda: len(lines(out)) >= 2)
    err = run.stop()
    want = [f"a,{iso(T0)},{iso(T0 + 1000)},2,3", f"a,{iso(T0 + 5000)},{iso(T0 + 6000)},2,14"]
    if lines(out)[:2] != want:
        raise Failure(f"w.csv:\n{lines(out)}\nwanted first\n{want}\n{err}")
    if " 0 late" not in err:
        raise Failure(f"a record of the new partition was late:\n{err}")


def first_batch_test(env, b, work):
    """Two partitions from the start, the first read alone (the metrics count
    its records) before the second has any: its batch must not fire the
    windows that the second's records then reach late."""
    d = os.path.join(work, "first")
    os.makedirs(d)
    b.create_topic("ev2", partitions=2)
    env.build_text(WINDOW.replace("{b}", b.bootstrap).replace("{topic}", "ev2"), "win", d)
    out = os.path.join(d, "w.csv")
    b.produce("ev2", [f"{iso(T0 + 100)},a,1", f"{iso(T0 + 3000)},a,2"], partition=0)
    port = free_port()
    run = Run(env, "win", d, "--metrics-port", str(port))
    run.wait_for("partition 0 read", lambda: records_read(port) >= 2)
    b.produce("ev2", [f"{iso(T0 + 200)},a,4", f"{iso(T0 + 3000)},b,0"], partition=1)
    run.wait_for("the first window", lambda: len(lines(out)) >= 1)
    err = run.stop()
    want = f"a,{iso(T0)},{iso(T0 + 1000)},2,5"
    if lines(out)[:1] != [want] or " 0 late" not in err:
        raise Failure(f"w.csv: {lines(out)}, wanted first {want}\n{err}")


def timestamp_test(env, b, work):
    d = os.path.join(work, "stamped")
    os.makedirs(d)
    b.create_topic("clicks", partitions=2)
    env.build_text(STAMPED.replace("{b}", b.bootstrap), "stamped", d)
    b.produce("clicks", ["u1,/a", "u2,/b"], partition=0)
    b.produce("clicks", ["u3,/c"], partition=1)
    want = sorted(f'{{"ts":"{iso(int(t))}","user":"{u}","page":"{p}"}}'
                  for t, u, p in (m.split(",") for m in
                                  b.consume("clicks", fmt="%T,%s\\n").splitlines()))
    out = os.path.join(d, "clicks.csv")
    run = Run(env, "stamped", d)
    run.wait_for("the three clicks", lambda: len(lines(out)) >= 3)
    run.stop()
    if sorted(lines(out)) != want:
        raise Failure(f"clicks (ts from the message timestamps):\n{sorted(lines(out))}\n"
                      f"wanted\n{want}")


def main():
    env = Env(env_arguments(__doc__).parse_args())
    work = env.fresh_dir("kafka_partitions")
    with Broker(log=os.path.join(work, "broker.log")) as b:
        partitions_test(env, b, work)
        first_batch_test(env, b, work)
        timestamp_test(env, b, work)
    print("kafka_partitions: a partition added while running is read and holds the watermark; "
          "event time from message timestamps")


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        sys.exit(f"FAIL: {e}")
