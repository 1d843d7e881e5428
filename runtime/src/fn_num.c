/* fn_num.c: round() with digits, for float64 on its decimal text and for
 * integers (flow/fn_num.h). */
#include "flow/fn_num.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/codec.h"

double flow_f64_round(double x, int64_t digits)
{
    if (digits == 0)
        return flow_f64_round0(x);
    if (!isfinite(x) || x == 0)
        return x == 0 ? 0.0 : x;
    /* A double has no digits past 10^-1100 and none above 10^309. */
    if (digits > 1100)
        return x;
    if (digits < -400)
        return 0.0;
    /* x's shortest decimal as 0.D * 10^point, D without leading zeros. */
    char text[FLOW_FLOAT64_MAX], d[FLOW_FLOAT64_MAX + 2];
    flow_format_float64(text, x);
    const char *p = text + (x < 0);
    int nd = 0, point = 0;
    bool seen_point = false;
    for (; *p && *p != 'e'; p++) {
        if (*p == '.') {
            seen_point = true;
        } else if (nd == 0 && *p == '0') {
            point -= seen_point; /* a leading zero after the point */
        } else {
            d[nd++] = *p;
            point += !seen_point;
        }
    }
    if (*p == 'e')
        point += atoi(p + 1);
    /* Keep the digits worth at least 10^-digits; the next one rounds. */
    int64_t keep = (int64_t)point + digits;
    if (keep >= nd)
        return x;
    if (keep < 0)
        return 0.0;
    bool up = d[keep] >= '5';
    int k = (int)keep;
    if (up) {
        int i = k - 1;
        while (i >= 0 && d[i] == '9')
            d[i--] = '0';
        if (i >= 0) {
            d[i]++;
        } else {
            memmove(d + 1, d, (size_t)k);
            d[0] = '1';
            k++;
            point++;
        }
    }
    if (k == 0)
        return 0.0;
    char out[FLOW_FLOAT64_MAX + 16];
    snprintf(out, sizeof out, "%s0.%.*se%d", x < 0 ? "-" : "", k, d, point);
    return strtod(out, NULL);
}

int64_t flow_i64_round(int64_t x, int64_t digits)
{
    if (digits >= 0)
        return x;
    if (digits < -19)
        return 0;
    /* On the magnitude, in uint64_t: |INT64_MIN| and 10^19 fit there. */
    uint64_t p = 1;
    for (int64_t i = 0; i < -digits; i++)
        p *= 10;
    uint64_t m = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
    uint64_t q = m / p, r = m % p;
    if (r >= p - r)
        q++;
    uint64_t v = q * p; /* wraps for a result past the range */
    return (int64_t)(x < 0 ? 0 - v : v);
}
