/* rng.h - the benchmark tools' pseudo-random numbers: SplitMix64, small,
** fast and the same on every machine, so that a seed fixes a generated
** corpus and a query set byte for byte. Not for anything secret.
*/
#ifndef BENCH_RNG_H
#define BENCH_RNG_H

#include <stdint.h>

typedef struct bench_rng {
    uint64_t s;                /* the whole state; any value is valid */
} bench_rng;

static inline void bench_rng_seed(bench_rng *r, uint64_t seed)
{
    r->s = seed ^ 0x6a09e667f3bcc909ULL;
}

static inline uint64_t bench_rng_next(bench_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n); 0 when n is 0. The modulo bias is below 2^-32 for
** the table sizes used here. */
static inline uint64_t bench_rng_below(bench_rng *r, uint64_t n)
{
    return n ? bench_rng_next(r) % n : 0;
}

/* Uniform in [0, 1). */
static inline double bench_rng_unit(bench_rng *r)
{
    return (double)(bench_rng_next(r) >> 11) * 0x1.0p-53;
}

#endif
