/* emit_impl.h: what the parts of the emitter share: the Emitter of one
 * generated file, the Body of one function being written, and the helpers
 * that write operators and pushes. emit.c writes the file and the stateless
 * stages; emit_window.c writes window stages, emit_join.c join stages. */
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
    const Decl **params;         /* every param, declaration order */
    const char **param_names;    /* their C variables */
    int nparams;
    const char **source_fns;     /* per source index: decode_X / generate_X */
    const char **sink_fns;       /* per sink index: sink_X */
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
} Body;

/* Writes a function: its signature, a prologue that silences the
 * parameters its body did not use (rt; with in_and_ts, in and ts too), then
 * the body, which it frees. */
void emit_body_function(CWriter *w, const char *signature, Body *b, bool in_and_ts);
const char *loc_text(Emitter *em, Loc loc);
/* A comment naming the .flow line and quoting its text. */
void flow_comment(Emitter *em, CWriter *w, Loc loc, const char *text);
/* With --line-directives, every line of code that follows (until
 * line_back) maps to .flow line `loc.line`. */
void line_to_flow(Emitter *em, CWriter *w, Loc loc);
void line_back(Emitter *em, CWriter *w);
EmitExpr expr_context(Body *b, const PlanType *rec);
void note_expr_use(Body *b, const EmitExpr *x);
/* The record is bad: report it at the operator and drop it. */
void check_err(Body *b, Loc loc);
void open_block(CWriter *w);
/* Calls every live consumer of an output with the current record. */
void push_to(Body *b, const PlanEdgeList *edges);
/* The code of one stateless operator on the current record. */
void emit_op(Body *b, const PlanNode *n);
void body_init(Body *b, Emitter *em, const PlanType *rec, const char *access, const char *ptr);
const char *stage_signature(Emitter *em, const PlanStage *st);

/* `rec`, the record of type t decoded from `fields`; a bad field reports the
 * record and returns false. */
void emit_decode_fields(Body *b, const PlanType *t);

/* Tables and lookups (emit_lookup.c): a table's load function, the probe of
 * a lookup inside its stage, and a table's index in FlowProgram.tables. */
void emit_table_load(Emitter *em, CWriter *w, const PlanNode *table);
void emit_lookup(Body *b, const PlanNode *n);
int table_index(const Emitter *em, const Decl *table);

/* Window and dedupe stages (emit_window.c, emit_dedupe.c). */
/* C for hashing a key value of type t, and for testing two for equality
 * (floats as hash() sees them). */
const char *key_hash_call(Arena *a, TypeKind t, const char *v);
const char *key_equal_test(Arena *a, TypeKind t, const char *x, const char *y);
/* The types of the key fields of the keyed operator `node`. */
const TypeKind *key_types(Emitter *em, const PlanNode *node);
/* `static uint64_t name(const state *s)`: the hash of a state struct's key
 * fields key0.., of these types, for the runtime's tables; `seed` (a C
 * expression over s, or NULL) mixes in more, such as a window's start. */
void emit_state_hash(Emitter *em, CWriter *w, const char *name, const char *state,
                     const TypeKind *types, int nkey, const char *seed);
/* The state struct and functions of a dedupe stage, and its stage function. */
void emit_dedupe_stage(Emitter *em, CWriter *w, const PlanStage *st);
/* The state struct, the operator functions and the stage function. */
void emit_window_stage(Emitter *em, CWriter *w, const PlanStage *st);
/* Join stages (emit_join.c): a join stage has a second function, for its
 * right input, whose signature this gives. */
const char *join_right_signature(Emitter *em, const PlanStage *st);
void emit_join_stage(Emitter *em, CWriter *w, const PlanStage *st);

#endif
