/* reuters.c - Reuters-21578 SGML: one document per <REUTERS ...> record,
** NEWID as id, TITLE, BODY and DATE, the category lists (TOPICS, PLACES,
** PEOPLE, ORGS, EXCHANGES, COMPANIES) as extra fields with their <D> values
** joined by ", ", DATELINE and AUTHOR as extra fields; source "reuters".
** A brief without BODY keeps its TITLE only; an UNPROC text without TITLE
** or BODY becomes the body. Invariant: the record's bytes are never trusted
** (entities decoded, control references dropped, Latin-1 bytes converted)
** and empty lists add no field.
*/
#include <string.h>

#include "ingest/ingest.h"

/* The <D> values of a category element joined by ", ", as an extra field
** named name; nothing when the list is empty or absent. */
static int category(bl_ingest *in, const uint8_t *p, size_t len,
                    const char *tag, const char *name)
{
    size_t s, e, at;
    bl_buf joined = BL_BUF_INIT;
    int rc = BL_OK;

    if (ing_elem(p, len, tag, &s, &e) != BL_OK)
        return BL_OK;
    at = s;
    while (at < e) {
        size_t ds, de;

        if (ing_elem(p + at, e - at, "D", &ds, &de) != BL_OK)
            break;
        if (joined.len > 0)
            bl_buf_append(&joined, ", ", 2);
        bl_buf_append(&joined, p + at + ds, de - ds);
        at += de + 1;
    }
    if (joined.rc != BL_OK)
        rc = joined.rc;
    else if (joined.len > 0)
        rc = ing_doc_extra(in, name, joined.p, joined.len,
                           ING_ENTITIES | ING_ONELINE);
    bl_buf_free(&joined);
    return rc;
}

/* The length of a DATE's "DD-MON-YYYY HH:MM:SS.ff" without the junk that
** some records carry after it ("13:46:59.98C T", "00:00:00.00  # date
** added by S Finch as guesswork"): up to the end of the second word, and
** within it up to the last digit. */
static size_t date_len(const uint8_t *p, size_t len)
{
    size_t i = 0;

    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n'))
        i++;
    while (i < len && p[i] != ' ' && p[i] != '\t')
        i++;                   /* the day */
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    while (i < len && ((p[i] >= '0' && p[i] <= '9') || p[i] == ':' ||
                       p[i] == '.'))
        i++;                   /* the time */
    return i;
}

int ing_reuters_next(bl_ingest *in)
{
    static const char *const lists[][2] = {
        {"TOPICS", "topics"}, {"PLACES", "places"}, {"PEOPLE", "people"},
        {"ORGS", "orgs"}, {"EXCHANGES", "exchanges"},
        {"COMPANIES", "companies"}};
    const uint8_t *p, *text;
    size_t len, s, e, text_len = 0, head;
    const uint8_t *gt;
    bool has_text, has_title, has_body;
    int rc = ing_scan_record(in, "<REUTERS", "</REUTERS>", NULL);

    if (rc != BL_OK)
        return rc;
    ing_doc_reset(in);
    p = in->scan.rec.p;
    len = in->scan.rec.len;
    gt = memchr(p, '>', len);
    head = gt != NULL ? (size_t)(gt - p) : len;
    if (ing_attr(p, head, "NEWID", &s, &e) == BL_OK)
        rc = ing_doc_set(in, &in->doc.id, p + s, e - s, ING_ONELINE);
    if (rc == BL_OK)
        rc = ing_doc_set(in, &in->doc.source, "reuters", 7, 0);
    if (rc == BL_OK && ing_elem(p, len, "DATE", &s, &e) == BL_OK)
        rc = ing_doc_date(in, p + s, date_len(p + s, e - s), ING_ENTITIES,
                          in->scan.rec_line);
    for (size_t i = 0; i < 6 && rc == BL_OK; i++)
        rc = category(in, p, len, lists[i][0], lists[i][1]);
    has_text = ing_elem(p, len, "TEXT", &s, &e) == BL_OK;
    text = p + s;
    text_len = has_text ? e - s : 0;
    has_title = has_text && ing_elem(text, text_len, "TITLE", &s, &e) ==
                                BL_OK;
    if (rc == BL_OK && has_title)
        rc = ing_doc_set(in, &in->doc.title, text + s, e - s,
                         ING_ENTITIES | ING_ONELINE);
    if (rc == BL_OK && has_text &&
        ing_elem(text, text_len, "DATELINE", &s, &e) == BL_OK)
        rc = ing_doc_extra(in, "dateline", text + s, e - s,
                           ING_ENTITIES | ING_ONELINE);
    if (rc == BL_OK && has_text &&
        ing_elem(text, text_len, "AUTHOR", &s, &e) == BL_OK)
        rc = ing_doc_extra(in, "author", text + s, e - s,
                           ING_ENTITIES | ING_ONELINE);
    has_body = has_text && ing_elem(text, text_len, "BODY", &s, &e) == BL_OK;
    if (rc == BL_OK && has_body)
        rc = ing_doc_set(in, &in->doc.body, text + s, e - s,
                         ING_ENTITIES | ING_PARAS);
    else if (rc == BL_OK && has_text && !has_title)
        rc = ing_doc_set(in, &in->doc.body, text, text_len,
                         ING_TAGS | ING_ENTITIES | ING_PARAS);
    if (rc == BL_OK)
        rc = ing_doc_finish(in);
    return rc;
}
