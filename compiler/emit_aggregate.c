/* emit_aggregate.c: the accumulators of aggregate items (aggregates.h), one
 * case per aggregate in each step: the state struct's members, the update
 * by one record, the merge of two states (sliding windows' panes, merged
 * sessions), the result, the checkpoint's values, the release of what they
 * own. The window emitters (emit_window.c, emit_window_kv.c,
 * emit_window_ckpt.c) call them around their own state layout. */
#include "emit_aggregate.h"

/* The type of an aggregate's argument as evaluated (sum of an int32 is
 * summed in int64, avg in float64). */
static TypeKind arg_type(const Item *it)
{
    if (it->agg == AGG_SUM)
        return it->type;
    if (it->agg == AGG_AVG)
        return TY_FLOAT64;
    return it->expr ? it->expr->type : TY_INT64;
}

/* An aggregate of a value that may be null: it skips the nulls, counting
 * the other values in its accN_n (docs/language.md, "Optional fields"). */
static bool skips_nulls(const Item *it)
{
    return it->expr && it->expr->optional;
}

/* Whether the argument is evaluated: count(x) of an x that cannot be null
 * is count(). */
static bool has_argument(const Item *it)
{
    return it->expr && (it->agg != AGG_COUNT || skips_nulls(it));
}

/* Whether the accumulator holds a copied string. */
static bool holds_string(const Item *it)
{
    return it->agg != AGG_COUNT && it->agg != AGG_AVG && it->type == TY_STRING;
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
        case AGG_UNKNOWN: break;
        }
        if (skips_nulls(it))
            cw_line(w, "int64_t acc%d_n; /* %s: the values that were not null */", i, it->name);
    }
}

bool agg_owns_memory(const Item *items)
{
    for (const Item *it = items; it; it = it->next)
        if (it->agg == AGG_COUNT_DISTINCT || holds_string(it))
            return true;
    return false;
}

void agg_emit_release(CWriter *w, const Item *items, const char *s)
{
    int i = 0;
    for (const Item *it = items; it; it = it->next, i++) {
        if (it->agg == AGG_COUNT_DISTINCT)
            cw_line(w, "flow_distinct_free(&%s->acc%d);", s, i);
        else if (holds_string(it))
            cw_line(w, "flow_str_release(%s->acc%d);", s, i);
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
    int i = 0;
    for (const Item *it = items; it; it = it->next, i++)
        args[i] = has_argument(it) ? emit_expr(&x, it->expr, arg_type(it)) : NULL;
    note_expr_use(b, &x);
    line_to_flow(em, bw, loc);
    if (x.used_err)
        cw_line(bw, "const char *err = NULL;");
    declare_temps(b, &x);
    i = 0;
    for (const Item *it = items; it; it = it->next, i++)
        if (args[i])
            cw_line(bw, "%s arg%d = %s; /* %s */",
                    skips_nulls(it) ? c_opt_type(arg_type(it)) : c_type(arg_type(it)), i, args[i],
                    it->name);
    if (x.used_err)
        body_check_err(b, loc);
}

/* The test that the value `v` replaces the minimum or maximum `acc`: nan
 * above every number for float64 (docs/language.md, "Aggregates"), so that
 * records and panes may arrive in any order. */
static const char *min_max_better(Arena *a, const Item *it, const char *v, const char *acc)
{
    bool min = it->agg == AGG_MIN;
    switch (it->type) {
    case TY_STRING: return arena_printf(a, "flow_str_cmp(%s, %s) %s 0", v, acc, min ? "<" : ">");
    case TY_FLOAT64: return arena_printf(a, "flow_f64_%s(%s, %s)", min ? "below" : "above", v, acc);
    default: return arena_printf(a, "%s %s %s", v, min ? "<" : ">", acc);
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

/* One accumulator takes the argument value `v`; `fresh` is the C test
 * that it has none yet. */
static void emit_update(Body *b, const Item *it, int i, const char *v, const char *fresh)
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
    case AGG_LAST: return true;
    case AGG_COUNT:
    case AGG_SUM:
    case AGG_AVG:
    case AGG_COUNT_DISTINCT:
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
        if (!skips_nulls(it)) {
            emit_update(b, it, i, arena_printf(a, "arg%d", i), "fresh");
            uses_fresh |= update_uses_fresh(it);
            continue;
        }
        /* A null is skipped; the first value that is not is fresh. */
        cw_open(bw, "if (!arg%d.null)", i);
        emit_update(b, it, i, arena_printf(a, "arg%d.v", i),
                    arena_printf(a, "s->acc%d_n == 0", i));
        cw_line(bw, "s->acc%d_n++;", i);
        cw_close(bw, "");
    }
    if (!uses_fresh)
        cw_line(bw, "(void)fresh;");
}

/* dst takes the value of src: a sliding window's result borrows its panes'
 * strings; a session that absorbs another keeps copies of its own, as the
 * absorbed one frees its strings when its timer comes. */
static const char *copy(Arena *a, bool keep_strings, const Item *it, const char *d,
                        const char *v)
{
    if (keep_strings && it->type == TY_STRING)
        return arena_printf(a, "{ flow_str_release(%s); %s = flow_str_keep(%s); }", d, d, v);
    return arena_printf(a, "%s = %s;", d, v);
}

void agg_emit_merge(Emitter *em, CWriter *w, const Item *items, bool keep_strings)
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
            cw_line(w, "    %s", copy(a, keep_strings, it, d, v));
            used_first |= !skips_nulls(it);
            break;
        /* Equal times are in the same pane: across panes they differ. */
        case AGG_FIRST:
        case AGG_LAST:
            cw_open(w, "if (%s || %s_ts %s %s_ts)", first, v, it->agg == AGG_FIRST ? "<" : ">",
                    d);
            cw_line(w, "%s", copy(a, keep_strings, it, d, v));
            cw_line(w, "%s_ts = %s_ts;", d, v);
            cw_close(w, "");
            used_first |= !skips_nulls(it);
            break;
        case AGG_COUNT_DISTINCT: cw_line(w, "flow_distinct_merge(&%s, &%s);", d, v); break;
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
        if (it->agg == AGG_COUNT_DISTINCT)
            cw_line(w, "flow_distinct_free(&%s.acc%d);", s, i);
}

void agg_emit_results(Emitter *em, CWriter *w, const Item *items, const PlanType *out,
                      int first)
{
    Arena *a = em->arena;
    int i = 0, f = first;
    for (const Item *it = items; it; it = it->next, i++, f++) {
        const char *m = out->members[f];
        if (it->optional) {
            const char *v = it->agg == AGG_AVG
                                ? arena_printf(a, "s->acc%d / (double)s->acc%d_n", i, i)
                                : arena_printf(a, "s->acc%d", i);
            cw_line(w, "rec.%s = s->acc%d_n ? (%s){ %s, false } : (%s){ .null = true };", m, i,
                    c_opt_type(it->type), v, c_opt_type(it->type));
            continue;
        }
        switch (it->agg) {
        case AGG_COUNT:
            cw_line(w, skips_nulls(it) ? "rec.%s = s->acc%d_n;" : "rec.%s = s->count;", m, i);
            break;
        case AGG_AVG: cw_line(w, "rec.%s = s->acc%d / (double)s->count;", m, i); break;
        case AGG_COUNT_DISTINCT: cw_line(w, "rec.%s = s->acc%d.count;", m, i); break;
        case AGG_SUM:
        case AGG_MIN:
        case AGG_MAX:
        case AGG_FIRST:
        case AGG_LAST: cw_line(w, "rec.%s = s->acc%d;", m, i); break;
        case AGG_UNKNOWN: break;
        }
    }
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
        case AGG_UNKNOWN: break;
        }
        if (skips_nulls(it))
            cw_line(w, "%s /* %s: the values that were not null */",
                    call(a, TY_INT64, arena_printf(a, "%s_n", acc)), it->name);
    }
}
