/* two_runs.c: runs of one embedded program at the same time on several
 * threads (two_runs.flow, built with `flowc emit --embed`), each with its
 * own control (flow_run_with), input, outputs and --set params. Checks that
 * two runs at once write exactly what the same runs write one after the
 * other; that a stop request stops only the run it is made to; that SIGINT
 * stops every run and the host's handler is back afterwards; and that
 * flow_run refuses a second run under the program's own control. Built
 * with the test suite, and under ThreadSanitizer by tests/run_all.sh.
 * Usage: two_runs WORKDIR */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <flow/host.h>

FLOW_EMBEDDED_PROGRAM(two_runs);

/* Records per input: enough for two runs to overlap for a while. */
#define RECORDS 60000

static const char *workdir;
static int failures;

#define CHECK(cond, ...)                                       \
    do {                                                       \
        if (!(cond)) {                                         \
            fprintf(stderr, "two_runs: %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                      \
            fputc('\n', stderr);                               \
            failures++;                                        \
        }                                                      \
    } while (0)

static char *path(const char *name)
{
    size_t n = strlen(workdir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", workdir, name);
    return p;
}

static char *read_all(const char *file)
{
    FILE *f = fopen(file, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    fclose(f);
    return s;
}

/* RECORDS readings in event-time order, different for each `seed`. */
static void write_input(const char *file, int seed)
{
    FILE *f = fopen(file, "w");
    fputs("sensor,level,at\n", f);
    for (int i = 0; i < RECORDS; i++)
        fprintf(f, "s%d,%d,%lld\n", (i * seed) % 7, (i * 37 + seed) % 100,
                1700000000000LL + (long long)i * 7);
    fclose(f);
}

/* One run: its command line, its control, and what it gave. */
typedef struct Run {
    const char *name;
    char *argv[16];
    int argc;
    char *sets[6];              /* the --set values, owned */
    char *rows, *windows;       /* its output files, owned */
    FlowControl *control;
    pthread_barrier_t *start;   /* NULL: start at once */
    int status;
    FlowSummary summary;
} Run;

/* A run of input NAME.csv with threshold and tag set, writing
 * NAME-SUFFIX-rows.csv and NAME-SUFFIX-windows.csv. */
static void run_init(Run *r, const char *name, const char *suffix, int threshold, bool follow)
{
    char text[256];
    memset(r, 0, sizeof *r);
    r->name = name;
    snprintf(text, sizeof text, "%s-%s-rows.csv", name, suffix);
    r->rows = path(text);
    snprintf(text, sizeof text, "%s-%s-windows.csv", name, suffix);
    r->windows = path(text);
    r->argv[r->argc++] = "two_runs";
    r->argv[r->argc++] = "--quiet";
    for (int i = 0; i < 6; i++) {
        switch (i) {
        case 0: snprintf(text, sizeof text, "input=%s/%s.csv", workdir, name); break;
        case 1: snprintf(text, sizeof text, "rows_out=%s", r->rows); break;
        case 2: snprintf(text, sizeof text, "windows_out=%s", r->windows); break;
        case 3: snprintf(text, sizeof text, "threshold=%d", threshold); break;
        case 4: snprintf(text, sizeof text, "tag=%s", name); break;
        default: snprintf(text, sizeof text, "follow=%s", follow ? "true" : "false"); break;
        }
        r->sets[i] = strdup(text);
        r->argv[r->argc++] = "--set";
        r->argv[r->argc++] = r->sets[i];
    }
    r->control = flow_control_new();
}

static void run_free(Run *r)
{
    for (int i = 0; i < 6; i++)
        free(r->sets[i]);
    free(r->rows);
    free(r->windows);
    flow_control_destroy(r->control);
}

static void *run_thread(void *arg)
{
    Run *r = arg;
    if (r->start)
        pthread_barrier_wait(r->start);
    r->status = flow_run_with(flow_two_runs_program(), r->control, r->argc, r->argv);
    flow_control_summary(r->control, &r->summary);
    return NULL;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Waits until the run under `control` (NULL: the program's own, of
 * flow_run) has read all its input (a followed file then waits for more);
 * false after 60 s. */
static bool wait_read_all(const FlowControl *control)
{
    FlowSummary s;
    for (int waited = 0; waited < 60000; waited++) {
        if (control)
            flow_control_summary(control, &s);
        else
            flow_two_runs_summary(&s);
        if (s.running && s.records_read == RECORDS)
            return true;
        sleep_ms(1);
    }
    return false;
}

static void check_same_file(const char *a, const char *b)
{
    char *x = read_all(a), *y = read_all(b);
    CHECK(x && y, "%s or %s is missing", a, b);
    if (x && y)
        CHECK(strcmp(x, y) == 0, "%s and %s differ", a, b);
    CHECK(x && strlen(x) > 1000, "%s is (nearly) empty", a);
    free(x);
    free(y);
}

/* Two runs at once give the bytes and counters of the same runs one after
 * the other. */
static void test_at_once_as_one_after_the_other(void)
{
    Run seq[2], par[2];
    run_init(&seq[0], "a", "seq", 20, false);
    run_init(&seq[1], "b", "seq", 70, false);
    run_init(&par[0], "a", "par", 20, false);
    run_init(&par[1], "b", "par", 70, false);
    for (int i = 0; i < 2; i++)
        run_thread(&seq[i]);

    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, 2);
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) {
        par[i].start = &start;
        pthread_create(&threads[i], NULL, run_thread, &par[i]);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&start);

    for (int i = 0; i < 2; i++) {
        CHECK(seq[i].status == 0 && par[i].status == 0, "run %s: status %d and %d",
              seq[i].name, seq[i].status, par[i].status);
        CHECK(!par[i].summary.running, "run %s still running", par[i].name);
        CHECK(par[i].summary.records_read == RECORDS, "run %s read %lld", par[i].name,
              (long long)par[i].summary.records_read);
        CHECK(par[i].summary.records_written == seq[i].summary.records_written,
              "run %s wrote %lld at once, %lld alone", par[i].name,
              (long long)par[i].summary.records_written,
              (long long)seq[i].summary.records_written);
        check_same_file(seq[i].rows, par[i].rows);
        check_same_file(seq[i].windows, par[i].windows);
    }
    /* The params differed, so the outputs must too. */
    char *a = read_all(seq[0].rows), *b = read_all(seq[1].rows);
    CHECK(a && b && strcmp(a, b) != 0, "runs a and b wrote the same rows");
    CHECK(a && strstr(a, ",a-s") && !strstr(a, ",b-s"), "run a's rows carry another tag");
    /* Each run matched with the pattern of its own tag param. */
    CHECK(a && b && strstr(a, ",#/s") && strstr(b, ",#/s") && !strstr(a, "a/s") && !strstr(b, "b/s"),
          "a run's regexp_replace did not use its own pattern");
    free(a);
    free(b);
    for (int i = 0; i < 2; i++) {
        run_free(&seq[i]);
        run_free(&par[i]);
    }
}

/* Starts two endless runs (followed inputs) and waits until both have read
 * all there is. */
static void start_followed(Run r[2], pthread_t threads[2], const char *suffix)
{
    run_init(&r[0], "a", suffix, 20, true);
    run_init(&r[1], "b", suffix, 70, true);
    for (int i = 0; i < 2; i++)
        pthread_create(&threads[i], NULL, run_thread, &r[i]);
    CHECK(wait_read_all(r[0].control) && wait_read_all(r[1].control),
          "the followed runs did not read it all");
}

/* Of two endless runs, stopping one leaves the other running. */
static void test_stop_one(void)
{
    Run r[2];
    pthread_t threads[2];
    start_followed(r, threads, "stop");

    flow_control_stop(r[0].control);
    pthread_join(threads[0], NULL);
    CHECK(r[0].status == 0 && !r[0].summary.running, "stopped run a: status %d", r[0].status);
    sleep_ms(100);
    FlowSummary s;
    flow_control_summary(r[1].control, &s);
    CHECK(s.running, "stopping run a stopped run b");

    flow_control_stop(r[1].control);
    pthread_join(threads[1], NULL);
    CHECK(r[1].status == 0, "stopped run b: status %d", r[1].status);
    for (int i = 0; i < 2; i++)
        run_free(&r[i]);
}

static volatile sig_atomic_t host_sigints;

static void host_on_sigint(int sig)
{
    (void)sig;
    host_sigints++;
}

/* SIGINT stops every run in progress, and the host's handler is back once
 * the last run has returned. */
static void test_signal_stops_all(void)
{
    struct sigaction host, now;
    memset(&host, 0, sizeof host);
    sigemptyset(&host.sa_mask);
    host.sa_handler = host_on_sigint;
    sigaction(SIGINT, &host, NULL);

    Run r[2];
    pthread_t threads[2];
    start_followed(r, threads, "sig");
    kill(getpid(), SIGINT);
    for (int i = 0; i < 2; i++) {
        pthread_join(threads[i], NULL);
        CHECK(r[i].status == 0, "run %s after SIGINT: status %d", r[i].name, r[i].status);
        run_free(&r[i]);
    }
    sigaction(SIGINT, NULL, &now);
    CHECK(now.sa_handler == host_on_sigint, "the host's SIGINT handler is not back");
    CHECK(host_sigints == 0, "the host's handler saw the runs' SIGINT");

    /* A later run does not see the old signal. */
    Run late;
    run_init(&late, "a", "late", 20, false);
    run_thread(&late);
    CHECK(late.status == 0 && late.summary.records_read == RECORDS,
          "a run after SIGINT read %lld", (long long)late.summary.records_read);
    run_free(&late);
}

/* flow_run uses the program's own control: one run at a time. */
static void *flow_run_thread(void *arg)
{
    Run *r = arg;
    r->status = flow_two_runs_run(r->argc, r->argv);
    return NULL;
}

static void test_flow_run_once_at_a_time(void)
{
    Run r, second;
    pthread_t thread;
    run_init(&r, "a", "own", 20, true);
    run_init(&second, "b", "own", 70, false);
    pthread_create(&thread, NULL, flow_run_thread, &r);
    CHECK(wait_read_all(NULL), "flow_run did not read it all");
    CHECK(flow_two_runs_run(second.argc, second.argv) == 2,
          "a second flow_run of the program did not fail");
    flow_two_runs_stop();
    pthread_join(thread, NULL);
    CHECK(r.status == 0, "flow_run stopped: status %d", r.status);
    run_free(&r);
    run_free(&second);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: two_runs WORKDIR\n");
        return 2;
    }
    workdir = argv[1];
    mkdir(workdir, 0755);
    char *a = path("a.csv"), *b = path("b.csv");
    write_input(a, 3);
    write_input(b, 5);
    free(a);
    free(b);
    test_at_once_as_one_after_the_other();
    test_stop_one();
    test_signal_stops_all();
    test_flow_run_once_at_a_time();
    if (failures == 0)
        printf("two_runs: ok\n");
    return failures == 0 ? 0 : 1;
}
