/* iter_not.c - iterators that match by exclusion or by a column rather
** than by postings: req minus the documents of excluded children, every
** document of the segment, and the documents within a date range (read
** from the date column). Invariant: an excluded child is only ever sought
** forward, to the document being tested, so each excluded list is read at
** most once per segment.
*/
#include "query/iter.h"

#include <string.h>

/* ---- req minus excl ------------------------------------------------------ */

typedef struct not_iter {
    bl_iter it;
    bl_iter *req;
    bl_iter **excl;
    size_t n;
} not_iter;

static uint32_t not_filter(not_iter *x, uint32_t d)
{
    while (d != BL_DOC_END) {
        bool out = false;

        for (size_t i = 0; i < x->n && !out; i++)
            out = bl_iter_seek(x->excl[i], d) == d;
        if (!out)
            break;
        d = bl_iter_next(x->req);
    }
    return x->it.doc = d;
}

static uint32_t not_next(bl_iter *it)
{
    not_iter *x = (not_iter *)it;

    if (it->doc == BL_DOC_END)
        return BL_DOC_END;
    return not_filter(x, bl_iter_next(x->req));
}

static uint32_t not_seek(bl_iter *it, uint32_t target)
{
    not_iter *x = (not_iter *)it;

    if (it->doc != BL_ITER_UNSET && it->doc >= target)
        return it->doc;
    return not_filter(x, bl_iter_seek(x->req, target));
}

static double not_score(bl_iter *it)
{
    return bl_iter_score(((not_iter *)it)->req);
}

static double not_block_max(bl_iter *it, uint32_t target, uint32_t *last)
{
    return bl_iter_block_max(((not_iter *)it)->req, target, last);
}

static const bl_iter_ops not_ops = {not_next, not_seek, not_score,
                                    not_block_max, NULL};

bl_iter *bl_iter_not_new(bl_iter_ctx *ctx, bl_iter *req, bl_iter **excl,
                         size_t n_excl)
{
    not_iter *x = bl_arena_alloc(ctx->arena, sizeof *x);

    if (x == NULL)
        return ctx->rc = BL_ENOMEM, NULL;
    memset(x, 0, sizeof *x);
    x->excl = bl_arena_alloc(ctx->arena, (n_excl + 1) * sizeof *x->excl);
    if (x->excl == NULL)
        return ctx->rc = BL_ENOMEM, NULL;
    if (n_excl)
        memcpy(x->excl, excl, n_excl * sizeof *excl);
    x->n = n_excl;
    x->req = req;
    x->it.ops = &not_ops;
    x->it.doc = BL_ITER_UNSET;
    x->it.max_score = req->max_score;
    x->it.cost = req->cost;
    return &x->it;
}

/* ---- every document, or those within a date range ---------------------- */

typedef struct scan_iter {
    bl_iter it;
    const bl_segment *seg;
    uint32_t docs;
    bool dated;                /* test the date column */
    int64_t from, to;
} scan_iter;

static uint32_t scan_seek(bl_iter *it, uint32_t target)
{
    scan_iter *s = (scan_iter *)it;
    uint32_t d = target;

    if (it->doc != BL_ITER_UNSET && it->doc >= target)
        return it->doc;
    for (; d < s->docs; d++) {
        int64_t t;

        if (!s->dated)
            return it->doc = d;
        t = bl_segment_date(s->seg, d);
        if (t != BL_NO_DATE && (s->from == BL_NO_DATE || t >= s->from) &&
            (s->to == BL_NO_DATE || t <= s->to))
            return it->doc = d;
    }
    return it->doc = BL_DOC_END;
}

static uint32_t scan_next(bl_iter *it)
{
    if (it->doc == BL_DOC_END)
        return BL_DOC_END;
    return scan_seek(it, it->doc == BL_ITER_UNSET ? 0 : it->doc + 1);
}

static double scan_score(bl_iter *it)
{
    (void)it;
    return 0.0;
}

static double scan_block_max(bl_iter *it, uint32_t target, uint32_t *last)
{
    (void)it;
    (void)target;
    *last = BL_DOC_END;
    return 0.0;
}

static const bl_iter_ops scan_ops = {scan_next, scan_seek, scan_score,
                                     scan_block_max, NULL};

static bl_iter *scan_new(bl_iter_ctx *ctx, bool dated, int64_t from,
                         int64_t to)
{
    scan_iter *s = bl_arena_alloc(ctx->arena, sizeof *s);

    if (s == NULL)
        return ctx->rc = BL_ENOMEM, NULL;
    memset(s, 0, sizeof *s);
    s->seg = ctx->seg;
    s->docs = bl_segment_docs(ctx->seg);
    s->dated = dated;
    s->from = from;
    s->to = to;
    s->it.ops = &scan_ops;
    s->it.doc = BL_ITER_UNSET;
    s->it.cost = s->docs;
    return &s->it;
}

bl_iter *bl_iter_all_new(bl_iter_ctx *ctx)
{
    return scan_new(ctx, false, BL_NO_DATE, BL_NO_DATE);
}

bl_iter *bl_iter_date_new(bl_iter_ctx *ctx, int64_t from, int64_t to)
{
    return scan_new(ctx, true, from, to);
}
