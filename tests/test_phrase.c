/* test_phrase.c - phrases and proximity: the matching rule against a brute
** force over every placement, and the phrase iterator over a real segment
** (the sample corpus) against a naive scan of positions found by analysing
** the stored text again; also term, AND, OR and NOT iterators against the
** same scan.
*/
#include "fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index/builder.h"
#include "query/iter.h"
#include "score/bm25.h"
#include "segment/segment.h"

/* ---- the rule, brute force --------------------------------------------- */

/* Is there a placement of terms i.. after prev within the stretch left? */
static bool place(const uint32_t *const *pos, const uint32_t *n_pos,
                  const uint32_t *off, size_t n, size_t i, uint32_t p0,
                  uint32_t prev, uint32_t slop)
{
    if (i == n)
        return (uint64_t)prev - p0 - off[n - 1] <= slop;
    for (uint32_t k = 0; k < n_pos[i]; k++) {
        uint32_t p = pos[i][k];

        if ((uint64_t)p >= (uint64_t)prev + (off[i] - off[i - 1]) &&
            place(pos, n_pos, off, n, i + 1, p0, p, slop))
            return true;
    }
    return false;
}

static uint32_t brute_freq(const uint32_t *const *pos, const uint32_t *n_pos,
                           const uint32_t *off, size_t n, uint32_t slop)
{
    uint32_t count = 0;

    for (uint32_t a = 0; a < n_pos[0]; a++)
        if (n == 1 || place(pos, n_pos, off, n, 1, pos[0][a], pos[0][a], slop))
            count++;
    return count;
}

/* Random position lists: bl_phrase_freq equals the brute force. */
static void rule_equals_brute_force(void **state)
{
    fx_rng rng;
    (void)state;

    fx_rng_seed(&rng, 7);
    for (int round = 0; round < 20000; round++) {
        uint32_t store[4][12], n_pos[4], off[4];
        const uint32_t *pos[4];
        size_t n = 2 + (size_t)fx_rng_below(&rng, 3);
        uint32_t slop = (uint32_t)fx_rng_below(&rng, 4);
        uint32_t span = 8 + (uint32_t)fx_rng_below(&rng, 30);

        if (fx_rng_below(&rng, 3) == 0)
            slop = 0;
        off[0] = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t m = (uint32_t)fx_rng_below(&rng, 12), k = 0;

            if (i > 0)
                off[i] = off[i - 1] + 1 + (uint32_t)fx_rng_below(&rng, 2);
            for (uint32_t p = 0; p < span && k < m; p++)
                if (fx_rng_below(&rng, span) < m)
                    store[i][k++] = p;
            n_pos[i] = k;
            pos[i] = store[i];
        }
        assert_int_equal(bl_phrase_freq(pos, n_pos, off, n, slop),
                         brute_freq(pos, n_pos, off, n, slop));
    }
}

/* ---- a segment of the sample corpus ------------------------------------ */

typedef struct fixture {
    char *dir;
    bl_segment *seg;
    bl_analyzer *an;
    bl_store_ctx *sc;
    bl_doc **docs;             /* stored articles, by local id */
    uint32_t n_docs;
    bl_bm25 m;
} fixture;

static int setup(void **state)
{
    const char *path = fx_source("corpus/sample/articles.jsonl");
    const char *paths[1] = {path};
    bl_analyzer_opts ao;
    bl_builder *b;
    bl_ingest *in;
    const bl_doc *doc;
    bl_segment_info info;
    char seg_path[4096];
    fixture *fx = calloc(1, sizeof *fx);
    uint64_t totals[2];
    int rc;

    assert_non_null(fx);
    fx->dir = fx_tmpdir();
    bl_analyzer_opts_default(&ao);
    assert_int_equal(bl_builder_new(&ao, &b), BL_OK);
    assert_int_equal(bl_ingest_open(paths, 1, BL_FORMAT_JSONL, &in), BL_OK);
    while ((rc = bl_ingest_next(in, &doc)) != BL_DONE)
        if (rc == BL_OK)
            assert_int_equal(bl_builder_add(b, doc), BL_OK);
    bl_ingest_close(in);
    snprintf(seg_path, sizeof seg_path, "%s/seg-1.byl", fx->dir);
    assert_int_equal(bl_builder_flush(b, seg_path, &info), BL_OK);
    bl_builder_free(b);
    assert_int_equal(bl_segment_open(seg_path, &fx->seg), BL_OK);
    assert_int_equal(bl_analyzer_new(&ao, &fx->an), BL_OK);
    assert_int_equal(bl_store_ctx_new(&fx->sc), BL_OK);
    fx->n_docs = bl_segment_docs(fx->seg);
    assert_true(fx->n_docs > 100);
    fx->docs = calloc(fx->n_docs, sizeof *fx->docs);
    for (uint32_t d = 0; d < fx->n_docs; d++)
        assert_int_equal(bl_segment_doc(fx->seg, d, fx->sc, &fx->docs[d]),
                         BL_OK);
    for (int f = 0; f < 2; f++)
        totals[f] = bl_segment_field_total(fx->seg, (bl_field_id)f);
    bl_bm25_init(&fx->m, 1.2, 0.75, 2.0, 1.0, fx->n_docs, totals);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;

    for (uint32_t d = 0; d < fx->n_docs; d++)
        bl_doc_free(fx->docs[d]);
    free(fx->docs);
    bl_store_ctx_free(fx->sc);
    bl_analyzer_free(fx->an);
    bl_segment_close(fx->seg);
    fx_rmtree(fx->dir);
    free(fx);
    return 0;
}

/* Analysed tokens of a text: terms and positions. */
typedef struct toks {
    char (*term)[BL_MAX_TERM + 1];
    uint32_t *pos;
    size_t n, cap;
} toks;

static int on_tok(void *ctx, const bl_token *t)
{
    toks *v = ctx;

    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 64;
        v->term = realloc(v->term, v->cap * sizeof *v->term);
        v->pos = realloc(v->pos, v->cap * sizeof *v->pos);
        assert_non_null(v->term);
        assert_non_null(v->pos);
    }
    memcpy(v->term[v->n], t->term, t->term_len);
    v->term[v->n][t->term_len] = '\0';
    v->pos[v->n++] = t->pos;
    return 0;
}

/* Analyse a text of article d as the builder did (its language). */
static void analyse(fixture *fx, uint32_t d, const char *text, toks *out)
{
    const char *lang = fx->docs[d]->lang[0] ? fx->docs[d]->lang : NULL;

    memset(out, 0, sizeof *out);
    assert_int_equal(bl_analyze(fx->an, text, strlen(text), lang, on_tok,
                                out), BL_OK);
}

static void toks_free(toks *t)
{
    free(t->term);
    free(t->pos);
}

/* Positions of term in a token list (into out, at most cap). */
static uint32_t positions_of(const toks *t, const char *term, uint32_t *out,
                             uint32_t cap)
{
    uint32_t n = 0;

    for (size_t i = 0; i < t->n && n < cap; i++)
        if (strcmp(t->term[i], term) == 0)
            out[n++] = t->pos[i];
    return n;
}

/* The phrase's expected score on doc d from a naive scan (0: no match). */
static double naive_phrase(fixture *fx, uint32_t d, const char *const *terms,
                           const uint32_t *off, size_t n, uint32_t slop,
                           double weight)
{
    const char *text[2] = {fx->docs[d]->title, fx->docs[d]->body};
    double tft = 0;

    for (int f = 0; f < 2; f++) {
        toks t;
        uint32_t *store = malloc(n * 4096 * sizeof *store), n_pos[8];
        const uint32_t *pos[8];
        uint32_t freq;
        bool all = true;

        assert_non_null(store);
        analyse(fx, d, text[f], &t);
        for (size_t i = 0; i < n; i++) {
            pos[i] = store + i * 4096;
            n_pos[i] = positions_of(&t, terms[i], store + i * 4096, 4096);
            all = all && n_pos[i] > 0;
        }
        freq = all ? brute_freq(pos, n_pos, off, n, slop) : 0;
        if (freq > 0)
            tft += bl_bm25_field_tf(&fx->m, f, freq, (uint32_t)t.n == 0 ? 0 :
                                    bl_segment_field_len(fx->seg, f, d));
        toks_free(&t);
        free(store);
    }
    return bl_bm25_saturate(&fx->m, weight, tft);
}

static void ctx_init(fixture *fx, bl_iter_ctx *ctx, bl_arena *arena)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->seg = fx->seg;
    ctx->bm25 = &fx->m;
    ctx->arena = arena;
}

static bool close_to(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b)) + 1e-300;
}

/* Phrases cut from the articles (with their stopword gaps) and proximity
** variants: the iterator yields exactly the documents of the naive scan,
** with the same scores. */
static void phrases_equal_naive_scan(void **state)
{
    fixture *fx = *state;
    static const bl_field_id both[2] = {BL_FIELD_TITLE, BL_FIELD_BODY};
    fx_rng rng;
    size_t matched = 0;

    fx_rng_seed(&rng, 11);
    for (int round = 0; round < 150; round++) {
        uint32_t d0 = (uint32_t)fx_rng_below(&rng, fx->n_docs);
        uint32_t slop = round % 3 == 0 ? 0 : (uint32_t)fx_rng_below(&rng, 4);
        toks t;
        const char *terms[4];
        uint32_t off[4];
        size_t n = 2 + (size_t)fx_rng_below(&rng, 3), start;
        bl_arena arena;
        bl_iter_ctx ctx;
        bl_iter *it;
        uint32_t got = 0;

        analyse(fx, d0,
                round % 4 == 0 ? fx->docs[d0]->title : fx->docs[d0]->body,
                &t);
        if (t.n < n) {
            toks_free(&t);
            continue;
        }
        start = (size_t)fx_rng_below(&rng, t.n - n + 1);
        for (size_t i = 0; i < n; i++) {
            terms[i] = t.term[start + i];
            off[i] = t.pos[start + i] - t.pos[start];
        }
        if (round % 5 == 1)     /* swapped: only proximity can match */
            terms[0] = t.term[start + n - 1], terms[n - 1] = t.term[start];
        bl_arena_init(&arena, 0);
        ctx_init(fx, &ctx, &arena);
        it = bl_iter_phrase_new(&ctx, terms, off, n, slop, both, 2, 1.5);
        assert_int_equal(ctx.rc, BL_OK);
        for (uint32_t d = 0; d < fx->n_docs; d++) {
            double want = naive_phrase(fx, d, terms, off, n, slop, 1.5);

            if (want == 0)
                continue;
            assert_non_null(it);
            assert_int_equal(bl_iter_next(it), d);
            assert_true(close_to(bl_iter_score(it), want));
            assert_true(bl_iter_score(it) <= it->max_score);
            got++;
        }
        if (it != NULL)
            assert_int_equal(bl_iter_next(it), BL_DOC_END);
        if (round % 5 != 1)
            assert_true(got >= 1);     /* the article it was cut from */
        matched += got;
        assert_int_equal(bl_iter_ctx_status(&ctx), BL_OK);
        bl_arena_free(&arena);
        toks_free(&t);
    }
    assert_true(matched > 100);
}

/* Seeking a phrase lands on the first match at or after the target. */
static void phrase_seek_agrees_with_next(void **state)
{
    fixture *fx = *state;
    static const bl_field_id body[1] = {BL_FIELD_BODY};
    const char *terms[2] = {"new", "york"};
    uint32_t off[2] = {0, 1}, all[512], n = 0;
    bl_arena arena;
    bl_iter_ctx ctx;
    bl_iter *it;

    bl_arena_init(&arena, 0);
    ctx_init(fx, &ctx, &arena);
    it = bl_iter_phrase_new(&ctx, terms, off, 2, 0, body, 1, 1.0);
    if (it == NULL) {
        bl_arena_free(&arena);
        FX_SKIP("no \"new york\" in the sample corpus");
        return;
    }
    for (uint32_t d = bl_iter_next(it); d != BL_DOC_END; d = bl_iter_next(it))
        all[n++] = d;
    for (uint32_t target = 0; target < fx->n_docs; target += 7) {
        bl_iter_ctx c2;
        bl_iter *s;
        uint32_t want = BL_DOC_END;

        ctx_init(fx, &c2, &arena);
        s = bl_iter_phrase_new(&c2, terms, off, 2, 0, body, 1, 1.0);
        for (uint32_t i = 0; i < n; i++)
            if (all[i] >= target) {
                want = all[i];
                break;
            }
        assert_int_equal(bl_iter_seek(s, target), want);
    }
    bl_arena_free(&arena);
}

/* Term, AND, OR and NOT over real postings equal the naive scan. */
static void boolean_iterators_equal_scan(void **state)
{
    fixture *fx = *state;
    static const bl_field_id both[2] = {BL_FIELD_TITLE, BL_FIELD_BODY};
    fx_rng rng;

    fx_rng_seed(&rng, 5);
    for (int round = 0; round < 60; round++) {
        /* three words from random articles */
        char words[3][BL_MAX_TERM + 1];
        bool has[3][1024];
        bl_arena arena;
        bl_iter_ctx ctx;
        bl_iter *k[3], *it;
        int kind = round % 3;

        assert_true(fx->n_docs <= 1024);
        for (int w = 0; w < 3; w++) {
            toks t;
            uint32_t d = (uint32_t)fx_rng_below(&rng, fx->n_docs);

            analyse(fx, d, fx->docs[d]->body, &t);
            assert_true(t.n > 0);
            strcpy(words[w], t.term[fx_rng_below(&rng, t.n)]);
            toks_free(&t);
        }
        for (uint32_t d = 0; d < fx->n_docs; d++) {
            toks ti, tb;

            analyse(fx, d, fx->docs[d]->title, &ti);
            analyse(fx, d, fx->docs[d]->body, &tb);
            for (int w = 0; w < 3; w++) {
                uint32_t p;

                has[w][d] = positions_of(&ti, words[w], &p, 1) +
                                positions_of(&tb, words[w], &p, 1) > 0;
            }
            toks_free(&ti);
            toks_free(&tb);
        }
        bl_arena_init(&arena, 0);
        ctx_init(fx, &ctx, &arena);
        for (int w = 0; w < 3; w++) {
            k[w] = bl_iter_term_new(&ctx, words[w], both, 2, 1.0);
            assert_non_null(k[w]);
        }
        if (kind == 0)
            it = bl_iter_and_new(&ctx, k, 2, &k[2], 1, 1.0);
        else if (kind == 1)
            it = bl_iter_or_new(&ctx, k, 3, 2.0);
        else
            it = bl_iter_not_new(&ctx, bl_iter_or_new(&ctx, k, 2, 1.0),
                                 &k[2], 1);
        for (uint32_t d = 0; d < fx->n_docs; d++) {
            bool want = kind == 0   ? has[0][d] && has[1][d]
                        : kind == 1 ? has[0][d] || has[1][d] || has[2][d]
                                    : (has[0][d] || has[1][d]) && !has[2][d];
            uint32_t last;

            if (!want)
                continue;
            assert_int_equal(bl_iter_next(it), d);
            assert_true(bl_iter_score(it) <= it->max_score * (1 + 1e-12));
            assert_true(bl_iter_score(it) <=
                        bl_iter_block_max(it, d, &last) * (1 + 1e-12));
            assert_true(last >= d);
        }
        assert_int_equal(bl_iter_next(it), BL_DOC_END);
        assert_int_equal(bl_iter_ctx_status(&ctx), BL_OK);
        bl_arena_free(&arena);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rule_equals_brute_force),
        cmocka_unit_test_setup_teardown(phrases_equal_naive_scan, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(phrase_seek_agrees_with_next, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(boolean_iterators_equal_scan, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
