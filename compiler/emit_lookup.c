/* emit_lookup.c: the C of tables and of `lookup` (docs/language.md, "table"
 * and "lookup").
 *
 * A table gets a load function, the decode function of its FlowSourceDef
 * in FlowProgram.tables: it decodes a row like a source's decode does, then
 * stores it in the runtime's table (flow/table.h), its strings copied into
 * the table's memory; a key read again replaces its row in place.
 *
 * A lookup is no stage of its own: it is a read-only probe written into the
 * stateless stage it belongs to. It computes the key from the record,
 * probes the table's index inline (the hash with flow_hash_*, the control
 * bytes, and the key compared in its own C type: no call per probe), drops
 * the record when no row has that key or the row fails one of the other
 * conditions, and builds the result record: the record's fields, then the
 * row's. `lookup ... left` keeps the record instead, the row's fields null
 * (they are optional in its result). The event time passes through
 * unchanged. */
#include <string.h>

#include "emit_impl.h"
#include "explain.h"

/* The position of a table in FlowProgram.tables. */
int table_index(const Emitter *em, const Decl *table)
{
    int k = 0;
    for (int i = 0; i < em->plan->nsources; i++) {
        const PlanNode *n = em->plan->sources[i];
        if (n->decl == table)
            return k;
        k += n->kind == PN_TABLE;
    }
    return -1;
}

/* The table a lookup probes: its input from a table. */
static const PlanNode *lookup_table(const PlanNode *lookup)
{
    for (int i = 0; i < lookup->inputs.n; i++)
        if (lookup->inputs.items[i]->from->kind == PN_TABLE)
            return lookup->inputs.items[i]->from;
    return NULL;
}

/* The position of a lookup in FlowProgram.lookups: the lookups of the
 * emitted stages, in stage order. */
static int lookup_index(const Emitter *em, const PlanNode *lookup)
{
    int k = 0;
    for (int i = 0; i < em->plan->nstages; i++) {
        const PlanStage *st = em->plan->stages[i];
        for (int j = 0; st->emitted && j < st->nnodes; j++) {
            if (st->nodes[j] == lookup)
                return k;
            k += st->nodes[j]->kind == PN_OP && st->nodes[j]->op->kind == OP_LOOKUP;
        }
    }
    return -1;
}

int emit_lookup_table(Emitter *em, CWriter *w)
{
    int k = 0;
    for (int i = 0; i < em->plan->nstages; i++) {
        const PlanStage *st = em->plan->stages[i];
        for (int j = 0; st->emitted && j < st->nnodes; j++) {
            const PlanNode *n = st->nodes[j];
            if (n->kind != PN_OP || n->op->kind != OP_LOOKUP)
                continue;
            if (!k++)
                cw_open(w, "static const FlowLookupDef lookups[] =");
            const Decl *table = lookup_table(n)->decl;
            cw_line(w, "{ \"lookup %s at %s\", %d, %s },", table->name, loc_text(em, n->op->loc),
                    table_index(em, table), n->op->join.left ? "true" : "false");
        }
    }
    if (k)
        cw_close(w, ";");
    return k;
}

void emit_table_load(Emitter *em, CWriter *w, const PlanNode *table)
{
    Arena *a = em->arena;
    const Decl *d = table->decl;
    const PlanType *t = table->out;
    int key = d->source.key_field;
    TypeKind kt = t->schema->fields[key].type;
    const char *k = arena_printf(a, "((const %s *)row)->%s", t->cname, t->members[key]);
    const char *hash = plan_unique_name(em->plan, arena_printf(a, "hash_%s", d->name));
    const char *same = plan_unique_name(em->plan, arena_printf(a, "same_key_%s", d->name));
    const char *desc = plan_unique_name(em->plan, arena_printf(a, "key_%s", d->name));

    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "The rows of table %s and their key %s (flow/table.h).",
                                     d->name, d->source.key));
    cw_line(w, "static uint64_t %s(const void *row)", hash);
    open_block(w);
    cw_line(w, "return (uint64_t)%s;", key_hash_call(a, kt, k));
    cw_close(w, "");
    cw_line(w, "static bool %s(const void *row, const void *other)", same);
    open_block(w);
    cw_line(w, "return %s;", key_equal_test(a, kt, k,
                                            arena_printf(a, "((const %s *)other)->%s",
                                                         t->cname, t->members[key])));
    cw_close(w, "");
    cw_line(w, "static const FlowLookupKey %s = { sizeof(%s), %s, %s };", desc, t->cname, hash,
            same);

    Body b;
    body_init(&b, em, t, "rec.", "&rec");
    emit_decode_fields(&b, t);
    cw_line(&b.w, "FlowLookupTable *table = flow_lookup_table(rt, %d);", table_index(em, d));
    cw_line(&b.w, "%s *row = flow_lookup_table_put(table, &%s, &rec);", t->cname, desc);
    for (int f = 0; f < t->schema->nfields; f++) {
        const Field *fd = &t->schema->fields[f];
        const char *m = t->members[f];
        if (fd->type == TY_STRING && fd->optional)
            cw_line(&b.w, "if (!rec.%s.null) rec.%s.v = flow_lookup_table_keep(table, rec.%s.v);",
                    m, m, m);
        else if (fd->type == TY_STRING)
            cw_line(&b.w, "rec.%s = flow_lookup_table_keep(table, rec.%s);", m, m);
    }
    cw_line(&b.w, "*row = rec;");
    cw_line(&b.w, "return true;");

    cw_blank(w);
    emit_loc_comment(em, w, d->loc,
                 arena_printf(a, "table %s : %s from %s key %s: decodes one row and keeps it "
                              "in the table, replacing an earlier row with the same key.",
                              d->name, t->cname, connector_text(a, &d->source.conn),
                              d->source.key));
    cw_line(w, "static bool %s(FlowRuntime *rt, const FlowField *fields)",
            em->source_fns[table->index]);
    cw_line(w, "{");
    cw_append(w, &b.w);
    cw_line(w, "}");
    cw_free(&b.w);
}

/* The condition that probes the index: the first one on the table's key. */
static const JoinEq *key_condition(const Op *op, int key)
{
    for (const JoinEq *eq = op->join.eqs; eq; eq = eq->next)
        if (eq->right->kind == EX_NAME && eq->right->name.kind == NAME_FIELD &&
            eq->right->name.index == key)
            return eq;
    return NULL;
}

/* A record without a matching row is counted, and dropped; with `left`
 * it goes on without the row. */
static void emit_miss(Body *b, const PlanNode *n, const char *row)
{
    if (n->op->join.left)
        cw_line(&b->w, "{ flow_lookup_miss(rt, %d); %s = NULL; }", lookup_index(b->em, n), row);
    else
        cw_line(&b->w, "{ flow_lookup_miss(rt, %d); return; }", lookup_index(b->em, n));
}

/* The conditions besides the probe: each must hold on the row found. */
static void emit_row_tests(Body *b, const PlanNode *n, const JoinEq *probe,
                           const PlanType *row_type, const char *row)
{
    Emitter *em = b->em;
    Arena *a = em->arena;
    EmitExpr x = expr_context(b, n->in);
    EmitExpr y = expr_context(b, row_type);
    y.access = arena_printf(a, "%s->", row);
    const char *test = NULL;
    for (const JoinEq *eq = n->op->join.eqs; eq; eq = eq->next) {
        if (eq == probe)
            continue;
        TypeKind t = key_common_type(eq->left->type, eq->right->type);
        const char *l = emit_expr(&x, eq->left, t);
        const char *r = emit_expr(&y, eq->right, t);
        const char *eqt = key_equal_test(a, t, arena_printf(a, "(%s)", l),
                                         arena_printf(a, "(%s)", r));
        test = test ? arena_printf(a, "%s && %s", test, eqt) : eqt;
    }
    if (!test)
        return;
    bool err = x.used_err || y.used_err;
    if (err) {
        open_block(&b->w);
        cw_line(&b->w, "const char *err = NULL;");
        declare_temps(b, &x);
        declare_temps(b, &y);
        cw_line(&b->w, "bool match = %s;", test);
        body_check_err(b, n->op->loc);
        cw_line(&b->w, "if (!match)");
    } else {
        declare_temps(b, &x);
        declare_temps(b, &y);
        cw_line(&b->w, "if (!(%s))", test);
    }
    cw_indent(&b->w);
    emit_miss(b, n, row);
    cw_dedent(&b->w);
    if (err)
        cw_close(&b->w, "");
    note_expr_use(b, &x);
    y.used_rec = false; /* the row's fields, not the input record's */
    note_expr_use(b, &y);
}

/* Field f of the result from field i of the row: with `left`, null when
 * there is no row (the field is optional in the result). */
static void emit_row_field(Body *b, const PlanNode *n, const char *rec, int f,
                           const PlanType *tt, const char *row, int i)
{
    const char *m = n->out->members[f], *rm = tt->members[i];
    const Field *rf = &tt->schema->fields[i];
    const char *opt = c_opt_type(rf->type);
    if (!n->op->join.left)
        cw_line(&b->w, "%s.%s = %s->%s;", rec, m, row, rm);
    else if (rf->optional)
        cw_line(&b->w, "%s.%s = %s ? %s->%s : (%s){ .null = true };", rec, m, row, row, rm, opt);
    else
        cw_line(&b->w, "%s.%s = %s ? (%s){ %s->%s, false } : (%s){ .null = true };", rec, m, row,
                opt, row, rm, opt);
}

void emit_lookup(Body *b, const PlanNode *n)
{
    Emitter *em = b->em;
    Arena *a = em->arena;
    const Op *op = n->op;
    const PlanNode *table = lookup_table(n);
    const Decl *td = table->decl;
    const PlanType *tt = table->out;
    int key = td->source.key_field;
    const JoinEq *probe = key_condition(op, key);
    TypeKind kt = key_common_type(probe->left->type, tt->schema->fields[key].type);
    int id = ++b->nrecs;
    const char *row = arena_printf(a, "row%d", id);
    const char *keyv = arena_printf(a, "key%d", id);

    emit_loc_comment(em, &b->w, op->loc, arena_printf(a, "%s: probes the table", op_text(a, op)));
    line_to_flow(em, &b->w, op->loc);
    EmitExpr x = expr_context(b, n->in);
    const char *keyc = emit_expr(&x, probe->left, kt);
    cw_line(&b->w, "const %s *%s = NULL;", tt->cname, row);
    open_block(&b->w);
    if (x.used_err)
        cw_line(&b->w, "const char *err = NULL;");
    declare_temps(b, &x);
    cw_line(&b->w, "%s %s = %s;", c_type(kt), keyv, keyc);
    if (x.used_err)
        body_check_err(b, op->loc);
    note_expr_use(b, &x);
    cw_line(&b->w, "const FlowLookupTable *table = flow_lookup_table(rt, %d);",
            table_index(em, td));
    cw_line(&b->w, "uint64_t h = (uint64_t)%s, mask = (uint64_t)table->cap - 1;",
            key_hash_call(a, kt, keyv));
    cw_line(&b->w, "uint8_t ctrl = flow_lookup_ctrl(h);");
    cw_line(&b->w, "for (uint64_t i = h & mask; table->cap && table->ctrl[i]; i = (i + 1) & mask)");
    cw_indent(&b->w);
    cw_open(&b->w, "if (table->ctrl[i] == ctrl)");
    cw_line(&b->w, "const %s *r = (const %s *)table->rows + i;", tt->cname, tt->cname);
    cw_open(&b->w, "if (%s)", key_equal_test(a, kt, arena_printf(a, "r->%s", tt->members[key]),
                                             keyv));
    cw_line(&b->w, "%s = r;", row);
    cw_line(&b->w, "break;");
    cw_close(&b->w, "");
    cw_close(&b->w, "");
    cw_dedent(&b->w);
    cw_close(&b->w, "");
    bool left = op->join.left;
    if (left) {
        cw_line(&b->w, "if (!%s)", row);
        cw_line(&b->w, "    flow_lookup_miss(rt, %d);", lookup_index(em, n));
        cw_open(&b->w, "else");
    } else {
        cw_line(&b->w, "if (!%s)", row);
        cw_indent(&b->w);
        emit_miss(b, n, row);
        cw_dedent(&b->w);
    }
    emit_row_tests(b, n, probe, tt, row);
    if (left)
        cw_close(&b->w, "");

    const PlanType *out = n->out;
    const char *rec = arena_printf(a, "rec%d", ++b->nrecs);
    int nleft = b->rec->schema->nfields;
    cw_line(&b->w, "%s %s;", out->cname, rec);
    for (int f = 0; f < nleft; f++)
        cw_line(&b->w, "%s.%s = %s%s;", rec, out->members[f], b->access, b->rec->members[f]);
    for (int f = nleft; f < out->schema->nfields; f++)
        emit_row_field(b, n, rec, f, tt, row, f - nleft);
    line_back(em, &b->w);
    b->used_rt = true;
    b->used_in |= strcmp(b->access, "in->") == 0;
    b->rec = out;
    b->access = arena_printf(a, "%s.", rec);
    b->ptr = arena_printf(a, "&%s", rec);
}
