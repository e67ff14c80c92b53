/* time.c - the TIME collection (TIME.ALL, Time magazine 1963): records
** begin with a header line "*TEXT <num> <mm/dd/yy> PAGE <page>" (spacing
** varies; one header reads "08/30 63") and run to the next header or the
** closing "*STOP". The id is the TEXT number without leading zeros, the
** date comes from the header, the page is an extra field, the body is the
** record's text with its double-spaced lines joined; source "time", no
** title. Invariant: an unreadable header date is a warning, never a lost
** article.
*/
#include <stdio.h>
#include <string.h>

#include "ingest/ingest.h"

/* The next blank-separated word of p[*at..len). */
static bool word(const uint8_t *p, size_t len, size_t *at, size_t *s,
                 size_t *e)
{
    while (*at < len && (p[*at] == ' ' || p[*at] == '\t'))
        (*at)++;
    *s = *at;
    while (*at < len && p[*at] != ' ' && p[*at] != '\t')
        (*at)++;
    *e = *at;
    return *e > *s;
}

int ing_time_next(bl_ingest *in)
{
    const uint8_t *p, *nl;
    size_t len, head, at = 5, s, e;
    char date[32];
    size_t date_len = 0;
    bool page = false;
    int rc = ing_scan_record(in, "*TEXT", NULL, "*STOP");

    if (rc != BL_OK)
        return rc;
    ing_doc_reset(in);
    p = in->scan.rec.p;
    len = in->scan.rec.len;
    nl = memchr(p, '\n', len);
    head = nl != NULL ? (size_t)(nl - p) : len;
    if (word(p, head, &at, &s, &e)) {
        while (s + 1 < e && p[s] == '0')
            s++;
        rc = ing_doc_set(in, &in->doc.id, p + s, e - s, ING_ONELINE);
    }
    /* Date words up to PAGE: "01/04/63", or "08/30" "63". */
    while (rc == BL_OK && word(p, head, &at, &s, &e)) {
        if (e - s == 4 && memcmp(p + s, "PAGE", 4) == 0) {
            page = true;
            break;
        }
        if (date_len + (e - s) + 2 < sizeof date) {
            if (date_len > 0 && date[date_len - 1] != '/')
                date[date_len++] = '/';
            memcpy(date + date_len, p + s, e - s);
            date_len += e - s;
        }
    }
    if (rc == BL_OK && date_len > 0)
        rc = ing_doc_date(in, date, date_len, 0, in->scan.rec_line);
    if (rc == BL_OK && page && word(p, head, &at, &s, &e)) {
        while (s + 1 < e && p[s] == '0')
            s++;
        rc = ing_doc_extra(in, "page", p + s, e - s, ING_ONELINE);
    }
    if (rc == BL_OK)
        rc = ing_doc_set(in, &in->doc.body, p + head, len - head,
                         ING_ONELINE);
    if (rc == BL_OK)
        rc = ing_doc_set(in, &in->doc.source, "time", 4, 0);
    if (rc == BL_OK)
        rc = ing_doc_finish(in);
    return rc;
}
