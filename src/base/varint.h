/* varint.h - LEB128 variable-length integers and little-endian fixed-width
** loads and stores, the byte-level codecs every on-disk structure uses.
** Decoders are bounded: they never read past the end they are given.
*/
#ifndef BL_VARINT_H
#define BL_VARINT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "byline.h"

#define BL_VARINT_MAX 10       /* bytes of the longest 64-bit varint */

/* Write v at p (room for BL_VARINT_MAX bytes); return the bytes written. */
size_t bl_varint_put(uint8_t *p, uint64_t v);

/* Read a varint from [*p, end); advance *p. BL_OK, or BL_ECORRUPT when the
** bytes run out or the value overflows 64 bits (then *p is unchanged).
** Values of up to three bytes (most lengths, gaps and list sizes, and the
** document of a df-1 term in a segment of up to 2^21 articles) are decoded
** inline: the term dictionary's lookups, hot in every query, decode
** several per entry (two-byte values inline: the median AND query 5% fewer
** instructions at 10^6 articles; three-byte ones 6% fewer again). */
int bl_varint_get_long(const uint8_t **p, const uint8_t *end, uint64_t *out);

static inline int bl_varint_get(const uint8_t **p, const uint8_t *end,
                                uint64_t *out)
{
    if (*p < end && **p < 0x80) {
        *out = *(*p)++;
        return BL_OK;
    }
    if (end - *p >= 2 && (*p)[1] < 0x80) {
        *out = ((uint64_t)(*p)[0] & 0x7f) | (uint64_t)(*p)[1] << 7;
        *p += 2;
        return BL_OK;
    }
    if (end - *p >= 3 && (*p)[2] < 0x80) {
        *out = ((uint64_t)(*p)[0] & 0x7f) | ((uint64_t)(*p)[1] & 0x7f) << 7 |
               (uint64_t)(*p)[2] << 14;
        *p += 3;
        return BL_OK;
    }
    return bl_varint_get_long(p, end, out);
}

/* The same, for values that must fit 32 bits. */
int bl_varint_get32(const uint8_t **p, const uint8_t *end, uint32_t *out);

/* Bytes that bl_varint_put would write for v. */
size_t bl_varint_len(uint64_t v);

static inline uint32_t bl_load_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline uint64_t bl_load_u64le(const uint8_t *p)
{
    return (uint64_t)bl_load_u32le(p) | (uint64_t)bl_load_u32le(p + 4) << 32;
}

static inline void bl_store_u32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void bl_store_u64le(uint8_t *p, uint64_t v)
{
    bl_store_u32le(p, (uint32_t)v);
    bl_store_u32le(p + 4, (uint32_t)(v >> 32));
}

#endif
