/* stats.c: the --stats line and the summary. */
#include "stats.h"

#include <errno.h>
#include <stdio.h>

#include "flow/codec.h"
#include "kv.h"
#include "table.h"

int64_t flowrt_stats_records_read(const FlowRuntime *rt)
{
    int64_t n = 0;
    for (int i = 0; i < rt->nsources; i++)
        n += rt->sources[i]->records;
    return n;
}

int64_t flowrt_stats_records_written(const FlowRuntime *rt)
{
    int64_t n = 0;
    for (int i = 0; i < rt->nsinks; i++)
        n += rt->sinks[i]->written;
    return n;
}

void flowrt_stats_print_line(FlowRuntime *rt, double elapsed, double since_last,
                             int64_t read_since_last)
{
    char wm[FLOW_TIMESTAMP_MAX + 8];
    int64_t w = watermarks_current(&rt->watermarks, rt->now_ms);
    if (w == FLOW_TIME_MIN)
        snprintf(wm, sizeof wm, "-");
    else if (w == FLOW_TIME_MAX)
        snprintf(wm, sizeof wm, "end");
    else
        flow_format_timestamp(wm, w);
    /* Sinks write synchronously, so time blocked in write(2) is the time the
     * sources were held back by the output (backpressure). */
    double blocked = 0;
    for (int i = 0; i < rt->noutputs; i++)
        blocked += (double)rt->outputs[i]->blocked_ns / 1e9;
    char ckpt[160] = "";
    const Checkpoints *c = &rt->ckpt;
    if (c->on && !c->selftest)
        snprintf(ckpt, sizeof ckpt, " checkpoints %lld last %.1fms pause %.3fms %.1fKiB",
                 (long long)c->taken, c->last_seconds * 1e3, c->last_pause_seconds * 1e3,
                 (double)c->last_bytes / 1024);
    char latency[128];
    flowrt_latency_describe(&rt->latency_interval, latency, sizeof latency);
    flowrt_latency_reset(&rt->latency_interval);
    fprintf(stderr,
            "%s: %.1fs read %lld (%.0f/s) written %lld bad %lld watermark %s "
            "output-blocked %.0f%% latency %s%s\n",
            rt->prog->name, elapsed, (long long)flowrt_stats_records_read(rt),
            since_last > 0 ? (double)read_since_last / since_last : 0.0,
            (long long)flowrt_stats_records_written(rt), (long long)rt->bad_total, wm,
            elapsed > 0 ? 100.0 * blocked / elapsed : 0.0, latency, ckpt);
}

void flowrt_stats_print_summary(FlowRuntime *rt, double elapsed, bool interrupted)
{
    int64_t read = flowrt_stats_records_read(rt);
    /* A closed output stops the run early, as a signal does. */
    const char *how = rt->failed ? "failed" : interrupted || rt->output_closed ? "stopped" : "done";
    fprintf(stderr, "%s: %s after %.3f s: %lld records read (%.0f records/s), "
                    "%lld written, %lld late, %lld bad\n",
            rt->prog->name, how, elapsed,
            (long long)read, elapsed > 0 ? (double)read / elapsed : 0.0,
            (long long)flowrt_stats_records_written(rt), (long long)rt->late,
                                                    (long long)rt->bad_total);
    for (int i = 0; i < rt->nsources; i++) {
        const Source *s = rt->sources[i];
        fprintf(stderr, "  source %s (%s): %lld read, %lld bad\n", s->def->name, s->label,
                (long long)s->records, (long long)s->bad);
    }
    flowrt_tables_print_summary(rt);
    for (int i = 0; i < rt->nsinks; i++) {
        const FlowSink *k = rt->sinks[i];
        char bad[48] = "";
        if (k->out->bad)
            snprintf(bad, sizeof bad, ", %lld bad", (long long)k->out->bad);
        fprintf(stderr, "  sink %s (%s): %lld written%s%s\n", k->def->stream,
                flowrt_sink_label(k), (long long)k->written, bad,
                k->out->error == EPIPE ? ", output closed by reader" : "");
    }
    if (rt->stats) {
        char latency[128];
        flowrt_latency_describe(&rt->latency, latency, sizeof latency);
        fprintf(stderr, "  latency, arrival to write (%lld records): %s\n",
                (long long)rt->latency.n, latency);
    }
    char ckpt[1024];
    flowrt_ckpt_describe(rt, ckpt, sizeof ckpt);
    fputs(ckpt, stderr);
    flowrt_kv_describe(rt, ckpt, sizeof ckpt);
    fputs(ckpt, stderr);
}
