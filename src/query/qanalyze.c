/* qanalyze.c - the analysis pass of parse.h: the words of a parsed query
** become index terms through the index's analyzer, so that a query word
** and the same word in an article meet on the same term. Invariant: a
** clause is removed only when its words are all stopwords, and a group only
** when all its clauses were removed; filters and '*' always stay.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "query/parse.h"
#include "segment/segment.h"

typedef struct collect {
    bl_arena *arena;
    const char **terms;
    uint32_t *offsets;
    size_t n, cap;
    int rc;
} collect;

static int collect_token(void *ctx, const bl_token *tok)
{
    collect *c = ctx;

    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        const char **t = bl_arena_alloc(c->arena, cap * sizeof *t);
        uint32_t *o = bl_arena_alloc(c->arena, cap * sizeof *o);

        if (t == NULL || o == NULL)
            return c->rc = BL_ENOMEM;
        if (c->n) {
            memcpy(t, c->terms, c->n * sizeof *t);
            memcpy(o, c->offsets, c->n * sizeof *o);
        }
        c->terms = t;
        c->offsets = o;
        c->cap = cap;
    }
    c->terms[c->n] = bl_arena_strndup(c->arena, tok->term, tok->term_len);
    if (c->terms[c->n] == NULL)
        return c->rc = BL_ENOMEM;
    c->offsets[c->n++] = tok->pos;
    return 0;
}

static int analyze_words(bl_analyzer *a, const char *text, bl_arena *arena,
                         collect *c)
{
    int rc;

    memset(c, 0, sizeof *c);
    c->arena = arena;
    rc = bl_analyze(a, text, strlen(text), NULL, collect_token, c);
    if (c->rc != BL_OK)
        return c->rc;
    if (rc != BL_OK)
        return rc;
    for (size_t k = 1; k < c->n; k++)
        c->offsets[k] -= c->offsets[0];
    if (c->n)
        c->offsets[0] = 0;
    return BL_OK;
}

typedef struct actx {
    bl_analyzer *a, *pa;
    bl_arena *arena;
    char *err;
    size_t cap;
    size_t stop_dropped;       /* word clauses dropped as stopwords */
} actx;

/* Case-fold a keyword value as the index does for the source field: NFC
** and Unicode case folding (utf8proc), the builder's bl_keyword_fold. */
static char *fold_keyword(bl_arena *arena, const char *s)
{
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t n;
    char *out;

    n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)strlen(s),
                     &dst, UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                     UTF8PROC_CASEFOLD);
    if (n < 0)             /* not UTF-8: compare the bytes as they are */
        return bl_arena_strndup(arena, s, strlen(s));
    out = bl_arena_strndup(arena, (const char *)dst, (size_t)n);
    free(dst);
    return out;
}

/* Analyse node; *keep false when it vanished (stopwords). */
static int analyze_node(actx *x, bl_qnode *n, bool *keep)
{
    collect c;
    int rc;

    *keep = true;
    switch (n->kind) {
    case BL_Q_TERM:
    case BL_Q_PHRASE:
        rc = analyze_words(x->a, n->text, x->arena, &c);
        if (rc != BL_OK)
            return rc;
        if (c.n == 0) {
            *keep = false;
            x->stop_dropped++;
            return BL_OK;
        }
        n->terms = c.terms;
        n->offsets = c.offsets;
        n->n_terms = c.n;
        if (c.n == 1)
            n->kind = BL_Q_TERM;
        else
            n->kind = BL_Q_PHRASE;
        return BL_OK;
    case BL_Q_PREFIX:
        rc = analyze_words(x->pa, n->text, x->arena, &c);
        if (rc != BL_OK)
            return rc;
        if (c.n != 1) {
            if (x->err != NULL && x->cap > 0)
                snprintf(x->err, x->cap, "at %u: expected one word before "
                         "'*'", n->pos);
            return BL_EQUERY;
        }
        n->terms = c.terms;
        n->offsets = c.offsets;
        n->n_terms = 1;
        return BL_OK;
    case BL_Q_KEYWORD:
        n->terms = bl_arena_alloc(x->arena, sizeof *n->terms);
        if (n->terms == NULL)
            return BL_ENOMEM;
        n->terms[0] = n->field == BL_FIELD_SOURCE
                          ? fold_keyword(x->arena, n->text)
                          : n->text;
        if (n->terms[0] == NULL)
            return BL_ENOMEM;
        n->n_terms = 1;
        return BL_OK;
    case BL_Q_DATE:
    case BL_Q_ALL:
        return BL_OK;
    case BL_Q_BOOL: {
        size_t w = 0;

        for (size_t k = 0; k < n->n_clauses; k++) {
            bool kept;

            rc = analyze_node(x, n->clauses[k].node, &kept);
            if (rc != BL_OK)
                return rc;
            if (kept)
                n->clauses[w++] = n->clauses[k];
        }
        n->n_clauses = w;
        *keep = w > 0;
        return BL_OK;
    }
    }
    return BL_EINVAL;
}

/* A group of one scoring clause is that clause (boosts multiply). */
static bl_qnode *simplify(bl_qnode *n)
{
    if (n->kind != BL_Q_BOOL)
        return n;
    for (size_t k = 0; k < n->n_clauses; k++)
        n->clauses[k].node = simplify(n->clauses[k].node);
    if (n->n_clauses == 1 && n->clauses[0].occur != BL_OCCUR_MUST_NOT) {
        bl_qnode *c = n->clauses[0].node;

        c->boost *= n->boost;
        return c;
    }
    return n;
}

int bl_query_analyze(bl_qnode *root, bl_analyzer *a, bl_analyzer *pa,
                     bl_arena *arena, bl_qnode **out, bool *all_stop,
                     char *err, size_t cap)
{
    actx x;
    bool keep;
    int rc;

    *out = NULL;
    *all_stop = false;
    memset(&x, 0, sizeof x);
    x.a = a;
    x.pa = pa;
    x.arena = arena;
    x.err = err;
    x.cap = cap;
    rc = analyze_node(&x, root, &keep);
    if (rc != BL_OK)
        return rc;
    if (!keep) {
        *all_stop = x.stop_dropped > 0;
        return BL_OK;
    }
    *out = simplify(root);
    return BL_OK;
}

