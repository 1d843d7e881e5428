/* codec.c: the field decoders and the text parsers and formatters of
 * flow/codec.h: integers, float parsing, ISO 8601 timestamps (float output
 * is float_format.c).
 *
 * Decisions:
 * - Integers: optional sign (`-` or `+`), then decimal digits, nothing else;
 *   a value out of the type's range is an error, never wrapped.
 * - Floats: decimal notation with optional fraction and exponent, or `nan`,
 *   `inf`, `infinity` (any letter case, optional sign). Hex floats and
 *   surrounding spaces are rejected.
 * - Bools: flow_parse_bool (casts, params) takes exactly `true` / `false`. A
 *   CSV field also takes any letter case of those and `1` / `0`, because
 *   exports from databases and spreadsheets write them so.
 * - JSON: numeric fields take JSON numbers; float64 fields also take the
 *   strings "nan", "inf" and "-inf" that the JSON sink writes for the values
 *   JSON cannot represent; string fields take JSON strings only; timestamp
 *   fields take strings (any §7 form) or integer numbers (epoch ms); bool
 *   fields take true / false. */
#include "flow/codec.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"
#include "flow/csv_line.h"

/* ---- Reasons ------------------------------------------------------------- */

/* "WHAT: VALUE": a what of less than 64 bytes, a quoted value of less than
 * 128 (flowrt_codec_reason). */
static _Thread_local char reason_buf[64 + 2 + 128];

size_t flowrt_codec_quote(char *buf, size_t size, const char *s, size_t len)
{
    /* Short, printable, quoted: reasons go to a terminal and to log files. */
    size_t max = 40, o = 0;
    if (size < 16)
        return 0;
    buf[o++] = '"';
    for (size_t i = 0; i < len && i < max && o + 8 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
        } else {
            buf[o++] = (char)c;
        }
    }
    if (len > max && o + 5 < size) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return o;
}

const char *flowrt_codec_reason(const char *what, const char *s, size_t len)
{
    char q[128];
    flowrt_codec_quote(q, sizeof q, s, len);
    snprintf(reason_buf, sizeof reason_buf, "%s: %s", what, q);
    return reason_buf;
}

static const char *kind_name(FlowFieldKind k)
{
    switch (k) {
    case FLOW_FIELD_TEXT: return "text";
    case FLOW_FIELD_STRING: return "a string";
    case FLOW_FIELD_NUMBER: return "a number";
    case FLOW_FIELD_TRUE: return "true";
    case FLOW_FIELD_FALSE: return "false";
    case FLOW_FIELD_NULL: return "null";
    case FLOW_FIELD_MISSING: return "nothing";
    case FLOW_FIELD_OTHER: break;
    }
    return "an object or array";
}

/* The reason for a field of the wrong JSON kind. */
static const char *wrong_kind(const char *expected, const FlowField *f)
{
    if (f->kind == FLOW_FIELD_MISSING)
        return "missing field";
    if (f->kind == FLOW_FIELD_NULL)
        return "null";
    if (f->kind == FLOW_FIELD_OTHER)
        snprintf(reason_buf, sizeof reason_buf, "expected %s, found %s", expected,
                 f->len && f->ptr[0] == '[' ? "an array" : "an object");
    else if (f->kind == FLOW_FIELD_STRING || f->kind == FLOW_FIELD_NUMBER) {
        char q[128];
        flowrt_codec_quote(q, sizeof q, f->ptr, f->len);
        snprintf(reason_buf, sizeof reason_buf, "expected %s, found %s %s", expected,
                 kind_name(f->kind), q);
    } else
        snprintf(reason_buf, sizeof reason_buf, "expected %s, found %s", expected,
                 kind_name(f->kind));
    return reason_buf;
}

/* ---- Integers ------------------------------------------------------------ */

/* Reads a sign and digits into a magnitude. Returns 1 ok, 0 not an integer,
 * -1 an integer too large for 64 bits. */
static int parse_magnitude(const char *s, size_t len, bool *neg, uint64_t *mag)
{
    const char *p = s, *end = s + len;
    *neg = false;
    if (p < end && (*p == '-' || *p == '+')) {
        *neg = *p == '-';
        p++;
    }
    if (p == end)
        return 0;
    uint64_t v = 0;
    if (end - p <= 19) {
        /* At most 19 digits cannot overflow 64 unsigned bits: the common
         * case needs no check per digit. */
        for (; p < end; p++) {
            unsigned d = (unsigned)(unsigned char)*p - '0';
            if (d > 9)
                return 0;
            v = v * 10 + d;
        }
        *mag = v;
        return 1;
    }
    int result = 1;
    for (; p < end; p++) {
        unsigned d = (unsigned)(unsigned char)*p - '0';
        if (d > 9)
            return 0;
        if (v > (UINT64_MAX - d) / 10)
            result = -1;
        else
            v = v * 10 + d;
    }
    *mag = v;
    return result;
}

int flowrt_codec_parse_i64(const char *s, size_t len, int64_t *out)
{
    bool neg;
    uint64_t mag;
    int r = parse_magnitude(s, len, &neg, &mag);
    if (r <= 0)
        return r;
    if (mag > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
        return -1;
    *out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return 1;
}

int flowrt_codec_parse_i32(const char *s, size_t len, int32_t *out)
{
    int64_t v;
    int r = flowrt_codec_parse_i64(s, len, &v);
    if (r <= 0)
        return r;
    if (v < INT32_MIN || v > INT32_MAX)
        return -1;
    *out = (int32_t)v;
    return 1;
}

bool flow_parse_int64(const char *s, size_t len, int64_t *out)
{
    return flowrt_codec_parse_i64(s, len, out) == 1;
}

bool flow_parse_int32(const char *s, size_t len, int32_t *out)
{
    return flowrt_codec_parse_i32(s, len, out) == 1;
}

bool flow_parse_duration(const char *s, size_t len, int64_t *out_ms)
{
    /* As the scanner reads duration literals (dsl/flow.l): us must make
     * whole milliseconds. */
    static const struct {
        const char *unit;
        int64_t ms; /* 0: us */
    } units[] = { { "us", 0 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
                  { "d", 86400000 } };
    size_t digits = len && s[0] == '-';
    size_t start = digits;
    uint64_t v = 0;
    for (; digits < len && s[digits] >= '0' && s[digits] <= '9'; digits++) {
        uint64_t d = (uint64_t)(s[digits] - '0');
        if (v > ((uint64_t)INT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (digits == start)
        return false;
    for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
        size_t n = strlen(units[i].unit);
        if (len - digits != n || memcmp(s + digits, units[i].unit, n) != 0)
            continue;
        int64_t ms;
        if (units[i].ms == 0 && v % 1000 == 0)
            ms = (int64_t)(v / 1000);
        else if (units[i].ms > 0 && v <= (uint64_t)(INT64_MAX / units[i].ms))
            ms = (int64_t)v * units[i].ms;
        else
            return false;
        *out_ms = start ? -ms : ms;
        return true;
    }
    return false;
}

static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324"
                                  "25262728293031323334353637383940414243444546474849"
                                  "50515253545556575859606162636465666768697071727374"
                                  "75767778798081828384858687888990919293949596979899";

size_t flowrt_codec_format_u64(char *buf, uint64_t v)
{
    /* Count the digits first (log10 from the bit length, corrected by one
     * comparison), then write them two at a time from the end: this is on
     * every record of every sink that writes numbers. */
    static const uint64_t pow10[] = { 1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u,
                                      10000000u, 100000000u, 1000000000u, 10000000000u,
                                      100000000000u, 1000000000000u, 10000000000000u,
                                      100000000000000u, 1000000000000000u,
                                      10000000000000000u, 100000000000000000u,
                                      1000000000000000000u, 10000000000000000000u };
    int bits = 64 - __builtin_clzll(v | 1);
    size_t n = (size_t)(bits * 1233 >> 12); /* floor(bits * log10(2)) */
    n += n < 20 && v >= pow10[n];
    n += n == 0;
    char *o = buf + n;
    *o = '\0';
    while (v >= 100) {
        o -= 2;
        memcpy(o, digit_pairs + v % 100 * 2, 2);
        v /= 100;
    }
    if (v >= 10) {
        o -= 2;
        memcpy(o, digit_pairs + v * 2, 2);
    } else {
        *--o = (char)('0' + v);
    }
    return n;
}

size_t flow_format_duration(char *buf, int64_t ms)
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = { { "d", 86400000 }, { "h", 3600000 }, { "m", 60000 }, { "s", 1000 } };
    const char *unit = "ms";
    int64_t per = 1;
    for (size_t i = 0; i < sizeof units / sizeof *units && per == 1; i++)
        if (ms != 0 && ms % units[i].ms == 0) {
            unit = units[i].unit;
            per = units[i].ms;
        }
    return (size_t)snprintf(buf, FLOW_DURATION_MAX, "%" PRId64 "%s", ms / per, unit);
}

size_t flow_format_int64(char *buf, int64_t v)
{
    if (v >= 0)
        return flowrt_codec_format_u64(buf, (uint64_t)v);
    buf[0] = '-';
    return 1 + flowrt_codec_format_u64(buf + 1, 0 - (uint64_t)v);
}

/* ---- Booleans ------------------------------------------------------------ */

bool flow_parse_bool(const char *s, size_t len, bool *out)
{
    if (len == 4 && memcmp(s, "true", 4) == 0) {
        *out = true;
        return true;
    }
    if (len == 5 && memcmp(s, "false", 5) == 0) {
        *out = false;
        return true;
    }
    return false;
}

static bool equal_nocase(const char *s, size_t len, const char *lower)
{
    size_t n = strlen(lower);
    if (len != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != lower[i])
            return false;
    }
    return true;
}

/* ---- Floats -------------------------------------------------------------- */

/* Checks the decimal grammar strtod would be too lenient about (it takes
 * spaces, hex and partial input) and collects what the fast path needs. */
typedef struct DecimalScan {
    bool neg;
    uint64_t mantissa;  /* the significant digits, if at most 19 */
    int ndigits;        /* significant digits (leading zeros skipped) */
    int64_t exp10;      /* value = mantissa * 10^exp10 */
} DecimalScan;

static bool scan_decimal(const char *s, size_t len, DecimalScan *d)
{
    const char *p = s, *end = s + len;
    d->neg = false;
    d->mantissa = 0;
    d->ndigits = 0;
    d->exp10 = 0;
    if (p < end && (*p == '-' || *p == '+')) {
        d->neg = *p == '-';
        p++;
    }
    int int_digits = 0, frac_digits = 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++, int_digits++) {
        if (d->ndigits == 0 && *p == '0')
            continue;
        if (d->ndigits < 19)
            d->mantissa = d->mantissa * 10 + (uint64_t)(*p - '0');
        else
            d->exp10++;
        d->ndigits++;
    }
    if (p < end && *p == '.') {
        p++;
        /* Eight fraction digits at once while the mantissa has room for
         * them (a printed double has 15 to 17), after the leading zeros. */
        uint64_t eight;
        if (d->ndigits == 0)
            for (; p < end && *p == '0'; p++, frac_digits++)
                d->exp10--;
        while (d->ndigits <= 11 && end - p >= 8 && flow_csv_digits8(p, &eight) == 8) {
            d->mantissa = d->mantissa * 100000000 + eight;
            d->exp10 -= 8;
            d->ndigits += 8;
            frac_digits += 8;
            p += 8;
        }
        for (; p < end && *p >= '0' && *p <= '9'; p++, frac_digits++) {
            if (d->ndigits == 0 && *p == '0') {
                d->exp10--;
                continue;
            }
            if (d->ndigits < 19) {
                d->mantissa = d->mantissa * 10 + (uint64_t)(*p - '0');
                d->exp10--;
            }
            d->ndigits++;
        }
    }
    if (int_digits + frac_digits == 0)
        return false;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (p < end && (*p == '-' || *p == '+')) {
            eneg = *p == '-';
            p++;
        }
        if (p == end)
            return false;
        int64_t e = 0;
        for (; p < end && *p >= '0' && *p <= '9'; p++)
            if (e < 100000)
                e = e * 10 + (*p - '0');
        d->exp10 += eneg ? -e : e;
    }
    return p == end;
}

bool flow_parse_float64(const char *s, size_t len, double *out)
{
    DecimalScan d;
    if (!scan_decimal(s, len, &d)) {
        const char *p = s;
        size_t n = len;
        bool neg = false;
        if (n && (*p == '-' || *p == '+')) {
            neg = *p == '-';
            p++;
            n--;
        }
        if (equal_nocase(p, n, "nan")) {
            *out = NAN;
            return true;
        }
        if (equal_nocase(p, n, "inf") || equal_nocase(p, n, "infinity")) {
            *out = neg ? -INFINITY : INFINITY;
            return true;
        }
        return false;
    }
    /* Clinger's fast path: a mantissa and a power of ten that are both exact
     * doubles give the correctly rounded result in one operation. A mantissa
     * with room to spare takes part of a larger power exactly. */
    static const double pow10[] = { 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
    const uint64_t exact = UINT64_C(1) << 53;
    if (d.ndigits <= 19 && d.mantissa <= exact && d.exp10 >= -22 && d.exp10 <= 22 + 15) {
        uint64_t m = d.mantissa;
        int64_t e = d.exp10;
        while (e > 22 && m * 10 <= exact) {
            m *= 10;
            e--;
        }
        if (e <= 22) {
            double v = (double)m;
            v = e < 0 ? v / pow10[-e] : v * pow10[e];
            *out = d.neg ? -v : v;
            return true;
        }
    }
    if (d.ndigits <= 19 && flowrt_codec_decimal_to_double(d.neg, d.mantissa, d.exp10, out))
        return true;
    char small[128];
    char *copy = len < sizeof small ? small : malloc(len + 1);
    if (!copy)
        return false;
    memcpy(copy, s, len);
    copy[len] = '\0';
    *out = strtod(copy, NULL);
    if (copy != small)
        free(copy);
    return true;
}

/* ---- Timestamps ---------------------------------------------------------- */

static bool read_digits(const char **p, const char *end, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (*p >= end || **p < '0' || **p > '9')
            return false;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    *out = v;
    return true;
}

static bool expect_char(const char **p, const char *end, char c)
{
    if (*p >= end || **p != c)
        return false;
    (*p)++;
    return true;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date and back
 * (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"): no timegm, no
 * time zone or locale, exact for every int64 millisecond. */
int64_t flowrt_codec_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void flowrt_codec_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* The instant of a date and time of day (already in range) at a UTC offset
 * of offset_min minutes; false when it is outside the int64 milliseconds. */
static bool instant(int64_t year, int month, int day, int hour, int minute, int second,
                    int millis, int offset_min, int64_t *out_ms)
{
    /* Records mostly come in time order: remember the last date. */
    static _Thread_local int64_t last_date = INT64_MIN;
    static _Thread_local int64_t last_days;
    int64_t date = year * 10000 + month * 100 + day;
    if (date != last_date) {
        last_days = flowrt_codec_days_from_civil(year, month, day);
        last_date = date;
    }
    int64_t secs = last_days * 86400 + hour * 3600 +
                   minute * 60 + second - (int64_t)offset_min * 60;
    /* An expanded year can name an instant outside the int64 milliseconds;
     * a negative second takes its millis from the next one, so that
     * INT64_MIN itself (second -9223372036855 and 192 ms) reads. */
    if (secs < 0) {
        secs++;
        millis -= 1000;
    }
    return !__builtin_mul_overflow(secs, 1000, out_ms) &&
           !__builtin_add_overflow(*out_ms, millis, out_ms);
}

/* The digits at s[i] and s[i+1] as a number, or -1000 (which keeps every
 * sum of them negative) when they are not digits. */
static int two_digits(const char *s, int i)
{
    unsigned a = (unsigned)(unsigned char)s[i] - '0', b = (unsigned)(unsigned char)s[i + 1] - '0';
    return a <= 9 && b <= 9 ? (int)(a * 10 + b) : -1000;
}

/* The form the writer uses, `2024-03-01T12:00:05.250Z`, 24 bytes read at
 * fixed places, after the year and its '-' were read: the common input of
 * a program reading what another wrote. False for anything else. */
static bool canonical_timestamp(const char *s, size_t len, int64_t year, int64_t *out_ms)
{
    if (len != 24 || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        s[19] != '.' || s[23] != 'Z')
        return false;
    unsigned last = (unsigned)(unsigned char)s[22] - '0';
    int month = two_digits(s, 5), day = two_digits(s, 8), hour = two_digits(s, 11),
        minute = two_digits(s, 14), second = two_digits(s, 17),
        millis = two_digits(s, 20) * 10 + (int)last;
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour < 0 ||
        hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || millis < 0 ||
        last > 9)
        return false;
    return instant(year, month, day, hour, minute, second, millis, 0, out_ms);
}

/* One scan of the leading sign and digits decides the form, so that an
 * epoch-ms field is read once (it used to be tried as a year first and then
 * parsed again as an integer): digits up to the end, after an optional '-',
 * are epoch ms; four digits before a '-' are a year, or a sign and four to
 * nine digits, the ISO 8601 expanded form the writer uses outside 0000-9999
 * (`+10000`, `-0001`; nine digits hold every year of the int64 millisecond
 * range). */
bool flow_parse_timestamp(const char *s, size_t len, int64_t *out_ms)
{
    const char *p = s, *end = s + len;
    int sign = 0;
    if (p < end && (*p == '+' || *p == '-'))
        sign = *p++ == '-' ? -1 : 1;
    const char *digits = p;
    uint64_t v = 0;
    /* 19 digits cannot overflow 64 unsigned bits; a 20th stops the loop
     * and makes the field neither form. */
    for (; p < end && p - digits < 19; p++) {
        unsigned d = (unsigned)(unsigned char)*p - '0';
        if (d > 9)
            break;
        v = v * 10 + d;
    }
    ptrdiff_t ndigits = p - digits;
    if (p == end) {
        if (sign > 0 || ndigits == 0 || v > (uint64_t)INT64_MAX + (sign < 0 ? 1u : 0u))
            return false;
        *out_ms = sign < 0 ? (int64_t)(0 - v) : (int64_t)v;
        return true;
    }
    if (*p != '-' || ndigits < 4 || ndigits > (sign ? 9 : 4))
        return false;
    p++;
    int64_t year = sign < 0 ? -(int64_t)v : (int64_t)v;
    if (!sign && canonical_timestamp(s, len, year, out_ms))
        return true;
    int month, day, hour, minute, second;
    if (!read_digits(&p, end, 2, &month) || !expect_char(&p, end, '-') ||
        !read_digits(&p, end, 2, &day))
        return false;
    if (p >= end || (*p != 'T' && *p != ' '))
        return false;
    p++;
    if (!read_digits(&p, end, 2, &hour) || !expect_char(&p, end, ':') ||
        !read_digits(&p, end, 2, &minute) || !expect_char(&p, end, ':') ||
        !read_digits(&p, end, 2, &second))
        return false;
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
        hour > 23 || minute > 59 || second > 59)
        return false;
    int millis = 0;
    if (p < end && *p == '.') {
        p++;
        int ndigits = 0;
        for (; p < end && *p >= '0' && *p <= '9'; p++, ndigits++)
            if (ndigits < 3)
                millis = millis * 10 + (*p - '0');
        if (ndigits == 0 || ndigits > 9)
            return false;
        for (; ndigits < 3; ndigits++)
            millis *= 10;
    }
    int offset_min = 0;
    if (p < end && *p == 'Z') {
        p++;
    } else if (p < end && (*p == '+' || *p == '-')) {
        int sign = *p++ == '-' ? -1 : 1;
        int oh, om;
        if (!read_digits(&p, end, 2, &oh) || !expect_char(&p, end, ':') ||
            !read_digits(&p, end, 2, &om) || oh > 23 || om > 59)
            return false;
        offset_min = sign * (oh * 60 + om);
    }
    if (p != end)
        return false;
    return instant(year, month, day, hour, minute, second, millis, offset_min, out_ms);
}

static char *put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

size_t flow_format_timestamp(char *buf, int64_t ms)
{
    const int64_t day_ms = 86400000;
    int64_t days = ms / day_ms, rem = ms % day_ms;
    if (rem < 0) {
        rem += day_ms;
        days--;
    }
    static _Thread_local int64_t last_days = INT64_MIN, last_year;
    static _Thread_local int last_month, last_day;
    if (days != last_days) {
        flowrt_codec_civil_from_days(days, &last_year, &last_month, &last_day);
        last_days = days;
    }
    int64_t year = last_year;
    int month = last_month, day = last_day;
    char *o = buf;
    if (year >= 0 && year <= 9999) {
        o = put2(o, (int)(year / 100));
        o = put2(o, (int)(year % 100));
    } else {
        /* ISO 8601 expanded years, a sign and at least four digits, for the
         * far ends of the int64 range: flow_parse_timestamp reads them back. */
        *o++ = year < 0 ? '-' : '+';
        int64_t y = year < 0 ? -year : year;
        for (int64_t lim = 1000; y < lim; lim /= 10)
            *o++ = '0';
        o += flow_format_int64(o, y);
    }
    int msec = (int)(rem % 1000), sec = (int)(rem / 1000);
    *o++ = '-';
    o = put2(o, month);
    *o++ = '-';
    o = put2(o, day);
    *o++ = 'T';
    o = put2(o, sec / 3600);
    *o++ = ':';
    o = put2(o, sec / 60 % 60);
    *o++ = ':';
    o = put2(o, sec % 60);
    *o++ = '.';
    *o++ = (char)('0' + msec / 100);
    o = put2(o, msec % 100);
    *o++ = 'Z';
    *o = '\0';
    return (size_t)(o - buf);
}

/* ---- Field decoders ------------------------------------------------------ */

static const char *int_reason(const char *type, int r, const FlowField *f)
{
    char what[64];
    snprintf(what, sizeof what, r < 0 ? "out of range for %s" : "not %s", type);
    return flowrt_codec_reason(what, f->ptr, f->len);
}

const char *flow_field_int32(const FlowField *f, int32_t *out)
{
    if (f->kind != FLOW_FIELD_TEXT && f->kind != FLOW_FIELD_NUMBER)
        return wrong_kind("an int32", f);
    int r = flowrt_codec_parse_i32(f->ptr, f->len, out);
    return r == 1 ? NULL : int_reason("an int32", r, f);
}

const char *flow_field_int64(const FlowField *f, int64_t *out)
{
    if (f->kind != FLOW_FIELD_TEXT && f->kind != FLOW_FIELD_NUMBER)
        return wrong_kind("an int64", f);
    int r = flowrt_codec_parse_i64(f->ptr, f->len, out);
    return r == 1 ? NULL : int_reason("an int64", r, f);
}

const char *flow_field_float64(const FlowField *f, double *out)
{
    if (f->kind == FLOW_FIELD_STRING) {
        if ((equal_nocase(f->ptr, f->len, "nan") || equal_nocase(f->ptr, f->len, "inf") ||
             equal_nocase(f->ptr, f->len, "-inf")) &&
            flow_parse_float64(f->ptr, f->len, out))
            return NULL;
        return wrong_kind("a float64", f);
    }
    if (f->kind != FLOW_FIELD_TEXT && f->kind != FLOW_FIELD_NUMBER)
        return wrong_kind("a float64", f);
    if (flow_parse_float64(f->ptr, f->len, out))
        return NULL;
    return flowrt_codec_reason("not a float64", f->ptr, f->len);
}

const char *flow_field_bool(const FlowField *f, bool *out)
{
    switch (f->kind) {
    case FLOW_FIELD_TRUE:
        *out = true;
        return NULL;
    case FLOW_FIELD_FALSE:
        *out = false;
        return NULL;
    case FLOW_FIELD_TEXT:
        if (equal_nocase(f->ptr, f->len, "true") || (f->len == 1 && f->ptr[0] == '1')) {
            *out = true;
            return NULL;
        }
        if (equal_nocase(f->ptr, f->len, "false") || (f->len == 1 && f->ptr[0] == '0')) {
            *out = false;
            return NULL;
        }
        return flowrt_codec_reason("not a bool", f->ptr, f->len);
    default:
        return wrong_kind("a bool", f);
    }
}

const char *flow_field_string(const FlowField *f, FlowStr *out)
{
    if (f->kind != FLOW_FIELD_TEXT && f->kind != FLOW_FIELD_STRING)
        return wrong_kind("a string", f);
    out->ptr = f->ptr;
    out->len = (int64_t)f->len;
    return NULL;
}

bool flow_field_is_null(const FlowField *f)
{
    return f->kind == FLOW_FIELD_MISSING || f->kind == FLOW_FIELD_NULL ||
           (f->kind == FLOW_FIELD_TEXT && f->len == 0);
}

const char *flow_field_timestamp(const FlowField *f, int64_t *out)
{
    if (f->kind != FLOW_FIELD_TEXT && f->kind != FLOW_FIELD_STRING &&
        f->kind != FLOW_FIELD_NUMBER)
        return wrong_kind("a timestamp", f);
    if (flow_parse_timestamp(f->ptr, f->len, out))
        return NULL;
    return flowrt_codec_reason("not a timestamp", f->ptr, f->len);
}
