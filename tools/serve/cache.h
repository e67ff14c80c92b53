/* cache.h - a bounded, thread-safe cache of response bodies for
** `byline serve`, keyed by bytes and tagged with an index generation: a
** lookup for another generation misses (and drops the entry).
*/
#ifndef BL_SERVE_CACHE_H
#define BL_SERVE_CACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct serve_cache serve_cache;

/* A cache of at most max_bytes (keys, bodies and bookkeeping); *out is
** NULL when max_bytes is 0, and every call below accepts NULL (a cache
** that keeps nothing). BL_OK or BL_ENOMEM. */
int serve_cache_new(size_t max_bytes, serve_cache **out);
void serve_cache_free(serve_cache *c);

/* A malloc'ed copy (NUL-terminated, *len bytes) of the body stored under
** key for generation gen, or NULL. */
char *serve_cache_get(serve_cache *c, uint64_t gen, const char *key,
                      size_t klen, size_t *len);

/* Store a copy of body under key for generation gen, evicting the least
** recently used entries to stay within the budget. Best effort: nothing
** is stored when memory is short or the body is over 1/128 of the
** budget. */
void serve_cache_put(serve_cache *c, uint64_t gen, const char *key,
                     size_t klen, const char *body, size_t blen);

#endif
