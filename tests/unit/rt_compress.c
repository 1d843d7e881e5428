/* rt_compress.c: gzip and zstd streams (runtime/src/compress*.c): round
 * trips through tiny buffers, members one after another, where a stream may
 * end, flushes and ends that add nothing, corrupt input, and which algorithm
 * a file gets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compress.h"

typedef struct Bytes {
    char *p;
    size_t n;
} Bytes;

static int append(void *ctx, const char *bytes, size_t n)
{
    Bytes *b = ctx;
    if (n == 0)
        return 0;
    b->p = realloc(b->p, b->n + n);
    memcpy(b->p + b->n, bytes, n);
    b->n += n;
    return 0;
}

/* Decompresses all of in, `step` bytes in and out at a time. */
static Bytes decompress(const CompressOps *ops, const Bytes *in, size_t step, bool *at_end)
{
    void *d = ops->dec_new();
    Bytes out = { NULL, 0 };
    size_t at = 0;
    char buf[64];
    for (;;) {
        size_t len = in->n - at < step ? in->n - at : step, used, made;
        const char *why = NULL;
        assert_true(ops->dec_run(d, in->p + at, len, &used, buf, step < sizeof buf ? step : sizeof buf,
                                 &made, &why));
        at += used;
        append(&out, buf, made);
        if (at == in->n && made == 0)
            break;
    }
    *at_end = ops->dec_at_end(d);
    ops->dec_free(d);
    return out;
}

static void round_trip(const CompressOps *ops)
{
    void *e = ops->enc_new();
    Bytes z = { NULL, 0 };
    char text[5000];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (char)('a' + (i * 7 + i / 13) % 26);
    /* Two members, a flush in the first; an end and a flush with nothing
     * new add no bytes. */
    assert_int_equal(ops->enc_run(e, text, 3000, COMPRESS_MORE, append, &z), 0);
    assert_int_equal(ops->enc_run(e, NULL, 0, COMPRESS_FLUSH, append, &z), 0);
    size_t flushed = z.n;
    assert_int_equal(ops->enc_run(e, NULL, 0, COMPRESS_FLUSH, append, &z), 0);
    assert_int_equal(z.n, flushed);
    assert_int_equal(ops->enc_run(e, NULL, 0, COMPRESS_END, append, &z), 0);
    size_t first = z.n;
    assert_int_equal(ops->enc_run(e, NULL, 0, COMPRESS_END, append, &z), 0);
    assert_int_equal(z.n, first);
    assert_int_equal(ops->enc_run(e, text + 3000, 2000, COMPRESS_END, append, &z), 0);
    ops->enc_free(e);

    for (size_t step = 1; step <= 4096; step *= 8) {
        bool at_end;
        Bytes out = decompress(ops, &z, step, &at_end);
        assert_int_equal(out.n, sizeof text);
        assert_memory_equal(out.p, text, sizeof text);
        assert_true(at_end);
        free(out.p);
        /* Cut after the first member: a whole file. */
        Bytes cut = { z.p, first };
        out = decompress(ops, &cut, step, &at_end);
        assert_int_equal(out.n, 3000);
        assert_true(at_end);
        free(out.p);
        /* Cut inside the second member: not at an end. */
        cut.n = first + (z.n - first) / 2;
        out = decompress(ops, &cut, step, &at_end);
        assert_false(at_end);
        free(out.p);
    }
    free(z.p);
}

static void test_gzip_round_trip(void **state)
{
    (void)state;
    round_trip(&flowrt_gzip_ops);
}

static void test_zstd_round_trip(void **state)
{
    (void)state;
    round_trip(&flowrt_zstd_ops);
}

static void corrupt(const CompressOps *ops, const char *bytes, size_t n)
{
    void *d = ops->dec_new();
    char buf[256];
    size_t used, made;
    const char *why = NULL;
    assert_false(ops->dec_run(d, bytes, n, &used, buf, sizeof buf, &made, &why));
    assert_non_null(why);
    ops->dec_free(d);
}

static void test_corrupt(void **state)
{
    (void)state;
    corrupt(&flowrt_gzip_ops, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xff\xff\xff", 14);
    /* The frame header's reserved bit set. */
    corrupt(&flowrt_zstd_ops, "\x28\xb5\x2f\xfd\x08\x00\x00\x00\x00\x00\x00\x00", 12);
    corrupt(&flowrt_gzip_ops, "plain text, not gzip", 20);
}

static void test_pick(void **state)
{
    (void)state;
    const FlowConnectorOps both = { .gzip = &flowrt_gzip_ops, .zstd = &flowrt_zstd_ops };
    const FlowConnectorOps only_gzip = { .gzip = &flowrt_gzip_ops };
    FlowConnector conn = { "file", NULL, 0, "t.flow:1:1", &both };
    const unsigned char gz[] = { 0x1f, 0x8b, 8, 0 }, zs[] = { 0x28, 0xb5, 0x2f, 0xfd };
    const CompressOps *ops;
    char *err = NULL;
    assert_true(flowrt_compress_pick(&conn, "auto", "a.csv.gz", NULL, 0, &ops, &err));
    assert_ptr_equal(ops, &flowrt_gzip_ops);
    assert_true(flowrt_compress_pick(&conn, "auto", "a.zstd", NULL, 0, &ops, &err));
    assert_ptr_equal(ops, &flowrt_zstd_ops);
    assert_true(flowrt_compress_pick(&conn, "auto", "a.csv", NULL, 0, &ops, &err));
    assert_null(ops);
    assert_true(flowrt_compress_pick(&conn, "auto", "a", gz, 4, &ops, &err));
    assert_ptr_equal(ops, &flowrt_gzip_ops);
    assert_true(flowrt_compress_pick(&conn, "auto", "a", zs, 4, &ops, &err));
    assert_ptr_equal(ops, &flowrt_zstd_ops);
    assert_true(flowrt_compress_pick(&conn, "none", "a.gz", gz, 4, &ops, &err));
    assert_null(ops);
    assert_true(flowrt_compress_pick(&conn, "zstd", "a.gz", gz, 4, &ops, &err));
    assert_ptr_equal(ops, &flowrt_zstd_ops);
    /* Built for gzip alone: zstd is an error, zstd's magic is not looked at. */
    conn.ops = &only_gzip;
    assert_false(flowrt_compress_pick(&conn, "auto", "a.zst", NULL, 0, &ops, &err));
    assert_non_null(strstr(err, "without zstd support"));
    free(err);
    err = NULL;
    assert_true(flowrt_compress_pick(&conn, "auto", "a", zs, 4, &ops, &err));
    assert_null(ops);
    /* Not a file connector: never compressed. */
    conn.kind = "stdin";
    assert_true(flowrt_compress_pick(&conn, "auto", "a", gz, 4, &ops, &err));
    assert_null(ops);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gzip_round_trip),
        cmocka_unit_test(test_zstd_round_trip),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_pick),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
