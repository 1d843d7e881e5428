/* ckpt.h: checkpoints of a run (docs/checkpoints.md): the directory and its
 * lock, choosing and reading back the newest usable checkpoint at start,
 * taking one every interval between two rounds in a fork()ed child, the
 * final one at a clean stop, and what --stats and the summary say of them. */
#ifndef FLOWRT_CKPT_H
#define FLOWRT_CKPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cli.h"
#include "collapse.h"
#include "position.h"

typedef struct FlowRuntime FlowRuntime;

typedef struct Checkpoints {
    bool on;                 /* the program checkpoints */
    bool selftest;           /* FLOW_CHECKPOINT_SELFTEST: a round trip after every round */
    char *dir;
    int64_t every_ms;
    int keep;
    int lock_fd;
    int64_t next_id;         /* the id the next checkpoint gets */
    int64_t restored_id;     /* the checkpoint this run started from; 0: none */
    void *restore_map;       /* its state file, mapped until the restore is done */
    size_t restore_len;
    char *restore_store;     /* its state store's copy (`state rocksdb`), or NULL */
    int64_t last_ms;         /* rt->now_ms when the last one was started */
    /* The checkpoint being written by a child, if any. */
    pid_t child;
    int child_pipe;
    int64_t child_id;
    double child_started;
    /* Per source, its position at the fork, for SourceOps.checkpointed once
     * the checkpoint is complete (rt->nsources of them; cap when allocated). */
    Position *fork_positions;
    int nfork_positions;
    Collapser *collapser;    /* huge pages put back together between checkpoints */
    /* For --stats and the summary. */
    int64_t taken, failures;
    double last_seconds, last_pause_seconds, max_pause_seconds;
    double restore_seconds;  /* how long reading the restored one back took */
    uint64_t last_bytes;
    /* What the checkpoints depend on: FlowProgram.layout, then a line
     * `param NAME = VALUE` per duration param a clause uses, with this run's
     * value (docs/checkpoints.md, "The manifest"). */
    char **layout;
    int nlayout;
} Checkpoints;

/* Before any connector opens: the directory, its lock, and the checkpoint
 * to restore (unless --no-restore). False when the program cannot start
 * (rt failed with the reason): the directory is in use or unusable, or the
 * newest checkpoint is of another program. */
bool flowrt_ckpt_open(FlowRuntime *rt, const CliOptions *opts);
/* The restored checkpoint's copy of the state store, which flowrt_kv_open
 * starts from; NULL when there is none. */
const char *flowrt_ckpt_restore_store(const FlowRuntime *rt);
/* Whether sinks must keep what their files hold (a restore will cut them
 * back) instead of emptying them. */
bool flowrt_ckpt_restoring(const FlowRuntime *rt);
/* Once the connectors are open: sources seek, sinks are cut back, the
 * state is read back. False (rt failed) when that cannot be done. */
bool flowrt_ckpt_restore(FlowRuntime *rt);
/* Between two rounds: sees whether the child finished, and starts the next
 * checkpoint when one is due. */
void flowrt_ckpt_round(FlowRuntime *rt);
/* At the end of the run (stopped or done, not failed): waits for the child,
 * then takes a last checkpoint in this process. */
void flowrt_ckpt_final(FlowRuntime *rt);
void flowrt_ckpt_close(FlowRuntime *rt);
/* "; checkpoints: 3 taken, last 12 ms ..." for the summary, or "". */
void flowrt_ckpt_describe(const FlowRuntime *rt, char *buf, size_t size);

#endif
