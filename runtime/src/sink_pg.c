/* sink_pg.c: the postgres(...) sink (flowrt_pg_sink_ops). mode = append
 * streams the CSV records the encoder wrote into COPY ... FROM STDIN, one
 * COPY from a flush to the next; mode = upsert runs INSERT ... ON CONFLICT
 * (key) DO UPDATE per record. Without checkpoints each COPY (each write of
 * upserts) is its own transaction, and a lost connection is made again
 * (at-least-once). In a run that checkpoints, what is written between two
 * checkpoints is one transaction, PREPAREd with a progress row just before
 * the checkpoint's fork and COMMITted PREPARED once the checkpoint is on
 * disk; a restore commits the prepared epochs its checkpoint covers and
 * rolls back the newer ones (docs/checkpoints.md, "PostgreSQL sinks"), so
 * every row lands exactly once. A row the table refuses (a constraint, a
 * value the column cannot hold) is a bad record of the sink: the rows
 * around it are sent again without it, inside a savepoint in an epoch
 * (docs/postgres.md, "Refused rows"). */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connectors.h"
#include "csv.h"
#include "errors.h"
#include "pg.h"

/* The table of committed epochs, one row per (program, sink, epoch). */
#define PROGRESS_TABLE "flowc_progress"
#define UPSERT_STATEMENT "flowc_upsert"
/* In an epoch each COPY, and each pipeline of upserts, is a savepoint of
 * its own, so that a refused row costs it alone and not the epoch. */
#define COPY_SAVEPOINT "flowc_copy"
#define ROW_SAVEPOINT "flowc_row"
/* An open COPY ends after this many bytes: what a lost connection costs to
 * send again, and what the sink keeps for it. */
#define COPY_BATCH (8 << 20)
/* Outside an epoch, what the run may encode on while the server commits
 * the last COPY, before it waits for that COPY's result. */
#define PENDING_MAX (1 << 20)
/* Upserts sent before their results are read: few enough that neither
 * side's socket buffer fills while the other waits. */
#define UPSERT_PIPELINE 256

typedef struct PgOutput {
    Output base;
    const FlowSinkDef *def;
    PGconn *pg;           /* the rows */
    PGconn *ctl;          /* COMMIT PREPARED while pg is in the next epoch */
    char *conninfo;
    const char *table;
    char *copy_sql;
    char *copy_savepoint_sql; /* the COPY of an epoch, in COPY_SAVEPOINT */
    char *upsert_sql;
    bool upsert;
    bool in_txn;          /* pg is in the transaction of the current epoch */
    bool copying;         /* pg is inside a COPY FROM STDIN */
    bool ending;          /* a COPY's end is sent, its result not yet read */
    char *kept;           /* the bytes the open COPY took */
    bool took;            /* kept has this write's bytes */
    size_t kept_len, kept_cap;
    char *pending;        /* the next COPY's bytes, while the last one ends */
    size_t pending_len, pending_cap;
    bool progress_ready;
    char *program, *sink; /* the progress row's names, and of the prepared transactions */
    int64_t *prepared;    /* epochs prepared, not yet known committed, ascending */
    int nprepared;
    int64_t last_prepared;
    /* Upserts held back while an epoch is prepared: its row locks stay
     * until it commits, and the next epoch's updates of the same keys
     * would wait for them, with the run that commits it waiting too. */
    char *held;
    size_t held_len, held_cap;
    CsvParser csv;
    char *params;         /* an upsert's values, each with its NUL */
    size_t params_cap;
} PgOutput;

static void *alloc_or_die(size_t size)
{
    void *p = calloc(1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "flow: out of memory (postgres sink)\n");
        abort();
    }
    return p;
}

/* The failure of a call, reported with the server's reason; the run then
 * fails with the Output's errno. */
static int fail(PgOutput *po, const char *what, const char *why)
{
    fprintf(stderr, "%s: sink to postgres table '%s': %s: %s\n", po->def->conn.where, po->table,
            what, why);
    return EIO;
}

static int run(PgOutput *po, PGconn *pg, const char *sql, const char *what)
{
    PGresult *res = PQexec(pg, sql);
    int e = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : fail(po, what, flowrt_pg_message(pg));
    PQclear(res);
    return e;
}

static int run_params(PgOutput *po, PGconn *pg, const char *sql, int n, const char *const *v,
                      const char *what)
{
    PGresult *res = PQexecParams(pg, sql, n, NULL, v, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    int e = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK
                ? 0
                : fail(po, what, flowrt_pg_message(pg));
    PQclear(res);
    return e;
}

static int collect(PgOutput *po);

/* A COPY stays open across writes, so that the program encodes the next
 * buffer while the server takes this one; it ends (and, outside an epoch,
 * commits) at every flush (linger, idle input, the end), in an epoch at
 * its checkpoint, and after COPY_BATCH bytes. */
static const char *copy_statement(const PgOutput *po)
{
    return po->base.epochs ? po->copy_savepoint_sql : po->copy_sql;
}

/* More bytes of the open COPY (none: only what the server said). The
 * server ends a COPY early when it fails, a refused row most likely,
 * while the rest is still being sent: then its result is collected now
 * (and the rows sent again without the refused one). */
static int copy_put(PgOutput *po, const char *bytes, size_t n)
{
    if (PQputCopyData(po->pg, bytes, (int)n) == 1)
        return 0;
    if (PQstatus(po->pg) == CONNECTION_BAD)
        return fail(po, "COPY", flowrt_pg_message(po->pg));
    po->copying = false;
    po->ending = true;
    return collect(po);
}

static int copy_send(PgOutput *po, const char *bytes, size_t n)
{
    if (!po->copying) {
        PGresult *res = PQexec(po->pg, copy_statement(po));
        po->copying = PQresultStatus(res) == PGRES_COPY_IN;
        PQclear(res);
        if (!po->copying)
            return fail(po, "COPY", flowrt_pg_message(po->pg));
    }
    return copy_put(po, bytes, n);
}

/* The results of an ended COPY (and of the RELEASE after it in an epoch):
 * NULL when all went in, else the first failure's. */
static PGresult *copy_results(PgOutput *po)
{
    PGresult *res, *failed = NULL;
    while ((res = PQgetResult(po->pg))) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && !failed)
            failed = res;
        else
            PQclear(res);
    }
    return failed;
}

/* One COPY of whole records, waited for: NULL, or the failure's result. */
static PGresult *copy_bytes(PgOutput *po, const char *bytes, size_t n)
{
    PGresult *res = PQexec(po->pg, copy_statement(po));
    if (PQresultStatus(res) != PGRES_COPY_IN)
        return res;
    PQclear(res);
    if (PQputCopyData(po->pg, bytes, (int)n) != 1 || PQputCopyEnd(po->pg, NULL) != 1)
        return PQmakeEmptyPGresult(po->pg, PGRES_FATAL_ERROR);
    return copy_results(po);
}

static const char *result_message(const PGresult *res)
{
    static _Thread_local char why[1024];
    snprintf(why, sizeof why, "%s", PQresultErrorMessage(res));
    why[strcspn(why, "\n")] = '\0';
    return why;
}

/* A failure of the row, not of the run: a value the column cannot hold
 * (SQLSTATE class 22, data exception) or a constraint (23: not null,
 * check, unique, foreign key). */
static bool refused_row(const PGresult *res)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    return state && (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0);
}

/* The record `raw` the table refused for `res`: a bad record of the sink
 * (its field when the server names the column); EIO with on_error = fail. */
static int refuse(PgOutput *po, const PGresult *res, const char *raw, size_t len)
{
    const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char *column = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
    const char *context = PQresultErrorField(res, PG_DIAG_CONTEXT);
    char field[128] = "", pos[256];
    /* A COPY's input errors name the column only in the context:
     * `COPY t, line 3, column amount: "..."`. */
    const char *in = context ? strstr(context, ", column ") : NULL;
    if (column)
        snprintf(field, sizeof field, "%s", column);
    else if (in)
        snprintf(field, sizeof field, "%.*s", (int)strcspn(in + 9, ":"), in + 9);
    snprintf(pos, sizeof pos, "table '%s'", po->table);
    return flowrt_sink_bad_record(&po->base, pos, *field ? field : NULL,
                                  primary ? primary : result_message(res), raw, len)
               ? 0
               : EIO;
}

/* The number of the COPY's line (its record, from 1) a failure names in
 * its context (`COPY t, line 3...`), 0 when it names none. */
static int64_t copy_line(const PGresult *res)
{
    const char *context = PQresultErrorField(res, PG_DIAG_CONTEXT);
    const char *line = context ? strstr(context, ", line ") : NULL;
    return line ? strtoll(line + 7, NULL, 10) : 0;
}

/* Record number `line` (from 1) of [b, b+n): its start, and the end of its
 * line break; false past the last. */
static bool record_bounds(PgOutput *po, const char *b, size_t n, int64_t line, size_t *start,
                          size_t *end, CsvRecord *rec)
{
    size_t at = 0;
    for (int64_t k = 1; at < n; k++) {
        if (flowrt_csv_parse(&po->csv, b + at, n - at, true, rec) != CSV_RECORD)
            return false;
        if (k == line) {
            *start = at;
            *end = at + rec->used;
            return true;
        }
        at += rec->used;
    }
    return false;
}

/* After a failure inside an epoch: the transaction goes on from before the
 * failed statement. */
static int rollback_savepoint(PgOutput *po, const char *name)
{
    if (!po->in_txn)
        return 0;
    char sql[96];
    snprintf(sql, sizeof sql, "ROLLBACK TO SAVEPOINT %s; RELEASE SAVEPOINT %s", name, name);
    return run(po, po->pg, sql, "ROLLBACK TO SAVEPOINT");
}

/* The COPY of the kept bytes failed with `res` (cleared here). While it is
 * a refused row: the row is a bad record and leaves the bytes, the rows
 * before it are sent again (they went in once, and were rolled back with
 * it), then the rows after it: k refused rows send the rest of the bytes
 * about k times. The rows before may fail in turn: the server checks
 * unique indexes a buffer of rows at a time, so a row can fail a NOT NULL
 * or a CHECK before the duplicate keys ahead of it are found. A failure
 * that names no line (a server whose messages are translated) goes on one
 * row per COPY. Anything else fails the write. */
static int copy_refused(PgOutput *po, PGresult *res)
{
    char *b = po->kept;
    size_t n = po->kept_len, at = 0, lim = n, tried = n, start, end;
    bool one = false;
    int e = 0;
    CsvRecord rec;
    while (!e && at < n) {
        if (!res) {
            at = tried;
            lim = n;
        } else if (!refused_row(res)) {
            e = fail(po, "COPY", result_message(res));
        } else {
            int64_t line = one ? 1 : copy_line(res);
            e = rollback_savepoint(po, COPY_SAVEPOINT);
            if (!e && line > 0 &&
                record_bounds(po, b + at, tried - at, line, &start, &end, &rec)) {
                e = refuse(po, res, rec.raw, rec.raw_len);
                memmove(b + at + start, b + at + end, n - at - end);
                n -= end - start;
                lim = at + start;
            } else if (!e) {
                one = true;
            }
        }
        PQclear(res);
        res = NULL;
        if (!e && at < n) {
            if (lim <= at)
                lim = n;
            tried = lim;
            if (one && record_bounds(po, b + at, lim - at, 1, &start, &end, &rec))
                tried = at + end;
            res = copy_bytes(po, b + at, tried - at);
        }
    }
    PQclear(res);
    /* What went in is not sent again after a lost connection. */
    memmove(po->kept, po->kept + at, n - at);
    po->kept_len = n - at;
    return e;
}

/* The result of an ended COPY: once it committed, nothing needs sending
 * again. */
static int collect(PgOutput *po)
{
    if (!po->ending)
        return 0;
    po->ending = false;
    PGresult *failed = copy_results(po);
    int e = failed ? copy_refused(po, failed) : 0;
    if (!e)
        po->kept_len = 0;
    return e;
}

/* Ends the open COPY; its result is waited for now (`wait`) or before the
 * next statement, so that the run encodes on while the server commits. */
static int copy_end(PgOutput *po, bool wait)
{
    if (po->copying) {
        po->copying = false;
        po->ending = true;
        if (PQputCopyEnd(po->pg, NULL) != 1)
            return fail(po, "COPY", flowrt_pg_message(po->pg));
    }
    return wait ? collect(po) : 0;
}

static void append(char **buf, size_t *len, size_t *cap, const char *bytes, size_t n)
{
    if (*len + n > *cap) {
        *cap = (*len + n) * 2;
        *buf = realloc(*buf, *cap);
        if (!*buf)
            abort();
    }
    memcpy(*buf + *len, bytes, n);
    *len += n;
}

/* The results of a pipeline of `sent` upserts between a SAVEPOINT and its
 * RELEASE, then its sync point. The first refused row's index is *bad
 * (-1: none) with its result in *refused; any other failure fails. */
static int pipeline_results(PgOutput *po, int sent, int *bad, PGresult **refused)
{
    int e = PQpipelineSync(po->pg) == 1 ? 0 : fail(po, "upsert", flowrt_pg_message(po->pg));
    *bad = -1;
    *refused = NULL;
    for (int i = -1; i <= sent; i++) { /* the SAVEPOINT, the rows, the RELEASE */
        PGresult *res;
        while ((res = PQgetResult(po->pg))) {
            ExecStatusType st = PQresultStatus(res);
            bool failed = st != PGRES_COMMAND_OK && st != PGRES_PIPELINE_ABORTED;
            if (failed && !e && *bad < 0 && i >= 0 && i < sent && refused_row(res)) {
                *bad = i;
                *refused = res;
                continue;
            }
            if (failed && !e && *bad < 0)
                e = fail(po, "upsert", result_message(res));
            PQclear(res);
        }
    }
    PGresult *sync = PQgetResult(po->pg);
    if (PQresultStatus(sync) != PGRES_PIPELINE_SYNC && !e)
        e = fail(po, "upsert", flowrt_pg_message(po->pg));
    PQclear(sync);
    return e;
}

/* Up to UPSERT_PIPELINE records of [bytes, bytes+n) (*used bytes), less
 * those `skip` marks, as one pipeline in ROW_SAVEPOINT: one round trip for
 * them all, not one a row. Record i's text is raw[i]. */
static int upsert_pipeline(PgOutput *po, const char *bytes, size_t n, const bool *skip,
                           size_t *used, CsvRecord *raw, int *bad, PGresult **refused)
{
    int nf = po->def->nfields, sent = 0, index[UPSERT_PIPELINE];
    const char **values = alloc_or_die(sizeof *values * (size_t)nf);
    *used = 0;
    *bad = -1;
    *refused = NULL;
    if (PQenterPipelineMode(po->pg) != 1 ||
        PQsendQueryParams(po->pg, "SAVEPOINT " ROW_SAVEPOINT, 0, NULL, NULL, NULL, NULL, 0) != 1) {
        free(values);
        PQexitPipelineMode(po->pg);
        return fail(po, "upsert", flowrt_pg_message(po->pg));
    }
    int e = 0;
    for (int r = 0; r < UPSERT_PIPELINE && *used < n && !e; r++) {
        CsvRecord *rec = &raw[r];
        if (flowrt_csv_parse(&po->csv, bytes + *used, n - *used, true, rec) != CSV_RECORD)
            break;
        *used += rec->used;
        if (rec->ncols != nf) {
            e = fail(po, "upsert", "a record of the wrong width");
            break;
        }
        if (skip[r])
            continue;
        size_t need = 0;
        for (int i = 0; i < nf; i++)
            need += po->csv.cols[i].len + 1;
        if (need > po->params_cap) {
            free(po->params);
            po->params_cap = need * 2;
            po->params = alloc_or_die(po->params_cap);
        }
        char *p = po->params;
        for (int i = 0; i < nf; i++) {
            memcpy(p, po->csv.cols[i].ptr, po->csv.cols[i].len);
            p[po->csv.cols[i].len] = '\0';
            /* As in the COPY: an empty value is NULL, but for a string. */
            bool null = !po->csv.cols[i].len && po->def->field_types[i] != FLOW_STRING;
            values[i] = null ? NULL : p;
            p += po->csv.cols[i].len + 1;
        }
        /* libpq copies the values into its buffer: params is free again. */
        if (PQsendQueryPrepared(po->pg, UPSERT_STATEMENT, nf, values, NULL, NULL, 0) != 1)
            e = fail(po, "upsert", flowrt_pg_message(po->pg));
        index[sent++] = r;
    }
    if (!e && PQsendQueryParams(po->pg, "RELEASE SAVEPOINT " ROW_SAVEPOINT, 0, NULL, NULL, NULL,
                                NULL, 0) != 1)
        e = fail(po, "upsert", flowrt_pg_message(po->pg));
    int last = pipeline_results(po, sent, bad, refused);
    e = e ? e : last;
    if (*bad >= 0)
        *bad = index[*bad];
    PQexitPipelineMode(po->pg);
    free(values);
    return e;
}

/* One INSERT ... ON CONFLICT per record, a pipeline at a time. A row the
 * table refuses is a bad record; its pipeline rolls back to its savepoint
 * and is sent again without it. */
static int upsert_rows(PgOutput *po, const char *bytes, size_t n)
{
    bool skip[UPSERT_PIPELINE];
    CsvRecord raw[UPSERT_PIPELINE];
    int e = 0;
    for (size_t at = 0, used = 0; at < n && !e; at += used) {
        memset(skip, 0, sizeof skip);
        for (int bad = 0; bad >= 0 && !e;) {
            PGresult *refused;
            e = upsert_pipeline(po, bytes + at, n - at, skip, &used, raw, &bad, &refused);
            if (!e && bad >= 0) {
                e = rollback_savepoint(po, ROW_SAVEPOINT);
                if (!e)
                    e = refuse(po, refused, raw[bad].raw, raw[bad].raw_len);
                skip[bad] = true;
            }
            PQclear(refused);
        }
        if (!used)
            break;
    }
    return e;
}

/* The ended COPY's result is in (or the connection is gone): collecting
 * it will not wait. */
static bool copy_done(PgOutput *po)
{
    return PQconsumeInput(po->pg) == 0 || !PQisBusy(po->pg);
}

/* The bytes held while the last COPY ended open the next one, once that
 * one's result is in (waited for here). */
static int send_pending(PgOutput *po)
{
    int e = po->pending_len ? collect(po) : 0;
    if (e || !po->pending_len)
        return e;
    char *spare = po->kept;
    size_t spare_cap = po->kept_cap;
    po->kept = po->pending;
    po->kept_len = po->pending_len;
    po->kept_cap = po->pending_cap;
    po->pending = spare;
    po->pending_cap = spare_cap;
    po->pending_len = 0;
    return copy_send(po, po->kept, po->kept_len);
}

/* In a checkpointed run the rows join the epoch's transaction; otherwise
 * an append commits when its COPY ends (copy_send), the upserts of a write
 * in a transaction of their own. */
static int write_once(Output *out, const char *bytes, size_t n)
{
    PgOutput *po = (PgOutput *)out;
    bool own_txn = !out->epochs && po->upsert;
    po->took = false;
    /* Outside an epoch the last COPY may still be committing: the bytes
     * wait for the next one, up to PENDING_MAX, rather than the run. */
    if (!out->epochs && !po->upsert && po->ending && po->pending_len + n <= PENDING_MAX &&
        (po->pending_len || !copy_done(po))) {
        append(&po->pending, &po->pending_len, &po->pending_cap, bytes, n);
        po->took = true;
        return 0;
    }
    int e = po->copying ? 0 : collect(po);
    if (!e && !po->copying)
        e = send_pending(po);
    if (!e && ((out->epochs && !po->in_txn) || own_txn)) {
        e = run(po, po->pg, "BEGIN", "BEGIN");
        po->in_txn = !e;
    }
    if (!e && po->upsert) {
        e = upsert_rows(po, bytes, n);
    } else if (!e) {
        /* What the open COPY took is kept: to send again without a row the
         * table refuses, and outside an epoch on a new connection if this
         * one is lost before the COPY ends. */
        append(&po->kept, &po->kept_len, &po->kept_cap, bytes, n);
        po->took = true;
        e = copy_send(po, bytes, n);
        if (!e && po->kept_len >= COPY_BATCH)
            e = copy_end(po, false);
    }
    if (!e && own_txn) {
        e = run(po, po->pg, "COMMIT", "COMMIT");
        po->in_txn = false;
    }
    return e;
}

static int prepare_upsert(PgOutput *po, char **err)
{
    PGresult *res = PQprepare(po->pg, UPSERT_STATEMENT, po->upsert_sql, 0, NULL);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        *err = flowrt_connargs_message(&po->def->conn, "mode = upsert: %s (%s)",
                                       flowrt_pg_message(po->pg), po->upsert_sql);
    PQclear(res);
    return ok ? 0 : EIO;
}

/* The sink's session lock on the server, held by pg for the run: a backend
 * of a killed run may still be finishing a statement (a PREPARE
 * TRANSACTION) that a restore must see, and is gone once the lock is free;
 * two runs of one program cannot write one table's epochs at once. */
static bool lock_sink(PgOutput *po, char **err)
{
    char *name;
    if (asprintf(&name, "flowc:%s:%s", po->program, po->sink) < 0)
        abort();
    const char *values[] = { name };
    bool locked = false, failed = false;
    for (int waited = 0; !locked && !failed && waited <= PG_CONNECT_WAIT_MS; waited += 100) {
        if (waited) {
            struct timespec ts = { 0, 100 * 1000000L };
            nanosleep(&ts, NULL);
        }
        PGresult *res = PQexecParams(po->pg, "SELECT pg_try_advisory_lock(hashtextextended($1, 0))",
                                     1, NULL, values, NULL, NULL, 0);
        failed = PQresultStatus(res) != PGRES_TUPLES_OK;
        locked = !failed && PQgetvalue(res, 0, 0)[0] == 't';
        PQclear(res);
    }
    if (!locked)
        *err = failed ? flowrt_connargs_message(&po->def->conn, "locking the sink: %s",
                                                flowrt_pg_message(po->pg))
                      : flowrt_connargs_message(&po->def->conn,
                                                "another run of this program has written table "
                                                "'%s' for %d s (advisory lock of '%s')",
                                                po->table, PG_CONNECT_WAIT_MS / 1000, name);
    free(name);
    return locked;
}

/* A new connection for a lost one, waiting for a restarting server as an
 * open does. */
static int reconnect(PgOutput *po)
{
    char *err = NULL;
    PQfinish(po->pg);
    po->in_txn = false;
    po->pg = flowrt_pg_connect(&po->def->conn, po->conninfo, &err);
    int e = po->pg && lock_sink(po, &err) ? 0 : EIO;
    if (!e && po->upsert)
        e = prepare_upsert(po, &err);
    if (e) {
        fprintf(stderr, "%s\n", err);
        free(err);
    }
    return e;
}

/* After a failed call `e`: a lost connection (the server restarted, the
 * backend was terminated) is made again and what was not known committed
 * sent again: the open COPY's bytes, or the upserts of this write. They
 * may have committed just before the loss, so this is at-least-once, as
 * the sink is without checkpoints. Inside an epoch the loss took the
 * epoch's rows with it, so the run fails and its next start restores the
 * last checkpoint. */
static int recover(PgOutput *po, int e, const char *bytes, size_t n)
{
    if (!e || PQstatus(po->pg) != CONNECTION_BAD)
        return e;
    if (po->base.epochs)
        return fail(po, "the connection was lost",
                    "the rows since the last checkpoint went with it; the next start restores it");
    fprintf(stderr, "%s: sink to postgres table '%s': the connection was lost; connecting again\n",
            po->def->conn.where, po->table);
    po->copying = po->ending = false;
    e = reconnect(po);
    if (!e && po->upsert && n)
        e = write_once(&po->base, bytes, n);
    if (!po->upsert && n && !po->took) /* the write failed on the COPY before it */
        append(&po->kept, &po->kept_len, &po->kept_cap, bytes, n);
    if (!e && !po->upsert && po->kept_len) {
        e = copy_send(po, po->kept, po->kept_len);
        if (!e)
            e = copy_end(po, true);
    }
    return e;
}

static int pg_write(Output *out, const char *bytes, size_t n)
{
    PgOutput *po = (PgOutput *)out;
    if (out->epochs && po->upsert && po->nprepared > 0) {
        append(&po->held, &po->held_len, &po->held_cap, bytes, n);
        return 0;
    }
    return recover(po, write_once(out, bytes, n), bytes, n);
}

/* Outside an epoch a flush ends the COPY, which commits it: the rows become
 * visible. Inside one nothing is visible before the epoch commits, so the
 * COPY stays open (one COPY, one savepoint, per COPY_BATCH bytes and not
 * per flush) and only what libpq holds goes to the server. */
static int pg_flush(Output *out)
{
    PgOutput *po = (PgOutput *)out;
    if (!out->epochs && !po->copying && po->pending_len && copy_done(po)) {
        int e = send_pending(po);
        return recover(po, e ? e : copy_end(po, false), NULL, 0);
    }
    if (!out->epochs)
        return recover(po, copy_end(po, false), NULL, 0);
    if (!po->copying)
        return 0;
    /* A lost connection shows here, not only at the checkpoint. */
    int e = PQflush(po->pg) == 0 && PQconsumeInput(po->pg) == 1
                ? copy_put(po, "", 0)
                : fail(po, "COPY", flowrt_pg_message(po->pg));
    return recover(po, e, NULL, 0);
}

static int pg_drain(Output *out)
{
    PgOutput *po = (PgOutput *)out;
    int e = recover(po, copy_end(po, true), NULL, 0);
    while (!e && po->pending_len) {
        e = send_pending(po);
        e = recover(po, e ? e : copy_end(po, true), NULL, 0);
    }
    return e;
}

/* 'flowc:PROGRAM:SINK:EPOCH', as a quoted SQL literal (malloc'd). */
static char *gid_literal(PgOutput *po, int64_t epoch)
{
    char *gid, *lit;
    if (asprintf(&gid, "flowc:%s:%s:%" PRId64, po->program, po->sink, epoch) < 0)
        abort();
    char *q = PQescapeLiteral(po->pg, gid, strlen(gid));
    lit = q ? strdup(q) : NULL;
    PQfreemem(q);
    free(gid);
    if (!lit)
        abort();
    return lit;
}

static int ctl_connect(PgOutput *po)
{
    if (po->ctl)
        return 0;
    char *err = NULL;
    po->ctl = flowrt_pg_connect(&po->def->conn, po->conninfo, &err);
    if (po->ctl)
        return 0;
    fprintf(stderr, "%s\n", err);
    free(err);
    return EIO;
}

/* COMMIT PREPARED or ROLLBACK PREPARED of one epoch, on the control
 * connection (pg may be inside the next epoch's transaction). */
static int finish_prepared(PgOutput *po, int64_t epoch, bool commit)
{
    char *gid = gid_literal(po, epoch), *sql;
    if (asprintf(&sql, "%s PREPARED %s", commit ? "COMMIT" : "ROLLBACK", gid) < 0)
        abort();
    int e = run(po, po->ctl, sql, commit ? "COMMIT PREPARED" : "ROLLBACK PREPARED");
    free(sql);
    free(gid);
    return e;
}

static int ensure_progress_table(PgOutput *po)
{
    if (po->progress_ready)
        return 0;
    int e = ctl_connect(po);
    if (!e)
        e = run(po, po->ctl,
                "CREATE TABLE IF NOT EXISTS " PROGRESS_TABLE " (program text, sink text, "
                "epoch bigint, committed_at timestamptz DEFAULT now(), "
                "PRIMARY KEY (program, sink, epoch))",
                "creating " PROGRESS_TABLE);
    po->progress_ready = !e;
    return e;
}

/* Just before the fork of checkpoint `id`: the epoch's rows and its progress
 * row become one prepared transaction, which survives a crash of the run
 * and of the server, and leaves pg free for the next epoch. */
static int pg_prepare(Output *out, int64_t id)
{
    PgOutput *po = (PgOutput *)out;
    /* Only a failed checkpoint leaves an epoch prepared here (the next one
     * starts after committed): upserts held back behind it cannot join
     * this epoch while it holds their rows. */
    if (po->upsert && po->nprepared > 0) {
        char why[160];
        snprintf(why, sizeof why, "checkpoint %" PRId64 " failed with its epoch prepared; "
                 "the next start restores the one before", po->prepared[po->nprepared - 1]);
        return fail(po, "upsert", why);
    }
    int e = copy_end(po, true);
    if (!e)
        e = ensure_progress_table(po);
    if (!e && !po->in_txn) {
        e = run(po, po->pg, "BEGIN", "BEGIN");
        po->in_txn = !e;
    }
    char epoch[24];
    snprintf(epoch, sizeof epoch, "%" PRId64, id);
    const char *values[] = { po->program, po->sink, epoch };
    if (!e)
        e = run_params(po, po->pg,
                       "INSERT INTO " PROGRESS_TABLE " (program, sink, epoch) VALUES ($1, $2, $3)",
                       3, values, "recording the epoch");
    if (!e) {
        char *gid = gid_literal(po, id), *sql;
        if (asprintf(&sql, "PREPARE TRANSACTION %s", gid) < 0)
            abort();
        PGresult *res = PQexec(po->pg, sql);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            e = fail(po, "PREPARE TRANSACTION",
                     strstr(flowrt_pg_message(po->pg), "max_prepared_transactions")
                         ? "the server has max_prepared_transactions = 0; a postgres sink of a "
                           "program that checkpoints needs it (docs/postgres.md)"
                         : flowrt_pg_message(po->pg));
        PQclear(res);
        free(sql);
        free(gid);
    }
    po->in_txn = false;
    if (e)
        return e;
    po->prepared = realloc(po->prepared, sizeof *po->prepared * (size_t)(po->nprepared + 1));
    if (!po->prepared)
        abort();
    po->prepared[po->nprepared++] = id;
    po->last_prepared = id;
    return 0;
}

/* Checkpoint `id` is on disk: its epoch commits, with any earlier one a
 * failed checkpoint left prepared, and older progress rows go. A failed
 * checkpoint leaves its epoch prepared: the next complete one commits it
 * (its records are before that checkpoint's positions too). */
static int pg_checkpointed(Output *out, int64_t id, bool complete)
{
    PgOutput *po = (PgOutput *)out;
    if (!complete)
        return 0;
    int e = ctl_connect(po);
    int kept = 0;
    for (int i = 0; i < po->nprepared; i++) {
        if (!e && po->prepared[i] <= id)
            e = finish_prepared(po, po->prepared[i], true);
        else
            po->prepared[kept++] = po->prepared[i];
    }
    po->nprepared = e ? po->nprepared : kept;
    char epoch[24];
    snprintf(epoch, sizeof epoch, "%" PRId64, id);
    const char *values[] = { po->program, po->sink, epoch };
    if (!e)
        e = run_params(po, po->ctl,
                       "DELETE FROM " PROGRESS_TABLE
                       " WHERE program = $1 AND sink = $2 AND epoch < $3",
                       3, values, "trimming " PROGRESS_TABLE);
    if (!e && po->nprepared == 0 && po->held_len) {
        e = write_once(out, po->held, po->held_len);
        po->held_len = 0;
    }
    return e;
}

/* Runs in the checkpoint's writer child, which must not talk on the run's
 * connection: the position is the epoch prepared just before the fork. */
static int pg_commit(Output *out, Position *pos)
{
    flowrt_position_put_int64(pos, ((PgOutput *)out)->last_prepared);
    return 0;
}

/* The prepared transactions of this sink, from any earlier run, by epoch
 * ascending (malloc'd, *n of them). */
static int64_t *prepared_epochs(PgOutput *po, int *n, int *e)
{
    char *prefix;
    if (asprintf(&prefix, "flowc:%s:%s:", po->program, po->sink) < 0)
        abort();
    const char *values[] = { prefix };
    PGresult *res = PQexecParams(po->ctl,
                                 "SELECT substr(gid, length($1) + 1)::bigint AS epoch "
                                 "FROM pg_prepared_xacts WHERE database = current_database() "
                                 "AND starts_with(gid, $1) ORDER BY epoch",
                                 1, NULL, values, NULL, NULL, 0);
    free(prefix);
    *n = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        *e = fail(po, "reading pg_prepared_xacts", flowrt_pg_message(po->ctl));
        PQclear(res);
        return NULL;
    }
    *n = PQntuples(res);
    int64_t *epochs = alloc_or_die(sizeof *epochs * (size_t)*n);
    for (int i = 0; i < *n; i++)
        epochs[i] = strtoll(PQgetvalue(res, i, 0), NULL, 10);
    PQclear(res);
    return epochs;
}

/* The newest epoch the progress table holds for this sink, 0 for none. */
static int64_t last_committed(PgOutput *po, int *e)
{
    const char *values[] = { po->program, po->sink };
    PGresult *res = PQexecParams(po->ctl,
                                 "SELECT coalesce(max(epoch), 0) FROM " PROGRESS_TABLE
                                 " WHERE program = $1 AND sink = $2",
                                 2, NULL, values, NULL, NULL, 0);
    int64_t last = 0;
    if (PQresultStatus(res) == PGRES_TUPLES_OK)
        last = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    else
        *e = fail(po, "reading " PROGRESS_TABLE, flowrt_pg_message(po->ctl));
    PQclear(res);
    return last;
}

/* Restoring checkpoint N: the epochs up to N that are still prepared
 * commit (the run died between the checkpoint and its commit), the newer
 * ones roll back (their rows come again); then the progress table must say
 * N, or the table would lack rows or hold some twice. */
static int pg_restore(Output *out, const Position *pos)
{
    PgOutput *po = (PgOutput *)out;
    size_t at = 0;
    int64_t n;
    if (!flowrt_position_get_int64(pos, &at, &n) || at != pos->len)
        return fail(po, "restoring", "not a position of this sink");
    int e = ensure_progress_table(po), count = 0;
    int64_t *epochs = e ? NULL : prepared_epochs(po, &count, &e);
    for (int i = 0; i < count && !e; i++)
        e = finish_prepared(po, epochs[i], epochs[i] <= n);
    free(epochs);
    int64_t last = e ? 0 : last_committed(po, &e);
    char why[256];
    if (!e && last != n) {
        snprintf(why, sizeof why,
                 last > n ? "the table already holds epoch %" PRId64 ", newer than checkpoint "
                            "%" PRId64 ": its rows would be written twice; --no-restore starts over"
                          : "epoch %" PRId64 " is the last the table holds, but checkpoint %" PRId64
                            " needs its rows (a prepared transaction rolled back by hand?)",
                 last, n);
        e = fail(po, "restoring", why);
    }
    po->last_prepared = n;
    return e;
}

static int pg_close(Output *out)
{
    PgOutput *po = (PgOutput *)out;
    /* An epoch still open is not covered by a checkpoint: it rolls back;
     * outside one, what an open COPY took commits. */
    int e = po->base.epochs || !po->pg ? 0 : pg_drain(out);
    PQfinish(po->pg);
    PQfinish(po->ctl);
    free(po->conninfo);
    free(po->copy_sql);
    free(po->copy_savepoint_sql);
    free(po->upsert_sql);
    free(po->program);
    free(po->sink);
    free(po->prepared);
    free(po->params);
    free(po->held);
    free(po->kept);
    free(po->pending);
    flowrt_csv_free(&po->csv);
    flowrt_output_free(out);
    free(po);
    return e;
}

/* A fresh start: what an earlier run of this sink left prepared is not
 * covered by any checkpoint this run will restore. */
static bool forget_earlier_runs(PgOutput *po, char **err)
{
    po->ctl = po->pg; /* for the helpers; given back below */
    int e = 0, count = 0;
    PGresult *has = PQexec(po->pg, "SELECT to_regclass('" PROGRESS_TABLE "') IS NOT NULL");
    bool table = PQresultStatus(has) == PGRES_TUPLES_OK && PQgetvalue(has, 0, 0)[0] == 't';
    PQclear(has);
    int64_t *epochs = prepared_epochs(po, &count, &e);
    for (int i = 0; i < count && !e; i++)
        e = finish_prepared(po, epochs[i], false);
    free(epochs);
    const char *values[] = { po->program, po->sink };
    if (!e && table)
        e = run_params(po, po->pg,
                       "DELETE FROM " PROGRESS_TABLE " WHERE program = $1 AND sink = $2",
                       2, values, "clearing " PROGRESS_TABLE);
    po->ctl = NULL;
    if (e)
        *err = flowrt_connargs_message(&po->def->conn, "cannot clear what an earlier run left "
                                                       "(see above)");
    return !e;
}

/* "a, b": the quoted names of the fields; with `only_strings`, of the
 * string fields alone (COPY's FORCE_NOT_NULL: an empty string is not NULL). */
static char *field_list(PgOutput *po, bool only_strings, bool excluded_set)
{
    char *list = strdup("");
    for (int i = 0; list && i < po->def->nfields; i++) {
        if (only_strings && po->def->field_types[i] != FLOW_STRING)
            continue;
        char *q = flowrt_pg_ident(po->pg, po->def->field_names[i]), *joined;
        int r = excluded_set ? asprintf(&joined, "%s%s%s = EXCLUDED.%s", list, *list ? ", " : "",
                                        q, q)
                             : asprintf(&joined, "%s%s%s", list, *list ? ", " : "", q);
        free(q);
        free(list);
        list = r < 0 ? NULL : joined;
    }
    if (!list)
        abort();
    return list;
}

/* The table has a column for every field. */
static bool check_columns(PgOutput *po, char **err)
{
    char *key = flowrt_pg_primary_key(&po->def->conn, po->pg, po->table, err), *sql;
    if (!key)
        return false;
    free(key);
    if (asprintf(&sql, "SELECT * FROM %s LIMIT 0", po->table) < 0)
        abort();
    PGresult *res = flowrt_pg_exec(&po->def->conn, po->pg, sql, PGRES_TUPLES_OK, "the table", err);
    free(sql);
    for (int k = 0; res && k < po->def->nfields; k++) {
        bool found = false;
        for (int c = 0; c < PQnfields(res) && !found; c++)
            found = strcmp(PQfname(res, c), po->def->field_names[k]) == 0;
        if (!found) {
            *err = flowrt_connargs_message(&po->def->conn, "table '%s' has no column '%s'",
                                           po->table, po->def->field_names[k]);
            PQclear(res);
            return false;
        }
    }
    PQclear(res);
    return res != NULL;
}

/* key = "a, b": each a field, quoted; NULL and *err otherwise. */
static char *key_list(PgOutput *po, const char *key, char **err)
{
    char *copy = strdup(key), *list = strdup("");
    if (!copy || !list)
        abort();
    for (char *save = NULL, *name = strtok_r(copy, ",", &save); name && list;
         name = strtok_r(NULL, ",", &save)) {
        while (*name == ' ')
            name++;
        for (size_t n = strlen(name); n > 0 && name[n - 1] == ' ';)
            name[--n] = '\0';
        bool field = false;
        for (int i = 0; i < po->def->nfields && !field; i++)
            field = strcmp(po->def->field_names[i], name) == 0;
        if (!field) {
            *err = flowrt_connargs_message(&po->def->conn, "key: '%s' is not a field", name);
            free(list);
            list = NULL;
            break;
        }
        char *q = flowrt_pg_ident(po->pg, name), *joined;
        if (asprintf(&joined, "%s%s%s", list, *list ? ", " : "", q) < 0)
            abort();
        free(q);
        free(list);
        list = joined;
    }
    free(copy);
    if (list && !*list) {
        *err = flowrt_connargs_message(&po->def->conn, "key: no column named");
        free(list);
        list = NULL;
    }
    return list;
}

/* The statements: COPY for append, a prepared INSERT ... ON CONFLICT on
 * the key columns (key=, or the table's primary key) for upsert. */
static bool make_statements(PgOutput *po, const char *key, char **err)
{
    const FlowConnector *conn = &po->def->conn;
    char *cols = field_list(po, false, false);
    char *strings = field_list(po, true, false);
    if (asprintf(&po->copy_sql, "COPY %s (%s) FROM STDIN WITH (FORMAT csv%s%s%s)", po->table,
                 cols, *strings ? ", FORCE_NOT_NULL (" : "", strings, *strings ? ")" : "") < 0 ||
        asprintf(&po->copy_savepoint_sql, "SAVEPOINT " COPY_SAVEPOINT "; %s; "
                 "RELEASE SAVEPOINT " COPY_SAVEPOINT, po->copy_sql) < 0)
        abort();
    free(strings);
    bool ok = true;
    if (po->upsert) {
        char *keys = key ? key_list(po, key, err)
                         : flowrt_pg_primary_key(conn, po->pg, po->table, err);
        if (keys && !*keys) {
            *err = flowrt_connargs_message(conn, "mode = upsert: table '%s' has no primary key; "
                                                 "name the key columns with key = \"a, b\"",
                                           po->table);
            free(keys);
            keys = NULL;
        }
        char *set = keys ? field_list(po, false, true) : NULL;
        char *values = strdup("");
        for (int i = 0; values && i < po->def->nfields; i++) {
            char *v;
            if (asprintf(&v, "%s%s$%d", values, i ? ", " : "", i + 1) < 0)
                v = NULL;
            free(values);
            values = v;
        }
        if (keys && asprintf(&po->upsert_sql, "INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) "
                                              "DO UPDATE SET %s",
                             po->table, cols, values, keys, set) < 0)
            abort();
        ok = po->upsert_sql && prepare_upsert(po, err) == 0;
        free(set);
        free(values);
        free(keys);
    }
    free(cols);
    return ok;
}

static Output *pg_open(const FlowSinkDef *def, ConnArgs *args, bool keep, char **err)
{
    static const char *const modes[] = { "append", "upsert", NULL };
    const char *conninfo = flowrt_connargs_text(args, "conninfo", NULL);
    const char *table = flowrt_connargs_text(args, "table", NULL);
    bool upsert = flowrt_connargs_choice(args, "mode", modes, 0) == 1;
    const char *key = flowrt_connargs_text(args, "key", NULL);
    if ((!conninfo || !table) && !args->err)
        args->err = flowrt_connargs_message(&def->conn, "needs conninfo and a table");
    if (key && !upsert && !args->err)
        args->err = flowrt_connargs_message(&def->conn, "key is for mode = upsert");
    if (!flowrt_connargs_finish(args, err))
        return NULL;
    PgOutput *po = alloc_or_die(sizeof *po);
    flowrt_output_init(&po->base, &flowrt_pg_sink_ops, table);
    po->def = def;
    po->table = table;
    po->upsert = upsert;
    po->conninfo = strdup(conninfo);
    /* The program is its .flow file (the part of `where` before the line). */
    const char *colon = strchr(def->conn.where, ':');
    po->program = strndup(def->conn.where, colon ? (size_t)(colon - def->conn.where)
                                                 : strlen(def->conn.where));
    if (asprintf(&po->sink, "%s>%s", def->stream, table) < 0 || !po->conninfo || !po->program)
        abort();
    flowrt_csv_init(&po->csv);
    po->pg = flowrt_pg_connect(&def->conn, conninfo, err);
    if (!po->pg || !check_columns(po, err) || !make_statements(po, key, err) ||
        !lock_sink(po, err) ||
        (!keep && !forget_earlier_runs(po, err))) {
        pg_close(&po->base);
        return NULL;
    }
    return &po->base;
}

const SinkOps flowrt_pg_sink_ops = {
    .open = pg_open,
    .write = pg_write,
    .flush = pg_flush,
    .drain = pg_drain,
    .commit = pg_commit,
    .restore = pg_restore,
    .close = pg_close,
    .prepare = pg_prepare,
    .checkpointed = pg_checkpointed,
    .one_per_runtime = false,
    .no_header = true,
};
