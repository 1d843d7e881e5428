/* source_file.c: the text sources, file(...) and stdin(...), in CSV or JSON
 * lines (flowrt_text_source_ops, both rows of connectors.c). A file is
 * bounded unless follow=true, which tails it: at its end the source goes idle
 * and polls again later, and a last line without its line break waits for
 * it. Its position is the byte offset and the line number of the next
 * record, so that bad records after a seek are still reported by line.
 * A path with a pattern (`logs/app-*.csv`) reads the matching files in name
 * order as one source, each with its own header; a compressed file is read
 * through its algorithm (compress.h). docs/language.md, "Files". */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compress.h"
#include "connectors.h"
#include "csv.h"
#include "errors.h"
#include "flow/expr.h"
#include "json.h"
#include "readbuf.h"
#include "rt.h"

typedef enum TextFormat { FORMAT_CSV, FORMAT_JSONL } TextFormat;

typedef struct TextSource {
    Source base;
    ReadBuf rb;
    TextFormat format;
    bool header;
    bool follow;
    bool own_fd;
    bool started;       /* byte order mark and header dealt with */
    /* A pattern's files, sorted by name, and the one being read (index
     * into paths); a plain path is a pattern of one file. */
    const char *pattern;
    bool is_pattern;
    glob_t files;
    int current;
    /* Every file opened so far, the last one base.file: a record's
     * base.part is its file's index here (text_describe). */
    char **opened;
    int nopened;
    bool draining;      /* follow=true: a newer file appeared, so this one is complete */
    int64_t listed_ms;  /* when the pattern was last listed (follow=true) */
    const char *compression; /* none, gzip, zstd, auto */
    CsvParser csv;
    int *colmap;        /* CSV column -> field, -1 for columns not in the schema */
    int ncols;          /* columns every CSV record must have */
    JsonParser json;
    int64_t json_line;  /* line number of the next JSON line */
    FlowField *fields;  /* the current record, in schema order */
    void *line_rec;     /* the record parse_csv (CSV in schema order) or parse_json fills,
                           else NULL */
} TextSource;

static void *alloc_or_die(size_t size)
{
    void *p = calloc(1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "flow: out of memory (source)\n");
        abort();
    }
    return p;
}

/* Whether the end of what was read is the end of the file: a bounded file's,
 * or a followed one's once a newer file of its pattern appeared. */
static bool at_final_end(const TextSource *ts)
{
    return ts->rb.eof && (!ts->follow || ts->draining);
}

/* ---- Start: byte order mark, CSV header ------------------------------------ */

typedef enum StartStatus { START_DONE, START_WAIT, START_FAILED } StartStatus;

static StartStatus fill_for_start(TextSource *ts, char **err)
{
    switch (flowrt_readbuf_fill(&ts->rb, READ_WAIT_MS)) {
    case READ_OK:
        return START_DONE;
    case READ_EOF:
        return ts->follow && !ts->draining ? START_WAIT : START_DONE;
    case READ_INTERRUPTED:
    case READ_WAIT:
        return START_WAIT;
    case READ_ERROR:
        break;
    }
    *err = flowrt_connargs_message(&ts->base.def->conn, "cannot read '%s': %s", ts->base.file,
                                   flowrt_readbuf_error(&ts->rb));
    return START_FAILED;
}

/* The header's column names for a message, each in double quotes so that a
 * space or an empty name shows (`"id", " name"`), cut after about 200 bytes. */
static void quoted_columns(const TextSource *ts, int ncols, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    for (int c = 0; c < ncols && o < size; c++) {
        const FlowField *col = &ts->csv.cols[c];
        int n = snprintf(out + o, size - o, "%s\"%.*s\"", c ? ", " : "", (int)col->len, col->ptr);
        if (n < 0 || (size_t)n >= size - o) {
            snprintf(out + (o < size - 4 ? o : size - 4), 4, "...");
            return;
        }
        o += (size_t)n;
    }
}

static char *missing_column_message(TextSource *ts, const char *field, int ncols)
{
    char cols[256];
    quoted_columns(ts, ncols, cols, sizeof cols);
    return flowrt_connargs_message(&ts->base.def->conn,
                                   "'%s' has no column \"%s\" (its header: %s)", ts->base.file,
                                   field, cols);
}

/* Without a header the columns are the schema's fields, in order. */
static void columns_in_schema_order(TextSource *ts)
{
    ts->ncols = ts->base.def->nfields;
    ts->colmap = alloc_or_die((size_t)ts->ncols * sizeof *ts->colmap);
    for (int i = 0; i < ts->ncols; i++)
        ts->colmap[i] = i;
}

/* A column named twice would leave one of them unread without a word. */
static char *repeated_column(TextSource *ts, int ncols)
{
    for (int c = 1; c < ncols; c++)
        for (int d = 0; d < c; d++) {
            const FlowField *a = &ts->csv.cols[d], *b = &ts->csv.cols[c];
            if (a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0))
                return flowrt_connargs_message(&ts->base.def->conn,
                                               "'%s': the header names column \"%.*s\" twice "
                                               "(columns %d and %d)",
                                               ts->base.file, (int)a->len, a->ptr, d + 1, c + 1);
        }
    return NULL;
}

static StartStatus read_csv_header(TextSource *ts, char **err)
{
    const FlowSourceDef *def = ts->base.def;
    CsvRecord hdr;
    for (;;) {
        ReadBuf *rb = &ts->rb;
        CsvStatus st = flowrt_csv_parse(&ts->csv, rb->buf + rb->start, rb->end - rb->start,
                                        at_final_end(ts), &hdr);
        if (st == CSV_RECORD)
            break;
        rb->start += hdr.used;
        if (st == CSV_END) {
            /* No header line at all: an input without records, as Flink
             * reads an empty file (docs/language.md, "Formats"). */
            columns_in_schema_order(ts);
            return START_DONE;
        }
        StartStatus s = fill_for_start(ts, err);
        if (s != START_DONE)
            return s;
    }
    if (hdr.error) {
        *err = flowrt_connargs_message(&def->conn, "'%s': bad header line: %s", ts->base.file,
                                       hdr.error);
        return START_FAILED;
    }
    *err = repeated_column(ts, hdr.ncols);
    if (*err)
        return START_FAILED;
    ts->ncols = hdr.ncols;
    ts->colmap = alloc_or_die((size_t)hdr.ncols * sizeof *ts->colmap);
    bool *found = alloc_or_die((size_t)def->nfields * sizeof *found);
    for (int c = 0; c < hdr.ncols; c++) {
        ts->colmap[c] = -1;
        for (int i = 0; i < def->nfields; i++) {
            const FlowField *col = &ts->csv.cols[c];
            if (!found[i] && strlen(def->field_names[i]) == col->len &&
                memcmp(def->field_names[i], col->ptr, col->len) == 0) {
                ts->colmap[c] = i;
                found[i] = true;
                break;
            }
        }
    }
    for (int i = 0; i < def->nfields; i++) {
        if (!found[i]) {
            *err = missing_column_message(ts, def->field_names[i], hdr.ncols);
            free(found);
            return START_FAILED;
        }
    }
    free(found);
    ts->rb.start += hdr.used;
    return START_DONE;
}

/* Whether the generated one-pass line decoder can take the records: it
 * reads the schema's fields in schema order and no other columns. */
static bool in_schema_order(const TextSource *ts)
{
    const FlowSourceDef *def = ts->base.def;
    if (!def->parse_csv || ts->ncols != def->nfields)
        return false;
    for (int c = 0; c < ts->ncols; c++)
        if (ts->colmap[c] != c)
            return false;
    return true;
}

static StartStatus start(TextSource *ts, char **err)
{
    ReadBuf *rb = &ts->rb;
    /* A UTF-8 byte order mark at the start of the input is not data. */
    while (rb->base_offset == 0 && rb->start == 0 && rb->end < 3 && !rb->eof) {
        StartStatus s = fill_for_start(ts, err);
        if (s != START_DONE)
            return s;
    }
    if (rb->base_offset == 0 && rb->start == 0 && rb->end >= 3 &&
        memcmp(rb->buf, "\xEF\xBB\xBF", 3) == 0)
        rb->start = 3;
    if (ts->format == FORMAT_CSV) {
        if (ts->header) {
            StartStatus s = read_csv_header(ts, err);
            if (s != START_DONE)
                return s;
        } else {
            columns_in_schema_order(ts);
        }
        ts->csv.map = ts->colmap;
        ts->csv.map_len = ts->ncols;
        ts->csv.slots = ts->fields;
        /* Each file of a pattern has its own header. */
        free(ts->line_rec);
        ts->line_rec = in_schema_order(ts) ? alloc_or_die(ts->base.def->record_size) : NULL;
    } else if (ts->base.def->parse_json && !ts->line_rec) {
        ts->line_rec = alloc_or_die(ts->base.def->record_size);
    }
    ts->started = true;
    return START_DONE;
}

/* ---- Reading records -------------------------------------------------------- */

/* Reads more input; when none is ready, what the sinks hold goes out before
 * the wait, so that a quiet pipe never holds results back (a record fed to
 * a filter on stdin reaches its stdout without waiting for the next). */
static ReadStatus fill(TextSource *ts, FlowRuntime *rt)
{
    ReadStatus st = flowrt_readbuf_fill(&ts->rb, 0);
    if (st != READ_WAIT)
        return st;
    flowrt_runtime_quiet(rt);
    return flowrt_readbuf_fill(&ts->rb, READ_WAIT_MS);
}

/* More input for a record that runs past the buffer. */
static SourceStatus refill(TextSource *ts, FlowRuntime *rt, bool *again)
{
    *again = false;
    switch (fill(ts, rt)) {
    case READ_OK:
        flowrt_runtime_arrived(rt);
        *again = true;
        return SOURCE_MORE;
    case READ_EOF:
        *again = !ts->follow || ts->draining;
        return SOURCE_IDLE;
    case READ_INTERRUPTED:
    case READ_WAIT:
        return SOURCE_IDLE;
    case READ_ERROR:
        break;
    }
    flowrt_runtime_fail(rt, "%s: source '%s': cannot read '%s': %s", ts->base.def->conn.where,
                        ts->base.def->name, ts->base.file, flowrt_readbuf_error(&ts->rb));
    return SOURCE_FAILED;
}

static void push(TextSource *ts, FlowRuntime *rt, int64_t line, const char *raw, size_t raw_len)
{
    Source *src = &ts->base;
    src->where = line;
    src->raw = raw;
    src->raw_len = raw_len;
    flowrt_runtime_begin_record(rt, src);
}

/* The common record, one line whose columns are in schema order, in one
 * pass by the generated parse_csv. False, having done nothing, for any
 * other: a record not complete in the buffer, a blank line, a line that
 * parse_csv refuses (quotes, bad fields, the wrong number of columns). */
static bool line_record(TextSource *ts, FlowRuntime *rt)
{
    ReadBuf *rb = &ts->rb;
    const char *line = rb->buf + rb->start;
    const char *nl = memchr(line, '\n', rb->end - rb->start);
    if (!nl)
        return false;
    size_t len = (size_t)(nl - line);
    if (len && line[len - 1] == '\r')
        len--;
    const FlowSourceDef *def = ts->base.def;
    if (len == 0 || !def->parse_csv(line, len, ts->line_rec))
        return false;
    push(ts, rt, ts->csv.line, line, len);
    rb->start += (size_t)(nl + 1 - line);
    ts->csv.line++;
    def->push(rt, ts->line_rec);
    return true;
}

static SourceStatus poll_csv(TextSource *ts, FlowRuntime *rt, int max)
{
    ReadBuf *rb = &ts->rb;
    for (int n = 0; n < max && !rt->failed;) {
        if (ts->line_rec && line_record(ts, rt)) {
            n++;
            continue;
        }
        CsvRecord rec;
        CsvStatus st = flowrt_csv_parse(&ts->csv, rb->buf + rb->start, rb->end - rb->start,
                                        at_final_end(ts), &rec);
        if (st == CSV_END)
            return SOURCE_DONE;
        if (st == CSV_NEED_MORE) {
            rb->start += rec.used;
            bool again;
            SourceStatus s = refill(ts, rt, &again);
            if (!again)
                return s;
            continue;
        }
        /* The record's bytes stay in place until the next parse. */
        push(ts, rt, rec.line, rec.raw, rec.raw_len);
        rb->start += rec.used;
        n++;
        if (rec.error) {
            flowrt_source_bad_record(rt, &ts->base, NULL, rec.error);
        } else if (rec.ncols != ts->ncols) {
            char why[96];
            snprintf(why, sizeof why, "expected %d fields, found %d", ts->ncols, rec.ncols);
            flowrt_source_bad_record(rt, &ts->base, NULL, why);
        } else {
            ts->base.def->decode(rt, ts->fields);
        }
    }
    return rt->failed ? SOURCE_FAILED : SOURCE_MORE;
}

static SourceStatus poll_jsonl(TextSource *ts, FlowRuntime *rt, int max)
{
    ReadBuf *rb = &ts->rb;
    for (int n = 0; n < max && !rt->failed;) {
        const char *line = rb->buf + rb->start;
        size_t avail = rb->end - rb->start, len, used;
        const char *nl = memchr(line, '\n', avail);
        if (nl) {
            len = (size_t)(nl - line);
            used = len + 1;
        } else if (at_final_end(ts)) {
            if (avail == 0)
                return SOURCE_DONE;
            len = used = avail;
        } else {
            bool again;
            SourceStatus s = refill(ts, rt, &again);
            if (!again)
                return s;
            continue;
        }
        int64_t line_no = ts->json_line++;
        size_t raw_len = len && line[len - 1] == '\r' ? len - 1 : len;
        if (ts->line_rec && ts->base.def->parse_json(line, len, ts->line_rec)) {
            push(ts, rt, line_no, line, raw_len);
            rb->start += used;
            n++;
            ts->base.def->push(rt, ts->line_rec);
            continue;
        }
        const char *reason;
        JsonStatus st = flowrt_json_parse_line(&ts->json, line, len, ts->fields, &reason);
        if (st == JSON_BLANK) {
            rb->start += used;
            continue;
        }
        push(ts, rt, line_no, line, raw_len);
        rb->start += used;
        n++;
        if (st == JSON_BAD)
            flowrt_source_bad_record(rt, &ts->base, NULL, reason);
        else
            ts->base.def->decode(rt, ts->fields);
    }
    return rt->failed ? SOURCE_FAILED : SOURCE_MORE;
}

/* ---- Files of a pattern ------------------------------------------------------ */

static bool has_pattern(const char *path)
{
    return strpbrk(path, "*?[") != NULL;
}

/* Lists the pattern's files again, sorted by name (as glob(3) does). */
static void list_files(TextSource *ts)
{
    globfree(&ts->files);
    memset(&ts->files, 0, sizeof ts->files);
    if (glob(ts->pattern, 0, NULL, &ts->files) != 0) {
        globfree(&ts->files);
        memset(&ts->files, 0, sizeof ts->files);
    }
}

/* The first file of the list whose name sorts after the one being read
 * (the first file when none is), or -1. */
static int next_in_list(const TextSource *ts)
{
    for (size_t i = 0; i < ts->files.gl_pathc; i++)
        if (!ts->base.file || strcmp(ts->files.gl_pathv[i], ts->base.file) > 0)
            return (int)i;
    return -1;
}

static char *open_message(const TextSource *ts, const char *path)
{
    return flowrt_connargs_message(&ts->base.def->conn, "cannot open '%s': %s", path,
                                   strerror(errno));
}

/* Reads file i of the list (or the one path) from its start: a read buffer,
 * a decompressor when it is compressed, a CSV header of its own. */
static bool open_file(TextSource *ts, int i, char **err)
{
    const char *path = ts->is_pattern ? ts->files.gl_pathv[i] : ts->pattern;
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        fd = -1;
        errno = EISDIR;
    }
    if (fd < 0) {
        *err = open_message(ts, path);
        return false;
    }
    if (ts->rb.buf) {
        close(ts->rb.fd);
        flowrt_readbuf_free(&ts->rb);
    }
    flowrt_readbuf_init(&ts->rb, fd);
    ts->rb.end_is_final = !ts->follow;
    unsigned char head[4];
    ssize_t n = pread(fd, head, sizeof head, 0);
    const CompressOps *codec;
    if (!flowrt_compress_pick(&ts->base.def->conn, ts->compression, path, head,
                              n > 0 ? (size_t)n : 0, &codec, err))
        return false;
    if (codec && !flowrt_readbuf_decompress(&ts->rb, codec)) {
        *err = flowrt_connargs_message(&ts->base.def->conn, "out of memory (%s)", codec->name);
        return false;
    }
    char *copy = strdup(path);
    char **opened = realloc(ts->opened, (size_t)(ts->nopened + 1) * sizeof *opened);
    if (!copy || !opened) {
        free(copy);
        if (opened)
            ts->opened = opened;
        *err = flowrt_connargs_message(&ts->base.def->conn, "out of memory");
        return false;
    }
    ts->opened = opened;
    ts->opened[ts->nopened] = copy;
    ts->base.part = ts->nopened++;
    ts->base.file = copy;
    ts->current = i;
    flowrt_csv_free(&ts->csv);
    flowrt_csv_init(&ts->csv);
    ts->json_line = 1;
    free(ts->colmap);
    ts->colmap = NULL;
    ts->started = false;
    ts->draining = false;
    return true;
}

/* follow=true on a pattern: once the file being read is at its end, a newer
 * file of the pattern means it is complete (rotated): it is read to its end
 * as a bounded file, then the next one. Listing waits FILES_LIST_MS between
 * tries, as the source polls often while idle. */
#define FILES_LIST_MS 100

static bool newer_file_appeared(TextSource *ts)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    if (ms - ts->listed_ms < FILES_LIST_MS)
        return false;
    ts->listed_ms = ms;
    list_files(ts);
    return next_in_list(ts) >= 0;
}

/* ---- Polling ----------------------------------------------------------------- */

static SourceStatus fail_with(FlowRuntime *rt, char *err)
{
    flowrt_runtime_fail(rt, "%s", err);
    free(err);
    return SOURCE_FAILED;
}

static SourceStatus poll_file(TextSource *ts, FlowRuntime *rt, int max)
{
    if (!ts->started) {
        char *err = NULL;
        StartStatus s = start(ts, &err);
        if (s == START_FAILED)
            return fail_with(rt, err);
        if (s == START_WAIT)
            return SOURCE_IDLE;
    }
    return ts->format == FORMAT_CSV ? poll_csv(ts, rt, max) : poll_jsonl(ts, rt, max);
}

static SourceStatus text_poll(Source *src, FlowRuntime *rt, int max)
{
    TextSource *ts = (TextSource *)src;
    char *err = NULL;
    if (ts->current < 0) {
        /* follow=true on a pattern that matched nothing yet. */
        int next = newer_file_appeared(ts) ? next_in_list(ts) : -1;
        if (next < 0)
            return SOURCE_IDLE;
        if (!open_file(ts, next, &err))
            return fail_with(rt, err);
    }
    SourceStatus st = poll_file(ts, rt, max);
    if (!ts->is_pattern)
        return st;
    if (st == SOURCE_IDLE && ts->follow && !ts->draining && ts->rb.eof && newer_file_appeared(ts)) {
        ts->draining = true;
        ts->rb.end_is_final = true;
        return SOURCE_MORE;
    }
    if (st != SOURCE_DONE)
        return st;
    if (ts->follow)
        list_files(ts);
    int next = next_in_list(ts);
    if (next < 0)
        return ts->follow ? SOURCE_IDLE : SOURCE_DONE;
    if (!open_file(ts, next, &err))
        return fail_with(rt, err);
    return SOURCE_MORE;
}

/* The line number of the next record: each format counts its own. */
static int64_t *next_line(TextSource *ts)
{
    return ts->format == FORMAT_CSV ? &ts->csv.line : &ts->json_line;
}

/* A pattern's position also says which file, by its place in the sorted
 * list and a hash of its name, so that a restore into a changed list is
 * refused rather than read from the wrong file. */
static int64_t name_hash(const char *path)
{
    return flow_hash_str((FlowStr){ path, (int64_t)strlen(path) });
}

static void text_position(const Source *src, Position *pos)
{
    TextSource *ts = (TextSource *)src;
    flowrt_position_clear(pos);
    if (ts->is_pattern) {
        flowrt_position_put_int64(pos, ts->current);
        flowrt_position_put_int64(pos, ts->current < 0 ? 0 : name_hash(ts->base.file));
    }
    flowrt_position_put_int64(pos, ts->current < 0 ? 0 : readbuf_position(&ts->rb));
    flowrt_position_put_int64(pos, ts->current < 0 ? 1 : *next_line(ts));
}

/* Only a file can seek, and only once its header is read (a followed file
 * that has none yet has no column map to read records with). */
static bool text_seek(Source *src, const Position *pos)
{
    TextSource *ts = (TextSource *)src;
    size_t at = 0;
    int64_t index = 0, hash = 0, offset, line;
    if (!ts->own_fd)
        return false;
    if (ts->is_pattern && (!flowrt_position_get_int64(pos, &at, &index) ||
                           !flowrt_position_get_int64(pos, &at, &hash)))
        return false;
    if (!flowrt_position_get_int64(pos, &at, &offset) ||
        !flowrt_position_get_int64(pos, &at, &line) || at != pos->len || offset < 0 || line < 1)
        return false;
    if (ts->is_pattern) {
        /* -1: nothing matched when the checkpoint was taken, so nothing
         * was read: the source starts at the first file, as it would. */
        if (index < 0)
            return true;
        if (index >= (int64_t)ts->files.gl_pathc ||
            name_hash(ts->files.gl_pathv[index]) != hash)
            return false;
        char *err = NULL;
        bool opened = open_file(ts, (int)index, &err);
        free(err);
        if (!opened)
            return false;
    }
    /* A restore seeks before the first poll: the header is read first, as
     * the column map comes from it. */
    if (!ts->started) {
        char *err = NULL;
        StartStatus st = start(ts, &err);
        free(err);
        if (st != START_DONE)
            return false;
    }
    if (!flowrt_readbuf_seek(&ts->rb, offset))
        return false;
    *next_line(ts) = line;
    return true;
}

static void text_close(Source *src)
{
    TextSource *ts = (TextSource *)src;
    if (ts->own_fd && ts->rb.buf)
        close(ts->rb.fd);
    flowrt_readbuf_free(&ts->rb);
    flowrt_csv_free(&ts->csv);
    flowrt_json_free(&ts->json);
    globfree(&ts->files);
    for (int i = 0; i < ts->nopened; i++)
        free(ts->opened[i]);
    free(ts->opened);
    free(ts->colmap);
    free(ts->fields);
    free(ts->line_rec);
    free(ts);
}

/* Whether path ends with suffix, before its compression extension if any. */
static bool ends_before(const char *path, const char *suffix)
{
    size_t n = strlen(path) - flowrt_compress_suffix(path), k = strlen(suffix);
    return n >= k && memcmp(path + n - k, suffix, k) == 0;
}

static Source *text_open(const FlowRuntime *rt, const FlowSourceDef *def, int index,
                         const ParamValues *params, char **err)
{
    static const char *const formats[] = { "csv", "jsonl", "json", NULL };
    static const char *const compressions[] = { "auto", "none", "gzip", "zstd", NULL };
    bool is_file = strcmp(def->conn.kind, "file") == 0;
    TextSource *ts = alloc_or_die(sizeof *ts);
    ConnArgs args;
    flowrt_connargs_init(&args, &def->conn, params);
    const char *path = is_file ? flowrt_connargs_text(&args, "path", NULL) : "stdin";
    /* The format goes by the extension before a compression's (.jsonl.gz). */
    int def_format = path && (ends_before(path, ".jsonl") || ends_before(path, ".json")) ? 1 : 0;
    ts->format = flowrt_connargs_choice(&args, "format", formats, def_format) == 0 ? FORMAT_CSV
                                                                           : FORMAT_JSONL;
    ts->header = flowrt_connargs_bool(&args, "header", true);
    ts->follow = is_file ? flowrt_connargs_bool(&args, "follow", false) : false;
    ts->compression =
        is_file ? compressions[flowrt_connargs_choice(&args, "compression", compressions, 0)]
                : "none";
    if (!path && !args.err)
        args.err = flowrt_connargs_message(&def->conn, "needs a path");
    flowrt_source_init(&ts->base, &flowrt_text_source_ops, def, index, path);
    flowrt_source_common_args(&ts->base, &args, true);
    if (!flowrt_connargs_finish(&args, err)) {
        if (ts->base.errors)
            fclose(ts->base.errors);
        free(ts);
        return NULL;
    }

    flowrt_csv_init(&ts->csv);
    flowrt_json_init(&ts->json, def->field_names, def->nfields);
    ts->json_line = 1;
    ts->fields = alloc_or_die((size_t)def->nfields * sizeof *ts->fields);
    ts->pattern = path;
    ts->own_fd = is_file;
    if (!is_file) {
        flowrt_readbuf_init(&ts->rb, STDIN_FILENO);
    } else {
        ts->base.file = NULL;
        ts->is_pattern = has_pattern(path);
        if (ts->is_pattern)
            list_files(ts);
        ts->current = -1;
        if (ts->is_pattern && ts->files.gl_pathc == 0 && !ts->follow) {
            *err = flowrt_connargs_message(&def->conn, "no file matches '%s'", path);
            flowrt_source_close(&ts->base);
            return NULL;
        }
        if ((!ts->is_pattern || ts->files.gl_pathc > 0) && !open_file(ts, 0, err)) {
            flowrt_source_close(&ts->base);
            return NULL;
        }
    }

    /* A bounded input's header is read now, so a missing column stops the
     * program before any record of any source; a followed file may not have
     * its header yet. */
    if (!ts->follow) {
        StartStatus s;
        while ((s = start(ts, err)) == START_WAIT && !(rt && flowrt_run_stop_requested(rt)))
            ;
        if (s == START_FAILED) {
            flowrt_source_close(&ts->base);
            return NULL;
        }
    }
    return &ts->base;
}

/* "data/clicks.csv:12", "stdin:3" */
static void text_describe(const Source *src, int32_t part, int64_t where, char *buf, size_t size)
{
    const TextSource *ts = (const TextSource *)src;
    const char *file = part < ts->nopened ? ts->opened[part] : src->file;
    snprintf(buf, size, "%s:%lld", file, (long long)where);
}

const SourceOps flowrt_text_source_ops = { text_open,  text_poll, text_position, text_seek,
                                           text_close, NULL,      text_describe };
