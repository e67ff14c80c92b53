/* stemmer.c - libstemmer by language name or code. The analyzer caches
** what it makes of frequent words (termcache.h), so libstemmer runs only
** for the words that cache misses.
*/
#include "analysis/stemmer.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/normalize.h"
#include "byline.h"

struct bl_stemmer {
    struct sb_stemmer *sb;     /* the Snowball program */
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
    if (s->sb == NULL) {
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
    free(s);
}

size_t bl_stemmer_stem(bl_stemmer *s, const char *word, size_t len,
                       char *out, size_t cap)
{
    const sb_symbol *stem;
    size_t n;

    if (cap < BL_NORM_MAX + 1)
        return 0;
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
    return n;
}
