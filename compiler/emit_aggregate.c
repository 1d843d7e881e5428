/* emit_aggregate.c: the accumulators of aggregate items (aggregates.h), one
 * case per aggregate in each step: the state struct's members, the update
 * by one record, the merge of two states (sliding windows' panes, merged
 * sessions), the result, the checkpoint's values, the release of what they
 * own. The window emitters (emit_window.c, emit_window_kv.c,
 * emit_window_ckpt.c) call them around their own state layout. The
 * accumulators of more than a value or two are the runtime's
 * (flow/aggregate.h). */
#include <string.h>

#include "emit_aggregate.h"

/* The type of an aggregate's argument as evaluated (sum of an int32 is
 * summed in int64, avg and the moments in float64). */
static TypeKind arg_type(const Item *it)
{
    switch (it->agg) {
    case AGG_SUM: return it->type;
    case AGG_AVG:
    case AGG_STDDEV_POP:
    case AGG_STDDEV_SAMP:
    case AGG_STDDEV:
    case AGG_VAR_POP:
    case AGG_VAR_SAMP:
    case AGG_VARIANCE:
    case AGG_PERCENTILE: return TY_FLOAT64;
    case AGG_UNKNOWN:
    case AGG_COUNT:
    case AGG_MIN:
    case AGG_MAX:
    case AGG_FIRST:
    case AGG_LAST:
    case AGG_COUNT_DISTINCT:
    case AGG_COLLECT_LIST:
    case AGG_MAX_BY:
    case AGG_MIN_BY: break;
    }
    return it->expr ? it->expr->type : TY_INT64;
}

/* max_by and min_by order by their second argument, y, argN_by. */
static bool has_by(const Item *it)
{
    return it->agg == AGG_MAX_BY || it->agg == AGG_MIN_BY;
}

static bool x_nullable(const Item *it)
{
    return it->expr && it->expr->optional;
}

static bool y_nullable(const Item *it)
{
    return has_by(it) && it->arg2->optional;
}

/* An aggregate of a value that may be null: it skips the nulls (a row with
 * a null x or y, for max_by), counting the other values in its accN_n
 * (docs/language.md, "Optional fields"). */
static bool skips_nulls(const Item *it)
{
    return x_nullable(it) || y_nullable(it);
}

/* Whether the argument is evaluated: count(x) of an x that cannot be null
 * is count(). */
static bool has_argument(const Item *it)
{
    return it->expr && (it->agg != AGG_COUNT || skips_nulls(it));
}

/* Whether the accumulator's accN holds a copied string. */
static bool holds_string(const Item *it)
{
    switch (it->agg) {
    case AGG_SUM:
    case AGG_MIN:
    case AGG_MAX:
    case AGG_FIRST:
    case AGG_LAST:
    case AGG_MAX_BY:
    case AGG_MIN_BY: return it->type == TY_STRING;
    case AGG_UNKNOWN:
    case AGG_COUNT:
    case AGG_AVG:
    case AGG_COUNT_DISTINCT:
    case AGG_STDDEV_POP:
    case AGG_STDDEV_SAMP:
    case AGG_STDDEV:
    case AGG_VAR_POP:
    case AGG_VAR_SAMP:
    case AGG_VARIANCE:
    case AGG_PERCENTILE:
    case AGG_COLLECT_LIST: break;
    }
    return false;
}

/* Whether max_by's accN_by, its y, is a copied string. */
static bool by_holds_string(const Item *it)
{
    return has_by(it) && it->arg2->type == TY_STRING;
}

/* The runtime's free of an accumulator of flow/aggregate.h or state.h, or NULL. */
static const char *free_fn(const Item *it)
{
    switch (it->agg) {
    case AGG_COUNT_DISTINCT: return "flow_distinct_free";
    case AGG_PERCENTILE: return "flow_quantiles_free";
    case AGG_COLLECT_LIST: return "flow_list_free";
    case AGG_UNKNOWN:
    case AGG_COUNT:
    case AGG_SUM:
    case AGG_MIN:
    case AGG_MAX:
    case AGG_AVG:
    case AGG_FIRST:
    case AGG_LAST:
    case AGG_STDDEV_POP:
    case AGG_STDDEV_SAMP:
    case AGG_STDDEV:
    case AGG_VAR_POP:
    case AGG_VAR_SAMP:
    case AGG_VARIANCE:
    case AGG_MAX_BY:
    case AGG_MIN_BY: break;
    }
    return NULL;
}

void agg_emit_members(CWriter *w, const Item *items)
{
    int i = 0;
    for (const Item *it = items; it; it = it->next, i++) {
        switch (it->agg) {
        case AGG_COUNT: break;
        case AGG_SUM:
        case AGG_MIN:
        case AGG_MAX:
            cw_line(w, "%s acc%d; /* %s */", c_type(it->type), i, it->name);
            break;
        case AGG_AVG: cw_line(w, "double acc%d; /* %s: the sum */", i, it->name); break;
        case AGG_FIRST:
        case AGG_LAST:
            cw_line(w, "%s acc%d; /* %s */", c_type(it->type), i, it->name);
            cw_line(w, "int64_t acc%d_ts;", i);
            break;
        case AGG_COUNT_DISTINCT:
            cw_line(w, "FlowDistinct acc%d; /* %s */", i, it->name);
            break;
        case AGG_STDDEV_POP:
        case AGG_STDDEV_SAMP:
        case AGG_STDDEV:
        case AGG_VAR_POP:
        case AGG_VAR_SAMP:
        case AGG_VARIANCE: cw_line(w, "FlowMoments acc%d; /* %s */", i, it->name); break;
        case AGG_PERCENTILE: cw_line(w, "FlowQuantiles acc%d; /* %s */", i, it->name); break;
        case AGG_COLLECT_LIST: cw_line(w, "FlowJsonList acc%d; /* %s */", i, it->name); break;
        case AGG_MAX_BY:
        case AGG_MIN_BY:
            cw_line(w, "%s acc%d; /* %s */", c_type(it->type), i, it->name);
            cw_line(w, "%s acc%d_by; /* %s: its y */", c_type(it->arg2->type), i, it->name);
            break;
        case AGG_UNKNOWN: break;
        }
        if (skips_nulls(it))
            cw_line(w, "int64_t acc%d_n; /* %s: the values that were not null */", i, it->name);
    }
}

bool agg_owns_memory(const Item *items)
{
    for (const Item *it = items; it; it = it->next)
        if (free_fn(it) || holds_string(it) || by_holds_string(it))
            return true;
    return false;
}

void agg_emit_release(CWriter *w, const Item *items, const char *s)
{
    int i = 0;
    for (const Item *it = items; it; it = it->next, i++) {
        if (free_fn(it))
            cw_line(w, "%s(&%s->acc%d);", free_fn(it), s, i);
        else if (holds_string(it))
            cw_line(w, "flow_str_release(%s->acc%d);", s, i);
        if (by_holds_string(it))
            cw_line(w, "flow_str_release(%s->acc%d_by);", s, i);
    }
}

void agg_emit_owned_bytes(CWriter *w, const Item *items, const char *s)
{
    int i = 0;
    for (const Item *it = items; it; it = it->next, i++) {
        /* Each accumulator of the runtime's has a flow_X_bytes beside its
         * flow_X_free (flow/aggregate.h, state.h). */
        const char *fn = free_fn(it);
        if (fn)
            cw_line(w, "n += %.*s_bytes(&%s->acc%d);", (int)(strlen(fn) - strlen("_free")), fn,
                    s, i);
        else if (holds_string(it))
            cw_line(w, "n += (size_t)%s->acc%d.len;", s, i);
        if (by_holds_string(it))
            cw_line(w, "n += (size_t)%s->acc%d_by.len;", s, i);
    }
}

void agg_emit_arguments(Body *b, const Item *items, const PlanType *rec, Loc loc)
{
    Emitter *em = b->em;
    CWriter *bw = &b->w;
    EmitExpr x = expr_context(b, rec);
    int nitems = 0;
    for (const Item *it = items; it; it = it->next)
        nitems++;
    const char **args = arena_alloc(em->arena, sizeof *args * (size_t)(nitems + 1));
    const char **bys = arena_alloc(em->arena, sizeof *bys * (size_t)(nitems + 1));
    int i = 0;
    for (const Item *it = items; it; it = it->next, i++) {
        args[i] = has_argument(it) ? emit_expr(&x, it->expr, arg_type(it)) : NULL;
        bys[i] = has_by(it) ? emit_expr(&x, it->arg2, it->arg2->type) : NULL;
    }
    note_expr_use(b, &x);
    line_to_flow(em, bw, loc);
    if (x.used_err)
        cw_line(bw, "const char *err = NULL;");
    declare_temps(b, &x);
    i = 0;
    for (const Item *it = items; it; it = it->next, i++) {
        if (args[i])
            cw_line(bw, "%s arg%d = %s; /* %s */",
                    x_nullable(it) ? c_opt_type(arg_type(it)) : c_type(arg_type(it)), i, args[i],
                    it->name);
        if (bys[i])
            cw_line(bw, "%s arg%d_by = %s; /* %s: its y */",
                    y_nullable(it) ? c_opt_type(it->arg2->type) : c_type(it->arg2->type), i,
                    bys[i], it->name);
    }
    if (x.used_err)
        body_check_err(b, loc);
}

/* The test that the value `v` of type t replaces the minimum or maximum `acc`: nan
 * above every number for float64 (docs/language.md, "Aggregates"), so that
 * records and panes may arrive in any order. */
static const char *better_than(Arena *a, bool min, TypeKind t, const char *v, const char *acc)
{
    switch (t) {
    case TY_STRING: return arena_printf(a, "flow_str_cmp(%s, %s) %s 0", v, acc, min ? "<" : ">");
    case TY_FLOAT64: return arena_printf(a, "flow_f64_%s(%s, %s)", min ? "below" : "above", v, acc);
    default: return arena_printf(a, "%s %s %s", v, min ? "<" : ">", acc);
    }
}

static const char *min_max_better(Arena *a, const Item *it, const char *v, const char *acc)
{
    return better_than(a, it->agg == AGG_MIN, it->type, v, acc);
}

/* max_by's and min_by's test that the y `v` replaces the y `acc`. */
static const char *by_better(Arena *a, const Item *it, const char *v, const char *acc)
{
    return better_than(a, it->agg == AGG_MIN_BY, it->arg2->type, v, acc);
}

static const char *list_add(Arena *a, TypeKind t, const char *acc, const char *v)
{
    switch (t) {
    case TY_STRING: return arena_printf(a, "flow_list_add_str(&%s, %s);", acc, v);
    case TY_FLOAT64: return arena_printf(a, "flow_list_add_f64(&%s, %s);", acc, v);
    case TY_BOOL: return arena_printf(a, "flow_list_add_bool(&%s, %s);", acc, v);
    case TY_TIMESTAMP: return arena_printf(a, "flow_list_add_ts(&%s, %s);", acc, v);
    default: return arena_printf(a, "flow_list_add_i64(&%s, (int64_t)%s);", acc, v);
    }
}

static const char *distinct_add(Arena *a, TypeKind t, const char *acc, const char *v)
{
    switch (t) {
    case TY_STRING: return arena_printf(a, "flow_distinct_add_str(&%s, %s);", acc, v);
    case TY_FLOAT64: return arena_printf(a, "flow_distinct_add_f64(&%s, %s);", acc, v);
    case TY_BOOL: return arena_printf(a, "flow_distinct_add_bool(&%s, %s);", acc, v);
    default: return arena_printf(a, "flow_distinct_add_i64(&%s, (int64_t)%s);", acc, v);
    }
}

/* One accumulator takes the argument value `v` (and y, `by`, for max_by);
 * `fresh` is the C test that it has none yet. */
static void emit_update(Body *b, const Item *it, int i, const char *v, const char *by,
                        const char *fresh)
{
    Arena *a = b->em->arena;
    CWriter *w = &b->w;
    const char *acc = arena_printf(a, "s->acc%d", i);
    bool str = it->type == TY_STRING;
    const char *set = str ? arena_printf(a, "flow_str_release(%s); %s = flow_str_keep(%s);",
                                         acc, acc, v)
                          : arena_printf(a, "%s = %s;", acc, v);
    switch (it->agg) {
    case AGG_COUNT: break;
    case AGG_SUM:
        if (it->type == TY_FLOAT64)
            cw_line(w, "%s += %s;", acc, v);
        else
            cw_line(w, "%s = flow_i64_add(%s, %s);", acc, acc, v);
        break;
    case AGG_AVG: cw_line(w, "%s += %s;", acc, v); break;
    case AGG_MIN:
    case AGG_MAX: {
        const char *better = min_max_better(a, it, v, acc);
        cw_line(w, "if (%s || %s) { %s }", fresh, better, set);
        break;
    }
    /* By event time; on a tie the first arrival stays first and the last
     * arrival becomes last. */
    case AGG_FIRST:
        cw_line(w, "if (%s || ts < %s_ts) { %s %s_ts = ts; }", fresh, acc, set, acc);
        break;
    case AGG_LAST:
        cw_line(w, "if (%s || ts >= %s_ts) { %s %s_ts = ts; }", fresh, acc, set, acc);
        break;
    case AGG_COUNT_DISTINCT:
        cw_line(w, "%s", distinct_add(a, it->expr->type, acc, v));
        break;
    case AGG_STDDEV_POP:
    case AGG_STDDEV_SAMP:
    case AGG_STDDEV:
    case AGG_VAR_POP:
    case AGG_VAR_SAMP:
    case AGG_VARIANCE: cw_line(w, "flow_moments_add(&%s, %s);", acc, v); break;
    case AGG_PERCENTILE: cw_line(w, "flow_quantiles_add(&%s, %s);", acc, v); break;
    case AGG_COLLECT_LIST: cw_line(w, "%s", list_add(a, it->expr->type, acc, v)); break;
    /* A y equal to the best so far keeps the first arrival's x. */
    case AGG_MAX_BY:
    case AGG_MIN_BY: {
        const char *set_by = it->arg2->type == TY_STRING
            ? arena_printf(a, "flow_str_release(%s_by); %s_by = flow_str_keep(%s);", acc, acc, by)
            : arena_printf(a, "%s_by = %s;", acc, by);
        cw_line(w, "if (%s || %s) { %s %s }", fresh,
                by_better(a, it, by, arena_printf(a, "%s_by", acc)), set, set_by);
        break;
    }
    case AGG_UNKNOWN: break;
    }
}

/* Whether the update of a non-null argument tests `fresh`. */
static bool update_uses_fresh(const Item *it)
{
    switch (it->agg) {
    case AGG_MIN:
    case AGG_MAX:
    case AGG_FIRST:
    case AGG_LAST:
    case AGG_MAX_BY:
    case AGG_MIN_BY: return true;
    case AGG_COUNT:
    case AGG_SUM:
    case AGG_AVG:
    case AGG_COUNT_DISTINCT:
    case AGG_STDDEV_POP:
    case AGG_STDDEV_SAMP:
    case AGG_STDDEV:
    case AGG_VAR_POP:
    case AGG_VAR_SAMP:
    case AGG_VARIANCE:
    case AGG_PERCENTILE:
    case AGG_COLLECT_LIST:
    case AGG_UNKNOWN: return false;
    }
    return false;
}

void agg_emit_accumulate(Body *b, const Item *items)
{
    CWriter *bw = &b->w;
    Arena *a = b->em->arena;
    int i = 0;
    bool uses_fresh = false;
    for (const Item *it = items; it; it = it->next, i++) {
        const char *v = arena_printf(a, x_nullable(it) ? "arg%d.v" : "arg%d", i);
        const char *by = arena_printf(a, y_nullable(it) ? "arg%d_by.v" : "arg%d_by", i);
        if (!skips_nulls(it)) {
            emit_update(b, it, i, v, by, "fresh");
            uses_fresh |= update_uses_fresh(it);
            continue;
        }
        /* A null is skipped; the first value that is not is fresh. */
        if (x_nullable(it) && y_nullable(it))
            cw_open(bw, "if (!arg%d.null && !arg%d_by.null)", i, i);
        else
            cw_open(bw, x_nullable(it) ? "if (!arg%d.null)" : "if (!arg%d_by.null)", i);
        emit_update(b, it, i, v, by, arena_printf(a, "s->acc%d_n == 0", i));
        cw_line(bw, "s->acc%d_n++;", i);
        cw_close(bw, "");
    }
    if (!uses_fresh)
        cw_line(bw, "(void)fresh;");
}

/* Whether a changelog row keeps a value of the item: the argument of a
 * sum or avg, whether a count's argument was null. */
static bool row_keeps(const Item *it)
{
    return has_argument(it) && (it->agg == AGG_SUM || it->agg == AGG_AVG ||
                                it->agg == AGG_COUNT);
}

/* The field that is the row's value of the item: a bool for a count. */
static Field row_field(const Item *it)
{
    if (it->agg == AGG_COUNT)
        return (Field){ .name = it->name, .type = TY_BOOL };
    return (Field){ .name = it->name, .type = arg_type(it), .optional = x_nullable(it) };
}

void agg_emit_row_members(CWriter *w, const Item *items)
{
    int i = 0;
    for (const Item *it = items; it; it = it->next, i++) {
        if (!row_keeps(it))
            continue;
        Field f = row_field(it);
        cw_line(w, "%s val%d; /* %s%s */", f.optional ? c_opt_type(f.type) : c_type(f.type), i,
                it->name, it->agg == AGG_COUNT ? ": its argument was not null" : "");
    }
}

void agg_emit_retract(Body *b, const Item *items, const char *r)
{
    Arena *a = b->em->arena;
    CWriter *w = &b->w;
    int i = 0;
    for (const Item *it = items; it; it = it->next, i++) {
        if (!row_keeps(it))
            continue;
        if (it->agg == AGG_COUNT) {
            cw_line(w, "if (%s->val%d)", r, i);
            cw_line(w, "    s->acc%d_n--;", i);
            continue;
        }
        const char *v = arena_printf(a, x_nullable(it) ? "%s->val%d.v" : "%s->val%d", r, i);
        const char *sub = arg_type(it) == TY_FLOAT64
                              ? arena_printf(a, "s->acc%d -= %s;", i, v)
                              : arena_printf(a, "s->acc%d = flow_i64_sub(s->acc%d, %s);", i, i, v);
        if (!x_nullable(it)) {
            cw_line(w, "%s", sub);
            continue;
        }
        cw_open(w, "if (!%s->val%d.null)", r, i);
        cw_line(w, "%s", sub);
        cw_line(w, "s->acc%d_n--;", i);
        cw_close(w, "");
    }
}

void agg_emit_keep_row(Body *b, const Item *items, const char *r)
{
    int i = 0;
    for (const Item *it = items; it; it = it->next, i++) {
        if (!row_keeps(it))
            continue;
        if (it->agg == AGG_COUNT)
            cw_line(&b->w, "%s->val%d = !arg%d.null;", r, i, i);
        else
            cw_line(&b->w, "%s->val%d = arg%d;", r, i, i);
    }
}

void agg_emit_ckpt_row(Arena *a, CWriter *w, const Item *items, const char *r, bool restore)
{
    int i = 0;
    for (const Item *it = items; it; it = it->next, i++) {
        if (!row_keeps(it))
            continue;
        Field f = row_field(it);
        const char *v = arena_printf(a, "%s->val%d", r, i);
        cw_line(w, "%s", restore ? ckpt_get_field(a, &f, v) : ckpt_put_field(a, &f, v));
    }
}

/* dst takes the value of src: a sliding window's result borrows its panes'
 * strings; a session that absorbs another keeps copies of its own, as the
 * absorbed one frees its strings when its timer comes, and so does a sliding
 * window in the store, whose states read back live only for the call. */
static const char *copy(Arena *a, bool keep, const Item *it, const char *d, const char *v)
{
    if (keep && it->type == TY_STRING)
        return arena_printf(a, "{ flow_str_release(%s); %s = flow_str_keep(%s); }", d, d, v);
    return arena_printf(a, "%s = %s;", d, v);
}

void agg_emit_merge(Emitter *em, CWriter *w, const Item *items, bool session, bool keep)
{
    Arena *a = em->arena;
    int i = 0;
    bool used_first = false;
    for (const Item *it = items; it; it = it->next, i++) {
        const char *d = arena_printf(a, "dst->acc%d", i);
        const char *v = arena_printf(a, "src->acc%d", i);
        /* An aggregate that skips nulls merges only values, and its own
         * count of them says whether dst has one yet. */
        const char *first = "first";
        if (skips_nulls(it)) {
            cw_open(w, "if (src->acc%d_n > 0)", i);
            first = arena_printf(a, "dst->acc%d_n == 0", i);
        }
        switch (it->agg) {
        case AGG_COUNT: break;
        case AGG_SUM:
            if (it->type == TY_FLOAT64)
                cw_line(w, "%s += %s;", d, v);
            else
                cw_line(w, "%s = flow_i64_add(%s, %s);", d, d, v);
            break;
        case AGG_AVG: cw_line(w, "%s += %s;", d, v); break;
        case AGG_MIN:
        case AGG_MAX:
            cw_line(w, "if (%s || %s)", first, min_max_better(a, it, v, d));
            cw_line(w, "    %s", copy(a, keep, it, d, v));
            used_first |= !skips_nulls(it);
            break;
        /* Equal times are in the same pane: across panes they differ. */
        case AGG_FIRST:
        case AGG_LAST:
            cw_open(w, "if (%s || %s_ts %s %s_ts)", first, v, it->agg == AGG_FIRST ? "<" : ">",
                    d);
            cw_line(w, "%s", copy(a, keep, it, d, v));
            cw_line(w, "%s_ts = %s_ts;", d, v);
            cw_close(w, "");
            used_first |= !skips_nulls(it);
            break;
        case AGG_COUNT_DISTINCT: cw_line(w, "flow_distinct_merge(&%s, &%s);", d, v); break;
        case AGG_STDDEV_POP:
        case AGG_STDDEV_SAMP:
        case AGG_STDDEV:
        case AGG_VAR_POP:
        case AGG_VAR_SAMP:
        case AGG_VARIANCE: cw_line(w, "flow_moments_merge(&%s, &%s);", d, v); break;
        case AGG_PERCENTILE: cw_line(w, "flow_quantiles_merge(&%s, &%s);", d, v); break;
        /* In the order of time: a session's values after those of the
         * earlier one it absorbs, a window's after its earlier panes'. */
        case AGG_COLLECT_LIST:
            cw_line(w, "flow_list_%s(&%s, &%s);", session ? "prepend" : "append", d, v);
            break;
        /* On a tie the earlier pane or session wins: panes come oldest
         * first, and the session absorbed (src) is the earlier one. */
        case AGG_MAX_BY:
        case AGG_MIN_BY: {
            const char *db = arena_printf(a, "%s_by", d), *vb = arena_printf(a, "%s_by", v);
            if (session)
                cw_open(w, "if (%s || !(%s))", first, by_better(a, it, db, vb));
            else
                cw_open(w, "if (%s || %s)", first, by_better(a, it, vb, db));
            cw_line(w, "%s", copy(a, keep, it, d, v));
            if (keep && it->arg2->type == TY_STRING)
                cw_line(w, "{ flow_str_release(%s); %s = flow_str_keep(%s); }", db, db, vb);
            else
                cw_line(w, "%s = %s;", db, vb);
            cw_close(w, "");
            used_first |= !skips_nulls(it);
            break;
        }
        case AGG_UNKNOWN: break;
        }
        if (skips_nulls(it)) {
            cw_line(w, "%s_n += %s_n;", d, v);
            cw_close(w, "");
        }
    }
    if (!used_first)
        cw_line(w, "(void)first;");
}

void agg_emit_free_merged(CWriter *w, const Item *items, const char *s)
{
    int i = 0;
    for (const Item *it = items; it; it = it->next, i++)
        if (free_fn(it))
            cw_line(w, "%s(&%s.acc%d);", free_fn(it), s, i);
}

/* The moments' result function of flow/aggregate.h. */
static const char *moments_fn(const Item *it)
{
    switch (it->agg) {
    case AGG_STDDEV_POP: return "flow_moments_stddev_pop";
    case AGG_STDDEV_SAMP:
    case AGG_STDDEV: return "flow_moments_stddev_samp";
    case AGG_VAR_POP: return "flow_moments_var_pop";
    case AGG_VAR_SAMP:
    case AGG_VARIANCE: return "flow_moments_var_samp";
    case AGG_UNKNOWN:
    case AGG_COUNT:
    case AGG_SUM:
    case AGG_MIN:
    case AGG_MAX:
    case AGG_AVG:
    case AGG_FIRST:
    case AGG_LAST:
    case AGG_COUNT_DISTINCT:
    case AGG_PERCENTILE:
    case AGG_COLLECT_LIST:
    case AGG_MAX_BY:
    case AGG_MIN_BY: break;
    }
    return NULL;
}

/* The result of item i of the state `s`, given that it has one; `n` is the
 * count of its values. */
static const char *result_value(Arena *a, const Item *it, int i, const char *n)
{
    switch (it->agg) {
    case AGG_COUNT: return n;
    case AGG_AVG: return arena_printf(a, "s->acc%d / (double)%s", i, n);
    case AGG_COUNT_DISTINCT: return arena_printf(a, "s->acc%d.count", i);
    case AGG_STDDEV_POP:
    case AGG_STDDEV_SAMP:
    case AGG_STDDEV:
    case AGG_VAR_POP:
    case AGG_VAR_SAMP:
    case AGG_VARIANCE: return arena_printf(a, "%s(&s->acc%d)", moments_fn(it), i);
    case AGG_PERCENTILE: {
        const Expr *p = it->arg2;
        double v = p->kind == EX_INT ? (double)p->int_value : p->float_value;
        return arena_printf(a, "flow_quantiles_get(&s->acc%d, %.17g)", i, v);
    }
    case AGG_COLLECT_LIST: return arena_printf(a, "flow_list_json(&s->acc%d)", i);
    case AGG_SUM:
    case AGG_MIN:
    case AGG_MAX:
    case AGG_FIRST:
    case AGG_LAST:
    case AGG_MAX_BY:
    case AGG_MIN_BY:
    case AGG_UNKNOWN: break;
    }
    return arena_printf(a, "s->acc%d", i);
}

void agg_emit_results(Emitter *em, CWriter *w, const Item *items, const PlanType *out,
                      int first)
{
    Arena *a = em->arena;
    int i = 0, f = first;
    for (const Item *it = items; it; it = it->next, i++, f++) {
        const char *m = out->members[f];
        const char *n = skips_nulls(it) ? arena_printf(a, "s->acc%d_n", i) : "s->count";
        if (!it->optional) {
            cw_line(w, "rec.%s = %s;", m, result_value(a, it, i, n));
            continue;
        }
        /* The sample variance and deviation need two values. */
        const char *has = moments_fn(it) && it->agg != AGG_STDDEV_POP && it->agg != AGG_VAR_POP
                              ? arena_printf(a, "%s > 1", n)
                              : n;
        cw_line(w, "rec.%s = %s ? (%s){ %s, false } : (%s){ .null = true };", m, has,
                c_opt_type(it->type), result_value(a, it, i, n), c_opt_type(it->type));
    }
}

/* The put or get of an accumulator of flow/aggregate.h. */
static void emit_ckpt_runtime(CWriter *w, const char *kind, const char *acc, const Item *it,
                              bool restore)
{
    if (restore)
        cw_line(w, "flow_ckpt_get_%s(in, &%s); /* %s */", kind, acc, it->name);
    else
        cw_line(w, "flow_ckpt_put_%s(out, &%s); /* %s */", kind, acc, it->name);
}

void agg_emit_ckpt_values(Emitter *em, CWriter *w, const Item *items, const char *s,
                          bool restore)
{
    Arena *a = em->arena;
    const char *(*call)(Arena *, TypeKind, const char *) = restore ? ckpt_get_call : ckpt_put_call;
    int i = 0;
    for (const Item *it = items; it; it = it->next, i++) {
        const char *acc = arena_printf(a, "%s->acc%d", s, i);
        switch (it->agg) {
        case AGG_COUNT: break;
        case AGG_SUM:
        case AGG_MIN:
        case AGG_MAX: cw_line(w, "%s /* %s */", call(a, it->type, acc), it->name); break;
        case AGG_AVG: cw_line(w, "%s /* %s: the sum */", call(a, TY_FLOAT64, acc), it->name); break;
        case AGG_FIRST:
        case AGG_LAST:
            cw_line(w, "%s /* %s */", call(a, it->type, acc), it->name);
            cw_line(w, "%s", call(a, TY_TIMESTAMP, arena_printf(a, "%s_ts", acc)));
            break;
        case AGG_COUNT_DISTINCT:
            if (restore)
                cw_line(w, "flow_ckpt_get_distinct(in, &%s); /* %s */", acc, it->name);
            else
                cw_line(w, "flow_ckpt_put_distinct(out, &%s); /* %s */", acc, it->name);
            break;
        case AGG_STDDEV_POP:
        case AGG_STDDEV_SAMP:
        case AGG_STDDEV:
        case AGG_VAR_POP:
        case AGG_VAR_SAMP:
        case AGG_VARIANCE: emit_ckpt_runtime(w, "moments", acc, it, restore); break;
        case AGG_PERCENTILE: emit_ckpt_runtime(w, "quantiles", acc, it, restore); break;
        case AGG_COLLECT_LIST: emit_ckpt_runtime(w, "list", acc, it, restore); break;
        case AGG_MAX_BY:
        case AGG_MIN_BY:
            cw_line(w, "%s /* %s */", call(a, it->type, acc), it->name);
            cw_line(w, "%s /* %s: its y */",
                    call(a, it->arg2->type, arena_printf(a, "%s_by", acc)), it->name);
            break;
        case AGG_UNKNOWN: break;
        }
        if (skips_nulls(it))
            cw_line(w, "%s /* %s: the values that were not null */",
                    call(a, TY_INT64, arena_printf(a, "%s_n", acc)), it->name);
    }
}

/* ---- The last result emitted ---------------------------------------------------------- */

/* Field and member of rec for item i, whose results start at `first`. */
static const Field *last_field(const PlanType *out, int first, int i)
{
    return &out->schema->fields[first + i];
}

void agg_emit_last_members(CWriter *w, const Item *items, const PlanType *out, int first)
{
    int i = 0;
    for (const Item *it = items; it; it = it->next, i++)
        cw_line(w, "%s out%d; /* %s: the last result emitted%s */",
                field_c_type(last_field(out, first, i)), i, it->name,
                it->type == TY_STRING ? ", copied" : "");
}

/* Releases a kept copy of a result value. */
static void release_out(CWriter *w, const Field *f, const char *v)
{
    if (f->type == TY_STRING)
        cw_line(w, f->optional ? "flow_str_release(%s.v);" : "flow_str_release(%s);", v);
}

void agg_emit_last_release(Arena *a, CWriter *w, const Item *items, const PlanType *out,
                           int first, const char *s)
{
    int i = 0;
    for (const Item *it = items; it; it = it->next, i++)
        release_out(w, last_field(out, first, i), arena_printf(a, "%s->out%d", s, i));
}

/* The test that `x` and `y`, two values of field f, are the same result. */
static const char *same_value(Arena *a, const Field *f, const char *x, const char *y)
{
    if (!f->optional)
        return key_equal_test(a, f->type, x, y);
    return arena_printf(a, "(%s.null == %s.null && (%s.null || %s))", x, y, x,
                        key_equal_test(a, f->type, arena_printf(a, "%s.v", x),
                                       arena_printf(a, "%s.v", y)));
}

const char *agg_same_as_last(Arena *a, const Item *items, const PlanType *out, int first,
                             const char *s)
{
    const char *same = NULL;
    int i = 0;
    for (const Item *it = items; it; it = it->next, i++) {
        const char *eq = same_value(a, last_field(out, first, i),
                                    arena_printf(a, "rec.%s", out->members[first + i]),
                                    arena_printf(a, "%s->out%d", s, i));
        same = same ? arena_printf(a, "%s && %s", same, eq) : eq;
    }
    return same;
}

/* o = v, a copy of v's string. */
static void keep_value(CWriter *w, const Field *f, const char *o, const char *v)
{
    cw_line(w, "%s = %s;", o, v);
    if (f->type == TY_STRING)
        cw_line(w, f->optional ? "%s.v = flow_str_keep(%s.v);" : "%s = flow_str_keep(%s);", o, o);
}

void agg_emit_keep_last(Arena *a, CWriter *w, const Item *items, const PlanType *out, int first,
                        const char *s)
{
    int i = 0;
    for (const Item *it = items; it; it = it->next, i++) {
        const Field *f = last_field(out, first, i);
        const char *o = arena_printf(a, "%s->out%d", s, i);
        release_out(w, f, o);
        keep_value(w, f, o, arena_printf(a, "rec.%s", out->members[first + i]));
    }
}

void agg_emit_copy_last(Arena *a, CWriter *w, const Item *items, const PlanType *out, int first,
                        const char *dst, const char *src)
{
    int i = 0;
    for (const Item *it = items; it; it = it->next, i++)
        keep_value(w, last_field(out, first, i), arena_printf(a, "%s->out%d", dst, i),
                   arena_printf(a, "%s->out%d", src, i));
}

void agg_emit_ckpt_last(Arena *a, CWriter *w, const Item *items, const PlanType *out, int first,
                        const char *s, bool restore)
{
    int i = 0;
    for (const Item *it = items; it; it = it->next, i++) {
        const Field *f = last_field(out, first, i);
        const char *o = arena_printf(a, "%s->out%d", s, i);
        cw_line(w, "%s", restore ? ckpt_get_field(a, f, o) : ckpt_put_field(a, f, o));
    }
}
