/* sgml.c - the tolerant scanner under the Reuters, TREC and TIME readers:
** it cuts a file into records by their opening and closing lines and finds
** elements and attributes inside a record without an SGML parser (the real
** files are not well-formed: raw '>' in text, unclosed tags, stray bytes).
** Invariant: a record that is not closed is reported with the line of its
** opening tag and dropped, and scanning resumes at the next opening tag,
** which is never lost.
*/
#include <string.h>
#include <strings.h>

#include "ingest/ingest.h"

static bool is_blank(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Does the line begin (after blanks) with s, followed by a non-name
** character? */
static bool begins(const uint8_t *p, size_t len, const char *s)
{
    size_t n = strlen(s), i = 0;

    while (i < len && is_blank(p[i]))
        i++;
    if (len - i < n || memcmp(p + i, s, n) != 0)
        return false;
    i += n;
    return i == len || !((p[i] >= 'A' && p[i] <= 'Z') ||
                         (p[i] >= 'a' && p[i] <= 'z') ||
                         (p[i] >= '0' && p[i] <= '9') || p[i] == '_');
}

/* The first occurrence of s[0..n) (which begins with '<') in p[0..len),
** or NULL. Faster than memmem here: '<' is rare in these texts. */
static const uint8_t *find_tag(const uint8_t *p, size_t len, const char *s,
                               size_t n)
{
    const uint8_t *end = p + len;

    while ((size_t)(end - p) >= n) {
        p = memchr(p, '<', (size_t)(end - p) - n + 1);
        if (p == NULL)
            return NULL;
        if (memcmp(p, s, n) == 0)
            return p;
        p++;
    }
    return NULL;
}

static bool all_blank(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!is_blank(p[i]))
            return false;
    }
    return true;
}

/* A "<!DOCTYPE ...>" or other declaration line, not stray text. */
static bool declaration(const uint8_t *p, size_t len)
{
    size_t i = 0;

    while (i < len && is_blank(p[i]))
        i++;
    return len - i >= 2 && p[i] == '<' && p[i + 1] == '!';
}

/* Keep line as the first line of the next record. */
static int keep_pending(ing_scan *s, const uint8_t *p, size_t len,
                        uint64_t line)
{
    bl_buf_reset(&s->pend);
    bl_buf_append(&s->pend, p, len);
    bl_buf_putc(&s->pend, '\n');
    s->has_pend = true;
    s->pend_line = line;
    return s->pend.rc;
}

/* Start a record with the pending line. */
static void take_pending(bl_ingest *in)
{
    ing_scan *s = &in->scan;
    bl_buf t = s->rec;

    s->rec = s->pend;
    s->pend = t;
    bl_buf_reset(&s->pend);
    s->has_pend = false;
    s->in_rec = true;
    s->too_long = false;
    s->rec_line = s->pend_line;
    in->n_rec++;
}

/* Append a line to the record (or note that it outgrew the limit). */
static void append_line(ing_scan *s, const uint8_t *p, size_t len)
{
    if (s->too_long)
        return;
    if (s->rec.len + len + 1 > (size_t)BL_INGEST_MAX_RECORD) {
        s->too_long = true;
        bl_buf_free(&s->rec);
        return;
    }
    bl_buf_append(&s->rec, p, len);
    bl_buf_putc(&s->rec, '\n');
}

/* The record just ended: BL_OK, or BL_EFORMAT when it was too long. */
static int end_record(bl_ingest *in)
{
    ing_scan *s = &in->scan;

    s->in_rec = false;
    if (s->rec.rc != BL_OK)
        return s->rec.rc;
    if (s->too_long)
        return ing_fail(in, BL_EFORMAT, s->rec_line,
                        "record longer than %u MiB skipped",
                        BL_INGEST_MAX_RECORD >> 20);
    return BL_OK;
}

int ing_scan_record(bl_ingest *in, const char *open, const char *close,
                    const char *stop)
{
    ing_scan *s = &in->scan;
    size_t close_len = close != NULL ? strlen(close) : 0;

    if (!s->in_rec)
        bl_buf_reset(&s->rec);
    if (s->has_pend) {
        take_pending(in);
        if (close != NULL &&
            find_tag(s->rec.p, s->rec.len, close, close_len) != NULL)
            return end_record(in);
    }
    while (!s->done) {
        const uint8_t *p;
        size_t len;
        int rc = ing_reader_line(&in->rd, &p, &len);
        bool opens, stops;

        if (rc == BL_ELIMIT) {
            /* One line past the limit: its record cannot be kept. */
            if (s->in_rec) {
                s->too_long = true;
                continue;
            }
            return ing_fail(in, BL_EFORMAT, in->rd.line,
                            "line longer than %u MiB skipped",
                            BL_INGEST_MAX_RECORD >> 20);
        }
        if (rc == BL_DONE) {
            s->done = true;
            break;
        }
        if (rc != BL_OK)
            return rc;
        opens = begins(p, len, open);
        stops = stop != NULL && begins(p, len, stop);
        if (s->in_rec && (opens || stops)) {
            if (stops)
                s->done = true;
            else if (keep_pending(s, p, len, in->rd.line) != BL_OK)
                return BL_ENOMEM;
            if (close == NULL)
                return end_record(in);
            s->in_rec = false;
            return ing_fail(in, BL_EFORMAT, s->rec_line,
                            "record not closed (no %s before line %llu); "
                            "skipped", close,
                            (unsigned long long)in->rd.line);
        }
        if (s->in_rec) {
            append_line(s, p, len);
            if (close != NULL && find_tag(p, len, close, close_len) != NULL)
                return end_record(in);
            continue;
        }
        if (opens) {
            if (keep_pending(s, p, len, in->rd.line) != BL_OK)
                return BL_ENOMEM;
            take_pending(in);
            s->stray = false;
            if (close != NULL && find_tag(p, len, close, close_len) != NULL)
                return end_record(in);
            continue;
        }
        if (stops) {
            s->done = true;
            break;
        }
        if (!s->stray && !all_blank(p, len) && !declaration(p, len)) {
            s->stray = true;
            return ing_fail(in, BL_EFORMAT, in->rd.line,
                            "text outside a %s record skipped", open);
        }
    }
    if (s->in_rec) {
        s->in_rec = false;
        if (close == NULL)
            return end_record(in);
        return ing_fail(in, BL_EFORMAT, s->rec_line,
                        "record not closed (no %s before the end of the "
                        "file); skipped", close);
    }
    return BL_DONE;
}

int ing_elem(const uint8_t *p, size_t len, const char *tag, size_t *start,
             size_t *end)
{
    size_t n = strlen(tag), at = 0;
    char closing[64];
    const uint8_t *hit;

    *start = *end = 0;
    if (n + 3 > sizeof closing)
        return BL_EINVAL;
    for (;;) {
        const uint8_t *gt;

        hit = len > at ? memchr(p + at, '<', len - at) : NULL;
        if (hit == NULL)
            return BL_ENOTFOUND;
        at = (size_t)(hit - p) + 1;
        if (len - at < n + 1 || (p[at] | 0x20) != (tag[0] | 0x20) ||
            strncasecmp((const char *)p + at, tag, n) != 0)
            continue;
        if (p[at + n] != '>' && !is_blank(p[at + n]) && p[at + n] != '\n')
            continue;
        gt = memchr(p + at + n, '>', len - at - n);
        if (gt == NULL)
            return BL_ENOTFOUND;
        *start = (size_t)(gt - p) + 1;
        break;
    }
    closing[0] = '<';
    closing[1] = '/';
    memcpy(closing + 2, tag, n);
    closing[n + 2] = '>';
    hit = find_tag(p + *start, len - *start, closing, n + 3);
    *end = hit != NULL ? (size_t)(hit - p) : len;
    return BL_OK;
}

int ing_attr(const uint8_t *p, size_t len, const char *attr, size_t *start,
             size_t *end)
{
    size_t n = strlen(attr);

    *start = *end = 0;
    for (size_t i = 1; i + n + 2 <= len; i++) {
        if (is_blank(p[i - 1]) && strncasecmp((const char *)p + i, attr,
                                              n) == 0 &&
            p[i + n] == '=') {
            size_t j = i + n + 1;
            uint8_t q = p[j];

            if (q == '"' || q == '\'') {
                const uint8_t *e = memchr(p + j + 1, q, len - j - 1);

                if (e == NULL)
                    return BL_ENOTFOUND;
                *start = j + 1;
                *end = (size_t)(e - p);
            } else {
                *start = j;
                for (*end = j; *end < len && !is_blank(p[*end]) &&
                     p[*end] != '>'; (*end)++)
                    ;
            }
            return BL_OK;
        }
    }
    return BL_ENOTFOUND;
}
