/* bm25.c - the BM25F formulas of bm25.h. The search path inlines the
** per-document parts; this file holds set-up and bounds. Invariant: a bound
** is never below a score computed with bm25.h's inline functions for any
** document it covers (monotone in tf, antitone in length).
*/
#include "score/bm25.h"

#include <math.h>

void bl_bm25_init(bl_bm25 *m, double k1, double b, double title_w,
                  double body_w, uint64_t docs,
                  const uint64_t field_total[BL_N_TEXT_FIELDS])
{
    m->k1 = k1;
    m->b = b;
    m->k1p1 = k1 + 1.0;
    m->w[BL_FIELD_TITLE] = title_w;
    m->w[BL_FIELD_BODY] = body_w;
    m->one_b = 1.0 - b;
    for (int f = 0; f < BL_N_TEXT_FIELDS; f++) {
        m->avglen[f] = docs > 0 ? (double)field_total[f] / (double)docs : 0;
        m->slope[f] = m->avglen[f] > 0 ? b / m->avglen[f] : 0.0;
    }
}

double bl_bm25_idf(uint64_t docs, uint64_t df)
{
    double n = (double)docs, d = (double)df;

    if (d > n)
        d = n;
    return log(1.0 + (n - d + 0.5) / (d + 0.5));
}

double bl_bm25_field_bound(const bl_bm25 *m, int field, uint32_t max_tf,
                           uint32_t min_len)
{
    if (max_tf == 0)
        return 0.0;
    /* A document holding the term has at least one token in the field. */
    if (min_len < 1)
        min_len = 1;
    return bl_bm25_field_tf(m, field, (double)max_tf, min_len);
}
