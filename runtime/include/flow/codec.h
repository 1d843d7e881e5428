/* flow/codec.h: turning input text into typed values and typed values into
 * output text. Sources split records into FlowFields (CSV columns, JSON
 * members) in schema order; the generated decode function of each source
 * converts each field with the flow_field_* function of its type. The same
 * parsing and formatting functions serve casts in expressions (expr.h). */
#ifndef FLOW_CODEC_H
#define FLOW_CODEC_H

#include "flow/value.h"

/* Exported (libflowrt is built with -fvisibility=hidden: flow/program.h). */
#pragma GCC visibility push(default)

typedef enum FlowFieldKind {
    FLOW_FIELD_TEXT,    /* a CSV field (quotes removed, "" undoubled) */
    FLOW_FIELD_STRING,  /* a JSON string (escapes decoded) */
    FLOW_FIELD_NUMBER,  /* a JSON number, as written */
    FLOW_FIELD_TRUE,    /* JSON true */
    FLOW_FIELD_FALSE,   /* JSON false */
    FLOW_FIELD_NULL,    /* JSON null */
    FLOW_FIELD_MISSING, /* a JSON object without this member */
    FLOW_FIELD_OTHER,   /* a JSON object or array */
} FlowFieldKind;

typedef struct FlowField {
    const char *ptr;
    size_t len;
    FlowFieldKind kind;
} FlowField;

/* Each returns NULL on success, else a short reason ("not an int32: \"12x\"")
 * that stays valid until the next call on this thread. Strings point into the
 * field's bytes. Timestamps accept every input form of LANGUAGE.md §7. */
const char *flow_field_bool(const FlowField *f, bool *out);
const char *flow_field_int32(const FlowField *f, int32_t *out);
const char *flow_field_int64(const FlowField *f, int64_t *out);
const char *flow_field_float64(const FlowField *f, double *out);
const char *flow_field_string(const FlowField *f, FlowStr *out);
const char *flow_field_timestamp(const FlowField *f, int64_t *out);
/* Whether the field is no value for an optional field: an empty CSV field,
 * a missing JSON member or JSON null. */
bool flow_field_is_null(const FlowField *f);

/* Text parsing shared by the field decoders and by casts: the whole of
 * [s, s+len) must be the value (no surrounding spaces). Return false if not. */
bool flow_parse_bool(const char *s, size_t len, bool *out);
bool flow_parse_int32(const char *s, size_t len, int32_t *out);
bool flow_parse_int64(const char *s, size_t len, int64_t *out);
bool flow_parse_float64(const char *s, size_t len, double *out);
/* ISO 8601 (`2024-03-01T12:00:05.250Z`, `...05Z`, `2024-03-01 12:00:05`,
 * with an optional numeric offset `+02:00`) or integer epoch milliseconds. */
bool flow_parse_timestamp(const char *s, size_t len, int64_t *out_ms);
/* A duration as the language writes it (docs/language.md, "Literals"): an
 * integer, optionally negative, immediately followed by its unit, us, ms, s,
 * m, h or d (`250ms`, `10s`, `-5m`), a whole number of milliseconds. */
bool flow_parse_duration(const char *s, size_t len, int64_t *out_ms);

/* Formatting. Each writes at most the stated bytes plus a NUL into `buf` and
 * returns the length written (without the NUL). */
#define FLOW_TIMESTAMP_MAX 32
/* `2024-03-01T12:00:05.250Z` (always milliseconds, always UTC). */
size_t flow_format_timestamp(char *buf, int64_t ms);
#define FLOW_DURATION_MAX 24
/* `10s`, `5m`, `1500ms`: in the largest unit that holds it exactly. */
size_t flow_format_duration(char *buf, int64_t ms);
#define FLOW_FLOAT64_MAX 32
/* The shortest text that reads back to the same double: `0.1`, `2.5`, `3`,
 * `1e+21`; `nan`, `inf`, `-inf` for the non-finite values. */
size_t flow_format_float64(char *buf, double v);
#define FLOW_INT64_MAX 24
size_t flow_format_int64(char *buf, int64_t v);

#pragma GCC visibility pop

#endif
