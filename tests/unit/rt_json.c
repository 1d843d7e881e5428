/* rt_json.c: the JSON-lines record parser: member matching, escapes and
 * unicode, skipping of unknown members, malformed lines with reasons. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

static const char *const names[] = { "id", "name", "ts", "ok" };
static JsonParser jp;
static FlowField fields[4];

static int setup(void **state)
{
    (void)state;
    flowrt_json_init(&jp, names, 4);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    flowrt_json_free(&jp);
    return 0;
}

static JsonStatus parse(const char *line, const char **reason)
{
    *reason = NULL;
    return flowrt_json_parse_line(&jp, line, strlen(line), fields, reason);
}

static void assert_field(int i, FlowFieldKind kind, const char *text)
{
    assert_int_equal(fields[i].kind, kind);
    assert_int_equal(fields[i].len, strlen(text));
    assert_memory_equal(fields[i].ptr, text, strlen(text));
}

static void test_members(void **state)
{
    (void)state;
    const char *why;
    assert_int_equal(parse("{\"id\": 42, \"name\": \"ann\", \"ts\": \"2024-03-01T00:00:00Z\", "
                           "\"ok\": true}",
                           &why),
                     JSON_RECORD);
    assert_field(0, FLOW_FIELD_NUMBER, "42");
    assert_field(1, FLOW_FIELD_STRING, "ann");
    assert_field(2, FLOW_FIELD_STRING, "2024-03-01T00:00:00Z");
    assert_field(3, FLOW_FIELD_TRUE, "true");
    /* Any order, unknown members skipped, absent ones missing. */
    assert_int_equal(parse(" {\"extra\":{\"a\":[1,{\"b\":\"}\"}],\"c\":null},\"ok\":false,"
                           "\"id\":-1.5e3, \"more\":[[],[[]]]}\t",
                           &why),
                     JSON_RECORD);
    assert_field(0, FLOW_FIELD_NUMBER, "-1.5e3");
    assert_int_equal(fields[1].kind, FLOW_FIELD_MISSING);
    assert_int_equal(fields[2].kind, FLOW_FIELD_MISSING);
    assert_field(3, FLOW_FIELD_FALSE, "false");
    /* Null and nested values of known members are kept as such. */
    assert_int_equal(parse("{\"id\":null,\"name\":[1, 2],\"ts\":{\"x\":1}}", &why), JSON_RECORD);
    assert_int_equal(fields[0].kind, FLOW_FIELD_NULL);
    assert_field(1, FLOW_FIELD_OTHER, "[1, 2]");
    assert_field(2, FLOW_FIELD_OTHER, "{\"x\":1}");
    /* The last of duplicate members wins. */
    assert_int_equal(parse("{\"id\":1,\"id\":2}", &why), JSON_RECORD);
    assert_field(0, FLOW_FIELD_NUMBER, "2");
    assert_int_equal(parse("{}", &why), JSON_RECORD);
    assert_int_equal(fields[0].kind, FLOW_FIELD_MISSING);
    assert_int_equal(parse("   ", &why), JSON_BLANK);
    assert_int_equal(parse("", &why), JSON_BLANK);
    assert_int_equal(parse("{\"id\":1}\r", &why), JSON_RECORD);
}

static void test_escapes(void **state)
{
    (void)state;
    const char *why;
    assert_int_equal(parse("{\"name\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"}", &why), JSON_RECORD);
    assert_field(1, FLOW_FIELD_STRING, "a\"b\\c/d\b\f\n\r\t");
    assert_int_equal(parse("{\"name\":\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\"}", &why),
                     JSON_RECORD);
    assert_field(1, FLOW_FIELD_STRING, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    /* \u0000 is a byte like any other in a FlowStr. */
    assert_int_equal(parse("{\"name\":\"a\\u0000b\"}", &why), JSON_RECORD);
    assert_int_equal(fields[1].len, 3);
    assert_memory_equal(fields[1].ptr, "a\0b", 3);
    /* UTF-8 passes through; escaped member names match. */
    assert_int_equal(parse("{\"n\\u0061me\":\"h\xC3\xA9\",\"id\":\"\\\"x\\\"\"}", &why),
                     JSON_RECORD);
    assert_field(1, FLOW_FIELD_STRING, "h\xC3\xA9");
    assert_field(0, FLOW_FIELD_STRING, "\"x\"");
}

static void check_bad(const char *line, const char *want)
{
    const char *why;
    assert_int_equal(parse(line, &why), JSON_BAD);
    assert_string_equal(why, want);
}

static void test_malformed(void **state)
{
    (void)state;
    check_bad("[1]", "bad JSON at column 1: expected an object");
    check_bad("42", "bad JSON at column 1: expected an object");
    check_bad("{\"id\" 1}", "bad JSON at column 7: expected ':' after a member name");
    check_bad("{\"id\":1,}", "bad JSON at column 9: expected a member name");
    check_bad("{\"id\":1", "bad JSON at column 8: expected ',' or '}'");
    check_bad("{\"id\":1} x", "bad JSON at column 10: text after the object");
    check_bad("{\"id\":01}", "bad JSON at column 8: expected ',' or '}'");
    check_bad("{\"id\":1.}", "bad JSON at column 9: invalid number");
    check_bad("{\"id\":-}", "bad JSON at column 8: invalid number");
    check_bad("{\"id\":1e}", "bad JSON at column 9: invalid number");
    check_bad("{\"id\":tru}", "bad JSON at column 7: invalid literal");
    check_bad("{\"id\":nul", "bad JSON at column 7: invalid literal");
    check_bad("{\"id\":'x'}", "bad JSON at column 7: expected a value");
    check_bad("{\"id\":}", "bad JSON at column 7: expected a value");
    check_bad("{\"name\":\"abc", "bad JSON at column 13: unterminated string");
    check_bad("{\"name\":\"a\tb\"}", "bad JSON at column 11: control character in a string");
    check_bad("{\"name\":\"\\x\"}", "bad JSON at column 10: invalid escape in a string");
    check_bad("{\"name\":\"\\u12G4\"}", "bad JSON at column 10: invalid \\u escape");
    check_bad("{\"name\":\"\\ud83d\"}", "bad JSON at column 10: unpaired surrogate in a \\u escape");
    check_bad("{\"name\":\"\\ude00x\"}",
              "bad JSON at column 10: unpaired surrogate in a \\u escape");
    check_bad("{\"x\":[1,2}", "bad JSON at column 10: expected ',' or ']'");
    check_bad("{\"x\":{\"a\" 1}}", "bad JSON at column 11: expected ':' after a member name");
    check_bad("{\"name\":\"a\\", "bad JSON at column 11: unterminated string");
}

static void test_deep_nesting(void **state)
{
    (void)state;
    size_t depth = 100000;
    char *line = malloc(depth * 2 + 16);
    size_t o = (size_t)sprintf(line, "{\"x\":");
    for (size_t i = 0; i < depth; i++)
        line[o++] = '[';
    for (size_t i = 0; i < depth; i++)
        line[o++] = ']';
    line[o++] = '}';
    line[o] = '\0';
    const char *why;
    assert_int_equal(parse(line, &why), JSON_BAD);
    assert_non_null(strstr(why, "nesting too deep"));
    /* Moderate nesting is fine. */
    o = (size_t)sprintf(line, "{\"x\":");
    for (size_t i = 0; i < 100; i++)
        line[o++] = '[';
    for (size_t i = 0; i < 100; i++)
        line[o++] = ']';
    line[o++] = '}';
    line[o] = '\0';
    assert_int_equal(parse(line, &why), JSON_RECORD);
    free(line);
}

/* Paths into nested objects: followed where the schema names them, whatever
 * the order; other members, and members of the wrong shape, skipped. */
static void test_paths(void **state)
{
    (void)state;
    static const char *const paths[] = { "meta.device.id", "meta.device", "id", "meta.tags",
                                         "user-name" };
    JsonParser p;
    FlowField f[5];
    const char *why = NULL;
    flowrt_json_init(&p, paths, 5);
    const char *line = "{\"meta\": {\"x\": {\"id\": 1}, \"tags\": [1, 2], "
                       "\"device\": {\"kind\": \"a\", \"id\": \"d-7\"}}, \"id\": 3, "
                       "\"user-name\": \"ann\", \"device\": {\"id\": \"top\"}}";
    assert_int_equal(flowrt_json_parse_line(&p, line, strlen(line), f, &why), JSON_RECORD);
    assert_int_equal(f[0].kind, FLOW_FIELD_STRING);
    assert_memory_equal(f[0].ptr, "d-7", 3);
    assert_int_equal(f[1].kind, FLOW_FIELD_OTHER); /* an object, as text */
    assert_memory_equal(f[1].ptr, "{\"kind\": \"a\", \"id\": \"d-7\"}", f[1].len);
    assert_int_equal(f[2].kind, FLOW_FIELD_NUMBER);
    assert_int_equal(f[3].kind, FLOW_FIELD_OTHER);
    assert_memory_equal(f[3].ptr, "[1, 2]", 6);
    assert_memory_equal(f[4].ptr, "ann", 3);
    /* A member on the path that is not an object: the field is missing. */
    line = "{\"meta\": {\"device\": \"flat\"}, \"id\": {\"a\": 1}}";
    assert_int_equal(flowrt_json_parse_line(&p, line, strlen(line), f, &why), JSON_RECORD);
    assert_int_equal(f[0].kind, FLOW_FIELD_MISSING);
    assert_int_equal(f[1].kind, FLOW_FIELD_STRING);
    assert_int_equal(f[2].kind, FLOW_FIELD_OTHER);
    assert_int_equal(f[3].kind, FLOW_FIELD_MISSING);
    line = "{\"meta\": null}";
    assert_int_equal(flowrt_json_parse_line(&p, line, strlen(line), f, &why), JSON_RECORD);
    assert_int_equal(f[0].kind, FLOW_FIELD_MISSING);
    /* A malformed nested object is still found. */
    line = "{\"meta\": {\"device\": {\"id\": \"x\",}}}";
    assert_int_equal(flowrt_json_parse_line(&p, line, strlen(line), f, &why), JSON_BAD);
    assert_non_null(strstr(why, "expected a member name"));
    flowrt_json_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_members),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_paths),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
