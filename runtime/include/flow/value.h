/* flow/value.h: how values of the Flow types look in C. Generated record
 * structs use exactly these types:
 *   bool -> bool, int32 -> int32_t, int64 -> int64_t, float64 -> double,
 *   string -> FlowStr, timestamp -> int64_t (ms since the epoch, UTC),
 * and for an optional field the FlowOpt struct of its type. */
#ifndef FLOW_VALUE_H
#define FLOW_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A string value: bytes that need not be NUL-terminated. The bytes belong to
 * whoever produced the record (a source's read buffer, the per-record scratch
 * memory, or a string literal) and stay valid until the record that carries
 * them has been fully processed. Sinks and state copy what they keep. */
typedef struct FlowStr {
    const char *ptr;
    int64_t len;
} FlowStr;

/* A value of an optional field or expression (`name : string?`): `null`
 * true when it has none, and then `v` is zero and means nothing. One per C
 * type; timestamps are FlowOptI64. */
typedef struct FlowOptBool { bool v; bool null; } FlowOptBool;
typedef struct FlowOptI32 { int32_t v; bool null; } FlowOptI32;
typedef struct FlowOptI64 { int64_t v; bool null; } FlowOptI64;
typedef struct FlowOptF64 { double v; bool null; } FlowOptF64;
typedef struct FlowOptStr { FlowStr v; bool null; } FlowOptStr;

typedef enum FlowType {
    FLOW_BOOL,
    FLOW_INT32,
    FLOW_INT64,
    FLOW_FLOAT64,
    FLOW_STRING,
    FLOW_TIMESTAMP,
    /* Only of a param (`param NAME : duration`): an int64_t of ms, read from
     * its default and --set as a duration (flow_parse_duration). */
    FLOW_DURATION,
} FlowType;

/* Watermark bounds: "nothing seen yet" and "input finished". */
#define FLOW_TIME_MIN INT64_MIN
#define FLOW_TIME_MAX INT64_MAX

#endif
