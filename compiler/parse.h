/* parse.h: text to AST. Wraps the reentrant flex scanner (dsl/flow.l) and the
 * bison parser (dsl/flow.y). Syntax errors go to the Diag; the parser
 * recovers at the next `;` or declaration keyword so that one run reports
 * every error of the file. */
#ifndef FLOWC_PARSE_H
#define FLOWC_PARSE_H

#include "arena.h"
#include "ast.h"
#include "diag.h"

/* Parse `src` (NUL-terminated, `len` bytes). Always returns a Program, possibly
 * partial; `d->errors` tells whether parsing failed. */
Program *parse_program(Arena *arena, Diag *d, const char *src, size_t len);

#endif
