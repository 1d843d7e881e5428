/* rt_fn_string.c: the string functions of flow/fn_string.h at their edges:
 * empty strings, UTF-8 (positions and lengths in code points), negative and
 * huge numbers, LIKE's wildcards and escapes, and the regular expressions
 * compiled per run (a bad param pattern fails the start, a run's slots are
 * its own). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "flow/flow.h"
#include "rt.h"
#include "rt_fixture.h"
#include "rt_testutil.h"


#define assert_str(got, want)                                  \
    do {                                                       \
        FlowStr g_ = (got);                                    \
        const char *w_ = (want);                               \
        assert_int_equal(g_.len, strlen(w_));                  \
        if (g_.len)                                            \
            assert_memory_equal(g_.ptr, w_, strlen(w_));       \
    } while (0)

static void test_substring(void **state)
{
    (void)state;
    const char *err = NULL;
    assert_str(flow_str_substring(&err, S("hello"), 2, 3), "ell");
    assert_str(flow_str_substring(&err, S("hello"), 1, 100), "hello");
    /* PostgreSQL: positions before 1 still count. */
    assert_str(flow_str_substring(&err, S("hello"), 0, 3), "he");
    assert_str(flow_str_substring(&err, S("hello"), -2, 3), "");
    assert_str(flow_str_substring(&err, S("hello"), -2, 4), "h");
    assert_str(flow_str_substring(&err, S("hello"), 6, 1), "");
    assert_str(flow_str_substring(&err, S("hello"), 2, 0), "");
    assert_str(flow_str_substring(&err, S(""), 1, 1), "");
    assert_str(flow_str_substring(&err, S("héllo wörld"), 2, 4), "éllo");
    assert_str(flow_str_substring(&err, S("日本語"), 3, 1), "語");
    assert_str(flow_str_substring(&err, S("😀a"), 1, 1), "😀");
    assert_str(flow_str_substring(&err, S("hello"), INT64_MAX, INT64_MAX), "");
    assert_str(flow_str_substring(&err, S("hello"), INT64_MIN, INT64_MAX), "");
    assert_str(flow_str_substring(&err, S("hello"), 2, INT64_MAX), "ello");
    assert_null(err);
    assert_str(flow_str_substring(&err, S("hello"), 1, -1), "");
    assert_string_equal(err, "substring: negative length");
    assert_str(flow_str_substring_from(S("héllo"), 2), "éllo");
    assert_str(flow_str_substring_from(S("hello"), 0), "hello");
    assert_str(flow_str_substring_from(S("hello"), INT64_MIN), "hello");
    assert_str(flow_str_substring_from(S("hello"), 9), "");
}

static void test_replace(void **state)
{
    (void)state;
    assert_str(flow_str_replace(&rt, S("banana"), S("an"), S("AN")), "bANANa");
    assert_str(flow_str_replace(&rt, S("aaaa"), S("aa"), S("b")), "bb");
    assert_str(flow_str_replace(&rt, S("abc"), S(""), S("x")), "abc");
    assert_str(flow_str_replace(&rt, S("abc"), S("abc"), S("")), "");
    assert_str(flow_str_replace(&rt, S(""), S("a"), S("b")), "");
    assert_str(flow_str_replace(&rt, S("héllo"), S("é"), S("e")), "hello");
    assert_str(flow_str_replace(&rt, S("a.b.c"), S("."), S("::")), "a::b::c");
    assert_str(flow_str_replace(&rt, S("xyz"), S("q"), S("r")), "xyz");
}

static void test_trim(void **state)
{
    (void)state;
    assert_str(flow_str_trim(S("  a b  ")), "a b");
    assert_str(flow_str_ltrim(S("  a b  ")), "a b  ");
    assert_str(flow_str_rtrim(S("  a b  ")), "  a b");
    assert_str(flow_str_trim(S("    ")), "");
    assert_str(flow_str_trim(S("")), "");
    /* Spaces only, as SQL's default: tabs and newlines stay. */
    assert_str(flow_str_trim(S("\t a \n")), "\t a \n");
    assert_str(flow_str_trim(S(" é ")), "é");
}

static void test_split_part(void **state)
{
    (void)state;
    const char *err = NULL;
    assert_str(flow_str_split_part(&err, S("a,b,c"), S(","), 1), "a");
    assert_str(flow_str_split_part(&err, S("a,b,c"), S(","), 3), "c");
    assert_str(flow_str_split_part(&err, S("a,b,c"), S(","), 4), "");
    assert_str(flow_str_split_part(&err, S("a,b,c"), S(","), -1), "c");
    assert_str(flow_str_split_part(&err, S("a,b,c"), S(","), -3), "a");
    assert_str(flow_str_split_part(&err, S("a,b,c"), S(","), -4), "");
    assert_str(flow_str_split_part(&err, S("a,,c"), S(","), 2), "");
    assert_str(flow_str_split_part(&err, S("a::b"), S("::"), 2), "b");
    assert_str(flow_str_split_part(&err, S(""), S(","), 1), "");
    assert_str(flow_str_split_part(&err, S("abc"), S(""), 1), "abc");
    assert_str(flow_str_split_part(&err, S("abc"), S(""), -1), "abc");
    assert_str(flow_str_split_part(&err, S("abc"), S(""), 2), "");
    assert_str(flow_str_split_part(&err, S("日本→語"), S("→"), 2), "語");
    assert_str(flow_str_split_part(&err, S("a,b"), S(","), INT64_MIN), "");
    assert_null(err);
    assert_str(flow_str_split_part(&err, S("a,b"), S(","), 0), "");
    assert_string_equal(err, "split_part: field position must not be zero");
}

static void test_position(void **state)
{
    (void)state;
    assert_int_equal(flow_str_position(S("lo"), S("hello")), 4);
    assert_int_equal(flow_str_position(S("x"), S("hello")), 0);
    assert_int_equal(flow_str_position(S(""), S("hello")), 1);
    assert_int_equal(flow_str_position(S(""), S("")), 1);
    assert_int_equal(flow_str_position(S("a"), S("")), 0);
    assert_int_equal(flow_str_position(S("ö"), S("héllo wörld")), 8);
    assert_int_equal(flow_str_position(S("語"), S("日本語")), 3);
}

static void test_pad(void **state)
{
    (void)state;
    const char *err = NULL;
    assert_str(flow_str_lpad(&err, &rt, S("hi"), 5, S("xy")), "xyxhi");
    assert_str(flow_str_rpad(&err, &rt, S("hi"), 5, S("xy")), "hixyx");
    assert_str(flow_str_lpad(&err, &rt, S("hello"), 2, S("x")), "he");
    assert_str(flow_str_rpad(&err, &rt, S("hello"), 2, S("x")), "he");
    assert_str(flow_str_lpad(&err, &rt, S("hi"), 0, S("x")), "");
    assert_str(flow_str_lpad(&err, &rt, S("hi"), -5, S("x")), "");
    assert_str(flow_str_lpad(&err, &rt, S("hi"), 5, S("")), "hi");
    assert_str(flow_str_lpad(&err, &rt, S(""), 3, S("é")), "ééé");
    assert_str(flow_str_rpad(&err, &rt, S("日本"), 5, S("語a")), "日本語a語");
    assert_str(flow_str_lpad(&err, &rt, S("héllo"), 3, S("x")), "hél");
    assert_str(flow_str_lpad(&err, &rt, S("ab"), 2, S("x")), "ab");
    assert_null(err);
    assert_str(flow_str_lpad(&err, &rt, S("a"), INT64_MAX, S("x")), "");
    assert_non_null(err);
    assert_non_null(strstr(err, "lpad: length"));
}

static void test_like(void **state)
{
    (void)state;
    assert_true(flow_str_like(S("hello"), S("hello")));
    assert_false(flow_str_like(S("hello"), S("hell")));
    assert_true(flow_str_like(S("hello"), S("h%")));
    assert_true(flow_str_like(S("hello"), S("%o")));
    assert_true(flow_str_like(S("hello"), S("%ll%")));
    assert_true(flow_str_like(S("hello"), S("h_l_o")));
    assert_false(flow_str_like(S("hello"), S("h_l_")));
    assert_true(flow_str_like(S(""), S("%")));
    assert_true(flow_str_like(S(""), S("")));
    assert_false(flow_str_like(S(""), S("_")));
    assert_false(flow_str_like(S("a"), S("")));
    assert_true(flow_str_like(S("abcabc"), S("%a%c")));
    assert_true(flow_str_like(S("mississippi"), S("%iss%ppi")));
    assert_false(flow_str_like(S("mississippi"), S("%iss%ppx")));
    /* Case-sensitive, and '_' is one character, not one byte. */
    assert_false(flow_str_like(S("Hello"), S("hello")));
    assert_true(flow_str_like(S("héllo"), S("h_llo")));
    assert_true(flow_str_like(S("😀"), S("_")));
    assert_false(flow_str_like(S("😀"), S("__")));
    assert_true(flow_str_like(S("日本語"), S("%本_")));
    /* Escapes: \% and \_ are literal, \\ a backslash, a final \ itself. */
    assert_true(flow_str_like(S("100%"), S("100\\%")));
    assert_false(flow_str_like(S("1000"), S("100\\%")));
    assert_true(flow_str_like(S("a_b"), S("a\\_b")));
    assert_false(flow_str_like(S("axb"), S("a\\_b")));
    assert_true(flow_str_like(S("a\\b"), S("a\\\\b")));
    assert_true(flow_str_like(S("a\\"), S("a\\")));
    assert_true(flow_str_like(S("%%"), S("%\\%")));
}

/* A program with params, for the regex setup. */
typedef struct Params {
    FlowStr re;
} Params;
static const FlowParamDef regex_params[] = { { "re", FLOW_STRING, "", offsetof(Params, re) } };
static const FlowProgram regex_program = {
    .name = "t", .flow_file = "t.flow", .params = regex_params, .nparams = 1,
    .params_size = sizeof(Params),
};

static void test_regex(void **state)
{
    (void)state;
    FlowRuntime r;
    flowrt_runtime_init(&r, &regex_program);
    Params p = { S("(\\d+)-(\\d+)?") };
    r.head.params = &p;
    static const FlowRegexDef defs[] = {
        { "^h.llo$", 7, NULL, "t.flow:1:1" },
        { NULL, 0, "re", "t.flow:2:1" },
        { "[aeiou]", 7, NULL, "t.flow:3:1" },
    };
    assert_true(flow_regex_setup(&r, defs, 3));
    const char *err = NULL;
    assert_true(flow_regexp_like(&err, &r, 0, S("hello")));
    assert_true(flow_regexp_like(&err, &r, 0, S("héllo")));  /* '.' is one character */
    assert_false(flow_regexp_like(&err, &r, 0, S("hélllo")));
    assert_false(flow_regexp_like(&err, &r, 0, S("")));
    /* Text that is not UTF-8 matches where it is. */
    assert_true(flow_regexp_like(&err, &r, 2, S("\xff\xfe" "a")));
    assert_str(flow_regexp_extract(&err, &r, 1, S("tel 12-34 x"), 0), "12-34");
    assert_str(flow_regexp_extract(&err, &r, 1, S("tel 12-34 x"), 2), "34");
    assert_str(flow_regexp_extract(&err, &r, 1, S("tel 12- x"), 2), ""); /* unset group */
    assert_str(flow_regexp_extract(&err, &r, 1, S("none"), 1), "");
    assert_str(flow_regexp_extract(&err, &r, 1, S(""), 0), "");
    assert_str(flow_regexp_replace(&err, &r, 2, S("banana"), S("<$0>")), "b<a>n<a>n<a>");
    assert_str(flow_regexp_replace(&err, &r, 1, S("1-2 and 33-44"), S("$2/$1")), "2/1 and 44/33");
    assert_str(flow_regexp_replace(&err, &r, 2, S("xyz"), S("_")), "xyz");
    assert_str(flow_regexp_replace(&err, &r, 2, S(""), S("_")), "");
    assert_str(flow_regexp_replace(&err, &r, 2, S("héé"), S("$$")), "héé");
    /* Longer than the first buffer: the second try fits. */
    char big[4001];
    memset(big, 'a', 4000);
    big[4000] = '\0';
    FlowStr out = flow_regexp_replace(&err, &r, 2, S(big), S("0123456789"));
    assert_int_equal(out.len, 40000);
    assert_null(err);
    assert_str(flow_regexp_extract(&err, &r, 1, S("1-2"), 3), "");
    assert_non_null(strstr(err, "no group 3"));
    err = NULL;
    assert_str(flow_regexp_replace(&err, &r, 2, S("a"), S("$9")), "");
    assert_non_null(err);
    flowrt_runtime_free(&r);
}

static void test_regex_bad_param(void **state)
{
    (void)state;
    FlowRuntime r;
    flowrt_runtime_init(&r, &regex_program);
    Params p = { S("a(b") };
    r.head.params = &p;
    static const FlowRegexDef defs[] = { { NULL, 0, "re", "t.flow:2:7" } };
    Capture c;
    capture_begin(&c, 2);
    bool ok = flow_regex_setup(&r, defs, 1);
    char *text = capture_end(&c);
    assert_false(ok);
    assert_true(r.failed);
    assert_non_null(strstr(text, "t.flow:2:7: param re: invalid regular expression \"a(b\""));
    assert_non_null(strstr(text, "at character 4 of the pattern"));
    free(text);
    flowrt_runtime_free(&r);
}

/* Patterns from a field: compiled on first use, without flow_regex_setup;
 * a bad one fails each use; more than the cache holds still works. */
static void test_regex_from_field(void **state)
{
    (void)state;
    FlowRuntime r;
    flowrt_runtime_init(&r, &regex_program);
    const char *err = NULL;
    assert_true(flow_regexp_like_of(&err, &r, S("^h.llo$"), S("héllo")));
    assert_false(flow_regexp_like_of(&err, &r, S("^h.llo$"), S("hallo!")));
    assert_str(flow_regexp_extract_of(&err, &r, S("(\\d+)"), S("ab 42 c"), 1), "42");
    assert_str(flow_regexp_replace_of(&err, &r, S("[0-9]"), S("a1b22"), S("#")), "a#b##");
    assert_true(flow_regexp_like_of(&err, &r, S(""), S("")));
    assert_null(err);
    for (int i = 0; i < 2; i++) {
        err = NULL;
        assert_false(flow_regexp_like_of(&err, &r, S("a(b"), S("ab")));
        assert_non_null(strstr(err, "regexp_like: invalid regular expression \"a(b\": missing "
                                    "closing parenthesis (at character 4 of the pattern)"));
    }
    err = NULL;
    assert_str(flow_regexp_extract_of(&err, &r, S("a(b"), S("ab"), 0), "");
    assert_non_null(strstr(err, "regexp_extract: invalid regular expression"));
    /* Many more distinct patterns than the cache keeps. */
    err = NULL;
    for (int i = 0; i < 1000; i++) {
        char pat[32], text[32];
        snprintf(pat, sizeof pat, "^x%d$", i);
        snprintf(text, sizeof text, "x%d", i);
        assert_true(flow_regexp_like_of(&err, &r, S(pat), S(text)));
        assert_false(flow_regexp_like_of(&err, &r, S(pat), S("x")));
    }
    assert_null(err);
    flowrt_runtime_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_substring),
        cmocka_unit_test(test_replace),
        cmocka_unit_test(test_trim),
        cmocka_unit_test(test_split_part),
        cmocka_unit_test(test_position),
        cmocka_unit_test(test_pad),
        cmocka_unit_test(test_like),
        cmocka_unit_test(test_regex),
        cmocka_unit_test(test_regex_bad_param),
        cmocka_unit_test(test_regex_from_field),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
