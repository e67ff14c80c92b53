/* run.h - the two phases of a benchmark for each engine: index a corpus,
** then replay a query set (warm, timed runs on one thread, then throughput
** on several threads), filling a bench_engine of report.h. byline runs
** through include/byline.h only; its peer is SQLite FTS5 (fts5.h).
*/
#ifndef BENCH_RUN_H
#define BENCH_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "byline.h"
#include "querysets.h"
#include "report.h"

/* Called now and then while indexing: articles and bytes read so far, and
** the total input size (0 when unknown). */
typedef void (*bench_progress_fn)(void *ctx, uint64_t articles,
                                  uint64_t bytes, uint64_t total);

typedef struct bench_index_opts {
    const char *corpus;        /* path, read through docsrc.h */
    bl_format fmt;
    unsigned threads;          /* byline's writer threads; 0 = the cores */
    size_t ram_bytes;          /* byline's writer budget; 0 = default */
    bool optimize;             /* each index merged into one segment or
                                  b-tree at the end (bl_writer_optimize,
                                  FTS5's 'optimize'), timed */
    bench_progress_fn progress;   /* or NULL */
    void *progress_ctx;
} bench_index_opts;

/* Index the corpus into a new byline index in dir (created), timing it
** from the first read to the durable commit, with the peak RSS of that
** phase; then read the index's statistics. Fills the indexing and size
** figures of *out; *articles and *text_bytes (title + body) count what
** was indexed. err (cap bytes) says why on failure. */
int bench_index_byline(const bench_index_opts *o, const char *dir,
                       bench_engine *out, uint64_t *articles,
                       uint64_t *text_bytes, char *err, size_t cap);

/* The same for an FTS5 database at db_path. */
int bench_index_fts5(const bench_index_opts *o, const char *db_path,
                     bench_engine *out, char *err, size_t cap);

/* The top-k ids a query returned, for comparing engines. */
typedef struct bench_topk {
    char **ids;                /* n malloc'ed ids, best first */
    size_t n;
} bench_topk;

void bench_topk_free(bench_topk *t, size_t n_queries);

typedef struct bench_query_opts {
    size_t k;                  /* hits per query */
    unsigned reps;             /* timed runs of each query */
    unsigned threads;          /* for the throughput run */
} bench_query_opts;

/* Replay qs on the byline index in dir / the FTS5 database at db_path:
** one untimed warm-up run of every query (its top-k ids go to tops, an
** array of qs->n, when non-NULL); then kind by kind, one more untimed run
** of the kind's queries, reps timed runs of them on one thread for the
** percentiles and qps_1, and reps runs of them spread over the threads for
** qps_n. A query the engine rejects is
** an error, named in err. */
int bench_query_byline(const char *dir, const bench_queries *qs,
                       const bench_query_opts *o, bench_engine *out,
                       bench_topk *tops, char *err, size_t cap);
int bench_query_fts5(const char *db_path, const bench_queries *qs,
                     const bench_query_opts *o, bench_engine *out,
                     bench_topk *tops, char *err, size_t cap);

/* Mean overlap of two engines' top-k lists, by kind and overall:
** |A & B| / max(|A|, |B|), 1 when both are empty. */
void bench_overlap(const bench_queries *qs, const bench_topk *a,
                   const bench_topk *b, bench_result *r);

/* Whether byline's default English analysis drops word (a stopword):
** ctx is a bl_analyzer made with stemming off. For bench_queryset_opts. */
bool bench_byline_is_stop(void *ctx, const char *word);

#endif
