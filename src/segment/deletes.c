/* deletes.c - deletion bitmaps of deletes.h. A file is checked as a whole:
** its checksum, its size against the doc count, the popcount against the
** stored count and zero padding bits, so that a decoded bitmap is exactly
** what the writer meant.
*/
#include "segment/deletes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/hash.h"
#include "base/varint.h"
#include "byline.h"

#define MAGIC "BYLDELET"
#define HEAD 20

static size_t bitmap_bytes(uint32_t docs)
{
    return ((size_t)docs + 7) / 8;
}

int bl_deletes_new(uint32_t docs, bl_deletes *out)
{
    out->docs = docs;
    out->count = 0;
    out->bits = calloc(bitmap_bytes(docs) + 1, 1);
    if (out->bits == NULL) {
        out->docs = 0;
        return BL_ENOMEM;
    }
    return BL_OK;
}

void bl_deletes_free(bl_deletes *d)
{
    free(d->bits);
    d->bits = NULL;
    d->docs = 0;
    d->count = 0;
}

int bl_deletes_copy(bl_deletes *dst, const bl_deletes *src)
{
    int rc = bl_deletes_new(src->docs, dst);

    if (rc == BL_OK && src->bits != NULL) {
        memcpy(dst->bits, src->bits, bitmap_bytes(src->docs));
        dst->count = src->count;
    }
    return rc;
}

bool bl_deletes_set(bl_deletes *d, uint32_t doc)
{
    uint8_t bit;

    if (doc >= d->docs)
        return false;
    bit = (uint8_t)(1u << (doc & 7));
    if (d->bits[doc >> 3] & bit)
        return false;
    d->bits[doc >> 3] |= bit;
    d->count++;
    return true;
}

int bl_deletes_encode(const bl_deletes *d, bl_buf *out)
{
    size_t start = out->len;
    uint8_t zero = 0;

    bl_buf_append(out, MAGIC, 8);
    bl_buf_put_u32le(out, BL_DELETES_VERSION);
    bl_buf_put_u32le(out, d->docs);
    bl_buf_put_u32le(out, d->count);
    if (d->bits != NULL)
        bl_buf_append(out, d->bits, bitmap_bytes(d->docs));
    else
        for (size_t i = 0; i < bitmap_bytes(d->docs); i++)
            bl_buf_append(out, &zero, 1);
    if (out->rc != BL_OK)
        return out->rc;
    bl_buf_put_u64le(out, bl_checksum(out->p + start, out->len - start));
    return out->rc;
}

static int fail(char *msg, size_t cap, int rc, const char *what)
{
    if (msg != NULL && cap > 0)
        snprintf(msg, cap, "%s", what);
    return rc;
}

int bl_deletes_decode(const uint8_t *p, size_t len, bl_deletes *out,
                      char *msg, size_t cap)
{
    uint32_t docs, count, n = 0;
    size_t bytes;
    int rc;

    memset(out, 0, sizeof *out);
    if (len < HEAD + 8)
        return fail(msg, cap, BL_ECORRUPT, "truncated");
    if (bl_load_u64le(p + len - 8) != bl_checksum(p, len - 8))
        return fail(msg, cap, BL_ECORRUPT, "checksum mismatch");
    if (memcmp(p, MAGIC, 8) != 0)
        return fail(msg, cap, BL_ECORRUPT, "bad magic");
    if (bl_load_u32le(p + 8) != BL_DELETES_VERSION)
        return fail(msg, cap, BL_EVERSION, "unsupported version");
    docs = bl_load_u32le(p + 12);
    count = bl_load_u32le(p + 16);
    bytes = bitmap_bytes(docs);
    if (len - HEAD - 8 != bytes)
        return fail(msg, cap, BL_ECORRUPT, "size does not match doc count");
    if ((docs & 7) != 0 && (p[HEAD + bytes - 1] >> (docs & 7)) != 0)
        return fail(msg, cap, BL_ECORRUPT, "bits set past the last doc");
    for (size_t i = 0; i < bytes; i++)
        n += (uint32_t)__builtin_popcount(p[HEAD + i]);
    if (n != count)
        return fail(msg, cap, BL_ECORRUPT, "count differs from bits set");
    rc = bl_deletes_new(docs, out);
    if (rc != BL_OK)
        return fail(msg, cap, rc, "out of memory");
    memcpy(out->bits, p + HEAD, bytes);
    out->count = count;
    return BL_OK;
}

int bl_deletes_load(const char *path, bl_deletes *out, char *msg, size_t cap)
{
    uint8_t *p;
    size_t len;
    int rc;

    memset(out, 0, sizeof *out);
    rc = bl_file_read(path, &p, &len);
    if (rc != BL_OK)
        return fail(msg, cap, rc, rc == BL_ENOTFOUND ? "missing"
                                                      : "cannot read");
    rc = bl_deletes_decode(p, len, out, msg, cap);
    free(p);
    return rc;
}

int bl_deletes_write(const char *path, const bl_deletes *d)
{
    bl_buf b = BL_BUF_INIT;
    int rc = bl_deletes_encode(d, &b);

    if (rc == BL_OK)
        rc = bl_file_write_atomic(path, b.p, b.len);
    bl_buf_free(&b);
    return rc;
}
