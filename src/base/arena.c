/* arena.c - chunks in a list, allocation by bumping an offset. A request
** larger than a chunk gets a chunk of its own.
*/
#include "base/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
    a->used = 0;
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
    {
        size_t size = n > a->chunk_size ? n : a->chunk_size;

        c = malloc(sizeof *c + size);
        if (c == NULL)
            return NULL;
        c->size = size;
        c->off = n;
        if (a->head != NULL && n > a->chunk_size) {
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

        if (keep == NULL && c->size == a->chunk_size) {
            keep = c;
        } else {
            free(c);
        }
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

        free(c);
        c = next;
    }
    a->head = NULL;
    a->used = 0;
}
