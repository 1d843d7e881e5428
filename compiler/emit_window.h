/* emit_window.h: what emit_window.c shares with emit_window_kv.c, the
 * window stages of `state rocksdb` programs: the description of a window
 * stage and the parts of its C that do not depend on where its state lives
 * (the state struct's members, the result function, the stage function's
 * steps before and after the state is found). */
#ifndef FLOWC_EMIT_WINDOW_H
#define FLOWC_EMIT_WINDOW_H

#include "emit_impl.h"

/* What the window emitter needs to know of one window stage: its shape,
 * its C names (the plan's) and its operator index. */
typedef struct WindowStage {
    int op;                 /* index in the FlowOperatorDef array */
    const PlanStageNames *names; /* the stage's C names (plan.h) */
    bool sliding;           /* panes and window ends: sliding and cumulating windows */
    bool cumulate;          /* a cumulating window: each window starts at a multiple of size */
    bool session;
    DurC gap;               /* session windows */
    DurC size, slide;       /* tumbling: slide == size; cumulating: slide is the step */
    DurC pane;              /* the state's time span: gcd(size, slide) */
    DurC lateness;
    bool late;              /* the code keeps windows for a lateness (one may be set) */
    const PlanNode *window, *aggregate;
    const Op *wop;
    const Item *items;
    bool results;           /* someone reads the results */
    Arena *arena;
    const TypeKind *keytypes;
    const char *rearm;      /* in a fire function: the time of its second call, at
                               end - 1ms + lateness */
    bool early;             /* `emit every D`: early results (emit_window_early.c) */
    DurC every;             /* its D */
} WindowStage;

WindowStage window_stage(Emitter *em, const PlanStage *st);
bool window_owns_memory(const WindowStage *n);
/* Releases what the state `s` owns: copied strings and distinct-value sets. */
void window_entry_release(CWriter *w, const WindowStage *n, const char *s);
void window_state_members(Emitter *em, CWriter *w, const WindowStage *n, const char *span);
void window_result_function(Emitter *em, CWriter *w, const PlanStage *st, const WindowStage *n);
void window_input_begin(Emitter *em, Body *b, const WindowStage *n);
void window_free_at(Body *b, const WindowStage *n, const char *fired);
void window_late_test(Body *b, const WindowStage *n);
void window_arguments(Body *b, const WindowStage *n);
void window_accumulate(Body *b, const WindowStage *n);
void window_updated_result(Body *b, const WindowStage *n, const char *fired, const char *start);
void window_input_end(Emitter *em, CWriter *w, const PlanStage *st, const WindowStage *n,
                      Body *b);

/* Sliding and cumulating windows: the start of the window ending at `end`;
 * what the result function takes for it (its start, a cumulating window's
 * end, which its start does not give); the locals `from` and `to` of the
 * window end `w`, the starts of the panes whose last window it is. */
const char *window_start_of_end(const WindowStage *n, const char *end);
const char *window_of_end(const WindowStage *n, const char *end);
void window_last_panes(CWriter *w, const WindowStage *n);

/* The C expression of the end of the window of state `s` that starts at `start`. */
const char *window_end_of(const WindowStage *n, const char *s, const char *start);
/* The call of the result function of state `s` of the window that starts
 * at `start`; `ts`: the event time of an early result's row. */
const char *window_result_call(const WindowStage *n, const char *s, const char *start,
                               const char *ts);

/* emit_window_early.c: early results. The state's members (after the
 * accumulators), their release and checkpoint; the row, result (and for
 * sessions retract) functions, in place of window_result_function; in a
 * session's merge (locals later, s, ts), what the merged one takes over; in
 * a fire function (rt, time), the tick, when `time` is before `fire_at`:
 * `rows` writes the rows of the timers' item `var`, and the timer is set
 * again at the next tick, then the function returns. */
void window_early_members(CWriter *w, const WindowStage *n);
void window_early_release(CWriter *w, const WindowStage *n, const char *s);
void window_early_ckpt_values(CWriter *w, const WindowStage *n, const char *s, bool restore);
void window_early_functions(Emitter *em, CWriter *w, const PlanStage *st, const WindowStage *n);
void window_early_merge(CWriter *w, const WindowStage *n);
/* Sliding windows: frees the rows of the window end `end` (a FlowWindowEnd
 * pointer), and puts (gets) them in a checkpoint after the window end `w`. */
void window_early_rows_free(CWriter *w, const WindowStage *n, const char *end);
void window_early_put_rows(CWriter *w, const WindowStage *n);
void window_early_get_rows(CWriter *w, const WindowStage *n);
void window_early_tick(CWriter *w, const WindowStage *n, const char *var, const char *start,
                       const char *fire_at, void (*rows)(CWriter *, const WindowStage *));

/* Whether the window keeps its state in the store: a window of a `state
 * rocksdb` program without early results (docs/checkpoints.md, "RocksDB
 * state"). */
bool window_in_store(const Plan *plan, const PlanStage *st);
/* A sliding (or cumulating) window's record: its pane `start`, `last_end`
 * (of the last window holding it), `free_at` and `first_end` (of the first). */
void window_sliding_bounds(Body *b, const WindowStage *n);
/* A sliding window's state of one key in one pane (its hash, the order of
 * its first record, then window_state_members), with its hash and match. */
void window_sliding_state(Emitter *em, CWriter *w, const WindowStage *n);
/* The find function of a pane's entries by key (n->names->find). */
void window_find_function(CWriter *w, const WindowStage *n);

/* emit_window_kv.c: a tumbling or sliding window whose state is in the
 * store (flow/kv.h). */
void emit_window_kv_tumbling(Emitter *em, CWriter *w, const PlanStage *st);
void emit_window_kv_sliding(Emitter *em, CWriter *w, const PlanStage *st);
void emit_window_kv_snapshot(Emitter *em, CWriter *w, const PlanStage *st);
void emit_window_kv_restore(Emitter *em, CWriter *w, const PlanStage *st);
/* emit_window_kv_session.c: a session window whose state is in the store. */
void emit_window_kv_session(Emitter *em, CWriter *w, const PlanStage *st);
void emit_window_kv_session_snapshot(Emitter *em, CWriter *w, const PlanStage *st);
void emit_window_kv_session_restore(Emitter *em, CWriter *w, const PlanStage *st);

#endif
