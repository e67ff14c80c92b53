/* bitpack.c - the bit packing of bitpack.h. Encoding streams bits through
** a 64-bit accumulator a byte at a time. Decoding reads each value with one
** 8-byte load where those 8 bytes lie inside the bytes given, eight values
** at a time in a loop compiled once per width, and the rest byte by byte:
** it checks the run length once, up front, and then cannot overrun.
*/
#include "segment/bitpack.h"

#include "base/varint.h"
#include "byline.h"

unsigned bl_bitpack_width(const uint32_t *v, size_t n)
{
    uint32_t m = 0;

    for (size_t i = 0; i < n; i++)
        m |= v[i];
    return m ? 32u - (unsigned)__builtin_clz(m) : 0;
}

unsigned bl_bitpack_width64(uint64_t v)
{
    return v ? 64u - (unsigned)__builtin_clzll(v) : 0;
}

void bl_bitpack_encode(const uint32_t *v, size_t n, unsigned w, uint8_t *out)
{
    uint64_t acc = 0;
    unsigned bits = 0;

    if (w == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        acc |= (uint64_t)v[i] << bits;
        bits += w;
        while (bits >= 8) {
            *out++ = (uint8_t)acc;
            acc >>= 8;
            bits -= 8;
        }
    }
    if (bits > 0)
        *out = (uint8_t)acc;
}

/* Eight values of w bits from in, which holds at least w + 8 bytes: value
** k lies in the 8 bytes from byte k*w/8, shifted by k*w%8 (<= 7, and
** 7 + 32 bits fit in 64). With w a constant, every offset and shift is
** one too: a load, a shift, a mask and a store a value. */
static inline __attribute__((always_inline)) void
unpack8(const uint8_t *in, unsigned w, uint32_t *out)
{
    for (unsigned k = 0; k < 8; k++)
        out[k] = (uint32_t)bl_bitpack_word(in + k * w / 8, k * w % 8, w);
}

/* The groups of eight values whose loads lie inside avail; returns how
** many values that is. */
static inline __attribute__((always_inline)) size_t
unpack_groups(const uint8_t *in, size_t avail, size_t n, unsigned w,
              uint32_t *out)
{
    size_t g = 0;

    for (; g + 8 <= n && g / 8 * w + w + 8 <= avail; g += 8)
        unpack8(in + g / 8 * w, w, out + g);
    return g;
}

int bl_bitpack_decode(const uint8_t *in, size_t avail, size_t n, unsigned w,
                      uint32_t *out)
{
    size_t i = 0;

    if (w > 32 || bl_bitpack_bytes(n, w) > avail)
        return BL_ECORRUPT;
    if (w == 0) {
        for (size_t k = 0; k < n; k++)
            out[k] = 0;
        return BL_OK;
    }
    /* One copy of the loop per width, so that its offsets and shifts are
    ** constants. The values left (a run's last few, or those whose loads
    ** would pass avail) are read one by one. */
    switch (w) {
#define W(x)                                                                 \
    case x:                                                                  \
        i = unpack_groups(in, avail, n, x, out);                             \
        break;
        W(1) W(2) W(3) W(4) W(5) W(6) W(7) W(8) W(9) W(10) W(11) W(12)
        W(13) W(14) W(15) W(16) W(17) W(18) W(19) W(20) W(21) W(22) W(23)
        W(24) W(25) W(26) W(27) W(28) W(29) W(30) W(31) W(32)
#undef W
    }
    for (; i < n; i++)
        out[i] = (uint32_t)bl_bitpack_get(in, i, w);
    return BL_OK;
}

void bl_bitwriter_put(bl_bitwriter *bw, uint64_t v, unsigned w)
{
    if (w > 32) {
        bl_bitwriter_put(bw, v & 0xffffffffu, 32);
        v >>= 32;
        w -= 32;
    }
    if (w == 0)
        return;
    bw->acc |= (v & (((uint64_t)1 << w) - 1)) << bw->bits;
    bw->bits += w;
    while (bw->bits >= 8) {
        *bw->out++ = (uint8_t)bw->acc;
        bw->acc >>= 8;
        bw->bits -= 8;
    }
}

void bl_bitwriter_flush(bl_bitwriter *bw)
{
    if (bw->bits > 0)
        *bw->out++ = (uint8_t)bw->acc;
    bw->acc = 0;
    bw->bits = 0;
}

uint64_t bl_bitpack_get(const uint8_t *p, uint64_t i, unsigned w)
{
    uint64_t bit = i * w, v = 0;
    const uint8_t *q = p + bit / 8;
    unsigned shift = (unsigned)(bit % 8), got = 0;

    if (w == 0)
        return 0;
    /* The first byte contributes its bits above shift. */
    v = (uint64_t)(*q++ >> shift);
    got = 8 - shift;
    while (got < w) {
        v |= (uint64_t)*q++ << got;
        got += 8;
    }
    return w == 64 ? v : v & (((uint64_t)1 << w) - 1);
}

/* Pack the low w bits of v[0..n) (bl_bitpack_encode's layout, the values
** not masked first), four bytes at a time: acc holds under 32 pending bits
** between values, so one more (w <= 32) still fits. Returns the bytes
** written. Called with n = 8 and w a constant, the flushes fall at known
** values and the loop unrolls into shifts, ors and stores. */
static inline __attribute__((always_inline)) size_t
pack_run(const uint32_t *v, size_t n, unsigned w, uint8_t *out)
{
    uint64_t acc = 0, mask = ((uint64_t)1 << w) - 1;
    unsigned bits = 0;
    size_t at = 0;

    for (size_t k = 0; k < n; k++) {
        acc |= (v[k] & mask) << bits;
        bits += w;
        if (bits >= 32) {
            bl_store_u32le(out + at, (uint32_t)acc);
            at += 4;
            acc >>= 32;
            bits -= 32;
        }
    }
    for (; bits > 0; bits = bits > 8 ? bits - 8 : 0) {
        out[at++] = (uint8_t)acc;
        acc >>= 8;
    }
    return at;
}

/* pack_run of v[0..n) with b bits: groups of eight (b whole bytes each) in
** a loop compiled once per width, then the rest. */
static size_t pack_low(const uint32_t *v, size_t n, unsigned b,
                       uint8_t *out)
{
    size_t i = 0, at = 0;

    switch (b) {
#define W(x)                                                                 \
    case x:                                                                  \
        for (; i + 8 <= n; i += 8)                                           \
            at += pack_run(v + i, 8, x, out + at);                           \
        break;
        W(1) W(2) W(3) W(4) W(5) W(6) W(7) W(8) W(9) W(10) W(11) W(12)
        W(13) W(14) W(15) W(16) W(17) W(18) W(19) W(20) W(21) W(22) W(23)
        W(24) W(25) W(26) W(27) W(28) W(29) W(30) W(31) W(32)
#undef W
    default:
        return 0;              /* b == 0: nothing to write */
    }
    return at + pack_run(v + i, n - i, b, out + at);
}

size_t bl_pfor_encode(const uint32_t *v, size_t n, uint8_t *out)
{
    size_t count[33] = {0}, best = SIZE_MAX, at = 0, n_exc = 0;
    unsigned b = 0, top = 0;

    if (n < BL_PFOR_SMALL) {
        for (size_t i = 0; i < n; i++)
            at += bl_varint_put(out + at, v[i]);
        return at;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned w = v[i] ? 32 - (unsigned)__builtin_clz(v[i]) : 0;

        count[w]++;
        if (w > top)
            top = w;
    }
    /* Only widths up to the largest value's, top, can win: at top there are
    ** no exceptions, and above it every width costs n >= 8 bits more. This
    ** bound took the search from 528 steps to top^2/2 (flush of Reuters'
    ** postings: 648 -> 210 M instructions in bl_pfor_encode). */
    for (unsigned c = 0; c <= top; c++) {
        size_t cost = bl_bitpack_bytes(n, c);

        for (unsigned w = c + 1; w <= top; w++)
            cost += count[w] * (1 + (w - c + 6) / 7);
        if (cost <= best) {
            best = cost;
            b = c;
        }
    }
    for (unsigned w = b + 1; w <= top; w++)
        n_exc += count[w];
    out[0] = (uint8_t)b;
    out[1] = (uint8_t)n_exc;
    at = 2;
    at += pack_low(v, n, b, out + at);
    for (size_t i = 0; i < n && n_exc > 0; i++) {
        if (b < 32 && (v[i] >> b) != 0) {
            out[at++] = (uint8_t)i;
            at += bl_varint_put(out + at, v[i] >> b);
        }
    }
    return at;
}

int bl_pfor_decode(const uint8_t *in, size_t avail, size_t n, uint32_t *out,
                   size_t *used)
{
    const uint8_t *p = in, *end = in + avail;
    unsigned b, n_exc;

    *used = 0;
    if (n < BL_PFOR_SMALL) {
        for (size_t i = 0; i < n; i++)
            if (bl_varint_get32(&p, end, &out[i]) != BL_OK)
                return BL_ECORRUPT;
        *used = (size_t)(p - in);
        return BL_OK;
    }
    if (avail < 2 || n > BL_PFOR_MAX)
        return BL_ECORRUPT;
    b = in[0];
    n_exc = in[1];
    if (b > 32 || n_exc > n || (b == 32 && n_exc > 0))
        return BL_ECORRUPT;
    if (bl_bitpack_decode(in + 2, avail - 2, n, b, out) != BL_OK)
        return BL_ECORRUPT;
    p = in + 2 + bl_bitpack_bytes(n, b);
    for (unsigned k = 0; k < n_exc; k++) {
        uint32_t high;
        unsigned idx;

        if (p >= end)
            return BL_ECORRUPT;
        idx = *p++;
        if (idx >= n || bl_varint_get32(&p, end, &high) != BL_OK ||
            high == 0 || (b > 0 && (high >> (32 - b)) != 0))
            return BL_ECORRUPT;
        out[idx] |= high << b;
    }
    *used = (size_t)(p - in);
    return BL_OK;
}
