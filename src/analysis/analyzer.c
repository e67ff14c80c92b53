/* analyzer.c - the public analysis API of byline.h: text -> tokens.
**
** The pipeline for each raw token of the tokenizer (tokenizer.h):
**   normal form (NFKC + case fold, normalize.h)
**   -> French, Italian, Catalan: an elided article or pronoun before an
**      apostrophe is cut off ("l'avion" -> "avion", start moves with it)
**   -> stopword? then drop it, its position stays taken
**   -> Snowball stem (stemmer.h), except CJK tokens and tokens
**      that start with a digit (numbers, "1980s", "19-year-old": their
**      forms are kept as written)
**   -> accent folding (after the stem: Snowball reads the accents).
** The last three steps are a function of the normalised word alone, so
** their result is cached per language (termcache.h): a word met before
** costs one lookup. Languages are set up lazily: the analyzer's own at
** bl_analyzer_new, a document's override on first use. Invariant:
** positions and byte offsets come from the tokenizer untouched, so a
** token's [start, end) is always its surface in the caller's text, and a
** dropped token never shifts the positions of the others.
*/
#include "byline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/normalize.h"
#include "analysis/stemmer.h"
#include "analysis/stopwords.h"
#include "analysis/termcache.h"
#include "analysis/tokenizer.h"
#include "base/hash.h"
#include "segment/segment.h"

_Static_assert(BL_NORM_MAX == BL_MAX_TERM,
               "the analyzer cuts terms to the segment format's limit");

#define MAX_LANGS 48           /* more than libstemmer's algorithms */

typedef struct lang_ctx {
    const char *name;          /* Snowball name, static */
    bl_stemmer *stemmer;       /* NULL when stemming is off */
    bl_stopset *stop;          /* NULL when stopwords are off or none */
    bl_termcache *cache;       /* analysed forms; NULL when there is no
                                  step to cache */
    const char *elisions;      /* " l d qu " or NULL, see elide() */
} lang_ctx;

/* Articles and pronouns that French, Italian and Catalan elide before a
** vowel ("l'avion", "qu'il", "dell'anno"). Such a token loses the elided
** word: its term and its start offset begin after the apostrophe. */
static const char *elisions_for(const char *lang)
{
    if (strcmp(lang, "french") == 0)
        return " l d j m n s t c qu lorsqu puisqu jusqu quoiqu presqu ";
    if (strcmp(lang, "italian") == 0)
        return " l d dell all dall nell sull coll un quest quell c anch s ";
    if (strcmp(lang, "catalan") == 0)
        return " l d s m n t ";
    return NULL;
}

/* A token between normalisation and stemming (see bl_analyze). */
typedef struct ahead_tok {
    bl_rawtok raw;
    uint64_t hash;             /* term_hash of term */
    size_t len;                /* term bytes */
    char term[BL_NORM_MAX + 1];
} ahead_tok;

#define AHEAD 8                /* tokens normalised before the first of
                                  them is analysed further */

struct bl_analyzer {
    bool stem;                 /* options, copied */
    bool stopwords;
    bool fold;
    size_t cache_words;        /* each language's term cache, 0: default */
    lang_ctx langs[MAX_LANGS]; /* langs[0] is the analyzer's language */
    size_t n_langs;
    bl_normalizer norm;        /* scratch for normalisation */
    char form[BL_NORM_MAX + 1]; /* the current token's analysed form: the
                                   257 readable bytes of bl_token's term */
    ahead_tok ahead[AHEAD];    /* normalised tokens waiting */
};

void bl_analyzer_opts_default(bl_analyzer_opts *o)
{
    o->lang = "en";
    o->stem = true;
    o->stopwords = true;
    o->fold_accents = true;
    o->stopword_file = NULL;
    o->cache_words = 0;
}

typedef struct stop_ctx {
    bl_analyzer *a;            /* for its normaliser and options */
    bl_stopset *set;           /* the set being filled */
} stop_ctx;

/* The hash of a normalised term for the analyzer's tables, the
** stopwords' and the term cache's. A term shorter than 16 bytes must be
** zero-padded to 16, as bl_norm_term leaves it: up to 16 bytes, the padded
** bytes are hashed, branch-free (bl_hash16). */
static uint64_t term_hash(const char *term, size_t len)
{
    return len <= 16 ? bl_hash16(term) : bl_hash(term, len);
}

/* Add one listed word to a stopset, in normal form (and folded). A word
** that cannot be normalised (invalid UTF-8, too long) is skipped. */
static int add_stopword(void *ctx, const char *word, size_t len)
{
    bl_analyzer *a = ((stop_ctx *)ctx)->a;
    bl_stopset *set = ((stop_ctx *)ctx)->set;
    char buf[BL_NORM_MAX + 1];
    int n, rc;

    n = bl_norm_term(&a->norm, word, len, 0, buf, sizeof buf);
    if (n <= 0)
        return n == BL_ENOMEM ? BL_ENOMEM : BL_OK; /* skip what cannot be */
    rc = bl_stopset_add(set, buf, (size_t)n, term_hash(buf, (size_t)n));
    if (rc == BL_OK && a->fold) {
        size_t m = bl_norm_fold(&a->norm, buf, (size_t)n);

        if (m < 16)
            memset(buf + m, 0, 16 - m);
        rc = bl_stopset_add(set, buf, m, term_hash(buf, m));
    }
    return rc;
}

static int read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p = NULL;
    size_t n = 0, cap = 0;

    *out = NULL;
    *len = 0;
    if (f == NULL)
        return BL_ENOTFOUND;
    for (;;) {
        size_t got;

        if (n == cap) {
            char *q = realloc(p, cap ? cap * 2 : 4096);

            if (q == NULL) {
                free(p);
                fclose(f);
                return BL_ENOMEM;
            }
            p = q;
            cap = cap ? cap * 2 : 4096;
        }
        got = fread(p + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(p);
        fclose(f);
        return BL_EIO;
    }
    fclose(f);
    *out = p;
    *len = n;
    return BL_OK;
}

/* Set up language `name` (a Snowball name) in slot l. A stopword list from
** file, when given, replaces the built-in one. */
static int lang_init(bl_analyzer *a, lang_ctx *l, const char *name,
                     const char *stop_text, size_t stop_len)
{
    int rc = BL_OK;

    l->name = name;
    l->elisions = elisions_for(name);
    if (a->stem)
        rc = bl_stemmer_new(name, &l->stemmer);
    if (rc == BL_OK && a->stopwords) {
        if (stop_text == NULL) {
            stop_text = bl_stopwords_builtin(name);
            stop_len = stop_text ? strlen(stop_text) : 0;
        }
        if (stop_text != NULL) {
            stop_ctx ctx;

            rc = bl_stopset_new(&l->stop);
            ctx.a = a;
            ctx.set = l->stop;
            if (rc == BL_OK)
                rc = bl_stopwords_parse(stop_text, stop_len, add_stopword,
                                        &ctx);
        }
    }
    if (rc == BL_OK && (l->stemmer != NULL || l->stop != NULL || a->fold))
        rc = bl_termcache_new(a->cache_words, &l->cache);
    return rc;
}

static void lang_free(lang_ctx *l)
{
    bl_stemmer_free(l->stemmer);
    bl_stopset_free(l->stop);
    bl_termcache_free(l->cache);
    l->stemmer = NULL;
    l->stop = NULL;
    l->cache = NULL;
}

int bl_analyzer_new(const bl_analyzer_opts *o, bl_analyzer **out)
{
    bl_analyzer_opts def;
    bl_analyzer *a;
    const char *name;
    char *file_text = NULL;
    size_t file_len = 0;
    int rc = BL_OK;

    *out = NULL;
    if (o == NULL) {
        bl_analyzer_opts_default(&def);
        o = &def;
    }
    name = bl_stem_lang(o->lang != NULL && o->lang[0] != '\0' ? o->lang
                                                               : "en");
    if (name == NULL)
        return BL_EINVAL;
    a = calloc(1, sizeof *a);
    if (a == NULL)
        return BL_ENOMEM;
    a->stem = o->stem;
    a->stopwords = o->stopwords;
    a->fold = o->fold_accents;
    a->cache_words = o->cache_words;
    if (o->stopwords && o->stopword_file != NULL)
        rc = read_file(o->stopword_file, &file_text, &file_len);
    if (rc == BL_OK) {
        a->n_langs = 1;
        rc = lang_init(a, &a->langs[0], name,
                       file_text ? file_text : (o->stopword_file ? "" : NULL),
                       file_len);
    }
    free(file_text);
    if (rc != BL_OK) {
        bl_analyzer_free(a);
        return rc;
    }
    *out = a;
    return BL_OK;
}

void bl_analyzer_free(bl_analyzer *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->n_langs; i++)
        lang_free(&a->langs[i]);
    free(a);
}

/* The language context for a per-call override; the analyzer's own for
** NULL, "" or an unknown language. */
static int lang_for(bl_analyzer *a, const char *lang, lang_ctx **out)
{
    const char *name;
    int rc;

    *out = &a->langs[0];
    if (lang == NULL || lang[0] == '\0')
        return BL_OK;
    name = bl_stem_lang(lang);
    if (name == NULL || strcmp(name, a->langs[0].name) == 0)
        return BL_OK;
    for (size_t i = 1; i < a->n_langs; i++)
        if (strcmp(a->langs[i].name, name) == 0) {
            *out = &a->langs[i];
            return BL_OK;
        }
    if (a->n_langs == MAX_LANGS)
        return BL_OK;
    rc = lang_init(a, &a->langs[a->n_langs], name, NULL, 0);
    if (rc != BL_OK) {
        lang_free(&a->langs[a->n_langs]);
        return rc;
    }
    *out = &a->langs[a->n_langs++];
    return BL_OK;
}

/* Normal form of the raw token of text (text_len bytes) into term
** (BL_NORM_MAX + 1 bytes); shortens tok->end while the term would pass the
** length limit. Returns the term's length, 0 to skip the token, or a
** negative BL_E*. */
static int normal_form(bl_analyzer *a, const char *text, size_t text_len,
                       bl_rawtok *tok, char *term)
{
    unsigned flags = (tok->flags & BL_TOK_ACRONYM) ? BL_NORM_ACRONYM : 0;

    if (text_len - tok->start >= 16)
        flags |= BL_NORM_READ16;

    for (;;) {
        size_t len = tok->end - tok->start;
        int n = bl_norm_term(&a->norm, text + tok->start, len, flags, term,
                             BL_NORM_MAX + 1);

        if (n == BL_EINVAL)
            return 0;          /* utf8proc refused it: skip, never fail */
        if (n != BL_ELIMIT)
            return n;
        /* NFKC grew the term past the limit: cut the surface by an eighth
        ** and try again. */
        len = bl_utf8_cut(text + tok->start, len, len - (len + 7) / 8);
        if (len == 0)
            return 0;
        tok->end = tok->start + (uint32_t)len;
    }
}

/* When term (n bytes) starts with an elided word of the language and an
** apostrophe, move the token's start past the apostrophe and normalise
** again. Returns the new term length, or n unchanged. */
static int elide(bl_analyzer *a, const lang_ctx *l, const char *text,
                 size_t text_len, bl_rawtok *tok, int n, char *term)
{
    const char *q = memchr(term, '\'', (size_t)n);
    char key[16];
    size_t k;
    uint32_t i;

    /* key holds " " + the k bytes before the apostrophe + " " + NUL. */
    if (q == NULL || (k = (size_t)(q - term)) + 3 > sizeof key)
        return n;
    key[0] = ' ';
    memcpy(key + 1, term, k);
    key[k + 1] = ' ';
    key[k + 2] = '\0';
    if (strstr(l->elisions, key) == NULL)
        return n;
    for (i = tok->start; i < tok->end; i++) {
        if (text[i] == '\'') {
            i += 1;
            break;
        }
        if ((uint8_t)text[i] == 0xE2 && i + 2 < tok->end &&
            (uint8_t)text[i + 1] == 0x80 && (uint8_t)text[i + 2] == 0x99) {
            i += 3;
            break;
        }
    }
    if (i >= tok->end)
        return n;
    tok->start = i;
    return normal_form(a, text, text_len, tok, term);
}

/* Whether the token is stemmed: not CJK, and not a figure (numbers,
** "1980s", "19-year-old" keep their forms as written). */
static bool stemmed(const ahead_tok *t)
{
    return !(t->raw.flags & BL_TOK_CJK) &&
           !(t->term[0] >= '0' && t->term[0] <= '9');
}

/* The analysed form of a normalised token into a->form: stopword, stem,
** fold. Returns its length, or BL_TERMCACHE_DROP to drop the token. */
static int analysed_form(bl_analyzer *a, const lang_ctx *l,
                         const ahead_tok *t)
{
    size_t n = 0;

    if (l->stop != NULL && bl_stopset_has(l->stop, t->term, t->len, t->hash))
        return BL_TERMCACHE_DROP;
    if (l->stemmer != NULL && stemmed(t))
        n = bl_stemmer_stem(l->stemmer, t->term, t->len, a->form,
                            sizeof a->form);
    if (n == 0) {
        n = t->len;
        memcpy(a->form, t->term, n + 1);
    }
    if (a->fold) {
        n = bl_norm_fold(&a->norm, a->form, n);
        if (n == 0)
            return BL_TERMCACHE_DROP;
    }
    return (int)n;
}

/* The rest of the pipeline for one normalised token: its analysed form,
** from the cache when the word is in it, then the callback. Tokens that
** are not stemmed (CJK, and figures: numbers, "1980s") are not cached
** either: their forms are cheap, and figures, mostly each seen once, would
** push out the stems of words (Reuters: 99,456 misses with them cached,
** 86,042 without). Returns the callback's nonzero value, or 0. */
static int finish_token(bl_analyzer *a, const lang_ctx *l, ahead_tok *t,
                        bl_token_fn fn, void *ctx)
{
    bool cacheable = l->cache != NULL && stemmed(t);
    int n = BL_TERMCACHE_MISS;
    bl_token tok;

    if (cacheable)
        n = bl_termcache_get(l->cache, t->term, t->len, t->hash, a->form);
    if (n == BL_TERMCACHE_MISS) {
        n = analysed_form(a, l, t);
        if (cacheable)
            bl_termcache_put(l->cache, t->term, t->len, t->hash, a->form, n);
    }
    if (n == BL_TERMCACHE_DROP)
        return 0;
    tok.term = a->form;
    tok.term_len = (size_t)n;
    tok.pos = t->raw.pos;
    tok.start = t->raw.start;
    tok.end = t->raw.end;
    return fn(ctx, &tok);
}

/* Tokens are normalised and hashed AHEAD at a time, each one's term cache
** set prefetched as it is queued, and then analysed and passed on: the
** cache holds 2 MiB of forms hit at random, and that one load was 77% of
** the time of the stem cache it replaced (perf, Reuters) until it
** overlapped with the work on the other tokens of the batch. Filling and draining in two loops
** keeps few values live across calls (a ring that did both per token took
** 114 M instructions of bl_analyze's own on BBC, the batch 80 M, none
** 63 M). Tokens reach fn in text order as before. */
int bl_analyze(bl_analyzer *a, const char *text, size_t len,
               const char *lang, bl_token_fn fn, void *ctx)
{
    bl_tokenizer tz;
    lang_ctx *l;
    bool more = true;
    int rc, err = BL_OK;

    if (a == NULL || (text == NULL && len > 0) || fn == NULL)
        return BL_EINVAL;
    if (len > UINT32_MAX)
        return BL_ELIMIT;
    rc = lang_for(a, lang, &l);
    if (rc != BL_OK)
        return rc;
    if (len == 0)
        return BL_OK;
    bl_tokenizer_init(&tz, text, len);
    while (more) {
        unsigned n_ahead = 0;

        /* Queue up to AHEAD tokens, then pass them all on. */
        while (n_ahead < AHEAD) {
            ahead_tok *t = &a->ahead[n_ahead];
            int n;

            more = bl_tokenizer_next(&tz, &t->raw);
            if (!more)
                break;
            n = normal_form(a, text, len, &t->raw, t->term);
            if (n > 0 && l->elisions != NULL)
                n = elide(a, l, text, len, &t->raw, n, t->term);
            if (n < 0) {
                err = n;       /* after the tokens before it */
                more = false;
                break;
            }
            if (n == 0)
                continue;
            t->len = (size_t)n;
            t->hash = term_hash(t->term, t->len);
            if (l->cache != NULL)
                bl_termcache_prefetch(l->cache, t->hash);
            n_ahead++;
        }
        for (unsigned k = 0; k < n_ahead; k++) {
            rc = finish_token(a, l, &a->ahead[k], fn, ctx);
            if (rc != 0)
                return rc;
        }
    }
    return err;
}

const char *const *bl_stem_languages(void)
{
    return bl_stem_names();
}
