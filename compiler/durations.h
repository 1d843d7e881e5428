/* durations.h: the rules the durations of clauses obey (a positive window
 * size, a slide at most the size, ...), in one place for the checker, which
 * applies them to literals and to the defaults of duration params, and for
 * the emitter, which has the generated program apply them to the values of
 * duration params at start (docs/language.md, "Durations from params"). */
#ifndef FLOWC_DURATIONS_H
#define FLOWC_DURATIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "ast.h"

typedef enum DurRuleKind {
    DUR_POSITIVE,     /* a > 0 */
    DUR_NOT_NEGATIVE, /* a >= 0 */
    DUR_SLIDE,        /* 0 < a <= b, a the slide and b the size; holds when b <= 0, which
                         the size's own rule reports */
    DUR_STEP,         /* DUR_SLIDE, and b a multiple of a: a cumulating window's step */
} DurRuleKind;

typedef struct DurRule {
    DurRuleKind kind;
    const DurationArg *a, *b; /* b only for DUR_SLIDE and DUR_STEP */
    const char *message;      /* "the window size must be positive" */
} DurRule;

enum { DUR_MAX_RULES = 4 };

/* The rules of the durations of a window, join or dedupe (none for other
 * operators, or a lookup) into out[], in the order they are reported;
 * returns how many. */
int dur_op_rules(const Op *op, DurRule out[DUR_MAX_RULES]);
/* The same for a source's `watermark D` and `idle D`. */
int dur_source_rules(const Decl *src, DurRule out[DUR_MAX_RULES]);
/* Whether the rule holds for these values of a and b. */
bool dur_rule_holds(DurRuleKind kind, int64_t a, int64_t b);
/* Whether a rule names a param (and so is also checked at start). */
bool dur_rule_has_param(const DurRule *r);

#endif
