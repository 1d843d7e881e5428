#!/usr/bin/env python3
"""The Kafka test broker: one Apache Kafka 3.9 node in KRaft mode (broker and
controller in one process) on 127.0.0.1 with free ports, its storage in a
temporary directory, started from the jars .ci/deps copies into
$FLOWC_KAFKA_LIBS (default ~/.cache/flowc-kafka/libs). A context manager:

    with Broker() as b:
        b.bootstrap          # "127.0.0.1:PORT", for kcat -b and brokers=
        b.create_topic("in", partitions=3)

Missing jars, java or kcat raise BrokerError with what to run: a Kafka test
fails, it never skips. Run by hand (README.md, "A Kafka broker for the
examples"):

    python3 tests/kafka/broker.py [--port 9092]    # until Ctrl-C
"""

import argparse
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

LIBS = os.environ.get("FLOWC_KAFKA_LIBS",
                      os.path.expanduser("~/.cache/flowc-kafka/libs"))
START_TIMEOUT_S = 90
SASL_PASSWORD = "flowc-secret"


class BrokerError(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def classpath():
    jars = sorted(glob.glob(os.path.join(LIBS, "*.jar")))
    if not any(os.path.basename(j).startswith("kafka_2.13-3.9") for j in jars):
        raise BrokerError(
            f"the Kafka 3.9 broker jars are not in {LIBS}: run .ci/deps "
            "(or set FLOWC_KAFKA_LIBS to the directory that holds them)")
    return ":".join(jars)


def need(tool):
    if not shutil.which(tool):
        raise BrokerError(f"'{tool}' is not installed: run .ci/deps")


class Broker:
    def __init__(self, port=None, log=None):
        self.port = port or free_port()
        self.controller_port = free_port()
        self.sasl_port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        # A SASL/PLAIN listener too, for tests of credentials: user flowc,
        # password SASL_PASSWORD.
        self.sasl_bootstrap = f"127.0.0.1:{self.sasl_port}"
        self.log_path = log
        self.proc = None
        self.dir = None

    # ---- Start and stop --------------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def _properties(self):
        return "\n".join([
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
            f"listeners=PLAINTEXT://127.0.0.1:{self.port},"
            f"CONTROLLER://127.0.0.1:{self.controller_port},"
            f"SASL_PLAINTEXT://127.0.0.1:{self.sasl_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port},"
            f"SASL_PLAINTEXT://127.0.0.1:{self.sasl_port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,"
            "SASL_PLAINTEXT:SASL_PLAINTEXT",
            "sasl.enabled.mechanisms=PLAIN",
            "listener.name.sasl_plaintext.plain.sasl.jaas.config="
            "org.apache.kafka.common.security.plain.PlainLoginModule required "
            f'user_flowc="{SASL_PASSWORD}";',
            "inter.broker.listener.name=PLAINTEXT",
            f"log.dirs={self.dir}/data",
            "num.partitions=1",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=1",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "transaction.state.log.num.partitions=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=false",
            "",
        ])

    def _java(self, main, *args, **kw):
        log4j = os.path.join(self.dir, "log4j.properties")
        return ["java", "-Xmx512m", "-XX:+UseSerialGC", f"-Dlog4j.configuration=file:{log4j}",
                "-cp", classpath(), main, *args]

    def start(self):
        need("java")
        need("kcat")
        classpath()
        self.dir = tempfile.mkdtemp(prefix="flowc-kafka-")
        props = os.path.join(self.dir, "server.properties")
        with open(props, "w") as f:
            f.write(self._properties())
        with open(os.path.join(self.dir, "log4j.properties"), "w") as f:
            f.write("log4j.rootLogger=WARN, stderr\n"
                    "log4j.appender.stderr=org.apache.log4j.ConsoleAppender\n"
                    "log4j.appender.stderr.Target=System.err\n"
                    "log4j.appender.stderr.layout=org.apache.log4j.PatternLayout\n"
                    "log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n\n")
        fmt = subprocess.run(self._java("kafka.tools.StorageTool", "format", "-t",
                                        str(uuid.uuid4()), "-c", props),
                             capture_output=True, text=True)
        if fmt.returncode != 0:
            raise BrokerError(f"kafka-storage format failed:\n{fmt.stdout}{fmt.stderr}")
        self.log_path = self.log_path or os.path.join(self.dir, "broker.log")
        self.log = open(self.log_path, "w")
        self._launch()

    def _launch(self):
        props = os.path.join(self.dir, "server.properties")
        self.proc = subprocess.Popen(self._java("kafka.Kafka", props), stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.flush()
                with open(self.log_path) as f:
                    tail = f.read()[-3000:]
                raise BrokerError(f"the broker exited with {self.proc.returncode}:\n{tail}")
            if self._answers():
                return
            time.sleep(0.5)
        self.stop()
        raise BrokerError(f"the broker did not answer within {START_TIMEOUT_S} s")

    def _answers(self):
        r = subprocess.run(["kcat", "-b", self.bootstrap, "-L", "-m", "2"],
                           capture_output=True, text=True)
        return r.returncode == 0 and "1 brokers" in r.stdout

    def halt(self):
        """Stops the broker process and keeps its storage: restart() brings
        the same broker back on the same ports."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(60)
        self.proc = None

    def restart(self):
        self._launch()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self.dir:
            self.log.close() if hasattr(self, "log") else None
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    # ---- Topics and messages, through the broker's own admin tool and kcat ---------

    def create_topic(self, name, partitions=1):
        r = subprocess.run(self._java("org.apache.kafka.tools.TopicCommand", "--bootstrap-server",
                                      self.bootstrap, "--create", "--topic", name,
                                      "--partitions", str(partitions),
                                      "--replication-factor", "1"),
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise BrokerError(f"cannot create topic {name}:\n{r.stdout}{r.stderr}")

    def add_partitions(self, name, partitions):
        """Grows topic `name` to `partitions` partitions."""
        r = subprocess.run(self._java("org.apache.kafka.tools.TopicCommand", "--bootstrap-server",
                                      self.bootstrap, "--alter", "--topic", name,
                                      "--partitions", str(partitions)),
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise BrokerError(f"cannot grow topic {name}:\n{r.stdout}{r.stderr}")

    def group_offsets(self, group, topic):
        """{partition: offset} that consumer group `group` committed for
        `topic`, as the broker's own group tool describes them."""
        r = subprocess.run(self._java("org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
                                      "--bootstrap-server", self.bootstrap, "--describe",
                                      "--group", group),
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise BrokerError(f"cannot describe group {group}:\n{r.stdout}{r.stderr}")
        offsets = {}
        for line in r.stdout.splitlines():
            cols = line.split()
            if len(cols) >= 4 and cols[0] == group and cols[1] == topic and cols[3].isdigit():
                offsets[int(cols[2])] = int(cols[3])
        return offsets

    def produce(self, topic, lines, partition=None, key_sep=None, nulls=False):
        """Produces one message per line with kcat (key before key_sep when
        given; with nulls, an empty value is a null one: a tombstone)."""
        cmd = ["kcat", "-b", self.bootstrap, "-P", "-t", topic] + (["-Z"] if nulls else [])
        if partition is not None:
            cmd += ["-p", str(partition)]
        if key_sep:
            cmd += ["-K", key_sep]
        data = "".join(line + "\n" for line in lines)
        subprocess.run(cmd, input=data, text=True, check=True)

    def consume(self, topic, fmt="%s\\n", committed=True, timeout_s=20):
        """Every message of `topic` up to its end, formatted by kcat -f."""
        cmd = ["kcat", "-b", self.bootstrap, "-C", "-t", topic, "-o", "beginning", "-e",
               "-q", "-f", fmt]
        if committed:
            cmd += ["-X", "isolation.level=read_committed"]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s)
        if r.returncode != 0:
            raise BrokerError(f"kcat cannot read {topic}: {r.stderr}")
        return r.stdout


def main():
    ap = argparse.ArgumentParser(description="Runs the Kafka test broker until Ctrl-C.")
    ap.add_argument("--port", type=int, default=9092)
    args = ap.parse_args()
    try:
        with Broker(port=args.port) as b:
            print(f"Kafka 3.9 on {b.bootstrap} (log {b.log_path}); SASL/PLAIN on "
                  f"{b.sasl_bootstrap} (user flowc, password {SASL_PASSWORD}); Ctrl-C stops it",
                  flush=True)
            signal.sigwait([signal.SIGINT, signal.SIGTERM])
    except BrokerError as e:
        sys.exit(f"broker.py: {e}")


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGINT, signal.SIGTERM])
    main()
