/* bench_analyze.c - analysis throughput on the Reuters-21578 article bodies:
** English, stemming and stopwords on, one thread. Prints the best of N runs
** as one JSON line and a readable line.
**
**   bench_analyze [--runs N] [--dir PATH] [--no-stem] [--no-stopwords]
**
** PATH defaults to ../shared/corpus/reuters21578 next to the source tree
** (BL_SHARED_DIR is not known here, so the default is found from the
** working directory upwards). The bodies are the text between <BODY> and
** </BODY>, analysed raw (entities such as &lt; included), one bl_analyze
** call per article as the indexer would make.
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
    char **files;              /* the .sgm files, in memory */
    size_t n_files;
    body *bodies;
    size_t n_bodies, cap;
    size_t bytes;              /* total body bytes */
} corpus;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    p = malloc((size_t)n + 1);
    if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    if (p != NULL) {
        p[n] = '\0';
        *len = (size_t)n;
    }
    return p;
}

static int add_bodies(corpus *c, const char *sgm, size_t len)
{
    const char *p = sgm, *end = sgm + len;

    for (;;) {
        const char *b = memmem(p, (size_t)(end - p), "<BODY>", 6), *e;

        if (b == NULL)
            return 0;
        b += 6;
        e = memmem(b, (size_t)(end - b), "</BODY>", 7);
        if (e == NULL)
            return 0;
        if (c->n_bodies == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 1024;
            body *v = realloc(c->bodies, cap * sizeof *v);

            if (v == NULL)
                return -1;
            c->bodies = v;
            c->cap = cap;
        }
        c->bodies[c->n_bodies].p = b;
        c->bodies[c->n_bodies++].len = (size_t)(e - b);
        c->bytes += (size_t)(e - b);
        p = e + 7;
    }
}

static int load(corpus *c, const char *dir)
{
    c->files = calloc(22, sizeof *c->files);
    if (c->files == NULL)
        return -1;
    for (int i = 0; i < 22; i++) {
        char path[4096];
        size_t len;

        snprintf(path, sizeof path, "%s/reut2-%03d.sgm", dir, i);
        c->files[i] = slurp(path, &len);
        if (c->files[i] == NULL) {
            fprintf(stderr, "bench_analyze: cannot read %s\n", path);
            return -1;
        }
        c->n_files++;
        if (add_bodies(c, c->files[i], len) != 0)
            return -1;
    }
    return 0;
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
    double best = 1e300;
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
        double t0 = now(), t;

        for (size_t i = 0; i < c.n_bodies; i++) {
            int e = bl_analyze(a, c.bodies[i].p, c.bodies[i].len, NULL,
                               count, &n);

            if (e != BL_OK) {
                fprintf(stderr, "bench_analyze: %s\n", bl_strerror(e));
                rc = 1;
                goto done;
            }
        }
        t = now() - t0;
        if (t < best)
            best = t;
        tokens = n;
    }
    printf("{\"bench\":\"analyze\",\"corpus\":\"reuters21578-bodies\","
           "\"docs\":%zu,\"bytes\":%zu,\"tokens\":%llu,\"stem\":%s,"
           "\"stopwords\":%s,\"runs\":%d,\"best_s\":%.4f,\"mb_per_s\":%.1f,"
           "\"tokens_per_s\":%.0f}\n",
           c.n_bodies, c.bytes, (unsigned long long)tokens,
           o.stem ? "true" : "false", o.stopwords ? "true" : "false", runs,
           best, (double)c.bytes / 1e6 / best, (double)tokens / best);
    printf("analyze: %zu bodies, %.1f MB, %llu tokens in %.3f s (best of "
           "%d): %.1f MB/s, %.2f M tokens/s\n",
           c.n_bodies, (double)c.bytes / 1e6, (unsigned long long)tokens,
           best, runs, (double)c.bytes / 1e6 / best,
           (double)tokens / best / 1e6);
done:
    bl_analyzer_free(a);
    for (size_t i = 0; i < c.n_files; i++)
        free(c.files[i]);
    free(c.files);
    free(c.bodies);
    return rc;
}
