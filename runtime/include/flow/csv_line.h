/* flow/csv_line.h: the one-pass field parsers of the generated CSV line
 * decoders (FlowSourceDef.parse_csv; docs/generated-code.md, "CSV
 * sources"). Each reads the unquoted field at p, stops at the ',' or the
 * line end `end` that follows it and returns where it stopped, or NULL when
 * the field needs the general path: a quote, a form these do not take, a
 * value they cannot tell is valid. The runtime then splits the line with its
 * CSV parser and the field decoders of flow/codec.h, which accept the field
 * or report it, so these only ever accept what those accept, with the same
 * value. */
#ifndef FLOW_CSV_LINE_H
#define FLOW_CSV_LINE_H

#include <string.h>

#include "flow/codec.h"

/* The end of an unquoted field: the next ',' or the line end. */
static inline const char *flow_csv_field_end(const char *p, const char *end)
{
    const char *q = (const char *)memchr(p, ',', (size_t)(end - p));
    return q ? q : end;
}

/* The leading digits of the eight bytes at p, in one step (SWAR, as
 * simdjson's parse_eight_digits): their number (0 to 8), and their value in
 * *value. A byte is a digit when its high nibble is 3 before and after
 * adding 6; the first byte that is not ends the digits (a carry out of it
 * only reaches the bytes after it). */
static inline int flow_csv_digits8(const char *p, uint64_t *value)
{
    uint64_t w;
    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    const uint64_t high = UINT64_C(0xF0F0F0F0F0F0F0F0), zeros = UINT64_C(0x3030303030303030);
    uint64_t other = ((w & high) ^ zeros) | (((w + UINT64_C(0x0606060606060606)) & high) ^ zeros);
    int n = other ? __builtin_ctzll(other) / 8 : 8;
    if (n == 0)
        return 0;
    /* The n digits to the top bytes, zeros (leading zero digits) below. */
    w = (w - zeros) << (8 * (8 - n));
    w = (w * 10 + (w >> 8)) & UINT64_C(0x00FF00FF00FF00FF);
    w = (w * 100 + (w >> 16)) & UINT64_C(0x0000FFFF0000FFFF);
    *value = (w * 10000 + (w >> 32)) & 0xFFFFFFFF;
    return n;
}

/* An optional '-' and the digits after it at p, read where they are found,
 * eight at a time while eight bytes are left, with no scan for their end
 * first: where the digits start in *digits, their value in *v (which wraps
 * past 19 digits: callers take at most 18), the end of the digits returned. */
static inline const char *flow_csv_digits(const char *p, const char *end, bool *neg,
                                          const char **digits, uint64_t *v)
{
    static const uint64_t pow10[9] = { 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
                                       100000000 };
    *neg = p < end && *p == '-';
    p += *neg;
    *digits = p;
    uint64_t value = 0, part;
    int n = 8;
    while (n == 8 && end - p >= 8) {
        n = flow_csv_digits8(p, &part);
        if (n)
            value = value * pow10[n] + part;
        p += n;
    }
    for (; n == 8 && p < end; p++) {
        unsigned d = (unsigned)(unsigned char)*p - '0';
        if (d > 9)
            break;
        value = value * 10 + d;
    }
    *v = value;
    return p;
}

/* An optional '-' and 1 to 18 digits, which cannot overflow: longer
 * integers and a '+' take the general path. */
static inline const char *flow_csv_int64(const char *p, const char *end, int64_t *out)
{
    bool neg;
    const char *digits;
    uint64_t v;
    p = flow_csv_digits(p, end, &neg, &digits, &v);
    if (p == digits || p - digits > 18 || (p < end && *p != ','))
        return NULL;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return p;
}

static inline const char *flow_csv_int32(const char *p, const char *end, int32_t *out)
{
    int64_t v;
    p = flow_csv_int64(p, end, &v);
    if (!p || v < INT32_MIN || v > INT32_MAX)
        return NULL;
    *out = (int32_t)v;
    return p;
}

/* Epoch milliseconds are read as an integer in the same pass; any other
 * form goes to flow_parse_timestamp once the field's end is known. */
static inline const char *flow_csv_timestamp(const char *p, const char *end, int64_t *out)
{
    const char *q = flow_csv_int64(p, end, out);
    if (q)
        return q;
    if (p < end && *p == '"')
        return NULL;
    q = flow_csv_field_end(p, end);
    return flow_parse_timestamp(p, (size_t)(q - p), out) ? q : NULL;
}

static inline const char *flow_csv_float64(const char *p, const char *end, double *out)
{
    if (p < end && *p == '"')
        return NULL;
    const char *q = flow_csv_field_end(p, end);
    return flow_parse_float64(p, (size_t)(q - p), out) ? q : NULL;
}

static inline const char *flow_csv_string(const char *p, const char *end, FlowStr *out)
{
    if (p < end && *p == '"')
        return NULL;
    const char *q = flow_csv_field_end(p, end);
    out->ptr = p;
    out->len = (int64_t)(q - p);
    return q;
}

static inline const char *flow_csv_bool(const char *p, const char *end, bool *out)
{
    if (p < end && *p == '"')
        return NULL;
    const char *q = flow_csv_field_end(p, end);
    FlowField f = { p, (size_t)(q - p), FLOW_FIELD_TEXT };
    return flow_field_bool(&f, out) ? NULL : q;
}

#endif
