/* templates.h: the C templates of templates/, compiled into flowc by
 * cmake/embed_templates.cmake so that an installed flowc needs no data files. */
#ifndef FLOWC_TEMPLATES_H
#define FLOWC_TEMPLATES_H

typedef struct FlowTemplate {
    const char *name; /* file name under templates/ */
    const char *text;
} FlowTemplate;

extern const FlowTemplate flow_templates[]; /* ends with { 0, 0 } */

/* The template called `name`; aborts if there is none (a flowc bug). */
const char *template_text(const char *name);

#endif
