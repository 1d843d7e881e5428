/* csv.c: splitting CSV records. The common record has no quotes: it costs
 * one memchr for the line break and one per field for the comma. */
#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void flowrt_csv_init(CsvParser *cp)
{
    memset(cp, 0, sizeof *cp);
    cp->line = 1;
}

void flowrt_csv_free(CsvParser *cp)
{
    free(cp->cols);
    free(cp->unq);
    cp->cols = NULL;
    cp->unq = NULL;
}

static void *grow_or_die(void *p, size_t size)
{
    void *q = realloc(p, size);
    if (!q) {
        fprintf(stderr, "flow: out of memory (CSV parser, %zu bytes)\n", size);
        abort();
    }
    return q;
}

static void store(CsvParser *cp, int n, const char *s, size_t len)
{
    FlowField f = { s, len, FLOW_FIELD_TEXT };
    if (cp->map) {
        if (n < cp->map_len && cp->map[n] >= 0)
            cp->slots[cp->map[n]] = f;
        return;
    }
    if (n >= cp->cols_cap) {
        cp->cols_cap = cp->cols_cap ? cp->cols_cap * 2 : 16;
        cp->cols = grow_or_die(cp->cols, (size_t)cp->cols_cap * sizeof *cp->cols);
    }
    cp->cols[n] = f;
}

static int64_t count_newlines(const char *p, const char *end)
{
    int64_t n = 0;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

CsvStatus flowrt_csv_parse(CsvParser *cp, const char *buf, size_t len, bool at_eof, CsvRecord *rec)
{
    const char *p = buf, *end = buf + len;
    int64_t line = cp->line;

    /* Blank lines are consumed even when the record after them is not
     * complete yet, so they are counted once. */
    for (;;) {
        if (p < end && *p == '\n') {
            p++;
            line++;
        } else if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
            p += 2;
            line++;
        } else {
            break;
        }
    }
    rec->used = (size_t)(p - buf);
    cp->line = line;
    if (p == end)
        return at_eof ? CSV_END : CSV_NEED_MORE;
    if (end - p == 1 && *p == '\r') {
        /* A CR alone at the end: the first half of a CRLF, or a blank line. */
        if (!at_eof)
            return CSV_NEED_MORE;
        rec->used = len;
        return CSV_END;
    }

    const char *start = p;
    if (cp->unq_cap < (size_t)(end - p)) {
        cp->unq_cap = (size_t)(end - p);
        cp->unq = grow_or_die(cp->unq, cp->unq_cap);
    }
    char *u = cp->unq;
    const char *error = NULL;
    const char *nl = NULL; /* the first '\n' at or after p, or end */
    const char *raw_end;
    int64_t inner_lines = 0;
    int n = 0;

    for (;;) {
        const char *fs, *fe;
        if (p < end && *p == '"') {
            const char *seg = ++p;
            char *ustart = u;
            bool undoubled = false;
            for (;;) {
                const char *q = memchr(p, '"', (size_t)(end - p));
                if (!q) {
                    if (!at_eof)
                        return CSV_NEED_MORE;
                    error = "unterminated quoted field";
                    inner_lines += count_newlines(p, end);
                    q = end;
                } else {
                    inner_lines += count_newlines(p, q);
                    if (q + 1 == end && !at_eof)
                        return CSV_NEED_MORE;
                    if (q + 1 < end && q[1] == '"') {
                        memcpy(u, seg, (size_t)(q + 1 - seg));
                        u += q + 1 - seg;
                        seg = p = q + 2;
                        undoubled = true;
                        continue;
                    }
                }
                if (undoubled) {
                    memcpy(u, seg, (size_t)(q - seg));
                    u += q - seg;
                    fs = ustart;
                    fe = u;
                } else {
                    fs = seg;
                    fe = q;
                }
                p = q < end ? q + 1 : end;
                break;
            }
            if (p < end && *p != ',' && *p != '\n') {
                if (*p == '\r' && end - p >= 2 && p[1] == '\n') {
                    p++;
                } else if (*p == '\r' && end - p == 1 && !at_eof) {
                    return CSV_NEED_MORE;
                } else if (!(*p == '\r' && end - p == 1)) {
                    if (!error)
                        error = "text after the closing quote of a field";
                    while (p < end && *p != ',' && *p != '\n')
                        p++;
                    if (p == end && !at_eof)
                        return CSV_NEED_MORE;
                } else {
                    p++; /* a CR ending the input */
                }
            }
        } else {
            if (!nl || nl < p) {
                nl = memchr(p, '\n', (size_t)(end - p));
                if (!nl)
                    nl = end;
            }
            const char *q = memchr(p, ',', (size_t)(nl - p));
            if (!q) {
                q = nl;
                if (q == end && !at_eof)
                    return CSV_NEED_MORE;
            }
            fs = p;
            fe = q;
            if (q == nl && fe > fs && fe[-1] == '\r')
                fe--;
            p = q;
        }
        store(cp, n, fs, (size_t)(fe - fs));
        n++;
        if (p == end) {
            raw_end = end;
            break;
        }
        if (*p == ',') {
            p++;
            continue;
        }
        raw_end = p > start && p[-1] == '\r' ? p - 1 : p;
        p++; /* the '\n' */
        inner_lines++;
        break;
    }
    /* A record cut by the end of the input (an unterminated quote) does not
     * own the input's last line break. */
    if (raw_end == end) {
        if (raw_end > start && raw_end[-1] == '\n')
            raw_end--;
        if (raw_end > start && raw_end[-1] == '\r')
            raw_end--;
    }
    rec->raw = start;
    rec->raw_len = (size_t)(raw_end - start);
    rec->line = line;
    rec->ncols = n;
    rec->error = error;
    rec->used = (size_t)(p - buf);
    cp->line = line + inner_lines;
    return CSV_RECORD;
}
