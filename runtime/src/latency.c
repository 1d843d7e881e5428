/* latency.c: the latency histogram (latency.h). */
#include "latency.h"

#include <stdio.h>
#include <string.h>

/* Values below LATENCY_SUB ns have a bucket each; above, a value of
 * exponent e (its highest bit) falls in one of the LATENCY_SUB equal parts
 * of [2^e, 2^(e+1)). */
static int bucket_of(uint64_t v)
{
    if (v < LATENCY_SUB)
        return (int)v;
    int e = 63 - __builtin_clzll(v);
    int sub = (int)((v >> (e - 4)) & (LATENCY_SUB - 1));
    return (e - 3) * LATENCY_SUB + sub;
}

/* The largest value of bucket b. */
static int64_t bucket_top(int b)
{
    if (b < LATENCY_SUB)
        return b;
    int e = b / LATENCY_SUB + 3, sub = b % LATENCY_SUB;
    uint64_t low = ((uint64_t)LATENCY_SUB + (uint64_t)sub) << (e - 4);
    return (int64_t)(low + (UINT64_C(1) << (e - 4)) - 1);
}

void flowrt_latency_add(Latency *l, int64_t ns, int64_t weight)
{
    if (weight <= 0)
        return;
    if (ns < 0)
        ns = 0;
    l->counts[bucket_of((uint64_t)ns)] += weight;
    l->n += weight;
    if (ns > l->max_ns)
        l->max_ns = ns;
}

int64_t flowrt_latency_quantile(const Latency *l, double q)
{
    if (l->n == 0)
        return 0;
    int64_t want = (int64_t)(q * (double)l->n + 0.999999), seen = 0;
    if (want < 1)
        want = 1;
    for (int b = 0; b < LATENCY_BUCKETS; b++) {
        seen += l->counts[b];
        if (seen >= want) {
            int64_t top = bucket_top(b);
            return top < l->max_ns ? top : l->max_ns;
        }
    }
    return l->max_ns;
}

void flowrt_latency_reset(Latency *l)
{
    memset(l, 0, sizeof *l);
}

void flowrt_latency_describe(const Latency *l, char *buf, int size)
{
    if (l->n == 0) {
        snprintf(buf, (size_t)size, "-");
        return;
    }
    snprintf(buf, (size_t)size, "p50 %.3fms p99 %.3fms p99.9 %.3fms max %.3fms",
             (double)flowrt_latency_quantile(l, 0.5) / 1e6,
             (double)flowrt_latency_quantile(l, 0.99) / 1e6,
             (double)flowrt_latency_quantile(l, 0.999) / 1e6, (double)l->max_ns / 1e6);
}
