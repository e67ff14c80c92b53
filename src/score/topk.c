/* topk.c - the bounded heap of topk.h. Invariant: heap[0] is the worst
** held hit under bl_topk_better, and every held hit is better than every
** hit that was offered and dropped (or equal in score and date with a
** larger doc id).
*/
#include "score/topk.h"

#include <math.h>
#include <stdlib.h>

int bl_topk_init(bl_topk *t, bl_sort sort, size_t k)
{
    t->sort = sort;
    t->k = k;
    t->n = 0;
    t->heap = NULL;
    if (k > 0) {
        t->heap = malloc(k * sizeof *t->heap);
        if (t->heap == NULL)
            return BL_ENOMEM;
    }
    return BL_OK;
}

void bl_topk_free(bl_topk *t)
{
    free(t->heap);
    t->heap = NULL;
    t->n = 0;
}

bool bl_topk_better(const bl_topk *t, const bl_topk_hit *a,
                    const bl_topk_hit *b)
{
    switch (t->sort) {
    case BL_SORT_RELEVANCE:
        if (a->score != b->score)
            return a->score > b->score;
        break;
    case BL_SORT_DATE_DESC:
    case BL_SORT_DATE_ASC:
        if (a->date != b->date) {
            if (a->date == BL_NO_DATE || b->date == BL_NO_DATE)
                return b->date == BL_NO_DATE;
            return t->sort == BL_SORT_DATE_DESC ? a->date > b->date
                                                : a->date < b->date;
        }
        break;
    }
    return a->doc < b->doc;
}

static void sift_down(bl_topk *t, size_t i, size_t n)
{
    bl_topk_hit h = t->heap[i];

    for (;;) {
        size_t c = 2 * i + 1;

        if (c >= n)
            break;
        /* the worse child goes up */
        if (c + 1 < n && bl_topk_better(t, &t->heap[c], &t->heap[c + 1]))
            c++;
        if (!bl_topk_better(t, &h, &t->heap[c]))
            break;
        t->heap[i] = t->heap[c];
        i = c;
    }
    t->heap[i] = h;
}

void bl_topk_push(bl_topk *t, const bl_topk_hit *h)
{
    size_t i;

    if (t->k == 0)
        return;
    if (t->n == t->k) {
        if (!bl_topk_better(t, h, &t->heap[0]))
            return;
        t->heap[0] = *h;
        sift_down(t, 0, t->n);
        return;
    }
    i = t->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;

        if (!bl_topk_better(t, &t->heap[parent], h))
            break;
        t->heap[i] = t->heap[parent];
        i = parent;
    }
    t->heap[i] = *h;
}

bl_topk_hit *bl_topk_sorted(bl_topk *t)
{
    /* heap sort: repeatedly move the worst to the end */
    for (size_t n = t->n; n > 1; n--) {
        bl_topk_hit worst = t->heap[0];

        t->heap[0] = t->heap[n - 1];
        t->heap[n - 1] = worst;
        sift_down(t, 0, n - 1);
    }
    return t->heap;
}
