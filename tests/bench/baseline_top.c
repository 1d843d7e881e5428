/* baseline_top.c: the hand-written C program that run_top_bench.sh compares
 * flowc's window top-N with. It does the work of bench_top.flow as plain
 * fast C would, for an input in event-time order:
 *
 *   key by user_id | window tumbling 1s | aggregate n = count(), total = sum(v)
 *     | top 10 by total desc
 *
 * over the records of generator(count, seed = 1, keys = 10000,
 * events_per_second = 1000000) (the algorithm of libflowrt, constants
 * folded in as flowc's generated code has them), and writes the same CSV:
 * `user_id,window_start,window_end,n,total,rank`. One open-addressing hash
 * map from user_id to the key's count and sum in the current window, the
 * keys listed in the order of their first record in it; when the first
 * record past the window's end arrives (and at the end of the input) one
 * pass over that list keeps the ten best in a sorted array (a key ranks
 * below the keys before it of the same total, as flowc's top ranks equal
 * results in the order the window emits them), and they go out.
 *
 *   baseline_top COUNT
 *
 * Output goes to stdout through one 256 KiB buffer and write(2). */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"

enum { SEED = 1, KEYS = 10000, EVENTS_PER_SECOND = 1000000, WINDOW_MS = 1000, TOP = 10 };
#define GEN_EPOCH_MS INT64_C(1704067200000) /* 2024-01-01T00:00:00.000Z */

typedef struct Entry {
    int64_t user_id;
    int64_t window;     /* the window its count and sum belong to */
    int64_t count, sum;
} Entry;

static Entry *entries;    /* dense, in the order the keys first appeared */
static int32_t *slots;    /* open addressing: index into entries, -1 empty */
static size_t nentries, slot_mask;
static int32_t *order;    /* the keys of the current window, by first record */
static size_t norder;
static int64_t written;

static Entry *lookup(int64_t user_id)
{
    size_t i = (size_t)mix64((uint64_t)user_id) & slot_mask;
    for (;; i = (i + 1) & slot_mask) {
        int32_t e = slots[i];
        if (e < 0)
            break;
        if (entries[e].user_id == user_id)
            return &entries[e];
    }
    Entry *e = &entries[nentries];
    memset(e, 0, sizeof *e);
    e->user_id = user_id;
    e->window = INT64_MIN;
    slots[i] = (int32_t)nentries++;
    return e;
}

static void fire(int64_t window)
{
    const Entry *best[TOP];
    int nbest = 0;
    for (size_t i = 0; i < norder; i++) {
        const Entry *e = &entries[order[i]];
        if (nbest == TOP && e->sum <= best[TOP - 1]->sum)
            continue;
        int k = nbest < TOP ? nbest++ : TOP - 1;
        while (k > 0 && best[k - 1]->sum < e->sum) {
            best[k] = best[k - 1];
            k--;
        }
        best[k] = e;
    }
    char text[64];
    char *t = put_timestamp(text, window * WINDOW_MS);
    *t++ = ',';
    t = put_timestamp(t, window * WINDOW_MS + WINDOW_MS);
    size_t text_len = (size_t)(t - text);
    for (int k = 0; k < nbest; k++) {
        if (out_len + 24 + text_len + 3 * 24 + 8 > sizeof out_buf)
            out_flush();
        char *o = out_buf + out_len;
        o = put_int64(o, best[k]->user_id);
        *o++ = ',';
        memcpy(o, text, text_len);
        o += text_len;
        *o++ = ',';
        o = put_int64(o, best[k]->count);
        *o++ = ',';
        o = put_int64(o, best[k]->sum);
        *o++ = ',';
        o = put_int64(o, k + 1);
        *o++ = '\n';
        out_len = (size_t)(o - out_buf);
        written++;
    }
    norder = 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s COUNT\n", argv[0]);
        return 2;
    }
    int64_t count = strtoll(argv[1], NULL, 10);
    slot_mask = 2 * 16384 - 1;
    slots = malloc((slot_mask + 1) * sizeof *slots);
    entries = malloc((slot_mask + 1) / 2 * sizeof *entries);
    order = malloc((slot_mask + 1) / 2 * sizeof *order);
    if (!slots || !entries || !order) {
        perror("malloc");
        return 1;
    }
    memset(slots, 0xff, (slot_mask + 1) * sizeof *slots);

    static const char header[] = "user_id,window_start,window_end,n,total,rank\n";
    memcpy(out_buf, header, sizeof header - 1);
    out_len = sizeof header - 1;

    uint64_t mixed_seed = mix64((uint64_t)SEED);
    int64_t current = INT64_MIN;
    for (int64_t n = 0; n < count; n++) {
        uint64_t state = mix64(mixed_seed + mix64((uint64_t)n));
        int64_t user_id = (int64_t)uniform(&state, KEYS);
        int32_t v = (int32_t)uniform(&state, KEYS);
        int64_t window = (GEN_EPOCH_MS + n * 1000 / EVENTS_PER_SECOND) / WINDOW_MS;
        if (window != current) {
            if (current != INT64_MIN)
                fire(current);
            current = window;
        }
        Entry *e = lookup(user_id);
        if (e->window != window) {
            e->window = window;
            e->count = e->sum = 0;
            order[norder++] = (int32_t)(e - entries);
        }
        e->count++;
        e->sum += v;
    }
    if (current != INT64_MIN)
        fire(current);
    out_flush();
    fprintf(stderr, "baseline: %lld records generated, %lld written\n", (long long)count,
            (long long)written);
    free(entries);
    free(slots);
    free(order);
    return 0;
}
