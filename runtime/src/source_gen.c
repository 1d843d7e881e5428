/* source_gen.c: generator(count, seed, keys, events_per_second, disorder,
 * rate), the synthetic source of docs/language.md ("8.3 generator")
 * (flowrt_gen_source_ops), and the FlowGen calls of flow/generator.h, whose
 * inline functions are the algorithm; also nexmark(...), the same source
 * over the events of flow/nexmark.h (flowrt_nexmark_source_ops).
 *
 * Every record gets its own pseudo-random stream, started from a mix of the
 * seed and the record number. So the records depend only on the arguments
 * and the record number, the same on every machine, and seek() to a record
 * number (the generator's position) is immediate. */
#include <stdlib.h>
#include <string.h>

#include "connectors.h"
#include "errors.h"
#include "flow/codec.h"
#include "flow/generator.h"
#include "flow/nexmark.h"
#include "rt.h"

struct FlowGen {
    uint64_t seed;           /* flow_gen_mix64 of the seed argument */
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

static void gen_start_record(FlowGen *g, int64_t n)
{
    g->n = n;
    g->state = flow_gen_stream(g->seed, n);
}

bool flow_gen_bool(FlowGen *g)
{
    return flow_gen_next(&g->state) >> 63;
}

int32_t flow_gen_int32(FlowGen *g)
{
    return (int32_t)flow_gen_uniform(&g->state, flow_gen_int32_range(g->keys));
}

int64_t flow_gen_int64(FlowGen *g)
{
    return (int64_t)flow_gen_uniform(&g->state, (uint64_t)g->keys);
}

double flow_gen_float64(FlowGen *g)
{
    return (double)(flow_gen_next(&g->state) >> 11) * 0x1.0p-53;
}

FlowStr flow_gen_key_string(FlowRuntime *rt, int64_t key)
{
    char *s = flow_scratch_alloc(rt, FLOW_INT64_MAX + 1);
    s[0] = 's';
    size_t n = flow_format_int64(s + 1, key);
    return (FlowStr){ s, (int64_t)n + 1 };
}

FlowStr flow_gen_string(FlowGen *g, FlowRuntime *rt)
{
    return flow_gen_key_string(rt, flow_gen_int64(g));
}

int64_t flow_gen_timestamp(FlowGen *g)
{
    int64_t t = flow_gen_time(g->n, g->events_per_second);
    if (g->disorder_ms > 0)
        t -= (int64_t)flow_gen_uniform(&g->state, (uint64_t)g->disorder_ms + 1);
    return t;
}

/* Records next .. end - 1 through the program's generate_batch: one call,
 * whose loop makes and pushes them all. The per-record bookkeeping of
 * flowrt_runtime_begin_record is done once: the source and its scratch memory are
 * the batch's, and the record count grows by what was made. */
static int64_t gen_batch(GenSource *gs, FlowRuntime *rt, int64_t next, int64_t end)
{
    Source *src = &gs->base;
    FlowGenBatch b = { next, end, gs->gen.seed, gs->gen.keys, gs->gen.events_per_second,
                       gs->gen.disorder_ms, &src->where, &rt->failed };
    flowrt_scratch_reset(&rt->scratch);
    if (rt->current != src)
        rt->head.quiet_to = FLOW_TIME_MIN; /* quiet_to is the current source's */
    rt->current = src;
    int64_t made_to = src->def->generate_batch(rt, &b);
    src->records += made_to - next;
    gs->produced_since_start += made_to - next;
    return made_to;
}

static SourceStatus gen_poll(Source *src, FlowRuntime *rt, int max)
{
    GenSource *gs = (GenSource *)src;
    FlowGen *g = &gs->gen;
    if (gs->rate > 0) {
        double now = flowrt_runtime_seconds();
        if (gs->started == 0)
            gs->started = now;
        int64_t allowed = (int64_t)((now - gs->started) * (double)gs->rate) + 1;
        if (allowed - gs->produced_since_start < max)
            max = (int)(allowed - gs->produced_since_start);
        if (max <= 0)
            return SOURCE_IDLE;
    }
    int64_t next = g->n;
    if (src->def->generate_batch) {
        int64_t end = gs->count >= 0 && gs->count - next < max ? gs->count : next + max;
        if (next < end && !rt->failed)
            next = gen_batch(gs, rt, next, end);
        g->n = next;
        if (rt->failed)
            return SOURCE_FAILED;
        return gs->count >= 0 && next >= gs->count ? SOURCE_DONE : SOURCE_MORE;
    }
    for (int i = 0; i < max && !rt->failed; i++, next++) {
        if (gs->count >= 0 && next >= gs->count) {
            g->n = next;
            return SOURCE_DONE;
        }
        gen_start_record(g, next);
        src->where = next + 1;
        flowrt_runtime_begin_record(rt, src);
        src->def->generate(rt, g);
        gs->produced_since_start++;
    }
    g->n = next;
    if (rt->failed)
        return SOURCE_FAILED;
    return gs->count >= 0 && next >= gs->count ? SOURCE_DONE : SOURCE_MORE;
}

/* The position is the number of the next record. */
static void gen_position(const Source *src, Position *pos)
{
    flowrt_position_clear(pos);
    flowrt_position_put_int64(pos, ((const GenSource *)src)->gen.n);
}

static bool gen_seek(Source *src, const Position *pos)
{
    GenSource *gs = (GenSource *)src;
    size_t at = 0;
    int64_t n;
    if (!flowrt_position_get_int64(pos, &at, &n) || at != pos->len || n < 0)
        return false;
    gs->gen.n = n;
    return true;
}

static void gen_close(Source *src)
{
    free(src);
}

/* The source with its arguments read; the common ones and the check of
 * them all are done here. */
static Source *gen_make(const SourceOps *ops, const FlowSourceDef *def, int index,
                        const char *name, ConnArgs *args, const FlowGen *gen, int64_t count,
                        int64_t rate, char **err)
{
    GenSource *gs = calloc(1, sizeof *gs);
    if (!gs) {
        *err = flowrt_connargs_message(&def->conn, "out of memory");
        return NULL;
    }
    flowrt_source_init(&gs->base, ops, def, index, name);
    gs->gen = *gen;
    gs->count = count;
    gs->rate = rate;
    flowrt_source_common_args(&gs->base, args, false);
    if (!def->generate && !def->generate_batch && !args->err)
        args->err = flowrt_connargs_message(&def->conn, "the program has no generate function");
    if (!flowrt_connargs_finish(args, err)) {
        free(gs);
        return NULL;
    }
    return &gs->base;
}

static Source *gen_open(const FlowRuntime *rt, const FlowSourceDef *def, int index,
                        const ParamValues *params, char **err)
{
    (void)rt; /* a generator never waits while it opens */
    ConnArgs args;
    flowrt_connargs_init(&args, &def->conn, params);
    int64_t count = flowrt_connargs_int(&args, "count", -1, 0);
    FlowGen gen = { 0 };
    gen.seed = flow_gen_mix64((uint64_t)flowrt_connargs_int(&args, "seed", 0, INT64_MIN));
    gen.keys = flowrt_connargs_int(&args, "keys", FLOW_GEN_DEFAULT_KEYS, 1);
    gen.events_per_second = flowrt_connargs_int(&args, "events_per_second",
                                                FLOW_GEN_DEFAULT_EVENTS_PER_SECOND, 1);
    gen.disorder_ms = flowrt_connargs_int(&args, "disorder", 0, 0);
    int64_t rate = flowrt_connargs_int(&args, "rate", 0, 1);
    return gen_make(&flowrt_gen_source_ops, def, index, "generator", &args, &gen, count, rate,
                    err);
}

const SourceOps flowrt_gen_source_ops = { gen_open, gen_poll,  gen_position, gen_seek,
                                          gen_close, NULL,     flowrt_source_describe_record };

/* nexmark(kind, events, seed, events_per_second, rate) (flow/nexmark.h): the
 * same source over the kind's share of the run, numbered within the kind,
 * made by the program's generate_batch alone. */
static Source *nexmark_open(const FlowRuntime *rt, const FlowSourceDef *def, int index,
                            const ParamValues *params, char **err)
{
    (void)rt;
    static const char *const kinds[] = { "person", "auction", "bid", NULL };
    ConnArgs args;
    flowrt_connargs_init(&args, &def->conn, params);
    int kind = flowrt_connargs_choice(&args, "kind", kinds, FLOW_NX_BID);
    int64_t events = flowrt_connargs_int(&args, "events", -1, 0);
    FlowGen gen = { 0 };
    gen.seed = flow_gen_mix64((uint64_t)flowrt_connargs_int(&args, "seed", 0, INT64_MIN));
    gen.events_per_second = flowrt_connargs_int(&args, "events_per_second",
                                                FLOW_NX_DEFAULT_EVENTS_PER_SECOND, 1);
    int64_t rate = flowrt_connargs_int(&args, "rate", 0, 1);
    if (!def->generate_batch && !args.err)
        args.err = flowrt_connargs_message(&def->conn, "the program has no generate function");
    return gen_make(&flowrt_nexmark_source_ops, def, index, "nexmark", &args, &gen,
                    events < 0 ? -1 : flow_nx_count(kind, events), rate, err);
}

const SourceOps flowrt_nexmark_source_ops = { nexmark_open, gen_poll, gen_position, gen_seek,
                                              gen_close,    NULL,     flowrt_source_describe_record };
