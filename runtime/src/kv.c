/* kv.c: the keyed-state cache of `state rocksdb` programs (kv.h,
 * flow/kv.h): a write-back hash table of decoded states, bounded in bytes,
 * in front of the store (kv_rocksdb.c), the windows (spaces) they belong to,
 * the state directory, its lock and its restore from a checkpoint
 * (docs/checkpoints.md, "RocksDB state").
 *
 * Eviction is CLOCK over a ring in insertion order: the hand passes over a
 * state used since it last passed (clearing the mark) and evicts the first
 * that was not, so hot keys stay and the order of evictions, a function of
 * the input alone, is the same on every run. An evicted dirty state is
 * encoded with the operator's FlowKvType.encode (the checkpoint's put calls)
 * and written to the store in one batch per round of evictions. */
#define _GNU_SOURCE
#include "kv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ckpt_io.h"
#include "fault.h"
#include "flow/expr.h"
#include "rt.h"
#include "sink.h"

#define KV_KEY_GROUPS 128      /* Flink's default max parallelism */
#define KV_PREFIX 12           /* key group u16, operator u16, namespace i64 (big-endian) */
#define KV_DEFAULT_CACHE ((int64_t)64 << 20)

/* One state in the cache: its bookkeeping (one cache line), its key bytes,
 * then the state struct, aligned (entry_state). */
typedef struct FlowKvEntry {
    uint64_t hash;             /* of the key bytes' parts: the table's */
    FlowKvSpace *space;
    struct FlowKvEntry *prev, *next;       /* the CLOCK ring, in insertion order */
    struct FlowKvEntry *sp_prev, *sp_next; /* the space's states */
    uint32_t klen, cost;
    bool dirty;                /* changed since it was last written to the store */
    bool used;                 /* used since the hand last passed */
    _Alignas(16) unsigned char key[]; /* at 64: the state after it is aligned too */
} FlowKvEntry;

/* A slot of the table: the entry's hash beside it, so that a probe past
 * other keys does not touch their entries. */
typedef struct KvSlot {
    uint64_t hash;
    FlowKvEntry *e;            /* NULL: empty */
} KvSlot;

static size_t round16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

static void *entry_state(FlowKvEntry *e)
{
    return e->key + round16(e->klen);
}

struct FlowKv {
    const FlowKvStoreOps *ops;
    void *db;
    char *dir, *db_dir;
    int lock_fd;
    int64_t cap, bytes;        /* the cache's bound and what it holds */
    KvSlot *slots;             /* open addressing, at most half full */
    uint64_t mask;
    int64_t count;
    FlowKvEntry *hand;         /* the next entry CLOCK looks at; NULL: empty */
    /* The state handed out last: what it owns may grow while the caller
     * updates it, so its cost is measured again at the next lookup. */
    FlowKvEntry *touched;
    FlowTable spaces;          /* FlowKvSpace items */
    FlowKvSpace **last;        /* per operator, the space of its last record */
    int nops;
    FlowCkptOut key, value;    /* writers of the key being looked up, of a value */
    bool pending;              /* deletes in the store's batch, committed before a read */
    uint64_t key_hash;         /* the key fields' hash of the key being looked up */
    int64_t evicted, reads, found; /* states evicted; lookups in RocksDB, those that found one */
    unsigned char *scratch;    /* a state decoded from the store */
    size_t scratch_size;
    /* A checkpoint's copy of RocksDB (flowrt_kv_copy_hold to _end). */
    bool holding;              /* RocksDB is kept as it was at the barrier */
    bool copying;              /* the thread is started */
    atomic_bool copied;        /* and has written its report */
    pthread_t copier;
    char *copy_dir;
    int copy_fd;
    struct KvGone { int op; int64_t ns; } *gone; /* spaces deleted while holding */
    int ngone, gone_cap;
};

/* ---- Keys --------------------------------------------------------------------------------- */

/* The namespace as 8 big-endian bytes with the sign bit flipped: byte order
 * is numeric order, also for windows before 1970. */
static void put_prefix(unsigned char *b, int kg, int op, int64_t ns)
{
    uint64_t u = (uint64_t)ns ^ (UINT64_C(1) << 63);
    b[0] = (unsigned char)(kg >> 8);
    b[1] = (unsigned char)kg;
    b[2] = (unsigned char)(op >> 8);
    b[3] = (unsigned char)op;
    for (int i = 0; i < 8; i++)
        b[4 + i] = (unsigned char)(u >> (56 - 8 * i));
}

/* The key group of a key: the same on every machine, as the key fields'
 * hash is (flow/expr.h). */
static int key_group(uint64_t hash)
{
    return (int)(hash % KV_KEY_GROUPS);
}

static uint64_t entry_hash(uint64_t key_hash, int op, int64_t ns)
{
    return flow_xxh64_avalanche(key_hash ^ ((uint64_t)ns * 0x9E3779B97F4A7C15ULL) ^
                                ((uint64_t)op << 48));
}

/* ---- Failures ----------------------------------------------------------------------------- */

static void kv_fail(FlowKv *kv, FlowRuntime *rt, const char *what, char *err)
{
    flowrt_runtime_fail(rt, "state store %s: %s: %s", kv->db_dir, what, err ? err : "?");
    free(err);
}

static void commit(FlowKv *kv, FlowRuntime *rt)
{
    char *err = NULL;
    kv->pending = false;
    if (!kv->ops->commit(kv->db, &err))
        kv_fail(kv, rt, "writing", err);
}

/* ---- The table ---------------------------------------------------------------------------- */

static KvSlot *find_slot(const FlowKv *kv, uint64_t hash, const unsigned char *key, size_t klen)
{
    for (uint64_t i = hash & kv->mask;; i = (i + 1) & kv->mask) {
        KvSlot *sl = &kv->slots[i];
        if (!sl->e || (sl->hash == hash && sl->e->klen == klen &&
                       memcmp(sl->e->key, key, klen) == 0))
            return sl;
    }
}

static void table_grow(FlowKv *kv)
{
    uint64_t cap = kv->slots ? (kv->mask + 1) * 2 : 1024;
    KvSlot *old = kv->slots;
    uint64_t old_cap = old ? kv->mask + 1 : 0;
    kv->slots = flow_state_alloc_large(cap * sizeof *kv->slots);
    kv->mask = cap - 1;
    for (uint64_t i = 0; i < old_cap; i++)
        if (old[i].e) {
            uint64_t j = old[i].hash & kv->mask;
            while (kv->slots[j].e)
                j = (j + 1) & kv->mask;
            kv->slots[j] = old[i];
        }
    flow_state_free(old);
}

/* Backward-shift deletion: no tombstones. */
static void table_remove(FlowKv *kv, const FlowKvEntry *e)
{
    uint64_t i = e->hash & kv->mask;
    while (kv->slots[i].e != e)
        i = (i + 1) & kv->mask;
    kv->slots[i].e = NULL;
    for (uint64_t j = (i + 1) & kv->mask; kv->slots[j].e; j = (j + 1) & kv->mask) {
        uint64_t home = kv->slots[j].hash & kv->mask;
        /* The entry at j stays unless its home is cyclically outside (i, j]. */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            kv->slots[i] = kv->slots[j];
            kv->slots[j].e = NULL;
            i = j;
        }
    }
    kv->count--;
}

/* ---- Entries ------------------------------------------------------------------------------ */

/* Takes e out of the table, the ring and its space, releases its state and
 * frees it; the caller wrote it out if it had to. */
static void entry_drop(FlowKv *kv, FlowKvEntry *e)
{
    table_remove(kv, e);
    if (e->next == e) {
        kv->hand = NULL;
    } else {
        if (kv->hand == e)
            kv->hand = e->next;
        e->prev->next = e->next;
        e->next->prev = e->prev;
    }
    FlowKvSpace *sp = e->space;
    if (e->sp_prev)
        e->sp_prev->sp_next = e->sp_next;
    else
        sp->first = e->sp_next;
    if (e->sp_next)
        e->sp_next->sp_prev = e->sp_prev;
    if (sp->type->release)
        sp->type->release(entry_state(e));
    kv->bytes -= (int64_t)e->cost;
    if (kv->touched == e)
        kv->touched = NULL;
    free(e);
}

/* An entry's cost: its bookkeeping, key and struct, and what the struct
 * owns (strings, sets, lists), so that the cache's bound is of memory. */
static size_t entry_cost(const FlowKvType *type, size_t klen, const void *state)
{
    size_t cost = sizeof(FlowKvEntry) + round16(klen) + round16(type->size);
    if (state && type->owned)
        cost += type->owned(state);
    return cost < UINT32_MAX ? cost : UINT32_MAX;
}

/* The state handed out last is measured again. */
static void remeasure(FlowKv *kv)
{
    FlowKvEntry *e = kv->touched;
    kv->touched = NULL;
    if (!e || !e->space->type->owned)
        return;
    size_t cost = entry_cost(e->space->type, e->klen, entry_state(e));
    kv->bytes += (int64_t)cost - (int64_t)e->cost;
    e->cost = (uint32_t)cost;
}

/* Into the store's batch, if it changed. */
static void entry_write(FlowKv *kv, FlowKvEntry *e)
{
    if (!e->dirty)
        return;
    kv->value.len = 0;
    e->space->type->encode(&kv->value, entry_state(e));
    kv->ops->put(kv->db, e->key, e->klen, kv->value.buf, kv->value.len);
    e->dirty = false;
    e->space->in_db = true;
}

/* When `need` more bytes do not fit: evicts until they fit in 7/8 of the
 * cache, so that a round writes one batch of many states rather than a
 * batch per lookup; states of a space being visited are not evicted. */
static void make_room(FlowKv *kv, FlowRuntime *rt, size_t need)
{
    remeasure(kv);
    if (kv->bytes + (int64_t)need <= kv->cap)
        return;
    int64_t goal = kv->cap - kv->cap / 8;
    bool wrote = false;
    /* Twice round the ring clears every mark; more finds only pinned ones. */
    for (int64_t steps = 2 * kv->count + 2; kv->hand && kv->bytes + (int64_t)need > goal &&
                                            steps > 0; steps--) {
        FlowKvEntry *e = kv->hand;
        if (e->used || e->space->pinned) {
            e->used = false;
            kv->hand = e->next;
            continue;
        }
        wrote |= e->dirty;
        entry_write(kv, e);
        e->space->complete = false;
        entry_drop(kv, e);
        kv->evicted++;
    }
    if (wrote)
        commit(kv, rt);
}

/* What the batch holds goes to the store before the store is read. */
static void commit_pending(FlowKv *kv, FlowRuntime *rt)
{
    if (kv->pending)
        commit(kv, rt);
}

/* ---- Spaces ------------------------------------------------------------------------------- */

static bool space_match(const void *item, const void *probe)
{
    const FlowKvSpace *a = item, *b = probe;
    return a->op == b->op && a->ns == b->ns;
}

static uint64_t space_hash(int op, int64_t ns)
{
    return entry_hash(0, op, ns);
}

FlowKvSpace *flow_kv_space(FlowRuntime *rt, int op, int64_t ns, const FlowKvType *type,
                           bool *made)
{
    FlowKv *kv = rt->kv;
    FlowKvSpace *sp = kv->last[op];
    *made = false;
    if (sp && sp->ns == ns)
        return sp;
    FlowKvSpace probe = { .op = op, .ns = ns };
    uint64_t h = space_hash(op, ns);
    sp = flow_table_find(&kv->spaces, h, space_match, &probe);
    if (!sp) {
        /* A space made again after its range was deleted in this hold
         * (a late record, seldom): its range delete waits behind the held
         * writes and would remove its new states, so the hold ends first. */
        for (int i = 0; kv->holding && i < kv->ngone; i++)
            if (kv->gone[i].op == op && kv->gone[i].ns == ns)
                flowrt_kv_copy_end(rt, true);
        sp = flow_state_alloc(sizeof *sp);
        *sp = (FlowKvSpace){ .op = op, .ns = ns, .complete = true, .type = type, .kv = kv };
        put_prefix(sp->prefix, 0, op, ns);
        flow_table_insert(&kv->spaces, h, sp);
        *made = true;
    }
    kv->last[op] = sp;
    return sp;
}

FlowKvSpace *flow_kv_space_find(FlowRuntime *rt, int op, int64_t ns)
{
    FlowKvSpace probe = { .op = op, .ns = ns };
    return flow_table_find(&rt->kv->spaces, space_hash(op, ns), space_match, &probe);
}

FlowKvSpace *flow_kv_space_restored(FlowRuntime *rt, int op, int64_t ns, const FlowKvType *type)
{
    bool made;
    FlowKvSpace *sp = flow_kv_space(rt, op, ns, type, &made);
    sp->complete = false;
    sp->in_db = true;
    return made ? sp : NULL;
}

static void space_free(FlowKv *kv, FlowKvSpace *sp)
{
    while (sp->first)
        entry_drop(kv, sp->first);
    flow_table_remove(&kv->spaces, space_hash(sp->op, sp->ns), sp);
    if (kv->last[sp->op] == sp)
        kv->last[sp->op] = NULL;
    flow_state_free(sp);
}

void flow_kv_space_forget(void *item)
{
    FlowKvSpace *sp = item;
    space_free(sp->kv, sp);
}

/* The prefix of the key group's keys of sp, and the first key after them. */
static void space_range(const FlowKvSpace *sp, int kg, unsigned char *from, unsigned char *to)
{
    put_prefix(from, kg, sp->op, sp->ns);
    memcpy(to, from, KV_PREFIX);
    /* + 1 as a big-endian number: kg < 128, so it never carries out. */
    for (int i = KV_PREFIX - 1; i >= 0 && ++to[i] == 0; i--)
        ;
}

static void put_bytes(FlowCkptOut *out, KvBytes b)
{
    uint32_t n = (uint32_t)b.n;
    flowrt_ckpt_out_bytes(out, &n, sizeof n);
    flowrt_ckpt_out_bytes(out, b.p, b.n);
}

static bool keep_pair(void *arg, KvBytes key, KvBytes value)
{
    put_bytes(arg, key);
    put_bytes(arg, value);
    return true;
}

/* The keys and values of a one-group space in RocksDB, in key order, into
 * the memory writer `into`: gathered before they are used, as a scan must
 * not see the store change under it. */
static bool gather(FlowKv *kv, FlowRuntime *rt, const FlowKvSpace *sp, FlowCkptOut *into)
{
    unsigned char from[KV_PREFIX], to[KV_PREFIX];
    space_range(sp, 0, from, to);
    char *err = NULL;
    commit_pending(kv, rt);
    into->len = 0;
    if (!kv->ops->scan(kv->db, from, KV_PREFIX, keep_pair, into, &err) && err) {
        kv_fail(kv, rt, "reading", err);
        return false;
    }
    return true;
}

/* The next (key, value) of what gather wrote, from *at; false at the end. */
static bool next_pair(const FlowCkptOut *got, size_t *at, KvBytes *key, KvBytes *value)
{
    if (*at >= got->len)
        return false;
    KvBytes *b[2] = { key, value };
    for (int i = 0; i < 2; i++) {
        uint32_t n;
        memcpy(&n, got->buf + *at, sizeof n);
        b[i]->p = got->buf + *at + sizeof n;
        b[i]->n = n;
        *at += sizeof n + n;
    }
    return true;
}

void flow_kv_space_delete(FlowRuntime *rt, FlowKvSpace *sp)
{
    FlowKv *kv = rt->kv;
    if (sp->in_db) {
        if (kv->holding && kv->ngone == kv->gone_cap) {
            kv->gone_cap = kv->gone_cap ? 2 * kv->gone_cap : 16;
            kv->gone = realloc(kv->gone, (size_t)kv->gone_cap * sizeof *kv->gone);
            if (!kv->gone) {
                fprintf(stderr, "%s: out of memory\n", rt->prog->name);
                abort();
            }
        }
        if (kv->holding)
            kv->gone[kv->ngone++] = (struct KvGone){ sp->op, sp->ns };
        for (int kg = 0; kg < KV_KEY_GROUPS; kg++) {
            unsigned char from[KV_PREFIX], to[KV_PREFIX];
            space_range(sp, kg, from, to);
            kv->ops->delete_range(kv->db, from, to, KV_PREFIX);
        }
        commit(kv, rt);
    }
    space_free(kv, sp);
}

/* ---- Lookups ------------------------------------------------------------------------------ */

FlowCkptOut *flow_kv_key(FlowRuntime *rt, const FlowKvSpace *sp, uint64_t hash)
{
    FlowKv *kv = rt->kv;
    /* The space's prefix with the key group in its first two bytes (the
     * buffer holds far more than KV_PREFIX bytes: it starts at 256). */
    memcpy(kv->key.buf, sp->prefix, KV_PREFIX);
    int kg = sp->type->one_group ? 0 : key_group(hash);
    kv->key.buf[0] = (unsigned char)(kg >> 8);
    kv->key.buf[1] = (unsigned char)kg;
    kv->key.len = KV_PREFIX;
    kv->key_hash = hash;
    return &kv->key;
}

/* The cache's new entry of the key in kv->key, its state zero (or decoded
 * from `value` when it is not NULL), linked in the clock and in sp. */
static FlowKvEntry *entry_make(FlowKv *kv, FlowRuntime *rt, FlowKvSpace *sp, uint64_t h,
                               const KvBytes *value)
{
    const unsigned char *key = kv->key.buf;
    size_t klen = kv->key.len;
    size_t cost = entry_cost(sp->type, klen, NULL);
    make_room(kv, rt, cost);
    if ((kv->count + 1) * 2 > (int64_t)(kv->mask + 1))
        table_grow(kv);
    FlowKvEntry *e = calloc(1, cost);
    if (!e || klen > UINT32_MAX) {
        fprintf(stderr, "%s: out of memory\n", rt->prog->name);
        abort();
    }
    e->hash = h;
    e->space = sp;
    memcpy(e->key, key, klen);
    e->klen = (uint32_t)klen;
    e->cost = (uint32_t)cost;
    e->used = true;
    if (value) {
        FlowCkptIn in;
        flowrt_ckpt_in_init(&in, value->p, value->n);
        sp->type->decode(&in, entry_state(e));
        if (flow_ckpt_failed(&in))
            kv_fail(kv, rt, "reading", strdup("a value does not decode"));
    }
    *find_slot(kv, h, key, klen) = (KvSlot){ h, e };
    kv->count++;
    kv->bytes += (int64_t)cost;
    if (kv->hand) {
        e->next = kv->hand;
        e->prev = kv->hand->prev;
        e->prev->next = e;
        kv->hand->prev = e;
    } else {
        e->next = e->prev = kv->hand = e;
    }
    e->sp_next = sp->first;
    if (sp->first)
        sp->first->sp_prev = e;
    sp->first = e;
    kv->touched = e; /* a decoded state owns what it read: measured at the next lookup */
    return e;
}

/* The value of the key in kv->key in RocksDB, unless sp has every state in
 * the cache: whether it is there. */
static bool stored_value(FlowKv *kv, FlowRuntime *rt, const FlowKvSpace *sp, KvBytes *v)
{
    if (sp->complete)
        return false;
    char *err = NULL;
    commit_pending(kv, rt);
    kv->reads++;
    if (kv->ops->get(kv->db, kv->key.buf, kv->key.len, v, &err)) {
        kv->found++;
        return true;
    }
    if (err)
        kv_fail(kv, rt, "reading", err);
    return false;
}

void *flow_kv_get(FlowRuntime *rt, FlowKvSpace *sp, bool *fresh)
{
    FlowKv *kv = rt->kv;
    remeasure(kv);
    uint64_t h = entry_hash(kv->key_hash, sp->op, sp->ns);
    FlowKvEntry *e = find_slot(kv, h, kv->key.buf, kv->key.len)->e;
    if (!e) {
        KvBytes v;
        bool found = stored_value(kv, rt, sp, &v);
        e = entry_make(kv, rt, sp, h, found ? &v : NULL);
        *fresh = !found;
    } else {
        *fresh = false;
    }
    e->used = e->dirty = true;
    kv->touched = e;
    return entry_state(e);
}

/* The key's entry in the cache, read back from the store if it is there
 * (nothing made when it is in neither); `change`: the caller changes it. */
static FlowKvEntry *entry_lookup(FlowRuntime *rt, FlowKvSpace *sp, bool change)
{
    FlowKv *kv = rt->kv;
    remeasure(kv);
    uint64_t h = entry_hash(kv->key_hash, sp->op, sp->ns);
    FlowKvEntry *e = find_slot(kv, h, kv->key.buf, kv->key.len)->e;
    KvBytes v;
    if (!e && stored_value(kv, rt, sp, &v))
        e = entry_make(kv, rt, sp, h, &v);
    if (!e)
        return NULL;
    e->used = true;
    if (change) {
        e->dirty = true;
        kv->touched = e;
    }
    return e;
}

void *flow_kv_peek(FlowRuntime *rt, FlowKvSpace *sp)
{
    FlowKvEntry *e = entry_lookup(rt, sp, false);
    return e ? entry_state(e) : NULL;
}

void *flow_kv_find(FlowRuntime *rt, FlowKvSpace *sp)
{
    FlowKvEntry *e = entry_lookup(rt, sp, true);
    return e ? entry_state(e) : NULL;
}

void *flow_kv_make(FlowRuntime *rt, FlowKvSpace *sp)
{
    FlowKv *kv = rt->kv;
    FlowKvEntry *e = entry_make(kv, rt, sp, entry_hash(kv->key_hash, sp->op, sp->ns), NULL);
    e->dirty = true;
    return entry_state(e);
}

void flow_kv_delete(FlowRuntime *rt, FlowKvSpace *sp)
{
    FlowKv *kv = rt->kv;
    uint64_t h = entry_hash(kv->key_hash, sp->op, sp->ns);
    FlowKvEntry *e = find_slot(kv, h, kv->key.buf, kv->key.len)->e;
    if (e)
        entry_drop(kv, e);
    if (sp->in_db || !sp->complete) {
        kv->ops->delete_key(kv->db, kv->key.buf, kv->key.len);
        kv->pending = true;
    }
}

/* ---- Visiting a window -------------------------------------------------------------------- */

static int key_cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : an < bn ? -1 : an > bn;
}

static int by_key(const void *a, const void *b)
{
    const FlowKvEntry *x = *(FlowKvEntry *const *)a, *y = *(FlowKvEntry *const *)b;
    return key_cmp(x->key, x->klen, y->key, y->klen);
}

/* The space's cached states, sorted as the store would give them. */
static FlowKvEntry **sorted_entries(const FlowKvSpace *sp, int64_t *count)
{
    int64_t n = 0;
    for (FlowKvEntry *e = sp->first; e; e = e->sp_next)
        n++;
    FlowKvEntry **all = flow_state_alloc((size_t)(n ? n : 1) * sizeof *all);
    n = 0;
    for (FlowKvEntry *e = sp->first; e; e = e->sp_next)
        all[n++] = e;
    qsort(all, (size_t)n, sizeof *all, by_key);
    *count = n;
    return all;
}

typedef struct Visit {
    FlowKv *kv;
    FlowRuntime *rt;
    FlowKvSpace *sp;
    void (*fn)(FlowRuntime *, const void *, int64_t);
} Visit;

/* fn on a state read from the store, decoded into the scratch struct. */
static bool visit_value(Visit *v, KvBytes value)
{
    FlowKv *kv = v->kv;
    const FlowKvType *type = v->sp->type;
    if (kv->scratch_size < type->size) {
        free(kv->scratch);
        kv->scratch = malloc(type->size);
        kv->scratch_size = kv->scratch ? type->size : 0;
        if (!kv->scratch) {
            fprintf(stderr, "%s: out of memory\n", v->rt->prog->name);
            abort();
        }
    }
    memset(kv->scratch, 0, type->size);
    FlowCkptIn in;
    flowrt_ckpt_in_init(&in, value.p, value.n);
    type->decode(&in, kv->scratch);
    if (flow_ckpt_failed(&in)) {
        kv_fail(kv, v->rt, "reading", strdup("a value does not decode"));
        return false;
    }
    v->fn(v->rt, kv->scratch, v->sp->ns);
    if (type->release)
        type->release(kv->scratch);
    return !v->rt->failed;
}

static bool visit_stored(void *arg, KvBytes key, KvBytes value)
{
    (void)key;
    return visit_value(arg, value);
}

/* A one-group space's states: those `got` from the store merged in key
 * order with the cached ones, which are newer where both have a key. */
static void visit_merged(Visit *v, const FlowCkptOut *got)
{
    int64_t n, i = 0;
    FlowKvEntry **all = sorted_entries(v->sp, &n);
    size_t at = 0;
    KvBytes key, value;
    bool more = next_pair(got, &at, &key, &value);
    while ((i < n || more) && !v->rt->failed) {
        int c = i == n ? 1 : !more ? -1 : key_cmp(all[i]->key, all[i]->klen, key.p, key.n);
        if (c > 0) {
            visit_value(v, value);
        } else {
            v->fn(v->rt, entry_state(all[i]), v->sp->ns);
            i++;
        }
        if (c >= 0)
            more = next_pair(got, &at, &key, &value);
    }
    flow_state_free(all);
}

void flow_kv_each(FlowRuntime *rt, FlowKvSpace *sp,
                  void (*fn)(FlowRuntime *rt, const void *state, int64_t ns))
{
    FlowKv *kv = rt->kv;
    Visit v = { kv, rt, sp, fn };
    sp->pinned = true;
    if (sp->complete) {
        /* Every state is here: sorted as the store would give them. */
        int64_t n;
        FlowKvEntry **all = sorted_entries(sp, &n);
        for (int64_t i = 0; i < n; i++)
            fn(rt, entry_state(all[i]), sp->ns);
        flow_state_free(all);
    } else {
        bool wrote = kv->pending;
        for (FlowKvEntry *e = sp->first; e; e = e->sp_next) {
            wrote |= e->dirty;
            entry_write(kv, e);
        }
        if (wrote)
            commit(kv, rt);
        for (int kg = 0; kg < KV_KEY_GROUPS && !rt->failed; kg++) {
            unsigned char from[KV_PREFIX], to[KV_PREFIX];
            space_range(sp, kg, from, to);
            char *err = NULL;
            if (!kv->ops->scan(kv->db, from, KV_PREFIX, visit_stored, &v, &err) && err)
                kv_fail(kv, rt, "reading", err);
        }
    }
    sp->pinned = false;
}

void flow_kv_space_drain(FlowRuntime *rt, FlowKvSpace *sp,
                         void (*fn)(FlowRuntime *rt, const void *state, int64_t ns))
{
    FlowKv *kv = rt->kv;
    Visit v = { kv, rt, sp, fn };
    sp->pinned = true;
    if (!sp->in_db) {
        flow_kv_each(rt, sp, fn); /* every state is in the cache */
    } else {
        /* Point deletes of the keys read, which later reads skip cheaply
         * (and which, unlike range deletes, keep their place among the held
         * writes of a checkpoint's copy); committed before the next read. */
        FlowCkptOut got;
        if (!flowrt_ckpt_out_init_mem(&got)) {
            fprintf(stderr, "%s: out of memory\n", rt->prog->name);
            abort();
        }
        if (gather(kv, rt, sp, &got)) {
            visit_merged(&v, &got);
            size_t at = 0;
            KvBytes key, value;
            while (next_pair(&got, &at, &key, &value))
                kv->ops->delete_key(kv->db, key.p, key.n);
            kv->pending = true;
        }
        flowrt_ckpt_out_free(&got);
    }
    sp->pinned = false;
    space_free(kv, sp);
}

void flow_kv_space_pin(FlowKvSpace *sp, bool pinned)
{
    sp->pinned = pinned;
}

/* ---- The state directory ------------------------------------------------------------------ */

static char *join(const char *dir, const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0)
        return NULL;
    return p;
}

/* Removes the files of a flat directory (a RocksDB directory has no
 * subdirectories); false with errno on failure. */
static bool empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT;
    bool ok = true;
    struct dirent *de;
    while ((de = readdir(d)) && ok) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *p = join(dir, de->d_name);
        ok = p && unlink(p) == 0;
        free(p);
    }
    int e = errno;
    closedir(d);
    errno = e;
    return ok;
}

static bool copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    int out = in < 0 ? -1 : open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    bool ok = out >= 0;
    char buf[65536];
    ssize_t n;
    while (ok && (n = read(in, buf, sizeof buf)) != 0)
        ok = n > 0 && write(out, buf, (size_t)n) == n;
    int e = errno;
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    errno = e;
    return ok;
}

/* The checkpoint's copy into the empty db directory: table files (immutable)
 * by hard links, the others (the manifest, CURRENT, OPTIONS, which RocksDB
 * rewrites) copied. */
static bool fill_from(const char *from, const char *to)
{
    DIR *d = opendir(from);
    if (!d)
        return false;
    bool ok = true;
    struct dirent *de;
    while (ok && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char *src = join(from, de->d_name), *dst = join(to, de->d_name);
        size_t n = strlen(de->d_name);
        bool table = n > 4 && strcmp(de->d_name + n - 4, ".sst") == 0;
        ok = src && dst && ((table && link(src, dst) == 0) || copy_file(src, dst));
        free(src);
        free(dst);
    }
    int e = errno;
    closedir(d);
    errno = e;
    return ok;
}

bool flowrt_kv_open(FlowRuntime *rt, const CliOptions *opts, const char *restore_from)
{
    const FlowProgram *prog = rt->prog;
    if (!prog->state_store)
        return true;
    FlowKv *kv = flow_state_alloc(sizeof *kv);
    rt->kv = kv;
    kv->ops = prog->state_store;
    kv->lock_fd = -1;
    kv->cap = opts->state_cache_bytes ? opts->state_cache_bytes : KV_DEFAULT_CACHE;
    kv->nops = prog->noperators;
    kv->last = flow_state_alloc((size_t)(kv->nops ? kv->nops : 1) * sizeof *kv->last);
    kv->dir = strdup(opts->state_dir ? opts->state_dir : prog->state_dir);
    kv->db_dir = kv->dir ? join(kv->dir, "db") : NULL;
    char *lock = kv->dir ? join(kv->dir, "lock") : NULL;
    if (!lock || !kv->db_dir || !flowrt_ckpt_out_init_mem(&kv->key) ||
        !flowrt_ckpt_out_init_mem(&kv->value)) {
        free(lock);
        flowrt_runtime_fail(rt, "out of memory");
        return false;
    }
    table_grow(kv);
    /* DIR/lock, flock'd for the run: a second run on the same directory
     * would wipe the first one's state. */
    flowrt_output_make_parent_dirs(lock);
    kv->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    free(lock);
    if (kv->lock_fd < 0 || flock(kv->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        flowrt_runtime_fail(rt, "state directory %s: %s", kv->dir,
                            errno == EWOULDBLOCK ? "in use by another run" : strerror(errno));
        return false;
    }
    /* Scratch: what a run finds there is of a run before, which a
     * checkpoint (or nothing) replaces. */
    if (!empty_dir(kv->db_dir) || (mkdir(kv->db_dir, 0777) != 0 && errno != EEXIST) ||
        (restore_from && !fill_from(restore_from, kv->db_dir))) {
        flowrt_runtime_fail(rt, "state directory %s: %s", kv->db_dir, strerror(errno));
        return false;
    }
    char *err = NULL;
    kv->db = kv->ops->open(kv->db_dir, &err);
    if (!kv->db) {
        kv_fail(kv, rt, "opening", err);
        return false;
    }
    return true;
}

bool flowrt_kv_flush(FlowRuntime *rt)
{
    FlowKv *kv = rt->kv;
    if (!kv)
        return true;
    flowrt_kv_copy_end(rt, true);
    if (!kv->hand) {
        commit_pending(kv, rt);
        return !rt->failed;
    }
    FlowKvEntry *e = kv->hand;
    do {
        entry_write(kv, e);
        e = e->next;
    } while (e != kv->hand);
    commit(kv, rt);
    return !rt->failed;
}

bool flowrt_kv_checkpoint(FlowRuntime *rt, const char *dir, char **err)
{
    FlowKv *kv = rt->kv;
    if (!flowrt_kv_flush(rt)) {
        *err = strdup("the state store failed");
        return false;
    }
    return kv->ops->checkpoint(kv->db, dir, err);
}

/* ---- A checkpoint's copy, off the run's thread ---------------------------------------- */

/* What the copying thread tells the writer child. */
typedef struct KvReport {
    int error;
    char why[300];
} KvReport;

static void report(int fd, const KvReport *r)
{
    const char *p = (const char *)r;
    size_t n = sizeof *r;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break; /* the child is gone: it had failed already */
        p += w;
        n -= (size_t)w;
    }
    close(fd);
}

/* The copy: rocksdb_checkpoint_create, its memtable flush and fsyncs, here
 * rather than in the run; RocksDB does not change meanwhile (holding). */
static void *copier_main(void *arg)
{
    FlowKv *kv = arg;
    KvReport r;
    memset(&r, 0, sizeof r);
    char *err = NULL;
    /* For the tests: a slow disk, so that the run evicts, fires and deletes
     * windows while RocksDB is held; a failing copy. */
    if (flowrt_fault("store-copy-slow"))
        nanosleep(&(struct timespec){ .tv_nsec = 150 * 1000 * 1000 }, NULL);
    if (flowrt_fault("store-copy")) {
        r.error = EIO;
        snprintf(r.why, sizeof r.why, "copying the state store into %s: an injected failure",
                 kv->copy_dir);
    } else if (!kv->ops->checkpoint(kv->db, kv->copy_dir, &err)) {
        r.error = EIO;
        snprintf(r.why, sizeof r.why, "copying the state store into %s: %s", kv->copy_dir,
                 err ? err : "?");
    }
    free(err);
    report(kv->copy_fd, &r);
    atomic_store(&kv->copied, true);
    return NULL;
}

bool flowrt_kv_copy_hold(FlowRuntime *rt)
{
    FlowKv *kv = rt->kv;
    flowrt_kv_copy_end(rt, true);
    commit_pending(kv, rt);
    if (rt->failed)
        return false;
    kv->ops->hold(kv->db);
    kv->holding = true;
    kv->ngone = 0;
    return true;
}

void flowrt_kv_copy_start(FlowRuntime *rt, const char *dir, int report_fd)
{
    FlowKv *kv = rt->kv;
    free(kv->copy_dir);
    kv->copy_dir = strdup(dir);
    kv->copy_fd = report_fd;
    atomic_store(&kv->copied, false);
    /* The thread takes no signals: they stay the run's. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    kv->copying = kv->copy_dir && pthread_create(&kv->copier, NULL, copier_main, kv) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!kv->copying && kv->copy_dir) /* no thread: the copy in the run */
        copier_main(kv);
    else if (!kv->copying)
        report(report_fd, &(KvReport){ .error = ENOMEM, .why = "out of memory" });
}

void flowrt_kv_copy_end(FlowRuntime *rt, bool wait)
{
    FlowKv *kv = rt->kv;
    if (!kv || !kv->holding)
        return;
    if (kv->copying) {
        if (!wait && !atomic_load(&kv->copied))
            return;
        pthread_join(kv->copier, NULL);
        kv->copying = false;
    }
    kv->holding = false;
    char *err = NULL;
    if (!kv->ops->release(kv->db, &err))
        kv_fail(kv, rt, "writing", err);
}

int flowrt_kv_copy_report(int fd, char *why, size_t size)
{
    KvReport r;
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t n = read(fd, (char *)&r + got, sizeof r - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got < sizeof r) {
        snprintf(why, size, "the run did not report its copy of the state store");
        return EIO;
    }
    if (r.error)
        snprintf(why, size, "%.*s", (int)sizeof r.why, r.why);
    return r.error;
}

void flowrt_kv_save_cached(FlowRuntime *rt, FlowCkptOut *out)
{
    FlowKv *kv = rt->kv;
    int64_t n = 0;
    FlowKvEntry *e = kv->hand;
    for (int64_t i = 0; e && i < kv->count; i++, e = e->next)
        n += e->dirty;
    flow_ckpt_put_i64(out, n);
    e = kv->hand;
    for (int64_t i = 0; e && i < kv->count; i++, e = e->next) {
        if (!e->dirty)
            continue;
        kv->value.len = 0;
        e->space->type->encode(&kv->value, entry_state(e));
        flow_ckpt_put_str(out, (FlowStr){ (const char *)e->key, (int64_t)e->klen });
        flow_ckpt_put_str(out, (FlowStr){ (const char *)kv->value.buf, (int64_t)kv->value.len });
    }
}

bool flowrt_kv_load_cached(FlowRuntime *rt, FlowCkptIn *in)
{
    FlowKv *kv = rt->kv;
    int64_t n = flow_ckpt_get_count(in, INT64_MAX);
    for (int64_t i = 0; i < n && !flow_ckpt_failed(in); i++) {
        FlowStr key = flow_ckpt_get_str(in), value = flow_ckpt_get_str(in);
        if (!flow_ckpt_failed(in))
            kv->ops->put(kv->db, key.ptr, (size_t)key.len, value.ptr, (size_t)value.len);
        flow_str_release(key);
        flow_str_release(value);
    }
    if (!flow_ckpt_failed(in))
        commit(kv, rt);
    return !flow_ckpt_failed(in) && !rt->failed;
}

void flowrt_kv_describe(const FlowRuntime *rt, char *buf, size_t size)
{
    const FlowKv *kv = rt->kv;
    buf[0] = 0;
    if (!kv)
        return;
    snprintf(buf, size, "  state (%s): %" PRId64 " in the cache (%.1f of %.1f MiB), %" PRId64
                        " evicted, %" PRId64 " looked up in RocksDB (%" PRId64 " found)\n",
             kv->dir, kv->count, (double)kv->bytes / (1 << 20), (double)kv->cap / (1 << 20),
             kv->evicted, kv->reads, kv->found);
}

void flowrt_kv_close(FlowRuntime *rt)
{
    FlowKv *kv = rt->kv;
    if (!kv)
        return;
    if (kv->copying)
        pthread_join(kv->copier, NULL);
    free(kv->copy_dir);
    free(kv->gone);
    /* The timers released every space before; what a failed start left is
     * dropped here. */
    while (kv->hand)
        entry_drop(kv, kv->hand);
    for (int64_t i = 0; i < kv->spaces.cap; i++)
        if (kv->spaces.hashes[i])
            flow_state_free(kv->spaces.items[i]);
    flow_table_free(&kv->spaces);
    if (kv->db)
        kv->ops->close(kv->db);
    if (kv->lock_fd >= 0)
        close(kv->lock_fd);
    flowrt_ckpt_out_free(&kv->key);
    flowrt_ckpt_out_free(&kv->value);
    flow_state_free(kv->slots);
    flow_state_free(kv->last);
    free(kv->scratch);
    free(kv->dir);
    free(kv->db_dir);
    flow_state_free(kv);
    rt->kv = NULL;
}
