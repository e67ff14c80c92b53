/* test_ingest.c - the article readers: every format on small hand-written
** fixtures (tests/data/ingest, every field checked), compressed inputs
** made here with zlib and zstd, stdin, folder order, malformed input
** (truncated JSON, binary garbage, a 100 MB line, missing closing tags,
** unreadable files) reported with file and line while the records around
** them are still read, and the real corpora's counts when present.
*/
#include "fixture.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>
#include <zlib.h>
#include <zstd.h>

#include "base/arena.h"
#include "byline.h"
#include "ingest/ingest.h"

/* What one pass over some inputs gave. */
typedef struct run {
    bl_doc **docs;             /* clones, in order */
    size_t n_docs;
    char **errors;             /* "rc message" per failed call */
    size_t n_errors;
    char **warnings;           /* per document with a warning */
    size_t n_warnings;
    uint64_t bytes_read, bytes_total;
} run;

static void push(char ***list, size_t *n, const char *s)
{
    *list = realloc(*list, (*n + 1) * sizeof **list);
    assert_non_null(*list);
    (*list)[*n] = strdup(s);
    assert_non_null((*list)[*n]);
    (*n)++;
}

/* Is s valid UTF-8 without control characters other than \t and \n? */
static bool clean_utf8(const char *s)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t len = (utf8proc_ssize_t)strlen(s);

    while (len > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p, len, &cp);

        if (n <= 0 || (cp < 0x20 && cp != '\t' && cp != '\n') ||
            (cp >= 0x7f && cp <= 0x9f))
            return false;
        p += n;
        len -= n;
    }
    return true;
}

static void check_doc(const bl_doc *d)
{
    const char *strs[6] = {d->id, d->title, d->body, d->source, d->url,
                           d->lang};

    for (int i = 0; i < 6; i++) {
        assert_non_null(strs[i]);
        if (!clean_utf8(strs[i]))
            fail_msg("doc %s: field %d is not clean UTF-8", d->id, i);
    }
    assert_true(d->id[0] != '\0');
    for (size_t i = 0; i < d->n_extra; i++)
        assert_true(clean_utf8(d->extra[i].name) &&
                    clean_utf8(d->extra[i].value));
}

static run read_all(const char *const *paths, size_t n, bl_format fmt)
{
    run r;
    bl_ingest *in;
    const bl_doc *d;
    char line[1024];
    int rc;

    memset(&r, 0, sizeof r);
    assert_int_equal(bl_ingest_open(paths, n, fmt, &in), BL_OK);
    while ((rc = bl_ingest_next(in, &d)) != BL_DONE) {
        if (rc != BL_OK) {
            assert_null(d);
            assert_true(rc == BL_EFORMAT || rc == BL_EIO);
            snprintf(line, sizeof line, "%d %s", rc, bl_ingest_error(in));
            push(&r.errors, &r.n_errors, line);
            continue;
        }
        check_doc(d);
        r.docs = realloc(r.docs, (r.n_docs + 1) * sizeof *r.docs);
        assert_non_null(r.docs);
        r.docs[r.n_docs] = bl_doc_clone(d);
        assert_non_null(r.docs[r.n_docs]);
        r.n_docs++;
        if (bl_ingest_warning(in)[0] != '\0')
            push(&r.warnings, &r.n_warnings, bl_ingest_warning(in));
    }
    r.bytes_read = bl_ingest_bytes_read(in);
    r.bytes_total = bl_ingest_bytes_total(in);
    bl_ingest_close(in);
    return r;
}

static run read_one(const char *path, bl_format fmt)
{
    return read_all(&path, 1, fmt);
}

static void run_free(run *r)
{
    for (size_t i = 0; i < r->n_docs; i++)
        bl_doc_free(r->docs[i]);
    for (size_t i = 0; i < r->n_errors; i++)
        free(r->errors[i]);
    for (size_t i = 0; i < r->n_warnings; i++)
        free(r->warnings[i]);
    free(r->docs);
    free(r->errors);
    free(r->warnings);
}

static const bl_doc *by_id(const run *r, const char *id)
{
    for (size_t i = 0; i < r->n_docs; i++) {
        if (strcmp(r->docs[i]->id, id) == 0)
            return r->docs[i];
    }
    fail_msg("no document \"%s\"", id);
    return NULL;
}

static const char *extra(const bl_doc *d, const char *name)
{
    for (size_t i = 0; i < d->n_extra; i++) {
        if (strcmp(d->extra[i].name, name) == 0)
            return d->extra[i].value;
    }
    return NULL;
}

static const char *data(const char *name)
{
    static char path[4096];

    snprintf(path, sizeof path, "%s/tests/data/ingest/%s", BL_SOURCE_DIR,
             name);
    return path;
}

/* Does s hold "path:line:" followed by reason? */
static void assert_reported(const char *s, const char *path, int line,
                            const char *reason)
{
    char want[4200];

    if (line > 0)
        snprintf(want, sizeof want, "%.4000s:%d: ", path, line);
    else
        snprintf(want, sizeof want, "%.4000s: ", path);
    if (strstr(s, want) == NULL || strstr(s, reason) == NULL)
        fail_msg("\"%s\" does not report \"%s\" ... \"%s\"", s, want,
                 reason);
}

/* Is there an error with code rc naming path and saying why? */
static bool has_error(const run *r, int rc, const char *path,
                      const char *why)
{
    for (size_t i = 0; i < r->n_errors; i++) {
        if (atoi(r->errors[i]) == rc && strstr(r->errors[i], path) != NULL &&
            strstr(r->errors[i], why) != NULL)
            return true;
    }
    return false;
}

/* ---- JSONL -------------------------------------------------------------- */

/* Every standard field, extra fields of every JSON type, generated ids,
** integer and RFC 2822 dates, escapes and an unreadable date. */
static void jsonl_reads_every_field(void **state)
{
    const char *path = data("basic.jsonl");
    run r = read_one(path, BL_FORMAT_AUTO);
    const bl_doc *d;
    (void)state;

    assert_int_equal(r.n_errors, 0);
    assert_int_equal(r.n_docs, 4);
    d = r.docs[0];
    assert_string_equal(d->id, "a1");
    assert_string_equal(d->title, "Storm hits coast");
    assert_string_equal(d->body, "Heavy rain\nand wind.");
    assert_true(d->date == 1489480200);
    assert_string_equal(d->source, "wire");
    assert_string_equal(d->url, "http://x.test/a1");
    assert_string_equal(d->lang, "en");
    assert_int_equal(d->n_extra, 5);
    assert_string_equal(d->extra[0].name, "section");
    assert_string_equal(d->extra[0].value, "weather");
    assert_string_equal(d->extra[1].name, "rank");
    assert_string_equal(d->extra[1].value, "3");
    assert_string_equal(d->extra[2].name, "live");
    assert_string_equal(d->extra[2].value, "true");
    assert_string_equal(d->extra[3].name, "tags");
    assert_string_equal(d->extra[3].value, "storm, rain");
    assert_string_equal(d->extra[4].name, "geo");
    assert_string_equal(d->extra[4].value, "{\"lat\":1.5}");

    d = r.docs[1];             /* no id: base name and record number */
    assert_string_equal(d->id, "basic.jsonl:2");
    assert_string_equal(d->title, "No id here");
    assert_true(d->date == 1489480200);
    assert_string_equal(d->source, "");
    assert_string_equal(d->url, "");
    assert_int_equal(d->n_extra, 0);
    assert_null(d->extra);

    d = r.docs[2];
    assert_string_equal(d->id, "42");
    assert_string_equal(d->title, "Caf\xc3\xa9 \xc3\xbc" "ber");
    assert_string_equal(d->body, "badcontrol");   /* \u0001 dropped */
    assert_true(d->date == 1489480200);
    assert_string_equal(extra(d, "mixed"), "[1,\"a\"]");

    d = r.docs[3];
    assert_string_equal(d->id, "a4");
    assert_true(d->date == BL_NO_DATE);
    assert_int_equal(r.n_warnings, 1);
    assert_reported(r.warnings[0], path, 5, "unreadable date");
    assert_non_null(strstr(r.warnings[0], "sometime soon"));
    run_free(&r);
}

/* A byte-order mark and CRLF line ends are tolerated. */
static void jsonl_tolerates_bom_and_crlf(void **state)
{
    run r = read_one(data("bom.jsonl"), BL_FORMAT_AUTO);
    (void)state;

    assert_int_equal(r.n_errors, 0);
    assert_int_equal(r.n_docs, 1);
    assert_string_equal(r.docs[0]->id, "bom");
    assert_string_equal(r.docs[0]->title, "With BOM");
    run_free(&r);
}

/* Truncated JSON, text and a JSON array are each reported with their line;
** the good lines around them are read. */
static void jsonl_reports_bad_lines(void **state)
{
    const char *path = data("bad.jsonl");
    run r = read_one(path, BL_FORMAT_AUTO);
    (void)state;

    assert_int_equal(r.n_docs, 2);
    assert_string_equal(r.docs[0]->id, "g1");
    assert_string_equal(r.docs[1]->id, "g2");
    assert_int_equal(r.n_errors, 3);
    assert_reported(r.errors[0], path, 2, "invalid JSON");
    assert_reported(r.errors[1], path, 3, "invalid JSON");
    assert_reported(r.errors[2], path, 4, "not a JSON object");
    assert_int_equal(atoi(r.errors[0]), BL_EFORMAT);
    run_free(&r);
}

/* Random binary garbage between good lines: never a crash, never invalid
** text in a document, every error names the file and a line, and both
** good records are read. */
static void jsonl_survives_binary_garbage(void **state)
{
    char *dir = fx_tmpdir(), path[4200];
    uint8_t junk[4096];
    fx_rng rng;
    FILE *f;
    run r;
    (void)state;

    fx_rng_seed(&rng, 11);
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)fx_rng_next(&rng);
    snprintf(path, sizeof path, "%s/junk.jsonl", dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs("{\"id\": \"first\"}\n", f);
    fputs("{\"id\": \"latin\", \"title\": \"Sp\xfctter \x93q\x94\"}\n", f);
    fwrite(junk, 1, sizeof junk, f);
    fputs("\n{\"id\": \"last\", \"title\": \"still here\"}\n", f);
    fclose(f);
    r = read_one(path, BL_FORMAT_AUTO);
    assert_true(r.n_docs >= 3);
    assert_string_equal(r.docs[0]->id, "first");
    /* Latin-1 and Windows-1252 bytes are converted, with a warning. */
    assert_string_equal(r.docs[1]->id, "latin");
    assert_string_equal(r.docs[1]->title,
                        "Sp\xc3\xbctter \xe2\x80\x9cq\xe2\x80\x9d");
    assert_true(r.n_warnings >= 1);
    assert_reported(r.warnings[0], path, 2, "Windows-1252");
    assert_string_equal(r.docs[r.n_docs - 1]->id, "last");
    assert_true(r.n_errors >= 1);
    for (size_t i = 0; i < r.n_errors; i++) {
        char want[4300];

        snprintf(want, sizeof want, "%d %s:", BL_EFORMAT, path);
        assert_true(strncmp(r.errors[i], want, strlen(want)) == 0);
    }
    run_free(&r);
    fx_rmtree(dir);
}

/* A 100 MB line is refused cleanly (it is over BL_INGEST_MAX_RECORD),
** while a 20 MB line is read whole; the lines after both are read. */
static void jsonl_handles_huge_lines(void **state)
{
    char *dir = fx_tmpdir(), path[4200];
    size_t chunk = 1 << 20;
    char *fill = malloc(chunk);
    FILE *f;
    run r;
    (void)state;

    assert_non_null(fill);
    memset(fill, 'x', chunk);
    snprintf(path, sizeof path, "%s/huge.jsonl", dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs("{\"id\": \"before\"}\n{\"id\": \"big\", \"body\": \"", f);
    for (int i = 0; i < 100; i++)
        fwrite(fill, 1, chunk, f);
    fputs("\"}\n{\"id\": \"mid\", \"body\": \"", f);
    for (int i = 0; i < 20; i++)
        fwrite(fill, 1, chunk, f);
    fputs("\"}\n{\"id\": \"after\"}\n", f);
    fclose(f);
    free(fill);
    r = read_one(path, BL_FORMAT_AUTO);
    assert_int_equal(r.n_docs, 3);
    assert_string_equal(r.docs[0]->id, "before");
    assert_string_equal(r.docs[1]->id, "mid");
    assert_int_equal(strlen(r.docs[1]->body), 20 << 20);
    assert_string_equal(r.docs[2]->id, "after");
    assert_int_equal(r.n_errors, 1);
    assert_reported(r.errors[0], path, 2, "longer than 64 MiB");
    run_free(&r);
    fx_rmtree(dir);
}

/* ---- Reuters, TREC, TIME, tar ------------------------------------------- */

static void reuters_reads_every_field(void **state)
{
    const char *path = data("reuters.sgm");
    run r = read_one(path, BL_FORMAT_AUTO);
    const bl_doc *d;
    (void)state;

    assert_int_equal(r.n_docs, 4);
    d = r.docs[0];
    assert_string_equal(d->id, "1");
    assert_string_equal(d->title, "BAHIA & COCOA <REVIEW>");
    assert_true(d->date == 541350061);
    assert_string_equal(d->source, "reuters");
    assert_string_equal(d->url, "");
    assert_string_equal(d->lang, "");
    /* Entities decoded, control references dropped, 0xFC as Latin-1. */
    assert_string_equal(d->body,
                        "Showers continued throughout\n"
                        "the week <VIA> in the growth.\n"
                        "Sp\xc3\xbctter said so.\nReuter");
    assert_int_equal(d->n_extra, 4);
    assert_string_equal(extra(d, "topics"), "cocoa, coffee");
    assert_string_equal(extra(d, "places"), "el-salvador, usa");
    assert_string_equal(extra(d, "orgs"), "ico");
    assert_string_equal(extra(d, "dateline"), "SALVADOR, Feb 26 -");
    assert_null(extra(d, "people"));             /* empty lists: no field */

    d = r.docs[1];             /* a brief: the title only */
    assert_string_equal(d->id, "2");
    assert_string_equal(d->title, "BRIEF TITLE ONLY");
    assert_string_equal(d->body, "");
    assert_true(d->date == 541350140);           /* junk after the time */
    assert_string_equal(extra(d, "places"), "usa");

    d = r.docs[2];             /* UNPROC: the text is the body */
    assert_string_equal(d->id, "3");
    assert_string_equal(d->title, "");
    assert_string_equal(d->body, "Unprocessed text line one\nline two");
    assert_true(d->date == BL_NO_DATE);
    assert_int_equal(r.n_warnings, 1);
    assert_reported(r.warnings[0], path, 36, "unreadable date");

    /* NEWID 4 has no </REUTERS>: reported at its opening line, and the
    ** reader resyncs at the next <REUTERS>. */
    assert_int_equal(r.n_errors, 1);
    assert_reported(r.errors[0], path, 43, "not closed");
    d = r.docs[3];
    assert_string_equal(d->id, "5");
    assert_string_equal(d->title, "AFTER THE BROKEN ONE");
    assert_string_equal(d->body, "Still read.");
    assert_string_equal(extra(d, "author"), "by Jane Doe, Reuters");
    run_free(&r);
}

/* A record cut off by the end of the file, and text outside records. */
static void reuters_reports_truncation_and_stray_text(void **state)
{
    char *dir = fx_tmpdir(), path[4200];
    static const char text[] =
        "<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n"
        "garbage \x01\x02 here\nmore garbage\n"
        "<REUTERS NEWID=\"7\"><TEXT><TITLE>OK</TITLE></TEXT></REUTERS>\n"
        "<REUTERS NEWID=\"8\">\n<TEXT><TITLE>CUT</TITLE>\n";
    run r;
    (void)state;

    snprintf(path, sizeof path, "%s/cut.sgm", dir);
    fx_write(path, text, sizeof text - 1);
    r = read_one(path, BL_FORMAT_AUTO);
    assert_int_equal(r.n_docs, 1);
    assert_string_equal(r.docs[0]->id, "7");
    assert_string_equal(r.docs[0]->title, "OK");
    assert_int_equal(r.n_errors, 2);
    assert_reported(r.errors[0], path, 2, "outside");
    assert_reported(r.errors[1], path, 5, "not closed");
    run_free(&r);
    fx_rmtree(dir);
}

static void trec_reads_every_field(void **state)
{
    const char *path = data("la.trec");
    run r = read_one(path, BL_FORMAT_AUTO);
    const bl_doc *d;
    (void)state;

    assert_int_equal(r.n_docs, 4);
    d = r.docs[0];
    assert_string_equal(d->id, "LA010189-0001");
    assert_string_equal(d->title, "STORMS & FLOODS A second line");
    assert_string_equal(d->body,
                        "First paragraph of the\narticle.\n\n"
                        "Second paragraph.");
    assert_true(d->date == 599616000);
    assert_string_equal(d->source, "la");
    assert_int_equal(d->n_extra, 0);

    d = r.docs[1];
    assert_string_equal(d->id, "FT911-1");
    assert_string_equal(d->title,
                        "FT 14 MAY 91 / International Company News");
    assert_string_equal(d->body, "Part one.\n\nPart two.");
    assert_true(d->date == 674179200);
    assert_string_equal(d->source, "ft");

    assert_int_equal(r.n_errors, 1);
    assert_reported(r.errors[0], path, 47, "not closed");
    d = r.docs[2];
    assert_string_equal(d->id, "FBIS3-1");
    assert_string_equal(d->title, "Article Type:BFN");
    assert_true(d->date == 757382400);
    assert_string_equal(d->body, "Read after the broken record.");
    assert_string_equal(d->source, "fbis");

    d = r.docs[3];             /* no DOCNO: a generated id */
    assert_string_equal(d->id, "la.trec:5");
    assert_string_equal(d->source, "trec");
    assert_string_equal(d->body, "No DOCNO at all.");
    assert_int_equal(r.n_warnings, 0);
    run_free(&r);
}

/* A record over BL_INGEST_MAX_RECORD (many ordinary lines) is reported at
** its opening line and dropped without holding it; the next one is read. */
static void trec_skips_oversized_record(void **state)
{
    char *dir = fx_tmpdir(), path[4200];
    static const char line[] = "a line of text that repeats and repeats\n";
    size_t n = (BL_INGEST_MAX_RECORD / (sizeof line - 1)) + 2;
    FILE *f;
    run r;
    (void)state;

    snprintf(path, sizeof path, "%s/big.trec", dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs("<DOC>\n<DOCNO>A</DOCNO>\n</DOC>\n<DOC>\n<DOCNO>BIG</DOCNO>\n"
          "<TEXT>\n", f);
    for (size_t i = 0; i < n; i++)
        fputs(line, f);
    fputs("</TEXT>\n</DOC>\n<DOC>\n<DOCNO>C</DOCNO>\n</DOC>\n", f);
    fclose(f);
    r = read_one(path, BL_FORMAT_AUTO);
    assert_int_equal(r.n_docs, 2);
    assert_string_equal(r.docs[0]->id, "A");
    assert_string_equal(r.docs[1]->id, "C");
    assert_int_equal(r.n_errors, 1);
    assert_reported(r.errors[0], path, 4, "longer than 64 MiB");
    run_free(&r);
    fx_rmtree(dir);
}

static void time_reads_every_field(void **state)
{
    const char *path = data("TIME.ALL");
    run r = read_one(path, BL_FORMAT_AUTO);
    const bl_doc *d;
    (void)state;

    assert_int_equal(r.n_errors, 0);
    assert_int_equal(r.n_docs, 3);
    d = r.docs[0];
    assert_string_equal(d->id, "17");
    assert_string_equal(d->title, "");
    assert_string_equal(d->body, "THE ALLIES AFTER NASSAU IN DECEMBER 1960, "
                        "THE U.S . FIRST PROPOSED TO HELP NATO .");
    assert_true(d->date == -220665600);
    assert_string_equal(d->source, "time");
    assert_int_equal(d->n_extra, 1);
    assert_string_equal(extra(d, "page"), "20");
    d = r.docs[1];             /* "08/30 63" */
    assert_string_equal(d->id, "431");
    assert_true(d->date == -220665600 + 238 * 86400);
    assert_string_equal(d->body, "NUCLEAR GIANTS AS THE SOVIET UNION AND "
                        "THE U.S .");
    d = r.docs[2];
    assert_string_equal(d->id, "432");
    assert_true(d->date == BL_NO_DATE);
    assert_int_equal(r.n_warnings, 1);
    assert_reported(r.warnings[0], path, 15, "13/45/63");
    run_free(&r);
}

/* The tar members' expected documents, as the plain tar gives them. */
static void check_tar(const run *r)
{
    const bl_doc *d;
    char long_id[200];

    assert_int_equal(r->n_errors, 0);
    assert_int_equal(r->n_docs, 3);
    d = r->docs[0];
    assert_string_equal(d->id, "business/001");
    assert_string_equal(d->title, "Markets rally");
    assert_string_equal(d->body, "Shares rose.\n\nBonds fell.");
    assert_string_equal(d->source, "news");
    assert_true(d->date == BL_NO_DATE);
    assert_int_equal(d->n_extra, 1);
    assert_string_equal(extra(d, "category"), "business");
    d = r->docs[1];            /* a Latin-1 pound sign */
    assert_string_equal(d->id, "sport/199");
    assert_string_equal(d->body, "A \xc2\xa3" "15.8m signing.");
    d = r->docs[2];            /* a GNU long name */
    long_id[0] = '\0';
    for (int i = 0; i < 30; i++)
        strcat(long_id, "long");
    strcat(long_id, "/002");
    assert_string_equal(d->id, long_id);
    assert_string_equal(d->title, "Long path");
}

static void tar_reads_members(void **state)
{
    run r = read_one(data("news.tar"), BL_FORMAT_AUTO);
    (void)state;

    check_tar(&r);
    run_free(&r);
}

/* The unpacked tree, read with the format forced, gives the documents
** the tarball gives; README.TXT beside the articles is passed over. */
static void reads_unpacked_text_files(void **state)
{
    char *dir = fx_tmpdir(), path[4200];
    static const char *const folders[] = {"news", "news/business",
                                          "news/sport"};
    static const char a[] = "Markets rally\n\nShares rose.\n\nBonds fell.\n";
    static const char b[] = "Chelsea sack Mutu\n\nA \xa3" "15.8m signing.\n";
    run r, tar;
    (void)state;

    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, folders[i]);
        assert_int_equal(mkdir(path, 0755), 0);
    }
    snprintf(path, sizeof path, "%s/news/README.TXT", dir);
    fx_write(path, "about\n", 6);
    snprintf(path, sizeof path, "%s/news/business/001.txt", dir);
    fx_write(path, a, sizeof a - 1);
    snprintf(path, sizeof path, "%s/news/sport/199.txt", dir);
    fx_write(path, b, sizeof b - 1);
    snprintf(path, sizeof path, "%s/news", dir);
    r = read_one(path, BL_FORMAT_TAR);
    tar = read_one(data("news.tar"), BL_FORMAT_AUTO);
    assert_int_equal(r.n_errors, 0);
    assert_int_equal(r.n_docs, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal(r.docs[i]->id, tar.docs[i]->id);
        assert_string_equal(r.docs[i]->title, tar.docs[i]->title);
        assert_string_equal(r.docs[i]->body, tar.docs[i]->body);
        assert_string_equal(r.docs[i]->source, tar.docs[i]->source);
        assert_string_equal(extra(r.docs[i], "category"),
                            extra(tar.docs[i], "category"));
    }
    run_free(&r);
    run_free(&tar);
    /* Named on its own, a file that is neither is an error. */
    snprintf(path, sizeof path, "%s/notes.md", dir);
    fx_write(path, "about\n", 6);
    r = read_one(path, BL_FORMAT_TAR);
    assert_int_equal(r.n_docs, 0);
    assert_int_equal(r.n_errors, 1);
    assert_reported(r.errors[0], path, 0, "neither a tar");
    run_free(&r);
    fx_rmtree(dir);
}

/* ---- compression, stdin, folders ---------------------------------------- */

static void write_gz(const char *path, const void *p, size_t len,
                     int members)
{
    gzFile g;
    size_t half = len / 2;

    if (members == 1) {
        g = gzopen(path, "wb");
        assert_non_null(g);
        assert_int_equal(gzwrite(g, p, (unsigned)len), (int)len);
        assert_int_equal(gzclose(g), Z_OK);
        return;
    }
    /* Two gzip members, as `cat a.gz b.gz` makes. */
    g = gzopen(path, "wb");
    assert_non_null(g);
    gzwrite(g, p, (unsigned)half);
    gzclose(g);
    g = gzopen(path, "ab");
    assert_non_null(g);
    gzwrite(g, (const char *)p + half, (unsigned)(len - half));
    gzclose(g);
}

static void write_zst(const char *path, const void *p, size_t len)
{
    size_t cap = ZSTD_compressBound(len), n;
    void *out = malloc(cap);

    assert_non_null(out);
    n = ZSTD_compress(out, cap, p, len, 3);
    assert_false(ZSTD_isError(n));
    fx_write(path, out, n);
    free(out);
}

static void assert_same_docs(const run *a, const run *b)
{
    assert_int_equal(a->n_docs, b->n_docs);
    for (size_t i = 0; i < a->n_docs; i++) {
        const bl_doc *x = a->docs[i], *y = b->docs[i];

        assert_string_equal(x->id, y->id);
        assert_string_equal(x->title, y->title);
        assert_string_equal(x->body, y->body);
        assert_true(x->date == y->date);
        assert_int_equal(x->n_extra, y->n_extra);
    }
}

/* .gz (one or two members) and .zst inputs give what the plain file
** gives, whatever the format; a truncated or corrupt one is BL_EIO and
** the next file is still read. */
static void reads_gzip_and_zstd(void **state)
{
    static const char *const names[] = {"basic.jsonl", "reuters.sgm",
                                        "la.trec", "TIME.ALL", "news.tar"};
    char *dir = fx_tmpdir(), sub[4200];
    (void)state;

    for (int k = 0; k < 3; k++) {
        snprintf(sub, sizeof sub, "%s/%c", dir, 'a' + k);
        assert_int_equal(mkdir(sub, 0755), 0);
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char gz[4200], gz2[4200], zst[4200];
        size_t len;
        char *text = fx_slurp(data(names[i]), &len);
        const char *paths[3] = {gz, gz2, zst};
        run plain = read_one(data(names[i]), BL_FORMAT_AUTO);

        assert_non_null(text);
        snprintf(gz, sizeof gz, "%s/a/%s.gz", dir, names[i]);
        snprintf(gz2, sizeof gz2, "%s/b/%s.gz", dir, names[i]);
        snprintf(zst, sizeof zst, "%s/c/%s.zst", dir, names[i]);
        write_gz(gz, text, len, 1);
        write_gz(gz2, text, len, 2);
        write_zst(zst, text, len);
        for (int k = 0; k < 3; k++) {
            run r = read_one(paths[k], BL_FORMAT_AUTO);

            assert_same_docs(&plain, &r);
            assert_int_equal(r.n_errors, plain.n_errors);
            run_free(&r);
        }
        run_free(&plain);
        free(text);
    }
    {
        char bad_gz[4200], bad_zst[4200], good[4200], cut_zst[4200];
        const char *paths[4] = {bad_gz, bad_zst, cut_zst, good};
        size_t len;
        char *packed;
        run r;

        /* Cut the compressed files in half; flip bytes in the middle. */
        snprintf(bad_gz, sizeof bad_gz, "%s/a/basic.jsonl.gz", dir);
        snprintf(bad_zst, sizeof bad_zst, "%s/c/basic.jsonl.zst", dir);
        snprintf(good, sizeof good, "%s/b/basic.jsonl.gz", dir);
        packed = fx_slurp(bad_gz, &len);
        fx_write(bad_gz, packed, len / 2);
        free(packed);
        packed = fx_slurp(bad_zst, &len);
        snprintf(cut_zst, sizeof cut_zst, "%s/c/cut.jsonl.zst", dir);
        fx_write(cut_zst, packed, len / 2);
        for (size_t k = 12; k < len - 4; k += 3)
            packed[k] = (char)~packed[k];
        fx_write(bad_zst, packed, len);
        free(packed);
        r = read_all(paths, 4, BL_FORMAT_AUTO);
        assert_true(r.n_errors >= 3);
        assert_true(has_error(&r, BL_EIO, cut_zst, "truncated zstd data"));
        assert_true(has_error(&r, BL_EIO, bad_gz, "truncated gzip data"));
        assert_true(has_error(&r, BL_EIO, bad_zst, "zstd data"));
        assert_true(r.n_docs >= 4);
        assert_string_equal(r.docs[r.n_docs - 4]->id, "a1");
        assert_string_equal(r.docs[r.n_docs - 1]->id, "a4");
        run_free(&r);
    }
    fx_rmtree(dir);
}

/* The BBC-style tarball compressed with zstd, as the corpus ships. */
static void reads_tar_zst(void **state)
{
    char *dir = fx_tmpdir(), path[4200];
    size_t len;
    char *tar = fx_slurp(data("news.tar"), &len);
    run r;
    (void)state;

    snprintf(path, sizeof path, "%s/news.tar.zst", dir);
    write_zst(path, tar, len);
    r = read_one(path, BL_FORMAT_AUTO);
    check_tar(&r);
    run_free(&r);
    /* A truncated archive is reported; the members before it are read. */
    fx_write(path, tar, 5 * 512 + 100);
    r = read_one(path, BL_FORMAT_TAR);
    assert_int_equal(r.n_docs, 1);
    assert_int_equal(r.n_errors, 1);
    assert_non_null(strstr(r.errors[0], "truncated tar"));
    run_free(&r);
    free(tar);
    fx_rmtree(dir);
}

/* "-" reads standard input, sniffing the format (and decompressing). */
static void reads_stdin(void **state)
{
    char *dir = fx_tmpdir(), path[4200];
    size_t len;
    char *text = fx_slurp(data("reuters.sgm"), &len);
    int saved = dup(STDIN_FILENO), fd;
    const char *dash = "-";
    run r;
    (void)state;

    snprintf(path, sizeof path, "%s/in.gz", dir);
    write_gz(path, text, len, 1);
    free(text);
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0 && saved >= 0);
    dup2(fd, STDIN_FILENO);
    close(fd);
    r = read_all(&dash, 1, BL_FORMAT_AUTO);
    dup2(saved, STDIN_FILENO);
    close(saved);
    assert_int_equal(r.n_docs, 4);
    assert_string_equal(r.docs[0]->title, "BAHIA & COCOA <REVIEW>");
    assert_int_equal(r.bytes_total, 0);          /* unknown for stdin */
    assert_true(r.bytes_read > 0);
    assert_int_equal(r.n_errors, 1);
    assert_reported(r.errors[0], "-", 43, "not closed");
    run_free(&r);
    fx_rmtree(dir);
}

static void put_doc(const char *dir, const char *rel, const char *id)
{
    char path[4200], text[256];

    snprintf(path, sizeof path, "%s/%s", dir, rel);
    snprintf(text, sizeof text, "{\"id\": \"%s\"}\n", id);
    fx_write(path, text, strlen(text));
}

/* Folders are walked recursively in sorted order; hidden entries and files
** of no known format are passed over; a missing path is BL_EIO and the
** rest is read. */
static void walks_folders_in_order(void **state)
{
    char *dir = fx_tmpdir(), sub[4200], missing[4200];
    static const char *const folders[] = {"b", "a", "a/sub", ".hidden"};
    const char *paths[3];
    run r;
    (void)state;

    for (size_t i = 0; i < 4; i++) {
        snprintf(sub, sizeof sub, "%s/%s", dir, folders[i]);
        assert_int_equal(mkdir(sub, 0755), 0);
    }
    put_doc(dir, "z.jsonl", "z");
    put_doc(dir, "b/2.jsonl", "b2");
    put_doc(dir, "a/sub/0.jsonl", "asub0");
    put_doc(dir, "a/1.jsonl", "a1");
    put_doc(dir, "a/10.jsonl", "a10");
    put_doc(dir, "a/.h.jsonl", "hidden-file");
    put_doc(dir, ".hidden/x.jsonl", "hidden-dir");
    snprintf(sub, sizeof sub, "%s/a/notes.md", dir);
    fx_write(sub, "# notes\n", 8);
    snprintf(missing, sizeof missing, "%s/missing.jsonl", dir);
    paths[0] = missing;
    paths[1] = dir;
    paths[2] = data("bom.jsonl");
    r = read_all(paths, 3, BL_FORMAT_AUTO);
    assert_int_equal(r.n_errors, 1);
    assert_int_equal(atoi(r.errors[0]), BL_EIO);
    assert_reported(r.errors[0], missing, 0, "No such file");
    assert_int_equal(r.n_docs, 6);
    assert_string_equal(r.docs[0]->id, "a1");
    assert_string_equal(r.docs[1]->id, "a10");
    assert_string_equal(r.docs[2]->id, "asub0");
    assert_string_equal(r.docs[3]->id, "b2");
    assert_string_equal(r.docs[4]->id, "z");
    assert_string_equal(r.docs[5]->id, "bom");
    /* Progress ends at the total, skipped files included. */
    assert_true(r.bytes_total > 0);
    assert_true(r.bytes_read == r.bytes_total);
    run_free(&r);
    fx_rmtree(dir);
}

/* A file named on its own whose format cannot be told is an error; with a
** forced format it is read as that format. */
static void unknown_format_needs_forcing(void **state)
{
    char *dir = fx_tmpdir(), path[4200];
    run r;
    (void)state;

    snprintf(path, sizeof path, "%s/articles.dat", dir);
    fx_write(path, "\n  {\"id\": \"sniffed\"}\n", 21);
    r = read_one(path, BL_FORMAT_AUTO);          /* sniffed: '{' first */
    assert_int_equal(r.n_docs, 1);
    run_free(&r);
    fx_write(path, "*TEXT 5 01/01/63 PAGE 1\nTEXT\n", 29);
    r = read_one(path, BL_FORMAT_AUTO);
    assert_int_equal(r.n_docs, 1);
    assert_string_equal(r.docs[0]->source, "time");
    run_free(&r);
    fx_write(path, "plain words\n", 12);
    r = read_one(path, BL_FORMAT_AUTO);
    assert_int_equal(r.n_docs, 0);
    assert_int_equal(r.n_errors, 1);
    assert_reported(r.errors[0], path, 0, "cannot tell the format");
    run_free(&r);
    fx_write(path, "<DOC><DOCNO>X1</DOCNO></DOC>\n", 29);
    r = read_one(path, BL_FORMAT_TREC);
    assert_int_equal(r.n_docs, 1);
    assert_string_equal(r.docs[0]->id, "X1");
    run_free(&r);
    fx_rmtree(dir);
}

/* Mutated fixtures of every format (bytes flipped, markup characters
** and newlines thrown in, cut short): the readers never crash, every
** document they return is clean UTF-8 with an id, and every failure is an
** error that names the file. */
static void survives_mutated_inputs(void **state)
{
    static const char *const names[] = {"basic.jsonl", "reuters.sgm",
                                        "la.trec", "TIME.ALL", "news.tar"};
    static const char marks[] = "<>&;#/\n\"{}[]:,\x00\xff\xc3";
    char *dir = fx_tmpdir();
    fx_rng rng;
    (void)state;

    fx_rng_seed(&rng, 3);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[4200];
        size_t len;
        char *orig = fx_slurp(data(names[i]), &len);

        assert_non_null(orig);
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        for (int round = 0; round < 150; round++) {
            char *buf = malloc(len);
            size_t n = len, edits = 1 + fx_rng_below(&rng, 8);
            run r;

            assert_non_null(buf);
            memcpy(buf, orig, len);
            for (size_t k = 0; k < edits; k++) {
                size_t at = fx_rng_below(&rng, n);

                if (fx_rng_below(&rng, 2) == 0)
                    buf[at] = (char)fx_rng_next(&rng);
                else
                    buf[at] = marks[fx_rng_below(&rng, sizeof marks - 1)];
            }
            if (fx_rng_below(&rng, 4) == 0)
                n = fx_rng_below(&rng, n + 1);
            fx_write(path, buf, n);
            r = read_one(path, BL_FORMAT_AUTO);
            for (size_t k = 0; k < r.n_errors; k++)
                assert_non_null(strstr(r.errors[k], path));
            run_free(&r);
            free(buf);
        }
        free(orig);
    }
    fx_rmtree(dir);
}

static void parses_format_names(void **state)
{
    bl_format f;
    bl_ingest *in;
    const bl_doc *d;
    (void)state;

    assert_int_equal(bl_format_parse("jsonl", &f), BL_OK);
    assert_int_equal(f, BL_FORMAT_JSONL);
    assert_int_equal(bl_format_parse("REUTERS", &f), BL_OK);
    assert_int_equal(f, BL_FORMAT_REUTERS);
    assert_int_equal(bl_format_parse("trec", &f), BL_OK);
    assert_int_equal(f, BL_FORMAT_TREC);
    assert_int_equal(bl_format_parse("time", &f), BL_OK);
    assert_int_equal(f, BL_FORMAT_TIME);
    assert_int_equal(bl_format_parse("bbc", &f), BL_OK);
    assert_int_equal(f, BL_FORMAT_TAR);
    assert_int_equal(bl_format_parse("auto", &f), BL_OK);
    assert_int_equal(f, BL_FORMAT_AUTO);
    assert_int_equal(bl_format_parse("xml", &f), BL_EINVAL);
    assert_int_equal(bl_format_parse(NULL, &f), BL_EINVAL);
    /* No inputs at all: done at once. */
    assert_int_equal(bl_ingest_open(NULL, 0, BL_FORMAT_AUTO, &in), BL_OK);
    assert_int_equal(bl_ingest_next(in, &d), BL_DONE);
    assert_string_equal(bl_ingest_error(in), "");
    bl_ingest_close(in);
    bl_ingest_close(NULL);
    assert_int_equal(bl_ingest_open(NULL, 0, (bl_format)99, &in), BL_EINVAL);
    assert_null(in);
}

/* ---- the real corpora ------------------------------------------------- */

static void reads_real_reuters(void **state)
{
    const char *dir = fx_corpus("reuters21578/reut2-000.sgm");
    char *copy;
    bool seen[21579] = {false};
    const bl_doc *d;
    char buf[32];
    run r;
    (void)state;

    if (dir == NULL)
        FX_SKIP("../shared/corpus/reuters21578 is absent");
    copy = strdup(fx_corpus("reuters21578"));
    r = read_one(copy, BL_FORMAT_AUTO);
    free(copy);
    assert_int_equal(r.n_errors, 0);
    assert_int_equal(r.n_docs, 21578);
    for (size_t i = 0; i < r.n_docs; i++) {
        long id = atol(r.docs[i]->id);

        assert_true(id >= 1 && id <= 21578 && !seen[id]);
        seen[id] = true;
        assert_string_equal(r.docs[i]->source, "reuters");
    }
    d = by_id(&r, "1");
    assert_string_equal(d->title, "BAHIA COCOA REVIEW");
    assert_string_equal(bl_date_format(d->date, buf, sizeof buf),
                        "1987-02-26T15:01:01Z");
    assert_string_equal(extra(d, "topics"), "cocoa");
    assert_string_equal(extra(d, "places"), "el-salvador, usa, uruguay");
    assert_true(strncmp(d->body, "Showers continued throughout the week in\n"
                        "the Bahia cocoa zone", 60) == 0);
    d = by_id(&r, "17980");
    assert_non_null(strstr(d->body, "economic growth.\xc3\xbcside measures"));
    /* The one date that cannot be read: "31-MAR-1987 605:12:19.12". */
    assert_int_equal(r.n_warnings, 1);
    assert_non_null(strstr(r.warnings[0], "605:12:19.12"));
    run_free(&r);
}

static void reads_real_time(void **state)
{
    const char *path = fx_corpus("time/TIME.ALL");
    run r;
    (void)state;

    if (path == NULL)
        FX_SKIP("../shared/corpus/time is absent");
    r = read_one(path, BL_FORMAT_AUTO);
    assert_int_equal(r.n_errors, 0);
    assert_int_equal(r.n_warnings, 0);
    assert_int_equal(r.n_docs, 423);
    assert_string_equal(r.docs[0]->id, "17");
    assert_string_equal(r.docs[422]->id, "563");
    for (size_t i = 0; i < r.n_docs; i++) {
        /* Every article is dated in 1963. */
        assert_true(r.docs[i]->date >= -220924800 &&
                    r.docs[i]->date < -189388800);
        assert_true(r.docs[i]->body[0] != '\0');
    }
    run_free(&r);
}

static void reads_real_bbc(void **state)
{
    const char *path = fx_corpus("bbc/bbc-fulltext.tar.zst");
    static const char *const cats[5] = {"business", "entertainment",
                                        "politics", "sport", "tech"};
    static const size_t want[5] = {510, 386, 417, 511, 401};
    size_t count[5] = {0};
    const bl_doc *d;
    run r;
    (void)state;

    if (path == NULL)
        FX_SKIP("../shared/corpus/bbc is absent");
    r = read_one(path, BL_FORMAT_AUTO);
    assert_int_equal(r.n_errors, 0);
    assert_int_equal(r.n_docs, 2225);
    for (size_t i = 0; i < r.n_docs; i++) {
        const char *c = extra(r.docs[i], "category");

        assert_non_null(c);
        assert_string_equal(r.docs[i]->source, "bbc");
        for (int k = 0; k < 5; k++)
            count[k] += strcmp(c, cats[k]) == 0;
    }
    for (int k = 0; k < 5; k++)
        assert_int_equal(count[k], want[k]);
    d = by_id(&r, "business/001");
    assert_string_equal(d->title, "Ad sales boost Time Warner profit");
    d = by_id(&r, "sport/199");                 /* the Latin-1 0xA3 */
    assert_non_null(strstr(d->body, "\xc2\xa3" "15.8m"));
    run_free(&r);
}

/* ing_clean without flags on ASCII keeps every byte but control
** characters (\t and \n stay, \r goes, \f and \v become spaces), and trims
** leading and trailing whitespace; with ING_ONELINE each whitespace run is
** one space: checked on random text of words,
** single and double spaces, newlines, markup characters and controls, at
** every length around the 16-byte steps of its plain runs. */
static void clean_keeps_plain_runs(void **state)
{
    static const char *const pieces[] = {
        "a", "Zz", "word", "1987", ".", ",", " ", "  ", "\n", "\t", "\r",
        "<", "&", "\x01", "\x7f", "\f", "~", "!", "abcdefghijklmnop"};
    fx_rng rng;
    bl_arena arena;
    (void)state;

    fx_rng_seed(&rng, 5);
    bl_arena_init(&arena, 0);
    for (int round = 0; round < 20000; round++) {
        char in[256], want[256];
        size_t n = 0, target = (size_t)fx_rng_below(&rng, 70), w = 0;
        const char *got;

        while (n < target) {
            const char *piece = pieces[fx_rng_below(&rng, 19)];
            size_t k = strlen(piece);

            if (n + k >= sizeof in)
                break;
            memcpy(in + n, piece, k);
            n += k;
        }
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)in[i];

            if (c == '\f')
                c = ' ';
            if ((c < 0x20 && c != '\t' && c != '\n' && c != ' ') ||
                c == 0x7f)
                continue;
            if (w == 0 && (c == ' ' || c == '\t' || c == '\n'))
                continue;
            want[w++] = (char)c;
        }
        while (w > 0 && (want[w - 1] == ' ' || want[w - 1] == '\t' ||
                         want[w - 1] == '\n'))
            w--;
        want[w] = '\0';
        got = ing_clean(&arena, (const uint8_t *)in, n, 0);
        assert_non_null(got);
        if (strcmp(got, want) != 0)
            fail_msg("round %d: '%.*s' cleaned to '%s', not '%s'", round,
                     (int)n, in, got, want);
        /* ING_ONELINE: each run of whitespace (controls dropped first)
        ** becomes one space. */
        for (size_t i = 0, k = 0; i <= w; i++) {
            bool ws = i < w && (want[i] == ' ' || want[i] == '\t' ||
                                want[i] == '\n');

            if (!ws)
                want[k++] = want[i];
            else if (k > 0 && want[k - 1] != ' ')
                want[k++] = ' ';
        }
        got = ing_clean(&arena, (const uint8_t *)in, n, ING_ONELINE);
        assert_non_null(got);
        if (strcmp(got, want) != 0)
            fail_msg("round %d: '%.*s' cleaned to one line '%s', not '%s'",
                     round, (int)n, in, got, want);
        bl_arena_reset(&arena);
    }
    bl_arena_free(&arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_keeps_plain_runs),
        cmocka_unit_test(jsonl_reads_every_field),
        cmocka_unit_test(jsonl_tolerates_bom_and_crlf),
        cmocka_unit_test(jsonl_reports_bad_lines),
        cmocka_unit_test(jsonl_survives_binary_garbage),
        cmocka_unit_test(jsonl_handles_huge_lines),
        cmocka_unit_test(reuters_reads_every_field),
        cmocka_unit_test(reuters_reports_truncation_and_stray_text),
        cmocka_unit_test(trec_reads_every_field),
        cmocka_unit_test(trec_skips_oversized_record),
        cmocka_unit_test(time_reads_every_field),
        cmocka_unit_test(tar_reads_members),
        cmocka_unit_test(reads_unpacked_text_files),
        cmocka_unit_test(reads_gzip_and_zstd),
        cmocka_unit_test(reads_tar_zst),
        cmocka_unit_test(reads_stdin),
        cmocka_unit_test(walks_folders_in_order),
        cmocka_unit_test(unknown_format_needs_forcing),
        cmocka_unit_test(survives_mutated_inputs),
        cmocka_unit_test(parses_format_names),
        cmocka_unit_test(reads_real_reuters),
        cmocka_unit_test(reads_real_time),
        cmocka_unit_test(reads_real_bbc),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
