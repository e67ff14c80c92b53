/* report.h - the figures of one `byline bench` run and the three ways they
** are shown: a table for the terminal, a JSON document for machines (its
** keys are stable: scripts such as bench/scaling.sh read them) and an SVG
** chart for a browser; and the scaling study's table and chart made from
** several runs' JSON documents.
*/
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "byline.h"
#include "querysets.h"
#include "stats.h"

enum { BENCH_BYLINE = 0, BENCH_FTS5 = 1, BENCH_N_ENGINES = 2 };

/* What one engine did. */
typedef struct bench_engine {
    const char *name;          /* "byline", "fts5" */
    bool ran;
    double index_secs;         /* reading, indexing and committing */
    double optimize_secs;      /* of which merging (FTS5 'optimize') */
    double articles_per_s, mb_per_s;   /* MB = 10^6 bytes of article text */
    uint64_t peak_rss;         /* bytes, while indexing */
    uint64_t index_bytes;      /* all files of the index on disk */
    double ratio_to_raw;       /* index_bytes / article text bytes */
    bool have_sections;        /* byline: the counts below are known */
    bl_section_stats sections; /* bytes by section */
    uint64_t segments, terms, postings, positions;
    double bits_per_posting;   /* postings section bits / postings */
    bench_latency kinds[BENCH_N_KINDS];
    bench_latency all;         /* every query */
} bench_engine;

typedef struct bench_result {
    const char *corpus;        /* the corpus path, or where it was written */
    uint64_t generated;        /* articles generated (--generate), or 0 */
    double gen_mb_per_s;       /* the generator's speed when generated */
    uint64_t seed;
    uint64_t articles;         /* indexed */
    uint64_t text_bytes;       /* title + body bytes of those */
    uint64_t skipped;          /* malformed records skipped */
    unsigned threads;          /* indexing threads and query threads */
    size_t k;                  /* hits per query */
    unsigned reps;             /* timed runs of each query */
    bool optimize;             /* indexes merged at the end */
    size_t n_queries[BENCH_N_KINDS];
    bench_engine eng[BENCH_N_ENGINES];
    bool have_overlap;         /* both engines ran */
    double overlap[BENCH_N_KINDS];    /* mean |top-k byline & top-k fts5| /
                                         max(sizes), 1 when both empty */
    double overlap_all;
} bench_result;

/* The human-readable table (and ratios when both engines ran). */
void bench_report_table(const bench_result *r, FILE *out);

/* Write the JSON document to path; BL_EIO when it cannot be written. */
int bench_report_json(const bench_result *r, const char *path);

/* Write an SVG chart to path: median and p99 latency by query kind, one
** bar per engine, on a log axis. */
int bench_report_svg(const bench_result *r, const char *path);

/* The scaling study: read the JSON documents of runs on archives of
** growing size and write a Markdown table (md_path) and an SVG chart of
** indexing time, peak memory, index size and query latency against the
** number of articles (svg_path); either path may be NULL. On failure err
** (cap bytes) says why. */
int bench_report_scaling(const char *const *json_paths, size_t n,
                         const char *md_path, const char *svg_path,
                         char *err, size_t cap);

#endif
