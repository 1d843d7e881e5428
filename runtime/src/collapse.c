/* collapse.c: the thread that collapses split huge pages between
 * checkpoints (collapse.h). It reads /proc/self/smaps, never the run's own
 * structures, so it shares nothing with the read loop but the few fields
 * below, under their mutex. */
#define _GNU_SOURCE
#include "collapse.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Linux 6.1's value (uapi asm-generic/mman-common.h), which glibc 2.36's
 * headers predate; an older kernel answers EINVAL, and nothing is lost. */
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

#define CHUNK (2UL << 20)
/* Regions smaller than this add little to a fork's pause. */
#define MIN_REGION (16UL << 20)
#define MAX_REGIONS 256

struct Collapser {
    pthread_t thread;
    pthread_mutex_t mutex;   /* held by the thread while it is inside madvise */
    pthread_cond_t wake;
    bool work, stop;         /* under mutex */
    atomic_bool hold;        /* a fork is coming: no more madvise until released */
};

typedef struct Region {
    unsigned long start, end;
} Region;

/* The regions advised for huge pages (VmFlags "hg") that hold 4 KiB pages:
 * their resident size is above their huge pages'. */
static int split_regions(Region *out, int max)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return 0;
    char line[512];
    int n = 0;
    unsigned long start = 0, end = 0, rss = 0, huge = 0;
    while (fgets(line, sizeof line, f) && n < max) {
        unsigned long a, b, kb;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &a, &b, perms) == 3) {
            start = a;
            end = b;
            rss = huge = 0;
        } else if (sscanf(line, "Rss: %lu kB", &kb) == 1) {
            rss = kb;
        } else if (sscanf(line, "AnonHugePages: %lu kB", &kb) == 1) {
            huge = kb;
        } else if (strncmp(line, "VmFlags:", 8) == 0) {
            /* Mostly resident, as state is: not a sparse reservation such as
             * a sanitizer's shadow memory, whose collapse would make it
             * resident (and get the process killed for its memory). */
            if (strstr(line, " hg") && end - start >= MIN_REGION && rss > huge + CHUNK / 1024 &&
                rss * 1024 >= (end - start) / 2)
                out[n++] = (Region){ start, end };
        }
    }
    fclose(f);
    return n;
}

/* One madvise, unless a fork is coming: checked again under the mutex, so
 * that once flowrt_collapser_hold has taken and given back the mutex, no
 * madvise runs until the release. */
static bool collapse_chunk(Collapser *c, unsigned long a)
{
    if (atomic_load(&c->hold))
        return false;
    pthread_mutex_lock(&c->mutex);
    bool go = !atomic_load(&c->hold) && !c->stop;
    if (go)
        (void)madvise((void *)a, CHUNK, MADV_COLLAPSE); /* advice: a failure is harmless */
    pthread_mutex_unlock(&c->mutex);
    return go;
}

static void *collapser_main(void *arg)
{
    Collapser *c = arg;
    /* Below the read loop: it takes the time the run leaves. */
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 15);
    Region regions[MAX_REGIONS];
    for (;;) {
        pthread_mutex_lock(&c->mutex);
        while (!c->stop && !c->work)
            pthread_cond_wait(&c->wake, &c->mutex);
        bool stop = c->stop;
        c->work = false;
        pthread_mutex_unlock(&c->mutex);
        if (stop)
            return NULL;
        int n = split_regions(regions, MAX_REGIONS);
        bool go = true;
        for (int i = 0; i < n && go; i++) {
            unsigned long a = (regions[i].start + CHUNK - 1) & ~(CHUNK - 1);
            for (; a + CHUNK <= regions[i].end && go; a += CHUNK)
                go = collapse_chunk(c, a);
        }
    }
}

/* AddressSanitizer maps shadow memory the kernel may collapse into resident
 * huge pages, which gets a process of a sanitized build killed for its
 * memory: there the thread is not started (longer pauses only). */
#if defined(__SANITIZE_ADDRESS__)
#define FLOWRT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FLOWRT_ASAN 1
#endif
#endif

Collapser *flowrt_collapser_start(void)
{
#ifdef FLOWRT_ASAN
    return NULL;
#endif
    Collapser *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    atomic_init(&c->hold, false);
    pthread_mutex_init(&c->mutex, NULL);
    pthread_cond_init(&c->wake, NULL);
    if (pthread_create(&c->thread, NULL, collapser_main, c) != 0) {
        pthread_mutex_destroy(&c->mutex);
        pthread_cond_destroy(&c->wake);
        free(c);
        return NULL;
    }
    return c;
}

void flowrt_collapser_kick(Collapser *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mutex);
    c->work = true;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->mutex);
}

void flowrt_collapser_hold(Collapser *c)
{
    if (!c)
        return;
    atomic_store(&c->hold, true);
    pthread_mutex_lock(&c->mutex); /* waits for the madvise in progress */
    pthread_mutex_unlock(&c->mutex);
}

void flowrt_collapser_release(Collapser *c)
{
    if (c)
        atomic_store(&c->hold, false);
}

void flowrt_collapser_stop(Collapser *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mutex);
    c->stop = true;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->mutex);
    pthread_join(c->thread, NULL);
    pthread_mutex_destroy(&c->mutex);
    pthread_cond_destroy(&c->wake);
    free(c);
}
