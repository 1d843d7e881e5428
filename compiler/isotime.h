/* isotime.h: reading timestamp text at compile time, for `param T : timestamp
 * = "..."` defaults. It accepts the same forms as the runtime's
 * flow_parse_timestamp (runtime/include/flow/codec.h), so that a default the
 * checker lets through is one the generated program can read. */
#ifndef FLOWC_ISOTIME_H
#define FLOWC_ISOTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ISO 8601 `YYYY-MM-DDTHH:MM:SS[.fraction][Z|+HH:MM|-HH:MM]` (a space may
 * replace the `T`; digits of the fraction past milliseconds are dropped), or
 * integer epoch milliseconds. The whole of [s, s+len) must be the value.
 * Stores milliseconds since 1970-01-01T00:00:00Z in *out_ms. */
bool iso_parse_timestamp(const char *s, size_t len, int64_t *out_ms);

#endif
