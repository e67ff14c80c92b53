/* test_analysis.c - the analyzer (src/analysis): every tokenizer rule,
** normal forms and folding, stopwords, stemming by language, the offsets
** property over mixed text and Reuters-21578, hostile input, and the
** `byline analyze` command.
*/
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "analysis/normalize.h"
#include "analysis/stemmer.h"
#include "analysis/stopwords.h"
#include "analysis/termcache.h"
#include "analysis/tokenizer.h"
#include "base/hash.h"
#include "byline.h"
#include "segment/segment.h"

/* ---- helpers ------------------------------------------------------------- */

typedef struct tok {
    char term[BL_MAX_TERM + 1];
    size_t len;
    uint32_t pos, start, end;
} tok;

typedef struct toks {
    tok *v;
    size_t n, cap;
} toks;

static int collect(void *ctx, const bl_token *t)
{
    toks *ts = ctx;

    assert_true(t->term_len <= BL_MAX_TERM);
    assert_int_equal(strlen(t->term), t->term_len);
    if (ts->n == ts->cap) {
        ts->cap = ts->cap ? ts->cap * 2 : 64;
        ts->v = realloc(ts->v, ts->cap * sizeof *ts->v);
        assert_non_null(ts->v);
    }
    memcpy(ts->v[ts->n].term, t->term, t->term_len + 1);
    ts->v[ts->n].len = t->term_len;
    ts->v[ts->n].pos = t->pos;
    ts->v[ts->n].start = t->start;
    ts->v[ts->n].end = t->end;
    ts->n++;
    return 0;
}

/* Analyse with the given switches; lang NULL is "en". */
static toks run_opts(const char *text, size_t len, const char *lang,
                     bool stem, bool stop, bool fold)
{
    bl_analyzer_opts o;
    bl_analyzer *a;
    toks ts = {0};

    bl_analyzer_opts_default(&o);
    if (lang != NULL)
        o.lang = lang;
    o.stem = stem;
    o.stopwords = stop;
    o.fold_accents = fold;
    assert_int_equal(bl_analyzer_new(&o, &a), BL_OK);
    assert_int_equal(bl_analyze(a, text, len, NULL, collect, &ts), BL_OK);
    bl_analyzer_free(a);
    return ts;
}

/* Plain tokens: no stemming, no stopwords, accents folded. */
static toks plain(const char *text)
{
    return run_opts(text, strlen(text), NULL, false, false, true);
}

/* The terms joined by spaces, for compact assertions. */
static char *joined(const toks *ts)
{
    size_t cap = 1;
    char *s;

    for (size_t i = 0; i < ts->n; i++)
        cap += ts->v[i].len + 1;
    s = malloc(cap);
    assert_non_null(s);
    s[0] = '\0';
    for (size_t i = 0; i < ts->n; i++) {
        if (i > 0)
            strcat(s, " ");
        strcat(s, ts->v[i].term);
    }
    return s;
}

static void expect_terms(const char *text, const char *want)
{
    toks ts = plain(text);
    char *got = joined(&ts);

    assert_string_equal(got, want);
    free(got);
    free(ts.v);
}

static void expect_tok(const toks *ts, size_t i, const char *term,
                       uint32_t pos, uint32_t start, uint32_t end)
{
    assert_true(i < ts->n);
    assert_string_equal(ts->v[i].term, term);
    assert_int_equal(ts->v[i].pos, pos);
    assert_int_equal(ts->v[i].start, start);
    assert_int_equal(ts->v[i].end, end);
}

static bool valid_utf8(const char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        int32_t cp;
        size_t n = bl_utf8_decode((const uint8_t *)s + i,
                                  (const uint8_t *)s + len, &cp);

        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

/* ---- tokenizer rules ----------------------------------------------------- */

/* Empty input and punctuation give no tokens and succeed. */
static void empty_and_punctuation(void **state)
{
    toks ts;
    (void)state;

    ts = run_opts("", 0, NULL, true, true, true);
    assert_int_equal(ts.n, 0);
    ts = run_opts(NULL, 0, NULL, true, true, true);
    assert_int_equal(ts.n, 0);
    ts = plain("... -- !? ' ’ ,,, «»  \t\n () [] {} - . ,");
    assert_int_equal(ts.n, 0);
    free(ts.v);
}

/* Words split on spaces and punctuation, with exact offsets and
** consecutive positions. */
static void words_offsets_positions(void **state)
{
    toks ts = plain("Hello, world!  Foo_bar");
    (void)state;

    assert_int_equal(ts.n, 4);
    expect_tok(&ts, 0, "hello", 0, 0, 5);
    expect_tok(&ts, 1, "world", 1, 7, 12);
    expect_tok(&ts, 2, "foo", 2, 15, 18);
    expect_tok(&ts, 3, "bar", 3, 19, 22);
    free(ts.v);
}

/* Inner apostrophes (' and ’) join and fold to '; outer ones do not. */
static void apostrophes(void **state)
{
    toks ts = plain("don't O’Brien 'quoted' rock'n'roll 80's dogs' x'");
    (void)state;

    expect_tok(&ts, 0, "don't", 0, 0, 5);
    expect_tok(&ts, 1, "o'brien", 1, 6, 15);
    expect_tok(&ts, 2, "quoted", 2, 17, 23);
    expect_tok(&ts, 3, "rock'n'roll", 3, 25, 36);
    expect_tok(&ts, 4, "80's", 4, 37, 41);
    expect_tok(&ts, 5, "dogs", 5, 42, 46);
    expect_tok(&ts, 6, "x", 6, 48, 49);
    assert_int_equal(ts.n, 7);
    free(ts.v);
    /* With English stemming the possessive goes. */
    ts = run_opts("O'Brien's", 9, "en", true, true, true);
    assert_int_equal(ts.n, 1);
    assert_string_equal(ts.v[0].term, "o'brien");
    free(ts.v);
}

/* Single letters with dots are one acronym token without dots; the range
** includes the final dot. */
static void acronyms(void **state)
{
    toks ts = plain("the U.S. and U.S.A, e.g. Mr. Ph.D. A.1 U.S");
    (void)state;

    expect_tok(&ts, 0, "the", 0, 0, 3);
    expect_tok(&ts, 1, "us", 1, 4, 8);
    expect_tok(&ts, 2, "and", 2, 9, 12);
    expect_tok(&ts, 3, "usa", 3, 13, 18);
    expect_tok(&ts, 4, "eg", 4, 20, 24);
    expect_tok(&ts, 5, "mr", 5, 25, 27);
    expect_tok(&ts, 6, "ph", 6, 29, 31);
    expect_tok(&ts, 7, "d", 7, 32, 33);
    expect_tok(&ts, 8, "a", 8, 35, 36);
    expect_tok(&ts, 9, "1", 9, 37, 38);
    expect_tok(&ts, 10, "us", 10, 39, 42);
    assert_int_equal(ts.n, 11);
    free(ts.v);
    /* "U.S." and "US" give the same term, stemmed and with stopwords. */
    ts = run_opts("U.S. US", 7, "en", true, true, true);
    assert_int_equal(ts.n, 2);
    assert_string_equal(ts.v[0].term, ts.v[1].term);
    free(ts.v);
}

/* Digits with inner separators stay one token; trailing ones do not. */
static void numbers(void **state)
{
    toks ts = plain("1,000.50 3.5% 10.0.0.1 end. 7, 8 v2.1 1987");
    (void)state;

    expect_tok(&ts, 0, "1,000.50", 0, 0, 8);
    expect_tok(&ts, 1, "3.5", 1, 9, 12);
    expect_tok(&ts, 2, "10.0.0.1", 2, 14, 22);
    expect_tok(&ts, 3, "end", 3, 23, 26);
    expect_tok(&ts, 4, "7", 4, 28, 29);
    expect_tok(&ts, 5, "8", 5, 31, 32);
    expect_tok(&ts, 6, "v2.1", 6, 33, 37);
    expect_tok(&ts, 7, "1987", 7, 38, 42);
    assert_int_equal(ts.n, 8);
    free(ts.v);
}

/* A compound comes whole at its first part's position, then its parts at
** consecutive positions; the next word follows the last part. */
static void hyphens(void **state)
{
    toks ts = plain("a state-of-the-art plan, COVID-19 e‐mail -x y- z");
    (void)state;

    expect_tok(&ts, 0, "a", 0, 0, 1);
    expect_tok(&ts, 1, "state-of-the-art", 1, 2, 18);
    expect_tok(&ts, 2, "state", 1, 2, 7);
    expect_tok(&ts, 3, "of", 2, 8, 10);
    expect_tok(&ts, 4, "the", 3, 11, 14);
    expect_tok(&ts, 5, "art", 4, 15, 18);
    expect_tok(&ts, 6, "plan", 5, 19, 23);
    expect_tok(&ts, 7, "covid-19", 6, 25, 33);
    expect_tok(&ts, 8, "covid", 6, 25, 30);
    expect_tok(&ts, 9, "19", 7, 31, 33);
    /* U+2010 HYPHEN joins too and stays in the term. */
    expect_tok(&ts, 10, "e‐mail", 8, 34, 42);
    expect_tok(&ts, 11, "e", 8, 34, 35);
    expect_tok(&ts, 12, "mail", 9, 38, 42);
    expect_tok(&ts, 13, "x", 10, 44, 45);
    expect_tok(&ts, 14, "y", 11, 46, 47);
    expect_tok(&ts, 15, "z", 12, 49, 50);
    assert_int_equal(ts.n, 16);
    free(ts.v);
}

/* A compound of more than BL_TOK_MAX_PARTS parts is split, not lost. */
static void hyphens_many_parts(void **state)
{
    char text[400] = "";
    toks ts;
    size_t parts = 0;
    (void)state;

    for (int i = 0; i < 40; i++)
        strcat(text, i ? "-w" : "w");
    ts = plain(text);
    for (size_t i = 0; i < ts.n; i++)
        if (strcmp(ts.v[i].term, "w") == 0)
            parts++;
    assert_int_equal(parts, 40);
    assert_int_equal(ts.v[ts.n - 1].pos, 39);
    free(ts.v);
}

/* CJK runs give overlapping bigrams with one position each; a lone
** ideograph is a unigram; Latin next to CJK splits. */
static void cjk_bigrams(void **state)
{
    toks ts = plain("東京都 中 iPhone发布会 한국어");
    (void)state;

    expect_tok(&ts, 0, "東京", 0, 0, 6);
    expect_tok(&ts, 1, "京都", 1, 3, 9);
    expect_tok(&ts, 2, "中", 2, 10, 13);
    expect_tok(&ts, 3, "iphone", 3, 14, 20);
    expect_tok(&ts, 4, "发布", 4, 20, 26);
    expect_tok(&ts, 5, "布会", 5, 23, 29);
    expect_tok(&ts, 6, "한국", 6, 30, 36);
    expect_tok(&ts, 7, "국어", 7, 33, 39);
    assert_int_equal(ts.n, 8);
    free(ts.v);
    /* Hiragana and katakana too; halfwidth katakana is widened. */
    expect_terms("ひらがな", "ひら らが がな");
    expect_terms("ｶﾀｶﾅ", "カタ タカ カナ");
}

/* The raw tokenizer flags each kind of token. */
static void tokenizer_flags(void **state)
{
    static const char text[] = "U.S. x-y 東京 中 word";
    static const struct {
        uint32_t start, end, pos;
        unsigned flags;
    } want[] = {
        {0, 4, 0, BL_TOK_ACRONYM}, {5, 8, 1, BL_TOK_COMPOUND},
        {5, 6, 1, BL_TOK_PART},    {7, 8, 2, BL_TOK_PART},
        {9, 15, 3, BL_TOK_CJK},    {16, 19, 4, BL_TOK_CJK},
        {20, 24, 5, 0},
    };
    bl_tokenizer t;
    bl_rawtok r;
    size_t i = 0;
    char *big;
    (void)state;

    bl_tokenizer_init(&t, text, sizeof text - 1);
    while (bl_tokenizer_next(&t, &r)) {
        assert_true(i < sizeof want / sizeof want[0]);
        assert_int_equal(r.start, want[i].start);
        assert_int_equal(r.end, want[i].end);
        assert_int_equal(r.pos, want[i].pos);
        assert_int_equal(r.flags, want[i].flags);
        i++;
    }
    assert_int_equal(i, sizeof want / sizeof want[0]);
    assert_false(bl_tokenizer_next(&t, &r));

    big = malloc(1000);
    assert_non_null(big);
    memset(big, 'z', 1000);
    bl_tokenizer_init(&t, big, 1000);
    assert_true(bl_tokenizer_next(&t, &r));
    assert_int_equal(r.flags, BL_TOK_CUT);
    assert_int_equal(r.end - r.start, BL_NORM_MAX);
    assert_false(bl_tokenizer_next(&t, &r));
    free(big);
}

/* Mixed scripts and emoji: emoji separate, other scripts are words. */
static void mixed_scripts_emoji(void **state)
{
    const char *text = "Hello😀мир world🎉test Ελλάδα 👍🏽 x";
    toks ts = plain(text);
    (void)state;

    expect_tok(&ts, 0, "hello", 0, 0, 5);
    expect_tok(&ts, 1, "мир", 1, 9, 15);
    expect_tok(&ts, 2, "world", 2, 16, 21);
    expect_tok(&ts, 3, "test", 3, 25, 29);
    expect_tok(&ts, 4, "ελλαδα", 4, 30, 42);
    expect_tok(&ts, 5, "x", 5, 52, 53);
    assert_int_equal(ts.n, 6);
    free(ts.v);
}

/* Invalid UTF-8 separates and never reaches a term. */
static void invalid_utf8(void **state)
{
    static const char text[] = "abc\xFF" "def \xC0\xAF" "g\xED\xA0\x80h "
                               "caf\xC3\xA9\xC3 x\xF4\x90\x80\x80y \xE2\x82";
    toks ts = run_opts(text, sizeof text - 1, NULL, false, false, true);
    (void)state;

    expect_tok(&ts, 0, "abc", 0, 0, 3);
    expect_tok(&ts, 1, "def", 1, 4, 7);
    expect_tok(&ts, 2, "g", 2, 10, 11);
    expect_tok(&ts, 3, "h", 3, 14, 15);
    expect_tok(&ts, 4, "cafe", 4, 16, 21);
    expect_tok(&ts, 5, "x", 5, 23, 24);
    expect_tok(&ts, 6, "y", 6, 28, 29);
    assert_int_equal(ts.n, 7);
    for (size_t i = 0; i < ts.n; i++)
        assert_true(valid_utf8(ts.v[i].term, ts.v[i].len));
    free(ts.v);
}

/* NUL and control characters separate. */
static void nul_and_controls(void **state)
{
    static const char text[] = "abc\0def\x01gh\x7fij\r\nkl\xC2\x85mn";
    toks ts = run_opts(text, sizeof text - 1, NULL, false, false, true);
    char *got = joined(&ts);
    (void)state;

    assert_string_equal(got, "abc def gh ij kl mn");
    expect_tok(&ts, 1, "def", 1, 4, 7);
    free(got);
    free(ts.v);
}

/* Random bytes never crash, and every token is valid UTF-8 inside the
** text with non-decreasing positions. */
static void random_bytes(void **state)
{
    fx_rng rng;
    char buf[4096];
    (void)state;

    fx_rng_seed(&rng, 42);
    for (int round = 0; round < 200; round++) {
        size_t len = (size_t)fx_rng_below(&rng, sizeof buf);
        toks ts;

        for (size_t i = 0; i < len; i++) {
            uint64_t r = fx_rng_next(&rng);

            /* Mostly ASCII letters and separators, some high bytes. */
            buf[i] = (r & 3) == 0 ? (char)(r >> 8)
                   : (r & 3) == 1 ? ' '
                                  : (char)('a' + (r >> 8) % 26);
        }
        ts = run_opts(buf, len, NULL, true, true, true);
        for (size_t i = 0; i < ts.n; i++) {
            assert_true(ts.v[i].start < ts.v[i].end);
            assert_true(ts.v[i].end <= len);
            assert_true(valid_utf8(buf + ts.v[i].start,
                                   ts.v[i].end - ts.v[i].start));
            assert_true(valid_utf8(ts.v[i].term, ts.v[i].len));
            if (i > 0)
                assert_true(ts.v[i].pos >= ts.v[i - 1].pos);
        }
        free(ts.v);
    }
}

typedef struct check_ctx {
    size_t len;                /* the text's length */
    size_t n;                  /* tokens seen */
} check_ctx;

/* Check one token's invariants without keeping it. */
static int check_tok(void *ctx, const bl_token *t)
{
    check_ctx *c = ctx;

    assert_true(t->term_len > 0 && t->term_len <= BL_MAX_TERM);
    assert_true(t->start < t->end && t->end <= c->len);
    assert_true(valid_utf8(t->term, t->term_len));
    c->n++;
    return 0;
}

/* Every Unicode scalar value, alone and inside a word, analyses without
** error into valid UTF-8 terms inside the text. */
static void every_code_point(void **state)
{
    size_t cap = 0x110000 * 8, len = 0;
    char *text = malloc(cap);
    bl_analyzer *a;
    check_ctx c = {0};
    (void)state;

    assert_non_null(text);
    for (int32_t cp = 1; cp < 0x110000; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        text[len++] = 'a';
        len += (size_t)utf8proc_encode_char(cp, (utf8proc_uint8_t *)text +
                                                    len);
        text[len++] = 'b';
        text[len++] = ' ';
    }
    c.len = len;
    assert_int_equal(bl_analyzer_new(NULL, &a), BL_OK);
    assert_int_equal(bl_analyze(a, text, len, NULL, check_tok, &c), BL_OK);
    assert_true(c.n > 0x100000);
    bl_analyzer_free(a);
    free(text);
}

/* A 1 MiB word is cut to BL_MAX_TERM bytes at a character boundary: one
** token, not dropped; the text after it is still analysed. */
static void long_token_is_cut(void **state)
{
    size_t big = 1 << 20;
    char *text = malloc(big + 8);
    toks ts;
    (void)state;

    assert_non_null(text);
    memset(text, 'a', big);
    memcpy(text + big, " tail", 5);
    ts = run_opts(text, big + 5, NULL, true, true, true);
    assert_int_equal(ts.n, 2);
    assert_int_equal(ts.v[0].len, BL_MAX_TERM);
    assert_int_equal(ts.v[0].start, 0);
    assert_int_equal(ts.v[0].end, BL_MAX_TERM);
    expect_tok(&ts, 1, "tail", 1, (uint32_t)big + 1, (uint32_t)big + 5);
    free(ts.v);

    /* Two-byte letters: the cut falls on a boundary. */
    for (size_t i = 0; i + 1 < big; i += 2)
        memcpy(text + i, "\xC3\xA9", 2);          /* é */
    memcpy(text + big, " ok", 3);
    ts = run_opts(text, big + 3, NULL, false, false, false);
    assert_int_equal(ts.n, 2);
    assert_int_equal(ts.v[0].len, BL_MAX_TERM);
    assert_true(valid_utf8(ts.v[0].term, ts.v[0].len));
    assert_int_equal(ts.v[0].end, BL_MAX_TERM);
    assert_string_equal(ts.v[1].term, "ok");
    free(ts.v);

    /* A ligature that grows under NFKC (3 bytes -> many) still fits. */
    for (size_t i = 0; i + 3 <= 3000; i += 3)
        memcpy(text + i, "\xEF\xB7\xBA", 3);      /* U+FDFA */
    ts = run_opts(text, 3000, NULL, false, false, false);
    assert_int_equal(ts.n, 1);
    assert_true(ts.v[0].len <= BL_MAX_TERM && ts.v[0].len > 100);
    assert_true(valid_utf8(ts.v[0].term, ts.v[0].len));
    free(ts.v);
    free(text);
}

/* ---- normal forms -------------------------------------------------------- */

/* É -> e, ß -> ss, ﬁ -> fi; with folding off only the accents stay. */
static void folding(void **state)
{
    const char *text = "ÉCOLE Straße ﬁnance Øresund Łódź ＡＢＣ naïve "
                       "Ǆemal ²";
    toks ts;
    char *got;
    (void)state;

    ts = run_opts(text, strlen(text), NULL, false, false, true);
    got = joined(&ts);
    assert_string_equal(got, "ecole strasse finance oresund lodz abc naive "
                             "dzemal 2");
    free(got);
    free(ts.v);
    ts = run_opts(text, strlen(text), NULL, false, false, false);
    got = joined(&ts);
    assert_string_equal(got, "école strasse finance øresund łódź abc naïve "
                             "džemal 2");
    free(got);
    free(ts.v);
    /* Decomposed input folds the same as composed input. */
    expect_terms("Cafe\xCC\x81 cafe\xCC\x81", "cafe cafe");
    /* Soft hyphen and zero-width joiner inside a word vanish. */
    expect_terms("Zei\xC2\xADtung a\xE2\x80\x8D" "b", "zeitung ab");
    /* Marks of Indic scripts are kept. */
    expect_terms("हिन्दी", "हिन्दी");
}

/* The decoder accepts exactly the valid UTF-8 forms: every boundary of
** each length, and rejects overlongs, surrogates, truncation and values
** past U+10FFFF. */
static void utf8_decoder(void **state)
{
    static const struct {
        const char *bytes;
        size_t len;
        int32_t cp;            /* -1: invalid */
    } cases[] = {
        {"\x7F", 1, 0x7F},            {"\xC2\x80", 2, 0x80},
        {"\xDF\xBF", 2, 0x7FF},       {"\xE0\xA0\x80", 3, 0x800},
        {"\xED\x9F\xBF", 3, 0xD7FF},  {"\xEE\x80\x80", 3, 0xE000},
        {"\xEF\xBF\xBF", 3, 0xFFFF},  {"\xF0\x90\x80\x80", 4, 0x10000},
        {"\xF4\x8F\xBF\xBF", 4, 0x10FFFF},
        {"\x80", 1, -1},              {"\xC0\x80", 2, -1},
        {"\xC1\xBF", 2, -1},          {"\xE0\x9F\xBF", 3, -1},
        {"\xED\xA0\x80", 3, -1},      {"\xED\xBF\xBF", 3, -1},
        {"\xF0\x8F\xBF\xBF", 4, -1},  {"\xF4\x90\x80\x80", 4, -1},
        {"\xF5\x80\x80\x80", 4, -1},  {"\xFF", 1, -1},
        {"\xE2\x82", 2, -1},          {"\xC3\x41", 2, -1},
        {"\xF0\x90\x80", 3, -1},
    };
    (void)state;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const uint8_t *p = (const uint8_t *)cases[i].bytes;
        int32_t cp = -2;
        size_t n = bl_utf8_decode(p, p + cases[i].len, &cp);

        if (cases[i].cp < 0) {
            assert_int_equal(n, 0);
        } else {
            assert_int_equal(n, cases[i].len);
            assert_int_equal(cp, cases[i].cp);
        }
    }
    /* Cutting never splits a sequence. */
    assert_int_equal(bl_utf8_cut("a\xC3\xA9", 3, 2), 1);
    assert_int_equal(bl_utf8_cut("a\xC3\xA9", 3, 3), 3);
    assert_int_equal(bl_utf8_cut("\xE6\x9D\xB1\xE4\xBA\xAC", 6, 5), 3);
    assert_int_equal(bl_utf8_cut("abc", 3, 10), 3);
}

/* ---- stopwords ----------------------------------------------------------- */

static void stopwords_on_off_file(void **state)
{
    const char *text = "The cat and the hat";
    bl_analyzer_opts o;
    bl_analyzer *a;
    toks ts;
    char *dir, path[512];
    (void)state;

    ts = run_opts(text, strlen(text), NULL, false, true, true);
    assert_int_equal(ts.n, 2);
    expect_tok(&ts, 0, "cat", 1, 4, 7);
    expect_tok(&ts, 1, "hat", 4, 16, 19);
    free(ts.v);
    ts = run_opts(text, strlen(text), NULL, false, false, true);
    assert_int_equal(ts.n, 5);
    free(ts.v);

    dir = fx_tmpdir();
    snprintf(path, sizeof path, "%s/stop.txt", dir);
    fx_write(path, "# my list\nCAT  \n\nhät # comment\n", 30);
    bl_analyzer_opts_default(&o);
    o.stopword_file = path;
    o.stem = false;
    assert_int_equal(bl_analyzer_new(&o, &a), BL_OK);
    ts = (toks){0};
    assert_int_equal(bl_analyze(a, text, strlen(text), NULL, collect, &ts),
                     BL_OK);
    /* The file replaces the built-in list; "hät" matches "hat" folded. */
    assert_int_equal(ts.n, 3);
    expect_tok(&ts, 0, "the", 0, 0, 3);
    expect_tok(&ts, 1, "and", 2, 8, 11);
    expect_tok(&ts, 2, "the", 3, 12, 15);
    free(ts.v);
    bl_analyzer_free(a);

    snprintf(path, sizeof path, "%s/missing.txt", dir);
    assert_int_equal(bl_analyzer_new(&o, &a), BL_ENOTFOUND);
    assert_null(a);
    fx_rmtree(dir);
}

/* Every built-in list parses, and its words are stopwords of its
** language. */
static void stopword_lists(void **state)
{
    static const char *const langs[] = {
        "english", "german", "french", "spanish", "italian", "portuguese",
        "dutch", "swedish", "norwegian", "danish", "finnish", "russian"};
    static const char *const sample[] = {
        "the", "und", "les", "los", "della", "não", "het", "och", "ikke",
        "og", "että", "который"};
    (void)state;

    for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++) {
        toks ts;

        assert_non_null(bl_stopwords_builtin(langs[i]));
        ts = run_opts(sample[i], strlen(sample[i]), langs[i], true, true,
                      true);
        assert_int_equal(ts.n, 0);
        free(ts.v);
        ts = run_opts(sample[i], strlen(sample[i]), langs[i], true, false,
                      true);
        assert_int_equal(ts.n, 1);
        free(ts.v);
    }
}

static int count_words(void *ctx, const char *w, size_t len)
{
    char **seen = ctx;

    strncat(*seen, w, len);
    strcat(*seen, "|");
    return 0;
}

/* The list syntax: words split by white space, # comments to the end of
** a line; a set finds exactly what was added, through growth. */
static void stopset_and_syntax(void **state)
{
    static const char list[] = "# heading\n  a\tbb # tail comment\n"
                               "\r\nccc#x\n\n  dd  ";
    char buf[128] = "", *seen = buf;
    bl_stopset *set;
    char w[32];
    (void)state;

    assert_int_equal(bl_stopwords_parse(list, sizeof list - 1, count_words,
                                        &seen),
                     BL_OK);
    assert_string_equal(buf, "a|bb|ccc|dd|");
    assert_null(bl_stopwords_builtin("klingon"));

    assert_int_equal(bl_stopset_new(&set), BL_OK);
    for (int i = 0; i < 3000; i += 2) {
        int n = snprintf(w, sizeof w, "w%d", i);

        assert_int_equal(bl_stopset_add(set, w, (size_t)n,
                                        bl_hash(w, (size_t)n)),
                         BL_OK);
    }
    /* Adding again keeps one. */
    assert_int_equal(bl_stopset_add(set, "w0", 2, bl_hash("w0", 2)), BL_OK);
    assert_int_equal(bl_stopset_count(set), 1500);
    for (int i = 0; i < 3000; i++) {
        int n = snprintf(w, sizeof w, "w%d", i);

        assert_int_equal(bl_stopset_has(set, w, (size_t)n,
                                        bl_hash(w, (size_t)n)),
                         i % 2 == 0);
    }
    /* Same hash, different word: not found. */
    assert_false(bl_stopset_has(set, "zz", 2, bl_hash("w0", 2)));
    bl_stopset_free(set);
    bl_stopset_free(NULL);
}

/* ---- stemming ------------------------------------------------------------ */

static void expect_stem(const char *lang, const char *word, const char *stem)
{
    toks ts = run_opts(word, strlen(word), lang, true, false, false);

    assert_int_equal(ts.n, 1);
    assert_string_equal(ts.v[0].term, stem);
    free(ts.v);
}

static void stems_known_pairs(void **state)
{
    (void)state;
    expect_stem("en", "running", "run");
    expect_stem("en", "connections", "connect");
    expect_stem("en", "ponies", "poni");
    expect_stem("english", "generously", "generous");
    expect_stem("de", "Häuser", "haus");
    expect_stem("de", "aufeinanderfolgenden", "aufeinanderfolg");
    expect_stem("german", "Katzen", "katz");
    expect_stem("fr", "continuellement", "continuel");
    expect_stem("fr", "nationales", "national");
    expect_stem("es", "nacionales", "nacional");
    expect_stem("es", "corriendo", "corr");
    expect_stem("ru", "книги", "книг");
    expect_stem("ru", "красивая", "красив");
}

/* Stemming happens before accent folding, so the French stemmer sees é. */
static void stem_then_fold(void **state)
{
    toks ts = run_opts("Généralement", strlen("Généralement"), "fr", true,
                       false, true);
    (void)state;

    assert_int_equal(ts.n, 1);
    assert_string_equal(ts.v[0].term, "general");
    free(ts.v);
}

/* Every libstemmer algorithm is available by name; codes work; unknown
** languages are refused at creation. */
static void every_language(void **state)
{
    const char *const *l = bl_stem_languages();
    size_t n = 0;
    bl_analyzer_opts o;
    bl_analyzer *a;
    (void)state;

    bl_analyzer_opts_default(&o);
    for (; *l != NULL; l++, n++) {
        toks ts = {0};

        o.lang = *l;
        assert_int_equal(bl_analyzer_new(&o, &a), BL_OK);
        assert_int_equal(bl_analyze(a, "Testing words", 13, NULL, collect,
                                    &ts),
                         BL_OK);
        free(ts.v);
        bl_analyzer_free(a);
    }
    assert_true(n >= 29);
    assert_string_equal(bl_stem_lang("DE"), "german");
    assert_string_equal(bl_stem_lang("pt-BR"), "portuguese");
    assert_string_equal(bl_stem_lang("en_GB"), "english");
    assert_null(bl_stem_lang("xx"));
    assert_null(bl_stem_lang("klingon"));
    o.lang = "klingon";
    a = (bl_analyzer *)&o;
    assert_int_equal(bl_analyzer_new(&o, &a), BL_EINVAL);
    assert_null(a);
}

/* A per-call language override stems with that language; an unknown one
** falls back to the analyzer's. */
static void language_override(void **state)
{
    bl_analyzer *a;
    toks ts = {0};
    (void)state;

    assert_int_equal(bl_analyzer_new(NULL, &a), BL_OK);
    assert_int_equal(bl_analyze(a, "Katzen und Hunde", 16, "de", collect,
                                &ts),
                     BL_OK);
    assert_int_equal(ts.n, 2);
    assert_string_equal(ts.v[0].term, "katz");
    assert_string_equal(ts.v[1].term, "hund");
    ts.n = 0;
    assert_int_equal(bl_analyze(a, "running and", 11, "zz", collect, &ts),
                     BL_OK);
    assert_int_equal(ts.n, 1);
    assert_string_equal(ts.v[0].term, "run");
    ts.n = 0;
    assert_int_equal(bl_analyze(a, "running", 7, NULL, collect, &ts), BL_OK);
    assert_string_equal(ts.v[0].term, "run");
    free(ts.v);
    bl_analyzer_free(a);
}

/* A term cache lookup finds exactly what was last put for the same word,
** or misses: under heavy collisions (64 hash values for many words), swaps
** and evictions, for forms and for dropped words; words and forms too long
** for an entry are never found. */
static void cache_returns_what_was_put(size_t words, uint64_t min_hits)
{
    static const char *const suffix[] = {"", "s", "ing", "ed", "ness",
                                         "ational", "ly", "ies"};
    bl_termcache *c;
    char word[32], form[BL_TERMCACHE_FORM + 1], out[BL_TERMCACHE_FORM + 1];
    char long_word[BL_TERMCACHE_WORD + 2], long_form[BL_TERMCACHE_FORM + 2];
    char short_word[BL_TERMCACHE_WORD] = "word";
    fx_rng rng;
    uint64_t hits, misses;

    assert_int_equal(bl_termcache_new(words, &c), BL_OK);
    fx_rng_seed(&rng, 7);
    for (int i = 0; i < 200000; i++) {
        size_t n = (size_t)snprintf(word, sizeof word, "w%c%s",
                                    (char)('a' + fx_rng_below(&rng, 26)),
                                    suffix[fx_rng_below(&rng, 8)]);
        /* 64 distinct hashes for 208 words: tags collide between
        ** different words, which compete for the two entries of a set. */
        uint64_t h = (uint64_t)((word[1] * 8 + (int)n) % 64) *
                     0x9E3779B97F4A7C15ULL;
        /* The form of a word: the word reversed, or dropped when it ends
        ** in "s". */
        int want = word[n - 1] == 's' ? BL_TERMCACHE_DROP : (int)n;
        int got = bl_termcache_get(c, word, n, h, out);

        for (size_t k = 0; k < n; k++)
            form[k] = word[n - 1 - k];
        form[n] = '\0';
        if (got == BL_TERMCACHE_MISS) {
            bl_termcache_put(c, word, n, h, form, want);
            continue;
        }
        assert_int_equal(got, want);
        if (got >= 0)
            assert_string_equal(out, form);
    }
    bl_termcache_stats(c, &hits, &misses);
    assert_true(misses > 50000 && hits > min_hits);

    memset(long_word, 'x', sizeof long_word - 1);
    long_word[sizeof long_word - 1] = '\0';
    memset(long_form, 'y', sizeof long_form - 1);
    long_form[sizeof long_form - 1] = '\0';
    bl_termcache_put(c, long_word, BL_TERMCACHE_WORD + 1, 5, "x", 1);
    assert_int_equal(bl_termcache_get(c, long_word, BL_TERMCACHE_WORD + 1, 5,
                                      out),
                     BL_TERMCACHE_MISS);
    bl_termcache_put(c, short_word, 4, 6, long_form, BL_TERMCACHE_FORM + 1);
    assert_int_equal(bl_termcache_get(c, short_word, 4, 6, out),
                     BL_TERMCACHE_MISS);
    bl_termcache_put(c, long_word, BL_TERMCACHE_WORD, 7, long_form,
                     BL_TERMCACHE_FORM);
    assert_int_equal(bl_termcache_get(c, long_word, BL_TERMCACHE_WORD, 7,
                                      out),
                     BL_TERMCACHE_FORM);
    assert_memory_equal(out, long_form, BL_TERMCACHE_FORM);
    bl_termcache_free(c);
}

static void term_cache_returns_what_was_put(void **state)
{
    (void)state;
    cache_returns_what_was_put(0, 50000);     /* the most: 16384 sets */
    cache_returns_what_was_put(64, 1000);     /* the fewest: 32 sets */
    cache_returns_what_was_put(100, 1000);    /* rounded up: 64 sets */
}

enum { AGREE_WORDS = 36000, AGREE_TEXTS = 4000, AGREE_PER = 50 };

/* Words drawn at random into texts for one analyzer with a cache of
** cache_words: each gets its expected term (term_cache_agrees). */
static void shared_agrees(char (*words)[48], char (*want)[BL_MAX_TERM + 1],
                          size_t cache_words)
{
    bl_analyzer_opts o;
    bl_analyzer *shared;
    fx_rng rng;

    bl_analyzer_opts_default(&o);
    o.cache_words = cache_words;
    assert_int_equal(bl_analyzer_new(&o, &shared), BL_OK);
    fx_rng_seed(&rng, 11);
    for (int t = 0; t < AGREE_TEXTS; t++) {
        char text[AGREE_PER * 48];
        int picked[AGREE_PER];
        size_t len = 0, k = 0;
        toks ts = {0};

        for (int j = 0; j < AGREE_PER; j++) {
            /* Half the draws from the first 2,000 words: hits. */
            picked[j] = (int)(j % 2 ? fx_rng_below(&rng, 2000)
                                    : fx_rng_below(&rng, AGREE_WORDS));
            len += (size_t)snprintf(text + len, sizeof text - len, "%s ",
                                    words[picked[j]]);
        }
        assert_int_equal(bl_analyze(shared, text, len, NULL, collect, &ts),
                         BL_OK);
        for (int j = 0; j < AGREE_PER; j++) {
            if (want[picked[j]][0] == '\0')
                continue;
            assert_true(k < ts.n);
            assert_string_equal(ts.v[k].term, want[picked[j]]);
            k++;
        }
        assert_int_equal(k, ts.n);
        free(ts.v);
    }
    bl_analyzer_free(shared);
}

/* With its cache warm, full and evicting, an analyzer gives every word the
** term a cold one gives it: 36,000 distinct words (more than the largest
** cache's 32,768 entries; stems, stopwords, figures, capitals and accents
** to fold), each analysed alone by a fresh analyzer for the expected term,
** then drawn at random into texts of 50 words for one shared analyzer, with
** the largest cache, a search's (2,048 words) and the smallest (64). */
static void term_cache_agrees(void **state)
{
    enum { N = AGREE_WORDS };
    static const char *const suffix[] = {"", "s", "ing", "ed", "ness",
                                         "ational", "ly", "ies"};
    static const char *const stop[] = {"the", "The", "of", "and", "were",
                                       "Which"};
    char (*words)[48] = malloc(N * sizeof *words);
    char (*want)[BL_MAX_TERM + 1] = malloc(N * sizeof *want);
    (void)state;

    assert_non_null(words);
    assert_non_null(want);
    for (int i = 0; i < N; i++) {
        int stem = i / 8;
        char base[16];
        bl_analyzer *cold;
        toks ts = {0};

        snprintf(base, sizeof base, "%c%c%c%c", 'a' + stem % 26,
                 'a' + stem / 26 % 26, 'a' + stem / 676 % 26,
                 'a' + stem / 17576 % 26);
        if (i % 97 == 0)
            snprintf(words[i], sizeof words[i], "%s", stop[i / 97 % 6]);
        else if (i % 13 == 0)
            snprintf(words[i], sizeof words[i], "19%s%s", base,
                     suffix[i % 8]);
        else if (i % 11 == 0)
            snprintf(words[i], sizeof words[i], "Caf\xc3\xa9%s%s", base,
                     suffix[i % 8]);
        else if (i % 5 == 0)
            snprintf(words[i], sizeof words[i], "W%s%s", base, suffix[i % 8]);
        else
            snprintf(words[i], sizeof words[i], "w%s%s", base, suffix[i % 8]);
        assert_int_equal(bl_analyzer_new(NULL, &cold), BL_OK);
        assert_int_equal(bl_analyze(cold, words[i], strlen(words[i]), NULL,
                                    collect, &ts),
                         BL_OK);
        assert_true(ts.n <= 1);
        snprintf(want[i], sizeof want[i], "%s", ts.n ? ts.v[0].term : "");
        free(ts.v);
        bl_analyzer_free(cold);
    }
    assert_string_equal(want[97], "");          /* a stopword, dropped */
    assert_memory_equal(want[11 * 3], "cafeeaaa", 8); /* folded */
    shared_agrees(words, want, 0);
    shared_agrees(words, want, 2048);
    shared_agrees(words, want, 64);
    free(words);
    free(want);
}

/* French, Italian and Catalan drop elided articles and pronouns; the
** offsets follow. Other languages keep the apostrophe. */
static void elision(void **state)
{
    const char *fr = "L'économie qu’il présente aujourd'hui";
    const char *it = "dell'anno l'Italia";
    toks ts;
    (void)state;

    ts = run_opts(fr, strlen(fr), "fr", false, false, true);
    expect_tok(&ts, 0, "economie", 0, 2, 11);
    expect_tok(&ts, 1, "il", 1, 17, 19);
    expect_tok(&ts, 2, "presente", 2, 20, 29);
    expect_tok(&ts, 3, "aujourd'hui", 3, 30, 41);
    assert_int_equal(ts.n, 4);
    free(ts.v);
    ts = run_opts(it, strlen(it), "it", false, false, true);
    expect_tok(&ts, 0, "anno", 0, 5, 9);
    expect_tok(&ts, 1, "italia", 1, 12, 18);
    free(ts.v);
    ts = run_opts(fr, strlen(fr), "en", false, false, true);
    expect_tok(&ts, 0, "l'economie", 0, 0, 11);
    free(ts.v);
}

/* A callback's non-zero return stops analysis and is returned. */
static int stop_at_second(void *ctx, const bl_token *t)
{
    (void)t;
    return ++*(int *)ctx == 2 ? 77 : 0;
}

static void callback_stops(void **state)
{
    bl_analyzer *a;
    int calls = 0;
    (void)state;

    assert_int_equal(bl_analyzer_new(NULL, &a), BL_OK);
    assert_int_equal(bl_analyze(a, "one two three four", 18, NULL,
                                stop_at_second, &calls),
                     77);
    assert_int_equal(calls, 2);
    assert_int_equal(bl_analyze(a, "x", 1, NULL, NULL, NULL), BL_EINVAL);
    bl_analyzer_free(a);
    bl_analyzer_free(NULL);
}

/* ---- the offsets property ------------------------------------------------ */

/* Independent oracle for one surface: utf8proc's NFKC case fold (marks
** stripped when strip), ’ as ', dots removed unless keep_dots, cut to
** BL_MAX_TERM. Returns the length written to buf. */
static size_t oracle(const char *s, size_t len, bool strip, bool keep_dots,
                     char *buf, size_t cap)
{
    utf8proc_option_t opts = UTF8PROC_STABLE | UTF8PROC_COMPAT |
                             UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
                             UTF8PROC_IGNORE;
    utf8proc_uint8_t *want = NULL;
    utf8proc_ssize_t n;
    size_t o = 0;

    if (strip)
        opts |= UTF8PROC_STRIPMARK;
    n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len,
                     &want, opts);
    assert_true(n >= 0);
    for (utf8proc_ssize_t k = 0; k < n && o + 3 < cap; k++) {
        if (want[k] == 0xE2 && k + 2 < n && want[k + 1] == 0x80 &&
            want[k + 2] == 0x99) {
            buf[o++] = '\'';
            k += 2;
        } else if (want[k] != '.' || keep_dots) {
            buf[o++] = (char)want[k];
        }
    }
    free(want);
    return o > BL_MAX_TERM ? BL_MAX_TERM : o;
}

/* bl_norm_term on short ASCII surfaces (lower-cased 16 bytes at once, from
** a padded copy or loaded from the text) and a little longer or non-ASCII
** ones (byte by byte, or utf8proc) agrees with the oracle, acronym dots
** dropped or kept, and zero-pads a shorter term to 16 bytes (the
** analyzer's hash reads 16): every ASCII byte, at every place in surfaces
** of 0 to 20 bytes. */
static void norm_short_terms(void **state)
{
    static bl_normalizer norm;
    static const char *const extra[] = {"", "\xC3\xA9", "\xE2\x80\x99"};
    char s[32], out[BL_NORM_MAX + 1], want[4 * BL_MAX_TERM];
    fx_rng rng;
    (void)state;

    fx_rng_seed(&rng, 77);
    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)fx_rng_below(&rng, 21), o;
        const char *x = extra[fx_rng_below(&rng, 8) < 6 ? 0
                              : 1 + fx_rng_below(&rng, 2)];
        bool acro = fx_rng_below(&rng, 4) == 0;
        int n;

        for (size_t i = 0; i < len; i++)
            s[i] = (char)(round < 127 * 20 && i == (size_t)round % 20
                              ? 1 + round / 20
                              : 1 + (int)fx_rng_below(&rng, 127));
        if (len + strlen(x) < sizeof s) {
            memcpy(s + len, x, strlen(x));
            len += strlen(x);
        }
        memset(out, 0xAA, sizeof out);
        n = bl_norm_term(&norm, s, len, acro ? BL_NORM_ACRONYM : 0, out,
                         sizeof out);
        o = oracle(s, len, false, !acro, want, sizeof want);
        assert_true(n >= 0);
        if ((size_t)n != o || memcmp(out, want, o) != 0 || out[n] != '\0')
            fail_msg("'%.*s' (acronym %d): '%s' != oracle '%.*s'", (int)len,
                     s, acro, out, (int)o, want);
        for (int i = n; i < 16; i++)
            assert_int_equal(out[i], 0);   /* zero-padded to 16 bytes */
        /* The same with the 16-byte load from the text, which goes on with
        ** any bytes (high ones too): they must not count. */
        for (size_t i = len; i < sizeof s; i++)
            s[i] = (char)(1 + fx_rng_below(&rng, 255));
        memset(out, 0xAA, sizeof out);
        n = bl_norm_term(&norm, s, len,
                         BL_NORM_READ16 | (acro ? BL_NORM_ACRONYM : 0), out,
                         sizeof out);
        if ((size_t)n != o || memcmp(out, want, o) != 0 || out[n] != '\0')
            fail_msg("'%.*s' (acronym %d, 16-byte load): '%s' != oracle "
                     "'%.*s'", (int)len, s, acro, out, (int)o, want);
        for (int i = n; i < 16; i++)
            assert_int_equal(out[i], 0);
    }
}

/* For every token of text (not stemmed), its surface normalised by the
** oracle equals its term. With folding, a CJK token may also equal the
** unfolded oracle: kana voicing marks are kept by design, STRIPMARK would
** drop them. */
static void check_offsets(const char *text, size_t len, bool fold)
{
    toks ts = run_opts(text, len, NULL, false, false, fold);

    for (size_t i = 0; i < ts.n; i++) {
        const tok *t = &ts.v[i];
        char buf[4 * BL_MAX_TERM];
        bool dots = memchr(t->term, '.', t->len) != NULL;
        bool cjk = (uint8_t)text[t->start] >= 0xE3;
        size_t o;

        assert_true(t->start < t->end && t->end <= len);
        o = oracle(text + t->start, t->end - t->start, fold, dots, buf,
                   sizeof buf);
        if (cjk && fold && (t->len != o || memcmp(t->term, buf, o) != 0))
            o = oracle(text + t->start, t->end - t->start, false, dots,
                       buf, sizeof buf);
        if (t->len != o || memcmp(t->term, buf, o) != 0)
            fail_msg("token %zu [%u,%u) '%s' != oracle '%.*s'", i,
                     (unsigned)t->start, (unsigned)t->end, t->term, (int)o,
                     buf);
    }
    free(ts.v);
}

static const char multilingual[] =
    "Reuters — The U.S. Federal Reserve’s chair said on Tuesday that "
    "inflation (3.5%) isn't \"transitory\"; 1,000.50 dollars, e.g. more.\n"
    "Die Bundesregierung beschließt die Straßenbahn-Förderung für Köln.\n"
    "Le Président de la République a déclaré qu’il n’y aurait pas "
    "d’élections anticipées. L'économie française croît.\n"
    "El niño comió paella en Málaga; ¿dónde está la estación?\n"
    "Президент России заявил, что экономика «растёт» — ёлка, йод.\n"
    "Η Ελλάδα και η Κύπρος. 東京都で開催された会議に、韓国의 대표단이 "
    "참석했다. ﬁnancial ﬂows, ＦＵＬＬＷＩＤＴＨ １２３, Ⅻ, x² ½.\n"
    "Emoji 😀 test 👍🏽 fin — O’Brien rock’n’roll A.B.C. naïve coöperate.\n";

static void offsets_multilingual(void **state)
{
    (void)state;
    check_offsets(multilingual, sizeof multilingual - 1, false);
    check_offsets(multilingual, sizeof multilingual - 1, true);
}

/* Random text from a palette of the characters the rules care about:
** the offsets property and the invariants hold on every token. (Letters
** folded by hand, such as ø, are left out: utf8proc keeps them.) */
static void offsets_random_palette(void **state)
{
    static const char *const palette[] = {
        "a", "B", "z", "é", "ß", "ﬁ", "1", "9", "٣", "'", "’", "-",
        "‐", ".", ",", " ", "  ", "\n", "東", "京", "が", "ｶ", "ﾞ", "한",
        "e\xCC\x81", "\xC2\xAD", "\xE2\x80\x8D", "😀", "👍🏽", "\t", "!",
        "U.", "S.", "Ⅻ", "²", "й", "ё", "Ω", "ς", "_", "&", "\xEF\xBB\xBF",
    };
    fx_rng rng;
    char buf[2048];
    (void)state;

    fx_rng_seed(&rng, 2024);
    for (int round = 0; round < 300; round++) {
        size_t len = 0;

        while (len + 16 < sizeof buf && fx_rng_below(&rng, 400) != 0) {
            const char *piece = palette[fx_rng_below(
                &rng, sizeof palette / sizeof palette[0])];

            memcpy(buf + len, piece, strlen(piece));
            len += strlen(piece);
        }
        check_offsets(buf, len, false);
        check_offsets(buf, len, round % 2 == 0);
    }
}

/* The raw tokens of len bytes, up to cap of them; returns how many. */
static size_t raw_tokens(const char *text, size_t len, bl_rawtok *out,
                         size_t cap)
{
    bl_tokenizer t;
    size_t n = 0;

    bl_tokenizer_init(&t, text, len);
    while (n < cap && bl_tokenizer_next(&t, &out[n]))
        n++;
    return n;
}

/* Tokens of text, and of text after `shift` bytes of spaces (offsets moved
** back), must be the same; so must those of text followed by 16 spaces. */
static void same_padded(const char *text, size_t len, size_t shift)
{
    static char buf[4096];
    bl_rawtok a[512], b[512], c[512];
    size_t na, nb, nc;

    assert_true(shift + len + 16 <= sizeof buf);
    na = raw_tokens(text, len, a, 512);
    memset(buf, ' ', shift);
    memcpy(buf + shift, text, len);
    nb = raw_tokens(buf, shift + len, b, 512);
    memcpy(buf, text, len);
    memset(buf + len, ' ', 16);
    nc = raw_tokens(buf, len + 16, c, 512);
    assert_int_equal(na, nb);
    assert_int_equal(na, nc);
    for (size_t i = 0; i < na; i++) {
        assert_int_equal(a[i].start + shift, b[i].start);
        assert_int_equal(a[i].end + shift, b[i].end);
        assert_int_equal(a[i].start, c[i].start);
        assert_int_equal(a[i].end, c[i].end);
        assert_int_equal(a[i].pos, b[i].pos);
        assert_int_equal(a[i].pos, c[i].pos);
        assert_int_equal(a[i].flags, b[i].flags);
        assert_int_equal(a[i].flags, c[i].flags);
    }
}

/* Runs of ASCII letters and digits are scanned 16 bytes at a time where 16
** bytes remain, and one at a time near the end of a text: both scans must
** cut the same tokens. Short texts (scanned narrow), then the same texts
** with spaces after or before them (scanned wide), for every byte value
** between two runs of every length up to 40; then random texts. */
static void word_runs_wide_and_narrow(void **state)
{
    static const char *const palette[] = {
        "a", "Z", "q", "0", "7", "@", "[", "`", "{", "/", ":", "'", "-",
        ".", ",", " ", "\n", "é", "\xC2\xAD", "\xFF", "東", "_", "1.5",
        "U.S.", "x-y",
    };
    char text[128];
    fx_rng rng;
    (void)state;

    for (int b = 0; b < 256; b++)
        for (size_t left = 1; left <= 40; left += (left < 18 ? 1 : 7))
            for (size_t right = 1; right <= 3; right++) {
                size_t len = 0;

                for (size_t i = 0; i < left; i++)
                    text[len++] = (char)("aZ09"[i % 4]);
                text[len++] = (char)b;
                for (size_t i = 0; i < right; i++)
                    text[len++] = 'k';
                same_padded(text, len, 1 + left % 16);
            }
    for (size_t n = 1; n <= 70; n++) {
        bl_rawtok t[2];

        memset(text, 'w', n);
        text[n] = '!';
        assert_int_equal(raw_tokens(text, n + 1, t, 2), 1);
        assert_int_equal(t[0].end, n <= BL_NORM_MAX ? n : BL_NORM_MAX);
    }
    fx_rng_seed(&rng, 1616);
    for (int round = 0; round < 2000; round++) {
        static char buf[2048];
        size_t len = 0;

        while (len + 16 < 600 && fx_rng_below(&rng, 120) != 0) {
            const char *piece = palette[fx_rng_below(
                &rng, sizeof palette / sizeof palette[0])];

            memcpy(buf + len, piece, strlen(piece));
            len += strlen(piece);
        }
        same_padded(buf, len, fx_rng_below(&rng, 17));
    }
}

/* ---- Reuters-21578 ------------------------------------------------------- */

typedef struct reuters_ctx {
    bl_analyzer *a;
    size_t tokens;
    size_t bodies;
} reuters_ctx;

static int count_tok(void *ctx, const bl_token *t)
{
    reuters_ctx *r = ctx;

    assert_true(t->term_len > 0 && t->term_len <= BL_MAX_TERM);
    assert_true(t->start < t->end);
    r->tokens++;
    return 0;
}

/* Every .sgm file analysed raw (markup, entities and the invalid byte 0xFC
** of reut2-017 included), then every article body as bl_ingest reads it,
** with the offsets property checked on every fifth body. */
static void reuters_all(void **state)
{
    reuters_ctx r = {0};
    const char *paths[1];
    char dir[4096];
    bl_ingest *in;
    const bl_doc *doc;
    int rc;
    (void)state;

    if (fx_corpus("reuters21578/reut2-000.sgm") == NULL)
        FX_SKIP("../shared/corpus/reuters21578 is absent");
    assert_int_equal(bl_analyzer_new(NULL, &r.a), BL_OK);
    for (int i = 0; i < 22; i++) {
        char rel[64];
        const char *path;
        char *sgm;
        size_t len;

        snprintf(rel, sizeof rel, "reuters21578/reut2-%03d.sgm", i);
        path = fx_corpus(rel);
        assert_non_null(path);
        sgm = fx_slurp(path, &len);
        assert_non_null(sgm);
        assert_int_equal(bl_analyze(r.a, sgm, len, NULL, count_tok, &r),
                         BL_OK);
        free(sgm);
    }
    assert_true(r.tokens > 3000000);

    snprintf(dir, sizeof dir, "%s", fx_corpus("reuters21578"));
    paths[0] = dir;
    assert_int_equal(bl_ingest_open(paths, 1, BL_FORMAT_REUTERS, &in),
                     BL_OK);
    r.tokens = 0;
    while ((rc = bl_ingest_next(in, &doc)) != BL_DONE) {
        size_t len;

        if (rc == BL_EFORMAT)
            continue;
        assert_int_equal(rc, BL_OK);
        len = strlen(doc->body);
        assert_int_equal(bl_analyze(r.a, doc->body, len, doc->lang,
                                    count_tok, &r),
                         BL_OK);
        if (r.bodies++ % 5 == 0)
            check_offsets(doc->body, len, true);
    }
    bl_ingest_close(in);
    bl_analyzer_free(r.a);
    assert_true(r.bodies >= 21000);
    assert_true(r.tokens > 1500000);
}

/* ---- the command --------------------------------------------------------- */

static void cli_analyze(void **state)
{
    char *out = NULL;
    int rc;
    (void)state;

    rc = fx_run(&out, "%s analyze 'The U.S. economy'", fx_byline());
    assert_int_equal(rc, 0);
    assert_string_equal(out, "us\t1\t4\t8\tU.S.\neconomi\t2\t9\t16\teconomy\n");
    free(out);
    rc = fx_run(&out, "printf 'Häuser und Katzen' | %s analyze --lang de "
                      "--no-stopwords -", fx_byline());
    assert_int_equal(rc, 0);
    assert_string_equal(out, "haus\t0\t0\t7\tHäuser\nund\t1\t8\t11\tund\n"
                             "katz\t2\t12\t18\tKatzen\n");
    free(out);
    rc = fx_run(&out, "%s analyze --no-stem --no-fold Café", fx_byline());
    assert_int_equal(rc, 0);
    assert_string_equal(out, "café\t0\t0\t5\tCafé\n");
    free(out);
    rc = fx_run(&out, "%s analyze --stats 'the cat the cat sat'",
                fx_byline());
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "tokens\t3\n"));
    assert_non_null(strstr(out, "distinct_terms\t2\n"));
    assert_non_null(strstr(out, "stopwords_removed\t2\n"));
    assert_non_null(strstr(out, "top\tcat\t2\n"));
    assert_non_null(strstr(out, "mb_per_s\t"));
    free(out);
    rc = fx_run(&out, "%s analyze Hello world", fx_byline());
    assert_int_equal(rc, 0);
    assert_string_equal(out, "hello\t0\t0\t5\tHello\n"
                             "world\t1\t6\t11\tworld\n");
    free(out);
    {
        char *dir = fx_tmpdir(), path[512];

        snprintf(path, sizeof path, "%s/stop", dir);
        fx_write(path, "hello\n", 6);
        rc = fx_run(&out, "%s analyze --stopwords %s 'Hello the world'",
                    fx_byline(), path);
        assert_int_equal(rc, 0);
        assert_string_equal(out, "the\t1\t6\t9\tthe\n"
                                 "world\t2\t10\t15\tworld\n");
        free(out);
        rc = fx_run(&out, "%s analyze --stopwords %s/none x 2>/dev/null",
                    fx_byline(), dir);
        assert_int_equal(rc, 2);
        free(out);
        fx_rmtree(dir);
    }
    rc = fx_run(&out, "%s analyze --no-stopwords --stats 'the cat'",
                fx_byline());
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "tokens\t2\n"));
    assert_non_null(strstr(out, "stopwords_removed\t0\n"));
    free(out);
    rc = fx_run(&out, "%s analyze --bogus x 2>/dev/null", fx_byline());
    assert_int_equal(rc, 2);
    free(out);
    rc = fx_run(&out, "%s analyze --lang klingon x 2>/dev/null", fx_byline());
    assert_int_equal(rc, 2);
    free(out);
    rc = fx_run(&out, "%s analyze 2>/dev/null", fx_byline());
    assert_int_equal(rc, 2);
    free(out);
    rc = fx_run(&out, "%s analyze --help", fx_byline());
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "--no-stopwords"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_and_punctuation),
        cmocka_unit_test(words_offsets_positions),
        cmocka_unit_test(apostrophes),
        cmocka_unit_test(acronyms),
        cmocka_unit_test(numbers),
        cmocka_unit_test(hyphens),
        cmocka_unit_test(hyphens_many_parts),
        cmocka_unit_test(cjk_bigrams),
        cmocka_unit_test(tokenizer_flags),
        cmocka_unit_test(mixed_scripts_emoji),
        cmocka_unit_test(invalid_utf8),
        cmocka_unit_test(nul_and_controls),
        cmocka_unit_test(random_bytes),
        cmocka_unit_test(every_code_point),
        cmocka_unit_test(long_token_is_cut),
        cmocka_unit_test(folding),
        cmocka_unit_test(utf8_decoder),
        cmocka_unit_test(stopset_and_syntax),
        cmocka_unit_test(stopwords_on_off_file),
        cmocka_unit_test(stopword_lists),
        cmocka_unit_test(stems_known_pairs),
        cmocka_unit_test(stem_then_fold),
        cmocka_unit_test(every_language),
        cmocka_unit_test(language_override),
        cmocka_unit_test(term_cache_returns_what_was_put),
        cmocka_unit_test(term_cache_agrees),
        cmocka_unit_test(elision),
        cmocka_unit_test(callback_stops),
        cmocka_unit_test(offsets_multilingual),
        cmocka_unit_test(offsets_random_palette),
        cmocka_unit_test(word_runs_wide_and_narrow),
        cmocka_unit_test(norm_short_terms),
        cmocka_unit_test(reuters_all),
        cmocka_unit_test(cli_analyze),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
