/* emit_window.c: the C of a `[key by K |] window tumbling D [lateness L]
 * [late as NAME] | aggregate ...` stage, and of `window sliding SIZE every
 * SLIDE [late as NAME]` and `window session gap G [late as NAME]`
 * (LANGUAGE.md §5, §6.2).
 *
 * Per window stage the generated file has:
 * - a state struct: one per (key, window), malloc'd, holding the hash, the
 *   window start, whether it fired, the key fields (strings copied), the
 *   record count and one accumulator per aggregate; every aggregate is
 *   updated record by record, nothing is buffered;
 * - a hash and a match function over the key's own types, for the runtime's
 *   FlowTable (flow/state.h);
 * - the stage function: the record's window, the late test against the
 *   operator's watermark, the aggregate arguments, find or make the state,
 *   update it, and with lateness an updated result when it already fired;
 * - a fire function, called by the runtime's timers: at end - 1ms it emits
 *   the result; at end - 1ms + L (the same call when L is 0) it frees the
 *   state;
 * - a result function: builds the aggregate's record (event time
 *   window_end - 1ms) and runs the rest of the stage on it.
 *
 * Order of results: by the time their window fires, then in the order the
 * (key, window) got its first record (timers with equal times fire in the
 * order they were set).
 *
 * A sliding window keeps its state per (key, pane), a pane being
 * gcd(SIZE, SLIDE) ms, so a record updates one state whatever SIZE / SLIDE
 * is, and the windows share the panes' partial aggregates. A pane's timer
 * walks through the ends of the windows that hold it; at each, the first
 * of the key's panes in that window to fire merges them into the result.
 * A pane goes when the last window holding it has fired. Records go to the
 * windows holding them that have not fired yet; a record for which all of
 * them have fired is late.
 *
 * A session window keeps one state per (key, open session), in a list per
 * key ordered by start whose head is in the table. A record joins the
 * sessions its own [ts, ts + G) overlaps; when it bridges two, the later is
 * merged into the earlier and marked dead, and its pending timer only frees
 * it (a timer cannot be taken back). The timer of a session that grew is
 * set again at its new end - 1ms when it comes. */
#include <inttypes.h>
#include <string.h>

#include "emit_impl.h"
#include "explain.h"

/* Names of one window stage's C pieces. */
typedef struct WindowNames {
    int op;                 /* index in the FlowOperatorDef array */
    const char *state, *hash, *match, *fire, *release, *result, *merge;
    bool sliding, session;
    int64_t gap;            /* session windows */
    int64_t size, slide;    /* tumbling: slide == size */
    int64_t pane;           /* the state's time span: gcd(size, slide) */
    const PlanNode *window, *aggregate;
    const Op *wop;
    const Item *items;
    bool results;           /* someone reads the results */
} WindowNames;

bool stage_is_window(const PlanStage *st)
{
    return st->stateful && st->nodes[0]->op->kind == OP_WINDOW;
}

bool stage_is_dedupe(const PlanStage *st)
{
    return st->stateful && st->nodes[0]->op->kind == OP_DEDUPE;
}

bool stage_emitted(const PlanStage *st)
{
    return st->live || (stage_is_window(st) && st->nodes[0]->live);
}

bool stage_has_operator(const PlanStage *st)
{
    return (stage_is_window(st) || stage_is_dedupe(st) || stage_is_join(st)) && stage_emitted(st);
}

int operator_index(const Emitter *em, const PlanStage *st)
{
    int op = 0;
    for (int i = 0; i < em->plan->nstages && em->plan->stages[i] != st; i++)
        op += stage_has_operator(em->plan->stages[i]);
    return op;
}

const char *stage_fn_name(const Emitter *em, const PlanStage *st, int which)
{
    return em->window_fns[(st->id - 1) * NNAMES + which];
}

static int64_t gcd(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The C names of each window and dedupe stage, given out once in plan order
 * so that they never clash with any other name of the file. */
void name_windows(Emitter *em)
{
    Plan *plan = em->plan;
    static const char *const suffix[] = { "state", "hash", "match", "fire", "release", "result",
                                          "merge", "right", "row", "arrive" };
    em->window_fns = arena_alloc(em->arena, sizeof(char *) * (size_t)(plan->nstages * NNAMES + 1));
    for (int i = 0; i < plan->nstages; i++)
        if (stage_is_window(plan->stages[i]) || stage_is_dedupe(plan->stages[i]) ||
            stage_is_join(plan->stages[i]))
            for (int j = 0; j < NNAMES; j++)
                em->window_fns[i * NNAMES + j] = plan_unique_name(
                    plan, arena_printf(em->arena, "%s_%s", plan->stages[i]->cname, suffix[j]));
}

static WindowNames window_names(Emitter *em, const PlanStage *st)
{
    WindowNames n = { 0 };
    int index = st->id - 1;
    n.op = operator_index(em, st);
    n.window = st->nodes[0];
    n.aggregate = st->nodes[1];
    n.wop = n.window->op;
    n.items = n.aggregate->op->aggregate;
    n.results = st->live;
    const char *const *names = &em->window_fns[index * NNAMES];
    n.state = names[0];
    n.hash = names[1];
    n.match = names[2];
    n.fire = names[3];
    n.release = names[4];
    n.result = names[5];
    n.merge = names[6];
    n.sliding = n.wop->window.kind == WIN_SLIDING;
    n.session = n.wop->window.kind == WIN_SESSION;
    n.gap = n.wop->window.gap_ms;
    n.size = n.wop->window.size_ms;
    n.slide = n.sliding ? n.wop->window.slide_ms : n.size;
    n.pane = n.session ? 0 : gcd(n.size, n.slide);
    return n;
}

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

const char *key_hash_call(Arena *a, TypeKind t, const char *v)
{
    switch (t) {
    case TY_STRING: return arena_printf(a, "flow_hash_str(%s)", v);
    case TY_FLOAT64: return arena_printf(a, "flow_hash_f64(%s)", v);
    case TY_BOOL: return arena_printf(a, "flow_hash_bool(%s)", v);
    default: return arena_printf(a, "flow_hash_i64((int64_t)%s)", v);
    }
}

const char *key_equal_test(Arena *a, TypeKind t, const char *x, const char *y)
{
    switch (t) {
    case TY_STRING: return arena_printf(a, "flow_str_eq(%s, %s)", x, y);
    /* As hash() sees floats: 0.0 and -0.0 alike, every nan alike. */
    case TY_FLOAT64:
        return arena_printf(a, "(%s == %s || (%s != %s && %s != %s))", x, y, x, x, y, y);
    default: return arena_printf(a, "%s == %s", x, y);
    }
}

static void emit_state_struct(Emitter *em, CWriter *w, const WindowNames *n)
{
    Arena *a = em->arena;
    const Op *wop = n->wop;
    const PlanType *in = n->window->in;
    cw_blank(w);
    if (n->sliding)
        cw_comment(w, true, arena_printf(a, "State of the sliding window at %s:%d, one per "
                                         "(key, pane of %" PRId64 " ms), shared by every window "
                                         "that holds the pane and freed after the last of "
                                         "them fired.", em->plan->flow_file, wop->loc.line,
                                         n->pane));
    else if (n->session)
        cw_comment(w, true, arena_printf(a, "State of the session window at %s:%d, one per "
                                         "(key, open session). The table holds the key's "
                                         "earliest session; the others follow it by `next`, in "
                                         "order of start (sessions never overlap).",
                                         em->plan->flow_file, wop->loc.line));
    else
        cw_comment(w, true, arena_printf(a, "State of the window at %s:%d, one per (key, "
                                         "window), freed when the window can no longer change.",
                                         em->plan->flow_file, wop->loc.line));
    cw_open(w, "typedef struct %s", n->state);
    cw_line(w, "uint64_t hash;");
    if (n->session) {
        cw_line(w, "int64_t start;  /* the session is [start, last + %" PRId64 ") */", n->gap);
        cw_line(w, "int64_t last;");
        cw_line(w, "bool dead;      /* merged into the session before it; waits for its timer */");
        cw_line(w, "struct %s *next;", n->state);
    } else {
        cw_line(w, "int64_t start;  /* the %s is [start, start + %" PRId64 ") */",
                n->sliding ? "pane" : "window", n->pane);
    }
    if (n->sliding)
        cw_line(w, "int64_t emitted_end; /* the last window made with this pane */");
    else if (!n->session)
        cw_line(w, "bool fired;     /* its result was emitted; kept for lateness */");
    for (int k = 0; k < wop->nkey; k++) {
        int f = wop->key_fields[k];
        cw_line(w, "%s key%d; /* %s%s */", c_type(in->schema->fields[f].type), k,
                in->schema->fields[f].name,
                in->schema->fields[f].type == TY_STRING ? ", copied" : "");
    }
    cw_line(w, "int64_t count;  /* records in the %s */",
            n->sliding ? "pane" : n->session ? "session" : "window");
    int i = 0;
    for (const Item *it = n->items; it; it = it->next, i++) {
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
    }
    cw_close(w, arena_printf(a, " %s;", n->state));

    /* Hash and match: only the window start and the key fields; a session
     * window only the key fields, as the table holds a key's first session. */
    cw_blank(w);
    cw_line(w, "static uint64_t %s(const %s *s)", n->hash, n->state);
    open_block(w);
    if (n->session && wop->nkey == 0)
        cw_line(w, "(void)s;");
    cw_line(w, "uint64_t h = %s;", n->session ? "0" : "(uint64_t)flow_hash_i64(s->start)");
    for (int k = 0; k < wop->nkey; k++)
        cw_line(w, "h = (h ^ (uint64_t)%s) * 0x9E3779B97F4A7C15ULL;",
                key_hash_call(a, in->schema->fields[wop->key_fields[k]].type,
                          arena_printf(a, "s->key%d", k)));
    cw_line(w, "return flow_xxh64_avalanche(h);");
    cw_close(w, "");
    cw_blank(w);
    cw_line(w, "static bool %s(const void *item, const void *probe)", n->match);
    open_block(w);
    cw_line(w, "const %s *x = item, *y = probe;", n->state);
    const char *test = n->session ? "true" : "x->start == y->start";
    if (n->session && wop->nkey == 0)
        cw_line(w, "(void)x; (void)y;");
    for (int k = 0; k < wop->nkey; k++)
        test = arena_printf(a, k == 0 && n->session ? "%.0s%s" : "%s && %s", test,
                            key_equal_test(a, in->schema->fields[wop->key_fields[k]].type,
                                       arena_printf(a, "x->key%d", k),
                                       arena_printf(a, "y->key%d", k)));
    cw_line(w, "return %s;", test);
    cw_close(w, "");

    /* Release: the copies it owns, then itself. */
    cw_blank(w);
    cw_line(w, "static void %s(void *item)", n->release);
    open_block(w);
    cw_line(w, "%s *s = item;", n->state);
    for (int k = 0; k < wop->nkey; k++)
        if (in->schema->fields[wop->key_fields[k]].type == TY_STRING)
            cw_line(w, "flow_str_release(s->key%d);", k);
    i = 0;
    for (const Item *it = n->items; it; it = it->next, i++) {
        if (it->agg == AGG_COUNT_DISTINCT)
            cw_line(w, "flow_distinct_free(&s->acc%d);", i);
        else if (it->agg != AGG_COUNT && it->agg != AGG_AVG && it->type == TY_STRING)
            cw_line(w, "flow_str_release(s->acc%d);", i);
    }
    cw_line(w, "flow_state_free(s);");
    cw_close(w, "");
}

/* The result record and the rest of the stage after the aggregate. */
static void emit_result_function(Emitter *em, CWriter *w, const PlanStage *st,
                                 const WindowNames *n)
{
    Arena *a = em->arena;
    const Op *wop = n->wop;
    const PlanType *out = n->aggregate->out;
    Body b;
    body_init(&b, em, out, "rec.", "&rec");
    cw_line(&b.w, "%s rec;", out->cname);
    int f = 0;
    for (int k = 0; k < wop->nkey; k++, f++)
        cw_line(&b.w, "rec.%s = s->key%d;", out->members[f], k);
    cw_line(&b.w, "rec.%s = start;", out->members[f++]);
    const char *end = n->session ? arena_printf(a, "flow_time_add(s->last, %" PRId64 ")", n->gap)
                                 : arena_printf(a, "flow_time_add(start, %" PRId64 ")", n->size);
    cw_line(&b.w, "rec.%s = %s;", out->members[f++], end);
    int i = 0;
    for (const Item *it = n->items; it; it = it->next, i++, f++) {
        const char *m = out->members[f];
        switch (it->agg) {
        case AGG_COUNT: cw_line(&b.w, "rec.%s = s->count;", m); break;
        case AGG_AVG: cw_line(&b.w, "rec.%s = s->acc%d / (double)s->count;", m, i); break;
        case AGG_COUNT_DISTINCT: cw_line(&b.w, "rec.%s = s->acc%d.count;", m, i); break;
        default: cw_line(&b.w, "rec.%s = s->acc%d;", m, i); break;
        }
    }
    if (n->session)
        cw_line(&b.w, "int64_t ts = flow_time_add(s->last, %" PRId64 ");", n->gap - 1);
    else
        cw_line(&b.w, "int64_t ts = flow_time_add(start, %" PRId64 ");", n->size - 1);
    for (int k = 2; k < st->nnodes; k++)
        emit_op(&b, st->nodes[k]);
    push_to(&b, &st->nodes[st->nnodes - 1]->outputs);
    if (!b.used_ts)
        cw_line(&b.w, "(void)ts;");

    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "The result of one (key, window) of the window at "
                                     "%s:%d, which starts at `start`, with event time "
                                     "window_end - 1ms, and the operators after it.",
                                     em->plan->flow_file, wop->loc.line));
    cw_line(w, "static void %s(FlowRuntime *rt, const %s *s, int64_t start)", n->result,
            n->state);
    cw_line(w, "{");
    cw_indent(w);
    if (!b.used_rt)
        cw_line(w, "(void)rt;");
    cw_dedent(w);
    cw_append(w, &b.w);
    cw_line(w, "}");
    cw_free(&b.w);
}

static void emit_fire_function(CWriter *w, const WindowNames *n)
{
    int64_t lateness = n->wop->window.lateness_ms;
    cw_blank(w);
    cw_comment(w, true, lateness
        ? "A timer of the window is due: at end - 1ms the result, at end - 1ms + lateness "
          "the state goes."
        : "A timer of the window is due (end - 1ms): the result, and the state goes.");
    cw_line(w, "static void %s(FlowRuntime *rt, void *item, int64_t time)", n->fire);
    open_block(w);
    cw_line(w, "%s *s = item;", n->state);
    if (!lateness)
        cw_line(w, "(void)time;");
    cw_open(w, "if (!s->fired)");
    cw_line(w, "s->fired = true;");
    if (n->results)
        cw_line(w, "%s(rt, s, s->start);", n->result);
    if (lateness) {
        cw_line(w, "flow_timer_set(rt, %d, flow_time_add(time, %" PRId64 "), s);", n->op,
                lateness);
        cw_line(w, "return;");
    }
    cw_close(w, "");
    cw_line(w, "flow_table_remove(flow_state_table(rt, %d), s->hash, s);", n->op);
    cw_line(w, "%s(s);", n->release);
    cw_close(w, "");
}

/* dst takes the value of src: a sliding window's result borrows its panes'
 * strings; a session that absorbs another keeps copies of its own, as the
 * absorbed one frees its strings when its timer comes. */
static const char *copy(Emitter *em, const WindowNames *n, const Item *it, const char *d,
                        const char *v)
{
    if (n->session && it->type == TY_STRING)
        return arena_printf(em->arena, "{ flow_str_release(%s); %s = flow_str_keep(%s); }", d, d,
                            v);
    return arena_printf(em->arena, "%s = %s;", d, v);
}

/* merge(dst, src): sliding windows add a pane's accumulators to those of a
 * window being put together (the window owns only its distinct-value sets);
 * session windows add a later session to the one a record bridged it to. */
static void emit_merge_function(Emitter *em, CWriter *w, const WindowNames *n)
{
    cw_blank(w);
    cw_line(w, "static void %s(%s *dst, const %s *src)", n->merge, n->state, n->state);
    open_block(w);
    cw_line(w, "bool first = dst->count == 0;");
    cw_line(w, "dst->count += src->count;");
    int i = 0;
    bool used_first = false;
    for (const Item *it = n->items; it; it = it->next, i++) {
        const char *d = arena_printf(em->arena, "dst->acc%d", i);
        const char *v = arena_printf(em->arena, "src->acc%d", i);
        const char *better = NULL;
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
        case AGG_MAX: {
            const char *op = it->agg == AGG_MIN ? "<" : ">";
            better = it->type == TY_STRING
                         ? arena_printf(em->arena, "flow_str_cmp(%s, %s) %s 0", v, d, op)
                         : arena_printf(em->arena, "%s %s %s", v, op, d);
            cw_line(w, "if (first || %s)", better);
            cw_line(w, "    %s", copy(em, n, it, d, v));
            used_first = true;
            break;
        }
        /* Equal times are in the same pane: across panes they differ. */
        case AGG_FIRST:
        case AGG_LAST:
            cw_open(w, "if (first || %s_ts %s %s_ts)", v, it->agg == AGG_FIRST ? "<" : ">", d);
            cw_line(w, "%s", copy(em, n, it, d, v));
            cw_line(w, "%s_ts = %s_ts;", d, v);
            cw_close(w, "");
            used_first = true;
            break;
        case AGG_COUNT_DISTINCT: cw_line(w, "flow_distinct_merge(&%s, &%s);", d, v); break;
        case AGG_UNKNOWN: break;
        }
    }
    if (!used_first)
        cw_line(w, "(void)first;");
    cw_close(w, "");
}

/* Sliding windows: the pane's timer is due at the end - 1ms of one window
 * that holds it. The first of the key's panes in that window whose timer
 * fires makes the result from all of them and marks them, so that the others
 * let that window pass; the pane then waits for the next window that holds
 * it, or goes after the last. */
static void emit_sliding_fire_function(CWriter *w, const WindowNames *n)
{
    const Op *wop = n->wop;
    cw_blank(w);
    cw_line(w, "static void %s(FlowRuntime *rt, void *item, int64_t time)", n->fire);
    open_block(w);
    cw_line(w, "%s *s = item;", n->state);
    cw_line(w, "FlowTable *table = flow_state_table(rt, %d);", n->op);
    cw_line(w, "int64_t end = time + 1;");
    if (n->results) {
        cw_open(w, "if (s->emitted_end != end)");
        cw_line(w, "int64_t start = end - %" PRId64 ";", n->size);
        cw_line(w, "%s probe = *s;", n->state);
        cw_line(w, "%s window = { 0 };", n->state);
        for (int k = 0; k < wop->nkey; k++)
            cw_line(w, "window.key%d = s->key%d;", k, k);
        cw_open(w, "for (probe.start = start; probe.start < end; probe.start += %" PRId64 ")",
                n->pane);
        cw_line(w, "%s *pane = flow_table_find(table, %s(&probe), %s, &probe);", n->state,
                n->hash, n->match);
        cw_open(w, "if (pane)");
        cw_line(w, "%s(&window, pane);", n->merge);
        cw_line(w, "pane->emitted_end = end;");
        cw_close(w, "");
        cw_close(w, "");
        cw_line(w, "%s(rt, &window, start);", n->result);
        int i = 0;
        for (const Item *it = n->items; it; it = it->next, i++)
            if (it->agg == AGG_COUNT_DISTINCT)
                cw_line(w, "flow_distinct_free(&window.acc%d);", i);
        cw_close(w, "");
    }
    cw_line(w, "int64_t last_end = flow_time_add(flow_window_start(s->start, %" PRId64
               "), %" PRId64 ");", n->slide, n->size);
    cw_open(w, "if (end < last_end)");
    cw_line(w, "flow_timer_set(rt, %d, time + %" PRId64 ", s);", n->op, n->slide);
    cw_line(w, "return;");
    cw_close(w, "");
    cw_line(w, "flow_table_remove(table, s->hash, s);");
    cw_line(w, "%s(s);", n->release);
    cw_close(w, "");
}

/* Session windows: the timer was set at end - 1ms of the session when it
 * was made. A session that grew since then sets it again at its new end; one
 * merged into an earlier session only goes. */
static void emit_session_fire_function(CWriter *w, const WindowNames *n)
{
    cw_blank(w);
    cw_line(w, "static void %s(FlowRuntime *rt, void *item, int64_t time)", n->fire);
    open_block(w);
    cw_line(w, "%s *s = item;", n->state);
    cw_open(w, "if (s->dead)");
    cw_line(w, "%s(s);", n->release);
    cw_line(w, "return;");
    cw_close(w, "");
    cw_line(w, "int64_t fire_at = flow_time_add(s->last, %" PRId64 ");", n->gap - 1);
    cw_open(w, "if (time < fire_at)");
    cw_line(w, "flow_timer_set(rt, %d, fire_at, s);", n->op);
    cw_line(w, "return;");
    cw_close(w, "");
    if (n->results)
        cw_line(w, "%s(rt, s, s->start);", n->result);
    cw_line(w, "FlowTable *table = flow_state_table(rt, %d);", n->op);
    cw_line(w, "%s *head = flow_table_find(table, s->hash, %s, s);", n->state, n->match);
    cw_open(w, "if (head == s)");
    cw_line(w, "flow_table_remove(table, s->hash, s);");
    cw_line(w, "if (s->next)");
    cw_line(w, "    flow_table_insert(table, s->hash, s->next);");
    cw_close(w, "");
    cw_open(w, "else");
    cw_comment(w, true, "Sessions of a key end in the order they start, so this is rare.");
    cw_line(w, "%s *prev = head;", n->state);
    cw_line(w, "while (prev->next != s)");
    cw_line(w, "    prev = prev->next;");
    cw_line(w, "prev->next = s->next;");
    cw_close(w, "");
    cw_line(w, "%s(s);", n->release);
    cw_close(w, "");
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

/* One accumulator takes the argument value `v`. */
static void emit_update(Body *b, const Item *it, int i, const char *v)
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
        const char *op = it->agg == AGG_MIN ? "<" : ">";
        const char *better = str ? arena_printf(a, "flow_str_cmp(%s, %s) %s 0", v, acc, op)
                                 : arena_printf(a, "%s %s %s", v, op, acc);
        cw_line(w, "if (fresh || %s) { %s }", better, set);
        break;
    }
    /* By event time; on a tie the first arrival stays first and the last
     * arrival becomes last. */
    case AGG_FIRST:
        cw_line(w, "if (fresh || ts < %s_ts) { %s %s_ts = ts; }", acc, set, acc);
        break;
    case AGG_LAST:
        cw_line(w, "if (fresh || ts >= %s_ts) { %s %s_ts = ts; }", acc, set, acc);
        break;
    case AGG_COUNT_DISTINCT:
        cw_line(w, "%s", distinct_add(a, it->expr->type, acc, v));
        break;
    case AGG_UNKNOWN: break;
    }
}

static bool any_live(const PlanEdgeList *edges)
{
    for (int i = 0; i < edges->n; i++)
        if (edges->items[i]->to->live)
            return true;
    return false;
}

/* Session windows: the record's session, made, extended, or merged with the
 * later one when the record bridges the two. */
static void emit_session_find_or_make(Body *b, const WindowNames *n)
{
    CWriter *bw = &b->w;
    const Op *wop = n->wop;
    const PlanType *in = n->window->in;
    cw_line(bw, "bool fresh = s == NULL;");
    cw_open(bw, "if (fresh)");
    cw_line(bw, "s = flow_state_alloc(sizeof *s);");
    cw_line(bw, "s->hash = hash;");
    cw_line(bw, "s->start = s->last = ts;");
    for (int k = 0; k < wop->nkey; k++) {
        bool str = in->schema->fields[wop->key_fields[k]].type == TY_STRING;
        cw_line(bw, str ? "s->key%d = flow_str_keep(probe.key%d);" : "s->key%d = probe.key%d;",
                k, k);
    }
    cw_line(bw, "s->next = next;");
    cw_open(bw, "if (prev)");
    cw_line(bw, "prev->next = s;");
    cw_close(bw, "");
    cw_open(bw, "else");
    cw_line(bw, "if (head)");
    cw_line(bw, "    flow_table_remove(table, hash, head);");
    cw_line(bw, "flow_table_insert(table, hash, s);");
    cw_close(bw, "");
    cw_line(bw, "flow_timer_set(rt, %d, free_at, s);", n->op);
    cw_close(bw, "");
    cw_open(bw, "else");
    cw_line(bw, "if (ts < s->start)");
    cw_line(bw, "    s->start = ts;");
    cw_line(bw, "if (ts > s->last)");
    cw_line(bw, "    s->last = ts;");
    cw_line(bw, "%s *later = s->next;", n->state);
    cw_open(bw, "if (later && later->start < flow_time_add(s->last, %" PRId64 "))", n->gap);
    cw_comment(bw, true, "The record bridges two sessions: the later one joins this one, and "
                         "its timer only frees it.");
    cw_line(bw, "%s(s, later);", n->merge);
    cw_line(bw, "s->last = later->last;");
    cw_line(bw, "s->next = later->next;");
    cw_line(bw, "later->dead = true;");
    cw_close(bw, "");
    cw_close(bw, "");
}

static void emit_input_function(Emitter *em, CWriter *w, const PlanStage *st,
                                const WindowNames *n)
{
    Arena *a = em->arena;
    const Op *wop = n->wop;
    const PlanType *in = n->window->in;
    Body b;
    body_init(&b, em, in, "in->", "in");
    CWriter *bw = &b.w;
    b.used_rt = b.used_ts = true;

    flow_comment(em, bw, wop->loc, op_text(a, wop));
    line_to_flow(em, bw, wop->loc);
    if (n->session) {
        /* The record's own session would be [ts, ts + gap): it joins the
         * key's sessions that overlap it, at most two as sessions are at
         * least gap apart. */
        cw_line(bw, "%s probe = { 0 };", n->state);
        for (int k = 0; k < wop->nkey; k++) {
            cw_line(bw, "probe.key%d = in->%s;", k, in->members[wop->key_fields[k]]);
            b.used_in = true;
        }
        cw_line(bw, "uint64_t hash = %s(&probe);", n->hash);
        cw_line(bw, "FlowTable *table = flow_state_table(rt, %d);", n->op);
        cw_line(bw, "%s *head = flow_table_find(table, hash, %s, &probe);", n->state, n->match);
        cw_line(bw, "int64_t reach = flow_time_add(ts, %" PRId64 ");", n->gap);
        cw_line(bw, "%s *prev = NULL, *s = head;", n->state);
        cw_open(bw, "while (s && s->start < reach && flow_time_add(s->last, %" PRId64 ") <= ts)",
                n->gap);
        cw_line(bw, "prev = s;");
        cw_line(bw, "s = s->next;");
        cw_close(bw, "");
        cw_line(bw, "%s *next = s;", n->state);
        cw_line(bw, "if (s && s->start >= reach)");
        cw_line(bw, "    s = NULL;");
        cw_line(bw, "int64_t free_at = flow_time_add(s && s->last > ts ? s->last : ts, %" PRId64
                    ");", n->gap - 1);
    } else if (n->sliding) {
        /* Late when even the last window holding the record has fired. */
        cw_line(bw, "int64_t start = flow_window_start(ts, %" PRId64 "); /* its pane */",
                n->pane);
        cw_line(bw, "int64_t free_at = flow_time_add(flow_window_start(ts, %" PRId64 "), %" PRId64
                    ");", n->slide, n->size - 1);
    } else {
        cw_line(bw, "int64_t start = flow_window_start(ts, %" PRId64 ");", n->size);
        cw_line(bw, "int64_t fire_at = flow_time_add(start, %" PRId64 ");", n->size - 1);
        if (wop->window.lateness_ms)
            cw_line(bw, "int64_t free_at = flow_time_add(fire_at, %" PRId64 ");",
                    wop->window.lateness_ms);
        else
            cw_line(bw, "int64_t free_at = fire_at;");
    }
    cw_line(bw, "int64_t watermark = flow_operator_watermark(rt, %d);", n->op);
    cw_open(bw, "if (watermark >= free_at)");
    if (any_live(&n->window->late)) {
        cw_comment(bw, true, arena_printf(a, "Late: to stream %s.", wop->window.late_as));
        push_to(&b, &n->window->late);
    } else {
        cw_comment(bw, true, "Late: dropped and counted.");
        cw_line(bw, "flow_late_record(rt);");
    }
    cw_line(bw, "return;");
    cw_close(bw, "");

    /* The arguments first: a record whose argument fails changes nothing. */
    EmitExpr x = expr_context(&b, in);
    int nitems = 0;
    for (const Item *it = n->items; it; it = it->next)
        nitems++;
    const char **args = arena_alloc(a, sizeof *args * (size_t)(nitems + 1));
    int i = 0;
    for (const Item *it = n->items; it; it = it->next, i++)
        args[i] = it->expr ? emit_expr(&x, it->expr, arg_type(it)) : NULL;
    note_expr_use(&b, &x);
    line_to_flow(em, bw, n->aggregate->op->loc);
    if (x.used_err)
        cw_line(bw, "const char *err = NULL;");
    i = 0;
    for (const Item *it = n->items; it; it = it->next, i++)
        if (args[i])
            cw_line(bw, "%s arg%d = %s; /* %s */", c_type(arg_type(it)), i, args[i], it->name);
    if (x.used_err)
        check_err(&b, n->aggregate->op->loc);

    if (n->session) {
        emit_session_find_or_make(&b, n);
    } else {
        cw_line(bw, "%s probe = { 0 };", n->state);
        cw_line(bw, "probe.start = start;");
        for (int k = 0; k < wop->nkey; k++) {
            cw_line(bw, "probe.key%d = in->%s;", k, in->members[wop->key_fields[k]]);
            b.used_in = true;
        }
        cw_line(bw, "uint64_t hash = %s(&probe);", n->hash);
        cw_line(bw, "FlowTable *table = flow_state_table(rt, %d);", n->op);
        cw_line(bw, "%s *s = flow_table_find(table, hash, %s, &probe);", n->state, n->match);
        cw_line(bw, "bool fresh = s == NULL;");
        cw_open(bw, "if (fresh)");
        cw_line(bw, "s = flow_state_alloc(sizeof *s);");
        cw_line(bw, "s->hash = hash;");
        cw_line(bw, "s->start = start;");
        for (int k = 0; k < wop->nkey; k++) {
            bool str = in->schema->fields[wop->key_fields[k]].type == TY_STRING;
            if (str)
                cw_line(bw, "s->key%d = flow_str_keep(probe.key%d);", k, k);
            else
                cw_line(bw, "s->key%d = probe.key%d;", k, k);
        }
        cw_line(bw, "flow_table_insert(table, hash, s);");
        if (n->sliding) {
            cw_line(bw, "s->emitted_end = FLOW_TIME_MIN;");
            cw_comment(bw, true, "The first window holding the pane that has not fired yet.");
            cw_line(bw, "int64_t end = flow_time_add(flow_window_start(flow_i64_sub(start, %" PRId64
                        "), %" PRId64 "), %" PRId64 ");", n->size, n->slide, n->slide + n->size);
            cw_line(bw, "if (watermark >= end - 1)");
            cw_line(bw, "    end += ((watermark - (end - 1)) / %" PRId64 " + 1) * %" PRId64 ";",
                    n->slide, n->slide);
            cw_line(bw, "flow_timer_set(rt, %d, end - 1, s);", n->op);
        } else {
            cw_comment(bw, true, "A window that already fired (late, within the lateness) is only "
                                 "kept until free_at.");
            cw_line(bw, "s->fired = watermark >= fire_at;");
            cw_line(bw, "flow_timer_set(rt, %d, s->fired ? free_at : fire_at, s);", n->op);
        }
        cw_close(bw, "");
    }
    cw_line(bw, "s->count++;");
    i = 0;
    for (const Item *it = n->items; it; it = it->next, i++)
        emit_update(&b, it, i, arena_printf(a, "arg%d", i));
    bool uses_fresh = false;
    for (const Item *it = n->items; it; it = it->next)
        uses_fresh |= it->agg == AGG_MIN || it->agg == AGG_MAX || it->agg == AGG_FIRST ||
                      it->agg == AGG_LAST;
    if (!uses_fresh)
        cw_line(bw, "(void)fresh;");
    if (n->results && !n->sliding && !n->session) {
        cw_comment(bw, true, "A late record within the lateness: an updated result.");
        cw_line(bw, "if (s->fired)");
        cw_indent(bw);
        cw_line(bw, "%s(rt, s, s->start);", n->result);
        cw_dedent(bw);
    }
    line_back(em, bw);

    cw_blank(w);
    cw_comment(w, true, arena_printf(a, "Stage %d: the window of stream %s (%s:%d). One record "
                                     "in: its window's state is updated.", st->id,
                                     st->stream->name, em->plan->flow_file, wop->loc.line));
    cw_line(w, "%s", stage_signature(em, st));
    cw_line(w, "{");
    if (!b.used_in)
        cw_line(w, "    (void)in;");
    cw_append(w, &b.w);
    cw_line(w, "}");
    cw_free(&b.w);
}

void emit_window_stage(Emitter *em, CWriter *w, const PlanStage *st)
{
    WindowNames n = window_names(em, st);
    emit_state_struct(em, w, &n);
    if (n.results)
        emit_result_function(em, w, st, &n);
    if (n.session) {
        emit_merge_function(em, w, &n);
        emit_session_fire_function(w, &n);
    } else if (n.sliding) {
        if (n.results)
            emit_merge_function(em, w, &n);
        emit_sliding_fire_function(w, &n);
    } else {
        emit_fire_function(w, &n);
    }
    emit_input_function(em, w, st, &n);
}

void emit_operator_table(Emitter *em, CWriter *w)
{
    Plan *plan = em->plan;
    bool any = false;
    for (int i = 0; i < plan->nstages; i++) {
        const PlanStage *st = plan->stages[i];
        if (!stage_has_operator(st))
            continue;
        if (!any)
            cw_open(w, "static const FlowOperatorDef operators[] =");
        any = true;
        const Op *op = st->nodes[0]->op;
        cw_line(w, "{ \"%s at %s\", %s, %s },",
                op->kind == OP_DEDUPE ? "dedupe" : op->kind == OP_JOIN ? "join" : "window",
                loc_text(em, op->loc), stage_fn_name(em, st, NAME_FIRE),
                stage_fn_name(em, st, NAME_RELEASE));
    }
    if (any)
        cw_close(w, ";");
}
