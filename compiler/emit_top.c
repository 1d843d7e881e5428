/* emit_top.c: the C of `top N by EXPR [asc|desc], ... [rank as NAME]`
 * (docs/language.md, "top"), with its checkpoint's snapshot and restore.
 *
 * Per partition (the key of op->key_fields: a window's start and end and
 * the fields of a `key by`, or the key in force) the generated code keeps
 * one malloc'd state in the operator's FlowTable: the partition's key
 * (strings copied), a counter that numbers its rows in arrival order, and
 * an array of rows best first. A row is a copy of the input record (strings
 * copied), its event time, its number, and the values of the order's
 * expressions. Rows compare by those values, then by number: of equal rows
 * the one that came first ranks first.
 *
 * Three shapes, which the checker tells apart (Op.top):
 * - windowed: over a window's results, the partition holds at most N rows
 *   and has a timer at its records' event time (window_end - 1ms); when it
 *   fires, its rows go out in rank order, `rank` 1..n, and it goes;
 * - updating over plain records: at most N rows; a record that ranks among
 *   them goes in at its place and every rank from there to the last one
 *   goes out again ("+I" for a rank that had no row, "+U" after), the row
 *   pushed past N is dropped;
 * - updating over a changelog (an updating aggregate's `op` first, rows
 *   keyed by the aggregate's key): every row key's latest row is kept, so
 *   that a row that moves down can be replaced from below; the ranks
 *   between its old and its new place go out, "-D" for a rank that has no
 *   row any more (a "-D" or "-U" input removes a row).
 * An updating partition has a timer at the end of time, which frees it at
 * the end of input; with `ttl T` instead at its latest record's time + T,
 * set again when it fires if a later record came, else the partition goes
 * without a row (as Flink's state TTL), so that a stream of ever new
 * partitions keeps only the live ones. */
#include <inttypes.h>

#include "emit_impl.h"
#include "explain.h"

/* What the emitter knows of one top stage. */
typedef struct TopStage {
    Emitter *em;
    Arena *arena;
    const PlanStage *st;
    const PlanStageNames *names;
    const PlanNode *node;
    const Op *op;
    const PlanType *in;
    const TypeKind *keytypes;
    int nkey;
    int opi;
    int64_t n;
    bool windowed, changelog;
    bool ttl;                   /* `ttl T`: T, as C */
    const char *ttl_ms;
    const char *row;            /* the C type of a row */
} TopStage;

static TopStage top_stage(Emitter *em, const PlanStage *st)
{
    TopStage t = { 0 };
    t.em = em;
    t.arena = em->arena;
    t.st = st;
    t.names = st->names;
    t.node = st->nodes[0];
    t.op = t.node->op;
    t.in = t.node->in;
    t.keytypes = key_types(em, t.node);
    t.nkey = t.op->nkey;
    t.opi = st->op_index;
    t.n = t.op->top.n;
    t.windowed = t.op->top.windowed;
    t.changelog = t.op->top.changelog;
    t.row = st->names->row;
    t.ttl = t.op->update.has_ttl;
    if (t.ttl)
        t.ttl_ms = dur_plus(t.arena, dur_c(em, &t.op->update.ttl), 0);
    return t;
}

/* The order's keys, as an array. */
static const TopKey *top_key(const TopStage *t, int k)
{
    const TopKey *key = t->op->top.keys;
    while (k-- > 0)
        key = key->next;
    return key;
}

/* `dst = src` of a string value that state keeps (a copy), for a field
 * (optional or not) or a plain string. */
static void keep_string(CWriter *w, bool optional, const char *v)
{
    cw_line(w, optional ? "%s.v = flow_str_keep(%s.v);" : "%s = flow_str_keep(%s);", v, v);
}

static void release_string(CWriter *w, bool optional, const char *v)
{
    cw_line(w, optional ? "flow_str_release(%s.v);" : "flow_str_release(%s);", v);
}

/* The copies of the strings of row `r` (a pointer), taken or given back. */
static void emit_row_strings(CWriter *w, const TopStage *t, const char *r, bool keep)
{
    Arena *a = t->arena;
    const Schema *s = t->in->schema;
    for (int i = 0; i < s->nfields; i++)
        if (s->fields[i].type == TY_STRING) {
            const char *v = arena_printf(a, "%s->rec.%s", r, t->in->members[i]);
            if (keep)
                keep_string(w, s->fields[i].optional, v);
            else
                release_string(w, s->fields[i].optional, v);
        }
    for (int k = 0; k < t->op->top.nkeys; k++)
        if (top_key(t, k)->expr->type == TY_STRING) {
            const char *v = arena_printf(a, "%s->ord%d", r, k);
            if (keep)
                keep_string(w, false, v);
            else
                release_string(w, false, v);
        }
}

/* The comparison of two values of type t, as -1, 0 or 1: `nan` above every
 * number (docs/language.md, "top"), strings as bytes. */
static const char *compare_values(Arena *a, TypeKind t, const char *x, const char *y)
{
    switch (t) {
    case TY_STRING: return arena_printf(a, "flow_str_cmp(%s, %s)", x, y);
    case TY_FLOAT64:
        return arena_printf(a, "(%s != %s || %s != %s ? (int)(%s != %s) - (int)(%s != %s) "
                            ": (int)(%s > %s) - (int)(%s < %s))", x, x, y, y, x, x, y, y, x, y,
                            x, y);
    default: return arena_printf(a, "(int)(%s > %s) - (int)(%s < %s)", x, y, x, y);
    }
}

static void emit_types(CWriter *w, const TopStage *t)
{
    Emitter *em = t->em;
    Arena *a = t->arena;
    const char *state = t->names->state;
    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "A row of the top at %s:%d: the record, its strings "
                                     "copied, and the values it is ordered by.",
                                     em->plan->flow_file, t->op->loc.line));
    cw_open(w, "typedef struct %s", t->row);
    cw_line(w, "%s rec;", t->in->cname);
    cw_line(w, "int64_t ts;       /* its event time */");
    cw_line(w, "uint64_t seq;     /* its number in arrival order: of equal rows the first "
               "ranks first */");
    for (int k = 0; k < t->op->top.nkeys; k++) {
        const TopKey *key = top_key(t, k);
        cw_line(w, "%s ord%d; /* %s%s */", c_type(key->expr->type), k,
                expr_text(a, key->expr), key->desc ? " desc" : "");
    }
    cw_close(w, arena_printf(a, " %s;", t->row));

    cw_blank(w);
    cw_comment(w, true, t->changelog
        ? "State of the top per partition: every row key's latest row, best first."
        : arena_printf(a, "State of the top per partition: its best %" PRId64 " rows, best "
                          "first.", t->n));
    cw_open(w, "typedef struct %s", state);
    cw_line(w, "uint64_t hash;");
    emit_key_members(w, t->node);
    cw_line(w, "uint64_t next_seq; /* the number of the next row */");
    if (t->ttl)
        cw_line(w, "int64_t latest;   /* ttl: the latest event time of its records */");
    cw_line(w, "int64_t n, cap;");
    cw_line(w, "%s *rows;", t->row);
    cw_close(w, arena_printf(a, " %s;", state));

    cw_blank(w);
    emit_state_hash(em, w, t->names->hash, state, t->keytypes, t->nkey, NULL);
    cw_blank(w);
    emit_state_match(em, w, t->names->match, state, t->keytypes, t->nkey, NULL, false);

    cw_blank(w);
    cw_comment(w, true, "The order of two rows by their values alone: < 0 when x ranks first.");
    cw_line(w, "static int %s_order(const %s *x, const %s *y)", t->row, t->row, t->row);
    open_block(w);
    cw_line(w, "int c;");
    for (int k = 0; k < t->op->top.nkeys; k++) {
        const TopKey *key = top_key(t, k);
        const char *c = compare_values(a, key->expr->type, arena_printf(a, "x->ord%d", k),
                                       arena_printf(a, "y->ord%d", k));
        cw_line(w, key->desc ? "c = -(%s);" : "c = %s;", c);
        cw_line(w, "if (c)");
        cw_line(w, "    return c;");
    }
    cw_line(w, "return 0;");
    cw_close(w, "");

    cw_blank(w);
    cw_comment(w, true, "The place of row r among the rows of s: after every row that ranks "
                        "before it or equal (which came first).");
    cw_line(w, "static int64_t %s_place(const %s *s, const %s *r)", t->row, state, t->row);
    open_block(w);
    cw_line(w, "int64_t lo = 0, hi = s->n;");
    cw_open(w, "while (lo < hi)");
    cw_line(w, "int64_t mid = lo + (hi - lo) / 2;");
    cw_line(w, "int c = %s_order(&s->rows[mid], r);", t->row);
    cw_line(w, "if (c < 0 || (c == 0 && s->rows[mid].seq < r->seq))");
    cw_line(w, "    lo = mid + 1;");
    cw_line(w, "else");
    cw_line(w, "    hi = mid;");
    cw_close(w, "");
    cw_line(w, "return lo;");
    cw_close(w, "");

    cw_blank(w);
    cw_comment(w, true, "Gives back the strings a row keeps.");
    cw_line(w, "static void %s_drop(%s *r)", t->row, t->row);
    open_block(w);
    bool any = false;
    for (int i = 0; i < t->in->schema->nfields; i++)
        any |= t->in->schema->fields[i].type == TY_STRING;
    for (int k = 0; k < t->op->top.nkeys; k++)
        any |= top_key(t, k)->expr->type == TY_STRING;
    if (!any)
        cw_line(w, "(void)r;");
    emit_row_strings(w, t, "r", false);
    cw_close(w, "");

    cw_blank(w);
    cw_comment(w, true, "Row r (its strings kept) goes in at place `at`.");
    cw_line(w, "static void %s_put(%s *s, int64_t at, const %s *r)", t->row, state, t->row);
    open_block(w);
    cw_open(w, "if (s->n == s->cap)");
    cw_line(w, "int64_t cap = s->cap ? 2 * s->cap : %s;",
            t->changelog ? "4" : arena_printf(a, "%" PRId64, t->n < 4 ? t->n : 4));
    if (!t->changelog)
        cw_line(w, "cap = cap > %" PRId64 " ? %" PRId64 " : cap;", t->n, t->n);
    cw_line(w, "%s *rows = flow_state_alloc(sizeof *rows * (size_t)cap);", t->row);
    cw_line(w, "if (s->n)");
    cw_line(w, "    memcpy(rows, s->rows, sizeof *rows * (size_t)s->n);");
    cw_line(w, "flow_state_free(s->rows);");
    cw_line(w, "s->rows = rows;");
    cw_line(w, "s->cap = cap;");
    cw_close(w, "");
    cw_line(w, "memmove(&s->rows[at + 1], &s->rows[at], sizeof *s->rows * (size_t)(s->n - at));");
    cw_line(w, "s->rows[at] = *r;");
    cw_line(w, "s->n++;");
    cw_close(w, "");

    cw_blank(w);
    cw_comment(w, true, "Frees a partition with its rows.");
    cw_line(w, "static void %s(void *item)", t->names->release);
    open_block(w);
    cw_line(w, "%s *s = item;", state);
    cw_line(w, "for (int64_t i = 0; i < s->n; i++)");
    cw_line(w, "    %s_drop(&s->rows[i]);", t->row);
    cw_line(w, "flow_state_free(s->rows);");
    emit_key_release(w, t->keytypes, t->nkey, "s");
    cw_line(w, "flow_state_free(s);");
    cw_close(w, "");
}

/* One row out, with its rank (0-based `rank`, written 1-based) and, for an
 * updating top, its row kind; then the operators after the top. */
static void emit_result_function(CWriter *w, const TopStage *t)
{
    Arena *a = t->arena;
    const PlanType *out = t->node->out;
    Body b;
    body_init(&b, t->em, out, "rec.", "&rec");
    CWriter *bw = &b.w;
    cw_line(bw, "%s rec;", out->cname);
    int f = 0;
    if (!t->windowed)
        cw_line(bw, "rec.%s = kind;", out->members[f++]);
    for (int i = t->changelog ? 1 : 0; i < t->in->schema->nfields; i++)
        cw_line(bw, "rec.%s = r->rec.%s;", out->members[f++], t->in->members[i]);
    cw_line(bw, "rec.%s = rank + 1;", out->members[f]);
    emit_stage_rest(&b, t->st, 1);
    if (!b.used_ts)
        cw_line(bw, "(void)ts;");

    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "A row of the top at %s:%d at its rank, and the "
                                     "operators after it.", t->em->plan->flow_file,
                                     t->op->loc.line));
    const char *sig = t->windowed
        ? arena_printf(a, "static void %s(FlowRuntime *rt, const %s *r, int64_t rank, "
                          "int64_t ts)", t->names->result, t->row)
        : arena_printf(a, "static void %s(FlowRuntime *rt, const %s *r, int64_t rank, "
                          "FlowStr kind, int64_t ts)", t->names->result, t->row);
    emit_body_function(w, sig, &b, false);
}

static void emit_fire(CWriter *w, const TopStage *t)
{
    cw_blank(w);
    cw_comment(w, true, t->windowed
        ? "The partition's window fired (its timer is at the window's end - 1ms): its rows go "
          "out in rank order, then it goes."
        : t->ttl ? "The partition's ttl after its latest record at the time it was set: "
                   "set again if a later record came, else (or at the end of input) the "
                   "partition goes, without a row."
                 : "The end of input: the partition goes.");
    cw_line(w, "static void %s(FlowRuntime *rt, void *item, int64_t time)", t->names->fire);
    open_block(w);
    cw_line(w, "%s *s = item;", t->names->state);
    if (t->windowed) {
        cw_line(w, "for (int64_t i = 0; i < s->n; i++)");
        cw_line(w, "    %s(rt, &s->rows[i], i, time);", t->names->result);
    } else if (t->ttl) {
        cw_line(w, "int64_t until = flow_time_add(s->latest, %s);", t->ttl_ms);
        emit_timer_again(w, "until > time", t->opi, "until", "s", true);
    } else {
        cw_line(w, "(void)time;");
    }
    cw_line(w, "flow_table_remove(flow_state_table(rt, %d), s->hash, s);", t->opi);
    cw_line(w, "%s(s);", t->names->release);
    cw_close(w, "");
}

/* The test that row `r` (a pointer) has the row key of the record `in`. */
static const char *row_key_test(const TopStage *t)
{
    Arena *a = t->arena;
    const char *test = NULL;
    for (int k = 0; k < t->op->top.nrow_key; k++) {
        int i = t->op->top.row_key[k];
        const Field *f = &t->in->schema->fields[i];
        const char *x = arena_printf(a, "r->rec.%s", t->in->members[i]);
        const char *y = arena_printf(a, "in->%s", t->in->members[i]);
        const char *eq = f->optional
            ? arena_printf(a, "(%s.null == %s.null && (%s.null || %s))", x, y, x,
                           key_equal_test(a, f->type, arena_printf(a, "%s.v", x),
                                          arena_printf(a, "%s.v", y)))
            : key_equal_test(a, f->type, x, y);
        test = test ? arena_printf(a, "%s && %s", test, eq) : eq;
    }
    return test ? test : "true";
}

/* An updating top over plain records: the new row goes in when it ranks
 * among the best N, and the ranks from its place on go out again. */
static void emit_append_update(CWriter *bw, const TopStage *t)
{
    if (!t->windowed)
        cw_line(bw, "int64_t before = s->n;");
    cw_line(bw, "int64_t at = %s_place(s, &row);", t->row);
    cw_line(bw, "if (at >= %" PRId64 ")", t->n);
    cw_line(bw, "    return; /* not among the best: nothing changes */");
    cw_open(bw, "if (s->n == %" PRId64 ")", t->n);
    cw_comment(bw, true, "The last row is pushed out: its rank goes to the row before it.");
    cw_line(bw, "%s_drop(&s->rows[s->n - 1]);", t->row);
    cw_line(bw, "s->n--;");
    cw_close(bw, "");
    emit_row_strings(bw, t, "(&row)", true);
    cw_line(bw, "%s_put(s, at, &row);", t->row);
    if (t->windowed)
        return;
    cw_line(bw, "for (int64_t r = at; r < s->n; r++)");
    cw_line(bw, "    %s(rt, &s->rows[r], r, r < before ? (FlowStr){ \"+U\", 2 } : "
                "(FlowStr){ \"+I\", 2 }, ts);", t->names->result);
}

/* An updating top over a changelog: the row key's row moves (or goes),
 * and the ranks between its old and its new place go out again. */
static void emit_changelog_update(CWriter *bw, const TopStage *t)
{
    const char *row = t->row, *result = t->names->result;
    const char *kind = arena_printf(t->arena, "in->%s", t->in->members[0]);
    cw_line(bw, "bool removes = flow_str_eq(%s, (FlowStr){ \"-D\", 2 }) || "
                "flow_str_eq(%s, (FlowStr){ \"-U\", 2 });", kind, kind);
    cw_line(bw, "int64_t old = -1;");
    cw_open(bw, "for (int64_t i = 0; i < s->n && old < 0; i++)");
    cw_line(bw, "const %s *r = &s->rows[i];", row);
    cw_line(bw, "if (%s)", row_key_test(t));
    cw_line(bw, "    old = i;");
    cw_close(bw, "");
    cw_line(bw, "if (old < 0 && removes)");
    cw_line(bw, "    return;");
    cw_open(bw, "if (old >= 0 && !removes && %s_order(&s->rows[old], &row) == 0)", row);
    cw_comment(bw, true, "The same values: the row keeps its place (and its number).");
    cw_line(bw, "row.seq = s->rows[old].seq;");
    emit_row_strings(bw, t, "(&row)", true);
    cw_line(bw, "%s_drop(&s->rows[old]);", row);
    cw_line(bw, "s->rows[old] = row;");
    cw_line(bw, "if (old < %" PRId64 ")", t->n);
    cw_line(bw, "    %s(rt, &s->rows[old], old, (FlowStr){ \"+U\", 2 }, ts);", result);
    cw_line(bw, "return;");
    cw_close(bw, "");
    cw_line(bw, "int64_t before = s->n;");
    cw_line(bw, "%s gone;", row);
    cw_open(bw, "if (old >= 0)");
    cw_line(bw, "gone = s->rows[old];");
    cw_line(bw, "memmove(&s->rows[old], &s->rows[old + 1], sizeof *s->rows * "
                "(size_t)(s->n - old - 1));");
    cw_line(bw, "s->n--;");
    cw_close(bw, "");
    cw_open(bw, "if (removes)");
    cw_comment(bw, true, "The rows below move up a rank; when the top had no row below the "
                         "N-th, its last rank goes (-D, with the row that held it).");
    cw_line(bw, "for (int64_t r = old; r < s->n && r < %" PRId64 "; r++)", t->n);
    cw_line(bw, "    %s(rt, &s->rows[r], r, (FlowStr){ \"+U\", 2 }, ts);", result);
    cw_line(bw, "if (before <= %" PRId64 ")", t->n);
    cw_line(bw, "    %s(rt, old == before - 1 ? &gone : &s->rows[before - 2], before - 1, "
                "(FlowStr){ \"-D\", 2 }, ts);", result);
    cw_line(bw, "%s_drop(&gone);", row);
    cw_line(bw, "return;");
    cw_close(bw, "");
    emit_row_strings(bw, t, "(&row)", true);
    cw_line(bw, "int64_t at = %s_place(s, &row);", row);
    cw_line(bw, "%s_put(s, at, &row);", row);
    cw_line(bw, "int64_t lo = old >= 0 && old < at ? old : at;");
    cw_line(bw, "int64_t hi = old > at ? old : old >= 0 ? at : s->n - 1;");
    cw_line(bw, "for (int64_t r = lo; r <= hi && r < %" PRId64 "; r++)", t->n);
    cw_line(bw, "    %s(rt, &s->rows[r], r, r < before ? (FlowStr){ \"+U\", 2 } : "
                "(FlowStr){ \"+I\", 2 }, ts);", result);
    cw_line(bw, "if (old >= 0)");
    cw_line(bw, "    %s_drop(&gone);", row);
}

static void emit_input(CWriter *w, const TopStage *t)
{
    Emitter *em = t->em;
    Arena *a = t->arena;
    const char *state = t->names->state;
    Body b;
    body_init(&b, em, t->in, "in->", "in");
    CWriter *bw = &b.w;
    b.used_rt = b.used_ts = b.used_in = true;
    emit_loc_comment(em, bw, t->op->loc, op_text(a, t->op));
    line_to_flow(em, bw, t->op->loc);
    EmitExpr x = expr_context(&b, t->in);
    int nkeys = t->op->top.nkeys;
    const char **ords = arena_alloc(a, sizeof *ords * (size_t)nkeys);
    for (int k = 0; k < nkeys; k++) {
        const Expr *e = top_key(t, k)->expr;
        ords[k] = emit_expr(&x, e, e->type);
    }
    note_expr_use(&b, &x);
    if (x.used_err)
        cw_line(bw, "const char *err = NULL;");
    declare_temps(&b, &x);
    cw_line(bw, "%s row;", t->row);
    cw_line(bw, "row.rec = *in;");
    cw_line(bw, "row.ts = ts;");
    for (int k = 0; k < nkeys; k++)
        cw_line(bw, "row.ord%d = %s;", k, ords[k]);
    if (x.used_err)
        body_check_err(&b, t->op->loc);
    cw_line(bw, "%s probe;", state);
    emit_key_probe(&b, t->node);
    cw_line(bw, "uint64_t hash = %s(&probe);", t->names->hash);
    cw_line(bw, "FlowTable *table = flow_state_table(rt, %d);", t->opi);
    cw_line(bw, "%s *s = flow_table_find(table, hash, %s, &probe);", state, t->names->match);
    cw_open(bw, "if (!s)");
    cw_line(bw, "s = flow_state_alloc(sizeof *s);");
    cw_line(bw, "s->hash = hash;");
    emit_key_keep(bw, t->keytypes, t->nkey);
    cw_line(bw, "flow_table_insert(table, hash, s);");
    if (t->windowed) {
        cw_comment(bw, true, "The window's rows all have its end - 1ms as their time.");
        cw_line(bw, "flow_timer_set(rt, %d, ts, s);", t->opi);
    } else if (t->ttl) {
        cw_line(bw, "s->latest = ts;");
        cw_line(bw, "flow_timer_set(rt, %d, flow_time_add(ts, %s), s);", t->opi, t->ttl_ms);
    } else {
        cw_comment(bw, true, "An updating top keeps its partitions to the end of input.");
        cw_line(bw, "flow_timer_set(rt, %d, FLOW_TIME_MAX, s);", t->opi);
    }
    cw_close(bw, "");
    if (t->ttl) {
        cw_line(bw, "if (ts > s->latest)");
        cw_line(bw, "    s->latest = ts;");
    }
    cw_line(bw, "row.seq = s->next_seq++;");
    if (t->changelog)
        emit_changelog_update(bw, t);
    else
        emit_append_update(bw, t);
    line_back(em, bw);

    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "Stage %d: the top of stream %s (%s:%d). One record "
                                     "in: its partition's top is updated.", t->st->id,
                                     t->st->stream->name, em->plan->flow_file,
                                     t->op->loc.line));
    emit_body_function(w, stage_signature(em, t->st), &b, true);
}

void emit_top_stage(Emitter *em, CWriter *w, const PlanStage *st)
{
    TopStage t = top_stage(em, st);
    emit_types(w, &t);
    emit_result_function(w, &t);
    emit_fire(w, &t);
    emit_input(w, &t);
}

/* The values of row `r` (a pointer) in the order the restore reads them. */
static void emit_ckpt_row(CWriter *w, const TopStage *t, bool restore)
{
    Arena *a = t->arena;
    const char *(*call)(Arena *, TypeKind, const char *) = restore ? ckpt_get_call : ckpt_put_call;
    cw_line(w, "%s", call(a, TY_INT64, "r->ts"));
    cw_line(w, "%s", call(a, TY_INT64, restore ? "int64_t seq" : "(int64_t)r->seq"));
    if (restore)
        cw_line(w, "r->seq = (uint64_t)seq;");
    const Schema *s = t->in->schema;
    for (int i = 0; i < s->nfields; i++) {
        const char *v = arena_printf(a, "r->rec.%s", t->in->members[i]);
        cw_line(w, "%s", restore ? ckpt_get_field(a, &s->fields[i], v)
                                 : ckpt_put_field(a, &s->fields[i], v));
    }
    for (int k = 0; k < t->op->top.nkeys; k++)
        cw_line(w, "%s", call(a, top_key(t, k)->expr->type, arena_printf(a, "r->ord%d", k)));
}

void emit_top_snapshot(Emitter *em, CWriter *w, const PlanStage *st)
{
    TopStage t = top_stage(em, st);
    Arena *a = em->arena;
    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "Checkpoint of the top at %s:%d: the number of "
                                     "partitions, then each in the firing order of their "
                                     "timers: the timer's time, the key, the number of the "
                                     "next row, and the rows best first (time, number, "
                                     "fields, order values).", em->plan->flow_file,
                                     t.op->loc.line));
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptOut *out)", st->names->snapshot);
    open_block(w);
    cw_line(w, "int64_t n;");
    cw_line(w, "FlowTimerRef *timers = flow_timers_pending(rt, op, &n);");
    cw_line(w, "flow_ckpt_put_i64(out, n);");
    cw_open(w, "for (int64_t i = 0; i < n; i++)");
    cw_line(w, "const %s *s = timers[i].item;", st->names->state);
    cw_line(w, "flow_ckpt_put_i64(out, timers[i].time);");
    emit_ckpt_put_key(a, w, t.keytypes, t.nkey, "s");
    cw_line(w, "flow_ckpt_put_i64(out, (int64_t)s->next_seq);");
    if (t.ttl)
        cw_line(w, "flow_ckpt_put_i64(out, s->latest);");
    cw_line(w, "flow_ckpt_put_i64(out, s->n);");
    cw_open(w, "for (int64_t k = 0; k < s->n; k++)");
    cw_line(w, "const %s *r = &s->rows[k];", t.row);
    emit_ckpt_row(w, &t, false);
    cw_close(w, "");
    cw_close(w, "");
    cw_line(w, "flow_state_free(timers);");
    cw_close(w, "");
}

void emit_top_restore(Emitter *em, CWriter *w, const PlanStage *st)
{
    TopStage t = top_stage(em, st);
    Arena *a = em->arena;
    const char *state = st->names->state;
    cw_blank(w);
    cw_comment(w, true, "Builds the top's partitions again from its checkpoint, in the order "
                        "written, each in the table with its timer.");
    cw_line(w, "static void %s(FlowRuntime *rt, int op, FlowCkptIn *in)", st->names->restore);
    open_block(w);
    cw_line(w, "FlowTable *table = flow_state_table(rt, op);");
    cw_line(w, "int64_t n = flow_ckpt_get_count(in, INT64_MAX);");
    cw_open(w, "for (int64_t i = 0; i < n && !flow_ckpt_failed(in); i++)");
    cw_line(w, "int64_t time = flow_ckpt_get_i64(in);");
    cw_line(w, "%s *s = flow_state_alloc(sizeof *s);", state);
    emit_ckpt_get_key(a, w, t.keytypes, t.nkey, "s");
    cw_line(w, "s->next_seq = (uint64_t)flow_ckpt_get_i64(in);");
    if (t.ttl)
        cw_line(w, "s->latest = flow_ckpt_get_i64(in);");
    cw_line(w, "int64_t rows = flow_ckpt_get_count(in, %s);",
            t.changelog ? "INT64_MAX / (int64_t)sizeof *s->rows"
                        : arena_printf(a, "%" PRId64, t.n));
    cw_open(w, "for (int64_t k = 0; k < rows && !flow_ckpt_failed(in); k++)");
    cw_line(w, "%s row = { 0 }, *r = &row;", t.row);
    emit_ckpt_row(w, &t, true);
    cw_line(w, "%s_put(s, s->n, r);", t.row);
    cw_close(w, "");
    cw_line(w, "s->hash = %s(s);", st->names->hash);
    cw_line(w, "flow_table_insert(table, s->hash, s);");
    cw_line(w, "flow_timer_set(rt, op, time, s);");
    cw_close(w, "");
    cw_close(w, "");
}
