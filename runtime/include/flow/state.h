/* flow/state.h: what stateful operators (windows) keep between records, and
 * the event-time timers that tell them when to act.
 *
 * State. Tumbling and sliding windows keep their state inline in panes
 * (FlowPane, below): arrays of structs the generated code specialises for
 * the key's types, which it probes itself. Other operators (session windows,
 * dedupe) allocate one item per key and state with flow_state_alloc and
 * index it in a FlowTable: a generic open-addressing hash table of item
 * pointers, with the hash (flow_hash_* of the key fields) and the typed
 * equality supplied by the generated code, so the table never looks inside
 * an item. Strings state keeps are copied with flow_str_keep, because the
 * bytes of a record are only valid while it goes through.
 *
 * Timers. The program declares its stateful operators in topological order
 * (FlowProgram.operators: an operator comes after every operator that feeds
 * it). Each operator has its own timer queue, a min-heap of (time, item)
 * ordered by time and then by the order timers were set, and its own
 * watermark. Whenever the program watermark moves (after each event-time
 * record, after each batch, at the end of a bounded input: +infinity), the
 * runtime visits the operators in that order; for each it first raises the
 * operator's watermark, then calls fire(item, time) for every timer whose time
 * is <= it. So a window's results reach a downstream operator before that
 * one's watermark (and its timers) catch up, exactly like results of a
 * window that fired under a slightly older watermark. An item has at most one
 * pending timer; at shutdown the runtime hands every still-pending item to
 * release(), so nothing leaks when a program stops early. */
#ifndef FLOW_STATE_H
#define FLOW_STATE_H

#include "flow/runtime.h"

/* Exported (libflowrt is built with -fvisibility=hidden: flow/program.h). */
#pragma GCC visibility push(default)

/* ---- Keyed state ------------------------------------------------------------ */

/* Whether an item in the table is the one a probe looks for. */
typedef bool (*FlowMatchFn)(const void *item, const void *probe);

typedef struct FlowTable {
    uint64_t *hashes;    /* 0: empty slot (a hash of 0 is stored as 1) */
    void **items;
    int64_t cap;         /* a power of two, 0 before the first insert */
    int64_t count;
} FlowTable;

/* The item with this hash for which match(item, probe) holds, or NULL. */
void *flow_table_find(const FlowTable *t, uint64_t hash, FlowMatchFn match, const void *probe);
/* Adds an item (the caller made sure no equal item is in the table). */
void flow_table_insert(FlowTable *t, uint64_t hash, void *item);
/* Removes this very item (compared by address), which has this hash. */
void flow_table_remove(FlowTable *t, uint64_t hash, const void *item);
void flow_table_free(FlowTable *t);

/* A copy of s in memory of its own (freed with flow_str_release); an empty
 * string needs no memory. */
FlowStr flow_str_keep(FlowStr s);
void flow_str_release(FlowStr s);

/* Allocation for state, zeroed: never returns NULL (stops the process with
 * a message when memory is exhausted, as no record could be processed any
 * more). flow_state_free gives it back. */
void *flow_state_alloc(size_t size);
void flow_state_free(void *p);
/* The same for large arrays of state probed in random order (pools, inline
 * tables): from 2 MiB on, aligned and advised to be backed by huge pages
 * where the system has them, so that probes miss the TLB less. Freed with
 * flow_state_free too. */
void *flow_state_alloc_large(size_t size);

/* ---- Pools: fixed-size state that comes and goes with every record ----------------- */

/* Items of one size carved from large blocks, with a free list, for state
 * made and freed at the rate of records (an interval join's rows and
 * groups): no malloc per item, no per-item header. Memory of freed items is
 * reused, not given back, until flow_pool_destroy; the pool's peak is the
 * peak of live items. The first flow_pool_alloc fixes the item size. */
typedef struct FlowPool {
    size_t size;              /* item size, a multiple of a pointer's size */
    void *free;               /* freed items, linked through their first bytes */
    unsigned char *next;      /* unused items of the newest block */
    size_t left;              /* how many */
    void *blocks;             /* every block, linked through their first bytes */
    size_t block_bytes;       /* the newest block's size */
} FlowPool;

/* An item of `size` bytes, the sizeof of its type (the same at every
 * call), aligned for that type; not zeroed. */
void *flow_pool_alloc(FlowPool *p, size_t size);
void flow_pool_free(FlowPool *p, void *item);
/* Frees every block (the items need no release of their own by then). */
void flow_pool_destroy(FlowPool *p);

/* ---- Inline tables: structs specialised by the generated code, probed by it ------- */

/* A hash table whose entries are the state itself: structs of `size` bytes
 * the generated code specialises for the key's types, in one array, so that
 * a lookup costs one cache miss, not one for the slot and one for the item.
 * An entry begins with its stored hash (flow_inline_hash: never 0; 0 marks
 * an empty entry). The generated code probes linearly from hash & mask,
 * comparing keys with their own types; it adds and removes with the
 * functions below, which move entries (growth, backward-shift deletion):
 * nothing may keep a pointer to an entry across them. At most 3/4 full. */
typedef struct FlowInlineTable {
    unsigned char *entries;   /* mask + 1 entries; NULL before the first add */
    uint64_t mask;
    int64_t count;
    size_t size;
} FlowInlineTable;

static inline uint64_t flow_inline_hash(uint64_t hash)
{
    return hash ? hash : 1;
}

static inline void *flow_inline_entry(const FlowInlineTable *t, uint64_t i)
{
    return t->entries + i * t->size;
}

/* A new zeroed entry of `size` bytes (the same at every call) with this
 * stored hash, for a key the caller made sure is not in the table. */
void *flow_inline_add(FlowInlineTable *t, size_t size, uint64_t hash);
/* Removes this entry; the caller released what it owns. */
void flow_inline_remove(FlowInlineTable *t, void *entry);
void flow_inline_free(FlowInlineTable *t);

/* ---- Interval join rows ------------------------------------------------------------ */

/* What the runtime keeps for an interval join (one per join operator): the
 * pool of its rows, its groups (one per key with kept rows) inline in a
 * table, and per side the kept rows in arrival order, linked through their
 * first member (a `void *`). Rows are freed from the head of a side's FIFO
 * once the watermark passes their time + within, with one pending timer for
 * the whole join (item: this struct) instead of one per row. The generated
 * code owns the links, the entries and the timer; the runtime frees the
 * pool and the table at shutdown, after release(). */
typedef struct FlowJoinRows {
    FlowPool rows;
    FlowInlineTable groups;
    void *head[2], *tail[2];  /* per side, oldest first; NULL: none */
    bool timer_pending;
} FlowJoinRows;

/* The join state of operator `op`. */
FlowJoinRows *flow_join_rows(FlowRuntime *rt, int op);

/* ---- Panes: tumbling and sliding window state, inline ------------------------------ */

/* A pane is the state of every key over one span of event time: a tumbling
 * window, or one pane of gcd(SIZE, SLIDE) of a sliding window. Its entries
 * are structs the generated code specialises for the key's types (key fields
 * and accumulators inline), kept in an open-addressing table with linear
 * probing, so that finding a key's state costs one cache miss: the probe
 * reads the entries themselves. An entry begins with its uint64_t hash,
 * never 0 (flow_inline_hash), 0 being an empty entry (a sliding window's then
 * with the uint64_t order of its first record, see flow_pane_sort). `order`
 * lists the entries in the order their key got its first record there,
 * which is the order results come out in (flow_pane_entry). The generated
 * code probes the table itself, comparing keys with their own types, and
 * calls flow_pane_add where the probe found an empty entry. Entries move
 * when the table grows: nothing may keep a pointer to one across a
 * flow_pane_add. At most 3/4 full. */
typedef struct FlowPane {
    int64_t start;            /* a window's or a pane's start */
    unsigned char *entries;   /* mask + 1 entries of `size` bytes; hash 0: empty */
    int32_t *order;           /* count indexes of entries, by first record */
    uint64_t mask;            /* number of entries - 1 (a power of two) */
    int64_t count, cap;       /* cap: of order */
    size_t size;
    bool fired;               /* a tumbling window's result was emitted */
    struct FlowPanes *owner;
} FlowPane;

/* The k-th entry of the pane in first-record order, 0 <= k < count. */
static inline void *flow_pane_entry(const FlowPane *p, int64_t k)
{
    return p->entries + (size_t)p->order[k] * p->size;
}

/* A sliding window's marker for one window end with state: the item its
 * timers fire with (a sliding window has one timer per window end, shared by
 * all keys, not one per key). */
typedef struct FlowWindowEnd {
    int64_t end;
    bool fired;
    struct FlowPanes *owner;
    /* Early results: the last row emitted of each key of the window, a pane
     * of flow_pane_alone (NULL until the first); the generated code frees it. */
    struct FlowPane *rows;
} FlowWindowEnd;

/* The panes of one operator, by start, and its window ends. */
typedef struct FlowPanes {
    FlowPane *last;           /* the pane the last record went to: usually the next one's */
    FlowTable by_start;       /* FlowPane items */
    FlowTable ends;           /* FlowWindowEnd items (sliding windows) */
    FlowPane *spare;          /* a freed pane's memory, for the next pane */
    FlowPane merged;          /* scratch: a sliding window's entries put together */
    uint64_t next_order;      /* order of first records (sliding windows) */
    /* The run: for a release function, which gets only its item, to read
     * the params (a sliding window whose durations are params). */
    FlowRuntime *rt;
} FlowPanes;

/* What the generated code of a stateful operator reads on every record:
 * its watermark and its panes. Public so that reading them is not a call;
 * the runtime keeps them in one array, at a fixed address for the whole run,
 * that FlowRuntimeHead.operators (flow/runtime.h) points to. */
typedef struct FlowOperatorHot {
    int64_t watermark;        /* FLOW_TIME_MIN until the first advance */
    FlowPanes panes;
} FlowOperatorHot;

static inline FlowOperatorHot *flow_operator_hot(FlowRuntime *rt, int op)
{
    return &((FlowRuntimeHead *)(void *)rt)->operators[op];
}

/* The panes of operator `op`. */
static inline FlowPanes *flow_panes(FlowRuntime *rt, int op)
{
    return &flow_operator_hot(rt, op)->panes;
}
/* The pane that starts at `start`, or NULL. */
FlowPane *flow_pane_find(FlowPanes *ps, int64_t start);
/* The pane that starts at `start`, made empty (entries of `size` bytes) if
 * there is none: *made tells. It becomes ps->last. */
FlowPane *flow_pane_get(FlowPanes *ps, int64_t start, size_t size, bool *made);
/* A new zeroed entry with this hash (its first 8 bytes set; not 0), at
 * `slot`, the empty entry where the probe for its key ended; it comes last
 * in the pane's order. */
void *flow_pane_add(FlowPane *p, uint64_t slot, uint64_t hash);
/* The operator's scratch pane (entries of `size` bytes), empty: a sliding
 * window puts the entries of a window's panes together in it when it fires.
 * What it owns is released by the caller before the next use. */
FlowPane *flow_pane_scratch(FlowPanes *ps, size_t size);
/* Sorts the pane's order by the uint64_t after each entry's hash (its first
 * record's order), unless it already is; the entries stay where they are. */
void flow_pane_sort(FlowPane *p);
/* Takes the pane out of its operator's panes and frees it; the caller
 * released what its entries own. */
void flow_pane_free(FlowPane *p);
/* A pane of its own (in no operator's panes), empty, with entries of `size`
 * bytes; flow_pane_alone_free frees it, after the caller released what its
 * entries own. */
FlowPane *flow_pane_alone(size_t size);
void flow_pane_alone_free(FlowPane *p);
/* The marker of window end `end`, made (not fired) if there is none: *made tells. */
FlowWindowEnd *flow_window_end_get(FlowPanes *ps, int64_t end, bool *made);
void flow_window_end_free(FlowPanes *ps, FlowWindowEnd *w);
/* Frees the operator's tables and spare memory (at shutdown, after every
 * pane was freed). */
void flow_panes_free(FlowPanes *ps);

/* ---- Event time ------------------------------------------------------------------ */

/* t + d for d >= 0, saturating at FLOW_TIME_MAX: a window near the end of
 * time still fires (at the end of input) instead of wrapping around. */
static inline int64_t flow_time_add(int64_t t, int64_t d)
{
    return t > FLOW_TIME_MAX - d ? FLOW_TIME_MAX : t + d;
}

/* The start of the tumbling window of `size` ms (aligned to the epoch) that
 * holds time t: the largest multiple of size <= t, also for t < 0. */
static inline int64_t flow_window_start(int64_t t, int64_t size)
{
    int64_t r = t % size;
    if (r < 0)
        r += size;
    return t - r;
}

/* The next early-result tick of a window that starts at `start` and fires
 * at `cap` (its end - 1ms): the first k·every + every - 1 at or after start
 * and after `after` (the watermark), and no later than cap
 * (docs/language.md, "Early results"). */
static inline int64_t flow_early_tick(int64_t after, int64_t start, int64_t every, int64_t cap)
{
    if (after >= cap)
        return cap;
    int64_t tick = flow_time_add(flow_window_start(after >= start ? after + 1 : start, every),
                                 every - 1);
    return tick < cap ? tick : cap;
}

/* The exact set of distinct values of count_distinct: one set per (key,
 * window), holding one type of value. Floats are compared like hash() sees
 * them (0.0 and -0.0 alike, every nan alike). */
typedef struct FlowDistinct {
    struct FlowDistinctSlot *slots;
    int64_t cap, count;
    int64_t bytes;       /* of the strings it copied */
} FlowDistinct;

void flow_distinct_add_i64(FlowDistinct *d, int64_t v);
void flow_distinct_add_f64(FlowDistinct *d, double v);
void flow_distinct_add_bool(FlowDistinct *d, bool v);
void flow_distinct_add_str(FlowDistinct *d, FlowStr v);
/* Adds every value of src to d (sliding windows merge their panes' sets). */
void flow_distinct_merge(FlowDistinct *d, const FlowDistinct *src);
void flow_distinct_free(FlowDistinct *d);
/* The memory a set owns, in bytes (the state store's cache counts it). */
size_t flow_distinct_bytes(const FlowDistinct *d);

/* ---- Operators and timers --------------------------------------------------------- */

/* A timer of operator `op` is due: the watermark reached `time`. */
typedef void (*FlowFireFn)(FlowRuntime *rt, void *item, int64_t time);
/* Frees an item whose timer will never fire (the program stopped early). */
typedef void (*FlowReleaseFn)(void *item);

/* Saves operator `op`'s state into a checkpoint, and builds it again from
 * one on an empty operator, timers included (flow/checkpoint.h). */
struct FlowCkptOut;
struct FlowCkptIn;
typedef void (*FlowSnapshotFn)(FlowRuntime *rt, int op, struct FlowCkptOut *out);
typedef void (*FlowRestoreFn)(FlowRuntime *rt, int op, struct FlowCkptIn *in);

/* How far behind the program watermark an operator's watermark stays. */
typedef int64_t (*FlowHoldFn)(FlowRuntime *rt);

typedef struct FlowOperatorDef {
    const char *name;      /* "window at clicks.flow:12:5", for messages */
    FlowFireFn fire;
    FlowReleaseFn release;
    FlowSnapshotFn snapshot; /* both NULL in a program without checkpoints */
    FlowRestoreFn restore;
    /* NULL, or the hold of an operator after an outer interval join: the
     * join emits a record without a match, at its own time t, once the
     * watermark reaches t + within, so whatever reads the join sees the
     * watermark `within` later (the sum over joins in a row; the largest
     * over inputs); docs/language.md, "join ... within". */
    FlowHoldFn hold;
} FlowOperatorDef;

/* The state table of operator `op` (its index in FlowProgram.operators). */
FlowTable *flow_state_table(FlowRuntime *rt, int op);
/* Calls fire(item, time) once the watermark of operator `op` reaches `time`.
 * Timers with the same time fire in the order they were set. */
void flow_timer_set(FlowRuntime *rt, int op, int64_t time, void *item);
/* The earliest time of operator `op`'s pending timers, FLOW_TIME_MAX when
 * it has none (an outer interval join sets a second timer for a row earlier
 * than its pending one). */
int64_t flow_timer_next(FlowRuntime *rt, int op);
/* The watermark operator `op` has seen: records arriving now are compared
 * with it to tell whether they are late. */
static inline int64_t flow_operator_watermark(FlowRuntime *rt, int op)
{
    return flow_operator_hot(rt, op)->watermark;
}
/* A record came too late for every window it belongs to and is dropped: it
 * is counted in the summary's `late`. */
void flow_late_record(FlowRuntime *rt);

#pragma GCC visibility pop

#endif
