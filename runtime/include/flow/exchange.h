/* flow/exchange.h: what the generated exchanges call (parallelism N,
 * docs/architecture.md "Parallelism"). On the reading thread of a parallel
 * run, a record for a keyed stage is packed into the queue of the worker
 * owning its key: its struct, then the bytes of its strings, whose pointers
 * become offsets from the start of the packed record; the worker's
 * FlowExchangeDef.deliver turns them back into pointers and runs the stage.
 * A key belongs to key group hash % FLOW_MAX_PARALLELISM, and worker w of
 * N owns the key groups [w * 128 / N, (w + 1) * 128 / N). */
#ifndef FLOW_EXCHANGE_H
#define FLOW_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "flow/runtime.h"

#pragma GCC visibility push(default)

/* The key groups, and so the most workers a program can have. */
#define FLOW_MAX_PARALLELISM 128

/* Whether `rt` is the reading thread of a run with several workers: the
 * records of keyed stages then go through the exchange. */
static inline bool flow_exchange_on(const FlowRuntime *rt)
{
    return ((const FlowRuntimeHead *)(const void *)rt)->exchange;
}

/* Room for a packed record of `size` bytes for FlowProgram.exchanges[ex],
 * with event time ts and the key hash `hash`, in the queue of the worker
 * owning the key; 8-byte aligned. May wait while that queue is full. */
unsigned char *flow_exchange_put(FlowRuntime *rt, int ex, uint64_t hash, int64_t ts,
                                 size_t size);

/* The string *s of a record packed at p goes after it, at *at. */
static inline void flow_exchange_pack_str(unsigned char *p, size_t *at, FlowStr *s)
{
    if (s->len > 0)
        memcpy(p + *at, s->ptr, (size_t)s->len);
    s->ptr = (const char *)(uintptr_t)*at;
    *at += (size_t)s->len;
}

/* On the worker: the packed string's offset becomes a pointer again. */
static inline void flow_exchange_unpack_str(unsigned char *p, FlowStr *s)
{
    s->ptr = (const char *)p + (uintptr_t)s->ptr;
}

#pragma GCC visibility pop

#endif
