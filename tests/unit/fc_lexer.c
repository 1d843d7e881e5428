/* fc_lexer.c: the scanner of dsl/flow.l on its own: tokens, their
 * locations, every literal form and its value, and lexical errors (reported
 * with their position, after which scanning goes on). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "diag.h"
#include "flow.tab.h"
#include "flow.lex.h"

/* One scanner over a string, with diagnostics captured in memory. */
typedef struct Lexer {
    Arena *arena;
    Diag diag;
    char *out;
    size_t out_len;
    ParseCtx ctx;
    yyscan_t scanner;
    const char *src;
} Lexer;

typedef struct Token {
    int kind;
    YYSTYPE val;
    Loc loc;
} Token;

static Lexer *lexer_open(const char *src)
{
    Lexer *lx = calloc(1, sizeof *lx);
    assert_non_null(lx);
    lx->arena = arena_new();
    lx->src = src;
    FILE *out = open_memstream(&lx->out, &lx->out_len);
    assert_non_null(out);
    diag_init(&lx->diag, "t.flow", src, strlen(src), out);
    lx->ctx = (ParseCtx){ .arena = lx->arena, .diag = &lx->diag, .line = 1, .col = 1,
                          .end_line = 1, .end_col = 1 };
    assert_int_equal(yylex_init(&lx->scanner), 0);
    yy_scan_bytes(src, (int)strlen(src), lx->scanner);
    return lx;
}

static Token next(Lexer *lx)
{
    Token t;
    YYLTYPE loc;
    memset(&t, 0, sizeof t);
    t.kind = yylex(&t.val, &loc, lx->scanner, &lx->ctx);
    t.loc = (Loc){ loc.first_line, loc.first_column };
    return t;
}

/* The diagnostics printed so far. */
static const char *messages(Lexer *lx)
{
    fflush(lx->diag.out);
    return lx->out ? lx->out : "";
}

static void lexer_close(Lexer *lx)
{
    yylex_destroy(lx->scanner);
    fclose(lx->diag.out);
    free(lx->out);
    arena_free(lx->arena);
    free(lx);
}

static void expect_token(Lexer *lx, int kind, int line, int col)
{
    Token t = next(lx);
    if (t.kind != kind || t.loc.line != line || t.loc.col != col)
        fail_msg("expected token %d at %d:%d, got %d at %d:%d", kind, line, col, t.kind,
                 t.loc.line, t.loc.col);
}

/* The only token of `src`, which must scan without a message. */
static Token only_token(const char *src, int kind)
{
    Lexer *lx = lexer_open(src);
    Token t = next(lx);
    assert_int_equal(t.kind, kind);
    assert_int_equal(next(lx).kind, TOK_YYEOF);
    assert_string_equal(messages(lx), "");
    assert_int_equal(lx->diag.errors, 0);
    lexer_close(lx);
    return t;
}

/* Scanning `src` reports exactly one error that starts with `prefix`. */
static void expect_one_error(const char *src, const char *prefix)
{
    Lexer *lx = lexer_open(src);
    while (next(lx).kind != TOK_YYEOF)
        ;
    const char *msg = messages(lx);
    if (strncmp(msg, prefix, strlen(prefix)) != 0)
        fail_msg("for %s: expected a message starting with\n  %s\ngot\n  %s", src, prefix, msg);
    assert_int_equal(lx->diag.errors, 1);
    lexer_close(lx);
}

static void test_tokens_and_locations(void **state)
{
    (void)state;
    Lexer *lx = lexer_open("stream big = clicks\n"
                           "\t| where bytes >= 10 # a comment\n"
                           "  | select kb=bytes/1024, ok = a != b;\n");
    expect_token(lx, TOK_STREAM, 1, 1);
    Token t = next(lx);
    assert_int_equal(t.kind, TOK_IDENT);
    assert_string_equal(t.val.str, "big");
    assert_int_equal(t.loc.col, 8);
    expect_token(lx, '=', 1, 12);
    expect_token(lx, TOK_IDENT, 1, 14);
    expect_token(lx, '|', 2, 2); /* a tab is one column */
    expect_token(lx, TOK_WHERE, 2, 4);
    expect_token(lx, TOK_IDENT, 2, 10);
    expect_token(lx, TOK_GE, 2, 16);
    expect_token(lx, TOK_INT, 2, 19);
    expect_token(lx, '|', 3, 3);
    expect_token(lx, TOK_SELECT, 3, 5);
    expect_token(lx, TOK_IDENT, 3, 12);
    expect_token(lx, '=', 3, 14);
    expect_token(lx, TOK_IDENT, 3, 15);
    expect_token(lx, '/', 3, 20);
    expect_token(lx, TOK_INT, 3, 21);
    expect_token(lx, ',', 3, 25);
    expect_token(lx, TOK_IDENT, 3, 27);
    expect_token(lx, '=', 3, 30);
    expect_token(lx, TOK_IDENT, 3, 32);
    expect_token(lx, TOK_NE, 3, 34);
    expect_token(lx, TOK_IDENT, 3, 37);
    expect_token(lx, ';', 3, 38);
    /* End of file is placed just after the last token, not on the empty
     * line after the final newline. */
    expect_token(lx, TOK_YYEOF, 3, 39);
    assert_int_equal(lx->diag.errors, 0);
    lexer_close(lx);
}

static void test_operators(void **state)
{
    (void)state;
    Lexer *lx = lexer_open("== != <= >= < > = + - * / % ( ) { } , ; : | .");
    const int kinds[] = { TOK_EQ, TOK_NE, TOK_LE, TOK_GE, '<', '>', '=', '+', '-', '*', '/',
                          '%', '(', ')', '{', '}', ',', ';', ':', '|', '.' };
    int col = 1;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        expect_token(lx, kinds[i], 1, col);
        col += kinds[i] >= 256 ? 3 : 2;
    }
    expect_token(lx, TOK_YYEOF, 1, col - 1);
    lexer_close(lx);

    /* Longest match: `<==` is `<=` then `=`; `a.b` is three tokens. */
    lx = lexer_open("<==a.b");
    expect_token(lx, TOK_LE, 1, 1);
    expect_token(lx, '=', 1, 3);
    expect_token(lx, TOK_IDENT, 1, 4);
    expect_token(lx, '.', 1, 5);
    expect_token(lx, TOK_IDENT, 1, 6);
    lexer_close(lx);
}

static void test_keywords_and_identifiers(void **state)
{
    (void)state;
    Lexer *lx = lexer_open("and or not true false where wherever _key key2 Key KEY int32 count");
    const int kinds[] = { TOK_AND, TOK_OR, TOK_NOT, TOK_TRUE, TOK_FALSE, TOK_WHERE };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        assert_int_equal(next(lx).kind, kinds[i]);
    const char *idents[] = { "wherever", "_key", "key2", "Key", "KEY", "int32", "count" };
    for (size_t i = 0; i < sizeof idents / sizeof idents[0]; i++) {
        Token t = next(lx);
        assert_int_equal(t.kind, TOK_IDENT);
        assert_string_equal(t.val.str, idents[i]);
    }
    assert_int_equal(next(lx).kind, TOK_YYEOF);
    lexer_close(lx);

    /* Every soft keyword has its own token (the grammar also takes it as a name). */
    static const struct { const char *text; int kind; } soft[] = {
        { "schema", TOK_SCHEMA }, { "param", TOK_PARAM }, { "source", TOK_SOURCE },
        { "table", TOK_TABLE }, { "stream", TOK_STREAM }, { "sink", TOK_SINK },
        { "config", TOK_CONFIG }, { "from", TOK_FROM }, { "event", TOK_EVENT },
        { "time", TOK_TIME }, { "watermark", TOK_WATERMARK }, { "idle", TOK_IDLE },
        { "key", TOK_KEY }, { "as", TOK_AS }, { "to", TOK_TO }, { "select", TOK_SELECT },
        { "by", TOK_BY }, { "window", TOK_WINDOW }, { "tumbling", TOK_TUMBLING },
        { "sliding", TOK_SLIDING }, { "cumulate", TOK_CUMULATE }, { "session", TOK_SESSION },
        { "every", TOK_EVERY }, { "gap", TOK_GAP }, { "lateness", TOK_LATENESS }, { "late", TOK_LATE },
        { "aggregate", TOK_AGGREGATE }, { "join", TOK_JOIN }, { "on", TOK_ON },
        { "within", TOK_WITHIN }, { "lookup", TOK_LOOKUP }, { "union", TOK_UNION },
        { "dedupe", TOK_DEDUPE }, { "checkpoint", TOK_CHECKPOINT }, { "state", TOK_STATE },
        { "memory", TOK_MEMORY }, { "rocksdb", TOK_ROCKSDB },
        { "parallelism", TOK_PARALLELISM }, { "left", TOK_LEFT }, { "right", TOK_RIGHT },
        { "full", TOK_FULL },
    };
    for (size_t i = 0; i < sizeof soft / sizeof soft[0]; i++)
        only_token(soft[i].text, soft[i].kind);
}

static void test_integers(void **state)
{
    (void)state;
    assert_int_equal(only_token("0", TOK_INT).val.uint, 0);
    assert_int_equal(only_token("42", TOK_INT).val.uint, 42);
    assert_int_equal(only_token("007", TOK_INT).val.uint, 7);
    assert_true(only_token("3000000000", TOK_INT).val.uint == 3000000000u);
    assert_true(only_token("9223372036854775807", TOK_INT).val.uint == INT64_MAX);
    /* 2^63 scans: it is valid after a '-' in a literal (the parser decides). */
    assert_true(only_token("9223372036854775808", TOK_INT).val.uint == (uint64_t)INT64_MAX + 1);
    expect_one_error("9223372036854775809",
                     "t.flow:1:1: error: integer literal '9223372036854775809' is too large");
    expect_one_error("  123456789012345678901234567890",
                     "t.flow:1:3: error: integer literal '123456789012345678901234567890' is "
                     "too large");
}

static void test_floats(void **state)
{
    (void)state;
    assert_true(only_token("3.5", TOK_FLOAT).val.real == 3.5);
    assert_true(only_token("0.1", TOK_FLOAT).val.real == 0.1);
    assert_true(only_token("1e6", TOK_FLOAT).val.real == 1e6);
    assert_true(only_token("2.5e-3", TOK_FLOAT).val.real == 2.5e-3);
    assert_true(only_token("1E+2", TOK_FLOAT).val.real == 100.0);
    assert_true(only_token("1e-400", TOK_FLOAT).val.real == 0.0);
    expect_one_error("x = 1e999", "t.flow:1:5: error: float literal '1e999' is too large");
    /* `5.` and `.5` are not floats: they are an integer and a dot. */
    Lexer *lx = lexer_open("5. .5");
    expect_token(lx, TOK_INT, 1, 1);
    expect_token(lx, '.', 1, 2);
    expect_token(lx, '.', 1, 4);
    expect_token(lx, TOK_INT, 1, 5);
    lexer_close(lx);
}

static void test_durations(void **state)
{
    (void)state;
    static const struct { const char *text; int64_t ms; } ok[] = {
        { "250ms", 250 }, { "5s", 5000 }, { "1m", 60000 }, { "2h", 7200000 },
        { "7d", 604800000 }, { "2000us", 2 }, { "5000us", 5 }, { "0us", 0 }, { "0ms", 0 },
        { "9223372036854775807ms", INT64_MAX }, { "106751991167d", 106751991167LL * 86400000 },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        Token t = only_token(ok[i].text, TOK_DURATION);
        if (t.val.ms != ok[i].ms)
            fail_msg("%s: got %lld ms", ok[i].text, (long long)t.val.ms);
    }
    expect_one_error("w 1500us",
                     "t.flow:1:3: error: duration '1500us' is not a whole number of milliseconds");
    expect_one_error("106751991168d", "t.flow:1:1: error: duration '106751991168d' is too large");
    expect_one_error("99999999999999999999ms", "t.flow:1:1: error: duration "
                     "'99999999999999999999ms' is too large");
    expect_one_error("5sec", "t.flow:1:2: error: invalid suffix 'sec' on a number");
    expect_one_error("10min", "t.flow:1:3: error: invalid suffix 'min' on a number");
    expect_one_error("1.5s", "t.flow:1:1: error: invalid number '1.5s'");
    expect_one_error("1e6x", "t.flow:1:2: error: invalid suffix 'e6x' on a number");

    /* A bad duration is still a duration token, so parsing carries on. */
    Lexer *lx = lexer_open("5sec + 1");
    expect_token(lx, TOK_DURATION, 1, 1);
    expect_token(lx, '+', 1, 6);
    lexer_close(lx);

    /* With a space the unit is a separate name. */
    lx = lexer_open("5 s");
    expect_token(lx, TOK_INT, 1, 1);
    expect_token(lx, TOK_IDENT, 1, 3);
    lexer_close(lx);
}

static void scans_to_string(const char *src, const char *chars, int64_t len)
{
    Token t = only_token(src, TOK_STRING);
    assert_int_equal(t.val.string.len, len);
    assert_memory_equal(t.val.string.chars, chars, (size_t)len + 1);
}

static void test_strings(void **state)
{
    (void)state;
    scans_to_string("\"\"", "", 0);
    scans_to_string("\"data/clicks.csv\"", "data/clicks.csv", 15);
    scans_to_string("\"a\\\"b\\n\"", "a\"b\n", 4);
    scans_to_string("\"\\t\\r\\\\\\'\\?\\a\\b\\f\\v\"", "\t\r\\'?\a\b\f\v", 9);
    scans_to_string("\"x\\0y\"", "x\0y", 3);
    scans_to_string("\"\\x41\\x4a\\x7\"", "AJ\a", 3);
    scans_to_string("\"\\x414\"", "A4", 2); /* at most two hex digits */
    scans_to_string("\"\\101\\0101\\7\"", "A\b1\a", 4); /* at most three octal digits */
    scans_to_string("\"Caf\xc3\xa9 # not a comment\"", "Caf\xc3\xa9 # not a comment", 21);

    expect_one_error("s = \"a\\qb\"", "t.flow:1:7: error: unknown escape sequence '\\q'");
    expect_one_error("\"ab\\x\"", "t.flow:1:4: error: '\\x' needs one or two hex digits");
    expect_one_error("\"\\777\"", "t.flow:1:2: error: octal escape '\\777' is larger than 255");
    expect_one_error("\n  'single'", "t.flow:2:3: error: strings are written between double quotes");

    /* Every bad escape is reported; the string keeps the rest. */
    Lexer *lx = lexer_open("\"\\q-\\z\"");
    Token t = next(lx);
    assert_int_equal(t.kind, TOK_STRING);
    assert_string_equal(t.val.string.chars, "-");
    assert_int_equal(lx->diag.errors, 2);
    lexer_close(lx);
}

static void test_unterminated_string(void **state)
{
    (void)state;
    /* Reported at the opening quote; the scanner goes on at the next line. */
    Lexer *lx = lexer_open("x = \"abc\ny = 1");
    expect_token(lx, TOK_IDENT, 1, 1);
    expect_token(lx, '=', 1, 3);
    expect_token(lx, TOK_YYerror, 1, 5);
    expect_token(lx, TOK_IDENT, 2, 1);
    expect_token(lx, '=', 2, 3);
    expect_token(lx, TOK_INT, 2, 5);
    assert_string_equal(messages(lx), "t.flow:1:5: error: unterminated string literal\n"
                                      "x = \"abc\n"
                                      "    ^\n");
    lexer_close(lx);

    expect_one_error("\"abc\\", "t.flow:1:1: error: unterminated string literal");
    expect_one_error("\"abc\\\"", "t.flow:1:1: error: unterminated string literal");
}

static void test_comments_and_whitespace(void **state)
{
    (void)state;
    Lexer *lx = lexer_open("# header\r\n  a#b c\n\f\v\r\n# only a comment");
    expect_token(lx, TOK_IDENT, 2, 3);
    expect_token(lx, TOK_YYEOF, 2, 4);
    lexer_close(lx);

    lx = lexer_open("");
    expect_token(lx, TOK_YYEOF, 1, 1);
    lexer_close(lx);
}

static void test_stray_characters(void **state)
{
    (void)state;
    /* One message per run of stray bytes, and the scanner goes on. */
    Lexer *lx = lexer_open("a @ b $$~ c\n  \x01 d");
    expect_token(lx, TOK_IDENT, 1, 1);
    expect_token(lx, TOK_YYerror, 1, 3);
    expect_token(lx, TOK_IDENT, 1, 5);
    expect_token(lx, TOK_YYerror, 1, 7);
    expect_token(lx, TOK_IDENT, 1, 11);
    expect_token(lx, TOK_YYerror, 2, 3);
    expect_token(lx, TOK_IDENT, 2, 5);
    expect_token(lx, TOK_YYEOF, 2, 6);
    assert_int_equal(lx->diag.errors, 3);
    const char *msg = messages(lx);
    assert_non_null(strstr(msg, "t.flow:1:3: error: unexpected character '@'\n"));
    assert_non_null(strstr(msg, "t.flow:1:7: error: unexpected characters '$$~'\n"));
    assert_non_null(strstr(msg, "t.flow:2:3: error: unexpected character '\\x01'\n"));
    lexer_close(lx);

    expect_one_error("a ! b", "t.flow:1:3: error: unexpected character '!' (negation is "
                              "written 'not')");
    expect_one_error("a && b", "t.flow:1:3: error: unexpected characters '&&' (conjunction is "
                               "written 'and')");
    expect_one_error("x = \xe2\x80\x9c" "a", "t.flow:1:5: error: unexpected characters "
                                            "'\xe2\x80\x9c'");

    /* A NUL byte inside the buffer is a stray character too. */
    Arena *arena = arena_new();
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream(&out, &out_len);
    Diag d;
    const char src[] = "a \0 b";
    diag_init(&d, "t.flow", src, sizeof src - 1, f);
    ParseCtx ctx = { .arena = arena, .diag = &d, .line = 1, .col = 1, .end_line = 1,
                     .end_col = 1 };
    yyscan_t scanner;
    assert_int_equal(yylex_init(&scanner), 0);
    yy_scan_bytes(src, (int)(sizeof src - 1), scanner);
    YYSTYPE val;
    YYLTYPE loc;
    assert_int_equal(yylex(&val, &loc, scanner, &ctx), TOK_IDENT);
    assert_int_equal(yylex(&val, &loc, scanner, &ctx), TOK_YYerror);
    assert_int_equal(loc.first_column, 3);
    assert_int_equal(yylex(&val, &loc, scanner, &ctx), TOK_IDENT);
    assert_int_equal(yylex(&val, &loc, scanner, &ctx), TOK_YYEOF);
    assert_int_equal(d.errors, 1);
    yylex_destroy(scanner);
    fclose(f);
    free(out);
    arena_free(arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_and_locations),
        cmocka_unit_test(test_operators),
        cmocka_unit_test(test_keywords_and_identifiers),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_unterminated_string),
        cmocka_unit_test(test_comments_and_whitespace),
        cmocka_unit_test(test_stray_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
