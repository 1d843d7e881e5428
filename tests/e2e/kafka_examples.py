#!/usr/bin/env python3
"""The Kafka examples (examples/kafka_window, examples/kafka_enrich) against
the test broker (tests/kafka/broker.py), step by step as their READMEs say,
with `--set brokers=` the broker's free port instead of 9092.

- kafka_window: the clicks (keyed by user) and an end marker in each
  partition go in with kcat; the committed output topic (read_committed)
  holds expected-out.jsonl, in some order.
- kafka_enrich: the customers changelog (an update, a tombstone) and the
  orders go in; out/enriched.csv holds expected-enriched.csv; then more
  customers and more orders while it runs, as the README's second step:
  once the table has them (a marker customer's order comes out) the new
  orders see them.

  kafka_examples.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "kafka"))
from run_e2e import Env, Failure, env_arguments  # noqa: E402
from broker import Broker  # noqa: E402

WAIT_S = 90


def example(env, work, name):
    src = os.path.join(env.src, "examples", name)
    d = os.path.join(work, name)
    shutil.copytree(src, d)
    env.build(name + ".flow", name, d)
    return d


def read(path):
    with open(path) as f:
        return f.read().splitlines()


def produce_file(b, topic, path, partition=None):
    b.produce(topic, read(path), partition=partition, key_sep="|", nulls=True)


def wait_for(proc, what, done):
    deadline = time.monotonic() + WAIT_S
    while not done():
        if proc.poll() is not None:
            raise Failure(f"ended waiting for {what}:\n{proc.communicate()[1][-3000:]}")
        if time.monotonic() > deadline:
            raise Failure(f"no {what} after {WAIT_S} s")
        time.sleep(0.3)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    if proc.returncode != 0:
        raise Failure(f"exit {proc.returncode}:\n{err[-3000:]}")
    return err


def start(env, d, name, b, *args):
    return subprocess.Popen([os.path.join(d, name), "--set", f"brokers={b.bootstrap}", *args],
                            cwd=d, env=env.program_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def window(env, b, work):
    d = example(env, work, "kafka_window")
    b.create_topic("clicks", partitions=2)
    b.create_topic("clicks-per-user", partitions=2)
    produce_file(b, "clicks", os.path.join(d, "data", "clicks.txt"))
    for p in (0, 1):
        produce_file(b, "clicks", os.path.join(d, "data", "end.txt"), partition=p)
    want = sorted(read(os.path.join(d, "expected-out.jsonl")))
    proc = start(env, d, "kafka_window", b, "--checkpoint-dir", "ckpt")

    def out():
        return sorted(b.consume("clicks-per-user").splitlines())

    wait_for(proc, "the windows", lambda: len(out()) >= len(want))
    stop(proc)
    if out() != want:
        raise Failure(f"clicks-per-user:\n" + "\n".join(out()) + "\nwanted\n" + "\n".join(want))


def enrich(env, b, work):
    d = example(env, work, "kafka_enrich")
    b.create_topic("customers", partitions=1)
    b.create_topic("orders", partitions=2)
    produce_file(b, "customers", os.path.join(d, "data", "customers.txt"))
    b.produce("orders", read(os.path.join(d, "data", "orders.csv")))
    want = sorted(read(os.path.join(d, "expected-enriched.csv")))
    path = os.path.join(d, "out", "enriched.csv")

    def rows():
        return read(path)[1:] if os.path.exists(path) else []

    proc = start(env, d, "kafka_enrich", b)
    wait_for(proc, "the first orders", lambda: len(rows()) >= 6)
    produce_file(b, "customers", os.path.join(d, "data", "more-customers.txt"))
    b.produce("customers", ["199|199,Marker,none"], key_sep="|")
    oid = 9000
    deadline = time.monotonic() + WAIT_S
    while not any(r.startswith("9") and ",199," in r for r in rows()):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise Failure(f"the table never took the marker: {rows()}")
        b.produce("orders", [f"{oid},199,1"])
        oid += 1
        time.sleep(0.3)
    b.produce("orders", read(os.path.join(d, "data", "more-orders.csv")))
    wait_for(proc, "the later orders", lambda: any(r.startswith("5010,") for r in rows()))
    err = stop(proc)
    got = sorted(r for r in rows() if ",199," not in r)
    if got != want:
        raise Failure("out/enriched.csv:\n" + "\n".join(got) + "\nwanted\n" + "\n".join(want) +
                      "\n" + err)


def main():
    env = Env(env_arguments(__doc__).parse_args())
    work = env.fresh_dir("kafka_examples")
    with Broker(log=os.path.join(work, "broker.log")) as b:
        window(env, b, work)
        enrich(env, b, work)
    print("kafka_examples: kafka_window and kafka_enrich as their READMEs run them")


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        sys.exit(f"FAIL: {e}")
