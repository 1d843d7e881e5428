/* rt_kv.c: the keyed-state store behind `state rocksdb` (flow/kv.h) on a
 * real RocksDB in a temporary directory, with a cache small enough that
 * states are evicted to it: a state found or made (flow_kv_find and
 * flow_kv_make) and read back after its eviction; a one-group space's keys
 * all in key group 0; its drain visiting cached and stored states once each
 * in key order, the cached one where both are, and leaving nothing in
 * RocksDB. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "flow/flow.h"
#include "flow/kv.h"
#include "ckpt_io.h"
#include "kv.h"
#include "rt.h"

#define NKEYS 400

typedef struct State {
    int64_t key;
    int64_t value;
} State;

static void encode(FlowCkptOut *out, const void *state)
{
    const State *s = state;
    flow_ckpt_put_i64(out, s->key);
    flow_ckpt_put_i64(out, s->value);
}

static void decode(FlowCkptIn *in, void *state)
{
    State *s = state;
    s->key = flow_ckpt_get_i64(in);
    s->value = flow_ckpt_get_i64(in);
}

static const FlowKvType keyed = { sizeof(State), encode, decode, NULL, NULL, false };
static const FlowKvType one_group = { sizeof(State), encode, decode, NULL, NULL, true };

static const FlowProgram program = { .name = "t", .flow_file = "t.flow",
                                     .state_store = &flow_rocksdb_store };
static FlowRuntime rt;
static char dir[32];

/* A cache of 4 KiB holds a few dozen of the NKEYS states. */
static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/rt_kv-XXXXXX");
    assert_non_null(mkdtemp(dir));
    flowrt_runtime_init(&rt, &program);
    CliOptions opts = { .state_dir = dir, .state_cache_bytes = 4096 };
    assert_true(flowrt_kv_open(&rt, &opts, NULL));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    flowrt_runtime_free(&rt);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

/* Keys whose hashes spread over the key groups. */
static uint64_t hash_of(int64_t key)
{
    return (uint64_t)key * 0x9E3779B97F4A7C15ULL;
}

static FlowCkptOut *key(FlowKvSpace *sp, int64_t k)
{
    FlowCkptOut *out = flow_kv_key(&rt, sp, hash_of(k));
    flow_ckpt_put_i64(out, k);
    return out;
}

static void find_then_make(void **state)
{
    (void)state;
    bool made;
    FlowKvSpace *sp = flow_kv_space(&rt, 0, 1000, &keyed, &made);
    assert_true(made);
    for (int64_t k = 0; k < NKEYS; k++) {
        key(sp, k);
        assert_null(flow_kv_find(&rt, sp));
        State *s = flow_kv_make(&rt, sp);
        assert_int_equal(s->key, 0);
        assert_int_equal(s->value, 0);
        s->key = k;
        s->value = 10 * k;
    }
    assert_true(sp->in_db); /* the cache evicted some */
    /* Every state is found again, most of them read back from RocksDB, and
     * changed through find. */
    for (int64_t k = 0; k < NKEYS; k++) {
        key(sp, k);
        State *s = flow_kv_find(&rt, sp);
        assert_non_null(s);
        assert_int_equal(s->key, k);
        assert_int_equal(s->value, 10 * k);
        s->value++;
    }
    for (int64_t k = 0; k < NKEYS; k++) {
        key(sp, k);
        const State *s = flow_kv_peek(&rt, sp);
        assert_non_null(s);
        assert_int_equal(s->value, 10 * k + 1);
    }
    key(sp, NKEYS);
    assert_null(flow_kv_find(&rt, sp));
    flow_kv_space_delete(&rt, sp);
}

static void one_group_keys(void **state)
{
    (void)state;
    bool made;
    FlowKvSpace *a = flow_kv_space(&rt, 0, 5, &one_group, &made);
    FlowKvSpace *b = flow_kv_space(&rt, 0, 6, &keyed, &made);
    bool spread = false;
    for (int64_t k = 0; k < 64; k++) {
        const FlowCkptOut *out = key(a, k);
        assert_int_equal(out->buf[0], 0);
        assert_int_equal(out->buf[1], 0);
        out = key(b, k);
        spread |= out->buf[0] != 0 || out->buf[1] != 0;
    }
    assert_true(spread);
    flow_kv_space_drain(&rt, a, NULL); /* empty: fn is never called */
    flow_kv_space_delete(&rt, b);
}

static int64_t visited[NKEYS], nvisited;

static void note(FlowRuntime *r, const void *state, int64_t ns)
{
    (void)r;
    const State *s = state;
    assert_int_equal(ns, 7);
    assert_true(nvisited < NKEYS);
    assert_int_equal(s->value, s->key % 3 == 0 ? -s->key : s->key);
    visited[nvisited++] = s->key;
}

/* The store's key order of key k: [prefix][k as flow_ckpt_put_i64 writes
 * it], compared as bytes. */
static int by_key_bytes(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    unsigned char ka[8], kb[8];
    memcpy(ka, &a, 8);
    memcpy(kb, &b, 8);
    return memcmp(ka, kb, 8);
}

static void drain_merges(void **state)
{
    (void)state;
    bool made;
    FlowKvSpace *sp = flow_kv_space(&rt, 0, 7, &one_group, &made);
    for (int64_t k = 0; k < NKEYS; k++) {
        key(sp, k);
        State *s = flow_kv_make(&rt, sp);
        s->key = k;
        s->value = k;
    }
    assert_true(sp->in_db);
    /* A third changed after the others were evicted: the cache holds the
     * newer state, RocksDB the older one, of many of them. */
    for (int64_t k = 0; k < NKEYS; k += 3) {
        key(sp, k);
        State *s = flow_kv_find(&rt, sp);
        s->value = -k;
    }
    nvisited = 0;
    flow_kv_space_drain(&rt, sp, note);
    assert_int_equal(nvisited, NKEYS);
    int64_t want[NKEYS];
    for (int64_t k = 0; k < NKEYS; k++)
        want[k] = k;
    qsort(want, NKEYS, sizeof want[0], by_key_bytes);
    assert_memory_equal(visited, want, sizeof want);
    /* Nothing of it is left in RocksDB: the same space restored (all of it
     * in the store) has no key. */
    sp = flow_kv_space_restored(&rt, 0, 7, &one_group);
    assert_non_null(sp);
    for (int64_t k = 0; k < NKEYS; k++) {
        key(sp, k);
        assert_null(flow_kv_peek(&rt, sp));
    }
    nvisited = 0;
    flow_kv_space_drain(&rt, sp, note);
    assert_int_equal(nvisited, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(find_then_make, setup, teardown),
        cmocka_unit_test_setup_teardown(one_group_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(drain_merges, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
