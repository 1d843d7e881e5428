/* fn_regex.c: the regular expressions of flow/fn_string.h through PCRE2.
 * A run compiles its program's literal and param patterns once, at start
 * (flow_regex_setup), into slots of its own, each with its match data;
 * patterns from fields are compiled on first sight into a cache of the
 * run's (a bad one remembered with its error): nothing is shared between
 * runs, and a pattern is not compiled per record. Only a program with a
 * regexp_ call refers to this file, so only it links -lpcre2-8. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"
#include "flow/fn_string.h"
#include "rt.h"

typedef struct RegexSlot {
    pcre2_code *code;
    pcre2_match_data *match;
    uint32_t groups;          /* capture count */
} RegexSlot;

/* A pattern from a field, as the cache keeps it: compiled (code set) or
 * not a regular expression (why set, for every record that names it). */
typedef struct DynamicRegex {
    char *pattern;
    int64_t len;
    uint64_t hash;
    RegexSlot slot;
    char *why;
} DynamicRegex;

/* The cache holds at most this many patterns; when it is full it is
 * emptied, so that an input of ever-new patterns costs a compile per
 * record, never unbounded memory. Open addressing, twice that size. */
enum { DYNAMIC_MAX = 256, DYNAMIC_BUCKETS = 2 * DYNAMIC_MAX };

struct RegexSlots {
    RegexSlot *slots;
    int n;
    DynamicRegex *dynamic;    /* DYNAMIC_BUCKETS entries, allocated on first use */
    int ndynamic;
};

/* The options flowc checks literal patterns with (compiler/check_fn_string.c). */
#define REGEX_OPTIONS (PCRE2_UTF | PCRE2_MATCH_INVALID_UTF)

static void slot_free(RegexSlot *s)
{
    pcre2_match_data_free(s->match);
    pcre2_code_free(s->code);
}

static void dynamic_clear(struct RegexSlots *r)
{
    for (int i = 0; r->dynamic && i < DYNAMIC_BUCKETS; i++) {
        DynamicRegex *d = &r->dynamic[i];
        if (!d->pattern)
            continue;
        slot_free(&d->slot);
        free(d->pattern);
        free(d->why);
        memset(d, 0, sizeof *d);
    }
    r->ndynamic = 0;
}

static void regexes_free(FlowRuntime *rt)
{
    struct RegexSlots *r = rt->regexes;
    for (int i = 0; i < r->n; i++)
        slot_free(&r->slots[i]);
    dynamic_clear(r);
    free(r->dynamic);
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

static bool compile(RegexSlot *s, FlowStr pat, char **why);

bool flow_regex_setup(FlowRuntime *rt, const FlowRegexDef *defs, int n)
{
    struct RegexSlots *r = calloc(1, sizeof *r);
    RegexSlot *slots = calloc((size_t)n + 1, sizeof *slots);
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
        char *why;
        bool ok = compile(&slots[i], pat, &why);
        r->n = i + 1;
        if (!ok) {
            flowrt_runtime_fail(rt, "%s: param %s: %s", d->where, d->param ? d->param : "?",
                                why ? why : "out of memory");
            free(why);
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

/* Compiles `pat` into s; false, with the reason in a new string *why
 * (NULL when out of memory), when it does not compile. */
static bool compile(RegexSlot *s, FlowStr pat, char **why)
{
    int code;
    PCRE2_SIZE offset;
    s->code = pcre2_compile((PCRE2_SPTR)(pat.ptr ? pat.ptr : ""), (PCRE2_SIZE)pat.len,
                            REGEX_OPTIONS, &code, &offset, NULL);
    if (!s->code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        char q[64];
        flowrt_codec_quote(q, sizeof q, pat.ptr ? pat.ptr : "", (size_t)pat.len);
        size_t cap = sizeof q + sizeof msg + 80;
        *why = malloc(cap);
        if (*why)
            snprintf(*why, cap, "invalid regular expression %s: %s (at character %zu of the "
                     "pattern)", q, (const char *)msg, (size_t)offset + 1);
        return false;
    }
    /* JIT when the platform has it; the interpreter otherwise. */
    pcre2_jit_compile(s->code, PCRE2_JIT_COMPLETE);
    pcre2_pattern_info(s->code, PCRE2_INFO_CAPTURECOUNT, &s->groups);
    s->match = pcre2_match_data_create_from_pattern(s->code, NULL);
    *why = NULL;
    return s->match != NULL;
}

static uint64_t pattern_hash(FlowStr p)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (int64_t i = 0; i < p.len; i++)
        h = (h ^ (unsigned char)p.ptr[i]) * 1099511628211u;
    return h;
}

static bool fail(const char **err, const char *fn, const char *why)
{
    if (!*err) {
        snprintf(regex_reason, sizeof regex_reason, "%s: %s", fn, why);
        *err = regex_reason;
    }
    return false;
}

/* The slot of a pattern from a field: from the run's cache, or compiled
 * into it. NULL after setting *err for a pattern that does not compile. */
static RegexSlot *dynamic_slot(const char **err, FlowRuntime *rt, FlowStr pat, const char *fn)
{
    struct RegexSlots *r = rt->regexes;
    if (!r) {
        /* A program whose only patterns come from fields has no slots to
         * set up at start. */
        if (!flow_regex_setup(rt, NULL, 0))
            return NULL;
        r = rt->regexes;
    }
    if (!r->dynamic && !(r->dynamic = calloc(DYNAMIC_BUCKETS, sizeof *r->dynamic))) {
        fail(err, fn, "out of memory");
        return NULL;
    }
    uint64_t h = pattern_hash(pat);
    size_t i = (size_t)(h % DYNAMIC_BUCKETS);
    for (DynamicRegex *d = &r->dynamic[i]; d->pattern; d = &r->dynamic[i]) {
        if (d->hash == h && d->len == pat.len && memcmp(d->pattern, pat.ptr, (size_t)pat.len) == 0) {
            if (d->why) {
                fail(err, fn, d->why);
                return NULL;
            }
            return &d->slot;
        }
        i = (i + 1) % DYNAMIC_BUCKETS;
    }
    if (r->ndynamic == DYNAMIC_MAX) {
        dynamic_clear(r);
        i = (size_t)(h % DYNAMIC_BUCKETS);
    }
    DynamicRegex *d = &r->dynamic[i];
    d->pattern = malloc((size_t)pat.len + 1);
    if (!d->pattern) {
        fail(err, fn, "out of memory");
        return NULL;
    }
    if (pat.len)
        memcpy(d->pattern, pat.ptr, (size_t)pat.len);
    d->len = pat.len;
    d->hash = h;
    r->ndynamic++;
    if (!compile(&d->slot, pat, &d->why)) {
        if (!d->why)
            d->why = strdup("out of memory");
        fail(err, fn, d->why ? d->why : "out of memory");
        return NULL;
    }
    return &d->slot;
}

static bool like(const char **err, RegexSlot *r, FlowStr s)
{
    return r && match(err, r, s, "regexp_like") > 0;
}

static FlowStr extract(const char **err, RegexSlot *r, FlowStr s, int64_t group)
{
    static const FlowStr empty = { "", 0 };
    if (!r)
        return empty;
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

static FlowStr replace(const char **err, FlowRuntime *rt, RegexSlot *r, FlowStr s,
                       FlowStr replacement)
{
    if (!r)
        return (FlowStr){ "", 0 };
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

bool flow_regexp_like(const char **err, FlowRuntime *rt, int slot, FlowStr s)
{
    return like(err, &rt->regexes->slots[slot], s);
}

FlowStr flow_regexp_extract(const char **err, FlowRuntime *rt, int slot, FlowStr s,
                            int64_t group)
{
    return extract(err, &rt->regexes->slots[slot], s, group);
}

FlowStr flow_regexp_replace(const char **err, FlowRuntime *rt, int slot, FlowStr s,
                            FlowStr replacement)
{
    return replace(err, rt, &rt->regexes->slots[slot], s, replacement);
}

bool flow_regexp_like_of(const char **err, FlowRuntime *rt, FlowStr re, FlowStr s)
{
    return like(err, dynamic_slot(err, rt, re, "regexp_like"), s);
}

FlowStr flow_regexp_extract_of(const char **err, FlowRuntime *rt, FlowStr re, FlowStr s,
                               int64_t group)
{
    return extract(err, dynamic_slot(err, rt, re, "regexp_extract"), s, group);
}

FlowStr flow_regexp_replace_of(const char **err, FlowRuntime *rt, FlowStr re, FlowStr s,
                               FlowStr replacement)
{
    return replace(err, rt, dynamic_slot(err, rt, re, "regexp_replace"), s, replacement);
}
