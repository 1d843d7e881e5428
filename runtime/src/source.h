/* source.h: the sources of a program behind one small interface, SourceOps,
 * which each connector file implements (source_file.c, source_gen.c) and
 * connectors.c picks by kind. A source reads a batch of records per poll and
 * pushes each one through its generated decode (or generate) function before
 * reading the next; source.c holds what all sources share.
 *
 * Seam for checkpoints (docs/architecture.md, "Checkpoints"): position()
 * says where the next record starts, as opaque bytes (position.h), and
 * seek() makes the source continue from such a position. A checkpoint will
 * store positions; a restore seeks. */
#ifndef FLOWRT_SOURCE_H
#define FLOWRT_SOURCE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "connargs.h"
#include "flow/program.h"
#include "position.h"

typedef struct Source Source;

typedef enum SourceStatus {
    SOURCE_MORE,   /* read its batch; more may follow at once */
    SOURCE_IDLE,   /* nothing to read right now (follow, rate, a signal) */
    SOURCE_DONE,   /* bounded input finished */
    SOURCE_FAILED, /* a read error or on_error="fail": rt has the message */
} SourceStatus;

typedef struct SourceOps {
    /* Reads the source's arguments and opens its input; NULL and a message
     * in *err (malloc'd) on failure. The ops of the Source it returns are
     * these. `rt` is the run that opens it, asked whether to stop while an
     * open waits for input (NULL outside a run, in tests). */
    Source *(*open)(const FlowRuntime *rt, const FlowSourceDef *def, int index,
                    const ParamValues *params, char **err);
    /* Reads and pushes up to `max` records. */
    SourceStatus (*poll)(Source *src, FlowRuntime *rt, int max);
    /* Sets *pos (cleared first) to where the next record starts. */
    void (*position)(const Source *src, Position *pos);
    /* Continues from a position that position() gave for a source of the
     * same definition; false when the input cannot go there (stdin) or pos
     * is not such a position. */
    bool (*seek)(Source *src, const Position *pos);
    void (*close)(Source *src);
    /* A checkpointed run's checkpoint is complete: `pos` is what position()
     * gave at its fork. A source may tell the outside (kafka commits the
     * offsets to its group, for monitoring tools); NULL for the others. */
    void (*checkpointed)(Source *src, const Position *pos);
    /* Writes where record (part, where) is, for reports of bad records
     * ("data/clicks.csv:12"): also for a record a worker ran after the
     * source went on (docs/architecture.md, "Parallelism"). NULL: the
     * label and the line, "stdin:3". */
    void (*describe)(const Source *src, int32_t part, int64_t where, char *buf, size_t size);
} SourceOps;

typedef enum OnError { ON_ERROR_SKIP, ON_ERROR_FAIL } OnError;

struct Source {
    const SourceOps *ops;
    const FlowSourceDef *def;
    int index;              /* in the program's sources (and watermarks) */
    bool table;             /* it loads a table: reports say "table", not "source" */
    bool follows;           /* a table's changelog (kafka): kept open and polled while the
                             * program runs (table.h) */
    bool refresh;           /* it loads a table again (table.c): a read error is no failure */
    const char *label;      /* the path, "stdin" or "generator" */
    /* The file the record is in, for reports: the label, or the file of a
     * pattern's (`logs/2026-*.csv`) being read. */
    const char *file;
    OnError on_error;
    FILE *errors;           /* the errors= file, or NULL */
    const char *errors_path;
    int64_t records;        /* records read (bad ones included) */
    int64_t bad;
    bool done;
    /* The record going through the stages, for reports of bad records. */
    int32_t part;           /* which input of the source: a Kafka partition, a pattern's
                             * file; 0 for one input */
    int64_t where;          /* its line or record number, from 1 (Kafka: its offset) */
    const char *raw;        /* its text as read (NULL for the generator) */
    size_t raw_len;
};

/* Opens the source of `def` with the ops of its kind (connectors.h),
 * checking its arguments. NULL and a message in *err (malloc'd) on
 * failure. */
Source *flowrt_source_open(const FlowRuntime *rt, const FlowSourceDef *def, int index,
                           const ParamValues *params, char **err);
void flowrt_source_close(Source *src);

/* For the source modules: argument reading shared by all sources
 * (on_error=, errors=) and the per-record bookkeeping. */
bool flowrt_source_common_args(Source *src, ConnArgs *args, bool allow_errors_file);
/* SourceOps.describe of the sources numbered by record: "generator record 17". */
void flowrt_source_describe_record(const Source *src, int32_t part, int64_t where, char *buf,
                                   size_t size);
void flowrt_source_init(Source *src, const SourceOps *ops, const FlowSourceDef *def, int index,
                        const char *label);

#endif
