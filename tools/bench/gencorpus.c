/* gencorpus.c - the corpus model and article generator of gencorpus.h.
**
** Learning counts tokens (tokens.h) into a string table of surface forms
** (id 0 is the start of a field), unigram counts per field (title, body) and
** bigram counts in a hash map keyed by (previous id, id). Freezing turns
** them into an alias table per field (O(1) unigram draws) and, per field,
** the successors of every word sorted by id with cumulative counts (a
** binary search per draw). Generation only reads the frozen model, so many
** generators may share one.
**
** Invariant: nothing in generation depends on anything but the model and
** the generator's seed (no clock, no address, no hash-table order), so the
** output is the same bytes on every run.
*/
#include "gencorpus.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rng.h"
#include "tokens.h"

#define N_FIELDS 2             /* 0 title, 1 body */
#define START_ID 0             /* the start of a field; never a successor */
#define NO_WORD UINT32_MAX     /* after a new word: no known successors */
#define UNIGRAM_MIX 0.1        /* share of draws from the unigram table */
#define MAX_HEAPS_PTS 64
#define MAX_LANGS 16           /* languages modelled apart; more share one */

/* ---- a map from (prev, next) to a count ------------------------------- */

typedef struct pair {
    uint64_t key;              /* prev << 32 | next; UINT64_MAX = empty */
    uint32_t count;
} pair;

typedef struct pairmap {
    pair *p;
    size_t n, cap;             /* used, slots (a power of two) */
} pairmap;

static size_t pair_slot(uint64_t key, size_t cap)
{
    return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 17) & (cap - 1);
}

static int pairmap_grow(pairmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 4096;
    pair *p = malloc(cap * sizeof *p);

    if (p == NULL)
        return BL_ENOMEM;
    for (size_t i = 0; i < cap; i++)
        p[i].key = UINT64_MAX;
    for (size_t i = 0; i < m->cap; i++) {
        size_t j;

        if (m->p[i].key == UINT64_MAX)
            continue;
        for (j = pair_slot(m->p[i].key, cap); p[j].key != UINT64_MAX;
             j = (j + 1) & (cap - 1))
            ;
        p[j] = m->p[i];
    }
    free(m->p);
    m->p = p;
    m->cap = cap;
    return BL_OK;
}

static int pairmap_inc(pairmap *m, uint32_t prev, uint32_t next)
{
    uint64_t key = (uint64_t)prev << 32 | next;
    size_t j;

    if ((m->n + 1) * 2 > m->cap && pairmap_grow(m) != BL_OK)
        return BL_ENOMEM;
    for (j = pair_slot(key, m->cap); m->p[j].key != UINT64_MAX;
         j = (j + 1) & (m->cap - 1))
        if (m->p[j].key == key) {
            m->p[j].count++;
            return BL_OK;
        }
    m->p[j].key = key;
    m->p[j].count = 1;
    m->n++;
    return BL_OK;
}

/* ---- the model --------------------------------------------------------- */

typedef struct article {
    uint32_t title_len, body_len;   /* tokens */
    uint32_t source;                /* id in sources */
    uint32_t lang;                  /* id in langs, below MAX_LANGS */
    int64_t date;                   /* or BL_NO_DATE */
} article;

/* The frozen sampling tables of one field. */
typedef struct field_tables {
    size_t n_uni;              /* words seen in this field */
    uint32_t *uni_id;          /* slot -> word id */
    double *uni_prob;          /* alias method: keep slot with this chance */
    uint32_t *uni_alias;       /* else take this slot */
    size_t *succ_off;          /* word id -> first successor; n_words + 1 */
    uint32_t *succ_id;         /* successors, by previous word then id */
    uint32_t *succ_cum;        /* cumulative counts within a word's run */
} field_tables;

struct bench_model {
    bench_strtab *words;       /* surface forms; id 0 = "" (start) */
    bench_strtab *sources;
    bench_strtab *langs;       /* "" for articles without a language */
    size_t n_langs;            /* models in use, at most MAX_LANGS */
    uint64_t *count[MAX_LANGS][N_FIELDS];   /* word id -> occurrences */
    uint8_t *punct;            /* word id -> 1 for a punctuation mark */
    size_t cap_words;          /* room in count[] and punct */
    pairmap bigrams[MAX_LANGS][N_FIELDS];
    article *docs;
    size_t n_docs, cap_docs;
    uint64_t tokens;           /* all tokens learnt */
    uint64_t word_tokens;      /* tokens that are words */
    uint64_t distinct_words;   /* distinct words (not punctuation) */
    uint64_t heaps_n[MAX_HEAPS_PTS], heaps_v[MAX_HEAPS_PTS];
    size_t n_heaps;            /* points at word_tokens = 2^10, 2^11 ... */
    double heaps_k, heaps_beta;
    int64_t date_min, date_max;
    bool frozen;
    field_tables tab[MAX_LANGS][N_FIELDS];
};

int bench_model_new(bench_model **out)
{
    bench_model *m = calloc(1, sizeof *m);
    uint32_t id;
    int rc;

    *out = NULL;
    if (m == NULL)
        return BL_ENOMEM;
    m->date_min = INT64_MAX;
    m->date_max = INT64_MIN;
    rc = bench_strtab_new(&m->words);
    if (rc == BL_OK)
        rc = bench_strtab_new(&m->sources);
    if (rc == BL_OK)
        rc = bench_strtab_new(&m->langs);
    if (rc == BL_OK)
        rc = bench_strtab_put(m->words, "", 0, &id, NULL);
    if (rc != BL_OK) {
        bench_model_free(m);
        return rc;
    }
    *out = m;
    return BL_OK;
}

void bench_model_free(bench_model *m)
{
    if (m == NULL)
        return;
    bench_strtab_free(m->words);
    bench_strtab_free(m->sources);
    bench_strtab_free(m->langs);
    for (int l = 0; l < MAX_LANGS; l++)
        for (int f = 0; f < N_FIELDS; f++) {
            field_tables *t = &m->tab[l][f];

            free(m->count[l][f]);
            free(m->bigrams[l][f].p);
            free(t->uni_id);
            free(t->uni_prob);
            free(t->uni_alias);
            free(t->succ_off);
            free(t->succ_id);
            free(t->succ_cum);
        }
    free(m->punct);
    free(m->docs);
    free(m);
}

/* Make room for word ids below n in the per-word arrays. */
static int reserve_words(bench_model *m, size_t n)
{
    size_t cap;

    if (n <= m->cap_words)
        return BL_OK;
    cap = m->cap_words ? m->cap_words : 4096;
    while (cap < n)
        cap *= 2;
    for (size_t l = 0; l < m->n_langs; l++)
        for (int f = 0; f < N_FIELDS; f++) {
            uint64_t *c = realloc(m->count[l][f], cap * sizeof *c);

            if (c == NULL)
                return BL_ENOMEM;
            memset(c + m->cap_words, 0, (cap - m->cap_words) * sizeof *c);
            m->count[l][f] = c;
        }
    {
        uint8_t *p = realloc(m->punct, cap);

        if (p == NULL)
            return BL_ENOMEM;
        memset(p + m->cap_words, 0, cap - m->cap_words);
        m->punct = p;
    }
    m->cap_words = cap;
    return BL_OK;
}

/* Learn one field of language l; *n_tokens gets its length in tokens. */
static int learn_field(bench_model *m, uint32_t l, int f, const char *text,
                       uint32_t *n_tokens)
{
    size_t len = strlen(text), pos = 0, start, end;
    uint32_t prev = START_ID, id, n = 0;
    bool punct, added;
    int rc = BL_OK;

    while (rc == BL_OK &&
           bench_token_next(text, len, &pos, &start, &end, &punct)) {
        rc = bench_strtab_put(m->words, text + start, end - start, &id,
                              &added);
        if (rc == BL_OK)
            rc = reserve_words(m, (size_t)id + 1);
        if (rc == BL_OK)
            rc = pairmap_inc(&m->bigrams[l][f], prev, id);
        if (rc != BL_OK)
            break;
        m->punct[id] = punct;
        m->count[l][f][id]++;
        m->tokens++;
        if (n < UINT32_MAX)
            n++;
        if (!punct) {
            m->word_tokens++;
            m->distinct_words += added;
            if ((m->word_tokens & (m->word_tokens - 1)) == 0 &&
                m->word_tokens >= 1024 && m->n_heaps < MAX_HEAPS_PTS) {
                m->heaps_n[m->n_heaps] = m->word_tokens;
                m->heaps_v[m->n_heaps++] = m->distinct_words;
            }
        }
        prev = id;
    }
    *n_tokens = n;
    return rc;
}

/* The model number of a language, making its tables when new. */
static int lang_of(bench_model *m, const char *lang, uint32_t *out)
{
    uint32_t id;
    int rc = bench_strtab_put(m->langs, lang, strlen(lang), &id, NULL);

    *out = 0;
    if (rc != BL_OK)
        return rc;
    if (id >= MAX_LANGS) {
        *out = MAX_LANGS - 1;
        return BL_OK;
    }
    if (id >= m->n_langs) {
        for (int f = 0; f < N_FIELDS; f++) {
            m->count[id][f] = calloc(m->cap_words ? m->cap_words : 1,
                                     sizeof *m->count[id][f]);
            if (m->count[id][f] == NULL)
                return BL_ENOMEM;
        }
        m->n_langs = id + 1;
    }
    *out = id;
    return BL_OK;
}

int bench_model_add(bench_model *m, const bl_doc *doc)
{
    article a;
    int rc;

    if (m->frozen)
        return BL_EINVAL;
    if (m->n_docs == m->cap_docs) {
        size_t cap = m->cap_docs ? m->cap_docs * 2 : 1024;
        article *d = realloc(m->docs, cap * sizeof *d);

        if (d == NULL)
            return BL_ENOMEM;
        m->docs = d;
        m->cap_docs = cap;
    }
    rc = lang_of(m, doc->lang, &a.lang);
    if (rc == BL_OK)
        rc = learn_field(m, a.lang, 0, doc->title, &a.title_len);
    if (rc == BL_OK)
        rc = learn_field(m, a.lang, 1, doc->body, &a.body_len);
    if (rc == BL_OK)
        rc = bench_strtab_put(m->sources, doc->source, strlen(doc->source),
                              &a.source, NULL);
    if (rc != BL_OK)
        return rc;
    a.date = doc->date;
    if (a.date != BL_NO_DATE) {
        m->date_min = a.date < m->date_min ? a.date : m->date_min;
        m->date_max = a.date > m->date_max ? a.date : m->date_max;
    }
    m->docs[m->n_docs++] = a;
    return BL_OK;
}

/* Vose's alias method over the words with a non-zero count in field f of
** language l. */
static int build_unigram(bench_model *m, size_t l, int f)
{
    field_tables *t = &m->tab[l][f];
    const uint64_t *count = m->count[l][f];
    size_t n_words = bench_strtab_count(m->words), n = 0, n_small = 0,
           n_large = 0;
    uint32_t *small, *large;
    double total = 0;

    for (size_t i = 0; i < n_words; i++)
        if (count[i] > 0) {
            n++;
            total += (double)count[i];
        }
    t->n_uni = n;
    if (n == 0)
        return BL_OK;
    t->uni_id = malloc(n * sizeof *t->uni_id);
    t->uni_prob = malloc(n * sizeof *t->uni_prob);
    t->uni_alias = malloc(n * sizeof *t->uni_alias);
    small = malloc(n * sizeof *small);
    large = malloc(n * sizeof *large);
    if (t->uni_id == NULL || t->uni_prob == NULL || t->uni_alias == NULL ||
        small == NULL || large == NULL) {
        free(small);
        free(large);
        return BL_ENOMEM;
    }
    n = 0;
    for (size_t i = 0; i < n_words; i++)
        if (count[i] > 0) {
            t->uni_id[n] = (uint32_t)i;
            t->uni_prob[n] =
                (double)count[i] * (double)t->n_uni / total;
            t->uni_alias[n] = (uint32_t)n;
            if (t->uni_prob[n] < 1.0)
                small[n_small++] = (uint32_t)n;
            else
                large[n_large++] = (uint32_t)n;
            n++;
        }
    while (n_small > 0 && n_large > 0) {
        uint32_t s = small[--n_small], l = large[n_large - 1];

        t->uni_alias[s] = l;
        t->uni_prob[l] -= 1.0 - t->uni_prob[s];
        if (t->uni_prob[l] < 1.0) {
            n_large--;
            small[n_small++] = l;
        }
    }
    while (n_large > 0)
        t->uni_prob[large[--n_large]] = 1.0;
    while (n_small > 0)
        t->uni_prob[small[--n_small]] = 1.0;
    free(small);
    free(large);
    return BL_OK;
}

static int cmp_pair(const void *a, const void *b)
{
    uint64_t x = ((const pair *)a)->key, y = ((const pair *)b)->key;

    return (x > y) - (x < y);
}

/* Successor runs by previous word, with cumulative counts. */
static int build_bigrams(bench_model *m, size_t l, int f)
{
    field_tables *t = &m->tab[l][f];
    pairmap *pm = &m->bigrams[l][f];
    size_t n_words = bench_strtab_count(m->words), n = 0;
    pair *all = malloc((pm->n ? pm->n : 1) * sizeof *all);

    t->succ_off = calloc(n_words + 1, sizeof *t->succ_off);
    t->succ_id = malloc((pm->n ? pm->n : 1) * sizeof *t->succ_id);
    t->succ_cum = malloc((pm->n ? pm->n : 1) * sizeof *t->succ_cum);
    if (all == NULL || t->succ_off == NULL || t->succ_id == NULL ||
        t->succ_cum == NULL) {
        free(all);
        return BL_ENOMEM;
    }
    for (size_t i = 0; i < pm->cap; i++)
        if (pm->p[i].key != UINT64_MAX)
            all[n++] = pm->p[i];
    qsort(all, n, sizeof *all, cmp_pair);
    for (size_t i = 0; i < n; i++) {
        uint32_t prev = (uint32_t)(all[i].key >> 32);
        bool same = i > 0 && (uint32_t)(all[i - 1].key >> 32) == prev;

        t->succ_off[prev + 1]++;
        t->succ_id[i] = (uint32_t)all[i].key;
        t->succ_cum[i] = (same ? t->succ_cum[i - 1] : 0) + all[i].count;
    }
    for (size_t i = 0; i < n_words; i++)
        t->succ_off[i + 1] += t->succ_off[i];
    free(all);
    free(pm->p);
    pm->p = NULL;
    pm->cap = 0;
    return BL_OK;
}

/* Fit V = K n^beta on the last two points at least a factor 2 apart,
** beta kept within 0.4 to 0.6 (what is measured on large English text;
** a small corpus overstates it: the 241-article sample gives 0.73, which
** would make a 10^6-article archive hold several million words), K then
** chosen so that the curve passes through the source's own size. */
static void fit_heaps(bench_model *m)
{
    double n = (double)m->word_tokens, v = (double)m->distinct_words;
    double beta = 0.5;

    for (size_t i = m->n_heaps; i-- > 0;)
        if ((double)m->heaps_n[i] * 2 <= n && m->heaps_v[i] > 0) {
            beta = log(v / (double)m->heaps_v[i]) /
                   log(n / (double)m->heaps_n[i]);
            break;
        }
    if (!(beta >= 0.4))
        beta = 0.4;
    if (beta > 0.6)
        beta = 0.6;
    m->heaps_beta = beta;
    m->heaps_k = n > 0 ? v / pow(n, beta) : 0;
}

int bench_model_freeze(bench_model *m)
{
    int rc = BL_OK;

    if (m->frozen || m->n_docs == 0 || m->tokens == 0)
        return BL_EINVAL;
    for (size_t l = 0; l < m->n_langs; l++)
        for (int f = 0; f < N_FIELDS && rc == BL_OK; f++) {
            rc = build_unigram(m, l, f);
            if (rc == BL_OK)
                rc = build_bigrams(m, l, f);
        }
    if (rc != BL_OK)
        return rc;
    fit_heaps(m);
    m->frozen = true;
    return BL_OK;
}

void bench_model_info_get(const bench_model *m, bench_model_info *out)
{
    memset(out, 0, sizeof *out);
    out->docs = m->n_docs;
    out->tokens = m->tokens;
    out->words = m->distinct_words;
    for (size_t l = 0; l < m->n_langs; l++)
        for (int f = 0; f < N_FIELDS; f++)
            out->bigrams +=
                m->frozen ? m->tab[l][f].succ_off[bench_strtab_count(m->words)]
                          : m->bigrams[l][f].n;
    out->langs = m->n_langs;
    out->sources = bench_strtab_count(m->sources);
    out->heaps_k = m->heaps_k;
    out->heaps_beta = m->heaps_beta;
    out->date_min = m->date_min <= m->date_max ? m->date_min : BL_NO_DATE;
    out->date_max = m->date_min <= m->date_max ? m->date_max : BL_NO_DATE;
}

/* ---- generation -------------------------------------------------------- */

struct bench_gen {
    const bench_model *m;
    bench_rng rng;
    uint64_t seed;
    uint64_t n;                /* articles made */
    uint64_t word_tokens;      /* words made, for the growth of the vocab */
    uint64_t novel;            /* new words made */
    double p_new;              /* chance that the next word is new */
    char *buf;                 /* the current line */
    size_t len, cap;
    bool oom;                  /* a failed allocation: no more output */
};

int bench_gen_new(const bench_model *m, uint64_t seed, bench_gen **out)
{
    bench_gen *g;

    *out = NULL;
    if (!m->frozen)
        return BL_EINVAL;
    g = calloc(1, sizeof *g);
    if (g == NULL)
        return BL_ENOMEM;
    g->m = m;
    g->seed = seed;
    bench_rng_seed(&g->rng, seed);
    g->cap = 1 << 16;
    g->buf = malloc(g->cap);
    if (g->buf == NULL) {
        free(g);
        return BL_ENOMEM;
    }
    *out = g;
    return BL_OK;
}

void bench_gen_free(bench_gen *g)
{
    if (g == NULL)
        return;
    free(g->buf);
    free(g);
}

static void put(bench_gen *g, const char *s, size_t len)
{
    if (g->len + len > g->cap) {
        size_t cap = g->cap;
        char *b;

        while (cap < g->len + len)
            cap *= 2;
        b = realloc(g->buf, cap);
        if (b == NULL) {
            g->oom = true;
            return;
        }
        g->buf = b;
        g->cap = cap;
    }
    memcpy(g->buf + g->len, s, len);
    g->len += len;
}

static void puts_lit(bench_gen *g, const char *s)
{
    put(g, s, strlen(s));
}

/* A JSON string's contents: quotes, backslashes and controls escaped. */
static void put_escaped(bench_gen *g, const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[8];

        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(g, esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            put(g, esc, 6);
        } else {
            put(g, s, 1);
        }
    }
}

static uint32_t draw_unigram(bench_gen *g, const field_tables *t)
{
    size_t i = (size_t)bench_rng_below(&g->rng, t->n_uni);

    return bench_rng_unit(&g->rng) < t->uni_prob[i] ? t->uni_id[i]
                                                     : t->uni_id[
                                                           t->uni_alias[i]];
}

/* The next word after prev, or NO_WORD when prev has no successors. */
static uint32_t draw_bigram(bench_gen *g, const field_tables *t,
                            uint32_t prev)
{
    size_t lo = t->succ_off[prev], hi = t->succ_off[prev + 1];
    uint32_t r;

    if (lo == hi)
        return NO_WORD;
    r = (uint32_t)bench_rng_below(&g->rng, t->succ_cum[hi - 1]);
    while (lo < hi) {                /* the first cum > r */
        size_t mid = lo + (hi - lo) / 2;

        if (t->succ_cum[mid] > r)
            hi = mid;
        else
            lo = mid + 1;
    }
    return t->succ_id[lo];
}

/* A word that is in no real corpus: the counter spelt in syllables,
** at least three of them ("bakoti"), unique per counter. */
static void put_novel(bench_gen *g, uint64_t c)
{
    static const char cons[] = "bdfgklmnprstvz", vow[] = "aeiou";
    char w[64];
    size_t n = 0;

    c += 70 * 70;
    while (c > 0 && n + 2 < sizeof w) {
        unsigned s = (unsigned)(c % 70);

        w[n++] = cons[s / 5];
        w[n++] = vow[s % 5];
        c /= 70;
    }
    put(g, w, n);
}

static void update_p_new(bench_gen *g)
{
    const bench_model *m = g->m;
    double t = (double)g->word_tokens;

    if (g->word_tokens <= m->word_tokens)
        g->p_new = 0;
    else
        g->p_new = m->heaps_beta * m->heaps_k * pow(t, m->heaps_beta - 1);
}

static void gen_field(bench_gen *g, uint32_t l, int f, uint32_t n_tokens)
{
    const bench_model *m = g->m;
    const field_tables *t = &m->tab[l][f];
    uint32_t prev = START_ID;
    bool first = true;

    if (t->n_uni == 0)
        return;
    for (uint32_t i = 0; i < n_tokens; i++) {
        uint32_t id = NO_WORD;
        const char *s;
        size_t len;

        if (g->p_new > 0 && bench_rng_unit(&g->rng) < g->p_new) {
            if (!first)
                put(g, " ", 1);
            put_novel(g, g->novel++);
            prev = NO_WORD;
            first = false;
            g->word_tokens++;
            continue;
        }
        if (prev != NO_WORD && bench_rng_unit(&g->rng) >= UNIGRAM_MIX)
            id = draw_bigram(g, t, prev);
        for (int tries = 0; id == NO_WORD || (first && m->punct[id]);
             tries++) {
            if (tries == 8)
                break;
            id = draw_unigram(g, t);
        }
        if (id == NO_WORD || (first && m->punct[id]))
            continue;
        s = bench_strtab_str(m->words, id, &len);
        if (!first && !m->punct[id])
            put(g, " ", 1);
        put(g, s, len);
        first = false;
        prev = id;
        if (!m->punct[id] && (++g->word_tokens & 4095) == 0)
            update_p_new(g);
    }
}

const char *bench_gen_next(bench_gen *g, size_t *len)
{
    const bench_model *m = g->m;
    const article *a;
    char num[64];

    *len = 0;
    if (g->oom)
        return NULL;
    a = &m->docs[bench_rng_below(&g->rng, m->n_docs)];
    g->len = 0;
    snprintf(num, sizeof num, "%llu-%llu", (unsigned long long)g->seed,
             (unsigned long long)g->n++);
    puts_lit(g, "{\"id\":\"gen-");
    puts_lit(g, num);
    puts_lit(g, "\",\"title\":\"");
    gen_field(g, a->lang, 0, a->title_len);
    puts_lit(g, "\",\"body\":\"");
    gen_field(g, a->lang, 1, a->body_len);
    puts_lit(g, "\"");
    if (a->date != BL_NO_DATE) {
        int64_t d = a->date + (int64_t)bench_rng_below(&g->rng, 86400) -
                    43200;
        time_t tt;
        struct tm tm;

        d = d < m->date_min ? m->date_min : d > m->date_max ? m->date_max : d;
        tt = (time_t)d;
        if (gmtime_r(&tt, &tm) != NULL &&
            strftime(num, sizeof num, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0) {
            puts_lit(g, ",\"date\":\"");
            puts_lit(g, num);
            puts_lit(g, "\"");
        }
    }
    puts_lit(g, ",\"source\":\"");
    put_escaped(g, bench_strtab_str(m->sources, a->source, NULL));
    if (a->lang < bench_strtab_count(m->langs) &&
        *bench_strtab_str(m->langs, a->lang, NULL) != '\0') {
        puts_lit(g, "\",\"lang\":\"");
        put_escaped(g, bench_strtab_str(m->langs, a->lang, NULL));
    }
    puts_lit(g, "\"}\n");
    if (g->oom)
        return NULL;
    *len = g->len;
    return g->buf;
}

int bench_gen_write(bench_gen *g, uint64_t n, FILE *f, uint64_t *bytes,
                    void (*progress)(void *ctx, uint64_t done,
                                     uint64_t bytes),
                    void *ctx)
{
    int rc = BL_OK;

    for (uint64_t i = 0; rc == BL_OK && i < n; i++) {
        size_t len;
        const char *line = bench_gen_next(g, &len);

        if (line == NULL)
            rc = BL_ENOMEM;
        else if (fwrite(line, 1, len, f) != len)
            rc = BL_EIO;
        else
            *bytes += len;
        if (progress != NULL)
            progress(ctx, i + 1, *bytes);
    }
    return rc;
}
