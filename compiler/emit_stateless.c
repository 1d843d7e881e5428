/* emit_stateless.c: the code of the stateless operators that have no file
 * of their own, inside a stage body: where, select, key by and union. */
#include <string.h>

#include "emit_impl.h"
#include "explain.h"

/* The conjuncts of `a and b and c`, in order, into `out` (when not NULL);
 * returns how many there are. */
static int conjuncts(const Expr *e, const Expr **out)
{
    if (e->kind == EX_BINARY && e->binary.op == BIN_AND) {
        int n = conjuncts(e->binary.lhs, out);
        return n + conjuncts(e->binary.rhs, out ? out + n : NULL);
    }
    if (out)
        out[0] = e;
    return 1;
}

void emit_where(Body *b, const PlanNode *n)
{
    const Op *op = n->op;
    emit_loc_comment(b->em, &b->w, op->loc, op_text(b->em->arena, op));
    EmitExpr x = expr_context(b, n->in);
    line_to_flow(b->em, &b->w, op->loc);
    int ntemps = b->ntemps;
    emit_negated(&x, op->where); /* only to learn whether it can fail */
    b->ntemps = ntemps;
    x.temps = "";
    if (!x.used_err) {
        /* One test per conjunct: `and` is lazy, so is a sequence of ifs. */
        int nparts = conjuncts(op->where, NULL);
        const Expr **parts = arena_alloc(b->em->arena, sizeof *parts * (size_t)nparts);
        conjuncts(op->where, parts);
        for (int i = 0; i < nparts; i++) {
            const char *test = emit_negated(&x, parts[i]);
            declare_temps(b, &x);
            cw_line(&b->w, "if (%s)", test);
            cw_indent(&b->w);
            cw_line(&b->w, "return;");
            cw_dedent(&b->w);
        }
    } else {
        /* The condition once, into keep, so that a failure is seen first. */
        EmitExpr y = expr_context(b, n->in);
        char *cond = emit_test(&y, op->where);
        open_block(&b->w);
        cw_line(&b->w, "const char *err = NULL;");
        declare_temps(b, &y);
        cw_line(&b->w, "bool keep = %s;", cond);
        body_check_err(b, op->loc);
        cw_line(&b->w, "if (!keep)");
        cw_indent(&b->w);
        cw_line(&b->w, "return;");
        cw_dedent(&b->w);
        cw_close(&b->w, "");
    }
    line_back(b->em, &b->w);
    note_expr_use(b, &x);
}

static bool item_is_bare(const Item *it)
{
    const Expr *e = it->expr;
    return !e || (e->kind == EX_NAME && !e->name.qualifier && strcmp(e->name.name, it->name) == 0);
}

void emit_select(Body *b, const PlanNode *n)
{
    Emitter *em = b->em;
    const Op *op = n->op;
    const PlanType *out = n->out;
    const char *rec = arena_printf(em->arena, "rec%d", ++b->nrecs);
    emit_loc_comment(em, &b->w, op->loc, "select");

    /* The values first: whether the block needs `err` is known only then. */
    EmitExpr x = expr_context(b, n->in);
    int nfields = out->schema->nfields;
    const char **values = arena_alloc(em->arena, sizeof *values * (size_t)(nfields + 1));
    const Item **items = arena_alloc(em->arena, sizeof *items * (size_t)(nfields + 1));
    int f = 0;
    for (const Item *it = op->select; it && f < nfields; it = it->next, f++) {
        items[f] = it;
        values[f] = it->expr ? emit_expr(&x, it->expr, out->schema->fields[f].type)
                             : arena_printf(em->arena, "%s%s", b->access, out->members[f]);
    }

    line_to_flow(em, &b->w, op->loc);
    cw_line(&b->w, "%s %s;", out->cname, rec);
    if (x.used_err) {
        open_block(&b->w);
        cw_line(&b->w, "const char *err = NULL;");
    }
    declare_temps(b, &x);
    for (int i = 0; i < f; i++) {
        if (!item_is_bare(items[i]))
            emit_loc_comment(em, &b->w, items[i]->loc,
                         arena_printf(em->arena, "%s = %s", items[i]->name,
                                      expr_text(em->arena, items[i]->expr)));
        line_to_flow(em, &b->w, items[i]->loc);
        cw_line(&b->w, "%s.%s = %s;", rec, out->members[i], values[i]);
    }
    if (x.used_err) {
        line_to_flow(em, &b->w, op->loc);
        body_check_err(b, op->loc);
        cw_close(&b->w, "");
    }
    line_back(em, &b->w);
    note_expr_use(b, &x);
    b->rec = out;
    b->access = arena_printf(em->arena, "%s.", rec);
    b->ptr = arena_printf(em->arena, "&%s", rec);
}

/* `key by` moves no record here: with one worker every key is already
 * here, and with several the exchange in front of the keyed stage after it
 * sends each record to its key's worker (emit_exchange.c). */
void emit_key_by(Body *b, const PlanNode *n)
{
    Emitter *em = b->em;
    emit_loc_comment(em, &b->w, n->op->loc,
                 arena_printf(em->arena, "%s: no code; the keyed stage's exchange splits keys",
                              op_text(em->arena, n->op)));
}

/* A union has no code of its own: each of its inputs calls the stage. */
void emit_union(Body *b, const PlanNode *n)
{
    Emitter *em = b->em;
    emit_loc_comment(em, &b->w, n->op->loc,
                 arena_printf(em->arena, "%s: every input calls this function",
                              op_text(em->arena, n->op)));
}

