/* errors.c: counting, reporting and recording bad records. */
#include "errors.h"

#include <stdio.h>
#include <string.h>

/* "data/clicks.csv:12", "stdin:3", "generator record 17", or the source's
 * own text ("topic 'orders' partition 2 offset 17"). */
static void format_position(const Source *src, char *buf, size_t size)
{
    if (src->where_text)
        snprintf(buf, size, "%s", src->where_text);
    else if (!src->numbered_by_line)
        snprintf(buf, size, "%s record %lld", src->file, (long long)src->where);
    else
        snprintf(buf, size, "%s:%lld", src->file, (long long)src->where);
}

/* A field name is reported as "field 'x'"; an expression location as is. */
static void format_reason(const char *where, const char *why, char *buf, size_t size)
{
    if (!where)
        snprintf(buf, size, "%s", why);
    else if (strchr(where, ':'))
        snprintf(buf, size, "%s: %s", where, why);
    else
        snprintf(buf, size, "field '%s': %s", where, why);
}

void flowrt_source_bad_record(FlowRuntime *rt, Source *src, const char *where, const char *why)
{
    char pos[512], reason[768];
    const char *role = src->table ? "table" : "source";
    format_position(src, pos, sizeof pos);
    format_reason(where, why, reason, sizeof reason);
    src->bad++;
    rt->bad_total++;
    if (src->bad <= FLOW_BAD_RECORDS_SHOWN || src->on_error == ON_ERROR_FAIL)
        fprintf(stderr, "%s: bad record in %s '%s' at %s: %s\n", rt->prog->name, role,
                src->def->name, pos, reason);
    if (src->bad == FLOW_BAD_RECORDS_SHOWN && src->on_error != ON_ERROR_FAIL)
        fprintf(stderr, "%s: further bad records of %s '%s' are only counted\n",
                rt->prog->name, role, src->def->name);
    if (src->errors) {
        fprintf(src->errors, "%s: %s: %s\n", src->def->name, pos, reason);
        if (src->raw)
            fwrite(src->raw, 1, src->raw_len, src->errors);
        fputc('\n', src->errors);
        if (ferror(src->errors)) {
            flowrt_runtime_fail(rt, "cannot write the errors file '%s' of source '%s'",
                                src->errors_path, src->def->name);
            clearerr(src->errors);
        }
    }
    if (src->on_error == ON_ERROR_FAIL)
        flowrt_runtime_fail(rt, "stopping: %s '%s' has on_error=\"fail\"", role, src->def->name);
}

/* A record an operator made (a window's result) failed an expression after
 * the operator: it has no input position, so it is reported by its reason
 * and counted in the summary's total. */
static void result_bad_record(FlowRuntime *rt, const char *where, const char *why)
{
    char reason[768];
    format_reason(where, why, reason, sizeof reason);
    rt->bad_results++;
    rt->bad_total++;
    if (rt->bad_results <= FLOW_BAD_RECORDS_SHOWN)
        fprintf(stderr, "%s: bad window result: %s\n", rt->prog->name, reason);
    if (rt->bad_results == FLOW_BAD_RECORDS_SHOWN)
        fprintf(stderr, "%s: further bad window results are only counted\n", rt->prog->name);
}

void flow_record_error(FlowRuntime *rt, const char *where, const char *why)
{
    if (rt->current && !rt->timers.advancing)
        flowrt_source_bad_record(rt, rt->current, where, why);
    else
        result_bad_record(rt, where, why);
}
