/* rt_fn_num.c: the numeric functions and between/in helpers of
 * flow/fn_num.h at their edges: ties, negative digits, binary fractions,
 * nan, overflow. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "flow/flow.h"

static void test_round_float(void **state)
{
    (void)state;
    assert_true(flow_f64_round0(2.5) == 3.0);
    assert_true(flow_f64_round0(-2.5) == -3.0);
    assert_true(flow_f64_round0(0.49999999999999994) == 0.0);
    assert_false(signbit(flow_f64_round0(-0.4))); /* 0, never -0 */
    /* On the decimal written: 2.675 and 1.005 are ties there. */
    assert_true(flow_f64_round(2.675, 2) == 2.68);
    assert_true(flow_f64_round(1.005, 2) == 1.01);
    assert_true(flow_f64_round(-2.675, 2) == -2.68);
    assert_true(flow_f64_round(0.125, 2) == 0.13);
    assert_true(flow_f64_round(0.1234, 3) == 0.123);
    assert_true(flow_f64_round(9.995, 2) == 10.0);
    assert_true(flow_f64_round(0.0005, 3) == 0.001);
    assert_true(flow_f64_round(0.0004, 3) == 0.0);
    assert_true(flow_f64_round(1234.5, -2) == 1200.0);
    assert_true(flow_f64_round(-1250, -2) == -1300.0);
    assert_true(flow_f64_round(950, -3) == 1000.0);
    assert_true(flow_f64_round(449, -3) == 0.0);
    assert_false(signbit(flow_f64_round(-449, -3)));
    assert_true(flow_f64_round(1e300, 2) == 1e300);
    assert_true(flow_f64_round(1.5e-300, 300) == 2e-300);
    assert_true(flow_f64_round(1e22, -22) == 1e22);
    assert_true(flow_f64_round(123.456, INT64_MAX) == 123.456);
    assert_true(flow_f64_round(123.456, INT64_MIN) == 0.0);
    assert_true(isnan(flow_f64_round(NAN, 2)));
    assert_true(flow_f64_round(-INFINITY, -2) == -INFINITY);
}

static void test_round_int(void **state)
{
    (void)state;
    assert_int_equal(flow_i64_round(1234, 2), 1234);
    assert_int_equal(flow_i64_round(1250, -2), 1300);
    assert_int_equal(flow_i64_round(-1250, -2), -1300);
    assert_int_equal(flow_i64_round(1249, -2), 1200);
    assert_int_equal(flow_i64_round(-5, -1), -10);
    assert_int_equal(flow_i64_round(4, -1), 0);
    /* Past the range it wraps, as + and * do. */
    assert_true(flow_i64_round(INT64_MAX, -1) == (int64_t)((uint64_t)INT64_MAX + 3));
    assert_true(flow_i64_round(INT64_MIN, -1) == (int64_t)(0 - 9223372036854775810u));
    assert_true(flow_i64_round(INT64_MAX, -18) == (int64_t)9000000000000000000);
    assert_true(flow_i64_round(4999999999999999999, -19) == 0);
    assert_true(flow_i64_round(5000000000000000000, -19) == (int64_t)10000000000000000000u);
    assert_true(flow_i64_round(INT64_MAX, -20) == 0);
    assert_true(flow_i64_round(INT64_MIN, INT64_MIN) == 0);
    assert_int_equal(flow_i32_round(2147483647, -1), (int32_t)(2147483650u - 4294967296u));
    assert_int_equal(flow_i32_round(-15, -1), -20);
}

static void test_sign_greatest_least(void **state)
{
    (void)state;
    assert_int_equal(flow_i32_sign(INT32_MIN), -1);
    assert_int_equal(flow_i64_sign(0), 0);
    assert_true(flow_f64_sign(-0.0) == 0 && !signbit(flow_f64_sign(-0.0)));
    assert_true(isnan(flow_f64_sign(NAN)));
    assert_true(flow_f64_sign(-INFINITY) == -1);
    /* nan is larger than every number, in either order. */
    assert_true(isnan(flow_f64_greatest(NAN, 5)) && isnan(flow_f64_greatest(5, NAN)));
    assert_true(flow_f64_least(NAN, 5) == 5 && flow_f64_least(5, NAN) == 5);
    assert_true(flow_f64_greatest(INFINITY, 1) == INFINITY);
    assert_int_equal(flow_i64_least(INT64_MIN, 0), INT64_MIN);
    FlowStr a = { "ab", 2 }, b = { "b", 1 }, e = { "", 0 };
    assert_true(flow_str_greatest(a, b).ptr == b.ptr);
    assert_true(flow_str_least(a, e).ptr == e.ptr);
    assert_true(flow_bool_greatest(false, true) && !flow_bool_least(false, true));
}

static void test_between_in(void **state)
{
    (void)state;
    assert_true(flow_i64_between(1, 1, 3) && flow_i64_between(3, 1, 3));
    assert_false(flow_i64_between(2, 3, 1)); /* reversed bounds: empty */
    assert_false(flow_f64_between(NAN, -INFINITY, INFINITY));
    FlowStr lo = { "a", 1 }, hi = { "b", 1 }, x = { "az", 2 }, y = { "b\0", 2 };
    assert_true(flow_str_between(x, lo, hi));
    assert_false(flow_str_between(y, lo, hi));
    const int64_t sorted[] = { -9, -1, 0, 4, 7, 100, INT64_MAX };
    for (int i = 0; i < 7; i++)
        assert_true(flow_i64_in_sorted(sorted[i], sorted, 7));
    assert_false(flow_i64_in_sorted(5, sorted, 7));
    assert_false(flow_i64_in_sorted(INT64_MIN, sorted, 7));
    assert_false(flow_i64_in_sorted(1, sorted, 0));
    const double reals[] = { -1.5, 0, 2.25 };
    assert_true(flow_f64_in_sorted(-0.0, reals, 3));
    assert_false(flow_f64_in_sorted(NAN, reals, 3));
    assert_false(flow_f64_in((double)NAN, (const double[]){ NAN }, 1));
    const FlowStr strs[] = { { "", 0 }, { "a", 1 }, { "ab", 2 } };
    assert_true(flow_str_in_sorted((FlowStr){ "", 0 }, strs, 3));
    assert_true(flow_str_in_sorted((FlowStr){ "ab", 2 }, strs, 3));
    assert_false(flow_str_in_sorted((FlowStr){ "b", 1 }, strs, 3));
    assert_true(flow_str_in((FlowStr){ "a", 1 }, strs, 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_float),
        cmocka_unit_test(test_round_int),
        cmocka_unit_test(test_sign_greatest_least),
        cmocka_unit_test(test_between_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
