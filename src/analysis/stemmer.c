/* stemmer.c - libstemmer behind a cache of stems.
**
** Word frequencies follow Zipf's law, so a small cache of recent stems
** answers most lookups without running the Snowball program. The cache is
** two-way set associative (a new word goes to the front of its set, the
** older one moves back; a hit at the back swaps them). A slot is one
** 64-byte cache line, so a hit on the front slot touches one line. Each
** slot holds a word of up to CACHE_WORD bytes and its stem; longer words
** always go to libstemmer. Invariant: a cache hit returns
** exactly what libstemmer returned for the same word, because a slot is
** only ever filled from a libstemmer result and matched on the full word.
*/
#include "analysis/stemmer.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/normalize.h"
#include "byline.h"

/* Power of two; two slots each. Reuters (1.72 M words to stem) misses
** 135 k times with 8192 sets, 85 k with 16384, 63 k with 32768; a miss runs
** libstemmer, about 2,400 instructions. */
#define CACHE_SETS 16384
#define CACHE_WORD 24          /* longest word or stem a slot holds */

#define CACHE_STEM 34          /* longest stem a slot holds */

/* One cached word, one cache line. The word is zero-padded to CACHE_WORD
** bytes so that a lookup compares three 64-bit words, not memcmp. */
typedef struct cache_slot {
    uint64_t word[CACHE_WORD / 8]; /* the word, zero-padded */
    uint32_t tag;              /* high bits of the hash; 0 = empty */
    uint8_t word_len;
    uint8_t stem_len;
    char stem[CACHE_STEM];
} cache_slot;

_Static_assert(sizeof(cache_slot) == 64, "a slot is one cache line");

struct bl_stemmer {
    struct sb_stemmer *sb;     /* the Snowball program */
    cache_slot *cache;         /* CACHE_SETS * 2 slots, in cache_mem */
    void *cache_mem;           /* calloc'ed: pages are zeroed as first
                                  touched, so a short-lived stemmer pays
                                  only for the sets it uses */
    uint64_t hits, misses;
};

/* ISO 639-1 codes of the Snowball languages. */
static const struct {
    const char *code;
    const char *name;
} codes[] = {
    {"ar", "arabic"},     {"hy", "armenian"},   {"eu", "basque"},
    {"ca", "catalan"},    {"da", "danish"},     {"nl", "dutch"},
    {"en", "english"},    {"fi", "finnish"},    {"fr", "french"},
    {"de", "german"},     {"el", "greek"},      {"hi", "hindi"},
    {"hu", "hungarian"},  {"id", "indonesian"}, {"ga", "irish"},
    {"it", "italian"},    {"lt", "lithuanian"}, {"ne", "nepali"},
    {"no", "norwegian"},  {"nb", "norwegian"},  {"nn", "norwegian"},
    {"pt", "portuguese"}, {"ro", "romanian"},   {"ru", "russian"},
    {"sr", "serbian"},    {"es", "spanish"},    {"sv", "swedish"},
    {"ta", "tamil"},      {"tr", "turkish"},    {"yi", "yiddish"},
};

const char *bl_stem_lang(const char *name)
{
    char key[32];
    size_t n = 0;
    const char **list;

    if (name == NULL)
        return NULL;
    for (; name[n] != '\0' && name[n] != '-' && name[n] != '_'; n++) {
        char c = name[n];

        if (n + 1 >= sizeof key)
            return NULL;
        key[n] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    key[n] = '\0';
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(codes[i].code, key) == 0)
            return codes[i].name;
    for (list = sb_stemmer_list(); *list != NULL; list++)
        if (strcmp(*list, key) == 0)
            return *list;
    return NULL;
}

const char *const *bl_stem_names(void)
{
    return (const char *const *)sb_stemmer_list();
}

int bl_stemmer_new(const char *lang, bl_stemmer **out)
{
    bl_stemmer *s;

    *out = NULL;
    if (lang == NULL || bl_stem_lang(lang) == NULL)
        return BL_EINVAL;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return BL_ENOMEM;
    s->sb = sb_stemmer_new(bl_stem_lang(lang), "UTF_8");
    s->cache_mem = calloc(1, (size_t)CACHE_SETS * 2 * sizeof *s->cache +
                                 sizeof *s->cache - 1);
    if (s->cache_mem != NULL)
        s->cache = (cache_slot *)(((uintptr_t)s->cache_mem +
                                   sizeof *s->cache - 1) &
                                  ~(uintptr_t)(sizeof *s->cache - 1));
    if (s->sb == NULL || s->cache == NULL) {
        bl_stemmer_free(s);
        return BL_ENOMEM;
    }
    *out = s;
    return BL_OK;
}

void bl_stemmer_free(bl_stemmer *s)
{
    if (s == NULL)
        return;
    sb_stemmer_delete(s->sb);
    free(s->cache_mem);
    free(s);
}

static int slot_holds(const cache_slot *e, uint32_t tag,
                      const uint64_t *key, size_t len)
{
    return e->tag == tag && e->word_len == len &&
           ((e->word[0] ^ key[0]) | (e->word[1] ^ key[1]) |
            (e->word[2] ^ key[2])) == 0;
}

size_t bl_stemmer_stem(bl_stemmer *s, const char *word, size_t len,
                       uint64_t hash, char *out, size_t cap)
{
    cache_slot *set = &s->cache[(hash & (CACHE_SETS - 1)) * 2];
    uint32_t tag = (uint32_t)(hash >> 32) | 1u;
    uint64_t key[CACHE_WORD / 8] = {0, 0, 0};
    const sb_symbol *stem;
    size_t n;

    if (cap < BL_NORM_MAX + 1)
        return 0;
    if (len <= CACHE_WORD) {
        memcpy(key, word, len);
        if (!slot_holds(&set[0], tag, key, len) &&
            slot_holds(&set[1], tag, key, len)) {
            cache_slot tmp = set[0];

            set[0] = set[1];
            set[1] = tmp;
        }
        if (slot_holds(&set[0], tag, key, len)) {
            s->hits++;
            memcpy(out, set[0].stem, set[0].stem_len);
            out[set[0].stem_len] = '\0';
            return set[0].stem_len;
        }
    }
    s->misses++;
    stem = sb_stemmer_stem(s->sb, (const sb_symbol *)word, (int)len);
    if (stem == NULL) {
        n = bl_utf8_cut(word, len, BL_NORM_MAX);
        memcpy(out, word, n);
        out[n] = '\0';
        return n;
    }
    n = (size_t)sb_stemmer_length(s->sb);
    n = bl_utf8_cut((const char *)stem, n, BL_NORM_MAX);
    memcpy(out, stem, n);
    out[n] = '\0';
    if (len <= CACHE_WORD && n <= CACHE_STEM) {
        set[1] = set[0];
        set[0].tag = tag;
        set[0].word_len = (uint8_t)len;
        set[0].stem_len = (uint8_t)n;
        memcpy(set[0].word, key, sizeof key);
        memcpy(set[0].stem, stem, n);
    }
    return n;
}

void bl_stemmer_prefetch(const bl_stemmer *s, uint64_t hash)
{
    __builtin_prefetch(&s->cache[(hash & (CACHE_SETS - 1)) * 2]);
}

void bl_stemmer_stats(const bl_stemmer *s, uint64_t *hits, uint64_t *misses)
{
    *hits = s->hits;
    *misses = s->misses;
}
