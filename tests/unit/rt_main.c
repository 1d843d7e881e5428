/* rt_main.c: flow_main end to end on small hand-written programs standing in
 * for generated code: the command line and params, CSV and JSON sources and
 * sinks, bad records (stderr, errors= file, on_error), connector argument
 * errors, stdin, follow=true, signals, write errors, and the embedding
 * calls (stop requests and counters, from another thread). */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "flow/flow.h"
#include "rt_testutil.h"

/* ---- The program: schema Rec { id: int64, name: string, n: int32, ts: timestamp }
 *      param min_n : int32 = 0; param label : string = "x";
 *      stream out = src | where n >= min_n | select id, name, q = 100 / n, ts;  */

typedef struct Rec {
    int64_t id;
    FlowStr name;
    int32_t n;
    int64_t ts;
} Rec;

typedef struct Params {
    int32_t min_n;
    FlowStr label;
    bool flag;
    double ratio;
    int64_t since;
} Params;

static const FlowParamDef params[] = {
    { "min_n", FLOW_INT32, "0", offsetof(Params, min_n) },
    { "label", FLOW_STRING, "x", offsetof(Params, label) },
    { "flag", FLOW_BOOL, "false", offsetof(Params, flag) },
    { "ratio", FLOW_FLOAT64, "0.5", offsetof(Params, ratio) },
    { "since", FLOW_TIMESTAMP, "2024-01-01T00:00:00Z", offsetof(Params, since) },
};
/* The params the last record saw: a run's own go with the run. */
static Params seen;

static const char *const rec_names[] = { "id", "name", "n", "ts" };
static const FlowType rec_types[] = { FLOW_INT64, FLOW_STRING, FLOW_INT32, FLOW_TIMESTAMP };
static const char *const out_names[] = { "id", "name", "q", "ts" };
static const FlowType out_types[] = { FLOW_INT64, FLOW_STRING, FLOW_INT32, FLOW_TIMESTAMP };

static void stage_out(FlowRuntime *rt, const Rec *in)
{
    seen = *(const Params *)flow_params(rt);
    if (!(in->n >= FLOW_PARAM(rt, Params, min_n)))
        return;
    const char *err = NULL;
    int32_t q = flow_i32_div(&err, 100, in->n);
    if (err) {
        flow_record_error(rt, "t.flow:9:5", err);
        return;
    }
    FlowSink *s = flow_sink(rt, 0);
    flow_sink_begin(s);
    flow_sink_int64(s, in->id);
    flow_sink_string(s, in->name);
    flow_sink_int32(s, q);
    flow_sink_timestamp(s, in->ts);
    flow_sink_end(s);
}

static bool decode_rec(FlowRuntime *rt, const FlowField *f)
{
    Rec r;
    const char *e;
    if ((e = flow_field_int64(&f[0], &r.id))) {
        flow_record_error(rt, "id", e);
        return false;
    }
    if ((e = flow_field_string(&f[1], &r.name))) {
        flow_record_error(rt, "name", e);
        return false;
    }
    if ((e = flow_field_int32(&f[2], &r.n))) {
        flow_record_error(rt, "n", e);
        return false;
    }
    if ((e = flow_field_timestamp(&f[3], &r.ts))) {
        flow_record_error(rt, "ts", e);
        return false;
    }
    stage_out(rt, &r);
    flow_watermark_observe(rt, r.ts);
    return true;
}

static void generate_rec(FlowRuntime *rt, FlowGen *g)
{
    Rec r;
    r.id = flow_gen_int64(g);
    r.name = flow_gen_string(g, rt);
    r.n = flow_gen_int32(g) + 1; /* never a division by zero */
    r.ts = flow_gen_timestamp(g);
    stage_out(rt, &r);
    flow_watermark_observe(rt, r.ts);
}

/* One source and one sink, with the connectors of the test. */
static FlowConnArg src_args[8], sink_args[8];
static FlowSourceDef source_def;
static FlowSinkDef sink_def;
static FlowProgram program;

static void make_program(const char *src_kind, const char *sink_kind)
{
    memset(src_args, 0, sizeof src_args);
    memset(sink_args, 0, sizeof sink_args);
    source_def = (FlowSourceDef){
        .name = "src",
        .conn = { src_kind, src_args, 0, "t.flow:4:1", NULL },
        .field_names = rec_names,
        .field_types = rec_types,
        .nfields = 4,
        .event_time_field = 3,
        .watermark_delay_ms = 1000,
        .decode = decode_rec,
        .generate = generate_rec,
    };
    sink_def = (FlowSinkDef){
        .stream = "out",
        .conn = { sink_kind, sink_args, 0, "t.flow:12:1", NULL },
        .field_names = out_names,
        .field_types = out_types,
        .nfields = 4,
    };
    program = (FlowProgram){
        .abi_version = FLOW_ABI_VERSION,
        .name = "tprog",
        .flow_file = "t.flow",
        .flowc_version = "0.1.0",
        .params = params,
        .nparams = 5,
        .params_size = sizeof(Params),
        .sources = &source_def,
        .nsources = 1,
        .sinks = &sink_def,
        .nsinks = 1,
    };
}

static void src_arg(const char *key, const char *value)
{
    src_args[source_def.conn.nargs++] = (FlowConnArg){ key, value, NULL };
}

static void src_param_arg(const char *key, const char *param)
{
    src_args[source_def.conn.nargs++] = (FlowConnArg){ key, NULL, param };
}

static void sink_arg(const char *key, const char *value)
{
    sink_args[sink_def.conn.nargs++] = (FlowConnArg){ key, value, NULL };
}

/* Runs flow_main with argv "tprog ARGS... NULL"; returns its status and what
 * it wrote to stderr (and to stdout if `out` is given). */
static int run(char **err, char **out, ...)
{
    char *argv[32] = { "tprog" };
    int argc = 1;
    va_list ap;
    va_start(ap, out);
    for (char *a; (a = va_arg(ap, char *)) != NULL;)
        argv[argc++] = a;
    va_end(ap);
    Capture ce, co;
    capture_begin(&ce, 2);
    if (out)
        capture_begin(&co, 1);
    int status = flow_main(&program, argc, argv);
    if (out)
        *out = capture_end(&co);
    *err = capture_end(&ce);
    return status;
}

static void assert_contains(const char *text, const char *part)
{
    if (!strstr(text, part))
        fail_msg("expected \"%s\" in:\n%s", part, text);
}

static void assert_file(const char *path, const char *want)
{
    char *got = read_file(path);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static const char *input_csv = "extra,ts,n,name,id\n"
                               "x,2024-03-01T12:00:05.250Z,4,ann,1\n"
                               "\"y,\"\"z\"\"\",1709294405000,50,\"bo, \"\"b\"\"\",2\n"
                               "z,2024-03-01 12:00:06,3,\"multi\nline\",3\r\n";

/* ---- Tests ------------------------------------------------------------------ */

static void test_csv_to_csv(void **state)
{
    (void)state;
    const char *in = test_path("in.csv"), *outp = test_path("out/sub/out.csv");
    write_file(in, input_csv, strlen(input_csv));
    make_program("file", "file");
    src_arg("path", in);
    src_arg("format", "csv");
    sink_arg("path", outp);
    char *err;
    assert_int_equal(run(&err, NULL, NULL), 0);
    assert_file(outp, "id,name,q,ts\n"
                      "1,ann,25,2024-03-01T12:00:05.250Z\n"
                      "2,\"bo, \"\"b\"\"\",2,2024-03-01T12:00:05.000Z\n"
                      "3,\"multi\nline\",33,2024-03-01T12:00:06.000Z\n");
    assert_contains(err, "3 records read");
    assert_contains(err, "source src (");
    assert_contains(err, "): 3 read, 0 bad");
    assert_contains(err, "sink out (");
    assert_contains(err, "): 3 written");
    free(err);
}

/* A 16-byte read buffer: every record straddles its end, and the buffer has
 * to grow for the long one. */
static void test_tiny_read_buffer(void **state)
{
    (void)state;
    const char *in = test_path("tiny.csv"), *outp = test_path("tiny.out.csv");
    char big[6000];
    size_t o = (size_t)sprintf(big, "%s", input_csv);
    o += (size_t)sprintf(big + o, "x,0,1,\"");
    for (int i = 0; i < 2000; i++)
        big[o++] = i % 50 == 49 ? '\n' : 'a';
    o += (size_t)sprintf(big + o, "\",4\n");
    write_file(in, big, o);
    make_program("file", "file");
    src_arg("path", in);
    sink_arg("path", outp);
    setenv("FLOW_READ_BUFFER_SIZE", "16", 1);
    char *err;
    int status = run(&err, NULL, "--quiet", NULL);
    unsetenv("FLOW_READ_BUFFER_SIZE");
    assert_int_equal(status, 0);
    assert_string_equal(err, "");
    char *got = read_file(outp);
    assert_non_null(strstr(got, "3,\"multi\nline\",33,2024-03-01T12:00:06.000Z\n4,\"aaaa"));
    assert_int_equal(strlen(got), strlen("id,name,q,ts\n"
                                         "1,ann,25,2024-03-01T12:00:05.250Z\n"
                                         "2,\"bo, \"\"b\"\"\",2,2024-03-01T12:00:05.000Z\n"
                                         "3,\"multi\nline\",33,2024-03-01T12:00:06.000Z\n") +
                                      strlen("4,\"\",100,1970-01-01T00:00:00.000Z\n") + 2000);
    free(got);
    free(err);
}

static void test_missing_column(void **state)
{
    (void)state;
    const char *in = test_path("missing.csv"), *outp = test_path("missing.out.csv");
    const char *text = "id,name,ts\n1,a,0\n";
    write_file(in, text, strlen(text));
    make_program("file", "file");
    src_arg("path", in);
    sink_arg("path", outp);
    char *err;
    assert_int_equal(run(&err, NULL, NULL), 1);
    assert_contains(err, "tprog: t.flow:4:1: file(): '");
    assert_contains(err, "missing.csv' has no column \"n\" (its header: \"id\", \"name\", \"ts\")");
    assert_null(strstr(err, "records read")); /* nothing was processed */
    free(err);

    /* No header line at all: no records, not a failure. */
    write_file(in, "", 0);
    assert_int_equal(run(&err, NULL, "--quiet", NULL), 0);
    assert_string_equal(err, "");
    free(err);
}

static void test_header_false_and_field_count(void **state)
{
    (void)state;
    const char *in = test_path("nohdr.csv"), *outp = test_path("nohdr.out.jsonl");
    const char *text = "7,\"seven\",10,0\n8,eight,10\n9,nine,10,0,extra\n10,ten,5,1000\n";
    write_file(in, text, strlen(text));
    make_program("file", "file");
    src_arg("path", in);
    src_arg("header", "false");
    sink_arg("path", outp); /* .jsonl: JSON lines by default */
    char *err;
    assert_int_equal(run(&err, NULL, NULL), 0);
    assert_file(outp, "{\"id\":7,\"name\":\"seven\",\"q\":10,\"ts\":\"1970-01-01T00:00:00.000Z\"}\n"
                      "{\"id\":10,\"name\":\"ten\",\"q\":20,\"ts\":\"1970-01-01T00:00:01.000Z\"}\n");
    assert_contains(err, "tprog: bad record in source 'src' at ");
    assert_contains(err, "nohdr.csv:2: expected 4 fields, found 3\n");
    assert_contains(err, "nohdr.csv:3: expected 4 fields, found 5\n");
    assert_contains(err, "4 records read");
    assert_contains(err, "2 bad");
    free(err);
}

static void test_bad_records_and_errors_file(void **state)
{
    (void)state;
    const char *in = test_path("bad.csv"), *outp = test_path("bad.out.csv");
    const char *errors = test_path("bad.errors");
    const char *text = "id,name,n,ts\n"
                       "1,a,1,0\n"
                       "x2,b,1,0\n"
                       "3,\"c\nd\",0,0\n"
                       "4,e,99999999999,0\n"
                       "5,f,1,yesterday\n"
                       "6,\"g,2,0\n";
    write_file(in, text, strlen(text));
    make_program("file", "file");
    src_arg("path", in);
    src_arg("errors", errors);
    sink_arg("path", outp);
    char *err;
    assert_int_equal(run(&err, NULL, NULL), 0);
    assert_file(outp, "id,name,q,ts\n1,a,100,1970-01-01T00:00:00.000Z\n");
    assert_contains(err, "bad.csv:3: field 'id': not an int64: \"x2\"\n");
    assert_contains(err, "bad.csv:4: t.flow:9:5: division by zero\n");
    assert_contains(err, "bad.csv:6: field 'n': out of range for an int32: \"99999999999\"\n");
    assert_contains(err, "bad.csv:7: field 'ts': not a timestamp: \"yesterday\"\n");
    assert_contains(err, "bad.csv:8: unterminated quoted field\n");
    assert_contains(err, "6 records read");
    assert_contains(err, "5 bad");
    char want[2048];
    snprintf(want, sizeof want,
             "src: %s:3: field 'id': not an int64: \"x2\"\nx2,b,1,0\n"
             "src: %s:4: t.flow:9:5: division by zero\n3,\"c\nd\",0,0\n"
             "src: %s:6: field 'n': out of range for an int32: \"99999999999\"\n4,e,99999999999,0\n"
             "src: %s:7: field 'ts': not a timestamp: \"yesterday\"\n5,f,1,yesterday\n"
             "src: %s:8: unterminated quoted field\n6,\"g,2,0\n",
             in, in, in, in, in);
    assert_file(errors, want);
    free(err);
    /* The errors file is appended to. */
    assert_int_equal(run(&err, NULL, "--quiet", NULL), 0);
    char *twice = read_file(errors);
    assert_int_equal(strlen(twice), 2 * strlen(want));
    free(twice);
    free(err);
}

static void test_on_error_fail(void **state)
{
    (void)state;
    const char *in = test_path("fail.csv"), *outp = test_path("fail.out.csv");
    const char *text = "id,name,n,ts\n1,a,1,0\n2,b,zz,0\n3,c,1,0\n";
    write_file(in, text, strlen(text));
    make_program("file", "file");
    src_arg("path", in);
    src_arg("on_error", "fail");
    sink_arg("path", outp);
    char *err;
    assert_int_equal(run(&err, NULL, NULL), 1);
    assert_contains(err, "fail.csv:3: field 'n': not an int32: \"zz\"\n");
    assert_contains(err, "tprog: stopping: source 'src' has on_error=\"fail\"\n");
    assert_contains(err, "failed after");
    assert_contains(err, "2 records read");
    /* What came before the bad record is written. */
    assert_file(outp, "id,name,q,ts\n1,a,100,1970-01-01T00:00:00.000Z\n");
    free(err);
}

static void test_many_bad_records(void **state)
{
    (void)state;
    const char *in = test_path("many.jsonl"), *outp = test_path("many.out.csv");
    char text[8192];
    size_t o = 0;
    for (int i = 1; i <= 25; i++)
        o += (size_t)sprintf(text + o, "{\"id\":%d,\"name\":\"n%d\",\"n\":%s,\"ts\":%d}\n", i, i,
                             i % 2 ? "\"bad\"" : "1", i);
    o += (size_t)sprintf(text + o, "\n{\"id\": 1, oops}\n{\"id\":2,\"name\":\"x\",\"n\":1}\n");
    write_file(in, text, o);
    make_program("file", "file");
    src_arg("path", in);
    sink_arg("path", outp);
    char *err;
    assert_int_equal(run(&err, NULL, NULL), 0);
    /* 13 odd records, 1 malformed line, 1 without ts: 15 bad, 10 shown. */
    int shown = 0;
    for (const char *p = err; (p = strstr(p, "bad record in")) != NULL; p++)
        shown++;
    assert_int_equal(shown, 10);
    assert_contains(err, "many.jsonl:1: field 'n': expected an int32, found a string \"bad\"\n");
    assert_contains(err, "tprog: further bad records of source 'src' are only counted\n");
    assert_contains(err, "27 records read");
    assert_contains(err, "15 bad");
    char *got = read_file(outp);
    assert_non_null(strstr(got, "12,n12,100,1970-01-01T00:00:00.012Z\n"));
    free(got);
    free(err);
    /* The reasons of JSON lines, with the line number. */
    sink_arg("header", "false");
    src_arg("on_error", "fail");
    const char *bad = "{\"id\": 1, oops}\n";
    write_file(in, bad, strlen(bad));
    assert_int_equal(run(&err, NULL, NULL), 1);
    assert_contains(err, "many.jsonl:1: bad JSON at column 11: expected a member name\n");
    free(err);
}

static void test_json_source(void **state)
{
    (void)state;
    const char *in = test_path("in.json");
    const char *text = "{\"ts\":\"2024-03-01T12:00:05Z\",\"n\":4,\"id\":1,\"name\":\"a\\u00e9\\n\","
                       "\"skip\":{\"deep\":[1,2,{\"x\":\"}\"}]}}\r\n"
                       "\n"
                       "  {\"id\":2,\"name\":\"\",\"n\":5,\"ts\":1000}";
    write_file(in, text, strlen(text));
    make_program("file", "stdout");
    src_arg("path", in);
    src_arg("format", "jsonl");
    sink_arg("format", "csv");
    char *err, *out;
    assert_int_equal(run(&err, &out, NULL), 0);
    assert_string_equal(out, "id,name,q,ts\n"
                             "1,\"a\xC3\xA9\n\",25,2024-03-01T12:00:05.000Z\n"
                             "2,,20,1970-01-01T00:00:01.000Z\n");
    free(out);
    free(err);
}

static void test_stdin_source(void **state)
{
    (void)state;
    const char *in = test_path("stdin.csv");
    const char *text = "\xEF\xBB\xBFid,name,n,ts\n5,five,2,0\n";
    write_file(in, text, strlen(text));
    make_program("stdin", "stdout");
    sink_arg("format", "jsonl");
    int saved = dup(0), fd = open(in, O_RDONLY);
    dup2(fd, 0);
    close(fd);
    char *err, *out;
    int status = run(&err, &out, NULL);
    dup2(saved, 0);
    close(saved);
    assert_int_equal(status, 0);
    assert_string_equal(out,
                        "{\"id\":5,\"name\":\"five\",\"q\":50,\"ts\":\"1970-01-01T00:00:00.000Z\"}\n");
    assert_contains(err, "source src (stdin): 1 read, 0 bad");
    assert_contains(err, "sink out (stdout): 1 written");
    free(out);
    free(err);
}

static void test_params(void **state)
{
    (void)state;
    const char *in = test_path("params.csv"), *outp = test_path("params.out.csv");
    const char *text = "id,name,n,ts\n1,a,1,0\n2,b,5,0\n3,c,10,0\n";
    write_file(in, text, strlen(text));
    make_program("file", "file");
    src_arg("path", in);
    sink_arg("path", outp);
    char *err;
    assert_int_equal(run(&err, NULL, "--set", "min_n=5", "--quiet", NULL), 0);
    assert_string_equal(err, "");
    assert_file(outp, "id,name,q,ts\n2,b,20,1970-01-01T00:00:00.000Z\n"
                      "3,c,10,1970-01-01T00:00:00.000Z\n");
    free(err);
    /* The last --set wins; every type parses. */
    assert_int_equal(run(&err, NULL, "--set=min_n=5", "--set", "min_n=10", "--set", "label=hi there",
                         "--set", "flag=true", "--set", "ratio=1e-3", "--set",
                         "since=2024-03-01 00:00:00", "--quiet", NULL),
                     0);
    assert_int_equal(seen.min_n, 10);
    assert_int_equal(seen.label.len, 8);
    assert_memory_equal(seen.label.ptr, "hi there", 8);
    assert_true(seen.flag);
    assert_true(seen.ratio == 1e-3);
    assert_true(seen.since == INT64_C(1709251200000));
    assert_file(outp, "id,name,q,ts\n3,c,10,1970-01-01T00:00:00.000Z\n");
    free(err);
    /* Defaults come back on the next run. */
    assert_int_equal(run(&err, NULL, "--quiet", NULL), 0);
    assert_int_equal(seen.min_n, 0);
    assert_false(seen.flag);
    free(err);
}

static void test_usage_errors(void **state)
{
    (void)state;
    make_program("file", "file");
    src_arg("path", "/nonexistent/never-opened.csv");
    sink_arg("path", test_path("usage.out.csv"));
    struct { const char *args[3]; const char *message; } cases[] = {
        { { "--set", "min_m=3" }, "tprog: --set: unknown param 'min_m' (did you mean 'min_n'?)\n" },
        { { "--set", "zzzzzz=1" }, "unknown param 'zzzzzz' (see --help for the params)" },
        { { "--set", "min_n=abc" }, "tprog: --set min_n=abc: the value must be an int32\n" },
        { { "--set", "min_n=3000000000" }, "--set min_n=3000000000: the value must be an int32" },
        { { "--set", "flag=yes" }, "the value must be true or false" },
        { { "--set", "since=today" }, "the value must be a timestamp" },
        { { "--set", "ratio=" }, "the value must be a float64" },
        { { "--set", "noequals" }, "--set needs NAME=VALUE, not 'noequals'" },
        { { "--set" }, "--set needs NAME=VALUE" },
        { { "--checkpoint-dir", "/tmp/x" }, "--checkpoint-dir: this program does no checkpointing" },
        { { "--checkpoint-dir=/tmp/x" }, "this program does no checkpointing (t.flow has no" },
        { { "--no-restore" }, "--no-restore: this program does no checkpointing" },
        { { "--frobnicate" }, "tprog: unknown option '--frobnicate'\nusage: tprog [--set" },
        { { "stray" }, "unexpected argument 'stray'" },
        { { "--stats=0" }, "--stats: '0' is not a positive number of seconds" },
        { { "--stats=x" }, "--stats: 'x' is not a positive number of seconds" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *err;
        int status = run(&err, NULL, cases[i].args[0], cases[i].args[1], NULL);
        if (status != 2)
            fail_msg("case %zu: status %d, stderr: %s", i, status, err);
        assert_contains(err, cases[i].message);
        free(err);
    }
}

static void test_help_and_version(void **state)
{
    (void)state;
    make_program("file", "file");
    char *err, *out;
    assert_int_equal(run(&err, &out, "--version", NULL), 0);
    assert_string_equal(out, "tprog (compiled from t.flow) flowc 0.1.0\n");
    free(out);
    free(err);
    assert_int_equal(run(&err, &out, "--help", NULL), 0);
    assert_contains(out, "usage: tprog [--set NAME=VALUE]...");
    assert_contains(out, "min_n");
    assert_contains(out, "default 2024-01-01T00:00:00Z");
    free(out);
    free(err);
}

static void test_connector_errors(void **state)
{
    (void)state;
    /* A copy: test_path's buffers are reused after eight calls. */
    char in[512];
    snprintf(in, sizeof in, "%s", test_path("conn.csv"));
    write_file(in, "id,name,n,ts\n", 13);
    struct { const char *key, *value, *param; const char *message; } cases[] = {
        { "colour", "red", NULL, "tprog: t.flow:4:1: file(): unknown argument 'colour'\n" },
        { "header", "yes", NULL, "file(): argument 'header' must be true or false, not \"yes\"" },
        { "format", "xml", NULL, "argument 'format' must be csv or jsonl or json, not \"xml\"" },
        { "on_error", "ignore", NULL, "argument 'on_error' must be skip or fail, not \"ignore\"" },
        { "follow", NULL, "label", "argument 'follow' must be true or false, not \"x\" (from param 'label')" },
        { "errors", "/proc/forbidden/e.txt", NULL, "cannot open the errors file '/proc/forbidden/e.txt'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        make_program("file", "file");
        src_arg("path", in);
        src_args[source_def.conn.nargs++] =
            (FlowConnArg){ cases[i].key, cases[i].value, cases[i].param };
        sink_arg("path", test_path("conn.out.csv"));
        char *err;
        assert_int_equal(run(&err, NULL, NULL), 1);
        assert_contains(err, cases[i].message);
        free(err);
    }
    /* A path that does not exist, and a directory. */
    make_program("file", "file");
    src_arg("path", test_path("no-such.csv"));
    sink_arg("path", test_path("conn.out.csv"));
    char *err;
    assert_int_equal(run(&err, NULL, NULL), 1);
    assert_contains(err, "no-such.csv': No such file or directory");
    free(err);
    make_program("file", "file");
    src_arg("path", test_dir());
    sink_arg("path", test_path("conn.out.csv"));
    assert_int_equal(run(&err, NULL, NULL), 1);
    assert_contains(err, "Is a directory");
    free(err);
    /* The path from a param, set on the command line. */
    make_program("file", "file");
    src_param_arg("path", "label");
    sink_arg("path", test_path("conn.out.csv"));
    assert_int_equal(run(&err, NULL, "--set", "label=/nope/x.csv", NULL), 1);
    assert_contains(err, "cannot open '/nope/x.csv'");
    free(err);
    /* Sink problems. */
    make_program("file", "file");
    src_arg("path", in);
    sink_arg("path", "/proc/forbidden/out.csv");
    assert_int_equal(run(&err, NULL, NULL), 1);
    assert_contains(err, "tprog: t.flow:12:1: file(): cannot create '/proc/forbidden/out.csv'");
    free(err);
    make_program("file", "stdout");
    src_arg("path", in);
    sink_arg("path", "x.csv");
    char *out;
    assert_int_equal(run(&err, &out, NULL), 1);
    free(out);
    assert_contains(err, "t.flow:12:1: stdout(): unknown argument 'path'");
    free(err);
    make_program("kafka", "stdout");
    assert_int_equal(run(&err, &out, NULL), 1);
    free(out);
    assert_contains(err, "t.flow:4:1: kafka(): not supported as a source by this version");
    free(err);
    make_program("generator", "stdout");
    src_arg("count", "-1");
    assert_int_equal(run(&err, &out, NULL), 1);
    free(out);
    assert_contains(err, "generator(): argument 'count' must be an integer >= 0, not \"-1\"");
    free(err);
    make_program("generator", "stdout");
    src_arg("errors", "x.txt");
    assert_int_equal(run(&err, &out, NULL), 1);
    assert_string_equal(out, ""); /* sources open first: no header written */
    free(out);
    assert_contains(err, "generator(): unknown argument 'errors'");
    free(err);
}

static char *generate(const char *count, const char *seed, const char *extra_key,
                      const char *extra_value)
{
    const char *outp = test_path("gen.out.csv");
    make_program("generator", "file");
    src_arg("count", count);
    src_arg("seed", seed);
    src_arg("keys", "50");
    src_arg("events_per_second", "4");
    if (extra_key)
        src_arg(extra_key, extra_value);
    sink_arg("path", outp);
    char *err;
    assert_int_equal(run(&err, NULL, "--quiet", NULL), 0);
    free(err);
    return read_file(outp);
}

static void test_generator(void **state)
{
    (void)state;
    char *a = generate("6", "7", NULL, NULL), *b = generate("6", "7", NULL, NULL);
    char *c = generate("6", "8", NULL, NULL);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    /* Six rows; timestamps step by 250 ms from 2024-01-01; names s0..s49. */
    int rows = 0;
    for (const char *p = a; (p = strchr(p, '\n')) != NULL; p++)
        rows++;
    assert_int_equal(rows, 7);
    assert_non_null(strstr(a, ",2024-01-01T00:00:00.000Z\n"));
    assert_non_null(strstr(a, ",2024-01-01T00:00:00.250Z\n"));
    assert_non_null(strstr(a, ",2024-01-01T00:00:01.250Z\n"));
    assert_non_null(strstr(a, ",s"));
    /* With disorder, timestamps move back by at most the disorder. */
    char *d = generate("200", "1", "disorder", "100");
    int64_t prev_base = 0;
    int n = 0;
    for (const char *p = strchr(d, '\n') + 1; *p; p = strchr(p, '\n') + 1, n++) {
        const char *t = strchr(p, '\n') - 24;
        int64_t ms;
        assert_true(flow_parse_timestamp(t, 24, &ms));
        int64_t base = INT64_C(1704067200000) + n * 250;
        assert_true(ms <= base && ms >= base - 100);
        prev_base = base;
    }
    assert_int_equal(n, 200);
    (void)prev_base;
    free(a);
    free(b);
    free(c);
    free(d);
    /* count=0: nothing. */
    char *e = generate("0", "1", NULL, NULL);
    assert_string_equal(e, "id,name,q,ts\n");
    free(e);
}

static void test_generator_rate(void **state)
{
    (void)state;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char *a = generate("30", "1", "rate", "100");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(s >= 0.25);
    assert_true(s < 5);
    free(a);
}

/* Runs the program with its stdout on `fd`; returns the status and stderr. */
static int run_to_fd(int fd, char **err)
{
    int saved = dup(1);
    dup2(fd, 1);
    close(fd);
    Capture ce;
    capture_begin(&ce, 2);
    char *argv[] = { "tprog", NULL };
    int status = flow_main(&program, 1, argv);
    *err = capture_end(&ce);
    dup2(saved, 1);
    close(saved);
    return status;
}

/* A reader that closed its end (`prog | head -1`): the program stops
 * reading and ends quietly with status 0, its summary saying so. Any other
 * failed write (a full disk) stays a run-time failure. */
static void test_write_error(void **state)
{
    (void)state;
    make_program("generator", "stdout");
    src_arg("count", "100000");
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    close(fds[0]);
    char *err;
    assert_int_equal(run_to_fd(fds[1], &err), 0);
    assert_contains(err, "tprog: stopped after ");
    assert_contains(err, " written, output closed by reader\n");
    if (strstr(err, "Broken pipe") || strstr(err, "100000 records read"))
        fail_msg("kept reading, or failed, after its reader went away:\n%s", err);
    free(err);

    int full = open("/dev/full", O_WRONLY);
    assert_true(full >= 0);
    assert_int_equal(run_to_fd(full, &err), 1);
    assert_contains(err, "tprog: t.flow:12:1: sink 'out': cannot write to stdout: "
                         "No space left on device\n");
    free(err);
}

/* The reader of a FIFO that a file sink writes: reads a little, leaves. */
static void *fifo_reader(void *path)
{
    int fd = open(path, O_RDONLY);
    char buf[100];
    assert_true(fd >= 0 && read(fd, buf, sizeof buf) > 0);
    close(fd);
    return NULL;
}

/* A file sink writing a FIFO whose reader went away is a closed output
 * too: the same quiet stop, status 0 (docs/architecture.md, "A closed
 * output"). */
static void test_fifo_closed(void **state)
{
    (void)state;
    const char *fifo = test_path("out.fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    make_program("generator", "file");
    sink_arg("path", fifo);
    pthread_t reader;
    assert_int_equal(pthread_create(&reader, NULL, fifo_reader, (void *)fifo), 0);
    char *err;
    int status = run(&err, NULL, NULL);
    pthread_join(reader, NULL);
    assert_int_equal(status, 0);
    assert_contains(err, "tprog: stopped after ");
    assert_contains(err, " written, output closed by reader\n");
    free(err);
}

/* An unbounded generator stops cleanly on SIGTERM: status 0, output
 * flushed, summary printed. */
static void test_signal_stop(void **state)
{
    (void)state;
    const char *outp = test_path("signal.out.csv"), *errp = test_path("signal.err");
    make_program("generator", "file");
    src_arg("rate", "1000");
    sink_arg("path", outp);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        char *argv[] = { "tprog", "--stats=0.1", NULL };
        _exit(flow_main(&program, 2, argv));
    }
    struct timespec pause = { 0, 400 * 1000 * 1000 };
    nanosleep(&pause, NULL);
    kill(pid, SIGTERM);
    int wstatus;
    assert_int_equal(waitpid(pid, &wstatus, 0), pid);
    assert_true(WIFEXITED(wstatus));
    assert_int_equal(WEXITSTATUS(wstatus), 0);
    char *err = read_file(errp), *out = read_file(outp);
    assert_contains(err, "tprog: stopped after");
    assert_contains(err, "watermark 2023-12-31T23:59:59."); /* 1 s delay */
    assert_contains(out, "id,name,q,ts\n");
    assert_true(strlen(out) > 1000);
    assert_int_equal(out[strlen(out) - 1], '\n');
    free(err);
    free(out);
}

typedef struct ThreadRun {
    char *err;
    int status;
} ThreadRun;

static void *run_on_thread(void *arg)
{
    ThreadRun *t = arg;
    t->status = run(&t->err, NULL, NULL);
    return NULL;
}

/* flow_request_stop and flow_get_summary: counters of a bounded run; a stop
 * requested before a run is served by it and then forgotten; a run on
 * another thread stopped by this one; and a program without a control. */
static void test_embedding_control(void **state)
{
    (void)state;
    static FlowControl control;
    FlowSummary s;
    const char *outp = test_path("embed.out.csv");

    make_program("generator", "file");
    sink_arg("path", outp);
    flow_request_stop(&program); /* no control: nothing to stop or read */
    flow_get_summary(&program, &s);
    assert_false(s.running);
    assert_int_equal(s.records_read, 0);

    program.control = &control;
    src_arg("count", "500");
    char *err;
    assert_int_equal(flow_run(&program, 2, (char *[]){ "tprog", "--quiet", NULL }), 0);
    flow_get_summary(&program, &s);
    assert_false(s.running);
    assert_int_equal(s.records_read, 500);
    /* n is uniform in [0, 1000): q = 100 / n fails for n = 0 only. */
    assert_true(s.records_bad < 10);
    assert_int_equal(s.records_written + s.records_bad, 500);
    char *out = read_file(outp);
    int rows = -1;
    for (const char *p = out; (p = strchr(p, '\n')) != NULL; p++)
        rows++;
    assert_int_equal(rows, s.records_written);
    free(out);

    flow_request_stop(&program);
    assert_int_equal(run(&err, NULL, NULL), 0);
    assert_contains(err, "tprog: stopped after");
    free(err);
    flow_get_summary(&program, &s);
    assert_int_equal(s.records_read, 0);
    assert_int_equal(run(&err, NULL, NULL), 0);
    assert_contains(err, "tprog: done after");
    free(err);
    flow_get_summary(&program, &s);
    assert_int_equal(s.records_read, 500);

    source_def.conn.nargs = 0; /* unbounded */
    ThreadRun t = { NULL, -1 };
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, run_on_thread, &t), 0);
    struct timespec ms = { 0, 1000 * 1000 };
    for (int i = 0; i < 10000; i++) {
        flow_get_summary(&program, &s);
        if (s.running && s.records_read >= 20000)
            break;
        nanosleep(&ms, NULL);
    }
    assert_true(s.running);
    flow_request_stop(&program);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_int_equal(t.status, 0);
    assert_contains(t.err, "tprog: stopped after");
    free(t.err);
    flow_get_summary(&program, &s);
    assert_false(s.running);
    assert_true(s.records_read >= 20000);
    assert_int_equal(s.records_written + s.records_bad, s.records_read);
}

/* follow=true tails a file: lines appended later are read, a partial last
 * line waits for its line break, and SIGINT ends the run cleanly. */
static void test_follow(void **state)
{
    (void)state;
    const char *in = test_path("follow.csv"), *outp = test_path("follow.out.csv");
    const char *errp = test_path("follow.err");
    write_file(in, "", 0);
    make_program("file", "file");
    src_arg("path", in);
    src_arg("follow", "true");
    sink_arg("path", outp);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        char *argv[] = { "tprog", NULL };
        _exit(flow_main(&program, 1, argv));
    }
    struct timespec pause = { 0, 150 * 1000 * 1000 };
    FILE *f = fopen(in, "a");
    const char *pieces[] = { "id,name,n,ts\n1,a,1,", "0\n2,b,2,0\n3,c,", "4,0\n" };
    for (int i = 0; i < 3; i++) {
        nanosleep(&pause, NULL);
        fputs(pieces[i], f);
        fflush(f);
    }
    fclose(f);
    nanosleep(&pause, NULL);
    nanosleep(&pause, NULL);
    /* Output is flushed while the source is idle. */
    char *out = read_file(outp);
    assert_string_equal(out, "id,name,q,ts\n1,a,100,1970-01-01T00:00:00.000Z\n"
                             "2,b,50,1970-01-01T00:00:00.000Z\n"
                             "3,c,25,1970-01-01T00:00:00.000Z\n");
    free(out);
    kill(pid, SIGINT);
    int wstatus;
    assert_int_equal(waitpid(pid, &wstatus, 0), pid);
    assert_true(WIFEXITED(wstatus));
    assert_int_equal(WEXITSTATUS(wstatus), 0);
    char *err = read_file(errp);
    assert_contains(err, "stopped after");
    assert_contains(err, "3 records read");
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_to_csv),
        cmocka_unit_test(test_tiny_read_buffer),
        cmocka_unit_test(test_missing_column),
        cmocka_unit_test(test_header_false_and_field_count),
        cmocka_unit_test(test_bad_records_and_errors_file),
        cmocka_unit_test(test_on_error_fail),
        cmocka_unit_test(test_many_bad_records),
        cmocka_unit_test(test_json_source),
        cmocka_unit_test(test_stdin_source),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_connector_errors),
        cmocka_unit_test(test_generator),
        cmocka_unit_test(test_generator_rate),
        cmocka_unit_test(test_write_error),
        cmocka_unit_test(test_fifo_closed),
        cmocka_unit_test(test_signal_stop),
        cmocka_unit_test(test_embedding_control),
        cmocka_unit_test(test_follow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
