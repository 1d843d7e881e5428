/* flow/program.h: how a generated program describes itself to the runtime,
 * the root of the ABI between generated code and libflowrt. The generated C
 * fills one constant FlowProgram (params, sources, sinks, operators,
 * tables) and hands it to flow_main (or, embedded, to the calls of
 * flow/host.h), which owns everything else: the command line, opening
 * connectors, the read loop, signals, the summary and the exit status
 * (docs/language.md, "The generated program").
 *
 * The ABI is this header and the ones it includes (flow/runtime.h,
 * codec.h, generator.h, state.h, table.h, and flow/value.h, expr.h beside
 * them): the types generated code fills and the calls and inline functions
 * it uses. FLOW_ABI_VERSION names its version; a program carries the
 * version it was compiled with, and libflowrt refuses to run a program of
 * another version (docs/architecture.md, "The interface between generated
 * code and libflowrt", says when to bump it).
 *
 * Seams for what comes next (docs/architecture.md):
 * - every source reports a position and can seek to one (checkpoints);
 * - sinks flush and commit (exactly-once);
 * - the read loop polls a source only when its downstream has room
 *   (backpressure), round-robin over sources (fairness);
 * - `operators` lists the stateful operators, whose timers the runtime fires
 *   (flow/state.h) and whose state checkpoints save (flow/checkpoint.h). */
#ifndef FLOW_PROGRAM_H
#define FLOW_PROGRAM_H

#include <stdatomic.h>
#include <stdint.h>

#include "flow/checkpoint.h"
#include "flow/codec.h"
#include "flow/csv_line.h"
#include "flow/json_line.h"
#include "flow/exchange.h"
#include "flow/fn_string.h"
#include "flow/generator.h"
#include "flow/host.h"
#include "flow/kv.h"
#include "flow/runtime.h"
#include "flow/state.h"
#include "flow/table.h"

/* Exported: libflowrt is built with -fvisibility=hidden, so only the API
 * declared between these pragmas is visible outside it. */
#pragma GCC visibility push(default)

/* The version of the interface between generated code and libflowrt. Bump it
 * whenever a program compiled against the old headers could misbehave with
 * the new library: a struct of these headers changes layout or meaning, a
 * call changes signature or contract, an inline function reads runtime
 * memory differently. */
#define FLOW_ABI_VERSION 15

/* A param: the runtime parses the default, then any --set NAME=VALUE, with the
 * codec of `type`, into the run's params block (flow_params, flow/runtime.h)
 * at `offset`: a member of the generated program's params struct, of the C
 * type of value.h (for strings a FlowStr whose bytes stay valid for the run:
 * the default's text or the argv element). */
typedef struct FlowParamDef {
    const char *name;
    FlowType type;
    const char *default_text;
    size_t offset;
} FlowParamDef;

/* A connector argument: `value` is the literal's text (a string literal
 * without quotes, a duration as its ms count), or, when `param` is not NULL,
 * the name of the param whose current text (default or --set) is used. */
typedef struct FlowConnArg {
    const char *key;
    const char *value;
    const char *param;
} FlowConnArg;

/* The source and sink ops of a connector that links a library of its own
 * (kafka: librdkafka), opaque here. libflowrt's table of connectors cannot
 * name them, or every program would link that library: the generated program
 * points FlowConnector.ops at them, and so only a program that uses the
 * connector pulls its objects out of libflowrt.a (docs/architecture.md,
 * "Connectors that link a library"). */
typedef struct FlowConnectorOps FlowConnectorOps;
/* kafka(...) (runtime/src/kafka.c), in libflowrt.a only; needs -lrdkafka. */
extern const FlowConnectorOps flow_kafka_connector;
/* postgres(...) (runtime/src/pg.c), in libflowrt.a only; needs -lpq. */
extern const FlowConnectorOps flow_postgres_connector;
/* file(...) that may read or write gzip files (runtime/src/compress_gzip.c;
 * needs -lz), zstd files (compress_zstd.c; -lzstd), or both
 * (file_compressed.c), in libflowrt.a only. */
extern const FlowConnectorOps flow_file_gzip_connector;
extern const FlowConnectorOps flow_file_zstd_connector;
extern const FlowConnectorOps flow_file_compressed_connector;

typedef struct FlowConnector {
    const char *kind;        /* "file", "stdin", "stdout", "generator", ... */
    const FlowConnArg *args;
    int nargs;
    const char *where;       /* "clicks.flow:14:3", for error messages */
    const FlowConnectorOps *ops; /* NULL: the runtime's table has the kind */
} FlowConnector;

/* Decode one record from its fields (schema order) and push it downstream.
 * Returns false after flow_record_error when a field does not decode. */
typedef bool (*FlowDecodeFn)(FlowRuntime *rt, const FlowField *fields);
/* A CSV source's line, in one pass: the record of the line [line, line+len)
 * (no line break), whose columns are the schema's fields in schema order,
 * into `rec` (FlowSourceDef.record_size bytes). Returns false, having
 * reported nothing, when the line needs the general path (flow/csv_line.h). */
typedef bool (*FlowParseCsvFn)(const char *line, size_t len, void *rec);
/* A JSON-lines source's line, in one pass, into `rec`: the same contract
 * (flow/json_line.h). */
typedef bool (*FlowParseJsonFn)(const char *line, size_t len, void *rec);
/* Push a record made by parse_csv or parse_json downstream. */
typedef void (*FlowPushFn)(FlowRuntime *rt, const void *rec);
/* Make one synthetic record with the generator and push it downstream. */
typedef void (*FlowGenerateFn)(FlowRuntime *rt, FlowGen *gen);

typedef struct FlowSourceDef {
    const char *name;            /* the source's name in the .flow */
    FlowConnector conn;
    /* The schema's fields, in schema order; a JSON source's may be paths
     * into nested objects, member names joined by '.' ("meta.device.id"). */
    const char *const *field_names;
    const FlowType *field_types;
    int nfields;
    int event_time_field;        /* -1: processing time */
    int64_t watermark_delay_ms;  /* `watermark D` */
    int64_t idle_ms;             /* `idle D`, 0 when absent */
    FlowDecodeFn decode;         /* for every connector but the generator */
    FlowGenerateFn generate;     /* for generator(...), one record per call */
    FlowGenerateBatchFn generate_batch; /* for generator(...), preferred when set */
    /* `watermark P`, `idle P` with a duration param P: its name, whose value
     * the run uses instead of watermark_delay_ms and idle_ms; NULL for a
     * literal. */
    const char *watermark_param;
    const char *idle_param;
    /* file(...) and stdin(...) in CSV, when the columns are in schema order
     * (no header, or a header of the schema's names in order): each line
     * goes to parse_csv, then push; the lines it refuses go to decode. */
    FlowParseCsvFn parse_csv;
    /* file(...) and stdin(...) in JSON lines, when every field is a plain
     * member name: each line goes to parse_json, then push; the lines it
     * refuses go to the general parser and decode. */
    FlowParseJsonFn parse_json;
    FlowPushFn push;
    size_t record_size;
} FlowSourceDef;

typedef struct FlowSinkDef {
    const char *stream;          /* the stream this sink writes */
    FlowConnector conn;
    const char *const *field_names;
    const FlowType *field_types;
    int nfields;
} FlowSinkDef;

/* A run's stop request and counters (flow/host.h), shared between the
 * thread that runs and the host's other threads. The layout is part of the
 * ABI only because a generated program reserves one for flow_run
 * (FlowProgram.control); hosts make theirs with flow_control_new and never
 * touch the fields. All are atomics, so that any thread may read them and a
 * signal handler may set `stop`. Zero-initialised (a static variable) is the
 * initial state. */
struct FlowControl {
    atomic_int stop;             /* set by flow_*_stop, seen between batches */
    atomic_int running;          /* 1 while a run uses this control */
    atomic_int_least64_t read, written, bad, late;
    atomic_int parallelism;      /* flow_control_set_parallelism; 0: the program's */
};

/* An exchange in front of a keyed stage (flow/exchange.h): its name for
 * --stats ("window at FILE:LINE:COL"), and what a worker calls with a record
 * packed for it. */
typedef struct FlowExchangeDef {
    const char *name;
    void (*deliver)(FlowRuntime *rt, unsigned char *packed, int64_t ts);
} FlowExchangeDef;

/* Checks the values of the duration params in the run's params block
 * against the rules of the clauses that use them (docs/language.md,
 * "Durations from params"), and stores in the block what the stages derive
 * from them (a sliding window's pane). Returns NULL when every rule holds;
 * else the rule broken with its place, and in params[0] and params[1] the
 * indexes of the params it names (-1: none). */
typedef const char *(*FlowParamsCheckFn)(void *block, int params[2]);

/* A `lookup`: "lookup TABLE at FILE:LINE:COL", the table it probes (its
 * index in FlowProgram.tables), and whether it keeps records without a row
 * (`lookup ... left`) or drops them. */
typedef struct FlowLookupDef {
    const char *name;
    int table;
    bool left;
} FlowLookupDef;

struct FlowProgram {
    /* These two come first in every ABI version, so that a library can read
     * them in a program built for any other and name it in its refusal. */
    int abi_version;             /* FLOW_ABI_VERSION of the headers it was compiled with */
    const char *name;            /* program name for --help and messages */
    const char *flow_file;       /* the .flow file it was compiled from (base name) */
    const char *flowc_version;
    const FlowParamDef *params;
    int nparams;
    size_t params_size;          /* sizeof the params struct; each run allocates one */
    const FlowSourceDef *sources;
    int nsources;
    const FlowSinkDef *sinks;
    int nsinks;
    FlowControl *control;        /* flow_run's; NULL: flow_run cannot be stopped or read from outside */
    const FlowOperatorDef *operators; /* stateful operators, topological order */
    int noperators;
    /* Lookup tables (flow/table.h), loaded in this order before any source
     * is read. Each is read like a source; its decode function stores the
     * row in flow_lookup_table(rt, index) instead of pushing it on. */
    const FlowSourceDef *tables;
    int ntables;
    /* The patterns of the regexp_ calls (flow/fn_string.h), which
     * `regex_setup` compiles for each run before any connector opens; both
     * NULL in a program without them, which then does not link PCRE2. */
    const FlowRegexDef *regexes;
    int nregexes;
    FlowRegexSetupFn regex_setup;
    /* The lookups, each with a miss counter per run (flow_lookup_miss,
     * flow/table.h) that the summary prints under its table. */
    const FlowLookupDef *lookups;
    int nlookups;
    /* `checkpoint every D [to "DIR"]` (docs/checkpoints.md): every_ms is 0
     * in a program without checkpoints; dir NULL without `to`. */
    int64_t checkpoint_every_ms;
    const char *checkpoint_dir;
    /* What its checkpoints depend on, one line per source, table, sink and
     * stateful operator (kind, record types, state): a checkpoint whose lines
     * differ is of another program and is refused, naming the line. */
    const char *const *layout;
    int nlayout;
    /* Duration params (FLOW_DURATION) that clauses use: checked once every
     * param is set, before anything opens, by `params_check`; each one's
     * value is a line of the checkpoint layout (`param NAME = VALUE`), after
     * `layout`. NULL and 0 in a program without them. */
    FlowParamsCheckFn params_check;
    const int *layout_params;    /* indexes in `params` */
    int nlayout_params;
    /* `state rocksdb "DIR"` (docs/checkpoints.md, "RocksDB state"): the
     * store keyed operators keep their state in (&flow_rocksdb_store,
     * flow/kv.h) and its directory; NULL and NULL with `state memory`, and
     * then the program does not link librocksdb. */
    const FlowKvStoreOps *state_store;
    const char *state_dir;
    /* `parallelism N` (1 without it; --parallelism and the host's control
     * override it), and the exchanges in front of the keyed stages; with
     * none, `serial` says why the program runs on one worker whatever N. */
    int parallelism;
    const FlowExchangeDef *exchanges;
    int nexchanges;
    const char *serial;
};

/* What a generated `main` calls: runs the program (flow_run, flow/host.h) and
 * returns its exit status. */
int flow_main(const FlowProgram *program, int argc, char **argv);

#pragma GCC visibility pop

#endif
