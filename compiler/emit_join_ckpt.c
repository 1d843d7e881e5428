/* emit_join_ckpt.c: the generated snapshot and restore functions of a join
 * stage (flow/checkpoint.h), interval and window joins (emit_join.c has
 * their state).
 *
 * Interval join: its FlowJoinRows. The groups are written first (their
 * keys), numbered in the order written; then each side's rows in arrival
 * order, each with its group's number, its time and its record; then the
 * join's one timer, if pending. A group's list of a side is the rows of its
 * key in that side's arrival order (rows join both lists at the tail and
 * leave both from the head), so appending the rows again in arrival order
 * makes the same FIFO and the same group lists, in which matches come out.
 * Where a group lands in the inline table does not matter: it is found by
 * its key. The timer's time is saved, not recomputed: it stays where it was
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
    const char *row = n->names->row, *state = n->names->state;
    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "Checkpoint of the interval join at %s:%d: the number "
                                     "of groups and their keys, in table order; per side the "
                                     "number of kept rows and each, in arrival order, as its "
                                     "group's number, its time and its record; the number of "
                                     "pending timers (0 or 1) and its time.",
                                     em->plan->flow_file, n->jop->loc.line));
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptOut *out)", n->names->snapshot);
    open_block(w);
    cw_line(w, "FlowJoinRows *rows = flow_join_rows(rt, op);");
    cw_line(w, "const FlowInlineTable *t = &rows->groups;");
    cw_line(w, "uint64_t nslots = t->entries ? t->mask + 1 : 0;");
    cw_comment(w, true, "Per entry of the table: the number its group is written with, and per "
                        "side the group's next row to come in arrival order.");
    cw_line(w, "int64_t *number = flow_state_alloc(sizeof *number * (nslots + 1));");
    cw_line(w, "const %s **next = flow_state_alloc(sizeof *next * 2 * (nslots + 1));", row);
    cw_line(w, "flow_ckpt_put_i64(out, t->count);");
    cw_line(w, "int64_t ngroups = 0;");
    cw_open(w, "for (uint64_t i = 0; i < nslots; i++)");
    cw_line(w, "const %s *g = flow_inline_entry(t, i);", state);
    cw_line(w, "if (!g->hash)");
    cw_line(w, "    continue;");
    cw_line(w, "number[i] = ngroups++;");
    cw_line(w, "next[2 * i] = g->head[0];");
    cw_line(w, "next[2 * i + 1] = g->head[1];");
    emit_ckpt_put_key(a, w, n->keytypes, n->nkey, "g");
    cw_close(w, "");
    cw_open(w, "for (int side = 0; side < 2; side++)");
    cw_line(w, "int64_t count = 0;");
    cw_line(w, "for (const %s *row = rows->head[side]; row; row = row->fifo_next)", row);
    cw_line(w, "    count++;");
    cw_line(w, "flow_ckpt_put_i64(out, count);");
    cw_open(w, "for (const %s *row = rows->head[side]; row; row = row->fifo_next)", row);
    cw_comment(w, true, "Its group: the entry of its hash whose next row of this side it is.");
    cw_line(w, "uint64_t i = row->hash & t->mask;");
    cw_open(w, "for (;; i = (i + 1) & t->mask)");
    cw_line(w, "const %s *g = flow_inline_entry(t, i);", state);
    cw_line(w, "if (g->hash == row->hash && next[2 * i + side] == row)");
    cw_line(w, "    break;");
    cw_close(w, "");
    cw_line(w, "next[2 * i + side] = row->next;");
    cw_line(w, "flow_ckpt_put_i64(out, number[i]);");
    row_values(a, w, n, false);
    cw_close(w, "");
    cw_close(w, "");
    cw_line(w, "flow_state_free(number);");
    cw_line(w, "flow_state_free(next);");
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
                        "checkpoint: each row appended to its side and its group, in the "
                        "order written, which is arrival order.");
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptIn *in)", n->names->restore);
    open_block(w);
    cw_line(w, "FlowJoinRows *rows = flow_join_rows(rt, op);");
    cw_comment(w, true, "The groups' keys by number, to find them with (entries move as the "
                        "table grows); their strings are the groups'.");
    cw_line(w, "int64_t ngroups = flow_ckpt_get_count(in, INT64_MAX);");
    cw_line(w, "int64_t cap = 0;");
    cw_line(w, "%s *keys = NULL;", state);
    cw_open(w, "for (int64_t j = 0; j < ngroups && !flow_ckpt_failed(in); j++)");
    cw_open(w, "if (j == cap)");
    cw_line(w, "cap = cap ? 2 * cap : 64;");
    cw_line(w, "%s *more = flow_state_alloc(sizeof *more * (size_t)cap);", state);
    cw_line(w, "for (int64_t k = 0; k < j; k++)");
    cw_line(w, "    more[k] = keys[k];");
    cw_line(w, "flow_state_free(keys);");
    cw_line(w, "keys = more;");
    cw_close(w, "");
    cw_line(w, "%s *probe = &keys[j];", state);
    emit_ckpt_get_key(a, w, n->keytypes, n->nkey, "probe");
    cw_open(w, "if (flow_ckpt_failed(in))");
    emit_key_release(w, n->keytypes, n->nkey, "probe");
    cw_line(w, "break;");
    cw_close(w, "");
    cw_line(w, "probe->hash = flow_inline_hash(%s(probe));", n->names->hash);
    cw_line(w, "*(%s *)flow_inline_add(&rows->groups, sizeof *probe, probe->hash) = *probe;",
            state);
    cw_close(w, "");
    cw_open(w, "for (int side = 0; side < 2; side++)");
    cw_line(w, "int64_t count = flow_ckpt_get_count(in, INT64_MAX);");
    cw_open(w, "for (int64_t i = 0; i < count && !flow_ckpt_failed(in); i++)");
    cw_line(w, "int64_t j = flow_ckpt_get_count(in, ngroups - 1);");
    cw_line(w, "if (flow_ckpt_failed(in))");
    cw_line(w, "    break;");
    cw_line(w, "%s *g = %s(&rows->groups, keys[j].hash, &keys[j]);", state, n->names->find);
    cw_line(w, "%s *row = flow_pool_alloc(&rows->rows, sizeof *row);", n->names->row);
    cw_line(w, "row->fifo_next = NULL;");
    cw_line(w, "row->next = NULL;");
    cw_line(w, "row->hash = keys[j].hash;");
    row_values(a, w, n, true);
    emit_join_link_row(w, n);
    cw_close(w, "");
    cw_close(w, "");
    cw_line(w, "flow_state_free(keys);");
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
