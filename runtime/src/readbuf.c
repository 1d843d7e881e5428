/* readbuf.c: refilling a source's read buffer, through a decompressor for
 * compressed files. */
#include "readbuf.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "compress.h"

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
    rb->codec = NULL;
    rb->dec = NULL;
    rb->zbuf = NULL;
    rb->zstart = rb->zend = rb->zcap = 0;
    rb->end_is_final = false;
    rb->why = NULL;
}

bool flowrt_readbuf_decompress(ReadBuf *rb, const CompressOps *codec)
{
    rb->codec = codec;
    rb->dec = codec->dec_new();
    rb->zcap = READ_BUFFER_SIZE / 4;
    rb->zbuf = malloc(rb->zcap);
    return rb->dec && rb->zbuf;
}

void flowrt_readbuf_free(ReadBuf *rb)
{
    free(rb->buf);
    rb->buf = NULL;
    if (rb->codec)
        rb->codec->dec_free(rb->dec);
    rb->dec = NULL;
    free(rb->zbuf);
    rb->zbuf = NULL;
}

const char *flowrt_readbuf_error(const ReadBuf *rb)
{
    return rb->why ? rb->why : strerror(errno);
}

/* Waits at most wait_ms for the input and reads once into [at, at + room). */
static ReadStatus read_some(ReadBuf *rb, char *at, size_t room, int wait_ms, size_t *got)
{
    /* A regular file is always ready; a pipe may stay silent for long. */
    struct pollfd pfd = { .fd = rb->fd, .events = POLLIN };
    int ready = poll(&pfd, 1, wait_ms);
    if (ready < 0)
        return errno == EINTR ? READ_INTERRUPTED : READ_ERROR;
    if (ready == 0)
        return READ_WAIT;
    ssize_t n = read(rb->fd, at, room);
    if (n < 0)
        return errno == EINTR ? READ_INTERRUPTED : READ_ERROR;
    *got = (size_t)n;
    return READ_OK;
}

/* Decompresses into the free end of the buffer, reading compressed bytes
 * when the decompressor has used up what it had. */
static ReadStatus fill_decompressed(ReadBuf *rb, int wait_ms)
{
    for (;;) {
        size_t used, made;
        if (!rb->codec->dec_run(rb->dec, rb->zbuf + rb->zstart, rb->zend - rb->zstart, &used,
                                rb->buf + rb->end, rb->cap - rb->end, &made, &rb->why))
            return READ_ERROR;
        rb->zstart += used;
        rb->end += made;
        if (made > 0) {
            rb->eof = false;
            return READ_OK;
        }
        memmove(rb->zbuf, rb->zbuf + rb->zstart, rb->zend - rb->zstart);
        rb->zend -= rb->zstart;
        rb->zstart = 0;
        size_t got = 0;
        ReadStatus st = read_some(rb, rb->zbuf + rb->zend, rb->zcap - rb->zend, wait_ms, &got);
        if (st != READ_OK)
            return st;
        if (got == 0) {
            if (rb->end_is_final && !rb->codec->dec_at_end(rb->dec)) {
                rb->why = "the compressed data ends in the middle of a stream "
                          "(a truncated file)";
                return READ_ERROR;
            }
            rb->eof = true;
            return READ_EOF;
        }
        rb->zend += got;
    }
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
    rb->why = NULL;
    if (rb->codec)
        return fill_decompressed(rb, wait_ms);
    size_t n = 0;
    ReadStatus st = read_some(rb, rb->buf + rb->end, rb->cap - rb->end, wait_ms, &n);
    if (st != READ_OK)
        return st;
    if (n == 0) {
        rb->eof = true;
        return READ_EOF;
    }
    rb->eof = false;
    rb->end += n;
    return READ_OK;
}

/* A compressed file has no offsets to seek to: it is read again from its
 * start, and what comes before `offset` is dropped. */
static bool seek_decompressed(ReadBuf *rb, int64_t offset)
{
    if (lseek(rb->fd, 0, SEEK_SET) < 0)
        return false;
    rb->codec->dec_reset(rb->dec);
    rb->zstart = rb->zend = 0;
    rb->start = rb->end = 0;
    rb->base_offset = 0;
    rb->eof = false;
    while (rb->base_offset + (int64_t)rb->end < offset) {
        rb->start = rb->end;
        ReadStatus st = flowrt_readbuf_fill(rb, -1);
        if (st == READ_INTERRUPTED)
            continue;
        if (st != READ_OK)
            return false;
    }
    rb->start = (size_t)(offset - rb->base_offset);
    return true;
}

bool flowrt_readbuf_seek(ReadBuf *rb, int64_t offset)
{
    if (rb->codec)
        return seek_decompressed(rb, offset);
    if (lseek(rb->fd, (off_t)offset, SEEK_SET) < 0)
        return false;
    rb->start = rb->end = 0;
    rb->base_offset = offset;
    rb->eof = false;
    return true;
}
