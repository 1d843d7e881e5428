/* fc_operators.c: the operator table (compiler/operators.h): every OpKind
 * has its row, in the enum's order; the spellings are unique; and the
 * planner, explain and the emitter say what the table says (the spelling
 * heads each operator's text, the stateful rows are exactly the stage
 * boundaries the planner makes, the FlowOperatorDef names). */
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
#include "emit.h"
#include "explain.h"
#include "optable.h"
#include "parse.h"
#include "plan.h"

/* The number of rows, counted by the preprocessor from the table itself. */
enum {
#define OP(kind, spelling, role, check, state, describe, emit, snapshot, restore) ROW_##kind,
#include "operators.h"
#undef OP
    NROWS
};

/* One program with every operator; each stream is read by a sink, so that
 * the emitter writes every stage. */
static const char program[] =
    "schema Click { user_id: int64, url: string, bytes: int32, ts: timestamp }\n"
    "schema User { id: int64, name: string }\n"
    "source clicks : Click from file(\"c.csv\", format = csv) event time ts watermark 5s;\n"
    "source views : Click from file(\"v.csv\", format = csv) event time ts watermark 5s;\n"
    "table users : User from file(\"u.csv\", format = csv) key id;\n"
    "stream a = clicks | where bytes > 0 | union views | select user_id, url, ts;\n"
    "stream w = a | key by user_id | window tumbling 1m | aggregate n = count();\n"
    "stream d = views | key by url | dedupe within 1h;\n"
    "stream j = clicks | key by user_id | join d as r on user_id == r.user_id within 30s\n"
    "  | select uid = clicks.user_id, url = r.url;\n"
    "stream l = j | lookup users as u on uid == u.id | select uid, name;\n"
    "sink w to stdout(format = csv);\n"
    "sink l to stdout(format = csv);\n"
    "stream t = views | key by url | aggregate n = count() ttl 1h;\n"
    "sink t to stdout(format = csv);\n"
    "stream p = w | top 3 by n desc rank as r;\n"
    "sink p to stdout(format = csv);\n";

typedef struct Compiled {
    Arena *arena;
    Plan *plan;
    int errors;
} Compiled;

static Compiled compile(void)
{
    Compiled c = { arena_new(), NULL, 0 };
    Diag d;
    diag_init(&d, "t.flow", program, strlen(program), stderr);
    Program *prog = parse_program(c.arena, &d, program, strlen(program));
    assert_non_null(prog);
    check_program(c.arena, &d, prog);
    c.errors = d.errors;
    c.plan = plan_build(c.arena, prog);
    return c;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_every_kind_has_its_row(void **state)
{
    (void)state;
    assert_int_equal(op_count(), NROWS);
    assert_int_equal(OP_TOP + 1, NROWS); /* the last OpKind is the last row */
    for (int k = 0; k < op_count(); k++) {
        const OpInfo *info = op_info((OpKind)k);
        assert_int_equal(info->kind, k);
        assert_non_null(info->spelling);
        assert_true(info->spelling[0] != '\0');
        /* Checkpoints: every stateful operator saves and restores its
         * state (both functions); the others keep nothing to save. */
        if (info->role == OPROLE_STATEFUL) {
            assert_non_null(info->snapshot);
            assert_non_null(info->restore);
        } else {
            assert_null(info->snapshot);
            assert_null(info->restore);
        }
    }
}

static void test_spellings_are_unique(void **state)
{
    (void)state;
    for (int i = 0; i < op_count(); i++)
        for (int j = i + 1; j < op_count(); j++)
            assert_string_not_equal(op_info((OpKind)i)->spelling, op_info((OpKind)j)->spelling);
    assert_string_equal(op_info(OP_KEY_BY)->spelling, "key by");
}

static void test_roles(void **state)
{
    (void)state;
    assert_true(op_is_stateful(OP_WINDOW));
    assert_true(op_is_stateful(OP_JOIN));
    assert_true(op_is_stateful(OP_DEDUPE));
    assert_true(op_is_stateful(OP_UPDATE));
    assert_true(op_is_stateful(OP_TOP));
    assert_int_equal(op_info(OP_AGGREGATE)->role, OPROLE_PART);
    assert_int_equal(op_info(OP_LOOKUP)->role, OPROLE_STATELESS);
    assert_int_equal(op_info(OP_WHERE)->role, OPROLE_STATELESS);
}

/* Every operator of the program: its text (as explain and the generated
 * comments print it) starts with its spelling, and it starts a stateful
 * stage exactly when its row says it is stateful. */
static void test_plan_and_explain_agree(void **state)
{
    (void)state;
    Compiled c = compile();
    assert_int_equal(c.errors, 0);
    bool seen[NROWS] = { false };
    for (int i = 0; i < c.plan->nnodes; i++) {
        const PlanNode *n = c.plan->nodes[i];
        if (n->kind != PN_OP)
            continue;
        const OpInfo *info = op_info(n->op->kind);
        seen[n->op->kind] = true;
        assert_true(starts_with(op_text(c.arena, n->op), info->spelling));
        bool starts = n->stage->nodes[0] == n && n->stage->stateful;
        assert_int_equal(starts, info->role == OPROLE_STATEFUL);
    }
    for (int k = 0; k < NROWS; k++)
        assert_true(seen[k]);

    CWriter w;
    cw_init(&w);
    explain_text(&w, c.plan);
    const char *text = cw_text(&w);
    assert_non_null(strstr(text, "(stateless, fused: union, select, key by)"));
    assert_non_null(strstr(text, "(stateful, fused: window, aggregate)"));
    assert_non_null(strstr(text, "dedupe within 1h"));
    assert_non_null(strstr(text, "updating aggregate ttl 1h"));
    assert_non_null(strstr(text, "the lookup in stream l"));
    assert_null(strstr(text, "key_by"));
    cw_free(&w);
    arena_free(c.arena);
}

/* The generated FlowOperatorDef array names each operator as the table
 * spells it. */
static void test_emitter_agrees(void **state)
{
    (void)state;
    Compiled c = compile();
    CWriter w;
    cw_init(&w);
    Diag d;
    diag_init(&d, "t.flow", program, strlen(program), stderr);
    EmitOptions opt = { 0 };
    assert_true(emit_program(&w, c.plan, &d, &opt));
    const char *text = cw_text(&w);
    assert_non_null(strstr(text, "{ \"window at t.flow:7:"));
    assert_non_null(strstr(text, "{ \"dedupe at t.flow:8:"));
    assert_non_null(strstr(text, "{ \"join at t.flow:9:"));
    assert_non_null(strstr(text, "{ \"updating aggregate at t.flow:14:"));
    assert_non_null(strstr(text, "/* t.flow:7: key by user_id: no code"));
    cw_free(&w);
    arena_free(c.arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_has_its_row),
        cmocka_unit_test(test_spellings_are_unique),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_plan_and_explain_agree),
        cmocka_unit_test(test_emitter_agrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
