/* errors.c: counting, reporting and recording bad records. */
#include "errors.h"

#include <stdio.h>
#include <string.h>

#include "parallel.h"

/* "data/clicks.csv:12", "stdin:3", "generator record 17", "topic 'orders'
 * partition 2 offset 17": as the source's describe says. */
static void format_position(const Source *src, int32_t part, int64_t where, char *buf,
                            size_t size)
{
    if (src->ops->describe)
        src->ops->describe(src, part, where, buf, size);
    else
        snprintf(buf, size, "%s:%lld", src->file, (long long)where);
}

void flowrt_bad_reason(const char *where, const char *why, char *buf, size_t size)
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
    char reason[768];
    flowrt_bad_reason(where, why, reason, sizeof reason);
    flowrt_source_bad_record_at(rt, src, src->part, src->where, reason, src->raw, src->raw_len);
}

void flowrt_source_bad_record_at(FlowRuntime *rt, Source *src, int32_t part, int64_t at,
                                 const char *reason, const char *raw, size_t raw_len)
{
    char pos[512];
    const char *role = src->table ? "table" : "source";
    format_position(src, part, at, pos, sizeof pos);
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
        if (raw)
            fwrite(raw, 1, raw_len, src->errors);
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

bool flowrt_sink_bad_record(Output *out, const char *pos, const char *where, const char *why,
                            const char *raw, size_t raw_len)
{
    FlowRuntime *rt = out->rt;
    const char *name = out->sinks[0]->def->stream;
    char reason[768];
    flowrt_bad_reason(where, why, reason, sizeof reason);
    out->bad++;
    rt->bad_total++;
    if (out->bad <= FLOW_BAD_RECORDS_SHOWN || out->bad_fails)
        fprintf(stderr, "%s: bad record in sink '%s' at %s: %s\n", rt->prog->name, name, pos,
                reason);
    if (out->bad == FLOW_BAD_RECORDS_SHOWN && !out->bad_fails)
        fprintf(stderr, "%s: further bad records of sink '%s' are only counted\n",
                rt->prog->name, name);
    if (out->errors) {
        fprintf(out->errors, "%s: %s: %s\n", name, pos, reason);
        fwrite(raw, 1, raw_len, out->errors);
        fputc('\n', out->errors);
        if (ferror(out->errors)) {
            flowrt_runtime_fail(rt, "cannot write the errors file '%s' of sink '%s'",
                                out->errors_path, name);
            clearerr(out->errors);
        }
    }
    if (out->bad_fails)
        flowrt_runtime_fail(rt, "stopping: sink '%s' has on_error=\"fail\"", name);
    return !out->bad_fails;
}

/* A record an operator made (a window's result) failed an expression after
 * the operator: it has no input position, so it is reported by its reason
 * and counted in the summary's total. */
static void result_bad_record(FlowRuntime *rt, const char *where, const char *why)
{
    char reason[768];
    flowrt_bad_reason(where, why, reason, sizeof reason);
    rt->bad_results++;
    rt->bad_total++;
    if (rt->bad_results <= FLOW_BAD_RECORDS_SHOWN)
        fprintf(stderr, "%s: bad window result: %s\n", rt->prog->name, reason);
    if (rt->bad_results == FLOW_BAD_RECORDS_SHOWN)
        fprintf(stderr, "%s: further bad window results are only counted\n", rt->prog->name);
}

void flow_record_error(FlowRuntime *rt, const char *where, const char *why)
{
    if (rt->timers.advancing || (!rt->current && !rt->origin.source))
        result_bad_record(rt, where, why);
    else if (rt->current)
        flowrt_source_bad_record(rt, rt->current, where, why);
    else
        flowrt_parallel_bad_record(rt, where, why);
}
