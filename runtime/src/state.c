/* state.c: the hash table of state items, kept strings and the distinct-value
 * sets of count_distinct (flow/state.h). Both tables use linear probing with
 * backward-shift deletion, so there are no tombstones and a table whose keys
 * keep changing never fills up with dead slots. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/expr.h"
#include "flow/state.h"

void *flow_state_alloc(size_t size)
{
    void *p = calloc(1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "flow: out of memory (operator state)\n");
        abort();
    }
    return p;
}

void flow_state_free(void *p)
{
    free(p);
}

/* ---- Items ------------------------------------------------------------------------- */

static uint64_t stored_hash(uint64_t h)
{
    return h ? h : 1;
}

void *flow_table_find(const FlowTable *t, uint64_t hash, FlowMatchFn match, const void *probe)
{
    if (t->cap == 0)
        return NULL;
    uint64_t h = stored_hash(hash), mask = (uint64_t)t->cap - 1;
    for (uint64_t i = h & mask;; i = (i + 1) & mask) {
        if (t->hashes[i] == 0)
            return NULL;
        if (t->hashes[i] == h && match(t->items[i], probe))
            return t->items[i];
    }
}

static void table_put(FlowTable *t, uint64_t h, void *item)
{
    uint64_t mask = (uint64_t)t->cap - 1, i = h & mask;
    while (t->hashes[i])
        i = (i + 1) & mask;
    t->hashes[i] = h;
    t->items[i] = item;
}

static void table_grow(FlowTable *t)
{
    FlowTable old = *t;
    t->cap = old.cap ? old.cap * 2 : 16;
    t->hashes = flow_state_alloc(sizeof *t->hashes * (size_t)t->cap);
    t->items = flow_state_alloc(sizeof *t->items * (size_t)t->cap);
    for (int64_t i = 0; i < old.cap; i++)
        if (old.hashes[i])
            table_put(t, old.hashes[i], old.items[i]);
    free(old.hashes);
    free(old.items);
}

void flow_table_insert(FlowTable *t, uint64_t hash, void *item)
{
    /* At most 3/4 full, so probes stay short. */
    if ((t->count + 1) * 4 > t->cap * 3)
        table_grow(t);
    table_put(t, stored_hash(hash), item);
    t->count++;
}

void flow_table_remove(FlowTable *t, uint64_t hash, const void *item)
{
    if (t->cap == 0)
        return;
    uint64_t h = stored_hash(hash), mask = (uint64_t)t->cap - 1, i = h & mask;
    while (t->hashes[i] && t->items[i] != item)
        i = (i + 1) & mask;
    if (!t->hashes[i])
        return;
    /* Backward shift: move later entries of the probe run into the hole
     * when their home slot is not between the hole and them. */
    for (uint64_t j = (i + 1) & mask; t->hashes[j]; j = (j + 1) & mask) {
        uint64_t home = t->hashes[j] & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            t->hashes[i] = t->hashes[j];
            t->items[i] = t->items[j];
            i = j;
        }
    }
    t->hashes[i] = 0;
    t->items[i] = NULL;
    t->count--;
}

void flow_table_free(FlowTable *t)
{
    free(t->hashes);
    free(t->items);
    memset(t, 0, sizeof *t);
}

/* ---- Strings ----------------------------------------------------------------------- */

FlowStr flow_str_keep(FlowStr s)
{
    if (s.len <= 0)
        return (FlowStr){ "", 0 };
    char *p = flow_state_alloc((size_t)s.len);
    memcpy(p, s.ptr, (size_t)s.len);
    return (FlowStr){ p, s.len };
}

void flow_str_release(FlowStr s)
{
    if (s.len > 0)
        free((void *)s.ptr);
}

/* ---- Distinct values ------------------------------------------------------------------- */

/* A value: its 64 bits for numbers, bools and timestamps, or a kept string. */
struct FlowDistinctSlot {
    uint64_t hash;       /* 0: empty */
    int64_t bits;
    FlowStr str;
    bool is_str;
};

static bool slot_equal(const struct FlowDistinctSlot *a, const struct FlowDistinctSlot *b)
{
    if (a->is_str)
        return flow_str_eq(a->str, b->str);
    return a->bits == b->bits;
}

static void distinct_put(FlowDistinct *d, const struct FlowDistinctSlot *v)
{
    uint64_t mask = (uint64_t)d->cap - 1, i = v->hash & mask;
    while (d->slots[i].hash)
        i = (i + 1) & mask;
    d->slots[i] = *v;
}

static void distinct_add(FlowDistinct *d, struct FlowDistinctSlot v)
{
    v.hash = stored_hash(v.hash);
    if (d->cap) {
        uint64_t mask = (uint64_t)d->cap - 1;
        for (uint64_t i = v.hash & mask; d->slots[i].hash; i = (i + 1) & mask)
            if (d->slots[i].hash == v.hash && slot_equal(&d->slots[i], &v))
                return;
    }
    if ((d->count + 1) * 4 > d->cap * 3) {
        FlowDistinct old = *d;
        d->cap = old.cap ? old.cap * 2 : 8;
        d->slots = flow_state_alloc(sizeof *d->slots * (size_t)d->cap);
        for (int64_t i = 0; i < old.cap; i++)
            if (old.slots[i].hash)
                distinct_put(d, &old.slots[i]);
        free(old.slots);
    }
    if (v.is_str)
        v.str = flow_str_keep(v.str);
    distinct_put(d, &v);
    d->count++;
}

void flow_distinct_add_i64(FlowDistinct *d, int64_t v)
{
    distinct_add(d, (struct FlowDistinctSlot){ (uint64_t)flow_hash_i64(v), v, { "", 0 }, false });
}

void flow_distinct_add_f64(FlowDistinct *d, double v)
{
    uint64_t bits;
    if (v == 0)
        v = 0;
    if (v != v)
        bits = 0x7FF8000000000000ULL;
    else
        memcpy(&bits, &v, sizeof bits);
    distinct_add(d, (struct FlowDistinctSlot){ (uint64_t)flow_hash_i64((int64_t)bits),
                                               (int64_t)bits, { "", 0 }, false });
}

void flow_distinct_add_bool(FlowDistinct *d, bool v)
{
    distinct_add(d, (struct FlowDistinctSlot){ (uint64_t)flow_hash_bool(v), v, { "", 0 }, false });
}

void flow_distinct_add_str(FlowDistinct *d, FlowStr v)
{
    distinct_add(d, (struct FlowDistinctSlot){ (uint64_t)flow_hash_str(v), 0, v, true });
}

void flow_distinct_merge(FlowDistinct *d, const FlowDistinct *src)
{
    for (int64_t i = 0; i < src->cap; i++)
        if (src->slots[i].hash)
            distinct_add(d, src->slots[i]);
}

void flow_distinct_free(FlowDistinct *d)
{
    for (int64_t i = 0; i < d->cap; i++)
        if (d->slots[i].hash && d->slots[i].is_str)
            flow_str_release(d->slots[i].str);
    free(d->slots);
    memset(d, 0, sizeof *d);
}
