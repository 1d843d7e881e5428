/* rt_aggregate.c: the accumulators of flow/aggregate.h: moments against a
 * two-pass variance, also merged in pieces; percentile exact (interpolated,
 * nan last) up to FLOW_QUANTILES_EXACT values and, past it, the sketch's
 * bound (a relative error of FLOW_QUANTILES_ALPHA on the order statistic)
 * over 100k values of several shapes, added or merged, and through a
 * checkpoint; collect_list's JSON text, appended, prepended and restored. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ckpt_io.h"
#include "flow/aggregate.h"
#include "flow/state.h"

/* The six values of test_list, in order. */
#define SIX "[-3,\"q\\\"\\\\\\n\\u0001\",true,0.5,\"nan\",\"1970-01-01T00:00:00.000Z\"]"

/* A fixed xorshift, so that every run sees the same values. */
static uint64_t rng_state = 88172645463325252ULL;

static double uniform(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static void test_moments(void **state)
{
    (void)state;
    enum { N = 10000 };
    static double v[N];
    double sum = 0;
    for (int i = 0; i < N; i++) {
        v[i] = 1e6 + uniform() * 10; /* a large mean: a sum of squares would cancel */
        sum += v[i];
    }
    double mean = sum / N, ss = 0;
    for (int i = 0; i < N; i++)
        ss += (v[i] - mean) * (v[i] - mean);
    FlowMoments all = { 0 }, parts = { 0 };
    for (int i = 0; i < N; i++)
        flow_moments_add(&all, v[i]);
    /* Pieces of uneven sizes, merged in order. */
    for (int start = 0, len = 1; start < N; start += len, len = len * 3 % 997 + 1) {
        FlowMoments piece = { 0 };
        for (int i = start; i < start + len && i < N; i++)
            flow_moments_add(&piece, v[i]);
        flow_moments_merge(&parts, &piece);
    }
    assert_int_equal(all.n, N);
    assert_int_equal(parts.n, N);
    assert_true(fabs(flow_moments_var_pop(&all) - ss / N) < 1e-9 * (ss / N));
    assert_true(fabs(flow_moments_var_samp(&parts) - ss / (N - 1)) < 1e-9 * (ss / N));
    assert_true(fabs(flow_moments_stddev_samp(&all) - sqrt(ss / (N - 1))) < 1e-9);

    FlowMoments one = { 0 };
    flow_moments_add(&one, 3);
    assert_true(flow_moments_var_pop(&one) == 0);
    flow_moments_add(&one, 3);
    assert_true(flow_moments_stddev_samp(&one) == 0);
}

static void test_exact(void **state)
{
    (void)state;
    FlowQuantiles q = { 0 };
    double vals[] = { 4, NAN, 1, 3, 2 };
    for (int i = 0; i < 5; i++)
        flow_quantiles_add(&q, vals[i]);
    /* Sorted 1, 2, 3, 4, nan. */
    assert_true(flow_quantiles_get(&q, 0) == 1);
    assert_true(flow_quantiles_get(&q, 0.5) == 3);
    assert_true(flow_quantiles_get(&q, 0.125) == 1.5);
    assert_true(isnan(flow_quantiles_get(&q, 1)));
    FlowQuantiles one = { 0 };
    flow_quantiles_add(&one, -7.5);
    assert_true(flow_quantiles_get(&one, 0) == -7.5);
    assert_true(flow_quantiles_get(&one, 1) == -7.5);
    FlowQuantiles inf = { 0 };
    flow_quantiles_add(&inf, INFINITY);
    flow_quantiles_add(&inf, INFINITY);
    assert_true(flow_quantiles_get(&inf, 0.5) == INFINITY);
    /* Merged pieces stay exact while they fit. */
    flow_quantiles_merge(&q, &one);
    assert_null(q.sketch);
    assert_true(flow_quantiles_get(&q, 0) == -7.5);
    flow_quantiles_free(&q);
    flow_quantiles_free(&one);
    flow_quantiles_free(&inf);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

enum { BIG = 100000 };

/* q saved into a checkpoint in memory and read back. */
static FlowQuantiles through_checkpoint(const FlowQuantiles *q)
{
    FlowCkptOut out;
    assert_true(flowrt_ckpt_out_init_mem(&out));
    flow_ckpt_put_quantiles(&out, q);
    FlowCkptIn in;
    flowrt_ckpt_in_init(&in, out.buf, out.len);
    FlowQuantiles back = { 0 };
    flow_ckpt_get_quantiles(&in, &back);
    assert_false(flow_ckpt_failed(&in));
    flowrt_ckpt_out_free(&out);
    return back;
}

/* Every p of a list from p_min against the sorted values: within alpha of
 * the order statistic of rank floor(p (n - 1)). */
static void check_bound(const FlowQuantiles *q, double *v, int n, double p_min)
{
    static const double ps[] = { 0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1 };
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    assert_int_equal(q->n, n);
    assert_non_null(q->sketch);
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        if (ps[i] < p_min)
            continue;
        double exact = v[(int64_t)floor(ps[i] * (n - 1))];
        double got = flow_quantiles_get(q, ps[i]);
        assert_true(fabs(got - exact) <= FLOW_QUANTILES_ALPHA * fabs(exact) * (1 + 1e-9));
    }
}

/* Values of several shapes: uniform, spread over 15 decades (1700 of the
 * 2048 buckets), both signs with zeros. */
static double shaped(int shape)
{
    switch (shape) {
    case 0: return uniform() * 1000;
    case 1: return exp((uniform() - 0.5) * 35);
    default: {
        double u = uniform();
        return u < 0.1 ? 0 : (u < 0.5 ? -1 : 1) * exp(uniform() * 20 - 10);
    }
    }
}

static void test_sketch_bound(void **state)
{
    (void)state;
    double *v = malloc(sizeof *v * BIG);
    for (int shape = 0; shape < 3; shape++) {
        FlowQuantiles q = { 0 }, merged = { 0 };
        FlowQuantiles pieces[7] = { { 0 } };
        for (int i = 0; i < BIG; i++) {
            v[i] = shaped(shape);
            flow_quantiles_add(&q, v[i]);
            flow_quantiles_add(&pieces[i % 7 == 0 ? i % 5 : 5 + i % 2], v[i]);
        }
        for (int k = 0; k < 7; k++)
            flow_quantiles_merge(&merged, &pieces[k]);
        check_bound(&q, v, BIG, 0);
        check_bound(&merged, v, BIG, 0);
        FlowQuantiles back = through_checkpoint(&q);
        check_bound(&back, v, BIG, 0);
        assert_true(flow_quantiles_get(&back, 0.37) == flow_quantiles_get(&q, 0.37));
        flow_quantiles_free(&back);
        flow_quantiles_free(&q);
        flow_quantiles_free(&merged);
        for (int k = 0; k < 7; k++)
            flow_quantiles_free(&pieces[k]);
    }
    free(v);
}

/* Magnitudes over 40 decades, uniform in log: the 2048 buckets hold the
 * top 17.8 decades, the buckets of the smaller magnitudes are folded into
 * the lowest kept, and only the quantiles that fall in them (here below the
 * 56th percentile) lose the bound. */
static void test_sketch_collapse(void **state)
{
    (void)state;
    double *v = malloc(sizeof *v * BIG);
    FlowQuantiles q = { 0 };
    for (int i = 0; i < BIG; i++) {
        v[i] = exp((uniform() - 0.5) * 92);
        flow_quantiles_add(&q, v[i]);
    }
    check_bound(&q, v, BIG, 0.6);
    /* The folded low quantiles come out at the lowest bucket kept, above the truth. */
    assert_true(flow_quantiles_get(&q, 0) > v[0]);
    flow_quantiles_free(&q);
    free(v);
}

/* Exactly FLOW_QUANTILES_EXACT values are exact; one more makes a sketch. */
static void test_exact_bound(void **state)
{
    (void)state;
    FlowQuantiles q = { 0 };
    for (int i = 1; i <= FLOW_QUANTILES_EXACT; i++)
        flow_quantiles_add(&q, i);
    assert_null(q.sketch);
    assert_true(flow_quantiles_get(&q, 0.5) == (FLOW_QUANTILES_EXACT + 1) / 2.0);
    FlowQuantiles back = through_checkpoint(&q);
    assert_null(back.sketch);
    assert_true(flow_quantiles_get(&back, 0.25) == flow_quantiles_get(&q, 0.25));
    flow_quantiles_add(&q, 0);
    assert_non_null(q.sketch);
    assert_true(flow_quantiles_get(&q, 0) == 0);
    flow_quantiles_free(&back);
    flow_quantiles_free(&q);
}

static void assert_json(const FlowJsonList *l, const char *want)
{
    FlowStr s = flow_list_json(l);
    assert_int_equal(s.len, (int64_t)strlen(want));
    assert_memory_equal(s.ptr, want, strlen(want));
}

static void test_list(void **state)
{
    (void)state;
    FlowJsonList a = { 0 }, b = { 0 }, empty = { 0 };
    assert_json(&a, "[]");
    flow_list_add_i64(&a, -3);
    flow_list_add_str(&a, (FlowStr){ "q\"\\\n\x01", 5 });
    flow_list_add_bool(&a, true);
    assert_json(&a, "[-3,\"q\\\"\\\\\\n\\u0001\",true]");
    flow_list_add_f64(&b, 0.5);
    flow_list_add_f64(&b, NAN);
    flow_list_add_ts(&b, 0);
    assert_json(&b, "[0.5,\"nan\",\"1970-01-01T00:00:00.000Z\"]");
    flow_list_append(&empty, &b);
    assert_json(&empty, "[0.5,\"nan\",\"1970-01-01T00:00:00.000Z\"]");
    flow_list_prepend(&b, &a);
    assert_int_equal(b.count, 6);
    assert_json(&b, SIX);
    flow_list_append(&a, &empty);
    assert_json(&a, SIX);

    FlowCkptOut out;
    assert_true(flowrt_ckpt_out_init_mem(&out));
    flow_ckpt_put_list(&out, &a);
    flow_ckpt_put_list(&out, &(FlowJsonList){ 0 });
    FlowCkptIn in;
    flowrt_ckpt_in_init(&in, out.buf, out.len);
    FlowJsonList back = { 0 }, none = { 0 };
    flow_ckpt_get_list(&in, &back);
    flow_ckpt_get_list(&in, &none);
    assert_false(flow_ckpt_failed(&in));
    assert_int_equal(back.count, 6);
    assert_json(&back, SIX);
    assert_json(&none, "[]");
    /* Growth over many values. */
    for (int i = 0; i < 10000; i++)
        flow_list_add_i64(&none, i);
    FlowStr s = flow_list_json(&none);
    assert_int_equal(s.ptr[0], '[');
    assert_int_equal(s.ptr[s.len - 1], ']');
    assert_int_equal(none.count, 10000);
    flowrt_ckpt_out_free(&out);
    flow_list_free(&a);
    flow_list_free(&b);
    flow_list_free(&empty);
    flow_list_free(&back);
    flow_list_free(&none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moments),
        cmocka_unit_test(test_exact),
        cmocka_unit_test(test_sketch_bound),
        cmocka_unit_test(test_sketch_collapse),
        cmocka_unit_test(test_exact_bound),
        cmocka_unit_test(test_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
