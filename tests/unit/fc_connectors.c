/* fc_connectors.c: the connector table (compiler/connectors.c): its rows
 * agree with themselves, the link flags `flowc build` adds for a program
 * (none for file, stdin, stdout and generator; the row's library for
 * kafka, postgres and the RocksDB backend, as if they were compiled), and
 * the package files name the same pkg-config modules as the rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "connectors.h"
#include "parse.h"

/* Parses `src` (it need not check: link flags come from the tree alone). */
static Program *parse(Arena *a, const char *src)
{
    Diag d;
    diag_init(&d, "t.flow", src, strlen(src), stderr);
    Program *prog = parse_program(a, &d, src, strlen(src));
    assert_non_null(prog);
    assert_int_equal(d.errors, 0);
    return prog;
}

/* `src` parsed and checked (the checker marks what a program uses). */
static Program *checked(Arena *a, const char *src)
{
    Program *prog = parse(a, src);
    Diag d;
    diag_init(&d, "t.flow", src, strlen(src), stderr);
    assert_true(check_program(a, &d, prog));
    return prog;
}

/* The flags as one string, "" for none. */
static const char *joined(Arena *a, const char **flags)
{
    const char *s = "";
    for (int i = 0; flags[i]; i++)
        s = arena_printf(a, "%s%s%s", s, i ? " " : "", flags[i]);
    return s;
}

static void test_rows(void **state)
{
    (void)state;
    Arena *a = arena_new();
    const char **names = connector_names(a);
    int n = 0;
    for (; names[n]; n++) {
        const ConnectorDef *def = connector_find(names[n]);
        assert_non_null(def);
        assert_non_null(def->kind);
        assert_true(def->roles != 0);
        /* Compiled only where Flow allows it. */
        assert_int_equal(def->compiled & ~def->roles, 0);
        /* The positional and path arguments are arguments of the row. */
        const char *keys[] = { def->positional, def->path };
        for (int k = 0; k < 2; k++) {
            bool found = keys[k] == NULL;
            for (const ArgSpec *as = def->args; as->key && !found; as++)
                found = strcmp(as->key, keys[k]) == 0;
            assert_true(found);
        }
    }
    assert_int_equal(n, 7);
    assert_null(connector_find("fil"));
    assert_string_equal(connectors_compiled_text(a, 0, ", ", ", "),
                        "file, stdin, stdout, generator, nexmark, kafka, postgres");
    assert_string_equal(connectors_compiled_text(a, ROLE_TABLE, ", ", " or "),
                        "file, stdin, kafka or postgres");
    arena_free(a);
}

static void test_file_program_links_nothing_more(void **state)
{
    (void)state;
    Arena *a = arena_new();
    Program *prog = parse(a, "schema T { a : int64 }\n"
                             "source s : T from file(\"in.csv\");\n"
                             "source i : T from stdin();\n"
                             "source g : T from generator(count = 3);\n"
                             "table t : T from file(\"t.csv\") key a;\n"
                             "sink s to file(\"out.csv\");\n"
                             "sink i to stdout();\n"
                             "config { state memory; }\n");
    assert_string_equal(joined(a, connectors_link_flags(a, prog)), "");
    arena_free(a);
}

static void test_kafka_postgres_rocksdb_flags(void **state)
{
    (void)state;
    Arena *a = arena_new();
    /* A kafka row as it will be once compiled: the flags follow the row's
     * library, not its availability. */
    ConnectorDef kafka = *connector_find("kafka");
    kafka.compiled = ROLE_SOURCE | ROLE_TABLE | ROLE_SINK;
    const ConnectorDef *file = connector_find("file");
    const ConnectorDef *postgres = connector_find("postgres");
    assert_string_equal(joined(a, connectors_link_flags_of(
                                      a, (const ConnectorDef *[]){ &kafka, file, &kafka, NULL },
                                      false, false)),
                        "-lrdkafka");
    assert_string_equal(joined(a, connectors_link_flags_of(
                                      a, (const ConnectorDef *[]){ file, NULL }, false, false)),
                        "");
    assert_string_equal(joined(a, connectors_link_flags_of(
                                      a, (const ConnectorDef *[]){ postgres, &kafka, NULL },
                                      true, true)),
                        "-lpq -lrdkafka -lrocksdb -lpcre2-8");

    /* And from a program's declarations, each library once. */
    Program *prog = parse(a, "schema T { a : int64 }\n"
                             "source k : T from kafka(brokers = \"b\", topic = \"t\");\n"
                             "source f : T from file(\"in.csv\");\n"
                             "sink k to kafka(brokers = \"b\", topic = \"u\");\n"
                             "sink f to stdout();\n"
                             "config { state rocksdb \"/tmp/state\"; }\n");
    assert_string_equal(joined(a, connectors_link_flags(a, prog)), "-lrdkafka -lrocksdb");
    arena_free(a);
}

/* A program links PCRE2 when it calls a regexp_ function, and only then:
 * LIKE and the other string functions need nothing but libflowrt. */
static void test_regex_flags(void **state)
{
    (void)state;
    Arena *a = arena_new();
    const char *head = "schema T { s : string }\n"
                       "source f : T from file(\"in.csv\");\n";
    Program *plain = checked(a, arena_printf(a, "%sstream o = f | where s like \"a%%\" and "
                                              "trim(s) != \"\";\nsink o to stdout();\n", head));
    assert_string_equal(joined(a, connectors_link_flags(a, plain)), "");
    Program *regex = checked(a, arena_printf(a, "%sstream o = f | select t = regexp_replace(s, "
                                              "\"a+\", \"b\");\nsink o to stdout();\n", head));
    assert_string_equal(joined(a, connectors_link_flags(a, regex)), "-lpcre2-8");
    arena_free(a);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("cannot read %s", path);
    char *text = calloc(1, 1 << 16);
    assert_non_null(text);
    size_t n = fread(text, 1, (1 << 16) - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* flowrt.pc.in and FlowcConfig.cmake cannot read the C table: they name
 * each connector's pkg-config module themselves, and this keeps them in
 * step with the rows. */
static void test_packages_name_the_rows_modules(void **state)
{
    (void)state;
    Arena *a = arena_new();
    char *pc = slurp(FLOW_SOURCE_DIR "/cmake/flowrt.pc.in");
    char *config = slurp(FLOW_SOURCE_DIR "/cmake/FlowcConfig.cmake");
    const char **names = connector_names(a);
    for (int i = 0; names[i]; i++) {
        const ConnectorDef *def = connector_find(names[i]);
        const char *pc_line = arena_printf(a, "\nrequires_%s=%s\n", def->name,
                                           def->lib ? def->lib->pkg : "");
        const char *cmake_word = arena_printf(a, " %s=%s", def->name, def->lib ? def->lib->pkg : "");
        if (!strstr(pc, pc_line))
            fail_msg("cmake/flowrt.pc.in lacks the line '%s'", pc_line + 1);
        if (def->lib && !strstr(config, cmake_word))
            fail_msg("cmake/FlowcConfig.cmake lacks '%s' in FLOWC_CONNECTOR_MODULES", cmake_word + 1);
    }
    if (!strstr(pc, "\nrequires_rocksdb=rocksdb\n") || !strstr(config, " rocksdb=rocksdb"))
        fail_msg("the package files do not name the RocksDB backend's module");
    if (!strstr(pc, "\nrequires_regex=libpcre2-8\n") || !strstr(config, " regex=libpcre2-8"))
        fail_msg("the package files do not name PCRE2's module (regexp_ functions)");
    free(pc);
    free(config);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_file_program_links_nothing_more),
        cmocka_unit_test(test_kafka_postgres_rocksdb_flags),
        cmocka_unit_test(test_regex_flags),
        cmocka_unit_test(test_packages_name_the_rows_modules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
