/* optable.c: the operator table of operators.h as data: one OpInfo per
 * OpKind, indexed by it, for the facts every pass shares. */
#include "optable.h"

#include "emit_impl.h" /* the snapshot and restore columns */

#define OPROLE_stateless OPROLE_STATELESS
#define OPROLE_stateful OPROLE_STATEFUL
#define OPROLE_part OPROLE_PART

#define OP(kind, spelling, role, check, state, describe, emit, snapshot, restore) \
    [OP_##kind] = { OP_##kind, spelling, OPROLE_##role, snapshot, restore },
static const OpInfo table[] = {
#include "operators.h"
};
#undef OP

const OpInfo *op_info(OpKind kind)
{
    return &table[kind];
}

int op_count(void)
{
    return (int)(sizeof table / sizeof table[0]);
}

bool op_is_stateful(OpKind kind)
{
    return table[kind].role == OPROLE_STATEFUL;
}
