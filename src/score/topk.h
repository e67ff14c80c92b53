/* topk.h - the best k hits seen so far, by score or by date, in a binary
** heap whose root is the worst kept hit. Hits arrive in increasing global
** doc id order, so a hit that only ties the worst kept one never enters:
** ties are broken by doc id ascending, exactly as a full sort would.
*/
#ifndef BL_TOPK_H
#define BL_TOPK_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "byline.h"

typedef struct bl_topk_hit {
    double score;              /* relevance (BL_SORT_RELEVANCE) */
    int64_t date;              /* BL_SORT_DATE_*; BL_NO_DATE sorts last */
    uint64_t doc;              /* global doc id, the tie-breaker */
} bl_topk_hit;

typedef struct bl_topk {
    bl_sort sort;              /* what "better" means */
    size_t k;                  /* capacity */
    size_t n;                  /* hits held */
    bl_topk_hit *heap;         /* n hits, worst at [0] */
} bl_topk;

/* An empty collector of k best hits (k may be 0). BL_ENOMEM. */
int bl_topk_init(bl_topk *t, bl_sort sort, size_t k);
void bl_topk_free(bl_topk *t);

/* True when a is strictly better than b under the collector's order. */
bool bl_topk_better(const bl_topk *t, const bl_topk_hit *a,
                    const bl_topk_hit *b);

/* Offer a hit; kept when fewer than k are held or it beats the worst. */
void bl_topk_push(bl_topk *t, const bl_topk_hit *h);

/* For relevance: a score a new hit must exceed to enter (-infinity while
** fewer than k are held; +infinity when k is 0). Inline: the scoring loops
** ask for it at every candidate. */
static inline double bl_topk_threshold(const bl_topk *t)
{
    if (t->k == 0)
        return INFINITY;
    if (t->n < t->k)
        return -INFINITY;
    return t->heap[0].score;
}

/* Sort the held hits best first, in place (the heap is no longer a heap:
** call last). Returns the array of t->n hits. */
bl_topk_hit *bl_topk_sorted(bl_topk *t);

#endif
