/* flow/json_line.h: the one-pass value parsers of the generated JSON line
 * decoders (FlowSourceDef.parse_json; docs/generated-code.md, "JSON
 * sources"). Each reads the value at p and returns where it ends, or NULL
 * when the value needs the general path: an escape in a string, a nested
 * object or array, a form these do not take, a value of the wrong kind.
 * The runtime then parses the line with its JSON parser (runtime/src/json.c)
 * and the field decoders of flow/codec.h, which accept the value or report
 * it, so these only ever accept what those accept, with the same value. */
#ifndef FLOW_JSON_LINE_H
#define FLOW_JSON_LINE_H

#include <string.h>

#include "flow/codec.h"
#include "flow/csv_line.h"

/* JSON's white space, as json.c skips it. */
static inline const char *flow_json_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

/* The first byte of the eight at p that ends a plain string: a quote, a
 * backslash or a control character (SWAR, as a hand-written scanner does
 * it): its index, or 8 for none. The borrow of a match can only flag the
 * bytes after it, so the lowest flag is exact. */
static inline int flow_json_string_stop8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    const uint64_t ones = UINT64_C(0x0101010101010101), high = UINT64_C(0x8080808080808080);
    uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
    uint64_t stop = ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) |
                    (w - ones * 0x20);
    stop &= ~w & high;
    return stop ? __builtin_ctzll(stop) / 8 : 8;
}

/* A string without escapes or control characters: its bytes in *out, and
 * the end past its closing quote. */
static inline const char *flow_json_plain_string(const char *p, const char *end, FlowStr *out)
{
    if (p == end || *p != '"')
        return NULL;
    const char *s = ++p;
    for (int n = 8; n == 8 && end - p >= 8; p += n)
        n = flow_json_string_stop8(p);
    while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
        p++;
    if (p == end || *p != '"')
        return NULL;
    out->ptr = s;
    out->len = (int64_t)(p - s);
    return p + 1;
}

/* A member's name (a plain string), then ':' with the spaces around it
 * skipped: the end, at the value. */
static inline const char *flow_json_name(const char *p, const char *end, FlowStr *name)
{
    p = flow_json_plain_string(p, end, name);
    if (!p)
        return NULL;
    p = flow_json_ws(p, end);
    if (p == end || *p != ':')
        return NULL;
    return flow_json_ws(p + 1, end);
}

/* The value of member `quoted` (its name with its quotes, n bytes) when the
 * member at p is that one, written without escapes; else NULL. */
static inline const char *flow_json_named(const char *p, const char *end, const char *quoted,
                                          size_t n)
{
    if ((size_t)(end - p) < n || memcmp(p, quoted, n) != 0)
        return NULL;
    p = flow_json_ws(p + n, end);
    if (p == end || *p != ':')
        return NULL;
    return flow_json_ws(p + 1, end);
}

/* The end of the JSON number at p, by the grammar json.c checks, or NULL.
 * *integer: it is an optional '-' and digits only. */
static inline const char *flow_json_number_end(const char *p, const char *end, bool *integer)
{
    const char *q = p + (p < end && *p == '-');
    if (q < end && *q == '0')
        q++;
    else if (q < end && *q >= '1' && *q <= '9')
        while (q < end && *q >= '0' && *q <= '9')
            q++;
    else
        return NULL;
    *integer = true;
    if (q < end && *q == '.') {
        *integer = false;
        if (++q == end || *q < '0' || *q > '9')
            return NULL;
        while (q < end && *q >= '0' && *q <= '9')
            q++;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        *integer = false;
        q++;
        q += q < end && (*q == '+' || *q == '-');
        if (q == end || *q < '0' || *q > '9')
            return NULL;
        while (q < end && *q >= '0' && *q <= '9')
            q++;
    }
    return q;
}

/* An integer number of at most 18 digits (which cannot overflow), read
 * eight digits at a time where they are found; longer ones, and a fraction
 * or an exponent, take the general path. */
static inline const char *flow_json_int64(const char *p, const char *end, int64_t *out)
{
    bool neg;
    const char *digits;
    uint64_t v;
    p = flow_csv_digits(p, end, &neg, &digits, &v);
    if (p == digits || p - digits > 18 || (*digits == '0' && p - digits > 1) ||
        (p < end && (*p == '.' || *p == 'e' || *p == 'E')))
        return NULL;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return p;
}

static inline const char *flow_json_int32(const char *p, const char *end, int32_t *out)
{
    int64_t v;
    p = flow_json_int64(p, end, &v);
    if (!p || v < INT32_MIN || v > INT32_MAX)
        return NULL;
    *out = (int32_t)v;
    return p;
}

static inline const char *flow_json_float64(const char *p, const char *end, double *out)
{
    bool integer;
    const char *q = flow_json_number_end(p, end, &integer);
    return q && flow_parse_float64(p, (size_t)(q - p), out) ? q : NULL;
}

/* Epoch milliseconds as an integer number, read in one pass; another
 * number, or a string (ISO 8601), goes to flow_parse_timestamp. */
static inline const char *flow_json_timestamp(const char *p, const char *end, int64_t *out)
{
    const char *q = flow_json_int64(p, end, out);
    if (q)
        return q;
    if (p < end && *p == '"') {
        FlowStr s;
        q = flow_json_plain_string(p, end, &s);
        return q && flow_parse_timestamp(s.ptr, (size_t)s.len, out) ? q : NULL;
    }
    bool integer;
    q = flow_json_number_end(p, end, &integer);
    return q && flow_parse_timestamp(p, (size_t)(q - p), out) ? q : NULL;
}

static inline const char *flow_json_string(const char *p, const char *end, FlowStr *out)
{
    return flow_json_plain_string(p, end, out);
}

static inline const char *flow_json_bool(const char *p, const char *end, bool *out)
{
    if (end - p >= 4 && memcmp(p, "true", 4) == 0) {
        *out = true;
        return p + 4;
    }
    if (end - p >= 5 && memcmp(p, "false", 5) == 0) {
        *out = false;
        return p + 5;
    }
    return NULL;
}

/* `null`, for an optional field. */
static inline const char *flow_json_null(const char *p, const char *end)
{
    return end - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 : NULL;
}

/* The value of a member no field names: a plain string, a number or a
 * literal is skipped; an escape, an object or an array takes the general
 * path, which checks them. */
static inline const char *flow_json_skip(const char *p, const char *end)
{
    if (p == end)
        return NULL;
    FlowStr s;
    bool b, integer;
    switch (*p) {
    case '"':
        return flow_json_plain_string(p, end, &s);
    case 't':
    case 'f':
        return flow_json_bool(p, end, &b);
    case 'n':
        return flow_json_null(p, end);
    default:
        return flow_json_number_end(p, end, &integer);
    }
}

/* A member no field names, skipped: its name and value. */
static inline const char *flow_json_other(const char *p, const char *end)
{
    FlowStr name;
    p = flow_json_name(p, end, &name);
    return p ? flow_json_skip(p, end) : NULL;
}

#endif
