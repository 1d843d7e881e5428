/* index.c: insertion and removal of FlowIndex (flow/state.h; the probe is
 * inline there). The same open addressing as FlowTable, with each slot's
 * hash beside its item. */
#include <stdlib.h>

#include "flow/state.h"

static void index_put(FlowIndex *ix, uint64_t hash, void *item)
{
    uint64_t i = hash & ix->mask;
    while (ix->slots[i].item)
        i = (i + 1) & ix->mask;
    ix->slots[i] = (FlowIndexSlot){ hash, item };
}

static void index_grow(FlowIndex *ix)
{
    FlowIndex old = *ix;
    uint64_t nslots = old.slots ? (old.mask + 1) * 2 : 16;
    ix->slots = flow_state_alloc(sizeof *ix->slots * nslots);
    ix->mask = nslots - 1;
    if (old.slots)
        for (uint64_t i = 0; i <= old.mask; i++)
            if (old.slots[i].item)
                index_put(ix, old.slots[i].hash, old.slots[i].item);
    free(old.slots);
}

void flow_index_insert(FlowIndex *ix, uint64_t hash, void *item)
{
    if (!ix->slots || (uint64_t)(ix->count + 1) * 4 > (ix->mask + 1) * 3)
        index_grow(ix);
    index_put(ix, hash, item);
    ix->count++;
}

void flow_index_remove(FlowIndex *ix, uint64_t hash, const void *item)
{
    if (!ix->slots)
        return;
    uint64_t mask = ix->mask, i = hash & mask;
    while (ix->slots[i].item && ix->slots[i].item != item)
        i = (i + 1) & mask;
    if (!ix->slots[i].item)
        return;
    /* Backward shift: move later entries of the probe run into the hole
     * when their home slot is not between the hole and them. */
    for (uint64_t j = (i + 1) & mask; ix->slots[j].item; j = (j + 1) & mask) {
        uint64_t home = ix->slots[j].hash & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            ix->slots[i] = ix->slots[j];
            i = j;
        }
    }
    ix->slots[i] = (FlowIndexSlot){ 0, NULL };
    ix->count--;
}

void flow_index_free(FlowIndex *ix)
{
    free(ix->slots);
    *ix = (FlowIndex){ 0 };
}
