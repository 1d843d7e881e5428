/* source.c: opening sources by connector kind, and what all sources share:
 * on_error= and errors=. */
#include "source.h"
#include "sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void flowrt_source_init(Source *src, const SourceOps *ops, const FlowSourceDef *def, int index,
                        const char *label)
{
    memset(src, 0, sizeof *src);
    src->ops = ops;
    src->def = def;
    src->index = index;
    src->label = label;
    src->numbered_by_line = true;
    src->position_known = true;
}

bool flowrt_source_common_args(Source *src, ConnArgs *args, bool allow_errors_file)
{
    static const char *const on_error[] = { "skip", "fail", NULL };
    src->on_error = flowrt_connargs_choice(args, "on_error", on_error, 0) == 1 ? ON_ERROR_FAIL
                                                                         : ON_ERROR_SKIP;
    const char *path = allow_errors_file ? flowrt_connargs_text(args, "errors", NULL) : NULL;
    if (!path || args->err)
        return true;
    flowrt_output_make_parent_dirs(path);
    src->errors = fopen(path, "a");
    if (!src->errors) {
        args->err = flowrt_connargs_message(args->conn, "cannot open the errors file '%s': %s",
                                            path,
                                     strerror(errno));
        return false;
    }
    src->errors_path = path;
    return true;
}

Source *flowrt_source_open(const FlowSourceDef *def, int index, const ParamValues *params,
                           char **err)
{
    const char *kind = def->conn.kind;
    if (strcmp(kind, "file") == 0 || strcmp(kind, "stdin") == 0)
        return flowrt_source_file_open(def, index, params, err);
    if (strcmp(kind, "generator") == 0)
        return flowrt_source_gen_open(def, index, params, err);
    *err = flowrt_connargs_message(&def->conn, "not supported as a source by this version");
    return NULL;
}

void flowrt_source_close(Source *src)
{
    if (src->errors)
        fclose(src->errors);
    src->ops->close(src);
}
