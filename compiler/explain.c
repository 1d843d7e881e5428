/* explain.c: the plan in words and as a DOT graph, and the Flow text of
 * expressions, operators and connectors (explain.h). */
#include "explain.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors.h"
#include "durations.h"
#include "flow/codec.h"
#include "optable.h"

/* ---- Flow text ------------------------------------------------------------------------ */

/* The runtime's own text, so that a duration param's default reads back
 * (--help, checkpoint layouts) as flowc prints it. */
char *duration_text(Arena *arena, int64_t ms)
{
    char buf[FLOW_DURATION_MAX];
    flow_format_duration(buf, ms);
    return arena_strdup(arena, buf);
}

char *duration_arg_text(Arena *arena, const DurationArg *d)
{
    return d->param ? arena_strdup(arena, d->param) : duration_text(arena, d->ms);
}

char *float_text(Arena *arena, double v)
{
    if (isnan(v))
        return arena_strdup(arena, "nan");
    if (isinf(v))
        return arena_strdup(arena, v < 0 ? "-inf" : "inf");
    /* The fewest significant digits that read back as v... */
    char buf[400];
    int digits = 17;
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*g", p, v);
        if (strtod(buf, NULL) == v) {
            digits = p;
            break;
        }
    }
    /* ...written positionally (`60.0`, not `6e+01`) unless the number is
     * very large or very small. */
    double mag = fabs(v);
    if (v == 0 || (mag >= 1e-5 && mag < 1e17)) {
        int exp10 = v == 0 ? 0 : (int)floor(log10(mag));
        int decimals = digits - 1 - exp10;
        snprintf(buf, sizeof buf, "%.*f", decimals > 0 ? decimals : 0, v);
        if (strtod(buf, NULL) != v)
            snprintf(buf, sizeof buf, "%.17g", v);
    } else {
        snprintf(buf, sizeof buf, "%.*g", digits, v);
    }
    if (!strpbrk(buf, ".en"))
        strcat(buf, ".0");
    return arena_strdup(arena, buf);
}

static char *string_literal_text(Arena *arena, const char *s, int64_t len)
{
    char *out = arena_alloc(arena, (size_t)len * 4 + 3);
    size_t k = 0;
    out[k++] = '"';
    for (int64_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': k += (size_t)sprintf(out + k, "\\\""); break;
        case '\\': k += (size_t)sprintf(out + k, "\\\\"); break;
        case '\n': k += (size_t)sprintf(out + k, "\\n"); break;
        case '\t': k += (size_t)sprintf(out + k, "\\t"); break;
        case '\r': k += (size_t)sprintf(out + k, "\\r"); break;
        case '\0': k += (size_t)sprintf(out + k, "\\0"); break;
        default:
            if (c < 0x20 || c == 0x7F)
                k += (size_t)sprintf(out + k, "\\x%02x", c);
            else
                out[k++] = (char)c;
        }
    }
    out[k++] = '"';
    out[k] = '\0';
    return out;
}

/* Flow's binding strengths, loosest first. */
enum {
    PREC_OR = 1,
    PREC_AND,
    PREC_NOT,
    PREC_CMP,
    PREC_ADD,
    PREC_MUL,
    PREC_NEG,
    PREC_PRIMARY,
};

static int binary_prec(BinaryOp op)
{
    switch (op) {
    case BIN_OR: return PREC_OR;
    case BIN_AND: return PREC_AND;
    case BIN_EQ: case BIN_NE: case BIN_LT: case BIN_LE: case BIN_GT: case BIN_GE:
        return PREC_CMP;
    case BIN_ADD: case BIN_SUB: return PREC_ADD;
    case BIN_MUL: case BIN_DIV: case BIN_MOD: return PREC_MUL;
    }
    return PREC_PRIMARY;
}

static const char *binary_text(BinaryOp op)
{
    static const char *const text[] = {
        [BIN_ADD] = "+", [BIN_SUB] = "-", [BIN_MUL] = "*", [BIN_DIV] = "/", [BIN_MOD] = "%",
        [BIN_EQ] = "==", [BIN_NE] = "!=", [BIN_LT] = "<", [BIN_LE] = "<=", [BIN_GT] = ">",
        [BIN_GE] = ">=", [BIN_AND] = "and", [BIN_OR] = "or",
    };
    return text[op];
}

/* `s like p`, which the parser makes a call (dsl/flow.y), is shown as written. */
static bool is_like(const Expr *e)
{
    return e->kind == EX_CALL && strcmp(e->call.name, "like") == 0 && e->call.args &&
           e->call.args->next && !e->call.args->next->next;
}

static int expr_prec(const Expr *e)
{
    if (is_like(e))
        return PREC_CMP;
    switch (e->kind) {
    case EX_INT:
    case EX_DURATION: return e->int_value < 0 ? PREC_NEG : PREC_PRIMARY;
    case EX_FLOAT: return signbit(e->float_value) ? PREC_NEG : PREC_PRIMARY;
    case EX_UNARY: return e->unary.op == UN_NEG ? PREC_NEG : PREC_NOT;
    case EX_BINARY: return binary_prec(e->binary.op);
    case EX_BETWEEN:
    case EX_IN:
    case EX_IS_NULL: return PREC_CMP;
    default: return PREC_PRIMARY;
    }
}

static char *expr_at(Arena *arena, const Expr *e, int min_prec)
{
    char *s = expr_text(arena, e);
    return expr_prec(e) < min_prec ? arena_printf(arena, "(%s)", s) : s;
}

/* between, in, is null and case as written (operands of between/in are arithmetic). */
static char *form_text(Arena *arena, const Expr *e)
{
    const Expr *a = e->form.ops;
    const char *no = e->form.negated ? "not " : "";
    if (e->kind == EX_IS_NULL)
        return arena_printf(arena, "%s is %snull", expr_at(arena, a, PREC_ADD), no);
    if (e->kind == EX_BETWEEN)
        return arena_printf(arena, "%s %sbetween %s and %s", expr_at(arena, a, PREC_ADD), no,
                            expr_at(arena, a->next, PREC_ADD),
                            expr_at(arena, a->next->next, PREC_ADD));
    if (e->kind == EX_IN) {
        char *items = "";
        for (const Expr *i = a->next; i; i = i->next)
            items = arena_printf(arena, "%s%s%s", items, i == a->next ? "" : ", ",
                                 expr_text(arena, i));
        return arena_printf(arena, "%s %sin (%s)", expr_at(arena, a, PREC_ADD), no, items);
    }
    char *s = "case";
    if (e->form.has_subject) {
        s = arena_printf(arena, "case %s", expr_text(arena, a));
        a = a->next;
    }
    for (; a && a->next; a = a->next->next)
        s = arena_printf(arena, "%s when %s then %s", s, expr_text(arena, a),
                         expr_text(arena, a->next));
    if (a)
        s = arena_printf(arena, "%s else %s", s, expr_text(arena, a));
    return arena_printf(arena, "%s end", s);
}

char *expr_text(Arena *arena, const Expr *e)
{
    if (!e)
        return arena_strdup(arena, "?");
    switch (e->kind) {
    case EX_INT: return arena_printf(arena, "%" PRId64, e->int_value);
    case EX_FLOAT: return float_text(arena, e->float_value);
    case EX_STRING: return string_literal_text(arena, e->string.chars, e->string.len);
    case EX_BOOL: return arena_strdup(arena, e->bool_value ? "true" : "false");
    case EX_DURATION: return duration_text(arena, e->int_value);
    case EX_NAME:
        return e->name.qualifier ? arena_printf(arena, "%s.%s", e->name.qualifier, e->name.name)
                                 : arena_strdup(arena, e->name.name);
    case EX_UNARY:
        if (e->unary.op == UN_NOT && is_like(e->unary.operand))
            return arena_printf(arena, "%s not like %s",
                                expr_at(arena, e->unary.operand->call.args, PREC_CMP),
                                expr_at(arena, e->unary.operand->call.args->next, PREC_ADD));
        if (e->unary.op == UN_NOT)
            return arena_printf(arena, "not %s", expr_at(arena, e->unary.operand, PREC_NOT));
        /* `-(-x)`, never `--x`. */
        return arena_printf(arena, "-%s", expr_at(arena, e->unary.operand, PREC_PRIMARY));
    case EX_BINARY: {
        /* `and` inside `or` keeps its parentheses: easier to read. */
        int p = binary_prec(e->binary.op);
        int lmin = p == PREC_CMP ? p + 1 : p == PREC_OR ? p + 2 : p;
        int rmin = p == PREC_OR ? p + 2 : p + 1;
        if (p == PREC_OR && e->binary.lhs->kind == EX_BINARY && e->binary.lhs->binary.op == BIN_OR)
            lmin = p;
        return arena_printf(arena, "%s %s %s", expr_at(arena, e->binary.lhs, lmin),
                            binary_text(e->binary.op), expr_at(arena, e->binary.rhs, rmin));
    }
    case EX_CALL: {
        if (is_like(e))
            return arena_printf(arena, "%s like %s", expr_at(arena, e->call.args, PREC_CMP),
                                expr_at(arena, e->call.args->next, PREC_ADD));
        char *args = "";
        for (const Expr *a = e->call.args; a; a = a->next)
            args = arena_printf(arena, "%s%s%s", args, a == e->call.args ? "" : ", ",
                                expr_text(arena, a));
        return arena_printf(arena, "%s(%s)", e->call.name, args);
    }
    case EX_BETWEEN:
    case EX_IN:
    case EX_CASE:
    case EX_IS_NULL:
        return form_text(arena, e);
    }
    return arena_strdup(arena, "?");
}

static char *item_text(Arena *arena, const Item *it, bool aggregate)
{
    if (aggregate)
        return arena_printf(arena, "%s = %s(%s%s%s)", it->name,
                            it->agg_name ? it->agg_name : "?",
                            it->expr ? expr_text(arena, it->expr) : "", it->arg2 ? ", " : "",
                            it->arg2 ? expr_text(arena, it->arg2) : "");
    const Expr *e = it->expr;
    if (!e || (e->kind == EX_NAME && !e->name.qualifier && strcmp(e->name.name, it->name) == 0))
        return arena_strdup(arena, it->name);
    return arena_printf(arena, "%s = %s", it->name, expr_text(arena, e));
}

static char *items_text(Arena *arena, const Item *items, bool aggregate, const char *sep)
{
    char *s = "";
    for (const Item *it = items; it; it = it->next)
        s = arena_printf(arena, "%s%s%s", s, it == items ? "" : sep,
                         item_text(arena, it, aggregate));
    return s;
}

static char *eqs_text(Arena *arena, const JoinEq *eqs)
{
    char *s = "";
    for (const JoinEq *q = eqs; q; q = q->next)
        s = arena_printf(arena, "%s%s%s == %s", s, q == eqs ? "" : " and ",
                         expr_text(arena, q->left), expr_text(arena, q->right));
    return s;
}

static char *refs_text(Arena *arena, const NameRef *refs)
{
    char *s = "";
    for (const NameRef *r = refs; r; r = r->next)
        s = arena_printf(arena, "%s%s%s", s, r == refs ? "" : ", ", r->name);
    return s;
}

/* ---- The describe column of operators.h: an operator's keywords and
 * arguments, but not a select's or aggregate's items (the callers lay
 * those out). */

static char *describe_where(Arena *arena, const Op *op)
{
    return arena_printf(arena, "where %s", expr_text(arena, op->where));
}

static char *describe_select(Arena *arena, const Op *op)
{
    (void)op;
    return arena_strdup(arena, "select");
}

static char *describe_key_by(Arena *arena, const Op *op)
{
    char *s = "key by ";
    for (const Expr *f = op->key_by.fields; f; f = f->next)
        s = arena_printf(arena, "%s%s%s", s, f == op->key_by.fields ? "" : ", ",
                         expr_text(arena, f));
    return s;
}

static char *describe_window(Arena *arena, const Op *op)
{
    char *s;
    if (op->window.kind == WIN_TUMBLING)
        s = arena_printf(arena, "window tumbling %s", duration_arg_text(arena, &op->window.size));
    else if (op->window.kind == WIN_SLIDING)
        s = arena_printf(arena, "window sliding %s every %s",
                         duration_arg_text(arena, &op->window.size),
                         duration_arg_text(arena, &op->window.slide));
    else if (op->window.kind == WIN_CUMULATE)
        s = arena_printf(arena, "window cumulate %s every %s",
                         duration_arg_text(arena, &op->window.size),
                         duration_arg_text(arena, &op->window.slide));
    else
        s = arena_printf(arena, "window session gap %s", duration_arg_text(arena, &op->window.gap));
    if (op->update.has_every)
        s = arena_printf(arena, "%s emit every %s", s, duration_arg_text(arena, &op->update.every));
    if (op->window.lateness.ms || op->window.lateness.param)
        s = arena_printf(arena, "%s lateness %s", s,
                         duration_arg_text(arena, &op->window.lateness));
    if (op->window.late_as)
        s = arena_printf(arena, "%s late as %s", s, op->window.late_as);
    return s;
}

static char *describe_aggregate(Arena *arena, const Op *op)
{
    (void)op;
    return arena_strdup(arena, "aggregate");
}

/* An updating aggregate's clauses after its items, each with a space before. */
static char *update_clauses_text(Arena *arena, const Op *op)
{
    char *s = "";
    if (op->update.has_every)
        s = arena_printf(arena, " emit every %s", duration_arg_text(arena, &op->update.every));
    if (op->update.has_ttl)
        s = arena_printf(arena, "%s ttl %s", s, duration_arg_text(arena, &op->update.ttl));
    return s;
}

/* The head of an aggregate without a window: its spelling and its clauses. */
static char *describe_update(Arena *arena, const Op *op)
{
    return arena_printf(arena, "updating aggregate%s", update_clauses_text(arena, op));
}

static char *describe_top(Arena *arena, const Op *op)
{
    char *s = arena_printf(arena, "top %" PRId64 " by ", op->top.n);
    for (const TopKey *k = op->top.keys; k; k = k->next)
        s = arena_printf(arena, "%s%s%s%s", s, k == op->top.keys ? "" : ", ",
                         expr_text(arena, k->expr), k->desc ? " desc" : "");
    if (strcmp(op->top.rank, "rank") != 0)
        s = arena_printf(arena, "%s rank as %s", s, op->top.rank);
    if (op->update.has_ttl)
        s = arena_printf(arena, "%s ttl %s", s, duration_arg_text(arena, &op->update.ttl));
    return s;
}

/* Whether the operator lists aggregate items (a window's or an updating one). */
static bool has_agg_items(const Op *op)
{
    return op->kind == OP_AGGREGATE || op->kind == OP_UPDATE;
}

/* join and lookup */
static char *describe_join(Arena *arena, const Op *op)
{
    char *s = arena_printf(arena, "%s %s", op_info(op->kind)->spelling,
                           op->join.other ? op->join.other->name : "?");
    if (op->join.alias)
        s = arena_printf(arena, "%s as %s", s, op->join.alias);
    s = arena_printf(arena, "%s on %s", s, eqs_text(arena, op->join.eqs));
    if (op->kind == OP_JOIN && op->join.windowed)
        s = arena_printf(arena, "%s window tumbling %s", s,
                         duration_arg_text(arena, &op->join.window));
    else if (op->kind == OP_JOIN && op->join.asymmetric)
        s = arena_printf(arena, "%s within %s before and %s after", s,
                         duration_arg_text(arena, &op->join.within),
                         duration_arg_text(arena, &op->join.after));
    else if (op->kind == OP_JOIN && !op->join.regular)
        s = arena_printf(arena, "%s within %s", s, duration_arg_text(arena, &op->join.within));
    if (op->join.left || op->join.right)
        s = arena_printf(arena, "%s %s", s, !op->join.right ? "left"
                                            : !op->join.left ? "right" : "full");
    if (op->kind == OP_JOIN && op->join.has_ttl)
        s = arena_printf(arena, "%s ttl %s", s, duration_arg_text(arena, &op->join.ttl));
    return s;
}

static char *describe_union(Arena *arena, const Op *op)
{
    return arena_printf(arena, "union %s", refs_text(arena, op->union_of));
}

static char *describe_dedupe(Arena *arena, const Op *op)
{
    return arena_printf(arena, "dedupe within %s", duration_arg_text(arena, &op->dedupe.within));
}

static char *op_head_text(Arena *arena, const Op *op)
{
    switch (op->kind) {
#define OP(kind, spelling, role, check, state, describe, emit, snapshot, restore) \
    case OP_##kind: return describe(arena, op);
#include "operators.h"
#undef OP
    }
    return arena_strdup(arena, "?");
}

char *op_text(Arena *arena, const Op *op)
{
    char *head = op_head_text(arena, op);
    if (op->kind == OP_SELECT)
        return arena_printf(arena, "%s %s", head, items_text(arena, op->select, false, ", "));
    if (op->kind == OP_AGGREGATE)
        return arena_printf(arena, "%s %s", head, items_text(arena, op->aggregate, true, ", "));
    if (op->kind == OP_UPDATE)
        return arena_printf(arena, "updating aggregate %s%s",
                            items_text(arena, op->aggregate, true, ", "),
                            update_clauses_text(arena, op));
    return head;
}

static char *conn_value_text(Arena *arena, const Expr *v)
{
    if (v && v->kind == EX_NAME)
        return arena_strdup(arena, v->name.name);
    return expr_text(arena, v);
}

char *connector_text(Arena *arena, const Connector *conn)
{
    /* The argument its row lets go without a key is printed so when first. */
    const ConnectorDef *def = connector_find(conn->name);
    const char *positional = def ? def->positional : NULL;
    char *args = "";
    for (const ConnArg *a = conn->args; a; a = a->next) {
        const char *sep = a == conn->args ? "" : ", ";
        if (a == conn->args && positional && strcmp(a->key, positional) == 0)
            args = arena_printf(arena, "%s", conn_value_text(arena, a->value));
        else
            args = arena_printf(arena, "%s%s%s = %s", args, sep, a->key,
                                conn_value_text(arena, a->value));
    }
    return arena_printf(arena, "%s(%s)", conn->name ? conn->name : "?", args);
}

char *fields_text(Arena *arena, const PlanType *t)
{
    if (!t)
        return arena_strdup(arena, "?");
    char *s = "";
    for (int i = 0; i < t->schema->nfields; i++) {
        const Field *f = &t->schema->fields[i];
        s = arena_printf(arena, "%s%s%s%s%s %s%s", s, i ? ", " : "",
                         f->qualifier ? f->qualifier : "", f->qualifier ? "." : "", f->name,
                         type_name(f->type), f->optional ? "?" : "");
    }
    return s;
}

char *key_text(Arena *arena, const PlanKey *key)
{
    char *s = "";
    for (int i = 0; key->type && i < key->n; i++) {
        const Field *f = &key->type->schema->fields[key->fields[i]];
        s = arena_printf(arena, "%s%s%s%s%s %s", s, i ? ", " : "", f->qualifier ? f->qualifier : "",
                         f->qualifier ? "." : "", f->name, type_name(f->type));
    }
    return s;
}

/* ---- What the explanation shares with the graph ----------------------------------- */

static char *time_text(Arena *arena, const Decl *src)
{
    if (src->source.event_time_field < 0)
        return arena_strdup(arena, "processing time");
    char *s = arena_printf(arena, "event time %s, watermark %s", src->source.event_time,
                           duration_arg_text(arena, &src->source.watermark));
    if (src->source.has_idle)
        s = arena_printf(arena, "%s, idle %s", s, duration_arg_text(arena, &src->source.idle));
    return s;
}

/* The sources upstream of `n`, each once; `seen` is indexed by node id and
 * keeps the walk linear however streams fan out and merge. */
static void collect_sources(const PlanNode *n, bool *seen, const PlanNode **found, int *nfound)
{
    if (!n || seen[n->id])
        return;
    seen[n->id] = true;
    if (n->kind == PN_SOURCE) {
        found[(*nfound)++] = n;
        return;
    }
    for (int i = 0; i < n->inputs.n; i++)
        collect_sources(n->inputs.items[i]->from, seen, found, nfound);
}

/* The outer interval joins at or before n, whose rows without a match hold
 * back the watermark after them (FlowOperatorDef.hold): ", held back by"
 * each, or "". */
static char *holders_text(Arena *a, const PlanNode *n, bool *seen, char *s)
{
    if (!n || seen[n->id])
        return s;
    seen[n->id] = true;
    const Op *op = n->kind == PN_OP ? n->op : NULL;
    if (op && op->kind == OP_JOIN && !op->join.windowed && !op->join.regular &&
        (op->join.left || op->join.right))
        s = arena_printf(a, "%s, held back %s by the outer join at %d:%d", s,
                         duration_arg_text(a, &op->join.within), op->loc.line, op->loc.col);
    for (int i = 0; i < n->inputs.n; i++)
        s = holders_text(a, n->inputs.items[i]->from, seen, s);
    return s;
}

/* Where the watermark of records read at `port` (and by `ops`) comes from. */
static char *watermark_text(const Plan *plan, PlanPort port, PlanNode *const *ops, int nops)
{
    Arena *a = plan->arena;
    const PlanNode **found = arena_alloc(a, sizeof *found * (size_t)(plan->nnodes + 1));
    bool *seen = arena_alloc(a, sizeof *seen * (size_t)(plan->nnodes + 1));
    int n = 0;
    collect_sources(port.node, seen, found, &n);
    for (int i = 0; i < nops; i++)
        collect_sources(ops[i], seen, found, &n);
    /* Declaration order, whatever order the graph walk met them in. */
    char *s = "";
    int k = 0;
    for (int i = 0; i < plan->nsources; i++)
        for (int j = 0; j < n; j++)
            if (found[j] == plan->sources[i])
                s = arena_printf(a, "%s%ssource %s (%s)", s, k++ ? ", " : "",
                                 found[j]->decl->name, time_text(a, found[j]->decl));
    if (k == 0)
        return arena_strdup(a, "none (no source upstream)");
    char *held = holders_text(a, port.node, arena_alloc(a, (size_t)plan->nnodes + 1), "");
    return arena_printf(a, "%s%s%s", k > 1 ? "the minimum of " : "", s, held);
}

static const char *where_text(Arena *a, const PlanNode *n)
{
    return arena_printf(a, "%d:%d", n->op->loc.line, n->op->loc.col);
}

static char *target_text(Arena *a, const PlanEdge *e)
{
    const PlanNode *to = e->to;
    if (to->kind == PN_SINK)
        return arena_printf(a, "sink %d", to->index + 1);
    if (e->from->kind == PN_TABLE)
        return arena_printf(a, "the %s in stream %s (stage %d %s)", op_info(to->op->kind)->spelling,
                            to->decl->name, to->stage->id, to->stage->cname);
    if (to->stage && to->stage->nodes[0] == to)
        return arena_printf(a, "stage %d %s", to->stage->id, to->stage->cname);
    return arena_printf(a, "stream %s (same stage)", to->decl->name);
}

static char *targets_text(Arena *a, const PlanEdgeList *list)
{
    char *s = "";
    for (int i = 0; i < list->n; i++)
        s = arena_printf(a, "%s%s%s", s, i ? ", " : "", target_text(a, list->items[i]));
    return *s ? s : "nothing (no sink reads it)";
}

static const PlanEdgeList *port_edges(PlanPort p)
{
    return p.late ? &p.node->late : &p.node->outputs;
}

/* `from source clicks`, `from stream a`, `from the late records of window ...` */
static char *port_origin(Arena *a, PlanPort p)
{
    if (!p.node)
        return arena_strdup(a, "?");
    if (p.node->kind == PN_SOURCE || p.node->kind == PN_TABLE)
        return arena_printf(a, "%s %s", p.node->kind == PN_SOURCE ? "source" : "table",
                            p.node->decl->name);
    if (p.late)
        return arena_printf(a, "the late records of stream %s", p.node->decl->name);
    return arena_printf(a, "stream %s", p.node->decl->name);
}

/* ---- Text ------------------------------------------------------------------------------ */

/* Where to break `p` to fit `room` columns: a space outside string literals,
 * preferably one after a comma; the first such space when none fits; NULL
 * when there is none. */
static const char *break_at(const char *p, int room)
{
    const char *any = NULL, *comma = NULL, *first = NULL;
    bool quoted = false;
    for (const char *q = p; *q; q++) {
        if (*q == '\\' && quoted && q[1]) {
            q++;
            continue;
        }
        if (*q == '"')
            quoted = !quoted;
        if (*q != ' ' || quoted || q == p)
            continue;
        if (q - p > room)
            return any ? (comma ? comma : any) : first ? first : q;
        if (!first)
            first = q;
        any = q;
        if (q[-1] == ',')
            comma = q;
    }
    return NULL;
}

/* `text` as lines that end before EXPLAIN_WIDTH, continuation lines indented
 * two levels deeper. */
#define EXPLAIN_WIDTH 96

static void wrapped(CWriter *w, const char *text)
{
    const char *p = text;
    int depth = w->depth;
    for (;;) {
        int room = EXPLAIN_WIDTH - w->depth * w->width;
        if (room < 32)
            room = 32;
        const char *cut = (int)strlen(p) > room ? break_at(p, room) : NULL;
        if (!cut)
            break;
        cw_line(w, "%.*s", (int)(cut - p), p);
        p = cut + 1;
        w->depth = depth + 2;
    }
    cw_line(w, "%s", p);
    w->depth = depth;
}

static void explain_records(CWriter *w, const Plan *plan)
{
    cw_line(w, "records:");
    cw_indent(w);
    for (int i = 0; i < plan->ntypes; i++) {
        const PlanType *t = plan->types[i];
        cw_line(w, "%s: %s (%s:%d)", t->cname, t->origin, plan->flow_file, t->loc.line);
        cw_indent(w);
        wrapped(w, fields_text(plan->arena, t));
        cw_dedent(w);
    }
    cw_dedent(w);
}

/* The params among the durations of an operator's or source's clauses, each
 * once, with its default: "" when there are none. */
static char *duration_params_text(Arena *a, const DurRule *rules, int n)
{
    char *s = "";
    for (int i = 0; i < n; i++) {
        const DurationArg *d = rules[i].a;
        bool seen = false;
        for (int k = 0; k < i; k++)
            seen |= rules[k].a->decl == d->decl;
        if (d->decl && !seen)
            s = arena_printf(a, "%s%s%s (default %s)", s, *s ? ", " : "", d->param,
                             duration_text(a, d->ms));
    }
    return *s ? arena_printf(a, "durations from params, fixed at start: %s", s) : s;
}

static void explain_source(CWriter *w, const Plan *plan, const PlanNode *n)
{
    Arena *a = plan->arena;
    const Decl *d = n->decl;
    cw_blank(w);
    wrapped(w, arena_printf(a, "%s %s (%s:%d): %s", n->kind == PN_TABLE ? "table" : "source",
                            d->name, plan->flow_file, d->loc.line,
                            connector_text(a, &d->source.conn)));
    cw_indent(w);
    cw_line(w, "emits %s", n->out ? n->out->cname : "?");
    if (n->kind == PN_TABLE)
        cw_line(w, "key: %s, loaded fully before the streams start", d->source.key);
    else if (d->source.event_time_field < 0)
        cw_line(w, "time: processing time: each record's time is its arrival time (wall clock)");
    else
        cw_line(w, "time: %s; watermark = max(%s seen) - %s - 1ms", time_text(a, d),
                d->source.event_time, duration_arg_text(a, &d->source.watermark));
    DurRule rules[DUR_MAX_RULES];
    char *params = duration_params_text(a, rules, dur_source_rules(d, rules));
    if (*params)
        wrapped(w, params);
    wrapped(w, arena_printf(a, "to: %s", targets_text(a, &n->outputs)));
    cw_dedent(w);
}

static void explain_node(CWriter *w, const Plan *plan, const PlanNode *n)
{
    Arena *a = plan->arena;
    const Op *op = n->op;
    const char *out = n->out ? n->out->cname : "?";
    wrapped(w, arena_printf(a, "%s %s -> %s", where_text(a, n), op_head_text(a, op), out));
    if (op->kind == OP_SELECT || has_agg_items(op)) {
        cw_indent(w);
        cw_indent(w);
        for (const Item *it = op->kind == OP_SELECT ? op->select : op->aggregate; it; it = it->next)
            wrapped(w, arena_printf(a, "%s%s", item_text(a, it, has_agg_items(op)),
                                    it->next ? "," : ""));
        cw_dedent(w);
        cw_dedent(w);
    }
    for (int i = 0; i < n->inputs.n; i++) {
        const PlanEdge *e = n->inputs.items[i];
        if (e->port > 0)
            wrapped(w, arena_printf(a, "  and reads %s from %s", e->type ? e->type->cname : "?",
                                    port_origin(a, (PlanPort){ e->from, e->late })));
    }
    DurRule rules[DUR_MAX_RULES];
    char *params = duration_params_text(a, rules, dur_op_rules(op, rules));
    if (*params) {
        cw_indent(w);
        wrapped(w, params);
        cw_dedent(w);
    }
    if (n->state) {
        cw_indent(w);
        char *key = key_text(a, &n->state->key);
        wrapped(w, arena_printf(a, "key: %s", *key ? key : "none (one group for the whole stream)"));
        if (n->state->other_key.n)
            wrapped(w, arena_printf(a, "key of %s: %s", op->join.other ? op->join.other->name : "?",
                                    key_text(a, &n->state->other_key)));
        wrapped(w, arena_printf(a, "state: %s", n->state->kept));
        wrapped(w, arena_printf(a, "freed: %s", n->state->freed));
        cw_dedent(w);
    }
}

static void explain_stream(CWriter *w, const Plan *plan, const PlanStream *s)
{
    Arena *a = plan->arena;
    const Decl *d = s->decl;
    cw_blank(w);
    if (d->kind == DECL_LATE_STREAM) {
        cw_line(w, "stream %s (%s:%d): the late records of a window", d->name, plan->flow_file,
                d->loc.line);
    } else {
        cw_line(w, "stream %s = %s (%s:%d)", d->name,
                d->stream.input ? d->stream.input->name : "?", plan->flow_file, d->loc.line);
    }
    cw_indent(w);
    PlanType *in = s->input.node ? (s->input.late ? s->input.node->in : s->input.node->out) : NULL;
    cw_line(w, "reads %s from %s", in ? in->cname : "?", port_origin(a, s->input));
    wrapped(w, arena_printf(a, "watermark: %s", watermark_text(plan, s->input, s->ops, s->nops)));
    if (s->nops == 0)
        cw_line(w, "no operators: readers of %s read %s directly", d->name,
                port_origin(a, s->input));
    const PlanStage *current = NULL;
    for (int i = 0; i < s->nops; i++) {
        const PlanNode *n = s->ops[i];
        if (n->stage != current) {
            if (current)
                cw_dedent(w);
            current = n->stage;
            char *ops = "";
            for (int j = 0; j < current->nnodes; j++)
                ops = arena_printf(a, "%s%s%s", ops, j ? ", " : "",
                                   op_info(current->nodes[j]->op->kind)->spelling);
            const char *how = !current->live      ? "reaches no sink: no code is generated"
                              : current->stateful ? "stateful"
                                                  : "stateless";
            if (current->nodes[0] != n)
                cw_line(w, "stage %d %s, continued from stream %s:", current->id, current->cname,
                        current->stream->name);
            else if (current->nnodes > 1)
                cw_line(w, "stage %d %s (%s, fused: %s):", current->id, current->cname, how,
                        ops);
            else
                cw_line(w, "stage %d %s (%s):", current->id, current->cname, how);
            cw_indent(w);
        }
        explain_node(w, plan, n);
    }
    if (current)
        cw_dedent(w);
    if (s->output.node)
        wrapped(w, arena_printf(a, "to: %s", targets_text(a, port_edges(s->output))));
    for (int i = 0; i < s->nops; i++)
        if (s->ops[i]->late.n)
            wrapped(w, arena_printf(a, "late records to: %s", targets_text(a, &s->ops[i]->late)));
    cw_dedent(w);
}

static void explain_sink(CWriter *w, const Plan *plan, const PlanNode *n)
{
    const Decl *d = n->decl;
    cw_blank(w);
    wrapped(w, arena_printf(plan->arena, "sink %d (%s:%d): %s to %s", n->index + 1,
                            plan->flow_file, d->loc.line,
                            d->sink.stream ? d->sink.stream->name : "?",
                            connector_text(plan->arena, &d->sink.conn)));
    cw_indent(w);
    cw_line(w, "writes %s", n->in ? n->in->cname : "?");
    cw_dedent(w);
}

void explain_text(CWriter *w, const Plan *plan)
{
    int width = w->width;
    w->width = 2;
    explain_records(w, plan);
    for (int i = 0; i < plan->nsources; i++)
        explain_source(w, plan, plan->sources[i]);
    for (int i = 0; i < plan->nstreams; i++)
        explain_stream(w, plan, &plan->streams[i]);
    for (int i = 0; i < plan->nsinks; i++)
        explain_sink(w, plan, plan->sinks[i]);
    w->width = width;
}

/* ---- Graphviz ------------------------------------------------------------------------ */

/* `text` inside a DOT string: quotes and backslashes escaped, newlines as \n,
 * other control bytes dropped. */
static char *dot_escape(Arena *arena, const char *text)
{
    char *out = arena_alloc(arena, strlen(text) * 2 + 1);
    size_t k = 0;
    for (const char *p = text; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\') {
            out[k++] = '\\';
            out[k++] = (char)c;
        } else if (c == '\n') {
            out[k++] = '\\';
            out[k++] = 'n';
        } else if (c >= 0x20 && c != 0x7F) {
            out[k++] = (char)c;
        }
    }
    out[k] = '\0';
    return out;
}

/* ", "-separated `text` broken into lines of about `width` columns. */
static char *dot_wrap(Arena *arena, const char *text, int width)
{
    char *s = "";
    const char *p = text;
    while ((int)strlen(p) > width) {
        const char *cut = NULL;
        for (const char *q = p; *q && (q - p < width || !cut); q++)
            if (q[0] == ',' && q[1] == ' ')
                cut = q + 1;
        if (!cut)
            break;
        s = arena_printf(arena, "%s%.*s\n", s, (int)(cut - p), p);
        p = cut + 1;
    }
    return arena_printf(arena, "%s%s", s, p);
}

static char *node_label(const Plan *plan, const PlanNode *n)
{
    Arena *a = plan->arena;
    const Decl *d = n->decl;
    switch (n->kind) {
    case PN_SOURCE:
    case PN_TABLE:
        return arena_printf(a, "%s %s\n%s\n%s", n->kind == PN_TABLE ? "table" : "source", d->name,
                            connector_text(a, &d->source.conn),
                            n->kind == PN_TABLE ? arena_printf(a, "key %s", d->source.key)
                                                : time_text(a, d));
    case PN_SINK:
        return arena_printf(a, "sink %d\n%s", n->index + 1, connector_text(a, &d->sink.conn));
    case PN_OP:
        break;
    }
    const Op *op = n->op;
    char *s = arena_printf(a, "%s: %s", d->name, op_head_text(a, op));
    if (op->kind == OP_SELECT || has_agg_items(op))
        s = arena_printf(a, "%s\n%s", s,
                         items_text(a, op->kind == OP_SELECT ? op->select : op->aggregate,
                                    has_agg_items(op), "\n"));
    s = arena_printf(a, "%s\n%s:%d:%d", s, plan->flow_file, op->loc.line, op->loc.col);
    if (n->state) {
        char *key = key_text(a, &n->state->key);
        s = arena_printf(a, "%s\nkey: %s\nstate: %s", s, *key ? key : "none",
                         dot_wrap(a, n->state->kept, 48));
    }
    return s;
}

/* The schema a node passes on is the last line of its own label, not an
 * edge label: Graphviz puts edge labels where the edge crosses into a stage's
 * cluster, on top of the cluster's title. */
static void dot_node(CWriter *w, const Plan *plan, const PlanNode *n)
{
    Arena *a = plan->arena;
    const char *shape = n->kind == PN_OP ? "box" : "cylinder";
    char *label = node_label(plan, n);
    for (int j = 0; j < n->outputs.n; j++) {
        const PlanType *t = n->outputs.items[j]->type;
        if (t) {
            label = arena_printf(a, "%s\nout: %s\n%s", label, t->cname,
                                 dot_wrap(a, fields_text(a, t), 40));
            break;
        }
    }
    cw_line(w, "n%d [shape=%s, label=\"%s\"];", n->id, shape, dot_escape(a, label));
}

/* A late edge carries the schema of the records its operator takes in: its
 * name beside the edge (an xlabel, placed clear of the clusters' titles). */
static void dot_edge(CWriter *w, const Plan *plan, const PlanEdge *e)
{
    if (!e->late) {
        cw_line(w, "n%d -> n%d;", e->from->id, e->to->id);
        return;
    }
    Arena *a = plan->arena;
    cw_line(w, "n%d -> n%d [xlabel=\"%s\", style=dashed];", e->from->id, e->to->id,
            dot_escape(a, arena_printf(a, "late: %s", e->type ? e->type->cname : "?")));
}

void explain_dot(CWriter *w, const Plan *plan)
{
    cw_open(w, "digraph \"%s\"", dot_escape(plan->arena, plan->flow_file));
    /* Top to bottom: a pipeline is a chain, and its labels are wide. */
    cw_line(w, "rankdir=TB;");
    cw_line(w, "node [fontname=\"monospace\", fontsize=10];");
    cw_line(w, "edge [fontname=\"monospace\", fontsize=9];");
    for (int i = 0; i < plan->nsources; i++)
        dot_node(w, plan, plan->sources[i]);
    for (int i = 0; i < plan->nstages; i++) {
        const PlanStage *st = plan->stages[i];
        cw_open(w, "subgraph cluster_stage%d", st->id);
        cw_line(w, "label=\"stage %d: %s (%s)\";", st->id, st->cname,
                st->stateful ? "stateful" : "stateless");
        cw_line(w, "style=%s;", st->stateful ? "\"rounded,bold\"" : "rounded");
        cw_line(w, "labeljust=l;"); /* the title clear of the edge through the middle */
        for (int j = 0; j < st->nnodes; j++)
            dot_node(w, plan, st->nodes[j]);
        cw_close(w, "");
    }
    for (int i = 0; i < plan->nsinks; i++)
        dot_node(w, plan, plan->sinks[i]);
    for (int i = 0; i < plan->nnodes; i++) {
        const PlanNode *n = plan->nodes[i];
        for (int j = 0; j < n->outputs.n; j++)
            dot_edge(w, plan, n->outputs.items[j]);
        for (int j = 0; j < n->late.n; j++)
            dot_edge(w, plan, n->late.items[j]);
    }
    cw_close(w, "");
}
