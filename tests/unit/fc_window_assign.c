/* fc_window_assign.c: the window assigners that compiler/emit_window.c
 * generates (tumbling, sliding, session) at their boundaries, and an idle
 * input that must not hold the windows back. Each test takes a tiny program
 * through the compiler's passes (parse, check, plan, emit), builds the C as
 * the end-to-end tests do (the compiler that built the runtime, -Wall
 * -Wextra -Werror, the sanitizers under FLOW_SANITIZE, libflowrt.a of this
 * build tree), runs it on a small CSV and compares the exact rows it writes,
 * worked out by hand in a comment, and the summary's late count. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "arena.h"
#include "check.h"
#include "cwriter.h"
#include "diag.h"
#include "emit.h"
#include "parse.h"
#include "plan.h"

#define SANITIZE_FLAGS "-fsanitize=address,undefined", "-fno-omit-frame-pointer", \
                       "-fno-sanitize-recover=all"

/* ---- Files and processes -------------------------------------------------------- */

static char *path_in(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void write_text(const char *dir, const char *name, const char *text)
{
    char *p = path_in(dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    free(p);
}

static char *read_text(const char *dir, const char *name)
{
    char *p = path_in(dir, name);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    assert_non_null(m);
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, got, m);
    fclose(f);
    fclose(m);
    free(p);
    return text;
}

/* A fresh directory of the test's own under the work directory. */
static char *fresh_dir(const char *name)
{
    assert_true(mkdir(FLOW_TEST_WORK, 0777) == 0 || errno == EEXIST);
    char *dir = path_in(FLOW_TEST_WORK, name);
    assert_true(mkdir(dir, 0777) == 0 || errno == EEXIST);
    static const char *const leftovers[] = { "prog", "prog.c", "cc.txt", "out.csv", "err.txt",
                                             "in.csv", "busy.csv", "quiet.csv" };
    for (size_t i = 0; i < sizeof leftovers / sizeof *leftovers; i++) {
        char *p = path_in(dir, leftovers[i]);
        unlink(p);
        free(p);
    }
    return dir;
}

static int create(const char *dir, const char *name)
{
    char *p = path_in(dir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    assert_true(fd >= 0);
    free(p);
    return fd;
}

/* Starts argv in `dir` with stdout to `out_fd` and stderr to `err_fd`. */
static pid_t start(const char *dir, char *const argv[], int out_fd, int err_fd,
                   const char *fake_clock)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (chdir(dir) != 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
            _exit(126);
        if (fake_clock)
            setenv("FLOW_FAKE_CLOCK", fake_clock, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static int finish(pid_t pid)
{
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The program `src` as the executable `dir`/prog: emitted through the passes,
 * then compiled warning-free. */
static void build(const char *dir, const char *src)
{
    Arena *arena = arena_new();
    char *msgs = NULL;
    size_t msgs_len = 0;
    FILE *f = open_memstream(&msgs, &msgs_len);
    assert_non_null(f);
    Diag d;
    diag_init(&d, "t.flow", src, strlen(src), f);
    Program *prog = parse_program(arena, &d, src, strlen(src));
    bool checked = check_program(arena, &d, prog);
    char *c = NULL;
    if (checked) {
        Plan *plan = plan_build(arena, prog);
        CWriter w;
        cw_init(&w);
        EmitOptions opt = { .line_directives = false, .c_file = "prog.c", .embed = false };
        if (emit_program(&w, plan, &d, &opt))
            c = cw_finish(&w, opt.c_file);
        cw_free(&w);
    }
    fclose(f);
    if (!c)
        fprintf(stderr, "%s", msgs);
    assert_non_null(c);
    assert_string_equal(msgs, "");
    free(msgs);
    arena_free(arena);
    write_text(dir, "prog.c", c);
    free(c);

    char *const argv[] = { FLOW_TEST_CC, "-std=c11", "-O2", "-I" FLOW_TEST_INCLUDE,
                           "-Wall", "-Wextra", "-Werror",
#if FLOW_TEST_SANITIZE
                           SANITIZE_FLAGS,
#endif
                           "prog.c", "-o", "prog", FLOW_TEST_LIBFLOWRT, "-lm", NULL };
    int out = create(dir, "cc.txt");
    int status = finish(start(dir, argv, out, out, NULL));
    close(out);
    char *diags = read_text(dir, "cc.txt");
    if (status != 0 || diags[0])
        fprintf(stderr, "%s", diags);
    assert_int_equal(status, 0);
    assert_string_equal(diags, "");
    free(diags);
}

/* `part` of the summary line, e.g. ", 5 written, 2 late, 0 bad", must be
 * on stderr, and no sanitizer report. */
static void expect_summary(const char *err, const char *part)
{
    if (strstr(err, "runtime error:") || strstr(err, "Sanitizer"))
        fail_msg("sanitizer report:\n%s", err);
    if (!strstr(err, part))
        fail_msg("no '%s' in the summary:\n%s", part, err);
}

/* Builds `src`, runs it on in.csv = `input` and checks its stdout and the
 * two parts of its summary: records read, and the written, late and bad
 * counts. */
static void run_case(const char *name, const char *src, const char *input,
                     const char *expected, const char *read, const char *written)
{
    char *dir = fresh_dir(name);
    build(dir, src);
    write_text(dir, "in.csv", input);
    int out = create(dir, "out.csv"), err_fd = create(dir, "err.txt");
    char *const argv[] = { "./prog", NULL };
    int status = finish(start(dir, argv, out, err_fd, NULL));
    close(out);
    close(err_fd);
    char *got = read_text(dir, "out.csv"), *err = read_text(dir, "err.txt");
    if (status != 0)
        fail_msg("%s exited with %d:\n%s", name, status, err);
    assert_string_equal(got, expected);
    expect_summary(err, read);
    expect_summary(err, written);
    free(got);
    free(err);
    free(dir);
}

/* ---- Tumbling ------------------------------------------------------------------- */

#define SCHEMA "schema E { ts : timestamp, k : string, v : int32 }\n"
#define SOURCE(wm) SCHEMA "source es : E from file(\"in.csv\", format = csv) event time ts watermark " wm ";\n"
#define SINK "sink w to stdout(format = csv);\n"
#define T(s) "2024-03-01T00:00:" s

/* Tumbling 10s, watermark 0s: the watermark is max(ts) - 1ms and [0s, 10s)
 * fires when it reaches 9.999s.
 *  1 a 1s       [0s, 10s); watermark 0.999s
 *  2 a 9.999s   end - 1ms: in [0s, 10s); watermark 9.998s
 *  3 a 9.999s   the watermark 9.998s is 1ms short of end - 1ms: counts
 *  4 a 10s      [10s, 20s); watermark 9.999s: [0s, 10s) fires, 3 records, 1+2+4
 *  5 a 9.999s   the watermark is exactly at end - 1ms: late, dropped, counted
 *  6 a 10s      [10s, 20s), not late
 * End of input: [10s, 20s) fires with 8 + 32. */
static void test_tumbling_end_minus_1ms(void **state)
{
    (void)state;
    run_case("tumbling", SOURCE("0s")
             "stream w = es | key by k | window tumbling 10s | aggregate n = count(), total = sum(v);\n"
             SINK,
             "ts,k,v\n"
             T("01Z") ",a,1\n" T("09.999Z") ",a,2\n" T("09.999Z") ",a,4\n" T("10Z") ",a,8\n"
             T("09.999Z") ",a,16\n" T("10Z") ",a,32\n",
             "k,window_start,window_end,n,total\n"
             "a," T("00.000Z") "," T("10.000Z") ",3,7\n"
             "a," T("10.000Z") "," T("20.000Z") ",2,40\n",
             "6 records read (", ", 2 written, 1 late, 0 bad");
}

/* Tumbling 10s, lateness 5s, watermark 0s: [0s, 10s) fires at watermark
 * 9.999s and keeps its state until the watermark reaches 9.999s + 5s =
 * 14.999s; a record arriving before that updates the result at once.
 *  1 a 2s       [0s, 10s)
 *  2 a 10s      watermark 9.999s: [0s, 10s) fires (1 record, 1)
 *  3 a 14.999s  [10s, 20s); watermark 14.998s, 1ms short of the edge
 *  4 a 5s       within the lateness: [0s, 10s) updated at once (2 records, 1+8)
 *  5 a 15s      watermark 14.999s: [0s, 10s) is gone
 *  6 a 9.999s   late for [0s, 10s): dropped, counted
 * End of input: [10s, 20s) fires with 2 + 4 + 16. */
static void test_tumbling_lateness_edge(void **state)
{
    (void)state;
    run_case("tumbling_lateness", SOURCE("0s")
             "stream w = es | key by k | window tumbling 10s lateness 5s\n"
             "  | aggregate n = count(), total = sum(v);\n" SINK,
             "ts,k,v\n"
             T("02Z") ",a,1\n" T("10Z") ",a,2\n" T("14.999Z") ",a,4\n" T("05Z") ",a,8\n"
             T("15Z") ",a,16\n" T("09.999Z") ",a,32\n",
             "k,window_start,window_end,n,total\n"
             "a," T("00.000Z") "," T("10.000Z") ",1,1\n"
             "a," T("00.000Z") "," T("10.000Z") ",2,9\n"
             "a," T("10.000Z") "," T("20.000Z") ",3,22\n",
             "6 records read (", ", 3 written, 1 late, 0 bad");
}

/* ---- Sliding -------------------------------------------------------------------- */

/* Sliding 6s every 2s, watermark 0s: a record at t is in the SIZE/SLIDE = 3
 * windows starting at the multiples of 2s in (t - 6s, t]. Values are powers
 * of two, so each sum says which records a window holds.
 *  1 a 5.999s   [0s, 6s) (its first, as end - 1ms), [2s, 8s), [4s, 10s) (its last)
 *  2 a 6s       [2s, 8s), [4s, 10s), [6s, 12s); watermark 5.999s: [0s, 6s) fires (1)
 *  3 a 5.999s   [0s, 6s) has fired; counts in [2s, 8s) and [4s, 10s)
 *  4 a 8s       [4s, 10s), [6s, 12s), [8s, 14s); watermark 7.999s: [2s, 8s)
 *               fires (1+2+4)
 *  5 a 7.999s   [2s, 8s) has fired; counts in [4s, 10s) and [6s, 12s)
 *  6 a 10s      [6s, 12s), [8s, 14s), [10s, 16s); watermark 9.999s: [4s, 10s)
 *               fires (1+2+4+8+16)
 *  7 a 5.999s   its last window [4s, 10s) ended exactly at the watermark:
 *               late for all three, dropped, counted
 * End of input: [6s, 12s) 2+8+16+32, [8s, 14s) 8+32, [10s, 16s) 32. */
static void test_sliding_first_last_window(void **state)
{
    (void)state;
    run_case("sliding", SOURCE("0s")
             "stream w = es | key by k | window sliding 6s every 2s\n"
             "  | aggregate n = count(), total = sum(v);\n" SINK,
             "ts,k,v\n"
             T("05.999Z") ",a,1\n" T("06Z") ",a,2\n" T("05.999Z") ",a,4\n" T("08Z") ",a,8\n"
             T("07.999Z") ",a,16\n" T("10Z") ",a,32\n" T("05.999Z") ",a,64\n",
             "k,window_start,window_end,n,total\n"
             "a," T("00.000Z") "," T("06.000Z") ",1,1\n"
             "a," T("02.000Z") "," T("08.000Z") ",3,7\n"
             "a," T("04.000Z") "," T("10.000Z") ",5,31\n"
             "a," T("06.000Z") "," T("12.000Z") ",4,58\n"
             "a," T("08.000Z") "," T("14.000Z") ",2,40\n"
             "a," T("10.000Z") "," T("16.000Z") ",1,32\n",
             "7 records read (", ", 6 written, 1 late, 0 bad");
}

/* ---- Session -------------------------------------------------------------------- */

/* Session gap 10s, watermark 15s (max(ts) - 15.001s); each key's sessions
 * fire before the next key starts.
 *  a 0s, a 10s           exactly the gap apart: [0s, 10s) and [10s, 20s) do
 *                        not overlap, two sessions
 *  b 100s, b 109.999s    1ms less than the gap: one session [100s, 119.999s);
 *                        b 100s moves the watermark to 84.999s: both of a's fire
 *  c 200s, c 215s        two open sessions [200s, 210s) and [215s, 225s); c 200s
 *                        moves the watermark to 184.999s: b's fires
 *  c 207s                [207s, 217s) bridges them: [200s, 225s), 3 records,
 *                        16+32+64 (the watermark, 199.999s, fired neither)
 * End of input: c's merged session fires. */
static void test_session_gap_and_merge(void **state)
{
    (void)state;
    run_case("session", SOURCE("15s")
             "stream w = es | key by k | window session gap 10s\n"
             "  | aggregate n = count(), total = sum(v);\n" SINK,
             "ts,k,v\n"
             T("00Z") ",a,1\n" T("10Z") ",a,2\n"
             "2024-03-01T00:01:40Z,b,4\n2024-03-01T00:01:49.999Z,b,8\n"
             "2024-03-01T00:03:20Z,c,16\n2024-03-01T00:03:35Z,c,32\n"
             "2024-03-01T00:03:27Z,c,64\n",
             "k,window_start,window_end,n,total\n"
             "a," T("00.000Z") "," T("10.000Z") ",1,1\n"
             "a," T("10.000Z") "," T("20.000Z") ",1,2\n"
             "b,2024-03-01T00:01:40.000Z,2024-03-01T00:01:59.999Z,2,12\n"
             "c,2024-03-01T00:03:20.000Z,2024-03-01T00:03:45.000Z,3,112\n",
             "7 records read (", ", 4 written, 0 late, 0 bad");
}

/* Session gap 10s, lateness 30s, watermark 0s: a session fires at its end -
 * 1ms and is kept until end - 1ms + 30s.
 *  1 d 0s    [0s, 10s)
 *  2 d 12s   [12s, 22s); watermark 11.999s: [0s, 10s) fires (1)
 *  3 d 25s   [25s, 35s); watermark 24.999s: [12s, 22s) fires (2)
 *  4 d 5s    [5s, 15s) bridges the two fired sessions: [0s, 22s), whose end -
 *            1ms is behind the watermark: the updated result comes at once
 *            (3 records, 1+2+8)
 *  5 d 70s   watermark 69.999s: [25s, 35s) fires (4); [0s, 22s) is gone
 *            (kept to 51.999s)
 *  6 d 20s   [20s, 30s) would be kept to 59.999s, behind the watermark:
 *            late, dropped, counted
 * Key e bridges a fired session and an open one:
 *  7 e 100s  [100s, 110s); watermark 99.999s: d's [70s, 80s) fires (16)
 *  8 e 115s  [115s, 125s); watermark 114.999s: [100s, 110s) fires (64)
 *  9 e 108s  [108s, 118s) bridges them: [100s, 125s), whose end - 1ms the
 *            watermark has not reached: nothing comes out yet
 * 10 e 140s  watermark 139.999s: [100s, 125s) fires (3 records, 64+128+256)
 * End of input: [140s, 150s) fires (512). */
static void test_session_bridge_after_firing(void **state)
{
    (void)state;
    run_case("session_lateness", SOURCE("0s")
             "stream w = es | key by k | window session gap 10s lateness 30s\n"
             "  | aggregate n = count(), total = sum(v);\n" SINK,
             "ts,k,v\n"
             T("00Z") ",d,1\n" T("12Z") ",d,2\n" T("25Z") ",d,4\n" T("05Z") ",d,8\n"
             "2024-03-01T00:01:10Z,d,16\n" T("20Z") ",d,32\n"
             "2024-03-01T00:01:40Z,e,64\n2024-03-01T00:01:55Z,e,128\n"
             "2024-03-01T00:01:48Z,e,256\n2024-03-01T00:02:20Z,e,512\n",
             "k,window_start,window_end,n,total\n"
             "d," T("00.000Z") "," T("10.000Z") ",1,1\n"
             "d," T("12.000Z") "," T("22.000Z") ",1,2\n"
             "d," T("00.000Z") "," T("22.000Z") ",3,11\n"
             "d," T("25.000Z") "," T("35.000Z") ",1,4\n"
             "d,2024-03-01T00:01:10.000Z,2024-03-01T00:01:20.000Z,1,16\n"
             "e,2024-03-01T00:01:40.000Z,2024-03-01T00:01:50.000Z,1,64\n"
             "e,2024-03-01T00:01:40.000Z,2024-03-01T00:02:05.000Z,3,448\n"
             "e,2024-03-01T00:02:20.000Z,2024-03-01T00:02:30.000Z,1,512\n",
             "10 records read (", ", 8 written, 1 late, 0 bad");
}

/* ---- Idle inputs ---------------------------------------------------------------- */

/* Two event-time sources into one tumbling 10s window. `quiet` is a followed
 * file: it never ends, and after its one record (0s) it delivers nothing, so
 * its watermark stays at -0.001s. With `idle 1s` and the test clock
 * (FLOW_FAKE_CLOCK=0,100: 100ms per turn of a source) it is left out of the
 * minimum after ten turns without a record; `busy` (1s, 11s, 21s, 31s) ends,
 * its watermark goes to the end of time, and every window fires while the
 * program still runs: [0s, 10s) with 0s and 1s (1+2), then one window per
 * busy record. Without idle nothing would come out before the program is
 * stopped (SIGTERM, after the rows, fires nothing more). */
static void test_idle_input_does_not_hold_back(void **state)
{
    (void)state;
    char *dir = fresh_dir("idle");
    build(dir, SCHEMA
          "source quiet : E from file(\"quiet.csv\", format = csv, follow = true)\n"
          "  event time ts watermark 0s idle 1s;\n"
          "source busy : E from file(\"busy.csv\", format = csv) event time ts watermark 0s;\n"
          "stream w = quiet | union busy | window tumbling 10s\n"
          "  | aggregate n = count(), total = sum(v);\n" SINK);
    write_text(dir, "quiet.csv", "ts,k,v\n" T("00Z") ",q,1\n");
    write_text(dir, "busy.csv", "ts,k,v\n" T("01Z") ",b,2\n" T("11Z") ",b,4\n"
                                T("21Z") ",b,8\n" T("31Z") ",b,16\n");
    const char *expected = "window_start,window_end,n,total\n"
                           T("00.000Z") "," T("10.000Z") ",2,3\n"
                           T("10.000Z") "," T("20.000Z") ",1,4\n"
                           T("20.000Z") "," T("30.000Z") ",1,8\n"
                           T("30.000Z") "," T("40.000Z") ",1,16\n";

    int pipe_fd[2];
    assert_int_equal(pipe(pipe_fd), 0);
    int err_fd = create(dir, "err.txt");
    char *const argv[] = { "./prog", NULL };
    pid_t pid = start(dir, argv, pipe_fd[1], err_fd, "0,100");
    close(pipe_fd[1]);
    close(err_fd);

    /* Read until the expected rows are in, at most 10 s. */
    char got[1024];
    size_t len = 0;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long waited_ms = (now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000;
        if (len >= strlen(expected) || waited_ms >= 10000)
            break;
        struct pollfd p = { .fd = pipe_fd[0], .events = POLLIN };
        if (poll(&p, 1, (int)(10000 - waited_ms)) <= 0)
            break;
        ssize_t n = read(pipe_fd[0], got + len, sizeof got - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    got[len] = '\0';
    kill(pid, SIGTERM);
    int status = finish(pid);
    close(pipe_fd[0]);
    char *err = read_text(dir, "err.txt");
    assert_string_equal(got, expected);
    if (status != 0)
        fail_msg("stopped with status %d:\n%s", status, err);
    expect_summary(err, "5 records read (");
    expect_summary(err, ", 4 written, 0 late, 0 bad");
    free(err);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tumbling_end_minus_1ms),
        cmocka_unit_test(test_tumbling_lateness_edge),
        cmocka_unit_test(test_sliding_first_last_window),
        cmocka_unit_test(test_session_gap_and_merge),
        cmocka_unit_test(test_session_bridge_after_firing),
        cmocka_unit_test(test_idle_input_does_not_hold_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
