/* scratch.c: a chunked bump allocator, reset once per record. */
#include "scratch.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define SCRATCH_CHUNK (64 * 1024)
#define SCRATCH_ALIGN 16

struct ScratchChunk {
    ScratchChunk *next;
    size_t size;
    _Alignas(SCRATCH_ALIGN) unsigned char data[];
};

static ScratchChunk *new_chunk(size_t size)
{
    ScratchChunk *c = malloc(sizeof *c + size);
    if (!c) {
        fprintf(stderr, "flow: out of memory (scratch memory, %zu bytes)\n", size);
        abort();
    }
    c->next = NULL;
    c->size = size;
    return c;
}

void flowrt_scratch_init(Scratch *s)
{
    s->first = s->current = NULL;
    s->used = 0;
}

void flowrt_scratch_free(Scratch *s)
{
    ScratchChunk *c = s->first;
    while (c) {
        ScratchChunk *next = c->next;
        free(c);
        c = next;
    }
    flowrt_scratch_init(s);
}

void *flowrt_scratch_alloc(Scratch *s, size_t size)
{
    size = (size + SCRATCH_ALIGN - 1) & ~(size_t)(SCRATCH_ALIGN - 1);
    if (size == 0)
        size = SCRATCH_ALIGN;
    /* Walk forward through chunks kept from earlier records before making a
     * new one, so a steady workload reuses the same memory. */
    while (!s->current || s->current->size - s->used < size) {
        ScratchChunk *next = s->current ? s->current->next : s->first;
        if (next && next->size >= size) {
            s->current = next;
            s->used = 0;
            continue;
        }
        ScratchChunk *c = new_chunk(size > SCRATCH_CHUNK ? size : SCRATCH_CHUNK);
        if (!s->current) {
            c->next = s->first;
            s->first = c;
        } else {
            c->next = s->current->next;
            s->current->next = c;
        }
        s->current = c;
        s->used = 0;
    }
    void *p = s->current->data + s->used;
    s->used += size;
    return p;
}

void flowrt_scratch_reset(Scratch *s)
{
    s->current = s->first;
    s->used = 0;
}
