#!/usr/bin/env python3
"""The pg_dashboard example against the suite's PostgreSQL server: its
schema.sql makes the table, the program runs on its bundled data with
--set conninfo=..., and the table holds exactly the per-user, per-minute
results worked out here from data/clicks.csv (every view counts: lateness
10m covers the file; the minutes published early were replaced by their
updates), one row per key; the README's dashboard SELECT (dashboard.sql)
prints examples/pg_dashboard/expected_dashboard.txt. A second run leaves
the table the same (upsert).

  postgres_example.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import csv
import os
import shutil
import sys
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "postgres"))
from run_e2e import Env, Failure, diff, env_arguments  # noqa: E402
from server import Server, ServerError  # noqa: E402


def model(path):
    """(user, minute start) -> (views, dwell, distinct pages, last page by
    event time)."""
    groups = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            ts = datetime.strptime(r["ts"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
            start = ts.replace(second=0, microsecond=0)
            groups.setdefault((r["user_id"], start), []).append((ts, r["page"],
                                                                 int(r["dwell_ms"])))
    out = {}
    for key, views in groups.items():
        views.sort(key=lambda v: v[0])
        out[key] = (len(views), sum(v[2] for v in views), len({v[1] for v in views}),
                    views[-1][1])
    return out


def table(s):
    rows = s.rows("SELECT user_id, extract(epoch FROM window_start)::int8 AS ws, "
                  "extract(epoch FROM window_end - window_start)::int8 AS size, views, dwell_ms, "
                  "distinct_pages, last_page FROM page_minutes")
    if any(r["size"] != 60 for r in rows):
        raise Failure("a window that is not one minute")
    return [((r["user_id"], datetime.fromtimestamp(r["ws"], timezone.utc)),
             (r["views"], r["dwell_ms"], r["distinct_pages"], r["last_page"])) for r in rows]


def main():
    env = Env(env_arguments(__doc__).parse_args())
    work = env.fresh_dir("postgres_example")
    ex = os.path.join(env.src, "examples", "pg_dashboard")
    for name in ("pg_dashboard.flow", "schema.sql", "dashboard.sql"):
        shutil.copy(os.path.join(ex, name), work)
    shutil.copytree(os.path.join(ex, "data"), os.path.join(work, "data"))
    want = model(os.path.join(work, "data", "clicks.csv"))
    with Server(log=os.path.join(work, "server.log")) as s:
        s.psql(open(os.path.join(work, "schema.sql")).read())
        env.build("pg_dashboard.flow", "pg_dashboard", work)
        for run in (1, 2):
            status, _, err = env.run("pg_dashboard", ["--set", f"conninfo={s.conninfo}"], work)
            if status != 0 or " 0 late" not in err:
                raise Failure(f"run {run}: exit {status}:\n{err}")
            written = int(err.split(" written")[0].rsplit(" ", 1)[1])
            if written <= len(want):
                raise Failure(f"run {run}: {written} results for {len(want)} keys: no minute "
                              "was updated, the upsert is not tested")
            got = table(s)
            if len(got) != len(want) or dict(got) != want:
                bad = [k for k in set(dict(got)) | set(want) if dict(got).get(k) != want.get(k)]
                raise Failure(f"run {run}: {len(got)} rows for {len(want)} keys; differ: "
                              f"{[(k, dict(got).get(k), want.get(k)) for k in bad[:3]]}")
        shown = s.psql(open(os.path.join(work, "dashboard.sql")).read())
        d = diff(open(os.path.join(ex, "expected_dashboard.txt")).read(), shown, "dashboard")
        if d:
            raise Failure(d)
    print(f"postgres_example: pg_dashboard upserted {len(want)} rows ({written} results), "
          "twice; the dashboard query shows them")


if __name__ == "__main__":
    try:
        main()
    except (Failure, ServerError) as e:
        sys.exit(f"FAIL: {e}")
