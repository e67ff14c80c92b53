/* bm25.h - BM25F scoring with index-wide statistics.
**
** For a document and a term (or a phrase, its frequency being the number of
** its matches), over the text fields f the term is searched in:
**   tf~   = sum_f w_f * tf_f / (1 - b + b * len_f / avglen_f)
**   score = boost * idf * tf~ * (k1 + 1) / (k1 + tf~)
**   idf   = ln(1 + (N - df + 0.5) / (df + 0.5))
** N is every document of the snapshot (deleted ones included until merged
** away, as df counts them), avglen_f = field total / N, and df the number of
** documents holding the term: for a term searched in both fields it is the
** larger of its title and body df (a cheap, segment-independent stand-in for
** the df of the union), for a field-restricted term that field's df; a
** phrase's idf is the sum of its terms' idfs. Everything here depends only
** on the snapshot's statistics, never on how documents fell into segments.
*/
#ifndef BL_BM25_H
#define BL_BM25_H

#include <stdint.h>

#include "segment/segment.h"

typedef struct bl_bm25 {
    double k1, b;              /* saturation and length normalisation */
    double w[BL_N_TEXT_FIELDS];        /* field weights (title, body) */
    double avglen[BL_N_TEXT_FIELDS];   /* average field length */
    double k1p1;               /* k1 + 1 */
    double one_b;              /* 1 - b */
    double slope[BL_N_TEXT_FIELDS];    /* b / avglen (0 when avglen is 0) */
} bl_bm25;

/* Set up the model from parameters and snapshot statistics. */
void bl_bm25_init(bl_bm25 *m, double k1, double b, double title_w,
                  double body_w, uint64_t docs,
                  const uint64_t field_total[BL_N_TEXT_FIELDS]);

/* Lucene's idf, ln(1 + (N - df + 0.5) / (df + 0.5)); >= 0 for df <= N. */
double bl_bm25_idf(uint64_t docs, uint64_t df);

/* w_f * tf / (1 - b + b * len / avglen_f): one field's share of tf~,
** with b / avglen_f computed once (a division less at every posting).
** The norm grows with len, so a bound at the smallest len holds. */
static inline double bl_bm25_field_tf(const bl_bm25 *m, int field,
                                      double tf, uint32_t len)
{
    double norm = m->one_b + m->slope[field] * (double)len;

    return norm > 0 ? m->w[field] * tf / norm : 0.0;
}

/* The saturated score of a combined tf~, times weight (= boost * idf). */
static inline double bl_bm25_saturate(const bl_bm25 *m, double weight,
                                      double tft)
{
    return tft > 0 ? weight * tft * m->k1p1 / (m->k1 + tft) : 0.0;
}

/* An upper bound of one field's share over documents whose tf is at most
** max_tf and length at least min_len (0 or 1 when unknown). */
double bl_bm25_field_bound(const bl_bm25 *m, int field, uint32_t max_tf,
                           uint32_t min_len);

#endif
