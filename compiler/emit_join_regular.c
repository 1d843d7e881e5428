/* emit_join_regular.c: the C of a regular join, `key by K | join S [as A]
 * on EQ [left|right|full] [ttl T]` without `within` or `window`
 * (docs/language.md, "Regular joins"); emit_join_regular_ckpt.c has its
 * checkpoint.
 *
 * Per join stage the generated file has:
 * - a row struct: one record of either side, copied with its strings, in
 *   its group's list of its side, in arrival order;
 * - a state struct (the group), one per key in the operator's FlowTable:
 *   the key (strings copied), per side its rows; with `ttl`, the latest
 *   event time of the key's records and the time of its pending timer;
 * - the arrival function: the record is paired with every row of the other
 *   side at once, then kept. A side that is an updating aggregate's
 *   changelog keeps one row per key: a new row replaces the last one, whose
 *   pairs are retracted first (`-U`, then the new pairs as `+U`). A side
 *   kept alone (`left`, `right`, `full`) goes out with the other side null
 *   while the other side has no row, and that row is retracted (`-D`) when
 *   the first match comes, as Flink's regular join does;
 * - a fire function. With `ttl T` each group has one timer, at its latest
 *   time + T as it was when the timer was set: when it fires and the key had
 *   a record since, it is set again at the new latest + T, else the group
 *   goes, without a row (as an updating aggregate's key). Without ttl one
 *   timer, at the end of time, frees every group at the end of input;
 * - a result function: `op` when the join emits a changelog, the left
 *   fields (without a changelog side's `op`), the right ones, and the
 *   operators after the join. */
#include <string.h>

#include "emit_impl.h"
#include "explain.h"

/* A C test over `side` for which sides have `yes`, or NULL for neither. */
static const char *side_test(bool left, bool right)
{
    if (left && right)
        return "true";
    if (left)
        return "side == 0";
    return right ? "side == 1" : NULL;
}

static const char *kept_alone(const JoinStage *n)
{
    return side_test(n->jop->join.left, n->jop->join.right);
}

static const char *upsert_side(const JoinStage *n)
{
    return side_test(n->jop->join.changelog[0], n->jop->join.changelog[1]);
}

static void emit_structs(Emitter *em, CWriter *w, const JoinStage *n)
{
    Arena *a = em->arena;
    const Op *op = n->jop;
    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "A record of either side of the regular join at %s:%d, "
                                     "copied with its strings, in its group's list of its "
                                     "side.", em->plan->flow_file, op->loc.line));
    cw_line(w, "typedef struct %s %s;", n->names->state, n->names->state);
    cw_line(w, "typedef struct %s %s;", n->names->row, n->names->row);
    cw_open(w, "struct %s", n->names->row);
    cw_line(w, "%s *next; /* the next row of its group and side, in arrival order */",
            n->names->row);
    if (kept_alone(n))
        cw_line(w, "bool matched; /* paired: it no longer stands alone */");
    cw_line(w, "int64_t ts;");
    cw_open(w, "union");
    cw_line(w, "%s left;", n->ltype->cname);
    cw_line(w, "%s right;", n->rtype->cname);
    cw_close(w, " rec;");
    cw_close(w, ";");

    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "State of the regular join at %s:%d, one per key, in "
                                     "the operator's table: the rows of each side%s.",
                                     em->plan->flow_file, op->loc.line,
                                     op->join.has_ttl
                                         ? arena_printf(a, ", until no record of the key came "
                                                        "for %s", dur_comment(a, dur_c(em,
                                                        &op->join.ttl), &op->join.ttl))
                                         : " (a changelog side's last one), until the end"));
    cw_open(w, "struct %s", n->names->state);
    cw_line(w, "uint64_t hash;");
    if (op->join.has_ttl) {
        cw_line(w, "int64_t latest; /* the latest event time of the key's records */");
        cw_line(w, "int64_t due; /* the time of its pending timer */");
    }
    cw_line(w, "%s *head[2], *tail[2]; /* per side, in arrival order */", n->names->row);
    int k = 0;
    for (const JoinEq *q = op->join.eqs; q; q = q->next, k++)
        cw_line(w, "%s key%d; /* %s%s */", c_type(n->keytypes[k]), k, expr_text(a, q->left),
                n->keytypes[k] == TY_STRING ? ", copied" : "");
    cw_close(w, ";");

    cw_blank(w);
    emit_state_hash(em, w, n->names->hash, n->names->state, n->keytypes, n->nkey, NULL);
    cw_blank(w);
    emit_state_match(em, w, n->names->match, n->names->state, n->keytypes, n->nkey, NULL, false);
}

/* Freeing a row, a group, and (at shutdown) what the pending timers hold. */
static void emit_free(CWriter *w, const JoinStage *n)
{
    cw_blank(w);
    cw_line(w, "static void %s(%s *row, int side)", n->free_row, n->names->row);
    open_block(w);
    cw_open(w, "if (side == 0)");
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
    cw_open(w, "for (int side = 0; side < 2; side++)");
    cw_open(w, "while (g->head[side])");
    cw_line(w, "%s *row = g->head[side];", n->names->row);
    cw_line(w, "g->head[side] = row->next;");
    cw_line(w, "%s(row, side);", n->free_row);
    cw_close(w, "");
    cw_close(w, "");
    emit_key_release(w, n->keytypes, n->nkey, "g");
    cw_line(w, "flow_state_free(g);");
    cw_close(w, "");

    cw_blank(w);
    if (n->jop->join.has_ttl) {
        cw_comment(w, true, "The program stopped: each group has its pending timer.");
        cw_line(w, "static void %s(void *item)", n->names->release);
        open_block(w);
        cw_line(w, "%s(item);", n->free_group);
        cw_close(w, "");
        return;
    }
    cw_comment(w, true, "The end of input, or the program stopped: the one timer's item is the "
                        "table, whose groups all go.");
    cw_line(w, "static void %s(void *item)", n->names->release);
    open_block(w);
    cw_line(w, "FlowTable *t = item;");
    cw_line(w, "for (int64_t i = 0; i < t->cap; i++)");
    cw_line(w, "    if (t->hashes[i])");
    cw_line(w, "        %s(t->items[i]);", n->free_group);
    cw_line(w, "flow_table_free(t);");
    cw_close(w, "");
}

/* Field `of` of the result from field f of side record `p`, which may be
 * NULL when `may_null`. */
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

static void emit_result_function(Emitter *em, CWriter *w, const PlanStage *st,
                                 const JoinStage *n)
{
    Arena *a = em->arena;
    const Op *op = n->jop;
    Body b;
    body_init(&b, em, n->out, "rec.", "&rec");
    cw_line(&b.w, "%s rec;", n->out->cname);
    int of = 0;
    if (op->join.emits_op)
        cw_line(&b.w, "rec.%s = op;", n->out->members[of++]);
    for (int f = 0; f < n->ltype->schema->nfields; f++)
        if (f != op->join.op_field[0])
            side_field(&b.w, n->out, of++, n->ltype, f, "l", op->join.right);
    for (int f = 0; f < n->rtype->schema->nfields; f++)
        if (f != op->join.op_field[1])
            side_field(&b.w, n->out, of++, n->rtype, f, "r", op->join.left);
    emit_stage_rest(&b, st, 1);
    if (!b.used_ts)
        cw_line(&b.w, "(void)ts;");
    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "One row of the regular join at %s:%d: %sthe left "
                                     "fields, then the right ones, and the operators after it. "
                                     "Its event time is that of the record that made it.%s",
                                     em->plan->flow_file, op->loc.line,
                                     op->join.emits_op ? "the change it makes (op), " : "",
                                     op->join.left || op->join.right
                                         ? " A record alone comes with the other side NULL: "
                                           "its fields are null."
                                         : ""));
    emit_body_function(w, arena_printf(a, "static void %s(FlowRuntime *rt, %sconst %s *l, "
                                          "const %s *r, int64_t ts)", n->names->result,
                                       op->join.emits_op ? "FlowStr op, " : "",
                                       n->ltype->cname, n->rtype->cname), &b, false);
}

static void emit_fire_function(Emitter *em, CWriter *w, const JoinStage *n)
{
    const Op *op = n->jop;
    cw_blank(w);
    if (!op->join.has_ttl) {
        cw_comment(w, true, "The end of input: every group goes.");
        cw_line(w, "static void %s(FlowRuntime *rt, void *item, int64_t time)", n->names->fire);
        open_block(w);
        cw_line(w, "(void)rt;");
        cw_line(w, "(void)time;");
        cw_line(w, "%s(item);", n->names->release);
        cw_close(w, "");
        return;
    }
    const char *ttl = dur_plus(em->arena, dur_c(em, &op->join.ttl), 0);
    cw_comment(w, true, "A key's timer: the watermark reached the latest time + ttl it had when "
                        "the timer was set. A record of the key since moved it: the timer is "
                        "set again; else the key's rows go, without a row out.");
    cw_line(w, "static void %s(FlowRuntime *rt, void *item, int64_t time)", n->names->fire);
    open_block(w);
    cw_line(w, "%s *g = item;", n->names->state);
    cw_line(w, "int64_t due = flow_time_add(g->latest, %s);", ttl);
    cw_open(w, "if (due > time)");
    cw_line(w, "g->due = due;");
    cw_line(w, "flow_timer_set(rt, %d, due, g);", n->op);
    cw_line(w, "return;");
    cw_close(w, "");
    cw_line(w, "flow_table_remove(flow_state_table(rt, %d), g->hash, g);", n->op);
    cw_line(w, "%s(g);", n->free_group);
    cw_close(w, "");
}

/* result(...) of the record `rec` of `side` (with the other side's row `o`,
 * or alone when `o` is "NULL"), as the change `kind`. */
static void result_call(CWriter *w, const JoinStage *n, const char *kind, const char *rec,
                        const char *o)
{
    const char *op = n->jop->join.emits_op ? kind : NULL;
    bool alone = strcmp(o, "NULL") == 0;
    cw_line(w, "if (side == 0)");
    cw_line(w, "    %s(rt, %s%s%s, %s%s%s, ts);", n->names->result, op ? op : "", op ? ", " : "",
            rec, alone ? "" : "&", o, alone ? "" : "->rec.right");
    cw_line(w, "else");
    cw_line(w, "    %s(rt, %s%s%s%s%s, %s, ts);", n->names->result, op ? op : "", op ? ", " : "",
            alone ? "" : "&", o, alone ? "" : "->rec.left", rec);
}

static void emit_arrive_function(CWriter *w, const JoinStage *n)
{
    const Op *op = n->jop;
    const char *alone = kept_alone(n), *upsert = upsert_side(n);
    const char *row = n->names->row;
    cw_blank(w);
    cw_comment(w, true, "A record of side `side` arrives: paired with every row of the other "
                        "side of its key, then kept (docs/language.md, \"Regular joins\").");
    cw_line(w, "static void %s(FlowRuntime *rt, const %s *probe, int side, const void *rec, "
               "int64_t ts)", n->names->arrive, n->names->state);
    open_block(w);
    cw_line(w, "FlowTable *table = flow_state_table(rt, %d);", n->op);
    cw_line(w, "uint64_t hash = %s(probe);", n->names->hash);
    cw_line(w, "%s *g = flow_table_find(table, hash, %s, probe);", n->names->state,
            n->names->match);
    cw_open(w, "if (!g)");
    if (!op->join.has_ttl) {
        cw_comment(w, true, "The first key: the one timer, which frees every group at the end.");
        cw_line(w, "if (table->count == 0)");
        cw_line(w, "    flow_timer_set(rt, %d, FLOW_TIME_MAX, table);", n->op);
    }
    cw_line(w, "g = flow_state_alloc(sizeof *g);");
    cw_line(w, "*g = *probe;");
    cw_line(w, "g->hash = hash;");
    for (int k = 0; k < n->nkey; k++)
        if (n->keytypes[k] == TY_STRING)
            cw_line(w, "g->key%d = flow_str_keep(probe->key%d);", k, k);
    cw_line(w, "flow_table_insert(table, hash, g);");
    if (op->join.has_ttl) {
        cw_line(w, "g->latest = ts;");
        cw_line(w, "g->due = flow_time_add(ts, %s);", n->within);
        cw_line(w, "flow_timer_set(rt, %d, g->due, g);", n->op);
    }
    cw_close(w, "");
    if (op->join.has_ttl) {
        cw_line(w, "if (ts > g->latest)");
        cw_line(w, "    g->latest = ts;");
    }
    cw_line(w, "int other = 1 - side;");
    if (upsert) {
        cw_comment(w, true, "A changelog side keeps its key's last row: the row before is "
                            "replaced, and what it made is retracted.");
        cw_line(w, "%s *old = NULL;", row);
        cw_open(w, "if (%s)", upsert);
        cw_line(w, "old = g->head[side];");
        cw_line(w, "g->head[side] = g->tail[side] = NULL;");
        cw_close(w, "");
        cw_open(w, "if (old)");
        cw_line(w, "const void *was = side == 0 ? (const void *)&old->rec.left "
                   ": (const void *)&old->rec.right;");
        cw_line(w, "for (const %s *o = g->head[other]; o; o = o->next)", row);
        open_block(w);
        result_call(w, n, "(FlowStr){ \"-U\", 2 }", "was", "o");
        cw_close(w, "");
        if (alone) {
            cw_open(w, "if (!g->head[other] && (%s))", alone);
            result_call(w, n, "(FlowStr){ \"-U\", 2 }", "was", "NULL");
            cw_close(w, "");
        }
        cw_close(w, "");
        cw_line(w, "FlowStr kind = old ? (FlowStr){ \"+U\", 2 } : (FlowStr){ \"+I\", 2 };");
    } else if (op->join.emits_op) {
        cw_line(w, "FlowStr kind = { \"+I\", 2 };");
    }
    cw_line(w, "for (%s%s *o = g->head[other]; o; o = o->next)", alone ? "" : "const ", row);
    open_block(w);
    const char *other_alone = side_test(op->join.right, op->join.left);
    if (other_alone) {
        cw_comment(w, true, "The first match of a row that went out alone: that row is "
                            "retracted.");
        cw_open(w, "if ((%s) && !o->matched)", other_alone);
        cw_line(w, "o->matched = true;");
        cw_line(w, "if (side == 0)");
        cw_line(w, "    %s(rt, (FlowStr){ \"-D\", 2 }, NULL, &o->rec.right, ts);", n->names->result);
        cw_line(w, "else");
        cw_line(w, "    %s(rt, (FlowStr){ \"-D\", 2 }, &o->rec.left, NULL, ts);", n->names->result);
        cw_close(w, "");
    }
    result_call(w, n, "kind", "rec", "o");
    cw_close(w, "");
    if (alone) {
        cw_line(w, "if (!g->head[other] && (%s))", alone);
        open_block(w);
        result_call(w, n, "kind", "rec", "NULL");
        cw_close(w, "");
    }
    cw_line(w, "%s *row = flow_state_alloc(sizeof *row);", row);
    cw_line(w, "row->ts = ts;");
    if (alone)
        cw_line(w, "row->matched = g->head[other] != NULL;");
    cw_open(w, "if (side == 0)");
    cw_line(w, "row->rec.left = *(const %s *)rec;", n->ltype->cname);
    emit_join_keep_strings(w, n->ltype, "row->rec.left.");
    cw_close(w, "");
    cw_open(w, "else");
    cw_line(w, "row->rec.right = *(const %s *)rec;", n->rtype->cname);
    emit_join_keep_strings(w, n->rtype, "row->rec.right.");
    cw_close(w, "");
    emit_regular_join_link_row(w);
    if (upsert) {
        cw_line(w, "if (old)");
        cw_line(w, "    %s(old, side);", n->free_row);
    }
    cw_close(w, "");
}

void emit_regular_join_link_row(CWriter *w)
{
    cw_line(w, "if (g->tail[side])");
    cw_line(w, "    g->tail[side]->next = row;");
    cw_line(w, "else");
    cw_line(w, "    g->head[side] = row;");
    cw_line(w, "g->tail[side] = row;");
}

JoinStage regular_join_stage(Emitter *em, const PlanStage *st)
{
    JoinStage n = join_shape(em, st);
    Arena *a = em->arena;
    if (n.jop->join.has_ttl)
        n.within = dur_plus(a, dur_c(em, &n.jop->join.ttl), 0);
    n.free_group = arena_printf(a, "%s_free", n.names->state);
    n.free_row = arena_printf(a, "%s_free", n.names->row);
    return n;
}

void emit_regular_join_stage(Emitter *em, CWriter *w, const PlanStage *st)
{
    JoinStage n = regular_join_stage(em, st);
    Plan *plan = em->plan;
    n.free_group = plan_unique_name(plan, n.free_group);
    n.free_row = plan_unique_name(plan, n.free_row);
    emit_structs(em, w, &n);
    emit_free(w, &n);
    emit_result_function(em, w, st, &n);
    emit_fire_function(em, w, &n);
    emit_arrive_function(w, &n);
    emit_join_side_function(em, w, st, &n, 0);
    emit_join_side_function(em, w, st, &n, 1);
}
