/* emit_join_ckpt.c: the generated snapshot and restore functions of a join
 * stage (flow/checkpoint.h), interval and window joins (emit_join.c has
 * their state).
 *
 * Interval join: its FlowJoinRows. Each side's rows in arrival order, each
 * with its time and its record; then the join's one timer, if pending. A
 * row's group is the key of its record, which the restore computes again
 * (the key function of the join's input): numbering the groups and finding
 * each row's, a random read of the group table per row, was most of the
 * writer child's time (docs/performance.md, "Checkpoints"). A group's list
 * of a side is the rows of its key in that side's arrival order (rows join
 * both lists at the tail and leave both from the head), so appending the
 * rows again in arrival order makes the same FIFO and the same group
 * lists, in which matches come out. Where a group lands in the inline
 * table does not matter: it is found by its key. The timer's time is saved, not recomputed: it stays where it was
 * set while younger rows come out of order behind older ones. An outer
 * join's rows carry their matched flag, and its lists are in time order,
 * which appending in the order written keeps; it may have several timers
 * pending (emit_join.c), all saved.
 *
 * Window join: every (key, window) group has one pending timer, so the
 * pending timers list the groups: written in firing order, each with its
 * timer's time, start, key and rows of each side in arrival order, and set
 * again in the order read, which keeps the order of groups firing at the
 * same time (the order they were made). */
#include "emit_impl.h"

/* Lines that write, or read back, the record fields of a kept row (`p` is
 * "row->rec.left." or "row->rec.right."). A string read is a copy the row
 * owns, as the copy the arrival kept. */
void emit_join_put_record(Arena *a, CWriter *w, const PlanType *t, const char *p)
{
    for (int f = 0; f < t->schema->nfields; f++)
        cw_line(w, "%s", ckpt_put_field(a, &t->schema->fields[f],
                                        arena_printf(a, "%s%s", p, t->members[f])));
}

void emit_join_get_record(Arena *a, CWriter *w, const PlanType *t, const char *p)
{
    for (int f = 0; f < t->schema->nfields; f++)
        cw_line(w, "%s", ckpt_get_field(a, &t->schema->fields[f],
                                        arena_printf(a, "%s%s", p, t->members[f])));
}

/* The time and record of `row` of `side`, put or got (an outer interval
 * join's row with its matched flag, after the time). */
static void row_values(Arena *a, CWriter *w, const JoinStage *n, bool restore)
{
    cw_line(w, restore ? "row->ts = flow_ckpt_get_i64(in);" : "flow_ckpt_put_i64(out, row->ts);");
    if (n->outer)
        cw_line(w, restore ? "row->matched = flow_ckpt_get_count(in, 1) == 1;"
                           : "flow_ckpt_put_i64(out, row->matched);");
    cw_open(w, "if (side == 0)");
    (restore ? emit_join_get_record : emit_join_put_record)(a, w, n->ltype, "row->rec.left.");
    cw_close(w, "");
    cw_open(w, "else");
    (restore ? emit_join_get_record : emit_join_put_record)(a, w, n->rtype, "row->rec.right.");
    cw_close(w, "");
}

static void interval_snapshot(Emitter *em, CWriter *w, const JoinStage *n)
{
    Arena *a = em->arena;
    const char *row = n->names->row;
    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "Checkpoint of the interval join at %s:%d: per side "
                                     "the number of kept rows and each, in arrival order, as "
                                     "its time and its record; the number of pending timers "
                                     "and their times. A row's group is its record's key, "
                                     "computed again on restore: writing rows in arrival "
                                     "order touches no group.",
                                     em->plan->flow_file, n->jop->loc.line));
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptOut *out)", n->names->snapshot);
    open_block(w);
    cw_line(w, "FlowJoinRows *rows = flow_join_rows(rt, op);");
    cw_open(w, "for (int side = 0; side < 2; side++)");
    cw_line(w, "int64_t count = 0;");
    cw_line(w, "for (const %s *row = rows->head[side]; row; row = row->fifo_next)", row);
    cw_line(w, "    count++;");
    cw_line(w, "flow_ckpt_put_i64(out, count);");
    cw_line(w, "for (const %s *row = rows->head[side]; row; row = row->fifo_next)", row);
    open_block(w);
    row_values(a, w, n, false);
    cw_close(w, "");
    cw_close(w, "");
    cw_line(w, "int64_t ntimers;");
    cw_line(w, "FlowTimerRef *timers = flow_timers_pending(rt, op, &ntimers);");
    cw_line(w, "flow_ckpt_put_i64(out, ntimers);");
    cw_line(w, "for (int64_t i = 0; i < ntimers; i++)");
    cw_line(w, "    flow_ckpt_put_i64(out, timers[i].time);");
    cw_line(w, "flow_state_free(timers);");
    cw_close(w, "");
}

static void interval_restore(Emitter *em, CWriter *w, const JoinStage *n)
{
    Arena *a = em->arena;
    const char *state = n->names->state;
    cw_blank(w);
    cw_comment(w, true, "Builds the interval join's groups, rows and timer again from its "
                        "checkpoint: each row appended to its side and to the group of its "
                        "record's key (made if it is the first), in the order written, which "
                        "is arrival order.");
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptIn *in)", n->names->restore);
    open_block(w);
    cw_line(w, "FlowJoinRows *rows = flow_join_rows(rt, op);");
    cw_open(w, "for (int side = 0; side < 2; side++)");
    cw_line(w, "int64_t count = flow_ckpt_get_count(in, INT64_MAX);");
    cw_open(w, "for (int64_t i = 0; i < count && !flow_ckpt_failed(in); i++)");
    cw_line(w, "%s *row = flow_pool_alloc(&rows->rows, sizeof *row);", n->names->row);
    cw_line(w, "row->fifo_next = NULL;");
    cw_line(w, "row->next = NULL;");
    row_values(a, w, n, true);
    cw_line(w, "%s probe;", state);
    cw_line(w, "bool keyed = side == 0 ? %s(rt, &row->rec.left, row->ts, &probe)",
            join_key_function(em, n, 0));
    cw_line(w, "                       : %s(rt, &row->rec.right, row->ts, &probe);",
            join_key_function(em, n, 1));
    cw_open(w, "if (flow_ckpt_failed(in) || !keyed)");
    cw_comment(w, true, "The checkpoint's checksum and fingerprint held, so its rows' keys "
                        "were computed on arrival by this program: a failed one is reported "
                        "as a bad record and not kept.");
    cw_line(w, "flow_pool_free(&rows->rows, row);");
    cw_line(w, "continue;");
    cw_close(w, "");
    cw_line(w, "row->hash = flow_inline_hash(%s(&probe));", n->names->hash);
    cw_line(w, "%s *g = %s(&rows->groups, row->hash, &probe);", state, n->names->find);
    cw_open(w, "if (!g)");
    cw_line(w, "g = flow_inline_add(&rows->groups, sizeof *g, row->hash);");
    cw_line(w, "*g = probe;");
    cw_line(w, "g->hash = row->hash;");
    for (int k = 0; k < n->nkey; k++)
        if (n->keytypes[k] == TY_STRING)
            cw_line(w, "g->key%d = flow_str_keep(probe.key%d);", k, k);
    cw_close(w, "");
    emit_join_link_row(w, n);
    cw_close(w, "");
    cw_close(w, "");
    if (n->outer) {
        cw_comment(w, true, "Outer: a timer set for a row that came out of order may be "
                            "pending besides the one of the oldest row.");
        cw_line(w, "int64_t ntimers = flow_ckpt_get_count(in, INT64_MAX);");
        cw_open(w, "for (int64_t i = 0; i < ntimers && !flow_ckpt_failed(in); i++)");
        cw_line(w, "flow_timer_set(rt, op, flow_ckpt_get_i64(in), rows);");
        cw_close(w, "");
    } else {
        cw_open(w, "if (flow_ckpt_get_count(in, 1) == 1)");
        cw_line(w, "flow_timer_set(rt, op, flow_ckpt_get_i64(in), rows);");
        cw_line(w, "rows->timer_pending = true;");
        cw_close(w, "");
    }
    cw_close(w, "");
}

static void window_snapshot(Emitter *em, CWriter *w, const JoinStage *n)
{
    Arena *a = em->arena;
    const char *row = n->names->row;
    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "Checkpoint of the window join at %s:%d: the number "
                                     "of (key, window) groups, then per group, in the firing "
                                     "order of their timers, the timer's time, the window's "
                                     "start, the key, and per side the number of rows and "
                                     "each in arrival order (its time and its record).",
                                     em->plan->flow_file, n->jop->loc.line));
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptOut *out)", n->names->snapshot);
    open_block(w);
    cw_line(w, "int64_t n;");
    cw_line(w, "FlowTimerRef *timers = flow_timers_pending(rt, op, &n);");
    cw_line(w, "flow_ckpt_put_i64(out, n);");
    cw_open(w, "for (int64_t i = 0; i < n; i++)");
    cw_line(w, "const %s *g = timers[i].item;", n->names->state);
    cw_line(w, "flow_ckpt_put_i64(out, timers[i].time);");
    cw_line(w, "flow_ckpt_put_i64(out, g->start);");
    emit_ckpt_put_key(a, w, n->keytypes, n->nkey, "g");
    cw_open(w, "for (int side = 0; side < 2; side++)");
    cw_line(w, "int64_t count = 0;");
    cw_line(w, "for (const %s *row = g->head[side]; row; row = row->next)", row);
    cw_line(w, "    count++;");
    cw_line(w, "flow_ckpt_put_i64(out, count);");
    cw_line(w, "for (const %s *row = g->head[side]; row; row = row->next)", row);
    open_block(w);
    row_values(a, w, n, false);
    cw_close(w, "");
    cw_close(w, "");
    cw_close(w, "");
    cw_line(w, "flow_state_free(timers);");
    cw_close(w, "");
}

static void window_restore(Emitter *em, CWriter *w, const JoinStage *n)
{
    Arena *a = em->arena;
    const char *state = n->names->state;
    cw_blank(w);
    cw_comment(w, true, "Builds the window join's groups again from its checkpoint, in the "
                        "order written, each in the table with its timer.");
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptIn *in)", n->names->restore);
    open_block(w);
    cw_line(w, "FlowTable *table = flow_state_table(rt, op);");
    cw_line(w, "int64_t n = flow_ckpt_get_count(in, INT64_MAX);");
    cw_open(w, "for (int64_t i = 0; i < n && !flow_ckpt_failed(in); i++)");
    cw_line(w, "int64_t time = flow_ckpt_get_i64(in);");
    cw_line(w, "%s *g = flow_state_alloc(sizeof *g);", state);
    cw_line(w, "g->start = flow_ckpt_get_i64(in);");
    emit_ckpt_get_key(a, w, n->keytypes, n->nkey, "g");
    cw_open(w, "for (int side = 0; side < 2; side++)");
    cw_line(w, "int64_t count = flow_ckpt_get_count(in, INT64_MAX);");
    cw_open(w, "for (int64_t r = 0; r < count && !flow_ckpt_failed(in); r++)");
    cw_line(w, "%s *row = flow_state_alloc(sizeof *row);", n->names->row);
    cw_line(w, "row->side = side;");
    cw_line(w, "row->group = g;");
    row_values(a, w, n, true);
    emit_join_link_row(w, n);
    cw_close(w, "");
    cw_close(w, "");
    cw_open(w, "if (flow_ckpt_failed(in))");
    cw_line(w, "%s(g);", n->names->release);
    cw_line(w, "break;");
    cw_close(w, "");
    cw_line(w, "g->hash = %s(g);", n->names->hash);
    cw_line(w, "flow_table_insert(table, g->hash, g);");
    cw_line(w, "flow_timer_set(rt, op, time, g);");
    cw_close(w, "");
    cw_close(w, "");
}

void emit_join_snapshot(Emitter *em, CWriter *w, const PlanStage *st)
{
    if (st->nodes[0]->op->join.regular) {
        emit_regular_join_snapshot(em, w, st);
        return;
    }
    if (em->plan->state_rocksdb) {
        emit_join_kv_snapshot(em, w, st);
        return;
    }
    JoinStage n = join_shape(em, st);
    (n.windowed ? window_snapshot : interval_snapshot)(em, w, &n);
}

void emit_join_restore(Emitter *em, CWriter *w, const PlanStage *st)
{
    if (st->nodes[0]->op->join.regular) {
        emit_regular_join_restore(em, w, st);
        return;
    }
    if (em->plan->state_rocksdb) {
        emit_join_kv_restore(em, w, st);
        return;
    }
    JoinStage n = join_shape(em, st);
    (n.windowed ? window_restore : interval_restore)(em, w, &n);
}
