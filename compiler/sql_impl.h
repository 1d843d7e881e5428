/* sql_impl.h: the tree of a Flink SQL job as sql_parse.c reads it, which
 * sql_lower.c turns into the Flow tree of ast.h (docs/sql.md). Expressions
 * are already ast.h's Expr: SQL functions are EX_CALLs under their SQL names,
 * and the forms SQL writes with keywords (CAST, EXTRACT, TRIM ... FROM,
 * COUNT(DISTINCT ...)) are calls whose name starts with '@' followed by the
 * Flow function they already are, which the lowering keeps. */
#ifndef FLOWC_SQL_IMPL_H
#define FLOWC_SQL_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"

typedef struct SqlName SqlName;
struct SqlName {
    const char *name;
    Loc loc;
    SqlName *next;
};

typedef struct SqlColumn SqlColumn;
struct SqlColumn {
    const char *name;
    Loc loc;
    TypeKind type;
    const char *type_text;  /* as written, upper case: "BIGINT", "VARCHAR" */
    Loc type_loc;
    bool not_null;
    bool proctime;          /* `name AS PROCTIME()`: no field, processing time */
    SqlColumn *next;
};

/* `'key' = 'value'` of a WITH clause; `used` once the lowering took it. */
typedef struct SqlOption SqlOption;
struct SqlOption {
    const char *key;
    Loc key_loc;
    const char *value;
    Loc value_loc;
    bool used;
    SqlOption *next;
};

typedef struct SqlQuery SqlQuery;

/* A CREATE TABLE or a CREATE VIEW, with what the lowering made of it. */
typedef struct SqlTable SqlTable;
struct SqlTable {
    const char *name;
    Loc loc, name_loc;
    bool is_view;
    SqlColumn *cols;
    bool has_watermark;
    const char *wm_col;
    Loc wm_loc;
    int64_t wm_delay;       /* ms */
    SqlName *pk;            /* PRIMARY KEY (...) NOT ENFORCED */
    Loc pk_loc;
    SqlOption *options;
    Loc with_loc;
    SqlQuery *query;        /* view */
    /* lowering */
    Decl *schema;
    Decl *source;           /* DECL_SOURCE or DECL_TABLE once read */
    Decl *stream;           /* view: its stream */
    bool lowering;          /* view: being lowered (a view that reads itself) */
    Connector conn[2];      /* as a source [0] and as a sink [1], once built */
    bool have_conn[2];
    SqlTable *next;
};

typedef struct SqlItem SqlItem;
struct SqlItem {
    Expr *expr;             /* NULL for `*` and `x.*` */
    const char *star_of;    /* `x.*`: x */
    const char *alias;
    Loc alias_loc;
    Loc loc;
    SqlItem *next;
};

typedef enum SqlFromKind { FROM_NAME, FROM_TVF, FROM_QUERY } SqlFromKind;
/* ORDER LEGACY: the first three are sql_lower.c's legacy_names. */
typedef enum SqlTvf { TVF_TUMBLE, TVF_HOP, TVF_SESSION, TVF_CUMULATE } SqlTvf;

typedef struct SqlFrom {
    SqlFromKind kind;
    Loc loc;
    const char *name;       /* FROM_NAME, and the TVF's TABLE t */
    Loc name_loc;
    const char *alias;
    Loc alias_loc;
    SqlTvf tvf;
    Loc tvf_loc;
    SqlName *partition;     /* SESSION(TABLE t PARTITION BY k, ...) */
    const char *descriptor;
    Loc descriptor_loc;
    int64_t size, slide;    /* ms; HOP: slide then size, as written */
    Loc size_loc, slide_loc;
    SqlQuery *query;        /* FROM_QUERY */
    /* `FROM a [AS x], b [AS y] WHERE ...` or `FROM a JOIN b ON ...`: the
     * right side, itself a FROM_NAME (docs/sql.md, "Joins"). */
    struct SqlFrom *join;
    Loc join_loc;
    bool join_left;         /* LEFT JOIN, FULL JOIN */
    bool join_right;        /* RIGHT JOIN, FULL JOIN */
    const char *join_kw;    /* LEFT, RIGHT, FULL, JOIN, INNER or ",", upper case */
    Expr *on;
    Expr *as_of;            /* right side: FOR SYSTEM_TIME AS OF x, a lookup join */
    Loc as_of_loc;
} SqlFrom;

struct SqlQuery {
    Loc loc;                /* SELECT */
    SqlItem *items;
    bool distinct;          /* SELECT DISTINCT */
    Loc distinct_loc;
    SqlFrom *from;
    Expr *where;
    Expr *group_by;         /* list through next */
    Loc group_loc;
    Expr *having;
    Loc having_loc;
    SqlQuery *union_all;    /* the next SELECT of `UNION ALL` */
    Loc union_loc;
};

typedef enum SqlStmtKind {
    STMT_CREATE_TABLE, STMT_CREATE_VIEW, STMT_CREATE_FUNCTION, STMT_INSERT, STMT_SET
} SqlStmtKind;

typedef struct SqlStmt SqlStmt;
struct SqlStmt {
    SqlStmtKind kind;
    Loc loc;
    bool explain;           /* EXPLAIN INSERT ... */
    SqlTable *table;        /* CREATE TABLE / VIEW */
    const char *target;     /* INSERT INTO target */
    Loc target_loc;
    SqlName *target_cols;   /* INSERT INTO target (a, b, ...) */
    SqlQuery *query;
    SqlOption *set;         /* SET 'key' = 'value' */
    const char *fn_name;    /* CREATE FUNCTION fn_name AS 'fn_class', the name upper case */
    const char *fn_class;
    Loc fn_loc, fn_class_loc;
    bool fn_if_not_exists;
    SqlStmt *next;
};

/* What sql_parse_program hands to sql_check_inserts: per INSERT, its sink
 * table and the stream that feeds it. */
typedef struct SqlInsert SqlInsert;
struct SqlInsert {
    SqlTable *sink;
    Decl *stream;
    Loc loc;
    bool changelog;         /* the stream's first field is the row kind `op`, not a column */
    SqlInsert *next;
};

struct SqlProgram {
    SqlStmt *stmts;
    SqlTable *tables;
    SqlInsert *inserts;
    bool explain;
};

/* sql_parse.c: the statements of `src`; syntax errors go to `d`, each
 * statement with one resumes at the next ';'. */
SqlStmt *sql_parse(Arena *a, Diag *d, const char *src, size_t len);
/* Expression nodes in the arena, for the parser and the lowering. */
Expr *sql_expr(Arena *a, ExprKind kind, Loc loc);
Expr *sql_string(Arena *a, const char *s, Loc loc);

/* sql_lower.c */
void sql_lower(Arena *a, Diag *d, struct SqlProgram *sp, Program *prog);

#endif
