/* test_corruption.c - damaged indexes: single-byte flips at random (seeded)
** offsets in every section of a segment, in a deletion file, in the
** manifest and in CURRENT make bl_index_check (and `byline check`) fail and
** name the file (and for segments the section); opening, reading and walking
** a damaged index returns errors and never crashes (run it under ASan).
*/
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/varint.h"
#include "byline.h"
#include "reader/snapshot.h"
#include "segment/format.h"
#include "segment/segment.h"

#define N_DOCS 300

static const char *const words[] = {
    "storm", "coast", "market", "bank", "oil", "price", "minister", "vote",
    "election", "court", "trial", "police", "river", "flood", "harvest",
};
#define N_WORDS (sizeof words / sizeof words[0])

typedef struct env {
    char *dir;
    char index[2048];
} env;

/* Two commits: the second replaces ten ids of the first, so the index has
** two segments and a deletion file. */
static int setup(void **state)
{
    env *e = calloc(1, sizeof *e);
    bl_writer_opts o;
    bl_writer *w;
    fx_rng r;

    fx_rng_seed(&r, 99);
    e->dir = fx_tmpdir();
    snprintf(e->index, sizeof e->index, "%s/idx", e->dir);
    bl_writer_opts_default(&o);
    o.threads = 1;
    if (bl_writer_open(e->index, &o, &w, NULL, 0) != BL_OK)
        return -1;
    for (int i = 0; i < N_DOCS + 10; i++) {
        char id[32], title[64], body[2048];
        size_t len = 0;
        bl_doc d;

        snprintf(id, sizeof id, "d%d", i < N_DOCS ? i : i - N_DOCS);
        snprintf(title, sizeof title, "%s %s", words[fx_rng_below(&r, 15)],
                 words[fx_rng_below(&r, 15)]);
        for (int k = 0; k < 40; k++)
            len += (size_t)snprintf(body + len, sizeof body - len, "%s%s",
                                    k ? " " : "",
                                    words[fx_rng_below(&r, N_WORDS)]);
        memset(&d, 0, sizeof d);
        d.id = id;
        d.title = title;
        d.body = body;
        d.date = 536457600 + i * 3600;
        d.source = i % 2 ? "reuters" : "bbc";
        d.url = "";
        d.lang = "";
        if (bl_writer_add(w, &d) != BL_OK)
            return -1;
        if (i == N_DOCS - 1 && bl_writer_commit(w) != BL_OK)
            return -1;
    }
    if (bl_writer_commit(w) != BL_OK)
        return -1;
    bl_writer_close(w);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    env *e = *state;

    fx_rmtree(e->dir);
    free(e);
    return 0;
}

static const char *const searches[] = {
    "storm", "storm coast", "market bank oil",
    "storm coast market bank oil price minister vote election court trial "
    "police river flood harvest",
    "+storm +coast", "storm -coast", "\"storm coast\"", "po*",
    "flood date:[1987-01-05 TO 1987-01-10]",
};

/* Read everything a search or `get` would, ignoring the answers: the point
** is that nothing crashes or reads out of bounds. */
static void read_everything(const char *dir)
{
    bl_index *ix;
    bl_snapshot *s;
    bl_stats st;

    if (bl_index_open(dir, &ix) != BL_OK)
        return;
    bl_index_stats(ix, &st);
    for (int i = 0; i < N_DOCS; i += 7) {
        char id[32];
        bl_doc *d;

        snprintf(id, sizeof id, "d%d", i);
        if (bl_index_get(ix, id, &d) == BL_OK)
            bl_doc_free(d);
    }
    /* Searches of every kind: one word, short ORs (scored in windows),
    ** a long OR (MaxScore), AND, NOT, a phrase, a prefix, a date range;
    ** with stored fields and snippets. */
    for (size_t q = 0; q < sizeof searches / sizeof *searches; q++) {
        bl_search_opts o;
        bl_results *r = NULL;
        char err[256];

        bl_search_opts_default(&o);
        if (bl_search(ix, searches[q], &o, &r, err, sizeof err) == BL_OK)
            bl_results_free(r);
    }
    s = bl_index_acquire(ix);
    for (size_t i = 0; i < bl_snapshot_segment_count(s); i++) {
        const bl_segment *seg = bl_snapshot_segment(s, i);
        bl_postings *cur = malloc(sizeof *cur);

        assert_non_null(cur);
        for (int f = 0; f < BL_N_FIELDS; f++) {
            bl_term_cursor c;
            bl_term_info ti;
            int n = 0;

            if (bl_term_cursor_open(seg, (bl_field_id)f, "", 0, &c) != BL_OK)
                continue;
            while (n++ < 5000 && bl_term_cursor_next(&c, &ti) == BL_OK) {
                bool pos = f < BL_N_TEXT_FIELDS;

                if (bl_postings_open(seg, (bl_field_id)f, &ti, pos, cur) !=
                    BL_OK)
                    continue;
                while (bl_postings_next(cur) != BL_DOC_END) {
                    const uint32_t *pp;
                    uint32_t np;

                    if (pos)
                        bl_postings_positions(cur, &pp, &np);
                    if (cur->doc < bl_segment_docs(seg)) {
                        bl_segment_field_len(seg, BL_FIELD_BODY, cur->doc);
                        bl_segment_date(seg, cur->doc);
                    }
                }
            }
        }
        for (size_t k = 0; k < N_WORDS; k++) {
            uint64_t df;

            bl_snapshot_df(s, BL_FIELD_BODY, words[k], strlen(words[k]), &df);
        }
        free(cur);
    }
    bl_snapshot_release(s);
    bl_index_close(ix);
}

/* Flip one byte of path at off; check must fail and name want; reading
** must not crash; then restore. */
static void flip_and_check(const char *index, const char *path, size_t off,
                           const char *want, char *msg, size_t cap)
{
    size_t len;
    char *p = fx_slurp(path, &len);
    int rc;

    assert_non_null(p);
    assert_true(off < len);
    p[off] ^= (char)(1 + (off % 255));
    fx_write(path, p, len);
    msg[0] = '\0';
    rc = bl_index_check(index, msg, cap, NULL, NULL);
    if (rc == BL_OK || strstr(msg, want) == NULL)
        fail_msg("flip at %s+%zu: check says %s (%s), wanted a problem "
                 "naming '%s'", path, off, bl_strerror(rc), msg, want);
    read_everything(index);
    p[off] ^= (char)(1 + (off % 255));
    fx_write(path, p, len);
    free(p);
}

static char *first_file(const char *dir, const char *pattern)
{
    char *out;

    assert_int_equal(fx_run(&out, "cd %s && ls %s | head -1", dir, pattern),
                     0);
    out[strcspn(out, "\n")] = '\0';
    assert_true(out[0] != '\0');
    return out;
}

/* Flips in every section of each segment file (located through the
** footer's table of contents, format.h), in the header and in the footer:
** check names the file and the section. */
static void segment_flips(void **state)
{
    env *e = *state;
    char msg[1024], path[4096], want[256];
    fx_rng r;
    char *out;

    assert_int_equal(bl_index_check(e->index, msg, sizeof msg, NULL, NULL),
                     BL_OK);
    fx_rng_seed(&r, 1234);
    assert_int_equal(fx_run(&out, "cd %s && ls seg-*.byl", e->index), 0);
    for (char *name = strtok(out, "\n"); name != NULL;
         name = strtok(NULL, "\n")) {
        size_t len, foot;
        uint8_t *p;
        int sections = 0;

        snprintf(path, sizeof path, "%s/%s", e->index, name);
        p = (uint8_t *)fx_slurp(path, &len);
        assert_non_null(p);
        assert_true(len > BL_FOOTER_BYTES + BL_SEG_MAGIC_BYTES);
        foot = len - BL_FOOTER_BYTES;
        for (int sec = 0; sec < BL_SEC_COUNT; sec++) {
            const uint8_t *t = p + foot + (size_t)sec * BL_TOC_ENTRY_BYTES;
            uint64_t off = bl_load_u64le(t), n = bl_load_u64le(t + 8);

            assert_true(off + n <= foot);
            if (n == 0)
                continue;
            sections++;
            snprintf(want, sizeof want, "%s: %s", name, bl_sec_name(sec));
            for (int i = 0; i < 6; i++)
                flip_and_check(e->index, path,
                               (size_t)(off + fx_rng_below(&r, n)), want,
                               msg, sizeof msg);
        }
        assert_true(sections >= 8);
        free(p);
        snprintf(want, sizeof want, "%s: footer", name);
        for (int i = 0; i < 6; i++)
            flip_and_check(e->index, path,
                           foot + fx_rng_below(&r, BL_FOOTER_BYTES), want,
                           msg, sizeof msg);
        for (size_t off = 0; off < BL_SEG_MAGIC_BYTES; off++)
            flip_and_check(e->index, path, off, name, msg, sizeof msg);
    }
    free(out);
    assert_int_equal(bl_index_check(e->index, msg, sizeof msg, NULL, NULL),
                     BL_OK);
}

/* Every byte of the manifest and of the deletion file matters. */
static void manifest_and_deletes_flips(void **state)
{
    env *e = *state;
    char msg[1024], path[4096];
    char *man = first_file(e->index, "MANIFEST-*");
    char *del = first_file(e->index, "seg-*.del-*");
    size_t len;
    char *p;

    snprintf(path, sizeof path, "%s/%s", e->index, man);
    p = fx_slurp(path, &len);
    free(p);
    for (size_t off = 0; off < len; off++)
        flip_and_check(e->index, path, off, man, msg, sizeof msg);
    snprintf(path, sizeof path, "%s/%s", e->index, del);
    p = fx_slurp(path, &len);
    free(p);
    for (size_t off = 0; off < len; off++)
        flip_and_check(e->index, path, off, del, msg, sizeof msg);
    free(man);
    free(del);
    assert_int_equal(bl_index_check(e->index, msg, sizeof msg, NULL, NULL),
                     BL_OK);
}

/* A damaged CURRENT, a truncated or missing segment. */
static void damaged_files(void **state)
{
    env *e = *state;
    char msg[1024], path[4096], *seg = first_file(e->index, "seg-*.byl");
    char *cur, *data, *out;
    size_t len, cur_len;
    bl_index *ix;

    snprintf(path, sizeof path, "%s/CURRENT", e->index);
    cur = fx_slurp(path, &cur_len);
    fx_write(path, "MANIFEST-x\n", 11);
    assert_int_not_equal(bl_index_check(e->index, msg, sizeof msg, NULL,
                                        NULL), BL_OK);
    assert_non_null(strstr(msg, "CURRENT"));
    assert_int_not_equal(bl_index_open(e->index, &ix), BL_OK);
    fx_write(path, "MANIFEST-99\n", 12);
    assert_int_not_equal(bl_index_check(e->index, msg, sizeof msg, NULL,
                                        NULL), BL_OK);
    assert_non_null(strstr(msg, "MANIFEST-99"));
    assert_int_not_equal(bl_index_open(e->index, &ix), BL_OK);
    fx_write(path, cur, cur_len);
    free(cur);

    snprintf(path, sizeof path, "%s/%s", e->index, seg);
    data = fx_slurp(path, &len);
    fx_write(path, data, len / 2);
    assert_int_not_equal(bl_index_check(e->index, msg, sizeof msg, NULL,
                                        NULL), BL_OK);
    assert_non_null(strstr(msg, seg));
    read_everything(e->index);
    /* The command names it too, and exits 1. */
    assert_int_equal(fx_run(&out, "%s check %s 2>&1", fx_byline(), e->index),
                     1);
    assert_non_null(strstr(out, seg));
    free(out);
    remove(path);
    assert_int_not_equal(bl_index_check(e->index, msg, sizeof msg, NULL,
                                        NULL), BL_OK);
    assert_non_null(strstr(msg, "missing"));
    assert_int_not_equal(bl_index_open(e->index, &ix), BL_OK);
    fx_write(path, data, len);
    free(data);
    free(seg);
    assert_int_equal(bl_index_check(e->index, msg, sizeof msg, NULL, NULL),
                     BL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(segment_flips, setup, teardown),
        cmocka_unit_test_setup_teardown(manifest_and_deletes_flips, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(damaged_files, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
