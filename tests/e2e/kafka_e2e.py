#!/usr/bin/env python3
"""Kafka end to end, against a real broker (tests/kafka/broker.py; no broker
jars fails the test, it never skips): records produced with kcat into a
topic of three partitions, one of them bad, go through a compiled program
Kafka -> where/select -> Kafka (JSON, keyed) and Kafka -> file (CSV). The
output topic, read back with kcat under read_committed, holds exactly the
selected records with their keys, the file the same rows; the bad message
is reported with its topic, partition and offset. A program with a kafka
connector links librdkafka, one without does not.

  kafka_e2e.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "kafka"))
from run_e2e import Env, Failure, env_arguments  # noqa: E402
from broker import Broker  # noqa: E402

FLOW = """\
schema Order { id : int64, user : string, amount : float64 }

source orders : Order from kafka(brokers = "{b}", topic = "in", group = "e2e",
                                 format = csv, start = earliest);
stream big = orders | where amount > 10.0 | select id, user, amount;

sink big to kafka(brokers = "{b}", topic = "out", format = json, key = user);
sink big to file("big.csv");
"""

PLAIN = """\
schema Order { id : int64, user : string, amount : float64 }
source orders : Order from stdin(format = csv);
stream big = orders | where amount > 10.0;
sink big to stdout(format = csv);
"""

WAIT_S = 60


def orders():
    """(partition, csv line) for 30 orders and their expected output."""
    rows = [(i, f"u{i % 4}", float(i * 3 % 25)) for i in range(30)]
    lines = [(i % 3, f"{i},{u},{a}") for i, u, a in rows]
    big = [(i, u, a) for i, u, a in rows if a > 10.0]
    return lines, big


def links_rdkafka(exe):
    out = subprocess.run(["ldd", exe], capture_output=True, text=True, check=True).stdout
    return "librdkafka" in out


def run_until(env, exe, cwd, done):
    """Runs exe until done() holds (or WAIT_S), then SIGTERM; its stderr."""
    proc = subprocess.Popen([os.path.join(cwd, exe)], cwd=cwd, env=env.program_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and proc.poll() is None and not done():
        time.sleep(0.5)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    if proc.returncode != 0:
        raise Failure(f"{exe} exited with {proc.returncode}:\n{err[-3000:]}")
    return err


def main():
    env = Env(env_arguments(__doc__).parse_args())
    work = env.fresh_dir("kafka_e2e")
    with Broker(log=os.path.join(work, "broker.log")) as b:
        b.create_topic("in", partitions=3)
        b.create_topic("out", partitions=2)
        lines, big = orders()
        for p in range(3):
            b.produce("in", [line for q, line in lines if q == p], partition=p)
        b.produce("in", ["31,bad,not-a-number"], partition=1)

        env.build_text(FLOW.replace("{b}", b.bootstrap), "kafka_big", work)
        env.build_text(PLAIN, "plain", work)
        if not links_rdkafka(os.path.join(work, "kafka_big")):
            raise Failure("a program with kafka connectors does not link librdkafka")
        if links_rdkafka(os.path.join(work, "plain")):
            raise Failure("a program without kafka connectors links librdkafka")

        csv_path = os.path.join(work, "big.csv")

        def file_rows():
            if not os.path.exists(csv_path):
                return []
            with open(csv_path) as f:
                return f.read().splitlines()[1:]

        def out_messages():
            return b.consume("out", fmt="%k\\t%s\\n").splitlines()

        err = run_until(env, "kafka_big", work,
                        lambda: len(file_rows()) >= len(big) and len(out_messages()) >= len(big))

        want_rows = sorted(f"{i},{u},{a:g}" for i, u, a in big)
        if sorted(file_rows()) != want_rows:
            raise Failure(f"big.csv: {sorted(file_rows())}\nwanted {want_rows}")
        got = sorted((k, json.loads(v)["id"], json.loads(v)["amount"])
                     for k, v in (m.split("\t", 1) for m in out_messages()))
        want = sorted((u, i, a) for i, u, a in big)
        if got != want:
            raise Failure(f"topic out (key, id, amount): {got}\nwanted {want}")
        if "topic 'in' partition 1 offset 10" not in err:
            raise Failure(f"the bad message is not reported by partition and offset:\n{err}")
    print(f"kafka_e2e: {len(big)} records through Kafka -> Kafka and Kafka -> file; "
          "linking checked")


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        sys.exit(f"FAIL: {e}")
