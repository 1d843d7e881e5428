/* read_order.c: the sources a round of the read loop polls. */
#include "read_order.h"

#include "flow/state.h"
#include "flow/value.h"

void flowrt_read_order_init(ReadOrder *ro, int64_t lead_ms)
{
    ro->lead_ms = lead_ms;
    ro->lowest = FLOW_TIME_MIN;
    ro->stalled = 0;
    ro->held = false;
}

static bool is_idle(const WatermarkInput *in, int64_t now_ms)
{
    return !in->finished && in->idle_ms > 0 && now_ms - in->last_record_ms >= in->idle_ms;
}

/* Whether input i takes part in the bound: it is read in event time, is
 * active and has not ended. */
static bool bounded(const Watermarks *w, const bool *done, int i, int64_t now_ms)
{
    const WatermarkInput *in = &w->inputs[i];
    return !done[i] && in->event_time && !is_idle(in, now_ms);
}

static int allow_all(ReadOrder *ro, const Watermarks *w, const bool *done, bool *allowed)
{
    for (int i = 0; i < w->ninputs; i++)
        allowed[i] = !done[i];
    ro->held = false;
    ro->stalled = 0;
    return 0;
}

int flowrt_read_order_next(ReadOrder *ro, const Watermarks *w, const bool *done, int64_t now_ms,
                           bool progressed, bool *allowed)
{
    if (ro->held && !progressed)
        return allow_all(ro, w, done, allowed);
    int64_t lowest = FLOW_TIME_MAX;
    for (int i = 0; i < w->ninputs; i++)
        if (bounded(w, done, i, now_ms) && flowrt_watermarks_input(w, i, now_ms) < lowest)
            lowest = flowrt_watermarks_input(w, i, now_ms);
    if (lowest != ro->lowest) {
        ro->lowest = lowest;
        ro->stalled = 0;
    } else if (ro->held && ++ro->stalled >= STALL_ROUNDS) {
        return allow_all(ro, w, done, allowed);
    }
    /* An input without a record yet has the lowest watermark there is: the
     * others wait for its first records (or until it proves quiet). */
    int64_t bound = lowest == FLOW_TIME_MIN ? FLOW_TIME_MIN : flow_time_add(lowest, ro->lead_ms);
    int held = 0;
    for (int i = 0; i < w->ninputs; i++) {
        allowed[i] = !done[i] &&
                     (!bounded(w, done, i, now_ms) || flowrt_watermarks_input(w, i,
                                                                              now_ms) <= bound);
        held += !done[i] && !allowed[i];
    }
    ro->held = held > 0;
    return held;
}
