/* rt_table.c: lookup tables (flow/table.h): rows found after the index grew,
 * a key read again replacing its row in place, strings copied into the
 * table, the inline probes the generated code writes (control bytes,
 * colliding hashes, string keys); and tables loaded by flow_main before the streams start, on a
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

static uint64_t id_hash(const void *row)
{
    return (uint64_t)flow_hash_i64(((const Row *)row)->id);
}

/* Every key in one probe run, with one control byte. */
static uint64_t zero_hash(const void *row)
{
    (void)row;
    return 0;
}

static bool same_id(const void *row, const void *other)
{
    return ((const Row *)row)->id == ((const Row *)other)->id;
}

static const FlowLookupKey by_id = { sizeof(Row), id_hash, same_id };
static const FlowLookupKey by_id_colliding = { sizeof(Row), zero_hash, same_id };

/* What the generated probe does for an integer key, inline. */
static const Row *probe(const FlowLookupTable *t, uint64_t h, int64_t id)
{
    uint64_t mask = (uint64_t)t->cap - 1;
    uint8_t ctrl = flow_lookup_ctrl(h);
    for (uint64_t i = h & mask; t->cap && t->ctrl[i]; i = (i + 1) & mask)
        if (t->ctrl[i] == ctrl && ((const Row *)t->rows + i)->id == id)
            return (const Row *)t->rows + i;
    return NULL;
}

static Row *put(FlowLookupTable *t, const FlowLookupKey *key, int64_t id, const char *name)
{
    Row rec = { id, { name, (int64_t)strlen(name) } };
    Row *row = flow_lookup_table_put(t, key, &rec);
    rec.name = flow_lookup_table_keep(t, rec.name);
    *row = rec;
    return row;
}

static void test_many_rows(void **state)
{
    (void)state;
    FlowLookupTable t = { 0 };
    assert_null(probe(&t, 7, 7)); /* an empty table has no index yet */
    enum { N = 50000 };
    char name[32];
    for (int64_t i = 0; i < N; i++) {
        snprintf(name, sizeof name, "n%lld", (long long)i);
        put(&t, &by_id, i, name);
    }
    assert_int_equal(t.loaded, N);
    assert_int_equal(t.replaced, 0);
    assert_int_equal(t.count, N);
    assert_true(t.count * 2 <= t.cap);
    for (int64_t i = 0; i < N; i += 997) {
        const Row *r = probe(&t, (uint64_t)flow_hash_i64(i), i);
        assert_non_null(r); /* found after the index grew and moved its rows */
        snprintf(name, sizeof name, "n%lld", (long long)i);
        assert_true(flow_str_eq(r->name, (FlowStr){ name, (int64_t)strlen(name) }));
    }
    assert_null(probe(&t, (uint64_t)flow_hash_i64(N), N));
    flow_lookup_table_free(&t);
    assert_null(t.chunks);
    assert_null(t.rows);
}

static void test_last_row_wins(void **state)
{
    (void)state;
    FlowLookupTable t = { 0 };
    char buf[16] = "first";
    Row *a = put(&t, &by_id, 1, buf);
    put(&t, &by_id, 2, "other");
    strcpy(buf, "XXXXX"); /* the table kept its own copy */
    assert_true(flow_str_eq(probe(&t, (uint64_t)flow_hash_i64(1), 1)->name,
                            (FlowStr){ "first", 5 }));
    Row *b = put(&t, &by_id, 1, "second");
    assert_ptr_equal(a, b); /* replaced in place (no growth in between) */
    assert_true(flow_str_eq(probe(&t, (uint64_t)flow_hash_i64(1), 1)->name,
                            (FlowStr){ "second", 6 }));
    Row *c = put(&t, &by_id, 1, "");
    assert_ptr_equal(a, c);
    assert_int_equal(c->name.len, 0);
    assert_int_equal(t.loaded, 4);
    assert_int_equal(t.replaced, 2);
    assert_int_equal(t.count, 2);
    flow_lookup_table_free(&t);
}

static void test_colliding_hashes(void **state)
{
    (void)state;
    /* Keys of one hash (and control byte) are told apart by the keys, also
     * across growth (which places rows by the key's hash again). */
    FlowLookupTable t = { 0 };
    for (int64_t i = 0; i < 40; i++)
        put(&t, &by_id_colliding, i * 3, "x");
    put(&t, &by_id_colliding, 3, "again");
    for (int64_t i = 0; i < 40; i++)
        assert_int_equal(probe(&t, 0, i * 3)->id, i * 3);
    assert_true(flow_str_eq(probe(&t, 0, 3)->name, (FlowStr){ "again", 5 }));
    assert_null(probe(&t, 0, 1));
    assert_null(probe(&t, 0, 120));
    assert_int_equal(t.count, 40);
    flow_lookup_table_free(&t);
}

/* A string key, with hashes that collide a lot. */
typedef struct Named {
    FlowStr name;
    int64_t v;
} Named;

static uint64_t name_hash(const void *row)
{
    return (uint64_t)flow_hash_str(((const Named *)row)->name) % 4;
}

static bool same_name(const void *row, const void *other)
{
    return flow_str_eq(((const Named *)row)->name, ((const Named *)other)->name);
}

static const FlowLookupKey by_name = { sizeof(Named), name_hash, same_name };

static void test_string_key(void **state)
{
    (void)state;
    FlowLookupTable t = { 0 };
    char name[16];
    for (int64_t i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "k%lld", (long long)(i % 60));
        Named rec = { { name, (int64_t)strlen(name) }, i };
        Named *row = flow_lookup_table_put(&t, &by_name, &rec);
        rec.name = flow_lookup_table_keep(&t, rec.name);
        *row = rec;
    }
    assert_int_equal(t.count, 60);
    assert_int_equal(t.replaced, 40);
    for (int64_t i = 0; i < 60; i++) {
        snprintf(name, sizeof name, "k%lld", (long long)i);
        Named key = { { name, (int64_t)strlen(name) }, 0 };
        uint64_t h = name_hash(&key), mask = (uint64_t)t.cap - 1;
        const Named *found = NULL;
        for (uint64_t s = h & mask; t.ctrl[s] && !found; s = (s + 1) & mask)
            if (t.ctrl[s] == flow_lookup_ctrl(h) && same_name((const Named *)t.rows + s, &key))
                found = (const Named *)t.rows + s;
        assert_non_null(found);
        assert_int_equal(found->v, i < 40 ? i + 60 : i); /* the last row of the key */
    }
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
    put(&t, &by_id, 5, big);
    put(&t, &by_id, 6, "after");
    const Row *r = probe(&t, (uint64_t)flow_hash_i64(5), 5);
    assert_int_equal(r->name.len, (int64_t)len);
    assert_int_equal(r->name.ptr[len - 1], 'q');
    assert_true(flow_str_eq(probe(&t, (uint64_t)flow_hash_i64(6), 6)->name,
                            (FlowStr){ "after", 5 }));
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
    Row *row = flow_lookup_table_put(t, &by_id, &rec);
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
    ids_def = (FlowSourceDef){ .name = "ids", .conn = { "file", ids_args, 2, "t.flow:3:1", NULL },
                               .field_names = id_names, .field_types = id_types, .nfields = 1,
                               .event_time_field = -1, .decode = decode_ids };
    table_def = (FlowSourceDef){ .name = "names",
                                 .conn = { "file", table_args, fail ? 3 : 2, "t.flow:4:1", NULL },
                                 .field_names = row_names, .field_types = row_types,
                                 .nfields = 2, .event_time_field = -1, .decode = load_names };
    sink_def = (FlowSinkDef){ .stream = "out", .conn = { "stdout", sink_args, 1, "t.flow:6:1", NULL },
                              .field_names = row_names, .field_types = row_types, .nfields = 2 };
    program = (FlowProgram){ .abi_version = FLOW_ABI_VERSION, .name = "tprog",
                             .flow_file = "t.flow", .flowc_version = "0.1.0", .sources = &ids_def, .nsources = 1, .sinks = &sink_def,
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
        cmocka_unit_test(test_many_rows),
        cmocka_unit_test(test_last_row_wins),
        cmocka_unit_test(test_colliding_hashes),
        cmocka_unit_test(test_string_key),
        cmocka_unit_test(test_big_string),
        cmocka_unit_test(test_load_then_stream),
        cmocka_unit_test(test_on_error_fail_stops_before_streams),
        cmocka_unit_test(test_missing_table_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
