/* tzfile.h: the time zones of flow/fn_time.h as tzfile.c reads them from
 * TZif files (RFC 8536), and the two questions fn_time.c asks them. */
#ifndef FLOWRT_TZFILE_H
#define FLOWRT_TZFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "flow/fn_time.h"

/* An offset from UTC and its abbreviation ("CEST"). */
typedef struct TzType {
    int32_t utoff;   /* seconds east of UTC */
    bool isdst;
    char abbr[16];
} TzType;

/* One rule date of a POSIX TZ string: Jn (1..365, no Feb 29), n (0..365)
 * or Mm.w.d, and the local time of day (seconds, may be negative or past 24h). */
typedef struct TzRule {
    char kind;       /* 'J', 'n' or 'M' */
    int n, month, week, wday;
    int32_t time;
} TzRule;

struct FlowTz {
    const char *name;
    int64_t *trans;      /* transition times, seconds, ascending */
    uint8_t *trans_type; /* the type in force from each transition on */
    int ntrans;
    TzType *types;
    int ntypes;
    /* The footer, for times after the last transition: the standard type,
     * and when the zone still has daylight time, that type and its rules. */
    bool has_footer, has_dst;
    TzType std, dst;
    TzRule start, end;
    FlowTz *next;        /* the process-wide cache (tzfile.c) */
};

/* Division and remainder rounding toward minus infinity, as calendars need. */
static inline int64_t flowrt_floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static inline int64_t flowrt_floor_mod(int64_t a, int64_t b)
{
    return a - flowrt_floor_div(a, b) * b;
}

/* How many times flow_time_zone has gone to the tz database: a name is
 * looked up once, whether it is a zone or not (for tests). */
extern int flowrt_tz_file_lookups;

/* The type in force at `t` (seconds since the epoch). */
const TzType *flowrt_tz_at(const FlowTz *z, int64_t t);

/* The instant (seconds) whose local time in z is `local` (seconds since
 * the epoch of the local calendar): the offset before a transition wins,
 * so a time in a gap moves forward and an ambiguous time is its earlier
 * instant. `prefer` is an offset to keep when it is one of the answers. */
int64_t flowrt_tz_from_local(const FlowTz *z, int64_t local, const int32_t *prefer);

/* A zone named `name` made from the bytes of a TZif file, or NULL when they
 * are not one; flowrt_tz_free frees it (zones of the cache are never freed). */
FlowTz *flowrt_tz_from_bytes(FlowStr name, const unsigned char *p, size_t n);
void flowrt_tz_free(FlowTz *z);

/* Parses a POSIX TZ string (the TZif footer) into z; false if it is not one. */
bool flowrt_tz_parse_posix(FlowTz *z, const char *s, size_t len);

#endif
