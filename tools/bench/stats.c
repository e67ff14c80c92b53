/* stats.c - clock, percentiles, peak memory and disk usage for the
** benchmark (stats.h). Peak memory comes from VmHWM in /proc/self/status,
** which writing "5" to /proc/self/clear_refs resets; where that fails,
** getrusage's ru_maxrss (never reset) is the fallback. Before a reset,
** glibc's malloc_trim returns the heap a finished phase freed, so that the
** next phase's peak does not include it.
*/
#include "stats.h"

#include <dirent.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

double bench_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least p of them at or below. */
static double rank(const double *v, size_t n, double p)
{
    size_t i;

    if (n == 0)
        return 0;
    i = (size_t)(p * (double)n + 0.999999999);
    if (i < 1)
        i = 1;
    if (i > n)
        i = n;
    return v[i - 1];
}

void bench_latency_fill(bench_latency *l, double *ms, size_t n)
{
    double sum = 0;

    qsort(ms, n, sizeof *ms, cmp_double);
    for (size_t i = 0; i < n; i++)
        sum += ms[i];
    l->n = n;
    l->median_ms = rank(ms, n, 0.5);
    l->p90_ms = rank(ms, n, 0.9);
    l->p99_ms = rank(ms, n, 0.99);
    l->mean_ms = n ? sum / (double)n : 0;
}

bool bench_rss_reset(void)
{
    FILE *f;
    bool ok;

    malloc_trim(0);            /* give back what the last phase freed */
    f = fopen("/proc/self/clear_refs", "w");
    if (f == NULL)
        return false;
    ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok;
}

uint64_t bench_rss_peak(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long kb = 0;
    struct rusage ru;

    if (f != NULL) {
        while (fgets(line, sizeof line, f) != NULL)
            if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
                break;
        fclose(f);
    }
    if (kb == 0 && getrusage(RUSAGE_SELF, &ru) == 0)
        kb = (unsigned long long)ru.ru_maxrss;
    return (uint64_t)kb * 1024;
}

uint64_t bench_disk_usage(const char *path)
{
    struct stat st;
    uint64_t total = 0;
    DIR *d;
    struct dirent *e;

    if (lstat(path, &st) != 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    d = opendir(path);
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char sub[4096];

        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) <
            (int)sizeof sub)
            total += bench_disk_usage(sub);
    }
    closedir(d);
    return total;
}
