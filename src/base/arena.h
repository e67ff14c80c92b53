/* arena.h - a bump allocator for per-query and per-flush work: many small
** allocations, freed together in one call.
*/
#ifndef BL_ARENA_H
#define BL_ARENA_H

#include <stddef.h>

typedef struct bl_arena_chunk bl_arena_chunk;

typedef struct bl_arena {
    bl_arena_chunk *head;      /* newest chunk; older ones follow */
    size_t chunk_size;         /* default size of a new chunk */
    size_t used;               /* bytes handed out, for budgets */
} bl_arena;

/* chunk_size 0 means 64 KiB; from BL_BIG_MIN (base/mem.h) the chunks are
** big blocks, chunk_size rounded up to whole huge pages. */
void bl_arena_init(bl_arena *a, size_t chunk_size);

/* n bytes aligned for any type, or NULL when out of memory. Valid until
** bl_arena_reset or bl_arena_free. */
void *bl_arena_alloc(bl_arena *a, size_t n);

/* A copy of len bytes plus a NUL, or NULL. */
char *bl_arena_strndup(bl_arena *a, const char *s, size_t len);

/* Forget every allocation but keep the first chunk for reuse. */
void bl_arena_reset(bl_arena *a);

/* Release everything; the arena is empty and valid afterwards. */
void bl_arena_free(bl_arena *a);

#endif
