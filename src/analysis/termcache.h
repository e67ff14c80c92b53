/* termcache.h - the analysed forms of recently seen words.
**
** After normalisation, what the analyzer does to a token (drop it as a
** stopword, stem it, fold its accents) depends on the normalised word
** alone, for one language and one analyzer's options. Word frequencies
** follow Zipf's law, so a small cache of recent results answers most
** tokens with one lookup instead of a stopword test, a stem and a fold. One
** cache per language of an analyzer, filled by the analyzer only.
**
** Invariant: a lookup returns exactly what was put for the same word (all
** of its bytes compared, never only its hash), or misses.
*/
#ifndef BL_TERMCACHE_H
#define BL_TERMCACHE_H

#include <stddef.h>
#include <stdint.h>

#define BL_TERMCACHE_MISS (-1)  /* the word is not cached */
#define BL_TERMCACHE_DROP (-2)  /* the word is cached as dropped */

/* Longest word and longest form a cache entry holds: longer ones are
** neither cached nor found. */
#define BL_TERMCACHE_WORD 24
#define BL_TERMCACHE_FORM 34

typedef struct bl_termcache bl_termcache;

/* A cache of about `words` words (rounded up to a power of two between
** BL_TERMCACHE_MIN and BL_TERMCACHE_MAX; 0: BL_TERMCACHE_MAX). BL_OK or
** BL_ENOMEM. */
#define BL_TERMCACHE_MIN 64
#define BL_TERMCACHE_MAX 32768
int bl_termcache_new(size_t words, bl_termcache **out);
void bl_termcache_free(bl_termcache *c);

/* The form cached for the word of len bytes whose hash is hash (a 64-bit
** hash of its bytes, one function for every call on a cache): its
** length, with the form copied to out (BL_TERMCACHE_FORM + 1 bytes,
** NUL-terminated); or BL_TERMCACHE_DROP, or BL_TERMCACHE_MISS. Here and in
** bl_termcache_put, BL_TERMCACHE_WORD bytes from word must be readable
** (the analyzer's term buffers are BL_NORM_MAX + 1 bytes): those after len
** are read and ignored. */
int bl_termcache_get(bl_termcache *c, const char *word, size_t len,
                     uint64_t hash, char *out);

/* Remember the form (form_len bytes, or form_len BL_TERMCACHE_DROP) of the
** word, evicting the older entry of its set; a word or form too long for
** an entry is not cached. */
void bl_termcache_put(bl_termcache *c, const char *word, size_t len,
                      uint64_t hash, const char *form, int form_len);

/* A hint that the word whose hash is hash will soon be looked up: its
** set is fetched ahead, to overlap the miss. */
void bl_termcache_prefetch(const bl_termcache *c, uint64_t hash);

/* Lookups that found the word and that did not, since bl_termcache_new. */
void bl_termcache_stats(const bl_termcache *c, uint64_t *hits,
                        uint64_t *misses);

#endif
