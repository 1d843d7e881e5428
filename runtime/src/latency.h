/* latency.h: the histogram of how long records take from their arrival in
 * the process to the write(2) of their results (docs/architecture.md,
 * "Latency"): log-linear buckets of nanoseconds, 16 per power of two, so a
 * quantile is within 1/16 (6.25%) of the true value, in a fixed 8 KiB. */
#ifndef FLOWRT_LATENCY_H
#define FLOWRT_LATENCY_H

#include <stdint.h>

#define LATENCY_SUB 16                      /* buckets per power of two */
#define LATENCY_BUCKETS (64 * LATENCY_SUB)

typedef struct Latency {
    int64_t counts[LATENCY_BUCKETS];
    int64_t n;                              /* records counted */
    int64_t max_ns;
} Latency;

/* `weight` records that took `ns` each. */
void flowrt_latency_add(Latency *l, int64_t ns, int64_t weight);
/* The q-quantile (0 < q <= 1) in ns: the upper edge of its bucket; 0 when
 * nothing was counted. */
int64_t flowrt_latency_quantile(const Latency *l, double q);
void flowrt_latency_reset(Latency *l);
/* "p50 1.2ms p99 3.4ms p99.9 5.0ms max 7.1ms" into buf, or "-" when empty. */
void flowrt_latency_describe(const Latency *l, char *buf, int size);

#endif
