/* emit_kv_index.c: what the operators whose state is in the state store
 * (flow/kv.h) share: their FlowKvType, and the expiry index of keys that a
 * dedupe and a session window of a `state rocksdb` program keep: spaces of
 * keys listed by a time, each with its timer, the function that lists a
 * key, and the snapshot and restore of the operator's spaces
 * (docs/checkpoints.md, "RocksDB state"). */
#include "emit_impl.h"

void emit_kv_type(CWriter *w, const char *name, const char *state, const char *encode,
                  const char *decode, const char *release, const char *owned, bool one_group)
{
    cw_blank(w);
    cw_open(w, "static const FlowKvType %s =", name);
    cw_line(w, "sizeof(%s),", state);
    cw_line(w, "%s,", encode);
    cw_line(w, "%s,", decode);
    cw_line(w, "%s,", release);
    cw_line(w, "%s,", owned);
    cw_line(w, one_group ? "true, /* one key group: a span is visited whole, then deleted */"
                         : "false,");
    cw_close(w, ";");
}

void emit_kv_release(Emitter *em, CWriter *w, const char *name, const char *what)
{
    cw_blank(w);
    cw_comment(w, true, arena_printf(em->arena, "The run stops: the %s's cached states go; "
                                     "RocksDB keeps its own.", what));
    cw_line(w, "static void %s(void *item)", name);
    open_block(w);
    cw_line(w, "flow_kv_space_forget(item);");
    cw_close(w, "");
}

void emit_kv_index_entry(Emitter *em, CWriter *w, const KvIndex *x)
{
    Arena *a = em->arena;
    bool owns = false;
    for (int i = 0; i < x->nkey; i++)
        owns |= x->types[i] == TY_STRING;
    const char *encode = arena_printf(a, "%s_encode", x->type);
    const char *decode = arena_printf(a, "%s_decode", x->type);
    const char *release = owns ? arena_printf(a, "%s_release", x->type) : "NULL";
    const char *owned = owns ? arena_printf(a, "%s_owned", x->type) : "NULL";
    cw_blank(w);
    cw_comment(w, true, "An index entry's value in RocksDB: the key fields.");
    cw_line(w, "static void %s(FlowCkptOut *out, const void *state)", encode);
    open_block(w);
    cw_line(w, "const %s *s = state;", x->probe);
    emit_ckpt_put_key(a, w, x->types, x->nkey, "s");
    if (!x->nkey)
        cw_line(w, "(void)out, (void)s;");
    cw_close(w, "");
    cw_blank(w);
    cw_line(w, "static void %s(FlowCkptIn *in, void *state)", decode);
    open_block(w);
    cw_line(w, "%s *s = state;", x->probe);
    emit_ckpt_get_key(a, w, x->types, x->nkey, "s");
    if (!x->nkey)
        cw_line(w, "(void)in, (void)s;");
    cw_close(w, "");
    if (owns) {
        cw_blank(w);
        cw_line(w, "static void %s(void *state)", release);
        open_block(w);
        cw_line(w, "%s *s = state;", x->probe);
        emit_key_release(w, x->types, x->nkey, "s");
        cw_close(w, "");
        cw_blank(w);
        cw_line(w, "static size_t %s(const void *state)", owned);
        open_block(w);
        cw_line(w, "const %s *s = state;", x->probe);
        cw_line(w, "size_t n = 0;");
        emit_key_bytes(w, x->types, x->nkey, "s");
        cw_line(w, "return n;");
        cw_close(w, "");
    }
    emit_kv_type(w, x->type, x->probe, encode, decode, release, owned, true);
}

void emit_kv_enlist(Emitter *em, CWriter *w, const KvIndex *x, const char *comment)
{
    cw_blank(w);
    cw_comment(w, true, comment);
    cw_line(w, "static void %s(FlowRuntime *rt, %s probe, uint64_t hash, int64_t at)", x->enlist,
            x->probe);
    open_block(w);
    cw_line(w, "int64_t span = %s;", x->span);
    cw_line(w, "bool made;");
    cw_line(w, "FlowKvSpace *sp = flow_kv_space(rt, %d, span, &%s, &made);", x->op, x->type);
    cw_line(w, "if (made)");
    cw_line(w, "    flow_timer_set(rt, %d, %s, sp);", x->op, x->timer);
    if (x->nkey) {
        cw_line(w, "const %s *key = &probe;", x->probe);
        cw_line(w, "FlowCkptOut *out = flow_kv_key(rt, sp, hash);");
        emit_ckpt_put_key(em->arena, w, x->types, x->nkey, "key");
    } else {
        cw_line(w, "(void)probe;");
        cw_line(w, "flow_kv_key(rt, sp, hash); /* no key fields */");
    }
    cw_line(w, "bool fresh;");
    cw_line(w, "%s *s = flow_kv_get(rt, sp, &fresh);", x->probe);
    if (x->nkey) {
        cw_open(w, "if (fresh)");
        emit_key_keep(w, x->types, x->nkey);
        cw_close(w, "");
    } else {
        cw_line(w, "(void)s;");
    }
    cw_close(w, "");
}

void emit_kv_index_timers(Emitter *em, CWriter *w, const char *release, const char *fire,
                          const char *visit)
{
    emit_kv_release(em, w, release, "span");
    cw_blank(w);
    cw_comment(w, true, arena_printf(em->arena, "The timer of a span of the index is due: its "
                                     "keys are visited (%s), then the span goes.", visit));
    cw_line(w, "static void %s(FlowRuntime *rt, void *item, int64_t time)", fire);
    open_block(w);
    cw_line(w, "(void)time;");
    cw_line(w, "FlowKvSpace *sp = item;");
    cw_line(w, "flow_kv_space_drain(rt, sp, %s);", visit);
    cw_close(w, "");
}

void emit_kv_index_snapshot(Emitter *em, CWriter *w, const PlanStage *st, const char *what)
{
    emit_kv_spaces_snapshot(w, st, arena_printf(em->arena, "Checkpoint of the %s at %s:%d: the "
                                                "spans of its expiry index in the firing order "
                                                "of their timers, each with the timer's time "
                                                "and its start. The states and the index are "
                                                "in the store's copy (docs/checkpoints.md).",
                                                what, em->plan->flow_file,
                                                st->nodes[0]->op->loc.line), false);
}

void emit_kv_index_restore(Emitter *em, CWriter *w, const PlanStage *st, const char *what,
                           const char *states, const char *index)
{
    cw_blank(w);
    cw_comment(w, true, arena_printf(em->arena, "Restore of the %s at %s:%d, empty: its "
                                     "states, and each span of its index with its timer, in "
                                     "the order the timers were saved in, are in the store.",
                                     what, em->plan->flow_file, st->nodes[0]->op->loc.line));
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptIn *in)", st->names->restore);
    open_block(w);
    cw_line(w, "flow_kv_space_restored(rt, op, INT64_MIN, &%s);", states);
    cw_line(w, "int64_t n = flow_ckpt_get_count(in, INT64_MAX);");
    cw_open(w, "for (int64_t i = 0; i < n && !flow_ckpt_failed(in); i++)");
    cw_line(w, "int64_t time = flow_ckpt_get_i64(in);");
    cw_line(w, "FlowKvSpace *sp = flow_kv_space_restored(rt, op, flow_ckpt_get_i64(in), &%s);",
            index);
    cw_line(w, "if (sp) /* one timer per span, even if a corrupt checkpoint names it twice */");
    cw_line(w, "    flow_timer_set(rt, op, time, sp);");
    cw_close(w, "");
    cw_close(w, "");
}
