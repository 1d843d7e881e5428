/* fault.c: fault injection points (fault.h). The hit counters are the only
 * process-wide state besides the signal counter; they exist for tests, which
 * run one program per process. */
#include "fault.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POINTS 8

static atomic_int hits[MAX_POINTS];

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
