/* fault.c: fault injection points (fault.h). The hit counters are the only
 * process-wide state besides the signal counter; they exist for tests, which
 * run one program per process. */
#define _GNU_SOURCE
#include "fault.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MAX_POINTS 8

static atomic_int own_hits[MAX_POINTS];
static atomic_int *hits = own_hits;

/* The counters are shared with the checkpoint writers, which are fork()ed
 * children of the run and hit "enospc", "fsync" and the kills: a copy in
 * each child would count from the run's count every time, and NAME@N would
 * never reach N there. Mapped before main, so before the first fork. */
__attribute__((constructor)) static void share_hits(void)
{
    const char *spec = getenv("FLOW_FAULT");
    if (!spec || !*spec)
        return;
    void *p = mmap(NULL, sizeof *hits * MAX_POINTS, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED)
        hits = p;
}

bool flowrt_fault(const char *name)
{
    const char *spec = getenv("FLOW_FAULT");
    if (!spec || !*spec)
        return false;
    size_t len = strlen(name);
    int k = 0;
    for (const char *p = spec; *p && k < MAX_POINTS; k++) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n >= len && strncmp(p, name, len) == 0 && (n == len || p[len] == '@')) {
            int nth = n == len ? 0 : atoi(p + len + 1);
            int hit = atomic_fetch_add(&hits[k], 1) + 1;
            return nth == 0 || hit == nth;
        }
        p += n + (end ? 1 : 0);
    }
    return false;
}

void flowrt_fault_kill(void)
{
    kill(0, SIGKILL);
    abort();
}
