/* fc_check.c: the checker (compiler/check.c) on programs parsed from text:
 * every type rule, every diagnostic with its exact position, schema
 * inference after each kind of operator, and the features this version
 * rejects. Diagnostics are compared as whole `t.flow:LINE:COL: KIND: MSG`
 * lines, notes included, in output order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "durations.h"
#include "parse.h"

/* Every test program starts with these two lines, so its own lines are 3, 4... */
#define PRELUDE                                                                              \
    "schema T { a : int32, b : int64, f : float64, s : string, t : timestamp, ok : bool }\n" \
    "source src : T from file(\"in.csv\");\n"

typedef struct Checked {
    Arena *arena;
    Program *prog;
    char *diags; /* the message lines only: no source lines, no carets */
    bool ok;
} Checked;

/* Parses and checks `src`; a syntax error fails the test unless `partial`. */
static Checked check_src_as(const char *src, bool partial)
{
    Checked r = { .arena = arena_new() };
    char *out = NULL;
    size_t outlen = 0;
    FILE *f = open_memstream(&out, &outlen);
    assert_non_null(f);
    Diag d;
    diag_init(&d, "t.flow", src, strlen(src), f);
    r.prog = parse_program(r.arena, &d, src, strlen(src));
    if (d.errors && !partial) {
        fclose(f);
        fprintf(stderr, "test program does not parse:\n%s\n%s", src, out);
        free(out);
        fail();
    }
    r.ok = check_program(r.arena, &d, r.prog);
    fclose(f);

    /* Keep the `t.flow:...` lines; each is followed by its source line and caret. */
    r.diags = calloc(1, outlen + 1);
    assert_non_null(r.diags);
    size_t n = 0;
    for (char *line = out; line && *line;) {
        char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (strncmp(line, "t.flow:", 7) == 0) {
            memcpy(r.diags + n, line + 7, len - 7);
            n += len - 7;
            r.diags[n++] = '\n';
        }
        line = eol ? eol + 1 : NULL;
    }
    free(out);
    return r;
}

static Checked check_src(const char *src)
{
    return check_src_as(src, false);
}

static void checked_free(Checked *r)
{
    free(r->diags);
    arena_free(r->arena);
}

/* The diagnostics of `src` must be exactly the NULL-terminated lines given
 * (`LINE:COL: KIND: MESSAGE`), and check_program's result must agree. */
static void expect_diags(const char *src, ...)
{
    char want[8192] = "";
    bool want_error = false;
    va_list ap;
    va_start(ap, src);
    for (const char *line; (line = va_arg(ap, const char *));) {
        strcat(want, line);
        strcat(want, "\n");
        want_error = want_error || strstr(line, ": error: ");
    }
    va_end(ap);
    Checked r = check_src(src);
    assert_string_equal(r.diags, want);
    assert_int_equal(r.ok, !want_error);
    checked_free(&r);
}

#define EXPECT(src, ...) expect_diags(src, __VA_ARGS__, (const char *)NULL)
#define EXPECT_CLEAN(src) expect_diags(src, (const char *)NULL)

static Decl *find_decl(Program *prog, const char *name)
{
    for (Decl *d = prog->decls; d; d = d->next)
        if (d->name && strcmp(d->name, name) == 0)
            return d;
    fail_msg("no declaration '%s'", name);
    return NULL;
}

/* ---- Expression types -------------------------------------------------------------- */

/* `select v = EXPR` over T: the expression starts at 3:29. */
#define SELECT_V "stream x = src | select v = "

static TypeKind type_of(const char *expr)
{
    char src[1024];
    snprintf(src, sizeof src, PRELUDE SELECT_V "%s;\nsink x to stdout();\n", expr);
    Checked r = check_src(src);
    if (r.diags[0])
        fail_msg("%s: unexpected diagnostics:\n%s", expr, r.diags);
    Decl *x = find_decl(r.prog, "x");
    assert_int_equal(x->schema->nfields, 1);
    TypeKind t = x->schema->fields[0].type;
    assert_int_equal(x->stream.ops->select->type, t);
    assert_int_equal(x->stream.ops->select->expr->type, t);
    checked_free(&r);
    return t;
}

/* The one diagnostic that `select v = EXPR` gives, as `LINE:COL: KIND: MSG`. */
static void expect_type_error(const char *expr, const char *diag)
{
    char src[1024], want[512];
    snprintf(src, sizeof src, PRELUDE SELECT_V "%s;\nsink x to stdout();\n", expr);
    snprintf(want, sizeof want, "%s\n", diag);
    Checked r = check_src(src);
    assert_string_equal(r.diags, want);
    assert_false(r.ok);
    Decl *x = find_decl(r.prog, "x");
    assert_int_equal(x->schema->fields[0].type, TY_ERROR);
    checked_free(&r);
}

static void test_literal_types(void **state)
{
    (void)state;
    assert_int_equal(type_of("1"), TY_INT32);
    assert_int_equal(type_of("2147483647"), TY_INT32);
    assert_int_equal(type_of("2147483648"), TY_INT64);
    assert_int_equal(type_of("-2147483648"), TY_INT32);
    assert_int_equal(type_of("-2147483649"), TY_INT64);
    assert_int_equal(type_of("1.5"), TY_FLOAT64);
    assert_int_equal(type_of("1e3"), TY_FLOAT64);
    assert_int_equal(type_of("\"x\""), TY_STRING);
    assert_int_equal(type_of("true"), TY_BOOL);
    assert_int_equal(type_of("250ms"), TY_INT64);
}

static void test_numeric_widening(void **state)
{
    (void)state;
    assert_int_equal(type_of("a + a"), TY_INT32);
    assert_int_equal(type_of("a + b"), TY_INT64);
    assert_int_equal(type_of("b - a"), TY_INT64);
    assert_int_equal(type_of("a * f"), TY_FLOAT64);
    assert_int_equal(type_of("b / f"), TY_FLOAT64);
    assert_int_equal(type_of("b % a"), TY_INT64);
    assert_int_equal(type_of("f % 2"), TY_FLOAT64);
    assert_int_equal(type_of("a + 5s"), TY_INT64);
    assert_int_equal(type_of("-a"), TY_INT32);
    assert_int_equal(type_of("-(b + 1)"), TY_INT64);
    assert_int_equal(type_of("-f"), TY_FLOAT64);
    assert_int_equal(type_of("abs(a)"), TY_INT32);
    assert_int_equal(type_of("abs(f)"), TY_FLOAT64);
    assert_int_equal(type_of("if(ok, a, b)"), TY_INT64);
    assert_int_equal(type_of("if(ok, f, a)"), TY_FLOAT64);
    assert_int_equal(type_of("if(ok, s, \"x\")"), TY_STRING);
}

static void test_no_implicit_narrowing(void **state)
{
    (void)state;
    /* The only places a value is converted to a declared type are param
     * defaults; in expressions a narrower type needs a cast. */
    EXPECT("param p : int32 = 3000000000;\n",
           "1:19: error: 3000000000 does not fit in int32 param 'p'");
    EXPECT("param p : int32 = 1.5;\n",
           "1:19: error: the value of param 'p' must be an int32, not a float");
    EXPECT("param p : int64 = 2.0;\n",
           "1:19: error: the value of param 'p' must be an int64, not a float");
    EXPECT("param p : string = 1;\n",
           "1:20: error: the value of param 'p' must be a string, not an integer");
    assert_int_equal(type_of("int32(b)"), TY_INT32);
    assert_int_equal(type_of("int64(f)"), TY_INT64);
    expect_type_error("if(ok, s, a)",
                      "3:39: error: the branches of 'if' have different types: string and int32");
    expect_type_error("if(a, 1, 2)", "3:32: error: argument 1 of 'if' must be bool, not int32");
}

static void test_timestamp_arithmetic(void **state)
{
    (void)state;
    assert_int_equal(type_of("t + 5s"), TY_TIMESTAMP);
    assert_int_equal(type_of("t - 1m"), TY_TIMESTAMP);
    assert_int_equal(type_of("t + b"), TY_TIMESTAMP);
    assert_int_equal(type_of("t - a"), TY_TIMESTAMP);
    assert_int_equal(type_of("5s + t"), TY_TIMESTAMP);
    assert_int_equal(type_of("t - t"), TY_INT64);
    assert_int_equal(type_of("t - t > 5s"), TY_BOOL);
    assert_int_equal(type_of("t < t + 1h"), TY_BOOL);
    expect_type_error("t + t", "3:31: error: cannot apply '+' to timestamp and timestamp");
    expect_type_error("t + f", "3:31: error: cannot apply '+' to timestamp and float64");
    expect_type_error("5s - t", "3:32: error: cannot apply '-' to int64 and timestamp");
    expect_type_error("t * 2", "3:31: error: cannot apply '*' to timestamp and int32");
    expect_type_error("t < b", "3:31: error: cannot apply '<' to timestamp and int64");
    expect_type_error("t == \"2024-01-01T00:00:00Z\"",
                      "3:31: error: cannot apply '==' to timestamp and string");
    expect_type_error("-t", "3:29: error: cannot apply '-' to timestamp");
}

static void test_comparisons_and_logic(void **state)
{
    (void)state;
    assert_int_equal(type_of("a < b"), TY_BOOL);
    assert_int_equal(type_of("a == f"), TY_BOOL);
    assert_int_equal(type_of("s <= \"m\""), TY_BOOL);
    assert_int_equal(type_of("t >= t"), TY_BOOL);
    assert_int_equal(type_of("ok != false"), TY_BOOL);
    assert_int_equal(type_of("ok and a > 1 or not ok"), TY_BOOL);
    expect_type_error("s == a", "3:31: error: cannot apply '==' to string and int32");
    expect_type_error("ok == 1", "3:32: error: cannot apply '==' to bool and int32");
    expect_type_error("a and ok", "3:31: error: cannot apply 'and' to int32 and bool");
    expect_type_error("not s", "3:29: error: cannot apply 'not' to string");
    expect_type_error("s + s", "3:31: error: cannot apply '+' to string and string");
}

static void test_functions(void **state)
{
    (void)state;
    assert_int_equal(type_of("lower(s)"), TY_STRING);
    assert_int_equal(type_of("upper(s)"), TY_STRING);
    assert_int_equal(type_of("length(s)"), TY_INT64);
    assert_int_equal(type_of("contains(s, \"x\")"), TY_BOOL);
    assert_int_equal(type_of("starts_with(s, s)"), TY_BOOL);
    assert_int_equal(type_of("ends_with(s, \"x\")"), TY_BOOL);
    assert_int_equal(type_of("concat(s)"), TY_STRING);
    assert_int_equal(type_of("concat(s, \"-\", upper(s))"), TY_STRING);
    assert_int_equal(type_of("hash(t)"), TY_INT64);
    assert_int_equal(type_of("hash(s)"), TY_INT64);
    assert_int_equal(type_of("int32(s)"), TY_INT32);
    assert_int_equal(type_of("int64(t)"), TY_INT64);
    assert_int_equal(type_of("float64(a)"), TY_FLOAT64);
    assert_int_equal(type_of("string(ok)"), TY_STRING);
    assert_int_equal(type_of("string(t)"), TY_STRING);
    assert_int_equal(type_of("timestamp(b)"), TY_TIMESTAMP);
    assert_int_equal(type_of("timestamp(s)"), TY_TIMESTAMP);
    assert_int_equal(type_of("bool(s)"), TY_BOOL);

    expect_type_error("lower(a)", "3:35: error: argument 1 of 'lower' must be string, not int32");
    expect_type_error("concat(s, a)",
                      "3:39: error: argument 2 of 'concat' must be string, not int32");
    expect_type_error("abs(s)", "3:33: error: argument 1 of 'abs' must be a number, not string");
    expect_type_error("length(s, s)", "3:29: error: 'length' takes 1 argument, not 2");
    expect_type_error("contains(s)", "3:29: error: 'contains' takes 2 arguments, not 1");
    expect_type_error("concat()", "3:29: error: 'concat' takes at least 1 argument, not 0");
    expect_type_error("lenght(s)",
                      "3:29: error: unknown function 'lenght' (did you mean 'length'?)");
    expect_type_error("frobnicate(s)", "3:29: error: unknown function 'frobnicate'");
    expect_type_error("count()",
                      "3:29: error: 'count' is an aggregate; it can only be used in 'aggregate'");
    expect_type_error("int32(ok)", "3:35: error: cannot cast bool to int32");
    expect_type_error("int32(t)", "3:35: error: cannot cast timestamp to int32");
    expect_type_error("bool(a)", "3:34: error: cannot cast int32 to bool");
    expect_type_error("timestamp(f)", "3:39: error: cannot cast float64 to timestamp");
}

static void test_function_ids(void **state)
{
    (void)state;
    Checked r = check_src(PRELUDE SELECT_V "if(starts_with(s, \"a\"), hash(s), int64(t));\n"
                                           "sink x to stdout();\n");
    assert_string_equal(r.diags, "");
    Expr *e = find_decl(r.prog, "x")->stream.ops->select->expr;
    assert_int_equal(e->call.func, FN_IF);
    assert_int_equal(e->call.nargs, 3);
    assert_int_equal(e->call.args->call.func, FN_STARTS_WITH);
    assert_int_equal(e->call.args->type, TY_BOOL);
    assert_int_equal(e->call.args->next->call.func, FN_HASH);
    assert_int_equal(e->call.args->next->next->call.func, FN_CAST_INT64);
    Expr *s = e->call.args->call.args;
    assert_int_equal(s->name.kind, NAME_FIELD);
    assert_int_equal(s->name.index, 3);
    assert_int_equal(s->type, TY_STRING);
    checked_free(&r);
}

static void test_no_cascades(void **state)
{
    (void)state;
    /* One error per mistake: what is built on a wrong part stays silent. */
    EXPECT(PRELUDE "stream x = src | where lower(ss) == 1 and (bogus + 1) * \"s\" > 2;\n"
                   "sink x to stdout();\n",
           "3:30: error: unknown field 'ss' (did you mean 's'?)",
           "3:44: error: unknown field 'bogus'");
    EXPECT(PRELUDE "stream x = src | select v = bogus + 1 | where v > 1 and v == \"s\"\n"
                   "  | select w = v * 2 | where w;\n"
                   "sink x to stdout();\n",
           "3:29: error: unknown field 'bogus'");
    /* A stream whose input is unknown checks nothing downstream. */
    EXPECT(PRELUDE "stream x = nope | where zzz > 1 | select q = 1 + \"s\";\n"
                   "stream y = x | where qqq;\n"
                   "sink y to stdout();\nsink src to stdout();\n",
           "3:12: error: unknown stream 'nope'");
}

static void test_where_needs_bool(void **state)
{
    (void)state;
    EXPECT(PRELUDE "stream x = src | where a + 1;\nsink x to stdout();\n",
           "3:26: error: 'where' needs a bool condition, not int32");
    EXPECT(PRELUDE "stream x = src | where s;\nsink x to stdout();\n",
           "3:24: error: 'where' needs a bool condition, not string");
}

/* ---- Names and declarations ---------------------------------------------------------- */

static void test_duplicate_declarations(void **state)
{
    (void)state;
    EXPECT(PRELUDE "param src : int32 = 1;\n"
                   "schema T { x : int32 }\n",
           "3:7: error: 'src' is already declared",
           "2:8: note: 'src' was first declared here",
           "4:8: error: 'T' is already declared",
           "1:8: note: 'T' was first declared here",
           "2:8: warning: source 'src' reaches no sink");
    EXPECT(PRELUDE "stream x = src;\nstream x = src;\nsink x to stdout();\n",
           "4:8: error: 'x' is already declared",
           "3:8: note: 'x' was first declared here");
}

static void test_schema_errors(void **state)
{
    (void)state;
    EXPECT("schema S { id : int64, name : strng, id : int32, n : int }\n",
           "1:31: error: unknown type 'strng' (did you mean 'string'?)",
           "1:38: error: duplicate field 'id' in schema 'S'",
           "1:12: note: 'id' was first declared here",
           "1:54: error: unknown type 'int' (did you mean 'int32'?)");
    Checked r = check_src("schema S { id : int64, at : timestamp, }\n");
    Schema *s = find_decl(r.prog, "S")->schema;
    assert_true(s->declared);
    assert_string_equal(s->name, "S");
    assert_int_equal(s->nfields, 2);
    assert_string_equal(s->fields[1].name, "at");
    assert_int_equal(s->fields[1].type, TY_TIMESTAMP);
    assert_null(s->fields[1].qualifier);
    assert_int_equal(s->fields[1].loc.line, 1);
    assert_int_equal(s->fields[1].loc.col, 24);
    checked_free(&r);
}

static void test_unknown_and_misused_names(void **state)
{
    (void)state;
    EXPECT("schema Click { ts : timestamp }\n"
           "source c : Clik from stdin();\n",
           "2:12: error: unknown schema 'Clik' (did you mean 'Click'?)",
           "2:8: warning: source 'c' reaches no sink");
    EXPECT(PRELUDE "source c : src from stdin();\n",
           "3:12: error: 'src' is a source, not a schema",
           "2:8: warning: source 'src' reaches no sink",
           "3:8: warning: source 'c' reaches no sink");
    EXPECT(PRELUDE "stream x = T;\nsink x to stdout();\n",
           "3:12: error: 'T' is a schema, not a stream",
           "2:8: warning: source 'src' reaches no sink");
    EXPECT(PRELUDE "stream x = y;\nstream y = src;\nsink x to stdout();\nsink y to stdout();\n",
           "3:12: error: 'y' is used before it is declared",
           "4:8: note: 'y' is declared here");
    EXPECT(PRELUDE "stream x = x;\nsink x to stdout();\n",
           "3:12: error: stream 'x' cannot read itself",
           "2:8: warning: source 'src' reaches no sink");
    EXPECT(PRELUDE "sink srx to stdout();\n",
           "3:6: error: unknown stream 'srx' (did you mean 'src'?)",
           "2:8: warning: source 'src' reaches no sink");
    EXPECT(PRELUDE "table tab : T from file(\"t.csv\") key b;\n"
                   "stream x = tab;\nsink x to stdout();\n",
           "4:12: error: 'tab' is a table, not a stream (tables are read with 'lookup')",
           "2:8: warning: source 'src' reaches no sink");
    /* A field is looked up first, then a param; anything else is not a value. */
    EXPECT(PRELUDE "stream x = src | where a > T;\nsink x to stdout();\n",
           "3:28: error: 'T' is a schema, not a field or param");
    EXPECT(PRELUDE "param limit : int32 = 5;\n"
                   "stream x = src | where a > limt;\nsink x to stdout();\n",
           "4:28: error: unknown field or param 'limt' (did you mean param 'limit'?)");
}

static void test_partial_program(void **state)
{
    (void)state;
    /* The parser drops a declaration with a syntax error: what refers to it
     * is not reported again, nor is any stream's missing sink. Mistakes that
     * cannot come from a dropped declaration still are. */
    Checked r = check_src_as(PRELUDE "param lim : int32 = ;\n"
                                     "stream x = src | where a > ;\n"
                                     "stream y = src | where b > lim and ss == \"\" and src.zz;\n"
                                     "sink x to stdout(format = cvs);\n"
                                     "sink y to file(lim);\n",
                             true);
    assert_string_equal(r.diags,
                        "3:21: error: unexpected ';', expected a literal\n"
                        "4:28: error: unexpected ';', expected an expression\n"
                        "5:49: error: unknown field 'src.zz'\n"
                        "6:27: error: invalid format 'cvs' (did you mean 'csv'?)\n");
    assert_false(r.ok);
    checked_free(&r);
}

static void test_params(void **state)
{
    (void)state;
    Checked r = check_src(PRELUDE "param i : int32 = -2147483648;\n"
                                  "param j : int64 = 5s;\n"
                                  "param k : float64 = 3;\n"
                                  "param l : string = \"x\";\n"
                                  "param m : timestamp = \"2024-03-01 12:00:05\";\n"
                                  "param n : bool = true;\n"
                                  "param d : int32 = 30s;\n"
                                  "param a : int32 = 7;\n"
                                  "stream x = src | where b > j and f < k and a > 0 and n;\n"
                                  "sink x to stdout();\n");
    assert_string_equal(r.diags, "11:44: warning: field 'a' hides param 'a': write 'param.a' for "
                                 "the param, 'src.a' for the field\n"
                                 "10:7: note: param 'a' is declared here\n");
    assert_true(r.ok);
    assert_int_equal(find_decl(r.prog, "i")->param.type, TY_INT32);
    assert_int_equal(find_decl(r.prog, "m")->param.type, TY_TIMESTAMP);
    assert_int_equal(find_decl(r.prog, "m")->param.value->type, TY_TIMESTAMP);
    assert_int_equal(find_decl(r.prog, "k")->param.value->type, TY_FLOAT64);
    assert_int_equal(find_decl(r.prog, "d")->param.value->int_value, 30000);
    assert_true(find_decl(r.prog, "j")->used);
    assert_false(find_decl(r.prog, "l")->used);
    Decl *x = find_decl(r.prog, "x");
    /* where ((b > j and f < k) and a > 0) and n */
    Expr *and3 = x->stream.ops->where;
    Expr *n = and3->binary.rhs;
    assert_int_equal(n->name.kind, NAME_PARAM);
    assert_ptr_equal(n->name.param, find_decl(r.prog, "n"));
    assert_int_equal(n->type, TY_BOOL);
    /* The field `a` shadows the param `a`. */
    Expr *a = and3->binary.lhs->binary.rhs->binary.lhs;
    assert_int_equal(a->name.kind, NAME_FIELD);
    assert_int_equal(a->name.index, 0);
    assert_false(find_decl(r.prog, "a")->used);
    checked_free(&r);
    /* param.a names the param; src.a the field, without a warning. */
    r = check_src(PRELUDE "param a : int32 = 7;\n"
                          "stream x = src | where src.a > param.a;\n"
                          "sink x to stdout();\n");
    assert_string_equal(r.diags, "");
    Expr *gt = find_decl(r.prog, "x")->stream.ops->where;
    assert_int_equal(gt->binary.lhs->name.kind, NAME_FIELD);
    assert_int_equal(gt->binary.rhs->name.kind, NAME_PARAM);
    assert_ptr_equal(gt->binary.rhs->name.param, find_decl(r.prog, "a"));
    assert_true(find_decl(r.prog, "a")->used);
    checked_free(&r);

    EXPECT("param t : timestamp = \"2024-02-30T00:00:00Z\";\n"
           "param u : timestamp = 1700000000000;\n"
           "param v : int32 = 30d;\n"
           "param w : durations = 5s;\n"
           "param x : bool = \"true\";\n",
           "1:23: error: \"2024-02-30T00:00:00Z\" is not a timestamp (write e.g. "
           "\"2024-03-01T12:00:05Z\")",
           "2:23: error: the value of param 'u' must be a timestamp, not an integer",
           "3:19: error: 2592000000 does not fit in int32 param 'v'",
           "4:11: error: unknown type 'durations' (did you mean 'duration'?)",
           "5:18: error: the value of param 'x' must be a bool, not a string");
}

/* Duration params (docs/language.md, "Durations from params"): int64 ms in
 * expressions; in clauses, resolved, and their defaults checked by the
 * clauses' rules. */
static void test_duration_params(void **state)
{
    (void)state;
    Checked r = check_src("schema E { ts : timestamp, k : string }\n"
                          "param size : duration = 10s;\n"
                          "param every : duration = 2s;\n"
                          "param wm : duration = 0ms;\n"
                          "source e : E from file(\"e.csv\") event time ts watermark wm;\n"
                          "stream w = e | key by k | window sliding size every every "
                          "lateness 1s | aggregate n = count();\n"
                          "stream x = e | where ts > timestamp(size);\n"
                          "sink w to stdout();\nsink x to stdout();\n");
    assert_string_equal(r.diags, "");
    Decl *size = find_decl(r.prog, "size");
    assert_true(size->param.duration);
    assert_int_equal(size->param.type, TY_INT64);
    assert_true(size->used);
    Op *win = find_decl(r.prog, "w")->stream.ops->next;
    assert_ptr_equal(win->window.size.decl, size);
    assert_int_equal(win->window.size.ms, 10000);
    assert_ptr_equal(win->window.slide.decl, find_decl(r.prog, "every"));
    assert_null(win->window.lateness.decl);
    assert_int_equal(win->window.lateness.ms, 1000);
    assert_ptr_equal(find_decl(r.prog, "e")->source.watermark.decl, find_decl(r.prog, "wm"));
    checked_free(&r);

    EXPECT("schema E { ts : timestamp, k : string }\n"
           "param n : int64 = 5;\n"
           "param d : duration = 5;\n"
           "source e : E from file(\"e.csv\") event time ts watermark n;\n"
           "stream a = e | key by k | window tumbling e | aggregate c = count();\n"
           "stream b = e | key by k | dedupe within nope;\n"
           "sink a to stdout();\nsink b to stdout();\n",
           "3:22: error: the value of param 'd' must be a duration such as 5m, not an integer",
           "4:57: error: param 'n' is an int64: a duration here needs a param of type duration "
           "(param n : duration = 5s)",
           "5:43: error: 'e' is a source, not a param: a duration here is a literal such as 5s "
           "or a param of type duration",
           "6:41: error: unknown param 'nope'");

    EXPECT("schema E { ts : timestamp, k : string }\n"
           "param size : duration = 10s;\n"
           "param slide : duration = 20s;\n"
           "param zero : duration = 0s;\n"
           "param neg : duration = -1s;\n"
           "source e : E from file(\"e.csv\") event time ts watermark neg;\n"
           "stream a = e | key by k | window sliding size every slide | aggregate c = count();\n"
           "stream b = e | key by k | window session gap zero lateness neg "
           "| aggregate c = count();\n"
           "sink a to stdout();\nsink b to stdout();\n",
           "6:1: error: the watermark delay must not be negative (param 'neg' is -1s by default)",
           "5:7: note: param 'neg' is declared here",
           "7:27: error: the slide of a sliding window must be positive and at most its size "
           "(param 'slide' is 20s by default)",
           "3:7: note: param 'slide' is declared here",
           "8:27: error: the session gap must be positive (param 'zero' is 0ms by default)",
           "4:7: note: param 'zero' is declared here",
           "8:27: error: the lateness must not be negative (param 'neg' is -1s by default)",
           "5:7: note: param 'neg' is declared here");
}

/* The rules of durations.h, which the checker applies to literals and
 * defaults and the generated params_check to the values of a run. */
static void test_duration_rules(void **state)
{
    (void)state;
    assert_true(dur_rule_holds(DUR_POSITIVE, 1, 0));
    assert_false(dur_rule_holds(DUR_POSITIVE, 0, 0));
    assert_false(dur_rule_holds(DUR_POSITIVE, INT64_MIN, 0));
    assert_true(dur_rule_holds(DUR_NOT_NEGATIVE, 0, 0));
    assert_false(dur_rule_holds(DUR_NOT_NEGATIVE, -1, 0));
    /* slide a, size b: 0 < a <= b, or a size the size's own rule reports */
    assert_true(dur_rule_holds(DUR_SLIDE, 10, 10));
    assert_true(dur_rule_holds(DUR_SLIDE, 3, 10));
    assert_false(dur_rule_holds(DUR_SLIDE, 11, 10));
    assert_false(dur_rule_holds(DUR_SLIDE, 0, 10));
    assert_false(dur_rule_holds(DUR_SLIDE, -1, 10));
    assert_true(dur_rule_holds(DUR_SLIDE, 0, 0));

    Checked r = check_src("schema E { ts : timestamp, k : string }\n"
                          "param p : duration = 2s;\n"
                          "source e : E from file(\"e.csv\") event time ts watermark 1s idle p;\n"
                          "stream w = e | key by k | window sliding 10s every p | aggregate n = "
                          "count();\n"
                          "stream j = e | key by k | join w on k == k within 1s | select ts;\n"
                          "sink w to stdout();\nsink j to stdout();\n");
    assert_true(r.ok);
    DurRule rules[DUR_MAX_RULES];
    Op *win = find_decl(r.prog, "w")->stream.ops->next;
    assert_int_equal(dur_op_rules(win, rules), 3); /* size, slide, lateness */
    assert_int_equal(rules[1].kind, DUR_SLIDE);
    assert_ptr_equal(rules[1].a, &win->window.slide);
    assert_ptr_equal(rules[1].b, &win->window.size);
    assert_true(dur_rule_has_param(&rules[1]));
    assert_false(dur_rule_has_param(&rules[0]));
    assert_int_equal(dur_op_rules(find_decl(r.prog, "w")->stream.ops, rules), 0); /* key by */
    Op *join = find_decl(r.prog, "j")->stream.ops->next;
    assert_int_equal(dur_op_rules(join, rules), 1);
    assert_int_equal(rules[0].kind, DUR_NOT_NEGATIVE);
    assert_int_equal(dur_source_rules(find_decl(r.prog, "e"), rules), 2);
    assert_true(dur_rule_has_param(&rules[1]));
    checked_free(&r);
}

static void test_event_time(void **state)
{
    (void)state;
    Checked r = check_src("schema S { id : int64, at : timestamp }\n"
                          "source s : S from stdin() event time at watermark 2s idle 1m;\n"
                          "source p : S from stdin();\n"
                          "sink s to stdout();\nsink p to stdout();\n");
    assert_string_equal(r.diags, "");
    Decl *s = find_decl(r.prog, "s");
    assert_int_equal(s->source.event_time_field, 1);
    assert_int_equal(s->source.watermark.ms, 2000);
    assert_ptr_equal(s->schema, find_decl(r.prog, "S")->schema);
    assert_int_equal(find_decl(r.prog, "p")->source.event_time_field, -1);
    assert_true(find_decl(r.prog, "S")->used);
    checked_free(&r);

    EXPECT("schema S { id : int64, at : timestamp }\n"
           "source s : S from stdin() event time tt;\n"
           "source p : S from stdin() event time id watermark 1s;\n"
           "sink s to stdout();\nsink p to stdout();\n",
           "2:38: error: unknown field 'tt' (did you mean 'at'?)",
           "3:38: error: event time field 'id' must be a timestamp, not int64");
}

/* ---- Connectors ------------------------------------------------------------------------ */

static void test_connectors_ok(void **state)
{
    (void)state;
    Checked r = check_src(PRELUDE
                          "param dir : string = \"out\";\n"
                          "param n : int64 = 100;\n"
                          "param fmt : string = \"csv\";\n"
                          "source g : T from generator(count = n, seed = -3, keys = 10,\n"
                          "  events_per_second = 50, disorder = 2s, rate = 1000);\n"
                          "source i : T from stdin(format = \"jsonl\", on_error = fail,\n"
                          "  errors = \"bad.txt\", header = false);\n"
                          "source f : T from file(path = \"a.csv\", follow = true, on_error = \"skip\","
                          " format = fmt);\n"
                          "sink src to file(dir, format = json, header = true);\n"
                          "sink g to stdout();\nsink i to stdout(format = csv);\n"
                          "sink f to stdout();\n");
    assert_string_equal(r.diags, "");
    assert_true(r.ok);
    ConnArg *count = find_decl(r.prog, "g")->source.conn.args;
    assert_int_equal(count->value->name.kind, NAME_PARAM);
    assert_ptr_equal(count->value->name.param, find_decl(r.prog, "n"));
    assert_int_equal(count->next->value->int_value, -3);
    ConnArg *on_error = find_decl(r.prog, "i")->source.conn.args->next;
    assert_string_equal(on_error->key, "on_error");
    assert_int_equal(on_error->value->kind, EX_NAME);
    assert_int_equal(on_error->value->name.kind, NAME_UNRESOLVED);
    assert_int_equal(on_error->value->type, TY_STRING);
    assert_true(find_decl(r.prog, "dir")->used);
    assert_true(find_decl(r.prog, "fmt")->used);
    checked_free(&r);
}

static void test_connector_errors(void **state)
{
    (void)state;
    EXPECT(PRELUDE "source a : T from fille(path = \"x\");\n"
                   "source b : T from stdout();\n"
                   "sink src to stdin();\n"
                   "sink src to generator(count = 1);\n"
                   "sink a to stdout();\nsink b to stdout();\n",
           "3:19: error: unknown connector 'fille' (did you mean 'file'?)",
           "4:19: error: 'stdout' can only be a sink, not a source",
           "5:13: error: 'stdin' can only be a source, not a sink",
           "6:13: error: 'generator' can only be a source, not a sink");
    EXPECT(PRELUDE "source a : T from file(\"x\", fromat = csv, format = cvs, format = xml,\n"
                   "  header = 1, on_error = ignore, follow = \"yes\");\n"
                   "sink a to stdout();\nsink src to stdout();\n",
           "3:29: error: unknown file argument 'fromat' (did you mean 'format'?)",
           "3:52: error: invalid format 'cvs' (did you mean 'csv'?)",
           "3:57: error: duplicate argument 'format'",
           "3:43: note: 'format' was first given here",
           "4:12: error: 'header' must be true or false, not an integer",
           "4:26: error: invalid on_error 'ignore' (expected skip or fail)",
           "4:43: error: 'follow' must be true or false, not a string");
    EXPECT(PRELUDE "source a : T from file(format = csv);\n"
                   "source g : T from generator(count = -1, keys = 0, disorder = 5, rate = 2.5);\n"
                   "sink a to file(\"o\", follow = true, errors = \"e\");\n"
                   "sink g to stdout(format = \"xml\", path = \"p\");\nsink src to stdout();\n",
           "3:19: error: 'file' needs a 'path' argument",
           "4:37: error: 'count' must not be negative",
           "4:48: error: 'keys' must be at least 1",
           "4:62: error: 'disorder' must be a duration such as 250ms, not an integer",
           "4:72: error: 'rate' must be an integer, not a float",
           "5:21: error: 'follow' only applies where records are read, not to a sink",
           "5:36: error: 'errors' only applies where records are read, not to a sink",
           "6:27: error: invalid format 'xml' (expected csv, jsonl or json)",
           "6:34: error: unknown stdout argument 'path'");
    EXPECT(PRELUDE "param p : int32 = 1;\nparam q : string = \"x\";\n"
                   "source a : T from file(p, header = q, format = q, count = 1);\n"
                   "source g : T from generator(count = q, disorder = p, seed = nope, keys = T);\n"
                   "sink a to stdout();\nsink g to stdout();\nsink src to stdout();\n",
           "5:24: error: 'path' must be a string, but param 'p' is int32",
           "5:36: error: 'header' must be true or false, but param 'q' is string",
           "5:51: error: unknown file argument 'count'",
           "6:37: error: 'count' must be an integer, but param 'q' is string",
           "6:61: error: unknown param 'nope'",
           "6:74: error: 'T' is a schema, not a param");
}

static void test_kafka_and_postgres(void **state)
{
    (void)state;
    /* Checked in full, then rejected: once per connector. */
    EXPECT(PRELUDE "source k : T from kafka(topic = \"t\", start = earliest, key = a);\n"
                   "sink k to kafka(brokers = \"b:9092\", topic = \"o\", key = b, start = latest);\n"
                   "sink src to kafka(brokers = \"b\", topic = \"o\", key = nope);\n"
                   "sink src to postgres(conninfo = \"db\", table = \"t\", mode = upsert,\n"
                   "                     query = \"SELECT 1\");\n",
           "3:56: error: 'key' only applies to a sink",
           "3:19: error: 'kafka' needs a 'brokers' argument",
           "4:59: error: 'start' only applies where records are read, not to a sink",
           "5:53: error: unknown field 'nope'",
           "7:22: error: 'query' only applies where records are read, not to a sink");
    Checked r = check_src(PRELUDE "sink src to kafka(brokers = \"b\", topic = \"o\", key = s);\n");
    Expr *key = find_decl(r.prog, "src")->next->sink.conn.args->next->next->value;
    assert_int_equal(key->name.kind, NAME_FIELD);
    assert_int_equal(key->name.index, 3);
    checked_free(&r);
    /* An upsert without key = takes the stream's key and window_start;
     * a sink keeps on_error and errors (refused rows); refresh is a
     * table's. */
    r = check_src(PRELUDE "stream w = src | key by s, b | window tumbling 1m\n"
                          "  | aggregate n = count();\n"
                          "sink w to postgres(conninfo = \"db\", table = \"w\", mode = upsert,\n"
                          "                   on_error = fail, errors = \"bad.txt\");\n"
                          "sink src to postgres(conninfo = \"db\", table = \"s\",\n"
                          "                     mode = upsert);\n");
    assert_string_equal(r.diags, "");
    const ConnArg *arg = find_decl(r.prog, "w")->next->sink.conn.args;
    assert_string_equal(arg->key, "key");
    assert_string_equal(arg->value->string.chars, "s, b, window_start");
    for (arg = find_decl(r.prog, "w")->next->next->sink.conn.args; arg; arg = arg->next)
        assert_string_not_equal(arg->key, "key"); /* a source has no key */
    checked_free(&r);
    EXPECT(PRELUDE "source p : T from postgres(conninfo = \"db\", table = \"p\",\n"
                   "                          refresh = 1m);\n"
                   "sink p to stdout();\nsink src to stdout();\n",
           "4:27: error: 'refresh' only applies to a table");
}

/* ---- Streams and schemas --------------------------------------------------------------- */

static void test_select_schema(void **state)
{
    (void)state;
    Checked r = check_src(PRELUDE "stream x = src as r | where ok | select s, r.b,\n"
                                  "  total = a + b, day = t - int64(t) % 1d, ok | where ok;\n"
                                  "sink x to stdout();\n");
    assert_string_equal(r.diags, "");
    Decl *x = find_decl(r.prog, "x");
    Schema *in = find_decl(r.prog, "src")->schema;
    Op *where = x->stream.ops, *select = where->next, *where2 = select->next;
    assert_ptr_equal(where->in, in);
    assert_ptr_equal(where->out, in);
    assert_ptr_equal(select->in, in);
    Schema *out = select->out;
    assert_false(out->declared);
    assert_string_equal(out->name, "x_2");
    assert_int_equal(out->nfields, 5);
    const char *names[] = { "s", "b", "total", "day", "ok" };
    TypeKind types[] = { TY_STRING, TY_INT64, TY_INT64, TY_TIMESTAMP, TY_BOOL };
    for (int i = 0; i < 5; i++) {
        assert_string_equal(out->fields[i].name, names[i]);
        assert_null(out->fields[i].qualifier);
        assert_int_equal(out->fields[i].type, types[i]);
    }
    assert_int_equal(select->select->next->expr->name.index, 1);
    assert_ptr_equal(where2->in, out);
    assert_int_equal(where2->where->name.index, 4);
    assert_ptr_equal(x->schema, out);
    assert_ptr_equal(find_decl(r.prog, "src")->next->next->schema, out); /* the sink */
    checked_free(&r);

    /* With `as r` the input's fields answer to `r` only. */
    EXPECT(PRELUDE "stream x = src as r | where q.a > 1 and src.a > 1;\nsink x to stdout();\n",
           "3:29: error: unknown alias 'q' (did you mean 'r'?)",
           "3:41: error: unknown alias 'src' (did you mean 'r'?)");
    EXPECT(PRELUDE "stream x = src | select a, v = a + 1, a, v = 2;\nsink x to stdout();\n",
           "3:39: error: duplicate field 'a' in select",
           "3:25: note: 'a' was first defined here",
           "3:42: error: duplicate field 'v' in select",
           "3:28: note: 'v' was first defined here");
}

static void test_key_by(void **state)
{
    (void)state;
    Checked r = check_src(PRELUDE "stream x = src | key by s, b | where ok\n"
                                  "  | select b, s, n = a | select s, b | select s2 = s, b;\n"
                                  "sink x to stdout();\n");
    assert_string_equal(r.diags, "");
    Op *key = find_decl(r.prog, "x")->stream.ops, *where = key->next;
    Op *sel1 = where->next, *sel2 = sel1->next, *sel3 = sel2->next;
    assert_int_equal(key->key_by.nfields, 2);
    assert_int_equal(key->nkey, 2);
    assert_int_equal(key->key_fields[0], 3);
    assert_int_equal(key->key_fields[1], 1);
    assert_int_equal(where->nkey, 2);
    assert_int_equal(sel1->nkey, 2);
    /* kept bare under their own names: the key follows them */
    assert_int_equal(sel2->nkey, 2);
    assert_int_equal(sel2->key_fields[0], 1);
    assert_int_equal(sel2->key_fields[1], 0);
    assert_int_equal(sel3->nkey, 2);
    assert_int_equal(sel3->key_fields[0], 0);
    assert_int_equal(sel3->key_fields[1], 1);
    checked_free(&r);

    /* A select item dropped as a duplicate takes no place in the record. */
    r = check_src(PRELUDE "stream x = src | key by s | select a, a, s | where a > 0;\n"
                          "sink x to stdout();\n");
    assert_string_equal(r.diags, "3:39: error: duplicate field 'a' in select\n"
                                 "3:36: note: 'a' was first defined here\n");
    Op *after = find_decl(r.prog, "x")->stream.ops->next->next;
    assert_int_equal(after->in->nfields, 2);
    assert_int_equal(after->nkey, 1);
    assert_int_equal(after->key_fields[0], 1);
    checked_free(&r);

    /* renamed key field: the key is gone, so dedupe complains */
    EXPECT(PRELUDE "stream x = src | key by s | select s2 = s | dedupe within 1m;\n"
                   "sink x to stdout();\n",
           "3:45: error: 'dedupe' needs a 'key by' before it: the key was 's', which the select "
           "renamed to 's2'; write 'key by s2' after the select",
           "3:29: note: the select that renamed the key 's'");
    EXPECT(PRELUDE "stream x = src | key by f, sss, s, s;\nsink x to stdout();\n",
           "3:25: error: float64 field 'f' cannot be a key",
           "3:28: error: unknown field 'sss' (did you mean 's'?)",
           "3:36: error: field 's' appears twice in 'key by'");
}

static void test_window_aggregate_schema(void **state)
{
    (void)state;
    Checked r = check_src(PRELUDE
                          "stream x = src | key by s, a | window tumbling 1m\n"
                          "  | aggregate n = count(), total = sum(a), fs = sum(f), mean = avg(b),\n"
                          "    lo = min(t), hi = max(s), first_ok = first(ok), last_f = last(f),\n"
                          "    kinds = count_distinct(s)\n"
                          "  | where n > 1 and window_end > window_start;\n"
                          "sink x to stdout();\n");
    assert_string_equal(r.diags, "");
    assert_true(r.ok);
    Decl *x = find_decl(r.prog, "x");
    Op *window = x->stream.ops->next, *agg = window->next;
    assert_ptr_equal(window->out, window->in);
    assert_int_equal(agg->nkey, 2);
    Schema *out = agg->out;
    const char *names[] = { "s", "a", "window_start", "window_end", "n", "total", "fs",
                            "mean", "lo", "hi", "first_ok", "last_f", "kinds" };
    TypeKind types[] = { TY_STRING, TY_INT32, TY_TIMESTAMP, TY_TIMESTAMP, TY_INT64, TY_INT64,
                         TY_FLOAT64, TY_FLOAT64, TY_TIMESTAMP, TY_STRING, TY_BOOL, TY_FLOAT64,
                         TY_INT64 };
    assert_int_equal(out->nfields, 13);
    for (int i = 0; i < 13; i++) {
        assert_string_equal(out->fields[i].name, names[i]);
        assert_int_equal(out->fields[i].type, types[i]);
    }
    Item *it = agg->aggregate;
    assert_int_equal(it->agg, AGG_COUNT);
    assert_int_equal(it->next->agg, AGG_SUM);
    assert_int_equal(it->next->next->next->agg, AGG_AVG);
    assert_int_equal(it->next->next->next->next->next->next->next->next->agg, AGG_COUNT_DISTINCT);
    /* the key stays on the leading fields of the result */
    Op *where = agg->next;
    assert_int_equal(where->nkey, 2);
    assert_int_equal(where->key_fields[0], 0);
    assert_int_equal(where->key_fields[1], 1);
    assert_ptr_equal(x->schema, out);
    checked_free(&r);

    /* Without key by the whole stream is one group. */
    r = check_src(PRELUDE "stream x = src | window sliding 1m every 10s | aggregate n = count();\n"
                          "sink x to stdout();\n");
    Schema *s = find_decl(r.prog, "x")->schema;
    assert_int_equal(s->nfields, 3);
    assert_string_equal(s->fields[0].name, "window_start");
    checked_free(&r);
}

static void test_window_aggregate_errors(void **state)
{
    (void)state;
    EXPECT(PRELUDE "stream x = src | window session gap 5m lateness 1m\n"
                   "  | aggregate n = count(a), m = sum(), q = sum(s), r = cnt(), window_end = max(t),\n"
                   "    z = avg(zz);\n"
                   "sink x to stdout();\n",
           "4:33: error: 'sum' takes one argument",
           "4:48: error: 'sum' needs a number, not string",
           "4:56: error: unknown aggregate 'cnt' (did you mean 'count'?)",
           "4:63: error: duplicate field 'window_end' in the aggregate's result",
           "3:18: note: 'window_end' was first defined here",
           "5:13: error: unknown field 'zz'");
    EXPECT(PRELUDE "stream x = src | window tumbling 1m | where ok;\n"
                   "stream y = src | aggregate n = count() ttl 0s;\n"
                   "stream z = src | window sliding 1m every 2m | aggregate n = count();\n"
                   "sink x to stdout();\nsink y to stdout();\nsink z to stdout();\n",
           "3:18: error: 'window' must be followed by 'aggregate'",
           "4:18: error: the 'ttl' must be positive",
           "5:18: error: the slide of a sliding window must be positive and at most its size");
}

static void test_late_stream(void **state)
{
    (void)state;
    Checked r = check_src(PRELUDE "stream x = src | where ok | window tumbling 1m lateness 5s\n"
                                  "  late as too_late | aggregate n = count();\n"
                                  "sink x to stdout();\nsink too_late to file(\"late.csv\");\n");
    Decl *x = find_decl(r.prog, "x"), *late = find_decl(r.prog, "too_late");
    Op *window = x->stream.ops->next;
    assert_int_equal(late->kind, DECL_LATE_STREAM);
    assert_ptr_equal(window->window.late_decl, late);
    assert_ptr_equal(late->stream.producer, window);
    assert_ptr_equal(late->schema, window->in);
    assert_true(late->used);
    assert_null(late->next); /* appended after every declaration of the source */
    assert_int_equal(late->name_loc.line, 4);
    assert_int_equal(late->name_loc.col, 11);
    Decl *sink = x->next->next;
    assert_ptr_equal(sink->sink.stream->decl, late);
    checked_free(&r);

    EXPECT(PRELUDE "stream x = src | window tumbling 1m late as src | aggregate n = count();\n"
                   "stream y = src | window tumbling 1m late as y | aggregate n = count();\n"
                   "stream z = src | window tumbling 1m late as zl | aggregate n = count();\n"
                   "sink x to stdout();\nsink y to stdout();\nsink z to stdout();\n",
           "3:45: error: 'src' is already declared",
           "2:8: note: 'src' was first declared here",
           "4:45: error: 'y' is already declared",
           "4:8: note: 'y' was first declared here",
           "5:45: warning: stream 'zl' reaches no sink");
}

#define ORDERS                                                               \
    "schema O { id : int64, user : int64, amount : float64, at : timestamp }\n" \
    "schema U { id : int64, name : string, at : timestamp }\n"               \
    "source orders : O from stdin() event time at;\n"                        \
    "source users : U from file(\"u.csv\") event time at;\n"

static void test_join_schema(void **state)
{
    (void)state;
    Checked r = check_src(ORDERS "stream j = orders as o | key by user | join users as u on u.id == user\n"
                                 "  within 1h | where amount > 1.0 and name != \"\" and o.at < u.at\n"
                                 "  | select oid = o.id, uid = u.id, name;\n"
                                 "sink j to stdout();\n");
    assert_string_equal(r.diags, "");
    Op *join = find_decl(r.prog, "j")->stream.ops->next;
    assert_int_equal(join->nkey, 1);
    assert_ptr_equal(join->join.other->decl, find_decl(r.prog, "users"));
    assert_true(find_decl(r.prog, "users")->used);
    /* written right == left: swapped so that `left` reads the left input */
    JoinEq *eq = join->join.eqs;
    assert_string_equal(eq->left->name.name, "user");
    assert_int_equal(eq->left->name.index, 1);
    assert_string_equal(eq->right->name.qualifier, "u");
    assert_int_equal(eq->right->name.index, 0);
    Schema *out = join->out;
    assert_int_equal(out->nfields, 7);
    const char *quals[] = { "o", "o", "o", "o", "u", "u", "u" };
    const char *names[] = { "id", "user", "amount", "at", "id", "name", "at" };
    for (int i = 0; i < 7; i++) {
        assert_string_equal(out->fields[i].qualifier, quals[i]);
        assert_string_equal(out->fields[i].name, names[i]);
    }
    Expr *cmp = join->next->where->binary.rhs;
    assert_int_equal(cmp->binary.lhs->name.index, 3);
    assert_int_equal(cmp->binary.rhs->name.index, 6);
    assert_int_equal(find_decl(r.prog, "j")->schema->nfields, 3);
    checked_free(&r);

    /* Without aliases, each side is called by its input's name. */
    r = check_src(ORDERS "stream j = orders | key by id | join users on orders.user == users.id\n"
                         "  window tumbling 1m | select orders.id, uid = users.id;\n"
                         "sink j to stdout();\n");
    Op *join2 = find_decl(r.prog, "j")->stream.ops->next;
    assert_true(join2->join.windowed);
    assert_int_equal(join2->join.window.ms, 60000);
    assert_string_equal(join2->out->fields[0].qualifier, "orders");
    assert_string_equal(join2->out->fields[4].qualifier, "users");
    assert_string_equal(r.diags, "");
    checked_free(&r);
}

static void test_join_errors(void **state)
{
    (void)state;
    EXPECT(ORDERS "stream j = orders | key by id | join users on user == name and id == users.idd\n"
                  "  within 1h | where at > 0 and amount > 0.5;\n"
                  "sink j to stdout();\n",
           "5:52: error: cannot compare int64 with string in a 'join' condition",
           "5:70: error: unknown field 'users.idd' (did you mean 'users.id'?)",
           "6:21: error: ambiguous field 'at': qualify it as 'orders.at' or 'users.at'",
           "7:6: error: field 'id' comes from both sides of a join; rename one with 'select' "
           "before the sink",
           "7:6: error: field 'at' comes from both sides of a join; rename one with 'select' "
           "before the sink");
    EXPECT(ORDERS "stream j = orders | key by id | join orders on id == id within 1s;\n"
                  "stream k = orders as x | key by id | join users as x on id == id within 1s;\n"
                  "stream l = orders | key by id | join O on id == id within 1s;\n"
                  "stream m = orders | join users as u on amount == u.id within 1s;\n"
                  "sink j to stdout();\nsink k to stdout();\nsink l to stdout();\n"
                  "sink m to stdout();\n",
           "5:38: error: both sides of the join are called 'orders'; rename one with 'as'",
           "6:43: error: both sides of the join are called 'x'; rename one with 'as'",
           "7:38: error: 'O' is a schema, not a stream",
           "8:21: error: 'join' needs a 'key by' before it",
           "8:47: error: cannot join on float64 values",
           "12:6: error: field 'id' comes from both sides of a join; rename one with 'select' "
           "before the sink",
           "12:6: error: field 'at' comes from both sides of a join; rename one with 'select' "
           "before the sink");
    /* Like windows, joins compile in processing time too. */
    EXPECT_CLEAN("schema U { id : int64, name : string, at : timestamp }\n"
                 "source a : U from stdin();\n"
                 "source b : U from file(\"u.csv\") event time at;\n"
                 "stream j = a | key by id | join b on a.id == b.id within 1s | select x = a.name;\n"
                 "sink j to stdout();\n");
}


static void test_lookup(void **state)
{
    (void)state;
    Checked r = check_src(ORDERS "table names : U from file(\"n.csv\") key id;\n"
                                 "stream e = orders | lookup names as n on n.id == user\n"
                                 "  | select oid = orders.id, user, name;\n"
                                 "sink e to stdout();\nsink users to stdout();\n");
    assert_string_equal(r.diags, "");
    Decl *t = find_decl(r.prog, "names");
    assert_int_equal(t->source.key_field, 0);
    assert_true(t->used);
    Op *lookup = find_decl(r.prog, "e")->stream.ops;
    assert_int_equal(lookup->join.eqs->left->name.index, 1);
    assert_int_equal(lookup->out->nfields, 7);
    assert_string_equal(lookup->out->fields[5].qualifier, "n");
    assert_int_equal(lookup->next->select->next->next->expr->name.index, 5);
    checked_free(&r);

    EXPECT(ORDERS "table names : U from stdout() key idd;\n"
                  "table prices : O from file(\"p\") key amount;\n"
                  "table t : U from file(\"t\") key id;\n"
                  "stream a = orders | lookup users on id == users.id;\n"
                  "stream b = orders | lookup t on user == t.name;\n"
                  "stream c = orders | lookup t on user == t.id and id == t.id;\n"
                  "sink a to stdout();\nsink b to stdout();\nsink c to stdout();\n",
           "5:22: error: 'stdout' can only be a sink, not a table",
           "5:35: error: unknown field 'idd' (did you mean 'id'?)",
           "6:37: error: float64 field 'amount' cannot be a key",
           "8:28: error: 'users' is a source, not a table",
           "9:38: error: cannot compare int64 with string in a 'lookup' condition",
           "12:6: error: field 'id' comes from both sides of a join; rename one with 'select' "
           "before the sink",
           "12:6: error: field 'at' comes from both sides of a join; rename one with 'select' "
           "before the sink",
           "13:6: error: field 'id' comes from both sides of a join; rename one with 'select' "
           "before the sink",
           "13:6: error: field 'at' comes from both sides of a join; rename one with 'select' "
           "before the sink",
           "4:8: warning: source 'users' reaches no sink");
    EXPECT(ORDERS "table t : U from file(\"t\") key name;\n"
                  "stream c = orders | lookup t on user == t.id | select amount;\n"
                  "sink c to stdout();\nsink users to stdout();\n",
           "6:41: error: 'lookup' must compare with the key 'name' of table 't'");
    /* The key may be compared in any condition; the others test the row. */
    EXPECT_CLEAN(ORDERS "table t : U from file(\"t\") key name;\n"
                  "stream c = orders | lookup t on user == t.id and string(id) == t.name\n"
                  "  | select amount;\n"
                  "sink c to stdout();\nsink users to stdout();\n");
    /* A table is read in full before the streams start. */
    EXPECT(ORDERS "table t : U from file(\"t\", follow = true) key id;\n"
                  "table g : U from generator(count = 5) key id;\n"
                  "stream c = orders | lookup t on user == t.id | lookup g on user == g.id\n"
                  "  | select amount;\n"
                  "sink c to stdout();\nsink users to stdout();\n",
           "5:28: error: 'a table with follow=true' is not supported by this version of flowc (a "
           "file table is read to its end before the streams start)",
           "6:18: error: 'a table from a generator' is not supported by this version of "
           "flowc (tables are read from file, stdin, kafka or postgres)");
}

static void test_union(void **state)
{
    (void)state;
    Checked r = check_src(PRELUDE "source b : T from stdin();\n"
                                  "stream x = src | key by s | union b, src | where ok;\n"
                                  "sink x to stdout();\n");
    assert_string_equal(r.diags, "");
    assert_true(r.ok);
    Op *u = find_decl(r.prog, "x")->stream.ops->next;
    assert_ptr_equal(u->union_of->decl, find_decl(r.prog, "b"));
    assert_ptr_equal(u->out, find_decl(r.prog, "src")->schema);
    assert_int_equal(u->nkey, 1);
    assert_int_equal(u->next->nkey, 0); /* a union is not keyed */
    assert_true(find_decl(r.prog, "b")->used);
    checked_free(&r);

    EXPECT(PRELUDE "stream n = src | select a, b;\n"
                   "stream m = src | select a, b = a;\n"
                   "stream k = src | select a, c = b;\n"
                   "stream x = n | union m, k;\n"
                   "stream y = n | union src, nn;\n"
                   "sink x to stdout();\nsink y to stdout();\n",
           "6:22: error: cannot union 'm': its field 2 is 'b : int32', this stream's is "
           "'b : int64'",
           "6:25: error: cannot union 'k': its field 2 is 'c : int64', this stream's is "
           "'b : int64'",
           "7:22: error: cannot union 'src': it has 6 fields, this stream 2",
           "7:27: error: unknown stream 'nn' (did you mean 'n'?)");
}

static void test_no_sink_warnings(void **state)
{
    (void)state;
    /* Warnings do not fail the check. */
    EXPECT(PRELUDE "source other : T from stdin();\n"
                   "stream a = other | where ok;\n"
                   "stream b = a | select s;\n"
                   "stream c = src | where ok;\n"
                   "stream d = c | union src;\n"
                   "sink d to stdout();\n",
           "3:8: warning: source 'other' reaches no sink",
           "4:8: warning: stream 'a' reaches no sink",
           "5:8: warning: stream 'b' reaches no sink");
    EXPECT_CLEAN(PRELUDE "sink src to stdout();\n");
}

static void test_config(void **state)
{
    (void)state;
    EXPECT_CLEAN(PRELUDE "config { state memory; parallelism 1 }\nsink src to stdout();\n");
    EXPECT_CLEAN(PRELUDE "config { state rocksdb \"db\" }\nsink src to stdout();\n");
    EXPECT(PRELUDE "config {\n"
                   "  parallelism 0;\n"
                   "  checkpoint every 0s;\n"
                   "  state memory;\n"
                   "}\n"
                   "config { state rocksdb \"db\"; parallelism 4; checkpoint every 1m to \"c\" }\n"
                   "sink src to stdout();\n",
           "4:3: error: parallelism must be at least 1",
           "5:3: error: the checkpoint interval must be positive",
           "8:10: error: 'state' is set twice",
           "6:3: note: 'state' was first set here",
           "8:30: error: 'parallelism' is set twice",
           "4:3: note: 'parallelism' was first set here",
           "8:45: error: 'checkpoint' is set twice",
           "5:3: note: 'checkpoint' was first set here");
    EXPECT_CLEAN(PRELUDE "config { parallelism 4 }\nsink src to stdout();\n");
    EXPECT(PRELUDE "config { parallelism 129 }\nsink src to stdout();\n",
           "3:10: error: parallelism must be at most 128 (the key groups)");
}

/* A checkpointed program restarts its sources where the checkpoint was
 * taken: stdin cannot go back there. */
static void test_checkpoint_needs_seekable_sources(void **state)
{
    (void)state;
    EXPECT("schema S { a : int32 }\n"
           "source keys : S from stdin(format = csv);\n"
           "source more : S from file(\"m.csv\");\n"
           "stream both = keys | union more;\n"
           "sink both to stdout();\n"
           "config { checkpoint every 10s; }\n",
           "2:22: error: source 'keys' reads stdin, which cannot go back to where a checkpoint "
           "was taken; a checkpointed program reads files or generators",
           "6:10: note: the program checkpoints here");
    EXPECT_CLEAN("schema S { a : int32 }\n"
                 "source more : S from file(\"m.csv\");\n"
                 "sink more to stdout();\n"
                 "config { checkpoint every 10s to \"ck\"; }\n");
}

#define FOLLOW_TABLE_UNSUPPORTED                                                      \
    "error: 'a table with follow=true' is not supported by this version of flowc (a file " \
    "table is read to its end before the streams start)"

static void test_unsupported_once_each(void **state)
{
    (void)state;
    /* Every operator compiles: windows with lateness, dedupe, joins,
     * tables and lookups. */
    EXPECT_CLEAN(ORDERS "table names : U from file(\"n.csv\") key id;\n"
                        "stream w = orders | key by user | window session gap 1m lateness 1s\n"
                        "  | aggregate total = sum(amount) | dedupe within 1h;\n"
                        "stream j = orders as o | key by user | join users as u on o.user == u.id\n"
                        "  within 1m\n"
                        "  | lookup names as n on o.user == n.id | select total = o.amount, n.name;\n"
                        "sink w to stdout();\nsink j to stdout();\n");
    /* One error per construct not compiled yet, at its place, even when
     * it is used twice. */
    EXPECT(ORDERS "table k : O from file(\"t\", follow = true) key id;\n"
                  "table k2 : O from file(\"t2\", follow = true) key id;\n"
                  "sink orders to stdout();\n",
           "5:28: " FOLLOW_TABLE_UNSUPPORTED,
           "6:30: " FOLLOW_TABLE_UNSUPPORTED,
           "4:8: warning: source 'users' reaches no sink");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_types),
        cmocka_unit_test(test_numeric_widening),
        cmocka_unit_test(test_no_implicit_narrowing),
        cmocka_unit_test(test_timestamp_arithmetic),
        cmocka_unit_test(test_comparisons_and_logic),
        cmocka_unit_test(test_functions),
        cmocka_unit_test(test_function_ids),
        cmocka_unit_test(test_no_cascades),
        cmocka_unit_test(test_where_needs_bool),
        cmocka_unit_test(test_duplicate_declarations),
        cmocka_unit_test(test_schema_errors),
        cmocka_unit_test(test_unknown_and_misused_names),
        cmocka_unit_test(test_partial_program),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_duration_params),
        cmocka_unit_test(test_duration_rules),
        cmocka_unit_test(test_event_time),
        cmocka_unit_test(test_connectors_ok),
        cmocka_unit_test(test_connector_errors),
        cmocka_unit_test(test_kafka_and_postgres),
        cmocka_unit_test(test_select_schema),
        cmocka_unit_test(test_key_by),
        cmocka_unit_test(test_window_aggregate_schema),
        cmocka_unit_test(test_window_aggregate_errors),
        cmocka_unit_test(test_late_stream),
        cmocka_unit_test(test_join_schema),
        cmocka_unit_test(test_join_errors),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_union),
        cmocka_unit_test(test_no_sink_warnings),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_unsupported_once_each),
        cmocka_unit_test(test_checkpoint_needs_seekable_sources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
