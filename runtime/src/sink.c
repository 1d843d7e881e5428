/* sink.c: file and stdout sinks, CSV and JSON-lines encoding. */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "flow/codec.h"
#include "flow/runtime.h"

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

static Output *output_new(int fd, bool owns_fd, const char *label)
{
    Output *out = alloc_or_die(sizeof *out);
    out->fd = fd;
    out->owns_fd = owns_fd;
    out->label = label;
    out->cap = OUTPUT_BUFFER;
    out->buf = alloc_or_die(out->cap);
    out->len = 0;
    out->bytes = 0;
    out->error = 0;
    out->blocked_ns = 0;
    out->refs = 1;
    return out;
}

static Output *stdout_output;

Output *flowrt_output_stdout(void)
{
    if (stdout_output)
        stdout_output->refs++;
    else
        stdout_output = output_new(STDOUT_FILENO, false, "stdout");
    return stdout_output;
}

void flowrt_output_make_parent_dirs(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return;
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        mkdir(copy, 0777); /* an error shows up as the open() failing */
        *p = '/';
    }
    free(copy);
}

Output *flowrt_output_open_file(const char *path)
{
    flowrt_output_make_parent_dirs(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0)
        return NULL;
    return output_new(fd, true, path);
}

static int64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

bool flowrt_output_flush(Output *out)
{
    if (out->error) {
        out->len = 0;
        return false;
    }
    int64_t t0 = monotonic_ns();
    size_t done = 0;
    while (done < out->len) {
        ssize_t n = write(out->fd, out->buf + done, out->len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            out->error = errno;
            break;
        }
        done += (size_t)n;
    }
    out->blocked_ns += monotonic_ns() - t0;
    out->bytes += (int64_t)done;
    out->len = 0;
    return out->error == 0;
}

int flowrt_output_release(Output *out)
{
    if (--out->refs > 0)
        return out->error;
    flowrt_output_flush(out);
    if (out->owns_fd && close(out->fd) != 0 && !out->error)
        out->error = errno;
    int error = out->error;
    if (out == stdout_output)
        stdout_output = NULL;
    free(out->buf);
    free(out);
    return error;
}

/* ---- Writing bytes --------------------------------------------------------- */

static inline char *reserve(Output *out, size_t n)
{
    if (out->cap - out->len < n)
        flowrt_output_flush(out);
    return out->buf + out->len;
}

static void put_bytes(Output *out, const char *s, size_t n)
{
    while (n > 0) {
        size_t room = out->cap - out->len;
        if (room == 0) {
            flowrt_output_flush(out);
            room = out->cap;
        }
        size_t k = n < room ? n : room;
        memcpy(out->buf + out->len, s, k);
        out->len += k;
        s += k;
        n -= k;
    }
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

void flow_sink_timestamp(FlowSink *sink, int64_t ms)
{
    bool json = sink->format == SINK_JSONL;
    char *o = field_start(sink, FLOW_TIMESTAMP_MAX + 2);
    if (json)
        *o++ = '"';
    o += flow_format_timestamp(o, ms);
    if (json)
        *o++ = '"';
    field_end(sink, o);
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
         * escaping as values. */
        Output tmp = { .buf = alloc_or_die(4096), .cap = 4096, .fd = -1 };
        put_char(&tmp, i == 0 ? '{' : ',');
        const char *name = sink->def->field_names[i];
        json_string(&tmp, name, strlen(name));
        put_char(&tmp, ':');
        sink->json_keys[i] = tmp.buf;
        sink->json_key_lens[i] = tmp.len;
    }
}

FlowSink *flowrt_sink_open(const FlowSinkDef *def, const ParamValues *params, char **err)
{
    static const char *const formats[] = { "csv", "jsonl", "json", NULL };
    const FlowConnector *conn = &def->conn;
    bool is_file = strcmp(conn->kind, "file") == 0;
    if (!is_file && strcmp(conn->kind, "stdout") != 0) {
        *err = flowrt_connargs_message(conn, "not supported as a sink by this version");
        return NULL;
    }
    ConnArgs args;
    flowrt_connargs_init(&args, conn, params);
    const char *path = is_file ? flowrt_connargs_text(&args, "path", NULL) : NULL;
    int def_format = path && (ends_with(path, ".jsonl") || ends_with(path, ".json")) ? 1 : 0;
    int format = flowrt_connargs_choice(&args, "format", formats, def_format);
    bool header = flowrt_connargs_bool(&args, "header", true);
    if (is_file && !path && !args.err)
        args.err = flowrt_connargs_message(conn, "needs a path");
    if (!flowrt_connargs_finish(&args, err))
        return NULL;

    Output *out = is_file ? flowrt_output_open_file(path) : flowrt_output_stdout();
    if (!out) {
        *err = flowrt_connargs_message(conn, "cannot create '%s': %s", path, strerror(errno));
        return NULL;
    }
    FlowSink *sink = alloc_or_die(sizeof *sink);
    memset(sink, 0, sizeof *sink);
    sink->def = def;
    sink->out = out;
    sink->format = format == 0 ? SINK_CSV : SINK_JSONL;
    sink->header = header;
    if (sink->format == SINK_JSONL) {
        make_json_keys(sink);
    } else if (header) {
        for (int i = 0; i < def->nfields; i++) {
            if (i)
                put_char(out, ',');
            const char *name = def->field_names[i];
            csv_string(out, name, strlen(name), def->nfields == 1);
        }
        put_char(out, '\n');
    }
    return sink;
}

int flowrt_sink_close(FlowSink *sink)
{
    if (sink->json_keys) {
        for (int i = 0; i < sink->def->nfields; i++)
            free(sink->json_keys[i]);
        free(sink->json_keys);
        free(sink->json_key_lens);
    }
    int error = flowrt_output_release(sink->out);
    free(sink);
    return error;
}

bool flowrt_sink_flush(FlowSink *sink)
{
    return flowrt_output_flush(sink->out);
}

bool flowrt_sink_commit(FlowSink *sink, int64_t *committed_bytes)
{
    bool ok = flowrt_output_flush(sink->out);
    if (ok && sink->out->owns_fd && fsync(sink->out->fd) != 0) {
        sink->out->error = errno;
        ok = false;
    }
    *committed_bytes = sink->out->bytes;
    return ok;
}

const char *flowrt_sink_label(const FlowSink *sink)
{
    return sink->out->label;
}
