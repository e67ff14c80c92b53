/* bench_ingest.c - parse speed of the article readers: reads the inputs
** named on the command line (default: the Reuters-21578 folder of the
** shared corpus) with bl_ingest several times and prints input MB/s and
** articles/s of the best pass. Nothing is indexed: this is the reader's
** own cost, files served from the page cache.
**
**   build/bench_ingest [-n PASSES] [PATH...]
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "byline.h"

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ../shared/corpus/reuters21578 beside the source tree (this file is
** bench/bench_ingest.c in it). */
static void default_path(char *out, size_t cap)
{
    const char *file = __FILE__, *slash = strrchr(file, '/');
    int n = slash != NULL ? (int)(slash - file) : 0;

    snprintf(out, cap, "%.*s%s../../shared/corpus/reuters21578", n, file,
             n > 0 ? "/" : "");
}

int main(int argc, char **argv)
{
    char fallback_path[4096];
    const char *fallback = fallback_path;
    const char *const *paths = (const char *const *)&fallback;
    size_t n_paths = 1;
    int passes = 5, first = 1;
    double best = 0;
    uint64_t docs = 0, bytes = 0, text = 0, errors = 0;

    default_path(fallback_path, sizeof fallback_path);
    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        passes = atoi(argv[2]);
        first = 3;
    }
    if (argc > first) {
        paths = (const char *const *)argv + first;
        n_paths = (size_t)(argc - first);
    }
    for (int pass = 0; pass < passes; pass++) {
        bl_ingest *in;
        const bl_doc *d;
        double t0 = now(), dt;
        int rc;

        docs = text = errors = 0;
        rc = bl_ingest_open(paths, n_paths, BL_FORMAT_AUTO, &in);
        if (rc != BL_OK) {
            fprintf(stderr, "bench_ingest: %s\n", bl_strerror(rc));
            return 1;
        }
        while ((rc = bl_ingest_next(in, &d)) != BL_DONE) {
            if (rc == BL_ENOMEM) {
                fprintf(stderr, "bench_ingest: out of memory\n");
                return 1;
            }
            if (rc != BL_OK) {
                errors++;
                continue;
            }
            docs++;
            text += strlen(d->title) + strlen(d->body);
        }
        bytes = bl_ingest_bytes_read(in);
        bl_ingest_close(in);
        dt = now() - t0;
        if (pass == 0 || dt < best)
            best = dt;
    }
    printf("%llu articles, %llu errors, %.1f MB read (%.1f MB of title and "
           "body text)\n", (unsigned long long)docs,
           (unsigned long long)errors, (double)bytes / 1e6,
           (double)text / 1e6);
    printf("best of %d: %.3f s, %.0f MB/s of input, %.0f articles/s\n",
           passes, best, (double)bytes / 1e6 / best, (double)docs / best);
    return 0;
}
