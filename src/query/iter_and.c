/* iter_and.c - conjunctions: the documents every required child matches,
** found by leap-frogging (the cheapest child leads, the others seek to its
** document; any that lands further becomes the new target), with optional
** children adding their scores where they match too. Invariant: when the
** iterator stands on a document, every required child stands on it.
*/
#include "query/iter.h"

#include <stdlib.h>
#include <string.h>

typedef struct and_iter {
    bl_iter it;
    bl_iter **req;             /* required, in clause order (for the sum) */
    bl_iter **lead;            /* required, cheapest first */
    size_t n_req;
    bl_iter **opt;             /* optional scorers */
    size_t n_opt;
    double boost;
} and_iter;

static uint32_t and_align(and_iter *a, uint32_t d)
{
    for (;;) {
        size_t i;
        uint32_t di = d;

        if (d == BL_DOC_END)
            return a->it.doc = BL_DOC_END;
        for (i = 1; i < a->n_req; i++) {
            di = bl_iter_seek(a->lead[i], d);
            if (di != d)
                break;
        }
        if (i == a->n_req)
            return a->it.doc = d;
        d = bl_iter_seek(a->lead[0], di);
    }
}

static uint32_t and_next(bl_iter *it)
{
    and_iter *a = (and_iter *)it;

    if (it->doc == BL_DOC_END)
        return BL_DOC_END;
    return and_align(a, bl_iter_next(a->lead[0]));
}

static uint32_t and_seek(bl_iter *it, uint32_t target)
{
    and_iter *a = (and_iter *)it;

    if (it->doc != BL_ITER_UNSET && it->doc >= target)
        return it->doc;
    return and_align(a, bl_iter_seek(a->lead[0], target));
}

static double and_score(bl_iter *it)
{
    and_iter *a = (and_iter *)it;
    double sum = 0;

    for (size_t i = 0; i < a->n_req; i++)
        sum += bl_iter_score(a->req[i]);
    for (size_t i = 0; i < a->n_opt; i++) {
        bl_iter *o = a->opt[i];

        if (o->doc == BL_ITER_UNSET || o->doc < it->doc)
            bl_iter_seek(o, it->doc);
        if (o->doc == it->doc)
            sum += bl_iter_score(o);
    }
    return a->boost * sum;
}

static double and_block_max(bl_iter *it, uint32_t target, uint32_t *last)
{
    and_iter *a = (and_iter *)it;
    double sum = 0;

    *last = BL_DOC_END;
    for (size_t i = 0; i < a->n_req + a->n_opt; i++) {
        bl_iter *k = i < a->n_req ? a->req[i] : a->opt[i - a->n_req];
        uint32_t l;

        if (k->doc == BL_DOC_END)
            continue;
        sum += bl_iter_block_max(k, target, &l);
        if (l < *last)
            *last = l;
    }
    return a->boost * sum;
}

static const bl_iter_ops and_ops = {and_next, and_seek, and_score,
                                    and_block_max, NULL};

static int by_cost(const void *x, const void *y)
{
    const bl_iter *a = *(bl_iter *const *)x, *b = *(bl_iter *const *)y;

    return a->cost < b->cost ? -1 : a->cost > b->cost;
}

bl_iter *bl_iter_and_new(bl_iter_ctx *ctx, bl_iter **req, size_t n_req,
                         bl_iter **opt, size_t n_opt, double boost)
{
    and_iter *a;
    double max = 0;

    if (n_req == 0) {
        ctx->rc = BL_EINVAL;
        return NULL;
    }
    a = bl_arena_alloc(ctx->arena, sizeof *a);
    if (a == NULL)
        return ctx->rc = BL_ENOMEM, NULL;
    memset(a, 0, sizeof *a);
    a->req = bl_arena_alloc(ctx->arena, n_req * sizeof *a->req);
    a->lead = bl_arena_alloc(ctx->arena, n_req * sizeof *a->lead);
    a->opt = bl_arena_alloc(ctx->arena, (n_opt + 1) * sizeof *a->opt);
    if (a->req == NULL || a->lead == NULL || a->opt == NULL)
        return ctx->rc = BL_ENOMEM, NULL;
    memcpy(a->req, req, n_req * sizeof *req);
    memcpy(a->lead, req, n_req * sizeof *req);
    qsort(a->lead, n_req, sizeof *a->lead, by_cost);
    if (n_opt)
        memcpy(a->opt, opt, n_opt * sizeof *opt);
    a->n_req = n_req;
    a->n_opt = n_opt;
    a->boost = boost;
    for (size_t i = 0; i < n_req; i++)
        max += req[i]->max_score;
    for (size_t i = 0; i < n_opt; i++)
        max += opt[i]->max_score;
    a->it.ops = &and_ops;
    a->it.doc = BL_ITER_UNSET;
    a->it.max_score = boost * max;
    a->it.cost = a->lead[0]->cost;
    return &a->it;
}
