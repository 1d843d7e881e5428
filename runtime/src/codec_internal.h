/* codec_internal.h: pieces of codec.c that other runtime modules share:
 * quoting a value for a message, the two float formatters, and the calendar
 * arithmetic. */
#ifndef FLOWRT_CODEC_INTERNAL_H
#define FLOWRT_CODEC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes `s` quoted and escaped, cut after 40 bytes, into buf. */
size_t flowrt_codec_quote(char *buf, size_t size, const char *s, size_t len);
/* "WHAT: \"value\"" in the calling thread's reason buffer (see codec.h). */
const char *flowrt_codec_reason(const char *what, const char *s, size_t len);

/* flow_parse_int32/64 telling why they fail: 1 ok, 0 not an integer, -1 an
 * integer out of the type's range. */
int flowrt_codec_parse_i32(const char *s, size_t len, int32_t *out);
int flowrt_codec_parse_i64(const char *s, size_t len, int64_t *out);

/* The decimal digits of v, NUL-terminated; returns their number. */
size_t flowrt_codec_format_u64(char *buf, uint64_t v);

/* flow_format_float64's two halves (float_format.c): the reference
 * implementation on printf and strtod, and the fast path that must write the
 * same bytes, returning 0 when it cannot decide (zero, subnormals, nan, inf
 * and rare near-ties included). */
size_t flowrt_codec_format_float64_slow(char *buf, double v);
size_t flowrt_codec_format_float64_fast(char *buf, double v);

/* w * 10^q correctly rounded (float_parse.c), w up to 19 digits; false
 * when it cannot decide cheaply and strtod must. */
bool flowrt_codec_decimal_to_double(bool neg, uint64_t w, int64_t q, double *out);

int64_t flowrt_codec_days_from_civil(int64_t y, int m, int d);
void flowrt_codec_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

#endif
