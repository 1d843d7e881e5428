/* ast.h: the syntax tree of a .flow program, and the facts the checker adds
 * to it (types, resolved names, schemas). Every node lives in the compilation's
 * arena. Lists are singly linked through `next`, in source order.
 *
 * Who fills what:
 *   parser  (dsl/flow.y)      - kinds, names, literals, locations
 *   checker (check.c)         - fields marked "checker:" below
 *   planner/emitter           - read only */
#ifndef FLOWC_AST_H
#define FLOWC_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

/* ---- Types ---------------------------------------------------------------- */

typedef enum TypeKind {
    TY_ERROR, /* an expression that already produced an error: no cascades */
    TY_BOOL,
    TY_INT32,
    TY_INT64, /* durations are int64 milliseconds */
    TY_FLOAT64,
    TY_STRING,
    TY_TIMESTAMP,
} TypeKind;

const char *type_name(TypeKind t); /* "int32", ... (ast.c) */

/* A record type: a declared schema, or one the checker infers for the output
 * of an operator. Fields are an array so that operators can refer to them by
 * index. */
typedef struct Field {
    const char *name;
    const char *qualifier; /* join side alias ("l", "r") or NULL */
    TypeKind type;
    bool optional;         /* `T?`, or computed from an optional value: may be null */
    Loc loc;               /* where the field was declared or computed */
    /* A declared schema's `from "a.b.c"`: where a JSON source finds the
     * field (members joined by '.'), or NULL for a member of its name. */
    const char *path;
    Loc path_loc;
    /* A string of JSON text (collect_list's result): a JSON sink writes it
     * as the value itself, CSV as a string (docs/language.md, "Aggregates"). */
    bool json;
} Field;

typedef struct Schema {
    const char *name;      /* declared name, or a name made up by the checker */
    bool declared;         /* written as `schema NAME { ... }` */
    Field *fields;
    int nfields;
    Loc loc;
} Schema;

/* ---- Expressions ---------------------------------------------------------- */

typedef enum ExprKind {
    EX_INT,      /* integer literal */
    EX_FLOAT,    /* float literal */
    EX_STRING,   /* string literal, escapes already decoded */
    EX_BOOL,
    EX_DURATION, /* duration literal, value in ms */
    EX_NAME,     /* field or param: `price`, `b.price` */
    EX_UNARY,
    EX_BINARY,
    EX_CALL,     /* function call or cast: `lower(s)`, `int32(x)` */
    /* Conditional expressions (docs/language.md, "Conditional expressions"):
     * their operands are the `form` list. */
    EX_BETWEEN,  /* x [not] between lo and hi: ops x, lo, hi */
    EX_IN,       /* x [not] in (a, b, ...): ops x, a, b, ... */
    EX_CASE,     /* case [x] when c then v ... [else e] end: ops [x,] c, v, ..., [e] */
    EX_IS_NULL,  /* x is [not] null: ops x; negated for `is not null` */
} ExprKind;

typedef enum UnaryOp { UN_NEG, UN_NOT } UnaryOp;

typedef enum BinaryOp {
    BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV, BIN_MOD,
    BIN_EQ, BIN_NE, BIN_LT, BIN_LE, BIN_GT, BIN_GE,
    BIN_AND, BIN_OR,
} BinaryOp;

/* Built-in functions; the checker maps a call's name to one of these. */
typedef enum FuncId {
    FN_UNKNOWN,
    FN_ABS, FN_LOWER, FN_UPPER, FN_LENGTH, FN_CONTAINS, FN_STARTS_WITH,
    FN_ENDS_WITH, FN_CONCAT, FN_IF, FN_HASH,
    FN_CAST_INT32, FN_CAST_INT64, FN_CAST_FLOAT64, FN_CAST_STRING,
    FN_CAST_TIMESTAMP, FN_CAST_BOOL,
    /* Strings (docs/language.md, "String functions") */
    FN_SUBSTRING, FN_REPLACE, FN_TRIM, FN_LTRIM, FN_RTRIM, FN_SPLIT_PART, FN_POSITION,
    FN_LPAD, FN_RPAD, FN_REGEXP_LIKE, FN_REGEXP_EXTRACT, FN_REGEXP_REPLACE,
    FN_LIKE, /* `s like p`: the parser makes it a call named "like" */
    /* Numbers (docs/language.md, "Numeric functions") */
    FN_ROUND, FN_FLOOR, FN_CEIL, FN_SQRT, FN_POW, FN_LN, FN_LOG10, FN_EXP, FN_SIGN,
    FN_GREATEST, FN_LEAST,
    /* Time (docs/language.md, "Time functions") */
    FN_DATE_TRUNC, FN_YEAR, FN_MONTH, FN_DAY, FN_HOUR, FN_MINUTE, FN_SECOND, FN_DAY_OF_WEEK,
    FN_FORMAT_TIMESTAMP, FN_PARSE_TIMESTAMP,
    FN_COALESCE, /* the first of its arguments that is not null */
} FuncId;

/* What a name in an expression refers to (checker). */
typedef enum NameKind {
    NAME_UNRESOLVED,
    NAME_FIELD, /* field `index` of the operator's input schema */
    NAME_PARAM, /* the param declared by `param` */
} NameKind;

typedef struct Decl Decl;

typedef struct Expr Expr;
struct Expr {
    ExprKind kind;
    Loc loc;
    Expr *next;      /* next argument / item in a list */
    TypeKind type;   /* checker: the expression's type */
    bool optional;   /* checker: it may be null (docs/language.md, "Optional fields") */
    union {
        int64_t int_value;       /* EX_INT, EX_DURATION (ms) */
        double float_value;      /* EX_FLOAT */
        bool bool_value;         /* EX_BOOL */
        struct {                 /* EX_STRING */
            const char *chars;   /* decoded, NUL-terminated */
            int64_t len;         /* may contain NUL bytes from "\0" */
        } string;
        struct {                 /* EX_NAME */
            const char *qualifier; /* "b" in `b.price`, else NULL */
            const char *name;
            NameKind kind;         /* checker */
            int index;             /* checker: field index in the input schema */
            Decl *param;           /* checker: for NAME_PARAM */
        } name;
        struct {                 /* EX_UNARY */
            UnaryOp op;
            Expr *operand;
        } unary;
        struct {                 /* EX_BINARY */
            BinaryOp op;
            Expr *lhs, *rhs;
        } binary;
        struct {                 /* EX_CALL */
            const char *name;
            Loc name_loc;
            Expr *args;          /* linked through next */
            int nargs;
            FuncId func;         /* checker */
        } call;
        struct {                 /* EX_BETWEEN, EX_IN, EX_CASE, EX_IS_NULL */
            Expr *ops;           /* linked through next */
            int nops;
            bool negated;        /* `not between`, `not in` */
            bool has_subject;    /* case: the simple form `case x when v ...` */
            bool has_else;       /* case */
        } form;
    };
};

/* ---- Connectors ------------------------------------------------------------ */

/* `KEY = LITERAL` or `KEY = PARAM`. The bare first argument of file(...) gets
 * key "path". */
typedef struct ConnArg ConnArg;
struct ConnArg {
    const char *key;
    Loc loc;
    Expr *value;     /* EX_INT/EX_FLOAT/EX_STRING/EX_BOOL/EX_DURATION literal, or
                        EX_NAME naming a param (checker resolves it) */
    ConnArg *next;
};

typedef struct Connector {
    const char *name;  /* "file", "stdin", "stdout", "kafka", "generator", "postgres" */
    Loc loc;
    ConnArg *args;
} Connector;

/* ---- Durations of clauses ----------------------------------------------------- */

/* The duration of a clause (`window tumbling D`, `within D`, `watermark D`,
 * ...): a literal, or the name of a param of type duration, whose value each
 * run fixes at start (docs/language.md, "Durations from params"). */
typedef struct DurationArg {
    int64_t ms;        /* the literal; for a param, its default (checker) */
    const char *param; /* the param's name as written, or NULL for a literal */
    Loc loc;
    Decl *decl;        /* checker: the param */
} DurationArg;

/* ---- Operators ------------------------------------------------------------- */

/* One per row of operators.h, in its order (ORDER OP). */
typedef enum OpKind {
#define OP(kind, spelling, role, check, state, describe, emit, snapshot, restore) OP_##kind,
#include "operators.h"
#undef OP
} OpKind;

typedef enum WindowKind { WIN_TUMBLING, WIN_SLIDING, WIN_CUMULATE, WIN_SESSION } WindowKind;

/* One per row of aggregates.h, in its order (ORDER AGG), after AGG_UNKNOWN. */
typedef enum AggFunc {
    AGG_UNKNOWN, /* checker reports the name */
#define AGG(kind, name, min, max, result, nulls, back, state) AGG_##kind,
#include "aggregates.h"
#undef AGG
} AggFunc;

/* The columns result and nulls of aggregates.h. */
typedef enum AggResult {
    AGG_RES_INT64, AGG_RES_SUM, AGG_RES_FLOAT64, AGG_RES_ARG, AGG_RES_STRING,
} AggResult;
typedef enum AggNulls { AGG_NULLS_NOT_NULL, AGG_NULLS_NONE_LEFT, AGG_NULLS_FEW_LEFT } AggNulls;

/* `NAME = EXPR` in select (expr NULL for a bare kept field, whose name is the
 * field's), or `NAME = AGG(EXPR)` in aggregate. */
typedef struct Item Item;
struct Item {
    const char *name;
    Loc loc;
    Expr *expr;        /* select: the value (a bare field is an EX_NAME);
                          aggregate: the argument, NULL for count() */
    Expr *arg2;        /* aggregate: the second argument (max_by's y, percentile's p),
                          or NULL */
    const char *agg_name; /* aggregate: function name as written */
    Loc agg_loc;
    AggFunc agg;       /* checker */
    TypeKind type;     /* checker: result type */
    bool optional;     /* checker: the result may be null (an aggregate of nulls only) */
    Item *next;
};

/* `l.f == r.g` in a join or lookup: `left` is evaluated on the left input's
 * schema, `right` on the right one's (the checker swaps them if written the
 * other way round). */
typedef struct JoinEq JoinEq;
struct JoinEq {
    Expr *left, *right;
    Loc loc;
    JoinEq *next;
};

/* A reference to a declared stream, source, table or `late as` stream. */
typedef struct NameRef NameRef;
struct NameRef {
    const char *name;
    Loc loc;
    Decl *decl;        /* checker */
    NameRef *next;
};

/* `emit every D` and `ttl D` after the items of an aggregate without a
 * window (OP_UPDATE, docs/language.md "Updating aggregates"); has_* false
 * when absent. */
typedef struct UpdateClauses {
    bool has_every, has_ttl;
    DurationArg every, ttl;
    /* checker: an updating aggregate of an upsert changelog takes back each
     * row key's last row (docs/language.md, "Aggregates of a changelog");
     * row_key: the row key's fields that are not the aggregate's key
     * (indexes in the operator's input). */
    bool retracts;
    int *row_key;
    int nrow_key;
} UpdateClauses;

/* One `EXPR [asc|desc]` of `top N by ...` (docs/language.md, "top"). */
typedef struct TopKey TopKey;
struct TopKey {
    Expr *expr;
    bool desc;
    TopKey *next;
};

typedef struct Op Op;
struct Op {
    OpKind kind;
    Loc loc;
    Op *next;
    Schema *in, *out;  /* checker: record types before and after this operator */
    union {
        Expr *where;               /* OP_WHERE: bool expression */
        Item *select;              /* OP_SELECT */
        struct {                   /* OP_KEY_BY */
            Expr *fields;          /* EX_NAME list */
            int nfields;
        } key_by;
        struct {                   /* OP_WINDOW */
            WindowKind kind;
            DurationArg size;      /* tumbling and sliding size */
            DurationArg slide;     /* sliding: the `every` */
            DurationArg gap;       /* session gap */
            DurationArg lateness;  /* 0 unless `lateness D` */
            const char *late_as;   /* `late as NAME`, or NULL */
            Loc late_as_loc;
            Decl *late_decl;       /* checker: the implicit stream NAME */
        } window;
        Item *aggregate;           /* OP_AGGREGATE */
        struct {                   /* OP_JOIN, OP_LOOKUP */
            NameRef *other;        /* the right-hand stream or table */
            const char *alias;     /* `as A`, or NULL */
            JoinEq *eqs;
            bool left;             /* `left` (`full`): a left record without a match is kept */
            bool right;            /* join `right` (`full`): so is a right one */
            bool windowed;         /* join: `window tumbling D` instead of `within D` */
            DurationArg within;    /* interval join bound (`D1` of `within D1 before and D2 after`) */
            DurationArg window;    /* window join size */
            /* `within D1 before and D2 after`: `after` is D2 (else within is both) */
            bool asymmetric;
            DurationArg after;
            /* a regular join: no `within` nor `window` (docs/language.md,
             * "Regular joins"), with its `ttl T` when has_ttl */
            bool regular, has_ttl;
            DurationArg ttl;
            /* checker, regular join: whether each side is an updating
             * aggregate's changelog (a row per key, replaced), the index of
             * that side's `op` field left out of the result (-1: none), and
             * whether the result starts with an `op` of its own */
            bool changelog[2];
            int op_field[2];
            bool emits_op;
        } join;
        NameRef *union_of;         /* OP_UNION: the other streams */
        struct {                   /* OP_DEDUPE */
            DurationArg within;
        } dedupe;
        struct {                   /* OP_TOP */
            int64_t n;             /* N, as written (the checker rejects N <= 0) */
            Loc n_loc;
            TopKey *keys;          /* the order, most significant first */
            int nkeys;
            const char *rank;      /* the rank field's name: "rank" unless `rank as NAME` */
            Loc rank_loc;
            bool windowed;         /* checker: over a window's results (else updating) */
            bool changelog;        /* checker: its input is a changelog (`op` first) */
            int *row_key;          /* checker: changelog: the input's row key fields */
            int nrow_key;
        } top;
    };
    /* OP_AGGREGATE as written, OP_UPDATE: outside the union, as the items
     * are `aggregate`'s. */
    UpdateClauses update;
    /* checker: the key (field indexes in `in`) in force for this operator,
     * set by the closest `key by` before it; nkey == 0 when not keyed. */
    int *key_fields;
    int nkey;
};

/* ---- Declarations ------------------------------------------------------------ */

/* What the records of a stream are: appended, or the rows of a changelog. */
typedef enum ChangelogKind {
    CLOG_APPEND,  /* every record a new fact */
    CLOG_UPSERT,  /* an updating aggregate's: a row replaces its key's last one */
    CLOG_RETRACT, /* a regular join's: +I, -U, +U and -D rows */
    CLOG_TOP,     /* an updating top's: +I, +U and -D rows of (partition, rank) */
} ChangelogKind;

typedef enum DeclKind {
    DECL_SCHEMA,
    DECL_PARAM,
    DECL_SOURCE,
    DECL_TABLE,
    DECL_STREAM,
    DECL_LATE_STREAM, /* made by the checker for `late as NAME` */
    DECL_SINK,
    DECL_CONFIG,
} DeclKind;

typedef enum ConfigKind {
    CFG_CHECKPOINT,    /* checkpoint every D [to "DIR"] */
    CFG_STATE_MEMORY,
    CFG_STATE_ROCKSDB, /* state rocksdb "DIR" */
    CFG_PARALLELISM,
} ConfigKind;

typedef struct ConfigSetting ConfigSetting;
struct ConfigSetting {
    ConfigKind kind;
    Loc loc;
    int64_t every_ms;      /* checkpoint */
    const char *dir;       /* checkpoint `to`, rocksdb dir; NULL if absent */
    int64_t parallelism;
    ConfigSetting *next;
};

/* Schema field as written, before the checker builds the Schema array. */
typedef struct FieldDecl FieldDecl;
struct FieldDecl {
    const char *name;
    Loc loc;
    const char *type_name; /* as written; the checker maps it */
    Loc type_loc;
    bool optional;         /* `int64?` */
    const char *path;      /* `from "meta.device.id"`: a JSON path, or NULL */
    int64_t path_len;
    Loc path_loc;
    FieldDecl *next;
};

struct Decl {
    DeclKind kind;
    const char *name;      /* NULL for sink and config */
    Loc loc;               /* of the keyword */
    Loc name_loc;
    Decl *next;
    bool used;             /* checker: something reads this stream/source/param */
    Schema *schema;        /* checker: schema of a schema/source/table, output of a stream */
    union {
        FieldDecl *schema_fields;     /* DECL_SCHEMA */
        struct {                      /* DECL_PARAM */
            const char *type_name;
            Loc type_loc;
            TypeKind type;            /* checker; int64 for a duration */
            bool duration;            /* `param NAME : duration`: int64 ms, set as 10s */
            Expr *value;              /* literal; string for timestamps */
        } param;
        struct {                      /* DECL_SOURCE, DECL_TABLE */
            NameRef *schema_ref;      /* the schema's name */
            Connector conn;
            const char *event_time;   /* source: `event time FIELD`, or NULL */
            Loc event_time_loc;
            int event_time_field;     /* checker: index, -1 for processing time */
            bool has_watermark;
            DurationArg watermark;    /* `watermark D`, 0 if absent */
            bool has_idle;
            DurationArg idle;         /* `idle D` */
            const char *key;          /* table: `key FIELD` */
            Loc key_loc;
            int key_field;            /* checker: table key index */
        } source;
        struct {                      /* DECL_STREAM, DECL_LATE_STREAM */
            NameRef *input;
            const char *alias;        /* `as ALIAS` after the input, or NULL */
            Loc alias_loc;
            Op *ops;
            Op *producer;             /* late stream: the window op feeding it */
            const int *key;           /* checker: the key after its last operator, */
            int nkey;                 /* indexes into its schema (nkey 0: none) */
            bool window_result;       /* checker: its records are an aggregate's */
            /* checker: a changelog (docs/language.md, "Regular joins"): an
             * updating aggregate's, keyed by the fields named clog_key, or
             * a regular join's, whose rows retract others; a key field a
             * select dropped is NULL there, clog_lost its name */
            ChangelogKind changelog;
            const char **clog_key;
            int nclog;
            const char *clog_lost;
        } stream;
        struct {                      /* DECL_SINK */
            NameRef *stream;
            Connector conn;
        } sink;
        ConfigSetting *config;        /* DECL_CONFIG */
    };
};

typedef struct Program {
    const char *filename;
    Decl *decls;           /* in source order; late streams appended by the checker */
    bool uses_regex;       /* checker: a regexp_ function is called (links PCRE2) */
} Program;

#endif
