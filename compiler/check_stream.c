/* check_stream.c: the checker's pipeline half. Follows a stream's record
 * type from its input through every operator, filling Op.in/out and the key
 * in force, typing each operator's expressions, and declaring the `late as`
 * streams of its windows. The result schemas are those of docs/language.md,
 * "Pipeline operators". */
#include <string.h>

#include "check_impl.h"
#include "durations.h"

/* What is known between two operators of one stream. */
typedef struct Pipe {
    Checker *c;
    Decl *stream;
    FieldScope fs;     /* the current record; fs.schema NULL once unknown */
    int *key;          /* indexes into fs.schema */
    int nkey;
    bool key_unknown;  /* a `key by` failed: a missing key is not reported */
    /* The last select that lost the key: its field, and its new name when
     * the select renamed it (NULL: dropped), for "needs a key by". */
    const Op *key_lost_at;
    const char *key_lost_field, *key_lost_rename;
    const Op *key_outer_at; /* or the `join ... right|full` that ended the key */
    bool window_result; /* an aggregate made the current records */
    /* A changelog (ast.h): an updating aggregate's rows, keyed by the fields
     * named clog_key (NULL: dropped by a select, clog_lost its name), or a
     * regular join's. */
    ChangelogKind changelog;
    const char **clog_key;
    int nclog;
    const char *clog_lost;
    int opno;          /* 1-based position of the operator being checked */
    const Op *prev;    /* the operator before it in the stream, or NULL */
} Pipe;

static Schema *new_schema(Pipe *p, int capacity)
{
    Schema *s = arena_alloc(p->c->arena, sizeof *s);
    s->name = arena_printf(p->c->arena, "%s_%d", p->stream->name ? p->stream->name : "stream",
                           p->opno);
    s->fields = arena_alloc(p->c->arena, sizeof *s->fields * (size_t)(capacity ? capacity : 1));
    return s;
}

/* The field called `name` in s, or -1. */
static int field_named(const Schema *s, const char *name)
{
    for (int i = 0; i < s->nfields; i++)
        if (strcmp(s->fields[i].name, name) == 0)
            return i;
    return -1;
}

/* Appends `f` and returns its index, unless a field of that name is already
 * there: then -1, after an error naming `where`. (A join's result may hold a
 * name twice, told apart by qualifiers; it is built without this check.) */
static int add_unique_field(Pipe *p, Schema *s, Field f, const char *where)
{
    for (int i = 0; i < s->nfields; i++)
        if (strcmp(s->fields[i].name, f.name) == 0) {
            diag_error(p->c->d, f.loc, "duplicate field '%s' in %s", f.name, where);
            diag_note(p->c->d, s->fields[i].loc, "'%s' was first defined here", f.name);
            return -1;
        }
    s->fields[s->nfields] = f;
    return s->nfields++;
}

/* ---- where, select, key by ----------------------------------------------------------- */

static void check_where(Pipe *p, Op *op)
{
    if (!p->fs.schema || !op->where)
        return;
    TypeKind t = check_expr(p->c, &p->fs, op->where);
    if (t != TY_ERROR && t != TY_BOOL)
        diag_error(p->c->d, op->where->loc, "'where' needs a bool condition, not %s",
                   type_name(t));
}

/* The key survives a select only when each key field is selected bare under
 * its own name; returns the key's indexes in the new schema, or NULL.
 * `item_field[i]` is the field made by item i, -1 for none. */
static int *key_after_select(Pipe *p, const Schema *in, const Item *items,
                             const int *item_field)
{
    int *key = arena_alloc(p->c->arena, sizeof *key * (size_t)p->nkey);
    for (int k = 0; k < p->nkey; k++) {
        int found = -1, i = 0;
        for (const Item *it = items; it && found < 0; it = it->next, i++)
            if (item_field[i] >= 0 && it->expr->kind == EX_NAME &&
                it->expr->name.kind == NAME_FIELD && it->expr->name.index == p->key[k] &&
                strcmp(it->name, in->fields[p->key[k]].name) == 0)
                found = item_field[i];
        if (found < 0) {
            const char *field = in->fields[p->key[k]].name, *rename = NULL;
            for (const Item *it = items; it && !rename; it = it->next)
                if (it->name && it->expr->kind == EX_NAME && it->expr->name.kind == NAME_FIELD &&
                    it->expr->name.index == p->key[k])
                    rename = it->name;
            p->key_lost_field = field;
            p->key_lost_rename = rename;
            return NULL;
        }
        key[k] = found;
    }
    return key;
}

/* An upsert changelog's row key after a select: each field under the name
 * of the item that selects it bare, NULL when none does. */
static void clog_key_after_select(Pipe *p, const Schema *in, const Item *items)
{
    const char **key = arena_alloc(p->c->arena, sizeof *key * (size_t)(p->nclog + 1));
    for (int k = 0; k < p->nclog; k++) {
        key[k] = NULL;
        int f = p->clog_key[k] ? field_named(in, p->clog_key[k]) : -1;
        for (const Item *it = items; it && f >= 0 && !key[k]; it = it->next)
            if (it->type != TY_ERROR && it->expr->kind == EX_NAME &&
                it->expr->name.kind == NAME_FIELD && it->expr->name.index == f)
                key[k] = it->name;
        if (!key[k] && p->clog_key[k])
            p->clog_lost = p->clog_key[k];
    }
    p->clog_key = key;
}

static void check_select(Pipe *p, Op *op)
{
    if (!p->fs.schema)
        return;
    int n = 0;
    for (Item *it = op->select; it; it = it->next)
        n++;
    Schema *in = p->fs.schema, *out = new_schema(p, n);
    int *item_field = arena_alloc(p->c->arena, sizeof *item_field * (size_t)(n ? n : 1));
    int i = 0;
    for (Item *it = op->select; it; it = it->next, i++) {
        it->type = check_expr(p->c, &p->fs, it->expr);
        item_field[i] = -1;
        if (it->name) /* else the parser reported it */
            item_field[i] = add_unique_field(
                p, out,
                (Field){ .name = it->name, .type = it->type,
                         .optional = it->type != TY_ERROR && it->expr->optional, .loc = it->loc,
                         /* a field selected bare keeps being JSON text */
                         .json = it->type != TY_ERROR && it->expr->kind == EX_NAME &&
                                 it->expr->name.kind == NAME_FIELD &&
                                 in->fields[it->expr->name.index].json },
                "select");
    }
    if (p->nkey > 0) {
        p->key = key_after_select(p, in, op->select, item_field);
        p->nkey = p->key ? p->nkey : 0;
        p->key_lost_at = p->key ? NULL : op;
    }
    if (p->changelog == CLOG_UPSERT)
        clog_key_after_select(p, in, op->select);
    p->fs.schema = out;
}

static void check_key_by(Pipe *p, Op *op)
{
    if (!p->fs.schema) {
        p->key_unknown = true;
        return;
    }
    int n = 0;
    for (Expr *e = op->key_by.fields; e; e = e->next)
        n++;
    op->key_by.nfields = n;
    int *key = arena_alloc(p->c->arena, sizeof *key * (size_t)(n ? n : 1));
    int nkey = 0;
    bool ok = true;
    for (Expr *e = op->key_by.fields; e; e = e->next) {
        int i = e->kind == EX_NAME ? resolve_field_name(p->c, &p->fs, e, false) : -1;
        if (e->kind != EX_NAME)
            diag_error(p->c->d, e->loc, "'key by' takes field names");
        if (i < 0) {
            ok = false;
            continue;
        }
        const Field *f = &p->fs.schema->fields[i];
        if (report_float_key(p->c, e->loc, f->name, f->type)) {
            ok = false;
            continue;
        }
        if (f->optional) {
            diag_error(p->c->d, e->loc, "key field '%s' is optional (%s?): a key cannot be null; "
                       "select a value for it with coalesce first", f->name, type_name(f->type));
            ok = false;
            continue;
        }
        bool twice = false;
        for (int k = 0; k < nkey; k++)
            twice = twice || key[k] == i;
        if (twice) {
            diag_error(p->c->d, e->loc, "field '%s' appears twice in 'key by'", f->name);
            continue;
        }
        key[nkey++] = i;
    }
    p->key = ok ? key : NULL;
    p->nkey = ok ? nkey : 0;
    p->key_unknown = !ok;
    p->key_outer_at = NULL;
    op->key_fields = p->key;
    op->nkey = p->nkey;
}

/* ---- window and aggregate --------------------------------------------------------------- */

static void declare_late_stream(Pipe *p, Op *op)
{
    Checker *c = p->c;
    Decl *late = arena_alloc(c->arena, sizeof *late);
    late->kind = DECL_LATE_STREAM;
    late->name = op->window.late_as;
    late->loc = late->name_loc = op->window.late_as_loc;
    late->schema = p->fs.schema;
    late->stream.producer = op;
    op->window.late_decl = late;
    if (p->stream->name && strcmp(late->name, p->stream->name) == 0) {
        diag_error(c->d, late->name_loc, "'%s' is already declared", late->name);
        diag_note(c->d, p->stream->name_loc, "'%s' was first declared here", late->name);
    } else if (name_is_free(c, late->name, late->name_loc)) {
        scope_add(c, late->name, late);
    }
    if (c->late_tail)
        c->late_tail->next = late;
    else
        c->late = late;
    c->late_tail = late;
}

/* The durations of a window, join or dedupe: params resolved, rules checked. */
static void check_op_durations(Checker *c, Op *op)
{
    DurRule rules[DUR_MAX_RULES];
    int n = dur_op_rules(op, rules);
    /* Every duration of the operator is the `a` of one rule (a slide's size
     * is also the `a` of the size's own); the rules point into op, which is
     * the checker's to fill. */
    for (int i = 0; i < n; i++)
        check_duration_arg(c, (DurationArg *)rules[i].a);
    check_duration_rules(c, op->loc, rules, n);
}

/* What the rows of a changelog are, for messages. */
static const char *changelog_text(ChangelogKind kind)
{
    switch (kind) {
    case CLOG_APPEND: return "records";
    case CLOG_UPSERT: return "an updating aggregate's rows, each replacing its key's last one";
    case CLOG_RETRACT: return "a join's rows and their retractions";
    case CLOG_TOP: return "an updating top's ranks, each replacing its rank's last row or "
                          "deleting it";
    }
    return "?";
}

/* A window reads records: a changelog's rows (each replacing its key's
 * last one, or retracting it) would count every update as a new record, so
 * reading one is an error; so is an aggregate reading a join's retractions.
 * An updating aggregate takes back an upsert changelog's replaced rows
 * (check_retractions; docs/language.md, "Aggregates of a changelog"). */
static void refuse_changelog(Pipe *p, const Op *op, const char *what)
{
    if (p->changelog == CLOG_APPEND)
        return;
    diag_error(p->c->d, op->loc, "%s reads a changelog here (%s): it would count every update "
               "as a new record; only an aggregate without a window reads a changelog, an "
               "updating aggregate's", what, changelog_text(p->changelog));
}

static void check_window(Pipe *p, Op *op)
{
    Diag *d = p->c->d;
    refuse_changelog(p, op, "a window");
    check_op_durations(p->c, op);
    if (op->window.kind == WIN_CUMULATE && op->update.has_every)
        diag_error(d, op->update.every.loc, "a cumulating window has no 'emit every': each of "
                   "its steps is a result of the window so far (docs/language.md, \"Cumulating "
                   "windows\")");
    if (!op->next || op->next->kind != OP_AGGREGATE)
        diag_error(d, op->loc, "'window' must be followed by 'aggregate'");
    if (op->window.late_as)
        declare_late_stream(p, op);
}

/* The columns of aggregates.h the checker reads, by AggFunc. */
typedef struct AggInfo {
    int min, max;
    AggResult result;
    AggNulls nulls;
    bool back;
} AggInfo;

static const char *const agg_names[] = {
#define AGG(kind, name, min, max, result, nulls, back, state) name,
#include "aggregates.h"
#undef AGG
    NULL,
};

static const AggInfo agg_info[] = {
    { 0, 0, AGG_RES_INT64, AGG_NULLS_NOT_NULL, false }, /* AGG_UNKNOWN */
#define AGG(kind, name, min, max, result, nulls, back, state) \
    { min, max, AGG_RES_##result, AGG_NULLS_##nulls, back },
#include "aggregates.h"
#undef AGG
};

/* percentile's p: a number literal in [0, 1], read by the emitter. */
static bool check_fraction(Checker *c, const Item *it)
{
    const Expr *e = it->arg2;
    double v = e->kind == EX_INT ? (double)e->int_value : e->kind == EX_FLOAT ? e->float_value : -1;
    if ((e->kind != EX_INT && e->kind != EX_FLOAT) || !(v >= 0 && v <= 1)) {
        diag_error(c->d, e->loc, "'%s' needs a number literal from 0 to 1 as its second "
                   "argument", it->agg_name);
        return false;
    }
    return true;
}

/* The result type of one aggregate item, TY_ERROR after an error. */
static TypeKind check_agg_item(Pipe *p, Item *it)
{
    Diag *d = p->c->d;
    it->agg = AGG_UNKNOWN;
    for (int i = 0; agg_names[i]; i++)
        if (strcmp(agg_names[i], it->agg_name) == 0)
            it->agg = (AggFunc)(i + 1);
    TypeKind t = it->expr ? check_expr(p->c, &p->fs, it->expr) : TY_ERROR;
    TypeKind t2 = it->arg2 ? check_expr(p->c, &p->fs, it->arg2) : TY_ERROR;
    if (it->agg == AGG_UNKNOWN) {
        report_unknown(p->c, it->agg_loc, "aggregate", it->agg_name, agg_names);
        return TY_ERROR;
    }
    const AggInfo *info = &agg_info[it->agg];
    it->optional = false;
    int nargs = (it->expr != NULL) + (it->arg2 != NULL);
    if (nargs < info->min || nargs > info->max) {
        static const char *const counts[] = { "no", "one", "two" };
        diag_error(d, it->agg_loc, "'%s' takes %s%s argument%s", it->agg_name,
                   info->min < info->max ? "at most " : "", counts[info->max],
                   info->max == 1 ? "" : "s");
        return TY_ERROR;
    }
    /* count() counts records, count(x) the values of x that are not null. */
    if (info->min == 0)
        return !it->expr || t != TY_ERROR ? TY_INT64 : TY_ERROR;
    if (t == TY_ERROR || (it->arg2 && t2 == TY_ERROR))
        return TY_ERROR;
    if (it->agg == AGG_PERCENTILE && !check_fraction(p->c, it))
        return TY_ERROR;
    /* Nulls are skipped, as SQL does; with no value left the result is null. */
    bool nullable = it->expr->optional || (it->agg != AGG_PERCENTILE && it->arg2 &&
                                           it->arg2->optional);
    it->optional = info->nulls == AGG_NULLS_FEW_LEFT ||
                   (nullable && info->nulls == AGG_NULLS_NONE_LEFT);
    switch (info->result) {
    case AGG_RES_SUM:
    case AGG_RES_FLOAT64:
        if (!type_is_numeric(t)) {
            diag_error(d, it->expr->loc, "'%s' needs a number, not %s", it->agg_name,
                       type_name(t));
            return TY_ERROR;
        }
        if (info->result == AGG_RES_FLOAT64)
            return TY_FLOAT64;
        return t == TY_FLOAT64 ? TY_FLOAT64 : TY_INT64;
    case AGG_RES_INT64: return TY_INT64;
    case AGG_RES_STRING: return TY_STRING;
    case AGG_RES_ARG: return t; /* min, max, first, last, max_by's y: every type is ordered */
    }
    return TY_ERROR;
}

/* The result of an aggregate: `op` for an updating one, the key fields,
 * after a window `window_start` and `window_end` (at `wloc`), the items;
 * the key moves to the key fields' places in it. */
static void aggregate_result(Pipe *p, Op *op, bool updating, const Loc *wloc)
{
    int n = 0;
    for (Item *it = op->aggregate; it; it = it->next)
        n++;
    Schema *in = p->fs.schema, *out = new_schema(p, 1 + p->nkey + 2 + n);
    if (updating)
        out->fields[out->nfields++] = (Field){ .name = "op", .type = TY_STRING, .loc = op->loc };
    int *key = arena_alloc(p->c->arena, sizeof *key * (size_t)(p->nkey ? p->nkey : 1));
    for (int k = 0; k < p->nkey; k++) {
        Field f = in->fields[p->key[k]];
        f.qualifier = NULL;
        key[k] = out->nfields;
        add_unique_field(p, out, f, "the aggregate's result");
    }
    if (wloc) {
        out->fields[out->nfields++] = (Field){ .name = "window_start", .type = TY_TIMESTAMP,
                                               .loc = *wloc };
        out->fields[out->nfields++] = (Field){ .name = "window_end", .type = TY_TIMESTAMP,
                                               .loc = *wloc };
    }
    for (Item *it = op->aggregate; it; it = it->next) {
        it->type = check_agg_item(p, it);
        add_unique_field(p, out,
                         (Field){ .name = it->name, .type = it->type, .optional = it->optional,
                                  .loc = it->loc, .json = it->agg == AGG_COLLECT_LIST },
                         "the aggregate's result");
    }
    p->key = p->nkey ? key : NULL;
    p->fs.schema = out;
    p->window_result = wloc != NULL;
}

/* The records are now a changelog keyed by the key fields, and by the
 * field `extra` unless it is NULL. */
static void keyed_changelog(Pipe *p, ChangelogKind kind, const char *extra)
{
    p->changelog = kind;
    p->clog_lost = NULL;
    p->nclog = p->nkey + (extra != NULL);
    p->clog_key = arena_alloc(p->c->arena, sizeof *p->clog_key * (size_t)(p->nkey + 1));
    for (int k = 0; k < p->nkey; k++)
        p->clog_key[k] = p->fs.schema->fields[p->key[k]].name;
    if (extra)
        p->clog_key[p->nkey] = extra;
}

/* An updating aggregate of an upsert changelog (docs/language.md,
 * "Aggregates of a changelog"): a row replaces its row key's last one, so
 * the aggregate takes that row's values back before it adds the new row's.
 * It keeps each row key's last values with the aggregate's key, so a row
 * key must stay with one key: the aggregate's key fields are row key
 * fields. `in`, `key`: the operator's input and key. */
static void check_retractions(Pipe *p, Op *op, const Schema *in, const int *key, int nkey,
                              const char **clog_key, int nclog)
{
    Diag *d = p->c->d;
    if (op->update.has_ttl)
        diag_error(d, op->update.ttl.loc, "'ttl' on an aggregate of a changelog: a key that "
                   "expired could no longer take back the rows it counted");
    for (const Item *it = op->aggregate; it; it = it->next)
        if (it->agg != AGG_UNKNOWN && !agg_info[it->agg].back)
            diag_error(d, it->agg_loc, "'%s' of a changelog: it cannot take back the value of a "
                       "row that an update replaces (count, sum and avg can)", it->agg_name);
    int *rows = arena_alloc(p->c->arena, sizeof *rows * (size_t)(nclog ? nclog : 1));
    int nrows = 0;
    bool *used = arena_alloc(p->c->arena, sizeof *used * (size_t)(nkey ? nkey : 1));
    for (int r = 0; r < nclog; r++) {
        int f = clog_key[r] ? field_named(in, clog_key[r]) : -1;
        if (f < 0) {
            diag_error(d, op->loc, "an aggregate of a changelog needs its row key field '%s': "
                       "keep it in the select before it", clog_key[r] ? clog_key[r] : p->clog_lost);
            return;
        }
        bool in_key = false;
        for (int k = 0; k < nkey; k++)
            if (key[k] == f)
                in_key = used[k] = true;
        if (!in_key)
            rows[nrows++] = f;
    }
    for (int k = 0; k < nkey; k++)
        if (!used[k]) {
            diag_error(d, op->loc, "an aggregate of a changelog is keyed by its row key fields "
                       "only, not by '%s': a row could move between keys", in->fields[key[k]].name);
            return;
        }
    op->update.retracts = true;
    op->update.row_key = rows;
    op->update.nrow_key = nrows;
}

/* An aggregate without a window: an updating aggregate (OP_UPDATE, a
 * stateful operator of its own), whose result is a changelog of one result
 * per key: `op` ("+I" for a key's first result, "+U" after), the key
 * fields, the items (docs/language.md, "Updating aggregates"). */
static void check_update(Pipe *p, Op *op)
{
    bool upsert = p->changelog == CLOG_UPSERT;
    if (!upsert)
        refuse_changelog(p, op, "an aggregate");
    op->kind = OP_UPDATE;
    check_op_durations(p->c, op);
    if (!p->fs.schema)
        return;
    const Schema *in = p->fs.schema;
    const int *key = p->key;
    int nkey = p->nkey;
    const char **clog_key = p->clog_key;
    int nclog = p->nclog;
    aggregate_result(p, op, true, NULL);
    if (upsert)
        check_retractions(p, op, in, key, nkey, clog_key, nclog);
    keyed_changelog(p, CLOG_UPSERT, NULL);
}

static void check_aggregate(Pipe *p, Op *op)
{
    const Op *prev = p->prev;
    if (!prev || prev->kind != OP_WINDOW) {
        check_update(p, op);
        return;
    }
    const UpdateClauses *u = &op->update;
    if (u->has_every)
        diag_error(p->c->d, u->every.loc, "'emit every' after a window's aggregate: write it on "
                   "the window for early results ('window tumbling 1h emit every 1m')");
    if (u->has_ttl)
        diag_error(p->c->d, u->ttl.loc, "'ttl' is for an aggregate without a window: a "
                   "window's state goes when the window can no longer change");
    bool early = prev->update.has_every;
    if (!p->fs.schema)
        return;
    aggregate_result(p, op, early, &prev->loc);
    if (!early)
        return;
    /* Early results: a changelog of one row per (key, window), which a window
     * names by its start (a session's end moves as it grows). */
    keyed_changelog(p, CLOG_UPSERT, "window_start");
}

/* ---- join and lookup ------------------------------------------------------------------- */

static const char *qualifier_of(const FieldScope *fs, const Field *f)
{
    return f->qualifier ? f->qualifier : fs->self;
}

/* A name both sides of a join answer to, or NULL. */
static const char *shared_alias(const FieldScope *l, const FieldScope *r)
{
    for (int i = -1; i < l->schema->nfields; i++) {
        const char *lq = i < 0 ? l->self : qualifier_of(l, &l->schema->fields[i]);
        for (int j = -1; j < r->schema->nfields; j++) {
            const char *rq = j < 0 ? r->self : qualifier_of(r, &r->schema->fields[j]);
            if (lq && rq && strcmp(lq, rq) == 0)
                return lq;
        }
    }
    return NULL;
}

/* Whether every field `e` names could be one of fs's: tells which side of a
 * join condition an expression was written for. Params fit either side. */
static bool expr_fits(Checker *c, const FieldScope *fs, const Expr *e)
{
    switch (e->kind) {
    case EX_NAME: {
        if (scope_has_field(fs, e->name.qualifier, e->name.name))
            return true;
        Decl *d = e->name.qualifier ? NULL : scope_lookup(c, e->name.name);
        return d && d->kind == DECL_PARAM;
    }
    case EX_UNARY:
        return expr_fits(c, fs, e->unary.operand);
    case EX_BINARY:
        return expr_fits(c, fs, e->binary.lhs) && expr_fits(c, fs, e->binary.rhs);
    case EX_CALL:
        for (const Expr *a = e->call.args; a; a = a->next)
            if (!expr_fits(c, fs, a))
                return false;
        return true;
    case EX_BETWEEN:
    case EX_IN:
    case EX_CASE:
    case EX_IS_NULL:
        for (const Expr *a = e->form.ops; a; a = a->next)
            if (!expr_fits(c, fs, a))
                return false;
        return true;
    default:
        return true;
    }
}

/* Returns true when both sides are typed and comparable. */
static bool check_join_eq(Pipe *p, const FieldScope *rfs, JoinEq *eq, const char *opname)
{
    if (!expr_fits(p->c, &p->fs, eq->left) && expr_fits(p->c, rfs, eq->left) &&
        expr_fits(p->c, &p->fs, eq->right)) {
        Expr *t = eq->left;
        eq->left = eq->right;
        eq->right = t;
    }
    TypeKind l = check_expr(p->c, &p->fs, eq->left);
    TypeKind r = check_expr(p->c, rfs, eq->right);
    if (l == TY_ERROR || r == TY_ERROR)
        return false;
    const Expr *opt = eq->left->optional ? eq->left : eq->right->optional ? eq->right : NULL;
    if (opt) {
        diag_error(p->c->d, opt->loc, "a '%s' key cannot be null: wrap this optional value in "
                   "coalesce", opname);
        return false;
    }
    TypeKind t = type_unify(l, r);
    if (t == TY_ERROR)
        diag_error(p->c->d, eq->loc, "cannot compare %s with %s in a '%s' condition",
                   type_name(l), type_name(r), opname);
    else if (t == TY_FLOAT64)
        diag_error(p->c->d, eq->loc, "cannot %s on float64 values", opname);
    return t != TY_ERROR && t != TY_FLOAT64;
}

/* A lookup reads one row per key: one of its conditions compares with the
 * table's key (the emitter probes with the first such); any other is a
 * further test the row must pass. The conditions have been checked. */
static void check_lookup_key(Pipe *p, const JoinEq *eqs, const Decl *table)
{
    int key = table->source.key_field;
    if (key < 0 || !eqs)
        return;
    for (const JoinEq *eq = eqs; eq; eq = eq->next) {
        const Expr *r = eq->right;
        if (r->kind == EX_NAME && r->name.kind == NAME_FIELD && r->name.index == key)
            return;
    }
    diag_error(p->c->d, eqs->right->loc, "'lookup' must compare with the key '%s' of table '%s'",
               table->schema->fields[key].name, table->name);
}

/* "needs a key by": when a select lost the key, says which field it was and
 * what the select did with it (docs/language.md, "key by"). */
static void report_no_key(Pipe *p, const Op *op, const char *opname)
{
    Diag *d = p->c->d;
    if (!p->key_lost_at && p->key_outer_at) {
        diag_error(d, op->loc, "'%s' needs a 'key by' before it: after the outer join at %d:%d "
                   "the left key may be null; key by a value that is never null, such as "
                   "coalesce(left key, right key)", opname, p->key_outer_at->loc.line,
                   p->key_outer_at->loc.col);
        return;
    }
    if (!p->key_lost_at) {
        diag_error(d, op->loc, "'%s' needs a 'key by' before it", opname);
        return;
    }
    const char *f = p->key_lost_field, *r = p->key_lost_rename;
    if (r)
        diag_error(d, op->loc,
                   "'%s' needs a 'key by' before it: the key was '%s', which the select renamed "
                   "to '%s'; write 'key by %s' after the select",
                   opname, f, r, r);
    else
        diag_error(d, op->loc,
                   "'%s' needs a 'key by' before it: the key was '%s', which the select dropped; "
                   "select '%s' too, or key again after the select",
                   opname, f, f);
    diag_note(d, p->key_lost_at->loc, "the select that %s the key '%s'", r ? "renamed" : "dropped",
              f);
}

/* Whether side `side`'s expressions of the conditions name exactly the
 * changelog's key fields, each once (a row replaces its key's last one, so
 * the join must be on that key). */
static bool joined_on_clog_key(const JoinEq *eqs, int side, const Schema *s,
                               const char *const *key, int nkey)
{
    int n = 0;
    for (const JoinEq *eq = eqs; eq; eq = eq->next, n++) {
        const Expr *e = side == 0 ? eq->left : eq->right;
        if (e->kind != EX_NAME || e->name.kind != NAME_FIELD)
            return false;
        bool found = false;
        for (int k = 0; k < nkey; k++)
            found = found || (key[k] && strcmp(key[k], s->fields[e->name.index].name) == 0);
        if (!found)
            return false;
    }
    return n == nkey;
}

/* A regular join's inputs (docs/language.md, "Regular joins"): which side
 * is a changelog, keyed by the join key; whether the result is one. */
static void check_regular_join(Pipe *p, Op *op, const Decl *other)
{
    Diag *d = p->c->d;
    ChangelogKind kind[2] = { p->changelog, CLOG_APPEND };
    const char *const *key[2] = { p->clog_key, NULL };
    int nkey[2] = { p->nclog, 0 };
    if (other->kind == DECL_STREAM) {
        kind[1] = other->stream.changelog;
        key[1] = other->stream.clog_key;
        nkey[1] = other->stream.nclog;
    }
    const Schema *schema[2] = { p->fs.schema, other->schema };
    for (int side = 0; side < 2; side++) {
        const char *which = side == 0 ? "left" : "right";
        op->join.changelog[side] = kind[side] == CLOG_UPSERT;
        op->join.op_field[side] = -1;
        if (kind[side] == CLOG_RETRACT || kind[side] == CLOG_TOP) {
            diag_error(d, side == 0 ? op->loc : op->join.other->loc,
                       "the %s side of this join is %s changelog, with %s: a regular join takes "
                       "append streams and updating aggregates", which,
                       kind[side] == CLOG_TOP ? "an updating top's" : "a join's",
                       kind[side] == CLOG_TOP ? "deletions" : "retractions");
        } else if (kind[side] == CLOG_UPSERT &&
                   !joined_on_clog_key(op->join.eqs, side, schema[side], key[side], nkey[side])) {
            diag_error(d, side == 0 ? op->loc : op->join.other->loc,
                       "the %s side of this join is an updating aggregate's changelog: the join "
                       "must be on its key fields, each once", which);
        }
        for (int f = 0; kind[side] == CLOG_UPSERT && f < schema[side]->nfields; f++)
            if (strcmp(schema[side]->fields[f].name, "op") == 0)
                op->join.op_field[side] = f;
    }
    op->join.emits_op = op->join.changelog[0] || op->join.changelog[1] || op->join.left ||
                        op->join.right;
}

/* join and lookup: the check of both rows of operators.h. */
static void check_join(Pipe *p, Op *op)
{
    Checker *c = p->c;
    bool lookup = op->kind == OP_LOOKUP;
    const char *opname = lookup ? "lookup" : "join";
    /* The key decides which records can meet (docs/language.md, "key by");
     * a lookup is keyed by the table instead. */
    if (!lookup && p->nkey == 0 && !p->key_unknown)
        report_no_key(p, op, "join");
    Decl *other = lookup
        ? resolve_ref(c, op->join.other, KIND_BIT(DECL_TABLE), "table", NULL)
        : resolve_ref(c, op->join.other, STREAM_KINDS, "stream", p->stream);
    if (other)
        other->used = true;
    check_op_durations(c, op);
    if (!p->fs.schema || !other || !other->schema) {
        p->fs.schema = NULL;
        return;
    }
    FieldScope rfs = { other->schema, op->join.alias ? op->join.alias : other->name };
    const char *clash = shared_alias(&p->fs, &rfs);
    if (clash) {
        diag_error(c->d, op->join.other->loc,
                   "both sides of the %s are called '%s'; rename one with 'as'", opname, clash);
        p->fs.schema = NULL;
        return;
    }
    bool eqs_ok = true;
    for (JoinEq *eq = op->join.eqs; eq; eq = eq->next)
        eqs_ok &= check_join_eq(p, &rfs, eq, opname);
    if (lookup && eqs_ok)
        check_lookup_key(p, op->join.eqs, other);
    if (!lookup && op->join.has_ttl && !op->join.regular)
        diag_error(c->d, op->join.ttl.loc, "'ttl' is for a join without 'within' or 'window': "
                   "the bound frees the rows of an interval or window join");
    if (!lookup && op->join.regular && eqs_ok)
        check_regular_join(p, op, other);

    Schema *l = p->fs.schema, *r = rfs.schema;
    Schema *out = new_schema(p, 1 + l->nfields + r->nfields);
    if (!lookup && op->join.regular && op->join.emits_op)
        out->fields[out->nfields++] = (Field){ .name = "op", .type = TY_STRING, .loc = op->loc };
    for (int i = 0; i < l->nfields; i++) {
        if (!lookup && op->join.regular && op->join.op_field[0] == i)
            continue;
        Field f = l->fields[i];
        f.qualifier = qualifier_of(&p->fs, &f);
        /* `join ... right|full`: a right record without a match has the left fields null. */
        f.optional |= op->join.right;
        out->fields[out->nfields++] = f;
    }
    for (int i = 0; i < r->nfields; i++) {
        if (!lookup && op->join.regular && op->join.op_field[1] == i)
            continue;
        Field f = r->fields[i];
        f.qualifier = qualifier_of(&rfs, &f);
        /* `left` (`full`): a left record without a row or a match has the right fields null. */
        f.optional |= op->join.left;
        out->fields[out->nfields++] = f;
    }
    p->fs.schema = out;
    p->window_result = false;
    if (!lookup && op->join.regular) {
        p->changelog = op->join.emits_op ? CLOG_RETRACT : CLOG_APPEND;
        if (p->nkey > 0 && op->join.emits_op) {
            /* The key's fields moved: `op` first, the left side's left out. */
            int *key = arena_alloc(c->arena, sizeof *key * (size_t)p->nkey);
            for (int k = 0; k < p->nkey; k++)
                key[k] = p->key[k] + 1 -
                         (op->join.op_field[0] >= 0 && op->join.op_field[0] < p->key[k]);
            p->key = key;
        }
    }
    if (op->join.right) {
        /* The left key fields may be null now: no key is in force (docs/language.md). */
        p->key = NULL;
        p->nkey = 0;
        p->key_lost_at = NULL;
        p->key_outer_at = op;
    }
}

/* ---- union and dedupe ---------------------------------------------------------------- */

static void check_union(Pipe *p, Op *op)
{
    for (NameRef *ref = op->union_of; ref; ref = ref->next) {
        Decl *other = resolve_ref(p->c, ref, STREAM_KINDS, "stream", p->stream);
        if (!other)
            continue;
        other->used = true;
        Schema *a = p->fs.schema, *b = other->schema;
        if (!a || !b)
            continue;
        if (a->nfields != b->nfields) {
            diag_error(p->c->d, ref->loc, "cannot union '%s': it has %d field%s, this stream %d",
                       ref->name, b->nfields, b->nfields == 1 ? "" : "s", a->nfields);
            continue;
        }
        for (int i = 0; i < a->nfields; i++) {
            const Field *fa = &a->fields[i], *fb = &b->fields[i];
            if (strcmp(fa->name, fb->name) == 0 && fa->type == fb->type &&
                fa->optional == fb->optional)
                continue;
            diag_error(p->c->d, ref->loc,
                       "cannot union '%s': its field %d is '%s : %s%s', this stream's is "
                       "'%s : %s%s'",
                       ref->name, i + 1, fb->name, type_name(fb->type), fb->optional ? "?" : "",
                       fa->name, type_name(fa->type), fa->optional ? "?" : "");
            break;
        }
    }
    p->key = NULL;
    p->nkey = 0;
    p->key_lost_at = NULL;
    p->key_outer_at = NULL;
    p->window_result = false;
}

static void check_dedupe(Pipe *p, Op *op)
{
    if (p->nkey == 0 && !p->key_unknown)
        report_no_key(p, op, "dedupe");
    check_op_durations(p->c, op);
}

/* ---- top ----------------------------------------------------------------------------- */

/* What the records before a `top` are, from the operators of one stream
 * before `until` (NULL: all of them): the last operator that made them a
 * window's results or a changelog (NULL: neither, or something since made
 * them plain records), and whether a `key by` came after it. */
typedef struct TopSource {
    const Op *maker;
    bool keyed_after;
} TopSource;

static TopSource top_source(const Op *ops, const Op *until)
{
    TopSource t = { NULL, false };
    for (const Op *o = ops; o && o != until; o = o->next) {
        switch (o->kind) {
        case OP_AGGREGATE:
        case OP_UPDATE:
        case OP_TOP:
            t = (TopSource){ o, false };
            break;
        case OP_JOIN:
        case OP_UNION:
        case OP_DEDUPE:
            t = (TopSource){ NULL, false };
            break;
        case OP_KEY_BY:
            t.keyed_after = true;
            break;
        default:
            break;
        }
    }
    return t;
}

/* The window before a windowed aggregate `agg` in the operators `ops`. */
static const Op *window_of(const Op *ops, const Op *agg)
{
    const Op *w = NULL;
    for (const Op *o = ops; o && o != agg; o = o->next)
        if (o->kind == OP_WINDOW)
            w = o;
    return w;
}

/* `top N by EXPR [asc|desc], ... [rank as NAME]` (docs/language.md, "top"):
 * over a window's results the N best rows of each window (and key, after a
 * `key by`), emitted when it fires; over other records an updating top-N
 * per key, a changelog of its ranks. The partition becomes op's key. */
static void check_top(Pipe *p, Op *op)
{
    Diag *d = p->c->d;
    check_op_durations(p->c, op);
    if (op->top.n <= 0)
        diag_error(d, op->top.n_loc, "the N of 'top' must be positive");
    for (TopKey *k = op->top.keys; k && p->fs.schema; k = k->next) {
        TypeKind t = check_expr(p->c, &p->fs, k->expr);
        if (t != TY_ERROR && k->expr->optional)
            diag_error(d, k->expr->loc, "an order of 'top' cannot be null: wrap this optional "
                       "value in coalesce");
    }
    if (!p->fs.schema)
        return;
    Schema *in = p->fs.schema;
    /* Where the records come from: this stream's operators, else its input's. */
    TopSource src = top_source(p->stream->stream.ops, op);
    const Op *maker = src.maker;
    const Op *maker_ops = p->stream->stream.ops;
    bool keyed_after = src.keyed_after && p->nkey > 0;
    if (!maker) {
        bool stateful_before = false;
        for (const Op *o = p->stream->stream.ops; o && o != op; o = o->next)
            stateful_before |= o->kind == OP_JOIN || o->kind == OP_UNION ||
                               o->kind == OP_DEDUPE;
        const NameRef *ref = p->stream->stream.input;
        const Decl *input = ref ? ref->decl : NULL;
        if (!stateful_before && input && input->kind == DECL_STREAM) {
            maker = top_source(input->stream.ops, NULL).maker;
            maker_ops = input->stream.ops;
            keyed_after = p->nkey > 0;
        }
    }
    bool windowed = maker && (maker->kind == OP_AGGREGATE ||
                              (maker->kind == OP_TOP && maker->top.windowed));
    bool changelog = maker && !windowed && in->nfields > 0 &&
                     strcmp(in->fields[0].name, "op") == 0 && in->fields[0].type == TY_STRING;
    op->top.windowed = windowed;
    op->top.changelog = changelog;

    /* The partition: a window's start and end, the key of a `key by`. */
    int nkeyed = windowed || changelog ? (keyed_after ? p->nkey : 0) : p->nkey;
    int *part = arena_alloc(p->c->arena, sizeof *part * (size_t)(nkeyed + 2));
    int npart = 0;
    for (int k = 0; k < nkeyed; k++)
        part[npart++] = p->key[k];
    if (windowed) {
        const Op *win = maker->kind == OP_AGGREGATE ? window_of(maker_ops, maker) : NULL;
        if (win && (win->window.lateness.param || win->window.lateness.ms > 0)) {
            diag_error(d, op->loc, "'top' cannot follow a window with 'lateness': a late "
                       "record would change a window's top after it went out");
            diag_note(d, win->loc, "the window");
        }
        if (op->update.has_ttl)
            diag_error(d, op->update.ttl.loc, "'ttl' is for an updating top: a window's top "
                       "goes when the window fires");
        if (win && win->update.has_every) {
            diag_error(d, op->loc, "'top' cannot follow a window with 'emit every': its "
                       "top goes out once, when the window fires");
            diag_note(d, win->loc, "the window");
        }
        int ws = field_named(in, "window_start"), we = field_named(in, "window_end");
        if (ws < 0 || we < 0 || in->fields[ws].type != TY_TIMESTAMP ||
            in->fields[we].type != TY_TIMESTAMP) {
            diag_error(d, op->loc, "'top' over a window's results needs their window_start "
                       "and window_end fields: keep them in the select before it");
            return;
        }
        part[npart++] = ws;
        part[npart++] = we;
    }
    if (changelog) {
        /* The row key: the updating aggregate's key fields, or (partition, rank). */
        const Op *m = maker;
        int nrow = 0;
        const char **names = arena_alloc(p->c->arena, sizeof *names *
                                         (size_t)(m->out ? m->out->nfields : 1));
        if (m->kind == OP_UPDATE) {
            for (int k = 0; k < m->nkey; k++)
                names[nrow++] = m->in->fields[m->key_fields[k]].name;
        } else {
            for (int k = 0; k < m->nkey; k++)
                names[nrow++] = m->in->fields[m->key_fields[k]].name;
            names[nrow++] = m->top.rank;
        }
        op->top.row_key = arena_alloc(p->c->arena, sizeof(int) * (size_t)(nrow ? nrow : 1));
        for (int k = 0; k < nrow; k++) {
            int i = field_named(in, names[k]);
            if (i < 0) {
                diag_error(d, op->loc, "'top' over a changelog needs its key field '%s': keep "
                           "it in the select before it", names[k]);
                return;
            }
            op->top.row_key[op->top.nrow_key++] = i;
        }
        for (int k = 0; k < npart; k++) {
            bool found = false;
            for (int r = 0; r < op->top.nrow_key; r++)
                found |= op->top.row_key[r] == part[k];
            if (!found) {
                diag_error(d, op->loc, "'top' over a changelog is partitioned by its key "
                           "fields only, not by '%s': a row could move between partitions",
                           in->fields[part[k]].name);
                return;
            }
        }
    }
    op->key_fields = part;
    op->nkey = npart;

    /* The result: `op` for an updating top, the input's fields (less its
     * own `op`), the rank. */
    Schema *out = new_schema(p, in->nfields + 2);
    if (!windowed)
        out->fields[out->nfields++] = (Field){ .name = "op", .type = TY_STRING, .loc = op->loc };
    int *key = arena_alloc(p->c->arena, sizeof *key * (size_t)(npart + 1));
    int nkey = 0;
    for (int i = changelog ? 1 : 0; i < in->nfields; i++) {
        Field f = in->fields[i];
        int at = add_unique_field(p, out, f, "the result of 'top'");
        for (int k = 0; k < nkeyed; k++)
            if (part[k] == i)
                key[nkey++] = at;
    }
    int rank = add_unique_field(p, out, (Field){ .name = op->top.rank, .type = TY_INT64,
                                                 .loc = op->top.rank_loc },
                                "the result of 'top'");
    if (rank >= 0)
        key[nkey++] = rank;
    p->fs.schema = out;
    p->key = key;
    p->nkey = nkey;
    p->key_lost_at = NULL;
    p->key_outer_at = NULL;
    p->window_result = windowed;
    if (!windowed)
        keyed_changelog(p, CLOG_TOP, NULL);
}

/* ---- The stream ------------------------------------------------------------------------- */

void check_stream(Checker *c, Decl *d)
{
    bool free_name = !d->name || name_is_free(c, d->name, d->name_loc);
    Decl *input = resolve_ref(c, d->stream.input, STREAM_KINDS, "stream", d);
    if (input)
        input->used = true;
    const char *self = d->stream.alias ? d->stream.alias
                     : d->stream.input ? d->stream.input->name
                     : NULL;
    Pipe p = { .c = c, .stream = d, .fs = { input ? input->schema : NULL, self } };
    if (input && input->kind == DECL_STREAM) {
        p.changelog = input->stream.changelog;
        p.clog_key = input->stream.clog_key;
        p.nclog = input->stream.nclog;
        p.clog_lost = input->stream.clog_lost;
    }
    Op *prev = NULL;
    for (Op *op = d->stream.ops; op; prev = op, op = op->next) {
        p.opno++;
        op->in = p.fs.schema;
        op->key_fields = p.key;
        op->nkey = p.nkey;
        p.prev = prev;
        /* The check column of operators.h. */
        switch (op->kind) {
#define OP(kind, spelling, role, check, state, describe, emit, snapshot, restore) \
        case OP_##kind: check(&p, op); break;
#include "operators.h"
#undef OP
        }
        op->out = p.fs.schema;
        /* Filters, projections and keys keep a changelog; other operators
         * make records of their own (docs/language.md, "Regular joins"), but
         * for those that make a changelog: an updating aggregate, a regular
         * join, a window's early results, an updating top. */
        bool keeps = op->kind == OP_WHERE || op->kind == OP_SELECT || op->kind == OP_KEY_BY ||
                     op->kind == OP_UPDATE || (op->kind == OP_JOIN && op->join.regular) ||
                     (op->kind == OP_TOP && !op->top.windowed) ||
                     (op->kind == OP_AGGREGATE && prev && prev->kind == OP_WINDOW &&
                      prev->update.has_every);
        if (!keeps)
            p.changelog = CLOG_APPEND;
    }
    d->schema = p.fs.schema;
    d->stream.key = p.key;
    d->stream.nkey = p.nkey;
    d->stream.window_result = p.window_result;
    d->stream.changelog = p.changelog;
    d->stream.clog_key = p.clog_key;
    d->stream.nclog = p.nclog;
    d->stream.clog_lost = p.clog_lost;
    if (free_name && d->name)
        scope_add(c, d->name, d);
}
