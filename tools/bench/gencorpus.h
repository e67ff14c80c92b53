/* gencorpus.h - a statistical model of a news corpus and a generator of
** articles that follow it, for growing an archive to millions of articles
** on one machine (`byline gen-corpus`, `byline bench --generate N`).
**
** The model, learnt from real articles: the vocabulary in surface form with
** each word's frequency, word bigrams (which word follows which, separately
** for titles and bodies), the joint distribution of (title length, body
** length, source, date) taken from whole articles, and the vocabulary's
** growth (Heaps' law V = K n^beta); each language (bl_doc.lang) has its
** own word and pair counts. Generated text is a Markov chain over
** words: the next word follows the previous one by the bigram counts, or,
** one time in ten, is drawn from the unigram frequencies; so word
** frequencies follow the source's Zipfian curve. Past the source's size,
** new words keep appearing at the rate Heaps' law predicts, so the term
** dictionary grows with the archive as a real one would.
**
** Output is deterministic: one model and one seed give the same bytes.
*/
#ifndef BENCH_GENCORPUS_H
#define BENCH_GENCORPUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "byline.h"

typedef struct bench_model bench_model;

int bench_model_new(bench_model **out);
void bench_model_free(bench_model *m);

/* Learn from one article (the model copies what it keeps). BL_EINVAL once
** frozen; BL_ENOMEM. */
int bench_model_add(bench_model *m, const bl_doc *doc);

/* Build the sampling tables; afterwards only generation is allowed.
** BL_EINVAL when nothing was learnt. */
int bench_model_freeze(bench_model *m);

typedef struct bench_model_info {
    uint64_t docs;             /* articles learnt from */
    uint64_t tokens;           /* words and punctuation marks */
    uint64_t words;            /* distinct surface forms */
    uint64_t bigrams;          /* distinct (word, next word) pairs */
    uint64_t sources;          /* distinct sources */
    uint64_t langs;            /* languages modelled apart */
    double heaps_k, heaps_beta;   /* vocabulary growth V = K n^beta */
    int64_t date_min, date_max;   /* BL_NO_DATE when none had a date */
} bench_model_info;

void bench_model_info_get(const bench_model *m, bench_model_info *out);

/* A generator of articles from a frozen model; the model must outlive it. */
typedef struct bench_gen bench_gen;

int bench_gen_new(const bench_model *m, uint64_t seed, bench_gen **out);
void bench_gen_free(bench_gen *g);

/* The next article as one JSON line ending in "\n" ({"id", "title",
** "body", "date", "source", "lang"}; no date or lang when the model's
** article had none), borrowed until the next call; its length in
** *len. NULL when out of memory. */
const char *bench_gen_next(bench_gen *g, size_t *len);

/* Write the next n articles to f; *bytes counts what was written. progress,
** when not NULL, is called after each article with the articles and bytes
** so far. BL_OK, BL_ENOMEM or BL_EIO. */
int bench_gen_write(bench_gen *g, uint64_t n, FILE *f, uint64_t *bytes,
                    void (*progress)(void *ctx, uint64_t done,
                                     uint64_t bytes),
                    void *ctx);

#endif
