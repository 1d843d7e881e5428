/* flow/fn_time.h: the time functions of Flow expressions (docs/language.md,
 * "Time functions"): date_trunc, year ... day_of_week, format_timestamp and
 * parse_timestamp, and the time zones they take.
 *
 * A timestamp is int64 milliseconds since 1970-01-01T00:00:00Z. A zone is
 * read from the system tz database (/usr/share/zoneinfo, TZif files) by
 * libflowrt itself, not through the C library's TZ variable, so that runs
 * on several threads never share mutable state (docs/architecture.md,
 * "Time zones"). A NULL zone is UTC.
 *
 * Errors follow flow/expr.h: a function that can fail takes
 * `const char **err`, sets it (when not already set) and returns 0. */
#ifndef FLOW_FN_TIME_H
#define FLOW_FN_TIME_H

#include "flow/runtime.h"

/* Exported (libflowrt is built with -fvisibility=hidden: flow/program.h). */
#pragma GCC visibility push(default)

/* A loaded zone: immutable once made, kept for the life of the process. */
typedef struct FlowTz FlowTz;

/* The units of date_trunc and the parts of year() ... day_of_week(). */
typedef enum FlowTimeUnit {
    FLOW_TIME_SECOND,
    FLOW_TIME_MINUTE,
    FLOW_TIME_HOUR,
    FLOW_TIME_DAY,
    FLOW_TIME_WEEK,        /* date_trunc only: Monday 00:00 (ISO) */
    FLOW_TIME_MONTH,
    FLOW_TIME_YEAR,
    FLOW_TIME_DAY_OF_WEEK, /* part only: Monday 1 ... Sunday 7 (ISO) */
} FlowTimeUnit;

/* The zone named `name` ("Europe/Paris", "UTC"). Loaded on its first use in
 * the process and kept in a process-wide cache of immutable zones that
 * readers walk without a lock; a load takes a mutex. Unknown or unreadable:
 * sets *err ("unknown time zone ...") and returns NULL. Thread-safe. */
const FlowTz *flow_time_zone(const char **err, FlowStr name);

/* "second" ... "year" as a FlowTimeUnit of date_trunc, or -1. */
int flow_time_unit(FlowStr name);

/* The part `unit` (FLOW_TIME_SECOND ... YEAR but WEEK, or DAY_OF_WEEK) of
 * `ts` in local time of zone `z`. */
int32_t flow_time_part(const FlowTz *z, int64_t ts, int unit);

/* date_trunc(unit, ts, z): the start, in zone z's local time, of the
 * second ... year holding ts. For day and longer units the local start is
 * turned back into a timestamp with the offset in force before a transition
 * (a nonexistent local midnight moves forward by the gap, an ambiguous one
 * is its earlier instant); for shorter units the offset of ts is kept when
 * it still holds there. */
int64_t flow_time_trunc(const FlowTz *z, int64_t ts, int unit);

/* Why `fmt` is not a valid pattern (naming the directive; the text is the
 * calling thread's until its next call), or NULL. */
const char *flow_time_format_check(FlowStr fmt);

/* format_timestamp(ts, fmt, z), in scratch memory. Fails on an invalid
 * pattern (a pattern from a param). */
FlowStr flow_time_format(FlowRuntime *rt, const char **err, int64_t ts, FlowStr fmt,
                         const FlowTz *z);

/* parse_timestamp(s, fmt, z): fails when s does not match fmt whole, a field
 * is out of range, or fmt is invalid. A local time (no %z) is read in zone
 * z with date_trunc's rule for nonexistent and ambiguous times. */
int64_t flow_time_parse(const char **err, FlowStr s, FlowStr fmt, const FlowTz *z);

#pragma GCC visibility pop

#endif
