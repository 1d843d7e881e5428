/* ckpt_io.h: the writer and reader of checkpoint files behind the
 * flow_ckpt_put_* and flow_ckpt_get_* calls of flow/checkpoint.h: a
 * buffered writer to a file descriptor that checksums (XXH64) what it writes
 * and keeps the first error, and a bounds-checked reader over bytes in
 * memory. Values are little-endian: 8 bytes for integers and floats, one for
 * a bool, a string as its 8-byte length and its bytes. */
#ifndef FLOWRT_CKPT_IO_H
#define FLOWRT_CKPT_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/checkpoint.h"

#define CKPT_OUT_BUF (1 << 20)

struct FlowCkptOut {
    int fd;                  /* -1: a writer to memory (flowrt_ckpt_out_init_mem) */
    unsigned char *buf;      /* cap bytes */
    size_t len, cap;
    uint64_t total;          /* bytes written so far, buffered ones included */
    void *hash;              /* XXH64_state_t of every byte */
    int error;               /* errno of the first failed write, 0 if none */
};

struct FlowCkptIn {
    const unsigned char *at, *end;
    bool failed;
};

/* A writer to fd (which it does not own); false when out of memory. */
bool flowrt_ckpt_out_init(FlowCkptOut *out, int fd);
/* A writer to memory, whose buffer grows: the values and keys of the
 * state store (kv.c). buf[0, len) is what was written since len was set to
 * 0; no checksum. */
bool flowrt_ckpt_out_init_mem(FlowCkptOut *out);
void flowrt_ckpt_out_bytes(FlowCkptOut *out, const void *p, size_t n);
/* Writes out the buffer; returns 0 or the errno of the first failure. */
int flowrt_ckpt_out_finish(FlowCkptOut *out);
/* XXH64 of everything written, once flowrt_ckpt_out_finish has run. */
uint64_t flowrt_ckpt_out_hash(const FlowCkptOut *out);
void flowrt_ckpt_out_free(FlowCkptOut *out);

void flowrt_ckpt_in_init(FlowCkptIn *in, const void *p, size_t n);
/* n bytes, or NULL (and the reader failed) when fewer are left. */
const unsigned char *flowrt_ckpt_in_bytes(FlowCkptIn *in, size_t n);
/* XXH64 of n bytes, as the writer computes it. */
uint64_t flowrt_ckpt_hash(const void *p, size_t n);

#endif
