/* iter_term.c - the leaves of the iterator tree that read postings
** directly: a term over one or both text fields (BM25F), an exact keyword
** (source, id), a set of terms with a constant score (a prefix's
** expansions), and the empty iterator; plus the context helpers of iter.h.
** Invariant: a term iterator's document is the smallest current document
** of its field cursors, and every cursor behind it is moved before it is
** read; a bound is computed with the same bm25.h functions as the score,
** from a larger tf and a smaller length, so it is never below the score.
*/
#include "query/iter.h"

#include <string.h>

/* ---- context ------------------------------------------------------------ */

bl_postings *bl_iter_ctx_postings(bl_iter_ctx *ctx, bl_field_id field,
                                  const bl_term_info *ti, bool positions)
{
    bl_postings *p;
    int rc;

    if (ctx->n_opened == ctx->cap_opened) {
        size_t cap = ctx->cap_opened ? ctx->cap_opened * 2 : 16;
        bl_postings **v = bl_arena_alloc(ctx->arena, cap * sizeof *v);

        if (v == NULL) {
            ctx->rc = BL_ENOMEM;
            return NULL;
        }
        if (ctx->n_opened)
            memcpy(v, ctx->opened, ctx->n_opened * sizeof *v);
        ctx->opened = v;
        ctx->cap_opened = cap;
    }
    p = bl_arena_alloc(ctx->arena, sizeof *p);
    if (p == NULL) {
        ctx->rc = BL_ENOMEM;
        return NULL;
    }
    rc = bl_postings_open(ctx->seg, field, ti, positions, p);
    if (rc != BL_OK) {
        ctx->rc = rc;
        return NULL;
    }
    ctx->opened[ctx->n_opened++] = p;
    return p;
}

int bl_iter_ctx_term(bl_iter_ctx *ctx, bl_field_id field, const char *term,
                     bl_term_info *out)
{
    if (ctx->lookup != NULL)
        return ctx->lookup(ctx->lookup_ud, field, term, out);
    return bl_segment_term(ctx->seg, field, term, strlen(term), out);
}

int bl_iter_ctx_status(const bl_iter_ctx *ctx)
{
    if (ctx->rc != BL_OK)
        return ctx->rc;
    for (size_t i = 0; i < ctx->n_opened; i++)
        if (ctx->opened[i]->rc != BL_OK)
            return ctx->opened[i]->rc;
    return BL_OK;
}

/* ---- term: one term over up to two text fields ------------------------ */

typedef struct term_iter {
    bl_iter it;
    const bl_bm25 *m;
    double weight;             /* boost * idf */
    size_t n;                  /* field cursors: 1 or 2 */
    bl_field_id field[BL_N_TEXT_FIELDS];
    bl_postings *p[BL_N_TEXT_FIELDS];
    bl_field_lengths len[BL_N_TEXT_FIELDS];  /* each cursor's field's */
} term_iter;

static uint32_t term_min(term_iter *t)
{
    uint32_t d = t->p[0]->doc;

    if (t->n > 1 && t->p[1]->doc < d)
        d = t->p[1]->doc;
    return t->it.doc = d;
}

static uint32_t term_next(bl_iter *it)
{
    term_iter *t = (term_iter *)it;

    if (it->doc == BL_DOC_END)
        return BL_DOC_END;
    for (size_t i = 0; i < t->n; i++)
        if (it->doc == BL_ITER_UNSET || t->p[i]->doc == it->doc)
            bl_postings_next(t->p[i]);
    return term_min(t);
}

static uint32_t term_seek(bl_iter *it, uint32_t target)
{
    term_iter *t = (term_iter *)it;

    if (it->doc != BL_ITER_UNSET && it->doc >= target)
        return it->doc;
    for (size_t i = 0; i < t->n; i++)
        if (it->doc == BL_ITER_UNSET || t->p[i]->doc < target)
            bl_postings_seek(t->p[i], target);
    return term_min(t);
}

static double term_score(bl_iter *it)
{
    term_iter *t = (term_iter *)it;
    double tft = 0;

    for (size_t i = 0; i < t->n; i++)
        if (t->p[i]->doc == it->doc)
            tft += bl_bm25_field_tf(
                t->m, t->field[i], (double)bl_postings_freq(t->p[i]),
                bl_field_lengths_get(&t->len[i], it->doc));
    return bl_bm25_saturate(t->m, t->weight, tft);
}

static double term_block_max(bl_iter *it, uint32_t target, uint32_t *last)
{
    term_iter *t = (term_iter *)it;
    double tft = 0;

    *last = BL_DOC_END;
    for (size_t i = 0; i < t->n; i++) {
        uint32_t l, max_tf, min_len, at = t->p[i]->doc;

        if (at == BL_DOC_END)
            continue;
        if (at > target) {
            /* Nothing of this field before its cursor: the bound holds
            ** without it up to there (a title list, sparse, would
            ** otherwise add its block's bound to every body block). */
            if (at - 1 < *last)
                *last = at - 1;
            continue;
        }
        bl_postings_block_bound(t->p[i], target, &l, &max_tf, &min_len);
        if (l == BL_DOC_END)
            continue;
        tft += bl_bm25_field_bound(t->m, t->field[i], max_tf, min_len);
        if (l < *last)
            *last = l;
    }
    return bl_bm25_saturate(t->m, t->weight, tft);
}

/* Each field's postings in [lo, hi) straight from the decoded blocks. The
** shares of the fields before the last wait in w->tft (stored, then
** added); the last field's posting takes its document's share from there
** (f0 + f1, as term_score's 0 + f0 + f1) and goes to the window saturated;
** the documents the last field lacks go after it. */
static void term_add_window(bl_iter *it, bl_window *w, uint64_t hi)
{
    term_iter *t = (term_iter *)it;
    uint32_t first = BL_WINDOW, last = 0, waiting = 0;

    for (size_t f = 0; f < t->n; f++) {
        bl_postings *p = t->p[f];
        const bl_field_lengths *len = &t->len[f];
        int field = t->field[f];
        bool final = f + 1 == t->n;

        for (;;) {
            const uint32_t *docs, *freqs;
            uint32_t n = bl_postings_run(p, &docs, &freqs), k = 0;

            for (; k < n && docs[k] < hi; k++) {
                uint32_t j = docs[k] - w->lo;
                uint64_t bit = (uint64_t)1 << (j % 64);
                double v = bl_bm25_field_tf(
                    t->m, field, (double)freqs[k],
                    bl_field_lengths_get(len, docs[k]));

                if (final) {
                    if (waiting > 0 && (w->tft_hit[j / 64] & bit)) {
                        v = w->tft[j] + v;
                        w->tft_hit[j / 64] &= ~bit;
                        waiting--;
                    }
                    bl_window_score(w, j,
                                    bl_bm25_saturate(t->m, t->weight, v));
                    continue;
                }
                waiting += !(w->tft_hit[j / 64] & bit);
                bl_window_put(w->tft, w->tft_hit, j, v);
                if (j < first)
                    first = j;
                if (j > last)
                    last = j;
            }
            bl_postings_advance(p, k);
            if (n == 0 || k < n)
                break;
        }
    }
    for (uint32_t x = first / 64; waiting > 0 && x <= last / 64; x++) {
        uint64_t bits = w->tft_hit[x];

        w->tft_hit[x] = 0;
        while (bits != 0) {
            uint32_t j = x * 64 + (uint32_t)__builtin_ctzll(bits);

            bits &= bits - 1;
            waiting--;
            bl_window_score(w, j,
                            bl_bm25_saturate(t->m, t->weight, w->tft[j]));
        }
    }
    term_min(t);
}

static const bl_iter_ops term_ops = {term_next, term_seek, term_score,
                                     term_block_max, term_add_window};

bl_iter *bl_iter_term_new(bl_iter_ctx *ctx, const char *term,
                          const bl_field_id *fields, size_t n_fields,
                          double weight)
{
    term_iter *t;
    double tft = 0;

    t = bl_arena_alloc(ctx->arena, sizeof *t);
    if (t == NULL) {
        ctx->rc = BL_ENOMEM;
        return NULL;
    }
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < n_fields && i < BL_N_TEXT_FIELDS; i++) {
        bl_term_info ti;
        int rc = bl_iter_ctx_term(ctx, fields[i], term, &ti);

        if (rc == BL_ENOTFOUND || (rc == BL_OK && ti.df == 0))
            continue;
        if (rc != BL_OK) {
            ctx->rc = rc;
            return NULL;
        }
        t->p[t->n] = bl_iter_ctx_postings(ctx, fields[i], &ti, false);
        if (t->p[t->n] == NULL)
            return NULL;
        bl_segment_field_lengths(ctx->seg, fields[i], &t->len[t->n]);
        t->field[t->n++] = fields[i];
        t->it.cost += ti.df;
        tft += bl_bm25_field_bound(ctx->bm25, fields[i], ti.max_tf, 1);
    }
    if (t->n == 0)
        return NULL;
    t->it.ops = &term_ops;
    t->it.doc = BL_ITER_UNSET;
    t->m = ctx->bm25;
    t->weight = weight;
    t->it.max_score = bl_bm25_saturate(ctx->bm25, weight, tft);
    return &t->it;
}

/* ---- keyword: exact value, unscored ------------------------------------ */

typedef struct kw_iter {
    bl_iter it;
    bl_postings *p;
} kw_iter;

static uint32_t kw_next(bl_iter *it)
{
    kw_iter *k = (kw_iter *)it;

    if (it->doc == BL_DOC_END)
        return BL_DOC_END;
    return it->doc = bl_postings_next(k->p);
}

static uint32_t kw_seek(bl_iter *it, uint32_t target)
{
    kw_iter *k = (kw_iter *)it;

    if (it->doc != BL_ITER_UNSET && it->doc >= target)
        return it->doc;
    return it->doc = bl_postings_seek(k->p, target);
}

static double zero_score(bl_iter *it)
{
    (void)it;
    return 0.0;
}

static double zero_block_max(bl_iter *it, uint32_t target, uint32_t *last)
{
    (void)it;
    (void)target;
    *last = BL_DOC_END;
    return 0.0;
}

static const bl_iter_ops kw_ops = {kw_next, kw_seek, zero_score,
                                   zero_block_max, NULL};

bl_iter *bl_iter_keyword_new(bl_iter_ctx *ctx, bl_field_id field,
                             const char *value)
{
    bl_term_info ti;
    kw_iter *k;
    int rc = bl_iter_ctx_term(ctx, field, value, &ti);

    if (rc == BL_ENOTFOUND)
        return NULL;
    if (rc != BL_OK) {
        ctx->rc = rc;
        return NULL;
    }
    k = bl_arena_alloc(ctx->arena, sizeof *k);
    if (k == NULL) {
        ctx->rc = BL_ENOMEM;
        return NULL;
    }
    memset(k, 0, sizeof *k);
    k->p = bl_iter_ctx_postings(ctx, field, &ti, false);
    if (k->p == NULL)
        return NULL;
    k->it.ops = &kw_ops;
    k->it.doc = BL_ITER_UNSET;
    k->it.cost = ti.df;
    return &k->it;
}

/* ---- a set of terms with a constant score ------------------------------ */

typedef struct set_iter {
    bl_iter it;
    const uint64_t *bits;      /* one bit per document of the segment */
    uint32_t docs;             /* documents in the segment */
    double weight;
} set_iter;

static uint32_t set_seek(bl_iter *it, uint32_t target)
{
    set_iter *s = (set_iter *)it;
    uint32_t d = target;

    if (it->doc != BL_ITER_UNSET && it->doc >= target)
        return it->doc;
    while (d < s->docs) {
        uint64_t w = s->bits[d / 64] >> (d % 64);

        if (w != 0) {
            d += (uint32_t)__builtin_ctzll(w);
            return it->doc = d < s->docs ? d : BL_DOC_END;
        }
        d = (d / 64 + 1) * 64;
    }
    return it->doc = BL_DOC_END;
}

static uint32_t set_next(bl_iter *it)
{
    if (it->doc == BL_DOC_END)
        return BL_DOC_END;
    return set_seek(it, it->doc == BL_ITER_UNSET ? 0 : it->doc + 1);
}

static double set_score(bl_iter *it)
{
    return ((set_iter *)it)->weight;
}

static double set_block_max(bl_iter *it, uint32_t target, uint32_t *last)
{
    (void)target;
    *last = BL_DOC_END;
    return ((set_iter *)it)->weight;
}

static const bl_iter_ops set_ops = {set_next, set_seek, set_score,
                                    set_block_max, NULL};

bl_iter *bl_iter_terms_const_new(bl_iter_ctx *ctx, const bl_field_id *fields,
                                 size_t n_fields, const char *const *terms,
                                 size_t n, double weight)
{
    uint32_t docs = bl_segment_docs(ctx->seg);
    size_t words = (size_t)docs / 64 + 1;
    uint64_t *bits;
    set_iter *s;
    bl_postings *p = NULL;
    bool any = false;

    s = bl_arena_alloc(ctx->arena, sizeof *s);
    bits = bl_arena_alloc(ctx->arena, words * sizeof *bits);
    if (s == NULL || bits == NULL) {
        ctx->rc = BL_ENOMEM;
        return NULL;
    }
    memset(bits, 0, words * sizeof *bits);
    for (size_t i = 0; i < n * n_fields; i++) {
        bl_field_id field = fields[i / n];
        bl_term_info ti;
        int rc = bl_iter_ctx_term(ctx, field, terms[i % n], &ti);

        if (rc == BL_ENOTFOUND)
            continue;
        if (rc != BL_OK) {
            ctx->rc = rc;
            return NULL;
        }
        /* one cursor reused for every term: only its rc must survive */
        if (p == NULL || p->rc != BL_OK) {
            p = bl_iter_ctx_postings(ctx, field, &ti, false);
            if (p == NULL)
                return NULL;
        } else if ((rc = bl_postings_open(ctx->seg, field, &ti, false, p)) !=
                   BL_OK) {
            ctx->rc = rc;
            return NULL;
        }
        for (uint32_t d = bl_postings_next(p); d != BL_DOC_END;
             d = bl_postings_next(p)) {
            if (d >= docs) {
                ctx->rc = BL_ECORRUPT;
                return NULL;
            }
            bits[d / 64] |= (uint64_t)1 << (d % 64);
            any = true;
        }
        if (p->rc != BL_OK) {
            ctx->rc = p->rc;
            return NULL;
        }
        s->it.cost += ti.df;
    }
    if (!any)
        return NULL;
    s->it.ops = &set_ops;
    s->it.doc = BL_ITER_UNSET;
    s->it.max_score = weight;
    s->bits = bits;
    s->docs = docs;
    s->weight = weight;
    return &s->it;
}

/* ---- empty ---------------------------------------------------------------- */

static uint32_t empty_move(bl_iter *it)
{
    return it->doc = BL_DOC_END;
}

static uint32_t empty_seek(bl_iter *it, uint32_t target)
{
    (void)target;
    return it->doc = BL_DOC_END;
}

static const bl_iter_ops empty_ops = {empty_move, empty_seek, zero_score,
                                      zero_block_max, NULL};

bl_iter *bl_iter_empty_new(bl_iter_ctx *ctx)
{
    bl_iter *it = bl_arena_alloc(ctx->arena, sizeof *it);

    if (it == NULL) {
        ctx->rc = BL_ENOMEM;
        return NULL;
    }
    memset(it, 0, sizeof *it);
    it->ops = &empty_ops;
    it->doc = BL_ITER_UNSET;
    return it;
}
