/* bench_query.c - query latency and throughput by kind on Reuters-21578.
**
**   bench_query [INDEX [QUERIES [KIND]]]
**
** Without INDEX, indexes ../shared/corpus/reuters21578 into a temporary
** folder first. QUERIES is a file of "KIND<TAB>query" lines (as `byline
** bench --save-queries` writes them; filtered ones get a date window of
** March 1987) instead of the sets below; KIND measures only that kind, once
** and without the exhaustive run, or with it alone when BENCH_EXHAUSTIVE
** is set (for profiling). Queries: the Robust04
** topic titles and the
** search-benchmark-game log (../shared/corpus/queries), reduced to plain
** words, plus words of those titles; kinds: 1 word, 2-4 words OR, 2-4
** words AND, phrase, prefix, date-filtered OR. Each query runs once to
** warm up, then REPS times; one thread, top 10, ids only (no stored
** fields, no snippets, no exact total), as search engines' latency
** benchmarks measure. BENCH_RESULTS=fields returns the hits' stored
** fields too, BENCH_RESULTS=snippets also their snippets and the exact
** total (bl_search's defaults, what the HTTP API returns);
** BENCH_BLOCK_CACHE_MB sets the index's cache of decompressed store blocks
** (bl_index_set_block_cache; 0: none).
** Prints median, p99 and throughput per kind, and the speed-up of dynamic
** pruning over scoring every match (opts.exhaustive).
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/file.h"
#include "byline.h"

#define REPS 5
#define MAX_Q 4000

#include <unistd.h>

/* The shared folder: next to the source tree, seen from the source tree
** or from a build folder inside it. */
static const char *shared_dir(void)
{
    static const char *const dirs[] = {"../shared", "../../shared",
                                       "/work/shared"};

    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        char p[256];

        snprintf(p, sizeof p, "%s/corpus/reuters21578", dirs[i]);
        if (access(p, R_OK) == 0)
            return dirs[i];
    }
    return dirs[0];
}

typedef struct qset {
    const char *kind;
    char *q[MAX_Q];
    size_t n;
    bool and_default;
} qset;

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void add(qset *s, const char *q)
{
    if (s->n < MAX_Q && q[0] != '\0')
        s->q[s->n++] = strdup(q);
}

/* Lowercase plain words of a line (letters and digits), at most max. */
static size_t words_of(const char *line, char w[][64], size_t max)
{
    size_t n = 0, len = 0;

    for (const char *p = line;; p++) {
        if (isalnum((unsigned char)*p) && len < 63) {
            w[n][len++] = (char)tolower((unsigned char)*p);
            continue;
        }
        if (len > 0) {
            w[n][len] = '\0';
            if (strcmp(w[n], "and") && strcmp(w[n], "or") &&
                strcmp(w[n], "not") && n < max)
                n++;
            len = 0;
        }
        if (*p == '\0' || n == max)
            break;
    }
    return n;
}

static void join(char w[][64], size_t n, const char *sep, const char *pre,
                 const char *post, char *out, size_t cap)
{
    size_t at = (size_t)snprintf(out, cap, "%s", pre);

    for (size_t i = 0; i < n && at < cap; i++)
        at += (size_t)snprintf(out + at, cap - at, "%s%s", i ? sep : "",
                               w[i]);
    if (at < cap)
        snprintf(out + at, cap - at, "%s", post);
}

/* One query line (already plain text) into the kinds. */
static void classify(qset *sets, const char *line, bool phrase_tag)
{
    char w[8][64], q[600];
    size_t n = words_of(line, w, 8);

    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++)
        add(&sets[0], w[i]);
    if (n >= 2 && n <= 4) {
        join(w, n, " ", "", "", q, sizeof q);
        add(&sets[1], q);
        add(&sets[2], q);
        join(w, n, " ", "", " date:[1987-03-01 TO 1987-03-15]", q, sizeof q);
        add(&sets[5], q);
    }
    if (n >= 2 && (phrase_tag || n <= 3)) {
        join(w, n < 3 ? n : 3, " ", "\"", "\"", q, sizeof q);
        add(&sets[3], q);
    }
    if (strlen(w[0]) >= 5) {
        snprintf(q, sizeof q, "%.4s*", w[0]);
        add(&sets[4], q);
    }
}

static void load_queries(qset *sets)
{
    char path[4096], line[4096];
    FILE *f;

    snprintf(path, sizeof path, "%s/corpus/queries/trec-news-topics/"
             "robust04.titles.tsv", shared_dir());
    f = fopen(path, "r");
    if (f != NULL) {
        while (fgets(line, sizeof line, f) != NULL) {
            char *tab = strchr(line, '\t');

            if (tab != NULL)
                classify(sets, tab + 1, false);
        }
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/corpus/queries/search-benchmark-game/"
             "queries.txt", shared_dir());
    f = fopen(path, "r");
    if (f != NULL) {
        while (fgets(line, sizeof line, f) != NULL) {
            char *q = strstr(line, "\"query\": \""), *end;

            if (q == NULL)
                continue;
            q += 10;
            end = strstr(q, "\", \"tags\"");
            if (end == NULL)
                continue;
            *end = '\0';
            classify(sets, q, strstr(end + 1, "phrase") != NULL);
        }
        fclose(f);
    }
}

/* The kinds as `byline bench` names them, in the order of the sets. */
static const char *const kind_names[] = {"term", "or", "and", "phrase",
                                         "prefix", "filtered"};

/* "KIND<TAB>query" lines into the kinds. */
static int load_file(qset *sets, const char *path)
{
    char line[4096], q[4200];
    FILE *f = fopen(path, "r");

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f) != NULL) {
        char *tab = strchr(line, '\t');

        line[strcspn(line, "\r\n")] = '\0';
        if (tab == NULL)
            continue;
        *tab = '\0';
        for (int k = 0; k < 6; k++)
            if (strcmp(line, kind_names[k]) == 0) {
                snprintf(q, sizeof q, "%s%s", tab + 1,
                         k == 5 ? " date:[1987-03-01 TO 1987-03-15]" : "");
                add(&sets[k], q);
            }
    }
    fclose(f);
    return 0;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* What a search returns (BENCH_RESULTS): 0 ids, 1 stored fields, 2 stored
** fields, snippets and the exact total. */
static int results_mode;

/* Time every query of s; median and p99 in ms, queries per second. */
static int measure(bl_index *ix, const qset *s, bool exhaustive, int reps,
                   double *med, double *p99, double *qps, double *hits)
{
    double *lat = malloc(s->n * (size_t)reps * sizeof *lat), total = 0;
    size_t n = 0;
    bl_search_opts o;

    if (lat == NULL)
        return BL_ENOMEM;
    bl_search_opts_default(&o);
    o.k = 10;
    o.ids_only = results_mode == 0;
    o.snippets = results_mode == 2;
    o.exact_total = results_mode == 2;   /* else the total may be a lower
                                            bound */
    o.and_default = s->and_default;
    o.exhaustive = exhaustive;
    *hits = 0;
    for (size_t i = 0; i < s->n; i++) {
        bl_results *r;
        char err[256];

        if (bl_search(ix, s->q[i], &o, &r, err, sizeof err) != BL_OK) {
            fprintf(stderr, "bench_query: '%s': %s\n", s->q[i], err);
            continue;
        }
        *hits += (double)r->n_hits;
        bl_results_free(r);
    }
    for (int rep = 0; rep < reps; rep++)
        for (size_t i = 0; i < s->n; i++) {
            bl_results *r;
            char err[256];
            double t0 = now_s(), t;

            if (bl_search(ix, s->q[i], &o, &r, err, sizeof err) != BL_OK)
                continue;
            t = now_s() - t0;
            bl_results_free(r);
            lat[n++] = t;
            total += t;
        }
    qsort(lat, n, sizeof *lat, cmp_d);
    *med = n ? lat[n / 2] * 1e3 : 0;
    *p99 = n ? lat[(size_t)((double)(n - 1) * 0.99)] * 1e3 : 0;
    *qps = total > 0 ? (double)n / total : 0;
    *hits /= s->n ? (double)s->n : 1;
    free(lat);
    return BL_OK;
}

static int build(const char *dir)
{
    char path[4096];
    const char *paths[1] = {path};
    bl_writer_opts wo;
    bl_writer *w;
    bl_ingest *in;
    const bl_doc *doc;
    int rc;

    snprintf(path, sizeof path, "%s/corpus/reuters21578",
             shared_dir());
    bl_writer_opts_default(&wo);
    rc = bl_writer_open(dir, &wo, &w, NULL, 0);
    if (rc != BL_OK)
        return rc;
    rc = bl_ingest_open(paths, 1, BL_FORMAT_AUTO, &in);
    if (rc != BL_OK) {
        bl_writer_close(w);
        return rc;
    }
    while ((rc = bl_ingest_next(in, &doc)) != BL_DONE)
        if (rc == BL_OK && (rc = bl_writer_add(w, doc)) != BL_OK)
            break;
    bl_ingest_close(in);
    if (rc == BL_DONE || rc == BL_OK)
        rc = bl_writer_commit(w);
    bl_writer_close(w);
    return rc;
}

int main(int argc, char **argv)
{
    qset sets[6] = {{"1 word", {0}, 0, false},
                    {"2-4 words OR", {0}, 0, false},
                    {"2-4 words AND", {0}, 0, true},
                    {"phrase", {0}, 0, false},
                    {"prefix", {0}, 0, false},
                    {"date-filtered OR", {0}, 0, false}};
    char tmp[] = "/tmp/bench-query-XXXXXX";
    const char *dir = argc > 1 ? argv[1] : NULL;
    const char *only = argc > 3 ? argv[3] : NULL;
    int reps = only != NULL ? 1 : REPS;
    bl_index *ix;
    bl_stats st;
    int rc;

    if (dir == NULL) {
        if (mkdtemp(tmp) == NULL)
            return 1;
        dir = tmp;
        fprintf(stderr, "indexing Reuters-21578 into %s ...\n", dir);
        rc = build(dir);
        if (rc != BL_OK) {
            fprintf(stderr, "bench_query: indexing failed: %s\n",
                    bl_strerror(rc));
            return 1;
        }
    }
    rc = bl_index_open(dir, &ix);
    if (rc != BL_OK) {
        fprintf(stderr, "bench_query: %s: %s\n", dir, bl_strerror(rc));
        return 1;
    }
    bl_index_stats(ix, &st);
    if (getenv("BENCH_RESULTS") != NULL) {
        const char *m = getenv("BENCH_RESULTS");

        results_mode = strcmp(m, "snippets") == 0 ? 2
                       : strcmp(m, "fields") == 0 ? 1
                                                  : 0;
    }
    if (getenv("BENCH_BLOCK_CACHE_MB") != NULL)
        bl_index_set_block_cache(
            ix, (size_t)strtoull(getenv("BENCH_BLOCK_CACHE_MB"), NULL, 10)
                    << 20);
    if (argc > 2) {
        if (load_file(sets, argv[2]) != 0) {
            fprintf(stderr, "bench_query: cannot read %s\n", argv[2]);
            return 1;
        }
    } else {
        load_queries(sets);
    }
    printf("index: %llu articles, %llu segments; top 10, one thread, "
           "%s, %d timed runs per query\n\n",
           (unsigned long long)st.docs, (unsigned long long)st.segments,
           results_mode == 0   ? "ids only"
           : results_mode == 1 ? "stored fields"
                               : "stored fields, snippets, exact totals",
           reps);
    printf("%-18s %6s %9s %9s %9s %9s   %s\n", "kind", "queries",
           "median ms", "p99 ms", "q/s", "hits", "exhaustive median, "
           "speed-up (q/s)");
    for (int k = 0; k < 6; k++) {
        double med, p99, qps, hits, emed, ep99, eqps, ehits;

        if (only != NULL && strcmp(only, kind_names[k]) != 0)
            continue;
        measure(ix, &sets[k], only != NULL && getenv("BENCH_EXHAUSTIVE"),
                reps, &med, &p99, &qps, &hits);
        if (only != NULL)
            emed = ep99 = eqps = ehits = 0;
        else
            measure(ix, &sets[k], true, reps, &emed, &ep99, &eqps, &ehits);
        printf("%-18s %6zu %9.4f %9.4f %9.0f %9.1f   %.4f ms, x%.2f\n",
               sets[k].kind, sets[k].n, med, p99, qps, hits, emed,
               qps > 0 && eqps > 0 ? qps / eqps : 0);
        for (size_t i = 0; i < sets[k].n; i++)
            free(sets[k].q[i]);
    }
    bl_index_close(ix);
    if (argc <= 1 && bl_file_remove_tree(tmp) != BL_OK)
        fprintf(stderr, "bench_query: cannot remove %s\n", tmp);
    return 0;
}
