/* bench_suggest.c - bl_suggest: the time to build the completion table of
** a generation (the first call) and the latency of later calls, over
** prefixes (1 to 6 characters) of a query log.
**
**   bench_suggest INDEX QUERIES [N]
**
** QUERIES is a file of JSON lines {"query": ...} (the search-benchmark-game
** log) or TSV "id<TAB>query"; N calls (default 100000) cycle through its
** prefixes. Prints the build time and the p50/p99/max call latency.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "byline.h"

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* The query text of one line, cut to len characters, into out. */
static void prefix_of(const char *line, size_t len, char *out, size_t cap)
{
    const char *q = strstr(line, "\"query\": \"");
    size_t n = 0;

    if (q != NULL)
        q += 10;
    else if ((q = strchr(line, '\t')) != NULL)
        q++;
    else
        q = line;
    for (; *q != '\0' && *q != '"' && *q != '\n' && n + 1 < cap && n < len;
         q++)
        if (*q != '+' && *q != '-' && *q != '\\')
            out[n++] = *q;
    out[n] = '\0';
}

int main(int argc, char **argv)
{
    bl_index *ix = NULL;
    char **prefixes = NULL, line[4096], **list;
    size_t n_prefixes = 0, cap = 0, calls = 100000, found = 0;
    double t0, build, *lat;
    FILE *f;
    int rc;

    if (argc < 3) {
        fprintf(stderr, "usage: bench_suggest INDEX QUERIES [N]\n");
        return 2;
    }
    if (argc > 3)
        calls = strtoul(argv[3], NULL, 10);
    f = fopen(argv[2], "r");
    if (f == NULL) {
        perror(argv[2]);
        return 1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        char p[64];

        prefix_of(line, 1 + n_prefixes % 6, p, sizeof p);
        if (*p == '\0')
            continue;
        if (n_prefixes == cap) {
            cap = cap ? cap * 2 : 1024;
            prefixes = realloc(prefixes, cap * sizeof *prefixes);
            if (prefixes == NULL)
                return 1;
        }
        prefixes[n_prefixes++] = strdup(p);
    }
    fclose(f);
    if (n_prefixes == 0 || calls == 0) {
        fprintf(stderr, "no prefixes in %s\n", argv[2]);
        return 1;
    }
    rc = bl_index_open(argv[1], &ix);
    if (rc != BL_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], bl_strerror(rc));
        return 1;
    }
    t0 = now_us();
    rc = bl_suggest(ix, "a", 8, &list);
    build = now_us() - t0;
    if (rc != BL_OK) {
        fprintf(stderr, "bl_suggest: %s\n", bl_strerror(rc));
        return 1;
    }
    bl_suggest_free(list);
    lat = malloc(calls * sizeof *lat);
    if (lat == NULL)
        return 1;
    for (size_t i = 0; i < calls; i++) {
        t0 = now_us();
        rc = bl_suggest(ix, prefixes[i % n_prefixes], 8, &list);
        lat[i] = now_us() - t0;
        if (rc != BL_OK)
            return 1;
        found += list[0] != NULL;
        bl_suggest_free(list);
    }
    qsort(lat, calls, sizeof *lat, cmp_double);
    printf("bl_suggest on %s: table built in %.1f ms; %zu calls over %zu "
           "prefixes (%.0f%% with completions): p50 %.1f us, p99 %.1f us, "
           "max %.1f us\n", argv[1], build / 1000, calls, n_prefixes,
           100.0 * (double)found / (double)calls, lat[calls / 2],
           lat[calls * 99 / 100], lat[calls - 1]);
    free(lat);
    for (size_t i = 0; i < n_prefixes; i++)
        free(prefixes[i]);
    free(prefixes);
    bl_index_close(ix);
    return 0;
}
