/* connectors.h: the one place the runtime maps a connector
 * (FlowConnector.kind, the name written in the .flow: "file", "stdin",
 * "stdout", "generator") to the code behind it: its SourceOps if it can be
 * read, its SinkOps if it can be written. Each connector is one file that
 * defines its ops (source_file.c, source_gen.c, sink_file.c) plus one row of
 * connectors.c; the compiler's row for it, with its arguments, is in
 * compiler/connectors.c. A connector that links a library of its own
 * (kafka) has no row here: the program hands its ops over in
 * FlowConnector.ops (struct FlowConnectorOps below), so that programs
 * without it never link that library. */
#ifndef FLOWRT_CONNECTORS_H
#define FLOWRT_CONNECTORS_H

#include "sink.h"
#include "source.h"

/* What FlowConnector.ops points at (flow/program.h). */
struct FlowConnectorOps {
    const SourceOps *source; /* NULL: cannot be read */
    const SinkOps *sink;     /* NULL: cannot be written */
    /* The algorithms of compressed files a file(...) connector was built
     * with (compress.h; NULL: not linked). */
    const struct CompressOps *gzip;
    const struct CompressOps *zstd;
};

/* The ops of a connector, its own (conn->ops) or its kind's row; NULL when
 * it is not a source (a sink) of this version. */
const SourceOps *flowrt_connector_source(const FlowConnector *conn);
const SinkOps *flowrt_connector_sink(const FlowConnector *conn);

/* Defined by the connector files. */
extern const SourceOps flowrt_text_source_ops;  /* source_file.c: file, stdin */
extern const SourceOps flowrt_gen_source_ops;   /* source_gen.c: generator */
extern const SourceOps flowrt_nexmark_source_ops; /* source_gen.c: nexmark */
extern const SinkOps flowrt_file_sink_ops;      /* sink_file.c: file */
extern const SinkOps flowrt_stdout_sink_ops;    /* sink_file.c: stdout */

#endif
