/* emit_durations.c: the durations of clauses in the generated C
 * (docs/language.md, "Durations from params"). A literal stays a number
 * folded into the code, so a program without duration params is written
 * exactly as before; a param is read from the run's params block, which
 * flow_main fixes before the first record, and whatever the stages derive
 * from params (a sliding window's pane, the gcd of its size and slide) is a
 * member of that block too, computed once by the generated params_check,
 * which also applies the rules of durations.h to the values. */
#include <inttypes.h>
#include <string.h>

#include "durations.h"
#include "emit_impl.h"
#include "optable.h"

static int param_index(const Emitter *em, const Decl *d)
{
    for (int i = 0; i < em->nparams; i++)
        if (em->params[i] == d)
            return i;
    return -1;
}

DurC dur_c(const Emitter *em, const DurationArg *d)
{
    if (!d->decl)
        return (DurC){ NULL, d->ms };
    return (DurC){ em->param_names[param_index(em, d->decl)], d->ms };
}

const char *dur_plus(Arena *a, DurC x, int64_t k)
{
    if (!x.var)
        return arena_printf(a, "%" PRId64, x.ms + k);
    if (k == 0)
        return x.var;
    return arena_printf(a, "(%s %c %" PRId64 ")", x.var, k < 0 ? '-' : '+', k < 0 ? -k : k);
}

const char *dur_sum(Arena *a, DurC x, int sign, DurC y, int64_t k)
{
    if (!y.var)
        return dur_plus(a, x, sign * y.ms + k);
    char op = sign < 0 ? '-' : '+';
    const char *xy = x.var ? arena_printf(a, "%s %c %s", x.var, op, y.var)
                           : arena_printf(a, "%" PRId64 " %c %s", x.ms, op, y.var);
    if (k == 0)
        return arena_printf(a, "(%s)", xy);
    return arena_printf(a, "(%s %c %" PRId64 ")", xy, k < 0 ? '-' : '+', k < 0 ? -k : k);
}

bool dur_nonzero(DurC a)
{
    return a.var || a.ms != 0;
}

const char *dur_comment(Arena *a, DurC x, const DurationArg *d)
{
    if (!x.var)
        return arena_printf(a, "%" PRId64 " ms", x.ms);
    return arena_printf(a, "param %s ms", d->param);
}

/* ---- What the params block derives --------------------------------------------- */

static bool sliding_with_param(const Op *op)
{
    return op->kind == OP_WINDOW && op->window.kind == WIN_SLIDING &&
           (op->window.size.decl || op->window.slide.decl);
}

void dur_collect(Emitter *em)
{
    int n = 0;
    for (const Decl *d = em->plan->prog->decls; d; d = d->next)
        if (d->kind == DECL_STREAM)
            for (const Op *op = d->stream.ops; op; op = op->next)
                n += sliding_with_param(op);
    em->pane_ops = arena_alloc(em->arena, sizeof *em->pane_ops * (size_t)(n + 1));
    for (const Decl *d = em->plan->prog->decls; d; d = d->next)
        if (d->kind == DECL_STREAM)
            for (const Op *op = d->stream.ops; op; op = op->next)
                if (sliding_with_param(op))
                    em->pane_ops[em->npane_ops++] = op;
}

DurC dur_pane(Emitter *em, const Op *op)
{
    for (int i = 0; i < em->npane_ops; i++)
        if (em->pane_ops[i] == op)
            return (DurC){ arena_printf(em->arena, "FLOW_PARAM(rt, %s, pane_%d)",
                                        em->params_type, i), 0 };
    int64_t a = op->window.size.ms, b = op->window.slide.ms;
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return (DurC){ NULL, a };
}

void dur_emit_members(Emitter *em, CWriter *w)
{
    for (int i = 0; i < em->npane_ops; i++)
        cw_line(w, "int64_t pane_%d; /* gcd of the size and slide of the window at %s:%d */", i,
                em->plan->flow_file, em->pane_ops[i]->loc.line);
}

/* ---- The check at start ------------------------------------------------------------ */

/* The value of a duration in params_check, which reads the block `p`. */
static const char *check_value(Emitter *em, const DurationArg *d)
{
    if (!d->decl)
        return arena_printf(em->arena, "%" PRId64, d->ms);
    return arena_printf(em->arena, "p->%s", em->param_members[param_index(em, d->decl)]);
}

static const char *rule_test(Emitter *em, const DurRule *r)
{
    const char *a = check_value(em, r->a);
    switch (r->kind) {
    case DUR_POSITIVE: return arena_printf(em->arena, "%s > 0", a);
    case DUR_NOT_NEGATIVE: return arena_printf(em->arena, "%s >= 0", a);
    case DUR_SLIDE: {
        const char *b = check_value(em, r->b);
        return arena_printf(em->arena, "%s <= 0 || (%s > 0 && %s <= %s)", b, a, a, b);
    }
    case DUR_STEP: {
        const char *b = check_value(em, r->b);
        return arena_printf(em->arena, "%s <= 0 || (%s > 0 && %s <= %s && %s %% %s == 0)", b, a,
                            a, b, b, a);
    }
    }
    return "true";
}

static void emit_rules(Emitter *em, CWriter *w, const DurRule *rules, int n, const char *what,
                       Loc loc, bool *any)
{
    for (int i = 0; i < n; i++) {
        const DurRule *r = &rules[i];
        if (!dur_rule_has_param(r))
            continue;
        *any = true;
        int pa = r->a->decl ? param_index(em, r->a->decl) : -1;
        int pb = r->b && r->b->decl ? param_index(em, r->b->decl) : -1;
        cw_open(w, "if (!(%s))", rule_test(em, r));
        cw_line(w, "params[0] = %d;", pa >= 0 ? pa : pb);
        cw_line(w, "params[1] = %d;", pa >= 0 ? pb : -1);
        cw_line(w, "return \"%s (%s at %s)\";", r->message, what, loc_text(em, loc));
        cw_close(w, "");
    }
}

/* Whether a param is the duration of a clause. */
static bool in_clause(const Decl *param, const DurRule *rules, int n)
{
    for (int i = 0; i < n; i++)
        if (rules[i].a->decl == param || (rules[i].b && rules[i].b->decl == param))
            return true;
    return false;
}

static bool param_in_clause(const Emitter *em, const Decl *param)
{
    DurRule rules[DUR_MAX_RULES];
    for (const Decl *d = em->plan->prog->decls; d; d = d->next) {
        if (d->kind == DECL_SOURCE && in_clause(param, rules, dur_source_rules(d, rules)))
            return true;
        if (d->kind == DECL_STREAM)
            for (const Op *op = d->stream.ops; op; op = op->next)
                if (in_clause(param, rules, dur_op_rules(op, rules)))
                    return true;
    }
    return false;
}

const char *dur_emit_check(Emitter *em, CWriter *w)
{
    Arena *a = em->arena;
    CWriter body;
    cw_init(&body);
    bool any = false;
    DurRule rules[DUR_MAX_RULES];
    for (const Decl *d = em->plan->prog->decls; d; d = d->next) {
        if (d->kind == DECL_SOURCE)
            emit_rules(em, &body, rules, dur_source_rules(d, rules),
                       arena_printf(a, "source %s", d->name), d->loc, &any);
        if (d->kind == DECL_STREAM)
            for (const Op *op = d->stream.ops; op; op = op->next)
                emit_rules(em, &body, rules, dur_op_rules(op, rules),
                           op_info(op->kind)->spelling, op->loc, &any);
    }
    if (!any) {
        cw_free(&body);
        return "";
    }
    for (int i = 0; i < em->npane_ops; i++) {
        const Op *op = em->pane_ops[i];
        cw_line(&body, "p->pane_%d = %s;", i,
                arena_printf(a, "duration_gcd(%s, %s)", check_value(em, &op->window.size),
                             check_value(em, &op->window.slide)));
    }
    cw_line(&body, "return NULL;");

    cw_blank(w);
    if (em->npane_ops) {
        cw_line(w, "static int64_t duration_gcd(int64_t a, int64_t b)");
        open_block(w);
        cw_open(w, "while (b)");
        cw_line(w, "int64_t t = a %% b;");
        cw_line(w, "a = b;");
        cw_line(w, "b = t;");
        cw_close(w, "");
        cw_line(w, "return a;");
        cw_close(w, "");
        cw_blank(w);
    }
    cw_comment(w, true, "The duration params against the rules of the clauses that use them, "
                        "once every param is set (FlowProgram.params_check), and what the "
                        "stages derive from them.");
    cw_line(w, "static const char *params_check(void *block, int params[2])");
    open_block(w);
    cw_line(w, "%s *p = block;", em->params_type);
    cw_append(w, &body);
    cw_free(&body);
    cw_close(w, "");

    int n = 0;
    cw_blank(w);
    cw_comment(w, true, "The duration params of clauses, whose values are part of the "
                        "checkpoints' layout (docs/checkpoints.md).");
    cw_open(w, "static const int layout_params[] =");
    for (int i = 0; i < em->nparams; i++)
        if (em->params[i]->param.duration && param_in_clause(em, em->params[i])) {
            cw_line(w, "%d, /* %s */", i, em->params[i]->name);
            n++;
        }
    cw_close(w, ";");
    return arena_printf(a, "\n    .params_check = params_check,\n    .layout_params = "
                           "layout_params,\n    .nlayout_params = %d,", n);
}
