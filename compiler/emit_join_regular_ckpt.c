/* emit_join_regular_ckpt.c: the generated snapshot and restore functions of
 * a regular join (flow/checkpoint.h; emit_join_regular.c has its state).
 *
 * The groups are written in table order: each its key, with `ttl` its
 * latest time and the time of its pending timer, then per side the number
 * of rows and each in arrival order (its time, the matched flag of an outer
 * join, its record). Restore appends the rows again in the order read, which
 * makes the same lists, so pairs come out in the same order; a group's place
 * in the table does not matter (it is found by its key). Timers: with ttl
 * each group's is set again at its saved time; without, the one timer of
 * the end of input, when a group was read. */
#include "emit_impl.h"

static void row_values(Arena *a, CWriter *w, const JoinStage *n, bool restore)
{
    const Op *op = n->jop;
    cw_line(w, restore ? "row->ts = flow_ckpt_get_i64(in);" : "flow_ckpt_put_i64(out, row->ts);");
    if (op->join.left || op->join.right)
        cw_line(w, restore ? "row->matched = flow_ckpt_get_count(in, 1) == 1;"
                           : "flow_ckpt_put_i64(out, row->matched);");
    for (int side = 0; side < 2; side++) {
        const PlanType *t = side == 0 ? n->ltype : n->rtype;
        cw_open(w, side == 0 ? "if (side == 0)" : "else");
        for (int f = 0; f < t->schema->nfields; f++) {
            const char *v = arena_printf(a, "row->rec.%s.%s", side == 0 ? "left" : "right",
                                         t->members[f]);
            cw_line(w, "%s", restore ? ckpt_get_field(a, &t->schema->fields[f], v)
                                     : ckpt_put_field(a, &t->schema->fields[f], v));
        }
        cw_close(w, "");
    }
}

void emit_regular_join_snapshot(Emitter *em, CWriter *w, const PlanStage *st)
{
    JoinStage n = regular_join_stage(em, st);
    Arena *a = em->arena;
    bool ttl = n.jop->join.has_ttl;
    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "Checkpoint of the regular join at %s:%d: the number of "
                                     "keys, then per key, in table order, the key%s, and per "
                                     "side the number of rows and each in arrival order.",
                                     em->plan->flow_file, n.jop->loc.line,
                                     ttl ? ", its latest time and its timer's" : ""));
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptOut *out)", n.names->snapshot);
    open_block(w);
    cw_line(w, "const FlowTable *t = flow_state_table(rt, op);");
    cw_line(w, "flow_ckpt_put_i64(out, t->count);");
    cw_open(w, "for (int64_t i = 0; i < t->cap; i++)");
    cw_line(w, "if (!t->hashes[i])");
    cw_line(w, "    continue;");
    cw_line(w, "const %s *g = t->items[i];", n.names->state);
    emit_ckpt_put_key(a, w, n.keytypes, n.nkey, "g");
    if (ttl) {
        cw_line(w, "flow_ckpt_put_i64(out, g->latest);");
        cw_line(w, "flow_ckpt_put_i64(out, g->due);");
    }
    cw_open(w, "for (int side = 0; side < 2; side++)");
    cw_line(w, "int64_t count = 0;");
    cw_line(w, "for (const %s *row = g->head[side]; row; row = row->next)", n.names->row);
    cw_line(w, "    count++;");
    cw_line(w, "flow_ckpt_put_i64(out, count);");
    cw_line(w, "for (const %s *row = g->head[side]; row; row = row->next)", n.names->row);
    open_block(w);
    row_values(a, w, &n, false);
    cw_close(w, "");
    cw_close(w, "");
    cw_close(w, "");
    cw_close(w, "");
}

void emit_regular_join_restore(Emitter *em, CWriter *w, const PlanStage *st)
{
    JoinStage n = regular_join_stage(em, st);
    Arena *a = em->arena;
    bool ttl = n.jop->join.has_ttl;
    cw_blank(w);
    cw_comment(w, true, "Builds the regular join's groups, rows and timers again from its "
                        "checkpoint, rows appended in the order written (arrival order).");
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptIn *in)", n.names->restore);
    open_block(w);
    cw_line(w, "FlowTable *table = flow_state_table(rt, op);");
    cw_line(w, "int64_t ngroups = flow_ckpt_get_count(in, INT64_MAX);");
    cw_open(w, "for (int64_t i = 0; i < ngroups && !flow_ckpt_failed(in); i++)");
    cw_line(w, "%s *g = flow_state_alloc(sizeof *g);", n.names->state);
    emit_ckpt_get_key(a, w, n.keytypes, n.nkey, "g");
    if (ttl) {
        cw_line(w, "g->latest = flow_ckpt_get_i64(in);");
        cw_line(w, "g->due = flow_ckpt_get_i64(in);");
    }
    cw_open(w, "for (int side = 0; side < 2; side++)");
    cw_line(w, "int64_t count = flow_ckpt_get_count(in, INT64_MAX);");
    cw_open(w, "for (int64_t r = 0; r < count && !flow_ckpt_failed(in); r++)");
    cw_line(w, "%s *row = flow_state_alloc(sizeof *row);", n.names->row);
    row_values(a, w, &n, true);
    emit_regular_join_link_row(w);
    cw_close(w, "");
    cw_close(w, "");
    cw_comment(w, true, "In the table even when the checkpoint failed, so that it is freed.");
    cw_line(w, "g->hash = %s(g);", n.names->hash);
    if (!ttl) {
        cw_line(w, "if (table->count == 0)");
        cw_line(w, "    flow_timer_set(rt, op, FLOW_TIME_MAX, table);");
    }
    cw_line(w, "flow_table_insert(table, g->hash, g);");
    if (ttl)
        cw_line(w, "flow_timer_set(rt, op, g->due, g);");
    cw_close(w, "");
    cw_close(w, "");
}
