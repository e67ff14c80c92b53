/* test_snippet.c - snippets: exactly the matching words are marked (on
** English, accented and CJK text, and on every article of the sample
** corpus), the output is valid UTF-8 whatever the input, long bodies are
** cut around the match, and HTML is escaped only with HTML markers.
*/
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search/snippet.h"

typedef struct fixture {
    bl_analyzer *an;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    bl_analyzer_opts ao;

    assert_non_null(fx);
    bl_analyzer_opts_default(&ao);
    assert_int_equal(bl_analyzer_new(&ao, &fx->an), BL_OK);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;

    bl_analyzer_free(fx->an);
    free(fx);
    return 0;
}

static bool valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p) {
        size_t k;
        uint32_t cp;

        if (*p < 0x80) {
            p++;
            continue;
        }
        if (*p >= 0xC2 && *p <= 0xDF)
            k = 2, cp = *p & 0x1F;
        else if (*p >= 0xE0 && *p <= 0xEF)
            k = 3, cp = *p & 0x0F;
        else if (*p >= 0xF0 && *p <= 0xF4)
            k = 4, cp = *p & 0x07;
        else
            return false;
        for (size_t i = 1; i < k; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += k;
    }
    return true;
}

/* The analysed terms of a query text, as the search side collects them. */
typedef struct terms {
    char *v[64];
    size_t n;
} terms;

static int add_term(void *ctx, const bl_token *t)
{
    terms *q = ctx;

    if (q->n < 64)
        q->v[q->n++] = strndup(t->term, t->term_len);
    return 0;
}

static void terms_of(fixture *fx, const char *text, terms *out)
{
    memset(out, 0, sizeof *out);
    assert_int_equal(bl_analyze(fx->an, text, strlen(text), NULL, add_term,
                                out), BL_OK);
}

static void terms_free(terms *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i]);
}

/* The snippet of body for the words of query, with [[ ]] or <mark>. */
static char *snip(fixture *fx, const char *body, const char *query,
                  bool html, size_t bytes)
{
    terms t;
    bl_snippet_query q;
    bl_snippet_opts o;
    bl_buf out = BL_BUF_INIT;
    uint8_t *p;
    size_t len;

    terms_of(fx, query, &t);
    q.terms = (const char *const *)t.v;
    q.n_terms = t.n;
    q.prefixes = NULL;
    q.n_prefixes = 0;
    o.mark_open = html ? "<mark>" : "[[";
    o.mark_close = html ? "</mark>" : "]]";
    o.bytes = bytes;
    o.escape_html = html;
    assert_int_equal(bl_snippet_make(fx->an, body, strlen(body), &q, &o,
                                     &out), BL_OK);
    bl_buf_putc(&out, 0);
    assert_int_equal(out.rc, BL_OK);
    p = bl_buf_detach(&out, &len);
    terms_free(&t);
    assert_true(valid_utf8((char *)p));
    return (char *)p;
}

typedef struct check_ctx {
    const terms *q;
    bool want;                 /* every token must (not) be a query term */
    size_t tokens;
} check_ctx;

static int check_tok(void *ctx, const bl_token *t)
{
    check_ctx *c = ctx;
    bool in = false;

    for (size_t i = 0; i < c->q->n; i++)
        if (strlen(c->q->v[i]) == t->term_len &&
            memcmp(c->q->v[i], t->term, t->term_len) == 0)
            in = true;
    if (in != c->want)
        print_error("token '%.*s' %s\n", (int)t->term_len, t->term,
                    c->want ? "marked but not a query term"
                            : "a query term but not marked");
    assert_true(in == c->want);
    c->tokens++;
    return 0;
}

/* Every marked run analyses to query terms only, and no unmarked text
** holds a query term: exactly the matches are marked. Returns the number
** of marked runs. */
static size_t check_marks(fixture *fx, const char *s, const char *query)
{
    terms q;
    size_t runs = 0;

    terms_of(fx, query, &q);
    while (*s) {
        const char *open = strstr(s, "[["), *end;
        check_ctx c = {&q, false, 0};
        size_t n = open ? (size_t)(open - s) : strlen(s);

        assert_int_equal(bl_analyze(fx->an, s, n, NULL, check_tok, &c),
                         BL_OK);
        if (open == NULL)
            break;
        end = strstr(open + 2, "]]");
        assert_non_null(end);
        c.want = true;
        c.tokens = 0;
        assert_int_equal(bl_analyze(fx->an, open + 2, (size_t)(end - open - 2),
                                    NULL, check_tok, &c), BL_OK);
        assert_true(c.tokens >= 1);
        runs++;
        s = end + 2;
    }
    terms_free(&q);
    return runs;
}

static void marks_english_words(void **state)
{
    fixture *fx = *state;
    char *s = snip(fx, "The storm hit the coast. Storms are common here.",
                   "storm", false, 200);

    assert_string_equal(s, "The [[storm]] hit the coast. [[Storms]] are "
                           "common here.");
    assert_int_equal(check_marks(fx, s, "storm"), 2);
    free(s);
}

static void marks_accented_words(void **state)
{
    fixture *fx = *state;
    char *s = snip(fx, "Le président Müller est arrivé à Zürich, où Muller "
                       "parla.", "muller zurich", false, 200);

    assert_string_equal(s, "Le président [[Müller]] est arrivé à [[Zürich]], "
                           "où [[Muller]] parla.");
    assert_int_equal(check_marks(fx, s, "muller zurich"), 3);
    free(s);
    s = snip(fx, "Ελλάδα και Αθήνα", "αθηνα", false, 200);
    assert_int_equal(check_marks(fx, s, "αθηνα"), 1);
    free(s);
}

static void marks_cjk_bigrams(void **state)
{
    fixture *fx = *state;
    char *s = snip(fx, "東京都に住んでいます。京都にも行きました。", "京都",
                   false, 200);

    assert_true(strstr(s, "[[京都]]") != NULL);
    check_marks(fx, s, "京都");
    free(s);
    s = snip(fx, "東京都に住んでいます。", "東京", false, 200);
    assert_true(strncmp(s, "[[東京]]都", strlen("[[東京]]都")) == 0);
    free(s);
}

/* A long body: the passage is cut around the match, on word boundaries. */
static void cuts_long_bodies(void **state)
{
    fixture *fx = *state;
    size_t n = 300000;
    char *body = malloc(n + 64), *s;
    size_t at = 0;

    assert_non_null(body);
    while (at < 100000)
        at += (size_t)sprintf(body + at, "façade 東京 word ");
    at += (size_t)sprintf(body + at, "the eruption began ");
    while (at < n)
        at += (size_t)sprintf(body + at, "façade 東京 word ");
    s = snip(fx, body, "eruption", true, 120);
    assert_true(strstr(s, "<mark>eruption</mark>") != NULL);
    assert_true(strncmp(s, "\xE2\x80\xA6", 3) == 0);
    assert_true(strlen(s) < 400);
    assert_int_equal(strstr(s, "<mark>") - s,
                     strstr(s, "<mark>eruption") - s);
    free(s);
    /* a match past the scanned part: the start of the body, still valid */
    at = (size_t)sprintf(body, "intro ");
    while (at < n)
        at += (size_t)sprintf(body + at, "façade 東京 word ");
    sprintf(body + at, " volcano");
    s = snip(fx, body, "volcano", false, 100);
    assert_true(strncmp(s, "intro façade", strlen("intro façade")) == 0);
    assert_null(strstr(s, "[["));
    free(s);
    free(body);
}

/* With HTML markers the text is escaped; with others it is not. */
static void escapes_html(void **state)
{
    fixture *fx = *state;
    char *s = snip(fx, "AT&T said <b>profits</b> rose \"sharply\"", "profits",
                   true, 200);

    assert_string_equal(s, "AT&amp;T said &lt;b&gt;<mark>profits</mark>"
                           "&lt;/b&gt; rose &quot;sharply&quot;");
    free(s);
    s = snip(fx, "AT&T said <b>profits</b>", "profits", false, 200);
    assert_string_equal(s, "AT&T said <b>[[profits]]</b>");
    free(s);
}

/* A title comes back whole, every match marked, escaped with HTML
** markers; one without matches unchanged; past BL_SNIPPET_SCAN_MAX it is
** cut as a snippet is. */
static void marks_whole_titles(void **state)
{
    fixture *fx = *state;
    terms t;
    bl_snippet_query q = {NULL, 0, NULL, 0};
    bl_snippet_opts o = {"<mark>", "</mark>", 20, true};
    static const char *const cases[][3] = {
        {"Storm & flood: storms hit the coast, again and again and again",
         "storm", "<mark>Storm</mark> &amp; flood: <mark>storms</mark> hit "
         "the coast, again and again and again"},
        {"Markets calm", "storm", "Markets calm"},
        {"", "storm", ""},
        {"storm", "storm", "<mark>storm</mark>"},
    };
    char *big;

    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bl_buf out = BL_BUF_INIT;

        terms_of(fx, cases[i][1], &t);
        q.terms = (const char *const *)t.v;
        q.n_terms = t.n;
        assert_int_equal(bl_snippet_mark(fx->an, cases[i][0],
                                         strlen(cases[i][0]), &q, &o, &out),
                         BL_OK);
        bl_buf_putc(&out, 0);
        assert_string_equal((char *)out.p, cases[i][2]);
        bl_buf_free(&out);
        terms_free(&t);
    }
    big = malloc(BL_SNIPPET_SCAN_MAX + 64);
    assert_non_null(big);
    memset(big, 'a', BL_SNIPPET_SCAN_MAX + 63);
    memcpy(big, "storm ", 6);
    big[BL_SNIPPET_SCAN_MAX + 63] = '\0';
    {
        bl_buf out = BL_BUF_INIT;

        terms_of(fx, "storm", &t);
        q.terms = (const char *const *)t.v;
        q.n_terms = t.n;
        assert_int_equal(bl_snippet_mark(fx->an, big, strlen(big), &q, &o,
                                         &out), BL_OK);
        assert_true(out.len < 1000);
        bl_buf_free(&out);
        terms_free(&t);
    }
    free(big);
}

/* Invalid bytes never reach the output; controls become spaces. */
static void repairs_bad_utf8(void **state)
{
    fixture *fx = *state;
    char *s = snip(fx, "bad \xff\xfe bytes \xC3 and\ttabs \xED\xA0\x80 storm",
                   "storm", false, 200);

    assert_null(strchr(s, '\t'));
    assert_true(strstr(s, "[[storm]]") != NULL);
    free(s);
}

/* Two passages when one window cannot hold every query word. */
static void two_passages(void **state)
{
    fixture *fx = *state;
    char body[4096];
    size_t at = 0;
    char *s;

    at += (size_t)sprintf(body + at, "alpha volcano erupted. ");
    for (int i = 0; i < 60; i++)
        at += (size_t)sprintf(body + at, "filler text here. ");
    sprintf(body + at, "the glacier melted. more filler follows now.");
    s = snip(fx, body, "volcano glacier", false, 80);
    assert_true(strstr(s, "[[volcano]]") != NULL);
    assert_true(strstr(s, "[[glacier]]") != NULL);
    assert_true(strstr(s, "[[volcano]]") < strstr(s, "[[glacier]]"));
    assert_int_equal(check_marks(fx, s, "volcano glacier"), 2);
    free(s);
}

/* Every article of the sample corpus (English, German, French, Spanish,
** CJK, accents), with words of its own title as the query. */
static void sample_corpus_marks_exactly(void **state)
{
    fixture *fx = *state;
    const char *path = fx_source("corpus/sample/articles.jsonl");
    const char *paths[1] = {path};
    bl_ingest *in;
    const bl_doc *doc;
    size_t docs = 0, marked = 0;
    int rc;

    assert_int_equal(bl_ingest_open(paths, 1, BL_FORMAT_JSONL, &in), BL_OK);
    while ((rc = bl_ingest_next(in, &doc)) != BL_DONE) {
        char query[256];
        char *s;

        if (rc != BL_OK)
            continue;
        snprintf(query, sizeof query, "%s", doc->title);
        s = snip(fx, doc->body, query, false, 160);
        marked += check_marks(fx, s, query);
        free(s);
        docs++;
    }
    bl_ingest_close(in);
    assert_true(docs > 100);
    assert_true(marked > docs / 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(marks_english_words),
        cmocka_unit_test(marks_accented_words),
        cmocka_unit_test(marks_cjk_bigrams),
        cmocka_unit_test(cuts_long_bodies),
        cmocka_unit_test(escapes_html),
        cmocka_unit_test(marks_whole_titles),
        cmocka_unit_test(repairs_bad_utf8),
        cmocka_unit_test(two_passages),
        cmocka_unit_test(sample_corpus_marks_exactly),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
