/* durations.c: the rules of the durations of clauses (durations.h). */
#include "durations.h"

#include <stddef.h>

static int add(DurRule *out, int n, DurRuleKind kind, const DurationArg *a, const DurationArg *b,
               const char *message)
{
    out[n] = (DurRule){ kind, a, b, message };
    return n + 1;
}

int dur_op_rules(const Op *op, DurRule out[DUR_MAX_RULES])
{
    int n = 0;
    switch (op->kind) {
    case OP_WINDOW:
        switch (op->window.kind) {
        case WIN_TUMBLING:
            n = add(out, n, DUR_POSITIVE, &op->window.size, NULL,
                    "the window size must be positive");
            break;
        case WIN_SLIDING:
        case WIN_CUMULATE:
            n = add(out, n, DUR_POSITIVE, &op->window.size, NULL,
                    "the window size must be positive");
            n = op->window.kind == WIN_SLIDING
                    ? add(out, n, DUR_SLIDE, &op->window.slide, &op->window.size,
                          "the slide of a sliding window must be positive and at most its size")
                    : add(out, n, DUR_STEP, &op->window.slide, &op->window.size,
                          "the step of a cumulating window must be positive and divide its "
                          "size");
            break;
        case WIN_SESSION:
            n = add(out, n, DUR_POSITIVE, &op->window.gap, NULL,
                    "the session gap must be positive");
            break;
        }
        if (op->update.has_every) /* early results (docs/language.md, "Early results") */
            n = add(out, n, DUR_POSITIVE, &op->update.every, NULL,
                    "the interval of 'emit every' must be positive");
        return add(out, n, DUR_NOT_NEGATIVE, &op->window.lateness, NULL,
                   "the lateness must not be negative");
    case OP_JOIN:
        if (op->join.windowed)
            return add(out, n, DUR_POSITIVE, &op->join.window, NULL,
                       "the window size must be positive");
        if (op->join.regular)
            return op->join.has_ttl ? add(out, n, DUR_POSITIVE, &op->join.ttl, NULL,
                                          "the 'ttl' must be positive")
                                    : n;
        n = add(out, n, DUR_NOT_NEGATIVE, &op->join.within, NULL,
                "the 'within' bound must not be negative");
        if (op->join.asymmetric)
            n = add(out, n, DUR_NOT_NEGATIVE, &op->join.after, NULL,
                    "the 'within' bound must not be negative");
        return n;
    case OP_DEDUPE:
        return add(out, n, DUR_POSITIVE, &op->dedupe.within, NULL,
                   "the 'within' of 'dedupe' must be positive");
    case OP_TOP:
        return op->update.has_ttl ? add(out, n, DUR_POSITIVE, &op->update.ttl, NULL,
                                        "the 'ttl' must be positive")
                                  : n;
    case OP_UPDATE:
        if (op->update.has_every)
            n = add(out, n, DUR_POSITIVE, &op->update.every, NULL,
                    "the interval of 'emit every' must be positive");
        if (op->update.has_ttl)
            n = add(out, n, DUR_POSITIVE, &op->update.ttl, NULL, "the 'ttl' must be positive");
        return n;
    default: return 0;
    }
}

int dur_source_rules(const Decl *src, DurRule out[DUR_MAX_RULES])
{
    int n = 0;
    if (src->source.has_watermark)
        n = add(out, n, DUR_NOT_NEGATIVE, &src->source.watermark, NULL,
                "the watermark delay must not be negative");
    if (src->source.has_idle)
        n = add(out, n, DUR_NOT_NEGATIVE, &src->source.idle, NULL,
                "the idle time must not be negative");
    return n;
}

bool dur_rule_holds(DurRuleKind kind, int64_t a, int64_t b)
{
    switch (kind) {
    case DUR_POSITIVE: return a > 0;
    case DUR_NOT_NEGATIVE: return a >= 0;
    case DUR_SLIDE: return b <= 0 || (a > 0 && a <= b);
    case DUR_STEP: return b <= 0 || (a > 0 && a <= b && b % a == 0);
    }
    return false;
}

bool dur_rule_has_param(const DurRule *r)
{
    return r->a->param || (r->b && r->b->param);
}
