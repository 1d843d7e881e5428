/* emit_dedupe_kv.c: the C of a `key by K | dedupe within D` stage in a
 * `state rocksdb` program, whose per-key state lives in the runtime's store
 * (flow/kv.h, docs/checkpoints.md "RocksDB state") instead of a FlowTable.
 *
 * Per stage the generated file has:
 * - the state struct of one key (its burst: lo, hi, and the key fields),
 *   its hash, encode and decode, and two FlowKvTypes: the states' (all in
 *   one space, namespace INT64_MIN) and the expiry index's (spaces of
 *   D ms of expiry time each, holding the key fields of the keys whose burst
 *   expires in that span);
 * - the stage function: the key's state got or made; a record within D of a
 *   burst that has not expired is a duplicate (dropped, the burst widened);
 *   any other starts a new burst; a key whose expiry moves to another span
 *   is added to that span's index;
 * - the fire function of an index span, one timer per span (in memory), at
 *   the span's end: each key listed whose burst has expired by then goes; a
 *   key whose burst grew since is listed in a later span too;
 * - snapshot and restore: the spans and their timers, as the store's own
 *   copy holds the states and the index.
 *
 * A state expires when the operator's watermark reaches hi + D, as the
 * memory version's timer makes it go: a record that finds an expired state
 * (its span has not fired yet) treats it as gone, so the output is the
 * memory version's, record for record. */
#include <inttypes.h>
#include <string.h>

#include "emit_impl.h"
#include "explain.h"

/* The names this file gives the stage's functions. */
typedef struct DedupeKv {
    const char *state, *type, *index, *encode, *decode, *encode_key, *decode_key, *release_state,
        *owned, *expire, *enlist;
    const TypeKind *types;
    int nkey, op;
    DurC within;          /* `dedupe within D` */
    const char *w, *w1;   /* its C text, and of within - 1 */
    const char *wtext;    /* for comments */
} DedupeKv;

static DedupeKv dedupe_kv(Emitter *em, const PlanStage *st)
{
    Arena *a = em->arena;
    const char *s = st->names->state;
    const Op *op = st->nodes[0]->op;
    bool owns = false;
    DedupeKv k = {
        .state = s,
        .type = arena_printf(a, "%s_kv", s),
        .index = arena_printf(a, "%s_index", s),
        .encode = arena_printf(a, "%s_encode", s),
        .decode = arena_printf(a, "%s_decode", s),
        .encode_key = arena_printf(a, "%s_encode_key", s),
        .decode_key = arena_printf(a, "%s_decode_key", s),
        .expire = arena_printf(a, "%s_expire", s),
        .enlist = arena_printf(a, "%s_enlist", s),
        .types = key_types(em, st->nodes[0]),
        .nkey = op->nkey,
        .op = st->op_index,
        .within = dur_c(em, &op->dedupe.within),
    };
    k.w = dur_plus(a, k.within, 0);
    k.w1 = dur_plus(a, k.within, -1);
    k.wtext = dur_comment(a, k.within, &op->dedupe.within);
    for (int i = 0; i < k.nkey; i++)
        owns |= k.types[i] == TY_STRING;
    k.release_state = owns ? arena_printf(a, "%s_release", s) : "NULL";
    k.owned = owns ? arena_printf(a, "%s_owned", s) : "NULL";
    return k;
}

static void emit_codec(Emitter *em, CWriter *w, const DedupeKv *k, const char *name, bool restore,
                       bool burst)
{
    Arena *a = em->arena;
    cw_blank(w);
    if (restore)
        cw_line(w, "static void %s(FlowCkptIn *in, void *state)", name);
    else
        cw_line(w, "static void %s(FlowCkptOut *out, const void *state)", name);
    open_block(w);
    cw_line(w, "%s%s *s = state;", restore ? "" : "const ", k->state);
    if (restore)
        emit_ckpt_get_key(a, w, k->types, k->nkey, "s");
    else
        emit_ckpt_put_key(a, w, k->types, k->nkey, "s");
    if (burst) {
        cw_line(w, "%s", (restore ? ckpt_get_call : ckpt_put_call)(a, TY_INT64, "s->lo"));
        cw_line(w, "%s", (restore ? ckpt_get_call : ckpt_put_call)(a, TY_INT64, "s->hi"));
    }
    if (k->nkey == 0)
        cw_line(w, "(void)s;");
    if (!burst && k->nkey == 0)
        cw_line(w, "(void)%s;", restore ? "in" : "out");
    cw_close(w, "");
}

static void emit_state(Emitter *em, CWriter *w, const PlanStage *st, const DedupeKv *k)
{
    Arena *a = em->arena;
    const Op *op = st->nodes[0]->op;
    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "State of the dedupe at %s:%d, one per key, in the state "
                                     "store (flow/kv.h): the burst of its records seen each "
                                     "within %s of another.",
                                     em->plan->flow_file, op->loc.line, k->wtext));
    cw_open(w, "typedef struct %s", k->state);
    cw_line(w, "int64_t lo, hi;  /* earliest and latest event time of the burst */");
    emit_key_members(w, st->nodes[0]);
    cw_close(w, arena_printf(a, " %s;", k->state));
    cw_blank(w);
    emit_state_hash(em, w, st->names->hash, k->state, k->types, k->nkey, NULL);
    cw_blank(w);
    cw_comment(w, true, "Its value in RocksDB: the key fields and the burst; an entry of the "
                        "expiry index holds the key fields alone.");
    emit_codec(em, w, k, k->encode, false, true);
    emit_codec(em, w, k, k->decode, true, true);
    emit_codec(em, w, k, k->encode_key, false, false);
    emit_codec(em, w, k, k->decode_key, true, false);
    if (strcmp(k->release_state, "NULL") != 0) {
        cw_blank(w);
        cw_line(w, "static void %s(void *state)", k->release_state);
        open_block(w);
        cw_line(w, "%s *s = state;", k->state);
        emit_key_release(w, k->types, k->nkey, "s");
        cw_close(w, "");
        cw_blank(w);
        cw_comment(w, true, "The bytes it owns, which the store's cache counts.");
        cw_line(w, "static size_t %s(const void *state)", k->owned);
        open_block(w);
        cw_line(w, "const %s *s = state;", k->state);
        cw_line(w, "size_t n = 0;");
        emit_key_bytes(w, k->types, k->nkey, "s");
        cw_line(w, "return n;");
        cw_close(w, "");
    }
    emit_kv_type(w, k->type, k->state, k->encode, k->decode, k->release_state, k->owned, false);
    emit_kv_type(w, k->index, k->state, k->encode_key, k->decode_key, k->release_state, k->owned,
                 true);
}

/* The key of `probe` (its hash `hash`) into the writer of a key of `space`. */
static void emit_key_of(Emitter *em, CWriter *w, const DedupeKv *k, const char *space,
                        const char *probe, const char *hash)
{
    if (k->nkey == 0) {
        cw_line(w, "flow_kv_key(rt, %s, %s); /* no key fields */", space, hash);
        return;
    }
    cw_line(w, "FlowCkptOut *out = flow_kv_key(rt, %s, %s);", space, hash);
    emit_ckpt_put_key(em->arena, w, k->types, k->nkey, probe);
}

static void emit_index_functions(Emitter *em, CWriter *w, const PlanStage *st,
                                 const DedupeKv *k)
{
    KvIndex x = {
        .enlist = k->enlist, .probe = k->state, .type = k->index, .types = k->types,
        .nkey = k->nkey, .op = k->op,
        .span = arena_printf(em->arena, "flow_window_start(at, %s)", k->w),
        .timer = arena_printf(em->arena, "flow_time_add(span, %s)", k->w1),
    };
    emit_kv_enlist(em, w, &x, arena_printf(em->arena, "The key of `probe` is listed in the "
                                            "expiry index under the span of %s holding `at`, "
                                            "its expiry; a new span gets its timer at its end.",
                                            k->wtext));

    cw_blank(w);
    cw_comment(w, true, "A key of a span of the index that is due: its state goes if its burst "
                        "expired (else it grew, and a later span lists it).");
    cw_line(w, "static void %s(FlowRuntime *rt, const void *item, int64_t span)", k->expire);
    open_block(w);
    cw_line(w, "(void)span;");
    cw_line(w, "const %s *key = item;", k->state);
    cw_line(w, "bool made;");
    cw_line(w, "FlowKvSpace *states = flow_kv_space(rt, %d, INT64_MIN, &%s, &made);", k->op,
            k->type);
    emit_key_of(em, w, k, "states", "key", arena_printf(em->arena, "%s(key)",
                                                          st->names->hash));
    cw_line(w, "bool fresh;");
    cw_line(w, "const %s *s = flow_kv_get(rt, states, &fresh);", k->state);
    cw_line(w, "if (fresh || flow_time_add(s->hi, %s) <= flow_operator_watermark(rt, %d))",
            k->w, k->op);
    cw_line(w, "    flow_kv_delete(rt, states);");
    cw_close(w, "");

    emit_kv_index_timers(em, w, st->names->release, st->names->fire, k->expire);
}

void emit_dedupe_kv_stage(Emitter *em, CWriter *w, const PlanStage *st)
{
    Arena *a = em->arena;
    const PlanNode *node = st->nodes[0];
    const Op *op = node->op;
    DedupeKv k = dedupe_kv(em, st);
    emit_state(em, w, st, &k);
    emit_index_functions(em, w, st, &k);

    Body b;
    body_init(&b, em, node->in, "in->", "in");
    CWriter *bw = &b.w;
    b.used_rt = b.used_ts = true;
    emit_loc_comment(em, bw, op->loc, op_text(a, op));
    line_to_flow(em, bw, op->loc);
    cw_line(bw, "%s probe = { 0 };", k.state);
    emit_key_probe(&b, node);
    cw_line(bw, "uint64_t hash = %s(&probe);", st->names->hash);
    cw_line(bw, "bool made;");
    cw_line(bw, "FlowKvSpace *states = flow_kv_space(rt, %d, INT64_MIN, &%s, &made);", k.op,
            k.type);
    cw_line(bw, "const %s *key = &probe;", k.state);
    emit_key_of(em, bw, &k, "states", "key", "hash");
    cw_line(bw, "bool fresh;");
    cw_line(bw, "%s *s = flow_kv_get(rt, states, &fresh);", k.state);
    cw_comment(bw, true, "A burst whose expiry the watermark reached is gone, as its state "
                         "would be with state memory.");
    cw_line(bw, "bool live = !fresh && flow_operator_watermark(rt, %d) < flow_time_add(s->hi, "
                "%s);", k.op, k.w);
    cw_open(bw, "if (live && ts >= flow_i64_sub(s->lo, %s) && ts <= flow_time_add(s->hi, %s))",
            k.w, k.w);
    cw_comment(bw, true, "A duplicate: dropped, and the burst takes in its time; a later "
                         "expiry in another span lists the key there.");
    cw_line(bw, "int64_t was = s->hi;");
    cw_line(bw, "if (ts < s->lo)");
    cw_line(bw, "    s->lo = ts;");
    cw_open(bw, "if (ts > s->hi)");
    cw_line(bw, "s->hi = ts;");
    cw_line(bw, "int64_t expiry = flow_time_add(ts, %s);", k.w);
    cw_line(bw, "if (flow_window_start(expiry, %s) != flow_window_start(flow_time_add(was, %s), "
                "%s))", k.w, k.w, k.w);
    cw_line(bw, "    %s(rt, probe, hash, expiry);", k.enlist);
    cw_close(bw, "");
    cw_line(bw, "return;");
    cw_close(bw, "");
    if (k.nkey) {
        cw_open(bw, "if (fresh)");
        emit_key_keep(bw, k.types, k.nkey);
        cw_close(bw, "");
    }
    cw_comment(bw, true, "The record passes and starts a new burst of its key.");
    cw_line(bw, "s->lo = s->hi = ts;");
    cw_line(bw, "%s(rt, probe, hash, flow_time_add(ts, %s));", k.enlist, k.w);
    line_back(em, bw);
    emit_stage_rest(&b, st, 1);

    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "Stage %d: the dedupe of stream %s (%s:%d), its state "
                                     "in the store, then the operators after it.", st->id,
                                     st->stream->name, em->plan->flow_file, op->loc.line));
    emit_body_function(w, stage_signature(em, st), &b, true);
}

void emit_dedupe_kv_snapshot(Emitter *em, CWriter *w, const PlanStage *st)
{
    emit_kv_index_snapshot(em, w, st, "dedupe");
}

void emit_dedupe_kv_restore(Emitter *em, CWriter *w, const PlanStage *st)
{
    DedupeKv k = dedupe_kv(em, st);
    emit_kv_index_restore(em, w, st, "dedupe", k.type, k.index);
}
