/* cmd_bench.c - `byline bench`: index a corpus (or a generated archive)
** with byline and, on request, with SQLite FTS5 in the same run, replay
** the same query set on both, and report indexing speed, memory, index
** size and latency by query kind (bench/run.h does the work, bench/report.h
** the reports). Also `byline bench --scaling`, which turns several runs'
** JSON documents into the scaling study's table and chart.
*/
#include "cli.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/docsrc.h"
#include "bench/gencorpus.h"
#include "bench/querysets.h"
#include "bench/report.h"
#include "bench/run.h"
#include "bench/stats.h"
#include "byline.h"

#define SAMPLE_REL "corpus/sample/articles.jsonl"
#define ROBUST04_REL "trec-news-topics/robust04.titles.tsv"
#define SBG_REL "search-benchmark-game/queries.txt"
#define DF_DOCS 50000          /* articles counted for sampling words */

static const char usage[] =
    "usage: byline bench [--corpus PATH | --generate N] [options]\n"
    "       byline bench --scaling [--md FILE] [--svg FILE] RUN.json...\n"
    "\n"
    "Index a corpus into a temporary index, replay a query set on it (top\n"
    "10, warm) and report: indexing (articles/s, MB/s of article text, peak\n"
    "RSS, seconds), index size (bytes by section, ratio to the text, bits\n"
    "per posting) and queries by kind (one word, OR, AND, phrase, prefix,\n"
    "date-filtered: median, p90, p99 latency; queries/s on 1 and N\n"
    "threads). With --peer sqlite the same articles go into an SQLite FTS5\n"
    "table (porter tokenizer, text stored, one transaction, then merged)\n"
    "and the same queries, translated, are ranked by bm25(); the two are\n"
    "shown side by side with ratios (byline/fts5) and the overlap of their\n"
    "top-10 lists.\n"
    "\n"
    "corpus:\n"
    "  --corpus PATH    any file or folder the indexer reads (default: the\n"
    "                   sample, corpus/sample/articles.jsonl, found in the\n"
    "                   current folder or the binary's source tree)\n"
    "  --format FMT     jsonl, trec, reuters, time or auto (default auto)\n"
    "  --generate N     index N generated articles instead (see `byline\n"
    "                   gen-corpus`), learnt from --like (default the sample)\n"
    "  --like CORPUS    the corpus the generated articles imitate\n"
    "queries:\n"
    "  --queries FILE   one query a line, \"KIND<TAB>query\" or a bare query\n"
    "                   (kinds: term, or, and, phrase, prefix, filtered)\n"
    "  --query-dir DIR  the shared query sets (Robust04 titles, search\n"
    "                   benchmark game); default: shared/corpus/queries\n"
    "                   beside the source tree. Without them, OR, AND and\n"
    "                   phrase queries are sampled from the corpus\n"
    "  --per-kind N     at most N queries of each kind (default 100)\n"
    "  --save-queries FILE  write the query set as \"KIND<TAB>query\"\n"
    "                   lines, which --queries reads back (filtered\n"
    "                   queries draw their date windows from --seed)\n"
    "  --reps N         timed runs of each query (default 3)\n"
    "  --k N            hits per query (default 10)\n"
    "  --seed S         fixes the sampled queries and generated articles\n"
    "                   (default 1)\n"
    "run:\n"
    "  --threads N      indexing threads and query threads for the\n"
    "                   throughput run (default: the cores)\n"
    "  --ram MB         byline's indexing RAM budget (default 256); byline\n"
    "                   commits every 1,000,000 articles, as `byline index`\n"
    "                   does by default\n"
    "  --no-optimize    leave each index as its commits left it; by\n"
    "                   default byline merges its index into one segment\n"
    "                   and FTS5 its into one b-tree at the end, timed as\n"
    "                   part of indexing (\"of which merging\")\n"
    "  --peer sqlite    also run SQLite FTS5\n"
    "  --dir DIR        work in DIR and keep the indexes (default: a\n"
    "                   temporary folder, removed afterwards)\n"
    "output (the table goes to stdout; progress to a terminal's stderr):\n"
    "  --json FILE      every figure as a JSON document\n"
    "  --svg FILE       a chart of latency by kind and engine\n"
    "\n"
    "examples:\n"
    "  byline bench --corpus ../shared/corpus/reuters21578 --peer sqlite \\\n"
    "      --json reuters.json --svg reuters.svg\n"
    "  byline bench --generate 100000 --json gen-1e5.json\n"
    "  byline bench --scaling --md scaling.md --svg scaling.svg *.json\n";

typedef struct opts {
    const char *corpus, *like, *queries, *query_dir, *json, *svg, *dir;
    const char *save_queries;
    const char *md;
    bl_format fmt;
    uint64_t generate, per_kind, reps, k, seed, threads, ram_mb;
    bool peer, scaling, no_optimize;
    int first_file;            /* --scaling: argv index of the first file */
} opts;

static int bad(const char *fmt, const char *v)
{
    return cli_bad_usage("bench", fmt, v);
}

static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->per_kind = 100;
    o->reps = 3;
    o->k = 10;
    o->seed = 1;
    o->threads = (uint64_t)sysconf(_SC_NPROCESSORS_ONLN);
    if (o->threads < 1)
        o->threads = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t *num = NULL;
        const char **str = NULL;

        if (strcmp(a, "--scaling") == 0) {
            o->scaling = true;
            continue;
        }
        if (strcmp(a, "--no-optimize") == 0) {
            o->no_optimize = true;
            continue;
        }
        if (a[0] != '-' && o->scaling) {
            o->first_file = i;
            break;
        }
        if (strcmp(a, "--generate") == 0)
            num = &o->generate;
        else if (strcmp(a, "--per-kind") == 0)
            num = &o->per_kind;
        else if (strcmp(a, "--reps") == 0)
            num = &o->reps;
        else if (strcmp(a, "--k") == 0)
            num = &o->k;
        else if (strcmp(a, "--seed") == 0)
            num = &o->seed;
        else if (strcmp(a, "--threads") == 0)
            num = &o->threads;
        else if (strcmp(a, "--ram") == 0)
            num = &o->ram_mb;
        else if (strcmp(a, "--corpus") == 0)
            str = &o->corpus;
        else if (strcmp(a, "--like") == 0)
            str = &o->like;
        else if (strcmp(a, "--queries") == 0)
            str = &o->queries;
        else if (strcmp(a, "--save-queries") == 0)
            str = &o->save_queries;
        else if (strcmp(a, "--query-dir") == 0)
            str = &o->query_dir;
        else if (strcmp(a, "--json") == 0)
            str = &o->json;
        else if (strcmp(a, "--svg") == 0)
            str = &o->svg;
        else if (strcmp(a, "--md") == 0)
            str = &o->md;
        else if (strcmp(a, "--dir") == 0)
            str = &o->dir;
        else if (strcmp(a, "--format") != 0 && strcmp(a, "--peer") != 0)
            return bad("unknown argument '%s'", a);
        if (v == NULL)
            return bad("'%s' needs a value", a);
        i++;
        if (num != NULL && !cli_parse_u64(v, num))
            return cli_bad_usage("bench", "bad number '%s' for %s", v, a);
        if (str != NULL)
            *str = v;
        if (strcmp(a, "--format") == 0 && bl_format_parse(v, &o->fmt) != 0)
            return bad("unknown format '%s'", v);
        if (strcmp(a, "--peer") == 0) {
            if (strcmp(v, "sqlite") != 0 && strcmp(v, "fts5") != 0)
                return bad("unknown peer '%s' (sqlite is the one)", v);
            o->peer = true;
        }
    }
    if (o->scaling && o->first_file == 0)
        return bad("%s", "--scaling needs the runs' JSON documents");
    if (o->corpus != NULL && o->generate > 0)
        return bad("%s", "give --corpus or --generate, not both");
    if (o->per_kind == 0 || o->reps == 0 || o->k == 0 || o->k > 100 ||
        o->threads == 0 || o->threads > 256)
        return bad("%s", "--per-kind, --reps, --threads must be at least 1, "
                         "--k 1 to 100, --threads at most 256");
    return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void progress(void *ctx, uint64_t articles, uint64_t bytes,
                     uint64_t total)
{
    cli_progress_update(ctx, "articles", articles, bytes, total);
}

/* Generate o->generate articles into path; the generator's speed in *mbs. */
static int generate(const opts *o, const char *path, double *mbs)
{
    char sample[4096], err[512];
    const char *like = o->like;
    bench_docs *docs = NULL;
    bench_model *m = NULL;
    bench_gen *g = NULL;
    const bl_doc *doc;
    FILE *f = NULL;
    uint64_t bytes = 0;
    double t0;
    int rc;

    if (like == NULL) {
        if (bench_locate(SAMPLE_REL, sample, sizeof sample) != BL_OK)
            return cli_fail("bench", "no --like and no %s", SAMPLE_REL);
        like = sample;
    }
    rc = bench_docs_open(like, BL_FORMAT_AUTO, &docs, err, sizeof err);
    if (rc != BL_OK)
        return cli_fail("bench", "%s", err);
    rc = bench_model_new(&m);
    while (rc == BL_OK && (rc = bench_docs_next(docs, &doc)) == BL_OK)
        rc = bench_model_add(m, doc);
    bench_docs_close(docs);
    if (rc == BL_DONE)
        rc = bench_model_freeze(m);
    if (rc == BL_OK)
        rc = bench_gen_new(m, o->seed, &g);
    if (rc == BL_OK && (f = fopen(path, "wb")) == NULL)
        rc = BL_EIO;
    t0 = bench_now();
    if (rc == BL_OK)
        rc = bench_gen_write(g, o->generate, f, &bytes, NULL, NULL);
    if (f != NULL && fclose(f) != 0 && rc == BL_OK)
        rc = BL_EIO;
    *mbs = (double)bytes / 1e6 / (bench_now() - t0);
    bench_gen_free(g);
    bench_model_free(m);
    if (rc != BL_OK)
        return cli_fail("bench", "generating %s from %s: %s", path, like,
                        bl_strerror(rc));
    return 0;
}

/* Read the corpus once (untimed; it also warms the page cache for both
** engines): document frequencies of the first DF_DOCS articles and the
** date range of all. */
static int count_corpus(const char *path, bl_format fmt, bench_dfcount **out,
                        uint64_t *skipped)
{
    bench_docs *docs = NULL;
    bench_dfcount *df = NULL;
    const bl_doc *doc;
    cli_progress prog;
    char err[512];
    uint64_t n = 0;
    int rc;

    *out = NULL;
    rc = bench_docs_open(path, fmt, &docs, err, sizeof err);
    if (rc != BL_OK)
        return cli_fail("bench", "%s", err);
    rc = bench_dfcount_new(&df);
    cli_progress_init(&prog);
    while (rc == BL_OK && (rc = bench_docs_next(docs, &doc)) == BL_OK) {
        if (n++ < DF_DOCS)
            rc = bench_dfcount_add(df, doc);
        else
            bench_dfcount_add_date(df, doc->date);
        if ((n & 255) == 0)
            cli_progress_update(&prog, "articles read", n,
                                bench_docs_bytes_read(docs),
                                bench_docs_bytes_total(docs));
    }
    cli_progress_end(&prog);
    *skipped = bench_docs_skipped(docs);
    bench_docs_close(docs);
    if (rc != BL_DONE) {
        bench_dfcount_free(df);
        return cli_fail("bench", "%s: %s", path, bl_strerror(rc));
    }
    if (n == 0) {
        bench_dfcount_free(df);
        return cli_fail("bench", "%s: no articles", path);
    }
    *out = df;
    return 0;
}

/* Build the query set, with byline's own stopwords. */
static int make_queries(const opts *o, const bench_dfcount *df,
                        bench_queries *qs)
{
    bench_queryset_opts qo;
    bl_analyzer_opts ao;
    bl_analyzer *an = NULL;
    char dir[4096], rob[4096], sbg[4096], err[512];
    int rc;

    bench_queryset_opts_default(&qo);
    qo.seed = o->seed;
    qo.per_kind = (size_t)o->per_kind;
    qo.file = o->queries;
    if (o->queries == NULL) {
        if (o->query_dir != NULL)
            snprintf(dir, sizeof dir, "%s", o->query_dir);
        else if (bench_locate("shared/corpus/queries", dir, sizeof dir) !=
                     BL_OK &&
                 bench_locate("../shared/corpus/queries", dir, sizeof dir) !=
                     BL_OK)
            dir[0] = '\0';
        if (dir[0] != '\0' &&
            snprintf(rob, sizeof rob, "%s/%s", dir, ROBUST04_REL) <
                (int)sizeof rob &&
            access(rob, R_OK) == 0)
            qo.robust04 = rob;
        if (dir[0] != '\0' &&
            snprintf(sbg, sizeof sbg, "%s/%s", dir, SBG_REL) <
                (int)sizeof sbg &&
            access(sbg, R_OK) == 0)
            qo.sbg = sbg;
        if (o->query_dir != NULL && qo.robust04 == NULL && qo.sbg == NULL)
            return cli_fail("bench", "%s holds neither %s nor %s",
                            o->query_dir, ROBUST04_REL, SBG_REL);
    }
    bl_analyzer_opts_default(&ao);
    ao.stem = false;
    rc = bl_analyzer_new(&ao, &an);
    if (rc != BL_OK)
        return cli_fail("bench", "analyzer: %s", bl_strerror(rc));
    qo.is_stop = bench_byline_is_stop;
    qo.stop_ctx = an;
    rc = bench_queries_build(&qo, df, qs, err, sizeof err);
    bl_analyzer_free(an);
    if (rc != BL_OK)
        return cli_fail("bench", "queries: %s", err);
    if (qs->n == 0)
        return cli_fail("bench", "no queries to run");
    return 0;
}

/* The query set as lines --queries reads back. */
static int save_queries(const char *path, const bench_queries *qs)
{
    FILE *f = fopen(path, "w");
    bool ok = f != NULL;

    for (size_t i = 0; ok && i < qs->n; i++)
        ok = fprintf(f, "%s\t%s\n", bench_kind_name(qs->q[i].kind),
                     qs->q[i].text) > 0;
    if (f != NULL && fclose(f) != 0)
        ok = false;
    return ok ? 0 : cli_fail("bench", "%s: cannot write the queries", path);
}

static int run_bench(const opts *o, const char *work)
{
    char corpus_buf[4096], path[4096], db[4096], err[1024] = "";
    const char *corpus = o->corpus;
    bench_result r;
    bench_dfcount *df = NULL;
    bench_queries qs = {0};
    bench_topk *tops[BENCH_N_ENGINES] = {NULL, NULL};
    bench_index_opts io;
    bench_query_opts qo;
    cli_progress prog;
    int rc;

    memset(&r, 0, sizeof r);
    r.eng[BENCH_BYLINE].name = "byline";
    r.eng[BENCH_FTS5].name = "fts5";
    if (o->generate > 0) {
        if (snprintf(corpus_buf, sizeof corpus_buf, "%s/corpus.jsonl",
                     work) >= (int)sizeof corpus_buf)
            return cli_fail("bench", "%s: path too long", work);
        rc = generate(o, corpus_buf, &r.gen_mb_per_s);
        if (rc != 0)
            return rc;
        corpus = corpus_buf;
        r.generated = o->generate;
    } else if (corpus == NULL) {
        if (bench_locate(SAMPLE_REL, corpus_buf, sizeof corpus_buf) != BL_OK)
            return cli_fail("bench", "no --corpus and no %s", SAMPLE_REL);
        corpus = corpus_buf;
    }
    r.corpus = corpus;
    r.seed = o->seed;
    r.threads = (unsigned)o->threads;
    r.k = (size_t)o->k;
    r.reps = (unsigned)o->reps;
    r.optimize = !o->no_optimize;
    rc = count_corpus(corpus, o->fmt, &df, &r.skipped);
    if (rc == 0)
        rc = make_queries(o, df, &qs);
    bench_dfcount_free(df);
    if (rc == 0 && o->save_queries != NULL)
        rc = save_queries(o->save_queries, &qs);
    if (rc != 0) {
        bench_queries_free(&qs);
        return rc;
    }
    for (size_t i = 0; i < qs.n; i++)
        r.n_queries[qs.q[i].kind]++;

    memset(&io, 0, sizeof io);
    io.corpus = corpus;
    io.fmt = o->fmt;
    io.threads = (unsigned)o->threads;
    io.ram_bytes = (size_t)o->ram_mb << 20;
    io.optimize = !o->no_optimize;
    io.progress = progress;
    io.progress_ctx = &prog;
    if (snprintf(path, sizeof path, "%s/byline", work) >= (int)sizeof path ||
        snprintf(db, sizeof db, "%s/fts5.db", work) >= (int)sizeof db) {
        bench_queries_free(&qs);
        return cli_fail("bench", "%s: path too long", work);
    }
    cli_progress_init(&prog);
    rc = bench_index_byline(&io, path, &r.eng[BENCH_BYLINE], &r.articles,
                            &r.text_bytes, err, sizeof err);
    cli_progress_end(&prog);
    if (rc == BL_OK && o->peer) {
        cli_progress_init(&prog);
        rc = bench_index_fts5(&io, db, &r.eng[BENCH_FTS5], err, sizeof err);
        cli_progress_end(&prog);
    }
    memset(&qo, 0, sizeof qo);
    qo.k = (size_t)o->k;
    qo.reps = (unsigned)o->reps;
    qo.threads = (unsigned)o->threads;
    for (int e = 0; rc == BL_OK && e < BENCH_N_ENGINES; e++) {
        if (e == BENCH_FTS5 && !o->peer)
            break;
        if (prog.enabled)
            fprintf(stderr, "byline bench: replaying %zu queries on %s\n",
                    qs.n, r.eng[e].name);
        tops[e] = calloc(qs.n, sizeof *tops[e]);
        if (tops[e] == NULL)
            rc = BL_ENOMEM;
        else if (e == BENCH_BYLINE)
            rc = bench_query_byline(path, &qs, &qo, &r.eng[e], tops[e], err,
                                    sizeof err);
        else
            rc = bench_query_fts5(db, &qs, &qo, &r.eng[e], tops[e], err,
                                  sizeof err);
    }
    if (rc == BL_OK && o->peer)
        bench_overlap(&qs, tops[BENCH_BYLINE], tops[BENCH_FTS5], &r);
    for (int e = 0; e < BENCH_N_ENGINES; e++)
        bench_topk_free(tops[e], qs.n);
    bench_queries_free(&qs);
    if (rc != BL_OK)
        return cli_fail("bench", "%s", err[0] ? err : bl_strerror(rc));
    bench_report_table(&r, stdout);
    if (o->json != NULL && bench_report_json(&r, o->json) != BL_OK)
        return cli_fail("bench", "cannot write %s", o->json);
    if (o->svg != NULL && bench_report_svg(&r, o->svg) != BL_OK)
        return cli_fail("bench", "cannot write %s", o->svg);
    return 0;
}

static int run(int argc, char **argv)
{
    opts o;
    char tmp[4096];
    const char *work;
    int rc = parse(argc, argv, &o);

    if (rc != 0)
        return rc;
    if (o.scaling) {
        char err[512];

        rc = bench_report_scaling((const char *const *)argv + o.first_file,
                                  (size_t)(argc - o.first_file), o.md, o.svg,
                                  err, sizeof err);
        return rc == BL_OK ? 0 : cli_fail("bench", "%s", err);
    }
    if (o.dir != NULL) {
        work = o.dir;
        if (access(work, F_OK) != 0 && mkdir(work, 0777) != 0)
            return cli_fail("bench", "cannot create %s", work);
    } else {
        const char *base = getenv("TMPDIR");

        snprintf(tmp, sizeof tmp, "%s/byline-bench-XXXXXX",
                 base && *base ? base : "/tmp");
        if (mkdtemp(tmp) == NULL)
            return cli_fail("bench", "cannot create a folder in %s",
                            base && *base ? base : "/tmp");
        work = tmp;
    }
    rc = run_bench(&o, work);
    if (o.dir == NULL)
        nftw(work, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}

const cli_command cli_cmd_bench = {
    "bench", run,
    "benchmark indexing and queries, side by side with SQLite FTS5", usage};
