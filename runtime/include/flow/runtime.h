/* flow/runtime.h: what a generated stage function may ask of the running
 * program while it processes one record. The FlowRuntime is created and owned
 * by flow_main (program.h); generated code only ever borrows it.
 *
 * Processing is push-based: a source decodes one record and calls the first
 * stage; each stage calls the next one or a sink directly. Everything a stage
 * needs from the outside (sinks, scratch memory, the clock, error reporting)
 * goes through these calls, so the same generated code can later run on
 * several worker threads, each with its own FlowRuntime. */
#ifndef FLOW_RUNTIME_H
#define FLOW_RUNTIME_H

#include <stdarg.h>
#include <stdbool.h>

#include "flow/value.h"

/* Exported (libflowrt is built with -fvisibility=hidden: flow/program.h). */
#pragma GCC visibility push(default)

typedef struct FlowRuntime FlowRuntime;
typedef struct FlowSink FlowSink;

/* The first bytes of every FlowRuntime: what generated code reads inline,
 * with a load instead of a call, because it reads them on every record.
 * Both pointers are set before the first record and stay for the whole run
 * (the run owns what they point to). */
typedef struct FlowRuntimeHead {
    struct FlowOperatorHot *operators; /* one per FlowProgram.operators entry (flow/state.h) */
    const void *params;                /* this run's params: the generated program's params
                                        * struct, at FlowParamDef.offset each (flow/program.h) */
    int64_t *lookup_misses;            /* one per FlowProgram.lookups entry (flow/table.h) */
    bool exchange;                     /* the reading thread of a parallel run (flow/exchange.h) */
    /* A record of the current source whose event time is at or below this
     * changes nothing: the watermark stays and no timer is due
     * (flow_record_time). FLOW_TIME_MIN when the runtime cannot tell. */
    int64_t quiet_to;
} FlowRuntimeHead;

/* This run's params. Each run has its own, so that two runs of one program
 * with different --set values can go on side by side. */
static inline const void *flow_params(const FlowRuntime *rt)
{
    return ((const FlowRuntimeHead *)(const void *)rt)->params;
}
/* Param MEMBER of the program's params struct TYPE: two loads and no call,
 * which the C compiler can share between the uses in one stage. */
#define FLOW_PARAM(rt, TYPE, MEMBER) (((const TYPE *)flow_params(rt))->MEMBER)

/* Memory for values made while processing the current input record
 * (lower(), concat(), string(x), ...). Freed in one go when the source moves
 * to the next record (a generated generator's batch: to the next batch).
 * Never returns NULL. */
void *flow_scratch_alloc(FlowRuntime *rt, size_t size);

/* The current record is bad: a field failed to decode or an expression failed
 * (division by zero, failed cast). `where` is "file.flow:LINE:COL" of the
 * operator or the field name; `why` the reason. The runtime counts it, reports
 * it with the source position of the record (LANGUAGE.md §8), writes it to the
 * connector's errors= file, and stops the program when on_error=fail. The
 * caller must then drop the record (return without pushing it further). */
void flow_record_error(FlowRuntime *rt, const char *where, const char *why);

/* Wall-clock time in ms, read once per batch of records so that calling it per
 * record is cheap. Processing-time sources stamp records with it. */
int64_t flow_now_ms(FlowRuntime *rt);

/* An event-time source calls this after it has pushed a record with event time
 * `ts`: the source's watermark becomes max(ts seen) - delay - 1ms
 * (LANGUAGE.md §6.1). */
void flow_watermark_observe(FlowRuntime *rt, int64_t ts);

/* What an event-time source's generated code calls after each record:
 * flow_watermark_observe, unless the record's time shows that it would do
 * nothing (most records do not move the source's newest time), so that the
 * usual record costs one test (docs/performance.md, "The watermark after
 * each record"). */
static inline void flow_record_time(FlowRuntime *rt, int64_t ts)
{
    if (ts > ((const FlowRuntimeHead *)(const void *)rt)->quiet_to)
        flow_watermark_observe(rt, ts);
}

/* The current watermark of the program (minimum over its inputs). */
int64_t flow_watermark(FlowRuntime *rt);

/* Sink number `index` (order of the FlowSinkDef array in the program). */
FlowSink *flow_sink(FlowRuntime *rt, int index);

/* Writing one record to a sink: begin, one call per field in schema order,
 * end. The sink's format (csv, jsonl) decides how values are written; it knows
 * the field names from its FlowSinkDef. The calls only encode into the sink's
 * buffer; the runtime hands the record, whole, to its destination within the
 * sink's linger (docs/architecture.md, "Connectors"). */
void flow_sink_begin(FlowSink *sink);
void flow_sink_bool(FlowSink *sink, bool v);
void flow_sink_int32(FlowSink *sink, int32_t v);
void flow_sink_int64(FlowSink *sink, int64_t v);
void flow_sink_float64(FlowSink *sink, double v);
void flow_sink_string(FlowSink *sink, FlowStr v);
/* A string holding JSON text (collect_list's): the value itself in a JSON
 * sink, a string in CSV. */
void flow_sink_json(FlowSink *sink, FlowStr v);
void flow_sink_timestamp(FlowSink *sink, int64_t ms);
/* An optional field without a value: an empty CSV field, JSON null. */
void flow_sink_null(FlowSink *sink);
void flow_sink_end(FlowSink *sink);

#pragma GCC visibility pop

#endif
