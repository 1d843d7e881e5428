/* timer.h: the event-time timers and the state tables of a program's
 * stateful operators (flow/state.h describes the contract). Operators are
 * kept in the topological order the program declares them in; each has a
 * min-heap of timers ordered by (time, order set), a watermark of its own and
 * a FlowTable. flowrt_timers_advance is the one place timers fire. */
#ifndef FLOWRT_TIMER_H
#define FLOWRT_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "flow/state.h"

typedef struct Timer {
    int64_t time;
    uint64_t seq;          /* the order timers were set: ties fire in it */
    void *item;
} Timer;

typedef struct OperatorTimers {
    const FlowOperatorDef *def;
    Timer *heap;
    int64_t n, cap;
    FlowTable table;
    FlowJoinRows join;     /* interval joins */
    int64_t hold;          /* FlowOperatorDef.hold at the last round, or 0 */
} OperatorTimers;

typedef struct Timers {
    OperatorTimers *ops;
    FlowOperatorHot *hot;  /* per operator: its watermark and panes (flow/state.h) */
    int nops;
    uint64_t next_seq;
    bool advancing;        /* a fire() must not start another round */
    /* The highest watermark a round was started with, and the earliest
     * pending timer of any operator, so that a round that would neither
     * raise a watermark nor fire a timer (the case of almost every record)
     * costs two tests. */
    int64_t watermark;
    int64_t earliest;
} Timers;

void flowrt_timers_init(Timers *t, const FlowOperatorDef *defs, int nops);
/* Releases every item still waiting for its timer, and the tables. */
void flowrt_timers_free(Timers *t);
void flowrt_timers_set(Timers *t, int op, int64_t time, void *item);
/* The watermark moved to wm: operator by operator, raise its watermark and
 * fire its due timers (flowrt_timers_run). Inline, as it runs after every record. */
void flowrt_timers_run(Timers *t, FlowRuntime *rt, int64_t wm);
static inline void flowrt_timers_advance(Timers *t, FlowRuntime *rt, int64_t wm)
{
    if (!t->advancing && (wm > t->watermark || t->earliest <= t->watermark))
        flowrt_timers_run(t, rt, wm);
}
/* The earliest pending timer of operator op (FLOW_TIME_MAX: none). */
int64_t flowrt_timers_next(const Timers *t, int op);

#endif
