/* rt_source.c: sources through their internal interface: the generator's
 * determinism and value ranges, and positions of the generator and of file
 * sources (the seam for checkpoints): a position taken, then seek()ed to
 * after reading on, gives the same continuation, line numbers included. */
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

/* What the fake generated functions saw, one line per record. */
static char seen[1 << 16];
static size_t seen_len;

static void generate(FlowRuntime *rt, FlowGen *g)
{
    int64_t k = flow_gen_int64(g);
    FlowStr s = flow_gen_string(g, rt);
    double f = flow_gen_float64(g);
    bool b = flow_gen_bool(g);
    int64_t t = flow_gen_timestamp(g);
    int32_t w = flow_gen_int32(g);
    assert_true(k >= 0 && k < 10);
    assert_true(w >= 0 && w < 10);
    assert_true(f >= 0 && f < 1);
    assert_true(s.len >= 2 && s.ptr[0] == 's');
    seen_len += (size_t)snprintf(seen + seen_len, sizeof seen - seen_len,
                                 "%lld %.*s %.17g %d %lld %d\n", (long long)k, (int)s.len, s.ptr,
                                 f, b, (long long)t, w);
}

static bool decode(FlowRuntime *rt, const FlowField *f)
{
    (void)rt;
    seen_len += (size_t)snprintf(seen + seen_len, sizeof seen - seen_len, "%.*s|%.*s\n",
                                 (int)f[0].len, f[0].ptr, (int)f[1].len, f[1].ptr);
    return true;
}

static Source *open_source(FlowSourceDef *def, const char *kind, FlowConnArg *args, int nargs,
                           int nfields)
{
    *def = (FlowSourceDef){ "src", { kind, args, nargs, "t.flow:1:1", NULL }, names, types, nfields,
                            -1, 0, 0, decode, generate, NULL, NULL, NULL, NULL, NULL, NULL, 0 };
    char *err = NULL;
    Source *src = flowrt_source_open(NULL, def, 0, &no_params, &err);
    if (!src)
        fail_msg("%s", err);
    return src;
}

static char *run_generator(const char *seed, int records)
{
    FlowRuntime rt;
    flowrt_runtime_init(&rt, &prog);
    FlowSourceDef def;
    FlowConnArg args[] = { { "seed", seed, NULL }, { "keys", "10", NULL },
                           { "disorder", "5", NULL } };
    Source *src = open_source(&def, "generator", args, 3, 6);
    seen_len = 0;
    assert_int_equal(src->ops->poll(src, &rt, records), SOURCE_MORE);
    flowrt_source_close(src);
    flowrt_runtime_free(&rt);
    return strdup(seen);
}

static void test_generator_determinism(void **state)
{
    (void)state;
    char *a = run_generator("1", 300), *b = run_generator("1", 300);
    char *c = run_generator("2", 300), *d = run_generator("-1", 300);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_string_not_equal(a, d);
    /* Every key and both bools turn up in 300 records. */
    for (int k = 0; k < 10; k++) {
        char key[8];
        snprintf(key, sizeof key, "\n%d s", k);
        assert_non_null(strstr(a, key));
    }
    assert_non_null(strstr(a, " 0 17040672"));
    assert_non_null(strstr(a, " 1 17040672"));
    /* The records of one seed must never change between versions or
     * machines: the first record, as first produced, pins the algorithm. */
    char first[128];
    snprintf(first, sizeof first, "%.*s", (int)(strchr(a, '\n') - a), a);
    assert_string_equal(first, "1 s2 0.29049544614575296 1 1704067199999 6");
    free(a);
    free(b);
    free(c);
    free(d);
}

/* The int64 values a position packs. */
static int unpack(const Position *pos, int64_t *v, int max)
{
    size_t at = 0;
    int n = 0;
    while (n < max && flowrt_position_get_int64(pos, &at, &v[n]))
        n++;
    assert_int_equal(at, pos->len);
    return n;
}

static void test_generator_position(void **state)
{
    (void)state;
    FlowRuntime rt;
    flowrt_runtime_init(&rt, &prog);
    FlowSourceDef def;
    FlowConnArg args[] = { { "count", "10", NULL }, { "seed", "3", NULL }, { "keys", "10", NULL } };
    Source *src = open_source(&def, "generator", args, 3, 6);
    seen_len = 0;
    assert_int_equal(src->ops->poll(src, &rt, 4), SOURCE_MORE);
    Position pos = { 0 };
    src->ops->position(src, &pos);
    int64_t v[2];
    assert_int_equal(unpack(&pos, v, 2), 1);
    assert_int_equal(v[0], 4); /* the number of the next record */
    char *first = strdup(seen);
    assert_int_equal(src->ops->poll(src, &rt, 100), SOURCE_DONE);
    assert_int_equal(src->records, 10);
    char *all = strdup(seen);
    /* Back to record 4: the same records again, and the same position. */
    assert_true(src->ops->seek(src, &pos));
    Position again = { 0 };
    src->ops->position(src, &again);
    assert_int_equal(again.len, pos.len);
    assert_memory_equal(again.bytes, pos.bytes, pos.len);
    seen_len = 0;
    assert_int_equal(src->ops->poll(src, &rt, 100), SOURCE_DONE);
    assert_string_equal(seen, all + strlen(first));
    /* Bytes that are not a generator position are refused. */
    Position bad = { 0 };
    assert_false(src->ops->seek(src, &bad));
    flowrt_position_put_int64(&bad, -1);
    assert_false(src->ops->seek(src, &bad));
    flowrt_position_free(&bad);
    flowrt_position_free(&again);
    flowrt_position_free(&pos);
    flowrt_source_close(src);
    flowrt_runtime_free(&rt);
    free(first);
    free(all);
}

/* Reads `text` as a file of `format`; takes the position after `before`
 * records, reads to the end, seeks back and reads again: the records after
 * the position come again and a bad record among them is reported at its
 * line, as in the first pass. */
static void check_file_position(const char *name, const char *format, const char *text,
                                int before, int64_t offset, int64_t line, const char *rest,
                                const char *bad_at)
{
    const char *path = test_path(name);
    write_file(path, text, strlen(text));
    FlowRuntime rt;
    flowrt_runtime_init(&rt, &prog);
    FlowSourceDef def;
    FlowConnArg args[] = { { "path", path, NULL }, { "format", format, NULL } };
    Source *src = open_source(&def, "file", args, 2, 2);
    seen_len = 0;
    assert_int_equal(src->ops->poll(src, &rt, before), SOURCE_MORE);
    Position pos = { 0 };
    src->ops->position(src, &pos);
    int64_t v[3];
    assert_int_equal(unpack(&pos, v, 3), 2);
    assert_int_equal(v[0], offset);
    assert_int_equal(v[1], line);
    for (int pass = 0; pass < 2; pass++) {
        seen_len = 0;
        Capture cap;
        capture_begin(&cap, 2);
        assert_int_equal(src->ops->poll(src, &rt, 100), SOURCE_DONE);
        char *err = capture_end(&cap);
        assert_string_equal(seen, rest);
        assert_non_null(strstr(err, bad_at));
        free(err);
        assert_true(src->ops->seek(src, &pos));
    }
    flowrt_position_free(&pos);
    flowrt_source_close(src);
    flowrt_runtime_free(&rt);
}

static void test_file_position(void **state)
{
    (void)state;
    /* CSV: a header, a quoted field over two lines, a blank line, a record
     * with a missing field. */
    check_file_position("pos.csv", "csv", "k,s\n1,a\n2,\"b\nb\"\n\n3,c\n4\n5,e\n", 2, 16, 5,
                        "3|c\n5|e\n", "pos.csv:7: expected 2 fields, found 1");
    /* JSON lines: a blank line and a malformed object after the position. */
    check_file_position("pos.jsonl", "jsonl",
                        "{\"k\":1,\"s\":\"a\"}\n{\"k\":2,\"s\":\"b\"}\n\n{\"k\":3,\"s\":\"c\"}\n{bad\n"
                        "{\"k\":5,\"s\":\"e\"}\n",
                        1, 16, 2, "2|b\n3|c\n5|e\n", "pos.jsonl:5:");
}

/* stdin cannot seek; a file refuses bytes that are not its position. */
static void test_position_refused(void **state)
{
    (void)state;
    const char *path = test_path("refuse.csv");
    write_file(path, "k,s\n1,a\n", 8);
    FlowSourceDef def;
    FlowConnArg args[] = { { "path", path, NULL } };
    Source *src = open_source(&def, "file", args, 1, 2);
    Position pos = { 0 };
    assert_false(src->ops->seek(src, &pos));
    flowrt_position_put_int64(&pos, 4);
    assert_false(src->ops->seek(src, &pos)); /* the line number is missing */
    flowrt_position_put_int64(&pos, 2);
    assert_true(src->ops->seek(src, &pos));
    flowrt_source_close(src);
    int saved = dup(0);
    int fd = open(path, O_RDONLY);
    dup2(fd, 0);
    close(fd);
    src = open_source(&def, "stdin", NULL, 0, 2);
    assert_false(src->ops->seek(src, &pos));
    flowrt_source_close(src);
    dup2(saved, 0);
    close(saved);
    flowrt_position_free(&pos);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generator_determinism),
        cmocka_unit_test(test_generator_position),
        cmocka_unit_test(test_file_position),
        cmocka_unit_test(test_position_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
