#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(Diag *d, const char *filename, const char *src, size_t src_len, FILE *out)
{
    d->filename = filename;
    d->src = src;
    d->src_len = src_len;
    d->out = out;
    d->errors = 0;
    d->warnings = 0;
    d->unsupported = 0;
}

/* Print source line `line` and a caret under `col`; tabs are kept so the caret
 * lines up in a terminal. */
static void print_caret(Diag *d, Loc loc)
{
    if (loc.line <= 0 || !d->src)
        return;
    const char *p = d->src, *end = d->src + d->src_len;
    for (int l = 1; l < loc.line && p < end; p++)
        if (*p == '\n')
            l++;
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol)
        eol = end;
    fprintf(d->out, "%.*s\n", (int)(eol - p), p);
    for (int c = 1; c < loc.col && p + c - 1 < eol; c++)
        fputc(p[c - 1] == '\t' ? '\t' : ' ', d->out);
    fputs("^\n", d->out);
}

static void report(Diag *d, Loc loc, const char *kind, const char *fmt, va_list ap)
{
    if (loc.line > 0)
        fprintf(d->out, "%s:%d:%d: %s: ", d->filename, loc.line, loc.col, kind);
    else
        fprintf(d->out, "%s: %s: ", d->filename, kind);
    vfprintf(d->out, fmt, ap);
    fputc('\n', d->out);
    print_caret(d, loc);
}

void diag_error(Diag *d, Loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(d, loc, "error", fmt, ap);
    va_end(ap);
    d->errors++;
}

void diag_unsupported(Diag *d, Loc loc, const char *feature, const char *why)
{
    if (why)
        diag_error(d, loc, "'%s' is not supported by this version of flowc (%s)", feature, why);
    else
        diag_error(d, loc, "'%s' is not supported by this version of flowc", feature);
    d->unsupported++;
}

void diag_warning(Diag *d, Loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(d, loc, "warning", fmt, ap);
    va_end(ap);
    d->warnings++;
}

void diag_note(Diag *d, Loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(d, loc, "note", fmt, ap);
    va_end(ap);
}

static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 1 << 20;
    int row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            int best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *diag_closest(const char *name, const char *const *candidates)
{
    const char *best = NULL;
    int best_dist = 0;
    int limit = (int)strlen(name) / 3 + 1;
    for (const char *const *c = candidates; *c; c++) {
        int dist = edit_distance(name, *c);
        if (dist <= limit && (!best || dist < best_dist)) {
            best = *c;
            best_dist = dist;
        }
    }
    return best;
}
