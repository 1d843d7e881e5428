#!/usr/bin/env python3
"""The nexmark(...) source and the Nexmark queries of tests/bench/nexmark/
against an independent Python model (nexmark_model.py): every field of the
three kinds, the same for every seed-and-rate argument pair the .flow gives,
and each query's rows as a multiset against the model's own computation of
the query over the model's events (the SQL of the Nexmark suite, written out
in Python). q12 is in processing time, so only its total per bidder is
compared; q4, q9, q18 and q19 are changelogs, compared once applied (q4's
averages within 1e-9). The queries
written in Flink SQL (tests/bench/nexmark/sql/) must give the rows of their
.flow twins (q4.sql, which updates an average with every new highest bid where
q4.flow waits for each auction to close, by its changelog applied). Every
program must finish with nothing late and nothing bad.

  nexmark_test.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
                  [--events N] [--seed S]
"""

import collections
import csv
import datetime
import io
import math
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_util import fail_if, oracle_main, report_difference  # noqa: E402
import nexmark_model  # noqa: E402
from run_e2e import Failure  # noqa: E402

EVENTS_PER_SECOND = 1000
QUERIES = ["q0", "q1", "q2", "q3", "q4", "q5", "q7", "q8", "q9", "q11", "q12", "q13", "q14", "q15",
           "q16", "q17", "q18", "q19", "q20", "q21", "q22"]
# The queries written in Flink SQL too (tests/bench/nexmark/sql/): each must give
# the rows of its .flow twin, with the events' options set to the run's.
SQL_QUERIES = ["q0", "q1", "q2", "q3", "q4", "q5", "q7", "q8", "q9", "q11", "q12", "q13", "q14",
               "q15", "q16", "q17", "q18", "q19", "q20", "q21", "q22"]
# The SQL jobs whose build warns, with what: nothing else may be said. q4's and
# q9's BETWEEN bounds a bid by its auction's expires, so the join is a regular one.
SQL_WARNINGS = {"q4": "warning: this BETWEEN does not bound one side's time",
                "q9": "warning: this BETWEEN does not bound one side's time"}
# q4.sql updates a category's average with every new highest bid, q4.flow once
# an auction closes: their changelogs are compared applied (averages within 1e-9).
SQL_APPLIED = {"q4"}
# Processing-time windows: which window a bid falls in depends on the clock,
# so these are compared by their counts per key (the first column).
BY_TOTALS = {"q12"}
# Flink's q20 selects the two `extra` columns too, which q20.flow leaves out.
SQL_DROPPED = {"q20": (6, 15)}
# Flink's q7 selects the bidder before the price, q7.flow after it: the SQL
# rows' columns in the twin's order.
SQL_ORDER = {"q7": (0, 2, 1, 3, 4)}
# Flink's q5 selects the auction and its count, q5.flow its window too: the
# twin's rows compared by those columns.
FLOW_COLUMNS = {"q5": (0, 1)}
# The updating queries, a changelog: compared once applied, keyed by these columns.
UPSERT_KEYS = {"q4": (0,), "q9": (0,), "q18": (1, 0), "q19": (0, 7)}
SECOND = 1000

ALL_FIELDS = """\
schema Bid {
    auction : int64, bidder : int64, price : int64, channel : string, url : string,
    date_time : timestamp, extra : string
}
schema Person {
    id : int64, name : string, email_address : string, credit_card : string, city : string,
    state : string, date_time : timestamp, extra : string
}
schema Auction {
    id : int64, item_name : string, description : string, initial_bid : int64,
    reserve : int64, date_time : timestamp, expires : timestamp, seller : int64,
    category : int64, extra : string
}
# A subset, in another order: the same values as the full schema's.
schema Few { date_time : timestamp, price : int64, auction : int64 }
param events : int64 = 1000;
param seed : int64 = 0;
source bids : Bid from nexmark(kind = bid, events = events, seed = seed,
                               events_per_second = %(eps)d) event time date_time;
source persons : Person from nexmark(kind = person, events = events, seed = seed,
                                     events_per_second = %(eps)d) event time date_time;
source auctions : Auction from nexmark(kind = "auction", events = events, seed = seed,
                                       events_per_second = %(eps)d) event time date_time;
source few : Few from nexmark(kind = bid, events = events, seed = seed,
                              events_per_second = %(eps)d);
sink bids to file("bids.csv", format = csv);
sink persons to file("persons.csv", format = csv);
sink auctions to file("auctions.csv", format = csv);
sink few to file("few.csv", format = csv);
"""


def ts_text(ms):
    t = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ms % 1000)


def as_text(row, fields, times=()):
    return tuple(ts_text(row[f]) if f in times else str(row[f]) for f in fields)


def read_rows(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], [tuple(r) for r in rows[1:]]


def compare(name, want, got, problems):
    w, g = collections.Counter(want), collections.Counter(got)
    if w != g:
        report_difference(name, len(want), len(got), list((w - g).elements()),
                          list((g - w).elements()), problems)


def tumble(t, size):
    return t - t % size


# ---- the queries, over the model's events ---------------------------------------------

def q0(P, A, B):
    return [as_text(b, ("auction", "bidder", "price", "date_time", "extra"), ("date_time",))
            for b in B]


def q1(P, A, B):
    # Compared as numbers below: the price column is parsed back.
    return [(str(b["auction"]), str(b["bidder"]), 0.908 * b["price"], ts_text(b["date_time"]),
             b["extra"]) for b in B]


def q2(P, A, B):
    return [(str(b["auction"]), str(b["price"])) for b in B if b["auction"] % 123 == 0]


def q3(P, A, B):
    sellers = {p["id"]: p for p in P if p["state"] in ("OR", "ID", "CA")}
    return [(sellers[a["seller"]]["name"], sellers[a["seller"]]["city"],
             sellers[a["seller"]]["state"], str(a["id"]))
            for a in A if a["category"] == 10 and a["seller"] in sellers]


def q20(P, A, B):
    tens = {a["id"]: a for a in A if a["category"] == 10}
    return [as_text(b, ("auction", "bidder", "price", "channel", "url", "date_time"),
                    ("date_time",)) +
            as_text(tens[b["auction"]], ("item_name", "description", "initial_bid", "reserve",
                                         "date_time", "expires", "seller", "category"),
                    ("date_time", "expires"))
            for b in B if b["auction"] in tens]


BID_FIELDS = ("auction", "bidder", "price", "channel", "url", "date_time", "extra")


def q18(P, A, B):
    """Each (bidder, auction)'s latest bid; of equal times the first."""
    last = {}
    for b in B:
        k = (b["bidder"], b["auction"])
        if k not in last or b["date_time"] > last[k]["date_time"]:
            last[k] = b
    return [as_text(b, BID_FIELDS, ("date_time",)) for b in last.values()]


def q19(P, A, B):
    """Each auction's 10 highest bids with their rank; of equal prices the first."""
    per = collections.defaultdict(list)
    for i, b in enumerate(B):
        per[b["auction"]].append((-b["price"], i, b))
    rows = []
    for bids in per.values():
        for rank, (_, _, b) in enumerate(sorted(bids, key=lambda x: x[:2])[:10], 1):
            rows.append(as_text(b, BID_FIELDS, ("date_time",)) + (str(rank),))
    return rows


AUCTION_FIELDS = ("id", "item_name", "description", "initial_bid", "reserve", "date_time",
                  "expires", "seller", "category", "extra")


def q4(P, A, B):
    """The average closing price of each category's auctions that had a bid while open."""
    closing = collections.defaultdict(list)
    for a, b in winning_bids(A, B):
        closing[a["category"]].append(b["price"])
    return [(str(c), sum(v) / len(v)) for c, v in closing.items()]


def winning_bids(A, B):
    """(auction, its highest bid from its date_time to its expires; of equal prices the
    earliest, then the first) of each auction with such a bid."""
    best = {}
    for i, b in enumerate(B):
        best.setdefault(b["auction"], []).append((-b["price"], b["date_time"], i, b))
    for a in A:
        bids = [x for x in best.get(a["id"], ()) if a["date_time"] <= x[3]["date_time"] <= a["expires"]]
        if bids:
            yield a, min(bids, key=lambda x: x[:3])[3]


def q9(P, A, B):
    """Each auction's winning bid."""
    return [as_text(a, AUCTION_FIELDS, ("date_time", "expires")) +
            as_text(b, ("auction", "bidder", "price", "date_time", "extra"), ("date_time",))
            for a, b in winning_bids(A, B)]


def applied(name, rows, problems):
    """A changelog's rows (op first) applied as upserts on its key columns."""
    state = {}
    for r in rows:
        op, r = r[0], r[1:]
        k = tuple(r[i] for i in UPSERT_KEYS[name])
        if op in ("+I", "+U"):
            state[k] = r
        elif op == "-D" and state.pop(k, None) is None:
            problems.append("%s: -D of a row that is not there: %r" % (name, r))
    return list(state.values())


def sql_job(env, q, work, args):
    """The Flink SQL twin of query q with the run's events, seed and pace."""
    with open(os.path.join(env.src, "tests", "bench", "nexmark", "sql", q + ".sql")) as f:
        text = f.read()
    for key, value in (("events.num", args.events), ("first-event.rate", EVENTS_PER_SECOND),
                       ("seed", args.seed)):
        text = re.sub(r"'%s' = '\d+'" % re.escape(key), "'%s' = '%d'" % (key, value), text)
    with open(os.path.join(work, q + "_sql.sql"), "w") as f:
        f.write(text)
    if q in SQL_WARNINGS:
        status, out, err = env.flowc_run(["build", q + "_sql.sql", "-o", q + "_sql"], work,
                                         env.compiler_env())
        said = [line for line in err.splitlines() if re.search(r": (warning|error): ", line)]
        if status or len(said) != 1 or SQL_WARNINGS[q] not in said[0]:
            raise Failure("flowc build %s_sql.sql: status %d, expected the one warning %r:\n%s"
                          % (q, status, SQL_WARNINGS[q], err))
    else:
        env.build(q + "_sql.sql", q + "_sql", work)
    return env.run(q + "_sql", [], work)


def q5(P, A, B):
    counts = collections.Counter()
    size, slide = 10 * SECOND, 2 * SECOND
    for b in B:
        t = b["date_time"]
        start = tumble(t, slide)
        while start > t - size:
            counts[(start, b["auction"])] += 1
            start -= slide
    top = collections.defaultdict(int)
    for (start, _), n in counts.items():
        top[start] = max(top[start], n)
    return [(str(a), str(n), ts_text(s), ts_text(s + size))
            for (s, a), n in counts.items() if n == top[s]]


def q7(P, A, B):
    """Each bid with each window from its time - 10 s to its time (Flink's
    BETWEEN window_end - 10 s AND window_end) whose highest price it has: its
    own window, and the one before when it is exactly at that one's end."""
    top = collections.defaultdict(int)
    for b in B:
        w = tumble(b["date_time"], 10 * SECOND)
        top[w] = max(top[w], b["price"])
    rows = []
    for b in B:
        w = tumble(b["date_time"], 10 * SECOND)
        for start in ((w, w - 10 * SECOND) if b["date_time"] == w else (w,)):
            if start in top and b["price"] == top[start]:
                rows.append(as_text(b, ("auction", "price", "bidder", "date_time", "extra"),
                                    ("date_time",)))
    return rows


def q8(P, A, B):
    sellers = {(a["seller"], tumble(a["date_time"], 10 * SECOND)) for a in A}
    return [(str(p["id"]), p["name"], ts_text(tumble(p["date_time"], 10 * SECOND)))
            for p in P if (p["id"], tumble(p["date_time"], 10 * SECOND)) in sellers]


def q11(P, A, B):
    out, open_ = [], {}
    gap = 10 * SECOND
    for b in B:  # in time order
        s = open_.get(b["bidder"])
        if s and b["date_time"] - s[1] < gap:
            s[1], s[2] = b["date_time"], s[2] + 1
        else:
            if s:
                out.append((b["bidder"], s))
            open_[b["bidder"]] = [b["date_time"], b["date_time"], 1]
    out.extend(open_.items())
    return [(str(k), str(s[2]), ts_text(s[0]), ts_text(s[1] + gap)) for k, s in out]


def q12_totals(B):
    return collections.Counter(str(b["bidder"]) for b in B)


def key_totals(rows):
    """The counts (second column) of processing-time window rows, per key (first)."""
    totals = collections.Counter()
    for r in rows:
        totals[r[0]] += int(r[1])
    return totals


def q13(P, A, B):
    return [(str(b["auction"]), str(b["bidder"]), str(b["price"]), ts_text(b["date_time"]),
             "v%d" % (b["auction"] % 10000 * 7 % 1000)) for b in B]


def q14(P, A, B):
    out = []
    for b in B:
        euros = 0.908 * b["price"]
        if not 1000000.0 < euros < 50000000.0:
            continue
        hour = b["date_time"] // 3600000 % 24
        kind = ("dayTime" if 8 <= hour <= 18 else "nightTime" if hour <= 6 or hour >= 20
                else "otherTime")
        out.append((str(b["auction"]), str(b["bidder"]), euros, kind, ts_text(b["date_time"]),
                    b["extra"], str(b["extra"].count("c"))))
    return out


def bands(bids):
    """q15's and q16's counts over one group's bids."""
    bands = [lambda p: True, lambda p: p < 10000, lambda p: 10000 <= p < 1000000,
             lambda p: p >= 1000000]
    n = [str(sum(1 for b in bids if f(b["price"]))) for f in bands]
    bidders = [str(len({b["bidder"] for b in bids if f(b["price"])})) for f in bands]
    auctions = [str(len({b["auction"] for b in bids if f(b["price"])})) for f in bands]
    return tuple(n + bidders + auctions)


def day_of(b):
    return ts_text(tumble(b["date_time"], 86400 * SECOND))[:10]


def q15(P, A, B):
    days = collections.defaultdict(list)
    for b in B:
        days[day_of(b)].append(b)
    return [(day,) + bands(bids) for day, bids in days.items()]


def q16(P, A, B):
    groups = collections.defaultdict(list)
    for b in B:
        groups[(b["channel"], day_of(b))].append(b)
    return [(channel, day, max(ts_text(b["date_time"])[11:16] for b in bids)) + bands(bids)
            for (channel, day), bids in groups.items()]


def q17(P, A, B):
    days = {}
    for b in B:
        key = (b["auction"], tumble(b["date_time"], 86400 * SECOND))
        days.setdefault(key, []).append(b["price"])
    out = []
    for (auction, day), prices in days.items():
        n, total = len(prices), sum(prices)
        out.append((str(auction), ts_text(day)[:10], str(n),
                    str(sum(p < 10000 for p in prices)),
                    str(sum(10000 <= p < 1000000 for p in prices)),
                    str(sum(p >= 1000000 for p in prices)), str(min(prices)), str(max(prices)),
                    total / n, str(total)))
    return out


def q21(P, A, B):
    known = {"apple": "0", "google": "1", "facebook": "2", "baidu": "3"}
    out = []
    for b in B:
        cid = known.get(b["channel"].lower())
        if cid is None:
            cid = b["url"].split("&channel_id=")[1] if "&channel_id=" in b["url"] else ""
        if cid:
            out.append((str(b["auction"]), str(b["bidder"]), str(b["price"]), b["channel"], cid))
    return out


def q22(P, A, B):
    return [(str(b["auction"]), str(b["bidder"]), str(b["price"]), b["channel"],
             *(b["url"].split("/") + [""] * 6)[3:6]) for b in B]


def check_finished(name, err, problems):
    if " 0 late, 0 bad" not in err:
        problems.append("%s: not every record was on time and good:\n%s" % (name, err[-600:]))


def run(env, args, work):
    problems = []
    nx = nexmark_model.Nexmark(args.seed, EVENTS_PER_SECOND)
    P, A, B = nx.events(args.events)
    settings = ["--set", "events=%d" % args.events, "--set", "seed=%d" % args.seed]

    # Every field of every kind, and a subset schema.
    env.build_text(ALL_FIELDS % {"eps": EVENTS_PER_SECOND}, "all_fields", work)
    status, _, err = env.run("all_fields", settings, work)
    fail_if(["all_fields exited with status %d" % status] if status else [], err)
    check_finished("all_fields", err, problems)
    kinds = (("bids", B, ("date_time",)), ("persons", P, ("date_time",)),
             ("auctions", A, ("date_time", "expires")))
    for name, rows, times in kinds:
        with open(os.path.join(work, name + ".csv")) as f:
            header, got = read_rows(f.read())
        want = [as_text(r, header, times) for r in rows]
        if got != want:
            report_difference(name, len(want), len(got), [r for r in want if r not in got],
                              [r for r in got if r not in want], problems)
    with open(os.path.join(work, "few.csv")) as f:
        _, got = read_rows(f.read())
    if got != [as_text(b, ("date_time", "price", "auction"), ("date_time",)) for b in B]:
        problems.append("few.csv: a subset schema's fields differ from the full schema's")

    with open(os.path.join(work, "side_input.csv"), "w") as f:
        f.write("".join("%d,v%d\n" % (k, k * 7 % 1000) for k in range(10000)))
    model = {"q0": q0, "q1": q1, "q2": q2, "q3": q3, "q4": q4, "q5": q5, "q7": q7, "q8": q8, "q9": q9,
             "q11": q11, "q13": q13, "q14": q14, "q15": q15, "q16": q16, "q17": q17, "q18": q18,
             "q19": q19, "q20": q20, "q21": q21, "q22": q22}
    sizes = []
    for q in QUERIES:
        shutil.copy(os.path.join(env.src, "tests", "bench", "nexmark", q + ".flow"), work)
        env.build(q + ".flow", q, work)
        status, out, err = env.run(q, settings + ["--set",
                                                  "events_per_second=%d" % EVENTS_PER_SECOND],
                                   work)
        if status:
            problems.append("%s exited with status %d:\n%s" % (q, status, err[-2000:]))
            continue
        check_finished(q, err, problems)
        _, got = read_rows(out)
        sizes.append("%s %d" % (q, len(got)))
        if q in SQL_QUERIES:
            status, sql_out, err = sql_job(env, q, work, args)
            if status:
                problems.append("%s.sql exited with status %d:\n%s" % (q, status, err[-2000:]))
            else:
                check_finished(q + ".sql", err, problems)
                drop = SQL_DROPPED.get(q, ())
                sql_rows = [tuple(v for i, v in enumerate(r) if i not in drop)
                            for r in csv.reader(io.StringIO(sql_out))]
                if q in SQL_ORDER:
                    sql_rows = [tuple(r[i] for i in SQL_ORDER[q]) for r in sql_rows]
                if q in BY_TOTALS:
                    compare(q + ".sql", list(key_totals(got).items()),
                            list(key_totals(sql_rows).items()), problems)
                elif q in SQL_APPLIED:
                    flow_avg = {c: float(v) for c, v in applied(q, got, problems)}
                    sql_avg = {c: float(v) for c, v in applied(q, sql_rows, problems)}
                    if flow_avg.keys() != sql_avg.keys() or any(
                            not math.isclose(sql_avg[c], v, rel_tol=1e-9)
                            for c, v in flow_avg.items()):
                        problems.append("%s.sql: averages per category %r, the .flow's %r"
                                        % (q, sorted(sql_avg.items()), sorted(flow_avg.items())))
                else:
                    twin = [tuple(r[i] for i in FLOW_COLUMNS[q]) for r in got] \
                        if q in FLOW_COLUMNS else got
                    compare(q + ".sql", twin, sql_rows, problems)
        if q in UPSERT_KEYS:
            got = applied(q, got, problems)
        if q == "q12":
            if key_totals(got) != q12_totals(B):
                problems.append("q12: the counts per bidder do not add up to the bids")
            continue
        want = model[q](P, A, B)
        if not want:
            problems.append("%s: the model has no rows: the test checks nothing" % q)
        if q == "q4":
            averages = {c: float(v) for c, v in got}
            if averages.keys() != dict(want).keys() or any(
                    not math.isclose(averages[c], v, rel_tol=1e-9) for c, v in want):
                problems.append("q4: averages per category %r, the model's %r"
                                % (sorted(averages.items()), sorted(want)))
            continue
        if q == "q1":
            got = [(a, b, float(p), t, x) for a, b, p, t, x in got]
        if q == "q14":
            got = [r[:2] + (float(r[2]),) + r[3:] for r in got]
        if q == "q17":
            got = [r[:8] + (float(r[8]),) + r[9:] for r in got]
        compare(q, want, got, problems)
    fail_if(problems, "")
    return "%d events: every field of the three kinds; rows %s" % (args.events,
                                                                   ", ".join(sizes))


if __name__ == "__main__":
    sys.exit(oracle_main("nexmark", __doc__, run, count="--events", default=60000, seed=3))
