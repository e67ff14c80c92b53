/* cmd_index.c - `byline index`: read articles from files, folders or stdin
** (any format bl_ingest knows) and add them to an index in one new commit.
** Malformed records are reported and skipped; only a failure of the index
** itself (or bad usage) fails the command.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byline.h"
#include "cli.h"

#define MAX_REASONS 32
/* Articles between commits: bounds the writer's table of this batch's ids
** (about 80 bytes an article) to some 80 MB. */
#define DEFAULT_COMMIT_EVERY 1000000

static const char usage[] =
    "usage: byline index [OPTIONS] INPUT... -o INDEX\n"
    "       byline index --optimize [--ram MB] -o INDEX\n"
    "\n"
    "Index articles into INDEX, creating it or adding to it in one new\n"
    "commit. An article whose id is already in the index replaces it.\n"
    "INPUT is a file, a folder (read recursively, in sorted order) or - for\n"
    "stdin; plain, .gz or .zst. Malformed records are reported on stderr as\n"
    "\"file:line: reason\" and skipped.\n"
    "\n"
    "options:\n"
    "  -o, --output INDEX  the index folder (required)\n"
    "  --format F          jsonl, trec, reuters, time or auto (default: auto,\n"
    "                      from the extension or the content)\n"
    "  --threads N         builder threads (default: the number of cores)\n"
    "  --ram MB            memory for the builders and the ids of the\n"
    "                      uncommitted articles (default: 256)\n"
    "  --commit-every N    commit after every N articles too, when more\n"
    "                      follow (default: 1000000; 0: only at the end).\n"
    "                      Until its commit, each article's id is held in\n"
    "                      memory (about 50 bytes and its text, out of\n"
    "                      --ram) to replace earlier versions\n"
    "  --optimize          with the last commit, merge the index into as\n"
    "                      few segments as --ram allows (one, up to twice\n"
    "                      its size in segment files), the quickest to\n"
    "                      search; without INPUT, only that, on an\n"
    "                      existing index\n"
    "  --lang L            the language of a new index (default: en); an\n"
    "                      existing index keeps its own\n"
    "  --no-stem           do not stem words (new index only)\n"
    "  --no-stopwords      keep stopwords in the index (new index only)\n"
    "  --no-fold           keep accents (new index only)\n"
    "  --k1 X  --b Y       the BM25 defaults of searches on a new index\n"
    "                      (default 1.2 and 0.75; a search may override)\n"
    "  --title-weight W    its BM25F field weights (default 2 and 1)\n"
    "  --body-weight W\n"
    "  -q, --quiet         no summary\n"
    "\n"
    "On a terminal a progress line shows articles, MB, rates and an ETA.\n"
    "At the end a summary: articles indexed, skipped by reason, warnings,\n"
    "seconds, MB/s of article text, segments flushed, time in commits and\n"
    "in merges, index bytes and their ratio to the text.\n"
    "\n"
    "exit status: 0 done (also when records were skipped), 1 failure,\n"
    "2 bad usage.\n";

/* Skipped records counted by reason. */
typedef struct reasons {
    char *why[MAX_REASONS];
    uint64_t n[MAX_REASONS];
    size_t count;
    uint64_t other;
} reasons;

/* The reason part of "file:line: reason" (the whole message otherwise). */
static const char *reason_of(const char *msg)
{
    for (const char *p = msg; (p = strchr(p, ':')) != NULL; p++) {
        const char *q = p + 1;

        if (!isdigit((unsigned char)*q))
            continue;
        while (isdigit((unsigned char)*q))
            q++;
        if (q[0] == ':' && q[1] == ' ')
            return q + 2;
    }
    return msg;
}

static void count_reason(reasons *r, const char *why)
{
    for (size_t i = 0; i < r->count; i++) {
        if (strcmp(r->why[i], why) == 0) {
            r->n[i]++;
            return;
        }
    }
    if (r->count < MAX_REASONS && (r->why[r->count] = strdup(why)) != NULL) {
        r->n[r->count++] = 1;
        return;
    }
    r->other++;
}

typedef struct args {
    const char **inputs;
    size_t n_inputs;
    const char *out;
    bl_format format;
    bl_writer_opts wo;
    bool quiet;
    uint64_t commit_every;     /* articles between commits; 0: at the end */
    bool optimize;             /* the last commit optimizes (--optimize) */
} args;

static int parse(int argc, char **argv, args *a)
{
    bool opts_done = false;
    double rank[4];
    int rc;

    bl_writer_opts_default(&a->wo);
    rank[0] = a->wo.k1;
    rank[1] = a->wo.b;
    rank[2] = a->wo.title_weight;
    rank[3] = a->wo.body_weight;
    a->format = BL_FORMAT_AUTO;
    a->commit_every = DEFAULT_COMMIT_EVERY;
    a->inputs = calloc((size_t)argc, sizeof *a->inputs);
    if (a->inputs == NULL)
        return cli_fail("index", "out of memory");
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t v;

        if (opts_done || s[0] != '-' || strcmp(s, "-") == 0) {
            a->inputs[a->n_inputs++] = s;
            continue;
        }
        if (strcmp(s, "--") == 0) {
            opts_done = true;
        } else if (strcmp(s, "-o") == 0 || strcmp(s, "--output") == 0) {
            if (val == NULL)
                return cli_bad_usage("index", "%s needs a folder", s);
            a->out = val;
            i++;
        } else if (strcmp(s, "--format") == 0) {
            if (val == NULL || bl_format_parse(val, &a->format) != BL_OK)
                return cli_bad_usage("index", "--format wants jsonl, trec, "
                                     "reuters, time or auto");
            i++;
        } else if (strcmp(s, "--threads") == 0) {
            if (!cli_parse_u64(val, &v) || v < 1 || v > 64)
                return cli_bad_usage("index", "--threads wants 1 to 64");
            a->wo.threads = (unsigned)v;
            i++;
        } else if (strcmp(s, "--ram") == 0) {
            if (!cli_parse_u64(val, &v) || v < 1 || v > (1u << 20))
                return cli_bad_usage("index", "--ram wants megabytes, 1 or "
                                     "more");
            a->wo.ram_bytes = (size_t)v << 20;
            i++;
        } else if (strcmp(s, "--commit-every") == 0) {
            if (!cli_parse_u64(val, &v))
                return cli_bad_usage("index", "--commit-every wants a number "
                                     "of articles (0: only at the end)");
            a->commit_every = v;
            i++;
        } else if (strcmp(s, "--lang") == 0) {
            if (val == NULL || *val == '\0')
                return cli_bad_usage("index", "--lang needs a language");
            a->wo.lang = val;
            i++;
        } else if (strcmp(s, "--optimize") == 0) {
            a->optimize = true;
        } else if (strcmp(s, "--no-stem") == 0) {
            a->wo.stem = false;
        } else if (strcmp(s, "--no-stopwords") == 0) {
            a->wo.stopwords = false;
        } else if (strcmp(s, "--no-fold") == 0) {
            a->wo.fold_accents = false;
        } else if ((rc = cli_ranking_flag("index", s, val, rank)) >= 0) {
            if (rc != 0)
                return rc;
            a->wo.k1 = rank[0];
            a->wo.b = rank[1];
            a->wo.title_weight = rank[2];
            a->wo.body_weight = rank[3];
            i++;
        } else if (strcmp(s, "-q") == 0 || strcmp(s, "--quiet") == 0) {
            a->quiet = true;
        } else {
            return cli_bad_usage("index", "unknown option '%s'", s);
        }
    }
    if (a->out == NULL)
        return cli_bad_usage("index", "no index folder (-o INDEX)");
    {
        bl_analyzer_opts ao;
        bl_analyzer *an;

        bl_analyzer_opts_default(&ao);
        ao.lang = a->wo.lang;
        if (bl_analyzer_new(&ao, &an) != BL_OK)
            return cli_bad_usage("index", "unknown language '%s'",
                                 a->wo.lang);
        bl_analyzer_free(an);
    }
    if (a->n_inputs == 0 && !a->optimize)
        return cli_bad_usage("index", "no input");
    return 0;
}

/* Bytes of every file of the index, 0 when there is none yet. */
static uint64_t index_bytes(const char *dir, uint64_t *gen, uint64_t *segs)
{
    bl_index *ix;
    bl_stats st;
    uint64_t n = 0;

    if (bl_index_open(dir, &ix) != BL_OK)
        return 0;
    if (bl_index_stats(ix, &st) == BL_OK) {
        n = st.total_bytes;
        if (gen != NULL)
            *gen = st.generation;
        if (segs != NULL)
            *segs = st.segments;
    }
    bl_index_close(ix);
    return n;
}

static void summary(const args *a, uint64_t indexed, uint64_t warnings,
                    const reasons *r, uint64_t skipped, uint64_t text,
                    double secs, uint64_t before, const bl_writer_stats *ws)
{
    uint64_t gen = 0, segs = 0, after = index_bytes(a->out, &gen, &segs);
    double mb = (double)text / 1e6;

    if (secs <= 0)
        secs = 1e-9;
    printf("indexed %llu articles, skipped %llu, %llu warnings, in %.2f s\n",
           (unsigned long long)indexed, (unsigned long long)skipped,
           (unsigned long long)warnings, secs);
    for (size_t i = 0; i < r->count; i++)
        printf("  skipped %llu: %s\n", (unsigned long long)r->n[i],
               r->why[i]);
    if (r->other > 0)
        printf("  skipped %llu: other reasons\n",
               (unsigned long long)r->other);
    printf("article text %.2f MB, %.2f MB/s, %.0f articles/s\n", mb,
           mb / secs, (double)indexed / secs);
    printf("segments flushed %llu; commits %llu in %.2f s (the last "
           "flush included), merges %llu of %llu segments in %.2f s\n",
           (unsigned long long)ws->flushes, (unsigned long long)ws->commits,
           ws->commit_seconds, (unsigned long long)ws->merges,
           (unsigned long long)ws->merged_segments, ws->merge_seconds);
    printf("index %s: generation %llu, %llu segments, %.2f MB", a->out,
           (unsigned long long)gen, (unsigned long long)segs,
           (double)after / 1e6);
    if (text > 0 && after >= before)
        printf(", grew by %.2f MB = %.3f x the text",
               (double)(after - before) / 1e6,
               (double)(after - before) / (double)text);
    printf("\n");
}

static int run(int argc, char **argv)
{
    args a;
    reasons r;
    bl_ingest *in = NULL;
    bl_writer *w = NULL;
    cli_progress prog;
    uint64_t indexed = 0, skipped = 0, warnings = 0, text = 0, before;
    uint64_t committed = 0;            /* indexed at the last commit */
    char err[1024];
    bl_writer_stats ws;
    int code, rc;

    memset(&a, 0, sizeof a);
    memset(&r, 0, sizeof r);
    code = parse(argc, argv, &a);
    if (code != 0) {
        free(a.inputs);
        return code;
    }
    before = index_bytes(a.out, NULL, NULL);
    if (a.n_inputs == 0 && before == 0) {
        code = cli_fail("index", "%s: no index to optimize", a.out);
        goto done;
    }
    rc = a.n_inputs > 0 ? bl_ingest_open(a.inputs, a.n_inputs, a.format, &in)
                        : BL_OK;
    if (rc != BL_OK) {
        code = cli_fail("index", "cannot read the input: %s",
                        bl_strerror(rc));
        goto done;
    }
    rc = bl_writer_open(a.out, &a.wo, &w, err, sizeof err);
    if (rc != BL_OK) {
        char why[1024] = "";

        /* Name the damage too, as `byline check` would. */
        if (rc == BL_ECORRUPT || rc == BL_EVERSION || rc == BL_ENOTFOUND)
            if (bl_index_check(a.out, why, sizeof why, NULL, NULL) == BL_OK)
                why[0] = '\0';
        code = cli_fail("index", "%s%s%s", err, why[0] ? "; check: " : "",
                        why);
        goto done;
    }
    cli_progress_init(&prog);
    while (in != NULL) {       /* none: --optimize alone */
        const bl_doc *doc;

        rc = bl_ingest_next(in, &doc);
        if (rc == BL_DONE)
            break;
        if (rc == BL_EFORMAT || rc == BL_EIO) {
            const char *msg = bl_ingest_error(in);

            cli_progress_end(&prog);
            fprintf(stderr, "%s\n", msg);
            count_reason(&r, rc == BL_EIO ? "unreadable file"
                                          : reason_of(msg));
            skipped++;
            continue;
        }
        if (rc != BL_OK) {
            code = cli_fail("index", "reading input: %s", bl_strerror(rc));
            goto done;
        }
        if (*bl_ingest_warning(in) != '\0') {
            cli_progress_end(&prog);
            fprintf(stderr, "warning: %s\n", bl_ingest_warning(in));
            warnings++;
        }
        /* The commit after every N articles waits for one more, so that
        ** the last is always the final one (with --optimize, a commit's
        ** merges would only be merged again). */
        if (a.commit_every > 0 && indexed - committed >= a.commit_every) {
            if (bl_writer_commit(w) != BL_OK) {
                cli_progress_end(&prog);
                code = cli_fail("index", "commit failed: %s",
                                bl_writer_error(w));
                goto done;
            }
            committed = indexed;
        }
        rc = bl_writer_add(w, doc);
        if (rc == BL_EINVAL) {
            count_reason(&r, "article without id");
            skipped++;
            continue;
        }
        if (rc != BL_OK) {
            cli_progress_end(&prog);
            code = cli_fail("index", "%s", bl_writer_error(w));
            goto done;
        }
        indexed++;
        text += strlen(doc->title) + strlen(doc->body);
        cli_progress_update(&prog, "articles", indexed,
                            bl_ingest_bytes_read(in),
                            bl_ingest_bytes_total(in));
    }
    cli_progress_end(&prog);
    rc = a.optimize ? bl_writer_optimize(w) : bl_writer_commit(w);
    if (rc != BL_OK) {
        code = cli_fail("index", "commit failed: %s", bl_writer_error(w));
        goto done;
    }
    bl_writer_stats_get(w, &ws);
    bl_writer_close(w);
    w = NULL;
    if (!a.quiet)
        summary(&a, indexed, warnings, &r, skipped, text,
                cli_now() - prog.start, before, &ws);
    code = 0;
done:
    bl_writer_close(w);
    bl_ingest_close(in);
    for (size_t i = 0; i < r.count; i++)
        free(r.why[i]);
    free(a.inputs);
    return code;
}

const cli_command cli_cmd_index = {
    "index", run, "add articles to an index (creating it) in one commit",
    usage};
