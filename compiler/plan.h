/* plan.h: the operator graph of a checked program, and its fusion into
 * stages. The planner owns the graph's shape, every fact about a stage
 * (whether it gets a function, its operator index) and the names the
 * generated C gives to record types, stage functions and the pieces of a
 * stateful stage, so that `flowc explain` and the emitter say the same thing
 * and no emitter module asks another for a name. Which operators are stage
 * boundaries comes from the operator table (operators.h).
 *
 * Nodes are sources, tables, one node per operator, and sinks; an edge carries
 * the record type flowing along it. A stream is not a node: it is the ops it
 * lists, and a reference to a stream is a reference to the output of its last
 * op (or, for a stream without ops, to whatever its input is). A window's
 * `late as` stream is the window node's second, "late" output.
 *
 * A stage is a maximal chain of nodes that run one after the other on one
 * record in one C function, without a queue or copy between them. A node
 * starts a new stage when it is stateful (window, join, dedupe), when it has
 * several inputs (union), or when its input does not come from the single
 * main output of an operator (a source, a fan-out, a late output). Everything
 * lives in the compilation's arena. */
#ifndef FLOWC_PLAN_H
#define FLOWC_PLAN_H

#include <stdbool.h>

#include "arena.h"
#include "ast.h"

typedef struct PlanNode PlanNode;
typedef struct PlanEdge PlanEdge;
typedef struct PlanStage PlanStage;

/* A record type of the generated C: one per distinct list of (field name,
 * type), so that streams of the same shape share a struct. */
typedef struct PlanType {
    int id;
    const char *cname;     /* the C typedef */
    Schema *schema;        /* the first schema of this shape */
    const char **members;  /* C member name of each field */
    Loc loc;
    const char *origin;    /* "schema Click", "select of stream visits", ... */
} PlanType;

typedef struct PlanEdgeList {
    PlanEdge **items;
    int n, cap;
} PlanEdgeList;

typedef enum PlanNodeKind {
    PN_SOURCE,
    PN_TABLE,
    PN_OP,
    PN_SINK,
} PlanNodeKind;

typedef enum PlanStateKind {
    STATE_NONE,
    STATE_WINDOW,       /* window + aggregate */
    STATE_JOIN,         /* interval or window join */
    STATE_DEDUPE,
    STATE_LOOKUP,       /* not state of its own: a read-only probe of a table */
    STATE_UPDATE,       /* an aggregate without a window: per key, its result so far */
    STATE_TOP,          /* top: per partition, its best rows */
} PlanStateKind;

/* Key fields, as indexes into a type. */
typedef struct PlanKey {
    PlanType *type;
    int *fields;
    int n;
} PlanKey;

/* What a stateful operator keeps, for `explain` today and for the code
 * generator of stateful operators next. */
typedef struct PlanState {
    PlanStateKind kind;
    PlanKey key;            /* the key the state is partitioned by (n == 0: none) */
    PlanKey other_key;      /* join / lookup: the key on the other input */
    const char *kept;       /* what is kept per key, in words */
    const char *freed;      /* when it is released */
} PlanState;

struct PlanEdge {
    PlanNode *from, *to;
    bool late;              /* from a window's `late as` output */
    int port;               /* 0: main input; join/lookup right side, union input k: k */
    PlanType *type;
};

struct PlanNode {
    PlanNodeKind kind;
    int id;
    Decl *decl;             /* the source, table or sink; for an op, its stream */
    Op *op;                 /* PN_OP */
    PlanType *in;           /* what an op or sink receives */
    PlanType *out;          /* what a source, table or op emits */
    PlanEdgeList inputs;
    PlanEdgeList outputs;   /* the main output, in the order consumers are declared */
    PlanEdgeList late;      /* window: the `late as` output */
    PlanStage *stage;       /* PN_OP */
    PlanState *state;       /* stateful ops and lookups, else NULL */
    bool part_of_window;    /* an aggregate evaluated by the window before it */
    bool live;              /* some sink reads what it emits (else no code is made) */
    int index;              /* sources and sinks: position in FlowProgram arrays */
};

/* The C names of a stateful stage's pieces besides its function, each
 * `<stage function>_<member>` (not every operator uses every one; all are
 * given out, so that a name never depends on what another operator's
 * emitter needs). */
typedef struct PlanStageNames {
    const char *state;            /* the state struct */
    const char *hash, *match;     /* hash and key equality of the state struct */
    const char *fire, *release;   /* its FlowOperatorDef functions */
    const char *snapshot, *restore; /* ...and those of checkpoints (Plan.checkpoint) */
    const char *result;           /* builds the result and runs the operators after it */
    const char *merge, *window, *find;
    const char *right;            /* a join's function for its right input */
    const char *row, *arrive;
    /* A window's early results (emit_window_early.c): the -D of a session's
     * row; a sliding window's last rows, a struct, and its find function. */
    const char *retract, *last, *last_find;
} PlanStageNames;

struct PlanStage {
    int id;                 /* 1-based, in plan order */
    const char *cname;      /* the C function: stream_NAME[_OP] */
    Decl *stream;           /* the stream of its first node */
    bool stateful;          /* starts with a stateful operator (its kind decides
                               which emitter writes the stage: operators.h) */
    bool live;              /* its last node is live */
    bool emitted;           /* gets a function: it is live, or its first node is
                               (a window whose `late as` stream is read) */
    int op_index;           /* stateful and emitted: its entry in the generated
                               FlowOperatorDef array (stage order, which is
                               topological); else -1 */
    const PlanStageNames *names; /* stateful; else NULL */
    PlanNode **nodes;
    int nnodes, nodes_cap;
    PlanType *in;           /* the record its function takes */
    /* A keyed stateful stage of a program that can run on several workers
     * (plan_exchange.c): the functions that send its records to the worker
     * owning their key, and that take them there; else NULL. */
    const char *exchange, *deliver;
    const char *exchange_right, *deliver_right; /* a join's right input's */
    PlanType *in_right;     /* the record of a join's right input */
    int exchange_index;     /* its entry in FlowProgram.exchanges (the right
                               input's is the next), else -1 */
};

/* Where a stream's records come from. */
typedef struct PlanPort {
    PlanNode *node;         /* NULL for a stream over something unplanned */
    bool late;
} PlanPort;

typedef struct PlanStream {
    Decl *decl;             /* DECL_STREAM or DECL_LATE_STREAM */
    PlanPort input;         /* what its first op reads */
    PlanPort output;        /* what readers of the stream read */
    PlanNode **ops;
    int nops;
} PlanStream;

typedef struct Plan {
    Arena *arena;
    Program *prog;
    const char *flow_file;  /* base name of the .flow file */
    PlanNode **nodes;
    int nnodes, nodes_cap;
    PlanNode **sources;     /* sources and tables, declaration order */
    int nsources, sources_cap;
    PlanNode **sinks;
    int nsinks, sinks_cap;
    PlanStream *streams;    /* declaration order, late streams last */
    int nstreams, streams_cap;
    PlanStage **stages;
    int nstages, stages_cap;
    PlanType **types;
    int ntypes, types_cap;
    const char **names;     /* C identifiers given out so far */
    int nnames, names_cap;
    /* `checkpoint every D [to "DIR"]` (docs/checkpoints.md): 0 and NULL
     * without one; the stateful stages then get no snapshot functions. */
    int64_t checkpoint_every_ms;
    const char *checkpoint_dir;
    /* `state rocksdb "DIR"` (docs/checkpoints.md, "RocksDB state"): keyed
     * tumbling windows and dedupes keep their state in the runtime's store. */
    bool state_rocksdb;
    const char *state_dir;
    /* `parallelism N` (1 without one), and the exchanges in front of the
     * keyed stages; when there are none, why the program runs on one
     * worker whatever N (`serial`, NULL with exchanges). */
    int64_t parallelism;
    int nexchanges;
    const char *serial;
} Plan;

/* plan_exchange.c: decides whether the keyed stages can run on several
 * workers and gives out the exchanges' names (after the stages are cut). */
void plan_exchanges(Plan *plan);

/* Whether the stage starts with an operator of this kind. */
bool plan_stage_is(const PlanStage *st, OpKind kind);

/* Build the graph and the stages of a program the checker accepted. */
Plan *plan_build(Arena *arena, Program *prog);

/* A file-scope C identifier based on `want` that is unique in the generated
 * file and clashes with no C keyword, no name of the headers it includes,
 * and no local name of the generated functions (`want_2`, `want_3`, ...). */
const char *plan_unique_name(Plan *plan, const char *want);

/* The plan's type for a checker schema (NULL for NULL). */
PlanType *plan_type_of(Plan *plan, Schema *s);

/* The planned stream of a declaration, or NULL. */
PlanStream *plan_stream(const Plan *plan, const Decl *decl);

/* Where a source, table, stream or late stream is read from. */
PlanPort plan_port_of(const Plan *plan, const Decl *decl);

/* Base name of a path: after the last '/'. */
const char *plan_base_name(const char *path);

#endif
