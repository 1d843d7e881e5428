#!/usr/bin/env python3
"""Checkpoints under faults (issue 10, "Faults"; docs/checkpoints.md): a
damaged newest checkpoint (a byte of its state flipped, its manifest cut
short) is passed over with a warning for the one before; a checkpoint of a
changed program is refused (exit 1, saying what differs) unless
--no-restore; a full disk and a failing fsync while a checkpoint is written
(FLOW_FAULT=enospc, fsync) give warnings and the run goes on, the previous
checkpoint still usable; a kill just before or just after the rename of a
checkpoint, the final one included; a sink write failing (ENOSPC): exit 1,
then a restart; SIGTERM and SIGINT: a final checkpoint and exit 0, then a
restart; stdout and an errors= file at-least-once after a kill; a sink file
cut short since its checkpoint; an input appended to after a finished run;
two runs on one checkpoint directory; --no-restore throwing the old
checkpoints away; stdin refused in a checkpointed program; the summary's
checkpoint line; --help and bad option values; --stats. A run that ends
after a fault is followed by a restart that must end with "done", and the
sink files must then be byte-identical to those of one uninterrupted run.

  checkpoint_faults.py --flowc BIN --source-dir DIR --work DIR [--cc CC] [--sanitize]
                       [--only TEST,...]
"""

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_e2e import RUN_TIMEOUT, Env, Failure, env_arguments  # noqa: E402

EVENTS = 800000
# A run takes about half a second and checkpoints every 10 ms (after the
# one before is complete): a fault at the Nth checkpoint, for N up to 6,
# comes well before its end.
PROGRAM = """\
config { checkpoint every 10ms to "ck"; }
schema E { ts : timestamp, k : string, v : int64 }
source events : E from file("events.csv", format = csv) event time ts watermark 1s;
stream odd = events | where v % 3 == 1 | select ts, k, w = v * 2 + 1;
stream big = odd | where w > 1500 | select k, w;
sink odd to file("odd.csv", format = csv);
sink big to file("big.jsonl", format = jsonl);
"""
SINKS = ["odd.csv", "big.jsonl"]

# A program with keyed state, and changes of it that its checkpoints must
# not be restored into: an aggregate, the type of the key in the source, the
# key itself (another field, of another type, the source unchanged). Each
# change with a piece of what the refusal must quote from the checkpoint's
# layout and one from the changed program's.
WINDOWED = """\
config { checkpoint every 20ms to "ck"; }
schema E { ts : timestamp, k : %s, v : int64 }
source events : E from file("events.csv", format = csv) event time ts watermark 1s;
stream per_key = events | key by %s | window tumbling 10s | aggregate %s;
sink per_key to file("per_key.csv", format = csv);
"""
WINDOWED_BASE = ("string", "k", "n = count(), total = sum(v)")
WINDOWED_CHANGES = [
    ("an aggregate", ("string", "k", "n = count(), total = max(v)"), "total = sum(v)", "total = max(v)"),
    ("the key's type", ("int64", "k", "n = count(), total = sum(v)"), "k string", "k int64"),
    ("the key", ("string", "v", "n = count(), total = sum(v)"), "k string", "v int64"),
]

# The windowed program with its window size from a duration param: the
# param's value is part of the layout, so a restore with another --set is
# refused naming the param, and one with the same value (in another unit)
# resumes.
WINDOWED_PARAM = """\
config { checkpoint every 20ms to "ck"; }
param size : duration = 10s;
schema E { ts : timestamp, k : string, v : int64 }
source events : E from file("events.csv", format = csv) event time ts watermark 1s;
stream per_key = events | key by k | window tumbling size | aggregate n = count(), total = sum(v);
sink per_key to file("per_key.csv", format = csv);
"""

# Unbounded and slow: a run that goes on until it is stopped.
ENDLESS = """\
config { checkpoint every 20ms to "ck"; }
schema G { k : int64, v : int64 }
source gen : G from generator(seed = 9, keys = 100, rate = 20000);
stream some = gen | where k == 1;
sink some to file("some.csv", format = csv);
"""

# Bad records (every 997th line of its input), reported to an errors file,
# and a sink to stdout: both at-least-once (docs/checkpoints.md).
AT_LEAST_ONCE = """\
config { checkpoint every 10ms to "ck"; }
schema E { ts : timestamp, k : string, v : int64 }
source events : E from file("events_bad.csv", format = csv, errors = "bad.txt") event time ts watermark 1s;
stream odd = events | where v % 3 == 1 | select ts, k, w = v * 2 + 1;
sink odd to stdout(format = csv);
sink odd to file("odd.csv", format = csv);
"""

STDIN_PROGRAM = """\
config { checkpoint every 1s to "ck"; }
schema R { k : int64 }
source input_rows : R from stdin(format = csv);
sink input_rows to file("out.csv", format = csv);
"""

PLAIN_PROGRAM = """\
schema R { k : int64 }
source rows : R from file("events.csv", format = csv);
sink rows to file("out.csv", format = csv);
"""

SUMMARY = re.compile(r"checkpoints \(ck\): (\d+) taken.*; (restored from (\d+) in [\d.]+ ms|started afresh)$", re.M)


def write_bad_events(good, path):
    """The events with every 997th line's v not a number."""
    with open(good) as f, open(path, "w") as out:
        for i, line in enumerate(f):
            if i % 997 == 996:
                line = line[:line.rindex(",")] + ",x%d\n" % i
            out.write(line)


def write_events(path):
    """ts advancing 1 ms a record, moved back by up to 1.5 s; keys 0..999, which
    the programs read as strings, but for the changed one that reads an int64."""
    rng = random.Random(1012)
    with open(path, "w") as f:
        f.write("ts,k,v\n")
        for i in range(EVENTS):
            ms = max(0, i - rng.randrange(1500))
            f.write("2024-03-01T%02d:%02d:%02d.%03dZ,%d,%d\n" % (ms // 3600000, ms // 60000 % 60,
                                                                 ms // 1000 % 60, ms % 1000,
                                                                 rng.randrange(1000), rng.randrange(5000)))


class Program:
    """One built program and its runs, each in a directory of its own
    holding the input (a link) and what the runs write."""

    def __init__(self, env, base, name, text, inputs):
        self.env = env
        self.name = name
        self.inputs = inputs
        self.work = os.path.join(base, name)
        os.makedirs(self.work, exist_ok=True)
        env.build_text(text, name, self.work)
        self.exe = os.path.join(self.work, name)
        self.logs = 0

    def fresh(self, tag):
        path = os.path.join(self.work, tag)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        for name in self.inputs:
            os.symlink(name, os.path.join(path, os.path.basename(name)))
        return path

    def start(self, cwd, args=(), fault=None):
        """Started in a session of its own: a fault's kill(0, SIGKILL) kills
        its process group, which must not be this script's."""
        env = self.env.program_env()
        env.pop("FLOW_FAULT", None)
        # A build at full speed reads one record per poll: many rounds, so a
        # run takes the checkpoints the tests count on however fast the
        # machine (a fast one finished the 800k events before the sixth). A
        # sanitized build is slow enough as it is, and would take minutes.
        if not self.env.sanitize:
            env["FLOW_BATCH"] = "1"
        if fault:
            env["FLOW_FAULT"] = fault
        self.logs += 1
        log = open(os.path.join(self.work, "run%d.log" % self.logs), "w+b")
        proc = subprocess.Popen([self.exe] + list(args), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=log, start_new_session=True)
        proc.log = log
        return proc

    @staticmethod
    def finish(proc):
        """(status, stdout, stderr) of proc; its process group is killed if it
        has not ended after RUN_TIMEOUT."""
        try:
            out, _ = proc.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
        proc.log.seek(0)
        err = proc.log.read().decode("utf-8", "replace")
        proc.log.close()
        if re.search(r"(AddressSanitizer|LeakSanitizer|runtime error:)", err):
            raise Failure("sanitizer report:\n" + err)
        return proc.returncode, out.decode("utf-8", "replace"), err

    def run(self, cwd, args=(), fault=None):
        return self.finish(self.start(cwd, args, fault))

    def run_ok(self, cwd, args=(), fault=None):
        """A run that must end by itself with status 0 and "done"; its stderr."""
        status, _, err = self.run(cwd, args, fault)
        if status != 0 or ": done after" not in err:
            raise Failure("%s %s%s: exit status %d, expected 0 and done:\n%s"
                          % (self.name, " ".join(args), " with FLOW_FAULT=" + fault if fault else "",
                             status, err[-3000:]))
        return err


def catches(pid, sig):
    """Whether process pid has its handler for sig installed (SigCgt in
    /proc/PID/status): before that, the signal would kill it, not stop it."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) >> (sig - 1) & 1)
    except OSError:
        pass
    return False


def expect(cond, what, err=""):
    if not cond:
        raise Failure(what + ("\n--- stderr ---\n" + err[-3000:] if err else ""))


def checkpoints(cwd):
    """The ids of the complete checkpoints in cwd/ck, and of those being written."""
    names = os.listdir(os.path.join(cwd, "ck")) if os.path.isdir(os.path.join(cwd, "ck")) else []
    done = sorted(int(n[5:]) for n in names if re.fullmatch(r"ckpt-\d{10}", n))
    tmp = sorted(int(n[5:15]) for n in names if re.fullmatch(r"ckpt-\d{10}\.tmp", n))
    return done, tmp


def ckpt_file(cwd, cid, name):
    return os.path.join(cwd, "ck", "ckpt-%010d" % cid, name)


def summary(err):
    """(checkpoints taken, the id restored from or None) of a run's summary."""
    m = SUMMARY.search(err)
    expect(m, "no checkpoint line in the summary", err)
    return int(m.group(1)), int(m.group(3)) if m.group(3) else None


class Suite:
    def __init__(self, env, base):
        self.env = env
        self.base = base
        self.inputs = [os.path.join(base, "events.csv")]
        write_events(self.inputs[0])
        self.prog = Program(env, base, "faults", PROGRAM, self.inputs)
        ref = self.prog.fresh("reference")
        err = self.prog.run_ok(ref, ["--no-restore"])
        self.reference = {s: self.read(ref, s) for s in SINKS}
        taken, restored = summary(err)
        # A checkpoint is begun 10 ms after the one before it is complete,
        # which takes a few fsyncs.
        expect(taken >= 8 and restored is None,
               "the uninterrupted run took %d checkpoints (restored from %s); this test needs "
               "at least 8" % (taken, restored), err)

    @staticmethod
    def read(cwd, name):
        with open(os.path.join(cwd, name), "rb") as f:
            return f.read()

    def same_output(self, cwd, what, reference=None, sinks=SINKS):
        reference = reference or self.reference
        for s in sinks:
            got = self.read(cwd, s)
            if got != reference[s]:
                n = next((i for i in range(min(len(got), len(reference[s])))
                          if got[i] != reference[s][i]), min(len(got), len(reference[s])))
                raise Failure("%s: %s differs from the uninterrupted run's (%d bytes, reference %d, "
                              "first difference at byte %d)" % (what, s, len(got), len(reference[s]), n))

    def killed_at(self, tag, n, prog=None):
        """A run directory whose run was killed (kill -9) just after its
        checkpoint n was renamed into place: checkpoints n-2, n-1 and n."""
        prog = prog or self.prog
        cwd = prog.fresh(tag)
        status, _, err = prog.run(cwd, fault="kill-after-rename@%d" % n)
        expect(status == -signal.SIGKILL, "kill-after-rename@%d: exit status %d, expected a kill" % (n, status),
               err)
        done, _ = checkpoints(cwd)
        expect(done and done[-1] == n, "kill-after-rename@%d left checkpoints %s" % (n, done), err)
        return cwd

    def resume(self, cwd, what, prog=None, reference=None, sinks=SINKS):
        """Restarts until a run is done; the output must be the reference's."""
        err = (prog or self.prog).run_ok(cwd)
        self.same_output(cwd, what, reference, sinks)
        return err

    # ---- (a) a damaged newest checkpoint -------------------------------------------------

    def test_corrupt_state(self):
        cwd = self.killed_at("corrupt_state", 4)
        path = ckpt_file(cwd, 4, "state")
        with open(path, "r+b") as f:
            data = bytearray(f.read())
            data[len(data) // 2] ^= 0x20
            f.seek(0)
            f.write(data)
        err = self.resume(cwd, "after a damaged state file")
        expect(re.search(r"warning: checkpoint 4 in ck is not usable: its state file is damaged.*"
                         r"trying the one before", err), "no warning naming checkpoint 4's state file", err)
        expect(summary(err)[1] == 3, "the run did not restore checkpoint 3", err)

    def test_truncated_manifest(self):
        cwd = self.killed_at("truncated_manifest", 4)
        path = ckpt_file(cwd, 4, "MANIFEST")
        os.truncate(path, os.path.getsize(path) // 2)
        err = self.resume(cwd, "after a manifest cut short")
        expect(re.search(r"warning: checkpoint 4 in ck is not usable: its manifest is incomplete", err),
               "no warning naming checkpoint 4's manifest", err)
        expect(summary(err)[1] == 3, "the run did not restore checkpoint 3", err)

    def test_all_damaged(self):
        cwd = self.killed_at("all_damaged", 3)
        for cid in checkpoints(cwd)[0]:
            os.unlink(ckpt_file(cwd, cid, "state"))
        status, _, err = self.prog.run(cwd)
        expect(status == 1 and "no usable checkpoint in ck; --no-restore starts over" in err,
               "every checkpoint damaged: exit status %d, expected 1 and 'no usable checkpoint'" % status, err)
        self.prog.run_ok(cwd, ["--no-restore"])
        self.same_output(cwd, "--no-restore after damaged checkpoints")

    # ---- (b) a checkpoint of a changed program ----------------------------------------------

    def test_changed_source(self):
        cwd = self.killed_at("changed_source", 3)
        changed = Program(self.env, self.base, "faults_changed",
                          PROGRAM.replace("v : int64", "v : int32"), self.inputs)
        # The changed program, run on the first one's checkpoint directory.
        status, _, err = changed.run(cwd)
        expect(status == 1 and re.search(r'checkpoint 3 in ck is of another program: it saved "[^"]*v int64'
                                         r'[^"]*" where this program has "[^"]*v int32', err),
               "a checkpoint of a changed schema: exit status %d, expected 1 and what differs" % status, err)
        err = changed.run_ok(cwd, ["--no-restore"])
        expect(summary(err)[1] is None, "--no-restore restored a checkpoint", err)
        self.same_output(cwd, "the changed program with --no-restore")

    def test_changed_windows(self):
        ref_prog = Program(self.env, self.base, "windowed", WINDOWED % WINDOWED_BASE, self.inputs)
        ref = ref_prog.fresh("reference")
        ref_prog.run_ok(ref, ["--no-restore"])
        for what, change, saved, has in WINDOWED_CHANGES:
            tag = what.replace(" ", "_").replace("'", "")
            cwd = self.killed_at("changed_" + tag, 3, ref_prog)
            changed = Program(self.env, self.base, "windowed_" + tag, WINDOWED % change, self.inputs)
            status, _, err = changed.run(cwd)
            expect(status == 1 and re.search(r'checkpoint 3 in ck is of another program: it saved "[^"]*%s[^"]*"'
                                             r' where this program has "[^"]*%s[^"]*"; --no-restore starts over'
                                             % (re.escape(saved), re.escape(has)), err),
                   "a checkpoint of the program before a change of %s: exit status %d, expected 1 and a "
                   "message quoting %r and %r" % (what, status, saved, has), err)
            changed.run_ok(cwd, ["--no-restore"])
        # And the unchanged one still resumes from its own.
        cwd = self.killed_at("windowed_resumed", 3, ref_prog)
        self.resume(cwd, "the windowed program", ref_prog, {"per_key.csv": self.read(ref, "per_key.csv")},
                    ["per_key.csv"])

    def test_changed_duration_param(self):
        prog = Program(self.env, self.base, "windowed_param", WINDOWED_PARAM, self.inputs)
        ref = prog.fresh("reference")
        prog.run_ok(ref, ["--no-restore"])
        cwd = self.killed_at("changed_duration_param", 3, prog)
        status, _, err = prog.run(cwd, ["--set", "size=20s"])
        expect(status == 1 and 'checkpoint 3 in ck is of another program: it saved "param size = '
               '10s" where this program has "param size = 20s"; --no-restore starts over' in err,
               "a restore with another --set of a duration param: exit status %d, expected 1 and "
               "a message naming the param and both values" % status, err)
        err = prog.run_ok(cwd, ["--set", "size=10000ms"])
        expect(summary(err)[1] == 3, "the same size in other units did not restore checkpoint 3", err)
        self.same_output(cwd, "the program with its duration param", {"per_key.csv": self.read(ref, "per_key.csv")},
                         ["per_key.csv"])

    # ---- (c) a full disk, a failing fsync while checkpointing ----------------------------------

    def test_checkpoint_write_faults(self):
        # Checkpoint 3 fails, the run goes on; the kill comes after the 5th
        # good one, checkpoint 6. A checkpoint fsyncs four times: its state,
        # its manifest, its directory, the checkpoint directory; the 9th
        # fsync is checkpoint 3's first.
        for fault, message in (("enospc@3", "No space left on device"), ("fsync@9", "Input/output error")):
            cwd = self.prog.fresh("fault_" + fault.replace("@", "_"))
            status, _, err = self.prog.run(cwd, fault="%s,kill-after-rename@5" % fault)
            expect(status == -signal.SIGKILL, "%s: exit status %d, expected the kill after checkpoint 6"
                   % (fault, status), err)
            expect(re.search(r"warning: checkpoint 3 failed \([^)]*ckpt-0000000003\.tmp: %s\); the previous one "
                             r"stays in use" % message, err), "%s: no warning for checkpoint 3" % fault, err)
            expect(err.count("warning:") == 1, "%s: more than one warning" % fault, err)
            expect(checkpoints(cwd) == ([4, 5, 6], []), "%s: checkpoints %s after the kill"
                   % (fault, checkpoints(cwd)), err)
            err = self.resume(cwd, "after %s and a kill" % fault)
            expect(summary(err)[1] == 6, "%s: the restart did not resume from checkpoint 6" % fault, err)

    def test_checkpoints_all_fail(self):
        """A disk full for good: every checkpoint of the restarted run fails,
        the previous run's stay as they were, and the run fails at its end
        when its final checkpoint does too; a restart without the fault
        resumes from the first run's last one."""
        cwd = self.killed_at("all_fail", 3)
        before = {n: self.read(cwd, os.path.join("ck", "ckpt-%010d" % n, "state")) for n in checkpoints(cwd)[0]}
        status, _, err = self.prog.run(cwd, fault="enospc")
        expect(status == 1 and "the final checkpoint failed" in err and "warning: checkpoint" in err,
               "enospc on every checkpoint: exit status %d, expected 1 after warnings" % status, err)
        expect(summary(err) == (0, 3), "enospc on every checkpoint: summary %s" % (summary(err),), err)
        after = {n: self.read(cwd, os.path.join("ck", "ckpt-%010d" % n, "state")) for n in checkpoints(cwd)[0]}
        expect(after == before, "the checkpoints of the first run changed: %s, were %s"
               % (sorted(after), sorted(before)))
        err = self.resume(cwd, "after a run whose checkpoints all failed")
        expect(summary(err)[1] == 3, "the restart did not resume from checkpoint 3", err)

    # ---- (d) kills while a checkpoint is written -------------------------------------------

    def test_kill_before_rename(self):
        cwd = self.prog.fresh("kill_before_rename")
        status, _, err = self.prog.run(cwd, fault="kill-before-rename@4")
        expect(status == -signal.SIGKILL, "kill-before-rename@4: exit status %d" % status, err)
        done, tmp = checkpoints(cwd)
        expect(done == [2, 3] and tmp == [4], "kill-before-rename@4 left %s and %s being written" % (done, tmp))
        err = self.resume(cwd, "after kill-before-rename")
        expect(summary(err)[1] == 3, "the restart did not resume from checkpoint 3", err)
        expect(not checkpoints(cwd)[1], "the half-written checkpoint 4 is still there", err)

    def test_kill_after_rename(self):
        cwd = self.killed_at("kill_after_rename", 4)
        expect(checkpoints(cwd) == ([2, 3, 4], []), "kill-after-rename@4 left %s" % (checkpoints(cwd),))
        err = self.resume(cwd, "after kill-after-rename")
        expect(summary(err)[1] == 4, "the restart did not resume from checkpoint 4", err)
        done, _ = checkpoints(cwd)
        expect(len(done) == 2, "the restarted run kept %s, not the newest 2" % done)

    def test_final_checkpoint_faults(self):
        """The final checkpoint, written by the run itself at its end, the
        only one with --checkpoint-every 1h: killed before its rename (the
        next start starts over), after it (the next start restores it and
        reads nothing more), or failing (exit 1, then a start over)."""
        once = ["--checkpoint-every", "1h"]
        for fault, status_want, restored in (("kill-before-rename@1", -signal.SIGKILL, None),
                                             ("kill-after-rename@1", -signal.SIGKILL, 1),
                                             ("enospc@1", 1, None), ("fsync@2", 1, None)):
            cwd = self.prog.fresh("final_" + fault.replace("@", "_"))
            status, _, err = self.prog.run(cwd, once, fault)
            expect(status == status_want, "%s on the final checkpoint: exit status %d, expected %d"
                   % (fault, status, status_want), err)
            if status == 1:
                expect("the final checkpoint failed" in err, "%s: no message on the final checkpoint" % fault, err)
            err = self.prog.run_ok(cwd, once)
            expect(summary(err)[1] == restored, "%s: the restart restored %s, expected %s"
                   % (fault, summary(err)[1], restored), err)
            self.same_output(cwd, "after %s on the final checkpoint" % fault)

    # ---- (e) a sink write fails -------------------------------------------------------------

    def test_sink_write(self):
        # Early (the 10th write, before any checkpoint or just after the
        # first) and later (the 300th, of several hundred in a run read one
        # record per poll, whose sinks write every linger: it restores one
        # and cuts the files back to it).
        for n in (10, 300):
            cwd = self.prog.fresh("sink_write_%d" % n)
            status, _, err = self.prog.run(cwd, fault="sink-write@%d" % n)
            expect(status == 1 and re.search(r"sink '(odd|big)': cannot write to (odd\.csv|big\.jsonl): "
                                             r"No space left on device", err),
                   "sink-write@%d: exit status %d, expected 1 and the sink's error" % (n, status), err)
            taken, _ = summary(err)
            expect(n < 100 or taken >= 1, "sink-write@%d came before any checkpoint" % n, err)
            # The writer of a checkpoint begun before the failure is stopped
            # by the run itself: no "checkpoint failed ... the next is taken
            # in" after the summary.
            expect("warning" not in err[err.index("failed after"):],
                   "sink-write@%d: a warning after the summary" % n, err)
            # A writer still busy when the run failed is killed; whether it
            # had renamed its checkpoint by then is a race.
            newest = (checkpoints(cwd)[0] or [None])[-1]
            err = self.resume(cwd, "after sink-write@%d" % n)
            expect(summary(err)[1] == newest, "sink-write@%d: the restart restored %s, not the newest "
                   "checkpoint %s" % (n, summary(err)[1], newest), err)

    def test_sink_fsync(self):
        cwd = self.prog.fresh("sink_fsync")
        status, _, err = self.prog.run(cwd, fault="sink-fsync@3,kill-after-rename@5")
        expect(status == -signal.SIGKILL and re.search(r"warning: checkpoint \d+ failed", err),
               "sink-fsync@3: exit status %d, expected a warning then the kill" % status, err)
        self.resume(cwd, "after a failed sink fsync")

    # ---- (f) SIGTERM, SIGINT -----------------------------------------------------------------

    def test_stop_signals(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            cwd = self.prog.fresh("stop_" + sig.name)
            restored = None
            # Two runs stopped, the first once its first checkpoint is there
            # (well into its input), the second soon after its start; a
            # third to the end.
            for run in (1, 2):
                proc = self.prog.start(cwd)
                deadline = time.monotonic() + RUN_TIMEOUT
                while proc.poll() is None and not checkpoints(cwd)[0] and time.monotonic() < deadline:
                    time.sleep(0.002)
                # On a loaded machine the run may not have set its handler
                # 30 ms after it started: the signal would kill it.
                while proc.poll() is None and not catches(proc.pid, sig) and time.monotonic() < deadline:
                    time.sleep(0.002)
                time.sleep(0.03)
                proc.send_signal(sig)
                status, _, err = Program.finish(proc)
                expect(status == 0, "%s: run %d: exit status %d, expected 0" % (sig.name, run, status), err)
                expect(": done after" not in err, "%s: run %d ended before the signal" % (sig.name, run), err)
                taken, restored_now = summary(err)
                expect(taken >= 1, "%s: run %d: no final checkpoint" % (sig.name, run), err)
                expect(restored_now == restored, "%s: run %d restored %s, expected %s"
                       % (sig.name, run, restored_now, restored), err)
                restored = checkpoints(cwd)[0][-1]
            err = self.resume(cwd, "after two runs stopped by " + sig.name)
            expect(summary(err)[1] == restored, "%s: the last run did not resume from the final checkpoint %d"
                   % (sig.name, restored), err)

    # ---- What is at-least-once, what is refused ----------------------------------------------

    def test_at_least_once(self):
        """stdout and a source's errors file after a kill -9: what the killed
        run wrote is the start of an uninterrupted run's, what the restarted
        run writes is its end (with no second CSV header), and nothing is
        missing between them. The errors file keeps the records' line
        numbers after the restart's seek."""
        good = self.inputs[0]
        bad = os.path.join(self.base, "events_bad.csv")
        if not os.path.exists(bad):
            write_bad_events(good, bad)
        prog = Program(self.env, self.base, "at_least_once", AT_LEAST_ONCE, [bad])
        ref = prog.fresh("reference")
        _, ref_out, _ = prog.run(ref, ["--no-restore"])
        ref_bad = self.read(ref, "bad.txt")
        expect(ref_out.count("\n") > 1000 and ref_bad.count(b"\n") == 2 * (EVENTS // 997),
               "the reference run: %d lines on stdout, %d in bad.txt" % (ref_out.count("\n"),
                                                                          ref_bad.count(b"\n")))
        header = ref_out[:ref_out.index("\n") + 1]
        # A kill after each of nine checkpoints: an errors file whose
        # buffer was not written out before a checkpoint loses the bad
        # records of that buffer in some of them, not all.
        for n in range(3, 12):
            cwd = prog.fresh("killed_%d" % n)
            status, out1, err = prog.run(cwd, fault="kill-after-rename@%d" % n)
            if status == 0 and n > 6 and ": done after" in err:
                break  # a run of fewer checkpoints: the later ones do not come either
            expect(status == -signal.SIGKILL, "kill-after-rename@%d: exit status %d" % (n, status), err)
            bad1 = self.read(cwd, "bad.txt")
            status, out2, err = prog.run(cwd)
            expect(status == 0 and summary(err)[1] == n, "the restart after checkpoint %d: exit status %d, "
                   "restored %s" % (n, status, summary(err)[1]), err)
            bad2 = self.read(cwd, "bad.txt")[len(bad1):]
            for what, ref_text, first, second in (("stdout", ref_out, out1, out2),
                                                  ("bad.txt", ref_bad, bad1, bad2)):
                expect(ref_text.startswith(first), "killed after checkpoint %d: %s of the killed run is not "
                       "the start of the reference's" % (n, what))
                expect(ref_text.endswith(second), "killed after checkpoint %d: %s of the restarted run is not "
                       "the end of the reference's" % (n, what))
                expect(len(first) + len(second) >= len(ref_text),
                       "killed after checkpoint %d: %s: %d bytes of the reference's are missing between the "
                       "killed run's and the restarted run's (%d + %d of %d)"
                       % (n, what, len(ref_text) - len(first) - len(second), len(first), len(second),
                          len(ref_text)))
            expect(not out2.startswith(header), "the restarted run wrote the CSV header again on stdout")
            self.same_output(cwd, "at_least_once", {"odd.csv": self.read(ref, "odd.csv")}, ["odd.csv"])

    def test_append_then_restart(self):
        """A run that finished, its input then grown: the next start restores
        the final checkpoint and reads only what was added; the outputs are
        those of one run over the whole file (a stateless program: the
        watermark at the end of time changes nothing)."""
        with open(self.inputs[0], "rb") as f:
            data = f.read()
        cut = data.index(b"\n", len(data) // 2) + 1
        cwd = self.prog.fresh("append")
        os.unlink(os.path.join(cwd, "events.csv"))
        with open(os.path.join(cwd, "events.csv"), "wb") as f:
            f.write(data[:cut])
        self.prog.run_ok(cwd)
        with open(os.path.join(cwd, "events.csv"), "ab") as f:
            f.write(data[cut:])
        err = self.prog.run_ok(cwd)
        expect(summary(err)[1] is not None, "the run after the append did not restore the final checkpoint", err)
        expect(re.search(r": done after .*: %d records read" % (data.count(b"\n") - 1), err),
               "the run after the append does not count every record of the file", err)
        self.same_output(cwd, "after an append to the input")

    def test_sink_file_cut(self):
        """A sink file shorter than its checkpoint says (removed or cut since):
        the run stops, exit 1, as its missing records cannot be written again."""
        cwd = self.killed_at("sink_file_cut", 4)
        os.truncate(os.path.join(cwd, "odd.csv"), 10)
        status, _, err = self.prog.run(cwd)
        expect(status == 1 and "cannot be cut back to the checkpoint" in err and "odd.csv" in err,
               "a sink file cut short: exit status %d, expected 1 naming it" % status, err)
        os.unlink(os.path.join(cwd, "odd.csv"))
        status, _, err = self.prog.run(cwd)
        expect(status == 1 and "odd.csv" in err, "a sink file removed: exit status %d, expected 1 naming it"
               % status, err)
        self.prog.run_ok(cwd, ["--no-restore"])
        self.same_output(cwd, "--no-restore after a sink file was cut")

    # ---- (g), (h) the directory ------------------------------------------------------------

    def test_two_runs(self):
        prog = Program(self.env, self.base, "endless", ENDLESS, [])
        cwd = prog.fresh("two_runs")
        first = prog.start(cwd)
        try:
            deadline = time.monotonic() + RUN_TIMEOUT
            while first.poll() is None and not checkpoints(cwd)[0] and time.monotonic() < deadline:
                time.sleep(0.01)
            status, _, err = prog.run(cwd)
            expect(status == 1 and "checkpoint directory ck is in use by another run" in err,
                   "a second run on the directory: exit status %d, expected 1 and 'in use'" % status, err)
            expect(first.poll() is None, "the first run ended")
        finally:
            first.send_signal(signal.SIGTERM)
            status, _, err = Program.finish(first)
        expect(status == 0, "the first run, stopped: exit status %d" % status, err)

    def test_no_restore(self):
        cwd = self.killed_at("no_restore", 5)
        # Without periodic checkpoints the run takes only the final one: the
        # old ones must be gone.
        err = self.prog.run_ok(cwd, ["--no-restore", "--checkpoint-every", "1h"])
        expect(summary(err) == (1, None), "--no-restore: summary %s" % (summary(err),), err)
        done, tmp = checkpoints(cwd)
        expect(len(done) == 1 and done[0] > 5 and not tmp, "--no-restore left checkpoints %s" % done)
        self.same_output(cwd, "--no-restore")
        err = self.prog.run_ok(cwd)
        expect(summary(err)[1] == done[0], "the next run did not resume from %d" % done[0], err)
        self.same_output(cwd, "a run after a complete one")

    # ---- (i), (j), (k) the compiler, the summary, the options ------------------------------------

    def test_stdin_refused(self):
        work = self.env.fresh_dir("checkpoint_faults/stdin")
        with open(os.path.join(work, "reads_stdin.flow"), "w") as f:
            f.write(STDIN_PROGRAM)
        status, _, err = self.env.flowc_run(["build", "reads_stdin.flow", "-o", "reads_stdin"], work,
                                            self.env.compiler_env())
        expect(status == 1 and re.search(r"reads_stdin\.flow:3:\d+: error: source 'input_rows' reads stdin", err),
               "a checkpointed program reading stdin: flowc exit status %d, expected 1 and an error naming "
               "the source" % status, err)
        expect(not os.path.exists(os.path.join(work, "reads_stdin")), "flowc built it anyway")

    def test_summary(self):
        cwd = self.killed_at("summary", 3)
        err = self.prog.run_ok(cwd, ["--stats=0.05"])
        self.same_output(cwd, "summary")
        expect(re.search(r"^faults: [\d.]+s read .* checkpoints \d+ last [\d.]+ms pause [\d.]+ms [\d.]+KiB$",
                         err, re.M), "no --stats line with the checkpoints", err)
        taken, restored = summary(err)
        expect(restored == 3 and taken >= 1, "summary: %d taken, restored from %s" % (taken, restored), err)
        expect(re.search(r"checkpoints \(ck\): \d+ taken, last [\d.]+ ms, [\d.]+ KiB, pause [\d.]+ ms "
                         r"\(max [\d.]+ ms\); restored from 3 in [\d.]+ ms$", err, re.M), "the summary's checkpoint line", err)

    def test_options(self):
        cwd = self.prog.fresh("options")
        status, out, err = self.prog.run(cwd, ["--help"])
        expect(status == 0, "--help: exit status %d" % status, err)
        for opt in ("--checkpoint-dir DIR", "--checkpoint-every D", "--checkpoint-keep K", "--no-restore"):
            expect(opt in out, "--help does not list %s:\n%s" % (opt, out))
        expect("(default: ck)" in out, "--help does not name the program's directory:\n" + out)
        for args in (["--checkpoint-every", "0"], ["--checkpoint-every", "soon"], ["--checkpoint-every"],
                     ["--checkpoint-keep", "x"], ["--checkpoint-keep", "0"], ["--checkpoint-keep=-1"],
                     ["--checkpoint-dir"], ["--no-restore=yes"]):
            status, _, err = self.prog.run(cwd, args)
            expect(status == 2 and "usage:" in err, "%s: exit status %d, expected 2 and the usage"
                   % (" ".join(args), status), err)
        expect(not os.path.exists(os.path.join(cwd, "odd.csv")), "a bad option still ran the program")
        # --checkpoint-dir and --checkpoint-keep taken.
        err = self.prog.run_ok(cwd, ["--checkpoint-dir", "elsewhere", "--checkpoint-keep=3"])
        expect(len([n for n in os.listdir(os.path.join(cwd, "elsewhere")) if n.startswith("ckpt-")]) == 3,
               "--checkpoint-keep=3 --checkpoint-dir elsewhere: %s" % os.listdir(os.path.join(cwd, "elsewhere")))
        expect("checkpoints (elsewhere):" in err, "the summary does not name --checkpoint-dir", err)
        self.prog.run_ok(cwd, ["--checkpoint-dir=deep/er/ck", "--no-restore"])
        expect(checkpoints(os.path.join(cwd, "deep", "er"))[0], "--checkpoint-dir=deep/er/ck: no checkpoint there")
        plain = Program(self.env, self.base, "plain", PLAIN_PROGRAM, self.inputs)
        pcwd = plain.fresh("run")
        status, out, _ = plain.run(pcwd, ["--help"])
        expect(status == 0 and "only for programs with `checkpoint every`" in out,
               "--help of a program without checkpoints:\n" + out)
        for args in (["--checkpoint-dir", "x"], ["--no-restore"]):
            status, _, err = plain.run(pcwd, args)
            expect(status == 2 and "does no checkpointing" in err,
                   "%s on a program without checkpoints: exit status %d, expected 2" % (" ".join(args), status),
                   err)


def main():
    ap = env_arguments(__doc__)
    ap.add_argument("--only", default=None, help="comma-separated test names (without test_)")
    args = ap.parse_args()
    env = Env(args)
    names = sorted(n[5:] for n in dir(Suite) if n.startswith("test_"))
    if args.only:
        unknown = set(args.only.split(",")) - set(names)
        if unknown:
            print("checkpoint_faults: no test %s (tests: %s)" % (", ".join(sorted(unknown)), ", ".join(names)),
                  file=sys.stderr)
            return 2
        names = [n for n in names if n in args.only.split(",")]
    base = env.fresh_dir("checkpoint_faults")
    try:
        suite = Suite(env, base)
    except Failure as e:
        print("FAIL checkpoint_faults: setting up\n%s" % e, file=sys.stderr)
        return 1
    failed = []
    for name in names:
        t0 = time.monotonic()
        try:
            getattr(suite, "test_" + name)()
        except (Failure, subprocess.TimeoutExpired) as e:
            failed.append(name)
            print("FAIL checkpoint_faults %s\n%s" % (name, e), file=sys.stderr, flush=True)
            continue
        print("  ok %s (%.1f s)" % (name, time.monotonic() - t0), flush=True)
    if failed:
        print("FAIL checkpoint_faults: %d of %d failed: %s" % (len(failed), len(names), ", ".join(failed)),
              file=sys.stderr)
        return 1
    print("ok checkpoint_faults: %d tests" % len(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
