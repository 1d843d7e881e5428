/* explain.h: the plan in words, for `flowc explain` and for the header
 * comment of the generated C, and as a Graphviz graph (`flowc explain
 * --dot`); plus the Flow-syntax text of expressions, operators and
 * connectors that both of them, and the comments of the generated C, quote.
 * Output is deterministic: declaration order, no addresses. */
#ifndef FLOWC_EXPLAIN_H
#define FLOWC_EXPLAIN_H

#include <stdint.h>

#include "arena.h"
#include "ast.h"
#include "cwriter.h"
#include "plan.h"

void explain_text(CWriter *w, const Plan *plan);
void explain_dot(CWriter *w, const Plan *plan);

/* Flow source text, canonical spacing and the fewest parentheses. */
char *expr_text(Arena *arena, const Expr *e);
char *op_text(Arena *arena, const Op *op);
char *connector_text(Arena *arena, const Connector *conn);
/* `250ms`, `5s`, `1m`, `2h`, `1d`: the largest unit that divides ms. */
char *duration_text(Arena *arena, int64_t ms);
/* A clause's duration as written: the literal (`5s`) or the param's name. */
char *duration_arg_text(Arena *arena, const DurationArg *d);
/* The shortest decimal text that reads back as `v` (`0.1`, `3.0`, `1e+21`). */
char *float_text(Arena *arena, double v);
/* `user_id int64, url string` */
char *fields_text(Arena *arena, const PlanType *t);
/* The key's fields, `user_id int64, region string`, or "" for none. */
char *key_text(Arena *arena, const PlanKey *key);

#endif
