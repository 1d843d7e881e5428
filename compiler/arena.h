/* arena.h: bump allocation for everything the compiler builds (AST, types,
 * plan). The whole compilation owns one arena and frees it at once, so no
 * pass has to track who frees which node. */
#ifndef FLOWC_ARENA_H
#define FLOWC_ARENA_H

#include <stddef.h>

typedef struct Arena Arena;

Arena *arena_new(void);
void arena_free(Arena *arena);

/* Zeroed, aligned for any type. Never returns NULL (aborts when out of memory). */
void *arena_alloc(Arena *arena, size_t size);
char *arena_strndup(Arena *arena, const char *s, size_t len);
char *arena_strdup(Arena *arena, const char *s);
/* printf into the arena. */
char *arena_printf(Arena *arena, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
