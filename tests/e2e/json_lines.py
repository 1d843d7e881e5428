#!/usr/bin/env python3
"""The generated one-pass JSON line decoder (parse_json_X; docs/generated-code.md,
"JSON sources") against the runtime's general JSON parser: the same program is
built twice, once as flowc builds it and once with its `.parse_json` entry
set to NULL in the generated C (by a compiler wrapper), so that
every line goes through runtime/src/json.c. Both read the same 20 000 random
lines (plain and escaped strings, every number form, nulls, missing,
duplicate and unknown members, nested values, white space, and malformed
lines of many kinds) and must write the same output and report the same bad
records with the same reasons and line numbers.

  json_lines.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_util import oracle_main  # noqa: E402
from run_e2e import Failure  # noqa: E402

PROGRAM = """\
schema R { key : string, n : int64, small : int32, price : float64, ok : bool,
           ts : timestamp, note : string?, qty : int64? }
source r : R from file("in.jsonl", errors = "bad.txt");
stream all = r | select key, n, small, price, ok, ts, note, qty;
sink all to file("out.csv");
"""


# The C compiler with the generated program's .parse_json entry NULL.
WRAPPER = """\
#!/bin/sh
cc=$1
shift
for a in "$@"; do
  case $a in
    *.c) sed -i 's/\\.parse_json = \\(.*\\),$/.parse_json = 0 ? \\1 : NULL,/' "$a" ;;
  esac
done
exec $cc "$@"
"""


def string_value(rng):
    return rng.choice([
        '"plain"', '""', '"with space"', '"esc\\"aped"', '"tab\\tin"', '"\\u00e9t\\u00e9"',
        '"\\ud83d\\ude00"', '"bad\\x"', '"ctl\x01"', '"unterminated', '"caf\xc3\xa9"',
        '12', 'null', 'true', '["a"]', '{"a": 1}'])


def int_value(rng):
    return rng.choice([
        "0", "-0", "7", "-42", "123456789012345678", "1234567890123456789",
        "-9223372036854775808", "9223372036854775807", "9223372036854775808", "1.0", "1e3",
        "01", "-", "2147483647", "2147483648", "-2147483649", '"5"', "null", "true", "1x"])


def float_value(rng):
    return rng.choice([
        "0", "1.5", "-0.25", "1e10", "1E-3", "2.5e+2", "3", "1.", ".5", "-", '"nan"', '"inf"',
        '"x"', "123456789.123456789", "1e400", "null", "false"])


def ts_value(rng):
    return rng.choice([
        "1709251200000", "0", "-1000", '"2024-03-01T00:00:00Z"', '"2024-03-01T00:00:00.123Z"',
        '"2024-03-01 10:00:00"', '"nope"', "1709251200000.5", "1e12", '"17092512"',
        '"2024-03-01T00:00:00\\u005a"', "null", "12345678901234567890"])


def bool_value(rng):
    return rng.choice(["true", "false", "tru", "falsey", '"true"', "1", "null"])


FIELDS = [("key", string_value), ("n", int_value), ("small", int_value),
          ("price", float_value), ("ok", bool_value), ("ts", ts_value),
          ("note", string_value), ("qty", int_value)]


def good(rng, name):
    """A value the field takes."""
    return {"key": lambda: rng.choice(['"k1"', '"k2"', '"k\\u0033"']),
            "n": lambda: str(rng.randrange(-10 ** 6, 10 ** 6)),
            "small": lambda: str(rng.randrange(-1000, 1000)),
            "price": lambda: rng.choice(["%.3f" % rng.uniform(-100, 100), "7", "1e-2"]),
            "ok": lambda: rng.choice(["true", "false"]),
            "ts": lambda: str(1709251200000 + rng.randrange(10 ** 6)),
            "note": lambda: rng.choice(['"n"', "null", '"x,y"']),
            "qty": lambda: rng.choice(["3", "null"])}[name]()


def ws(rng):
    return rng.choice(["", "", "", " ", "\t", "  ", "\r"])


def line(rng):
    members = []
    for name, odd in FIELDS:
        if rng.random() < 0.02:
            continue  # missing
        value = odd(rng) if rng.random() < 0.03 else good(rng, name)
        members.append((json.dumps(name), value))
        if rng.random() < 0.02:
            members.append((json.dumps(name), good(rng, name)))  # a duplicate: the last wins
    for _ in range(rng.choice([0, 0, 1, 2])):
        members.append((rng.choice(['"extra"', '"x\\u0041"', '"k"']),
                        rng.choice(['1', '"s"', 'null', '[1, {"a": "}"}]', '{"b": {"c": 2}}',
                                    'true', '-3.5e2', '"esc\\n"', 'nul', '"\\q"'])))
    rng.shuffle(members)
    body = ",".join(f"{ws(rng)}{k}{ws(rng)}:{ws(rng)}{v}{ws(rng)}" for k, v in members)
    text = ws(rng) + "{" + body + "}" + ws(rng)
    r = rng.random()
    if r < 0.01:
        text = text[:-1] if text.endswith("}") else text + ","
    elif r < 0.02:
        text = text.replace("}", ",}", 1)
    elif r < 0.03:
        text = text + " {}"
    elif r < 0.035:
        text = ""
    elif r < 0.04:
        text = "[" + text + "]"
    elif r < 0.045:
        text = text.replace(":", "", 1)
    return text


def build_and_run(env, work, name, cc):
    d = os.path.join(work, name)
    os.makedirs(d)
    with open(os.path.join(d, "in.jsonl"), "wb") as f:
        f.write(INPUT)
    saved = env.cc
    env.cc = cc
    try:
        env.build_text(PROGRAM, "prog", d)
    finally:
        env.cc = saved
    env.run_ok("prog", d)
    with open(os.path.join(d, "out.csv")) as f:
        out = f.read()
    with open(os.path.join(d, "bad.txt")) as f:
        bad = f.read()
    return out, bad


def test(env, args, work):
    global INPUT
    rng = random.Random(args.seed)
    INPUT = "\n".join(line(rng) for _ in range(args.lines)).encode("utf-8", "surrogateescape") + b"\n"
    wrapper = os.path.join(work, "strip_parse_json.sh")
    with open(wrapper, "w") as f:
        f.write(WRAPPER)
    cc = env.cc or os.environ.get("CC") or "cc"
    fast_out, fast_bad = build_and_run(env, work, "fast", cc)
    general_out, general_bad = build_and_run(env, work, "general", f"sh {wrapper} {cc}")
    rows = len(fast_out.splitlines()) - 1
    bads = sum(1 for t in fast_bad.splitlines() if t.startswith("r: in.jsonl:"))
    if rows < args.lines // 2 or bads < args.lines // 20:
        raise Failure(f"the input is not the mix it should be: {rows} rows, {bads} bad lines")
    if fast_out != general_out:
        a, b = fast_out.splitlines(), general_out.splitlines()
        first = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
        raise Failure(f"outputs differ at row {first}: fast {a[first:first + 1]}, "
                      f"general {b[first:first + 1]} ({len(a)} and {len(b)} rows)")
    if fast_bad != general_bad:
        a, b = fast_bad.splitlines(), general_bad.splitlines()
        first = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
        raise Failure(f"bad-record reports differ at {first}: fast {a[first:first + 1]}, "
                      f"general {b[first:first + 1]}")
    return f"{rows} rows and {bads} bad lines, the same from the one-pass and the general decoder"


INPUT = b""

if __name__ == "__main__":
    sys.exit(oracle_main("json_lines", __doc__, test, count="--lines", default=20000, seed=7))
