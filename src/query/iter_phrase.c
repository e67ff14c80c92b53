/* iter_phrase.c - phrases and proximity from the positions stream. In each
** field the phrase is a conjunction of its terms' cursors (leap-frogging on
** doc ids); on a document they all hold, the positions decide: a match
** starts at each position p0 of the first term from which the chain
**   p_i = the smallest position of term i >= p_{i-1} + (off_i - off_{i-1})
** exists and stretches (p_last - p0) - off_last <= slop positions.
** The greedy chain is the shortest from p0, so this counts exactly the
** starts for which some in-order placement within slop exists; with slop 0
** it is the exact phrase. Invariant: the chains' requirements only grow
** with p0, so each term's position pointer only moves forward.
*/
#include "query/iter.h"

#include <string.h>

#define PHRASE_MAX_TERMS 64

uint32_t bl_phrase_freq(const uint32_t *const *pos, const uint32_t *n_pos,
                        const uint32_t *offsets, size_t n, uint32_t slop)
{
    uint32_t idx[PHRASE_MAX_TERMS] = {0};
    uint32_t count = 0;

    if (n == 0 || n > PHRASE_MAX_TERMS)
        return 0;
    for (uint32_t a = 0; a < n_pos[0]; a++) {
        uint64_t p0 = pos[0][a], prev = p0;

        for (size_t i = 1; i < n; i++) {
            uint64_t need = prev + (offsets[i] - offsets[i - 1]);

            while (idx[i] < n_pos[i] && pos[i][idx[i]] < need)
                idx[i]++;
            if (idx[i] == n_pos[i])
                return count;
            prev = pos[i][idx[i]];
        }
        if (prev - p0 - offsets[n - 1] <= slop)
            count++;
    }
    return count;
}

/* The phrase in one field. */
typedef struct pfield {
    bl_field_id field;
    bl_postings **p;           /* one cursor per term, with positions */
    bool started;              /* the cursors have moved */
    uint32_t doc;              /* current match, BL_DOC_END when done */
    uint32_t freq;             /* phrase frequency on doc */
} pfield;

typedef struct phrase_iter {
    bl_iter it;
    const bl_segment *seg;
    const bl_bm25 *m;
    double weight;             /* boost * the sum of the terms' idf */
    const uint32_t *offsets;
    size_t n;                  /* terms */
    uint32_t slop;
    size_t nf;                 /* fields holding every term: 1 or 2 */
    pfield f[BL_N_TEXT_FIELDS];
    const uint32_t *pos[PHRASE_MAX_TERMS];     /* scratch */
    uint32_t n_pos[PHRASE_MAX_TERMS];
} phrase_iter;

static uint32_t cursor_at(pfield *f, size_t i, uint32_t d)
{
    if (f->started && f->p[i]->doc != BL_DOC_END && f->p[i]->doc >= d)
        return f->p[i]->doc;
    return bl_postings_seek(f->p[i], d);
}

/* Move f to its first match >= target. */
static uint32_t pfield_seek(phrase_iter *ph, pfield *f, uint32_t target)
{
    uint32_t d = target;

    if (f->started && f->doc == BL_DOC_END)
        return BL_DOC_END;
    for (;;) {
        bool all = true;

        d = cursor_at(f, 0, d);
        for (size_t i = 1; i < ph->n && d != BL_DOC_END; i++) {
            uint32_t di = cursor_at(f, i, d);

            if (di != d) {
                d = di;
                all = false;
                break;
            }
        }
        f->started = true;
        if (d == BL_DOC_END)
            return f->doc = BL_DOC_END;
        if (!all)
            continue;
        for (size_t i = 0; i < ph->n; i++)
            if (bl_postings_positions(f->p[i], &ph->pos[i],
                                      &ph->n_pos[i]) != BL_OK)
                return f->doc = BL_DOC_END;
        f->freq = bl_phrase_freq(ph->pos, ph->n_pos, ph->offsets, ph->n,
                                 ph->slop);
        if (f->freq > 0)
            return f->doc = d;
        d++;
    }
}

static uint32_t phrase_min(phrase_iter *ph)
{
    uint32_t d = BL_DOC_END;

    for (size_t k = 0; k < ph->nf; k++)
        if (ph->f[k].doc < d)
            d = ph->f[k].doc;
    return ph->it.doc = d;
}

static uint32_t phrase_next(bl_iter *it)
{
    phrase_iter *ph = (phrase_iter *)it;

    if (it->doc == BL_DOC_END)
        return BL_DOC_END;
    for (size_t k = 0; k < ph->nf; k++)
        if (it->doc == BL_ITER_UNSET)
            pfield_seek(ph, &ph->f[k], 0);
        else if (ph->f[k].doc == it->doc)
            pfield_seek(ph, &ph->f[k], it->doc + 1);
    return phrase_min(ph);
}

static uint32_t phrase_seek(bl_iter *it, uint32_t target)
{
    phrase_iter *ph = (phrase_iter *)it;

    if (it->doc != BL_ITER_UNSET && it->doc >= target)
        return it->doc;
    for (size_t k = 0; k < ph->nf; k++)
        if (it->doc == BL_ITER_UNSET || ph->f[k].doc < target)
            pfield_seek(ph, &ph->f[k], target);
    return phrase_min(ph);
}

static double phrase_score(bl_iter *it)
{
    phrase_iter *ph = (phrase_iter *)it;
    double tft = 0;

    for (size_t k = 0; k < ph->nf; k++)
        if (ph->f[k].doc == it->doc)
            tft += bl_bm25_field_tf(
                ph->m, ph->f[k].field, (double)ph->f[k].freq,
                bl_segment_field_len(ph->seg, ph->f[k].field, it->doc));
    return bl_bm25_saturate(ph->m, ph->weight, tft);
}

static double phrase_block_max(bl_iter *it, uint32_t target, uint32_t *last)
{
    (void)target;
    *last = BL_DOC_END;
    return it->max_score;
}

static const bl_iter_ops phrase_ops = {phrase_next, phrase_seek,
                                       phrase_score, phrase_block_max,
                                       NULL};

bl_iter *bl_iter_phrase_new(bl_iter_ctx *ctx, const char *const *terms,
                            const uint32_t *offsets, size_t n, uint32_t slop,
                            const bl_field_id *fields, size_t n_fields,
                            double weight)
{
    phrase_iter *ph;
    double tft = 0;

    if (n > PHRASE_MAX_TERMS) {
        ctx->rc = BL_ELIMIT;
        return NULL;
    }
    ph = bl_arena_alloc(ctx->arena, sizeof *ph);
    if (ph == NULL) {
        ctx->rc = BL_ENOMEM;
        return NULL;
    }
    memset(ph, 0, sizeof *ph);
    for (size_t k = 0; k < n_fields && k < BL_N_TEXT_FIELDS; k++) {
        pfield *f = &ph->f[ph->nf];
        bl_term_info ti[PHRASE_MAX_TERMS];
        uint32_t min_max_tf = UINT32_MAX;
        uint64_t min_df = UINT64_MAX;
        bool all = true;

        for (size_t i = 0; i < n && all; i++) {
            int rc = bl_iter_ctx_term(ctx, fields[k], terms[i], &ti[i]);

            if (rc == BL_ENOTFOUND || (rc == BL_OK && ti[i].df == 0))
                all = false;
            else if (rc != BL_OK) {
                ctx->rc = rc;
                return NULL;
            }
        }
        if (!all)
            continue;
        f->p = bl_arena_alloc(ctx->arena, n * sizeof *f->p);
        if (f->p == NULL) {
            ctx->rc = BL_ENOMEM;
            return NULL;
        }
        for (size_t i = 0; i < n; i++) {
            f->p[i] = bl_iter_ctx_postings(ctx, fields[k], &ti[i], true);
            if (f->p[i] == NULL)
                return NULL;
            /* exact: one match per position of every term; with slop
            ** several starts may share later positions: term 0 bounds */
            if ((slop == 0 || i == 0) && ti[i].max_tf < min_max_tf)
                min_max_tf = ti[i].max_tf;
            if (ti[i].df < min_df)
                min_df = ti[i].df;
        }
        f->field = fields[k];
        f->doc = BL_ITER_UNSET;
        ph->it.cost += min_df;
        tft += bl_bm25_field_bound(ctx->bm25, fields[k], min_max_tf, 1);
        ph->nf++;
    }
    if (ph->nf == 0)
        return NULL;
    ph->it.ops = &phrase_ops;
    ph->it.doc = BL_ITER_UNSET;
    ph->it.max_score = bl_bm25_saturate(ctx->bm25, weight, tft);
    ph->seg = ctx->seg;
    ph->m = ctx->bm25;
    ph->weight = weight;
    ph->offsets = offsets;
    ph->n = n;
    ph->slop = slop;
    return &ph->it;
}
