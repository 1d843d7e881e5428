/* check_expr.c: the expression half of the checker. Resolves names to fields
 * or params, maps calls to built-in functions, and types every node with the
 * rules of LANGUAGE.md §4 and the shared decisions of the project brief:
 * int32 -> int64 -> float64 widening, no implicit narrowing, timestamp
 * arithmetic with int64 milliseconds, and casts as the only way across;
 * and whether each expression may be null (Expr.optional). */
#include <string.h>

#include "check_impl.h"

const char *const type_names[] = {
    "bool", "int32", "int64", "float64", "string", "timestamp", NULL,
};

TypeKind type_from_name(const char *name)
{
    static const TypeKind kinds[] = {
        TY_BOOL, TY_INT32, TY_INT64, TY_FLOAT64, TY_STRING, TY_TIMESTAMP,
    };
    for (int i = 0; type_names[i]; i++)
        if (strcmp(type_names[i], name) == 0)
            return kinds[i];
    return TY_ERROR;
}

bool type_is_numeric(TypeKind t)
{
    return t == TY_INT32 || t == TY_INT64 || t == TY_FLOAT64;
}

bool type_is_integer(TypeKind t)
{
    return t == TY_INT32 || t == TY_INT64;
}

/* int32 < int64 < float64: the order implicit widening follows. */
static int numeric_rank(TypeKind t)
{
    return t == TY_INT32 ? 1 : t == TY_INT64 ? 2 : 3;
}

TypeKind type_unify(TypeKind a, TypeKind b)
{
    if (a == b)
        return a;
    if (type_is_numeric(a) && type_is_numeric(b))
        return numeric_rank(a) > numeric_rank(b) ? a : b;
    return TY_ERROR;
}

bool type_widens_to(TypeKind from, TypeKind to)
{
    return from == to || (type_is_numeric(from) && type_is_numeric(to) &&
                          numeric_rank(from) <= numeric_rank(to));
}

/* ---- Names ------------------------------------------------------------------ */

static bool field_answers_to(const FieldScope *fs, const Field *f, const char *qualifier)
{
    if (!qualifier)
        return true;
    if (f->qualifier)
        return strcmp(f->qualifier, qualifier) == 0;
    return fs->self && strcmp(fs->self, qualifier) == 0;
}

static const char *field_qualifier(const FieldScope *fs, const Field *f)
{
    return f->qualifier ? f->qualifier : fs->self;
}

bool scope_has_field(const FieldScope *fs, const char *qualifier, const char *name)
{
    if (!fs->schema)
        return false;
    for (int i = 0; i < fs->schema->nfields; i++) {
        const Field *f = &fs->schema->fields[i];
        if (strcmp(f->name, name) == 0 && field_answers_to(fs, f, qualifier))
            return true;
    }
    return false;
}

static bool qualifier_known(const FieldScope *fs, const char *qualifier)
{
    if (fs->self && strcmp(fs->self, qualifier) == 0)
        return true;
    for (int i = 0; i < fs->schema->nfields; i++)
        if (field_answers_to(fs, &fs->schema->fields[i], qualifier))
            return true;
    return false;
}

static void report_unknown_qualifier(Checker *c, const FieldScope *fs, Expr *e)
{
    int n = fs->schema->nfields;
    const char **cands = arena_alloc(c->arena, sizeof *cands * (size_t)(n + 2));
    int k = 0;
    if (fs->self)
        cands[k++] = fs->self;
    for (int i = 0; i < n; i++)
        if (fs->schema->fields[i].qualifier)
            cands[k++] = fs->schema->fields[i].qualifier;
    cands[k] = NULL;
    report_unknown(c, e->loc, "alias", e->name.qualifier, cands);
}

static void report_unknown_field(Checker *c, const FieldScope *fs, Expr *e, bool allow_param)
{
    const char *q = e->name.qualifier;
    int n = fs->schema->nfields;
    const char **params = allow_param && !q ? scope_names(c, KIND_BIT(DECL_PARAM)) : NULL;
    int nparams = 0;
    while (params && params[nparams])
        nparams++;
    const char **cands = arena_alloc(c->arena, sizeof *cands * (size_t)(n + nparams + 1));
    int k = 0;
    for (int i = 0; i < n; i++)
        if (field_answers_to(fs, &fs->schema->fields[i], q))
            cands[k++] = fs->schema->fields[i].name;
    for (int i = 0; i < nparams; i++)
        cands[k++] = params[i];
    cands[k] = NULL;
    if (!q) {
        /* A misspelt param reads as a field: say which of the two is meant. */
        const char *close = diag_closest(e->name.name, cands);
        bool is_param = false;
        for (int i = 0; close && i < nparams; i++)
            is_param |= close == params[i];
        if (is_param)
            diag_error(c->d, e->loc, "unknown field or param '%s' (did you mean param '%s'?)",
                       e->name.name, close);
        else
            report_unknown(c, e->loc, "field", e->name.name, cands);
        return;
    }
    /* Closeness is judged on the field name alone, not `q.name`. */
    const char *close = diag_closest(e->name.name, cands);
    if (close)
        diag_error(c->d, e->loc, "unknown field '%s.%s' (did you mean '%s.%s'?)", q,
                   e->name.name, q, close);
    else
        diag_error(c->d, e->loc, "unknown field '%s.%s'", q, e->name.name);
}

/* `param.NAME`: the param NAME, even where a field is called NAME
 * (docs/language.md, "Names"). */
static bool resolve_explicit_param(Checker *c, Expr *e)
{
    Decl *d = scope_lookup(c, e->name.name);
    if (!d || d->kind != DECL_PARAM) {
        report_unknown(c, e->loc, "param", e->name.name, scope_names(c, KIND_BIT(DECL_PARAM)));
        return false;
    }
    d->used = true;
    e->name.kind = NAME_PARAM;
    e->name.param = d;
    e->type = d->param.type;
    return true;
}

int resolve_field_name(Checker *c, const FieldScope *fs, Expr *e, bool allow_param)
{
    e->type = TY_ERROR;
    e->optional = false;
    const char *q = e->name.qualifier, *name = e->name.name;
    /* `param` is a soft keyword: a stream or `as` named param still
     * qualifies its fields when no param has the name. */
    if (allow_param && q && strcmp(q, "param") == 0) {
        Decl *d = scope_lookup(c, name);
        if ((d && d->kind == DECL_PARAM) || !fs->schema || !qualifier_known(fs, q)) {
            resolve_explicit_param(c, e);
            return -1;
        }
    }
    if (!fs->schema)
        return -1;
    int first = -1, second = -1;
    for (int i = 0; i < fs->schema->nfields; i++) {
        const Field *f = &fs->schema->fields[i];
        if (strcmp(f->name, name) != 0 || !field_answers_to(fs, f, q))
            continue;
        if (first < 0)
            first = i;
        else if (second < 0)
            second = i;
    }
    if (first >= 0 && second < 0) {
        Decl *d = q || !allow_param ? NULL : scope_lookup(c, name);
        if (d && d->kind == DECL_PARAM) {
            const char *self = field_qualifier(fs, &fs->schema->fields[first]);
            if (self)
                diag_warning(c->d, e->loc,
                             "field '%s' hides param '%s': write 'param.%s' for the param, "
                             "'%s.%s' for the field",
                             name, name, name, self, name);
            else
                diag_warning(c->d, e->loc,
                             "field '%s' hides param '%s': write 'param.%s' for the param", name,
                             name, name);
            diag_note(c->d, d->name_loc, "param '%s' is declared here", name);
        }
        e->name.kind = NAME_FIELD;
        e->name.index = first;
        e->type = fs->schema->fields[first].type;
        e->optional = fs->schema->fields[first].optional;
        return first;
    }
    if (second >= 0) {
        const Field *a = &fs->schema->fields[first], *b = &fs->schema->fields[second];
        diag_error(c->d, e->loc, "ambiguous field '%s': qualify it as '%s.%s' or '%s.%s'",
                   name, field_qualifier(fs, a), name, field_qualifier(fs, b), name);
        return -1;
    }
    if (q) {
        if (!qualifier_known(fs, q))
            report_unknown_qualifier(c, fs, e);
        else
            report_unknown_field(c, fs, e, false);
        return -1;
    }
    Decl *d = scope_lookup(c, name);
    if (d && d->kind == DECL_PARAM && allow_param) {
        d->used = true;
        e->name.kind = NAME_PARAM;
        e->name.param = d;
        e->type = d->param.type;
        return -1;
    }
    if (d)
        diag_error(c->d, e->loc, "'%s' is a %s, not a field%s", name,
                   decl_kind_name(d->kind), allow_param ? " or param" : "");
    else if (!(allow_param && c->partial)) /* else maybe a param the parser dropped */
        report_unknown_field(c, fs, e, allow_param);
    return -1;
}

/* ---- Operators ----------------------------------------------------------------- */

static const char *binary_op_text(BinaryOp op)
{
    switch (op) {
    case BIN_ADD: return "+";
    case BIN_SUB: return "-";
    case BIN_MUL: return "*";
    case BIN_DIV: return "/";
    case BIN_MOD: return "%";
    case BIN_EQ: return "==";
    case BIN_NE: return "!=";
    case BIN_LT: return "<";
    case BIN_LE: return "<=";
    case BIN_GT: return ">";
    case BIN_GE: return ">=";
    case BIN_AND: return "and";
    case BIN_OR: return "or";
    }
    return "?";
}

static TypeKind check_unary(Checker *c, const FieldScope *fs, Expr *e)
{
    TypeKind t = check_expr(c, fs, e->unary.operand);
    if (t == TY_ERROR)
        return TY_ERROR;
    if (e->unary.op == UN_NEG && type_is_numeric(t))
        return t;
    if (e->unary.op == UN_NOT && t == TY_BOOL)
        return TY_BOOL;
    diag_error(c->d, e->loc, "cannot apply '%s' to %s", e->unary.op == UN_NEG ? "-" : "not",
               type_name(t));
    return TY_ERROR;
}

/* The result type of `l op r`, or TY_ERROR when the operands do not fit. */
static TypeKind binary_result(BinaryOp op, TypeKind l, TypeKind r)
{
    switch (op) {
    case BIN_AND:
    case BIN_OR:
        return l == TY_BOOL && r == TY_BOOL ? TY_BOOL : TY_ERROR;
    case BIN_ADD:
        if (l == TY_TIMESTAMP && type_is_integer(r))
            return TY_TIMESTAMP;
        if (type_is_integer(l) && r == TY_TIMESTAMP)
            return TY_TIMESTAMP;
        return type_is_numeric(l) && type_is_numeric(r) ? type_unify(l, r) : TY_ERROR;
    case BIN_SUB:
        if (l == TY_TIMESTAMP && type_is_integer(r))
            return TY_TIMESTAMP;
        if (l == TY_TIMESTAMP && r == TY_TIMESTAMP)
            return TY_INT64;
        return type_is_numeric(l) && type_is_numeric(r) ? type_unify(l, r) : TY_ERROR;
    case BIN_MUL:
    case BIN_DIV:
    case BIN_MOD:
        return type_is_numeric(l) && type_is_numeric(r) ? type_unify(l, r) : TY_ERROR;
    case BIN_EQ:
    case BIN_NE:
    case BIN_LT:
    case BIN_LE:
    case BIN_GT:
    case BIN_GE:
        /* Every type is ordered: numbers by value, strings bytewise,
         * timestamps by time, false before true. */
        return type_unify(l, r) != TY_ERROR ? TY_BOOL : TY_ERROR;
    }
    return TY_ERROR;
}

static TypeKind check_binary(Checker *c, const FieldScope *fs, Expr *e)
{
    TypeKind l = check_expr(c, fs, e->binary.lhs);
    TypeKind r = check_expr(c, fs, e->binary.rhs);
    if (l == TY_ERROR || r == TY_ERROR)
        return TY_ERROR;
    TypeKind t = binary_result(e->binary.op, l, r);
    if (t == TY_ERROR)
        diag_error(c->d, e->loc, "cannot apply '%s' to %s and %s",
                   binary_op_text(e->binary.op), type_name(l), type_name(r));
    return t;
}

/* ---- Calls -------------------------------------------------------------------- */

typedef struct FuncSpec {
    const char *name;
    FuncId id;
    int min_args, max_args; /* max -1: any number */
} FuncSpec;

static const FuncSpec functions[] = {
    { "abs", FN_ABS, 1, 1 },
    { "lower", FN_LOWER, 1, 1 },
    { "upper", FN_UPPER, 1, 1 },
    { "length", FN_LENGTH, 1, 1 },
    { "contains", FN_CONTAINS, 2, 2 },
    { "starts_with", FN_STARTS_WITH, 2, 2 },
    { "ends_with", FN_ENDS_WITH, 2, 2 },
    { "concat", FN_CONCAT, 1, -1 },
    { "if", FN_IF, 3, 3 },
    { "hash", FN_HASH, 1, 1 },
    { "int32", FN_CAST_INT32, 1, 1 },
    { "int64", FN_CAST_INT64, 1, 1 },
    { "float64", FN_CAST_FLOAT64, 1, 1 },
    { "string", FN_CAST_STRING, 1, 1 },
    { "timestamp", FN_CAST_TIMESTAMP, 1, 1 },
    { "bool", FN_CAST_BOOL, 1, 1 },
    /* Strings (docs/language.md, "String functions") */
    { "substring", FN_SUBSTRING, 2, 3 },
    { "replace", FN_REPLACE, 3, 3 },
    { "trim", FN_TRIM, 1, 1 },
    { "ltrim", FN_LTRIM, 1, 1 },
    { "rtrim", FN_RTRIM, 1, 1 },
    { "split_part", FN_SPLIT_PART, 3, 3 },
    { "position", FN_POSITION, 2, 2 },
    { "lpad", FN_LPAD, 3, 3 },
    { "rpad", FN_RPAD, 3, 3 },
    { "regexp_like", FN_REGEXP_LIKE, 2, 2 },
    { "regexp_extract", FN_REGEXP_EXTRACT, 2, 3 },
    { "regexp_replace", FN_REGEXP_REPLACE, 3, 3 },
    { "like", FN_LIKE, 2, 2 },
    /* Numbers (docs/language.md, "Numeric functions") */
    { "round", FN_ROUND, 1, 2 },
    { "floor", FN_FLOOR, 1, 1 },
    { "ceil", FN_CEIL, 1, 1 },
    { "sqrt", FN_SQRT, 1, 1 },
    { "pow", FN_POW, 2, 2 },
    { "ln", FN_LN, 1, 1 },
    { "log10", FN_LOG10, 1, 1 },
    { "exp", FN_EXP, 1, 1 },
    { "sign", FN_SIGN, 1, 1 },
    { "greatest", FN_GREATEST, 2, -1 },
    { "least", FN_LEAST, 2, -1 },
    /* Time (docs/language.md, "Time functions") */
    { "date_trunc", FN_DATE_TRUNC, 2, 3 },
    { "year", FN_YEAR, 1, 2 },
    { "month", FN_MONTH, 1, 2 },
    { "day", FN_DAY, 1, 2 },
    { "hour", FN_HOUR, 1, 2 },
    { "minute", FN_MINUTE, 1, 2 },
    { "second", FN_SECOND, 1, 2 },
    { "day_of_week", FN_DAY_OF_WEEK, 1, 2 },
    { "format_timestamp", FN_FORMAT_TIMESTAMP, 2, 3 },
    { "parse_timestamp", FN_PARSE_TIMESTAMP, 2, 3 },
    /* Optional values (docs/language.md, "Optional fields") */
    { "coalesce", FN_COALESCE, 1, -1 },
};
#define NFUNCTIONS (int)(sizeof functions / sizeof functions[0])

static const char *const aggregate_names[] = {
    "count", "sum", "min", "max", "avg", "first", "last", "count_distinct", NULL,
};

static void report_unknown_function(Checker *c, Expr *e)
{
    for (int i = 0; aggregate_names[i]; i++)
        if (strcmp(aggregate_names[i], e->call.name) == 0) {
            diag_error(c->d, e->call.name_loc,
                       "'%s' is an aggregate; it can only be used in 'aggregate'", e->call.name);
            return;
        }
    const char *cands[NFUNCTIONS + 1];
    for (int i = 0; i < NFUNCTIONS; i++)
        cands[i] = functions[i].name;
    cands[NFUNCTIONS] = NULL;
    report_unknown(c, e->call.name_loc, "function", e->call.name, cands);
}

static bool cast_allowed(FuncId cast, TypeKind from)
{
    switch (cast) {
    case FN_CAST_INT32:
    case FN_CAST_FLOAT64:
        return type_is_numeric(from) || from == TY_STRING;
    case FN_CAST_INT64:
        return type_is_numeric(from) || from == TY_STRING || from == TY_TIMESTAMP;
    case FN_CAST_STRING:
        return true;
    case FN_CAST_TIMESTAMP:
        return type_is_integer(from) || from == TY_STRING || from == TY_TIMESTAMP;
    case FN_CAST_BOOL:
        return from == TY_BOOL || from == TY_STRING;
    default:
        return false;
    }
}

static TypeKind cast_target(FuncId cast)
{
    switch (cast) {
    case FN_CAST_INT32: return TY_INT32;
    case FN_CAST_INT64: return TY_INT64;
    case FN_CAST_FLOAT64: return TY_FLOAT64;
    case FN_CAST_STRING: return TY_STRING;
    case FN_CAST_TIMESTAMP: return TY_TIMESTAMP;
    case FN_CAST_BOOL: return TY_BOOL;
    default: return TY_ERROR;
    }
}

/* Reports argument `n` (1-based) of the call when its type is not `want`
 * (a TypeKind, or TY_ERROR meaning "a number"). */
static bool expect_arg(Checker *c, Expr *call, Expr *arg, int n, TypeKind want)
{
    bool ok = want == TY_ERROR ? type_is_numeric(arg->type) : arg->type == want;
    if (!ok)
        diag_error(c->d, arg->loc, "argument %d of '%s' must be %s, not %s", n, call->call.name,
                   want == TY_ERROR ? "a number" : type_name(want), type_name(arg->type));
    return ok;
}

static TypeKind unify_operands(Checker *c, Expr *first, const char *what, const char *role);

static TypeKind check_call(Checker *c, const FieldScope *fs, Expr *e)
{
    const FuncSpec *fn = NULL;
    for (int i = 0; i < NFUNCTIONS; i++)
        if (strcmp(functions[i].name, e->call.name) == 0)
            fn = &functions[i];
    int nargs = 0;
    for (Expr *a = e->call.args; a; a = a->next)
        nargs++;
    e->call.nargs = nargs;
    bool usable = true;
    if (!fn) {
        report_unknown_function(c, e);
        usable = false;
    } else if (nargs < fn->min_args || (fn->max_args >= 0 && nargs > fn->max_args)) {
        if (fn->max_args > fn->min_args)
            diag_error(c->d, e->call.name_loc, "'%s' takes %d %s %d arguments, not %d", fn->name,
                       fn->min_args, fn->max_args == fn->min_args + 1 ? "or" : "to",
                       fn->max_args, nargs);
        else
            diag_error(c->d, e->call.name_loc, "'%s' takes %s%d argument%s, not %d", fn->name,
                       fn->min_args == fn->max_args ? "" : "at least ", fn->min_args,
                       fn->min_args == 1 ? "" : "s", nargs);
        usable = false;
    }
    /* The arguments are checked even for a wrong call: their own mistakes
     * are independent of it. */
    for (Expr *a = e->call.args; a; a = a->next)
        if (check_expr(c, fs, a) == TY_ERROR)
            usable = false;
    if (!usable)
        return TY_ERROR;
    e->call.func = fn->id;

    Expr *a1 = e->call.args, *a2 = a1 ? a1->next : NULL, *a3 = a2 ? a2->next : NULL;
    switch (fn->id) {
    case FN_ABS:
        return expect_arg(c, e, a1, 1, TY_ERROR) ? a1->type : TY_ERROR;
    case FN_LOWER:
    case FN_UPPER:
        return expect_arg(c, e, a1, 1, TY_STRING) ? TY_STRING : TY_ERROR;
    case FN_LENGTH:
        return expect_arg(c, e, a1, 1, TY_STRING) ? TY_INT64 : TY_ERROR;
    case FN_CONTAINS:
    case FN_STARTS_WITH:
    case FN_ENDS_WITH: {
        bool ok = expect_arg(c, e, a1, 1, TY_STRING);
        ok = expect_arg(c, e, a2, 2, TY_STRING) && ok;
        return ok ? TY_BOOL : TY_ERROR;
    }
    case FN_CONCAT: {
        bool ok = true;
        int n = 1;
        for (Expr *a = a1; a; a = a->next, n++)
            ok = expect_arg(c, e, a, n, TY_STRING) && ok;
        return ok ? TY_STRING : TY_ERROR;
    }
    case FN_IF: {
        if (!expect_arg(c, e, a1, 1, TY_BOOL))
            return TY_ERROR;
        TypeKind t = type_unify(a2->type, a3->type);
        if (t == TY_ERROR)
            diag_error(c->d, a3->loc, "the branches of 'if' have different types: %s and %s",
                       type_name(a2->type), type_name(a3->type));
        return t;
    }
    case FN_HASH:
        return TY_INT64;
    case FN_CAST_INT32:
    case FN_CAST_INT64:
    case FN_CAST_FLOAT64:
    case FN_CAST_STRING:
    case FN_CAST_TIMESTAMP:
    case FN_CAST_BOOL:
        if (!cast_allowed(fn->id, a1->type)) {
            diag_error(c->d, a1->loc, "cannot cast %s to %s", type_name(a1->type),
                       type_name(cast_target(fn->id)));
            return TY_ERROR;
        }
        return cast_target(fn->id);
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
    case FN_REGEXP_LIKE:
    case FN_REGEXP_EXTRACT:
    case FN_REGEXP_REPLACE:
    case FN_LIKE:
        return check_string_call(c, e);
    /* Numbers (docs/language.md, "Numeric functions") */
    case FN_ROUND:
        if (!expect_arg(c, e, a1, 1, TY_ERROR))
            return TY_ERROR;
        if (a2 && !type_is_integer(a2->type)) {
            diag_error(c->d, a2->loc, "argument 2 of 'round' (the digits) must be an integer, "
                       "not %s", type_name(a2->type));
            return TY_ERROR;
        }
        return a1->type;
    case FN_FLOOR:
    case FN_CEIL:
    case FN_SIGN:
        return expect_arg(c, e, a1, 1, TY_ERROR) ? a1->type : TY_ERROR;
    case FN_SQRT:
    case FN_LN:
    case FN_LOG10:
    case FN_EXP:
        return expect_arg(c, e, a1, 1, TY_ERROR) ? TY_FLOAT64 : TY_ERROR;
    case FN_POW: {
        bool ok = expect_arg(c, e, a1, 1, TY_ERROR);
        ok = expect_arg(c, e, a2, 2, TY_ERROR) && ok;
        return ok ? TY_FLOAT64 : TY_ERROR;
    }
    case FN_GREATEST:
    case FN_LEAST:
        return unify_operands(c, a1, fn->name, "arguments");
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
        return check_time_call(c, e);
    case FN_COALESCE:
        return unify_operands(c, a1, fn->name, "arguments");
    case FN_UNKNOWN:
        break;
    }
    return TY_ERROR;
}

/* ---- Conditional expressions (docs/language.md, "Conditional expressions") ---- */

/* The one type the expressions of list `first` (through next) widen to,
 * reported at the first that does not fit. */
static TypeKind unify_operands(Checker *c, Expr *first, const char *what, const char *role)
{
    TypeKind t = first->type;
    for (Expr *a = first->next; a; a = a->next) {
        TypeKind u = type_unify(t, a->type);
        if (u == TY_ERROR) {
            diag_error(c->d, a->loc, "the %s of '%s' have different types: %s and %s", role,
                       what, type_name(t), type_name(a->type));
            return TY_ERROR;
        }
        t = u;
    }
    return t;
}

/* The branch `v` joins the type of those before it (TY_ERROR: none yet). */
static TypeKind case_branch(Checker *c, TypeKind before, const Expr *v, bool first)
{
    if (first)
        return v->type;
    TypeKind t = type_unify(before, v->type);
    if (t == TY_ERROR)
        diag_error(c->d, v->loc, "the branches of 'case' have different types: %s and %s",
                   type_name(before), type_name(v->type));
    return t;
}

static TypeKind check_case(Checker *c, Expr *e)
{
    Expr *subject = e->form.has_subject ? e->form.ops : NULL;
    Expr *w = subject ? subject->next : e->form.ops;
    int npairs = (e->form.nops - e->form.has_subject - e->form.has_else) / 2;
    TypeKind t = TY_ERROR;
    bool ok = true;
    for (int i = 0; i < npairs; i++, w = w->next->next) {
        if (!subject && w->type != TY_BOOL) {
            diag_error(c->d, w->loc, "a 'when' condition must be bool, not %s", type_name(w->type));
            ok = false;
        } else if (subject && type_unify(subject->type, w->type) == TY_ERROR) {
            diag_error(c->d, w->loc, "cannot compare the 'case' value (%s) with %s",
                       type_name(subject->type), type_name(w->type));
            ok = false;
        }
        if (ok && (t = case_branch(c, t, w->next, i == 0)) == TY_ERROR)
            return TY_ERROR;
    }
    if (!ok)
        return TY_ERROR;
    /* Without an else, a record that no 'when' matches gets null (the
     * optionality says so, check_optional). */
    return e->form.has_else ? case_branch(c, t, w, false) : t;
}

static TypeKind check_form(Checker *c, const FieldScope *fs, Expr *e)
{
    bool ok = true;
    for (Expr *a = e->form.ops; a; a = a->next)
        ok = check_expr(c, fs, a) != TY_ERROR && ok;
    if (!ok)
        return TY_ERROR;
    switch (e->kind) {
    case EX_BETWEEN:
        return unify_operands(c, e->form.ops, e->form.negated ? "not between" : "between",
                              "operands") == TY_ERROR ? TY_ERROR : TY_BOOL;
    case EX_IN:
        return unify_operands(c, e->form.ops, e->form.negated ? "not in" : "in", "values") ==
                       TY_ERROR ? TY_ERROR : TY_BOOL;
    case EX_IS_NULL:
        return TY_BOOL;
    default:
        return check_case(c, e);
    }
}

/* ---- Optional values (docs/language.md, "Optional fields") ------------------------ */

static bool any_optional(const Expr *list)
{
    for (const Expr *a = list; a; a = a->next)
        if (a->optional)
            return true;
    return false;
}

/* Whether the typed `e` may be null: an optional field, and what is
 * computed from one (null in, null out), except that `is null` never is,
 * coalesce only when all its arguments may be, and a condition of if or
 * case that is null takes the else. */
static bool check_optional(const Expr *e)
{
    switch (e->kind) {
    case EX_INT:
    case EX_FLOAT:
    case EX_STRING:
    case EX_BOOL:
    case EX_DURATION:
        return false;
    case EX_NAME:
        return e->optional;
    case EX_UNARY:
        return e->unary.operand->optional;
    case EX_BINARY:
        return e->binary.lhs->optional || e->binary.rhs->optional;
    case EX_CALL:
        if (e->call.func == FN_COALESCE) {
            for (const Expr *a = e->call.args; a; a = a->next)
                if (!a->optional)
                    return false;
            return true;
        }
        if (e->call.func == FN_IF)
            return any_optional(e->call.args->next);
        return any_optional(e->call.args);
    case EX_BETWEEN:
    case EX_IN:
        return any_optional(e->form.ops);
    case EX_IS_NULL:
        return false;
    case EX_CASE: {
        const Expr *w = e->form.has_subject ? e->form.ops->next : e->form.ops;
        int npairs = (e->form.nops - e->form.has_subject - e->form.has_else) / 2;
        for (int i = 0; i < npairs; i++, w = w->next->next)
            if (w->next->optional)
                return true;
        return !e->form.has_else || w->optional;
    }
    }
    return false;
}

/* ---- Expressions ------------------------------------------------------------------ */

TypeKind check_expr(Checker *c, const FieldScope *fs, Expr *e)
{
    TypeKind t = TY_ERROR;
    switch (e->kind) {
    case EX_INT:
        t = e->int_value >= INT32_MIN && e->int_value <= INT32_MAX ? TY_INT32 : TY_INT64;
        break;
    case EX_FLOAT: t = TY_FLOAT64; break;
    case EX_STRING: t = TY_STRING; break;
    case EX_BOOL: t = TY_BOOL; break;
    case EX_DURATION: t = TY_INT64; break;
    case EX_NAME:
        resolve_field_name(c, fs, e, true);
        t = e->type;
        break;
    case EX_UNARY: t = check_unary(c, fs, e); break;
    case EX_BINARY: t = check_binary(c, fs, e); break;
    case EX_CALL: t = check_call(c, fs, e); break;
    case EX_BETWEEN:
    case EX_IN:
    case EX_CASE:
    case EX_IS_NULL: t = check_form(c, fs, e); break;
    }
    e->type = t;
    e->optional = t != TY_ERROR && check_optional(e);
    return t;
}
