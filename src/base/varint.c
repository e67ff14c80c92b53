/* varint.c - LEB128: seven bits a byte, low bits first, the high bit set on
** every byte but the last. Decoding checks bounds and overflow, since its
** input comes from disk.
*/
#include "base/varint.h"

#include "byline.h"

size_t bl_varint_put(uint8_t *p, uint64_t v)
{
    size_t n = 0;

    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

int bl_varint_get_long(const uint8_t **p, const uint8_t *end,
                       uint64_t *out)
{
    const uint8_t *q = *p;
    uint64_t v = 0;
    unsigned shift = 0;

    *out = 0;
    while (q < end) {
        uint8_t c = *q++;

        if (shift == 63 && (c & 0x7e) != 0)
            return BL_ECORRUPT;          /* would overflow 64 bits */
        v |= (uint64_t)(c & 0x7f) << shift;
        if ((c & 0x80) == 0) {
            *p = q;
            *out = v;
            return BL_OK;
        }
        shift += 7;
        if (shift > 63)
            return BL_ECORRUPT;
    }
    return BL_ECORRUPT;
}

int bl_varint_get32(const uint8_t **p, const uint8_t *end, uint32_t *out)
{
    const uint8_t *q = *p;
    uint64_t v;
    int rc;

    *out = 0;
    rc = bl_varint_get(&q, end, &v);
    if (rc != BL_OK)
        return rc;
    if (v > UINT32_MAX)
        return BL_ECORRUPT;
    *p = q;
    *out = (uint32_t)v;
    return BL_OK;
}

size_t bl_varint_len(uint64_t v)
{
    size_t n = 1;

    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}
