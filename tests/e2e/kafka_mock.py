#!/usr/bin/env python3
"""Injected producer errors through librdkafka's mock cluster
(tests/kafka/mock_cluster.c, compiled here), in a test of the Kafka sink: a
program writes 3000 records of a file to a mock topic while the mock fails
its requests. No real broker: the mock is for faults only.

- Retriable errors (not leader, request timed out) on Produce: the
  idempotent producer retries; every record is in the topic once, exit 0.
- A fatal error (CLUSTER_AUTHORIZATION_FAILED on InitProducerId, fatal to
  an idempotent producer): exit status 1, the sink naming the topic and
  librdkafka's reason for the fatal error.
- An abortable error in a checkpointed program (a transactional sink):
  MSG_SIZE_TOO_LARGE on Produce fails the open transaction; the run stops
  with status 1 naming the error, and a second run restores the last
  checkpoint and writes the rest: nothing is lost (the mock shows aborted
  messages too, so only "nothing lost" is checked here; kafka_checkpoint
  proves "nothing twice" against the real broker).

  kafka_mock.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import collections
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run_e2e import Env, Failure, env_arguments  # noqa: E402

FLOW = """\
schema Row { id : int64, user : string }
source rows : Row from file("in.csv", header = false);
sink rows to kafka(brokers = "{b}", topic = "{t}", format = csv, key = user{p});
"""

PRODUCE, INIT_PRODUCER_ID = 0, 22
NOT_LEADER, TIMED_OUT, TOO_LARGE, CLUSTER_AUTHORIZATION_FAILED = 6, 7, 10, 31
N = 3000


class Mock:
    def __init__(self, exe, topics):
        self.proc = subprocess.Popen([exe, *topics], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.bootstrap = self.proc.stdout.readline().strip()
        if not self.bootstrap:
            raise Failure("the mock cluster did not start")

    def errors(self, key, err, count):
        self.proc.stdin.write(f"errors {key} {err} {count}\n")
        self.proc.stdin.flush()
        if self.proc.stdout.readline().strip() != "ok":
            raise Failure("the mock cluster refused a command")

    def consume(self, topic):
        r = subprocess.run(["kcat", "-b", self.bootstrap, "-C", "-t", topic, "-o", "beginning",
                            "-e", "-q", "-f", "%s\\n"], capture_output=True, text=True,
                           timeout=60)
        if r.returncode != 0:
            raise Failure(f"kcat cannot read {topic} from the mock: {r.stderr}")
        return collections.Counter(r.stdout.splitlines())

    def close(self):
        self.proc.stdin.write("quit\n")
        self.proc.stdin.close()
        self.proc.wait(30)


def build_mock(env, work):
    exe = os.path.join(work, "mock_cluster")
    src = os.path.join(HERE, "..", "kafka", "mock_cluster.c")
    subprocess.run([env.cc or "cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-o", exe, src,
                    "-lrdkafka"], check=True)
    return exe


def program(env, work, name, mock, topic, extra=""):
    d = os.path.join(work, name)
    os.makedirs(d)
    text = FLOW.replace("{b}", mock.bootstrap).replace("{t}", topic).replace("{p}", "")
    env.build_text(text + extra, name, d)
    with open(os.path.join(d, "in.csv"), "w") as f:
        f.write("".join(f"{i},u{i % 7}\n" for i in range(N)))
    return d


def run(env, d, name, *args):
    r = subprocess.run([os.path.join(d, name), *args], cwd=d, env=env.program_env(),
                       capture_output=True, text=True, timeout=120)
    return r.returncode, r.stderr


def want():
    return collections.Counter(f"{i},u{i % 7}" for i in range(N))


def main():
    env = Env(env_arguments(__doc__).parse_args())
    work = env.fresh_dir("kafka_mock")
    mock = Mock(build_mock(env, work), ["retried:2", "fatal:2", "aborted:2",
                                        "aborted.flowc-commits:1"])
    try:
        d = program(env, work, "retried", mock, "retried")
        mock.errors(PRODUCE, NOT_LEADER, 3)
        mock.errors(PRODUCE, TIMED_OUT, 2)
        status, err = run(env, d, "retried")
        if status != 0:
            raise Failure(f"retriable errors failed the run ({status}):\n{err}")
        got = mock.consume("retried")
        if got != want():
            raise Failure(f"retried: {sum((want() - got).values())} lost, "
                          f"{sum((got - want()).values())} twice")

        d = program(env, work, "fatal", mock, "fatal")
        mock.errors(INIT_PRODUCER_ID, CLUSTER_AUTHORIZATION_FAILED, 1)
        status, err = run(env, d, "fatal")
        if status != 1 or "sink to kafka topic 'fatal': fatal producer error: " not in err:
            raise Failure(f"a fatal producer error: status {status}:\n{err}")

        d = program(env, work, "aborted", mock, "aborted", "config { checkpoint every 20ms; }\n")
        ckpt = ["--checkpoint-dir", os.path.join(d, "ckpt")]
        mock.errors(PRODUCE, TOO_LARGE, 1)
        status, err = run(env, d, "aborted", *ckpt)
        if status != 1 or "sink to kafka topic 'aborted'" not in err:
            raise Failure(f"an abortable producer error: status {status}:\n{err}")
        status, err2 = run(env, d, "aborted", *ckpt)
        if status != 0:
            raise Failure(f"the run after an abortable error failed ({status}):\n{err2}")
        lost = want() - mock.consume("aborted")
        if lost:
            raise Failure(f"aborted: {sum(lost.values())} records lost:\n{err}\n{err2}")
        print(f"abortable error reported as:\n{err}", file=sys.stderr)
    finally:
        mock.close()
    print("kafka_mock: retriable errors retried, a fatal one reported, an abortable one "
          "restored from its checkpoint")


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        sys.exit(f"FAIL: {e}")
