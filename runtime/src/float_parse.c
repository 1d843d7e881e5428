/* float_parse.c: the exact decimal-to-double conversion behind
 * flow_parse_float64 for significands of up to 19 digits, so that the
 * 16- and 17-digit values that floats are usually written with (and that
 * Clinger's fast path cannot take) need no strtod.
 *
 * The method is Eisel and Lemire's ("Number Parsing at a Gigabyte per
 * Second", 2021), written for our 128-bit power table (pow10_table.h): the
 * significand, shifted to fill 64 bits, times the 128-bit mantissa of 10^q
 * gives the value's leading bits with an error below two units of the 128th
 * bit of the product. When that error could change the rounding (the bits
 * below the 54th are all ones, or all zeros at a possible tie) or the result
 * would be subnormal or infinite, it gives up and strtod decides, so the
 * result is always the correctly rounded one. */
#include <string.h>

#include "codec_internal.h"
#include "pow10_table.h"

#ifdef __SIZEOF_INT128__

__extension__ typedef unsigned __int128 u128;

bool flowrt_codec_decimal_to_double(bool neg, uint64_t w, int64_t q, double *out)
{
    if (w == 0) {
        *out = neg ? -0.0 : 0.0;
        return true;
    }
    if (q < FLOW_POW10_MIN || q > FLOW_POW10_MAX)
        return false;
    int lz = __builtin_clzll(w);
    uint64_t wn = w << lz;
    uint64_t c_hi = flow_pow10_table[q - FLOW_POW10_MIN].hi;
    uint64_t c_lo = flow_pow10_table[q - FLOW_POW10_MIN].lo;
    int b = flow_pow10_table[q - FLOW_POW10_MIN].exp2;

    /* The top 128 bits (hi, mid) of the 192-bit product wn * c; the true
     * wn * 10^q * 2^-b lies in [(hi, mid), (hi, mid) + 2) units of 2^64. */
    u128 lo_prod = (u128)wn * c_lo, hi_prod = (u128)wn * c_hi;
    u128 top = hi_prod + (uint64_t)(lo_prod >> 64);
    uint64_t hi = (uint64_t)(top >> 64), mid = (uint64_t)top;

    int upper = (int)(hi >> 63); /* the product has 127 or 128 bits */
    int drop = 9 + upper;        /* bits of hi below the 54 we keep */
    uint64_t mask = (UINT64_C(1) << drop) - 1;
    uint64_t m54 = hi >> drop;
    if ((hi & mask) == mask && mid >= UINT64_MAX - 1)
        return false; /* the error could carry into the kept bits */
    if ((hi & mask) == 0 && mid == 0 && (m54 & 1))
        return false; /* possibly exactly halfway: ties go to even */
    uint64_t m53 = (m54 >> 1) + (m54 & 1);
    int e = drop + 1 + 128 + b - lz; /* value = m53 * 2^e */
    if (m53 == UINT64_C(1) << 53) {
        m53 >>= 1;
        e++;
    }
    int biased = e + 52 + 1023;
    if (biased < 1 || biased > 2046)
        return false;
    uint64_t bits = (uint64_t)neg << 63 | (uint64_t)biased << 52 |
                    (m53 & ((UINT64_C(1) << 52) - 1));
    memcpy(out, &bits, sizeof *out);
    return true;
}

#else

bool flowrt_codec_decimal_to_double(bool neg, uint64_t w, int64_t q, double *out)
{
    (void)neg;
    (void)w;
    (void)q;
    (void)out;
    return false;
}

#endif
