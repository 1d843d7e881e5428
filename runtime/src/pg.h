/* pg.h: what the PostgreSQL source (source_pg.c) and sink (sink_pg.c)
 * share, in pg.c: connecting with a bounded wait for a server that is not up
 * yet, running a statement with its error as a message, quoting names, and
 * the connector's ops, which a program using postgres(...) hands the runtime
 * (flow_postgres_connector). docs/postgres.md is the user's side. */
#ifndef FLOWRT_PG_H
#define FLOWRT_PG_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "sink.h"
#include "source.h"

/* How long opening a connector waits for a server that does not answer
 * (down, or still starting) before it gives up. */
#define PG_CONNECT_WAIT_MS 10000

/* A connection on which timestamps read back in UTC (TimeZone = UTC,
 * DateStyle = ISO); NULL and a message in *err when the server does not
 * answer within PG_CONNECT_WAIT_MS or refuses (authentication, database). */
PGconn *flowrt_pg_connect(const FlowConnector *conn, const char *conninfo, char **err);
/* Runs `sql`; NULL when its result is not `want`, with the server's message
 * in *err (malloc'd, "WHERE: postgres(): WHAT: message"). */
PGresult *flowrt_pg_exec(const FlowConnector *conn, PGconn *pg, const char *sql,
                         ExecStatusType want, const char *what, char **err);
/* Runs a statement that returns no rows; false and *err as flowrt_pg_exec. */
bool flowrt_pg_command(const FlowConnector *conn, PGconn *pg, const char *sql, const char *what,
                       char **err);
/* `name` as a quoted SQL identifier, malloc'd. */
char *flowrt_pg_ident(PGconn *pg, const char *name);
/* The primary key columns of `table` (an SQL name as written: schema.t),
 * quoted and joined with ", " (malloc'd; "" when it has none); NULL and *err
 * when there is no such table. */
char *flowrt_pg_primary_key(const FlowConnector *conn, PGconn *pg, const char *table,
                            char **err);
/* The server's message without its trailing line break. */
const char *flowrt_pg_message(PGconn *pg);

extern const SourceOps flowrt_pg_source_ops;
extern const SinkOps flowrt_pg_sink_ops;

#endif
