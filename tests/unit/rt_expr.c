/* rt_expr.c: the expression operations of flow/expr.h: wrapping arithmetic,
 * division by zero, casts, string functions, scratch memory. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "flow/flow.h"
#include "rt.h"
#include "rt_fixture.h"


static void assert_str(FlowStr got, const char *want)
{
    assert_int_equal(got.len, strlen(want));
    assert_memory_equal(got.ptr, want, strlen(want));
}

static void test_wrapping(void **state)
{
    (void)state;
    assert_int_equal(flow_i32_add(INT32_MAX, 1), INT32_MIN);
    assert_int_equal(flow_i32_sub(INT32_MIN, 1), INT32_MAX);
    assert_int_equal(flow_i32_mul(65536, 65536), 0);
    assert_int_equal(flow_i32_mul(-3, 7), -21);
    assert_int_equal(flow_i32_neg(INT32_MIN), INT32_MIN);
    assert_int_equal(flow_i32_abs(INT32_MIN), INT32_MIN);
    assert_int_equal(flow_i32_abs(-5), 5);
    assert_true(flow_i64_add(INT64_MAX, 1) == INT64_MIN);
    assert_true(flow_i64_sub(INT64_MIN, 1) == INT64_MAX);
    assert_true(flow_i64_mul(INT64_C(4294967296), INT64_C(4294967296)) == 0);
    assert_true(flow_i64_mul(INT64_MAX, 2) == -2);
    assert_true(flow_i64_neg(INT64_MIN) == INT64_MIN);
    assert_true(flow_i64_abs(INT64_MIN) == INT64_MIN);
    assert_true(flow_i64_abs(-7) == 7);
}

static void test_division(void **state)
{
    (void)state;
    const char *err = NULL;
    assert_int_equal(flow_i32_div(&err, 7, 2), 3);
    assert_int_equal(flow_i32_div(&err, -7, 2), -3);
    assert_int_equal(flow_i32_mod(&err, -7, 2), -1);
    assert_int_equal(flow_i32_mod(&err, 7, -2), 1);
    assert_int_equal(flow_i32_div(&err, INT32_MIN, -1), INT32_MIN);
    assert_int_equal(flow_i32_mod(&err, INT32_MIN, -1), 0);
    assert_true(flow_i64_div(&err, INT64_MIN, -1) == INT64_MIN);
    assert_true(flow_i64_mod(&err, INT64_MIN, -1) == 0);
    assert_true(flow_i64_div(&err, -9, 4) == -2);
    assert_true(flow_i64_mod(&err, -9, 4) == -1);
    assert_null(err);
    assert_int_equal(flow_i32_div(&err, 1, 0), 0);
    assert_string_equal(err, "division by zero");
    /* The first error stays. */
    flow_i64_mod(&err, 1, 0);
    assert_string_equal(err, "division by zero");
    err = NULL;
    flow_i64_mod(&err, 1, 0);
    assert_string_equal(err, "modulo by zero");
    err = NULL;
    flow_i32_mod(&err, 1, 0);
    assert_string_equal(err, "modulo by zero");
    err = NULL;
    flow_i64_div(&err, 1, 0);
    assert_string_equal(err, "division by zero");
    assert_true(flow_f64_mod(7.5, 2) == 1.5);
    assert_true(flow_f64_mod(-7.5, 2) == -1.5);
    assert_true(isnan(flow_f64_mod(1, 0)));
}

static void test_casts(void **state)
{
    (void)state;
    const char *err = NULL;
    assert_int_equal(flow_i32_from_i64(&err, -5), -5);
    assert_int_equal(flow_i32_from_f64(&err, 2.9), 2);
    assert_int_equal(flow_i32_from_f64(&err, -2.9), -2);
    assert_int_equal(flow_i32_from_f64(&err, 2147483647.9), INT32_MAX);
    assert_int_equal(flow_i32_from_f64(&err, -2147483648.9), INT32_MIN);
    assert_true(flow_i64_from_f64(&err, -9223372036854775808.0) == INT64_MIN);
    assert_true(flow_i64_from_f64(&err, 1e18) == INT64_C(1000000000000000000));
    assert_int_equal(flow_i32_from_str(&err, S("-12")), -12);
    assert_true(flow_i64_from_str(&err, S("9223372036854775807")) == INT64_MAX);
    assert_true(flow_f64_from_str(&err, S("2.5")) == 2.5);
    assert_true(flow_bool_from_str(&err, S("true")));
    assert_false(flow_bool_from_str(&err, S("false")));
    assert_true(flow_ts_from_str(&err, S("1970-01-01T00:00:01Z")) == 1000);
    assert_true(flow_ts_from_str(&err, S("-5")) == -5);
    assert_null(err);

    flow_i32_from_i64(&err, INT64_C(3000000000));
    assert_string_equal(err, "int32(3000000000): out of range");
    err = NULL;
    flow_i32_from_f64(&err, 2147483648.0);
    assert_non_null(err);
    err = NULL;
    flow_i32_from_f64(&err, NAN);
    assert_string_equal(err, "int32(nan): out of range");
    err = NULL;
    flow_i64_from_f64(&err, -NAN);
    assert_string_equal(err, "int64(nan): out of range");
    err = NULL;
    flow_i64_from_f64(&err, -1.5e19);
    assert_string_equal(err, "int64(-1.5e+19): out of range");
    err = NULL;
    flow_i32_from_str(&err, S("2147483648"));
    assert_string_equal(err, "int32(\"2147483648\"): out of range");
    err = NULL;
    flow_i64_from_str(&err, S("-9223372036854775809"));
    assert_string_equal(err, "int64(\"-9223372036854775809\"): out of range");
    err = NULL;
    flow_i64_from_f64(&err, 9223372036854775808.0);
    assert_non_null(err);
    err = NULL;
    flow_i64_from_f64(&err, INFINITY);
    assert_non_null(err);
    err = NULL;
    flow_i32_from_str(&err, S("12x"));
    assert_string_equal(err, "int32(\"12x\"): not an integer");
    err = NULL;
    flow_i64_from_str(&err, S(" 1"));
    assert_non_null(err);
    err = NULL;
    flow_f64_from_str(&err, S("abc"));
    assert_string_equal(err, "float64(\"abc\"): not a number");
    err = NULL;
    flow_bool_from_str(&err, S("TRUE"));
    assert_string_equal(err, "bool(\"TRUE\"): not true or false");
    err = NULL;
    flow_ts_from_str(&err, S("yesterday"));
    assert_string_equal(err, "timestamp(\"yesterday\"): not a timestamp");
    /* A later failure does not overwrite the first reason. */
    flow_i32_from_str(&err, S("zzz"));
    assert_string_equal(err, "timestamp(\"yesterday\"): not a timestamp");
}

static void test_to_string(void **state)
{
    (void)state;
    assert_str(flow_str_from_i64(&rt, -42), "-42");
    assert_str(flow_str_from_f64(&rt, 0.1), "0.1");
    assert_str(flow_str_from_f64(&rt, 1e21), "1e+21");
    assert_str(flow_str_from_bool(true), "true");
    assert_str(flow_str_from_bool(false), "false");
    assert_str(flow_str_from_ts(&rt, INT64_C(1709294405250)), "2024-03-01T12:00:05.250Z");
}

static void test_strings(void **state)
{
    (void)state;
    assert_true(flow_str_eq(S("abc"), S("abc")));
    assert_false(flow_str_eq(S("abc"), S("abd")));
    assert_false(flow_str_eq(S("ab"), S("abc")));
    assert_true(flow_str_eq((FlowStr){ NULL, 0 }, S("")));
    assert_int_equal(flow_str_cmp(S("a"), S("b")), -1);
    assert_int_equal(flow_str_cmp(S("b"), S("a")), 1);
    assert_int_equal(flow_str_cmp(S("ab"), S("abc")), -1);
    assert_int_equal(flow_str_cmp(S("abc"), S("ab")), 1);
    assert_int_equal(flow_str_cmp(S("abc"), S("abc")), 0);
    assert_int_equal(flow_str_cmp(S("\xC3\xA9"), S("z")), 1); /* bytes as unsigned */
    assert_int_equal(flow_str_cmp((FlowStr){ NULL, 0 }, S("")), 0);

    assert_int_equal(flow_str_length(S("")), 0);
    assert_int_equal(flow_str_length(S("abc")), 3);
    assert_int_equal(flow_str_length(S("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80")), 9);

    assert_true(flow_str_contains(S("Mozilla bot/1.0"), S("bot")));
    assert_true(flow_str_contains(S("abc"), S("")));
    assert_true(flow_str_contains(S("aaab"), S("aab")));
    assert_false(flow_str_contains(S("abc"), S("abcd")));
    assert_false(flow_str_contains(S("abcab"), S("abd")));
    assert_true(flow_str_contains(S("xyz"), S("z")));
    assert_true(flow_str_starts_with(S("curl/8"), S("curl/")));
    assert_false(flow_str_starts_with(S("cur"), S("curl/")));
    assert_true(flow_str_starts_with(S(""), S("")));
    assert_true(flow_str_ends_with(S("file.csv"), S(".csv")));
    assert_false(flow_str_ends_with(S("file.csv"), S(".json")));
    assert_false(flow_str_ends_with(S("v"), S(".csv")));

    assert_str(flow_str_lower(&rt, S("Hello WORLD \xC3\x89!")), "hello world \xC3\x89!");
    assert_str(flow_str_upper(&rt, S("s-efab39 z@[`{")), "S-EFAB39 Z@[`{");
    assert_str(flow_str_lower(&rt, S("")), "");
    char all[256], up[257], low[257];
    for (int c = 0; c < 256; c++) {
        all[c] = (char)c;
        up[c] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
        low[c] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    FlowStr every = { all, 256 };
    assert_memory_equal(flow_str_upper(&rt, every).ptr, up, 256);
    assert_memory_equal(flow_str_lower(&rt, every).ptr, low, 256);
    FlowStr parts[] = { S("https://shop"), S(""), S("/cart"), S("?x") };
    assert_str(flow_str_concat(&rt, 4, parts), "https://shop/cart?x");
    assert_str(flow_str_concat(&rt, 0, parts), "");
    assert_str(flow_str_concat(&rt, 1, parts + 1), "");
}

/* Scratch memory: aligned, reused after a reset, large requests served. */
static void test_scratch(void **state)
{
    (void)state;
    Scratch s;
    flowrt_scratch_init(&s);
    char *a = flowrt_scratch_alloc(&s, 10), *b = flowrt_scratch_alloc(&s, 1);
    assert_true(((uintptr_t)a & 15) == 0 && ((uintptr_t)b & 15) == 0);
    assert_true(b >= a + 10);
    char *big = flowrt_scratch_alloc(&s, 1 << 20);
    memset(big, 1, 1 << 20);
    memset(a, 2, 10);
    assert_int_equal(a[9], 2);
    flowrt_scratch_reset(&s);
    assert_ptr_equal(flowrt_scratch_alloc(&s, 10), a);
    /* After a reset, a large request again uses memory kept from before. */
    for (int round = 0; round < 3; round++) {
        flowrt_scratch_reset(&s);
        for (int i = 0; i < 100; i++)
            memset(flowrt_scratch_alloc(&s, 3000), i, 3000);
    }
    flowrt_scratch_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrapping),
        cmocka_unit_test(test_division),
        cmocka_unit_test(test_casts),
        cmocka_unit_test(test_to_string),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_scratch),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
