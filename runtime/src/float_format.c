/* float_format.c: flow_format_float64, the shortest text that reads back to
 * the same double.
 *
 * The text is defined by the original implementation, kept here as
 * flowrt_codec_format_float64_slow: `%.15g`, then `%.16g`, then `%.17g`, the first
 * whose strtod reads back the same double (subnormals from `%.1g` up). Any
 * faster code must write exactly the same bytes, layout included (`1e+21`,
 * `1e-05`, `0.0001`, `-0`).
 *
 * The fast path computes the same thing without printf: it scales |v| by a
 * power of ten from a 128-bit table (pow10_table.h) so that the 17 or 18
 * significant digits land in the integer part of a 64.64 fixed-point number
 * W, with an error of at most two units in the last of its 64 fraction bits.
 * From W it rounds to P = 15, 16, 17 digits as printf does (to nearest, ties
 * to even), and decides whether the rounded decimal reads back to v by
 * comparing it with the bounds of v's rounding interval, scaled the same way.
 * When W is too close to a rounding tie or the decimal too close to a bound
 * for the error to be ruled out, the fast path gives up and the slow path
 * answers; so the result is exact, and the slow path runs for a tiny
 * fraction of values (tests/unit/rt_float.c measures it). We wrote this
 * ourselves because no C library in Debian does shortest round-trip output
 * (double-conversion is C++); the idea of scaling by cached powers and
 * falling back when undecided is Grisu3's (Loitsch, PLDI 2010). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"
#include "flow/codec.h"
#include "pow10_table.h"

size_t flowrt_codec_format_float64_slow(char *buf, double v)
{
    int n = 0;
    for (int prec = fabs(v) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
        n = snprintf(buf, FLOW_FLOAT64_MAX, "%.*g", prec, v);
        if (prec == 17 || strtod(buf, NULL) == v)
            break;
    }
    return (size_t)n;
}

#ifdef __SIZEOF_INT128__

__extension__ typedef unsigned __int128 u128;

static const uint64_t pow10_u64[] = { 1,          10,          100,          1000,
                                      10000,      100000,      1000000,      10000000,
                                      100000000,  1000000000,  10000000000,  100000000000,
                                      1000000000000,  10000000000000,  100000000000000,
                                      1000000000000000,  10000000000000000,
                                      100000000000000000,  1000000000000000000 };

/* How far apart two scaled values must be, in units of 2^-64, to be told
 * apart despite the scaling error (two units per value, three values). */
#define UNDECIDED 64

static u128 distance(u128 a, u128 b)
{
    return a > b ? a - b : b - a;
}

/* Writes the P digits of q (already normalised: 10^(P-1) <= q < 10^P) with
 * decimal exponent x in printf's %.Pg layout. */
static size_t layout(char *buf, bool neg, uint64_t q, int p, int x)
{
    char digits[24];
    int nd = (int)flowrt_codec_format_u64(digits, q);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    char *o = buf;
    if (neg)
        *o++ = '-';
    if (x < p && x >= -4) {
        if (x >= 0) {
            for (int i = 0; i <= x; i++)
                *o++ = i < nd ? digits[i] : '0';
            if (nd > x + 1) {
                *o++ = '.';
                memcpy(o, digits + x + 1, (size_t)(nd - x - 1));
                o += nd - x - 1;
            }
        } else {
            *o++ = '0';
            *o++ = '.';
            for (int i = -1; i > x; i--)
                *o++ = '0';
            memcpy(o, digits, (size_t)nd);
            o += nd;
        }
    } else {
        *o++ = digits[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, digits + 1, (size_t)(nd - 1));
            o += nd - 1;
        }
        *o++ = 'e';
        *o++ = x < 0 ? '-' : '+';
        int ax = x < 0 ? -x : x;
        if (ax >= 100)
            *o++ = (char)('0' + ax / 100);
        *o++ = (char)('0' + ax / 10 % 10);
        *o++ = (char)('0' + ax % 10);
    }
    *o = '\0';
    return (size_t)(o - buf);
}

size_t flowrt_codec_format_float64_fast(char *buf, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    bool neg = bits >> 63;
    int biased = (int)(bits >> 52 & 0x7ff);
    uint64_t frac = bits & ((UINT64_C(1) << 52) - 1);
    if (biased == 0 || biased == 0x7ff)
        return 0; /* zero, subnormals (printf's precision starts at 1), nan, inf */
    uint64_t m = frac | UINT64_C(1) << 52;
    int e2 = biased - 1075; /* |v| = m * 2^e2 */
    /* At a power of two the gap below is half the gap above. */
    bool narrow = frac == 0 && biased > 1;

    /* floor(log10(2^(e2+52))) <= floor(log10|v|) <= that + 1: scaling by
     * 10^(16 - x_est) gives 17 or 18 digits before the point. */
    int x_est = (int)floor((e2 + 52) * 0.30102999566398120);
    int k = 16 - x_est;
    if (k < FLOW_POW10_MIN || k > FLOW_POW10_MAX)
        return 0;
    uint64_t c_hi = flow_pow10_table[k - FLOW_POW10_MIN].hi;
    uint64_t c_lo = flow_pow10_table[k - FLOW_POW10_MIN].lo;
    int shift = -(e2 - 2 + flow_pow10_table[k - FLOW_POW10_MIN].exp2 + 64);
    if (shift <= 0 || shift >= 128)
        return 0;

    /* W = 4m * c >> shift and the quarter ulp U = c >> shift, both 64.64. */
    uint64_t m4 = m << 2;
    u128 lo_prod = (u128)m4 * c_lo, hi_prod = (u128)m4 * c_hi;
    u128 mid = (lo_prod >> 64) + (uint64_t)hi_prod;
    uint64_t t0 = (uint64_t)lo_prod, t1 = (uint64_t)mid;
    uint64_t t2 = (uint64_t)(hi_prod >> 64) + (uint64_t)(mid >> 64);
    u128 top = (u128)t2 << 64 | t1, c = (u128)c_hi << 64 | c_lo;
    u128 w, quarter = c >> shift;
    if (shift >= 64)
        w = top >> (shift - 64);
    else
        w = top << (64 - shift) | t0 >> shift;
    u128 lower = w - (narrow ? quarter : 2 * quarter), upper = w + 2 * quarter;

    uint64_t whole = (uint64_t)(w >> 64);
    uint64_t fraction = (uint64_t)w;
    int ndig = whole >= pow10_u64[17] ? 18 : 17;
    if (whole < pow10_u64[16] || whole >= pow10_u64[18])
        return 0;
    for (int p = 15; p <= 17; p++) {
        uint64_t d = pow10_u64[ndig - p];
        uint64_t q = whole / d;
        u128 rem = (u128)(whole % d) << 64 | fraction, half = (u128)d << 63;
        if (distance(rem, half) <= UNDECIDED)
            return 0;
        if (rem > half)
            q++;
        if (p < 17) {
            u128 cand = (u128)(q * d) << 64;
            if (distance(cand, lower) <= UNDECIDED || distance(cand, upper) <= UNDECIDED)
                return 0;
            if (cand <= lower || cand >= upper)
                continue;
        }
        int x = x_est + ndig - 17;
        if (q == pow10_u64[p]) {
            q = pow10_u64[p - 1];
            x++;
        }
        return layout(buf, neg, q, p, x);
    }
    return 0;
}

#else

size_t flowrt_codec_format_float64_fast(char *buf, double v)
{
    (void)buf;
    (void)v;
    return 0;
}

#endif

size_t flow_format_float64(char *buf, double v)
{
    if (isnan(v)) {
        memcpy(buf, "nan", 4);
        return 3;
    }
    if (isinf(v)) {
        if (v < 0) {
            memcpy(buf, "-inf", 5);
            return 4;
        }
        memcpy(buf, "inf", 4);
        return 3;
    }
    if (fabs(v) < 1e15 && v == (double)(int64_t)v) {
        /* Integral values: the common case of counts and sums. */
        if (v == 0 && signbit(v)) {
            memcpy(buf, "-0", 3);
            return 2;
        }
        return flow_format_int64(buf, (int64_t)v);
    }
    size_t n = flowrt_codec_format_float64_fast(buf, v);
    return n ? n : flowrt_codec_format_float64_slow(buf, v);
}
