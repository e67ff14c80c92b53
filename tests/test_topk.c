/* test_topk.c - the top-k heap against a full sort of every hit offered,
** for relevance and both date orders, with many ties.
*/
#include "fixture.h"

#include <math.h>
#include <stdlib.h>

#include "score/topk.h"

static int cmp_hits(const void *a, const void *b, void *ctx)
{
    bl_topk t = {*(const bl_sort *)ctx, 0, 0, NULL};

    if (bl_topk_better(&t, a, b))
        return -1;
    return bl_topk_better(&t, b, a) ? 1 : 0;
}

static void run(bl_sort sort, size_t k, size_t n, uint64_t seed)
{
    bl_topk t;
    bl_topk_hit *all = malloc(n * sizeof *all), *got;
    fx_rng rng;

    assert_non_null(all);
    fx_rng_seed(&rng, seed);
    assert_int_equal(bl_topk_init(&t, sort, k), BL_OK);
    for (size_t i = 0; i < n; i++) {
        all[i].score = (double)fx_rng_below(&rng, 20) / 4.0;  /* ties */
        all[i].date = fx_rng_below(&rng, 10) == 0
                          ? BL_NO_DATE
                          : (int64_t)fx_rng_below(&rng, 30) - 10;
        all[i].doc = i;            /* offered in doc order */
        if (sort == BL_SORT_RELEVANCE && t.n == k && k > 0)
            assert_true(bl_topk_threshold(&t) == t.heap[0].score);
        bl_topk_push(&t, &all[i]);
    }
    qsort_r(all, n, sizeof *all, cmp_hits, &sort);
    got = bl_topk_sorted(&t);
    assert_int_equal(t.n, k < n ? k : n);
    for (size_t i = 0; i < t.n; i++) {
        assert_int_equal(got[i].doc, all[i].doc);
        assert_true(got[i].score == all[i].score);
    }
    bl_topk_free(&t);
    free(all);
}

/* The heap keeps exactly the first k of a full sort, in order. */
static void equals_full_sort(void **state)
{
    static const size_t ks[] = {0, 1, 2, 10, 100, 1000};
    (void)state;
    for (size_t s = 0; s < 3; s++)
        for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++)
            for (uint64_t seed = 1; seed <= 5; seed++)
                run((bl_sort)s, ks[i], 700, seed * 31 + i);
}

/* Undated hits sort after dated ones in both date orders. */
static void undated_last(void **state)
{
    bl_topk t;
    bl_topk_hit a = {0, BL_NO_DATE, 0}, b = {0, 5, 1}, c = {0, -5, 2};
    (void)state;

    for (int s = BL_SORT_DATE_DESC; s <= BL_SORT_DATE_ASC; s++) {
        assert_int_equal(bl_topk_init(&t, (bl_sort)s, 3), BL_OK);
        bl_topk_push(&t, &a);
        bl_topk_push(&t, &b);
        bl_topk_push(&t, &c);
        bl_topk_sorted(&t);
        assert_int_equal(t.heap[2].doc, 0);
        assert_int_equal(t.heap[0].doc, s == BL_SORT_DATE_DESC ? 1 : 2);
        bl_topk_free(&t);
    }
}

/* The threshold is -inf until full, +inf for k = 0. */
static void threshold_edges(void **state)
{
    bl_topk t;
    bl_topk_hit h = {3.0, 0, 0};
    (void)state;

    assert_int_equal(bl_topk_init(&t, BL_SORT_RELEVANCE, 0), BL_OK);
    assert_true(isinf(bl_topk_threshold(&t)) && bl_topk_threshold(&t) > 0);
    bl_topk_free(&t);
    assert_int_equal(bl_topk_init(&t, BL_SORT_RELEVANCE, 2), BL_OK);
    assert_true(isinf(bl_topk_threshold(&t)) && bl_topk_threshold(&t) < 0);
    bl_topk_push(&t, &h);
    h.doc = 1;
    h.score = 2.0;
    bl_topk_push(&t, &h);
    assert_true(bl_topk_threshold(&t) == 2.0);
    h.doc = 2;                     /* a tie with a later doc stays out */
    bl_topk_push(&t, &h);
    assert_true(bl_topk_threshold(&t) == 2.0);
    assert_int_equal(t.heap[0].doc, 1);
    bl_topk_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(equals_full_sort),
        cmocka_unit_test(undated_last),
        cmocka_unit_test(threshold_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
