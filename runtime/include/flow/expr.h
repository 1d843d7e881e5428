/* flow/expr.h: the operations of Flow expressions (LANGUAGE.md §4) that are
 * more than one C operator. Generated code calls these instead of writing
 * C arithmetic whose overflow or division by zero would be undefined.
 *
 * Error convention: a function that can fail for a record takes
 * `const char **err`; on failure it sets *err to a reason and returns 0.
 * The generated operator checks `err` once after evaluating its
 * expressions and reports the record with flow_record_error (runtime.h). An
 * already-set *err is left alone. Because `if(c, a, b)`, `and` and `or`
 * compile to C's lazy ?:, && and ||, a branch not taken never fails.
 *
 * Integer arithmetic wraps around in two's complement (as in Java, so as in
 * Flink); integer division and modulo by zero fail; INT_MIN / -1 wraps. */
#ifndef FLOW_EXPR_H
#define FLOW_EXPR_H

#include <string.h>

#include "flow/runtime.h"

/* Exported (libflowrt is built with -fvisibility=hidden: flow/program.h). */
#pragma GCC visibility push(default)

/* Wrapping arithmetic, inline: these are on every record's hot path. The
 * operations run on unsigned types, where overflow is defined, and convert
 * back (gcc and clang define that conversion as two's complement). */
static inline int32_t flow_i32_add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static inline int32_t flow_i32_sub(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }
static inline int32_t flow_i32_mul(int32_t a, int32_t b) { return (int32_t)((uint32_t)a * (uint32_t)b); }
static inline int32_t flow_i32_neg(int32_t a) { return (int32_t)(0u - (uint32_t)a); }
static inline int32_t flow_i32_abs(int32_t a) { return a < 0 ? flow_i32_neg(a) : a; }
static inline int64_t flow_i64_add(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static inline int64_t flow_i64_sub(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)b); }
static inline int64_t flow_i64_mul(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }
static inline int64_t flow_i64_neg(int64_t a) { return (int64_t)(0u - (uint64_t)a); }
static inline int64_t flow_i64_abs(int64_t a) { return a < 0 ? flow_i64_neg(a) : a; }
/* Division and modulo: fail on a zero divisor. Modulo has the sign of the
 * dividend, as C's and Java's %. */
int32_t flow_i32_div(const char **err, int32_t a, int32_t b);
int32_t flow_i32_mod(const char **err, int32_t a, int32_t b);
int64_t flow_i64_div(const char **err, int64_t a, int64_t b);
int64_t flow_i64_mod(const char **err, int64_t a, int64_t b);
/* float64 `%` (fmod); float division by zero is IEEE (inf, nan), not an error. */
double flow_f64_mod(double a, double b);
/* min/max over float64 order nan above every number, as SQL engines do
 * (PostgreSQL, Flink): max is nan once any value is, min skips nan unless
 * every value is, whatever the order the values arrive in. */
static inline bool flow_f64_above(double a, double b) { return a > b || (a != a && b == b); }
static inline bool flow_f64_below(double a, double b) { return a < b || (b != b && a == a); }

/* Strings: bytes compared as unsigned, like memcmp, shorter first on a tie. */
static inline bool flow_str_eq(FlowStr a, FlowStr b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, (size_t)a.len) == 0);
}
static inline int flow_str_cmp(FlowStr a, FlowStr b)
{
    int64_t n = a.len < b.len ? a.len : b.len;
    int c = n > 0 ? memcmp(a.ptr, b.ptr, (size_t)n) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return a.len < b.len ? -1 : a.len > b.len;
}
int64_t flow_str_length(FlowStr s); /* in Unicode code points (UTF-8) */
bool flow_str_contains(FlowStr s, FlowStr sub);
bool flow_str_starts_with(FlowStr s, FlowStr prefix);
bool flow_str_ends_with(FlowStr s, FlowStr suffix);
/* ASCII letters only; other bytes are kept. Result in scratch memory. */
FlowStr flow_str_lower(FlowRuntime *rt, FlowStr s);
FlowStr flow_str_upper(FlowRuntime *rt, FlowStr s);
/* concat(a, b, ...): `parts` has n strings; result in scratch memory. */
FlowStr flow_str_concat(FlowRuntime *rt, int n, const FlowStr *parts);

/* Casts that can fail (LANGUAGE.md §8: a failed cast is a bad record):
 * narrowing out of range, a float that is nan or out of range (floats are
 * truncated toward zero), text that does not parse. */
int32_t flow_i32_from_i64(const char **err, int64_t v);
int32_t flow_i32_from_f64(const char **err, double v);
int64_t flow_i64_from_f64(const char **err, double v);
int32_t flow_i32_from_str(const char **err, FlowStr s);
int64_t flow_i64_from_str(const char **err, FlowStr s);
double flow_f64_from_str(const char **err, FlowStr s);
bool flow_bool_from_str(const char **err, FlowStr s);      /* "true" / "false" */
int64_t flow_ts_from_str(const char **err, FlowStr s);     /* any §7 form */
/* To string, in scratch memory; the same text the sinks write. */
FlowStr flow_str_from_i64(FlowRuntime *rt, int64_t v);
FlowStr flow_str_from_f64(FlowRuntime *rt, double v);
FlowStr flow_str_from_bool(bool v);
FlowStr flow_str_from_ts(FlowRuntime *rt, int64_t ms);

/* hash(x): XXH64 with seed 0 of the value's bytes: an integer or timestamp as
 * 8 little-endian bytes of its int64 value (so int32 and int64 agree), a
 * float64 as its 8 IEEE bytes (-0.0 as 0.0), a bool as one byte 0/1, a string
 * as its bytes. Stable across machines and versions. */
int64_t flow_hash_str(FlowStr s);

/* XXH64 of one 8-byte little-endian word and of one byte, seed 0: the
 * reference algorithm's short-input path written out, so that hashing a key
 * is a few multiplications with no call (tests check it against libxxhash). */
static inline uint64_t flow_xxh64_rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static inline uint64_t flow_xxh64_avalanche(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xC2B2AE3D27D4EB4FULL;
    h ^= h >> 29;
    h *= 0x165667B19E3779F9ULL;
    h ^= h >> 32;
    return h;
}
static inline int64_t flow_hash_i64(int64_t v)
{
    uint64_t k = (uint64_t)v * 0xC2B2AE3D27D4EB4FULL;
    k = flow_xxh64_rotl(k, 31) * 0x9E3779B185EBCA87ULL;
    uint64_t h = (0x27D4EB2F165667C5ULL + 8) ^ k;
    h = flow_xxh64_rotl(h, 27) * 0x9E3779B185EBCA87ULL + 0x85EBCA77C2B2AE63ULL;
    return (int64_t)flow_xxh64_avalanche(h);
}
static inline int64_t flow_hash_bool(bool v)
{
    uint64_t h = (0x27D4EB2F165667C5ULL + 1) ^ ((uint64_t)v * 0x27D4EB2F165667C5ULL);
    h = flow_xxh64_rotl(h, 11) * 0x9E3779B185EBCA87ULL;
    return (int64_t)flow_xxh64_avalanche(h);
}
/* The hash state tables and lookup indexes give an integer key (int32,
 * int64, timestamp, bool, widened to int64): a multiplication and XXH64's
 * avalanche, three multiplications where hash()'s flow_hash_i64 takes five.
 * It only has to spread keys within one run, so it need not be hash(). */
static inline uint64_t flow_key_hash_i64(int64_t v)
{
    return flow_xxh64_avalanche((uint64_t)v * 0x9E3779B97F4A7C15ULL);
}
/* Every nan hashes alike (the canonical quiet nan), as 0.0 and -0.0 do. */
static inline int64_t flow_hash_f64(double v)
{
    uint64_t bits;
    if (v == 0)
        v = 0;
    if (v != v)
        bits = 0x7FF8000000000000ULL;
    else
        memcpy(&bits, &v, sizeof bits);
    return flow_hash_i64((int64_t)bits);
}

#pragma GCC visibility pop

#endif
