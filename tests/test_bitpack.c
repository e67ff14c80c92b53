/* test_bitpack.c - the integer codecs of segment/bitpack.h: fixed-width
** packing for every width, the 64-bit bit writer and random access, and the
** patched frame-of-reference runs; random and adversarial inputs, and
** every truncation of an encoded run rejected without reading past it.
*/
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

#include "byline.h"
#include "segment/bitpack.h"

static uint32_t rand_width(fx_rng *r, unsigned w)
{
    if (w == 0)
        return 0;
    return (uint32_t)(fx_rng_next(r) & (w == 32 ? 0xffffffffu
                                                : ((1u << w) - 1)));
}

/* Every width 0..32 and many lengths round-trip; the run has the size
** bl_bitpack_bytes says; a short buffer is rejected. */
static void packs_every_width(void **state)
{
    fx_rng r;
    (void)state;

    fx_rng_seed(&r, 1);
    for (unsigned w = 0; w <= 32; w++) {
        static const size_t lens[] = {0, 1, 2, 7, 8, 9, 127, 128, 129, 300};

        for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
            size_t n = lens[li], bytes = bl_bitpack_bytes(n, w);
            uint32_t *v = malloc(sizeof *v * (n + 1));
            uint32_t *out = malloc(sizeof *out * (n + 1));
            uint8_t *buf = malloc(bytes + 1);

            for (size_t i = 0; i < n; i++)
                v[i] = rand_width(&r, w);
            if (n > 0 && w > 0)
                v[0] = w == 32 ? 0xffffffffu : (1u << w) - 1;
            assert_true(bl_bitpack_width(v, n) <= w);
            bl_bitpack_encode(v, n, w, buf);
            assert_int_equal(bl_bitpack_decode(buf, bytes, n, w, out),
                             BL_OK);
            if (n > 0)
                assert_memory_equal(v, out, n * sizeof *v);
            for (size_t i = 0; i < n; i++)
                assert_true(bl_bitpack_get(buf, i, w) == v[i]);
            if (bytes > 0)
                assert_int_equal(bl_bitpack_decode(buf, bytes - 1, n, w,
                                                   out), BL_ECORRUPT);
            /* The decoder reads a value's 8 bytes at once where they lie
            ** inside what it is given: from a buffer of exactly the run
            ** (an over-read is an AddressSanitizer error) and from one
            ** with random bytes after it (which must not leak in). */
            {
                uint8_t *exact = malloc(bytes ? bytes : 1);
                uint8_t *more = malloc(bytes + 16);

                memcpy(exact, buf, bytes);
                memcpy(more, buf, bytes);
                for (size_t i = 0; i < 16; i++)
                    more[bytes + i] = (uint8_t)fx_rng_next(&r);
                memset(out, 0xa5, sizeof *out * (n + 1));
                assert_int_equal(bl_bitpack_decode(exact, bytes, n, w, out),
                                 BL_OK);
                if (n > 0)
                    assert_memory_equal(v, out, n * sizeof *v);
                memset(out, 0xa5, sizeof *out * (n + 1));
                assert_int_equal(bl_bitpack_decode(more, bytes + 16, n, w,
                                                   out), BL_OK);
                if (n > 0)
                    assert_memory_equal(v, out, n * sizeof *v);
                free(exact);
                free(more);
            }
            free(v);
            free(out);
            free(buf);
        }
    }
    {
        uint8_t b[8] = {0};
        uint32_t out[2];

        assert_int_equal(bl_bitpack_decode(b, 8, 1, 33, out), BL_ECORRUPT);
    }
}

/* Widths are the bits of the largest value. */
static void width_is_exact(void **state)
{
    uint32_t v[3] = {0, 0, 0};
    (void)state;

    assert_int_equal(bl_bitpack_width(v, 3), 0);
    v[1] = 1;
    assert_int_equal(bl_bitpack_width(v, 3), 1);
    v[2] = 0x80000000u;
    assert_int_equal(bl_bitpack_width(v, 3), 32);
    assert_int_equal(bl_bitpack_width64(0), 0);
    assert_int_equal(bl_bitpack_width64(UINT64_MAX), 64);
    assert_int_equal(bl_bitpack_width64(255), 8);
}

/* 64-bit values of any width go through the bit writer and come back by
** random access, byte by byte and a word at a time (bl_bitpack_get_in,
** given exactly the run's bytes: the last values, whose word would cross
** the end, are read byte by byte, and ASan sees no read past it). */
static void bitwriter_round_trips_64(void **state)
{
    fx_rng r;
    (void)state;

    fx_rng_seed(&r, 2);
    for (unsigned w = 0; w <= 64; w++) {
        const size_t n = 100;
        size_t bytes = bl_bitpack_bytes(n, w);
        uint64_t v[100];
        uint8_t *buf = calloc(1, bytes + 1);
        bl_bitwriter bw = {buf, 0, 0};

        for (size_t i = 0; i < n; i++) {
            v[i] = w == 0 ? 0 : fx_rng_next(&r) >> (64 - w);
            if (i == n - 1 && w > 0)
                v[i] = UINT64_MAX >> (64 - w);   /* all ones, at the end */
            bl_bitwriter_put(&bw, v[i], w);
        }
        bl_bitwriter_flush(&bw);
        assert_ptr_equal(bw.out, buf + bytes);
        for (size_t i = 0; i < n; i++) {
            assert_true(bl_bitpack_get(buf, i, w) == v[i]);
            assert_true(bl_bitpack_get_in(buf, buf + bytes, i, w) == v[i]);
        }
        free(buf);
    }
}

static void pfor_check(const uint32_t *v, size_t n)
{
    uint8_t *buf = malloc(bl_pfor_bound(n));
    uint32_t *out = malloc(sizeof *out * (n + 1));
    size_t len = bl_pfor_encode(v, n, buf), used;
    uint8_t *exact = malloc(len ? len : 1);

    assert_true(len <= bl_pfor_bound(n));
    /* An exactly sized copy: any overread is an ASan error. */
    memcpy(exact, buf, len);
    assert_int_equal(bl_pfor_decode(exact, len, n, out, &used), BL_OK);
    assert_int_equal(used, len);
    if (n > 0)
        assert_memory_equal(v, out, n * sizeof *v);
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(bl_pfor_decode(exact, cut, n, out, &used),
                         BL_ECORRUPT);
    free(buf);
    free(out);
    free(exact);
}

/* PFor round trips random and adversarial runs of every length. */
static void pfor_round_trips(void **state)
{
    fx_rng r;
    uint32_t v[BL_PFOR_MAX];
    (void)state;

    fx_rng_seed(&r, 3);
    for (size_t n = 0; n <= 130; n++) {
        for (int kind = 0; kind < 7; kind++) {
            for (size_t i = 0; i < n; i++) {
                switch (kind) {
                case 0: v[i] = 0; break;                        /* zeros */
                case 1: v[i] = 0xffffffffu; break;              /* max */
                case 2: v[i] = (uint32_t)fx_rng_below(&r, 16); break;
                case 3: v[i] = i == n / 2 ? 0xfffffffeu
                                          : (uint32_t)fx_rng_below(&r, 4);
                    break;                                  /* one outlier */
                case 4: v[i] = (uint32_t)fx_rng_next(&r); break;
                case 5: v[i] = (uint32_t)(fx_rng_next(&r) >>
                                          (32 + fx_rng_below(&r, 32)));
                    break;                                /* mixed widths */
                default: v[i] = 7; break;                     /* all equal */
                }
            }
            pfor_check(v, n);
        }
    }
    for (size_t i = 0; i < BL_PFOR_MAX; i++)
        v[i] = i % 9 == 0 ? 1u << 31 : 1;
    pfor_check(v, BL_PFOR_MAX);
    /* Every width, on runs of full groups of eight and a tail: values all
    ** of exactly w bits take b = w and no exceptions, and the packed part
    ** is byte for byte what bl_bitpack_encode writes (the encoder packs
    ** groups of eight with a loop per width). */
    for (unsigned w = 1; w <= 32; w++) {
        static const size_t lens[] = {8, 13, 16, 128, 131};

        for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
            size_t n = lens[li];
            uint8_t enc[2 + 4 * BL_PFOR_MAX + 8], ref[4 * BL_PFOR_MAX + 8];
            size_t len;

            for (size_t i = 0; i < n; i++)
                v[i] = (uint32_t)(1u << (w - 1)) |
                       (uint32_t)(fx_rng_next(&r) &
                                  ((w == 32 ? 0x7fffffffu
                                            : (1u << (w - 1)) - 1)));
            len = bl_pfor_encode(v, n, enc);
            bl_bitpack_encode(v, n, w, ref);
            assert_int_equal(enc[0], w);
            assert_int_equal(enc[1], 0);
            assert_int_equal(len, 2 + bl_bitpack_bytes(n, w));
            assert_memory_equal(enc + 2, ref, bl_bitpack_bytes(n, w));
            pfor_check(v, n);
        }
    }
}

/* Bad headers: width over 32, more exceptions than values, an exception
** index out of range, or a value past 32 bits. */
static void pfor_rejects_bad_runs(void **state)
{
    uint32_t out[16];
    size_t used;
    uint8_t b[64];
    (void)state;

    memset(b, 0, sizeof b);
    b[0] = 33;
    assert_int_equal(bl_pfor_decode(b, sizeof b, 16, out, &used),
                     BL_ECORRUPT);
    b[0] = 1;
    b[1] = 17;
    assert_int_equal(bl_pfor_decode(b, sizeof b, 16, out, &used),
                     BL_ECORRUPT);
    b[1] = 1;
    b[4] = 16;                         /* exception index 16 of 16 */
    b[5] = 1;
    assert_int_equal(bl_pfor_decode(b, sizeof b, 16, out, &used),
                     BL_ECORRUPT);
    b[0] = 4;                          /* 16 x 4 bits = 8 bytes */
    b[10] = 3;                         /* index 3 */
    b[11] = 0xff;                      /* high part 0x0fffffff << 4 */
    b[12] = 0xff;
    b[13] = 0xff;
    b[14] = 0xff;
    b[15] = 0x01;
    assert_int_equal(bl_pfor_decode(b, sizeof b, 16, out, &used),
                     BL_ECORRUPT);
    b[15] = 0x00;
    assert_int_equal(bl_pfor_decode(b, sizeof b, 16, out, &used),
                     BL_OK);
    assert_int_equal(out[3], 0xfffffff0u);
    assert_int_equal(used, 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(packs_every_width),
        cmocka_unit_test(width_is_exact),
        cmocka_unit_test(bitwriter_round_trips_64),
        cmocka_unit_test(pfor_round_trips),
        cmocka_unit_test(pfor_rejects_bad_runs),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
