/* sink_file.c: the destinations that are file descriptors, file(...) and
 * stdout(...) (flowrt_file_sink_ops, flowrt_stdout_sink_ops). Both hand
 * records to write(2). A file is created or emptied at open; it commits with
 * fsync, and its position is its length, to which restore cuts it back
 * (ftruncate). stdout is one Output per runtime; it commits what it wrote but
 * cannot be cut back, and is not fsync'd: its durability belongs to whoever
 * redirected it (a pipe or a terminal has none). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "connectors.h"
#include "fault.h"

typedef struct FileOutput {
    Output base;
    int fd;
    bool owns_fd;
    int64_t bytes; /* what write(2) took: the file's length */
} FileOutput;

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
    return &fo->base;
}

static Output *file_open(const FlowSinkDef *def, ConnArgs *args, bool keep, char **err)
{
    const char *path = flowrt_connargs_text(args, "path", NULL);
    if (!path && !args->err)
        args->err = flowrt_connargs_message(&def->conn, "needs a path");
    if (!flowrt_connargs_finish(args, err))
        return NULL;
    flowrt_output_make_parent_dirs(path);
    int fd = open(path, O_WRONLY | O_CREAT | (keep ? 0 : O_TRUNC), 0666);
    struct stat st;
    /* A kept file is written on at its end; a FIFO or device has none. */
    if (fd < 0 || fstat(fd, &st) != 0 || (S_ISREG(st.st_mode) && lseek(fd, 0, SEEK_END) < 0)) {
        *err = flowrt_connargs_message(&def->conn, "cannot create '%s': %s", path,
                                       strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    Output *out = fd_output(&flowrt_file_sink_ops, fd, true, path);
    ((FileOutput *)out)->bytes = S_ISREG(st.st_mode) ? (int64_t)st.st_size : 0;
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

static int fd_write(Output *out, const char *bytes, size_t n)
{
    FileOutput *fo = (FileOutput *)out;
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

/* write(2) has already handed every byte to the kernel. */
static int fd_flush(Output *out)
{
    (void)out;
    return 0;
}

static int file_commit(Output *out, Position *pos)
{
    FileOutput *fo = (FileOutput *)out;
    if (fsync(fo->fd) != 0)
        return errno;
    if (flowrt_fault("sink-fsync"))
        return EIO;
    flowrt_position_put_int64(pos, fo->bytes);
    return 0;
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
    int64_t len;
    if (!flowrt_position_get_int64(pos, &at, &len) || at != pos->len || len < 0 ||
        len > fo->bytes)
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
    int error = fo->owns_fd && close(fo->fd) != 0 ? errno : 0;
    flowrt_output_free(out);
    free(fo);
    return error;
}

const SinkOps flowrt_file_sink_ops = {
    file_open, fd_write, fd_flush, file_commit, file_restore, fd_close, false, false,
    NULL, NULL, NULL, NULL, NULL,
};
const SinkOps flowrt_stdout_sink_ops = {
    stdout_open, fd_write, fd_flush, stdout_commit, stdout_restore, fd_close, true, false,
    NULL, NULL, NULL, NULL, NULL,
};
