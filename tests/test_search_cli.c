/* test_search_cli.c - the `byline search` command end to end on an index
** of the sample corpus: human output, JSON lines with stable keys, batch
** mode with TREC runs, counting, date sorting, and the exit codes and
** messages of a missing index, a bad query and bad usage.
*/
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "byline.h"

static int setup(void **state)
{
    char *dir = fx_tmpdir();
    const char *paths[1] = {fx_source("corpus/sample/articles.jsonl")};
    bl_writer_opts wo;
    bl_writer *w;
    bl_ingest *in;
    const bl_doc *doc;
    int rc;

    bl_writer_opts_default(&wo);
    wo.threads = 1;
    assert_int_equal(bl_writer_open(dir, &wo, &w, NULL, 0), BL_OK);
    assert_int_equal(bl_ingest_open(paths, 1, BL_FORMAT_JSONL, &in), BL_OK);
    while ((rc = bl_ingest_next(in, &doc)) != BL_DONE)
        if (rc == BL_OK)
            assert_int_equal(bl_writer_add(w, doc), BL_OK);
    bl_ingest_close(in);
    assert_int_equal(bl_writer_commit(w), BL_OK);
    bl_writer_close(w);
    *state = dir;
    return 0;
}

static int teardown(void **state)
{
    fx_rmtree(*state);
    return 0;
}

static void human_output(void **state)
{
    const char *dir = *state;
    char *out = NULL;

    assert_int_equal(fx_run(&out, "%s search %s 'species OR ocean' -k 3",
                            fx_byline(), dir), 0);
    assert_non_null(strstr(out, "  1. "));
    assert_non_null(strstr(out, "  3. "));
    assert_null(strstr(out, "  4. "));
    assert_non_null(strstr(out, "matching article"));
    assert_non_null(strstr(out, " ms\n"));
    assert_non_null(strstr(out, "**"));       /* marked words, no tty */
    free(out);
}

/* Every line is a JSON object; hits then one summary with stable keys. */
static void json_lines(void **state)
{
    const char *dir = *state;
    char *out = NULL, *line, *save = NULL;
    size_t hits = 0, summaries = 0;
    static const char *const hit_keys[] = {"rank", "doc", "id", "score",
                                           "date", "source", "title", "url",
                                           "snippet"};
    static const char *const sum_keys[] = {"summary", "query", "parsed",
                                           "total", "total_exact", "hits",
                                           "micros", "warning"};

    assert_int_equal(fx_run(&out, "%s search %s 'the OR new' -k 5 --json",
                            fx_byline(), dir), 0);
    for (line = strtok_r(out, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);

        assert_non_null(j);
        assert_true(json_is_object(j));
        if (json_object_get(j, "summary") != NULL) {
            for (size_t k = 0; k < sizeof sum_keys / sizeof *sum_keys; k++)
                assert_non_null(json_object_get(j, sum_keys[k]));
            assert_int_equal(json_integer_value(json_object_get(j, "hits")),
                             5);
            summaries++;
        } else {
            for (size_t k = 0; k < sizeof hit_keys / sizeof *hit_keys; k++)
                assert_non_null(json_object_get(j, hit_keys[k]));
            assert_int_equal(json_integer_value(json_object_get(j, "rank")),
                             (json_int_t)hits + 1);
            assert_null(strstr(json_string_value(json_object_get(j,
                                                                 "snippet")),
                               "**"));
            hits++;
        }
        json_decref(j);
    }
    assert_int_equal(hits, 5);
    assert_int_equal(summaries, 1);
    free(out);
}

/* Batch mode from a file: IDs kept, a TREC run with ranks 1..k. */
static void batch_trec(void **state)
{
    const char *dir = *state;
    char *qdir = fx_tmpdir(), path[4096], *out = NULL, *line, *save = NULL;
    const char *queries = "# comment\nq1\tspecies\n\nocean OR sea\n"
                          "q3\t\"deep sea\"\n";
    unsigned counts[3] = {0, 0, 0};

    snprintf(path, sizeof path, "%s/queries.tsv", qdir);
    fx_write(path, queries, strlen(queries));
    assert_int_equal(fx_run(&out, "%s search %s --queries %s --trec myrun "
                                  "-k 4", fx_byline(), dir, path), 0);
    for (line = strtok_r(out, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char qid[32], q0[8], docid[256], tag[32];
        unsigned rank;
        double score;
        int idx;

        assert_int_equal(sscanf(line, "%31s %7s %255s %u %lf %31s", qid, q0,
                                docid, &rank, &score, tag), 6);
        assert_string_equal(q0, "Q0");
        assert_string_equal(tag, "myrun");
        idx = strcmp(qid, "q1") == 0 ? 0 : strcmp(qid, "4") == 0 ? 1
              : strcmp(qid, "q3") == 0 ? 2 : -1;
        assert_true(idx >= 0);
        assert_int_equal(rank, ++counts[idx]);
        assert_true(score > 0);
    }
    assert_true(counts[0] >= 1 && counts[0] <= 4);
    assert_true(counts[1] >= 1 && counts[1] <= 4);
    free(out);
    /* the same from standard input */
    assert_int_equal(fx_run(&out, "printf 'species\\n' | %s search %s "
                                  "--queries - --json", fx_byline(), dir), 0);
    assert_non_null(strstr(out, "\"qid\":\"1\""));
    free(out);
    fx_rmtree(qdir);
}

static void count_and_date_sort(void **state)
{
    const char *dir = *state;
    char *out = NULL, *p;
    char prev[64] = "9999";
    unsigned n = 0;

    assert_int_equal(fx_run(&out, "%s search %s 'the OR a OR new' --count",
                            fx_byline(), dir), 0);
    assert_non_null(strstr(out, "matching article"));
    assert_null(strstr(out, "at least"));
    free(out);
    assert_int_equal(fx_run(&out, "%s search %s 'new OR year' --sort -date "
                                  "-k 20 --json --no-snippets",
                            fx_byline(), dir), 0);
    for (p = strstr(out, "\"date\":\""); p != NULL;
         p = strstr(p + 1, "\"date\":\"")) {
        char d[64];

        assert_int_equal(sscanf(p + 8, "%63[^\"]", d), 1);
        assert_true(strcmp(d, prev) <= 0);
        strcpy(prev, d);
        n++;
    }
    assert_true(n > 5);
    free(out);
}

/* A ranked search prints the exact total even when pruning skipped
** documents: the same number as --count, never "at least". */
static void ranked_total_is_exact(void **state)
{
    const char *dir = *state;
    char *out = NULL;
    unsigned long ranked = 0, counted = 0;
    const char *p;

    assert_int_equal(fx_run(&out, "%s search %s 'storm coast' -k 1",
                            fx_byline(), dir), 0);
    assert_null(strstr(out, "at least"));
    p = strstr(out, " matching article");
    assert_non_null(p);
    while (p > out && p[-1] >= '0' && p[-1] <= '9')
        p--;
    ranked = strtoul(p, NULL, 10);
    free(out);
    assert_int_equal(fx_run(&out, "%s search %s 'storm coast' --count",
                            fx_byline(), dir), 0);
    assert_int_equal(sscanf(out, "%lu matching", &counted), 1);
    free(out);
    assert_true(ranked > 10);
    assert_int_equal(ranked, counted);
}

/* The score of the first hit of `search DIR QUERY ARGS --json`. */
static double first_score(const char *dir, const char *args)
{
    char *out = NULL;
    double score = -1;
    const char *p;

    assert_int_equal(fx_run(&out, "%s search %s 'storm coast' -k 1 --json "
                                  "--no-snippets %s", fx_byline(), dir, args),
                     0);
    p = strstr(out, "\"score\":");
    assert_non_null(p);
    assert_int_equal(sscanf(p + 8, "%lf", &score), 1);
    free(out);
    return score;
}

/* BM25 defaults set by `byline index` are what searches use unless a query
** overrides them; bad values are refused as usage errors. */
static void index_ranking_defaults(void **state)
{
    char *dir = fx_tmpdir();
    char *out = NULL;
    double tuned, asked, standard, plain;
    (void)state;

    assert_int_equal(fx_run(NULL, "%s index -q --k1 0.5 --b 0.3 "
                                  "--title-weight 4 --body-weight 0.5 %s "
                                  "-o %s/tuned", fx_byline(),
                            fx_source("corpus/sample/articles.jsonl"), dir),
                     0);
    assert_int_equal(fx_run(NULL, "%s index -q %s -o %s/plain", fx_byline(),
                            fx_source("corpus/sample/articles.jsonl"), dir),
                     0);
    {
        char t[4200], p[4200];

        snprintf(t, sizeof t, "%s/tuned", dir);
        snprintf(p, sizeof p, "%s/plain", dir);
        tuned = first_score(t, "");
        asked = first_score(t, "--k1 0.5 --b 0.3 --title-weight 4 "
                               "--body-weight 0.5");
        standard = first_score(t, "--k1 1.2 --b 0.75 --title-weight 2 "
                                  "--body-weight 1");
        plain = first_score(p, "");
    }
    assert_true(tuned == asked);
    assert_true(standard == plain);
    assert_true(tuned != plain);
    assert_int_equal(fx_run(&out, "%s index --b 2 %s -o %s/bad 2>&1",
                            fx_byline(),
                            fx_source("corpus/sample/articles.jsonl"), dir),
                     2);
    assert_non_null(strstr(out, "--b"));
    free(out);
    fx_rmtree(dir);
}

static void errors_and_exit_codes(void **state)
{
    const char *dir = *state;
    char *out = NULL;

    assert_int_equal(fx_run(&out, "%s search /nonexistent/index storm 2>&1",
                            fx_byline()), 1);
    assert_non_null(strstr(out, "cannot open index"));
    free(out);
    assert_int_equal(fx_run(&out, "%s search %s '(storm' 2>&1", fx_byline(),
                            dir), 1);
    assert_non_null(strstr(out, "bad query: at 7: expected ')'"));
    free(out);
    assert_int_equal(fx_run(&out, "%s search %s 2>&1", fx_byline(), dir), 2);
    free(out);
    assert_int_equal(fx_run(&out, "%s search %s storm --sort sideways 2>&1",
                            fx_byline(), dir), 2);
    free(out);
    assert_int_equal(fx_run(&out, "%s search %s storm --k1 x 2>&1",
                            fx_byline(), dir), 2);
    free(out);
    assert_int_equal(fx_run(&out, "%s search %s 'the of' 2>&1", fx_byline(),
                            dir), 0);
    assert_non_null(strstr(out, "all words are stopwords"));
    free(out);
    assert_int_equal(fx_run(&out, "%s search --help", fx_byline()), 0);
    assert_non_null(strstr(out, "--queries"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(human_output),
        cmocka_unit_test(json_lines),
        cmocka_unit_test(batch_trec),
        cmocka_unit_test(count_and_date_sort),
        cmocka_unit_test(ranked_total_is_exact),
        cmocka_unit_test(index_ranking_defaults),
        cmocka_unit_test(errors_and_exit_codes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
