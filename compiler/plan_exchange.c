/* plan_exchange.c: whether a program's keyed stages can run on several
 * workers (`parallelism N`, docs/architecture.md "Parallelism"), and the
 * names of the exchanges in front of them. A program can when every
 * stateful stage is keyed (a window or dedupe after `key by`, or a join on
 * its `on` key) and is fed only by the stateless stages after the sources:
 * then the reading thread runs the sources and stateless stages, and each
 * worker runs every stateful stage for the keys it owns, with the
 * operators after them to the sinks. */
#include <string.h>

#include "plan.h"

/* Whether a stateful stage feeds `st`, through stateless stages. */
static bool fed_by_stateful(const PlanStage *st, int depth)
{
    if (depth > 64)
        return true; /* deeper than any real program: say no rather than recurse */
    for (int i = 0; i < st->nnodes; i++) {
        const PlanNode *n = st->nodes[i];
        for (int e = 0; e < n->inputs.n; e++) {
            const PlanNode *from = n->inputs.items[e]->from;
            if (from->kind != PN_OP || from->stage == st)
                continue;
            if (from->stage->stateful || fed_by_stateful(from->stage, depth + 1))
                return true;
        }
    }
    return false;
}

/* Whether a stage contains a lookup: its table is the reading thread's. */
static bool has_lookup(const PlanStage *st)
{
    for (int i = 0; i < st->nnodes; i++)
        if (st->nodes[i]->kind == PN_OP && st->nodes[i]->op->kind == OP_LOOKUP)
            return true;
    return false;
}

/* Why the program's stateful stages cannot be split among workers, or NULL. */
static const char *serial_reason(const Plan *plan)
{
    int keyed = 0;
    for (int i = 0; i < plan->nstages; i++) {
        const PlanStage *st = plan->stages[i];
        if (!st->emitted)
            continue;
        if (!st->stateful) {
            if (has_lookup(st) && fed_by_stateful(st, 0))
                return "a lookup after a stateful operator";
            continue;
        }
        const Op *op = st->nodes[0]->op;
        if (op->kind != OP_JOIN && op->nkey == 0)
            return "a stateful operator without `key by`";
        if (fed_by_stateful(st, 0))
            return "a stateful operator after another";
        keyed++;
    }
    if (plan->state_rocksdb)
        return "`state rocksdb`";
    if (keyed == 0)
        return "no keyed stateful operator";
    return NULL;
}

void plan_exchanges(Plan *plan)
{
    for (int i = 0; i < plan->nstages; i++)
        plan->stages[i]->exchange_index = -1;
    plan->serial = serial_reason(plan);
    if (plan->serial)
        return;
    for (int i = 0; i < plan->nstages; i++) {
        PlanStage *st = plan->stages[i];
        if (!st->emitted || !st->stateful)
            continue;
        st->exchange = plan_unique_name(plan, arena_printf(plan->arena, "%s_exchange",
                                                           st->cname));
        st->deliver = plan_unique_name(plan, arena_printf(plan->arena, "%s_deliver",
                                                          st->cname));
        st->exchange_index = plan->nexchanges++;
        if (st->nodes[0]->op->kind != OP_JOIN)
            continue;
        for (int e = 0; e < st->nodes[0]->inputs.n; e++)
            if (st->nodes[0]->inputs.items[e]->port == 1)
                st->in_right = st->nodes[0]->inputs.items[e]->type;
        st->exchange_right = plan_unique_name(
            plan, arena_printf(plan->arena, "%s_exchange_right", st->cname));
        st->deliver_right = plan_unique_name(
            plan, arena_printf(plan->arena, "%s_deliver_right", st->cname));
        plan->nexchanges++;
    }
}
