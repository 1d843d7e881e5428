/* fuzz_fc_parser.c: libFuzzer target for the scanner and parser. Any bytes
 * must parse without a crash, leak or undefined behaviour, and the tree that
 * comes back must hold together: every node has a position inside the file
 * and every count matches its list. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "parse.h"

static FILE *devnull;

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_fc_parser: broken tree: %s\n", what);
        abort();
    }
}

static void check_loc(Loc loc, int lines)
{
    check(loc.line >= 1 && loc.line <= lines && loc.col >= 1, "location outside the file");
}

static void check_expr(const Expr *e, int lines)
{
    check_loc(e->loc, lines);
    switch (e->kind) {
    case EX_STRING:
        check(e->string.chars != NULL && e->string.len >= 0, "string literal");
        break;
    case EX_NAME:
        check(e->name.name != NULL, "name without text");
        break;
    case EX_UNARY:
        check_expr(e->unary.operand, lines);
        break;
    case EX_BINARY:
        check_expr(e->binary.lhs, lines);
        check_expr(e->binary.rhs, lines);
        break;
    case EX_CALL: {
        int n = 0;
        for (const Expr *a = e->call.args; a; a = a->next, n++)
            check_expr(a, lines);
        check(n == e->call.nargs, "nargs");
        break;
    }
    case EX_BETWEEN:
    case EX_IN:
    case EX_CASE: {
        int n = 0;
        for (const Expr *a = e->form.ops; a; a = a->next, n++)
            check_expr(a, lines);
        check(n == e->form.nops, "nops");
        check(e->kind != EX_BETWEEN || n == 3, "between has 3 operands");
        check(e->kind != EX_IN || n >= 2, "in has a value and a list");
        check(e->kind != EX_CASE || n - e->form.has_subject - e->form.has_else >= 2,
              "case has a when");
        break;
    }
    default:
        break;
    }
}

static void check_connector(const Connector *c, int lines)
{
    check(c->name != NULL, "connector name");
    check_loc(c->loc, lines);
    for (const ConnArg *a = c->args; a; a = a->next) {
        check(a->key != NULL, "connector argument without a key");
        check_expr(a->value, lines);
    }
}

static void check_op(const Op *op, int lines)
{
    check_loc(op->loc, lines);
    switch (op->kind) {
    case OP_WHERE:
        check_expr(op->where, lines);
        break;
    case OP_SELECT:
    case OP_AGGREGATE:
        for (const Item *it = op->kind == OP_SELECT ? op->select : op->aggregate; it;
             it = it->next) {
            check_loc(it->loc, lines);
            if (it->expr)
                check_expr(it->expr, lines);
            check(op->kind == OP_SELECT ? it->expr != NULL : it->agg_name != NULL, "item");
        }
        break;
    case OP_KEY_BY: {
        int n = 0;
        for (const Expr *e = op->key_by.fields; e; e = e->next, n++)
            check(e->kind == EX_NAME, "key by a non-name");
        check(n == op->key_by.nfields && n > 0, "key by count");
        break;
    }
    case OP_JOIN:
    case OP_LOOKUP:
        check(op->join.other != NULL && op->join.eqs != NULL, "join parts");
        for (const JoinEq *eq = op->join.eqs; eq; eq = eq->next) {
            check_expr(eq->left, lines);
            check_expr(eq->right, lines);
        }
        break;
    case OP_UNION:
        check(op->union_of != NULL, "union without inputs");
        break;
    default:
        break;
    }
}

static void check_program(const Program *prog, int lines)
{
    for (const Decl *d = prog->decls; d; d = d->next) {
        check_loc(d->loc, lines);
        switch (d->kind) {
        case DECL_SCHEMA:
            check(d->schema_fields != NULL, "schema without fields");
            break;
        case DECL_PARAM:
            check_expr(d->param.value, lines);
            break;
        case DECL_SOURCE:
        case DECL_TABLE:
            check_connector(&d->source.conn, lines);
            break;
        case DECL_STREAM:
            for (const Op *op = d->stream.ops; op; op = op->next)
                check_op(op, lines);
            break;
        case DECL_SINK:
            check_connector(&d->sink.conn, lines);
            break;
        default:
            break;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    char *src = malloc(size + 1);
    if (!src)
        return 0;
    memcpy(src, data, size);
    src[size] = '\0';
    int lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += src[i] == '\n';

    Arena *arena = arena_new();
    Diag d;
    diag_init(&d, "fuzz.flow", src, size, devnull);
    Program *prog = parse_program(arena, &d, src, size);
    check(prog != NULL, "no program");
    check_program(prog, lines);
    arena_free(arena);
    free(src);
    return 0;
}
