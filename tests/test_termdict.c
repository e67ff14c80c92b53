/* test_termdict.c - the term dictionary (segment/termdict.c) written by
** bl_termdict_add and read over an in-memory segment: exact lookups and
** prefix cursors against a sorted array of keys, for dictionaries of every
** size around the block boundaries, and lookups of a term in several fields
** at once; keys sharing long prefixes, the longest keys, bytes 0x00 and 0xff
** (which part a term's fields in the key order); disorder refused;
** corrupted bytes harmless.
*/
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

#include "segment/segfile.h"

/* A dictionary key (format.h): term bytes, then the field byte. */
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

#define FIELD(k) ((k)->b[(k)->len - 1])
#define TERM(k) ((const char *)(k)->b)
#define TERM_LEN(k) ((k)->len - 1)

/* Look k up in the dictionary as the sorted array a of n keys would. */
static const key *find_key(const key *k, const key *a, size_t n)
{
    return bsearch(k, a, n, sizeof *a, key_cmp);
}

/* n sorted unique keys over the four fields with plausible statistics. */
static key *make_keys(fx_rng *r, size_t n)
{
    key *k = calloc(n + 1, sizeof *k);
    size_t m = 0;

    while (m < n) {
        key *e = &k[m];
        size_t len;
        uint8_t field = (uint8_t)fx_rng_below(r, BL_N_FIELDS);

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

            e->b[i] = c == 0 ? 0x00 : c == 1 ? 0xff
                      : (uint8_t)('a' + c % 3);
        }
        e->b[len] = field;
        e->len = 1 + len;
        e->df = 1 + (uint32_t)(fx_rng_below(r, 3) ? 0 : fx_rng_below(r, 500));
        if (field < BL_N_TEXT_FIELDS) {
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

        assert_int_equal(bl_segment_term(&d.seg, FIELD(&k[i]), TERM(&k[i]),
                                         TERM_LEN(&k[i]), &ti), BL_OK);
        check_info(k, i, &ti, po, xo);
        po += k[i].post;
        xo += k[i].pos;
        /* A longer term (if absent) and a shorter one (if absent). */
        if (probe.len < sizeof probe.b) {
            probe.b[probe.len - 1] = 'z';
            probe.b[probe.len++] = FIELD(&k[i]);
            if (!find_key(&probe, k, n))
                assert_int_equal(bl_segment_term(&d.seg, FIELD(&probe),
                                                 TERM(&probe),
                                                 TERM_LEN(&probe), &ti),
                                 BL_ENOTFOUND);
        }
        /* One byte up or down at a random place of the term: found
        ** exactly when the sorted array holds it (the lookup skips entries
        ** by their shared prefix, which this exercises). */
        for (int dir = -1; dir <= 1; dir += 2) {
            size_t at = fx_rng_below(&r, TERM_LEN(&k[i]));
            const key *hit;

            probe = k[i];
            probe.b[at] = (uint8_t)(probe.b[at] + dir);
            hit = find_key(&probe, k, n);
            assert_int_equal(bl_segment_term(&d.seg, FIELD(&probe),
                                             TERM(&probe), TERM_LEN(&probe),
                                             &ti),
                             hit ? BL_OK : BL_ENOTFOUND);
            if (hit)
                assert_int_equal(ti.df, hit->df);
        }
        probe = k[i];
        if (probe.len > 2) {
            probe.len--;
            probe.b[probe.len - 1] = FIELD(&k[i]);
            if (!find_key(&probe, k, n))
                assert_int_equal(bl_segment_term(&d.seg, FIELD(&probe),
                                                 TERM(&probe),
                                                 TERM_LEN(&probe), &ti),
                                 BL_ENOTFOUND);
        }
    }
    /* Every term in random sets of fields at once: each field's answer is
    ** the sorted array's, whatever lies between the term's keys. */
    for (size_t i = 0; i < n; i++) {
        unsigned mask = (unsigned)fx_rng_below(&r, 1u << BL_N_FIELDS), found;
        bl_term_info all[BL_N_FIELDS];

        if (i % 3 == 0)
            mask |= 1u << FIELD(&k[i]);
        assert_int_equal(bl_segment_term_fields(&d.seg, TERM(&k[i]),
                                                TERM_LEN(&k[i]), mask, &found,
                                                all), BL_OK);
        assert_int_equal(found & ~mask, 0);
        for (unsigned f = 0; f < BL_N_FIELDS; f++) {
            key probe = k[i];
            const key *hit;

            if (!(mask & (1u << f)))
                continue;
            probe.b[probe.len - 1] = (uint8_t)f;
            hit = find_key(&probe, k, n);
            assert_int_equal(!!(found & (1u << f)), hit != NULL);
            if (hit) {
                assert_int_equal(all[f].df, hit->df);
                assert_int_equal(all[f].cf, hit->cf);
                assert_int_equal(all[f].max_tf, hit->max_tf);
            }
        }
    }
    /* Prefix cursors over random prefixes of random terms, and "", in one
    ** field and in all. */
    for (int round = 0; round < 60 && n > 0; round++) {
        const key *src = &k[fx_rng_below(&r, n)];
        size_t pl = round == 0 ? 0 : fx_rng_below(&r, src->len);
        unsigned field = round % 4 == 3 ? BL_ANY_FIELD : FIELD(src);
        bl_term_cursor c;
        bl_term_info ti;
        size_t j = 0, got = 0;
        uint64_t p2 = 0, x2 = 0;

        assert_int_equal(bl_term_cursor_open(&d.seg, (bl_field_id)field,
                                             TERM(src), pl, &c), BL_OK);
        while (bl_term_cursor_next(&c, &ti) == BL_OK) {
            /* The next key of this field with the prefix, in order. */
            for (; j < n; j++) {
                if ((field == BL_ANY_FIELD || FIELD(&k[j]) == field) &&
                    TERM_LEN(&k[j]) >= pl &&
                    memcmp(TERM(&k[j]), TERM(src), pl) == 0)
                    break;
                p2 += k[j].post;
                x2 += k[j].pos;
            }
            assert_true(j < n);
            assert_int_equal(c.term_len, TERM_LEN(&k[j]));
            assert_memory_equal(c.term, TERM(&k[j]), c.term_len);
            assert_int_equal(c.term[c.term_len], '\0');
            assert_int_equal(c.term_field, FIELD(&k[j]));
            check_info(k, j, &ti, p2, x2);
            p2 += k[j].post;
            x2 += k[j].pos;
            j++;
            got++;
        }
        assert_int_equal(c.rc, BL_DONE);
        for (; j < n; j++)
            assert_false((field == BL_ANY_FIELD || FIELD(&k[j]) == field) &&
                         TERM_LEN(&k[j]) >= pl &&
                         memcmp(TERM(&k[j]), TERM(src), pl) == 0);
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
    {
        bl_term_info all[BL_N_FIELDS];
        unsigned found = 7;

        assert_int_equal(bl_segment_term_fields(&d.seg, "a", 1, 3, &found,
                                                all), BL_OK);
        assert_int_equal(found, 0);
        assert_int_equal(bl_segment_term_fields(&d.seg, "a", 1,
                                                1u << BL_N_FIELDS, &found,
                                                all), BL_EINVAL);
    }
    unbuild(&d);
}

/* Keys out of order, repeated, empty or too long are refused. */
static void writer_refuses_bad_keys(void **state)
{
    bl_termdict_writer w;
    uint8_t k1[3] = {'b', 'b', 1}, k2[3] = {'a', 'z', 1}, k3[1] = {1};
    uint8_t k4[2] = {'c', BL_N_FIELDS};
    uint8_t big[2 + BL_MAX_TERM];
    (void)state;

    memset(big, 'x', sizeof big);
    big[sizeof big - 1] = 1;
    bl_termdict_writer_init(&w);
    assert_int_equal(bl_termdict_add(&w, k1, 3, 1, 1, 1, 0, 1, 0), BL_OK);
    assert_int_equal(bl_termdict_add(&w, k1, 3, 1, 1, 1, 0, 1, 0),
                     BL_EINVAL);
    assert_int_equal(bl_termdict_add(&w, k2, 3, 1, 1, 1, 0, 1, 0),
                     BL_EINVAL);
    assert_int_equal(bl_termdict_add(&w, k3, 1, 1, 1, 1, 0, 1, 0),
                     BL_EINVAL);
    assert_int_equal(bl_termdict_add(&w, k4, 2, 1, 1, 1, 0, 1, 0),
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
        for (int f = 0; f <= BL_ANY_FIELD; f++) {
            bl_term_cursor c;
            bl_term_info ti;
            int guard = 0;

            if (bl_term_cursor_open(&d.seg, (bl_field_id)f, "", 0, &c) ==
                BL_OK)
                while (bl_term_cursor_next(&c, &ti) == BL_OK &&
                       guard++ < 5000)
                    assert_true(c.term_len <= BL_MAX_TERM);
        }
        for (int q = 0; q < 20; q++) {
            const key *e = &k[fx_rng_below(&r, n)];
            bl_term_info ti;

            bl_term_info all[BL_N_FIELDS];
            unsigned found;

            bl_segment_term(&d.seg, FIELD(e), TERM(e), TERM_LEN(e), &ti);
            bl_segment_term_fields(&d.seg, TERM(e), TERM_LEN(e),
                                   (1u << BL_N_FIELDS) - 1, &found, all);
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
