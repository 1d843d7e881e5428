/* emit_window_ckpt.c: the snapshot and restore functions of a window stage
 * (flow/checkpoint.h): tumbling panes, sliding window ends and panes,
 * sessions, with their timers. The state struct's members after the
 * window-kind ones (key, count, accumulators) are emit_window.c's
 * (emit_window_ckpt_values), so that they are written where they are
 * declared.
 *
 * What is saved, per kind:
 * - tumbling: every pane, in the firing order of its timer (each pane has
 *   exactly one), with the timer's time, its start, `fired`, and its entries
 *   in their order (the order results come out in);
 * - sliding: every window end in the firing order of its timer (each has
 *   exactly one), with its time, end and `fired`; then every pane (panes
 *   have no timer: the window end whose last window they are frees them),
 *   with its start and its entries in their order, each with the order of
 *   its first record (FlowPanes.next_order is the runtime's);
 * - session: every session, dead ones too, in the firing order of its timer
 *   (each has exactly one), with its time, start, last, `dead` and `fired`.
 *   The per-key lists are not saved: restore puts every live session back
 *   into its key's list by start, which is their order.
 * Hashes are not saved either: restore computes them again from the key.
 *
 * Restore takes a corrupt checkpoint (one the runtime will reject) without
 * leaking or double-freeing: every item it makes gets exactly one timer, and
 * a pane, window end or entry named twice is taken once. */
#include "emit_window.h"

/* `n` timers of the operator in firing order, `timers`, in a snapshot. */
static void emit_pending_timers(CWriter *w)
{
    cw_line(w, "int64_t n = 0;");
    cw_line(w, "FlowTimerRef *timers = flow_timers_pending(rt, op, &n);");
    cw_line(w, "flow_ckpt_put_i64(out, n);");
}

static void emit_snapshot_open(Emitter *em, CWriter *w, const PlanStage *st, const char *what)
{
    const Op *wop = st->nodes[0]->op;
    cw_blank(w);
    cw_comment(w, true, arena_printf(em->arena, "Checkpoint of the window at %s:%d: %s",
                                     em->plan->flow_file, wop->loc.line, what));
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptOut *out)", st->names->snapshot);
    open_block(w);
}

static void emit_restore_open(Emitter *em, CWriter *w, const PlanStage *st, const char *what)
{
    const Op *wop = st->nodes[0]->op;
    cw_blank(w);
    cw_comment(w, true, arena_printf(em->arena, "Restore of the window at %s:%d, empty: %s",
                                     em->plan->flow_file, wop->loc.line, what));
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptIn *in)", st->names->restore);
    open_block(w);
}

/* In a snapshot: the entries of pane `p` in their order. */
static void emit_put_entries(Emitter *em, CWriter *w, const PlanStage *st, bool sliding)
{
    const char *state = st->names->state;
    cw_line(w, "flow_ckpt_put_i64(out, p->count);");
    cw_open(w, "for (int64_t e = 0; e < p->count; e++)");
    cw_line(w, "const %s *s = flow_pane_entry(p, e);", state);
    if (sliding)
        cw_line(w, "flow_ckpt_put_u64(out, s->order);");
    emit_window_ckpt_values(em, w, st, "s", false);
    cw_close(w, "");
}

/* In a restore: the entries of pane `p`, added in the order read, each read
 * whole before it is placed so that one named twice can be let go. */
static void emit_get_entries(Emitter *em, CWriter *w, const PlanStage *st, bool sliding)
{
    const char *state = st->names->state;
    cw_line(w, "int64_t count = flow_ckpt_get_count(in, INT32_MAX);");
    cw_open(w, "for (int64_t e = 0; e < count && !flow_ckpt_failed(in); e++)");
    cw_line(w, "%s read = { 0 }, *r = &read;", state);
    if (sliding)
        cw_line(w, "r->order = flow_ckpt_get_u64(in);");
    emit_window_ckpt_values(em, w, st, "r", true);
    cw_line(w, "r->hash = flow_inline_hash(%s(r));", st->names->hash);
    cw_line(w, "uint64_t slot = 0;");
    cw_open(w, "if (%s(p, r, &slot))", st->names->find);
    cw_comment(w, true, "The key twice in the pane: only in a corrupt checkpoint.");
    emit_window_entry_release(em, w, st, "r");
    cw_line(w, "continue;");
    cw_close(w, "");
    cw_line(w, "*(%s *)flow_pane_add(p, slot, r->hash) = read;", state);
    cw_close(w, "");
}

static void emit_tumbling_snapshot(Emitter *em, CWriter *w, const PlanStage *st)
{
    emit_snapshot_open(em, w, st, "its panes in the firing order of their timers, each with "
                                  "the timer's time, its start, whether it fired, and its "
                                  "entries in the order the keys came.");
    emit_pending_timers(w);
    cw_open(w, "for (int64_t i = 0; i < n; i++)");
    cw_line(w, "const FlowPane *p = timers[i].item;");
    cw_line(w, "flow_ckpt_put_i64(out, timers[i].time);");
    cw_line(w, "flow_ckpt_put_i64(out, p->start);");
    cw_line(w, "flow_ckpt_put_bool(out, p->fired);");
    emit_put_entries(em, w, st, false);
    cw_close(w, "");
    cw_line(w, "flow_state_free(timers);");
    cw_close(w, "");
}

static void emit_tumbling_restore(Emitter *em, CWriter *w, const PlanStage *st)
{
    emit_restore_open(em, w, st, "each pane is made again with its timer, set in the order "
                                 "the timers were saved in, which is their firing order.");
    cw_line(w, "FlowPanes *ps = flow_panes(rt, op);");
    cw_line(w, "int64_t n = flow_ckpt_get_count(in, INT64_MAX);");
    cw_open(w, "for (int64_t i = 0; i < n && !flow_ckpt_failed(in); i++)");
    cw_line(w, "int64_t time = flow_ckpt_get_i64(in);");
    cw_line(w, "bool made;");
    cw_line(w, "FlowPane *p = flow_pane_get(ps, flow_ckpt_get_i64(in), sizeof(%s), &made);",
            st->names->state);
    cw_line(w, "p->fired = flow_ckpt_get_bool(in);");
    cw_line(w, "if (made) /* one timer per pane, even if a corrupt checkpoint names it twice */");
    cw_line(w, "    flow_timer_set(rt, op, time, p);");
    emit_get_entries(em, w, st, false);
    cw_close(w, "");
    cw_close(w, "");
}

static void emit_sliding_snapshot(Emitter *em, CWriter *w, const PlanStage *st)
{
    WindowStage n = window_stage(em, st);
    emit_snapshot_open(em, w, st, "its window ends in the firing order of their timers, each "
                                  "with the timer's time, its end and whether it fired; then "
                                  "its panes, which have no timer, each with its start and its "
                                  "entries in the order the keys came.");
    emit_pending_timers(w);
    cw_open(w, "for (int64_t i = 0; i < n; i++)");
    cw_line(w, "const FlowWindowEnd *w = timers[i].item;");
    cw_line(w, "flow_ckpt_put_i64(out, timers[i].time);");
    cw_line(w, "flow_ckpt_put_i64(out, w->end);");
    cw_line(w, "flow_ckpt_put_bool(out, w->fired);");
    if (n.early)
        window_early_put_rows(w, &n);
    cw_close(w, "");
    cw_line(w, "flow_state_free(timers);");
    cw_line(w, "const FlowTable *panes = &flow_panes(rt, op)->by_start;");
    cw_line(w, "flow_ckpt_put_i64(out, panes->count);");
    cw_open(w, "for (int64_t i = 0; i < panes->cap; i++)");
    cw_line(w, "if (!panes->hashes[i])");
    cw_line(w, "    continue;");
    cw_line(w, "const FlowPane *p = panes->items[i];");
    cw_line(w, "flow_ckpt_put_i64(out, p->start);");
    emit_put_entries(em, w, st, true);
    cw_close(w, "");
    cw_close(w, "");
}

static void emit_sliding_restore(Emitter *em, CWriter *w, const PlanStage *st)
{
    WindowStage n = window_stage(em, st);
    emit_restore_open(em, w, st, "each window end is made again with its timer, set in the "
                                 "order the timers were saved in, which is their firing order; "
                                 "then the panes.");
    cw_line(w, "FlowPanes *ps = flow_panes(rt, op);");
    cw_line(w, "int64_t n = flow_ckpt_get_count(in, INT64_MAX);");
    cw_open(w, "for (int64_t i = 0; i < n && !flow_ckpt_failed(in); i++)");
    cw_line(w, "int64_t time = flow_ckpt_get_i64(in);");
    cw_line(w, "bool made;");
    cw_line(w, "FlowWindowEnd *w = flow_window_end_get(ps, flow_ckpt_get_i64(in), &made);");
    cw_line(w, "w->fired = flow_ckpt_get_bool(in);");
    cw_line(w, "if (made) /* one timer per window end, even if a corrupt checkpoint names it "
               "twice */");
    cw_line(w, "    flow_timer_set(rt, op, time, w);");
    if (n.early)
        window_early_get_rows(w, &n);
    cw_close(w, "");
    cw_line(w, "int64_t npanes = flow_ckpt_get_count(in, INT64_MAX);");
    cw_open(w, "for (int64_t i = 0; i < npanes && !flow_ckpt_failed(in); i++)");
    cw_line(w, "bool made; /* a pane named twice (a corrupt checkpoint) takes both's entries */");
    cw_line(w, "FlowPane *p = flow_pane_get(ps, flow_ckpt_get_i64(in), sizeof(%s), &made);",
            st->names->state);
    emit_get_entries(em, w, st, true);
    cw_close(w, "");
    cw_close(w, "");
}

static void emit_session_snapshot(Emitter *em, CWriter *w, const PlanStage *st)
{
    const char *state = st->names->state;
    emit_snapshot_open(em, w, st, "its sessions, those merged into a later one too, in the "
                                  "firing order of their timers, each with the timer's time.");
    emit_pending_timers(w);
    cw_open(w, "for (int64_t i = 0; i < n; i++)");
    cw_line(w, "const %s *s = timers[i].item;", state);
    cw_line(w, "flow_ckpt_put_i64(out, timers[i].time);");
    cw_line(w, "flow_ckpt_put_i64(out, s->start);");
    cw_line(w, "flow_ckpt_put_i64(out, s->last);");
    cw_line(w, "flow_ckpt_put_bool(out, s->dead);");
    cw_line(w, "flow_ckpt_put_bool(out, s->fired);");
    emit_window_ckpt_values(em, w, st, "s", false);
    cw_close(w, "");
    cw_line(w, "flow_state_free(timers);");
    cw_close(w, "");
}

static void emit_session_restore(Emitter *em, CWriter *w, const PlanStage *st)
{
    const char *state = st->names->state;
    emit_restore_open(em, w, st, "each session is made again with its timer, set in the order "
                                 "the timers were saved in, which is their firing order, and "
                                 "unless it is dead goes into its key's list by start.");
    cw_line(w, "FlowTable *table = flow_state_table(rt, op);");
    cw_line(w, "int64_t n = flow_ckpt_get_count(in, INT64_MAX);");
    cw_open(w, "for (int64_t i = 0; i < n && !flow_ckpt_failed(in); i++)");
    cw_line(w, "%s *s = flow_state_alloc(sizeof *s);", state);
    cw_line(w, "int64_t time = flow_ckpt_get_i64(in);");
    cw_line(w, "s->start = flow_ckpt_get_i64(in);");
    cw_line(w, "s->last = flow_ckpt_get_i64(in);");
    cw_line(w, "s->dead = flow_ckpt_get_bool(in);");
    cw_line(w, "s->fired = flow_ckpt_get_bool(in);");
    emit_window_ckpt_values(em, w, st, "s", true);
    cw_line(w, "s->hash = %s(s);", st->names->hash);
    cw_line(w, "flow_timer_set(rt, op, time, s);");
    cw_line(w, "if (s->dead)");
    cw_line(w, "    continue; /* in no list: it waits for its timer */");
    cw_line(w, "%s *head = flow_table_find(table, s->hash, %s, s);", state, st->names->match);
    cw_open(w, "if (!head || s->start < head->start)");
    cw_line(w, "if (head)");
    cw_line(w, "    flow_table_remove(table, s->hash, head);");
    cw_line(w, "s->next = head;");
    cw_line(w, "flow_table_insert(table, s->hash, s);");
    cw_close(w, "");
    cw_open(w, "else");
    cw_line(w, "%s *prev = head;", state);
    cw_line(w, "while (prev->next && prev->next->start < s->start)");
    cw_line(w, "    prev = prev->next;");
    cw_line(w, "s->next = prev->next;");
    cw_line(w, "prev->next = s;");
    cw_close(w, "");
    cw_close(w, "");
    cw_close(w, "");
}

void emit_window_snapshot(Emitter *em, CWriter *w, const PlanStage *st)
{
    switch (st->nodes[0]->op->window.kind) {
    case WIN_TUMBLING:
        if (window_in_store(em->plan, st))
            emit_window_kv_snapshot(em, w, st);
        else
            emit_tumbling_snapshot(em, w, st);
        break;
    case WIN_SLIDING:
    case WIN_CUMULATE:
        if (window_in_store(em->plan, st))
            emit_window_kv_snapshot(em, w, st);
        else
            emit_sliding_snapshot(em, w, st);
        break;
    case WIN_SESSION:
        if (window_in_store(em->plan, st))
            emit_window_kv_session_snapshot(em, w, st);
        else
            emit_session_snapshot(em, w, st);
        break;
    }
}

void emit_window_restore(Emitter *em, CWriter *w, const PlanStage *st)
{
    switch (st->nodes[0]->op->window.kind) {
    case WIN_TUMBLING:
        if (window_in_store(em->plan, st))
            emit_window_kv_restore(em, w, st);
        else
            emit_tumbling_restore(em, w, st);
        break;
    case WIN_SLIDING:
    case WIN_CUMULATE:
        if (window_in_store(em->plan, st))
            emit_window_kv_restore(em, w, st);
        else
            emit_sliding_restore(em, w, st);
        break;
    case WIN_SESSION:
        if (window_in_store(em->plan, st))
            emit_window_kv_session_restore(em, w, st);
        else
            emit_session_restore(em, w, st);
        break;
    }
}
