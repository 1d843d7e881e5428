/* flow/table.h: lookup tables (LANGUAGE.md §6.4). A `table` is read in full
 * from its connector before any stream starts and is only read afterwards,
 * by `lookup`.
 *
 * The runtime owns a table's memory: the index, which holds the rows
 * themselves, and the strings the rows keep, copied in chunks that never
 * move. The index is open addressing with linear probing, at most half
 * full: an array of `cap` rows and beside it an array of `cap` control
 * bytes, 0 for an empty slot, else 0x80 | the top 7 bits of the key's hash
 * (flow_lookup_ctrl). A probe starts at slot hash & (cap - 1) and walks the
 * control bytes (a small array that stays in cache) until an empty one,
 * comparing keys only in the slots whose control byte matches: an event
 * whose key has a row pays one cache miss, the row's, and one whose key has
 * none mostly pays nothing more. Rows move while the table grows during
 * loading, never afterwards; a lookup copies the fields it needs.
 *
 * The generated code knows the row's C type and the key's: it describes
 * them in a FlowLookupKey for loading, and probes inline when looking up.
 *
 * A key read on several rows keeps the last one: a later row replaces the
 * earlier one in place, as a changelog would ("the current row"). */
#ifndef FLOW_TABLE_H
#define FLOW_TABLE_H

#include "flow/runtime.h"
#include "flow/state.h"

/* Exported (libflowrt is built with -fvisibility=hidden: flow/program.h). */
#pragma GCC visibility push(default)

typedef struct FlowTableChunk FlowTableChunk;

/* A table's rows and key, as the generated code describes them. */
typedef struct FlowLookupKey {
    size_t row_size;
    uint64_t (*hash)(const void *row);                     /* flow_hash_* of its key */
    bool (*same_key)(const void *row, const void *other);  /* the keys are equal */
} FlowLookupKey;

typedef struct FlowLookupTable {
    unsigned char *rows;     /* the index: cap rows of row_size bytes */
    uint8_t *ctrl;           /* cap control bytes; NULL while empty */
    int64_t cap;             /* a power of two, 0 while empty */
    int64_t count;           /* rows kept (distinct keys) */
    FlowTableChunk *chunks;  /* the rows' strings, newest first */
    int64_t loaded;          /* good rows read */
    int64_t replaced;        /* rows that replaced an earlier row of their key */
} FlowLookupTable;

/* The control byte of a slot whose key hashes to h. */
static inline uint8_t flow_lookup_ctrl(uint64_t h)
{
    return (uint8_t)(0x80 | (h >> 57));
}

/* Lookup number `lookup` (order of FlowProgram.lookups) found no row for
 * the current record, which it drops: one add, counted per run for the
 * summary (docs/language.md, "lookup"). */
static inline void flow_lookup_miss(FlowRuntime *rt, int lookup)
{
    ((FlowRuntimeHead *)(void *)rt)->lookup_misses[lookup]++;
}

/* Table number `index` (order of FlowProgram.tables). */
FlowLookupTable *flow_lookup_table(FlowRuntime *rt, int index);

/* While loading: the slot for the key of `row` (a row decoded but not kept
 * yet): the one of the row already kept for that key, or a new one. The
 * caller then stores `row` into it, with its strings kept by
 * flow_lookup_table_keep, before the next put (which may move the rows). */
void *flow_lookup_table_put(FlowLookupTable *t, const FlowLookupKey *key, const void *row);
/* A copy of s in the table's memory (an empty string needs none). */
FlowStr flow_lookup_table_keep(FlowLookupTable *t, FlowStr s);
/* Frees the rows, their strings and the index. */
void flow_lookup_table_free(FlowLookupTable *t);

#pragma GCC visibility pop

#endif
