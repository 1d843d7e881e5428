/* parallel.h: the worker threads of a run with `parallelism N` > 1
 * (docs/architecture.md, "Parallelism"). The reading thread runs the
 * sources and the stateless stages before `key by`; the generated exchanges
 * (flow/exchange.h) pack each record of a keyed stage into the queue of the
 * worker that owns its key group, with the watermark in force; each worker
 * runs the keyed stages, their timers and what follows them on a
 * FlowRuntime of its own, and hands what its sinks encoded, whole records,
 * back through a queue of its own, which the reading thread writes to the
 * run's sinks. Every queue is a ring of a fixed number of batches of
 * PAR_BATCH_BYTES, so a slow sink or worker makes the reading thread wait,
 * and so read less. Internal to libflowrt. */
#ifndef FLOWRT_PARALLEL_H
#define FLOWRT_PARALLEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "flow/program.h"

/* The bytes of one batch, and of the batches of one queue (each way, per
 * worker): a worker's two queues hold at most 2 * PAR_QUEUE_BYTES (more
 * only for a record larger than a batch, which gets a batch of its size). */
#define PAR_BATCH_BYTES (64 * 1024)
#define PAR_QUEUE_BYTES (1024 * 1024)

typedef struct Parallel Parallel;

/* Before any connector opens: the run's worker count, rt->workers
 * (flowrt_parallel_wanted); with --stats, a note when it is one though
 * more were asked for. */
bool flowrt_parallel_plan(FlowRuntime *rt, int requested, bool stats);
/* The worker count a run would have: `requested` (--parallelism), else
 * its control's, else FLOW_PARALLELISM's, else the program's; 1 when the
 * program has no exchanges or runs the checkpoint self-test. */
int flowrt_parallel_wanted(const FlowRuntime *rt, int requested);
/* After the connectors opened: makes the workers' runtimes (rt->workers of
 * them, if more than one), into which a checkpoint is then restored. False,
 * the run failed, when they cannot be made. */
bool flowrt_parallel_start(FlowRuntime *rt, bool stats);
/* After the restore: starts the workers' threads. */
bool flowrt_parallel_launch(FlowRuntime *rt);
/* A checkpoint's barrier (docs/checkpoints.md, "Parallel runs"): every
 * worker has run what was read before it, its output is written to the
 * run's Outputs, and it waits, touching nothing, until
 * flowrt_parallel_resume; so a fork in between copies a consistent state. */
void flowrt_parallel_barrier(FlowRuntime *rt);
void flowrt_parallel_resume(FlowRuntime *rt);
/* Worker i's runtime, for its operators' snapshot and restore (ckpt_state.c). */
FlowRuntime *flowrt_parallel_worker(FlowRuntime *rt, int i);
/* On a worker: the record it runs, read from a source (rt->origin), is bad:
 * the reading thread reports it against the source (errors.h) when it
 * writes out the worker's output. */
void flowrt_parallel_bad_record(FlowRuntime *rt, const char *where, const char *why);
/* After every poll of a source: hands the filled batches and the watermark
 * to the workers, and writes out what the workers produced. */
void flowrt_parallel_round(FlowRuntime *rt);
/* No input is ready: as flowrt_parallel_round, then waits (10 ms at most)
 * until the workers have run everything they were handed, writing out
 * their results as they come, so that a record's results go out before the
 * reading thread waits for the next record, as with one worker. */
void flowrt_parallel_settle(FlowRuntime *rt);
/* The end of the run (done, stopped or failed): each worker takes what is
 * queued for it and ends; what they produced is written out and their
 * counts join the run's. Their state stays for the final checkpoint. */
void flowrt_parallel_finish(FlowRuntime *rt);
/* Frees the workers' runtimes, after the final checkpoint saved them. */
void flowrt_parallel_free(FlowRuntime *rt);
/* The late and bad records the workers counted so far (for the counters
 * published while the run goes on). */
int64_t flowrt_parallel_late(const FlowRuntime *rt);
int64_t flowrt_parallel_bad(const FlowRuntime *rt);
/* --stats and the metrics endpoint: per worker and queue, since the start. */
typedef struct ParQueueStats {
    int64_t records;        /* records through the worker's input queue */
    int64_t batches_in, batches_out;
    double fill_in, fill_out; /* batches waiting / capacity, now */
    double wait_in_s;       /* the reading thread waited for room in it */
    double wait_out_s;      /* the worker waited for room in its output queue */
    int64_t watermark;      /* the worker's */
} ParQueueStats;
int flowrt_parallel_workers(const FlowRuntime *rt);
/* --stats: a line per worker after the run's line. */
void flowrt_parallel_print_stats(FlowRuntime *rt, double elapsed, double since_last);
void flowrt_parallel_queue_stats(const FlowRuntime *rt, int worker, ParQueueStats *out);

#endif
