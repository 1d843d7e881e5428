/* connectors.c: the runtime's table of connectors (connectors.h). A new
 * connector adds its row here; nothing else in the runtime names a kind. */
#include "connectors.h"

#include <string.h>

typedef struct ConnectorRow {
    const char *kind;
    const SourceOps *source; /* NULL: cannot be read */
    const SinkOps *sink;     /* NULL: cannot be written */
} ConnectorRow;

static const ConnectorRow connectors[] = {
    { "file", &flowrt_text_source_ops, &flowrt_file_sink_ops },
    { "stdin", &flowrt_text_source_ops, NULL },
    { "stdout", NULL, &flowrt_stdout_sink_ops },
    { "generator", &flowrt_gen_source_ops, NULL },
};

static const ConnectorRow *find(const char *kind)
{
    for (size_t i = 0; i < sizeof connectors / sizeof connectors[0]; i++)
        if (strcmp(connectors[i].kind, kind) == 0)
            return &connectors[i];
    return NULL;
}

const SourceOps *flowrt_connector_source(const char *kind)
{
    const ConnectorRow *row = find(kind);
    return row ? row->source : NULL;
}

const SinkOps *flowrt_connector_sink(const char *kind)
{
    const ConnectorRow *row = find(kind);
    return row ? row->sink : NULL;
}
