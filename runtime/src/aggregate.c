/* aggregate.c: the accumulators of flow/aggregate.h: the results and
 * checkpoints of moments, the exact values and DDSketch of percentile, the
 * JSON text of collect_list. */
#include "flow/aggregate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/codec.h"
#include "flow/expr.h"
#include "flow/state.h"

static void *grow(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (!q) {
        fprintf(stderr, "flow: out of memory (operator state)\n");
        abort();
    }
    return q;
}

/* ---- Moments ---------------------------------------------------------------- */

/* Rounding can leave a sum of squares of equal values a hair below zero. */
static double nonneg(double v)
{
    return v < 0 ? 0 : v;
}

double flow_moments_var_pop(const FlowMoments *m)
{
    return nonneg(m->m2) / (double)m->n;
}

double flow_moments_var_samp(const FlowMoments *m)
{
    return nonneg(m->m2) / (double)(m->n - 1);
}

double flow_moments_stddev_pop(const FlowMoments *m)
{
    return sqrt(flow_moments_var_pop(m));
}

double flow_moments_stddev_samp(const FlowMoments *m)
{
    return sqrt(flow_moments_var_samp(m));
}

void flow_ckpt_put_moments(FlowCkptOut *out, const FlowMoments *m)
{
    flow_ckpt_put_i64(out, m->n);
    flow_ckpt_put_f64(out, m->mean);
    flow_ckpt_put_f64(out, m->m2);
}

void flow_ckpt_get_moments(FlowCkptIn *in, FlowMoments *m)
{
    m->n = flow_ckpt_get_count(in, INT64_MAX);
    m->mean = flow_ckpt_get_f64(in);
    m->m2 = flow_ckpt_get_f64(in);
}

/* ---- Quantiles: the sketch ----------------------------------------------------- */

/* The counts of the buckets lo .. lo + len - 1 of one sign. */
typedef struct Store {
    int64_t *counts;
    int32_t lo, len;
} Store;

/* Values of a sign by bucket of magnitude; the others by kind, in the
 * order of the values: -inf, negatives, zeros, positives, +inf, nan. */
struct FlowSketch {
    Store neg, pos;
    int64_t neg_inf, zero, pos_inf, nan;
};

static double gamma_log(void)
{
    static double g;
    if (g == 0)
        g = log((1 + FLOW_QUANTILES_ALPHA) / (1 - FLOW_QUANTILES_ALPHA));
    return g;
}

/* The bucket of a finite magnitude m > 0: ceil(log_g m). */
static int32_t bucket_of(double m)
{
    return (int32_t)ceil(log(m) / gamma_log());
}

/* The middle of bucket k, within a relative error alpha of each of its values. */
static double bucket_value(int32_t k)
{
    double g = (1 + FLOW_QUANTILES_ALPHA) / (1 - FLOW_QUANTILES_ALPHA);
    return 2 * exp((double)k * gamma_log()) / (g + 1);
}

/* Adds `count` to bucket k, growing the store to hold it; past
 * FLOW_QUANTILES_BUCKETS the lowest buckets are folded into the lowest kept. */
static void store_add(Store *s, int32_t k, int64_t count)
{
    if (s->len == 0) {
        s->counts = grow(NULL, sizeof *s->counts);
        s->counts[0] = count;
        s->lo = k;
        s->len = 1;
        return;
    }
    int32_t hi = s->lo + s->len - 1;
    int32_t lo = k < s->lo ? k : s->lo;
    if (k > hi)
        hi = k;
    if (hi - lo + 1 > FLOW_QUANTILES_BUCKETS)
        lo = hi - FLOW_QUANTILES_BUCKETS + 1;
    if (lo != s->lo || hi != s->lo + s->len - 1) {
        int32_t len = hi - lo + 1;
        int64_t *counts = grow(NULL, sizeof *counts * (size_t)len);
        memset(counts, 0, sizeof *counts * (size_t)len);
        for (int32_t i = 0; i < s->len; i++) {
            int32_t key = s->lo + i;
            counts[(key < lo ? lo : key) - lo] += s->counts[i];
        }
        free(s->counts);
        s->counts = counts;
        s->lo = lo;
        s->len = len;
    }
    s->counts[(k < s->lo ? s->lo : k) - s->lo] += count;
}

static void sketch_add(FlowSketch *sk, double v, int64_t count)
{
    if (v != v)
        sk->nan += count;
    else if (v == 0)
        sk->zero += count;
    else if (isinf(v))
        *(v > 0 ? &sk->pos_inf : &sk->neg_inf) += count;
    else if (v > 0)
        store_add(&sk->pos, bucket_of(v), count);
    else
        store_add(&sk->neg, bucket_of(-v), count);
}

static void store_merge(Store *d, const Store *s)
{
    for (int32_t i = 0; i < s->len; i++)
        if (s->counts[i])
            store_add(d, s->lo + i, s->counts[i]);
}

/* The value of rank r (0-based) in the sketch's order. */
static double sketch_get(const FlowSketch *sk, int64_t r)
{
    if (r < sk->neg_inf)
        return -INFINITY;
    r -= sk->neg_inf;
    for (int32_t i = sk->neg.len - 1; i >= 0; i--) {
        if (r < sk->neg.counts[i])
            return -bucket_value(sk->neg.lo + i);
        r -= sk->neg.counts[i];
    }
    if (r < sk->zero)
        return 0;
    r -= sk->zero;
    for (int32_t i = 0; i < sk->pos.len; i++) {
        if (r < sk->pos.counts[i])
            return bucket_value(sk->pos.lo + i);
        r -= sk->pos.counts[i];
    }
    if (r < sk->pos_inf)
        return INFINITY;
    return NAN;
}

/* The exact values of q go into a new sketch. */
static void to_sketch(FlowQuantiles *q)
{
    q->sketch = flow_state_alloc(sizeof *q->sketch);
    for (int64_t i = 0; i < q->n; i++)
        sketch_add(q->sketch, q->values[i], 1);
    free(q->values);
    q->values = NULL;
    q->cap = 0;
}

/* ---- Quantiles ------------------------------------------------------------------- */

static void push_value(FlowQuantiles *q, double v)
{
    if (q->n == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 8;
        q->values = grow(q->values, sizeof *q->values * (size_t)q->cap);
    }
    q->values[q->n++] = v;
}

void flow_quantiles_add(FlowQuantiles *q, double v)
{
    if (!q->sketch && q->n == FLOW_QUANTILES_EXACT)
        to_sketch(q);
    if (q->sketch) {
        sketch_add(q->sketch, v, 1);
        q->n++;
        return;
    }
    push_value(q, v);
}

void flow_quantiles_merge(FlowQuantiles *d, const FlowQuantiles *s)
{
    if (!d->sketch && !s->sketch && d->n + s->n <= FLOW_QUANTILES_EXACT) {
        for (int64_t i = 0; i < s->n; i++)
            push_value(d, s->values[i]);
        return;
    }
    if (!d->sketch)
        to_sketch(d);
    if (s->sketch) {
        FlowSketch *a = d->sketch;
        const FlowSketch *b = s->sketch;
        store_merge(&a->neg, &b->neg);
        store_merge(&a->pos, &b->pos);
        a->neg_inf += b->neg_inf;
        a->zero += b->zero;
        a->pos_inf += b->pos_inf;
        a->nan += b->nan;
    } else {
        for (int64_t i = 0; i < s->n; i++)
            sketch_add(d->sketch, s->values[i], 1);
    }
    d->n += s->n;
}

/* nan above every number, as min and max order them. */
static int value_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return flow_f64_below(x, y) ? -1 : flow_f64_above(x, y) ? 1 : 0;
}

double flow_quantiles_get(const FlowQuantiles *q, double p)
{
    double rank = p * (double)(q->n - 1);
    if (q->sketch)
        return sketch_get(q->sketch, (int64_t)floor(rank));
    double *v = grow(NULL, sizeof *v * (size_t)q->n);
    memcpy(v, q->values, sizeof *v * (size_t)q->n);
    qsort(v, (size_t)q->n, sizeof *v, value_cmp);
    int64_t lo = (int64_t)floor(rank), hi = (int64_t)ceil(rank);
    double x = v[lo], y = v[hi];
    /* Equal neighbours (infinities and nans among them) need no blend. */
    double r = lo == hi || value_cmp(&x, &y) == 0 ? x : x + (rank - (double)lo) * (y - x);
    free(v);
    return r;
}

size_t flow_quantiles_bytes(const FlowQuantiles *q)
{
    size_t n = (size_t)q->cap * sizeof *q->values;
    if (q->sketch)
        n += sizeof *q->sketch +
             ((size_t)q->sketch->neg.len + (size_t)q->sketch->pos.len) * sizeof(int64_t);
    return n;
}

void flow_quantiles_free(FlowQuantiles *q)
{
    free(q->values);
    if (q->sketch) {
        free(q->sketch->neg.counts);
        free(q->sketch->pos.counts);
        flow_state_free(q->sketch);
    }
    memset(q, 0, sizeof *q);
}

static void put_store(FlowCkptOut *out, const Store *s)
{
    flow_ckpt_put_i64(out, s->lo);
    flow_ckpt_put_i64(out, s->len);
    for (int32_t i = 0; i < s->len; i++)
        flow_ckpt_put_i64(out, s->counts[i]);
}

static void get_store(FlowCkptIn *in, Store *s)
{
    int64_t lo = flow_ckpt_get_i64(in);
    int64_t len = flow_ckpt_get_count(in, FLOW_QUANTILES_BUCKETS);
    if (lo < INT32_MIN || lo > INT32_MAX - FLOW_QUANTILES_BUCKETS)
        lo = 0; /* only in a corrupt checkpoint, which the runtime rejects */
    for (int64_t i = 0; i < len && !flow_ckpt_failed(in); i++) {
        int64_t c = flow_ckpt_get_count(in, INT64_MAX);
        if (c)
            store_add(s, (int32_t)(lo + i), c);
    }
}

/* Whether it is a sketch and n; then the exact values in arrival order,
 * or the sketch's counts. */
void flow_ckpt_put_quantiles(FlowCkptOut *out, const FlowQuantiles *q)
{
    flow_ckpt_put_bool(out, q->sketch != NULL);
    flow_ckpt_put_i64(out, q->n);
    if (!q->sketch) {
        for (int64_t i = 0; i < q->n; i++)
            flow_ckpt_put_f64(out, q->values[i]);
        return;
    }
    const FlowSketch *sk = q->sketch;
    flow_ckpt_put_i64(out, sk->neg_inf);
    flow_ckpt_put_i64(out, sk->zero);
    flow_ckpt_put_i64(out, sk->pos_inf);
    flow_ckpt_put_i64(out, sk->nan);
    put_store(out, &sk->neg);
    put_store(out, &sk->pos);
}

void flow_ckpt_get_quantiles(FlowCkptIn *in, FlowQuantiles *q)
{
    if (!flow_ckpt_get_bool(in)) {
        int64_t n = flow_ckpt_get_count(in, FLOW_QUANTILES_EXACT);
        for (int64_t i = 0; i < n && !flow_ckpt_failed(in); i++)
            push_value(q, flow_ckpt_get_f64(in));
        return;
    }
    q->n = flow_ckpt_get_count(in, INT64_MAX);
    q->sketch = flow_state_alloc(sizeof *q->sketch);
    FlowSketch *sk = q->sketch;
    sk->neg_inf = flow_ckpt_get_count(in, INT64_MAX);
    sk->zero = flow_ckpt_get_count(in, INT64_MAX);
    sk->pos_inf = flow_ckpt_get_count(in, INT64_MAX);
    sk->nan = flow_ckpt_get_count(in, INT64_MAX);
    get_store(in, &sk->neg);
    get_store(in, &sk->pos);
}

/* ---- collect_list ------------------------------------------------------------------ */

/* Room for n more bytes and the closing bracket. */
static char *list_reserve(FlowJsonList *l, int64_t n)
{
    if (l->len + n + 1 > l->cap) {
        int64_t cap = l->cap ? l->cap * 2 : 32;
        while (cap < l->len + n + 1)
            cap *= 2;
        l->text = grow(l->text, (size_t)cap);
        l->cap = cap;
    }
    return l->text + l->len;
}

/* The separator before a new value: '[' for the first, else ','. */
static void list_next(FlowJsonList *l, int64_t n)
{
    char *o = list_reserve(l, n + 1);
    *o = l->count++ ? ',' : '[';
    l->len++;
}

void flow_list_add_i64(FlowJsonList *l, int64_t v)
{
    list_next(l, FLOW_INT64_MAX);
    l->len += (int64_t)flow_format_int64(l->text + l->len, v);
}

void flow_list_add_f64(FlowJsonList *l, double v)
{
    list_next(l, FLOW_FLOAT64_MAX + 2);
    char *o = l->text + l->len;
    bool quote = !isfinite(v); /* JSON has no nan or infinity */
    if (quote)
        *o++ = '"';
    o += flow_format_float64(o, v);
    if (quote)
        *o++ = '"';
    l->len = o - l->text;
}

void flow_list_add_bool(FlowJsonList *l, bool v)
{
    list_next(l, 5);
    memcpy(l->text + l->len, v ? "true" : "false", v ? 4 : 5);
    l->len += v ? 4 : 5;
}

void flow_list_add_ts(FlowJsonList *l, int64_t ms)
{
    list_next(l, FLOW_TIMESTAMP_MAX + 2);
    char *o = l->text + l->len;
    *o++ = '"';
    o += flow_format_timestamp(o, ms);
    *o++ = '"';
    l->len = o - l->text;
}

/* Escaped as the JSON sink escapes a string (sink.c). */
void flow_list_add_str(FlowJsonList *l, FlowStr v)
{
    list_next(l, v.len * 6 + 2);
    char *o = l->text + l->len;
    *o++ = '"';
    for (int64_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.ptr[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        default: o += snprintf(o, 6, "u%04x", c); break;
        }
    }
    *o++ = '"';
    l->len = o - l->text;
}

void flow_list_append(FlowJsonList *d, const FlowJsonList *s)
{
    if (s->count == 0)
        return;
    /* s's text after its '[' follows d's values and a ',' (or d's '[') */
    char *o = list_reserve(d, s->len);
    *o++ = d->count ? ',' : '[';
    memcpy(o, s->text + 1, (size_t)(s->len - 1));
    d->len += s->len;
    d->count += s->count;
}

void flow_list_prepend(FlowJsonList *d, const FlowJsonList *s)
{
    if (s->count == 0)
        return;
    if (d->count == 0) {
        flow_list_append(d, s);
        return;
    }
    list_reserve(d, s->len);
    /* "[d..." becomes "[s...,d...": d's values move right by s's length. */
    memmove(d->text + s->len, d->text, (size_t)d->len);
    memcpy(d->text, s->text, (size_t)s->len);
    d->text[s->len] = ',';
    d->len += s->len;
    d->count += s->count;
}

FlowStr flow_list_json(const FlowJsonList *l)
{
    if (l->count == 0)
        return (FlowStr){ "[]", 2 };
    l->text[l->len] = ']'; /* the byte list_reserve keeps */
    return (FlowStr){ l->text, l->len + 1 };
}

size_t flow_list_bytes(const FlowJsonList *l)
{
    return (size_t)l->cap;
}

void flow_list_free(FlowJsonList *l)
{
    free(l->text);
    memset(l, 0, sizeof *l);
}

void flow_ckpt_put_list(FlowCkptOut *out, const FlowJsonList *l)
{
    flow_ckpt_put_i64(out, l->count);
    flow_ckpt_put_str(out, (FlowStr){ l->count ? l->text : "", l->count ? l->len : 0 });
}

void flow_ckpt_get_list(FlowCkptIn *in, FlowJsonList *l)
{
    int64_t count = flow_ckpt_get_count(in, INT64_MAX);
    FlowStr s = flow_ckpt_get_str(in);
    if (count > 0 && s.len > 0 && !flow_ckpt_failed(in)) {
        memcpy(list_reserve(l, s.len), s.ptr, (size_t)s.len);
        l->len = s.len;
        l->count = count;
    }
    flow_str_release(s);
}
