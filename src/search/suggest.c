/* suggest.c - completions for a search box (bl_suggest). For each
** snapshot generation a completion table is built once, on first use, and
** kept in the snapshot's aux slot: every word of every live article's
** title, and every pair of adjacent title words ("oil prices"), keyed by
** its folded form (NFKC, case fold, accents stripped) and shown in its
** most common surface form. A word scores 4 per title it appears in plus
** the body document frequency of its analysed term (the index's frequent
** terms come first); a pair scores 4 per title. The table is sorted by key,
** so a request is a binary search for the prefix and a top-k pass over its
** range: microseconds. One thread builds a generation's table; requests
** that arrive meanwhile wait for it rather than build their own.
**
** Invariants: keys are folded with the same function at build time and at
** query time; the table is immutable once installed, so any number of
** threads read it without locks; a request holds a reference to the
** snapshot whose table it reads (bl_index_acquire).
*/
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "byline.h"
#include "base/arena.h"
#include "base/hash.h"
#include "reader/snapshot.h"
#include "segment/segment.h"

#define MAX_KEY 64             /* longer words and pairs are not offered */
#define TITLE_WEIGHT 4         /* score per title holding the key */
#define MAX_WORDS 16           /* words of a prefix considered */

typedef struct entry {
    const char *key;           /* folded form, in the arena */
    const char *surface;       /* shown form, in the arena */
    uint64_t score;
    uint32_t titles;           /* titles holding it (counted once each) */
    uint32_t votes;            /* majority vote for surface */
    uint32_t last_doc;         /* last title counted, +1 (0 = none) */
    bool pair;                 /* two words */
    bool strong;               /* surface seen inside a mixed-case title */
} entry;

typedef struct table {
    pthread_mutex_t mu;        /* held by the one thread building it */
    atomic_bool ready;         /* built (rc says how) */
    int rc;                    /* BL_OK, or why the build failed */
    bl_arena arena;            /* keys and surfaces */
    entry *entries;            /* sorted by key once built */
    size_t n, cap;
    uint32_t *slots;           /* hash slots: entry index + 1; build only */
    size_t n_slots;
} table;

static void table_free(void *p)
{
    table *t = p;

    if (t == NULL)
        return;
    pthread_mutex_destroy(&t->mu);
    bl_arena_free(&t->arena);
    free(t->entries);
    free(t->slots);
    free(t);
}

/* An empty table whose mutex the caller holds. */
static table *table_new(void)
{
    table *t = calloc(1, sizeof *t);

    if (t == NULL)
        return NULL;
    pthread_mutex_init(&t->mu, NULL);
    pthread_mutex_lock(&t->mu);
    atomic_init(&t->ready, false);
    bl_arena_init(&t->arena, 0);
    return t;
}

/* Fold s: NFKC, case fold, strip accents. malloc'ed, NULL if s is not
** UTF-8 or on ENOMEM. */
static char *fold(const char *s, size_t len, bool strip)
{
    utf8proc_uint8_t *out = NULL;
    utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPAT |
                            UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
                            UTF8PROC_IGNORE;

    if (strip)
        opt |= UTF8PROC_STRIPMARK;
    if (utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len,
                     &out, opt) < 0)
        return NULL;
    return (char *)out;
}

/* True when s has a lowercase letter (a title not written in capitals). */
static bool has_lower(const char *s)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_int32_t cp;
    utf8proc_ssize_t n;

    while (*p != '\0') {
        n = utf8proc_iterate(p, -1, &cp);
        if (n <= 0)
            return false;
        if (utf8proc_category(cp) == UTF8PROC_CATEGORY_LL)
            return true;
        p += n;
    }
    return false;
}

/* True when a letter after the first of s[0..len) is uppercase. */
static bool upper_after_first(const char *s, size_t len)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    const utf8proc_uint8_t *end = p + len;
    utf8proc_int32_t cp;
    utf8proc_ssize_t n;
    bool first = true;

    while (p < end) {
        n = utf8proc_iterate(p, end - p, &cp);
        if (n <= 0)
            return false;
        if (!first && utf8proc_category(cp) == UTF8PROC_CATEGORY_LU)
            return true;
        first = false;
        p += n;
    }
    return false;
}

static bool has_letter(const char *s)
{
    for (; *s != '\0'; s++)
        if ((*s >= 'a' && *s <= 'z') || (unsigned char)*s >= 0x80)
            return true;
    return false;
}

static int grow_slots(table *t)
{
    size_t n = t->n_slots != 0 ? t->n_slots * 2 : 4096;
    uint32_t *slots = calloc(n, sizeof *slots);

    if (slots == NULL)
        return BL_ENOMEM;
    for (size_t i = 0; i < t->n; i++) {
        size_t h = bl_hash(t->entries[i].key, strlen(t->entries[i].key)) &
                   (n - 1);

        while (slots[h] != 0)
            h = (h + 1) & (n - 1);
        slots[h] = (uint32_t)i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->n_slots = n;
    return BL_OK;
}

/* Count key (shown as surface) for title doc. A weak surface (a title's
** first word, or any word of a title in capitals, whose case says nothing)
** is shown only until a strong one (a word inside a mixed-case title)
** turns up. */
static int add(table *t, const char *key, const char *surface, bool pair,
               bool weak, uint32_t doc)
{
    size_t len = strlen(key), h;
    entry *e;

    if (len == 0 || len > MAX_KEY || !has_letter(key))
        return BL_OK;
    if ((t->n + 1) * 2 > t->n_slots && grow_slots(t) != BL_OK)
        return BL_ENOMEM;
    h = bl_hash(key, len) & (t->n_slots - 1);
    while (t->slots[h] != 0) {
        e = &t->entries[t->slots[h] - 1];
        if (strcmp(e->key, key) == 0)
            goto found;
        h = (h + 1) & (t->n_slots - 1);
    }
    if (t->n == t->cap) {
        size_t cap = t->cap != 0 ? t->cap * 2 : 4096;
        entry *grown = realloc(t->entries, cap * sizeof *grown);

        if (grown == NULL)
            return BL_ENOMEM;
        t->entries = grown;
        t->cap = cap;
    }
    e = &t->entries[t->n];
    memset(e, 0, sizeof *e);
    e->key = bl_arena_strndup(&t->arena, key, len);
    e->surface = bl_arena_strndup(&t->arena, surface, strlen(surface));
    if (e->key == NULL || e->surface == NULL)
        return BL_ENOMEM;
    e->pair = pair;
    e->strong = !weak;
    t->slots[h] = (uint32_t)++t->n;
found:
    if (e->last_doc != doc + 1) {
        e->last_doc = doc + 1;
        e->titles++;
    }
    if (weak && e->strong)
        return BL_OK;
    if (!weak && !e->strong) {
        e->strong = true;
        e->votes = 0;          /* the first strong form replaces it */
    }
    /* Boyer-Moore majority vote: the form most titles use wins. */
    if (strcmp(e->surface, surface) == 0) {
        e->votes++;
    } else if (e->votes > 0) {
        e->votes--;
    } else {
        e->surface = bl_arena_strndup(&t->arena, surface, strlen(surface));
        if (e->surface == NULL)
            return BL_ENOMEM;
        e->votes = 1;
    }
    return BL_OK;
}

/* State of one title's analysis. */
typedef struct title_ctx {
    table *t;
    const char *text;          /* the title */
    bool capitals;             /* a title without lowercase letters */
    uint32_t doc;              /* a number unique to the title */
    uint32_t prev_pos;         /* position of the previous word */
    char prev_key[MAX_KEY + 1];
    char prev_surface[4 * MAX_KEY + 1];
    bool prev_weak;
    bool have_prev;
    int rc;
} title_ctx;

static int on_token(void *arg, const bl_token *tok)
{
    title_ctx *c = arg;
    const char *s = c->text + tok->start;
    size_t len = tok->end - tok->start;
    bool weak = c->capitals || tok->pos == 0;
    char *key, *surface;
    int rc = BL_OK;

    key = fold(s, len, true);
    /* In capitals, and a capital first word followed by lowercase ones,
    ** are shown lowercased; "EU" or "McDonald" first stay as they are. */
    surface = c->capitals || (tok->pos == 0 && !upper_after_first(s, len))
                  ? fold(s, len, false) : strndup(s, len);
    if (key == NULL || surface == NULL) {
        free(key);
        free(surface);
        return BL_OK;          /* a token that is not UTF-8: skip it */
    }
    if (strlen(key) <= MAX_KEY && strlen(surface) <= 4 * MAX_KEY) {
        rc = add(c->t, key, surface, false, weak, c->doc);
        if (rc == BL_OK && c->have_prev && tok->pos == c->prev_pos + 1) {
            char pk[2 * MAX_KEY + 2], ps[8 * MAX_KEY + 2];

            snprintf(pk, sizeof pk, "%s %s", c->prev_key, key);
            snprintf(ps, sizeof ps, "%s %s", c->prev_surface, surface);
            rc = add(c->t, pk, ps, true, weak || c->prev_weak, c->doc);
        }
        strcpy(c->prev_key, key);
        strcpy(c->prev_surface, surface);
        c->prev_weak = weak;
        c->have_prev = true;
    } else {
        c->have_prev = false;
    }
    c->prev_pos = tok->pos;
    free(key);
    free(surface);
    c->rc = rc;
    return rc;
}

/* The body df of the first analysed term of a word (stopwords give none). */
typedef struct df_ctx {
    const bl_snapshot *s;
    uint64_t df;
} df_ctx;

static int first_df(void *arg, const bl_token *tok)
{
    df_ctx *c = arg;

    if (bl_snapshot_df(c->s, BL_FIELD_BODY, tok->term, tok->term_len,
                       &c->df) != BL_OK)
        c->df = 0;
    return 1;                  /* one token is enough */
}

/* Score every entry: titles, and for a word the body df of its term. */
static int score_entries(table *t, const bl_snapshot *s)
{
    bl_analyzer_opts ao;
    bl_analyzer *stem = NULL;
    int rc;

    bl_snapshot_analyzer_opts(s, &ao);
    rc = bl_analyzer_new(&ao, &stem);
    if (rc != BL_OK)
        return rc;
    for (size_t i = 0; i < t->n; i++) {
        entry *e = &t->entries[i];
        df_ctx c = {s, 0};

        e->score = (uint64_t)e->titles * TITLE_WEIGHT;
        if (e->pair)
            continue;
        bl_analyze(stem, e->key, strlen(e->key), NULL, first_df, &c);
        e->score += c.df;
    }
    bl_analyzer_free(stem);
    return BL_OK;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->key, ((const entry *)b)->key);
}

/* Read every live title of the snapshot into the empty table t. */
static int build(const bl_snapshot *s, table *t)
{
    bl_analyzer_opts ao;
    bl_analyzer *words = NULL;
    bl_store_ctx *store = NULL;
    uint32_t doc_no = 0;
    int rc;

    bl_snapshot_analyzer_opts(s, &ao);
    ao.stem = false;
    ao.stopwords = true;
    rc = bl_analyzer_new(&ao, &words);
    if (rc == BL_OK)
        rc = bl_store_ctx_new(&store);
    for (size_t i = 0; rc == BL_OK && i < bl_snapshot_segment_count(s);
         i++) {
        const bl_segment *seg = bl_snapshot_segment(s, i);
        uint32_t n = bl_segment_docs(seg);

        for (uint32_t d = 0; rc == BL_OK && d < n; d++, doc_no++) {
            bl_doc *doc = NULL;
            title_ctx c;

            if (bl_snapshot_deleted(s, i, d))
                continue;
            rc = bl_segment_doc_head(seg, d, store, &doc);
            if (rc != BL_OK)
                break;
            memset(&c, 0, sizeof c);
            c.t = t;
            c.text = doc->title;
            c.capitals = !has_lower(doc->title);
            c.doc = doc_no;
            bl_analyze(words, doc->title, strlen(doc->title), doc->lang,
                       on_token, &c);
            rc = c.rc;
            bl_doc_free(doc);
        }
    }
    if (rc == BL_OK)
        rc = score_entries(t, s);
    bl_store_ctx_free(store);
    bl_analyzer_free(words);
    free(t->slots);
    t->slots = NULL;
    if (rc != BL_OK) {
        t->n = 0;              /* answer nothing rather than half */
        return rc;
    }
    qsort(t->entries, t->n, sizeof *t->entries, by_key);
    return BL_OK;
}

/* ---- answering ----------------------------------------------------------- */

/* Does a rank above b? Higher score, then shorter, then by key. */
static bool better(const entry *a, const entry *b)
{
    size_t la, lb;

    if (a->score != b->score)
        return a->score > b->score;
    la = strlen(a->key);
    lb = strlen(b->key);
    if (la != lb)
        return la < lb;
    return strcmp(a->key, b->key) < 0;
}

/* The best k entries whose key starts with prefix, best first, into top;
** returns how many. */
static size_t complete(const table *t, const char *prefix, size_t k,
                       const entry **top)
{
    size_t len = strlen(prefix), lo = 0, hi = t->n, n = 0;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (strcmp(t->entries[mid].key, prefix) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < t->n; i++) {
        const entry *e = &t->entries[i];
        size_t j;

        if (strncmp(e->key, prefix, len) != 0)
            break;
        if (n == k && !better(e, top[k - 1]))
            continue;
        /* Insertion into the sorted top list (k is small). */
        j = n < k ? n++ : k - 1;
        while (j > 0 && better(e, top[j - 1])) {
            top[j] = top[j - 1];
            j--;
        }
        top[j] = e;
    }
    return n;
}

/* The table of s, built on first use by one thread while others wait:
** the builder installs an empty table, holding its mutex, before it reads
** a single title. */
static int table_of(bl_snapshot *s, const table **out)
{
    table *t = bl_snapshot_aux(s), *mine;

    if (t == NULL) {
        mine = table_new();
        if (mine == NULL)
            return BL_ENOMEM;
        t = bl_snapshot_aux_set(s, mine, table_free);
        if (t == mine) {
            t->rc = build(s, t);
            atomic_store(&t->ready, true);
            pthread_mutex_unlock(&t->mu);
        } else {
            pthread_mutex_unlock(&mine->mu);
            table_free(mine);
            if (t == NULL)
                return BL_ENOMEM;
        }
    }
    if (!atomic_load(&t->ready)) {
        pthread_mutex_lock(&t->mu);        /* wait for the builder */
        pthread_mutex_unlock(&t->mu);
    }
    *out = t;
    return t->rc;
}

/* Split the typed prefix into words (by white space), keeping where each
** starts; returns the count. */
static size_t split(const char *p, const char **starts, size_t *lens)
{
    size_t n = 0;

    while (*p != '\0') {
        size_t w;

        p += strspn(p, " \t\r\n");
        w = strcspn(p, " \t\r\n");
        if (w == 0)
            break;
        if (n == MAX_WORDS) {      /* keep the last MAX_WORDS */
            memmove(starts, starts + 1, (n - 1) * sizeof *starts);
            memmove(lens, lens + 1, (n - 1) * sizeof *lens);
            n--;
        }
        starts[n] = p;
        lens[n++] = w;
        p += w;
    }
    return n;
}

int bl_suggest(bl_index *ix, const char *prefix, size_t k, char ***out)
{
    bl_snapshot *s;
    const table *t = NULL;
    const entry **top = NULL;
    const char *starts[MAX_WORDS];
    size_t lens[MAX_WORDS], n_words, n = 0, head_len = 0, bytes;
    bool trailing_space;
    char **list;
    char *p;
    int rc;

    *out = NULL;
    if (ix == NULL || prefix == NULL)
        return BL_EINVAL;
    s = bl_index_acquire(ix);
    if (s == NULL)
        return BL_EINVAL;
    rc = table_of(s, &t);
    if (rc == BL_OK && k > 0) {
        top = malloc(k * sizeof *top);
        if (top == NULL)
            rc = BL_ENOMEM;
    }
    n_words = split(prefix, starts, lens);
    trailing_space = n_words > 0 &&
        starts[n_words - 1][lens[n_words - 1]] != '\0';
    /* Complete the last two words as a pair, else the last word alone;
    ** the words before are kept as typed. A prefix ending in a space asks
    ** for the next word of a pair. */
    for (size_t use = n_words >= 2 ? 2 : n_words; rc == BL_OK && k > 0;
         use--) {
        char folded[2 * (4 * MAX_KEY) + 4] = "";
        size_t at = 0;
        bool fits = true;

        for (size_t w = n_words - use; w < n_words; w++) {
            char *f = fold(starts[w], lens[w], true);

            if (f == NULL || at + strlen(f) + 2 > sizeof folded) {
                fits = false;
                free(f);
                break;
            }
            at += (size_t)snprintf(folded + at, sizeof folded - at, "%s%s",
                                   at > 0 ? " " : "", f);
            free(f);
        }
        if (fits && trailing_space && use == 1 && at + 2 < sizeof folded)
            strcpy(folded + at, " ");
        if (fits && !(trailing_space && use == 2))
            n = complete(t, folded, k, top);
        head_len = use < n_words ? (size_t)(starts[n_words - use] - prefix)
                                 : 0;
        if (n > 0 || use <= 1)
            break;
    }
    if (rc != BL_OK) {
        free(top);
        bl_snapshot_release(s);
        return rc;
    }
    bytes = (n + 1) * sizeof *list;
    for (size_t i = 0; i < n; i++)
        bytes += head_len + strlen(top[i]->surface) + 1;
    list = malloc(bytes);
    if (list == NULL) {
        free(top);
        bl_snapshot_release(s);
        return BL_ENOMEM;
    }
    p = (char *)(list + n + 1);
    for (size_t i = 0; i < n; i++) {
        size_t sl = strlen(top[i]->surface);

        list[i] = p;
        memcpy(p, prefix, head_len);
        memcpy(p + head_len, top[i]->surface, sl + 1);
        p += head_len + sl + 1;
    }
    list[n] = NULL;
    free(top);
    bl_snapshot_release(s);
    *out = list;
    return BL_OK;
}

void bl_suggest_free(char **list)
{
    free(list);
}
