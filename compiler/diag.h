/* diag.h: the one place compile errors and warnings are printed.
 * Every message has the form `FILE:LINE:COL: error: MESSAGE`, then the source
 * line and a caret under the column (LANGUAGE.md §8). A Diag owns nothing but
 * its counters; the source text belongs to the caller. */
#ifndef FLOWC_DIAG_H
#define FLOWC_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A position in the .flow source; both 1-based. line 0 means "no position". */
typedef struct Loc {
    int line, col;
} Loc;

typedef struct Diag {
    const char *filename; /* as given on the command line, for messages */
    const char *src;      /* the whole source text, NUL-terminated */
    size_t src_len;
    FILE *out;            /* stderr, or a memstream in tests */
    int errors, warnings;
    int unsupported;      /* how many of the errors are diag_unsupported's */
} Diag;

void diag_init(Diag *d, const char *filename, const char *src, size_t src_len, FILE *out);

void diag_error(Diag *d, Loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_warning(Diag *d, Loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An error for valid Flow that this version of flowc cannot compile yet:
 * `'FEATURE' is not supported by this version of flowc (WHY)`. Counted in
 * `errors` and in `unsupported`, so that `flowc explain` can still show the
 * plan of a program whose only errors are these. `why` may be NULL. */
void diag_unsupported(Diag *d, Loc loc, const char *feature, const char *why);

/* A note attached to the previous message (no caret line when loc.line == 0). */
void diag_note(Diag *d, Loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Closest of `candidates` (NULL-terminated) to `name` by edit distance, or NULL
 * when none is close enough to be a plausible typo. For "did you mean". */
const char *diag_closest(const char *name, const char *const *candidates);

#endif
