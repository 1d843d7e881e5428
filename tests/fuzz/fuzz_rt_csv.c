/* fuzz_rt_csv.c: the CSV record parser over arbitrary bytes. Besides not
 * crashing, it must split the input into the same records whatever the
 * read-buffer boundaries are (the first byte picks the chunk size), and every
 * field must lie inside the input or the parser's own buffer. The fields are
 * also fed to every field decoder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "flow/codec.h"

typedef struct Digest {
    uint64_t hash;
    size_t records;
} Digest;

static void mix(Digest *d, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        d->hash = (d->hash ^ b[i]) * 0x100000001B3ULL;
}

static void decode_all(const FlowField *f)
{
    bool b;
    int32_t i32;
    int64_t i64;
    double d;
    FlowStr s;
    flow_field_bool(f, &b);
    flow_field_int32(f, &i32);
    flow_field_int64(f, &i64);
    flow_field_float64(f, &d);
    flow_field_string(f, &s);
    flow_field_timestamp(f, &i64);
}

static Digest parse(const uint8_t *data, size_t size, size_t chunk, bool decode)
{
    const char *in = (const char *)data;
    Digest d = { 0xCBF29CE484222325ULL, 0 };
    CsvParser cp;
    flowrt_csv_init(&cp);
    size_t have = chunk ? 0 : size, start = 0;
    for (;;) {
        CsvRecord rec;
        bool eof = have == size;
        CsvStatus st = flowrt_csv_parse(&cp, in + start, have - start, eof, &rec);
        if (rec.used > have - start)
            __builtin_trap();
        start += rec.used;
        if (st == CSV_END)
            break;
        if (st == CSV_NEED_MORE) {
            if (eof)
                __builtin_trap();
            have = have + chunk < size ? have + chunk : size;
            continue;
        }
        d.records++;
        mix(&d, &rec.line, sizeof rec.line);
        mix(&d, rec.raw, rec.raw_len);
        mix(&d, rec.error ? rec.error : "", rec.error ? strlen(rec.error) : 0);
        for (int i = 0; i < rec.ncols && !rec.error; i++) {
            const FlowField *f = &cp.cols[i];
            bool in_input = f->ptr >= in && f->ptr + f->len <= in + size;
            bool in_unq = f->ptr >= cp.unq && f->ptr + f->len <= cp.unq + cp.unq_cap;
            if (!in_input && !in_unq)
                __builtin_trap();
            mix(&d, f->ptr, f->len);
            mix(&d, ",", 1);
            if (decode)
                decode_all(f);
        }
    }
    flowrt_csv_free(&cp);
    return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t chunk = (size_t)(data[0] % 17) + 1;
    /* A copy of exactly `size` bytes, so reads past the end are caught. */
    uint8_t *copy = malloc(size);
    memcpy(copy, data, size);
    Digest whole = parse(copy, size, 0, true);
    Digest pieces = parse(copy, size, chunk, false);
    if (whole.hash != pieces.hash || whole.records != pieces.records)
        __builtin_trap();
    free(copy);
    return 0;
}
