/* sink.c: what every sink shares (sink.h): the CSV and JSON-lines encoders
 * of the flow_sink_* calls, the Output buffer they write into, handing whole
 * records to the destination's SinkOps, linger, and the sinks of a runtime
 * from open to close. The destinations are in sink_file.c. */
#include "sink.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connectors.h"
#include "flow/codec.h"
#include "flow/runtime.h"
#include "rt.h"

#define OUTPUT_BUFFER (256 * 1024)

static void *alloc_or_die(size_t size)
{
    void *p = malloc(size);
    if (!p) {
        fprintf(stderr, "flow: out of memory (sink)\n");
        abort();
    }
    return p;
}

static void *realloc_or_die(void *p, size_t size)
{
    p = realloc(p, size);
    if (!p) {
        fprintf(stderr, "flow: out of memory (sink, %zu bytes)\n", size);
        abort();
    }
    return p;
}

void flowrt_output_init(Output *out, const SinkOps *ops, const char *label)
{
    memset(out, 0, sizeof *out);
    out->ops = ops;
    out->label = label;
    out->cap = OUTPUT_BUFFER;
    out->buf = alloc_or_die(out->cap);
    out->linger_ms = INT64_MAX;
}

void flowrt_output_free(Output *out)
{
    free(out->header);
    free(out->buf);
    free(out->sinks);
}

/* What the destination took: the records an Output refused are of its
 * one sink. */
static void count_written(Output *out)
{
    for (int i = 0; i < out->nsinks; i++)
        out->sinks[i]->written = out->sinks[i]->records - out->bad;
}

/* The records of a write took from the arrival of the oldest of them to
 * now: each is counted with that time, an upper bound of its own. A write
 * of no whole record (a CSV header) counts nothing. */
static void count_latency(Output *out, int64_t now)
{
    FlowRuntime *rt = out->rt;
    if (out->pending == 0)
        return;
    flowrt_latency_add(&rt->latency, now - out->oldest_arrival_ns, out->pending);
    flowrt_latency_add(&rt->latency_interval, now - out->oldest_arrival_ns, out->pending);
    out->pending = 0;
}

/* Hands the whole records of the buffer to the destination and moves the
 * record being written, if any, to the front. After a failure records are
 * dropped: the loop stops the run at the end of the batch. */
static bool output_write(Output *out)
{
    if (out->done > 0 && !out->error) {
        int64_t t0 = flowrt_runtime_ns();
        out->error = out->ops->write(out, out->buf, out->done);
        int64_t t1 = flowrt_runtime_ns();
        out->blocked_ns += t1 - t0;
        if (!out->error) {
            count_written(out);
            count_latency(out, t1);
        }
    }
    size_t rest = out->len - out->done;
    memmove(out->buf, out->buf + out->done, rest);
    out->len = rest;
    out->done = 0;
    out->waiting = false;
    return out->error == 0;
}

static bool output_flush(Output *out)
{
    if (!output_write(out))
        return false;
    out->error = out->ops->flush(out);
    return out->error == 0;
}

/* The slow path of reserve(): the buffer is full. Whole records go out; a
 * record that does not fit alone grows the buffer. */
static char *make_room(Output *out, size_t n)
{
    output_write(out);
    if (out->cap - out->len < n) {
        out->cap = out->cap * 2 > out->len + n ? out->cap * 2 : out->len + n;
        out->buf = realloc_or_die(out->buf, out->cap);
    }
    return out->buf + out->len;
}

/* ---- Writing bytes --------------------------------------------------------- */

static inline char *reserve(Output *out, size_t n)
{
    if (out->cap - out->len < n)
        return make_room(out, n);
    return out->buf + out->len;
}

static void put_bytes(Output *out, const char *s, size_t n)
{
    memcpy(reserve(out, n), s, n);
    out->len += n;
}

static inline void put_char(Output *out, char c)
{
    *reserve(out, 1) = c;
    out->len++;
}

/* Bytes that force quoting in CSV, and bytes JSON must escape. */
static const unsigned char csv_special[256] = { [','] = 1, ['"'] = 1, ['\r'] = 1, ['\n'] = 1 };

static void csv_string(Output *out, const char *s, size_t n, bool quote_empty)
{
    bool quote = n == 0 ? quote_empty
                        : (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t');
    for (size_t i = 0; i < n && !quote; i++)
        quote = csv_special[(unsigned char)s[i]];
    if (!quote) {
        put_bytes(out, s, n);
        return;
    }
    put_char(out, '"');
    const char *p = s, *end = s + n;
    while (p < end) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (!q) {
            put_bytes(out, p, (size_t)(end - p));
            break;
        }
        put_bytes(out, p, (size_t)(q + 1 - p));
        put_char(out, '"');
        p = q + 1;
    }
    put_char(out, '"');
}

static void json_string(Output *out, const char *s, size_t n)
{
    put_char(out, '"');
    const char *run = s, *end = s + n;
    for (const char *p = s; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put_bytes(out, run, (size_t)(p - run));
        run = p + 1;
        char esc[8];
        switch (c) {
        case '"': put_bytes(out, "\\\"", 2); break;
        case '\\': put_bytes(out, "\\\\", 2); break;
        case '\n': put_bytes(out, "\\n", 2); break;
        case '\r': put_bytes(out, "\\r", 2); break;
        case '\t': put_bytes(out, "\\t", 2); break;
        case '\b': put_bytes(out, "\\b", 2); break;
        case '\f': put_bytes(out, "\\f", 2); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", c);
            put_bytes(out, esc, 6);
        }
    }
    put_bytes(out, run, (size_t)(end - run));
    put_char(out, '"');
}

/* ---- The sink API of flow/runtime.h ---------------------------------------- */

/* Each field call makes room once for what goes before the field (a comma or
 * the JSON member name) and for at most `max` bytes of value, writes the
 * prefix and returns where the value goes; the caller then writes straight
 * into the buffer and sets out->len. One capacity check per field, no
 * intermediate copies. */
static inline char *field_start(FlowSink *sink, size_t max)
{
    Output *out = sink->out;
    int i = sink->field++;
    if (sink->format == SINK_CSV) {
        char *o = reserve(out, max + 1);
        if (i > 0)
            *o++ = ',';
        return o;
    }
    if (i >= sink->def->nfields)
        return reserve(out, max);
    size_t key = sink->json_key_lens[i];
    char *o = reserve(out, key + max);
    memcpy(o, sink->json_keys[i], key);
    return o + key;
}

static inline void field_end(FlowSink *sink, const char *end)
{
    sink->out->len = (size_t)(end - sink->out->buf);
}

void flow_sink_begin(FlowSink *sink)
{
    sink->field = 0;
}

void flow_sink_end(FlowSink *sink)
{
    char *o = reserve(sink->out, 3);
    if (sink->format == SINK_JSONL) {
        if (sink->field == 0)
            *o++ = '{';
        *o++ = '}';
    }
    *o++ = '\n';
    field_end(sink, o);
    Output *out = sink->out;
    out->done = out->len;
    if (out->pending++ == 0)
        out->oldest_arrival_ns = out->rt->arrival_ns;
    sink->records++;
}

void flow_sink_bool(FlowSink *sink, bool v)
{
    char *o = field_start(sink, 5);
    memcpy(o, v ? "true" : "false", v ? 4 : 5);
    field_end(sink, o + (v ? 4 : 5));
}

void flow_sink_int32(FlowSink *sink, int32_t v)
{
    flow_sink_int64(sink, v);
}

void flow_sink_int64(FlowSink *sink, int64_t v)
{
    char *o = field_start(sink, FLOW_INT64_MAX);
    field_end(sink, o + flow_format_int64(o, v));
}

void flow_sink_float64(FlowSink *sink, double v)
{
    char *o = field_start(sink, FLOW_FLOAT64_MAX + 2);
    /* JSON has no nan or infinity: they go as the strings the JSON source
     * reads back into float64 fields. */
    bool quote = sink->format == SINK_JSONL && !isfinite(v);
    if (quote)
        *o++ = '"';
    o += flow_format_float64(o, v);
    if (quote)
        *o++ = '"';
    field_end(sink, o);
}

/* A CSV field without bytes that need quoting is copied while it is checked;
 * the rare field that needs quotes is written again, quoted. */
static void csv_field(FlowSink *sink, const char *s, size_t n)
{
    Output *out = sink->out;
    if (n > 0 && n <= OUTPUT_BUFFER / 2) {
        char *o = field_start(sink, n);
        unsigned char special = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            special |= csv_special[c];
            o[i] = (char)c;
        }
        bool edge_space = s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t';
        if (!special && !edge_space) {
            field_end(sink, o + n);
            return;
        }
        out->len = (size_t)(o - out->buf); /* keep the prefix, drop the copy */
    } else {
        field_end(sink, field_start(sink, 0));
    }
    csv_string(out, s, n, sink->def->nfields == 1);
}

void flow_sink_string(FlowSink *sink, FlowStr v)
{
    if (sink->format == SINK_CSV) {
        csv_field(sink, v.ptr, (size_t)v.len);
        return;
    }
    field_end(sink, field_start(sink, 0));
    json_string(sink->out, v.ptr, (size_t)v.len);
}

void flow_sink_json(FlowSink *sink, FlowStr v)
{
    if (sink->format == SINK_CSV) {
        csv_field(sink, v.ptr, (size_t)v.len);
        return;
    }
    char *o = field_start(sink, (size_t)v.len);
    if (v.len > 0)
        memcpy(o, v.ptr, (size_t)v.len);
    field_end(sink, o + v.len);
}

void flow_sink_timestamp(FlowSink *sink, int64_t ms)
{
    bool json = sink->format == SINK_JSONL;
    int i = sink->field;
    char *o = field_start(sink, FLOW_TIMESTAMP_MAX + 2);
    if (json)
        *o++ = '"';
    SinkTimestamp *last = i < sink->def->nfields ? &sink->timestamps[i] : NULL;
    if (last && last->len && last->ms == ms) {
        /* All of text, a fixed size: room for it was made above. */
        memcpy(o, last->text, sizeof last->text);
        o += last->len;
    } else {
        size_t n = flow_format_timestamp(o, ms);
        if (last) {
            /* A fixed size again (the room made above): no call. */
            last->ms = ms;
            last->len = n;
            memcpy(last->text, o, sizeof last->text);
        }
        o += n;
    }
    if (json)
        *o++ = '"';
    field_end(sink, o);
}

void flow_sink_null(FlowSink *sink)
{
    if (sink->format == SINK_CSV) {
        /* Like an empty string, so that a record of one null field is not a
         * blank line, which a reader skips. */
        csv_field(sink, "", 0);
        return;
    }
    char *o = field_start(sink, 4);
    memcpy(o, "null", 4);
    field_end(sink, o + 4);
}

/* ---- Opening and closing --------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static void make_json_keys(FlowSink *sink)
{
    int n = sink->def->nfields;
    sink->json_keys = alloc_or_die((size_t)(n > 0 ? n : 1) * sizeof *sink->json_keys);
    sink->json_key_lens = alloc_or_die((size_t)(n > 0 ? n : 1) * sizeof *sink->json_key_lens);
    for (int i = 0; i < n; i++) {
        /* Encode the name through a scratch Output so it gets the same
         * escaping as values. It holds no whole record, so it only ever
         * grows and never writes. */
        Output tmp = { .buf = alloc_or_die(4096), .cap = 4096 };
        put_char(&tmp, i == 0 ? '{' : ',');
        const char *name = sink->def->field_names[i];
        json_string(&tmp, name, strlen(name));
        put_char(&tmp, ':');
        sink->json_keys[i] = tmp.buf;
        sink->json_key_lens[i] = tmp.len;
    }
}

/* Reads the sink's arguments; the destination's own ones are read by its
 * open, or checked here when the sink joins its runtime's one Output of the
 * kind (stdout). */
static FlowSink *sink_open(FlowRuntime *rt, const FlowSinkDef *def, char **err)
{
    static const char *const formats[] = { "csv", "jsonl", "json", NULL };
    const FlowConnector *conn = &def->conn;
    const SinkOps *ops = flowrt_connector_sink(conn);
    if (!ops) {
        *err = flowrt_connargs_message(conn, "not supported as a sink by this version");
        return NULL;
    }
    ConnArgs args;
    flowrt_connargs_init(&args, conn, &rt->params);
    int format = flowrt_connargs_choice(&args, "format", formats, -1);
    bool header = !ops->no_header && flowrt_connargs_bool(&args, "header", true);
    int64_t linger = flowrt_connargs_int(&args, "linger", SINK_DEFAULT_LINGER_MS, 0);
    /* Only a destination that refuses records takes these (flowc checks). */
    static const char *const on_errors[] = { "skip", "fail", NULL };
    bool bad_fails = flowrt_connargs_choice(&args, "on_error", on_errors, 0) == 1;
    const char *errors = flowrt_connargs_text(&args, "errors", NULL);
    Output *out = NULL;
    for (int i = 0; i < rt->noutputs && ops->one_per_runtime && !out; i++)
        if (rt->outputs[i]->ops == ops)
            out = rt->outputs[i];
    if (out) {
        if (!flowrt_connargs_finish(&args, err))
            return NULL;
    } else {
        out = ops->open(def, &args, flowrt_ckpt_restoring(rt), err);
        if (!out)
            return NULL;
        /* The self-test takes no checkpoints on disk: nothing to commit with. */
        out->epochs = rt->ckpt.on && !rt->ckpt.selftest;
        out->rt = rt;
        out->bad_fails = bad_fails;
        if (errors) {
            flowrt_output_make_parent_dirs(errors);
            out->errors = fopen(errors, "a");
            out->errors_path = errors;
        }
        if (errors && !out->errors) {
            *err = flowrt_connargs_message(conn, "cannot open the errors file '%s': %s", errors,
                                           strerror(errno));
            out->ops->close(out);
            return NULL;
        }
        rt->outputs = realloc_or_die(rt->outputs,
                                     (size_t)(rt->noutputs + 1) * sizeof *rt->outputs);
        rt->outputs[rt->noutputs++] = out;
    }
    FlowSink *sink = alloc_or_die(sizeof *sink);
    memset(sink, 0, sizeof *sink);
    sink->def = def;
    sink->out = out;
    size_t nstamps = (size_t)(def->nfields > 0 ? def->nfields : 1);
    sink->timestamps = alloc_or_die(nstamps * sizeof *sink->timestamps);
    memset(sink->timestamps, 0, nstamps * sizeof *sink->timestamps);
    /* Without format=, the path's extension decides. */
    if (format < 0)
        format = ends_with(out->label, ".jsonl") || ends_with(out->label, ".json") ? 1 : 0;
    sink->format = format == 0 ? SINK_CSV : SINK_JSONL;
    if (linger < out->linger_ms)
        out->linger_ms = linger;
    out->sinks = realloc_or_die(out->sinks, (size_t)(out->nsinks + 1) * sizeof *out->sinks);
    out->sinks[out->nsinks++] = sink;
    if (sink->format == SINK_JSONL) {
        make_json_keys(sink);
    } else if (header) {
        size_t from = out->len;
        for (int i = 0; i < def->nfields; i++) {
            if (i)
                put_char(out, ',');
            const char *name = def->field_names[i];
            csv_string(out, name, strlen(name), def->nfields == 1);
        }
        put_char(out, '\n');
        out->done = out->len;
        if (!out->header) {
            out->header_len = out->len - from;
            out->header = alloc_or_die(out->header_len);
            memcpy(out->header, out->buf + from, out->header_len);
        }
    }
    return sink;
}

bool flowrt_sinks_open(FlowRuntime *rt, char **err)
{
    const FlowProgram *prog = rt->prog;
    rt->sinks = alloc_or_die((size_t)(prog->nsinks + 1) * sizeof *rt->sinks);
    for (int i = 0; i < prog->nsinks; i++) {
        rt->sinks[i] = sink_open(rt, &prog->sinks[i], err);
        if (!rt->sinks[i])
            return false;
        rt->nsinks++;
    }
    return true;
}

void flowrt_sinks_linger(FlowRuntime *rt)
{
    for (int i = 0; i < rt->noutputs; i++) {
        Output *out = rt->outputs[i];
        if (out->done == 0)
            continue;
        if (!out->waiting) {
            out->waiting = true;
            out->waiting_since = rt->now_ms;
        }
        if (rt->now_ms - out->waiting_since >= out->linger_ms)
            output_flush(out);
    }
}

void flowrt_sinks_flush(FlowRuntime *rt)
{
    for (int i = 0; i < rt->noutputs; i++)
        output_flush(rt->outputs[i]);
}

void flowrt_sinks_drain(FlowRuntime *rt)
{
    for (int i = 0; i < rt->noutputs; i++) {
        Output *out = rt->outputs[i];
        if (output_flush(out) && out->ops->drain && !(out->error = out->ops->drain(out)))
            count_written(out);
    }
}

/* A failed Output is reported once, under its first sink. */
static void report(FlowRuntime *rt, const FlowSinkDef *def, const char *label, int error)
{
    flowrt_runtime_fail(rt, "%s: sink '%s': cannot write to %s: %s", def->conn.where,
                        def->stream, label, strerror(error));
}

bool flowrt_sinks_check(FlowRuntime *rt)
{
    for (int i = 0; i < rt->noutputs; i++) {
        const Output *out = rt->outputs[i];
        if (out->error == EPIPE) {
            rt->output_closed = true;
        } else if (out->error) {
            report(rt, out->sinks[0]->def, out->label, out->error);
            return false;
        }
    }
    return true;
}

void flowrt_sinks_close(FlowRuntime *rt)
{
    for (int i = 0; i < rt->noutputs; i++)
        output_flush(rt->outputs[i]);
    flowrt_sinks_check(rt);
    for (int i = 0; i < rt->noutputs; i++) {
        Output *out = rt->outputs[i];
        /* The label and the definition outlive the Output. */
        const FlowSinkDef *def = out->sinks[0]->def;
        const char *label = out->label;
        bool failed = out->error != 0;
        /* Closing may still refuse records (the end of a COPY). */
        FILE *errors = out->errors;
        int error = out->ops->close(out);
        if (errors)
            fclose(errors);
        if (error && !failed)
            report(rt, def, label, error);
    }
    for (int i = 0; i < rt->nsinks; i++) {
        FlowSink *sink = rt->sinks[i];
        if (sink->json_keys) {
            for (int f = 0; f < sink->def->nfields; f++)
                free(sink->json_keys[f]);
            free(sink->json_keys);
            free(sink->json_key_lens);
        }
        free(sink->timestamps);
        free(sink);
    }
    free(rt->outputs);
    free(rt->sinks);
    rt->outputs = NULL;
    rt->sinks = NULL;
    rt->noutputs = rt->nsinks = 0;
}

bool flowrt_sink_flush(FlowSink *sink)
{
    return output_flush(sink->out);
}

bool flowrt_sink_commit(FlowSink *sink, Position *pos)
{
    Output *out = sink->out;
    flowrt_position_clear(pos);
    if (!output_flush(out))
        return false;
    out->error = out->ops->commit(out, pos);
    return out->error == 0;
}

bool flowrt_sink_restore(FlowSink *sink, const Position *pos)
{
    Output *out = sink->out;
    out->len = out->done = 0;
    out->waiting = false;
    if (out->error)
        return false;
    int error = out->ops->restore(out, pos);
    return error == 0;
}

const char *flowrt_sink_label(const FlowSink *sink)
{
    return sink->out->label;
}

FlowSink *flowrt_sink_clone(const FlowSink *sink, Output *out)
{
    FlowSink *c = alloc_or_die(sizeof *c);
    *c = *sink;
    c->out = out;
    c->field = 0;
    c->records = c->written = 0;
    size_t nstamps = (size_t)(sink->def->nfields > 0 ? sink->def->nfields : 1);
    c->timestamps = alloc_or_die(nstamps * sizeof *c->timestamps);
    memset(c->timestamps, 0, nstamps * sizeof *c->timestamps);
    out->sinks = realloc_or_die(out->sinks, (size_t)(out->nsinks + 1) * sizeof *out->sinks);
    out->sinks[out->nsinks++] = c;
    return c;
}

void flowrt_sink_clone_free(FlowSink *clone)
{
    free(clone->timestamps);
    free(clone);
}

void flowrt_output_append(Output *out, const char *bytes, size_t n, const int64_t *records,
                          int64_t pending, int64_t oldest_arrival_ns)
{
    put_bytes(out, bytes, n);
    out->done = out->len;
    for (int i = 0; i < out->nsinks; i++)
        out->sinks[i]->records += records[i];
    if (pending > 0 && (out->pending == 0 || oldest_arrival_ns < out->oldest_arrival_ns))
        out->oldest_arrival_ns = oldest_arrival_ns;
    out->pending += pending;
}

bool flowrt_output_flush(Output *out)
{
    return output_flush(out);
}
