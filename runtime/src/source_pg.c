/* source_pg.c: the postgres(...) source (flowrt_pg_source_ops): a bounded
 * read of a table (table=, in primary key order when it has one) or of a
 * query (query=) through a server-side cursor, FETCHed a batch at a time, so
 * that the rows never sit in memory all at once. The schema's fields are the
 * result's columns of the same names, checked for a fitting type before any
 * row is read (docs/postgres.md has the mapping). Its position is the number
 * of rows read; a seek skips that many rows of the same ordered result. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors.h"
#include "errors.h"
#include "pg.h"
#include "rt.h"

/* The type OIDs of the PostgreSQL catalog (pg_type.oid, fixed forever). */
enum {
    OID_BOOL = 16,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_TIMESTAMP = 1114,
    OID_TIMESTAMPTZ = 1184,
    OID_NUMERIC = 1700,
};

#define CURSOR "flowc_source"

typedef struct PgSource {
    Source base;
    PGconn *pg;
    bool ordered;         /* the rows come in an order a seek can count on */
    int *cols;            /* per field: its column in the result */
    Oid *types;           /* per field: its column's type */
    FlowField *fields;
    int64_t rows;         /* rows read: the position */
    char *query;          /* what the cursor reads */
} PgSource;

static void *alloc_or_die(size_t size)
{
    void *p = calloc(1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "flow: out of memory (postgres source)\n");
        abort();
    }
    return p;
}

static bool fits(FlowType t, Oid oid)
{
    switch (t) {
    case FLOW_BOOL: return oid == OID_BOOL;
    case FLOW_INT32: return oid == OID_INT2 || oid == OID_INT4;
    case FLOW_INT64: return oid == OID_INT2 || oid == OID_INT4 || oid == OID_INT8;
    case FLOW_FLOAT64:
        return oid == OID_INT2 || oid == OID_INT4 || oid == OID_INT8 || oid == OID_FLOAT4 ||
               oid == OID_FLOAT8 || oid == OID_NUMERIC;
    case FLOW_STRING: return true;
    case FLOW_TIMESTAMP: return oid == OID_TIMESTAMP || oid == OID_TIMESTAMPTZ;
    case FLOW_DURATION: break; /* only a param's type */
    }
    return false;
}

static const char *type_name(FlowType t)
{
    switch (t) {
    case FLOW_BOOL: return "bool";
    case FLOW_INT32: return "int32";
    case FLOW_INT64: return "int64";
    case FLOW_FLOAT64: return "float64";
    case FLOW_STRING: return "string";
    case FLOW_TIMESTAMP: return "timestamp";
    case FLOW_DURATION: break; /* only a param's type */
    }
    return "?";
}

/* The server's text of a value, as the field decoders read it: a bool is
 * `t` or `f`, and a timestamptz in the session's UTC ends in "+00". */
static FlowField field_of(const PgSource *ps, const PGresult *res, int row, int k)
{
    const char *v = PQgetvalue(res, row, ps->cols[k]);
    size_t len = (size_t)PQgetlength(res, row, ps->cols[k]);
    if (ps->types[k] == OID_BOOL && len == 1)
        return (FlowField){ v[0] == 't' ? "true" : "false", v[0] == 't' ? 4 : 5, FLOW_FIELD_TEXT };
    if (ps->types[k] == OID_TIMESTAMPTZ && len > 3 && memcmp(v + len - 3, "+00", 3) == 0)
        len -= 3;
    return (FlowField){ v, len, FLOW_FIELD_TEXT };
}

/* A read that failed: the run fails, but for a table's refresh, which
 * keeps the rows it had (table.c). */
static SourceStatus read_failed(Source *src, FlowRuntime *rt, char *err)
{
    if (src->refresh)
        fprintf(stderr, "%s: table %s keeps its rows: cannot refresh it: %s\n", rt->prog->name,
                src->def->name, err);
    else
        flowrt_runtime_fail(rt, "source '%s': %s", src->def->name, err);
    free(err);
    return SOURCE_FAILED;
}

static SourceStatus pg_poll(Source *src, FlowRuntime *rt, int max)
{
    PgSource *ps = (PgSource *)src;
    char sql[64];
    snprintf(sql, sizeof sql, "FETCH FORWARD %d FROM " CURSOR, max > 0 ? max : 1);
    char *err = NULL;
    PGresult *res = flowrt_pg_exec(&src->def->conn, ps->pg, sql, PGRES_TUPLES_OK,
                                   "reading the rows", &err);
    if (!res)
        return read_failed(src, rt, err);
    int n = PQntuples(res);
    for (int r = 0; r < n && !rt->failed; r++) {
        src->where = ++ps->rows;
        flowrt_runtime_begin_record(rt, src);
        int null = -1;
        for (int k = 0; k < src->def->nfields; k++) {
            if (PQgetisnull(res, r, ps->cols[k]) && null < 0)
                null = k;
            ps->fields[k] = field_of(ps, res, r, k);
        }
        if (null >= 0)
            flowrt_source_bad_record(rt, src, src->def->field_names[null], "NULL");
        else
            src->def->decode(rt, ps->fields);
    }
    PQclear(res);
    if (rt->failed)
        return SOURCE_FAILED;
    if (n > 0)
        return SOURCE_MORE;
    /* The end: the snapshot's transaction has nothing left to read. */
    if (!flowrt_pg_command(&src->def->conn, ps->pg, "CLOSE " CURSOR "; COMMIT",
                           "ending the read", &err))
        return read_failed(src, rt, err);
    return SOURCE_DONE;
}

static void pg_position(const Source *src, Position *pos)
{
    flowrt_position_clear(pos);
    flowrt_position_put_int64(pos, ((const PgSource *)src)->rows);
}

/* Skipping rows is only a seek when they come in a stable order: a table
 * without a primary key has none (docs/postgres.md). */
static bool pg_seek(Source *src, const Position *pos)
{
    PgSource *ps = (PgSource *)src;
    size_t at = 0;
    int64_t rows;
    if (!flowrt_position_get_int64(pos, &at, &rows) || at != pos->len || rows < ps->rows ||
        (rows > 0 && !ps->ordered))
        return false;
    if (rows == ps->rows)
        return true;
    char sql[96];
    snprintf(sql, sizeof sql, "MOVE FORWARD %lld IN " CURSOR, (long long)(rows - ps->rows));
    PGresult *res = PQexec(ps->pg, sql);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (ok)
        ps->rows = rows;
    return ok;
}

static void pg_close(Source *src)
{
    PgSource *ps = (PgSource *)src;
    PQfinish(ps->pg);
    free(ps->cols);
    free(ps->types);
    free(ps->fields);
    free(ps->query);
    free(ps);
}

/* "a, b, c": the result's columns, for a message about a missing one. */
static char *column_list(const PGresult *res)
{
    size_t len = 1;
    for (int c = 0; c < PQnfields(res); c++)
        len += strlen(PQfname(res, c)) + 2;
    char *s = alloc_or_die(len);
    for (int c = 0; c < PQnfields(res); c++) {
        if (c)
            strcat(s, ", ");
        strcat(s, PQfname(res, c));
    }
    return s;
}

/* The cursor over the rows in one snapshot, and each field's column. */
static bool open_cursor(PgSource *ps, const char *table, const char *query, char **err)
{
    const FlowConnector *conn = &ps->base.def->conn;
    const FlowSourceDef *def = ps->base.def;
    if (table) {
        char *key = flowrt_pg_primary_key(conn, ps->pg, table, err);
        if (!key)
            return false;
        ps->ordered = *key != '\0';
        if (asprintf(&ps->query, "SELECT * FROM %s%s%s", table, ps->ordered ? " ORDER BY " : "",
                     key) < 0)
            ps->query = NULL;
        free(key);
    } else {
        /* The user's query: its ORDER BY is what a seek counts on. */
        ps->ordered = true;
        ps->query = strdup(query);
    }
    if (!ps->query) {
        fprintf(stderr, "flow: out of memory (postgres source)\n");
        abort();
    }
    char *sql;
    if (asprintf(&sql, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
                       "DECLARE " CURSOR " NO SCROLL CURSOR FOR %s",
                 ps->query) < 0)
        abort();
    bool ok = flowrt_pg_command(conn, ps->pg, sql, table ? "reading the table" : "the query", err);
    free(sql);
    if (!ok)
        return false;
    PGresult *desc = PQdescribePortal(ps->pg, CURSOR);
    if (PQresultStatus(desc) != PGRES_COMMAND_OK) {
        *err = flowrt_connargs_message(conn, "describing the rows: %s", flowrt_pg_message(ps->pg));
        PQclear(desc);
        return false;
    }
    for (int k = 0; k < def->nfields && ok; k++) {
        ps->cols[k] = -1;
        for (int c = 0; c < PQnfields(desc) && ps->cols[k] < 0; c++)
            if (strcmp(PQfname(desc, c), def->field_names[k]) == 0)
                ps->cols[k] = c;
        if (ps->cols[k] < 0) {
            char *have = column_list(desc);
            *err = flowrt_connargs_message(conn, "field '%s' is not a column of %s (it has: %s)",
                                           def->field_names[k], table ? table : "the query",
                                           have);
            free(have);
            ok = false;
            break;
        }
        ps->types[k] = PQftype(desc, ps->cols[k]);
        if (!fits(def->field_types[k], ps->types[k])) {
            char oid[16];
            snprintf(oid, sizeof oid, "%u", (unsigned)ps->types[k]);
            const char *param = oid;
            PGresult *t = PQexecParams(ps->pg, "SELECT format_type($1::oid, NULL)", 1, NULL,
                                       &param, NULL, NULL, 0);
            *err = flowrt_connargs_message(
                conn, "field '%s' is %s, but column '%s' is %s (docs/postgres.md has the types)",
                def->field_names[k], type_name(def->field_types[k]), def->field_names[k],
                PQresultStatus(t) == PGRES_TUPLES_OK ? PQgetvalue(t, 0, 0) : oid);
            PQclear(t);
            ok = false;
        }
    }
    PQclear(desc);
    return ok;
}

static Source *pg_open(const FlowRuntime *rt, const FlowSourceDef *def, int index,
                       const ParamValues *params, char **err)
{
    (void)rt;
    PgSource *ps = alloc_or_die(sizeof *ps);
    ConnArgs args;
    flowrt_connargs_init(&args, &def->conn, params);
    const char *conninfo = flowrt_connargs_text(&args, "conninfo", NULL);
    const char *table = flowrt_connargs_text(&args, "table", NULL);
    const char *query = flowrt_connargs_text(&args, "query", NULL);
    if (!conninfo && !args.err)
        args.err = flowrt_connargs_message(&def->conn, "needs conninfo");
    if (!table == !query && !args.err)
        args.err = flowrt_connargs_message(&def->conn, "needs a table or a query (one of them)");
    flowrt_source_init(&ps->base, &flowrt_pg_source_ops, def, index, table ? table : "query");
    flowrt_source_common_args(&ps->base, &args, true);
    flowrt_connargs_int(&args, "refresh", 0, 1); /* a table's, read by table.c */
    ps->cols = alloc_or_die((size_t)def->nfields * sizeof *ps->cols);
    ps->types = alloc_or_die((size_t)def->nfields * sizeof *ps->types);
    ps->fields = alloc_or_die((size_t)def->nfields * sizeof *ps->fields);
    if (!flowrt_connargs_finish(&args, err) ||
        !(ps->pg = flowrt_pg_connect(&def->conn, conninfo, err)) ||
        !open_cursor(ps, table, query, err)) {
        flowrt_source_close(&ps->base);
        return NULL;
    }
    return &ps->base;
}

const SourceOps flowrt_pg_source_ops = { pg_open,  pg_poll, pg_position,
                                         pg_seek,  pg_close, NULL,
                                         flowrt_source_describe_record };
