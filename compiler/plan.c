/* plan.c: the planner: the operator graph, its stages, and the C names of
 * record types and stage functions (plan.h). */
#include "plan.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include "explain.h"
#include "optable.h"

/* Growable arrays of pointers in the arena: a full array is copied into one
 * twice as large, which the arena's bulk free makes cheap enough for plans. */
static void push(Arena *arena, void *item, void ***items, int *n, int *cap)
{
    if (*n == *cap) {
        int grown = *cap ? *cap * 2 : 4;
        void **bigger = arena_alloc(arena, sizeof *bigger * (size_t)grown);
        if (*n)
            memcpy(bigger, *items, sizeof *bigger * (size_t)*n);
        *items = bigger;
        *cap = grown;
    }
    (*items)[(*n)++] = item;
}

#define PUSH(arena, list, count, cap, item) \
    push((arena), (item), (void ***)&(list), &(count), &(cap))

const char *plan_base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* ---- C identifiers ------------------------------------------------------------------ */

static const char *const c_keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double",
    "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
    "register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
    "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
    /* object-like macros of <stdbool.h>, <stddef.h> and <math.h> */
    "bool", "true", "false", "NULL", "math_errhandling",
    NULL,
};

/* Prefixes of the macros of <stdint.h>, <math.h> and the flow headers. */
static const char *const macro_prefixes[] = {
    "INT", "UINT", "PTRDIFF_", "SIZE_", "SIG_ATOMIC_", "WCHAR_", "WINT_", "FLOW_",
    "FP_", "HUGE_VAL", "MATH_ERR", "INFINITY", "NAN", "EOF", NULL,
};

/* File-scope names the generated file cannot reuse: what flow/flow.h pulls in
 * (<stdarg.h>, <string.h>, <math.h> when used), the fixed names of the
 * generated file, and the local names of its functions (a typedef of the
 * same name would be hidden inside them). */
static const char *const c_file_names[] = {
    "offsetof", "va_list", "va_start", "va_end", "va_arg", "va_copy",
    "memcpy", "memmove", "memset", "memcmp", "memchr", "memccpy", "strcpy", "strncpy",
    "strcat", "strncat", "strcmp", "strncmp", "strcoll", "strxfrm", "strchr", "strrchr",
    "strspn", "strcspn", "strpbrk", "strstr", "strtok", "strtok_r", "strlen", "strnlen",
    "strerror", "strerror_r", "strdup", "strndup", "stpcpy", "stpncpy", "strsignal",
    "acos", "asin", "atan", "atan2", "cos", "sin", "tan", "acosh", "asinh", "atanh", "cosh",
    "sinh", "tanh", "exp", "exp2", "expm1", "frexp", "ilogb", "ldexp", "log", "log10",
    "log1p", "log2", "logb", "modf", "scalbn", "scalbln", "cbrt", "fabs", "hypot", "pow",
    "sqrt", "erf", "erfc", "lgamma", "tgamma", "ceil", "floor", "nearbyint", "rint",
    "lrint", "llrint", "round", "lround", "llround", "trunc", "fmod", "remainder",
    "remquo", "copysign", "nan", "nextafter", "nexttoward", "fdim", "fmax", "fmin", "fma",
    "isnan", "isinf", "isfinite", "isnormal", "signbit", "fpclassify", "isgreater",
    "isgreaterequal", "isless", "islessequal", "islessgreater", "isunordered",
    "j0", "j1", "jn", "y0", "y1", "yn", "gamma", "drem", "finite", "significand", "scalb",
    "main", "program", "params", "sources", "sinks", "tables",
    "rt", "in", "ts", "err", "keep", "why", "sink", "gen", "fields", "rec",
    "params_check", "layout_params", "duration_gcd",
    NULL,
};

static bool in_list(const char *s, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Whether `s` can be used as is: as a struct member (`member`), where only
 * keywords and object-like macros get in the way, or at file scope. */
static bool c_name_ok(const char *s, bool member)
{
    if (!s[0] || s[0] == '_' || in_list(s, c_keywords))
        return false;
    for (int i = 0; macro_prefixes[i]; i++)
        if (has_prefix(s, macro_prefixes[i]))
            return false;
    if (member)
        return true;
    size_t n = strlen(s);
    if (in_list(s, c_file_names) || has_prefix(s, "flow_") || has_prefix(s, "Flow") ||
        (n > 2 && strcmp(s + n - 2, "_t") == 0))
        return false;
    if (has_prefix(s, "rec") && s[3]) {
        const char *p = s + 3;
        while (isdigit((unsigned char)*p))
            p++;
        if (!*p)
            return false;
    }
    return true;
}

static bool name_taken(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return true;
    return false;
}

/* `want`, `want_` if that is not usable, then `_2`, `_3`... until not taken. */
static const char *unique_in(Arena *arena, const char *want, bool member, const char ***names,
                             int *n, int *cap)
{
    const char *base = c_name_ok(want, member) ? want : arena_printf(arena, "%s_", want);
    const char *name = base;
    for (int k = 2; name_taken(*names, *n, name); k++)
        name = arena_printf(arena, "%s_%d", base, k);
    PUSH(arena, *names, *n, *cap, (void *)name);
    return name;
}

const char *plan_unique_name(Plan *plan, const char *want)
{
    return unique_in(plan->arena, want, false, &plan->names, &plan->nnames, &plan->names_cap);
}

/* `per_user` -> `PerUser`; the type names of inferred records. */
static char *camel_case(Arena *arena, const char *s)
{
    char *out = arena_alloc(arena, strlen(s) + 8);
    size_t k = 0;
    bool up = true;
    for (const char *p = s; *p; p++) {
        if (*p == '_') {
            up = true;
            continue;
        }
        out[k++] = up ? (char)toupper((unsigned char)*p) : *p;
        up = false;
    }
    if (k == 0 || isdigit((unsigned char)out[0])) {
        memmove(out + 6, out, k);
        memcpy(out, "Record", 6);
        k += 6;
    }
    out[k] = '\0';
    return out;
}

/* ---- Record types -------------------------------------------------------------------- */

static bool same_shape(const Schema *a, const Schema *b)
{
    if (a->nfields != b->nfields)
        return false;
    for (int i = 0; i < a->nfields; i++) {
        const Field *x = &a->fields[i], *y = &b->fields[i];
        if (x->type != y->type || x->optional != y->optional || strcmp(x->name, y->name) != 0)
            return false;
        if ((x->qualifier == NULL) != (y->qualifier == NULL) ||
            (x->qualifier && strcmp(x->qualifier, y->qualifier) != 0))
            return false;
    }
    return true;
}

static PlanType *find_type(Plan *plan, Schema *s)
{
    for (int i = 0; i < plan->ntypes; i++)
        if (plan->types[i]->schema == s)
            return plan->types[i];
    for (int i = 0; i < plan->ntypes; i++)
        if (same_shape(plan->types[i]->schema, s))
            return plan->types[i];
    return NULL;
}

/* Member names: the field's name; a name that two fields share (the two
 * sides of a join) gets its qualifier in front. */
static const char **member_names(Plan *plan, Schema *s)
{
    const char **members = arena_alloc(plan->arena, sizeof *members * (size_t)(s->nfields + 1));
    const char **taken = NULL;
    int ntaken = 0, cap = 0;
    for (int i = 0; i < s->nfields; i++) {
        const Field *f = &s->fields[i];
        bool shared = false;
        for (int j = 0; j < s->nfields && !shared; j++)
            shared = j != i && strcmp(s->fields[j].name, f->name) == 0;
        const char *want = shared && f->qualifier
                               ? arena_printf(plan->arena, "%s_%s", f->qualifier, f->name)
                               : f->name;
        members[i] = unique_in(plan->arena, want, true, &taken, &ntaken, &cap);
    }
    return members;
}

static PlanType *type_for(Plan *plan, Schema *s, const char *want, const char *origin, Loc loc)
{
    if (!s)
        return NULL;
    PlanType *t = find_type(plan, s);
    if (t)
        return t;
    t = arena_alloc(plan->arena, sizeof *t);
    t->id = plan->ntypes + 1;
    t->schema = s;
    t->cname = plan_unique_name(plan, want);
    t->members = member_names(plan, s);
    t->origin = origin;
    t->loc = loc;
    PUSH(plan->arena, plan->types, plan->ntypes, plan->types_cap, t);
    return t;
}

PlanType *plan_type_of(Plan *plan, Schema *s)
{
    if (!s)
        return NULL;
    PlanType *t = find_type(plan, s);
    if (t)
        return t;
    return type_for(plan, s, s->name ? s->name : "Record", "record", s->loc);
}

/* ---- Graph -------------------------------------------------------------------------- */

/* The operator's spelling in C names: "key by" -> "key_by". */
static const char *op_word(Plan *plan, OpKind k)
{
    char *w = arena_strdup(plan->arena, op_info(k)->spelling);
    for (char *c = w; *c; c++)
        if (*c == ' ')
            *c = '_';
    return w;
}

static PlanNode *new_node(Plan *plan, PlanNodeKind kind, Decl *decl, Op *op)
{
    PlanNode *n = arena_alloc(plan->arena, sizeof *n);
    n->kind = kind;
    n->decl = decl;
    n->op = op;
    n->id = plan->nnodes + 1;
    PUSH(plan->arena, plan->nodes, plan->nnodes, plan->nodes_cap, n);
    return n;
}

static void edge_push(Arena *arena, PlanEdgeList *list, PlanEdge *e)
{
    PUSH(arena, list->items, list->n, list->cap, e);
}

static PlanType *port_type(PlanPort p)
{
    if (!p.node)
        return NULL;
    return p.late ? p.node->in : p.node->out;
}

static void connect(Plan *plan, PlanPort from, PlanNode *to, int port)
{
    if (!from.node)
        return;
    PlanEdge *e = arena_alloc(plan->arena, sizeof *e);
    e->from = from.node;
    e->to = to;
    e->late = from.late;
    e->port = port;
    e->type = port_type(from);
    edge_push(plan->arena, from.late ? &from.node->late : &from.node->outputs, e);
    edge_push(plan->arena, &to->inputs, e);
}

static PlanNode *node_of_op(const Plan *plan, const Op *op)
{
    for (int i = 0; op && i < plan->nnodes; i++)
        if (plan->nodes[i]->op == op)
            return plan->nodes[i];
    return NULL;
}

PlanStream *plan_stream(const Plan *plan, const Decl *decl)
{
    for (int i = 0; i < plan->nstreams; i++)
        if (plan->streams[i].decl == decl)
            return &plan->streams[i];
    return NULL;
}

PlanPort plan_port_of(const Plan *plan, const Decl *decl)
{
    PlanPort none = { NULL, false };
    if (!decl)
        return none;
    if (decl->kind == DECL_SOURCE || decl->kind == DECL_TABLE) {
        for (int i = 0; i < plan->nsources; i++)
            if (plan->sources[i]->decl == decl)
                return (PlanPort){ plan->sources[i], false };
        return none;
    }
    /* Late streams are appended to the program after every declaration, so
     * their readers come first: find the window itself. */
    if (decl->kind == DECL_LATE_STREAM) {
        PlanNode *window = node_of_op(plan, decl->stream.producer);
        return window ? (PlanPort){ window, true } : none;
    }
    PlanStream *s = plan_stream(plan, decl);
    return s ? s->output : none;
}

static void plan_source(Plan *plan, Decl *d)
{
    PlanNode *n = new_node(plan, d->kind == DECL_TABLE ? PN_TABLE : PN_SOURCE, d, NULL);
    n->out = type_for(plan, d->schema, d->schema ? d->schema->name : "Record",
                      arena_printf(plan->arena, "schema %s", d->schema ? d->schema->name : "?"),
                      d->schema ? d->schema->loc : d->loc);
    n->index = plan->nsources;
    PUSH(plan->arena, plan->sources, plan->nsources, plan->sources_cap, n);
}

/* Record type names for what an op of stream `s` makes: the stream's own
 * name (`PerUser`) for its final record, `PerUserAggregate` for one inside. */
static PlanType *op_out_type(Plan *plan, Decl *s, Op *op)
{
    if (!op->out)
        return NULL;
    const char *camel = camel_case(plan->arena, s->name);
    const char *want = op->next ? arena_printf(plan->arena, "%s%s", camel,
                                               camel_case(plan->arena, op_word(plan, op->kind)))
                                : camel;
    const char *origin = arena_printf(plan->arena, "%s in stream %s", op_word(plan, op->kind),
                                      s->name);
    return type_for(plan, op->out, want, origin, op->loc);
}

static void plan_stream_decl(Plan *plan, Decl *d)
{
    PlanStream ps = { 0 };
    ps.decl = d;
    if (d->kind == DECL_LATE_STREAM) {
        ps.input = ps.output = plan_port_of(plan, d);
    } else {
        ps.input = plan_port_of(plan, d->stream.input ? d->stream.input->decl : NULL);
        PlanPort prev = ps.input;
        int ops_cap = 0;
        for (Op *op = d->stream.ops; op; op = op->next) {
            PlanNode *n = new_node(plan, PN_OP, d, op);
            n->in = plan_type_of(plan, op->in);
            n->out = op_out_type(plan, d, op);
            connect(plan, prev, n, 0);
            int port = 1;
            if (op->kind == OP_UNION)
                for (NameRef *r = op->union_of; r; r = r->next)
                    connect(plan, plan_port_of(plan, r->decl), n, port++);
            if (op->kind == OP_JOIN || op->kind == OP_LOOKUP)
                connect(plan, plan_port_of(plan, op->join.other ? op->join.other->decl : NULL),
                        n, 1);
            PUSH(plan->arena, ps.ops, ps.nops, ops_cap, n);
            prev = (PlanPort){ n, false };
        }
        ps.output = prev;
    }
    PlanStream *grown = plan->streams;
    if (plan->nstreams == plan->streams_cap) {
        plan->streams_cap = plan->streams_cap ? plan->streams_cap * 2 : 8;
        grown = arena_alloc(plan->arena, sizeof *grown * (size_t)plan->streams_cap);
        if (plan->nstreams)
            memcpy(grown, plan->streams, sizeof *grown * (size_t)plan->nstreams);
    }
    plan->streams = grown;
    plan->streams[plan->nstreams++] = ps;
}

static void plan_sink(Plan *plan, Decl *d)
{
    PlanNode *n = new_node(plan, PN_SINK, d, NULL);
    PlanPort from = plan_port_of(plan, d->sink.stream ? d->sink.stream->decl : NULL);
    n->in = port_type(from);
    n->index = plan->nsinks;
    connect(plan, from, n, 0);
    PUSH(plan->arena, plan->sinks, plan->nsinks, plan->sinks_cap, n);
}

/* ---- State of stateful operators ------------------------------------------------------ */

static PlanKey op_key(const Op *op, PlanType *t)
{
    PlanKey k = { t, op->key_fields, op->nkey };
    return k;
}

/* Field indexes of the plain field references among the sides of a join's
 * equalities. */
static PlanKey eq_key(Plan *plan, const JoinEq *eqs, bool right, PlanType *t)
{
    int n = 0;
    for (const JoinEq *q = eqs; q; q = q->next)
        n++;
    PlanKey k = { t, arena_alloc(plan->arena, sizeof(int) * (size_t)(n + 1)), 0 };
    for (const JoinEq *q = eqs; q; q = q->next) {
        const Expr *e = right ? q->right : q->left;
        if (e && e->kind == EX_NAME && e->name.kind == NAME_FIELD && e->name.index >= 0)
            k.fields[k.n++] = e->name.index;
    }
    return k;
}

static PlanState *new_state(Plan *plan, PlanNode *n)
{
    n->state = arena_alloc(plan->arena, sizeof *n->state);
    return n->state;
}

/* What each aggregate's accumulator keeps (aggregates.h, column state), by AggFunc. */
static const char *const accumulator_kept[] = {
    NULL, /* AGG_UNKNOWN */
#define AGG(kind, name, min, max, result, nulls, back, state) state,
#include "aggregates.h"
#undef AGG
};

static const char *accumulator_text(Arena *a, const Item *it)
{
    if (it->agg != AGG_UNKNOWN)
        return arena_printf(a, "%s for %s", accumulator_kept[it->agg], it->name);
    return arena_printf(a, "%s for %s", it->agg_name ? it->agg_name : "?", it->name);
}

static void state_window(Plan *plan, PlanNode *n)
{
    Arena *a = plan->arena;
    const Op *op = n->op;
    PlanState *st = new_state(plan, n);
    st->kind = STATE_WINDOW;
    st->key = op_key(op, n->in);

    const char *accs = "";
    if (op->next && op->next->kind == OP_AGGREGATE) {
        PlanNode *agg = node_of_op(plan, op->next);
        if (agg)
            agg->part_of_window = true;
        for (const Item *it = op->next->aggregate; it; it = it->next)
            accs = arena_printf(a, "%s%s%s", accs, *accs ? ", " : "", accumulator_text(a, it));
    }
    if (!*accs)
        accs = "no aggregates";
    const char *per = st->key.n ? "per key" : "for the whole stream";
    const char *end = "window end";
    switch (op->window.kind) {
    case WIN_TUMBLING:
        st->kept = arena_printf(a, "%s and window [k*%s, (k+1)*%s): %s", per,
                                duration_arg_text(a, &op->window.size),
                                duration_arg_text(a, &op->window.size), accs);
        break;
    case WIN_SLIDING:
        st->kept = arena_printf(a, "%s and window of %s starting every %s: %s", per,
                                duration_arg_text(a, &op->window.size),
                                duration_arg_text(a, &op->window.slide), accs);
        break;
    case WIN_CUMULATE:
        st->kept = arena_printf(a, "%s and step of %s in windows of %s: %s", per,
                                duration_arg_text(a, &op->window.slide),
                                duration_arg_text(a, &op->window.size), accs);
        break;
    case WIN_SESSION:
        st->kept = arena_printf(a, "%s: its open sessions [first, last + %s), merged when a "
                                "record bridges two, each with %s", per,
                                duration_arg_text(a, &op->window.gap), accs);
        end = "session end";
        break;
    }
    if (op->update.has_every)
        st->kept = arena_printf(a, "%s; with the last row emitted early (every %s), to leave "
                                "out an unchanged result", st->kept,
                                duration_arg_text(a, &op->update.every));
    st->freed = arena_printf(a, "a window fires when the watermark reaches %s - 1ms and is "
                             "freed at %s - 1ms + %s (lateness); later records %s", end, end,
                             duration_arg_text(a, &op->window.lateness),
                             op->window.late_as
                                 ? arena_printf(a, "go to stream %s", op->window.late_as)
                                 : "are dropped and counted");
}

/* A join's rows, or what a lookup reads instead. */
static void state_join(Plan *plan, PlanNode *n)
{
    Arena *a = plan->arena;
    const Op *op = n->op;
    PlanState *st = new_state(plan, n);
    PlanType *right = NULL;
    for (int i = 0; i < n->inputs.n; i++)
        if (n->inputs.items[i]->port == 1)
            right = n->inputs.items[i]->type;
    const char *other = op->join.other ? op->join.other->name : "?";
    st->key = eq_key(plan, op->join.eqs, false, n->in);
    st->other_key = eq_key(plan, op->join.eqs, true, right);
    if (op->kind == OP_LOOKUP) {
        st->kind = STATE_LOOKUP;
        st->kept = arena_printf(a, "nothing of its own: probes table %s, which keeps its last "
                                "row per key", other);
        st->freed = "with the table";
        return;
    }
    st->kind = STATE_JOIN;
    const char *lname = n->in ? n->in->cname : "?";
    const char *rname = right ? right->cname : "?";
    if (op->join.regular) {
        st->kept = arena_printf(a, "per key: the %s records of the left side and the %s "
                                "records of %s (of a changelog side, the last one)", lname,
                                rname, other);
        st->freed = op->join.has_ttl
            ? arena_printf(a, "a key's records once the watermark passes its latest time + %s",
                           duration_arg_text(a, &op->join.ttl))
            : "at the end of input";
        return;
    }
    if (op->join.windowed) {
        st->kept = arena_printf(a, "per key and tumbling window of %s: the %s records of the "
                                "left side and the %s records of %s",
                                duration_arg_text(a, &op->join.window), lname, rname, other);
        st->freed = "when the window fires (the watermark of both sides reaches its end - 1ms)";
    } else {
        st->kept = arena_printf(a, "per key: the %s records of the left side and the %s "
                                "records of %s", lname, rname, other);
        st->freed = arena_printf(a, "a record once the other side's watermark passes its time "
                                 "+ %s", duration_arg_text(a, &op->join.within));
    }
    if (op->join.left || op->join.right)
        st->freed = arena_printf(a, "%s; a %s record that never matched is emitted then, with "
                                 "the other side null", st->freed,
                                 !op->join.right ? "left" : !op->join.left ? "right"
                                                                           : "left or right");
}

static void state_dedupe(Plan *plan, PlanNode *n)
{
    const Op *op = n->op;
    PlanState *st = new_state(plan, n);
    st->kind = STATE_DEDUPE;
    st->key = op_key(op, n->in);
    st->kept = "per key: the earliest and latest event time of its current burst "
                     "(records seen each within the dedupe's time of another)";
    st->freed = arena_printf(plan->arena, "when the watermark passes the burst's latest time + %s",
                             duration_arg_text(plan->arena, &op->dedupe.within));
}

/* An aggregate without a window (emit_update.c): one state per key, for as
 * long as the key lives. */
static void state_update(Plan *plan, PlanNode *n)
{
    Arena *a = plan->arena;
    const Op *op = n->op;
    PlanState *st = new_state(plan, n);
    st->kind = STATE_UPDATE;
    st->key = op_key(op, n->in);
    const char *accs = "";
    for (const Item *it = op->aggregate; it; it = it->next)
        accs = arena_printf(a, "%s, %s", accs, accumulator_text(a, it));
    st->kept = arena_printf(a, "%s: the last result emitted%s%s",
                            st->key.n ? "per key" : "for the whole stream", accs,
                            op->update.has_every ? "; the keys changed since the last emit"
                                                 : "");
    st->freed = op->update.has_ttl
                    ? arena_printf(a, "when the watermark passes the key's latest time + %s "
                                   "(ttl), within one %s", duration_arg_text(a, &op->update.ttl),
                                   duration_arg_text(a, op->update.has_every ? &op->update.every
                                                                             : &op->update.ttl))
                    : "never: every key is kept until the end (no ttl)";
}

/* top (emit_top.c): per partition, its best rows. */
static void state_top(Plan *plan, PlanNode *n)
{
    Arena *a = plan->arena;
    const Op *op = n->op;
    PlanState *st = new_state(plan, n);
    st->kind = STATE_TOP;
    st->key = op_key(op, n->in);
    const char *where = st->key.n ? "per partition" : "for the whole stream";
    if (op->top.changelog)
        st->kept = arena_printf(a, "%s: the latest row of every row key, best first (the top "
                                "%" PRId64 " and the rest, for updates that move a row out)",
                                where, op->top.n);
    else
        st->kept = arena_printf(a, "%s: its best %" PRId64 " rows, best first", where,
                                op->top.n);
    st->freed = op->top.windowed ? "when its window's results are emitted (the window fired)"
                : op->update.has_ttl
                    ? arena_printf(a, "when the watermark passes the partition's latest time "
                                   "+ %s (ttl)", duration_arg_text(a, &op->update.ttl))
                    : "never: every partition is kept until the end (no ttl)";
}

/* Operators that keep nothing have no PlanState. */
static void state_none(Plan *plan, PlanNode *n)
{
    (void)plan;
    (void)n;
}

/* The state column of operators.h. */
static void describe_state(Plan *plan, PlanNode *n)
{
    switch (n->op->kind) {
#define OP(kind, spelling, role, check, state, describe, emit, snapshot, restore) \
    case OP_##kind: state(plan, n); break;
#include "operators.h"
#undef OP
    }
}

/* A node is live when a sink is downstream of it. Consumers are created
 * after what they read (names are declared before use), so one backward
 * pass settles it. */
static void mark_live(Plan *plan)
{
    for (int i = plan->nnodes - 1; i >= 0; i--) {
        PlanNode *n = plan->nodes[i];
        n->live = n->kind == PN_SINK;
        for (int j = 0; j < n->outputs.n && !n->live; j++)
            n->live = n->outputs.items[j]->to->live;
        for (int j = 0; j < n->late.n && !n->live; j++)
            n->live = n->late.items[j]->to->live;
    }
}

/* ---- Stages ---------------------------------------------------------------------------- */

/* The single edge this op is fed by through a stream (tables do not count:
 * they are loaded before the streams start), or NULL when there are several. */
static PlanEdge *single_stream_input(const PlanNode *n)
{
    PlanEdge *only = NULL;
    for (int i = 0; i < n->inputs.n; i++) {
        PlanEdge *e = n->inputs.items[i];
        if (e->from->kind == PN_TABLE)
            continue;
        if (only)
            return NULL;
        only = e;
    }
    return only;
}

static void assign_stages(Plan *plan)
{
    for (int i = 0; i < plan->nnodes; i++) {
        PlanNode *n = plan->nodes[i];
        if (n->kind != PN_OP)
            continue;
        PlanEdge *in = op_is_stateful(n->op->kind) ? NULL : single_stream_input(n);
        if (in && !in->late && in->from->kind == PN_OP && in->from->outputs.n == 1 &&
            in->from->stage) {
            PlanStage *st = in->from->stage;
            PUSH(plan->arena, st->nodes, st->nnodes, st->nodes_cap, n);
            n->stage = st;
            continue;
        }
        PlanStage *st = arena_alloc(plan->arena, sizeof *st);
        st->id = plan->nstages + 1;
        st->stream = n->decl;
        st->stateful = op_is_stateful(n->op->kind);
        st->in = n->in;
        const char *want = n->op == n->decl->stream.ops
                               ? arena_printf(plan->arena, "stream_%s", n->decl->name)
                               : arena_printf(plan->arena, "stream_%s_%s", n->decl->name,
                                              op_word(plan, n->op->kind));
        st->cname = plan_unique_name(plan, want);
        PUSH(plan->arena, st->nodes, st->nnodes, st->nodes_cap, n);
        n->stage = st;
        PUSH(plan->arena, plan->stages, plan->nstages, plan->stages_cap, st);
    }
}

bool plan_stage_is(const PlanStage *st, OpKind kind)
{
    return st->nodes[0]->op->kind == kind;
}

static const char *stage_name(Plan *plan, const PlanStage *st, const char *suffix)
{
    return plan_unique_name(plan, arena_printf(plan->arena, "%s_%s", st->cname, suffix));
}

/* What is known of a stage once every node is in one: whether it is live and
 * gets a function, its operator index, and the C names of a stateful
 * stage's pieces, given out in plan order after every name of the graph. */
static void finish_stages(Plan *plan)
{
    int operators = 0;
    for (int i = 0; i < plan->nstages; i++) {
        PlanStage *st = plan->stages[i];
        st->live = st->nodes[st->nnodes - 1]->live;
        st->emitted = st->live || st->nodes[0]->live;
        st->op_index = st->stateful && st->emitted ? operators++ : -1;
        if (!st->stateful)
            continue;
        PlanStageNames *names = arena_alloc(plan->arena, sizeof *names);
        names->state = stage_name(plan, st, "state");
        names->hash = stage_name(plan, st, "hash");
        names->match = stage_name(plan, st, "match");
        names->fire = stage_name(plan, st, "fire");
        names->release = stage_name(plan, st, "release");
        names->snapshot = stage_name(plan, st, "snapshot");
        names->restore = stage_name(plan, st, "restore");
        names->result = stage_name(plan, st, "result");
        names->merge = stage_name(plan, st, "merge");
        names->window = stage_name(plan, st, "window");
        names->find = stage_name(plan, st, "find");
        names->right = stage_name(plan, st, "right");
        names->row = stage_name(plan, st, "row");
        names->arrive = stage_name(plan, st, "arrive");
        names->retract = stage_name(plan, st, "retract");
        names->last = stage_name(plan, st, "last");
        names->last_find = stage_name(plan, st, "last_find");
        st->names = names;
    }
}

/* The settings the generated program carries. */
static void plan_config(Plan *plan, const ConfigSetting *settings)
{
    for (const ConfigSetting *s = settings; s; s = s->next) {
        switch (s->kind) {
        case CFG_CHECKPOINT:
            plan->checkpoint_every_ms = s->every_ms;
            plan->checkpoint_dir = s->dir;
            break;
        case CFG_STATE_ROCKSDB:
            plan->state_rocksdb = true;
            plan->state_dir = s->dir;
            break;
        case CFG_PARALLELISM:
            plan->parallelism = s->parallelism;
            break;
        case CFG_STATE_MEMORY:
            break;
        }
    }
}

Plan *plan_build(Arena *arena, Program *prog)
{
    Plan *plan = arena_alloc(arena, sizeof *plan);
    plan->arena = arena;
    plan->prog = prog;
    plan->flow_file = plan_base_name(prog->filename ? prog->filename : "program.flow");
    plan->parallelism = 1;

    /* Declared schemas name their records first, so that a select that
     * rebuilds a declared schema's shape uses the declared name. */
    for (Decl *d = prog->decls; d; d = d->next)
        if (d->kind == DECL_SCHEMA && d->schema)
            type_for(plan, d->schema, d->name, arena_printf(arena, "schema %s", d->name),
                     d->loc);

    for (Decl *d = prog->decls; d; d = d->next) {
        switch (d->kind) {
        case DECL_SOURCE:
        case DECL_TABLE:
            plan_source(plan, d);
            break;
        case DECL_STREAM:
        case DECL_LATE_STREAM:
            plan_stream_decl(plan, d);
            break;
        case DECL_SINK:
            plan_sink(plan, d);
            break;
        case DECL_CONFIG:
            plan_config(plan, d->config);
            break;
        case DECL_SCHEMA:
        case DECL_PARAM:
            break;
        }
    }
    for (int i = 0; i < plan->nnodes; i++)
        if (plan->nodes[i]->kind == PN_OP)
            describe_state(plan, plan->nodes[i]);
    mark_live(plan);
    assign_stages(plan);
    finish_stages(plan);
    plan_exchanges(plan);
    return plan;
}
