/* search.c - bl_search: parse -> analyse -> per-segment iterators -> score
** -> collect -> stored fields and snippets, on the snapshot current when
** the call starts.
**
** Statistics (N, df, average lengths) are the snapshot's, so a document's
** score does not depend on the segment it is in. Segments are visited in
** order, so global doc ids arrive increasing, which is what makes the top-k
** heap break ties by doc id. Three collectors:
**   - count: every match of the iterator tree, nothing scored;
**   - date: every match, kept by (date, doc);
**   - relevance: a disjunction of scoring clauses (the usual query) runs
**     MaxScore with block-max checks, or, when its lists are short, scores
**     every match a window of documents at a time; anything else scores
**     every match of the tree, skipping the scoring of documents whose
**     block bound cannot beat the heap.
** Invariant: a document is left unscored only when an upper bound of its
** score, with a relative margin of 1e-9 for rounding, is <= the score it
** would have to beat; so the hits and their scores are exactly those of
** scoring everything.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <utf8proc.h>

#include "base/arena.h"
#include "base/buf.h"
#include "query/iter.h"
#include "query/parse.h"
#include "reader/snapshot.h"
#include "score/bm25.h"
#include "score/topk.h"
#include "search/snippet.h"

#define MARGIN 1e-9            /* relative slack of every pruning test */
#define MAX_HITS 1000000       /* k + offset */

typedef struct results_impl {
    bl_results r;              /* first: bl_results_free casts back */
    bl_arena arena;            /* every string of the results */
} results_impl;

void bl_search_opts_default(bl_search_opts *o)
{
    memset(o, 0, sizeof *o);
    o->k = 10;
    o->offset = 0;
    o->sort = BL_SORT_RELEVANCE;
    o->from = BL_NO_DATE;
    o->to = BL_NO_DATE;
    o->source = NULL;
    o->and_default = false;
    o->k1 = NAN;               /* the index's own */
    o->b = NAN;
    o->title_weight = NAN;
    o->body_weight = NAN;
    o->snippets = true;
    o->mark_open = "<mark>";
    o->mark_close = "</mark>";
    o->snippet_bytes = 200;
    o->count_only = false;
    o->exact_total = true;
    o->max_expansions = 128;
}

void bl_results_free(bl_results *r)
{
    results_impl *ri = (results_impl *)r;

    if (ri == NULL)
        return;
    bl_arena_free(&ri->arena);
    free(ri);
}

/* ---- the query, once per search ------------------------------------------ */

typedef struct query {
    const bl_search_opts *o;
    bl_snapshot *snap;
    bl_arena *arena;
    bl_bm25 bm25;
    bl_qnode *root;            /* analysed tree */
    int64_t from, to;          /* date predicate, BL_NO_DATE = open */
    bool dated;                /* a date predicate applies */
    const char **sources;      /* source predicates (all must hold) */
    size_t n_sources;
    bool ms;                   /* the root runs as MaxScore */
    char warning[256];
    struct tcache_ent *tc;     /* term lookups (df, then iterators) */
    size_t n_tc, cap_tc;
    /* snippet terms */
    const char **hl_terms, **hl_prefixes;
    size_t n_hl_terms, n_hl_prefixes, cap_hl_terms, cap_hl_prefixes;
} query;

static const bl_field_id text_fields[2] = {BL_FIELD_TITLE, BL_FIELD_BODY};

static void node_fields(const bl_qnode *n, const bl_field_id **f, size_t *nf)
{
    if (n->field == BL_FIELD_TITLE || n->field == BL_FIELD_BODY) {
        *f = &text_fields[n->field];
        *nf = 1;
    } else {
        *f = text_fields;
        *nf = 2;
    }
}

/* The dictionary entries of a query's terms, looked up once per segment
** and field for df, then reused to open the iterators. */
typedef struct tcache_ent {
    const char *term;          /* borrowed from the tree */
    bl_field_id field;
    size_t seg;
    int rc;                    /* BL_OK or BL_ENOTFOUND */
    bl_term_info ti;
} tcache_ent;

static const tcache_ent *tcache_find(const query *q, size_t seg,
                                     bl_field_id field, const char *term)
{
    for (size_t i = 0; i < q->n_tc; i++) {
        const tcache_ent *e = &q->tc[i];

        if (e->seg == seg && e->field == field &&
            (e->term == term || strcmp(e->term, term) == 0))
            return e;
    }
    return NULL;
}

/* The entries of term in segment seg for the nf fields f (at most two), in
** out: from the cache, else the dictionary, the missing fields in one
** lookup. */
static int tcache_lookup(query *q, size_t seg, const bl_field_id *f,
                         size_t nf, const char *term,
                         const tcache_ent **out)
{
    bl_term_info all[BL_N_FIELDS];
    unsigned want = 0, found;
    int rc;

    if (q->n_tc + nf > q->cap_tc) {
        size_t cap = q->cap_tc ? q->cap_tc * 2 : 16;
        tcache_ent *v = bl_arena_alloc(q->arena, cap * sizeof *v);

        if (v == NULL)
            return BL_ENOMEM;
        if (q->n_tc)
            memcpy(v, q->tc, q->n_tc * sizeof *v);
        q->tc = v;
        q->cap_tc = cap;
    }
    for (size_t i = 0; i < nf; i++) {
        out[i] = tcache_find(q, seg, f[i], term);
        if (out[i] == NULL)
            want |= 1u << f[i];
    }
    if (want == 0)
        return BL_OK;
    rc = bl_segment_term_fields(bl_snapshot_segment(q->snap, seg), term,
                                strlen(term), want, &found, all);
    if (rc != BL_OK)
        return rc;
    for (size_t i = 0; i < nf; i++) {
        tcache_ent *e;

        if (out[i] != NULL)
            continue;
        e = &q->tc[q->n_tc++];
        e->term = term;
        e->field = f[i];
        e->seg = seg;
        e->rc = found & (1u << f[i]) ? BL_OK : BL_ENOTFOUND;
        e->ti = all[f[i]];
        out[i] = e;
    }
    return BL_OK;
}

/* df of a term: the larger over the node's fields of the field's df summed
** over segments (bl_snapshot_df, from the cached lookups). */
static int df_of(query *q, const bl_qnode *n, const char *term, uint64_t *df)
{
    const bl_field_id *f;
    uint64_t d[2] = {0, 0};
    size_t nf;

    *df = 0;
    node_fields(n, &f, &nf);
    for (size_t sg = 0; sg < bl_snapshot_segment_count(q->snap); sg++) {
        const tcache_ent *e[2];
        int rc = tcache_lookup(q, sg, f, nf, term, e);

        if (rc != BL_OK)
            return rc;
        for (size_t i = 0; i < nf; i++)
            if (e[i]->rc == BL_OK)
                d[i] += e[i]->ti.df;
    }
    for (size_t i = 0; i < nf; i++)
        if (d[i] > *df)
            *df = d[i];
    return BL_OK;
}

/* The iterators' term lookups in one segment: from the cache, else the
** dictionary. */
typedef struct seg_lookup {
    query *q;
    size_t seg;
} seg_lookup;

static int lookup_term(void *ud, bl_field_id field, const char *term,
                       bl_term_info *out)
{
    seg_lookup *sl = ud;
    const tcache_ent *e = tcache_find(sl->q, sl->seg, field, term);

    if (e == NULL)
        return bl_segment_term(bl_snapshot_segment(sl->q->snap, sl->seg),
                               field, term, strlen(term), out);
    if (e->rc == BL_OK)
        *out = e->ti;
    return e->rc;
}

static bool push_str(bl_arena *a, const char ***v, size_t *n, size_t *cap,
                     const char *s)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        const char **nv = bl_arena_alloc(a, nc * sizeof *nv);

        if (nv == NULL)
            return false;
        if (*n)
            memcpy(nv, *v, *n * sizeof *nv);
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = s;
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The terms of every text field starting with the prefix, across segments,
** the first max_expansions in byte order. */
static int expand_prefix(query *q, bl_qnode *n)
{
    const char *pre = n->terms[0];
    size_t plen = strlen(pre), max = q->o->max_expansions;
    const char **v = NULL;
    size_t cnt = 0, cap = 0, w;
    bool truncated = false;
    const bl_field_id *f;
    size_t nf;
    unsigned mask = 0;

    node_fields(n, &f, &nf);
    for (size_t i = 0; i < nf; i++)
        mask |= 1u << f[i];
    /* One walk per segment over every field's terms (a term's fields are
    ** neighbours in the dictionary): the node's, each once. */
    for (size_t s = 0; s < bl_snapshot_segment_count(q->snap); s++) {
        const bl_segment *seg = bl_snapshot_segment(q->snap, s);
        bl_term_cursor c;
        bl_term_info ti;
        const char *last = NULL;
        size_t got = 0;
        int rc = bl_term_cursor_open(seg, BL_ANY_FIELD, pre, plen, &c);

        while (rc == BL_OK && (rc = bl_term_cursor_next(&c, &ti)) == BL_OK) {
            char *t;

            if (!(mask & (1u << c.term_field)) ||
                (last != NULL && strcmp(last, c.term) == 0))
                continue;
            if (got == max) {
                truncated = true;
                break;
            }
            t = bl_arena_strndup(q->arena, c.term, c.term_len);
            if (t == NULL || !push_str(q->arena, &v, &cnt, &cap, t))
                return BL_ENOMEM;
            last = t;
            got++;
        }
        if (rc != BL_OK && rc != BL_DONE && rc != BL_ENOTFOUND)
            return rc;
    }
    if (cnt > 0)
        qsort(v, cnt, sizeof *v, cmp_str);
    w = 0;
    for (size_t i = 0; i < cnt; i++)
        if (w == 0 || strcmp(v[w - 1], v[i]) != 0)
            v[w++] = v[i];
    if (w > max) {
        w = max;
        truncated = true;
    }
    if (truncated && q->warning[0] == '\0')
        snprintf(q->warning, sizeof q->warning,
                 "prefix '%s*' truncated to %zu terms", pre, max);
    n->terms = v;
    n->n_terms = w;
    if (!push_str(q->arena, &q->hl_prefixes, &q->n_hl_prefixes,
                  &q->cap_hl_prefixes, pre))
        return BL_ENOMEM;
    return BL_OK;
}

/* Weights (boost * idf) of every scoring node, prefix expansions, and the
** terms snippets mark. */
static int prepare(query *q, bl_qnode *n, double boost, bool negated)
{
    uint64_t N = bl_snapshot_docs(q->snap), df;
    bool body = n->field == BL_QF_TEXT || n->field == BL_FIELD_BODY;
    int rc;

    boost *= n->boost;
    switch (n->kind) {
    case BL_Q_TERM:
    case BL_Q_PHRASE:
        n->weight = 0;
        for (size_t i = 0; i < n->n_terms; i++) {
            rc = df_of(q, n, n->terms[i], &df);
            if (rc != BL_OK)
                return rc;
            n->weight += bl_bm25_idf(N, df);
            n->empty |= df == 0;
            if (!negated && body &&
                !push_str(q->arena, &q->hl_terms, &q->n_hl_terms,
                          &q->cap_hl_terms, n->terms[i]))
                return BL_ENOMEM;
        }
        n->weight *= n->boost;
        return BL_OK;
    case BL_Q_PREFIX:
        n->weight = n->boost;
        return expand_prefix(q, n);
    case BL_Q_BOOL:
        /* A required clause that matches nothing empties the node: the
        ** clauses after it are not even looked up (a word in no article,
        ** often, in an AND query). */
        for (size_t i = 0; i < n->n_clauses && !n->empty; i++) {
            rc = prepare(q, n->clauses[i].node, boost,
                         negated ||
                             n->clauses[i].occur == BL_OCCUR_MUST_NOT);
            if (rc != BL_OK)
                return rc;
            n->empty = n->clauses[i].occur == BL_OCCUR_MUST &&
                       n->clauses[i].node->empty;
        }
        return BL_OK;
    default:
        return BL_OK;
    }
}

static bool is_filter(const bl_qnode *n)
{
    return n->kind == BL_Q_DATE || n->kind == BL_Q_KEYWORD;
}

/* ---- iterators of one segment ---------------------------------------------- */

static bl_iter *compile(bl_iter_ctx *ctx, const bl_qnode *n);

static bl_iter *compile_bool(bl_iter_ctx *ctx, const bl_qnode *n)
{
    bl_iter **req, **opt, **excl, *base;
    size_t n_req = 0, n_opt = 0, n_excl = 0, n_scoring_req = 0;
    size_t n_should = 0, n_filters = 0;
    size_t cap = n->n_clauses + 1;

    req = bl_arena_alloc(ctx->arena, cap * sizeof *req);
    opt = bl_arena_alloc(ctx->arena, cap * sizeof *opt);
    excl = bl_arena_alloc(ctx->arena, cap * sizeof *excl);
    if (req == NULL || opt == NULL || excl == NULL)
        return ctx->rc = BL_ENOMEM, NULL;
    for (size_t i = 0; i < n->n_clauses; i++) {
        const bl_qclause *c = &n->clauses[i];
        bl_iter *it = compile(ctx, c->node);

        if (ctx->rc != BL_OK)
            return NULL;
        switch (c->occur) {
        case BL_OCCUR_MUST:
            if (it == NULL)
                return NULL;
            if (is_filter(c->node))
                n_filters++;
            else
                n_scoring_req++;
            req[n_req++] = it;
            break;
        case BL_OCCUR_SHOULD:
            n_should++;
            if (it != NULL)
                opt[n_opt++] = it;
            break;
        case BL_OCCUR_MUST_NOT:
            if (it != NULL)
                excl[n_excl++] = it;
            break;
        }
    }
    /* Filters alone do not make SHOULD clauses optional. */
    if (n_scoring_req == 0 && n_should > 0) {
        bl_iter *any;

        if (n_opt == 0)
            return NULL;
        any = n_opt == 1 ? opt[0] : bl_iter_or_new(ctx, opt, n_opt, 1.0);
        if (any == NULL)
            return NULL;
        req[n_req++] = any;
        n_opt = 0;
    }
    if (n_req == 0)
        base = bl_iter_all_new(ctx);
    else if (n_req == 1 && n_opt == 0 && n->boost == 1.0)
        base = req[0];
    else
        base = bl_iter_and_new(ctx, req, n_req, opt, n_opt, n->boost);
    if (base == NULL || n_excl == 0)
        return base;
    return bl_iter_not_new(ctx, base, excl, n_excl);
}

/* The iterator of node n in ctx's segment; NULL when it matches nothing
** there (or on error: ctx->rc). */
static bl_iter *compile(bl_iter_ctx *ctx, const bl_qnode *n)
{
    const bl_field_id *f;
    size_t nf;

    if (n->empty)
        return NULL;
    node_fields(n, &f, &nf);
    switch (n->kind) {
    case BL_Q_TERM:
        return bl_iter_term_new(ctx, n->terms[0], f, nf, n->weight);
    case BL_Q_PHRASE:
        return bl_iter_phrase_new(ctx, n->terms, n->offsets, n->n_terms,
                                  n->slop, f, nf, n->weight);
    case BL_Q_PREFIX:
        return bl_iter_terms_const_new(ctx, f, nf, n->terms, n->n_terms,
                                       n->weight);
    case BL_Q_KEYWORD:
        return bl_iter_keyword_new(ctx, (bl_field_id)n->field, n->terms[0]);
    case BL_Q_DATE:
        return bl_iter_date_new(ctx, n->from, n->to);
    case BL_Q_ALL:
        return bl_iter_all_new(ctx);
    case BL_Q_BOOL:
        return compile_bool(ctx, n);
    }
    return NULL;
}

/* ---- per-document predicates ------------------------------------------------ */

typedef struct seg_pred {
    const bl_snapshot *snap;
    size_t seg_i;
    const bl_segment *seg;
    bool all;                  /* no deletes, dates or sources: every doc */
    bool dated;
    int64_t from, to;
    uint32_t *ords;            /* required source ordinals */
    size_t n_ords;
} seg_pred;

static bool ascii_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;

        if (x != y)
            return false;
    }
    return *a == *b;
}

/* The same source name? ASCII case-insensitively, or after NFC and
** Unicode case folding (as the index folds source:) when either is not
** ASCII. */
static bool source_eq(const char *a, const char *b)
{
    bool ascii = true;
    utf8proc_uint8_t *fa = NULL, *fb = NULL;
    bool eq;

    for (const char *p = a; *p && ascii; p++)
        ascii = (unsigned char)*p < 0x80;
    for (const char *p = b; *p && ascii; p++)
        ascii = (unsigned char)*p < 0x80;
    if (ascii)
        return ascii_ieq(a, b);
    if (utf8proc_map((const utf8proc_uint8_t *)a, (utf8proc_ssize_t)strlen(a),
                     &fa, UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                     UTF8PROC_CASEFOLD) < 0 ||
        utf8proc_map((const utf8proc_uint8_t *)b, (utf8proc_ssize_t)strlen(b),
                     &fb, UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                     UTF8PROC_CASEFOLD) < 0)
        eq = strcmp(a, b) == 0;
    else
        eq = strcmp((const char *)fa, (const char *)fb) == 0;
    free(fa);
    free(fb);
    return eq;
}

/* false when some source is absent from the segment: nothing matches. */
static bool pred_init(seg_pred *p, query *q, size_t seg_i, bl_arena *arena)
{
    memset(p, 0, sizeof *p);
    p->snap = q->snap;
    p->seg_i = seg_i;
    p->seg = bl_snapshot_segment(q->snap, seg_i);
    p->dated = q->dated;
    p->from = q->from;
    p->to = q->to;
    p->all = !q->dated && q->n_sources == 0 &&
             !bl_snapshot_has_deletes(q->snap, seg_i);
    if (q->n_sources == 0)
        return true;
    p->ords = bl_arena_alloc(arena, q->n_sources * sizeof *p->ords);
    if (p->ords == NULL)
        return false;
    for (size_t i = 0; i < q->n_sources; i++) {
        uint32_t n = bl_segment_source_count(p->seg), o;

        for (o = 0; o < n; o++)
            if (source_eq(bl_segment_source_name(p->seg, o), q->sources[i]))
                break;
        if (o == n)
            return false;
        p->ords[p->n_ords++] = o;
    }
    return true;
}

static bool pred_test(const seg_pred *p, uint32_t d)
{
    if (bl_snapshot_deleted(p->snap, p->seg_i, d))
        return false;
    if (p->dated) {
        int64_t t = bl_segment_date(p->seg, d);

        if (t == BL_NO_DATE || (p->from != BL_NO_DATE && t < p->from) ||
            (p->to != BL_NO_DATE && t > p->to))
            return false;
    }
    for (size_t i = 0; i < p->n_ords; i++)
        if (bl_segment_source_ord(p->seg, d) != p->ords[i])
            return false;
    return true;
}

/* Does doc d pass the deletes and the root's filters? Called per match:
** the common case (none of them) costs one test. */
static inline bool pred_ok(const seg_pred *p, uint32_t d)
{
    return p->all || pred_test(p, d);
}

/* ---- collectors --------------------------------------------------------------- */

typedef struct collect {
    bl_topk topk;
    uint64_t total;
    bool lower_bound;          /* pruning skipped documents uncounted */
} collect;

static bool cannot_enter(double bound, double theta)
{
    return bound * (1.0 + MARGIN) <= theta;
}

/* Every match of the tree: counted, and kept by date or score. Scoring
** skips the blocks whose bound cannot beat the heap (then the count is a
** lower bound). */
static void run_tree(query *q, bl_iter *it, const seg_pred *p, uint32_t base,
                     collect *c)
{
    const bl_search_opts *o = q->o;
    bool scored = !o->count_only && o->sort == BL_SORT_RELEVANCE &&
                  c->topk.k > 0;
    bool kept = !o->count_only && c->topk.k > 0;
    bool prune = scored && !o->exhaustive;
    uint32_t d = bl_iter_next(it), last = 0;
    double bm = 0;
    bool have_bm = false;

    while (d != BL_DOC_END) {
        bl_topk_hit h;

        if (prune && bl_topk_threshold(&c->topk) > -INFINITY) {
            if (!have_bm || d > last) {
                bm = bl_iter_block_max(it, d, &last);
                have_bm = true;
            }
            if (cannot_enter(bm, bl_topk_threshold(&c->topk))) {
                c->lower_bound = true;
                if (last == BL_DOC_END)
                    break;
                d = bl_iter_seek(it, last + 1);
                continue;
            }
        }
        if (!pred_ok(p, d)) {
            d = bl_iter_next(it);
            continue;
        }
        c->total++;
        if (kept) {
            h.doc = (uint64_t)base + d;
            h.score = 0;
            h.date = BL_NO_DATE;
            if (scored)
                h.score = bl_iter_score(it);
            else
                h.date = bl_segment_date(p->seg, d);
            /* A score that does not beat the threshold cannot enter (hits
            ** come in doc order, ties never enter: topk.h). */
            if (!scored || h.score > bl_topk_threshold(&c->topk))
                bl_topk_push(&c->topk, &h);
        }
        d = bl_iter_next(it);
    }
}

/* Whether a candidate d of a disjunction is out: deleted, filtered away
** or matched by one of the root's MUST_NOT clauses (seeked in doc order). */
static bool excluded(const seg_pred *p, bl_iter **excl, size_t n_excl,
                     uint32_t d)
{
    bool out = !pred_ok(p, d);

    for (size_t i = 0; i < n_excl && !out; i++)
        out = bl_iter_seek(excl[i], d) == d;
    return out;
}

/* Offer segment doc d with a relevance score to the heap. */
static void offer(collect *c, uint32_t base, uint32_t d, double score)
{
    bl_topk_hit h;

    h.score = score;
    h.doc = (uint64_t)base + d;
    h.date = BL_NO_DATE;
    bl_topk_push(&c->topk, &h);
}

/* One clause of a MaxScore disjunction. */
typedef struct ms_list {
    bl_iter *it;
    size_t idx;                /* clause order, for summing */
    double max;                /* max_score * boost */
    uint32_t bm_last;          /* block bound cache: valid up to bm_last */
    double bm;
    bool bm_valid;
} ms_list;

static int by_max(const void *a, const void *b)
{
    const ms_list *x = a, *y = b;

    if (x->max != y->max)
        return x->max < y->max ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* A bound of list l's scores over [d, l->bm_last] (its block bound, cached
** until d passes the block; a list standing after d holds nothing before
** its own document, so its block from there covers d too). */
static double list_bound(ms_list *l, uint32_t d, double boost)
{
    uint32_t t = d;

    if (l->it->doc == BL_DOC_END) {
        l->bm_last = BL_DOC_END;
        return 0.0;
    }
    if (l->it->doc != BL_ITER_UNSET && l->it->doc > d)
        t = l->it->doc;
    if (!l->bm_valid || t > l->bm_last) {
        l->bm = boost * bl_iter_block_max(l->it, t, &l->bm_last);
        l->bm_valid = true;
    }
    return l->bm;
}

/* MaxScore over the clauses of a disjunction: the clauses whose bounds
** together cannot beat the heap are "non-essential" and only looked up for
** documents the others propose. */
static int run_maxscore(query *q, bl_iter **kids, size_t n, double boost,
                        bl_iter **excl, size_t n_excl, const seg_pred *p,
                        uint32_t base, collect *c, bl_arena *arena)
{
    ms_list *l = bl_arena_alloc(arena, n * sizeof *l);
    double *cum = bl_arena_alloc(arena, n * sizeof *cum);
    double *s = bl_arena_alloc(arena, n * sizeof *s);
    double theta = bl_topk_threshold(&c->topk);
    size_t ne = 0;             /* lists [0, ne) are non-essential */

    (void)q;
    if (l == NULL || cum == NULL || s == NULL)
        return BL_ENOMEM;
    for (size_t i = 0; i < n; i++)
        s[i] = 0;               /* kept zeroed between candidates */
    for (size_t i = 0; i < n; i++) {
        l[i].it = kids[i];
        l[i].idx = i;
        l[i].max = kids[i]->max_score * boost;
        l[i].bm_valid = false;
        bl_iter_next(kids[i]);
    }
    qsort(l, n, sizeof *l, by_max);
    for (size_t i = 0; i < n; i++)
        cum[i] = (i ? cum[i - 1] : 0) + l[i].max;
    while (ne < n && cannot_enter(cum[ne], theta))
        ne++;
    for (;;) {
        uint32_t d = BL_DOC_END;
        double partial = 0, total = 0, ub = 0;
        bool skip;

        if (ne > 0)
            c->lower_bound = true;
        if (ne == n)
            break;
        for (size_t i = ne; i < n; i++)
            if (l[i].it->doc < d)
                d = l[i].it->doc;
        if (d == BL_DOC_END)
            break;
        if (theta > -INFINITY) {
            uint32_t last = BL_DOC_END;

            for (size_t i = 0; i < n; i++) {
                ub += list_bound(&l[i], d, boost);
                if (l[i].bm_last < last)
                    last = l[i].bm_last;
            }
            if (cannot_enter(ub, theta)) {
                /* nothing in [d, last] can enter: skip the blocks */
                c->lower_bound = true;
                if (last == BL_DOC_END)
                    break;
                for (size_t i = ne; i < n; i++)
                    if (l[i].it->doc <= last)
                        bl_iter_seek(l[i].it, last + 1);
                continue;
            }
        }
        skip = excluded(p, excl, n_excl, d);
        if (!skip) {
            c->total++;
            for (size_t i = ne; i < n; i++)
                if (l[i].it->doc == d) {
                    s[l[i].idx] = bl_iter_score(l[i].it);
                    partial += s[l[i].idx];
                }
            for (size_t i = ne; i-- > 0;) {
                if (cannot_enter(boost * partial + cum[i], theta)) {
                    skip = true;
                    break;
                }
                if (bl_iter_seek(l[i].it, d) == d) {
                    s[l[i].idx] = bl_iter_score(l[i].it);
                    partial += s[l[i].idx];
                }
            }
        }
        /* The scores summed in clause order, whatever order they came in
        ** (the same sum as exhaustive scoring), and s left zeroed. */
        for (size_t i = 0; i < n; i++) {
            total += s[i];
            s[i] = 0;
        }
        /* Hits arrive in doc order and a tie never enters (topk.h): one
        ** that does not beat theta is not offered. */
        if (!skip && boost * total > theta) {
            offer(c, base, d, boost * total);
            if (bl_topk_threshold(&c->topk) != theta) {
                theta = bl_topk_threshold(&c->topk);
                while (ne < n && cannot_enter(cum[ne], theta))
                    ne++;
            }
        }
        for (size_t i = ne; i < n; i++)
            if (l[i].it->doc == d)
                bl_iter_next(l[i].it);
    }
    return BL_OK;
}

/* A disjunction whose lists are short, scored exhaustively a window of
** BL_WINDOW documents at a time (iter.h): each clause in turn, in clause
** order (so the sums are those of MaxScore and of exhaustive scoring),
** adds its scores into the window, then the window's documents are offered
** in the order of its list (iter.h). No bound is computed and no list is
** seeked: when the lists are short, that bookkeeping costs more than it
** saves. Reading the list rather than scanning the window's bits spares a
** mispredicted branch per hit word: Reuters' OR median 10.3 -> 8.3 us.
** Short: at most WINDOW_MAX_COST postings in all. Median instructions of
** Reuters' OR queries (callgrind, 100 queries) by that limit: 0 (always
** MaxScore) 152k, 300 112k, 1000 113k, 3000 113k; their 90th percentile
** 462k, 462k, 439k, 476k. At 10^6 articles (3.8M median) it makes no
** difference: their lists are longer. */
#define WINDOW_MAX_COST 1000

static bool window_fits(bl_iter **kids, size_t n)
{
    uint64_t cost = 0;

    for (size_t i = 0; i < n; i++)
        cost += kids[i]->cost;
    return cost <= WINDOW_MAX_COST;
}

static int run_window(bl_iter **kids, size_t n, double boost, bl_iter **excl,
                      size_t n_excl, const seg_pred *p, uint32_t base,
                      collect *c, bl_arena *arena)
{
    bl_window *w = bl_arena_alloc(arena, sizeof *w);

    if (w == NULL)
        return BL_ENOMEM;
    memset(w->hit, 0, sizeof w->hit);
    memset(w->tft_hit, 0, sizeof w->tft_hit);
    for (size_t i = 0; i < n; i++)
        bl_iter_next(kids[i]);
    for (;;) {
        uint64_t hi;
        double theta = bl_topk_threshold(&c->topk);

        w->lo = BL_DOC_END;
        w->n = 0;
        for (size_t i = 0; i < n; i++)
            if (kids[i]->doc < w->lo)
                w->lo = kids[i]->doc;
        if (w->lo == BL_DOC_END)
            break;
        hi = (uint64_t)w->lo + BL_WINDOW;
        for (size_t i = 0; i < n; i++)
            if (kids[i]->doc < hi)
                bl_iter_add_window(kids[i], w, hi);
        /* The MUST_NOT clauses are seeked, so they need doc order: the
        ** list is rewritten from the bits. Otherwise it is read as it
        ** came, and a hit that ties the heap's worst is offered too
        ** (the heap breaks ties by doc id, whatever the order). */
        if (n_excl > 0) {
            w->n = 0;
            for (uint32_t x = 0; x < BL_WINDOW / 64; x++)
                for (uint64_t bits = w->hit[x]; bits != 0;
                     bits &= bits - 1)
                    w->list[w->n++] =
                        (uint16_t)(x * 64 + (uint32_t)__builtin_ctzll(bits));
        }
        for (uint32_t i = 0; i < w->n; i++) {
            uint32_t j = w->list[i], d = w->lo + j;
            double score = boost * w->score[j];

            w->hit[j / 64] = 0;
            if (excluded(p, excl, n_excl, d))
                continue;
            c->total++;
            if (score >= theta) {
                offer(c, base, d, score);
                theta = bl_topk_threshold(&c->topk);
            }
        }
    }
    return BL_OK;
}

/* The root as a MaxScore disjunction: its scoring clauses are SHOULD (no
** scoring MUST), and its filters are date ranges and sources, which become
** predicates. */
static bool maxscore_shape(const bl_qnode *r)
{
    size_t should = 0;

    if (r->kind == BL_Q_TERM || r->kind == BL_Q_PHRASE)
        return true;
    if (r->kind != BL_Q_BOOL)
        return false;
    for (size_t i = 0; i < r->n_clauses; i++) {
        const bl_qclause *c = &r->clauses[i];

        if (c->occur == BL_OCCUR_SHOULD)
            should++;
        else if (c->occur == BL_OCCUR_MUST &&
                 !(c->node->kind == BL_Q_DATE ||
                   (c->node->kind == BL_Q_KEYWORD &&
                    c->node->field == BL_FIELD_SOURCE)))
            return false;
    }
    return should > 0;
}

/* Require a source (a fresh array each time: they are one or two). */
static int add_source(query *q, const char *s)
{
    const char **v = bl_arena_alloc(q->arena,
                                    (q->n_sources + 1) * sizeof *v);

    if (v == NULL)
        return BL_ENOMEM;
    if (q->n_sources)
        memcpy(v, q->sources, q->n_sources * sizeof *v);
    v[q->n_sources++] = s;
    q->sources = v;
    return BL_OK;
}

/* Fold the root's date and source MUST clauses into the predicates and
** take them out of the tree: a column test per candidate is cheaper than
** an iterator, and the rule that filters alone do not make SHOULD clauses
** optional holds either way. */
static int root_filters(query *q)
{
    bl_qnode *r = q->root;
    size_t w = 0;

    if (r->kind != BL_Q_BOOL)
        return BL_OK;
    for (size_t i = 0; i < r->n_clauses; i++) {
        const bl_qnode *n = r->clauses[i].node;

        if (r->clauses[i].occur == BL_OCCUR_MUST && n->kind == BL_Q_DATE) {
            q->dated = true;
            if (n->from != BL_NO_DATE &&
                (q->from == BL_NO_DATE || n->from > q->from))
                q->from = n->from;
            if (n->to != BL_NO_DATE && (q->to == BL_NO_DATE || n->to < q->to))
                q->to = n->to;
            continue;
        }
        if (r->clauses[i].occur == BL_OCCUR_MUST &&
            n->kind == BL_Q_KEYWORD && n->field == BL_FIELD_SOURCE) {
            int rc = add_source(q, n->terms[0]);

            if (rc != BL_OK)
                return rc;
            continue;
        }
        r->clauses[w++] = r->clauses[i];
    }
    r->n_clauses = w;
    return BL_OK;
}

static int run_segment(query *q, size_t si, collect *c, bl_arena *arena)
{
    const bl_segment *seg = bl_snapshot_segment(q->snap, si);
    uint32_t base = bl_snapshot_base(q->snap, si);
    bl_iter_ctx ctx;
    seg_lookup sl;
    seg_pred p;
    int rc = BL_OK;

    memset(&ctx, 0, sizeof ctx);
    ctx.seg = seg;
    ctx.bm25 = &q->bm25;
    ctx.arena = arena;
    sl.q = q;
    sl.seg = si;
    ctx.lookup = lookup_term;
    ctx.lookup_ud = &sl;
    if (!pred_init(&p, q, si, arena))
        return BL_OK;
    if (q->ms) {
        const bl_qnode *r = q->root;
        size_t cap = r->kind == BL_Q_BOOL ? r->n_clauses : 1, n = 0, nx = 0;
        bl_iter **kids = bl_arena_alloc(arena, cap * sizeof *kids);
        bl_iter **excl = bl_arena_alloc(arena, cap * sizeof *excl);

        if (kids == NULL || excl == NULL)
            return BL_ENOMEM;
        if (r->kind != BL_Q_BOOL) {
            kids[0] = compile(&ctx, r);
            n = kids[0] != NULL;
        } else {
            for (size_t i = 0; i < r->n_clauses && ctx.rc == BL_OK; i++) {
                const bl_qclause *cl = &r->clauses[i];
                bl_iter *it;

                if (cl->occur == BL_OCCUR_MUST)
                    continue;
                it = compile(&ctx, cl->node);
                if (it == NULL)
                    continue;
                if (cl->occur == BL_OCCUR_SHOULD)
                    kids[n++] = it;
                else
                    excl[nx++] = it;
            }
        }
        double boost = r->kind == BL_Q_BOOL ? r->boost : 1.0;

        /* Short lists: windows (also for one word: Reuters' one-word
        ** queries 86.4k -> 76.5k median instructions). One clause: no
        ** essential lists to choose, and run_tree's block skipping is the
        ** same pruning at a fifth of the cost a match (one-word queries on
        ** Reuters: 449k -> 319k instructions). */
        if (ctx.rc == BL_OK && n > 0 && window_fits(kids, n))
            rc = run_window(kids, n, boost, excl, nx, &p, base, c, arena);
        else if (ctx.rc == BL_OK && n == 1 && nx == 0 && boost == 1.0)
            run_tree(q, kids[0], &p, base, c);
        else if (ctx.rc == BL_OK && n > 0)
            rc = run_maxscore(q, kids, n, boost, excl, nx, &p, base, c,
                              arena);
    } else {
        bl_iter *it = compile(&ctx, q->root);

        if (it != NULL && ctx.rc == BL_OK)
            run_tree(q, it, &p, base, c);
    }
    if (rc == BL_OK)
        rc = bl_iter_ctx_status(&ctx);
    return rc;
}

/* ---- scratch ------------------------------------------------------------ */

/* What one search needs and the next can reuse: analyzers (costly to
** create), arenas and the stored-field context. Kept on the index
** (bl_index_scratch_*), one per concurrent search. */
typedef struct scratch {
    bl_analyzer *a;            /* the index's analysis */
    bl_analyzer *pa;           /* the same without stemming and stopwords */
    bl_analyzer *snip;         /* the index's analysis with a cache sized
                                  for articles: snippets; NULL until one
                                  is made */
    char lang[64];             /* the options they were made with */
    bool stem, stopwords, fold;
    bl_arena qa;               /* the query's tree and terms */
    bl_arena sa;               /* one segment's iterators */
    bl_store_ctx *sc;          /* NULL until stored fields are read */
    bl_block_cache *blocks;    /* the index's, which sc takes blocks from */
    pthread_t owner;           /* the thread that made it */
} scratch;

static void scratch_free(void *p)
{
    scratch *s = p;

    if (s == NULL)
        return;
    bl_analyzer_free(s->a);
    bl_analyzer_free(s->pa);
    bl_analyzer_free(s->snip);
    bl_arena_free(&s->qa);
    bl_arena_free(&s->sa);
    bl_store_ctx_free(s->sc);
    free(s);
}

/* Words a scratch's analyzer keeps analysed. A search meets its few words
** after other work has taken the processor's caches, so the term cache is
** small enough to stay in them: analysing a median OR query's words took
** 3,000-3,700 cycles with indexing's 32,768 words (2 MiB a cache, two a
** scratch), 1,600-2,200 with 2,048 (128 KiB), about 3,000 with 8,192 (51
** Reuters queries in turn; the queries' median time moved less than the
** machine's noise). A word it lacks costs a stem, about 2,400
** instructions. */
#define QUERY_CACHE_WORDS 2048

/* Snippets analyse whole articles, hundreds of words each, which that cache
** cannot hold: they have an analyzer of their own with indexing's cache
** (0: 32,768 words, 2 MiB a scratch), made on a scratch's first snippet.
** Ten hits with snippets on Reuters, each query of `byline bench`'s set in
** turn, with the block cache, three alternating runs: median 225, 219,
** 213 us -> 156, 157, 158 us (libstemmer had been a fifth of the time). */
#define SNIPPET_CACHE_WORDS 0

static int snippet_analyzer(scratch *s, bl_analyzer **out)
{
    bl_analyzer_opts ao;
    int rc = BL_OK;

    if (s->snip == NULL) {
        bl_analyzer_opts_default(&ao);
        ao.lang = s->lang;
        ao.stem = s->stem;
        ao.stopwords = s->stopwords;
        ao.fold_accents = s->fold;
        ao.cache_words = SNIPPET_CACHE_WORDS;
        rc = bl_analyzer_new(&ao, &s->snip);
    }
    *out = s->snip;
    return rc;
}

/* A scratch whose analyzers match the snapshot's analysis options. */
static int scratch_get(bl_index *ix, const bl_snapshot *snap, scratch **out)
{
    bl_analyzer_opts ao;
    scratch *s = bl_index_scratch_take(ix);
    const char *lang;
    int rc;

    *out = NULL;
    bl_analyzer_opts_default(&ao);
    bl_snapshot_analyzer_opts(snap, &ao);
    ao.cache_words = QUERY_CACHE_WORDS;
    lang = ao.lang != NULL ? ao.lang : "";
    if (s != NULL && (strcmp(s->lang, lang) != 0 || s->stem != ao.stem ||
                      s->stopwords != ao.stopwords ||
                      s->fold != ao.fold_accents)) {
        scratch_free(s);
        s = NULL;
    }
    if (s != NULL) {
        *out = s;
        return BL_OK;
    }
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return BL_ENOMEM;
    s->owner = pthread_self();
    s->blocks = bl_index_block_cache(ix);
    bl_arena_init(&s->qa, 16 * 1024);
    bl_arena_init(&s->sa, 256 * 1024);
    snprintf(s->lang, sizeof s->lang, "%s", lang);
    s->stem = ao.stem;
    s->stopwords = ao.stopwords;
    s->fold = ao.fold_accents;
    rc = bl_analyzer_new(&ao, &s->a);
    if (rc == BL_OK) {
        ao.stem = false;
        ao.stopwords = false;
        rc = bl_analyzer_new(&ao, &s->pa);
    }
    if (rc != BL_OK) {
        scratch_free(s);
        return rc;
    }
    *out = s;
    return BL_OK;
}

/* ---- results ---------------------------------------------------------------- */

static const char *dup(bl_arena *a, const char *s)
{
    return bl_arena_strndup(a, s, strlen(s));
}

static size_t segment_of(const bl_snapshot *s, uint64_t doc)
{
    size_t lo = 0, hi = bl_snapshot_segment_count(s);

    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;

        if (bl_snapshot_base(s, mid) <= doc)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* After rc, a bl_snippet_* result written into buf: the marked text as an
** arena copy in *out (left "" when empty; NULL when out of memory). */
static int keep_marked(results_impl *ri, int rc, const bl_buf *buf,
                       const char **out)
{
    if (rc != BL_OK || buf->rc != BL_OK)
        return rc != BL_OK ? rc : buf->rc;
    if (buf->len > 0)
        *out = bl_arena_strndup(&ri->arena, (char *)buf->p, buf->len);
    return BL_OK;
}

static int fill_hits(query *q, results_impl *ri, collect *c, scratch *scr)
{
    const bl_search_opts *o = q->o;
    bl_topk_hit *sorted = bl_topk_sorted(&c->topk);
    size_t from = o->offset < c->topk.n ? o->offset : c->topk.n;
    size_t n = c->topk.n - from;
    bl_store_ctx *sc = NULL;
    bl_buf buf = BL_BUF_INIT;
    bl_snippet_query sq;
    bl_snippet_opts so;
    bl_analyzer *sa = NULL;
    int rc = BL_OK;

    ri->r.hits = bl_arena_alloc(&ri->arena, (n + 1) * sizeof *ri->r.hits);
    if (ri->r.hits == NULL)
        return BL_ENOMEM;
    if (!o->ids_only && scr->sc == NULL) {
        if ((rc = bl_store_ctx_new(&scr->sc)) != BL_OK)
            return rc;
        bl_store_ctx_use_cache(scr->sc, scr->blocks);
    }
    if (!o->ids_only && o->snippets &&
        (rc = snippet_analyzer(scr, &sa)) != BL_OK)
        return rc;
    sc = scr->sc;
    sq.terms = q->hl_terms;
    sq.n_terms = q->n_hl_terms;
    sq.prefixes = q->hl_prefixes;
    sq.n_prefixes = q->n_hl_prefixes;
    so.mark_open = o->mark_open != NULL ? o->mark_open : "<mark>";
    so.mark_close = o->mark_close != NULL ? o->mark_close : "</mark>";
    so.bytes = o->snippet_bytes ? o->snippet_bytes : 200;
    so.escape_html = so.mark_open[0] == '<';
    for (size_t i = 0; i < n && rc == BL_OK; i++) {
        const bl_topk_hit *h = &sorted[from + i];
        bl_hit *out = &ri->r.hits[i];
        size_t si = segment_of(q->snap, h->doc);
        bl_doc *doc = NULL;

        if (o->ids_only) {
            /* Columns only: the store stays untouched. */
            const bl_segment *seg = bl_snapshot_segment(q->snap, si);
            uint32_t d = (uint32_t)(h->doc - bl_snapshot_base(q->snap, si));

            rc = bl_segment_id(seg, d, &buf);
            if (rc != BL_OK)
                break;
            out->doc = h->doc;
            out->score = o->sort == BL_SORT_RELEVANCE ? h->score : 0.0;
            out->id = bl_arena_strndup(&ri->arena, (char *)buf.p, buf.len);
            out->source = dup(&ri->arena, bl_segment_source_name(
                                              seg, bl_segment_source_ord(seg,
                                                                         d)));
            out->title = out->url = out->snippet = out->title_marked = "";
            out->date = bl_segment_date(seg, d);
            if (out->id == NULL || out->source == NULL)
                rc = BL_ENOMEM;
            ri->r.n_hits = i + 1;
            continue;
        }
        /* Without a snippet the body is not needed, nor decompressed. */
        rc = (o->snippets ? bl_segment_doc : bl_segment_doc_head)(
            bl_snapshot_segment(q->snap, si),
            (uint32_t)(h->doc - bl_snapshot_base(q->snap, si)), sc, &doc);
        if (rc != BL_OK)
            break;
        out->doc = h->doc;
        out->score = o->sort == BL_SORT_RELEVANCE ? h->score : 0.0;
        out->date = doc->date;
        out->id = dup(&ri->arena, doc->id);
        out->title = dup(&ri->arena, doc->title);
        out->source = dup(&ri->arena, doc->source);
        out->url = dup(&ri->arena, doc->url);
        out->snippet = out->title_marked = "";
        if (o->snippets) {
            bl_buf_reset(&buf);
            rc = keep_marked(ri, bl_snippet_make(sa, doc->body,
                                                 strlen(doc->body), &sq, &so,
                                                 &buf),
                             &buf, &out->snippet);
        }
        if (o->snippets && rc == BL_OK) {
            bl_buf_reset(&buf);
            rc = keep_marked(ri, bl_snippet_mark(sa, doc->title,
                                                 strlen(doc->title), &sq,
                                                 &so, &buf),
                             &buf, &out->title_marked);
        }
        if (rc == BL_OK && (out->id == NULL || out->title == NULL ||
                            out->source == NULL || out->url == NULL ||
                            out->snippet == NULL ||
                            out->title_marked == NULL))
            rc = BL_ENOMEM;
        bl_doc_free(doc);
        ri->r.n_hits = i + 1;
    }
    if (rc != BL_OK)
        ri->r.n_hits = 0;
    bl_buf_free(&buf);
    return rc;
}

static void set_err(char *err, size_t cap, const char *fmt, const char *s)
{
    if (err != NULL && cap > 0)
        snprintf(err, cap, fmt, s);
}

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* The query as understood: the analysed tree, then the filters of the
** options, into the results. */
static int make_parsed(query *q, results_impl *ri)
{
    const bl_search_opts *o = q->o;
    char first[256];           /* most queries: formatted once */
    size_t clen = bl_query_format(q->root, first, sizeof first);
    char *canon = bl_arena_alloc(&ri->arena, clen + 512);

    if (canon == NULL)
        return BL_ENOMEM;
    if (clen < sizeof first)
        memcpy(canon, first, clen + 1);
    else
        bl_query_format(q->root, canon, clen + 1);
    if (o->from != BL_NO_DATE || o->to != BL_NO_DATE) {
        bl_qnode d;

        memset(&d, 0, sizeof d);
        d.kind = BL_Q_DATE;
        d.boost = 1;
        d.from = o->from;
        d.to = o->to;
        strcat(canon, clen ? " +" : "+");
        bl_query_format(&d, canon + strlen(canon), 200);
    }
    if (o->source != NULL && o->source[0] != '\0' && strlen(o->source) < 200)
        sprintf(canon + strlen(canon), "%ssource:%s",
                canon[0] ? " +" : "+", o->source);
    ri->r.parsed = canon;
    return BL_OK;
}

static int search(bl_index *ix, const char *text, const bl_search_opts *o,
                  results_impl *ri, char *err, size_t cap)
{
    query q;
    bl_qnode *parsed;
    scratch *sc = NULL;
    bl_arena *qa, *sa;
    collect c;
    bool all_stop;
    uint64_t totals[BL_N_TEXT_FIELDS];
    double rank[4];            /* the index's k1, b and field weights */
    size_t want;
    int rc;

    memset(&q, 0, sizeof q);
    memset(&c, 0, sizeof c);
    q.o = o;
    q.from = o->from;
    q.to = o->to;
    q.dated = o->from != BL_NO_DATE || o->to != BL_NO_DATE;
    if (o->k1 < 0 || o->b < 0 || o->b > 1 || o->title_weight < 0 ||
        o->body_weight < 0 || isinf(o->k1) || isinf(o->title_weight) ||
        isinf(o->body_weight)) {
        set_err(err, cap, "%s", "bad ranking parameters (k1 >= 0, "
                                "0 <= b <= 1, weights >= 0)");
        return BL_EINVAL;
    }
    if (o->k > MAX_HITS || o->offset > MAX_HITS - o->k) {
        set_err(err, cap, "%s", "k + offset is over 1000000");
        return BL_ELIMIT;
    }
    q.snap = bl_index_acquire(ix);
    if (q.snap == NULL)
        return BL_EINVAL;
    rc = scratch_get(ix, q.snap, &sc);
    if (rc != BL_OK)
        goto done;
    qa = q.arena = &sc->qa;
    sa = &sc->sa;
    rc = bl_query_parse(text, o->and_default, qa, &parsed, err, cap);
    if (rc == BL_OK)
        rc = bl_query_analyze(parsed, sc->a, sc->pa, qa, &q.root, &all_stop,
                              err, cap);
    if (rc != BL_OK)
        goto done;
    if (o->source != NULL && o->source[0] != '\0' &&
        (rc = add_source(&q, o->source)) != BL_OK)
        goto done;
    if (q.root == NULL) {
        if (all_stop)
            snprintf(q.warning, sizeof q.warning, "all words are stopwords");
        goto finish;
    }
    want = o->count_only ? 0 : o->k + o->offset;
    q.ms = !o->count_only && !o->exhaustive && want > 0 &&
           o->sort == BL_SORT_RELEVANCE && maxscore_shape(q.root);
    rc = prepare(&q, q.root, 1.0, false);
    if (rc == BL_OK)
        rc = make_parsed(&q, ri);
    if (rc == BL_OK)
        rc = root_filters(&q);
    if (rc != BL_OK)
        goto done;
    for (int f = 0; f < BL_N_TEXT_FIELDS; f++)
        totals[f] = bl_snapshot_field_total(q.snap, (bl_field_id)f);
    bl_snapshot_ranking(q.snap, rank);
    bl_bm25_init(&q.bm25, isnan(o->k1) ? rank[0] : o->k1,
                 isnan(o->b) ? rank[1] : o->b,
                 isnan(o->title_weight) ? rank[2] : o->title_weight,
                 isnan(o->body_weight) ? rank[3] : o->body_weight,
                 bl_snapshot_docs(q.snap), totals);
    rc = bl_topk_init(&c.topk, o->sort, want);
    for (size_t s = 0; rc == BL_OK && s < bl_snapshot_segment_count(q.snap);
         s++) {
        rc = run_segment(&q, s, &c, sa);
        bl_arena_reset(sa);
    }
    if (rc == BL_OK && !o->count_only)
        rc = fill_hits(&q, ri, &c, sc);
    if (rc == BL_ECORRUPT)
        set_err(err, cap, "%s", "the index is corrupt (run `byline check`)");
    if (rc != BL_OK)
        goto done;
finish:
    ri->r.total = c.total;
    ri->r.total_lower_bound = c.lower_bound;
    if (ri->r.parsed[0] == '\0' && (rc = make_parsed(&q, ri)) != BL_OK)
        goto done;
    ri->r.warning = dup(&ri->arena, q.warning);
    if (ri->r.warning == NULL)
        rc = BL_ENOMEM;
done:
    bl_topk_free(&c.topk);
    if (sc != NULL) {
        bl_arena_reset(&sc->qa);
        bl_arena_reset(&sc->sa);
        bl_index_scratch_give(ix, sc, sc->owner, scratch_free);
    }
    bl_snapshot_release(q.snap);
    return rc;
}

/* Pruning left r->total a lower bound: count every match in a second,
** count-only pass (on the then current snapshot). */
static int count_all(bl_index *ix, const char *query, const bl_search_opts *o,
                     bl_results *r, char *err, size_t cap)
{
    bl_search_opts co = *o;
    results_impl *ci = calloc(1, sizeof *ci);
    int rc;

    if (ci == NULL)
        return BL_ENOMEM;
    bl_arena_init(&ci->arena, 4 * 1024);
    ci->r.parsed = "";
    ci->r.warning = "";
    co.count_only = true;
    rc = search(ix, query, &co, ci, err, cap);
    if (rc == BL_OK && !ci->r.total_lower_bound) {
        r->total = ci->r.total;
        r->total_lower_bound = false;
    }
    bl_results_free(&ci->r);
    return rc;
}

int bl_search(bl_index *ix, const char *query, const bl_search_opts *o,
              bl_results **out, char *err, size_t cap)
{
    double t0 = now_us();
    bl_search_opts defaults;
    results_impl *ri;
    int rc;

    *out = NULL;
    if (err != NULL && cap > 0)
        err[0] = '\0';
    if (ix == NULL || query == NULL)
        return BL_EINVAL;
    if (o == NULL) {
        bl_search_opts_default(&defaults);
        o = &defaults;
    }
    ri = calloc(1, sizeof *ri);
    if (ri == NULL)
        return BL_ENOMEM;
    bl_arena_init(&ri->arena, 4 * 1024);
    ri->r.parsed = "";
    ri->r.warning = "";
    rc = search(ix, query, o, ri, err, cap);
    if (rc == BL_OK && ri->r.total_lower_bound && o->exact_total)
        rc = count_all(ix, query, o, &ri->r, err, cap);
    if (rc != BL_OK) {
        if (err != NULL && cap > 0 && err[0] == '\0')
            snprintf(err, cap, "%s", bl_strerror(rc));
        bl_results_free(&ri->r);
        return rc;
    }
    ri->r.micros = now_us() - t0;
    *out = &ri->r;
    return BL_OK;
}
