/* stats.h - the measurements of a benchmark: a clock, latency percentiles
** and the process's peak resident memory (reset between phases, so that
** each engine's indexing peak is its own).
*/
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Monotonic seconds. */
double bench_now(void);

/* Latencies of one kind of query on one engine. */
typedef struct bench_latency {
    size_t n;                  /* timed runs */
    double median_ms, p90_ms, p99_ms, mean_ms;
    double qps_1;              /* queries per second, one thread */
    double qps_n;              /* queries per second, the bench's threads */
    double hits;               /* mean hits returned (at most k) */
} bench_latency;

/* Fill the percentiles of l from n samples in milliseconds (sorted in
** place; nearest-rank percentiles). */
void bench_latency_fill(bench_latency *l, double *ms, size_t n);

/* Return freed heap to the system and reset the peak-RSS mark of the
** process (Linux: /proc/self/clear_refs); false when the system cannot,
** and peaks then span the whole run. */
bool bench_rss_reset(void);

/* The peak resident set size since the last reset, in bytes. */
uint64_t bench_rss_peak(void);

/* The size of a file, or of every file under a folder, in bytes. */
uint64_t bench_disk_usage(const char *path);

#endif
