/* timer.c: per-operator timer heaps and the firing round. */
#include "timer.h"

#include <stdlib.h>
#include <string.h>

#include "flow/checkpoint.h"
#include "flow/value.h"
#include "rt.h"

void flowrt_timers_init(Timers *t, const FlowOperatorDef *defs, int nops)
{
    memset(t, 0, sizeof *t);
    t->nops = nops;
    t->ops = flow_state_alloc(sizeof *t->ops * (size_t)(nops > 0 ? nops : 1));
    t->hot = flow_state_alloc(sizeof *t->hot * (size_t)(nops > 0 ? nops : 1));
    for (int i = 0; i < nops; i++) {
        t->ops[i].def = &defs[i];
        t->hot[i].watermark = FLOW_TIME_MIN;
    }
    t->watermark = FLOW_TIME_MIN;
    t->earliest = FLOW_TIME_MAX;
}

void flowrt_timers_free(Timers *t)
{
    for (int i = 0; i < t->nops; i++) {
        OperatorTimers *op = &t->ops[i];
        for (int64_t k = 0; k < op->n; k++)
            op->def->release(op->heap[k].item);
        free(op->heap);
        flow_table_free(&op->table);
        flow_panes_free(&t->hot[i].panes);
        flow_pool_destroy(&op->join.rows);
        flow_inline_free(&op->join.groups);
    }
    free(t->ops);
    free(t->hot);
    memset(t, 0, sizeof *t);
}

/* w moved back by hold (forward for a negative one), saturating: the end
 * of input (FLOW_TIME_MAX) stays the end. */
static int64_t held(int64_t w, int64_t hold)
{
    if (w == FLOW_TIME_MAX || hold == 0)
        return w;
    if (hold > 0)
        return w < FLOW_TIME_MIN + hold ? FLOW_TIME_MIN : w - hold;
    return w > FLOW_TIME_MAX + hold ? FLOW_TIME_MAX : w - hold;
}

static bool earlier(const Timer *a, const Timer *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

void flowrt_timers_set(Timers *t, int op_index, int64_t time, void *item)
{
    OperatorTimers *op = &t->ops[op_index];
    if (op->n == op->cap) {
        op->cap = op->cap ? op->cap * 2 : 64;
        Timer *heap = realloc(op->heap, sizeof *heap * (size_t)op->cap);
        if (!heap)
            abort();
        op->heap = heap;
    }
    Timer x = { time, t->next_seq++, item };
    if (held(time, -op->hold) < t->earliest)
        t->earliest = held(time, -op->hold);
    int64_t i = op->n++;
    while (i > 0 && earlier(&x, &op->heap[(i - 1) / 2])) {
        op->heap[i] = op->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    op->heap[i] = x;
}

static Timer pop(OperatorTimers *op)
{
    Timer top = op->heap[0];
    Timer last = op->heap[--op->n];
    int64_t i = 0;
    for (;;) {
        int64_t c = 2 * i + 1;
        if (c >= op->n)
            break;
        if (c + 1 < op->n && earlier(&op->heap[c + 1], &op->heap[c]))
            c++;
        if (!earlier(&op->heap[c], &last))
            break;
        op->heap[i] = op->heap[c];
        i = c;
    }
    if (op->n > 0)
        op->heap[i] = last;
    return top;
}

void flowrt_timers_run(Timers *t, FlowRuntime *rt, int64_t wm)
{
    t->advancing = true;
    if (wm > t->watermark)
        t->watermark = wm;
    for (int i = 0; i < t->nops; i++) {
        OperatorTimers *op = &t->ops[i];
        int64_t *op_watermark = &t->hot[i].watermark;
        op->hold = op->def->hold ? op->def->hold(rt) : 0;
        int64_t op_wm = held(wm, op->hold);
        if (op_wm > *op_watermark)
            *op_watermark = op_wm;
        while (op->n > 0 && op->heap[0].time <= *op_watermark) {
            Timer due = pop(op);
            op->def->fire(rt, due.item, due.time);
        }
    }
    /* Every timer left is after its operator's watermark. */
    t->earliest = FLOW_TIME_MAX;
    for (int i = 0; i < t->nops; i++)
        if (t->ops[i].n > 0 && held(t->ops[i].heap[0].time, -t->ops[i].hold) < t->earliest)
            t->earliest = held(t->ops[i].heap[0].time, -t->ops[i].hold);
    t->advancing = false;
}

int64_t flowrt_timers_next(const Timers *t, int op)
{
    return t->ops[op].n ? t->ops[op].heap[0].time : FLOW_TIME_MAX;
}

int64_t flow_timer_next(FlowRuntime *rt, int op)
{
    return flowrt_timers_next(&rt->timers, op);
}

FlowJoinRows *flow_join_rows(FlowRuntime *rt, int op)
{
    return &rt->timers.ops[op].join;
}

static int by_firing_order(const void *a, const void *b)
{
    const Timer *x = a, *y = b;
    return earlier(x, y) ? -1 : earlier(y, x) ? 1 : 0;
}

FlowTimerRef *flow_timers_pending(FlowRuntime *rt, int op, int64_t *n)
{
    const OperatorTimers *ot = &rt->timers.ops[op];
    *n = ot->n;
    if (ot->n == 0)
        return NULL;
    Timer *sorted = flow_state_alloc(sizeof *sorted * (size_t)ot->n);
    memcpy(sorted, ot->heap, sizeof *sorted * (size_t)ot->n);
    qsort(sorted, (size_t)ot->n, sizeof *sorted, by_firing_order);
    FlowTimerRef *refs = flow_state_alloc(sizeof *refs * (size_t)ot->n);
    for (int64_t i = 0; i < ot->n; i++)
        refs[i] = (FlowTimerRef){ sorted[i].time, sorted[i].item };
    flow_state_free(sorted);
    return refs;
}
