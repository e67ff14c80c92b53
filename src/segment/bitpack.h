/* bitpack.h - fixed-width bit packing, the integer codec of postings,
** positions, lengths and columns (format.h, "packed(n, w)"). Value i of a
** packed run occupies bits [i*w, i*w + w), low bit first; a run is padded to
** a whole byte. Decoders are given the bytes available and never read past
** them: short input is BL_ECORRUPT.
*/
#ifndef BL_BITPACK_H
#define BL_BITPACK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Bytes of a run of n values of w bits. */
static inline size_t bl_bitpack_bytes(size_t n, unsigned w)
{
    return (n * w + 7) / 8;
}

/* Bits needed for the largest of n values (0 when all are 0). */
unsigned bl_bitpack_width(const uint32_t *v, size_t n);

/* Bits needed for v (0 for 0), 64-bit values. */
unsigned bl_bitpack_width64(uint64_t v);

/* Write n values of w bits (w <= 32; each value < 2^w) to out, which has
** room for bl_bitpack_bytes(n, w) bytes. */
void bl_bitpack_encode(const uint32_t *v, size_t n, unsigned w, uint8_t *out);

/* Read n values of w bits from in (avail bytes). BL_OK, or BL_ECORRUPT when
** w > 32 or the run is longer than avail. */
int bl_bitpack_decode(const uint8_t *in, size_t avail, size_t n, unsigned w,
                      uint32_t *out);

/* Patched frame of reference (PFor) for runs of up to BL_PFOR_MAX values:
** a run of n < BL_PFOR_SMALL values is n varints; a longer one is
**   u8 b (<= 32), u8 exceptions, packed(n, b) of every value's low b bits,
**   then per exception: u8 index, varint(value >> b).
** The encoder picks the b that makes the run shortest. */
#define BL_PFOR_MAX 255
#define BL_PFOR_SMALL 8

/* Bytes an encoded run of n values can take at most. */
static inline size_t bl_pfor_bound(size_t n)
{
    return 2 + 10 * n;
}

/* Encode n values to out (room for bl_pfor_bound(n)); returns the bytes
** written. */
size_t bl_pfor_encode(const uint32_t *v, size_t n, uint8_t *out);

/* Decode a run of n values from in (avail bytes); *used is set to the bytes
** it took. BL_OK or BL_ECORRUPT (short input, bad width or index, a value
** beyond 32 bits). */
int bl_pfor_decode(const uint8_t *in, size_t avail, size_t n, uint32_t *out,
                   size_t *used);

/* A bit writer for values up to 64 bits wide, appending to a byte string
** that the caller sized with bl_bitpack_bytes. */
typedef struct bl_bitwriter {
    uint8_t *out;              /* next byte to write */
    uint64_t acc;              /* pending bits, low first */
    unsigned bits;             /* pending bit count, < 8 between calls */
} bl_bitwriter;

void bl_bitwriter_put(bl_bitwriter *bw, uint64_t v, unsigned w);

/* Write the last partial byte, if any. */
void bl_bitwriter_flush(bl_bitwriter *bw);

/* Value i of a packed run of w-bit values (w <= 64) at p. The caller has
** checked that the run is inside its bytes. */
uint64_t bl_bitpack_get(const uint8_t *p, uint64_t i, unsigned w);

/* The w-bit value (w <= 56) whose first bit is bit `shift` (<= 7) of the
** byte at q, read as one little-endian word: the 8 bytes from q must be
** readable. */
static inline uint64_t bl_bitpack_word(const uint8_t *q, unsigned shift,
                                       unsigned w)
{
    uint64_t v;

    memcpy(&v, q, 8);
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return (v >> shift) & (((uint64_t)1 << w) - 1);
}

/* The same as bl_bitpack_get, as one word load when the 8 bytes from the
** value's first byte lie before end (the end of the run's section) and
** w <= 56: a column read for every scored document (field lengths) takes
** 8 instructions instead of about 40. */
static inline uint64_t bl_bitpack_get_in(const uint8_t *p, const uint8_t *end,
                                         uint64_t i, unsigned w)
{
    uint64_t bit = i * w;
    const uint8_t *q = p + bit / 8;

    if (w <= 56 && end - q >= 8)
        return bl_bitpack_word(q, (unsigned)(bit % 8), w);
    return bl_bitpack_get(p, i, w);
}

#endif
