/* arena.c - chunks in a list, allocation by bumping an offset. A request
** larger than a chunk gets a chunk of its own. An arena whose chunks are
** BL_BIG_MIN or more takes them as big blocks (base/mem.h), the chunk's
** header inside the block, so that a chunk is a whole number of huge pages.
*/
#include "base/arena.h"

#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

struct bl_arena_chunk {
    bl_arena_chunk *next;      /* older chunk */
    size_t size;               /* bytes in data */
    size_t off;                /* bytes of data in use */
    alignas(max_align_t) unsigned char data[];
};

void bl_arena_init(bl_arena *a, size_t chunk_size)
{
    a->head = NULL;
    a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
    if (a->chunk_size >= BL_BIG_MIN)   /* whole huge pages */
        a->chunk_size = (a->chunk_size + BL_BIG_MIN - 1) & ~(BL_BIG_MIN - 1);
    a->used = 0;
}

static bool is_big(const bl_arena *a)
{
    return a->chunk_size >= BL_BIG_MIN;
}

/* The data bytes of a chunk of the arena's usual size. */
static size_t usual_size(const bl_arena *a)
{
    return is_big(a) ? a->chunk_size - sizeof(bl_arena_chunk)
                     : a->chunk_size;
}

/* A chunk with room for at least n bytes, or NULL. */
static bl_arena_chunk *chunk_new(const bl_arena *a, size_t n)
{
    size_t size = n > usual_size(a) ? n : usual_size(a);
    bl_arena_chunk *c;

    if (is_big(a)) {
        c = bl_big_alloc(sizeof *c + size);
        if (c != NULL)
            c->size = bl_big_size(c) - sizeof *c;
    } else {
        c = malloc(sizeof *c + size);
        if (c != NULL)
            c->size = size;
    }
    return c;
}

static void chunk_free(const bl_arena *a, bl_arena_chunk *c)
{
    if (is_big(a))
        bl_big_free(c);
    else
        free(c);
}

void *bl_arena_alloc(bl_arena *a, size_t n)
{
    const size_t align = alignof(max_align_t);
    bl_arena_chunk *c = a->head;
    size_t off;

    if (n > SIZE_MAX / 2)
        return NULL;
    if (n == 0)
        n = 1;
    if (c != NULL) {
        off = (c->off + align - 1) & ~(align - 1);
        if (off <= c->size && n <= c->size - off) {
            c->off = off + n;
            a->used += n;
            return c->data + off;
        }
    }
    c = chunk_new(a, n);
    if (c == NULL)
        return NULL;
    c->off = n;
    if (a->head != NULL && n > usual_size(a)) {
        /* Keep the current chunk as head: it still has room. */
        c->next = a->head->next;
        a->head->next = c;
    } else {
        c->next = a->head;
        a->head = c;
    }
    a->used += n;
    return c->data;
}

char *bl_arena_strndup(bl_arena *a, const char *s, size_t len)
{
    char *p = bl_arena_alloc(a, len + 1);

    if (p != NULL) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

void bl_arena_reset(bl_arena *a)
{
    bl_arena_chunk *c = a->head, *keep = NULL;

    while (c != NULL) {
        bl_arena_chunk *next = c->next;

        if (keep == NULL && c->size == usual_size(a))
            keep = c;
        else
            chunk_free(a, c);
        c = next;
    }
    if (keep != NULL) {
        keep->next = NULL;
        keep->off = 0;
    }
    a->head = keep;
    a->used = 0;
}

void bl_arena_free(bl_arena *a)
{
    bl_arena_chunk *c = a->head;

    while (c != NULL) {
        bl_arena_chunk *next = c->next;

        chunk_free(a, c);
        c = next;
    }
    a->head = NULL;
    a->used = 0;
}
