/* main.c: flow_main, the life of a generated program: command line, params,
 * connectors, the read loop, signals, stop requests, the summary, the exit
 * status; and the embedding calls around it (flow/program.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "read_order.h"
#include "rt.h"
#include "stats.h"
#include "table.h"

/* How long the loop sleeps when no source has anything to read. */
#define IDLE_SLEEP_MS 10

static volatile sig_atomic_t stop_signal;
/* The control of the program this thread runs: a host may run different
 * programs on different threads. */
static _Thread_local FlowControl *running_control;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

bool flowrt_runtime_stop_requested(void)
{
    return stop_signal != 0 ||
           (running_control && atomic_load_explicit(&running_control->stop, memory_order_relaxed));
}

void flow_request_stop(const FlowProgram *prog)
{
    if (prog->control)
        atomic_store(&prog->control->stop, 1);
}

void flow_get_summary(const FlowProgram *prog, FlowSummary *out)
{
    memset(out, 0, sizeof *out);
    const FlowControl *c = prog->control;
    if (!c)
        return;
    out->running = atomic_load(&c->running) != 0;
    out->records_read = atomic_load(&c->read);
    out->records_written = atomic_load(&c->written);
    out->records_bad = atomic_load(&c->bad);
    out->records_late = atomic_load(&c->late);
}

/* Makes the counters visible to flow_get_summary on other threads. */
static void publish_counters(FlowRuntime *rt)
{
    atomic_store(&rt->control->read, flowrt_stats_records_read(rt));
    atomic_store(&rt->control->written, flowrt_stats_records_written(rt));
    atomic_store(&rt->control->bad, rt->bad_total);
    atomic_store(&rt->control->late, rt->late);
}

typedef struct SavedSignals {
    struct sigaction intr, term, pipe;
} SavedSignals;

/* SIGINT/SIGTERM set a flag, without SA_RESTART so a blocked read(2) returns
 * and the loop sees it; SA_RESETHAND makes a second one kill the program
 * at once. SIGPIPE is ignored so that a closed output is a write error. */
static void install_signals(SavedSignals *saved)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESETHAND;
    stop_signal = 0;
    sigaction(SIGINT, &sa, &saved->intr);
    sigaction(SIGTERM, &sa, &saved->term);
    sa.sa_handler = SIG_IGN;
    sa.sa_flags = 0;
    sigaction(SIGPIPE, &sa, &saved->pipe);
}

static void restore_signals(const SavedSignals *saved)
{
    sigaction(SIGINT, &saved->intr, NULL);
    sigaction(SIGTERM, &saved->term, NULL);
    sigaction(SIGPIPE, &saved->pipe, NULL);
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
        rt->sources[i] = flowrt_source_open(def, i, &rt->params, &err);
        if (!rt->sources[i])
            break;
        rt->nsources++;
        flowrt_watermarks_set_input(&rt->watermarks, i, def->event_time_field >= 0,
                                    def->watermark_delay_ms, def->idle_ms, rt->now_ms);
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
    int remaining = rt->nsources;
    bool *done = calloc((size_t)rt->nsources + 1, sizeof *done);
    bool *allowed = calloc((size_t)rt->nsources + 1, sizeof *allowed);
    if (!done || !allowed) {
        flowrt_runtime_fail(rt, "out of memory");
        remaining = 0;
    }
    ReadOrder order;
    flowrt_read_order_init(&order, READ_AHEAD_MS);
    bool progressed = true;
    while (remaining > 0 && !rt->failed && !rt->output_closed &&
           !flowrt_runtime_stop_requested()) {
        int64_t read_before = flowrt_stats_records_read(rt);
        for (int i = 0; i < rt->nsources; i++)
            done[i] = rt->sources[i]->done;
        /* The clock as the last turn read it: under the test clock every
         * tick is one turn of a source (FLOW_FAKE_CLOCK). */
        int held = flowrt_read_order_next(&order, &rt->watermarks, done, rt->now_ms, progressed,
                                          allowed);
        for (int i = 0; i < rt->nsources && !rt->failed && !flowrt_runtime_stop_requested(); i++) {
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
            if (!stop_signal && !rt->failed)
                flowrt_runtime_advance(rt);
            flowrt_sinks_linger(rt);
        }
        flowrt_sinks_check(rt);
        publish_counters(rt);
        progressed = flowrt_stats_records_read(rt) > read_before;
        /* A round that held sources back and read nothing is followed at
         * once by one that polls them all. */
        if (!progressed && held == 0 && remaining > 0 && !rt->failed && !rt->output_closed &&
            !flowrt_runtime_stop_requested()) {
            /* Nothing to read now (followed files, rate limits): make what
             * was produced visible, then wait a little. */
            flowrt_sinks_flush(rt);
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

int flow_main(const FlowProgram *prog, int argc, char **argv)
{
    CliOptions opts;
    int status = flowrt_cli_parse(prog, argc, argv, &opts);
    if (status >= 0)
        return status;
    const char **texts = calloc((size_t)prog->nparams + 1, sizeof *texts);
    const char **names = calloc((size_t)prog->nparams + 1, sizeof *names);
    if (!texts || !names) {
        fprintf(stderr, "%s: out of memory\n", prog->name);
        return 1;
    }
    status = flowrt_params_apply(prog, &opts, texts);
    if (status >= 0) {
        free(texts);
        free(names);
        flowrt_cli_free(&opts);
        return status;
    }
    for (int i = 0; i < prog->nparams; i++)
        names[i] = prog->params[i].name;

    FlowRuntime rt;
    flowrt_runtime_init(&rt, prog);
    rt.params = (ParamValues){ prog->nparams, names, texts };
    FlowControl own_control;
    memset(&own_control, 0, sizeof own_control);
    rt.control = prog->control ? prog->control : &own_control;
    atomic_store(&rt.control->read, 0);
    atomic_store(&rt.control->written, 0);
    atomic_store(&rt.control->bad, 0);
    atomic_store(&rt.control->late, 0);
    atomic_store(&rt.control->running, 1);
    running_control = rt.control;
    SavedSignals saved;
    install_signals(&saved);
    double started = flowrt_runtime_seconds();
    /* Tables first: the streams start with every table complete, and a
     * table that cannot be read stops the program before any sink is
     * opened. */
    bool opened = flowrt_tables_load(&rt, opts.stats_seconds > 0) && open_connectors(&rt);
    if (opened)
        run(&rt, &opts, started);
    bool interrupted = flowrt_runtime_stop_requested();
    /* The summary counts what the sinks wrote, so it comes after the sinks
     * are flushed; it needs them open, so it comes before they close. */
    flowrt_sinks_flush(&rt);
    flowrt_sinks_check(&rt);
    publish_counters(&rt);
    if (opened && !opts.quiet)
        flowrt_stats_print_summary(&rt, flowrt_runtime_seconds() - started, interrupted);
    close_connectors(&rt);
    flowrt_tables_free(&rt);
    restore_signals(&saved);
    /* A request that arrived during this run has been served; one made
     * from now on is for the next run. */
    running_control = NULL;
    atomic_store(&rt.control->stop, 0);
    atomic_store(&rt.control->running, 0);
    status = rt.failed ? 1 : 0;
    flowrt_runtime_free(&rt);
    free(texts);
    free(names);
    flowrt_cli_free(&opts);
    return status;
}

int flow_run(const FlowProgram *prog, int argc, char **argv)
{
    return flow_main(prog, argc, argv);
}
