/* fc_plan.c: the planner on parsed and checked programs: which operators
 * are fused into one stage (chains across stream boundaries, fan-out and
 * union as boundaries, stateful operators as boundaries), the record type on
 * every edge and stage, the state described for windows, joins, dedupe and
 * lookups, late streams, and the explain and DOT output made from it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "check.h"
#include "cwriter.h"
#include "diag.h"
#include "explain.h"
#include "parse.h"
#include "plan.h"

typedef struct Compiled {
    Arena *arena;
    Plan *plan;
    char *diags;
    size_t diags_len;
    int errors;
} Compiled;

/* Parse, check and plan `src`. Windows, joins and friends are rejected by
 * the checker of this version after it has typed them, so those programs
 * are planned whatever the checker said; `errors` tells how much it said. */
static Compiled *compile(const char *src)
{
    Compiled *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->arena = arena_new();
    FILE *out = open_memstream(&c->diags, &c->diags_len);
    assert_non_null(out);
    Diag d;
    diag_init(&d, "t.flow", src, strlen(src), out);
    Program *prog = parse_program(c->arena, &d, src, strlen(src));
    assert_non_null(prog);
    check_program(c->arena, &d, prog);
    fclose(out);
    c->errors = d.errors;
    c->plan = plan_build(c->arena, prog);
    return c;
}

static Compiled *compile_ok(const char *src)
{
    Compiled *c = compile(src);
    if (c->errors)
        fprintf(stderr, "%s", c->diags);
    assert_int_equal(c->errors, 0);
    return c;
}

static void release(Compiled *c)
{
    arena_free(c->arena);
    free(c->diags);
    free(c);
}

static const PlanStream *stream_named(const Plan *p, const char *name)
{
    for (int i = 0; i < p->nstreams; i++)
        if (strcmp(p->streams[i].decl->name, name) == 0)
            return &p->streams[i];
    fail_msg("no stream %s", name);
    return NULL;
}

static const PlanStage *stage_named(const Plan *p, const char *cname)
{
    for (int i = 0; i < p->nstages; i++)
        if (strcmp(p->stages[i]->cname, cname) == 0)
            return p->stages[i];
    fail_msg("no stage %s", cname);
    return NULL;
}

static const PlanNode *source_named(const Plan *p, const char *name)
{
    for (int i = 0; i < p->nsources; i++)
        if (strcmp(p->sources[i]->decl->name, name) == 0)
            return p->sources[i];
    fail_msg("no source %s", name);
    return NULL;
}

static char *explained(Compiled *c, bool dot)
{
    CWriter w;
    cw_init(&w);
    if (dot)
        explain_dot(&w, c->plan);
    else
        explain_text(&w, c->plan);
    char *text = strdup(cw_text(&w));
    cw_free(&w);
    return text;
}

#define CLICK "schema Click { user_id: int64, url: string, bytes: int32, ts: timestamp }\n"
#define CLICKS CLICK "source clicks : Click from file(\"c.csv\", format = csv) event time ts watermark 5s;\n"

/* where -> select -> (stream boundary) where -> key by: one stage, one function. */
static void test_chain_across_streams_is_one_stage(void **state)
{
    (void)state;
    Compiled *c = compile_ok(CLICKS
                             "stream a = clicks | where bytes > 10 | select user_id, url, kb = bytes / 1024;\n"
                             "stream b = a | where kb > 1 | key by user_id;\n"
                             "sink b to stdout(format = csv);\n");
    Plan *p = c->plan;
    assert_int_equal(p->nstages, 1);
    const PlanStage *st = p->stages[0];
    assert_string_equal(st->cname, "stream_a");
    assert_int_equal(st->nnodes, 4);
    assert_false(st->stateful);
    assert_int_equal(st->nodes[0]->op->kind, OP_WHERE);
    assert_int_equal(st->nodes[1]->op->kind, OP_SELECT);
    assert_int_equal(st->nodes[2]->op->kind, OP_WHERE);
    assert_int_equal(st->nodes[3]->op->kind, OP_KEY_BY);
    /* The stage takes what the source emits, and its stream b ops belong to it. */
    assert_string_equal(st->in->cname, "Click");
    assert_ptr_equal(stream_named(p, "b")->ops[0]->stage, st);
    /* The select makes a type named after the stream. */
    assert_string_equal(st->nodes[1]->out->cname, "A");
    assert_string_equal(st->nodes[3]->out->cname, "A");
    /* The source feeds the stage; the last op feeds the sink. */
    const PlanNode *src = source_named(p, "clicks");
    assert_int_equal(src->outputs.n, 1);
    assert_ptr_equal(src->outputs.items[0]->to, st->nodes[0]);
    assert_int_equal(st->nodes[3]->outputs.n, 1);
    assert_int_equal(st->nodes[3]->outputs.items[0]->to->kind, PN_SINK);
    assert_string_equal(st->nodes[3]->outputs.items[0]->type->cname, "A");
    release(c);
}

/* A stream read by two streams and a sink ends its stage; each reader
 * starts its own. */
static void test_fan_out_ends_a_stage(void **state)
{
    (void)state;
    Compiled *c = compile_ok(CLICKS
                             "stream a = clicks | where bytes > 10;\n"
                             "stream b = a | select user_id;\n"
                             "stream d = a | where bytes < 100 | select url;\n"
                             "sink a to stdout(format = csv);\n"
                             "sink b to stdout(format = csv);\n"
                             "sink d to stdout(format = csv);\n");
    Plan *p = c->plan;
    assert_int_equal(p->nstages, 3);
    const PlanStage *a = stage_named(p, "stream_a");
    const PlanStage *b = stage_named(p, "stream_b");
    const PlanStage *d = stage_named(p, "stream_d");
    assert_int_equal(a->nnodes, 1);
    assert_int_equal(b->nnodes, 1);
    assert_int_equal(d->nnodes, 2);
    /* In declaration order of the readers: b, d, then the sink. */
    const PlanNode *last = a->nodes[0];
    assert_int_equal(last->outputs.n, 3);
    assert_ptr_equal(last->outputs.items[0]->to, b->nodes[0]);
    assert_ptr_equal(last->outputs.items[1]->to, d->nodes[0]);
    assert_int_equal(last->outputs.items[2]->to->kind, PN_SINK);
    assert_string_equal(b->in->cname, "Click");
    assert_string_equal(b->nodes[0]->out->cname, "B");
    assert_string_equal(d->nodes[1]->out->cname, "D");
    /* One source feeding two streams is a fan-out too. */
    release(c);

    c = compile_ok(CLICKS
                   "stream a = clicks | where bytes > 10;\n"
                   "stream b = clicks | where bytes < 10;\n"
                   "sink a to stdout(format = csv);\n"
                   "sink b to stdout(format = csv);\n");
    assert_int_equal(c->plan->nstages, 2);
    assert_int_equal(source_named(c->plan, "clicks")->outputs.n, 2);
    release(c);
}

/* union merges: it starts a stage every input calls; what follows it is fused. */
static void test_union_starts_a_stage(void **state)
{
    (void)state;
    Compiled *c = compile_ok(CLICKS
                             "source more : Click from stdin(format = jsonl);\n"
                             "stream a = clicks | where bytes > 1;\n"
                             "stream u = a | union more | where bytes < 9 | select url;\n"
                             "sink u to stdout(format = csv);\n");
    Plan *p = c->plan;
    assert_int_equal(p->nstages, 2);
    const PlanStage *a = stage_named(p, "stream_a");
    const PlanStage *u = stage_named(p, "stream_u");
    assert_int_equal(a->nnodes, 1);
    assert_int_equal(u->nnodes, 3);
    const PlanNode *un = u->nodes[0];
    assert_int_equal(un->op->kind, OP_UNION);
    assert_int_equal(un->inputs.n, 2);
    assert_ptr_equal(un->inputs.items[0]->from, a->nodes[0]);
    assert_int_equal(un->inputs.items[0]->port, 0);
    assert_ptr_equal(un->inputs.items[1]->from, source_named(p, "more"));
    assert_int_equal(un->inputs.items[1]->port, 1);
    assert_string_equal(un->inputs.items[1]->type->cname, "Click");
    assert_string_equal(u->in->cname, "Click");
    release(c);

    /* A union in the middle of a stream splits it: the ops before it feed it. */
    c = compile_ok(CLICKS
                   "stream b = clicks | where bytes > 1;\n"
                   "stream u = clicks | where bytes < 5 | union b | select url;\n"
                   "sink u to stdout(format = csv);\n");
    p = c->plan;
    assert_int_equal(p->nstages, 3);
    const PlanStage *head = stage_named(p, "stream_u");
    const PlanStage *tail = stage_named(p, "stream_u_union");
    assert_int_equal(head->nnodes, 1);
    assert_int_equal(tail->nnodes, 2);
    assert_int_equal(head->nodes[0]->outputs.n, 1);
    assert_ptr_equal(head->nodes[0]->outputs.items[0]->to, tail->nodes[0]);
    release(c);
}

/* A stream without operators is transparent: its readers read its input. */
static void test_stream_without_ops(void **state)
{
    (void)state;
    Compiled *c = compile_ok(CLICKS
                             "stream a = clicks | where bytes > 1;\n"
                             "stream same = a;\n"
                             "stream b = same | select url;\n"
                             "sink b to stdout(format = csv);\n");
    Plan *p = c->plan;
    const PlanStream *same = stream_named(p, "same");
    assert_int_equal(same->nops, 0);
    assert_ptr_equal(same->output.node, stream_named(p, "a")->ops[0]);
    /* a's only reader is b (through same): fused. */
    assert_int_equal(p->nstages, 1);
    assert_int_equal(p->stages[0]->nnodes, 2);
    release(c);
}

/* Identical shapes share one C type; declared schemas keep their names. */
static void test_types_by_shape(void **state)
{
    (void)state;
    Compiled *c = compile_ok(CLICKS
                             "stream a = clicks | select user_id, url, bytes, ts;\n"
                             "stream b = clicks | select url;\n"
                             "stream d = clicks | select url;\n"
                             "sink a to stdout(format = csv);\n"
                             "sink b to stdout(format = csv);\n"
                             "sink d to stdout(format = csv);\n");
    Plan *p = c->plan;
    assert_int_equal(p->ntypes, 2);
    assert_string_equal(p->types[0]->cname, "Click");
    assert_string_equal(p->types[1]->cname, "B");
    assert_ptr_equal(stream_named(p, "a")->ops[0]->out, p->types[0]);
    assert_ptr_equal(stream_named(p, "d")->ops[0]->out, p->types[1]);
    release(c);
}

/* Names that C would not take are changed, uniquely. */
static void test_c_names(void **state)
{
    (void)state;
    Compiled *c = compile_ok("schema int { double: int32, return: string, bool: bool, INT8_MAX: int64 }\n"
                             "source rt : int from stdin(format = csv);\n"
                             "stream flow_str = rt | select double;\n"
                             "stream in = rt | where bool;\n"
                             "sink flow_str to stdout(format = csv);\n"
                             "sink in to stdout(format = csv);\n");
    Plan *p = c->plan;
    const PlanType *t = p->types[0];
    assert_string_equal(t->cname, "int_");
    assert_string_equal(t->members[0], "double_");
    assert_string_equal(t->members[1], "return_");
    assert_string_equal(t->members[2], "bool_");
    assert_string_equal(t->members[3], "INT8_MAX_");
    /* CamelCase of flow_str is FlowStr, the runtime's string type. */
    assert_string_equal(p->types[1]->cname, "FlowStr_");
    assert_string_equal(stage_named(p, "stream_in")->cname, "stream_in");
    /* The same wish twice gets a suffix. */
    assert_string_equal(plan_unique_name(p, "stream_in"), "stream_in_2");
    assert_string_equal(plan_unique_name(p, "stream_in"), "stream_in_3");
    assert_string_equal(plan_unique_name(p, "memcpy"), "memcpy_");
    release(c);
}

static void test_window_state(void **state)
{
    (void)state;
    Compiled *c = compile(CLICKS
                          "stream per_user = clicks\n"
                          "  | where bytes > 0\n"
                          "  | key by user_id\n"
                          "  | window tumbling 1m lateness 10s late as late_clicks\n"
                          "  | aggregate n = count(), total = sum(bytes), d = count_distinct(url)\n"
                          "  | where n > 1;\n"
                          "stream lates = late_clicks | select url;\n"
                          "sink per_user to stdout(format = csv);\n"
                          "sink lates to stdout(format = csv);\n");
    /* A tumbling window in event time is generated. */
    assert_null(strstr(c->diags, "not supported"));
    Plan *p = c->plan;
    const PlanStream *s = stream_named(p, "per_user");
    assert_int_equal(s->nops, 5);
    const PlanNode *window = s->ops[2];
    assert_int_equal(window->op->kind, OP_WINDOW);
    /* where + key by, then the window with what it feeds. */
    assert_ptr_equal(s->ops[0]->stage, s->ops[1]->stage);
    assert_ptr_not_equal(s->ops[1]->stage, window->stage);
    assert_true(window->stage->stateful);
    assert_string_equal(window->stage->cname, "stream_per_user_window");
    assert_ptr_equal(window->stage->nodes[0], window);
    assert_ptr_equal(s->ops[3]->stage, window->stage);
    assert_ptr_equal(s->ops[4]->stage, window->stage);
    assert_true(s->ops[3]->part_of_window);

    const PlanState *st = window->state;
    assert_non_null(st);
    assert_int_equal(st->kind, STATE_WINDOW);
    assert_int_equal(st->key.n, 1);
    assert_string_equal(st->key.type->schema->fields[st->key.fields[0]].name, "user_id");
    assert_non_null(strstr(st->kept, "per key and window [k*1m, (k+1)*1m)"));
    assert_non_null(strstr(st->kept, "a count for n"));
    assert_non_null(strstr(st->kept, "a running sum for total"));
    assert_non_null(strstr(st->kept, "the set of distinct values for d"));
    assert_non_null(strstr(st->freed, "+ 10s"));
    assert_non_null(strstr(st->freed, "stream late_clicks"));

    /* The aggregate's record: key, window bounds, aggregates. */
    const PlanType *out = s->ops[3]->out;
    assert_string_equal(out->cname, "PerUserAggregate");
    assert_int_equal(out->schema->nfields, 6);
    assert_string_equal(out->schema->fields[1].name, "window_start");

    /* The late output goes to the late stream's reader, with the window's input type. */
    assert_int_equal(window->late.n, 1);
    const PlanEdge *late = window->late.items[0];
    assert_true(late->late);
    assert_string_equal(late->type->cname, "Click");
    assert_ptr_equal(late->to, stream_named(p, "lates")->ops[0]);
    assert_string_equal(late->to->stage->cname, "stream_lates");

    char *text = explained(c, false);
    assert_non_null(strstr(text, "stage 2 stream_per_user_window (stateful, fused: window, "
                                 "aggregate, where):"));
    assert_non_null(strstr(text, "key: user_id int64"));
    assert_non_null(strstr(text, "late records to: stage 3 stream_lates"));
    assert_non_null(strstr(text, "watermark: source clicks (event time ts, watermark 5s)"));
    free(text);
    release(c);
}

static void test_join_dedupe_lookup_state(void **state)
{
    (void)state;
    Compiled *c = compile(CLICKS
                          "schema User { id: int64, name: string }\n"
                          "table users : User from file(\"u.csv\", format = csv) key id;\n"
                          "source views : Click from stdin(format = jsonl);\n"
                          "stream d = views | key by url | dedupe within 1h;\n"
                          "stream j = clicks | join d as r on user_id == r.user_id within 30s\n"
                          "  | select uid = clicks.user_id, url = r.url;\n"
                          "stream n = j | lookup users as u on uid == u.id | select uid, name;\n"
                          "sink n to stdout(format = csv);\n");
    assert_null(strstr(c->diags, "ambiguous"));
    Plan *p = c->plan;

    const PlanNode *dedupe = stream_named(p, "d")->ops[1];
    assert_int_equal(dedupe->state->kind, STATE_DEDUPE);
    assert_string_equal(dedupe->state->key.type->schema->fields[dedupe->state->key.fields[0]].name,
                        "url");
    assert_non_null(strstr(dedupe->state->freed, "+ 1h"));
    assert_true(dedupe->stage->stateful);

    const PlanNode *join = stream_named(p, "j")->ops[0];
    assert_int_equal(join->state->kind, STATE_JOIN);
    assert_true(join->stage->stateful);
    assert_int_equal(join->inputs.n, 2);
    assert_ptr_equal(join->inputs.items[1]->from, dedupe);
    assert_int_equal(join->inputs.items[1]->port, 1);
    assert_int_equal(join->state->key.n, 1);
    assert_int_equal(join->state->other_key.n, 1);
    assert_non_null(strstr(join->state->freed, "+ 30s"));
    /* d's single reader is the join, a stateful op: still a stage boundary. */
    assert_ptr_not_equal(dedupe->stage, join->stage);

    /* The lookup is a read-only probe: fused into the join's stage. */
    const PlanNode *lookup = stream_named(p, "n")->ops[0];
    assert_int_equal(lookup->state->kind, STATE_LOOKUP);
    assert_ptr_equal(lookup->stage, join->stage);
    assert_int_equal(lookup->inputs.n, 2);
    assert_int_equal(lookup->inputs.items[1]->from->kind, PN_TABLE);
    assert_string_equal(lookup->state->other_key.type->cname, "User");

    char *text = explained(c, false);
    assert_non_null(strstr(text, "table users"));
    assert_non_null(strstr(text, "key of users: id int64"));
    free(text);
    release(c);
}

static void test_explain_and_dot(void **state)
{
    (void)state;
    const char *src = CLICKS
        "param min : int32 = 10;\n"
        "stream a = clicks | where bytes >= min and url != \"*/\" | select user_id, url;\n"
        "sink a to file(\"out.csv\", format = csv);\n";
    Compiled *c = compile_ok(src);
    char *text = explained(c, false);
    assert_non_null(strstr(text, "records:\n  Click: schema Click (t.flow:1)\n"
                                 "    user_id int64, url string, bytes int32, ts timestamp\n"));
    assert_non_null(strstr(text, "source clicks (t.flow:2): file(\"c.csv\", format = csv)\n"));
    assert_non_null(strstr(text, "stage 1 stream_a (stateless, fused: where, select):\n"));
    assert_non_null(strstr(text, "4:21 where bytes >= min and url != \"*/\" -> Click\n"));
    assert_non_null(strstr(text, "sink 1 (t.flow:5): a to file(\"out.csv\", format = csv)\n"));
    /* Deterministic: the same again. */
    Compiled *again = compile_ok(src);
    char *text2 = explained(again, false);
    assert_string_equal(text, text2);
    free(text2);
    release(again);

    char *dot = explained(c, true);
    assert_true(strncmp(dot, "digraph \"t.flow\" {\n", 19) == 0);
    assert_non_null(strstr(dot, "subgraph cluster_stage1 {"));
    assert_non_null(strstr(dot, "label=\"stage 1: stream_a (stateless)\";"));
    assert_non_null(strstr(dot, "url != \\\"*/\\\""));
    assert_non_null(strstr(dot, "rankdir=TB;"));
    assert_non_null(strstr(dot, "\\nout: Click\\n"));
    assert_non_null(strstr(dot, "n1 -> n2;"));
    assert_string_equal(dot + strlen(dot) - 2, "}\n");
    free(dot);
    free(text);
    release(c);
}

/* The tree of an expression, fully parenthesised, to compare parses. */
static void sexpr(const Expr *e, char *out, size_t cap)
{
    char a[512] = "", b[512] = "";
    switch (e->kind) {
    case EX_UNARY:
        sexpr(e->unary.operand, a, sizeof a);
        snprintf(out, cap, "(%s %s)", e->unary.op == UN_NEG ? "neg" : "not", a);
        return;
    case EX_BINARY:
        sexpr(e->binary.lhs, a, sizeof a);
        sexpr(e->binary.rhs, b, sizeof b);
        snprintf(out, cap, "(%d %s %s)", (int)e->binary.op, a, b);
        return;
    case EX_CALL: {
        size_t k = (size_t)snprintf(out, cap, "(%s", e->call.name);
        for (const Expr *x = e->call.args; x; x = x->next) {
            sexpr(x, a, sizeof a);
            k += (size_t)snprintf(out + k, cap - k, " %s", a);
        }
        snprintf(out + k, cap - k, ")");
        return;
    }
    case EX_BETWEEN:
    case EX_IN:
    case EX_CASE:
    case EX_IS_NULL: {
        size_t k = (size_t)snprintf(out, cap, "(form%d", (int)e->kind);
        for (const Expr *x = e->form.ops; x; x = x->next) {
            sexpr(x, a, sizeof a);
            k += (size_t)snprintf(out + k, cap - k, " %s", a);
        }
        snprintf(out + k, cap - k, ")");
        return;
    }
    case EX_NAME: snprintf(out, cap, "%s", e->name.name); return;
    case EX_INT:
    case EX_DURATION: snprintf(out, cap, "%lld", (long long)e->int_value); return;
    case EX_FLOAT: snprintf(out, cap, "%.17g", e->float_value); return;
    case EX_BOOL: snprintf(out, cap, "%d", e->bool_value); return;
    case EX_STRING: snprintf(out, cap, "\"%s\"", e->string.chars); return;
    }
}

static const Expr *first_select_expr(Compiled *c)
{
    const Op *op = c->plan->streams[0].ops[0]->op;
    assert_int_equal(op->kind, OP_SELECT);
    return op->select->expr;
}

/* expr_text prints what parses back to the same tree. */
static void test_expr_text_reparses(void **state)
{
    (void)state;
    const char *exprs[] = {
        "a - (b - c)", "(a - b) - c", "a - b * c", "(a - b) * c", "-(-a)", "- -a", "-a * b",
        "-(a * b)", "not (x and y)", "not x and y", "(x or y) and z", "x or y and z",
        "(x or y) or z", "x or (y or z)", "(a < b) == (c < d)", "not a < b", "(not x) == y",
        "a % b / c", "a / (b % c)", "if(x or y, a + b, -c) * 2", "concat(s, \"a\\\"b\")",
        "a - -5", "-5 - a", "2.5 * -a", "1m + 250ms", "(a + b) % -(c)",
    };
    for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
        char src[2048];
        const char *fmt = CLICK "schema V { a: int64, b: int64, c: int64, d: int64, x: bool, y: bool, "
                                "z: bool, s: string }\nsource v : V from stdin(format = csv);\n"
                                "stream t = v | select r = %s;\nsink t to stdout(format = csv);\n";
        snprintf(src, sizeof src, fmt, exprs[i]);
        Compiled *c1 = compile_ok(src);
        char text[512];
        snprintf(text, sizeof text, "%s", expr_text(c1->arena, first_select_expr(c1)));
        snprintf(src, sizeof src, fmt, text);
        Compiled *c2 = compile_ok(src);
        char t1[1024], t2[1024];
        sexpr(first_select_expr(c1), t1, sizeof t1);
        sexpr(first_select_expr(c2), t2, sizeof t2);
        if (strcmp(t1, t2) != 0)
            fail_msg("%s printed as %s: %s != %s", exprs[i], text, t1, t2);
        assert_string_equal(expr_text(c2->arena, first_select_expr(c2)), text);
        release(c1);
        release(c2);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_across_streams_is_one_stage),
        cmocka_unit_test(test_fan_out_ends_a_stage),
        cmocka_unit_test(test_union_starts_a_stage),
        cmocka_unit_test(test_stream_without_ops),
        cmocka_unit_test(test_types_by_shape),
        cmocka_unit_test(test_c_names),
        cmocka_unit_test(test_window_state),
        cmocka_unit_test(test_join_dedupe_lookup_state),
        cmocka_unit_test(test_explain_and_dot),
        cmocka_unit_test(test_expr_text_reparses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
