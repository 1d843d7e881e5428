/* position.c: the bytes of source and sink positions (position.h). */
#include "position.h"

#include <stdio.h>
#include <stdlib.h>

void flowrt_position_free(Position *p)
{
    free(p->bytes);
    *p = (Position){ 0 };
}

void flowrt_position_put_int64(Position *p, int64_t v)
{
    if (p->cap - p->len < 8) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        unsigned char *bytes = realloc(p->bytes, cap);
        if (!bytes) {
            fprintf(stderr, "flow: out of memory (position)\n");
            abort();
        }
        p->bytes = bytes;
        p->cap = cap;
    }
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++)
        p->bytes[p->len++] = (unsigned char)(u >> (8 * i));
}

bool flowrt_position_get_int64(const Position *p, size_t *at, int64_t *v)
{
    if (p->len < 8 || *at > p->len - 8)
        return false;
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u |= (uint64_t)p->bytes[*at + (size_t)i] << (8 * i);
    *at += 8;
    *v = (int64_t)u;
    return true;
}
