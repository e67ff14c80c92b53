/* bench_analyze.c - analysis throughput on the Reuters-21578 article bodies:
** English, stemming and stopwords on, one thread. Prints the best of N runs
** as one JSON line and a readable line.
**
**   bench_analyze [--runs N] [--dir PATH] [--no-stem] [--no-stopwords]
**
** PATH defaults to ../shared/corpus/reuters21578 next to the source tree
** (BL_SHARED_DIR is not known here, so the default is found from the
** working directory upwards). The articles are read with bl_ingest (the
** Reuters reader) before timing starts; their bodies are analysed one
** bl_analyze call per article, as the indexer would. The analyzer is reused
** across runs, so its term cache is warm after the first. Besides wall
** time, the thread's CPU time is reported: on a busy machine it is the
** steadier figure.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "byline.h"

typedef struct body {
    const char *p;
    size_t len;
} body;

typedef struct corpus {
    body *bodies;              /* malloc'ed copies */
    size_t n_bodies, cap;
    size_t bytes;              /* total body bytes */
} corpus;

static double clock_s(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read every article of the Reuters-21578 folder with bl_ingest and keep
** a copy of each non-empty body. */
static int load(corpus *c, const char *dir)
{
    const char *paths[1] = {dir};
    bl_ingest *in;
    const bl_doc *doc;
    int rc;

    rc = bl_ingest_open(paths, 1, BL_FORMAT_REUTERS, &in);
    if (rc != BL_OK) {
        fprintf(stderr, "bench_analyze: %s: %s\n", dir, bl_strerror(rc));
        return -1;
    }
    while ((rc = bl_ingest_next(in, &doc)) != BL_DONE) {
        size_t len;
        char *copy;

        if (rc == BL_EFORMAT || rc == BL_EIO)
            continue;          /* a malformed record: skipped */
        if (rc != BL_OK)
            break;
        len = strlen(doc->body);
        if (len == 0)
            continue;
        if (c->n_bodies == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 1024;
            body *v = realloc(c->bodies, cap * sizeof *v);

            if (v == NULL)
                break;
            c->bodies = v;
            c->cap = cap;
        }
        copy = malloc(len + 1);
        if (copy == NULL)
            break;
        memcpy(copy, doc->body, len + 1);
        c->bodies[c->n_bodies].p = copy;
        c->bodies[c->n_bodies++].len = len;
        c->bytes += len;
    }
    bl_ingest_close(in);
    return rc == BL_DONE ? 0 : -1;
}

static int count(void *ctx, const bl_token *tok)
{
    (void)tok;
    ++*(uint64_t *)ctx;
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    int runs = 5;
    bl_analyzer_opts o;
    bl_analyzer *a = NULL;
    corpus c = {0};
    double best = 1e300, best_cpu = 1e300;
    uint64_t tokens = 0;
    int rc = 0;

    bl_analyzer_opts_default(&o);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (strcmp(argv[i], "--no-stem") == 0) {
            o.stem = false;
        } else if (strcmp(argv[i], "--no-stopwords") == 0) {
            o.stopwords = false;
        } else {
            fprintf(stderr, "usage: bench_analyze [--runs N] [--dir PATH] "
                            "[--no-stem] [--no-stopwords]\n");
            return 2;
        }
    }
    if (runs < 1)
        runs = 1;
    if (dir == NULL) {
        static const char *const guesses[] = {
            "../shared/corpus/reuters21578",
            "../../shared/corpus/reuters21578",
            "/work/shared/corpus/reuters21578"};

        for (size_t i = 0; i < sizeof guesses / sizeof guesses[0]; i++) {
            char path[4096];
            FILE *f;

            snprintf(path, sizeof path, "%s/reut2-000.sgm", guesses[i]);
            f = fopen(path, "rb");
            if (f != NULL) {
                fclose(f);
                dir = guesses[i];
                break;
            }
        }
        if (dir == NULL) {
            fprintf(stderr, "bench_analyze: Reuters-21578 not found; "
                            "pass --dir\n");
            return 1;
        }
    }
    if (load(&c, dir) != 0) {
        rc = 1;
        goto done;
    }
    if (bl_analyzer_new(&o, &a) != BL_OK) {
        fprintf(stderr, "bench_analyze: cannot create the analyzer\n");
        rc = 1;
        goto done;
    }
    for (int r = 0; r < runs; r++) {
        uint64_t n = 0;
        double t0 = clock_s(CLOCK_MONOTONIC), t;
        double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID), cpu;

        for (size_t i = 0; i < c.n_bodies; i++) {
            int e = bl_analyze(a, c.bodies[i].p, c.bodies[i].len, NULL,
                               count, &n);

            if (e != BL_OK) {
                fprintf(stderr, "bench_analyze: %s\n", bl_strerror(e));
                rc = 1;
                goto done;
            }
        }
        t = clock_s(CLOCK_MONOTONIC) - t0;
        cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
        if (t < best)
            best = t;
        if (cpu < best_cpu)
            best_cpu = cpu;
        tokens = n;
    }
    printf("{\"bench\":\"analyze\",\"corpus\":\"reuters21578-bodies\","
           "\"docs\":%zu,\"bytes\":%zu,\"tokens\":%llu,\"stem\":%s,"
           "\"stopwords\":%s,\"runs\":%d,\"best_s\":%.4f,\"mb_per_s\":%.1f,"
           "\"tokens_per_s\":%.0f,\"best_cpu_s\":%.4f,"
           "\"mb_per_cpu_s\":%.1f}\n",
           c.n_bodies, c.bytes, (unsigned long long)tokens,
           o.stem ? "true" : "false", o.stopwords ? "true" : "false", runs,
           best, (double)c.bytes / 1e6 / best, (double)tokens / best,
           best_cpu, (double)c.bytes / 1e6 / best_cpu);
    printf("analyze: %zu bodies, %.1f MB, %llu tokens in %.3f s (best of "
           "%d): %.1f MB/s, %.2f M tokens/s; %.1f MB per CPU second\n",
           c.n_bodies, (double)c.bytes / 1e6, (unsigned long long)tokens,
           best, runs, (double)c.bytes / 1e6 / best,
           (double)tokens / best / 1e6, (double)c.bytes / 1e6 / best_cpu);
done:
    bl_analyzer_free(a);
    for (size_t i = 0; i < c.n_bodies; i++)
        free((char *)c.bodies[i].p);
    free(c.bodies);
    return rc;
}
