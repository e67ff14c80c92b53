/* stemmer.h - Snowball stemming (libstemmer) by language.
**
** Languages are named by their Snowball name ("english", "german", ...,
** every algorithm libstemmer ships) or by ISO 639-1 code ("en", "de");
** a region suffix ("en-GB", "pt_BR") is ignored and case does not matter.
*/
#ifndef BL_STEMMER_H
#define BL_STEMMER_H

#include <stddef.h>
#include <stdint.h>

/* The Snowball name for a language name or code ("de" -> "german"),
** static; NULL when libstemmer has no algorithm for it. */
const char *bl_stem_lang(const char *name);

/* NULL-terminated list of libstemmer's algorithm names, static. */
const char *const *bl_stem_names(void);

typedef struct bl_stemmer bl_stemmer;

/* A stemmer for a Snowball name from bl_stem_lang. BL_EINVAL for an
** unknown name, BL_ENOMEM. */
int bl_stemmer_new(const char *lang, bl_stemmer **out);
void bl_stemmer_free(bl_stemmer *s);

/* Stem a normalised word of len bytes (at most 256). The stem is written
** to out (cap >= 257 bytes), NUL-terminated, cut at a UTF-8 boundary to 256
** bytes; its length is returned. libstemmer's own buffer is never
** returned. A word the stemmer cannot handle (out of memory inside
** libstemmer) comes back unchanged. */
size_t bl_stemmer_stem(bl_stemmer *s, const char *word, size_t len,
                       char *out, size_t cap);

#endif
