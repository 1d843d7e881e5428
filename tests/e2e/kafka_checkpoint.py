#!/usr/bin/env python3
"""Exactly-once through Kafka under kill -9, against a real broker
(tests/kafka/broker.py). Two checkpointed programs (checkpoint every 80 ms),
Kafka -> keyed tumbling window -> Kafka and Kafka (3 partitions) -> lookup
in a table from a Kafka changelog (read again on every restore) -> file,
the first with a second Kafka sink (the raw records of one stream) in the
same transactions, are killed with SIGKILL of their process group at random (seeded) moments
while their input is being produced, and started again until all of it is
processed: at least 20 kills in all. The committed output (kcat under
read_committed) must equal an uninterrupted run's and the one worked out
here: nothing lost, nothing twice. Then a second instance with the same
transactional id fences the first, which stops with a message saying so,
and a second Kafka sink naming another transactional id is refused.

  kafka_checkpoint.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import collections
import os
import random
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

WINDOW = """\
schema Ev { ts : timestamp, user : string, v : int64 }
source ev : Ev from kafka(brokers = "{b}", topic = "win_in", format = csv, start = earliest)
  event time ts;
stream per_user = ev | key by user | window tumbling 1s | aggregate n = count(), total = sum(v);
stream big = ev | where v >= 11;
sink per_user to kafka(brokers = "{b}", topic = "{out}", format = csv, key = user{extra});
sink big to kafka(brokers = "{b}", topic = "{out}_big", format = csv{big_extra});
config { checkpoint every 80ms; }
"""

FILE = """\
schema Order { id : int64, user : string, amount : float64 }
schema User { name : string, tier : string }
source orders : Order from kafka(brokers = "{b}", topic = "file_in", format = csv,
                                 start = earliest);
table users : User from kafka(brokers = "{b}", topic = "users", format = csv) key name;
stream big = orders | where amount > 10.0 | lookup users as u on user == u.name
  | select id, user, amount, tier;
sink big to file("big.csv");
config { checkpoint every 80ms; }
"""

SEED = 11
CHUNKS = 40            # input produced in chunks, one every CHUNK_S
CHUNK_S = 0.2
PER_CHUNK = 250
MIN_KILLS = 10         # per program
WAIT_S = 120
USERS = 7
T0 = 1709251200000     # 2024-03-01T00:00:00Z in ms


def iso(ms):
    s, m = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + f".{m:03d}Z"


def window_input():
    """Lines in event-time order (one partition), a sentinel at the end
    that closes every window, the expected (user, start, n, total) and the
    expected lines of the stream big."""
    lines, want, big = [], collections.Counter(), collections.Counter()
    sums = collections.defaultdict(lambda: [0, 0])
    for i in range(CHUNKS * PER_CHUNK):
        ts = T0 + i * 7
        user, v = f"u{i % USERS}", i % 13
        lines.append(f"{iso(ts)},{user},{v}")
        if v >= 11:
            big[lines[-1]] += 1
        w = sums[(user, (ts - T0) // 1000)]
        w[0] += 1
        w[1] += v
    lines.append(f"{iso(T0 + 10 ** 8)},zz,0")
    for (user, start), (n, total) in sums.items():
        want[(user, iso(T0 + start * 1000), n, total)] += 1
    return lines, want, big


def file_input(rng):
    lines = [(rng.randrange(3), f"{i},u{i % 5},{float(i * 7 % 23)}")
             for i in range(CHUNKS * PER_CHUNK)]
    want = collections.Counter(f"{i},u{i % 5},{i * 7 % 23:g},{TIERS[i % 5]}"
                               for i in range(CHUNKS * PER_CHUNK) if i * 7 % 23 > 10)
    return lines, want


# The users table's changelog: updates and a tombstone before the runs, so
# that every restore reads it again to its checkpoint's offsets.
USERS_LOG = ["u0:u0,silver", "u1:u1,gold", "u2:u2,bronze", "u0:u0,gold", "u9:u9,none",
             "u3:u3,silver", "u4:u4,gold", "u9:", "u2:u2,silver"]
TIERS = ["gold", "gold", "silver", "silver", "gold"]


def window_output(b, topic):
    got = collections.Counter()
    for m in b.consume(topic, fmt="%k\\t%s\\n").splitlines():
        key, value = m.split("\t", 1)
        user, start, _end, n, total = value.split(",")
        if key != user:
            raise Failure(f"{topic}: message key {key!r} is not its user: {value}")
        got[(user, start, int(n), int(total))] += 1
    return got


def big_output(b, topic):
    return collections.Counter(b.consume(topic).splitlines())


def file_output(path):
    if not os.path.exists(path):
        return collections.Counter()
    with open(path) as f:
        return collections.Counter(f.read().splitlines()[1:])


def start(env, exe, cwd, ckpt):
    return subprocess.Popen([os.path.join(cwd, exe), "--checkpoint-dir", ckpt, "--quiet"],
                            cwd=cwd, env=env.program_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def stop(proc):
    """SIGTERM (a final checkpoint, which commits); its stderr."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    if proc.returncode != 0:
        raise Failure(f"exit {proc.returncode}:\n{err[-3000:]}")
    return err


def killed_runs(env, exe, cwd, rng, producing, complete):
    """Starts exe again and again, each time killed with its process group
    after a random while, until the input is all produced and MIN_KILLS
    kills are done; then a last run until complete() holds, and a clean
    stop. The number of kills."""
    ckpt = os.path.join(cwd, "ckpt")
    kills = 0
    deadline = time.monotonic() + WAIT_S
    while producing.is_set() or kills < MIN_KILLS:
        if time.monotonic() > deadline:
            raise Failure(f"{exe}: not done after {WAIT_S} s")
        proc = start(env, exe, cwd, ckpt)
        until = time.monotonic() + rng.uniform(0.3, 1.5)
        while time.monotonic() < until and proc.poll() is None:
            time.sleep(0.02)
        if proc.poll() is not None:
            raise Failure(f"{exe} ended by itself ({proc.returncode}):\n"
                          f"{proc.communicate()[1][-3000:]}")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        kills += 1
    print(f"{exe}: {kills} kills", file=sys.stderr)
    uninterrupted(env, exe, cwd, complete)
    return kills


def produce_slowly(b, topic, lines, producing):
    """lines as (partition, line), CHUNKS chunks CHUNK_S apart."""
    per = (len(lines) + CHUNKS - 1) // CHUNKS
    for k in range(0, len(lines), per):
        for p in sorted({q for q, _ in lines[k:k + per]}):
            b.produce(topic, [line for q, line in lines[k:k + per] if q == p], partition=p)
        time.sleep(CHUNK_S)
    producing.clear()


def uninterrupted(env, exe, cwd, complete):
    """A run until complete() holds, then a clean stop; it runs a second at
    least, so that the stop finds it past its start."""
    proc = start(env, exe, cwd, os.path.join(cwd, "ckpt"))
    time.sleep(1)
    until = time.monotonic() + 60
    while time.monotonic() < until and not complete() and proc.poll() is None:
        time.sleep(0.3)
    print(f"{exe}: complete: {complete()}", file=sys.stderr)
    stop(proc)


def check(what, got, want):
    if got == want:
        return
    lost = want - got
    twice = got - want
    raise Failure(f"{what}: {sum(lost.values())} lost (e.g. {list(lost)[:3]}), "
                  f"{sum(twice.values())} extra (e.g. {list(twice)[:3]})")


def window_test(env, b, work, rng):
    lines, want, big = window_input()
    b.create_topic("win_in", partitions=1)
    for t in ("win_out", "win_ref", "win_out_big", "win_ref_big"):
        b.create_topic(t, partitions=2)
    killed_dir, ref_dir = os.path.join(work, "win"), os.path.join(work, "win_ref")
    os.makedirs(killed_dir)
    os.makedirs(ref_dir)
    flow = WINDOW.replace("{b}", b.bootstrap).replace("{extra}", "").replace("{big_extra}", "")
    env.build_text(flow.replace("{out}", "win_out"), "win", killed_dir)
    env.build_text(flow.replace("{out}", "win_ref"), "win_ref", ref_dir)
    producing = threading.Event()
    producing.set()
    feeder = threading.Thread(target=produce_slowly,
                              args=(b, "win_in", [(0, line) for line in lines], producing))
    feeder.start()
    total, big_total = sum(want.values()), sum(big.values())

    def complete(out):
        return (sum(window_output(b, out).values()) >= total and
                sum(big_output(b, out + "_big").values()) >= big_total)

    try:
        kills = killed_runs(env, "win", killed_dir, rng, producing, lambda: complete("win_out"))
    finally:
        feeder.join()
    uninterrupted(env, "win_ref", ref_dir, lambda: complete("win_ref"))
    check("window, killed", window_output(b, "win_out"), want)
    check("window, uninterrupted", window_output(b, "win_ref"), want)
    check("window's second sink, killed", big_output(b, "win_out_big"), big)
    check("window's second sink, uninterrupted", big_output(b, "win_ref_big"), big)
    # Each complete checkpoint's offsets go to the source's group (its
    # default name, flowc-PROGRAM), for monitoring tools: after the clean
    # stop's final checkpoint the group is at the end of the input.
    committed = b.group_offsets("flowc-win_ref", "win_in")
    if committed != {0: len(lines)}:
        raise Failure(f"group flowc-win_ref committed {committed} for win_in, not "
                      f"{{0: {len(lines)}}}")
    return kills


def file_test(env, b, work, rng):
    lines, want = file_input(rng)
    b.create_topic("file_in", partitions=3)
    b.create_topic("users", partitions=2)
    b.produce("users", USERS_LOG, partition=0, key_sep=":", nulls=True)
    killed_dir, ref_dir = os.path.join(work, "file"), os.path.join(work, "file_ref")
    os.makedirs(killed_dir)
    os.makedirs(ref_dir)
    flow = FILE.replace("{b}", b.bootstrap)
    env.build_text(flow, "tofile", killed_dir)
    env.build_text(flow, "tofile", ref_dir)
    producing = threading.Event()
    producing.set()
    feeder = threading.Thread(target=produce_slowly, args=(b, "file_in", lines, producing))
    feeder.start()
    total = sum(want.values())
    path = os.path.join(killed_dir, "big.csv")
    try:
        kills = killed_runs(env, "tofile", killed_dir, rng, producing,
                               lambda: sum(file_output(path).values()) >= total)
    finally:
        feeder.join()
    ref = os.path.join(ref_dir, "big.csv")
    uninterrupted(env, "tofile", ref_dir, lambda: sum(file_output(ref).values()) >= total)
    check("file, killed", file_output(path), want)
    check("file, uninterrupted", file_output(ref), want)
    return kills


def fencing_test(env, b, work):
    """Two instances (own checkpoint directories) with one transactional id:
    the second fences the first, which fails saying so."""
    d = os.path.join(work, "fence")
    os.makedirs(d)
    b.create_topic("fence_out", partitions=1)
    b.create_topic("fence_out_big", partitions=1)
    flow = (WINDOW.replace("{b}", b.bootstrap).replace("{out}", "fence_out")
            .replace("{extra}", ', transactional_id = "fence-test"').replace("{big_extra}", ""))
    env.build_text(flow, "fence", d)
    first = start(env, "fence", d, os.path.join(d, "ckpt1"))
    time.sleep(3)
    if first.poll() is not None:
        raise Failure(f"the first instance ended by itself:\n{first.communicate()[1]}")
    second = start(env, "fence", d, os.path.join(d, "ckpt2"))
    try:
        _, err = first.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(first.pid, signal.SIGKILL)
        raise Failure("the first instance was not fenced by the second")
    if first.returncode == 0 or "fenced" not in err.lower():
        raise Failure(f"the fenced instance: exit {first.returncode}:\n{err[-3000:]}")
    time.sleep(1)
    if second.poll() is not None:
        raise Failure(f"the second instance ended:\n{second.communicate()[1]}")
    stop(second)


def mismatch_test(env, b, work):
    """A second Kafka sink cannot have a transaction of its own: the run
    stops at its start, naming the sink and what differs."""
    d = os.path.join(work, "mismatch")
    os.makedirs(d)
    flow = (WINDOW.replace("{b}", b.bootstrap).replace("{out}", "fence_out")
            .replace("{extra}", "").replace("{big_extra}", ', transactional_id = "other"'))
    env.build_text(flow, "mismatch", d)
    proc = start(env, "mismatch", d, os.path.join(d, "ckpt"))
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise Failure("a second kafka sink with its own transactional id was not refused")
    want = ("sink to kafka topic 'fence_out_big': the kafka sinks of a checkpointed program "
            "share one transaction, so its transactional_id must be those of the first kafka "
            "sink (mismatch.flow:6:")
    if proc.returncode != 1 or want not in err or not err.startswith("mismatch.flow:7:"):
        raise Failure(f"the second kafka sink's own transactional id: exit {proc.returncode}:\n"
                      f"{err[-3000:]}")


def main():
    env = Env(env_arguments(__doc__).parse_args())
    work = env.fresh_dir("kafka_checkpoint")
    rng = random.Random(SEED)
    with Broker(log=os.path.join(work, "broker.log")) as b:
        kills = window_test(env, b, work, rng)
        kills += file_test(env, b, work, rng)
        if kills < 2 * MIN_KILLS:
            raise Failure(f"only {kills} kills")
        fencing_test(env, b, work)
        mismatch_test(env, b, work)
    print(f"kafka_checkpoint: {kills} kills, committed outputs of three sinks equal to "
          "uninterrupted runs; a duplicate instance is fenced")


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        sys.exit(f"FAIL: {e}")
