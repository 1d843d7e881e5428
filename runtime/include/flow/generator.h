/* flow/generator.h: the synthetic source `generator(count, seed, keys,
 * events_per_second, disorder, rate)` of LANGUAGE.md §7, and its algorithm
 * (a fixed one, so every machine makes the same records).
 *
 * Every record has its own pseudo-random stream: splitmix64 started from
 * mix64(mix64(seed) + mix64(record number)). Its fields are drawn from it in
 * schema order: integers uniform in [0, keys) by rejection (int32: keys
 * capped at 2^31), float64 from the top 53 bits, bool from the top bit,
 * strings "s" + an int64 draw, and timestamps 2024-01-01T00:00:00Z +
 * n/events_per_second s, minus a draw in [0, disorder] ms when disorder > 0.
 *
 * Two ways to make records with it. Generated code makes a whole batch
 * itself (FlowGenerateBatchFn): its loop draws each field with the inline
 * functions below, with the connector's literal arguments folded in as
 * constants, and pushes each record straight to its first stage. The
 * per-record calls (FlowGenerateFn, flow_gen_int64 and the others) make the
 * same values from the runtime's state, for code that describes a program
 * by hand. */
#ifndef FLOW_GENERATOR_H
#define FLOW_GENERATOR_H

#include "flow/runtime.h"

/* Exported (libflowrt is built with -fvisibility=hidden: flow/program.h). */
#pragma GCC visibility push(default)

/* 2024-01-01T00:00:00.000Z: the event time of record 0. */
#define FLOW_GEN_EPOCH_MS INT64_C(1704067200000)
/* The arguments' defaults (LANGUAGE.md §7); disorder's is 0. */
#define FLOW_GEN_DEFAULT_KEYS 1000
#define FLOW_GEN_DEFAULT_EVENTS_PER_SECOND 1000

static inline uint64_t flow_gen_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* The start of record n's stream; mixed_seed is flow_gen_mix64(seed). */
static inline uint64_t flow_gen_stream(uint64_t mixed_seed, int64_t n)
{
    return flow_gen_mix64(mixed_seed + flow_gen_mix64((uint64_t)n));
}

/* The stream's next 64 bits (splitmix64). */
static inline uint64_t flow_gen_next(uint64_t *state)
{
    *state += 0x9E3779B97F4A7C15ULL;
    return flow_gen_mix64(*state);
}

/* Uniform in [0, k), k >= 1: the lowest 2^64 mod k values are drawn again,
 * so that every residue is equally likely. With k a constant the compiler
 * makes both divisions multiplications. */
static inline uint64_t flow_gen_uniform(uint64_t *state, uint64_t k)
{
    uint64_t threshold = (0 - k) % k, x;
    do
        x = flow_gen_next(state);
    while (x < threshold);
    return x % k;
}

/* The k that int32 fields draw below: keys, at most 2^31. */
static inline uint64_t flow_gen_int32_range(int64_t keys)
{
    return keys < INT32_MAX ? (uint64_t)keys : (uint64_t)INT32_MAX + 1;
}

/* Record n's event time before disorder. */
static inline int64_t flow_gen_time(int64_t n, int64_t events_per_second)
{
    return FLOW_GEN_EPOCH_MS + n * 1000 / events_per_second;
}

/* A string field's value for an int64 draw: "s" + its decimal digits, in
 * scratch memory. */
FlowStr flow_gen_key_string(FlowRuntime *rt, int64_t key);

/* One batch of records for a FlowGenerateBatchFn, filled by the runtime. */
typedef struct FlowGenBatch {
    int64_t first, end;        /* make records first .. end - 1, in order */
    uint64_t mixed_seed;       /* flow_gen_mix64(seed) */
    /* The arguments' values, for those the generated code did not fold. */
    int64_t keys, events_per_second, disorder_ms;
    /* Set to n + 1 before record n is pushed: reports of bad records give
     * the number of the record they are about. */
    int64_t *record_number;
    /* The program failed (a bad record under on_error="fail", a write
     * error): no record after the current one may be pushed. */
    const bool *failed;
} FlowGenBatch;

/* Makes and pushes records b->first .. b->end - 1, stopping early once
 * *b->failed; returns the number of the first record it did not make. The
 * runtime releases scratch memory once per batch, not per record. */
typedef int64_t (*FlowGenerateBatchFn)(FlowRuntime *rt, FlowGenBatch *b);

typedef struct FlowGen FlowGen;

bool flow_gen_bool(FlowGen *g);
int32_t flow_gen_int32(FlowGen *g);     /* uniform in [0, keys) */
int64_t flow_gen_int64(FlowGen *g);     /* uniform in [0, keys) */
double flow_gen_float64(FlowGen *g);    /* uniform in [0, 1) */
FlowStr flow_gen_string(FlowGen *g, FlowRuntime *rt); /* "s" + [0, keys), in scratch */
/* 2024-01-01T00:00:00Z + n/events_per_second s, minus uniform [0, disorder] ms,
 * for record number n. */
int64_t flow_gen_timestamp(FlowGen *g);

#pragma GCC visibility pop

#endif
