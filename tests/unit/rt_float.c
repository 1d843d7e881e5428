/* rt_float.c: the fast number formatters and the float parser against the
 * reference implementations (printf + strtod loop; printf; strtod), byte
 * for byte, over millions of random values of the shapes real data has. */
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

#include "codec_internal.h"
#include "flow/flow.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t next_u64(void)
{
    /* splitmix64: fixed seed, so a failure reproduces. */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static double from_bits(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static double pow10_of(int e)
{
    char s[16];
    snprintf(s, sizeof s, "1e%d", e);
    return strtod(s, NULL);
}

typedef struct Tally {
    long values, fast;
} Tally;

/* flow_format_float64 must write what the reference writes, and the fast
 * half alone, when it answers, too. */
static void check_same(double v, Tally *t)
{
    char want[FLOW_FLOAT64_MAX], got[FLOW_FLOAT64_MAX], fast[FLOW_FLOAT64_MAX];
    size_t nw = flowrt_codec_format_float64_slow(want, v);
    size_t ng = flow_format_float64(got, v);
    size_t nf = flowrt_codec_format_float64_fast(fast, v);
    if (ng != nw || strcmp(got, want) != 0 || (nf && strcmp(fast, want) != 0)) {
        uint64_t b;
        memcpy(&b, &v, sizeof b);
        fail_msg("bits %016llx: reference \"%s\", flow \"%s\", fast \"%s\"",
                 (unsigned long long)b, want, got, nf ? fast : "(undecided)");
    }
    assert_int_equal(nw, strlen(want));
    t->values++;
    t->fast += nf != 0;
}

static void test_format_random_bits(void **state)
{
    (void)state;
    Tally t = { 0, 0 };
    for (int i = 0; i < 1000000; i++) {
        double v = from_bits(next_u64());
        if (isnan(v))
            continue;
        check_same(v, &t);
    }
    /* Every finite non-subnormal value is in the fast path's domain; it may
     * give up only near ties. */
    print_message("random bits: %ld values, %ld by the fast path\n", t.values, t.fast);
    assert_true(t.values > 990000);
    assert_true(t.fast > t.values * 99 / 100);
}

static void test_format_decimal_looking(void **state)
{
    (void)state;
    Tally t = { 0, 0 };
    for (int i = 0; i < 400000; i++) {
        uint64_t r = next_u64();
        double v;
        switch (i % 8) {
        case 0: /* prices: cents */
            v = (double)(r % 100000000) / 100;
            break;
        case 1: /* prices times a rate, as the benchmark's gross */
            v = (double)(r % 1000000) / 100 * 1.19;
            break;
        case 2: /* short decimals at every scale */
            v = (double)(r % 1000000) * pow10_of((int)(r >> 40) % 600 - 300);
            break;
        case 3: /* integers beyond the integer fast path */
            v = (double)(r >> (r % 64 / 2 + 1 > 63 ? 63 : (int)(r % 32) + 1));
            break;
        case 4: /* 15, 16 and 17 digit decimals */
            v = (double)(r % 100000000000000000u) * pow10_of((int)(r >> 50) % 60 - 40);
            break;
        case 5: /* uniform in [0, 1) and its reciprocal */
            v = (double)(r >> 11) / 9007199254740992.0;
            if (r & 1)
                v = 1 / v;
            break;
        case 6: /* near powers of ten and two */
            v = pow10_of((int)(r % 617) - 308);
            v = (r >> 20) & 1 ? nextafter(v, 0) : (r >> 21) & 1 ? nextafter(v, INFINITY) : v;
            if ((r >> 22) & 1)
                v = ldexp(1, (int)(r % 2098) - 1074);
            break;
        default: /* thousandths, tiny and huge */
            v = (double)(r % 1000000) / 1000 * pow10_of((int)(r >> 32) % 40 - 20);
            break;
        }
        if ((r >> 63) & 1)
            v = -v;
        check_same(v, &t);
    }
    print_message("decimal-looking: %ld values, %ld by the fast path\n", t.values, t.fast);
    assert_true(t.fast > t.values * 9 / 10);
}

static void test_format_boundaries(void **state)
{
    (void)state;
    Tally t = { 0, 0 };
    const double fixed[] = { 0.0,  -0.0,    1e15,    1e16,    1e17,   1e21,    1e22,
                             1e23, 1e-4,    1e-5,    9.999e-5, 0.0001, 1e-300, 1e308,
                             DBL_MAX, DBL_MIN, -DBL_MIN, 5e-324, 2.2250738585072009e-308,
                             999999999999999.9, 999999999999999.94, 9999999999999998.0,
                             0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 123456789012345.67,
                             9007199254740993.0, 4503599627370496.5, 1234567890123456.5 };
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        check_same(fixed[i], &t);
    /* Every power of two and of ten, and their neighbours. */
    for (int e = -1074; e <= 1023; e++) {
        double v = ldexp(1, e);
        check_same(v, &t);
        check_same(nextafter(v, 0), &t);
        check_same(nextafter(v, INFINITY), &t);
    }
    for (int e = -323; e <= 308; e++) {
        double v = pow10_of(e);
        check_same(v, &t);
        check_same(nextafter(v, 0), &t);
        check_same(nextafter(v, INFINITY), &t);
    }
    /* Subnormals, which only the reference formats. */
    for (int i = 0; i < 20000; i++)
        check_same(from_bits(next_u64() & ((UINT64_C(1) << 52) - 1)), &t);
}

/* Random decimal text: `digits` significant digits with the point somewhere
 * (or nowhere), optional leading zeros, sign and exponent. */
static size_t random_decimal(char *s, int digits, int exp_range)
{
    uint64_t r = next_u64();
    size_t o = 0;
    if (r & 1)
        s[o++] = '-';
    else if ((r >> 1 & 15) == 0)
        s[o++] = '+';
    int point = (int)((r >> 8) % (uint64_t)(digits + 2)) - 1; /* -1: no point */
    if ((r >> 16 & 7) == 0) {
        s[o++] = '0';
        if (point < 0)
            point = 0;
    }
    for (int i = 0; i < digits; i++) {
        if (i == point)
            s[o++] = '.';
        s[o++] = (char)('0' + (i == 0 ? 1 + next_u64() % 9 : next_u64() % 10));
    }
    if (point == digits)
        s[o++] = '.';
    if (exp_range && (r >> 20 & 1)) {
        s[o++] = (r >> 21 & 1) ? 'e' : 'E';
        int e = (int)(next_u64() % (uint64_t)(2 * exp_range + 1)) - exp_range;
        o += (size_t)sprintf(s + o, (r >> 22 & 1) && e >= 0 ? "+%d" : "%d", e);
    }
    s[o] = '\0';
    return o;
}

static void check_parse(const char *s, size_t n)
{
    double got, want = strtod(s, NULL);
    assert_true(flow_parse_float64(s, n, &got));
    if (memcmp(&got, &want, sizeof got) != 0)
        fail_msg("\"%s\": strtod %.17g, flow %.17g", s, want, got);
}

static void test_parse_short(void **state)
{
    (void)state;
    char s[64];
    for (int i = 0; i < 600000; i++) {
        size_t n = random_decimal(s, 1 + (int)(next_u64() % 15), 22);
        check_parse(s, n);
    }
}

static void test_parse_long(void **state)
{
    (void)state;
    char s[512];
    long decided = 0, tried = 0;
    for (int i = 0; i < 600000; i++) {
        size_t n = random_decimal(s, 16 + (int)(next_u64() % 8), i % 2 ? 340 : 30);
        check_parse(s, n);
    }
    /* The benchmark's shape: uniform doubles printed shortest, read back. */
    for (int i = 0; i < 300000; i++) {
        double v = (double)(next_u64() >> 11) / 9007199254740992.0 * pow10_of(i % 40 - 20);
        size_t n = flow_format_float64(s, v);
        double back;
        assert_true(flow_parse_float64(s, n, &back));
        assert_true(back == v);
        check_parse(s, n);
    }
    /* Near the ends: subnormals, overflow, 20+ digits, ties. */
    const char *edge[] = { "4.9406564584124654e-324", "2.2250738585072011e-308",
                           "2.2250738585072012e-308", "1.7976931348623157e308",
                           "1.7976931348623159e308", "9007199254740993", "9007199254740992.5",
                           "9007199254740993.0000000000001", "123456789012345678901234567890",
                           "0.000000000000000000000000000000000000001e39", "1e-400", "1e400",
                           "-0", "0e999999", "00000.00000", "1e22", "1e23", "8.98846567431158e307" };
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++)
        check_parse(edge[i], strlen(edge[i]));
    /* How often the 128-bit path decides alone on 17-digit significands. */
    for (int i = 0; i < 100000; i++) {
        uint64_t w = 10000000000000000u + next_u64() % 90000000000000000u;
        int q = (int)(next_u64() % 560) - 290; /* results stay normal */
        double got, want;
        snprintf(s, sizeof s, "%llue%d", (unsigned long long)w, q);
        want = strtod(s, NULL);
        tried++;
        if (flowrt_codec_decimal_to_double(false, w, q, &got)) {
            decided++;
            if (memcmp(&got, &want, sizeof got) != 0)
                fail_msg("%s: strtod %.17g, 128-bit path %.17g", s, want, got);
        }
    }
    print_message("17-digit significands: %ld of %ld decided without strtod\n", decided, tried);
    assert_true(decided > tried * 99 / 100);
}

static void test_parse_syntax(void **state)
{
    (void)state;
    double v;
    const char *bad[] = { "", " 1", "1 ", ".", "-", "+", "e5", "1e", "1e+", "0x10", "1,5",
                          "--1", "1..2", "1e5.5", "nana", "in", "12345678901234567890x" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(flow_parse_float64(bad[i], strlen(bad[i]), &v));
    assert_true(flow_parse_float64("-Infinity", 9, &v) && v == -INFINITY);
    assert_true(flow_parse_float64("NaN", 3, &v) && isnan(v));
    assert_true(flow_parse_float64("5.", 2, &v) && v == 5);
    assert_true(flow_parse_float64(".5", 2, &v) && v == 0.5);
}

/* flow_format_int64 against printf, at every digit count and both signs. */
static void test_format_int64(void **state)
{
    (void)state;
    char got[FLOW_INT64_MAX], want[FLOW_INT64_MAX];
    for (int i = 0; i < 19; i++) {
        int64_t p = 1;
        for (int k = 0; k < i; k++)
            p *= 10;
        const int64_t near[] = { p, p - 1, p + 1, -p, -p + 1, -p - 1 };
        for (int k = 0; k < 6; k++) {
            snprintf(want, sizeof want, "%lld", (long long)near[k]);
            assert_int_equal(flow_format_int64(got, near[k]), strlen(want));
            assert_string_equal(got, want);
        }
    }
    for (int i = 0; i < 1000000; i++) {
        uint64_t r = next_u64();
        int64_t v = (int64_t)r >> (r % 64);
        if (i < 2)
            v = i ? INT64_MIN : INT64_MAX;
        snprintf(want, sizeof want, "%lld", (long long)v);
        assert_int_equal(flow_format_int64(got, v), strlen(want));
        assert_string_equal(got, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_random_bits),
        cmocka_unit_test(test_format_decimal_looking),
        cmocka_unit_test(test_format_boundaries),
        cmocka_unit_test(test_format_int64),
        cmocka_unit_test(test_parse_short),
        cmocka_unit_test(test_parse_long),
        cmocka_unit_test(test_parse_syntax),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
