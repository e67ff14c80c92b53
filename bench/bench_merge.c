/* bench_merge.c - one merge (index/merge.h) of the segments of an existing
** index, timed: the first N segments of its current manifest (all by
** default) are merged into a new file in the index folder, which is
** removed afterwards; the index itself is not changed (no commit). Prints
** CPU and wall seconds, the sources' and the output's bytes, and the
** process's peak RSS; run it under `/usr/bin/time -f "%e s %M KB"` to
** compare with other programs.
**
**   bench_merge INDEX [N]
*/
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "byline.h"
#include "index/merge.h"
#include "segment/manifest.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    bl_manifest m;
    bl_manifest_seg out;
    bl_analyzer_opts ao;
    uint64_t gen, in_bytes = 0, in_docs = 0;
    char msg[512], name[64], path[4096];
    struct rusage ru;
    double c0, w0;
    size_t n;
    int rc;

    if (argc < 2) {
        fprintf(stderr, "usage: bench_merge INDEX [N]\n");
        return 2;
    }
    if (bl_manifest_current(argv[1], &gen) != BL_OK ||
        bl_manifest_load(argv[1], gen, &m, msg, sizeof msg) != BL_OK) {
        fprintf(stderr, "bench_merge: %s: no index\n", argv[1]);
        return 1;
    }
    n = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : m.n_segs;
    if (n == 0 || n > m.n_segs)
        n = m.n_segs;
    for (size_t i = 0; i < n; i++) {
        in_bytes += m.segs[i].bytes;
        in_docs += m.segs[i].docs - m.segs[i].deleted;
    }
    bl_analyzer_opts_default(&ao);
    c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    w0 = clock_s(CLOCK_MONOTONIC);
    rc = bl_merge_segments(argv[1], &ao, m.segs, n, m.next_id, &out, msg,
                           sizeof msg);
    if (rc != BL_OK) {
        fprintf(stderr, "bench_merge: %s\n", msg);
        bl_manifest_free(&m);
        return 1;
    }
    getrusage(RUSAGE_SELF, &ru);
    printf("merged %zu segments (%.1f MB, %llu live articles) into %.1f MB "
           "in %.2f s CPU, %.2f s wall; peak RSS %.1f MB\n", n,
           (double)in_bytes / 1e6, (unsigned long long)in_docs,
           (double)out.bytes / 1e6,
           clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0,
           clock_s(CLOCK_MONOTONIC) - w0, (double)ru.ru_maxrss / 1024);
    if (out.docs > 0 &&
        bl_segment_file_name(name, sizeof name, out.id) == BL_OK &&
        snprintf(path, sizeof path, "%s/%s", argv[1], name) <
            (int)sizeof path)
        remove(path);
    bl_manifest_free(&m);
    return 0;
}
