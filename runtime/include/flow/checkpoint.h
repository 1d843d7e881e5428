/* flow/checkpoint.h: what the generated snapshot and restore functions of a
 * stateful operator call to save its state into a checkpoint and to build it
 * again from one (docs/checkpoints.md has the design, the protocol and the
 * file format).
 *
 * A checkpoint is taken between two rounds of the read loop, in a child
 * process fork()ed from the program, so the state it walks is a frozen
 * copy-on-write image and the program goes on meanwhile. The runtime saves
 * what it owns itself (source positions, watermarks, every operator's
 * watermark, counters, sink positions) and then calls each operator's
 * FlowOperatorDef.snapshot, which writes the operator's items with the
 * flow_ckpt_put_* calls below. On restore, before the first record, the
 * runtime has set the watermarks back and calls FlowOperatorDef.restore on
 * the empty operator, which reads the same values back in the same order
 * with flow_ckpt_get_*, rebuilds its items and sets their timers again.
 *
 * Timers: flow_timers_pending lists an operator's pending timers in the
 * order they will fire. A snapshot that writes its items in that order, and
 * a restore that sets their timers again in the order it reads them, keep
 * the firing order of timers with the same time (flow/state.h), so a
 * restored run's output is the uninterrupted run's, byte for byte.
 *
 * Values are written in a fixed little-endian form, the same on every
 * machine. Reading is checked: a get past the end of the operator's data or
 * a malformed value makes the reader failed (flow_ckpt_failed), every later
 * get returns 0 or an empty value, and the runtime rejects the checkpoint
 * after restore returns. Restore must therefore not trust a count it reads
 * for anything but a loop bound checked with flow_ckpt_failed. */
#ifndef FLOW_CHECKPOINT_H
#define FLOW_CHECKPOINT_H

#include <stdbool.h>
#include <stdint.h>

#include "flow/state.h"
#include "flow/value.h"

#pragma GCC visibility push(default)

/* The state of one operator being written, or read back. Owned by the
 * runtime; valid during the snapshot or restore call it is passed to. */
typedef struct FlowCkptOut FlowCkptOut;
typedef struct FlowCkptIn FlowCkptIn;

void flow_ckpt_put_i64(FlowCkptOut *out, int64_t v);
void flow_ckpt_put_u64(FlowCkptOut *out, uint64_t v);
void flow_ckpt_put_f64(FlowCkptOut *out, double v);   /* its bits: nan and -0.0 survive */
void flow_ckpt_put_bool(FlowCkptOut *out, bool v);
void flow_ckpt_put_str(FlowCkptOut *out, FlowStr s);
/* Every value of the set, in a canonical order. */
void flow_ckpt_put_distinct(FlowCkptOut *out, const FlowDistinct *d);

int64_t flow_ckpt_get_i64(FlowCkptIn *in);
uint64_t flow_ckpt_get_u64(FlowCkptIn *in);
double flow_ckpt_get_f64(FlowCkptIn *in);
bool flow_ckpt_get_bool(FlowCkptIn *in);
/* A copy the caller owns, as from flow_str_keep (free with flow_str_release). */
FlowStr flow_ckpt_get_str(FlowCkptIn *in);
/* Adds the values of a saved set to *d (which the caller zeroed). */
void flow_ckpt_get_distinct(FlowCkptIn *in, FlowDistinct *d);
/* A count written with put_i64 that must lie in [0, max]: out of range
 * fails the reader and returns 0, so a corrupt count cannot make restore
 * loop for ever or allocate without bound. */
int64_t flow_ckpt_get_count(FlowCkptIn *in, int64_t max);
/* The reader hit the end of the data or a malformed value. */
bool flow_ckpt_failed(const FlowCkptIn *in);

/* A pending timer: when it fires and the item it fires with. */
typedef struct FlowTimerRef {
    int64_t time;
    void *item;
} FlowTimerRef;

/* The pending timers of operator `op` in the order they will fire; *n is
 * set to how many. The array is the caller's, freed with flow_state_free
 * (NULL when there are none). */
FlowTimerRef *flow_timers_pending(FlowRuntime *rt, int op, int64_t *n);

#pragma GCC visibility pop

#endif
