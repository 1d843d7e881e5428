/* check_time.c: the checker's part of the time functions (docs/language.md,
 * "Time functions"): their argument types, and the literals it can judge
 * before the program runs: date_trunc's unit, a pattern, a zone name. The
 * judging is the runtime's own code (flow/fn_time.h), so that compile time
 * and run time never disagree. */
#include <sys/stat.h>

#include "check_impl.h"
#include "flow/fn_time.h"

static bool want(Checker *c, Expr *call, Expr *arg, int n, TypeKind t)
{
    if (arg->type == t)
        return true;
    diag_error(c->d, arg->loc, "argument %d of '%s' must be %s, not %s", n, call->call.name,
               type_name(t), type_name(arg->type));
    return false;
}

static FlowStr literal(const Expr *e)
{
    return (FlowStr){ e->string.chars, e->string.len };
}

/* A literal zone is looked up in the tz database of the machine that
 * compiles, when it has one, so that a misspelt zone is an error at its
 * place rather than one per record. */
static bool check_zone(Checker *c, Expr *call, Expr *tz, int n)
{
    if (!want(c, call, tz, n, TY_STRING))
        return false;
    struct stat st;
    if (tz->kind != EX_STRING || stat("/usr/share/zoneinfo", &st) != 0)
        return true;
    const char *err = NULL;
    if (flow_time_zone(&err, literal(tz)))
        return true;
    diag_error(c->d, tz->loc, "%s (time zones are named as in the tz database, e.g. \"Europe/Paris\")",
               err);
    return false;
}

static bool check_pattern(Checker *c, Expr *call, Expr *fmt, int n)
{
    if (!want(c, call, fmt, n, TY_STRING))
        return false;
    const char *why = fmt->kind == EX_STRING ? flow_time_format_check(literal(fmt)) : NULL;
    if (why)
        diag_error(c->d, fmt->loc, "invalid pattern of '%s': %s", call->call.name, why);
    return !why;
}

TypeKind check_time_call(Checker *c, Expr *e)
{
    Expr *a1 = e->call.args, *a2 = a1->next, *a3 = a2 ? a2->next : NULL;
    switch (e->call.func) {
    case FN_DATE_TRUNC: {
        bool ok = want(c, e, a2, 2, TY_TIMESTAMP);
        ok = (!a3 || check_zone(c, e, a3, 3)) && ok;
        if (a1->kind != EX_STRING) {
            diag_error(c->d, a1->loc, "the unit of 'date_trunc' must be a string literal");
            return TY_ERROR;
        }
        if (flow_time_unit(literal(a1)) < 0) {
            diag_error(c->d, a1->loc,
                       "unknown unit \"%s\" of 'date_trunc' (second, minute, hour, day, week, "
                       "month or year)", a1->string.chars);
            return TY_ERROR;
        }
        return ok ? TY_TIMESTAMP : TY_ERROR;
    }
    case FN_FORMAT_TIMESTAMP: {
        bool ok = want(c, e, a1, 1, TY_TIMESTAMP);
        ok = check_pattern(c, e, a2, 2) && ok;
        ok = (!a3 || check_zone(c, e, a3, 3)) && ok;
        return ok ? TY_STRING : TY_ERROR;
    }
    case FN_PARSE_TIMESTAMP: {
        bool ok = want(c, e, a1, 1, TY_STRING);
        ok = check_pattern(c, e, a2, 2) && ok;
        ok = (!a3 || check_zone(c, e, a3, 3)) && ok;
        return ok ? TY_TIMESTAMP : TY_ERROR;
    }
    default: { /* year ... day_of_week */
        bool ok = want(c, e, a1, 1, TY_TIMESTAMP);
        ok = (!a2 || check_zone(c, e, a2, 2)) && ok;
        return ok ? TY_INT32 : TY_ERROR;
    }
    }
}
