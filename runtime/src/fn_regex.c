/* fn_regex.c: the regular expressions of flow/fn_string.h through PCRE2.
 * A run compiles its program's patterns once, at start (flow_regex_setup),
 * into slots of its own, each with its match data: nothing is shared
 * between runs, and nothing is compiled per record. Only a program with a
 * regexp_ call refers to this file, so only it links -lpcre2-8. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/fn_string.h"
#include "rt.h"

typedef struct RegexSlot {
    pcre2_code *code;
    pcre2_match_data *match;
    uint32_t groups;          /* capture count */
} RegexSlot;

struct RegexSlots {
    RegexSlot *slots;
    int n;
};

/* The options flowc checks literal patterns with (compiler/check_fn_string.c). */
#define REGEX_OPTIONS (PCRE2_UTF | PCRE2_MATCH_INVALID_UTF)

static void regexes_free(FlowRuntime *rt)
{
    struct RegexSlots *r = rt->regexes;
    for (int i = 0; i < r->n; i++) {
        pcre2_match_data_free(r->slots[i].match);
        pcre2_code_free(r->slots[i].code);
    }
    free(r->slots);
    free(r);
    rt->regexes = NULL;
}

/* The current value of the string param `name`. */
static FlowStr param_value(FlowRuntime *rt, const char *name)
{
    const FlowProgram *prog = rt->prog;
    FlowStr v = { "", 0 };
    for (int i = 0; i < prog->nparams; i++)
        if (strcmp(prog->params[i].name, name) == 0)
            memcpy(&v, (const char *)rt->head.params + prog->params[i].offset, sizeof v);
    return v;
}

bool flow_regex_setup(FlowRuntime *rt, const FlowRegexDef *defs, int n)
{
    struct RegexSlots *r = calloc(1, sizeof *r);
    RegexSlot *slots = calloc((size_t)n, sizeof *slots);
    if (!r || !slots) {
        free(r);
        free(slots);
        flowrt_runtime_fail(rt, "out of memory");
        return false;
    }
    r->slots = slots;
    rt->regexes = r;
    rt->regexes_free = regexes_free;
    for (int i = 0; i < n; i++) {
        const FlowRegexDef *d = &defs[i];
        FlowStr pat = d->pattern ? (FlowStr){ d->pattern, d->len } : param_value(rt, d->param);
        int code;
        PCRE2_SIZE offset;
        RegexSlot *s = &slots[i];
        s->code = pcre2_compile((PCRE2_SPTR)pat.ptr, (PCRE2_SIZE)pat.len, REGEX_OPTIONS, &code,
                                &offset, NULL);
        if (!s->code) {
            PCRE2_UCHAR msg[160];
            pcre2_get_error_message(code, msg, sizeof msg);
            flowrt_runtime_fail(rt, "%s: param %s: invalid regular expression \"%.*s\": %s "
                                "(at character %zu of the pattern)",
                                d->where, d->param ? d->param : "?", (int)pat.len, pat.ptr,
                                (const char *)msg, (size_t)offset + 1);
            return false;
        }
        r->n = i + 1;
        /* JIT when the platform has it; the interpreter otherwise. */
        pcre2_jit_compile(s->code, PCRE2_JIT_COMPLETE);
        pcre2_pattern_info(s->code, PCRE2_INFO_CAPTURECOUNT, &s->groups);
        s->match = pcre2_match_data_create_from_pattern(s->code, NULL);
        if (!s->match) {
            flowrt_runtime_fail(rt, "out of memory");
            return false;
        }
    }
    return true;
}

static _Thread_local char regex_reason[200];

static void fail_code(const char **err, const char *fn, int code)
{
    if (*err)
        return;
    PCRE2_UCHAR msg[160];
    pcre2_get_error_message(code, msg, sizeof msg);
    snprintf(regex_reason, sizeof regex_reason, "%s: %s", fn, (const char *)msg);
    *err = regex_reason;
}

/* Matches slot `slot` against s: > 0 on a match, 0 on none, and < 0 after
 * setting *err (a match limit reached, say). */
static int match(const char **err, RegexSlot *s, FlowStr text, const char *fn)
{
    if (!text.ptr)
        text.ptr = ""; /* an empty FlowStr may have no bytes at all */
    int rc = pcre2_match(s->code, (PCRE2_SPTR)text.ptr, (PCRE2_SIZE)text.len, 0, 0, s->match,
                         NULL);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc < 0) {
        fail_code(err, fn, rc);
        return -1;
    }
    return 1;
}

bool flow_regexp_like(const char **err, FlowRuntime *rt, int slot, FlowStr s)
{
    return match(err, &rt->regexes->slots[slot], s, "regexp_like") > 0;
}

FlowStr flow_regexp_extract(const char **err, FlowRuntime *rt, int slot, FlowStr s,
                            int64_t group)
{
    static const FlowStr empty = { "", 0 };
    RegexSlot *r = &rt->regexes->slots[slot];
    if (group < 0 || group > (int64_t)r->groups) {
        if (!*err) {
            snprintf(regex_reason, sizeof regex_reason,
                     "regexp_extract: the pattern has no group %lld (it has %u)",
                     (long long)group, r->groups);
            *err = regex_reason;
        }
        return empty;
    }
    if (match(err, r, s, "regexp_extract") <= 0)
        return empty;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->match);
    uint32_t pairs = pcre2_get_ovector_count(r->match);
    if ((uint32_t)group >= pairs || ov[2 * group] == PCRE2_UNSET)
        return empty;
    return (FlowStr){ s.ptr + ov[2 * group], (int64_t)(ov[2 * group + 1] - ov[2 * group]) };
}

FlowStr flow_regexp_replace(const char **err, FlowRuntime *rt, int slot, FlowStr s,
                            FlowStr replacement)
{
    RegexSlot *r = &rt->regexes->slots[slot];
    if (!s.ptr)
        s.ptr = "";
    uint32_t opts = PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH;
    /* A first try into a buffer of twice the text; on overflow PCRE2 says
     * how much it needs, and the second try fits. */
    PCRE2_SIZE cap = (PCRE2_SIZE)(2 * (s.len + replacement.len) + 64);
    for (int attempt = 0; attempt < 2; attempt++) {
        PCRE2_UCHAR *out = flow_scratch_alloc(rt, cap);
        PCRE2_SIZE len = cap;
        int rc = pcre2_substitute(r->code, (PCRE2_SPTR)s.ptr, (PCRE2_SIZE)s.len, 0, opts,
                                  r->match, NULL, (PCRE2_SPTR)replacement.ptr,
                                  (PCRE2_SIZE)replacement.len, out, &len);
        if (rc >= 0)
            return (FlowStr){ (const char *)out, (int64_t)len };
        if (rc != PCRE2_ERROR_NOMEMORY) {
            fail_code(err, "regexp_replace", rc);
            return (FlowStr){ "", 0 };
        }
        cap = len;
    }
    fail_code(err, "regexp_replace", PCRE2_ERROR_NOMEMORY);
    return (FlowStr){ "", 0 };
}
