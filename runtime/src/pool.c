/* pool.c: fixed-size items carved from blocks, with a free list (FlowPool,
 * flow/state.h), and the memory for large state (flow_state_alloc_large).
 * A pool's first block has 64 KiB, each next one twice as many up to 2 MiB,
 * so a small pool stays small and a large one is mostly in huge pages: its
 * items are touched in random order, and with 4 KiB pages nearly every
 * touch would also miss the TLB. A block's first item-sized slot links it
 * into the pool's list of blocks, the rest are items. */
#define _DEFAULT_SOURCE /* madvise */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "flow/state.h"

enum { POOL_FIRST_BLOCK = 64 * 1024, HUGE_PAGE = 2 * 1024 * 1024 };

static void out_of_memory(void)
{
    fprintf(stderr, "flow: out of memory (operator state)\n");
    abort();
}

void *flow_state_alloc_large(size_t size)
{
    if (size < HUGE_PAGE)
        return flow_state_alloc(size);
    size = (size + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    void *p = aligned_alloc(HUGE_PAGE, size);
    if (!p)
        out_of_memory();
#ifdef MADV_HUGEPAGE
    /* Advice only: without huge pages the memory works the same. */
    madvise(p, size, MADV_HUGEPAGE);
#endif
    memset(p, 0, size);
    return p;
}

/* `size` is the sizeof of the items' type, a multiple of its alignment, so
 * items one after the other in a block (aligned for anything) are aligned
 * like an array; rounding up to a multiple of a pointer's size keeps them
 * so, and aligns the free-list link. */
static size_t item_size(size_t size)
{
    if (size < sizeof(void *))
        size = sizeof(void *);
    return (size + sizeof(void *) - 1) / sizeof(void *) * sizeof(void *);
}

static void pool_grow(FlowPool *p)
{
    p->block_bytes = !p->block_bytes ? POOL_FIRST_BLOCK
                     : p->block_bytes < HUGE_PAGE ? p->block_bytes * 2 : p->block_bytes;
    size_t n = p->block_bytes / p->size;
    if (n < 2)
        n = 2;
    unsigned char *block = flow_state_alloc_large(p->size * n);
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
