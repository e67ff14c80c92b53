/* buf.h - a growable byte buffer, the one way bytes are accumulated.
** Writers append to it; when an append fails the buffer keeps a sticky
** error so that callers check once, at the end.
*/
#ifndef BL_BUF_H
#define BL_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct bl_buf {
    uint8_t *p;                /* the bytes; NULL while empty */
    size_t len;                /* bytes in use */
    size_t cap;                /* bytes allocated */
    int rc;                    /* BL_OK, or BL_ENOMEM after a failed grow */
} bl_buf;

/* A zeroed bl_buf is empty and valid. */
#define BL_BUF_INIT {NULL, 0, 0, 0}

/* Make room for extra more bytes. BL_OK or BL_ENOMEM (also sticky). */
int bl_buf_reserve(bl_buf *b, size_t extra);

/* Append bytes; on failure the buffer's rc is set and the call is a no-op. */
void bl_buf_append(bl_buf *b, const void *p, size_t len);
void bl_buf_putc(bl_buf *b, uint8_t c);
void bl_buf_put_u32le(bl_buf *b, uint32_t v);
void bl_buf_put_u64le(bl_buf *b, uint64_t v);
void bl_buf_put_varint(bl_buf *b, uint64_t v);

/* Append a NUL-terminated string without its NUL. */
void bl_buf_puts(bl_buf *b, const char *s);

/* Keep the allocation, forget the contents (and the error). */
void bl_buf_reset(bl_buf *b);

/* Release the memory; the buffer is empty and valid afterwards. */
void bl_buf_free(bl_buf *b);

/* Take ownership of the bytes, freed with free (NULL when empty or out of
** memory; a big buffer's bytes are copied); the buffer is empty afterwards. */
uint8_t *bl_buf_detach(bl_buf *b, size_t *len);

#endif
