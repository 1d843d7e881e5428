/* watermark.h: event-time progress of the program (LANGUAGE.md §6.1). One
 * input per source. An event-time input's watermark is max(ts seen) - delay
 * - 1ms, moved record by record, so it depends only on the input order; a
 * source of several streams may report the minimum of theirs instead
 * (kafka: one per partition). A processing-time input's is the wall clock -
 * 1ms (records are stamped with the wall clock, so none is late when it
 * arrives); a finished bounded input's is FLOW_TIME_MAX. The program
 * watermark is the minimum over the inputs that are not idle (no record for
 * `idle` ms of wall-clock time), and never goes back. The timers of
 * stateful operators (timer.h) fire as it passes them. */
#ifndef FLOWRT_WATERMARK_H
#define FLOWRT_WATERMARK_H

#include <stdbool.h>
#include <stdint.h>

#include "flow/value.h"

typedef struct WatermarkInput {
    bool event_time;
    bool finished;
    int64_t delay_ms;
    int64_t idle_ms;       /* 0: never idle */
    int64_t max_ts;        /* FLOW_TIME_MIN until the first record */
    int64_t last_record_ms; /* wall clock of the last record (idleness) */
    int64_t last_ts;       /* event time of the newest record observed */
    /* A source of several streams (kafka partitions) works out its own
     * watermark, the minimum of theirs, and reports it: then that is the
     * input's (flowrt_watermarks_report). */
    bool reported;
    int64_t reported_wm;
} WatermarkInput;

typedef struct Watermarks {
    WatermarkInput *inputs;
    int ninputs;
    int64_t current;       /* last program watermark handed out */
    /* Whether `current` must be worked out again: an input moved, or the
     * watermark depends on the wall clock (a processing-time input, or an
     * input that can go idle). Otherwise asking for it is one test, which
     * matters as it is asked after every record. */
    bool changed;
    bool clock_bound;
    int64_t *quiet_to;     /* the run's FlowRuntimeHead.quiet_to, reset when `changed` is set */
} Watermarks;

/* `current` must be worked out again, and the current source's next record
 * must see to it. */
static inline void flowrt_watermarks_changed(Watermarks *w)
{
    w->changed = true;
    if (w->quiet_to)
        *w->quiet_to = FLOW_TIME_MIN;
}

void flowrt_watermarks_init(Watermarks *w, int ninputs);
void flowrt_watermarks_free(Watermarks *w);
/* Declares input i; `now_ms` starts its idleness clock. */
void flowrt_watermarks_set_input(Watermarks *w, int i, bool event_time, int64_t delay_ms,
                                 int64_t idle_ms, int64_t now_ms);
/* A record with event time ts arrived on input i. Inline, as it runs for
 * every record. */
static inline void flowrt_watermarks_observe(Watermarks *w, int i, int64_t ts)
{
    WatermarkInput *in = &w->inputs[i];
    in->last_ts = ts;
    if (ts > in->max_ts) {
        in->max_ts = ts;
        w->changed = true;
    }
}
/* The watermark of an event-time stream whose newest time is max_ts:
 * max_ts - delay - 1ms, saturating at the bottom of the range. */
static inline int64_t flowrt_watermark_after(int64_t max_ts, int64_t delay_ms)
{
    if (max_ts < FLOW_TIME_MIN + delay_ms + 1)
        return FLOW_TIME_MIN;
    return max_ts - delay_ms - 1;
}
/* Input i's source worked out the input's watermark itself: wm from now on. */
void flowrt_watermarks_report(Watermarks *w, int i, int64_t wm);
/* Input i delivered records at wall-clock time now_ms (it is not idle). */
void flowrt_watermarks_active(Watermarks *w, int i, int64_t now_ms);
/* Input i is a bounded input that has ended. */
void flowrt_watermarks_finish(Watermarks *w, int i);
/* The watermark of input i alone, at wall-clock time now_ms. */
int64_t flowrt_watermarks_input(const Watermarks *w, int i, int64_t now_ms);
/* The program watermark at wall-clock time now_ms: watermarks_current
 * works it out again only when it can have moved. */
int64_t flowrt_watermarks_recompute(Watermarks *w, int64_t now_ms);
static inline int64_t watermarks_current(Watermarks *w, int64_t now_ms)
{
    if (!w->changed && !w->clock_bound)
        return w->current;
    return flowrt_watermarks_recompute(w, now_ms);
}

#endif
