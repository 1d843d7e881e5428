/* emit_dedupe_ckpt.c: the generated snapshot and restore functions of a
 * dedupe stage (flow/checkpoint.h): every key's burst with its timer.
 *
 * Every key with state has exactly one pending timer, so the pending timers
 * list the states: the snapshot writes them in firing order, each with its
 * timer's time (which may lie before the burst's hi + within: the timer
 * moves on when it fires), and the restore sets their timers again in the
 * order it reads them, which keeps the firing order of equal times. */
#include "emit_impl.h"

void emit_dedupe_snapshot(Emitter *em, CWriter *w, const PlanStage *st)
{
    if (em->plan->state_rocksdb) {
        emit_dedupe_kv_snapshot(em, w, st);
        return;
    }
    Arena *a = em->arena;
    const Op *op = st->nodes[0]->op;
    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "Checkpoint of the dedupe at %s:%d: the number of keys "
                                     "with state, then per key, in the firing order of their "
                                     "timers, the timer's time, the key, and the burst's "
                                     "earliest and latest time.", em->plan->flow_file,
                                     op->loc.line));
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptOut *out)", st->names->snapshot);
    open_block(w);
    cw_line(w, "int64_t n;");
    cw_line(w, "FlowTimerRef *timers = flow_timers_pending(rt, op, &n);");
    cw_line(w, "flow_ckpt_put_i64(out, n);");
    cw_open(w, "for (int64_t i = 0; i < n; i++)");
    cw_line(w, "const %s *s = timers[i].item;", st->names->state);
    cw_line(w, "flow_ckpt_put_i64(out, timers[i].time);");
    emit_ckpt_put_key(a, w, key_types(em, st->nodes[0]), op->nkey, "s");
    cw_line(w, "flow_ckpt_put_i64(out, s->lo);");
    cw_line(w, "flow_ckpt_put_i64(out, s->hi);");
    cw_close(w, "");
    cw_line(w, "flow_state_free(timers);");
    cw_close(w, "");
}

void emit_dedupe_restore(Emitter *em, CWriter *w, const PlanStage *st)
{
    if (em->plan->state_rocksdb) {
        emit_dedupe_kv_restore(em, w, st);
        return;
    }
    Arena *a = em->arena;
    const Op *op = st->nodes[0]->op;
    cw_blank(w);
    cw_comment(w, true, "Builds the dedupe's keys again from its checkpoint, in the order "
                        "written, each in the table with its timer.");
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptIn *in)", st->names->restore);
    open_block(w);
    cw_line(w, "FlowTable *table = flow_state_table(rt, op);");
    cw_line(w, "int64_t n = flow_ckpt_get_count(in, INT64_MAX);");
    cw_open(w, "for (int64_t i = 0; i < n && !flow_ckpt_failed(in); i++)");
    cw_line(w, "int64_t time = flow_ckpt_get_i64(in);");
    cw_line(w, "%s *s = flow_state_alloc(sizeof *s);", st->names->state);
    emit_ckpt_get_key(a, w, key_types(em, st->nodes[0]), op->nkey, "s");
    cw_line(w, "s->lo = flow_ckpt_get_i64(in);");
    cw_line(w, "s->hi = flow_ckpt_get_i64(in);");
    cw_open(w, "if (flow_ckpt_failed(in))");
    cw_line(w, "%s(s);", st->names->release);
    cw_line(w, "break;");
    cw_close(w, "");
    cw_line(w, "s->hash = %s(s);", st->names->hash);
    cw_line(w, "flow_table_insert(table, s->hash, s);");
    cw_line(w, "flow_timer_set(rt, op, time, s);");
    cw_close(w, "");
    cw_close(w, "");
}
