/* kv.h: the run's keyed-state store (flow/kv.h, docs/checkpoints.md
 * "RocksDB state"): the cache of decoded states in kv.c, and the ops of the
 * store behind it (FlowKvStoreOps; RocksDB's in kv_rocksdb.c). */
#ifndef FLOWRT_KV_H
#define FLOWRT_KV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "flow/kv.h"

typedef struct FlowRuntime FlowRuntime;

/* Bytes: what RocksDB gives back, valid until the next call on the store. */
typedef struct KvBytes {
    const unsigned char *p;
    size_t n;
} KvBytes;

/* A store of ordered (key bytes -> value bytes). Writes go into a pending
 * batch that `commit` writes (without a WAL: checkpoints make it durable).
 * Every call that fails stores its message in *err (malloc'd). */
struct FlowKvStoreOps {
    /* Opens (or makes) the store in `dir`. */
    void *(*open)(const char *dir, char **err);
    /* false: no such key. */
    bool (*get)(void *db, const void *key, size_t klen, KvBytes *value, char **err);
    void (*put)(void *db, const void *key, size_t klen, const void *value, size_t vlen);
    void (*delete_key)(void *db, const void *key, size_t klen);
    void (*delete_range)(void *db, const void *from, const void *to, size_t klen);
    bool (*commit)(void *db, char **err);
    /* From `hold` to `release` RocksDB keeps what it held at `hold` while a
     * thread copies it: writes and commits wait in memory, gets and scans
     * see them; `release` writes them (range deletes after the rest). */
    void (*hold)(void *db);
    bool (*release)(void *db, char **err);
    /* Visits every key that starts with the `plen` bytes of `prefix`, in
     * order; fn returns false to stop. */
    bool (*scan)(void *db, const void *prefix, size_t plen,
                 bool (*fn)(void *arg, KvBytes key, KvBytes value), void *arg, char **err);
    /* A consistent copy of everything committed in `dir` (which must not
     * exist), by hard links where it can. May run on another thread than
     * the other calls, while they go on. */
    bool (*checkpoint)(void *db, const char *dir, char **err);
    void (*close)(void *db);
};

/* The run's store: opened by flowrt_kv_open in a `state rocksdb` program,
 * NULL in any other. */
typedef struct FlowKv FlowKv;

/* Before the operators are restored: opens the state directory (wiped,
 * then filled from `restore_from`, a checkpoint's copy, when not NULL).
 * False (rt failed) when it cannot. */
bool flowrt_kv_open(FlowRuntime *rt, const CliOptions *opts, const char *restore_from);
/* Every dirty state to the store: before a checkpoint or the self-test. */
bool flowrt_kv_flush(FlowRuntime *rt);
/* Flushes, then the store's copy into `dir`. False (with *err) on failure.
 * In the run: the final checkpoint. */
bool flowrt_kv_checkpoint(FlowRuntime *rt, const char *dir, char **err);

/* A checkpoint taken by the writer child (docs/checkpoints.md, "RocksDB
 * state"): at the barrier, before the fork, flowrt_kv_copy_hold freezes
 * RocksDB as it stands (what the cache holds dirty goes into the state file,
 * flowrt_kv_save_cached, from the child's image); after the fork
 * flowrt_kv_copy_start makes its copy into `dir` on a thread, which writes
 * the outcome to `report_fd` (and closes it), read by the child with
 * flowrt_kv_copy_report before it writes its manifest. The run writes to
 * RocksDB again once flowrt_kv_copy_end (every round) finds the thread done.
 * False (rt failed) when the store fails. */
bool flowrt_kv_copy_hold(FlowRuntime *rt);
void flowrt_kv_copy_start(FlowRuntime *rt, const char *dir, int report_fd);
/* The copy is over (or `wait`: waits for it); with none started, ends the
 * hold. */
void flowrt_kv_copy_end(FlowRuntime *rt, bool wait);
/* In the child: 0 once the store's copy is durable, or the errno of its
 * failure with what failed in why[]. */
int flowrt_kv_copy_report(int fd, char *why, size_t size);
/* The cache's dirty states (key bytes, value), a section of the state file;
 * loaded back into RocksDB (over the checkpoint's copy) on restore. */
void flowrt_kv_save_cached(FlowRuntime *rt, FlowCkptOut *out);
bool flowrt_kv_load_cached(FlowRuntime *rt, FlowCkptIn *in);
/* "  state (DIR): ..." for the summary: the cache's use, evictions, reads
 * from RocksDB; "" without a store. */
void flowrt_kv_describe(const FlowRuntime *rt, char *buf, size_t size);
/* After the timers released every space. */
void flowrt_kv_close(FlowRuntime *rt);

#endif
