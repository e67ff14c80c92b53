/* buf.c - the growable byte buffer of buf.h: amortised doubling, sticky
** BL_ENOMEM. From BL_BIG_MIN bytes the buffer is a big block (base/mem.h):
** cap >= BL_BIG_MIN if and only if p is one.
*/
#include "base/buf.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/varint.h"
#include "byline.h"

int bl_buf_reserve(bl_buf *b, size_t extra)
{
    size_t need, cap;
    uint8_t *p;

    if (b->rc != BL_OK)
        return b->rc;
    if (extra <= b->cap - b->len)
        return BL_OK;
    if (extra > SIZE_MAX / 2 - b->len) {
        b->rc = BL_ENOMEM;
        return b->rc;
    }
    need = b->len + extra;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    if (cap < BL_BIG_MIN) {
        p = realloc(b->p, cap);
    } else if (b->cap >= BL_BIG_MIN) {
        p = bl_big_realloc(b->p, cap);
    } else if ((p = bl_big_alloc(cap)) != NULL) {
        if (b->len > 0)
            memcpy(p, b->p, b->len);
        free(b->p);
    }
    if (p == NULL) {
        b->rc = BL_ENOMEM;
        return b->rc;
    }
    b->p = p;
    b->cap = cap >= BL_BIG_MIN ? bl_big_size(p) : cap;
    return BL_OK;
}

void bl_buf_append(bl_buf *b, const void *p, size_t len)
{
    if (len == 0 || bl_buf_reserve(b, len) != BL_OK)
        return;
    memcpy(b->p + b->len, p, len);
    b->len += len;
}

void bl_buf_putc(bl_buf *b, uint8_t c)
{
    if (bl_buf_reserve(b, 1) == BL_OK)
        b->p[b->len++] = c;
}

void bl_buf_put_u32le(bl_buf *b, uint32_t v)
{
    uint8_t t[4];

    bl_store_u32le(t, v);
    bl_buf_append(b, t, 4);
}

void bl_buf_put_u64le(bl_buf *b, uint64_t v)
{
    uint8_t t[8];

    bl_store_u64le(t, v);
    bl_buf_append(b, t, 8);
}

void bl_buf_put_varint(bl_buf *b, uint64_t v)
{
    if (bl_buf_reserve(b, BL_VARINT_MAX) == BL_OK)
        b->len += bl_varint_put(b->p + b->len, v);
}

void bl_buf_puts(bl_buf *b, const char *s)
{
    bl_buf_append(b, s, strlen(s));
}

void bl_buf_reset(bl_buf *b)
{
    b->len = 0;
    b->rc = BL_OK;
}

void bl_buf_free(bl_buf *b)
{
    if (b->cap >= BL_BIG_MIN)
        bl_big_free(b->p);
    else
        free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->rc = BL_OK;
}

uint8_t *bl_buf_detach(bl_buf *b, size_t *len)
{
    uint8_t *p = b->p;

    if (b->cap >= BL_BIG_MIN) {        /* the caller frees with free */
        p = malloc(b->len ? b->len : 1);
        if (p != NULL)
            memcpy(p, b->p, b->len);
        bl_big_free(b->p);
    }
    *len = p != NULL ? b->len : 0;
    b->p = NULL;
    b->len = b->cap = 0;
    b->rc = BL_OK;
    return p;
}
