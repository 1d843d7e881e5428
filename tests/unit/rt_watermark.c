/* rt_watermark.c: per-input watermarks (bounded out-of-orderness),
 * processing time, finished inputs, idle inputs, the program minimum. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "flow/value.h"
#include "watermark.h"

static void test_event_time(void **state)
{
    (void)state;
    Watermarks w;
    flowrt_watermarks_init(&w, 1);
    flowrt_watermarks_set_input(&w, 0, true, 5000, 0, 0);
    assert_true(watermarks_current(&w, 0) == FLOW_TIME_MIN);
    flowrt_watermarks_observe(&w, 0, 10000);
    assert_true(flowrt_watermarks_input(&w, 0, 0) == 4999);
    flowrt_watermarks_observe(&w, 0, 8000); /* out of order: no step back */
    assert_true(flowrt_watermarks_input(&w, 0, 0) == 4999);
    flowrt_watermarks_observe(&w, 0, 20000);
    assert_true(watermarks_current(&w, 0) == 14999);
    flowrt_watermarks_finish(&w, 0);
    assert_true(watermarks_current(&w, 0) == FLOW_TIME_MAX);
    flowrt_watermarks_free(&w);
    /* Near the bottom of the range the subtraction saturates. */
    flowrt_watermarks_init(&w, 1);
    flowrt_watermarks_set_input(&w, 0, true, 10, 0, 0);
    flowrt_watermarks_observe(&w, 0, FLOW_TIME_MIN + 5);
    assert_true(flowrt_watermarks_input(&w, 0, 0) == FLOW_TIME_MIN);
    flowrt_watermarks_free(&w);
}

static void test_minimum_and_idle(void **state)
{
    (void)state;
    Watermarks w;
    flowrt_watermarks_init(&w, 3);
    flowrt_watermarks_set_input(&w, 0, true, 0, 1000, 0);   /* idle after 1 s */
    flowrt_watermarks_set_input(&w, 1, true, 0, 0, 0);
    flowrt_watermarks_set_input(&w, 2, false, 0, 0, 0);     /* processing time */
    flowrt_watermarks_observe(&w, 0, 100);
    flowrt_watermarks_observe(&w, 1, 500);
    assert_true(watermarks_current(&w, 500) == 99);
    assert_true(flowrt_watermarks_input(&w, 2, 777) == 776); /* 1ms behind the clock */
    /* Input 0 has been silent for 1 s of wall clock: left out. */
    assert_true(watermarks_current(&w, 1000) == 499);
    /* It delivers again: back in, but the program watermark does not go back. */
    flowrt_watermarks_active(&w, 0, 2000);
    assert_true(watermarks_current(&w, 2000) == 499);
    flowrt_watermarks_observe(&w, 0, 900);
    flowrt_watermarks_observe(&w, 1, 2000);
    assert_true(watermarks_current(&w, 2000) == 899);
    flowrt_watermarks_finish(&w, 0);
    flowrt_watermarks_finish(&w, 1);
    assert_true(watermarks_current(&w, 5000) == 4999); /* the clock of input 2, - 1ms */
    flowrt_watermarks_finish(&w, 2);
    assert_true(watermarks_current(&w, 6000) == FLOW_TIME_MAX);
    flowrt_watermarks_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_time),
        cmocka_unit_test(test_minimum_and_idle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
