/* pool.c: fixed-size items carved from blocks, with a free list (FlowPool,
 * flow/state.h). A block is one malloc of about 64 KiB: its first item-sized
 * slot links it into the pool's list of blocks, the rest are items. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "flow/state.h"

enum { POOL_BLOCK_BYTES = 64 * 1024 };

static size_t item_size(size_t size)
{
    size_t align = _Alignof(max_align_t);
    if (size < sizeof(void *))
        size = sizeof(void *);
    return (size + align - 1) / align * align;
}

static void pool_grow(FlowPool *p)
{
    size_t n = POOL_BLOCK_BYTES / p->size;
    if (n < 2)
        n = 2;
    unsigned char *block = malloc(p->size * n);
    if (!block) {
        fprintf(stderr, "flow: out of memory (operator state)\n");
        abort();
    }
    *(void **)block = p->blocks;
    p->blocks = block;
    p->next = block + p->size;
    p->left = n - 1;
}

void *flow_pool_alloc(FlowPool *p, size_t size)
{
    if (p->free) {
        void *item = p->free;
        p->free = *(void **)item;
        return item;
    }
    if (!p->size)
        p->size = item_size(size);
    if (!p->left)
        pool_grow(p);
    void *item = p->next;
    p->next += p->size;
    p->left--;
    return item;
}

void flow_pool_free(FlowPool *p, void *item)
{
    *(void **)item = p->free;
    p->free = item;
}

void flow_pool_destroy(FlowPool *p)
{
    while (p->blocks) {
        void *next = *(void **)p->blocks;
        free(p->blocks);
        p->blocks = next;
    }
    *p = (FlowPool){ 0 };
}
