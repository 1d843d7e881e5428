/* cwriter.h: the one writer of flowc's text output: the generated C file, and
 * the plan that `flowc explain` prints. printf-style, with indentation: every
 * line starts at the current depth, blank lines carry no trailing spaces.
 *
 * Text is kept in memory, so that a function body can be written before its
 * prologue (which depends on what the body used) and spliced in, and so that
 * a `#line` pointing back into the output file can be numbered once the whole
 * file is known (cw_line_back, resolved by cw_finish). A CWriter owns its
 * buffer; cw_free releases it. */
#ifndef FLOWC_CWRITER_H
#define FLOWC_CWRITER_H

#include <stdbool.h>
#include <stddef.h>

typedef struct CWriter {
    char *buf;
    size_t len, cap;
    int depth;          /* indentation level of the next line */
    int width;          /* spaces per level */
    bool at_line_start;
    const char *pin;    /* a directive written before every code line, or NULL */
} CWriter;

/* Comments wrap at this column. */
#define CW_MAX_COLUMN 96

void cw_init(CWriter *w);
void cw_free(CWriter *w);

/* Formatted text; each line it starts is indented to the current depth. */
void cw_printf(CWriter *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* cw_printf, then end the line. */
void cw_line(CWriter *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An empty line (ends the current line first if it has text). */
void cw_blank(CWriter *w);
void cw_indent(CWriter *w);
void cw_dedent(CWriter *w);
/* `TEXT {` and one level deeper. */
void cw_open(CWriter *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One level up and `}` followed by `suffix` ("", ";", " Click;", " else {"...). */
void cw_close(CWriter *w, const char *suffix);

/* Until cw_line_back, write the directive `pin` (`#line 18 "x.flow"`, whose
 * text the caller keeps alive) before every line of code, so that each one
 * maps to that line, whatever else is written between. */
void cw_pin(CWriter *w, const char *pin);
/* Ends cw_pin, and stands for `#line N "SELF"` where N is the number of the
 * line that follows and SELF the output file's name; cw_finish writes it. */
void cw_line_back(CWriter *w);

/* A C comment holding arbitrary text: `*` `/`, `/` `*` and trigraphs are
 * broken up, control bytes shown as \xHH, so that no input can end the comment
 * or draw a warning. Newlines in `text` start new comment lines; with `wrap`,
 * long lines are also broken at spaces to stay within CW_MAX_COLUMN. */
void cw_comment(CWriter *w, bool wrap, const char *text);

/* Append everything `from` holds, each of its lines indented by w's current
 * depth (preprocessor lines stay at column 0). */
void cw_append(CWriter *w, const CWriter *from);

/* The text so far (NUL-terminated, owned by w). */
const char *cw_text(const CWriter *w);

/* The final text, with every cw_line_back resolved against `self_name`
 * (the output file's name as `#line` should give it). Caller frees. */
char *cw_finish(const CWriter *w, const char *self_name);

#endif
