/* emit_window.c: the C of a `[key by K |] window tumbling D [lateness L]
 * [late as NAME] | aggregate ...` stage, and of `window sliding SIZE every
 * SLIDE`, `window cumulate SIZE every STEP` and `window session gap G`,
 * each [lateness L] [late as NAME] (docs/language.md, "window" and
 * "lateness and late as").
 *
 * Per window stage the generated file has:
 * - a state struct over the key's own types: the hash, the key fields
 *   (strings copied), the record count and one accumulator per aggregate;
 *   every aggregate is updated record by record, nothing is buffered;
 * - a hash and a match function over the key fields;
 * - the stage function: the record's window, the late test against the
 *   operator's watermark, the aggregate arguments, find or make the state,
 *   update it, and with lateness updated results for windows that fired;
 * - a fire function, called by the runtime's timers, and a release function;
 * - a result function: builds the aggregate's record (event time
 *   window_end - 1ms) and runs the rest of the stage on it.
 *
 * Tumbling and sliding windows keep their states inline in panes
 * (flow/state.h FlowPane): one pane per window (tumbling) or per span of
 * gcd(SIZE, SLIDE) (sliding), holding one entry per key in an
 * open-addressing table that the generated find function probes itself
 * (one cache miss), comparing keys with their own types, and listing the
 * entries in the order the keys got their first record there (order).
 * Nearly every record goes to the pane of the record before, which the
 * runtime keeps at hand (FlowPanes.last).
 *
 * Tumbling: the pane is the timers' item. At end - 1ms it emits its entries
 * in order; at end - 1ms + L (the same call when L is 0) it goes.
 *
 * Sliding: a record updates one entry in one pane whatever SIZE / SLIDE is.
 * The timers' item is a window end (FlowWindowEnd), one for all keys, made
 * when the first pane it holds is. At end - 1ms the entries of the window's
 * panes are merged by key in a scratch pane and sorted by each key's first
 * record in the window (entries carry the order of their first record); at
 * end - 1ms + L the window end goes, with the panes whose last window it
 * is. A record is late when the last window holding it is gone; before
 * that it updates its pane, and with lateness every window holding it that
 * fired and is still kept emits an updated result, oldest first.
 *
 * Cumulating (`window cumulate SIZE every STEP`): a sliding window whose
 * window ends are every STEP and whose windows all start at the multiple
 * of SIZE before them, [k*SIZE, end): panes of STEP, the first window of a
 * pane its own step's, the last the whole SIZE window, which takes every
 * pane with it. The result function takes the window's end (its start
 * does not give it).
 *
 * Order of results: by the time their window fires, then in the order the
 * (key, window) got its first record.
 *
 * A session window keeps one malloc'd state per (key, open session), in a
 * list per key ordered by start whose head is in the operator's FlowTable.
 * A record joins the sessions its own [ts, ts + G) overlaps; when it bridges
 * two, the earlier is merged into the later, which takes its place in the
 * list, and is marked dead: its pending timer only frees it (a timer cannot
 * be taken back). The later one's timer is due at or before the merged
 * session's end - 1ms, which is its own. The timer of a session that grew is
 * set again at its new end - 1ms when it comes. With lateness L a session
 * that fired stays until end - 1ms + L; a record that joins it meanwhile
 * emits an updated result at once, as in a tumbling window.
 *
 * With `state rocksdb` (window_in_store) the states live in the runtime's
 * store instead: emit_window_kv.c for tumbling, sliding and cumulating
 * windows, emit_window_kv_session.c for sessions. */
#include <inttypes.h>
#include <string.h>

#include "emit_window.h"
#include "emit_aggregate.h"
#include "explain.h"

WindowStage window_stage(Emitter *em, const PlanStage *st)
{
    WindowStage n = { 0 };
    n.arena = em->arena;
    n.names = st->names;
    n.op = st->op_index;
    n.window = st->nodes[0];
    n.aggregate = st->nodes[1];
    n.wop = n.window->op;
    n.items = n.aggregate->op->aggregate;
    n.results = st->live;
    n.cumulate = n.wop->window.kind == WIN_CUMULATE;
    n.sliding = n.wop->window.kind == WIN_SLIDING || n.cumulate;
    n.session = n.wop->window.kind == WIN_SESSION;
    n.gap = dur_c(em, &n.wop->window.gap);
    n.size = dur_c(em, &n.wop->window.size);
    n.slide = n.sliding ? dur_c(em, &n.wop->window.slide) : n.size;
    n.pane = n.session    ? (DurC){ NULL, 0 }
             : n.cumulate ? n.slide /* the step divides the size */
             : n.sliding  ? dur_pane(em, n.wop)
                          : n.size;
    n.lateness = dur_c(em, &n.wop->window.lateness);
    n.late = dur_nonzero(n.lateness);
    n.keytypes = key_types(em, n.window);
    n.rearm = arena_printf(em->arena, "flow_time_add(time, %s)",
                           dur_plus(em->arena, n.lateness, 0));
    n.early = n.wop->update.has_every && n.results; /* no reader: no rows to emit early */
    if (n.early)
        n.every = dur_c(em, &n.wop->update.every);
    return n;
}

/* Releases what the state `s` owns: copied strings and distinct-value sets. */
void window_entry_release(CWriter *w, const WindowStage *n, const char *s)
{
    emit_key_release(w, n->keytypes, n->wop->nkey, s);
    agg_emit_release(w, n->items, s);
    if (n->early)
        window_early_release(w, n, s);
}

bool window_owns_memory(const WindowStage *n)
{
    for (int k = 0; k < n->wop->nkey; k++)
        if (n->keytypes[k] == TY_STRING)
            return true;
    for (const Item *it = n->items; n->early && it; it = it->next)
        if (it->type == TY_STRING)
            return true; /* the last row's copy */
    return agg_owns_memory(n->items);
}

/* The state struct after its window-kind members (the caller opens it):
 * the key, the count of the records in `span`, one accumulator per
 * aggregate; the struct is closed. */
void window_state_members(Emitter *em, CWriter *w, const WindowStage *n, const char *span)
{
    emit_key_members(w, n->window);
    cw_line(w, "int64_t count;  /* records in the %s */", span);
    agg_emit_members(w, n->items);
    if (n->early)
        window_early_members(w, n);
    cw_close(w, arena_printf(em->arena, " %s;", n->names->state));
}

/* The state struct's members after its window-kind ones, then the hash and
 * match of the key, the pane or the session list standing for the time.
 * `typed`: a match of two state pointers (the generated find function's),
 * else of two void pointers (FlowTable's). */
static void emit_state_rest(Emitter *em, CWriter *w, const WindowStage *n, const char *span,
                            bool typed)
{
    const Op *wop = n->wop;
    window_state_members(em, w, n, span);
    cw_blank(w);
    emit_state_hash(em, w, n->names->hash, n->names->state, n->keytypes, wop->nkey, NULL);
    cw_blank(w);
    emit_state_match(em, w, n->names->match, n->names->state, n->keytypes, wop->nkey, NULL,
                     typed);
}

static void emit_tumbling_state(Emitter *em, CWriter *w, const WindowStage *n)
{
    cw_blank(w);
    cw_comment(w, true, arena_printf(em->arena, "State of one key in one window of the window "
                                     "at %s:%d, inline in the window's pane (flow/state.h), "
                                     "which goes when the window can no longer change.",
                                     em->plan->flow_file, n->wop->loc.line));
    cw_open(w, "typedef struct %s", n->names->state);
    cw_line(w, "uint64_t hash;  /* of the key; first, as flow_pane_add wants */");
    emit_state_rest(em, w, n, "window", true);
}

void window_sliding_state(Emitter *em, CWriter *w, const WindowStage *n)
{
    cw_blank(w);
    cw_comment(w, true, arena_printf(em->arena, "State of one key in one pane of %s "
                                     "of the sliding window at %s:%d, inline in the pane "
                                     "(flow/state.h). The windows holding the pane put "
                                     "their results together from its entries.",
                                     n->pane.var ? "gcd(size, slide) ms"
                                                 : dur_comment(em->arena, n->pane, NULL),
                                     em->plan->flow_file, n->wop->loc.line));
    cw_open(w, "typedef struct %s", n->names->state);
    cw_line(w, "uint64_t hash;  /* of the key; first, as flow_pane_add wants */");
    cw_line(w, "uint64_t order; /* of the key's first record in the pane: results come in "
               "it */");
    emit_state_rest(em, w, n, "pane", true);
}

/* A session's state, and its release: the copies it owns, then itself. */
static void emit_session_state(Emitter *em, CWriter *w, const WindowStage *n)
{
    cw_blank(w);
    cw_comment(w, true, arena_printf(em->arena, "State of the session window at %s:%d, one per "
                                     "(key, open session). The table holds the key's "
                                     "earliest session; the others follow it by `next`, in "
                                     "order of start (sessions never overlap).",
                                     em->plan->flow_file, n->wop->loc.line));
    cw_open(w, "typedef struct %s", n->names->state);
    cw_line(w, "uint64_t hash;");
    cw_line(w, "int64_t start;  /* the session is [start, last + %s) */",
            n->gap.var ? n->wop->window.gap.param
                       : arena_printf(em->arena, "%" PRId64, n->gap.ms));
    cw_line(w, "int64_t last;");
    cw_line(w, "bool dead;      /* merged into the session after it; waits for its timer */");
    cw_line(w, "struct %s *next;", n->names->state);
    cw_line(w, "bool fired;     /* its result was emitted; kept for lateness */");
    emit_state_rest(em, w, n, "session", false);

    cw_blank(w);
    cw_line(w, "static void %s(void *item)", n->names->release);
    open_block(w);
    cw_line(w, "%s *s = item;", n->names->state);
    window_entry_release(w, n, "s");
    cw_line(w, "flow_state_free(s);");
    cw_close(w, "");
}

/* Tumbling and sliding windows: the entry of probe's key in a pane, probing
 * the pane's entries themselves (one cache miss); NULL when it has none,
 * *slot then being the empty entry where it goes. */
void window_find_function(CWriter *w, const WindowStage *n)
{
    cw_blank(w);
    cw_comment(w, true, "The entry of probe's key in pane p, or NULL, *slot then being the "
                        "empty entry where it goes (hash 0).");
    cw_line(w, "static %s *%s(const FlowPane *p, const %s *probe, uint64_t *slot)", n->names->state,
            n->names->find, n->names->state);
    open_block(w);
    cw_line(w, "%s *entries = (%s *)(void *)p->entries;", n->names->state, n->names->state);
    cw_open(w, "for (uint64_t i = probe->hash & p->mask;; i = (i + 1) & p->mask)");
    cw_line(w, "%s *s = &entries[i];", n->names->state);
    cw_line(w, "if (s->hash == probe->hash && %s(s, probe))", n->names->match);
    cw_line(w, "    return s;");
    cw_open(w, "if (!s->hash)");
    cw_line(w, "*slot = i;");
    cw_line(w, "return NULL;");
    cw_close(w, "");
    cw_close(w, "");
    cw_close(w, "");
}

/* Tumbling windows: the item of the timers is the window's pane, which goes
 * with what its entries own. Sliding windows: it is a window end, which
 * takes with it the panes whose last window it is. Also called at shutdown
 * for every pending timer, which frees every pane. */
static void emit_pane_release_function(CWriter *w, const WindowStage *n)
{
    bool owns = window_owns_memory(n);
    cw_blank(w);
    cw_comment(w, true, n->sliding
        ? "The window ending at w->end can no longer change: it goes, with the panes whose "
          "last window it is. At shutdown, every pending window end goes this way, which frees "
          "every pane."
        : "The window's pane can no longer change: it goes, with what its entries own.");
    cw_line(w, "static void %s(void *item)", n->names->release);
    open_block(w);
    if (n->sliding) {
        cw_line(w, "FlowWindowEnd *w = item;");
        cw_line(w, "FlowPanes *ps = w->owner;");
        if (n->size.var || n->slide.var)
            cw_line(w, "FlowRuntime *rt = ps->rt; /* for its params */");
        window_last_panes(w, n);
        cw_open(w, "for (int64_t start = from; start < to; start += %s)",
                dur_plus(n->arena, n->pane, 0));
        cw_line(w, "FlowPane *p = flow_pane_find(ps, start);");
        cw_line(w, "if (!p)");
        cw_line(w, "    continue;");
    } else {
        cw_line(w, "FlowPane *p = item;");
    }
    if (owns) {
        cw_open(w, "for (int64_t e = 0; e < p->count; e++)");
        cw_line(w, "%s *s = flow_pane_entry(p, e);", n->names->state);
        window_entry_release(w, n, "s");
        cw_close(w, "");
    }
    cw_line(w, "flow_pane_free(p);");
    if (n->sliding) {
        cw_close(w, "");
        if (n->early)
            window_early_rows_free(w, n, "w");
        cw_line(w, "flow_window_end_free(ps, w);");
    }
    cw_close(w, "");
}

const char *window_start_of_end(const WindowStage *n, const char *end)
{
    if (n->cumulate)
        return arena_printf(n->arena, "flow_window_start(%s - 1, %s)", end,
                            dur_plus(n->arena, n->size, 0));
    return arena_printf(n->arena, "%s - %s", end, dur_plus(n->arena, n->size, 0));
}

const char *window_of_end(const WindowStage *n, const char *end)
{
    return n->cumulate ? end : window_start_of_end(n, end);
}

void window_last_panes(CWriter *w, const WindowStage *n)
{
    cw_line(w, "int64_t from = w->end - %s;", dur_plus(n->arena, n->size, 0));
    if (n->cumulate) {
        cw_comment(w, true, "A cumulating window's panes go with its last step, the window "
                            "of its whole size.");
        cw_line(w, "int64_t to = flow_window_start(w->end, %s) == w->end ? w->end : from;",
                dur_plus(n->arena, n->size, 0));
    } else {
        cw_line(w, "int64_t to = w->end - %s;", dur_sum(n->arena, n->size, -1, n->slide, 0));
    }
}

const char *window_end_of(const WindowStage *n, const char *s, const char *start)
{
    if (n->cumulate)
        return start; /* the result function's `end` */
    if (n->session)
        return arena_printf(n->arena, "flow_time_add(%s->last, %s)", s, dur_plus(n->arena, n->gap, 0));
    return arena_printf(n->arena, "flow_time_add(%s, %s)", start, dur_plus(n->arena, n->size, 0));
}

const char *window_result_call(const WindowStage *n, const char *s, const char *start,
                               const char *ts)
{
    if (n->early && n->sliding)
        return arena_printf(n->arena, "%s(rt, %s, %s(w, %s), %s, %s);", n->names->result, s,
                            n->names->last_find, s, start, ts);
    if (n->early)
        return arena_printf(n->arena, "%s(rt, %s, %s, %s, %s);", n->names->result, s, s, start,
                            ts);
    return arena_printf(n->arena, "%s(rt, %s, %s);", n->names->result, s, start);
}

/* The result record and the rest of the stage after the aggregate. */
void window_result_function(Emitter *em, CWriter *w, const PlanStage *st,
                                 const WindowStage *n)
{
    Arena *a = em->arena;
    const Op *wop = n->wop;
    const PlanType *out = n->aggregate->out;
    Body b;
    body_init(&b, em, out, "rec.", "&rec");
    cw_line(&b.w, "%s rec;", out->cname);
    int f = 0;
    for (int k = 0; k < wop->nkey; k++, f++)
        cw_line(&b.w, "rec.%s = s->key%d;", out->members[f], k);
    if (n->cumulate)
        cw_line(&b.w, "rec.%s = %s;", out->members[f++], window_start_of_end(n, "end"));
    else
        cw_line(&b.w, "rec.%s = start;", out->members[f++]);
    cw_line(&b.w, "rec.%s = %s;", out->members[f++], window_end_of(n, "s", n->cumulate ? "end"
                                                                                   : "start"));
    agg_emit_results(em, &b.w, n->items, out, f);
    if (n->session)
        cw_line(&b.w, "int64_t ts = flow_time_add(s->last, %s);", dur_plus(a, n->gap, -1));
    else if (n->cumulate)
        cw_line(&b.w, "int64_t ts = end - 1;");
    else
        cw_line(&b.w, "int64_t ts = flow_time_add(start, %s);", dur_plus(a, n->size, -1));
    emit_stage_rest(&b, st, 2);
    if (!b.used_ts)
        cw_line(&b.w, "(void)ts;");

    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "The result of one (key, window) of the window at "
                                     "%s:%d, which %s, with event time window_end - 1ms, and "
                                     "the operators after it.", em->plan->flow_file,
                                     wop->loc.line, n->cumulate ? "ends at `end`"
                                                                : "starts at `start`"));
    emit_body_function(w, arena_printf(a, "static void %s(FlowRuntime *rt, const %s *s, "
                                          "int64_t %s)", n->names->result, n->names->state,
                                       n->cumulate ? "end" : "start"),
                       &b, false);
}

/* The fire function of a tumbling window's pane or a sliding window's end,
 * the timers' item (`type *var`), which fires at `fire_at`: with early
 * results, before that a tick, whose rows `ticks` writes; once, at end -
 * 1ms, `results` writes the window's results; at end - 1ms + lateness (the
 * same call without lateness) the item goes. */
static void emit_pane_fire(CWriter *w, const WindowStage *n, const char *comment,
                           const char *type, const char *var, const char *start,
                           const char *fire_at,
                           void (*results)(CWriter *, const WindowStage *),
                           void (*ticks)(CWriter *, const WindowStage *))
{
    bool lateness = n->late;
    cw_blank(w);
    cw_comment(w, true, n->early ? arena_printf(n->arena, "%s Before end - 1ms, a tick of the "
                                                "early results.", comment)
                                 : comment);
    cw_line(w, "static void %s(FlowRuntime *rt, void *item, int64_t time)", n->names->fire);
    open_block(w);
    cw_line(w, "%s *%s = item;", type, var);
    if (n->early) {
        cw_line(w, "int64_t fire_at = %s;", fire_at);
        window_early_tick(w, n, var, start, "fire_at", ticks);
    } else if (!lateness) {
        cw_line(w, "(void)time;");
    }
    if (!lateness && !n->results)
        cw_line(w, "(void)rt;");
    cw_open(w, "if (!%s->fired)", var);
    cw_line(w, "%s->fired = true;", var);
    if (n->results)
        results(w, n);
    if (lateness)
        emit_timer_again(w, NULL, n->op, n->rearm, var, true);
    cw_close(w, "");
    cw_line(w, "%s(%s);", n->names->release, var);
    cw_close(w, "");
}

/* Tumbling windows: the pane's entries, in the order the keys came. */
static void emit_pane_results(CWriter *w, const WindowStage *n)
{
    cw_open(w, "for (int64_t e = 0; e < p->count; e++)");
    cw_line(w, "%s *s = flow_pane_entry(p, e);", n->names->state);
    cw_line(w, "%s", window_result_call(n, "s", "p->start", "fire_at"));
    cw_close(w, "");
}

/* Tumbling windows, a tick of the early results: the entries that took
 * records since their last row, in the order the keys came. */
static void emit_pane_ticks(CWriter *w, const WindowStage *n)
{
    cw_open(w, "for (int64_t e = 0; e < p->count; e++)");
    cw_line(w, "%s *s = flow_pane_entry(p, e);", n->names->state);
    cw_line(w, "if (s->dirty)");
    cw_line(w, "    %s", window_result_call(n, "s", "p->start", "time"));
    cw_close(w, "");
}

static void emit_tumbling_fire_function(CWriter *w, const WindowStage *n)
{
    emit_pane_fire(w, n, n->late
        ? "A timer of the window's pane is due: at end - 1ms the results, in the order the "
          "keys came; at end - 1ms + lateness the pane goes."
        : "The timer of the window's pane is due (end - 1ms): the results, in the order the "
          "keys came, and the pane goes.", "FlowPane", "p", "p->start",
        arena_printf(n->arena, "flow_time_add(p->start, %s)", dur_plus(n->arena, n->size, -1)),
        emit_pane_results, emit_pane_ticks);
}

/* merge(dst, src): sliding windows add a pane's accumulators to those of a
 * window being put together (the window owns only its distinct-value sets);
 * session windows add a later session to the one a record bridged it to. */
static void emit_merge_function(Emitter *em, CWriter *w, const WindowStage *n)
{
    cw_blank(w);
    cw_line(w, "static void %s(%s *dst, const %s *src)", n->names->merge, n->names->state,
            n->names->state);
    open_block(w);
    cw_line(w, "bool first = dst->count == 0;");
    cw_line(w, "dst->count += src->count;");
    agg_emit_merge(em, w, n->items, n->session, n->session);
    cw_close(w, "");
}

/* Sliding windows with lateness: the updated result of the key of `probe`
 * for the window [end - SIZE, end), put together from the key's entries in
 * the window's panes. */
static void emit_one_window_function(CWriter *w, const WindowStage *n)
{
    const Op *wop = n->wop;
    cw_blank(w);
    cw_line(w, "static void %s(FlowRuntime *rt, const %s *probe, int64_t end)", n->names->window,
            n->names->state);
    open_block(w);
    cw_line(w, "FlowPanes *ps = flow_panes(rt, %d);", n->op);
    cw_line(w, "%s window = { 0 };", n->names->state);
    for (int k = 0; k < wop->nkey; k++)
        cw_line(w, "window.key%d = probe->key%d;", k, k);
    cw_open(w, "for (int64_t start = %s; start <= end - %s; start += %s)",
            window_start_of_end(n, "end"), dur_plus(n->arena, n->pane, 0),
            dur_plus(n->arena, n->pane, 0));
    cw_line(w, "FlowPane *p = flow_pane_find(ps, start);");
    cw_line(w, "uint64_t slot = 0;");
    cw_line(w, "const %s *src = p ? %s(p, probe, &slot) : NULL;", n->names->state, n->names->find);
    cw_line(w, "if (src)");
    cw_line(w, "    %s(&window, src);", n->names->merge);
    cw_close(w, "");
    if (n->early) {
        cw_line(w, "window.hash = probe->hash;");
        cw_line(w, "bool made; /* no: the window is kept */");
        cw_line(w, "FlowWindowEnd *w = flow_window_end_get(ps, end, &made);");
    }
    cw_line(w, "%s", window_result_call(n, "&window", window_of_end(n, "end"), "end - 1"));
    agg_emit_free_merged(w, n->items, "window");
    cw_close(w, "");
}

/* Sliding windows: the results of the window ending at w->end, with event
 * time `ts` when early. The entries of its panes are put together by key in
 * the operator's scratch pane, ordered by the first record of each key in
 * the window, and each key's result goes out. */
static void emit_window_end_merged(CWriter *w, const WindowStage *n, const char *ts)
{
    cw_line(w, "FlowPanes *ps = flow_panes(rt, %d);", n->op);
    cw_line(w, "FlowPane *window = flow_pane_scratch(ps, sizeof(%s));", n->names->state);
    cw_open(w, "for (int64_t start = %s; start <= w->end - %s; start += %s)",
            window_start_of_end(n, "w->end"), dur_plus(n->arena, n->pane, 0),
            dur_plus(n->arena, n->pane, 0));
    cw_line(w, "FlowPane *p = flow_pane_find(ps, start);");
    cw_line(w, "if (!p)");
    cw_line(w, "    continue;");
    cw_comment(w, true, "In table order: one sequential pass over the pane (the order "
                        "comes from the entries' order fields, sorted below).");
    cw_line(w, "const %s *entries = (const %s *)(void *)p->entries;", n->names->state,
            n->names->state);
    cw_open(w, "for (uint64_t e = 0; e <= p->mask; e++)");
    cw_line(w, "const %s *src = &entries[e];", n->names->state);
    cw_line(w, "if (!src->hash)");
    cw_line(w, "    continue;");
    cw_line(w, "uint64_t slot = 0;");
    cw_line(w, "%s *dst = %s(window, src, &slot);", n->names->state, n->names->find);
    cw_open(w, "if (!dst)");
    cw_comment(w, true, "The window's entries borrow the panes' strings.");
    cw_line(w, "dst = flow_pane_add(window, slot, src->hash);");
    cw_line(w, "dst->order = src->order;");
    for (int k = 0; k < n->wop->nkey; k++)
        cw_line(w, "dst->key%d = src->key%d;", k, k);
    cw_close(w, "");
    cw_line(w, "if (src->order < dst->order)");
    cw_line(w, "    dst->order = src->order;");
    cw_line(w, "%s(dst, src);", n->names->merge);
    cw_close(w, "");
    cw_close(w, "");
    cw_line(w, "flow_pane_sort(window);");
    cw_open(w, "for (int64_t e = 0; e < window->count; e++)");
    cw_line(w, "%s *merged = flow_pane_entry(window, e);", n->names->state);
    cw_line(w, "%s", window_result_call(n, "merged", window_of_end(n, "w->end"), ts));
    agg_emit_free_merged(w, n->items, "merged[0]");
    cw_close(w, "");
}

static void emit_window_end_results(CWriter *w, const WindowStage *n)
{
    emit_window_end_merged(w, n, "fire_at");
}

/* Sliding windows, a tick of the early results: every key of the window,
 * whose row goes out if its result changed. */
static void emit_window_end_ticks(CWriter *w, const WindowStage *n)
{
    emit_window_end_merged(w, n, "time");
}

/* Sliding windows: one timer per window end, shared by every key. At end -
 * 1ms the window's results; at end - 1ms + lateness (the same call without
 * lateness) the panes whose last window this is go. */
static void emit_sliding_fire_function(CWriter *w, const WindowStage *n)
{
    emit_pane_fire(w, n, n->late
        ? "A timer of a window end is due. At end - 1ms: the key's entries in the window's "
          "panes are put together in the scratch pane, ordered by each key's first record in "
          "the window, and the results go out; at end - 1ms + lateness the window goes."
        : "The timer of a window end is due (end - 1ms): the key's entries in the window's "
          "panes are put together in the scratch pane, ordered by each key's first record in "
          "the window, the results go out, and the window goes.",
        "FlowWindowEnd", "w", window_start_of_end(n, "w->end"), "w->end - 1",
        emit_window_end_results, emit_window_end_ticks);
}

/* Session windows, a tick of the early results: the session's row, when it
 * took records since its last one. */
static void emit_session_tick(CWriter *w, const WindowStage *n)
{
    cw_line(w, "if (s->dirty)");
    cw_line(w, "    %s", window_result_call(n, "s", "s->start", "time"));
}

/* Session windows: the timer was set at end - 1ms of the session when it
 * was made. A session that grew since then sets it again at its new end; one
 * merged into a later session only goes. With lateness, a session that fired
 * sets it at end - 1ms + L (again when it grew meanwhile), then goes. */
static void emit_session_fire_function(CWriter *w, const WindowStage *n)
{
    cw_blank(w);
    cw_line(w, "static void %s(FlowRuntime *rt, void *item, int64_t time)", n->names->fire);
    open_block(w);
    cw_line(w, "%s *s = item;", n->names->state);
    cw_open(w, "if (s->dead)");
    cw_line(w, "%s(s);", n->names->release);
    cw_line(w, "return;");
    cw_close(w, "");
    cw_line(w, "int64_t fire_at = flow_time_add(s->last, %s);", dur_plus(n->arena, n->gap, -1));
    cw_open(w, "if (!s->fired)");
    if (n->early)
        window_early_tick(w, n, "s", "s->start", "fire_at", emit_session_tick);
    else
        emit_timer_again(w, "time < fire_at", n->op, "fire_at", "s", true);
    cw_line(w, "s->fired = true;");
    if (n->results)
        cw_line(w, "%s", window_result_call(n, "s", "s->start", "fire_at"));
    cw_close(w, "");
    if (n->late) {
        cw_line(w, "int64_t free_at = flow_time_add(fire_at, %s);",
                dur_plus(n->arena, n->lateness, 0));
        emit_timer_again(w, "time < free_at", n->op, "free_at", "s", true);
    }
    cw_line(w, "FlowTable *table = flow_state_table(rt, %d);", n->op);
    cw_line(w, "%s *head = flow_table_find(table, s->hash, %s, s);", n->names->state,
            n->names->match);
    cw_open(w, "if (head == s)");
    cw_line(w, "flow_table_remove(table, s->hash, s);");
    cw_line(w, "if (s->next)");
    cw_line(w, "    flow_table_insert(table, s->hash, s->next);");
    cw_close(w, "");
    cw_open(w, "else");
    cw_comment(w, true, "Sessions of a key end in the order they start, so this is rare.");
    cw_line(w, "%s *prev = head;", n->names->state);
    cw_line(w, "while (prev->next != s)");
    cw_line(w, "    prev = prev->next;");
    cw_line(w, "prev->next = s->next;");
    cw_close(w, "");
    cw_line(w, "%s(s);", n->names->release);
    cw_close(w, "");
}

static bool any_live(const PlanEdgeList *edges)
{
    for (int i = 0; i < edges->n; i++)
        if (edges->items[i]->to->live)
            return true;
    return false;
}

/* When the timer of a window that starts at `start` and fires at fire_at
 * is first due: with early results, at the first tick (the locals
 * watermark, fire_at). */
static const char *first_due(const WindowStage *n, const char *start)
{
    if (!n->early)
        return "fire_at";
    return arena_printf(n->arena, "flow_early_tick(watermark, %s, %s, fire_at)", start,
                        dur_plus(n->arena, n->every, 0));
}

/* Session windows: the record's session, made, extended, or merged with the
 * later one when the record bridges the two. */
static void emit_session_find_or_make(Body *b, const WindowStage *n)
{
    CWriter *bw = &b->w;
    cw_line(bw, "bool fresh = s == NULL;");
    cw_open(bw, "if (fresh)");
    cw_line(bw, "s = flow_state_alloc(sizeof *s);");
    cw_line(bw, "s->hash = hash;");
    cw_line(bw, "s->start = s->last = ts;");
    emit_key_keep(bw, n->keytypes, n->wop->nkey);
    cw_line(bw, "s->next = next;");
    cw_open(bw, "if (prev)");
    cw_line(bw, "prev->next = s;");
    cw_close(bw, "");
    cw_open(bw, "else");
    cw_line(bw, "if (head)");
    cw_line(bw, "    flow_table_remove(table, hash, head);");
    cw_line(bw, "flow_table_insert(table, hash, s);");
    cw_close(bw, "");
    if (n->late) {
        cw_comment(bw, true, "A session that starts after its end - 1ms (within the lateness) "
                             "fires at once.");
        cw_line(bw, "s->fired = watermark >= fire_at;");
        cw_line(bw, "flow_timer_set(rt, %d, s->fired ? free_at : %s, s);", n->op,
                first_due(n, "ts"));
    } else {
        cw_line(bw, "flow_timer_set(rt, %d, %s, s);", n->op, first_due(n, "ts"));
    }
    cw_close(bw, "");
    cw_open(bw, "else");
    cw_line(bw, "if (ts < s->start)");
    cw_line(bw, "    s->start = ts;");
    cw_line(bw, "if (ts > s->last)");
    cw_line(bw, "    s->last = ts;");
    cw_line(bw, "%s *later = s->next;", n->names->state);
    cw_open(bw, "if (later && later->start < flow_time_add(s->last, %s))",
            dur_plus(n->arena, n->gap, 0));
    cw_comment(bw, true, "The record bridges two sessions: this one joins the later one, which "
                         "takes its place; its timer only frees it.");
    if (n->early)
        window_early_merge(bw, n);
    cw_line(bw, "%s(later, s);", n->names->merge);
    cw_line(bw, "later->start = s->start;");
    cw_line(bw, "if (prev)");
    cw_line(bw, "    prev->next = later;");
    cw_open(bw, "else");
    cw_line(bw, "flow_table_remove(table, hash, s);");
    cw_line(bw, "flow_table_insert(table, hash, later);");
    cw_close(bw, "");
    cw_line(bw, "s->dead = true;");
    cw_line(bw, "s = later;");
    cw_close(bw, "");
    cw_close(bw, "");
}

/* Ends a loop over the windows holding a pane at the last of them, testing
 * before the step so that `end` never steps past the end of time. */
static void emit_last_window_break(CWriter *w, const WindowStage *n)
{
    cw_line(w, "if (end > last_end - %s)", dur_plus(n->arena, n->slide, 0));
    cw_line(w, "    break; /* that was the last window holding the pane */");
}

/* The start of a window's stage function: the body, with the record's
 * window already placed by the caller. */
void window_input_begin(Emitter *em, Body *b, const WindowStage *n)
{
    body_init(b, em, n->window->in, "in->", "in");
    b->used_rt = b->used_ts = true;
    emit_loc_comment(em, &b->w, n->wop->loc, op_text(em->arena, n->wop));
    line_to_flow(em, &b->w, n->wop->loc);
}

/* `free_at`: when the record's (last) window goes, `fired` (a C expression,
 * the time it fires) + the lateness. */
void window_free_at(Body *b, const WindowStage *n, const char *fired)
{
    if (n->late)
        cw_line(&b->w, "int64_t free_at = flow_time_add(%s, %s);", fired,
                dur_plus(n->arena, n->lateness, 0));
    else
        cw_line(&b->w, "int64_t free_at = %s;", fired);
}

/* A record whose window is gone is late: to the `late as` stream, or
 * dropped and counted. */
void window_late_test(Body *b, const WindowStage *n)
{
    CWriter *bw = &b->w;
    cw_line(bw, "int64_t watermark = flow_operator_watermark(rt, %d);", n->op);
    cw_open(bw, "if (watermark >= free_at)");
    if (any_live(&n->window->late)) {
        cw_comment(bw, true, arena_printf(n->arena, "Late: to stream %s.", n->wop->window.late_as));
        push_to(b, &n->window->late);
    } else {
        cw_comment(bw, true, "Late: dropped and counted.");
        cw_line(bw, "flow_late_record(rt);");
    }
    cw_line(bw, "return;");
    cw_close(bw, "");
}

void window_sliding_bounds(Body *b, const WindowStage *n)
{
    Arena *a = n->arena;
    CWriter *bw = &b->w;
    cw_line(bw, "int64_t start = flow_window_start(ts, %s); /* its pane */",
            dur_plus(a, n->pane, 0));
    cw_line(bw, "int64_t last_end = flow_time_add(flow_window_start(ts, %s), %s);",
            dur_plus(a, n->cumulate ? n->size : n->slide, 0), dur_plus(a, n->size, 0));
    window_free_at(b, n, "last_end - 1");
    cw_comment(bw, true, "The first window holding the pane.");
    if (n->cumulate) {
        cw_line(bw, "int64_t first_end = flow_time_add(start, %s); /* the pane's own step */",
                dur_plus(a, n->slide, 0));
        return;
    }
    cw_line(bw, "int64_t first_end = flow_time_add(flow_window_start(flow_i64_sub(start, %s), "
                "%s), %s);", dur_plus(a, n->size, 0), dur_plus(a, n->slide, 0),
            dur_sum(a, n->slide, 1, n->size, 0));
}

/* The aggregates' arguments, arg0..: before the state is touched, so that a
 * record whose argument fails changes nothing. */
void window_arguments(Body *b, const WindowStage *n)
{
    agg_emit_arguments(b, n->items, n->window->in, n->aggregate->op->loc);
}

/* Tumbling and sliding windows: the probe of the record's key, and its
 * pane, opening the block that makes a new pane (the caller sets its
 * timers and closes it). */
static void emit_pane_get(Body *b, const WindowStage *n)
{
    CWriter *bw = &b->w;
    cw_line(bw, "%s probe;", n->names->state);
    emit_key_probe(b, n->window);
    cw_line(bw, "probe.hash = flow_inline_hash(%s(&probe));", n->names->hash);
    cw_comment(bw, true, "The pane: nearly always the last record's.");
    cw_line(bw, "FlowPanes *ps = flow_panes(rt, %d);", n->op);
    cw_line(bw, "FlowPane *p = ps->last;");
    cw_open(bw, "if (!p || p->start != start)");
    cw_line(bw, "bool made;");
    cw_line(bw, "p = flow_pane_get(ps, start, sizeof(%s), &made);", n->names->state);
}

/* Tumbling and sliding windows: the key's entry in the pane, made when the
 * key has none. */
static void emit_pane_entry(Body *b, const WindowStage *n)
{
    CWriter *bw = &b->w;
    cw_line(bw, "uint64_t slot = 0;");
    cw_line(bw, "%s *s = %s(p, &probe, &slot);", n->names->state, n->names->find);
    cw_line(bw, "bool fresh = s == NULL;");
    cw_open(bw, "if (fresh)");
    cw_line(bw, "s = flow_pane_add(p, slot, probe.hash);");
    if (n->sliding)
        cw_line(bw, "s->order = ps->next_order++;");
    emit_key_keep(bw, n->keytypes, n->wop->nkey);
    cw_close(bw, "");
}

/* The record goes into the state `s`: its count and every accumulator. */
void window_accumulate(Body *b, const WindowStage *n)
{
    CWriter *bw = &b->w;
    cw_line(bw, "s->count++;");
    if (n->early && !n->sliding) /* a sliding window's tick compares every key's result */
        cw_line(bw, "s->dirty = true;");
    agg_emit_accumulate(b, n->items);
}

/* Tumbling and session windows with lateness: a record that updated a
 * window that fired (`fired`) emits its updated result at once. */
void window_updated_result(Body *b, const WindowStage *n, const char *fired,
                                const char *start)
{
    if (!n->results || !n->late)
        return;
    CWriter *bw = &b->w;
    cw_comment(bw, true, "A late record within the lateness: an updated result.");
    cw_line(bw, "if (%s)", fired);
    cw_indent(bw);
    cw_line(bw, "%s", window_result_call(n, "s", start, n->session
        ? arena_printf(n->arena, "flow_time_add(s->last, %s)", dur_plus(n->arena, n->gap, -1))
        : "fire_at"));
    cw_dedent(bw);
}

/* The stage function around the body. */
void window_input_end(Emitter *em, CWriter *w, const PlanStage *st, const WindowStage *n,
                      Body *b)
{
    line_back(em, &b->w);
    cw_blank(w);
    cw_comment(w, true, arena_printf(em->arena, "Stage %d: the window of stream %s (%s:%d). One "
                                     "record in: its window's state is updated.", st->id,
                                     st->stream->name, em->plan->flow_file, n->wop->loc.line));
    emit_body_function(w, stage_signature(em, st), b, true);
}

static void emit_tumbling_input(Emitter *em, CWriter *w, const PlanStage *st,
                                const WindowStage *n)
{
    Body b;
    window_input_begin(em, &b, n);
    CWriter *bw = &b.w;
    cw_line(bw, "int64_t start = flow_window_start(ts, %s);", dur_plus(n->arena, n->size, 0));
    cw_line(bw, "int64_t fire_at = flow_time_add(start, %s);", dur_plus(n->arena, n->size, -1));
    window_free_at(&b, n, "fire_at");
    window_late_test(&b, n);
    window_arguments(&b, n);
    emit_pane_get(&b, n);
    if (n->late) {
        cw_comment(bw, true, "A window that already fired (late, within the lateness) "
                             "is only kept until free_at.");
        cw_open(bw, "if (made)");
        cw_line(bw, "p->fired = watermark >= fire_at;");
        cw_line(bw, "flow_timer_set(rt, %d, p->fired ? free_at : %s, p);", n->op,
                first_due(n, "start"));
        cw_close(bw, "");
    } else {
        cw_line(bw, "if (made)");
        cw_line(bw, "    flow_timer_set(rt, %d, %s, p);", n->op, first_due(n, "start"));
    }
    cw_close(bw, "");
    emit_pane_entry(&b, n);
    window_accumulate(&b, n);
    window_updated_result(&b, n, "p->fired", "p->start");
    window_input_end(em, w, st, n, &b);
}

static void emit_sliding_input(Emitter *em, CWriter *w, const PlanStage *st,
                               const WindowStage *n)
{
    Arena *a = n->arena;
    bool lateness = n->late;
    const char *late_by = dur_plus(a, n->lateness, 0);
    Body b;
    window_input_begin(em, &b, n);
    CWriter *bw = &b.w;
    /* Late when even the last window holding the record has fired. */
    window_sliding_bounds(&b, n);
    window_late_test(&b, n);
    window_arguments(&b, n);
    emit_pane_get(&b, n);
    cw_comment(bw, true, lateness
        ? "A new pane: each window holding it that is still kept gets its timer "
          "(one per window end, for all keys) unless it has one; one that fired "
          "already, the timer of the end of its lateness."
        : "A new pane: each window holding it that has not fired gets its timer (one "
          "per window end, for all keys) unless it has one.");
    cw_open(bw, "for (int64_t end = first_end; made; end += %s)", dur_plus(a, n->slide, 0));
    if (lateness)
        cw_open(bw, "if (watermark < flow_time_add(end - 1, %s))", late_by);
    else
        cw_open(bw, "if (watermark < end - 1)");
    cw_line(bw, "bool fresh_end;");
    cw_line(bw, "FlowWindowEnd *w = flow_window_end_get(ps, end, &fresh_end);");
    cw_open(bw, "if (fresh_end)");
    const char *due = n->early ? arena_printf(a, "flow_early_tick(watermark, end - %s, %s, "
                                                 "end - 1)", dur_plus(a, n->size, 0),
                                              dur_plus(a, n->every, 0))
                               : "end - 1";
    if (lateness) {
        cw_line(bw, "w->fired = watermark >= end - 1;");
        cw_line(bw, "flow_timer_set(rt, %d, w->fired ? flow_time_add(end - 1, %s) : %s, w);",
                n->op, late_by, due);
    } else {
        cw_line(bw, "flow_timer_set(rt, %d, %s, w);", n->op, due);
    }
    cw_close(bw, "");
    cw_close(bw, "");
    emit_last_window_break(bw, n);
    cw_close(bw, "");
    cw_close(bw, "");
    emit_pane_entry(&b, n);
    window_accumulate(&b, n);
    if (n->results && lateness) {
        cw_comment(bw, true, "A late record within the lateness: an updated result for each "
                             "window holding it that already fired and is still kept, oldest "
                             "first.");
        cw_open(bw, "for (int64_t end = first_end; end - 1 <= watermark; end += %s)",
                dur_plus(a, n->slide, 0));
        cw_line(bw, "if (watermark < flow_time_add(end - 1, %s))", late_by);
        cw_line(bw, "    %s(rt, s, end);", n->names->window);
        emit_last_window_break(bw, n);
        cw_close(bw, "");
    }
    window_input_end(em, w, st, n, &b);
}

static void emit_session_input(Emitter *em, CWriter *w, const PlanStage *st,
                               const WindowStage *n)
{
    Body b;
    window_input_begin(em, &b, n);
    CWriter *bw = &b.w;
    /* The record's own session would be [ts, ts + gap): it joins the key's
     * sessions that overlap it, at most two as sessions are at least gap
     * apart. */
    cw_line(bw, "%s probe = { 0 };", n->names->state);
    emit_key_probe(&b, n->window);
    cw_line(bw, "uint64_t hash = %s(&probe);", n->names->hash);
    cw_line(bw, "FlowTable *table = flow_state_table(rt, %d);", n->op);
    cw_line(bw, "%s *head = flow_table_find(table, hash, %s, &probe);", n->names->state,
            n->names->match);
    cw_line(bw, "int64_t reach = flow_time_add(ts, %s);", dur_plus(n->arena, n->gap, 0));
    cw_line(bw, "%s *prev = NULL, *s = head;", n->names->state);
    cw_open(bw, "while (s && s->start < reach && flow_time_add(s->last, %s) <= ts)",
            dur_plus(n->arena, n->gap, 0));
    cw_line(bw, "prev = s;");
    cw_line(bw, "s = s->next;");
    cw_close(bw, "");
    cw_line(bw, "%s *next = s;", n->names->state);
    cw_line(bw, "if (s && s->start >= reach)");
    cw_line(bw, "    s = NULL;");
    cw_line(bw, "int64_t fire_at = flow_time_add(s && s->last > ts ? s->last : ts, %s);",
            dur_plus(n->arena, n->gap, -1));
    window_free_at(&b, n, "fire_at");
    window_late_test(&b, n);
    window_arguments(&b, n);
    emit_session_find_or_make(&b, n);
    window_accumulate(&b, n);
    window_updated_result(&b, n, "s->fired", "s->start");
    window_input_end(em, w, st, n, &b);
}

/* The put (or, with `restore`, the get) of what a state struct holds after
 * its window-kind members, in the order emit_state_rest declares it: the
 * key, the count, every accumulator. */
void emit_window_ckpt_values(Emitter *em, CWriter *w, const PlanStage *st, const char *s,
                             bool restore)
{
    WindowStage n = window_stage(em, st);
    Arena *a = em->arena;
    const char *(*call)(Arena *, TypeKind, const char *) = restore ? ckpt_get_call : ckpt_put_call;
    if (restore)
        emit_ckpt_get_key(a, w, n.keytypes, n.wop->nkey, s);
    else
        emit_ckpt_put_key(a, w, n.keytypes, n.wop->nkey, s);
    cw_line(w, "%s", call(a, TY_INT64, arena_printf(a, "%s->count", s)));
    agg_emit_ckpt_values(em, w, n.items, s, restore);
    if (n.early)
        window_early_ckpt_values(w, &n, s, restore);
}

void emit_window_entry_release(Emitter *em, CWriter *w, const PlanStage *st, const char *s)
{
    WindowStage n = window_stage(em, st);
    window_entry_release(w, &n, s);
}

/* The functions that make a window's results. */
static void emit_results(Emitter *em, CWriter *w, const PlanStage *st, const WindowStage *n)
{
    if (n->early)
        window_early_functions(em, w, st, n);
    else if (n->results)
        window_result_function(em, w, st, n);
}

bool window_in_store(const Plan *plan, const PlanStage *st)
{
    /* Early results keep their state in memory for now (docs/checkpoints.md,
     * "What is left"). */
    return plan->state_rocksdb && !st->nodes[0]->op->update.has_every;
}

void emit_window_stage(Emitter *em, CWriter *w, const PlanStage *st)
{
    WindowStage n = window_stage(em, st);
    switch (n.wop->window.kind) {
    case WIN_TUMBLING:
        if (window_in_store(em->plan, st)) { /* the state store's variant (emit_window_kv.c) */
            emit_window_kv_tumbling(em, w, st);
            break;
        }
        emit_tumbling_state(em, w, &n);
        emit_results(em, w, st, &n);
        window_find_function(w, &n);
        emit_pane_release_function(w, &n);
        emit_tumbling_fire_function(w, &n);
        emit_tumbling_input(em, w, st, &n);
        break;
    case WIN_SLIDING:
    case WIN_CUMULATE:
        if (window_in_store(em->plan, st)) { /* the state store's variant (emit_window_kv.c) */
            emit_window_kv_sliding(em, w, st);
            break;
        }
        window_sliding_state(em, w, &n);
        emit_results(em, w, st, &n);
        window_find_function(w, &n);
        emit_pane_release_function(w, &n);
        if (n.results)
            emit_merge_function(em, w, &n);
        if (n.results && n.late)
            emit_one_window_function(w, &n);
        emit_sliding_fire_function(w, &n);
        emit_sliding_input(em, w, st, &n);
        break;
    case WIN_SESSION:
        if (window_in_store(em->plan, st)) { /* emit_window_kv_session.c */
            emit_window_kv_session(em, w, st);
            break;
        }
        emit_session_state(em, w, &n);
        emit_results(em, w, st, &n);
        emit_merge_function(em, w, &n);
        emit_session_fire_function(w, &n);
        emit_session_input(em, w, st, &n);
        break;
    }
}
