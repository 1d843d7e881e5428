/* rt_state_pane.c: the panes that hold tumbling and sliding window state
 * inline (flow/state.h): entries in first-record order through growth and
 * rehashing, keys that share a hash, the last-pane shortcut, spare memory
 * reused empty, sorting by first-record order, window-end markers; and the
 * timer round's shortcut when the watermark did not move. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "flow/value.h"
#include "timer.h"

/* An entry as the generated code lays it out: hash, order, key, accumulator. */
typedef struct Entry {
    uint64_t hash;
    uint64_t order;
    int64_t key;
    int64_t count;
} Entry;

/* Few distinct hashes, so that many keys share one and probes run long
 * (one of them 0 before flow_inline_hash). */
static uint64_t hash_of(int64_t key)
{
    return flow_inline_hash((uint64_t)(key % 7) * 0x9E3779B97F4A7C15ULL);
}

/* The probe the generated code does: NULL and the empty entry, or the entry. */
static Entry *find(const FlowPane *p, int64_t key, uint64_t *slot)
{
    Entry *entries = (Entry *)(void *)p->entries;
    uint64_t h = hash_of(key), i = h & p->mask;
    for (; entries[i].hash; i = (i + 1) & p->mask)
        if (entries[i].hash == h && entries[i].key == key)
            return &entries[i];
    *slot = i;
    return NULL;
}

static Entry *find_or_add(FlowPane *p, int64_t key)
{
    uint64_t slot = 0;
    Entry *e = find(p, key, &slot);
    if (!e) {
        e = flow_pane_add(p, slot, hash_of(key));
        assert_true(e->hash == hash_of(key) && e->count == 0);
        e->key = key;
    }
    e->count++;
    return e;
}

static void test_entries(void **state)
{
    (void)state;
    FlowPanes ps = { 0 };
    bool made;
    FlowPane *p = flow_pane_get(&ps, 1000, sizeof(Entry), &made);
    assert_true(made && ps.last == p && p->start == 1000 && p->count == 0);
    /* Keys 0..2999 in a scrambled order, then each once more. */
    for (int64_t i = 0; i < 3000; i++)
        find_or_add(p, (i * 7919) % 3000);
    for (int64_t i = 0; i < 3000; i++)
        assert_int_equal(find_or_add(p, i)->count, 2);
    assert_int_equal(p->count, 3000);
    assert_true((uint64_t)p->count * 4 <= (p->mask + 1) * 3);
    /* First-record order kept through every growth, each entry found where
     * the order says. */
    for (int64_t i = 0; i < 3000; i++) {
        const Entry *e = flow_pane_entry(p, i);
        assert_true(e->key == (i * 7919) % 3000 && e->count == 2);
        uint64_t slot = 0;
        assert_ptr_equal(find(p, e->key, &slot), e);
    }
    uint64_t slot = 0;
    assert_null(find(p, 3000, &slot));
    assert_true(((const Entry *)(void *)p->entries)[slot].hash == 0);

    /* A second pane; the first is still found by its start. */
    FlowPane *q = flow_pane_get(&ps, 2000, sizeof(Entry), &made);
    assert_true(made && q != p && ps.last == q);
    assert_ptr_equal(flow_pane_find(&ps, 1000), p);
    assert_ptr_equal(flow_pane_get(&ps, 1000, sizeof(Entry), &made), p);
    assert_false(made);
    assert_null(flow_pane_find(&ps, 3000));

    /* Freed, its memory comes back empty for the next pane. */
    flow_pane_free(p);
    assert_null(ps.last);
    assert_null(flow_pane_find(&ps, 1000));
    FlowPane *r = flow_pane_get(&ps, 3000, sizeof(Entry), &made);
    assert_true(made && r == p && r->count == 0 && !r->fired);
    assert_null(find(r, 5, &slot));
    assert_int_equal(find_or_add(r, 5)->count, 1);
    flow_pane_free(q);
    flow_pane_free(r);
    flow_panes_free(&ps);
}

static void test_scratch_sort(void **state)
{
    (void)state;
    FlowPanes ps = { 0 };
    FlowPane *m = flow_pane_scratch(&ps, sizeof(Entry));
    static const uint64_t orders[] = { 40, 3, 17, 99, 0, 18 };
    for (int i = 0; i < 6; i++)
        find_or_add(m, i)->order = orders[i];
    flow_pane_sort(m);
    for (int i = 1; i < 6; i++)
        assert_true(((const Entry *)flow_pane_entry(m, i - 1))->order <
                    ((const Entry *)flow_pane_entry(m, i))->order);
    assert_true(((const Entry *)flow_pane_entry(m, 0))->key == 4 &&
                ((const Entry *)flow_pane_entry(m, 5))->key == 3);
    /* The entries stayed where they were: still found by their key. */
    for (int i = 0; i < 6; i++) {
        uint64_t slot = 0;
        assert_non_null(find(m, i, &slot));
    }
    /* Reused empty. */
    m = flow_pane_scratch(&ps, sizeof(Entry));
    assert_int_equal(m->count, 0);
    uint64_t slot = 0;
    assert_null(find(m, 4, &slot));
    flow_panes_free(&ps);
}

static void test_window_ends(void **state)
{
    (void)state;
    FlowPanes ps = { 0 };
    bool made;
    FlowWindowEnd *a = flow_window_end_get(&ps, 60000, &made);
    assert_true(made && a->end == 60000 && !a->fired && a->owner == &ps);
    a->fired = true;
    FlowWindowEnd *b = flow_window_end_get(&ps, 61000, &made);
    assert_true(made && b != a);
    assert_ptr_equal(flow_window_end_get(&ps, 60000, &made), a);
    assert_false(made);
    flow_window_end_free(&ps, a);
    a = flow_window_end_get(&ps, 60000, &made);
    assert_true(made && !a->fired);
    flow_window_end_free(&ps, a);
    flow_window_end_free(&ps, b);
    flow_panes_free(&ps);
}

/* The ticks of early results: k*every + every - 1 after the watermark, from
 * the window's start, never past its end - 1ms (docs/language.md, "Early
 * results"). */
static void test_early_tick(void **state)
{
    (void)state;
    /* A window [60 000, 120 000) ticking every 10s. */
    assert_int_equal(flow_early_tick(FLOW_TIME_MIN, 60000, 10000, 119999), 69999);
    assert_int_equal(flow_early_tick(59000, 60000, 10000, 119999), 69999);
    assert_int_equal(flow_early_tick(69998, 60000, 10000, 119999), 69999);
    assert_int_equal(flow_early_tick(69999, 60000, 10000, 119999), 79999);
    assert_int_equal(flow_early_tick(105000, 60000, 10000, 119999), 109999);
    assert_int_equal(flow_early_tick(110000, 60000, 10000, 119999), 119999);
    assert_int_equal(flow_early_tick(119999, 60000, 10000, 119999), 119999);
    assert_int_equal(flow_early_tick(FLOW_TIME_MAX, 60000, 10000, 119999), 119999);
    /* Before the epoch, and a start that is not on a tick (a session). */
    assert_int_equal(flow_early_tick(-25000, -30000, 10000, -1), -20001);
    assert_int_equal(flow_early_tick(FLOW_TIME_MIN, 61234, 10000, 90000), 69999);
    /* At the end of time. */
    assert_int_equal(flow_early_tick(FLOW_TIME_MAX - 5, FLOW_TIME_MAX - 100, 1000, FLOW_TIME_MAX),
                     FLOW_TIME_MAX);
}

/* A pane of its own: entries like any pane's, in no operator's table. */
static void test_pane_alone(void **state)
{
    (void)state;
    FlowPane *p = flow_pane_alone(sizeof(Entry));
    for (int64_t k = 0; k < 100; k++)
        find_or_add(p, k);
    find_or_add(p, 5);
    assert_int_equal(p->count, 100);
    uint64_t slot = 0;
    assert_int_equal(find(p, 5, &slot)->count, 2);
    assert_null(find(p, 100, &slot));
    assert_null(p->owner);
    flow_pane_alone_free(p);
    flow_pane_alone_free(NULL);
}

static int nfired;
static int64_t last_time;

static void fire(FlowRuntime *rt, void *item, int64_t time)
{
    (void)rt;
    (void)item;
    nfired++;
    last_time = time;
}

static void release(void *item)
{
    (void)item;
}

/* A round that would neither raise a watermark nor fire a timer is skipped,
 * but a timer set at or before the current watermark still fires at the
 * next round, even when the watermark stays where it is. */
static void test_round_shortcut(void **state)
{
    (void)state;
    static const FlowOperatorDef defs[] = { { "op", fire, release, NULL, NULL, NULL } };
    Timers t;
    flowrt_timers_init(&t, defs, 1);
    nfired = 0;
    int item = 0;
    flowrt_timers_set(&t, 0, 999, &item);
    flowrt_timers_advance(&t, NULL, 500);
    assert_int_equal(nfired, 0);
    assert_true(t.hot[0].watermark == 500 && t.earliest == 999);
    flowrt_timers_advance(&t, NULL, 500);
    assert_int_equal(nfired, 0);
    flowrt_timers_set(&t, 0, 400, &item); /* already due */
    flowrt_timers_advance(&t, NULL, 500);
    assert_true(nfired == 1 && last_time == 400);
    assert_true(t.earliest == 999);
    flowrt_timers_advance(&t, NULL, 999);
    assert_true(nfired == 2 && last_time == 999);
    assert_true(t.earliest == FLOW_TIME_MAX);
    flowrt_timers_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries),
        cmocka_unit_test(test_scratch_sort),
        cmocka_unit_test(test_window_ends),
        cmocka_unit_test(test_early_tick),
        cmocka_unit_test(test_pane_alone),
        cmocka_unit_test(test_round_shortcut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
