/* codec_internal.h: pieces of codec.c that other runtime modules share:
 * quoting a value for a message, and the calendar arithmetic. */
#ifndef FLOWRT_CODEC_INTERNAL_H
#define FLOWRT_CODEC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Writes `s` quoted and escaped, cut after 40 bytes, into buf. */
size_t codec_quote(char *buf, size_t size, const char *s, size_t len);
/* "WHAT: \"value\"" in the calling thread's reason buffer (see codec.h). */
const char *codec_reason(const char *what, const char *s, size_t len);

int64_t codec_days_from_civil(int64_t y, int m, int d);
void codec_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

#endif
