/* emit.h: the generated C program of a plan (TOOLS.md §3): one C11 file of
 * plain structs and functions that calls the runtime API of
 * runtime/include/flow/ and hands a FlowProgram to flow_main (or, embedded,
 * exports flow_<name>_run and friends to a host application). emit.c writes
 * the file; emit_expr.c turns typed expressions into C expressions. */
#ifndef FLOWC_EMIT_H
#define FLOWC_EMIT_H

#include <stdbool.h>

#include "arena.h"
#include "ast.h"
#include "cwriter.h"
#include "diag.h"
#include "plan.h"

typedef struct EmitOptions {
    bool line_directives;   /* `#line` to the .flow around each operator's code */
    const char *c_file;     /* the output's base name, for the `#line` back */
    bool embed;             /* no main: flow_<name>_run and friends for a host */
} EmitOptions;

/* Writes the program to `w`. Returns false, after an error through `d`, for
 * a construct this version of flowc cannot generate code for (the checker
 * rejects those first, so that is only a safety net). */
bool emit_program(CWriter *w, Plan *plan, Diag *d, const EmitOptions *opt);

/* ---- Between emit.c and emit_expr.c ---------------------------------------------- */

/* The program's regular expressions, one FlowProgram.regexes slot each: a
 * literal pattern or a param (an EX_STRING or EX_NAME), in the order the
 * calls are written; calls with the same pattern share a slot. */
typedef struct EmitRegexes {
    const Expr **patterns;
    int n, cap;
} EmitRegexes;

/* An operand computed before the expression that reads it, which then
 * reads this C text instead: the subject of a `case x when` in its local,
 * the value (`.v`) of an optional operand known not to be null. */
typedef struct EmitSub {
    const Expr *e;
    const char *c;
    struct EmitSub *next;
} EmitSub;

/* What an expression is compiled against, and what it turned out to use. */
typedef struct EmitExpr {
    Arena *arena;
    const PlanType *rec;        /* the record fields are read from */
    const char *access;         /* "in->" or "rec1.": prefix of a field */
    const Decl *const *params;  /* params and the C expressions that read them */
    const char *const *param_names;
    int nparams;
    EmitRegexes *regexes;       /* the program's, where a regexp_ call adds its pattern */
    /* Locals the expressions need (the subject of a `case x when`, computed
     * once): the function's count of them, which names them subject1, ...,
     * and the declarations of this expression's, which the caller writes
     * before the statement that uses it (declare_temps, emit_impl.h). */
    int *ntemps;
    const char *temps;
    struct EmitSub *subs;       /* operands already computed: read from their C text */
    bool used_err;              /* called a function that can fail (takes &err) */
    bool used_rt;               /* needs the FlowRuntime (scratch memory, params) */
    bool used_rec;              /* read a field */
    bool used_math;             /* needs <math.h> */
    bool used_logic;            /* wrote && or || */
} EmitExpr;

/* The C expression of `e`, converted to `want` (an implicit widening). */
char *emit_expr(EmitExpr *x, const Expr *e, TypeKind want);
/* The C expression that is true when the bool `e` is false (or null). */
char *emit_negated(EmitExpr *x, const Expr *e);
/* The C bool that is true when the bool `e` is true, not false or null
 * (what `where` keeps); for an `e` that cannot be null, emit_expr's. */
char *emit_test(EmitExpr *x, const Expr *e);

/* C spellings of Flow types: `int32_t`, `FLOW_INT32`, `int32` (the suffix of
 * flow_field_*, flow_sink_* and flow_gen_*). */
const char *c_type(TypeKind t);
/* The FlowOpt struct of type t (flow/value.h), and a field's C type: that
 * struct when it is optional. */
const char *c_opt_type(TypeKind t);
const char *field_c_type(const Field *f);
const char *flow_type_enum(TypeKind t);
const char *codec_suffix(TypeKind t);
/* The bytes s[0..len) as the inside of a C string literal. */
char *c_string_body(Arena *arena, const char *s, int64_t len);

#endif
