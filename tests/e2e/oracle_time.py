#!/usr/bin/env python3
"""Oracle test of the time functions: date_trunc (every unit), year ...
day_of_week, format_timestamp and parse_timestamp in a flowc-built program
against python3's zoneinfo and datetime, an implementation of the tz
database of its own, over ~120k random timestamps from 1900 to 2200 in a
dozen zones (the zone a field of each record, so each is looked up at run
time). Half the timestamps are uniform over the span, half within hours or
a day and a half of a change of offset (found by bisection), so that
nonexistent and ambiguous local times, DST days and the POSIX footer after
the last transition of each file (the far future) are all exercised.

The rule for a local time that does not exist or exists twice is Python's
fold=0: the offset in force before the change (docs/language.md, "Time
functions"); a truncation below a day keeps the record's own offset where
it holds for the truncated time (as PostgreSQL does), which Python's
replace() does not do where a change of offset is not on a whole hour
(America/St_Johns, Pacific/Chatham): the model checks that offset with
zoneinfo itself.

  oracle_time.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize] [--rows N]
"""

import csv
import datetime
import os
import random
import sys
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_util import fail_if, oracle_main  # noqa: E402
from run_e2e import Failure  # noqa: E402

PATTERN = "%Y-%m-%d %H:%M:%S.%3N %z %Z %a %b %j %y %e %%"
BACK = "%Y-%m-%d %H:%M:%S.%3N"

FLOW = """\
schema Row { id : int64, ts : timestamp, zone : string }

source rows : Row from file("rows.csv", format = csv);

stream out = rows
  | select
      id,
      t_second = int64(date_trunc("second", ts, zone)),
      t_minute = int64(date_trunc("minute", ts, zone)),
      t_hour   = int64(date_trunc("hour", ts, zone)),
      t_day    = int64(date_trunc("day", ts, zone)),
      t_week   = int64(date_trunc("week", ts, zone)),
      t_month  = int64(date_trunc("month", ts, zone)),
      t_year   = int64(date_trunc("year", ts, zone)),
      y = year(ts, zone), mo = month(ts, zone), d = day(ts, zone),
      h = hour(ts, zone), mi = minute(ts, zone), s = second(ts, zone),
      dow = day_of_week(ts, zone),
      text = format_timestamp(ts, "%s", zone),
      utc = format_timestamp(ts, "%%Y-%%m-%%dT%%H:%%M:%%S%%z"),
      back = int64(parse_timestamp(format_timestamp(ts, "%s", zone), "%s", zone));

sink out to stdout(format = csv);
""" % (PATTERN, BACK, BACK)

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Adelaide",
         "Europe/Dublin", "America/Sao_Paulo", "Pacific/Chatham", "Australia/Lord_Howe",
         "America/St_Johns", "Africa/Casablanca", "Asia/Tokyo", "Europe/London"]

UTC = datetime.timezone.utc
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=UTC)
LO = int((datetime.datetime(1900, 1, 1, tzinfo=UTC) - EPOCH).total_seconds()) * 1000
HI = int((datetime.datetime(2200, 1, 1, tzinfo=UTC) - EPOCH).total_seconds()) * 1000
MS = datetime.timedelta(milliseconds=1)


def local(ms, z):
    return (EPOCH + datetime.timedelta(milliseconds=ms)).astimezone(z)


def near_change(rng, z):
    """A time close to a change of z's offset, or a uniform one."""
    for _ in range(8):
        a = rng.randrange(LO, HI - 400 * 86400000)
        b = a + 400 * 86400000
        if local(a, z).utcoffset() == local(b, z).utcoffset():
            continue
        while b - a > 1000:
            m = (a + b) // 2
            if local(m, z).utcoffset() == local(a, z).utcoffset():
                a = m
            else:
                b = m
        span = 3 * 3600000 if rng.random() < 0.5 else 36 * 3600000
        return max(LO, min(HI, b + rng.randrange(-span, span)))
    return rng.randrange(LO, HI)


def make_rows(n, seed):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        zone = ZONES[i % len(ZONES)]
        z = ZoneInfo(zone)
        ms = rng.randrange(LO, HI) if rng.random() < 0.5 else near_change(rng, z)
        if rng.random() < 0.3:
            ms -= ms % 60000  # whole minutes and hours land on the edges
        rows.append((i, ms, zone))
    return rows


def to_ms(dt):
    return (dt - EPOCH) // MS


def midnight(z, date):
    return datetime.datetime(date.year, date.month, date.day, tzinfo=z)  # fold=0


def below_day(t, **fields):
    """t truncated in local time with its own offset where that offset
    holds for the truncated time, else read with fold=0."""
    cut = t.replace(**fields)
    own = (cut.replace(tzinfo=None) - t.utcoffset()).replace(tzinfo=UTC)
    if own.astimezone(t.tzinfo).utcoffset() == t.utcoffset():
        return to_ms(own)
    return to_ms(cut.replace(fold=0))


def expected(ms, zone):
    z = ZoneInfo(zone)
    t = local(ms, z)
    week = t.date() - datetime.timedelta(days=t.weekday())
    ms_part = "%03d" % (t.microsecond // 1000)
    text = t.strftime("%Y-%m-%d %H:%M:%S.") + ms_part + t.strftime(" %z %Z %a %b %j %y %e %%")
    back_local = datetime.datetime(t.year, t.month, t.day, t.hour, t.minute, t.second,
                                   t.microsecond, tzinfo=z)  # fold=0
    return [
        below_day(t, microsecond=0),
        below_day(t, second=0, microsecond=0),
        below_day(t, minute=0, second=0, microsecond=0),
        to_ms(midnight(z, t.date())),
        to_ms(midnight(z, week)),
        to_ms(midnight(z, t.date().replace(day=1))),
        to_ms(midnight(z, t.date().replace(month=1, day=1))),
        t.year, t.month, t.day, t.hour, t.minute, t.second, t.isoweekday(),
        text,
        (EPOCH + datetime.timedelta(milliseconds=ms)).strftime("%Y-%m-%dT%H:%M:%S%z"),
        to_ms(back_local),
    ]


NAMES = ["id", "t_second", "t_minute", "t_hour", "t_day", "t_week", "t_month", "t_year",
         "y", "mo", "d", "h", "mi", "s", "dow", "text", "utc", "back"]


def run(env, args, work):
    rows = make_rows(args.rows, args.seed)
    with open(os.path.join(work, "rows.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "ts", "zone"])
        w.writerows(rows)
    env.build_text(FLOW, "oracle_time", work)
    out, err = env.run_ok("oracle_time", work)
    reader = csv.reader(out.splitlines(True))
    header = next(reader, None)
    if header != NAMES:
        raise Failure("header %r, expected %r" % (header, NAMES))
    got = {int(r[0]): r[1:] for r in reader}
    problems = []
    if len(got) != len(rows):
        problems.append("%d rows in, %d out" % (len(rows), len(got)))
    for rid, ms, zone in rows:
        want = [str(v) for v in expected(ms, zone)]
        have = got.get(rid)
        if have != want and len(problems) < 12:
            diff = [(n, h, w) for n, h, w in zip(NAMES[1:], have or [], want) if h != w]
            problems.append("ts=%d (%s) %s: %s" % (ms, local(ms, UTC).isoformat(), zone,
                                                    diff or "missing"))
    fail_if(problems, err, 2000)
    return "%d timestamps in %d zones agree with python's zoneinfo" % (len(rows), len(ZONES))


def main():
    return oracle_main("oracle_time", __doc__, run, seed=20241201)


if __name__ == "__main__":
    sys.exit(main())
