/* scratch.h: the per-record scratch arena behind flow_scratch_alloc. Values
 * made while one record goes through the stages (lower(), concat(), string())
 * are bump-allocated here and all released at once by flowrt_scratch_reset when the
 * source moves to the next record. Chunks are kept across resets, so after the
 * first records nothing is allocated per record. */
#ifndef FLOWRT_SCRATCH_H
#define FLOWRT_SCRATCH_H

#include <stddef.h>

typedef struct ScratchChunk ScratchChunk;

typedef struct Scratch {
    ScratchChunk *first;   /* chunks in allocation order; all kept on reset */
    ScratchChunk *current; /* the chunk being filled */
    size_t used;           /* bytes used in `current` */
} Scratch;

void flowrt_scratch_init(Scratch *s);
void flowrt_scratch_free(Scratch *s);
/* 16-byte aligned; aborts the process only if malloc fails. */
void *flowrt_scratch_alloc(Scratch *s, size_t size);
void flowrt_scratch_reset(Scratch *s);

#endif
