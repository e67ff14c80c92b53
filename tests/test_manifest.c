/* test_manifest.c - the commit files: MANIFEST-<gen> and CURRENT
** (segment/manifest.h) and the deletion bitmaps (segment/deletes.h). Round
** trips, every single-byte flip rejected, bad CURRENT contents, and a commit
** replacing the previous one atomically.
*/
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/hash.h"
#include "base/varint.h"
#include "segment/deletes.h"
#include "segment/manifest.h"

/* A manifest of three segments with deletions on the second. */
static void make_manifest(bl_manifest *m)
{
    bl_manifest_seg s[3] = {
        {1, 100, {800, 25000}, 4096, 0, 0},
        {2, 7, {50, 900}, 1024, 3, 2},
        {5, 300000, {1ULL << 33, 1ULL << 40}, 1ULL << 35, 0, 0},
    };

    bl_manifest_init(m);
    m->generation = 4;
    m->next_id = 6;
    strcpy(m->lang, "german");
    m->stem = false;
    m->fold_accents = false;
    m->k1 = 0.9;
    m->b = 0.4;
    m->weight[0] = 3.5;
    m->weight[1] = 0.25;
    for (int i = 0; i < 3; i++)
        assert_int_equal(bl_manifest_add(m, &s[i]), BL_OK);
}

static void manifest_round_trips(void **state)
{
    bl_manifest m, d;
    bl_buf b = BL_BUF_INIT;
    char msg[128];
    (void)state;

    make_manifest(&m);
    assert_true(m.docs == 300107);
    assert_true(m.field_total[1] == (1ULL << 40) + 25900);
    assert_int_equal(bl_manifest_encode(&m, &b), BL_OK);
    assert_int_equal(bl_manifest_decode(b.p, b.len, &d, msg, sizeof msg),
                     BL_OK);
    assert_true(d.generation == 4 && d.next_id == 6);
    assert_string_equal(d.lang, "german");
    assert_false(d.stem);
    assert_true(d.stopwords);
    assert_false(d.fold_accents);
    assert_true(d.k1 == 0.9 && d.b == 0.4);
    assert_true(d.weight[0] == 3.5 && d.weight[1] == 0.25);
    assert_true(d.docs == m.docs);
    assert_true(d.field_total[0] == m.field_total[0]);
    assert_int_equal(d.n_segs, 3);
    for (int i = 0; i < 3; i++) {
        assert_true(d.segs[i].id == m.segs[i].id);
        assert_int_equal(d.segs[i].docs, m.segs[i].docs);
        assert_true(d.segs[i].field_total[0] == m.segs[i].field_total[0]);
        assert_true(d.segs[i].field_total[1] == m.segs[i].field_total[1]);
        assert_true(d.segs[i].bytes == m.segs[i].bytes);
        assert_true(d.segs[i].del_gen == m.segs[i].del_gen);
        assert_int_equal(d.segs[i].deleted, m.segs[i].deleted);
    }
    bl_manifest_free(&d);
    bl_manifest_free(&m);
    bl_buf_free(&b);
}

/* Every single-byte flip anywhere is detected, and so is every truncation. */
/* A version 1 manifest (no ranking defaults) still reads, with the
** defaults; ranking defaults out of range are corrupt. */
static void manifest_versions_and_ranking(void **state)
{
    bl_manifest m, d;
    bl_buf b = BL_BUF_INIT;
    char msg[128];
    (void)state;

    make_manifest(&m);
    assert_int_equal(bl_manifest_encode(&m, &b), BL_OK);
    /* Version 1: the same bytes without the 32 bytes of defaults. */
    b.len -= 8 + 32;
    bl_store_u32le(b.p + 8, 1);
    bl_buf_put_u64le(&b, bl_checksum(b.p, b.len));
    assert_int_equal(bl_manifest_decode(b.p, b.len, &d, msg, sizeof msg),
                     BL_OK);
    assert_true(d.k1 == 1.2 && d.b == 0.75);
    assert_true(d.weight[0] == 2.0 && d.weight[1] == 1.0);
    assert_int_equal(d.n_segs, 3);
    bl_manifest_free(&d);
    bl_buf_reset(&b);
    m.b = 1.5;
    assert_int_equal(bl_manifest_encode(&m, &b), BL_OK);
    assert_int_equal(bl_manifest_decode(b.p, b.len, &d, msg, sizeof msg),
                     BL_ECORRUPT);
    assert_non_null(strstr(msg, "ranking"));
    bl_manifest_free(&m);
    bl_buf_free(&b);
}

static void manifest_rejects_every_flip(void **state)
{
    bl_manifest m, d;
    bl_buf b = BL_BUF_INIT;
    char msg[128];
    (void)state;

    make_manifest(&m);
    assert_int_equal(bl_manifest_encode(&m, &b), BL_OK);
    for (size_t i = 0; i < b.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            b.p[i] ^= (uint8_t)(1u << bit);
            msg[0] = '\0';
            assert_int_not_equal(
                bl_manifest_decode(b.p, b.len, &d, msg, sizeof msg), BL_OK);
            assert_true(msg[0] != '\0');
            assert_null(d.segs);
            b.p[i] ^= (uint8_t)(1u << bit);
        }
    }
    for (size_t len = 0; len < b.len; len++)
        assert_int_not_equal(bl_manifest_decode(b.p, len, &d, msg, sizeof msg),
                             BL_OK);
    bl_manifest_free(&m);
    bl_buf_free(&b);
}

/* Self-consistency: statistics that do not add up are corrupt even with a
** valid checksum (a writer bug must not reach readers). */
static void manifest_checks_invariants(void **state)
{
    bl_manifest m, d;
    bl_buf b = BL_BUF_INIT;
    char msg[128];
    (void)state;

    make_manifest(&m);
    m.docs++;
    assert_int_equal(bl_manifest_encode(&m, &b), BL_OK);
    assert_int_equal(bl_manifest_decode(b.p, b.len, &d, msg, sizeof msg),
                     BL_ECORRUPT);
    assert_non_null(strstr(msg, "document count"));
    m.docs--;
    m.segs[1].id = 1;
    bl_buf_reset(&b);
    assert_int_equal(bl_manifest_encode(&m, &b), BL_OK);
    assert_int_equal(bl_manifest_decode(b.p, b.len, &d, msg, sizeof msg),
                     BL_ECORRUPT);
    assert_non_null(strstr(msg, "twice"));
    m.segs[1].id = 2;
    m.segs[1].deleted = 8;
    bl_buf_reset(&b);
    assert_int_equal(bl_manifest_encode(&m, &b), BL_OK);
    assert_int_equal(bl_manifest_decode(b.p, b.len, &d, msg, sizeof msg),
                     BL_ECORRUPT);
    bl_manifest_free(&m);
    bl_buf_free(&b);
}

/* A commit writes MANIFEST-<gen> and CURRENT; the next one replaces
** CURRENT; bad CURRENT contents are corrupt; no CURRENT is not found. */
static void commit_and_current(void **state)
{
    char *dir = fx_tmpdir(), path[4096], msg[256];
    bl_manifest m, d;
    uint64_t gen;
    static const char *const bad[] = {
        "", "MANIFEST-\n", "MANIFEST-3", "MANIFEST-03\n", "MANIFEST-3x\n",
        "MANIFEST-99999999999999999999999\n", "manifest-3\n",
    };
    (void)state;

    assert_int_equal(bl_manifest_current(dir, &gen), BL_ENOTFOUND);
    make_manifest(&m);
    assert_int_equal(bl_manifest_commit(dir, &m), BL_OK);
    assert_int_equal(bl_manifest_current(dir, &gen), BL_OK);
    assert_true(gen == 4);
    m.generation = 5;
    assert_int_equal(bl_manifest_commit(dir, &m), BL_OK);
    assert_int_equal(bl_manifest_current(dir, &gen), BL_OK);
    assert_true(gen == 5);
    assert_int_equal(bl_manifest_load(dir, 5, &d, msg, sizeof msg), BL_OK);
    assert_int_equal(d.n_segs, 3);
    bl_manifest_free(&d);
    /* The generation inside must match the name. */
    assert_int_equal(bl_manifest_load(dir, 4, &d, msg, sizeof msg), BL_OK);
    bl_manifest_free(&d);
    snprintf(path, sizeof path, "%s/MANIFEST-6", dir);
    {
        size_t len;
        char *p5;

        snprintf(msg, sizeof msg, "%s/MANIFEST-5", dir);
        p5 = fx_slurp(msg, &len);
        assert_non_null(p5);
        fx_write(path, p5, len);
        free(p5);
    }
    assert_int_equal(bl_manifest_load(dir, 6, &d, msg, sizeof msg),
                     BL_ECORRUPT);
    assert_non_null(strstr(msg, "MANIFEST-6"));
    assert_int_equal(bl_manifest_load(dir, 7, &d, msg, sizeof msg),
                     BL_ENOTFOUND);
    assert_non_null(strstr(msg, "MANIFEST-7"));
    snprintf(path, sizeof path, "%s/CURRENT", dir);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fx_write(path, bad[i], strlen(bad[i]));
        assert_int_equal(bl_manifest_current(dir, &gen), BL_ECORRUPT);
    }
    bl_manifest_free(&m);
    fx_rmtree(dir);
}

static void file_names(void **state)
{
    char name[64];
    (void)state;

    assert_int_equal(bl_manifest_name(name, sizeof name, 12), BL_OK);
    assert_string_equal(name, "MANIFEST-12");
    assert_int_equal(bl_segment_file_name(name, sizeof name, 7), BL_OK);
    assert_string_equal(name, "seg-7.byl");
    assert_int_equal(bl_deletes_file_name(name, sizeof name, 7, 3), BL_OK);
    assert_string_equal(name, "seg-7.del-3");
    assert_int_equal(bl_segment_file_name(name, 5, 7), BL_ELIMIT);
}

/* Bitmaps round-trip at every size around a byte boundary; flips and
** truncations are rejected. */
static void deletes_round_trip_and_flips(void **state)
{
    fx_rng rng;
    (void)state;

    fx_rng_seed(&rng, 42);
    for (uint32_t docs = 0; docs < 40; docs++) {
        bl_deletes d, e;
        bl_buf b = BL_BUF_INIT;
        char msg[128];

        assert_int_equal(bl_deletes_new(docs, &d), BL_OK);
        for (uint32_t i = 0; i < docs; i++)
            if (fx_rng_below(&rng, 3) == 0)
                assert_true(bl_deletes_set(&d, i));
        if (docs > 0) {
            bl_deletes_set(&d, docs - 1);
            assert_false(bl_deletes_set(&d, docs - 1));
        }
        assert_false(bl_deletes_set(&d, docs));
        assert_int_equal(bl_deletes_encode(&d, &b), BL_OK);
        assert_int_equal(bl_deletes_decode(b.p, b.len, &e, msg, sizeof msg),
                         BL_OK);
        assert_int_equal(e.docs, docs);
        assert_int_equal(e.count, d.count);
        for (uint32_t i = 0; i < docs + 8; i++)
            assert_int_equal(bl_deletes_test(&e, i), bl_deletes_test(&d, i));
        bl_deletes_free(&e);
        for (size_t i = 0; i < b.len; i++) {
            b.p[i] ^= 0x10;
            assert_int_not_equal(
                bl_deletes_decode(b.p, b.len, &e, msg, sizeof msg), BL_OK);
            assert_null(e.bits);
            b.p[i] ^= 0x10;
        }
        assert_int_not_equal(
            bl_deletes_decode(b.p, b.len - 1, &e, msg, sizeof msg), BL_OK);
        bl_deletes_free(&d);
        bl_buf_free(&b);
    }
}

static void deletes_file_round_trip(void **state)
{
    char *dir = fx_tmpdir(), path[4096], msg[128];
    bl_deletes d, e;
    (void)state;

    snprintf(path, sizeof path, "%s/seg-1.del-2", dir);
    assert_int_equal(bl_deletes_load(path, &e, msg, sizeof msg),
                     BL_ENOTFOUND);
    assert_int_equal(bl_deletes_new(1000, &d), BL_OK);
    bl_deletes_set(&d, 0);
    bl_deletes_set(&d, 999);
    assert_int_equal(bl_deletes_write(path, &d), BL_OK);
    assert_int_equal(bl_deletes_load(path, &e, msg, sizeof msg), BL_OK);
    assert_int_equal(e.count, 2);
    assert_true(bl_deletes_test(&e, 999));
    assert_false(bl_deletes_test(&e, 998));
    bl_deletes_free(&d);
    bl_deletes_free(&e);
    fx_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(manifest_round_trips),
        cmocka_unit_test(manifest_versions_and_ranking),
        cmocka_unit_test(manifest_rejects_every_flip),
        cmocka_unit_test(manifest_checks_invariants),
        cmocka_unit_test(commit_and_current),
        cmocka_unit_test(file_names),
        cmocka_unit_test(deletes_round_trip_and_flips),
        cmocka_unit_test(deletes_file_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
