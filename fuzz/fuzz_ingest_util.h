/* fuzz_ingest_util.h - the body of the ingest fuzz targets: write the
** input to a file, read it with bl_ingest in a forced format, and check
** every document against the contract of byline.h: all strings present,
** valid UTF-8 without NUL; a clone equal to the original; the reader
** always makes progress (a bounded number of calls ends in BL_DONE).
*/
#ifndef BL_FUZZ_INGEST_UTIL_H
#define BL_FUZZ_INGEST_UTIL_H

#include "byline.h"
#include "fuzz_util.h"

static inline void fuzz_check_doc(const bl_doc *d)
{
    bl_doc *c;
    char date[32];

    FUZZ_CHECK(d != NULL, "NULL document");
    FUZZ_CHECK(fuzz_str_ok(d->id), "id");
    FUZZ_CHECK(d->id[0] != '\0', "empty id");
    FUZZ_CHECK(fuzz_str_ok(d->title), "title");
    FUZZ_CHECK(fuzz_str_ok(d->body), "body");
    FUZZ_CHECK(fuzz_str_ok(d->source), "source");
    FUZZ_CHECK(fuzz_str_ok(d->url), "url");
    FUZZ_CHECK(fuzz_str_ok(d->lang), "lang");
    FUZZ_CHECK(d->n_extra == 0 || d->extra != NULL, "extra");
    for (size_t i = 0; i < d->n_extra; i++) {
        FUZZ_CHECK(fuzz_str_ok(d->extra[i].name), "extra %zu name", i);
        FUZZ_CHECK(fuzz_str_ok(d->extra[i].value), "extra %zu value", i);
    }
    bl_date_format(d->date, date, sizeof date);
    FUZZ_CHECK(fuzz_str_ok(date), "date %lld", (long long)d->date);

    c = bl_doc_clone(d);
    FUZZ_CHECK(c != NULL, "clone");
    FUZZ_CHECK(strcmp(c->id, d->id) == 0 && strcmp(c->title, d->title) == 0
               && strcmp(c->body, d->body) == 0 &&
               strcmp(c->source, d->source) == 0 &&
               strcmp(c->url, d->url) == 0 &&
               strcmp(c->lang, d->lang) == 0 && c->date == d->date &&
               c->n_extra == d->n_extra, "clone differs");
    for (size_t i = 0; i < d->n_extra; i++)
        FUZZ_CHECK(strcmp(c->extra[i].name, d->extra[i].name) == 0 &&
                   strcmp(c->extra[i].value, d->extra[i].value) == 0,
                   "clone extra %zu differs", i);
    bl_doc_free(c);
}

/* Read the file name in the scratch folder, holding data, as fmt. */
static inline void fuzz_ingest(const char *name, bl_format fmt,
                               const uint8_t *data, size_t size)
{
    const char *path = fuzz_write(name, data, size);
    const char *paths[1] = {path};
    bl_ingest *in;
    const bl_doc *doc;
    size_t calls = 0, limit = 2 * size + 16;
    int rc;

    rc = bl_ingest_open(paths, 1, fmt, &in);
    FUZZ_CHECK(rc == BL_OK, "open: %s", bl_strerror(rc));
    for (;;) {
        rc = bl_ingest_next(in, &doc);
        FUZZ_CHECK(++calls <= limit, "no progress after %zu calls", calls);
        FUZZ_CHECK(fuzz_str_ok(bl_ingest_error(in)), "error message");
        FUZZ_CHECK(fuzz_str_ok(bl_ingest_warning(in)), "warning message");
        if (rc == BL_DONE)
            break;
        if (rc == BL_OK) {
            fuzz_check_doc(doc);
            continue;
        }
        FUZZ_CHECK(rc == BL_EFORMAT || rc == BL_EIO || rc == BL_ELIMIT,
                   "unexpected %d %s", rc, bl_strerror(rc));
        FUZZ_CHECK(bl_ingest_error(in)[0] != '\0', "error without message");
    }
    FUZZ_CHECK(bl_ingest_bytes_read(in) <= size, "read %llu of %zu bytes",
               (unsigned long long)bl_ingest_bytes_read(in), size);
    bl_ingest_close(in);
}

#endif
