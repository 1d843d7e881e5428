/* rt_codec.c: field decoders, number and timestamp parsing and formatting. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow/flow.h"

static FlowField text(const char *s)
{
    return (FlowField){ s, strlen(s), FLOW_FIELD_TEXT };
}

static FlowField json(const char *s, FlowFieldKind kind)
{
    return (FlowField){ s, strlen(s), kind };
}

static void test_int32(void **state)
{
    (void)state;
    int32_t v;
    FlowField f = text("123");
    assert_null(flow_field_int32(&f, &v));
    assert_int_equal(v, 123);
    f = text("-2147483648");
    assert_null(flow_field_int32(&f, &v));
    assert_int_equal(v, INT32_MIN);
    f = text("+7");
    assert_null(flow_field_int32(&f, &v));
    assert_int_equal(v, 7);
    f = text("2147483648");
    assert_string_equal(flow_field_int32(&f, &v), "out of range for an int32: \"2147483648\"");
    f = text("12x");
    assert_string_equal(flow_field_int32(&f, &v), "not an int32: \"12x\"");
    const char *bad[] = { "", " 1", "1 ", "-", "+", "1.0", "1e3", "0x10", "--1", "١" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        f = text(bad[i]);
        assert_non_null(flow_field_int32(&f, &v));
    }
    f = json("42", FLOW_FIELD_NUMBER);
    assert_null(flow_field_int32(&f, &v));
    assert_int_equal(v, 42);
    f = json("42", FLOW_FIELD_STRING);
    assert_string_equal(flow_field_int32(&f, &v), "expected an int32, found a string \"42\"");
    f = json("", FLOW_FIELD_MISSING);
    assert_string_equal(flow_field_int32(&f, &v), "missing field");
    f = json("null", FLOW_FIELD_NULL);
    assert_string_equal(flow_field_int32(&f, &v), "null");
    f = json("[1]", FLOW_FIELD_OTHER);
    assert_string_equal(flow_field_int32(&f, &v), "expected an int32, found an array");
    f = json("{}", FLOW_FIELD_OTHER);
    assert_string_equal(flow_field_int32(&f, &v), "expected an int32, found an object");
    f = json("true", FLOW_FIELD_TRUE);
    assert_string_equal(flow_field_int32(&f, &v), "expected an int32, found true");
}

static void test_int64(void **state)
{
    (void)state;
    int64_t v;
    FlowField f = text("-9223372036854775808");
    assert_null(flow_field_int64(&f, &v));
    assert_true(v == INT64_MIN);
    f = text("9223372036854775807");
    assert_null(flow_field_int64(&f, &v));
    assert_true(v == INT64_MAX);
    f = text("000000000000000000000000042");
    assert_null(flow_field_int64(&f, &v));
    assert_int_equal(v, 42);
    f = text("9223372036854775808");
    assert_string_equal(flow_field_int64(&f, &v),
                        "out of range for an int64: \"9223372036854775808\"");
    f = text("-9223372036854775809");
    assert_non_null(flow_field_int64(&f, &v));
    f = text("99999999999999999999999");
    assert_non_null(flow_field_int64(&f, &v));
    f = text("18446744073709551616");
    assert_non_null(flow_field_int64(&f, &v));
    /* Long junk is cut in the reason. */
    f = text("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    const char *why = flow_field_int64(&f, &v);
    assert_non_null(strstr(why, "...\""));
    assert_true(strlen(why) < 80);
}

static void test_float64(void **state)
{
    (void)state;
    double v;
    struct { const char *s; double want; } ok[] = {
        { "0", 0 }, { "1.5", 1.5 }, { "-2.25", -2.25 }, { ".5", 0.5 }, { "5.", 5 },
        { "1e3", 1000 }, { "1E-2", 0.01 }, { "+3", 3 }, { "0.1", 0.1 },
        { "123456789012345678901234567890", 123456789012345678901234567890.0 },
        { "1.7976931348623157e308", DBL_MAX }, { "4.9e-324", 4.9e-324 },
        { "0.000000000000000000000000001", 1e-27 },
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        FlowField f = text(ok[i].s);
        assert_null(flow_field_float64(&f, &v));
        assert_true(v == ok[i].want);
    }
    FlowField f = text("nan");
    assert_null(flow_field_float64(&f, &v));
    assert_true(isnan(v));
    f = text("-Infinity");
    assert_null(flow_field_float64(&f, &v));
    assert_true(isinf(v) && v < 0);
    f = json("inf", FLOW_FIELD_STRING);
    assert_null(flow_field_float64(&f, &v));
    assert_true(isinf(v) && v > 0);
    f = json("1.5", FLOW_FIELD_STRING);
    assert_non_null(flow_field_float64(&f, &v));
    const char *bad[] = { "", ".", "e3", "1e", "1e+", "0x1p3", " 1", "1 ", "1..2", "1.2.3", "in", "nanx" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        f = text(bad[i]);
        assert_non_null(flow_field_float64(&f, &v));
    }
    assert_string_equal(flow_field_float64(&(FlowField){ "1,5", 3, FLOW_FIELD_TEXT }, &v),
                        "not a float64: \"1,5\"");
}

static void test_bool_and_string(void **state)
{
    (void)state;
    bool b;
    const char *yes[] = { "true", "TRUE", "True", "1" }, *no[] = { "false", "FALSE", "0" };
    for (size_t i = 0; i < 4; i++) {
        FlowField f = text(yes[i]);
        b = false;
        assert_null(flow_field_bool(&f, &b));
        assert_true(b);
    }
    for (size_t i = 0; i < 3; i++) {
        FlowField f = text(no[i]);
        b = true;
        assert_null(flow_field_bool(&f, &b));
        assert_false(b);
    }
    FlowField f = text("yes");
    assert_string_equal(flow_field_bool(&f, &b), "not a bool: \"yes\"");
    f = json("true", FLOW_FIELD_TRUE);
    assert_null(flow_field_bool(&f, &b));
    assert_true(b);
    f = json("true", FLOW_FIELD_STRING);
    assert_non_null(flow_field_bool(&f, &b));
    assert_true(flow_parse_bool("true", 4, &b) && b);
    assert_false(flow_parse_bool("TRUE", 4, &b));
    assert_false(flow_parse_bool("1", 1, &b));

    FlowStr s;
    f = text("a,b");
    assert_null(flow_field_string(&f, &s));
    assert_true(s.ptr == f.ptr && s.len == 3);
    f = json("12", FLOW_FIELD_NUMBER);
    assert_string_equal(flow_field_string(&f, &s), "expected a string, found a number \"12\"");
    f = json("", FLOW_FIELD_MISSING);
    assert_string_equal(flow_field_string(&f, &s), "missing field");
}

static int64_t ts(const char *s)
{
    int64_t ms;
    if (!flow_parse_timestamp(s, strlen(s), &ms))
        fail_msg("does not parse: %s", s);
    return ms;
}

static void test_timestamp_parse(void **state)
{
    (void)state;
    assert_true(ts("1970-01-01T00:00:00Z") == 0);
    assert_true(ts("2024-03-01T12:00:05.250Z") == INT64_C(1709294405250));
    assert_true(ts("2024-03-01T12:00:05Z") == INT64_C(1709294405000));
    assert_true(ts("2024-03-01 12:00:05") == INT64_C(1709294405000));
    assert_true(ts("2024-03-01T12:00:05") == INT64_C(1709294405000));
    assert_true(ts("2024-03-01T14:00:05+02:00") == INT64_C(1709294405000));
    assert_true(ts("2024-03-01T07:30:05-04:30") == INT64_C(1709294405000));
    assert_true(ts("2024-03-01T12:00:05.2Z") == INT64_C(1709294405200));
    assert_true(ts("2024-03-01T12:00:05.25Z") == INT64_C(1709294405250));
    assert_true(ts("2024-03-01T12:00:05.123456789Z") == INT64_C(1709294405123));
    assert_true(ts("2024-02-29T00:00:00Z") == INT64_C(1709164800000));
    assert_true(ts("2000-02-29T00:00:00Z") == INT64_C(951782400000));
    assert_true(ts("1969-12-31T23:59:59.999Z") == -1);
    assert_true(ts("1900-01-01T00:00:00Z") == INT64_C(-2208988800000));
    assert_true(ts("0000-01-01T00:00:00Z") == INT64_C(-62167219200000));
    assert_true(ts("9999-12-31T23:59:59.999Z") == INT64_C(253402300799999));
    /* ISO 8601 expanded years, as the writer puts them outside 0000-9999. */
    assert_true(ts("+10000-01-01T00:00:00.000Z") == INT64_C(253402300800000));
    assert_true(ts("+9999-12-31T23:59:59.999Z") == INT64_C(253402300799999));
    assert_true(ts("-0001-12-31T23:59:59.999Z") == INT64_C(-62167219200001));
    assert_true(ts("-0004-02-29T00:00:00Z") == INT64_C(-62288352000000));
    assert_true(ts("+292278994-08-17T07:12:55.807Z") == INT64_MAX);
    assert_true(ts("-292275055-05-16T16:47:04.192Z") == INT64_MIN);
    assert_true(ts("1709294405250") == INT64_C(1709294405250));
    assert_true(ts("-12345") == -12345);
    assert_true(ts("-1") == -1);
    assert_true(ts("0") == 0);
    assert_true(ts("2024") == 2024);
    /* The writer's own form, read at fixed places, next to its neighbours
     * that take the general path. */
    assert_true(ts("2024-03-01T12:00:05.250Z") == INT64_C(1709294405250));
    assert_true(ts("2024-03-01T12:00:05.25Z") == INT64_C(1709294405250));
    assert_true(ts("2024-03-01T12:00:05.2500Z") == INT64_C(1709294405250));
    assert_true(ts("2024-03-01 12:00:05.250Z") == INT64_C(1709294405250));
    assert_true(ts("0000-01-01T00:00:00.000Z") == INT64_C(-62167219200000));
    assert_true(ts("9999-12-31T23:59:59.999Z") == INT64_C(253402300799999));
    assert_true(ts("-0001") == -1);
    assert_true(ts("9223372036854775807") == INT64_MAX);
    assert_true(ts("-9223372036854775808") == INT64_MIN);
    const char *bad[] = {
        "", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
        "2024-00-01T00:00:00Z", "2024-04-31T00:00:00Z", "2024-03-01T24:00:00Z",
        "2024-03-01T12:60:00Z", "2024-03-01T12:00:60Z", "2024-03-01", "2024-03-01T12:00Z",
        "2024-03-01T12:00:05.Z", "2024-03-01T12:00:05.1234567890Z", "2024-03-01T12:00:05z",
        "2024-03-01T12:00:05+0200", "2024-03-01T12:00:05+24:00", "2024-03-01T12:00:05Z ",
        " 2024-03-01T12:00:05Z", "2024-3-01T12:00:05Z", "+5", "1.5", "12a", "2024/03/01 12:00:05",
        "99999999999999999999", "10000-01-01T00:00:00Z", "+123-01-01T00:00:00Z",
        "-1-12-31T23:59:59.999Z", "+1234567890-01-01T00:00:00Z", "-0003-02-29T00:00:00Z",
        "+292278994-08-17T07:12:55.808Z", "-292275055-05-16T16:47:04.191Z",
        "+999999999-12-31T23:59:59Z", "++2024-03-01T00:00:00Z", "+-2024-03-01T00:00:00Z",
        "2024-03-01T12:00:05.2a0Z", "2024-03-01T12:00:05.a50Z", "2024-03-01T12:00:05.25aZ",
        "2024-03-01T12:00:0a.250Z", "2024-03-01T12:0a:05.250Z", "2024-03-01T1a:00:05.250Z",
        "2024-03-0aT12:00:05.250Z", "2024-0a-01T12:00:05.250Z", "2024-03-01T12:00:05.250z",
        "2024-03-01T12:00:05,250Z", "2024-02-30T12:00:05.250Z", "2024-03-01T12:00:60.250Z",
        "2024-03-01T12:60:05.250Z", "2024-03-01T24:00:05.250Z", "2024-13-01T12:00:05.250Z",
        "2024-00-01T12:00:05.250Z", "2024-03-00T12:00:05.250Z", "2024-03-01T12:00:05.-50Z",
        "-", "+", "9223372036854775808", "-9223372036854775809", "12345-01-01T00:00:00Z",
        "2024-", "1234567890123456789-01-01T00:00:00Z", "-+2024-03-01T00:00:00Z",
    };
    int64_t ms;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (flow_parse_timestamp(bad[i], strlen(bad[i]), &ms))
            fail_msg("accepted: %s", bad[i]);
    /* JSON numbers are epoch ms; JSON strings any form. */
    FlowField f = json("1709294405250", FLOW_FIELD_NUMBER);
    assert_null(flow_field_timestamp(&f, &ms));
    assert_true(ms == INT64_C(1709294405250));
    f = json("1.5", FLOW_FIELD_NUMBER);
    assert_string_equal(flow_field_timestamp(&f, &ms), "not a timestamp: \"1.5\"");
    f = json("2024-03-01 12:00:05", FLOW_FIELD_STRING);
    assert_null(flow_field_timestamp(&f, &ms));
    f = json("true", FLOW_FIELD_TRUE);
    assert_non_null(flow_field_timestamp(&f, &ms));
}

static void check_format(int64_t ms, const char *want)
{
    char buf[FLOW_TIMESTAMP_MAX + 1];
    size_t n = flow_format_timestamp(buf, ms);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_timestamp_format(void **state)
{
    (void)state;
    check_format(0, "1970-01-01T00:00:00.000Z");
    check_format(INT64_C(1709294405250), "2024-03-01T12:00:05.250Z");
    check_format(-1, "1969-12-31T23:59:59.999Z");
    check_format(INT64_C(951782400000), "2000-02-29T00:00:00.000Z");
    check_format(INT64_C(-62167219200000), "0000-01-01T00:00:00.000Z");
    check_format(INT64_C(-62167219200001), "-0001-12-31T23:59:59.999Z");
    check_format(INT64_C(-62288352000000), "-0004-02-29T00:00:00.000Z");
    check_format(INT64_C(253402300800000), "+10000-01-01T00:00:00.000Z");
    /* The ends of the range fit the buffer. */
    char buf[FLOW_TIMESTAMP_MAX + 1];
    assert_true(flow_format_timestamp(buf, INT64_MIN) <= FLOW_TIMESTAMP_MAX);
    assert_true(flow_format_timestamp(buf, INT64_MAX) <= FLOW_TIMESTAMP_MAX);
    assert_string_equal(buf, "+292278994-08-17T07:12:55.807Z");
    /* What is written reads back, also past 9999, before 0000 and at the
     * ends of the range. */
    const int64_t far[] = { INT64_MIN, INT64_C(-62167219200001), INT64_C(253402300800000),
                            INT64_C(-8640000000000000), INT64_MAX };
    for (size_t i = 0; i < sizeof far / sizeof *far; i++) {
        int64_t back;
        size_t n = flow_format_timestamp(buf, far[i]);
        assert_true(flow_parse_timestamp(buf, n, &back));
        assert_true(back == far[i]);
    }
}

/* Every millisecond form reads back, over four centuries in irregular steps
 * (days, leap days, month ends, negative epochs). */
static void test_timestamp_round_trip(void **state)
{
    (void)state;
    const int64_t start = INT64_C(-11676096000000); /* 1600-01-01 */
    const int64_t stop = INT64_C(32503680000000);   /* 3000-01-01 */
    char buf[FLOW_TIMESTAMP_MAX + 1];
    int64_t step = INT64_C(86400000) * 3 + 3600 * 1000 * 7 + 61 * 1000 + 7, n = 0;
    for (int64_t ms = start; ms < stop; ms += step, n++) {
        size_t len = flow_format_timestamp(buf, ms);
        int64_t back;
        assert_true(flow_parse_timestamp(buf, len, &back));
        assert_true(back == ms);
        /* The space form and an offset give the same instant. */
        buf[10] = ' ';
        assert_true(flow_parse_timestamp(buf, len, &back) && back == ms);
    }
    assert_true(n > 100000);
    /* Independent check of the calendar: consecutive days differ by one in
     * the day field or roll over month and year correctly. */
    int64_t y0 = 1970, days = 0;
    int m = 1, d = 1;
    for (; days < 366 * 400; days++) {
        char want[80];
        snprintf(want, sizeof want, "%04lld-%02d-%02dT00:00:00.000Z", (long long)y0, m, d);
        flow_format_timestamp(buf, days * 86400000);
        assert_string_equal(buf, want);
        static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        bool leap = (y0 % 4 == 0 && y0 % 100 != 0) || y0 % 400 == 0;
        int len = m == 2 && leap ? 29 : mdays[m - 1];
        if (++d > len) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y0++;
            }
        }
    }
}

static void check_float(double v, const char *want)
{
    char buf[FLOW_FLOAT64_MAX + 1];
    size_t n = flow_format_float64(buf, v);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_float_format(void **state)
{
    (void)state;
    check_float(0.1, "0.1");
    check_float(2.5, "2.5");
    check_float(3, "3");
    check_float(-3, "-3");
    check_float(0, "0");
    check_float(-0.0, "-0");
    check_float(1e21, "1e+21");
    check_float(5e-324, "5e-324");
    check_float(0.3, "0.3");
    check_float(0.1 + 0.2, "0.30000000000000004");
    check_float(93.326171875, "93.326171875");
    check_float(1.0 / 3, "0.3333333333333333");
    check_float(DBL_MAX, "1.7976931348623157e+308");
    check_float(DBL_MIN, "2.2250738585072014e-308");
    check_float(123456789012345.0, "123456789012345");
    check_float(1e-7, "1e-07");
    check_float(NAN, "nan");
    check_float(INFINITY, "inf");
    check_float(-INFINITY, "-inf");
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Random bit patterns: every finite double reads back exactly, and no
 * shorter %g form would also read back. */
static void test_float_round_trip(void **state)
{
    (void)state;
    uint64_t seed = 42;
    char buf[FLOW_FLOAT64_MAX + 1], shorter[400];
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = splitmix(&seed);
        double v;
        memcpy(&v, &bits, sizeof v);
        if (i % 4 == 0)
            v = (double)(int64_t)(bits % 2000000) / 1000.0; /* short decimals */
        else if (i % 4 == 1)
            v = (double)(bits >> 11) * 0x1.0p-53 * 1000.0; /* 16 or 17 digits */
        if (!isfinite(v))
            continue;
        size_t n = flow_format_float64(buf, v);
        double back;
        assert_true(flow_parse_float64(buf, n, &back));
        assert_true(memcmp(&back, &v, sizeof v) == 0);
        /* Significant digits: those of the mantissa without the zeros that
         * only place the point. */
        char mant[64];
        int digits = 0;
        for (const char *p = buf; *p && *p != 'e'; p++)
            if (*p >= '0' && *p <= '9' && (digits > 0 || *p != '0'))
                mant[digits++] = *p;
        while (digits > 0 && mant[digits - 1] == '0')
            digits--;
        if (digits > 1) {
            snprintf(shorter, sizeof shorter, "%.*g", digits - 1, v);
            assert_true(strtod(shorter, NULL) != v);
        }
    }
}

static void test_int_format(void **state)
{
    (void)state;
    char buf[FLOW_INT64_MAX + 1];
    flow_format_int64(buf, 0);
    assert_string_equal(buf, "0");
    flow_format_int64(buf, -42);
    assert_string_equal(buf, "-42");
    assert_int_equal(flow_format_int64(buf, INT64_MIN), 20);
    assert_string_equal(buf, "-9223372036854775808");
    flow_format_int64(buf, INT64_MAX);
    assert_string_equal(buf, "9223372036854775807");
}

/* Durations as the language writes them (the --set values of duration
 * params): every unit, a sign, whole milliseconds only, no overflow. */
static void test_duration(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        bool ok;
        int64_t ms;
    } cases[] = {
        { "250ms", true, 250 }, { "10s", true, 10000 }, { "5m", true, 300000 },
        { "2h", true, 7200000 }, { "7d", true, 604800000 }, { "5000us", true, 5 },
        { "0s", true, 0 }, { "-1s", true, -1000 }, { "-0ms", true, 0 },
        { "9223372036854775807ms", true, INT64_MAX },
        { "106751991167d", true, 106751991167 * 86400000 },
        { "106751991168d", false, 0 }, { "9223372036854775808ms", false, 0 },
        { "99999999999999999999s", false, 0 }, { "2500us", false, 0 }, { "1.5s", false, 0 },
        { "10", false, 0 }, { "s", false, 0 }, { "-s", false, 0 }, { "", false, 0 },
        { "10 s", false, 0 }, { "10S", false, 0 }, { "10sec", false, 0 }, { "+1s", false, 0 },
        { " 1s", false, 0 }, { "1s ", false, 0 }, { "--1s", false, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int64_t ms = -42;
        bool ok = flow_parse_duration(cases[i].text, strlen(cases[i].text), &ms);
        if (ok != cases[i].ok || (ok && ms != cases[i].ms))
            fail_msg("\"%s\": %s %lld", cases[i].text, ok ? "read" : "refused", (long long)ms);
    }
    char buf[FLOW_DURATION_MAX];
    static const struct {
        int64_t ms;
        const char *text;
    } out[] = { { 0, "0ms" }, { 250, "250ms" }, { 10000, "10s" }, { 90000, "90s" },
                { 300000, "5m" }, { 7200000, "2h" }, { 86400000, "1d" }, { -1000, "-1s" },
                { INT64_MAX, "9223372036854775807ms" }, { INT64_MIN, "-9223372036854775808ms" } };
    for (size_t i = 0; i < sizeof out / sizeof *out; i++) {
        assert_int_equal(flow_format_duration(buf, out[i].ms), strlen(out[i].text));
        assert_string_equal(buf, out[i].text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int32),
        cmocka_unit_test(test_int64),
        cmocka_unit_test(test_float64),
        cmocka_unit_test(test_bool_and_string),
        cmocka_unit_test(test_timestamp_parse),
        cmocka_unit_test(test_timestamp_format),
        cmocka_unit_test(test_timestamp_round_trip),
        cmocka_unit_test(test_float_format),
        cmocka_unit_test(test_float_round_trip),
        cmocka_unit_test(test_int_format),
        cmocka_unit_test(test_duration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
