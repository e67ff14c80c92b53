/* fixture.h - what tests share: temporary folders, the paths of the shared
** corpus and of the byline binary, and running a command to capture its
** output. Include after <cmocka.h>'s prerequisites.
*/
#ifndef BL_FIXTURE_H
#define BL_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* A fresh empty folder under $TMPDIR (or /tmp), malloc'ed path. */
char *fx_tmpdir(void);

/* Remove a folder and everything in it, then free path. */
void fx_rmtree(char *path);

/* Path of a file under ../shared/corpus (static buffer, one at a time),
** or NULL when it does not exist: tests then skip and say why. */
const char *fx_corpus(const char *rel);

/* Path of a file under the source tree (static buffer). */
const char *fx_source(const char *rel);

/* Path of the built `byline` command. */
const char *fx_byline(void);

/* Run a shell command line; capture its stdout (malloc'ed, NUL-terminated)
** into *out when out is non-NULL. Returns the exit status, or -1 when it
** did not exit normally. */
int fx_run(char **out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Read a whole file (malloc'ed, NUL-terminated); NULL if unreadable. */
char *fx_slurp(const char *path, size_t *len);

/* Write bytes to a file; fails the test on error. */
void fx_write(const char *path, const void *p, size_t len);

/* Deterministic pseudo-random numbers (xorshift64*), for reproducible
** random tests. */
typedef struct fx_rng { uint64_t s; } fx_rng;
void fx_rng_seed(fx_rng *r, uint64_t seed);
uint64_t fx_rng_next(fx_rng *r);
uint64_t fx_rng_below(fx_rng *r, uint64_t n);   /* uniform in [0, n) */

/* Skip the current test with a reason printed on stdout. */
#define FX_SKIP(why) \
    do { print_message("[ SKIP     ] %s\n", (why)); skip(); } while (0)

#endif
