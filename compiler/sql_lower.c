/* sql_lower.c: turns the statements of a Flink SQL job (sql_impl.h) into the
 * Flow declarations of ast.h, the ones a hand-written .flow twin of the job
 * has (docs/sql.md, "How a job becomes a Flow program"): a schema
 * `TABLE_row` and a source per table read, a stream per INSERT INTO (or view,
 * subquery, UNION ALL branch) and a sink per INSERT INTO; Flink's options
 * become connector arguments, its functions Flow's. Every location is the
 * SQL text's, so the checker's messages point into the job. Owns the mapping
 * tables (connectors, options, functions) and the INSERT check that runs
 * after the checker. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql.h"
#include "sql_impl.h"

/* A function of CREATE FUNCTION whose Java class flowc knows. */
typedef struct SqlUdf {
    const char *name;      /* upper case */
    int kind;              /* an FnKind */
    Loc loc;
    struct SqlUdf *next;
} SqlUdf;

typedef struct Lower {
    Arena *a;
    Diag *d;
    SqlProgram *sp;
    Decl **last;
    const char **names;    /* every declared name, for fresh ones */
    int nnames, cap;
    bool changelog;        /* the INSERT being lowered writes its row kind (`op`) */
    bool topn_rows;        /* lowering the rows an updating Top-N ranks (lower_topn) */
    bool agg_rows;         /* lowering a subquery a GROUP BY without a window aggregates */
    /* The SETs read so far (docs/sql.md, "SET"): the state ttl. */
    bool has_ttl;
    int64_t ttl_ms;
    Loc ttl_loc;
    /* table.exec.emit.early-fire.enabled and .delay: legacy group windows'
     * early results (docs/sql.md, "Legacy group windows"). */
    bool early_fire, has_early_delay;
    int64_t early_ms;
    Loc early_loc, early_on_loc;
    SqlUdf *udfs;          /* CREATE FUNCTION so far */
} Lower;

/* ---- Small builders ------------------------------------------------------------------------- */

static void add_decl(Lower *L, Decl *d)
{
    *L->last = d;
    L->last = &d->next;
}

static bool name_taken(const Lower *L, const char *name)
{
    for (int i = 0; i < L->nnames; i++)
        if (strcmp(L->names[i], name) == 0)
            return true;
    return false;
}

static void take_name(Lower *L, const char *name)
{
    if (L->nnames + 1 >= L->cap) {
        int ncap = L->cap ? L->cap * 2 : 64;
        const char **bigger = arena_alloc(L->a, sizeof *bigger * (size_t)ncap);
        if (L->nnames)
            memcpy(bigger, L->names, sizeof *bigger * (size_t)L->nnames);
        L->names = bigger;
        L->cap = ncap;
    }
    L->names[L->nnames++] = name;
}

/* `base`, or `base_2`, `base_3` ... when taken. */
static const char *fresh_name(Lower *L, const char *base)
{
    const char *name = base;
    for (int i = 2; name_taken(L, name); i++)
        name = arena_printf(L->a, "%s_%d", base, i);
    take_name(L, name);
    return name;
}

static Decl *new_decl(Lower *L, DeclKind kind, Loc loc, const char *name, Loc name_loc)
{
    Decl *d = arena_alloc(L->a, sizeof *d);
    d->kind = kind;
    d->loc = loc;
    d->name = name;
    d->name_loc = name_loc;
    return d;
}

static NameRef *new_ref(Lower *L, const char *name, Loc loc)
{
    NameRef *r = arena_alloc(L->a, sizeof *r);
    r->name = name;
    r->loc = loc;
    return r;
}

static Expr *name_expr(Lower *L, const char *name, Loc loc)
{
    Expr *e = sql_expr(L->a, EX_NAME, loc);
    e->name.name = name;
    return e;
}

static Op *new_op(Lower *L, OpKind kind, Loc loc)
{
    Op *op = arena_alloc(L->a, sizeof *op);
    op->kind = kind;
    op->loc = loc;
    return op;
}

static Item *new_item(Lower *L, const char *name, Loc loc, Expr *expr)
{
    Item *it = arena_alloc(L->a, sizeof *it);
    it->name = name;
    it->loc = loc;
    it->expr = expr;
    return it;
}

/* diag_unsupported's words for a feature that is itself quoted text
 * (`option 'x' of connector 'kafka'`). */
static void not_supported(Diag *d, Loc loc, const char *what, const char *why)
{
    diag_error(d, loc, "%s is not supported by this version of flowc (%s)", what, why);
    d->unsupported++;
}

/* Did-you-mean over a NULL-terminated list, as the checker words it. */
static void unknown(Lower *L, Loc loc, const char *what, const char *name,
                    const char *const *cands)
{
    const char *best = cands ? diag_closest(name, cands) : NULL;
    if (best)
        diag_error(L->d, loc, "unknown %s '%s' (did you mean '%s'?)", what, name, best);
    else
        diag_error(L->d, loc, "unknown %s '%s'", what, name);
}

/* ---- Tables --------------------------------------------------------------------------------- */

static SqlTable *find_table(Lower *L, const char *name, Loc loc)
{
    int n = 0;
    for (SqlTable *t = L->sp->tables; t; t = t->next) {
        if (strcmp(t->name, name) == 0)
            return t;
        n++;
    }
    const char **cands = arena_alloc(L->a, sizeof *cands * (size_t)(n + 1));
    n = 0;
    for (SqlTable *t = L->sp->tables; t; t = t->next)
        cands[n++] = t->name;
    unknown(L, loc, "table", name, cands);
    return NULL;
}

static SqlColumn *find_column(const SqlTable *t, const char *name)
{
    for (SqlColumn *c = t->cols; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static const char **column_names(Lower *L, const SqlTable *t)
{
    int n = 0;
    for (SqlColumn *c = t->cols; c; c = c->next)
        n++;
    const char **names = arena_alloc(L->a, sizeof *names * (size_t)(n + 1));
    n = 0;
    for (SqlColumn *c = t->cols; c; c = c->next)
        if (!c->proctime)
            names[n++] = c->name;
    return names;
}

static bool in_names(const SqlName *list, const char *name)
{
    for (; list; list = list->next)
        if (strcmp(list->name, name) == 0)
            return true;
    return false;
}

static const char *table_connector_name(const SqlTable *t)
{
    for (const SqlOption *o = t->options; o; o = o->next)
        if (strcmp(o->key, "connector") == 0)
            return o->value;
    return "";
}

/* Checks a CREATE TABLE's columns, watermark and key once, when declared. */
static void check_table(Lower *L, SqlTable *t)
{
    /* A nexmark table's columns are never null, as the generator makes them. */
    if (strcmp(table_connector_name(t), "nexmark") == 0)
        for (SqlColumn *c = t->cols; c; c = c->next)
            c->not_null = true;
    for (SqlColumn *c = t->cols; c; c = c->next)
        for (const char *s = c->name; *s; s++)
            if (!(isalnum((unsigned char)*s) || *s == '_') || isdigit((unsigned char)c->name[0])) {
                diag_unsupported(L->d, c->loc, arena_printf(L->a, "column name `%s`", c->name),
                                 "flowc's names are letters, digits and '_'");
                break;
            }
    if (t->has_watermark) {
        SqlColumn *c = find_column(t, t->wm_col);
        if (!c)
            unknown(L, t->wm_loc, "column", t->wm_col, column_names(L, t));
        else if (c->type != TY_TIMESTAMP || c->proctime)
            diag_error(L->d, t->wm_loc, "the WATERMARK column '%s' must be a TIMESTAMP(3) or "
                       "TIMESTAMP_LTZ(3), not %s", c->name, c->proctime ? "PROCTIME()" :
                       c->type_text);
    }
    for (SqlName *k = t->pk; k; k = k->next)
        if (!find_column(t, k->name))
            unknown(L, k->loc, "column", k->name, column_names(L, t));
}

/* Whether an expression (and the list after it) reads column `name`. */
static bool expr_reads(const Expr *e, const char *name)
{
    for (; e; e = e->next) {
        switch (e->kind) {
        case EX_INT:
        case EX_FLOAT:
        case EX_STRING:
        case EX_BOOL:
        case EX_DURATION:
            break;
        case EX_NAME:
            if (strcmp(e->name.name, name) == 0)
                return true;
            break;
        case EX_UNARY:
            if (expr_reads(e->unary.operand, name))
                return true;
            break;
        case EX_BINARY:
            if (expr_reads(e->binary.lhs, name) || expr_reads(e->binary.rhs, name))
                return true;
            break;
        case EX_CALL:
            if (expr_reads(e->call.args, name))
                return true;
            break;
        case EX_BETWEEN:
        case EX_IN:
        case EX_CASE:
        case EX_IS_NULL:
            if (expr_reads(e->form.ops, name))
                return true;
            break;
        }
    }
    return false;
}

/* Whether a query (its UNION ALL branches, subqueries and joins) may read
 * column `name` of some table: by name, as a window's time or partition, or
 * under a `*`. */
static bool query_reads(const SqlQuery *q, const char *name)
{
    for (; q; q = q->union_all) {
        for (const SqlItem *it = q->items; it; it = it->next)
            if (!it->expr || expr_reads(it->expr, name))
                return true;
        if (expr_reads(q->where, name) || expr_reads(q->group_by, name) ||
            expr_reads(q->having, name))
            return true;
        for (const SqlFrom *f = q->from; f; f = f->join) {
            if ((f->descriptor && strcmp(f->descriptor, name) == 0) ||
                in_names(f->partition, name) || query_reads(f->query, name) ||
                expr_reads(f->on, name) || expr_reads(f->as_of, name))
                return true;
        }
    }
    return false;
}

/* Whether any query or view of the job may read column `name`. A nexmark
 * table declares every column, as Flink's DDL does, and its generator
 * makes only the fields its schema has: the job's unread ones are left out. */
static bool job_reads(const Lower *L, const char *name)
{
    for (const SqlStmt *st = L->sp->stmts; st; st = st->next)
        if (query_reads(st->query, name) || (st->table && query_reads(st->table->query, name)))
            return true;
    return false;
}

static Decl *table_schema(Lower *L, SqlTable *t)
{
    if (t->schema)
        return t->schema;
    Decl *s = new_decl(L, DECL_SCHEMA, t->loc, fresh_name(L, arena_printf(L->a, "%s_row", t->name)),
                       t->name_loc);
    FieldDecl **link = &s->schema_fields;
    bool nexmark = strcmp(table_connector_name(t), "nexmark") == 0;
    for (SqlColumn *c = t->cols; c; c = c->next) {
        if (c->proctime)
            continue;
        if (nexmark && !job_reads(L, c->name) &&
            !(t->has_watermark && strcmp(c->name, t->wm_col) == 0))
            continue;
        FieldDecl *f = arena_alloc(L->a, sizeof *f);
        f->name = c->name;
        f->loc = c->loc;
        f->type_name = type_name(c->type == TY_ERROR ? TY_STRING : c->type);
        f->type_loc = c->type_loc;
        /* Flink's columns are nullable unless NOT NULL; the time column and
         * the key cannot be null in flowc (docs/sql.md, "Types"). */
        f->optional = !c->not_null && !(t->has_watermark && strcmp(c->name, t->wm_col) == 0) &&
                      !in_names(t->pk, c->name);
        *link = f;
        link = &f->next;
    }
    add_decl(L, s);
    t->schema = s;
    return s;
}

/* ---- Options onto connector arguments ------------------------------------------------------- */

typedef struct ConnBuild {
    Lower *L;
    SqlTable *t;
    Connector conn;
    ConnArg **link;
    bool sink;
    const char *connector;
} ConnBuild;

static SqlOption *take(ConnBuild *b, const char *key)
{
    for (SqlOption *o = b->t->options; o; o = o->next)
        if (strcmp(o->key, key) == 0) {
            o->used = true;
            return o;
        }
    return NULL;
}

static void add_arg(ConnBuild *b, const char *key, Loc loc, Expr *value)
{
    ConnArg *a = arena_alloc(b->L->a, sizeof *a);
    a->key = key;
    a->loc = loc;
    a->value = value;
    *b->link = a;
    b->link = &a->next;
}

static void add_string(ConnBuild *b, const char *key, const char *value, Loc loc)
{
    add_arg(b, key, loc, sql_string(b->L->a, value, loc));
}

/* A word argument (format, on_error, start, mode), bare as a .flow writes it. */
static void add_word(ConnBuild *b, const char *key, const char *word, Loc loc)
{
    add_arg(b, key, loc, name_expr(b->L, word, loc));
}

static void add_bool(ConnBuild *b, const char *key, bool value, Loc loc)
{
    Expr *e = sql_expr(b->L->a, EX_BOOL, loc);
    e->bool_value = value;
    add_arg(b, key, loc, e);
}

static void add_int_option(ConnBuild *b, const char *key, const SqlOption *o)
{
    char *end;
    errno = 0;
    long long n = strtoll(o->value, &end, 10);
    if (end == o->value || *end || errno) {
        diag_error(b->L->d, o->value_loc, "option '%s' must be a whole number, not '%s'", o->key,
                   o->value);
        return;
    }
    Expr *e = sql_expr(b->L->a, EX_INT, o->value_loc);
    e->int_value = n;
    add_arg(b, key, o->key_loc, e);
}

/* Flink's durations: '100ms', '5 s', '1 min', '2h', '1d' (a bare number is ms): the
 * option's value in ms, else an error and false. */
static bool flink_duration(Lower *L, const SqlOption *o, int64_t *ms)
{
    static const struct { const char *unit; int64_t ms; } units[] = {
        { "ms", 1 }, { "s", 1000 }, { "sec", 1000 }, { "min", 60000 }, { "m", 60000 },
        { "h", 3600000 }, { "d", 86400000 },
    };
    char *end;
    errno = 0;
    long long n = strtoll(o->value, &end, 10);
    while (*end == ' ')
        end++;
    int64_t unit = end == o->value || errno ? 0 : !*end ? 1 : 0;
    for (size_t i = 0; unit == 0 && i < sizeof units / sizeof units[0]; i++)
        if (strcmp(end, units[i].unit) == 0)
            unit = units[i].ms;
    if (unit == 0 || end == o->value || n < 0 || n > INT64_MAX / unit) {
        diag_error(L->d, o->value_loc, "'%s' must be a duration such as '100ms', '5 s' or "
                   "'1 min', not '%s'", o->key, o->value);
        return false;
    }
    *ms = (int64_t)n * unit;
    return true;
}

static void add_duration_option(ConnBuild *b, const char *key, const SqlOption *o)
{
    int64_t ms;
    if (!flink_duration(b->L, o, &ms))
        return;
    Expr *e = sql_expr(b->L->a, EX_DURATION, o->value_loc);
    e->int_value = ms;
    add_arg(b, key, o->key_loc, e);
}

static bool option_is(const SqlOption *o, const char *value)
{
    return strcasecmp(o->value, value) == 0;
}

/* An option whose only value flowc honours is `value`. */
static void only_value(ConnBuild *b, const char *key, const char *value, const char *why)
{
    SqlOption *o = take(b, key);
    if (o && !option_is(o, value))
        not_supported(b->L->d, o->value_loc, arena_printf(b->L->a, "'%s' = '%s'", key,
                      o->value), why);
}

/* 'format' = 'csv' | 'json' and its own options (docs/sql.md, "Formats").
 * Flink stops a job at a record it cannot decode unless told to skip it,
 * and its CSV has no header line. */
static void add_format(ConnBuild *b, bool header)
{
    SqlOption *f = take(b, "format");
    if (!f)
        f = take(b, "value.format");
    if (!f) {
        diag_error(b->L->d, b->t->with_loc, "table '%s' needs a 'format' ('csv' or 'json')",
                   b->t->name);
        return;
    }
    const char *prefix = NULL;
    if (option_is(f, "csv")) {
        add_word(b, "format", "csv", f->value_loc);
        if (header)
            add_bool(b, "header", false, f->value_loc);
        prefix = "csv";
        only_value(b, "csv.field-delimiter", ",", "flowc's CSV is separated by commas");
        only_value(b, "csv.quote-character", "\"", "flowc's CSV quotes with '\"'");
        only_value(b, "csv.null-literal", "", "flowc's CSV writes null as an empty field");
    } else if (option_is(f, "json")) {
        add_word(b, "format", "jsonl", f->value_loc);
        prefix = "json";
        only_value(b, "json.fail-on-missing-field", "false",
                   "a missing member is null, and a bad record for a NOT NULL column");
        only_value(b, "json.timestamp-format.standard", "ISO-8601",
                   "flowc writes timestamps as ISO-8601");
    } else {
        not_supported(b->L->d, f->value_loc, arena_printf(b->L->a, "format '%s'", f->value),
                      "formats 'csv' and 'json'");
        return;
    }
    SqlOption *ignore = take(b, arena_printf(b->L->a, "%s.ignore-parse-errors", prefix));
    if (b->sink) {
        if (ignore)
            ignore->used = false;
        return;
    }
    bool skip = ignore && option_is(ignore, "true");
    if (ignore && !skip && !option_is(ignore, "false"))
        diag_error(b->L->d, ignore->value_loc, "option '%s' is 'true' or 'false'", ignore->key);
    add_word(b, "on_error", skip ? "skip" : "fail", ignore ? ignore->value_loc : f->value_loc);
}

static void required(ConnBuild *b, const char *key, const char *arg)
{
    SqlOption *o = take(b, key);
    if (!o)
        diag_error(b->L->d, b->t->with_loc, "connector '%s' needs the option '%s'", b->connector,
                   key);
    else
        add_string(b, arg, o->value, o->value_loc);
}

/* 'jdbc:postgresql://host[:port]/db' and the user and password options as a
 * libpq conninfo. */
static void add_jdbc_url(ConnBuild *b)
{
    SqlOption *url = take(b, "url");
    if (!url) {
        diag_error(b->L->d, b->t->with_loc, "connector 'jdbc' needs the option 'url'");
        return;
    }
    const char *pfx = "jdbc:postgresql://";
    if (strncmp(url->value, pfx, strlen(pfx)) != 0) {
        not_supported(b->L->d, url->value_loc, arena_printf(b->L->a, "'url' = '%s'", url->value),
                      "flowc's jdbc is PostgreSQL: jdbc:postgresql://HOST[:PORT]/DB");
        return;
    }
    const char *host = url->value + strlen(pfx);
    const char *slash = strchr(host, '/');
    if (!slash || !slash[1] || strchr(slash, '?')) {
        diag_error(b->L->d, url->value_loc, "write the url as jdbc:postgresql://HOST[:PORT]/DB "
                   "(with no ?parameters)");
        return;
    }
    const char *colon = memchr(host, ':', (size_t)(slash - host));
    const char *conninfo =
        colon ? arena_printf(b->L->a, "host=%.*s port=%.*s dbname=%s", (int)(colon - host), host,
                             (int)(slash - colon - 1), colon + 1, slash + 1)
              : arena_printf(b->L->a, "host=%.*s dbname=%s", (int)(slash - host), host, slash + 1);
    SqlOption *user = take(b, "username"), *password = take(b, "password");
    if (user)
        conninfo = arena_printf(b->L->a, "%s user=%s", conninfo, user->value);
    if (password)
        conninfo = arena_printf(b->L->a, "%s password=%s", conninfo, password->value);
    add_string(b, "conninfo", conninfo, url->value_loc);
}

/* The connector of table `t` read (sink false) or written: Flink's options
 * mapped onto flowc's arguments (docs/sql.md, "Connectors"); an option left
 * over is one flowc cannot honour, and an error at its place. */
static Connector build_connector(Lower *L, SqlTable *t, bool sink)
{
    ConnBuild b = { .L = L, .t = t, .sink = sink };
    b.link = &b.conn.args;
    for (SqlOption *o = t->options; o; o = o->next)
        o->used = false;
    SqlOption *c = take(&b, "connector");
    b.conn.loc = c ? c->value_loc : t->with_loc;
    if (!c) {
        diag_error(L->d, t->with_loc, "table '%s' needs a 'connector' option", t->name);
        b.conn.name = "file";
        return b.conn;
    }
    b.connector = c->value;
    const char *side = sink ? "a sink" : "a source";
    if (strcmp(c->value, "filesystem") == 0) {
        b.conn.name = "file";
        required(&b, "path", "path");
        add_format(&b, true);
    } else if (strcmp(c->value, "kafka") == 0) {
        b.conn.name = "kafka";
        required(&b, "properties.bootstrap.servers", "brokers");
        required(&b, "topic", "topic");
        SqlOption *g = sink ? NULL : take(&b, "properties.group.id");
        if (g)
            add_string(&b, "group", g->value, g->value_loc);
        SqlOption *mode = sink ? NULL : take(&b, "scan.startup.mode");
        if (mode) {
            if (option_is(mode, "earliest-offset"))
                add_word(&b, "start", "earliest", mode->value_loc);
            else if (option_is(mode, "latest-offset"))
                add_word(&b, "start", "latest", mode->value_loc);
            else
                not_supported(L->d, mode->value_loc,
                              arena_printf(L->a, "'scan.startup.mode' = '%s'", mode->value),
                              "'earliest-offset' and 'latest-offset'");
        }
        if (sink)
            only_value(&b, "sink.delivery-guarantee", "at-least-once",
                       "flowc's Kafka sink is at-least-once without checkpoints");
        add_format(&b, false);
        /* Any other librdkafka setting goes through as `properties`. */
        const char *props = NULL;
        Loc props_loc = { 0, 0 };
        for (SqlOption *o = t->options; o; o = o->next)
            if (!o->used && strncmp(o->key, "properties.", 11) == 0) {
                o->used = true;
                props = arena_printf(L->a, "%s%s%s=%s", props ? props : "", props ? ";" : "",
                                     o->key + 11, o->value);
                if (!props_loc.line)
                    props_loc = o->key_loc;
            }
        if (props)
            add_string(&b, "properties", props, props_loc);
    } else if (strcmp(c->value, "upsert-kafka") == 0) {
        /* Flink's upsert-kafka: a message per row, keyed by the PRIMARY KEY. */
        b.conn.name = "kafka";
        if (!sink)
            not_supported(L->d, c->value_loc, "connector 'upsert-kafka' as a source",
                          "read the topic as a table: 'kafka' with FOR SYSTEM_TIME AS OF");
        required(&b, "properties.bootstrap.servers", "brokers");
        required(&b, "topic", "topic");
        only_value(&b, "key.format", "raw", "flowc's message key is the key column's text");
        if (!t->pk || t->pk->next)
            diag_error(L->d, t->with_loc, "connector 'upsert-kafka' needs a PRIMARY KEY of one "
                       "column: the message key");
        else
            add_word(&b, "key", t->pk->name, t->pk_loc);
        add_format(&b, false);
    } else if (strcmp(c->value, "jdbc") == 0) {
        b.conn.name = "postgres";
        add_jdbc_url(&b);
        required(&b, "table-name", "table");
        if (sink && t->pk) {
            add_word(&b, "mode", "upsert", t->pk_loc);
            const char *key = NULL;
            for (SqlName *k = t->pk; k; k = k->next)
                key = key ? arena_printf(L->a, "%s, %s", key, k->name) : k->name;
            add_string(&b, "key", key, t->pk_loc);
        }
        SqlOption *flush = sink ? take(&b, "sink.buffer-flush.interval") : NULL;
        if (flush)
            add_duration_option(&b, "linger", flush);
    } else if (strcmp(c->value, "datagen") == 0) {
        b.conn.name = "generator";
        if (sink)
            diag_error(L->d, c->value_loc, "connector 'datagen' makes rows: it cannot be a sink");
        SqlOption *rows = take(&b, "number-of-rows");
        if (rows)
            add_int_option(&b, "count", rows);
        SqlOption *rate = take(&b, "rows-per-second");
        if (rate)
            add_int_option(&b, "rate", rate);
    } else if (strcmp(c->value, "print") == 0 || strcmp(c->value, "blackhole") == 0) {
        bool print = strcmp(c->value, "print") == 0;
        b.conn.name = print ? "stdout" : "file";
        if (!sink)
            diag_error(L->d, c->value_loc, "connector '%s' takes rows: it cannot be read",
                       c->value);
        if (!print)
            add_string(&b, "path", "/dev/null", c->value_loc);
        add_word(&b, "format", "csv", c->value_loc);
        add_bool(&b, "header", false, c->value_loc);
    } else if (strcmp(c->value, "nexmark") == 0) {
        /* One table per kind of the run (docs/sql.md, "Nexmark"). */
        b.conn.name = "nexmark";
        if (sink)
            diag_error(L->d, c->value_loc, "connector 'nexmark' makes rows: it cannot be a sink");
        required(&b, "kind", "kind");
        SqlOption *events = take(&b, "events.num");
        if (events)
            add_int_option(&b, "events", events);
        SqlOption *pace = take(&b, "first-event.rate");
        if (pace)
            add_int_option(&b, "events_per_second", pace);
        SqlOption *seed = take(&b, "seed");
        if (seed)
            add_int_option(&b, "seed", seed);
        SqlOption *rate = take(&b, "rows-per-second");
        if (rate)
            add_int_option(&b, "rate", rate);
    } else {
        const char *why = "connectors 'filesystem', 'kafka', 'upsert-kafka', 'jdbc', "
                          "'datagen', 'nexmark', 'print', 'blackhole'";
        not_supported(L->d, c->value_loc, arena_printf(L->a, "connector '%s'", c->value), why);
        b.conn.name = "file";
        return b.conn;
    }
    for (SqlOption *o = t->options; o; o = o->next)
        if (!o->used)
            not_supported(L->d, o->key_loc,
                          arena_printf(L->a, "option '%s' of connector '%s' as %s", o->key,
                                       c->value, side),
                          "docs/sql.md lists the options flowc honours");
    return b.conn;
}

/* Built once per side, so that a table written by several INSERTs has its
 * options reported once. */
static Connector table_connector(Lower *L, SqlTable *t, bool sink)
{
    if (!t->have_conn[sink]) {
        t->conn[sink] = build_connector(L, t, sink);
        t->have_conn[sink] = true;
    }
    return t->conn[sink];
}

/* The source declaration of table `t`, made the first time a query reads it. */
static Decl *table_source(Lower *L, SqlTable *t)
{
    if (t->source && t->source->kind == DECL_TABLE)
        diag_error(L->d, t->name_loc, "table '%s' is both looked up (FOR SYSTEM_TIME AS OF) "
                   "and read as a stream: declare two tables", t->name);
    if (t->source)
        return t->source;
    Decl *schema = table_schema(L, t);
    Decl *s = new_decl(L, DECL_SOURCE, t->loc, fresh_name(L, t->name), t->name_loc);
    s->source.schema_ref = new_ref(L, schema->name, t->name_loc);
    s->source.conn = table_connector(L, t, false);
    s->source.event_time_field = -1;
    s->source.key_field = -1;
    if (t->has_watermark) {
        s->source.event_time = t->wm_col;
        s->source.event_time_loc = t->wm_loc;
        s->source.has_watermark = true;
        s->source.watermark = (DurationArg){ .ms = t->wm_delay, .loc = t->wm_loc };
    }
    add_decl(L, s);
    t->source = s;
    return s;
}

/* The table declaration of `t`, the right side of a lookup join: its rows
 * found by its PRIMARY KEY. */
static Decl *table_lookup(Lower *L, SqlTable *t, Loc use)
{
    if (t->source) {
        if (t->source->kind != DECL_TABLE)
            diag_error(L->d, use, "table '%s' is both looked up (FOR SYSTEM_TIME AS OF) and read "
                       "as a stream: declare two tables", t->name);
        return t->source;
    }
    if (!t->pk || t->pk->next) {
        diag_error(L->d, use, "table '%s' is looked up by its key: declare one column PRIMARY "
                   "KEY (...) NOT ENFORCED", t->name);
        return NULL;
    }
    if (t->has_watermark) {
        not_supported(L->d, use, "an event-time temporal join (the table has a WATERMARK)",
                      "flowc looks up the table's current row, as a lookup join does");
        return NULL;
    }
    Decl *schema = table_schema(L, t);
    Decl *d = new_decl(L, DECL_TABLE, t->loc, fresh_name(L, t->name), t->name_loc);
    d->source.schema_ref = new_ref(L, schema->name, t->name_loc);
    d->source.conn = table_connector(L, t, false);
    d->source.event_time_field = -1;
    d->source.key = t->pk->name;
    d->source.key_loc = t->pk->loc;
    d->source.key_field = -1;
    add_decl(L, d);
    t->source = d;
    return d;
}

/* ---- Expressions ---------------------------------------------------------------------------- */

/* Where an expression is: over the input's rows, inside an aggregate's
 * argument, or over a window aggregate's results. */
typedef enum Place { AT_ROW, AT_AGG_ARG, AT_RESULT } Place;

typedef struct Scope {
    Place place;
    const SqlTable *table;   /* the FROM table, for column checks; NULL when not known */
    const char *input;       /* its name as a qualifier */
    const char *alias;
    const char *right;       /* a join: the right side's alias or name */
    bool window;             /* a window TVF: window_start, window_end exist */
    int64_t wjoin;           /* a window join: the size of its windows (ms); 0 otherwise */
    const char *wj_time[2];  /* a window join: the left and right sides' time columns */
    Expr *keys;              /* AT_RESULT: the GROUP BY columns other than the window's */
    Item *first_agg;         /* AT_RESULT: the aggregates so far */
    Item **aggs;             /* AT_RESULT: where new aggregates are appended */
    int naggs;
    const char *agg_name;    /* the name for the next aggregate when it is a whole item */
} Scope;

static Expr *lower_expr(Lower *L, Scope *s, Expr *e);

typedef enum FnKind {
    FN_RENAME,     /* the Flow function `flow` */
    FN_AGG,        /* the aggregate `flow` */
    FN_DOW,        /* DAYOFWEEK: Sunday 1 ... Saturday 7 */
    FN_MOD,
    FN_SPLIT_INDEX, /* SPLIT_INDEX(s, sep, i): i counts from 0, split_part's from 1 */
    FN_DATEFMT,    /* DATE_FORMAT(ts, 'Java pattern') */
    FN_TOTS,       /* TO_TIMESTAMP(s [, 'Java pattern']) */
    FN_NOT_HERE,   /* a Flink function flowc lacks */
    FN_COUNT_CHAR, /* Nexmark's CountChar(s, c): the bytes of s equal to c's first */
} FnKind;

typedef struct SqlFn {
    const char *sql;
    FnKind kind;
    const char *flow;
} SqlFn;

/* Flink's names of the functions flowc has (docs/sql.md, "Functions"). */
static const SqlFn sql_fns[] = {
    { "ABS", FN_RENAME, "abs" }, { "UPPER", FN_RENAME, "upper" },
    { "LOWER", FN_RENAME, "lower" }, { "CHAR_LENGTH", FN_RENAME, "length" },
    { "CHARACTER_LENGTH", FN_RENAME, "length" }, { "CONCAT", FN_RENAME, "concat" },
    { "IF", FN_RENAME, "if" }, { "COALESCE", FN_RENAME, "coalesce" },
    { "IFNULL", FN_RENAME, "coalesce" }, { "REPLACE", FN_RENAME, "replace" },
    { "LTRIM", FN_RENAME, "ltrim" }, { "RTRIM", FN_RENAME, "rtrim" },
    { "LPAD", FN_RENAME, "lpad" }, { "RPAD", FN_RENAME, "rpad" },
    { "REGEXP", FN_RENAME, "regexp_like" }, { "REGEXP_EXTRACT", FN_RENAME, "regexp_extract" },
    { "REGEXP_REPLACE", FN_RENAME, "regexp_replace" }, { "ROUND", FN_RENAME, "round" },
    { "SQRT", FN_RENAME, "sqrt" }, { "POWER", FN_RENAME, "pow" }, { "LN", FN_RENAME, "ln" },
    { "LOG10", FN_RENAME, "log10" }, { "EXP", FN_RENAME, "exp" }, { "SIGN", FN_RENAME, "sign" },
    { "GREATEST", FN_RENAME, "greatest" }, { "LEAST", FN_RENAME, "least" },
    { "YEAR", FN_RENAME, "year" }, { "MONTH", FN_RENAME, "month" },
    { "DAYOFMONTH", FN_RENAME, "day" }, { "HOUR", FN_RENAME, "hour" },
    { "MINUTE", FN_RENAME, "minute" }, { "SECOND", FN_RENAME, "second" },
    { "DAYOFWEEK", FN_DOW, NULL }, { "MOD", FN_MOD, NULL },
    { "DATE_FORMAT", FN_DATEFMT, NULL }, { "TO_TIMESTAMP", FN_TOTS, NULL },
    { "COUNT", FN_AGG, "count" }, { "SUM", FN_AGG, "sum" }, { "MIN", FN_AGG, "min" },
    { "MAX", FN_AGG, "max" }, { "AVG", FN_AGG, "avg" }, { "FIRST_VALUE", FN_AGG, "first" },
    { "LAST_VALUE", FN_AGG, "last" }, { "STDDEV_POP", FN_AGG, "stddev_pop" },
    { "STDDEV_SAMP", FN_AGG, "stddev_samp" }, { "STDDEV", FN_AGG, "stddev" },
    { "VAR_POP", FN_AGG, "var_pop" }, { "VAR_SAMP", FN_AGG, "var_samp" },
    { "VARIANCE", FN_AGG, "variance" },
    { "NOW", FN_NOT_HERE, NULL }, { "CURRENT_TIMESTAMP", FN_NOT_HERE, NULL },
    { "LOCALTIMESTAMP", FN_NOT_HERE, NULL }, { "PROCTIME", FN_NOT_HERE, NULL },
    { "UNIX_TIMESTAMP", FN_NOT_HERE, NULL }, { "FROM_UNIXTIME", FN_NOT_HERE, NULL },
    { "TO_DATE", FN_NOT_HERE, NULL }, { "MD5", FN_NOT_HERE, NULL },
    { "SHA256", FN_NOT_HERE, NULL }, { "INITCAP", FN_NOT_HERE, NULL },
    { "SPLIT_INDEX", FN_SPLIT_INDEX, NULL }, { "LISTAGG", FN_NOT_HERE, NULL },
    { "COLLECT", FN_NOT_HERE, NULL }, { "UUID", FN_NOT_HERE, NULL },
    { "RAND", FN_NOT_HERE, NULL }, { "JSON_VALUE", FN_NOT_HERE, NULL },
};

static const SqlFn *find_fn(const char *name)
{
    for (size_t i = 0; i < sizeof sql_fns / sizeof sql_fns[0]; i++)
        if (strcmp(sql_fns[i].sql, name) == 0)
            return &sql_fns[i];
    return NULL;
}

static const char *const *fn_names(Lower *L)
{
    size_t n = sizeof sql_fns / sizeof sql_fns[0];
    const char **names = arena_alloc(L->a, sizeof *names * (n + 1));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (sql_fns[i].kind != FN_NOT_HERE)
            names[k++] = sql_fns[i].sql;
    return names;
}

/* A Java DateTimeFormatter pattern as Flow's strftime-style one, or NULL
 * after an error at `loc` (docs/sql.md, "DATE_FORMAT"). */
static const char *java_pattern(Lower *L, const char *java, Loc loc)
{
    static const struct { const char *java, *flow; } parts[] = {
        { "yyyy", "%Y" }, { "yy", "%y" }, { "MMM", "%b" }, { "MM", "%m" }, { "dd", "%d" },
        { "HH", "%H" }, { "mm", "%M" }, { "ss", "%S" }, { "SSS", "%3N" }, { "EEE", "%a" },
        { "DDD", "%j" }, { "XXX", "%z" }, { "Z", "%z" },
    };
    char *out = arena_alloc(L->a, strlen(java) * 3 + 1);
    size_t n = 0;
    for (const char *p = java; *p;) {
        if (*p == '\'') {
            for (p++; *p && *p != '\''; p++)
                out[n++] = *p;
            if (*p)
                p++;
            continue;
        }
        if (!isalpha((unsigned char)*p)) {
            if (*p == '%')
                out[n++] = '%';
            out[n++] = *p++;
            continue;
        }
        size_t run = 1;
        while (p[run] == *p)
            run++;
        const char *flow = NULL;
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
            if (strlen(parts[i].java) == run && strncmp(parts[i].java, p, run) == 0)
                flow = parts[i].flow;
        if (!flow) {
            not_supported(L->d, loc, arena_printf(L->a, "pattern letters '%.*s'", (int)run, p),
                          "yyyy, yy, MM, MMM, dd, HH, mm, ss, SSS, EEE, DDD, XXX and 'text'");
            return NULL;
        }
        memcpy(out + n, flow, strlen(flow));
        n += strlen(flow);
        p += run;
    }
    out[n] = '\0';
    return out;
}

static Expr *pattern_arg(Lower *L, Expr *arg, const char *fn)
{
    if (arg->kind != EX_STRING) {
        diag_unsupported(L->d, arg->loc, arena_printf(L->a, "%s with a pattern that is not a "
                         "literal", fn), "the pattern is translated at compile time");
        return arg;
    }
    const char *flow = java_pattern(L, arg->string.chars, arg->loc);
    return flow ? sql_string(L->a, flow, arg->loc) : arg;
}

static bool is_window_col(const char *name)
{
    return strcmp(name, "window_start") == 0 || strcmp(name, "window_end") == 0 ||
           strcmp(name, "window_time") == 0;
}

static bool is_key(const Scope *s, const char *name)
{
    for (Expr *k = s->keys; k; k = k->next)
        if (strcmp(k->name.name, name) == 0)
            return true;
    return false;
}

static Expr *int_expr(Lower *L, int64_t v, Loc loc)
{
    Expr *e = sql_expr(L->a, EX_INT, loc);
    e->int_value = v;
    return e;
}

static Expr *binary_expr(Lower *L, BinaryOp op, Expr *lhs, Expr *rhs, Loc loc)
{
    Expr *e = sql_expr(L->a, EX_BINARY, loc);
    e->binary.op = op;
    e->binary.lhs = lhs;
    e->binary.rhs = rhs;
    return e;
}

static Expr *call1(Lower *L, const char *fn, Expr *arg, Loc loc)
{
    Expr *e = sql_expr(L->a, EX_CALL, loc);
    e->call.name = fn;
    e->call.args = arg;
    e->call.nargs = 1;
    return e;
}

/* L.window_start of a window join: Flow's window join has no window
 * columns, so each is computed from the side's time, in the epoch-aligned
 * tumbling window of the join: timestamp(int64(L.ts) / SIZE * SIZE + OFFSET). */
static Expr *window_join_col(Lower *L, Scope *s, Expr *e)
{
    const char *q = e->name.qualifier, *name = e->name.name;
    int side = !q ? -1 : strcmp(q, s->right) == 0 ? 1 : 0;
    if (side < 0) {
        diag_error(L->d, e->loc, "'%s' of a window join is each side's: write it qualified, "
                   "COALESCE(l.%s, r.%s) for a FULL JOIN", name, name, name);
        return e;
    }
    Expr *t = name_expr(L, s->wj_time[side], e->loc);
    t->name.qualifier = q;
    Expr *start = binary_expr(L, BIN_MUL, binary_expr(L, BIN_DIV, call1(L, "int64", t, e->loc),
                              int_expr(L, s->wjoin, e->loc), e->loc),
                              int_expr(L, s->wjoin, e->loc), e->loc);
    int64_t off = strcmp(name, "window_start") == 0 ? 0
                  : strcmp(name, "window_end") == 0 ? s->wjoin
                                                     : s->wjoin - 1;
    if (off)
        start = binary_expr(L, BIN_ADD, start, int_expr(L, off, e->loc), e->loc);
    return call1(L, "timestamp", start, e->loc);
}

static Expr *lower_name(Lower *L, Scope *s, Expr *e)
{
    const char *q = e->name.qualifier, *name = e->name.name;
    if (s->wjoin && is_window_col(name))
        return window_join_col(L, s, e);
    if (q && !(s->alias && strcmp(q, s->alias) == 0) && !(s->input && strcmp(q, s->input) == 0) &&
        !(s->right && strcmp(q, s->right) == 0)) {
        const char *cands[4] = { s->right, s->alias ? s->alias : s->input,
                                 s->alias ? s->input : NULL, NULL };
        if (!s->right)
            cands[0] = cands[1], cands[1] = cands[2], cands[2] = NULL;
        unknown(L, e->loc, "table or alias", q, cands);
        return e;
    }
    if (s->place == AT_RESULT) {
        e->name.qualifier = NULL;
        if (s->window && strcmp(name, "window_time") == 0) {
            /* The window's time attribute, window_end - 1ms: the results' event time. */
            Expr *one = sql_expr(L->a, EX_INT, e->loc);
            one->int_value = 1;
            Expr *b = sql_expr(L->a, EX_BINARY, e->loc);
            b->binary.op = BIN_SUB;
            b->binary.lhs = name_expr(L, "window_end", e->loc);
            b->binary.rhs = one;
            return b;
        }
        if (!(s->window && is_window_col(name)) && !is_key(s, name))
            diag_error(L->d, e->loc, "column '%s' is neither in GROUP BY nor inside an aggregate",
                       name);
        return e;
    }
    if (s->window && is_window_col(name)) {
        diag_error(L->d, e->loc, "'%s' exists only after GROUP BY window_start, window_end", name);
        return e;
    }
    if (s->table) {
        SqlColumn *c = find_column(s->table, name);
        if (c && c->proctime)
            not_supported(L->d, e->loc, arena_printf(L->a, "reading the PROCTIME() column '%s'",
                          name), "it is a window's time column, DESCRIPTOR(...), only");
    }
    return e;
}

/* The same expression, written again (HAVING SUM(x) beside SELECT SUM(x)). */
static bool same_expr(const Expr *a, const Expr *b)
{
    if (!a || !b)
        return a == b;
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case EX_INT:
    case EX_DURATION:
        return a->int_value == b->int_value;
    case EX_FLOAT:
        return a->float_value == b->float_value;
    case EX_BOOL:
        return a->bool_value == b->bool_value;
    case EX_STRING:
        return a->string.len == b->string.len &&
               memcmp(a->string.chars, b->string.chars, (size_t)a->string.len) == 0;
    case EX_NAME:
        return strcmp(a->name.name, b->name.name) == 0 &&
               !a->name.qualifier == !b->name.qualifier &&
               (!a->name.qualifier || strcmp(a->name.qualifier, b->name.qualifier) == 0);
    case EX_UNARY:
        return a->unary.op == b->unary.op && same_expr(a->unary.operand, b->unary.operand);
    case EX_BINARY:
        return a->binary.op == b->binary.op && same_expr(a->binary.lhs, b->binary.lhs) &&
               same_expr(a->binary.rhs, b->binary.rhs);
    case EX_CALL: {
        if (strcmp(a->call.name, b->call.name) != 0 || a->call.nargs != b->call.nargs)
            return false;
        for (const Expr *x = a->call.args, *y = b->call.args; x; x = x->next, y = y->next)
            if (!same_expr(x, y))
                return false;
        return true;
    }
    case EX_BETWEEN:
    case EX_IN:
    case EX_CASE:
    case EX_IS_NULL: {
        if (a->form.nops != b->form.nops || a->form.negated != b->form.negated ||
            a->form.has_subject != b->form.has_subject || a->form.has_else != b->form.has_else)
            return false;
        for (const Expr *x = a->form.ops, *y = b->form.ops; x; x = x->next, y = y->next)
            if (!same_expr(x, y))
                return false;
        return true;
    }
    }
    return false;
}

static Expr *lower_agg(Lower *L, Scope *s, Expr *e, const char *agg)
{
    if (s->place != AT_RESULT) {
        if (s->place == AT_AGG_ARG)
            diag_error(L->d, e->loc, "an aggregate cannot be inside another one");
        else
            diag_unsupported(L->d, e->loc, arena_printf(L->a, "%s without a window",
                             e->call.name),
                             "group aggregates need a window TVF: GROUP BY window_start, "
                             "window_end, ... (updating results are not compiled from SQL)");
        return e;
    }
    if (e->call.nargs > 1) {
        diag_error(L->d, e->loc, "%s takes one argument", e->call.name);
        return e;
    }
    Scope arg = *s;
    arg.place = AT_AGG_ARG;
    Expr *x = e->call.args ? lower_expr(L, &arg, e->call.args) : NULL;
    if (!s->agg_name)
        for (Item *it = s->first_agg; it; it = it->next)
            if (strcmp(it->agg_name, agg) == 0 && same_expr(it->expr, x))
                return name_expr(L, it->name, e->loc);
    const char *name = s->agg_name ? s->agg_name : arena_printf(L->a, "agg_%d", s->naggs + 1);
    s->agg_name = NULL;
    Item *it = new_item(L, name, e->loc, x);
    it->agg_name = agg;
    it->agg_loc = e->loc;
    *s->aggs = it;
    s->aggs = &it->next;
    if (!s->first_agg)
        s->first_agg = it;
    s->naggs++;
    return name_expr(L, name, e->loc);
}

static void lower_args(Lower *L, Scope *s, Expr **link)
{
    for (; *link; link = &(*link)->next) {
        Expr *rest = (*link)->next;
        Expr *x = lower_expr(L, s, *link);
        x->next = rest;
        *link = x;
    }
}

static Expr *lower_call(Lower *L, Scope *s, Expr *e);

/* agg(x) FILTER (WHERE c) is agg(CASE WHEN c THEN x END), COUNT(*)'s x a 1:
 * every aggregate skips the nulls (docs/sql.md, "Aggregates"). */
static Expr *lower_filter(Lower *L, Scope *s, Expr *e)
{
    Expr *agg = e->call.args, *cond = agg->next;
    agg->next = NULL;
    const SqlFn *fn = agg->kind == EX_CALL ? find_fn(agg->call.name) : NULL;
    if (agg->kind != EX_CALL || !((fn && fn->kind == FN_AGG) ||
                                  strcmp(agg->call.name, "@count_distinct") == 0)) {
        diag_error(L->d, e->loc, "FILTER (WHERE ...) follows an aggregate function's call");
        return agg;
    }
    if (agg->call.nargs > 1)
        return lower_call(L, s, agg); /* lower_agg says that it takes one */
    Expr *x = agg->call.args;
    if (!x) {
        x = sql_expr(L->a, EX_INT, e->loc);
        x->int_value = 1;
    }
    cond->next = x;
    x->next = NULL;
    Expr *when = sql_expr(L->a, EX_CASE, e->loc);
    when->form.ops = cond;
    when->form.nops = 2;
    agg->call.args = when;
    agg->call.nargs = 1;
    return lower_call(L, s, agg);
}

/* The Java classes of user-defined functions that flowc compiles as its own
 * (docs/sql.md, "Functions of Java classes"). */
static const struct {
    const char *cls;
    FnKind kind;
} java_fns[] = {
    { "com.github.nexmark.flink.udf.CountChar", FN_COUNT_CHAR },
};

/* CREATE FUNCTION name AS 'class': the name calls what flowc has for the
 * class, from the statements after it on. */
static void lower_create_function(Lower *L, const SqlStmt *st)
{
    for (const SqlUdf *u = L->udfs; u; u = u->next)
        if (strcmp(u->name, st->fn_name) == 0) {
            if (st->fn_if_not_exists)
                return;
            diag_error(L->d, st->fn_loc, "function '%s' is already declared", st->fn_name);
            diag_note(L->d, u->loc, "'%s' is declared here", u->name);
            return;
        }
    for (size_t i = 0; i < sizeof java_fns / sizeof java_fns[0]; i++)
        if (strcmp(java_fns[i].cls, st->fn_class) == 0) {
            SqlUdf *u = arena_alloc(L->a, sizeof *u);
            *u = (SqlUdf){ st->fn_name, java_fns[i].kind, st->fn_loc, L->udfs };
            L->udfs = u;
            return;
        }
    diag_unsupported(L->d, st->fn_class_loc,
                     arena_printf(L->a, "Java class %s", st->fn_class),
                     "flowc runs no Java; docs/sql.md lists the classes it compiles");
}

/* Nexmark's count_char(s, 'c'): how many times the character is in s, as
 * length(s) - length(replace(s, "c", "")); the character is a one-byte
 * string literal (CountChar compares bytes with the literal's first), and a
 * null s counts 0, as CountChar does. */
static Expr *lower_count_char(Lower *L, Scope *s, Expr *e)
{
    Expr *c = e->call.nargs == 2 ? e->call.args->next : NULL;
    if (!c || c->kind != EX_STRING || c->string.len != 1 ||
        (unsigned char)c->string.chars[0] >= 0x80) {
        diag_error(L->d, c ? c->loc : e->loc, "%s takes a string and a one-character string "
                   "literal of ASCII, count_char(extra, 'c')", e->call.name);
        return e;
    }
    lower_args(L, s, &e->call.args);
    Expr *str = e->call.args;
    /* s twice: the second a copy of its node (the two share what is under it). */
    Expr *again = arena_alloc(L->a, sizeof *again);
    *again = *str;
    again->next = NULL;
    Expr *kept = e;
    kept->call.name = "replace";
    c->next = sql_string(L->a, "", c->loc);
    kept->call.nargs = 3;
    Expr *diff = binary_expr(L, BIN_SUB, call1(L, "length", again, e->loc),
                             call1(L, "length", kept, e->loc), e->loc);
    Expr *zero = int_expr(L, 0, e->loc);
    diff->next = zero;
    Expr *total = call1(L, "coalesce", diff, e->loc);
    total->call.nargs = 2;
    return total;
}

static Expr *lower_fn(Lower *L, Scope *s, Expr *e, const SqlFn *fn);

static Expr *lower_call(Lower *L, Scope *s, Expr *e)
{
    const char *name = e->call.name;
    if (strcmp(name, "@filter") == 0)
        return lower_filter(L, s, e);
    if (strcmp(name, "@null") == 0) {
        diag_unsupported(L->d, e->loc, "NULL here",
                         "flowc has no untyped null; a CASE without ELSE, or ELSE NULL, gives one");
        return e;
    }
    if (strcmp(name, "@count_distinct") == 0)
        return lower_agg(L, s, e, "count_distinct");
    if (strcmp(name, "@row_number") == 0) {
        diag_unsupported(L->d, e->loc, "ROW_NUMBER() OVER (...) here",
                         "it is compiled as Top-N: SELECT ... FROM (SELECT ..., ROW_NUMBER() "
                         "OVER (PARTITION BY ... ORDER BY ...) AS rn FROM t) WHERE rn <= N");
        return e;
    }
    if (name[0] == '@') {
        e->call.name = name + 1;
        lower_args(L, s, &e->call.args);
        return e;
    }
    for (const SqlUdf *u = L->udfs; u; u = u->next)
        if (strcmp(u->name, name) == 0)
            return lower_fn(L, s, e, &(SqlFn){ name, (FnKind)u->kind, NULL });
    const SqlFn *fn = find_fn(name);
    for (const SqlStmt *st = L->sp->stmts; !fn && st; st = st->next)
        if (st->kind == STMT_CREATE_FUNCTION && strcmp(st->fn_name, name) == 0) {
            diag_error(L->d, e->loc, "function '%s' is used before its CREATE FUNCTION", name);
            diag_note(L->d, st->fn_loc, "'%s' is declared here", name);
            return e;
        }
    if (!fn) {
        unknown(L, e->loc, "function", name, fn_names(L));
        return e;
    }
    return lower_fn(L, s, e, fn);
}

/* The call e of the function fn. */
static Expr *lower_fn(Lower *L, Scope *s, Expr *e, const SqlFn *fn)
{
    const char *name = e->call.name;
    switch (fn->kind) {
    case FN_AGG:
        return lower_agg(L, s, e, fn->flow);
    case FN_RENAME:
        e->call.name = fn->flow;
        lower_args(L, s, &e->call.args);
        return e;
    case FN_DOW: {
        /* Flink's DAYOFWEEK is Sunday 1 ... Saturday 7; Flow's ISO Monday 1 ... Sunday 7. */
        e->call.name = "day_of_week";
        lower_args(L, s, &e->call.args);
        Expr *seven = sql_expr(L->a, EX_INT, e->loc), *one = sql_expr(L->a, EX_INT, e->loc);
        seven->int_value = 7;
        one->int_value = 1;
        Expr *mod = sql_expr(L->a, EX_BINARY, e->loc), *add = sql_expr(L->a, EX_BINARY, e->loc);
        mod->binary.op = BIN_MOD;
        mod->binary.lhs = e;
        mod->binary.rhs = seven;
        add->binary.op = BIN_ADD;
        add->binary.lhs = mod;
        add->binary.rhs = one;
        return add;
    }
    case FN_MOD: {
        if (e->call.nargs != 2) {
            diag_error(L->d, e->loc, "MOD takes two arguments");
            return e;
        }
        lower_args(L, s, &e->call.args);
        Expr *b = sql_expr(L->a, EX_BINARY, e->loc);
        b->binary.op = BIN_MOD;
        b->binary.lhs = e->call.args;
        b->binary.rhs = e->call.args->next;
        return b;
    }
    case FN_SPLIT_INDEX: {
        if (e->call.nargs != 3) {
            diag_error(L->d, e->loc, "SPLIT_INDEX takes a string, a separator and an index");
            return e;
        }
        lower_args(L, s, &e->call.args);
        Expr *sep = e->call.args->next, *i = sep->next;
        sep->next = binary_expr(L, BIN_ADD, i, int_expr(L, 1, i->loc), i->loc);
        e->call.name = "split_part";
        return e;
    }
    case FN_DATEFMT:
        if (e->call.nargs != 2) {
            diag_error(L->d, e->loc, "DATE_FORMAT takes a timestamp and a pattern");
            return e;
        }
        e->call.name = "format_timestamp";
        lower_args(L, s, &e->call.args);
        e->call.args->next = pattern_arg(L, e->call.args->next, "DATE_FORMAT");
        return e;
    case FN_TOTS:
        if (e->call.nargs < 1 || e->call.nargs > 2) {
            diag_error(L->d, e->loc, "TO_TIMESTAMP takes a string and an optional pattern");
            return e;
        }
        e->call.name = "parse_timestamp";
        lower_args(L, s, &e->call.args);
        if (e->call.nargs == 1) {
            e->call.args->next = sql_string(L->a, "%Y-%m-%d %H:%M:%S", e->loc);
            e->call.nargs = 2;
        } else {
            e->call.args->next = pattern_arg(L, e->call.args->next, "TO_TIMESTAMP");
        }
        return e;
    case FN_NOT_HERE:
        diag_unsupported(L->d, e->loc, arena_printf(L->a, "function %s", name),
                         "docs/sql.md lists the functions flowc has");
        return e;
    case FN_COUNT_CHAR:
        return lower_count_char(L, s, e);
    }
    return e;
}

static Expr *lower_expr(Lower *L, Scope *s, Expr *e)
{
    switch (e->kind) {
    case EX_INT:
    case EX_FLOAT:
    case EX_STRING:
    case EX_BOOL:
    case EX_DURATION:
        return e;
    case EX_NAME:
        return lower_name(L, s, e);
    case EX_UNARY:
        e->unary.operand = lower_expr(L, s, e->unary.operand);
        return e;
    case EX_BINARY:
        e->binary.lhs = lower_expr(L, s, e->binary.lhs);
        e->binary.rhs = lower_expr(L, s, e->binary.rhs);
        return e;
    case EX_CALL:
        return lower_call(L, s, e);
    case EX_BETWEEN:
    case EX_IN:
    case EX_CASE:
    case EX_IS_NULL:
        lower_args(L, s, &e->form.ops);
        return e;
    }
    return e;
}

/* ---- Queries -------------------------------------------------------------------------------- */

static Decl *lower_query(Lower *L, SqlQuery *q, const char *name, Loc loc, SqlTable *sink);

/* The stream (or source) a FROM reads, lowering a view the first time. */
static const char *view_stream(Lower *L, SqlTable *t, Loc loc);

static const char *lower_input(Lower *L, const char *name, Loc loc, SqlTable **table)
{
    SqlTable *t = find_table(L, name, loc);
    *table = t;
    if (!t)
        return NULL;
    if (!t->is_view)
        return table_source(L, t)->name;
    return view_stream(L, t, loc);
}

/* A subquery joined with a table or view: a view of its own, seen by this
 * join only, named after its alias (docs/sql.md, "Joins"); the stream it
 * makes, with the view in *table. */
static const char *subquery_input(Lower *L, const SqlFrom *side, SqlTable **table)
{
    if (!side->alias) {
        diag_error(L->d, side->loc, "a subquery in a join needs an alias: (SELECT ...) AS x");
        return NULL;
    }
    SqlTable *v = arena_alloc(L->a, sizeof *v);
    v->is_view = true;
    v->name = side->alias;
    v->loc = v->name_loc = side->loc;
    v->query = side->query;
    *table = v;
    return view_stream(L, v, side->loc);
}

/* The stream of view t, lowered at its first use. */
static const char *view_stream(Lower *L, SqlTable *t, Loc loc)
{
    if (t->lowering) {
        diag_error(L->d, loc, "view '%s' reads itself", t->name);
        return NULL;
    }
    if (!t->stream) {
        t->lowering = true;
        t->stream = lower_query(L, t->query, fresh_name(L, t->name), t->name_loc, NULL);
        t->lowering = false;
    }
    return t->stream ? t->stream->name : NULL;
}

/* The name of output column `i`: the sink's column, else the alias, else the
 * bare column's name. */
static const char *item_name(Lower *L, const SqlItem *it, const SqlColumn *sink_col)
{
    if (sink_col)
        return sink_col->name;
    if (it->alias)
        return it->alias;
    if (it->expr && it->expr->kind == EX_NAME)
        return it->expr->name.name;
    diag_error(L->d, it->loc, "this column needs a name: write ... AS name");
    return arena_printf(L->a, "column_%d", it->loc.col);
}

static const SqlColumn *next_sink_col(const SqlColumn *c)
{
    while (c && c->proctime)
        c = c->next;
    return c;
}

/* The `select` of a SELECT list of plain expressions, each named after the
 * sink's column, the row kind `op` first when `changelog`; NULL after an
 * error at a `*`, which names `star` and says `why`. */
static Op *select_op(Lower *L, Scope *s, const SqlQuery *q, const SqlTable *sink, bool changelog,
                     const char *star, const char *why)
{
    Item *items = NULL, **ilink = &items;
    if (changelog) {
        *ilink = new_item(L, "op", q->loc, name_expr(L, "op", q->loc));
        ilink = &(*ilink)->next;
    }
    const SqlColumn *sc = sink ? next_sink_col(sink->cols) : NULL;
    for (const SqlItem *it = q->items; it; it = it->next) {
        if (!it->expr) {
            diag_unsupported(L->d, it->loc, star, why);
            return NULL;
        }
        Item *item = new_item(L, item_name(L, it, sc), it->loc, lower_expr(L, s, it->expr));
        *ilink = item;
        ilink = &item->next;
        if (sc)
            sc = next_sink_col(sc->next);
    }
    Op *sel = new_op(L, OP_SELECT, q->loc);
    sel->select = items;
    return sel;
}

/* Appends op to the list at *tail. */
static void push_op(Op ***tail, Op *op)
{
    **tail = op;
    *tail = &op->next;
}

static bool is_bare(const Expr *e, const char *name)
{
    return e && e->kind == EX_NAME && !e->name.qualifier && strcmp(e->name.name, name) == 0;
}

/* A select that gives the record it is given is left out, so that the plan
 * is the one a hand-written twin has. */
static bool identity_select(const Item *items, const char *const *cols)
{
    if (!cols)
        return false;
    const Item *it = items;
    for (int i = 0; cols[i]; i++, it = it->next)
        if (!it || strcmp(it->name, cols[i]) != 0 || !is_bare(it->expr, cols[i]))
            return false;
    return it == NULL;
}

/* The columns of a table, or of a view as its SELECT names them; NULL
 * when not known (SELECT * of a subquery). */
static const char **table_cols(Lower *L, const SqlTable *t)
{
    if (!t->is_view)
        return column_names(L, t);
    int n = 0;
    for (const SqlItem *it = t->query->items; it; it = it->next)
        n++;
    const char **names = arena_alloc(L->a, sizeof *names * (size_t)(n + 1));
    n = 0;
    for (const SqlItem *it = t->query->items; it; it = it->next) {
        if (it->alias)
            names[n++] = it->alias;
        else if (it->expr && it->expr->kind == EX_NAME)
            names[n++] = it->expr->name.name;
        else
            return NULL;
    }
    return names;
}

static bool in_cols(const char *const *cols, const char *name)
{
    for (; cols && *cols; cols++)
        if (strcmp(*cols, name) == 0)
            return true;
    return false;
}

typedef struct JoinSides {
    const char *lq, *rq;           /* the qualifiers of the two sides */
    const char **lcols, **rcols;
} JoinSides;

/* `x.*` in a join's select list: every column of side x, qualified
 * (Nexmark q9's `A.*`); false after an error. */
static bool expand_side_stars(Lower *L, SqlQuery *q, const JoinSides *j)
{
    for (SqlItem **link = &q->items; *link;) {
        SqlItem *it = *link;
        if (!it->star_of) {
            link = &it->next;
            continue;
        }
        bool left = strcmp(it->star_of, j->lq) == 0;
        if (!left && strcmp(it->star_of, j->rq) != 0) {
            const char *cands[3] = { j->lq, j->rq, NULL };
            unknown(L, it->loc, "table or alias", it->star_of, cands);
            return false;
        }
        const char **cols = left ? j->lcols : j->rcols;
        if (!cols) {
            diag_error(L->d, it->loc, "%s.* of a view whose columns are not all named",
                       it->star_of);
            return false;
        }
        SqlItem *after = it->next;
        for (; *cols; cols++) {
            SqlItem *c = arena_alloc(L->a, sizeof *c);
            c->loc = it->loc;
            c->expr = name_expr(L, *cols, it->loc);
            c->expr->name.qualifier = it->star_of;
            *link = c;
            link = &c->next;
        }
        *link = after;
    }
    return true;
}

/* Which sides an expression reads: bit 1 the left, bit 2 the right. */
static int sides_of(const JoinSides *j, const Expr *e)
{
    switch (e->kind) {
    case EX_NAME:
        if (e->name.qualifier)
            return strcmp(e->name.qualifier, j->lq) == 0   ? 1
                   : strcmp(e->name.qualifier, j->rq) == 0 ? 2
                                                           : 0;
        return (in_cols(j->lcols, e->name.name) ? 1 : 0) |
               (in_cols(j->rcols, e->name.name) ? 2 : 0);
    case EX_UNARY:
        return sides_of(j, e->unary.operand);
    case EX_BINARY:
        return sides_of(j, e->binary.lhs) | sides_of(j, e->binary.rhs);
    case EX_CALL: {
        int m = 0;
        for (const Expr *a = e->call.args; a; a = a->next)
            m |= sides_of(j, a);
        return m;
    }
    case EX_BETWEEN:
    case EX_IN:
    case EX_CASE:
    case EX_IS_NULL: {
        int m = 0;
        for (const Expr *a = e->form.ops; a; a = a->next)
            m |= sides_of(j, a);
        return m;
    }
    case EX_INT:
    case EX_FLOAT:
    case EX_STRING:
    case EX_BOOL:
    case EX_DURATION:
        return 0;
    }
    return 0;
}

/* 1 or 2 when every column an expression reads is of that one side of the
 * join, 0 when it reads none, -1 when it reads both or a column whose side
 * is not known. */
static int one_side(const JoinSides *j, const Expr *e)
{
    int side = 0;
    switch (e->kind) {
    case EX_NAME:
        side = sides_of(j, e);
        return side == 1 || side == 2 ? side : -1;
    case EX_UNARY:
        return one_side(j, e->unary.operand);
    case EX_BINARY: {
        int a = one_side(j, e->binary.lhs), b = one_side(j, e->binary.rhs);
        return a < 0 || b < 0 || (a && b && a != b) ? -1 : a | b;
    }
    case EX_CALL:
    case EX_BETWEEN:
    case EX_IN:
    case EX_CASE:
    case EX_IS_NULL:
        for (const Expr *x = e->kind == EX_CALL ? e->call.args : e->form.ops; x; x = x->next) {
            int m = one_side(j, x);
            if (m < 0 || (m && side && m != side))
                return -1;
            side |= m;
        }
        return side;
    case EX_INT:
    case EX_FLOAT:
    case EX_STRING:
    case EX_BOOL:
    case EX_DURATION:
        return 0;
    }
    return -1;
}

static void conjuncts(Expr *e, Expr **out, int *n, int max)
{
    if (!e)
        return;
    if (e->kind == EX_BINARY && e->binary.op == BIN_AND) {
        conjuncts(e->binary.lhs, out, n, max);
        conjuncts(e->binary.rhs, out, n, max);
    } else if (*n < max) {
        out[(*n)++] = e;
    }
}

/* `y`, `y - INTERVAL 'd' U` or `y + INTERVAL 'd' U`: the column and the
 * signed offset in ms; false for anything else. */
static bool time_offset(const Expr *e, const Expr **col, int64_t *ms)
{
    if (e->kind == EX_NAME) {
        *col = e;
        *ms = 0;
        return true;
    }
    if (e->kind == EX_BINARY && (e->binary.op == BIN_ADD || e->binary.op == BIN_SUB) &&
        e->binary.lhs->kind == EX_NAME && e->binary.rhs->kind == EX_DURATION) {
        *col = e->binary.lhs;
        *ms = e->binary.op == BIN_ADD ? e->binary.rhs->int_value : -e->binary.rhs->int_value;
        return true;
    }
    return false;
}

/* Whether `x BETWEEN lo AND hi` bounds one side's time by the other's, the
 * two bounds one column plus or minus constants: an interval join's. */
static bool is_interval_bound(const JoinSides *j, const Expr *c)
{
    const Expr *x = c->form.ops, *lo = x->next, *hi = lo->next, *ylo, *yhi;
    int64_t dlo, dhi;
    return x->kind == EX_NAME && time_offset(lo, &ylo, &dlo) && time_offset(hi, &yhi, &dhi) &&
           strcmp(ylo->name.name, yhi->name.name) == 0 && sides_of(j, x) + sides_of(j, ylo) == 3;
}

static bool is_time_col(const SqlTable *t, const Expr *col)
{
    return !t || t->is_view || (t->has_watermark && strcmp(t->wm_col, col->name.name) == 0);
}

/* How far column `col` of t is after its rows' event time: 0 for a table's
 * WATERMARK column and a view's other columns, 1 ms for the window_end of a
 * view of a window TVF's aggregate (its rows' time is window_end - 1ms, as
 * Flink's window_time). */
static int64_t time_col_offset(const SqlTable *t, const Expr *col)
{
    const SqlQuery *q = t && t->is_view ? t->query : NULL;
    if (!q || q->from->kind != FROM_TVF || !q->group_by)
        return 0;
    for (const SqlItem *it = q->items; it; it = it->next) {
        const char *out = it->alias ? it->alias
                          : it->expr && it->expr->kind == EX_NAME ? it->expr->name.name : NULL;
        if (out && strcmp(out, col->name.name) == 0)
            return it->expr && it->expr->kind == EX_NAME &&
                   strcmp(it->expr->name.name, "window_end") == 0;
    }
    return 0;
}

/* The window of rows that are a window aggregate's results (docs/sql.md,
 * "Window results"): windows end every `step` ms (a TUMBLE's size, a HOP's
 * slide, a CUMULATE's step) and rows have the time window_end - 1ms; `start`
 * and `end` name the columns holding the window's bounds. */
typedef struct RowsWindow {
    int64_t step, size;
    Loc loc;
    const char *start, *end;
} RowsWindow;

static bool query_window(Lower *L, const SqlQuery *q, RowsWindow *w);

/* The view of that name, or NULL (no error: the caller reports a missing table). */
static SqlTable *view_named(Lower *L, const char *name)
{
    for (SqlTable *t = L->sp->tables; t; t = t->next)
        if (strcmp(t->name, name) == 0)
            return t->is_view ? t : NULL;
    return NULL;
}

/* The window of the rows a FROM item (a join's side too) reads: a view's or
 * a subquery's. */
static bool from_window(Lower *L, const SqlFrom *f, RowsWindow *w)
{
    if (f->kind == FROM_QUERY)
        return query_window(L, f->query, w);
    const SqlTable *v = f->kind == FROM_NAME ? view_named(L, f->name) : NULL;
    return v && query_window(L, v->query, w);
}

static bool groups_by(const SqlQuery *q, const char *col)
{
    for (const Expr *g = q->group_by; g; g = g->next)
        if (g->kind == EX_NAME && strcmp(g->name.name, col) == 0)
            return true;
    return false;
}

/* The name of q's output column that selects column `col`, or NULL. */
static const char *selected_as(const SqlQuery *q, const char *col)
{
    for (const SqlItem *it = q->items; it; it = it->next)
        if (it->expr && it->expr->kind == EX_NAME && strcmp(it->expr->name.name, col) == 0)
            return it->alias ? it->alias : col;
    return NULL;
}

/* The window of q's input whose bounds q groups by, or false: a window TVF
 * (but SESSION, whose windows differ per key), or window results. */
static bool grouped_window(Lower *L, const SqlQuery *q, RowsWindow *in)
{
    const SqlFrom *f = q->from;
    if (!q->group_by || q->union_all || f->join)
        return false;
    if (f->kind == FROM_TVF) {
        if (f->tvf == TVF_SESSION)
            return false;
        *in = (RowsWindow){ f->tvf == TVF_TUMBLE ? f->size : f->slide, f->size, f->tvf_loc,
                            "window_start", "window_end" };
    } else if (!from_window(L, f, in)) {
        return false;
    }
    return groups_by(q, in->start) && groups_by(q, in->end);
}

/* The window of q's rows: q groups a window by its bounds and selects both. */
static bool query_window(Lower *L, const SqlQuery *q, RowsWindow *w)
{
    RowsWindow in;
    if (!q || !grouped_window(L, q, &in))
        return false;
    *w = in;
    w->start = selected_as(q, in.start);
    w->end = selected_as(q, in.end);
    return w->start && w->end;
}

/* Whether a subquery is a side of a window join, `SELECT * FROM TABLE(...)`
 * of a window TVF (else it is joined as a view). */
static bool is_window_side(const SqlFrom *side)
{
    const SqlQuery *sq = side->query;
    return sq->from->kind == FROM_TVF && !sq->group_by && !sq->items->expr;
}

/* A side of a window join, `(SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts),
 * INTERVAL ...))) AS x`: the table or view it reads, and its window; false
 * after an error. */
static bool window_side(Lower *L, const SqlFrom *side, const SqlFrom **tvf)
{
    const SqlQuery *sq = side->query;
    const SqlFrom *f = sq->from;
    if (f->kind != FROM_TVF || f->join || sq->where || sq->group_by || sq->having ||
        sq->distinct || sq->union_all || sq->items->expr || sq->items->next) {
        diag_unsupported(L->d, side->loc, "a join of this subquery",
                         "a window join joins two SELECT * FROM TABLE(TUMBLE(...)); join "
                         "tables and views otherwise");
        return false;
    }
    if (f->tvf != TVF_TUMBLE) {
        diag_unsupported(L->d, f->tvf_loc, "a window join of windows other than TUMBLE",
                         "flowc's window join is tumbling");
        return false;
    }
    if (!side->alias) {
        diag_error(L->d, side->loc, "a side of a window join needs an alias: (...) AS l");
        return false;
    }
    *tvf = f;
    return true;
}

/* FROM a JOIN b ON ... (or FROM a, b WHERE ...): an interval join when a
 * BETWEEN bounds the two sides' times symmetrically, a lookup join when b is
 * read FOR SYSTEM_TIME AS OF, a window join of two window TVFs, else a
 * regular join (docs/sql.md, "Joins"). */
static Decl *lower_join(Lower *L, SqlQuery *q, const char *name, Loc loc, SqlTable *sink)
{
    SqlFrom *f = q->from, *r = f->join;
    if (q->distinct) {
        diag_unsupported(L->d, q->distinct_loc, "SELECT DISTINCT of a join",
                         "SELECT DISTINCT from a view of the join");
        return NULL;
    }
    bool lookup = r->as_of != NULL;
    if (lookup && f->join_right) {
        diag_unsupported(L->d, f->join_loc, arena_printf(L->a, "%s JOIN of a lookup", f->join_kw),
                         "a lookup join is JOIN or LEFT JOIN");
        return NULL;
    }
    /* A window join: two window TVFs joined on window_start and window_end. */
    const SqlFrom *ltvf = NULL, *rtvf = NULL;
    if (f->kind == FROM_QUERY && r->kind == FROM_QUERY && is_window_side(f) &&
        is_window_side(r)) {
        if (!window_side(L, f, &ltvf) || !window_side(L, r, &rtvf))
            return NULL;
        if (ltvf->size != rtvf->size) {
            diag_error(L->d, rtvf->size_loc, "the two windows of a window join must be of one "
                       "size");
            return NULL;
        }
    }
    const SqlFrom *lf = ltvf ? ltvf : f, *rf = rtvf ? rtvf : r;
    /* Where a side is named: its table or view, or a subquery's whole text. */
    Loc lloc = lf->kind == FROM_QUERY ? lf->loc : lf->name_loc;
    Loc rloc = rf->kind == FROM_QUERY ? rf->loc : rf->name_loc;
    SqlTable *lt = NULL, *rt = NULL;
    if (lookup && f->kind == FROM_QUERY) {
        diag_unsupported(L->d, f->loc, "a lookup join of a subquery",
                         "look up from a table or a view");
        return NULL;
    }
    const char *lin = !ltvf && f->kind == FROM_QUERY ? subquery_input(L, f, &lt)
                                                     : lower_input(L, lf->name, lloc, &lt);
    const char *rin = NULL;
    if (ltvf) {
        rin = lower_input(L, rf->name, rloc, &rt);
        const SqlFrom *tv[2] = { ltvf, rtvf };
        const SqlTable *tt[2] = { lt, rt };
        for (int i = 0; i < 2; i++)
            if (tt[i] && !is_time_col(tt[i], name_expr(L, tv[i]->descriptor, tv[i]->descriptor_loc)))
                diag_error(L->d, tv[i]->descriptor_loc, "the time column of a window join is the "
                           "WATERMARK column of table '%s'", tt[i]->name);
    } else if (lookup) {
        rt = find_table(L, r->name, r->name_loc);
        if (rt && rt->is_view) {
            diag_error(L->d, r->name_loc, "view '%s' cannot be looked up: a lookup reads a table",
                       rt->name);
            return NULL;
        }
        Decl *td = rt ? table_lookup(L, rt, r->name_loc) : NULL;
        rin = td ? td->name : NULL;
    } else {
        rin = r->kind == FROM_QUERY ? subquery_input(L, r, &rt)
                                    : lower_input(L, r->name, r->name_loc, &rt);
    }
    if (!lin || !rin)
        return NULL;
    JoinSides j = { f->alias ? f->alias : f->name, r->alias ? r->alias : r->name,
                    table_cols(L, lt), table_cols(L, rt) };
    if (strcmp(j.lq, j.rq) == 0) {
        diag_error(L->d, r->name_loc, "both sides of the join are called '%s': give one an alias",
                   j.lq);
        return NULL;
    }
    Scope s = { .place = AT_ROW, .input = f->name, .alias = f->alias, .right = j.rq,
                .wjoin = ltvf ? ltvf->size : 0,
                .wj_time = { ltvf ? ltvf->descriptor : NULL, rtvf ? rtvf->descriptor : NULL } };
    if (lookup) {
        int side = sides_of(&j, r->as_of);
        if (r->as_of->kind != EX_NAME || side != 1)
            diag_error(L->d, r->as_of->loc, "FOR SYSTEM_TIME AS OF takes a time column of the "
                       "left side");
    }
    /* An outer join's ON holds the keys and the time bound only; its WHERE
     * filters what the join gives. An inner join's conditions are one set. */
    bool outer = !lookup && (f->join_left || f->join_right);
    Expr *conds[128];
    int n = 0, non = 0;
    conjuncts(f->on, conds, &n, 128);
    non = outer ? n : 0;
    conjuncts(q->where, conds, &n, 128);
    JoinEq *eqs = NULL, **elink = &eqs;
    Expr *residual = NULL;
    Expr *rest[128];
    int nrest = 0;
    Expr *between = NULL;
    bool wstart = false, wend = false;
    /* Window results joined on their windows' bounds (Nexmark q5, q8):
     * rows of one window have one time, window_end - 1ms, so a window join
     * of the window's step pairs them (docs/sql.md, "Window results"). */
    RowsWindow lw, rw;
    bool results = !ltvf && !lookup && from_window(L, f, &lw) && from_window(L, r, &rw) &&
                   lw.step == rw.step;
    bool rstart = false, rend = false;
    for (int i = 0; results && i < n; i++) {
        const Expr *c = conds[i];
        if (c->kind != EX_BINARY || c->binary.op != BIN_EQ || c->binary.lhs->kind != EX_NAME ||
            c->binary.rhs->kind != EX_NAME || sides_of(&j, c) != 3 || (outer && i >= non))
            continue;
        bool l_first = sides_of(&j, c->binary.lhs) == 1;
        const char *a = (l_first ? c->binary.lhs : c->binary.rhs)->name.name;
        const char *b = (l_first ? c->binary.rhs : c->binary.lhs)->name.name;
        rstart |= strcmp(a, lw.start) == 0 && strcmp(b, rw.start) == 0;
        rend |= strcmp(a, lw.end) == 0 && strcmp(b, rw.end) == 0;
    }
    results = results && rstart && rend;
    for (int i = 0; i < n; i++) {
        Expr *c = conds[i];
        bool in_on = i < non;
        if (ltvf && c->kind == EX_BINARY && c->binary.op == BIN_EQ &&
            c->binary.lhs->kind == EX_NAME && c->binary.rhs->kind == EX_NAME &&
            is_window_col(c->binary.lhs->name.name) &&
            strcmp(c->binary.lhs->name.name, c->binary.rhs->name.name) == 0 &&
            sides_of(&j, c) == 3 && (in_on || !outer)) {
            wstart |= strcmp(c->binary.lhs->name.name, "window_start") == 0;
            wend |= strcmp(c->binary.lhs->name.name, "window_end") == 0;
            continue;
        }
        if (outer && !in_on) {
            Expr *w = residual ? binary_expr(L, BIN_AND, residual, c, c->loc) : c;
            residual = w;
            continue;
        }
        if (c->kind == EX_BINARY && c->binary.op == BIN_EQ) {
            int a = sides_of(&j, c->binary.lhs), b = sides_of(&j, c->binary.rhs);
            if ((a == 1 && b == 2) || (a == 2 && b == 1)) {
                JoinEq *eq = arena_alloc(L->a, sizeof *eq);
                eq->left = lower_expr(L, &s, a == 1 ? c->binary.lhs : c->binary.rhs);
                eq->right = lower_expr(L, &s, a == 1 ? c->binary.rhs : c->binary.lhs);
                eq->loc = c->loc;
                *elink = eq;
                elink = &eq->next;
                continue;
            }
        }
        if (c->kind == EX_BETWEEN && !c->form.negated && !lookup && !ltvf &&
            sides_of(&j, c) == 3 && !is_interval_bound(&j, c))
            diag_warning(L->d, c->loc, "this BETWEEN does not bound one side's time by the "
                         "other's plus constants: it filters a regular join, which keeps "
                         "every row (SET 'table.exec.state.ttl' bounds them)");
        else if (c->kind == EX_BETWEEN && !c->form.negated && !lookup && !ltvf &&
                 sides_of(&j, c) == 3) {
            if (between) {
                diag_error(L->d, c->loc, "an interval join has one BETWEEN of the two times");
                return NULL;
            }
            between = c;
            continue;
        }
        if (in_on) {
            diag_unsupported(L->d, c->loc, arena_printf(L->a, "this condition in ON of a %s "
                             "JOIN", f->join_kw), "an outer join's ON holds the key equalities "
                             "and the time bound; filter in a view before the join");
            return NULL;
        }
        rest[nrest++] = c;
    }
    /* A regular inner join keeps every record of both sides: a condition
     * on one side only goes before the join, where it bounds that state. */
    bool push = !outer && !lookup && !ltvf && !between;
    Expr *lwhere = NULL, *rwhere = NULL;
    for (int i = 0; i < nrest; i++) {
        int side = push ? one_side(&j, rest[i]) : 0;
        Expr **to = side == 1 ? &lwhere : side == 2 ? &rwhere : &residual;
        *to = *to ? binary_expr(L, BIN_AND, *to, rest[i], rest[i]->loc) : rest[i];
    }
    if (!eqs) {
        diag_error(L->d, f->join_loc, "a join needs an equality of the two sides, a.k = b.k");
        return NULL;
    }
    Decl *d = new_decl(L, DECL_STREAM, loc, name, loc);
    d->stream.input = new_ref(L, lin, lloc);
    d->stream.alias = f->alias;
    d->stream.alias_loc = f->alias_loc;
    Op **tail = &d->stream.ops;
    if (lwhere) {
        Op *w = new_op(L, OP_WHERE, lwhere->loc);
        w->where = lower_expr(L, &s, lwhere);
        push_op(&tail, w);
    }
    Op *join = new_op(L, lookup ? OP_LOOKUP : OP_JOIN, f->join_loc);
    join->join.other = new_ref(L, rin, rloc);
    join->join.alias = r->alias;
    if (rwhere) {
        /* The right side's condition in a stream of its own, under the
         * name the query gives that side. */
        Decl *rd = new_decl(L, DECL_STREAM, rwhere->loc,
                            fresh_name(L, arena_printf(L->a, "%s_right", name)), rloc);
        rd->stream.input = new_ref(L, rin, rloc);
        rd->stream.alias = j.rq;
        rd->stream.alias_loc = rloc;
        Op *w = new_op(L, OP_WHERE, rwhere->loc);
        w->where = lower_expr(L, &s, rwhere);
        rd->stream.ops = w;
        add_decl(L, rd);
        join->join.other = new_ref(L, rd->name, rloc);
        join->join.alias = j.rq;
    }
    join->join.eqs = eqs;
    join->join.left = f->join_left;
    join->join.right = f->join_right;
    if (ltvf && (!wstart || !wend)) {
        diag_error(L->d, f->join_loc, "a window join's ON needs l.window_start = r.window_start "
                   "AND l.window_end = r.window_end");
        return NULL;
    }
    if (ltvf) {
        join->join.windowed = true;
        join->join.window = (DurationArg){ .ms = ltvf->size, .loc = ltvf->size_loc };
    } else if (results && !between) {
        /* The equalities of the bounds stay keys: the window join pairs the
         * rows of one window end, and they are equal there. */
        join->join.windowed = true;
        join->join.window = (DurationArg){ .ms = lw.step, .loc = lw.loc };
    } else if (!lookup && !between) {
        /* A regular join (docs/sql.md, "Joins"): no time bound. An outer
         * one retracts a row alone when its first match comes, a changelog
         * that only a sink taking the row kind shows. */
        join->join.regular = true;
        const char *conn = sink ? table_connector_name(sink) : NULL;
        if (outer && !(conn && (strcmp(conn, "print") == 0 || strcmp(conn, "filesystem") == 0 ||
                                strcmp(conn, "blackhole") == 0))) {
            diag_unsupported(L->d, f->join_loc, arena_printf(L->a, "a regular %s JOIN %s",
                             f->join_kw, sink ? arena_printf(L->a, "into connector '%s'", conn)
                                              : "in a view or subquery"),
                             "its result retracts rows (-D, -U): write it to 'print' or "
                             "'filesystem', which show the row kind, or bound the times "
                             "with BETWEEN");
            return NULL;
        }
        L->changelog = outer;
    } else if (!lookup) {
        const Expr *x = between->form.ops, *lo = x->next, *hi = lo->next;
        const Expr *ylo, *yhi;
        int64_t dlo, dhi;
        time_offset(lo, &ylo, &dlo); /* is_interval_bound held */
        time_offset(hi, &yhi, &dhi);
        bool x_left = sides_of(&j, x) == 1;
        if (!is_time_col(x_left ? lt : rt, x) || !is_time_col(x_left ? rt : lt, ylo)) {
            diag_error(L->d, between->loc, "an interval join bounds the tables' WATERMARK "
                       "columns");
            return NULL;
        }
        /* On the event times: x's time + its offset between y's + its own + dlo and + dhi. */
        int64_t shift = time_col_offset(x_left ? rt : lt, ylo) - time_col_offset(x_left ? lt : rt, x);
        dlo += shift;
        dhi += shift;
        /* The right record's time less the left's, from -before to after
         * (Flow's `within before ... and after ...`, docs/language.md 6.7). */
        int64_t before = x_left ? dhi : -dlo, after = x_left ? -dlo : dhi;
        if (before < 0 || after < 0) {
            not_supported(L->d, between->loc, "an interval join whose bounds leave out the "
                          "other side's time", "flowc's interval join pairs a record with "
                          "those from D1 before it to D2 after it: BETWEEN b.ts - INTERVAL "
                          "'D1' AND b.ts + INTERVAL 'D2'");
            return NULL;
        }
        const Expr *lo_at = x_left ? hi : lo, *hi_at = x_left ? lo : hi;
        join->join.within = (DurationArg){ .ms = before, .loc = lo_at->loc };
        if (before != after) {
            join->join.asymmetric = true;
            join->join.after = (DurationArg){ .ms = after, .loc = hi_at->loc };
        }
    }
    if (!lookup) {
        /* Flow's join comes after a key by of the left side's join fields. */
        Op *key = new_op(L, OP_KEY_BY, f->join_loc);
        Expr **klink = &key->key_by.fields;
        for (JoinEq *eq = eqs; eq; eq = eq->next) {
            if (eq->left->kind != EX_NAME) {
                diag_unsupported(L->d, eq->loc, "a join key that is an expression",
                                 "compare columns; compute others in a view");
                return NULL;
            }
            SqlColumn *c = lt && !lt->is_view ? find_column(lt, eq->left->name.name) : NULL;
            if (c && !c->not_null && !in_names(lt->pk, c->name))
                diag_error(L->d, eq->left->loc, "join column '%s' may be null: declare it %s "
                           "NOT NULL in table '%s' (flowc's keys cannot be null)", c->name,
                           c->type_text, lt->name);
            *klink = name_expr(L, eq->left->name.name, eq->left->loc);
            klink = &(*klink)->next;
            key->key_by.nfields++;
        }
        push_op(&tail, key);
    }
    push_op(&tail, join);
    if (residual) {
        Op *w = new_op(L, OP_WHERE, residual->loc);
        w->where = lower_expr(L, &s, residual);
        push_op(&tail, w);
    }
    if (!expand_side_stars(L, q, &j))
        return NULL;
    Op *sel = select_op(L, &s, q, sink, join->join.regular && L->changelog, "SELECT * of a join",
                        "name the columns");
    if (!sel)
        return NULL;
    push_op(&tail, sel);
    return d;
}


/* SELECT DISTINCT a, b: GROUP BY a, b, whose columns are the select list's. */
static bool distinct_group_by(Lower *L, SqlQuery *q)
{
    if (q->group_by) {
        diag_unsupported(L->d, q->distinct_loc, "SELECT DISTINCT with GROUP BY",
                         "write the GROUP BY alone");
        return false;
    }
    Expr **link = &q->group_by;
    for (SqlItem *it = q->items; it; it = it->next) {
        if (!it->expr || it->expr->kind != EX_NAME || (it->alias && strcmp(it->alias,
                                                        it->expr->name.name) != 0)) {
            diag_unsupported(L->d, it->loc, "SELECT DISTINCT of an expression, an alias or *",
                             "name the columns; compute others in a view");
            return false;
        }
        Expr *g = name_expr(L, it->expr->name.name, it->expr->loc);
        g->name.qualifier = it->expr->name.qualifier;
        *link = g;
        link = &g->next;
    }
    q->group_loc = q->distinct_loc;
    return true;
}

/* A GROUP BY without a window TVF is Flow's updating aggregate, a changelog
 * (docs/sql.md, "Updating results"): written to a sink with a PRIMARY KEY as
 * upserts on it, without the row kind; to `print` and `filesystem` with the
 * row kind as the first column, `op`. */
static bool updating_ok(Lower *L, SqlQuery *q, SqlTable *sink, bool aggregated, bool *changelog)
{
    Loc at = q->group_by ? q->group_loc : q->distinct ? q->distinct_loc : q->having_loc;
    if (q->having) {
        diag_unsupported(L->d, q->having_loc, "HAVING of a GROUP BY without a window",
                         "a row that stops passing HAVING needs a retraction (-D), which "
                         "flowc's upsert changelog has none of");
        return false;
    }
    if (!sink && !L->topn_rows && !aggregated) {
        diag_unsupported(L->d, at, "an updating result (GROUP BY without a window) in a view "
                         "or in a subquery other than FROM's of a GROUP BY", "flowc writes an "
                         "updating result to a sink, ranks it with ROW_NUMBER (Top-N), or "
                         "aggregates it: INSERT INTO t SELECT ... GROUP BY ...");
        return false;
    }
    if (q->union_all) {
        diag_unsupported(L->d, q->union_loc, "UNION ALL of an updating result", NULL);
        return false;
    }
    if (q->distinct && !distinct_group_by(L, q))
        return false;
    /* The rows of an updating Top-N or of a GROUP BY: its changelog, `op`
     * kept, goes to the top, which replaces each row key's row, or to the
     * aggregate, which takes back each row key's last row (docs/language.md,
     * "Aggregates of a changelog"); their sink is checked with them. */
    if (!sink) {
        *changelog = true;
        return true;
    }
    const char *conn = table_connector_name(sink);
    if (strcmp(conn, "print") == 0 || strcmp(conn, "filesystem") == 0 ||
        strcmp(conn, "blackhole") == 0) {
        *changelog = true;
        return true;
    }
    if (strcmp(conn, "jdbc") != 0 && strcmp(conn, "upsert-kafka") != 0) {
        not_supported(L->d, at, arena_printf(L->a, "an updating result into connector '%s'",
                      conn), "write it to 'upsert-kafka' or 'jdbc' with a PRIMARY KEY, or to "
                      "'print' or 'filesystem'");
        return false;
    }
    int ng = 0, nk = 0;
    bool same = true;
    for (Expr *g = q->group_by; g; g = g->next, ng++)
        same &= g->kind == EX_NAME && in_names(sink->pk, g->name.name);
    for (SqlName *k = sink->pk; k; k = k->next)
        nk++;
    if (!sink->pk || !same || ng != nk) {
        diag_error(L->d, at, "an updating result upserts into table '%s' on its PRIMARY KEY: "
                   "declare PRIMARY KEY (...) NOT ENFORCED of the GROUP BY columns", sink->name);
        return false;
    }
    return true;
}

/* ---- Top-N (docs/sql.md, "Top-N and deduplication") ------------------------------------- */

/* The item of `ROW_NUMBER() OVER (...)` in q's SELECT list, or NULL. */
static SqlItem *row_number_item(const SqlQuery *q)
{
    for (SqlItem *it = q->items; it; it = it->next)
        if (it->expr && it->expr->kind == EX_CALL &&
            strcmp(it->expr->call.name, "@row_number") == 0)
            return it;
    return NULL;
}

/* N of the outer WHERE: `rn <= N`, `rn < N`, `rn = 1` (or the other way
 * round); 0 with an error when it is none of them. */
static int64_t topn_bound(Lower *L, const SqlQuery *q, const char *rn)
{
    const Expr *w = q->where;
    if (w && w->kind == EX_BINARY) {
        const Expr *a = w->binary.lhs, *b = w->binary.rhs;
        BinaryOp op = w->binary.op;
        if (a->kind == EX_INT && b->kind == EX_NAME) {
            const Expr *t = a;
            a = b;
            b = t;
            op = op == BIN_GE ? BIN_LE : op == BIN_GT ? BIN_LT : op == BIN_EQ ? BIN_EQ : BIN_NE;
        }
        bool on_rn = a->kind == EX_NAME && strcasecmp(a->name.name, rn) == 0 && b->kind == EX_INT;
        if (on_rn && op == BIN_LE && b->int_value >= 1)
            return b->int_value;
        if (on_rn && op == BIN_LT && b->int_value >= 2)
            return b->int_value - 1;
        if (on_rn && op == BIN_EQ && b->int_value == 1)
            return 1;
    }
    diag_unsupported(L->d, w ? w->loc : q->loc, "this filter of ROW_NUMBER",
                     arena_printf(L->a, "Top-N is SELECT ... FROM (SELECT ..., ROW_NUMBER() "
                                  "OVER (...) AS %s FROM ...) WHERE %s <= N (or < N, = 1), "
                                  "with nothing else in the WHERE", rn, rn));
    return 0;
}

/* Whether the rows ranked are a window TVF's aggregate: a subquery, or a
 * view, of SELECT ... FROM TABLE(TUMBLE(...)) GROUP BY. */
static bool window_rows(Lower *L, const SqlFrom *f)
{
    const SqlQuery *q = NULL;
    if (f->kind == FROM_QUERY) {
        q = f->query;
    } else if (f->kind == FROM_NAME) {
        const SqlTable *t = find_table(L, f->name, f->name_loc);
        q = t && t->is_view ? t->query : NULL;
    }
    return q && q->from->kind == FROM_TVF && q->group_by;
}

/* `SELECT ... FROM (SELECT ..., ROW_NUMBER() OVER (PARTITION BY p ORDER BY
 * o) AS rn FROM x) WHERE rn <= N` as the stream `name`: the rows of the
 * inner query, keyed by p (less window_start and window_end, the window's
 * own partition), then `top N by o rank as rn`, then the outer SELECT. Over
 * a window aggregate's rows it is the append result of a window top-N; over
 * other rows an updating one, a changelog keyed by (p, rn). */
/* The column of the ranked rows that a PARTITION BY or ORDER BY name is:
 * over a join, `B.dateTime` is the select list's `B.dateTime AS bid_dateTime`,
 * or the column itself under `B.*`; else the name. */
static const char *ranked_column(Lower *L, const SqlQuery *inner, const Expr *e)
{
    const char *qual = e->name.qualifier;
    if (!qual || !inner->from->join)
        return e->name.name;
    for (const SqlItem *it = inner->items; it; it = it->next) {
        const Expr *x = it->expr;
        if (x && x->kind == EX_NAME && x->name.qualifier && strcmp(x->name.qualifier, qual) == 0 &&
            strcmp(x->name.name, e->name.name) == 0)
            return it->alias ? it->alias : x->name.name;
        if (it->star_of && strcmp(it->star_of, qual) == 0)
            return e->name.name;
    }
    diag_error(L->d, e->loc, "'%s.%s' is not a column of the rows ranked: select it beside "
               "ROW_NUMBER", qual, e->name.name);
    return e->name.name;
}

static Decl *lower_topn(Lower *L, SqlQuery *q, const char *name, Loc loc, SqlTable *sink)
{
    SqlQuery *inner = q->from->query;
    SqlItem *rn_item = row_number_item(inner);
    if (!rn_item->alias) {
        diag_error(L->d, rn_item->loc, "ROW_NUMBER() needs a name: write ... AS rownum");
        return NULL;
    }
    const char *rn = rn_item->alias;
    int64_t n = topn_bound(L, q, rn);
    if (n <= 0)
        return NULL;
    if (q->group_by || q->having || q->distinct || inner->group_by || inner->having ||
        inner->distinct) {
        diag_unsupported(L->d, q->loc, "a Top-N with GROUP BY, HAVING or DISTINCT beside "
                         "ROW_NUMBER", "rank the rows of a view or subquery of them");
        return NULL;
    }
    Expr *part = rn_item->expr->call.args->call.args;
    Expr *order = rn_item->expr->call.args->next->call.args;
    bool windowed = window_rows(L, inner->from);

    /* The rows ranked: the inner query less its ROW_NUMBER; `SELECT *` of a
     * subquery is that subquery's stream as it is. */
    bool star = true, rn_last = true;
    for (SqlItem *it = inner->items; it; it = it->next) {
        if (it != rn_item)
            star &= !it->expr;
        if (it == rn_item)
            rn_last = !it->next;
    }
    const char *input = NULL;
    SqlTable *table = NULL;
    L->topn_rows = !windowed;
    if (star && !inner->where && inner->from->kind == FROM_QUERY) {
        Decl *sub = lower_query(L, inner->from->query,
                                fresh_name(L, arena_printf(L->a, "%s_rows", name)),
                                inner->from->loc, NULL);
        input = sub ? sub->name : NULL;
    } else if (star && !inner->where && inner->from->kind == FROM_NAME) {
        input = lower_input(L, inner->from->name, inner->from->name_loc, &table);
    } else {
        SqlQuery *rows = arena_alloc(L->a, sizeof *rows);
        *rows = *inner;
        SqlItem **link = &rows->items;
        for (SqlItem *it = inner->items; it; it = it->next) {
            if (it == rn_item)
                continue;
            SqlItem *copy = arena_alloc(L->a, sizeof *copy);
            *copy = *it;
            *link = copy;
            link = &copy->next;
        }
        *link = NULL;
        Decl *sub = lower_query(L, rows, fresh_name(L, arena_printf(L->a, "%s_rows", name)),
                                inner->loc, NULL);
        input = sub ? sub->name : NULL;
    }
    L->topn_rows = false;
    if (!input)
        return NULL;

    Decl *d = new_decl(L, DECL_STREAM, loc, name, loc);
    d->stream.input = new_ref(L, input, inner->from->loc);
    Op **tail = &d->stream.ops;
    Scope s = { .place = AT_ROW };
    /* The partition: a window's top is per window already. */
    bool has_start = false, has_end = false;
    Op *key = new_op(L, OP_KEY_BY, part ? part->loc : rn_item->loc);
    Expr **klink = &key->key_by.fields;
    for (Expr *e = part; e; e = e->next) {
        if (e->kind != EX_NAME) {
            diag_unsupported(L->d, e->loc, "PARTITION BY an expression",
                             "partition by columns; compute others in a view");
            return NULL;
        }
        if (windowed && strcmp(e->name.name, "window_start") == 0) {
            has_start = true;
            continue;
        }
        if (windowed && strcmp(e->name.name, "window_end") == 0) {
            has_end = true;
            continue;
        }
        Expr *k = name_expr(L, ranked_column(L, inner, e), e->loc);
        *klink = k;
        klink = &k->next;
        key->key_by.nfields++;
    }
    if (windowed && (!has_start || !has_end)) {
        diag_unsupported(L->d, part ? part->loc : rn_item->loc,
                         "a Top-N of a window aggregate not partitioned by its window",
                         "PARTITION BY window_start, window_end (and columns): the window Top-N");
        return NULL;
    }
    if (key->key_by.nfields)
        push_op(&tail, key);
    Op *top = new_op(L, OP_TOP, rn_item->expr->loc);
    top->top.n = n;
    top->top.n_loc = q->where->loc;
    top->top.rank = rn;
    top->top.rank_loc = rn_item->alias_loc;
    TopKey **olink = &top->top.keys;
    for (Expr *e = order, *next; e; e = next) {
        next = e->next;
        TopKey *k = arena_alloc(L->a, sizeof *k);
        Expr *x = e;
        if (x->kind == EX_CALL && strcmp(x->call.name, "@desc") == 0) {
            k->desc = true;
            x = x->call.args;
        }
        x->next = NULL;
        if (x->kind == EX_NAME && x->name.qualifier && inner->from->join)
            x = name_expr(L, ranked_column(L, inner, x), x->loc);
        const SqlColumn *c = table && x->kind == EX_NAME ? find_column(table, x->name.name) : NULL;
        if (c && c->proctime && k->desc) {
            diag_unsupported(L->d, x->loc, "ORDER BY a processing time DESC (the last row)",
                             "order by the event-time column DESC");
            return NULL;
        }
        /* ORDER BY a processing time ASC: the first row of each partition
         * ranks first, as every row ties and ties rank in arrival order. */
        k->expr = c && c->proctime ? int_expr(L, 0, x->loc) : lower_expr(L, &s, x);
        *olink = k;
        olink = &k->next;
        top->top.nkeys++;
    }
    push_op(&tail, top);

    /* What the sink sees: the append rows of a window's top; an updating
     * top's changelog with its row kind, or upserted on (partition, rn). */
    bool changelog = false;
    if (!windowed) {
        if (!sink) {
            diag_unsupported(L->d, rn_item->loc, "an updating Top-N in a view or subquery",
                             "flowc writes an updating result to a sink only");
            return NULL;
        }
        const char *conn = table_connector_name(sink);
        changelog = strcmp(conn, "print") == 0 || strcmp(conn, "filesystem") == 0 ||
                    strcmp(conn, "blackhole") == 0;
        if (!changelog) {
            int nk = 0, np = 1;
            bool same = in_names(sink->pk, rn);
            for (Expr *e = part; e; e = e->next, np++)
                same &= in_names(sink->pk, e->name.name);
            for (SqlName *k = sink->pk; k; k = k->next)
                nk++;
            if (!same || nk != np ||
                (strcmp(conn, "jdbc") != 0 && strcmp(conn, "upsert-kafka") != 0)) {
                diag_error(L->d, rn_item->loc, "an updating Top-N upserts into table '%s' on "
                           "its PRIMARY KEY: declare PRIMARY KEY (...) NOT ENFORCED of the "
                           "PARTITION BY columns and %s, or write to 'print' or 'filesystem'",
                           sink->name, rn);
                return NULL;
            }
        }
    }
    L->changelog = changelog;
    bool outer_star = q->items && !q->items->expr && !q->items->next;
    if (outer_star && rn_last && (windowed || changelog))
        return d;
    Op *sel = select_op(L, &s, q, sink, changelog, "SELECT * of a Top-N here",
                        "name the columns (ROW_NUMBER last and no upsert sink allow *)");
    if (!sel)
        return NULL;
    push_op(&tail, sel);
    return d;
}

/* The window of a window TVF: TUMBLE a tumbling window, HOP a sliding one
 * (slide then size), CUMULATE a cumulating one (step then size), SESSION a
 * session window (docs/sql.md, "Window TVFs and aggregates"). */
static Op *tvf_window(Lower *L, const SqlFrom *f)
{
    Op *w = new_op(L, OP_WINDOW, f->tvf_loc);
    DurationArg size = { .ms = f->size, .loc = f->size_loc };
    DurationArg slide = { .ms = f->slide, .loc = f->slide_loc };
    switch (f->tvf) {
    case TVF_TUMBLE:
        w->window.kind = WIN_TUMBLING;
        w->window.size = size;
        break;
    case TVF_HOP:
    case TVF_CUMULATE:
        w->window.kind = f->tvf == TVF_HOP ? WIN_SLIDING : WIN_CUMULATE;
        w->window.size = size;
        w->window.slide = slide;
        break;
    case TVF_SESSION:
        w->window.kind = WIN_SESSION;
        w->window.gap = size;
        break;
    }
    return w;
}

/* ---- Legacy group windows ------------------------------------------------------------------ */

/* Flink's group window functions (ORDER LEGACY: TUMBLE, HOP, SESSION as SqlTvf). */
static const char *const legacy_names[] = { "TUMBLE", "HOP", "SESSION" };

static int legacy_kind(const char *name)
{
    for (int k = 0; k < 3; k++)
        if (strcmp(name, legacy_names[k]) == 0)
            return k;
    return -1;
}

/* An auxiliary function of the group window `w` (TUMBLE_START(ts, INTERVAL
 * ...), ..._END, ..._ROWTIME) anywhere in e and the expressions after it,
 * replaced in place by the window TVF's column; false after an error. */
static bool replace_window_aux(Lower *L, Expr *e, const Expr *w)
{
    for (; e; e = e->next) {
        switch (e->kind) {
        case EX_UNARY:
            if (!replace_window_aux(L, e->unary.operand, w))
                return false;
            break;
        case EX_BINARY:
            if (!replace_window_aux(L, e->binary.lhs, w) || !replace_window_aux(L, e->binary.rhs, w))
                return false;
            break;
        case EX_BETWEEN:
        case EX_IN:
        case EX_CASE:
        case EX_IS_NULL:
            if (!replace_window_aux(L, e->form.ops, w))
                return false;
            break;
        case EX_CALL: {
            const char *name = e->call.name, *us = strrchr(name, '_');
            int kind = us ? legacy_kind(arena_printf(L->a, "%.*s", (int)(us - name), name)) : -1;
            const char *col = !us                         ? NULL
                              : strcmp(us, "_START") == 0   ? "window_start"
                              : strcmp(us, "_END") == 0     ? "window_end"
                              : strcmp(us, "_ROWTIME") == 0 ? "window_time"
                                                            : NULL;
            if (kind < 0 || !col) {
                if (!replace_window_aux(L, e->call.args, w))
                    return false;
                break;
            }
            bool same = strcmp(legacy_names[kind], w->call.name) == 0 &&
                        e->call.nargs == w->call.nargs;
            for (const Expr *a = e->call.args, *b = w->call.args; same && a; a = a->next, b = b->next)
                same = a->kind == b->kind &&
                       (a->kind == EX_NAME ? strcmp(a->name.name, b->name.name) == 0
                                           : a->kind == EX_DURATION && a->int_value == b->int_value);
            if (!same) {
                diag_error(L->d, e->loc, "%s must repeat the GROUP BY's %s(...), its time and "
                           "intervals", name, w->call.name);
                return false;
            }
            Expr *next = e->next;
            *e = *name_expr(L, col, e->loc);
            e->next = next;
            break;
        }
        default:
            break;
        }
    }
    return true;
}

/* Flink's legacy group windows, `GROUP BY k, TUMBLE(ts, INTERVAL size)`
 * (HOP(ts, slide, size), SESSION(ts, gap)) with TUMBLE_START(ts, INTERVAL
 * size) and the like in the select list: the query is rewritten as the window
 * TVF it stands for (docs/sql.md, "Legacy group windows"); a SESSION is
 * partitioned by the other GROUP BY columns, per key as Flink's legacy
 * sessions are. False after an error. */
static bool legacy_window(Lower *L, SqlQuery *q, bool *legacy)
{
    Expr **at = NULL;
    for (Expr **g = &q->group_by; *g; g = &(*g)->next)
        if ((*g)->kind == EX_CALL && legacy_kind((*g)->call.name) >= 0) {
            if (at) {
                diag_error(L->d, (*g)->loc, "a GROUP BY has one group window");
                return false;
            }
            at = g;
        }
    if (!at)
        return true;
    *legacy = true;
    Expr *w = *at;
    SqlFrom *f = q->from;
    if (f->kind != FROM_NAME || f->join) {
        diag_unsupported(L->d, w->loc, "a group window over a subquery or a join",
                         "group a view, or write the window TVF: FROM TABLE(TUMBLE(TABLE t, "
                         "DESCRIPTOR(ts), INTERVAL ...))");
        return false;
    }
    SqlTvf kind = (SqlTvf)legacy_kind(w->call.name);
    int nargs = kind == TVF_HOP ? 3 : 2;
    bool ok = w->call.nargs == nargs && w->call.args->kind == EX_NAME;
    for (const Expr *a = w->call.args->next; ok && a; a = a->next)
        ok = a->kind == EX_DURATION && a->int_value > 0;
    if (!ok) {
        diag_error(L->d, w->loc, "%s", kind == TVF_HOP
                       ? "HOP takes the time column, the slide and the size: HOP(ts, INTERVAL "
                         "'1' MINUTE, INTERVAL '5' MINUTE)"
                       : arena_printf(L->a, "%s takes the time column and an interval: %s(ts, "
                                      "INTERVAL '1' MINUTE)", w->call.name, w->call.name));
        return false;
    }
    const Expr *ts = w->call.args, *first = ts->next, *second = first->next;
    f->kind = FROM_TVF;
    f->tvf = kind;
    f->tvf_loc = w->loc;
    f->descriptor = ts->name.name;
    f->descriptor_loc = ts->loc;
    f->size = second ? second->int_value : first->int_value;
    f->size_loc = second ? second->loc : first->loc;
    f->slide = first->int_value;
    f->slide_loc = first->loc;
    /* The window's bounds take the group window's place in the GROUP BY. */
    Expr *start = name_expr(L, "window_start", w->loc), *end = name_expr(L, "window_end", w->loc);
    start->next = end;
    end->next = w->next;
    *at = start;
    SqlName **plink = &f->partition;
    for (const Expr *g = q->group_by; kind == TVF_SESSION && g; g = g->next) {
        if (g == start || g == end || g->kind != EX_NAME)
            continue;
        SqlName *n = arena_alloc(L->a, sizeof *n);
        *n = (SqlName){ g->name.name, g->loc, NULL };
        *plink = n;
        plink = &n->next;
    }
    for (SqlItem *it = q->items; it; it = it->next)
        if (!replace_window_aux(L, it->expr, w))
            return false;
    return replace_window_aux(L, q->having, w);
}

/* One SELECT ... FROM ... [WHERE] [GROUP BY] [HAVING] as the stream `name`. */
/* The columns a GROUP BY of a join reads: each (qualifier, name) once, in
 * the order first read, with the name the join's view gives it. */
typedef struct JoinReads {
    const char *qual[128], *name[128], *as[128];
    Loc loc[128];
    int n;
    bool full;
} JoinReads;

/* The index of the column `e` names in r, or -1. */
static int read_index(const JoinReads *r, const Expr *e)
{
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->name[i], e->name.name) == 0 &&
            (r->qual[i] == e->name.qualifier ||
             (r->qual[i] && e->name.qualifier && strcmp(r->qual[i], e->name.qualifier) == 0)))
            return i;
    return -1;
}

/* Visits the names `e` reads: each becomes a column of r (`rename`
 * false), or the view's column, unqualified, under its name in r. */
static void visit_reads(JoinReads *r, Expr *e, bool rename)
{
    switch (e->kind) {
    case EX_NAME: {
        int i = read_index(r, e);
        if (rename && i >= 0) {
            e->name.name = r->as[i];
            e->name.qualifier = NULL;
        } else if (!rename && i < 0 && r->n == 128) {
            r->full = true;
        } else if (!rename && i < 0) {
            r->qual[r->n] = e->name.qualifier;
            r->name[r->n] = e->name.name;
            r->loc[r->n++] = e->loc;
        }
        return;
    }
    case EX_UNARY: visit_reads(r, e->unary.operand, rename); return;
    case EX_BINARY:
        visit_reads(r, e->binary.lhs, rename);
        visit_reads(r, e->binary.rhs, rename);
        return;
    case EX_CALL:
        for (Expr *a = e->call.args; a; a = a->next)
            visit_reads(r, a, rename);
        return;
    case EX_BETWEEN:
    case EX_IN:
    case EX_CASE:
    case EX_IS_NULL:
        for (Expr *a = e->form.ops; a; a = a->next)
            visit_reads(r, a, rename);
        return;
    case EX_INT:
    case EX_FLOAT:
    case EX_STRING:
    case EX_BOOL:
    case EX_DURATION: return;
    }
}

/* Every name the select list, GROUP BY and HAVING of q read. */
static void visit_query_reads(JoinReads *r, SqlQuery *q, bool rename)
{
    for (SqlItem *it = q->items; it; it = it->next)
        visit_reads(r, it->expr, rename);
    for (Expr *g = q->group_by; g; g = g->next)
        visit_reads(r, g, rename);
    if (q->having)
        visit_reads(r, q->having, rename);
}

/* A GROUP BY of a join (Nexmark q4) groups a view of the join: the join
 * with its conditions gives the columns the grouping reads, each under its
 * name, or qualifier_name where both sides' are read (docs/sql.md, "Joins");
 * the query, its names renamed so, groups that view. The grouped query, or
 * NULL after an error. */
static SqlQuery *group_of_join(Lower *L, SqlQuery *q)
{
    JoinReads r = { .n = 0 };
    for (SqlItem *it = q->items; it; it = it->next)
        if (!it->expr) {
            diag_unsupported(L->d, it->loc, "SELECT * of a GROUP BY", "name the columns");
            return NULL;
        }
    visit_query_reads(&r, q, false);
    if (r.full) {
        diag_unsupported(L->d, q->group_loc, "a GROUP BY of a join reading more than 128 "
                         "columns", NULL);
        return NULL;
    }
    SqlItem *items = NULL, **link = &items;
    for (int i = 0; i < r.n; i++) {
        bool twice = false;
        for (int k = 0; k < r.n; k++)
            twice |= k != i && strcmp(r.name[k], r.name[i]) == 0;
        r.as[i] = twice && r.qual[i] ? arena_printf(L->a, "%s_%s", r.qual[i], r.name[i])
                                     : r.name[i];
        SqlItem *it = arena_alloc(L->a, sizeof *it);
        it->expr = name_expr(L, r.name[i], r.loc[i]);
        it->expr->name.qualifier = r.qual[i];
        it->alias = r.as[i];
        it->loc = it->alias_loc = r.loc[i];
        *link = it;
        link = &it->next;
    }
    SqlQuery *join = arena_alloc(L->a, sizeof *join);
    join->loc = q->loc;
    join->items = items;
    join->from = q->from;
    join->where = q->where;
    SqlFrom *view = arena_alloc(L->a, sizeof *view);
    view->kind = FROM_QUERY;
    view->loc = q->from->loc;
    view->query = join;
    SqlQuery *g = arena_alloc(L->a, sizeof *g);
    *g = *q;
    g->from = view;
    g->where = NULL;
    visit_query_reads(&r, g, true);
    return g;
}

static Decl *lower_select(Lower *L, SqlQuery *q, const char *name, Loc loc, SqlTable *sink)
{
    /* This query's rows are a GROUP BY's (its FROM's subquery's, below). */
    bool aggregated = L->agg_rows;
    L->agg_rows = false;
    if (q->from->join && (q->group_by || q->having)) {
        q = group_of_join(L, q);
        if (!q)
            return NULL;
    }
    if (q->from->join)
        return lower_join(L, q, name, loc, sink);
    if (q->from->kind == FROM_QUERY && row_number_item(q->from->query))
        return lower_topn(L, q, name, loc, sink);
    bool legacy = false;
    if (!legacy_window(L, q, &legacy))
        return NULL;
    int errors_before = L->d->errors;
    SqlFrom *f = q->from;
    SqlTable *table = NULL;
    const char *input = NULL;
    if (f->kind == FROM_QUERY) {
        L->agg_rows = q->group_by != NULL;
        Decl *sub = lower_query(L, f->query, fresh_name(L, arena_printf(L->a, "%s_from", name)),
                                f->loc, NULL);
        L->agg_rows = false;
        input = sub ? sub->name : NULL;
    } else {
        input = lower_input(L, f->name, f->name_loc, &table);
    }
    if (!input)
        return NULL;
    Scope s = { .place = AT_ROW, .table = table && !table->is_view ? table : NULL,
                .input = f->kind == FROM_QUERY ? NULL : f->name, .alias = f->alias,
                .window = f->kind == FROM_TVF };
    Decl *d = new_decl(L, DECL_STREAM, loc, name, loc);
    d->stream.input = new_ref(L, input, f->kind == FROM_QUERY ? f->loc : f->name_loc);
    d->stream.alias = f->alias;
    d->stream.alias_loc = f->alias_loc;
    Op **tail = &d->stream.ops;
    if (q->where) {
        Op *w = new_op(L, OP_WHERE, q->where->loc);
        w->where = lower_expr(L, &s, q->where);
        push_op(&tail, w);
    }
    const char **cols = NULL;
    if (f->kind == FROM_TVF && q->distinct) {
        diag_unsupported(L->d, q->distinct_loc, "SELECT DISTINCT of a window TVF",
                         "GROUP BY window_start, window_end and the columns");
        return NULL;
    }
    /* A GROUP BY of window results by their windows' bounds is a window
     * aggregate again (docs/sql.md, "Window results"). */
    RowsWindow in;
    bool rewindow = f->kind != FROM_TVF && grouped_window(L, q, &in);
    bool tvf = f->kind == FROM_TVF;
    bool updating = !tvf && !rewindow && (q->group_by || q->having || q->distinct);
    bool changelog = false;
    if (updating && !updating_ok(L, q, sink, aggregated, &changelog))
        return NULL;
    /* Early firing: the window's result so far every delay, a changelog of
     * (key, window) rows (docs/sql.md, "Legacy group windows"). */
    bool early = legacy && L->early_fire;
    if (tvf && !legacy && L->early_fire)
        diag_warning(L->d, f->tvf_loc, "the early-fire settings apply to legacy group windows "
                     "(GROUP BY TUMBLE(...)), as in Flink: this window TVF emits its results "
                     "once");
    if (early && !L->has_early_delay) {
        diag_error(L->d, L->early_on_loc, "table.exec.emit.early-fire.enabled needs "
                   "table.exec.emit.early-fire.delay: SET it to the interval of the early "
                   "results");
        return NULL;
    }
    const char *conn = early && sink ? table_connector_name(sink) : "";
    if (early && strcmp(conn, "print") != 0 && strcmp(conn, "filesystem") != 0 &&
        strcmp(conn, "blackhole") != 0) {
        diag_unsupported(L->d, f->tvf_loc, sink ? arena_printf(L->a, "early-fire results into "
                                                               "connector '%s'", conn)
                                                : "early-fire results in a view or subquery",
                         "they are a changelog: write them to 'print' or 'filesystem', which "
                         "show the row kind");
        return NULL;
    }
    changelog |= early;
    L->changelog = changelog;
    if (tvf || rewindow || updating) {
        if (!updating && !q->group_by) {
            diag_unsupported(L->d, f->tvf_loc, "a window TVF without GROUP BY",
                             "group by window_start, window_end (and keys)");
            return NULL;
        }
        const char **vcols = tvf && table && table->is_view ? table_cols(L, table) : NULL;
        if (vcols && !in_cols(vcols, f->descriptor))
            unknown(L, f->descriptor_loc, "column", f->descriptor, vcols);
        if (tvf && table && !table->is_view) {
            SqlColumn *c = find_column(table, f->descriptor);
            if (!c)
                unknown(L, f->descriptor_loc, "column", f->descriptor, column_names(L, table));
            else if (table->has_watermark ? strcmp(c->name, table->wm_col) != 0 : !c->proctime)
                diag_error(L->d, f->descriptor_loc, "the time column of a window is %s",
                           table->has_watermark
                               ? arena_printf(L->a, "the WATERMARK column '%s'", table->wm_col)
                               : "a column declared AS PROCTIME() (the table has no WATERMARK)");
        }
        bool has_start = false, has_end = false;
        Expr *keys = NULL, **klink = &keys;
        int nkeys = 0;
        for (Expr *g = q->group_by; g; g = g->next) {
            if (g->kind != EX_NAME) {
                diag_unsupported(L->d, g->loc, "GROUP BY an expression",
                                 "group by columns; compute others in a view");
                return NULL;
            }
            if (rewindow && strcmp(g->name.name, "window_start") == 0 && in.size != in.step) {
                diag_unsupported(L->d, g->loc, "GROUP BY window_start of HOP or CUMULATE "
                                 "results", "rename it where the window is grouped: "
                                 "window_start AS starttime");
                return NULL;
            }
            if (!updating && strcmp(g->name.name, "window_start") == 0) {
                has_start = true;
            } else if (!updating && strcmp(g->name.name, "window_end") == 0) {
                has_end = true;
            } else if (!updating && strcmp(g->name.name, "window_time") == 0) {
                diag_unsupported(L->d, g->loc, "GROUP BY window_time", "window_start, window_end");
            } else {
                Expr *k = name_expr(L, g->name.name, g->loc);
                k->name.qualifier = g->name.qualifier;
                k = lower_name(L, &s, k);
                SqlColumn *c = s.table ? find_column(s.table, k->name.name) : NULL;
                if (c && !c->not_null && !in_names(s.table->pk, c->name))
                    diag_error(L->d, g->loc, "GROUP BY column '%s' may be null: declare it %s "
                               "NOT NULL in table '%s' (flowc's keys cannot be null; a null "
                               "then makes its record bad)", c->name, c->type_text,
                               s.table->name);
                *klink = k;
                klink = &k->next;
                nkeys++;
            }
        }
        if (tvf && (!has_start || !has_end)) {
            diag_error(L->d, q->group_loc, "GROUP BY of a window TVF needs both window_start and "
                       "window_end");
            return NULL;
        }
        if (tvf && f->tvf == TVF_SESSION) {
            int np = 0;
            for (SqlName *pn = f->partition; pn; pn = pn->next, np++) {
                bool found = false;
                for (Expr *k = keys; k; k = k->next)
                    found |= strcmp(k->name.name, pn->name) == 0;
                if (!found)
                    diag_error(L->d, pn->loc, "PARTITION BY column '%s' must be in GROUP BY",
                               pn->name);
            }
            if (np != nkeys)
                diag_unsupported(L->d, f->partition ? f->partition->loc : f->tvf_loc,
                                 "SESSION grouped by columns it is not partitioned by",
                                 "flowc's sessions are per key: write SESSION(TABLE t PARTITION "
                                 "BY k, ...) with the GROUP BY columns");
        }
        if (keys) {
            Op *k = new_op(L, OP_KEY_BY, q->group_loc);
            for (Expr *x = keys; x; x = x->next)
                k->key_by.nfields++;
            /* Flow's key fields are plain names of the record. */
            for (Expr *x = keys; x; x = x->next)
                x->name.qualifier = NULL;
            k->key_by.fields = keys;
            push_op(&tail, k);
        }
        if (tvf) {
            Op *w = tvf_window(L, f);
            if (early) {
                w->update.has_every = true;
                w->update.every = (DurationArg){ .ms = L->early_ms, .loc = L->early_loc };
            }
            push_op(&tail, w);
        }
        if (rewindow) {
            /* The input's rows of one window have one time: a tumbling
             * window of its step holds exactly them. */
            Op *w = new_op(L, OP_WINDOW, q->group_loc);
            w->window.kind = WIN_TUMBLING;
            w->window.size = (DurationArg){ .ms = in.step, .loc = in.loc };
            push_op(&tail, w);
            s.window = has_start || has_end;
        }
        Op *agg = new_op(L, OP_AGGREGATE, q->group_loc);
        push_op(&tail, agg);
        s.place = AT_RESULT;
        s.keys = keys;
        s.aggs = &agg->aggregate;
        /* What the aggregate gives, in its order, for identity_select. */
        cols = arena_alloc(L->a, sizeof *cols * (size_t)(nkeys + 3 + 64));
        int nc = 0;
        if (updating || early)
            cols[nc++] = "op";
        for (Expr *k = keys; k; k = k->next)
            cols[nc++] = k->name.name;
        if (!updating) {
            cols[nc++] = "window_start";
            cols[nc++] = "window_end";
        }
        Item *items = NULL, **ilink = &items;
        /* An updating result shows its row kind where the sink has no key
         * to upsert on (docs/sql.md, "Updating results"). */
        if (changelog) {
            *ilink = new_item(L, "op", q->loc, name_expr(L, "op", q->loc));
            ilink = &(*ilink)->next;
        }
        const SqlColumn *sc = sink ? next_sink_col(sink->cols) : NULL;
        for (SqlItem *it = q->items; it; it = it->next) {
            if (!it->expr) {
                diag_unsupported(L->d, it->loc, "SELECT * of a window aggregate",
                                 "name the columns");
                return NULL;
            }
            const char *out = item_name(L, it, sc);
            Expr *x = it->expr;
            bool whole_agg = x->kind == EX_CALL && (find_fn(x->call.name)
                                                        ? find_fn(x->call.name)->kind == FN_AGG
                                                        : strcmp(x->call.name,
                                                                 "@count_distinct") == 0);
            s.agg_name = whole_agg && !is_key(&s, out) && !is_window_col(out) ? out : NULL;
            int before = s.naggs;
            x = lower_expr(L, &s, x);
            if (whole_agg && s.naggs == before + 1 && nc < nkeys + 3 + 63)
                cols[nc++] = out;
            Item *item = new_item(L, out, it->loc, x);
            *ilink = item;
            ilink = &item->next;
            if (sc)
                sc = next_sink_col(sc->next);
        }
        cols[nc] = NULL;
        if (q->having) {
            Op *h = new_op(L, OP_WHERE, q->having_loc);
            h->where = lower_expr(L, &s, q->having);
            push_op(&tail, h);
        }
        bool implicit_agg = !agg->aggregate && L->d->errors == errors_before;
        if (implicit_agg) {
            /* GROUP BY k without an aggregate (SELECT DISTINCT): one row per key, once
             * (per window: Nexmark q8's people of each window). */
            Expr *t = sql_expr(L->a, EX_BOOL, q->group_loc);
            t->bool_value = true;
            agg->aggregate = new_item(L, "agg_1", q->group_loc, t);
            agg->aggregate->agg_name = "min";
            agg->aggregate->agg_loc = q->group_loc;
        }
        if (!agg->aggregate)
            return NULL; /* after an error */
        /* The rows of an updating subquery keep its GROUP BY columns, the
         * changelog's row key, which the Top-N or GROUP BY reading them
         * needs even where the SELECT leaves them out (Nexmark q4). */
        for (Expr *k = updating && !sink ? keys : NULL; k; k = k->next) {
            bool named = false;
            for (const Item *it = items; it; it = it->next)
                named |= strcmp(it->name, k->name.name) == 0;
            if (!named) {
                *ilink = new_item(L, k->name.name, q->group_loc,
                                  name_expr(L, k->name.name, q->group_loc));
                ilink = &(*ilink)->next;
            }
        }
        if (q->having || implicit_agg || !identity_select(items, cols)) {
            Op *sel = new_op(L, OP_SELECT, q->loc);
            sel->select = items;
            push_op(&tail, sel);
        }
    } else {
        if (f->kind == FROM_NAME && table)
            cols = table_cols(L, table);
        Item *items = NULL, **ilink = &items;
        const SqlColumn *sc = sink ? next_sink_col(sink->cols) : NULL;
        for (SqlItem *it = q->items; it; it = it->next) {
            if (!it->expr) {
                if (!cols) {
                    diag_unsupported(L->d, it->loc, "SELECT * of a subquery or of a view "
                                     "with SELECT *", "name the columns");
                    return NULL;
                }
                for (int i = 0; cols[i]; i++) {
                    Item *item = new_item(L, sc ? sc->name : cols[i], it->loc,
                                          name_expr(L, cols[i], it->loc));
                    *ilink = item;
                    ilink = &item->next;
                    if (sc)
                        sc = next_sink_col(sc->next);
                }
                continue;
            }
            const char *out = item_name(L, it, sc);
            Item *item = new_item(L, out, it->loc, lower_expr(L, &s, it->expr));
            *ilink = item;
            ilink = &item->next;
            if (sc)
                sc = next_sink_col(sc->next);
        }
        if (!identity_select(items, cols)) {
            Op *sel = new_op(L, OP_SELECT, q->loc);
            sel->select = items;
            push_op(&tail, sel);
        }
    }
    return d;
}

/* A query, its UNION ALL branches first as streams of their own. */
static Decl *lower_query(Lower *L, SqlQuery *q, const char *name, Loc loc, SqlTable *sink)
{
    NameRef *others = NULL, **olink = &others;
    for (SqlQuery *u = q->union_all; u; u = u->union_all) {
        Decl *b = lower_select(L, u, fresh_name(L, arena_printf(L->a, "%s_union", name)), u->loc,
                               sink);
        if (!b)
            return NULL;
        add_decl(L, b);
        *olink = new_ref(L, b->name, u->loc);
        olink = &(*olink)->next;
    }
    Decl *d = lower_select(L, q, name, loc, sink);
    if (!d)
        return NULL;
    if (others) {
        Op *u = new_op(L, OP_UNION, q->union_loc);
        u->union_of = others;
        Op **tail = &d->stream.ops;
        while (*tail)
            tail = &(*tail)->next;
        *tail = u;
    }
    add_decl(L, d);
    return d;
}

/* INSERT INTO t (b, a) SELECT ...: each SELECT's items put in the order of
 * t's columns, which the list must name each once (flowc has no NULL to
 * write into a column left out). */
static bool order_by_column_list(Lower *L, SqlStmt *st, const SqlTable *t)
{
    int ncols = 0, nlist = 0;
    for (const SqlColumn *c = t->cols; c; c = c->next)
        ncols += !c->proctime;
    for (const SqlName *n = st->target_cols; n; n = n->next, nlist++) {
        const SqlColumn *c = find_column(t, n->name);
        if (!c || c->proctime) {
            unknown(L, n->loc, "column", n->name, column_names(L, t));
            return false;
        }
        for (const SqlName *m = st->target_cols; m != n; m = m->next)
            if (strcmp(m->name, n->name) == 0) {
                diag_error(L->d, n->loc, "column '%s' is listed twice", n->name);
                return false;
            }
    }
    if (nlist != ncols) {
        for (const SqlColumn *c = t->cols; c; c = c->next)
            if (!c->proctime && !in_names(st->target_cols, c->name)) {
                not_supported(L->d, st->target_loc, arena_printf(L->a, "leaving column '%s' "
                              "out of INSERT INTO %s (...)", c->name, t->name),
                              "flowc has no NULL to write into it: list every column");
                return false;
            }
    }
    for (SqlQuery *q = st->query; q; q = q->union_all) {
        SqlItem **items = arena_alloc(L->a, sizeof *items * (size_t)ncols);
        int n = 0;
        for (SqlItem *it = q->items; it; it = it->next, n++) {
            if (!it->expr) {
                diag_unsupported(L->d, it->loc, "SELECT * with a column list", "name the columns");
                return false;
            }
            if (n < ncols)
                items[n] = it;
        }
        if (n != ncols) {
            diag_error(L->d, q->loc, "the query gives %d column%s, the list names %d", n,
                       n == 1 ? "" : "s", ncols);
            return false;
        }
        SqlItem **link = &q->items;
        for (const SqlColumn *c = t->cols; c; c = c->next) {
            if (c->proctime)
                continue;
            int i = 0;
            for (const SqlName *m = st->target_cols; strcmp(m->name, c->name) != 0; m = m->next)
                i++;
            *link = items[i];
            link = &items[i]->next;
        }
        *link = NULL;
    }
    return true;
}

/* A SET: the settings flowc reads apply to the INSERTs after it; the others
 * are said to do nothing (docs/sql.md, "SET"). */
static void lower_set(Lower *L, const SqlOption *o)
{
    int64_t ms;
    if (strcmp(o->key, "table.exec.state.ttl") == 0) {
        if (!flink_duration(L, o, &ms))
            return;
        L->has_ttl = ms > 0; /* 0: no ttl, as Flink's default */
        L->ttl_ms = ms;
        L->ttl_loc = o->value_loc;
    } else if (strcmp(o->key, "table.exec.emit.early-fire.enabled") == 0) {
        if (strcmp(o->value, "true") != 0 && strcmp(o->value, "false") != 0) {
            diag_error(L->d, o->value_loc, "'%s' is 'true' or 'false'", o->key);
            return;
        }
        L->early_fire = strcmp(o->value, "true") == 0;
        L->early_on_loc = o->key_loc;
    } else if (strcmp(o->key, "table.exec.emit.early-fire.delay") == 0) {
        if (!flink_duration(L, o, &ms))
            return;
        if (ms <= 0) {
            diag_error(L->d, o->value_loc, "the early-fire delay must be positive");
            return;
        }
        L->has_early_delay = true;
        L->early_ms = ms;
        L->early_loc = o->value_loc;
    } else if (strncmp(o->key, "table.exec.emit.", 16) == 0) {
        diag_unsupported(L->d, o->key_loc, o->key,
                         "flowc reads table.exec.emit.early-fire.enabled and .delay (docs/sql.md, "
                         "\"Legacy group windows\"); a late firing is .flow's `lateness L`");
    } else {
        diag_warning(L->d, o->key_loc, "setting '%s' is not read by flowc: it changes nothing",
                     o->key);
    }
}

/* The settings in force on the operators of the decls from `first` on: the
 * state ttl on updating aggregates and regular joins. */
static void apply_settings(Lower *L, Decl *first)
{
    if (!L->has_ttl)
        return;
    for (Decl *d = first; d; d = d->next) {
        if (d->kind != DECL_STREAM)
            continue;
        const Op *prev = NULL;
        for (Op *op = d->stream.ops; op; prev = op, op = op->next) {
            DurationArg ttl = { .ms = L->ttl_ms, .loc = L->ttl_loc };
            if (op->kind == OP_AGGREGATE && (!prev || prev->kind != OP_WINDOW)) {
                op->update.has_ttl = true;
                op->update.ttl = ttl;
            } else if (op->kind == OP_JOIN && op->join.regular) {
                op->join.has_ttl = true;
                op->join.ttl = ttl;
            }
        }
    }
}

static void lower_insert(Lower *L, SqlStmt *st)
{
    SqlTable *t = find_table(L, st->target, st->target_loc);
    if (!t)
        return;
    if (t->is_view) {
        diag_error(L->d, st->target_loc, "cannot INSERT INTO view '%s': a sink is a table",
                   t->name);
        return;
    }
    if (st->target_cols && !order_by_column_list(L, st, t))
        return;
    const char *name = fresh_name(L, t->name);
    L->changelog = false;
    Decl **first = L->last;
    Decl *stream = lower_query(L, st->query, name, st->target_loc, t);
    if (!stream)
        return;
    apply_settings(L, *first);
    Decl *sink = new_decl(L, DECL_SINK, st->loc, NULL, st->target_loc);
    sink->sink.stream = new_ref(L, stream->name, st->target_loc);
    sink->sink.conn = table_connector(L, t, true);
    add_decl(L, sink);
    SqlInsert *ins = arena_alloc(L->a, sizeof *ins);
    ins->sink = t;
    ins->stream = stream;
    ins->loc = st->target_loc;
    ins->changelog = L->changelog;
    SqlInsert **link = &L->sp->inserts;
    while (*link)
        link = &(*link)->next;
    *link = ins;
}

void sql_lower(Arena *a, Diag *d, SqlProgram *sp, Program *prog)
{
    Lower L = { .a = a, .d = d, .sp = sp, .last = &prog->decls };
    SqlTable **tlink = &sp->tables;
    for (SqlStmt *st = sp->stmts; st; st = st->next) {
        sp->explain |= st->explain;
        switch (st->kind) {
        case STMT_CREATE_TABLE:
        case STMT_CREATE_VIEW: {
            bool dup = false;
            for (SqlTable *t = sp->tables; t; t = t->next)
                if (strcmp(t->name, st->table->name) == 0) {
                    diag_error(d, st->table->name_loc, "table '%s' is already declared",
                               t->name);
                    diag_note(d, t->name_loc, "'%s' is declared here", t->name);
                    dup = true;
                }
            if (dup)
                break;
            if (st->kind == STMT_CREATE_TABLE)
                check_table(&L, st->table);
            /* A table is visible to the statements after it only. */
            *tlink = st->table;
            tlink = &st->table->next;
            break;
        }
        case STMT_INSERT:
            lower_insert(&L, st);
            break;
        case STMT_SET:
            lower_set(&L, st->set);
            break;
        case STMT_CREATE_FUNCTION:
            lower_create_function(&L, st);
            break;
        }
    }
    /* A table no statement uses still has its options checked, on the side
     * its connector can be: none is ignored. */
    for (SqlTable *t = sp->tables; t; t = t->next) {
        if (t->is_view || t->have_conn[0] || t->have_conn[1])
            continue;
        const SqlOption *c = NULL;
        for (const SqlOption *o = t->options; o; o = o->next)
            if (strcmp(o->key, "connector") == 0)
                c = o;
        bool sink = c && (strcmp(c->value, "print") == 0 || strcmp(c->value, "blackhole") == 0);
        table_connector(&L, t, sink);
    }
}

/* ---- The front end -------------------------------------------------------------------------- */

bool sql_is_sql_path(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && strcasecmp(path + n - 4, ".sql") == 0;
}

Program *sql_parse_program(Arena *a, Diag *d, const char *src, size_t len, SqlProgram **out)
{
    Program *prog = arena_alloc(a, sizeof *prog);
    prog->filename = d->filename;
    SqlProgram *sp = arena_alloc(a, sizeof *sp);
    *out = sp;
    sp->stmts = sql_parse(a, d, src, len);
    sql_lower(a, d, sp, prog);
    if (!sp->inserts && d->errors == 0)
        diag_error(d, (Loc){ 0, 0 }, "the job has no INSERT INTO: nothing would be written");
    return prog;
}

static bool widens(TypeKind from, TypeKind to)
{
    return from == to || (from == TY_INT32 && (to == TY_INT64 || to == TY_FLOAT64)) ||
           (from == TY_INT64 && to == TY_FLOAT64);
}

static const char *sql_type_of(TypeKind t)
{
    switch (t) {
    case TY_BOOL: return "BOOLEAN";
    case TY_INT32: return "INT";
    case TY_INT64: return "BIGINT";
    case TY_FLOAT64: return "DOUBLE";
    case TY_STRING: return "STRING";
    case TY_TIMESTAMP: return "TIMESTAMP(3)";
    case TY_ERROR: return "?";
    }
    return "?";
}

bool sql_check_inserts(Diag *d, const SqlProgram *sp)
{
    int before = d->errors;
    for (const SqlInsert *ins = sp->inserts; ins; ins = ins->next) {
        const Schema *s = ins->stream->schema;
        if (!s)
            continue;
        int ncols = 0, i = ins->changelog;
        for (const SqlColumn *c = ins->sink->cols; c; c = c->next)
            ncols += !c->proctime;
        if (s->nfields - i != ncols) {
            diag_error(d, ins->loc, "the query gives %d column%s, table '%s' has %d",
                       s->nfields - i, s->nfields - i == 1 ? "" : "s", ins->sink->name, ncols);
            continue;
        }
        for (const SqlColumn *c = ins->sink->cols; c; c = c->next) {
            if (c->proctime)
                continue;
            const Field *f = &s->fields[i++];
            if (c->type == TY_ERROR || f->type == TY_ERROR || widens(f->type, c->type))
                continue;
            bool narrows = (f->type == TY_FLOAT64 || f->type == TY_INT64) &&
                           (c->type == TY_INT32 || c->type == TY_INT64);
            diag_error(d, f->loc, "column '%s' of table '%s' is %s, the query gives %s%s",
                       c->name, ins->sink->name, c->type_text, sql_type_of(f->type),
                       narrows ? " (write CAST(... AS the column's type))" : "");
        }
    }
    return d->errors == before;
}
