/* collapse.h: puts the huge pages of large state back together after a
 * checkpoint. A checkpoint's fork() copies page table entries, and copies
 * far fewer where state lies in 2 MiB pages (flow_state_alloc_large); but
 * while the writer child lives, every page the run writes is copied on
 * write, and the kernel splits a huge page to copy 4 KiB of it. Without
 * this, after a few checkpoints the state is all 4 KiB pages and each fork
 * of a 1 GB state stops the run for tens of milliseconds. A thread of low
 * priority collapses the split regions again (MADV_COLLAPSE) between
 * checkpoints (docs/checkpoints.md, "The pause"). */
#ifndef FLOWRT_COLLAPSE_H
#define FLOWRT_COLLAPSE_H

typedef struct Collapser Collapser;

/* Starts the thread; NULL when it cannot start, and in a build with
 * AddressSanitizer (collapse.c says why). Where the kernel cannot
 * collapse (before Linux 6.1) its madvise calls fail and change nothing:
 * checkpoints work the same, with longer pauses. */
Collapser *flowrt_collapser_start(void);
/* A writer child has ended: collapse what it made the kernel split. */
void flowrt_collapser_kick(Collapser *c);
/* A fork is coming: returns once the thread is between two regions and
 * stays there until flowrt_collapser_release. */
void flowrt_collapser_hold(Collapser *c);
void flowrt_collapser_release(Collapser *c);
void flowrt_collapser_stop(Collapser *c);

#endif
