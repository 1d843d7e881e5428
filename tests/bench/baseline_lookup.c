/* baseline_lookup.c: the hand-written C program that run_lookup_bench.sh
 * compares flowc's generated lookup with. It does the work of
 * bench_lookup.flow as plain fast C would:
 *
 *   table customers (id, name, segment) from a CSV file, key id
 *   events of generator(count, seed = 3, keys = 2000000) (user_id, item)
 *   lookup customers on user_id == id | where segment == 7 and item % 2 == 0
 *   select user_id, name, item
 *
 * The table is read into one open-addressing hash map (linear probing, at
 * most half full) whose slots hold the rows (id, segment, and where the
 * name is in one buffer of names), a key read again replacing its row; the
 * events come from the generator's algorithm (flow/generator.h, written
 * out in baseline.h). It reads the simple CSV run_lookup_bench.sh writes (no
 * quoting) and writes the same bytes as the flowc program. The time the
 * table took to load goes to stderr.
 *
 *   baseline_lookup TABLE.csv COUNT
 *
 * Output goes to stdout through one 256 KiB buffer and write(2). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "baseline.h"

enum { SEED = 3, KEYS = 2000000 };

/* ---- the table: one hash map, rows inline in its slots --------------------- */

typedef struct Entry {
    int64_t id;
    uint32_t name_at, name_len; /* in `names` */
    int32_t segment;
    bool used;
} Entry;

static Entry *map;
static uint64_t mask, nrows;
static char *names;
static size_t names_len, names_cap;

static void out_of_memory(void)
{
    fputs("out of memory\n", stderr);
    exit(1);
}

static void *grow(void *p, size_t size)
{
    p = realloc(p, size);
    if (!p)
        out_of_memory();
    return p;
}

static Entry *find_entry(Entry *m, uint64_t msk, int64_t id)
{
    for (uint64_t i = mix64((uint64_t)id) & msk;; i = (i + 1) & msk)
        if (!m[i].used || m[i].id == id)
            return &m[i];
}

static void rehash(uint64_t cap)
{
    Entry *old = map;
    uint64_t old_cap = map ? mask + 1 : 0;
    map = calloc(cap, sizeof *map);
    if (!map)
        out_of_memory();
    mask = cap - 1;
    for (uint64_t i = 0; i < old_cap; i++)
        if (old[i].used)
            *find_entry(map, mask, old[i].id) = old[i];
    free(old);
}

static void put_row(int64_t id, const char *name, size_t len, int32_t segment)
{
    if ((nrows + 1) * 2 > mask + 1)
        rehash((mask + 1) * 2);
    Entry *e = find_entry(map, mask, id);
    nrows += !e->used;
    if (names_len + len > names_cap) {
        names_cap = (names_cap + len) * 2;
        names = grow(names, names_cap);
    }
    memcpy(names + names_len, name, len);
    *e = (Entry){ id, (uint32_t)names_len, (uint32_t)len, segment, true };
    names_len += len;
}

static void load_table(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        perror(path);
        exit(1);
    }
    rehash(1024);
    char line[256];
    if (!fgets(line, sizeof line, f)) /* the header: id,name,segment */
        exit(1);
    while (fgets(line, sizeof line, f)) {
        char *name = strchr(line, ','), *seg = name ? strchr(name + 1, ',') : NULL;
        if (!seg)
            continue;
        put_row(strtoll(line, NULL, 10), name + 1, (size_t)(seg - name - 1),
                (int32_t)strtol(seg + 1, NULL, 10));
    }
    fclose(f);
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s TABLE.csv COUNT\n", argv[0]);
        return 2;
    }
    double t0 = seconds();
    load_table(argv[1]);
    fprintf(stderr, "baseline: table loaded in %.3f s: %llu rows\n", seconds() - t0,
            (unsigned long long)nrows);

    int64_t count = strtoll(argv[2], NULL, 10), written = 0;
    uint64_t mixed_seed = mix64((uint64_t)SEED);
    const char header[] = "user_id,name,item\n";
    memcpy(out_buf, header, sizeof header - 1);
    out_len = sizeof header - 1;
    for (int64_t n = 0; n < count; n++) {
        uint64_t state = mix64(mixed_seed + mix64((uint64_t)n));
        int64_t user_id = (int64_t)uniform(&state, KEYS);
        int32_t item = (int32_t)uniform(&state, KEYS);
        const Entry *e = find_entry(map, mask, user_id);
        if (!e->used || e->segment != 7 || item % 2 != 0)
            continue;
        if (out_len + 64 + e->name_len > sizeof out_buf)
            out_flush();
        char *o = put_int64(out_buf + out_len, user_id);
        *o++ = ',';
        memcpy(o, names + e->name_at, e->name_len);
        o += e->name_len;
        *o++ = ',';
        o = put_int64(o, item);
        *o++ = '\n';
        out_len = (size_t)(o - out_buf);
        written++;
    }
    out_flush();
    fprintf(stderr, "baseline: %lld events, %lld written\n", (long long)count, (long long)written);
    return 0;
}
