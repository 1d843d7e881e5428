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
    bool sliding, session;
    DurC gap;               /* session windows */
    DurC size, slide;       /* tumbling: slide == size */
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

/* emit_window_kv.c: a tumbling window whose state is in the store (flow/kv.h). */
void emit_window_kv_tumbling(Emitter *em, CWriter *w, const PlanStage *st);
void emit_window_kv_snapshot(Emitter *em, CWriter *w, const PlanStage *st);
void emit_window_kv_restore(Emitter *em, CWriter *w, const PlanStage *st);

#endif
