/* flow/program.h: how a generated program describes itself to the runtime.
 * The generated C fills one constant FlowProgram (params, sources, sinks,
 * config) and hands it to flow_main, which owns everything else: the command
 * line (LANGUAGE.md §9), opening connectors, the read loop, signals, the
 * summary and the exit status.
 *
 * A program built with `flowc emit --embed` has no main: the host calls
 * flow_run (through the generated flow_<name>_run) and may stop it and read
 * its counters from another thread through the program's FlowControl
 * (docs/build-integration.md).
 *
 * Seams for what comes next (docs/architecture.md):
 * - every source reports a position and can seek to one (checkpoints);
 * - sinks flush and commit (exactly-once);
 * - the read loop polls a source only when its downstream has room
 *   (backpressure), round-robin over sources (fairness);
 * - `operators` lists the stateful operators, whose timers the runtime fires
 *   (flow/state.h); snapshot hooks will join them. */
#ifndef FLOW_PROGRAM_H
#define FLOW_PROGRAM_H

#include <stdatomic.h>
#include <stdint.h>

#include "flow/codec.h"
#include "flow/generator.h"
#include "flow/runtime.h"
#include "flow/state.h"
#include "flow/table.h"

/* A param: the runtime parses the default, then any --set NAME=VALUE, with the
 * codec of `type`, into *storage (a variable of the generated program of the
 * C type of value.h; for strings a FlowStr whose bytes the runtime owns). */
typedef struct FlowParamDef {
    const char *name;
    FlowType type;
    const char *default_text;
    void *storage;
} FlowParamDef;

/* A connector argument: `value` is the literal's text (a string literal
 * without quotes, a duration as its ms count), or, when `param` is not NULL,
 * the name of the param whose current text (default or --set) is used. */
typedef struct FlowConnArg {
    const char *key;
    const char *value;
    const char *param;
} FlowConnArg;

typedef struct FlowConnector {
    const char *kind;        /* "file", "stdin", "stdout", "generator", ... */
    const FlowConnArg *args;
    int nargs;
    const char *where;       /* "clicks.flow:14:3", for error messages */
} FlowConnector;

/* Decode one record from its fields (schema order) and push it downstream.
 * Returns false after flow_record_error when a field does not decode. */
typedef bool (*FlowDecodeFn)(FlowRuntime *rt, const FlowField *fields);
/* Make one synthetic record with the generator and push it downstream. */
typedef void (*FlowGenerateFn)(FlowRuntime *rt, FlowGen *gen);

typedef struct FlowSourceDef {
    const char *name;            /* the source's name in the .flow */
    FlowConnector conn;
    const char *const *field_names; /* schema fields, in schema order */
    const FlowType *field_types;
    int nfields;
    int event_time_field;        /* -1: processing time */
    int64_t watermark_delay_ms;  /* `watermark D` */
    int64_t idle_ms;             /* `idle D`, 0 when absent */
    FlowDecodeFn decode;         /* for every connector but the generator */
    FlowGenerateFn generate;     /* for generator(...), one record per call */
    FlowGenerateBatchFn generate_batch; /* for generator(...), preferred when set */
} FlowSourceDef;

typedef struct FlowSinkDef {
    const char *stream;          /* the stream this sink writes */
    FlowConnector conn;
    const char *const *field_names;
    const FlowType *field_types;
    int nfields;
} FlowSinkDef;

/* The mutable side of a program, shared between the thread that runs it and
 * the host's other threads: a stop request and the counters of the run. All
 * fields are atomics so that any thread (and a signal handler, for `stop`)
 * may touch them; use flow_request_stop and flow_get_summary, not the fields.
 * Zero-initialised (a static variable) is the initial state. */
typedef struct FlowControl {
    atomic_int stop;             /* set by flow_request_stop, seen between batches */
    atomic_int running;
    atomic_int_least64_t read, written, bad, late;
} FlowControl;

/* The counters of the current run, or of the last one when none is running.
 * They are published after every batch of records, so a reader on another
 * thread sees them at most one batch behind. */
typedef struct FlowSummary {
    bool running;
    int64_t records_read;        /* all sources, bad records included */
    int64_t records_written;     /* all sinks */
    int64_t records_bad;
    int64_t records_late;
} FlowSummary;

typedef struct FlowProgram {
    const char *name;            /* program name for --help and messages */
    const char *flow_file;       /* the .flow file it was compiled from (base name) */
    const char *flowc_version;
    const FlowParamDef *params;
    int nparams;
    const FlowSourceDef *sources;
    int nsources;
    const FlowSinkDef *sinks;
    int nsinks;
    FlowControl *control;        /* NULL: the program cannot be stopped or read from outside */
    const FlowOperatorDef *operators; /* stateful operators, topological order */
    int noperators;
    /* Lookup tables (flow/table.h), loaded in this order before any source
     * is read. Each is read like a source; its decode function stores the
     * row in flow_lookup_table(rt, index) instead of pushing it on. */
    const FlowSourceDef *tables;
    int ntables;
} FlowProgram;

/* Run the program: parse argv, open connectors, process until all bounded
 * input is done or SIGINT/SIGTERM, flush, print the summary. Returns the exit
 * status of LANGUAGE.md §9 (0 done, 1 run-time failure, 2 usage error). */
int flow_main(const FlowProgram *program, int argc, char **argv);

/* The embedding API. flow_run is flow_main under the name a host calls: the
 * same argv (argv[0] is only used in messages), the same output, the same
 * exit status. It installs handlers for SIGINT and SIGTERM while it runs and
 * restores the host's afterwards. One run of a program at a time. */
int flow_run(const FlowProgram *program, int argc, char **argv);
/* Asks a run of `program` to stop as SIGINT would: the current batch
 * finishes, the sinks are flushed, the summary is printed and flow_run
 * returns 0. Safe from any thread and from a signal handler. A request made
 * while the program is not running applies to its next run. */
void flow_request_stop(const FlowProgram *program);
/* Fills *out with the counters of the program's current or last run (all
 * zero before the first). Safe from any thread. */
void flow_get_summary(const FlowProgram *program, FlowSummary *out);

/* What `flowc emit --embed` exports for a program NAME (the .flow file's base
 * name without .flow, every character but [A-Za-z0-9_] made '_'): the three
 * calls above bound to that program, and the program itself. A host that
 * links the generated C declares them with FLOW_EMBEDDED_PROGRAM(NAME);. */
#define FLOW_EMBEDDED_PROGRAM(NAME)                  \
    int flow_##NAME##_run(int argc, char **argv);    \
    void flow_##NAME##_stop(void);                   \
    void flow_##NAME##_summary(FlowSummary *out);    \
    const FlowProgram *flow_##NAME##_program(void)

#endif
