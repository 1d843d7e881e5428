#!/usr/bin/env python3
"""Checkpoints survive kill -9 (issue 10, "Faults"): every program below
checkpoints every 20 ms; one uninterrupted run (--no-restore) gives the
reference sink files, then the program is started, its process group killed
with SIGKILL at a random moment of its expected run time, and started again
(restoring its newest checkpoint, keeping 1 to 3 of them) until a run ends
by itself, status 0 and "done"; every sink file must then be byte-identical
to the reference (with --parallelism N > 1, the same multiset of lines: the
order across keys is not defined), and the counts of its summary (read,
written, late, bad, unmatched) equal. The programs cover stateless where/select, tumbling,
sliding with lateness, cumulating windows, sessions, `late as`, dedupe, interval and window
joins, a full outer interval join, lookup, union, chained windows, updating aggregates (one of another's changelog), window and updating top-N, early results of windows, several
sinks, file, generator and nexmark sources, tumbling, sliding and cumulating (with lateness) and chained windows and dedupe with
`state rocksdb` too, every aggregate in memory (percentile past its exact bound), on inputs of a
few hundred thousand records (a run takes a fraction
of a second), made here from a fixed seed. The moments of the kills come
from --seed (random and printed when not given, so that a failure can be
replayed). The kills are shared out over the programs; each program goes on
with fresh runs until its share is done, so --kills N makes at least N kills
in all.

  checkpoint_kill.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
                     [--kills N] [--seed S] [--only NAME,...] [--parallelism N]
"""

import functools
import gzip
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_e2e import RUN_TIMEOUT, Env, Failure, env_arguments  # noqa: E402

CONFIG = 'config { checkpoint every 20ms to "ck"; }\n'
ROCKSDB = 'config { state rocksdb "state"; }\n'

# Event records: ts advancing 1 ms a record on average, moved back by up to
# 1.5 s (some of them later than a 1 s watermark), 1000 keys.
EVENT_SCHEMA = "schema E { ts : timestamp, k : string, v : int64, tag : string }\n"
EVENTS = 'source events : E from file("events.csv", format = csv) event time ts watermark 1s;\n'

# (name, text after the config; sinks are every file("...") a sink writes to)
# The two inputs of the joins, and a full outer join with a window after it.
JOIN_INPUTS = """
schema L { ts : timestamp, k : string, lv : int64 }
schema R { ts : timestamp, k : string, rv : int64 }
source lefts : L from file("left.csv", format = csv) event time ts watermark 2s;
source rights : R from file("right.csv", format = csv) event time ts watermark 2s;
"""
OUTER_JOIN = """
stream joined = lefts
  | key by k
  | join rights on lefts.k == rights.k within 1s full
  | select lk = lefts.k, rk = rights.k, lv, rv, lat = lefts.ts, rat = rights.ts;
stream per = joined | select k = coalesce(lk, rk, ""), lv, rv | key by k
  | window tumbling 10s | aggregate n = count(), lefts = count(lv), rights = count(rv);
sink joined to file("joined.csv", format = csv);
sink per to file("per.csv", format = csv);
"""

PROGRAMS = [
    ("stateless", EVENT_SCHEMA + EVENTS + """
stream odd = events | where v % 3 == 1 and tag != "t7" | select ts, k, w = v * 2 + 1, tag;
stream big = odd | where w > 500 | select k, w;
sink odd to file("odd.csv", format = csv);
sink odd to file("odd.jsonl", format = jsonl);
sink big to file("big.csv", format = csv);
"""),
    ("generator", """
schema G { ts : timestamp, k : int64, s : string, f : float64, b : bool }
source gen : G from generator(count = 3000000, seed = 11, keys = 5000, events_per_second = 2000);
stream some = gen | where b and k % 4 == 0 | select ts, k, s, f;
sink some to file("some.csv", format = csv);
"""),
    ("tumbling", EVENT_SCHEMA + EVENTS + """
stream per_key = events
  | key by k
  | window tumbling 10s late as too_late
  | aggregate n = count(), total = sum(v), lo = min(v), hi = max(v), fst = first(tag),
              lst = last(tag), tags = count_distinct(tag), sd = stddev(v), vp = var_pop(v),
              p90 = percentile(v, 0.9), top = max_by(tag, v), all_tags = collect_list(tag);
# 10 000 values a window: percentile goes past its exact bound into the sketch.
stream overall = events | window tumbling 10s
  | aggregate p50 = percentile(v, 0.5), p99 = percentile(v, 0.99), sd = stddev_pop(v);
sink per_key to file("per_key.csv", format = csv);
sink overall to file("overall.csv", format = csv);
sink too_late to file("late.csv", format = csv);
"""),
    ("sliding_lateness", EVENT_SCHEMA + EVENTS + """
stream moving = events
  | key by k
  | window sliding 20s every 5s lateness 2s late as too_late
  | aggregate n = count(), total = sum(v), lo = min(tag), avg_v = avg(v), sd = stddev(v),
              low = min_by(tag, v), vals = collect_list(v);
sink moving to file("moving.csv", format = csv);
sink too_late to file("late.csv", format = csv);
"""),
    ("cumulate", EVENT_SCHEMA + EVENTS + """
stream growing = events
  | key by k
  | window cumulate 20s every 5s lateness 2s late as too_late
  | aggregate n = count(), total = sum(v), hi = max(tag), vals = collect_list(v);
sink growing to file("growing.csv", format = csv);
sink too_late to file("late.csv", format = csv);
"""),
    ("sessions", EVENT_SCHEMA + EVENTS + """
stream sess = events
  | key by k
  | window session gap 3s lateness 1s late as too_late
  | aggregate n = count(), total = sum(v), fst = first(v), lst = last(v), vs = var_samp(v),
              vals = collect_list(v), low = min_by(tag, v), at_top = max_by(ts, v);
sink sess to file("sessions.csv", format = csv);
sink too_late to file("late.csv", format = csv);
"""),
    ("dedupe", EVENT_SCHEMA + EVENTS + """
stream firsts = events | key by k | dedupe within 3s | select ts, tag, k, v;
sink firsts to file("firsts.csv", format = csv);
"""),
    ("interval_join", JOIN_INPUTS + """
stream pairs = lefts
  | key by k
  | join rights on lefts.k == rights.k within 1s
  | select k = lefts.k, lv, rv, lat = lefts.ts, rat = rights.ts;
sink pairs to file("pairs.csv", format = csv);
"""),
    ("outer_join", JOIN_INPUTS + OUTER_JOIN),
    ("regular_join", JOIN_INPUTS + """
stream counts = rights | key by k | aggregate n = count(), total = sum(rv);
# A tenth of the left rows: every count's change retracts and pairs again
# each left row its key keeps (-U, +U), so the output grows with their square.
stream joined = lefts
  | where lv < 10000
  | key by k
  | join counts on lefts.k == counts.k left ttl 2s
  | select op, k = lefts.k, lv, n, total, lat = lefts.ts;
sink joined to file("regular.csv", format = csv);
"""),
    ("window_join", JOIN_INPUTS + """
stream rs = rights | select key = k, rv;
stream pairs = lefts
  | select k, lv
  | key by k
  | join rs on k == key window tumbling 5s
  | select k, lv, rv;
sink pairs to file("pairs.csv", format = csv);
"""),
    ("lookup", EVENT_SCHEMA + EVENTS + """
schema C { id : string, name : string, score : int64 }
table customers : C from file("customers.csv", format = csv) key id;
stream enriched = events
  | lookup customers as c on k == c.id
  | select ts, k, v, name, score;
sink enriched to file("enriched.csv", format = csv);
"""),
    ("union", """
schema P { id : int64, who : string, n : int64 }
source a : P from file("people_a.csv", format = csv);
source b : P from file("people_b.jsonl", format = jsonl);
source c : P from file("people_c.csv", format = csv, header = false);
source g : P from generator(count = 300000, seed = 3, keys = 100000);
stream all = a | union b, c, g | where n % 2 == 0 | select id, who = upper(who), n;
sink all to file("all.csv", format = csv);
"""),
    ("chained_windows", EVENT_SCHEMA + EVENTS + """
stream per_key = events | key by k | window tumbling 5s | aggregate s = sum(v), n = count();
stream overall = per_key | window tumbling 20s | aggregate keys = count(), total = sum(s), most = max(n);
sink per_key to file("per_key.csv", format = csv);
sink overall to file("overall.csv", format = csv);
"""),
    # The same windows with their state in RocksDB (docs/checkpoints.md,
    # "RocksDB state"), its cache small enough that states are evicted.
    ("tumbling_rocksdb", ROCKSDB + EVENT_SCHEMA + EVENTS + """
stream per_key = events
  | key by k
  | window tumbling 10s lateness 2s late as too_late
  | aggregate n = count(), total = sum(v), lo = min(v), fst = first(tag), tags = count_distinct(tag);
sink per_key to file("per_key.csv", format = csv);
sink too_late to file("late.csv", format = csv);
"""),
    ("chained_rocksdb", ROCKSDB + EVENT_SCHEMA + EVENTS + """
stream per_key = events | key by k | window tumbling 5s | aggregate s = sum(v), n = count();
stream overall = per_key | window tumbling 20s | aggregate keys = count(), total = sum(s), most = max(n);
sink per_key to file("per_key.csv", format = csv);
sink overall to file("overall.csv", format = csv);
"""),
    ("sliding_rocksdb", ROCKSDB + EVENT_SCHEMA + EVENTS + """
stream per_key = events
  | key by k
  | window sliding 20s every 5s lateness 2s late as too_late
  | aggregate n = count(), total = sum(v), lo = min(tag), tags = collect_list(tag);
sink per_key to file("per_key.csv", format = csv);
sink too_late to file("late.csv", format = csv);
"""),
    ("cumulate_rocksdb", ROCKSDB + EVENT_SCHEMA + EVENTS + """
stream per_key = events
  | key by k
  | window cumulate 20s every 5s lateness 1s
  | aggregate n = count(), total = sum(v), hi = max(tag), tags = collect_list(tag);
sink per_key to file("per_key.csv", format = csv);
"""),
    ("sessions_rocksdb", ROCKSDB + EVENT_SCHEMA + EVENTS + """
stream sess = events
  | key by k
  | window session gap 3s lateness 1s late as too_late
  | aggregate n = count(), total = sum(v), fst = first(v), vals = collect_list(v),
              low = min_by(tag, v), tags = count_distinct(tag);
sink sess to file("sessions.csv", format = csv);
sink too_late to file("late.csv", format = csv);
"""),
    ("dedupe_rocksdb", ROCKSDB + EVENT_SCHEMA + EVENTS + """
stream firsts = events | key by k | dedupe within 1s | select ts, tag, k, v;
sink firsts to file("firsts.csv", format = csv);
"""),
    # A full outer interval join in the store, a window in the store after
    # it (the join's group stays pinned while the window takes its pairs),
    # and a window join in the store.
    ("outer_join_rocksdb", ROCKSDB + JOIN_INPUTS + OUTER_JOIN),
    ("window_join_rocksdb", ROCKSDB + JOIN_INPUTS + """
stream rs = rights | select key = k, rv;
stream pairs = lefts
  | select k, lv
  | key by k
  | join rs on k == key window tumbling 5s left
  | select k, lv, rv;
sink pairs to file("pairs.csv", format = csv);
"""),
    # The events split over a pattern of files, gzip, plain and zstd; the
    # sinks compressed, one rolling. Compressed sinks are compared
    # decompressed (their members end at checkpoints, which differ from run
    # to run), a rolling one as its parts together (a part ends at a write).
    ("compressed_files", EVENT_SCHEMA + """
source events : E from file("parts/events-*", format = csv) event time ts watermark 1s;
stream per_key = events | key by k | window tumbling 10s | aggregate n = count(), total = sum(v);
stream odd = events | where v % 3 == 1 | select ts, k, v;
sink per_key to file("per_key.csv.gz", format = csv);
sink odd to file("odd.csv.zst", format = csv);
sink odd to file("rolled/odd-{index}.csv.gz", format = csv, roll_size = 100000);
"""),
    # Updating aggregates (docs/language.md, "Updating aggregates"): per
    # record with a ttl, and every 1s with a longer ttl.
    ("updating", EVENT_SCHEMA + EVENTS + """
stream running = events | key by k
  | aggregate n = count(), total = sum(v), hi = max(tag), lv = last(v) ttl 3s;
stream every = events | key by k
  | aggregate n = count(), total = sum(v), tags = count_distinct(tag) emit every 1s ttl 10s;
stream best = events | key by k, tag | aggregate hi = max(v), total = sum(v);
stream per_tag = best | key by tag
  | aggregate keys = count(), mean = avg(hi), total = sum(total) emit every 1s;
sink running to file("running.csv", format = csv);
sink every to file("every.csv", format = csv);
sink per_tag to file("per_tag.csv", format = csv);
"""),
    ("top", EVENT_SCHEMA + EVENTS + """
stream best = events | key by k | window tumbling 5s | aggregate n = count(), total = sum(v)
  | top 3 by n desc, total;
stream highest = events | key by tag | top 2 by v desc rank as place;
stream fresh = events | key by k | top 1 by v desc ttl 2s;
sink best to file("best.csv", format = csv);
sink highest to file("highest.csv", format = csv);
sink fresh to file("fresh.csv", format = csv);
"""),
    # Early results (docs/language.md, "Early results"): their last rows and
    # the ticks' timers are in the checkpoint.
    ("early", EVENT_SCHEMA + EVENTS + """
stream tum = events | key by k | window tumbling 10s emit every 5s lateness 1s
  | aggregate n = count(), total = sum(v), hi = max(tag);
stream sl = events | key by tag | window sliding 6s every 2s emit every 2s lateness 1s
  | aggregate n = count(), total = sum(v), lo = min(k);
stream sess = events | key by tag | window session gap 2s emit every 1s lateness 500ms
  | aggregate n = count(), total = sum(v), keys = count_distinct(k);
sink tum to file("tum.csv", format = csv);
sink sl to file("sl.csv", format = csv);
sink sess to file("sess.csv", format = csv);
"""),
    ("generator_windows", """
schema G { ts : timestamp, k : int64, v : int64 }
source gen : G from generator(count = 1500000, seed = 5, keys = 300, events_per_second = 1000,
                              disorder = 500ms) event time ts watermark 300ms;
stream sess = gen | key by k | window session gap 2s late as too_late | aggregate n = count(), s = sum(v);
sink sess to file("sessions.csv", format = csv);
sink too_late to file("late.csv", format = csv);
"""),
    ("nexmark", """
schema B { auction : int64, price : int64, date_time : timestamp, extra : string }
schema P { id : int64, name : string, date_time : timestamp }
schema A { seller : int64, date_time : timestamp }
source bids : B from nexmark(kind = bid, events = 1000000, seed = 4, events_per_second = 10000)
  event time date_time;
source persons : P from nexmark(kind = person, events = 1000000, seed = 4,
                                events_per_second = 10000) event time date_time;
source auctions : A from nexmark(kind = auction, events = 1000000, seed = 4,
                                 events_per_second = 10000) event time date_time;
stream hot = bids | key by auction | window sliding 10s every 2s
  | aggregate n = count(), top = max(price), pad = last(extra);
stream sellers = auctions | key by seller | window tumbling 10s | aggregate n = count();
stream new_users = persons as p | key by id
  | join sellers as s on p.id == s.seller window tumbling 10s
  | select id, name, start = s.window_start;
sink hot to file("hot.csv", format = csv);
sink new_users to file("new_users.csv", format = csv);
"""),
]

EVENT_COUNT = 600000
JOIN_COUNT = 300000
PEOPLE_COUNT = 150000
SINK_FILE = re.compile(r'^sink \w+ to file\("([^"]+)"', re.M)
INPUTS = ["events.csv", "left.csv", "right.csv", "customers.csv", "people_a.csv",
          "people_b.jsonl", "people_c.csv", "parts"]
# A round that has not ended after this many kills makes no progress: each
# run should get further than the checkpoint it restored.
MAX_KILLS_PER_ROUND = 200
# Kills in a row before any checkpoint after which a run goes to its end (below).
FRESH_KILLS = 20


@functools.lru_cache(maxsize=None)
def second(s):
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    d, h = divmod(h, 24)
    return "2024-03-%02dT%02d:%02d:%02d." % (1 + d, h, m, s)


def stamp(ms):
    """2024-03-01T00:00:00.000Z plus ms, as the CSV reader takes it."""
    return "%s%03dZ" % (second(ms // 1000), ms % 1000)


def write_inputs(path):
    """The input files, the same on every run of this script."""
    rng = random.Random(20261201)
    with open(os.path.join(path, "events.csv"), "w") as f:
        f.write("ts,k,v,tag\n")
        for i in range(EVENT_COUNT):
            line = "%s,k%d,%d,t%d\n" % (stamp(max(0, i - rng.randrange(1500))), rng.randrange(1000),
                                         rng.randrange(1000), rng.randrange(50))
            # A bad record now and then: the bad counts must survive too.
            f.write(line if i % 9973 else line.replace(",", ";", 1))
    for name, col in (("left.csv", "lv"), ("right.csv", "rv")):
        with open(os.path.join(path, name), "w") as f:
            f.write("ts,k,%s\n" % col)
            for i in range(JOIN_COUNT):
                f.write("%s,k%d,%d\n" % (stamp(max(0, 2 * i - rng.randrange(1500))), rng.randrange(2000),
                                         rng.randrange(100000)))
    with open(os.path.join(path, "customers.csv"), "w") as f:
        f.write("id,name,score\n")
        for i in range(1000):
            # Every seventh key has no row: those events are dropped.
            if i % 7:
                f.write("k%d,name%d,%d\n" % (i, i % 37, rng.randrange(100)))
    with open(os.path.join(path, "people_a.csv"), "w") as a, \
            open(os.path.join(path, "people_b.jsonl"), "w") as b, \
            open(os.path.join(path, "people_c.csv"), "w") as c:
        a.write("id,who,n\n")
        for i in range(PEOPLE_COUNT):
            who = "p%d" % rng.randrange(5000)
            n = rng.randrange(1000)
            a.write("%d,%s,%d\n" % (i, who, n))
            b.write(json.dumps({"n": n + 1, "who": who, "id": i + PEOPLE_COUNT}) + "\n")
            c.write("%d,%s,%d\n" % (i + 2 * PEOPLE_COUNT, who, n + 2))
    # events.csv in three parts, each with the header.
    with open(os.path.join(path, "events.csv"), "rb") as f:
        header, *lines = f.read().splitlines(True)
    third = len(lines) // 3
    parts = [lines[:third], lines[third:2 * third], lines[2 * third:]]
    os.makedirs(os.path.join(path, "parts"))
    with open(os.path.join(path, "parts", "events-1.csv.gz"), "wb") as f:
        f.write(gzip.compress(header + b"".join(parts[0])))
    with open(os.path.join(path, "parts", "events-2.csv"), "wb") as f:
        f.write(header + b"".join(parts[1]))
    subprocess.run(["zstd", "-q", "-o", os.path.join(path, "parts", "events-3.csv.zst")],
                   input=header + b"".join(parts[2]), check=True)


def fresh_run_dir(path, inputs):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    for name in INPUTS:
        os.symlink(os.path.join(inputs, name), os.path.join(path, name))


def start(env, exe, cwd, args, log):
    """The program started in a session of its own, so that a kill of its
    process group takes its checkpoint writer too and nothing else."""
    with open(log, "wb") as err:
        return subprocess.Popen([exe] + args, cwd=cwd, env=env.program_env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)


def kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def finish(proc, kill_after):
    """Waits for proc, killing its process group with SIGKILL after
    kill_after seconds; its exit status. Without kill_after it waits in
    waitpid, which sees the end at once (a wait with a timeout polls, and
    would measure the reference run's time 50 ms too long), and kills it
    only after RUN_TIMEOUT."""
    if kill_after is None:
        timer = threading.Timer(RUN_TIMEOUT, kill_group, [proc])
        timer.start()
        try:
            return proc.wait()
        finally:
            timer.cancel()
    try:
        return proc.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        return proc.wait()


def check_log(log, what):
    with open(log, encoding="utf-8", errors="replace") as f:
        err = f.read()
    if re.search(r"(AddressSanitizer|LeakSanitizer|runtime error:)", err):
        raise Failure("sanitizer report from %s:\n%s" % (what, err))
    return err


def has_checkpoint(ck):
    return os.path.isdir(ck) and any(re.fullmatch(r"ckpt-\d{10}", n) for n in os.listdir(ck))


def counts(err):
    """The summary of a run that ended, without its times, its checkpoint
    line and its state store's (evictions differ after a restore): what it read, wrote, dropped as late or bad, per source and sink,
    which a restored run must count as an uninterrupted one does."""
    first, *lines = err[err.rindex(": done after"):].splitlines()
    head = re.sub(r"after [\d.]+ s: (\d+) records read \([\d.]+ records/s\)", r"\1 records read", first)
    return "\n".join([head] + [l for l in lines
                               if not l.lstrip().startswith(("checkpoints (", "state ("))])


def sink_files(text):
    return SINK_FILE.findall(text)


def read_bytes(path):
    """A sink file's bytes, decompressed when it is compressed; a rolling
    file's parts together, the header once."""
    if "{index}" in path:
        head, tail = path.split("{index}")
        names = sorted(n for n in os.listdir(os.path.dirname(path))
                       if re.fullmatch(re.escape(os.path.basename(head)) + r"\d{6,}" + re.escape(tail), n))
        data = [read_bytes(os.path.join(os.path.dirname(path), n)) for n in names]
        return b"".join(d if i == 0 else d[d.index(b"\n") + 1:] for i, d in enumerate(data))
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-q", "-d", "-c", path], stdout=subprocess.PIPE,
                              check=True).stdout
    with open(path, "rb") as f:
        data = f.read()
    return gzip.decompress(data) if path.endswith(".gz") else data


def first_difference(want, got):
    n = next((i for i in range(min(len(want), len(got))) if want[i] != got[i]), min(len(want), len(got)))
    line = want.count(b"\n", 0, n) + 1
    return "%d bytes, reference %d; first difference at byte %d (line %d)" % (len(got), len(want), n, line)


PARALLELISM = 1


def comparable(path, data):
    """A sink file as it is compared: its bytes, or at several workers its
    lines sorted (a CSV file's header first)."""
    if PARALLELISM == 1 or data is None:
        return data
    lines = data.split(b"\n")
    head = lines[:1] if path.endswith(".csv") else []
    return b"\n".join(head + sorted(lines[len(head):]))


def run_program(env, name, text, inputs, base, quota, rng):
    """Reference run, then rounds of kills until `quota` kills; returns
    (kills, kills after which a checkpoint was there to resume from, rounds,
    the run's time)."""
    work = os.path.join(base, name)
    os.makedirs(work)
    env.build_text(CONFIG + text, name, work)
    exe = os.path.join(work, name)
    sinks = sink_files(text)
    ref = os.path.join(work, "ref")
    fresh_run_dir(ref, inputs)
    t0 = time.monotonic()
    # A cache of 256 KiB holds some of the windows' states: the others go to
    # RocksDB (the dedupe's, read back after each restore, fit in 1 MiB; the
    # sessions' evict about 100 k times under 1.6 MiB in 2 s, where 256 KiB
    # takes 10 s; the outer join's 36 k times under 960 KiB in 2 s, where
    # 256 KiB takes 20 s). A
    # checkpoint of the store flushes RocksDB's memtables to a file: every
    # 100 ms rather than 20.
    size = {"dedupe_rocksdb": "1M", "sessions_rocksdb": "1664k",
            "outer_join_rocksdb": "960k"}.get(name, "256k")
    cache = ["--state-cache", size, "--checkpoint-every", "100ms"] if ROCKSDB in text else []
    cache += ["--parallelism", str(PARALLELISM)]
    status = finish(start(env, exe, ref, ["--no-restore"] + cache, os.path.join(work, "ref.log")), None)
    duration = time.monotonic() - t0
    err = check_log(os.path.join(work, "ref.log"), name)
    if status != 0 or ": done after" not in err:
        raise Failure("%s: the uninterrupted run exited with status %d:\n%s" % (name, status, err[-3000:]))
    reference = {s: comparable(s, read_bytes(os.path.join(ref, s))) for s in sinks}
    ref_counts = counts(err)
    kills = resumable = rounds = 0
    while kills < quota:
        rounds += 1
        run = os.path.join(work, "run")
        fresh_run_dir(run, inputs)
        history = []
        fresh = 0  # kills in a row that left no checkpoint: the next run starts afresh
        for attempt in range(MAX_KILLS_PER_ROUND + 1):
            log = os.path.join(work, "run.log")
            # The last attempt of a round runs to its end, whatever happens;
            # so does one after FRESH_KILLS kills in a row that each came
            # before the first checkpoint: a run shorter than the checkpoint
            # interval (a RocksDB program's is 100 ms) on a machine slower
            # than at the reference run would be killed before its end every
            # time, its restarts never resuming.
            last = attempt == MAX_KILLS_PER_ROUND or fresh == FRESH_KILLS
            delay = None if last else rng.uniform(0, duration)
            t0 = time.monotonic()
            # Keeping one checkpoint prunes the one before at once; more,
            # later.
            keep = ["--checkpoint-keep", str(rng.choice((1, 2, 3)))]
            status = finish(start(env, exe, run, keep + cache, log), delay)
            took = time.monotonic() - t0
            err = check_log(log, name)
            if status == -signal.SIGKILL:
                kills += 1
                resumed = has_checkpoint(os.path.join(run, "ck"))
                resumable += resumed
                fresh = 0 if resumed else fresh + 1
                history.append("killed after %.3f s" % delay)
                continue
            history.append("exit %d" % status)
            # A whole run that ended before its kill: the reference run was
            # slowed down by a busy machine, and the kills would miss too
            # many rounds; they aim at this run's time from now on.
            if attempt == 0:
                duration = min(duration, took)
            if status != 0 or ": done after" not in err:
                raise Failure("%s: round %d, run %d exited with status %d (%s):\n%s"
                              % (name, rounds, attempt + 1, status, ", ".join(history), err[-3000:]))
            break
        else:
            raise Failure("%s: round %d never ended" % (name, rounds))
        if attempt == MAX_KILLS_PER_ROUND:
            raise Failure("%s: round %d: %d kills made no progress (%s)"
                          % (name, rounds, MAX_KILLS_PER_ROUND, ", ".join(history[-5:])))
        if counts(err) != ref_counts:
            raise Failure("%s: round %d (%s): the summary counts differ from the uninterrupted run's:\n"
                          "%s\n--- uninterrupted ---\n%s" % (name, rounds, ", ".join(history), counts(err),
                                                              ref_counts))
        for s in sinks:
            got = comparable(s, read_bytes(os.path.join(run, s)))
            if got != reference[s]:
                raise Failure("%s: round %d (%s): %s is not the uninterrupted run's: %s\n"
                              "--- stderr of the last run ---\n%s"
                              % (name, rounds, ", ".join(history), s, first_difference(reference[s], got),
                                 err[-3000:]))
    return kills, resumable, rounds, duration


def main():
    ap = env_arguments(__doc__)
    ap.add_argument("--kills", type=int, default=None,
                    help="kills in all, at least (default 30; 12 under the sanitizers, where "
                         "every second program runs: the gcc run makes the 30 over all)")
    ap.add_argument("--seed", type=int, default=None, help="seed of the kill moments (default: random)")
    ap.add_argument("--only", default=None, help="comma-separated program names")
    ap.add_argument("--parallelism", type=int, default=1,
                    help="run every program at N workers; sink files are then compared as "
                         "multisets of lines (the order across keys is not defined)")
    args = ap.parse_args()
    env = Env(args)
    if args.kills is None:
        args.kills = 12 if env.sanitize else 30
    global PARALLELISM
    PARALLELISM = args.parallelism
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    rng = random.Random(seed)
    programs = PROGRAMS
    if env.sanitize and not args.only:
        # Every second program under the sanitizers (each run five times as
        # long): the gcc run has them all.
        programs = PROGRAMS[::2]
    if args.only:
        wanted = args.only.split(",")
        programs = [p for p in PROGRAMS if p[0] in wanted]
        if len(programs) != len(wanted):
            print("checkpoint_kill: --only names a program that is not here: %s"
                  % ", ".join(sorted(set(wanted) - {p[0] for p in PROGRAMS})), file=sys.stderr)
            return 2
    quota = -(-args.kills // len(programs))
    # A directory of its own per parallelism: ctest runs both at once.
    base = env.fresh_dir("checkpoint_kill" if PARALLELISM == 1
                         else "checkpoint_kill_par%d" % PARALLELISM)
    inputs = os.path.join(base, "inputs")
    os.makedirs(inputs)
    write_inputs(inputs)
    print("checkpoint_kill: seed %d, %d kills per program" % (seed, quota), flush=True)
    t0 = time.monotonic()
    total_kills = total_resumable = total_rounds = 0
    failures = []
    for name, text in programs:
        started = time.monotonic()
        try:
            kills, resumable, rounds, duration = run_program(env, name, text, inputs, base, quota, rng)
        except (Failure, subprocess.TimeoutExpired) as e:
            failures.append(name)
            print("FAIL checkpoint_kill %s (seed %d)\n%s" % (name, seed, e), file=sys.stderr, flush=True)
            continue
        total_kills += kills
        total_resumable += resumable
        total_rounds += rounds
        print("  %-18s run %.2f s, %d kills in %d rounds, outputs identical (%.1f s)"
              % (name, duration, kills, rounds, time.monotonic() - started), flush=True)
    elapsed = time.monotonic() - t0
    summary = ("%d kills -9 in %d rounds over %d programs (%d restarts from a checkpoint, %d from the "
               "start) in %.0f s, seed %d"
               % (total_kills, total_rounds, len(programs) - len(failures), total_resumable,
                  total_kills - total_resumable, elapsed, seed))
    if failures:
        print("FAIL checkpoint_kill: %s failed; %s" % (", ".join(failures), summary), file=sys.stderr)
        return 1
    same = ("byte-identical to" if PARALLELISM == 1
            else "the same multiset of lines at %d workers as" % PARALLELISM)
    print("ok checkpoint_kill: %s; every sink file %s an uninterrupted run" % (summary, same))
    return 0


if __name__ == "__main__":
    sys.exit(main())
