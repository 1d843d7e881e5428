/* flow/kv.h: keyed state in a store (`state rocksdb "DIR"`,
 * docs/checkpoints.md "RocksDB state"): what the generated code of a keyed
 * operator calls instead of keeping its state in panes.
 *
 * State lives in RocksDB, under keys [key group][operator][namespace][key
 * fields], behind a cache in the runtime: a bounded write-back table of
 * decoded states (--state-cache BYTES) that writes a dirty state to RocksDB
 * only when it evicts it or at a checkpoint. A record of a hot key never
 * touches RocksDB.
 *
 * A namespace (FlowKvSpace) is one window of one operator: the item its
 * timer fires with. The generated code of a record:
 *   1. sp = flow_kv_space(rt, op, start, &type, &made): the window, made with
 *      its timer by the caller when `made`;
 *   2. out = flow_kv_key(rt, sp, hash): a writer holding the key's prefix, to
 *      which the caller appends the key fields with flow_ckpt_put_*;
 *   3. s = flow_kv_get(rt, sp, &fresh): the key's state in the cache, read
 *      from RocksDB on a miss, or a zeroed one (fresh) when there is none.
 *      The pointer is valid until the next flow_kv_* call.
 * At its timer the window's states are visited in (key group, key) order with
 * flow_kv_each, and then deleted with flow_kv_space_delete. A sliding window
 * keeps a space per pane of gcd(SIZE, SLIDE), the timers' items being its
 * window ends (flow/state.h); a window end puts its panes' states together. A dedupe
 * and a session window keep their keys' states in one space and, per span
 * of expiry times, a one-group space of the keys due in it, drained at its
 * timer with flow_kv_space_drain (docs/checkpoints.md).
 *
 * Ownership: the store owns the spaces and the states; the generated code
 * owns the FlowKvType (a static constant) and what a state owns is released
 * by its `release`, called by the store. */
#ifndef FLOW_KV_H
#define FLOW_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/checkpoint.h"
#include "flow/runtime.h"

#pragma GCC visibility push(default)

/* The store behind the cache (RocksDB: runtime/src/kv_rocksdb.c, in
 * libflowrt.a only, needs -lrocksdb). Only a `state rocksdb` program points
 * FlowProgram.state_store at it, so no other program links librocksdb. */
typedef struct FlowKvStoreOps FlowKvStoreOps;
extern const FlowKvStoreOps flow_rocksdb_store;

/* An operator's state, as the store sees it. */
typedef struct FlowKvType {
    size_t size;                                         /* of the state struct */
    void (*encode)(FlowCkptOut *out, const void *state); /* the value written to RocksDB */
    void (*decode)(FlowCkptIn *in, void *state);         /* into a zeroed struct */
    void (*release)(void *state);                        /* what it owns; NULL: nothing */
    size_t (*owned)(const void *state);                  /* its bytes; NULL: nothing */
    /* Its keys all in key group 0: a small space visited whole and then
     * deleted (a span of an expiry index, flow_kv_space_drain), read with
     * one seek and deleted key by key, where a range delete per key group
     * of a space per millisecond would burden every later read of RocksDB.
     * An index can be rebuilt from the states it lists, so it needs no key
     * groups to rescale. */
    bool one_group;
} FlowKvType;

/* One window of one operator. `fired` is the generated code's; the rest the
 * store's. */
typedef struct FlowKvSpace {
    int op;
    int64_t ns;               /* the window's start */
    bool fired;
    bool complete;            /* the cache holds every key of the window */
    bool in_db;               /* RocksDB may hold some */
    bool pinned;              /* being visited: none of its states is evicted */
    const FlowKvType *type;
    struct FlowKvEntry *first; /* its states in the cache */
    struct FlowKv *kv;        /* the run's store */
    unsigned char prefix[12]; /* its keys' prefix, key group 0 */
} FlowKvSpace;

/* The window `ns` of operator `op`, made if there is none (*made tells). */
FlowKvSpace *flow_kv_space(FlowRuntime *rt, int op, int64_t ns, const FlowKvType *type,
                           bool *made);
/* The window `ns` of operator `op`, or NULL when there is none. */
FlowKvSpace *flow_kv_space_find(FlowRuntime *rt, int op, int64_t ns);
/* The same for a restore: a window whose states are all in RocksDB; NULL
 * when it was made already (a corrupt checkpoint naming it twice). */
FlowKvSpace *flow_kv_space_restored(FlowRuntime *rt, int op, int64_t ns,
                                    const FlowKvType *type);
/* The writer of a key of `sp`, holding its prefix; `hash` is the key fields'
 * (it picks the key group). */
FlowCkptOut *flow_kv_key(FlowRuntime *rt, const FlowKvSpace *sp, uint64_t hash);
/* The state of the key written to flow_kv_key's writer. */
void *flow_kv_get(FlowRuntime *rt, FlowKvSpace *sp, bool *fresh);
/* The same state, NULL when the key has none: nothing is made (a late
 * record's other panes); the state is valid until the next lookup. */
void *flow_kv_peek(FlowRuntime *rt, FlowKvSpace *sp);
/* The same state, to be changed (written back), NULL when the key has
 * none; then flow_kv_make, with no flow_kv_* call between, makes it zeroed
 * (a session window's first session of a key, made only once the record is
 * known not to be late or bad). */
void *flow_kv_find(FlowRuntime *rt, FlowKvSpace *sp);
void *flow_kv_make(FlowRuntime *rt, FlowKvSpace *sp);
/* The key written to flow_kv_key's writer goes, from the cache and from
 * RocksDB (a dedupe's expired key). */
void flow_kv_delete(FlowRuntime *rt, FlowKvSpace *sp);
/* Calls fn(rt, state, sp->ns) for every state of the window in (key group,
 * key bytes) order. States stay. */
void flow_kv_each(FlowRuntime *rt, FlowKvSpace *sp,
                  void (*fn)(FlowRuntime *rt, const void *state, int64_t ns));
/* The window is over: its states go, from the cache and from RocksDB. Not
 * for a one-group space, which is drained. */
void flow_kv_space_delete(FlowRuntime *rt, FlowKvSpace *sp);
/* A one-group space's flow_kv_each, then its deletion, with one read of
 * RocksDB: the span of an expiry index that is due. */
void flow_kv_space_drain(FlowRuntime *rt, FlowKvSpace *sp,
                         void (*fn)(FlowRuntime *rt, const void *state, int64_t ns));
/* While code runs that may use the store between a lookup and the use of
 * the state it gave (the operators after a join, given pairs from a
 * group), no state of the space is evicted, so the pointer stays valid:
 * pinned true before, false after. */
void flow_kv_space_pin(FlowKvSpace *sp, bool pinned);
/* The timers' release (shutdown, the checkpoint self-test): the window's
 * cached states go, RocksDB keeps what it holds. */
void flow_kv_space_forget(void *item);

#pragma GCC visibility pop

#endif
