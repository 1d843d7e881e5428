/* emit_exchange.c: the exchanges of a program that can run its keyed stages
 * on several workers (plan_exchange.c decides; docs/architecture.md,
 * "Parallelism"): per keyed stage, the function its inputs call instead of
 * the stage, which on the reading thread of a parallel run packs the record
 * (its struct, then its strings) into the queue of the worker owning its
 * key, and the function that worker's loop calls with the packed record;
 * and the FlowExchangeDef array. */
#include "emit_impl.h"
#include "optable.h"

/* The hash of the record's key, as the stage's state hash computes it from
 * the same fields (emit_state_hash without a seed), so that a worker owns
 * whole key groups (flow/exchange.h). */
static const char *key_hash(Emitter *em, const PlanNode *node)
{
    Arena *a = em->arena;
    const Op *op = node->op;
    const TypeKind *types = key_types(em, node);
    if (op->nkey == 1)
        return arena_printf(a, "(uint64_t)%s",
                            key_hash_call(a, types[0], arena_printf(a, "in->%s",
                                          node->in->members[op->key_fields[0]])));
    const char *h = "0";
    for (int k = 0; k < op->nkey; k++) {
        const char *v = arena_printf(a, "in->%s", node->in->members[op->key_fields[k]]);
        h = arena_printf(a, "((%s ^ (uint64_t)%s) * 0x9E3779B97F4A7C15ULL)", h,
                         key_hash_call(a, types[k], v));
    }
    return arena_printf(a, "flow_xxh64_avalanche(%s)", h);
}

/* The member of string field f of type t as a FlowStr, after `prefix`. */
static const char *str_member(Emitter *em, const PlanType *t, int f, const char *prefix)
{
    const Field *fd = &t->schema->fields[f];
    return arena_printf(em->arena, "%s%s%s", prefix, t->members[f], fd->optional ? ".v" : "");
}

static void emit_exchange_fn(Emitter *em, CWriter *w, const PlanStage *st)
{
    const PlanType *t = st->in;
    const Schema *s = t->schema;
    cw_blank(w);
    cw_comment(w, true, arena_printf(em->arena,
        "The exchange in front of stage %d: on the reading thread of a parallel run, the "
        "record goes to the queue of the worker owning its key; else straight to the stage.",
        st->id));
    cw_line(w, "static void %s(FlowRuntime *rt, const %s *in, int64_t ts)", st->exchange,
            t->cname);
    open_block(w);
    cw_open(w, "if (!flow_exchange_on(rt))");
    cw_line(w, "%s(rt, in, ts);", st->cname);
    cw_line(w, "return;");
    cw_close(w, "");
    cw_line(w, "size_t size = sizeof *in;");
    for (int f = 0; f < s->nfields; f++)
        if (s->fields[f].type == TY_STRING)
            cw_line(w, "size += (size_t)%s.len;", str_member(em, t, f, "in->"));
    cw_line(w, "unsigned char *p = flow_exchange_put(rt, %d, %s, ts, size);",
            st->exchange_index, key_hash(em, st->nodes[0]));
    cw_line(w, "%s *r = (%s *)(void *)p;", t->cname, t->cname);
    cw_line(w, "*r = *in;");
    cw_line(w, "size_t at = sizeof *in;");
    for (int f = 0; f < s->nfields; f++)
        if (s->fields[f].type == TY_STRING)
            cw_line(w, "flow_exchange_pack_str(p, &at, &%s);", str_member(em, t, f, "r->"));
    cw_close(w, "");
}

static void emit_deliver_fn(Emitter *em, CWriter *w, const PlanStage *st)
{
    const PlanType *t = st->in;
    const Schema *s = t->schema;
    cw_blank(w);
    cw_comment(w, true, arena_printf(em->arena,
        "On the worker owning its key: a record %s packed, to stage %d.", st->exchange,
        st->id));
    cw_line(w, "static void %s(FlowRuntime *rt, unsigned char *p, int64_t ts)", st->deliver);
    open_block(w);
    cw_line(w, "%s *r = (%s *)(void *)p;", t->cname, t->cname);
    for (int f = 0; f < s->nfields; f++)
        if (s->fields[f].type == TY_STRING)
            cw_line(w, "flow_exchange_unpack_str(p, &%s);", str_member(em, t, f, "r->"));
    cw_line(w, "%s(rt, r, ts);", st->cname);
    cw_close(w, "");
}

void emit_exchange_functions(Emitter *em, CWriter *w)
{
    Plan *plan = em->plan;
    for (int i = 0; i < plan->nstages; i++) {
        const PlanStage *st = plan->stages[i];
        if (!st->exchange)
            continue;
        emit_exchange_fn(em, w, st);
        emit_deliver_fn(em, w, st);
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
        if (st->exchange)
            cw_line(w, "{ \"%s at %s\", %s },", op_info(st->nodes[0]->op->kind)->spelling,
                    loc_text(em, st->nodes[0]->op->loc), st->deliver);
    }
    cw_close(w, ";");
    return plan->nexchanges;
}
