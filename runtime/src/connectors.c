/* connectors.c: the runtime's table of connectors (connectors.h). A new
 * connector adds its row here; nothing else in the runtime names a kind.
 * kafka has no row: its ops come with the program (FlowConnector.ops,
 * runtime/src/kafka.c), as a row would make every program link librdkafka. */
#include "connectors.h"

#include <string.h>

typedef struct ConnectorRow {
    const char *kind;
    FlowConnectorOps ops;
} ConnectorRow;

static const ConnectorRow connectors[] = {
    { "file", { .source = &flowrt_text_source_ops, .sink = &flowrt_file_sink_ops } },
    { "stdin", { .source = &flowrt_text_source_ops } },
    { "stdout", { .sink = &flowrt_stdout_sink_ops } },
    { "generator", { .source = &flowrt_gen_source_ops } },
    { "nexmark", { .source = &flowrt_nexmark_source_ops } },
};

static const FlowConnectorOps *find(const FlowConnector *conn)
{
    if (conn->ops)
        return conn->ops;
    for (size_t i = 0; i < sizeof connectors / sizeof connectors[0]; i++)
        if (strcmp(connectors[i].kind, conn->kind) == 0)
            return &connectors[i].ops;
    return NULL;
}

const SourceOps *flowrt_connector_source(const FlowConnector *conn)
{
    const FlowConnectorOps *ops = find(conn);
    return ops ? ops->source : NULL;
}

const SinkOps *flowrt_connector_sink(const FlowConnector *conn)
{
    const FlowConnectorOps *ops = find(conn);
    return ops ? ops->sink : NULL;
}
