/* cmd_search.c - `byline search`: run one query, or a batch of queries
** from one warm process, and print the hits for people, as JSON lines for
** scripts, or as a TREC run for evaluation tools. It uses only byline.h
** (and jansson to write JSON).
*/
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "byline.h"

static const char usage[] =
    "usage: byline search INDEX QUERY [OPTIONS]\n"
    "       byline search INDEX --queries FILE|- [OPTIONS]\n"
    "\n"
    "Search the index in folder INDEX and print the best hits: rank, score,\n"
    "date, source, title and a snippet of the body, with the matched words\n"
    "marked in both, then the number of matching articles and the time.\n"
    "\n"
    "query language (a Lucene-compatible subset):\n"
    "  storm coast          either word (ranked; --and requires both)\n"
    "  \"oil prices\"         a phrase;  \"oil prices\"~3  within 3 positions\n"
    "  +must -not  NOT x    required / excluded;  a AND b,  a OR b,  ( )\n"
    "                       (NOT binds tightest, then AND, then OR)\n"
    "  title:word  body:\"a phrase\"  title:(a OR b)   one field only\n"
    "  stor*                words starting with 'stor' (at most\n"
    "                       --max-expansions of them)\n"
    "  word^2               boost a word, phrase or group\n"
    "  date:[1987-03-01 TO 1987-03-31]  date:[* TO 1987]  date:1987-03\n"
    "  source:reuters  id:ABC  exact values; \\ escapes a character\n"
    "Words go through the index's analysis (case and accent folding,\n"
    "stemming, stopwords). Ranking is BM25F over title and body.\n"
    "\n"
    "options:\n"
    "  -k N                 hits to show (default 10)\n"
    "  --offset N           skip the first N hits (paging)\n"
    "  --sort S             relevance (default), -date (newest first) or\n"
    "                       date (oldest first)\n"
    "  --from DATE          only articles dated DATE or later\n"
    "  --to DATE            only articles dated DATE or earlier (a day:\n"
    "                       the whole day)\n"
    "  --source S           only articles from source S\n"
    "  --and                words side by side are all required\n"
    "  --k1 X  --b Y        BM25 parameters (default: the index's, set\n"
    "                       by `byline index`, else 1.2 and 0.75)\n"
    "  --title-weight W     BM25F field weights (default: the index's,\n"
    "                       else 2 and 1)\n"
    "  --body-weight W\n"
    "  --max-expansions N   terms a prefix* may expand to (default 128)\n"
    "  --count              only count the matching articles (exact)\n"
    "  --no-snippets        no snippets\n"
    "  --json               one JSON object per hit, then a summary object:\n"
    "                       {\"rank\",\"doc\",\"id\",\"score\",\"date\",\"source\",\n"
    "                        \"title\",\"title_marked\",\"url\",\"snippet\"}\n"
    "                       and {\"summary\":true,\n"
    "                       \"query\",\"parsed\",\"total\",\"total_exact\",\"hits\",\n"
    "                       \"micros\",\"warning\"} (with \"qid\" in batches)\n"
    "  --queries FILE|-     answer each line of FILE (or standard input):\n"
    "                       QUERY or ID<TAB>QUERY (ID defaults to the line\n"
    "                       number); empty lines and #comments are skipped\n"
    "  --trec TAG           print a TREC run: qid Q0 docid rank score TAG\n"
    "  -h, --help           this text\n"
    "\n"
    "exit status: 0 ok, 1 no index or a bad query (every query of a batch\n"
    "is still tried), 2 bad usage\n";

typedef enum out_mode { OUT_HUMAN, OUT_JSON, OUT_TREC } out_mode;

typedef struct run {
    bl_index *ix;
    bl_search_opts o;
    out_mode mode;
    const char *trec_tag;
    bool color;                /* stdout is a terminal */
} run;

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

    if (s != NULL) {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
    json_decref(j);
}

static json_t *json_date(int64_t t)
{
    char buf[40];

    if (t == BL_NO_DATE)
        return json_null();
    return json_string(bl_date_format(t, buf, sizeof buf));
}

static void print_human(const run *r, const bl_results *res)
{
    for (size_t i = 0; i < res->n_hits; i++) {
        const bl_hit *h = &res->hits[i];
        const char *title = h->title_marked[0] ? h->title_marked
                            : h->title[0]      ? h->title
                                               : "(no title)";
        char date[40];

        bl_date_format(h->date, date, sizeof date);
        if (r->o.sort == BL_SORT_RELEVANCE)
            printf("%3zu. %7.4f  %-10.10s  %-10s  %s\n",
                   r->o.offset + i + 1, h->score, date, h->source, title);
        else
            printf("%3zu. %-20s  %-10s  %s\n", r->o.offset + i + 1, date,
                   h->source, title);
        printf("     id %s", h->id);
        if (h->url[0])
            printf("  %s", h->url);
        fputc('\n', stdout);
        if (h->snippet[0])
            printf("     %s\n", h->snippet);
        fputc('\n', stdout);
    }
    printf("%s%llu matching article%s, %zu shown, %.2f ms\n",
           res->total_lower_bound ? "at least " : "",
           (unsigned long long)res->total, res->total == 1 ? "" : "s",
           res->n_hits, res->micros / 1000.0);
}

/* Run one query and print it; returns the exit code. */
static int answer(run *r, const char *qid, const char *query)
{
    bl_results *res = NULL;
    char err[512];
    int rc = bl_search(r->ix, query, &r->o, &res, err, sizeof err);

    if (rc != BL_OK) {
        if (qid != NULL)
            return cli_fail("search", "query %s: %s", qid, err);
        return cli_fail("search", "%s: %s", rc == BL_EQUERY ? "bad query"
                                                             : "failed",
                        err);
    }
    if (res->warning[0])
        fprintf(stderr, "byline search: %s%s%s\n", qid ? "query " : "",
                qid ? qid : "", res->warning);
    switch (r->mode) {
    case OUT_HUMAN:
        if (qid != NULL)
            printf("== %s: %s\n", qid, query);
        print_human(r, res);
        break;
    case OUT_TREC:
        for (size_t i = 0; i < res->n_hits; i++)
            printf("%s Q0 %s %zu %.6f %s\n", qid ? qid : "1",
                   res->hits[i].id, r->o.offset + i + 1, res->hits[i].score,
                   r->trec_tag);
        break;
    case OUT_JSON:
        for (size_t i = 0; i < res->n_hits; i++) {
            const bl_hit *h = &res->hits[i];
            json_t *j = json_object();

            if (qid != NULL)
                json_object_set_new(j, "qid", json_string(qid));
            json_object_set_new(j, "rank",
                                json_integer((json_int_t)(r->o.offset + i +
                                                          1)));
            json_object_set_new(j, "doc", json_integer((json_int_t)h->doc));
            json_object_set_new(j, "id", json_string(h->id));
            json_object_set_new(j, "score", json_real(h->score));
            json_object_set_new(j, "date", json_date(h->date));
            json_object_set_new(j, "source", json_string(h->source));
            json_object_set_new(j, "title", json_string(h->title));
            json_object_set_new(j, "title_marked",
                                json_string(h->title_marked));
            json_object_set_new(j, "url", json_string(h->url));
            json_object_set_new(j, "snippet", json_string(h->snippet));
            print_json(j);
        }
        {
            json_t *j = json_object();

            json_object_set_new(j, "summary", json_true());
            if (qid != NULL)
                json_object_set_new(j, "qid", json_string(qid));
            json_object_set_new(j, "query", json_string(query));
            json_object_set_new(j, "parsed", json_string(res->parsed));
            json_object_set_new(j, "total",
                                json_integer((json_int_t)res->total));
            json_object_set_new(j, "total_exact",
                                json_boolean(!res->total_lower_bound));
            json_object_set_new(j, "hits",
                                json_integer((json_int_t)res->n_hits));
            json_object_set_new(j, "micros", json_real(res->micros));
            json_object_set_new(j, "warning", json_string(res->warning));
            print_json(j);
        }
        break;
    }
    bl_results_free(res);
    return 0;
}

/* Each line of f: QUERY or ID<TAB>QUERY. */
static int batch(run *r, FILE *f)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0;
    int status = 0;

    while ((n = getline(&line, &cap, f)) >= 0) {
        char idbuf[32], *q = line, *tab;
        const char *qid = idbuf;

        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        snprintf(idbuf, sizeof idbuf, "%lu", lineno);
        tab = strchr(line, '\t');
        if (tab != NULL) {
            *tab = '\0';
            qid = line;
            q = tab + 1;
        }
        if (answer(r, qid, q) != 0)
            status = 1;
        fflush(stdout);
    }
    free(line);
    return status;
}

static bool parse_date_flag(const char *s, bool upper, int64_t *out)
{
    if (bl_date_parse(s, out) != BL_OK)
        return false;
    /* a bare day as an upper bound means the whole day */
    if (upper && strlen(s) == 10 && s[4] == '-' && s[7] == '-')
        *out += 86399;
    return true;
}

static int run_main(int argc, char **argv)
{
    run r;
    const char *dir = NULL, *query = NULL, *queries = NULL;
    uint64_t v;
    double rank[4];
    int rc, status;

    memset(&r, 0, sizeof r);
    bl_search_opts_default(&r.o);
    rank[0] = r.o.k1;
    rank[1] = r.o.b;
    rank[2] = r.o.title_weight;
    rank[3] = r.o.body_weight;
    r.mode = OUT_HUMAN;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;

        if (strcmp(a, "-k") == 0) {
            if (!cli_parse_u64(val, &v) || v > 1000000)
                return cli_bad_usage("search", "-k wants a count");
            r.o.k = (size_t)v;
        } else if (strcmp(a, "--offset") == 0) {
            if (!cli_parse_u64(val, &v) || v > 1000000)
                return cli_bad_usage("search", "--offset wants a count");
            r.o.offset = (size_t)v;
        } else if (strcmp(a, "--sort") == 0) {
            if (val != NULL && strcmp(val, "relevance") == 0)
                r.o.sort = BL_SORT_RELEVANCE;
            else if (val != NULL && strcmp(val, "-date") == 0)
                r.o.sort = BL_SORT_DATE_DESC;
            else if (val != NULL && strcmp(val, "date") == 0)
                r.o.sort = BL_SORT_DATE_ASC;
            else
                return cli_bad_usage("search", "--sort wants relevance, "
                                               "date or -date");
        } else if (strcmp(a, "--from") == 0 || strcmp(a, "--to") == 0) {
            bool upper = a[2] == 't';

            if (val == NULL ||
                !parse_date_flag(val, upper, upper ? &r.o.to : &r.o.from))
                return cli_bad_usage("search", "%s wants a date such as "
                                               "1987-03-01", a);
        } else if (strcmp(a, "--source") == 0) {
            if (val == NULL)
                return cli_bad_usage("search", "--source wants a name");
            r.o.source = val;
        } else if ((rc = cli_ranking_flag("search", a, val, rank)) >= 0) {
            if (rc != 0)
                return rc;
            r.o.k1 = rank[0];
            r.o.b = rank[1];
            r.o.title_weight = rank[2];
            r.o.body_weight = rank[3];
        } else if (strcmp(a, "--max-expansions") == 0) {
            if (!cli_parse_u64(val, &v) || v == 0 || v > 100000)
                return cli_bad_usage("search", "--max-expansions wants a "
                                               "count");
            r.o.max_expansions = (size_t)v;
        } else if (strcmp(a, "--queries") == 0) {
            if (val == NULL)
                return cli_bad_usage("search", "--queries wants a file or -");
            queries = val;
        } else if (strcmp(a, "--trec") == 0) {
            if (val == NULL || strchr(val, ' ') != NULL)
                return cli_bad_usage("search", "--trec wants a run tag");
            r.trec_tag = val;
            r.mode = OUT_TREC;
        } else {
            takes = false;
            if (strcmp(a, "--and") == 0)
                r.o.and_default = true;
            else if (strcmp(a, "--json") == 0)
                r.mode = r.mode == OUT_TREC ? OUT_TREC : OUT_JSON;
            else if (strcmp(a, "--count") == 0)
                r.o.count_only = true;
            else if (strcmp(a, "--no-snippets") == 0)
                r.o.snippets = false;
            else if (strcmp(a, "--") == 0) {
                for (i++; i < argc; i++) {
                    if (dir == NULL)
                        dir = argv[i];
                    else if (query == NULL)
                        query = argv[i];
                    else
                        return cli_bad_usage("search", "one QUERY only "
                                                       "(quote it)");
                }
                break;
            } else if (a[0] == '-' && a[1] != '\0')
                return cli_bad_usage("search", "unknown option '%s'", a);
            else if (dir == NULL)
                dir = a;
            else if (query == NULL)
                query = a;
            else
                return cli_bad_usage("search", "one QUERY only (quote it)");
        }
        if (takes)
            i++;
    }
    if (dir == NULL)
        return cli_bad_usage("search", "missing INDEX");
    if (query == NULL && queries == NULL)
        return cli_bad_usage("search", "missing QUERY (or --queries FILE)");
    if (query != NULL && queries != NULL)
        return cli_bad_usage("search", "QUERY and --queries exclude each "
                                       "other");
    if (r.mode == OUT_TREC && r.o.count_only)
        return cli_bad_usage("search", "--trec and --count exclude each "
                                       "other");
    if (r.mode == OUT_TREC)
        r.o.snippets = false;
    r.color = isatty(STDOUT_FILENO) == 1;
    if (r.mode == OUT_HUMAN) {
        r.o.mark_open = r.color ? "\033[1m" : "**";
        r.o.mark_close = r.color ? "\033[0m" : "**";
    }
    rc = bl_index_open(dir, &r.ix);
    if (rc != BL_OK)
        return cli_fail("search", "cannot open index '%s': %s", dir,
                        bl_strerror(rc));
    if (queries != NULL) {
        FILE *f = strcmp(queries, "-") == 0 ? stdin : fopen(queries, "r");

        if (f == NULL) {
            bl_index_close(r.ix);
            return cli_fail("search", "cannot read '%s'", queries);
        }
        status = batch(&r, f);
        if (f != stdin)
            fclose(f);
    } else {
        status = answer(&r, NULL, query);
    }
    bl_index_close(r.ix);
    return status;
}

const cli_command cli_cmd_search = {
    "search", run_main, "search an index: ranked hits with snippets", usage};
