/* position.h: the opaque, variable-sized position of a source (where its
 * next record starts) or of a sink (what it has committed), which a
 * checkpoint will store and a restore hand back to the connector that made
 * it. Only that connector reads the bytes: a file source packs its byte
 * offset and line number, the generator its record number, a file sink its
 * committed length; a Kafka source will pack an offset per partition, which
 * is why the size is not fixed. This module only holds the bytes and packs
 * integers into them, little-endian, so a position means the same on every
 * machine. */
#ifndef FLOWRT_POSITION_H
#define FLOWRT_POSITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Zero-initialised ({0}) is the empty position. */
typedef struct Position {
    unsigned char *bytes;
    size_t len, cap;
} Position;

void flowrt_position_free(Position *p);
static inline void flowrt_position_clear(Position *p)
{
    p->len = 0;
}
/* Appends v as 8 bytes. */
void flowrt_position_put_int64(Position *p, int64_t v);
/* Reads the 8 bytes at *at into *v and moves *at past them; false when the
 * position is too short (not one this connector made). */
bool flowrt_position_get_int64(const Position *p, size_t *at, int64_t *v);

#endif
