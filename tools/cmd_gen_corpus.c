/* cmd_gen_corpus.c - `byline gen-corpus`: learn a model of a real corpus
** (bench/gencorpus.h) and write generated articles as JSON Lines, so that
** an archive can be grown to millions of articles on one machine. The
** output depends only on the source corpus, --like-limit and the seed.
*/
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/docsrc.h"
#include "bench/gencorpus.h"
#include "byline.h"

#define SAMPLE_REL "corpus/sample/articles.jsonl"

static const char usage[] =
    "usage: byline gen-corpus --articles N [--seed S] [--like CORPUS]\n"
    "                         [--format FMT] [--like-limit N] [-o FILE] [-v]\n"
    "\n"
    "Write N generated news articles as JSON Lines ({\"id\", \"title\",\n"
    "\"body\", \"date\", \"source\"}), to stdout or FILE. Their vocabulary,\n"
    "word frequencies (Zipfian), word pairs, article lengths, sources and\n"
    "dates follow a real corpus; past the real corpus's size new words keep\n"
    "appearing as Heaps' law predicts. The same corpus and seed always give\n"
    "the same bytes.\n"
    "\n"
    "  --articles N     articles to write (required)\n"
    "  --seed S         random seed (default 1)\n"
    "  --like CORPUS    the corpus to imitate: any file or folder the\n"
    "                   indexer reads. Default: corpus/sample/articles.jsonl\n"
    "                   in the current folder, else in the source tree the\n"
    "                   binary was built in (BINARY/../ or BINARY/../../)\n"
    "  --format FMT     the corpus format: jsonl, trec, reuters, time, auto\n"
    "                   (default auto)\n"
    "  --like-limit N   learn from at most N articles (default 200000)\n"
    "  -o FILE          write to FILE instead of stdout\n"
    "  -v, --verbose    print what was learnt and the speed on stderr\n"
    "\n"
    "example: byline gen-corpus --articles 100000 --seed 7 \\\n"
    "             --like ../shared/corpus/reuters21578 -o big.jsonl\n";

typedef struct opts {
    uint64_t articles, seed, like_limit;
    const char *like, *out;
    bl_format fmt;
    bool have_articles, verbose;
} opts;

static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->like_limit = 200000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            o->verbose = true;
            continue;
        }
        if (v == NULL)
            return cli_bad_usage("gen-corpus", "'%s' needs a value (or is "
                                               "unknown)", a);
        i++;
        if (strcmp(a, "--articles") == 0) {
            if (!cli_parse_u64(v, &o->articles))
                return cli_bad_usage("gen-corpus", "bad --articles '%s'", v);
            o->have_articles = true;
        } else if (strcmp(a, "--seed") == 0) {
            if (!cli_parse_u64(v, &o->seed))
                return cli_bad_usage("gen-corpus", "bad --seed '%s'", v);
        } else if (strcmp(a, "--like-limit") == 0) {
            if (!cli_parse_u64(v, &o->like_limit) || o->like_limit == 0)
                return cli_bad_usage("gen-corpus", "bad --like-limit '%s'",
                                     v);
        } else if (strcmp(a, "--like") == 0) {
            o->like = v;
        } else if (strcmp(a, "--format") == 0) {
            if (bl_format_parse(v, &o->fmt) != BL_OK)
                return cli_bad_usage("gen-corpus", "unknown format '%s'", v);
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            o->out = v;
        } else {
            return cli_bad_usage("gen-corpus", "unknown flag '%s'", a);
        }
    }
    if (!o->have_articles)
        return cli_bad_usage("gen-corpus", "--articles N is required");
    return 0;
}

/* Learn the model from the corpus at path. */
static int learn(const char *path, const opts *o, bench_model **out)
{
    bench_docs *docs = NULL;
    bench_model *m = NULL;
    const bl_doc *doc;
    cli_progress prog;
    char err[512];
    uint64_t n = 0;
    int rc;

    *out = NULL;
    rc = bench_docs_open(path, o->fmt, &docs, err, sizeof err);
    if (rc != BL_OK)
        return cli_fail("gen-corpus", "%s", err);
    rc = bench_model_new(&m);
    cli_progress_init(&prog);
    while (rc == BL_OK && n < o->like_limit &&
           (rc = bench_docs_next(docs, &doc)) == BL_OK) {
        rc = bench_model_add(m, doc);
        n++;
        cli_progress_update(&prog, "articles learnt", n,
                            bench_docs_bytes_read(docs),
                            bench_docs_bytes_total(docs));
    }
    cli_progress_end(&prog);
    if (rc == BL_DONE)
        rc = BL_OK;
    if (rc == BL_OK && n == 0) {
        rc = cli_fail("gen-corpus", "%s: no articles", path);
    } else if (rc == BL_OK && (rc = bench_model_freeze(m)) != BL_OK) {
        rc = cli_fail("gen-corpus", "cannot build the model: %s",
                      bl_strerror(rc));
    } else if (rc != BL_OK) {
        rc = cli_fail("gen-corpus", "%s: %s", path, bl_strerror(rc));
    }
    bench_docs_close(docs);
    if (rc != 0) {
        bench_model_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

static void show_progress(void *ctx, uint64_t done, uint64_t bytes)
{
    cli_progress_update(ctx, "articles", done, bytes, 0);
}

static int run(int argc, char **argv)
{
    opts o;
    char sample[4096];
    const char *like;
    bench_model *m = NULL;
    bench_gen *g = NULL;
    FILE *f = stdout;
    cli_progress prog;
    uint64_t bytes = 0;
    double t0;
    int rc = parse(argc, argv, &o);

    if (rc != 0)
        return rc;
    like = o.like;
    if (like == NULL) {
        if (bench_locate(SAMPLE_REL, sample, sizeof sample) != BL_OK)
            return cli_fail("gen-corpus", "no --like given and %s not "
                                          "found here or in the source "
                                          "tree", SAMPLE_REL);
        like = sample;
    }
    t0 = cli_now();
    rc = learn(like, &o, &m);
    if (rc != 0)
        return rc;
    if (o.verbose) {
        bench_model_info info;

        bench_model_info_get(m, &info);
        fprintf(stderr,
                "byline gen-corpus: learnt %llu articles from %s in %.2f s: "
                "%llu tokens, %llu words, %llu word pairs, %llu sources, "
                "%llu languages, "
                "vocabulary %.1f n^%.3f\n",
                (unsigned long long)info.docs, like, cli_now() - t0,
                (unsigned long long)info.tokens,
                (unsigned long long)info.words,
                (unsigned long long)info.bigrams,
                (unsigned long long)info.sources,
                (unsigned long long)info.langs, info.heaps_k,
                info.heaps_beta);
    }
    if (o.out != NULL && (f = fopen(o.out, "wb")) == NULL) {
        bench_model_free(m);
        return cli_fail("gen-corpus", "cannot write %s", o.out);
    }
    setvbuf(f, NULL, _IOFBF, 1 << 20);
    rc = bench_gen_new(m, o.seed, &g);
    t0 = cli_now();
    cli_progress_init(&prog);
    if (rc == BL_OK)
        rc = bench_gen_write(g, o.articles, f, &bytes, show_progress, &prog);
    cli_progress_end(&prog);
    if (fflush(f) != 0 && rc == BL_OK)
        rc = BL_EIO;
    if (f != stdout && fclose(f) != 0 && rc == BL_OK)
        rc = BL_EIO;
    if (rc == BL_OK && o.verbose) {
        double secs = cli_now() - t0;

        fprintf(stderr,
                "byline gen-corpus: %llu articles, %.1f MB in %.2f s "
                "(%.1f MB/s)\n",
                (unsigned long long)o.articles, (double)bytes / 1e6, secs,
                secs > 0 ? (double)bytes / 1e6 / secs : 0.0);
    }
    bench_gen_free(g);
    bench_model_free(m);
    if (rc != BL_OK)
        return cli_fail("gen-corpus", "%s: %s", o.out ? o.out : "stdout",
                        bl_strerror(rc));
    return 0;
}

const cli_command cli_cmd_gen_corpus = {
    "gen-corpus", run,
    "write generated news articles that follow a real corpus", usage};
