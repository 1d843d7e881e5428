/* pg.c: the postgres(...) connector's shared part (pg.h) and its ops,
 * flow_postgres_connector, which the generated program points its
 * FlowConnector.ops at: referring to it is what pulls the PostgreSQL
 * objects, and libpq, into a program (docs/architecture.md, "Connectors
 * that link a library"). */
#define _GNU_SOURCE
#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connectors.h"

const FlowConnectorOps flow_postgres_connector = { .source = &flowrt_pg_source_ops,
                                                   .sink = &flowrt_pg_sink_ops };

#define PG_RETRY_MS 200

const char *flowrt_pg_message(PGconn *pg)
{
    static _Thread_local char buf[1024];
    snprintf(buf, sizeof buf, "%s", PQerrorMessage(pg));
    for (size_t n = strlen(buf); n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ');)
        buf[--n] = '\0';
    return buf;
}

PGconn *flowrt_pg_connect(const FlowConnector *conn, const char *conninfo, char **err)
{
    /* Only a server that does not answer (or is starting) is waited for: a
     * refusal (authentication, no such database) will not change. */
    int waited = 0;
    PGPing ping;
    /* The server's pg_stat_activity names the program's connections
     * "flowc" unless the conninfo names them. */
    const char *const keys[] = { "dbname", "fallback_application_name", NULL };
    const char *const values[] = { conninfo, "flowc", NULL };
    while ((ping = PQpingParams(keys, values, 1)) != PQPING_OK && ping != PQPING_NO_ATTEMPT &&
           waited < PG_CONNECT_WAIT_MS) {
        struct timespec ts = { 0, PG_RETRY_MS * 1000000L };
        nanosleep(&ts, NULL);
        waited += PG_RETRY_MS;
    }
    PGconn *pg = PQconnectdbParams(keys, values, 1);
    if (PQstatus(pg) != CONNECTION_OK) {
        *err = ping == PQPING_NO_RESPONSE || ping == PQPING_REJECT
                   ? flowrt_connargs_message(conn, "no PostgreSQL server answered within %d s: %s",
                                             PG_CONNECT_WAIT_MS / 1000, flowrt_pg_message(pg))
                   : flowrt_connargs_message(conn, "cannot connect: %s", flowrt_pg_message(pg));
        PQfinish(pg);
        return NULL;
    }
    if (!flowrt_pg_command(conn, pg, "SET TimeZone = 'UTC'; SET DateStyle = 'ISO'",
                           "setting the session", err)) {
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

PGresult *flowrt_pg_exec(const FlowConnector *conn, PGconn *pg, const char *sql,
                         ExecStatusType want, const char *what, char **err)
{
    PGresult *res = PQexec(pg, sql);
    if (PQresultStatus(res) == want)
        return res;
    *err = flowrt_connargs_message(conn, "%s: %s", what, flowrt_pg_message(pg));
    PQclear(res);
    return NULL;
}

bool flowrt_pg_command(const FlowConnector *conn, PGconn *pg, const char *sql, const char *what,
                       char **err)
{
    PGresult *res = flowrt_pg_exec(conn, pg, sql, PGRES_COMMAND_OK, what, err);
    PQclear(res);
    return res != NULL;
}

char *flowrt_pg_ident(PGconn *pg, const char *name)
{
    char *q = PQescapeIdentifier(pg, name, strlen(name));
    char *copy = q ? strdup(q) : NULL;
    PQfreemem(q);
    if (!copy) {
        fprintf(stderr, "flow: out of memory (postgres)\n");
        abort();
    }
    return copy;
}

char *flowrt_pg_primary_key(const FlowConnector *conn, PGconn *pg, const char *table,
                            char **err)
{
    const char *sql = "SELECT a.attname FROM pg_index i JOIN pg_attribute a "
                      "ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
                      "WHERE i.indrelid = to_regclass($1) AND i.indisprimary "
                      "ORDER BY array_position(i.indkey::int2[], a.attnum)";
    PGresult *exists = PQexecParams(pg, "SELECT to_regclass($1) IS NOT NULL", 1, NULL, &table,
                                    NULL, NULL, 0);
    if (PQresultStatus(exists) != PGRES_TUPLES_OK) {
        *err = flowrt_connargs_message(conn, "table '%s': %s", table, flowrt_pg_message(pg));
        PQclear(exists);
        return NULL;
    }
    bool found = strcmp(PQgetvalue(exists, 0, 0), "t") == 0;
    PQclear(exists);
    if (!found) {
        *err = flowrt_connargs_message(conn, "table '%s' does not exist", table);
        return NULL;
    }
    PGresult *res = PQexecParams(pg, sql, 1, NULL, &table, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        *err = flowrt_connargs_message(conn, "table '%s': %s", table, flowrt_pg_message(pg));
        PQclear(res);
        return NULL;
    }
    char *cols = strdup("");
    for (int i = 0; cols && i < PQntuples(res); i++) {
        char *q = flowrt_pg_ident(pg, PQgetvalue(res, i, 0)), *joined;
        if (asprintf(&joined, "%s%s%s", cols, i ? ", " : "", q) < 0)
            joined = NULL;
        free(q);
        free(cols);
        cols = joined;
    }
    PQclear(res);
    if (!cols) {
        fprintf(stderr, "flow: out of memory (postgres)\n");
        abort();
    }
    return cols;
}
