/* watermark.c: per-input watermarks and their minimum. */
#include "watermark.h"

#include <stdio.h>
#include <stdlib.h>

#include "flow/value.h"

void flowrt_watermarks_init(Watermarks *w, int ninputs)
{
    w->ninputs = ninputs;
    w->inputs = calloc(ninputs > 0 ? (size_t)ninputs : 1, sizeof *w->inputs);
    if (!w->inputs) {
        fprintf(stderr, "flow: out of memory (watermarks)\n");
        abort();
    }
    w->current = FLOW_TIME_MIN;
    w->changed = true;
    w->clock_bound = false;
    w->quiet_to = NULL;
}

void flowrt_watermarks_free(Watermarks *w)
{
    free(w->inputs);
    w->inputs = NULL;
}

void flowrt_watermarks_set_input(Watermarks *w, int i, bool event_time, int64_t delay_ms,
                                 int64_t idle_ms, int64_t now_ms)
{
    WatermarkInput *in = &w->inputs[i];
    in->event_time = event_time;
    in->finished = false;
    in->delay_ms = delay_ms;
    in->idle_ms = idle_ms;
    in->max_ts = FLOW_TIME_MIN;
    in->last_ts = FLOW_TIME_MIN;
    in->reported = false;
    in->last_record_ms = now_ms;
    flowrt_watermarks_changed(w);
    w->clock_bound |= !event_time || idle_ms > 0;
}

void flowrt_watermarks_active(Watermarks *w, int i, int64_t now_ms)
{
    w->inputs[i].last_record_ms = now_ms;
}

void flowrt_watermarks_finish(Watermarks *w, int i)
{
    w->inputs[i].finished = true;
    flowrt_watermarks_changed(w);
}

int64_t flowrt_watermarks_input(const Watermarks *w, int i, int64_t now_ms)
{
    const WatermarkInput *in = &w->inputs[i];
    if (in->finished)
        return FLOW_TIME_MAX;
    /* A record stamped now is not late: like an event-time input without
     * delay, the watermark is 1ms behind the newest time. */
    if (!in->event_time)
        return now_ms == FLOW_TIME_MIN ? now_ms : now_ms - 1;
    if (in->reported)
        return in->reported_wm;
    return flowrt_watermark_after(in->max_ts, in->delay_ms);
}

void flowrt_watermarks_report(Watermarks *w, int i, int64_t wm)
{
    WatermarkInput *in = &w->inputs[i];
    if (in->reported && in->reported_wm == wm)
        return;
    in->reported = true;
    in->reported_wm = wm;
    flowrt_watermarks_changed(w);
}

int64_t flowrt_watermarks_recompute(Watermarks *w, int64_t now_ms)
{
    w->changed = false;
    int64_t min = FLOW_TIME_MAX;
    bool any = false;
    for (int i = 0; i < w->ninputs; i++) {
        const WatermarkInput *in = &w->inputs[i];
        if (!in->finished && in->idle_ms > 0 && now_ms - in->last_record_ms >= in->idle_ms)
            continue;
        int64_t wm = flowrt_watermarks_input(w, i, now_ms);
        if (wm < min)
            min = wm;
        any = true;
    }
    /* With every input idle, time stands still rather than jumping ahead. */
    if (any && min > w->current)
        w->current = min;
    return w->current;
}
