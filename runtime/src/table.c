/* table.c: lookup tables (flow/table.h): their memory, loading them before
 * the streams start, and keeping changelog tables (kafka) up to date while
 * the program runs: polled between rounds, a tombstone deleting its key's
 * row (table.h; docs/kafka.md, "Tables"). */
#include "table.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "flow/expr.h"
#include "rt.h"
#include "source.h"

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

/* The last put of this thread, which the changelog code (flowrt_table_keyed)
 * reads right after the decode that made it: the put itself knows no
 * LoadedTable. */
static _Thread_local struct {
    const FlowLookupTable *table;
    const FlowLookupKey *key;
    int64_t slot;
} last_put;

void *flow_lookup_table_put(FlowLookupTable *t, const FlowLookupKey *key, const void *row)
{
    last_put.table = t;
    last_put.key = key;
    t->loaded++;
    if ((t->count + 1) * 2 > t->cap)
        index_grow(t, key);
    uint64_t h = key->hash(row), mask = (uint64_t)t->cap - 1, i = h & mask;
    uint8_t ctrl = flow_lookup_ctrl(h);
    for (; t->ctrl[i]; i = (i + 1) & mask) {
        unsigned char *kept = t->rows + key->row_size * i;
        if (t->ctrl[i] == ctrl && key->same_key(kept, row)) {
            t->replaced++;
            last_put.slot = (int64_t)i;
            return kept;
        }
    }
    t->ctrl[i] = ctrl;
    t->count++;
    last_put.slot = (int64_t)i;
    return t->rows + key->row_size * i;
}

/* Removes the row of row's key, if kept: backward shift, as inline_table.c
 * does, so that every probe run stays unbroken. Its strings stay in the
 * chunks until the table is freed. */
static void remove_row(LoadedTable *lt, const void *row)
{
    FlowLookupTable *t = &lt->table;
    const FlowLookupKey *key = lt->key;
    if (!key || !t->cap)
        return;
    size_t size = key->row_size;
    uint64_t h = key->hash(row), mask = (uint64_t)t->cap - 1, i = h & mask;
    uint8_t ctrl = flow_lookup_ctrl(h);
    while (t->ctrl[i] && !(t->ctrl[i] == ctrl && key->same_key(t->rows + size * i, row)))
        i = (i + 1) & mask;
    if (!t->ctrl[i])
        return;
    for (uint64_t j = (i + 1) & mask; t->ctrl[j]; j = (j + 1) & mask) {
        uint64_t home = key->hash(t->rows + size * j) & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            memcpy(t->rows + size * i, t->rows + size * j, size);
            t->ctrl[i] = t->ctrl[j];
            i = j;
        }
    }
    t->ctrl[i] = 0;
    t->count--;
    lt->deleted++;
}

/* ---- Changelogs ---------------------------------------------------------------------------- */

/* A message key and a copy of the row it last put (its strings are in the
 * table's chunks, which do not move): what a tombstone of that key deletes. */
typedef struct MsgKey {
    unsigned char *row;
    size_t len;
    char bytes[];
} MsgKey;

typedef struct MsgKeyProbe {
    const void *bytes;
    size_t len;
} MsgKeyProbe;

static bool msg_key_match(const void *item, const void *probe)
{
    const MsgKey *k = item;
    const MsgKeyProbe *p = probe;
    return k->len == p->len && memcmp(k->bytes, p->bytes, p->len) == 0;
}

static uint64_t msg_key_hash(const void *bytes, size_t len)
{
    return (uint64_t)flow_hash_str((FlowStr){ len ? bytes : "", (int64_t)len });
}

static MsgKey *msg_key_find(LoadedTable *lt, uint64_t h, const void *bytes, size_t len)
{
    MsgKeyProbe probe = { bytes, len };
    return flow_table_find(&lt->by_msg_key, h, msg_key_match, &probe);
}

static void msg_key_drop(LoadedTable *lt, uint64_t h, MsgKey *k)
{
    flow_table_remove(&lt->by_msg_key, h, k);
    free(k->row);
    free(k);
}

void flowrt_table_keyed(FlowRuntime *rt, int index, const void *key, size_t len)
{
    LoadedTable *lt = &rt->tables[index];
    if (lt->table.loaded == lt->keyed_loaded || last_put.table != &lt->table)
        return; /* the message was bad: its key names what it named before */
    lt->keyed_loaded = lt->table.loaded;
    lt->key = last_put.key;
    size_t size = lt->key->row_size;
    unsigned char *row = malloc(size);
    if (!row) {
        fprintf(stderr, "flow: out of memory (table)\n");
        abort();
    }
    memcpy(row, lt->table.rows + size * (size_t)last_put.slot, size);
    uint64_t h = msg_key_hash(key, len);
    MsgKey *k = msg_key_find(lt, h, key, len);
    if (k) {
        /* The key's value changed its row key: the row it had goes. */
        if (!lt->key->same_key(k->row, row))
            remove_row(lt, k->row);
        free(k->row);
    } else {
        k = malloc(sizeof *k + len);
        if (!k) {
            fprintf(stderr, "flow: out of memory (table)\n");
            abort();
        }
        k->len = len;
        memcpy(k->bytes, key, len);
        flow_table_insert(&lt->by_msg_key, h, k);
    }
    k->row = row;
}

void flowrt_table_tombstone(FlowRuntime *rt, int index, const void *key, size_t len)
{
    LoadedTable *lt = &rt->tables[index];
    uint64_t h = msg_key_hash(key, len);
    MsgKey *k = msg_key_find(lt, h, key, len);
    if (!k)
        return;
    remove_row(lt, k->row);
    msg_key_drop(lt, h, k);
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

/* Reads a table to the end of its input, or of what a changelog had when it
 * opened (or, restoring, to the checkpoint's offsets: seek). A changelog's
 * source stays open. */
static bool read_to_end(FlowRuntime *rt, LoadedTable *lt, Source *src)
{
    double started = flowrt_runtime_seconds();
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
    lt->seconds += flowrt_runtime_seconds() - started;
    lt->keyed_loaded = lt->table.loaded;
    if (lt->verbose && !src->refresh)
        fprintf(stderr, "%s: table %s loaded in %.1fs: %lld rows, %lld keys, %lld bad\n",
                rt->prog->name, lt->def->name, lt->seconds, (long long)lt->table.loaded,
                (long long)lt->table.count, (long long)lt->bad);
    if (src->follows)
        lt->src = src;
    else
        flowrt_source_close(src);
    return st != SOURCE_FAILED && !rt->failed && !flowrt_run_stop_requested(rt);
}

/* Opens one table's source and reads it (a changelog restoring: later). A
 * refresh that cannot open its source says so and returns false without
 * failing the run. */
static bool load_one(FlowRuntime *rt, LoadedTable *lt, int index, bool refresh)
{
    char *err = NULL;
    Source *src = flowrt_source_open(rt, lt->def, index, &rt->params, &err);
    if (!src && refresh)
        fprintf(stderr, "%s: table %s keeps its rows: cannot refresh it: %s\n", rt->prog->name,
                lt->def->name, err);
    else if (!src)
        flowrt_runtime_fail(rt, "%s", err);
    if (!src) {
        free(err);
        return false;
    }
    src->table = true;
    src->refresh = refresh;
    size_t len = strlen(src->label);
    free(lt->label);
    lt->label = malloc(len + 1);
    if (!lt->label) {
        flowrt_source_close(src);
        flowrt_runtime_fail(rt, "out of memory");
        return false;
    }
    memcpy(lt->label, src->label, len + 1);
    /* Restoring, a changelog is read to the checkpoint's offsets, which
     * the restore reads later (flowrt_tables_load_deferred). */
    if (src->follows && flowrt_ckpt_restoring(rt)) {
        lt->src = src;
        lt->deferred = true;
        return true;
    }
    return read_to_end(rt, lt, src);
}

int flowrt_tables_followed(const FlowRuntime *rt)
{
    int n = 0;
    for (int i = 0; i < rt->ntables; i++)
        n += rt->tables[i].src != NULL;
    return n;
}

Source *flowrt_tables_followed_source(const FlowRuntime *rt, int i)
{
    for (int t = 0; t < rt->ntables; t++)
        if (rt->tables[t].src && i-- == 0)
            return rt->tables[t].src;
    return NULL;
}

bool flowrt_tables_load_deferred(FlowRuntime *rt)
{
    for (int i = 0; i < rt->ntables; i++) {
        LoadedTable *lt = &rt->tables[i];
        if (!lt->deferred)
            continue;
        lt->deferred = false;
        if (!read_to_end(rt, lt, lt->src))
            return false;
    }
    flowrt_scratch_reset(&rt->scratch);
    return true;
}

void flowrt_tables_poll(FlowRuntime *rt)
{
    for (int i = 0; i < rt->ntables && !rt->failed; i++) {
        Source *src = rt->tables[i].src;
        if (!src)
            continue;
        src->ops->poll(src, rt, rt->batch);
        rt->current = NULL;
        rt->tables[i].read = src->records;
        rt->tables[i].bad = src->bad;
    }
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
        lt->verbose = verbose;
        ConnArgs args;
        flowrt_connargs_init(&args, &lt->def->conn, &rt->params);
        lt->refresh_ms = flowrt_connargs_int(&args, "refresh", 0, 1);
        bool bad_arg = args.err != NULL;
        if (bad_arg)
            flowrt_runtime_fail(rt, "%s", args.err);
        free(args.err);
        free(args.used);
        if (bad_arg || !load_one(rt, lt, i, false))
            return false;
        flowrt_runtime_tick(rt);
        lt->next_ms = flow_time_add(rt->now_ms, lt->refresh_ms);
    }
    flowrt_scratch_reset(&rt->scratch);
    return true;
}

void flowrt_tables_refresh(FlowRuntime *rt, bool verbose)
{
    for (int i = 0; i < rt->ntables && !rt->failed; i++) {
        LoadedTable *lt = &rt->tables[i];
        if (!lt->refresh_ms || rt->now_ms < lt->next_ms)
            continue;
        /* The rows of the last load stay aside until the new ones are all
         * in: the generated lookups find the table by its index. */
        FlowLookupTable old = lt->table;
        int64_t read = lt->read, bad = lt->bad;
        memset(&lt->table, 0, sizeof lt->table);
        lt->seconds = 0;
        bool loaded = load_one(rt, lt, i, true);
        if (loaded) {
            flow_lookup_table_free(&old);
            lt->refreshes++;
        } else {
            flow_lookup_table_free(&lt->table);
            lt->table = old;
            lt->read = read;
            lt->bad = bad;
            lt->refresh_failures++;
        }
        flowrt_runtime_tick(rt);
        lt->next_ms = flow_time_add(rt->now_ms, lt->refresh_ms);
        if (verbose && loaded)
            fprintf(stderr, "%s: table %s refreshed (%lld) in %.1fs: %lld rows, %lld keys, "
                            "%lld bad\n",
                    rt->prog->name, lt->def->name, (long long)lt->refreshes, lt->seconds,
                    (long long)lt->table.loaded, (long long)lt->table.count, (long long)lt->bad);
    }
}

void flowrt_tables_print_summary(const FlowRuntime *rt)
{
    for (int i = 0; i < rt->ntables; i++) {
        const LoadedTable *lt = &rt->tables[i];
        fprintf(stderr, "  table %s (%s): %lld rows loaded, %lld keys, %lld bad", lt->def->name,
                lt->label ? lt->label : "?", (long long)lt->table.loaded,
                (long long)lt->table.count, (long long)lt->bad);
        if (lt->src)
            fprintf(stderr, ", %lld deleted", (long long)lt->deleted);
        if (lt->refresh_ms)
            fprintf(stderr, ", refreshed %lld times (%lld failed)", (long long)lt->refreshes,
                    (long long)lt->refresh_failures);
        fputc('\n', stderr);
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
        LoadedTable *lt = &rt->tables[i];
        if (lt->src)
            flowrt_source_close(lt->src);
        for (int64_t k = 0; k < lt->by_msg_key.cap; k++) {
            MsgKey *m = lt->by_msg_key.items[k];
            if (lt->by_msg_key.hashes[k] && m) {
                free(m->row);
                free(m);
            }
        }
        flow_table_free(&lt->by_msg_key);
        flow_lookup_table_free(&lt->table);
        free(lt->label);
    }
    free(rt->tables);
    free(rt->head.lookup_misses);
    rt->head.lookup_misses = NULL;
    rt->tables = NULL;
    rt->ntables = 0;
}
