/* ckpt_state.c: writes and reads the state file of a checkpoint (ckpt_state.h). */
#include "ckpt_state.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"
#include "parallel.h"
#include "rt.h"
#include "table.h"

/* Marks before each section and at the end, so that a reader that went
 * astray (a snapshot and its restore that disagree, a damaged file that
 * passed its checksum) stops at the next one instead of reading on. */
#define MARK_FILE 0x54415453574f4c46ULL /* "FLOWSTAT" */
#define MARK_SECTION 0x4e4f495443455340ULL
#define MARK_END 0x444e4554415453ULL
#define STATE_FORMAT 1

static void put_position(FlowCkptOut *out, const Position *p)
{
    flow_ckpt_put_u64(out, p->len);
    flowrt_ckpt_out_bytes(out, p->bytes, p->len);
}

static void get_position(FlowCkptIn *in, Position *p)
{
    uint64_t len = flow_ckpt_get_u64(in);
    const unsigned char *b =
        len <= (uint64_t)(in->end - in->at) ? flowrt_ckpt_in_bytes(in, (size_t)len) : NULL;
    flowrt_position_clear(p);
    if (!b) {
        in->failed = true;
        return;
    }
    for (size_t i = 0; i + 8 <= len; i += 8) {
        int64_t v = 0;
        for (int k = 0; k < 8; k++)
            v |= (int64_t)((uint64_t)b[i + (size_t)k] << (8 * k));
        flowrt_position_put_int64(p, v);
    }
    if (len % 8)
        in->failed = true; /* every position is made of int64s (position.h) */
}

static void mark(FlowCkptOut *out, uint64_t m, int64_t n)
{
    flow_ckpt_put_u64(out, m);
    flow_ckpt_put_i64(out, n);
}

static bool expect(FlowCkptIn *in, uint64_t m, int64_t n)
{
    uint64_t got = flow_ckpt_get_u64(in);
    int64_t k = flow_ckpt_get_i64(in);
    if (got != m || k != n)
        in->failed = true;
    return !in->failed;
}

/* Output i's own position: every Output is saved once, even when several
 * sinks share it (stdout). */
static int save_outputs(FlowRuntime *rt, FlowCkptOut *out, bool commit)
{
    int error = 0;
    Position pos = { 0 };
    flow_ckpt_put_i64(out, rt->noutputs);
    for (int i = 0; i < rt->noutputs; i++) {
        Output *o = rt->outputs[i];
        flow_ckpt_put_str(out, (FlowStr){ o->label, (int64_t)strlen(o->label) });
        flowrt_position_clear(&pos);
        /* The self-test saves no position: its sinks go on as they are. */
        int e = commit ? o->ops->commit(o, &pos) : 0;
        if (e && !error)
            error = e;
        put_position(out, &pos);
    }
    flowrt_position_free(&pos);
    return error;
}

/* The operators of one runtime: the run's, or a worker's (parallel.h). */
static void save_operators(FlowRuntime *rt, FlowCkptOut *out)
{
    const Timers *t = &rt->timers;
    flow_ckpt_put_i64(out, t->nops);
    flow_ckpt_put_i64(out, t->watermark);
    for (int op = 0; op < t->nops; op++) {
        mark(out, MARK_SECTION, 100 + op);
        flow_ckpt_put_i64(out, t->hot[op].watermark);
        flow_ckpt_put_u64(out, t->hot[op].panes.next_order);
        t->ops[op].def->snapshot(rt, op, out);
    }
}

int flowrt_ckpt_state_save(FlowRuntime *rt, FlowCkptOut *out, bool commit)
{
    mark(out, MARK_FILE, STATE_FORMAT);

    mark(out, MARK_SECTION, 1); /* sources */
    Position pos = { 0 };
    flow_ckpt_put_i64(out, rt->nsources);
    for (int i = 0; i < rt->nsources; i++) {
        const Source *s = rt->sources[i];
        flow_ckpt_put_str(out, (FlowStr){ s->label, (int64_t)strlen(s->label) });
        s->ops->position(s, &pos);
        put_position(out, &pos);
        flow_ckpt_put_i64(out, s->records);
        flow_ckpt_put_i64(out, s->bad);
        flow_ckpt_put_bool(out, s->done);
    }
    flowrt_position_free(&pos);

    mark(out, MARK_SECTION, 2); /* watermarks and the read order */
    const Watermarks *w = &rt->watermarks;
    flow_ckpt_put_i64(out, w->ninputs);
    for (int i = 0; i < w->ninputs; i++) {
        flow_ckpt_put_i64(out, w->inputs[i].max_ts);
        flow_ckpt_put_bool(out, w->inputs[i].finished);
    }
    flow_ckpt_put_i64(out, w->current);
    flow_ckpt_put_i64(out, rt->order.lowest);
    flow_ckpt_put_i64(out, rt->order.stalled);
    flow_ckpt_put_bool(out, rt->order.held);
    flow_ckpt_put_bool(out, rt->progressed);

    mark(out, MARK_SECTION, 3); /* counters, the workers' with the run's */
    int64_t bad_total = rt->bad_total, bad_results = rt->bad_results, late = rt->late;
    for (int i = 0; i < flowrt_parallel_workers(rt) && rt->par; i++) {
        const FlowRuntime *w = flowrt_parallel_worker(rt, i);
        bad_total += w->bad_total;
        bad_results += w->bad_results;
        late += w->late;
    }
    flow_ckpt_put_i64(out, bad_total);
    flow_ckpt_put_i64(out, bad_results);
    flow_ckpt_put_i64(out, late);
    flow_ckpt_put_i64(out, rt->prog->nlookups);
    for (int i = 0; i < rt->prog->nlookups; i++)
        flow_ckpt_put_i64(out, rt->head.lookup_misses[i]);
    flow_ckpt_put_i64(out, rt->nsinks);
    for (int i = 0; i < rt->nsinks; i++) {
        flow_ckpt_put_i64(out, rt->sinks[i]->records);
        flow_ckpt_put_i64(out, rt->sinks[i]->written);
    }

    mark(out, MARK_SECTION, 4); /* operators: the run's, or each worker's in turn */
    if (rt->par)
        for (int i = 0; i < flowrt_parallel_workers(rt); i++)
            save_operators(flowrt_parallel_worker(rt, i), out);
    else
        save_operators(rt, out);

    /* Changelog tables (kafka), in programs that have them: their positions,
     * to which a restore reads them again (docs/kafka.md, "Tables"). */
    int ntables = flowrt_tables_followed(rt);
    if (ntables > 0) {
        mark(out, MARK_SECTION, 6);
        flow_ckpt_put_i64(out, ntables);
        for (int i = 0; i < ntables; i++) {
            const Source *s = flowrt_tables_followed_source(rt, i);
            s->ops->position(s, &pos);
            put_position(out, &pos);
        }
        flowrt_position_free(&pos);
    }

    /* `state rocksdb`: the cache's dirty states, which the store's copy in
     * the checkpoint does not hold (docs/checkpoints.md, "RocksDB state"). */
    if (rt->kv) {
        mark(out, MARK_SECTION, 7);
        flowrt_kv_save_cached(rt, out);
    }

    mark(out, MARK_SECTION, 5); /* sinks, last: committed after everything above is known */
    int error = save_outputs(rt, out, commit);
    mark(out, MARK_END, 0);
    return error ? error : out->error;
}

static char *message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *message(const char *fmt, ...)
{
    char body[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    return strdup(body);
}

static bool load_sources(FlowRuntime *rt, FlowCkptIn *in, bool apply, char **err)
{
    if (flow_ckpt_get_count(in, 1 << 20) != rt->nsources)
        return false;
    Position pos = { 0 };
    for (int i = 0; i < rt->nsources && !in->failed; i++) {
        Source *s = rt->sources[i];
        FlowStr label = flow_ckpt_get_str(in);
        get_position(in, &pos);
        int64_t records = flow_ckpt_get_i64(in), bad = flow_ckpt_get_i64(in);
        bool done = flow_ckpt_get_bool(in);
        bool same = label.len == (int64_t)strlen(s->label) &&
                    memcmp(label.ptr, s->label, (size_t)label.len) == 0;
        if (!in->failed && apply && !same)
            *err = message("source %s read %.*s when the checkpoint was taken and reads %s "
                           "now; --no-restore starts over",
                           s->def->name, (int)(label.len < 400 ? label.len : 400), label.ptr,
                           s->label);
        flow_str_release(label);
        if (*err)
            break;
        if (in->failed || !apply)
            continue;
        if (!s->ops->seek(s, &pos)) {
            *err = message("source %s (%s) cannot go back to where the checkpoint was taken",
                           s->def->name, s->label);
            break;
        }
        s->records = records;
        s->bad = bad;
        s->done = done;
    }
    flowrt_position_free(&pos);
    return !in->failed && !*err;
}

static void load_watermarks(FlowRuntime *rt, FlowCkptIn *in, bool apply)
{
    Watermarks *w = &rt->watermarks;
    if (flow_ckpt_get_count(in, 1 << 20) != w->ninputs) {
        in->failed = true;
        return;
    }
    for (int i = 0; i < w->ninputs; i++) {
        int64_t max_ts = flow_ckpt_get_i64(in);
        bool finished = flow_ckpt_get_bool(in);
        if (apply) {
            w->inputs[i].max_ts = max_ts;
            w->inputs[i].finished = finished;
        }
    }
    int64_t current = flow_ckpt_get_i64(in);
    ReadOrder order = rt->order;
    order.lowest = flow_ckpt_get_i64(in);
    order.stalled = (int)flow_ckpt_get_count(in, 1 << 30);
    order.held = flow_ckpt_get_bool(in);
    bool progressed = flow_ckpt_get_bool(in);
    if (apply && !in->failed) {
        w->current = current;
        flowrt_watermarks_changed(w);
        rt->order = order;
        rt->progressed = progressed;
    }
}

static void load_counters(FlowRuntime *rt, FlowCkptIn *in, bool apply)
{
    int64_t bad_total = flow_ckpt_get_i64(in), bad_results = flow_ckpt_get_i64(in);
    int64_t late = flow_ckpt_get_i64(in);
    if (flow_ckpt_get_count(in, 1 << 20) != rt->prog->nlookups) {
        in->failed = true;
        return;
    }
    for (int i = 0; i < rt->prog->nlookups; i++) {
        int64_t misses = flow_ckpt_get_i64(in);
        if (apply)
            rt->head.lookup_misses[i] = misses;
    }
    if (flow_ckpt_get_count(in, 1 << 20) != rt->nsinks) {
        in->failed = true;
        return;
    }
    for (int i = 0; i < rt->nsinks; i++) {
        int64_t records = flow_ckpt_get_i64(in), written = flow_ckpt_get_i64(in);
        if (apply) {
            rt->sinks[i]->records = records;
            rt->sinks[i]->written = written;
        }
    }
    if (apply) {
        rt->bad_total = bad_total;
        rt->bad_results = bad_results;
        rt->late = late;
    }
}

static bool load_operators(FlowRuntime *rt, FlowCkptIn *in, char **err)
{
    Timers *t = &rt->timers;
    if (flow_ckpt_get_count(in, 1 << 20) != t->nops)
        return false;
    int64_t watermark = flow_ckpt_get_i64(in);
    for (int op = 0; op < t->nops && !in->failed; op++) {
        if (!expect(in, MARK_SECTION, 100 + op))
            break;
        t->hot[op].watermark = flow_ckpt_get_i64(in);
        t->hot[op].panes.next_order = flow_ckpt_get_u64(in);
        t->ops[op].def->restore(rt, op, in);
        if (in->failed)
            *err = message("the state of the %s does not read back", t->ops[op].def->name);
    }
    t->watermark = watermark;
    return !in->failed;
}

static bool load_tables(FlowRuntime *rt, FlowCkptIn *in, bool apply, char **err)
{
    int n = flowrt_tables_followed(rt);
    if (n == 0)
        return true;
    if (!expect(in, MARK_SECTION, 6) || flow_ckpt_get_count(in, 1 << 20) != n)
        return false;
    Position pos = { 0 };
    for (int i = 0; i < n && !in->failed && !*err; i++) {
        Source *s = flowrt_tables_followed_source(rt, i);
        get_position(in, &pos);
        if (!in->failed && apply && !s->ops->seek(s, &pos))
            *err = message("table %s (%s) cannot be read to where the checkpoint was taken",
                           s->def->name, s->label);
    }
    flowrt_position_free(&pos);
    return !in->failed && !*err;
}

static bool load_outputs(FlowRuntime *rt, FlowCkptIn *in, bool apply, char **err)
{
    if (flow_ckpt_get_count(in, 1 << 20) != rt->noutputs)
        return false;
    Position pos = { 0 };
    for (int i = 0; i < rt->noutputs && !in->failed && !*err; i++) {
        Output *o = rt->outputs[i];
        FlowStr label = flow_ckpt_get_str(in);
        get_position(in, &pos);
        bool same = label.len == (int64_t)strlen(o->label) &&
                    memcmp(label.ptr, o->label, (size_t)label.len) == 0;
        if (!in->failed && apply && !same)
            *err = message("a sink wrote to %.*s when the checkpoint was taken and writes to "
                           "%s now; --no-restore starts over",
                           (int)(label.len < 400 ? label.len : 400), label.ptr, o->label);
        flow_str_release(label);
        if (in->failed || !apply || *err)
            continue;
        o->len = o->done = 0;
        o->waiting = false;
        int e = o->ops->restore(o, &pos);
        if (e)
            *err = message("sink output %s cannot be cut back to the checkpoint (%s): was it "
                           "changed or removed since?",
                           o->label, strerror(e));
    }
    flowrt_position_free(&pos);
    return !in->failed && !*err;
}

bool flowrt_ckpt_state_load(FlowRuntime *rt, FlowCkptIn *in, bool operators_only, char **err)
{
    *err = NULL;
    bool apply = !operators_only;
    bool ok = expect(in, MARK_FILE, STATE_FORMAT) && expect(in, MARK_SECTION, 1) &&
              load_sources(rt, in, apply, err) && expect(in, MARK_SECTION, 2);
    if (ok) {
        load_watermarks(rt, in, apply);
        ok = expect(in, MARK_SECTION, 3);
    }
    if (ok) {
        load_counters(rt, in, apply);
        ok = expect(in, MARK_SECTION, 4);
        /* With workers, each worker's operators in turn (the layout's
         * `parallelism N` line made sure there are as many). */
        for (int i = 0; ok && rt->par && i < flowrt_parallel_workers(rt); i++)
            ok = load_operators(flowrt_parallel_worker(rt, i), in, err);
        ok = ok && (rt->par || load_operators(rt, in, err)) &&
             load_tables(rt, in, apply, err) &&
             (!rt->kv || (expect(in, MARK_SECTION, 7) && flowrt_kv_load_cached(rt, in))) &&
             expect(in, MARK_SECTION, 5);
    }
    if (ok)
        ok = load_outputs(rt, in, apply, err);
    if (ok)
        ok = expect(in, MARK_END, 0);
    if (!ok && !*err)
        *err = message("its state does not fit this program (the state file is damaged)");
    return ok;
}
