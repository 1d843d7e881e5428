/* rt_timer.c: event-time timers (order by time then by setting order,
 * per-operator watermarks and their holds, topological firing, release at shutdown, driven
 * by watermarks with idle inputs), the tumbling window assigner and its
 * boundaries, the state hash table and the distinct-value sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "flow/value.h"
#include "timer.h"
#include "watermark.h"

/* What fired, in order: (operator, item tag, time). */
static int fired_op[64], fired_tag[64];
static int64_t fired_time[64];
static int nfired, nreleased;
static Timers *current;

static void record(int op, void *item, int64_t time)
{
    fired_op[nfired] = op;
    fired_tag[nfired] = *(int *)item;
    fired_time[nfired++] = time;
}

/* Operator 0 passes each fired item on to operator 1 with the same time, as
 * a window feeding another window with its result. */
static void fire0(FlowRuntime *rt, void *item, int64_t time)
{
    (void)rt;
    record(0, item, time);
    flowrt_timers_set(current, 1, time, item);
}

static void fire1(FlowRuntime *rt, void *item, int64_t time)
{
    (void)rt;
    record(1, item, time);
}

static void release(void *item)
{
    (void)item;
    nreleased++;
}

static const FlowOperatorDef defs[] = {
    { "op0", fire0, release, NULL, NULL, NULL },
    { "op1", fire1, release, NULL, NULL, NULL },
};

/* Operator 1 after an outer interval join within 100ms (FlowOperatorDef.hold). */
static int64_t hold100(FlowRuntime *rt)
{
    (void)rt;
    return 100;
}

static const FlowOperatorDef held_defs[] = {
    { "op0", fire0, release, NULL, NULL, NULL },
    { "op1", fire1, release, NULL, NULL, hold100 },
};

/* A held operator's watermark stays `hold` behind the program's (the end of
 * input stays the end), and its timers fire that much later: what operator
 * 0 emits at its own watermark is not late for operator 1. */
static void test_hold(void **state)
{
    (void)state;
    Timers t;
    flowrt_timers_init(&t, held_defs, 2);
    current = &t;
    nfired = nreleased = 0;
    int a = 1, b = 2;
    flowrt_timers_set(&t, 0, 500, &a);
    flowrt_timers_set(&t, 1, 550, &b);
    flowrt_timers_advance(&t, NULL, 600);
    assert_true(t.hot[0].watermark == 600 && t.hot[1].watermark == 500);
    /* op0 fired a (passed on to op1 at 500, due there), op1 not b yet */
    assert_int_equal(nfired, 2);
    assert_true(fired_op[1] == 1 && fired_tag[1] == 1 && fired_time[1] == 500);
    flowrt_timers_advance(&t, NULL, 649);
    assert_int_equal(nfired, 2);
    flowrt_timers_advance(&t, NULL, 650);
    assert_int_equal(nfired, 3);
    assert_true(fired_op[2] == 1 && fired_tag[2] == 2 && t.hot[1].watermark == 550);
    flowrt_timers_advance(&t, NULL, FLOW_TIME_MAX);
    assert_true(t.hot[1].watermark == FLOW_TIME_MAX);
    flowrt_timers_free(&t);
}

static void test_order_and_chaining(void **state)
{
    (void)state;
    Timers t;
    flowrt_timers_init(&t, defs, 2);
    current = &t;
    nfired = nreleased = 0;
    int a = 1, b = 2, c = 3, d = 4;
    flowrt_timers_set(&t, 0, 999, &a);
    flowrt_timers_set(&t, 0, 499, &b);
    flowrt_timers_set(&t, 0, 999, &c); /* same time as a, set later: fires after a */
    flowrt_timers_set(&t, 0, 1999, &d);
    assert_true(flowrt_timers_next(&t, 0) == 499);
    assert_true(t.hot[0].watermark == FLOW_TIME_MIN);

    flowrt_timers_advance(&t, NULL, 498); /* one ms early: nothing */
    assert_int_equal(nfired, 0);
    assert_true(t.hot[0].watermark == 498 && t.hot[1].watermark == 498);

    flowrt_timers_advance(&t, NULL, 999); /* exactly due */
    int want_op[] = { 0, 0, 0, 1, 1, 1 }, want_tag[] = { 2, 1, 3, 2, 1, 3 };
    int64_t want_time[] = { 499, 999, 999, 499, 999, 999 };
    assert_int_equal(nfired, 6);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(fired_op[i], want_op[i]);
        assert_int_equal(fired_tag[i], want_tag[i]);
        assert_true(fired_time[i] == want_time[i]);
    }
    /* Watermarks never go back. */
    flowrt_timers_advance(&t, NULL, 10);
    assert_true(t.hot[1].watermark == 999);
    assert_true(flowrt_timers_next(&t, 0) == 1999);
    /* The program stops before d is due: it is released, not fired. */
    flowrt_timers_free(&t);
    assert_int_equal(nfired, 6);
    assert_int_equal(nreleased, 1);
}

static void test_end_of_input(void **state)
{
    (void)state;
    Timers t;
    flowrt_timers_init(&t, defs, 2);
    current = &t;
    nfired = nreleased = 0;
    int tags[20];
    for (int i = 0; i < 20; i++) {
        tags[i] = i;
        flowrt_timers_set(&t, 0, (int64_t)(20 - i) * 1000, &tags[i]);
    }
    flowrt_timers_advance(&t, NULL, FLOW_TIME_MAX);
    assert_int_equal(nfired, 40);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(fired_tag[i], 19 - i); /* earliest time first */
        assert_int_equal(fired_op[20 + i], 1);
    }
    flowrt_timers_free(&t);
    assert_int_equal(nreleased, 0);
}

/* The tumbling assigner: windows [k*size, (k+1)*size), also before 1970;
 * a record at end - 1ms is still in the window, one at end is in the next. */
static void test_window_start(void **state)
{
    (void)state;
    assert_true(flow_window_start(0, 1000) == 0);
    assert_true(flow_window_start(999, 1000) == 0);     /* end - 1ms */
    assert_true(flow_window_start(1000, 1000) == 1000); /* end: the next window */
    assert_true(flow_window_start(-1, 1000) == -1000);
    assert_true(flow_window_start(-1000, 1000) == -1000);
    assert_true(flow_window_start(-1001, 1000) == -2000);
    assert_true(flow_window_start(1709251199999, 86400000) == 1709164800000);
    /* Times near the end of the range saturate instead of wrapping. */
    assert_true(flow_time_add(FLOW_TIME_MAX - 5, 10) == FLOW_TIME_MAX);
    assert_true(flow_time_add(-10, 10) == 0);
}

/* A window [0, 1000) fires when the watermark reaches 999, not before; an
 * idle input is left out of the minimum, so the other one drives the
 * timers; the end of every input fires everything. */
static void test_timers_follow_watermarks(void **state)
{
    (void)state;
    Watermarks w;
    flowrt_watermarks_init(&w, 2);
    flowrt_watermarks_set_input(&w, 0, true, 0, 0, 0);
    flowrt_watermarks_set_input(&w, 1, true, 0, 500, 0); /* idle after 500 ms of wall clock */
    Timers t;
    flowrt_timers_init(&t, defs, 2);
    current = &t;
    nfired = nreleased = 0;
    int a = 1, b = 2;
    flowrt_timers_set(&t, 0, 999, &a);
    flowrt_timers_set(&t, 0, 1999, &b);
    flowrt_watermarks_observe(&w, 0, 999);  /* watermark 998: one ms early */
    flowrt_watermarks_observe(&w, 1, 1500); /* watermark 1499 */
    flowrt_timers_advance(&t, NULL, watermarks_current(&w, 100));
    assert_int_equal(nfired, 0);
    flowrt_watermarks_observe(&w, 0, 1000); /* watermark 999 = end - 1ms */
    flowrt_timers_advance(&t, NULL, watermarks_current(&w, 100));
    assert_int_equal(nfired, 2);     /* op 0 fires a, op 1 gets it at once */
    assert_int_equal(fired_tag[0], 1);
    /* Input 0 moves far ahead; input 1 holds everything back until it has
     * been idle for 500 ms. */
    flowrt_watermarks_observe(&w, 0, 10000);
    flowrt_timers_advance(&t, NULL, watermarks_current(&w, 400));
    assert_int_equal(nfired, 2);
    flowrt_timers_advance(&t, NULL, watermarks_current(&w, 600));
    assert_int_equal(nfired, 4);
    assert_int_equal(fired_tag[2], 2);
    flowrt_watermarks_finish(&w, 0);
    flowrt_watermarks_finish(&w, 1);
    assert_true(watermarks_current(&w, 700) == FLOW_TIME_MAX);
    flowrt_timers_free(&t);
    flowrt_watermarks_free(&w);
    assert_int_equal(nreleased, 0);
}

static bool match_int(const void *item, const void *probe)
{
    return *(const int *)item == *(const int *)probe;
}

static void test_table(void **state)
{
    (void)state;
    FlowTable t = { 0 };
    enum { N = 1000 };
    static int vals[N];
    /* Few distinct hashes: long probe runs through deletions. */
    for (int i = 0; i < N; i++) {
        vals[i] = i;
        flow_table_insert(&t, (uint64_t)(i % 7), &vals[i]);
    }
    assert_true(t.count == N);
    for (int i = 0; i < N; i += 2)
        flow_table_remove(&t, (uint64_t)(i % 7), &vals[i]);
    assert_true(t.count == N / 2);
    for (int i = 0; i < N; i++) {
        void *got = flow_table_find(&t, (uint64_t)(i % 7), match_int, &i);
        if (i % 2)
            assert_ptr_equal(got, &vals[i]);
        else
            assert_null(got);
    }
    int missing = N + 5;
    assert_null(flow_table_find(&t, 3, match_int, &missing));
    flow_table_free(&t);
}

static void test_distinct(void **state)
{
    (void)state;
    FlowDistinct d = { 0 };
    for (int i = 0; i < 100; i++)
        flow_distinct_add_i64(&d, i % 37);
    assert_true(d.count == 37);
    flow_distinct_free(&d);
    flow_distinct_add_f64(&d, 0.0);
    flow_distinct_add_f64(&d, -0.0);
    flow_distinct_add_f64(&d, 1.5);
    assert_true(d.count == 2);
    flow_distinct_free(&d);
    char buf[4] = "abc";
    flow_distinct_add_str(&d, (FlowStr){ buf, 3 });
    buf[0] = 'x'; /* the set kept its own copy */
    flow_distinct_add_str(&d, (FlowStr){ "abc", 3 });
    flow_distinct_add_str(&d, (FlowStr){ "", 0 });
    assert_true(d.count == 2);
    /* Merging: the union, strings copied again. */
    FlowDistinct e = { 0 };
    flow_distinct_add_str(&e, (FlowStr){ "abc", 3 });
    flow_distinct_add_str(&e, (FlowStr){ "zz", 2 });
    flow_distinct_merge(&e, &d);
    flow_distinct_free(&d);
    assert_true(e.count == 3);
    flow_distinct_add_str(&e, (FlowStr){ "", 0 });
    assert_true(e.count == 3);
    flow_distinct_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_chaining),
        cmocka_unit_test(test_hold),
        cmocka_unit_test(test_end_of_input),
        cmocka_unit_test(test_window_start),
        cmocka_unit_test(test_timers_follow_watermarks),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_distinct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
