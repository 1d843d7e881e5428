/* emit_window_kv.c: the C of a keyed tumbling or sliding window in a
 * `state rocksdb` program, whose state lives in the runtime's store
 * (flow/kv.h, docs/checkpoints.md "RocksDB state") instead of in panes.
 *
 * A sliding window of SIZE every SLIDE is SIZE / SLIDE overlapping windows
 * of SIZE, each a space of its own as a tumbling one is: a record updates
 * the state of its key in each window holding it (as Flink's sliding window
 * assigner does), so that a window's results are one key range at its end,
 * with nothing to merge.
 *
 * Per stage the generated file has:
 * - the state struct of one (key, window) (the key, the count, one
 *   accumulator per aggregate: emit_window.c's members) and its hash;
 * - its encode and decode, the checkpoint's put and get calls of the same
 *   members (emit_window_ckpt_values), and its FlowKvType;
 * - the stage function: the record's window (a FlowKvSpace, the timers'
 *   item), the key's bytes, then get-or-make its state in the store and
 *   update it;
 * - the fire function: at end - 1ms the window's results in (key group,
 *   key) order (flow_kv_each), at end - 1ms + lateness its states go;
 * - snapshot and restore, in checkpointed programs: the windows and their
 *   timers only, as the store's own copy holds the states. */
#include <inttypes.h>

#include "emit_aggregate.h"
#include "emit_window.h"

/* The names of the functions this file adds to a stage's. */
typedef struct KvNames {
    const char *type, *encode, *decode, *release_state, *owned, *each;
} KvNames;

static KvNames kv_names(Emitter *em, const WindowStage *n)
{
    Arena *a = em->arena;
    const char *s = n->names->state;
    return (KvNames){
        .type = arena_printf(a, "%s_kv", s),
        .encode = arena_printf(a, "%s_encode", s),
        .decode = arena_printf(a, "%s_decode", s),
        .release_state = window_owns_memory(n) ? arena_printf(a, "%s_release", s) : "NULL",
        .owned = window_owns_memory(n) ? arena_printf(a, "%s_owned", s) : "NULL",
        .each = arena_printf(a, "%s_each", s),
    };
}

/* A state's value in RocksDB, the checkpoint's encoding of its members (a
 * sliding window's after the order of its first record), its release and
 * its FlowKvType. */
static void emit_kv_codec(Emitter *em, CWriter *w, const PlanStage *st, const WindowStage *n,
                          const KvNames *k)
{
    cw_blank(w);
    cw_comment(w, true, "Its value in RocksDB: the checkpoint's encoding of its members.");
    cw_line(w, "static void %s(FlowCkptOut *out, const void *state)", k->encode);
    open_block(w);
    cw_line(w, "const %s *s = state;", n->names->state);
    if (n->sliding)
        cw_line(w, "flow_ckpt_put_u64(out, s->order);");
    emit_window_ckpt_values(em, w, st, "s", false);
    cw_close(w, "");
    cw_blank(w);
    cw_line(w, "static void %s(FlowCkptIn *in, void *state)", k->decode);
    open_block(w);
    cw_line(w, "%s *s = state;", n->names->state);
    if (n->sliding)
        cw_line(w, "s->order = flow_ckpt_get_u64(in);");
    emit_window_ckpt_values(em, w, st, "s", true);
    cw_close(w, "");
    if (window_owns_memory(n)) {
        cw_blank(w);
        cw_line(w, "static void %s(void *state)", k->release_state);
        open_block(w);
        cw_line(w, "%s *s = state;", n->names->state);
        window_entry_release(w, n, "s");
        cw_close(w, "");
        cw_blank(w);
        cw_comment(w, true, "The bytes it owns, which the store's cache counts.");
        cw_line(w, "static size_t %s(const void *state)", k->owned);
        open_block(w);
        cw_line(w, "const %s *s = state;", n->names->state);
        cw_line(w, "size_t n = 0;");
        emit_key_bytes(w, n->keytypes, n->wop->nkey, "s");
        agg_emit_owned_bytes(w, n->items, "s");
        cw_line(w, "return n;");
        cw_close(w, "");
    }
    emit_kv_type(w, k->type, n->names->state, k->encode, k->decode, k->release_state, k->owned,
                 false);
}

static void emit_kv_state(Emitter *em, CWriter *w, const PlanStage *st, const WindowStage *n,
                          const KvNames *k)
{
    cw_blank(w);
    cw_comment(w, true, arena_printf(em->arena, "State of one key in one window of the window "
                                     "at %s:%d, in the state store (flow/kv.h): cached, and "
                                     "in RocksDB once evicted or checkpointed.",
                                     em->plan->flow_file, n->wop->loc.line));
    cw_open(w, "typedef struct %s", n->names->state);
    window_state_members(em, w, n, "window");
    cw_blank(w);
    emit_state_hash(em, w, n->names->hash, n->names->state, n->keytypes, n->wop->nkey, NULL);
    emit_kv_codec(em, w, st, n, k);
}

/* The timers' release (shutdown, the checkpoint self-test) and fire
 * functions of a window. */
static void emit_kv_fire(Emitter *em, CWriter *w, const WindowStage *n, const KvNames *k)
{
    bool lateness = n->late;
    if (n->results) {
        cw_blank(w);
        cw_line(w, "static void %s(FlowRuntime *rt, const void *state, int64_t start)", k->each);
        open_block(w);
        cw_line(w, "%s(rt, state, start);", n->names->result);
        cw_close(w, "");
    }
    emit_kv_release(em, w, n->names->release, "window");
    cw_blank(w);
    cw_comment(w, true, lateness
        ? "A timer of the window is due: at end - 1ms its results, in (key group, key) order; "
          "at end - 1ms + lateness its states go."
        : "The timer of the window is due (end - 1ms): its results, in (key group, key) "
          "order, and its states go.");
    cw_line(w, "static void %s(FlowRuntime *rt, void *item, int64_t time)", n->names->fire);
    open_block(w);
    cw_line(w, "FlowKvSpace *sp = item;");
    if (!lateness)
        cw_line(w, "(void)time;");
    cw_open(w, "if (!sp->fired)");
    cw_line(w, "sp->fired = true;");
    if (n->results)
        cw_line(w, "flow_kv_each(rt, sp, %s);", k->each);
    if (lateness)
        emit_timer_again(w, NULL, n->op, n->rearm, "sp", true);
    cw_close(w, "");
    cw_line(w, "flow_kv_space_delete(rt, sp);");
    cw_close(w, "");
}

/* The key of `probe` written after the prefix of the space `sp`, then its
 * state `s`, got or made (`fresh`). */
static void emit_kv_key_state(Arena *a, CWriter *bw, const WindowStage *n)
{
    cw_line(bw, "const %s *key = &probe;", n->names->state);
    if (n->wop->nkey) {
        cw_line(bw, "FlowCkptOut *out = flow_kv_key(rt, sp, %s(key));", n->names->hash);
        emit_ckpt_put_key(a, bw, n->keytypes, n->wop->nkey, "key");
    } else {
        cw_line(bw, "flow_kv_key(rt, sp, %s(key)); /* no key fields */", n->names->hash);
    }
    cw_line(bw, "bool fresh;");
    cw_line(bw, "%s *s = flow_kv_get(rt, sp, &fresh);", n->names->state);
}

static void emit_kv_input(Emitter *em, CWriter *w, const PlanStage *st, const WindowStage *n,
                          const KvNames *k)
{
    Arena *a = em->arena;
    Body b;
    window_input_begin(em, &b, n);
    CWriter *bw = &b.w;
    cw_line(bw, "int64_t start = flow_window_start(ts, %s);", dur_plus(a, n->size, 0));
    cw_line(bw, "int64_t fire_at = flow_time_add(start, %s);", dur_plus(a, n->size, -1));
    window_free_at(&b, n, "fire_at");
    window_late_test(&b, n);
    window_arguments(&b, n);
    cw_line(bw, "%s probe;", n->names->state);
    emit_key_probe(&b, n->window);
    cw_comment(bw, true, "The window, nearly always the last record's.");
    cw_line(bw, "bool made;");
    cw_line(bw, "FlowKvSpace *sp = flow_kv_space(rt, %d, start, &%s, &made);", n->op, k->type);
    if (n->late) {
        cw_comment(bw, true, "A window that already fired (late, within the lateness) "
                             "is only kept until free_at.");
        cw_open(bw, "if (made)");
        cw_line(bw, "sp->fired = watermark >= fire_at;");
        cw_line(bw, "flow_timer_set(rt, %d, sp->fired ? free_at : fire_at, sp);", n->op);
        cw_close(bw, "");
    } else {
        cw_line(bw, "if (made)");
        cw_line(bw, "    flow_timer_set(rt, %d, fire_at, sp);", n->op);
    }
    cw_comment(bw, true, "The key's bytes after the window's prefix, then its state.");
    emit_kv_key_state(a, bw, n);
    if (n->wop->nkey) {
        cw_open(bw, "if (fresh)");
        emit_key_keep(bw, n->keytypes, n->wop->nkey);
        cw_close(bw, "");
    }
    window_accumulate(&b, n);
    window_updated_result(&b, n, "sp->fired", "sp->ns");
    window_input_end(em, w, st, n, &b);
}

/* ---- Sliding windows: a space per pane, the timers on window ends -------------------------- */

/* A sliding window's state of one key in one pane, as with panes in memory
 * (its hash only for the window's scratch pane), and its value in RocksDB. */
static void emit_kv_sliding_state(Emitter *em, CWriter *w, const PlanStage *st,
                                  const WindowStage *n, const KvNames *k)
{
    window_sliding_state(em, w, n);
    emit_kv_codec(em, w, st, n, k);
}

/* The merge of a pane's state into the window's scratch pane, keeping
 * copies of its strings: a state read back from RocksDB lives only for the
 * call. Then the scratch pane's entries, by each key's first record in the
 * window, are the window's results, as with panes in memory. */
static void emit_kv_sliding_gather(Emitter *em, CWriter *w, const WindowStage *n,
                                   const KvNames *k)
{
    cw_blank(w);
    cw_line(w, "static void %s(%s *dst, const %s *src)", n->names->merge, n->names->state,
            n->names->state);
    open_block(w);
    cw_line(w, "bool first = dst->count == 0;");
    cw_line(w, "dst->count += src->count;");
    agg_emit_merge(em, w, n->items, false, true);
    cw_close(w, "");
    cw_blank(w);
    cw_comment(w, true, "flow_kv_each's visit of one pane's state: into the window's scratch "
                        "pane.");
    cw_line(w, "static void %s(FlowRuntime *rt, const void *state, int64_t start)", k->each);
    open_block(w);
    cw_line(w, "(void)start;");
    cw_line(w, "const %s *src = state;", n->names->state);
    cw_line(w, "FlowPane *window = &flow_panes(rt, %d)->merged;", n->op);
    cw_line(w, "%s probe;", n->names->state);
    for (int i = 0; i < n->wop->nkey; i++)
        cw_line(w, "probe.key%d = src->key%d;", i, i);
    cw_line(w, "probe.hash = flow_inline_hash(%s(&probe));", n->names->hash);
    cw_line(w, "uint64_t slot = 0;");
    cw_line(w, "%s *dst = %s(window, &probe, &slot);", n->names->state, n->names->find);
    cw_open(w, "if (!dst)");
    cw_line(w, "dst = flow_pane_add(window, slot, probe.hash);");
    cw_line(w, "dst->order = src->order;");
    for (int i = 0; i < n->wop->nkey; i++)
        cw_line(w, "dst->key%d = %s;", i, n->keytypes[i] == TY_STRING
                ? arena_printf(em->arena, "flow_str_keep(src->key%d)", i)
                : arena_printf(em->arena, "src->key%d", i));
    cw_close(w, "");
    cw_line(w, "if (src->order < dst->order)");
    cw_line(w, "    dst->order = src->order;");
    cw_line(w, "%s(dst, src);", n->names->merge);
    cw_close(w, "");
}

/* The panes of the window ending at w->end whose last window it is go:
 * `call` (flow_kv_space_delete after the fire, flow_kv_space_forget at
 * shutdown) on each that is there. */
static void emit_kv_last_panes(CWriter *w, const WindowStage *n, const char *call)
{
    window_last_panes(w, n);
    cw_open(w, "for (int64_t start = from; start < to; start += %s)",
            dur_plus(n->arena, n->pane, 0));
    cw_line(w, "FlowKvSpace *sp = flow_kv_space_find(rt, %d, start);", n->op);
    cw_line(w, "if (sp)");
    cw_line(w, "    %s;", call);
    cw_close(w, "");
    cw_line(w, "flow_window_end_free(ps, w);");
}

static void emit_kv_sliding_fire(CWriter *w, const WindowStage *n, const KvNames *k)
{
    bool lateness = n->late;
    cw_blank(w);
    cw_comment(w, true, "The run stops: the window end goes, with the cached states of the "
                        "panes whose last window it is; RocksDB keeps its own.");
    cw_line(w, "static void %s(void *item)", n->names->release);
    open_block(w);
    cw_line(w, "FlowWindowEnd *w = item;");
    cw_line(w, "FlowPanes *ps = w->owner;");
    cw_line(w, "FlowRuntime *rt = ps->rt;");
    emit_kv_last_panes(w, n, "flow_kv_space_forget(sp)");
    cw_close(w, "");
    cw_blank(w);
    cw_comment(w, true, lateness
        ? "A timer of a window end is due. At end - 1ms: the key's states in the window's panes "
          "are put together in the scratch pane, ordered by each key's first record in the "
          "window, and the results go out; at end - 1ms + lateness the panes whose last window "
          "this is go."
        : "The timer of a window end is due (end - 1ms): the key's states in the window's "
          "panes are put together in the scratch pane, ordered by each key's first record in "
          "the window, the results go out, and the panes whose last window this is go.");
    cw_line(w, "static void %s(FlowRuntime *rt, void *item, int64_t time)", n->names->fire);
    open_block(w);
    if (!lateness)
        cw_line(w, "(void)time;");
    cw_line(w, "FlowWindowEnd *w = item;");
    cw_line(w, "FlowPanes *ps = w->owner;");
    if (n->results) {
        cw_open(w, "if (!w->fired)");
        cw_line(w, "w->fired = true;");
        cw_line(w, "FlowPane *window = flow_pane_scratch(ps, sizeof(%s));", n->names->state);
        cw_open(w, "for (int64_t start = %s; start <= w->end - %s; start += %s)",
                window_start_of_end(n, "w->end"), dur_plus(n->arena, n->pane, 0),
                dur_plus(n->arena, n->pane, 0));
        cw_line(w, "FlowKvSpace *sp = flow_kv_space_find(rt, %d, start);", n->op);
        cw_line(w, "if (sp)");
        cw_line(w, "    flow_kv_each(rt, sp, %s);", k->each);
        cw_close(w, "");
        cw_line(w, "flow_pane_sort(window);");
        cw_open(w, "for (int64_t e = 0; e < window->count; e++)");
        cw_line(w, "%s *merged = flow_pane_entry(window, e);", n->names->state);
        cw_line(w, "%s", window_result_call(n, "merged", window_of_end(n, "w->end"),
                                            "w->end - 1"));
        window_entry_release(w, n, "merged");
        cw_close(w, "");
        if (lateness)
            emit_timer_again(w, NULL, n->op, n->rearm, "w", true);
        cw_close(w, "");
    } else if (lateness) {
        cw_open(w, "if (!w->fired)");
        cw_line(w, "w->fired = true;");
        emit_timer_again(w, NULL, n->op, n->rearm, "w", true);
        cw_close(w, "");
    } else {
        cw_line(w, "w->fired = true;");
    }
    emit_kv_last_panes(w, n, "flow_kv_space_delete(rt, sp)");
    cw_close(w, "");
}

/* A sliding window's record: the key's state in its pane, got or made; a
 * new pane gives each window holding it that has not fired its timer (one
 * per window end) unless it has one. Late when even the last window holding
 * it has fired, as with panes in memory. A pane's `fired` says that its
 * window ends were made: a restore makes the panes of every window end it
 * reads, some of which had no state yet, so the first record of a restored
 * pane makes its ends again (those not made are found, those that fired
 * are not made). */
static void emit_kv_sliding_input(Emitter *em, CWriter *w, const PlanStage *st,
                                  const WindowStage *n, const KvNames *k)
{
    Arena *a = em->arena;
    Body b;
    window_input_begin(em, &b, n);
    CWriter *bw = &b.w;
    window_sliding_bounds(&b, n);
    window_late_test(&b, n);
    window_arguments(&b, n);
    cw_line(bw, "%s probe;", n->names->state);
    emit_key_probe(&b, n->window);
    cw_line(bw, "FlowPanes *ps = flow_panes(rt, %d);", n->op);
    cw_line(bw, "bool made;");
    cw_line(bw, "FlowKvSpace *sp = flow_kv_space(rt, %d, start, &%s, &made);", n->op, k->type);
    cw_line(bw, "bool new_pane = !sp->fired;");
    cw_line(bw, "sp->fired = true;");
    cw_open(bw, "for (int64_t end = first_end; new_pane; end += %s)", dur_plus(a, n->slide, 0));
    if (n->late) {
        const char *late_by = dur_plus(a, n->lateness, 0);
        cw_comment(bw, true, "A window end still kept: one that fired already gets the timer "
                             "of the end of its lateness.");
        cw_open(bw, "if (watermark < flow_time_add(end - 1, %s))", late_by);
        cw_line(bw, "bool fresh_end;");
        cw_line(bw, "FlowWindowEnd *w = flow_window_end_get(ps, end, &fresh_end);");
        cw_open(bw, "if (fresh_end)");
        cw_line(bw, "w->fired = watermark >= end - 1;");
        cw_line(bw, "flow_timer_set(rt, %d, w->fired ? flow_time_add(end - 1, %s) : end - 1, w);",
                n->op, late_by);
        cw_close(bw, "");
    } else {
        cw_open(bw, "if (watermark < end - 1)");
        cw_line(bw, "bool fresh_end;");
        cw_line(bw, "FlowWindowEnd *w = flow_window_end_get(ps, end, &fresh_end);");
        cw_line(bw, "if (fresh_end)");
        cw_line(bw, "    flow_timer_set(rt, %d, end - 1, w);", n->op);
    }
    cw_close(bw, "");
    cw_line(bw, "if (end > last_end - %s)", dur_plus(a, n->slide, 0));
    cw_line(bw, "    break; /* that was the last window holding the pane */");
    cw_close(bw, "");
    cw_comment(bw, true, "The key's bytes after the pane's prefix, then its state.");
    emit_kv_key_state(a, bw, n);
    cw_open(bw, "if (fresh)");
    cw_line(bw, "s->order = ps->next_order++;");
    emit_key_keep(bw, n->keytypes, n->wop->nkey);
    cw_close(bw, "");
    window_accumulate(&b, n);
    if (n->results && n->late) {
        cw_comment(bw, true, "A late record within the lateness: an updated result for each "
                             "window holding it that already fired and is still kept, oldest "
                             "first.");
        cw_open(bw, "for (int64_t end = first_end; end - 1 <= watermark; end += %s)",
                dur_plus(a, n->slide, 0));
        cw_line(bw, "if (watermark < flow_time_add(end - 1, %s))", dur_plus(a, n->lateness, 0));
        cw_line(bw, "    %s(rt, &probe, end);", n->names->window);
        cw_line(bw, "if (end > last_end - %s)", dur_plus(a, n->slide, 0));
        cw_line(bw, "    break; /* that was the last window holding the pane */");
        cw_close(bw, "");
    }
    window_input_end(em, w, st, n, &b);
}

/* With lateness: the updated result of the key of `probe` for the window
 * [start of end, end), put together from the key's states in the window's
 * panes, looked up in the store without making them (a state read back
 * lives until the next lookup: the merge keeps copies of its strings). */
static void emit_kv_one_window(Emitter *em, CWriter *w, const WindowStage *n)
{
    Arena *a = em->arena;
    cw_blank(w);
    cw_comment(w, true, "A late record's updated result for the window ending at `end`: the "
                        "key's states in the window's panes, merged.");
    cw_line(w, "static void %s(FlowRuntime *rt, const %s *probe, int64_t end)", n->names->window,
            n->names->state);
    open_block(w);
    cw_line(w, "%s window = { 0 };", n->names->state);
    for (int i = 0; i < n->wop->nkey; i++)
        cw_line(w, n->keytypes[i] == TY_STRING ? "window.key%d = flow_str_keep(probe->key%d);"
                                               : "window.key%d = probe->key%d;", i, i);
    cw_open(w, "for (int64_t start = %s; start <= end - %s; start += %s)",
            window_start_of_end(n, "end"), dur_plus(a, n->pane, 0), dur_plus(a, n->pane, 0));
    cw_line(w, "FlowKvSpace *sp = flow_kv_space_find(rt, %d, start);", n->op);
    cw_line(w, "if (!sp)");
    cw_line(w, "    continue;");
    if (n->wop->nkey) {
        cw_line(w, "FlowCkptOut *out = flow_kv_key(rt, sp, %s(probe));", n->names->hash);
        emit_ckpt_put_key(a, w, n->keytypes, n->wop->nkey, "probe");
    } else {
        cw_line(w, "flow_kv_key(rt, sp, %s(probe)); /* no key fields */", n->names->hash);
    }
    cw_line(w, "const %s *src = flow_kv_peek(rt, sp);", n->names->state);
    cw_line(w, "if (src)");
    cw_line(w, "    %s(&window, src);", n->names->merge);
    cw_close(w, "");
    cw_line(w, "%s", window_result_call(n, "&window", window_of_end(n, "end"), "end - 1"));
    window_entry_release(w, n, "(&window)");
    cw_close(w, "");
}

void emit_window_kv_sliding(Emitter *em, CWriter *w, const PlanStage *st)
{
    WindowStage n = window_stage(em, st);
    KvNames k = kv_names(em, &n);
    emit_kv_sliding_state(em, w, st, &n, &k);
    if (n.results) {
        window_result_function(em, w, st, &n);
        window_find_function(w, &n);
        emit_kv_sliding_gather(em, w, &n, &k);
        if (n.late)
            emit_kv_one_window(em, w, &n);
    }
    emit_kv_sliding_fire(w, &n, &k);
    emit_kv_sliding_input(em, w, st, &n, &k);
}

void emit_window_kv_tumbling(Emitter *em, CWriter *w, const PlanStage *st)
{
    WindowStage n = window_stage(em, st);
    KvNames k = kv_names(em, &n);
    emit_kv_state(em, w, st, &n, &k);
    if (n.results)
        window_result_function(em, w, st, &n);
    emit_kv_fire(em, w, &n, &k);
    emit_kv_input(em, w, st, &n, &k);
}

/* A sliding window's: its window ends in the firing order of their timers,
 * each with the timer's time and its end; its panes are those of the ends. */
static void emit_kv_sliding_snapshot(Emitter *em, CWriter *w, const PlanStage *st)
{
    cw_blank(w);
    cw_comment(w, true, arena_printf(em->arena, "Checkpoint of the sliding window at %s:%d: its "
                                     "window ends in the firing order of their timers, each "
                                     "with the timer's time, its end and whether it fired (a "
                                     "window kept for its lateness). The panes' states are "
                                     "in the store's copy (docs/checkpoints.md).",
                                     em->plan->flow_file, st->nodes[0]->op->loc.line));
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptOut *out)", st->names->snapshot);
    open_block(w);
    cw_line(w, "int64_t n = 0;");
    cw_line(w, "FlowTimerRef *timers = flow_timers_pending(rt, op, &n);");
    cw_line(w, "flow_ckpt_put_i64(out, n);");
    cw_open(w, "for (int64_t i = 0; i < n; i++)");
    cw_line(w, "const FlowWindowEnd *e = timers[i].item;");
    cw_line(w, "flow_ckpt_put_i64(out, timers[i].time);");
    cw_line(w, "flow_ckpt_put_i64(out, e->end);");
    cw_line(w, "flow_ckpt_put_bool(out, e->fired);");
    cw_close(w, "");
    cw_line(w, "flow_state_free(timers);");
    cw_close(w, "");
}

static void emit_kv_sliding_restore(Emitter *em, CWriter *w, const PlanStage *st)
{
    WindowStage n = window_stage(em, st);
    KvNames k = kv_names(em, &n);
    cw_blank(w);
    cw_comment(w, true, arena_printf(em->arena, "Restore of the sliding window at %s:%d, empty: "
                                     "each window end is made again with its timer, in the "
                                     "order the timers were saved in, and the panes it holds, "
                                     "whose states are in the store.",
                                     em->plan->flow_file, n.wop->loc.line));
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptIn *in)", st->names->restore);
    open_block(w);
    cw_line(w, "FlowPanes *ps = flow_panes(rt, op);");
    cw_line(w, "int64_t n = flow_ckpt_get_count(in, INT64_MAX);");
    cw_open(w, "for (int64_t i = 0; i < n && !flow_ckpt_failed(in); i++)");
    cw_line(w, "int64_t time = flow_ckpt_get_i64(in);");
    cw_line(w, "int64_t end = flow_ckpt_get_i64(in);");
    cw_line(w, "bool fired = flow_ckpt_get_bool(in);");
    cw_line(w, "bool made;");
    cw_line(w, "FlowWindowEnd *e = flow_window_end_get(ps, end, &made);");
    cw_line(w, "if (!made)");
    cw_line(w, "    continue; /* named twice: only in a corrupt checkpoint */");
    cw_line(w, "e->fired = fired;");
    cw_line(w, "flow_timer_set(rt, op, time, e);");
    cw_comment(w, true, "Its panes; one that another end made already is that one.");
    cw_line(w, "for (int64_t start = %s; start <= end - %s; start += %s)",
            window_start_of_end(&n, "end"), dur_plus(n.arena, n.pane, 0),
            dur_plus(n.arena, n.pane, 0));
    cw_line(w, "    flow_kv_space_restored(rt, op, start, &%s);", k.type);
    cw_close(w, "");
    cw_close(w, "");
}

void emit_window_kv_snapshot(Emitter *em, CWriter *w, const PlanStage *st)
{
    if (st->nodes[0]->op->window.kind != WIN_TUMBLING) { /* sliding or cumulating */
        emit_kv_sliding_snapshot(em, w, st);
        return;
    }
    emit_kv_spaces_snapshot(w, st, arena_printf(em->arena, "Checkpoint of the window at %s:%d: "
                                                "its windows in the firing order of their "
                                                "timers, each with the timer's time, its start "
                                                "and whether it fired. The states are in the "
                                                "store's copy (docs/checkpoints.md).",
                                                em->plan->flow_file,
                                                st->nodes[0]->op->loc.line), true);
}

void emit_window_kv_restore(Emitter *em, CWriter *w, const PlanStage *st)
{
    if (st->nodes[0]->op->window.kind != WIN_TUMBLING) { /* sliding or cumulating */
        emit_kv_sliding_restore(em, w, st);
        return;
    }
    WindowStage n = window_stage(em, st);
    KvNames k = kv_names(em, &n);
    cw_blank(w);
    cw_comment(w, true, arena_printf(em->arena, "Restore of the window at %s:%d, empty: each "
                                     "window is made again with its timer, in the order the "
                                     "timers were saved in; its states are in the store.",
                                     em->plan->flow_file, n.wop->loc.line));
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptIn *in)", st->names->restore);
    open_block(w);
    cw_line(w, "int64_t n = flow_ckpt_get_count(in, INT64_MAX);");
    cw_open(w, "for (int64_t i = 0; i < n && !flow_ckpt_failed(in); i++)");
    cw_line(w, "int64_t time = flow_ckpt_get_i64(in);");
    cw_line(w, "int64_t start = flow_ckpt_get_i64(in);");
    cw_line(w, "bool fired = flow_ckpt_get_bool(in);");
    cw_line(w, "FlowKvSpace *sp = flow_kv_space_restored(rt, op, start, &%s);", k.type);
    cw_line(w, "if (!sp)");
    cw_line(w, "    continue; /* named twice: only in a corrupt checkpoint */");
    cw_line(w, "sp->fired = fired;");
    cw_line(w, "flow_timer_set(rt, op, time, sp);");
    cw_close(w, "");
    cw_close(w, "");
}
