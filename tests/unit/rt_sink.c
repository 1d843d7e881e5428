/* rt_sink.c: the CSV and JSON-lines encoders of the file sink: quoting only
 * when needed, JSON escaping, every value type, formats by extension, large
 * values through the output buffer. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "flow/flow.h"
#include "rt_testutil.h"
#include "sink.h"

static const char *const names[] = { "b", "i", "l", "f", "s", "t" };
static const FlowType types[] = { FLOW_BOOL, FLOW_INT32, FLOW_INT64, FLOW_FLOAT64, FLOW_STRING,
                                  FLOW_TIMESTAMP };
static const ParamValues no_params = { 0, NULL, NULL };

static FlowSink *open_sink(FlowSinkDef *def, FlowConnArg *args, int nargs)
{
    *def = (FlowSinkDef){ "out", { "file", args, nargs, "t.flow:1:1" }, names, types, 6 };
    char *err = NULL;
    FlowSink *s = flowrt_sink_open(def, &no_params, &err);
    if (!s)
        fail_msg("%s", err);
    return s;
}

static void row(FlowSink *s, bool b, int32_t i, int64_t l, double f, const char *str, int64_t t)
{
    flow_sink_begin(s);
    flow_sink_bool(s, b);
    flow_sink_int32(s, i);
    flow_sink_int64(s, l);
    flow_sink_float64(s, f);
    flow_sink_string(s, (FlowStr){ str, (int64_t)strlen(str) });
    flow_sink_timestamp(s, t);
    flow_sink_end(s);
}

static void write_rows(FlowSink *s)
{
    row(s, true, -1, INT64_MIN, 0.1, "plain", 0);
    row(s, false, INT32_MAX, 42, 2.5, "a,b", INT64_C(1709294405250));
    row(s, true, 0, 0, 1e21, "say \"hi\"", -1);
    row(s, false, 1, 1, NAN, "two\nlines", 0);
    row(s, true, 2, 2, -INFINITY, " padded ", 0);
    row(s, false, 3, 3, 3, "", 0);
    row(s, true, 4, 4, -0.0, "tab\there\r\\ \x01 \xC3\xA9", 0);
}

static void test_csv(void **state)
{
    (void)state;
    const char *path = test_path("out.csv");
    FlowSinkDef def;
    FlowConnArg args[] = { { "path", path, NULL } };
    FlowSink *s = open_sink(&def, args, 1);
    write_rows(s);
    assert_int_equal(s->records, 7);
    assert_int_equal(flowrt_sink_close(s), 0);
    char *got = read_file(path);
    assert_string_equal(got,
                        "b,i,l,f,s,t\n"
                        "true,-1,-9223372036854775808,0.1,plain,1970-01-01T00:00:00.000Z\n"
                        "false,2147483647,42,2.5,\"a,b\",2024-03-01T12:00:05.250Z\n"
                        "true,0,0,1e+21,\"say \"\"hi\"\"\",1969-12-31T23:59:59.999Z\n"
                        "false,1,1,nan,\"two\nlines\",1970-01-01T00:00:00.000Z\n"
                        "true,2,2,-inf,\" padded \",1970-01-01T00:00:00.000Z\n"
                        "false,3,3,3,,1970-01-01T00:00:00.000Z\n"
                        "true,4,4,-0,\"tab\there\r\\ \x01 \xC3\xA9\",1970-01-01T00:00:00.000Z\n");
    free(got);
}

static void test_jsonl(void **state)
{
    (void)state;
    const char *path = test_path("out.jsonl");
    FlowSinkDef def;
    FlowConnArg args[] = { { "path", path, NULL } };
    FlowSink *s = open_sink(&def, args, 1);
    write_rows(s);
    assert_int_equal(flowrt_sink_close(s), 0);
    char *got = read_file(path);
    assert_string_equal(
        got,
        "{\"b\":true,\"i\":-1,\"l\":-9223372036854775808,\"f\":0.1,\"s\":\"plain\",\"t\":\"1970-01-01T00:00:00.000Z\"}\n"
        "{\"b\":false,\"i\":2147483647,\"l\":42,\"f\":2.5,\"s\":\"a,b\",\"t\":\"2024-03-01T12:00:05.250Z\"}\n"
        "{\"b\":true,\"i\":0,\"l\":0,\"f\":1e+21,\"s\":\"say \\\"hi\\\"\",\"t\":\"1969-12-31T23:59:59.999Z\"}\n"
        "{\"b\":false,\"i\":1,\"l\":1,\"f\":\"nan\",\"s\":\"two\\nlines\",\"t\":\"1970-01-01T00:00:00.000Z\"}\n"
        "{\"b\":true,\"i\":2,\"l\":2,\"f\":\"-inf\",\"s\":\" padded \",\"t\":\"1970-01-01T00:00:00.000Z\"}\n"
        "{\"b\":false,\"i\":3,\"l\":3,\"f\":3,\"s\":\"\",\"t\":\"1970-01-01T00:00:00.000Z\"}\n"
        "{\"b\":true,\"i\":4,\"l\":4,\"f\":-0,\"s\":\"tab\\there\\r\\\\ \\u0001 \xC3\xA9\",\"t\":\"1970-01-01T00:00:00.000Z\"}\n");
    free(got);
}

static void test_options(void **state)
{
    (void)state;
    /* header=false; format= wins over the extension. */
    const char *path = test_path("noheader.jsonl");
    FlowSinkDef def;
    FlowConnArg args[] = { { "path", path, NULL }, { "format", "csv", NULL },
                           { "header", "false", NULL } };
    FlowSink *s = open_sink(&def, args, 3);
    row(s, true, 1, 2, 3, "x", 0);
    assert_int_equal(flowrt_sink_close(s), 0);
    char *got = read_file(path);
    assert_string_equal(got, "true,1,2,3,x,1970-01-01T00:00:00.000Z\n");
    free(got);
    /* .json is JSON lines too; an unknown extension is CSV. */
    path = test_path("x.json");
    FlowConnArg json_args[] = { { "path", path, NULL } };
    s = open_sink(&def, json_args, 1);
    row(s, true, 1, 2, 3, "x", 0);
    assert_int_equal(flowrt_sink_close(s), 0);
    got = read_file(path);
    assert_true(got[0] == '{');
    free(got);
    path = test_path("x.txt");
    FlowConnArg txt_args[] = { { "path", path, NULL } };
    s = open_sink(&def, txt_args, 1);
    assert_int_equal(flowrt_sink_close(s), 0);
    got = read_file(path);
    assert_string_equal(got, "b,i,l,f,s,t\n");
    free(got);
}

/* A single-column CSV writes an empty string quoted, so the line is not
 * blank (blank lines are skipped on input). */
static void test_single_column(void **state)
{
    (void)state;
    static const char *const one[] = { "s" };
    static const FlowType one_type[] = { FLOW_STRING };
    const char *path = test_path("one.csv");
    FlowConnArg args[] = { { "path", path, NULL } };
    FlowSinkDef def = { "out", { "file", args, 1, "t.flow:1:1" }, one, one_type, 1 };
    char *err = NULL;
    FlowSink *s = flowrt_sink_open(&def, &no_params, &err);
    assert_non_null(s);
    flow_sink_begin(s);
    flow_sink_string(s, (FlowStr){ "", 0 });
    flow_sink_end(s);
    flow_sink_begin(s);
    flow_sink_string(s, (FlowStr){ "a", 1 });
    flow_sink_end(s);
    assert_int_equal(flowrt_sink_close(s), 0);
    char *got = read_file(path);
    assert_string_equal(got, "s\n\"\"\na\n");
    free(got);
}

/* Values larger than the output buffer, and many records: nothing is lost
 * at buffer boundaries, and commit reports the bytes written. */
static void test_large_output(void **state)
{
    (void)state;
    const char *path = test_path("large.csv");
    FlowSinkDef def;
    FlowConnArg args[] = { { "path", path, NULL }, { "header", "false", NULL } };
    FlowSink *s = open_sink(&def, args, 2);
    size_t big_len = 1000000;
    char *big = malloc(big_len + 1);
    for (size_t i = 0; i < big_len; i++)
        big[i] = i % 1000 == 999 ? '"' : 'x';
    big[big_len] = '\0';
    row(s, true, 0, 0, 0, big, 0);
    for (int i = 0; i < 50000; i++)
        row(s, false, i, i, i, "r", 0);
    int64_t committed;
    assert_true(flowrt_sink_commit(s, &committed));
    char *got = read_file(path);
    size_t quotes = big_len / 1000;
    size_t first = strlen("true,0,0,0,") + 2 + big_len + quotes + strlen(",1970-01-01T00:00:00.000Z\n");
    assert_int_equal(committed, (int64_t)strlen(got));
    assert_memory_equal(got, "true,0,0,0,\"xxx", 15);
    assert_memory_equal(got + first, "false,0,0,0,r,", 14);
    assert_non_null(strstr(got, "\nfalse,49999,49999,49999,r,1970-01-01T00:00:00.000Z\n"));
    assert_int_equal(flowrt_sink_close(s), 0);
    free(got);
    free(big);
}

/* The reference CSV encoding of one string field, written simply. */
static size_t csv_reference(char *o, const char *str, size_t n)
{
    bool quote = n > 0 && (str[0] == ' ' || str[0] == '\t' || str[n - 1] == ' ' ||
                           str[n - 1] == '\t' || strpbrk(str, ",\"\r\n"));
    size_t k = 0;
    if (quote)
        o[k++] = '"';
    for (size_t i = 0; i < n; i++) {
        if (str[i] == '"')
            o[k++] = '"';
        o[k++] = str[i];
    }
    if (quote)
        o[k++] = '"';
    return k;
}

/* Records of random sizes that cross the output buffer's end at every kind
 * of field, against a reference encoding made with snprintf. */
static void test_random_records(void **state)
{
    (void)state;
    const char *path = test_path("random.csv");
    FlowSinkDef def;
    FlowConnArg args[] = { { "path", path, NULL }, { "header", "false", NULL } };
    FlowSink *s = open_sink(&def, args, 2);
    size_t cap = 64u << 20, len = 0;
    char *want = malloc(cap), str[4100];
    uint64_t r = 12345;
    const char special[] = "ab,\" \t\r\nZ";
    for (int i = 0; i < 40000; i++) {
        r = r * 6364136223846793005u + 1442695040888963407u;
        size_t n = (size_t)(r >> 33) % (i % 10 == 0 ? 4000 : 40);
        for (size_t k = 0; k < n; k++)
            str[k] = (r >> (k % 50)) % 97 == 0 ? special[k % 9] : (char)('a' + k % 26);
        str[n] = '\0';
        int64_t l = (int64_t)(r * 0x9E3779B97F4A7C15u) >> (r % 64);
        int32_t i32 = (int32_t)(r >> 17);
        row(s, i & 1, i32, l, 0.5, str, 0);
        len += (size_t)sprintf(want + len, "%s,%d,%lld,0.5,", i & 1 ? "true" : "false", i32,
                               (long long)l);
        len += csv_reference(want + len, str, n);
        len += (size_t)sprintf(want + len, ",1970-01-01T00:00:00.000Z\n");
    }
    assert_int_equal(flowrt_sink_close(s), 0);
    char *got = read_file(path);
    assert_int_equal(strlen(got), len);
    assert_memory_equal(got, want, len);
    free(got);
    free(want);
}

static void test_write_failure(void **state)
{
    (void)state;
    /* /dev/full takes the open but fails every write with ENOSPC. */
    FlowSinkDef def;
    FlowConnArg args[] = { { "path", "/dev/full", NULL } };
    FlowSink *s = open_sink(&def, args, 1);
    row(s, true, 1, 2, 3, "x", 0);
    assert_false(flowrt_sink_flush(s));
    assert_int_equal(s->out->error, ENOSPC);
    assert_int_equal(flowrt_sink_close(s), ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_single_column),
        cmocka_unit_test(test_large_output),
        cmocka_unit_test(test_random_records),
        cmocka_unit_test(test_write_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
