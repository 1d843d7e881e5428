/* main.c: one run of a generated program: command line, params,
 * connectors, the read loop, signals, stop requests, the summary, the exit
 * status; the ABI check before it, and the host calls around it (flow_main
 * of flow/program.h, flow/host.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "kv.h"
#include "metrics.h"
#include "parallel.h"
#include "rt.h"
#include "samefile.h"
#include "stats.h"
#include "table.h"

/* How long the loop sleeps when no source has anything to read. */
#define IDLE_SLEEP_MS 10

/* SIGINT and SIGTERM stop every run in progress. A handler may touch
 * nothing but a volatile sig_atomic_t or a lock-free atomic (C17 7.14.1.1),
 * and cannot know which runs there are: so it counts the signals in this one
 * variable, the only process-wide one that libflowrt writes outside a lock
 * and only the handler writes, and each run compares the count with the one
 * it saw when it started. A count rather than a flag: nobody could reset a
 * flag without losing a signal that another run has not seen yet, and a run
 * that starts later must not see an old one. An atomic rather than a
 * volatile sig_atomic_t: the runs read it on other threads than the one the
 * signal interrupts, which only an atomic makes well-defined. */
static atomic_uint stop_signals;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the signal handler needs a lock-free atomic_uint");

static void on_stop_signal(int sig)
{
    (void)sig;
    atomic_fetch_add_explicit(&stop_signals, 1, memory_order_relaxed);
}

bool flowrt_run_stop_requested(const FlowRuntime *rt)
{
    return atomic_load_explicit(&stop_signals, memory_order_relaxed) != rt->signals_at_start ||
           atomic_load_explicit(&rt->control->stop, memory_order_relaxed);
}

void flow_control_stop(FlowControl *control)
{
    atomic_store(&control->stop, 1);
}

void flow_control_set_parallelism(FlowControl *control, int n)
{
    atomic_store(&control->parallelism, n < 0 ? 0 : n);
}

void flow_control_summary(const FlowControl *c, FlowSummary *out)
{
    memset(out, 0, sizeof *out);
    out->running = atomic_load(&c->running) != 0;
    out->records_read = atomic_load(&c->read);
    out->records_written = atomic_load(&c->written);
    out->records_bad = atomic_load(&c->bad);
    out->records_late = atomic_load(&c->late);
}

FlowControl *flow_control_new(void)
{
    FlowControl *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    atomic_init(&c->stop, 0);
    atomic_init(&c->running, 0);
    atomic_init(&c->read, 0);
    atomic_init(&c->written, 0);
    atomic_init(&c->bad, 0);
    atomic_init(&c->late, 0);
    atomic_init(&c->parallelism, 0);
    return c;
}

void flow_control_destroy(FlowControl *control)
{
    free(control);
}

/* Whether libflowrt can read `prog` at all: the program was compiled
 * against the headers of this library's ABI. Only abi_version and name may
 * be read before this says yes (flow/program.h). */
static bool abi_matches(const FlowProgram *prog)
{
    return prog->abi_version == FLOW_ABI_VERSION;
}

void flow_request_stop(const FlowProgram *prog)
{
    if (abi_matches(prog) && prog->control)
        flow_control_stop(prog->control);
}

void flow_get_summary(const FlowProgram *prog, FlowSummary *out)
{
    if (abi_matches(prog) && prog->control)
        flow_control_summary(prog->control, out);
    else
        memset(out, 0, sizeof *out);
}

/* Makes the counters visible to flow_control_summary on other threads. */
static void publish_counters(FlowRuntime *rt)
{
    atomic_store(&rt->control->read, flowrt_stats_records_read(rt));
    atomic_store(&rt->control->written, flowrt_stats_records_written(rt));
    atomic_store(&rt->control->bad, rt->bad_total + flowrt_parallel_bad(rt));
    atomic_store(&rt->control->late, rt->late + flowrt_parallel_late(rt));
    flowrt_metrics_publish(rt);
}

typedef struct SavedSignals {
    struct sigaction intr, term, pipe;
} SavedSignals;

/* Signal dispositions belong to the process, not to a run: the first run to
 * start installs the handlers and keeps the host's, the last one to end puts
 * them back. A spin lock rather than a mutex: it guards a few sigaction
 * calls at the start and end of a run, and libflowrt links nothing but libm
 * (flowc build, flowrt.pc). */
static atomic_flag handlers_lock = ATOMIC_FLAG_INIT;
static int runs_in_progress;        /* under handlers_lock */
static SavedSignals host_handlers;  /* under handlers_lock; valid while runs_in_progress > 0 */

static void lock_handlers(void)
{
    while (atomic_flag_test_and_set_explicit(&handlers_lock, memory_order_acquire))
        ;
}

static void unlock_handlers(void)
{
    atomic_flag_clear_explicit(&handlers_lock, memory_order_release);
}

/* SIGINT/SIGTERM count a stop signal, without SA_RESTART so a blocked
 * read(2) returns and the loop sees it; SA_RESETHAND makes a second one kill
 * the program at once. SIGPIPE is ignored so that a closed output is a write
 * error. Every run that starts installs them again, as SA_RESETHAND may have
 * taken them away since the first. Returns the signal count the run starts
 * from. */
static unsigned install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESETHAND;
    lock_handlers();
    SavedSignals *saved = runs_in_progress++ == 0 ? &host_handlers : NULL;
    sigaction(SIGINT, &sa, saved ? &saved->intr : NULL);
    sigaction(SIGTERM, &sa, saved ? &saved->term : NULL);
    sa.sa_handler = SIG_IGN;
    sa.sa_flags = 0;
    sigaction(SIGPIPE, &sa, saved ? &saved->pipe : NULL);
    unsigned count = atomic_load(&stop_signals);
    unlock_handlers();
    return count;
}

static void restore_signals(void)
{
    lock_handlers();
    if (--runs_in_progress == 0) {
        sigaction(SIGINT, &host_handlers.intr, NULL);
        sigaction(SIGTERM, &host_handlers.term, NULL);
        sigaction(SIGPIPE, &host_handlers.pipe, NULL);
    }
    unlock_handlers();
}

static void sleep_ms(int ms)
{
    struct timespec ts = { 0, (long)ms * 1000000L };
    nanosleep(&ts, NULL); /* a signal cuts it short, which is what we want */
}

static bool open_connectors(FlowRuntime *rt)
{
    const FlowProgram *prog = rt->prog;
    rt->sources = calloc((size_t)prog->nsources + 1, sizeof *rt->sources);
    if (!rt->sources) {
        flowrt_runtime_fail(rt, "out of memory");
        return false;
    }
    char *err = NULL;
    /* Sources first: a missing CSV column or unreadable input stops the
     * program before any sink has written a header or truncated a file. */
    for (int i = 0; i < prog->nsources; i++) {
        const FlowSourceDef *def = &prog->sources[i];
        rt->sources[i] = flowrt_source_open(rt, def, i, &rt->params, &err);
        if (!rt->sources[i])
            break;
        rt->nsources++;
        flowrt_watermarks_set_input(
            &rt->watermarks, i, def->event_time_field >= 0,
            flowrt_duration_param(rt, def->watermark_param, def->watermark_delay_ms),
            flowrt_duration_param(rt, def->idle_param, def->idle_ms), rt->now_ms);
    }
    if (!err)
        flowrt_sinks_open(rt, &err);
    if (err) {
        flowrt_runtime_fail(rt, "%s", err);
        free(err);
        return false;
    }
    return true;
}

/* Polls the sources round-robin, a batch each, until all are done, the
 * program failed, a sink's reader went away, or a signal asked it to stop.
 * A round skips the sources read too far ahead of the others in event time
 * (read_order.h). After every poll the sinks write out what has waited its
 * linger, so results leave promptly whatever the input rate. */
static void run(FlowRuntime *rt, const CliOptions *opts, double started)
{
    double last_stats = started;
    int64_t read_at_last_stats = 0;
    bool *done = calloc((size_t)rt->nsources + 1, sizeof *done);
    bool *allowed = calloc((size_t)rt->nsources + 1, sizeof *allowed);
    int remaining = 0;
    for (int i = 0; i < rt->nsources; i++)
        remaining += !rt->sources[i]->done;
    if (!done || !allowed) {
        flowrt_runtime_fail(rt, "out of memory");
        remaining = 0;
    }
    /* A checkpointed program stops only between two rounds, after the
     * watermark has moved as it would have, so that its last checkpoint
     * resumes exactly where an uninterrupted run would go on. */
    bool stop_in_round = !rt->ckpt.on;
    while (remaining > 0 && !rt->failed && !rt->output_closed && !flowrt_run_stop_requested(rt)) {
        int64_t read_before = flowrt_stats_records_read(rt);
        for (int i = 0; i < rt->nsources; i++)
            done[i] = rt->sources[i]->done;
        /* The clock as the last turn read it: under the test clock every
         * tick is one turn of a source (FLOW_FAKE_CLOCK). */
        int held = flowrt_read_order_next(&rt->order, &rt->watermarks, done, rt->now_ms,
                                          rt->progressed, allowed);
        for (int i = 0; i < rt->nsources && !rt->failed &&
                        !(stop_in_round && flowrt_run_stop_requested(rt));
             i++) {
            Source *src = rt->sources[i];
            if (src->done || !allowed[i])
                continue;
            flowrt_runtime_tick(rt);
            int64_t before = src->records;
            SourceStatus st = src->ops->poll(src, rt, rt->batch);
            if (src->records > before)
                flowrt_watermarks_active(&rt->watermarks, i, rt->now_ms);
            if (st == SOURCE_DONE) {
                src->done = true;
                flowrt_watermarks_finish(&rt->watermarks, i);
                remaining--;
            }
            rt->current = NULL;
            /* Idle inputs and ended ones move the watermark without a
             * record; the last bounded input to end makes it +infinity and
             * every window fires. */
            if (!(stop_in_round && flowrt_run_stop_requested(rt)) && !rt->failed)
                flowrt_runtime_advance(rt);
            flowrt_parallel_round(rt);
            flowrt_sinks_linger(rt);
        }
        flowrt_sinks_check(rt);
        /* Changelog tables take their news between rounds, never while a
         * record is on its way (docs/kafka.md, "Tables"). */
        flowrt_tables_poll(rt);
        publish_counters(rt);
        flowrt_tables_refresh(rt, opts->stats_seconds > 0);
        rt->progressed = flowrt_stats_records_read(rt) > read_before;
        flowrt_ckpt_round(rt);
        /* A round that held sources back and read nothing is followed at
         * once by one that polls them all. */
        if (!rt->progressed && held == 0 && remaining > 0 && !rt->failed && !rt->output_closed &&
            !flowrt_run_stop_requested(rt)) {
            /* Nothing to read now (followed files, rate limits): make what
             * was produced visible, then wait a little. */
            flowrt_runtime_quiet(rt);
            sleep_ms(IDLE_SLEEP_MS);
        }
        if (opts->stats_seconds > 0) {
            double now = flowrt_runtime_seconds();
            if (now - last_stats >= opts->stats_seconds) {
                int64_t read = flowrt_stats_records_read(rt);
                flowrt_runtime_tick(rt);
                flowrt_stats_print_line(rt, now - started, now - last_stats,
                                        read - read_at_last_stats);
                last_stats = now;
                read_at_last_stats = read;
            }
        }
    }
    free(done);
    free(allowed);
}

static void close_connectors(FlowRuntime *rt)
{
    flowrt_sinks_close(rt);
    for (int i = 0; i < rt->nsources; i++)
        flowrt_source_close(rt->sources[i]);
    free(rt->sources);
    rt->sources = NULL;
    rt->nsources = 0;
}

/* Takes `c` for a run: false when another run has it. The counters start
 * again from zero; a stop request made before is kept for this run. */
static bool acquire_control(FlowControl *c)
{
    int idle = 0;
    if (!atomic_compare_exchange_strong(&c->running, &idle, 1))
        return false;
    atomic_store(&c->read, 0);
    atomic_store(&c->written, 0);
    atomic_store(&c->bad, 0);
    atomic_store(&c->late, 0);
    return true;
}

/* Gives `c` back at the end of a run. A request that arrived during the run
 * has been served; one made from now on is for the next run. */
static void release_control(FlowControl *c)
{
    atomic_store(&c->stop, 0);
    atomic_store(&c->running, 0);
}

/* One run of `prog` on this thread, under `control` (NULL: nobody outside
 * can stop it or read its counters). Everything it uses is its own: the
 * runtime, the params block, the connectors; it shares only the signal
 * handlers with other runs. */
static int run_program(const FlowProgram *prog, FlowControl *control, int argc, char **argv)
{
    if (!abi_matches(prog)) {
        fprintf(stderr,
                "%s: this program was compiled for libflowrt ABI %d but is linked with ABI %d; "
                "rebuild it with this flowc\n",
                prog->name, prog->abi_version, FLOW_ABI_VERSION);
        return 2;
    }
    CliOptions opts;
    int status = flowrt_cli_parse(prog, argc, argv, &opts);
    if (status >= 0)
        return status;
    const char **texts = calloc((size_t)prog->nparams + 1, sizeof *texts);
    const char **names = calloc((size_t)prog->nparams + 1, sizeof *names);
    void *params = calloc(1, prog->params_size + 1);
    if (!texts || !names || !params) {
        fprintf(stderr, "%s: out of memory\n", prog->name);
        status = 1;
        goto out;
    }
    status = flowrt_params_apply(prog, &opts, texts, params);
    if (status >= 0)
        goto out;
    for (int i = 0; i < prog->nparams; i++)
        names[i] = prog->params[i].name;
    FlowControl own_control;
    if (!control) {
        memset(&own_control, 0, sizeof own_control);
        control = &own_control;
    }
    if (!acquire_control(control)) {
        fprintf(stderr, "%s: a run under this control is in progress; a run at the same "
                        "time needs a control of its own (flow_run_with)\n", prog->name);
        status = 2;
        goto out;
    }

    FlowRuntime rt;
    flowrt_runtime_init(&rt, prog);
    rt.head.params = params;
    rt.params = (ParamValues){ prog->nparams, names, texts };
    rt.control = control;
    rt.stats = opts.stats_seconds > 0;
    rt.signals_at_start = install_signals();
    double started = flowrt_runtime_seconds();
    /* A sink that would write a file another connector uses stops the
     * program before any is opened. Then tables: the streams start with
     * every table complete, and a table that cannot be read stops the
     * program before any sink is opened. Before all of them, the regular
     * expressions are compiled: a bad pattern from a param stops the run;
     * and first of all the metrics endpoint binds its port. */
    bool opened = flowrt_metrics_start(&rt, opts.metrics_addr, started) &&
                  (!prog->regex_setup || prog->regex_setup(&rt, prog->regexes, prog->nregexes)) &&
                  flowrt_check_same_files(&rt) && flowrt_ckpt_open(&rt, &opts) &&
                  flowrt_parallel_plan(&rt, opts.parallelism, opts.stats_seconds > 0) &&
                  flowrt_kv_open(&rt, &opts, flowrt_ckpt_restore_store(&rt)) &&
                  flowrt_tables_load(&rt, opts.stats_seconds > 0) && open_connectors(&rt) &&
                  flowrt_parallel_start(&rt, opts.stats_seconds > 0) &&
                  flowrt_ckpt_restore(&rt) && flowrt_parallel_launch(&rt);
    if (opened)
        run(&rt, &opts, started);
    /* The workers finish what was read before anything is drained. */
    flowrt_parallel_finish(&rt);
    bool interrupted = flowrt_run_stop_requested(&rt);
    /* Stopped by a signal or done: a last checkpoint, from which the next
     * start goes on (docs/checkpoints.md). */
    if (opened && !rt.output_closed)
        flowrt_ckpt_final(&rt);
    flowrt_parallel_free(&rt);
    /* The summary counts what the sinks wrote, so it comes after the sinks
     * are drained; it needs them open, so it comes before they close. */
    flowrt_sinks_drain(&rt);
    flowrt_sinks_check(&rt);
    publish_counters(&rt);
    if (opened && !opts.quiet)
        flowrt_stats_print_summary(&rt, flowrt_runtime_seconds() - started, interrupted);
    flowrt_metrics_stop(&rt);
    close_connectors(&rt);
    flowrt_ckpt_close(&rt);
    flowrt_tables_free(&rt);
    restore_signals();
    release_control(control);
    status = rt.failed ? 1 : 0;
    flowrt_runtime_free(&rt);
out:
    free(texts);
    free(names);
    free(params);
    flowrt_cli_free(&opts);
    return status;
}

int flow_main(const FlowProgram *prog, int argc, char **argv)
{
    return run_program(prog, prog->control, argc, argv);
}

int flow_run(const FlowProgram *prog, int argc, char **argv)
{
    return flow_main(prog, argc, argv);
}

int flow_run_with(const FlowProgram *prog, FlowControl *control, int argc, char **argv)
{
    return run_program(prog, control, argc, argv);
}
