/* table.c: lookup tables (flow/table.h): their memory, and loading them
 * before the streams start (table.h). */
#include "table.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

/* Strings are bump-allocated in chunks: no per-string malloc header. */
#define CHUNK_MIN (64 * 1024)

struct FlowTableChunk {
    FlowTableChunk *next;
    size_t used, cap;
    _Alignas(max_align_t) unsigned char bytes[];
};

static void *table_alloc(FlowLookupTable *t, size_t size)
{
    FlowTableChunk *c = t->chunks;
    size_t at = c ? c->used : 0;
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

/* The empty slot where a row with this hash goes. */
static int64_t free_slot(const FlowLookupTable *t, uint64_t hash)
{
    uint64_t mask = (uint64_t)t->cap - 1, i = hash & mask;
    while (t->ctrl[i])
        i = (i + 1) & mask;
    return (int64_t)i;
}

static void index_grow(FlowLookupTable *t, const FlowLookupKey *key)
{
    FlowLookupTable old = *t;
    size_t size = key->row_size;
    t->cap = old.cap ? old.cap * 2 : 16;
    t->rows = flow_state_alloc(size * (size_t)t->cap);
    t->ctrl = flow_state_alloc((size_t)t->cap);
    for (int64_t i = 0; i < old.cap; i++) {
        if (!old.ctrl[i])
            continue;
        const unsigned char *row = old.rows + size * (size_t)i;
        int64_t j = free_slot(t, key->hash(row));
        memcpy(t->rows + size * (size_t)j, row, size);
        t->ctrl[j] = old.ctrl[i];
    }
    flow_state_free(old.rows);
    flow_state_free(old.ctrl);
}

void *flow_lookup_table_put(FlowLookupTable *t, const FlowLookupKey *key, const void *row)
{
    t->loaded++;
    if ((t->count + 1) * 2 > t->cap)
        index_grow(t, key);
    uint64_t h = key->hash(row), mask = (uint64_t)t->cap - 1, i = h & mask;
    uint8_t ctrl = flow_lookup_ctrl(h);
    for (; t->ctrl[i]; i = (i + 1) & mask) {
        unsigned char *kept = t->rows + key->row_size * i;
        if (t->ctrl[i] == ctrl && key->same_key(kept, row)) {
            t->replaced++;
            return kept;
        }
    }
    t->ctrl[i] = ctrl;
    t->count++;
    return t->rows + key->row_size * i;
}

FlowStr flow_lookup_table_keep(FlowLookupTable *t, FlowStr s)
{
    if (s.len <= 0)
        return (FlowStr){ "", 0 };
    char *p = table_alloc(t, (size_t)s.len);
    memcpy(p, s.ptr, (size_t)s.len);
    return (FlowStr){ p, s.len };
}

void flow_lookup_table_free(FlowLookupTable *t)
{
    for (FlowTableChunk *c = t->chunks, *next; c; c = next) {
        next = c->next;
        flow_state_free(c);
    }
    flow_state_free(t->rows);
    flow_state_free(t->ctrl);
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
    double started = flowrt_runtime_seconds();
    Source *src = flowrt_source_open(rt, lt->def, index, &rt->params, &err);
    if (!src) {
        flowrt_runtime_fail(rt, "%s", err);
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
    while (st == SOURCE_MORE && !rt->failed && !flowrt_run_stop_requested(rt)) {
        flowrt_runtime_tick(rt);
        st = src->ops->poll(src, rt, 1024);
    }
    rt->current = NULL;
    lt->read = src->records;
    lt->bad = src->bad;
    lt->seconds = flowrt_runtime_seconds() - started;
    flowrt_source_close(src);
    if (!lt->label) {
        flowrt_runtime_fail(rt, "out of memory");
        return false;
    }
    return !rt->failed && !flowrt_run_stop_requested(rt);
}

bool flowrt_tables_load(FlowRuntime *rt, bool verbose)
{
    const FlowProgram *prog = rt->prog;
    if (prog->ntables == 0)
        return true;
    rt->tables = calloc((size_t)prog->ntables, sizeof *rt->tables);
    rt->head.lookup_misses = calloc((size_t)prog->nlookups + 1, sizeof *rt->head.lookup_misses);
    if (!rt->tables || !rt->head.lookup_misses) {
        flowrt_runtime_fail(rt, "out of memory");
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
    flowrt_scratch_reset(&rt->scratch);
    return true;
}

void flowrt_tables_print_summary(const FlowRuntime *rt)
{
    for (int i = 0; i < rt->ntables; i++) {
        const LoadedTable *lt = &rt->tables[i];
        fprintf(stderr, "  table %s (%s): %lld rows loaded, %lld keys, %lld bad\n",
                lt->def->name, lt->label ? lt->label : "?", (long long)lt->table.loaded,
                (long long)lt->table.count, (long long)lt->bad);
        /* A record a lookup drops is no bad record: it is only counted. */
        for (int k = 0; k < rt->prog->nlookups; k++)
            if (rt->prog->lookups[k].table == i)
                fprintf(stderr, "    %s: %lld unmatched, %s\n", rt->prog->lookups[k].name,
                        (long long)rt->head.lookup_misses[k],
                        rt->prog->lookups[k].left ? "kept" : "dropped");
    }
}

void flowrt_tables_free(FlowRuntime *rt)
{
    for (int i = 0; i < rt->ntables; i++) {
        flow_lookup_table_free(&rt->tables[i].table);
        free(rt->tables[i].label);
    }
    free(rt->tables);
    free(rt->head.lookup_misses);
    rt->head.lookup_misses = NULL;
    rt->tables = NULL;
    rt->ntables = 0;
}
