/* rt.h: the FlowRuntime that flow_main builds and every generated stage
 * borrows (flow/runtime.h): sources, sinks, scratch memory, the batch clock,
 * watermarks, operator state and timers, and the program's failure state. Internal to libflowrt. */
#ifndef FLOWRT_RT_H
#define FLOWRT_RT_H

#include <stdbool.h>
#include <stdint.h>

#include "ckpt.h"
#include "connargs.h"
#include "flow/program.h"
#include "latency.h"
#include "read_order.h"
#include "scratch.h"
#include "sink.h"
#include "source.h"
#include "timer.h"
#include "watermark.h"

/* Where a record a worker runs was read (parallel.c): what a report of it
 * as a bad record needs once the source has gone on. */
typedef struct RecordOrigin {
    int source;             /* 1 + its source's index in rt->sources; 0: none */
    int32_t part;           /* Source.part and Source.where when it was read */
    int64_t where;
    const char *raw;        /* its text, when the source has an errors= file; else NULL */
    size_t raw_len;
} RecordOrigin;

struct FlowRuntime {
    FlowRuntimeHead head;   /* first: what generated code reads inline (flow/state.h) */
    const FlowProgram *prog;
    FlowControl *control;   /* this run's: the host's, the program's, or the run's own */
    unsigned signals_at_start; /* the stop signal count when the run started (main.c) */
    Scratch scratch;
    int64_t now_ms;         /* wall clock, read once per batch; never goes back */
    int64_t fake_clock_next; /* with FLOW_FAKE_CLOCK: the time the next tick reads */
    int64_t fake_clock_step; /* 0: the real clock */
    int batch;              /* records a source reads in one turn */
    Watermarks watermarks;
    ReadOrder order;        /* which sources the next round polls (read_order.h) */
    bool progressed;        /* the last round read a record */
    Checkpoints ckpt;       /* this run's checkpoints (ckpt.h) */
    struct Metrics *metrics; /* the --metrics-port server, or NULL (metrics.h) */
    int workers;            /* the run's parallelism (flowrt_parallel_plan) */
    struct Parallel *par;   /* the workers of a run with parallelism > 1, or NULL (parallel.h) */
    int64_t exchange_wm;    /* with workers: the watermark the records now read go with */
    int64_t exchange_wm_arrival_ns; /* ...and the arrival of the record that moved it there */
    RecordOrigin origin;    /* on a worker: where the record it runs was read */
    Timers timers;          /* stateful operators: their state and timers */
    struct FlowKv *kv;      /* `state rocksdb`: the keyed-state store (kv.h); else NULL */
    Source **sources;
    int nsources;
    FlowSink **sinks;
    int nsinks;
    Output **outputs;       /* the sinks' destinations; stdout sinks share one */
    int noutputs;
    bool output_closed;     /* a sink's reader went away (EPIPE): stop quietly */
    Source *current;        /* the source whose record is going through */
    struct LoadedTable *tables; /* FlowProgram.tables, loaded before the streams start */
    int ntables;
    ParamValues params;     /* current texts of the params (their values: head.params) */
    struct RegexSlots *regexes; /* FlowProgram.regexes compiled for this run (fn_regex.c) */
    void (*regexes_free)(FlowRuntime *rt); /* set with them, so only their users link PCRE2 */
    bool failed;            /* a run-time failure: stop, exit status 1 */
    int64_t bad_total;
    int64_t bad_results;    /* window results that failed an expression after it */
    int64_t late;           /* records dropped as late by windows */
    /* Latency (docs/architecture.md, "Latency"): when the bytes of the
     * record going through arrived (monotonic ns: the read that brought them,
     * or the source's turn), and the histograms of arrival to write(2), over
     * the run and since the last --stats line. */
    int64_t arrival_ns;
    Latency latency, latency_interval;
    bool stats;             /* --stats: the summary shows the latency */
};

/* Records a source reads in one turn before the next source gets its turn. */
#define RUNTIME_BATCH 1024

/* An empty runtime for `prog` (no sources or sinks open yet). */
void flowrt_runtime_init(FlowRuntime *rt, const FlowProgram *prog);
void flowrt_runtime_free(FlowRuntime *rt);
/* Points the runtime's head at the operators of rt->timers (after it was
 * made again) and their panes at the run. */
void flowrt_runtime_bind_operators(FlowRuntime *rt);
/* The value of duration param `name` in this run (FlowSourceDef's
 * watermark_param, idle_param), or `literal` when name is NULL. */
int64_t flowrt_duration_param(const FlowRuntime *rt, const char *name, int64_t literal);
/* The program watermark may have moved: fire the operators' due timers. */
void flowrt_runtime_advance(FlowRuntime *rt);
/* No input is ready, and the loop or a source is about to wait for it:
 * what the workers were handed is run and written out
 * (flowrt_parallel_settle), then every Output writes out what it holds. */
void flowrt_runtime_quiet(FlowRuntime *rt);
/* Reads the clock into rt->now_ms: the one place the runtime learns the
 * time. Processing-time records are stamped with it and it is the
 * watermark of processing-time inputs.
 *
 * Tests drive it with the environment variable FLOW_FAKE_CLOCK=START,STEP
 * (ms): the first tick reads START and each tick after it STEP more, and the
 * read loop gives each source one record per turn (each turn ticks), so a
 * program's processing-time results depend only on its input. */
void flowrt_runtime_tick(FlowRuntime *rt);
/* A run-time failure: prints "PROGRAM: MESSAGE" to stderr (only the first
 * failure is printed) and makes the program stop with status 1. */
void flowrt_runtime_fail(FlowRuntime *rt, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A SIGINT or SIGTERM arrived since the run started, or a stop was asked of
 * its control: the run is stopping cleanly. */
bool flowrt_run_stop_requested(const FlowRuntime *rt);
/* Monotonic clock in seconds, for elapsed times and --stats. */
double flowrt_runtime_seconds(void);
/* The same clock in nanoseconds. */
int64_t flowrt_runtime_ns(void);
/* The bytes of the records a source takes from now on arrived now. */
static inline void flowrt_runtime_arrived(FlowRuntime *rt)
{
    rt->arrival_ns = flowrt_runtime_ns();
}

/* Every source calls this before pushing a record, after setting the
 * record's position in `src`: the scratch memory of the previous record is
 * released and errors are attributed to `src`. */
static inline void flowrt_runtime_begin_record(FlowRuntime *rt, Source *src)
{
    flowrt_scratch_reset(&rt->scratch);
    if (rt->current != src)
        rt->head.quiet_to = FLOW_TIME_MIN; /* quiet_to is the current source's */
    rt->current = src;
    src->records++;
}

#endif
