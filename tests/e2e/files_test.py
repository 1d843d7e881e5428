#!/usr/bin/env python3
"""File sources over a pattern, compressed files and rolling file sinks
(docs/language.md, "8.1 file"): what a program reads from several files,
gzip and zstd ones among them, and writes compressed or in parts, checked
against python3's gzip module and the zstd command as independent readers.

  files_test.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
"""

import gzip
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle_util import oracle_main  # noqa: E402
from run_e2e import Failure  # noqa: E402

SCHEMA = "schema R { k : string, v : int64 }\n"


def write(path, data):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def zstd(data):
    return subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE,
                          check=True).stdout


def unzstd(path):
    return subprocess.run(["zstd", "-q", "-d", "-c", path], stdout=subprocess.PIPE,
                          check=True).stdout


def expect(what, got, want):
    if got != want:
        n = next((i for i in range(min(len(got), len(want))) if got[i] != want[i]),
                 min(len(got), len(want)))
        raise Failure("%s: %d bytes, %d expected; from byte %d: %r, expected %r"
                      % (what, len(got), len(want), n, got[n:n + 60], want[n:n + 60]))


def build(env, work, name, text):
    d = os.path.join(work, name)
    os.makedirs(d)
    env.build_text(text, name, d)
    return d


def run(env, d, name, args=(), status=0):
    got, out, err = env.run(name, list(args), d)
    if got != status:
        raise Failure("%s exited with status %d, not %d:\n%s" % (name, got, status, err[-3000:]))
    return out, err


def linked(d, name):
    """The shared libraries the program links, by soname."""
    out = subprocess.run(["ldd", os.path.join(d, name)], stdout=subprocess.PIPE,
                         universal_newlines=True).stdout
    return set(re.findall(r"^\s*(\S+\.so\S*)", out, re.M))


def test_pattern_mixed(env, work):
    """A pattern's files in name order, each with its own header (columns in
    another order too), plain, gzip (two members) and zstd; reports name the
    file and its line; the sinks write gzip and zstd that other tools read."""
    d = build(env, work, "mixed", SCHEMA + """
source s : R from file("in/part-*");
stream o = s | select k, w = v * 10;
sink o to file("out.csv.gz");
sink o to file("out.csv.zst");
sink o to file("out.csv");
""")
    write(os.path.join(d, "in/part-1.csv"), b"k,v\na,1\nb,2\n")
    # 9,99 would read as k = 9, v = 99 in the first file's column order (the
    # one-pass line decoder is chosen again for each file, by its header).
    write(os.path.join(d, "in/part-2.csv.gz"),
          gzip.compress(b"v,k\n3,c\n9,99\n") + gzip.compress(b"4,d\n"))
    write(os.path.join(d, "in/part-3.csv.zst"), zstd(b"k,v\ne,5\nf,x\ng,7\n"))
    # No extension: told gzip by its first bytes (the pattern links both).
    write(os.path.join(d, "in/part-4"), gzip.compress(b"k,v\nh,8\n"))
    write(os.path.join(d, "in/other.csv"), b"k,v\nnot,0\n")
    out, err = run(env, d, "mixed")
    want = b"k,w\na,10\nb,20\nc,30\n99,90\nd,40\ne,50\ng,70\nh,80\n"
    expect("out.csv", open(os.path.join(d, "out.csv"), "rb").read(), want)
    expect("out.csv.gz read by gzip", gzip.decompress(open(os.path.join(d, "out.csv.gz"), "rb").read()),
           want)
    expect("out.csv.zst read by zstd", unzstd(os.path.join(d, "out.csv.zst")), want)
    if "in/part-3.csv.zst:3: field 'v': not an int64" not in err:
        raise Failure("the bad record is not reported at its file and line:\n" + err)
    libs = linked(d, "mixed")
    if not any("libz.so" in l for l in libs) or not any("libzstd" in l for l in libs):
        raise Failure("a program with gzip and zstd files must link zlib and libzstd: %s" % libs)


def test_plain_links_nothing(env, work):
    d = build(env, work, "plain", SCHEMA + """
source s : R from file("in.csv");
sink s to file("out.csv");
""")
    write(os.path.join(d, "in.csv"), b"k,v\na,1\n")
    run(env, d, "plain")
    libs = linked(d, "plain")
    if any("libz.so" in l or "libzstd" in l for l in libs):
        raise Failure("a program without compressed files links a compression library: %s" % libs)
    d = build(env, work, "only_gzip", SCHEMA + """
source s : R from file("in.csv.gz");
sink s to file("out.csv");
""")
    write(os.path.join(d, "in.csv.gz"), gzip.compress(b"k,v\na,1\n"))
    run(env, d, "only_gzip")
    libs = linked(d, "only_gzip")
    if not any("libz.so" in l for l in libs) or any("libzstd" in l for l in libs):
        raise Failure("a program with .gz files links zlib alone: %s" % libs)


def test_errors(env, work):
    d = build(env, work, "errors", SCHEMA + """
param p : string = "in/*.csv";
source s : R from file(p);
sink s to file("out.csv");
""")
    _, err = run(env, d, "errors", [], 1)
    if "no file matches 'in/*.csv'" not in err:
        raise Failure("a pattern without files must say so:\n" + err)
    write(os.path.join(d, "in/a.csv"), b"k,v\na,1\n")
    write(os.path.join(d, "in/b.csv"), b"k,w\nb,2\n")
    _, err = run(env, d, "errors", [], 1)
    if "'in/b.csv' has no column \"v\"" not in err:
        raise Failure("a missing column must name the file:\n" + err)
    os.remove(os.path.join(d, "in/b.csv"))
    data = gzip.compress(b"k,v\n" + b"".join(b"k%d,%d\n" % (i, i) for i in range(20000)))
    write(os.path.join(d, "trunc.gz"), data[:len(data) // 2])
    _, err = run(env, d, "errors", ["--set", "p=trunc.gz"], 1)
    if "trunc.gz" not in err or "truncated" not in err:
        raise Failure("a truncated gzip file must fail the run, naming it:\n" + err)
    write(os.path.join(d, "bad.zst"), b"\x28\xb5\x2f\xfd" + b"\xff" * 64)
    _, err = run(env, d, "errors", ["--set", "p=bad.zst"], 1)
    if "bad.zst" not in err:
        raise Failure("corrupt zstd data must fail the run, naming the file:\n" + err)
    # compression = none reads the bytes as they are: a gzip file is then
    # bad records, not silently decompressed.
    d = build(env, work, "none", SCHEMA + """
source s : R from file("in.csv.gz", compression = none, header = false);
sink s to file("out.csv");
""")
    write(os.path.join(d, "in.csv.gz"), gzip.compress(b"a,1\n"))
    _, err = run(env, d, "none")
    if not re.search(r"records read .*, [1-9]\d* bad", err):
        raise Failure("compression = none must not decompress:\n" + err)


def test_follow_rotation(env, work):
    """follow=true on a pattern: a newer file means the current one is
    complete (its last line without a line break counts), then the newer
    one is read; the program goes on until stopped."""
    d = build(env, work, "follow", SCHEMA + """
source s : R from file("logs/app-*", follow = true);
sink s to file("out.csv");
""")
    os.makedirs(os.path.join(d, "logs"))
    write(os.path.join(d, "logs/app-001.csv"), b"k,v\na,1\nb,2")
    proc = subprocess.Popen([os.path.join(d, "follow")], cwd=d, env=env.program_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def wait_for(text):
            for _ in range(600):
                if os.path.exists(os.path.join(d, "out.csv")) and \
                        open(os.path.join(d, "out.csv"), "rb").read() == text:
                    return
                time.sleep(0.05)
            raise Failure("out.csv never became %r: %r" % (text, open(os.path.join(d, "out.csv"), "rb").read()))
        wait_for(b"k,v\na,1\n")
        write(os.path.join(d, "logs/app-002.csv.gz"), gzip.compress(b"k,v\nc,3\n"))
        wait_for(b"k,v\na,1\nb,2\nc,3\n")
        with open(os.path.join(d, "logs/app-002.csv.gz"), "ab") as f:
            f.write(gzip.compress(b"d,4\n"))
        wait_for(b"k,v\na,1\nb,2\nc,3\nd,4\n")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    if proc.returncode != 0:
        raise Failure("the followed pattern's program exited with %d:\n%s" % (proc.returncode, err))


def test_checkpoint_list_changed(env, work):
    """A restore reads on in the file the checkpoint was in; a list of files
    that changed under it is refused, not read from the wrong file."""
    d = build(env, work, "ckpt", 'config { checkpoint every 1h to "ck"; }\n' + SCHEMA + """
source s : R from file("in/*.csv.gz");
sink s to file("out.csv.gz");
""")
    for i in range(3):
        write(os.path.join(d, "in/%d.csv.gz" % i),
              gzip.compress(b"k,v\n" + b"".join(b"k%d,%d\n" % (j, i) for j in range(3))))
    run(env, d, "ckpt")
    want = b"k,v\n" + b"".join(b"k%d,%d\n" % (j, i) for i in range(3) for j in range(3))
    expect("out.csv.gz", gzip.decompress(open(os.path.join(d, "out.csv.gz"), "rb").read()), want)
    # The final checkpoint is at the end of the last file: a restart has
    # nothing more to read, and leaves the output as it is.
    run(env, d, "ckpt")
    expect("out.csv.gz after a restart",
           gzip.decompress(open(os.path.join(d, "out.csv.gz"), "rb").read()), want)
    os.remove(os.path.join(d, "in/1.csv.gz"))
    _, err = run(env, d, "ckpt", [], 1)
    if "source s (in/*.csv.gz) cannot go back" not in err:
        raise Failure("a restore into a changed list of files must be refused:\n" + err)


def parts(d, pattern):
    """The parts of a rolling file, in order, and their rows (headers but
    the first one dropped, each part checked to begin with it)."""
    names = sorted(n for n in os.listdir(d) if re.fullmatch(pattern, n))
    rows = b""
    for i, n in enumerate(names):
        data = open(os.path.join(d, n), "rb").read()
        if n.endswith(".gz"):
            data = gzip.decompress(data)
        if not data.startswith(b"k,v\n"):
            raise Failure("part %s does not begin with the header: %r" % (n, data[:40]))
        rows += data if i == 0 else data[len(b"k,v\n"):]
    return names, rows


def test_rolling(env, work):
    """roll_size: parts of about that many bytes, each with the header, in
    index order, together the whole output; a new run removes the parts an
    earlier, longer run left; a path without {index} is refused; roll_every
    closes a part once it is that old."""
    d = build(env, work, "rolling", SCHEMA + """
param size : int64 = 30000;
source s : R from file("in.csv");
sink s to file("out/part-{index}.csv", roll_size = size);
sink s to file("gz/part-{index}.csv.gz", roll_size = 10000);
""")
    rows = b"k,v\n" + b"".join(b"k%d,%d\n" % (i % 97, i) for i in range(40000))
    write(os.path.join(d, "in.csv"), rows)
    write(os.path.join(d, "out/part-000099.csv"), b"k,v\nstale,1\n")
    run(env, d, "rolling", [])
    names, got = parts(os.path.join(d, "out"), r"part-\d{6}\.csv")
    expect("the parts together", got, rows)
    # A part closes at the first write after it is full: writes are up to
    # the sink's buffer (256 KiB), so parts are roll_size up to that more.
    if len(names) < 2 or names[0] != "part-000000.csv":
        raise Failure("roll_size = 30000 over %d bytes made the parts %s" % (len(rows), names))
    for n in names[:-1]:
        if not 30000 <= os.path.getsize(os.path.join(d, "out", n)) <= 30000 + 256 * 1024:
            raise Failure("part %s holds %d bytes for a roll_size of 30000"
                          % (n, os.path.getsize(os.path.join(d, "out", n))))
    _, got = parts(os.path.join(d, "gz"), r"part-\d{6}\.csv\.gz")
    expect("the gzip parts together", got, rows)
    # A shorter input: the parts the first run had beyond go.
    shorter = rows[:rows.rindex(b"\n", 0, 40000) + 1]
    write(os.path.join(d, "in.csv"), shorter)
    run(env, d, "rolling", [])
    names, got = parts(os.path.join(d, "out"), r"part-\d{6}\.csv")
    expect("the parts of the second run", got, shorter)
    if len(names) > 2:
        raise Failure("parts of the earlier run were left: %s" % names)
    d = build(env, work, "no_index", SCHEMA + """
source s : R from file("in.csv");
sink s to file("out.csv", roll_size = 100);
""")
    write(os.path.join(d, "in.csv"), b"k,v\na,1\n")
    _, err = run(env, d, "no_index", [], 1)
    if "a rolling file's path needs {index}" not in err:
        raise Failure("a rolling file without {index} must be refused:\n" + err)
    d = build(env, work, "roll_every", SCHEMA + """
source s : R from file("in.csv", follow = true);
sink s to file("out/p-{index}.csv", roll_every = 100ms);
""")
    write(os.path.join(d, "in.csv"), b"k,v\na,1\n")
    proc = subprocess.Popen([os.path.join(d, "roll_every")], cwd=d, env=env.program_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def wait_for_parts(n):
            for _ in range(600):
                if os.path.isdir(os.path.join(d, "out")):
                    names, got = parts(os.path.join(d, "out"), r"p-\d{6}\.csv")
                    if len(names) >= n and got.count(b"\n") >= n + 1:
                        return names, got
                time.sleep(0.05)
            raise Failure("no %d parts in %s" % (n, os.listdir(os.path.join(d, "out"))))
        wait_for_parts(1)
        time.sleep(0.3)
        with open(os.path.join(d, "in.csv"), "ab") as f:
            f.write(b"b,2\n")
        names, got = wait_for_parts(2)
    finally:
        proc.terminate()
        proc.communicate(timeout=60)
    expect("roll_every's parts", got, b"k,v\na,1\nb,2\n")


def run_all(env, args, work):
    del args
    tests = [test_pattern_mixed, test_plain_links_nothing, test_errors, test_follow_rotation,
             test_checkpoint_list_changed, test_rolling]
    for t in tests:
        t(env, work)
    return "%d tests of patterns, compressed and rolling files" % len(tests)


def main():
    return oracle_main("files", __doc__, run_all)


if __name__ == "__main__":
    sys.exit(main())
