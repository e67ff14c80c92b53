/* test_bench.c - the benchmark suite: the SQLite FTS5 peer returns the
** right articles on a tiny hand-made corpus, query sets are built and
** translated as documented and fixed by the seed, the reports hold every
** figure, and `byline bench` runs end to end on the sample corpus.
*/
#include "fixture.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/fts5.h"
#include "bench/querysets.h"
#include "bench/report.h"
#include "byline.h"

#define DAY 86400

typedef struct tiny {
    const char *id, *title, *body;
    int64_t date;
} tiny;

/* Dates: day 0 is 2024-01-01 (1704067200). */
static const tiny docs[] = {
    {"a", "Storm hits the coast", "Heavy rain and wind along the coast.",
     1704067200 + 0 * DAY},
    {"b", "Markets rally", "Stocks rose after the storm passed the city.",
     1704067200 + 10 * DAY},
    {"c", "Election results", "The coast region voted for change.",
     1704067200 + 20 * DAY},
    {"d", "Storms and storming", "A storm season of many storms.",
     1704067200 + 30 * DAY},
    {"e", "Computers", "Computing power and computation grow.",
     1704067200 + 40 * DAY},
    {"f", "Quiet day", "Nothing happened at all today.", BL_NO_DATE},
};

#define N_DOCS (sizeof docs / sizeof docs[0])

static char *make_db(void)
{
    char *dir = fx_tmpdir(), path[4096], err[256];
    bench_fts5 *db;

    snprintf(path, sizeof path, "%s/fts.db", dir);
    assert_int_equal(bench_fts5_create(path, &db, err, sizeof err), BL_OK);
    for (size_t i = 0; i < N_DOCS; i++) {
        bl_doc d = {0};

        d.id = docs[i].id;
        d.title = docs[i].title;
        d.body = docs[i].body;
        d.date = docs[i].date;
        d.source = "test";
        d.url = d.lang = "";
        assert_int_equal(bench_fts5_add(db, &d), BL_OK);
    }
    assert_int_equal(bench_fts5_finish(db, true, NULL), BL_OK);
    bench_fts5_close(db);
    return dir;
}

/* The ids of a search, sorted, joined by spaces. */
static void search_ids(bench_fts5_conn *c, const char *match, int64_t from,
                       int64_t to, char *out, size_t cap, bool sort)
{
    const char *ids[16];
    size_t n;

    assert_int_equal(bench_fts5_search(c, match, from, to, 10, &n), BL_OK);
    for (size_t i = 0; i < n && i < 16; i++)
        ids[i] = bench_fts5_hit(c, i);
    for (size_t i = 0; sort && i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(ids[j], ids[i]) < 0) {
                const char *t = ids[i];

                ids[i] = ids[j];
                ids[j] = t;
            }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? " " : "",
                 ids[i]);
}

/* Every query kind finds exactly the hand-checked articles. */
static void fts5_finds_the_right_articles(void **state)
{
    char *dir = make_db(), path[4096], got[256];
    bench_fts5_conn *c;
    (void)state;

    snprintf(path, sizeof path, "%s/fts.db", dir);
    assert_int_equal(bench_fts5_conn_open(path, &c), BL_OK);
    /* porter: storm, storms, storming are one term */
    search_ids(c, "\"storm\"", BL_NO_DATE, BL_NO_DATE, got, sizeof got,
               true);
    assert_string_equal(got, "a b d");
    search_ids(c, "\"storm\" AND \"coast\"", BL_NO_DATE, BL_NO_DATE, got,
               sizeof got, true);
    assert_string_equal(got, "a");
    search_ids(c, "\"coast\" OR \"markets\"", BL_NO_DATE, BL_NO_DATE, got,
               sizeof got, true);
    assert_string_equal(got, "a b c");
    search_ids(c, "\"storm passed\"", BL_NO_DATE, BL_NO_DATE, got,
               sizeof got, true);
    assert_string_equal(got, "b");
    search_ids(c, "\"comput\" *", BL_NO_DATE, BL_NO_DATE, got, sizeof got,
               true);
    assert_string_equal(got, "e");
    /* a date range: days 5 to 35 */
    search_ids(c, "\"storm\"", 1704067200 + 5 * DAY, 1704067200 + 35 * DAY,
               got, sizeof got, true);
    assert_string_equal(got, "b d");
    /* an open-ended range leaves out the undated article */
    search_ids(c, "\"happened\"", 1704067200, BL_NO_DATE, got, sizeof got,
               true);
    assert_string_equal(got, "");
    search_ids(c, "\"happened\"", BL_NO_DATE, BL_NO_DATE, got, sizeof got,
               true);
    assert_string_equal(got, "f");
    /* ranked: d has storm twice in its body and in its title */
    search_ids(c, "\"storm\"", BL_NO_DATE, BL_NO_DATE, got, sizeof got,
               false);
    assert_int_equal(got[0], 'd');
    bench_fts5_conn_close(c);
    fx_rmtree(dir);
}

/* FTS5 syntax errors are BL_EQUERY with a message; k is honoured. */
static void fts5_rejects_bad_queries(void **state)
{
    char *dir = make_db(), path[4096];
    bench_fts5_conn *c;
    size_t n;
    (void)state;

    snprintf(path, sizeof path, "%s/fts.db", dir);
    assert_int_equal(bench_fts5_conn_open(path, &c), BL_OK);
    assert_int_equal(bench_fts5_search(c, "\"storm\" AND", BL_NO_DATE,
                                       BL_NO_DATE, 10, &n),
                     BL_EQUERY);
    assert_true(strlen(bench_fts5_conn_error(c)) > 0);
    assert_int_equal(n, 0);
    assert_int_equal(bench_fts5_search(c, "\"the\"", BL_NO_DATE, BL_NO_DATE,
                                       2, &n),
                     BL_OK);
    assert_int_equal(n, 2);
    bench_fts5_conn_close(c);
    assert_int_not_equal(bench_fts5_conn_open("/nonexistent/x.db", &c),
                         BL_OK);
    fx_rmtree(dir);
}

static bool tiny_stop(void *ctx, const char *w)
{
    (void)ctx;
    return strcmp(w, "the") == 0 || strcmp(w, "of") == 0 ||
           strcmp(w, "and") == 0;
}

static const bench_query *find_query(const bench_queries *qs,
                                     const char *text)
{
    for (size_t i = 0; i < qs->n; i++)
        if (strcmp(qs->q[i].text, text) == 0)
            return &qs->q[i];
    return NULL;
}

static bench_dfcount *tiny_df(void)
{
    bench_dfcount *df;

    assert_int_equal(bench_dfcount_new(&df), BL_OK);
    for (int rep = 0; rep < 3; rep++)
        for (size_t i = 0; i < N_DOCS; i++) {
            bl_doc d = {0};

            d.id = docs[i].id;
            d.title = docs[i].title;
            d.body = docs[i].body;
            d.date = docs[i].date;
            d.source = d.url = d.lang = "";
            assert_int_equal(bench_dfcount_add(df, &d), BL_OK);
        }
    return df;
}

/* Query logs are classified and written in both syntaxes. */
static void queries_are_classified_and_translated(void **state)
{
    char *dir = fx_tmpdir(), rob[4096], sbg[4096], err[256];
    bench_queryset_opts o;
    bench_queries qs;
    bench_dfcount *df = tiny_df();
    const bench_query *q;
    (void)state;

    snprintf(rob, sizeof rob, "%s/robust04.tsv", dir);
    snprintf(sbg, sizeof sbg, "%s/queries.txt", dir);
    {
        const char r[] = "301\tInternational Organized Crime\n"
                         "302\tThe Polio\n"
                         "303\tof the\n";
        const char s[] =
            "{\"query\": \"+griffith +observatory\", \"tags\": "
            "[\"intersection\", \"global\"]}\n"
            "{\"query\": \"\\\"the english restoration\\\"\", \"tags\": "
            "[\"phrase\"]}\n"
            "{\"query\": \"vicenza italy\", \"tags\": [\"union\"]}\n"
            "{\"query\": \"-a +b\", \"tags\": [\"negated\"]}\n";

        fx_write(rob, r, sizeof r - 1);
        fx_write(sbg, s, sizeof s - 1);
    }
    bench_queryset_opts_default(&o);
    o.robust04 = rob;
    o.sbg = sbg;
    o.is_stop = tiny_stop;
    assert_int_equal(bench_queries_build(&o, df, &qs, err, sizeof err),
                     BL_OK);
    q = find_query(&qs, "international organized crime");
    assert_non_null(q);
    assert_int_equal(q->kind, BENCH_OR);
    assert_string_equal(q->fts5,
                        "\"international\" OR \"organized\" OR \"crime\"");
    q = find_query(&qs, "polio");          /* "the" dropped: a term */
    assert_non_null(q);
    assert_int_equal(q->kind, BENCH_TERM);
    assert_string_equal(q->fts5, "\"polio\"");
    assert_null(find_query(&qs, "of the"));     /* only stopwords */
    q = find_query(&qs, "+griffith +observatory");
    assert_non_null(q);
    assert_int_equal(q->kind, BENCH_AND);
    assert_string_equal(q->fts5, "\"griffith\" AND \"observatory\"");
    q = find_query(&qs, "\"the english restoration\"");   /* kept whole */
    assert_non_null(q);
    assert_int_equal(q->kind, BENCH_PHRASE);
    assert_string_equal(q->fts5, "\"the english restoration\"");
    assert_null(find_query(&qs, "-a +b"));
    assert_null(find_query(&qs, "a b"));
    /* kinds come grouped, in order; filtered ones carry a date window in
    ** the corpus's range; prefixes end in '*' and ' *' */
    for (size_t i = 0; i < qs.n; i++) {
        q = &qs.q[i];
        if (i > 0)
            assert_true(q->kind >= qs.q[i - 1].kind);
        if (q->kind == BENCH_FILTERED) {
            assert_true(q->from >= 1704067200);
            assert_true(q->to <= 1704067200 + 40 * DAY);
            assert_true(q->to - q->from == 40 * DAY / 4);
        } else {
            assert_true(q->from == BL_NO_DATE && q->to == BL_NO_DATE);
        }
        if (q->kind == BENCH_PREFIX) {
            assert_int_equal(q->text[strlen(q->text) - 1], '*');
            assert_string_equal(q->fts5 + strlen(q->fts5) - 2, " *");
        }
        assert_false(tiny_stop(NULL, q->text));
    }
    bench_queries_free(&qs);
    bench_dfcount_free(df);
    fx_rmtree(dir);
}

/* Without query logs every kind is sampled from the corpus; a seed fixes
** the set, per_kind caps it. */
static void sampled_queries_follow_the_seed(void **state)
{
    bench_queryset_opts o;
    bench_queries a, b;
    bench_dfcount *df = tiny_df();
    char err[256];
    size_t per[BENCH_N_KINDS] = {0};
    (void)state;

    bench_queryset_opts_default(&o);
    o.per_kind = 4;
    o.seed = 5;
    o.is_stop = tiny_stop;
    assert_int_equal(bench_queries_build(&o, df, &a, err, sizeof err),
                     BL_OK);
    assert_int_equal(bench_queries_build(&o, df, &b, err, sizeof err),
                     BL_OK);
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++) {
        assert_string_equal(a.q[i].text, b.q[i].text);
        assert_string_equal(a.q[i].fts5, b.q[i].fts5);
        per[a.q[i].kind]++;
    }
    for (int k = 0; k < BENCH_N_KINDS; k++)
        assert_true(per[k] <= 4);
    assert_true(per[BENCH_TERM] > 0);
    assert_true(per[BENCH_OR] > 0);
    assert_true(per[BENCH_FILTERED] > 0);
    bench_queries_free(&b);
    /* sampled words are words of the corpus, in the document counts */
    for (size_t i = 0; i < a.n; i++)
        if (a.q[i].kind == BENCH_TERM)
            assert_true(strstr("storm coast rain wind heavy along markets "
                               "rally stocks rose after passed city "
                               "election results region voted change "
                               "storms storming season many computers "
                               "computing power computation grow quiet day "
                               "nothing happened all today hits",
                               a.q[i].text) != NULL);
    bench_queries_free(&a);
    bench_dfcount_free(df);
}

/* A user's query file: kinds given or inferred; unknown kinds rejected. */
static void user_query_file(void **state)
{
    char *dir = fx_tmpdir(), path[4096], err[256];
    const char text[] = "phrase\tstorm passed\n"
                        "\"heavy rain\"\n"
                        "+storm +coast\n"
                        "comput*\n"
                        "storm coast\n";
    bench_queryset_opts o;
    bench_queries qs;
    (void)state;

    snprintf(path, sizeof path, "%s/q.txt", dir);
    fx_write(path, text, sizeof text - 1);
    bench_queryset_opts_default(&o);
    o.file = path;
    assert_int_equal(bench_queries_build(&o, NULL, &qs, err, sizeof err),
                     BL_OK);
    assert_int_equal(qs.n, 5);
    assert_int_equal(find_query(&qs, "\"storm passed\"")->kind,
                     BENCH_PHRASE);
    assert_int_equal(find_query(&qs, "\"heavy rain\"")->kind, BENCH_PHRASE);
    assert_int_equal(find_query(&qs, "+storm +coast")->kind, BENCH_AND);
    assert_string_equal(find_query(&qs, "comput*")->fts5, "\"comput\" *");
    assert_int_equal(find_query(&qs, "storm coast")->kind, BENCH_OR);
    bench_queries_free(&qs);
    fx_write(path, "fuzzy\tstorm\n", 12);
    assert_int_equal(bench_queries_build(&o, NULL, &qs, err, sizeof err),
                     BL_EINVAL);
    assert_non_null(strstr(err, "fuzzy"));
    fx_rmtree(dir);
}

static void fill_result(bench_result *r, double scale)
{
    memset(r, 0, sizeof *r);
    r->corpus = "test.jsonl";
    r->articles = (uint64_t)(1000 * scale);
    r->text_bytes = (uint64_t)(2000000 * scale);
    r->threads = 2;
    r->k = 10;
    r->reps = 3;
    r->optimize = true;
    for (int e = 0; e < BENCH_N_ENGINES; e++) {
        bench_engine *en = &r->eng[e];

        en->name = e ? "fts5" : "byline";
        en->ran = true;
        en->index_secs = (e + 1) * scale;
        en->mb_per_s = 2.0 / en->index_secs;
        en->peak_rss = (uint64_t)(5e7 * scale);
        en->index_bytes = (uint64_t)((e + 1) * 1e6 * scale);
        for (int k = 0; k < BENCH_N_KINDS; k++) {
            en->kinds[k].n = 30;
            en->kinds[k].median_ms = 0.01 * (k + 1) * (e * 9 + 1) * scale;
            en->kinds[k].p99_ms = en->kinds[k].median_ms * 4;
        }
    }
    r->eng[0].have_sections = true;
    r->eng[0].sections.postings = 1000;
    r->eng[0].postings = 800;
    r->eng[0].bits_per_posting = 10;
    r->have_overlap = true;
}

/* The JSON document holds every figure; the SVG is a complete document. */
static void reports_hold_every_figure(void **state)
{
    char *dir = fx_tmpdir(), js[4096], svg[4096], js2[4096], md[4096],
         svg2[4096], err[256];
    const char *paths[2];
    bench_result r;
    json_t *doc;
    json_error_t je;
    char *text;
    (void)state;

    snprintf(js, sizeof js, "%s/r.json", dir);
    snprintf(js2, sizeof js2, "%s/r2.json", dir);
    snprintf(svg, sizeof svg, "%s/r.svg", dir);
    snprintf(md, sizeof md, "%s/s.md", dir);
    snprintf(svg2, sizeof svg2, "%s/s.svg", dir);
    fill_result(&r, 1);
    assert_int_equal(bench_report_json(&r, js), BL_OK);
    doc = json_load_file(js, 0, &je);
    assert_non_null(doc);
    {
        const char *keys[] = {
            "engines.byline.indexing.seconds",
            "engines.byline.indexing.articles_per_s",
            "engines.byline.indexing.mb_per_s",
            "engines.byline.indexing.peak_rss_bytes",
            "engines.byline.index.bytes",
            "engines.byline.index.ratio_to_raw",
            "engines.byline.index.bits_per_posting",
            "engines.byline.index.sections.postings",
            "engines.byline.queries.phrase.p99_ms",
            "engines.byline.queries.filtered.qps_n",
            "engines.fts5.queries.or.median_ms",
            "engines.fts5.index.bytes",
            "comparison.median_ms_ratio.or",
            "comparison.top_k_overlap.and",
            "comparison.index_bytes_ratio",
            "corpus.articles", "config.threads", "queries.prefix"};

        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            char buf[128], *tok, *save = NULL;
            json_t *o = doc;

            snprintf(buf, sizeof buf, "%s", keys[i]);
            for (tok = strtok_r(buf, ".", &save); tok && o;
                 tok = strtok_r(NULL, ".", &save))
                o = json_object_get(o, tok);
            if (!json_is_number(o))
                fail_msg("missing %s", keys[i]);
        }
        assert_true(json_number_value(json_object_get(
                        json_object_get(json_object_get(doc, "comparison"),
                                        "median_ms_ratio"),
                        "or")) < 0.2);
        assert_true(json_is_true(json_object_get(
            json_object_get(doc, "config"), "optimize")));
    }
    json_decref(doc);
    assert_int_equal(bench_report_svg(&r, svg), BL_OK);
    text = fx_slurp(svg, NULL);
    assert_non_null(strstr(text, "<svg"));
    assert_non_null(strstr(text, "</svg>"));
    assert_non_null(strstr(text, "fts5"));
    assert_null(strstr(text, "nan"));
    free(text);
    /* the scaling study from two runs */
    fill_result(&r, 10);
    assert_int_equal(bench_report_json(&r, js2), BL_OK);
    paths[0] = js2;
    paths[1] = js;
    assert_int_equal(bench_report_scaling(paths, 2, md, svg2, err,
                                          sizeof err), BL_OK);
    text = fx_slurp(md, NULL);
    assert_non_null(strstr(text, "| 1000 |"));
    assert_true(strstr(text, "| 1000 |") < strstr(text, "| 10000 |"));
    free(text);
    text = fx_slurp(svg2, NULL);
    assert_non_null(strstr(text, "</svg>"));
    assert_non_null(strstr(text, "polyline"));
    free(text);
    paths[0] = md;     /* not JSON */
    assert_int_not_equal(bench_report_scaling(paths, 1, NULL, NULL, err,
                                              sizeof err), BL_OK);
    assert_true(strlen(err) > 0);
    fx_rmtree(dir);
}


/* ---- `byline bench` end to end ---------------------------------------- */

static json_t *get_path(json_t *o, const char *path)
{
    char buf[256], *tok, *save = NULL;

    snprintf(buf, sizeof buf, "%s", path);
    for (tok = strtok_r(buf, ".", &save); tok != NULL && o != NULL;
         tok = strtok_r(NULL, ".", &save))
        o = json_object_get(o, tok);
    return o;
}

static double num_at(json_t *doc, const char *fmt, const char *a,
                     const char *b)
{
    char path[256];
    json_t *v;

    snprintf(path, sizeof path, fmt, a, b);
    v = get_path(doc, path);
    if (!json_is_number(v))
        fail_msg("%s is missing from the JSON document", path);
    return json_number_value(v);
}

/* Every figure of one engine is there and makes sense. */
static void check_engine(json_t *doc, const char *eng, bool sections)
{
    static const char *const kinds[] = {"term", "or", "and", "phrase",
                                        "prefix", "filtered", "all"};

    assert_true(num_at(doc, "engines.%s.indexing.seconds%s", eng, "") > 0);
    assert_true(num_at(doc, "engines.%s.indexing.articles_per_s%s", eng,
                       "") > 0);
    assert_true(num_at(doc, "engines.%s.indexing.mb_per_s%s", eng, "") > 0);
    assert_true(num_at(doc, "engines.%s.indexing.peak_rss_bytes%s", eng,
                       "") > 1e6);
    assert_true(num_at(doc, "engines.%s.index.bytes%s", eng, "") > 1000);
    assert_true(num_at(doc, "engines.%s.index.ratio_to_raw%s", eng, "") > 0);
    if (sections) {
        static const char *const sec[] = {"terms", "postings", "positions",
                                          "lengths", "columns", "store"};

        for (size_t i = 0; i < 6; i++)
            assert_true(num_at(doc, "engines.%s.index.sections.%s", eng,
                               sec[i]) > 0);
        assert_true(num_at(doc, "engines.%s.index.bits_per_posting%s", eng,
                           "") > 0);
        assert_true(num_at(doc, "engines.%s.index.postings%s", eng, "") > 0);
    }
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        double n = num_at(doc, "engines.%s.queries.%s.n", eng, kinds[k]);
        double med = num_at(doc, "engines.%s.queries.%s.median_ms", eng,
                            kinds[k]);
        double p90 = num_at(doc, "engines.%s.queries.%s.p90_ms", eng,
                            kinds[k]);
        double p99 = num_at(doc, "engines.%s.queries.%s.p99_ms", eng,
                            kinds[k]);

        assert_true(n > 0);
        assert_true(med > 0 && med <= p90 && p90 <= p99);
        assert_true(num_at(doc, "engines.%s.queries.%s.qps_1", eng,
                           kinds[k]) > 0);
        assert_true(num_at(doc, "engines.%s.queries.%s.qps_n", eng,
                           kinds[k]) > 0);
    }
}

static size_t count_lines(const char *path)
{
    size_t len, n = 0;
    char *text = fx_slurp(path, &len);

    assert_non_null(text);
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    free(text);
    return n;
}

/* The bench indexes the sample with both engines, replays every kind of
** query and reports every figure; the engines mostly agree. */
static void bench_runs_on_the_sample(void **state)
{
    char sample[4096], *dir, js[4096], svg[4096], qdir[4096] = "";
    char *out = NULL, *text;
    json_t *doc;
    json_error_t je;
    const char *shared = fx_corpus("queries");
    (void)state;

    snprintf(sample, sizeof sample, "%s",
             fx_source("corpus/sample/articles.jsonl"));
    if (access(sample, R_OK) != 0)
        FX_SKIP("corpus/sample/articles.jsonl is not in the tree");
    if (shared != NULL)
        snprintf(qdir, sizeof qdir, "--query-dir %s", shared);
    dir = fx_tmpdir();
    snprintf(js, sizeof js, "%s/r.json", dir);
    snprintf(svg, sizeof svg, "%s/r.svg", dir);
    assert_int_equal(fx_run(&out, "%s bench --corpus %s --peer sqlite "
                                  "--per-kind 12 --reps 2 --threads 2 "
                                  "--seed 3 %s --json %s --svg %s",
                            fx_byline(), sample, qdir, js, svg), 0);
    assert_non_null(strstr(out, "fts5"));
    assert_non_null(strstr(out, "filtered"));
    free(out);
    doc = json_load_file(js, 0, &je);
    if (doc == NULL)
        fail_msg("%s: %s", js, je.text);
    assert_true(num_at(doc, "corpus.articles%s%s", "", "") ==
                (double)count_lines(sample));
    assert_true(num_at(doc, "corpus.text_bytes%s%s", "", "") > 100000);
    check_engine(doc, "byline", true);
    check_engine(doc, "fts5", false);
    /* Both indexes merged at the end: byline's into one segment. */
    assert_true(json_is_true(json_object_get(json_object_get(doc, "config"),
                                             "optimize")));
    assert_true(num_at(doc, "engines.byline.index.segments%s%s", "", "") ==
                1);
    assert_true(num_at(doc, "comparison.index_bytes_ratio%s%s", "", "") > 0);
    assert_true(num_at(doc, "comparison.mb_per_s_ratio%s%s", "", "") > 0);
    assert_true(num_at(doc, "comparison.median_ms_ratio.or%s%s", "", "") >
                0);
    {
        double term = num_at(doc, "comparison.top_k_overlap.term%s%s", "",
                             "");
        double all = num_at(doc, "comparison.top_k_overlap.all%s%s", "", "");

        /* one-word queries on one corpus: mostly the same articles */
        assert_true(term > 0.5 && term <= 1.0);
        assert_true(all > 0.2 && all <= 1.0);
    }
    json_decref(doc);
    text = fx_slurp(svg, NULL);
    assert_non_null(text);
    assert_non_null(strstr(text, "</svg>"));
    assert_non_null(strstr(text, "byline"));
    free(text);
    /* --no-optimize: said so in the JSON, and nothing merged. */
    assert_int_equal(fx_run(NULL, "%s bench --corpus %s --no-optimize "
                                  "--per-kind 3 --reps 1 --json %s "
                                  ">/dev/null",
                            fx_byline(), sample, js), 0);
    doc = json_load_file(js, 0, &je);
    assert_non_null(doc);
    assert_true(json_is_false(json_object_get(json_object_get(doc, "config"),
                                              "optimize")));
    assert_true(num_at(doc, "engines.byline.indexing.optimize_seconds%s%s",
                       "", "") == 0);
    json_decref(doc);
    fx_rmtree(dir);
}

/* --generate N indexes N generated articles; the figures say so. The
** query set saved with --save-queries replays through --queries as the
** same number of queries of each kind. */
static void bench_generates_an_archive(void **state)
{
    static const char *const kinds[] = {"term", "or", "and", "phrase",
                                        "prefix", "filtered"};
    char *dir, js[4096], js2[4096], like[4096], qf[4096];
    json_t *doc, *doc2;
    (void)state;

    snprintf(like, sizeof like, "%s",
             fx_source("corpus/sample/articles.jsonl"));
    if (access(like, R_OK) != 0)
        FX_SKIP("corpus/sample/articles.jsonl is not in the tree");
    dir = fx_tmpdir();
    snprintf(js, sizeof js, "%s/g.json", dir);
    snprintf(js2, sizeof js2, "%s/g2.json", dir);
    snprintf(qf, sizeof qf, "%s/q.tsv", dir);
    assert_int_equal(fx_run(NULL, "%s bench --generate 400 --like %s "
                                  "--per-kind 5 --reps 1 --threads 1 "
                                  "--save-queries %s --json %s > /dev/null",
                            fx_byline(), like, qf, js), 0);
    assert_int_equal(fx_run(NULL, "%s bench --generate 400 --like %s "
                                  "--per-kind 5 --reps 1 --threads 1 "
                                  "--queries %s --json %s > /dev/null",
                            fx_byline(), like, qf, js2), 0);
    doc2 = json_load_file(js2, 0, NULL);
    assert_non_null(doc2);
    doc = json_load_file(js, 0, NULL);
    assert_non_null(doc);
    assert_true(num_at(doc, "corpus.generated%s%s", "", "") == 400);
    assert_true(num_at(doc, "corpus.articles%s%s", "", "") == 400);
    assert_true(num_at(doc, "corpus.generator_mb_per_s%s%s", "", "") > 0);
    check_engine(doc, "byline", true);
    assert_null(get_path(doc, "engines.fts5"));
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        double n = num_at(doc, "queries.%s%s", kinds[k], "");

        print_message("%s: %.0f queries, %.0f replayed\n", kinds[k], n,
                      num_at(doc2, "queries.%s%s", kinds[k], ""));
        assert_true(n == num_at(doc2, "queries.%s%s", kinds[k], ""));
    }
    json_decref(doc2);
    json_decref(doc);
    fx_rmtree(dir);
}

/* Bad usage is exit code 2; a corpus that is not there exit code 1. */
static void bench_bad_usage(void **state)
{
    (void)state;
    assert_int_equal(fx_run(NULL, "%s bench --corpus x --generate 5 "
                                  "2>/dev/null", fx_byline()), 2);
    assert_int_equal(fx_run(NULL, "%s bench --peer lucene 2>/dev/null",
                            fx_byline()), 2);
    assert_int_equal(fx_run(NULL, "%s bench --k 0 2>/dev/null", fx_byline()),
                     2);
    assert_int_equal(fx_run(NULL, "%s bench --scaling 2>/dev/null",
                            fx_byline()), 2);
    assert_int_equal(fx_run(NULL, "%s bench --corpus /nonexistent/c.jsonl "
                                  "2>/dev/null", fx_byline()), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fts5_finds_the_right_articles),
        cmocka_unit_test(fts5_rejects_bad_queries),
        cmocka_unit_test(queries_are_classified_and_translated),
        cmocka_unit_test(sampled_queries_follow_the_seed),
        cmocka_unit_test(user_query_file),
        cmocka_unit_test(reports_hold_every_figure),
        cmocka_unit_test(bench_runs_on_the_sample),
        cmocka_unit_test(bench_generates_an_archive),
        cmocka_unit_test(bench_bad_usage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
