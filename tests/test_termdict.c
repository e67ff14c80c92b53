/* test_termdict.c - the term dictionary (segment/termdict.c) written by
** bl_termdict_add and read over an in-memory segment: exact lookups and
** prefix cursors against a sorted array of keys, for dictionaries of every
** size around the block boundaries; keys sharing long prefixes, the longest
** keys, bytes 0x00 and 0xff; disorder refused; corrupted bytes harmless.
*/
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

#include "segment/segfile.h"

typedef struct key {
    uint8_t b[1 + BL_MAX_TERM];
    size_t len;
    uint32_t df;
    uint64_t cf, post, pos;
    uint32_t max_tf;
} key;

static int key_cmp(const void *x, const void *y)
{
    const key *a = x, *b = y;
    int c = memcmp(a->b, b->b, a->len < b->len ? a->len : b->len);

    if (c != 0)
        return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

/* n sorted unique keys over the four fields with plausible statistics. */
static key *make_keys(fx_rng *r, size_t n)
{
    key *k = calloc(n + 1, sizeof *k);
    size_t m = 0;

    while (m < n) {
        key *e = &k[m];
        size_t len;

        e->b[0] = (uint8_t)fx_rng_below(r, BL_N_FIELDS);
        switch (fx_rng_below(r, 6)) {
        case 0:
            len = BL_MAX_TERM;                    /* the longest */
            break;
        case 1:
            len = 1;
            break;
        default:
            len = 1 + fx_rng_below(r, 12);
        }
        for (size_t i = 0; i < len; i++) {
            /* Few letters: long shared prefixes; sometimes 0x00 / 0xff. */
            uint64_t c = fx_rng_below(r, 40);

            e->b[1 + i] = c == 0 ? 0x00 : c == 1 ? 0xff
                          : (uint8_t)('a' + c % 3);
        }
        e->len = 1 + len;
        e->df = 1 + (uint32_t)(fx_rng_below(r, 3) ? 0 : fx_rng_below(r, 500));
        if (e->b[0] < BL_N_TEXT_FIELDS) {
            e->cf = e->df + (fx_rng_below(r, 2) ? 0 : fx_rng_below(r, 900));
            e->max_tf = e->cf == e->df ? 1
                        : e->df == 1 ? (uint32_t)e->cf
                        : 1 + (uint32_t)fx_rng_below(r, 50);
            e->pos = 1 + fx_rng_below(r, 3000);
        } else {
            e->cf = e->df;
            e->max_tf = 1;
            e->pos = 0;
        }
        e->post = e->df == 1 ? 0 : 2 + fx_rng_below(r, 100000);
        m++;
    }
    qsort(k, n, sizeof *k, key_cmp);
    /* Drop duplicates. */
    m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || key_cmp(&k[m - 1], &k[i]) != 0)
            k[m++] = k[i];
    k[m].len = 0;
    return k;
}

static size_t count_keys(const key *k)
{
    size_t n = 0;

    while (k[n].len != 0)
        n++;
    return n;
}

typedef struct dict {
    bl_termdict_writer w;
    bl_segment seg;
} dict;

static void build(dict *d, const key *k, size_t n)
{
    bl_termdict_writer_init(&d->w);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(bl_termdict_add(&d->w, k[i].b, k[i].len, k[i].df,
                                         k[i].cf, k[i].max_tf, k[i].post,
                                         k[i].pos, (uint32_t)i), BL_OK);
    memset(&d->seg, 0, sizeof d->seg);
    d->seg.docs = UINT32_MAX - 1;
    d->seg.n_terms = d->w.n_terms;
    d->seg.n_term_blocks = d->w.n_blocks;
    d->seg.sec[BL_SEC_TERMS].p = d->w.terms.p;
    d->seg.sec[BL_SEC_TERMS].len = d->w.terms.len;
    d->seg.sec[BL_SEC_TERMIDX].p = d->w.index.p;
    d->seg.sec[BL_SEC_TERMIDX].len = d->w.index.len;
    assert_int_equal(bl_termdict_load(&d->seg), BL_OK);
}

static void unbuild(dict *d)
{
    bl_termdict_unload(&d->seg);
    bl_termdict_writer_free(&d->w);
}

static void check_info(const key *k, size_t i, const bl_term_info *ti,
                       uint64_t post_off, uint64_t pos_off)
{
    assert_int_equal(ti->df, k[i].df);
    assert_int_equal(ti->cf, k[i].cf);
    assert_int_equal(ti->max_tf, k[i].max_tf);
    assert_int_equal(ti->postings_off, k[i].df == 1 ? i : post_off);
    assert_int_equal(ti->positions_off, pos_off);
}

/* Every key is found with its statistics and offsets; keys next to them
** (one byte more, one byte less, another field) are not unless present. */
static void run_size(size_t want, uint64_t seed)
{
    fx_rng r;
    key *k;
    size_t n;
    dict d;
    uint64_t po = 0, xo = 0;

    fx_rng_seed(&r, seed);
    k = make_keys(&r, want);
    n = count_keys(k);
    build(&d, k, n);
    for (size_t i = 0; i < n; i++) {
        bl_term_info ti;
        key probe = k[i];

        assert_int_equal(bl_segment_term(&d.seg, k[i].b[0],
                                         (const char *)k[i].b + 1,
                                         k[i].len - 1, &ti), BL_OK);
        check_info(k, i, &ti, po, xo);
        po += k[i].post;
        xo += k[i].pos;
        /* A longer key (if absent) and a shorter one (if absent). */
        if (probe.len < sizeof probe.b) {
            probe.b[probe.len++] = 'z';
            if (!bsearch(&probe, k, n, sizeof *k, key_cmp))
                assert_int_equal(bl_segment_term(&d.seg, probe.b[0],
                                                 (const char *)probe.b + 1,
                                                 probe.len - 1, &ti),
                                 BL_ENOTFOUND);
        }
        /* One byte up or down at a random place: found exactly when the
        ** sorted array holds it (the lookup skips entries by their shared
        ** prefix, which this exercises). */
        for (int dir = -1; dir <= 1; dir += 2) {
            size_t at = 1 + fx_rng_below(&r, probe.len - 1);
            const key *hit;

            probe = k[i];
            probe.b[at] = (uint8_t)(probe.b[at] + dir);
            hit = bsearch(&probe, k, n, sizeof *k, key_cmp);
            assert_int_equal(bl_segment_term(&d.seg, probe.b[0],
                                             (const char *)probe.b + 1,
                                             probe.len - 1, &ti),
                             hit ? BL_OK : BL_ENOTFOUND);
            if (hit)
                assert_int_equal(ti.df, hit->df);
        }
        probe = k[i];
        if (probe.len > 2) {
            probe.len--;
            if (!bsearch(&probe, k, n, sizeof *k, key_cmp))
                assert_int_equal(bl_segment_term(&d.seg, probe.b[0],
                                                 (const char *)probe.b + 1,
                                                 probe.len - 1, &ti),
                                 BL_ENOTFOUND);
        }
    }
    /* Prefix cursors over random prefixes of random keys, and "". */
    for (int round = 0; round < 60 && n > 0; round++) {
        const key *src = &k[fx_rng_below(&r, n)];
        size_t pl = round == 0 ? 0 : fx_rng_below(&r, src->len);
        uint8_t field = src->b[0];
        bl_term_cursor c;
        bl_term_info ti;
        size_t j = 0, got = 0;
        uint64_t p2 = 0, x2 = 0;

        assert_int_equal(bl_term_cursor_open(&d.seg, field,
                                             (const char *)src->b + 1, pl,
                                             &c), BL_OK);
        while (bl_term_cursor_next(&c, &ti) == BL_OK) {
            /* The next key of this field with the prefix, in order. */
            for (; j < n; j++) {
                if (k[j].b[0] == field && k[j].len - 1 >= pl &&
                    memcmp(k[j].b + 1, src->b + 1, pl) == 0)
                    break;
                p2 += k[j].post;
                x2 += k[j].pos;
            }
            assert_true(j < n);
            assert_int_equal(c.term_len, k[j].len - 1);
            assert_memory_equal(c.term, k[j].b + 1, c.term_len);
            assert_int_equal(c.term[c.term_len], '\0');
            check_info(k, j, &ti, p2, x2);
            p2 += k[j].post;
            x2 += k[j].pos;
            j++;
            got++;
        }
        assert_int_equal(c.rc, BL_DONE);
        for (; j < n; j++)
            assert_false(k[j].b[0] == field && k[j].len - 1 >= pl &&
                         memcmp(k[j].b + 1, src->b + 1, pl) == 0);
        assert_true(got >= 1);
    }
    unbuild(&d);
    free(k);
}

/* Sizes around one and two dictionary blocks (BL_TERMS_PER_BLOCK). */
static void lookups_match_sorted_array(void **state)
{
    enum { B = BL_TERMS_PER_BLOCK };
    static const size_t sizes[] = {1, 2, B - 1, B, B + 1, 2 * B - 1, 2 * B,
                                   2 * B + 1, 1000, 5000};
    (void)state;

    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        run_size(sizes[i], 100 + i);
}

/* An empty dictionary finds nothing; cursors are done at once. */
static void empty_dictionary(void **state)
{
    dict d;
    bl_term_info ti;
    bl_term_cursor c;
    (void)state;

    build(&d, NULL, 0);
    assert_int_equal(bl_segment_term(&d.seg, BL_FIELD_BODY, "a", 1, &ti),
                     BL_ENOTFOUND);
    assert_int_equal(bl_term_cursor_open(&d.seg, BL_FIELD_BODY, "", 0, &c),
                     BL_OK);
    assert_int_equal(bl_term_cursor_next(&c, &ti), BL_DONE);
    assert_int_equal(bl_segment_term(&d.seg, BL_N_FIELDS, "a", 1, &ti),
                     BL_EINVAL);
    unbuild(&d);
}

/* Keys out of order, repeated, empty or too long are refused. */
static void writer_refuses_bad_keys(void **state)
{
    bl_termdict_writer w;
    uint8_t k1[3] = {1, 'b', 'b'}, k2[3] = {1, 'a', 'z'}, k3[1] = {1};
    uint8_t big[2 + BL_MAX_TERM];
    (void)state;

    memset(big, 'x', sizeof big);
    big[0] = 1;
    bl_termdict_writer_init(&w);
    assert_int_equal(bl_termdict_add(&w, k1, 3, 1, 1, 1, 0, 1, 0), BL_OK);
    assert_int_equal(bl_termdict_add(&w, k1, 3, 1, 1, 1, 0, 1, 0),
                     BL_EINVAL);
    assert_int_equal(bl_termdict_add(&w, k2, 3, 1, 1, 1, 0, 1, 0),
                     BL_EINVAL);
    assert_int_equal(bl_termdict_add(&w, k3, 1, 1, 1, 1, 0, 1, 0),
                     BL_EINVAL);
    assert_int_equal(bl_termdict_add(&w, big, sizeof big, 1, 1, 1, 0, 1, 0),
                     BL_EINVAL);
    bl_termdict_writer_free(&w);
}

/* Flipped bytes: lookups and cursors return errors or wrong answers, never
** read outside the section. */
static void corrupt_bytes_never_crash(void **state)
{
    fx_rng r;
    key *k;
    size_t n;
    dict d;
    (void)state;

    fx_rng_seed(&r, 77);
    k = make_keys(&r, 700);
    n = count_keys(k);
    build(&d, k, n);
    for (int round = 0; round < 300; round++) {
        bl_buf *target = round % 5 ? &d.w.terms : &d.w.index;
        size_t at = fx_rng_below(&r, target->len);
        uint8_t old = target->p[at];

        target->p[at] ^= (uint8_t)(1 + fx_rng_below(&r, 255));
        /* As an open of the damaged file would see it. */
        bl_termdict_unload(&d.seg);
        assert_int_equal(bl_termdict_load(&d.seg), BL_OK);
        for (int f = 0; f < BL_N_FIELDS; f++) {
            bl_term_cursor c;
            bl_term_info ti;
            int guard = 0;

            if (bl_term_cursor_open(&d.seg, f, "", 0, &c) == BL_OK)
                while (bl_term_cursor_next(&c, &ti) == BL_OK &&
                       guard++ < 5000)
                    assert_true(c.term_len <= BL_MAX_TERM);
        }
        for (int q = 0; q < 20; q++) {
            const key *e = &k[fx_rng_below(&r, n)];
            bl_term_info ti;

            bl_segment_term(&d.seg, e->b[0], (const char *)e->b + 1,
                            e->len - 1, &ti);
        }
        target->p[at] = old;
        bl_termdict_unload(&d.seg);
        assert_int_equal(bl_termdict_load(&d.seg), BL_OK);
    }
    unbuild(&d);
    free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lookups_match_sorted_array),
        cmocka_unit_test(empty_dictionary),
        cmocka_unit_test(writer_refuses_bad_keys),
        cmocka_unit_test(corrupt_bytes_never_crash),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
