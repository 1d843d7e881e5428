/* baseline_nexmark.c: the hand-written C programs that run_nexmark_bench.sh
 * compares flowc's Nexmark queries with (tests/bench/nexmark/q1, q2, q5,
 * q7.flow). Each makes the same bids with the same generator code
 * (runtime/include/flow/nexmark.h, the fields its .flow declares, each in
 * its buffer as a source would hand them over) and does the query's work as
 * plain fast C would, writing the same rows (q5 and q7 in another order:
 * the script compares them sorted).
 *
 *   baseline_nexmark q1|q2|q5|q7 EVENTS EVENTS_PER_SECOND SEED
 *
 * Output goes to stdout through baseline.h's 256 KiB buffer. */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "flow/nexmark.h"

/* Room for one output row of at most n bytes. */
static char *out_reserve(size_t n)
{
    if (out_len + n > sizeof out_buf)
        out_flush();
    return out_buf + out_len;
}

/* Shortest text that reads back to v, as flowc writes float64 (the same
 * rule as baseline_where_select.c's): integral values as integers, else the
 * first of %.15g, %.16g, %.17g that round-trips. Prices are finite. */
static char *put_float64(char *o, double v)
{
    if (fabs(v) < 1e15 && v == (double)(int64_t)v)
        return put_int64(o, (int64_t)v);
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(o, 32, "%.*g", prec, v);
        if (prec == 17 || strtod(o, NULL) == v)
            break;
    }
    return o + n;
}

static void put_text(const char *s)
{
    size_t n = strlen(s);
    memcpy(out_reserve(n), s, n);
    out_len += n;
}

/* ---- q1: every bid, its price in euros ---------------------------------------------- */

static void q1(const FlowNexmark *nx, int64_t bids)
{
    put_text("auction,bidder,price,date_time,extra\n");
    char extra[FLOW_NX_BID_EXTRA_MAX];
    for (int64_t k = 0; k < bids; k++) {
        int64_t e = flow_nx_event(FLOW_NX_BID, k);
        int64_t auction = flow_nx_bid_auction(nx, e), bidder = flow_nx_bid_bidder(nx, e);
        int64_t price = flow_nx_bid_price(nx, e), t = flow_nx_bid_date_time(nx, e);
        int n = flow_nx_bid_extra(nx, e, extra);
        char *o = out_reserve(128 + (size_t)n), *start = o;
        o = put_int64(o, auction);
        *o++ = ',';
        o = put_int64(o, bidder);
        *o++ = ',';
        o = put_float64(o, 0.908 * (double)price);
        *o++ = ',';
        o = put_timestamp(o, t);
        *o++ = ',';
        memcpy(o, extra, (size_t)n);
        o += n;
        *o++ = '\n';
        out_len += (size_t)(o - start);
    }
}

/* ---- q2: the bids on every 123rd auction --------------------------------------------- */

static void q2(const FlowNexmark *nx, int64_t bids)
{
    put_text("auction,price\n");
    int64_t seen = 0;
    for (int64_t k = 0; k < bids; k++) {
        int64_t e = flow_nx_event(FLOW_NX_BID, k);
        int64_t auction = flow_nx_bid_auction(nx, e), price = flow_nx_bid_price(nx, e);
        seen += flow_nx_bid_date_time(nx, e); /* made, as the source makes it */
        if (auction % 123 != 0)
            continue;
        char *o = out_reserve(48), *start = o;
        o = put_int64(o, auction);
        *o++ = ',';
        o = put_int64(o, price);
        *o++ = '\n';
        out_len += (size_t)(o - start);
    }
    if (seen == 42) /* keeps the times made: never true */
        put_text("");
}

/* ---- q5: the auctions with the most bids per sliding window --------------------------- */

/* Counts per auction: open addressing, linear probing, grown at half full. */
typedef struct Counts {
    int64_t *key;
    int64_t *n;
    size_t cap, used;
} Counts;

static void counts_add(Counts *c, int64_t key, int64_t n);

static void counts_grow(Counts *c)
{
    Counts bigger = { 0 };
    bigger.cap = c->cap ? c->cap * 2 : 1024;
    bigger.key = malloc(bigger.cap * sizeof *bigger.key);
    bigger.n = calloc(bigger.cap, sizeof *bigger.n);
    if (!bigger.key || !bigger.n) {
        perror("malloc");
        exit(1);
    }
    for (size_t i = 0; i < c->cap; i++)
        if (c->n[i])
            counts_add(&bigger, c->key[i], c->n[i]);
    free(c->key);
    free(c->n);
    *c = bigger;
}

static void counts_add(Counts *c, int64_t key, int64_t n)
{
    if (2 * (c->used + 1) > c->cap)
        counts_grow(c);
    size_t i = (size_t)mix64((uint64_t)key) & (c->cap - 1);
    while (c->n[i] && c->key[i] != key)
        i = (i + 1) & (c->cap - 1);
    if (!c->n[i]) {
        c->key[i] = key;
        c->used++;
    }
    c->n[i] += n;
}

static void counts_clear(Counts *c)
{
    if (c->cap)
        memset(c->n, 0, c->cap * sizeof *c->n);
    c->used = 0;
}

#define Q5_SLIDE 2000
#define Q5_PANES 5 /* 10 s */

/* The window that ends with pane `end` (exclusive): its panes' counts
 * merged, then the auctions at the largest. */
static void q5_fire(Counts *panes, int64_t end, Counts *merged)
{
    counts_clear(merged);
    for (int64_t p = end - Q5_PANES; p < end; p++) {
        Counts *c = &panes[((p % Q5_PANES) + Q5_PANES) % Q5_PANES];
        for (size_t i = 0; i < c->cap; i++)
            if (c->n[i])
                counts_add(merged, c->key[i], c->n[i]);
    }
    int64_t top = 0;
    for (size_t i = 0; i < merged->cap; i++)
        top = merged->n[i] > top ? merged->n[i] : top;
    for (size_t i = 0; i < merged->cap && top > 0; i++) {
        if (merged->n[i] != top)
            continue;
        char *o = out_reserve(96), *start = o;
        o = put_int64(o, merged->key[i]);
        *o++ = ',';
        o = put_int64(o, top);
        *o++ = ',';
        o = put_timestamp(o, (end - Q5_PANES) * Q5_SLIDE);
        *o++ = ',';
        o = put_timestamp(o, end * Q5_SLIDE);
        *o++ = '\n';
        out_len += (size_t)(o - start);
    }
}

static void q5(const FlowNexmark *nx, int64_t bids)
{
    put_text("auction,num,window_start,window_end\n");
    Counts panes[Q5_PANES] = { { 0 } }, merged = { 0 };
    int64_t pane = INT64_MIN; /* the pane of the latest bid */
    for (int64_t k = 0; k < bids; k++) {
        int64_t e = flow_nx_event(FLOW_NX_BID, k);
        int64_t auction = flow_nx_bid_auction(nx, e), t = flow_nx_bid_date_time(nx, e);
        int64_t p = t / Q5_SLIDE;
        if (p != pane) {
            /* The windows that end by p close; each frees the slot of the
             * pane that ends with it, which is the next pane's. */
            for (int64_t end = pane + 1; pane != INT64_MIN && end <= p && end <= pane + Q5_PANES;
                 end++) {
                q5_fire(panes, end, &merged);
                counts_clear(&panes[end % Q5_PANES]);
            }
            pane = p;
        }
        counts_add(&panes[p % Q5_PANES], auction, 1);
    }
    for (int64_t end = pane + 1; pane != INT64_MIN && end <= pane + Q5_PANES; end++) {
        q5_fire(panes, end, &merged);
        counts_clear(&panes[end % Q5_PANES]);
    }
}

/* ---- q7: the bids at the highest price of each 10 s window ----------------------------- */

typedef struct Q7Bid {
    int64_t auction, price, bidder, date_time;
    int extra_len;
    char extra[FLOW_NX_BID_EXTRA_MAX];
} Q7Bid;

static void q7_fire(const Q7Bid *top, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const Q7Bid *b = &top[i];
        char *o = out_reserve(128 + (size_t)b->extra_len), *start = o;
        o = put_int64(o, b->auction);
        *o++ = ',';
        o = put_int64(o, b->price);
        *o++ = ',';
        o = put_int64(o, b->bidder);
        *o++ = ',';
        o = put_timestamp(o, b->date_time);
        *o++ = ',';
        memcpy(o, b->extra, (size_t)b->extra_len);
        o += b->extra_len;
        *o++ = '\n';
        out_len += (size_t)(o - start);
    }
}

static void q7(const FlowNexmark *nx, int64_t bids)
{
    put_text("auction,price,bidder,date_time,extra\n");
    size_t cap = 16, n = 0;
    Q7Bid *top = malloc(cap * sizeof *top);
    if (!top) {
        perror("malloc");
        exit(1);
    }
    int64_t window = INT64_MIN, high = -1, last_end = INT64_MIN, last_high = -1;
    char extra[FLOW_NX_BID_EXTRA_MAX];
    for (int64_t k = 0; k < bids; k++) {
        int64_t e = flow_nx_event(FLOW_NX_BID, k);
        Q7Bid b = { flow_nx_bid_auction(nx, e), flow_nx_bid_price(nx, e),
                    flow_nx_bid_bidder(nx, e), flow_nx_bid_date_time(nx, e), 0, { 0 } };
        int len = flow_nx_bid_extra(nx, e, extra);
        if (b.date_time / 10000 != window) {
            q7_fire(top, n);
            n = 0;
            last_end = (window + 1) * 10000;
            last_high = high;
            high = -1;
            window = b.date_time / 10000;
        }
        b.extra_len = len;
        memcpy(b.extra, extra, (size_t)len);
        /* Flink's bounds include the window's end: a bid exactly there at
         * the window's highest price pairs with it too. */
        if (b.date_time == last_end && b.price == last_high)
            q7_fire(&b, 1);
        if (b.price < high)
            continue;
        if (b.price > high) {
            n = 0;
            high = b.price;
        }
        if (n == cap && !(top = realloc(top, (cap *= 2) * sizeof *top))) {
            perror("realloc");
            exit(1);
        }
        top[n++] = b;
    }
    q7_fire(top, n);
    free(top);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: baseline_nexmark q1|q2|q5|q7 EVENTS EVENTS_PER_SECOND SEED\n");
        return 2;
    }
    const FlowNexmark nx = { flow_gen_mix64((uint64_t)strtoll(argv[4], NULL, 10)),
                             strtoll(argv[3], NULL, 10) };
    int64_t bids = flow_nx_count(FLOW_NX_BID, strtoll(argv[2], NULL, 10));
    if (strcmp(argv[1], "q1") == 0)
        q1(&nx, bids);
    else if (strcmp(argv[1], "q2") == 0)
        q2(&nx, bids);
    else if (strcmp(argv[1], "q5") == 0)
        q5(&nx, bids);
    else if (strcmp(argv[1], "q7") == 0)
        q7(&nx, bids);
    else {
        fprintf(stderr, "baseline_nexmark: no query %s\n", argv[1]);
        return 2;
    }
    out_flush();
    return 0;
}
