/* rt_testutil.h: helpers shared by the runtime's cmocka tests: a scratch
 * directory, whole-file reads and writes, and running a function with
 * stderr captured. Header-only, since each test file is its own program. */
#ifndef RT_TESTUTIL_H
#define RT_TESTUTIL_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char testutil_dir[256];

/* A fresh directory under /tmp; paths below are relative to it. */
static inline const char *test_dir(void)
{
    if (!testutil_dir[0]) {
        snprintf(testutil_dir, sizeof testutil_dir, "/tmp/flowrt-test-XXXXXX");
        if (!mkdtemp(testutil_dir))
            abort();
    }
    return testutil_dir;
}

static inline char *test_path(const char *name)
{
    static char paths[8][512];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 512, "%s/%s", test_dir(), name);
    return p;
}

static inline void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
        abort();
}

/* The whole file, NUL-terminated (caller frees); NULL if it does not exist. */
static inline char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0, n;
    char *buf = malloc(cap);
    while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* Redirects fd `fd` to a file until capture_end, which returns what was
 * written (caller frees). */
typedef struct Capture {
    int fd, saved;
    char path[512];
} Capture;

static inline void capture_begin(Capture *c, int fd)
{
    static int n;
    char name[64];
    snprintf(name, sizeof name, "capture-%d-%d", fd, n++);
    snprintf(c->path, sizeof c->path, "%s", test_path(name));
    fflush(NULL);
    c->fd = fd;
    c->saved = dup(fd);
    int out = open(c->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out, fd);
    close(out);
}

static inline char *capture_end(Capture *c)
{
    fflush(NULL);
    dup2(c->saved, c->fd);
    close(c->saved);
    return read_file(c->path);
}

#endif
