/* metrics.c: the --metrics-port endpoint: libmicrohttpd through dlopen, the
 * numbers the read loop publishes, and their Prometheus text exposition
 * (docs/metrics.md). */
#include "metrics.h"

#include <dlfcn.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "parallel.h"
#include "rt.h"

/* The soname of Debian's libmicrohttpd12, the ABI these calls were compiled
 * against. Loaded only when the option is given, so that no program links
 * it (docs/metrics.md, "Why dlopen"). */
#define MHD_SONAME "libmicrohttpd.so.12"

/* The calls this file makes, typed from microhttpd.h so that a mismatch
 * with the header is a compile error. */
#define MHD_CALLS(X)                                                                         \
    X(MHD_start_daemon)                                                                      \
    X(MHD_stop_daemon)                                                                       \
    X(MHD_create_response_from_buffer)                                                       \
    X(MHD_add_response_header)                                                               \
    X(MHD_queue_response)                                                                    \
    X(MHD_destroy_response)

typedef struct Mhd {
    void *lib;
#define MHD_FIELD(f) __typeof__(f) *f;
    MHD_CALLS(MHD_FIELD)
#undef MHD_FIELD
} Mhd;

typedef struct SourceNumbers {
    int64_t records, bad, watermark;
} SourceNumbers;

typedef struct SinkNumbers {
    int64_t written;
    char *output;           /* its Output's label, copied when first published */
} SinkNumbers;

typedef struct OutputNumbers {
    int64_t blocked_ns;
    char *label;
} OutputNumbers;

/* What the server may read: a copy of the run's numbers, under `lock`.
 * Only sources and sinks already open are published (nsources, nsinks). */
typedef struct Published {
    pthread_mutex_t lock;
    double elapsed;         /* seconds from the run's start to the publish */
    int64_t now_ms, watermark, bad, late;
    int nsources, nsinks, noutputs;
    SourceNumbers *sources; /* prog->nsources of them */
    SinkNumbers *sinks;     /* prog->nsinks */
    OutputNumbers *outputs; /* at most prog->nsinks */
    bool checkpoints;       /* the program checkpoints: ckpt is meaningful */
    int64_t ckpt_taken, ckpt_failures, ckpt_restored_id;
    double ckpt_last_seconds, ckpt_last_pause, ckpt_max_pause;
    uint64_t ckpt_last_bytes;
    int nworkers;           /* 1: no workers; else one ParQueueStats each */
    int64_t exchange_wm;    /* the watermark the reading thread hands the workers */
    ParQueueStats *queues;  /* FLOW_MAX_PARALLELISM of them */
} Published;

struct Metrics {
    Mhd mhd;
    struct MHD_Daemon *daemon;
    const FlowProgram *prog; /* immutable: the names are read from it */
    double started;
    char log[256];           /* libmicrohttpd's last message, for a failed start */
    Published pub;
};

bool flowrt_metrics_parse_addr(const char *text, char *host, size_t size, int *port)
{
    const char *h = text, *digits = text;
    size_t hlen = 0;
    const char *colon = strchr(text, ':');
    if (text[0] == '[') {
        /* [::1]:9100: the brackets keep the address's colons apart from the
         * port's, as in URLs. */
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':')
            return false;
        h = text + 1;
        hlen = (size_t)(close - h);
        digits = close + 2;
    } else if (colon) {
        /* A bare IPv6 address has colons of its own: ambiguous. */
        if (strchr(colon + 1, ':'))
            return false;
        hlen = (size_t)(colon - text);
        digits = colon + 1;
    }
    size_t ndigits = strlen(digits);
    if ((digits != text && hlen == 0) || hlen >= size || ndigits == 0 || ndigits > 5 ||
        strspn(digits, "0123456789") != ndigits)
        return false;
    int p = atoi(digits);
    if (p < 1 || p > 65535)
        return false;
    memcpy(host, h, hlen);
    host[hlen] = 0;
    *port = p;
    return true;
}

/* libmicrohttpd reports why a start failed (bind: Address already in use)
 * only through its logger. Later messages (a client that went away) are
 * kept too and never shown: they are not the program's business. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    Metrics *m = cls;
    vsnprintf(m->log, sizeof m->log, fmt, ap);
    size_t n = strlen(m->log);
    while (n > 0 && (m->log[n - 1] == '\n' || m->log[n - 1] == ' '))
        m->log[--n] = 0;
}

/* A label value with \, " and newline escaped, as the text format wants;
 * NULL (a label that could not be copied) is empty. */
static void put_label(FILE *f, const char *name, const char *value)
{
    fprintf(f, "%s=\"", name);
    for (const char *c = value ? value : ""; *c; c++) {
        switch (*c) {
        case '\\': fputs("\\\\", f); break;
        case '"': fputs("\\\"", f); break;
        case '\n': fputs("\\n", f); break;
        default: fputc(*c, f); break;
        }
    }
    fputc('"', f);
}

static void put_header(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A watermark in seconds since the epoch: NaN before the input's first
 * record, +Inf once a bounded input has ended. */
static void put_time(FILE *f, int64_t ms)
{
    if (ms == FLOW_TIME_MIN)
        fputs("NaN\n", f);
    else if (ms == FLOW_TIME_MAX)
        fputs("+Inf\n", f);
    else
        fprintf(f, "%.3f\n", (double)ms / 1e3);
}

/* How far the watermark is behind the wall clock, in seconds: NaN before
 * the first record, 0 for an ended input (nothing more will come). */
static void put_lag(FILE *f, int64_t now_ms, int64_t ms)
{
    if (ms == FLOW_TIME_MIN)
        fputs("NaN\n", f);
    else if (ms == FLOW_TIME_MAX)
        fputs("0\n", f);
    else
        fprintf(f, "%.3f\n", (double)(now_ms - ms) / 1e3);
}

static void put_sources(FILE *f, const Metrics *m)
{
    const Published *p = &m->pub;
    put_header(f, "flowc_source_records_total", "counter",
               "Records read from the source, bad ones included.");
    for (int i = 0; i < p->nsources; i++) {
        fputs("flowc_source_records_total{", f);
        put_label(f, "source", m->prog->sources[i].name);
        fprintf(f, "} %lld\n", (long long)p->sources[i].records);
    }
    put_header(f, "flowc_source_bad_records_total", "counter",
               "Records of the source that could not be read (on_error).");
    for (int i = 0; i < p->nsources; i++) {
        fputs("flowc_source_bad_records_total{", f);
        put_label(f, "source", m->prog->sources[i].name);
        fprintf(f, "} %lld\n", (long long)p->sources[i].bad);
    }
    put_header(f, "flowc_source_watermark_seconds", "gauge",
               "The input's watermark, seconds since the epoch (NaN: no record yet, "
               "+Inf: ended).");
    for (int i = 0; i < p->nsources; i++) {
        fputs("flowc_source_watermark_seconds{", f);
        put_label(f, "source", m->prog->sources[i].name);
        fputs("} ", f);
        put_time(f, p->sources[i].watermark);
    }
    put_header(f, "flowc_source_watermark_lag_seconds", "gauge",
               "Wall clock minus the input's watermark (0 once ended).");
    for (int i = 0; i < p->nsources; i++) {
        fputs("flowc_source_watermark_lag_seconds{", f);
        put_label(f, "source", m->prog->sources[i].name);
        fputs("} ", f);
        put_lag(f, p->now_ms, p->sources[i].watermark);
    }
}

static void put_sinks(FILE *f, const Metrics *m)
{
    const Published *p = &m->pub;
    put_header(f, "flowc_sink_records_total", "counter",
               "Records of the stream that the sink's destination took.");
    for (int i = 0; i < p->nsinks; i++) {
        fputs("flowc_sink_records_total{", f);
        put_label(f, "sink", m->prog->sinks[i].stream);
        fputc(',', f);
        put_label(f, "output", p->sinks[i].output);
        fprintf(f, "} %lld\n", (long long)p->sinks[i].written);
    }
    put_header(f, "flowc_output_blocked_seconds_total", "counter",
               "Time spent writing to the destination, which holds the sources back.");
    double blocked = 0;
    for (int i = 0; i < p->noutputs; i++) {
        fputs("flowc_output_blocked_seconds_total{", f);
        put_label(f, "output", p->outputs[i].label);
        fprintf(f, "} %.6f\n", (double)p->outputs[i].blocked_ns / 1e9);
        blocked += (double)p->outputs[i].blocked_ns / 1e9;
    }
    put_header(f, "flowc_backpressure_ratio", "gauge",
               "Share of the run's time spent blocked on output, as --stats says it.");
    fprintf(f, "flowc_backpressure_ratio %.6f\n", p->elapsed > 0 ? blocked / p->elapsed : 0.0);
}

static void put_checkpoints(FILE *f, const Published *p)
{
    put_header(f, "flowc_checkpoints_total", "counter", "Checkpoints completed.");
    fprintf(f, "flowc_checkpoints_total %lld\n", (long long)p->ckpt_taken);
    put_header(f, "flowc_checkpoint_failures_total", "counter", "Checkpoints that failed.");
    fprintf(f, "flowc_checkpoint_failures_total %lld\n", (long long)p->ckpt_failures);
    put_header(f, "flowc_checkpoint_last_duration_seconds", "gauge",
               "From the start of the last checkpoint to its completion.");
    fprintf(f, "flowc_checkpoint_last_duration_seconds %.6f\n", p->ckpt_last_seconds);
    put_header(f, "flowc_checkpoint_last_size_bytes", "gauge", "Size of the last checkpoint.");
    fprintf(f, "flowc_checkpoint_last_size_bytes %llu\n", (unsigned long long)p->ckpt_last_bytes);
    put_header(f, "flowc_checkpoint_last_pause_seconds", "gauge",
               "How long the last checkpoint stopped the read loop.");
    fprintf(f, "flowc_checkpoint_last_pause_seconds %.6f\n", p->ckpt_last_pause);
    put_header(f, "flowc_checkpoint_max_pause_seconds", "gauge",
               "The longest pause of any checkpoint of this run.");
    fprintf(f, "flowc_checkpoint_max_pause_seconds %.6f\n", p->ckpt_max_pause);
    put_header(f, "flowc_checkpoint_restored_id", "gauge",
               "The checkpoint this run started from (0: none).");
    fprintf(f, "flowc_checkpoint_restored_id %lld\n", (long long)p->ckpt_restored_id);
}

/* With workers (parallelism N): each worker's queues (parallel.h). */
static void put_queues(FILE *f, const Published *p)
{
    static const char *const sides[] = { "in", "out" };
    put_header(f, "flowc_workers", "gauge", "Worker threads of the keyed stages.");
    fprintf(f, "flowc_workers %d\n", p->nworkers);
    put_header(f, "flowc_queue_records_total", "counter",
               "Records the exchange sent to the worker.");
    for (int i = 0; i < p->nworkers; i++)
        fprintf(f, "flowc_queue_records_total{worker=\"%d\"} %lld\n", i,
                (long long)p->queues[i].records);
    put_header(f, "flowc_queue_fill_ratio", "gauge",
               "Batches waiting in the queue over its capacity (in: to the worker, out: from it).");
    for (int i = 0; i < p->nworkers; i++)
        for (int q = 0; q < 2; q++)
            fprintf(f, "flowc_queue_fill_ratio{worker=\"%d\",queue=\"%s\"} %.6f\n", i, sides[q],
                    q ? p->queues[i].fill_out : p->queues[i].fill_in);
    put_header(f, "flowc_queue_blocked_seconds_total", "counter",
               "Time its producer waited for room (in: the reading thread, out: the worker).");
    for (int i = 0; i < p->nworkers; i++)
        for (int q = 0; q < 2; q++)
            fprintf(f, "flowc_queue_blocked_seconds_total{worker=\"%d\",queue=\"%s\"} %.6f\n",
                    i, sides[q], q ? p->queues[i].wait_out_s : p->queues[i].wait_in_s);
    put_header(f, "flowc_worker_watermark_lag_seconds", "gauge",
               "Event time the worker's watermark is behind the reading thread's.");
    for (int i = 0; i < p->nworkers; i++) {
        int64_t w = p->queues[i].watermark, r = p->exchange_wm;
        fprintf(f, "flowc_worker_watermark_lag_seconds{worker=\"%d\"} ", i);
        if (w == FLOW_TIME_MIN || r == FLOW_TIME_MIN)
            fputs("NaN\n", f);
        else
            fprintf(f, "%.3f\n", w >= r ? 0.0 : ((double)r - (double)w) / 1e3);
    }
}

/* The whole exposition, from the published copy only. */
static void put_metrics(FILE *f, Metrics *m)
{
    Published *p = &m->pub;
    put_header(f, "flowc_info", "gauge", "The program, its .flow file and the flowc version.");
    fputs("flowc_info{", f);
    put_label(f, "program", m->prog->name);
    fputc(',', f);
    put_label(f, "flow_file", m->prog->flow_file);
    fputc(',', f);
    put_label(f, "version", m->prog->flowc_version);
    fputs("} 1\n", f);
    put_header(f, "flowc_uptime_seconds", "gauge", "Seconds since the run started.");
    fprintf(f, "flowc_uptime_seconds %.3f\n", flowrt_runtime_seconds() - m->started);
    pthread_mutex_lock(&p->lock);
    put_header(f, "flowc_records_read_total", "counter", "Records read by every source.");
    int64_t read = 0;
    for (int i = 0; i < p->nsources; i++)
        read += p->sources[i].records;
    fprintf(f, "flowc_records_read_total %lld\n", (long long)read);
    put_header(f, "flowc_bad_records_total", "counter",
               "Bad input records and bad window results, as the summary counts them.");
    fprintf(f, "flowc_bad_records_total %lld\n", (long long)p->bad);
    put_header(f, "flowc_late_records_total", "counter", "Records dropped as late by windows.");
    fprintf(f, "flowc_late_records_total %lld\n", (long long)p->late);
    put_header(f, "flowc_watermark_seconds", "gauge",
               "The program watermark as the operators last saw it, seconds since the "
               "epoch (NaN: none yet).");
    fputs("flowc_watermark_seconds ", f);
    put_time(f, p->watermark);
    put_sources(f, m);
    put_sinks(f, m);
    if (p->nworkers > 1)
        put_queues(f, p);
    if (p->checkpoints)
        put_checkpoints(f, p);
    pthread_mutex_unlock(&p->lock);
}

static enum MHD_Result reply(Metrics *m, struct MHD_Connection *conn, unsigned status,
                             char *body, size_t len, const char *type)
{
    struct MHD_Response *r = m->mhd.MHD_create_response_from_buffer(len, body,
                                                                     MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    m->mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        m->mhd.MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result ret = m->mhd.MHD_queue_response(conn, status, r);
    m->mhd.MHD_destroy_response(r);
    return ret;
}

/* On the server's thread: GET /metrics, nothing else. */
static enum MHD_Result serve(void *cls, struct MHD_Connection *conn, const char *url,
                             const char *method, const char *version, const char *upload,
                             size_t *upload_size, void **req)
{
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)req;
    Metrics *m = cls;
    const char *text = "text/plain; charset=utf-8";
    unsigned status = MHD_HTTP_OK;
    char *body = NULL;
    size_t len = 0;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
        body = strdup("only GET and HEAD\n");
    } else if (strcmp(url, "/metrics") != 0) {
        status = MHD_HTTP_NOT_FOUND;
        body = strdup("not found: the metrics are at /metrics\n");
    } else {
        FILE *f = open_memstream(&body, &len);
        if (!f)
            return MHD_NO;
        put_metrics(f, m);
        if (fclose(f) != 0) {
            free(body);
            return MHD_NO;
        }
        return reply(m, conn, status, body, len, "text/plain; version=0.0.4; charset=utf-8");
    }
    if (!body)
        return MHD_NO;
    return reply(m, conn, status, body, strlen(body), text);
}

static bool load_mhd(Mhd *mhd, char *err, size_t size)
{
    mhd->lib = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!mhd->lib) {
        snprintf(err, size, "cannot load %s (%s): install libmicrohttpd12", MHD_SONAME,
                 dlerror());
        return false;
    }
#define MHD_LOAD(f)                                                                          \
    if (!(mhd->f = (__typeof__(f) *)dlsym(mhd->lib, #f))) {                                  \
        snprintf(err, size, "%s has no %s", MHD_SONAME, #f);                                 \
        return false;                                                                        \
    }
    MHD_CALLS(MHD_LOAD)
#undef MHD_LOAD
    return true;
}

static void metrics_free(Metrics *m)
{
    Published *p = &m->pub;
    for (int i = 0; p->sinks && i < m->prog->nsinks; i++)
        free(p->sinks[i].output);
    for (int i = 0; p->outputs && i < m->prog->nsinks; i++)
        free(p->outputs[i].label);
    free(p->sources);
    free(p->sinks);
    free(p->outputs);
    free(p->queues);
    pthread_mutex_destroy(&p->lock);
    if (m->mhd.lib)
        dlclose(m->mhd.lib);
    free(m);
}

/* Resolves the address and starts the daemon. Its thread inherits the
 * signal mask of this one: every signal is blocked while it starts, so that
 * SIGINT and SIGTERM go to the read loop's thread, whose blocked read(2)
 * they must interrupt (main.c). */
static bool start_daemon(Metrics *m, const char *addr, char *err, size_t size)
{
    char host[256];
    int port;
    flowrt_metrics_parse_addr(addr, host, sizeof host, &port);
    char service[8];
    snprintf(service, sizeof service, "%d", port);
    struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
                              .ai_family = host[0] ? AF_UNSPEC : AF_INET,
                              .ai_socktype = SOCK_STREAM };
    struct addrinfo *ai;
    int gai = getaddrinfo(host[0] ? host : NULL, service, &hints, &ai);
    if (gai != 0) {
        snprintf(err, size, "--metrics-port %s: %s", addr, gai_strerror(gai));
        return false;
    }
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
                     (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    m->daemon = m->mhd.MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, serve, m,
                                        MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                                        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, m,
                                        /* a scraper that hangs cannot pile up */
                                        MHD_OPTION_CONNECTION_LIMIT, 16u,
                                        MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    freeaddrinfo(ai);
    if (!m->daemon)
        snprintf(err, size, "--metrics-port %s: cannot serve metrics: %s", addr,
                 m->log[0] ? m->log : "libmicrohttpd did not start");
    return m->daemon != NULL;
}

bool flowrt_metrics_start(FlowRuntime *rt, const char *addr, double started)
{
    if (!addr)
        return true;
    const FlowProgram *prog = rt->prog;
    Metrics *m = calloc(1, sizeof *m);
    char err[512] = "out of memory";
    if (!m) {
        flowrt_runtime_fail(rt, "%s", err);
        return false;
    }
    m->prog = prog;
    m->started = started;
    Published *p = &m->pub;
    pthread_mutex_init(&p->lock, NULL);
    p->watermark = FLOW_TIME_MIN;
    p->sources = calloc((size_t)prog->nsources + 1, sizeof *p->sources);
    p->sinks = calloc((size_t)prog->nsinks + 1, sizeof *p->sinks);
    p->outputs = calloc((size_t)prog->nsinks + 1, sizeof *p->outputs);
    p->queues = calloc(FLOW_MAX_PARALLELISM, sizeof *p->queues);
    if (!p->sources || !p->sinks || !p->outputs || !load_mhd(&m->mhd, err, sizeof err) ||
        !start_daemon(m, addr, err, sizeof err)) {
        metrics_free(m);
        flowrt_runtime_fail(rt, "%s", err);
        return false;
    }
    rt->metrics = m;
    return true;
}

/* Labels are copied once, when their sink is first published: the server
 * never reads the runtime's strings. A failed copy is tried again at the
 * next publish. */
static char *label_copy(char *have, const char *label)
{
    return have ? have : strdup(label);
}

void flowrt_metrics_publish(FlowRuntime *rt)
{
    Metrics *m = rt->metrics;
    if (!m)
        return;
    Published *p = &m->pub;
    pthread_mutex_lock(&p->lock);
    p->elapsed = flowrt_runtime_seconds() - m->started;
    p->now_ms = rt->now_ms;
    /* As the operators last saw it: working it out again here would move
     * it between two rounds where the loop chose not to (main.c, run). */
    p->watermark = rt->watermarks.current;
    p->bad = rt->bad_total;
    p->late = rt->late;
    p->nsources = rt->nsources;
    for (int i = 0; i < rt->nsources; i++) {
        const Source *s = rt->sources[i];
        p->sources[i] = (SourceNumbers){ s->records, s->bad,
                                         flowrt_watermarks_input(&rt->watermarks, i,
                                                                 rt->now_ms) };
    }
    p->nsinks = rt->nsinks;
    for (int i = 0; i < rt->nsinks; i++) {
        p->sinks[i].written = rt->sinks[i]->written;
        p->sinks[i].output = label_copy(p->sinks[i].output, flowrt_sink_label(rt->sinks[i]));
    }
    p->noutputs = rt->noutputs;
    for (int i = 0; i < rt->noutputs; i++) {
        p->outputs[i].blocked_ns = rt->outputs[i]->blocked_ns;
        p->outputs[i].label = label_copy(p->outputs[i].label, rt->outputs[i]->label);
    }
    const Checkpoints *c = &rt->ckpt;
    p->checkpoints = c->on && !c->selftest;
    p->ckpt_taken = c->taken;
    p->ckpt_failures = c->failures;
    p->ckpt_restored_id = c->restored_id;
    p->ckpt_last_seconds = c->last_seconds;
    p->ckpt_last_pause = c->last_pause_seconds;
    p->ckpt_max_pause = c->max_pause_seconds;
    p->ckpt_last_bytes = c->last_bytes;
    p->nworkers = p->queues ? flowrt_parallel_workers(rt) : 1;
    p->exchange_wm = rt->exchange_wm;
    for (int i = 0; i < p->nworkers && p->nworkers > 1; i++)
        flowrt_parallel_queue_stats(rt, i, &p->queues[i]);
    pthread_mutex_unlock(&p->lock);
}

void flowrt_metrics_stop(FlowRuntime *rt)
{
    Metrics *m = rt->metrics;
    if (!m)
        return;
    m->mhd.MHD_stop_daemon(m->daemon);
    metrics_free(m);
    rt->metrics = NULL;
}
