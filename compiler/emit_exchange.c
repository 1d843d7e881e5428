/* emit_exchange.c: the exchanges of a program that can run its keyed stages
 * on several workers (plan_exchange.c decides; docs/architecture.md,
 * "Parallelism"): per keyed stage, the function its inputs call instead of
 * the stage, which on the reading thread of a parallel run packs the record
 * (its struct, then its strings) into the queue of the worker owning its
 * key, and the function that worker's loop calls with the packed record;
 * and the FlowExchangeDef array. */
#include "emit_impl.h"
#include "optable.h"

/* The hash of the key values `keys` of these types, as a state hash of
 * them computes it (emit_state_hash without a seed), so that a worker owns
 * whole key groups (flow/exchange.h). */
static const char *key_hash(Emitter *em, const TypeKind *types, const char *const *keys,
                            int nkey)
{
    Arena *a = em->arena;
    if (nkey == 1)
        return arena_printf(a, "(uint64_t)%s", key_hash_call(a, types[0], keys[0]));
    const char *h = "0";
    for (int k = 0; k < nkey; k++)
        h = arena_printf(a, "((%s ^ (uint64_t)%s) * 0x9E3779B97F4A7C15ULL)", h,
                         key_hash_call(a, types[k], keys[k]));
    return arena_printf(a, "flow_xxh64_avalanche(%s)", h);
}

/* Writes the hash of the key of a record `in` of a window or dedupe into
 * `hash`: its key fields. */
static void keyed_hash(Body *b, const PlanNode *node)
{
    Emitter *em = b->em;
    const Op *op = node->op;
    const char **keys = arena_alloc(em->arena, sizeof *keys * (size_t)(op->nkey + 1));
    for (int k = 0; k < op->nkey; k++)
        keys[k] = arena_printf(em->arena, "in->%s", node->in->members[op->key_fields[k]]);
    cw_line(&b->w, "uint64_t hash = %s;", key_hash(em, key_types(em, node), keys, op->nkey));
}

/* The same for one side of a join: its `on` expressions, as the side's
 * stage computes them. A record whose key fails goes to the first worker,
 * whose stage reports it. */
static void join_hash(Body *b, const PlanStage *st, int side)
{
    Emitter *em = b->em;
    Arena *a = em->arena;
    JoinStage n = join_shape(em, st);
    EmitExpr x = expr_context(b, side == 0 ? n.ltype : n.rtype);
    const char **exprs = arena_alloc(a, sizeof *exprs * (size_t)(n.nkey + 1));
    const char **keys = arena_alloc(a, sizeof *keys * (size_t)(n.nkey + 1));
    int k = 0;
    for (const JoinEq *q = n.jop->join.eqs; q; q = q->next, k++) {
        exprs[k] = emit_expr(&x, side == 0 ? q->left : q->right, n.keytypes[k]);
        keys[k] = arena_printf(a, "key%d", k);
    }
    note_expr_use(b, &x);
    if (x.used_err)
        cw_line(&b->w, "const char *err = NULL;");
    declare_temps(b, &x);
    for (k = 0; k < n.nkey; k++)
        cw_line(&b->w, "%s key%d = %s;", c_type(n.keytypes[k]), k, exprs[k]);
    const char *h = key_hash(em, n.keytypes, keys, n.nkey);
    cw_line(&b->w, x.used_err ? "uint64_t hash = err ? 0 : %s;" : "uint64_t hash = %s;", h);
}

/* The member of string field f of type t as a FlowStr, after `prefix`. */
static const char *str_member(Emitter *em, const PlanType *t, int f, const char *prefix)
{
    const Field *fd = &t->schema->fields[f];
    return arena_printf(em->arena, "%s%s%s", prefix, t->members[f], fd->optional ? ".v" : "");
}

/* The exchange of one input of a stage (side 1: a join's right input). */
static void emit_exchange_fn(Emitter *em, CWriter *w, const PlanStage *st, int side)
{
    const char *target = side ? st->names->right : st->cname;
    const char *name = side ? st->exchange_right : st->exchange;
    const PlanType *t = side ? st->in_right : st->in;
    const Schema *s = t->schema;
    Body b;
    body_init(&b, em, t, "in->", "in");
    b.used_rt = b.used_ts = b.used_in = true;
    CWriter *bw = &b.w;
    cw_open(bw, "if (!flow_exchange_on(rt))");
    cw_line(bw, "%s(rt, in, ts);", target);
    cw_line(bw, "return;");
    cw_close(bw, "");
    if (plan_stage_is(st, OP_JOIN))
        join_hash(&b, st, side);
    else
        keyed_hash(&b, st->nodes[0]);
    cw_line(bw, "size_t size = sizeof *in;");
    for (int f = 0; f < s->nfields; f++)
        if (s->fields[f].type == TY_STRING)
            cw_line(bw, "size += (size_t)%s.len;", str_member(em, t, f, "in->"));
    cw_line(bw, "unsigned char *p = flow_exchange_put(rt, %d, hash, ts, size);",
            st->exchange_index + side);
    cw_line(bw, "%s *r = (%s *)(void *)p;", t->cname, t->cname);
    cw_line(bw, "*r = *in;");
    bool strings = false;
    for (int f = 0; f < s->nfields; f++)
        strings = strings || s->fields[f].type == TY_STRING;
    if (strings)
        cw_line(bw, "size_t at = sizeof *in;");
    for (int f = 0; f < s->nfields; f++)
        if (s->fields[f].type == TY_STRING)
            cw_line(bw, "flow_exchange_pack_str(p, &at, &%s);", str_member(em, t, f, "r->"));
    cw_blank(w);
    cw_comment(w, true, arena_printf(em->arena,
        "The exchange in front of stage %d%s: on the reading thread of a parallel run, the "
        "record goes to the queue of the worker owning its key; else straight to the stage.",
        st->id, side ? " (right input)" : ""));
    emit_body_function(w, arena_printf(em->arena,
                                       "static void %s(FlowRuntime *rt, const %s *in, int64_t ts)",
                                       name, t->cname), &b, true);
}

static void emit_deliver_fn(Emitter *em, CWriter *w, const PlanStage *st, int side)
{
    const PlanType *t = side ? st->in_right : st->in;
    const Schema *s = t->schema;
    cw_blank(w);
    cw_comment(w, true, arena_printf(em->arena,
        "On the worker owning its key: a record %s packed, to stage %d.",
        side ? st->exchange_right : st->exchange, st->id));
    cw_line(w, "static void %s(FlowRuntime *rt, unsigned char *p, int64_t ts)",
            side ? st->deliver_right : st->deliver);
    open_block(w);
    cw_line(w, "%s *r = (%s *)(void *)p;", t->cname, t->cname);
    for (int f = 0; f < s->nfields; f++)
        if (s->fields[f].type == TY_STRING)
            cw_line(w, "flow_exchange_unpack_str(p, &%s);", str_member(em, t, f, "r->"));
    cw_line(w, "%s(rt, r, ts);", side ? st->names->right : st->cname);
    cw_close(w, "");
}

void emit_exchange_functions(Emitter *em, CWriter *w)
{
    Plan *plan = em->plan;
    for (int i = 0; i < plan->nstages; i++) {
        const PlanStage *st = plan->stages[i];
        for (int side = 0; st->exchange && side < (st->exchange_right ? 2 : 1); side++) {
            emit_exchange_fn(em, w, st, side);
            emit_deliver_fn(em, w, st, side);
        }
    }
}

int emit_exchange_table(Emitter *em, CWriter *w)
{
    Plan *plan = em->plan;
    if (plan->nexchanges == 0)
        return 0;
    cw_open(w, "static const FlowExchangeDef exchanges[] =");
    for (int i = 0; i < plan->nstages; i++) {
        const PlanStage *st = plan->stages[i];
        const char *what = op_info(st->nodes[0]->op->kind)->spelling;
        const char *at = loc_text(em, st->nodes[0]->op->loc);
        if (st->exchange)
            cw_line(w, "{ \"%s at %s\", %s },", what, at, st->deliver);
        if (st->exchange_right)
            cw_line(w, "{ \"%s at %s, right\", %s },", what, at, st->deliver_right);
    }
    cw_close(w, ";");
    return plan->nexchanges;
}
