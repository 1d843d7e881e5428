/* check_fn_string.c: the checker's rules for the string functions and LIKE
 * (docs/language.md, "String functions"): argument types, and for the
 * regular expressions a string pattern, a literal one compiled here with the options the runtime uses (runtime/src/fn_regex.c)
 * so that an invalid one is an error at its place. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>

#include "check_impl.h"

static bool arg_is(Checker *c, Expr *call, Expr *arg, int n, bool ok, const char *want)
{
    if (!ok)
        diag_error(c->d, arg->loc, "argument %d of '%s' must be %s, not %s", n, call->call.name,
                   want, type_name(arg->type));
    return ok;
}

static bool string_arg(Checker *c, Expr *call, Expr *arg, int n)
{
    return arg_is(c, call, arg, n, arg->type == TY_STRING, "string");
}

static bool integer_arg(Checker *c, Expr *call, Expr *arg, int n)
{
    return arg_is(c, call, arg, n, type_is_integer(arg->type), "an integer");
}

/* A literal pattern compiled as the runtime will; its capture count, or
 * -1 after reporting why it does not compile. */
static int literal_captures(Checker *c, Expr *call, const Expr *pat)
{
    int code;
    PCRE2_SIZE offset;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat->string.chars, (PCRE2_SIZE)pat->string.len,
                                   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &offset, NULL);
    if (!re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        diag_error(c->d, pat->loc, "invalid regular expression in '%s': %s (at character %zu "
                   "of the pattern)", call->call.name, (const char *)msg, (size_t)offset + 1);
        return -1;
    }
    uint32_t n = 0;
    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &n);
    pcre2_code_free(re);
    return (int)n;
}

/* Argument 2 of a regexp_ function: a string literal (checked here), a
 * string param (compiled at start) or any other string (compiled at run
 * time, once per distinct pattern). Its capture count (-1 when unknown
 * until the program runs, -2 after an error). */
static int pattern_arg(Checker *c, Expr *call, Expr *pat)
{
    if (!string_arg(c, call, pat, 2))
        return -2;
    if (pat->kind != EX_STRING)
        return -1;
    int n = literal_captures(c, call, pat);
    return n < 0 ? -2 : n;
}

TypeKind check_string_call(Checker *c, Expr *e)
{
    Expr *a1 = e->call.args, *a2 = a1 ? a1->next : NULL, *a3 = a2 ? a2->next : NULL;
    bool ok = string_arg(c, e, a1, 1);
    switch (e->call.func) {
    case FN_SUBSTRING:
        ok = integer_arg(c, e, a2, 2) && ok;
        ok = (!a3 || integer_arg(c, e, a3, 3)) && ok;
        return ok ? TY_STRING : TY_ERROR;
    case FN_REPLACE:
        ok = string_arg(c, e, a2, 2) && ok;
        ok = string_arg(c, e, a3, 3) && ok;
        return ok ? TY_STRING : TY_ERROR;
    case FN_TRIM:
    case FN_LTRIM:
    case FN_RTRIM:
        return ok ? TY_STRING : TY_ERROR;
    case FN_SPLIT_PART:
        ok = string_arg(c, e, a2, 2) && ok;
        ok = integer_arg(c, e, a3, 3) && ok;
        if (ok && a3->kind == EX_INT && a3->int_value == 0) {
            diag_error(c->d, a3->loc, "the field position of 'split_part' must not be 0 "
                       "(fields count from 1, or from -1 at the end)");
            ok = false;
        }
        return ok ? TY_STRING : TY_ERROR;
    case FN_POSITION:
        ok = string_arg(c, e, a2, 2) && ok;
        return ok ? TY_INT64 : TY_ERROR;
    case FN_LPAD:
    case FN_RPAD:
        ok = integer_arg(c, e, a2, 2) && ok;
        ok = string_arg(c, e, a3, 3) && ok;
        return ok ? TY_STRING : TY_ERROR;
    case FN_LIKE:
        ok = string_arg(c, e, a2, 2) && ok;
        return ok ? TY_BOOL : TY_ERROR;
    case FN_REGEXP_LIKE:
        ok = pattern_arg(c, e, a2) > -2 && ok;
        if (ok)
            c->prog->uses_regex = true;
        return ok ? TY_BOOL : TY_ERROR;
    case FN_REGEXP_EXTRACT: {
        int groups = pattern_arg(c, e, a2);
        ok = groups > -2 && ok;
        if (a3 && !integer_arg(c, e, a3, 3)) {
            ok = false;
        } else if (a3 && a3->kind == EX_INT && a3->int_value < 0) {
            diag_error(c->d, a3->loc, "the group of 'regexp_extract' must be 0 (the whole "
                       "match) or more");
            ok = false;
        } else if (a3 && a3->kind == EX_INT && groups >= 0 && a3->int_value > groups) {
            diag_error(c->d, a3->loc, "the pattern of 'regexp_extract' has no group %lld "
                       "(it has %d)", (long long)a3->int_value, groups);
            ok = false;
        }
        if (ok)
            c->prog->uses_regex = true;
        return ok ? TY_STRING : TY_ERROR;
    }
    case FN_REGEXP_REPLACE:
        ok = pattern_arg(c, e, a2) > -2 && ok;
        ok = string_arg(c, e, a3, 3) && ok;
        if (ok)
            c->prog->uses_regex = true;
        return ok ? TY_STRING : TY_ERROR;
    default:
        return TY_ERROR;
    }
}
