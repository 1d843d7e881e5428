/* emit_window_kv.c: the C of a keyed tumbling window in a `state rocksdb`
 * program, whose state lives in the runtime's store (flow/kv.h,
 * docs/checkpoints.md "RocksDB state") instead of in panes.
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

#include "emit_window.h"

/* The names of the functions this file adds to a stage's. */
typedef struct KvNames {
    const char *type, *encode, *decode, *release_state, *each;
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
        .each = arena_printf(a, "%s_each", s),
    };
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

    cw_blank(w);
    cw_comment(w, true, "Its value in RocksDB: the checkpoint's encoding of its members.");
    cw_line(w, "static void %s(FlowCkptOut *out, const void *state)", k->encode);
    open_block(w);
    cw_line(w, "const %s *s = state;", n->names->state);
    emit_window_ckpt_values(em, w, st, "s", false);
    cw_close(w, "");
    cw_blank(w);
    cw_line(w, "static void %s(FlowCkptIn *in, void *state)", k->decode);
    open_block(w);
    cw_line(w, "%s *s = state;", n->names->state);
    emit_window_ckpt_values(em, w, st, "s", true);
    cw_close(w, "");
    if (window_owns_memory(n)) {
        cw_blank(w);
        cw_line(w, "static void %s(void *state)", k->release_state);
        open_block(w);
        cw_line(w, "%s *s = state;", n->names->state);
        window_entry_release(w, n, "s");
        cw_close(w, "");
    }
    cw_blank(w);
    cw_open(w, "static const FlowKvType %s =", k->type);
    cw_line(w, "sizeof(%s),", n->names->state);
    cw_line(w, "%s,", k->encode);
    cw_line(w, "%s,", k->decode);
    cw_line(w, "%s,", k->release_state);
    cw_close(w, ";");
}

/* The timers' release (shutdown, the checkpoint self-test) and fire
 * functions of a window. */
static void emit_kv_fire(CWriter *w, const WindowStage *n, const KvNames *k)
{
    bool lateness = n->late;
    if (n->results) {
        cw_blank(w);
        cw_line(w, "static void %s(FlowRuntime *rt, const void *state, int64_t start)", k->each);
        open_block(w);
        cw_line(w, "%s(rt, state, start);", n->names->result);
        cw_close(w, "");
    }
    cw_blank(w);
    cw_comment(w, true, "The run stops: the window's cached states go; RocksDB keeps its own.");
    cw_line(w, "static void %s(void *item)", n->names->release);
    open_block(w);
    cw_line(w, "flow_kv_space_forget(item);");
    cw_close(w, "");
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
    cw_line(bw, "const %s *key = &probe;", n->names->state);
    if (n->wop->nkey) {
        cw_line(bw, "FlowCkptOut *out = flow_kv_key(rt, sp, %s(key));", n->names->hash);
        emit_ckpt_put_key(a, bw, n->keytypes, n->wop->nkey, "key");
    } else {
        cw_line(bw, "flow_kv_key(rt, sp, %s(key)); /* no key fields */", n->names->hash);
    }
    cw_line(bw, "bool fresh;");
    cw_line(bw, "%s *s = flow_kv_get(rt, sp, &fresh);", n->names->state);
    if (n->wop->nkey) {
        cw_open(bw, "if (fresh)");
        emit_key_keep(bw, n->keytypes, n->wop->nkey);
        cw_close(bw, "");
    }
    window_accumulate(&b, n);
    window_updated_result(&b, n, "sp->fired", "sp->ns");
    window_input_end(em, w, st, n, &b);
}

void emit_window_kv_tumbling(Emitter *em, CWriter *w, const PlanStage *st)
{
    WindowStage n = window_stage(em, st);
    KvNames k = kv_names(em, &n);
    emit_kv_state(em, w, st, &n, &k);
    if (n.results)
        window_result_function(em, w, st, &n);
    emit_kv_fire(w, &n, &k);
    emit_kv_input(em, w, st, &n, &k);
}

void emit_window_kv_snapshot(Emitter *em, CWriter *w, const PlanStage *st)
{
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
