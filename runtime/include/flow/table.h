/* flow/table.h: lookup tables (LANGUAGE.md §6.4). A `table` is read in full
 * from its connector before any stream starts and is only read afterwards,
 * by `lookup`.
 *
 * The runtime owns a table's memory: its rows, in chunks that never move (so
 * a row's address stays valid while the table lives), the strings the rows
 * keep (copied in the same chunks), and the index, a FlowTable
 * (flow/state.h) from the hash of a row's key to the row. The generated code
 * knows the row's C type and the key's: it hashes keys with flow_hash_*,
 * supplies the typed key equality when loading, and probes the index inline
 * when looking up, with FlowTable's probe sequence: linear from
 * hash & (cap - 1) until an empty slot, a stored hash never being 0
 * (flow_table_stored_hash).
 *
 * A key read on several rows keeps the last one: a later row replaces the
 * earlier one in place, as a changelog would ("the current row"). */
#ifndef FLOW_TABLE_H
#define FLOW_TABLE_H

#include "flow/runtime.h"
#include "flow/state.h"

typedef struct FlowTableChunk FlowTableChunk;

typedef struct FlowLookupTable {
    FlowTable index;         /* key hash -> row */
    FlowTableChunk *chunks;  /* rows and their strings, newest first */
    int64_t loaded;          /* good rows read */
    int64_t replaced;        /* rows that replaced an earlier row of their key */
} FlowLookupTable;

/* Table number `index` (order of FlowProgram.tables). */
FlowLookupTable *flow_lookup_table(FlowRuntime *rt, int index);

/* While loading: the row of `size` bytes for the key of `probe`, which
 * hashes to `hash`: the row already kept for that key (match(row, probe)
 * holds), or a new zeroed one, indexed. The caller then stores the new row
 * into it, with its strings kept by flow_lookup_table_keep. */
void *flow_lookup_table_put(FlowLookupTable *t, uint64_t hash, FlowMatchFn match,
                            const void *probe, size_t size);
/* A copy of s in the table's memory (an empty string needs none). */
FlowStr flow_lookup_table_keep(FlowLookupTable *t, FlowStr s);
/* Frees the rows, their strings and the index. */
void flow_lookup_table_free(FlowLookupTable *t);

/* The hash FlowTable stores for a key's hash (0 marks an empty slot). */
static inline uint64_t flow_table_stored_hash(uint64_t h)
{
    return h ? h : 1;
}

#endif
