/* rt_read_order.c: which sources a round of the read loop polls: a source
 * read ahead of the slowest event-time input waits, but never forever
 * (quiet inputs, stalled watermarks, idle, ended and processing-time
 * inputs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "flow/value.h"
#include "read_order.h"

/* Two event-time inputs without delay: input i's watermark is max_ts - 1. */
static void two_inputs(Watermarks *w, int64_t idle_ms)
{
    flowrt_watermarks_init(w, 2);
    flowrt_watermarks_set_input(w, 0, true, 0, idle_ms, 0);
    flowrt_watermarks_set_input(w, 1, true, 0, idle_ms, 0);
}

static void test_ahead_waits(void **state)
{
    (void)state;
    Watermarks w;
    two_inputs(&w, 0);
    ReadOrder ro;
    flowrt_read_order_init(&ro, 1000);
    bool done[2] = { false, false }, allowed[2];
    /* Nothing read yet: both are at the bottom, both are polled. */
    assert_int_equal(flowrt_read_order_next(&ro, &w, done, 0, true, allowed), 0);
    assert_true(allowed[0] && allowed[1]);
    /* Input 1 has records, input 0 none: input 1 waits for input 0's first. */
    flowrt_watermarks_observe(&w, 1, 5000);
    assert_int_equal(flowrt_read_order_next(&ro, &w, done, 0, true, allowed), 1);
    assert_true(allowed[0] && !allowed[1]);
    /* Within the bound (1000 ms ahead exactly) both are polled ... */
    flowrt_watermarks_observe(&w, 0, 4000);
    assert_int_equal(flowrt_read_order_next(&ro, &w, done, 0, true, allowed), 0);
    assert_true(allowed[0] && allowed[1]);
    /* ... 1 ms more and the one ahead waits. */
    flowrt_watermarks_observe(&w, 1, 5001);
    assert_int_equal(flowrt_read_order_next(&ro, &w, done, 0, true, allowed), 1);
    assert_true(allowed[0] && !allowed[1]);
    /* The slow one overtakes it by more than the bound: the roles swap. */
    flowrt_watermarks_observe(&w, 0, 7000);
    assert_int_equal(flowrt_read_order_next(&ro, &w, done, 0, true, allowed), 1);
    assert_true(!allowed[0] && allowed[1]);
    flowrt_watermarks_free(&w);
}

static void test_quiet_input_does_not_block(void **state)
{
    (void)state;
    Watermarks w;
    two_inputs(&w, 0);
    ReadOrder ro;
    flowrt_read_order_init(&ro, 1000);
    bool done[2] = { false, false }, allowed[2];
    flowrt_watermarks_observe(&w, 1, 5000);
    assert_int_equal(flowrt_read_order_next(&ro, &w, done, 0, true, allowed), 1);
    assert_false(allowed[1]);
    /* Input 0 had nothing to read: the next round polls everyone ... */
    assert_int_equal(flowrt_read_order_next(&ro, &w, done, 0, false, allowed), 0);
    assert_true(allowed[0] && allowed[1]);
    /* ... and the one after holds input 1 back again. */
    assert_int_equal(flowrt_read_order_next(&ro, &w, done, 0, true, allowed), 1);
    assert_false(allowed[1]);
    flowrt_watermarks_free(&w);
}

static void test_stalled_watermark(void **state)
{
    (void)state;
    Watermarks w;
    two_inputs(&w, 0);
    ReadOrder ro;
    flowrt_read_order_init(&ro, 1000);
    bool done[2] = { false, false }, allowed[2];
    flowrt_watermarks_observe(&w, 0, 1000);
    flowrt_watermarks_observe(&w, 1, 9000);
    /* Input 0 reads records that do not move its watermark: input 1 is held
     * back for STALL_ROUNDS rounds at most, then polled once. */
    int held_rounds = 0;
    while (flowrt_read_order_next(&ro, &w, done, 0, true, allowed) == 1) {
        assert_false(allowed[1]);
        held_rounds++;
        assert_true(held_rounds <= STALL_ROUNDS);
    }
    assert_true(allowed[0] && allowed[1]);
    assert_int_equal(held_rounds, STALL_ROUNDS);
    flowrt_watermarks_free(&w);
}

static void test_ended_idle_and_processing_time(void **state)
{
    (void)state;
    Watermarks w;
    two_inputs(&w, 100);
    ReadOrder ro;
    flowrt_read_order_init(&ro, 1000);
    bool done[2] = { false, false }, allowed[2];
    flowrt_watermarks_observe(&w, 1, 9000);
    flowrt_watermarks_active(&w, 1, 0);
    assert_int_equal(flowrt_read_order_next(&ro, &w, done, 50, true, allowed), 1);
    /* Input 0 has been idle for its 100 ms: out of the lowest watermark. */
    assert_int_equal(flowrt_read_order_next(&ro, &w, done, 100, true, allowed), 0);
    assert_true(allowed[0] && allowed[1]);
    /* An ended input is never polled and never holds anyone back. */
    done[0] = true;
    flowrt_watermarks_finish(&w, 0);
    assert_int_equal(flowrt_read_order_next(&ro, &w, done, 0, true, allowed), 0);
    assert_true(!allowed[0] && allowed[1]);
    flowrt_watermarks_free(&w);

    /* A processing-time input is always polled, and does not bound others. */
    flowrt_watermarks_init(&w, 2);
    flowrt_watermarks_set_input(&w, 0, false, 0, 0, 0);
    flowrt_watermarks_set_input(&w, 1, true, 0, 0, 0);
    flowrt_watermarks_observe(&w, 1, 5);
    bool none[2] = { false, false };
    flowrt_read_order_init(&ro, 1000);
    assert_int_equal(flowrt_read_order_next(&ro, &w, none, 1000000, true, allowed), 0);
    assert_true(allowed[0] && allowed[1]);
    flowrt_watermarks_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ahead_waits),
        cmocka_unit_test(test_quiet_input_does_not_block),
        cmocka_unit_test(test_stalled_watermark),
        cmocka_unit_test(test_ended_idle_and_processing_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
