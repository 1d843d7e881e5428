/* emit_expr.c: typed Flow expressions to C expressions. Integer arithmetic
 * goes through the wrapping and failing helpers of flow/expr.h (C's signed
 * overflow and division by zero are undefined); implicit widenings become
 * explicit casts; `and`, `or` and `if()` become C's lazy &&, || and ?:, so a
 * branch not taken is never evaluated and never fails. A value that may be
 * null is a FlowOpt struct, and an operation on one reads each operand once
 * and computes only when none is null ("Optional values" below). Each C expression
 * carries its binding strength so that parentheses appear only where C
 * needs them or where gcc and clang would warn (-Wparentheses,
 * -Wlogical-not-parentheses). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "explain.h"
#include "flow/fn_time.h"

/* C's binding strengths, loosest first (the ones generated code uses). */
enum {
    C_COND = 3,
    C_OR = 4,
    C_AND = 5,
    C_EQ = 9,
    C_REL = 10,
    C_ADD = 12,
    C_MUL = 13,
    C_UNARY = 15,
    C_PRIMARY = 16,
};

typedef struct CExpr {
    char *s;
    int prec;
    char *not_of;  /* for `!x`: x, so that negating it gives x back */
} CExpr;

static CExpr cx(char *s, int prec)
{
    CExpr e = { s, prec, NULL };
    return e;
}

/* `e`, parenthesised when it binds looser than `min`. */
static char *at(EmitExpr *x, CExpr e, int min)
{
    return e.prec < min ? arena_printf(x->arena, "(%s)", e.s) : e.s;
}

/* An operand of a comparison: `!x == y` would draw -Wlogical-not-parentheses. */
static char *cmp_operand(EmitExpr *x, CExpr e)
{
    return e.not_of ? arena_printf(x->arena, "(%s)", e.s) : at(x, e, C_ADD);
}

const char *c_type(TypeKind t)
{
    switch (t) {
    case TY_BOOL: return "bool";
    case TY_INT32: return "int32_t";
    case TY_INT64: return "int64_t";
    case TY_FLOAT64: return "double";
    case TY_STRING: return "FlowStr";
    case TY_TIMESTAMP: return "int64_t";
    case TY_ERROR: break;
    }
    return "int";
}

const char *c_opt_type(TypeKind t)
{
    switch (t) {
    case TY_BOOL: return "FlowOptBool";
    case TY_INT32: return "FlowOptI32";
    case TY_INT64: return "FlowOptI64";
    case TY_FLOAT64: return "FlowOptF64";
    case TY_STRING: return "FlowOptStr";
    case TY_TIMESTAMP: return "FlowOptI64";
    case TY_ERROR: break;
    }
    return "FlowOptI64";
}

const char *field_c_type(const Field *f)
{
    return f->optional ? c_opt_type(f->type) : c_type(f->type);
}

const char *flow_type_enum(TypeKind t)
{
    switch (t) {
    case TY_BOOL: return "FLOW_BOOL";
    case TY_INT32: return "FLOW_INT32";
    case TY_INT64: return "FLOW_INT64";
    case TY_FLOAT64: return "FLOW_FLOAT64";
    case TY_STRING: return "FLOW_STRING";
    case TY_TIMESTAMP: return "FLOW_TIMESTAMP";
    case TY_ERROR: break;
    }
    return "FLOW_INT64";
}

const char *codec_suffix(TypeKind t)
{
    switch (t) {
    case TY_BOOL: return "bool";
    case TY_INT32: return "int32";
    case TY_INT64: return "int64";
    case TY_FLOAT64: return "float64";
    case TY_STRING: return "string";
    case TY_TIMESTAMP: return "timestamp";
    case TY_ERROR: break;
    }
    return "int64";
}

/* Whether the bytes at s form one valid UTF-8 sequence; its length or 0. */
static size_t utf8_seq(const unsigned char *s, int64_t n)
{
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
    if (s[0] < 0xC2 || s[0] > 0xF4 || (int64_t)len > n)
        return 0;
    unsigned cp = s[0] & (0x3F >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    static const unsigned min[] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

char *c_string_body(Arena *arena, const char *s, int64_t len)
{
    char *out = arena_alloc(arena, (size_t)len * 4 + 1);
    size_t k = 0;
    for (int64_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t u = c >= 0x80 ? utf8_seq((const unsigned char *)s + i, len - i) : 0;
        if (u) {
            /* Readable text stays readable; the bytes are the same. */
            memcpy(out + k, s + i, u);
            k += u;
            i += (int64_t)u;
            continue;
        }
        switch (c) {
        case '"': k += (size_t)sprintf(out + k, "\\\""); break;
        case '\\': k += (size_t)sprintf(out + k, "\\\\"); break;
        case '\n': k += (size_t)sprintf(out + k, "\\n"); break;
        case '\t': k += (size_t)sprintf(out + k, "\\t"); break;
        case '\r': k += (size_t)sprintf(out + k, "\\r"); break;
        case '?':
            /* `??=` and friends are trigraphs under -std=c11. */
            k += (size_t)sprintf(out + k, i > 0 && s[i - 1] == '?' ? "\\?" : "?");
            break;
        default:
            if (c < 0x20 || c >= 0x7F)
                k += (size_t)sprintf(out + k, "\\%03o", c); /* three digits: never runs on */
            else
                out[k++] = (char)c;
        }
        i++;
    }
    out[k] = '\0';
    return out;
}

/* ---- Literals --------------------------------------------------------------------------- */

static CExpr int_literal(EmitExpr *x, int64_t v, TypeKind t)
{
    Arena *a = x->arena;
    switch (t) {
    case TY_INT32:
        if (v == INT32_MIN)
            return cx(arena_strdup(a, "INT32_MIN"), C_PRIMARY);
        return cx(arena_printf(a, "%" PRId64, v), v < 0 ? C_UNARY : C_PRIMARY);
    case TY_FLOAT64: {
        char *f = float_text(a, (double)v);
        return cx(f, f[0] == '-' ? C_UNARY : C_PRIMARY);
    }
    default:
        if (v == INT64_MIN)
            return cx(arena_strdup(a, "INT64_MIN"), C_PRIMARY);
        return cx(arena_printf(a, "INT64_C(%" PRId64 ")", v), v < 0 ? C_UNARY : C_PRIMARY);
    }
}

static CExpr float_literal(EmitExpr *x, double v)
{
    if (isnan(v)) {
        x->used_math = true;
        return cx(arena_strdup(x->arena, "NAN"), C_PRIMARY);
    }
    if (isinf(v)) {
        x->used_math = true;
        return v < 0 ? cx(arena_strdup(x->arena, "-INFINITY"), C_UNARY)
                     : cx(arena_strdup(x->arena, "INFINITY"), C_PRIMARY);
    }
    char *f = float_text(x->arena, v);
    return cx(f, f[0] == '-' ? C_UNARY : C_PRIMARY);
}

static CExpr string_literal(EmitExpr *x, const char *s, int64_t len)
{
    return cx(arena_printf(x->arena, "(FlowStr){\"%s\", %" PRId64 "}",
                           c_string_body(x->arena, s, len), len),
              C_PRIMARY);
}

/* ---- Expressions ---------------------------------------------------------------------- */

static CExpr gen(EmitExpr *x, const Expr *e);
static CExpr gen_node(EmitExpr *x, const Expr *e);
static void push_sub(EmitExpr *x, const Expr *e, const char *c);
static CExpr gen_condition(EmitExpr *x, const Expr *e);
static char *opt_as(EmitExpr *x, const Expr *e, TypeKind want);
static char *opt_null(EmitExpr *x, TypeKind t);
static CExpr gen_coalesce(EmitExpr *x, const Expr *e);
static CExpr gen_logic3(EmitExpr *x, const Expr *e);
static CExpr c_logic(EmitExpr *x, bool is_and, CExpr l, CExpr r);

/* int64 and timestamp are both int64_t in C. */
static bool same_c_type(TypeKind a, TypeKind b)
{
    bool a64 = a == TY_INT64 || a == TY_TIMESTAMP, b64 = b == TY_INT64 || b == TY_TIMESTAMP;
    return a == b || (a64 && b64);
}

/* `e` as a value of type `want`: literals are written in that type, other
 * values widened with an explicit cast. */
static CExpr gen_as(EmitExpr *x, const Expr *e, TypeKind want)
{
    if (want == TY_ERROR || same_c_type(e->type, want))
        return gen(x, e);
    if (e->kind == EX_INT || e->kind == EX_DURATION)
        return int_literal(x, e->int_value, want);
    CExpr v = gen(x, e);
    if (want == TY_FLOAT64)
        return cx(arena_printf(x->arena, "(double)%s", at(x, v, C_UNARY)), C_UNARY);
    if (want == TY_INT64 || want == TY_TIMESTAMP)
        return cx(arena_printf(x->arena, "(int64_t)%s", at(x, v, C_UNARY)), C_UNARY);
    return v;
}

static CExpr call(EmitExpr *x, const char *fn, const char *args)
{
    return cx(arena_printf(x->arena, "%s(%s)", fn, args), C_PRIMARY);
}

/* A call to a helper that reports failure through `err`. */
static CExpr fallible(EmitExpr *x, const char *fn, const char *args)
{
    x->used_err = true;
    return cx(arena_printf(x->arena, "%s(&err, %s)", fn, args), C_PRIMARY);
}

static CExpr gen_name(EmitExpr *x, const Expr *e)
{
    if (e->name.kind == NAME_PARAM) {
        for (int i = 0; i < x->nparams; i++)
            if (x->params[i] == e->name.param) {
                x->used_rt = true; /* a run's params are in its runtime */
                return cx(arena_strdup(x->arena, x->param_names[i]), C_PRIMARY);
            }
    }
    int i = e->name.index;
    if (e->name.kind != NAME_FIELD || !x->rec || i < 0 || i >= x->rec->schema->nfields)
        return cx(arena_strdup(x->arena, "0 /* unresolved name */"), C_PRIMARY);
    x->used_rec = true;
    return cx(arena_printf(x->arena, "%s%s", x->access, x->rec->members[i]), C_PRIMARY);
}

static CExpr gen_unary(EmitExpr *x, const Expr *e)
{
    const Expr *v = e->unary.operand;
    if (e->unary.op == UN_NOT) {
        CExpr inner = gen(x, v);
        CExpr r = cx(arena_printf(x->arena, "!%s", at(x, inner, C_UNARY)), C_UNARY);
        r.not_of = inner.s;
        return r;
    }
    switch (e->type) {
    case TY_INT32: return call(x, "flow_i32_neg", gen_as(x, v, TY_INT32).s);
    case TY_INT64:
    case TY_TIMESTAMP: return call(x, "flow_i64_neg", gen_as(x, v, TY_INT64).s);
    default:
        /* Float negation; the operand is never bare `-x`, which would read `--x`. */
        return cx(arena_printf(x->arena, "-%s", at(x, gen_as(x, v, TY_FLOAT64), C_PRIMARY)),
                  C_UNARY);
    }
}

/* The type both sides of a comparison are brought to. */
static TypeKind compare_type(TypeKind a, TypeKind b)
{
    if (a == TY_STRING || b == TY_STRING)
        return TY_STRING;
    if (a == TY_FLOAT64 || b == TY_FLOAT64)
        return TY_FLOAT64;
    if (a == TY_INT64 || b == TY_INT64 || a == TY_TIMESTAMP || b == TY_TIMESTAMP)
        return TY_INT64;
    if (a == TY_BOOL && b == TY_BOOL)
        return TY_BOOL;
    return TY_INT32;
}

/* Whether C text calls a function (`name(`, outside string literals; the
 * all-capitals INT64_C( is a macro for a constant). */
static bool c_has_call(const char *s)
{
    const char *word = NULL;
    for (const char *p = s; *p; p++) {
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1])
                    p++;
            if (!*p)
                break;
            word = NULL;
            continue;
        }
        bool ident = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
                     (*p >= '0' && *p <= '9');
        if (ident && !word)
            word = p;
        if (*p == '(' && word) {
            for (const char *q = word; q < p; q++)
                if (*q >= 'a' && *q <= 'z')
                    return true;
        }
        if (!ident)
            word = NULL;
    }
    return false;
}

/* A comparison whose result the types already decide. gcc and clang reject
 * `x == x` and `int32 < 3000000000` under -Werror (self-comparison,
 * -Wtype-limits, -Wbool-compare), so the constant is written instead; the
 * operand is still evaluated when it calls something (it may fail). */
static CExpr constant_compare(EmitExpr *x, const EmitExpr *before, const char *operand,
                               bool holds)
{
    const char *value = holds ? "true" : "false";
    if (c_has_call(operand))
        return cx(arena_printf(x->arena, "((void)%s, %s)", operand, value), C_PRIMARY);
    /* The operands were written, then dropped: what they used is not used. */
    *x = *before;
    return cx(arena_strdup(x->arena, value), C_PRIMARY);
}

static BinaryOp mirror(BinaryOp op)
{
    switch (op) {
    case BIN_LT: return BIN_GT;
    case BIN_LE: return BIN_GE;
    case BIN_GT: return BIN_LT;
    case BIN_GE: return BIN_LE;
    default: return op;
    }
}

/* For `v OP c` with v in [lo, hi]: 1 when always true, 0 when always
 * false, -1 when it depends on v. */
static int decided(BinaryOp op, int64_t lo, int64_t hi, int64_t c)
{
    switch (op) {
    case BIN_LT: return hi < c ? 1 : lo >= c ? 0 : -1;
    case BIN_LE: return hi <= c ? 1 : lo > c ? 0 : -1;
    case BIN_GT: return lo > c ? 1 : hi <= c ? 0 : -1;
    case BIN_GE: return lo >= c ? 1 : hi < c ? 0 : -1;
    case BIN_EQ: return c < lo || c > hi ? 0 : -1;
    case BIN_NE: return c < lo || c > hi ? 1 : -1;
    default: return -1;
    }
}

static bool is_int_literal(const Expr *e)
{
    return e->kind == EX_INT || e->kind == EX_DURATION || e->kind == EX_BOOL;
}

/* `v OP literal` (either order) where v is an int32 or a bool and the
 * literal makes the result constant: 1/0, or -1. */
static int decided_by_range(BinaryOp op, const Expr *lhs, const Expr *rhs)
{
    if (is_int_literal(lhs) == is_int_literal(rhs))
        return -1;
    if (is_int_literal(lhs)) {
        const Expr *t = lhs;
        lhs = rhs;
        rhs = t;
        op = mirror(op);
    }
    int64_t c = rhs->kind == EX_BOOL ? rhs->bool_value : rhs->int_value;
    if (lhs->type == TY_INT32)
        return decided(op, INT32_MIN, INT32_MAX, c);
    if (lhs->type == TY_BOOL)
        return decided(op, 0, 1, c);
    return -1;
}

static CExpr gen_compare(EmitExpr *x, const Expr *e)
{
    Arena *a = x->arena;
    BinaryOp op = e->binary.op;
    TypeKind t = compare_type(e->binary.lhs->type, e->binary.rhs->type);
    EmitExpr before = *x;
    CExpr l = gen_as(x, e->binary.lhs, t), r = gen_as(x, e->binary.rhs, t);
    if (t != TY_FLOAT64 && t != TY_STRING) {
        int known = decided_by_range(op, e->binary.lhs, e->binary.rhs);
        if (known >= 0)
            return constant_compare(x, &before, is_int_literal(e->binary.lhs) ? r.s : l.s, known);
        if (strcmp(l.s, r.s) == 0 && !is_int_literal(e->binary.lhs))
            return constant_compare(x, &before, l.s, op == BIN_EQ || op == BIN_LE || op == BIN_GE);
    }
    static const char *const ops[] = {
        [BIN_EQ] = "==", [BIN_NE] = "!=", [BIN_LT] = "<", [BIN_LE] = "<=", [BIN_GT] = ">",
        [BIN_GE] = ">=",
    };
    if (t == TY_STRING && op != BIN_EQ && op != BIN_NE) {
        /* Ordering against "" is a length test (and gcc -O2 warns about the
         * memcmp of flow_str_cmp inlined with a zero-length side). */
        const Expr *lit = e->binary.rhs, *other = e->binary.lhs;
        CExpr v = l;
        BinaryOp o = op;
        if (!(lit->kind == EX_STRING && lit->string.len == 0)) {
            lit = e->binary.lhs;
            other = e->binary.rhs;
            v = r;
            o = mirror(op);
        }
        if (lit->kind == EX_STRING && lit->string.len == 0 && other->kind != EX_STRING) {
            if (o == BIN_LT || o == BIN_GE)
                return constant_compare(x, &before, v.s, o == BIN_GE);
            return cx(arena_printf(a, "%s.len %s 0", at(x, v, C_PRIMARY), o == BIN_LE ? "==" : ">"),
                      o == BIN_LE ? C_EQ : C_REL);
        }
    }
    if (t == TY_STRING) {
        char *args = arena_printf(a, "%s, %s", l.s, r.s);
        if (op == BIN_EQ)
            return call(x, "flow_str_eq", args);
        if (op == BIN_NE) {
            CExpr eq = call(x, "flow_str_eq", args);
            CExpr ne = cx(arena_printf(a, "!%s", eq.s), C_UNARY);
            ne.not_of = eq.s;
            return ne;
        }
        return cx(arena_printf(a, "flow_str_cmp(%s) %s 0", args, ops[op]), C_REL);
    }
    int prec = op == BIN_EQ || op == BIN_NE ? C_EQ : C_REL;
    return cx(arena_printf(a, "%s %s %s", cmp_operand(x, l), ops[op], cmp_operand(x, r)), prec);
}

static CExpr gen_arith(EmitExpr *x, const Expr *e)
{
    Arena *a = x->arena;
    BinaryOp op = e->binary.op;
    const Expr *lhs = e->binary.lhs, *rhs = e->binary.rhs;
    if (e->type == TY_FLOAT64) {
        CExpr l = gen_as(x, lhs, TY_FLOAT64), r = gen_as(x, rhs, TY_FLOAT64);
        if (op == BIN_MOD)
            return call(x, "flow_f64_mod", arena_printf(a, "%s, %s", l.s, r.s));
        static const char *const ops[] = { [BIN_ADD] = "+", [BIN_SUB] = "-", [BIN_MUL] = "*",
                                           [BIN_DIV] = "/" };
        int p = op == BIN_ADD || op == BIN_SUB ? C_ADD : C_MUL;
        return cx(arena_printf(a, "%s %s %s", at(x, l, p), ops[op], at(x, r, p + 1)), p);
    }
    /* int32 arithmetic stays int32; int64, and timestamp +- duration, on int64. */
    TypeKind t = e->type == TY_INT32 ? TY_INT32 : TY_INT64;
    const char *width = t == TY_INT32 ? "i32" : "i64";
    static const char *const names[] = { [BIN_ADD] = "add", [BIN_SUB] = "sub", [BIN_MUL] = "mul",
                                         [BIN_DIV] = "div", [BIN_MOD] = "mod" };
    char *fn = arena_printf(a, "flow_%s_%s", width, names[op]);
    CExpr l = gen_as(x, lhs, t), r = gen_as(x, rhs, t);
    /* A literal divisor other than 0 and -1 can neither fail nor overflow:
     * C's / and % (truncating, sign of the dividend) are Flow's. */
    if ((op == BIN_DIV || op == BIN_MOD) && (rhs->kind == EX_INT || rhs->kind == EX_DURATION) &&
        rhs->int_value != 0 && rhs->int_value != -1)
        return cx(arena_printf(a, "%s %s %s", at(x, l, C_MUL), op == BIN_DIV ? "/" : "%",
                               at(x, r, C_MUL + 1)),
                  C_MUL);
    char *args = arena_printf(a, "%s, %s", l.s, r.s);
    if (op == BIN_DIV || op == BIN_MOD)
        return fallible(x, fn, args);
    return call(x, fn, args);
}

static CExpr gen_binary(EmitExpr *x, const Expr *e)
{
    switch (e->binary.op) {
    case BIN_AND:
    case BIN_OR: {
        if (e->optional)
            return gen_logic3(x, e);
        CExpr l = gen(x, e->binary.lhs), r = gen(x, e->binary.rhs);
        return c_logic(x, e->binary.op == BIN_AND, l, r);
    }
    case BIN_EQ: case BIN_NE: case BIN_LT: case BIN_LE: case BIN_GT: case BIN_GE:
        return gen_compare(x, e);
    default:
        return gen_arith(x, e);
    }
}

/* ---- Calls ------------------------------------------------------------------------------ */

static CExpr gen_cast(EmitExpr *x, FuncId f, const Expr *v)
{
    Arena *a = x->arena;
    TypeKind from = v->type;
    CExpr c = gen(x, v);
    switch (f) {
    case FN_CAST_INT32:
        switch (from) {
        case TY_INT32: return c;
        case TY_INT64:
        case TY_TIMESTAMP: return fallible(x, "flow_i32_from_i64", c.s);
        case TY_FLOAT64: return fallible(x, "flow_i32_from_f64", c.s);
        case TY_STRING: return fallible(x, "flow_i32_from_str", c.s);
        case TY_BOOL: return cx(arena_printf(a, "(int32_t)%s", at(x, c, C_UNARY)), C_UNARY);
        default: return c;
        }
    case FN_CAST_INT64:
    case FN_CAST_TIMESTAMP:
        switch (from) {
        case TY_INT32:
            if (v->kind == EX_INT)
                return int_literal(x, v->int_value, TY_INT64);
            return cx(arena_printf(a, "(int64_t)%s", at(x, c, C_UNARY)), C_UNARY);
        case TY_BOOL: return cx(arena_printf(a, "(int64_t)%s", at(x, c, C_UNARY)), C_UNARY);
        case TY_INT64:
        case TY_TIMESTAMP: return c;
        case TY_FLOAT64: return fallible(x, "flow_i64_from_f64", c.s);
        case TY_STRING:
            return fallible(x, f == FN_CAST_TIMESTAMP ? "flow_ts_from_str" : "flow_i64_from_str",
                            c.s);
        default: return c;
        }
    case FN_CAST_FLOAT64:
        switch (from) {
        case TY_FLOAT64: return c;
        case TY_STRING: return fallible(x, "flow_f64_from_str", c.s);
        default:
            if (v->kind == EX_INT)
                return int_literal(x, v->int_value, TY_FLOAT64);
            return cx(arena_printf(a, "(double)%s", at(x, c, C_UNARY)), C_UNARY);
        }
    case FN_CAST_STRING:
        switch (from) {
        case TY_STRING: return c;
        case TY_BOOL: return call(x, "flow_str_from_bool", c.s);
        case TY_FLOAT64:
            x->used_rt = true;
            return call(x, "flow_str_from_f64", arena_printf(a, "rt, %s", c.s));
        case TY_TIMESTAMP:
            x->used_rt = true;
            return call(x, "flow_str_from_ts", arena_printf(a, "rt, %s", c.s));
        default:
            x->used_rt = true;
            return call(x, "flow_str_from_i64",
                        arena_printf(a, "rt, %s", gen_as(x, v, TY_INT64).s));
        }
    case FN_CAST_BOOL:
        if (from == TY_STRING)
            return fallible(x, "flow_bool_from_str", c.s);
        if (from == TY_BOOL)
            return c;
        return cx(arena_printf(a, "%s != 0", cmp_operand(x, c)), C_EQ);
    default:
        return c;
    }
}

/* ---- String functions (docs/language.md, "String functions") ------------------------------ */

/* The slot of a regexp_ call's pattern (a literal or a param), shared by
 * every call with the same one. */
static int regex_slot(EmitExpr *x, const Expr *pat)
{
    EmitRegexes *r = x->regexes;
    for (int i = 0; i < r->n; i++) {
        const Expr *q = r->patterns[i];
        if (q->kind != pat->kind)
            continue;
        if (pat->kind == EX_NAME ? q->name.param == pat->name.param
                                 : q->string.len == pat->string.len &&
                                       memcmp(q->string.chars, pat->string.chars,
                                              (size_t)pat->string.len) == 0)
            return i;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 4;
        const Expr **more = arena_alloc(x->arena, sizeof *more * (size_t)r->cap);
        if (r->n)
            memcpy(more, r->patterns, sizeof *more * (size_t)r->n);
        r->patterns = more;
    }
    r->patterns[r->n] = pat;
    return r->n++;
}

/* `s like "literal"` without a matcher when the pattern is a plain text
 * with '%' only at its ends: equality, a prefix, a suffix or a substring
 * test. NULL when it needs flow_str_like. */
static const char *like_test(const Expr *pat, int64_t *from, int64_t *to)
{
    const char *p = pat->string.chars;
    int64_t a = 0, b = pat->string.len;
    while (a < b && p[a] == '%')
        a++;
    while (b > a && p[b - 1] == '%')
        b--;
    for (int64_t i = a; i < b; i++)
        if (p[i] == '%' || p[i] == '_' || p[i] == '\\')
            return NULL;
    *from = a;
    *to = b;
    bool lead = a > 0, trail = b < pat->string.len;
    return lead && trail ? "flow_str_contains"
           : lead        ? "flow_str_ends_with"
           : trail       ? "flow_str_starts_with"
                         : "flow_str_eq";
}

static CExpr gen_string_call(EmitExpr *x, const Expr *e)
{
    Arena *a = x->arena;
    const Expr *a1 = e->call.args, *a2 = a1->next, *a3 = a2 ? a2->next : NULL;
    const char *s = gen(x, a1).s;
    switch (e->call.func) {
    case FN_SUBSTRING:
        if (!a3)
            return call(x, "flow_str_substring_from",
                        arena_printf(a, "%s, %s", s, gen_as(x, a2, TY_INT64).s));
        return fallible(x, "flow_str_substring",
                        arena_printf(a, "%s, %s, %s", s, gen_as(x, a2, TY_INT64).s,
                                     gen_as(x, a3, TY_INT64).s));
    case FN_REPLACE:
        x->used_rt = true;
        return call(x, "flow_str_replace",
                    arena_printf(a, "rt, %s, %s, %s", s, gen(x, a2).s, gen(x, a3).s));
    case FN_TRIM: return call(x, "flow_str_trim", s);
    case FN_LTRIM: return call(x, "flow_str_ltrim", s);
    case FN_RTRIM: return call(x, "flow_str_rtrim", s);
    case FN_SPLIT_PART:
        return fallible(x, "flow_str_split_part",
                        arena_printf(a, "%s, %s, %s", s, gen(x, a2).s, gen_as(x, a3, TY_INT64).s));
    case FN_POSITION:
        return call(x, "flow_str_position", arena_printf(a, "%s, %s", s, gen(x, a2).s));
    case FN_LPAD:
    case FN_RPAD:
        x->used_rt = true;
        return fallible(x, e->call.func == FN_LPAD ? "flow_str_lpad" : "flow_str_rpad",
                        arena_printf(a, "rt, %s, %s, %s", s, gen_as(x, a2, TY_INT64).s,
                                     gen(x, a3).s));
    case FN_LIKE: {
        int64_t from, to;
        const char *fn = a2->kind == EX_STRING ? like_test(a2, &from, &to) : NULL;
        if (fn)
            return call(x, fn, arena_printf(a, "%s, %s", s,
                                            string_literal(x, a2->string.chars + from,
                                                           to - from).s));
        return call(x, "flow_str_like", arena_printf(a, "%s, %s", s, gen(x, a2).s));
    }
    case FN_REGEXP_LIKE:
    case FN_REGEXP_EXTRACT:
    case FN_REGEXP_REPLACE: {
        x->used_rt = true;
        if (a2->kind != EX_STRING && !(a2->kind == EX_NAME && a2->name.kind == NAME_PARAM)) {
            /* A pattern from the record: the run's cache of compiled ones. */
            const char *re = gen(x, a2).s;
            if (e->call.func == FN_REGEXP_LIKE)
                return fallible(x, "flow_regexp_like_of", arena_printf(a, "rt, %s, %s", re, s));
            if (e->call.func == FN_REGEXP_EXTRACT)
                return fallible(x, "flow_regexp_extract_of",
                                arena_printf(a, "rt, %s, %s, %s", re, s,
                                             a3 ? gen_as(x, a3, TY_INT64).s : "INT64_C(0)"));
            return fallible(x, "flow_regexp_replace_of",
                            arena_printf(a, "rt, %s, %s, %s", re, s, gen(x, a3).s));
        }
        int slot = regex_slot(x, a2);
        if (e->call.func == FN_REGEXP_LIKE)
            return fallible(x, "flow_regexp_like", arena_printf(a, "rt, %d, %s", slot, s));
        if (e->call.func == FN_REGEXP_EXTRACT)
            return fallible(x, "flow_regexp_extract",
                            arena_printf(a, "rt, %d, %s, %s", slot, s,
                                         a3 ? gen_as(x, a3, TY_INT64).s : "INT64_C(0)"));
        return fallible(x, "flow_regexp_replace",
                        arena_printf(a, "rt, %d, %s, %s", slot, s, gen(x, a3).s));
    }
    default:
        return cx(arena_strdup(a, s), C_PRIMARY);
    }
}

/* ---- Numbers and conditional expressions (docs/language.md, "Numeric functions",
 * "Conditional expressions") ------------------------------------------------------------- */

/* The prefix of the flow/fn_num.h helpers for values of type t. */
static const char *helper_prefix(TypeKind t)
{
    switch (t) {
    case TY_INT32: return "flow_i32";
    case TY_FLOAT64: return "flow_f64";
    case TY_STRING: return "flow_str";
    case TY_BOOL: return "flow_bool";
    default: return "flow_i64";
    }
}

static CExpr helper(EmitExpr *x, TypeKind t, const char *name, const char *args)
{
    return call(x, arena_printf(x->arena, "%s_%s", helper_prefix(t), name), args);
}

static CExpr libm(EmitExpr *x, const char *fn, const char *args)
{
    x->used_math = true;
    return call(x, fn, args);
}

static CExpr gen_numeric(EmitExpr *x, const Expr *e)
{
    const Expr *a1 = e->call.args, *a2 = a1->next;
    TypeKind t = e->type;
    switch (e->call.func) {
    case FN_ROUND:
        if (!a2 && t == TY_FLOAT64)
            return call(x, "flow_f64_round0", gen(x, a1).s);
        if (!a2)
            return gen(x, a1); /* an integer has no digits right of the point */
        return helper(x, t, "round",
                      arena_printf(x->arena, "%s, %s", gen(x, a1).s, gen_as(x, a2, TY_INT64).s));
    case FN_FLOOR:
    case FN_CEIL:
        if (t != TY_FLOAT64)
            return gen(x, a1);
        return libm(x, e->call.func == FN_FLOOR ? "floor" : "ceil", gen(x, a1).s);
    case FN_SQRT: return libm(x, "sqrt", gen_as(x, a1, TY_FLOAT64).s);
    case FN_LN: return libm(x, "log", gen_as(x, a1, TY_FLOAT64).s);
    case FN_LOG10: return libm(x, "log10", gen_as(x, a1, TY_FLOAT64).s);
    case FN_EXP: return libm(x, "exp", gen_as(x, a1, TY_FLOAT64).s);
    case FN_POW:
        return libm(x, "pow", arena_printf(x->arena, "%s, %s", gen_as(x, a1, TY_FLOAT64).s,
                                           gen_as(x, a2, TY_FLOAT64).s));
    case FN_SIGN: return helper(x, t, "sign", gen(x, a1).s);
    default: {
        /* greatest, least: folded left over the arguments. */
        const char *name = e->call.func == FN_GREATEST ? "greatest" : "least";
        CExpr acc = gen_as(x, a1, t);
        for (const Expr *a = a2; a; a = a->next)
            acc = helper(x, t, name, arena_printf(x->arena, "%s, %s", acc.s, gen_as(x, a, t).s));
        return acc;
    }
    }
}

/* The type between and in compare in: int64 for every integer-like type
 * (bool widened), float64 or string. */
static TypeKind form_type(const Expr *ops)
{
    TypeKind t = ops->type;
    for (const Expr *a = ops->next; a; a = a->next)
        t = compare_type(t, a->type);
    return t == TY_FLOAT64 || t == TY_STRING ? t : TY_INT64;
}

static char *form_operand(EmitExpr *x, const Expr *e, TypeKind t)
{
    if (e->type == TY_BOOL)
        return arena_printf(x->arena, "(int64_t)%s", at(x, gen(x, e), C_UNARY));
    return gen_as(x, e, t).s;
}

static CExpr negated_if(EmitExpr *x, CExpr c, bool negated)
{
    if (!negated)
        return c;
    CExpr n = cx(arena_printf(x->arena, "!%s", at(x, c, C_UNARY)), C_UNARY);
    n.not_of = c.s;
    return n;
}

/* between and in on operands that may be null: the _opt helpers of
 * flow/fn_num.h on FlowOpt values (bools as int64, as form_operand). */
static const char *form_opt_operand(EmitExpr *x, const Expr *e, TypeKind t)
{
    if (e->type == TY_BOOL && !e->optional)
        return arena_printf(x->arena, "(%s){ %s, false }", c_opt_type(t), form_operand(x, e, t));
    return opt_as(x, e, t);
}

static CExpr gen_between(EmitExpr *x, const Expr *e)
{
    const Expr *v = e->form.ops;
    TypeKind t = form_type(v);
    if (e->optional) {
        char *args = arena_printf(x->arena, "%s, %s, %s", form_opt_operand(x, v, t),
                                  form_opt_operand(x, v->next, t),
                                  form_opt_operand(x, v->next->next, t));
        CExpr r = helper(x, t, "between_opt", args);
        return e->form.negated ? call(x, "flow_opt_not", r.s) : r;
    }
    char *args = arena_printf(x->arena, "%s, %s, %s", form_operand(x, v, t),
                              form_operand(x, v->next, t), form_operand(x, v->next->next, t));
    return negated_if(x, helper(x, t, "between", args), e->form.negated);
}

static bool is_literal(const Expr *e)
{
    return e->kind == EX_INT || e->kind == EX_DURATION || e->kind == EX_FLOAT ||
           e->kind == EX_STRING || e->kind == EX_BOOL;
}

/* A literal of an `in` list as the value it is compared as. */
static int64_t literal_i64(const Expr *e)
{
    return e->kind == EX_BOOL ? e->bool_value : e->int_value;
}

static double literal_f64(const Expr *e)
{
    return e->kind == EX_FLOAT ? e->float_value : (double)e->int_value;
}

/* qsort orders of literal Expr pointers: as int64, as float64, as bytes
 * (the order of flow_str_cmp). */
static int cmp_i64(const void *a, const void *b)
{
    int64_t x = literal_i64(*(const Expr *const *)a), y = literal_i64(*(const Expr *const *)b);
    return (x > y) - (x < y);
}

static int cmp_f64(const void *a, const void *b)
{
    double x = literal_f64(*(const Expr *const *)a), y = literal_f64(*(const Expr *const *)b);
    return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
    const Expr *x = *(const Expr *const *)a, *y = *(const Expr *const *)b;
    int64_t n = x->string.len < y->string.len ? x->string.len : y->string.len;
    int c = n > 0 ? memcmp(x->string.chars, y->string.chars, (size_t)n) : 0;
    if (c)
        return c;
    return (x->string.len > y->string.len) - (x->string.len < y->string.len);
}

/* Lists of at least this many literals are searched by halving. */
enum { IN_SORTED_MIN = 8 };

/* The literals of an `in` list sorted ascending in type t, duplicates and
 * nan (equal to nothing) dropped, as C initialisers; their count in *n. */
static char *sorted_literals(EmitExpr *x, const Expr *items, int count, TypeKind t, int *n)
{
    const Expr **lits = arena_alloc(x->arena, sizeof *lits * (size_t)count);
    int k = 0;
    for (const Expr *i = items; i; i = i->next)
        if (!(t == TY_FLOAT64 && isnan(literal_f64(i))))
            lits[k++] = i;
    int (*cmp)(const void *, const void *) =
        t == TY_STRING ? cmp_str : t == TY_FLOAT64 ? cmp_f64 : cmp_i64;
    qsort(lits, (size_t)k, sizeof *lits, cmp);
    char *out = "";
    *n = 0;
    for (int i = 0; i < k; i++) {
        if (i > 0 && cmp(&lits[i - 1], &lits[i]) == 0)
            continue;
        const Expr *l = lits[i];
        CExpr c = t == TY_STRING    ? string_literal(x, l->string.chars, l->string.len)
                  : t == TY_FLOAT64 ? float_literal(x, literal_f64(l))
                                    : int_literal(x, literal_i64(l), TY_INT64);
        out = arena_printf(x->arena, "%s%s%s", out, *n ? ", " : "", c.s);
        (*n)++;
    }
    return out;
}

static CExpr gen_in(EmitExpr *x, const Expr *e)
{
    Arena *a = x->arena;
    const Expr *v = e->form.ops, *items = v->next;
    TypeKind t = form_type(v);
    int count = e->form.nops - 1;
    bool literals = true;
    for (const Expr *i = items; i; i = i->next)
        literals = literals && is_literal(i);
    if (e->optional) {
        char *list = "";
        for (const Expr *i = items; i; i = i->next)
            list = arena_printf(a, "%s%s%s", list, i == items ? "" : ", ",
                                form_opt_operand(x, i, t));
        CExpr r = helper(x, t, "in_opt", arena_printf(a, "%s, (const %s[]){%s}, %d",
                                                      form_opt_operand(x, v, t), c_opt_type(t),
                                                      list, count));
        return e->form.negated ? call(x, "flow_opt_not", r.s) : r;
    }
    const char *ctype = t == TY_STRING ? "FlowStr" : t == TY_FLOAT64 ? "double" : "int64_t";
    char *value = form_operand(x, v, t);
    if (literals && count >= IN_SORTED_MIN) {
        int n;
        char *list = sorted_literals(x, items, count, t, &n);
        if (n > 0)
            return negated_if(x, helper(x, t, "in_sorted",
                                        arena_printf(a, "%s, (const %s[]){%s}, %d", value, ctype,
                                                     list, n)),
                              e->form.negated);
    }
    char *list = "";
    for (const Expr *i = items; i; i = i->next)
        list = arena_printf(a, "%s%s%s", list, i == items ? "" : ", ", form_operand(x, i, t));
    return negated_if(x, helper(x, t, "in",
                                arena_printf(a, "%s, (const %s[]){%s}, %d", value, ctype, list,
                                             count)),
                      e->form.negated);
}

/* Whether C text uses the identifier `name` (a local of ours: never
 * inside a string literal). */
static bool c_mentions(const char *s, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(s, name); p; p = strstr(p + 1, name)) {
        char after = p[n];
        bool ident = (after >= 'a' && after <= 'z') || (after >= 'A' && after <= 'Z') ||
                     (after >= '0' && after <= '9') || after == '_';
        if (!ident && (p == s || !((p[-1] >= 'a' && p[-1] <= 'z') || p[-1] == '_')))
            return true;
    }
    return false;
}

/* Nested ?:, so that only the branch taken is evaluated. In the simple
 * form the subject is compared with each `when` value in turn: a field or
 * a param is written again for each, anything that calls a function is
 * computed once, into a local, by the first comparison. */
static CExpr gen_case(EmitExpr *x, const Expr *e)
{
    const Expr *subject = e->form.has_subject ? e->form.ops : NULL;
    EmitSub *outer = x->subs;
    const char *once = NULL, *temps_before = x->temps, *decl = "", *temp = NULL;
    if (subject) {
        CExpr s = gen(x, subject);
        if (c_has_call(s.s)) {
            temp = arena_printf(x->arena, "subject%d", ++*x->ntemps);
            decl = arena_printf(x->arena, "%s%s %s;", *x->temps ? " " : "",
                                subject->optional ? c_opt_type(subject->type)
                                                  : c_type(subject->type),
                                temp);
            x->temps = arena_printf(x->arena, "%s%s", x->temps, decl);
            once = arena_printf(x->arena, "%s = %s", temp, s.s);
            push_sub(x, subject, temp);
        }
    }
    const Expr *first = subject ? subject->next : e->form.ops;
    int npairs = (e->form.nops - e->form.has_subject - e->form.has_else) / 2;
    const Expr **whens = arena_alloc(x->arena, sizeof *whens * (size_t)npairs);
    const Expr *w = first;
    for (int i = 0; i < npairs; i++, w = w->next->next)
        whens[i] = w;
    /* The else; without one, null. */
    CExpr acc = !e->form.has_else ? cx(opt_null(x, e->type), C_PRIMARY)
                : e->optional     ? cx(opt_as(x, w, e->type), C_PRIMARY)
                                  : gen_as(x, w, e->type);
    for (int i = npairs - 1; i >= 0; i--) {
        CExpr c;
        if (subject) {
            Expr eq = { .kind = EX_BINARY, .loc = whens[i]->loc, .type = TY_BOOL };
            eq.optional = subject->optional || whens[i]->optional;
            eq.binary.op = BIN_EQ;
            eq.binary.lhs = (Expr *)subject;
            eq.binary.rhs = (Expr *)whens[i];
            c = eq.optional ? gen_condition(x, &eq) : gen_compare(x, &eq);
        } else {
            c = gen_condition(x, whens[i]);
        }
        CExpr v = e->optional ? cx(opt_as(x, whens[i]->next, e->type), C_PRIMARY)
                              : gen_as(x, whens[i]->next, e->type);
        acc = cx(arena_printf(x->arena, "%s ? %s : %s", at(x, c, C_AND + 1), at(x, v, C_OR),
                              at(x, acc, C_COND)),
                 C_COND);
    }
    x->subs = outer;
    if (once && !c_mentions(acc.s, temp)) {
        /* The types decided every comparison: the subject is evaluated
         * (it may fail) and not kept, and its local not declared. */
        x->temps = arena_printf(x->arena, "%.*s%s", (int)strlen(temps_before), x->temps,
                                x->temps + strlen(temps_before) + strlen(decl));
        once = arena_printf(x->arena, "(void)%s", at(x, gen(x, subject), C_UNARY));
    }
    if (once)
        return cx(arena_printf(x->arena, "(%s, %s)", once, acc.s), C_PRIMARY);
    return acc;
}

/* Time (docs/language.md, "Time functions"): flow/fn_time.h. A zone
 * argument becomes a lookup in the runtime's process-wide cache of zones,
 * which loads a zone once and fails the record for an unknown one; no
 * zone is NULL, UTC. */
static CExpr gen_time_call(EmitExpr *x, const Expr *e)
{
    Arena *a = x->arena;
    const Expr *a1 = e->call.args, *a2 = a1->next, *a3 = a2 ? a2->next : NULL;
    const Expr *tz = e->call.func == FN_DATE_TRUNC || e->call.func == FN_FORMAT_TIMESTAMP ||
                             e->call.func == FN_PARSE_TIMESTAMP
                         ? a3
                         : a2;
    const char *zone = tz ? fallible(x, "flow_time_zone", gen(x, tz).s).s : "NULL";
    static const char *const parts[] = {
        [FN_YEAR] = "FLOW_TIME_YEAR", [FN_MONTH] = "FLOW_TIME_MONTH", [FN_DAY] = "FLOW_TIME_DAY",
        [FN_HOUR] = "FLOW_TIME_HOUR", [FN_MINUTE] = "FLOW_TIME_MINUTE",
        [FN_SECOND] = "FLOW_TIME_SECOND", [FN_DAY_OF_WEEK] = "FLOW_TIME_DAY_OF_WEEK",
    };
    static const char *const units[] = {
        "FLOW_TIME_SECOND", "FLOW_TIME_MINUTE", "FLOW_TIME_HOUR", "FLOW_TIME_DAY",
        "FLOW_TIME_WEEK", "FLOW_TIME_MONTH", "FLOW_TIME_YEAR",
    };
    switch (e->call.func) {
    case FN_DATE_TRUNC: {
        int unit = flow_time_unit((FlowStr){ a1->string.chars, a1->string.len });
        return call(x, "flow_time_trunc",
                    arena_printf(a, "%s, %s, %s", zone, gen(x, a2).s, units[unit]));
    }
    case FN_FORMAT_TIMESTAMP:
        x->used_rt = true;
        x->used_err = true;
        return call(x, "flow_time_format",
                    arena_printf(a, "rt, &err, %s, %s, %s", gen(x, a1).s, gen(x, a2).s, zone));
    case FN_PARSE_TIMESTAMP:
        return fallible(x, "flow_time_parse",
                        arena_printf(a, "%s, %s, %s", gen(x, a1).s, gen(x, a2).s, zone));
    default:
        return call(x, "flow_time_part",
                    arena_printf(a, "%s, %s, %s", zone, gen(x, a1).s, parts[e->call.func]));
    }
}

static CExpr gen_call(EmitExpr *x, const Expr *e)
{
    Arena *a = x->arena;
    const Expr *arg = e->call.args;
    switch (e->call.func) {
    case FN_ABS:
        if (arg->type == TY_INT32)
            return call(x, "flow_i32_abs", gen(x, arg).s);
        if (arg->type == TY_FLOAT64) {
            x->used_math = true;
            return call(x, "fabs", gen(x, arg).s);
        }
        return call(x, "flow_i64_abs", gen_as(x, arg, TY_INT64).s);
    case FN_LOWER:
    case FN_UPPER:
        x->used_rt = true;
        return call(x, e->call.func == FN_LOWER ? "flow_str_lower" : "flow_str_upper",
                    arena_printf(a, "rt, %s", gen(x, arg).s));
    case FN_LENGTH: return call(x, "flow_str_length", gen(x, arg).s);
    case FN_CONTAINS:
    case FN_STARTS_WITH:
    case FN_ENDS_WITH: {
        const char *fn = e->call.func == FN_CONTAINS      ? "flow_str_contains"
                         : e->call.func == FN_STARTS_WITH ? "flow_str_starts_with"
                                                          : "flow_str_ends_with";
        return call(x, fn, arena_printf(a, "%s, %s", gen(x, arg).s, gen(x, arg->next).s));
    }
    case FN_CONCAT: {
        if (!arg)
            return string_literal(x, "", 0);
        char *parts = "";
        for (const Expr *p = arg; p; p = p->next)
            parts = arena_printf(a, "%s%s%s", parts, p == arg ? "" : ", ", gen(x, p).s);
        x->used_rt = true;
        return call(x, "flow_str_concat",
                    arena_printf(a, "rt, %d, (FlowStr[]){%s}", e->call.nargs, parts));
    }
    case FN_IF: {
        CExpr c = gen_condition(x, arg);
        CExpr t = e->optional ? cx(opt_as(x, arg->next, e->type), C_PRIMARY)
                              : gen_as(x, arg->next, e->type);
        CExpr f = e->optional ? cx(opt_as(x, arg->next->next, e->type), C_PRIMARY)
                              : gen_as(x, arg->next->next, e->type);
        return cx(arena_printf(a, "%s ? %s : %s", at(x, c, C_AND + 1), at(x, t, C_OR),
                               at(x, f, C_OR)),
                  C_COND);
    }
    case FN_HASH:
        switch (arg->type) {
        case TY_FLOAT64: return call(x, "flow_hash_f64", gen(x, arg).s);
        case TY_BOOL: return call(x, "flow_hash_bool", gen(x, arg).s);
        case TY_STRING: return call(x, "flow_hash_str", gen(x, arg).s);
        default: return call(x, "flow_hash_i64", gen_as(x, arg, TY_INT64).s);
        }
    case FN_CAST_INT32:
    case FN_CAST_INT64:
    case FN_CAST_FLOAT64:
    case FN_CAST_STRING:
    case FN_CAST_TIMESTAMP:
    case FN_CAST_BOOL:
        return gen_cast(x, e->call.func, arg);
    /* Strings (docs/language.md, "String functions") */
    case FN_SUBSTRING:
    case FN_REPLACE:
    case FN_TRIM:
    case FN_LTRIM:
    case FN_RTRIM:
    case FN_SPLIT_PART:
    case FN_POSITION:
    case FN_LPAD:
    case FN_RPAD:
    case FN_LIKE:
    case FN_REGEXP_LIKE:
    case FN_REGEXP_EXTRACT:
    case FN_REGEXP_REPLACE:
        return gen_string_call(x, e);
    /* Numbers (docs/language.md, "Numeric functions") */
    case FN_ROUND:
    case FN_FLOOR:
    case FN_CEIL:
    case FN_SQRT:
    case FN_POW:
    case FN_LN:
    case FN_LOG10:
    case FN_EXP:
    case FN_SIGN:
    case FN_GREATEST:
    case FN_LEAST:
        return gen_numeric(x, e);
    /* Time (docs/language.md, "Time functions") */
    case FN_DATE_TRUNC:
    case FN_YEAR:
    case FN_MONTH:
    case FN_DAY:
    case FN_HOUR:
    case FN_MINUTE:
    case FN_SECOND:
    case FN_DAY_OF_WEEK:
    case FN_FORMAT_TIMESTAMP:
    case FN_PARSE_TIMESTAMP:
        return gen_time_call(x, e);
    case FN_COALESCE:
        return gen_coalesce(x, e);
    case FN_UNKNOWN:
        break;
    }
    return cx(arena_printf(a, "0 /* unknown function %s */", e->call.name), C_PRIMARY);
}

/* ---- Optional values (docs/language.md, "Optional fields") ------------------------------ */

/* An optional value is a FlowOpt struct (flow/value.h). An operation on
 * optional operands reads each operand once (a field directly, anything
 * else through a local of the statement), and is null when one of them
 * is; otherwise its value is the C of the same operation on the operands'
 * values, so that a division by zero or a failing cast only happens when
 * it is computed. */

static void push_sub(EmitExpr *x, const Expr *e, const char *c)
{
    EmitSub *s = arena_alloc(x->arena, sizeof *s);
    s->e = e;
    s->c = c;
    s->next = x->subs;
    x->subs = s;
}

/* A new local of the statement, of C type `ctype`. */
static const char *new_temp(EmitExpr *x, const char *ctype)
{
    const char *name = arena_printf(x->arena, "opt%d", ++*x->ntemps);
    x->temps = arena_printf(x->arena, "%s%s%s %s;", x->temps, *x->temps ? " " : "", ctype, name);
    return name;
}

/* The optional `e` as a C lvalue read once: a field itself, else a local
 * that `*prefix` (a comma list of assignments, extended here) fills. */
static const char *opt_read(EmitExpr *x, const Expr *e, const char **prefix)
{
    CExpr v = gen(x, e);
    if (e->kind == EX_NAME && !c_has_call(v.s))
        return v.s;
    const char *t = new_temp(x, c_opt_type(e->type));
    *prefix = arena_printf(x->arena, "%s%s%s = %s", *prefix, **prefix ? ", " : "", t, v.s);
    return t;
}

/* C text `v` of type `from` as a value of type `want` (an implicit widening). */
static const char *widen_text(EmitExpr *x, const char *v, TypeKind from, TypeKind want)
{
    if (same_c_type(from, want))
        return v;
    return arena_printf(x->arena, "(%s)%s", want == TY_FLOAT64 ? "double" : "int64_t", v);
}

/* `e`, optional or not, as the FlowOpt struct of type `want`. */
static char *opt_as(EmitExpr *x, const Expr *e, TypeKind want)
{
    if (!e->optional)
        return arena_printf(x->arena, "(%s){ %s, false }", c_opt_type(want),
                            gen_as(x, e, want).s);
    if (same_c_type(e->type, want))
        return gen(x, e).s;
    const char *prefix = "";
    const char *r = opt_read(x, e, &prefix);
    char *conv = arena_printf(x->arena, "(%s){ %s, %s.null }", c_opt_type(want),
                              widen_text(x, arena_printf(x->arena, "%s.v", r), e->type, want),
                              r);
    return *prefix ? arena_printf(x->arena, "(%s, %s)", prefix, conv) : conv;
}

static char *opt_null(EmitExpr *x, TypeKind t)
{
    return arena_printf(x->arena, "(%s){ .null = true }", c_opt_type(t));
}

/* `prefix, body` as one C expression (just body without a prefix). */
static CExpr with_prefix(EmitExpr *x, const char *prefix, CExpr body)
{
    if (!*prefix)
        return body;
    return cx(arena_printf(x->arena, "(%s, %s)", prefix, body.s), C_PRIMARY);
}

static int nullable_operands(EmitExpr *x, const Expr *e, const Expr ***ops);

/* !c, or what c is the negation of: never `!!x`. */
static CExpr c_not(EmitExpr *x, CExpr c)
{
    if (c.not_of)
        return cx(c.not_of, C_PRIMARY);
    CExpr n = cx(arena_printf(x->arena, "!%s", at(x, c, C_UNARY)), C_UNARY);
    n.not_of = c.s;
    return n;
}

/* Reads each optional operand among `ops` once (opt_read) and lets gen_node
 * see its value; the test that all are there (`present`: !a.null && ...)
 * or that one is null (a.null || ...). */
static const char *read_optional_operands(EmitExpr *x, const Expr *const *ops, int n,
                                          bool present, const char **prefix)
{
    const char *test = "";
    for (int i = 0; i < n; i++) {
        if (!ops[i]->optional)
            continue;
        const char *r = opt_read(x, ops[i], prefix);
        const char *join = !*test ? "" : present ? " && " : " || ";
        test = arena_printf(x->arena, "%s%s%s%s.null", test, join, present ? "!" : "", r);
        push_sub(x, ops[i], arena_printf(x->arena, "%s.v", r));
    }
    return test;
}

/* A generic operation on optional operands that gives a bool, as a test:
 * every operand there and the value (with `negate`, its negation) true. */
static CExpr nullable_test(EmitExpr *x, const Expr *e, const Expr *const *ops, int n, bool negate)
{
    EmitSub *outer = x->subs;
    const char *prefix = "";
    const char *test = read_optional_operands(x, ops, n, true, &prefix);
    CExpr v = gen_node(x, e);
    x->subs = outer;
    if (negate)
        v = c_not(x, v);
    x->used_logic = true;
    return with_prefix(x, prefix, cx(arena_printf(x->arena, "%s && %s", test, at(x, v, C_AND + 1)),
                                     C_AND));
}

/* `l && r` or `l || r` of two C bools: a && b && c reads as is; && inside
 * || gets parentheses (-Wparentheses). */
static CExpr c_logic(EmitExpr *x, bool is_and, CExpr l, CExpr r)
{
    x->used_logic = true;
    bool chain = l.prec == (is_and ? C_AND : C_OR);
    return cx(arena_printf(x->arena, "%s %s %s", chain ? l.s : at(x, l, C_AND + 1),
                           is_and ? "&&" : "||", at(x, r, C_AND + 1)),
              is_and ? C_AND : C_OR);
}

/* The C bool that is true when the bool `e` is `want` (not the other value,
 * not null): `a and b` is true when both are and false when one is, `a or b`
 * the other way round, `not a` is `want` when a is not, so a condition needs
 * no three-valued value. */
static CExpr opt_is(EmitExpr *x, const Expr *e, bool want)
{
    if (!e->optional)
        return want ? gen(x, e) : c_not(x, gen(x, e));
    if (e->kind == EX_BINARY && (e->binary.op == BIN_AND || e->binary.op == BIN_OR))
        return c_logic(x, (e->binary.op == BIN_AND) == want, opt_is(x, e->binary.lhs, want),
                       opt_is(x, e->binary.rhs, want));
    if (e->kind == EX_UNARY && e->unary.op == UN_NOT)
        return opt_is(x, e->unary.operand, !want);
    const Expr **ops;
    int n = nullable_operands(x, e, &ops);
    if (n > 0)
        return nullable_test(x, e, ops, n, !want);
    const char *prefix = "";
    const char *r = opt_read(x, e, &prefix);
    return with_prefix(x, prefix, cx(arena_printf(x->arena, "!%s.null && %s%s.v", r,
                                                  want ? "" : "!", r), C_AND));
}

/* A condition of if or case: a null one is not true. */
static CExpr gen_condition(EmitExpr *x, const Expr *e)
{
    return e->optional ? opt_is(x, e, true) : gen(x, e);
}

/* An operation whose operands `ops` (n of them) may be null: null when
 * one is, else gen_node of `e` on their values. */
static CExpr gen_nullable(EmitExpr *x, const Expr *e, const Expr *const *ops, int n)
{
    EmitSub *outer = x->subs;
    const char *prefix = "";
    const char *test = read_optional_operands(x, ops, n, false, &prefix);
    CExpr v = gen_node(x, e);
    x->subs = outer;
    return with_prefix(x, prefix,
                       cx(arena_printf(x->arena, "%s ? %s : (%s){ %s, false }", test,
                                       opt_null(x, e->type), c_opt_type(e->type), v.s),
                          C_COND));
}

/* The operands of a generic operation on optional values (*ops, in the
 * arena), or 0 when `e` is one that treats nulls itself. */
static int nullable_operands(EmitExpr *x, const Expr *e, const Expr ***ops)
{
    int n = 0;
    switch (e->kind) {
    case EX_UNARY:
        *ops = arena_alloc(x->arena, sizeof **ops);
        (*ops)[n++] = e->unary.operand;
        return n;
    case EX_BINARY:
        if (e->binary.op == BIN_AND || e->binary.op == BIN_OR)
            return 0;
        *ops = arena_alloc(x->arena, 2 * sizeof **ops);
        (*ops)[n++] = e->binary.lhs;
        (*ops)[n++] = e->binary.rhs;
        return n;
    case EX_CALL:
        if (e->call.func == FN_COALESCE || e->call.func == FN_IF)
            return 0;
        *ops = arena_alloc(x->arena, (size_t)e->call.nargs * sizeof **ops);
        for (const Expr *a = e->call.args; a; a = a->next)
            (*ops)[n++] = a;
        return n;
    default:
        return 0;
    }
}

/* `x is [not] null`. */
static CExpr gen_is_null(EmitExpr *x, const Expr *e)
{
    const Expr *v = e->form.ops;
    if (!v->optional) {
        CExpr c = gen(x, v);
        const char *value = e->form.negated ? "true" : "false";
        if (c_has_call(c.s))
            return cx(arena_printf(x->arena, "((void)%s, %s)", c.s, value), C_PRIMARY);
        return cx(arena_strdup(x->arena, value), C_PRIMARY);
    }
    const char *prefix = "";
    const char *r = opt_read(x, v, &prefix);
    return with_prefix(x, prefix, cx(arena_printf(x->arena, "%s%s.null", e->form.negated ? "!" : "",
                                                  r),
                                     e->form.negated ? C_UNARY : C_PRIMARY));
}

/* coalesce(a, b, ...): the first that is not null; the arguments after the
 * first that cannot be null are never evaluated. */
static CExpr gen_coalesce(EmitExpr *x, const Expr *e)
{
    TypeKind t = e->type;
    const Expr **args = arena_alloc(x->arena, (size_t)e->call.nargs * sizeof *args);
    int n = 0;
    for (const Expr *a = e->call.args; a; a = a->next) {
        args[n++] = a;
        if (!a->optional)
            break;
    }
    CExpr acc = e->optional ? cx(opt_as(x, args[n - 1], t), C_PRIMARY)
                            : gen_as(x, args[n - 1], t);
    for (int i = n - 2; i >= 0; i--) {
        const char *prefix = "";
        const char *r = opt_read(x, args[i], &prefix);
        const char *v = e->optional && same_c_type(args[i]->type, t)
                            ? r
                            : widen_text(x, arena_printf(x->arena, "%s.v", r), args[i]->type, t);
        if (e->optional && !same_c_type(args[i]->type, t))
            v = arena_printf(x->arena, "(%s){ %s, false }", c_opt_type(t), v);
        acc = with_prefix(x, prefix, cx(arena_printf(x->arena, "!%s.null ? %s : %s", r, v,
                                                     at(x, acc, C_COND)),
                                        C_COND));
    }
    return acc;
}

/* `a and b`, `a or b` when one may be null: SQL's three-valued logic
 * (false and null is false, true or null is true, else null), the right
 * side evaluated only when the left does not decide. */
static CExpr gen_logic3(EmitExpr *x, const Expr *e)
{
    bool is_and = e->binary.op == BIN_AND;
    const char *decides = is_and ? "false" : "true";
    const char *l = new_temp(x, "FlowOptBool"), *r = new_temp(x, "FlowOptBool");
    const char *lv = opt_as(x, e->binary.lhs, TY_BOOL), *rv = opt_as(x, e->binary.rhs, TY_BOOL);
    const char *test = is_and ? "!%s.null && !%s.v" : "!%s.null && %s.v";
    char *ltest = arena_printf(x->arena, test, l, l), *rtest = arena_printf(x->arena, test, r, r);
    return cx(arena_printf(x->arena,
                           "(%s = %s, %s ? (FlowOptBool){ %s, false } : (%s = %s, %s ? "
                           "(FlowOptBool){ %s, false } : (FlowOptBool){ %s, %s.null || %s.null }))",
                           l, lv, ltest, decides, r, rv, rtest, decides, is_and ? "true" : "false",
                           l, r),
              C_PRIMARY);
}

static CExpr gen(EmitExpr *x, const Expr *e)
{
    for (const EmitSub *s = x->subs; s; s = s->next)
        if (s->e == e)
            return cx(arena_strdup(x->arena, s->c), C_PRIMARY);
    if (e->optional) {
        const Expr **ops;
        int n = nullable_operands(x, e, &ops);
        if (n > 0)
            return gen_nullable(x, e, ops, n);
    }
    return gen_node(x, e);
}

static CExpr gen_node(EmitExpr *x, const Expr *e)
{
    switch (e->kind) {
    case EX_INT: return int_literal(x, e->int_value, e->type);
    case EX_DURATION: return int_literal(x, e->int_value, TY_INT64);
    case EX_FLOAT: return float_literal(x, e->float_value);
    case EX_STRING: return string_literal(x, e->string.chars, e->string.len);
    case EX_BOOL: return cx(arena_strdup(x->arena, e->bool_value ? "true" : "false"), C_PRIMARY);
    case EX_NAME: return gen_name(x, e);
    case EX_UNARY: return gen_unary(x, e);
    case EX_BINARY: return gen_binary(x, e);
    case EX_CALL: return gen_call(x, e);
    case EX_BETWEEN: return gen_between(x, e);
    case EX_IN: return gen_in(x, e);
    case EX_CASE: return gen_case(x, e);
    case EX_IS_NULL: return gen_is_null(x, e);
    }
    return cx(arena_strdup(x->arena, "0"), C_PRIMARY);
}

char *emit_expr(EmitExpr *x, const Expr *e, TypeKind want)
{
    if (e->optional && want != TY_ERROR)
        return opt_as(x, e, want);
    return gen_as(x, e, want).s;
}

char *emit_test(EmitExpr *x, const Expr *e)
{
    return e->optional ? opt_is(x, e, true).s : emit_expr(x, e, TY_BOOL);
}

char *emit_negated(EmitExpr *x, const Expr *e)
{
    if (e->optional) {
        CExpr t = opt_is(x, e, true);
        return arena_printf(x->arena, "!%s", at(x, t, C_UNARY));
    }
    return c_not(x, gen(x, e)).s;
}
