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

typedef struct LoadedTable {
    FlowLookupTable table;
    const FlowSourceDef *def;
    char *label;          /* the path or "stdin" */
    int64_t read, bad;    /* rows read (bad ones included), bad rows */
    double seconds;       /* how long loading took */
    int64_t refresh_ms;   /* `refresh = D`; 0: loaded once */
    int64_t next_ms;      /* processing time (rt->now_ms) of the next refresh */
    int64_t refreshes, refresh_failures;
} LoadedTable;

/* Loads every table in turn, fully. False when one cannot be opened or read,
 * or a bad row stopped the program (on_error=fail): rt says why. With
 * `verbose` (--stats) a line per table says what it loaded. */
bool flowrt_tables_load(FlowRuntime *rt, bool verbose);
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
