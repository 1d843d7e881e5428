/* read_order.h: which sources the read loop polls in a round, so that
 * several event-time sources advance together. A source whose watermark is
 * more than READ_AHEAD_MS ahead of the lowest watermark of the active
 * event-time inputs waits for the others: an interval or window join then
 * keeps about D + that bound of each side, not everything a fast side could
 * be read ahead. No source starves:
 * - finished inputs are not polled; idle ones (no record for their `idle D`)
 *   are left out of the lowest watermark, as in watermark.h, and polled;
 * - processing-time inputs are always polled (their watermark is the clock);
 * - when the sources allowed in a round read nothing, the next round polls
 *   every source, so a quiet input never blocks the rest;
 * - when the lowest watermark has not moved for STALL_ROUNDS rounds (the
 *   slow input reads records that do not move its watermark), the next
 *   round polls every source too. */
#ifndef FLOWRT_READ_ORDER_H
#define FLOWRT_READ_ORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "watermark.h"

/* How far (event-time ms) a source may be read ahead of the slowest one. */
#define READ_AHEAD_MS 1000
#define STALL_ROUNDS 4

typedef struct ReadOrder {
    int64_t lead_ms;       /* READ_AHEAD_MS, or another bound in tests */
    int64_t lowest;        /* the lowest watermark at the last round */
    int stalled;           /* rounds that held a source back without it moving */
    bool held;             /* the last round held a source back */
} ReadOrder;

void flowrt_read_order_init(ReadOrder *ro, int64_t lead_ms);
/* Fills allowed[i] for the inputs of w (done[i]: input i has ended, it is
 * never allowed) at wall-clock time now_ms; `progressed`: the last round
 * read a record. Returns how many inputs that have not ended are held back. */
int flowrt_read_order_next(ReadOrder *ro, const Watermarks *w, const bool *done, int64_t now_ms,
                           bool progressed, bool *allowed);

#endif
