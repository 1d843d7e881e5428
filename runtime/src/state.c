/* state.c: the hash table of state items, kept strings and the distinct-value
 * sets of count_distinct (flow/state.h). Both tables use linear probing with
 * backward-shift deletion, so there are no tombstones and a table whose keys
 * keep changing never fills up with dead slots. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/checkpoint.h"
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
    if (v.is_str) {
        v.str = flow_str_keep(v.str);
        d->bytes += v.str.len;
    }
    distinct_put(d, &v);
    d->count++;
}

size_t flow_distinct_bytes(const FlowDistinct *d)
{
    return (size_t)d->cap * sizeof *d->slots + (size_t)d->bytes;
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

/* A set in a checkpoint: its count, then per value whether it is a string
 * and the string or the bits (flow/checkpoint.h). The slot order does not
 * matter: only the count of a set is ever read. */
void flow_ckpt_put_distinct(FlowCkptOut *out, const FlowDistinct *d)
{
    flow_ckpt_put_i64(out, d->count);
    for (int64_t i = 0; i < d->cap; i++) {
        const struct FlowDistinctSlot *v = &d->slots[i];
        if (!v->hash)
            continue;
        flow_ckpt_put_bool(out, v->is_str);
        if (v->is_str)
            flow_ckpt_put_str(out, v->str);
        else {
            flow_ckpt_put_i64(out, v->bits);
            flow_ckpt_put_u64(out, v->hash);
        }
    }
}

void flow_ckpt_get_distinct(FlowCkptIn *in, FlowDistinct *d)
{
    int64_t n = flow_ckpt_get_count(in, INT64_MAX / 64);
    for (int64_t i = 0; i < n && !flow_ckpt_failed(in); i++) {
        if (flow_ckpt_get_bool(in)) {
            FlowStr s = flow_ckpt_get_str(in);
            flow_distinct_add_str(d, s);
            flow_str_release(s);
        } else {
            int64_t bits = flow_ckpt_get_i64(in);
            uint64_t hash = flow_ckpt_get_u64(in);
            distinct_add(d, (struct FlowDistinctSlot){ hash, bits,
                                                       { "", 0 }, false });
        }
    }
}

void flow_distinct_free(FlowDistinct *d)
{
    for (int64_t i = 0; i < d->cap; i++)
        if (d->slots[i].hash && d->slots[i].is_str)
            flow_str_release(d->slots[i].str);
    free(d->slots);
    memset(d, 0, sizeof *d);
}

/* ---- Panes ----------------------------------------------------------------------------- */

static uint64_t time_hash(int64_t t)
{
    return (uint64_t)flow_hash_i64(t);
}

static bool pane_starts_at(const void *item, const void *start)
{
    return ((const FlowPane *)item)->start == *(const int64_t *)start;
}

static bool window_ends_at(const void *item, const void *end)
{
    return ((const FlowWindowEnd *)item)->end == *(const int64_t *)end;
}

static uint64_t entry_hash(const unsigned char *entries, size_t size, uint64_t i)
{
    uint64_t h;
    memcpy(&h, entries + (size_t)i * size, sizeof h);
    return h;
}

/* Empty, with `size`-byte entries; keeps the memory it has. Only the
 * hashes of the entries in use are cleared: an entry with hash 0 is empty
 * whatever else it holds, and flow_pane_add zeroes an entry it takes. */
static void pane_empty(FlowPane *p, size_t size)
{
    if (p->size != size) {
        free(p->entries);
        p->entries = NULL;
        p->size = size;
    }
    if (!p->entries) {
        p->mask = 15;
        p->entries = flow_state_alloc(size * (size_t)(p->mask + 1));
    } else {
        for (int64_t k = 0; k < p->count; k++)
            memset(flow_pane_entry(p, k), 0, sizeof(uint64_t));
    }
    p->count = 0;
    p->fired = false;
}

FlowPane *flow_pane_find(FlowPanes *ps, int64_t start)
{
    if (ps->last && ps->last->start == start)
        return ps->last;
    return flow_table_find(&ps->by_start, time_hash(start), pane_starts_at, &start);
}

FlowPane *flow_pane_get(FlowPanes *ps, int64_t start, size_t size, bool *made)
{
    FlowPane *p = flow_pane_find(ps, start);
    *made = p == NULL;
    if (!p) {
        p = ps->spare ? ps->spare : flow_state_alloc(sizeof *p);
        ps->spare = NULL;
        pane_empty(p, size);
        p->start = start;
        p->owner = ps;
        flow_table_insert(&ps->by_start, time_hash(start), p);
    }
    ps->last = p;
    return p;
}

/* The first empty entry of the probe run of `hash`. */
static uint64_t empty_slot(const FlowPane *p, uint64_t hash)
{
    uint64_t i = hash & p->mask;
    while (entry_hash(p->entries, p->size, i))
        i = (i + 1) & p->mask;
    return i;
}

void *flow_pane_add(FlowPane *p, uint64_t slot, uint64_t hash)
{
    if (p->count == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        int32_t *order = flow_state_alloc(sizeof *order * (size_t)p->cap);
        if (p->count)
            memcpy(order, p->order, sizeof *order * (size_t)p->count);
        free(p->order);
        p->order = order;
    }
    /* At most 3/4 full, as FlowInlineTable: probes stay short, and the
     * table of 10 000 keys (16 384 entries of 32 bytes) fits in a 1 MiB L2
     * where a half-full one would not. The entries move to a table twice as
     * large in their order, which keeps it. */
    if ((uint64_t)(p->count + 1) * 4 > (p->mask + 1) * 3) {
        unsigned char *old = p->entries;
        p->mask = p->mask * 2 + 1;
        /* flow_state_alloc_large (zeroed): from 2 MiB on, huge pages, so
         * fewer TLB misses, and a checkpoint's fork() copies far fewer page
         * table entries (docs/checkpoints.md). Doubling keeps the copies
         * O(1) per entry. */
        p->entries = flow_state_alloc_large(p->size * (size_t)(p->mask + 1));
        for (int64_t k = 0; k < p->count; k++) {
            const unsigned char *e = old + (size_t)p->order[k] * p->size;
            uint64_t i = empty_slot(p, entry_hash(e, p->size, 0));
            memcpy(p->entries + (size_t)i * p->size, e, p->size);
            p->order[k] = (int32_t)i;
        }
        free(old);
        slot = empty_slot(p, hash);
    }
    unsigned char *entry = p->entries + (size_t)slot * p->size;
    memset(entry, 0, p->size);
    memcpy(entry, &hash, sizeof hash);
    p->order[p->count++] = (int32_t)slot;
    return entry;
}

FlowPane *flow_pane_scratch(FlowPanes *ps, size_t size)
{
    pane_empty(&ps->merged, size);
    return &ps->merged;
}

static uint64_t entry_order(const FlowPane *p, int64_t k)
{
    uint64_t order;
    memcpy(&order, (const unsigned char *)flow_pane_entry(p, k) + sizeof(uint64_t), sizeof order);
    return order;
}

typedef struct OrderedIndex {
    uint64_t order;
    int32_t index;
} OrderedIndex;

static int by_order(const void *a, const void *b)
{
    uint64_t x = ((const OrderedIndex *)a)->order, y = ((const OrderedIndex *)b)->order;
    return (x > y) - (x < y);
}

void flow_pane_sort(FlowPane *p)
{
    int64_t k = 1;
    while (k < p->count && entry_order(p, k - 1) <= entry_order(p, k))
        k++;
    if (k >= p->count)
        return;
    OrderedIndex *v = flow_state_alloc(sizeof *v * (size_t)p->count);
    for (k = 0; k < p->count; k++)
        v[k] = (OrderedIndex){ entry_order(p, k), p->order[k] };
    qsort(v, (size_t)p->count, sizeof *v, by_order);
    for (k = 0; k < p->count; k++)
        p->order[k] = v[k].index;
    free(v);
}

static void pane_destroy(FlowPane *p)
{
    free(p->entries);
    free(p->order);
    free(p);
}

void flow_pane_free(FlowPane *p)
{
    FlowPanes *ps = p->owner;
    if (ps->last == p)
        ps->last = NULL;
    flow_table_remove(&ps->by_start, time_hash(p->start), p);
    /* The next pane is most likely as large: keep the memory of one. */
    if (ps->spare)
        pane_destroy(p);
    else
        ps->spare = p;
}

FlowPane *flow_pane_alone(size_t size)
{
    FlowPane *p = flow_state_alloc(sizeof *p);
    pane_empty(p, size);
    return p;
}

void flow_pane_alone_free(FlowPane *p)
{
    if (p)
        pane_destroy(p);
}

FlowWindowEnd *flow_window_end_get(FlowPanes *ps, int64_t end, bool *made)
{
    FlowWindowEnd *w = flow_table_find(&ps->ends, time_hash(end), window_ends_at, &end);
    *made = w == NULL;
    if (!w) {
        w = flow_state_alloc(sizeof *w);
        w->end = end;
        w->owner = ps;
        flow_table_insert(&ps->ends, time_hash(end), w);
    }
    return w;
}

void flow_window_end_free(FlowPanes *ps, FlowWindowEnd *w)
{
    flow_table_remove(&ps->ends, time_hash(w->end), w);
    free(w);
}

void flow_panes_free(FlowPanes *ps)
{
    for (int64_t i = 0; i < ps->by_start.cap; i++)
        if (ps->by_start.hashes[i])
            pane_destroy(ps->by_start.items[i]);
    for (int64_t i = 0; i < ps->ends.cap; i++)
        if (ps->ends.hashes[i])
            free(ps->ends.items[i]);
    flow_table_free(&ps->by_start);
    flow_table_free(&ps->ends);
    if (ps->spare)
        pane_destroy(ps->spare);
    free(ps->merged.entries);
    free(ps->merged.order);
    memset(ps, 0, sizeof *ps);
}
