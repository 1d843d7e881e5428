/* compress_zstd.c: zstd files through libzstd (flowrt_zstd_ops, compress.h):
 * frames one after another, as zstd(1) reads and writes them. */
#include <errno.h>
#include <stdlib.h>
#include <zstd.h>

#include "compress.h"

typedef struct ZstdDec {
    ZSTD_DStream *z;
    bool at_end; /* between frames (also before the first) */
} ZstdDec;

static void *zstd_dec_new(void)
{
    ZstdDec *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->z = ZSTD_createDStream();
    if (!d->z) {
        free(d);
        return NULL;
    }
    d->at_end = true;
    return d;
}

static bool zstd_dec_run(void *dp, const char *in, size_t len, size_t *used, char *out,
                         size_t cap, size_t *made, const char **why)
{
    ZstdDec *d = dp;
    ZSTD_inBuffer src = { in, len, 0 };
    ZSTD_outBuffer dst = { out, cap, 0 };
    /* Also without new input: output held back when `out` was full. */
    while (dst.pos < dst.size) {
        size_t in_was = src.pos, out_was = dst.pos;
        size_t rc = ZSTD_decompressStream(d->z, &dst, &src);
        if (ZSTD_isError(rc)) {
            *why = ZSTD_getErrorName(rc);
            return false;
        }
        if (src.pos == in_was && dst.pos == out_was)
            break;
        /* 0: a frame is complete and all of it is out. */
        d->at_end = rc == 0;
    }
    *used = src.pos;
    *made = dst.pos;
    return true;
}

static bool zstd_dec_at_end(const void *dp)
{
    return ((const ZstdDec *)dp)->at_end;
}

static void zstd_dec_reset(void *dp)
{
    ZstdDec *d = dp;
    ZSTD_DCtx_reset(d->z, ZSTD_reset_session_only);
    d->at_end = true;
}

static void zstd_dec_free(void *dp)
{
    ZstdDec *d = dp;
    if (!d)
        return;
    ZSTD_freeDStream(d->z);
    free(d);
}

typedef struct ZstdEnc {
    ZSTD_CCtx *z;
    bool open;    /* a frame was begun and not yet ended */
    bool flushed; /* nothing went in since the last flush */
    char *out;
    size_t cap;
} ZstdEnc;

static void zstd_enc_free(void *ep)
{
    ZstdEnc *e = ep;
    if (!e)
        return;
    ZSTD_freeCCtx(e->z);
    free(e->out);
    free(e);
}

static void *zstd_enc_new(void)
{
    ZstdEnc *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->z = ZSTD_createCCtx();
    e->cap = ZSTD_CStreamOutSize();
    e->out = malloc(e->cap);
    e->flushed = true;
    if (!e->z || !e->out) {
        zstd_enc_free(e);
        return NULL;
    }
    /* Level 3, zstd(1)'s default. */
    ZSTD_CCtx_setParameter(e->z, ZSTD_c_compressionLevel, 3);
    ZSTD_CCtx_setParameter(e->z, ZSTD_c_checksumFlag, 1);
    return e;
}

static int zstd_enc_run(void *ep, const char *in, size_t n, CompressEnd end, CompressSinkFn sink,
                        void *ctx)
{
    ZstdEnc *e = ep;
    if (n > 0) {
        e->open = true;
        e->flushed = false;
    }
    /* An end or flush with nothing new makes no empty frame or block. */
    if ((end == COMPRESS_END && !e->open) || (end == COMPRESS_FLUSH && e->flushed && n == 0))
        return 0;
    ZSTD_EndDirective mode = end == COMPRESS_END     ? ZSTD_e_end
                             : end == COMPRESS_FLUSH ? ZSTD_e_flush
                                                     : ZSTD_e_continue;
    ZSTD_inBuffer src = { in, n, 0 };
    for (;;) {
        ZSTD_outBuffer dst = { e->out, e->cap, 0 };
        size_t left = ZSTD_compressStream2(e->z, &dst, &src, mode);
        if (ZSTD_isError(left))
            return ENOMEM;
        int err = dst.pos ? sink(ctx, e->out, dst.pos) : 0;
        if (err)
            return err;
        /* continue: done once the input is taken; flush and end: once
         * nothing is left inside. */
        if (mode == ZSTD_e_continue ? src.pos == src.size : left == 0)
            break;
    }
    if (end == COMPRESS_END)
        e->open = false;
    if (end != COMPRESS_MORE)
        e->flushed = true;
    return 0;
}

const CompressOps flowrt_zstd_ops = {
    "zstd",         zstd_dec_new, zstd_dec_run, zstd_dec_at_end, zstd_dec_reset,
    zstd_dec_free,  zstd_enc_new, zstd_enc_run, zstd_enc_free,
};

/* file(...) connectors of a program whose compressed files are zstd ones. */
const FlowConnectorOps flow_file_zstd_connector = {
    .source = &flowrt_text_source_ops, .sink = &flowrt_file_sink_ops, .zstd = &flowrt_zstd_ops,
};
