/* test_bm25.c - the BM25F formulas: Lucene's idf, the field-weighted tf,
** saturation, and bounds that are never below a score they cover.
*/
#include "fixture.h"

#include <math.h>

#include "score/bm25.h"

static bool near(double a, double b)
{
    return fabs(a - b) <= 1e-12 * fmax(1.0, fabs(b));
}

/* idf = ln(1 + (N - df + 0.5) / (df + 0.5)), as Lucene computes it. */
static void idf_matches_lucene(void **state)
{
    (void)state;
    assert_true(near(bl_bm25_idf(1000, 1), log(1.0 + 999.5 / 1.5)));
    assert_true(near(bl_bm25_idf(1000, 1000), log(1.0 + 0.5 / 1000.5)));
    assert_true(near(bl_bm25_idf(10, 0), log(1.0 + 10.5 / 0.5)));
    assert_true(bl_bm25_idf(5, 50) >= 0.0);
    assert_true(bl_bm25_idf(1000, 10) > bl_bm25_idf(1000, 100));
}

/* One document scored by hand with both fields and the defaults. */
static void bm25f_by_hand(void **state)
{
    bl_bm25 m;
    uint64_t totals[2] = {800, 20000};      /* avg 8 and 200 over 100 */
    double tft, s, idf, want_tft;
    (void)state;

    bl_bm25_init(&m, 1.2, 0.75, 2.0, 1.0, 100, totals);
    assert_true(near(m.avglen[0], 8.0));
    assert_true(near(m.avglen[1], 200.0));
    /* title: tf 1, len 4; body: tf 3, len 400 */
    tft = bl_bm25_field_tf(&m, 0, 1, 4) + bl_bm25_field_tf(&m, 1, 3, 400);
    want_tft = 2.0 * 1 / (0.25 + 0.75 * 0.5) + 1.0 * 3 / (0.25 + 0.75 * 2);
    assert_true(near(tft, want_tft));
    idf = bl_bm25_idf(100, 7);
    s = bl_bm25_saturate(&m, idf, tft);
    assert_true(near(s, idf * want_tft * 2.2 / (1.2 + want_tft)));
    /* b = 0: no length normalisation */
    bl_bm25_init(&m, 1.2, 0.0, 1.0, 1.0, 100, totals);
    assert_true(near(bl_bm25_field_tf(&m, 1, 3, 5000), 3.0));
    /* saturation stays below (k1 + 1) * weight */
    assert_true(bl_bm25_saturate(&m, 1.0, 1e9) < 2.2);
    assert_true(bl_bm25_saturate(&m, 1.0, 0.0) == 0.0);
}

/* A field's bound is >= the field tf of every (tf, len) it covers. */
static void bounds_cover_scores(void **state)
{
    bl_bm25 m;
    uint64_t totals[2] = {1000, 50000};
    fx_rng rng;
    (void)state;

    fx_rng_seed(&rng, 42);
    bl_bm25_init(&m, 0.9, 0.4, 2.5, 1.0, 250, totals);
    for (int i = 0; i < 10000; i++) {
        int f = (int)fx_rng_below(&rng, 2);
        uint32_t max_tf = 1 + (uint32_t)fx_rng_below(&rng, 50);
        uint32_t min_len = (uint32_t)fx_rng_below(&rng, 500);
        uint32_t tf = 1 + (uint32_t)fx_rng_below(&rng, max_tf);
        uint32_t len = min_len + (uint32_t)fx_rng_below(&rng, 1000);
        double bound = bl_bm25_field_bound(&m, f, max_tf, min_len);

        if (len == 0)
            len = 1;
        assert_true(bl_bm25_field_tf(&m, f, tf, len) <= bound);
    }
    assert_true(bl_bm25_field_bound(&m, 0, 0, 3) == 0.0);
}

/* An empty field (average length 0) does not divide by zero. */
static void empty_field_is_safe(void **state)
{
    bl_bm25 m;
    uint64_t totals[2] = {0, 100};
    (void)state;

    bl_bm25_init(&m, 1.2, 0.75, 2.0, 1.0, 10, totals);
    assert_true(isfinite(bl_bm25_field_tf(&m, 0, 1, 0)));
    bl_bm25_init(&m, 1.2, 0.75, 2.0, 1.0, 0, totals);
    assert_true(isfinite(bl_bm25_field_tf(&m, 1, 1, 3)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(idf_matches_lucene),
        cmocka_unit_test(bm25f_by_hand),
        cmocka_unit_test(bounds_cover_scores),
        cmocka_unit_test(empty_field_is_safe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
