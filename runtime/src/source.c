/* source.c: what all sources share: opening through the ops of their kind,
 * on_error= and errors=, closing. */
#include "source.h"

#include "connectors.h"

#include <errno.h>
#include <stdio.h>
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
    src->file = label;
}

void flowrt_source_describe_record(const Source *src, int32_t part, int64_t where, char *buf,
                                   size_t size)
{
    (void)part;
    snprintf(buf, size, "%s record %lld", src->label, (long long)where);
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

Source *flowrt_source_open(const FlowRuntime *rt, const FlowSourceDef *def, int index,
                           const ParamValues *params, char **err)
{
    const SourceOps *ops = flowrt_connector_source(&def->conn);
    if (!ops) {
        *err = flowrt_connargs_message(&def->conn, "not supported as a source by this version");
        return NULL;
    }
    return ops->open(rt, def, index, params, err);
}

void flowrt_source_close(Source *src)
{
    if (src->errors)
        fclose(src->errors);
    src->ops->close(src);
}
