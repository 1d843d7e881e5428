/* rt_latency.c: the latency histogram: exact below 16 ns, quantiles within
 * 1/16 of the true value above, weights, the maximum, reset and the text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "latency.h"

static Latency lat;

static void small_values_are_exact(void **state)
{
    (void)state;
    flowrt_latency_reset(&lat);
    for (int v = 1; v <= 10; v++)
        flowrt_latency_add(&lat, v, 1);
    assert_int_equal(flowrt_latency_quantile(&lat, 0.5), 5);
    assert_int_equal(flowrt_latency_quantile(&lat, 0.1), 1);
    assert_int_equal(flowrt_latency_quantile(&lat, 1.0), 10);
    assert_int_equal(lat.n, 10);
}

/* 1..100000 ns once each: the q-quantile is q * 100000, within 1/16. */
static void quantiles_within_a_sixteenth(void **state)
{
    (void)state;
    flowrt_latency_reset(&lat);
    for (int64_t v = 1; v <= 100000; v++)
        flowrt_latency_add(&lat, v, 1);
    const double qs[] = { 0.01, 0.25, 0.5, 0.9, 0.99, 0.999 };
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        double want = qs[i] * 100000, got = (double)flowrt_latency_quantile(&lat, qs[i]);
        assert_true(got >= want);
        assert_true(got <= want * (1 + 1.0 / 16) + 1);
    }
    assert_int_equal(flowrt_latency_quantile(&lat, 1.0), 100000);
}

/* A write of 99 records at 1 ms and one of 1 at 1 s: p99 is 1 ms, the
 * maximum 1 s; the largest value is never passed by a bucket's top. */
static void weights_and_the_maximum(void **state)
{
    (void)state;
    flowrt_latency_reset(&lat);
    flowrt_latency_add(&lat, 1000000, 99);
    flowrt_latency_add(&lat, 1000000000, 1);
    int64_t p99 = flowrt_latency_quantile(&lat, 0.99);
    assert_true(p99 >= 1000000 && p99 <= 1000000 + 1000000 / 16);
    assert_int_equal(flowrt_latency_quantile(&lat, 0.999), 1000000000);
    assert_int_equal(lat.max_ns, 1000000000);
    flowrt_latency_add(&lat, -5, 1); /* a clock read twice in the same ns */
    assert_int_equal(lat.n, 101);
    assert_int_equal(flowrt_latency_quantile(&lat, 0.001), 0);
}

static void text_and_reset(void **state)
{
    (void)state;
    char buf[128];
    flowrt_latency_reset(&lat);
    flowrt_latency_describe(&lat, buf, sizeof buf);
    assert_string_equal(buf, "-");
    assert_int_equal(flowrt_latency_quantile(&lat, 0.5), 0);
    flowrt_latency_add(&lat, 2500000, 3);
    flowrt_latency_describe(&lat, buf, sizeof buf);
    assert_string_equal(buf, "p50 2.500ms p99 2.500ms p99.9 2.500ms max 2.500ms");
    flowrt_latency_add(&lat, INT64_MAX, 1);
    assert_int_equal(flowrt_latency_quantile(&lat, 1.0), INT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_values_are_exact),
        cmocka_unit_test(quantiles_within_a_sixteenth),
        cmocka_unit_test(weights_and_the_maximum),
        cmocka_unit_test(text_and_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
