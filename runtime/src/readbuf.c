/* readbuf.c: refilling a source's read buffer. */
#include "readbuf.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* READ_BUFFER_SIZE, or what FLOW_READ_BUFFER_SIZE asks for (readbuf.h). */
static size_t initial_size(void)
{
    const char *text = getenv("FLOW_READ_BUFFER_SIZE");
    if (!text)
        return READ_BUFFER_SIZE;
    unsigned long long size = strtoull(text, NULL, 10);
    return size > 16 ? (size_t)size : 16;
}

void flowrt_readbuf_init(ReadBuf *rb, int fd)
{
    rb->fd = fd;
    rb->cap = initial_size();
    rb->buf = malloc(rb->cap);
    if (!rb->buf) {
        fprintf(stderr, "flow: out of memory (read buffer)\n");
        abort();
    }
    rb->start = rb->end = 0;
    rb->base_offset = 0;
    rb->eof = false;
}

void flowrt_readbuf_free(ReadBuf *rb)
{
    free(rb->buf);
    rb->buf = NULL;
}

ReadStatus flowrt_readbuf_fill(ReadBuf *rb, int wait_ms)
{
    if (rb->start > 0) {
        memmove(rb->buf, rb->buf + rb->start, rb->end - rb->start);
        rb->base_offset += (int64_t)rb->start;
        rb->end -= rb->start;
        rb->start = 0;
    }
    if (rb->end == rb->cap) {
        size_t cap = rb->cap * 2;
        char *buf = realloc(rb->buf, cap);
        if (!buf) {
            fprintf(stderr, "flow: out of memory (a record of more than %zu bytes)\n", rb->cap);
            abort();
        }
        rb->buf = buf;
        rb->cap = cap;
    }
    /* A regular file is always ready; a pipe may stay silent for long. */
    struct pollfd pfd = { .fd = rb->fd, .events = POLLIN };
    int ready = poll(&pfd, 1, wait_ms);
    if (ready < 0)
        return errno == EINTR ? READ_INTERRUPTED : READ_ERROR;
    if (ready == 0)
        return READ_WAIT;
    ssize_t n = read(rb->fd, rb->buf + rb->end, rb->cap - rb->end);
    if (n < 0)
        return errno == EINTR ? READ_INTERRUPTED : READ_ERROR;
    if (n == 0) {
        rb->eof = true;
        return READ_EOF;
    }
    rb->eof = false;
    rb->end += (size_t)n;
    return READ_OK;
}

bool flowrt_readbuf_seek(ReadBuf *rb, int64_t offset)
{
    if (lseek(rb->fd, (off_t)offset, SEEK_SET) < 0)
        return false;
    rb->start = rb->end = 0;
    rb->base_offset = offset;
    rb->eof = false;
    return true;
}
