/* ckpt_state.h: the contents of a checkpoint's state file: what the runtime
 * owns (sources, watermarks, read order, counters, sinks) and, through the
 * generated snapshot and restore functions, every operator's state. The
 * layout is in docs/checkpoints.md, "The state file". */
#ifndef FLOWRT_CKPT_STATE_H
#define FLOWRT_CKPT_STATE_H

#include <stdbool.h>

#include "ckpt_io.h"
#include "rt.h"

/* Writes the state file of `rt` as it is between two rounds. `commit`: make
 * every sink durable first and save its committed position (a real
 * checkpoint), else save the positions as they stand (the self-test).
 * Returns 0 or the errno of the first failure (a sink's commit included). */
int flowrt_ckpt_state_save(FlowRuntime *rt, FlowCkptOut *out, bool commit);
/* Reads it back into `rt`, whose connectors are open and whose operators are
 * empty. `operators_only`: only the operators' watermarks and state (the
 * self-test: sources and sinks go on as they were). False with a message in
 * *err (malloc'd) when the file does not fit the program or a source or
 * sink cannot go back. */
bool flowrt_ckpt_state_load(FlowRuntime *rt, FlowCkptIn *in, bool operators_only, char **err);

#endif
