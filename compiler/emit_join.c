/* emit_join.c: the C of a `key by K | join S [as A] on EQ within D` stage
 * (interval join) and of `... join S on EQ window tumbling D` (window join),
 * docs/language.md, the two "join" sections and "Time and watermarks".
 *
 * Per join stage the generated file has:
 * - a row struct: one record of either side, copied with its strings, in a
 *   list of its group, with its event time; an interval join's rows also
 *   come from a pool and are linked, per side, in arrival order (the
 *   runtime's FlowJoinRows);
 * - a state struct (the group): the join key in its own C types (strings
 *   copied) and, per side, the list of its rows in arrival order; a window
 *   join has one group per (key, window start), an interval join one per key;
 * - a hash and a match function over the key, for the runtime's FlowTable;
 * - two stage functions, one per input (the left one is the stage's, the
 *   right one `..._right`): they compute the key from the EQ expressions,
 *   drop late records, and hand the record to the shared arrival function;
 * - the arrival function: the group is found or made; an interval join
 *   emits the record paired with every row of the other side within D, then
 *   keeps the record until the watermark reaches ts + D, when no record of
 *   the other side that is not late can match it any more; a window join
 *   keeps the record until its window fires (one timer per group);
 * - an interval join's fire function: one timer for the whole join, at the
 *   earliest ts + D of the two sides' oldest rows; it frees from the head of
 *   each side's arrival-order list every row the watermark is done with
 *   (freeing a row with its group, when it was the group's last), then sets
 *   the timer again. Rows are in nearly time order, so this costs no heap
 *   operation per row. A row that arrived out of order, behind a younger
 *   one, is freed with the younger one: late, by at most the watermark
 *   delay (its record was within it), which bounds the extra memory; it can
 *   pair with nothing meanwhile, as every record still to come is beyond D
 *   from it (the match tests the distance);
 * - a result function: the joined record (left fields, then right fields)
 *   and the operators after the join.
 *
 * Late records. The operator watermark is the minimum of the inputs'
 * watermarks. An interval join frees a row once the watermark reaches its
 * time + D, so a record at or below the watermark could have lost partners:
 * it is late, dropped and counted (the summary's `late`), like a record that
 * comes after all its windows fired. A window join's record is late when its
 * window has fired. Without late records, the result is the same multiset of
 * pairs whatever the order the two inputs arrive in. */
#include <inttypes.h>

#include "emit_impl.h"
#include "explain.h"

static const PlanType *right_type(const PlanNode *n)
{
    for (int i = 0; i < n->inputs.n; i++)
        if (n->inputs.items[i]->port == 1)
            return n->inputs.items[i]->type;
    return NULL;
}

JoinStage join_shape(Emitter *em, const PlanStage *st)
{
    JoinStage n = { 0 };
    Arena *a = em->arena;
    n.op = st->op_index;
    n.names = st->names;
    n.node = st->nodes[0];
    n.jop = n.node->op;
    n.windowed = n.jop->join.windowed;
    n.outer = !n.windowed && !n.jop->join.regular && (n.jop->join.left || n.jop->join.right);
    n.ltype = n.node->in;
    n.rtype = right_type(n.node);
    n.out = n.node->out;
    for (const JoinEq *q = n.jop->join.eqs; q; q = q->next)
        n.nkey++;
    n.keytypes = arena_alloc(a, sizeof *n.keytypes * (size_t)(n.nkey + 1));
    int k = 0;
    for (const JoinEq *q = n.jop->join.eqs; q; q = q->next)
        n.keytypes[k++] = key_common_type(q->left->type, q->right->type);
    n.within = dur_plus(a, dur_c(em, &n.jop->join.within), 0);
    n.after = n.jop->join.asymmetric ? dur_plus(a, dur_c(em, &n.jop->join.after), 0) : n.within;
    /* A left row can meet right records up to `after` later, a right row
     * left records up to `before` (within) later: how long each is kept. */
    n.keep = n.jop->join.asymmetric
        ? arena_printf(a, "(side == 0 ? %s : %s)", n.after, n.within) : n.within;
    n.window = dur_plus(a, dur_c(em, &n.jop->join.window), 0);
    n.window_last = dur_plus(a, dur_c(em, &n.jop->join.window), -1);
    return n;
}

/* The shape and the names of the helpers only the stage's code calls (made
 * unique once: a second call would make others). */
static JoinStage join_stage(Emitter *em, const PlanStage *st)
{
    JoinStage n = join_shape(em, st);
    Arena *a = em->arena;
    n.free_group = plan_unique_name(em->plan, arena_printf(a, "%s_free", n.names->state));
    if (n.windowed)
        n.free_row = plan_unique_name(em->plan, arena_printf(a, "%s_free", n.names->row));
    else
        n.drop_oldest = plan_unique_name(em->plan, arena_printf(a, "%s_drop_oldest", n.names->row));
    return n;
}

const char *join_right_signature(Emitter *em, const PlanStage *st)
{
    const PlanType *r = right_type(st->nodes[0]);
    return arena_printf(em->arena, "static void %s(FlowRuntime *rt, const %s *in, int64_t ts)",
                        st->names->right, r ? r->cname : "void");
}

static bool has_strings(const PlanType *t)
{
    for (int f = 0; f < t->schema->nfields; f++)
        if (t->schema->fields[f].type == TY_STRING)
            return true;
    return false;
}

/* Lines that release the strings a kept copy `p` of a record owns (an
 * optional one only when it has a value). */
void emit_join_release_strings(CWriter *w, const PlanType *t, const char *p)
{
    for (int f = 0; f < t->schema->nfields; f++) {
        const Field *fd = &t->schema->fields[f];
        const char *m = t->members[f];
        if (fd->type == TY_STRING && fd->optional)
            cw_line(w, "if (!%s%s.null) flow_str_release(%s%s.v);", p, m, p, m);
        else if (fd->type == TY_STRING)
            cw_line(w, "flow_str_release(%s%s);", p, m);
    }
}

void emit_join_keep_strings(CWriter *w, const PlanType *t, const char *p)
{
    for (int f = 0; f < t->schema->nfields; f++) {
        const Field *fd = &t->schema->fields[f];
        const char *m = t->members[f];
        if (fd->type == TY_STRING && fd->optional)
            cw_line(w, "if (!%s%s.null) %s%s.v = flow_str_keep(%s%s.v);", p, m, p, m, p, m);
        else if (fd->type == TY_STRING)
            cw_line(w, "%s%s = flow_str_keep(%s%s);", p, m, p, m);
    }
}

/* A window join frees a row with its group, and the group when its window
 * fires (or at shutdown: release). */
static void emit_window_free(CWriter *w, const JoinStage *n)
{
    cw_blank(w);
    cw_line(w, "static void %s(%s *row)", n->free_row, n->names->row);
    open_block(w);
    cw_line(w, "%s *g = row->group;", n->names->state);
    cw_line(w, "if (row->prev)");
    cw_line(w, "    row->prev->next = row->next;");
    cw_line(w, "else");
    cw_line(w, "    g->head[row->side] = row->next;");
    cw_line(w, "if (row->next)");
    cw_line(w, "    row->next->prev = row->prev;");
    cw_line(w, "else");
    cw_line(w, "    g->tail[row->side] = row->prev;");
    cw_open(w, "if (row->side == 0)");
    emit_join_release_strings(w, n->ltype, "row->rec.left.");
    cw_close(w, "");
    cw_open(w, "else");
    emit_join_release_strings(w, n->rtype, "row->rec.right.");
    cw_close(w, "");
    cw_line(w, "flow_state_free(row);");
    cw_close(w, "");

    cw_blank(w);
    cw_line(w, "static void %s(%s *g)", n->free_group, n->names->state);
    open_block(w);
    cw_line(w, "for (int side = 0; side < 2; side++)");
    cw_line(w, "    while (g->head[side])");
    cw_line(w, "        %s(g->head[side]);", n->free_row);
    emit_key_release(w, n->keytypes, n->nkey, "g");
    cw_line(w, "flow_state_free(g);");
    cw_close(w, "");

    cw_blank(w);
    cw_line(w, "static void %s(void *item)", n->names->release);
    open_block(w);
    cw_line(w, "%s(item);", n->free_group);
    cw_close(w, "");
}

/* An interval join finds groups in its inline table, frees rows only from
 * the head of a side's arrival-order list, and a group with its last row. */
static void emit_interval_free(CWriter *w, const JoinStage *n)
{
    cw_blank(w);
    cw_comment(w, true, "The group of probe's key in the join's table, or NULL.");
    cw_line(w, "static %s *%s(const FlowInlineTable *t, uint64_t hash, const %s *probe)",
            n->names->state,
            n->names->find, n->names->state);
    open_block(w);
    cw_line(w, "if (!t->entries)");
    cw_line(w, "    return NULL;");
    cw_open(w, "for (uint64_t i = hash & t->mask;; i = (i + 1) & t->mask)");
    cw_line(w, "%s *g = flow_inline_entry(t, i);", n->names->state);
    cw_line(w, "if (!g->hash)");
    cw_line(w, "    return NULL;");
    cw_line(w, "if (g->hash == hash && %s(g, probe))", n->names->match);
    cw_line(w, "    return g;");
    cw_close(w, "");
    cw_close(w, "");

    cw_blank(w);
    cw_line(w, "static void %s(FlowJoinRows *rows, %s *g)", n->free_group, n->names->state);
    open_block(w);
    emit_key_release(w, n->keytypes, n->nkey, "g");
    cw_line(w, "flow_inline_remove(&rows->groups, g);");
    cw_close(w, "");

    cw_blank(w);
    cw_comment(w, true, "Frees the oldest row of `side` (there is one), and its group if it "
                        "was the group's last row. The row is the first of its side in its "
                        "group: the group is the entry of the row's hash whose list starts "
                        "with it.");
    cw_line(w, "static void %s(FlowJoinRows *rows, int side)", n->drop_oldest);
    open_block(w);
    cw_line(w, "%s *row = rows->head[side];", n->names->row);
    cw_line(w, "rows->head[side] = row->fifo_next;");
    cw_line(w, "if (!rows->head[side])");
    cw_line(w, "    rows->tail[side] = NULL;");
    cw_line(w, "const FlowInlineTable *t = &rows->groups;");
    cw_line(w, "uint64_t i = row->hash & t->mask;");
    cw_line(w, "%s *g;", n->names->state);
    cw_line(w, "while ((g = flow_inline_entry(t, i))->head[side] != row)");
    cw_line(w, "    i = (i + 1) & t->mask;");
    cw_line(w, "g->head[side] = row->next;");
    cw_line(w, "if (!row->next)");
    cw_line(w, "    g->tail[side] = NULL;");
    if (n->outer) {
        cw_line(w, "else");
        cw_line(w, "    row->next->prev = NULL;");
        cw_line(w, "if (rows->head[side])");
        cw_line(w, "    ((%s *)rows->head[side])->fifo_prev = NULL;", n->names->row);
    }
    if (has_strings(n->ltype) || has_strings(n->rtype)) {
        cw_open(w, "if (side == 0)");
        emit_join_release_strings(w, n->ltype, "row->rec.left.");
        cw_close(w, "");
        cw_open(w, "else");
        emit_join_release_strings(w, n->rtype, "row->rec.right.");
        cw_close(w, "");
    }
    cw_line(w, "flow_pool_free(&rows->rows, row);");
    cw_line(w, "if (!g->head[0] && !g->head[1])");
    cw_line(w, "    %s(rows, g);", n->free_group);
    cw_close(w, "");

    cw_blank(w);
    cw_comment(w, true, "The program stopped with rows kept: the join's timer item is its "
                        "FlowJoinRows.");
    cw_line(w, "static void %s(void *item)", n->names->release);
    open_block(w);
    cw_line(w, "FlowJoinRows *rows = item;");
    cw_line(w, "for (int side = 0; side < 2; side++)");
    cw_line(w, "    while (rows->head[side])");
    cw_line(w, "        %s(rows, side);", n->drop_oldest);
    cw_close(w, "");
}

static void emit_structs(Emitter *em, CWriter *w, const JoinStage *n)
{
    Arena *a = em->arena;
    const Op *op = n->jop;
    cw_blank(w);
    cw_comment(w, true, n->windowed
        ? arena_printf(a, "A record of either side of the join at %s:%d, copied with its "
                       "strings, in its group's list.", em->plan->flow_file, op->loc.line)
        : arena_printf(a, "A record of either side of the join at %s:%d, copied with its "
                       "strings, from the join's pool: in its side's arrival-order list "
                       "(FlowJoinRows) and in its group's. Rows leave both lists in arrival "
                       "order, so a row freed is always the first of its side in its group: "
                       "that is how its group is found.",
                       em->plan->flow_file, op->loc.line));
    cw_line(w, "typedef struct %s %s;", n->names->state, n->names->state);
    cw_line(w, "typedef struct %s %s;", n->names->row, n->names->row);
    cw_open(w, "struct %s", n->names->row);
    if (n->windowed) {
        cw_line(w, "%s *prev, *next;", n->names->row);
    } else {
        cw_line(w, "void *fifo_next; /* the next row of its side to arrive: first member */");
        cw_line(w, "%s *next; /* the next row of its group and side */", n->names->row);
    }
    if (n->outer) {
        cw_line(w, "%s *fifo_prev, *prev; /* the lists are in time order */", n->names->row);
        cw_line(w, "bool matched; /* paired at least once: never emitted alone */");
    }
    if (n->windowed)
        cw_line(w, "%s *group;", n->names->state);
    else
        cw_line(w, "uint64_t hash; /* its group's (groups move in their table) */");
    cw_line(w, "int64_t ts;");
    if (n->windowed)
        cw_line(w, "int side; /* 0: left, 1: right */");
    cw_open(w, "union");
    cw_line(w, "%s left;", n->ltype->cname);
    cw_line(w, "%s right;", n->rtype->cname);
    cw_close(w, " rec;");
    cw_close(w, ";");

    cw_blank(w);
    cw_comment(w, true, n->windowed
        ? arena_printf(a, "State of the window join at %s:%d, one per (key, window of %s): "
                       "the rows of each side, until the window fires.",
                       em->plan->flow_file, op->loc.line,
                       dur_comment(a, dur_c(em, &op->join.window), &op->join.window))
        : arena_printf(a, "State of the interval join at %s:%d, one per key with kept rows, "
                       "inline in the join's table (FlowInlineTable): the rows of each side, "
                       "each until the watermark reaches its time + %s.",
                       em->plan->flow_file, op->loc.line,
                       dur_comment(a, dur_c(em, &op->join.within), &op->join.within)));
    cw_open(w, "struct %s", n->names->state);
    cw_line(w, n->windowed ? "uint64_t hash;" : "uint64_t hash; /* stored: 0 marks a free entry */");
    if (n->windowed)
        cw_line(w, "int64_t start;");
    cw_line(w, "%s *head[2], *tail[2]; /* per side, in arrival order */", n->names->row);
    int k = 0;
    for (const JoinEq *q = op->join.eqs; q; q = q->next, k++)
        cw_line(w, "%s key%d; /* %s%s */", c_type(n->keytypes[k]), k,
                expr_text(a, q->left), n->keytypes[k] == TY_STRING ? ", copied" : "");
    cw_close(w, ";");

    cw_blank(w);
    emit_state_hash(em, w, n->names->hash, n->names->state, n->keytypes, n->nkey,
                    n->windowed ? "(uint64_t)s->start" : NULL);

    cw_blank(w);
    emit_state_match(em, w, n->names->match, n->names->state, n->keytypes, n->nkey,
                     n->windowed ? "x->start == y->start" : NULL, false);
    if (n->windowed)
        emit_window_free(w, n);
    else
        emit_interval_free(w, n);
}

/* Field `of` of the result from field f of side record `p`; with
 * `may_null` (the other side is kept without a match) `p` may be NULL and
 * the field is optional in the result. */
static void side_field(CWriter *w, const PlanType *out, int of, const PlanType *t, int f,
                       const char *p, bool may_null)
{
    const char *m = out->members[of], *im = t->members[f];
    const Field *fd = &t->schema->fields[f];
    const char *opt = c_opt_type(fd->type);
    if (!may_null)
        cw_line(w, "rec.%s = %s->%s;", m, p, im);
    else if (fd->optional)
        cw_line(w, "rec.%s = %s ? %s->%s : (%s){ .null = true };", m, p, p, im, opt);
    else
        cw_line(w, "rec.%s = %s ? (%s){ %s->%s, false } : (%s){ .null = true };", m, p, opt, p,
                im, opt);
}

void emit_join_result_function(Emitter *em, CWriter *w, const PlanStage *st,
                               const JoinStage *n)
{
    Arena *a = em->arena;
    Body b;
    body_init(&b, em, n->out, "rec.", "&rec");
    cw_line(&b.w, "%s rec;", n->out->cname);
    int nl = n->ltype->schema->nfields;
    for (int f = 0; f < nl; f++)
        side_field(&b.w, n->out, f, n->ltype, f, "l", n->jop->join.right);
    for (int f = 0; f < n->rtype->schema->nfields; f++)
        side_field(&b.w, n->out, nl + f, n->rtype, f, "r", n->jop->join.left);
    emit_stage_rest(&b, st, 1);
    if (!b.used_ts)
        cw_line(&b.w, "(void)ts;");

    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "One pair of the join at %s:%d: the left fields, then "
                                     "the right ones, and the operators after it. Its event "
                                     "time is %s.%s", em->plan->flow_file, n->jop->loc.line,
                                     n->windowed ? "window_end - 1ms"
                                                 : "the larger of the two",
                                     n->jop->join.left || n->jop->join.right
                                         ? " A record kept without a match comes with the "
                                           "other side NULL: its fields are null."
                                         : ""));
    emit_body_function(w, arena_printf(a, "static void %s(FlowRuntime *rt, const %s *l, "
                                          "const %s *r, int64_t ts)", n->names->result,
                                          n->ltype->cname, n->rtype->cname), &b, false);
}

static void emit_fire_function(Emitter *em, CWriter *w, const JoinStage *n)
{
    const char *keep = n->keep;
    cw_blank(w);
    if (n->windowed) {
        cw_comment(w, true, "The window fires (end - 1ms): every left row with every right row, "
                            "in arrival order; then the window's state goes.");
        cw_line(w, "static void %s(FlowRuntime *rt, void *item, int64_t time)", n->names->fire);
        open_block(w);
        cw_line(w, "%s *g = item;", n->names->state);
        emit_join_window_pairs(w, n);
        cw_line(w, "flow_table_remove(flow_state_table(rt, %d), g->hash, g);", n->op);
        cw_line(w, "%s(g);", n->free_group);
        cw_close(w, "");
        return;
    }
    cw_comment(w, true, "The join's one timer: the watermark reached the time + within of a "
                        "side's oldest row. No record of the other side that is not late can "
                        "match the rows it passed now: each side's are freed from the oldest "
                        "on (a row that came out of order, behind a younger one, goes with "
                        "the younger one), and the timer is set again for the oldest row "
                        "left.");
    if (n->outer)
        cw_comment(w, true, "Outer: the rows are in time order, so each is freed as the "
                            "watermark reaches its time + within; a row of a kept side that "
                            "never matched goes out alone first, with its own time. A timer "
                            "set earlier for a row that came out of order may be pending "
                            "still: the timer is set again unless one comes first.");
    cw_line(w, "static void %s(FlowRuntime *rt, void *item, int64_t time)", n->names->fire);
    open_block(w);
    cw_line(w, "(void)time;");
    cw_line(w, "FlowJoinRows *rows = item;");
    cw_line(w, "int64_t watermark = flow_operator_watermark(rt, %d);", n->op);
    cw_line(w, "int64_t next = FLOW_TIME_MAX;");
    if (!n->outer) /* an outer join asks the runtime (flow_timer_next) */
        cw_line(w, "rows->timer_pending = false;");
    cw_open(w, "for (int side = 0; side < 2; side++)");
    cw_line(w, "const %s *row;", n->names->row);
    if (n->outer) {
        cw_open(w, "while ((row = rows->head[side]) && flow_time_add(row->ts, %s) <= watermark)",
                keep);
        emit_join_alone(w, n);
        cw_line(w, "%s(rows, side);", n->drop_oldest);
        cw_close(w, "");
    } else {
        cw_line(w, "while ((row = rows->head[side]) && flow_time_add(row->ts, %s) <= watermark)",
                keep);
        cw_line(w, "    %s(rows, side);", n->drop_oldest);
    }
    cw_open(w, "if (row)");
    cw_line(w, "int64_t due = flow_time_add(row->ts, %s);", keep);
    cw_line(w, "if (due < next)");
    cw_line(w, "    next = due;");
    if (!n->outer)
        cw_line(w, "rows->timer_pending = true;");
    cw_close(w, "");
    cw_close(w, "");
    const char *again = n->outer ? arena_printf(em->arena, "next < flow_timer_next(rt, %d)", n->op)
                                 : "rows->timer_pending";
    emit_timer_again(w, again, n->op, "next", "rows", false);
    cw_close(w, "");
}

void emit_join_window_pairs(CWriter *w, const JoinStage *n)
{
    cw_line(w, "for (const %s *l = g->head[0]; l; l = l->next)", n->names->row);
    cw_line(w, "    for (const %s *r = g->head[1]; r; r = r->next)", n->names->row);
    cw_line(w, "        %s(rt, &l->rec.left, &r->rec.right, time);", n->names->result);
    if (n->jop->join.left) {
        cw_comment(w, true, "`left`: the left rows of a window without right ones, alone.");
        cw_line(w, "for (const %s *l = g->head[1] ? NULL : g->head[0]; l; l = l->next)",
                n->names->row);
        cw_line(w, "    %s(rt, &l->rec.left, NULL, time);", n->names->result);
    }
    if (n->jop->join.right) {
        cw_comment(w, true, "`right`: the right rows of a window without left ones, alone.");
        cw_line(w, "for (const %s *r = g->head[0] ? NULL : g->head[1]; r; r = r->next)",
                n->names->row);
        cw_line(w, "    %s(rt, NULL, &r->rec.right, time);", n->names->result);
    }
}

void emit_join_pairs(CWriter *w, const JoinStage *n)
{
    const char *within = n->within;
    if (n->jop->join.asymmetric) {
        cw_comment(w, true, "l.ts - before <= r.ts <= l.ts + after, without overflow.");
        cw_open(w, "for (%s%s *o = g->head[1 - side]; o; o = o->next)",
                n->outer ? "" : "const ", n->names->row);
        cw_line(w, "int64_t lts = side == 0 ? ts : o->ts, rts = side == 0 ? o->ts : ts;");
        cw_line(w, "if (rts < lts && (uint64_t)lts - (uint64_t)rts > (uint64_t)%s)", within);
        cw_line(w, "    continue;");
        cw_line(w, "if (rts > lts && (uint64_t)rts - (uint64_t)lts > (uint64_t)%s)", n->after);
        cw_line(w, "    continue;");
    } else {
        cw_comment(w, true, "abs(l.ts - r.ts) <= within, without overflow.");
        cw_open(w, "for (%s%s *o = g->head[1 - side]; o; o = o->next)",
                n->outer ? "" : "const ", n->names->row);
        cw_line(w, "uint64_t gap = ts >= o->ts ? (uint64_t)ts - (uint64_t)o->ts : "
                   "(uint64_t)o->ts - (uint64_t)ts;");
        if (n->jop->join.within.decl)
            cw_line(w, "if (gap > (uint64_t)%s)", within);
        else
            cw_line(w, "if (gap > %su)", within);
        cw_line(w, "    continue;");
    }
    cw_line(w, "int64_t at = ts > o->ts ? ts : o->ts;");
    if (n->outer)
        cw_line(w, "o->matched = matched = true;");
    cw_line(w, "if (side == 0)");
    cw_line(w, "    %s(rt, rec, &o->rec.right, at);", n->names->result);
    cw_line(w, "else");
    cw_line(w, "    %s(rt, &o->rec.left, rec, at);", n->names->result);
    cw_close(w, "");
}

void emit_join_alone(CWriter *w, const JoinStage *n)
{
    if (n->jop->join.left) {
        cw_line(w, "if (side == 0 && !row->matched)");
        cw_line(w, "    %s(rt, &row->rec.left, NULL, row->ts);", n->names->result);
    }
    if (n->jop->join.right) {
        cw_line(w, "if (side == 1 && !row->matched)");
        cw_line(w, "    %s(rt, NULL, &row->rec.right, row->ts);", n->names->result);
    }
}

void emit_join_copy_record(CWriter *w, const JoinStage *n)
{
    cw_open(w, "if (side == 0)");
    cw_line(w, "row->rec.left = *(const %s *)rec;", n->ltype->cname);
    emit_join_keep_strings(w, n->ltype, "row->rec.left.");
    cw_close(w, "");
    cw_open(w, "else");
    cw_line(w, "row->rec.right = *(const %s *)rec;", n->rtype->cname);
    emit_join_keep_strings(w, n->rtype, "row->rec.right.");
    cw_close(w, "");
}

/* Outer: `row` goes after the last row of its group and side, and of its
 * side in `rows`, whose time is not later (walking back from the tail: a
 * row in time order stops at once), so that the oldest row is the first of
 * both lists and the group of the row freed is still found by its head. */
void emit_join_group_time_order(CWriter *w, const JoinStage *n)
{
    const char *row = n->names->row;
    cw_line(w, "%s *at = g->tail[side];", row);
    cw_line(w, "while (at && at->ts > row->ts)");
    cw_line(w, "    at = at->prev;");
    cw_line(w, "row->prev = at;");
    cw_line(w, "row->next = at ? at->next : g->head[side];");
    cw_line(w, "if (at)");
    cw_line(w, "    at->next = row;");
    cw_line(w, "else");
    cw_line(w, "    g->head[side] = row;");
    cw_line(w, "if (row->next)");
    cw_line(w, "    row->next->prev = row;");
    cw_line(w, "else");
    cw_line(w, "    g->tail[side] = row;");
}

static void link_in_time_order(CWriter *w, const JoinStage *n)
{
    open_block(w);
    emit_join_group_time_order(w, n);
    cw_line(w, "at = rows->tail[side];");
    cw_line(w, "while (at && at->ts > row->ts)");
    cw_line(w, "    at = at->fifo_prev;");
    cw_line(w, "row->fifo_prev = at;");
    cw_line(w, "row->fifo_next = at ? at->fifo_next : rows->head[side];");
    cw_line(w, "if (at)");
    cw_line(w, "    at->fifo_next = row;");
    cw_line(w, "else");
    cw_line(w, "    rows->head[side] = row;");
    cw_line(w, "if (row->fifo_next)");
    cw_line(w, "    ((%s *)row->fifo_next)->fifo_prev = row;", n->names->row);
    cw_line(w, "else");
    cw_line(w, "    rows->tail[side] = row;");
    cw_close(w, "");
}

void emit_join_link_row(CWriter *w, const JoinStage *n)
{
    if (n->outer) {
        link_in_time_order(w, n);
        return;
    }
    if (n->windowed)
        cw_line(w, "row->prev = g->tail[side];");
    cw_line(w, "if (g->tail[side])");
    cw_line(w, "    g->tail[side]->next = row;");
    cw_line(w, "else");
    cw_line(w, "    g->head[side] = row;");
    cw_line(w, "g->tail[side] = row;");
    if (n->windowed)
        return;
    cw_line(w, "if (rows->tail[side])");
    cw_line(w, "    ((%s *)rows->tail[side])->fifo_next = row;", n->names->row);
    cw_line(w, "else");
    cw_line(w, "    rows->head[side] = row;");
    cw_line(w, "rows->tail[side] = row;");
}

/* The arrival of a record of either side whose key is in `probe`. */
static void emit_arrive_function(CWriter *w, const JoinStage *n)
{
    const char *keep = n->keep;
    cw_blank(w);
    cw_comment(w, true, n->windowed
        ? "A record of side `side` arrives: kept in its (key, window) group until the window "
          "fires."
        : "A record of side `side` arrives: paired with every row of the other side of its "
          "key within the bound, then kept until the watermark reaches its time + within.");
    cw_line(w, "static void %s(FlowRuntime *rt, const %s *probe, int side, const void *rec, "
               "int64_t ts)", n->names->arrive, n->names->state);
    open_block(w);
    if (n->windowed) {
        cw_line(w, "int64_t fire_at = flow_time_add(probe->start, %s);", n->window_last);
        cw_open(w, "if (flow_operator_watermark(rt, %d) >= fire_at)", n->op);
    } else {
        cw_open(w, "if (ts <= flow_operator_watermark(rt, %d))", n->op);
    }
    cw_comment(w, true, "Late: dropped and counted.");
    cw_line(w, "flow_late_record(rt);");
    cw_line(w, "return;");
    cw_close(w, "");
    cw_line(w, n->windowed ? "uint64_t hash = %s(probe);"
                           : "uint64_t hash = flow_inline_hash(%s(probe));", n->names->hash);
    if (n->windowed) {
        cw_line(w, "FlowTable *table = flow_state_table(rt, %d);", n->op);
        cw_line(w, "%s *g = flow_table_find(table, hash, %s, probe);", n->names->state,
                n->names->match);
    } else {
        cw_line(w, "FlowJoinRows *rows = flow_join_rows(rt, %d);", n->op);
        cw_line(w, "%s *g = %s(&rows->groups, hash, probe);", n->names->state, n->names->find);
    }
    cw_open(w, "if (!g)");
    cw_line(w, n->windowed ? "g = flow_state_alloc(sizeof *g);"
                           : "g = flow_inline_add(&rows->groups, sizeof *g, hash);");
    cw_line(w, "*g = *probe;");
    cw_line(w, "g->hash = hash;");
    for (int k = 0; k < n->nkey; k++)
        if (n->keytypes[k] == TY_STRING)
            cw_line(w, "g->key%d = flow_str_keep(probe->key%d);", k, k);
    if (n->windowed)
        cw_line(w, "flow_table_insert(table, hash, g);");
    if (n->windowed)
        cw_line(w, "flow_timer_set(rt, %d, fire_at, g);", n->op);
    cw_close(w, "");
    if (n->outer)
        cw_line(w, "bool matched = false;");
    if (!n->windowed)
        emit_join_pairs(w, n);
    if (n->windowed) {
        cw_line(w, "%s *row = flow_state_alloc(sizeof *row);", n->names->row);
        cw_line(w, "row->side = side;");
    } else {
        cw_line(w, "%s *row = flow_pool_alloc(&rows->rows, sizeof *row);", n->names->row);
        cw_line(w, "row->fifo_next = NULL;");
        cw_line(w, "row->next = NULL;");
    }
    cw_line(w, n->windowed ? "row->group = g;" : "row->hash = hash;");
    cw_line(w, "row->ts = ts;");
    if (n->outer)
        cw_line(w, "row->matched = matched;");
    emit_join_copy_record(w, n);
    emit_join_link_row(w, n);
    if (n->outer) {
        cw_comment(w, true, "Out of order, the new row may be due before the pending timer.");
        cw_open(w, "if (flow_time_add(ts, %s) < flow_timer_next(rt, %d))", keep, n->op);
        cw_line(w, "flow_timer_set(rt, %d, flow_time_add(ts, %s), rows);", n->op, keep);
        cw_close(w, "");
    } else if (!n->windowed) {
        cw_comment(w, true, "No timer pending: no row was kept; the new row's is the one.");
        cw_open(w, "if (!rows->timer_pending)");
        cw_line(w, "flow_timer_set(rt, %d, flow_time_add(ts, %s), rows);", n->op, keep);
        cw_line(w, "rows->timer_pending = true;");
        cw_close(w, "");
    }
    cw_close(w, "");
}

const char *join_key_function(Emitter *em, const JoinStage *n, int side)
{
    return arena_printf(em->arena, "%s_key_%s", n->names->state, side == 0 ? "left" : "right");
}

/* `static bool key(rt, in, ts, probe)`: the group key of a record of `side`
 * (and its window's start) into *probe; false, the record reported bad,
 * when an expression of it fails. */
static void emit_key_function(Emitter *em, CWriter *w, const JoinStage *n, int side)
{
    Arena *a = em->arena;
    const PlanType *t = side == 0 ? n->ltype : n->rtype;
    Body b;
    body_init(&b, em, t, "in->", "in");
    EmitExpr x = expr_context(&b, t);
    const char **keys = arena_alloc(a, sizeof *keys * (size_t)(n->nkey + 1));
    int k = 0;
    for (const JoinEq *q = n->jop->join.eqs; q; q = q->next, k++)
        keys[k] = emit_expr(&x, side == 0 ? q->left : q->right, n->keytypes[k]);
    note_expr_use(&b, &x);
    emit_loc_comment(em, &b.w, n->jop->loc, op_text(a, n->jop));
    line_to_flow(em, &b.w, n->jop->loc);
    cw_line(&b.w, "*probe = (%s){ 0 };", n->names->state);
    if (n->windowed) {
        cw_line(&b.w, "probe->start = flow_window_start(ts, %s);", n->window);
        b.used_ts = true;
    }
    if (x.used_err)
        cw_line(&b.w, "const char *err = NULL;");
    declare_temps(&b, &x);
    for (k = 0; k < n->nkey; k++)
        cw_line(&b.w, "probe->key%d = %s;", k, keys[k]);
    if (x.used_err) {
        cw_open(&b.w, "if (err)");
        cw_line(&b.w, "flow_record_error(rt, \"%s\", err);", loc_text(em, n->jop->loc));
        cw_line(&b.w, "return false;");
        cw_close(&b.w, "");
        b.used_rt = true;
    }
    cw_line(&b.w, "return true;");
    line_back(em, &b.w);
    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "The group key of a %s record of the join of %s:%d "
                                     "(false: the record is bad, reported).",
                                     side == 0 ? "left" : "right", em->plan->flow_file,
                                     n->jop->loc.line));
    emit_body_function(w, arena_printf(a, "static bool %s(FlowRuntime *rt, const %s *in, "
                                          "int64_t ts, %s *probe)",
                                       join_key_function(em, n, side), t->cname,
                                       n->names->state), &b, true);
}

void emit_join_side_function(Emitter *em, CWriter *w, const PlanStage *st, const JoinStage *n,
                             int side)
{
    Arena *a = em->arena;
    emit_key_function(em, w, n, side);
    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "Stage %d, %s input: the join of stream %s (%s:%d).",
                                     st->id, side == 0 ? "left" : "right", st->stream->name,
                                     em->plan->flow_file, n->jop->loc.line));
    cw_line(w, "%s", side == 0 ? stage_signature(em, st) : join_right_signature(em, st));
    open_block(w);
    cw_line(w, "%s probe;", n->names->state);
    cw_line(w, "if (%s(rt, in, ts, &probe))", join_key_function(em, n, side));
    cw_line(w, "    %s(rt, &probe, %d, in, ts);", n->names->arrive, side);
    cw_close(w, "");
}

void emit_join_stage(Emitter *em, CWriter *w, const PlanStage *st)
{
    if (st->nodes[0]->op->join.regular) {
        emit_regular_join_stage(em, w, st);
        return;
    }
    if (em->plan->state_rocksdb) { /* the state store's variant (emit_join_kv.c) */
        emit_join_kv_stage(em, w, st);
        return;
    }
    JoinStage n = join_stage(em, st);
    emit_structs(em, w, &n);
    emit_join_result_function(em, w, st, &n);
    emit_fire_function(em, w, &n);
    emit_arrive_function(w, &n);
    emit_join_side_function(em, w, st, &n, 0);
    emit_join_side_function(em, w, st, &n, 1);
}
