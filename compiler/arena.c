#include "arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Blocks grow geometrically so that a large program costs few mallocs. */
typedef struct ArenaBlock {
    struct ArenaBlock *next;
    size_t used, size;
    max_align_t data[];
} ArenaBlock;

struct Arena {
    ArenaBlock *head;
};

static ArenaBlock *block_new(size_t size, ArenaBlock *next)
{
    ArenaBlock *b = malloc(sizeof(ArenaBlock) + size);
    if (!b) {
        fprintf(stderr, "flowc: out of memory\n");
        abort();
    }
    b->next = next;
    b->used = 0;
    b->size = size;
    return b;
}

Arena *arena_new(void)
{
    Arena *arena = calloc(1, sizeof(Arena));
    if (!arena) {
        fprintf(stderr, "flowc: out of memory\n");
        abort();
    }
    arena->head = block_new(64 * 1024, NULL);
    return arena;
}

void arena_free(Arena *arena)
{
    if (!arena)
        return;
    ArenaBlock *b = arena->head;
    while (b) {
        ArenaBlock *next = b->next;
        free(b);
        b = next;
    }
    free(arena);
}

void *arena_alloc(Arena *arena, size_t size)
{
    const size_t align = sizeof(max_align_t);
    size = (size + align - 1) / align * align;
    ArenaBlock *b = arena->head;
    if (b->used + size > b->size) {
        size_t grow = b->size * 2;
        if (grow < size)
            grow = size;
        b = arena->head = block_new(grow, b);
    }
    void *p = (char *)b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

char *arena_strndup(Arena *arena, const char *s, size_t len)
{
    char *p = arena_alloc(arena, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *arena_strdup(Arena *arena, const char *s)
{
    return arena_strndup(arena, s, strlen(s));
}

char *arena_printf(Arena *arena, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = arena_alloc(arena, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
