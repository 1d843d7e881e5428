/* fn_string.c: the string functions of flow/fn_string.h (docs/language.md,
 * "String functions"); the regular expressions are in fn_regex.c. */
#include "flow/fn_string.h"

#include <stdio.h>
#include <string.h>

#include "flow/expr.h"

static bool starts_char(unsigned char c)
{
    return (c & 0xC0) != 0x80;
}

/* The byte offset of character `k` (0-based) of s, or s.len when s has no
 * more than k characters. */
static int64_t char_offset(FlowStr s, int64_t k)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    for (int64_t i = 0; i < s.len; i++)
        if (starts_char(p[i]) && k-- == 0)
            return i;
    return s.len;
}

static FlowStr slice(FlowStr s, int64_t from, int64_t to)
{
    return (FlowStr){ s.ptr + from, to - from };
}

/* Characters [from, to) of s (0-based, clipped to s). */
static FlowStr chars(FlowStr s, int64_t from, int64_t to)
{
    if (from < 0)
        from = 0;
    if (to <= from)
        return (FlowStr){ "", 0 };
    int64_t a = char_offset(s, from);
    FlowStr rest = slice(s, a, s.len);
    return slice(s, a, a + char_offset(rest, to - from));
}

FlowStr flow_str_substring(const char **err, FlowStr s, int64_t start, int64_t length)
{
    if (length < 0) {
        if (!*err)
            *err = "substring: negative length";
        return (FlowStr){ "", 0 };
    }
    /* Positions start .. start + length - 1, in 0-based characters; the end
     * saturates rather than overflows. */
    int64_t from = start > INT64_MIN + 1 ? start - 1 : INT64_MIN;
    int64_t to = from > 0 && length > INT64_MAX - from ? INT64_MAX : from + length;
    return chars(s, from, to);
}

FlowStr flow_str_substring_from(FlowStr s, int64_t start)
{
    return chars(s, start > 1 ? start - 1 : 0, INT64_MAX);
}

/* The offset of the first `sub` in s at or after `from`, or -1. */
static int64_t find(FlowStr s, int64_t from, FlowStr sub)
{
    if (sub.len == 0)
        return from;
    const char *p = s.ptr + from, *last = s.ptr + (s.len - sub.len);
    while (p <= last) {
        p = memchr(p, sub.ptr[0], (size_t)(last - p) + 1);
        if (!p)
            return -1;
        if (memcmp(p, sub.ptr, (size_t)sub.len) == 0)
            return p - s.ptr;
        p++;
    }
    return -1;
}

FlowStr flow_str_replace(FlowRuntime *rt, FlowStr s, FlowStr from, FlowStr to)
{
    if (from.len == 0 || from.len > s.len)
        return s;
    int64_t count = 0;
    for (int64_t at = find(s, 0, from); at >= 0; at = find(s, at + from.len, from))
        count++;
    if (count == 0)
        return s;
    int64_t len = s.len + count * (to.len - from.len);
    if (len == 0)
        return (FlowStr){ "", 0 };
    char *out = flow_scratch_alloc(rt, (size_t)len), *o = out;
    int64_t done = 0;
    for (int64_t at = find(s, 0, from); at >= 0; at = find(s, at + from.len, from)) {
        memcpy(o, s.ptr + done, (size_t)(at - done));
        o += at - done;
        if (to.len)
            memcpy(o, to.ptr, (size_t)to.len);
        o += to.len;
        done = at + from.len;
    }
    if (s.len > done)
        memcpy(o, s.ptr + done, (size_t)(s.len - done));
    return (FlowStr){ out, len };
}

FlowStr flow_str_ltrim(FlowStr s)
{
    int64_t a = 0;
    while (a < s.len && s.ptr[a] == ' ')
        a++;
    return slice(s, a, s.len);
}

FlowStr flow_str_rtrim(FlowStr s)
{
    int64_t b = s.len;
    while (b > 0 && s.ptr[b - 1] == ' ')
        b--;
    return slice(s, 0, b);
}

FlowStr flow_str_trim(FlowStr s)
{
    return flow_str_ltrim(flow_str_rtrim(s));
}

FlowStr flow_str_split_part(const char **err, FlowStr s, FlowStr delim, int64_t n)
{
    static const FlowStr empty = { "", 0 };
    if (n == 0) {
        if (!*err)
            *err = "split_part: field position must not be zero";
        return empty;
    }
    if (delim.len == 0)
        return n == 1 || n == -1 ? s : empty;
    if (n < 0) {
        /* Count the fields, then take field count + 1 + n from the start. */
        int64_t fields = 1;
        for (int64_t at = find(s, 0, delim); at >= 0; at = find(s, at + delim.len, delim))
            fields++;
        if (n < -fields) /* not -n > fields: -INT64_MIN overflows */
            return empty;
        n = fields + 1 + n;
    }
    int64_t begin = 0;
    for (int64_t k = 1;; k++) {
        int64_t at = find(s, begin, delim);
        if (k == n)
            return slice(s, begin, at < 0 ? s.len : at);
        if (at < 0)
            return empty;
        begin = at + delim.len;
    }
}

int64_t flow_str_position(FlowStr sub, FlowStr s)
{
    int64_t at = find(s, 0, sub);
    return at < 0 ? 0 : flow_str_length(slice(s, 0, at)) + 1;
}

static bool pad_length_ok(const char **err, const char *fn, int64_t n)
{
    if (n <= FLOW_PAD_MAX)
        return true;
    if (!*err) {
        static _Thread_local char reason[96];
        snprintf(reason, sizeof reason, "%s: length %lld is more than %d", fn, (long long)n,
                 FLOW_PAD_MAX);
        *err = reason;
    }
    return false;
}

/* s padded to n characters with fill, on the left or on the right. */
static FlowStr pad(const char **err, FlowRuntime *rt, FlowStr s, int64_t n, FlowStr fill,
                   bool left, const char *fn)
{
    if (!pad_length_ok(err, fn, n))
        return (FlowStr){ "", 0 };
    int64_t have = flow_str_length(s);
    if (n <= have)
        return chars(s, 0, n);
    if (fill.len == 0)
        return s;
    /* The fill's characters, repeated, then cut after `need` of them. */
    int64_t need = n - have, fill_chars = flow_str_length(fill);
    int64_t whole = need / fill_chars;
    FlowStr part = chars(fill, 0, need % fill_chars);
    int64_t len = s.len + whole * fill.len + part.len;
    char *out = flow_scratch_alloc(rt, (size_t)len), *o = out;
    if (!left) {
        memcpy(o, s.ptr, (size_t)s.len);
        o += s.len;
    }
    for (int64_t i = 0; i < whole; i++, o += fill.len)
        memcpy(o, fill.ptr, (size_t)fill.len);
    if (part.len)
        memcpy(o, part.ptr, (size_t)part.len);
    o += part.len;
    if (left && s.len)
        memcpy(o, s.ptr, (size_t)s.len);
    return (FlowStr){ out, len };
}

FlowStr flow_str_lpad(const char **err, FlowRuntime *rt, FlowStr s, int64_t n, FlowStr fill)
{
    return pad(err, rt, s, n, fill, true, "lpad");
}

FlowStr flow_str_rpad(const char **err, FlowRuntime *rt, FlowStr s, int64_t n, FlowStr fill)
{
    return pad(err, rt, s, n, fill, false, "rpad");
}

/* The byte length of the character that starts at s[i]: its lead byte and
 * the continuation bytes after it. */
static int64_t char_len(FlowStr s, int64_t i)
{
    int64_t j = i + 1;
    while (j < s.len && !starts_char((unsigned char)s.ptr[j]))
        j++;
    return j - i;
}

/* The wildcard matcher with one backtrack point: on a mismatch, the last
 * '%' takes one more character of s. Linear space, O(len(s) * len(p))
 * time at worst. */
bool flow_str_like(FlowStr s, FlowStr p)
{
    int64_t i = 0, j = 0, star_j = -1, star_i = 0;
    while (i < s.len) {
        if (j < p.len && p.ptr[j] == '%') {
            star_j = ++j;
            star_i = i;
            continue;
        }
        if (j < p.len && p.ptr[j] == '_') {
            i += char_len(s, i);
            j++;
            continue;
        }
        if (j < p.len) {
            int64_t k = p.ptr[j] == '\\' && j + 1 < p.len ? j + 1 : j;
            if (p.ptr[k] == s.ptr[i]) {
                i++;
                j = k + 1;
                continue;
            }
        }
        if (star_j < 0)
            return false;
        star_i += char_len(s, star_i);
        i = star_i;
        j = star_j;
    }
    while (j < p.len && p.ptr[j] == '%')
        j++;
    return j == p.len;
}
