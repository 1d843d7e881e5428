/* rt_sink.c: the CSV and JSON-lines encoders of the file sink: quoting only
 * when needed, JSON escaping, every value type, formats by extension, large
 * values through the output buffer; whole records per write, the file
 * sink's position (commit, restore, the same continuation), linger, and one
 * stdout Output per runtime. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "flow/flow.h"
#include "rt.h"
#include "rt_testutil.h"
#include "sink.h"

static const char *const names[] = { "b", "i", "l", "f", "s", "t" };
static const FlowType types[] = { FLOW_BOOL, FLOW_INT32, FLOW_INT64, FLOW_FLOAT64, FLOW_STRING,
                                  FLOW_TIMESTAMP };
/* The runtime the sinks of a test belong to, and its program. */
static FlowRuntime rt;
static FlowProgram prog;

/* Opens the `n` sinks of `defs` in one runtime; returns the first. */
static FlowSink *open_defs(const FlowSinkDef *defs, int n)
{
    prog = (FlowProgram){ .name = "t", .sinks = defs, .nsinks = n };
    flowrt_runtime_init(&rt, &prog);
    char *err = NULL;
    if (!flowrt_sinks_open(&rt, &err))
        fail_msg("%s", err);
    return rt.sinks[0];
}

static FlowSink *open_sink(FlowSinkDef *def, FlowConnArg *args, int nargs)
{
    *def = (FlowSinkDef){ "out", { "file", args, nargs, "t.flow:1:1", NULL }, names, types, 6 };
    return open_defs(def, 1);
}

/* Closes the runtime's sinks; returns what they reported on stderr, "" when
 * all went well (caller frees). */
static char *close_sinks(void)
{
    Capture cap;
    capture_begin(&cap, 2);
    flowrt_sinks_close(&rt);
    char *err = capture_end(&cap);
    assert_int_equal(rt.failed, err[0] != '\0');
    flowrt_runtime_free(&rt);
    return err;
}

static void close_ok(void)
{
    char *err = close_sinks();
    assert_string_equal(err, "");
    free(err);
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
    close_ok();
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

/* Each field keeps the text of its last timestamp (a window's start and end
 * on every row of one firing): repeats, changes, long and short texts one
 * after the other, both formats. */
static void test_timestamp_repeats(void **state)
{
    (void)state;
    static const char *const tnames[] = { "start", "end" };
    static const FlowType ttypes[] = { FLOW_TIMESTAMP, FLOW_TIMESTAMP };
    static const int64_t rows[][2] = {
        { 0, 1000 }, { 0, 1000 }, { INT64_MAX, 1000 }, { INT64_MAX, 1000 }, { 0, INT64_MIN },
        { 0, 1000 }, { 1000, 0 },
    };
    const char *want_csv = "start,end\n"
                           "1970-01-01T00:00:00.000Z,1970-01-01T00:00:01.000Z\n"
                           "1970-01-01T00:00:00.000Z,1970-01-01T00:00:01.000Z\n"
                           "+292278994-08-17T07:12:55.807Z,1970-01-01T00:00:01.000Z\n"
                           "+292278994-08-17T07:12:55.807Z,1970-01-01T00:00:01.000Z\n"
                           "1970-01-01T00:00:00.000Z,-292275055-05-16T16:47:04.192Z\n"
                           "1970-01-01T00:00:00.000Z,1970-01-01T00:00:01.000Z\n"
                           "1970-01-01T00:00:01.000Z,1970-01-01T00:00:00.000Z\n";
    const char *paths[] = { test_path("ts.csv"), test_path("ts.jsonl") };
    for (int k = 0; k < 2; k++) {
        FlowConnArg args[] = { { "path", paths[k], NULL } };
        FlowSinkDef def = { "out", { "file", args, 1, "t.flow:1:1", NULL }, tnames, ttypes, 2 };
        FlowSink *s = open_defs(&def, 1);
        for (size_t r = 0; r < sizeof rows / sizeof *rows; r++) {
            flow_sink_begin(s);
            flow_sink_timestamp(s, rows[r][0]);
            flow_sink_timestamp(s, rows[r][1]);
            flow_sink_end(s);
        }
        close_ok();
        char *got = read_file(paths[k]);
        if (k == 0) {
            assert_string_equal(got, want_csv);
        } else {
            assert_non_null(strstr(got, "{\"start\":\"+292278994-08-17T07:12:55.807Z\","
                                        "\"end\":\"1970-01-01T00:00:01.000Z\"}\n"
                                        "{\"start\":\"1970-01-01T00:00:00.000Z\","
                                        "\"end\":\"-292275055-05-16T16:47:04.192Z\"}\n"
                                        "{\"start\":\"1970-01-01T00:00:00.000Z\","
                                        "\"end\":\"1970-01-01T00:00:01.000Z\"}\n"));
        }
        free(got);
    }
}

static void test_jsonl(void **state)
{
    (void)state;
    const char *path = test_path("out.jsonl");
    FlowSinkDef def;
    FlowConnArg args[] = { { "path", path, NULL } };
    FlowSink *s = open_sink(&def, args, 1);
    write_rows(s);
    close_ok();
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
    close_ok();
    char *got = read_file(path);
    assert_string_equal(got, "true,1,2,3,x,1970-01-01T00:00:00.000Z\n");
    free(got);
    /* .json is JSON lines too; an unknown extension is CSV. */
    path = test_path("x.json");
    FlowConnArg json_args[] = { { "path", path, NULL } };
    s = open_sink(&def, json_args, 1);
    row(s, true, 1, 2, 3, "x", 0);
    close_ok();
    got = read_file(path);
    assert_true(got[0] == '{');
    free(got);
    path = test_path("x.txt");
    FlowConnArg txt_args[] = { { "path", path, NULL } };
    s = open_sink(&def, txt_args, 1);
    close_ok();
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
    FlowSinkDef def = { "out", { "file", args, 1, "t.flow:1:1", NULL }, one, one_type, 1 };
    FlowSink *s = open_defs(&def, 1);
    flow_sink_begin(s);
    flow_sink_string(s, (FlowStr){ "", 0 });
    flow_sink_end(s);
    flow_sink_begin(s);
    flow_sink_string(s, (FlowStr){ "a", 1 });
    flow_sink_end(s);
    close_ok();
    char *got = read_file(path);
    assert_string_equal(got, "s\n\"\"\na\n");
    free(got);
}

static int64_t committed_length(const Position *pos)
{
    size_t at = 0;
    int64_t len;
    assert_true(flowrt_position_get_int64(pos, &at, &len));
    assert_int_equal(at, pos->len);
    return len;
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
    Position pos = { 0 };
    assert_true(flowrt_sink_commit(s, &pos));
    int64_t committed = committed_length(&pos);
    flowrt_position_free(&pos);
    char *got = read_file(path);
    size_t quotes = big_len / 1000;
    size_t first = strlen("true,0,0,0,") + 2 + big_len + quotes + strlen(",1970-01-01T00:00:00.000Z\n");
    assert_int_equal(committed, (int64_t)strlen(got));
    assert_memory_equal(got, "true,0,0,0,\"xxx", 15);
    assert_memory_equal(got + first, "false,0,0,0,r,", 14);
    assert_non_null(strstr(got, "\nfalse,49999,49999,49999,r,1970-01-01T00:00:00.000Z\n"));
    close_ok();
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
    close_ok();
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
    assert_int_equal(s->records, 1);
    assert_int_equal(s->written, 0);
    char *err = close_sinks();
    assert_string_equal(err, "t: t.flow:1:1: sink 'out': cannot write to /dev/full: "
                             "No space left on device\n");
    free(err);
}

/* When the buffer fills, only whole records go out: the file ends with a
 * line break every time it grows. */
static void test_whole_records(void **state)
{
    (void)state;
    const char *path = test_path("whole.csv");
    FlowSinkDef def;
    FlowConnArg args[] = { { "path", path, NULL }, { "header", "false", NULL } };
    FlowSink *s = open_sink(&def, args, 2);
    char str[1001];
    memset(str, 'y', 1000);
    str[1000] = '\0';
    int grew = 0;
    off_t last = 0;
    for (int i = 0; i < 2000 && grew < 3; i++) {
        row(s, true, i, i, 0.5, str, 0);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        if (st.st_size == last)
            continue;
        grew++;
        last = st.st_size;
        char *got = read_file(path);
        assert_int_equal(got[st.st_size - 1], '\n');
        free(got);
    }
    assert_int_equal(grew, 3);
    close_ok();
}

/* A file sink's position: commit gives the committed length; after more
 * records (some written, some still buffered), restore cuts the file back
 * to it and what follows continues from there, as if the records between
 * had never been. */
static void test_file_position(void **state)
{
    (void)state;
    const char *path = test_path("restore.csv");
    FlowSinkDef def;
    FlowConnArg args[] = { { "path", path, NULL } };
    FlowSink *s = open_sink(&def, args, 1);
    row(s, true, 1, 1, 1, "kept", 0);
    Position pos = { 0 };
    assert_true(flowrt_sink_commit(s, &pos));
    char *kept = read_file(path);
    assert_int_equal(committed_length(&pos), (int64_t)strlen(kept));
    row(s, false, 2, 2, 2, "flushed, then undone", 0);
    assert_true(flowrt_sink_flush(s));
    row(s, false, 3, 3, 3, "buffered, then undone", 0);
    assert_true(flowrt_sink_restore(s, &pos));
    row(s, true, 4, 4, 4, "after", 0);
    Position again = { 0 };
    assert_true(flowrt_sink_commit(s, &again));
    char *got = read_file(path);
    assert_string_equal(got, "b,i,l,f,s,t\n"
                             "true,1,1,1,kept,1970-01-01T00:00:00.000Z\n"
                             "true,4,4,4,after,1970-01-01T00:00:00.000Z\n");
    assert_int_equal(committed_length(&again), (int64_t)strlen(got));
    /* A position past the end, or not a file sink's, is refused. */
    Position bad = { 0 };
    assert_false(flowrt_sink_restore(s, &bad));
    flowrt_position_put_int64(&bad, committed_length(&again) + 1);
    assert_false(flowrt_sink_restore(s, &bad));
    close_ok();
    free(got);
    free(kept);
    flowrt_position_free(&bad);
    flowrt_position_free(&again);
    flowrt_position_free(&pos);
}

/* linger=: whole records wait at most that long by the loop's clock;
 * flowrt_sinks_flush writes them at once. */
static void test_linger(void **state)
{
    (void)state;
    const char *path = test_path("linger.csv");
    FlowSinkDef def;
    FlowConnArg args[] = { { "path", path, NULL }, { "header", "false", NULL },
                           { "linger", "5", NULL } };
    FlowSink *s = open_sink(&def, args, 3);
    struct stat st;
    rt.now_ms = 1000;
    flowrt_sinks_linger(&rt); /* nothing waiting */
    row(s, true, 1, 1, 1, "x", 0);
    rt.now_ms = 1001;
    flowrt_sinks_linger(&rt);
    rt.now_ms = 1005;
    flowrt_sinks_linger(&rt);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 0);
    rt.now_ms = 1006;
    flowrt_sinks_linger(&rt);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 0);
    off_t one = st.st_size;
    /* The next record waits from when it is first seen, not from before. */
    row(s, true, 1, 1, 1, "x", 0);
    rt.now_ms = 1010;
    flowrt_sinks_linger(&rt);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, one);
    flowrt_sinks_flush(&rt);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 2 * one);
    close_ok();
}

/* Every stdout sink of a runtime writes into the runtime's one stdout
 * Output: records in the order they were written, none torn; a stdout
 * cannot be cut back. */
static void test_stdout_shared(void **state)
{
    (void)state;
    static const char *const one[] = { "s" };
    static const FlowType one_type[] = { FLOW_STRING };
    FlowConnArg csv[] = { { "header", "false", NULL } }, json[] = { { "format", "jsonl", NULL } };
    FlowSinkDef defs[] = {
        { "a", { "stdout", csv, 1, "t.flow:1:1", NULL }, one, one_type, 1 },
        { "b", { "stdout", json, 1, "t.flow:2:1", NULL }, one, one_type, 1 },
    };
    Capture cap;
    capture_begin(&cap, 1);
    open_defs(defs, 2);
    assert_int_equal(rt.noutputs, 1);
    assert_ptr_equal(rt.sinks[0]->out, rt.sinks[1]->out);
    for (int i = 0; i < 3; i++) {
        FlowSink *s = rt.sinks[i % 2];
        flow_sink_begin(s);
        flow_sink_string(s, (FlowStr){ "v", 1 });
        flow_sink_end(s);
    }
    Position pos = { 0 };
    assert_true(flowrt_sink_commit(rt.sinks[1], &pos));
    /* stdout cannot be cut back: it goes on (at-least-once). */
    assert_true(flowrt_sink_restore(rt.sinks[1], &pos));
    flowrt_position_free(&pos);
    close_ok();
    char *out = capture_end(&cap);
    assert_string_equal(out, "v\n{\"s\":\"v\"}\nv\n");
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_timestamp_repeats),
        cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_single_column),
        cmocka_unit_test(test_large_output),
        cmocka_unit_test(test_random_records),
        cmocka_unit_test(test_write_failure),
        cmocka_unit_test(test_whole_records),
        cmocka_unit_test(test_file_position),
        cmocka_unit_test(test_linger),
        cmocka_unit_test(test_stdout_shared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
