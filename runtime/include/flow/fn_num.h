/* flow/fn_num.h: the numeric functions and the between/in helpers of Flow
 * expressions (docs/language.md, "Numeric functions" and "Conditional
 * expressions") that are more than one libm call. */
#ifndef FLOW_FN_NUM_H
#define FLOW_FN_NUM_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "flow/expr.h"

/* Exported (libflowrt is built with -fvisibility=hidden: flow/program.h). */
#pragma GCC visibility push(default)

/* round(x, digits) of a float64: half away from zero on the decimal that
 * flowc writes for x (the shortest that reads back), so round(2.675, 2) is
 * 2.68 as in PostgreSQL's numeric and SQLite, though the double nearest
 * 2.675 lies below it. Negative digits round left of the point; nan and
 * infinities are kept; a zero result is 0, never -0. */
double flow_f64_round(double x, int64_t digits);
static inline double flow_f64_round0(double x) { return round(x) + 0.0; }
/* round(x, digits) of an integer: unchanged for digits >= 0, else to a
 * multiple of 10^-digits, half away from zero; a result out of range wraps
 * like the other integer arithmetic (flow/expr.h). */
int64_t flow_i64_round(int64_t x, int64_t digits);
static inline int32_t flow_i32_round(int32_t x, int64_t digits)
{
    return (int32_t)(uint32_t)(uint64_t)flow_i64_round(x, digits);
}

/* sign(x): -1, 0 or 1 in x's type; sign(nan) is nan. */
static inline int32_t flow_i32_sign(int32_t x) { return (x > 0) - (x < 0); }
static inline int64_t flow_i64_sign(int64_t x) { return (x > 0) - (x < 0); }
static inline double flow_f64_sign(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : x == 0 ? 0.0 : x; }

/* greatest(a, b) and least(a, b), folded over the arguments. nan is larger
 * than every number, as for the min and max aggregates. */
static inline int32_t flow_i32_greatest(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t flow_i32_least(int32_t a, int32_t b) { return a < b ? a : b; }
static inline int64_t flow_i64_greatest(int64_t a, int64_t b) { return a > b ? a : b; }
static inline int64_t flow_i64_least(int64_t a, int64_t b) { return a < b ? a : b; }
static inline double flow_f64_greatest(double a, double b)
{
    return isnan(a) ? a : isnan(b) ? b : a > b ? a : b;
}
static inline double flow_f64_least(double a, double b)
{
    return isnan(a) ? b : isnan(b) ? a : a < b ? a : b;
}
static inline bool flow_bool_greatest(bool a, bool b) { return a || b; }
static inline bool flow_bool_least(bool a, bool b) { return a && b; }
static inline FlowStr flow_str_greatest(FlowStr a, FlowStr b) { return flow_str_cmp(a, b) >= 0 ? a : b; }
static inline FlowStr flow_str_least(FlowStr a, FlowStr b) { return flow_str_cmp(a, b) <= 0 ? a : b; }

/* x between lo and hi: lo <= x and x <= hi with Flow's comparisons (so
 * false for a nan), each operand evaluated once. */
static inline bool flow_i64_between(int64_t x, int64_t lo, int64_t hi) { return lo <= x && x <= hi; }
static inline bool flow_f64_between(double x, double lo, double hi) { return lo <= x && x <= hi; }
static inline bool flow_str_between(FlowStr x, FlowStr lo, FlowStr hi)
{
    return flow_str_cmp(lo, x) <= 0 && flow_str_cmp(x, hi) <= 0;
}

/* x in (v1, ..., vn): whether x == some vi. The linear forms take the
 * values as evaluated; the sorted forms take a list of literals the
 * compiler sorted ascending (without nan), searched by halving. */
static inline bool flow_i64_in(int64_t x, const int64_t *v, int n)
{
    for (int i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}
static inline bool flow_f64_in(double x, const double *v, int n)
{
    for (int i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}
static inline bool flow_str_in(FlowStr x, const FlowStr *v, int n)
{
    for (int i = 0; i < n; i++)
        if (flow_str_eq(v[i], x))
            return true;
    return false;
}
/* The same over optional values, with SQL's rules: between is
 * `lo <= x and x <= hi` in three-valued logic (false when one side is false,
 * else null when a value is missing); in is null when x is, true when x
 * equals a value, else null when some value is missing, else false. */
#define FLOW_OPT_FORMS(prefix, Opt, le, eq)                                      \
    static inline FlowOptBool prefix##_between_opt(Opt x, Opt lo, Opt hi)       \
    {                                                                           \
        bool low_false = !x.null && !lo.null && !le(lo.v, x.v);                 \
        bool high_false = !x.null && !hi.null && !le(x.v, hi.v);                \
        if (low_false || high_false)                                            \
            return (FlowOptBool){ false, false };                               \
        return (FlowOptBool){ !(x.null || lo.null || hi.null),                  \
                              x.null || lo.null || hi.null };                   \
    }                                                                           \
    static inline FlowOptBool prefix##_in_opt(Opt x, const Opt *v, int n)       \
    {                                                                           \
        bool missing = x.null;                                                  \
        for (int i = 0; i < n && !x.null; i++) {                                \
            if (!v[i].null && eq(v[i].v, x.v))                                  \
                return (FlowOptBool){ true, false };                            \
            missing |= v[i].null;                                               \
        }                                                                       \
        return (FlowOptBool){ false, missing };                                 \
    }
static inline FlowOptBool flow_opt_not(FlowOptBool b)
{
    return (FlowOptBool){ !b.null && !b.v, b.null };
}
#define FLOW_NUM_LE(a, b) ((a) <= (b))
#define FLOW_NUM_EQ(a, b) ((a) == (b))
#define FLOW_STR_LE(a, b) (flow_str_cmp((a), (b)) <= 0)
FLOW_OPT_FORMS(flow_i64, FlowOptI64, FLOW_NUM_LE, FLOW_NUM_EQ)
FLOW_OPT_FORMS(flow_f64, FlowOptF64, FLOW_NUM_LE, FLOW_NUM_EQ)
FLOW_OPT_FORMS(flow_str, FlowOptStr, FLOW_STR_LE, flow_str_eq)
#undef FLOW_OPT_FORMS
#undef FLOW_NUM_LE
#undef FLOW_NUM_EQ
#undef FLOW_STR_LE

/* The first index whose value is not below x, by halving; one body for
 * the three types, which differ only in their `below` and `equal`. */
#define FLOW_IN_SORTED(name, T, below, equal)                 \
    static inline bool name(T x, const T *v, int n)          \
    {                                                         \
        int lo = 0, hi = n;                                   \
        while (lo < hi) {                                     \
            int mid = lo + (hi - lo) / 2;                     \
            if (below(v[mid], x))                             \
                lo = mid + 1;                                 \
            else                                              \
                hi = mid;                                     \
        }                                                     \
        return lo < n && equal(v[lo], x);                     \
    }
#define FLOW_NUM_BELOW(a, b) ((a) < (b))
#define FLOW_NUM_EQUAL(a, b) ((a) == (b))
#define FLOW_STR_BELOW(a, b) (flow_str_cmp((a), (b)) < 0)
FLOW_IN_SORTED(flow_i64_in_sorted, int64_t, FLOW_NUM_BELOW, FLOW_NUM_EQUAL)
FLOW_IN_SORTED(flow_f64_in_sorted, double, FLOW_NUM_BELOW, FLOW_NUM_EQUAL)
FLOW_IN_SORTED(flow_str_in_sorted, FlowStr, FLOW_STR_BELOW, flow_str_eq)
#undef FLOW_IN_SORTED
#undef FLOW_NUM_BELOW
#undef FLOW_NUM_EQUAL
#undef FLOW_STR_BELOW

#pragma GCC visibility pop

#endif
