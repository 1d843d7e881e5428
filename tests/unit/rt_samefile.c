/* rt_samefile.c: the start-up check that no sink writes a file another
 * sink writes or a source or table reads (runtime/src/samefile.c): the same
 * file through a param, a hard link, a symbolic link and "./"; a sink file
 * that does not exist yet, twice; devices and different files are fine;
 * the message names both connectors and nothing is created or emptied. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "rt_testutil.h"
#include "samefile.h"

static const char *const names[] = { "id" };
static const FlowType types[] = { FLOW_INT64 };

/* A source, a table and two sinks, each a file whose path is a param. */
static const FlowConnArg source_args[] = { { "path", NULL, "in" } };
static const FlowConnArg table_args[] = { { "path", NULL, "tab" } };
static const FlowConnArg sink1_args[] = { { "path", NULL, "out1" }, { "format", "csv", NULL } };
static const FlowConnArg sink2_args[] = { { "path", NULL, "out2" } };

static const FlowSourceDef sources[] = {
    { .name = "orders", .conn = { "file", source_args, 1, "t.flow:4:19", NULL },
      .field_names = names, .field_types = types, .nfields = 1, .event_time_field = -1 },
};
static const FlowSourceDef tables[] = {
    { .name = "prices", .conn = { "file", table_args, 1, "t.flow:5:19", NULL },
      .field_names = names, .field_types = types, .nfields = 1, .event_time_field = -1 },
};
static const FlowSinkDef sinks[] = {
    { .stream = "big", .conn = { "file", sink1_args, 2, "t.flow:8:13", NULL },
      .field_names = names, .field_types = types, .nfields = 1 },
    { .stream = "all", .conn = { "file", sink2_args, 1, "t.flow:9:13", NULL },
      .field_names = names, .field_types = types, .nfields = 1 },
};
static const FlowProgram program = {
    .name = "tprog", .flow_file = "t.flow", .sources = sources, .nsources = 1,
    .tables = tables, .ntables = 1, .sinks = sinks, .nsinks = 2,
};

/* Runs the check with the four paths (relative to the test directory, the
 * working directory); returns whether it passed and what it printed. */
static bool check(const char *in, const char *tab, const char *out1, const char *out2,
                  char **err)
{
    static const char *const pnames[] = { "in", "tab", "out1", "out2" };
    const char *texts[] = { in, tab, out1, out2 };
    FlowRuntime rt;
    flowrt_runtime_init(&rt, &program);
    rt.params = (ParamValues){ 4, pnames, texts };
    Capture c;
    capture_begin(&c, 2);
    bool ok = flowrt_check_same_files(&rt);
    *err = capture_end(&c);
    assert_int_equal(ok, !rt.failed);
    flowrt_runtime_free(&rt);
    return ok;
}

static int setup(void **state)
{
    (void)state;
    if (chdir(test_dir()) != 0)
        return -1;
    write_file("in.csv", "id\n1\n", 5);
    write_file("tab.csv", "id\n2\n", 5);
    return 0;
}

static void assert_contains(const char *text, const char *part)
{
    if (!strstr(text, part))
        fail_msg("expected \"%s\" in:\n%s", part, text);
}

static void test_different_files_pass(void **state)
{
    (void)state;
    char *err;
    assert_true(check("in.csv", "tab.csv", "out/a.csv", "out/b.csv", &err));
    assert_string_equal(err, "");
    free(err);
    /* Devices are shared, and are never an input's file. */
    assert_true(check("in.csv", "tab.csv", "/dev/null", "/dev/null", &err));
    assert_string_equal(err, "");
    free(err);
}

static void test_sink_over_an_input(void **state)
{
    (void)state;
    char *err;
    assert_false(check("in.csv", "tab.csv", "./in.csv", "b.csv", &err));
    assert_string_equal(err, "tprog: t.flow:8:13: sink 'big' would write './in.csv', the same "
                             "file that source 'orders' (t.flow:4:19) reads as 'in.csv'; "
                             "nothing was read or written\n");
    free(err);
    assert_false(check("in.csv", "tab.csv", "a.csv", "tab.csv", &err));
    assert_contains(err, "sink 'all' would write 'tab.csv', the same file that table 'prices' "
                         "(t.flow:5:19) reads as 'tab.csv'");
    free(err);

    /* The same inode under another name. */
    assert_int_equal(link("in.csv", "hard.csv"), 0);
    assert_int_equal(symlink("in.csv", "soft.csv"), 0);
    assert_false(check("in.csv", "tab.csv", "hard.csv", "b.csv", &err));
    assert_contains(err, "sink 'big' would write 'hard.csv'");
    free(err);
    assert_false(check("soft.csv", "tab.csv", "a.csv", "in.csv", &err));
    assert_contains(err, "sink 'all' would write 'in.csv', the same file that source 'orders' "
                         "(t.flow:4:19) reads as 'soft.csv'");
    free(err);
    char *kept = read_file("in.csv");
    assert_string_equal(kept, "id\n1\n");
    free(kept);
}

static void test_two_sinks(void **state)
{
    (void)state;
    char *err;
    /* Not there yet: the paths, made absolute and normalised, are compared. */
    char abs[600];
    snprintf(abs, sizeof abs, "%s/new//x.csv", test_dir());
    assert_false(check("in.csv", "tab.csv", "new/./x.csv", abs, &err));
    assert_contains(err, "t.flow:9:13: sink 'all' would write '");
    assert_contains(err, "the same file that sink 'big' (t.flow:8:13) writes as 'new/./x.csv'");
    free(err);
    assert_int_equal(access("new", F_OK), -1);
    /* There already: its device and inode. */
    write_file("old.csv", "kept\n", 5);
    assert_false(check("in.csv", "tab.csv", "old.csv", "./old.csv", &err));
    assert_contains(err, "sink 'all' would write './old.csv', the same file that sink 'big'");
    free(err);
    char *kept = read_file("old.csv");
    assert_string_equal(kept, "kept\n");
    free(kept);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_different_files_pass),
        cmocka_unit_test(test_sink_over_an_input),
        cmocka_unit_test(test_two_sinks),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
