/* check.h: name resolution, type checking and schema inference. Fills the
 * "checker:" fields of the AST (ast.h), reports every error and warning of
 * the program through the Diag, and rejects, with an error naming the feature
 * and its place, what the code generator of this version cannot compile yet. */
#ifndef FLOWC_CHECK_H
#define FLOWC_CHECK_H

#include "arena.h"
#include "ast.h"
#include "diag.h"

/* Returns true when the program has no errors (warnings allowed). */
bool check_program(Arena *arena, Diag *d, Program *prog);

#endif
