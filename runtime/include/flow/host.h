/* flow/host.h: the API of an application that embeds programs built with
 * `flowc emit --embed`: run a program, stop it, read its counters, from any
 * thread (docs/build-integration.md). It is the only libflowrt header a host
 * needs; generated code includes it too, through flow/flow.h, for the
 * exports it writes. What generated code itself calls is the ABI of
 * flow/program.h and the headers it includes.
 *
 * Runs and controls. A run is one call of flow_run or flow_run_with, on the
 * calling thread, until the program ends. Every run has a FlowControl: its
 * stop request and its counters, which other threads use while it runs.
 * flow_run uses the program's own control (one per program, in the
 * generated code), so a program runs under flow_run once at a time;
 * flow_run_with takes a control that the host made, so that one program can
 * run several times at once, on several threads, each run with its own
 * argv, params, inputs, outputs, counters and stop. Runs share nothing but
 * the process's signal handlers: SIGINT and SIGTERM stop every run in
 * progress. */
#ifndef FLOW_HOST_H
#define FLOW_HOST_H

#include <stdbool.h>
#include <stdint.h>

/* Exported (libflowrt is built with -fvisibility=hidden: flow/program.h). */
#pragma GCC visibility push(default)

/* A generated program (flow/program.h), as flow_NAME_program() returns it.
 * Constant: any number of threads may use one at the same time. */
typedef struct FlowProgram FlowProgram;

/* One run's stop request and counters. Opaque to a host: make one with
 * flow_control_new. */
typedef struct FlowControl FlowControl;

/* The counters of a control's current run, or of its last one when none is
 * running (all zero before the first). A run publishes them after every
 * batch of records, so a reader on another thread sees them at most one
 * batch behind; they are final once the run has returned, and reset when
 * the next run with the control starts. */
typedef struct FlowSummary {
    bool running;
    int64_t records_read;        /* all sources, bad records included */
    int64_t records_written;     /* all sinks */
    int64_t records_bad;
    int64_t records_late;
} FlowSummary;

/* ---- Runs under the program's own control ---------------------------------------------- */

/* Runs the program as its `main` would: argv is its command line (argv[0]
 * only names the program in messages); the same output and the same exit
 * status (0 done or stopped, 1 run-time failure, 2 usage error, or a program
 * built for another libflowrt ABI). Returns when all bounded input is done,
 * on failure, or when stopped; never calls exit. While any run is in
 * progress, SIGINT and SIGTERM stop it; the host's handlers are back when
 * the last run in progress returns. A second flow_run of the same program
 * while one is in progress fails with status 2: use flow_run_with. */
int flow_run(const FlowProgram *program, int argc, char **argv);
/* Asks the program's flow_run to stop as SIGINT would: the batch in progress
 * is finished, the sinks are flushed, the summary is printed (unless
 * --quiet) and flow_run returns 0. It only sets an atomic flag that the run
 * polls between batches, so it is safe from any thread and from a signal
 * handler. A request made while no run is in progress applies to the next
 * one. Runs under flow_run_with are not addressed by it. */
void flow_request_stop(const FlowProgram *program);
/* Fills *out with the counters of the program's flow_run. Safe from any
 * thread. */
void flow_get_summary(const FlowProgram *program, FlowSummary *out);

/* ---- Runs under a control of the host's -------------------------------------------------- */

/* A new control, owned by the caller, who gives it back with
 * flow_control_destroy; NULL when memory is exhausted. */
FlowControl *flow_control_new(void);
/* Frees a control (NULL is allowed). The caller must make sure that no run
 * uses it any more (flow_run_with has returned) and that no other thread is
 * in flow_control_stop or flow_control_summary with it. */
void flow_control_destroy(FlowControl *control);
/* flow_run, with `control` for this run's stop request and counters instead
 * of the program's own. The control is borrowed for the call and serves one
 * run at a time: a second run with a control in use fails with status 2.
 * Any number of runs of one program may go on at once, each with a control
 * of its own. */
int flow_run_with(const FlowProgram *program, FlowControl *control, int argc, char **argv);
/* Asks the run that uses `control` to stop (as flow_request_stop does for
 * flow_run). Safe from any thread and from a signal handler; a request made
 * while no run uses the control applies to its next run. */
void flow_control_stop(FlowControl *control);
/* The runs under `control` from now on use n worker threads for the keyed
 * stages (as --parallelism n; 0: the program's `parallelism`). A later
 * --parallelism on the command line still wins. */
void flow_control_set_parallelism(FlowControl *control, int n);
/* Fills *out with the counters of the control's current or last run. Safe
 * from any thread. */
void flow_control_summary(const FlowControl *control, FlowSummary *out);

/* ---- What flowc emit --embed exports ----------------------------------------------------- */

/* For a program NAME (the .flow file's base name without .flow, every
 * character but [A-Za-z0-9_] made '_'): flow_run, flow_request_stop and
 * flow_get_summary bound to that program, and the program itself for the
 * calls above. A host that links the generated C declares them with
 * FLOW_EMBEDDED_PROGRAM(NAME);. */
#define FLOW_EMBEDDED_PROGRAM(NAME)                  \
    int flow_##NAME##_run(int argc, char **argv);    \
    void flow_##NAME##_stop(void);                   \
    void flow_##NAME##_summary(FlowSummary *out);    \
    const FlowProgram *flow_##NAME##_program(void)

#pragma GCC visibility pop

#endif
