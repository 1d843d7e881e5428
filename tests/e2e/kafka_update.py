#!/usr/bin/env python3
"""An updating aggregate written to Kafka keyed by its key, against a real
broker (tests/kafka/broker.py; docs/language.md, "Updating aggregates"):
`key by user | aggregate n = count(), total = sum(amount)` to a topic of
three partitions with `key = user`, the compacted-topic form of its
changelog. Read back with kcat: one message per record, each with the
user as its message key, every message of a user in one partition, in
order (n counting up from 1, +I then +U), and the last message of each user
(what a compacted topic keeps) equal to a GROUP BY of the input.

  kafka_update.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import collections
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "kafka"))
from run_e2e import Env, Failure, env_arguments  # noqa: E402
from broker import Broker, BrokerError  # noqa: E402

FLOW = """\
schema Event {{ user : string, amount : int64 }}
source events : Event from file("events.csv");
stream per_user = events | key by user | aggregate n = count(), total = sum(amount);
sink per_user to kafka(brokers = "{b}", topic = "totals", format = csv, key = user);
"""
EVENTS = 5000


def main():
    env = Env(env_arguments(__doc__).parse_args())
    work = env.fresh_dir("kafka_update")
    rng = random.Random(9)
    want = collections.defaultdict(lambda: [0, 0])
    with open(os.path.join(work, "events.csv"), "w") as f:
        f.write("user,amount\n")
        for _ in range(EVENTS):
            user, amount = "u%d" % rng.randrange(50), rng.randrange(100)
            f.write(f"{user},{amount}\n")
            want[user][0] += 1
            want[user][1] += amount
    with Broker(log=os.path.join(work, "broker.log")) as b:
        b.create_topic("totals", partitions=3)
        env.build_text(FLOW.format(b=b.bootstrap), "kafka_update", work)
        env.run_ok("kafka_update", work)
        lines = b.consume("totals", fmt="%p|%k|%s\\n", committed=False).splitlines()
    if len(lines) != EVENTS:
        raise Failure(f"{len(lines)} messages for {EVENTS} records")
    partition, last = {}, {}
    for line in lines:
        p, key, value = line.split("|")
        op, user, n, total = value.split(",")
        if key != user:
            raise Failure(f"message key {key!r} for {value!r}")
        if partition.setdefault(user, p) != p:
            raise Failure(f"{user} in partitions {partition[user]} and {p}")
        prev = last.get(user)
        if int(n) != (int(prev[0]) + 1 if prev else 1) or op != ("+U" if prev else "+I"):
            raise Failure(f"{value!r} after {prev!r} in partition {p}")
        last[user] = (n, total)
    got = {u: [int(n), int(t)] for u, (n, t) in last.items()}
    if got != dict(want):
        raise Failure(f"last message per user differs from GROUP BY: {got} vs {dict(want)}")
    print(f"kafka_update: {EVENTS} messages keyed by user over 3 partitions; the last of each "
          f"of {len(want)} users equals GROUP BY")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (Failure, BrokerError) as e:
        sys.exit(f"FAIL: {e}")
