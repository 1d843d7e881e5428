/* stats.h: what the program tells about its progress on stderr: the
 * periodic --stats line and the summary at exit (docs/language.md, "10.4
 * The summary"). */
#ifndef FLOWRT_STATS_H
#define FLOWRT_STATS_H

#include "rt.h"

/* One line: elapsed time, records read and rate since the last line,
 * written, bad, watermark, share of time spent blocked on output. */
void flowrt_stats_print_line(FlowRuntime *rt, double elapsed, double since_last,
                             int64_t read_since_last);
/* Records read per source (and bad), written per sink, late, bad total,
 * elapsed seconds, records per second. */
void flowrt_stats_print_summary(FlowRuntime *rt, double elapsed, bool interrupted);
int64_t flowrt_stats_records_read(const FlowRuntime *rt);
int64_t flowrt_stats_records_written(const FlowRuntime *rt);

#endif
