/* table.c: lookup tables (flow/table.h): their memory, and loading them
 * before the streams start (table.h). */
#include "table.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

/* Rows are bump-allocated in chunks: no per-row malloc header, and rows of
 * one table lie close together. */
#define CHUNK_MIN (64 * 1024)
/* A row holds int64s, doubles, bools and FlowStrs: 8 bytes suffice, and keep
 * rows small. */
#define ROW_ALIGN 8

struct FlowTableChunk {
    FlowTableChunk *next;
    size_t used, cap;
    _Alignas(max_align_t) unsigned char bytes[];
};

static void *table_alloc(FlowLookupTable *t, size_t size, size_t align)
{
    FlowTableChunk *c = t->chunks;
    size_t at = c ? (c->used + align - 1) / align * align : 0;
    if (!c || at + size > c->cap) {
        size_t cap = size > CHUNK_MIN ? size : CHUNK_MIN;
        c = flow_state_alloc(sizeof *c + cap);
        c->cap = cap;
        c->next = t->chunks;
        t->chunks = c;
        at = 0;
    }
    c->used = at + size;
    return c->bytes + at;
}

static void index_put(FlowLookupSlot *slots, uint64_t mask, uint64_t hash, FlowLookupSlot slot)
{
    uint64_t i = hash & mask;
    while (slots[i].row)
        i = (i + 1) & mask;
    slots[i] = slot;
}

static void index_grow(FlowLookupTable *t, const FlowLookupKey *key)
{
    FlowLookupSlot *old = t->slots;
    int64_t old_cap = t->cap;
    t->cap = old_cap ? old_cap * 2 : 16;
    t->slots = flow_state_alloc(sizeof *t->slots * (size_t)t->cap);
    for (int64_t i = 0; i < old_cap; i++)
        if (old[i].row)
            index_put(t->slots, (uint64_t)t->cap - 1, key->hash(old[i].row), old[i]);
    flow_state_free(old);
}

void *flow_lookup_table_put(FlowLookupTable *t, const FlowLookupKey *key, const void *row)
{
    t->loaded++;
    if ((t->count + 1) * 2 > t->cap)
        index_grow(t, key);
    uint64_t mask = (uint64_t)t->cap - 1, tag = key->tag(row), i = key->hash(row) & mask;
    for (; t->slots[i].row; i = (i + 1) & mask)
        if (t->slots[i].tag == tag && (!key->same_key || key->same_key(t->slots[i].row, row))) {
            t->replaced++;
            return t->slots[i].row;
        }
    void *kept = table_alloc(t, key->row_size, ROW_ALIGN);
    t->slots[i] = (FlowLookupSlot){ tag, kept };
    t->count++;
    return kept;
}

FlowStr flow_lookup_table_keep(FlowLookupTable *t, FlowStr s)
{
    if (s.len <= 0)
        return (FlowStr){ "", 0 };
    char *p = table_alloc(t, (size_t)s.len, 1);
    memcpy(p, s.ptr, (size_t)s.len);
    return (FlowStr){ p, s.len };
}

void flow_lookup_table_free(FlowLookupTable *t)
{
    for (FlowTableChunk *c = t->chunks, *next; c; c = next) {
        next = c->next;
        flow_state_free(c);
    }
    flow_state_free(t->slots);
    memset(t, 0, sizeof *t);
}

FlowLookupTable *flow_lookup_table(FlowRuntime *rt, int index)
{
    return &rt->tables[index].table;
}

/* ---- Loading ------------------------------------------------------------------------- */

/* Reads one table to its end. */
static bool load_one(FlowRuntime *rt, LoadedTable *lt, int index)
{
    char *err = NULL;
    double started = runtime_seconds();
    Source *src = source_open(lt->def, index, &rt->params, &err);
    if (!src) {
        runtime_fail(rt, "%s", err);
        free(err);
        return false;
    }
    src->table = true;
    size_t len = strlen(src->label);
    lt->label = malloc(len + 1);
    if (lt->label)
        memcpy(lt->label, src->label, len + 1);
    SourceStatus st = SOURCE_MORE;
    /* A table is read to the end of its input as it is now: a followed
     * file that has nothing more is done too. */
    while (st == SOURCE_MORE && !rt->failed && !runtime_stop_requested()) {
        runtime_tick(rt);
        st = src->ops->poll(src, rt, 1024);
    }
    rt->current = NULL;
    lt->read = src->records;
    lt->bad = src->bad;
    lt->seconds = runtime_seconds() - started;
    source_close(src);
    if (!lt->label) {
        runtime_fail(rt, "out of memory");
        return false;
    }
    return !rt->failed && !runtime_stop_requested();
}

bool tables_load(FlowRuntime *rt, bool verbose)
{
    const FlowProgram *prog = rt->prog;
    if (prog->ntables == 0)
        return true;
    rt->tables = calloc((size_t)prog->ntables, sizeof *rt->tables);
    if (!rt->tables) {
        runtime_fail(rt, "out of memory");
        return false;
    }
    rt->ntables = prog->ntables;
    for (int i = 0; i < prog->ntables; i++) {
        LoadedTable *lt = &rt->tables[i];
        lt->def = &prog->tables[i];
        if (!load_one(rt, lt, i))
            return false;
        if (verbose)
            fprintf(stderr, "%s: table %s loaded in %.1fs: %lld rows, %lld keys, %lld bad\n",
                    prog->name, lt->def->name, lt->seconds, (long long)lt->table.loaded,
                    (long long)lt->table.count, (long long)lt->bad);
    }
    scratch_reset(&rt->scratch);
    return true;
}

void tables_print_summary(const FlowRuntime *rt)
{
    for (int i = 0; i < rt->ntables; i++) {
        const LoadedTable *lt = &rt->tables[i];
        fprintf(stderr, "  table %s (%s): %lld rows loaded, %lld keys, %lld bad\n",
                lt->def->name, lt->label ? lt->label : "?", (long long)lt->table.loaded,
                (long long)lt->table.count, (long long)lt->bad);
    }
}

void tables_free(FlowRuntime *rt)
{
    for (int i = 0; i < rt->ntables; i++) {
        flow_lookup_table_free(&rt->tables[i].table);
        free(rt->tables[i].label);
    }
    free(rt->tables);
    rt->tables = NULL;
    rt->ntables = 0;
}
