/* rt_table.c: lookup tables (flow/table.h): rows kept at stable addresses
 * while the table grows, a key read again replacing its row in place, strings
 * copied into the table, the inline probe the generated code writes (hash 0
 * included); and tables loaded by flow_main before the streams start, on a
 * small hand-written program standing in for generated code: bad rows
 * reported with file:line, on_error=fail, the summary and --stats lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "flow/flow.h"
#include "rt_testutil.h"

typedef struct Row {
    int64_t id;
    FlowStr name;
} Row;

static bool row_match(const void *row, const void *probe)
{
    return ((const Row *)row)->id == ((const Row *)probe)->id;
}

/* What the generated probe does: FlowTable's sequence, inline. */
static const Row *probe(const FlowLookupTable *t, uint64_t hash, int64_t id)
{
    const FlowTable *ix = &t->index;
    uint64_t h = flow_table_stored_hash(hash), mask = (uint64_t)ix->cap - 1;
    for (uint64_t i = h & mask; ix->cap && ix->hashes[i]; i = (i + 1) & mask)
        if (ix->hashes[i] == h && ((const Row *)ix->items[i])->id == id)
            return ix->items[i];
    return NULL;
}

static Row *put(FlowLookupTable *t, uint64_t hash, int64_t id, const char *name)
{
    Row rec = { id, { name, (int64_t)strlen(name) } };
    Row *row = flow_lookup_table_put(t, hash, row_match, &rec, sizeof *row);
    rec.name = flow_lookup_table_keep(t, rec.name);
    *row = rec;
    return row;
}

static void test_rows_stay_put(void **state)
{
    (void)state;
    FlowLookupTable t = { 0 };
    assert_null(probe(&t, 7, 7)); /* an empty table has no index yet */
    enum { N = 50000 };
    Row **rows = malloc(sizeof *rows * N);
    char name[32];
    for (int64_t i = 0; i < N; i++) {
        snprintf(name, sizeof name, "n%lld", (long long)i);
        rows[i] = put(&t, (uint64_t)flow_hash_i64(i), i, name);
    }
    assert_int_equal(t.loaded, N);
    assert_int_equal(t.replaced, 0);
    assert_int_equal(t.index.count, N);
    for (int64_t i = 0; i < N; i += 997) {
        const Row *r = probe(&t, (uint64_t)flow_hash_i64(i), i);
        assert_ptr_equal(r, rows[i]); /* the address handed out first */
        snprintf(name, sizeof name, "n%lld", (long long)i);
        assert_true(flow_str_eq(r->name, (FlowStr){ name, (int64_t)strlen(name) }));
        assert_int_equal((uintptr_t)r % _Alignof(max_align_t), 0);
    }
    assert_null(probe(&t, (uint64_t)flow_hash_i64(N), N));
    free(rows);
    flow_lookup_table_free(&t);
    assert_null(t.chunks);
}

static void test_last_row_wins(void **state)
{
    (void)state;
    FlowLookupTable t = { 0 };
    char buf[16] = "first";
    Row *a = put(&t, 11, 1, buf);
    put(&t, 12, 2, "other");
    strcpy(buf, "XXXXX"); /* the table kept its own copy */
    assert_true(flow_str_eq(a->name, (FlowStr){ "first", 5 }));
    Row *b = put(&t, 11, 1, "second");
    assert_ptr_equal(a, b); /* replaced in place */
    assert_true(flow_str_eq(probe(&t, 11, 1)->name, (FlowStr){ "second", 6 }));
    Row *c = put(&t, 11, 1, "");
    assert_ptr_equal(a, c);
    assert_int_equal(c->name.len, 0);
    assert_int_equal(t.loaded, 4);
    assert_int_equal(t.replaced, 2);
    assert_int_equal(t.index.count, 2);
    flow_lookup_table_free(&t);
}

static void test_hash_collisions_and_zero(void **state)
{
    (void)state;
    /* Keys sharing one hash are told apart by the key; a hash of 0 is
     * stored as 1, so to the index it is the same as 1, and still found. */
    FlowLookupTable t = { 0 };
    for (int64_t i = 0; i < 40; i++)
        put(&t, 0, i, "zero");
    put(&t, 1, 100, "one");
    for (int64_t i = 0; i < 40; i++)
        assert_int_equal(probe(&t, 0, i)->id, i);
    assert_int_equal(probe(&t, 1, 100)->id, 100);
    assert_int_equal(probe(&t, 1, 5)->id, 5);
    assert_int_equal(probe(&t, 0, 100)->id, 100);
    assert_null(probe(&t, 0, 41));
    assert_null(probe(&t, 2, 5));
    assert_int_equal(t.index.count, 41);
    flow_lookup_table_free(&t);
}

static void test_big_string(void **state)
{
    (void)state;
    /* A string bigger than a chunk gets a chunk of its own. */
    FlowLookupTable t = { 0 };
    size_t len = 300 * 1024;
    char *big = malloc(len + 1);
    memset(big, 'q', len);
    big[len] = '\0';
    Row *r = put(&t, 5, 5, big);
    put(&t, 6, 6, "after");
    assert_int_equal(r->name.len, (int64_t)len);
    assert_int_equal(r->name.ptr[len - 1], 'q');
    assert_true(flow_str_eq(probe(&t, 6, 6)->name, (FlowStr){ "after", 5 }));
    free(big);
    flow_lookup_table_free(&t);
}

/* ---- flow_main: tables load before the stream -------------------------------------
 * schema Row { id : int64, name : string }; source ids : Id;
 * table names : Row key id; stream out = ids | lookup names on id == names.id
 *   | select id, name; */

typedef struct Id {
    int64_t id;
} Id;

static const char *const row_names[] = { "id", "name" };
static const FlowType row_types[] = { FLOW_INT64, FLOW_STRING };
static const char *const id_names[] = { "id" };
static const FlowType id_types[] = { FLOW_INT64 };

static bool load_names(FlowRuntime *rt, const FlowField *fields)
{
    Row rec;
    const char *why = flow_field_int64(&fields[0], &rec.id);
    if (!why)
        why = flow_field_string(&fields[1], &rec.name);
    if (why) {
        flow_record_error(rt, "id", why);
        return false;
    }
    FlowLookupTable *t = flow_lookup_table(rt, 0);
    Row *row = flow_lookup_table_put(t, (uint64_t)flow_hash_i64(rec.id), row_match, &rec,
                                     sizeof *row);
    rec.name = flow_lookup_table_keep(t, rec.name);
    *row = rec;
    return true;
}

static bool decode_ids(FlowRuntime *rt, const FlowField *fields)
{
    Id rec;
    const char *why = flow_field_int64(&fields[0], &rec.id);
    if (why) {
        flow_record_error(rt, "id", why);
        return false;
    }
    const Row *row = probe(flow_lookup_table(rt, 0), (uint64_t)flow_hash_i64(rec.id), rec.id);
    if (!row)
        return true;
    FlowSink *sink = flow_sink(rt, 0);
    flow_sink_begin(sink);
    flow_sink_int64(sink, rec.id);
    flow_sink_string(sink, row->name);
    flow_sink_end(sink);
    return true;
}

static FlowConnArg table_args[4];
static FlowConnArg ids_args[2];
static FlowConnArg sink_args[1] = { { "format", "csv", NULL } };
static FlowSourceDef ids_def, table_def;
static FlowSinkDef sink_def;
static FlowProgram program;

static void make_program(const char *ids_path, const char *table_path, bool fail)
{
    ids_args[0] = (FlowConnArg){ "path", ids_path, NULL };
    ids_args[1] = (FlowConnArg){ "format", "csv", NULL };
    table_args[0] = (FlowConnArg){ "path", table_path, NULL };
    table_args[1] = (FlowConnArg){ "format", "csv", NULL };
    table_args[2] = (FlowConnArg){ "on_error", "fail", NULL };
    ids_def = (FlowSourceDef){ .name = "ids", .conn = { "file", ids_args, 2, "t.flow:3:1" },
                               .field_names = id_names, .field_types = id_types, .nfields = 1,
                               .event_time_field = -1, .decode = decode_ids };
    table_def = (FlowSourceDef){ .name = "names",
                                 .conn = { "file", table_args, fail ? 3 : 2, "t.flow:4:1" },
                                 .field_names = row_names, .field_types = row_types,
                                 .nfields = 2, .event_time_field = -1, .decode = load_names };
    sink_def = (FlowSinkDef){ .stream = "out", .conn = { "stdout", sink_args, 1, "t.flow:6:1" },
                              .field_names = row_names, .field_types = row_types, .nfields = 2 };
    program = (FlowProgram){ .name = "tprog", .flow_file = "t.flow", .flowc_version = "0.1.0",
                             .sources = &ids_def, .nsources = 1, .sinks = &sink_def,
                             .nsinks = 1, .tables = &table_def, .ntables = 1 };
}

static int run(char **err, char **out, const char *arg)
{
    char *argv[] = { "tprog", (char *)arg, NULL };
    Capture ce, co;
    capture_begin(&ce, 2);
    capture_begin(&co, 1);
    int status = flow_main(&program, arg ? 2 : 1, argv);
    *out = capture_end(&co);
    *err = capture_end(&ce);
    return status;
}

static void assert_contains(const char *text, const char *part)
{
    if (!strstr(text, part))
        fail_msg("expected \"%s\" in:\n%s", part, text);
}

static void test_load_then_stream(void **state)
{
    (void)state;
    const char *table = test_path("names.csv"), *ids = test_path("ids.csv");
    const char *rows = "id,name\n1,ann\n2,bob\nx,bad\n1,\"ann, again\"\n";
    write_file(table, rows, strlen(rows));
    write_file(ids, "id\n1\n3\n2\n", 9);
    make_program(ids, table, false);
    char *err, *out;
    assert_int_equal(run(&err, &out, "--stats=100"), 0);
    assert_string_equal(out, "id,name\n1,\"ann, again\"\n2,bob\n");
    assert_contains(err, "tprog: bad record in table 'names' at ");
    assert_contains(err, "names.csv:4: field 'id': not an int64: \"x\"\n");
    assert_contains(err, "tprog: table names loaded in ");
    assert_contains(err, ": 3 rows, 2 keys, 1 bad\n");
    assert_contains(err, "3 records read");
    assert_contains(err, "1 bad\n");
    assert_contains(err, "names.csv): 3 rows loaded, 2 keys, 1 bad\n");
    free(err);
    free(out);
}

static void test_on_error_fail_stops_before_streams(void **state)
{
    (void)state;
    const char *table = test_path("names2.csv"), *ids = test_path("ids2.csv");
    write_file(table, "id,name\n1,ann\n2\n", 16);
    write_file(ids, "id\n1\n", 5);
    make_program(ids, table, true);
    char *err, *out;
    assert_int_equal(run(&err, &out, NULL), 1);
    assert_string_equal(out, ""); /* the sink never opened: no header */
    assert_contains(err, "names2.csv:3: expected 2 fields, found 1\n");
    assert_contains(err, "tprog: stopping: table 'names' has on_error=\"fail\"\n");
    free(err);
    free(out);
}

static void test_missing_table_file(void **state)
{
    (void)state;
    make_program(test_path("ids3.csv"), test_path("no-such-table.csv"), false);
    char *err, *out;
    assert_int_equal(run(&err, &out, NULL), 1);
    assert_string_equal(out, "");
    assert_contains(err, "no-such-table.csv");
    free(err);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_stay_put),
        cmocka_unit_test(test_last_row_wins),
        cmocka_unit_test(test_hash_collisions_and_zero),
        cmocka_unit_test(test_big_string),
        cmocka_unit_test(test_load_then_stream),
        cmocka_unit_test(test_on_error_fail_stops_before_streams),
        cmocka_unit_test(test_missing_table_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
