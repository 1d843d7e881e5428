/* rt_gen_batch.c: the generator's inline algorithm (flow/generator.h) and
 * batch-level generation: a batch function drawing with the inline calls
 * makes exactly the records of the per-record FlowGen calls, the runtime
 * counts what a batch made, stops at `count`, and stops a batch after a
 * record that failed under on_error="fail", reporting its record number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "flow/flow.h"
#include "rt.h"
#include "rt_testutil.h"

static const char *const names[] = { "k", "s", "f", "b", "t", "w" };
static const FlowType types[] = { FLOW_INT64, FLOW_STRING, FLOW_FLOAT64, FLOW_BOOL,
                                  FLOW_TIMESTAMP, FLOW_INT32 };
static const ParamValues no_params = { 0, NULL, NULL };
static const FlowProgram prog = { .name = "t" };

/* What the generate functions made, one line per record. */
static char seen[1 << 16];
static size_t seen_len;

static void see(int64_t k, FlowStr s, double f, bool b, int64_t t, int32_t w)
{
    seen_len += (size_t)snprintf(seen + seen_len, sizeof seen - seen_len,
                                 "%lld %.*s %.17g %d %lld %d\n", (long long)k, (int)s.len, s.ptr,
                                 f, b, (long long)t, w);
}

static void generate_record(FlowRuntime *rt, FlowGen *g)
{
    int64_t k = flow_gen_int64(g);
    FlowStr s = flow_gen_string(g, rt);
    double f = flow_gen_float64(g);
    bool b = flow_gen_bool(g);
    int64_t t = flow_gen_timestamp(g);
    int32_t w = flow_gen_int32(g);
    see(k, s, f, b, t, w);
}

/* What flowc generates for the schema above, the arguments read from the
 * batch. Record number `fail_at` is reported bad. */
static int64_t fail_at = -1;

static int64_t generate_batch(FlowRuntime *rt, FlowGenBatch *b)
{
    uint64_t keys = (uint64_t)b->keys, keys32 = flow_gen_int32_range(b->keys);
    int64_t n = b->first;
    for (; n < b->end && !*b->failed; n++) {
        *b->record_number = n + 1;
        uint64_t state = flow_gen_stream(b->mixed_seed, n);
        int64_t k = (int64_t)flow_gen_uniform(&state, keys);
        FlowStr s = flow_gen_key_string(rt, (int64_t)flow_gen_uniform(&state, keys));
        double f = (double)(flow_gen_next(&state) >> 11) * 0x1.0p-53;
        bool bit = flow_gen_next(&state) >> 63;
        int64_t t = flow_gen_time(n, b->events_per_second);
        if (b->disorder_ms > 0)
            t -= (int64_t)flow_gen_uniform(&state, (uint64_t)b->disorder_ms + 1);
        int32_t w = (int32_t)flow_gen_uniform(&state, keys32);
        if (n == fail_at) {
            flow_record_error(rt, "t.flow:3:1", "made to fail");
            continue;
        }
        see(k, s, f, bit, t, w);
    }
    return n;
}

static Source *open_generator(FlowSourceDef *def, FlowConnArg *args, int nargs, bool batch)
{
    *def = (FlowSourceDef){
        .name = "src",
        .conn = { "generator", args, nargs, "t.flow:1:1", NULL },
        .field_names = names,
        .field_types = types,
        .nfields = 6,
        .event_time_field = -1,
        .generate = batch ? NULL : generate_record,
        .generate_batch = batch ? generate_batch : NULL,
    };
    char *err = NULL;
    Source *src = flowrt_source_open(NULL, def, 0, &no_params, &err);
    if (!src)
        fail_msg("%s", err);
    return src;
}

/* Polls batches of `max` until the source is done; what it made. */
static char *run(FlowConnArg *args, int nargs, bool batch, int max, int64_t *records)
{
    FlowRuntime rt;
    flowrt_runtime_init(&rt, &prog);
    FlowSourceDef def;
    Source *src = open_generator(&def, args, nargs, batch);
    seen_len = 0;
    seen[0] = '\0';
    SourceStatus st;
    while ((st = src->ops->poll(src, &rt, max)) == SOURCE_MORE)
        ;
    assert_int_equal(st, SOURCE_DONE);
    *records = src->records;
    flowrt_source_close(src);
    flowrt_runtime_free(&rt);
    return strdup(seen);
}

static void test_known_values(void **state)
{
    (void)state;
    /* splitmix64's reference output for state 0. */
    uint64_t s = 0;
    assert_true(flow_gen_next(&s) == UINT64_C(0xE220A8397B1DCDAF));
    assert_true(s == UINT64_C(0x9E3779B97F4A7C15));
    s = 7;
    for (int i = 0; i < 100; i++)
        assert_true(flow_gen_uniform(&s, 1) == 0);
    for (int i = 0; i < 1000; i++)
        assert_true(flow_gen_uniform(&s, 3) < 3);
    assert_true(flow_gen_int32_range(10) == 10);
    assert_true(flow_gen_int32_range(INT64_MAX) == UINT64_C(2147483648));
    assert_int_equal(flow_gen_time(0, 1000), FLOW_GEN_EPOCH_MS);
    assert_int_equal(flow_gen_time(2999, 1000), FLOW_GEN_EPOCH_MS + 2999);
    assert_int_equal(flow_gen_time(2999, 1000000), FLOW_GEN_EPOCH_MS + 2);

    FlowRuntime rt;
    flowrt_runtime_init(&rt, &prog);
    FlowStr k = flow_gen_key_string(&rt, 40213);
    assert_int_equal(k.len, 6);
    assert_memory_equal(k.ptr, "s40213", 6);
    k = flow_gen_key_string(&rt, INT64_MAX);
    assert_int_equal(k.len, 20);
    assert_memory_equal(k.ptr, "s9223372036854775807", 20);
    flowrt_runtime_free(&rt);
}

/* The same records, in the same order, through both ways and any batch
 * size: the e2e tests' expected outputs depend on it. */
static void test_batch_matches_per_record(void **state)
{
    (void)state;
    FlowConnArg args[] = { { "count", "700", NULL }, { "seed", "-5", NULL },
                           { "keys", "10", NULL }, { "disorder", "7", NULL },
                           { "events_per_second", "300", NULL } };
    int64_t n1, n2, n3;
    char *one = run(args, 5, false, 64, &n1);
    char *batched = run(args, 5, true, 1024, &n2);
    char *small = run(args, 5, true, 3, &n3);
    assert_int_equal(n1, 700);
    assert_int_equal(n2, 700);
    assert_int_equal(n3, 700);
    assert_true(strlen(one) > 700 * 10);
    assert_string_equal(one, batched);
    assert_string_equal(one, small);
    free(one);
    free(batched);
    free(small);
}

/* A record that fails under on_error="fail" ends its batch: the records
 * after it are not made, and the report names its record number. */
static void test_failure_stops_batch(void **state)
{
    (void)state;
    FlowRuntime rt;
    flowrt_runtime_init(&rt, &prog);
    FlowSourceDef def;
    FlowConnArg args[] = { { "count", "100", NULL }, { "on_error", "fail", NULL } };
    Source *src = open_generator(&def, args, 2, true);
    seen_len = 0;
    fail_at = 4;
    Capture cap;
    capture_begin(&cap, 2);
    SourceStatus st = src->ops->poll(src, &rt, 50);
    char *msg = capture_end(&cap);
    fail_at = -1;
    assert_int_equal(st, SOURCE_FAILED);
    assert_true(rt.failed);
    assert_int_equal(src->records, 5);
    assert_int_equal(src->bad, 1);
    Position pos = { 0 };
    src->ops->position(src, &pos);
    size_t at = 0;
    int64_t next;
    assert_true(flowrt_position_get_int64(&pos, &at, &next));
    assert_int_equal(next, 5);
    flowrt_position_free(&pos);
    assert_non_null(strstr(msg, "generator record 5: t.flow:3:1: made to fail"));
    /* Four good records were pushed before it. */
    int lines = 0;
    for (const char *p = seen; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 4);
    free(msg);
    flowrt_source_close(src);
    flowrt_runtime_free(&rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_batch_matches_per_record),
        cmocka_unit_test(test_failure_stops_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
