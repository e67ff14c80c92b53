/* docsrc.c - articles for the benchmark tools, read with bl_ingest, so
** that every format the indexer reads can be benchmarked and imitated.
** Malformed records and unreadable files are skipped and counted, never
** fatal; the document handed out is bl_ingest's, valid until the next call.
*/
#include "docsrc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct bench_docs {
    bl_ingest *in;
    uint64_t skipped;          /* malformed records, unreadable files */
};

int bench_docs_open(const char *path, bl_format fmt, bench_docs **out,
                    char *err, size_t cap)
{
    bench_docs *d;
    struct stat st;
    int rc;

    *out = NULL;
    if (strcmp(path, "-") != 0 && stat(path, &st) != 0) {
        snprintf(err, cap, "%s: no such file or folder", path);
        return BL_ENOTFOUND;
    }
    d = calloc(1, sizeof *d);
    if (d == NULL)
        return BL_ENOMEM;
    rc = bl_ingest_open(&path, 1, fmt, &d->in);
    if (rc != BL_OK) {
        snprintf(err, cap, "%s: %s", path, bl_strerror(rc));
        free(d);
        return rc;
    }
    *out = d;
    return BL_OK;
}

int bench_docs_next(bench_docs *d, const bl_doc **doc)
{
    int rc;

    while ((rc = bl_ingest_next(d->in, doc)) == BL_EFORMAT || rc == BL_EIO)
        d->skipped++;
    return rc;
}

uint64_t bench_docs_skipped(const bench_docs *d)
{
    return d->skipped;
}

uint64_t bench_docs_bytes_read(const bench_docs *d)
{
    return bl_ingest_bytes_read(d->in);
}

uint64_t bench_docs_bytes_total(const bench_docs *d)
{
    return bl_ingest_bytes_total(d->in);
}

void bench_docs_close(bench_docs *d)
{
    if (d == NULL)
        return;
    bl_ingest_close(d->in);
    free(d);
}

static bool exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

int bench_locate(const char *rel, char *out, size_t cap)
{
    char exe[4096];
    ssize_t n;

    if (snprintf(out, cap, "%s", rel) < (int)cap && exists(out))
        return BL_OK;
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        char *slash;

        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash != NULL)
            *slash = '\0';
        if (snprintf(out, cap, "%s/../%s", exe, rel) < (int)cap &&
            exists(out))
            return BL_OK;
        if (snprintf(out, cap, "%s/../../%s", exe, rel) < (int)cap &&
            exists(out))
            return BL_OK;
    }
    if (cap > 0)
        out[0] = '\0';
    return BL_ENOTFOUND;
}
