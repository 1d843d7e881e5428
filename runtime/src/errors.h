/* errors.h: bad records (LANGUAGE.md §8). Every bad record, whether the CSV
 * or JSON reader rejected it, a field did not decode, or an expression failed,
 * ends here: it is counted against its source, reported on stderr (the first
 * ten of each source in full, then only counted; the summary has the totals),
 * appended to the source's errors= file, and with on_error="fail" it stops the
 * program with status 1.
 *
 * The errors= file is appended to, one entry per bad record:
 *
 *     SOURCE: POSITION: REASON
 *     RAW RECORD
 *
 * SOURCE is the source's name, POSITION `FILE:LINE` (`stdin:LINE`; lines are
 * known after a seek too, as a position holds one), REASON the same text as on
 * stderr, and RAW RECORD the record exactly as read, without its line break
 * (a CSV record with quoted line breaks spans several lines, and is still one
 * CSV record). Stripping the first line of every entry gives back the bad
 * records as input in their own format.
 *
 * A sink whose destination refuses a record (a PostgreSQL sink: a row the
 * table rejects) reports it the same way, under the sink's stream name.
 *
 * With workers (docs/architecture.md, "Parallelism"), a record that fails
 * after the exchange, on a worker, is reported the same way by the reading
 * thread: the record carries its source, position and (for an errors= file)
 * its text through the exchange, and the report comes back with the
 * worker's output.
 *
 * A window's result that fails an expression of a later operator has no
 * input record: it is reported as a bad window result (the first ten in
 * full), counted in the summary's bad total, and dropped. */
#ifndef FLOWRT_ERRORS_H
#define FLOWRT_ERRORS_H

#include "rt.h"

/* How many bad records of one source are shown in full on stderr. */
#define FLOW_BAD_RECORDS_SHOWN 10

/* The current record of `src` is bad. `where` is a field name (a field that
 * did not decode), a "file.flow:LINE:COL" (an expression), or NULL (the
 * record as a whole). */
void flowrt_source_bad_record(FlowRuntime *rt, Source *src, const char *where, const char *why);
/* Record (part, at) of `src` is bad for `reason` (flowrt_bad_reason's
 * text); `raw` is its text, or NULL. For a record a worker ran
 * (flowrt_parallel_bad_record), after the source went on. */
void flowrt_source_bad_record_at(FlowRuntime *rt, Source *src, int32_t part, int64_t at,
                                 const char *reason, const char *raw, size_t raw_len);
/* The reason of a bad record: "field 'x': why", "file.flow:3:9: why", or
 * `why` (where is NULL). */
void flowrt_bad_reason(const char *where, const char *why, char *buf, size_t size);

/* The destination of `out` refused the record `raw` (its encoded text) for
 * `why`; `where` as for a source (a field name, or NULL), `pos` where it
 * went ("table 't'"). Counted against the sink and in the run's bad total,
 * reported on stderr (the first ten in full), appended to the sink's
 * errors= file as `SINK: POS: REASON` and the record's line; false after
 * flowrt_runtime_fail when the sink has on_error = fail. */
bool flowrt_sink_bad_record(Output *out, const char *pos, const char *where, const char *why,
                            const char *raw, size_t raw_len);

#endif
