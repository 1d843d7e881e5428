/* sql_parse.c: the scanner and recursive-descent parser of the Flink SQL
 * dialect flowc accepts (docs/sql.md), building the tree of sql_impl.h.
 * Hand-written rather than bison: SQL's keywords are mostly not reserved,
 * its special forms (CAST(x AS T), SUBSTRING(s FROM i FOR n), TUMBLE(TABLE t,
 * DESCRIPTOR(c), INTERVAL ...)) are easiest read by the function that knows
 * them, and each error can say what the statement needed at that point.
 * A syntax error abandons its statement (longjmp back to the statement loop,
 * which is safe: everything lives in the arena) and parsing resumes after
 * the next ';'. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql_impl.h"

typedef enum TokKind { TK_EOF, TK_IDENT, TK_QUOTED, TK_INT, TK_DEC, TK_STRING, TK_PUNCT } TokKind;

typedef struct Tok {
    TokKind kind;
    Loc loc;
    const char *text;       /* identifier, punctuation, number as written */
    const char *str;        /* TK_STRING: decoded */
    int64_t str_len;
} Tok;

typedef struct Parser {
    Arena *a;
    Diag *d;
    Tok *toks;
    int n, pos;
    jmp_buf fail;
} Parser;

enum { MAX_DEPTH = 200 };

/* ---- Scanner -------------------------------------------------------------------------------- */

static void add_tok(Parser *p, int *cap, Tok t)
{
    if (p->n == *cap) {
        int ncap = *cap ? *cap * 2 : 256;
        Tok *bigger = arena_alloc(p->a, sizeof *bigger * (size_t)ncap);
        if (p->n)
            memcpy(bigger, p->toks, sizeof *bigger * (size_t)p->n);
        p->toks = bigger;
        *cap = ncap;
    }
    p->toks[p->n++] = t;
}

static const char *const puncts[] = { "<>", "<=", ">=", "!=", "||", "=>", "(", ")", ",", ".",
                                      ";", "=", "<", ">", "+", "-", "*", "/", "%", NULL };

/* Splits the whole source into tokens; a character no token starts with is
 * reported and skipped. */
static void scan(Parser *p, const char *src, size_t len)
{
    int cap = 0, line = 1, col = 1;
    size_t i = 0;
#define ADVANCE(k)                                  \
    do {                                            \
        for (size_t s_ = 0; s_ < (k); s_++, i++) {  \
            if (src[i] == '\n') {                   \
                line++;                             \
                col = 1;                            \
            } else {                                \
                col++;                              \
            }                                       \
        }                                           \
    } while (0)
    while (i < len) {
        char c = src[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            ADVANCE(1);
            continue;
        }
        if (c == '-' && i + 1 < len && src[i + 1] == '-') {
            while (i < len && src[i] != '\n')
                ADVANCE(1);
            continue;
        }
        if (c == '/' && i + 1 < len && src[i + 1] == '*') {
            Loc at = { line, col };
            ADVANCE(2);
            while (i < len && !(src[i] == '*' && i + 1 < len && src[i + 1] == '/'))
                ADVANCE(1);
            if (i >= len) {
                diag_error(p->d, at, "this comment is not closed with '*/'");
                break;
            }
            ADVANCE(2);
            continue;
        }
        Tok t = { .loc = { line, col } };
        size_t start = i;
        if (isalpha((unsigned char)c) || c == '_') {
            while (i < len && (isalnum((unsigned char)src[i]) || src[i] == '_'))
                ADVANCE(1);
            t.kind = TK_IDENT;
            t.text = arena_strndup(p->a, src + start, i - start);
        } else if (c == '`') {
            ADVANCE(1);
            size_t from = i;
            while (i < len && src[i] != '`' && src[i] != '\n')
                ADVANCE(1);
            if (i >= len || src[i] != '`') {
                diag_error(p->d, t.loc, "this quoted name is not closed with '`'");
                continue;
            }
            t.kind = TK_QUOTED;
            t.text = arena_strndup(p->a, src + from, i - from);
            ADVANCE(1);
        } else if (isdigit((unsigned char)c)) {
            t.kind = TK_INT;
            while (i < len && isdigit((unsigned char)src[i]))
                ADVANCE(1);
            if (i < len && src[i] == '.' && i + 1 < len && isdigit((unsigned char)src[i + 1])) {
                t.kind = TK_DEC;
                ADVANCE(1);
                while (i < len && isdigit((unsigned char)src[i]))
                    ADVANCE(1);
            }
            if (i < len && (src[i] == 'e' || src[i] == 'E')) {
                t.kind = TK_DEC;
                ADVANCE(1);
                if (i < len && (src[i] == '+' || src[i] == '-'))
                    ADVANCE(1);
                while (i < len && isdigit((unsigned char)src[i]))
                    ADVANCE(1);
            }
            t.text = arena_strndup(p->a, src + start, i - start);
        } else if (c == '\'') {
            /* '' is a quote; SQL strings have no backslash escapes. */
            ADVANCE(1);
            char *buf = arena_alloc(p->a, len - i + 1);
            int64_t n = 0;
            bool closed = false;
            while (i < len) {
                if (src[i] == '\'') {
                    if (i + 1 < len && src[i + 1] == '\'') {
                        buf[n++] = '\'';
                        ADVANCE(2);
                        continue;
                    }
                    ADVANCE(1);
                    closed = true;
                    break;
                }
                buf[n++] = src[i];
                ADVANCE(1);
            }
            if (!closed) {
                diag_error(p->d, t.loc, "this string is not closed with a quote");
                break;
            }
            t.kind = TK_STRING;
            t.str = buf;
            t.str_len = n;
            t.text = "a string";
        } else {
            const char *match = NULL;
            for (int k = 0; puncts[k]; k++)
                if (strncmp(src + i, puncts[k], strlen(puncts[k])) == 0) {
                    match = puncts[k];
                    break;
                }
            if (!match) {
                diag_error(p->d, t.loc, "unexpected character '%c'", c);
                ADVANCE(1);
                continue;
            }
            t.kind = TK_PUNCT;
            t.text = match;
            ADVANCE(strlen(match));
        }
        add_tok(p, &cap, t);
    }
#undef ADVANCE
    add_tok(p, &cap, (Tok){ .kind = TK_EOF, .loc = { line, col }, .text = "the end of the file" });
}

/* ---- Tokens --------------------------------------------------------------------------------- */

static Tok *peek_at(Parser *p, int k)
{
    int i = p->pos + k;
    return &p->toks[i < p->n ? i : p->n - 1];
}

static Tok *peek(Parser *p)
{
    return peek_at(p, 0);
}

static Tok *next(Parser *p)
{
    Tok *t = peek(p);
    if (t->kind != TK_EOF)
        p->pos++;
    return t;
}

static bool is_kw(const Tok *t, const char *kw)
{
    return t->kind == TK_IDENT && strcasecmp(t->text, kw) == 0;
}

static bool is_punct(const Tok *t, const char *s)
{
    return t->kind == TK_PUNCT && strcmp(t->text, s) == 0;
}

static bool accept_kw(Parser *p, const char *kw)
{
    if (!is_kw(peek(p), kw))
        return false;
    next(p);
    return true;
}

static bool accept_punct(Parser *p, const char *s)
{
    if (!is_punct(peek(p), s))
        return false;
    next(p);
    return true;
}

static const char *tok_desc(Parser *p, const Tok *t)
{
    switch (t->kind) {
    case TK_EOF: return "the end of the file";
    case TK_STRING: return "a string";
    case TK_QUOTED: return arena_printf(p->a, "`%s`", t->text);
    case TK_IDENT:
    case TK_INT:
    case TK_DEC:
    case TK_PUNCT: return arena_printf(p->a, "'%s'", t->text);
    }
    return "?";
}

static _Noreturn void fail_at(Parser *p, const Tok *t, const char *what)
{
    diag_error(p->d, t->loc, "expected %s, found %s", what, tok_desc(p, t));
    longjmp(p->fail, 1);
}

static _Noreturn void unsupported(Parser *p, Loc loc, const char *feature, const char *why)
{
    if (strchr(feature, '\'')) {
        diag_error(p->d, loc, "%s is not supported by this version of flowc (%s)", feature,
                   why ? why : "docs/sql.md");
        p->d->unsupported++;
    } else {
        diag_unsupported(p->d, loc, feature, why);
    }
    longjmp(p->fail, 1);
}

/* The same for a feature described in words ("this WATERMARK expression"). */
static _Noreturn void unsupported_phrase(Parser *p, Loc loc, const char *what, const char *why)
{
    diag_error(p->d, loc, "%s is not supported by this version of flowc (%s)", what, why);
    p->d->unsupported++;
    longjmp(p->fail, 1);
}

static Tok *expect_kw(Parser *p, const char *kw)
{
    if (!is_kw(peek(p), kw))
        fail_at(p, peek(p), arena_printf(p->a, "'%s'", kw));
    return next(p);
}

static Tok *expect_punct(Parser *p, const char *s)
{
    if (!is_punct(peek(p), s))
        fail_at(p, peek(p), arena_printf(p->a, "'%s'", s));
    return next(p);
}

/* Words that end an expression or a clause, so never an implicit alias or a
 * column name without backquotes. */
static const char *const reserved[] = {
    "SELECT", "FROM", "WHERE", "GROUP", "BY", "HAVING", "ORDER", "LIMIT", "UNION", "AS", "AND",
    "OR", "NOT", "ON", "JOIN", "LEFT", "RIGHT", "INNER", "FULL", "CROSS", "OUTER", "WINDOW",
    "OVER", "INSERT", "INTO", "CREATE", "TABLE", "VIEW", "WITH", "CASE", "WHEN", "THEN",
    "ELSE", "END", "IS", "NULL", "IN", "BETWEEN", "LIKE", "TRUE", "FALSE", "INTERVAL",
    "DISTINCT", "ALL", "FOR", "WATERMARK", "PRIMARY", "ESCAPE", "VALUES", "EXCEPT",
    "INTERSECT", "LATERAL", "NATURAL", "USING", "MATCH_RECOGNIZE", "EXPLAIN", NULL,
};

static bool is_reserved(const Tok *t)
{
    if (t->kind != TK_IDENT)
        return false;
    for (int i = 0; reserved[i]; i++)
        if (strcasecmp(t->text, reserved[i]) == 0)
            return true;
    return false;
}

static bool is_name(const Tok *t)
{
    return t->kind == TK_QUOTED || (t->kind == TK_IDENT && !is_reserved(t));
}

static const char *expect_name(Parser *p, const char *what, Loc *loc)
{
    Tok *t = peek(p);
    if (!is_name(t))
        fail_at(p, t, what);
    next(p);
    if (loc)
        *loc = t->loc;
    return t->text;
}

static char *upper(Parser *p, const char *s)
{
    char *u = arena_strdup(p->a, s);
    for (char *c = u; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    return u;
}

/* ---- Expressions ---------------------------------------------------------------------------- */

Expr *sql_expr(Arena *a, ExprKind kind, Loc loc)
{
    Expr *e = arena_alloc(a, sizeof *e);
    e->kind = kind;
    e->loc = loc;
    return e;
}

Expr *sql_string(Arena *a, const char *s, Loc loc)
{
    Expr *e = sql_expr(a, EX_STRING, loc);
    e->string.chars = s;
    e->string.len = (int64_t)strlen(s);
    return e;
}

/* A call of `name` with `n` arguments (linked through next). */
static Expr *call_expr(Parser *p, const char *name, Loc loc, Expr *args)
{
    Expr *e = sql_expr(p->a, EX_CALL, loc);
    e->call.name = name;
    e->call.name_loc = loc;
    e->call.args = args;
    for (Expr *a = args; a; a = a->next)
        e->call.nargs++;
    return e;
}

static Expr *list2(Expr *a, Expr *b)
{
    a->next = b;
    b->next = NULL;
    return a;
}

static Expr *binary_expr(Parser *p, BinaryOp op, Loc loc, Expr *l, Expr *r)
{
    Expr *e = sql_expr(p->a, EX_BINARY, loc);
    e->binary.op = op;
    e->binary.lhs = l;
    e->binary.rhs = r;
    return e;
}

static Expr *parse_expr(Parser *p, int depth);
static Expr *parse_row_number(Parser *p, Loc loc, int depth);
static Expr *with_filter(Parser *p, Expr *call, int depth);
static Expr *parse_add(Parser *p, int depth);

/* The milliseconds of `INTERVAL 'n' UNIT` (after INTERVAL). */
static int64_t parse_interval(Parser *p, Loc *loc)
{
    Tok *v = peek(p);
    if (v->kind != TK_STRING && v->kind != TK_INT)
        fail_at(p, v, "the interval's value as a string, INTERVAL '5' SECOND");
    next(p);
    if (loc)
        *loc = v->loc;
    const char *text = v->kind == TK_STRING ? v->str : v->text;
    char *end;
    errno = 0;
    long long n = strtoll(text, &end, 10);
    if (end == text || *end || errno)
        unsupported(p, v->loc, arena_printf(p->a, "INTERVAL '%s'", text),
                    "an interval is a whole number of one unit, INTERVAL '90' SECOND");
    Tok *u = peek(p);
    static const struct { const char *unit; int64_t ms; } units[] = {
        { "MILLISECOND", 1 }, { "SECOND", 1000 }, { "MINUTE", 60000 }, { "HOUR", 3600000 },
        { "DAY", 86400000 }, { "SECONDS", 1000 }, { "MINUTES", 60000 }, { "HOURS", 3600000 },
        { "DAYS", 86400000 },
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (is_kw(u, units[i].unit)) {
            next(p);
            if (is_kw(peek(p), "TO"))
                unsupported(p, peek(p)->loc, "INTERVAL ... TO ...",
                            "write one unit, INTERVAL '90' SECOND");
            if (accept_punct(p, "(")) {
                Tok *prec = next(p);
                if (prec->kind != TK_INT)
                    fail_at(p, prec, "a precision");
                expect_punct(p, ")");
            }
            return (int64_t)n * units[i].ms;
        }
    if (is_kw(u, "MONTH") || is_kw(u, "YEAR"))
        unsupported(p, u->loc, arena_printf(p->a, "INTERVAL ... %s", upper(p, u->text)),
                    "months and years have no fixed length; flowc's durations are of "
                    "MILLISECOND to DAY");
    fail_at(p, u, "the interval's unit (SECOND, MINUTE, HOUR, DAY or MILLISECOND)");
}

/* The TypeKind of a Flink type name (upper case), or TY_ERROR (docs/sql.md, "Types"). */
static TypeKind sql_type_kind(const char *name)
{
    static const struct { const char *sql; TypeKind kind; } types[] = {
        { "BIGINT", TY_INT64 },     { "INT", TY_INT32 },          { "INTEGER", TY_INT32 },
        { "SMALLINT", TY_INT32 },   { "TINYINT", TY_INT32 },      { "DOUBLE", TY_FLOAT64 },
        { "FLOAT", TY_FLOAT64 },    { "REAL", TY_FLOAT64 },       { "DECIMAL", TY_FLOAT64 },
        { "DEC", TY_FLOAT64 },      { "NUMERIC", TY_FLOAT64 },    { "STRING", TY_STRING },
        { "VARCHAR", TY_STRING },   { "CHAR", TY_STRING },        { "BOOLEAN", TY_BOOL },
        { "TIMESTAMP", TY_TIMESTAMP }, { "TIMESTAMP_LTZ", TY_TIMESTAMP },
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(name, types[i].sql) == 0)
            return types[i].kind;
    return TY_ERROR;
}

/* A Flink data type; returns its kind (TY_ERROR after a message for a type
 * flowc has no counterpart for). `text` gets its name. */
static TypeKind parse_type(Parser *p, const char **text, Loc *loc)
{
    Tok *t = peek(p);
    if (t->kind != TK_IDENT)
        fail_at(p, t, "a type");
    next(p);
    *loc = t->loc;
    const char *name = upper(p, t->text);
    if (strcmp(name, "DOUBLE") == 0 && is_kw(peek(p), "PRECISION")) {
        next(p);
    } else if (strcmp(name, "CHARACTER") == 0 && is_kw(peek(p), "VARYING")) {
        next(p);
        name = "VARCHAR";
    } else if (strcmp(name, "TIMESTAMP") == 0 && is_kw(peek(p), "WITH")) {
        unsupported(p, peek(p)->loc, "TIMESTAMP WITH TIME ZONE",
                    "Flink has no such type either; TIMESTAMP_LTZ is the instant");
    }
    int64_t precision = -1;
    if (accept_punct(p, "(")) {
        Tok *n = next(p);
        if (n->kind != TK_INT)
            fail_at(p, n, "a length or precision");
        precision = strtoll(n->text, NULL, 10);
        if (accept_punct(p, ",")) {
            Tok *s = next(p);
            if (s->kind != TK_INT)
                fail_at(p, s, "a scale");
        }
        expect_punct(p, ")");
    }
    if ((strcmp(name, "TIMESTAMP") == 0 || strcmp(name, "TIMESTAMP_LTZ") == 0)) {
        if (is_kw(peek(p), "WITHOUT")) {
            next(p);
            expect_kw(p, "TIME");
            expect_kw(p, "ZONE");
        }
        if (precision > 3) {
            diag_unsupported(p->d, t->loc, arena_printf(p->a, "%s(%" PRId64 ")", name, precision),
                             "flowc's timestamps are milliseconds: TIMESTAMP(3) at most");
            *text = name;
            return TY_ERROR;
        }
    }
    *text = name;
    TypeKind k = sql_type_kind(name);
    if (k == TY_ERROR)
        diag_unsupported(p->d, t->loc, arena_printf(p->a, "type %s", name),
                         "docs/sql.md lists the types flowc maps");
    return k;
}

/* The unit word of EXTRACT, TIMESTAMPDIFF and FLOOR ... TO. */
static const char *parse_unit(Parser *p, Loc *loc)
{
    Tok *t = peek(p);
    if (t->kind != TK_IDENT)
        fail_at(p, t, "a time unit (SECOND, MINUTE, HOUR, DAY, ...)");
    next(p);
    *loc = t->loc;
    return upper(p, t->text);
}

static const char *flow_unit(Parser *p, const char *unit, Loc loc, const char *form)
{
    static const char *const units[][2] = {
        { "SECOND", "second" }, { "MINUTE", "minute" }, { "HOUR", "hour" }, { "DAY", "day" },
        { "WEEK", "week" }, { "MONTH", "month" }, { "YEAR", "year" },
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(unit, units[i][0]) == 0)
            return units[i][1];
    unsupported(p, loc, arena_printf(p->a, "%s %s", form, unit),
                "units SECOND, MINUTE, HOUR, DAY, WEEK, MONTH, YEAR");
}

/* The forms written with keywords inside the parentheses, after NAME '('.
 * Returns NULL when `name` is an ordinary call. */
static Expr *special_call(Parser *p, const char *name, Loc loc, int depth)
{
    if (strcmp(name, "CAST") == 0 || strcmp(name, "TRY_CAST") == 0) {
        if (strcmp(name, "TRY_CAST") == 0)
            unsupported(p, loc, "TRY_CAST", "a failed CAST makes the record bad; use CAST");
        Expr *x = parse_expr(p, depth);
        expect_kw(p, "AS");
        const char *text;
        Loc tloc;
        TypeKind k = parse_type(p, &text, &tloc);
        expect_punct(p, ")");
        return call_expr(p, arena_printf(p->a, "@%s", k == TY_ERROR ? "string" : type_name(k)),
                         loc, x);
    }
    if (strcmp(name, "EXTRACT") == 0) {
        Loc uloc;
        const char *unit = parse_unit(p, &uloc);
        expect_kw(p, "FROM");
        Expr *x = parse_expr(p, depth);
        expect_punct(p, ")");
        static const char *const parts[][2] = {
            { "YEAR", "@year" }, { "MONTH", "@month" }, { "DAY", "@day" }, { "HOUR", "@hour" },
            { "MINUTE", "@minute" }, { "SECOND", "@second" }, { "DOW", "DAYOFWEEK" },
            { "ISODOW", "@day_of_week" },
        };
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
            if (strcmp(unit, parts[i][0]) == 0)
                return call_expr(p, parts[i][1], loc, x);
        unsupported(p, uloc, arena_printf(p->a, "EXTRACT(%s FROM ...)", unit),
                    "YEAR, MONTH, DAY, HOUR, MINUTE, SECOND, DOW, ISODOW");
    }
    if (strcmp(name, "SUBSTRING") == 0 || strcmp(name, "SUBSTR") == 0) {
        Expr *s = parse_expr(p, depth);
        if (accept_kw(p, "FROM") || accept_punct(p, ",")) {
            Expr *from = parse_expr(p, depth);
            s->next = from;
            if (accept_kw(p, "FOR") || accept_punct(p, ","))
                from->next = parse_expr(p, depth);
        }
        expect_punct(p, ")");
        return call_expr(p, "@substring", loc, s);
    }
    if (strcmp(name, "POSITION") == 0) {
        /* POSITION(sub IN s): `sub` stops before IN, which is no predicate here. */
        Expr *sub = parse_add(p, depth);
        expect_kw(p, "IN");
        Expr *s = parse_expr(p, depth);
        expect_punct(p, ")");
        return call_expr(p, "@position", loc, list2(sub, s));
    }
    if (strcmp(name, "TRIM") == 0) {
        const char *fn = "@trim";
        bool mode = false;
        if (accept_kw(p, "BOTH"))
            mode = true;
        else if (accept_kw(p, "LEADING"))
            fn = "@ltrim", mode = true;
        else if (accept_kw(p, "TRAILING"))
            fn = "@rtrim", mode = true;
        Expr *s = NULL;
        if (!(mode && accept_kw(p, "FROM"))) {
            s = parse_expr(p, depth);
            if (accept_kw(p, "FROM")) {
                if (s->kind != EX_STRING || strcmp(s->string.chars, " ") != 0)
                    unsupported(p, s->loc, "TRIM(... characters FROM s)",
                                "flowc trims spaces only");
                s = NULL;
            } else if (mode) {
                fail_at(p, peek(p), "FROM");
            }
        }
        if (!s)
            s = parse_expr(p, depth);
        expect_punct(p, ")");
        return call_expr(p, fn, loc, s);
    }
    if (strcmp(name, "TIMESTAMPDIFF") == 0) {
        Loc uloc;
        const char *unit = parse_unit(p, &uloc);
        int64_t ms = strcmp(unit, "SECOND") == 0   ? 1000
                     : strcmp(unit, "MINUTE") == 0 ? 60000
                     : strcmp(unit, "HOUR") == 0   ? 3600000
                     : strcmp(unit, "DAY") == 0    ? 86400000
                                                   : 0;
        if (!ms)
            unsupported(p, uloc, arena_printf(p->a, "TIMESTAMPDIFF(%s, ...)", unit),
                        "units SECOND, MINUTE, HOUR and DAY, which have a fixed length");
        expect_punct(p, ",");
        Expr *a = parse_expr(p, depth);
        Tok *comma = expect_punct(p, ",");
        Expr *b = parse_expr(p, depth);
        expect_punct(p, ")");
        /* Flink: the number of whole units from a to b, an INT. */
        Expr *diff = binary_expr(p, BIN_SUB, comma->loc, b, a);
        Expr *unit_ms = sql_expr(p->a, EX_INT, uloc);
        unit_ms->int_value = ms;
        return call_expr(p, "@int32", loc, binary_expr(p, BIN_DIV, loc, diff, unit_ms));
    }
    if (strcmp(name, "FLOOR") == 0 || strcmp(name, "CEIL") == 0 || strcmp(name, "CEILING") == 0) {
        Expr *x = parse_expr(p, depth);
        if (accept_kw(p, "TO")) {
            Loc uloc;
            const char *unit = parse_unit(p, &uloc);
            expect_punct(p, ")");
            if (strcmp(name, "FLOOR") != 0)
                unsupported(p, loc, "CEIL(... TO unit)", "FLOOR(... TO unit) is");
            return call_expr(p, "@date_trunc", loc,
                             list2(sql_string(p->a, flow_unit(p, unit, uloc, "FLOOR TO"), uloc),
                                   x));
        }
        expect_punct(p, ")");
        return call_expr(p, strcmp(name, "FLOOR") == 0 ? "@floor" : "@ceil", loc, x);
    }
    if (strcmp(name, "COUNT") == 0) {
        if (accept_punct(p, "*")) {
            expect_punct(p, ")");
            return call_expr(p, "COUNT", loc, NULL);
        }
        if (accept_kw(p, "DISTINCT")) {
            Expr *x = parse_expr(p, depth);
            expect_punct(p, ")");
            return call_expr(p, "@count_distinct", loc, x);
        }
        return NULL;
    }
    return NULL;
}

static Expr *parse_primary(Parser *p, int depth)
{
    Tok *t = peek(p);
    if (t->kind == TK_INT) {
        next(p);
        errno = 0;
        unsigned long long u = strtoull(t->text, NULL, 10);
        if (errno || u > (unsigned long long)INT64_MAX) {
            diag_error(p->d, t->loc, "integer literal %s is too large (the largest is %" PRId64 ")",
                       t->text, INT64_MAX);
            u = 0;
        }
        Expr *e = sql_expr(p->a, EX_INT, t->loc);
        e->int_value = (int64_t)u;
        return e;
    }
    if (t->kind == TK_DEC) {
        next(p);
        Expr *e = sql_expr(p->a, EX_FLOAT, t->loc);
        e->float_value = strtod(t->text, NULL);
        return e;
    }
    if (t->kind == TK_STRING) {
        next(p);
        Expr *e = sql_expr(p->a, EX_STRING, t->loc);
        e->string.chars = t->str;
        e->string.len = t->str_len;
        return e;
    }
    if (accept_punct(p, "(")) {
        if (is_kw(peek(p), "SELECT"))
            unsupported(p, peek(p)->loc, "subquery in an expression", NULL);
        Expr *e = parse_expr(p, depth);
        expect_punct(p, ")");
        return e;
    }
    if (is_kw(t, "TRUE") || is_kw(t, "FALSE")) {
        next(p);
        Expr *e = sql_expr(p->a, EX_BOOL, t->loc);
        e->bool_value = is_kw(t, "TRUE");
        return e;
    }
    if (is_kw(t, "NULL")) {
        next(p);
        return call_expr(p, "@null", t->loc, NULL);
    }
    if (is_kw(t, "INTERVAL")) {
        next(p);
        Expr *e = sql_expr(p->a, EX_DURATION, t->loc);
        e->int_value = parse_interval(p, NULL);
        return e;
    }
    if ((is_kw(t, "TIMESTAMP") || is_kw(t, "TIMESTAMP_LTZ")) && peek_at(p, 1)->kind == TK_STRING) {
        next(p);
        Tok *s = next(p);
        return call_expr(p, "@timestamp", t->loc, sql_string(p->a, s->str, s->loc));
    }
    if (is_kw(t, "DATE") && peek_at(p, 1)->kind == TK_STRING)
        unsupported(p, t->loc, "DATE literal", "flowc has no DATE type; write TIMESTAMP '...'");
    if (is_kw(t, "CASE")) {
        next(p);
        Expr *head = NULL, **link = &head;
        bool subject = false, has_else = false;
        int n = 0;
        if (!is_kw(peek(p), "WHEN")) {
            *link = parse_expr(p, depth);
            link = &(*link)->next;
            subject = true;
            n++;
        }
        if (!is_kw(peek(p), "WHEN"))
            fail_at(p, peek(p), "WHEN");
        while (accept_kw(p, "WHEN")) {
            *link = parse_expr(p, depth);
            link = &(*link)->next;
            expect_kw(p, "THEN");
            *link = parse_expr(p, depth);
            link = &(*link)->next;
            n += 2;
        }
        if (accept_kw(p, "ELSE")) {
            Expr *e = parse_expr(p, depth);
            /* ELSE NULL is SQL's way of saying what no ELSE says. */
            if (!(e->kind == EX_CALL && strcmp(e->call.name, "@null") == 0)) {
                *link = e;
                has_else = true;
                n++;
            }
        }
        expect_kw(p, "END");
        Expr *e = sql_expr(p->a, EX_CASE, t->loc);
        e->form.ops = head;
        e->form.nops = n;
        e->form.has_subject = subject;
        e->form.has_else = has_else;
        return e;
    }
    if (is_name(t) || (t->kind == TK_IDENT && is_punct(peek_at(p, 1), "("))) {
        next(p);
        if (accept_punct(p, "(")) {
            const char *name = upper(p, t->text);
            Expr *special = special_call(p, name, t->loc, depth);
            if (special)
                return with_filter(p, special, depth);
            Expr *args = NULL, **link = &args;
            if (is_kw(peek(p), "DISTINCT"))
                unsupported(p, peek(p)->loc, arena_printf(p->a, "%s(DISTINCT ...)", name),
                            "COUNT(DISTINCT x) is");
            if (!is_punct(peek(p), ")")) {
                do {
                    *link = parse_expr(p, depth);
                    link = &(*link)->next;
                } while (accept_punct(p, ","));
            }
            expect_punct(p, ")");
            if (strcmp(name, "ROW_NUMBER") == 0 && !args && is_kw(peek(p), "OVER"))
                return parse_row_number(p, t->loc, depth);
            if (is_kw(peek(p), "OVER"))
                unsupported(p, peek(p)->loc, "OVER",
                            "aggregates over a range of rows; ROW_NUMBER() OVER in the Top-N "
                            "pattern is compiled (docs/sql.md)");
            return with_filter(p, call_expr(p, name, t->loc, args), depth);
        }
        Expr *e = sql_expr(p->a, EX_NAME, t->loc);
        e->name.name = t->text;
        if (accept_punct(p, ".")) {
            Loc nloc;
            e->name.qualifier = t->text;
            e->name.name = expect_name(p, "a column name", &nloc);
        }
        return e;
    }
    fail_at(p, t, "an expression");
}

/* An aggregate's FILTER (WHERE cond), after its call: the call "@filter"
 * of the aggregate's call and cond (sql_lower.c checks that it is one). */
static Expr *with_filter(Parser *p, Expr *call, int depth)
{
    Loc loc = peek(p)->loc;
    if (!accept_kw(p, "FILTER"))
        return call;
    expect_punct(p, "(");
    expect_kw(p, "WHERE");
    Expr *cond = parse_expr(p, depth);
    expect_punct(p, ")");
    return call_expr(p, "@filter", loc, list2(call, cond));
}

/* ROW_NUMBER() OVER ([PARTITION BY e, ...] ORDER BY e [ASC|DESC], ...),
 * after the call's ')': the call "@row_number" of two calls, "@partition"
 * of the PARTITION BY expressions and "@order" of the ORDER BY ones, each
 * of those wrapped in "@desc" when DESC (docs/sql.md, "Top-N"). */
static Expr *parse_row_number(Parser *p, Loc loc, int depth)
{
    next(p); /* OVER */
    expect_punct(p, "(");
    Expr *part = NULL, **plink = &part;
    Tok *pt = peek(p);
    if (accept_kw(p, "PARTITION")) {
        expect_kw(p, "BY");
        do {
            *plink = parse_expr(p, depth);
            plink = &(*plink)->next;
        } while (accept_punct(p, ","));
    }
    Tok *ot = peek(p);
    if (!is_kw(ot, "ORDER"))
        fail_at(p, ot, is_kw(pt, "PARTITION") ? "ORDER BY" : "PARTITION BY or ORDER BY");
    next(p);
    expect_kw(p, "BY");
    Expr *order = NULL, **olink = &order;
    do {
        Expr *e = parse_expr(p, depth);
        if (accept_kw(p, "DESC"))
            e = call_expr(p, "@desc", e->loc, e);
        else
            accept_kw(p, "ASC");
        if (is_kw(peek(p), "NULLS"))
            unsupported(p, peek(p)->loc, "NULLS FIRST/LAST", "the order of Top-N cannot be null");
        *olink = e;
        olink = &e->next;
    } while (accept_punct(p, ","));
    if (is_kw(peek(p), "ROWS") || is_kw(peek(p), "RANGE"))
        unsupported(p, peek(p)->loc, "a frame of ROW_NUMBER", NULL);
    expect_punct(p, ")");
    return call_expr(p, "@row_number", loc,
                     list2(call_expr(p, "@partition", pt->loc, part),
                           call_expr(p, "@order", ot->loc, order)));
}

static Expr *parse_unary(Parser *p, int depth)
{
    if (depth > MAX_DEPTH) {
        diag_error(p->d, peek(p)->loc, "expression nested too deeply (more than %d levels)",
                   MAX_DEPTH);
        longjmp(p->fail, 1);
    }
    Tok *t = peek(p);
    if (accept_punct(p, "-")) {
        Expr *x = parse_unary(p, depth + 1);
        if (x->kind == EX_INT || x->kind == EX_DURATION) {
            x->int_value = -x->int_value;
            x->loc = t->loc;
            return x;
        }
        if (x->kind == EX_FLOAT) {
            x->float_value = -x->float_value;
            x->loc = t->loc;
            return x;
        }
        Expr *u = sql_expr(p->a, EX_UNARY, t->loc);
        u->unary.op = UN_NEG;
        u->unary.operand = x;
        return u;
    }
    if (accept_punct(p, "+"))
        return parse_unary(p, depth + 1);
    return parse_primary(p, depth + 1);
}

static Expr *parse_mul(Parser *p, int depth)
{
    Expr *e = parse_unary(p, depth);
    for (;;) {
        Tok *t = peek(p);
        BinaryOp op;
        if (is_punct(t, "*"))
            op = BIN_MUL;
        else if (is_punct(t, "/"))
            op = BIN_DIV;
        else if (is_punct(t, "%"))
            op = BIN_MOD;
        else
            return e;
        next(p);
        e = binary_expr(p, op, t->loc, e, parse_unary(p, depth));
    }
}

static Expr *parse_add(Parser *p, int depth)
{
    Expr *e = parse_mul(p, depth);
    for (;;) {
        Tok *t = peek(p);
        if (is_punct(t, "||")) {
            next(p);
            e = call_expr(p, "@concat", t->loc, list2(e, parse_mul(p, depth)));
            continue;
        }
        BinaryOp op;
        if (is_punct(t, "+"))
            op = BIN_ADD;
        else if (is_punct(t, "-"))
            op = BIN_SUB;
        else
            return e;
        next(p);
        e = binary_expr(p, op, t->loc, e, parse_mul(p, depth));
    }
}

static Expr *negated(Parser *p, Expr *e, Loc loc)
{
    Expr *u = sql_expr(p->a, EX_UNARY, loc);
    u->unary.op = UN_NOT;
    u->unary.operand = e;
    return u;
}

/* Comparisons and the predicates at their level: IS [NOT] NULL,
 * [NOT] BETWEEN, [NOT] IN, [NOT] LIKE. */
static Expr *parse_cmp(Parser *p, int depth)
{
    Expr *e = parse_add(p, depth);
    for (;;) {
        Tok *t = peek(p);
        static const struct { const char *s; BinaryOp op; } cmps[] = {
            { "=", BIN_EQ }, { "<>", BIN_NE }, { "!=", BIN_NE }, { "<", BIN_LT },
            { "<=", BIN_LE }, { ">", BIN_GT }, { ">=", BIN_GE },
        };
        bool matched = false;
        for (size_t i = 0; i < sizeof cmps / sizeof cmps[0]; i++)
            if (is_punct(t, cmps[i].s)) {
                next(p);
                e = binary_expr(p, cmps[i].op, t->loc, e, parse_add(p, depth));
                matched = true;
                break;
            }
        if (matched)
            continue;
        if (is_kw(t, "IS")) {
            next(p);
            bool neg = accept_kw(p, "NOT");
            if (accept_kw(p, "TRUE") || accept_kw(p, "FALSE"))
                unsupported(p, t->loc, "IS [NOT] TRUE/FALSE", "write the condition itself");
            expect_kw(p, "NULL");
            Expr *x = sql_expr(p->a, EX_IS_NULL, t->loc);
            x->form.ops = e;
            e->next = NULL;
            x->form.nops = 1;
            x->form.negated = neg;
            e = x;
            continue;
        }
        bool neg = false;
        if (is_kw(t, "NOT") && (is_kw(peek_at(p, 1), "BETWEEN") || is_kw(peek_at(p, 1), "IN") ||
                                is_kw(peek_at(p, 1), "LIKE"))) {
            next(p);
            neg = true;
            t = peek(p);
        }
        if (is_kw(t, "BETWEEN")) {
            next(p);
            if (accept_kw(p, "SYMMETRIC"))
                unsupported(p, t->loc, "BETWEEN SYMMETRIC", NULL);
            accept_kw(p, "ASYMMETRIC");
            Expr *lo = parse_add(p, depth);
            expect_kw(p, "AND");
            Expr *hi = parse_add(p, depth);
            Expr *x = sql_expr(p->a, EX_BETWEEN, t->loc);
            e->next = lo;
            lo->next = hi;
            hi->next = NULL;
            x->form.ops = e;
            x->form.nops = 3;
            x->form.negated = neg;
            e = x;
            continue;
        }
        if (is_kw(t, "IN")) {
            next(p);
            expect_punct(p, "(");
            if (is_kw(peek(p), "SELECT"))
                unsupported(p, peek(p)->loc, "IN (SELECT ...)", NULL);
            Expr *x = sql_expr(p->a, EX_IN, t->loc);
            x->form.ops = e;
            x->form.nops = 1;
            Expr **link = &e->next;
            do {
                *link = parse_add(p, depth);
                link = &(*link)->next;
                x->form.nops++;
            } while (accept_punct(p, ","));
            expect_punct(p, ")");
            x->form.negated = neg;
            e = x;
            continue;
        }
        if (is_kw(t, "LIKE")) {
            next(p);
            Expr *pat = parse_add(p, depth);
            if (accept_kw(p, "ESCAPE")) {
                Tok *esc = next(p);
                if (esc->kind != TK_STRING || strcmp(esc->str, "\\") != 0)
                    unsupported(p, esc->loc, "LIKE ... ESCAPE", "flowc's LIKE escape is '\\'");
            }
            Expr *x = call_expr(p, "@like", t->loc, list2(e, pat));
            e = neg ? negated(p, x, t->loc) : x;
            continue;
        }
        if (is_kw(t, "SIMILAR"))
            unsupported(p, t->loc, "SIMILAR TO", "REGEXP(s, pattern) is");
        if (neg)
            fail_at(p, t, "BETWEEN, IN or LIKE");
        return e;
    }
}

static Expr *parse_not(Parser *p, int depth)
{
    Tok *t = peek(p);
    if (accept_kw(p, "NOT"))
        return negated(p, parse_not(p, depth + 1), t->loc);
    return parse_cmp(p, depth + 1);
}

static Expr *parse_and(Parser *p, int depth)
{
    Expr *e = parse_not(p, depth);
    while (is_kw(peek(p), "AND")) {
        Tok *t = next(p);
        e = binary_expr(p, BIN_AND, t->loc, e, parse_not(p, depth));
    }
    return e;
}

static Expr *parse_expr(Parser *p, int depth)
{
    Expr *e = parse_and(p, depth + 1);
    while (is_kw(peek(p), "OR")) {
        Tok *t = next(p);
        e = binary_expr(p, BIN_OR, t->loc, e, parse_and(p, depth + 1));
    }
    return e;
}

/* ---- Queries -------------------------------------------------------------------------------- */

static SqlQuery *parse_query(Parser *p);

static SqlName *parse_name_list(Parser *p, const char *what)
{
    SqlName *head = NULL, **link = &head;
    do {
        SqlName *n = arena_alloc(p->a, sizeof *n);
        n->name = expect_name(p, what, &n->loc);
        *link = n;
        link = &n->next;
    } while (accept_punct(p, ","));
    return head;
}

/* TUMBLE(TABLE t, DESCRIPTOR(c), size), HOP(..., slide, size),
 * SESSION(TABLE t [PARTITION BY k, ...], DESCRIPTOR(c), gap),
 * CUMULATE(..., step, size), after TABLE '('. */
static void parse_tvf(Parser *p, SqlFrom *f)
{
    Tok *fn = peek(p);
    f->tvf_loc = fn->loc;
    if (is_kw(fn, "TUMBLE"))
        f->tvf = TVF_TUMBLE;
    else if (is_kw(fn, "HOP"))
        f->tvf = TVF_HOP;
    else if (is_kw(fn, "SESSION"))
        f->tvf = TVF_SESSION;
    else if (is_kw(fn, "CUMULATE"))
        f->tvf = TVF_CUMULATE;
    else if (is_name(fn) && is_punct(peek_at(p, 1), "("))
        unsupported(p, fn->loc, arena_printf(p->a, "table function %s", fn->text),
                    "the window functions TUMBLE, HOP, SESSION are");
    else
        fail_at(p, fn, "TUMBLE, HOP, SESSION or CUMULATE");
    next(p);
    expect_punct(p, "(");
    if (is_name(peek(p)) && is_punct(peek_at(p, 1), "=>"))
        unsupported(p, peek(p)->loc, "named arguments of a window function",
                    "write them in order: TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE)");
    expect_kw(p, "TABLE");
    f->name = expect_name(p, "a table or view name", &f->name_loc);
    if (accept_kw(p, "PARTITION")) {
        expect_kw(p, "BY");
        /* The list ends at the comma before DESCRIPTOR. */
        SqlName **link = &f->partition;
        do {
            SqlName *n = arena_alloc(p->a, sizeof *n);
            n->name = expect_name(p, "a column name", &n->loc);
            *link = n;
            link = &n->next;
        } while (is_punct(peek(p), ",") && !is_kw(peek_at(p, 1), "DESCRIPTOR") && next(p));
    }
    expect_punct(p, ",");
    expect_kw(p, "DESCRIPTOR");
    expect_punct(p, "(");
    f->descriptor = expect_name(p, "the time column", &f->descriptor_loc);
    expect_punct(p, ")");
    expect_punct(p, ",");
    expect_kw(p, "INTERVAL");
    int64_t first = parse_interval(p, &f->size_loc);
    if (f->tvf == TVF_HOP || f->tvf == TVF_CUMULATE) {
        f->slide = first;
        f->slide_loc = f->size_loc;
        expect_punct(p, ",");
        expect_kw(p, "INTERVAL");
        f->size = parse_interval(p, &f->size_loc);
    } else {
        f->size = first;
    }
    if (accept_punct(p, ","))
        unsupported(p, peek(p)->loc, "the offset of a window function",
                    "windows are aligned to the epoch");
    expect_punct(p, ")");
}

static SqlFrom *parse_from(Parser *p)
{
    SqlFrom *f = arena_alloc(p->a, sizeof *f);
    Tok *t = peek(p);
    f->loc = t->loc;
    if (accept_kw(p, "TABLE")) {
        expect_punct(p, "(");
        f->kind = FROM_TVF;
        parse_tvf(p, f);
        expect_punct(p, ")");
    } else if (accept_punct(p, "(")) {
        f->kind = FROM_QUERY;
        f->query = parse_query(p);
        expect_punct(p, ")");
    } else if (is_kw(t, "LATERAL") || is_kw(t, "UNNEST")) {
        unsupported(p, t->loc, upper(p, t->text), NULL);
    } else {
        f->kind = FROM_NAME;
        f->name = expect_name(p, "a table or view name", &f->name_loc);
    }
    if (is_kw(peek(p), "FOR")) {
        f->as_of_loc = next(p)->loc;
        expect_kw(p, "SYSTEM_TIME");
        expect_kw(p, "AS");
        expect_kw(p, "OF");
        f->as_of = parse_add(p, 0);
    }
    if (accept_kw(p, "AS") || is_name(peek(p)))
        f->alias = expect_name(p, "an alias", &f->alias_loc);
    return f;
}

/* A FROM item and at most one join after it. */
static SqlFrom *parse_from_join(Parser *p)
{
    SqlFrom *f = parse_from(p);
    if (f->as_of)
        unsupported(p, f->as_of_loc, "FOR SYSTEM_TIME AS OF on the left of a join",
                    "the table looked up is the right side");
    Tok *j = peek(p);
    bool left = false, right = false;
    if (accept_punct(p, ",")) {
        f->join_loc = j->loc;
    } else if (is_kw(j, "JOIN") || is_kw(j, "INNER") || is_kw(j, "LEFT") || is_kw(j, "RIGHT") ||
               is_kw(j, "FULL")) {
        next(p);
        left = is_kw(j, "LEFT") || is_kw(j, "FULL");
        right = is_kw(j, "RIGHT") || is_kw(j, "FULL");
        if (left || right)
            accept_kw(p, "OUTER");
        if (!is_kw(j, "JOIN"))
            expect_kw(p, "JOIN");
        f->join_loc = j->loc;
    } else {
        static const char *const others[] = { "CROSS", "NATURAL", NULL };
        for (int i = 0; others[i]; i++)
            if (is_kw(j, others[i]))
                unsupported(p, j->loc, arena_printf(p->a, "%s JOIN", upper(p, j->text)),
                            "interval, window and lookup joins are compiled (docs/sql.md)");
        return f;
    }
    f->join = parse_from(p);
    f->join_left = left;
    f->join_right = right;
    f->join_kw = upper(p, j->text);
    if (f->join->kind == FROM_TVF || f->kind == FROM_TVF)
        unsupported(p, f->join_loc, "a join of a window function",
                    "a window join joins two subqueries SELECT * FROM TABLE(TUMBLE(...))");
    if (!is_punct(j, ",")) {
        expect_kw(p, "ON");
        f->on = parse_expr(p, 0);
    }
    Tok *more = peek(p);
    if (is_punct(more, ",") || is_kw(more, "JOIN") || is_kw(more, "LEFT") ||
        is_kw(more, "INNER"))
        unsupported(p, more->loc, "a join of more than two tables", "join two, then join the "
                    "view of them");
    return f;
}

static SqlQuery *parse_select(Parser *p)
{
    SqlQuery *q = arena_alloc(p->a, sizeof *q);
    Tok *sel = peek(p);
    if (is_kw(sel, "WITH"))
        unsupported(p, sel->loc, "WITH (common table expressions)", "CREATE VIEW is");
    if (is_kw(sel, "VALUES"))
        unsupported(p, sel->loc, "VALUES", NULL);
    expect_kw(p, "SELECT");
    q->loc = sel->loc;
    if (is_kw(peek(p), "DISTINCT")) {
        q->distinct = true;
        q->distinct_loc = next(p)->loc;
    } else {
        accept_kw(p, "ALL");
    }
    SqlItem **link = &q->items;
    do {
        SqlItem *it = arena_alloc(p->a, sizeof *it);
        it->loc = peek(p)->loc;
        if (accept_punct(p, "*")) {
            it->expr = NULL;
        } else if (is_name(peek(p)) && is_punct(peek_at(p, 1), ".") &&
                   is_punct(peek_at(p, 2), "*")) {
            it->star_of = next(p)->text;
            next(p);
            next(p);
        } else {
            it->expr = parse_expr(p, 0);
            if (accept_kw(p, "AS") || is_name(peek(p)))
                it->alias = expect_name(p, "a column alias", &it->alias_loc);
        }
        *link = it;
        link = &it->next;
    } while (accept_punct(p, ","));
    expect_kw(p, "FROM");
    q->from = parse_from_join(p);
    if (accept_kw(p, "WHERE"))
        q->where = parse_expr(p, 0);
    if (is_kw(peek(p), "GROUP")) {
        q->group_loc = next(p)->loc;
        expect_kw(p, "BY");
        Tok *g = peek(p);
        if (is_kw(g, "GROUPING") || is_kw(g, "ROLLUP") || is_kw(g, "CUBE"))
            unsupported(p, g->loc, upper(p, g->text), NULL);
        Expr **glink = &q->group_by;
        do {
            *glink = parse_expr(p, 0);
            glink = &(*glink)->next;
        } while (accept_punct(p, ","));
    }
    if (is_kw(peek(p), "HAVING")) {
        q->having_loc = next(p)->loc;
        q->having = parse_expr(p, 0);
    }
    Tok *t = peek(p);
    if (is_kw(t, "WINDOW"))
        unsupported(p, t->loc, "WINDOW clause", NULL);
    if (is_kw(t, "ORDER"))
        unsupported(p, t->loc, "ORDER BY", "a stream has no order to sort by but its time");
    if (is_kw(t, "LIMIT"))
        unsupported(p, t->loc, "LIMIT", NULL);
    return q;
}

static SqlQuery *parse_query(Parser *p)
{
    SqlQuery *q = parse_select(p);
    SqlQuery *last = q;
    while (is_kw(peek(p), "UNION") || is_kw(peek(p), "EXCEPT") || is_kw(peek(p), "INTERSECT")) {
        Tok *t = next(p);
        if (!is_kw(t, "UNION"))
            unsupported(p, t->loc, upper(p, t->text), NULL);
        if (!is_kw(peek(p), "ALL"))
            unsupported(p, t->loc, "UNION without ALL", "it removes duplicates: write UNION ALL");
        next(p);
        last->union_all = parse_select(p);
        last->union_loc = t->loc;
        last = last->union_all;
    }
    return q;
}

/* ---- Statements ----------------------------------------------------------------------------- */

/* `'key' = 'value'`, both strings: an option of WITH, or a SET. */
static SqlOption *parse_key_value(Parser *p, const char *key_hint, const char *value_hint)
{
    SqlOption *o = arena_alloc(p->a, sizeof *o);
    Tok *k = next(p);
    if (k->kind != TK_STRING)
        fail_at(p, k, key_hint);
    o->key = k->str;
    o->key_loc = k->loc;
    expect_punct(p, "=");
    Tok *v = next(p);
    if (v->kind != TK_STRING)
        fail_at(p, v, value_hint);
    o->value = v->str;
    o->value_loc = v->loc;
    return o;
}

static SqlOption *parse_options(Parser *p)
{
    SqlOption *head = NULL, **link = &head;
    expect_punct(p, "(");
    do {
        if (is_punct(peek(p), ")"))
            break;
        SqlOption *o = parse_key_value(p, "an option's name as a string, 'connector'",
                                       "the option's value as a string");
        for (SqlOption *q = head; q; q = q->next)
            if (strcmp(q->key, o->key) == 0) {
                diag_error(p->d, o->key_loc, "option '%s' is given twice", o->key);
                break;
            }
        *link = o;
        link = &o->next;
    } while (accept_punct(p, ","));
    expect_punct(p, ")");
    return head;
}

/* The end of a statement: its ';' (or the end of the file). */
static SqlStmt *finish_stmt(Parser *p, SqlStmt *s)
{
    if (!is_punct(peek(p), ";") && peek(p)->kind != TK_EOF)
        fail_at(p, peek(p), "';' at the end of the statement");
    return s;
}

/* CREATE [TEMPORARY [SYSTEM]] FUNCTION [IF NOT EXISTS] name AS 'class'
 * [LANGUAGE JAVA], after FUNCTION: the lowering maps the classes it knows
 * onto native code (docs/sql.md, "Functions of Java classes"). */
static void parse_create_function(Parser *p, SqlStmt *s)
{
    s->kind = STMT_CREATE_FUNCTION;
    if (accept_kw(p, "IF")) {
        expect_kw(p, "NOT");
        expect_kw(p, "EXISTS");
        s->fn_if_not_exists = true;
    }
    s->fn_name = upper(p, expect_name(p, "the function's name", &s->fn_loc));
    if (is_punct(peek(p), "."))
        unsupported(p, peek(p)->loc, "catalog.database.function names", NULL);
    expect_kw(p, "AS");
    Tok *c = peek(p);
    if (c->kind != TK_STRING)
        fail_at(p, c, "the function's class as a string, 'com.example.MyFunction'");
    next(p);
    s->fn_class = c->str;
    s->fn_class_loc = c->loc;
    if (accept_kw(p, "LANGUAGE")) {
        Tok *l = peek(p);
        if (!is_kw(l, "JAVA"))
            unsupported(p, l->loc, arena_printf(p->a, "functions in %s", upper(p, l->text)),
                        "flowc maps the Java classes it knows (docs/sql.md)");
        next(p);
    }
    if (is_kw(peek(p), "USING"))
        unsupported(p, peek(p)->loc, "USING JAR", "flowc runs no Java");
}

/* The column list of CREATE TABLE, after its '('. */
static void parse_columns(Parser *p, SqlTable *t)
{
    SqlColumn **link = &t->cols;
    do {
        Tok *k = peek(p);
        if (is_kw(k, "WATERMARK")) {
            next(p);
            if (t->has_watermark)
                diag_error(p->d, k->loc, "a table has one WATERMARK");
            t->has_watermark = true;
            expect_kw(p, "FOR");
            t->wm_col = expect_name(p, "the time column", &t->wm_loc);
            expect_kw(p, "AS");
            Tok *c = peek(p);
            const char *col = expect_name(p, "the time column", NULL);
            if (strcmp(col, t->wm_col) != 0)
                unsupported_phrase(p, c->loc, "this WATERMARK expression",
                            arena_printf(p->a, "write %s - INTERVAL 'n' SECOND", t->wm_col));
            if (accept_punct(p, "-")) {
                expect_kw(p, "INTERVAL");
                t->wm_delay = parse_interval(p, NULL);
            } else if (!is_punct(peek(p), ",") && !is_punct(peek(p), ")")) {
                unsupported_phrase(p, peek(p)->loc, "this WATERMARK expression",
                            arena_printf(p->a, "write %s - INTERVAL 'n' SECOND", t->wm_col));
            }
            continue;
        }
        if (is_kw(k, "PRIMARY")) {
            next(p);
            expect_kw(p, "KEY");
            t->pk_loc = k->loc;
            expect_punct(p, "(");
            t->pk = parse_name_list(p, "a column name");
            expect_punct(p, ")");
            expect_kw(p, "NOT");
            expect_kw(p, "ENFORCED");
            continue;
        }
        if (is_kw(k, "CONSTRAINT") || is_kw(k, "LIKE"))
            unsupported(p, k->loc, upper(p, k->text), NULL);
        SqlColumn *c = arena_alloc(p->a, sizeof *c);
        c->name = expect_name(p, "a column name", &c->loc);
        for (SqlColumn *o = t->cols; o; o = o->next)
            if (strcmp(o->name, c->name) == 0)
                diag_error(p->d, c->loc, "column '%s' is declared twice", c->name);
        if (accept_kw(p, "AS")) {
            Tok *e = peek(p);
            if (is_kw(e, "PROCTIME") && is_punct(peek_at(p, 1), "(")) {
                next(p);
                next(p);
                expect_punct(p, ")");
                c->proctime = true;
                c->type = TY_TIMESTAMP;
                c->type_text = "TIMESTAMP_LTZ";
                c->type_loc = e->loc;
            } else {
                unsupported(p, e->loc, "computed column",
                            "only `name AS PROCTIME()`; compute values in the query");
            }
        } else {
            c->type = parse_type(p, &c->type_text, &c->type_loc);
            Tok *m = peek(p);
            if (is_kw(m, "METADATA"))
                unsupported(p, m->loc, "METADATA columns", NULL);
            if (accept_kw(p, "NOT")) {
                expect_kw(p, "NULL");
                c->not_null = true;
            } else {
                accept_kw(p, "NULL");
            }
            if (is_kw(peek(p), "PRIMARY")) {
                Tok *pk = next(p);
                expect_kw(p, "KEY");
                expect_kw(p, "NOT");
                expect_kw(p, "ENFORCED");
                SqlName *n = arena_alloc(p->a, sizeof *n);
                n->name = c->name;
                n->loc = c->loc;
                t->pk = n;
                t->pk_loc = pk->loc;
            }
            if (is_kw(peek(p), "COMMENT")) {
                next(p);
                if (next(p)->kind != TK_STRING)
                    fail_at(p, peek(p), "a comment string");
            }
        }
        *link = c;
        link = &c->next;
    } while (accept_punct(p, ","));
}

static SqlStmt *parse_stmt(Parser *p)
{
    SqlStmt *s = arena_alloc(p->a, sizeof *s);
    Tok *t = peek(p);
    s->loc = t->loc;
    if (accept_kw(p, "EXPLAIN")) {
        s->explain = true;
        if (accept_kw(p, "PLAN")) {
            expect_kw(p, "FOR");
        } else {
            static const char *const details[] = { "ESTIMATED_COST", "CHANGELOG_MODE",
                                                   "JSON_EXECUTION_PLAN", "PLAN_ADVICE", NULL };
            for (int i = 0; details[i]; i++)
                if (is_kw(peek(p), details[i]))
                    unsupported(p, peek(p)->loc, details[i],
                                "flowc explain prints flowc's own plan");
        }
        t = peek(p);
        if (!is_kw(t, "INSERT"))
            unsupported(p, t->loc, "EXPLAIN of anything but INSERT INTO", NULL);
    }
    if (accept_kw(p, "CREATE")) {
        bool temporary = accept_kw(p, "TEMPORARY");
        if (temporary)
            accept_kw(p, "SYSTEM");
        if (accept_kw(p, "FUNCTION")) {
            parse_create_function(p, s);
            return finish_stmt(p, s);
        }
        if (temporary || accept_kw(p, "OR"))
            unsupported(p, p->toks[p->pos - 1].loc,
                        upper(p, p->toks[p->pos - 1].text), "write CREATE TABLE or CREATE VIEW");
        bool view = false;
        if (accept_kw(p, "VIEW"))
            view = true;
        else if (!accept_kw(p, "TABLE"))
            fail_at(p, peek(p), "TABLE or VIEW after CREATE");
        if (accept_kw(p, "IF")) {
            expect_kw(p, "NOT");
            expect_kw(p, "EXISTS");
        }
        SqlTable *tb = arena_alloc(p->a, sizeof *tb);
        tb->loc = t->loc;
        tb->is_view = view;
        tb->name = expect_name(p, "the table's name", &tb->name_loc);
        if (is_punct(peek(p), "."))
            unsupported(p, peek(p)->loc, "catalog.database.table names", NULL);
        s->table = tb;
        if (view) {
            s->kind = STMT_CREATE_VIEW;
            if (is_punct(peek(p), "("))
                unsupported(p, peek(p)->loc, "a column list of CREATE VIEW",
                            "name the columns with AS in the query");
            expect_kw(p, "AS");
            tb->query = parse_query(p);
        } else {
            s->kind = STMT_CREATE_TABLE;
            expect_punct(p, "(");
            parse_columns(p, tb);
            expect_punct(p, ")");
            Tok *w = peek(p);
            if (is_kw(w, "PARTITIONED") || is_kw(w, "COMMENT") || is_kw(w, "DISTRIBUTED"))
                unsupported(p, w->loc, upper(p, w->text), NULL);
            if (is_kw(w, "AS"))
                unsupported(p, w->loc, "CREATE TABLE ... AS SELECT",
                            "CREATE TABLE, then INSERT INTO");
            tb->with_loc = expect_kw(p, "WITH")->loc;
            tb->options = parse_options(p);
        }
    } else if (accept_kw(p, "INSERT")) {
        s->kind = STMT_INSERT;
        if (is_kw(peek(p), "OVERWRITE"))
            unsupported(p, peek(p)->loc, "INSERT OVERWRITE", "INSERT INTO appends");
        expect_kw(p, "INTO");
        s->target = expect_name(p, "the sink table's name", &s->target_loc);
        if (accept_punct(p, "(")) {
            s->target_cols = parse_name_list(p, "a column of the sink table");
            expect_punct(p, ")");
        }
        if (is_kw(peek(p), "PARTITION"))
            unsupported(p, peek(p)->loc, "INSERT ... PARTITION", NULL);
        s->query = parse_query(p);
    } else if (accept_kw(p, "SET")) {
        /* SET 'key' = 'value': a setting of the statements after it (docs/sql.md, "SET"). */
        s->kind = STMT_SET;
        s->set = parse_key_value(p, "the setting's name as a string, 'table.exec.state.ttl'",
                                 "the setting's value as a string");
    } else if (is_kw(t, "SELECT")) {
        unsupported(p, t->loc, "a SELECT without INSERT INTO",
                    "a job writes its results to a sink table: INSERT INTO sink SELECT ...");
    } else {
        static const char *const others[] = { "RESET", "USE", "DROP", "ALTER", "SHOW",
                                              "DESCRIBE", "DESC", "LOAD", "UNLOAD", "EXECUTE",
                                              "BEGIN", "END", "ADD", "REMOVE", NULL };
        for (int i = 0; others[i]; i++)
            if (is_kw(t, others[i]))
                unsupported(p, t->loc, upper(p, t->text),
                            "a job file holds CREATE TABLE, CREATE VIEW, SET and INSERT INTO");
        fail_at(p, t, "CREATE TABLE, CREATE VIEW or INSERT INTO");
    }
    return finish_stmt(p, s);
}

SqlStmt *sql_parse(Arena *a, Diag *d, const char *src, size_t len)
{
    Parser p = { .a = a, .d = d };
    scan(&p, src, len);
    SqlStmt *head = NULL, **link = &head;
    while (peek(&p)->kind != TK_EOF) {
        if (accept_punct(&p, ";"))
            continue;
        if (setjmp(p.fail) == 0) {
            SqlStmt *s = parse_stmt(&p);
            *link = s;
            link = &s->next;
        } else {
            while (peek(&p)->kind != TK_EOF && !is_punct(peek(&p), ";"))
                next(&p);
        }
    }
    return head;
}
