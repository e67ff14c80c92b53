/* querysets.h - the queries a benchmark replays, the same for every
** engine: real query logs (the Robust04 topic titles, the search benchmark
** game's AOL-derived queries) classified into kinds, and words sampled from
** the corpus by document frequency (frequent, medium, rare), all fixed by a
** seed. Each query is kept in byline's syntax and translated to an FTS5
** MATCH expression over the same words.
*/
#ifndef BENCH_QUERYSETS_H
#define BENCH_QUERYSETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "byline.h"

typedef enum bench_kind {
    BENCH_TERM = 0,            /* one word */
    BENCH_OR,                  /* two or more words, any may match */
    BENCH_AND,                 /* two or more words, all must match */
    BENCH_PHRASE,              /* words next to each other, in order */
    BENCH_PREFIX,              /* a word prefix: "comp*" */
    BENCH_FILTERED,            /* one or two words within a date range */
    BENCH_N_KINDS
} bench_kind;

/* "term", "or", "and", "phrase", "prefix", "filtered"; static. */
const char *bench_kind_name(bench_kind k);

typedef struct bench_query {
    bench_kind kind;
    char *text;                /* byline's syntax: w, a b, +a +b, "a b", p* */
    char *fts5;                /* FTS5: "w", "a" OR "b", "a" AND "b" ... */
    int64_t from, to;          /* date range (filtered), else BL_NO_DATE */
    const char *origin;        /* "robust04", "sbg", "sampled-rare" ...;
                                  static */
} bench_query;

typedef struct bench_queries {
    bench_query *q;            /* grouped by kind, in kind order */
    size_t n, cap;
} bench_queries;

void bench_queries_free(bench_queries *qs);

/* Document frequencies of words in a corpus (words as tokens.h cuts them,
** folded to lower case), the corpus's date range and some adjacent word
** pairs, for sampling queries. */
typedef struct bench_dfcount bench_dfcount;

int bench_dfcount_new(bench_dfcount **out);
int bench_dfcount_add(bench_dfcount *d, const bl_doc *doc);

/* Only widen the date range (for articles past those counted). */
void bench_dfcount_add_date(bench_dfcount *d, int64_t date);
uint64_t bench_dfcount_docs(const bench_dfcount *d);
void bench_dfcount_free(bench_dfcount *d);

/* Whether byline's analysis drops a word (a stopword). */
typedef bool (*bench_stop_fn)(void *ctx, const char *word);

typedef struct bench_queryset_opts {
    uint64_t seed;             /* fixes every choice; 1 */
    size_t per_kind;           /* at most this many queries a kind; 100 */
    const char *robust04;      /* robust04.titles.tsv, or NULL */
    const char *sbg;           /* search-benchmark-game queries.txt, or
                                  NULL */
    const char *file;          /* the user's queries instead of those two:
                                  "KIND<TAB>query" or a bare query a line
                                  (kind then inferred from the syntax) */
    bench_stop_fn is_stop;     /* NULL: no word is a stopword */
    void *stop_ctx;
} bench_queryset_opts;

void bench_queryset_opts_default(bench_queryset_opts *o);

/* Build the query set. Words are lower-cased ASCII-alphanumeric runs of
** the query text (other bytes >= 0x80 kept); stopwords are dropped from
** every kind but phrases, so both engines search the same words; a query
** left with one word becomes a term query, with none it is dropped. Where
** no query log is given, OR, AND and phrase queries are made from sampled
** words and adjacent pairs of the corpus. Filtered queries take a date
** window of a quarter of the corpus's date range (none without dates).
** On failure err (cap bytes) says why. */
int bench_queries_build(const bench_queryset_opts *o,
                        const bench_dfcount *df, bench_queries *out,
                        char *err, size_t cap);

#endif
