/* optable.h: what the passes ask of the operator table (operators.h) about
 * one operator kind: its Flow spelling, its role in a stage and its
 * checkpoint slots. The per-pass entry points of the table (check, state,
 * describe, emit) are expanded by each pass itself, as a switch. */
#ifndef FLOWC_OPTABLE_H
#define FLOWC_OPTABLE_H

#include <stdbool.h>

#include "ast.h"

struct Emitter;
struct CWriter;
struct PlanStage;

/* The role column of operators.h. */
typedef enum OpRole {
    OPROLE_STATELESS, /* fuses into the stage of its input */
    OPROLE_STATEFUL,  /* starts a stage and keeps state */
    OPROLE_PART,      /* evaluated inside the stateful operator before it */
} OpRole;

/* Writes the generated function that saves (or restores) the state of one
 * stateful stage in a checkpoint. */
typedef void OpCheckpointFn(struct Emitter *em, struct CWriter *w, const struct PlanStage *st);

typedef struct OpInfo {
    OpKind kind;
    const char *spelling;  /* "key by" */
    OpRole role;
    OpCheckpointFn *snapshot, *restore;
} OpInfo;

/* The row of `kind`. */
const OpInfo *op_info(OpKind kind);
/* The number of rows, which is the number of OpKinds. */
int op_count(void);
/* Whether an operator of this kind starts a stage and keeps state. */
bool op_is_stateful(OpKind kind);

#endif
