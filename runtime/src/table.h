/* table.h: loading a program's tables (FlowProgram.tables) before its
 * streams start, reloading those with `refresh = D`, and what the summary
 * says about them. A table is read by
 * the same sources as a stream input (file, stdin: bad rows are reported with
 * file:line, on_error= and errors= work alike); its generated decode function
 * stores each row in the table instead of pushing it on. Internal to
 * libflowrt. */
#ifndef FLOWRT_TABLE_H
#define FLOWRT_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "flow/program.h"
#include "flow/state.h"
#include "position.h"

struct Source;

typedef struct LoadedTable {
    FlowLookupTable table;
    const FlowSourceDef *def;
    char *label;          /* the path or "stdin" */
    int64_t read, bad;    /* rows read (bad ones included), bad rows */
    double seconds;       /* how long loading took */
    /* A changelog (Source.follows: kafka): its source stays open and is
     * polled between the read loop's rounds. */
    struct Source *src;
    const FlowLookupKey *key;  /* the generated code's, from its puts */
    int64_t keyed_loaded; /* table.loaded when the last message key was noted */
    FlowTable by_msg_key; /* message key -> its row's key, for tombstones */
    int64_t deleted;      /* rows a tombstone deleted */
    bool deferred;        /* restoring: loaded to the checkpoint's offsets later */
    bool verbose;         /* --stats: a line when loaded */
    int64_t refresh_ms;   /* `refresh = D`; 0: loaded once */
    int64_t next_ms;      /* processing time (rt->now_ms) of the next refresh */
    int64_t refreshes, refresh_failures;
} LoadedTable;

/* Loads every table in turn, fully. False when one cannot be opened or read,
 * or a bad row stopped the program (on_error=fail): rt says why. With
 * `verbose` (--stats) a line per table says what it loaded. */
bool flowrt_tables_load(FlowRuntime *rt, bool verbose);
/* The changelog tables (LoadedTable.src), in order: how many, and number i. */
int flowrt_tables_followed(const FlowRuntime *rt);
struct Source *flowrt_tables_followed_source(const FlowRuntime *rt, int i);
/* Restoring: reads the changelog tables that waited for the checkpoint's
 * positions (their sources were sought there) to those positions. */
bool flowrt_tables_load_deferred(FlowRuntime *rt);
/* Between two rounds of the read loop: a batch of each changelog's news. */
void flowrt_tables_poll(FlowRuntime *rt);
/* For a changelog source, after the record of a message with this key was
 * decoded (and kept, or found bad): the key now names that row. */
void flowrt_table_keyed(FlowRuntime *rt, int index, const void *key, size_t len);
/* A tombstone: deletes the row the message key named, if any. */
void flowrt_table_tombstone(FlowRuntime *rt, int index, const void *key, size_t len);
/* Between two rounds of the loop: each table whose `refresh = D` has
 * passed (processing time) is read again into a new table, which then
 * replaces the old one. The loop waits while it loads, so a lookup sees
 * the old rows or the new ones, never part of either. A table that cannot
 * be read again keeps its rows (said on stderr) until the next refresh; a
 * bad row with on_error = fail fails the run. `verbose` (--stats): a line
 * per refresh. */
void flowrt_tables_refresh(FlowRuntime *rt, bool verbose);
/* One summary line per table. */
void flowrt_tables_print_summary(const FlowRuntime *rt);
void flowrt_tables_free(FlowRuntime *rt);

#endif
