#!/usr/bin/env python3
"""A table from a Kafka changelog, against a real broker (tests/kafka/broker.py):
kcat produces the customers topic (two partitions, keyed by the id's text)
with an update and a tombstone before the program starts, then orders.
The table is read to its end before the first order: customer 11's later
row wins, 13's tombstone deletes it (its order is dropped). While the
program runs, an update of 12 and a tombstone of 10 arrive, then a marker
rows 98 and 99 behind them in their partitions: once orders of both come out,
orders of 12 see the new row and those of 10 are dropped. Then the same
program with checkpoints: stopped, the table updated, started again with
--stats: it reads the table to the checkpoint's offsets (the count of rows
it loaded leaves the update out), then follows it to the update.

  kafka_table.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import os
import re
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
schema Order { order_id : int64, customer_id : int64, amount : float64 }
schema Customer { id : int64, name : string, country : string }

source orders : Order from kafka(brokers = "{b}", topic = "{orders}", format = csv,
                                 start = earliest);
table customers : Customer from kafka(brokers = "{b}", topic = "customers", format = csv)
  key id;

stream enriched = orders
  | lookup customers as c on customer_id == c.id
  | select order_id, customer_id, name, country;

sink enriched to file("out.csv", header = false);
"""

WAIT_S = 60


def out_rows(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return f.read().splitlines()


def start(env, exe, cwd, *args):
    return subprocess.Popen([os.path.join(cwd, exe), *args], cwd=cwd, env=env.program_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    if proc.returncode != 0:
        raise Failure(f"exit {proc.returncode}:\n{err[-3000:]}")
    return err


def wait_for(proc, what, done):
    deadline = time.monotonic() + WAIT_S
    while not done():
        if proc.poll() is not None:
            raise Failure(f"the program ended while waiting for {what}:\n"
                          f"{proc.communicate()[1][-3000:]}")
        if time.monotonic() > deadline:
            raise Failure(f"no {what} after {WAIT_S} s")
        time.sleep(0.2)


def until_markers(b, proc, path, topic, first_id):
    """Produces orders of customers 98 and 99 every so often until both come
    out: the table has then read everything before the marker rows (98 in
    partition 0, 99 in 1). The next order id."""
    oid = first_id
    deadline = time.monotonic() + WAIT_S
    while not {"98", "99"} <= {r.split(",")[1] for r in out_rows(path)}:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise Failure(f"the marker rows never reached the table: {out_rows(path)}")
        b.produce(topic, [f"{oid},98,1", f"{oid + 1},99,1"])
        oid += 2
        time.sleep(0.3)
    return oid


def check(what, got, want):
    if got != want:
        raise Failure(f"{what}:\n{got}\nwanted\n{want}")


def following(env, b, work):
    d = os.path.join(work, "follow")
    os.makedirs(d)
    env.build_text(FLOW.replace("{b}", b.bootstrap).replace("{orders}", "orders"), "enrich", d)
    b.produce("orders", ["1,10,5", "2,11,6", "3,12,7", "4,13,8", "5,14,9"])
    out = os.path.join(d, "out.csv")
    proc = start(env, "enrich", d)
    wait_for(proc, "the first four orders", lambda: len(out_rows(out)) >= 3)
    # Order 4's customer 13 was deleted, 5's never was: dropped both.
    check("before any update", out_rows(out),
          ["1,10,Ada,UK", "2,11,Linus T.,FI", "3,12,Grace,US"])
    b.produce("customers", ["10:", "98:98,Marker,ZZ"], partition=0, key_sep=":", nulls=True)
    b.produce("customers", ["12:12,Grace H.,US", "99:99,Marker,ZZ"], partition=1, key_sep=":")
    oid = until_markers(b, proc, out, "orders", 100)
    b.produce("orders", [f"{oid},12,1", f"{oid + 1},10,1", f"{oid + 2},11,1"])
    wait_for(proc, "the orders after the update",
             lambda: any(r.startswith(f"{oid + 2},") for r in out_rows(out)))
    err = stop(proc)
    got = [r for r in out_rows(out) if int(r.split(",")[0]) >= oid]
    check("after the update", got, [f"{oid},12,Grace H.,US", f"{oid + 2},11,Linus T.,FI"])
    if not re.search(r"table customers \(customers\): 8 rows loaded, 4 keys, 0 bad, 2 deleted",
                     err):
        raise Failure(f"the summary does not count the changelog's rows:\n{err}")


def checkpointed(env, b, work):
    d = os.path.join(work, "ckpt")
    os.makedirs(d)
    flow = FLOW.replace("{b}", b.bootstrap).replace("{orders}", "orders2")
    env.build_text(flow + "config { checkpoint every 50ms; }\n", "enrich", d)
    out, ckpt = os.path.join(d, "out.csv"), os.path.join(d, "ckpt")
    b.produce("orders2", ["1,12,1"])
    proc = start(env, "enrich", d, "--checkpoint-dir", ckpt)
    wait_for(proc, "the first order", lambda: len(out_rows(out)) >= 1)
    stop(proc)
    check("the checkpointed run", out_rows(out), ["1,12,Grace H.,US"])
    # 8 rows at the checkpoint: the update after it is not read on restore.
    b.produce("customers", ["12:12,Grace X.,US"], partition=0, key_sep=":")
    proc = start(env, "enrich", d, "--checkpoint-dir", ckpt, "--stats=60")
    oid = 2
    deadline = time.monotonic() + WAIT_S
    while not any(",Grace X.," in r for r in out_rows(out)):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise Failure(f"the update after the restore never reached the table: "
                          f"{out_rows(out)}\n{stop(proc)}")
        b.produce("orders2", [f"{oid},12,1"])
        oid += 1
        time.sleep(0.3)
    err = stop(proc)
    if not re.search(r"table customers loaded in [0-9.]+s: 8 rows, 4 keys", err):
        raise Failure(f"the restore did not read the table to the checkpoint's offsets:\n{err}")


def main():
    env = Env(env_arguments(__doc__).parse_args())
    work = env.fresh_dir("kafka_table")
    with Broker(log=os.path.join(work, "broker.log")) as b:
        b.create_topic("customers", partitions=2)
        b.create_topic("orders", partitions=1)
        b.create_topic("orders2", partitions=1)
        # A key's messages are in one partition, as a keyed producer puts them.
        b.produce("customers", ["10:10,Ada,UK", "11:11,Linus,FI", "13:13,Smith,US",
                                "11:11,Linus T.,FI", "13:"], partition=0, key_sep=":",
                  nulls=True)
        b.produce("customers", ["12:12,Grace,US"], partition=1, key_sep=":")
        following(env, b, work)
        checkpointed(env, b, work)
    print("kafka_table: a changelog table read to its end, followed (an update, a tombstone) "
          "and restored to a checkpoint's offsets")


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        sys.exit(f"FAIL: {e}")
