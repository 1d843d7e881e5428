/* rt_clock.c: processing time under the runtime's test clock
 * (FLOW_FAKE_CLOCK=START,STEP): records are stamped with the clock, each
 * read-loop turn moves it by STEP, and a timer set by a record fires while
 * the input stays silent (a followed file at its end), with the watermark
 * 1ms behind the clock. A hand-written program stands in for generated code:
 * source lines(file, follow) without event time, one stateful operator that
 * sets a timer 1s after each record's time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "flow/flow.h"
#include "rt_testutil.h"

static FlowProgram program;
static int64_t stamped[8];
static int nstamped;
static int64_t fired_time, fired_clock, fired_watermark;
static int nfired, nreleased;
static int item = 42;

static bool decode_line(FlowRuntime *rt, const FlowField *fields)
{
    (void)fields;
    int64_t ts = flow_now_ms(rt);
    stamped[nstamped++] = ts;
    flow_timer_set(rt, 0, ts + 1000, &item);
    return true;
}

/* The timer is due: note when, then stop the program, whose input would
 * otherwise never end. */
static void fire(FlowRuntime *rt, void *it, int64_t time)
{
    assert_ptr_equal(it, &item);
    fired_time = time;
    fired_clock = flow_now_ms(rt);
    fired_watermark = flow_watermark(rt);
    nfired++;
    flow_request_stop(&program);
}

static void release(void *it)
{
    (void)it;
    nreleased++;
}

static void test_timer_fires_while_idle(void **state)
{
    (void)state;
    static const char *const names[] = { "word" };
    static const FlowType types[] = { FLOW_STRING };
    static const FlowOperatorDef ops[] = {
        { "window at t.flow:3:5", fire, release, NULL, NULL, NULL },
    };
    static FlowControl control;
    const char *in = test_path("lines.csv");
    write_file(in, "word\nhello\n", 11);
    FlowConnArg args[] = { { "path", in, NULL }, { "follow", "true", NULL } };
    FlowSourceDef source = {
        .name = "lines",
        .conn = { "file", args, 2, "t.flow:2:1", NULL },
        .field_names = names,
        .field_types = types,
        .nfields = 1,
        .event_time_field = -1,
        .decode = decode_line,
    };
    program = (FlowProgram){
        .abi_version = FLOW_ABI_VERSION,
        .name = "tclock",
        .flow_file = "t.flow",
        .flowc_version = "0.1.0",
        .sources = &source,
        .nsources = 1,
        .control = &control,
        .operators = ops,
        .noperators = 1,
    };
    /* The first tick (at start) reads 1000, each turn of the loop 100 more:
     * the record arrives in the first turn, at 1100; its timer (2100) is due
     * when the watermark, the clock - 1ms, reaches it: at clock 2200, after
     * turns that read nothing. */
    setenv("FLOW_FAKE_CLOCK", "1000,100", 1);
    Capture ce;
    capture_begin(&ce, 2);
    int status = flow_run(&program, 1, (char *[]){ "tclock", NULL });
    char *err = capture_end(&ce);
    unsetenv("FLOW_FAKE_CLOCK");
    assert_int_equal(status, 0);
    assert_int_equal(nstamped, 1);
    assert_true(stamped[0] == 1100);
    assert_int_equal(nfired, 1);
    assert_true(fired_time == 2100);
    assert_true(fired_clock == 2200);
    assert_true(fired_watermark == 2199);
    assert_int_equal(nreleased, 0);
    if (!strstr(err, "tclock: stopped after"))
        fail_msg("unexpected summary:\n%s", err);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timer_fires_while_idle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
