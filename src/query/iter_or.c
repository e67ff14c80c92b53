/* iter_or.c - disjunctions: the documents any child matches, scored by the
** sum of the children standing on them. The children are few (the clauses
** of one group), so the smallest document is found by a linear scan.
** Invariant: no child stands before the iterator's document, and the
** iterator's document is the smallest of the children's.
*/
#include "query/iter.h"

#include <string.h>

typedef struct or_iter {
    bl_iter it;
    bl_iter **kids;
    size_t n;
    double boost;
} or_iter;

static uint32_t or_min(or_iter *o)
{
    uint32_t d = BL_DOC_END;

    for (size_t i = 0; i < o->n; i++)
        if (o->kids[i]->doc < d)
            d = o->kids[i]->doc;
    return o->it.doc = d;
}

static uint32_t or_next(bl_iter *it)
{
    or_iter *o = (or_iter *)it;

    if (it->doc == BL_DOC_END)
        return BL_DOC_END;
    for (size_t i = 0; i < o->n; i++)
        if (it->doc == BL_ITER_UNSET || o->kids[i]->doc == it->doc)
            bl_iter_next(o->kids[i]);
    return or_min(o);
}

static uint32_t or_seek(bl_iter *it, uint32_t target)
{
    or_iter *o = (or_iter *)it;

    if (it->doc != BL_ITER_UNSET && it->doc >= target)
        return it->doc;
    for (size_t i = 0; i < o->n; i++)
        if (o->kids[i]->doc == BL_ITER_UNSET || o->kids[i]->doc < target)
            bl_iter_seek(o->kids[i], target);
    return or_min(o);
}

static double or_score(bl_iter *it)
{
    or_iter *o = (or_iter *)it;
    double sum = 0;

    for (size_t i = 0; i < o->n; i++)
        if (o->kids[i]->doc == it->doc)
            sum += bl_iter_score(o->kids[i]);
    return o->boost * sum;
}

static double or_block_max(bl_iter *it, uint32_t target, uint32_t *last)
{
    or_iter *o = (or_iter *)it;
    double sum = 0;

    *last = BL_DOC_END;
    for (size_t i = 0; i < o->n; i++) {
        uint32_t l;

        if (o->kids[i]->doc == BL_DOC_END)
            continue;
        sum += bl_iter_block_max(o->kids[i], target, &l);
        if (l < *last)
            *last = l;
    }
    return o->boost * sum;
}

static const bl_iter_ops or_ops = {or_next, or_seek, or_score, or_block_max,
                                   NULL};

bl_iter *bl_iter_or_new(bl_iter_ctx *ctx, bl_iter **kids, size_t n,
                        double boost)
{
    or_iter *o = bl_arena_alloc(ctx->arena, sizeof *o);
    double max = 0;

    if (o == NULL)
        return ctx->rc = BL_ENOMEM, NULL;
    memset(o, 0, sizeof *o);
    o->kids = bl_arena_alloc(ctx->arena, (n + 1) * sizeof *o->kids);
    if (o->kids == NULL)
        return ctx->rc = BL_ENOMEM, NULL;
    if (n)
        memcpy(o->kids, kids, n * sizeof *kids);
    o->n = n;
    o->boost = boost;
    for (size_t i = 0; i < n; i++) {
        max += kids[i]->max_score;
        o->it.cost += kids[i]->cost;
    }
    o->it.ops = &or_ops;
    o->it.doc = BL_ITER_UNSET;
    o->it.max_score = boost * max;
    return &o->it;
}

/* ---- windows ------------------------------------------------------------ */

void bl_iter_add_window(bl_iter *it, bl_window *w, uint64_t hi)
{
    if (it->ops->add_window != NULL) {
        it->ops->add_window(it, w, hi);
        return;
    }
    for (uint32_t d = it->doc; d < hi; d = bl_iter_next(it))
        bl_window_score(w, d - w->lo, bl_iter_score(it));
}
