#include "templates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *template_text(const char *name)
{
    for (const FlowTemplate *t = flow_templates; t->name; t++)
        if (strcmp(t->name, name) == 0)
            return t->text;
    fprintf(stderr, "flowc: internal error: no template '%s'\n", name);
    abort();
}
