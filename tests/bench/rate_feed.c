/* rate_feed.c: writes CSV events `k,v,ts` to stdout at a fixed rate for the
 * latency benchmark (run_latency_bench.sh): RATE events a second for SECONDS,
 * in steps of 100 us, each step's events written at once when its time
 * comes (absolute deadlines, so a late step does not slow the rate), ts the
 * wall clock in epoch ms, k one of 1000 keys.
 *
 *   rate_feed RATE SECONDS */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define STEP_NS 100000

static int64_t ns_of(const struct timespec *t)
{
    return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: rate_feed RATE SECONDS\n");
        return 2;
    }
    int64_t rate = strtoll(argv[1], NULL, 10), seconds = strtoll(argv[2], NULL, 10);
    int64_t steps = seconds * (1000000000 / STEP_NS), sent = 0;
    static char buf[1 << 20];
    struct timespec start, real;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int64_t s = 1; s <= steps; s++) {
        int64_t deadline = ns_of(&start) + s * STEP_NS;
        struct timespec at = { (time_t)(deadline / 1000000000), (long)(deadline % 1000000000) };
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL);
        clock_gettime(CLOCK_REALTIME, &real);
        int64_t ms = ns_of(&real) / 1000000, due = rate * seconds * s / steps;
        size_t len = 0;
        for (; sent < due && len < sizeof buf - 64; sent++)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "k%lld,%lld,%lld\n",
                                    (long long)(sent % 1000), (long long)(sent % 97),
                                    (long long)ms);
        for (size_t off = 0; off < len;) {
            ssize_t n = write(1, buf + off, len - off);
            if (n <= 0)
                return 1;
            off += (size_t)n;
        }
    }
    return 0;
}
