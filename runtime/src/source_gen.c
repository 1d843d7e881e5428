/* source_gen.c: generator(count, seed, keys, events_per_second, disorder,
 * rate), the synthetic source of LANGUAGE.md §7, and the FlowGen calls of
 * flow/generator.h.
 *
 * Every record gets its own pseudo-random stream: splitmix64 started from a
 * mix of the seed and the record number. So the records depend only on the
 * arguments and the record number, the same on every machine, and seek() to
 * a record number is immediate. */
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "flow/codec.h"
#include "flow/generator.h"
#include "rt.h"

/* 2024-01-01T00:00:00.000Z */
#define GEN_EPOCH_MS INT64_C(1704067200000)

struct FlowGen {
    uint64_t seed;
    uint64_t state;          /* the current record's stream */
    int64_t n;               /* the current record number, from 0 */
    int64_t keys;
    int64_t events_per_second;
    int64_t disorder_ms;
};

typedef struct GenSource {
    Source base;
    FlowGen gen;
    int64_t count;           /* -1: unbounded */
    int64_t rate;            /* records per wall-clock second, 0: no cap */
    double started;          /* monotonic seconds of the first poll */
    int64_t produced_since_start;
} GenSource;

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t next64(FlowGen *g)
{
    g->state += 0x9E3779B97F4A7C15ULL;
    return mix64(g->state);
}

/* Uniform in [0, k): reject the lowest 2^64 mod k values so that every
 * residue is equally likely. */
static uint64_t uniform(FlowGen *g, uint64_t k)
{
    uint64_t threshold = (0 - k) % k, x;
    do
        x = next64(g);
    while (x < threshold);
    return x % k;
}

static void gen_start_record(FlowGen *g, int64_t n)
{
    g->n = n;
    g->state = mix64(g->seed + mix64((uint64_t)n));
}

bool flow_gen_bool(FlowGen *g)
{
    return next64(g) >> 63;
}

int32_t flow_gen_int32(FlowGen *g)
{
    uint64_t k = g->keys < INT32_MAX ? (uint64_t)g->keys : (uint64_t)INT32_MAX + 1;
    return (int32_t)uniform(g, k);
}

int64_t flow_gen_int64(FlowGen *g)
{
    return (int64_t)uniform(g, (uint64_t)g->keys);
}

double flow_gen_float64(FlowGen *g)
{
    return (double)(next64(g) >> 11) * 0x1.0p-53;
}

FlowStr flow_gen_string(FlowGen *g, FlowRuntime *rt)
{
    char *s = flow_scratch_alloc(rt, FLOW_INT64_MAX + 1);
    s[0] = 's';
    size_t n = flow_format_int64(s + 1, flow_gen_int64(g));
    return (FlowStr){ s, (int64_t)n + 1 };
}

int64_t flow_gen_timestamp(FlowGen *g)
{
    int64_t t = GEN_EPOCH_MS + g->n * 1000 / g->events_per_second;
    if (g->disorder_ms > 0)
        t -= (int64_t)uniform(g, (uint64_t)g->disorder_ms + 1);
    return t;
}

static SourceStatus gen_poll(Source *src, FlowRuntime *rt, int max)
{
    GenSource *gs = (GenSource *)src;
    FlowGen *g = &gs->gen;
    if (gs->rate > 0) {
        double now = runtime_seconds();
        if (gs->started == 0)
            gs->started = now;
        int64_t allowed = (int64_t)((now - gs->started) * (double)gs->rate) + 1;
        if (allowed - gs->produced_since_start < max)
            max = (int)(allowed - gs->produced_since_start);
        if (max <= 0)
            return SOURCE_IDLE;
    }
    int64_t next = g->n;
    for (int i = 0; i < max && !rt->failed; i++, next++) {
        if (gs->count >= 0 && next >= gs->count) {
            g->n = next;
            return SOURCE_DONE;
        }
        gen_start_record(g, next);
        src->where = next + 1;
        runtime_begin_record(rt, src);
        src->def->generate(rt, g);
        gs->produced_since_start++;
    }
    g->n = next;
    if (rt->failed)
        return SOURCE_FAILED;
    return gs->count >= 0 && next >= gs->count ? SOURCE_DONE : SOURCE_MORE;
}

static int64_t gen_position(const Source *src)
{
    return ((const GenSource *)src)->gen.n;
}

static bool gen_seek(Source *src, int64_t position)
{
    GenSource *gs = (GenSource *)src;
    if (position < 0)
        return false;
    gs->gen.n = position;
    return true;
}

static void gen_close(Source *src)
{
    free(src);
}

static const SourceOps gen_ops = { gen_poll, gen_position, gen_seek, gen_close };

Source *source_gen_open(const FlowSourceDef *def, int index, const ParamValues *params,
                        char **err)
{
    GenSource *gs = calloc(1, sizeof *gs);
    if (!gs) {
        *err = connargs_message(&def->conn, "out of memory");
        return NULL;
    }
    source_init(&gs->base, &gen_ops, def, index, "generator");
    gs->base.numbered_by_line = false;
    ConnArgs args;
    connargs_init(&args, &def->conn, params);
    gs->count = connargs_int(&args, "count", -1, 0);
    gs->gen.seed = mix64((uint64_t)connargs_int(&args, "seed", 0, INT64_MIN));
    gs->gen.keys = connargs_int(&args, "keys", 1000, 1);
    gs->gen.events_per_second = connargs_int(&args, "events_per_second", 1000, 1);
    gs->gen.disorder_ms = connargs_int(&args, "disorder", 0, 0);
    gs->rate = connargs_int(&args, "rate", 0, 1);
    source_common_args(&gs->base, &args, false);
    if (!def->generate && !args.err)
        args.err = connargs_message(&def->conn, "the program has no generate function");
    if (!connargs_finish(&args, err)) {
        free(gs);
        return NULL;
    }
    return &gs->base;
}
