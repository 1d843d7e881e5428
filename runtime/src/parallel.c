/* parallel.c: the workers, their queues and the exchange of a run with
 * `parallelism N` > 1 (parallel.h; docs/architecture.md, "Parallelism").
 *
 * Each worker has two rings of batches: `in`, which only the reading thread
 * fills and only the worker empties, and `out`, the other way round. A
 * batch is filled in place by its one producer while it owns it and handed
 * over whole, so the one lock of the run (`mu`) is taken once per batch,
 * never per record. In a batch of `in`, each entry is an InEntry and its
 * packed record (and, when its source keeps an errors= file, its text); in
 * one of `out`, an OutEntry, the per-sink record counts and the bytes of
 * whole encoded records for one of the run's Outputs, or a BadRecord. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "parallel.h"
#include "rt.h"

#define PAR_SLOTS (PAR_QUEUE_BYTES / PAR_BATCH_BYTES)
/* How long flowrt_parallel_settle waits at most for the workers to run what
 * they were handed: as long as a source waits for input (READ_WAIT_MS). */
#define PAR_SETTLE_MS 10

enum { ENTRY_WATERMARK = -1, ENTRY_END = -2, ENTRY_BARRIER = -3 };
/* OutEntry.output of a BadRecord. */
#define OUT_BAD_RECORD UINT16_MAX

typedef struct InEntry {
    uint32_t size;          /* of the packed record and its text after it, a multiple of 8 */
    int16_t ex;             /* FlowProgram.exchanges index, or ENTRY_* */
    int16_t source;         /* where it was read (RecordOrigin): the source's index, or -1 */
    int32_t part;
    uint32_t raw_len;       /* its text, the last round8(raw_len) bytes of size; or 0 */
    int64_t where;
    int64_t ts;
    int64_t wm;             /* the program watermark when the record was read */
    int64_t arrival_ns;     /* when its bytes arrived (FlowRuntime.arrival_ns) */
} InEntry;

typedef struct OutEntry {
    uint32_t bytes;         /* of encoded records, after the counts */
    uint16_t output;        /* the index in rt->outputs */
    uint16_t nsinks;        /* the counts that follow: records per sink of it */
    int64_t pending;        /* its records, for the latency (Output.pending) */
    int64_t oldest_arrival_ns; /* the arrival of the oldest of them */
} OutEntry;

/* After an OutEntry whose output is OUT_BAD_RECORD: a record a worker
 * found bad, for the reading thread to report (errors.h), followed by the
 * reason and the record's text. */
typedef struct BadRecord {
    int32_t source;         /* the index in rt->sources */
    int32_t part;
    int64_t where;
    uint32_t reason_len, raw_len;
    int32_t has_raw;        /* the record's text follows (the source keeps an errors= file) */
} BadRecord;

typedef struct Batch {
    unsigned char *buf;
    size_t len, cap;
} Batch;

/* A ring of PAR_SLOTS batches between one producer and one consumer. The
 * producer fills slots[fill] (valid while `filling`), the consumer reads
 * slots[head]; count says how many are handed over. head and count are
 * under the run's lock; fill and filling are the producer's. */
typedef struct Ring {
    Batch slots[PAR_SLOTS];
    int head, count;
    int fill;
    bool filling;
    int64_t batches;        /* handed over, for --stats */
    int64_t wait_ns;        /* the producer waited for a free slot */
} Ring;

typedef struct Worker Worker;

/* A worker's stand-in for one of the run's Outputs: its sinks encode into
 * it, and what it writes goes into the worker's `out` ring. */
typedef struct WorkerOutput {
    Output base;
    Worker *w;
    int index;
    int64_t *sent;          /* records of each of its sinks handed on so far */
} WorkerOutput;

struct Worker {
    Parallel *par;
    int index;
    pthread_t thread;
    bool inited, started;
    FlowRuntime rt;
    Ring in, out;
    pthread_cond_t cv;      /* the worker waits on it: data in `in`, room in `out` */
    bool done;              /* under the lock: the thread has ended */
    bool parked;            /* under the lock: waiting at a checkpoint's barrier */
    int64_t sent_wm;        /* the reading thread's: the watermark it last told the worker */
    int64_t stats_records;  /* the reading thread's: `records` at the last --stats line */
    atomic_int_least64_t records, late, bad, watermark;
};

struct Parallel {
    int n;
    Worker *workers;
    pthread_mutex_t mu;
    pthread_cond_t main_cv; /* the reading thread waits on it: room in an `in`, data in an `out` */
    atomic_int failed;
};

static void lock(Parallel *par)
{
    pthread_mutex_lock(&par->mu);
}

static void unlock(Parallel *par)
{
    pthread_mutex_unlock(&par->mu);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static size_t round8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

/* Room for `need` bytes in batch b (one record larger than a batch grows it). */
static bool batch_fit(Batch *b, size_t need)
{
    if (b->cap - b->len >= need)
        return true;
    if (b->len > 0)
        return false;
    unsigned char *grown = realloc(b->buf, need);
    if (!grown) {
        fprintf(stderr, "flowrt: out of memory\n");
        abort();
    }
    b->buf = grown;
    b->cap = need;
    return true;
}

/* The producer's side, under the lock: a free slot to fill, or false. */
static bool ring_take_slot(Ring *r)
{
    if (r->count == PAR_SLOTS)
        return false;
    r->fill = (r->head + r->count) % PAR_SLOTS;
    r->filling = true;
    r->slots[r->fill].len = 0;
    return true;
}

/* The producer's side, under the lock: the batch it filled goes to the
 * consumer, woken on `cv`. */
static void ring_hand_over(Ring *r, pthread_cond_t *cv)
{
    r->filling = false;
    r->count++;
    r->batches++;
    pthread_cond_signal(cv);
}

/* ---- The reading thread ------------------------------------------------------------------- */

/* Whether some worker has handed over output: under the lock. */
static bool output_pending(const Parallel *par)
{
    for (int i = 0; i < par->n; i++)
        if (par->workers[i].out.count > 0)
            return true;
    return false;
}

/* A worker's bad record, reported against its source as one worker would. */
static void report_bad(FlowRuntime *rt, const BadRecord *bad)
{
    char reason[768];
    size_t n = bad->reason_len < sizeof reason ? bad->reason_len : sizeof reason - 1;
    const char *text = (const char *)(bad + 1);
    memcpy(reason, text, n);
    reason[n] = '\0';
    flowrt_source_bad_record_at(rt, rt->sources[bad->source], bad->part, bad->where, reason,
                                bad->has_raw ? text + bad->reason_len : NULL, bad->raw_len);
}

/* Appends one batch of a worker's output to the run's Outputs. */
static void write_batch(FlowRuntime *rt, const Batch *b)
{
    size_t at = 0;
    while (at < b->len) {
        const OutEntry *e = (const OutEntry *)(const void *)(b->buf + at);
        const int64_t *counts = (const int64_t *)(const void *)(e + 1);
        const char *bytes = (const char *)(counts + e->nsinks);
        if (e->output == OUT_BAD_RECORD)
            report_bad(rt, (const BadRecord *)(const void *)bytes);
        else
            flowrt_output_append(rt->outputs[e->output], bytes, e->bytes, counts, e->pending,
                                 e->oldest_arrival_ns);
        at += round8(sizeof *e + e->nsinks * sizeof *counts + e->bytes);
    }
}

/* Writes out every batch the workers handed over. */
static void drain_outputs(FlowRuntime *rt)
{
    Parallel *par = rt->par;
    for (int i = 0; i < par->n; i++) {
        Worker *w = &par->workers[i];
        for (;;) {
            lock(par);
            if (w->out.count == 0) {
                unlock(par);
                break;
            }
            Batch *b = &w->out.slots[w->out.head];
            unlock(par);
            write_batch(rt, b);
            lock(par);
            w->out.head = (w->out.head + 1) % PAR_SLOTS;
            w->out.count--;
            pthread_cond_signal(&w->cv);
            unlock(par);
        }
    }
}

/* Hands the batch being filled for w over, if it holds anything. */
static void publish_in(Parallel *par, Worker *w)
{
    Ring *r = &w->in;
    if (!r->filling || r->slots[r->fill].len == 0)
        return;
    lock(par);
    ring_hand_over(r, &w->cv);
    unlock(par);
}

/* Room for `need` bytes in w's input batch: waits, writing out the
 * workers' output meanwhile, while w's ring is full. */
static Batch *in_room(FlowRuntime *rt, Worker *w, size_t need)
{
    Parallel *par = rt->par;
    Ring *r = &w->in;
    if (r->filling && batch_fit(&r->slots[r->fill], need))
        return &r->slots[r->fill];
    publish_in(par, w);
    lock(par);
    while (!ring_take_slot(r)) {
        if (output_pending(par)) {
            unlock(par);
            drain_outputs(rt);
            lock(par);
            continue;
        }
        int64_t t0 = now_ns();
        pthread_cond_wait(&par->main_cv, &par->mu);
        r->wait_ns += now_ns() - t0;
    }
    unlock(par);
    batch_fit(&r->slots[r->fill], need);
    return &r->slots[r->fill];
}

static InEntry *put_entry(FlowRuntime *rt, Worker *w, int ex, size_t size, int64_t ts)
{
    Batch *b = in_room(rt, w, sizeof(InEntry) + size);
    InEntry *e = (InEntry *)(void *)(b->buf + b->len);
    const Source *src = rt->current;
    e->size = (uint32_t)size;
    e->ex = (int16_t)ex;
    e->source = (int16_t)(src ? src->index : -1);
    e->part = src ? src->part : 0;
    e->raw_len = 0;
    e->where = src ? src->where : 0;
    e->ts = ts;
    e->wm = rt->exchange_wm;
    e->arrival_ns = rt->arrival_ns;
    w->sent_wm = rt->exchange_wm;
    b->len += sizeof *e + size;
    return e;
}

/* The watermark for w, if it moved since w's last entry. The windows it
 * closes count their latency from the record that moved it, as with one
 * worker, not from this round. */
static void put_watermark(FlowRuntime *rt, Worker *w)
{
    if (w->sent_wm != rt->exchange_wm)
        put_entry(rt, w, ENTRY_WATERMARK, 0, 0)->arrival_ns = rt->exchange_wm_arrival_ns;
}

unsigned char *flow_exchange_put(FlowRuntime *rt, int ex, uint64_t hash, int64_t ts,
                                 size_t size)
{
    Parallel *par = rt->par;
    int group = (int)(hash % FLOW_MAX_PARALLELISM);
    Worker *w = &par->workers[group * par->n / FLOW_MAX_PARALLELISM];
    /* Its text goes with it only where an errors= file would take it. */
    const Source *src = rt->current;
    size_t raw_len = src && src->errors && src->raw ? src->raw_len : 0;
    InEntry *e = put_entry(rt, w, ex, round8(size) + round8(raw_len), ts);
    if (raw_len > 0) {
        e->raw_len = (uint32_t)raw_len;
        memcpy((unsigned char *)(e + 1) + round8(size), src->raw, raw_len);
    }
    atomic_fetch_add_explicit(&w->records, 1, memory_order_relaxed);
    return (unsigned char *)(e + 1);
}

void flowrt_parallel_round(FlowRuntime *rt)
{
    Parallel *par = rt->par;
    if (!par)
        return;
    for (int i = 0; i < par->n; i++) {
        Worker *w = &par->workers[i];
        put_watermark(rt, w);
        publish_in(par, w);
    }
    drain_outputs(rt);
    if (atomic_load(&par->failed))
        rt->failed = true;
}

/* Whether some worker has input it has not run to the end: under the lock. */
static bool input_pending(const Parallel *par)
{
    for (int i = 0; i < par->n; i++)
        if (par->workers[i].in.count > 0)
            return true;
    return false;
}

void flowrt_parallel_settle(FlowRuntime *rt)
{
    Parallel *par = rt->par;
    if (!par)
        return;
    flowrt_parallel_round(rt);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += PAR_SETTLE_MS * 1000000L;
    deadline.tv_sec += deadline.tv_nsec / 1000000000L;
    deadline.tv_nsec %= 1000000000L;
    for (;;) {
        drain_outputs(rt);
        lock(par);
        if (output_pending(par)) {
            unlock(par);
            continue;
        }
        bool waiting = input_pending(par) &&
                       pthread_cond_timedwait(&par->main_cv, &par->mu, &deadline) == 0;
        bool more = output_pending(par) || (waiting && input_pending(par));
        unlock(par);
        if (!more) {
            drain_outputs(rt);
            return;
        }
    }
}

/* ---- The workers ------------------------------------------------------------------------ */

/* Room for `need` bytes in w's output batch: waits while its ring is full. */
static Batch *out_room(Worker *w, size_t need)
{
    Parallel *par = w->par;
    Ring *r = &w->out;
    if (!r->filling || !batch_fit(&r->slots[r->fill], need)) {
        lock(par);
        if (r->filling)
            ring_hand_over(r, &par->main_cv);
        int64_t t0 = now_ns();
        while (!ring_take_slot(r))
            pthread_cond_wait(&w->cv, &par->mu);
        r->wait_ns += now_ns() - t0;
        unlock(par);
        batch_fit(&r->slots[r->fill], need);
    }
    return &r->slots[r->fill];
}

/* WorkerOutput's write: the bytes and the counts of its sinks' records
 * since the last write go into the worker's `out` ring. */
static int worker_output_write(Output *out, const char *bytes, size_t n)
{
    WorkerOutput *wo = (WorkerOutput *)out;
    size_t need = round8(sizeof(OutEntry) + (size_t)out->nsinks * sizeof(int64_t) + n);
    Batch *b = out_room(wo->w, need);
    OutEntry *e = (OutEntry *)(void *)(b->buf + b->len);
    e->bytes = (uint32_t)n;
    e->output = (uint16_t)wo->index;
    e->nsinks = (uint16_t)out->nsinks;
    int64_t *counts = (int64_t *)(void *)(e + 1);
    for (int i = 0; i < out->nsinks; i++) {
        counts[i] = out->sinks[i]->records - wo->sent[i];
        wo->sent[i] = out->sinks[i]->records;
    }
    memcpy(counts + out->nsinks, bytes, n);
    b->len += need;
    /* Their latency is counted where they are written at last. */
    e->pending = out->pending;
    e->oldest_arrival_ns = out->oldest_arrival_ns;
    out->pending = 0;
    return 0;
}

static int worker_output_flush(Output *out)
{
    (void)out;
    return 0;
}

static const SinkOps worker_output_ops = {
    .write = worker_output_write,
    .flush = worker_output_flush,
};

/* What the worker's sinks encoded goes over, the last batch too. */
static void worker_flush(Worker *w)
{
    flowrt_sinks_flush(&w->rt);
    Ring *r = &w->out;
    lock(w->par);
    if (r->filling && r->slots[r->fill].len > 0)
        ring_hand_over(r, &w->par->main_cv);
    unlock(w->par);
}

void flowrt_parallel_bad_record(FlowRuntime *rt, const char *where, const char *why)
{
    Worker *w = (Worker *)(void *)((char *)rt - offsetof(Worker, rt));
    const RecordOrigin *o = &rt->origin;
    char reason[768];
    flowrt_bad_reason(where, why, reason, sizeof reason);
    /* After the results before it, in the order one worker reports them. */
    flowrt_sinks_flush(rt);
    size_t reason_len = strlen(reason), raw_len = o->raw ? o->raw_len : 0;
    size_t bytes = sizeof(BadRecord) + reason_len + raw_len;
    Batch *b = out_room(w, round8(sizeof(OutEntry) + bytes));
    OutEntry *e = (OutEntry *)(void *)(b->buf + b->len);
    memset(e, 0, sizeof *e);
    e->bytes = (uint32_t)bytes;
    e->output = OUT_BAD_RECORD;
    BadRecord *bad = (BadRecord *)(void *)(e + 1);
    bad->source = o->source - 1;
    bad->part = o->part;
    bad->where = o->where;
    bad->reason_len = (uint32_t)reason_len;
    bad->raw_len = (uint32_t)raw_len;
    bad->has_raw = o->raw != NULL;
    memcpy(bad + 1, reason, reason_len);
    if (raw_len > 0)
        memcpy((char *)(bad + 1) + reason_len, o->raw, raw_len);
    b->len += round8(sizeof *e + bytes);
}

/* Runs the entries of one input batch; false after the end entry. */
static bool worker_batch(Worker *w, const Batch *b, int64_t *wm)
{
    FlowRuntime *rt = &w->rt;
    size_t at = 0;
    while (at < b->len) {
        InEntry *e = (InEntry *)(void *)(b->buf + at);
        at += sizeof *e + e->size;
        if (e->ex == ENTRY_END)
            return false;
        if (e->ex == ENTRY_BARRIER)
            return true; /* the last entry of its batch: the worker parks after it */
        if (rt->failed)
            continue; /* the run stops: what is queued is dropped */
        if (e->wm > *wm) {
            *wm = e->wm;
            atomic_store_explicit(&w->watermark, *wm, memory_order_relaxed);
        }
        /* As the reading thread of one worker does after each record: the
         * operators see the watermark the record was read under, and what
         * it fires counts its latency from that record's arrival. */
        rt->arrival_ns = e->arrival_ns;
        flowrt_timers_advance(&rt->timers, rt, *wm);
        if (e->ex == ENTRY_WATERMARK)
            continue;
        flowrt_scratch_reset(&rt->scratch);
        rt->origin = (RecordOrigin){
            .source = e->source + 1,
            .part = e->part,
            .where = e->where,
            .raw = e->raw_len > 0 ? (const char *)(e + 1) + e->size - round8(e->raw_len) : NULL,
            .raw_len = e->raw_len,
        };
        rt->prog->exchanges[e->ex].deliver(rt, (unsigned char *)(e + 1), e->ts);
        flowrt_timers_advance(&rt->timers, rt, *wm);
    }
    return true;
}

static void *worker_main(void *arg)
{
    Worker *w = arg;
    Parallel *par = w->par;
    FlowRuntime *rt = &w->rt;
    int64_t wm = rt->timers.watermark; /* FLOW_TIME_MIN, or a checkpoint's */
    for (bool more = true; more;) {
        lock(par);
        while (w->in.count == 0)
            pthread_cond_wait(&w->cv, &par->mu);
        Batch *b = &w->in.slots[w->in.head];
        unlock(par);
        more = worker_batch(w, b, &wm);
        bool barrier = more && b->len >= sizeof(InEntry) &&
                       ((const InEntry *)(const void *)(b->buf + b->len - sizeof(InEntry)))->ex ==
                           ENTRY_BARRIER;
        /* The output before the batch is given back: an empty `in` means
         * that what it produced is in `out` (flowrt_parallel_settle). */
        worker_flush(w);
        lock(par);
        w->in.head = (w->in.head + 1) % PAR_SLOTS;
        w->in.count--;
        pthread_cond_signal(&par->main_cv);
        unlock(par);
        if (barrier) {
            /* Everything before the barrier is done and handed over: the
             * reading thread forks the checkpoint's writer while no worker
             * touches its state. */
            lock(par);
            w->parked = true;
            pthread_cond_signal(&par->main_cv);
            while (w->parked)
                pthread_cond_wait(&w->cv, &par->mu);
            unlock(par);
        }
        atomic_store_explicit(&w->late, rt->late, memory_order_relaxed);
        atomic_store_explicit(&w->bad, rt->bad_total, memory_order_relaxed);
        if (rt->failed)
            atomic_store(&par->failed, 1);
    }
    lock(par);
    w->done = true;
    pthread_cond_signal(&par->main_cv);
    unlock(par);
    return NULL;
}

/* The worker's runtime: the run's params, tables and regular expressions
 * as its own, its own operators, and stand-ins for the run's Outputs. */
static bool worker_init(FlowRuntime *rt, Worker *w)
{
    FlowRuntime *wrt = &w->rt;
    if (pthread_cond_init(&w->cv, NULL) != 0)
        return false;
    flowrt_runtime_init(wrt, rt->prog);
    w->inited = true;
    wrt->head.params = rt->head.params;
    wrt->params = rt->params;
    wrt->control = rt->control;
    wrt->signals_at_start = rt->signals_at_start;
    wrt->tables = rt->tables;
    wrt->ntables = rt->ntables;
    wrt->now_ms = rt->now_ms;
    if (rt->prog->regex_setup &&
        !rt->prog->regex_setup(wrt, rt->prog->regexes, rt->prog->nregexes))
        return false;
    wrt->outputs = calloc((size_t)rt->noutputs + 1, sizeof *wrt->outputs);
    wrt->sinks = calloc((size_t)rt->nsinks + 1, sizeof *wrt->sinks);
    if (!wrt->outputs || !wrt->sinks)
        return false;
    for (int o = 0; o < rt->noutputs; o++) {
        WorkerOutput *wo = calloc(1, sizeof *wo);
        if (!wo)
            return false;
        flowrt_output_init(&wo->base, &worker_output_ops, rt->outputs[o]->label);
        wo->base.rt = wrt;
        wo->w = w;
        wo->index = o;
        wo->sent = calloc((size_t)rt->outputs[o]->nsinks + 1, sizeof *wo->sent);
        wrt->outputs[wrt->noutputs++] = &wo->base;
        if (!wo->sent)
            return false;
    }
    for (int i = 0; i < rt->nsinks; i++) {
        int o = 0;
        while (rt->outputs[o] != rt->sinks[i]->out)
            o++;
        wrt->sinks[wrt->nsinks++] = flowrt_sink_clone(rt->sinks[i], wrt->outputs[o]);
    }
    for (int s = 0; s < PAR_SLOTS; s++) {
        Batch *in = &w->in.slots[s], *out = &w->out.slots[s];
        in->cap = out->cap = PAR_BATCH_BYTES;
        in->buf = malloc(in->cap);
        out->buf = malloc(out->cap);
        if (!in->buf || !out->buf)
            return false;
    }
    return true;
}

static void worker_free(Worker *w)
{
    FlowRuntime *wrt = &w->rt;
    if (!w->inited)
        return;
    for (int i = 0; i < wrt->nsinks; i++)
        flowrt_sink_clone_free(wrt->sinks[i]);
    for (int o = 0; o < wrt->noutputs; o++) {
        WorkerOutput *wo = (WorkerOutput *)wrt->outputs[o];
        free(wo->sent);
        flowrt_output_free(&wo->base);
        free(wo);
    }
    free(wrt->sinks);
    free(wrt->outputs);
    wrt->sinks = NULL;
    wrt->outputs = NULL;
    wrt->nsinks = wrt->noutputs = 0;
    wrt->tables = NULL;
    for (int s = 0; s < PAR_SLOTS; s++) {
        free(w->in.slots[s].buf);
        free(w->out.slots[s].buf);
    }
    flowrt_runtime_free(wrt);
    pthread_cond_destroy(&w->cv);
}

void flowrt_parallel_free(FlowRuntime *rt)
{
    Parallel *par = rt->par;
    if (!par)
        return;
    for (int i = 0; i < par->n; i++)
        worker_free(&par->workers[i]);
    free(par->workers);
    pthread_cond_destroy(&par->main_cv);
    pthread_mutex_destroy(&par->mu);
    free(par);
    rt->par = NULL;
    rt->head.exchange = false;
}

bool flowrt_parallel_plan(FlowRuntime *rt, int requested, bool stats)
{
    const FlowProgram *prog = rt->prog;
    rt->workers = flowrt_parallel_wanted(rt, requested);
    if (rt->workers == 1 && stats && requested > 1)
        fprintf(stderr, "%s: parallelism %d: runs on one worker (%s)\n", prog->name, requested,
                prog->serial ? prog->serial : "nothing to split");
    return true;
}

int flowrt_parallel_wanted(const FlowRuntime *rt, int requested)
{
    const FlowProgram *prog = rt->prog;
    int n = requested > 0 ? requested : atomic_load(&rt->control->parallelism);
    /* Tests: FLOW_PARALLELISM=N runs every program at N that does not say
     * otherwise, so that whole test scripts run at N (tests/e2e/e2e.cmake). */
    const char *env = getenv("FLOW_PARALLELISM");
    if (n <= 0 && env)
        n = atoi(env);
    if (n <= 0)
        n = prog->parallelism > 0 ? prog->parallelism : 1;
    if (n > FLOW_MAX_PARALLELISM)
        n = FLOW_MAX_PARALLELISM;
    /* The checkpoint self-test snapshots the state in the run's own process
     * after every record: one worker. */
    if (prog->nexchanges == 0 || rt->ckpt.selftest)
        return 1;
    return n;
}

bool flowrt_parallel_start(FlowRuntime *rt, bool stats)
{
    const FlowProgram *prog = rt->prog;
    int n = rt->workers;
    if (n <= 1)
        return true;
    Parallel *par = calloc(1, sizeof *par);
    if (!par) {
        flowrt_runtime_fail(rt, "out of memory");
        return false;
    }
    par->workers = calloc((size_t)n, sizeof *par->workers);
    pthread_mutex_init(&par->mu, NULL);
    pthread_cond_init(&par->main_cv, NULL);
    rt->par = par;
    if (!par->workers) {
        flowrt_parallel_free(rt);
        flowrt_runtime_fail(rt, "out of memory");
        return false;
    }
    par->n = n;
    rt->exchange_wm = FLOW_TIME_MIN;
    bool ok = true;
    for (int i = 0; i < n && ok; i++) {
        Worker *w = &par->workers[i];
        w->par = par;
        w->index = i;
        w->sent_wm = FLOW_TIME_MIN;
        atomic_init(&w->watermark, FLOW_TIME_MIN);
        ok = worker_init(rt, w);
    }
    if (!ok) {
        flowrt_parallel_free(rt);
        flowrt_runtime_fail(rt, "out of memory");
        return false;
    }
    rt->head.exchange = true;
    if (stats)
        fprintf(stderr, "%s: parallelism %d: %d workers after the exchange%s\n", prog->name, n,
                n, prog->nexchanges > 1 ? "s" : "");
    return true;
}

/* Writes out the workers' output until every worker is parked at the
 * barrier (`parked`) or has ended, and no output is left in a queue. */
static void wait_workers(FlowRuntime *rt, bool parked)
{
    Parallel *par = rt->par;
    for (;;) {
        drain_outputs(rt);
        lock(par);
        bool all = true;
        for (int i = 0; i < par->n; i++) {
            const Worker *w = &par->workers[i];
            all = all && (parked ? w->parked : w->done || !w->started);
        }
        bool pending = output_pending(par);
        if (all && !pending) {
            unlock(par);
            return;
        }
        if (!pending)
            pthread_cond_wait(&par->main_cv, &par->mu);
        unlock(par);
    }
}

bool flowrt_parallel_launch(FlowRuntime *rt)
{
    Parallel *par = rt->par;
    if (!par)
        return true;
    /* After a restore, the workers' operators have the checkpoint's
     * watermark: the records read from now on go with it. */
    rt->exchange_wm = par->workers[0].rt.timers.watermark;
    for (int i = 0; i < par->n; i++)
        par->workers[i].sent_wm = rt->exchange_wm;
    /* Stop signals are the reading thread's: its blocking reads must be
     * the ones they cut short. The workers start with them blocked. */
    sigset_t block, saved;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &saved);
    bool ok = true;
    for (int i = 0; i < par->n && ok; i++) {
        Worker *w = &par->workers[i];
        w->started = pthread_create(&w->thread, NULL, worker_main, w) == 0;
        ok = w->started;
    }
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    if (!ok) {
        int n = par->n;
        flowrt_parallel_finish(rt);
        flowrt_runtime_fail(rt, "cannot start %d worker threads", n);
    }
    return ok;
}

void flowrt_parallel_barrier(FlowRuntime *rt)
{
    Parallel *par = rt->par;
    if (!par)
        return;
    flowrt_parallel_round(rt);
    for (int i = 0; i < par->n; i++) {
        put_entry(rt, &par->workers[i], ENTRY_BARRIER, 0, 0);
        publish_in(par, &par->workers[i]);
    }
    wait_workers(rt, true);
}

void flowrt_parallel_resume(FlowRuntime *rt)
{
    Parallel *par = rt->par;
    if (!par)
        return;
    lock(par);
    for (int i = 0; i < par->n; i++) {
        par->workers[i].parked = false;
        pthread_cond_signal(&par->workers[i].cv);
    }
    unlock(par);
}

FlowRuntime *flowrt_parallel_worker(FlowRuntime *rt, int i)
{
    return &rt->par->workers[i].rt;
}

void flowrt_parallel_finish(FlowRuntime *rt)
{
    Parallel *par = rt->par;
    if (!par)
        return;
    for (int i = 0; i < par->n; i++) {
        Worker *w = &par->workers[i];
        if (!w->started)
            continue;
        put_watermark(rt, w);
        put_entry(rt, w, ENTRY_END, 0, 0);
        publish_in(par, w);
    }
    wait_workers(rt, false);
    for (int i = 0; i < par->n; i++) {
        Worker *w = &par->workers[i];
        if (w->started)
            pthread_join(w->thread, NULL);
        /* The run's counters take the worker's over (a final checkpoint
         * saves the run's plus the workers'). */
        rt->late += w->rt.late;
        rt->bad_total += w->rt.bad_total;
        rt->bad_results += w->rt.bad_results;
        w->rt.late = w->rt.bad_total = w->rt.bad_results = 0;
        atomic_store(&w->late, 0);
        atomic_store(&w->bad, 0);
        w->started = false;
        if (w->rt.failed)
            rt->failed = true;
    }
}

int64_t flowrt_parallel_late(const FlowRuntime *rt)
{
    int64_t n = 0;
    for (int i = 0; rt->par && i < rt->par->n; i++)
        n += atomic_load_explicit(&rt->par->workers[i].late, memory_order_relaxed);
    return n;
}

int64_t flowrt_parallel_bad(const FlowRuntime *rt)
{
    int64_t n = 0;
    for (int i = 0; rt->par && i < rt->par->n; i++)
        n += atomic_load_explicit(&rt->par->workers[i].bad, memory_order_relaxed);
    return n;
}

int flowrt_parallel_workers(const FlowRuntime *rt)
{
    return rt->par ? rt->par->n : 1;
}

void flowrt_parallel_queue_stats(const FlowRuntime *rt, int worker, ParQueueStats *out)
{
    memset(out, 0, sizeof *out);
    Parallel *par = rt->par;
    if (!par || worker < 0 || worker >= par->n)
        return;
    Worker *w = &par->workers[worker];
    out->records = atomic_load_explicit(&w->records, memory_order_relaxed);
    out->watermark = atomic_load_explicit(&w->watermark, memory_order_relaxed);
    lock(par);
    out->batches_in = w->in.batches;
    out->batches_out = w->out.batches;
    out->fill_in = (double)w->in.count / PAR_SLOTS;
    out->fill_out = (double)w->out.count / PAR_SLOTS;
    out->wait_in_s = (double)w->in.wait_ns / 1e9;
    out->wait_out_s = (double)w->out.wait_ns / 1e9;
    unlock(par);
}

void flowrt_parallel_print_stats(FlowRuntime *rt, double elapsed, double since_last)
{
    Parallel *par = rt->par;
    for (int i = 0; par && i < par->n; i++) {
        Worker *w = &par->workers[i];
        ParQueueStats q;
        flowrt_parallel_queue_stats(rt, i, &q);
        char lag[32] = "-";
        bool known = q.watermark != FLOW_TIME_MIN && rt->exchange_wm != FLOW_TIME_MIN;
        /* In doubles: an ended input's watermark is FLOW_TIME_MAX. */
        double behind = known ? (double)rt->exchange_wm - (double)q.watermark : 0;
        if (known)
            snprintf(lag, sizeof lag, "%.3fs", behind > 0 ? behind / 1e3 : 0.0);
        fprintf(stderr,
                "%s:   worker %d: records %lld (%.0f/s) queue in %.0f%% out %.0f%% "
                "reader-blocked %.0f%% worker-blocked %.0f%% watermark-lag %s\n",
                rt->prog->name, i, (long long)q.records,
                since_last > 0 ? (double)(q.records - w->stats_records) / since_last : 0.0,
                100 * q.fill_in, 100 * q.fill_out,
                elapsed > 0 ? 100 * q.wait_in_s / elapsed : 0.0,
                elapsed > 0 ? 100 * q.wait_out_s / elapsed : 0.0, lag);
        w->stats_records = q.records;
    }
}
