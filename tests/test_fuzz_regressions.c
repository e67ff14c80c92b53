/* test_fuzz_regressions.c - one test per bug the fuzz targets (fuzz/)
** found, with the input that found it inline. Each test fails on the code
** before its fix: by its assertions in the normal build, or (for reads out
** of bounds and undefined behaviour) under tools/test.sh sanitize; the two
** exceptions (UB that only clang's UBSan reports) are said at their tests.
*/
#include "fixture.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "byline.h"
#include "query/parse.h"

/* ---- helpers ------------------------------------------------------------ */

typedef struct tok_list {
    bl_token t[64];            /* term points into terms[] */
    char terms[64][260];       /* copies: bl_token.term is borrowed */
    size_t n;
} tok_list;

static int collect(void *ctx, const bl_token *tok)
{
    tok_list *l = ctx;

    if (l->n < 64) {
        snprintf(l->terms[l->n], sizeof l->terms[0], "%s", tok->term);
        l->t[l->n] = *tok;
        l->t[l->n].term = l->terms[l->n];
        l->n++;
    }
    return 0;
}

/* Analyse text[0..len) in lang, stemming and stopwords off, into *l. */
static void analyze_in(const char *lang, const char *text, size_t len,
                       tok_list *l)
{
    bl_analyzer_opts o;
    bl_analyzer *a;

    memset(l, 0, sizeof *l);
    bl_analyzer_opts_default(&o);
    o.stem = false;
    o.stopwords = false;
    o.lang = lang;
    assert_int_equal(bl_analyzer_new(&o, &a), BL_OK);
    assert_int_equal(bl_analyze(a, text, len, NULL, collect, l), BL_OK);
    bl_analyzer_free(a);
}

static void analyze(const char *text, size_t len, tok_list *l)
{
    analyze_in("en", text, len, l);
}

/* Write bytes to a file named name in a fresh folder and read it all in
** format fmt; returns the number of documents, *last_rc the final code. */
static size_t ingest_count(const char *name, const void *p, size_t len,
                           bl_format fmt)
{
    char *dir = fx_tmpdir();
    char path[512];
    const char *paths[1] = {path};
    bl_ingest *in;
    const bl_doc *doc;
    size_t n_docs = 0, calls = 0;
    int rc;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    fx_write(path, p, len);
    assert_int_equal(bl_ingest_open(paths, 1, fmt, &in), BL_OK);
    while ((rc = bl_ingest_next(in, &doc)) != BL_DONE) {
        assert_true(++calls < 2 * len + 16);
        if (rc == BL_OK)
            n_docs++;
        else
            assert_true(rc == BL_EFORMAT || rc == BL_EIO);
    }
    bl_ingest_close(in);
    fx_rmtree(dir);
    return n_docs;
}

/* ---- analysis ----------------------------------------------------------- */

/* fuzz_analyze: a letter and a dot at the very end of the text ("... U.")
** made the acronym rule look at the byte after the text (a heap overflow
** by one). The text is "ok U." followed in memory by "S": reading past
** the end took "U.S" for an acronym and gave the token the dot. */
static void acronym_dot_at_end_of_text(void **state)
{
    static const char mem[] = "ok U.S";
    char *exact = malloc(6);
    tok_list l;

    (void)state;
    analyze(mem, 5, &l);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.t[1].term, "u");
    assert_int_equal(l.t[1].start, 3);
    assert_int_equal(l.t[1].end, 4);

    /* The crash input's tail, in a block of exactly its size, for ASan. */
    assert_non_null(exact);
    memcpy(exact, "\x04" "2\xdb\xd1" "U.", 6);
    analyze(exact, 6, &l);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.t[1].start, 4);
    assert_int_equal(l.t[1].end, 5);
    free(exact);
}

/* fuzz_analyze: in French, Italian or Catalan a word with 14 bytes before
** its apostrophe made the elision lookup write its key's NUL one byte past
** a 16-byte stack array. Such a word is no elision: it stays whole. */
static void long_word_before_apostrophe(void **state)
{
    static const char text[] = "abcdefghijklmn'x abcdefghijklm'y l'avion";
    tok_list l;

    (void)state;
    analyze_in("fr", text, strlen(text), &l);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.t[0].term, "abcdefghijklmn'x");
    assert_int_equal(l.t[0].start, 0);
    assert_string_equal(l.t[1].term, "abcdefghijklm'y");
    assert_string_equal(l.t[2].term, "avion");
    assert_int_equal(l.t[2].start, 35);
}

/* ---- dates -------------------------------------------------------------- */

/* fuzz_date: a zone offset moved year 1 before 0001-01-01T00:00:00Z; the
** result formatted as year 0000, which bl_date_parse refuses, so the round
** trip broke. Instants outside years 1..9999 UTC are now refused. */
static void date_offset_beyond_year_range(void **state)
{
    int64_t t, back;
    char out[32];

    (void)state;
    assert_int_equal(bl_date_parse("0001-01-01T00:00:00+14:00", &t),
                     BL_EFORMAT);
    assert_true(t == BL_NO_DATE);
    assert_int_equal(bl_date_parse("9999-12-31T23:59:59-14:00", &t),
                     BL_EFORMAT);
    assert_int_equal(bl_date_parse("9999-12-31T23:59:59+14:00", &t), BL_OK);
    assert_int_equal(bl_date_parse(bl_date_format(t, out, sizeof out),
                                   &back), BL_OK);
    assert_true(back == t);
    assert_int_equal(bl_date_parse("0001-01-01T00:00:00-01:00", &t), BL_OK);
    assert_string_equal(bl_date_format(t, out, sizeof out),
                        "0001-01-01T01:00:00Z");
}

/* ---- ingest ------------------------------------------------------------- */

/* fuzz_ingest_*: an empty file made the line reader add an offset to its
** NULL buffer (undefined behaviour that clang's UBSan reports and gcc's
** does not, so only the fuzz build sees it). Every format reads an empty
** file as no documents. */
static void empty_file_every_format(void **state)
{
    (void)state;
    assert_int_equal(ingest_count("a.jsonl", "", 0, BL_FORMAT_JSONL), 0);
    assert_int_equal(ingest_count("a.sgm", "", 0, BL_FORMAT_REUTERS), 0);
    assert_int_equal(ingest_count("a.trec", "", 0, BL_FORMAT_TREC), 0);
    assert_int_equal(ingest_count("TIME.ALL", "", 0, BL_FORMAT_TIME), 0);
    assert_int_equal(ingest_count("a.tar", "", 0, BL_FORMAT_TAR), 0);
}

/* Is s valid UTF-8? (The ingest tests' own check, strict enough here.) */
static bool utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p != 0) {
        size_t n = *p < 0x80 ? 1 : *p >= 0xc2 && *p <= 0xdf ? 2
                 : *p >= 0xe0 && *p <= 0xef ? 3 : *p >= 0xf0 && *p <= 0xf4 ? 4
                 : 0;

        if (n == 0)
            return false;
        for (size_t k = 1; k < n; k++)
            if ((p[k] & 0xc0) != 0x80)
                return false;
        p += n;
    }
    return true;
}

/* fuzz_ingest_jsonl/_reuters/_trec: error and warning messages quote the
** input, and were cut in the middle of a character: jansson's "near '...'"
** stops after the first byte of "é", and "unreadable date \"%.80s\"" cut
** a date whose 80th byte starts one. Messages are now always UTF-8. */
static void messages_are_utf8(void **state)
{
    char line[256], *dir = fx_tmpdir(), path[512];
    const char *paths[1] = {path};
    bl_ingest *in;
    const bl_doc *doc;
    size_t n;

    (void)state;
    n = (size_t)snprintf(line, sizeof line, "{\"t\": \"a\\\xc3\xa9\"}\n"
                         "{\"id\": \"x\", \"date\": \"%079d\xc3\xa9\"}\n", 0);
    snprintf(path, sizeof path, "%s/m.jsonl", dir);
    fx_write(path, line, n);
    assert_int_equal(bl_ingest_open(paths, 1, BL_FORMAT_JSONL, &in), BL_OK);
    assert_int_equal(bl_ingest_next(in, &doc), BL_EFORMAT);
    assert_non_null(strstr(bl_ingest_error(in), "invalid escape"));
    assert_true(utf8_ok(bl_ingest_error(in)));
    assert_int_equal(bl_ingest_next(in, &doc), BL_OK);
    assert_non_null(strstr(bl_ingest_warning(in), "unreadable date"));
    assert_true(utf8_ok(bl_ingest_warning(in)));
    assert_int_equal(bl_ingest_next(in, &doc), BL_DONE);
    bl_ingest_close(in);
    fx_rmtree(dir);
}

/* ---- query ------------------------------------------------------------ */

/* fuzz_query_parse: printing an open date bound ("TO *", stored as
** BL_NO_DATE = INT64_MIN) negated INT64_MIN before looking at it (signed
** overflow, reported by UBSan). */
static void query_open_date_bound_formats(void **state)
{
    static const char *const cases[][2] = {
        {"date:[1987-02-26T15:01:01Z TO *]",
         "date:[1987-02-26T15:01:01Z TO *]"},
        {"date:[* TO 1969-12-31]", "date:[* TO 1969-12-31]"},
        {"date:[* TO *]", "date:[* TO *]"},
    };
    bl_arena arena;

    (void)state;
    bl_arena_init(&arena, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bl_qnode *root;
        char err[128], out[128];

        assert_int_equal(bl_query_parse(cases[i][0], false, &arena, &root,
                                        err, sizeof err), BL_OK);
        bl_query_format(root, out, sizeof out);
        assert_string_equal(out, cases[i][1]);
    }
    bl_arena_free(&arena);
}

/* fuzz_query_parse: a byte that starts a UTF-8 sequence but is not followed
** by continuation bytes swallowed the next characters, even '*' or '\\':
** "ab\xed*" was the term "ab\xed*" (not a prefix), printed "ab\xed\\*",
** which parsed to yet another term, so the canonical form was unstable. */
static void query_bad_utf8_keeps_syntax(void **state)
{
    bl_arena arena;
    bl_qnode *root, *again;
    char err[128], out[64], out2[64];

    (void)state;
    bl_arena_init(&arena, 0);
    assert_int_equal(bl_query_parse("ab\xed*", false, &arena, &root, err,
                                    sizeof err), BL_OK);
    assert_int_equal(root->kind, BL_Q_PREFIX);
    assert_string_equal(root->text, "ab\xed");
    bl_query_format(root, out, sizeof out);
    assert_int_equal(bl_query_parse(out, false, &arena, &again, err,
                                    sizeof err), BL_OK);
    bl_query_format(again, out2, sizeof out2);
    assert_string_equal(out, out2);

    /* A lead byte before a closing quote leaves the phrase closed. */
    assert_int_equal(bl_query_parse("\"x \xc3\" y", false, &arena, &root,
                                    err, sizeof err), BL_OK);
    assert_int_equal(root->kind, BL_Q_BOOL);
    bl_arena_free(&arena);
}

/* fuzz_query_parse: a phrase slop too large for 32 bits ("~31111111111")
** was cast from double to uint32_t before the range check (undefined
** behaviour, reported by clang's UBSan; gcc's -fsanitize=undefined leaves
** float-cast-overflow out, so only the fuzz build sees it). It is refused
** as before, now without the cast. */
static void query_huge_slop_refused(void **state)
{
    bl_arena arena;
    bl_qnode *root;
    char err[128];

    (void)state;
    bl_arena_init(&arena, 0);
    assert_int_equal(bl_query_parse("\"a b\"~31111111111", false, &arena,
                                    &root, err, sizeof err), BL_EQUERY);
    assert_non_null(strstr(err, "whole number"));
    assert_int_equal(bl_query_parse("\"a b\"~1e30", false, &arena, &root,
                                    err, sizeof err), BL_EQUERY);
    assert_int_equal(bl_query_parse("\"a b\"~100000", false, &arena,
                                    &root, err, sizeof err), BL_OK);
    assert_int_equal(root->slop, 100000);
    assert_int_equal(bl_query_parse("\"a b\"~2.5", false, &arena, &root,
                                    err, sizeof err), BL_EQUERY);
    bl_arena_free(&arena);
}

/* fuzz_query_parse: an escaped operator word ("\\NOT", a search for the
** word "not") was printed bare in the canonical form, which then read as
** the operator: "\\NOT 1230" -> "NOT 1230" -> "-1230". Such words keep
** their escape. */
static void query_escaped_operator_word_stays_a_word(void **state)
{
    static const char *const cases[] = {
        "\\NOT 1230", "a \\AND b", "\\OR", "x \\&& y", "\\|| z",
    };
    bl_arena arena;

    (void)state;
    bl_arena_init(&arena, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bl_qnode *root, *again;
        char err[128], out[128], out2[128];

        assert_int_equal(bl_query_parse(cases[i], false, &arena, &root, err,
                                        sizeof err), BL_OK);
        bl_query_format(root, out, sizeof out);
        assert_string_equal(out, cases[i]);
        assert_int_equal(bl_query_parse(out, false, &arena, &again, err,
                                        sizeof err), BL_OK);
        bl_query_format(again, out2, sizeof out2);
        assert_string_equal(out2, out);
    }
    bl_arena_free(&arena);
}

/* fuzz_query_parse: a filter joined by an explicit OR is SHOULD, but the
** canonical form printed it joined by a space, which reads as MUST:
** "a OR id:X" -> "a id:X" -> "a +id:X". The OR is now printed. */
static void query_should_filter_keeps_its_or(void **state)
{
    static const char *const cases[][2] = {
        {"a OR id:X", "a OR id:X"},
        {"source:bbc OR storm", "source:bbc OR storm"},
        {"a id:X", "a +id:X"},
        {"(b OR date:[1987-01-01 TO *]) c",
         "(b OR date:[1987-01-01 TO *]) c"},
    };
    bl_arena arena;

    (void)state;
    bl_arena_init(&arena, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bl_qnode *root, *again;
        char err[128], out[128], out2[128];

        assert_int_equal(bl_query_parse(cases[i][0], false, &arena, &root,
                                        err, sizeof err), BL_OK);
        bl_query_format(root, out, sizeof out);
        assert_string_equal(out, cases[i][1]);
        assert_int_equal(bl_query_parse(out, false, &arena, &again, err,
                                        sizeof err), BL_OK);
        bl_query_format(again, out2, sizeof out2);
        assert_string_equal(out2, out);
    }
    bl_arena_free(&arena);
}

/* fuzz_query_parse: the canonical form printed boosts with %g, whose
** exponent form ("prufiord^7.77778e+18", "a^1e-07", "inf") the parser
** cannot read. Boosts are now at most BL_QUERY_MAX_BOOST and printed in
** plain digits. */
static void query_boost_prints_in_plain_digits(void **state)
{
    static const char *const cases[][2] = {
        {"a^1000000", "a^1000000"},
        {"a^0.0000001", "a^0"},
        {"a^1.2345678", "a^1.234568"},
        {"a^2.50", "a^2.5"},
        {"(a b)^0.25", "(a b)^0.25"},
    };
    bl_arena arena;
    bl_qnode *root, *again;
    char err[128], out[128], out2[128];

    (void)state;
    bl_arena_init(&arena, 0);
    assert_int_equal(bl_query_parse("prufiord^7777777777777777777", false,
                                    &arena, &root, err, sizeof err),
                     BL_EQUERY);
    assert_string_equal(err, "at 10: expected a boost of at most 1000000");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(bl_query_parse(cases[i][0], false, &arena, &root,
                                        err, sizeof err), BL_OK);
        bl_query_format(root, out, sizeof out);
        assert_string_equal(out, cases[i][1]);
        assert_int_equal(bl_query_parse(out, false, &arena, &again, err,
                                        sizeof err), BL_OK);
        bl_query_format(again, out2, sizeof out2);
        assert_string_equal(out2, out);
    }
    bl_arena_free(&arena);
}

/* fuzz_query_parse: a keyword value of only white space ("id:\\<tab>")
** was printed as a quoted phrase with no word in it, which does not
** parse. Such a value is printed with its spaces escaped. */
static void query_blank_keyword_prints_escaped(void **state)
{
    static const char *const cases[][2] = {
        {"id:\\\t", "id:\\\t"},
        {"source:\\ \\ ", "source:\\ \\ "},
        {"source:\"BBC News\"", "source:\"bbc news\""},
    };
    bl_arena arena;

    (void)state;
    bl_arena_init(&arena, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bl_qnode *root, *again;
        char err[128], out[128], out2[128];

        assert_int_equal(bl_query_parse(cases[i][0], false, &arena, &root,
                                        err, sizeof err), BL_OK);
        bl_query_format(root, out, sizeof out);
        assert_int_equal(bl_query_parse(out, false, &arena, &again, err,
                                        sizeof err), BL_OK);
        bl_query_format(again, out2, sizeof out2);
        assert_string_equal(out2, out);
        assert_string_equal(root->text, again->text);
    }
    bl_arena_free(&arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(acronym_dot_at_end_of_text),
        cmocka_unit_test(long_word_before_apostrophe),
        cmocka_unit_test(date_offset_beyond_year_range),
        cmocka_unit_test(empty_file_every_format),
        cmocka_unit_test(messages_are_utf8),
        cmocka_unit_test(query_open_date_bound_formats),
        cmocka_unit_test(query_bad_utf8_keeps_syntax),
        cmocka_unit_test(query_huge_slop_refused),
        cmocka_unit_test(query_escaped_operator_word_stays_a_word),
        cmocka_unit_test(query_should_filter_keeps_its_or),
        cmocka_unit_test(query_boost_prints_in_plain_digits),
        cmocka_unit_test(query_blank_keyword_prints_escaped),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
