/* table.h: loading a program's tables (FlowProgram.tables) before its
 * streams start, and what the summary says about them. A table is read by
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
} LoadedTable;

/* Loads every table in turn, fully. False when one cannot be opened or read,
 * or a bad row stopped the program (on_error=fail): rt says why. With
 * `verbose` (--stats) a line per table says what it loaded. */
bool flowrt_tables_load(FlowRuntime *rt, bool verbose);
/* One summary line per table. */
void flowrt_tables_print_summary(const FlowRuntime *rt);
void flowrt_tables_free(FlowRuntime *rt);

#endif
