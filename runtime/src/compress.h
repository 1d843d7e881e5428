/* compress.h: compressed files for the file connector, gzip (zlib) and zstd
 * (libzstd), behind one small interface, so that the file source's read
 * buffer and the file sink do not know which algorithm they run. Each
 * algorithm is its own file (compress_gzip.c, compress_zstd.c), reached only
 * through the connector ops a program that uses it points its file
 * connectors at (file_codecs.c): a program without compressed files links
 * neither library (docs/language.md, "Compressed files").
 *
 * A stream is members (gzip) or frames (zstd) one after another, which
 * both formats read as one: the sink ends a member at every commit, so that
 * a file cut back to a committed length is a whole, readable file. */
#ifndef FLOWRT_COMPRESS_H
#define FLOWRT_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "connectors.h"

/* Where the compressed bytes go: 0, or the errno of the failed write. */
typedef int (*CompressSinkFn)(void *ctx, const char *bytes, size_t n);

typedef enum CompressEnd {
    COMPRESS_MORE,  /* more input follows: output what is ready */
    COMPRESS_FLUSH, /* make everything so far decodable by a reader now */
    COMPRESS_END,   /* end the member or frame: the file may end here */
} CompressEnd;

typedef struct CompressOps {
    const char *name; /* "gzip", "zstd", for messages */
    /* Decompression: a new stream, NULL when out of memory. */
    void *(*dec_new)(void);
    /* Turns compressed input [in, in + len) into output [out, out + cap):
     * sets *used (input taken) and *made (output written). false on
     * corrupt input, with the reason in *why. */
    bool (*dec_run)(void *d, const char *in, size_t len, size_t *used, char *out, size_t cap,
                    size_t *made, const char **why);
    /* Whether the input so far ends between members: where a file may end. */
    bool (*dec_at_end)(const void *d);
    /* Starts again at the beginning of a stream. */
    void (*dec_reset)(void *d);
    void (*dec_free)(void *d);
    /* Compression: a new stream, NULL when out of memory. */
    void *(*enc_new)(void);
    /* Compresses [in, in + n), handing what comes out to sink(ctx, ...).
     * 0, or an errno (the sink's, or ENOMEM). */
    int (*enc_run)(void *e, const char *in, size_t n, CompressEnd end, CompressSinkFn sink,
                   void *ctx);
    void (*enc_free)(void *e);
} CompressOps;

extern const CompressOps flowrt_gzip_ops;  /* compress_gzip.c: needs -lz */
extern const CompressOps flowrt_zstd_ops;  /* compress_zstd.c: needs -lzstd */

/* The algorithm of a file of `conn` (a file(...) connector) at `path`:
 * `mode` is its compression argument (none, gzip, zstd, auto); auto goes
 * by the path's extension (.gz, .zst, .zstd), then, when reading, by the
 * first bytes `head` (n of them: gzip and zstd start with their own magic
 * numbers). NULL for an uncompressed file; false with a message when the
 * program was built without the algorithm the mode names. */
bool flowrt_compress_pick(const FlowConnector *conn, const char *mode, const char *path,
                          const unsigned char *head, size_t n, const CompressOps **ops,
                          char **err);

/* The length of the compression extension path ends with (.gz, .zst,
 * .zstd), 0 when none: the format goes by the extension before it. */
size_t flowrt_compress_suffix(const char *path);

#endif
