/* inline_table.c: growth and removal of FlowInlineTable (flow/state.h; the
 * generated code probes it itself). Linear probing with backward-shift
 * deletion, as FlowTable, so keys that come and go leave no dead entries. */
#include <stdlib.h>
#include <string.h>

#include "flow/state.h"

static uint64_t entry_hash(const FlowInlineTable *t, uint64_t i)
{
    uint64_t h;
    memcpy(&h, flow_inline_entry(t, i), sizeof h);
    return h;
}

/* The first empty entry of the probe run of `hash`. */
static uint64_t empty_slot(const FlowInlineTable *t, uint64_t hash)
{
    uint64_t i = hash & t->mask;
    while (entry_hash(t, i))
        i = (i + 1) & t->mask;
    return i;
}

static void table_grow(FlowInlineTable *t)
{
    FlowInlineTable old = *t;
    uint64_t n = old.entries ? (old.mask + 1) * 2 : 16;
    t->entries = flow_state_alloc_large(t->size * n);
    t->mask = n - 1;
    if (old.entries)
        for (uint64_t i = 0; i <= old.mask; i++) {
            uint64_t h = entry_hash(&old, i);
            if (h)
                memcpy(flow_inline_entry(t, empty_slot(t, h)), flow_inline_entry(&old, i),
                       t->size);
        }
    free(old.entries);
}

void *flow_inline_add(FlowInlineTable *t, size_t size, uint64_t hash)
{
    t->size = size;
    if (!t->entries || (uint64_t)(t->count + 1) * 4 > (t->mask + 1) * 3)
        table_grow(t);
    unsigned char *e = flow_inline_entry(t, empty_slot(t, hash));
    memset(e, 0, size);
    memcpy(e, &hash, sizeof hash);
    t->count++;
    return e;
}

void flow_inline_remove(FlowInlineTable *t, void *entry)
{
    uint64_t mask = t->mask, i = (uint64_t)((unsigned char *)entry - t->entries) / t->size;
    /* Backward shift: move later entries of the probe run into the hole
     * when their home slot is not between the hole and them. */
    for (uint64_t j = (i + 1) & mask, h; (h = entry_hash(t, j)); j = (j + 1) & mask) {
        uint64_t home = h & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            memcpy(flow_inline_entry(t, i), flow_inline_entry(t, j), t->size);
            i = j;
        }
    }
    memset(flow_inline_entry(t, i), 0, t->size);
    t->count--;
}

void flow_inline_free(FlowInlineTable *t)
{
    free(t->entries);
    *t = (FlowInlineTable){ 0 };
}
