/* parse.c: runs the scanner (dsl/flow.l) and the parser (dsl/flow.y) over one
 * source buffer. The grammar links each declaration into the Program as it
 * is reduced, so a file with errors still yields the declarations that
 * parsed. */
#include "parse.h"

#include <limits.h>

#include "flow.tab.h"
#include "flow.lex.h"

Program *parse_program(Arena *arena, Diag *d, const char *src, size_t len)
{
    Program *program = arena_alloc(arena, sizeof *program);
    program->filename = d->filename;
    if (len > INT_MAX) {
        diag_error(d, (Loc){ 0, 0 }, "file too large (%zu bytes)", len);
        return program;
    }
    ParseCtx ctx = {
        .arena = arena,
        .diag = d,
        .last_decl = &program->decls,
        .line = 1,
        .col = 1,
        .end_line = 1,
        .end_col = 1,
    };
    yyscan_t scanner;
    if (yylex_init(&scanner) != 0) {
        diag_error(d, (Loc){ 0, 0 }, "cannot start the scanner: out of memory");
        return program;
    }
    YY_BUFFER_STATE buffer = yy_scan_bytes(src, (int)len, scanner);
    yyparse(scanner, &ctx);
    yy_delete_buffer(buffer, scanner);
    yylex_destroy(scanner);
    return program;
}
