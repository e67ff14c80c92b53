/* test_search.c - bl_search against a brute-force oracle written here.
**
** The oracle re-analyses every stored article of the index (through
** segment.h and snapshot.h) into per-field term positions, computes df,
** N and average lengths itself, and scores every document for generated
** queries with the documented BM25F formula (bm25.h). Queries are built
** as small trees by a generator that also prints them in the query
** language, so the oracle never uses the parser. For each query, the top
** 10 and top 100 of bl_search must equal the oracle's: the same articles
** in the same order and scores within 1e-9 relative (ties by doc id).
** Also: ranking equal between 1 and 7 segments, deleted articles never
** returned, count and date sorts, paging, and the error paths.
*/
#include "fixture.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader/snapshot.h"
#include "segment/segment.h"

#define TOL 1e-9

/* ---- building indexes ------------------------------------------------------ */

/* Index paths (files or folders) of a format into a new folder, committing
** every `every` articles (0: once). Returns the folder (malloc'ed). */
static char *build_index(const char *const *paths, size_t n_paths,
                         bl_format fmt, uint32_t every, size_t *n_docs)
{
    char *dir = fx_tmpdir();
    bl_writer_opts wo;
    bl_writer *w;
    bl_ingest *in;
    const bl_doc *doc;
    size_t n = 0;
    int rc;

    bl_writer_opts_default(&wo);
    wo.threads = 1;
    assert_int_equal(bl_writer_open(dir, &wo, &w, NULL, 0), BL_OK);
    assert_int_equal(bl_ingest_open(paths, n_paths, fmt, &in), BL_OK);
    while ((rc = bl_ingest_next(in, &doc)) != BL_DONE) {
        if (rc != BL_OK)
            continue;
        assert_int_equal(bl_writer_add(w, doc), BL_OK);
        n++;
        if (every > 0 && n % every == 0)
            assert_int_equal(bl_writer_commit(w), BL_OK);
    }
    bl_ingest_close(in);
    assert_int_equal(bl_writer_commit(w), BL_OK);
    bl_writer_close(w);
    if (n_docs != NULL)
        *n_docs = n;
    return dir;
}

/* ---- the oracle's view of the index ------------------------------------------ */

typedef struct occ {               /* one term in one field of one doc */
    uint32_t term;                 /* index into the vocabulary */
    uint32_t n;                    /* positions */
    uint32_t *pos;
} occ;

typedef struct odoc {
    occ *f[2];                     /* sorted by term, per text field */
    uint32_t n_f[2];
    uint32_t len[2];               /* field lengths from the segment */
    int64_t date;
    char *id;
    char *source;
    bool deleted;
} odoc;

typedef struct vocab_entry {
    char *term;
    uint32_t df[2];
} vocab_entry;

typedef struct oracle {
    bl_index *ix;
    bl_analyzer *an;
    odoc *docs;
    uint64_t n_docs;
    vocab_entry *vocab;            /* sorted by term after loading */
    uint32_t n_vocab, cap_vocab;
    uint64_t total[2];
    char **words;                  /* surface words seen, for queries */
    size_t n_words, cap_words;
    struct vmap *map;              /* term -> vocab id */
    uint32_t **inv;                /* vocab id -> docs holding it */
    uint32_t *n_inv;
} oracle;

/* A temporary (term, field, position) list while analysing one doc. */
typedef struct tmp_tok {
    char term[BL_MAX_TERM + 1];
    uint32_t pos;
} tmp_tok;

typedef struct tmp_list {
    tmp_tok *v;
    size_t n, cap;
    const char *text;
    oracle *o;
    bool collect_words;
} tmp_list;

static bool plain_word(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            return false;
    }
    return n > 1;
}

static int on_tok(void *ctx, const bl_token *t)
{
    tmp_list *l = ctx;

    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        assert_non_null(l->v);
    }
    memcpy(l->v[l->n].term, t->term, t->term_len);
    l->v[l->n].term[t->term_len] = '\0';
    l->v[l->n].pos = t->pos;
    l->n++;
    if (l->collect_words && plain_word(l->text + t->start, t->end - t->start)) {
        oracle *o = l->o;

        if (o->n_words == o->cap_words) {
            o->cap_words = o->cap_words ? o->cap_words * 2 : 4096;
            o->words = realloc(o->words, o->cap_words * sizeof *o->words);
            assert_non_null(o->words);
        }
        o->words[o->n_words++] = strndup(l->text + t->start,
                                         t->end - t->start);
    }
    return 0;
}

static int cmp_tmp(const void *a, const void *b)
{
    const tmp_tok *x = a, *y = b;
    int c = strcmp(x->term, y->term);

    return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* A hash map term -> vocabulary index, open addressing. */
struct vmap {
    uint32_t *slot;                /* index + 1, 0 = empty */
    size_t cap;
};
typedef struct vmap vmap;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static uint32_t vocab_id(oracle *o, vmap *m, const char *term)
{
    size_t i;

    if (o->n_vocab * 2 >= m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1 << 16;
        uint32_t *slot = calloc(cap, sizeof *slot);

        assert_non_null(slot);
        for (uint32_t v = 0; v < o->n_vocab; v++) {
            i = hash_str(o->vocab[v].term) & (cap - 1);
            while (slot[i])
                i = (i + 1) & (cap - 1);
            slot[i] = v + 1;
        }
        free(m->slot);
        m->slot = slot;
        m->cap = cap;
    }
    i = hash_str(term) & (m->cap - 1);
    while (m->slot[i]) {
        if (strcmp(o->vocab[m->slot[i] - 1].term, term) == 0)
            return m->slot[i] - 1;
        i = (i + 1) & (m->cap - 1);
    }
    if (o->n_vocab == o->cap_vocab) {
        o->cap_vocab = o->cap_vocab ? o->cap_vocab * 2 : 4096;
        o->vocab = realloc(o->vocab, o->cap_vocab * sizeof *o->vocab);
        assert_non_null(o->vocab);
    }
    o->vocab[o->n_vocab].term = strdup(term);
    o->vocab[o->n_vocab].df[0] = o->vocab[o->n_vocab].df[1] = 0;
    m->slot[i] = o->n_vocab + 1;
    return o->n_vocab++;
}

static int cmp_occ(const void *a, const void *b)
{
    const occ *x = a, *y = b;

    return (x->term > y->term) - (x->term < y->term);
}

static oracle *oracle_load(const char *dir)
{
    oracle *o = calloc(1, sizeof *o);
    bl_snapshot *s;
    bl_store_ctx *sc;
    bl_analyzer_opts ao;
    vmap *map = calloc(1, sizeof *map);
    tmp_list l;
    uint64_t g = 0;

    assert_non_null(o);
    assert_int_equal(bl_index_open(dir, &o->ix), BL_OK);
    bl_analyzer_opts_default(&ao);
    assert_int_equal(bl_analyzer_new(&ao, &o->an), BL_OK);
    assert_int_equal(bl_store_ctx_new(&sc), BL_OK);
    s = bl_index_snapshot(o->ix);
    o->n_docs = bl_snapshot_docs(s);
    o->docs = calloc(o->n_docs, sizeof *o->docs);
    assert_non_null(o->docs);
    memset(&l, 0, sizeof l);
    l.o = o;
    for (size_t si = 0; si < bl_snapshot_segment_count(s); si++) {
        const bl_segment *seg = bl_snapshot_segment(s, si);

        assert_int_equal(bl_snapshot_base(s, si), g);
        for (uint32_t d = 0; d < bl_segment_docs(seg); d++, g++) {
            odoc *od = &o->docs[g];
            bl_doc *doc;
            const char *lang;

            assert_int_equal(bl_segment_doc(seg, d, sc, &doc), BL_OK);
            lang = doc->lang[0] ? doc->lang : NULL;
            od->date = doc->date;
            od->id = strdup(doc->id);
            od->source = strdup(doc->source);
            od->deleted = bl_snapshot_deleted(s, si, d);
            for (int f = 0; f < 2; f++) {
                const char *text = f == 0 ? doc->title : doc->body;

                od->len[f] = bl_segment_field_len(seg, (bl_field_id)f, d);
                o->total[f] += od->len[f];
                l.n = 0;
                l.text = text;
                l.collect_words = f == 1 && g % 3 == 0 &&
                                  (lang == NULL || strcmp(lang, "en") == 0);
                assert_int_equal(bl_analyze(o->an, text, strlen(text), lang,
                                            on_tok, &l), BL_OK);
                if (l.n > 0)
                    qsort(l.v, l.n, sizeof *l.v, cmp_tmp);
                od->f[f] = calloc(l.n + 1, sizeof *od->f[f]);
                assert_non_null(od->f[f]);
                for (size_t i = 0; i < l.n;) {
                    size_t j = i;
                    occ *oc = &od->f[f][od->n_f[f]++];

                    while (j < l.n && strcmp(l.v[j].term, l.v[i].term) == 0)
                        j++;
                    oc->term = vocab_id(o, map, l.v[i].term);
                    oc->n = (uint32_t)(j - i);
                    oc->pos = malloc(oc->n * sizeof *oc->pos);
                    assert_non_null(oc->pos);
                    for (size_t k = i; k < j; k++)
                        oc->pos[k - i] = l.v[k].pos;
                    o->vocab[oc->term].df[f]++;
                    i = j;
                }
            }
            bl_doc_free(doc);
        }
    }
    assert_int_equal(g, o->n_docs);
    assert_true(o->total[0] == bl_snapshot_field_total(s, BL_FIELD_TITLE));
    assert_true(o->total[1] == bl_snapshot_field_total(s, BL_FIELD_BODY));
    free(l.v);
    o->map = map;
    bl_store_ctx_free(sc);
    /* occurrences by vocab id, for binary search; inverted lists */
    o->inv = calloc(o->n_vocab, sizeof *o->inv);
    o->n_inv = calloc(o->n_vocab, sizeof *o->n_inv);
    assert_non_null(o->inv);
    assert_non_null(o->n_inv);
    for (uint64_t d = 0; d < o->n_docs; d++)
        for (int f = 0; f < 2; f++) {
            odoc *od = &o->docs[d];

            if (od->n_f[f] > 0)
                qsort(od->f[f], od->n_f[f], sizeof *od->f[f], cmp_occ);
            for (uint32_t i = 0; i < od->n_f[f]; i++) {
                uint32_t t = od->f[f][i].term;

                if (o->n_inv[t] > 0 && o->inv[t][o->n_inv[t] - 1] == d)
                    continue;
                if ((o->n_inv[t] & (o->n_inv[t] - 1)) == 0) {
                    o->inv[t] = realloc(o->inv[t], (o->n_inv[t] ? 2 *
                                        o->n_inv[t] : 1) * sizeof **o->inv);
                    assert_non_null(o->inv[t]);
                }
                o->inv[t][o->n_inv[t]++] = (uint32_t)d;
            }
        }
    return o;
}

static void oracle_free(oracle *o)
{
    for (uint64_t d = 0; d < o->n_docs; d++) {
        for (int f = 0; f < 2; f++) {
            for (uint32_t i = 0; i < o->docs[d].n_f[f]; i++)
                free(o->docs[d].f[f][i].pos);
            free(o->docs[d].f[f]);
        }
        free(o->docs[d].id);
        free(o->docs[d].source);
    }
    for (uint32_t v = 0; v < o->n_vocab; v++) {
        free(o->vocab[v].term);
        free(o->inv[v]);
    }
    free(o->inv);
    free(o->n_inv);
    free(o->map->slot);
    free(o->map);
    for (size_t i = 0; i < o->n_words; i++)
        free(o->words[i]);
    free(o->words);
    free(o->vocab);
    free(o->docs);
    bl_analyzer_free(o->an);
    bl_index_close(o->ix);
    free(o);
}

static int64_t term_lookup(const oracle *o, const char *term)
{
    const vmap *m = o->map;
    size_t i = hash_str(term) & (m->cap - 1);

    while (m->slot[i]) {
        if (strcmp(o->vocab[m->slot[i] - 1].term, term) == 0)
            return m->slot[i] - 1;
        i = (i + 1) & (m->cap - 1);
    }
    return -1;
}

static const occ *find_occ(const odoc *d, int f, int64_t term)
{
    uint32_t lo = 0, hi = d->n_f[f];

    if (term < 0)
        return NULL;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;

        if (d->f[f][mid].term < (uint32_t)term)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < d->n_f[f] && d->f[f][lo].term == (uint32_t)term ? &d->f[f][lo]
                                                                 : NULL;
}

/* ---- generated queries ----------------------------------------------------- */

typedef enum gkind { G_TERM, G_PHRASE, G_BOOL, G_DATE } gkind;
typedef enum gocc { G_SHOULD, G_MUST, G_NOT } gocc;

typedef struct gnode {
    gkind kind;
    int field;                     /* -1 both, 0 title, 1 body */
    int64_t term[6];               /* analysed terms (vocab ids or -1) */
    uint32_t off[6];
    size_t n_terms;
    uint32_t slop;
    double boost;
    int64_t from, to;
    struct gnode *kids[8];
    gocc occ[8];
    size_t n_kids;
    double weight;                 /* computed by the oracle */
} gnode;

typedef struct gen {
    oracle *o;
    fx_rng rng;
    char text[1024];
    size_t len;
} gen;

static void emit(gen *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void emit(gen *g, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g->len += (size_t)vsnprintf(g->text + g->len, sizeof g->text - g->len,
                                fmt, ap);
    va_end(ap);
    assert_true(g->len < sizeof g->text);
}

typedef struct one_term {
    char term[BL_MAX_TERM + 1];
    size_t n;
} one_term;

static int grab(void *ctx, const bl_token *t)
{
    one_term *x = ctx;

    if (x->n++ == 0) {
        memcpy(x->term, t->term, t->term_len);
        x->term[t->term_len] = '\0';
    }
    return 0;
}

/* A random surface word that analyses to one term; its vocab id. */
static const char *pick_word(gen *g, int64_t *term)
{
    for (;;) {
        const char *w;
        one_term x;

        if (fx_rng_below(&g->rng, 40) == 0) {
            *term = -1;
            return "zzyzxqj";      /* absent from every article */
        }
        w = g->o->words[fx_rng_below(&g->rng, g->o->n_words)];
        x.n = 0;
        assert_int_equal(bl_analyze(g->o->an, w, strlen(w), NULL, grab, &x),
                         BL_OK);
        if (x.n != 1)
            continue;
        *term = term_lookup(g->o, x.term);
        return w;
    }
}

static gnode *new_gnode(gkind k)
{
    gnode *n = calloc(1, sizeof *n);

    assert_non_null(n);
    n->kind = k;
    n->field = -1;
    n->boost = 1.0;
    return n;
}

static void gnode_free(gnode *n)
{
    for (size_t i = 0; i < n->n_kids; i++)
        gnode_free(n->kids[i]);
    free(n);
}

static const char *field_prefix(int f)
{
    return f == 0 ? "title:" : f == 1 ? "body:" : "";
}

/* A term, sometimes field-restricted or boosted. */
static gnode *gen_term(gen *g)
{
    gnode *n = new_gnode(G_TERM);
    const char *w = pick_word(g, &n->term[0]);

    n->n_terms = 1;
    if (fx_rng_below(&g->rng, 8) == 0)
        n->field = (int)fx_rng_below(&g->rng, 2);
    emit(g, "%s%s", field_prefix(n->field), w);
    if (fx_rng_below(&g->rng, 10) == 0) {
        n->boost = 0.5 * (double)(1 + fx_rng_below(&g->rng, 6));
        emit(g, "^%g", n->boost);
    }
    return n;
}

/* A phrase cut from an article body (so that it matches somewhere), or of
** random words; sometimes with a slop. */
static gnode *gen_phrase(gen *g)
{
    gnode *n = new_gnode(G_PHRASE);
    size_t want = 2 + (size_t)fx_rng_below(&g->rng, 2);
    size_t at = (size_t)fx_rng_below(&g->rng, g->o->n_words - want);

    emit(g, "\"");
    for (size_t i = 0; i < want; i++) {
        one_term x;
        const char *w = fx_rng_below(&g->rng, 4) == 0
                            ? g->o->words[fx_rng_below(&g->rng,
                                                       g->o->n_words)]
                            : g->o->words[at + i];

        x.n = 0;
        assert_int_equal(bl_analyze(g->o->an, w, strlen(w), NULL, grab, &x),
                         BL_OK);
        if (x.n != 1)
            continue;
        n->term[n->n_terms] = term_lookup(g->o, x.term);
        n->off[n->n_terms] = (uint32_t)n->n_terms;
        emit(g, "%s%s", n->n_terms ? " " : "", w);
        n->n_terms++;
    }
    if (n->n_terms == 0) {         /* no usable word: one picked word */
        emit(g, "%s", pick_word(g, &n->term[0]));
        n->n_terms = 1;
    }
    emit(g, "\"");
    if (fx_rng_below(&g->rng, 3) == 0) {
        n->slop = (uint32_t)fx_rng_below(&g->rng, 4);
        emit(g, "~%u", n->slop);
    }
    if (n->n_terms < 2) {          /* "w" alone is a term */
        n->kind = G_TERM;
        n->slop = 0;
    }
    return n;
}

static gnode *gen_leaf(gen *g)
{
    return fx_rng_below(&g->rng, 6) == 0 ? gen_phrase(g) : gen_term(g);
}

/* The first (or last) second of a year, month or day. */
static int64_t period(const char *s, bool end)
{
    char buf[48];
    int64_t t;
    int y = atoi(s), m = 1;
    size_t len = strlen(s);

    if (len >= 7)
        m = atoi(s + 5);
    if (len == 10) {
        assert_int_equal(bl_date_parse(s, &t), BL_OK);
        return end ? t + 86399 : t;
    }
    if (end) {                     /* the start of the next period, - 1 */
        if (len == 4)
            y++;
        else if (++m == 13)
            m = 1, y++;
    }
    snprintf(buf, sizeof buf, "%04d-%02d-01", y, m);
    assert_int_equal(bl_date_parse(buf, &t), BL_OK);
    return end ? t - 1 : t;
}

/* A top-level query: one of OR, AND, NOT, +must, phrase mix, date range. */
static gnode *gen_query(gen *g, bool *and_default)
{
    gnode *root = new_gnode(G_BOOL);
    size_t n = 1 + (size_t)fx_rng_below(&g->rng, 6);
    int shape = (int)fx_rng_below(&g->rng, 6);

    g->len = 0;
    g->text[0] = '\0';
    *and_default = shape == 1 && fx_rng_below(&g->rng, 2) == 0;
    for (size_t i = 0; i < n; i++) {
        gocc oc = G_SHOULD;

        if (i > 0)
            emit(g, shape == 1 && !*and_default ? " AND " : " ");
        if (shape == 1)
            oc = G_MUST;
        else if (shape == 2 && i > 0 && fx_rng_below(&g->rng, 3) == 0) {
            oc = G_NOT;
            emit(g, fx_rng_below(&g->rng, 2) ? "-" : "NOT ");
        } else if (shape == 3 && fx_rng_below(&g->rng, 3) == 0) {
            oc = G_MUST;
            emit(g, "+");
        }
        root->occ[root->n_kids] = oc;
        root->kids[root->n_kids++] = shape == 4 ? gen_leaf(g) : gen_term(g);
    }
    if (shape == 5 || fx_rng_below(&g->rng, 8) == 0) {
        gnode *d = new_gnode(G_DATE);
        static const char *const bounds[] = {
            "*", "1987-02-26", "1987-03-01", "1987-03-15", "1987-04",
            "2004", "2005-06-30", "2023", "2024-01-01", "2025"};
        size_t a = (size_t)fx_rng_below(&g->rng, 10);
        size_t b = (size_t)fx_rng_below(&g->rng, 10);
        char q[80];
        if (a > b) {
            size_t t = a;

            a = b;
            b = t;
        }
        snprintf(q, sizeof q, " date:[%s TO %s]", bounds[a], bounds[b]);
        emit(g, "%s", q);
        d->from = a > 0 ? period(bounds[a], false) : BL_NO_DATE;
        d->to = b > 0 ? period(bounds[b], true) : BL_NO_DATE;
        root->occ[root->n_kids] = G_MUST;
        root->kids[root->n_kids++] = d;
    }
    return root;
}

/* marked without <mark>, </mark> and the HTML escapes is plain (whose
** control characters a snippet shows as spaces; titles here are valid
** UTF-8). */
static void assert_unmarked_is(const char *marked, const char *plain)
{
    static const char *const from[] = {"<mark>", "</mark>", "&amp;", "&lt;",
                                       "&gt;", "&quot;"};
    static const char to[] = {0, 0, '&', '<', '>', '"'};
    char *out = malloc(strlen(marked) + 1), *o = out;

    assert_non_null(out);
    while (*marked) {
        size_t k;

        for (k = 0; k < 6; k++)
            if (strncmp(marked, from[k], strlen(from[k])) == 0)
                break;
        if (k < 6) {
            if (to[k])
                *o++ = to[k];
            marked += strlen(from[k]);
        } else {
            *o++ = *marked++;
        }
    }
    *o = '\0';
    for (o = out; *plain; plain++, o++)
        if (*o != (((unsigned char)*plain < 0x20 || *plain == 0x7f)
                       ? ' ' : *plain))
            break;
    assert_true(*plain == '\0' && *o == '\0');
    free(out);
}

/* ---- oracle scoring ---------------------------------------------------------- */

typedef struct params {
    double k1, b, w[2];
} params;

static double idf(const oracle *o, int64_t term, int field)
{
    double df = 0, N = (double)o->n_docs;

    if (term >= 0)
        for (int f = 0; f < 2; f++)
            if (field < 0 || field == f)
                df = fmax(df, o->vocab[term].df[f]);
    return log(1.0 + (N - df + 0.5) / (df + 0.5));
}

static void weigh(const oracle *o, gnode *n)
{
    n->weight = 0;
    for (size_t i = 0; i < n->n_terms; i++)
        n->weight += idf(o, n->term[i], n->field);
    n->weight *= n->boost;
    for (size_t i = 0; i < n->n_kids; i++)
        weigh(o, n->kids[i]);
}

static bool in_order(const uint32_t *const *pos, const uint32_t *np,
                     const uint32_t *off, size_t n, size_t i, uint32_t p0,
                     uint32_t prev, uint32_t slop)
{
    if (i == n || i >= 6)      /* at most 6 words a phrase */
        return (uint64_t)prev - p0 - off[n - 1] <= slop;
    for (uint32_t k = 0; k < np[i]; k++)
        if ((uint64_t)pos[i][k] >= (uint64_t)prev + off[i] - off[i - 1] &&
            in_order(pos, np, off, n, i + 1, p0, pos[i][k], slop))
            return true;
    return false;
}

/* Does n match doc d; its score in *score. */
static bool eval(const oracle *o, const params *p, const gnode *n,
                 const odoc *d, double *score)
{
    *score = 0;
    switch (n->kind) {
    case G_DATE:
        return d->date != BL_NO_DATE &&
               (n->from == BL_NO_DATE || d->date >= n->from) &&
               (n->to == BL_NO_DATE || d->date <= n->to);
    case G_TERM:
    case G_PHRASE: {
        double tft = 0, avg;
        bool any = false;

        for (int f = 0; f < 2; f++) {
            uint32_t freq = 0;

            if (n->field >= 0 && n->field != f)
                continue;
            if (n->kind == G_TERM) {
                const occ *oc = find_occ(d, f, n->term[0]);

                freq = oc ? oc->n : 0;
            } else {
                const uint32_t *pos[6];
                uint32_t np[6];
                bool all = true;

                for (size_t i = 0; i < n->n_terms; i++) {
                    const occ *oc = find_occ(d, f, n->term[i]);

                    all = all && oc != NULL;
                    pos[i] = oc ? oc->pos : NULL;
                    np[i] = oc ? (oc->n < 4096 ? oc->n : 4096) : 0;
                }
                for (uint32_t a = 0; all && a < np[0]; a++)
                    if (in_order(pos, np, n->off, n->n_terms, 1, pos[0][a],
                                 pos[0][a], n->slop))
                        freq++;
            }
            if (freq == 0)
                continue;
            any = true;
            avg = (double)o->total[f] / (double)o->n_docs;
            tft += p->w[f] * freq /
                   (1 - p->b + p->b * (double)d->len[f] / avg);
        }
        if (!any)
            return false;
        *score = n->weight * tft * (p->k1 + 1) / (p->k1 + tft);
        return true;
    }
    case G_BOOL: {
        bool scoring_must = false, has_should = false, any_should = false;
        double sum = 0;

        for (size_t i = 0; i < n->n_kids; i++) {
            double s;
            bool m = eval(o, p, n->kids[i], d, &s);

            switch (n->occ[i]) {
            case G_MUST:
                if (!m)
                    return false;
                if (n->kids[i]->kind != G_DATE)
                    scoring_must = true;
                sum += s;
                break;
            case G_NOT:
                if (m)
                    return false;
                break;
            case G_SHOULD:
                has_should = true;
                if (m) {
                    any_should = true;
                    sum += s;
                }
                break;
            }
        }
        if (!scoring_must && has_should && !any_should)
            return false;
        if (!scoring_must && !has_should) {
            bool only_not = true;

            for (size_t i = 0; i < n->n_kids; i++)
                if (n->occ[i] != G_NOT)
                    only_not = false;
            (void)only_not;
        }
        *score = n->boost * sum;
        return true;
    }
    }
    return false;
}

typedef struct ohit {
    double score;
    uint64_t doc;
} ohit;

static int cmp_ohit(const void *a, const void *b)
{
    const ohit *x = a, *y = b;

    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return (x->doc > y->doc) - (x->doc < y->doc);
}

/* All matches of the query, best first; returns the count. */
static size_t oracle_run(const oracle *o, const params *p, gnode *root,
                         ohit *out)
{
    size_t n = 0;

    uint8_t *cand = calloc(o->n_docs, 1);

    assert_non_null(cand);
    weigh(o, root);
    /* only documents holding a term of a positive clause can match: every
    ** generated query has one */
    for (size_t i = 0; i < root->n_kids; i++) {
        const gnode *k = root->kids[i];

        if (root->occ[i] == G_NOT)
            continue;
        for (size_t j = 0; j < k->n_terms; j++)
            if (k->term[j] >= 0)
                for (uint32_t x = 0; x < o->n_inv[k->term[j]]; x++)
                    cand[o->inv[k->term[j]][x]] = 1;
    }
    for (uint64_t d = 0; d < o->n_docs; d++) {
        double s;

        if (!cand[d] || o->docs[d].deleted)
            continue;
        if (eval(o, p, root, &o->docs[d], &s)) {
            out[n].score = s;
            out[n].doc = d;
            n++;
        }
    }
    free(cand);
    qsort(out, n, sizeof *out, cmp_ohit);
    return n;
}

static bool close_to(double a, double b)
{
    return fabs(a - b) <= TOL * fmax(fabs(a), fabs(b));
}

/* The engine's hits equal the oracle's, allowing only near-tie swaps. */
static void compare(const oracle *o, const char *q, const bl_results *r,
                    const ohit *want, size_t n_want, size_t k)
{
    size_t expect = n_want < k ? n_want : k;

    if (r->n_hits != expect)
        print_error("query '%s': %zu hits, want %zu\n", q, r->n_hits,
                    expect);
    assert_int_equal(r->n_hits, expect);
    for (size_t i = 0; i < expect; i++) {
        const bl_hit *h = &r->hits[i];
        bool ok = h->doc == want[i].doc && close_to(h->score, want[i].score);

        if (!ok && close_to(h->score, want[i].score)) {
            /* a near tie: the engine's doc must have that score too */
            for (size_t j = 0; j < n_want && !ok; j++)
                if (want[j].doc == h->doc)
                    ok = close_to(want[j].score, h->score);
        }
        if (!ok)
            print_error("query '%s' rank %zu: doc %llu score %.17g, want "
                        "doc %llu score %.17g (%s)\n", q, i + 1,
                        (unsigned long long)h->doc, h->score,
                        (unsigned long long)want[i].doc, want[i].score,
                        r->parsed);
        assert_true(ok);
        if (h->id[0] != '\0' || h->title[0] != '\0')
            assert_string_equal(h->id, o->docs[h->doc].id);
    }
    if (!r->total_lower_bound)
        assert_int_equal(r->total, n_want);
    else
        assert_true(r->total <= n_want && r->total >= expect);
}

/* Pruned scoring (MaxScore, block bounds) and window scoring give the hits
** of scoring every match, with the same scores bit for bit: they add the
** same terms in the same order, and skip only what cannot enter. */
static void same_as_exhaustive(const oracle *o, const char *q,
                               const bl_search_opts *so, const bl_results *r)
{
    bl_search_opts ex = *so;
    bl_results *e;
    char err[256];

    ex.exhaustive = true;
    ex.snippets = false;
    ex.ids_only = true;
    assert_int_equal(bl_search(o->ix, q, &ex, &e, err, sizeof err), BL_OK);
    if (e->n_hits != r->n_hits)
        print_error("query '%s': %zu hits, %zu scoring every match\n", q,
                    r->n_hits, e->n_hits);
    assert_int_equal(e->n_hits, r->n_hits);
    for (size_t i = 0; i < r->n_hits; i++) {
        if (e->hits[i].doc != r->hits[i].doc ||
            e->hits[i].score != r->hits[i].score)
            print_error("query '%s' rank %zu: doc %llu score %.17g, scoring "
                        "every match doc %llu score %.17g\n", q, i + 1,
                        (unsigned long long)r->hits[i].doc,
                        r->hits[i].score,
                        (unsigned long long)e->hits[i].doc,
                        e->hits[i].score);
        assert_true(e->hits[i].doc == r->hits[i].doc);
        assert_true(e->hits[i].score == r->hits[i].score);
    }
    bl_results_free(e);
}

/* n generated queries on an index: top 10 and top 100 equal the oracle.
** pruning: whether some searches must have skipped documents (MaxScore
** and block bounds at work). On a small index they never do: its
** disjunctions are short enough to be scored a window at a time. */
static void oracle_queries(oracle *o, size_t n, uint64_t seed, bool pruning)
{
    gen g;
    ohit *want = malloc(o->n_docs * sizeof *want);
    params p = {1.2, 0.75, {2.0, 1.0}};
    size_t pruned = 0, with_hits = 0;

    assert_non_null(want);
    assert_true(o->n_words > 100);
    g.o = o;
    fx_rng_seed(&g.rng, seed);
    for (size_t i = 0; i < n; i++) {
        bool and_default;
        gnode *root = gen_query(&g, &and_default);
        size_t n_want;
        bl_search_opts so;
        static const size_t ks[2] = {10, 100};

        if (i % 10 == 9) {         /* other BM25 parameters */
            p.k1 = 0.5 + (double)fx_rng_below(&g.rng, 20) / 10;
            p.b = (double)fx_rng_below(&g.rng, 11) / 10;
            p.w[0] = (double)fx_rng_below(&g.rng, 5);
        } else {
            p.k1 = 1.2;
            p.b = 0.75;
            p.w[0] = 2.0;
        }
        n_want = oracle_run(o, &p, root, want);
        for (int j = 0; j < 2; j++) {
            bl_results *r;
            char err[256];
            int rc;

            bl_search_opts_default(&so);
            so.k = ks[j];
            so.k1 = p.k1;
            so.b = p.b;
            so.title_weight = p.w[0];
            so.and_default = and_default;
            so.snippets = j == 0 && i % 7 == 0;
            /* stored fields cost a block decompression per hit: read
            ** them (and check the ids) for some of the searches */
            so.ids_only = !(j == 0 && i % 4 == 0);
            /* the exact total (a second pass) for a third of them; the
            ** others show whether pruning skipped documents */
            so.exact_total = i % 3 == 0;
            rc = bl_search(o->ix, g.text, &so, &r, err, sizeof err);
            if (rc != BL_OK)
                print_error("query '%s': %s\n", g.text, err);
            assert_int_equal(rc, BL_OK);
            compare(o, g.text, r, want, n_want, ks[j]);
            same_as_exhaustive(o, g.text, &so, r);
            for (size_t h = 0; h < r->n_hits; h++) {
                const bl_hit *x = &r->hits[h];

                /* the marked title is the title, marks and escapes aside */
                if (!so.snippets || so.ids_only)
                    assert_string_equal(x->title_marked, "");
                else
                    assert_unmarked_is(x->title_marked, x->title);
            }
            if (so.exact_total)
                assert_false(r->total_lower_bound);
            pruned += r->total_lower_bound;
            with_hits += j == 0 && r->n_hits > 0;
            bl_results_free(r);
        }
        /* the exact count */
        bl_search_opts_default(&so);
        so.count_only = true;
        so.k1 = p.k1;
        so.b = p.b;
        so.title_weight = p.w[0];
        so.and_default = and_default;
        {
            bl_results *r;
            char err[256];

            assert_int_equal(bl_search(o->ix, g.text, &so, &r, err,
                                       sizeof err), BL_OK);
            assert_int_equal(r->total, n_want);
            assert_false(r->total_lower_bound);
            assert_int_equal(r->n_hits, 0);
            bl_results_free(r);
        }
        gnode_free(root);
    }
    free(want);
    /* the queries found things, and pruning skipped documents in some */
    print_message("[ INFO     ] %zu queries, %zu with hits, %zu searches "
                  "pruned\n", n, with_hits, pruned);
    assert_true(with_hits > n / 2);
    if (pruning)
        assert_true(pruned > 0);
}

/* ---- fixtures ---------------------------------------------------------------- */

typedef struct world {
    char *sample_dir;
    oracle *sample;
    char *reuters_dir;
    oracle *reuters;
} world;

static int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    const char *sample = fx_source("corpus/sample/articles.jsonl");
    const char *paths[1] = {sample};
    const char *reuters = fx_corpus("reuters21578");

    assert_non_null(w);
    w->sample_dir = build_index(paths, 1, BL_FORMAT_JSONL, 0, NULL);
    w->sample = oracle_load(w->sample_dir);
    if (reuters != NULL) {
        const char *rp[1] = {reuters};

        w->reuters_dir = build_index(rp, 1, BL_FORMAT_REUTERS, 0, NULL);
        w->reuters = oracle_load(w->reuters_dir);
    }
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;

    oracle_free(w->sample);
    fx_rmtree(w->sample_dir);
    if (w->reuters != NULL) {
        oracle_free(w->reuters);
        fx_rmtree(w->reuters_dir);
    }
    free(w);
    return 0;
}

static void oracle_on_sample(void **state)
{
    world *w = *state;

    oracle_queries(w->sample, 420, 1, false);
}

static void oracle_on_reuters(void **state)
{
    world *w = *state;

    if (w->reuters == NULL) {
        FX_SKIP("Reuters-21578 is not in ../shared/corpus");
        return;
    }
    oracle_queries(w->reuters, 500, 2, true);
}

/* Date sorts: every match in (date, doc) order, undated last; paging. */
static void date_sort_and_paging(void **state)
{
    world *w = *state;
    oracle *o = w->reuters != NULL ? w->reuters : w->sample;
    const char *q = o == w->reuters ? "oil OR gold" : "the OR said OR new";
    bl_search_opts so;
    bl_results *all, *page;
    char err[128];

    for (int s = BL_SORT_DATE_DESC; s <= BL_SORT_DATE_ASC; s++) {
        bl_search_opts_default(&so);
        so.sort = (bl_sort)s;
        so.k = 1000;
        so.snippets = false;
        assert_int_equal(bl_search(o->ix, q, &so, &all, err, sizeof err),
                         BL_OK);
        assert_true(all->n_hits > 20);
        for (size_t i = 1; i < all->n_hits; i++) {
            const bl_hit *a = &all->hits[i - 1], *b = &all->hits[i];

            if (a->date == b->date)
                assert_true(a->doc < b->doc);
            else if (a->date == BL_NO_DATE)
                fail_msg("undated before dated");
            else if (b->date != BL_NO_DATE)
                assert_true(s == BL_SORT_DATE_DESC ? a->date > b->date
                                                   : a->date < b->date);
            assert_true(b->score == 0.0);
        }
        so.offset = 7;
        so.k = 5;
        assert_int_equal(bl_search(o->ix, q, &so, &page, err, sizeof err),
                         BL_OK);
        assert_int_equal(page->n_hits, 5);
        for (size_t i = 0; i < 5; i++)
            assert_int_equal(page->hits[i].doc, all->hits[7 + i].doc);
        assert_int_equal(page->total, all->total);
        bl_results_free(page);
        bl_results_free(all);
    }
    /* relevance paging */
    bl_search_opts_default(&so);
    so.k = 30;
    assert_int_equal(bl_search(o->ix, q, &so, &all, err, sizeof err), BL_OK);
    so.k = 10;
    so.offset = 20;
    assert_int_equal(bl_search(o->ix, q, &so, &page, err, sizeof err), BL_OK);
    assert_int_equal(page->n_hits, 10);
    for (size_t i = 0; i < 10; i++) {
        assert_int_equal(page->hits[i].doc, all->hits[20 + i].doc);
        assert_true(page->hits[i].score == all->hits[20 + i].score);
    }
    bl_results_free(page);
    bl_results_free(all);
}

/* Filters from the options restrict without changing scores. */
static void option_filters_keep_scores(void **state)
{
    world *w = *state;
    oracle *o = w->sample;
    bl_search_opts so;
    bl_results *all, *some;
    char err[128];
    const char *src = o->docs[0].source;

    bl_search_opts_default(&so);
    so.k = 1000;
    so.snippets = false;
    assert_int_equal(bl_search(o->ix, "the new world people", &so, &all, err,
                               sizeof err), BL_OK);
    so.source = src;
    assert_int_equal(bl_search(o->ix, "the new world people", &so, &some,
                               err, sizeof err), BL_OK);
    assert_true(some->n_hits > 0);
    assert_true(some->n_hits <= all->n_hits);
    for (size_t i = 0, j = 0; i < some->n_hits; i++) {
        assert_string_equal(some->hits[i].source, src);
        while (j < all->n_hits && all->hits[j].doc != some->hits[i].doc)
            j++;
        assert_true(j < all->n_hits);
        assert_true(all->hits[j].score == some->hits[i].score);
    }
    assert_non_null(strstr(some->parsed, "source:"));
    bl_results_free(some);
    bl_results_free(all);
    /* A query whose canonical form is longer than a first guess comes back
    ** whole, filters last. */
    {
        char q[2048] = "";
        size_t at = 0;

        for (int i = 0; i < 60; i++)
            at += (size_t)snprintf(q + at, sizeof q - at, "+word%02d ", i);
        assert_int_equal(bl_search(o->ix, q, &so, &some, err, sizeof err),
                         BL_OK);
        assert_non_null(strstr(some->parsed, "+word00 "));
        assert_non_null(strstr(some->parsed, "+word59 +source:"));
        assert_true(strlen(some->parsed) > 400);
        bl_results_free(some);
    }
}

/* The same articles in 1 segment or in 7: the same hits and scores. */
static void ranking_independent_of_segments(void **state)
{
    world *w = *state;
    const char *sample = fx_source("corpus/sample/articles.jsonl");
    const char *paths[1] = {sample};
    size_t n_docs;
    char *dir7 = build_index(paths, 1, BL_FORMAT_JSONL,
                             (uint32_t)(w->sample->n_docs + 6) / 7, &n_docs);
    bl_index *ix7;
    bl_stats st;
    gen g;

    assert_int_equal(bl_index_open(dir7, &ix7), BL_OK);
    assert_int_equal(bl_index_stats(ix7, &st), BL_OK);
    /* one segment per commit unless the writer merged some */
    print_message("[ INFO     ] %llu articles in %llu segments\n",
                  (unsigned long long)n_docs,
                  (unsigned long long)st.segments);
    assert_true(st.segments >= 2 && st.segments <= 7);
    assert_int_equal(n_docs, w->sample->n_docs);
    g.o = w->sample;
    fx_rng_seed(&g.rng, 3);
    for (int i = 0; i < 200; i++) {
        bool and_default;
        gnode *root = gen_query(&g, &and_default);
        bl_search_opts so;
        bl_results *a, *b;
        char err[128];

        bl_search_opts_default(&so);
        so.and_default = and_default;
        so.k = 50;
        so.snippets = false;
        assert_int_equal(bl_search(w->sample->ix, g.text, &so, &a, err,
                                   sizeof err), BL_OK);
        assert_int_equal(bl_search(ix7, g.text, &so, &b, err, sizeof err),
                         BL_OK);
        assert_int_equal(a->n_hits, b->n_hits);
        for (size_t j = 0; j < a->n_hits; j++) {
            assert_string_equal(a->hits[j].id, b->hits[j].id);
            assert_true(close_to(a->hits[j].score, b->hits[j].score));
        }
        bl_results_free(a);
        bl_results_free(b);
        gnode_free(root);
    }
    bl_index_close(ix7);
    fx_rmtree(dir7);
}

/* Deleted articles are never returned, and the oracle agrees. */
static void deleted_never_returned(void **state)
{
    world *w = *state;
    const char *sample = fx_source("corpus/sample/articles.jsonl");
    const char *paths[1] = {sample};
    char *dir = build_index(paths, 1, BL_FORMAT_JSONL, 100, NULL);
    bl_writer_opts wo;
    bl_writer *wr;
    oracle *o;
    size_t deleted = 0;

    bl_writer_opts_default(&wo);
    assert_int_equal(bl_writer_open(dir, &wo, &wr, NULL, 0), BL_OK);
    for (uint64_t d = 0; d < w->sample->n_docs; d += 3) {
        assert_int_equal(bl_writer_delete(wr, w->sample->docs[d].id), BL_OK);
        deleted++;
    }
    assert_int_equal(bl_writer_commit(wr), BL_OK);
    bl_writer_close(wr);
    o = oracle_load(dir);
    {
        size_t marked = 0;

        for (uint64_t d = 0; d < o->n_docs; d++)
            marked += o->docs[d].deleted;
        /* a writer may also merge the deletions away */
        assert_true(marked == deleted || o->n_docs + deleted ==
                                             w->sample->n_docs);
    }
    oracle_queries(o, 100, 4, false);
    for (uint64_t d = 0; d < w->sample->n_docs; d += 3) {
        bl_results *r;
        bl_search_opts so;
        char q[300], err[128];

        bl_search_opts_default(&so);
        snprintf(q, sizeof q, "id:\"%s\"", w->sample->docs[d].id);
        assert_int_equal(bl_search(o->ix, q, &so, &r, err, sizeof err),
                         BL_OK);
        assert_int_equal(r->n_hits, 0);
        bl_results_free(r);
    }
    oracle_free(o);
    fx_rmtree(dir);
}

/* Bad queries, stopwords, prefixes, a missing index. */
static void errors_and_warnings(void **state)
{
    world *w = *state;
    bl_index *ix = w->sample->ix, *none = NULL;
    bl_search_opts so;
    bl_results *r = NULL;
    char err[128];

    bl_search_opts_default(&so);
    assert_int_equal(bl_search(ix, "(storm", &so, &r, err, sizeof err),
                     BL_EQUERY);
    assert_null(r);
    assert_string_equal(err, "at 7: expected ')'");
    assert_int_equal(bl_search(ix, "the of and", &so, &r, err, sizeof err),
                     BL_OK);
    assert_int_equal(r->n_hits, 0);
    assert_int_equal(r->total, 0);
    assert_string_equal(r->warning, "all words are stopwords");
    bl_results_free(r);
    so.max_expansions = 3;
    assert_int_equal(bl_search(ix, "s*", &so, &r, err, sizeof err), BL_OK);
    assert_non_null(strstr(r->warning, "truncated to 3 terms"));
    assert_true(r->n_hits > 0);
    bl_results_free(r);
    so.max_expansions = 128;
    so.b = 2;
    assert_int_equal(bl_search(ix, "storm", &so, &r, err, sizeof err),
                     BL_EINVAL);
    assert_int_equal(bl_index_open("/nonexistent/byline", &none),
                     BL_ENOTFOUND);
}

/* Hits of equal score come out by doc id, whatever order a window lists
** its documents in: here every document scores the same, the first
** clause's documents (1, 2) are listed before the second's (0, 3), and
** the top k must still be 0, 1, 2. With a MUST_NOT clause the window is
** read in doc order (the clause is seeked). */
static void window_ties_by_doc_id(void **state)
{
    static const char *const lines[] = {
        "{\"id\":\"d0\",\"title\":\"\",\"body\":\"beta kappa\"}\n",
        "{\"id\":\"d1\",\"title\":\"\",\"body\":\"alpha kappa\"}\n",
        "{\"id\":\"d2\",\"title\":\"\",\"body\":\"alpha omega\"}\n",
        "{\"id\":\"d3\",\"title\":\"\",\"body\":\"beta omega\"}\n",
    };
    static const struct {
        const char *q;
        const char *want[3];
    } cases[] = {
        {"alpha beta", {"d0", "d1", "d2"}},
        {"beta alpha", {"d0", "d1", "d2"}},
        {"alpha beta -kappa", {"d2", "d3", NULL}},
        {"alpha beta -zulu", {"d0", "d1", "d2"}},
    };
    char *src = fx_tmpdir(), path[512], *dir;
    const char *paths[1] = {path};
    bl_index *ix;
    FILE *f;

    (void)state;
    snprintf(path, sizeof path, "%s/ties.jsonl", src);
    f = fopen(path, "w");
    assert_non_null(f);
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        fputs(lines[i], f);
    fclose(f);
    dir = build_index(paths, 1, BL_FORMAT_JSONL, 0, NULL);
    assert_int_equal(bl_index_open(dir, &ix), BL_OK);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
        for (size_t k = 1; k <= 3; k++)
            for (int ex = 0; ex < 2; ex++) {
                bl_search_opts so;
                bl_results *r;
                char err[128];

                bl_search_opts_default(&so);
                so.k = k;
                so.exhaustive = ex;
                assert_int_equal(bl_search(ix, cases[c].q, &so, &r, err,
                                           sizeof err), BL_OK);
                for (size_t i = 0; i < k && cases[c].want[i] != NULL; i++) {
                    assert_true(i < r->n_hits);
                    assert_string_equal(r->hits[i].id, cases[c].want[i]);
                    assert_true(r->hits[i].score == r->hits[0].score);
                }
                bl_results_free(r);
            }
    bl_index_close(ix);
    fx_rmtree(dir);
    fx_rmtree(src);
}

/* A thread gets back the scratch it made, even under another's. */
static void *nothing(void *arg)
{
    return arg;
}

static int scratch_frees;

static void count_free(void *p)
{
    (void)p;
    scratch_frees++;
}

static void scratch_prefers_own(void **state)
{
    world *w = *state;
    bl_index *ix;
    pthread_t other;
    int a, b, c;

    assert_int_equal(bl_index_open(w->sample_dir, &ix), BL_OK);
    assert_int_equal(pthread_create(&other, NULL, nothing, NULL), 0);
    assert_int_equal(pthread_join(other, NULL), 0);
    assert_null(bl_index_scratch_take(ix));
    bl_index_scratch_give(ix, &a, pthread_self(), count_free);
    bl_index_scratch_give(ix, &b, other, count_free);
    bl_index_scratch_give(ix, &c, other, count_free);
    assert_ptr_equal(bl_index_scratch_take(ix), &a);  /* not the last */
    assert_ptr_equal(bl_index_scratch_take(ix), &c);  /* then the last */
    bl_index_scratch_give(ix, &a, pthread_self(), count_free);
    assert_ptr_equal(bl_index_scratch_take(ix), &a);
    assert_ptr_equal(bl_index_scratch_take(ix), &b);
    assert_null(bl_index_scratch_take(ix));
    bl_index_scratch_give(ix, &b, other, count_free);
    scratch_frees = 0;
    bl_index_close(ix);
    assert_int_equal(scratch_frees, 1);
}

/* Searches from several threads at once on one index equal the same
** searches made one after the other. */
typedef struct par_job {
    bl_index *ix;
    const char *const *qs;
    size_t n;
    uint64_t *docs;            /* per query: the first hit's doc, or ~0 */
    double *scores;
    int rc;
} par_job;

static void *par_run(void *arg)
{
    par_job *j = arg;

    for (int rep = 0; rep < 5; rep++)
        for (size_t i = 0; i < j->n; i++) {
            bl_search_opts so;
            bl_results *r;
            char err[128];

            bl_search_opts_default(&so);
            so.k = 5;
            if (bl_search(j->ix, j->qs[i], &so, &r, err, sizeof err) !=
                BL_OK) {
                j->rc = BL_EINVAL;
                continue;
            }
            if ((r->n_hits > 0 ? r->hits[0].doc : ~0ULL) != j->docs[i] ||
                (r->n_hits > 0 && r->hits[0].score != j->scores[i]))
                j->rc = BL_ECORRUPT;
            bl_results_free(r);
        }
    return NULL;
}

static void concurrent_searches(void **state)
{
    world *w = *state;
    static const char *const qs[] = {
        "ocean OR species", "\"deep sea\"", "title:new", "storm*",
        "+the world -people", "market AND price", "date:[* TO 2020]",
    };
    size_t n = sizeof qs / sizeof *qs;
    uint64_t docs[7];
    double scores[7];
    pthread_t th[4];
    par_job jobs[4];

    for (size_t i = 0; i < n; i++) {
        bl_search_opts so;
        bl_results *r = NULL;
        char err[128];

        bl_search_opts_default(&so);
        so.k = 5;
        docs[i] = ~0ULL;
        scores[i] = 0;
        assert_int_equal(bl_search(w->sample->ix, qs[i], &so, &r, err,
                                   sizeof err), BL_OK);
        if (r->n_hits > 0) {
            docs[i] = r->hits[0].doc;
            scores[i] = r->hits[0].score;
        }
        bl_results_free(r);
    }
    for (int t = 0; t < 4; t++) {
        jobs[t].ix = w->sample->ix;
        jobs[t].qs = qs;
        jobs[t].n = n;
        jobs[t].docs = docs;
        jobs[t].scores = scores;
        jobs[t].rc = BL_OK;
        assert_int_equal(pthread_create(&th[t], NULL, par_run, &jobs[t]), 0);
    }
    for (int t = 0; t < 4; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
        assert_int_equal(jobs[t].rc, BL_OK);
    }
}

/* Every hit of q with its stored fields and snippets, and the article
** bl_index_get gives for its id, as one string. */
static char *hits_text(bl_index *ix, const char *q, size_t k)
{
    bl_search_opts so;
    bl_results *r;
    char err[128], *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    assert_non_null(f);
    bl_search_opts_default(&so);
    so.k = k;
    assert_int_equal(bl_search(ix, q, &so, &r, err, sizeof err), BL_OK);
    for (size_t i = 0; i < r->n_hits; i++) {
        const bl_hit *h = &r->hits[i];
        bl_doc *d;

        fprintf(f, "%" PRIu64 " %.17g %s|%s|%s|%s|%" PRId64 "|%s|%s\n",
                h->doc, h->score, h->id, h->title, h->source, h->url, h->date,
                h->snippet, h->title_marked);
        assert_int_equal(bl_index_get(ix, h->id, &d), BL_OK);
        fprintf(f, "%s|%s\n", d->title, d->body);
        bl_doc_free(d);
    }
    bl_results_free(r);
    assert_int_equal(fclose(f), 0);
    return text;
}

/* The index's block cache (blockcache.h) changes no hit, no snippet and
** no article: the same with it off, then on and cold, then warm, when it
** holds every block and when it keeps evicting; the warm run is served
** from it. */
static void block_cache_changes_nothing(void **state)
{
    world *w = *state;
    oracle *o = w->reuters != NULL ? w->reuters : w->sample;
    bl_index *ix = o->ix;
    static const char *const qs[] = {
        "oil OR prices", "\"interest rates\"", "title:bank", "compan*",
        "+trade -japan", "market AND price", "wheat OR corn OR soybeans",
        "ocean OR species", "storm", "date:[1987-03-01 TO 1987-03-31] gold",
    };
    size_t n = sizeof qs / sizeof *qs;
    static const size_t budgets[] = {BL_BLOCK_CACHE_DEFAULT, 1024 * 1024};
    char *want[10];
    bl_block_cache_stats st0, st;

    bl_index_set_block_cache(ix, 0);
    for (size_t i = 0; i < n; i++)
        want[i] = hits_text(ix, qs[i], 20);
    for (size_t b = 0; b < 2; b++) {
        bl_index_set_block_cache(ix, budgets[b]);
        bl_block_cache_stats_get(bl_index_block_cache(ix), &st0);
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < n; i++) {
                char *got = hits_text(ix, qs[i], 20);

                assert_string_equal(got, want[i]);
                free(got);
            }
        bl_block_cache_stats_get(bl_index_block_cache(ix), &st);
        assert_true(st.hits > st0.hits && st.blocks > 0);
        assert_true(st.bytes <= budgets[b]);
        if (b == 0)            /* all kept: the warm pass missed nothing */
            assert_true(st.misses - st0.misses <= st.blocks);
        bl_index_set_block_cache(ix, 0);
    }
    bl_index_set_block_cache(ix, BL_BLOCK_CACHE_DEFAULT);
    for (size_t i = 0; i < n; i++)
        free(want[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(oracle_on_sample),
        cmocka_unit_test(oracle_on_reuters),
        cmocka_unit_test(date_sort_and_paging),
        cmocka_unit_test(option_filters_keep_scores),
        cmocka_unit_test(ranking_independent_of_segments),
        cmocka_unit_test(deleted_never_returned),
        cmocka_unit_test(errors_and_warnings),
        cmocka_unit_test(window_ties_by_doc_id),
        cmocka_unit_test(scratch_prefers_own),
        cmocka_unit_test(concurrent_searches),
        cmocka_unit_test(block_cache_changes_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
