/* sink.h: the file and stdout sinks and their encoders (CSV, JSON lines).
 * Every sink encodes into an output buffer of its own destination (sinks
 * writing to stdout share one, so their records do not tear each other) and
 * hands full buffers to write(2). A failed write (EPIPE, ENOSPC, ...) is kept
 * in the Output; the run loop turns it into a run-time failure. SIGPIPE is
 * ignored by flow_main, so a closed pipe is such a failure, not a crash.
 *
 * Seam for exactly-once (TOOLS.md §6): flowrt_sink_flush() pushes the buffer to the
 * kernel; flowrt_sink_commit() also makes it durable (fsync) and reports the output's
 * committed length, which a checkpoint will store, and to which a restore
 * will cut the file back. */
#ifndef FLOWRT_SINK_H
#define FLOWRT_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "connargs.h"
#include "flow/program.h"

typedef struct Output {
    int fd;
    bool owns_fd;
    const char *label;  /* the path, or "stdout" */
    char *buf;
    size_t len, cap;
    int64_t bytes;      /* handed to write(2) so far */
    int error;          /* errno of the first failed write, 0 if none */
    int64_t blocked_ns; /* time spent inside write(2), for --stats */
    int refs;
} Output;

typedef enum SinkFormat { SINK_CSV, SINK_JSONL } SinkFormat;

struct FlowSink {
    const FlowSinkDef *def;
    Output *out;
    SinkFormat format;
    bool header;
    int field;              /* fields written of the current record */
    int64_t records;
    char **json_keys;       /* per field: `{"name":` or `,"name":` */
    size_t *json_key_lens;
};

/* The Output of the process's stdout (shared by every stdout sink). */
Output *flowrt_output_stdout(void);
/* Opens (creates, truncates) a file, making missing parent directories.
 * NULL with errno set on failure. */
/* Creates the missing directories of `path` (not the file), as file sinks and
 * errors= files do; a failure shows up when the file is opened. */
void flowrt_output_make_parent_dirs(const char *path);
Output *flowrt_output_open_file(const char *path);
/* Drops a reference; the last one flushes and closes. Returns the errno of
 * any failed write or close, 0 if none. */
int flowrt_output_release(Output *out);
bool flowrt_output_flush(Output *out);

/* Reads the sink's arguments (format, header), with every problem a message
 * in *err (malloc'd): the sink is not opened then. */
FlowSink *flowrt_sink_open(const FlowSinkDef *def, const ParamValues *params, char **err);
int flowrt_sink_close(FlowSink *sink); /* as flowrt_output_release */
bool flowrt_sink_flush(FlowSink *sink);
bool flowrt_sink_commit(FlowSink *sink, int64_t *committed_bytes);
/* The label of the sink's output (path or "stdout"). */
const char *flowrt_sink_label(const FlowSink *sink);

#endif
