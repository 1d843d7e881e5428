/* file_compressed.c: the file(...) connector ops of a program that may meet
 * both gzip and zstd files (a path given by a param, a pattern whose files'
 * extensions are not known until they are listed): it links both libraries. */
#include "compress.h"

const FlowConnectorOps flow_file_compressed_connector = {
    .source = &flowrt_text_source_ops, .sink = &flowrt_file_sink_ops, .gzip = &flowrt_gzip_ops,
    .zstd = &flowrt_zstd_ops,
};
