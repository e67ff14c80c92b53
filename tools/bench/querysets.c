/* querysets.c - building the benchmark's query set (see querysets.h).
**
** Candidates are gathered as word lists with a kind and an origin (the
** query logs, then words sampled by document frequency), then each kind is
** shuffled with the seeded generator and cut to per_kind, then every kept
** candidate is written out in both syntaxes. Invariant: every choice comes
** from the seed and the inputs, never from an address or a hash order, so
** a seed gives the same queries on every run and for every engine.
*/
#include "querysets.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "tokens.h"

#define MAX_WORDS 16           /* words kept of one query */
#define MAX_WORD 64            /* bytes in one word */
#define PAIR_EVERY 50          /* record one adjacent pair in this many */
#define MAX_PAIRS 50000

static const char *const kind_names[BENCH_N_KINDS] = {
    "term", "or", "and", "phrase", "prefix", "filtered"};

const char *bench_kind_name(bench_kind k)
{
    return (unsigned)k < BENCH_N_KINDS ? kind_names[k] : "?";
}

void bench_queryset_opts_default(bench_queryset_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->per_kind = 100;
}

void bench_queries_free(bench_queries *qs)
{
    for (size_t i = 0; i < qs->n; i++) {
        free(qs->q[i].text);
        free(qs->q[i].fts5);
    }
    free(qs->q);
    memset(qs, 0, sizeof *qs);
}

/* ---- document frequencies ------------------------------------------- */

struct bench_dfcount {
    bench_strtab *words;       /* folded words */
    uint32_t *df;              /* id -> documents containing it */
    uint64_t *last;            /* id -> the last document counted + 1 */
    size_t cap;
    uint64_t docs;
    int64_t date_min, date_max;
    bench_strtab *pairs;       /* "a b": adjacent words seen */
    uint64_t tokens;           /* words seen, to pick pairs */
};

int bench_dfcount_new(bench_dfcount **out)
{
    bench_dfcount *d = calloc(1, sizeof *d);
    int rc;

    *out = NULL;
    if (d == NULL)
        return BL_ENOMEM;
    d->date_min = INT64_MAX;
    d->date_max = INT64_MIN;
    rc = bench_strtab_new(&d->words);
    if (rc == BL_OK)
        rc = bench_strtab_new(&d->pairs);
    if (rc != BL_OK) {
        bench_dfcount_free(d);
        return rc;
    }
    *out = d;
    return BL_OK;
}

void bench_dfcount_free(bench_dfcount *d)
{
    if (d == NULL)
        return;
    bench_strtab_free(d->words);
    bench_strtab_free(d->pairs);
    free(d->df);
    free(d->last);
    free(d);
}

uint64_t bench_dfcount_docs(const bench_dfcount *d)
{
    return d->docs;
}

static int count_text(bench_dfcount *d, const char *text, bool pairs)
{
    size_t len = strlen(text), pos = 0, start, end, prev_len = 0;
    char w[MAX_WORD], prev[MAX_WORD];
    bool punct;
    int rc = BL_OK;

    while (rc == BL_OK &&
           bench_token_next(text, len, &pos, &start, &end, &punct)) {
        size_t n;
        uint32_t id;

        if (punct) {
            prev_len = 0;
            continue;
        }
        n = bench_token_fold(text + start, end - start, w, sizeof w);
        if (n == 0)
            continue;
        rc = bench_strtab_put(d->words, w, n, &id, NULL);
        if (rc != BL_OK)
            break;
        if (id >= d->cap) {
            size_t cap = d->cap ? d->cap * 2 : 4096;
            uint32_t *df = realloc(d->df, cap * sizeof *df);
            uint64_t *last;

            if (df == NULL)
                return BL_ENOMEM;
            d->df = df;
            last = realloc(d->last, cap * sizeof *last);
            if (last == NULL)
                return BL_ENOMEM;
            d->last = last;
            memset(d->df + d->cap, 0, (cap - d->cap) * sizeof *df);
            memset(d->last + d->cap, 0, (cap - d->cap) * sizeof *last);
            d->cap = cap;
        }
        if (d->last[id] != d->docs + 1) {
            d->last[id] = d->docs + 1;
            d->df[id]++;
        }
        if (pairs && prev_len > 0 && ++d->tokens % PAIR_EVERY == 0 &&
            bench_strtab_count(d->pairs) < MAX_PAIRS) {
            char pair[2 * MAX_WORD + 1];
            uint32_t pid;

            memcpy(pair, prev, prev_len);
            pair[prev_len] = ' ';
            memcpy(pair + prev_len + 1, w, n);
            rc = bench_strtab_put(d->pairs, pair, prev_len + 1 + n, &pid,
                                  NULL);
        }
        memcpy(prev, w, n);
        prev_len = n;
    }
    return rc;
}

void bench_dfcount_add_date(bench_dfcount *d, int64_t date)
{
    if (date != BL_NO_DATE) {
        d->date_min = date < d->date_min ? date : d->date_min;
        d->date_max = date > d->date_max ? date : d->date_max;
    }
}

int bench_dfcount_add(bench_dfcount *d, const bl_doc *doc)
{
    int rc = count_text(d, doc->title, false);

    if (rc == BL_OK)
        rc = count_text(d, doc->body, true);
    if (rc != BL_OK)
        return rc;
    bench_dfcount_add_date(d, doc->date);
    d->docs++;
    return BL_OK;
}

/* ---- candidates -------------------------------------------------------- */

typedef struct cand {
    bench_kind kind;
    char words[MAX_WORDS][MAX_WORD];
    size_t n_words;
    const char *origin;
} cand;

typedef struct cands {
    cand *c;
    size_t n, cap;
} cands;

static cand *cand_push(cands *cs, bench_kind kind, const char *origin)
{
    if (cs->n == cs->cap) {
        size_t cap = cs->cap ? cs->cap * 2 : 256;
        cand *c = realloc(cs->c, cap * sizeof *c);

        if (c == NULL)
            return NULL;
        cs->c = c;
        cs->cap = cap;
    }
    memset(&cs->c[cs->n], 0, sizeof cs->c[cs->n]);
    cs->c[cs->n].kind = kind;
    cs->c[cs->n].origin = origin;
    return &cs->c[cs->n++];
}

static bool is_word_byte(unsigned char c)
{
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
}

/* Split text into lower-cased words (see bench_queries_build). */
static void split_words(const char *text, cand *c)
{
    const unsigned char *s = (const unsigned char *)text;

    c->n_words = 0;
    while (*s != '\0' && c->n_words < MAX_WORDS) {
        size_t n = 0;

        while (*s != '\0' && !is_word_byte(*s))
            s++;
        while (is_word_byte(*s)) {
            if (n + 1 < MAX_WORD)
                c->words[c->n_words][n++] =
                    (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
            s++;
        }
        if (n > 0) {
            c->words[c->n_words][n] = '\0';
            c->n_words++;
        }
    }
}

static int add_text(cands *cs, bench_kind kind, const char *origin,
                    const char *text)
{
    cand *c = cand_push(cs, kind, origin);

    if (c == NULL)
        return BL_ENOMEM;
    split_words(text, c);
    if (c->n_words == 0)
        cs->n--;
    else if (c->n_words == 1 && kind != BENCH_PREFIX &&
             kind != BENCH_FILTERED)
        c->kind = BENCH_TERM;
    return BL_OK;
}

static int load_robust04(const char *path, cands *cs, char *err, size_t cap)
{
    FILE *f = fopen(path, "rb");
    char line[4096];
    int rc = BL_OK;

    if (f == NULL) {
        snprintf(err, cap, "%s: cannot open", path);
        return BL_ENOTFOUND;
    }
    while (rc == BL_OK && fgets(line, sizeof line, f) != NULL) {
        char *tab = strchr(line, '\t');

        if (tab != NULL)
            rc = add_text(cs, BENCH_OR, "robust04", tab + 1);
    }
    fclose(f);
    return rc;
}

static int load_sbg(const char *path, cands *cs, char *err, size_t cap)
{
    static const struct {
        const char *tag;
        bench_kind kind;
    } tags[] = {{"term", BENCH_TERM},
                {"union", BENCH_OR},
                {"intersection", BENCH_AND},
                {"phrase", BENCH_PHRASE}};
    FILE *f = fopen(path, "rb");
    char *line = NULL;
    size_t line_cap = 0;
    int rc = BL_OK;

    if (f == NULL) {
        snprintf(err, cap, "%s: cannot open", path);
        return BL_ENOTFOUND;
    }
    while (rc == BL_OK && getline(&line, &line_cap, f) > 0) {
        json_t *o = json_loads(line, 0, NULL);
        const char *q = json_string_value(json_object_get(o, "query"));
        json_t *t = json_object_get(o, "tags");
        size_t i;
        json_t *tag;

        json_array_foreach(t, i, tag)
        {
            for (size_t k = 0; k < sizeof tags / sizeof tags[0]; k++)
                if (q != NULL && json_is_string(tag) &&
                    strcmp(json_string_value(tag), tags[k].tag) == 0)
                    rc = add_text(cs, tags[k].kind, "sbg", q);
        }
        json_decref(o);
    }
    free(line);
    fclose(f);
    return rc;
}

/* The user's file: "KIND<TAB>query", or a bare query whose syntax says
** its kind. */
static int load_user(const char *path, cands *cs, char *err, size_t cap)
{
    FILE *f = fopen(path, "rb");
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t n;
    int rc = BL_OK;

    if (f == NULL) {
        snprintf(err, cap, "%s: cannot open", path);
        return BL_ENOTFOUND;
    }
    while (rc == BL_OK && (n = getline(&line, &line_cap, f)) > 0) {
        char *q = line, *tab = strchr(line, '\t');
        bench_kind kind = BENCH_N_KINDS;

        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (tab != NULL) {
            *tab = '\0';
            for (int k = 0; k < BENCH_N_KINDS; k++)
                if (strcmp(line, kind_names[k]) == 0)
                    kind = (bench_kind)k;
            if (kind == BENCH_N_KINDS) {
                snprintf(err, cap, "%s: unknown kind '%s' (term, or, and, "
                                   "phrase, prefix, filtered)", path, line);
                rc = BL_EINVAL;
                break;
            }
            q = tab + 1;
        } else if (strchr(q, '"') != NULL) {
            kind = BENCH_PHRASE;
        } else if (strchr(q, '+') != NULL || strstr(q, " AND ") != NULL) {
            kind = BENCH_AND;
        } else if (n > 0 && q[n - 1] == '*') {
            kind = BENCH_PREFIX;
        } else {
            kind = BENCH_OR;
        }
        if (*q != '\0' && *q != '#')
            rc = add_text(cs, kind, "file", q);
    }
    free(line);
    fclose(f);
    return rc;
}

/* ---- sampling by document frequency ---------------------------------- */

/* By document frequency descending, then by word (glibc's qsort_r). */
static int cmp_df(const void *a, const void *b, void *ctx)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    const bench_dfcount *d = ctx;

    if (d->df[x] != d->df[y])
        return d->df[x] > d->df[y] ? -1 : 1;
    return strcmp(bench_strtab_str(d->words, x, NULL),
                  bench_strtab_str(d->words, y, NULL));
}

static bool sampleable(const bench_queryset_opts *o, const char *w,
                       size_t len)
{
    if (len < 3)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)w[i];

        if (!(c >= 0x80 || (c >= 'a' && c <= 'z')))
            return false;
    }
    return o->is_stop == NULL || !o->is_stop(o->stop_ctx, w);
}

typedef struct bands {
    uint32_t *ids;             /* sampleable words, by df descending */
    size_t n;
    size_t freq_end, med_end;  /* [0, freq_end) frequent, then medium */
    size_t rare_start;         /* [rare_start, n): df 2 to 5 */
} bands;

static int make_bands(const bench_queryset_opts *o, const bench_dfcount *d,
                      bands *b)
{
    size_t n_words = bench_strtab_count(d->words);

    memset(b, 0, sizeof *b);
    b->ids = malloc((n_words ? n_words : 1) * sizeof *b->ids);
    if (b->ids == NULL)
        return BL_ENOMEM;
    for (uint32_t id = 0; id < n_words; id++) {
        size_t len;
        const char *w = bench_strtab_str(d->words, id, &len);

        if (d->df[id] >= 2 && sampleable(o, w, len))
            b->ids[b->n++] = id;
    }
    qsort_r(b->ids, b->n, sizeof *b->ids, cmp_df, (void *)d);
    /* frequent: the top 1% (at least 50 words, at most a third); medium:
    ** the next 9% (on a small vocabulary, up to two thirds) */
    b->freq_end = b->n / 100;
    if (b->freq_end < 50)
        b->freq_end = b->n / 3 < 50 ? b->n / 3 : 50;
    b->med_end = b->n / 10;
    if (b->med_end <= b->freq_end)
        b->med_end = 2 * b->n / 3 > b->freq_end ? 2 * b->n / 3 : b->n;
    b->rare_start = b->n;
    while (b->rare_start > b->med_end && d->df[b->ids[b->rare_start - 1]] <= 5)
        b->rare_start--;
    return BL_OK;
}

static const char *pick(const bench_dfcount *d, const bands *b,
                        bench_rng *r, size_t lo, size_t hi)
{
    if (hi <= lo)
        return NULL;
    return bench_strtab_str(d->words,
                            b->ids[lo + bench_rng_below(r, hi - lo)], NULL);
}

static int add_words(cands *cs, bench_kind kind, const char *origin,
                     const char *const *w, size_t n)
{
    cand *c;

    for (size_t i = 0; i < n; i++)
        if (w[i] == NULL)
            return BL_OK;
    c = cand_push(cs, kind, origin);
    if (c == NULL)
        return BL_ENOMEM;
    for (size_t i = 0; i < n; i++)
        snprintf(c->words[i], MAX_WORD, "%s", w[i]);
    c->n_words = n;
    return BL_OK;
}

static int add_sampled(const bench_queryset_opts *o, const bench_dfcount *d,
                       const bands *b, bench_rng *r, bool have_logs,
                       cands *cs)
{
    size_t per = o->per_kind, third = (per + 2) / 3;
    size_t n_pairs = bench_strtab_count(d->pairs);
    int rc = BL_OK;

    for (size_t i = 0; i < third && rc == BL_OK; i++) {
        const char *f = pick(d, b, r, 0, b->freq_end);
        const char *m = pick(d, b, r, b->freq_end, b->med_end);
        const char *x = pick(d, b, r, b->rare_start, b->n);

        rc = add_words(cs, BENCH_TERM, "sampled-frequent", &f, 1);
        if (rc == BL_OK)
            rc = add_words(cs, BENCH_TERM, "sampled-medium", &m, 1);
        if (rc == BL_OK)
            rc = add_words(cs, BENCH_TERM, "sampled-rare", &x, 1);
    }
    for (size_t i = 0; i < per && rc == BL_OK; i++) {
        const char *w = pick(d, b, r, 0, b->med_end);
        char pre[MAX_WORD];
        size_t len = w ? strlen(w) : 0, keep = len > 8 ? 6 : len - 2;
        const char *p = pre;

        if (len < 6)
            continue;
        memcpy(pre, w, keep);
        pre[keep] = '\0';
        rc = add_words(cs, BENCH_PREFIX, "sampled-prefix", &p, 1);
    }
    for (size_t i = 0; i < per && rc == BL_OK && d->date_min <= d->date_max;
         i++) {
        const char *w[2] = {pick(d, b, r, 0, b->med_end),
                            pick(d, b, r, 0, b->med_end)};

        rc = add_words(cs, BENCH_FILTERED, "sampled-filtered", w, 1 + i % 2);
    }
    if (have_logs)
        return rc;
    for (size_t i = 0; i < per && rc == BL_OK; i++) {
        const char *w[2] = {pick(d, b, r, 0, b->freq_end),
                            pick(d, b, r, b->freq_end, b->med_end)};

        rc = add_words(cs, BENCH_OR, "sampled-or", w, 2);
    }
    for (size_t i = 0; i < per && rc == BL_OK && n_pairs > 0; i++) {
        const char *pair = bench_strtab_str(
            d->pairs, (uint32_t)bench_rng_below(r, n_pairs), NULL);

        rc = add_text(cs, i % 2 ? BENCH_AND : BENCH_PHRASE, "sampled-pair",
                      pair);
    }
    return rc;
}

/* ---- writing the queries --------------------------------------------- */

static void append(char *out, size_t cap, const char *s)
{
    size_t n = strlen(out);

    snprintf(out + n, cap - n, "%s", s);
}

/* Fill q from candidate c (stopwords already dropped but for phrases). */
static int write_query(const cand *c, bench_query *q)
{
    char text[MAX_WORDS * (MAX_WORD + 8)] = "",
         fts[MAX_WORDS * (MAX_WORD + 8)] = "";
    const char *sep = c->kind == BENCH_AND ? "\" AND \"" : "\" OR \"";

    q->kind = c->kind;
    q->origin = c->origin;
    q->from = q->to = BL_NO_DATE;
    if (c->kind == BENCH_PHRASE) {
        append(text, sizeof text, "\"");
        append(fts, sizeof fts, "\"");
    } else {
        append(fts, sizeof fts, "\"");
    }
    for (size_t i = 0; i < c->n_words; i++) {
        if (i > 0) {
            append(text, sizeof text, " ");
            append(fts, sizeof fts, c->kind == BENCH_PHRASE ? " " : sep);
        }
        if (c->kind == BENCH_AND)
            append(text, sizeof text, "+");
        append(text, sizeof text, c->words[i]);
        append(fts, sizeof fts, c->words[i]);
    }
    append(fts, sizeof fts, "\"");
    if (c->kind == BENCH_PHRASE)
        append(text, sizeof text, "\"");
    if (c->kind == BENCH_PREFIX) {
        append(text, sizeof text, "*");
        append(fts, sizeof fts, " *");
    }
    q->text = strdup(text);
    q->fts5 = strdup(fts);
    return q->text && q->fts5 ? BL_OK : BL_ENOMEM;
}

/* Drop stopwords (not from phrases); fix the kind by the words left.
** False when nothing is left to search. */
static bool settle(const bench_queryset_opts *o, cand *c)
{
    size_t n = 0, content = 0;

    for (size_t i = 0; i < c->n_words; i++) {
        bool stop = o->is_stop != NULL && o->is_stop(o->stop_ctx,
                                                     c->words[i]);

        content += !stop;
        if (c->kind == BENCH_PHRASE || !stop) {
            if (n != i)
                memcpy(c->words[n], c->words[i], MAX_WORD);
            n++;
        }
    }
    c->n_words = n;
    if (content == 0)
        return false;
    if (n == 1 && (c->kind == BENCH_OR || c->kind == BENCH_AND ||
                   c->kind == BENCH_PHRASE))
        c->kind = BENCH_TERM;
    return true;
}

int bench_queries_build(const bench_queryset_opts *o,
                        const bench_dfcount *d, bench_queries *out,
                        char *err, size_t cap)
{
    cands cs = {0};
    bands b = {0};
    bench_rng r;
    size_t *idx = NULL;
    int rc = BL_OK;
    bool logs = o->file != NULL || o->robust04 != NULL || o->sbg != NULL;

    memset(out, 0, sizeof *out);
    err[0] = '\0';
    bench_rng_seed(&r, o->seed);
    if (o->file != NULL) {
        rc = load_user(o->file, &cs, err, cap);
    } else {
        if (o->robust04 != NULL)
            rc = load_robust04(o->robust04, &cs, err, cap);
        if (rc == BL_OK && o->sbg != NULL)
            rc = load_sbg(o->sbg, &cs, err, cap);
        if (rc == BL_OK && d != NULL)
            rc = make_bands(o, d, &b);
        if (rc == BL_OK && d != NULL)
            rc = add_sampled(o, d, &b, &r, logs, &cs);
    }
    for (size_t i = 0; i < cs.n;) {
        if (settle(o, &cs.c[i])) {
            i++;
        } else {
            cs.c[i] = cs.c[--cs.n];
        }
    }
    if (rc == BL_OK && cs.n > 0 && (idx = malloc(cs.n * sizeof *idx)) == NULL)
        rc = BL_ENOMEM;
    for (int k = 0; rc == BL_OK && k < BENCH_N_KINDS; k++) {
        size_t n = 0;

        for (size_t i = 0; i < cs.n; i++)
            if (cs.c[i].kind == (bench_kind)k)
                idx[n++] = i;
        for (size_t i = n; i > 1; i--) {    /* Fisher-Yates */
            size_t j = (size_t)bench_rng_below(&r, i), t = idx[i - 1];

            idx[i - 1] = idx[j];
            idx[j] = t;
        }
        if (n > o->per_kind)
            n = o->per_kind;
        for (size_t i = 0; i < n && rc == BL_OK; i++) {
            bench_query *q;

            if (out->n == out->cap) {
                size_t ncap = out->cap ? out->cap * 2 : 64;
                bench_query *nq = realloc(out->q, ncap * sizeof *nq);

                if (nq == NULL) {
                    rc = BL_ENOMEM;
                    break;
                }
                out->q = nq;
                out->cap = ncap;
            }
            q = &out->q[out->n++];
            memset(q, 0, sizeof *q);
            rc = write_query(&cs.c[idx[i]], q);
            if (rc == BL_OK && k == BENCH_FILTERED && d != NULL &&
                d->date_min <= d->date_max) {
                int64_t span = d->date_max - d->date_min, win = span / 4;

                q->from = d->date_min +
                          (int64_t)bench_rng_below(&r, (uint64_t)(span - win)
                                                           + 1);
                q->to = q->from + win;
            }
        }
    }
    if (rc == BL_ENOMEM && err[0] == '\0')
        snprintf(err, cap, "out of memory");
    free(idx);
    free(b.ids);
    free(cs.c);
    if (rc != BL_OK)
        bench_queries_free(out);
    return rc;
}
