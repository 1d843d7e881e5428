/* flow/table.h: lookup tables (LANGUAGE.md §6.4). A `table` is read in full
 * from its connector before any stream starts and is only read afterwards,
 * by `lookup`.
 *
 * The runtime owns a table's memory: its rows, in chunks that never move (so
 * a row's address stays valid while the table lives), the strings the rows
 * keep (copied in the same chunks), and the index: open addressing with
 * linear probing, at most half full, from slot hash(key) & (cap - 1) on. A
 * slot holds the row's address and a tag: for an integer, bool or timestamp
 * key the key itself (as uint64_t), so that a probe compares keys in the
 * index and touches a row only when it has found it; for a string key the
 * key's hash, the row's key being compared after a tag matches. The
 * generated code knows the row's C type and the key's: it describes them in
 * a FlowLookupKey for loading, and probes the index inline when looking up,
 * until a slot without a row.
 *
 * A key read on several rows keeps the last one: a later row replaces the
 * earlier one in place, as a changelog would ("the current row"). */
#ifndef FLOW_TABLE_H
#define FLOW_TABLE_H

#include "flow/runtime.h"
#include "flow/state.h"

typedef struct FlowTableChunk FlowTableChunk;

typedef struct FlowLookupSlot {
    uint64_t tag;            /* the key, or its hash for a string key */
    void *row;               /* NULL: an empty slot */
} FlowLookupSlot;

/* A table's rows and key, as the generated code describes them. */
typedef struct FlowLookupKey {
    size_t row_size;
    uint64_t (*hash)(const void *row);  /* flow_hash_* of the row's key */
    uint64_t (*tag)(const void *row);   /* the tag of its slot */
    /* Whether two rows whose tags are equal have the same key; NULL when
     * equal tags mean equal keys. */
    bool (*same_key)(const void *row, const void *other);
} FlowLookupKey;

typedef struct FlowLookupTable {
    FlowLookupSlot *slots;   /* the index: cap slots, NULL while empty */
    int64_t cap;             /* a power of two, 0 while empty */
    int64_t count;           /* rows kept (distinct keys) */
    FlowTableChunk *chunks;  /* rows and their strings, newest first */
    int64_t loaded;          /* good rows read */
    int64_t replaced;        /* rows that replaced an earlier row of their key */
} FlowLookupTable;

/* Table number `index` (order of FlowProgram.tables). */
FlowLookupTable *flow_lookup_table(FlowRuntime *rt, int index);

/* While loading: the row memory for the key of `row` (a row decoded but not
 * kept yet): the row already kept for that key, or a new one, indexed. The
 * caller then stores `row` into it, with its strings kept by
 * flow_lookup_table_keep. */
void *flow_lookup_table_put(FlowLookupTable *t, const FlowLookupKey *key, const void *row);
/* A copy of s in the table's memory (an empty string needs none). */
FlowStr flow_lookup_table_keep(FlowLookupTable *t, FlowStr s);
/* Frees the rows, their strings and the index. */
void flow_lookup_table_free(FlowLookupTable *t);

#endif
