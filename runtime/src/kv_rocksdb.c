/* kv_rocksdb.c: the state store of `state rocksdb` programs on RocksDB's C
 * API (FlowKvStoreOps, kv.h; docs/checkpoints.md "RocksDB state"). In
 * libflowrt.a only: a program that names flow_rocksdb_store pulls it in and
 * links -lrocksdb; no other program does.
 *
 * Options: no WAL (a crash loses what the store held, and a checkpoint's
 * copy replaces it: durability comes from checkpoints), a bloom filter of
 * 10 bits a key, in the table files and in the memtables, so that a lookup
 * of a key the store does not hold seldom reads a block or walks a skip
 * list, an 8 MiB block cache and two 8 MiB memtables: what RocksDB
 * itself keeps in memory stays small beside the cache in front of it.
 *
 * While a checkpoint's copy is being made (`hold` to `release`), RocksDB
 * itself is left as it was at the checkpoint's barrier: puts and deletes go
 * into a WriteBatchWithIndex, which gets and scans read through (it over
 * RocksDB), and range deletes into a batch of their own, written after it
 * (docs/checkpoints.md, "Checkpoints" under "RocksDB state"). */
#include "kv.h"

#include <stdlib.h>
#include <string.h>

#include <rocksdb/c.h>

typedef struct RocksStore {
    rocksdb_t *db;
    rocksdb_options_t *options;
    rocksdb_block_based_table_options_t *table;
    rocksdb_cache_t *cache;
    rocksdb_writeoptions_t *write;
    rocksdb_readoptions_t *read;
    rocksdb_writebatch_t *batch;
    rocksdb_pinnableslice_t *got; /* the last get's value */
    char *got_held;               /* or, while holding, its copy */
    bool holding;                 /* a checkpoint's copy is being made */
    rocksdb_writebatch_wi_t *held; /* puts and deletes since `hold` */
    rocksdb_writebatch_t *ranges;  /* range deletes since `hold` */
} RocksStore;

static void rocks_close(void *db)
{
    RocksStore *s = db;
    if (s->got)
        rocksdb_pinnableslice_destroy(s->got);
    free(s->got_held);
    if (s->held)
        rocksdb_writebatch_wi_destroy(s->held);
    if (s->ranges)
        rocksdb_writebatch_destroy(s->ranges);
    if (s->db)
        rocksdb_close(s->db);
    if (s->batch)
        rocksdb_writebatch_destroy(s->batch);
    if (s->read)
        rocksdb_readoptions_destroy(s->read);
    if (s->write)
        rocksdb_writeoptions_destroy(s->write);
    if (s->options)
        rocksdb_options_destroy(s->options);
    if (s->table)
        rocksdb_block_based_options_destroy(s->table);
    if (s->cache)
        rocksdb_cache_destroy(s->cache);
    free(s);
}

static void *rocks_open(const char *dir, char **err)
{
    RocksStore *s = calloc(1, sizeof *s);
    if (!s) {
        *err = strdup("out of memory");
        return NULL;
    }
    s->options = rocksdb_options_create();
    rocksdb_options_set_create_if_missing(s->options, 1);
    rocksdb_options_set_write_buffer_size(s->options, 8 << 20);
    rocksdb_options_set_max_write_buffer_number(s->options, 2);
    rocksdb_options_set_max_background_jobs(s->options, 2);
    /* Levels 0 and 1 uncompressed: states evicted and read back soon after
     * are read from there, where decompressing each block cost a sixth of
     * the time of a session window of many keys (docs/performance.md,
     * "RocksDB state"); the levels below, colder and larger, in snappy. */
    int levels[7] = { rocksdb_no_compression, rocksdb_no_compression };
    for (int i = 2; i < 7; i++)
        levels[i] = rocksdb_snappy_compression;
    rocksdb_options_set_compression_per_level(s->options, levels, 7);
    /* A bloom filter over the memtable's keys too: most lookups are of keys
     * the store does not hold (a key's first record in a window). */
    rocksdb_options_set_memtable_prefix_bloom_size_ratio(s->options, 0.1);
    rocksdb_options_set_memtable_whole_key_filtering(s->options, 1);
    s->table = rocksdb_block_based_options_create();
    rocksdb_block_based_options_set_filter_policy(s->table, rocksdb_filterpolicy_create_bloom(10));
    s->cache = rocksdb_cache_create_lru(8 << 20);
    rocksdb_block_based_options_set_block_cache(s->table, s->cache);
    rocksdb_options_set_block_based_table_factory(s->options, s->table);
    s->write = rocksdb_writeoptions_create();
    rocksdb_writeoptions_disable_WAL(s->write, 1);
    s->read = rocksdb_readoptions_create();
    s->batch = rocksdb_writebatch_create();
    s->held = rocksdb_writebatch_wi_create(0, 1);
    s->ranges = rocksdb_writebatch_create();
    s->db = rocksdb_open(s->options, dir, err);
    if (!s->db) {
        rocks_close(s);
        return NULL;
    }
    return s;
}

static bool rocks_get(void *db, const void *key, size_t klen, KvBytes *value, char **err)
{
    RocksStore *s = db;
    if (s->got)
        rocksdb_pinnableslice_destroy(s->got);
    s->got = NULL;
    free(s->got_held);
    s->got_held = NULL;
    if (s->holding) {
        s->got_held = rocksdb_writebatch_wi_get_from_batch_and_db(s->held, s->db, s->read, key,
                                                                  klen, &value->n, err);
        value->p = (const unsigned char *)s->got_held;
        return s->got_held != NULL;
    }
    s->got = rocksdb_get_pinned(s->db, s->read, key, klen, err);
    if (!s->got)
        return false;
    value->p = (const unsigned char *)rocksdb_pinnableslice_value(s->got, &value->n);
    return true;
}

static void rocks_put(void *db, const void *key, size_t klen, const void *value, size_t vlen)
{
    RocksStore *s = db;
    if (s->holding)
        rocksdb_writebatch_wi_put(s->held, key, klen, value, vlen);
    else
        rocksdb_writebatch_put(s->batch, key, klen, value, vlen);
}

static void rocks_delete_key(void *db, const void *key, size_t klen)
{
    RocksStore *s = db;
    if (s->holding)
        rocksdb_writebatch_wi_delete(s->held, key, klen);
    else
        rocksdb_writebatch_delete(s->batch, key, klen);
}

static void rocks_delete_range(void *db, const void *from, const void *to, size_t klen)
{
    RocksStore *s = db;
    /* A WriteBatchWithIndex takes no range deletes: they wait, and go after
     * the held writes (the store's user never writes in a range it deleted
     * while holding, kv.h). */
    rocksdb_writebatch_delete_range(s->holding ? s->ranges : s->batch, from, klen, to, klen);
}

static bool rocks_commit(void *db, char **err)
{
    RocksStore *s = db;
    if (s->holding)
        return true; /* the writes wait in the held batch */
    rocksdb_write(s->db, s->write, s->batch, err);
    rocksdb_writebatch_clear(s->batch);
    return *err == NULL;
}

static bool rocks_scan(void *db, const void *prefix, size_t plen,
                       bool (*fn)(void *arg, KvBytes key, KvBytes value), void *arg, char **err)
{
    RocksStore *s = db;
    /* The upper bound lets RocksDB stop at the prefix's end, without
     * reading the next key (or range tombstones) past it. */
    unsigned char bound[64];
    if (plen > sizeof bound) {
        *err = strdup("a prefix too long");
        return false;
    }
    memcpy(bound, prefix, plen);
    size_t blen = plen;
    while (blen > 0 && ++bound[blen - 1] == 0)
        blen--;
    rocksdb_readoptions_t *ro = rocksdb_readoptions_create();
    if (blen)
        rocksdb_readoptions_set_iterate_upper_bound(ro, (const char *)bound, blen);
    rocksdb_iterator_t *it = rocksdb_create_iterator(s->db, ro);
    /* While holding, the held writes over RocksDB's; the bound is the base
     * iterator's alone, so the prefix is tested too. */
    if (s->holding)
        it = rocksdb_writebatch_wi_create_iterator_with_base(s->held, it);
    bool go = true;
    for (rocksdb_iter_seek(it, prefix, plen); go && rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        KvBytes k, v;
        k.p = (const unsigned char *)rocksdb_iter_key(it, &k.n);
        if (k.n < plen || memcmp(k.p, prefix, plen) != 0)
            break;
        v.p = (const unsigned char *)rocksdb_iter_value(it, &v.n);
        go = fn(arg, k, v);
    }
    rocksdb_iter_get_error(it, err);
    rocksdb_iter_destroy(it);
    rocksdb_readoptions_destroy(ro);
    return go && *err == NULL;
}

static void rocks_hold(void *db)
{
    RocksStore *s = db;
    s->holding = true;
}

static bool rocks_release(void *db, char **err)
{
    RocksStore *s = db;
    s->holding = false;
    rocksdb_write_writebatch_wi(s->db, s->write, s->held, err);
    rocksdb_writebatch_wi_clear(s->held);
    if (!*err)
        rocksdb_write(s->db, s->write, s->ranges, err);
    rocksdb_writebatch_clear(s->ranges);
    return *err == NULL;
}

/* On the copying thread (kv.c): it reads s->db alone, which RocksDB lets
 * threads share. */
static bool rocks_checkpoint(void *db, const char *dir, char **err)
{
    RocksStore *s = db;
    rocksdb_checkpoint_t *cp = rocksdb_checkpoint_object_create(s->db, err);
    if (!cp)
        return false;
    /* 0: the memtables are always flushed first, as there is no WAL to copy. */
    rocksdb_checkpoint_create(cp, dir, 0, err);
    rocksdb_checkpoint_object_destroy(cp);
    return *err == NULL;
}

const FlowKvStoreOps flow_rocksdb_store = {
    .open = rocks_open,
    .get = rocks_get,
    .put = rocks_put,
    .delete_key = rocks_delete_key,
    .delete_range = rocks_delete_range,
    .commit = rocks_commit,
    .scan = rocks_scan,
    .hold = rocks_hold,
    .release = rocks_release,
    .checkpoint = rocks_checkpoint,
    .close = rocks_close,
};
