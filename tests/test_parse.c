/* test_parse.c - the query parser: every construct of the language, the
** precedence of NOT, AND and OR, the default operator, escaping, Unicode,
** and malformed queries with the position of their error.
*/
#include "fixture.h"

#include <stdio.h>
#include <string.h>

#include "query/parse.h"
#include "segment/segment.h"

/* Parse q and compare its canonical form with want. */
static void check(const char *q, bool and_default, const char *want)
{
    bl_arena arena;
    bl_qnode *root = NULL;
    char err[256], got[1024];
    int rc;

    bl_arena_init(&arena, 0);
    rc = bl_query_parse(q, and_default, &arena, &root, err, sizeof err);
    if (rc != BL_OK)
        print_error("query '%s': %s\n", q, err);
    assert_int_equal(rc, BL_OK);
    bl_query_format(root, got, sizeof got);
    if (strcmp(got, want) != 0)
        print_error("query '%s': got '%s', want '%s'\n", q, got, want);
    assert_string_equal(got, want);
    bl_arena_free(&arena);
}

/* Parse q, expect BL_EQUERY with a message starting "at POS:". */
static void check_bad(const char *q, unsigned pos)
{
    bl_arena arena;
    bl_qnode *root = NULL;
    char err[256], want[32];
    int rc;

    bl_arena_init(&arena, 0);
    rc = bl_query_parse(q, false, &arena, &root, err, sizeof err);
    if (rc != BL_EQUERY)
        print_error("query '%s' was accepted\n", q);
    assert_int_equal(rc, BL_EQUERY);
    assert_null(root);
    snprintf(want, sizeof want, "at %u: ", pos);
    if (strncmp(err, want, strlen(want)) != 0)
        print_error("query '%s': error '%s', want position %u\n", q, err,
                    pos);
    assert_true(strncmp(err, want, strlen(want)) == 0);
    assert_true(strlen(err) > strlen(want));
    bl_arena_free(&arena);
}

/* Words, phrases, proximity, fields, prefixes, boosts, '*'. */
static void parses_every_construct(void **state)
{
    (void)state;
    check("storm", false, "storm");
    check("  storm  ", false, "storm");
    check("storm coast", false, "storm coast");
    check("\"oil prices\"", false, "\"oil prices\"");
    check("\"oil prices\"~3", false, "\"oil prices\"~3");
    check("title:storm", false, "title:storm");
    check("body:\"a phrase\"", false, "body:\"a phrase\"");
    check("title:(storm OR coast)", false, "title:storm title:coast");
    check("storm*", false, "storm*");
    check("title:stor*", false, "title:stor*");
    check("storm^2", false, "storm^2");
    check("storm^1.5 coast", false, "storm^1.5 coast");
    check("\"oil prices\"~2^3", false, "\"oil prices\"~2^3");
    check("(storm coast)^2", false, "(storm coast)^2");
    check("source:reuters", false, "source:reuters");
    check("source:\"new york times\"", false,
          "source:\"new york times\"");
    check("id:abc-123", false, "id:abc-123");
    check("*", false, "*");
    check("12:30", false, "12\\:30");
    check("e-mail", false, "e-mail");
    check("foo:bar", false, "foo\\:bar");
}

/* Date ranges: whole days, months, years, open ends, times. */
static void parses_dates(void **state)
{
    (void)state;
    check("date:[2024-01-01 TO 2024-04-30]", false,
          "date:[2024-01-01 TO 2024-04-30]");
    check("date:[1987 TO 1987-03]", false,
          "date:[1987-01-01 TO 1987-03-31]");
    check("date:[* TO 2024-02]", false, "date:[* TO 2024-02-29]");
    check("date:[2023-02 TO *]", false, "date:[2023-02-01 TO *]");
    check("date:[* TO *]", false, "date:[* TO *]");
    check("date:1987-03-05", false, "date:[1987-03-05 TO 1987-03-05]");
    check("date:[1987-03-05T10:30 TO 1987-03-05T11:00:05Z]", false,
          "date:[1987-03-05T10:30:00Z TO 1987-03-05T11:00:05Z]");
    check("date:[1969-12-31 TO 1970-01-01]", false,
          "date:[1969-12-31 TO 1970-01-01]");
    check("date:[1900-02 TO 2000-02]", false,
          "date:[1900-02-01 TO 2000-02-29]");
}

/* Filters joined implicitly are required; joined by OR they are not. */
static void filters_are_required(void **state)
{
    (void)state;
    check("storm date:[1987 TO *]", false,
          "storm +date:[1987-01-01 TO *]");
    check("storm source:reuters", false, "storm +source:reuters");
    check("storm OR source:reuters", false, "storm OR source:reuters");
    check("storm AND source:reuters", false, "+storm +source:reuters");
}

/* +, -, NOT, !, AND, OR, &&, || and the default operator. */
static void parses_operators(void **state)
{
    (void)state;
    check("+storm coast -rain", false, "+storm coast -rain");
    check("storm AND coast", false, "+storm +coast");
    check("storm && coast", false, "+storm +coast");
    check("storm OR coast", false, "storm coast");
    check("storm || coast", false, "storm coast");
    check("storm NOT rain", false, "storm -rain");
    check("storm !rain", false, "storm -rain");
    check("NOT rain", false, "-rain");
    check("-rain", false, "-rain");
    check("storm AND NOT rain", false, "+storm -rain");
    check("storm coast", true, "+storm +coast");
    check("storm coast OR rain", true, "(+storm +coast) rain");
    check("storm OR coast rain", true, "storm (+coast +rain)");
    check("+storm -rain", true, "+storm -rain");
    /* AND, OR and NOT are operators only in capitals */
    check("storm and coast", false, "storm and coast");
    check("storm or coast", true, "+storm +or +coast");
    check("ANDROID ORACLE NOTE", false, "ANDROID ORACLE NOTE");
}

/* NOT binds tighter than AND, AND tighter than OR. */
static void respects_precedence(void **state)
{
    (void)state;
    check("a OR b AND c", false, "a (+b +c)");
    check("a AND b OR c", false, "(+a +b) c");
    check("a AND b OR c AND d", false, "(+a +b) (+c +d)");
    check("a OR b AND NOT c", false, "a (+b -c)");
    check("(a OR b) AND c", false, "+(a b) +c");
    check("a AND (b OR c)", false, "+a +(b c)");
    check("NOT a AND b", false, "-a +b");
    check("a b AND c", false, "a (+b +c)");
    check("((a))", false, "a");
    check("(a (b (c d)))", false, "a (b (c d))");
    check("-(a b) c", false, "-(a b) c");
}

/* A backslash escapes any character, inside and outside phrases. */
static void handles_escapes(void **state)
{
    (void)state;
    check("\\(storm\\)", false, "\\(storm\\)");
    check("title\\:storm", false, "title\\:storm");
    check("\\-rain", false, "\\-rain");
    check("\\+1", false, "\\+1");
    check("a\\*b", false, "a\\*b");
    check("\"say \\\"hi\\\"\"", false, "\"say \\\"hi\\\"\"");
    check("back\\\\slash", false, "back\\\\slash");
    check("AND\\ OR", false, "AND\\ OR");
    check("\\AND", false, "\\AND");   /* kept: bare, it is the operator */
}

/* Non-ASCII text passes through whole; positions count characters. */
static void handles_unicode(void **state)
{
    (void)state;
    check("Zürich", false, "Zürich");
    check("\"São Paulo\" 東京", false, "\"São Paulo\" 東京");
    check("title:Ελλάδα^2", false, "title:Ελλάδα^2");
    check("Москва*", false, "Москва*");
    check("\\é", false, "é");
    check_bad("東京 (", 5);
    check_bad("Zürich AND", 11);
    check_bad("éé \"ü", 6);
    check_bad("日本^x", 4);
}

/* Malformed queries: each names the character where it went wrong. */
static void rejects_malformed(void **state)
{
    static const struct { const char *q; unsigned pos; } bad[] = {
        {"", 1},
        {"   ", 4},
        {"(", 2},
        {")", 1},
        {"()", 2},
        {"(storm", 7},
        {"(storm coast", 13},
        {"storm)", 6},
        {"storm))", 6},
        {"(a (b)", 7},
        {"\"storm", 7},
        {"storm \"coast", 13},
        {"\"\"", 2},
        {"\"  \"", 2},
        {"storm AND", 10},
        {"storm OR", 9},
        {"AND storm", 1},
        {"OR storm", 1},
        {"storm AND OR coast", 11},
        {"storm OR AND coast", 10},
        {"NOT", 4},
        {"storm NOT", 10},
        {"NOT AND", 5},
        {"+", 2},
        {"-", 2},
        {"storm + coast", 8},
        {"storm - coast", 8},
        {"+-storm", 2},
        {"storm^", 7},
        {"storm^x", 7},
        {"storm^.", 7},
        {"\"a b\"~", 7},
        {"\"a b\"~x", 7},
        {"\"a b\"~1.5", 9},
        {"storm~", 6},
        {"storm~2", 6},
        {"*storm", 1},
        {"st*rm", 3},
        {"title:", 7},
        {"title: storm", 7},
        {"title:)", 7},
        {"source:", 8},
        {"source:ab*", 10},
        {"source:\"x\"~2", 11},
        {"date:", 6},
        {"date:[", 7},
        {"date:[2024", 11},
        {"date:[2024 TO", 14},
        {"date:[2024 TO 2025", 19},
        {"date:[2024 2025]", 12},
        {"date:[2024-13 TO *]", 7},
        {"date:[2024-02-30 TO *]", 7},
        {"date:[yesterday TO *]", 7},
        {"date:[* TO 24]", 12},
        {"date:2024-1-1", 6},
        {"date:{2024 TO 2025}", 6},
        {"storm\\", 6},
        {"\"storm\\", 7},
        {"a\"b\"", 2},
        {"(a)b", 4},
        {":storm", 1},
        {"storm [", 7},
        {"storm ^2", 7},
        {"storm ~2", 7},
        {"((((((((((((((((((((((((((((((((((a))))))))))))))))))))))))))))))))))",
         33},
        {"title:(a", 9},
        {"a || ", 6},
        {"&& a", 1},
    };
    (void)state;
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        check_bad(bad[k].q, bad[k].pos);
    assert_true(sizeof bad / sizeof bad[0] >= 50);
}

/* Nodes remember where they were written (1-based characters). */
static void nodes_keep_positions(void **state)
{
    bl_arena arena;
    bl_qnode *root;
    char err[128];
    (void)state;

    bl_arena_init(&arena, 0);
    assert_int_equal(bl_query_parse("é storm title:coast", false, &arena,
                                    &root, err, sizeof err), BL_OK);
    assert_int_equal(root->kind, BL_Q_BOOL);
    assert_int_equal(root->n_clauses, 3);
    assert_int_equal(root->clauses[0].node->pos, 1);
    assert_int_equal(root->clauses[1].node->pos, 3);
    assert_int_equal(root->clauses[2].node->pos, 9);
    assert_int_equal(root->clauses[2].node->field, BL_FIELD_TITLE);
    assert_string_equal(root->clauses[2].node->text, "coast");
    bl_arena_free(&arena);
}

/* The canonical form parses back to itself. */
static void format_round_trips(void **state)
{
    static const char *const qs[] = {
        "+title:\"a b\"~2 -x^2 (c OR d) date:[1987-03 TO *]",
        "a (+b -c) \\(x\\) source:\"new york\"",
        "\"say \\\"hi\\\"\" 12\\:30 stor*^3",
    };
    (void)state;
    for (size_t k = 0; k < sizeof qs / sizeof qs[0]; k++) {
        bl_arena arena;
        bl_qnode *root;
        char err[128], once[512], twice[512];

        bl_arena_init(&arena, 0);
        assert_int_equal(bl_query_parse(qs[k], false, &arena, &root, err,
                                        sizeof err), BL_OK);
        bl_query_format(root, once, sizeof once);
        assert_int_equal(bl_query_parse(once, false, &arena, &root, err,
                                        sizeof err), BL_OK);
        bl_query_format(root, twice, sizeof twice);
        assert_string_equal(once, twice);
        bl_arena_free(&arena);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_every_construct),
        cmocka_unit_test(parses_dates),
        cmocka_unit_test(filters_are_required),
        cmocka_unit_test(parses_operators),
        cmocka_unit_test(respects_precedence),
        cmocka_unit_test(handles_escapes),
        cmocka_unit_test(handles_unicode),
        cmocka_unit_test(rejects_malformed),
        cmocka_unit_test(nodes_keep_positions),
        cmocka_unit_test(format_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
