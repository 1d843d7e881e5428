/* sink.h: sinks. A FlowSink is the record encoder (CSV, JSON lines) that
 * generated code drives with the flow_sink_* calls of flow/runtime.h; it
 * encodes straight into the buffer of its Output, and the Output's SinkOps
 * (picked by kind in connectors.c, implemented by a connector file such as
 * sink_file.c) take the buffer's records to the destination. So encoding
 * stays one specialised loop per format whatever the destination, and a new
 * destination is one file of ops.
 *
 * The contract every sink keeps:
 * - Whole records only: the buffer goes to ops->write at record boundaries
 *   (a record larger than the buffer grows it), so a destination never sees
 *   half a record, and sinks sharing one Output never tear each other's.
 * - One stdout per runtime: every stdout sink of a runtime writes into that
 *   runtime's one stdout Output (SinkOps.one_per_runtime).
 * - Results leave promptly: the read loop writes out an Output whose oldest
 *   waiting record is older than its linger (linger=, default
 *   SINK_DEFAULT_LINGER_MS; the clock is the loop's per-batch tick, never
 *   read per record), and every Output at once when no input is ready,
 *   before the loop or a source waits. Under load the buffer fills first,
 *   so writes stay large.
 * - A failed write is kept in the Output (its errno); the loop turns it into
 *   a run-time failure, except EPIPE: the reader of a pipe or FIFO went away
 *   (`prog | head -1`), which ends the run quietly (rt->output_closed).
 *
 * Seam for exactly-once (docs/architecture.md, "Checkpoints"): commit makes
 * what was written durable and reports the sink's position (opaque bytes,
 * position.h: a file's committed length); restore cuts the destination back
 * to such a position. */
#ifndef FLOWRT_SINK_H
#define FLOWRT_SINK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "connargs.h"
#include "flow/program.h"
#include "position.h"

/* The default linger= of every sink, in ms. */
#define SINK_DEFAULT_LINGER_MS 1

typedef struct Output Output;

/* A destination. Every call but open returns 0 or the errno of its failure. */
typedef struct SinkOps {
    /* Reads the destination's own arguments (path=) from `args`, then calls
     * flowrt_connargs_finish and only if that succeeds touches the
     * destination (creates the file), so a bad argument leaves nothing
     * behind. `keep`: the run restores a checkpoint, so what the
     * destination holds stays (restore then cuts it back); else a file is
     * emptied. Returns an Output set up with flowrt_output_init, or NULL with
     * a message in *err. */
    Output *(*open)(const FlowSinkDef *def, ConnArgs *args, bool keep, char **err);
    /* Takes `n` bytes of whole records, all of them or fails. */
    int (*write)(Output *out, const char *bytes, size_t n);
    /* Pushes on what the destination itself still holds after write. */
    int (*flush)(Output *out);
    /* Makes everything written durable; sets *pos to the position. */
    int (*commit)(Output *out, Position *pos);
    /* Cuts the destination back to a position commit gave: what was written
     * after it is gone, later writes continue from it. A destination that
     * cannot (stdout) goes on and returns 0: its output is at-least-once. */
    int (*restore)(Output *out, const Position *pos);
    /* Closes the destination and frees the Output. */
    int (*close)(Output *out);
    /* Every sink of this kind in a runtime shares one Output (stdout). */
    bool one_per_runtime;
    /* Each record is a message of its own (kafka): no CSV header line. */
    bool no_header;
    /* Sinks that commit in two phases with the checkpoints (kafka's
     * transactions, postgres's prepared transactions; docs/checkpoints.md),
     * NULL for the others. committed_id, before any connector opens: the newest
     * checkpoint whose output the destination committed (0: none), -1 and
     * a message in *err on a failure; the run restores none newer. begin,
     * after every sink opened, before any record: the run checkpoints.
     * prepare, at checkpoint id's fork (everything written is with the
     * destination): what it holds is set aside for checkpoint id, later
     * writes go to the next. checkpointed: checkpoint id is complete
     * (commit what prepare set aside) or failed. An error of these fails
     * the run. */
    int64_t (*committed_id)(const FlowRuntime *rt, const FlowSinkDef *def, char **err);
    int (*begin)(Output *out, const FlowRuntime *rt);
    int (*prepare)(Output *out, int64_t id);
    int (*checkpointed)(Output *out, int64_t id, bool complete);
    /* The run's end, before its summary: waits for what flush pushed on,
     * so that the records the destination refuses are counted (NULL:
     * flush is enough). */
    int (*drain)(Output *out);
} SinkOps;

/* The buffer of a destination and what the loop knows about it. A connector
 * embeds it first in its own struct (as sink_file.c's FileOutput). */
struct Output {
    const SinkOps *ops;
    const char *label;      /* the path, or "stdout" */
    char *buf;
    size_t len, cap;
    size_t done;            /* end of the last whole record in buf */
    int64_t linger_ms;      /* the smallest linger= of its sinks */
    bool waiting;           /* buf holds whole records not yet written... */
    int64_t waiting_since;  /* ...since this rt->now_ms */
    int error;              /* errno of the first failed call, 0 if none */
    bool epochs;            /* the run checkpoints: SinkOps.prepare and checkpointed are called */
    /* The CSV header line its sink wrote first, for a destination that
     * begins new files (a rolling file's parts); NULL: none. Owned. */
    char *header;
    size_t header_len;
    int64_t blocked_ns;     /* time spent in write, for --stats */
    int64_t pending;        /* whole records in buf, not yet written... */
    int64_t oldest_arrival_ns; /* ...the first of which arrived then (FlowRuntime.arrival_ns) */
    FlowSink **sinks;       /* the sinks that write here */
    int nsinks;
    /* Records the destination refused (a row a PostgreSQL table rejects),
     * reported with flowrt_sink_bad_record (errors.h) under the sink's
     * on_error= and errors= (NULL: none), as a source's bad records. Only
     * an Output of one sink refuses records. */
    FlowRuntime *rt;
    int64_t bad;
    bool bad_fails;         /* on_error = fail */
    FILE *errors;
    const char *errors_path;
};

typedef enum SinkFormat { SINK_CSV, SINK_JSONL } SinkFormat;

/* The text of the last timestamp a sink wrote in one field: a window's
 * results repeat their window_start and window_end on every row, and so do
 * records of the same millisecond, so each is formatted once and copied
 * after (len 0: none yet). */
typedef struct SinkTimestamp {
    int64_t ms;
    size_t len;
    char text[FLOW_TIMESTAMP_MAX];
} SinkTimestamp;

struct FlowSink {
    const FlowSinkDef *def;
    Output *out;
    SinkFormat format;
    int field;              /* fields written of the current record */
    int64_t records;        /* records encoded */
    int64_t written;        /* of them, those the destination took */
    char **json_keys;       /* per field: `{"name":` or `,"name":` */
    size_t *json_key_lens;
    SinkTimestamp *timestamps; /* per field */
};

/* For connector files: the generic part of a new Output. */
void flowrt_output_init(Output *out, const SinkOps *ops, const char *label);
void flowrt_output_free(Output *out);

/* Opens every sink of rt->prog into rt->sinks, in order, and their Outputs
 * into rt->outputs. False with a message in *err (malloc'd) at the first
 * sink that cannot be opened; flowrt_sinks_close closes those that were. */
bool flowrt_sinks_open(FlowRuntime *rt, char **err);
/* After every poll: writes out each Output whose oldest waiting record has
 * waited its linger (by rt->now_ms). */
void flowrt_sinks_linger(FlowRuntime *rt);
/* No input is ready: every Output writes out what it holds. */
void flowrt_sinks_flush(FlowRuntime *rt);
/* The run's end: every Output writes out what it holds and waits for it
 * (SinkOps.drain). */
void flowrt_sinks_drain(FlowRuntime *rt);
/* A failed write becomes a run-time failure (false); EPIPE sets
 * rt->output_closed instead. */
bool flowrt_sinks_check(FlowRuntime *rt);
/* Writes out and closes every Output, frees the sinks; a failure (but
 * EPIPE) fails the program. */
void flowrt_sinks_close(FlowRuntime *rt);

bool flowrt_sink_flush(FlowSink *sink);
/* Flushes, makes durable and sets *pos to what the sink's Output holds. */
bool flowrt_sink_commit(FlowSink *sink, Position *pos);
/* Drops what the buffer holds and cuts the Output back to *pos. */
bool flowrt_sink_restore(FlowSink *sink, const Position *pos);
/* The label of the sink's output (path or "stdout"). */
const char *flowrt_sink_label(const FlowSink *sink);

/* Creates the missing directories of `path` (not the file), as file sinks and
 * errors= files do; a failure shows up when the file is opened. */
void flowrt_output_make_parent_dirs(const char *path);

#endif
