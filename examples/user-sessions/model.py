#!/usr/bin/env python3
"""A model of user-sessions.flow in plain Python, written from the rules of
docs/language.md (6.4, 6.5, 7.2) without looking at flowc's code: it reads
data/weblogs.csv and prints what the program must print (the visits, in the
order they are published) and write (out/late_hits.csv).

  model.py            print both, as the program would
  model.py --check    compare them with expected/ and exit 1 on a difference

Rules: watermark = max(ts seen) - 30s - 1ms, updated after each record. Per
user, a view at t overlaps a kept session [first, last + 5m) when
t < last + 5m and first < t + 5m; it joins the sessions it overlaps. With
none, it makes [t, t + 5m) of its own, or is late when the watermark has
reached t + 5m - 1ms + 10m. A session fires when the watermark reaches its
end - 1ms, and is kept until end - 1ms + 10m. A view that joins a session
that fired publishes the update at once; a merged session has fired when the
later of the two had. Sessions firing at one watermark come out by end.
"""

import csv
import datetime
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GAP = 5 * 60000
LATENESS = 10 * 60000
DELAY = 30000


def parse_ts(text):
    d = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    d = d.replace(tzinfo=datetime.timezone.utc)
    return int(round(d.timestamp() * 1000))


def format_ts(ms):
    d = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


class Session:
    def __init__(self):
        self.hits = []       # (ts, arrival, path, status, bytes)
        self.fired = False

    @property
    def first(self):
        return min(h[0] for h in self.hits)

    @property
    def end(self):
        return max(h[0] for h in self.hits) + GAP

    def row(self, user):
        by_time = sorted(self.hits, key=lambda h: (h[0], h[1]))
        return ",".join([
            user, format_ts(self.first), format_ts(self.end), str(len(self.hits)),
            str(sum(h[4] for h in self.hits)), str(len({h[2] for h in self.hits})),
            str(sum(1 for h in self.hits if h[3] == 404)), by_time[0][2], by_time[-1][2],
        ])


def run(rows):
    sessions = {}           # user -> [Session]
    published, late = [], []
    watermark = None
    max_ts = None

    def advance(wm):
        """Fire what the watermark reached, by end; free what it passed."""
        due = [(s.end, u, s) for u, ss in sessions.items() for s in ss
               if not s.fired and (wm is None or s.end - 1 <= wm)]
        for _, u, s in sorted(due, key=lambda d: d[0]):
            s.fired = True
            published.append(s.row(u))
        for u in sessions:
            sessions[u] = [s for s in sessions[u]
                           if wm is not None and s.end - 1 + LATENESS > wm]

    for arrival, r in enumerate(rows):
        ts, user = parse_ts(r["ts"]), r["user"]
        hit = (ts, arrival, r["path"], int(r["status"]), int(r["bytes"]))
        mine = sessions.setdefault(user, [])
        overlapping = [s for s in mine if ts < s.end and s.first < ts + GAP]
        if not overlapping:
            if watermark is not None and watermark >= ts + GAP - 1 + LATENESS:
                late.append(",".join([format_ts(ts), user, r["path"], r["status"], r["bytes"]]))
            else:
                s = Session()
                s.hits.append(hit)
                s.fired = watermark is not None and watermark >= ts + GAP - 1
                mine.append(s)
                if s.fired:
                    published.append(s.row(user))
        else:
            merged = Session()
            merged.hits = [h for s in overlapping for h in s.hits] + [hit]
            merged.fired = max(overlapping, key=lambda s: s.first).fired
            sessions[user] = [s for s in mine if s not in overlapping] + [merged]
            if merged.fired:
                published.append(merged.row(user))
        max_ts = ts if max_ts is None else max(max_ts, ts)
        watermark = max_ts - DELAY - 1 if watermark is None else max(watermark, max_ts - DELAY - 1)
        advance(watermark)
    advance(None)           # the end of the input: every session fires
    header = "user,window_start,window_end,views,bytes,distinct_pages,not_found,entry_page,exit_page"
    return ("\n".join([header] + published) + "\n",
            "\n".join(["ts,user,path,status,bytes"] + late) + "\n")


def main():
    with open(os.path.join(HERE, "data", "weblogs.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    visits, late = run(rows)
    if "--check" not in sys.argv[1:]:
        sys.stdout.write(visits)
        sys.stdout.write("--- out/late_hits.csv\n" + late)
        return 0
    ok = True
    for got, path in ((visits, "expected/stdout"), (late, "expected/out/late_hits.csv")):
        with open(os.path.join(HERE, path)) as f:
            want = f.read()
        if got != want:
            print("model and %s differ:\n--- model\n%s--- %s\n%s" % (path, got, path, want))
            ok = False
    print("ok user-sessions model" if ok else "FAIL user-sessions model")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
