/* baseline_update.c: the hand-written C program that run_update_bench.sh
 * compares flowc's updating aggregates with. It does the work of
 * bench_update.flow and bench_update_every.flow as plain fast C would:
 *
 *   key by user_id | aggregate n = count(), total = sum(v)
 *   key by user_id | aggregate n = count(), total = sum(v) emit every 1s
 *
 * over the records of generator(count, seed = 1, keys = 10000,
 * events_per_second = 1000000) (the algorithm of libflowrt, constants
 * folded in as flowc's generated code has them), and writes the same CSV
 * changelog: `op,user_id,n,total`, +I for a key's first row, +U after.
 * One open-addressing hash map from user_id to the key's count and sum; per
 * record a row, or with `every` the key is marked dirty (listed in the
 * order keys became dirty) and the dirty keys' rows go out when the first
 * record past the end of the second arrives (after it is counted, as the
 * generated program does: the watermark moves after the record), and at
 * the end of the input.
 *
 *   baseline_update record|every COUNT
 *
 * Output goes to stdout through one 256 KiB buffer and write(2). */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"

enum { SEED = 1, KEYS = 10000, EVENTS_PER_SECOND = 1000000, EVERY_MS = 1000 };
#define GEN_EPOCH_MS INT64_C(1704067200000) /* 2024-01-01T00:00:00.000Z */

typedef struct Entry {
    int64_t user_id;
    int64_t count, sum;
    bool emitted, dirty;
} Entry;

static Entry *entries;    /* dense, in the order the keys first appeared */
static int32_t *slots;    /* open addressing: index into entries, -1 empty */
static size_t nentries, slot_mask;
static int32_t *dirty;    /* with every: the dirty keys, in the order they became so */
static size_t ndirty;
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
    slots[i] = (int32_t)nentries++;
    return e;
}

static void put_row(Entry *e)
{
    if (out_len + 3 * 24 + 8 > sizeof out_buf)
        out_flush();
    char *o = out_buf + out_len;
    memcpy(o, e->emitted ? "+U," : "+I,", 3);
    o += 3;
    e->emitted = true;
    o = put_int64(o, e->user_id);
    *o++ = ',';
    o = put_int64(o, e->count);
    *o++ = ',';
    o = put_int64(o, e->sum);
    *o++ = '\n';
    out_len = (size_t)(o - out_buf);
    written++;
}

static void emit_dirty(void)
{
    for (size_t i = 0; i < ndirty; i++) {
        Entry *e = &entries[dirty[i]];
        e->dirty = false;
        put_row(e);
    }
    ndirty = 0;
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "record") != 0 && strcmp(argv[1], "every") != 0)) {
        fprintf(stderr, "usage: %s record|every COUNT\n", argv[0]);
        return 2;
    }
    bool every = strcmp(argv[1], "every") == 0;
    int64_t count = strtoll(argv[2], NULL, 10);
    slot_mask = 2 * 16384 - 1;
    slots = malloc((slot_mask + 1) * sizeof *slots);
    entries = malloc((slot_mask + 1) / 2 * sizeof *entries);
    dirty = malloc((slot_mask + 1) / 2 * sizeof *dirty);
    if (!slots || !entries || !dirty) {
        perror("malloc");
        return 1;
    }
    memset(slots, 0xff, (slot_mask + 1) * sizeof *slots);

    static const char header[] = "op,user_id,n,total\n";
    memcpy(out_buf, header, sizeof header - 1);
    out_len = sizeof header - 1;

    uint64_t mixed_seed = mix64((uint64_t)SEED);
    int64_t current = INT64_MIN; /* with every: the second of the dirty keys */
    for (int64_t n = 0; n < count; n++) {
        uint64_t state = mix64(mixed_seed + mix64((uint64_t)n));
        int64_t user_id = (int64_t)uniform(&state, KEYS);
        int32_t v = (int32_t)uniform(&state, KEYS);
        int64_t ts = GEN_EPOCH_MS + n * 1000 / EVENTS_PER_SECOND;
        Entry *e = lookup(user_id);
        e->count++;
        e->sum += v;
        if (!every) {
            put_row(e);
            continue;
        }
        /* A key dirty already stays in its second's list (it may be the
         * one that goes out now, this record counted); in order, only the
         * first record of a second is past the dirty keys' second. */
        bool mark = !e->dirty;
        int64_t second = ts / EVERY_MS;
        if (second != current) {
            emit_dirty();
            current = second;
        }
        if (mark) {
            e->dirty = true;
            dirty[ndirty++] = (int32_t)(e - entries);
        }
    }
    emit_dirty();
    out_flush();
    fprintf(stderr, "baseline: %lld records generated, %lld written\n", (long long)count,
            (long long)written);
    free(entries);
    free(slots);
    free(dirty);
    return 0;
}
