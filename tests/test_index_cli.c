/* test_index_cli.c - the commands `byline index`, `stats`, `check` and
** `get` end to end, run as a child process: exit codes, the summary,
** malformed records reported and skipped, replacement across runs, JSON
** output, and the sample corpus when it is present.
*/
#include "fixture.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char fixture_jsonl[] =
    "{\"id\": \"r1\", \"title\": \"Storm hits coast\", \"body\": \"A storm "
    "hit the coast on Monday.\", \"date\": \"1987-02-26T15:01:01Z\", "
    "\"source\": \"Reuters\", \"url\": \"http://example.com/r1\", "
    "\"topics\": \"weather\"}\n"
    "{\"id\": \"r2\", \"title\": \"Markets fall\", \"body\": \"Stocks fell "
    "sharply.\", \"source\": \"bbc\"}\n"
    "{\"id\": \"r3\", \"title\": broken json\n"
    "{\"id\": \"r4\", \"title\": \"Élection\", \"body\": \"Le vote a eu "
    "lieu.\", \"lang\": \"fr\"}\n"
    "{\"id\": \"r5\", \"title\": \"Quiet day\", \"body\": \"Nothing "
    "happened.\"}\n";

typedef struct env {
    char *dir;
    char input[4096];
    char index[4096];
} env;

static int setup(void **state)
{
    env *e = calloc(1, sizeof *e);

    e->dir = fx_tmpdir();
    snprintf(e->input, sizeof e->input, "%s/in.jsonl", e->dir);
    snprintf(e->index, sizeof e->index, "%s/idx", e->dir);
    fx_write(e->input, fixture_jsonl, strlen(fixture_jsonl));
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    env *e = *state;

    fx_rmtree(e->dir);
    free(e);
    return 0;
}

static json_t *run_json(const char *fmt, const char *a, const char *b)
{
    char *out;
    json_t *j;
    json_error_t err;

    assert_int_equal(fx_run(&out, fmt, fx_byline(), a, b), 0);
    j = json_loads(out, 0, &err);
    if (j == NULL)
        print_message("not JSON: %s\n", out);
    free(out);
    assert_non_null(j);
    return j;
}

static json_int_t int_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    assert_non_null(v);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

/* Index a small file with one malformed line: exit 0, the bad line named
** on stderr, four articles in, stats/check/get agree. */
static void index_then_inspect(void **state)
{
    env *e = *state;
    char *out, errpath[4096];
    json_t *j;
    char *err;

    snprintf(errpath, sizeof errpath, "%s/err.txt", e->dir);
    assert_int_equal(fx_run(&out, "%s index %s -o %s --threads 2 2>%s",
                            fx_byline(), e->input, e->index, errpath), 0);
    assert_non_null(strstr(out, "indexed 4 articles, skipped 1"));
    assert_non_null(strstr(out, "MB/s"));
    free(out);
    err = fx_slurp(errpath, NULL);
    assert_non_null(err);
    assert_non_null(strstr(err, "in.jsonl:3:"));
    free(err);

    j = run_json("%s stats %s --json", e->index, "");
    assert_int_equal(int_of(j, "articles"), 4);
    assert_int_equal(int_of(j, "generation"), 1);
    assert_true(int_of(j, "postings") > 0);
    assert_true(int_of(j, "total_bytes") > 0);
    assert_true(int_of(json_object_get(j, "bytes"), "store") > 0);
    json_decref(j);
    assert_int_equal(fx_run(&out, "%s stats %s", fx_byline(), e->index), 0);
    assert_non_null(strstr(out, "bits per doc id"));
    free(out);

    assert_int_equal(fx_run(&out, "%s check %s", fx_byline(), e->index), 0);
    assert_non_null(strstr(out, "ok"));
    free(out);

    j = run_json("%s get %s %s", e->index, "r1");
    assert_string_equal(json_string_value(json_object_get(j, "title")),
                        "Storm hits coast");
    assert_string_equal(json_string_value(json_object_get(j, "date")),
                        "1987-02-26T15:01:01Z");
    assert_string_equal(json_string_value(json_object_get(j, "url")),
                        "http://example.com/r1");
    assert_string_equal(json_string_value(json_object_get(j, "topics")),
                        "weather");
    json_decref(j);
    j = run_json("%s get %s %s", e->index, "r5");
    assert_true(json_is_null(json_object_get(j, "date")));
    json_decref(j);
    assert_int_equal(fx_run(NULL, "%s get %s nope 2>/dev/null", fx_byline(),
                            e->index), 1);
}

/* A second run adds in a new commit and replaces ids it repeats. */
static void index_again_replaces(void **state)
{
    env *e = *state;
    char more[4096];
    static const char text[] =
        "{\"id\": \"r2\", \"title\": \"Markets recover\", \"body\": "
        "\"Stocks rose.\"}\n"
        "{\"id\": \"r6\", \"title\": \"New\", \"body\": \"Fresh news.\"}\n";
    json_t *j;

    snprintf(more, sizeof more, "%s/more.jsonl", e->dir);
    fx_write(more, text, strlen(text));
    assert_int_equal(fx_run(NULL, "%s index %s -o %s -q", fx_byline(),
                            e->input, e->index), 0);
    assert_int_equal(fx_run(NULL, "%s index %s -o %s -q", fx_byline(), more,
                            e->index), 0);
    j = run_json("%s stats %s --json", e->index, "");
    assert_int_equal(int_of(j, "articles"), 5);
    /* The replaced r2 is deleted, or already merged away. */
    assert_true(int_of(j, "deleted") <= 1);
    json_decref(j);
    j = run_json("%s get %s %s", e->index, "r2");
    assert_string_equal(json_string_value(json_object_get(j, "title")),
                        "Markets recover");
    json_decref(j);
    assert_int_equal(fx_run(NULL, "%s check %s", fx_byline(), e->index), 0);
}

/* --commit-every commits along the way; an id seen again after a commit
** still replaces its earlier version; --optimize merges into one
** segment. */
static void commits_along_the_way(void **state)
{
    env *e = *state;
    char in[4096];
    static const char text[] =
        "{\"id\": \"a\", \"title\": \"First a\", \"body\": \"One.\"}\n"
        "{\"id\": \"b\", \"title\": \"Only b\", \"body\": \"Two.\"}\n"
        "{\"id\": \"c\", \"title\": \"Only c\", \"body\": \"Three.\"}\n"
        "{\"id\": \"a\", \"title\": \"Second a\", \"body\": \"Four.\"}\n"
        "{\"id\": \"d\", \"title\": \"Only d\", \"body\": \"Five.\"}\n";
    json_t *j;

    snprintf(in, sizeof in, "%s/commits.jsonl", e->dir);
    fx_write(in, text, strlen(text));
    assert_int_equal(fx_run(NULL, "%s index --commit-every 2 %s -o %s -q",
                            fx_byline(), in, e->index), 0);
    j = run_json("%s stats %s --json", e->index, "");
    assert_int_equal(int_of(j, "generation"), 3);   /* after 2, 4, end */
    assert_int_equal(int_of(j, "articles"), 4);
    json_decref(j);
    j = run_json("%s get %s %s", e->index, "a");
    assert_string_equal(json_string_value(json_object_get(j, "title")),
                        "Second a");
    json_decref(j);
    assert_int_equal(fx_run(NULL, "%s check %s", fx_byline(), e->index), 0);
    assert_int_equal(fx_run(NULL, "%s index --commit-every many %s -o %s "
                            "2>/dev/null", fx_byline(), in, e->index), 2);
    /* --optimize alone merges the index into one segment, adding
    ** nothing; a folder without an index is an error, left uncreated. */
    j = run_json("%s stats %s --json", e->index, "");
    assert_true(int_of(j, "segments") > 1);
    json_decref(j);
    assert_int_equal(fx_run(NULL, "%s index --optimize -o %s -q",
                            fx_byline(), e->index), 0);
    j = run_json("%s stats %s --json", e->index, "");
    assert_int_equal(int_of(j, "segments"), 1);
    assert_int_equal(int_of(j, "articles"), 4);
    assert_int_equal(int_of(j, "deleted"), 0);
    json_decref(j);
    assert_int_equal(fx_run(NULL, "%s index --optimize -o %s/none "
                            "2>/dev/null", fx_byline(), e->dir), 1);
    assert_int_equal(fx_run(NULL, "test -e %s/none", e->dir), 1);
    /* With input: the same articles again (replacing the four), and the
    ** whole index merged into one segment without deleted articles. */
    assert_int_equal(fx_run(NULL, "%s index --optimize %s -o %s -q",
                            fx_byline(), in, e->index), 0);
    j = run_json("%s stats %s --json", e->index, "");
    assert_int_equal(int_of(j, "segments"), 1);
    assert_int_equal(int_of(j, "articles"), 4);
    assert_int_equal(int_of(j, "deleted"), 0);
    json_decref(j);
    assert_int_equal(fx_run(NULL, "%s check %s", fx_byline(), e->index), 0);
}

/* Bad usage exits 2; a missing index fails with 1. */
static void usage_and_failures(void **state)
{
    env *e = *state;
    const char *b = fx_byline();

    assert_int_equal(fx_run(NULL, "%s index %s 2>/dev/null", b, e->input), 2);
    assert_int_equal(fx_run(NULL, "%s index -o %s 2>/dev/null", b, e->index),
                     2);
    assert_int_equal(fx_run(NULL, "%s index --threads 0 %s -o %s 2>/dev/null",
                            b, e->input, e->index), 2);
    assert_int_equal(fx_run(NULL, "%s index --bogus %s -o %s 2>/dev/null", b,
                            e->input, e->index), 2);
    assert_int_equal(fx_run(NULL, "%s index --lang klingon %s -o %s "
                            "2>/dev/null", b, e->input, e->index), 2);
    assert_int_equal(fx_run(NULL, "%s stats 2>/dev/null", b), 2);
    assert_int_equal(fx_run(NULL, "%s check 2>/dev/null", b), 2);
    assert_int_equal(fx_run(NULL, "%s get %s 2>/dev/null", b, e->index), 2);
    assert_int_equal(fx_run(NULL, "%s stats %s/none 2>/dev/null", b, e->dir),
                     1);
    assert_int_equal(fx_run(NULL, "%s check %s/none 2>/dev/null", b, e->dir),
                     1);
    assert_int_equal(fx_run(NULL, "%s get %s/none x 2>/dev/null", b, e->dir),
                     1);
    assert_int_equal(fx_run(NULL, "%s index %s/none.jsonl -o %s -q "
                            "2>/dev/null", b, e->dir, e->index), 0);
    assert_int_equal(fx_run(NULL, "%s index --help >/dev/null", b), 0);
    /* Adding to a damaged index fails and names the damage. */
    {
        char path[4096 + 16], *out;

        snprintf(path, sizeof path, "%s/CURRENT", e->index);
        fx_write(path, "MANIFEST-9\n", 11);
        assert_int_equal(fx_run(&out, "%s index %s -o %s 2>&1", b, e->input,
                                e->index), 1);
        assert_non_null(strstr(out, "MANIFEST-9"));
        free(out);
    }
}

/* Stdin input, piped: no progress line, the summary on stdout. */
static void index_from_stdin(void **state)
{
    env *e = *state;
    char *out;

    assert_int_equal(fx_run(&out, "%s index --format jsonl - -o %s < %s "
                            "2>/dev/null", fx_byline(), e->index, e->input),
                     0);
    assert_non_null(strstr(out, "indexed 4 articles"));
    free(out);
}

/* The sample corpus of the repository, with two threads. */
static void sample_corpus(void **state)
{
    env *e = *state;
    const char *sample = fx_source("corpus/sample/articles.jsonl");
    FILE *f = fopen(sample, "r");
    char line[1 << 16];
    long n = 0;
    json_t *j;

    if (f == NULL)
        FX_SKIP("corpus/sample/articles.jsonl is absent (branch corpus)");
    while (fgets(line, sizeof line, f) != NULL)
        n += line[0] == '{';
    fclose(f);
    assert_int_equal(fx_run(NULL, "%s index %s -o %s --threads 2 --ram 1 -q",
                            fx_byline(), sample, e->index), 0);
    j = run_json("%s stats %s --json", e->index, "");
    assert_int_equal(int_of(j, "articles"), n);
    json_decref(j);
    assert_int_equal(fx_run(NULL, "%s check %s", fx_byline(), e->index), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(index_then_inspect, setup, teardown),
        cmocka_unit_test_setup_teardown(index_again_replaces, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(commits_along_the_way, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(usage_and_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(index_from_stdin, setup, teardown),
        cmocka_unit_test_setup_teardown(sample_corpus, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
