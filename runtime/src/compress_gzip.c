/* compress_gzip.c: gzip files through zlib (flowrt_gzip_ops, compress.h):
 * members one after another, as gzip(1) reads and writes them. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

#include "compress.h"

/* A block of compressed output handed to the sink at a time. */
#define GZIP_CHUNK ((size_t)64 << 10)

typedef struct GzipDec {
    z_stream z;
    bool at_end; /* between members (also before the first) */
} GzipDec;

static void *gzip_dec_new(void)
{
    GzipDec *d = calloc(1, sizeof *d);
    /* 16 + MAX_WBITS: a gzip header and trailer, not a zlib one. */
    if (d && inflateInit2(&d->z, 16 + MAX_WBITS) != Z_OK) {
        free(d);
        return NULL;
    }
    if (d)
        d->at_end = true;
    return d;
}

static bool gzip_dec_run(void *dp, const char *in, size_t len, size_t *used, char *out,
                         size_t cap, size_t *made, const char **why)
{
    GzipDec *d = dp;
    /* zlib counts in uInt: large buffers go through in pieces. */
    size_t take = len > UINT32_MAX ? UINT32_MAX : len, room = cap > UINT32_MAX ? UINT32_MAX : cap;
    d->z.next_in = (Bytef *)(uintptr_t)in;
    d->z.avail_in = (uInt)take;
    d->z.next_out = (Bytef *)out;
    d->z.avail_out = (uInt)room;
    /* Also without new input: output held back when `out` was full. */
    while (d->z.avail_out > 0 && (d->z.avail_in > 0 || !d->at_end)) {
        if (d->z.avail_in > 0)
            d->at_end = false;
        int rc = inflate(&d->z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            d->at_end = true;
            inflateReset(&d->z);
            continue;
        }
        if (rc == Z_BUF_ERROR)
            break;
        if (rc != Z_OK) {
            *why = d->z.msg ? d->z.msg : "corrupt gzip data";
            return false;
        }
    }
    *used = take - d->z.avail_in;
    *made = room - d->z.avail_out;
    return true;
}

static bool gzip_dec_at_end(const void *dp)
{
    return ((const GzipDec *)dp)->at_end;
}

static void gzip_dec_reset(void *dp)
{
    GzipDec *d = dp;
    inflateReset(&d->z);
    d->at_end = true;
}

static void gzip_dec_free(void *dp)
{
    GzipDec *d = dp;
    if (!d)
        return;
    inflateEnd(&d->z);
    free(d);
}

typedef struct GzipEnc {
    z_stream z;
    bool open;    /* a member was begun and not yet ended */
    bool flushed; /* nothing went in since the last flush */
    char out[GZIP_CHUNK];
} GzipEnc;

static void *gzip_enc_new(void)
{
    GzipEnc *e = calloc(1, sizeof *e);
    /* Level 6, gzip(1)'s default; 16 + MAX_WBITS writes a gzip member. */
    if (e && deflateInit2(&e->z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(e);
        return NULL;
    }
    if (e)
        e->flushed = true;
    return e;
}

static int gzip_enc_run(void *ep, const char *in, size_t n, CompressEnd end, CompressSinkFn sink,
                        void *ctx)
{
    GzipEnc *e = ep;
    if (n > 0) {
        e->open = true;
        e->flushed = false;
    }
    /* An end or flush with nothing new makes no empty member or marker. */
    if ((end == COMPRESS_END && !e->open) || (end == COMPRESS_FLUSH && e->flushed && n == 0))
        return 0;
    int flush = end == COMPRESS_END ? Z_FINISH : end == COMPRESS_FLUSH ? Z_SYNC_FLUSH : Z_NO_FLUSH;
    size_t done = 0;
    for (;;) {
        size_t take = n - done > UINT32_MAX ? UINT32_MAX : n - done;
        e->z.next_in = (Bytef *)(uintptr_t)(n ? in + done : in);
        e->z.avail_in = (uInt)take;
        bool last = done + take == n;
        int rc;
        do {
            e->z.next_out = (Bytef *)e->out;
            e->z.avail_out = (uInt)sizeof e->out;
            rc = deflate(&e->z, last ? flush : Z_NO_FLUSH);
            if (rc == Z_STREAM_ERROR)
                return ENOMEM;
            size_t have = sizeof e->out - e->z.avail_out;
            int err = have ? sink(ctx, e->out, have) : 0;
            if (err)
                return err;
        } while (e->z.avail_out == 0 || (last && flush == Z_FINISH && rc != Z_STREAM_END));
        done += take;
        if (last)
            break;
    }
    if (end == COMPRESS_END) {
        deflateReset(&e->z);
        e->open = false;
    }
    if (end != COMPRESS_MORE)
        e->flushed = true;
    return 0;
}

static void gzip_enc_free(void *ep)
{
    GzipEnc *e = ep;
    if (!e)
        return;
    deflateEnd(&e->z);
    free(e);
}

const CompressOps flowrt_gzip_ops = {
    "gzip",         gzip_dec_new, gzip_dec_run, gzip_dec_at_end, gzip_dec_reset,
    gzip_dec_free,  gzip_enc_new, gzip_enc_run, gzip_enc_free,
};

/* file(...) connectors of a program whose compressed files are gzip ones. */
const FlowConnectorOps flow_file_gzip_connector = {
    .source = &flowrt_text_source_ops, .sink = &flowrt_file_sink_ops, .gzip = &flowrt_gzip_ops,
};
