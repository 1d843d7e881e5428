/* flow.y: the grammar of the Flow language (LANGUAGE.md §3-§7). Builds the
 * AST of compiler/ast.h in the compilation's arena; it resolves nothing (that
 * is the checker's job) and only rejects what the tree cannot represent.
 *
 * Locations: a declaration is at its keyword, an operator at its keyword, a
 * name, call or literal at its first token, a folded negative literal at its
 * '-', and a unary or binary expression at its operator, which is where a
 * run-time error in it (a division by zero) is best shown.
 *
 * Errors: a syntax error is reported at the offending token; the parser then
 * drops the declaration and resumes at the next declaration keyword or after
 * the next ';' (rule `decls: decls error`), so one run reports the errors of
 * every declaration and at most one per declaration. */

%require "3.8"
%define api.pure full
%define api.token.prefix {TOK_}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {yyscan_t scanner} {ParseCtx *ctx}

%code requires {
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"

#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif

/* What the scanner and the parser share during one parse_program. */
typedef struct ParseCtx {
    Arena *arena;
    Diag *diag;
    Decl **last_decl;      /* where the next declaration is linked */
    int line, col;         /* scanner: position of the next byte */
    int end_line, end_col; /* scanner: just past the last token (end of file is shown there) */
    int tok_line, tok_col; /* scanner: start of the last token */
    int prev_line, prev_col, prev_end_line, prev_end_col; /* the token before it */
} ParseCtx;

/* An expression with its nesting depth, which is bounded so that the passes
 * walking the tree recursively cannot run out of stack. `comparison` spots
 * `a < b < c`: 1 for a comparison, 2 once its chaining has been reported. */
typedef struct ExprVal {
    Expr *expr;
    int depth;
    int comparison;
    bool unsigned_min;  /* the literal 9223372036854775808, valid only after a '-' */
} ExprVal;

/* Lists are built left-recursively, in source order, through `next`. */
typedef struct ExprList { Expr *head, *tail; int n, depth; } ExprList;
typedef struct FieldList { FieldDecl *head, *tail; } FieldList;
typedef struct ArgList { ConnArg *head, *tail; } ArgList;
typedef struct ItemList { Item *head, *tail; } ItemList;
typedef struct EqList { JoinEq *head, *tail; } EqList;
typedef struct RefList { NameRef *head, *tail; } RefList;
typedef struct OpList { Op *head, *tail; } OpList;
typedef struct SettingList { ConfigSetting *head, *tail; } SettingList;
typedef struct TopKeyList { TopKey *head, *tail; int n; } TopKeyList;
/* `top N by KEYS [rank as NAME]`: the rank field's name as written, or NULL. */
typedef struct TopRank { const char *name; Loc loc; } TopRank;

typedef struct Alias { const char *name; Loc loc; } Alias;

/* `event time F [watermark D] [idle D]`, in either order after the field. */
typedef struct EventTime {
    const char *field;
    Loc field_loc;
    bool has_watermark, has_idle;
    DurationArg watermark, idle;
} EventTime;

/* A window operator and whether `lateness` was given (0ms is a valid value,
 * so the Op alone cannot tell). */
typedef struct WindowClause { Op *op; bool has_lateness; } WindowClause;

/* A join's bound: `within D`, `within D before and D2 after`, `window
 * tumbling D`, or none (a regular join). */
typedef struct JoinBound {
    bool windowed, asymmetric, regular;
    DurationArg d, after;
} JoinBound;
typedef struct JoinOuter { bool left, right; } JoinOuter;
}

%code provides {
/* The scanner's entry point, as flex defines it (see flow.l). */
#define YY_DECL \
    int yylex(YYSTYPE *yylval_param, YYLTYPE *yylloc_param, yyscan_t yyscanner, ParseCtx *ctx)
YY_DECL;
}

%code {
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "connectors.h"
#include "flow.lex.h"

/* Deeper expressions are rejected; real ones stay far below. */
enum { MAX_EXPR_DEPTH = 256 };

#define LOC(l) ((Loc){ (l).first_line, (l).first_column })

#define LIST_START(list, node) ((list).head = (list).tail = (node))
/* `node` is evaluated twice: pass a variable, never a call. */
#define LIST_APPEND(list, node) ((list).tail->next = (node), (list).tail = (node))

static void yyerror(YYLTYPE *loc, yyscan_t scanner, ParseCtx *ctx, const char *msg);

static Decl *new_decl(ParseCtx *ctx, DeclKind kind, YYLTYPE kw, const char *name,
                      YYLTYPE name_loc)
{
    Decl *d = arena_alloc(ctx->arena, sizeof *d);
    d->kind = kind;
    d->loc = LOC(kw);
    d->name = name;
    d->name_loc = name ? LOC(name_loc) : (Loc){ 0, 0 };
    return d;
}

static Op *new_op(ParseCtx *ctx, OpKind kind, YYLTYPE kw)
{
    Op *op = arena_alloc(ctx->arena, sizeof *op);
    op->kind = kind;
    op->loc = LOC(kw);
    return op;
}

static NameRef *new_ref(ParseCtx *ctx, const char *name, YYLTYPE loc)
{
    NameRef *r = arena_alloc(ctx->arena, sizeof *r);
    r->name = name;
    r->loc = LOC(loc);
    return r;
}

static Expr *new_expr(ParseCtx *ctx, ExprKind kind, Loc loc)
{
    Expr *e = arena_alloc(ctx->arena, sizeof *e);
    e->kind = kind;
    e->loc = loc;
    return e;
}

static ExprVal leaf(Expr *e)
{
    return (ExprVal){ e, 1, 0, false };
}

/* An operand as it enters a binary expression: by now the literal 2^63 has
 * met its '-' or never will. */
static ExprVal settled(ParseCtx *ctx, ExprVal v)
{
    if (v.unsigned_min) {
        diag_error(ctx->diag, v.expr->loc, "integer literal 9223372036854775808 is too large "
                   "(the largest is %" PRId64 ")", INT64_MAX);
        v.expr->int_value = 0;
        v.unsigned_min = false;
    }
    return v;
}

/* The depth of a node over children of depth `child`; reported once, where
 * the limit is crossed. */
static int nest(ParseCtx *ctx, int child, Loc loc)
{
    if (child == MAX_EXPR_DEPTH)
        diag_error(ctx->diag, loc, "expression nested too deeply (more than %d levels)",
                   MAX_EXPR_DEPTH);
    return child + 1;
}

static int max_int(int a, int b)
{
    return a > b ? a : b;
}

static ExprVal binary(ParseCtx *ctx, BinaryOp op, ExprVal lhs, ExprVal rhs, YYLTYPE op_loc)
{
    Expr *e = new_expr(ctx, EX_BINARY, LOC(op_loc));
    e->binary.op = op;
    e->binary.lhs = lhs.expr;
    e->binary.rhs = rhs.expr;
    return (ExprVal){ e, nest(ctx, max_int(lhs.depth, rhs.depth), e->loc), 0, false };
}

/* `-` on a numeric literal folds into the literal, so that `-2147483648` is
 * an int32 like `-7`; on anything else it is a UN_NEG node. */
static ExprVal negate(ParseCtx *ctx, ExprVal v, YYLTYPE op_loc)
{
    Expr *e = v.expr;
    switch (e->kind) {
    case EX_INT:
    case EX_DURATION:
        /* Through uint64_t: -2^63 is 2^63's own negation. */
        if (e->kind == EX_INT && e->int_value == INT64_MIN && !v.unsigned_min)
            diag_error(ctx->diag, LOC(op_loc), "the negation of %" PRId64 " does not fit in "
                       "int64", INT64_MIN);
        e->int_value = (int64_t)(0 - (uint64_t)e->int_value);
        e->loc = LOC(op_loc);
        v.unsigned_min = false;
        return v;
    case EX_FLOAT:
        e->float_value = -e->float_value;
        e->loc = LOC(op_loc);
        return v;
    default: {
        Expr *u = new_expr(ctx, EX_UNARY, LOC(op_loc));
        u->unary.op = UN_NEG;
        u->unary.operand = e;
        return (ExprVal){ u, nest(ctx, v.depth, u->loc), 0, false };
    }
    }
}

static ExprVal logical_not(ParseCtx *ctx, ExprVal v, YYLTYPE op_loc)
{
    Expr *u = new_expr(ctx, EX_UNARY, LOC(op_loc));
    u->unary.op = UN_NOT;
    u->unary.operand = v.expr;
    return (ExprVal){ u, nest(ctx, v.depth, u->loc), 0, false };
}

/* An integer literal of magnitude `u`: 2^63 only fits when negative. */
static Expr *int_literal(ParseCtx *ctx, uint64_t u, bool negative, YYLTYPE loc)
{
    Expr *e = new_expr(ctx, EX_INT, LOC(loc));
    if (u > (uint64_t)INT64_MAX && !negative) {
        diag_error(ctx->diag, e->loc, "integer literal %" PRIu64 " is too large (the largest is %"
                   PRId64 ")", u, INT64_MAX);
        u = 0;
    }
    e->int_value = u > (uint64_t)INT64_MAX ? INT64_MIN : negative ? -(int64_t)u : (int64_t)u;
    return e;
}

static Expr *name_expr(ParseCtx *ctx, const char *qualifier, const char *name, YYLTYPE loc)
{
    Expr *e = new_expr(ctx, EX_NAME, LOC(loc));
    e->name.qualifier = qualifier;
    e->name.name = name;
    return e;
}

static ExprVal call(ParseCtx *ctx, const char *name, YYLTYPE name_loc, ExprList args)
{
    Expr *e = new_expr(ctx, EX_CALL, LOC(name_loc));
    e->call.name = name;
    e->call.name_loc = e->loc;
    e->call.args = args.head;
    e->call.nargs = args.n;
    return (ExprVal){ e, nest(ctx, args.depth, e->loc), 0, false };
}

/* `s like p` is the call like(s, p) at the operator (the checker's
 * FN_LIKE); `s not like p` its negation. */
static ExprVal like(ParseCtx *ctx, ExprVal s, ExprVal p, YYLTYPE op_loc, bool negated)
{
    s.expr->next = p.expr;
    p.expr->next = NULL;
    ExprList args = { s.expr, p.expr, 2, s.depth > p.depth ? s.depth : p.depth };
    ExprVal v = call(ctx, "like", op_loc, args);
    return negated ? logical_not(ctx, v, op_loc) : v;
}

static ExprList expr_list_start(ExprVal v)
{
    v.expr->next = NULL;
    return (ExprList){ v.expr, v.expr, 1, v.depth };
}

static ExprList expr_list_append(ExprList list, ExprVal v)
{
    LIST_APPEND(list, v.expr);
    list.n++;
    list.depth = max_int(list.depth, v.depth);
    return list;
}

static ExprList expr_list_concat(ExprList list, ExprList more)
{
    list.tail->next = more.head;
    list.tail = more.tail;
    list.n += more.n;
    list.depth = max_int(list.depth, more.depth);
    return list;
}

/* between, in and case: their operands in one list (ast.h, `form`). */
static ExprVal form(ParseCtx *ctx, ExprKind kind, YYLTYPE loc, bool negated, ExprList ops)
{
    Expr *e = new_expr(ctx, kind, LOC(loc));
    e->form.ops = ops.head;
    e->form.nops = ops.n;
    e->form.negated = negated;
    return (ExprVal){ e, nest(ctx, ops.depth, e->loc), 0, false };
}

/* `case [subject] when c then v ... [else e] end`; a missing else is the
 * checker's to report. */
static ExprVal case_expr(ParseCtx *ctx, YYLTYPE loc, const ExprVal *subject, ExprList whens,
                         ExprVal else_)
{
    ExprList ops = whens;
    if (subject)
        ops = expr_list_concat(expr_list_start(*subject), whens);
    if (else_.expr)
        ops = expr_list_append(ops, else_);
    ExprVal v = form(ctx, EX_CASE, loc, false, ops);
    v.expr->form.has_subject = subject != NULL;
    v.expr->form.has_else = else_.expr != NULL;
    return v;
}

static Item *new_item(ParseCtx *ctx, const char *name, YYLTYPE loc, Expr *expr)
{
    Item *it = arena_alloc(ctx->arena, sizeof *it);
    it->name = name;
    it->loc = LOC(loc);
    it->expr = expr;
    return it;
}

static ConnArg *new_arg(ParseCtx *ctx, const char *key, YYLTYPE loc, Expr *value)
{
    ConnArg *a = arena_alloc(ctx->arena, sizeof *a);
    a->key = key;
    a->loc = LOC(loc);
    a->value = value;
    return a;
}

/* Only the first argument of a connector whose row has a positional one
 * (file's path, compiler/connectors.c) may go without a key; any other
 * keyless argument is reported and dropped, since the tree has no way to
 * hold it. */
static Connector connector(ParseCtx *ctx, const char *name, YYLTYPE loc, ConnArg *args)
{
    Connector c = { .name = name, .loc = LOC(loc) };
    const ConnectorDef *def = connector_find(name);
    const char *positional = def ? def->positional : NULL;
    ConnArg **link = &c.args;
    for (ConnArg *a = args; a; a = a->next) {
        if (!a->key) {
            if (a == args && positional) {
                a->key = positional;
            } else {
                if (positional)
                    diag_error(ctx->diag, a->loc, "only the first argument of %s(...) may "
                               "leave out its name; write NAME = VALUE", name);
                else
                    diag_error(ctx->diag, a->loc, "arguments of %s(...) are written "
                               "NAME = VALUE", name);
                continue;
            }
        }
        *link = a;
        link = &a->next;
    }
    *link = NULL;
    return c;
}

static ConfigSetting *new_setting(ParseCtx *ctx, ConfigKind kind, YYLTYPE loc)
{
    ConfigSetting *s = arena_alloc(ctx->arena, sizeof *s);
    s->kind = kind;
    s->loc = LOC(loc);
    return s;
}

static void duplicate(ParseCtx *ctx, YYLTYPE loc, const char *what)
{
    diag_error(ctx->diag, LOC(loc), "'%s' is given twice", what);
}
}

%union {
    const char *str;
    uint64_t uint;
    double real;
    int64_t ms;
    DurationArg dur;
    struct { const char *chars; int64_t len; } string;
    BinaryOp binop;
    Alias alias;
    ExprVal expr;
    Expr *literal;
    ExprList exprs;
    FieldDecl *field;
    FieldList fields;
    ConnArg *arg;
    ArgList args;
    Connector conn;
    EventTime etime;
    Item *item;
    ItemList items;
    JoinEq *eq;
    EqList eqs;
    JoinBound bound;
    JoinOuter outer;
    bool flag;
    RefList refs;
    WindowClause window;
    UpdateClauses update;
    TopKey *topkey;
    TopKeyList topkeys;
    TopRank toprank;
    bool desc;
    Op *op;
    OpList ops;
    ConfigSetting *setting;
    SettingList settings;
    Decl *decl;
}

/* Token names are what error messages show. */
%token <str> IDENT "a name"
%token <uint> INT "an integer"
%token <real> FLOAT "a number"
%token <string> STRING "a string"
%token <ms> DURATION "a duration"

/* Reserved words. */
%token AND "'and'" OR "'or'" NOT "'not'" TRUE "'true'" FALSE "'false'"
%token CASE "'case'" WHEN "'when'"

/* Soft keywords: also names (rule `name`). Keep them together, from SCHEMA
 * to END: error messages rely on that. */
%token SCHEMA "'schema'" PARAM "'param'" SOURCE "'source'" TABLE "'table'"
%token STREAM "'stream'" SINK "'sink'" CONFIG "'config'" FROM "'from'"
%token EVENT "'event'" TIME "'time'" WATERMARK "'watermark'" IDLE "'idle'"
%token KEY "'key'" AS "'as'" TO "'to'" WHERE "'where'" SELECT "'select'" BY "'by'"
%token WINDOW "'window'" TUMBLING "'tumbling'" SLIDING "'sliding'" CUMULATE "'cumulate'" SESSION "'session'"
%token EVERY "'every'" GAP "'gap'" LATENESS "'lateness'" LATE "'late'"
%token AGGREGATE "'aggregate'" JOIN "'join'" ON "'on'" WITHIN "'within'"
%token LOOKUP "'lookup'" UNION "'union'" DEDUPE "'dedupe'" CHECKPOINT "'checkpoint'"
%token LIKE "'like'"
%token STATE "'state'" MEMORY "'memory'" ROCKSDB "'rocksdb'" PARALLELISM "'parallelism'"
%token BETWEEN "'between'" IN "'in'" THEN "'then'" ELSE "'else'" END "'end'"
%token EMIT "'emit'" TTL "'ttl'"
%token BEFORE "'before'" AFTER "'after'"
%token IS "'is'" NULL "'null'" LEFT "'left'" RIGHT "'right'" FULL "'full'"
%token TOP "'top'" RANK "'rank'" ASC "'asc'" DESC "'desc'"

%token EQ "'=='" NE "'!='" LE "'<='" GE "'>='" SQL_NE "'<>'"

%type <str> name
%type <alias> opt_alias
%type <flag> opt_left
%type <outer> opt_outer
%type <ms> duration
%type <dur> duration_arg
%type <literal> literal arg_value
%type <expr> expr or_expr and_expr not_expr cmp_expr add_expr mul_expr unary_expr primary
%type <expr> field_ref range_expr opt_else
%type <exprs> when_clauses
%type <exprs> call_args expr_list key_fields
%type <binop> cmp_op
%type <field> field_decl
%type <fields> field_decls
%type <arg> conn_arg
%type <args> conn_args conn_arg_list
%type <conn> connector
%type <etime> event_time opt_event_time
%type <item> select_item agg_item
%type <items> select_items agg_items
%type <eq> join_eq
%type <eqs> join_eqs
%type <bound> join_bound
%type <refs> union_refs
%type <window> window_clause
%type <update> update_clauses opt_top_ttl
%type <update> opt_join_ttl
%type <topkey> top_key
%type <topkeys> top_keys
%type <toprank> opt_rank
%type <desc> opt_order
%type <op> op
%type <ops> pipeline
%type <str> opt_dir
%type <setting> setting
%type <settings> settings config_body
%type <decl> decl schema_decl param_decl source_decl table_decl stream_decl sink_decl
%type <decl> config_decl

%%

program
    : decls
    ;

/* `decls error` is the recovery point: after a syntax error the parser pops
 * back here and skips tokens until one can start a declaration (a keyword, or
 * ';' as an empty one). Each declaration calls yyerrok once its keyword and
 * name are read, so that an error early in it is still reported. */
decls
    : %empty
    | decls decl
        {
            if ($2) {
                *ctx->last_decl = $2;
                ctx->last_decl = &$2->next;
            }
        }
    | decls error
    ;

decl
    : schema_decl
    | param_decl
    | source_decl
    | table_decl
    | stream_decl
    | sink_decl
    | config_decl
    | ';' { $$ = NULL; }
    ;

/* ---- Declarations -------------------------------------------------------- */

schema_decl
    : SCHEMA name { yyerrok; } '{' field_decls opt_comma '}'
        {
            $$ = new_decl(ctx, DECL_SCHEMA, @1, $2, @2);
            $$->schema_fields = $5.head;
        }
    ;

field_decls
    : field_decl { LIST_START($$, $1); }
    | field_decls ',' field_decl { $$ = $1; LIST_APPEND($$, $3); }
    ;

field_decl
    : name ':' name
        {
            $$ = arena_alloc(ctx->arena, sizeof *$$);
            $$->name = $1;
            $$->loc = LOC(@1);
            $$->type_name = $3;
            $$->type_loc = LOC(@3);
        }
    | field_decl '?'
        {
            $$ = $1;
            if ($$->optional || $$->path)
                diag_error(ctx->diag, LOC(@2), "write '?' right after the type: 'x : int64? from \"a.b\"'");
            $$->optional = true;
        }
    | field_decl FROM STRING
        {
            $$ = $1;
            if ($$->path)
                diag_error(ctx->diag, LOC(@2), "a field has one 'from'");
            $$->path = $3.chars;
            $$->path_len = $3.len;
            $$->path_loc = LOC(@3);
        }
    ;

opt_comma
    : %empty
    | ','
    ;

param_decl
    : PARAM name { yyerrok; } ':' name '=' literal ';'
        {
            $$ = new_decl(ctx, DECL_PARAM, @1, $2, @2);
            $$->param.type_name = $5;
            $$->param.type_loc = LOC(@5);
            $$->param.value = $7;
        }
    ;

source_decl
    : SOURCE name { yyerrok; } ':' name FROM connector opt_event_time ';'
        {
            $$ = new_decl(ctx, DECL_SOURCE, @1, $2, @2);
            $$->source.schema_ref = new_ref(ctx, $5, @5);
            $$->source.conn = $7;
            $$->source.event_time = $8.field;
            $$->source.event_time_loc = $8.field_loc;
            $$->source.event_time_field = -1;
            $$->source.has_watermark = $8.has_watermark;
            $$->source.watermark = $8.watermark;
            $$->source.has_idle = $8.has_idle;
            $$->source.idle = $8.idle;
            $$->source.key_field = -1;
        }
    ;

opt_event_time
    : %empty { $$ = (EventTime){ 0 }; }
    | event_time
    ;

event_time
    : EVENT TIME name { $$ = (EventTime){ .field = $3, .field_loc = LOC(@3) }; }
    | event_time WATERMARK duration_arg
        {
            $$ = $1;
            if ($$.has_watermark)
                duplicate(ctx, @2, "watermark");
            $$.has_watermark = true;
            $$.watermark = $3;
        }
    | event_time IDLE duration_arg
        {
            $$ = $1;
            if ($$.has_idle)
                duplicate(ctx, @2, "idle");
            $$.has_idle = true;
            $$.idle = $3;
        }
    ;

table_decl
    : TABLE name { yyerrok; } ':' name FROM connector KEY name ';'
        {
            $$ = new_decl(ctx, DECL_TABLE, @1, $2, @2);
            $$->source.schema_ref = new_ref(ctx, $5, @5);
            $$->source.conn = $7;
            $$->source.event_time_field = -1;
            $$->source.key = $9;
            $$->source.key_loc = LOC(@9);
            $$->source.key_field = -1;
        }
    ;

stream_decl
    : STREAM name { yyerrok; } '=' name opt_alias pipeline ';'
        {
            $$ = new_decl(ctx, DECL_STREAM, @1, $2, @2);
            $$->stream.input = new_ref(ctx, $5, @5);
            $$->stream.alias = $6.name;
            $$->stream.alias_loc = $6.loc;
            $$->stream.ops = $7.head;
        }
    ;

opt_alias
    : %empty { $$ = (Alias){ NULL, { 0, 0 } }; }
    | AS name { $$ = (Alias){ $2, LOC(@2) }; }
    ;

/* `lookup ... left`: records without a row are kept (docs/language.md). */
opt_left
    : %empty { $$ = false; }
    | LEFT { $$ = true; }
    ;

/* `join ... left|right|full`: the sides whose records without a match are
 * kept, with the other side's fields null (docs/language.md). */
opt_outer
    : %empty { $$ = (JoinOuter){ false, false }; }
    | LEFT { $$ = (JoinOuter){ true, false }; }
    | RIGHT { $$ = (JoinOuter){ false, true }; }
    | FULL { $$ = (JoinOuter){ true, true }; }
    ;

pipeline
    : %empty { $$ = (OpList){ NULL, NULL }; }
    | pipeline '|' op
        {
            $$ = $1;
            if ($$.head)
                LIST_APPEND($$, $3);
            else
                LIST_START($$, $3);
        }
    ;

sink_decl
    : SINK name { yyerrok; } TO connector ';'
        {
            $$ = new_decl(ctx, DECL_SINK, @1, NULL, @2);
            $$->sink.stream = new_ref(ctx, $2, @2);
            $$->sink.conn = $5;
        }
    ;

config_decl
    : CONFIG '{' { yyerrok; } config_body '}'
        {
            $$ = new_decl(ctx, DECL_CONFIG, @1, NULL, @1);
            $$->config = $4.head;
        }
    ;

/* Settings end with ';'; the one before '}' may leave it out. */
config_body
    : settings
    | settings setting
        {
            $$ = $1;
            if ($$.head)
                LIST_APPEND($$, $2);
            else
                LIST_START($$, $2);
        }
    ;

settings
    : %empty { $$ = (SettingList){ NULL, NULL }; }
    | settings ';'
    | settings setting ';'
        {
            $$ = $1;
            if ($$.head)
                LIST_APPEND($$, $2);
            else
                LIST_START($$, $2);
        }
    ;

setting
    : CHECKPOINT EVERY duration opt_dir
        {
            $$ = new_setting(ctx, CFG_CHECKPOINT, @1);
            $$->every_ms = $3;
            $$->dir = $4;
        }
    | STATE MEMORY { $$ = new_setting(ctx, CFG_STATE_MEMORY, @1); }
    | STATE ROCKSDB STRING
        {
            $$ = new_setting(ctx, CFG_STATE_ROCKSDB, @1);
            $$->dir = $3.chars;
        }
    | PARALLELISM INT
        {
            $$ = new_setting(ctx, CFG_PARALLELISM, @1);
            $$->parallelism = int_literal(ctx, $2, false, @2)->int_value;
        }
    ;

opt_dir
    : %empty { $$ = NULL; }
    | TO STRING { $$ = $2.chars; }
    ;

/* ---- Connectors and literals --------------------------------------------- */

connector
    : name '(' conn_args ')' { $$ = connector(ctx, $1, @1, $3.head); }
    ;

conn_args
    : %empty { $$ = (ArgList){ NULL, NULL }; }
    | conn_arg_list opt_comma
    ;

conn_arg_list
    : conn_arg { LIST_START($$, $1); }
    | conn_arg_list ',' conn_arg { $$ = $1; LIST_APPEND($$, $3); }
    ;

conn_arg
    : name '=' arg_value { $$ = new_arg(ctx, $1, @1, $3); }
    | arg_value { $$ = new_arg(ctx, NULL, @1, $1); }
    ;

/* A literal, or a name: a param, or a word such as `csv` that the checker
 * reads by argument. */
arg_value
    : literal
    | name { $$ = name_expr(ctx, NULL, $1, @1); }
    ;

literal
    : INT { $$ = int_literal(ctx, $1, false, @1); }
    | '-' INT { $$ = int_literal(ctx, $2, true, @1); }
    | FLOAT
        {
            $$ = new_expr(ctx, EX_FLOAT, LOC(@1));
            $$->float_value = $1;
        }
    | '-' FLOAT
        {
            $$ = new_expr(ctx, EX_FLOAT, LOC(@1));
            $$->float_value = -$2;
        }
    | DURATION
        {
            $$ = new_expr(ctx, EX_DURATION, LOC(@1));
            $$->int_value = $1;
        }
    | '-' DURATION
        {
            $$ = new_expr(ctx, EX_DURATION, LOC(@1));
            $$->int_value = -$2;
        }
    | STRING
        {
            $$ = new_expr(ctx, EX_STRING, LOC(@1));
            $$->string.chars = $1.chars;
            $$->string.len = $1.len;
        }
    | TRUE
        {
            $$ = new_expr(ctx, EX_BOOL, LOC(@1));
            $$->bool_value = true;
        }
    | FALSE
        {
            $$ = new_expr(ctx, EX_BOOL, LOC(@1));
            $$->bool_value = false;
        }
    ;

duration
    : DURATION
    | INT
        {
            diag_error(ctx->diag, LOC(@1), "a duration needs a unit: us, ms, s, m, h or d "
                       "(e.g. %" PRIu64 "s)", $1);
            $$ = 0;
        }
    ;

/* The duration of a clause: a literal, or a param of type duration (the
 * checker resolves the name). */
duration_arg
    : duration { $$ = (DurationArg){ .ms = $1, .loc = LOC(@1) }; }
    | name { $$ = (DurationArg){ .param = $1, .loc = LOC(@1) }; }
    ;

/* ---- Operators ----------------------------------------------------------- */

op
    : WHERE expr
        {
            $$ = new_op(ctx, OP_WHERE, @1);
            $$->where = $2.expr;
        }
    | SELECT select_items
        {
            $$ = new_op(ctx, OP_SELECT, @1);
            $$->select = $2.head;
        }
    | KEY BY key_fields
        {
            $$ = new_op(ctx, OP_KEY_BY, @1);
            $$->key_by.fields = $3.head;
            $$->key_by.nfields = $3.n;
        }
    | window_clause { $$ = $1.op; }
    | AGGREGATE agg_items update_clauses
        {
            $$ = new_op(ctx, OP_AGGREGATE, @1);
            $$->aggregate = $2.head;
            $$->update = $3;
        }
    | JOIN name opt_alias ON join_eqs join_bound opt_outer opt_join_ttl
        {
            $$ = new_op(ctx, OP_JOIN, @1);
            $$->join.other = new_ref(ctx, $2, @2);
            $$->join.alias = $3.name;
            $$->join.eqs = $5.head;
            $$->join.windowed = $6.windowed;
            if ($6.windowed)
                $$->join.window = $6.d;
            else
                $$->join.within = $6.d;
            $$->join.asymmetric = $6.asymmetric;
            $$->join.after = $6.after;
            $$->join.regular = $6.regular;
            $$->join.left = $7.left;
            $$->join.right = $7.right;
            $$->join.has_ttl = $8.has_ttl;
            $$->join.ttl = $8.ttl;
        }
    | LOOKUP name opt_alias ON join_eqs opt_left
        {
            $$ = new_op(ctx, OP_LOOKUP, @1);
            $$->join.other = new_ref(ctx, $2, @2);
            $$->join.alias = $3.name;
            $$->join.eqs = $5.head;
            $$->join.left = $6;
        }
    | UNION union_refs
        {
            $$ = new_op(ctx, OP_UNION, @1);
            $$->union_of = $2.head;
        }
    | DEDUPE WITHIN duration_arg
        {
            $$ = new_op(ctx, OP_DEDUPE, @1);
            $$->dedupe.within = $3;
        }
    | TOP INT BY top_keys opt_rank opt_top_ttl
        {
            $$ = new_op(ctx, OP_TOP, @1);
            $$->update = $6;
            $$->top.n = $2 > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)$2;
            $$->top.n_loc = LOC(@2);
            $$->top.keys = $4.head;
            $$->top.nkeys = $4.n;
            $$->top.rank = $5.name ? $5.name : "rank";
            $$->top.rank_loc = $5.name ? $5.loc : LOC(@1);
        }
    ;

/* `EXPR [asc|desc], ...`: the order of `top` (docs/language.md, "top"). */
top_keys
    : top_key { $$ = (TopKeyList){ $1, $1, 1 }; }
    | top_keys ',' top_key { $$ = $1; $$.tail->next = $3; $$.tail = $3; $$.n++; }
    ;

top_key
    : expr opt_order
        {
            $$ = arena_alloc(ctx->arena, sizeof *$$);
            $$->expr = $1.expr;
            $$->desc = $2;
        }
    ;

opt_order
    : %empty { $$ = false; }
    | ASC { $$ = false; }
    | DESC { $$ = true; }
    ;

opt_rank
    : %empty { $$ = (TopRank){ NULL, { 0 } }; }
    | RANK AS name { $$ = (TopRank){ $3, LOC(@3) }; }
    ;

/* `ttl D` of an updating top (the checker rejects it after a window). */
opt_top_ttl
    : %empty { $$ = (UpdateClauses){ 0 }; }
    | TTL duration_arg { $$ = (UpdateClauses){ .has_ttl = true, .ttl = $2 }; }
    ;

select_items
    : select_item { LIST_START($$, $1); }
    | select_items ',' select_item { $$ = $1; LIST_APPEND($$, $3); }
    ;

/* `NAME = EXPR`, or a field kept under its own name (`price`, `b.price`).
 * Any other expression is accepted here only to say what is missing. */
select_item
    : name '=' expr { $$ = new_item(ctx, $1, @1, $3.expr); }
    | expr
        {
            if ($1.expr->kind != EX_NAME)
                diag_error(ctx->diag, $1.expr->loc, "this select item needs a name: "
                           "write NAME = EXPR");
            $$ = new_item(ctx, $1.expr->kind == EX_NAME ? $1.expr->name.name : NULL, @1,
                          $1.expr);
        }
    ;

field_ref
    : name { $$ = leaf(name_expr(ctx, NULL, $1, @1)); }
    | name '.' name { $$ = leaf(name_expr(ctx, $1, $3, @1)); }
    ;

key_fields
    : field_ref { $$ = expr_list_start($1); }
    | key_fields ',' field_ref { $$ = expr_list_append($1, $3); }
    ;

window_clause
    : WINDOW TUMBLING duration_arg
        {
            $$ = (WindowClause){ new_op(ctx, OP_WINDOW, @1), false };
            $$.op->window.kind = WIN_TUMBLING;
            $$.op->window.size = $3;
        }
    | WINDOW SLIDING duration_arg EVERY duration_arg
        {
            $$ = (WindowClause){ new_op(ctx, OP_WINDOW, @1), false };
            $$.op->window.kind = WIN_SLIDING;
            $$.op->window.size = $3;
            $$.op->window.slide = $5;
        }
    | WINDOW CUMULATE duration_arg EVERY duration_arg
        {
            $$ = (WindowClause){ new_op(ctx, OP_WINDOW, @1), false };
            $$.op->window.kind = WIN_CUMULATE;
            $$.op->window.size = $3;
            $$.op->window.slide = $5;
        }
    | WINDOW SESSION GAP duration_arg
        {
            $$ = (WindowClause){ new_op(ctx, OP_WINDOW, @1), false };
            $$.op->window.kind = WIN_SESSION;
            $$.op->window.gap = $4;
        }
    | window_clause LATENESS duration_arg
        {
            $$ = $1;
            if ($$.has_lateness)
                duplicate(ctx, @2, "lateness");
            $$.has_lateness = true;
            $$.op->window.lateness = $3;
        }
    | window_clause EMIT EVERY duration_arg
        {
            $$ = $1;
            if ($$.op->update.has_every)
                duplicate(ctx, @2, "emit every");
            $$.op->update.has_every = true;
            $$.op->update.every = $4;
        }
    | window_clause LATE AS name
        {
            $$ = $1;
            if ($$.op->window.late_as)
                duplicate(ctx, @2, "late as");
            $$.op->window.late_as = $4;
            $$.op->window.late_as_loc = LOC(@4);
        }
    ;

/* `emit every D` and `ttl D` of an aggregate without a window, in either
 * order; the checker rejects them after a window. */
update_clauses
    : %empty { $$ = (UpdateClauses){ 0 }; }
    | update_clauses EMIT EVERY duration_arg
        {
            if ($1.has_every)
                diag_error(ctx->diag, LOC(@2), "'emit every' is given twice");
            $$ = $1;
            $$.has_every = true;
            $$.every = $4;
        }
    | update_clauses TTL duration_arg
        {
            if ($1.has_ttl)
                diag_error(ctx->diag, LOC(@2), "'ttl' is given twice");
            $$ = $1;
            $$.has_ttl = true;
            $$.ttl = $3;
        }
    ;

agg_items
    : agg_item { LIST_START($$, $1); }
    | agg_items ',' agg_item { $$ = $1; LIST_APPEND($$, $3); }
    ;

/* `NAME = AGG()`, `NAME = AGG(EXPR)` or `NAME = AGG(EXPR, EXPR)`; the checker knows
 * the functions. */
agg_item
    : name '=' name '(' ')'
        {
            $$ = new_item(ctx, $1, @1, NULL);
            $$->agg_name = $3;
            $$->agg_loc = LOC(@3);
        }
    | name '=' name '(' expr ')'
        {
            $$ = new_item(ctx, $1, @1, $5.expr);
            $$->agg_name = $3;
            $$->agg_loc = LOC(@3);
        }
    | name '=' name '(' expr ',' expr ')'
        {
            $$ = new_item(ctx, $1, @1, $5.expr);
            $$->agg_name = $3;
            $$->agg_loc = LOC(@3);
            $$->arg2 = $7.expr;
        }
    ;

join_eqs
    : join_eq { LIST_START($$, $1); }
    | join_eqs AND join_eq { $$ = $1; LIST_APPEND($$, $3); }
    ;

join_eq
    : add_expr EQ add_expr
        {
            $$ = arena_alloc(ctx->arena, sizeof *$$);
            $$->left = $1.expr;
            $$->right = $3.expr;
            $$->loc = LOC(@2);
        }
    ;

join_bound
    : %empty { $$ = (JoinBound){ .regular = true }; }
    | WITHIN duration_arg { $$ = (JoinBound){ .d = $2 }; }
    | WITHIN duration_arg BEFORE AND duration_arg AFTER
        { $$ = (JoinBound){ .asymmetric = true, .d = $2, .after = $5 }; }
    | WINDOW TUMBLING duration_arg { $$ = (JoinBound){ .windowed = true, .d = $3 }; }
    ;

/* `ttl T` of a regular join (the checker rejects it after a bound). */
opt_join_ttl
    : %empty { $$ = (UpdateClauses){ 0 }; }
    | TTL duration_arg { $$ = (UpdateClauses){ .has_ttl = true, .ttl = $2 }; }
    ;

union_refs
    : name { LIST_START($$, new_ref(ctx, $1, @1)); }
    | union_refs ',' name {
                $$ = $1;
                NameRef *ref = new_ref(ctx, $3, @3);
                LIST_APPEND($$, ref);
            }
    ;

/* ---- Expressions, loosest first ------------------------------------------ */

expr
    : or_expr
    ;

or_expr
    : and_expr
    | or_expr OR and_expr { $$ = binary(ctx, BIN_OR, $1, $3, @2); }
    ;

and_expr
    : not_expr
    | and_expr AND not_expr { $$ = binary(ctx, BIN_AND, $1, $3, @2); }
    ;

not_expr
    : cmp_expr
    | NOT not_expr { $$ = logical_not(ctx, $2, @1); }
    ;

/* Comparisons do not chain: `a < b < c` is an error, once per chain. */
cmp_expr
    : range_expr
    | cmp_expr cmp_op range_expr
        {
            int chained = $1.comparison;
            if (chained == 1)
                diag_error(ctx->diag, LOC(@2), "comparisons cannot be chained; "
                           "write 'a < b and b < c'");
            if (chained) {
                /* Build the `a < b and b < c` the user most likely meant, so that
                 * the checker does not report a follow-on type error. */
                Expr *last = chained == 1 ? $1.expr : $1.expr->binary.rhs;
                ExprVal middle = leaf(last->binary.rhs);
                $$ = binary(ctx, BIN_AND, $1, binary(ctx, $2, middle, $3, @2), @2);
                $$.comparison = 2;
            } else {
                $$ = binary(ctx, $2, $1, $3, @2);
                $$.comparison = 1;
            }
        }
    ;

/* `between`, `in` and `like` bind tighter than comparisons and looser
 * than arithmetic, as in PostgreSQL: `a == x between 1 and 2` compares a
 * with a bool. Their operands are arithmetic, so the `and` of `between` is
 * never the logical one (and one level for all three keeps `x not ...`
 * free of conflicts). */
range_expr
    : add_expr
    | add_expr LIKE add_expr { $$ = like(ctx, $1, $3, @2, false); }
    | add_expr NOT LIKE add_expr { $$ = like(ctx, $1, $4, @3, true); }
    | add_expr BETWEEN add_expr AND add_expr
        { $$ = form(ctx, EX_BETWEEN, @2, false, expr_list_append(expr_list_append(expr_list_start($1), $3), $5)); }
    | add_expr NOT BETWEEN add_expr AND add_expr
        { $$ = form(ctx, EX_BETWEEN, @2, true, expr_list_append(expr_list_append(expr_list_start($1), $4), $6)); }
    | add_expr IN '(' expr_list ')'
        { $$ = form(ctx, EX_IN, @2, false, expr_list_concat(expr_list_start($1), $4)); }
    | add_expr NOT IN '(' expr_list ')'
        { $$ = form(ctx, EX_IN, @2, true, expr_list_concat(expr_list_start($1), $5)); }
    | add_expr IS NULL { $$ = form(ctx, EX_IS_NULL, @2, false, expr_list_start($1)); }
    | add_expr IS NOT NULL { $$ = form(ctx, EX_IS_NULL, @2, true, expr_list_start($1)); }
    ;

cmp_op
    : EQ { $$ = BIN_EQ; }
    | NE { $$ = BIN_NE; }
    | '<' { $$ = BIN_LT; }
    | LE { $$ = BIN_LE; }
    | '>' { $$ = BIN_GT; }
    | GE { $$ = BIN_GE; }
    ;

add_expr
    : mul_expr
    | add_expr '+' mul_expr { $$ = binary(ctx, BIN_ADD, $1, $3, @2); }
    | add_expr '-' mul_expr { $$ = binary(ctx, BIN_SUB, $1, $3, @2); }
    ;

mul_expr
    : unary_expr { $$ = settled(ctx, $1); }
    | mul_expr '*' unary_expr { $$ = binary(ctx, BIN_MUL, $1, settled(ctx, $3), @2); }
    | mul_expr '/' unary_expr { $$ = binary(ctx, BIN_DIV, $1, settled(ctx, $3), @2); }
    | mul_expr '%' unary_expr { $$ = binary(ctx, BIN_MOD, $1, settled(ctx, $3), @2); }
    ;

unary_expr
    : primary
    | '-' unary_expr { $$ = negate(ctx, $2, @1); }
    ;

primary
    : INT
        {
            if ($1 == (uint64_t)INT64_MAX + 1) {
                $$ = leaf(new_expr(ctx, EX_INT, LOC(@1)));
                $$.expr->int_value = INT64_MIN;
                $$.unsigned_min = true;
            } else {
                $$ = leaf(int_literal(ctx, $1, false, @1));
            }
        }
    | FLOAT
        {
            $$ = leaf(new_expr(ctx, EX_FLOAT, LOC(@1)));
            $$.expr->float_value = $1;
        }
    | DURATION
        {
            $$ = leaf(new_expr(ctx, EX_DURATION, LOC(@1)));
            $$.expr->int_value = $1;
        }
    | STRING
        {
            $$ = leaf(new_expr(ctx, EX_STRING, LOC(@1)));
            $$.expr->string.chars = $1.chars;
            $$.expr->string.len = $1.len;
        }
    | TRUE
        {
            $$ = leaf(new_expr(ctx, EX_BOOL, LOC(@1)));
            $$.expr->bool_value = true;
        }
    | FALSE
        {
            $$ = leaf(new_expr(ctx, EX_BOOL, LOC(@1)));
            $$.expr->bool_value = false;
        }
    | field_ref
    | name '(' call_args ')' { $$ = call(ctx, $1, @1, $3); }
    | '(' expr ')' { $$ = $2; $$.comparison = 0; }
    | CASE when_clauses opt_else END { $$ = case_expr(ctx, @1, NULL, $2, $3); }
    | CASE expr when_clauses opt_else END { $$ = case_expr(ctx, @1, &$2, $3, $4); }
    ;

when_clauses
    : WHEN expr THEN expr { $$ = expr_list_append(expr_list_start($2), $4); }
    | when_clauses WHEN expr THEN expr { $$ = expr_list_append(expr_list_append($1, $3), $5); }
    ;

opt_else
    : %empty { $$ = (ExprVal){ NULL, 0, 0, false }; }
    | ELSE expr { $$ = $2; }
    ;

call_args
    : %empty { $$ = (ExprList){ NULL, NULL, 0, 0 }; }
    | expr_list
    ;

expr_list
    : expr { $$ = expr_list_start($1); }
    | expr_list ',' expr { $$ = expr_list_append($1, $3); }
    ;

/* Every soft keyword is also a name. */
name
    : IDENT
    | SCHEMA { $$ = "schema"; }
    | PARAM { $$ = "param"; }
    | SOURCE { $$ = "source"; }
    | TABLE { $$ = "table"; }
    | STREAM { $$ = "stream"; }
    | SINK { $$ = "sink"; }
    | CONFIG { $$ = "config"; }
    | FROM { $$ = "from"; }
    | EVENT { $$ = "event"; }
    | TIME { $$ = "time"; }
    | WATERMARK { $$ = "watermark"; }
    | IDLE { $$ = "idle"; }
    | KEY { $$ = "key"; }
    | AS { $$ = "as"; }
    | TO { $$ = "to"; }
    | WHERE { $$ = "where"; }
    | SELECT { $$ = "select"; }
    | BY { $$ = "by"; }
    | WINDOW { $$ = "window"; }
    | TUMBLING { $$ = "tumbling"; }
    | SLIDING { $$ = "sliding"; }
    | CUMULATE { $$ = "cumulate"; }
    | SESSION { $$ = "session"; }
    | EVERY { $$ = "every"; }
    | GAP { $$ = "gap"; }
    | LATENESS { $$ = "lateness"; }
    | LATE { $$ = "late"; }
    | AGGREGATE { $$ = "aggregate"; }
    | JOIN { $$ = "join"; }
    | ON { $$ = "on"; }
    | WITHIN { $$ = "within"; }
    | LOOKUP { $$ = "lookup"; }
    | UNION { $$ = "union"; }
    | DEDUPE { $$ = "dedupe"; }
    | CHECKPOINT { $$ = "checkpoint"; }
    | LIKE { $$ = "like"; }
    | STATE { $$ = "state"; }
    | MEMORY { $$ = "memory"; }
    | ROCKSDB { $$ = "rocksdb"; }
    | PARALLELISM { $$ = "parallelism"; }
    | BETWEEN { $$ = "between"; }
    | IN { $$ = "in"; }
    | THEN { $$ = "then"; }
    | ELSE { $$ = "else"; }
    | END { $$ = "end"; }
    | IS { $$ = "is"; }
    | NULL { $$ = "null"; }
    | LEFT { $$ = "left"; }
    | EMIT { $$ = "emit"; }
    | TTL { $$ = "ttl"; }
    | RIGHT { $$ = "right"; }
    | FULL { $$ = "full"; }
    | BEFORE { $$ = "before"; }
    | AFTER { $$ = "after"; }
    | TOP { $$ = "top"; }
    | RANK { $$ = "rank"; }
    | ASC { $$ = "asc"; }
    | DESC { $$ = "desc"; }
    ;

%%

/* A token as messages show it: bison's name without its quotes. */
static const char *token_name(yysymbol_kind_t sym, char *buf, size_t size)
{
    const char *name = yysymbol_name(sym);
    size_t len = strlen(name);
    if (len >= 2 && name[0] == '"' && name[len - 1] == '"')
        snprintf(buf, size, "%.*s", (int)(len - 2), name + 1);
    else
        snprintf(buf, size, "%s", name);
    return buf;
}

static bool is_soft_keyword(yysymbol_kind_t sym)
{
    return sym >= YYSYMBOL_SCHEMA && sym <= YYSYMBOL_DESC;
}

static bool name_in(const char *name, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(name, *names) == 0)
            return true;
    return false;
}

static bool expects(const yysymbol_kind_t *syms, int n, yysymbol_kind_t sym)
{
    for (int i = 0; i < n; i++)
        if (syms[i] == sym)
            return true;
    return false;
}

static const char *const pipeline_operators[] = { "where", "select", "key", "window",
                                                  "aggregate", "join", "lookup", "union",
                                                  "dedupe", "top", NULL };

/* The expected tokens, grouped so that a message stays short: "a name"
 * stands for every soft keyword too, "an expression" for everything that can
 * start one, "a literal" for the literals, "an operator" for the binary
 * operators. Empty when the list would still be too long to help. */
static void describe_expected(const yysymbol_kind_t *syms, int n, char *out, size_t size)
{
    static const char *const starts[] = { "a name", "an integer", "a number", "a string",
                                          "a duration", "'true'", "'false'", "'not'", "'-'",
                                          "'('", "'case'", NULL };
    static const char *const literals[] = { "an integer", "a number", "a string", "a duration",
                                            "'true'", "'false'", "'-'", NULL };
    static const char *const operators[] = { "'+'", "'-'", "'*'", "'/'", "'%'", "'=='",
                                             "'!='", "'<'", "'<='", "'>'", "'>='", "'and'",
                                             "'or'", "'.'", "'('", "'like'", "'between'",
                                             "'in'", "'not'", "'is'", NULL };
    char names[YYNTOKENS][32];
    bool has_name = false, has_int = false, has_string = false, has_true = false;
    bool has_paren = false, has_operator = false, has_pipeline_op = false;
    for (int i = 0; i < n; i++) {
        const char *t = token_name(syms[i], names[i], sizeof names[i]);
        has_name |= syms[i] == YYSYMBOL_IDENT;
        has_int |= syms[i] == YYSYMBOL_INT;
        has_string |= syms[i] == YYSYMBOL_STRING;
        has_true |= syms[i] == YYSYMBOL_TRUE;
        has_paren |= strcmp(t, "'('") == 0;
        has_operator |= strcmp(t, "'*'") == 0;
        has_pipeline_op |= syms[i] == YYSYMBOL_WHERE;
    }
    bool has_expr_start = has_name && has_int && has_paren;
    bool has_literal = !has_expr_start && has_int && has_string && has_true;
    if (expects(syms, n, YYSYMBOL_SCHEMA) && expects(syms, n, YYSYMBOL_SINK) && !has_name) {
        snprintf(out, size, ", expected a declaration (schema, param, source, table, stream, "
                 "sink or config)");
        return;
    }
    if (has_pipeline_op && !has_name) {
        snprintf(out, size, ", expected a pipeline operator (where, select, key by, window, "
                 "aggregate, join, lookup, union, dedupe or top)");
        return;
    }
    const char *items[YYNTOKENS + 3];
    int nitems = 0;
    if (has_expr_start)
        items[nitems++] = "an expression";
    if (has_literal)
        items[nitems++] = "a literal";
    if (has_operator)
        items[nitems++] = "an operator";
    for (int i = 0; i < n; i++) {
        const char *t = names[i];
        if ((has_name && is_soft_keyword(syms[i])) ||
            (has_expr_start && name_in(t, starts)) ||
            (has_literal && name_in(t, literals)) ||
            (has_operator && name_in(t, operators)))
            continue;
        items[nitems++] = t;
    }
    out[0] = '\0';
    if (nitems == 0 || nitems > 6)
        return;
    size_t used = 0;
    for (int i = 0; i < nitems; i++) {
        const char *sep = i == 0 ? ", expected " : i == nitems - 1 ? " or " : ", ";
        int w = snprintf(out + used, size - used, "%s%s", sep, items[i]);
        if (w < 0 || (size_t)w >= size - used)
            return;
        used += (size_t)w;
    }
}

static bool starts_declaration(yysymbol_kind_t sym)
{
    switch (sym) {
    case YYSYMBOL_SCHEMA:
    case YYSYMBOL_PARAM:
    case YYSYMBOL_SOURCE:
    case YYSYMBOL_TABLE:
    case YYSYMBOL_STREAM:
    case YYSYMBOL_SINK:
    case YYSYMBOL_CONFIG: return true;
    default: return false;
    }
}

/* Whether one of the expected tokens is the character token `c`. */
static bool expects_char(const yysymbol_kind_t *syms, int n, char c)
{
    char want[4] = { '\'', c, '\'', '\0' };
    for (int i = 0; i < n; i++)
        if (strcmp(yysymbol_name(syms[i]), want) == 0)
            return true;
    return false;
}

/* The source text at a line and column (both from 1). */
static const char *source_at(const Diag *d, int line, int col)
{
    const char *p = d->src, *end = d->src + d->src_len;
    for (int l = 1; l < line && p < end; p++)
        l += *p == '\n';
    return p + (col - 1 < end - p ? col - 1 : end - p);
}

/* The token before the offending one, as written, when it is a name (else
 * "..."), into `buf`. */
static const char *previous_name(const ParseCtx *ctx, char *buf, size_t size)
{
    const char *s = source_at(ctx->diag, ctx->prev_line, ctx->prev_col);
    int len = ctx->prev_end_line == ctx->prev_line ? ctx->prev_end_col - ctx->prev_col : 0;
    bool name = len > 0 && len < 40;
    for (int i = 0; name && i < len; i++)
        name = s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
               (i > 0 && s[i] >= '0' && s[i] <= '9');
    snprintf(buf, size, "%.*s", name ? len : 3, name ? s : "...");
    return buf;
}

/* The name right after the offending token `as` (`select v as w`), or "NAME". */
static const char *name_after(const ParseCtx *ctx, int len, char *buf, size_t size)
{
    const char *s = source_at(ctx->diag, ctx->tok_line, ctx->tok_col) + len;
    while (*s == ' ' || *s == '\t')
        s++;
    int n = 0;
    while (n < 40 && (s[n] == '_' || (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
                      (n > 0 && s[n] >= '0' && s[n] <= '9')))
        n++;
    snprintf(buf, size, "%.*s", n ? n : 4, n ? s : "NAME");
    return buf;
}

/* Hints for the mistakes a SQL or Flink user makes first, each saying the fix
 * (docs/language.md, "Compile errors"); "" when none applies. */
static const char *syntax_hint(const ParseCtx *ctx, yysymbol_kind_t sym, int len,
                               const yysymbol_kind_t *expected, int n, char *buf, size_t size)
{
    char prev[48], next[48];
    const char *name = yysymbol_name(sym);
    if (sym == YYSYMBOL_SQL_NE)
        return " (not equal is written '!=')";
    if (sym == YYSYMBOL_AS && expects_char(expected, n, '=')) {
        snprintf(buf, size, " (a select item is named with '=': write '%s = %s', not '%s as %s')",
                 name_after(ctx, len, next, sizeof next), previous_name(ctx, prev, sizeof prev),
                 prev, next);
        return buf;
    }
    if (strcmp(name, "'('") == 0 && expects_char(expected, n, '.')) {
        snprintf(buf, size, " ('key by' takes fields, not expressions: compute the key with "
                            "'select' first, e.g. '| select ..., k = %s(...) | key by k')",
                 previous_name(ctx, prev, sizeof prev));
        return buf;
    }
    return "";
}

/* "unexpected X, expected Y", where X is the offending token as written. */
static int yyreport_syntax_error(const yypcontext_t *pctx, yyscan_t scanner, ParseCtx *ctx)
{
    yysymbol_kind_t sym = yypcontext_token(pctx);
    Loc loc = LOC(*yypcontext_location(pctx));
    const char *text = yyget_text(scanner);
    int len = (int)yyget_leng(scanner);
    int shown = len > 40 ? 40 : len;
    const char *more = len > shown ? "..." : "";
    yysymbol_kind_t expected[YYNTOKENS];
    int n = yypcontext_expected_tokens(pctx, expected, YYNTOKENS);
    if (n < 0)
        n = 0;

    if (sym == YYSYMBOL_IDENT && expects(expected, n, YYSYMBOL_WHERE) &&
        !expects(expected, n, YYSYMBOL_IDENT)) {
        const char *close = diag_closest(text, pipeline_operators);
        diag_error(ctx->diag, loc, "unknown pipeline operator '%.*s'%s; the operators are where, "
                   "select, key by, window, aggregate, join, lookup, union, dedupe and top%s%s%s",
                   shown, text, more, close ? " (did you mean '" : "", close ? close : "",
                   close ? "'?)" : "");
        return 0;
    }

    char what[80];
    switch (sym) {
    case YYSYMBOL_YYEOF:
        snprintf(what, sizeof what, "end of file");
        break;
    case YYSYMBOL_STRING:
        snprintf(what, sizeof what, "string %.*s%s", shown, text, more);
        break;
    case YYSYMBOL_IDENT:
    case YYSYMBOL_INT:
    case YYSYMBOL_FLOAT:
    case YYSYMBOL_DURATION:
        snprintf(what, sizeof what, "'%.*s'%s", shown, text, more);
        break;
    default:
        token_name(sym, what, sizeof what);
        break;
    }
    /* A ';' missing at the end of a declaration shows at the end of its
     * line, not at the next declaration's first word. */
    if (expects_char(expected, n, ';') && starts_declaration(sym) &&
        loc.line > ctx->prev_end_line && ctx->prev_end_line > 0) {
        diag_error(ctx->diag, (Loc){ ctx->prev_end_line, ctx->prev_end_col },
                   "missing ';' at the end of this line (the next declaration, %s, starts on "
                   "line %d)",
                   what, loc.line);
        return 0;
    }
    char list[256], hintbuf[256];
    describe_expected(expected, n, list, sizeof list);
    const char *hint = syntax_hint(ctx, sym, len, expected, n, hintbuf, sizeof hintbuf);
    if (strcmp(what, "'='") == 0 && expects(expected, n, YYSYMBOL_EQ))
        hint = " (equality is written '==')";
    diag_error(ctx->diag, loc, "unexpected %s%s%s", what, list, hint);
    return 0;
}

/* Bison calls this only when its stack is exhausted. */
static void yyerror(YYLTYPE *loc, yyscan_t scanner, ParseCtx *ctx, const char *msg)
{
    (void)scanner;
    diag_error(ctx->diag, LOC(*loc), "nested too deeply to parse (%s)", msg);
}
