/* readbuf.h: the read buffer of a text source (file or stdin). It owns one
 * large buffer (1 MiB by default) filled with read(2); the CSV and JSON
 * readers parse records in place and only ask for more input when a record
 * runs past the end of what has been read. Bytes of the current record stay
 * where they are until the next fill, so fields may point into the buffer.
 * A compressed file is read through its algorithm (compress.h): the buffer
 * holds the decompressed bytes, and offsets count those. */
#ifndef FLOWRT_READBUF_H
#define FLOWRT_READBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Initial size of every read buffer. Tests lower it with the environment
 * variable FLOW_READ_BUFFER_SIZE=BYTES (at least 16) to exercise records
 * that straddle the end of the buffer: a setting of the process read at
 * each open, not a variable, so runs on other threads cannot race on it. */
#define READ_BUFFER_SIZE ((size_t)1 << 20)

typedef struct ReadBuf {
    int fd;
    char *buf;
    size_t cap;
    size_t start;        /* first unconsumed byte */
    size_t end;          /* one past the last byte read */
    int64_t base_offset; /* input offset of buf[0] */
    bool eof;            /* read(2) returned 0 on the last fill */
    /* Compressed input: NULL when the bytes read are the input. */
    const struct CompressOps *codec;
    void *dec;
    char *zbuf;          /* compressed bytes read, [zstart, zend) not yet decompressed */
    size_t zstart, zend, zcap;
    /* At the end of the input, a stream that stops inside a member is an
     * error (a bounded file), not input still to come (follow=true). */
    bool end_is_final;
    const char *why;     /* what READ_ERROR means when errno does not say it */
} ReadBuf;

typedef enum ReadStatus {
    READ_OK,          /* more bytes are in the buffer */
    READ_EOF,         /* nothing more for now (end of file or of the pipe) */
    READ_INTERRUPTED, /* a signal arrived; try again unless stopping */
    READ_WAIT,        /* nothing arrived within the wait; the input is open */
    READ_ERROR,       /* errno says why */
} ReadStatus;

void flowrt_readbuf_init(ReadBuf *rb, int fd);
/* Reads the input through `codec` from now on; false when out of memory. */
bool flowrt_readbuf_decompress(ReadBuf *rb, const struct CompressOps *codec);
/* Why the last fill gave READ_ERROR: errno's text, or the decompressor's. */
const char *flowrt_readbuf_error(const ReadBuf *rb);
void flowrt_readbuf_free(ReadBuf *rb);
/* How long a fill waits for a pipe or terminal before it gives the read loop
 * back (READ_WAIT), so that timers fire while such an input is silent. */
#define READ_WAIT_MS 10

/* Keeps [start, end), moves it to the front, grows the buffer when it is
 * full (a record longer than the buffer), and reads once, waiting at most
 * `wait_ms` for input to arrive (0: only what is ready now). */
ReadStatus flowrt_readbuf_fill(ReadBuf *rb, int wait_ms);
/* Input offset of the next unconsumed byte. */
static inline int64_t readbuf_position(const ReadBuf *rb)
{
    return rb->base_offset + (int64_t)rb->start;
}
/* Drops the buffered bytes and continues reading at `offset` (lseek; in a
 * compressed file, decompressing it again from its start up to there). */
bool flowrt_readbuf_seek(ReadBuf *rb, int64_t offset);

#endif
