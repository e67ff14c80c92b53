/* test_postings.c - one term's postings and positions (segment/postings.c)
** written by bl_postings_write and read back through the bl_postings cursor
** of segment.h over an in-memory segment: every block-size boundary, empty
** and one-document lists, largest gaps, doc ids near 2^32, huge tfs, seek,
** block bounds, the exact check, and corrupted bytes that must never crash.
*/
#include "fixture.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "segment/bitpack.h"
#include "segment/segfile.h"

/* A segment with only what postings need: docs, lengths, two sections. */
typedef struct mem {
    bl_segment seg;
    bl_buf post, pos, lengths;
    uint32_t *len;             /* field length per doc (body) */
} mem;

static void mem_init(mem *m, uint32_t docs, uint32_t *field_len)
{
    const uint32_t *lens[2];

    memset(m, 0, sizeof *m);
    m->seg.docs = docs;
    m->len = field_len;
    if (field_len != NULL) {
        lens[0] = field_len;
        lens[1] = field_len;
        assert_int_equal(bl_lengths_write(&m->lengths, lens, docs), BL_OK);
        m->seg.len_w[0] = m->seg.len_w[1] = m->lengths.p[0];
        m->seg.len_p[0] = m->lengths.p + BL_LENGTHS_HEAD;
        m->seg.len_p[1] = m->seg.len_p[0] +
                          bl_bitpack_bytes(docs, m->seg.len_w[0]);
        m->seg.len_end = m->lengths.p + m->lengths.len;
    }
}

static void mem_seal(mem *m)
{
    m->seg.sec[BL_SEC_POSTINGS].p = m->post.p;
    m->seg.sec[BL_SEC_POSTINGS].len = m->post.len;
    m->seg.sec[BL_SEC_POSITIONS].p = m->pos.p;
    m->seg.sec[BL_SEC_POSITIONS].len = m->pos.len;
}

static void mem_free(mem *m)
{
    bl_buf_free(&m->post);
    bl_buf_free(&m->pos);
    bl_buf_free(&m->lengths);
}

/* A list: docs, tfs and positions. */
typedef struct list {
    uint32_t *docs, *tfs, *pos;
    uint32_t df;
    uint64_t cf;
    uint32_t max_tf;
} list;

static void list_free(list *l)
{
    free(l->docs);
    free(l->tfs);
    free(l->pos);
}

/* Random list of df docs below docs; tfs mostly 1; positions below the
** field lengths (which are made long enough). */
static list list_make(fx_rng *r, uint32_t df, uint32_t docs, uint32_t *flen,
                      uint32_t big_tf)
{
    list l;
    uint64_t at = 0;
    uint32_t d = 0;

    memset(&l, 0, sizeof l);
    l.df = df;
    l.docs = malloc(sizeof(uint32_t) * (df + 1));
    l.tfs = malloc(sizeof(uint32_t) * (df + 1));
    for (uint32_t i = 0; i < df; i++) {
        uint32_t room = docs - d - (df - i);

        d += (uint32_t)fx_rng_below(r, room / (df - i) * 2 + 1 < room + 1
                                           ? room / (df - i) * 2 + 1
                                           : room + 1);
        l.docs[i] = d++;
        l.tfs[i] = fx_rng_below(r, 4) ? 1 : 1 + (uint32_t)fx_rng_below(r, 9);
        if (big_tf && i == df / 2)
            l.tfs[i] = big_tf;
        l.cf += l.tfs[i];
        if (l.tfs[i] > l.max_tf)
            l.max_tf = l.tfs[i];
    }
    l.pos = malloc(sizeof(uint32_t) * (l.cf + 1));
    for (uint32_t i = 0; i < df; i++) {
        uint32_t p = (uint32_t)fx_rng_below(r, 50);

        for (uint32_t k = 0; k < l.tfs[i]; k++) {
            l.pos[at++] = p;
            p += 1 + (uint32_t)fx_rng_below(r, 20);
        }
        if (flen != NULL && flen[l.docs[i]] < p)
            flen[l.docs[i]] = p;
    }
    return l;
}

static bl_term_info write_list(mem *m, bl_field_id field, const list *l,
                               uint64_t *post_len, uint64_t *pos_len)
{
    bl_term_info ti;
    size_t p0 = m->post.len, x0 = m->pos.len;

    assert_int_equal(bl_postings_write(&m->post, &m->pos, field, l->docs,
                                       l->tfs, l->df, l->pos, m->len),
                     BL_OK);
    memset(&ti, 0, sizeof ti);
    ti.df = l->df;
    ti.cf = l->cf;
    ti.max_tf = l->max_tf;
    if (field >= BL_N_TEXT_FIELDS) {
        ti.cf = l->df;         /* keywords: tf 1, whatever tfs say */
        ti.max_tf = 1;
    }
    ti.postings_off = l->df == 1 ? l->docs[0] : p0;
    ti.positions_off = x0;
    *post_len = m->post.len - p0;
    *pos_len = m->pos.len - x0;
    return ti;
}

/* Iterate the whole list and compare docs, tfs and positions. */
static void check_list(mem *m, bl_field_id field, const bl_term_info *ti,
                       const list *l)
{
    bl_postings *p = malloc(sizeof *p);
    uint64_t at = 0;

    assert_int_equal(bl_postings_open(&m->seg, field, ti, true, p), BL_OK);
    for (uint32_t i = 0; i < l->df; i++) {
        const uint32_t *pos;
        uint32_t n;

        assert_int_equal(bl_postings_next(p), l->docs[i]);
        assert_int_equal(bl_postings_freq(p), field < 2 ? l->tfs[i] : 1);
        if (field < BL_N_TEXT_FIELDS) {
            assert_int_equal(bl_postings_positions(p, &pos, &n), BL_OK);
            assert_int_equal(n, l->tfs[i] < 4096 ? l->tfs[i] : 4096);
            assert_memory_equal(pos, l->pos + at, n * sizeof *pos);
            at += l->tfs[i];
        }
    }
    assert_int_equal(bl_postings_next(p), BL_DOC_END);
    assert_int_equal(bl_postings_next(p), BL_DOC_END);
    assert_int_equal(p->rc, BL_OK);
    free(p);
}

/* Read the list in runs (bl_postings_run), moving past a random part of
** each (bl_postings_advance), after a seek now and then: the same docs and
** tfs as next and freq give, and every run is the rest of one block. */
static void check_runs(mem *m, bl_field_id field, const bl_term_info *ti,
                       const list *l, fx_rng *r)
{
    bl_postings *p = malloc(sizeof *p);
    const uint32_t *docs, *freqs;
    uint32_t k = 0;

    assert_int_equal(bl_postings_open(&m->seg, field, ti, false, p), BL_OK);
    assert_int_equal(bl_postings_run(p, &docs, &freqs), 0);
    assert_int_equal(bl_postings_next(p), l->docs[0]);
    for (;;) {
        uint32_t n = bl_postings_run(p, &docs, &freqs), take;

        if (k == l->df) {
            assert_int_equal(n, 0);
            break;
        }
        assert_true(n >= 1);
        assert_int_equal(n, BL_BLOCK_DOCS - k % BL_BLOCK_DOCS < l->df - k
                                ? BL_BLOCK_DOCS - k % BL_BLOCK_DOCS
                                : l->df - k);
        for (uint32_t i = 0; i < n; i++) {
            assert_int_equal(docs[i], l->docs[k + i]);
            assert_int_equal(freqs[i], field < 2 ? l->tfs[k + i] : 1);
        }
        take = fx_rng_below(r, 3) == 0 ? n : (uint32_t)fx_rng_below(r, n + 1);
        k += take;
        assert_int_equal(bl_postings_advance(p, take),
                         k < l->df ? l->docs[k] : BL_DOC_END);
        if (k < l->df && fx_rng_below(r, 8) == 0) {
            uint32_t j = k + (uint32_t)fx_rng_below(r, l->df - k);

            assert_int_equal(bl_postings_seek(p, l->docs[j]), l->docs[j]);
            k = j;
        }
    }
    assert_int_equal(bl_postings_advance(p, 0), BL_DOC_END);
    assert_int_equal(p->rc, BL_OK);
    free(p);
}

/* Seek to random targets: the first doc >= target; bounds cover it. */
static void check_seek(mem *m, bl_field_id field, const bl_term_info *ti,
                       const list *l, fx_rng *r)
{
    bl_postings *p = malloc(sizeof *p);
    uint32_t target = 0, k = 0;
    uint64_t span = (uint64_t)l->docs[l->df - 1] + 2;

    uint64_t *start = calloc(l->df + 1, sizeof *start);

    /* Where each document's positions start in l->pos. */
    for (uint32_t i = 0; i < l->df; i++)
        start[i + 1] = start[i] + l->tfs[i];
    assert_int_equal(bl_postings_open(&m->seg, field, ti, field < 2, p),
                     BL_OK);
    for (;;) {
        uint32_t got, last, mt, ml;

        target += (uint32_t)fx_rng_below(r, span / 8 + 2);
        while (k < l->df && l->docs[k] < target)
            k++;
        bl_postings_block_bound(p, target, &last, &mt, &ml);
        got = bl_postings_seek(p, target);
        if (k == l->df) {
            assert_int_equal(got, BL_DOC_END);
            assert_int_equal(last, BL_DOC_END);
            break;
        }
        assert_int_equal(got, l->docs[k]);
        assert_true(last >= got);
        if (field < 2 && fx_rng_below(r, 2)) {
            /* Positions after a seek that skipped documents. */
            const uint32_t *pos;
            uint32_t n;

            assert_int_equal(bl_postings_positions(p, &pos, &n), BL_OK);
            assert_int_equal(n, l->tfs[k] < 4096 ? l->tfs[k] : 4096);
            assert_memory_equal(pos, l->pos + start[k], n * sizeof *pos);
        }
        /* The bound's block holds got: every doc up to last in it has
        ** tf <= mt and length >= ml. */
        for (uint32_t j = k; j < l->df && l->docs[j] <= last; j++) {
            if (j / BL_BLOCK_DOCS != k / BL_BLOCK_DOCS)
                break;
            assert_true(mt >= (field < 2 ? l->tfs[j] : 1));
            if (m->len != NULL && field < 2)
                assert_true(ml <= m->len[l->docs[j]]);
        }
        assert_true(mt <= l->max_tf);
    }
    free(start);
    free(p);
}

static void run_sizes(bl_field_id field, const uint32_t *sizes, size_t n,
                      uint32_t big_tf)
{
    const uint32_t docs = 40000;
    uint32_t *flen = field < 2 ? calloc(docs, sizeof *flen) : NULL;
    list *lists = calloc(n, sizeof *lists);
    bl_term_info *tis = calloc(n, sizeof *tis);
    uint64_t *pl = calloc(n, sizeof *pl), *xl = calloc(n, sizeof *xl);
    fx_rng r;
    mem m;
    char msg[256];

    fx_rng_seed(&r, 11 + field);
    for (size_t i = 0; i < n; i++)
        lists[i] = list_make(&r, sizes[i], docs, flen, big_tf);
    if (flen != NULL)
        for (uint32_t d = 0; d < docs; d++)
            flen[d] += 1;      /* every position < length */
    mem_init(&m, docs, flen);
    for (size_t i = 0; i < n; i++)
        tis[i] = write_list(&m, field, &lists[i], &pl[i], &xl[i]);
    mem_seal(&m);
    for (size_t i = 0; i < n; i++) {
        check_list(&m, field, &tis[i], &lists[i]);
        check_seek(&m, field, &tis[i], &lists[i], &r);
        check_runs(&m, field, &tis[i], &lists[i], &r);
        if (bl_postings_verify(&m.seg, field, &tis[i], pl[i], xl[i], msg,
                               sizeof msg) != BL_OK)
            fail_msg("field %d df %u: %s", field, sizes[i], msg);
        /* A wrong statistic is caught. */
        tis[i].cf++;
        assert_int_equal(bl_postings_verify(&m.seg, field, &tis[i], pl[i],
                                            xl[i], msg, sizeof msg),
                         BL_ECORRUPT);
        tis[i].cf--;
        list_free(&lists[i]);
    }
    mem_free(&m);
    free(flen);
    free(lists);
    free(tis);
    free(pl);
    free(xl);
}

/* A list of several blocks decodes its first block only when read: a
** bound, a seek into a later block, a seek past the end (which stays at the
** end), and a next all work from a fresh cursor. */
static void first_block_on_demand(void **state)
{
    const uint32_t docs = 40000, dfs[] = {129, 300, 1000};
    fx_rng r;
    mem m;
    list l[3];
    bl_term_info ti[3];
    uint64_t pl, xl;
    bl_postings *p = malloc(sizeof *p);
    (void)state;

    fx_rng_seed(&r, 5);
    mem_init(&m, docs, NULL);
    for (size_t i = 0; i < 3; i++) {
        l[i] = list_make(&r, dfs[i], docs, NULL, 0);
        ti[i] = write_list(&m, BL_FIELD_ID, &l[i], &pl, &xl);
    }
    mem_seal(&m);
    for (size_t i = 0; i < 3; i++) {
        uint32_t last, mt, ml, b2 = 2 * BL_BLOCK_DOCS;

        assert_int_equal(bl_postings_open(&m.seg, BL_FIELD_ID, &ti[i], false,
                                          p), BL_OK);
        bl_postings_block_bound(p, 0, &last, &mt, &ml);
        assert_int_equal(last, l[i].docs[BL_BLOCK_DOCS - 1]);
        assert_int_equal(bl_postings_next(p), l[i].docs[0]);

        assert_int_equal(bl_postings_open(&m.seg, BL_FIELD_ID, &ti[i], false,
                                          p), BL_OK);
        if (l[i].df > b2) {
            assert_int_equal(bl_postings_seek(p, l[i].docs[b2]),
                             l[i].docs[b2]);
            assert_int_equal(bl_postings_next(p), l[i].docs[b2 + 1]);
        }

        assert_int_equal(bl_postings_open(&m.seg, BL_FIELD_ID, &ti[i], false,
                                          p), BL_OK);
        assert_int_equal(bl_postings_seek(p, l[i].docs[l[i].df - 1] + 1),
                         BL_DOC_END);
        assert_int_equal(bl_postings_next(p), BL_DOC_END);
        assert_int_equal(bl_postings_seek(p, 0), BL_DOC_END);
        assert_int_equal(p->rc, BL_OK);
        list_free(&l[i]);
    }
    mem_free(&m);
    free(p);
}

/* Every block-size boundary, for text and keyword fields. */
static void block_boundaries_round_trip(void **state)
{
    static const uint32_t sizes[] = {1, 2, 3, 7, 8, 9, 127, 128, 129, 255,
                                     256, 257, 383, 384, 385, 1000, 5000};
    (void)state;

    run_sizes(BL_FIELD_BODY, sizes, sizeof sizes / sizeof *sizes, 0);
    run_sizes(BL_FIELD_ID, sizes, sizeof sizes / sizeof *sizes, 0);
    run_sizes(BL_FIELD_SOURCE, sizes, sizeof sizes / sizeof *sizes, 0);
}

/* A tf past 65535 (the skip entry saturates) and past 4096 (positions are
** cut for the cursor but all verified). */
static void huge_tf_round_trips(void **state)
{
    static const uint32_t sizes[] = {1, 300};
    (void)state;

    run_sizes(BL_FIELD_TITLE, sizes, 2, 70000);
}

/* Extreme doc ids: 0, the largest possible, and the largest gaps. */
static void extreme_doc_ids(void **state)
{
    const uint32_t docs = UINT32_MAX - 1;
    uint32_t d3[3] = {0, UINT32_MAX / 2, UINT32_MAX - 2};
    uint32_t t3[3] = {1, 1, 1};
    uint32_t *many = malloc(sizeof(uint32_t) * 300);
    uint32_t *ones = malloc(sizeof(uint32_t) * 300);
    bl_postings *p = malloc(sizeof *p);
    mem m;
    bl_term_info ti;
    size_t p1;
    char msg[256];
    (void)state;

    for (uint32_t i = 0; i < 300; i++) {
        many[i] = UINT32_MAX - 302 + i;     /* near 2^32, all consecutive */
        ones[i] = 1;
    }
    mem_init(&m, docs, NULL);
    assert_int_equal(bl_postings_write(&m.post, &m.pos, BL_FIELD_ID, d3, t3,
                                       3, NULL, NULL), BL_OK);
    p1 = m.post.len;
    assert_int_equal(bl_postings_write(&m.post, &m.pos, BL_FIELD_ID, many,
                                       ones, 300, NULL, NULL), BL_OK);
    mem_seal(&m);
    memset(&ti, 0, sizeof ti);
    ti.df = ti.cf = 3;
    ti.max_tf = 1;
    assert_int_equal(bl_postings_open(&m.seg, BL_FIELD_ID, &ti, false, p),
                     BL_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(bl_postings_next(p), d3[i]);
    assert_int_equal(bl_postings_next(p), BL_DOC_END);
    assert_int_equal(bl_postings_verify(&m.seg, BL_FIELD_ID, &ti, p1, 0,
                                        msg, sizeof msg), BL_OK);
    ti.df = ti.cf = 300;
    ti.postings_off = p1;
    assert_int_equal(bl_postings_open(&m.seg, BL_FIELD_ID, &ti, false, p),
                     BL_OK);
    assert_int_equal(bl_postings_seek(p, UINT32_MAX - 5), UINT32_MAX - 5);
    assert_int_equal(bl_postings_next(p), UINT32_MAX - 4);
    assert_int_equal(bl_postings_next(p), UINT32_MAX - 3);
    assert_int_equal(bl_postings_next(p), BL_DOC_END);
    /* A doc id not below docs is corrupt. */
    m.seg.docs = UINT32_MAX - 3;
    assert_int_equal(bl_postings_open(&m.seg, BL_FIELD_ID, &ti, false, p),
                     BL_OK);
    assert_int_equal(bl_postings_seek(p, UINT32_MAX - 10), BL_DOC_END);
    assert_int_equal(p->rc, BL_ECORRUPT);
    mem_free(&m);
    free(many);
    free(ones);
    free(p);
}

/* Empty lists and disorder are refused by the writer. */
static void writer_rejects_bad_lists(void **state)
{
    uint32_t docs[3] = {5, 5, 6}, tfs[3] = {1, 1, 1}, pos[3] = {0, 0, 0};
    uint32_t flen[10] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
    bl_buf a = BL_BUF_INIT, b = BL_BUF_INIT;
    (void)state;

    assert_int_equal(bl_postings_write(&a, &b, BL_FIELD_BODY, docs, tfs, 0,
                                       pos, flen), BL_EINVAL);
    assert_int_equal(bl_postings_write(&a, &b, BL_FIELD_BODY, docs, tfs, 3,
                                       pos, flen), BL_EINVAL);
    tfs[0] = 2;
    docs[1] = 6;
    docs[2] = 7;
    assert_int_equal(bl_postings_write(&a, &b, BL_FIELD_BODY, docs, tfs, 2,
                                       pos, flen), BL_EINVAL);
    bl_buf_free(&a);
    bl_buf_free(&b);
}

/* Random byte flips in the postings and positions: the cursor returns
** BL_DOC_END with rc set or plausible data, never reads out of bounds; the
** exact check fails or passes but does not crash. */
static void corrupt_bytes_never_crash(void **state)
{
    static const uint32_t sizes[] = {1, 5, 100, 128, 129, 700};
    const size_t n = sizeof sizes / sizeof *sizes;
    const uint32_t docs = 3000;
    uint32_t *flen = calloc(docs, sizeof *flen);
    list lists[6];
    bl_term_info tis[6];
    uint64_t pl[6], xl[6];
    bl_postings *p = malloc(sizeof *p);
    fx_rng r;
    mem m;
    char msg[256];
    (void)state;

    fx_rng_seed(&r, 5);
    for (size_t i = 0; i < n; i++)
        lists[i] = list_make(&r, sizes[i], docs, flen, 0);
    for (uint32_t d = 0; d < docs; d++)
        flen[d] += 1;
    mem_init(&m, docs, flen);
    for (size_t i = 0; i < n; i++)
        tis[i] = write_list(&m, BL_FIELD_BODY, &lists[i], &pl[i], &xl[i]);
    mem_seal(&m);
    for (int round = 0; round < 400; round++) {
        bl_buf *target = round % 2 ? &m.pos : &m.post;
        size_t at = fx_rng_below(&r, target->len);
        uint8_t old = target->p[at];

        target->p[at] ^= (uint8_t)(1 + fx_rng_below(&r, 255));
        for (size_t i = 0; i < n; i++) {
            uint32_t guard = 0;

            bl_postings_verify(&m.seg, BL_FIELD_BODY, &tis[i], pl[i], xl[i],
                               msg, sizeof msg);
            if (bl_postings_open(&m.seg, BL_FIELD_BODY, &tis[i], true, p) !=
                BL_OK)
                continue;
            while (bl_postings_next(p) != BL_DOC_END && guard++ < 10000) {
                const uint32_t *pos;
                uint32_t np, last, mt, ml;

                assert_true(p->doc < docs);
                bl_postings_positions(p, &pos, &np);
                bl_postings_block_bound(p, p->doc, &last, &mt, &ml);
            }
            bl_postings_open(&m.seg, BL_FIELD_BODY, &tis[i], false, p);
            bl_postings_seek(p, (uint32_t)fx_rng_below(&r, docs));
            bl_postings_seek(p, (uint32_t)fx_rng_below(&r, docs + 10));
            /* runs: every doc in range, then the end */
            bl_postings_open(&m.seg, BL_FIELD_BODY, &tis[i], false, p);
            bl_postings_next(p);
            guard = 0;
            for (;;) {
                const uint32_t *d, *f;
                uint32_t nr = bl_postings_run(p, &d, &f);

                if (nr == 0 || guard++ > 10000)
                    break;
                for (uint32_t j = 0; j < nr; j++)
                    assert_true(d[j] < docs);
                bl_postings_advance(p, nr);
            }
        }
        target->p[at] = old;
    }
    for (size_t i = 0; i < n; i++)
        list_free(&lists[i]);
    mem_free(&m);
    free(flen);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(block_boundaries_round_trip),
        cmocka_unit_test(first_block_on_demand),
        cmocka_unit_test(huge_tf_round_trips),
        cmocka_unit_test(extreme_doc_ids),
        cmocka_unit_test(writer_rejects_bad_lists),
        cmocka_unit_test(corrupt_bytes_never_crash),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
