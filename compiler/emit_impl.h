/* emit_impl.h: what the parts of the emitter share, in layers, each section
 * owned by the file it names (not for other passes):
 *   emit.c            the driver: the file, its sources, sinks and FlowProgram,
 *                     and one call per stage to its operator's emitter
 *   emit_body.c       functions being written (Body), comments, pushes
 *   emit_keyed.c      what every keyed operator writes: keys, hashes, timers
 *   emit_checkpoint.c what snapshot and restore functions share, and the
 *                     layout lines of checkpoints
 *   emit_durations.c  the durations of clauses: literals or params
 *   emit_aggregate.c  the accumulators of aggregate items (its own header,
 *                     emit_aggregate.h), for the operators that keep them
 *   emit_stateless.c, emit_lookup.c, emit_window.c, emit_join.c, emit_dedupe.c
 *                     one per operator (operators.h names their entry points);
 *                     each uses the layers below it, none another of these
 *                     (but emit_window_ckpt.c, the window's checkpoints, uses
 *                     emit_window.c's state layout). */
#ifndef FLOWC_EMIT_IMPL_H
#define FLOWC_EMIT_IMPL_H

#include "emit.h"

typedef struct Emitter {
    Plan *plan;
    Arena *arena;
    Diag *d;
    const EmitOptions *opt;
    const char *flow_file_c;     /* the .flow base name inside a C string literal */
    bool used_math;
    bool used_logic;
    bool used_nexmark;           /* a nexmark source: flow/nexmark.h is included */
    const Decl **params;         /* every param, declaration order */
    const char *params_type;     /* the struct of a run's params (flow_params, flow/runtime.h) */
    const char **param_members;  /* each param's member in it */
    const char **param_names;    /* the C expression that reads each, through `rt` */
    int nparams;
    const char **source_fns;     /* per source index: decode_X / generate_X */
    const char **push_fns;       /* per source index: push_X, NULL for generators and tables */
    const char **csv_fns;        /* per source index: parse_csv_X (file or stdin in CSV), or NULL */
    const char **json_fns;       /* per source index: parse_json_X (JSON lines), or NULL */
    const char **sink_fns;       /* per sink index: sink_X */
    EmitRegexes regexes;         /* the patterns of the regexp_ calls (FlowProgram.regexes) */
    const Op **pane_ops;         /* sliding windows whose pane (gcd) a param decides: */
    int npane_ops;               /* member pane_I of the params struct */
} Emitter;

/* The state of one function body being written: which record is current and
 * what the body has used, so that the prologue can silence what it has not. */
typedef struct Body {
    Emitter *em;
    CWriter w;
    const PlanType *rec;         /* the current record's type */
    const char *access;          /* "in->" or "rec2." */
    const char *ptr;             /* "in" or "&rec2" */
    int nrecs;                   /* locals rec1, rec2, ... made so far */
    bool used_rt, used_in, used_ts;
    int ntemps;                  /* locals subject1, ... of expressions (EmitExpr.temps) */
} Body;

/* ---- emit_body.c ---------------------------------------------------------------- */

void body_init(Body *b, Emitter *em, const PlanType *rec, const char *access, const char *ptr);
/* Writes a function: its signature, a prologue that silences the
 * parameters its body did not use (rt; with in_and_ts, in and ts too), then
 * the body, which it frees. */
void emit_body_function(CWriter *w, const char *signature, Body *b, bool in_and_ts);
/* `static void NAME(FlowRuntime *rt, const In *in, int64_t ts)` of a stage. */
const char *stage_signature(Emitter *em, const PlanStage *st);
/* "file.flow:LINE:COL" inside a C string literal. */
const char *loc_text(Emitter *em, Loc loc);
/* A comment naming the .flow line and quoting its text. */
void emit_loc_comment(Emitter *em, CWriter *w, Loc loc, const char *text);
/* With --line-directives, every line of code that follows (until
 * line_back) maps to .flow line `loc.line`. */
void line_to_flow(Emitter *em, CWriter *w, Loc loc);
void line_back(Emitter *em, CWriter *w);
EmitExpr expr_context(Body *b, const PlanType *rec);
void note_expr_use(Body *b, const EmitExpr *x);
/* Writes the declarations of the locals the expressions of `x` generated
 * so far need, and forgets them: before the statement that uses them. */
void declare_temps(Body *b, EmitExpr *x);
/* After code that may set `err`: the record is bad, so report it at the
 * operator and drop it. */
void body_check_err(Body *b, Loc loc);
void open_block(CWriter *w);
/* Calls every live consumer of an output with the current record. */
void push_to(Body *b, const PlanEdgeList *edges);
/* The code of one operator inside a stage body (the emit column of
 * operators.h). */
void emit_op(Body *b, const PlanNode *n);
/* The stage's operators from node `first` on, then the push of the last
 * one's records downstream: how a stateful stage's body ends. */
void emit_stage_rest(Body *b, const PlanStage *st, int first);
/* `rec`, the record of type t decoded from `fields`; a bad field reports the
 * record and returns false. */
void emit_decode_fields(Body *b, const PlanType *t);

/* ---- emit.c, emit_nexmark.c: sources --------------------------------------------- */

/* After a source's record is built: its time, the push, and the watermark. */
void emit_source_push(Body *b, const PlanNode *src);
/* The loop of a generate function (FlowGenerateBatchFn) over records
 * b->first .. b->end - 1 with the body `b` wrote, returning where it stopped. */
void emit_generate_loop(CWriter *w, Body *b);
/* The generate function of a nexmark(...) source. */
void emit_nexmark_generate(Emitter *em, CWriter *w, const PlanNode *src);

/* ---- emit_keyed.c ---------------------------------------------------------------- */

/* C for hashing a key value of type t, and for testing two for equality
 * (floats as hash() sees them). */
const char *key_hash_call(Arena *a, TypeKind t, const char *v);
const char *key_equal_test(Arena *a, TypeKind t, const char *x, const char *y);
/* The type two key values are compared and hashed in, one from each side of
 * a join or lookup condition (the checker accepted them as comparable:
 * equal, or integers of two widths, which hash() hashes alike). */
TypeKind key_common_type(TypeKind l, TypeKind r);
/* The types of the key fields of the keyed operator `node`. */
const TypeKind *key_types(Emitter *em, const PlanNode *node);
/* The members key0.. of a state struct: the key fields of `node` in their
 * own C types. */
void emit_key_members(CWriter *w, const PlanNode *node);
/* `static uint64_t name(const state *s)`: the hash of a state struct's key
 * fields key0.., of these types, for the runtime's tables; `seed` (a C
 * expression over s, or NULL) mixes in more, such as a window's start. */
void emit_state_hash(Emitter *em, CWriter *w, const char *name, const char *state,
                     const TypeKind *types, int nkey, const char *seed);
/* `static bool name(x, y)`: whether two state structs have equal keys, and
 * `also` (a C test over x and y, or NULL) holds. `typed` takes two state
 * pointers, else two void pointers as the runtime's FlowTable wants. */
void emit_state_match(Emitter *em, CWriter *w, const char *name, const char *state,
                      const TypeKind *types, int nkey, const char *also, bool typed);
/* `probe.keyK = in->FIELD;` for each key field of `node`. */
void emit_key_probe(Body *b, const PlanNode *node);
/* A new state `s` takes the key of `probe`, its strings copied. */
void emit_key_keep(CWriter *w, const TypeKind *types, int nkey);
/* Releases the copied key strings of the state `s` points to. */
void emit_key_release(CWriter *w, const TypeKind *types, int nkey, const char *s);
/* Adds the bytes of the strings the key of state `s` copied to the local `n`. */
void emit_key_bytes(CWriter *w, const TypeKind *types, int nkey, const char *s);
/* In a fire function: the timer of `item` is set again at `at`, only when
 * the C test `when` holds (unless it is NULL); with `skip_rest` the function
 * then returns, skipping what follows (the code that frees the item). */
void emit_timer_again(CWriter *w, const char *when, int op, const char *at, const char *item,
                      bool skip_rest);

/* ---- emit_checkpoint.c ------------------------------------------------------------ */

/* `flow_ckpt_put_T(out, V);` and `V = flow_ckpt_get_T(in);` for a value of
 * type t (a string got is a copy the state owns). */
const char *ckpt_put_call(Arena *a, TypeKind t, const char *v);
const char *ckpt_get_call(Arena *a, TypeKind t, const char *v);
/* The same for a record field `v` of `f`, optional ones with their null flag. */
const char *ckpt_put_field(Arena *a, const Field *f, const char *v);
const char *ckpt_get_field(Arena *a, const Field *f, const char *v);
/* The same for the key members key0.. of the state struct `s` points to. */
void emit_ckpt_put_key(Arena *a, CWriter *w, const TypeKind *types, int nkey, const char *s);
/* The snapshot function of an operator whose states are in the state store
 * (flow/kv.h): its spaces in the firing order of their timers, each with
 * the timer's time, its namespace and, with `fired`, whether it fired;
 * `comment` opens it. */
void emit_kv_spaces_snapshot(CWriter *w, const PlanStage *st, const char *comment, bool fired);
void emit_ckpt_get_key(Arena *a, CWriter *w, const TypeKind *types, int nkey, const char *s);
/* After a stateful stage: its snapshot and restore functions (the columns of
 * operators.h), in a program with checkpoints. */
void emit_checkpoint_functions(Emitter *em, CWriter *w, const PlanStage *st);
/* The stage's FlowOperatorDef.snapshot (or .restore): its name, or "NULL". */
const char *checkpoint_fn(const Emitter *em, const PlanStage *st, bool restore);
/* The array `layout` of FlowProgram.layout; *nlines is set to its length (0
 * and nothing written without checkpoints). */
void emit_layout_table(Emitter *em, CWriter *w, int *nlines);

/* ---- emit_durations.c ------------------------------------------------------------ */

/* A clause's duration as the generated C reads it: `var` NULL for a literal
 * (the number ms, folded into the code), else the C expression that reads
 * the param through `rt` (ms is then its default, for nothing but comments). */
typedef struct DurC {
    const char *var;
    int64_t ms;
} DurC;

DurC dur_c(const Emitter *em, const DurationArg *d);
/* The C text of a + k, and of a + b (sign 1) or a - b (sign -1) plus k: a
 * number when all are literals. */
const char *dur_plus(Arena *a, DurC x, int64_t k);
const char *dur_sum(Arena *a, DurC x, int sign, DurC y, int64_t k);
/* Whether the code must allow for a value other than 0 (a param may be). */
bool dur_nonzero(DurC a);
/* "300000 ms" or "param size ms", for comments. */
const char *dur_comment(Arena *a, DurC x, const DurationArg *d);
/* The pane of a sliding window: gcd(size, slide), a number for literals. */
DurC dur_pane(Emitter *em, const Op *op);
/* Finds the sliding windows whose pane is a member of the params struct. */
void dur_collect(Emitter *em);
/* Those members, inside the params struct. */
void dur_emit_members(Emitter *em, CWriter *w);
/* params_check and layout_params, when a clause names a duration param;
 * returns the lines of FlowProgram that point to them, or "". */
const char *dur_emit_check(Emitter *em, CWriter *w);

/* ---- emit_stateless.c: where, select, key by, union -------------------------------- */

void emit_where(Body *b, const PlanNode *n);
void emit_select(Body *b, const PlanNode *n);
void emit_key_by(Body *b, const PlanNode *n);
void emit_union(Body *b, const PlanNode *n);

/* ---- emit_lookup.c: tables and lookups ------------------------------------------- */

/* A table's load function, the probe of a lookup inside its stage, and a
 * table's index in FlowProgram.tables. */
void emit_table_load(Emitter *em, CWriter *w, const PlanNode *table);
void emit_lookup(Body *b, const PlanNode *n);
int table_index(const Emitter *em, const Decl *table);
/* The FlowLookupDef array `lookups`; returns how many it holds. */
int emit_lookup_table(Emitter *em, CWriter *w);

/* ---- emit_window.c, emit_join.c, emit_dedupe.c: stateful stages ------------------- */

/* The state struct, the operator functions and the stage function(s). */
void emit_window_stage(Emitter *em, CWriter *w, const PlanStage *st);
void emit_join_stage(Emitter *em, CWriter *w, const PlanStage *st);
void emit_dedupe_stage(Emitter *em, CWriter *w, const PlanStage *st);
/* A join stage has a second function, for its right input: its signature. */
const char *join_right_signature(Emitter *em, const PlanStage *st);
/* For emit_window_ckpt.c, from emit_window.c: the put (with `restore`, the
 * get) of the key, count and accumulators of the window state struct `s`
 * points to, and the release of what such a state owns. */
void emit_window_ckpt_values(Emitter *em, CWriter *w, const PlanStage *st, const char *s,
                             bool restore);
void emit_window_entry_release(Emitter *em, CWriter *w, const PlanStage *st, const char *s);
/* The snapshot and restore columns of operators.h: the stage's
 * FlowOperatorDef.snapshot and .restore (flow/checkpoint.h), named
 * st->names->snapshot and ->restore. */
void emit_window_snapshot(Emitter *em, CWriter *w, const PlanStage *st);
void emit_window_restore(Emitter *em, CWriter *w, const PlanStage *st);
void emit_join_snapshot(Emitter *em, CWriter *w, const PlanStage *st);
void emit_join_restore(Emitter *em, CWriter *w, const PlanStage *st);
void emit_dedupe_snapshot(Emitter *em, CWriter *w, const PlanStage *st);
void emit_dedupe_restore(Emitter *em, CWriter *w, const PlanStage *st);
/* emit_update.c: an aggregate without a window, and its checkpoints. */
void emit_update_stage(Emitter *em, CWriter *w, const PlanStage *st);
void emit_update_snapshot(Emitter *em, CWriter *w, const PlanStage *st);
void emit_update_restore(Emitter *em, CWriter *w, const PlanStage *st);
/* emit_top.c: top N by ..., and its checkpoints. */
void emit_top_stage(Emitter *em, CWriter *w, const PlanStage *st);
void emit_top_snapshot(Emitter *em, CWriter *w, const PlanStage *st);
void emit_top_restore(Emitter *em, CWriter *w, const PlanStage *st);
/* emit_kv_index.c: what the operators in the store share: the FlowKvType
 * `name` of states of the C type `state` (`one_group`: an expiry index's,
 * flow/kv.h) ... */
void emit_kv_type(CWriter *w, const char *name, const char *state, const char *encode,
                  const char *decode, const char *release, const char *owned, bool one_group);
/* The timers' release of the operator's spaces (`what`: "window"). */
void emit_kv_release(Emitter *em, CWriter *w, const char *name, const char *what);
/* ... and an expiry index of keys (a dedupe's, a session window's): per
 * span of times a space of the keys listed there, with a timer; its states
 * are structs `probe` holding the key fields. */
typedef struct KvIndex {
    const char *enlist;      /* the name of the function listing a key */
    const char *probe;       /* the C type of the key passed to it, and of the index's states */
    const char *type;        /* the index's FlowKvType */
    const TypeKind *types;   /* the key fields' */
    int nkey, op;
    const char *span;        /* C: the namespace of the span holding the time `at` */
    const char *timer;       /* C: the time of its timer, from `span` */
} KvIndex;
/* The index's states: their codec (the key fields), release and owned
 * bytes, and their FlowKvType `type`. */
void emit_kv_index_entry(Emitter *em, CWriter *w, const KvIndex *x);
/* `static void enlist(rt, probe, hash, at)`: the key of `probe` (its hash
 * `hash`) is listed in the span holding `at`; a new span gets its timer.
 * `comment` opens it. */
void emit_kv_enlist(Emitter *em, CWriter *w, const KvIndex *x, const char *comment);
/* The timers' release and fire functions of the index's spans, `fire`
 * draining a span through `visit` (a FlowKvSpace's visit of a key). */
void emit_kv_index_timers(Emitter *em, CWriter *w, const char *release, const char *fire,
                          const char *visit);
/* The snapshot and restore functions of an operator (`what`: "dedupe")
 * whose states are in the space INT64_MIN of type `states` and the spans of
 * whose index are of type `index`. */
void emit_kv_index_snapshot(Emitter *em, CWriter *w, const PlanStage *st, const char *what);
void emit_kv_index_restore(Emitter *em, CWriter *w, const PlanStage *st, const char *what,
                           const char *states, const char *index);
/* emit_join_kv.c: an interval or window join whose rows are in the store. */
void emit_join_kv_stage(Emitter *em, CWriter *w, const PlanStage *st);
void emit_join_kv_snapshot(Emitter *em, CWriter *w, const PlanStage *st);
void emit_join_kv_restore(Emitter *em, CWriter *w, const PlanStage *st);
/* emit_dedupe_kv.c: a dedupe whose state is in the store (`state rocksdb`). */
void emit_dedupe_kv_stage(Emitter *em, CWriter *w, const PlanStage *st);
void emit_dedupe_kv_snapshot(Emitter *em, CWriter *w, const PlanStage *st);
void emit_dedupe_kv_restore(Emitter *em, CWriter *w, const PlanStage *st);

/* ---- emit_exchange.c: the exchanges in front of keyed stages (parallelism N) ---- */

/* Each exchange's function and its deliver function (after the prototypes). */
void emit_exchange_functions(Emitter *em, CWriter *w);
/* The FlowExchangeDef array `exchanges`; returns how many it holds. */
int emit_exchange_table(Emitter *em, CWriter *w);

/* ---- emit_join.c, for emit_join_ckpt.c --------------------------------------------- */

/* What the join emitters (emit_join.c, emit_join_ckpt.c) know of one join
 * stage: its shape, its C names (the plan's and those of its helpers) and
 * its operator index. */
typedef struct JoinStage {
    int op;
    const PlanStageNames *names; /* the stage's C names (plan.h) */
    const char *free_row, *free_group, *drop_oldest; /* emit_join.c's own: NULL in join_shape's */
    const PlanNode *node;
    const Op *jop;
    const PlanType *ltype, *rtype, *out;
    TypeKind *keytypes;
    int nkey;
    bool windowed;
    /* An interval join with `left`, `right` or `full`: its rows carry a
     * matched flag and are kept in time order (emit_join.c). */
    bool outer;
    /* The C text of within, of the window size, of the size - 1 (a number
     * for a literal, a param read through rt for a param). */
    const char *within, *window, *window_last;
    /* An interval join's `after` bound (within unless asymmetric), and how
     * long a row of `side` is kept, a C expression over side. */
    const char *after, *keep;
} JoinStage;

/* The shape of a join stage and the plan's names, without the helpers'. */
JoinStage join_shape(Emitter *em, const PlanStage *st);
/* Lines that link a new `row` of `side` at the end of its group `g`'s list
 * (and, in an interval join, of its side's arrival order in `rows`); in an
 * outer interval join, after the last row of its time or earlier in both. */
void emit_join_link_row(CWriter *w, const JoinStage *n);
/* Lines that copy (keep) or release the strings of a kept record `p` of
 * type t ("row->rec.left."). */
void emit_join_keep_strings(CWriter *w, const PlanType *t, const char *p);
void emit_join_release_strings(CWriter *w, const PlanType *t, const char *p);
/* Lines that write, or read back (a copy the row owns), the fields of a
 * kept record `p` (emit_join_ckpt.c). */
void emit_join_put_record(Arena *a, CWriter *w, const PlanType *t, const char *p);
void emit_join_get_record(Arena *a, CWriter *w, const PlanType *t, const char *p);
/* The result function of a join: result(rt, l, r, ts). */
void emit_join_result_function(Emitter *em, CWriter *w, const PlanStage *st,
                               const JoinStage *n);
/* Lines over a group `g` whose rows (`next`, `ts`, `rec`, an outer join's
 * `matched`) are in lists head[side]: a window join's pairs at `time`, its
 * rows alone for `left`/`right`; an interval join's record `rec` of `side`
 * at `ts` paired with the other side's rows within the bound (an outer
 * join sets `matched`, declared by the caller); the record copied into a
 * new `row`. */
void emit_join_window_pairs(CWriter *w, const JoinStage *n);
void emit_join_pairs(CWriter *w, const JoinStage *n);
void emit_join_copy_record(CWriter *w, const JoinStage *n);
/* Lines that emit `row` of `side` alone (other side null) if it never
 * matched, for the sides an outer interval join keeps. */
void emit_join_alone(CWriter *w, const JoinStage *n);
/* Lines that link `row` of `side` into its group `g`'s list (prev, next)
 * after the last row whose time is not later: an outer join's time order. */
void emit_join_group_time_order(CWriter *w, const JoinStage *n);
/* The stage function of one side of a join: the key, then the arrival. */
/* The name of the function that computes a record's group key of `side`
 * (emit_join_side_function writes it). */
const char *join_key_function(Emitter *em, const JoinStage *n, int side);
void emit_join_side_function(Emitter *em, CWriter *w, const PlanStage *st, const JoinStage *n,
                             int side);

/* ---- emit_join_regular.c, emit_join_regular_ckpt.c: regular joins ---------------------- */

/* The shape of a regular join stage (within: the ttl's C text). */
JoinStage regular_join_stage(Emitter *em, const PlanStage *st);
void emit_regular_join_stage(Emitter *em, CWriter *w, const PlanStage *st);
/* Lines that append a new `row` of `side` to its group `g`'s list. */
void emit_regular_join_link_row(CWriter *w);
void emit_regular_join_snapshot(Emitter *em, CWriter *w, const PlanStage *st);
void emit_regular_join_restore(Emitter *em, CWriter *w, const PlanStage *st);

#endif
