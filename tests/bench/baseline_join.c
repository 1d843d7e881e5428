/* baseline_join.c: the hand-written C program that run_join_bench.sh
 * compares flowc's generated interval join with. It does the work of
 * bench_join.flow as plain fast C would, for two inputs in event-time order
 * (the generator without disorder, watermark 0s):
 *
 *   lefts as l | key by user_id | join rights as r on l.user_id == r.user_id within 1m
 *              | select user_id = l.user_id, lv = l.v, rv = r.v
 *
 * over generator(count, seed = 1 and 2, keys = 1000000, events_per_second =
 * 10000) (same algorithm as libflowrt). The two inputs are merged by time;
 * each record is paired with the kept rows of its key on the other side,
 * then kept. Rows live in one pool; per side, one open-addressing hash map
 * from user_id to the key's FIFO list of rows, and one FIFO of all rows in
 * time order: a row goes as soon as the time reaches its time + 1 minute
 * (it is the head of its key's list then, as every list is in time order).
 * Pairs come in another order than flowc's (which reads the inputs in
 * batches), so the benchmark compares the outputs sorted.
 *
 *   baseline_join COUNT
 *
 * Output goes to stdout through one 256 KiB buffer and write(2). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"

enum { KEYS = 1000000, EVENTS_PER_SECOND = 10000 };
#define WITHIN_MS INT64_C(60000)
#define GEN_EPOCH_MS INT64_C(1704067200000) /* 2024-01-01T00:00:00.000Z */

/* ---- output -------------------------------------------------------------- */

static void put_pair(int64_t user_id, int32_t lv, int32_t rv)
{
    if (out_len + 64 > sizeof out_buf)
        out_flush();
    char *o = out_buf + out_len;
    o = put_int64(o, user_id);
    *o++ = ',';
    o = put_int64(o, lv);
    *o++ = ',';
    o = put_int64(o, rv);
    *o++ = '\n';
    out_len = (size_t)(o - out_buf);
}

/* ---- the generator (the algorithm of flow/generator.h) ------------- */

typedef struct Record {
    int64_t user_id, ts;
    int32_t v;
} Record;

/* Record n of generator(seed): the fields in schema order. */
static Record generate(uint64_t seed, int64_t n)
{
    uint64_t state = mix64(mix64(seed) + mix64((uint64_t)n));
    Record r;
    r.user_id = (int64_t)uniform(&state, KEYS);
    r.v = (int32_t)uniform(&state, KEYS);
    r.ts = GEN_EPOCH_MS + n * 1000 / EVENTS_PER_SECOND;
    return r;
}

/* ---- rows, per-key lists, per-side FIFOs ----------------------------------- */

typedef struct Row {
    int64_t ts;
    int32_t v;
    int32_t next;       /* the key's next row on the same side, -1: none */
    int32_t key;        /* index of the key's entry in the side's map */
} Row;

typedef struct Entry {
    int64_t user_id;    /* -1: empty slot */
    int32_t head, tail; /* the key's rows, oldest first; -1: none */
} Entry;

typedef struct Side {
    Entry *map;         /* open addressing, never shrinks (keys are bounded) */
    size_t mask;
    int32_t *fifo;      /* every kept row of the side, in time order (a ring) */
    size_t fifo_head, fifo_len, fifo_cap;
} Side;

static Row *rows;
static int32_t *free_rows;
static size_t nrows, rows_cap, nfree;

static int32_t row_alloc(void)
{
    if (nfree)
        return free_rows[--nfree];
    if (nrows == rows_cap) {
        rows_cap = rows_cap ? 2 * rows_cap : 1 << 16;
        rows = realloc(rows, rows_cap * sizeof *rows);
        free_rows = realloc(free_rows, rows_cap * sizeof *free_rows);
        if (!rows || !free_rows) {
            perror("realloc");
            exit(1);
        }
    }
    return (int32_t)nrows++;
}

static void side_init(Side *s)
{
    size_t cap = 1;
    while (cap < 2 * (size_t)KEYS)
        cap <<= 1;
    s->map = malloc(cap * sizeof *s->map);
    if (!s->map) {
        perror("malloc");
        exit(1);
    }
    for (size_t i = 0; i < cap; i++)
        s->map[i] = (Entry){ -1, -1, -1 };
    s->mask = cap - 1;
    s->fifo = NULL;
    s->fifo_head = s->fifo_len = s->fifo_cap = 0;
}

static Entry *side_find(Side *s, int64_t user_id, int create)
{
    for (size_t i = (size_t)mix64((uint64_t)user_id) & s->mask;; i = (i + 1) & s->mask) {
        if (s->map[i].user_id == user_id)
            return &s->map[i];
        if (s->map[i].user_id < 0) {
            if (!create)
                return NULL;
            s->map[i].user_id = user_id;
            return &s->map[i];
        }
    }
}

static void fifo_push(Side *s, int32_t row)
{
    if (s->fifo_len == s->fifo_cap) {
        size_t cap = s->fifo_cap ? 2 * s->fifo_cap : 1 << 16;
        int32_t *f = malloc(cap * sizeof *f);
        if (!f) {
            perror("malloc");
            exit(1);
        }
        for (size_t i = 0; i < s->fifo_len; i++)
            f[i] = s->fifo[(s->fifo_head + i) % s->fifo_cap];
        free(s->fifo);
        s->fifo = f;
        s->fifo_head = 0;
        s->fifo_cap = cap;
    }
    s->fifo[(s->fifo_head + s->fifo_len++) % s->fifo_cap] = row;
}

/* Rows older than `now - within` can meet no record to come. */
static void evict(Side *s, int64_t now)
{
    while (s->fifo_len && rows[s->fifo[s->fifo_head]].ts < now - WITHIN_MS) {
        int32_t r = s->fifo[s->fifo_head];
        s->fifo_head = (s->fifo_head + 1) % s->fifo_cap;
        s->fifo_len--;
        Entry *e = &s->map[rows[r].key];
        e->head = rows[r].next;
        if (e->head < 0)
            e->tail = -1;
        free_rows[nfree++] = r;
    }
}

static void arrive(Side *self, Side *other, const Record *rec, int is_left)
{
    evict(other, rec->ts);
    evict(self, rec->ts);
    Entry *o = side_find(other, rec->user_id, 0);
    if (o)
        for (int32_t r = o->head; r >= 0; r = rows[r].next)
            put_pair(rec->user_id, is_left ? rec->v : rows[r].v, is_left ? rows[r].v : rec->v);
    Entry *e = side_find(self, rec->user_id, 1);
    int32_t r = row_alloc();
    rows[r] = (Row){ rec->ts, rec->v, -1, (int32_t)(e - self->map) };
    if (e->tail >= 0)
        rows[e->tail].next = r;
    else
        e->head = r;
    e->tail = r;
    fifo_push(self, r);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: baseline_join COUNT\n");
        return 2;
    }
    int64_t count = strtoll(argv[1], NULL, 10);
    Side left, right;
    side_init(&left);
    side_init(&right);
    static const char header[] = "user_id,lv,rv\n";
    memcpy(out_buf, header, sizeof header - 1);
    out_len = sizeof header - 1;
    int64_t nl = 0, nr = 0;
    Record l = generate(1, 0), r = generate(2, 0);
    while (nl < count || nr < count) {
        if (nr >= count || (nl < count && l.ts <= r.ts)) {
            arrive(&left, &right, &l, 1);
            if (++nl < count)
                l = generate(1, nl);
        } else {
            arrive(&right, &left, &r, 0);
            if (++nr < count)
                r = generate(2, nr);
        }
    }
    out_flush();
    return 0;
}
