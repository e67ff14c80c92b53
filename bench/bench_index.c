/* bench_index.c - indexing speed and index size on the real corpora:
** Reuters-21578 (SGML) and the BBC news tarball, with 1 and 2 threads.
** Each run happens in a forked child (so peak RSS is its own) that reads
** the corpus with bl_ingest, indexes it with bl_writer into a fresh folder
** and commits; the parent reports MB/s of article text (title + body),
** articles/s, peak RSS, then the index bytes by section and as a ratio of
** the raw text (the stored text before compression, as bl_stats counts it).
**
** usage: bench_index [CORPUS_DIR]   (default ../shared/corpus beside the
** source tree, or $BYLINE_CORPUS)
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/file.h"
#include "byline.h"

typedef struct result {
    double secs;
    unsigned long long docs, text_bytes;
    int rc;
} result;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Index paths into dir; runs in the child. */
static result index_corpus(const char *const *paths, size_t n,
                           const char *dir, unsigned threads)
{
    result res = {0, 0, 0, BL_OK};
    bl_writer_opts o;
    bl_ingest *in = NULL;
    bl_writer *w = NULL;
    double start = now();
    int rc;

    bl_writer_opts_default(&o);
    o.threads = threads;
    rc = bl_ingest_open(paths, n, BL_FORMAT_AUTO, &in);
    if (rc == BL_OK)
        rc = bl_writer_open(dir, &o, &w, NULL, 0);
    while (rc == BL_OK) {
        const bl_doc *d;
        int r = bl_ingest_next(in, &d);

        if (r == BL_DONE)
            break;
        if (r != BL_OK)
            continue;   /* a skipped record */
        res.text_bytes += strlen(d->title) + strlen(d->body);
        res.docs++;
        rc = bl_writer_add(w, d);
    }
    if (rc == BL_OK)
        rc = bl_writer_commit(w);
    if (rc != BL_OK && w != NULL)
        fprintf(stderr, "bench_index: %s\n", bl_writer_error(w));
    bl_writer_close(w);
    bl_ingest_close(in);
    res.secs = now() - start;
    res.rc = rc;
    return res;
}

static void report_sizes(const char *dir, unsigned long long text)
{
    bl_index *ix;
    bl_stats st;
    const bl_section_stats *b = &st.bytes;
    unsigned long long inverted;
    double raw;

    if (bl_index_open(dir, &ix) != BL_OK || bl_index_stats(ix, &st) != BL_OK)
        return;
    bl_index_close(ix);
    raw = st.raw_bytes ? (double)st.raw_bytes : 1.0;
    inverted = b->terms + b->postings + b->positions + b->lengths +
               b->columns;
    printf("  raw text %llu bytes (title+body %llu), %llu segments\n",
           (unsigned long long)st.raw_bytes, text,
           (unsigned long long)st.segments);
    printf("  %-10s %10s %7s\n", "section", "bytes", "x raw");
    printf("  %-10s %10llu %7.3f\n", "terms", (unsigned long long)b->terms,
           (double)b->terms / raw);
    printf("  %-10s %10llu %7.3f\n", "postings",
           (unsigned long long)b->postings, (double)b->postings / raw);
    printf("  %-10s %10llu %7.3f\n", "positions",
           (unsigned long long)b->positions, (double)b->positions / raw);
    printf("  %-10s %10llu %7.3f\n", "lengths",
           (unsigned long long)b->lengths, (double)b->lengths / raw);
    printf("  %-10s %10llu %7.3f\n", "columns",
           (unsigned long long)b->columns, (double)b->columns / raw);
    printf("  %-10s %10llu %7.3f  (target <= 0.30)\n", "inverted", inverted,
           (double)inverted / raw);
    printf("  %-10s %10llu %7.3f  (target <= 0.33)\n", "store",
           (unsigned long long)b->store, (double)b->store / raw);
    printf("  %-10s %10llu %7.3f  (target <= 0.65)\n", "all files",
           (unsigned long long)st.total_bytes, (double)st.total_bytes / raw);
    printf("  bits per doc id %.2f, per position %.2f\n",
           st.postings ? 8.0 * (double)b->postings / (double)st.postings : 0,
           st.positions ? 8.0 * (double)b->positions / (double)st.positions
                        : 0);
}

/* One configuration in a child process; prints one line. */
static int bench(const char *name, const char *const *paths, size_t n,
                 unsigned threads, bool sizes)
{
    char dir[] = "/tmp/bench-index-XXXXXX";
    struct rusage ru;
    result res;
    int fds[2], status;
    pid_t pid;

    if (mkdtemp(dir) == NULL || pipe(fds) != 0)
        return 1;
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        char idx[64];

        close(fds[0]);
        snprintf(idx, sizeof idx, "%s/idx", dir);
        res = index_corpus(paths, n, idx, threads);
        if (write(fds[1], &res, sizeof res) != (ssize_t)sizeof res)
            _exit(2);
        _exit(res.rc == BL_OK ? 0 : 1);
    }
    close(fds[1]);
    memset(&res, 0, sizeof res);
    if (read(fds[0], &res, sizeof res) != (ssize_t)sizeof res)
        res.rc = BL_EIO;
    close(fds[0]);
    wait4(pid, &status, 0, &ru);
    if (res.rc != BL_OK) {
        printf("%-8s threads %u: failed: %s\n", name, threads,
               bl_strerror(res.rc));
    } else {
        double mb = (double)res.text_bytes / 1e6;
        double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                     (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;

        /* CPU seconds too: the machine is shared, wall time is noisy. */
        printf("%-8s threads %u: %llu articles, %.2f MB text in %.2f s "
               "(%.2f s CPU): %.2f MB/s, %.0f articles/s, %.2f MB per CPU "
               "second, peak RSS %.0f MB\n",
               name, threads, res.docs, mb, res.secs, cpu, mb / res.secs,
               (double)res.docs / res.secs, cpu > 0 ? mb / cpu : 0.0,
               (double)ru.ru_maxrss / 1024.0);
        if (sizes) {
            char idx[64];

            snprintf(idx, sizeof idx, "%s/idx", dir);
            report_sizes(idx, res.text_bytes);
        }
    }
    fflush(stdout);
    if (bl_file_remove_tree(dir) != BL_OK)
        fprintf(stderr, "bench_index: cannot remove %s\n", dir);
    return res.rc == BL_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *base = argc > 1 ? argv[1] : getenv("BYLINE_CORPUS");
    char reuters[4096], bbc[4096];
    const char *paths[1];
    struct stat st;
    int bad = 0;

    if (base == NULL)
        base = "../shared/corpus";
    snprintf(reuters, sizeof reuters, "%s/reuters21578", base);
    snprintf(bbc, sizeof bbc, "%s/bbc/bbc-fulltext.tar.zst", base);
    if (stat(reuters, &st) == 0) {
        /* The folder holds other files too; the SGML files are reut2-*. */
        static char files[22][4200];
        const char *list[22];

        for (int i = 0; i < 22; i++) {
            snprintf(files[i], sizeof files[i], "%s/reut2-%03d.sgm", reuters,
                     i);
            list[i] = files[i];
        }
        bad |= bench("reuters", list, 22, 1, false);
        bad |= bench("reuters", list, 22, 2, true);
    } else {
        printf("reuters: skipped, %s is absent\n", reuters);
    }
    if (stat(bbc, &st) == 0) {
        paths[0] = bbc;
        bad |= bench("bbc", paths, 1, 1, false);
        bad |= bench("bbc", paths, 1, 2, true);
    } else {
        printf("bbc: skipped, %s is absent\n", bbc);
    }
    return bad;
}
