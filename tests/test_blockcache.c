/* test_blockcache.c - the cache of decompressed store blocks
** (segment/blockcache.c): a block put is got back byte for byte until it
** is evicted; a first frame alone does not answer for the whole block and
** is replaced by it; the least recently used block goes first; a block
** held stays readable after its eviction; the budget bounds the bytes kept
** and may change at any time; threads hammering a small cache always read
** the bytes of the block they asked for. Run under AddressSanitizer in CI,
** where a block freed while held would show.
*/
#include "fixture.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "byline.h"
#include "segment/blockcache.h"

#define LEN 1000

/* The bytes of block (seg, block): each a function of the key and its
** place, so that any mix-up shows. */
static uint8_t pattern(uint64_t seg, uint32_t block, size_t i)
{
    return (uint8_t)(seg * 31 + block * 7 + i * 13 + (i >> 8));
}

static uint8_t *make(uint64_t seg, uint32_t block, size_t len)
{
    uint8_t *p = malloc(len);

    assert_non_null(p);
    for (size_t i = 0; i < len; i++)
        p[i] = pattern(seg, block, i);
    return p;
}

static bool holds(const bl_cached_block *b, uint64_t seg, uint32_t block)
{
    for (size_t i = 0; i < b->len; i++)
        if (b->data[i] != pattern(seg, block, i))
            return false;
    return true;
}

static const bl_cached_block *put(bl_block_cache *c, uint64_t seg,
                                  uint32_t block, size_t len, bool full)
{
    const bl_cached_block *b = bl_block_cache_put(
        c, seg, block, make(seg, block, len), len, len, len / 3, full);

    assert_non_null(b);
    return b;
}

/* Whether (seg, block) is cached whole, without touching its stats. */
static bool cached(bl_block_cache *c, uint64_t seg, uint32_t block)
{
    const bl_cached_block *b = bl_block_cache_get(c, seg, block, true);

    bl_block_cache_release(c, b);
    return b != NULL;
}

/* A budget that keeps two blocks of LEN bytes in each shard, not three. */
static size_t two_a_shard(void)
{
    return BL_BLOCK_CACHE_SHARDS * (2 * LEN + 600);
}

static void put_get_release(void **state)
{
    bl_block_cache *c;
    bl_block_cache_stats st;
    const bl_cached_block *b;
    (void)state;

    assert_int_equal(bl_block_cache_new((size_t)1 << 20, &c), BL_OK);
    assert_null(bl_block_cache_get(c, 7, 3, false));
    bl_block_cache_release(c, put(c, 7, 3, LEN, true));
    b = bl_block_cache_get(c, 7, 3, true);
    assert_non_null(b);
    assert_int_equal(b->len, LEN);
    assert_int_equal(b->head, LEN / 3);
    assert_true(b->full && holds(b, 7, 3));
    bl_block_cache_release(c, b);
    assert_null(bl_block_cache_get(c, 8, 3, false));   /* other segment */
    assert_null(bl_block_cache_get(c, 7, 4, false));   /* other block */
    bl_block_cache_stats_get(c, &st);
    assert_int_equal(st.hits, 1);
    assert_int_equal(st.misses, 3);
    assert_int_equal(st.blocks, 1);
    assert_true(st.bytes > LEN && st.bytes < LEN + 512);
    bl_block_cache_free(c);
}

/* A block's first frame alone serves a fetch without body, not one with;
** the whole block then replaces it, while a holder of the first keeps
** reading it; a first frame put after the whole block gets the whole. */
static void first_frame_then_whole(void **state)
{
    bl_block_cache *c;
    const bl_cached_block *head, *whole, *b;
    (void)state;

    assert_int_equal(bl_block_cache_new((size_t)1 << 20, &c), BL_OK);
    head = put(c, 1, 2, 300, false);
    assert_null(bl_block_cache_get(c, 1, 2, true));
    b = bl_block_cache_get(c, 1, 2, false);
    assert_ptr_equal(b, head);
    bl_block_cache_release(c, b);
    whole = put(c, 1, 2, LEN, true);
    assert_true(whole != head && whole->full);
    assert_true(holds(head, 1, 2) && head->len == 300 && !head->full);
    bl_block_cache_release(c, head);
    b = bl_block_cache_get(c, 1, 2, false);
    assert_ptr_equal(b, whole);
    bl_block_cache_release(c, b);
    b = put(c, 1, 2, 300, false);
    assert_ptr_equal(b, whole);
    assert_true(holds(b, 1, 2) && b->len == LEN);
    bl_block_cache_release(c, b);
    bl_block_cache_release(c, whole);
    bl_block_cache_free(c);
}

/* Two threads decompress the same block: the second put hands out the
** first's block and frees its own bytes (LeakSanitizer would see them). */
static void second_put_gets_the_first(void **state)
{
    bl_block_cache *c;
    const bl_cached_block *a, *b;
    bl_block_cache_stats st;
    (void)state;

    assert_int_equal(bl_block_cache_new((size_t)1 << 20, &c), BL_OK);
    a = put(c, 5, 5, LEN, true);
    b = put(c, 5, 5, LEN, true);
    assert_ptr_equal(a, b);
    bl_block_cache_release(c, a);
    bl_block_cache_release(c, b);
    bl_block_cache_stats_get(c, &st);
    assert_int_equal(st.blocks, 1);
    bl_block_cache_free(c);
}

/* With room for two blocks a shard, a block read before every put stays
** while 200 others come and go; left unread, it goes. */
static void least_recently_used_goes_first(void **state)
{
    bl_block_cache *c;
    bl_block_cache_stats st;
    (void)state;

    for (int touch = 0; touch < 2; touch++) {
        assert_int_equal(bl_block_cache_new(two_a_shard(), &c), BL_OK);
        bl_block_cache_release(c, put(c, 9, 0, LEN, true));
        for (uint32_t k = 1; k <= 200; k++) {
            if (touch)
                assert_true(cached(c, 9, 0));
            bl_block_cache_release(c, put(c, 9, k, LEN, true));
            assert_true(cached(c, 9, k));       /* the newest is kept */
        }
        assert_int_equal(cached(c, 9, 0), touch);
        bl_block_cache_stats_get(c, &st);
        assert_true(st.bytes <= two_a_shard());
        assert_true(st.blocks >= BL_BLOCK_CACHE_SHARDS &&
                    st.blocks <= 2 * BL_BLOCK_CACHE_SHARDS);
        bl_block_cache_free(c);
    }
}

static void held_block_outlives_eviction(void **state)
{
    bl_block_cache *c;
    const bl_cached_block *held;
    (void)state;

    assert_int_equal(bl_block_cache_new(two_a_shard(), &c), BL_OK);
    held = put(c, 3, 0, LEN, true);
    for (uint32_t k = 1; k <= 200; k++)
        bl_block_cache_release(c, put(c, 3, k, LEN, true));
    assert_false(cached(c, 3, 0));
    assert_true(holds(held, 3, 0));
    bl_block_cache_release(c, held);
    bl_block_cache_free(c);
}

/* A block larger than a shard's share is handed back, not kept; with a
** budget of 0 nothing is. */
static void too_big_is_not_kept(void **state)
{
    bl_block_cache *c;
    const bl_cached_block *b;
    bl_block_cache_stats st;
    (void)state;

    assert_int_equal(bl_block_cache_new(two_a_shard(), &c), BL_OK);
    b = put(c, 4, 4, 4 * LEN, true);
    assert_true(holds(b, 4, 4));
    bl_block_cache_release(c, b);
    assert_false(cached(c, 4, 4));
    /* The budget counts all of data, not only the block's bytes: a block
    ** of LEN followed by 3 * LEN of its caller's is too big as well, and
    ** one kept counts its size. */
    {
        uint8_t *p = realloc(make(4, 6, LEN), 4 * LEN);

        assert_non_null(p);
        b = bl_block_cache_put(c, 4, 6, p, 4 * LEN, LEN, LEN / 3, true);
        assert_true(holds(b, 4, 6) && b->len == LEN && b->size == 4 * LEN);
        bl_block_cache_release(c, b);
        assert_false(cached(c, 4, 6));
        p = realloc(make(4, 7, LEN), LEN + 100);
        assert_non_null(p);
        bl_block_cache_release(
            c, bl_block_cache_put(c, 4, 7, p, LEN + 100, LEN, LEN / 3, true));
        assert_true(cached(c, 4, 7));
        bl_block_cache_stats_get(c, &st);
        assert_int_equal(st.blocks, 1);
        assert_true(st.bytes >= LEN + 100);
    }
    bl_block_cache_set_budget(c, 0);
    assert_int_equal(bl_block_cache_budget(c), 0);
    bl_block_cache_release(c, put(c, 4, 5, 10, true));
    assert_false(cached(c, 4, 5));
    bl_block_cache_stats_get(c, &st);
    assert_int_equal(st.blocks, 0);
    assert_int_equal(st.bytes, 0);
    bl_block_cache_free(c);
}

static void budget_change_evicts(void **state)
{
    bl_block_cache *c;
    bl_block_cache_stats st;
    (void)state;

    assert_int_equal(bl_block_cache_new((size_t)1 << 20, &c), BL_OK);
    for (uint32_t k = 0; k < 100; k++)
        bl_block_cache_release(c, put(c, 2, k, LEN, true));
    bl_block_cache_stats_get(c, &st);
    assert_int_equal(st.blocks, 100);
    bl_block_cache_set_budget(c, two_a_shard());
    bl_block_cache_stats_get(c, &st);
    assert_true(st.bytes <= two_a_shard() && st.blocks < 100);
    bl_block_cache_set_budget(c, 0);
    bl_block_cache_stats_get(c, &st);
    assert_int_equal(st.blocks, 0);
    for (uint32_t k = 0; k < 100; k++)
        assert_false(cached(c, 2, k));
    bl_block_cache_free(c);
}

typedef struct hammer {
    bl_block_cache *c;
    uint64_t seed;
    int bad;
} hammer;

/* Random gets of 300 blocks (a first frame or the whole), each missing
** one put; the bytes got are always those of the block asked for. */
static void *hammer_main(void *arg)
{
    hammer *h = arg;
    fx_rng r;

    fx_rng_seed(&r, h->seed);
    for (int i = 0; i < 20000; i++) {
        uint32_t k = (uint32_t)fx_rng_below(&r, 300);
        bool full = fx_rng_below(&r, 2);
        size_t len = 100 + (k % 7) * 300;
        const bl_cached_block *b = bl_block_cache_get(h->c, 1, k, full);

        if (b == NULL) {
            uint8_t *p = malloc(len);

            if (p == NULL) {
                h->bad++;
                continue;
            }
            for (size_t j = 0; j < len; j++)
                p[j] = pattern(1, k, j);
            b = bl_block_cache_put(h->c, 1, k, p, len, full ? len : len / 2,
                                   len / 2, full);
        }
        if (b == NULL || !holds(b, 1, k) || (full && !b->full))
            h->bad++;
        bl_block_cache_release(h->c, b);
        if (i % 5000 == 4999)          /* budgets change under the others */
            bl_block_cache_set_budget(h->c, i % 2 ? 64 * 1024 : 256 * 1024);
    }
    return NULL;
}

static void threads_read_their_own_blocks(void **state)
{
    bl_block_cache *c;
    bl_block_cache_stats st;
    pthread_t th[4];
    hammer h[4];
    (void)state;

    assert_int_equal(bl_block_cache_new(128 * 1024, &c), BL_OK);
    for (int t = 0; t < 4; t++) {
        h[t] = (hammer){c, (uint64_t)t + 1, 0};
        assert_int_equal(pthread_create(&th[t], NULL, hammer_main, &h[t]), 0);
    }
    for (int t = 0; t < 4; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
        assert_int_equal(h[t].bad, 0);
    }
    bl_block_cache_stats_get(c, &st);
    assert_true(st.hits > 0 && st.misses > 0);
    assert_true(st.bytes <= bl_block_cache_budget(c));
    bl_block_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(put_get_release),
        cmocka_unit_test(first_frame_then_whole),
        cmocka_unit_test(second_put_gets_the_first),
        cmocka_unit_test(least_recently_used_goes_first),
        cmocka_unit_test(held_block_outlives_eviction),
        cmocka_unit_test(too_big_is_not_kept),
        cmocka_unit_test(budget_change_evicts),
        cmocka_unit_test(threads_read_their_own_blocks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
