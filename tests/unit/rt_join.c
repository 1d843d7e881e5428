/* rt_join.c: the runtime pieces of an interval join: the pool its rows come
 * from (items apart and aligned, reuse of freed items, blocks growing to
 * huge-page size), large state memory (zeroed, huge-page aligned), the
 * inline table of its groups (probing as the generated code does, growth,
 * backward-shift removal with colliding hashes) and the per-operator
 * FlowJoinRows, whose pool and table outlive release() at shutdown and are
 * freed with the timers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "timer.h"

enum { NITEMS = 10000, ITEM = 40 };

static void test_pool_items_apart_and_aligned(void **state)
{
    (void)state;
    FlowPool p = { 0 };
    static unsigned char *items[NITEMS];
    for (int i = 0; i < NITEMS; i++) {
        items[i] = flow_pool_alloc(&p, ITEM);
        assert_true((uintptr_t)items[i] % sizeof(void *) == 0);
        memset(items[i], i & 0xff, ITEM);
    }
    /* Every item still holds its own bytes: no two overlap. */
    for (int i = 0; i < NITEMS; i++)
        for (int b = 0; b < ITEM; b++)
            assert_int_equal(items[i][b], i & 0xff);
    assert_true(p.size == ITEM);
    flow_pool_destroy(&p);
    assert_null(p.blocks);
    assert_null(p.free);
    assert_int_equal(p.size, 0);
}

static void test_pool_reuses_freed_items(void **state)
{
    (void)state;
    FlowPool p = { 0 };
    void *a = flow_pool_alloc(&p, ITEM), *b = flow_pool_alloc(&p, ITEM);
    assert_ptr_not_equal(a, b);
    flow_pool_free(&p, a);
    flow_pool_free(&p, b);
    /* Last freed, first reused; then the block's unused items again. */
    assert_ptr_equal(flow_pool_alloc(&p, ITEM), b);
    assert_ptr_equal(flow_pool_alloc(&p, ITEM), a);
    void *c = flow_pool_alloc(&p, ITEM);
    assert_ptr_not_equal(c, a);
    assert_ptr_not_equal(c, b);

    /* Items that come and go at a steady number need no new block. */
    void *blocks = p.blocks;
    for (int round = 0; round < 100000; round++)
        flow_pool_free(&p, flow_pool_alloc(&p, ITEM));
    assert_ptr_equal(p.blocks, blocks);
    flow_pool_destroy(&p);
}

static void test_pool_tiny_items(void **state)
{
    (void)state;
    FlowPool p = { 0 };
    char *x = flow_pool_alloc(&p, 1), *y = flow_pool_alloc(&p, 1);
    /* Room for the free-list link even for one-byte items. */
    assert_true(p.size >= sizeof(void *));
    assert_true(y - x >= (ptrdiff_t)sizeof(void *) || x - y >= (ptrdiff_t)sizeof(void *));
    flow_pool_free(&p, x);
    flow_pool_free(&p, y);
    flow_pool_destroy(&p);

    /* A type of the largest alignment gets it in every item. */
    typedef struct Wide {
        max_align_t m;
        char c;
    } Wide;
    for (int i = 0; i < 5000; i++)
        assert_true((uintptr_t)flow_pool_alloc(&p, sizeof(Wide)) % _Alignof(Wide) == 0);
    flow_pool_destroy(&p);
}

static void test_pool_blocks_grow_to_huge_pages(void **state)
{
    (void)state;
    FlowPool p = { 0 };
    size_t last = 0;
    int grew = 0;
    for (int i = 0; i < 200000; i++) {
        flow_pool_alloc(&p, 48);
        if (p.block_bytes != last) {
            assert_true(p.block_bytes == 64 * 1024 || p.block_bytes == 2 * last);
            last = p.block_bytes;
            grew++;
        }
    }
    /* 200000 items of 48 bytes fill the blocks of 64 KiB to 2 MiB (6 sizes),
     * then stay at 2 MiB. */
    assert_int_equal(grew, 6);
    assert_true(p.block_bytes == 2 * 1024 * 1024);
    flow_pool_destroy(&p);
}

static void test_large_state_memory(void **state)
{
    (void)state;
    size_t sizes[] = { 1, 4096, 2 * 1024 * 1024, 3 * 1024 * 1024 + 5 };
    for (int i = 0; i < 4; i++) {
        unsigned char *m = flow_state_alloc_large(sizes[i]);
        for (size_t b = 0; b < sizes[i]; b++)
            assert_int_equal(m[b], 0);
        if (sizes[i] >= 2 * 1024 * 1024)
            assert_true((uintptr_t)m % (2 * 1024 * 1024) == 0);
        memset(m, 0xab, sizes[i]);
        flow_state_free(m);
    }
}

/* An entry as the generated code makes them: the stored hash, then the key
 * and the state. */
typedef struct TestEntry {
    uint64_t hash;
    int64_t key;
    int64_t value;
} TestEntry;

/* Many keys share few hashes, so probe runs are long and wrap around. */
static uint64_t key_hash(int64_t key)
{
    return flow_inline_hash((uint64_t)(key % 7) * 0x9E3779B97F4A7C15ULL + 15);
}

static TestEntry *find(const FlowInlineTable *t, int64_t key)
{
    if (!t->entries)
        return NULL;
    uint64_t hash = key_hash(key);
    for (uint64_t i = hash & t->mask;; i = (i + 1) & t->mask) {
        TestEntry *e = flow_inline_entry(t, i);
        if (!e->hash)
            return NULL;
        if (e->hash == hash && e->key == key)
            return e;
    }
}

static void test_inline_table(void **state)
{
    (void)state;
    FlowInlineTable t = { 0 };
    assert_null(find(&t, 1));
    enum { N = 3000 };
    for (int64_t k = 0; k < N; k++) {
        TestEntry *e = flow_inline_add(&t, sizeof *e, key_hash(k));
        assert_int_equal(e->key, 0);
        assert_int_equal(e->value, 0);
        e->key = k;
        e->value = k * 10;
    }
    assert_int_equal(t.count, N);
    assert_true((uint64_t)t.count * 4 <= (t.mask + 1) * 3);
    /* Remove every third key, then check that every key left is still
     * found with its value, and no removed one is. */
    for (int64_t k = 0; k < N; k += 3) {
        TestEntry *e = find(&t, k);
        assert_non_null(e);
        flow_inline_remove(&t, e);
    }
    assert_int_equal(t.count, N - (N + 2) / 3);
    for (int64_t k = 0; k < N; k++) {
        TestEntry *e = find(&t, k);
        if (k % 3 == 0) {
            assert_null(e);
        } else {
            assert_non_null(e);
            assert_int_equal(e->value, k * 10);
        }
    }
    /* Removing all leaves every entry free. */
    for (int64_t k = 0; k < N; k++)
        if (k % 3)
            flow_inline_remove(&t, find(&t, k));
    assert_int_equal(t.count, 0);
    for (uint64_t i = 0; i <= t.mask; i++)
        assert_int_equal(((TestEntry *)flow_inline_entry(&t, i))->hash, 0);
    flow_inline_free(&t);
    assert_null(t.entries);
}

/* A join's release at shutdown: frees what its rows own (here: counts them)
 * from the FIFO; the pools themselves go after, with the timers. */
typedef struct TestRow {
    void *fifo_next;
    int *owned;
} TestRow;

static int nrows_released;

static void release_rows(void *item)
{
    FlowJoinRows *rows = item;
    for (int side = 0; side < 2; side++)
        while (rows->head[side]) {
            TestRow *row = rows->head[side];
            rows->head[side] = row->fifo_next;
            nrows_released += *row->owned;
            flow_pool_free(&rows->rows, row);
        }
}

static void fire_nothing(FlowRuntime *rt, void *item, int64_t time)
{
    (void)rt, (void)item, (void)time;
}

static const FlowOperatorDef join_def[] = {
    { "join", fire_nothing, release_rows, NULL, NULL, NULL },
};

static void test_join_rows_released_then_freed(void **state)
{
    (void)state;
    Timers t;
    flowrt_timers_init(&t, join_def, 1);
    FlowJoinRows *rows = &t.ops[0].join;
    int one = 1;
    for (int i = 0; i < 5000; i++) {
        int side = i % 2;
        TestRow *row = flow_pool_alloc(&rows->rows, sizeof *row);
        row->fifo_next = NULL;
        row->owned = &one;
        if (rows->tail[side])
            ((TestRow *)rows->tail[side])->fifo_next = row;
        else
            rows->head[side] = row;
        rows->tail[side] = row;
    }
    flow_inline_add(&rows->groups, sizeof(TestEntry), flow_inline_hash(7));
    flowrt_timers_set(&t, 0, 1000, rows);
    nrows_released = 0;
    /* The program stops before the timer: every row reaches release(), and
     * the pools' blocks are freed (the sanitizer build checks for leaks). */
    flowrt_timers_free(&t);
    assert_int_equal(nrows_released, 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_items_apart_and_aligned),
        cmocka_unit_test(test_pool_reuses_freed_items),
        cmocka_unit_test(test_pool_tiny_items),
        cmocka_unit_test(test_pool_blocks_grow_to_huge_pages),
        cmocka_unit_test(test_large_state_memory),
        cmocka_unit_test(test_inline_table),
        cmocka_unit_test(test_join_rows_released_then_freed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
