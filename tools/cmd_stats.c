/* cmd_stats.c - `byline stats`: the size and shape of an index, as text or
** JSON: articles, segments, terms, postings, positions, bytes of each
** section, bits per doc id and per position, the store's compression.
*/
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "byline.h"
#include "cli.h"

static const char usage[] =
    "usage: byline stats INDEX [--json]\n"
    "\n"
    "Describe the latest commit of INDEX: live and deleted articles,\n"
    "segments, distinct terms, postings and positions; the bytes of each\n"
    "section (terms, postings, positions, lengths, columns, store) and of\n"
    "the whole index; bits per doc id (postings bytes * 8 / postings) and\n"
    "per position; the store's compression ratio (raw text / store bytes).\n"
    "\n"
    "options:\n"
    "  --json   one JSON object instead of text\n"
    "\n"
    "exit status: 0 done, 1 the index cannot be read, 2 bad usage.\n";

static double ratio(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : 0.0;
}

static void print_text(const char *dir, const bl_stats *s)
{
    const bl_section_stats *b = &s->bytes;
    uint64_t inverted = b->terms + b->postings + b->positions + b->lengths +
                        b->columns;
    struct { const char *name; uint64_t n; } sec[] = {
        {"terms", b->terms},         {"postings", b->postings},
        {"positions", b->positions}, {"lengths", b->lengths},
        {"columns", b->columns},     {"store", b->store},
    };

    printf("index       %s (generation %llu)\n", dir,
           (unsigned long long)s->generation);
    printf("articles    %llu (%llu deleted, not yet merged away)\n",
           (unsigned long long)s->docs, (unsigned long long)s->deleted);
    printf("segments    %llu\n", (unsigned long long)s->segments);
    printf("terms       %llu\n", (unsigned long long)s->terms);
    printf("postings    %llu\n", (unsigned long long)s->postings);
    printf("positions   %llu\n", (unsigned long long)s->positions);
    printf("raw text    %llu bytes\n", (unsigned long long)s->raw_bytes);
    printf("bytes by section (x raw text):\n");
    for (size_t i = 0; i < sizeof sec / sizeof sec[0]; i++)
        printf("  %-10s %12llu  %.3f\n", sec[i].name,
               (unsigned long long)sec[i].n, ratio(sec[i].n, s->raw_bytes));
    printf("  %-10s %12llu  %.3f\n", "inverted", (unsigned long long)inverted,
           ratio(inverted, s->raw_bytes));
    printf("  %-10s %12llu  %.3f\n", "all files",
           (unsigned long long)s->total_bytes,
           ratio(s->total_bytes, s->raw_bytes));
    printf("bits per doc id    %.2f\n", 8.0 * ratio(b->postings, s->postings));
    printf("bits per position  %.2f\n",
           8.0 * ratio(b->positions, s->positions));
    printf("store compression  %.2f : 1\n", ratio(s->raw_bytes, b->store));
}

static int print_json(const char *dir, const bl_stats *s)
{
    const bl_section_stats *b = &s->bytes;
    json_t *o = json_object(), *by = json_object();
    char *text;

    if (o == NULL || by == NULL) {
        json_decref(o);
        json_decref(by);
        return -1;
    }
    json_object_set_new(by, "terms", json_integer((json_int_t)b->terms));
    json_object_set_new(by, "postings",
                        json_integer((json_int_t)b->postings));
    json_object_set_new(by, "positions",
                        json_integer((json_int_t)b->positions));
    json_object_set_new(by, "lengths", json_integer((json_int_t)b->lengths));
    json_object_set_new(by, "columns", json_integer((json_int_t)b->columns));
    json_object_set_new(by, "store", json_integer((json_int_t)b->store));
    json_object_set_new(o, "index", json_string(dir));
    json_object_set_new(o, "generation",
                        json_integer((json_int_t)s->generation));
    json_object_set_new(o, "articles", json_integer((json_int_t)s->docs));
    json_object_set_new(o, "deleted", json_integer((json_int_t)s->deleted));
    json_object_set_new(o, "segments", json_integer((json_int_t)s->segments));
    json_object_set_new(o, "terms", json_integer((json_int_t)s->terms));
    json_object_set_new(o, "postings", json_integer((json_int_t)s->postings));
    json_object_set_new(o, "positions",
                        json_integer((json_int_t)s->positions));
    json_object_set_new(o, "raw_bytes",
                        json_integer((json_int_t)s->raw_bytes));
    json_object_set_new(o, "total_bytes",
                        json_integer((json_int_t)s->total_bytes));
    json_object_set_new(o, "bytes", by);
    json_object_set_new(o, "bits_per_doc_id",
                        json_real(8.0 * ratio(b->postings, s->postings)));
    json_object_set_new(o, "bits_per_position",
                        json_real(8.0 * ratio(b->positions, s->positions)));
    json_object_set_new(o, "store_compression",
                        json_real(ratio(s->raw_bytes, b->store)));
    text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (text == NULL)
        return -1;
    puts(text);
    free(text);
    return 0;
}

static int run(int argc, char **argv)
{
    const char *dir = NULL;
    bool json = false;
    bl_index *ix;
    bl_stats st;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return cli_bad_usage("stats", "unknown option '%s'", argv[i]);
        else if (dir == NULL)
            dir = argv[i];
        else
            return cli_bad_usage("stats", "one index at a time");
    }
    if (dir == NULL)
        return cli_bad_usage("stats", "no index folder");
    rc = bl_index_open(dir, &ix);
    if (rc != BL_OK)
        return cli_fail("stats", "%s: %s", dir, bl_strerror(rc));
    rc = bl_index_stats(ix, &st);
    bl_index_close(ix);
    if (rc != BL_OK)
        return cli_fail("stats", "%s: %s", dir, bl_strerror(rc));
    if (json) {
        if (print_json(dir, &st) != 0)
            return cli_fail("stats", "out of memory");
    } else {
        print_text(dir, &st);
    }
    return 0;
}

const cli_command cli_cmd_stats = {
    "stats", run, "sizes and counts of an index, by section", usage};
