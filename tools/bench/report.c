/* report.c - the terminal table and the JSON document of a bench run
** (report.h). The JSON keys are a contract with scripts (bench/scaling.sh
** and the scaling reader in scaling.c): add keys, never rename them.
*/
#include "report.h"

#include <jansson.h>
#include <string.h>

static double ratio(double a, double b)
{
    return b > 0 ? a / b : 0;
}

static double mb(uint64_t bytes)
{
    return (double)bytes / 1e6;
}

static void row(FILE *out, const bench_result *r, const char *label,
                double b, double f, const char *fmt)
{
    bool both = r->eng[BENCH_BYLINE].ran && r->eng[BENCH_FTS5].ran;

    fprintf(out, "  %-22s", label);
    if (r->eng[BENCH_BYLINE].ran)
        fprintf(out, fmt, b);
    else
        fprintf(out, "%12s", "-");
    if (r->eng[BENCH_FTS5].ran)
        fprintf(out, fmt, f);
    if (both)
        fprintf(out, "%12.2f", ratio(b, f));
    fputc('\n', out);
}

/* Kind k of engine e, or all queries for k == BENCH_N_KINDS. */
static const bench_latency *kind_latency(const bench_engine *e, int k)
{
    return k < BENCH_N_KINDS ? &e->kinds[k] : &e->all;
}

static const char *kind_label(int k)
{
    return k < BENCH_N_KINDS ? bench_kind_name((bench_kind)k) : "all";
}

static size_t total_queries(const bench_result *r)
{
    size_t n = 0;

    for (int k = 0; k < BENCH_N_KINDS; k++)
        n += r->n_queries[k];
    return n;
}

void bench_report_table(const bench_result *r, FILE *out)
{
    const bench_engine *b = &r->eng[BENCH_BYLINE], *f = &r->eng[BENCH_FTS5];
    bool both = b->ran && f->ran;

    fprintf(out, "byline bench: %llu articles, %.1f MB of article text, %s%s"
                 "\n  %u threads, top %zu, %u timed runs of each query, "
                 "seed %llu\n\n",
            (unsigned long long)r->articles, mb(r->text_bytes),
            r->generated ? "generated into " : "corpus ", r->corpus,
            r->threads, r->k, r->reps, (unsigned long long)r->seed);
    if (r->generated > 0)
        fprintf(out, "  (%llu articles generated at %.1f MB/s)\n",
                (unsigned long long)r->generated, r->gen_mb_per_s);
    if (r->skipped > 0)
        fprintf(out, "  (%llu malformed records skipped)\n",
                (unsigned long long)r->skipped);
    fprintf(out, "  %-22s%12s", "", "byline");
    if (f->ran)
        fprintf(out, "%12s", "fts5");
    if (both)
        fprintf(out, "%12s", "byline/fts5");
    fprintf(out, "\nindexing\n");
    row(out, r, "seconds", b->index_secs, f->index_secs, "%12.2f");
    row(out, r, "of which merging", b->optimize_secs, f->optimize_secs,
        "%12.2f");
    row(out, r, "articles/s", b->articles_per_s, f->articles_per_s,
        "%12.0f");
    row(out, r, "MB/s", b->mb_per_s, f->mb_per_s, "%12.2f");
    row(out, r, "peak RSS (MB)", mb(b->peak_rss), mb(f->peak_rss), "%12.1f");
    fprintf(out, "index size\n");
    row(out, r, "on disk (MB)", mb(b->index_bytes), mb(f->index_bytes),
        "%12.2f");
    row(out, r, "ratio to text", b->ratio_to_raw, f->ratio_to_raw, "%12.3f");
    if (b->have_sections) {
        const bl_section_stats *s = &b->sections;

        fprintf(out, "  byline sections (MB): terms %.2f, postings %.2f, "
                     "positions %.2f, lengths %.2f, columns %.2f, "
                     "store %.2f\n",
                mb(s->terms), mb(s->postings), mb(s->positions),
                mb(s->lengths), mb(s->columns), mb(s->store));
        fprintf(out, "  byline: %llu segments, %llu terms, %llu postings "
                     "(%.2f bits each), %llu positions\n",
                (unsigned long long)b->segments,
                (unsigned long long)b->terms,
                (unsigned long long)b->postings, b->bits_per_posting,
                (unsigned long long)b->positions);
    }
    fprintf(out, "\nqueries (ms)       n engine    median      p90      p99"
                 "   qps 1 thr  qps %u thr%s\n",
            r->threads, both ? "  overlap" : "");
    for (int k = 0; k <= BENCH_N_KINDS; k++) {
        bool first = true;

        for (int e = 0; e < BENCH_N_ENGINES; e++) {
            const bench_latency *l = kind_latency(&r->eng[e], k);

            if (!r->eng[e].ran)
                continue;
            if (first)
                fprintf(out, "  %-10s %6zu", kind_label(k),
                        k < BENCH_N_KINDS ? r->n_queries[k] : total_queries(r));
            else
                fprintf(out, "  %-10s %6s", "", "");
            fprintf(out, " %-7s %8.3f %8.3f %8.3f %11.0f %11.0f",
                    r->eng[e].name, l->median_ms, l->p90_ms, l->p99_ms,
                    l->qps_1, l->qps_n);
            if (e == BENCH_FTS5 && both)
                fprintf(out, " %8.2f", k < BENCH_N_KINDS ? r->overlap[k]
                                                         : r->overlap_all);
            fputc('\n', out);
            first = false;
        }
        if (both) {
            const bench_latency *lb = kind_latency(b, k),
                                *lf = kind_latency(f, k);

            fprintf(out, "  %-10s %6s %-7s %8.2f %8.2f %8.2f %11.2f %11.2f\n",
                    "", "", "ratio", ratio(lb->median_ms, lf->median_ms),
                    ratio(lb->p90_ms, lf->p90_ms),
                    ratio(lb->p99_ms, lf->p99_ms), ratio(lb->qps_1, lf->qps_1),
                    ratio(lb->qps_n, lf->qps_n));
        }
    }
    if (both)
        fprintf(out, "\n  ratio = byline/fts5 (below 1: byline takes less "
                     "time; above 1 for qps: byline answers more);\n"
                     "  overlap = shared ids in the two top-%zu lists, a "
                     "sanity check (rankings differ).\n", r->k);
}

/* ---- JSON ------------------------------------------------------------- */

static json_t *latency_json(const bench_latency *l)
{
    return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "n",
                     (json_int_t)l->n, "median_ms", l->median_ms, "p90_ms",
                     l->p90_ms, "p99_ms", l->p99_ms, "mean_ms", l->mean_ms,
                     "qps_1", l->qps_1, "qps_n", l->qps_n, "mean_hits",
                     l->hits);
}

static json_t *engine_json(const bench_engine *e)
{
    json_t *o = json_object(), *q = json_object(), *ix;

    json_object_set_new(
        o, "indexing",
        json_pack("{s:f, s:f, s:f, s:f, s:I}", "seconds", e->index_secs,
                  "optimize_seconds", e->optimize_secs, "articles_per_s",
                  e->articles_per_s, "mb_per_s", e->mb_per_s,
                  "peak_rss_bytes", (json_int_t)e->peak_rss));
    ix = json_pack("{s:I, s:f}", "bytes", (json_int_t)e->index_bytes,
                   "ratio_to_raw", e->ratio_to_raw);
    if (e->have_sections) {
        const bl_section_stats *s = &e->sections;

        json_object_set_new(
            ix, "sections",
            json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "terms",
                      (json_int_t)s->terms, "postings",
                      (json_int_t)s->postings, "positions",
                      (json_int_t)s->positions, "lengths",
                      (json_int_t)s->lengths, "columns",
                      (json_int_t)s->columns, "store",
                      (json_int_t)s->store));
        json_object_set_new(ix, "segments", json_integer((json_int_t)
                                                             e->segments));
        json_object_set_new(ix, "terms", json_integer((json_int_t)e->terms));
        json_object_set_new(ix, "postings",
                            json_integer((json_int_t)e->postings));
        json_object_set_new(ix, "positions",
                            json_integer((json_int_t)e->positions));
        json_object_set_new(ix, "bits_per_posting",
                            json_real(e->bits_per_posting));
    }
    json_object_set_new(o, "index", ix);
    for (int k = 0; k < BENCH_N_KINDS; k++)
        json_object_set_new(q, bench_kind_name(k),
                            latency_json(&e->kinds[k]));
    json_object_set_new(q, "all", latency_json(&e->all));
    json_object_set_new(o, "queries", q);
    return o;
}

int bench_report_json(const bench_result *r, const char *path)
{
    json_t *doc = json_object(), *eng = json_object(), *nq = json_object();
    int rc;

    json_object_set_new(doc, "byline_version", json_string(bl_version()));
    json_object_set_new(doc, "format", json_integer(1));
    json_object_set_new(
        doc, "corpus",
        json_pack("{s:s, s:I, s:f, s:I, s:I, s:I}", "path", r->corpus,
                  "generated", (json_int_t)r->generated,
                  "generator_mb_per_s", r->gen_mb_per_s, "articles",
                  (json_int_t)r->articles, "text_bytes",
                  (json_int_t)r->text_bytes, "skipped",
                  (json_int_t)r->skipped));
    json_object_set_new(doc, "config",
                        json_pack("{s:I, s:i, s:I, s:i, s:b}", "seed",
                                  (json_int_t)r->seed, "threads",
                                  (int)r->threads, "k", (json_int_t)r->k,
                                  "reps", (int)r->reps, "optimize",
                                  r->optimize));
    for (int k = 0; k < BENCH_N_KINDS; k++)
        json_object_set_new(nq, bench_kind_name(k),
                            json_integer((json_int_t)r->n_queries[k]));
    json_object_set_new(doc, "queries", nq);
    for (int e = 0; e < BENCH_N_ENGINES; e++)
        if (r->eng[e].ran)
            json_object_set_new(eng, r->eng[e].name,
                                engine_json(&r->eng[e]));
    json_object_set_new(doc, "engines", eng);
    if (r->eng[BENCH_BYLINE].ran && r->eng[BENCH_FTS5].ran) {
        const bench_engine *b = &r->eng[BENCH_BYLINE],
                           *f = &r->eng[BENCH_FTS5];
        json_t *c = json_object(), *med = json_object(), *ov = json_object();

        json_object_set_new(c, "mb_per_s_ratio",
                            json_real(ratio(b->mb_per_s, f->mb_per_s)));
        json_object_set_new(c, "index_bytes_ratio",
                            json_real(ratio((double)b->index_bytes,
                                            (double)f->index_bytes)));
        json_object_set_new(c, "peak_rss_ratio",
                            json_real(ratio((double)b->peak_rss,
                                            (double)f->peak_rss)));
        for (int k = 0; k < BENCH_N_KINDS; k++) {
            json_object_set_new(med, bench_kind_name(k),
                                json_real(ratio(b->kinds[k].median_ms,
                                                f->kinds[k].median_ms)));
            json_object_set_new(ov, bench_kind_name(k),
                                json_real(r->overlap[k]));
        }
        json_object_set_new(med, "all", json_real(ratio(b->all.median_ms,
                                                        f->all.median_ms)));
        json_object_set_new(ov, "all", json_real(r->overlap_all));
        json_object_set_new(c, "median_ms_ratio", med);
        json_object_set_new(c, "top_k_overlap", ov);
        json_object_set_new(doc, "comparison", c);
    }
    rc = json_dump_file(doc, path, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    json_decref(doc);
    return rc == 0 ? BL_OK : BL_EIO;
}
