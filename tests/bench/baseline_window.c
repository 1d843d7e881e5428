/* baseline_window.c: the hand-written C program that run_window_bench.sh
 * compares flowc's generated windows with. It does the work of
 * bench_tumbling.flow and bench_sliding.flow as plain fast C would, for an
 * input in event-time order (the generator without disorder, watermark 0s):
 *
 *   key by user_id | window tumbling 1s          | aggregate n = count(), total = sum(v)
 *   key by user_id | window sliding 60s every 1s | aggregate n = count(), total = sum(v)
 *
 * over the records of generator(count, seed = 1, keys = 10000,
 * events_per_second = 1000000) (same algorithm as libflowrt), and writes the
 * same CSV. One open-addressing hash map from user_id to the key's
 * aggregates: for the tumbling window the count and sum of the current
 * second, for the sliding window a ring of 60 one-second panes and their
 * running total. A window is emitted when the first record past its end
 * arrives, and every open window at the end of the input.
 *
 * Tumbling results come in the order flowc gives them (by window, then by
 * the key's first record in it); sliding results of one window come in the
 * order the keys first appeared in the whole input, not in that window as
 * flowc's do, so the benchmark compares those sorted.
 *
 *   baseline_window tumbling|sliding COUNT
 *   baseline_window csv FILE
 *
 * The csv form does the tumbling window over a CSV file of `user_id,v,ts`
 * rows with a header and the timestamp in epoch ms (what
 * make_window_events.flow writes, bench_tumbling_csv.flow reads), as a
 * careful C programmer would: read(2) into a 1 MiB buffer, each line split
 * and its integers parsed in one pass with range checks, a line that is not
 * three integers counted as bad and skipped.
 *
 * Output goes to stdout through one 256 KiB buffer and write(2). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"

enum { SEED = 1 };

/* The generator's keys and events_per_second. By default the program gets
 * them when it starts (from the command line, else these values), so its
 * draws divide by values the C compiler does not know. Built with
 * -DCONSTANT_ARGS they are constants, and the compiler turns the four 64-bit
 * divisions per record into multiplications: flowc does the same since its
 * generated code draws the records itself with the .flow's literal arguments
 * folded in, so run_window_bench.sh gives the ratio to both builds. */
#ifdef CONSTANT_ARGS
static const uint64_t keys = 10000;
static const int64_t events_per_second = 1000000;
#else
static uint64_t keys = 10000;
static int64_t events_per_second = 1000000;
#endif
enum { PANE_MS = 1000, PANES = 60 };
#define GEN_EPOCH_MS INT64_C(1704067200000) /* 2024-01-01T00:00:00.000Z */

/* ---- output -------------------------------------------------------------- */

/* Window start and end are the same for every row of one firing: their
 * text is made once per window. */
static char window_text[64];
static size_t window_text_len;

static void set_window(int64_t start, int64_t end)
{
    char *o = put_timestamp(window_text, start);
    *o++ = ',';
    o = put_timestamp(o, end);
    window_text_len = (size_t)(o - window_text);
}

static int64_t written;

static void put_row(int64_t user_id, int64_t n, int64_t total)
{
    if (out_len + 24 + window_text_len + 2 * 24 + 4 > sizeof out_buf)
        out_flush();
    char *o = out_buf + out_len;
    o = put_int64(o, user_id);
    *o++ = ',';
    memcpy(o, window_text, window_text_len);
    o += window_text_len;
    *o++ = ',';
    o = put_int64(o, n);
    *o++ = ',';
    o = put_int64(o, total);
    *o++ = '\n';
    out_len = (size_t)(o - out_buf);
    written++;
}

/* ---- the hash map: user_id -> the key's aggregates --------------------------- */

typedef struct Entry {
    int64_t user_id;
    int64_t stamp;      /* tumbling: the window its count belongs to */
    int64_t count, sum; /* tumbling: this window; sliding: the last 60 panes */
} Entry;

/* Sliding only, beside entries[i]: the ring of panes, by pane number % 60. */
typedef struct Panes {
    int64_t count[PANES];
    int64_t sum[PANES];
    int64_t of[PANES]; /* the pane number each ring slot holds */
} Panes;

static bool sliding;
static Entry *entries;    /* dense, in the order the keys first appeared */
static Panes *panes;
static int32_t *slots;    /* open addressing: index into entries, -1 empty */
static size_t nentries, entries_cap, slot_mask;

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
    if (nentries == entries_cap) {
        entries_cap = entries_cap ? 2 * entries_cap : 1024;
        entries = realloc(entries, entries_cap * sizeof *entries);
        if (sliding)
            panes = realloc(panes, entries_cap * sizeof *panes);
        if (!entries || (sliding && !panes)) {
            perror("realloc");
            exit(1);
        }
    }
    Entry *e = &entries[nentries];
    memset(e, 0, sizeof *e);
    e->user_id = user_id;
    e->stamp = INT64_MIN;
    if (sliding)
        for (int p = 0; p < PANES; p++)
            panes[nentries].of[p] = INT64_MIN;
    slots[i] = (int32_t)nentries++;
    return e;
}

/* ---- tumbling: the keys of the current window, in order of first record ---- */

static int32_t *order;
static size_t norder;

static void fire_tumbling(int64_t window)
{
    set_window(window * PANE_MS, window * PANE_MS + PANE_MS);
    for (size_t i = 0; i < norder; i++) {
        Entry *e = &entries[order[i]];
        put_row(e->user_id, e->count, e->sum);
    }
    norder = 0;
}

static void add_tumbling(int64_t user_id, int32_t v, int64_t window)
{
    Entry *e = lookup(user_id);
    if (e->stamp != window) {
        e->stamp = window;
        e->count = e->sum = 0;
        order[norder++] = (int32_t)(e - entries);
    }
    e->count++;
    e->sum += v;
}

/* ---- sliding: the window ending at pane p's end holds panes p-59 .. p ------- */

static void fire_sliding(int64_t last_pane)
{
    set_window((last_pane - PANES + 1) * PANE_MS, (last_pane + 1) * PANE_MS);
    int64_t expiring = last_pane - PANES + 1;
    int slot = (int)(((expiring % PANES) + PANES) % PANES);
    for (size_t i = 0; i < nentries; i++) {
        Entry *e = &entries[i];
        Panes *r = &panes[i];
        if (e->count > 0)
            put_row(e->user_id, e->count, e->sum);
        if (r->of[slot] == expiring) {
            e->count -= r->count[slot];
            e->sum -= r->sum[slot];
            r->of[slot] = INT64_MIN;
        }
    }
}

static void add_sliding(int64_t user_id, int32_t v, int64_t pane)
{
    Entry *e = lookup(user_id);
    Panes *r = &panes[e - entries];
    int slot = (int)(((pane % PANES) + PANES) % PANES);
    if (r->of[slot] != pane) {
        r->of[slot] = pane;
        r->count[slot] = r->sum[slot] = 0;
    }
    r->count[slot]++;
    r->sum[slot] += v;
    e->count++;
    e->sum += v;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b < 0);
}

/* One record: every window ending at or before its pane fires first. */
static void add_record(int64_t user_id, int32_t v, int64_t ts, int64_t *current)
{
    int64_t pane = floor_div(ts, PANE_MS);
    if (pane != *current) {
        if (*current != INT64_MIN)
            for (int64_t p = *current; p < pane; p++) {
                if (sliding)
                    fire_sliding(p);
                else if (p == *current)
                    fire_tumbling(p);
            }
        *current = pane;
    }
    if (sliding)
        add_sliding(user_id, v, pane);
    else
        add_tumbling(user_id, v, pane);
}

/* ---- the csv form ------------------------------------------------------------ */

/* An optional '-' and 1 to 18 digits up to `stop`; the end of the digits. */
static const char *parse_int(const char *p, const char *end, char stop, int64_t *out)
{
    bool neg = p < end && *p == '-';
    p += neg;
    const char *digits = p;
    uint64_t v = 0;
    for (; p < end && (unsigned)(*p - '0') <= 9; p++)
        v = v * 10 + (uint64_t)(*p - '0');
    if (p == digits || p - digits > 18 || (p < end ? *p != stop : stop != '\n'))
        return NULL;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return p;
}

/* The records of a CSV file in event-time order; returns how many were read. */
static int64_t read_csv(const char *path, int64_t *current, int64_t *bad)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror(path);
        exit(1);
    }
    static char buf[1 << 20];
    size_t have = 0;
    int64_t n = 0;
    bool header = true, eof = false;
    while (!eof || have > 0) {
        if (!eof && have < sizeof buf) {
            ssize_t r = read(fd, buf + have, sizeof buf - have);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                perror(path);
                exit(1);
            }
            eof = r == 0;
            have += (size_t)r;
        }
        const char *p = buf, *end = buf + have;
        for (;;) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl && !eof)
                break;
            const char *le = nl ? nl : end;
            if (le > p && le[-1] == '\r')
                le--;
            if (header) {
                header = false;
            } else if (le > p) {
                int64_t user_id, v, ts;
                const char *q = parse_int(p, le, ',', &user_id);
                q = q ? parse_int(q + 1, le, ',', &v) : NULL;
                q = q ? parse_int(q + 1, le, '\n', &ts) : NULL;
                if (q && v >= INT32_MIN && v <= INT32_MAX) {
                    add_record(user_id, (int32_t)v, ts, current);
                    n++;
                } else {
                    (*bad)++;
                }
            }
            p = nl ? nl + 1 : end;
            if (!nl)
                break;
        }
        have = (size_t)(end - p);
        memmove(buf, p, have);
    }
    close(fd);
    return n;
}

int main(int argc, char **argv)
{
    bool csv = argc == 3 && strcmp(argv[1], "csv") == 0;
    if (!csv && ((argc != 3 && argc != 5) ||
                 (strcmp(argv[1], "tumbling") != 0 && strcmp(argv[1], "sliding") != 0))) {
        fprintf(stderr, "usage: %s tumbling|sliding COUNT [KEYS EVENTS_PER_SECOND]\n"
                        "       %s csv FILE\n", argv[0], argv[0]);
        return 2;
    }
    sliding = strcmp(argv[1], "sliding") == 0;
    int64_t count = csv ? 0 : strtoll(argv[2], NULL, 10);

    slot_mask = 2 * 16384 - 1;
    slots = malloc((slot_mask + 1) * sizeof *slots);
    if (argc == 5) {
#ifdef CONSTANT_ARGS
        fprintf(stderr, "%s: built with CONSTANT_ARGS: KEYS and EVENTS_PER_SECOND are fixed\n",
                argv[0]);
        return 2;
#else
        keys = strtoull(argv[3], NULL, 10);
        events_per_second = strtoll(argv[4], NULL, 10);
        if (keys == 0 || events_per_second <= 0) {
            fprintf(stderr, "%s: KEYS and EVENTS_PER_SECOND must be positive\n", argv[0]);
            return 2;
        }
#endif
    }
    /* As many as the slots take at half load (the csv form's keys are not
     * known in advance). */
    order = malloc((slot_mask + 1) / 2 * sizeof *order);
    if (!slots || !order) {
        perror("malloc");
        return 1;
    }
    memset(slots, 0xff, (slot_mask + 1) * sizeof *slots);

    static const char header[] = "user_id,window_start,window_end,n,total\n";
    memcpy(out_buf, header, sizeof header - 1);
    out_len = sizeof header - 1;

    uint64_t mixed_seed = mix64((uint64_t)SEED);
    int64_t current = INT64_MIN; /* the pane (= tumbling window) of the latest record */
    int64_t bad = 0;
    if (csv)
        count = read_csv(argv[2], &current, &bad);
    for (int64_t n = 0; !csv && n < count; n++) {
        uint64_t state = mix64(mixed_seed + mix64((uint64_t)n));
        int64_t user_id = (int64_t)uniform(&state, keys);
        int32_t v = (int32_t)uniform(&state, keys);
        add_record(user_id, v, GEN_EPOCH_MS + n * 1000 / events_per_second, &current);
    }
    if (current != INT64_MIN) {
        if (sliding)
            for (int64_t p = current; p < current + PANES; p++)
                fire_sliding(p);
        else
            fire_tumbling(current);
    }
    out_flush();
    fprintf(stderr, "baseline: %lld records %s, %lld bad, %lld written\n", (long long)count,
            csv ? "read" : "generated", (long long)bad, (long long)written);
    free(entries);
    free(panes);
    free(slots);
    free(order);
    return 0;
}
