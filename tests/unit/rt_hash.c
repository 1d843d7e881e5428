/* rt_hash.c: hash(x) is XXH64 (seed 0) of the documented bytes, stable
 * across machines: checked against published XXH64 vectors, against
 * libxxhash on the little-endian bytes, and against the buckets of the
 * clickstream example's expected output. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <xxhash.h>

#include "flow/flow.h"

static uint64_t reference(const void *bytes, size_t n)
{
    return XXH64(bytes, n, 0);
}

static void le_bytes(uint64_t v, unsigned char out[8])
{
    for (int i = 0; i < 8; i++)
        out[i] = (unsigned char)(v >> (8 * i));
}

static void test_published_vectors(void **state)
{
    (void)state;
    assert_true((uint64_t)flow_hash_str((FlowStr){ "", 0 }) == 0xEF46DB3751D8E999ULL);
    assert_true((uint64_t)flow_hash_str((FlowStr){ "a", 1 }) == 0xD24EC4F1A98C6E5BULL);
    assert_true((uint64_t)flow_hash_str((FlowStr){ "abc", 3 }) == 0x44BC2CF5AD770999ULL);
}

static void test_fixed_width_match_xxh64(void **state)
{
    (void)state;
    int64_t samples[] = { 0, 1, -1, 42, 1074, INT32_MIN, INT32_MAX, INT64_MIN, INT64_MAX,
                          INT64_C(1709294405250) };
    unsigned char b[8];
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        le_bytes((uint64_t)samples[i], b);
        assert_true((uint64_t)flow_hash_i64(samples[i]) == reference(b, 8));
    }
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 10000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        le_bytes(x, b);
        assert_true((uint64_t)flow_hash_i64((int64_t)x) == reference(b, 8));
    }
    unsigned char one = 1, zero = 0;
    assert_true((uint64_t)flow_hash_bool(true) == reference(&one, 1));
    assert_true((uint64_t)flow_hash_bool(false) == reference(&zero, 1));
    /* int32 values hash as their int64 value. */
    int32_t small = -5;
    assert_true(flow_hash_i64(small) == flow_hash_i64(INT64_C(-5)));
}

static void test_float(void **state)
{
    (void)state;
    double v = 2.5;
    uint64_t bits;
    memcpy(&bits, &v, 8);
    unsigned char b[8];
    le_bytes(bits, b);
    assert_true((uint64_t)flow_hash_f64(2.5) == reference(b, 8));
    assert_true(flow_hash_f64(-0.0) == flow_hash_f64(0.0));
    assert_true(flow_hash_f64(NAN) == flow_hash_f64(-NAN));
    assert_true(flow_hash_f64(1.0) != flow_hash_f64(2.0));
}

static void test_strings(void **state)
{
    (void)state;
    const char *s = "the quick brown fox jumps over the lazy dog, twice over";
    for (size_t n = 0; n <= strlen(s); n++)
        assert_true((uint64_t)flow_hash_str((FlowStr){ s, (int64_t)n }) == reference(s, n));
}

/* examples/clickstream computes `abs(hash(user_id)) % 8`. */
static void test_example_buckets(void **state)
{
    (void)state;
    struct { int64_t user; int64_t bucket; } rows[] = {
        { 1074, 0 }, { 1407, 7 }, { 1370, 5 }, { 1222, 2 }, { 1148, 5 }, { 1259, 5 },
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        const char *err = NULL;
        int64_t b = flow_i64_mod(&err, flow_i64_abs(flow_hash_i64(rows[i].user)), 8);
        assert_null(err);
        assert_int_equal(b, rows[i].bucket);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_vectors),
        cmocka_unit_test(test_fixed_width_match_xxh64),
        cmocka_unit_test(test_float),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_example_buckets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
