/* fc_parser.c: parse_program (dsl/flow.y) on whole programs: every
 * declaration, operator and expression form and the tree it builds (kinds,
 * names, values, precedence, locations), and the recovery that reports every
 * syntax error of a file in one run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"
#include "parse.h"

typedef struct Parsed {
    Arena *arena;
    Diag diag;
    char *out;
    size_t out_len;
    Program *program;
} Parsed;

static Parsed *parse(const char *src)
{
    Parsed *p = calloc(1, sizeof *p);
    assert_non_null(p);
    p->arena = arena_new();
    FILE *out = open_memstream(&p->out, &p->out_len);
    assert_non_null(out);
    diag_init(&p->diag, "t.flow", src, strlen(src), out);
    p->program = parse_program(p->arena, &p->diag, src, strlen(src));
    fflush(out);
    return p;
}

static const char *messages(Parsed *p)
{
    fflush(p->diag.out);
    return p->out ? p->out : "";
}

static Parsed *parse_ok(const char *src)
{
    Parsed *p = parse(src);
    if (p->diag.errors != 0)
        fail_msg("unexpected errors:\n%s", messages(p));
    assert_string_equal(messages(p), "");
    return p;
}

static void parsed_free(Parsed *p)
{
    fclose(p->diag.out);
    free(p->out);
    arena_free(p->arena);
    free(p);
}

static int count_decls(const Program *prog)
{
    int n = 0;
    for (const Decl *d = prog->decls; d; d = d->next)
        n++;
    return n;
}

static Decl *decl_at(Parsed *p, int index)
{
    Decl *d = p->program->decls;
    for (int i = 0; d && i < index; i++)
        d = d->next;
    assert_non_null(d);
    return d;
}

static Op *op_at(Decl *stream, int index)
{
    assert_int_equal(stream->kind, DECL_STREAM);
    Op *op = stream->stream.ops;
    for (int i = 0; op && i < index; i++)
        op = op->next;
    assert_non_null(op);
    return op;
}

static void expect_loc(Loc loc, int line, int col)
{
    if (loc.line != line || loc.col != col)
        fail_msg("expected %d:%d, got %d:%d", line, col, loc.line, loc.col);
}

/* ---- Expressions as S-expressions, to compare trees in one line ---------- */

static const char *binary_op_text(BinaryOp op)
{
    static const char *const text[] = {
        [BIN_ADD] = "+", [BIN_SUB] = "-", [BIN_MUL] = "*", [BIN_DIV] = "/", [BIN_MOD] = "%",
        [BIN_EQ] = "==", [BIN_NE] = "!=", [BIN_LT] = "<", [BIN_LE] = "<=", [BIN_GT] = ">",
        [BIN_GE] = ">=", [BIN_AND] = "and", [BIN_OR] = "or",
    };
    return text[op];
}

static void print_expr(FILE *f, const Expr *e)
{
    switch (e->kind) {
    case EX_INT: fprintf(f, "%lld", (long long)e->int_value); break;
    case EX_FLOAT: fprintf(f, "%g", e->float_value); break;
    case EX_STRING: fprintf(f, "\"%s\"", e->string.chars); break;
    case EX_BOOL: fputs(e->bool_value ? "true" : "false", f); break;
    case EX_DURATION: fprintf(f, "%lldms", (long long)e->int_value); break;
    case EX_NAME:
        if (e->name.qualifier)
            fprintf(f, "%s.", e->name.qualifier);
        fputs(e->name.name, f);
        break;
    case EX_UNARY:
        fprintf(f, "(%s ", e->unary.op == UN_NEG ? "-" : "not");
        print_expr(f, e->unary.operand);
        fputc(')', f);
        break;
    case EX_BINARY:
        fprintf(f, "(%s ", binary_op_text(e->binary.op));
        print_expr(f, e->binary.lhs);
        fputc(' ', f);
        print_expr(f, e->binary.rhs);
        fputc(')', f);
        break;
    case EX_CALL: {
        int n = 0;
        fprintf(f, "%s(", e->call.name);
        for (const Expr *a = e->call.args; a; a = a->next, n++) {
            if (n)
                fputs(", ", f);
            print_expr(f, a);
        }
        fputc(')', f);
        assert_int_equal(n, e->call.nargs);
        break;
    }
    case EX_BETWEEN:
    case EX_IN:
    case EX_CASE:
    case EX_IS_NULL: {
        int n = 0;
        fprintf(f, "(%s%s", e->form.negated ? "not " : "",
                e->kind == EX_BETWEEN ? "between" : e->kind == EX_IN ? "in"
                : e->kind == EX_IS_NULL ? "is-null" : "case");
        if (e->kind == EX_CASE)
            fprintf(f, "%s%s", e->form.has_subject ? " subject" : "", e->form.has_else ? " else" : "");
        for (const Expr *a = e->form.ops; a; a = a->next, n++) {
            fputc(' ', f);
            print_expr(f, a);
        }
        fputc(')', f);
        assert_int_equal(n, e->form.nops);
        break;
    }
    }
}

static void expect_expr(const Expr *e, const char *want)
{
    char *got = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&got, &len);
    assert_non_null(f);
    print_expr(f, e);
    fclose(f);
    if (strcmp(got, want) != 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "expected %s, got %s", want, got);
        free(got);
        fail_msg("%s", msg);
    }
    free(got);
}

/* The condition of `stream s = in | where EXPR;`, parsed without errors. */
static void expect_where(const char *expr, const char *want)
{
    char src[512];
    snprintf(src, sizeof src, "stream s = in | where %s;", expr);
    Parsed *p = parse_ok(src);
    Op *op = op_at(decl_at(p, 0), 0);
    assert_int_equal(op->kind, OP_WHERE);
    expect_expr(op->where, want);
    parsed_free(p);
}

/* ---- Whole programs -------------------------------------------------------- */

static const char first_program[] =
    "# clicks.flow: heavy clicks per user, per minute\n"                     /* 1 */
    "schema Click {\n"                                                        /* 2 */
    "  user_id : int64,\n"                                                    /* 3 */
    "  url     : string,\n"                                                   /* 4 */
    "  bytes   : int32,\n"                                                    /* 5 */
    "  ts      : timestamp,\n"                                                /* 6 */
    "}\n"                                                                     /* 7 */
    "\n"                                                                      /* 8 */
    "param min_bytes : int32 = 1000;\n"                                       /* 9 */
    "\n"                                                                      /* 10 */
    "source clicks : Click\n"                                                 /* 11 */
    "  from file(\"data/clicks.csv\", format = csv)\n"                        /* 12 */
    "  event time ts watermark 5s;\n"                                         /* 13 */
    "\n"                                                                      /* 14 */
    "stream per_user = clicks\n"                                              /* 15 */
    "  | where bytes >= min_bytes\n"                                          /* 16 */
    "  | key by user_id\n"                                                    /* 17 */
    "  | window tumbling 1m\n"                                                /* 18 */
    "  | aggregate n = count(), total = sum(bytes), biggest = max(bytes);\n"  /* 19 */
    "\n"                                                                      /* 20 */
    "sink per_user to stdout(format = csv);\n";                               /* 21 */

static void test_first_program(void **state)
{
    (void)state;
    Parsed *p = parse_ok(first_program);
    assert_string_equal(p->program->filename, "t.flow");
    assert_int_equal(count_decls(p->program), 5);

    Decl *schema = decl_at(p, 0);
    assert_int_equal(schema->kind, DECL_SCHEMA);
    assert_string_equal(schema->name, "Click");
    expect_loc(schema->loc, 2, 1);
    expect_loc(schema->name_loc, 2, 8);
    static const char *const fields[][2] = {
        { "user_id", "int64" }, { "url", "string" }, { "bytes", "int32" }, { "ts", "timestamp" },
    };
    int i = 0;
    for (FieldDecl *f = schema->schema_fields; f; f = f->next, i++) {
        assert_true(i < 4);
        assert_string_equal(f->name, fields[i][0]);
        assert_string_equal(f->type_name, fields[i][1]);
        expect_loc(f->loc, 3 + i, 3);
        expect_loc(f->type_loc, 3 + i, 13);
    }
    assert_int_equal(i, 4);

    Decl *param = decl_at(p, 1);
    assert_int_equal(param->kind, DECL_PARAM);
    assert_string_equal(param->name, "min_bytes");
    assert_string_equal(param->param.type_name, "int32");
    expect_loc(param->param.type_loc, 9, 19);
    assert_int_equal(param->param.value->kind, EX_INT);
    assert_int_equal(param->param.value->int_value, 1000);
    expect_loc(param->param.value->loc, 9, 27);

    Decl *source = decl_at(p, 2);
    assert_int_equal(source->kind, DECL_SOURCE);
    assert_string_equal(source->name, "clicks");
    expect_loc(source->loc, 11, 1);
    assert_string_equal(source->source.schema_ref->name, "Click");
    expect_loc(source->source.schema_ref->loc, 11, 17);
    assert_string_equal(source->source.conn.name, "file");
    expect_loc(source->source.conn.loc, 12, 8);
    ConnArg *path = source->source.conn.args;
    assert_string_equal(path->key, "path");
    assert_int_equal(path->value->kind, EX_STRING);
    assert_string_equal(path->value->string.chars, "data/clicks.csv");
    expect_loc(path->loc, 12, 13);
    ConnArg *format = path->next;
    assert_string_equal(format->key, "format");
    expect_loc(format->loc, 12, 32);
    assert_int_equal(format->value->kind, EX_NAME);
    assert_string_equal(format->value->name.name, "csv");
    assert_null(format->next);
    assert_string_equal(source->source.event_time, "ts");
    expect_loc(source->source.event_time_loc, 13, 14);
    assert_true(source->source.has_watermark);
    assert_int_equal(source->source.watermark.ms, 5000);
    assert_false(source->source.has_idle);
    assert_int_equal(source->source.event_time_field, -1);

    Decl *stream = decl_at(p, 3);
    assert_int_equal(stream->kind, DECL_STREAM);
    assert_string_equal(stream->name, "per_user");
    assert_string_equal(stream->stream.input->name, "clicks");
    expect_loc(stream->stream.input->loc, 15, 19);
    assert_null(stream->stream.alias);
    Op *where = op_at(stream, 0);
    assert_int_equal(where->kind, OP_WHERE);
    expect_loc(where->loc, 16, 5);
    expect_expr(where->where, "(>= bytes min_bytes)");
    expect_loc(where->where->loc, 16, 17);
    Op *key = op_at(stream, 1);
    assert_int_equal(key->kind, OP_KEY_BY);
    expect_loc(key->loc, 17, 5);
    assert_int_equal(key->key_by.nfields, 1);
    expect_expr(key->key_by.fields, "user_id");
    expect_loc(key->key_by.fields->loc, 17, 12);
    Op *window = op_at(stream, 2);
    assert_int_equal(window->kind, OP_WINDOW);
    assert_int_equal(window->window.kind, WIN_TUMBLING);
    assert_int_equal(window->window.size.ms, 60000);
    assert_int_equal(window->window.lateness.ms, 0);
    assert_null(window->window.late_as);
    Op *agg = op_at(stream, 3);
    assert_int_equal(agg->kind, OP_AGGREGATE);
    assert_null(agg->next);
    Item *n = agg->aggregate, *total = n->next, *biggest = total->next;
    assert_string_equal(n->name, "n");
    assert_string_equal(n->agg_name, "count");
    assert_null(n->expr);
    expect_loc(n->loc, 19, 15);
    expect_loc(n->agg_loc, 19, 19);
    assert_string_equal(total->name, "total");
    assert_string_equal(total->agg_name, "sum");
    expect_expr(total->expr, "bytes");
    assert_string_equal(biggest->agg_name, "max");
    assert_null(biggest->next);

    Decl *sink = decl_at(p, 4);
    assert_int_equal(sink->kind, DECL_SINK);
    assert_null(sink->name);
    assert_string_equal(sink->sink.stream->name, "per_user");
    expect_loc(sink->sink.stream->loc, 21, 6);
    assert_string_equal(sink->sink.conn.name, "stdout");
    assert_string_equal(sink->sink.conn.args->key, "format");
    parsed_free(p);
}

static void test_schema_forms(void **state)
{
    (void)state;
    /* No trailing comma, one line, and field names that are keywords
     * elsewhere in the language. */
    Parsed *p = parse_ok("schema Event { key : string, time : timestamp, state : string, "
                         "session : string, every : int32, gap : int64, late : bool, "
                         "memory : int64, count : int64, first : string, last : string, "
                         "min : float64, max : float64, sum : float64, avg : float64, "
                         "source : string, table : string, window : int32, by : int32, "
                         "stream : string, sink : string, select : int32, join : int32 }\n"
                         "schema One { x : int32 };\n");
    static const char *const names[] = {
        "key", "time", "state", "session", "every", "gap", "late", "memory", "count",
        "first", "last", "min", "max", "sum", "avg", "source", "table", "window", "by",
        "stream", "sink", "select", "join",
    };
    int i = 0;
    for (FieldDecl *f = decl_at(p, 0)->schema_fields; f; f = f->next, i++)
        assert_string_equal(f->name, names[i]);
    assert_int_equal(i, (int)(sizeof names / sizeof names[0]));
    assert_int_equal(count_decls(p->program), 2); /* the stray ';' is an empty declaration */
    assert_string_equal(decl_at(p, 1)->schema_fields->type_name, "int32");
    parsed_free(p);
}

/* A clause's duration is a literal or a name (a duration param, which the
 * checker resolves): the name and its place are kept. */
static void test_duration_args(void **state)
{
    (void)state;
    Parsed *p = parse_ok("source s : S from stdin() event time ts watermark wm idle 1m;\n"
                         "stream w = s | window sliding size every 5s lateness late "
                         "| aggregate n = count();\n"
                         "stream j = s | join t on a == b within bound | dedupe within 1h;\n");
    Decl *s = decl_at(p, 0);
    assert_string_equal(s->source.watermark.param, "wm");
    expect_loc(s->source.watermark.loc, 1, 51);
    assert_null(s->source.idle.param);
    assert_int_equal(s->source.idle.ms, 60000);
    Op *window = op_at(decl_at(p, 1), 0);
    assert_string_equal(window->window.size.param, "size");
    expect_loc(window->window.size.loc, 2, 31);
    assert_null(window->window.slide.param);
    assert_int_equal(window->window.slide.ms, 5000);
    assert_string_equal(window->window.lateness.param, "late");
    Op *join = op_at(decl_at(p, 2), 0);
    assert_string_equal(join->join.within.param, "bound");
    assert_null(op_at(decl_at(p, 2), 1)->dedupe.within.param);
    parsed_free(p);
}

/* `join ... left|right|full` (docs/language.md, "Outer joins"): the sides
 * whose records without a match are kept; `right` and `full` stay names. */
static void test_outer_joins(void **state)
{
    (void)state;
    Parsed *p = parse_ok("stream a = s | join t on x == y within 1s;\n"
                         "stream b = s | join t on x == y within 1s left;\n"
                         "stream c = s | join t on x == y within 1s right | select right, full;\n"
                         "stream d = s | join t on x == y window tumbling 1m full;\n");
    const bool left[] = { false, true, false, true }, right[] = { false, false, true, true };
    for (int i = 0; i < 4; i++) {
        Op *join = op_at(decl_at(p, i), 0);
        assert_int_equal(join->kind, OP_JOIN);
        assert_int_equal(join->join.left, left[i]);
        assert_int_equal(join->join.right, right[i]);
    }
    assert_true(op_at(decl_at(p, 3), 0)->join.windowed);
    Item *it = op_at(decl_at(p, 2), 1)->select;
    assert_string_equal(it->name, "right");
    assert_string_equal(it->next->name, "full");
    parsed_free(p);
}

static void test_param_literals(void **state)
{
    (void)state;
    Parsed *p = parse_ok("param a : int32 = -7;\n"
                         "param b : int64 = -9223372036854775808;\n"
                         "param c : int64 = 9223372036854775807;\n"
                         "param d : float64 = -2.5e-3;\n"
                         "param e : string = \"DE\\n\";\n"
                         "param f : bool = true;\n"
                         "param g : bool = false;\n"
                         "param h : int64 = 90s;\n"
                         "param i : int64 = -1m;\n"
                         "param since : timestamp = \"2024-03-01T00:00:00Z\";\n");
    Expr *v = decl_at(p, 0)->param.value;
    assert_int_equal(v->kind, EX_INT);
    assert_int_equal(v->int_value, -7);
    expect_loc(v->loc, 1, 19); /* at the '-' */
    assert_true(decl_at(p, 1)->param.value->int_value == INT64_MIN);
    assert_true(decl_at(p, 2)->param.value->int_value == INT64_MAX);
    v = decl_at(p, 3)->param.value;
    assert_int_equal(v->kind, EX_FLOAT);
    assert_true(v->float_value == -2.5e-3);
    v = decl_at(p, 4)->param.value;
    assert_int_equal(v->kind, EX_STRING);
    assert_int_equal(v->string.len, 3);
    assert_string_equal(v->string.chars, "DE\n");
    assert_int_equal(decl_at(p, 5)->param.value->kind, EX_BOOL);
    assert_true(decl_at(p, 5)->param.value->bool_value);
    assert_false(decl_at(p, 6)->param.value->bool_value);
    v = decl_at(p, 7)->param.value;
    assert_int_equal(v->kind, EX_DURATION);
    assert_int_equal(v->int_value, 90000);
    assert_int_equal(decl_at(p, 8)->param.value->int_value, -60000);
    assert_string_equal(decl_at(p, 9)->param.type_name, "timestamp");
    parsed_free(p);

    p = parse("param big : int64 = 9223372036854775808;\n"
              "param ok : int32 = 1;\n");
    assert_string_equal(messages(p), "t.flow:1:21: error: integer literal 9223372036854775808 "
                                     "is too large (the largest is 9223372036854775807)\n"
                                     "param big : int64 = 9223372036854775808;\n"
                                     "                    ^\n");
    assert_int_equal(count_decls(p->program), 2);
    parsed_free(p);

    /* A param's value is a literal, not an expression. */
    p = parse("param x : int32 = 1 + 2;\nparam y : int32 = 3;\n");
    assert_int_equal(p->diag.errors, 1);
    assert_non_null(strstr(messages(p), "t.flow:1:21: error: unexpected '+', expected ';'"));
    assert_int_equal(count_decls(p->program), 1);
    assert_string_equal(decl_at(p, 0)->name, "y");
    parsed_free(p);
}

static void test_source_and_table(void **state)
{
    (void)state;
    Parsed *p = parse_ok(
        "source live : Order\n"
        "  from kafka(brokers = \"localhost:9092\", topic = \"orders\", group = \"fraud\",\n"
        "             format = json, start = earliest)\n"
        "  event time ts idle 30s watermark 10s;\n"
        "source batch : Order from stdin(format = csv, header = false);\n"
        "source synthetic : Click\n"
        "  from generator(count = 1000000, seed = 42, keys = 5000, disorder = 200ms,)\n"
        "  event time ts;\n"
        "table users : User from file(\"users.csv\", format = csv) key user_id;\n");
    assert_int_equal(count_decls(p->program), 4);
    Decl *live = decl_at(p, 0);
    assert_int_equal(live->source.watermark.ms, 10000);
    assert_int_equal(live->source.idle.ms, 30000);
    assert_true(live->source.has_watermark && live->source.has_idle);
    static const char *const keys[] = { "brokers", "topic", "group", "format", "start" };
    int i = 0;
    for (ConnArg *a = live->source.conn.args; a; a = a->next, i++)
        assert_string_equal(a->key, keys[i]);
    assert_int_equal(i, 5);

    Decl *batch = decl_at(p, 1);
    assert_null(batch->source.event_time);
    assert_false(batch->source.has_watermark);
    assert_false(batch->source.has_idle);
    ConnArg *header = batch->source.conn.args->next;
    assert_string_equal(header->key, "header");
    assert_int_equal(header->value->kind, EX_BOOL);
    assert_false(header->value->bool_value);

    Decl *synthetic = decl_at(p, 2);
    assert_string_equal(synthetic->source.event_time, "ts");
    assert_false(synthetic->source.has_watermark);
    ConnArg *disorder = synthetic->source.conn.args->next->next->next;
    assert_string_equal(disorder->key, "disorder");
    assert_int_equal(disorder->value->kind, EX_DURATION);
    assert_int_equal(disorder->value->int_value, 200);
    assert_null(disorder->next);

    Decl *users = decl_at(p, 3);
    assert_int_equal(users->kind, DECL_TABLE);
    assert_string_equal(users->name, "users");
    assert_string_equal(users->source.schema_ref->name, "User");
    assert_string_equal(users->source.key, "user_id");
    expect_loc(users->source.key_loc, 9, 61);
    assert_null(users->source.event_time);
    parsed_free(p);

    p = parse("source s : S from stdin(format = csv) event time ts watermark 1s watermark 2s;\n");
    assert_int_equal(p->diag.errors, 1);
    assert_non_null(strstr(messages(p), "t.flow:1:66: error: 'watermark' is given twice"));
    assert_int_equal(decl_at(p, 0)->source.watermark.ms, 2000);
    parsed_free(p);
}

static void test_connector_args(void **state)
{
    (void)state;
    Parsed *p = parse_ok("param input : string = \"orders.csv\";\n"
                         "source a : S from file(input, format = csv, on_error = fail);\n"
                         "source b : S from file(path = \"x.csv\", format = csv);\n"
                         "source c : S from generator(seed = -3, rate = -1.5);\n"
                         "sink a to stdout();\n"
                         "sink b to kafka(brokers = \"k:9092\", topic = \"t\", key = user_id);\n");
    ConnArg *input = decl_at(p, 1)->source.conn.args;
    assert_string_equal(input->key, "path");
    assert_int_equal(input->value->kind, EX_NAME);
    assert_string_equal(input->value->name.name, "input");
    assert_string_equal(decl_at(p, 2)->source.conn.args->key, "path");
    ConnArg *seed = decl_at(p, 3)->source.conn.args;
    assert_int_equal(seed->value->kind, EX_INT);
    assert_int_equal(seed->value->int_value, -3);
    assert_true(seed->next->value->float_value == -1.5);
    assert_null(decl_at(p, 4)->sink.conn.args);
    ConnArg *key = decl_at(p, 5)->sink.conn.args->next->next;
    assert_string_equal(key->key, "key");
    assert_string_equal(key->value->name.name, "user_id");
    parsed_free(p);

    /* Only file's first argument may be bare; others are reported and dropped. */
    p = parse("sink a to file(format = csv, \"out.csv\");\n"
              "sink a to stdout(csv);\n");
    assert_int_equal(p->diag.errors, 2);
    const char *msg = messages(p);
    assert_non_null(strstr(msg, "t.flow:1:30: error: only the first argument of file(...) may "
                                "leave out its name; write NAME = VALUE\n"));
    assert_non_null(strstr(msg, "t.flow:2:18: error: arguments of stdout(...) are written "
                                "NAME = VALUE\n"));
    assert_int_equal(count_decls(p->program), 2);
    ConnArg *only = decl_at(p, 0)->sink.conn.args;
    assert_string_equal(only->key, "format");
    assert_null(only->next);
    assert_null(decl_at(p, 1)->sink.conn.args);
    parsed_free(p);
}

static void test_stream_operators(void **state)
{
    (void)state;
    /* An aggregate item is one call: arithmetic on aggregates is reported. */
    Parsed *p = parse("stream s = r | aggregate spread = max(t) - min(t);\n");
    assert_int_equal(p->diag.errors, 1);
    assert_non_null(strstr(messages(p), "t.flow:1:42: error: unexpected '-'"));
    parsed_free(p);

    p = parse_ok(
        "stream enriched = orders as o\n"
        "  | join payments as p on o.order_id == p.order_id\n"
        "      and o.user_id == p.user_id within 10m\n"
        "  | lookup users as u on o.user_id == u.user_id\n"
        "  | select o.order_id, ts = o.ts, p.amount, tier = upper(u.tier)\n"
        "  | key by order_id, o.tier\n"
        "  | dedupe within 1h\n"
        "  | union refunds, chargebacks, disputes\n"
        "  | join shipments on order_id == shipments.order_id window tumbling 1d;\n"
        "stream per_sensor = readings\n"
        "  | key by sensor\n"
        "  | window sliding 10m every 1m lateness 30s late as late_readings\n"
        "  | aggregate mean = avg(temp_c), n = count_distinct(sensor), hi = max(temp_c);\n"
        "stream visits = clicks\n"
        "  | key by user_id\n"
        "  | window session gap 30m late as lost lateness 1m\n"
        "  | aggregate pages = count();\n"
        "stream copy = clicks;\n");
    assert_int_equal(count_decls(p->program), 4);

    Decl *enriched = decl_at(p, 0);
    assert_string_equal(enriched->stream.alias, "o");
    expect_loc(enriched->stream.alias_loc, 1, 29);

    Op *join = op_at(enriched, 0);
    assert_int_equal(join->kind, OP_JOIN);
    expect_loc(join->loc, 2, 5);
    assert_string_equal(join->join.other->name, "payments");
    expect_loc(join->join.other->loc, 2, 10);
    assert_string_equal(join->join.alias, "p");
    assert_false(join->join.windowed);
    assert_int_equal(join->join.within.ms, 600000);
    JoinEq *eq = join->join.eqs;
    expect_expr(eq->left, "o.order_id");
    expect_expr(eq->right, "p.order_id");
    expect_loc(eq->loc, 2, 38);
    expect_expr(eq->next->left, "o.user_id");
    expect_expr(eq->next->right, "p.user_id");
    assert_null(eq->next->next);

    Op *lookup = op_at(enriched, 1);
    assert_int_equal(lookup->kind, OP_LOOKUP);
    assert_string_equal(lookup->join.other->name, "users");
    assert_string_equal(lookup->join.alias, "u");
    expect_expr(lookup->join.eqs->left, "o.user_id");
    expect_expr(lookup->join.eqs->right, "u.user_id");

    Op *select = op_at(enriched, 2);
    assert_int_equal(select->kind, OP_SELECT);
    Item *it = select->select;
    assert_string_equal(it->name, "order_id");
    expect_expr(it->expr, "o.order_id");
    expect_loc(it->loc, 5, 12);
    it = it->next;
    assert_string_equal(it->name, "ts");
    expect_expr(it->expr, "o.ts");
    it = it->next;
    assert_string_equal(it->name, "amount");
    expect_expr(it->expr, "p.amount");
    it = it->next;
    assert_string_equal(it->name, "tier");
    expect_expr(it->expr, "upper(u.tier)");
    expect_loc(it->loc, 5, 45);
    assert_null(it->next);

    Op *key = op_at(enriched, 3);
    assert_int_equal(key->key_by.nfields, 2);
    expect_expr(key->key_by.fields, "order_id");
    expect_expr(key->key_by.fields->next, "o.tier");

    Op *dedupe = op_at(enriched, 4);
    assert_int_equal(dedupe->kind, OP_DEDUPE);
    assert_int_equal(dedupe->dedupe.within.ms, 3600000);

    Op *un = op_at(enriched, 5);
    assert_int_equal(un->kind, OP_UNION);
    assert_string_equal(un->union_of->name, "refunds");
    assert_string_equal(un->union_of->next->name, "chargebacks");
    expect_loc(un->union_of->next->loc, 8, 20);
    assert_string_equal(un->union_of->next->next->name, "disputes");
    expect_loc(un->union_of->next->next->loc, 8, 33);
    assert_null(un->union_of->next->next->next);

    Op *wjoin = op_at(enriched, 6);
    assert_int_equal(wjoin->kind, OP_JOIN);
    assert_null(wjoin->join.alias);
    assert_true(wjoin->join.windowed);
    assert_int_equal(wjoin->join.window.ms, 86400000);
    assert_null(wjoin->next);

    Op *sliding = op_at(decl_at(p, 1), 1);
    assert_int_equal(sliding->window.kind, WIN_SLIDING);
    assert_int_equal(sliding->window.size.ms, 600000);
    assert_int_equal(sliding->window.slide.ms, 60000);
    assert_int_equal(sliding->window.lateness.ms, 30000);
    assert_string_equal(sliding->window.late_as, "late_readings");
    expect_loc(sliding->window.late_as_loc, 12, 54);
    Item *agg = op_at(decl_at(p, 1), 2)->aggregate;
    assert_string_equal(agg->agg_name, "avg");
    assert_string_equal(agg->next->agg_name, "count_distinct");
    expect_expr(agg->next->expr, "sensor");

    Op *session = op_at(decl_at(p, 2), 1);
    assert_int_equal(session->window.kind, WIN_SESSION);
    assert_int_equal(session->window.gap.ms, 1800000);
    assert_int_equal(session->window.lateness.ms, 60000);
    assert_string_equal(session->window.late_as, "lost");

    assert_null(decl_at(p, 3)->stream.ops);
    parsed_free(p);

    p = parse("stream w = r | window tumbling 1m lateness 1s lateness 2s;\n");
    assert_int_equal(p->diag.errors, 1);
    assert_non_null(strstr(messages(p), "t.flow:1:47: error: 'lateness' is given twice"));
    parsed_free(p);

    /* Early results: `emit every` among the window's clauses, in any order. */
    p = parse_ok("stream w = r | window session gap 5m lateness 1m emit every 30s late as l "
                 "| aggregate n = count();\n");
    Op *early = op_at(decl_at(p, 0), 0);
    assert_true(early->update.has_every);
    assert_int_equal(early->update.every.ms, 30000);
    assert_int_equal(early->window.lateness.ms, 60000);
    assert_string_equal(early->window.late_as, "l");
    parsed_free(p);
    p = parse("stream w = r | window tumbling 1m emit every 1s emit every 2s;\n");
    assert_int_equal(p->diag.errors, 1);
    assert_non_null(strstr(messages(p), "t.flow:1:49: error: 'emit every' is given twice"));
    parsed_free(p);
}

static void test_config(void **state)
{
    (void)state;
    Parsed *p = parse_ok("config {\n"
                         "  checkpoint every 30s to \"/var/lib/orders/ckpt\";\n"
                         "  checkpoint every 1m;\n"
                         "  state rocksdb \"/var/lib/orders/state\";\n"
                         "  state memory;;\n"
                         "  parallelism 4\n"
                         "}\n"
                         "config { }\n");
    assert_int_equal(count_decls(p->program), 2);
    Decl *config = decl_at(p, 0);
    assert_int_equal(config->kind, DECL_CONFIG);
    expect_loc(config->loc, 1, 1);
    ConfigSetting *s = config->config;
    assert_int_equal(s->kind, CFG_CHECKPOINT);
    assert_int_equal(s->every_ms, 30000);
    assert_string_equal(s->dir, "/var/lib/orders/ckpt");
    expect_loc(s->loc, 2, 3);
    s = s->next;
    assert_int_equal(s->kind, CFG_CHECKPOINT);
    assert_int_equal(s->every_ms, 60000);
    assert_null(s->dir);
    s = s->next;
    assert_int_equal(s->kind, CFG_STATE_ROCKSDB);
    assert_string_equal(s->dir, "/var/lib/orders/state");
    s = s->next;
    assert_int_equal(s->kind, CFG_STATE_MEMORY);
    s = s->next;
    assert_int_equal(s->kind, CFG_PARALLELISM);
    assert_int_equal(s->parallelism, 4);
    expect_loc(s->loc, 6, 3);
    assert_null(s->next);
    assert_null(decl_at(p, 1)->config);
    parsed_free(p);

    p = parse("config { checkpoint every 30 ; }\n");
    assert_string_equal(messages(p), "t.flow:1:27: error: a duration needs a unit: us, ms, s, m, "
                                     "h or d (e.g. 30s)\n"
                                     "config { checkpoint every 30 ; }\n"
                                     "                          ^\n");
    parsed_free(p);
}

/* ---- Expressions ------------------------------------------------------------ */

static void test_precedence(void **state)
{
    (void)state;
    expect_where("a or b and c", "(or a (and b c))");
    expect_where("a and b or c and d", "(or (and a b) (and c d))");
    expect_where("a or b or c", "(or (or a b) c)");
    expect_where("not a and b", "(and (not a) b)");
    expect_where("not a == b", "(not (== a b))");
    expect_where("not not a", "(not (not a))");
    expect_where("a + b * c == d - e / f % g", "(== (+ a (* b c)) (- d (% (/ e f) g)))");
    expect_where("a - b - c", "(- (- a b) c)");
    expect_where("a / b * c", "(* (/ a b) c)");
    expect_where("(a + b) * c", "(* (+ a b) c)");
    expect_where("-a * b", "(* (- a) b)");
    expect_where("- -a", "(- (- a))");
    expect_where("a - -b", "(- a (- b))");
    expect_where("x != 1 and y <= 2 or z >= 3 and w < 4 or v > 5",
                 "(or (or (and (!= x 1) (<= y 2)) (and (>= z 3) (< w 4))) (> v 5))");
    expect_where("(a < b) == (c < d)", "(== (< a b) (< c d))");
    expect_where("ts + 5m > now and o.amount * 100 >= min_cents",
                 "(and (> (+ ts 300000ms) now) (>= (* o.amount 100) min_cents))");
    expect_where("if(a > b, lower(s), concat(s, \"x\", t)) == \"y\"",
                 "(== if((> a b), lower(s), concat(s, \"x\", t)) \"y\")");
    expect_where("abs(-x) + abs(-3)", "(+ abs((- x)) abs(-3))");
    expect_where("key == 1 and time > 2 and count(state) > session",
                 "(and (and (== key 1) (> time 2)) (> count(state) session))");
    /* `like` binds as a comparison, `not like` negates it, and `like` is
     * still a name. */
    expect_where("s like \"a%\" and t not like p or like like x + y",
                 "(or (and like(s, \"a%\") (not like(t, p))) like(like, (+ x y)))");
    expect_where("not s like p", "(not like(s, p))");
}

/* between and in bind tighter than comparisons, looser than arithmetic; the
 * `and` of between is not the logical one (docs/language.md, "Conditional
 * expressions"). */
static void test_conditional_expressions(void **state)
{
    (void)state;
    expect_where("x between 1 and 2 and y", "(and (between x 1 2) y)");
    expect_where("x + 1 not between a * 2 and b", "(not between (+ x 1) (* a 2) b)");
    expect_where("ok == x between 1 and 2", "(== ok (between x 1 2))");
    expect_where("x in (1, 2, 3) or not y not in (\"a\")",
                 "(or (in x 1 2 3) (not (not in y \"a\")))");
    expect_where("case when a then 1 when b then 2 else 3 end > 1",
                 "(> (case else a 1 b 2 3) 1)");
    expect_where("case x when 1 then true end", "(case subject x 1 true)");
    expect_where("x + 1 is null or y is not null and not z is null",
                 "(or (is-null (+ x 1)) (and (not is-null y) (not (is-null z))))");
    expect_where("is is not null", "(not is-null is)");
}

static void test_literals_in_expressions(void **state)
{
    (void)state;
    expect_where("x == -2147483648", "(== x -2147483648)");
    expect_where("x > -2.5", "(> x -2.5)");
    expect_where("x > -5s", "(> x -5000ms)");
    expect_where("x == true or y == false", "(or (== x true) (== y false))");
    expect_where("x == \"a\\tb\"", "(== x \"a\tb\")");
    expect_where("x - 1 == y", "(== (- x 1) y)");

    /* A folded literal keeps the position of its '-'. */
    Parsed *p = parse_ok("stream s = in | where x > - 7;");
    Expr *lit = op_at(decl_at(p, 0), 0)->where->binary.rhs;
    assert_int_equal(lit->kind, EX_INT);
    assert_int_equal(lit->int_value, -7);
    expect_loc(lit->loc, 1, 27);
    parsed_free(p);

    /* 2^63 fits only right after its '-': the smallest int64. */
    p = parse_ok("stream s = in | where x > -9223372036854775808 - 1;");
    lit = op_at(decl_at(p, 0), 0)->where->binary.rhs->binary.lhs;
    assert_int_equal(lit->kind, EX_INT);
    assert_true(lit->int_value == INT64_MIN);
    expect_loc(lit->loc, 1, 27);
    parsed_free(p);
    p = parse("stream s = in | where x > 9223372036854775808 or x > (9223372036854775808)\n"
              "  or x > 2 * -(9223372036854775808) or x > - -9223372036854775808;");
    assert_int_equal(p->diag.errors, 4);
    const char *m = messages(p);
    assert_non_null(strstr(m, "t.flow:1:27: error: integer literal 9223372036854775808 is too "
                              "large (the largest is 9223372036854775807)"));
    assert_non_null(strstr(m, "t.flow:1:55: error: integer literal 9223372036854775808 is too "
                              "large"));
    assert_non_null(strstr(m, "t.flow:2:16: error: integer literal 9223372036854775808 is too "
                              "large"));
    assert_non_null(strstr(m, "t.flow:2:44: error: the negation of -9223372036854775808 does "
                              "not fit in int64"));
    parsed_free(p);
}

static void test_expression_locations(void **state)
{
    (void)state;
    Parsed *p = parse_ok("stream s = in\n"
                         "  | where not (a + b.c) / f(x, y) >= 10 or z\n"
                         "  | select v = -q, w = lower(name);\n");
    Expr *or = op_at(decl_at(p, 0), 0)->where;
    expect_loc(or->loc, 2, 41);
    Expr *not = or->binary.lhs;
    assert_int_equal(not->kind, EX_UNARY);
    assert_int_equal(not->unary.op, UN_NOT);
    expect_loc(not->loc, 2, 11);
    Expr *ge = not->unary.operand;
    expect_loc(ge->loc, 2, 35);
    Expr *div = ge->binary.lhs;
    expect_loc(div->loc, 2, 25);
    Expr *add = div->binary.lhs;
    expect_loc(add->loc, 2, 18);
    Expr *qualified = add->binary.rhs;
    assert_string_equal(qualified->name.qualifier, "b");
    assert_string_equal(qualified->name.name, "c");
    expect_loc(qualified->loc, 2, 20);
    Expr *call = div->binary.rhs;
    assert_int_equal(call->kind, EX_CALL);
    assert_string_equal(call->call.name, "f");
    assert_int_equal(call->call.nargs, 2);
    expect_loc(call->loc, 2, 27);
    expect_loc(call->call.name_loc, 2, 27);
    expect_loc(call->call.args->next->loc, 2, 32);
    expect_loc(ge->binary.rhs->loc, 2, 38);

    Item *v = op_at(decl_at(p, 0), 1)->select;
    assert_int_equal(v->expr->kind, EX_UNARY);
    assert_int_equal(v->expr->unary.op, UN_NEG);
    expect_loc(v->expr->loc, 3, 16);
    Expr *lower = v->next->expr;
    assert_int_equal(lower->call.nargs, 1);
    expect_loc(lower->call.args->loc, 3, 30);
    parsed_free(p);

    p = parse_ok("stream s = in | select n = count();");
    Expr *empty = op_at(decl_at(p, 0), 0)->select->expr;
    assert_int_equal(empty->kind, EX_CALL);
    assert_int_equal(empty->call.nargs, 0);
    assert_null(empty->call.args);
    parsed_free(p);
}

static void test_soft_keywords_as_names(void **state)
{
    (void)state;
    /* A schema of real-world field names that double as Flow keywords, used
     * everywhere a name can stand. */
    Parsed *p = parse_ok(
        "schema Log { time : timestamp, key : string, source : string, state : string,\n"
        "             session : string, window : int32, every : int32, count : int64 }\n"
        "param gap : int64 = 30s;\n"
        "source table : Log from file(\"log.csv\", format = csv) event time time;\n"
        "stream stream = table as from\n"
        "  | where state == \"open\" and from.source != \"bot\" and every > gap\n"
        "  | select time, key, session, window = window + 1, count\n"
        "  | key by key, session\n"
        "  | window session gap 5m late as late\n"
        "  | aggregate first = first(key), last = last(key), count = count();\n"
        "sink stream to file(\"out.csv\", format = csv);\n");
    Decl *source = decl_at(p, 2);
    assert_string_equal(source->name, "table");
    assert_string_equal(source->source.event_time, "time");
    Decl *stream = decl_at(p, 3);
    assert_string_equal(stream->name, "stream");
    assert_string_equal(stream->stream.input->name, "table");
    assert_string_equal(stream->stream.alias, "from");
    expect_expr(op_at(stream, 0)->where, "(and (and (== state \"open\") (!= from.source \"bot\")) "
                                         "(> every gap))");
    Item *items = op_at(stream, 1)->select;
    assert_string_equal(items->name, "time");
    assert_string_equal(items->next->next->next->name, "window");
    expect_expr(items->next->next->next->expr, "(+ window 1)");
    assert_string_equal(op_at(stream, 3)->window.late_as, "late");
    Item *agg = op_at(stream, 4)->aggregate;
    assert_string_equal(agg->name, "first");
    assert_string_equal(agg->agg_name, "first");
    assert_string_equal(agg->next->next->name, "count");
    assert_string_equal(decl_at(p, 4)->sink.stream->name, "stream");
    parsed_free(p);
}

/* ---- Errors ---------------------------------------------------------------- */

static void test_three_errors_one_run(void **state)
{
    (void)state;
    static const char src[] =
        "schema Order {\n"                                     /* 1 */
        "  order_id : int64,\n"                                /* 2 */
        "  amount   : float64\n"                               /* 3 */
        "  ts       : timestamp,\n"                            /* 4: missing ',' above */
        "}\n"                                                  /* 5 */
        "\n"                                                   /* 6 */
        "source orders : Order from file(\"orders.csv\", format = csv);\n"
        "\n"                                                   /* 8 */
        "stream big = orders\n"                                /* 9 */
        "  | where amount >= 100.0 and\n"                      /* 10 */
        "  | select order_id, ts;\n"                           /* 11: operand missing */
        "\n"                                                   /* 12 */
        "stream small = orders | where amount < 10.0;\n"       /* 13 */
        "\n"                                                   /* 14 */
        "sink big stdout(format = csv);\n"                     /* 15: 'to' missing */
        "sink small to stdout(format = jsonl);\n";             /* 16 */
    Parsed *p = parse(src);
    assert_string_equal(messages(p),
                        "t.flow:4:3: error: unexpected 'ts', expected 'from', '}', ',' or '?'\n"
                        "  ts       : timestamp,\n"
                        "  ^\n"
                        "t.flow:11:3: error: unexpected '|', expected an expression\n"
                        "  | select order_id, ts;\n"
                        "  ^\n"
                        "t.flow:15:10: error: unexpected 'stdout', expected 'to'\n"
                        "sink big stdout(format = csv);\n"
                        "         ^\n");
    assert_int_equal(p->diag.errors, 3);
    /* The declarations without errors are all there, in order. */
    assert_int_equal(count_decls(p->program), 3);
    assert_string_equal(decl_at(p, 0)->name, "orders");
    assert_string_equal(decl_at(p, 1)->name, "small");
    assert_string_equal(decl_at(p, 2)->sink.stream->name, "small");
    parsed_free(p);
}

static void test_missing_semicolon(void **state)
{
    (void)state;
    /* The error is at the end of the line that lacks the ';'; the next
     * declaration still parses. */
    Parsed *p = parse("stream ok = clicks | where status < 400\n"
                      "sink ok to stdout(format = csv);\n"
                      "source s : S from stdin(format = csv)\n"
                      "stream t = s;\n");
    assert_int_equal(p->diag.errors, 2);
    const char *msg = messages(p);
    assert_non_null(strstr(msg, "t.flow:1:40: error: missing ';' at the end of this line (the "
                                "next declaration, 'sink', starts on line 2)\n"));
    assert_non_null(strstr(msg, "t.flow:3:38: error: missing ';' at the end of this line (the "
                                "next declaration, 'stream', starts on line 4)\n"));
    assert_int_equal(count_decls(p->program), 2);
    assert_int_equal(decl_at(p, 0)->kind, DECL_SINK);
    assert_string_equal(decl_at(p, 1)->name, "t");
    parsed_free(p);

    p = parse("stream s = in | where x > 1");
    assert_string_equal(messages(p), "t.flow:1:28: error: unexpected end of file, expected an "
                                     "operator, ';' or '|'\n"
                                     "stream s = in | where x > 1\n"
                                     "                           ^\n");
    parsed_free(p);
}

/* The first message for `src`, which must be the only one. */
static void expect_error(const char *src, const char *want)
{
    Parsed *p = parse(src);
    const char *msg = messages(p);
    size_t len = strcspn(msg, "\n");
    if (p->diag.errors != 1 || strlen(want) != len || strncmp(msg, want, len) != 0)
        fail_msg("for:\n%s\nexpected the one error\n  %s\ngot %d:\n%s", src, want,
                 p->diag.errors, msg);
    parsed_free(p);
}

static void test_error_messages(void **state)
{
    (void)state;
    expect_error("stream a = c | filter x > 1;",
                 "t.flow:1:16: error: unknown pipeline operator 'filter'; the operators are "
                 "where, select, key by, window, aggregate, join, lookup, union, dedupe and top");
    expect_error("stream a = c | wehre x > 1;",
                 "t.flow:1:16: error: unknown pipeline operator 'wehre'; the operators are "
                 "where, select, key by, window, aggregate, join, lookup, union, dedupe and top "
                 "(did you mean 'where'?)");
    expect_error("stream a = c | 5;",
                 "t.flow:1:16: error: unexpected '5', expected a pipeline operator (where, "
                 "select, key by, window, aggregate, join, lookup, union, dedupe or top)");
    expect_error("stream a = c | where x = 1;",
                 "t.flow:1:24: error: unexpected '=', expected an operator, ';' or '|' "
                 "(equality is written '==')");
    expect_error("stream a = c | key user_id;",
                 "t.flow:1:20: error: unexpected 'user_id', expected 'by'");
    expect_error("stream a = c | window hopping 5s;",
                 "t.flow:1:23: error: unexpected 'hopping', expected 'tumbling', 'sliding', "
                 "'cumulate' or 'session'");
    expect_error("stream a = c | window tumbling 5;",
                 "t.flow:1:32: error: a duration needs a unit: us, ms, s, m, h or d (e.g. 5s)");
    expect_error("stream a = c | where a < b < c;",
                 "t.flow:1:28: error: comparisons cannot be chained; write 'a < b and b < c'");
    expect_error("stream a = c | where a < b < c < d;",
                 "t.flow:1:28: error: comparisons cannot be chained; write 'a < b and b < c'");
    expect_error("stream a = c | select a, b + 1;",
                 "t.flow:1:28: error: this select item needs a name: write NAME = EXPR");
    expect_error("stream a = c | aggregate count();",
                 "t.flow:1:31: error: unexpected '(', expected '='");
    expect_error("stream a = c | join d on c.k = d.k within 5s;",
                 "t.flow:1:30: error: unexpected '=', expected an operator (equality is "
                 "written '==')");
    expect_error("stream a = c | join d on c.k == d.k ttl;",
                 "t.flow:1:40: error: unexpected ';', expected a name, an integer or a duration");
    expect_error("param p : int32 = ;", "t.flow:1:19: error: unexpected ';', expected a literal");
    expect_error("source s : S from file(\"a\") event ts;",
                 "t.flow:1:35: error: unexpected 'ts', expected 'time'");
    expect_error("config { state memry; }",
                 "t.flow:1:16: error: unexpected 'memry', expected 'memory' or 'rocksdb'");
    expect_error("config { state rocksdb; }",
                 "t.flow:1:23: error: unexpected ';', expected a string");
    expect_error("schema S { }", "t.flow:1:12: error: unexpected '}', expected a name");
    expect_error("schema S { a int32 }", "t.flow:1:14: error: unexpected 'int32', expected ':'");
    expect_error("stream s = in | where f(a,);",
                 "t.flow:1:27: error: unexpected ')', expected an expression");
    expect_error("stream s = in | where \"abc\" \"def\";",
                 "t.flow:1:29: error: unexpected string \"def\", expected an operator, ';' or '|'");
    expect_error("sink x to stdout(format = csv)",
                 "t.flow:1:31: error: unexpected end of file, expected ';'");
    expect_error("stream = in;", "t.flow:1:8: error: unexpected '=', expected a name");
    expect_error("where x;", "t.flow:1:1: error: unexpected 'where', expected a declaration "
                             "(schema, param, source, table, stream, sink or config)");
    expect_error("stream s = in | where and;",
                 "t.flow:1:23: error: unexpected 'and', expected an expression");
}

static void test_lexical_errors_do_not_cascade(void **state)
{
    (void)state;
    /* A stray character drops its declaration silently after its own
     * message; a bad literal keeps it. */
    Parsed *p = parse("stream a = c | where x @ y;\n"
                      "stream b = c | where x > 5sec and y == \"a\\qb\";\n"
                      "stream d = c | where s == \"open;\n"
                      "stream e = c;\n");
    const char *msg = messages(p);
    assert_int_equal(p->diag.errors, 4);
    assert_non_null(strstr(msg, "t.flow:1:24: error: unexpected character '@'\n"));
    assert_non_null(strstr(msg, "t.flow:2:27: error: invalid suffix 'sec' on a number"));
    assert_non_null(strstr(msg, "t.flow:2:42: error: unknown escape sequence '\\q'"));
    assert_non_null(strstr(msg, "t.flow:3:27: error: unterminated string literal"));
    assert_int_equal(count_decls(p->program), 2);
    assert_string_equal(decl_at(p, 0)->name, "b");
    assert_string_equal(decl_at(p, 1)->name, "e");
    parsed_free(p);
}

static void test_errors_at_start_of_declaration(void **state)
{
    (void)state;
    /* Right after a recovery, an error two tokens into the next
     * declaration is still reported. */
    Parsed *p = parse("stream a = ;\n"
                      "sink a stdout();\n"
                      "param p int32 = 1;\n");
    assert_int_equal(p->diag.errors, 3);
    const char *msg = messages(p);
    assert_non_null(strstr(msg, "t.flow:1:12: error: unexpected ';', expected a name\n"));
    assert_non_null(strstr(msg, "t.flow:2:8: error: unexpected 'stdout', expected 'to'\n"));
    assert_non_null(strstr(msg, "t.flow:3:9: error: unexpected 'int32', expected ':'\n"));
    assert_int_equal(count_decls(p->program), 0);
    parsed_free(p);
}

static void test_empty_programs(void **state)
{
    (void)state;
    static const char *const sources[] = { "", "\n\n", "# only a comment", ";;;", "  \t\r\n" };
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++) {
        Parsed *p = parse_ok(sources[i]);
        assert_null(p->program->decls);
        parsed_free(p);
    }
}

/* ---- Robustness -------------------------------------------------------------- */

static char *repeat(const char *prefix, const char *unit, int n, const char *suffix)
{
    size_t len = strlen(prefix) + strlen(unit) * (size_t)n + strlen(suffix) + 1;
    char *s = malloc(len);
    assert_non_null(s);
    strcpy(s, prefix);
    for (int i = 0; i < n; i++)
        strcat(s, unit);
    strcat(s, suffix);
    return s;
}

static void test_nesting_limits(void **state)
{
    (void)state;
    /* 200 levels are fine. */
    char *src = repeat("stream s = in | where a", " + a", 200, ";");
    Parsed *p = parse_ok(src);
    parsed_free(p);
    free(src);

    /* A 300-term chain is reported once, where it passes the limit. */
    src = repeat("stream s = in | where a", " + a", 300, ";\nstream t = in;");
    p = parse(src);
    assert_int_equal(p->diag.errors, 1);
    assert_non_null(strstr(messages(p), "t.flow:1:1045: error: expression nested too deeply "
                                        "(more than 256 levels)"));
    assert_int_equal(count_decls(p->program), 2);
    parsed_free(p);
    free(src);

    /* Deep parentheses, calls and prefix operators end in an error, not a crash. */
    static const char *const openers[] = { "(", "f(", "-", "not " };
    for (size_t i = 0; i < sizeof openers / sizeof openers[0]; i++) {
        src = repeat("stream s = in | where ", openers[i], 20000, "x");
        p = parse(src);
        assert_true(p->diag.errors >= 1);
        parsed_free(p);
        free(src);
    }
}

/* A small deterministic generator, so that failures reproduce. */
static uint32_t next_random(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

static void check_program_shape(const Program *prog)
{
    for (const Decl *d = prog->decls; d; d = d->next) {
        assert_true(d->loc.line >= 1 && d->loc.col >= 1);
        if (d->kind == DECL_STREAM)
            for (const Op *op = d->stream.ops; op; op = op->next)
                assert_true(op->loc.line >= 1);
    }
}

static void test_garbage_does_not_crash(void **state)
{
    (void)state;
    static const char *const words[] = {
        "schema", "param", "source", "table", "stream", "sink", "config", "from", "event",
        "time", "watermark", "idle", "key", "as", "to", "where", "select", "by", "window",
        "tumbling", "sliding", "session", "every", "gap", "lateness", "late", "aggregate",
        "join", "on", "within", "lookup", "union", "dedupe", "checkpoint", "state", "memory",
        "rocksdb", "parallelism", "and", "or", "not", "true", "false", "x", "count", "file",
        "42", "-7", "3.5", "5s", "1500us", "\"s\"", "\"\\q\"", "==", "!=", "<", "<=", ">",
        ">=", "=", "+", "-", "*", "/", "%", "(", ")", "{", "}", ",", ";", ":", "|", ".", "@",
        "\n", "#c\n", "'", "\"",
    };
    const size_t nwords = sizeof words / sizeof words[0];
    uint32_t seed = 20240301;
    char src[2048];
    for (int round = 0; round < 3000; round++) {
        size_t len = 0;
        int ntokens = (int)(next_random(&seed) % 60);
        for (int i = 0; i < ntokens; i++) {
            const char *w = words[next_random(&seed) % nwords];
            len += (size_t)snprintf(src + len, sizeof src - len, "%s ", w);
        }
        src[len] = '\0';
        Parsed *p = parse(src);
        check_program_shape(p->program);
        parsed_free(p);
    }
    for (int round = 0; round < 1000; round++) {
        size_t len = next_random(&seed) % 200;
        for (size_t i = 0; i < len; i++)
            src[i] = (char)(next_random(&seed) % 255 + 1);
        src[len] = '\0';
        Parsed *p = parse(src);
        check_program_shape(p->program);
        parsed_free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_program),
        cmocka_unit_test(test_schema_forms),
        cmocka_unit_test(test_outer_joins),
        cmocka_unit_test(test_param_literals),
        cmocka_unit_test(test_duration_args),
        cmocka_unit_test(test_source_and_table),
        cmocka_unit_test(test_connector_args),
        cmocka_unit_test(test_stream_operators),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_literals_in_expressions),
        cmocka_unit_test(test_expression_locations),
        cmocka_unit_test(test_conditional_expressions),
        cmocka_unit_test(test_soft_keywords_as_names),
        cmocka_unit_test(test_three_errors_one_run),
        cmocka_unit_test(test_missing_semicolon),
        cmocka_unit_test(test_error_messages),
        cmocka_unit_test(test_lexical_errors_do_not_cascade),
        cmocka_unit_test(test_errors_at_start_of_declaration),
        cmocka_unit_test(test_empty_programs),
        cmocka_unit_test(test_nesting_limits),
        cmocka_unit_test(test_garbage_does_not_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
