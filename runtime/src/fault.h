/* fault.h: fault injection for the tests of checkpoints and sinks
 * (docs/checkpoints.md, "Faults"). FLOW_FAULT is a comma-separated list of
 * points, each NAME (fails every time) or NAME@N (fails the Nth time only);
 * the points are named where they are tested: "enospc", "fsync",
 * "kill-before-rename", "kill-after-rename" in ckpt.c, "sink-write" and
 * "sink-fsync" in sink_file.c, "store-copy" and "store-copy-slow" in kv.c. Without FLOW_FAULT every test is one getenv
 * at the first call, and nothing fails. */
#ifndef FLOWRT_FAULT_H
#define FLOWRT_FAULT_H

#include <stdbool.h>

/* Whether the point `name` fails this time. */
bool flowrt_fault(const char *name);
/* A kill -9 of the whole program at this point: its process group, so a
 * writer child and the run it belongs to die together. */
_Noreturn void flowrt_fault_kill(void);

#endif
