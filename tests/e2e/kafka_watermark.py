#!/usr/bin/env python3
"""One watermark per Kafka partition, against a real broker
(tests/kafka/broker.py): a topic of three partitions, each record keyed by
its partition, through a keyed tumbling window of 1 s to a file.
Partitions 0 and 1 carry 0-9.9 s, produced one after the other; partition 2
one record at 0.5 s, then nothing; 0 and 1 stay active with a record
at 9.9 s every 0.5 s, of keys of their own (100, 101). While partition 2
counts (before its `idle 5s`), no window may fire: the source's watermark is the minimum of its
partitions'. Once it is idle the windows up to 9 s fire for partitions 0
and 1 with every record (none late: partition 1 is not judged by partition
0's time), and partition 2's window with its one. A record at 12 s on
partition 2 brings it back: records at 15 s on 0 and 1 then move the
watermark to 12 s only, so [9 s, 10 s) fires and [12 s, 13 s) does not.

  kafka_watermark.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import os
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "kafka"))
from run_e2e import Env, Failure, env_arguments  # noqa: E402
from broker import Broker  # noqa: E402

FLOW = """\
schema Ev { ts : timestamp, p : int64 }
source ev : Ev from kafka(brokers = "{b}", topic = "wm_in", format = csv, start = earliest)
  event time ts idle 5s;
stream counts = ev | key by p | window tumbling 1s | aggregate n = count();
sink counts to file("counts.csv");
"""

T0 = 1709251200000     # 2024-03-01T00:00:00Z in ms


def iso(ms):
    s, m = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + f".{m:03d}Z"


def rows(path):
    """{(p, window start in s): n} of the file so far."""
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        lines = f.read().splitlines()[1:]
    out = {}
    for line in lines:
        p, start, _end, n = line.split(",")
        if int(p) < 3:
            out[(int(p), start)] = int(n)
    return out


def keep_alive(b, stop):
    while not stop.wait(0.5):
        for p in (0, 1):
            b.produce("wm_in", [f"{iso(T0 + 9900)},{100 + p}"], partition=p)


def wait_for(what, cond, timeout_s=20):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.2)
    raise Failure(f"not within {timeout_s} s: {what}")


def main():
    env = Env(env_arguments(__doc__).parse_args())
    work = env.fresh_dir("kafka_watermark")
    with Broker(log=os.path.join(work, "broker.log")) as b:
        b.create_topic("wm_in", partitions=3)
        for p in (0, 1):
            b.produce("wm_in", [f"{iso(T0 + i * 100)},{p}" for i in range(100)], partition=p)
        b.produce("wm_in", [f"{iso(T0 + 500)},2"], partition=2)
        env.build_text(FLOW.replace("{b}", b.bootstrap), "wm", work)
        path = os.path.join(work, "counts.csv")
        proc = subprocess.Popen([os.path.join(work, "wm"), "--quiet"], cwd=work,
                                env=env.program_env(), stderr=subprocess.PIPE, text=True)
        stop = threading.Event()
        alive = threading.Thread(target=keep_alive, args=(b, stop))
        alive.start()
        try:
            time.sleep(1.5)
            if rows(path):
                raise Failure(f"windows fired while partition 2 held the watermark: {rows(path)}")
            want = {(p, iso(T0 + s * 1000)): 10 for p in (0, 1) for s in range(9)}
            want[(2, iso(T0))] = 1
            wait_for("the windows up to 9 s, once partition 2 is idle", lambda: rows(path) == want)
            b.produce("wm_in", [f"{iso(T0 + 12000)},2"], partition=2)
            time.sleep(1)
            for p in (0, 1):
                b.produce("wm_in", [f"{iso(T0 + 15000)},{p}"], partition=p)
            for p in (0, 1):
                want[(p, iso(T0 + 9000))] = 10
            wait_for("[9 s, 10 s) of partitions 0 and 1", lambda: rows(path) == want)
            time.sleep(1)
            if rows(path) != want:
                raise Failure(f"partition 2 back at 12 s did not hold the watermark: "
                              f"{sorted(set(rows(path)) - set(want))}")
        finally:
            stop.set()
            alive.join()
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)
        if proc.returncode != 0:
            raise Failure(f"exit {proc.returncode}:\n{err[-3000:]}")
    print("kafka_watermark: the minimum of the partitions' watermarks, idle partitions left "
          "out until they deliver again")


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        sys.exit(f"FAIL: {e}")
