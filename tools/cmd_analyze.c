/* cmd_analyze.c - `byline analyze`: show how text is analysed, one token a
** line, or token statistics with --stats. It uses only byline.h; the
** statistics keep their own small hash table of terms.
*/
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byline.h"

static const char usage[] =
    "usage: byline analyze [OPTIONS] TEXT... | -\n"
    "\n"
    "Analyse TEXT (several arguments are joined by single spaces; - reads\n"
    "standard input) as the indexer would and print one token a line:\n"
    "\n"
    "  TERM <tab> POSITION <tab> START <tab> END <tab> SURFACE\n"
    "\n"
    "TERM is the analysed form (NFKC, case folded, accent folded, stemmed),\n"
    "START and END are byte offsets into the input ([START, END) is\n"
    "SURFACE). Stopwords are not printed but keep their position.\n"
    "\n"
    "options:\n"
    "  --lang L          language: ISO 639-1 code or Snowball name\n"
    "                    (default en; see the list below)\n"
    "  --no-stem         do not stem\n"
    "  --no-stopwords    keep stopwords\n"
    "  --no-fold         keep accents (no É -> e)\n"
    "  --stopwords FILE  stopwords from FILE (one word a line, # comments)\n"
    "                    instead of the built-in list\n"
    "  --stats           print statistics instead of tokens: bytes, tokens,\n"
    "                    distinct terms, stopwords removed, the 10 most\n"
    "                    frequent terms and the speed in MB/s\n"
    "  -h, --help        this text\n"
    "\n"
    "exit status: 0 ok, 1 analysis failed or input unreadable, 2 bad usage\n";

/* ---- input -------------------------------------------------------------- */

static char *read_stream(FILE *f, size_t *len)
{
    char *p = NULL;
    size_t n = 0, cap = 0;

    for (;;) {
        size_t got;

        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *q = realloc(p, ncap);

            if (q == NULL) {
                free(p);
                return NULL;
            }
            p = q;
            cap = ncap;
        }
        got = fread(p + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(p);
        return NULL;
    }
    *len = n;
    return p;
}

static char *join_args(int n, char **args, size_t *len)
{
    size_t total = 0, o = 0;
    char *p;

    for (int i = 0; i < n; i++)
        total += strlen(args[i]) + 1;
    p = malloc(total + 1);
    if (p == NULL)
        return NULL;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(args[i]);

        if (i > 0)
            p[o++] = ' ';
        memcpy(p + o, args[i], l);
        o += l;
    }
    p[o] = '\0';
    *len = o;
    return p;
}

/* ---- printing tokens ---------------------------------------------------- */

typedef struct print_ctx {
    const char *text;
    FILE *out;
} print_ctx;

static int print_token(void *ctx, const bl_token *tok)
{
    print_ctx *pc = ctx;

    fwrite(tok->term, 1, tok->term_len, pc->out);
    fprintf(pc->out, "\t%u\t%u\t%u\t", (unsigned)tok->pos,
            (unsigned)tok->start, (unsigned)tok->end);
    fwrite(pc->text + tok->start, 1, tok->end - tok->start, pc->out);
    fputc('\n', pc->out);
    return 0;
}

/* ---- statistics --------------------------------------------------------- */

typedef struct term_count {
    char *term;                /* NULL marks an empty slot */
    size_t len;
    uint64_t hash;
    uint64_t count;
} term_count;

typedef struct stats_ctx {
    term_count *slots;         /* open addressing, power-of-two size */
    size_t cap;
    size_t distinct;
    uint64_t tokens;
    int rc;                    /* BL_ENOMEM when the table could not grow */
} stats_ctx;

static uint64_t fnv1a(const char *p, size_t len)
{
    uint64_t h = 1469598103934665603ULL;

    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int stats_grow(stats_ctx *s)
{
    size_t cap = s->cap ? s->cap * 2 : 1024;
    term_count *slots = calloc(cap, sizeof *slots);

    if (slots == NULL)
        return BL_ENOMEM;
    for (size_t i = 0; i < s->cap; i++) {
        size_t j;

        if (s->slots[i].term == NULL)
            continue;
        j = (size_t)s->slots[i].hash & (cap - 1);
        while (slots[j].term != NULL)
            j = (j + 1) & (cap - 1);
        slots[j] = s->slots[i];
    }
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return BL_OK;
}

static int count_token(void *ctx, const bl_token *tok)
{
    stats_ctx *s = ctx;
    uint64_t h = fnv1a(tok->term, tok->term_len);
    size_t j;

    s->tokens++;
    if ((s->distinct + 1) * 2 > s->cap && stats_grow(s) != BL_OK)
        return s->rc = BL_ENOMEM;
    j = (size_t)h & (s->cap - 1);
    while (s->slots[j].term != NULL) {
        term_count *e = &s->slots[j];

        if (e->hash == h && e->len == tok->term_len &&
            memcmp(e->term, tok->term, e->len) == 0) {
            e->count++;
            return 0;
        }
        j = (j + 1) & (s->cap - 1);
    }
    s->slots[j].term = malloc(tok->term_len + 1);
    if (s->slots[j].term == NULL)
        return s->rc = BL_ENOMEM;
    memcpy(s->slots[j].term, tok->term, tok->term_len);
    s->slots[j].term[tok->term_len] = '\0';
    s->slots[j].len = tok->term_len;
    s->slots[j].hash = h;
    s->slots[j].count = 1;
    s->distinct++;
    return 0;
}

static int count_only(void *ctx, const bl_token *tok)
{
    (void)tok;
    ++*(uint64_t *)ctx;
    return 0;
}

/* Most frequent first, then by term. */
static int by_count(const void *x, const void *y)
{
    const term_count *a = x, *b = y;

    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->term, b->term);
}

static int print_stats(bl_analyzer *an, const char *text, size_t len,
                       const bl_analyzer_opts *o)
{
    bl_analyzer *a = NULL;
    stats_ctx s = {0};
    uint64_t unfiltered = 0;
    double t0, secs;
    int rc, status = 0;
    size_t n = 0;

    t0 = cli_now();
    rc = bl_analyze(an, text, len, NULL, count_token, &s);
    secs = cli_now() - t0;
    if (rc == BL_OK && o->stopwords) {
        bl_analyzer_opts keep = *o;

        keep.stopwords = false;
        rc = bl_analyzer_new(&keep, &a);
        if (rc == BL_OK)
            rc = bl_analyze(a, text, len, NULL, count_only, &unfiltered);
        bl_analyzer_free(a);
    }
    if (rc != BL_OK) {
        status = cli_fail("analyze", "%s", bl_strerror(rc));
    } else {
        for (size_t i = 0; i < s.cap; i++)
            if (s.slots[i].term != NULL)
                s.slots[n++] = s.slots[i];
        qsort(s.slots, n, sizeof *s.slots, by_count);
        printf("bytes\t%zu\n", len);
        printf("tokens\t%llu\n", (unsigned long long)s.tokens);
        printf("distinct_terms\t%zu\n", s.distinct);
        printf("stopwords_removed\t%llu\n",
               (unsigned long long)(o->stopwords ? unfiltered - s.tokens
                                                 : 0));
        for (size_t i = 0; i < n && i < 10; i++)
            printf("top\t%s\t%llu\n", s.slots[i].term,
                   (unsigned long long)s.slots[i].count);
        printf("mb_per_s\t%.1f\n",
               secs > 0 ? (double)len / 1e6 / secs : 0.0);
    }
    for (size_t i = 0; i < (n ? n : s.cap); i++)
        free(s.slots[i].term);
    free(s.slots);
    return status;
}

/* ---- the command -------------------------------------------------------- */

static int run(int argc, char **argv)
{
    bl_analyzer_opts o;
    bl_analyzer *an;
    bool stats = false;
    int i;
    char *text;
    size_t len = 0;
    int status = 0, rc;

    bl_analyzer_opts_default(&o);
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == '\0')
            break;
        if (strcmp(a, "--lang") == 0 || strcmp(a, "--stopwords") == 0) {
            if (i + 1 >= argc)
                return cli_bad_usage("analyze", "%s needs a value", a);
            if (a[2] == 'l')
                o.lang = argv[++i];
            else
                o.stopword_file = argv[++i];
        } else if (strcmp(a, "--no-stem") == 0) {
            o.stem = false;
        } else if (strcmp(a, "--no-stopwords") == 0) {
            o.stopwords = false;
        } else if (strcmp(a, "--no-fold") == 0) {
            o.fold_accents = false;
        } else if (strcmp(a, "--stats") == 0) {
            stats = true;
        } else {
            return cli_bad_usage("analyze", "unknown option '%s'", a);
        }
    }
    if (i >= argc)
        return cli_bad_usage("analyze", "no TEXT given (use - for stdin)");
    rc = bl_analyzer_new(&o, &an);
    if (rc == BL_EINVAL) {
        fprintf(stderr, "byline analyze: unknown language '%s'; known:",
                o.lang);
        for (const char *const *l = bl_stem_languages(); *l != NULL; l++)
            fprintf(stderr, " %s", *l);
        fputc('\n', stderr);
        return 2;
    }
    if (rc == BL_ENOTFOUND)
        return cli_bad_usage("analyze", "cannot read stopword file '%s'",
                             o.stopword_file);
    if (rc != BL_OK)
        return cli_fail("analyze", "%s", bl_strerror(rc));
    if (argc - i == 1 && strcmp(argv[i], "-") == 0)
        text = read_stream(stdin, &len);
    else
        text = join_args(argc - i, argv + i, &len);
    if (text == NULL) {
        bl_analyzer_free(an);
        return cli_fail("analyze", "cannot read the input");
    }

    if (stats) {
        status = print_stats(an, text, len, &o);
    } else {
        print_ctx pc = {text, stdout};

        rc = bl_analyze(an, text, len, NULL, print_token, &pc);
        if (rc != BL_OK)
            status = cli_fail("analyze", "%s", bl_strerror(rc));
    }
    bl_analyzer_free(an);
    free(text);
    if (fflush(stdout) != 0)
        status = 1;
    return status;
}

const cli_command cli_cmd_analyze = {
    "analyze", run, "show how text is analysed into index terms", usage};
