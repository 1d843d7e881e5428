/* sql.h: the Flink SQL front end (docs/sql.md): a .sql job's CREATE TABLE,
 * CREATE VIEW and INSERT INTO statements read by a hand-written parser
 * (sql_parse.c) and lowered onto the Flow tree of ast.h (sql_lower.c), so
 * that the checker, the planner and the emitter are the .flow ones. */
#ifndef FLOWC_SQL_H
#define FLOWC_SQL_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"

typedef struct SqlProgram SqlProgram;

/* Whether `path` names a SQL job (it ends in .sql). */
bool sql_is_sql_path(const char *path);

/* Parse and lower `src` (NUL-terminated, `len` bytes). Always returns a
 * Program; `d->errors` tells whether the front end failed, and then the
 * Program should not be checked (its declarations may be partial). */
Program *sql_parse_program(Arena *a, Diag *d, const char *src, size_t len, SqlProgram **out);

/* After check_program: each INSERT's query gives as many columns as its sink
 * table has, of types that fit them. Returns true when they do. */
bool sql_check_inserts(Diag *d, const SqlProgram *sp);

#endif
