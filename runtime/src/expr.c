/* expr.c: the out-of-line operations of flow/expr.h: division, string
 * functions and casts. */
#include "flow/expr.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "codec_internal.h"
#include "flow/codec.h"

static const char division_by_zero[] = "division by zero";
static const char modulo_by_zero[] = "modulo by zero";

int32_t flow_i32_div(const char **err, int32_t a, int32_t b)
{
    if (b == 0) {
        if (!*err)
            *err = division_by_zero;
        return 0;
    }
    if (b == -1)
        return flow_i32_neg(a);
    return a / b;
}

int32_t flow_i32_mod(const char **err, int32_t a, int32_t b)
{
    if (b == 0) {
        if (!*err)
            *err = modulo_by_zero;
        return 0;
    }
    if (b == -1)
        return 0;
    return a % b;
}

int64_t flow_i64_div(const char **err, int64_t a, int64_t b)
{
    if (b == 0) {
        if (!*err)
            *err = division_by_zero;
        return 0;
    }
    if (b == -1)
        return flow_i64_neg(a);
    return a / b;
}

int64_t flow_i64_mod(const char **err, int64_t a, int64_t b)
{
    if (b == 0) {
        if (!*err)
            *err = modulo_by_zero;
        return 0;
    }
    if (b == -1)
        return 0;
    return a % b;
}

double flow_f64_mod(double a, double b)
{
    return fmod(a, b);
}

/* ---- Strings ------------------------------------------------------------- */

int64_t flow_str_length(FlowStr s)
{
    /* Count the bytes that start a code point (not 10xxxxxx). */
    int64_t n = 0;
    const unsigned char *p = (const unsigned char *)s.ptr;
    for (int64_t i = 0; i < s.len; i++)
        n += (p[i] & 0xC0) != 0x80;
    return n;
}

bool flow_str_contains(FlowStr s, FlowStr sub)
{
    if (sub.len == 0)
        return true;
    if (sub.len > s.len)
        return false;
    const char *p = s.ptr, *last = s.ptr + (s.len - sub.len);
    char first = sub.ptr[0];
    while (p <= last) {
        p = memchr(p, first, (size_t)(last - p) + 1);
        if (!p)
            return false;
        if (memcmp(p, sub.ptr, (size_t)sub.len) == 0)
            return true;
        p++;
    }
    return false;
}

bool flow_str_starts_with(FlowStr s, FlowStr prefix)
{
    return prefix.len <= s.len &&
           (prefix.len == 0 || memcmp(s.ptr, prefix.ptr, (size_t)prefix.len) == 0);
}

bool flow_str_ends_with(FlowStr s, FlowStr suffix)
{
    return suffix.len <= s.len &&
           (suffix.len == 0 ||
            memcmp(s.ptr + (s.len - suffix.len), suffix.ptr, (size_t)suffix.len) == 0);
}

static FlowStr map_ascii(FlowRuntime *rt, FlowStr s, char from, char to)
{
    if (s.len == 0)
        return s;
    char *out = flow_scratch_alloc(rt, (size_t)s.len);
    for (int64_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        out[i] = c >= from && c <= from + 25 ? (char)(c - from + to) : c;
    }
    return (FlowStr){ out, s.len };
}

FlowStr flow_str_lower(FlowRuntime *rt, FlowStr s)
{
    return map_ascii(rt, s, 'A', 'a');
}

FlowStr flow_str_upper(FlowRuntime *rt, FlowStr s)
{
    return map_ascii(rt, s, 'a', 'A');
}

FlowStr flow_str_concat(FlowRuntime *rt, int n, const FlowStr *parts)
{
    int64_t len = 0;
    for (int i = 0; i < n; i++)
        len += parts[i].len;
    if (len == 0)
        return (FlowStr){ "", 0 };
    char *out = flow_scratch_alloc(rt, (size_t)len), *o = out;
    for (int i = 0; i < n; i++) {
        if (parts[i].len)
            memcpy(o, parts[i].ptr, (size_t)parts[i].len);
        o += parts[i].len;
    }
    return (FlowStr){ out, len };
}

/* ---- Casts --------------------------------------------------------------- */

static _Thread_local char cast_reason[160];

static void fail_number(const char **err, const char *type, double v)
{
    if (*err)
        return;
    /* The value as sinks write it: "nan" whatever its sign bit, the
     * shortest digits otherwise. */
    char num[FLOW_FLOAT64_MAX];
    flow_format_float64(num, isnan(v) ? NAN : v);
    snprintf(cast_reason, sizeof cast_reason, "%s(%s): out of range", type, num);
    *err = cast_reason;
}

static void fail_text(const char **err, const char *type, FlowStr s)
{
    if (*err)
        return;
    char q[128];
    flowrt_codec_quote(q, sizeof q, s.ptr, (size_t)s.len);
    snprintf(cast_reason, sizeof cast_reason, "%s(%s): not %s", type, q,
             type[0] == 'i' ? "an integer" : type[0] == 'f' ? "a number"
             : type[0] == 'b' ? "true or false" : "a timestamp");
    *err = cast_reason;
}

int32_t flow_i32_from_i64(const char **err, int64_t v)
{
    if (v < INT32_MIN || v > INT32_MAX) {
        if (!*err) {
            snprintf(cast_reason, sizeof cast_reason, "int32(%lld): out of range", (long long)v);
            *err = cast_reason;
        }
        return 0;
    }
    return (int32_t)v;
}

int32_t flow_i32_from_f64(const char **err, double v)
{
    /* Both bounds are exact doubles; truncation toward zero keeps
     * (-2147483649, 2147483648) in range. */
    if (!(v > -2147483649.0 && v < 2147483648.0)) {
        fail_number(err, "int32", v);
        return 0;
    }
    return (int32_t)v;
}

int64_t flow_i64_from_f64(const char **err, double v)
{
    if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) {
        fail_number(err, "int64", v);
        return 0;
    }
    return (int64_t)v;
}

/* Text that is an integer, but too large for the type, is out of range, not
 * "not an integer". */
static void fail_int_text(const char **err, const char *type, FlowStr s, int why)
{
    if (why == 0) {
        fail_text(err, type, s);
        return;
    }
    if (*err)
        return;
    char q[128];
    flowrt_codec_quote(q, sizeof q, s.ptr, (size_t)s.len);
    snprintf(cast_reason, sizeof cast_reason, "%s(%s): out of range", type, q);
    *err = cast_reason;
}

int32_t flow_i32_from_str(const char **err, FlowStr s)
{
    int32_t v;
    int r = flowrt_codec_parse_i32(s.ptr, (size_t)s.len, &v);
    if (r != 1) {
        fail_int_text(err, "int32", s, r);
        return 0;
    }
    return v;
}

int64_t flow_i64_from_str(const char **err, FlowStr s)
{
    int64_t v;
    int r = flowrt_codec_parse_i64(s.ptr, (size_t)s.len, &v);
    if (r != 1) {
        fail_int_text(err, "int64", s, r);
        return 0;
    }
    return v;
}

double flow_f64_from_str(const char **err, FlowStr s)
{
    double v;
    if (!flow_parse_float64(s.ptr, (size_t)s.len, &v)) {
        fail_text(err, "float64", s);
        return 0;
    }
    return v;
}

bool flow_bool_from_str(const char **err, FlowStr s)
{
    bool v;
    if (!flow_parse_bool(s.ptr, (size_t)s.len, &v)) {
        fail_text(err, "bool", s);
        return false;
    }
    return v;
}

int64_t flow_ts_from_str(const char **err, FlowStr s)
{
    int64_t v;
    if (!flow_parse_timestamp(s.ptr, (size_t)s.len, &v)) {
        fail_text(err, "timestamp", s);
        return 0;
    }
    return v;
}

FlowStr flow_str_from_i64(FlowRuntime *rt, int64_t v)
{
    char *out = flow_scratch_alloc(rt, FLOW_INT64_MAX);
    return (FlowStr){ out, (int64_t)flow_format_int64(out, v) };
}

FlowStr flow_str_from_f64(FlowRuntime *rt, double v)
{
    char *out = flow_scratch_alloc(rt, FLOW_FLOAT64_MAX);
    return (FlowStr){ out, (int64_t)flow_format_float64(out, v) };
}

FlowStr flow_str_from_bool(bool v)
{
    return v ? (FlowStr){ "true", 4 } : (FlowStr){ "false", 5 };
}

FlowStr flow_str_from_ts(FlowRuntime *rt, int64_t ms)
{
    char *out = flow_scratch_alloc(rt, FLOW_TIMESTAMP_MAX);
    return (FlowStr){ out, (int64_t)flow_format_timestamp(out, ms) };
}
