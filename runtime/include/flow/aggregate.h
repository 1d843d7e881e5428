/* flow/aggregate.h: the accumulators of the aggregates whose state is more
 * than a value or two (docs/language.md, "Aggregates"): the moments of
 * stddev_* and var_*, the values or sketch of percentile, the JSON text of
 * collect_list. Each is a member of a generated state struct, zeroed when
 * the state is made; add takes one value, merge another state's (sliding
 * windows' panes, merged sessions), and the checkpoint calls save and
 * restore it. */
#ifndef FLOW_AGGREGATE_H
#define FLOW_AGGREGATE_H

#include <stdbool.h>
#include <stdint.h>

#include "flow/checkpoint.h"
#include "flow/value.h"

#pragma GCC visibility push(default)

/* ---- stddev_pop, stddev_samp, var_pop, var_samp ------------------------------------- */

/* Welford's running mean and sum of squared deviations from it: one pass,
 * no cancellation of a sum of squares (docs/language.md, "Aggregates"). */
typedef struct FlowMoments {
    int64_t n;
    double mean;
    double m2;
} FlowMoments;

static inline void flow_moments_add(FlowMoments *m, double x)
{
    m->n++;
    double d = x - m->mean;
    m->mean += d / (double)m->n;
    m->m2 += d * (x - m->mean);
}

/* Chan's pairwise update: the moments of the values of both. */
static inline void flow_moments_merge(FlowMoments *d, const FlowMoments *s)
{
    if (s->n == 0)
        return;
    if (d->n == 0) {
        *d = *s;
        return;
    }
    double n = (double)d->n + (double)s->n;
    double delta = s->mean - d->mean;
    d->mean += delta * ((double)s->n / n);
    d->m2 += s->m2 + delta * delta * ((double)d->n * (double)s->n / n);
    d->n += s->n;
}

/* Population (divided by n, n >= 1) and sample (by n - 1, n >= 2) variance
 * and their square roots; the caller tests n. */
double flow_moments_var_pop(const FlowMoments *m);
double flow_moments_var_samp(const FlowMoments *m);
double flow_moments_stddev_pop(const FlowMoments *m);
double flow_moments_stddev_samp(const FlowMoments *m);

void flow_ckpt_put_moments(FlowCkptOut *out, const FlowMoments *m);
void flow_ckpt_get_moments(FlowCkptIn *in, FlowMoments *m);

/* ---- percentile ------------------------------------------------------------------- */

/* Up to this many values a state keeps them all and its percentile is
 * exact; past it they go into a sketch. */
#define FLOW_QUANTILES_EXACT 4096
/* The sketch (DDSketch): buckets of values whose magnitudes lie in
 * (g^(k-1), g^k], g = (1 + a) / (1 - a), so that a bucket's middle is within
 * a relative error a of every value in it. */
#define FLOW_QUANTILES_ALPHA 0.01
/* Buckets per sign at most: a span of magnitudes of g^2048 (about 10^17).
 * Past it the buckets of the smallest magnitudes are folded together, and
 * only the quantiles that fall in them lose their bound. */
#define FLOW_QUANTILES_BUCKETS 2048

typedef struct FlowSketch FlowSketch;

typedef struct FlowQuantiles {
    int64_t n;           /* values added */
    double *values;      /* exact: the n values in arrival order, or NULL */
    int64_t cap;
    FlowSketch *sketch;  /* past FLOW_QUANTILES_EXACT values, and values is NULL */
} FlowQuantiles;

void flow_quantiles_add(FlowQuantiles *q, double v);
void flow_quantiles_merge(FlowQuantiles *d, const FlowQuantiles *s);
/* The p-quantile (0 <= p <= 1) of the values of q (n >= 1): exact, the
 * linear interpolation between the order statistics around rank p * (n - 1)
 * (nan above every number); from the sketch, the middle of the bucket of the
 * order statistic of rank floor(p * (n - 1)), within a relative error
 * FLOW_QUANTILES_ALPHA of it. */
double flow_quantiles_get(const FlowQuantiles *q, double p);
void flow_quantiles_free(FlowQuantiles *q);
/* The memory q owns, in bytes (the state store's cache counts it). */
size_t flow_quantiles_bytes(const FlowQuantiles *q);

void flow_ckpt_put_quantiles(FlowCkptOut *out, const FlowQuantiles *q);
/* Into a zeroed *q. */
void flow_ckpt_get_quantiles(FlowCkptIn *in, FlowQuantiles *q);

/* ---- collect_list ----------------------------------------------------------------- */

/* The JSON array of the values so far, without its closing bracket: "[1,2"
 * (NULL for no value). Values are written as the JSON sink writes them:
 * numbers, true and false, strings and timestamps quoted and escaped, nan
 * and infinities as strings. */
typedef struct FlowJsonList {
    char *text;
    int64_t len, cap;    /* cap keeps a byte for the closing bracket */
    int64_t count;       /* values */
} FlowJsonList;

void flow_list_add_i64(FlowJsonList *l, int64_t v);
void flow_list_add_f64(FlowJsonList *l, double v);
void flow_list_add_bool(FlowJsonList *l, bool v);
void flow_list_add_str(FlowJsonList *l, FlowStr v);
void flow_list_add_ts(FlowJsonList *l, int64_t ms);
/* The values of s after those of d, or (prepend) before them. */
void flow_list_append(FlowJsonList *d, const FlowJsonList *s);
void flow_list_prepend(FlowJsonList *d, const FlowJsonList *s);
/* The array's text, "[]" for none: valid until l changes. */
FlowStr flow_list_json(const FlowJsonList *l);
void flow_list_free(FlowJsonList *l);
/* The memory l owns, in bytes. */
size_t flow_list_bytes(const FlowJsonList *l);

void flow_ckpt_put_list(FlowCkptOut *out, const FlowJsonList *l);
/* Into a zeroed *l. */
void flow_ckpt_get_list(FlowCkptIn *in, FlowJsonList *l);

#pragma GCC visibility pop

#endif
