/* runtime.c: the FlowRuntime and the calls of flow/runtime.h that are not
 * about sinks or bad records. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kv.h"
#include "parallel.h"
#include "rt.h"
#include "sink.h"

void flowrt_runtime_bind_operators(FlowRuntime *rt)
{
    rt->head.operators = rt->timers.hot;
    for (int i = 0; i < rt->timers.nops; i++)
        rt->timers.hot[i].panes.rt = rt;
}

int64_t flowrt_duration_param(const FlowRuntime *rt, const char *name, int64_t literal)
{
    const FlowProgram *prog = rt->prog;
    for (int i = 0; name && i < prog->nparams; i++)
        if (strcmp(prog->params[i].name, name) == 0)
            return *(const int64_t *)(const void *)((const char *)rt->head.params +
                                                    prog->params[i].offset);
    return literal;
}

void flowrt_runtime_init(FlowRuntime *rt, const FlowProgram *prog)
{
    memset(rt, 0, sizeof *rt);
    rt->prog = prog;
    flowrt_scratch_init(&rt->scratch);
    flowrt_watermarks_init(&rt->watermarks, prog->nsources);
    rt->head.quiet_to = FLOW_TIME_MIN;
    rt->watermarks.quiet_to = &rt->head.quiet_to;
    flowrt_timers_init(&rt->timers, prog->operators, prog->noperators);
    flowrt_runtime_bind_operators(rt);
    rt->batch = RUNTIME_BATCH;
    flowrt_read_order_init(&rt->order, READ_AHEAD_MS);
    rt->progressed = true;
    rt->ckpt.lock_fd = rt->ckpt.child_pipe = -1;
    rt->now_ms = FLOW_TIME_MIN;
    const char *fake = getenv("FLOW_FAKE_CLOCK");
    int64_t start, step;
    if (fake && sscanf(fake, "%" SCNd64 ",%" SCNd64, &start, &step) == 2 && step > 0) {
        rt->fake_clock_next = start;
        rt->fake_clock_step = step;
        rt->batch = 1;
    }
    /* Tests: FLOW_BATCH=N reads N records per poll, as the checkpoint
     * self-test (one) does, so that a program with several sources
     * interleaves them the same way in both runs it compares. */
    const char *batch = getenv("FLOW_BATCH");
    if (batch && atoi(batch) >= 1 && atoi(batch) <= RUNTIME_BATCH)
        rt->batch = atoi(batch);
    flowrt_runtime_tick(rt);
}

void flowrt_runtime_free(FlowRuntime *rt)
{
    if (rt->regexes_free)
        rt->regexes_free(rt);
    flowrt_scratch_free(&rt->scratch);
    flowrt_watermarks_free(&rt->watermarks);
    flowrt_timers_free(&rt->timers);
    flowrt_kv_close(rt); /* after the timers released its spaces */
}

void flowrt_runtime_tick(FlowRuntime *rt)
{
    int64_t now;
    if (rt->fake_clock_step > 0) {
        now = rt->fake_clock_next;
        rt->fake_clock_next = flow_time_add(now, rt->fake_clock_step);
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    /* A wall clock set back must not stamp records behind the watermark
     * (they would be late the moment they arrive). */
    if (now > rt->now_ms)
        rt->now_ms = now;
    flowrt_runtime_arrived(rt);
}

int64_t flowrt_runtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double flowrt_runtime_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void flowrt_runtime_fail(FlowRuntime *rt, const char *fmt, ...)
{
    if (!rt->failed) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "%s: ", rt->prog->name);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
    rt->failed = true;
}

void *flow_scratch_alloc(FlowRuntime *rt, size_t size)
{
    return flowrt_scratch_alloc(&rt->scratch, size);
}

int64_t flow_now_ms(FlowRuntime *rt)
{
    return rt->now_ms;
}

/* Up to when the current source's records change nothing (FlowRuntimeHead.
 * quiet_to): its newest time, once the watermark is settled (worked out, not
 * bound to the clock) and no timer is due; what unsettles it later resets it
 * (flowrt_watermarks_changed, flow_timer_set, a record of another source,
 * a Kafka record, whose source reads each record's time). */
static int64_t quiet_to(const FlowRuntime *rt)
{
    const Watermarks *w = &rt->watermarks;
    const Timers *t = &rt->timers;
    if (!rt->current || w->changed || w->clock_bound || t->advancing ||
        t->earliest <= t->watermark)
        return FLOW_TIME_MIN;
    return w->inputs[rt->current->index].max_ts;
}

void flow_watermark_observe(FlowRuntime *rt, int64_t ts)
{
    if (rt->current)
        flowrt_watermarks_observe(&rt->watermarks, rt->current->index, ts);
    flowrt_runtime_advance(rt);
    rt->head.quiet_to = quiet_to(rt);
}

void flowrt_runtime_advance(FlowRuntime *rt)
{
    if (rt->timers.nops == 0)
        return;
    int64_t wm = watermarks_current(&rt->watermarks, rt->now_ms);
    /* With workers, the operators are theirs: the watermark goes to them
     * with the records (parallel.c). */
    if (rt->head.exchange) {
        if (wm > rt->exchange_wm) {
            rt->exchange_wm = wm;
            rt->exchange_wm_arrival_ns = rt->arrival_ns;
        }
        return;
    }
    flowrt_timers_advance(&rt->timers, rt, wm);
}

void flowrt_runtime_quiet(FlowRuntime *rt)
{
    flowrt_parallel_settle(rt);
    flowrt_sinks_flush(rt);
}

FlowTable *flow_state_table(FlowRuntime *rt, int op)
{
    return &rt->timers.ops[op].table;
}

void flow_timer_set(FlowRuntime *rt, int op, int64_t time, void *item)
{
    flowrt_timers_set(&rt->timers, op, time, item);
    /* Due at the next advance (flowrt_timers_advance), which the next record
     * must then make. */
    if (rt->timers.earliest <= rt->timers.watermark)
        rt->head.quiet_to = FLOW_TIME_MIN;
}

void flow_late_record(FlowRuntime *rt)
{
    rt->late++;
}

int64_t flow_watermark(FlowRuntime *rt)
{
    return watermarks_current(&rt->watermarks, rt->now_ms);
}

FlowSink *flow_sink(FlowRuntime *rt, int index)
{
    return rt->sinks[index];
}
