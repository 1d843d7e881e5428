#include "cwriter.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The line that cw_line_back leaves; no generated line can start with 0x01. */
#define LINE_BACK_MARK '\001'

static void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size);
    if (!p) {
        fprintf(stderr, "flowc: out of memory\n");
        abort();
    }
    return p;
}

void cw_init(CWriter *w)
{
    w->cap = 1024;
    w->buf = xrealloc(NULL, w->cap);
    w->buf[0] = '\0';
    w->len = 0;
    w->depth = 0;
    w->width = 4;
    w->at_line_start = true;
    w->pin = NULL;
}

void cw_free(CWriter *w)
{
    free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

static void reserve(CWriter *w, size_t more)
{
    if (w->len + more + 1 <= w->cap)
        return;
    while (w->len + more + 1 > w->cap)
        w->cap *= 2;
    w->buf = xrealloc(w->buf, w->cap);
}

static void put_raw(CWriter *w, const char *s, size_t n)
{
    reserve(w, n);
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
    if (n)
        w->at_line_start = s[n - 1] == '\n';
}

/* Whether a line starting with these bytes is code, which cw_pin maps. */
static bool is_code(const char *s, size_t n)
{
    while (n > 0 && *s == ' ')
        s++, n--;
    return n > 0 && *s != '#' && !(n >= 2 && (memcmp(s, "/*", 2) == 0 || memcmp(s, "* ", 2) == 0 ||
                                              memcmp(s, "*/", 2) == 0));
}

/* Text whose lines are indented to `depth`; empty lines stay empty. */
static void put_indented(CWriter *w, const char *s, size_t n, int depth)
{
    while (n > 0) {
        const char *nl = memchr(s, '\n', n);
        size_t line = nl ? (size_t)(nl - s) : n;
        if (w->pin && w->at_line_start && is_code(s, line)) {
            put_raw(w, w->pin, strlen(w->pin));
            put_raw(w, "\n", 1);
        }
        if (line > 0 && w->at_line_start) {
            size_t pad = (size_t)(depth * w->width);
            reserve(w, pad);
            memset(w->buf + w->len, ' ', pad);
            w->len += pad;
            w->buf[w->len] = '\0';
        }
        put_raw(w, s, nl ? line + 1 : line);
        s += nl ? line + 1 : line;
        n -= nl ? line + 1 : line;
    }
}

static void vprint(CWriter *w, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n <= 0)
        return;
    char *tmp = xrealloc(NULL, (size_t)n + 1);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    put_indented(w, tmp, (size_t)n, w->depth);
    free(tmp);
}

void cw_printf(CWriter *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(w, fmt, ap);
    va_end(ap);
}

void cw_line(CWriter *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(w, fmt, ap);
    va_end(ap);
    put_raw(w, "\n", 1);
}

static void end_line(CWriter *w)
{
    if (!w->at_line_start)
        put_raw(w, "\n", 1);
}

void cw_blank(CWriter *w)
{
    end_line(w);
    put_raw(w, "\n", 1);
}

void cw_indent(CWriter *w)
{
    w->depth++;
}

void cw_dedent(CWriter *w)
{
    if (w->depth > 0)
        w->depth--;
}

void cw_open(CWriter *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprint(w, fmt, ap);
    va_end(ap);
    put_raw(w, " {\n", 3);
    w->depth++;
}

void cw_close(CWriter *w, const char *suffix)
{
    end_line(w);
    cw_dedent(w);
    cw_line(w, "}%s", suffix);
}

void cw_pin(CWriter *w, const char *pin)
{
    end_line(w);
    w->pin = pin;
}

void cw_line_back(CWriter *w)
{
    end_line(w);
    w->pin = NULL;
    const char mark[2] = { LINE_BACK_MARK, '\n' };
    put_raw(w, mark, 2);
}

/* ---- Comments -------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned min;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2;
        min = 0x80;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        min = 0x800;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    unsigned cp = s[0] & (0x3F >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* One line of comment text made safe (see cw_comment). Caller frees. */
static char *comment_safe(const char *s, size_t n)
{
    char *out = xrealloc(NULL, n * 4 + 1);
    size_t k = 0;
    char prev = ' ';
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F) {
            k += (size_t)sprintf(out + k, "\\x%02X", c);
            prev = 'x';
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t len = utf8_len((const unsigned char *)s + i, n - i);
            if (len == 0) {
                k += (size_t)sprintf(out + k, "\\x%02X", c);
                prev = 'x';
                i++;
            } else {
                memcpy(out + k, s + i, len);
                k += len;
                prev = 'u';
                i += len;
            }
            continue;
        }
        if ((prev == '*' && c == '/') || (prev == '/' && c == '*') || (prev == '?' && c == '?'))
            out[k++] = ' ';
        out[k++] = (char)c;
        prev = (char)c;
        i++;
    }
    out[k] = '\0';
    return out;
}

/* Writes one line of comment text (already safe) after `*prefix`, broken at
 * spaces when `wrap` and too long; continuation lines start with `rest`.
 * `last` closes the comment. */
static void comment_line(CWriter *w, const char *line, bool wrap, const char **prefix,
                         const char *rest, bool last)
{
    int room = CW_MAX_COLUMN - w->depth * w->width - 3;
    if (room < 24)
        room = 24;
    const char *p = line;
    for (;;) {
        size_t n = strlen(p);
        const char *cut = NULL;
        if (wrap && (int)n > room) {
            /* The last space that keeps the piece within room, else the first. */
            for (const char *q = p + 1; q < p + n && q - p <= room; q++)
                if (*q == ' ')
                    cut = q;
            if (!cut)
                cut = strchr(p + 1, ' ');
        }
        if (!cut)
            break;
        cw_printf(w, "%s%.*s\n", *prefix, (int)(cut - p), p);
        *prefix = rest;
        while (*cut == ' ')
            cut++;
        p = cut;
    }
    /* The prefix without its trailing space, for an empty line. */
    int bare = (int)strlen(*prefix) - 1;
    if (last && *p)
        cw_printf(w, "%s%s */\n", *prefix, p);
    else if (last)
        cw_printf(w, "%s\n", *prefix == rest ? " */" : "/* */");
    else if (*p)
        cw_printf(w, "%s%s\n", *prefix, p);
    else
        cw_printf(w, "%.*s\n", bare, *prefix);
    *prefix = rest;
}

void cw_comment(CWriter *w, bool wrap, const char *text)
{
    end_line(w);
    const char *prefix = "/* ";
    const char *p = text;
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *safe = comment_safe(p, n);
        comment_line(w, safe, wrap, &prefix, " * ", nl == NULL);
        free(safe);
        if (!nl)
            break;
        p = nl + 1;
    }
}

/* ---- Splicing and output ------------------------------------------------------ */

void cw_append(CWriter *w, const CWriter *from)
{
    const char *s = from->buf;
    size_t n = from->len;
    while (n > 0) {
        const char *nl = memchr(s, '\n', n);
        size_t line = nl ? (size_t)(nl - s) + 1 : n;
        if (w->at_line_start && (s[0] == '#' || s[0] == LINE_BACK_MARK))
            put_raw(w, s, line);
        else
            put_indented(w, s, line, w->depth);
        s += line;
        n -= line;
    }
}

const char *cw_text(const CWriter *w)
{
    return w->buf;
}

char *cw_finish(const CWriter *w, const char *self_name)
{
    /* `self_name` as the body of a C string literal. */
    size_t name_len = strlen(self_name);
    char *quoted = xrealloc(NULL, name_len * 4 + 1);
    size_t q = 0;
    for (size_t i = 0; i < name_len; i++) {
        unsigned char c = (unsigned char)self_name[i];
        if (c == '"' || c == '\\')
            q += (size_t)sprintf(quoted + q, "\\%c", c);
        else if (c < 0x20 || c >= 0x7F)
            q += (size_t)sprintf(quoted + q, "\\%03o", c);
        else
            quoted[q++] = (char)c;
    }
    quoted[q] = '\0';

    CWriter out;
    cw_init(&out);
    const char *s = w->buf;
    long lineno = 1;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t line = nl ? (size_t)(nl - s) + 1 : strlen(s);
        if (s[0] == LINE_BACK_MARK) {
            char directive[64];
            int k = snprintf(directive, sizeof directive, "#line %ld \"", lineno + 1);
            put_raw(&out, directive, (size_t)k);
            put_raw(&out, quoted, q);
            put_raw(&out, "\"\n", 2);
        } else {
            put_raw(&out, s, line);
        }
        lineno++;
        s += line;
    }
    free(quoted);
    return out.buf;
}
