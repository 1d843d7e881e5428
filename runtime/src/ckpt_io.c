/* ckpt_io.c: the checkpoint writer and reader (ckpt_io.h) and the put and
 * get calls of flow/checkpoint.h on them. */
#include "ckpt_io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

bool flowrt_ckpt_out_init(FlowCkptOut *out, int fd)
{
    memset(out, 0, sizeof *out);
    out->fd = fd;
    out->buf = malloc(CKPT_OUT_BUF);
    out->cap = CKPT_OUT_BUF;
    out->hash = XXH64_createState();
    if (!out->buf || !out->hash) {
        flowrt_ckpt_out_free(out);
        return false;
    }
    XXH64_reset(out->hash, 0);
    return true;
}

bool flowrt_ckpt_out_init_mem(FlowCkptOut *out)
{
    memset(out, 0, sizeof *out);
    out->fd = -1;
    out->cap = 256;
    out->buf = malloc(out->cap);
    return out->buf != NULL;
}

void flowrt_ckpt_out_free(FlowCkptOut *out)
{
    free(out->buf);
    if (out->hash)
        XXH64_freeState(out->hash);
    out->buf = NULL;
    out->hash = NULL;
}

/* Checksums and writes out the buffer: the hash is updated a megabyte at a
 * time, not per value, which keeps a checkpoint's writer at memory speed. */
static void drain(FlowCkptOut *out)
{
    XXH64_update(out->hash, out->buf, out->len);
    size_t done = 0;
    while (done < out->len && !out->error) {
        ssize_t w = write(out->fd, out->buf + done, out->len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            out->error = w < 0 ? errno : EIO;
        else
            done += (size_t)w;
    }
    out->len = 0;
}

void flowrt_ckpt_out_bytes(FlowCkptOut *out, const void *p, size_t n)
{
    if (out->error || n == 0) /* an empty position has no bytes at all (NULL) */
        return;
    out->total += n;
    if (n <= out->cap - out->len) {
        memcpy(out->buf + out->len, p, n);
        out->len += n;
        return;
    }
    if (out->fd < 0) { /* in memory: the buffer doubles */
        size_t cap = out->cap;
        while (cap - out->len < n)
            cap *= 2;
        unsigned char *buf = realloc(out->buf, cap);
        if (!buf) {
            out->error = ENOMEM;
            return;
        }
        out->buf = buf;
        out->cap = cap;
        memcpy(out->buf + out->len, p, n);
        out->len += n;
        return;
    }
    const unsigned char *b = p;
    while (n > 0) {
        if (out->len == CKPT_OUT_BUF)
            drain(out);
        size_t room = CKPT_OUT_BUF - out->len, k = n < room ? n : room;
        memcpy(out->buf + out->len, b, k);
        out->len += k;
        b += k;
        n -= k;
    }
}

int flowrt_ckpt_out_finish(FlowCkptOut *out)
{
    drain(out);
    return out->error;
}

uint64_t flowrt_ckpt_out_hash(const FlowCkptOut *out)
{
    return XXH64_digest(out->hash); /* after flowrt_ckpt_out_finish: every byte is in it */
}

uint64_t flowrt_ckpt_hash(const void *p, size_t n)
{
    return XXH64(n ? p : "", n, 0);
}

void flowrt_ckpt_in_init(FlowCkptIn *in, const void *p, size_t n)
{
    in->at = p;
    in->end = in->at + n;
    in->failed = false;
}

const unsigned char *flowrt_ckpt_in_bytes(FlowCkptIn *in, size_t n)
{
    if (in->failed || (size_t)(in->end - in->at) < n) {
        in->failed = true;
        return NULL;
    }
    const unsigned char *p = in->at;
    in->at += n;
    return p;
}

/* ---- flow/checkpoint.h ------------------------------------------------------------------ */

void flow_ckpt_put_u64(FlowCkptOut *out, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    flowrt_ckpt_out_bytes(out, b, 8);
}

void flow_ckpt_put_i64(FlowCkptOut *out, int64_t v)
{
    flow_ckpt_put_u64(out, (uint64_t)v);
}

void flow_ckpt_put_f64(FlowCkptOut *out, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    flow_ckpt_put_u64(out, bits);
}

void flow_ckpt_put_bool(FlowCkptOut *out, bool v)
{
    unsigned char b = v ? 1 : 0;
    flowrt_ckpt_out_bytes(out, &b, 1);
}

void flow_ckpt_put_str(FlowCkptOut *out, FlowStr s)
{
    flow_ckpt_put_u64(out, (uint64_t)s.len);
    if (s.len)
        flowrt_ckpt_out_bytes(out, s.ptr, (size_t)s.len);
}

uint64_t flow_ckpt_get_u64(FlowCkptIn *in)
{
    const unsigned char *b = flowrt_ckpt_in_bytes(in, 8);
    uint64_t v = 0;
    for (int i = 0; b && i < 8; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

int64_t flow_ckpt_get_i64(FlowCkptIn *in)
{
    return (int64_t)flow_ckpt_get_u64(in);
}

double flow_ckpt_get_f64(FlowCkptIn *in)
{
    uint64_t bits = flow_ckpt_get_u64(in);
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

bool flow_ckpt_get_bool(FlowCkptIn *in)
{
    const unsigned char *b = flowrt_ckpt_in_bytes(in, 1);
    if (b && *b > 1)
        in->failed = true;
    return b && *b == 1;
}

FlowStr flow_ckpt_get_str(FlowCkptIn *in)
{
    uint64_t len = flow_ckpt_get_u64(in);
    if (in->failed || len > (uint64_t)(in->end - in->at)) {
        in->failed = true;
        return (FlowStr){ "", 0 };
    }
    const unsigned char *b = flowrt_ckpt_in_bytes(in, (size_t)len);
    return flow_str_keep((FlowStr){ (const char *)b, (int64_t)len });
}

int64_t flow_ckpt_get_count(FlowCkptIn *in, int64_t max)
{
    int64_t n = flow_ckpt_get_i64(in);
    if (in->failed || n < 0 || n > max) {
        in->failed = true;
        return 0;
    }
    return n;
}

bool flow_ckpt_failed(const FlowCkptIn *in)
{
    return in->failed;
}
