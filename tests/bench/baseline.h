/* baseline.h: what the hand-written baseline programs share: buffered
 * output to stdout with integer and timestamp formatting, and libflowrt's
 * generator algorithm (splitmix64, rejection sampling for uniform draws)
 * written out by hand, so that each baseline draws exactly the records its
 * flowc program reads. Every baseline is one C file that includes this. */
#ifndef FLOW_BENCH_BASELINE_H
#define FLOW_BENCH_BASELINE_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* ---- output -------------------------------------------------------------- */

static char out_buf[256 * 1024];
static size_t out_len;

static inline void out_flush(void)
{
    size_t done = 0;
    while (done < out_len) {
        ssize_t n = write(STDOUT_FILENO, out_buf + done, out_len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("write");
            exit(1);
        }
        done += (size_t)n;
    }
    out_len = 0;
}

static inline char *put_int64(char *o, int64_t v)
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do
        tmp[n++] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        *o++ = '-';
    while (n)
        *o++ = tmp[--n];
    return o;
}

static inline char *put2(char *o, int v)
{
    o[0] = (char)('0' + v / 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm). */
static inline void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Years 0000-9999 only: the benchmark's timestamps are all in 2024. */
static inline char *put_timestamp(char *o, int64_t ms)
{
    int64_t days = ms / 86400000, rem = ms % 86400000;
    if (rem < 0) {
        rem += 86400000;
        days--;
    }
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    int sec = (int)(rem / 1000), msec = (int)(rem % 1000);
    o = put2(o, (int)(y / 100));
    o = put2(o, (int)(y % 100));
    *o++ = '-';
    o = put2(o, m);
    *o++ = '-';
    o = put2(o, d);
    *o++ = 'T';
    o = put2(o, sec / 3600);
    *o++ = ':';
    o = put2(o, sec / 60 % 60);
    *o++ = ':';
    o = put2(o, sec % 60);
    *o++ = '.';
    *o++ = (char)('0' + msec / 100);
    o = put2(o, msec % 100);
    *o++ = 'Z';
    return o;
}

/* ---- the generator (the algorithm of runtime/include/flow/generator.h) ----- */

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline uint64_t next64(uint64_t *state)
{
    *state += 0x9E3779B97F4A7C15ULL;
    return mix64(*state);
}

static inline uint64_t uniform(uint64_t *state, uint64_t k)
{
    uint64_t threshold = (0 - k) % k, x;
    do
        x = next64(state);
    while (x < threshold);
    return x % k;
}

#endif
