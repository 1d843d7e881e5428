/* compress.c: which algorithm a compressed file is read or written with
 * (compress.h), from the compression argument, the extension and the first
 * bytes. It names no algorithm's functions, so it links no library. */
#include "compress.h"

#include <string.h>

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

size_t flowrt_compress_suffix(const char *path)
{
    static const char *const suffixes[] = { ".gz", ".zst", ".zstd" };
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
        if (ends_with(path, suffixes[i]))
            return strlen(suffixes[i]);
    return 0;
}

/* The algorithms a file connector was built with: a file(...) connector
 * has ops of its own only when it may be compressed (file_compressed.c). */
static const FlowConnectorOps *file_ops(const FlowConnector *conn)
{
    return strcmp(conn->kind, "file") == 0 ? conn->ops : NULL;
}

static bool take(const FlowConnector *conn, const CompressOps *have, const char *name,
                 const CompressOps **ops, char **err)
{
    if (!have) {
        *err = flowrt_connargs_message(conn, "this program was built without %s support "
                                             "(compression = %s): rebuild it with flowc",
                                       name, name);
        return false;
    }
    *ops = have;
    return true;
}

bool flowrt_compress_pick(const FlowConnector *conn, const char *mode, const char *path,
                          const unsigned char *head, size_t n, const CompressOps **ops,
                          char **err)
{
    const FlowConnectorOps *f = file_ops(conn);
    const CompressOps *gzip = f ? f->gzip : NULL, *zstd = f ? f->zstd : NULL;
    *ops = NULL;
    if (strcmp(mode, "none") == 0)
        return true;
    if (strcmp(mode, "gzip") == 0)
        return take(conn, gzip, "gzip", ops, err);
    if (strcmp(mode, "zstd") == 0)
        return take(conn, zstd, "zstd", ops, err);
    if (ends_with(path, ".gz"))
        return take(conn, gzip, "gzip", ops, err);
    if (ends_with(path, ".zst") || ends_with(path, ".zstd"))
        return take(conn, zstd, "zstd", ops, err);
    /* RFC 1952's 1f 8b; RFC 8878's 28 b5 2f fd. */
    if (gzip && n >= 2 && head[0] == 0x1f && head[1] == 0x8b)
        *ops = gzip;
    else if (zstd && n >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f &&
             head[3] == 0xfd)
        *ops = zstd;
    return true;
}
