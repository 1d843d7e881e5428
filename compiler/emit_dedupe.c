/* emit_dedupe.c: the C of a `key by K | dedupe within D` stage
 * (docs/language.md, "dedupe").
 *
 * Per key the generated code keeps the current burst: the earliest and the
 * latest time of the records of that key seen in it, each within D of
 * another (event time, or in processing time the time of arrival). A record
 * within D of the burst ([lo - D, hi + D]) is a duplicate: it is dropped and
 * widens the burst. Any other record passes and starts a
 * new burst for its key. The state of a key goes when the watermark reaches
 * hi + D, after which no record on time can be within D of the burst. The
 * state struct holds the key fields in their own C types (strings copied)
 * and lives in the runtime's FlowTable, like a window's. */
#include <inttypes.h>

#include "emit_impl.h"
#include "explain.h"

static void emit_state(Emitter *em, CWriter *w, const PlanStage *st, const TypeKind *types)
{
    Arena *a = em->arena;
    const Op *op = st->nodes[0]->op;
    const char *state = st->names->state;
    DurC within = dur_c(em, &op->dedupe.within);

    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "State of the dedupe at %s:%d, one per key: the "
                                     "burst of its records seen each within %s of "
                                     "another.", em->plan->flow_file, op->loc.line,
                                     dur_comment(a, within, &op->dedupe.within)));
    cw_open(w, "typedef struct %s", state);
    cw_line(w, "uint64_t hash;");
    cw_line(w, "int64_t lo, hi;  /* earliest and latest event time of the burst */");
    emit_key_members(w, st->nodes[0]);
    cw_close(w, arena_printf(a, " %s;", state));

    cw_blank(w);
    emit_state_hash(em, w, st->names->hash, state, types, op->nkey, NULL);
    cw_blank(w);
    emit_state_match(em, w, st->names->match, state, types, op->nkey, NULL, false);

    cw_blank(w);
    cw_line(w, "static void %s(void *item)", st->names->release);
    open_block(w);
    cw_line(w, "%s *s = item;", state);
    emit_key_release(w, types, op->nkey, "s");
    cw_line(w, "flow_state_free(s);");
    cw_close(w, "");

    cw_blank(w);
    cw_comment(w, true, "The watermark reached the burst's latest time + within: the key's "
                        "state goes, unless the burst grew meanwhile.");
    cw_line(w, "static void %s(FlowRuntime *rt, void *item, int64_t time)",
            st->names->fire);
    open_block(w);
    cw_line(w, "%s *s = item;", state);
    cw_line(w, "int64_t until = flow_time_add(s->hi, %s);", dur_plus(a, within, 0));
    emit_timer_again(w, "until > time", st->op_index, "until", "s", true);
    cw_line(w, "flow_table_remove(flow_state_table(rt, %d), s->hash, s);", st->op_index);
    cw_line(w, "%s(s);", st->names->release);
    cw_close(w, "");
}

void emit_dedupe_stage(Emitter *em, CWriter *w, const PlanStage *st)
{
    if (em->plan->state_rocksdb) { /* the state store's variant (emit_dedupe_kv.c) */
        emit_dedupe_kv_stage(em, w, st);
        return;
    }
    Arena *a = em->arena;
    const PlanNode *node = st->nodes[0];
    const Op *op = node->op;
    const char *state = st->names->state;
    int op_index = st->op_index;
    const char *within = dur_plus(a, dur_c(em, &op->dedupe.within), 0);
    const TypeKind *types = key_types(em, node);
    emit_state(em, w, st, types);

    Body b;
    body_init(&b, em, node->in, "in->", "in");
    CWriter *bw = &b.w;
    b.used_rt = b.used_ts = true;
    emit_loc_comment(em, bw, op->loc, op_text(a, op));
    line_to_flow(em, bw, op->loc);
    cw_line(bw, "%s probe = { 0 };", state);
    emit_key_probe(&b, node);
    cw_line(bw, "uint64_t hash = %s(&probe);", st->names->hash);
    cw_line(bw, "FlowTable *table = flow_state_table(rt, %d);", op_index);
    cw_line(bw, "%s *s = flow_table_find(table, hash, %s, &probe);", state,
            st->names->match);
    cw_open(bw, "if (s && ts >= flow_i64_sub(s->lo, %s) && ts <= flow_time_add(s->hi, %s))",
            within, within);
    cw_comment(bw, true, "A duplicate: dropped, and the burst takes in its time.");
    cw_line(bw, "if (ts < s->lo)");
    cw_line(bw, "    s->lo = ts;");
    cw_line(bw, "if (ts > s->hi)");
    cw_line(bw, "    s->hi = ts;");
    cw_line(bw, "return;");
    cw_close(bw, "");
    cw_open(bw, "if (!s)");
    cw_line(bw, "s = flow_state_alloc(sizeof *s);");
    cw_line(bw, "s->hash = hash;");
    emit_key_keep(bw, types, op->nkey);
    cw_line(bw, "flow_table_insert(table, hash, s);");
    cw_line(bw, "flow_timer_set(rt, %d, flow_time_add(ts, %s), s);", op_index, within);
    cw_close(bw, "");
    cw_comment(bw, true, "The record passes and starts a new burst of its key; a timer set for "
                         "an older burst moves on to this one when it fires.");
    cw_line(bw, "s->lo = s->hi = ts;");
    line_back(em, bw);
    emit_stage_rest(&b, st, 1);

    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "Stage %d: the dedupe of stream %s (%s:%d), then the "
                                     "operators after it.", st->id, st->stream->name,
                                     em->plan->flow_file, op->loc.line));
    emit_body_function(w, stage_signature(em, st), &b, true);
}
