/* sink_file.c: the destinations that are file descriptors, file(...) and
 * stdout(...) (flowrt_file_sink_ops, flowrt_stdout_sink_ops). Both hand
 * records to write(2). A file is created or emptied at open; it commits with
 * fsync, and its position is its length, to which restore cuts it back
 * (ftruncate). stdout is one Output per runtime; it commits what it wrote but
 * cannot be cut back, and is not fsync'd: its durability belongs to whoever
 * redirected it (a pipe or a terminal has none). A compressed file goes
 * through its algorithm (compress.h), which ends a member at every commit:
 * the committed length is always the end of a whole member. A rolling file
 * (roll_size=, roll_every=) is parts whose path has the part's index in
 * place of `{index}`, each with its own header; its position is the part
 * and its length (docs/language.md, "Rolling files"). */
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
#include "fault.h"

typedef struct FileOutput {
    Output base;
    int fd;
    bool owns_fd;
    int64_t bytes; /* what write(2) took: the file's length */
    const CompressOps *codec; /* NULL: written as is */
    void *enc;
    /* Rolling: the path with {index}, NULL when the file does not roll. */
    const char *pattern;
    int64_t part;            /* the index of the part being written */
    int64_t roll_size;       /* bytes after which a part is closed; 0: no limit */
    int64_t roll_ms;         /* ms after which a part is closed; 0: no limit */
    int64_t part_opened_ms;  /* when the part being written was begun */
} FileOutput;

#define PART_MARK "{index}"

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

static Output *fd_output(const SinkOps *ops, int fd, bool owns_fd, const char *label)
{
    FileOutput *fo = malloc(sizeof *fo);
    if (!fo) {
        fprintf(stderr, "flow: out of memory (sink)\n");
        abort();
    }
    flowrt_output_init(&fo->base, ops, label);
    fo->fd = fd;
    fo->owns_fd = owns_fd;
    fo->bytes = 0;
    fo->codec = NULL;
    fo->enc = NULL;
    fo->pattern = NULL;
    fo->part = 0;
    fo->roll_size = fo->roll_ms = 0;
    fo->part_opened_ms = 0;
    return &fo->base;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The path of part `index` of a rolling file: its index in six digits at
 * least (part-000042.csv), so that names sort in order. */
static char *part_path(const char *pattern, int64_t index)
{
    const char *mark = strstr(pattern, PART_MARK);
    size_t head = (size_t)(mark - pattern);
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%06lld", (long long)index);
    size_t size = strlen(pattern) - strlen(PART_MARK) + (size_t)n + 1;
    char *path = malloc(size);
    if (!path) {
        fprintf(stderr, "flow: out of memory (sink)\n");
        abort();
    }
    snprintf(path, size, "%.*s%s%s", (int)head, pattern, digits, mark + strlen(PART_MARK));
    return path;
}

/* Parts after `index` that an earlier run left would mix old output with
 * new: every file the pattern names with a larger number goes. */
static void remove_parts_after(const char *pattern, int64_t index)
{
    const char *mark = strstr(pattern, PART_MARK);
    size_t head = (size_t)(mark - pattern), tail = strlen(mark + strlen(PART_MARK));
    char *wild = part_path(pattern, 0);
    snprintf(wild + head, strlen(wild) - head + 1, "*%s", mark + strlen(PART_MARK));
    glob_t g;
    if (glob(wild, 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            const char *path = g.gl_pathv[i];
            size_t len = strlen(path);
            if (len <= head + tail || strncmp(path, pattern, head) != 0)
                continue;
            const char *digits = path + head, *end = path + len - tail;
            bool number = true;
            for (const char *c = digits; c < end; c++)
                number &= *c >= '0' && *c <= '9';
            if (number && end - digits < 19 && strtoll(digits, NULL, 10) > index)
                unlink(path);
        }
        globfree(&g);
    }
    free(wild);
}

/* Opens path for writing at its end, emptied unless `keep`; the descriptor
 * and the file's length, or -1 and errno. */
static int open_for_append(const char *path, bool keep, int64_t *length)
{
    flowrt_output_make_parent_dirs(path);
    int fd = open(path, O_WRONLY | O_CREAT | (keep ? 0 : O_TRUNC), 0666);
    struct stat st;
    /* A kept file is written on at its end; a FIFO or device has none. */
    if (fd < 0 || fstat(fd, &st) != 0 || (S_ISREG(st.st_mode) && lseek(fd, 0, SEEK_END) < 0)) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        errno = e;
        return -1;
    }
    *length = S_ISREG(st.st_mode) ? (int64_t)st.st_size : 0;
    return fd;
}

/* Makes part `index` of a rolling file the one written, emptied unless
 * `keep`; 0 or an errno. */
static int open_part(FileOutput *fo, int64_t index, bool keep)
{
    char *path = part_path(fo->pattern, index);
    int64_t length;
    int fd = open_for_append(path, keep, &length);
    int e = errno;
    free(path);
    if (fd < 0)
        return e;
    if (fo->fd >= 0)
        close(fo->fd);
    fo->fd = fd;
    fo->bytes = length;
    fo->part = index;
    fo->part_opened_ms = now_ms();
    return 0;
}

static int fd_close(Output *out);

static Output *file_open(const FlowSinkDef *def, ConnArgs *args, bool keep, char **err)
{
    static const char *const compressions[] = { "auto", "none", "gzip", "zstd", NULL };
    const char *path = flowrt_connargs_text(args, "path", NULL);
    const char *mode = compressions[flowrt_connargs_choice(args, "compression", compressions, 0)];
    int64_t roll_size = flowrt_connargs_int(args, "roll_size", 0, 1);
    int64_t roll_ms = flowrt_connargs_int(args, "roll_every", 0, 1);
    if (!path && !args->err)
        args->err = flowrt_connargs_message(&def->conn, "needs a path");
    if (!flowrt_connargs_finish(args, err))
        return NULL;
    bool rolls = roll_size > 0 || roll_ms > 0;
    if (rolls && !strstr(path, PART_MARK)) {
        *err = flowrt_connargs_message(&def->conn, "a rolling file's path needs %s, where each "
                                                   "part's number goes ('%s')",
                                       PART_MARK, path);
        return NULL;
    }
    const CompressOps *codec;
    if (!flowrt_compress_pick(&def->conn, mode, path, NULL, 0, &codec, err))
        return NULL;
    void *enc = codec ? codec->enc_new() : NULL;
    if (codec && !enc) {
        *err = flowrt_connargs_message(&def->conn, "out of memory (%s)", codec->name);
        return NULL;
    }
    Output *out = fd_output(&flowrt_file_sink_ops, -1, true, path);
    FileOutput *fo = (FileOutput *)out;
    fo->codec = codec;
    fo->enc = enc;
    int e = 0;
    if (rolls) {
        fo->pattern = path;
        fo->roll_size = roll_size;
        fo->roll_ms = roll_ms;
        /* A restore picks its part itself (file_restore). */
        e = open_part(fo, 0, keep);
        if (!e && !keep)
            remove_parts_after(path, 0);
    } else {
        fo->fd = open_for_append(path, keep, &fo->bytes);
        e = fo->fd < 0 ? errno : 0;
    }
    if (e) {
        *err = flowrt_connargs_message(&def->conn, "cannot create '%s': %s", path, strerror(e));
        fd_close(out);
        return NULL;
    }
    return out;
}

static Output *stdout_open(const FlowSinkDef *def, ConnArgs *args, bool keep, char **err)
{
    (void)def;
    (void)keep;
    if (!flowrt_connargs_finish(args, err))
        return NULL;
    return fd_output(&flowrt_stdout_sink_ops, STDOUT_FILENO, false, "stdout");
}

/* Hands every byte to write(2); 0 or its errno. */
static int write_all(void *ctx, const char *bytes, size_t n)
{
    FileOutput *fo = ctx;
    size_t done = 0;
    while (done < n) {
        ssize_t k = flowrt_fault("sink-write") ? (errno = ENOSPC, -1)
                                               : write(fo->fd, bytes + done, n - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            fo->bytes += (int64_t)done;
            return errno;
        }
        done += (size_t)k;
    }
    fo->bytes += (int64_t)n;
    return 0;
}

static int put(FileOutput *fo, const char *bytes, size_t n)
{
    return fo->codec ? fo->codec->enc_run(fo->enc, bytes, n, COMPRESS_MORE, write_all, fo)
                     : write_all(fo, bytes, n);
}

static int end_member(FileOutput *fo);

/* A part is closed at the first write after it holds roll_size bytes or is
 * roll_every old, never one that holds no record; the next begins with the
 * header. In a checkpointed run the closed part is made durable first, as a
 * commit only syncs the part it is in. */
static int roll_if_due(FileOutput *fo)
{
    size_t header = fo->base.header_len;
    bool full = fo->roll_size > 0 && fo->bytes >= fo->roll_size;
    bool old = fo->roll_ms > 0 && now_ms() - fo->part_opened_ms >= fo->roll_ms;
    if (!fo->pattern || fo->bytes <= (int64_t)header || (!full && !old))
        return 0;
    int e = end_member(fo);
    if (!e && fo->base.epochs && fsync(fo->fd) != 0)
        e = errno;
    if (!e)
        e = open_part(fo, fo->part + 1, false);
    if (!e && header)
        e = put(fo, fo->base.header, header);
    return e;
}

static int fd_write(Output *out, const char *bytes, size_t n)
{
    FileOutput *fo = (FileOutput *)out;
    int e = roll_if_due(fo);
    return e ? e : put(fo, bytes, n);
}

/* write(2) has already handed every byte to the kernel; a compressor's are
 * pushed out so that a reader of the file sees them. */
static int fd_flush(Output *out)
{
    FileOutput *fo = (FileOutput *)out;
    return fo->codec ? fo->codec->enc_run(fo->enc, NULL, 0, COMPRESS_FLUSH, write_all, fo) : 0;
}

/* Ends the compressed member, so the file may end here: at a checkpoint and
 * at close. */
static int end_member(FileOutput *fo)
{
    return fo->codec ? fo->codec->enc_run(fo->enc, NULL, 0, COMPRESS_END, write_all, fo) : 0;
}

static int file_commit(Output *out, Position *pos)
{
    FileOutput *fo = (FileOutput *)out;
    if (fsync(fo->fd) != 0)
        return errno;
    if (flowrt_fault("sink-fsync"))
        return EIO;
    if (fo->pattern)
        flowrt_position_put_int64(pos, fo->part);
    flowrt_position_put_int64(pos, fo->bytes);
    return 0;
}

/* At a checkpoint's fork, in the run: commit runs in the checkpoint's
 * writer (docs/checkpoints.md), which must not write, so a compressed
 * file's member ends here, and the length commit saves is a member's end. */
static int file_prepare(Output *out, int64_t id)
{
    (void)id;
    return end_member((FileOutput *)out);
}

static int stdout_commit(Output *out, Position *pos)
{
    flowrt_position_put_int64(pos, ((FileOutput *)out)->bytes);
    return 0;
}

static int file_restore(Output *out, const Position *pos)
{
    FileOutput *fo = (FileOutput *)out;
    size_t at = 0;
    int64_t part = 0, len;
    if (fo->pattern && (!flowrt_position_get_int64(pos, &at, &part) || part < 0))
        return EINVAL;
    if (!flowrt_position_get_int64(pos, &at, &len) || at != pos->len || len < 0)
        return EINVAL;
    if (fo->pattern) {
        int e = open_part(fo, part, true);
        if (e)
            return e;
        remove_parts_after(fo->pattern, part);
    }
    if (len > fo->bytes)
        return EINVAL;
    if (ftruncate(fo->fd, (off_t)len) != 0 || lseek(fo->fd, (off_t)len, SEEK_SET) < 0)
        return errno;
    fo->bytes = len;
    return 0;
}

/* What went to a pipe or terminal cannot be taken back: the records since
 * the checkpoint come out again (at-least-once, docs/checkpoints.md). */
static int stdout_restore(Output *out, const Position *pos)
{
    (void)out;
    (void)pos;
    return 0;
}

static int fd_close(Output *out)
{
    FileOutput *fo = (FileOutput *)out;
    int error = fo->fd >= 0 ? end_member(fo) : 0;
    if (fo->codec)
        fo->codec->enc_free(fo->enc);
    if (fo->owns_fd && fo->fd >= 0 && close(fo->fd) != 0 && !error)
        error = errno;
    flowrt_output_free(out);
    free(fo);
    return error;
}

const SinkOps flowrt_file_sink_ops = {
    file_open, fd_write, fd_flush, file_commit, file_restore, fd_close, false, false,
    NULL, NULL, file_prepare, NULL,
};
const SinkOps flowrt_stdout_sink_ops = {
    stdout_open, fd_write, fd_flush, stdout_commit, stdout_restore, fd_close, true, false,
    NULL, NULL, NULL, NULL,
};
