/* test_merge.c - the direct segment merge (index/merge.h) against an
** oracle: segments built from real articles (the sample corpus, two
** Reuters-21578 files) and a few made-up ones, some with deletion files,
** are merged without re-analysis, and the result is compared with the
** segment a builder writes from the same live articles in the same order.
** Every section but the store's compressed bytes must be byte-identical;
** every stored article must come back field by field. Also: a merge whose
** articles are all deleted writes nothing, and corrupt sources give an
** error, never a crash.
*/
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hash.h"
#include "base/varint.h"
#include "index/builder.h"
#include "index/merge.h"
#include "segment/deletes.h"
#include "segment/format.h"
#include "segment/manifest.h"
#include "segment/segfile.h"
#include "segment/segment.h"

/* A list of articles (clones). */
typedef struct docs {
    bl_doc **d;
    size_t n;
} docs;

static void docs_push(docs *l, const bl_doc *d)
{
    l->d = realloc(l->d, sizeof *l->d * (l->n + 1));
    assert_non_null(l->d);
    l->d[l->n] = bl_doc_clone(d);
    assert_non_null(l->d[l->n]);
    l->n++;
}

static void docs_free(docs *l)
{
    for (size_t i = 0; i < l->n; i++)
        bl_doc_free(l->d[i]);
    free(l->d);
    l->d = NULL;
    l->n = 0;
}

/* Append up to max articles of one file to out. */
static void load(const char *path, bl_format fmt, size_t max, docs *out)
{
    const char *paths[1] = {path};
    bl_ingest *in;
    const bl_doc *d;
    size_t stop = out->n + max < out->n ? SIZE_MAX : out->n + max;
    int rc;

    assert_int_equal(bl_ingest_open(paths, 1, fmt, &in), BL_OK);
    while (out->n < stop && (rc = bl_ingest_next(in, &d)) != BL_DONE)
        if (rc == BL_OK)
            docs_push(out, d);
    bl_ingest_close(in);
}

/* Made-up articles for the edges: one term more than 4096 times in one
** body (positions past the cursor's 4096), extra fields, no date, an
** empty title, a source no other article has. */
static void add_made_up(docs *out)
{
    static const bl_field extra[] = {{"topic", "weather"},
                                     {"desk", "night"}};
    bl_buf body = BL_BUF_INIT;
    bl_doc d;

    for (int i = 0; i < 5000; i++)
        bl_buf_puts(&body, i % 7 == 3 ? "flood storm " : "storm ");
    bl_buf_putc(&body, 0);
    memset(&d, 0, sizeof d);
    d.id = "made-1";
    d.title = "Storm storm storm";
    d.body = (const char *)body.p;
    d.date = 1262304000;
    d.source = "Weather Desk";
    d.url = "http://example.org/storm";
    d.lang = "";
    d.extra = extra;
    d.n_extra = 2;
    docs_push(out, &d);
    memset(&d, 0, sizeof d);
    d.id = "made-2";
    d.title = "";
    d.body = "A quiet day with no date at all, and a café in Zürich.";
    d.date = BL_NO_DATE;
    d.source = "";
    d.url = "";
    d.lang = "";
    docs_push(out, &d);
    bl_buf_free(&body);
}

typedef struct fix {
    char *dir;
    docs all;                  /* every article, sources in order */
    bl_analyzer_opts ao;
} fix;

static int setup(void **state)
{
    fix *f = calloc(1, sizeof *f);

    f->dir = fx_tmpdir();
    bl_analyzer_opts_default(&f->ao);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fix *f = *state;

    docs_free(&f->all);
    fx_rmtree(f->dir);
    free(f);
    return 0;
}

/* Build seg-<id>.byl in dir from docs [from, to) of l. */
static bl_manifest_seg build(const char *dir, const bl_analyzer_opts *ao,
                             const docs *l, size_t from, size_t to,
                             uint64_t id)
{
    bl_builder *b;
    bl_segment_info info;
    bl_manifest_seg s;
    char name[64], path[4096];

    assert_int_equal(bl_builder_new(ao, &b), BL_OK);
    for (size_t i = from; i < to; i++)
        assert_int_equal(bl_builder_add(b, l->d[i]), BL_OK);
    assert_int_equal(bl_segment_file_name(name, sizeof name, id), BL_OK);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(bl_builder_flush(b, path, &info), BL_OK);
    bl_builder_free(b);
    memset(&s, 0, sizeof s);
    s.id = id;
    s.docs = info.docs;
    s.field_total[0] = info.field_total[0];
    s.field_total[1] = info.field_total[1];
    s.bytes = info.bytes;
    return s;
}

/* Delete the docs of s for which keep[] is false (a deletion file of
** generation 1). */
static void delete_docs(const char *dir, bl_manifest_seg *s,
                        const bool *keep)
{
    bl_deletes d;
    char name[64], path[4096];

    assert_int_equal(bl_deletes_new(s->docs, &d), BL_OK);
    for (uint32_t i = 0; i < s->docs; i++)
        if (!keep[i])
            bl_deletes_set(&d, i);
    assert_int_equal(bl_deletes_file_name(name, sizeof name, s->id, 1),
                     BL_OK);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(bl_deletes_write(path, &d), BL_OK);
    s->del_gen = 1;
    s->deleted = d.count;
    bl_deletes_free(&d);
}

static bl_segment *open_seg(const char *dir, const char *name)
{
    char path[4096], msg[256];
    bl_segment *seg;
    int rc;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(bl_segment_open(path, &seg), BL_OK);
    rc = bl_segment_verify(seg, msg, sizeof msg);
    if (rc != BL_OK)
        fail_msg("%s does not verify: %s", name, msg);
    return seg;
}

static void assert_same_doc(const bl_doc *got, const bl_doc *want)
{
    assert_string_equal(got->id, want->id);
    assert_string_equal(got->title, want->title);
    assert_string_equal(got->body, want->body);
    assert_string_equal(got->source, want->source ? want->source : "");
    assert_string_equal(got->url, want->url ? want->url : "");
    assert_string_equal(got->lang, want->lang ? want->lang : "");
    assert_true(got->date == want->date);
    assert_int_equal(got->n_extra, want->n_extra);
    for (size_t e = 0; e < got->n_extra; e++) {
        assert_string_equal(got->extra[e].name, want->extra[e].name);
        assert_string_equal(got->extra[e].value, want->extra[e].value);
    }
}

/* The merged segment against the builder's oracle: sections byte for byte
** (META but for the store's raw bytes and blocks), every article, and with
** same_blocks the store's block layout (a merge that copied no block cuts
** the blocks a builder cuts). */
static void compare(const bl_segment *m, const bl_segment *o,
                    const docs *live, bool same_blocks)
{
    static const int same[] = {BL_SEC_TERMS, BL_SEC_TERMIDX,
                               BL_SEC_POSTINGS, BL_SEC_POSITIONS,
                               BL_SEC_LENGTHS, BL_SEC_COLUMNS};
    bl_store_ctx *ctx;

    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        const bl_section *a = &m->sec[same[i]], *b = &o->sec[same[i]];

        if (a->len != b->len || memcmp(a->p, b->p, (size_t)a->len) != 0)
            fail_msg("section %s differs: %llu bytes merged, %llu built",
                     bl_sec_name(same[i]), (unsigned long long)a->len,
                     (unsigned long long)b->len);
    }
    /* META (format.h): all but u64 raw stored bytes and u32 store blocks
    ** at 48..60. */
    assert_int_equal(m->sec[BL_SEC_META].len, BL_META_BYTES);
    assert_memory_equal(m->sec[BL_SEC_META].p, o->sec[BL_SEC_META].p, 48);
    assert_memory_equal(m->sec[BL_SEC_META].p + 60,
                        o->sec[BL_SEC_META].p + 60, BL_META_BYTES - 60);
    if (same_blocks) {
        /* Same blocks (raw bytes, first doc, docs), other compressed
        ** bytes. */
        uint64_t entries = (uint64_t)m->n_store_blocks * BL_STOREIDX_BYTES;

        assert_int_equal(m->n_store_blocks, o->n_store_blocks);
        assert_int_equal(m->sec[BL_SEC_STOREIDX].len,
                         o->sec[BL_SEC_STOREIDX].len);
        for (uint64_t at = 0; at < entries; at += BL_STOREIDX_BYTES)
            assert_memory_equal(m->sec[BL_SEC_STOREIDX].p + at + 12,
                                o->sec[BL_SEC_STOREIDX].p + at + 12, 12);
        /* and the same store order (format.h, STOREIDX's tail) */
        assert_memory_equal(m->sec[BL_SEC_STOREIDX].p + entries,
                            o->sec[BL_SEC_STOREIDX].p + entries,
                            m->sec[BL_SEC_STOREIDX].len - entries);
    }
    assert_int_equal(bl_segment_docs(m), live->n);
    assert_int_equal(bl_store_ctx_new(&ctx), BL_OK);
    for (uint32_t d = 0; d < live->n; d++) {
        bl_doc *got;

        assert_int_equal(bl_segment_doc(m, d, ctx, &got), BL_OK);
        assert_same_doc(got, live->d[d]);
        bl_doc_free(got);
    }
    bl_store_ctx_free(ctx);
}

/* Dictionary k of STOREDICT, read as format.h lays it out. */
static void dict_bytes(const bl_segment *seg, uint32_t k, const uint8_t **p,
                       uint32_t *len)
{
    const uint8_t *t = seg->sec[BL_SEC_STOREDICT].p;
    uint32_t n = bl_load_u32le(t);
    uint64_t off = 4 + 4 * (uint64_t)n;

    assert_true(k < n);
    for (uint32_t i = 0; i < k; i++)
        off += bl_load_u32le(t + 4 + 4 * i);
    *p = t + off;
    *len = bl_load_u32le(t + 4 + 4 * k);
}

/* The merged store against its sources (n of them, keep[i][d] false for a
** deleted article): every source block compressed with a dictionary whose
** articles all live is in m as it was, its articles at their new place in
** the same order (the same compressed bytes, raw size, articles, checksum
** and dictionary bytes); the other blocks of m never use a copied block's
** dictionary (they were compressed again, with m's own). Returns the
** blocks copied. */
static uint32_t check_copies(const bl_segment *m, bl_segment *const *src,
                             bool *const *keep, size_t n)
{
    const uint8_t *mix = m->sec[BL_SEC_STOREIDX].p;
    uint32_t nb = m->n_store_blocks, base = 0, copies = 0;
    bool *copied = calloc(nb ? nb : 1, sizeof *copied);
    bool *used = calloc(m->n_dicts ? m->n_dicts : 1, sizeof *used);
    uint32_t *m_at = malloc(sizeof *m_at * (m->docs + 1));
    uint32_t *m_pos = malloc(sizeof *m_pos * (m->docs + 1));

    assert_non_null(copied);
    assert_non_null(used);
    assert_non_null(m_at);
    assert_non_null(m_pos);
    assert_int_equal(bl_store_order(m, m_at), BL_OK);
    for (uint32_t p = 0; p < m->docs; p++)
        m_pos[m_at[p]] = p;
    for (size_t i = 0; i < n; i++) {
        const bl_segment *s = src[i];
        uint32_t *remap = malloc(sizeof *remap * (s->docs + 1));
        uint32_t *at = malloc(sizeof *at * (s->docs + 1));
        uint32_t live = 0;

        assert_non_null(remap);
        assert_non_null(at);
        assert_int_equal(bl_store_order(s, at), BL_OK);
        for (uint32_t d = 0; d < s->docs; d++)
            remap[d] = keep[i][d] ? base + live++ : UINT32_MAX;
        for (uint32_t b = 0; b < s->n_store_blocks; b++) {
            const uint8_t *e = s->sec[BL_SEC_STOREIDX].p +
                               (size_t)b * BL_STOREIDX_BYTES;
            uint32_t first = bl_load_u32le(e + 16);
            uint32_t docs = bl_load_u32le(e + 20);
            uint32_t dict = bl_load_u32le(e + 32), k;
            bool all = true;

            for (uint32_t p = first; p < first + docs; p++)
                all = all && keep[i][at[p]];
            if (dict == BL_NO_DICT || !all)
                continue;
            for (k = 0; k < nb; k++)
                if (bl_load_u32le(mix + (size_t)k * BL_STOREIDX_BYTES + 16) ==
                    m_pos[remap[at[first]]])
                    break;
            if (k == nb)
                fail_msg("block %u of source %zu was not copied", b, i);
            for (uint32_t j = 0; j < docs; j++)
                assert_int_equal(m_at[m_pos[remap[at[first]]] + j],
                                 remap[at[first + j]]);
            {
                const uint8_t *me = mix + (size_t)k * BL_STOREIDX_BYTES;
                const uint8_t *sp, *mp;
                uint32_t sl, ml;

                /* comp, raw; docs; checksum */
                assert_memory_equal(me + 8, e + 8, 8);
                assert_memory_equal(me + 20, e + 20, 12);
                assert_memory_equal(
                    m->sec[BL_SEC_STORE].p + bl_load_u64le(me),
                    s->sec[BL_SEC_STORE].p + bl_load_u64le(e),
                    bl_load_u32le(e + 8));
                dict_bytes(s, dict, &sp, &sl);
                dict_bytes(m, bl_load_u32le(me + 32), &mp, &ml);
                assert_int_equal(ml, sl);
                assert_memory_equal(mp, sp, sl);
                copied[k] = true;
                used[bl_load_u32le(me + 32)] = true;
                copies++;
            }
        }
        base += live;
        free(remap);
        free(at);
    }
    for (uint32_t k = 0; k < nb; k++) {
        uint32_t dict = bl_load_u32le(mix + (size_t)k * BL_STOREIDX_BYTES +
                                      32);

        if (!copied[k] && dict != BL_NO_DICT && used[dict])
            fail_msg("block %u was compressed again with a copied "
                     "dictionary", k);
    }
    free(copied);
    free(used);
    free(m_at);
    free(m_pos);
    return copies;
}

/* Three sources (the sample corpus with one deletion, Reuters file 0,
** Reuters files 1 to 3 with every third article deleted, plus the made-up
** articles), merged directly, equal the builder's segment of the live
** articles. */
static void merge_equals_builder(void **state)
{
    fix *f = *state;
    const char *sample = fx_source("corpus/sample/articles.jsonl");
    const char *r0, *r1, *r2;
    bl_manifest_seg srcs[3], out;
    size_t cut[4];
    docs live = {NULL, 0};
    bool *keep[3];
    bl_builder *b;
    bl_segment_info info;
    bl_segment *m, *o;
    char msg[512], path[4096];
    int rc;

    load(sample, BL_FORMAT_JSONL, 1000, &f->all);
    assert_true(f->all.n >= 300);
    cut[0] = 0;
    cut[1] = f->all.n;
    if ((r0 = fx_corpus("reuters21578/reut2-000.sgm")) == NULL)
        FX_SKIP("reuters21578/reut2-000.sgm is not in the shared corpus");
    load(r0, BL_FORMAT_REUTERS, SIZE_MAX, &f->all);
    cut[2] = f->all.n;
    if ((r1 = fx_corpus("reuters21578/reut2-001.sgm")) == NULL)
        FX_SKIP("reuters21578/reut2-001.sgm is not in the shared corpus");
    load(r1, BL_FORMAT_REUTERS, SIZE_MAX, &f->all);
    /* More text than the store samples for its dictionary (16 times its
    ** 110 KiB): the merge trains on a sample, the builder on all. */
    for (int k = 2; k <= 3; k++) {
        char rel[64];

        snprintf(rel, sizeof rel, "reuters21578/reut2-%03d.sgm", k);
        if ((r2 = fx_corpus(rel)) == NULL)
            FX_SKIP("a Reuters-21578 file is not in the shared corpus");
        load(r2, BL_FORMAT_REUTERS, SIZE_MAX, &f->all);
    }
    add_made_up(&f->all);
    cut[3] = f->all.n;
    assert_true(cut[2] - cut[1] >= 900);
    for (int s = 0; s < 3; s++) {
        srcs[s] = build(f->dir, &f->ao, &f->all, cut[s], cut[s + 1],
                        (uint64_t)s + 1);
        keep[s] = malloc(sizeof(bool) * (cut[s + 1] - cut[s]));
        for (size_t i = 0; i < cut[s + 1] - cut[s]; i++)
            keep[s][i] = s == 0 ? i != 5 : s == 2 ? i % 3 != 1 : true;
    }
    /* The first made-up article (tf > 4096) stays live. */
    assert_true(keep[2][cut[3] - cut[2] - 2]);
    delete_docs(f->dir, &srcs[0], keep[0]);
    delete_docs(f->dir, &srcs[2], keep[2]);
    for (int s = 0; s < 3; s++)
        for (size_t i = cut[s]; i < cut[s + 1]; i++)
            if (keep[s][i - cut[s]])
                docs_push(&live, f->all.d[i]);
    rc = bl_merge_segments(f->dir, &f->ao, srcs, 3, 9, &out, msg,
                           sizeof msg);
    if (rc != BL_OK)
        fail_msg("merge: %s", msg);
    assert_int_equal(out.id, 9);
    assert_int_equal(out.docs, live.n);
    /* The oracle: the live articles through one builder. */
    assert_int_equal(bl_builder_new(&f->ao, &b), BL_OK);
    for (size_t i = 0; i < live.n; i++)
        assert_int_equal(bl_builder_add(b, live.d[i]), BL_OK);
    snprintf(path, sizeof path, "%s/oracle.byl", f->dir);
    assert_int_equal(bl_builder_flush(b, path, &info), BL_OK);
    bl_builder_free(b);
    assert_true(out.field_total[0] == info.field_total[0]);
    assert_true(out.field_total[1] == info.field_total[1]);
    m = open_seg(f->dir, "seg-9.byl");
    o = open_seg(f->dir, "oracle.byl");
    compare(m, o, &live, false);
    {
        /* Reuters file 0 (a dictionary, no deletions) is copied block for
        ** block; the sample (too small for a dictionary) and the sources
        ** with deletions are compressed again, with one new dictionary. */
        bl_segment *s[3];
        uint32_t copies;

        for (int k = 0; k < 3; k++) {
            char name[64];

            snprintf(name, sizeof name, "seg-%d.byl", k + 1);
            s[k] = open_seg(f->dir, name);
        }
        assert_int_equal(s[0]->n_dicts, 0);
        assert_int_equal(s[1]->n_dicts, 1);
        copies = check_copies(m, s, keep, 3);
        assert_int_equal(copies, s[1]->n_store_blocks);
        assert_int_equal(m->n_dicts, 2);
        print_message("%u of %u blocks copied\n", copies,
                      m->n_store_blocks);
        for (int k = 0; k < 3; k++)
            bl_segment_close(s[k]);
    }
    {
        /* The made-up article's 5000 body positions all survived. */
        bl_term_info ti;

        assert_int_equal(bl_segment_term(m, BL_FIELD_BODY, "storm", 5, &ti),
                         BL_OK);
        assert_true(ti.max_tf >= 5000);
    }
    print_message("merged %zu live of %zu articles: %llu bytes "
                  "(builder %llu)\n", live.n, f->all.n,
                  (unsigned long long)out.bytes,
                  (unsigned long long)info.bytes);
    bl_segment_close(m);
    bl_segment_close(o);
    /* A merge of one source without deletions is the same segment again,
    ** its store copied whole. */
    rc = bl_merge_segments(f->dir, &f->ao, &srcs[1], 1, 10, &out, msg,
                           sizeof msg);
    if (rc != BL_OK)
        fail_msg("merge: %s", msg);
    m = open_seg(f->dir, "seg-10.byl");
    o = open_seg(f->dir, "seg-2.byl");
    docs_free(&live);
    for (size_t i = cut[1]; i < cut[2]; i++)
        docs_push(&live, f->all.d[i]);
    compare(m, o, &live, true);
    for (int k = BL_SEC_META; k < BL_SEC_COUNT; k++)
        if (m->sec[k].len != o->sec[k].len ||
            memcmp(m->sec[k].p, o->sec[k].p, (size_t)m->sec[k].len) != 0)
            fail_msg("section %s was not copied", bl_sec_name(k));
    bl_segment_close(m);
    bl_segment_close(o);
    docs_free(&live);
    for (int s = 0; s < 3; s++)
        free(keep[s]);
}

/* Sources whose articles are all deleted: nothing is written and
** out->docs is 0; next to a live source they add nothing. */
static void all_deleted_writes_nothing(void **state)
{
    fix *f = *state;
    const char *sample = fx_source("corpus/sample/articles.jsonl");
    bl_manifest_seg srcs[2], out;
    bool keep[40];
    docs live = {NULL, 0};
    char msg[512], path[4096];
    bl_builder *b;
    bl_segment_info info;
    bl_segment *m, *o;

    load(sample, BL_FORMAT_JSONL, 60, &f->all);
    assert_int_equal(f->all.n, 60);
    srcs[0] = build(f->dir, &f->ao, &f->all, 0, 40, 1);
    srcs[1] = build(f->dir, &f->ao, &f->all, 40, 60, 2);
    memset(keep, 0, sizeof keep);
    delete_docs(f->dir, &srcs[0], keep);
    assert_int_equal(srcs[0].deleted, 40);
    assert_int_equal(bl_merge_segments(f->dir, &f->ao, srcs, 1, 3, &out,
                                       msg, sizeof msg), BL_OK);
    assert_int_equal(out.docs, 0);
    snprintf(path, sizeof path, "%s/seg-3.byl", f->dir);
    assert_null(fx_slurp(path, NULL));
    /* Both: only the second's articles, as the builder writes them. */
    assert_int_equal(bl_merge_segments(f->dir, &f->ao, srcs, 2, 4, &out,
                                       msg, sizeof msg), BL_OK);
    assert_int_equal(out.docs, 20);
    assert_int_equal(bl_builder_new(&f->ao, &b), BL_OK);
    for (size_t i = 40; i < 60; i++) {
        assert_int_equal(bl_builder_add(b, f->all.d[i]), BL_OK);
        docs_push(&live, f->all.d[i]);
    }
    snprintf(path, sizeof path, "%s/oracle.byl", f->dir);
    assert_int_equal(bl_builder_flush(b, path, &info), BL_OK);
    bl_builder_free(b);
    m = open_seg(f->dir, "seg-4.byl");
    o = open_seg(f->dir, "oracle.byl");
    compare(m, o, &live, true);
    bl_segment_close(m);
    bl_segment_close(o);
    docs_free(&live);
}

/* Recompute the checksums of section s and of the footer after a change,
** so that the change reaches the decoders instead of the checksum test. */
static void fix_checksums(uint8_t *p, size_t len, int s)
{
    uint8_t *foot = p + len - BL_FOOTER_BYTES;
    uint8_t *e = foot + (size_t)s * BL_TOC_ENTRY_BYTES;
    uint8_t *t = foot + BL_SEC_COUNT * BL_TOC_ENTRY_BYTES;
    uint64_t off = bl_load_u64le(e), n = bl_load_u64le(e + 8);

    bl_store_u64le(e + 16, bl_checksum(p + off, (size_t)n));
    bl_store_u64le(t + 8, bl_checksum(foot, (size_t)(t + 8 - foot)));
}

/* A corrupt source is an error, never a crash: bit flips caught by the
** checksums, flips behind fixed checksums (the decoders' bounds), a
** truncated file, a missing one, a bad deletion file. */
static void corrupt_source_is_an_error(void **state)
{
    fix *f = *state;
    const char *sample = fx_source("corpus/sample/articles.jsonl");
    static const int secs[] = {BL_SEC_TERMS, BL_SEC_POSTINGS,
                               BL_SEC_POSITIONS, BL_SEC_STORE,
                               BL_SEC_LENGTHS, BL_SEC_COLUMNS};
    bl_manifest_seg srcs[2], out;
    char msg[512], path[4096], good[4096];
    uint8_t *orig, *copy;
    size_t len;
    fx_rng r;
    int fixed_ok = 0, rc;

    load(sample, BL_FORMAT_JSONL, 200, &f->all);
    srcs[0] = build(f->dir, &f->ao, &f->all, 0, 150, 1);
    srcs[1] = build(f->dir, &f->ao, &f->all, 150, 200, 2);
    snprintf(path, sizeof path, "%s/seg-1.byl", f->dir);
    snprintf(good, sizeof good, "%s/good.byl", f->dir);
    orig = (uint8_t *)fx_slurp(path, &len);
    assert_non_null(orig);
    fx_write(good, orig, len);
    copy = malloc(len);
    fx_rng_seed(&r, 11);
    for (int round = 0; round < 60; round++) {
        int s = secs[round % (int)(sizeof secs / sizeof secs[0])];
        const uint8_t *e = orig + len - BL_FOOTER_BYTES +
                           (size_t)s * BL_TOC_ENTRY_BYTES;
        uint64_t off = bl_load_u64le(e), n = bl_load_u64le(e + 8);
        bool fix_sums = round % 2 == 1;

        memcpy(copy, orig, len);
        for (int k = 0; k < 1 + round % 3; k++)
            copy[off + fx_rng_below(&r, n)] ^=
                (uint8_t)(1u << fx_rng_below(&r, 8));
        if (fix_sums)
            fix_checksums(copy, len, s);
        fx_write(path, copy, len);
        msg[0] = '\0';
        rc = bl_merge_segments(f->dir, &f->ao, srcs, 2, 3, &out, msg,
                               sizeof msg);
        if (!fix_sums) {
            assert_int_equal(rc, BL_ECORRUPT);
            assert_non_null(strstr(msg, "seg-1.byl"));
        } else if (rc == BL_OK) {
            fixed_ok++;        /* a flip the format cannot tell */
        } else {
            assert_true(rc < 0);
            assert_true(msg[0] != '\0');
        }
    }
    print_message("60 corrupt sources: %d merged anyway behind fixed "
                  "checksums\n", fixed_ok);
    /* Truncated, missing. */
    fx_write(path, orig, len / 2);
    assert_int_equal(bl_merge_segments(f->dir, &f->ao, srcs, 2, 3, &out,
                                       msg, sizeof msg), BL_ECORRUPT);
    assert_int_equal(remove(path), 0);
    assert_true(bl_merge_segments(f->dir, &f->ao, srcs, 2, 3, &out, msg,
                                  sizeof msg) < 0);
    /* A deletion file for another size, then a damaged one. */
    fx_write(path, orig, len);
    {
        bl_deletes d;
        char dp[4096];
        uint8_t *bytes;
        size_t dlen;

        assert_int_equal(bl_deletes_new(7, &d), BL_OK);
        snprintf(dp, sizeof dp, "%s/seg-1.del-1", f->dir);
        assert_int_equal(bl_deletes_write(dp, &d), BL_OK);
        bl_deletes_free(&d);
        srcs[0].del_gen = 1;
        assert_int_equal(bl_merge_segments(f->dir, &f->ao, srcs, 2, 3,
                                           &out, msg, sizeof msg),
                         BL_ECORRUPT);
        bytes = (uint8_t *)fx_slurp(dp, &dlen);
        bytes[dlen / 2] ^= 1;
        fx_write(dp, bytes, dlen);
        free(bytes);
        assert_int_equal(bl_merge_segments(f->dir, &f->ao, srcs, 2, 3,
                                           &out, msg, sizeof msg),
                         BL_ECORRUPT);
        srcs[0].del_gen = 0;
    }
    /* The intact sources still merge. */
    assert_int_equal(bl_merge_segments(f->dir, &f->ao, srcs, 2, 3, &out,
                                       msg, sizeof msg), BL_OK);
    assert_int_equal(out.docs, 200);
    free(orig);
    free(copy);
}

/* The policy: a mostly-deleted segment alone; otherwise up to eight of a
** tier that has eight; never more than max_bytes. */
static void merge_policy_picks(void **state)
{
    bl_manifest_seg segs[10];
    bl_manifest m;
    size_t idx[10], n;
    const uint64_t mb = 1 << 20;
    (void)state;

    memset(&m, 0, sizeof m);
    memset(segs, 0, sizeof segs);
    m.segs = segs;
    for (int i = 0; i < 9; i++)
        segs[i] = (bl_manifest_seg){.id = (uint64_t)i + 1, .docs = 40000,
                                    .bytes = 10 * mb};
    m.n_segs = 9;
    bl_merge_pick(&m, 128 * mb, idx, &n);
    assert_int_equal(n, BL_MERGE_FACTOR);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(idx[i], i);
    /* A full tier but less room: as many as fit. */
    bl_merge_pick(&m, 60 * mb, idx, &n);
    assert_int_equal(n, 6);
    /* Fewer than eight of the tier: nothing. */
    m.n_segs = 7;
    bl_merge_pick(&m, 128 * mb, idx, &n);
    assert_int_equal(n, 0);
    /* Mostly deleted: rewritten alone, first. */
    segs[3].deleted = 30000;
    segs[3].del_gen = 2;
    bl_merge_pick(&m, 128 * mb, idx, &n);
    assert_int_equal(n, 1);
    assert_int_equal(idx[0], 3);
    /* Unless it is too big for the budget. */
    bl_merge_pick(&m, 5 * mb, idx, &n);
    assert_int_equal(n, 0);
}

/* An optimizing commit's runs: as many consecutive segments as fit the
** bytes given, never none unless one alone has nothing to drop. */
static void optimize_picks_runs(void **state)
{
    bl_manifest_seg segs[6];
    bl_manifest m;
    size_t n;
    const uint64_t mb = 1 << 20;
    (void)state;

    memset(&m, 0, sizeof m);
    memset(segs, 0, sizeof segs);
    m.segs = segs;
    m.n_segs = 6;
    for (int i = 0; i < 6; i++)
        segs[i] = (bl_manifest_seg){.id = (uint64_t)i + 1, .docs = 100,
                                    .bytes = 10 * mb};
    bl_merge_pick_run(&m, 0, 1000 * mb, &n);
    assert_int_equal(n, 6);                 /* all fit: one segment */
    bl_merge_pick_run(&m, 0, 25 * mb, &n);
    assert_int_equal(n, 2);
    bl_merge_pick_run(&m, 4, 30 * mb, &n);
    assert_int_equal(n, 2);                 /* what is left */
    bl_merge_pick_run(&m, 5, 1000 * mb, &n);
    assert_int_equal(n, 0);                 /* the last, alone, intact */
    segs[5].deleted = 1;
    segs[5].del_gen = 2;
    bl_merge_pick_run(&m, 5, 1000 * mb, &n);
    assert_int_equal(n, 1);                 /* rewritten to drop one */
    segs[2].bytes = 50 * mb;                /* bigger than the room */
    bl_merge_pick_run(&m, 2, 30 * mb, &n);
    assert_int_equal(n, 0);
    bl_merge_pick_run(&m, 0, 30 * mb, &n);
    assert_int_equal(n, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(merge_policy_picks),
        cmocka_unit_test(optimize_picks_runs),
        cmocka_unit_test_setup_teardown(merge_equals_builder, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(all_deleted_writes_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(corrupt_source_is_an_error, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
