/* fc_cwriter.c: the C writer on its own: indentation of lines and of
 * spliced text, blocks, blank lines without trailing spaces, comments that
 * no input can break out of, and #line directives that point back into the
 * output at the right line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cwriter.h"

static void test_indentation(void **state)
{
    (void)state;
    CWriter w;
    cw_init(&w);
    cw_line(&w, "int f(int x)");
    cw_line(&w, "{");
    cw_indent(&w);
    cw_open(&w, "if (x > %d)", 3);
    cw_line(&w, "return %s;", "x");
    cw_close(&w, "");
    cw_blank(&w);
    cw_printf(&w, "x = 1;\ny = 2;\n");
    cw_dedent(&w);
    cw_line(&w, "}");
    assert_string_equal(cw_text(&w), "int f(int x)\n"
                                     "{\n"
                                     "    if (x > 3) {\n"
                                     "        return x;\n"
                                     "    }\n"
                                     "\n"
                                     "    x = 1;\n"
                                     "    y = 2;\n"
                                     "}\n");
    cw_free(&w);
}

static void test_close_suffix_and_partial_lines(void **state)
{
    (void)state;
    CWriter w;
    cw_init(&w);
    cw_open(&w, "typedef struct %s", "Click");
    cw_printf(&w, "int64_t ");
    cw_printf(&w, "user_id;");
    cw_close(&w, " Click;");
    /* A dedent below zero stays at zero. */
    cw_dedent(&w);
    cw_line(&w, "x;");
    assert_string_equal(cw_text(&w), "typedef struct Click {\n"
                                     "    int64_t user_id;\n"
                                     "} Click;\n"
                                     "x;\n");
    cw_free(&w);
}

static void test_blank_lines_have_no_spaces(void **state)
{
    (void)state;
    CWriter w;
    cw_init(&w);
    cw_indent(&w);
    cw_indent(&w);
    cw_line(&w, "a;");
    cw_blank(&w);
    cw_printf(&w, "b;\n\nc;\n");
    assert_string_equal(cw_text(&w), "        a;\n\n        b;\n\n        c;\n");
    assert_null(strstr(cw_text(&w), " \n"));
    cw_free(&w);
}

static void test_append_reindents(void **state)
{
    (void)state;
    CWriter body, w;
    cw_init(&body);
    cw_init(&w);
    cw_line(&body, "x = 1;");
    cw_open(&body, "if (x)");
    cw_pin(&body, "#line 7 \"a.flow\"");
    cw_line(&body, "y();");
    cw_line_back(&body);
    cw_close(&body, "");
    cw_line(&w, "void f(void)");
    cw_line(&w, "{");
    cw_indent(&w);
    cw_append(&w, &body);
    cw_dedent(&w);
    cw_line(&w, "}");
    /* Preprocessor lines stay at column 0 wherever they are spliced, and the
     * line back is numbered in the final text. */
    char *out = cw_finish(&w, "f.c");
    assert_string_equal(out, "void f(void)\n"
                             "{\n"
                             "    x = 1;\n"
                             "    if (x) {\n"
                             "#line 7 \"a.flow\"\n"
                             "        y();\n"
                             "#line 8 \"f.c\"\n"
                             "    }\n"
                             "}\n");
    free(out);
    cw_free(&body);
    cw_free(&w);
}

static void test_comment_short_and_wrapped(void **state)
{
    (void)state;
    CWriter w;
    cw_init(&w);
    cw_indent(&w);
    cw_comment(&w, true, "clicks.flow:18: where bytes >= min_bytes");
    assert_string_equal(cw_text(&w), "    /* clicks.flow:18: where bytes >= min_bytes */\n");
    cw_free(&w);

    cw_init(&w);
    char text[400] = "";
    for (int i = 0; i < 40; i++)
        strcat(text, "word123 ");
    strcat(text, "end");
    cw_comment(&w, true, text);
    const char *out = cw_text(&w);
    /* Every line within the column limit, the words all there, in order. */
    int lines = 0, words = 0;
    for (const char *p = out; *p; lines++) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        assert_true(nl - p <= CW_MAX_COLUMN);
        for (const char *q = p; q < nl; q++)
            words += strncmp(q, "word123", 7) == 0;
        p = nl + 1;
    }
    assert_true(lines > 1);
    assert_int_equal(words, 40);
    assert_true(strncmp(out, "/* word123", 10) == 0);
    assert_non_null(strstr(out, "\n * word123"));
    assert_non_null(strstr(out, "end */\n"));
    cw_free(&w);
}

static void test_comment_cannot_be_broken(void **state)
{
    (void)state;
    CWriter w;
    cw_init(&w);
    cw_comment(&w, true, "a */ b /* c ?\?= d \x01 e \xff f caf\xc3\xa9 */*/");
    const char *out = cw_text(&w);
    /* Exactly one opening and one closing, at the ends. */
    assert_true(strncmp(out, "/* ", 3) == 0);
    assert_non_null(strstr(out, " */\n"));
    const char *body = out + 2;
    const char *close = strstr(body, "*/");
    assert_non_null(close);
    assert_string_equal(close, "*/\n");
    assert_null(strstr(body, "/*"));
    assert_null(strstr(out, "??"));
    /* Control bytes and invalid UTF-8 shown as escapes, valid UTF-8 kept. */
    assert_non_null(strstr(out, "\\x01"));
    assert_non_null(strstr(out, "\\xFF"));
    assert_non_null(strstr(out, "caf\xc3\xa9"));
    cw_free(&w);
}

static void test_comment_lines(void **state)
{
    (void)state;
    CWriter w;
    cw_init(&w);
    cw_comment(&w, false, "first\n\nthird");
    assert_string_equal(cw_text(&w), "/* first\n *\n * third */\n");
    cw_free(&w);
    cw_init(&w);
    cw_comment(&w, false, "plan:\n");
    assert_string_equal(cw_text(&w), "/* plan:\n */\n");
    cw_free(&w);
}

static void test_line_back(void **state)
{
    (void)state;
    CWriter w;
    cw_init(&w);
    cw_line(&w, "a();");
    cw_pin(&w, "#line 18 \"clicks.flow\"");
    cw_line(&w, "b();");
    cw_line_back(&w);
    cw_line(&w, "c();");
    char *out = cw_finish(&w, "clicks.c");
    /* `#line 5` on line 4: the line after it, c();, is line 5 of clicks.c. */
    assert_string_equal(out, "a();\n#line 18 \"clicks.flow\"\nb();\n#line 5 \"clicks.c\"\nc();\n");
    free(out);
    /* A name that needs escaping inside a C string. */
    out = cw_finish(&w, "we\"ird\\.c");
    assert_non_null(strstr(out, "#line 5 \"we\\\"ird\\\\.c\"\n"));
    free(out);
    cw_free(&w);
}

static void test_pin(void **state)
{
    (void)state;
    CWriter w;
    cw_init(&w);
    cw_indent(&w);
    cw_pin(&w, "#line 9 \"x.flow\"");
    cw_comment(&w, true, "a comment is not pinned");
    cw_open(&w, "if (x)");
    cw_line(&w, "return;");
    cw_close(&w, "");
    cw_line_back(&w);
    cw_line(&w, "after();");
    char *out = cw_finish(&w, "x.c");
    assert_string_equal(out, "    /* a comment is not pinned */\n"
                             "#line 9 \"x.flow\"\n"
                             "    if (x) {\n"
                             "#line 9 \"x.flow\"\n"
                             "        return;\n"
                             "#line 9 \"x.flow\"\n"
                             "    }\n"
                             "#line 9 \"x.c\"\n"
                             "    after();\n");
    free(out);
    cw_free(&w);
}

static void test_grows(void **state)
{
    (void)state;
    CWriter w;
    cw_init(&w);
    for (int i = 0; i < 5000; i++)
        cw_line(&w, "line %d;", i);
    const char *out = cw_text(&w);
    assert_int_equal(strncmp(out, "line 0;\nline 1;\n", 16), 0);
    assert_non_null(strstr(out, "line 4999;\n"));
    assert_int_equal(strlen(out), w.len);
    cw_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_indentation),
        cmocka_unit_test(test_close_suffix_and_partial_lines),
        cmocka_unit_test(test_blank_lines_have_no_spaces),
        cmocka_unit_test(test_append_reindents),
        cmocka_unit_test(test_comment_short_and_wrapped),
        cmocka_unit_test(test_comment_cannot_be_broken),
        cmocka_unit_test(test_comment_lines),
        cmocka_unit_test(test_line_back),
        cmocka_unit_test(test_pin),
        cmocka_unit_test(test_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
