#!/usr/bin/env python3
"""flowc explain: the plan of a compiled example, of a program with a
tumbling window, of one with a session window with lateness, of one with a
sliding window with lateness, of an updating aggregate, and of one this
version only explains (it asks for checkpoints), as text and as Graphviz.

    explain_test.py --flowc PATH --source-dir DIR
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

failures = []
checks = 0


def check(cond, what, text=""):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}\n{text}", file=sys.stderr)


def explain(flowc, path, *extra):
    return subprocess.run([flowc, "explain", *extra, path], capture_output=True, text=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--flowc", required=True)
    ap.add_argument("--source-dir", required=True)
    args, _ = ap.parse_known_args()
    example = os.path.join(args.source_dir, "examples", "clickstream", "clickstream.flow")

    r = explain(args.flowc, example)
    check(r.returncode == 0, "explain exits 0 on a valid program", r.stderr)
    out = r.stdout
    for want in [
        "source clicks (clickstream.flow:24): file(\"data/clicks.csv\", format = csv)",
        "to: stage 1 stream_visits, stage 2 stream_crawlers",
        "stage 1 stream_visits (stateless, fused: where, where, select):",
        "stage 2 stream_crawlers (stateless, fused: where, select):",
        "time: processing time",
        "engaged bool, from_search bool, bucket int64",
        "sink 2 (clickstream.flow:61): crawlers to file(\"out/crawlers.jsonl\", format = jsonl)",
    ]:
        check(want in out, f"explain shows {want!r}", out)
    check(explain(args.flowc, example).stdout == out, "explain is deterministic")

    with tempfile.TemporaryDirectory() as tmp:
        windowed = os.path.join(tmp, "win.flow")
        with open(windowed, "w") as f:
            f.write(
                "schema Click { user_id : int64, bytes : int32, ts : timestamp }\n"
                "source clicks : Click from file(\"c.csv\") event time ts watermark 5s;\n"
                "stream per_user = clicks | key by user_id | window tumbling 1m\n"
                "  | aggregate n = count(), total = sum(bytes);\n"
                "sink per_user to stdout(format = csv);\n")
        r = explain(args.flowc, windowed)
        check(r.returncode == 0, "explain of a tumbling window exits 0", r.stderr)
        for want in [
            "watermark = max(ts seen) - 5s - 1ms",
            "stage 2 stream_per_user_window (stateful, fused: window, aggregate):",
            "key: user_id int64",
            "state: per key and window [k*1m, (k+1)*1m): a count for n, a running sum for total",
            "user_id int64, window_start timestamp, window_end timestamp, n int64, total int64",
        ]:
            check(want in r.stdout, f"explain of a window shows {want!r}", r.stdout)

        session = os.path.join(tmp, "session.flow")
        with open(session, "w") as f:
            f.write(
                "schema Click { user_id : int64, bytes : int32, ts : timestamp }\n"
                "source clicks : Click from file(\"c.csv\") event time ts watermark 5s;\n"
                "stream per_user = clicks | key by user_id | window session gap 10m lateness 1m\n"
                "  | aggregate n = count();\n"
                "sink per_user to stdout(format = csv);\n")
        r = explain(args.flowc, session)
        check(r.returncode == 0, "explain of a session window with lateness exits 0", r.stderr)
        check("open sessions [first, last + 10m)" in r.stdout, "explain shows a session's state",
              r.stdout)

        sliding = os.path.join(tmp, "sliding.flow")
        with open(sliding, "w") as f:
            f.write(
                "schema Click { user_id : int64, bytes : int32, ts : timestamp }\n"
                "source clicks : Click from file(\"c.csv\") event time ts watermark 5s;\n"
                "stream per_user = clicks | key by user_id | window sliding 10m every 1m lateness 1m\n"
                "  | aggregate n = count();\n"
                "sink per_user to stdout(format = csv);\n")
        r = explain(args.flowc, sliding)
        check(r.returncode == 0, "explain of a sliding window with lateness exits 0", r.stderr)
        check("per key and window of 10m starting every 1m" in r.stdout,
              "explain shows a sliding window's state", r.stdout)

        # Durations from params: the clauses name the params, and each
        # operator and source says which of its durations are params.
        params = os.path.join(tmp, "params.flow")
        with open(params, "w") as f:
            f.write(
                "param size : duration = 10m;\n"
                "param slide : duration = 1m;\n"
                "param wm : duration = 5s;\n"
                "schema Click { user_id : int64, bytes : int32, ts : timestamp }\n"
                "source clicks : Click from file(\"c.csv\") event time ts watermark wm;\n"
                "stream per_user = clicks | key by user_id | window sliding size every slide\n"
                "  | aggregate n = count();\n"
                "sink per_user to stdout(format = csv);\n")
        r = explain(args.flowc, params)
        check(r.returncode == 0, "explain of windows over duration params exits 0", r.stderr)
        for want in ["window sliding size every slide -> Click",
                     "durations from params, fixed at start: size (default 10m), slide (default 1m)",
                     "per key and window of size starting every slide",
                     "watermark = max(ts seen) - wm - 1ms",
                     "durations from params, fixed at start: wm (default 5s)"]:
            check(want in r.stdout, f"explain of duration params shows {want!r}", r.stdout)

        # An updating aggregate: its own stateful stage, its changelog record
        # (op first), its state and when keys go; the same in --dot.
        updating = os.path.join(tmp, "updating.flow")
        with open(updating, "w") as f:
            f.write(
                "param keep : duration = 1h;\n"
                "schema Click { user_id : int64, bytes : int32, ts : timestamp }\n"
                "source clicks : Click from file(\"c.csv\") event time ts watermark 5s;\n"
                "stream totals = clicks | key by user_id\n"
                "  | aggregate n = count(), total = sum(bytes) emit every 10s ttl keep\n"
                "  | where n > 1;\n"
                "sink totals to stdout(format = csv);\n")
        r = explain(args.flowc, updating)
        check(r.returncode == 0, "explain of an updating aggregate exits 0", r.stderr)
        for want in ["op string, user_id int64, n int64, total int64",
                     "stage 2 stream_totals_updating_aggregate (stateful, fused: "
                     "updating aggregate, where):",
                     "updating aggregate emit every 10s ttl keep -> Totals",
                     "durations from params, fixed at start: keep (default 1h)",
                     "key: user_id int64",
                     "state: per key: the last result emitted, a count for n, a running sum for "
                     "total; the keys changed since the last emit",
                     "freed: when the watermark passes the key's latest time + keep (ttl), "
                     "within one 10s"]:
            check(want in " ".join(r.stdout.split()),
                  f"explain of an updating aggregate shows {want!r}", r.stdout)
        r = explain(args.flowc, updating, "--dot")
        check(r.returncode == 0 and "updating aggregate emit every 10s ttl keep" in r.stdout,
              "--dot of an updating aggregate names it", r.stdout)

        unsupported = os.path.join(tmp, "unsupported.flow")
        with open(unsupported, "w") as f:
            f.write(
                "schema Click { user_id : int64, bytes : int32, ts : timestamp }\n"
                "source clicks : Click from file(\"c.csv\") event time ts watermark 5s;\n"
                "stream per_user = clicks | key by user_id | window sliding 10m every 1m\n"
                "  | aggregate n = count();\n"
                "sink per_user to stdout(format = csv);\n"
                "table t : Click from file(\"t.csv\", follow = true) key user_id;\n")
        r = explain(args.flowc, unsupported)
        check(r.returncode == 1, "explain of a program with a followed table exits 1 (it cannot "
              "be built)", r.stderr)
        check("unsupported.flow:6:36: error: 'a table with follow=true' is not supported"
              in r.stderr, "explain reports the unsupported setting at its place", r.stderr)
        check("per key and window of 10m starting every 1m" in r.stdout, "explain still shows the plan",
              r.stdout)

        # A lookup is a probe inside its stage: explain says so, and the
        # emitted C has the probe in that stage's function and no other.
        enrich = os.path.join(args.source_dir, "examples", "orders-enrichment",
                              "orders-enrichment.flow")
        r = explain(args.flowc, enrich)
        check(r.returncode == 0, "explain of a lookup exits 0", r.stderr)
        for want in [
            "table customers (orders-enrichment.flow:24): file(\"data/customers.csv\", format = csv)",
            "key: customer_id, loaded fully before the streams start",
            "to: the lookup in stream enriched (stage 1 stream_enriched)",
            "stage 1 stream_enriched (stateless, fused: lookup, select):",
            "state: nothing of its own: probes table customers, which keeps its last row per key",
        ]:
            check(want in r.stdout, f"explain of a lookup shows {want!r}", r.stdout)
        c_file = os.path.join(tmp, "enrich.c")
        e = subprocess.run([args.flowc, "emit", enrich, "-o", c_file], capture_output=True, text=True)
        check(e.returncode == 0, "emit of a lookup exits 0", e.stderr)
        c_text = open(c_file).read() if e.returncode == 0 else ""
        stage = c_text.split("static void stream_enriched(FlowRuntime *rt, const Order *in, int64_t ts)\n{", 1)
        body = stage[1].split("\n}\n", 1)[0] if len(stage) == 2 else ""
        check("flow_lookup_table(rt, 0)" in body and "sink_enriched(rt, " in body,
              "the lookup's probe and the push to the sink are in stage 1's function", c_text[-4000:])
        check(c_text.count("flow_lookup_table(rt, 0)") == 2,
              "the table is used by its load function and the one probe only", c_text[-4000:])

        # An outer join: explain shows its kind, what it emits alone, and
        # that the watermark after it is held back by its bound.
        outer = os.path.join(args.source_dir, "tests", "e2e", "cases", "join_outer.flow")
        r = explain(args.flowc, outer)
        check(r.returncode == 0, "explain of outer joins exits 0", r.stderr)
        for want in [
            "join r on l.k == r.k within 10s left -> LjJoin",
            "join r on l.k == r.k within 10s right -> RjJoin",
            "join r on l.k == r.k within 10s full -> FjJoin",
            "a left or right record that never matched is emitted then, with the other side null",
            "watermark: source ev (event time ts, watermark 5s), held back 10s by the outer join "
            "at 113:28",
        ]:
            check(want in " ".join(r.stdout.split()), f"explain of outer joins shows {want!r}",
                  r.stdout)

        r = explain(args.flowc, example, "--dot")
        check(r.returncode == 0, "explain --dot exits 0", r.stderr)
        check(r.stdout.startswith('digraph "clickstream.flow" {'), "--dot prints a digraph", r.stdout)
        check("subgraph cluster_stage1" in r.stdout, "--dot draws stages as clusters", r.stdout)
        if shutil.which("dot"):
            svg = subprocess.run(["dot", "-Tsvg"], input=r.stdout, capture_output=True, text=True)
            check(svg.returncode == 0 and "<svg" in svg.stdout, "Graphviz renders --dot", svg.stderr)
            # A chain of 5 stages is drawn top to bottom: taller than wide,
            # and no edge has a label to lay over a stage's title.
            five = os.path.join(tmp, "five.flow")
            with open(five, "w") as f:
                f.write(FIVE_STAGES)
            r = explain(args.flowc, five, "--dot")
            check(r.returncode == 0 and r.stdout.count("subgraph cluster_stage") == 5,
                  "a 5-stage program has 5 clusters", r.stdout + r.stderr)
            check("rankdir=TB;" in r.stdout and " [label=" not in r.stdout.split("->", 1)[-1],
                  "--dot lays out top to bottom, no edge labels", r.stdout)
            svg = subprocess.run(["dot", "-Tsvg"], input=r.stdout, capture_output=True, text=True)
            size = re.search(r'<svg width="([0-9.]+)pt" height="([0-9.]+)pt"', svg.stdout)
            check(size is not None and float(size.group(2)) > float(size.group(1)),
                  "the 5-stage graph is taller than wide", size.group(0) if size else svg.stdout[:300])
        else:
            print("note: Graphviz 'dot' not installed; --dot output not rendered", file=sys.stderr)

    print(f"explain: {checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


# A where, a dedupe and three windows: five stages in a chain.
FIVE_STAGES = """
schema E { ts : timestamp, user : string, v : int32 }
source events : E from file("in.csv", format = csv) event time ts watermark 1s;
stream a = events | where v > 0 | key by user | dedupe within 10s;
stream b = a | key by user | window tumbling 10s | aggregate n = count(), s = sum(v);
stream c = b | key by user | window tumbling 1m | aggregate n2 = sum(n);
stream d = c | key by user | window session gap 5m | aggregate n3 = sum(n2);
sink d to stdout(format = csv);
"""


if __name__ == "__main__":
    sys.exit(main())
