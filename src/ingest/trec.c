/* trec.c - TREC <DOC> files as on the TREC news disks: DOCNO as id, the
** first of HEADLINE, TITLE, HL, HEAD as title, every TEXT element joined as
** body, the first of DATE, DATE_TIME, DATE1, DD as date; inner tags such as
** <P> are dropped and entities decoded. The source is the DOCNO's leading
** letters in lower case ("LA010189-0001" -> "la", "FT911-1" -> "ft"), or
** "trec" when it has none. Invariant: a <DOC> without </DOC> is reported
** and skipped; the next <DOC> is read.
*/
#include <string.h>

#include "ingest/ingest.h"

#define TEXT_FLAGS (ING_TAGS | ING_ENTITIES)

/* Set *field from the first of tags found in p[0..len). */
static int first_of(bl_ingest *in, const uint8_t *p, size_t len,
                    const char *const *tags, const char **field,
                    unsigned flags, bool *found)
{
    size_t s, e;

    *found = false;
    for (size_t i = 0; tags[i] != NULL; i++) {
        if (ing_elem(p, len, tags[i], &s, &e) == BL_OK) {
            *found = true;
            if (field == NULL)
                return ing_doc_date(in, p + s, e - s, flags,
                                    in->scan.rec_line);
            return ing_doc_set(in, field, p + s, e - s, flags);
        }
    }
    return BL_OK;
}

/* The DOCNO's leading letters, lower-cased, as the source. */
static int source_of(bl_ingest *in)
{
    const char *id = in->doc.id;
    char src[16];
    size_t n = 0;

    while (n < sizeof src - 1 && ((id[n] >= 'A' && id[n] <= 'Z') ||
                                  (id[n] >= 'a' && id[n] <= 'z'))) {
        src[n] = (char)(id[n] | 0x20);
        n++;
    }
    if (n == 0 || n == sizeof src - 1)
        return ing_doc_set(in, &in->doc.source, "trec", 4, 0);
    return ing_doc_set(in, &in->doc.source, src, n, 0);
}

int ing_trec_next(bl_ingest *in)
{
    static const char *const titles[] = {"HEADLINE", "TITLE", "HL", "HEAD",
                                         NULL};
    static const char *const dates[] = {"DATE", "DATE_TIME", "DATE1", "DD",
                                        NULL};
    static const char *const ids[] = {"DOCNO", NULL};
    const uint8_t *p;
    size_t len, at = 0, s, e;
    bl_buf body = BL_BUF_INIT;
    bool found;
    int rc = ing_scan_record(in, "<DOC>", "</DOC>", NULL);

    if (rc != BL_OK)
        return rc;
    ing_doc_reset(in);
    p = in->scan.rec.p;
    len = in->scan.rec.len;
    rc = first_of(in, p, len, ids, &in->doc.id, TEXT_FLAGS | ING_ONELINE,
                  &found);
    if (rc == BL_OK)
        rc = first_of(in, p, len, titles, &in->doc.title,
                      TEXT_FLAGS | ING_ONELINE, &found);
    if (rc == BL_OK)
        rc = first_of(in, p, len, dates, NULL, TEXT_FLAGS, &found);
    while (rc == BL_OK && at < len &&
           ing_elem(p + at, len - at, "TEXT", &s, &e) == BL_OK) {
        if (body.len > 0)
            bl_buf_append(&body, "\n\n", 2);
        bl_buf_append(&body, p + at + s, e - s);
        at += e + 1;
    }
    if (rc == BL_OK)
        rc = body.rc;
    if (rc == BL_OK)
        rc = ing_doc_set(in, &in->doc.body, body.p != NULL ? body.p
                         : (const uint8_t *)"", body.len,
                         TEXT_FLAGS | ING_PARAS);
    bl_buf_free(&body);
    if (rc == BL_OK && in->doc.id != NULL)
        rc = source_of(in);
    else if (rc == BL_OK)
        rc = ing_doc_set(in, &in->doc.source, "trec", 4, 0);
    if (rc == BL_OK)
        rc = ing_doc_finish(in);
    return rc;
}
