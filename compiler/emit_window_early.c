/* emit_window_early.c: the C of a window's early results, `window ... emit
 * every D` (docs/language.md, "Early results"): the members each (key,
 * window) state adds, the changelog rows of its results, their checkpoint.
 *
 * A window with early results emits a changelog keyed by (key,
 * window_start): `+I` for the (key, window)'s first row, `+U` for each
 * later one whose result differs from the last that went out (kept in the
 * state, strings copied), at every tick of D (the watermark passing
 * k·D + D - 1ms, as emit_window.c's fire functions test) for a state that
 * took records since its last row (`dirty`), and when the window fires.
 * A session's start can move (an earlier record, a merge), and with it the
 * row's key: the row that went out under the old start is deleted (`-D`)
 * before the new one goes in (`+I`); of two sessions a record merges, the
 * merged one carries on the earlier's row and the later's is deleted.
 *
 * Every row goes through one function (names->row), which runs the
 * operators after the window on it. */
#include <inttypes.h>

#include "emit_window.h"
#include "emit_aggregate.h"

/* The result record's first aggregate field: after op, the key, the window. */
static int first_result(const WindowStage *n)
{
    return 1 + n->wop->nkey + 2;
}

/* The type that holds the last row: the state itself, or a sliding
 * window's row of the (key, window). */
static const char *last_type(const WindowStage *n)
{
    return n->sliding ? n->names->last : n->names->state;
}

void window_early_members(CWriter *w, const WindowStage *n)
{
    if (n->sliding)
        return; /* a pane's entry is part of several windows: their rows are the window end's */
    cw_line(w, "bool emitted;   /* a row of it went out: the next is an update (+U) */");
    cw_line(w, "bool dirty;     /* it took records since its last row */");
    if (n->session)
        cw_line(w, "int64_t out_start, out_end; /* the window of the last row */");
    agg_emit_last_members(w, n->items, n->aggregate->out, first_result(n));
}

void window_early_release(CWriter *w, const WindowStage *n, const char *s)
{
    if (n->sliding)
        return;
    agg_emit_last_release(n->arena, w, n->items, n->aggregate->out, first_result(n), s);
}

void window_early_ckpt_values(CWriter *w, const WindowStage *n, const char *s, bool restore)
{
    Arena *a = n->arena;
    if (n->sliding)
        return;
    const char *(*call)(Arena *, TypeKind, const char *) = restore ? ckpt_get_call : ckpt_put_call;
    cw_line(w, "%s", call(a, TY_BOOL, arena_printf(a, "%s->emitted", s)));
    cw_line(w, "%s", call(a, TY_BOOL, arena_printf(a, "%s->dirty", s)));
    if (n->session) {
        cw_line(w, "%s", call(a, TY_INT64, arena_printf(a, "%s->out_start", s)));
        cw_line(w, "%s", call(a, TY_INT64, arena_printf(a, "%s->out_end", s)));
    }
    agg_emit_ckpt_last(a, w, n->items, n->aggregate->out, first_result(n), s, restore);
}

/* The operators after the window, on one row `rec` with event time ts. */
static void emit_row_function(Emitter *em, CWriter *w, const PlanStage *st, const WindowStage *n)
{
    Body b;
    body_init(&b, em, n->aggregate->out, "rec->", "rec");
    emit_stage_rest(&b, st, 2);
    if (!b.used_ts)
        cw_line(&b.w, "(void)ts;");
    cw_blank(w);
    cw_comment(w, true, arena_printf(n->arena, "One row of the early results of the window at "
                                     "%s:%d, and the operators after it.",
                                     em->plan->flow_file, n->wop->loc.line));
    emit_body_function(w, arena_printf(n->arena, "static void %s(FlowRuntime *rt, const %s *rec, "
                                          "int64_t ts)", n->names->row,
                                       n->aggregate->out->cname), &b, false);
}

/* Sessions: `-D` of the last row of s, with the values it had. */
static void emit_retract_function(CWriter *w, const WindowStage *n, const char *name)
{
    const PlanType *out = n->aggregate->out;
    int f = 0;
    cw_blank(w);
    cw_comment(w, true, "The session's last row goes (-D): its start moved, or it was merged "
                        "into another session's row.");
    cw_line(w, "static void %s(FlowRuntime *rt, %s *s, int64_t ts)", name, n->names->state);
    open_block(w);
    cw_line(w, "%s rec;", out->cname);
    cw_line(w, "rec.%s = (FlowStr){ \"-D\", 2 };", out->members[f++]);
    for (int k = 0; k < n->wop->nkey; k++, f++)
        cw_line(w, "rec.%s = s->key%d;", out->members[f], k);
    cw_line(w, "rec.%s = s->out_start;", out->members[f++]);
    cw_line(w, "rec.%s = s->out_end;", out->members[f++]);
    for (int i = 0; f < out->schema->nfields; i++, f++)
        cw_line(w, "rec.%s = s->out%d;", out->members[f], i);
    cw_line(w, "s->emitted = false;");
    cw_line(w, "%s(rt, &rec, ts);", n->names->row);
    cw_close(w, "");
}

/* Sliding windows: the struct of a key's last row in one window, and the
 * function that finds it in (or adds it to) the window end's rows. */
static void emit_last_struct(Emitter *em, CWriter *w, const WindowStage *n)
{
    Arena *a = n->arena;
    const char *last = n->names->last;
    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "The last row of one key in one window of the sliding "
                                     "window at %s:%d, in the window end's rows.",
                                     em->plan->flow_file, n->wop->loc.line));
    cw_open(w, "typedef struct %s", last);
    cw_line(w, "uint64_t hash;  /* of the key; first, as flow_pane_add wants */");
    emit_key_members(w, n->window);
    cw_line(w, "bool emitted;   /* a row went out: the next is an update (+U) */");
    agg_emit_last_members(w, n->items, n->aggregate->out, first_result(n));
    cw_close(w, arena_printf(a, " %s;", last));

    const char *eq = NULL;
    for (int k = 0; k < n->wop->nkey; k++) {
        const char *t = key_equal_test(a, n->keytypes[k], arena_printf(a, "r->key%d", k),
                                       arena_printf(a, "probe->key%d", k));
        eq = eq ? arena_printf(a, "%s && %s", eq, t) : t;
    }
    cw_blank(w);
    cw_comment(w, true, "The last row of probe's key in window end w, made (keys copied) when "
                        "it has none.");
    cw_line(w, "static %s *%s(FlowWindowEnd *w, const %s *probe)", last, n->names->last_find,
            n->names->state);
    open_block(w);
    cw_line(w, "if (!w->rows)");
    cw_line(w, "    w->rows = flow_pane_alone(sizeof(%s));", last);
    cw_line(w, "%s *rows = (%s *)(void *)w->rows->entries;", last, last);
    cw_open(w, "for (uint64_t i = probe->hash & w->rows->mask;; i = (i + 1) & w->rows->mask)");
    cw_line(w, "%s *r = &rows[i];", last);
    cw_line(w, "if (r->hash == probe->hash%s%s)", eq ? " && " : "", eq ? eq : "");
    cw_line(w, "    return r;");
    cw_open(w, "if (!r->hash)");
    cw_line(w, "r = flow_pane_add(w->rows, i, probe->hash);");
    for (int k = 0; k < n->wop->nkey; k++)
        cw_line(w, n->keytypes[k] == TY_STRING ? "r->key%d = flow_str_keep(probe->key%d);"
                                               : "r->key%d = probe->key%d;", k, k);
    cw_line(w, "return r;");
    cw_close(w, "");
    cw_close(w, "");
    cw_close(w, "");
}

void window_early_rows_free(CWriter *w, const WindowStage *n, const char *end)
{
    cw_open(w, "if (%s->rows)", end);
    cw_open(w, "for (int64_t e = 0; e < %s->rows->count; e++)", end);
    cw_line(w, "%s *r = flow_pane_entry(%s->rows, e);", n->names->last, end);
    emit_key_release(w, n->keytypes, n->wop->nkey, "r");
    agg_emit_last_release(n->arena, w, n->items, n->aggregate->out, first_result(n), "r");
    cw_close(w, "");
    cw_line(w, "flow_pane_alone_free(%s->rows);", end);
    cw_close(w, "");
}

void window_early_put_rows(CWriter *w, const WindowStage *n)
{
    Arena *a = n->arena;
    cw_line(w, "flow_ckpt_put_i64(out, w->rows ? w->rows->count : 0);");
    cw_open(w, "for (int64_t e = 0; w->rows && e < w->rows->count; e++)");
    cw_line(w, "const %s *r = flow_pane_entry(w->rows, e);", n->names->last);
    emit_ckpt_put_key(a, w, n->keytypes, n->wop->nkey, "r");
    cw_line(w, "flow_ckpt_put_bool(out, r->emitted);");
    agg_emit_ckpt_last(a, w, n->items, n->aggregate->out, first_result(n), "r", false);
    cw_close(w, "");
}

void window_early_get_rows(CWriter *w, const WindowStage *n)
{
    Arena *a = n->arena;
    const PlanType *out = n->aggregate->out;
    const char *last = n->names->last;
    cw_comment(w, true, "Its rows, each read whole into a probe before it is placed: a key "
                        "named twice (a corrupt checkpoint) is let go.");
    cw_line(w, "int64_t nrows = flow_ckpt_get_count(in, INT32_MAX);");
    cw_open(w, "for (int64_t e = 0; e < nrows && !flow_ckpt_failed(in); e++)");
    cw_line(w, "%s read = { 0 }, *r = &read;", last);
    emit_ckpt_get_key(a, w, n->keytypes, n->wop->nkey, "r");
    cw_line(w, "r->emitted = flow_ckpt_get_bool(in);");
    agg_emit_ckpt_last(a, w, n->items, out, first_result(n), "r", true);
    cw_line(w, "%s probe = { 0 };", n->names->state);
    for (int k = 0; k < n->wop->nkey; k++)
        cw_line(w, "probe.key%d = r->key%d;", k, k);
    cw_line(w, "probe.hash = flow_inline_hash(%s(&probe));", n->names->hash);
    cw_line(w, "int64_t had = w->rows ? w->rows->count : 0;");
    cw_line(w, "%s *placed = %s(w, &probe);", last, n->names->last_find);
    cw_open(w, "if (w->rows->count == had)");
    emit_key_release(w, n->keytypes, n->wop->nkey, "r");
    agg_emit_last_release(a, w, n->items, out, first_result(n), "r");
    cw_line(w, "continue;");
    cw_close(w, "");
    emit_key_release(w, n->keytypes, n->wop->nkey, "r");
    cw_comment(w, true, "The find copied the key; the values move.");
    cw_line(w, "placed->emitted = r->emitted;");
    int i = 0;
    for (const Item *it = n->items; it; it = it->next, i++)
        cw_line(w, "placed->out%d = r->out%d;", i, i);
    cw_close(w, "");
}

void window_early_functions(Emitter *em, CWriter *w, const PlanStage *st, const WindowStage *n)
{
    Arena *a = n->arena;
    const PlanType *out = n->aggregate->out;
    int first = first_result(n);
    if (n->sliding)
        emit_last_struct(em, w, n);
    emit_row_function(em, w, st, n);
    const char *retract = n->session ? n->names->retract : NULL;
    if (retract)
        emit_retract_function(w, n, retract);

    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "The result so far of one (key, window) of the window at "
                                     "%s:%d, which starts at `start`, as a row with event time "
                                     "ts, unless it is the last row's.", em->plan->flow_file,
                                     n->wop->loc.line));
    cw_line(w, "static void %s(FlowRuntime *rt, const %s *s, %s *last, int64_t start, "
               "int64_t ts)", n->names->result, n->names->state, last_type(n));
    open_block(w);
    cw_line(w, "%s rec;", out->cname);
    int f = 1;
    for (int k = 0; k < n->wop->nkey; k++, f++)
        cw_line(w, "rec.%s = s->key%d;", out->members[f], k);
    cw_line(w, "rec.%s = start;", out->members[f++]);
    cw_line(w, "rec.%s = %s;", out->members[f++], window_end_of(n, "s", "start"));
    agg_emit_results(em, w, n->items, out, first);
    if (!n->sliding)
        cw_line(w, "last->dirty = false;");
    if (retract) {
        cw_line(w, "if (last->emitted && last->out_start != start)");
        cw_line(w, "    %s(rt, last, ts);", retract);
    }
    const char *same = agg_same_as_last(a, n->items, out, first, "last");
    cw_comment(w, true, "A result equal to the last row's is not emitted again.");
    cw_line(w, "if (last->emitted%s%s)", same ? " && " : "", same ? same : "");
    cw_line(w, "    return;");
    agg_emit_keep_last(a, w, n->items, out, first, "last");
    if (retract) {
        cw_line(w, "last->out_start = start;");
        cw_line(w, "last->out_end = rec.%s;", out->members[first - 1]);
    }
    cw_line(w, "rec.%s = last->emitted ? (FlowStr){ \"+U\", 2 } : (FlowStr){ \"+I\", 2 };",
            out->members[0]);
    cw_line(w, "last->emitted = true;");
    cw_line(w, "%s(rt, &rec, ts);", n->names->row);
    cw_close(w, "");
}

void window_early_merge(CWriter *w, const WindowStage *n)
{
    const PlanType *out = n->aggregate->out;
    int first = first_result(n);
    cw_comment(w, true, "Early results: the merged session carries on the earlier one's row; "
                        "the later one's goes.");
    cw_line(w, "if (later->emitted)");
    cw_line(w, "    %s(rt, later, ts);", n->names->retract);
    agg_emit_last_release(n->arena, w, n->items, out, first, "later");
    agg_emit_copy_last(n->arena, w, n->items, out, first, "later", "s");
    cw_line(w, "later->emitted = s->emitted;");
    cw_line(w, "later->out_start = s->out_start;");
    cw_line(w, "later->out_end = s->out_end;");
}

void window_early_tick(CWriter *w, const WindowStage *n, const char *var, const char *start,
                       const char *fire_at, void (*rows)(CWriter *, const WindowStage *))
{
    cw_open(w, "if (time < %s)", fire_at);
    cw_comment(w, true, "A tick of the early results, while the window is open: the (key, "
                        "window)s whose result changed since their last row.");
    cw_line(w, "int64_t watermark = flow_operator_watermark(rt, %d);", n->op);
    cw_open(w, "if (watermark < %s)", fire_at);
    rows(w, n);
    cw_close(w, "");
    cw_line(w, "flow_timer_set(rt, %d, flow_early_tick(watermark, %s, %s, %s), %s);", n->op, start,
            dur_plus(n->arena, n->every, 0), fire_at, var);
    cw_line(w, "return;");
    cw_close(w, "");
}
