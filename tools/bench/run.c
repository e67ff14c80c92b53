/* run.c - indexing and query replay for each engine (run.h).
**
** Both engines read the corpus through docsrc.h, so they index the same
** article text, and replay the same bench_queries through one runner that
** only differs in its search function: byline's bl_search returning the
** top ids (ids_only: no store access, no snippet) or FTS5's SELECT of the
** id column with MATCH ranked by bm25(): the same answer. Timing is
** wall-clock around the whole call, including freeing the results.
** Invariant: the warm-up runs (every query first, then each kind's again
** before its timed runs) are never timed, and nothing but the searches
** runs inside a timed region.
*/
#include "run.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docsrc.h"
#include "fts5.h"
#include "stats.h"

/* byline commits after every so many articles, as `byline index` does by
** default: the writer holds the ids of its uncommitted articles. */
#define BENCH_COMMIT_EVERY 1000000

/* ---- indexing --------------------------------------------------------- */

static void finish_rates(bench_engine *e, uint64_t articles,
                         uint64_t text_bytes)
{
    double s = e->index_secs > 0 ? e->index_secs : 1e-9;

    e->articles_per_s = (double)articles / s;
    e->mb_per_s = (double)text_bytes / 1e6 / s;
    e->ratio_to_raw =
        text_bytes ? (double)e->index_bytes / (double)text_bytes : 0;
}

int bench_index_byline(const bench_index_opts *o, const char *dir,
                       bench_engine *out, uint64_t *articles,
                       uint64_t *text_bytes, char *err, size_t cap)
{
    bench_docs *docs = NULL;
    bl_writer *w = NULL;
    bl_writer_opts wo;
    bl_index *ix = NULL;
    bl_stats st;
    const bl_doc *doc;
    double t0;
    uint64_t n = 0, bytes = 0;
    int rc;

    *articles = *text_bytes = 0;
    bl_writer_opts_default(&wo);
    wo.threads = o->threads;
    wo.ram_bytes = o->ram_bytes;
    bench_rss_reset();
    t0 = bench_now();
    rc = bench_docs_open(o->corpus, o->fmt, &docs, err, cap);
    if (rc == BL_OK)
        rc = bl_writer_open(dir, &wo, &w, err, cap);
    while (rc == BL_OK && (rc = bench_docs_next(docs, &doc)) == BL_OK) {
        bytes += strlen(doc->title) + strlen(doc->body);
        /* The commit after every so many articles waits for one more:
        ** the last commit is the final one, which optimizes. */
        if (n > 0 && n % BENCH_COMMIT_EVERY == 0 &&
            (rc = bl_writer_commit(w)) != BL_OK) {
            snprintf(err, cap, "commit: %s", bl_writer_error(w));
            break;
        }
        rc = bl_writer_add(w, doc);
        if (rc != BL_OK)
            snprintf(err, cap, "adding %s: %s", doc->id,
                     bl_writer_error(w)[0] ? bl_writer_error(w)
                                            : bl_strerror(rc));
        else if ((++n & 255) == 0 && o->progress != NULL)
            o->progress(o->progress_ctx, n, bench_docs_bytes_read(docs),
                        bench_docs_bytes_total(docs));
    }
    if (rc == BL_DONE) {
        bl_writer_stats ws;

        rc = o->optimize ? bl_writer_optimize(w) : bl_writer_commit(w);
        if (rc != BL_OK)
            snprintf(err, cap, "commit: %s", bl_writer_error(w)[0]
                                                 ? bl_writer_error(w)
                                                 : bl_strerror(rc));
        bl_writer_stats_get(w, &ws);
        out->optimize_secs = ws.merge_seconds;
    } else if (rc != BL_OK && err[0] == '\0') {
        snprintf(err, cap, "%s: %s", o->corpus, bl_strerror(rc));
    }
    bl_writer_close(w);
    out->index_secs = bench_now() - t0;
    out->peak_rss = bench_rss_peak();
    bench_docs_close(docs);
    if (rc == BL_OK && (rc = bl_index_open(dir, &ix)) == BL_OK)
        rc = bl_index_stats(ix, &st);
    bl_index_close(ix);
    if (rc != BL_OK) {
        if (err[0] == '\0')
            snprintf(err, cap, "%s: %s", dir, bl_strerror(rc));
        return rc;
    }
    out->name = "byline";
    out->ran = true;
    out->index_bytes = st.total_bytes ? st.total_bytes : bench_disk_usage(dir);
    out->have_sections = true;
    out->sections = st.bytes;
    out->segments = st.segments;
    out->terms = st.terms;
    out->postings = st.postings;
    out->positions = st.positions;
    out->bits_per_posting =
        st.postings ? 8.0 * (double)st.bytes.postings / (double)st.postings
                    : 0;
    finish_rates(out, n, bytes);
    *articles = n;
    *text_bytes = bytes;
    return BL_OK;
}

int bench_index_fts5(const bench_index_opts *o, const char *db_path,
                     bench_engine *out, char *err, size_t cap)
{
    bench_docs *docs = NULL;
    bench_fts5 *db = NULL;
    const bl_doc *doc;
    double t0;
    uint64_t n = 0, bytes = 0;
    int rc;

    bench_rss_reset();
    t0 = bench_now();
    rc = bench_docs_open(o->corpus, o->fmt, &docs, err, cap);
    if (rc == BL_OK)
        rc = bench_fts5_create(db_path, &db, err, cap);
    while (rc == BL_OK && (rc = bench_docs_next(docs, &doc)) == BL_OK) {
        bytes += strlen(doc->title) + strlen(doc->body);
        rc = bench_fts5_add(db, doc);
        if (rc == BL_OK && (++n & 255) == 0 && o->progress != NULL)
            o->progress(o->progress_ctx, n, bench_docs_bytes_read(docs),
                        bench_docs_bytes_total(docs));
    }
    if (rc == BL_DONE)
        rc = bench_fts5_finish(db, o->optimize, &out->optimize_secs);
    if (rc != BL_OK && err[0] == '\0')
        snprintf(err, cap, "fts5: %s", db ? bench_fts5_error(db)
                                           : bl_strerror(rc));
    bench_fts5_close(db);
    out->index_secs = bench_now() - t0;
    out->peak_rss = bench_rss_peak();
    bench_docs_close(docs);
    if (rc != BL_OK)
        return rc;
    out->name = "fts5";
    out->ran = true;
    out->index_bytes = bench_disk_usage(db_path);
    finish_rates(out, n, bytes);
    return BL_OK;
}

/* ---- replaying queries ------------------------------------------------ */

/* An engine as the runner sees it. */
typedef struct searcher {
    const void *shared;        /* the index or the database path */
    int (*open)(const void *shared, void **thr);
    /* Run q; when top is non-NULL, copy the ids into it. *n_hits is set. */
    int (*search)(void *thr, const bench_query *q, size_t k, bench_topk *top,
                  size_t *n_hits, char *err, size_t cap);
    void (*close)(void *thr);
} searcher;

static int copy_id(bench_topk *top, size_t k, const char *id)
{
    if (top->ids == NULL && (top->ids = calloc(k ? k : 1, sizeof(char *))) ==
                                NULL)
        return BL_ENOMEM;
    if (top->n < k && (top->ids[top->n] = strdup(id)) != NULL)
        top->n++;
    return BL_OK;
}

typedef struct byline_thr {
    bl_index *ix;
    bl_search_opts o;
} byline_thr;

static int byline_open(const void *shared, void **thr)
{
    byline_thr *t = calloc(1, sizeof *t);

    *thr = t;
    if (t == NULL)
        return BL_ENOMEM;
    t->ix = (bl_index *)shared;
    bl_search_opts_default(&t->o);
    t->o.exact_total = false;  /* top 10 only, as FTS5's LIMIT 10 */
    t->o.ids_only = true;      /* the ids, as FTS5's SELECT aid */
    return BL_OK;
}

static int byline_search(void *thr, const bench_query *q, size_t k,
                         bench_topk *top, size_t *n_hits, char *err,
                         size_t cap)
{
    byline_thr *t = thr;
    bl_results *res = NULL;
    int rc;

    t->o.k = k;
    t->o.from = q->from;
    t->o.to = q->to;
    rc = bl_search(t->ix, q->text, &t->o, &res, err, cap);
    *n_hits = rc == BL_OK ? res->n_hits : 0;
    for (size_t i = 0; rc == BL_OK && top != NULL && i < res->n_hits; i++)
        rc = copy_id(top, k, res->hits[i].id);
    bl_results_free(res);
    return rc;
}

static void byline_close(void *thr)
{
    free(thr);
}

static int fts5_open(const void *shared, void **thr)
{
    return bench_fts5_conn_open((const char *)shared,
                                (bench_fts5_conn **)thr);
}

static int fts5_search(void *thr, const bench_query *q, size_t k,
                       bench_topk *top, size_t *n_hits, char *err,
                       size_t cap)
{
    bench_fts5_conn *c = thr;
    int rc = bench_fts5_search(c, q->fts5, q->from, q->to, k, n_hits);

    if (rc != BL_OK)
        snprintf(err, cap, "%s", bench_fts5_conn_error(c));
    for (size_t i = 0; rc == BL_OK && top != NULL && i < *n_hits; i++)
        rc = copy_id(top, k, bench_fts5_hit(c, i));
    return rc;
}

static void fts5_close(void *thr)
{
    bench_fts5_conn_close(thr);
}

/* The throughput run of one kind: every thread opens its searcher, all
** says it is ready, the clock starts, and they take queries from one
** counter; the clock stops when the last one is done (closing is not
** timed). */
typedef struct tp_shared {
    const searcher *s;
    const bench_query *q;      /* the kind's queries */
    size_t n_q;
    size_t total;              /* queries to run, cycling through q */
    size_t k;
    atomic_uint ready;         /* threads with their searcher open */
    atomic_int go;             /* set once the clock runs */
    atomic_size_t next;
    atomic_int rc;
} tp_shared;

typedef struct tp_thread {
    tp_shared *sh;
    pthread_t tid;
    double end;                /* when this thread ran out of queries */
} tp_thread;

static void *tp_main(void *arg)
{
    tp_thread *t = arg;
    tp_shared *sh = t->sh;
    void *thr = NULL;
    char err[256];
    int rc = sh->s->open(sh->s->shared, &thr);

    atomic_fetch_add(&sh->ready, 1);
    while (!atomic_load(&sh->go))
        sched_yield();
    for (;;) {
        size_t j = atomic_fetch_add(&sh->next, 1), n;

        if (rc != BL_OK || j >= sh->total)
            break;
        rc = sh->s->search(thr, &sh->q[j % sh->n_q], sh->k, NULL, &n, err,
                           sizeof err);
    }
    t->end = bench_now();
    if (thr != NULL)
        sh->s->close(thr);
    if (rc != BL_OK)
        atomic_store(&sh->rc, rc);
    return NULL;
}

/* Run about qps_1 * MIN_TP_SECS queries per thread, and at least every
** query reps times. */
#define MIN_TP_SECS 0.2
#define MAX_THREADS 256

static int throughput(const searcher *s, const bench_query *q, size_t n_q,
                      const bench_query_opts *o, double qps_1, double *qps)
{
    tp_shared sh;
    tp_thread *th;
    unsigned n_thr = o->threads ? o->threads : 1, started = 0;
    double t0, t1 = 0, want;
    int rc;

    if (n_thr > MAX_THREADS)
        n_thr = MAX_THREADS;
    *qps = 0;
    if (n_q == 0)
        return BL_OK;
    th = calloc(n_thr, sizeof *th);
    if (th == NULL)
        return BL_ENOMEM;
    sh.s = s;
    sh.q = q;
    sh.n_q = n_q;
    sh.total = n_q * (o->reps ? o->reps : 1);
    want = qps_1 * MIN_TP_SECS * n_thr;
    if ((double)sh.total < want)
        sh.total = (size_t)want;
    sh.k = o->k;
    atomic_init(&sh.ready, 0);
    atomic_init(&sh.go, 0);
    atomic_init(&sh.next, 0);
    atomic_init(&sh.rc, BL_OK);
    for (unsigned i = 0; i < n_thr; i++) {
        th[i].sh = &sh;
        if (pthread_create(&th[i].tid, NULL, tp_main, &th[i]) != 0)
            break;
        started++;
    }
    if (started < n_thr)       /* no queries for those that did start */
        atomic_store(&sh.next, sh.total);
    while (atomic_load(&sh.ready) < started)
        sched_yield();
    t0 = bench_now();
    atomic_store(&sh.go, 1);
    for (unsigned i = 0; i < started; i++) {
        pthread_join(th[i].tid, NULL);
        t1 = th[i].end > t1 ? th[i].end : t1;
    }
    rc = started < n_thr ? BL_ENOMEM : atomic_load(&sh.rc);
    if (rc == BL_OK && t1 > t0)
        *qps = (double)sh.total / (t1 - t0);
    free(th);
    return rc;
}

static int run_queries(const searcher *s, const bench_queries *qs,
                       const bench_query_opts *o, bench_engine *out,
                       bench_topk *tops, char *err, size_t cap)
{
    unsigned reps = o->reps ? o->reps : 1;
    double *ms = malloc((qs->n * reps + 1) * sizeof *ms);
    double *all = malloc((qs->n * reps + 1) * sizeof *all);
    void *thr = NULL;
    size_t n_all = 0;
    double busy_all = 0, tp_time = 0;
    int rc;

    if (ms == NULL || all == NULL) {
        free(ms);
        free(all);
        return BL_ENOMEM;
    }
    rc = s->open(s->shared, &thr);
    if (rc != BL_OK)
        snprintf(err, cap, "cannot open the index for searching: %s",
                 bl_strerror(rc));
    /* warm-up: every query once, keeping the ids */
    for (size_t i = 0; rc == BL_OK && i < qs->n; i++) {
        size_t n;

        rc = s->search(thr, &qs->q[i], o->k, tops ? &tops[i] : NULL, &n,
                       err, cap);
        if (rc != BL_OK) {
            char msg[256];

            snprintf(msg, sizeof msg, "%s", err);
            snprintf(err, cap, "query '%s': %s", qs->q[i].text, msg);
        }
        out->kinds[qs->q[i].kind].hits += (double)n;
    }
    for (int k = 0; rc == BL_OK && k < BENCH_N_KINDS; k++) {
        size_t lo = 0, hi, n_ms = 0;
        double busy = 0;
        bench_latency *l = &out->kinds[k];

        while (lo < qs->n && qs->q[lo].kind != (bench_kind)k)
            lo++;
        for (hi = lo; hi < qs->n && qs->q[hi].kind == (bench_kind)k; hi++)
            ;
        if (hi == lo)
            continue;
        l->hits /= (double)(hi - lo);
        /* The kind's queries once more, untimed, just before its timed
        ** runs: the kind before ran its throughput on other threads, which
        ** left this thread's caches cold for the first of them (byline's
        ** OR median on Reuters: 9.3 us, 8.3 when OR ran first). */
        for (size_t i = lo; rc == BL_OK && i < hi; i++) {
            size_t n;

            rc = s->search(thr, &qs->q[i], o->k, NULL, &n, err, cap);
        }
        for (unsigned r = 0; rc == BL_OK && r < reps; r++)
            for (size_t i = lo; rc == BL_OK && i < hi; i++) {
                double t0 = bench_now();
                size_t n;

                rc = s->search(thr, &qs->q[i], o->k, NULL, &n, err, cap);
                ms[n_ms] = (bench_now() - t0) * 1e3;
                busy += ms[n_ms];
                all[n_all++] = ms[n_ms++];
            }
        {
            double hits = l->hits;

            bench_latency_fill(l, ms, n_ms);
            l->hits = hits;
        }
        l->qps_1 = busy > 0 ? (double)n_ms / (busy / 1e3) : 0;
        busy_all += busy;
        if (rc == BL_OK)
            rc = throughput(s, &qs->q[lo], hi - lo, o, l->qps_1,
                            &l->qps_n);
        if (l->qps_n > 0)
            tp_time += (double)n_ms / l->qps_n;
    }
    if (rc == BL_OK) {
        double hits = 0;

        for (int k = 0; k < BENCH_N_KINDS; k++)
            hits += out->kinds[k].hits * (double)out->kinds[k].n;
        bench_latency_fill(&out->all, all, n_all);
        out->all.hits = n_all ? hits / (double)n_all : 0;
        out->all.qps_1 = busy_all > 0 ? (double)n_all / (busy_all / 1e3) : 0;
        out->all.qps_n = tp_time > 0 ? (double)n_all / tp_time : 0;
    }
    if (thr != NULL)
        s->close(thr);
    free(ms);
    free(all);
    return rc;
}

int bench_query_byline(const char *dir, const bench_queries *qs,
                       const bench_query_opts *o, bench_engine *out,
                       bench_topk *tops, char *err, size_t cap)
{
    bl_index *ix = NULL;
    searcher s = {NULL, byline_open, byline_search, byline_close};
    int rc = bl_index_open(dir, &ix);

    if (rc != BL_OK) {
        snprintf(err, cap, "%s: %s", dir, bl_strerror(rc));
        return rc;
    }
    s.shared = ix;
    rc = run_queries(&s, qs, o, out, tops, err, cap);
    bl_index_close(ix);
    return rc;
}

int bench_query_fts5(const char *db_path, const bench_queries *qs,
                     const bench_query_opts *o, bench_engine *out,
                     bench_topk *tops, char *err, size_t cap)
{
    searcher s = {db_path, fts5_open, fts5_search, fts5_close};

    return run_queries(&s, qs, o, out, tops, err, cap);
}

void bench_topk_free(bench_topk *t, size_t n_queries)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < n_queries; i++) {
        for (size_t j = 0; j < t[i].n; j++)
            free(t[i].ids[j]);
        free(t[i].ids);
    }
    free(t);
}

void bench_overlap(const bench_queries *qs, const bench_topk *a,
                   const bench_topk *b, bench_result *r)
{
    double sum[BENCH_N_KINDS] = {0}, total = 0;
    size_t n[BENCH_N_KINDS] = {0};

    for (size_t i = 0; i < qs->n; i++) {
        size_t common = 0, most = a[i].n > b[i].n ? a[i].n : b[i].n;
        double ov;

        for (size_t x = 0; x < a[i].n; x++)
            for (size_t y = 0; y < b[i].n; y++)
                if (strcmp(a[i].ids[x], b[i].ids[y]) == 0) {
                    common++;
                    break;
                }
        ov = most ? (double)common / (double)most : 1.0;
        sum[qs->q[i].kind] += ov;
        n[qs->q[i].kind]++;
        total += ov;
    }
    for (int k = 0; k < BENCH_N_KINDS; k++)
        r->overlap[k] = n[k] ? sum[k] / (double)n[k] : 0;
    r->overlap_all = qs->n ? total / (double)qs->n : 0;
    r->have_overlap = true;
}

/* ---- stopwords -------------------------------------------------------- */

static int count_token(void *ctx, const bl_token *tok)
{
    (void)tok;
    (*(size_t *)ctx)++;
    return 0;
}

bool bench_byline_is_stop(void *ctx, const char *word)
{
    size_t n = 0;

    if (bl_analyze(ctx, word, strlen(word), NULL, count_token, &n) != BL_OK)
        return false;
    return n == 0;
}
