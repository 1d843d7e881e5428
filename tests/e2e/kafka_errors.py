#!/usr/bin/env python3
"""Kafka errors, against a real broker (tests/kafka/broker.py): each stops or
carries on as docs/kafka.md ("Errors") says.

- No broker at the address: exit status 1 after the bounded wait (10 s),
  naming the brokers and librdkafka's last error; nothing written.
- A topic that does not exist, read or written: exit status 1 at once,
  naming it.
- Refused credentials (the broker's SASL/PLAIN listener, a wrong password):
  exit status 1 before the wait is over, saying the brokers refuse the
  client; the right password reads the topic.
- The broker stopped and started again while a Kafka -> where -> Kafka and
  file program runs: the program says it retries, waits, and goes on; the
  output topic (read_committed) and the file hold every record once.

  kafka_errors.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import collections
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "kafka"))
from run_e2e import Env, Failure, env_arguments  # noqa: E402
from broker import SASL_PASSWORD, Broker, free_port  # noqa: E402

READ = """\
schema Row { id : int64, v : string }
source r : Row from kafka(brokers = "{b}", topic = "{t}", format = csv, start = earliest{p});
sink r to file("out.csv", header = false);
"""

WRITE = """\
schema Row { id : int64, v : string }
source r : Row from file("in.csv", header = false);
sink r to kafka(brokers = "{b}", topic = "{t}", format = csv);
"""

THROUGH = """\
schema Row { id : int64, v : string }
source r : Row from kafka(brokers = "{b}", topic = "rin", format = csv, start = earliest);
stream s = r | where id >= 0;
sink s to kafka(brokers = "{b}", topic = "rout", format = csv, key = v);
sink s to file("out.csv", header = false);
"""

WAIT_S = 90


def build(env, work, name, text, **subst):
    d = os.path.join(work, name)
    os.makedirs(d)
    for k, v in subst.items():
        text = text.replace("{" + k + "}", v)
    env.build_text(text, name, d)
    return d


def run_to_end(env, d, name, timeout=60):
    r = subprocess.run([os.path.join(d, name)], cwd=d, env=env.program_env(),
                       capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stderr


def expect_failure(what, status, err, *needles):
    if status != 1:
        raise Failure(f"{what}: exit status {status}, wanted 1:\n{err}")
    for n in needles:
        if n not in err:
            raise Failure(f"{what}: no '{n}' in:\n{err}")


def lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return f.read().splitlines()


def down_and_missing(env, b, work):
    nobody = f"127.0.0.1:{free_port()}"
    d = build(env, work, "down", READ, b=nobody, t="rin", p="")
    t0 = time.monotonic()
    status, err = run_to_end(env, d, "down")
    took = time.monotonic() - t0
    expect_failure("no broker", status, err,
                   f"no answer from the brokers '{nobody}' within 10 s", "last error")
    print(f"no broker: status 1 after {took:.1f} s:\n{err}", file=sys.stderr)
    d = build(env, work, "missing", READ, b=b.bootstrap, t="nope", p="")
    status, err = run_to_end(env, d, "missing")
    expect_failure("missing topic (source)", status, err,
                   f"topic 'nope' does not exist on '{b.bootstrap}'")
    d = build(env, work, "missing_sink", WRITE, b=b.bootstrap, t="nope")
    with open(os.path.join(d, "in.csv"), "w") as f:
        f.write("1,a\n")
    status, err = run_to_end(env, d, "missing_sink")
    expect_failure("missing topic (sink)", status, err, "topic 'nope' does not exist")


def credentials(env, b, work):
    props = (', properties = "security.protocol=SASL_PLAINTEXT;sasl.mechanism=PLAIN;'
             'sasl.username=flowc;sasl.password={pw}"')
    b.create_topic("auth", partitions=1)
    b.produce("auth", ["1,a"])
    d = build(env, work, "refused", READ, b=b.sasl_bootstrap, t="auth",
              p=props.replace("{pw}", "wrong"))
    t0 = time.monotonic()
    status, err = run_to_end(env, d, "refused")
    took = time.monotonic() - t0
    expect_failure("wrong password", status, err,
                   f"the brokers '{b.sasl_bootstrap}' refuse the client", "uthentication")
    if took >= 10:
        raise Failure(f"refused credentials waited the whole {took:.1f} s:\n{err}")
    print(f"wrong password: status 1 after {took:.1f} s:\n{err}", file=sys.stderr)
    d = build(env, work, "admitted", READ, b=b.sasl_bootstrap, t="auth",
              p=props.replace("{pw}", SASL_PASSWORD))
    proc = subprocess.Popen([os.path.join(d, "admitted")], cwd=d, env=env.program_env(),
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + WAIT_S
    while len(lines(os.path.join(d, "out.csv"))) < 1 and proc.poll() is None:
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    if proc.returncode != 0 or not lines(os.path.join(d, "out.csv")):
        raise Failure(f"the right password reads nothing (exit {proc.returncode}):\n{err}")


def restart(env, b, work):
    d = build(env, work, "through", THROUGH, b=b.bootstrap)
    out = os.path.join(d, "out.csv")
    first = [f"{i},k{i % 5}" for i in range(200)]
    second = [f"{i},k{i % 5}" for i in range(200, 400)]
    b.produce("rin", first)
    proc = subprocess.Popen([os.path.join(d, "through")], cwd=d, env=env.program_env(),
                            stderr=subprocess.PIPE, text=True)

    def wait(n, what):
        deadline = time.monotonic() + WAIT_S
        while len(lines(out)) < n:
            if proc.poll() is not None:
                raise Failure(f"the program ended waiting for {what}:\n{proc.stderr.read()}")
            if time.monotonic() > deadline:
                raise Failure(f"{len(lines(out))} rows, not {n}, waiting for {what}")
            time.sleep(0.2)

    wait(200, "the first half")
    b.halt()
    time.sleep(2)  # the program meets the broker down
    if proc.poll() is not None:
        raise Failure(f"the program ended with the broker down:\n{proc.stderr.read()}")
    b.restart()
    b.produce("rin", second)
    wait(400, "the second half")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    if proc.returncode != 0:
        raise Failure(f"exit {proc.returncode} after the broker restart:\n{err}")
    want = collections.Counter(first + second)
    got_file = collections.Counter(lines(out))
    got_topic = collections.Counter(b.consume("rout").splitlines())
    for what, got in (("out.csv", got_file), ("topic rout", got_topic)):
        if got != want:
            raise Failure(f"{what}: {sum((want - got).values())} lost, "
                          f"{sum((got - want).values())} extra\n{err}")
    if "retrying" not in err:
        raise Failure(f"the program did not say it retries:\n{err}")


def main():
    env = Env(env_arguments(__doc__).parse_args())
    work = env.fresh_dir("kafka_errors")
    with Broker(log=os.path.join(work, "broker.log")) as b:
        b.create_topic("rin", partitions=2)
        b.create_topic("rout", partitions=2)
        down_and_missing(env, b, work)
        credentials(env, b, work)
        restart(env, b, work)
    print("kafka_errors: no broker, missing topics, refused credentials, a broker restart")


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        sys.exit(f"FAIL: {e}")
