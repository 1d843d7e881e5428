/* flow/program.h: how a generated program describes itself to the runtime.
 * The generated C fills one constant FlowProgram (params, sources, sinks,
 * config) and hands it to flow_main, which owns everything else: the command
 * line (LANGUAGE.md §9), opening connectors, the read loop, signals, the
 * summary and the exit status.
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

#include "flow/codec.h"
#include "flow/generator.h"
#include "flow/runtime.h"
#include "flow/state.h"

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
    FlowGenerateFn generate;     /* for generator(...) */
} FlowSourceDef;

typedef struct FlowSinkDef {
    const char *stream;          /* the stream this sink writes */
    FlowConnector conn;
    const char *const *field_names;
    const FlowType *field_types;
    int nfields;
} FlowSinkDef;

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
    const FlowOperatorDef *operators; /* stateful operators, topological order */
    int noperators;
} FlowProgram;

/* Run the program: parse argv, open connectors, process until all bounded
 * input is done or SIGINT/SIGTERM, flush, print the summary. Returns the exit
 * status of LANGUAGE.md §9 (0 done, 1 run-time failure, 2 usage error). */
int flow_main(const FlowProgram *program, int argc, char **argv);

#endif
