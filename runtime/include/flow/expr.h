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

#include "flow/runtime.h"

/* Wrapping arithmetic. */
int32_t flow_i32_add(int32_t a, int32_t b);
int32_t flow_i32_sub(int32_t a, int32_t b);
int32_t flow_i32_mul(int32_t a, int32_t b);
int32_t flow_i32_neg(int32_t a);
int32_t flow_i32_abs(int32_t a);
int64_t flow_i64_add(int64_t a, int64_t b);
int64_t flow_i64_sub(int64_t a, int64_t b);
int64_t flow_i64_mul(int64_t a, int64_t b);
int64_t flow_i64_neg(int64_t a);
int64_t flow_i64_abs(int64_t a);
/* Division and modulo: fail on a zero divisor. Modulo has the sign of the
 * dividend, as C's and Java's %. */
int32_t flow_i32_div(const char **err, int32_t a, int32_t b);
int32_t flow_i32_mod(const char **err, int32_t a, int32_t b);
int64_t flow_i64_div(const char **err, int64_t a, int64_t b);
int64_t flow_i64_mod(const char **err, int64_t a, int64_t b);
/* float64 `%` (fmod); float division by zero is IEEE (inf, nan), not an error. */
double flow_f64_mod(double a, double b);

/* Strings: bytes compared as unsigned, like memcmp, shorter first on a tie. */
bool flow_str_eq(FlowStr a, FlowStr b);
int flow_str_cmp(FlowStr a, FlowStr b);
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
int64_t flow_hash_i64(int64_t v);
int64_t flow_hash_f64(double v);
int64_t flow_hash_bool(bool v);
int64_t flow_hash_str(FlowStr s);

#endif
