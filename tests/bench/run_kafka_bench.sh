#!/usr/bin/env bash
# run_kafka_bench.sh: Kafka throughput and latency of flowc programs against
# a real broker (tests/kafka/broker.py, started here on a free port, on the
# same cores), beside kcat doing the same Kafka work alone.
#
# Throughput (COUNT messages in a topic of 3 partitions, read from the
# start; the time from the program's start until a kcat consumer has read
# its whole output): Kafka -> where/select -> Kafka and Kafka -> keyed
# tumbling window -> Kafka, at-least-once (no checkpoints) and exactly-once
# (checkpoint every 1s; the output read with read_committed), interleaved
# RUNS times with kcat producing the messages and kcat copying them from one
# topic to another (consume | produce): the ratio of flowc to the kcat copy
# says how close flowc gets to what the broker and librdkafka allow.
#
# Latency: kafka_latency.c produces at a fixed RATE (10 k and 100 k
# messages/s, LAT_SECONDS each), the where/select program carries each
# message's timestamp over (timestamp = ts) and kafka_latency consumes its
# output with read_committed: p50/p99/p99.9 of receive time less produce
# time, at-least-once and exactly-once (checkpoint every 200ms).
#
#   tests/bench/run_kafka_bench.sh [BUILD_DIR]     (default: build)
#
# Environment: COUNT (default 500000), RUNS (default 2), LAT_SECONDS
# (default 10), CC (default cc).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
flowc=$build/bin/flowc
count=${COUNT:-500000}
runs=${RUNS:-2}
lat_seconds=${LAT_SECONDS:-10}
cc=${CC:-cc}
work=$(mktemp -d /tmp/flowc-kafka-bench.XXXXXX)
libs=${FLOWC_KAFKA_LIBS:-$HOME/.cache/flowc-kafka/libs}

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
b=127.0.0.1:$port
python3 "$root/tests/kafka/broker.py" --port "$port" > "$work/broker.out" 2>&1 &
broker=$!
cleanup() {
  kill "$broker" 2>/dev/null || true
  wait "$broker" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 180); do
  grep -q "Kafka 3.9 on" "$work/broker.out" && break
  kill -0 "$broker" 2>/dev/null || { cat "$work/broker.out"; exit 1; }
  sleep 0.5
done

topics=()
topic() {
  topics+=("$1")
  java -cp "$libs/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "$b" --create \
    --topic "$1" --partitions "${2:-3}" --replication-factor 1 > /dev/null 2>&1
}
now() { date +%s.%N; }
rate() { python3 -c "import sys; print(f'{$1 / ($3 - $2):.0f}')"; }

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
     "load $(cut -d' ' -f1-3 /proc/loadavg) (shared with other jobs)"
echo "== building (flowc build -O2; $cc -O2)"
cat > "$work/select.flow" <<EOF
param input : string = "in";
param output : string = "out";
schema Order { id : int64, user : string, amount : float64 }
source orders : Order from kafka(brokers = "$b", topic = input, format = csv,
                                 start = earliest, group = input);
stream big = orders | where amount >= 500.0 | select id, user, amount;
sink big to kafka(brokers = "$b", topic = output, format = csv, key = user);
EOF
cat > "$work/tumbling.flow" <<EOF
param input : string = "ev";
param output : string = "out";
schema Ev { ts : timestamp, user : string, v : int64 }
source ev : Ev from kafka(brokers = "$b", topic = input, format = csv, start = earliest,
                          group = input)
  event time ts;
stream per_user = ev | key by user | window tumbling 1s | aggregate n = count(), total = sum(v);
sink per_user to kafka(brokers = "$b", topic = output, format = csv, key = user);
EOF
cat > "$work/stamped.flow" <<EOF
param input : string = "in";
param output : string = "out";
schema Order { ts : timestamp, id : int64, user : string, amount : float64 }
source orders : Order from kafka(brokers = "$b", topic = input, format = csv,
                                 start = earliest, group = input, timestamp = ts);
stream all = orders | where amount >= 0.0 | select ts, id, user;
sink all to kafka(brokers = "$b", topic = output, format = csv, key = user);
EOF
for p in select tumbling stamped; do
  "$flowc" build -O2 "$work/$p.flow" -o "$work/$p"
  { cat "$work/$p.flow"; echo "config { checkpoint every 1s; }"; } > "$work/${p}_eo.flow"
  "$flowc" build -O2 "$work/${p}_eo.flow" -o "$work/${p}_eo"
done
sed -i 's/checkpoint every 1s/checkpoint every 200ms/' "$work/stamped_eo.flow"
"$flowc" build -O2 "$work/stamped_eo.flow" -o "$work/stamped_eo"
"$cc" -std=c11 -O2 -Wall -Wextra -Werror -o "$work/kafka_latency" "$here/kafka_latency.c" -lrdkafka

# Inputs: orders (amount >= 500 for half of them) and events in time order.
awk -v n="$count" \
  'BEGIN { for (i = 0; i < n; i++) printf "%d,u%d,%d.5\n", i, i % 1000, i % 1000 }' \
  > "$work/orders.csv"
selected=$(awk -F, '$3 >= 500' "$work/orders.csv" | wc -l)
python3 - "$count" > "$work/events.csv" <<'EOF'
import sys, time
n = int(sys.argv[1])
t0 = 1709251200000
out = sys.stdout
for i in range(n):
    ms = t0 + i // 10          # 10 000 events a second of event time
    s, m = divmod(ms, 1000)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s))
    out.write(f"{stamp}.{m:03d}Z,u{i % 1000},{i % 7}\n")
EOF
windows=$(awk -F, '{ print substr($1, 1, 19) "," $2 }' "$work/events.csv" | sort -u | wc -l)
# The last second's windows close only with a later record in every partition.
end=$(python3 -c "import time; s = 1709251200 + $count // 10000 + 3600
print(time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(s)) + '.000Z')")

echo "== inputs: $count orders ($selected selected), $count events ($windows windows)"
topic in; topic ev
t0=$(now); kcat -b "$b" -P -t in < "$work/orders.csv"; t1=$(now)
echo "kcat produce (orders): $(rate "$count" "$t0" "$t1") messages/s"
kcat -b "$b" -P -t ev < "$work/events.csv"
for p in 0 1 2; do echo "$end,zz,0" | kcat -b "$b" -P -t ev -p "$p"; done

# The options of a program: a checkpoint directory of its own for the
# exactly-once ones (*_eo).
opts() { if [[ $1 == *_eo ]]; then echo "--checkpoint-dir $work/ck-$2"; fi; }

# One timed run of PROGRAM reading INPUT: from its start until kcat has read
# WANT messages of its output (read_committed), then SIGTERM.
timed() {
  local prog=$1 input=$2 want=$3 out=$4
  topic "$out"
  local t0 t1
  t0=$(now)
  # shellcheck disable=SC2046
  "$work/$prog" --quiet --set input="$input" --set output="$out" $(opts "$prog" "$out") &
  local pid=$!
  kcat -b "$b" -C -t "$out" -o beginning -c "$want" -q -X isolation.level=read_committed \
    -f '\n' > /dev/null
  t1=$(now)
  kill -TERM "$pid"; wait "$pid" || true
  rate "$count" "$t0" "$t1"
}

declare -A best
keep() {
  local k=$1 v=$2
  if [[ -z "${best[$k]:-}" || "$v" -gt "${best[$k]}" ]]; then best[$k]=$v; fi
}
for r in $(seq "$runs"); do
  echo "== round $r"
  topic "copy$r"
  t0=$(now)
  kcat -b "$b" -C -t in -o beginning -e -q | kcat -b "$b" -P -t "copy$r"
  t1=$(now)
  v=$(rate "$count" "$t0" "$t1"); keep kcat_copy "$v"; echo "kcat consume | produce: $v messages/s"
  v=$(timed select in "$selected" "sel$r"); keep select "$v"
  echo "flowc where/select, at-least-once: $v messages/s"
  v=$(timed select_eo in "$selected" "sele$r"); keep select_eo "$v"
  echo "flowc where/select, exactly-once: $v messages/s"
  v=$(timed tumbling ev "$windows" "win$r"); keep tumbling "$v"
  echo "flowc keyed tumbling, at-least-once: $v messages/s"
  v=$(timed tumbling_eo ev "$windows" "wine$r"); keep tumbling_eo "$v"
  echo "flowc keyed tumbling, exactly-once: $v messages/s"
done
echo "== best of $runs (messages/s; ratio to the kcat copy)"
for k in kcat_copy select select_eo tumbling tumbling_eo; do
  python3 -c "print(f'$k: ${best[$k]} ({${best[$k]} / ${best[kcat_copy]}:.2f}x)')"
done

echo "== latency (ms, produce to readable): $lat_seconds s at each rate"
for rate_per_s in 10000 100000; do
  for mode in alo eo; do
    prog=stamped; [[ $mode == eo ]] && prog=stamped_eo
    n=$((rate_per_s * lat_seconds))
    in=lat_in_${rate_per_s}_$mode out=lat_out_${rate_per_s}_$mode
    topic "$in"; topic "$out"
    # shellcheck disable=SC2046
    "$work/$prog" --quiet --set input="$in" --set output="$out" $(opts "$prog" "$out") &
    pid=$!
    "$work/kafka_latency" consume "$b" "$out" "$n" > "$work/lat.txt" &
    cons=$!
    sleep 2
    "$work/kafka_latency" produce "$b" "$in" "$rate_per_s" "$n" 2> "$work/prod.txt"
    wait "$cons" || true
    kill -TERM "$pid"; wait "$pid" || true
    echo "$rate_per_s/s, $mode: $(cat "$work/lat.txt") ($(cat "$work/prod.txt"))"
  done
done
