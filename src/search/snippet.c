/* snippet.c - highlighted passages of a body. The body is analysed with the
** query's analyzer (so that "storms" in the text meets the query's "storm"),
** giving tokens with byte offsets into the original text; a sliding window
** over the tokens finds the passage of about the wanted size holding the
** most distinct query terms (then the most matches); when that passage
** misses terms the body has, two half-size passages are shown instead.
** Passages start at a token's first byte and end at a token's last, so
** they are cut on word boundaries. Invariant: the output is valid UTF-8
** (any invalid byte of the input becomes U+FFFD) and the markers surround
** exactly the matching tokens.
*/
#include "search/snippet.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct stok {
    uint32_t start, end;       /* bytes of the surface form */
    int term;                  /* index of the query term it matches, or -1 */
} stok;

typedef struct scan {
    const bl_snippet_query *q;
    stok *v;
    size_t n, cap;
    int rc;
} scan;

static int match_term(const bl_snippet_query *q, const char *t, size_t len)
{
    for (size_t i = 0; i < q->n_terms; i++)
        if (strlen(q->terms[i]) == len && memcmp(q->terms[i], t, len) == 0)
            return (int)i;
    for (size_t i = 0; i < q->n_prefixes; i++) {
        size_t pl = strlen(q->prefixes[i]);

        if (pl <= len && memcmp(q->prefixes[i], t, pl) == 0)
            return (int)(q->n_terms + i);
    }
    return -1;
}

static int on_token(void *ctx, const bl_token *tok)
{
    scan *s = ctx;

    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        stok *v = realloc(s->v, cap * sizeof *v);

        if (v == NULL)
            return s->rc = BL_ENOMEM;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n].start = tok->start;
    s->v[s->n].end = tok->end;
    s->v[s->n].term = match_term(s->q, tok->term, tok->term_len);
    s->n++;
    return 0;
}

/* The best window of tokens [*first, *last] spanning at most `bytes`,
** avoiding tokens [skip_a, skip_b) when skip_b > skip_a. Returns its
** score (distinct terms * 1000 + matches), -1 when no window exists. */
static long best_window(const stok *v, size_t n, size_t bytes, size_t nq,
                        size_t skip_a, size_t skip_b, size_t *first,
                        size_t *last)
{
    uint32_t *cnt = calloc(nq + 1, sizeof *cnt);
    long best = -1;
    size_t distinct = 0, matches = 0, i = 0;

    if (cnt == NULL)
        return -2;
    for (size_t j = 0; j < n; j++) {
        if (skip_b > skip_a && j >= skip_a && j < skip_b) {
            /* restart after the excluded range */
            for (; i < j; i++)
                if (v[i].term >= 0 && --cnt[v[i].term] == 0)
                    distinct--;
            matches = 0;
            distinct = 0;
            memset(cnt, 0, (nq + 1) * sizeof *cnt);
            i = j + 1;
            continue;
        }
        if (v[j].term >= 0) {
            if (cnt[v[j].term]++ == 0)
                distinct++;
            matches++;
        }
        while (i < j && v[j].end - v[i].start > bytes) {
            if (v[i].term >= 0) {
                if (--cnt[v[i].term] == 0)
                    distinct--;
                matches--;
            }
            i++;
        }
        {
            long score = (long)distinct * 1000 + (long)matches;

            if (score > best) {
                best = score;
                *first = i;
                *last = j;
            }
        }
    }
    free(cnt);
    return best;
}

/* Append text[a, b) to out: invalid UTF-8 becomes U+FFFD, controls become
** spaces, and with html the characters & < > " are escaped. */
static void put_text(bl_buf *out, const char *text, size_t a, size_t b,
                     bool html)
{
    const unsigned char *s = (const unsigned char *)text;

    while (a < b) {
        unsigned char c = s[a];
        size_t k = 0;
        uint32_t cp = 0;

        if (c < 0x80) {
            if (html && c == '&')
                bl_buf_puts(out, "&amp;");
            else if (html && c == '<')
                bl_buf_puts(out, "&lt;");
            else if (html && c == '>')
                bl_buf_puts(out, "&gt;");
            else if (html && c == '"')
                bl_buf_puts(out, "&quot;");
            else
                bl_buf_putc(out, c < 0x20 || c == 0x7F ? ' ' : c);
            a++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            k = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 4;
            cp = c & 0x07;
        }
        if (k > 0 && a + k <= b) {
            size_t m;

            for (m = 1; m < k && (s[a + m] & 0xC0) == 0x80; m++)
                cp = (cp << 6) | (s[a + m] & 0x3F);
            if (m == k && !(k == 3 && cp < 0x800) &&
                !(k == 4 && (cp < 0x10000 || cp > 0x10FFFF)) &&
                !(cp >= 0xD800 && cp <= 0xDFFF)) {
                bl_buf_append(out, s + a, k);
                a += k;
                continue;
            }
        }
        bl_buf_puts(out, "\xEF\xBF\xBD");
        a++;
    }
}

/* An ASCII byte that is neither letter nor digit: a passage does not start
** on one. */
static bool ascii_gap(unsigned char c)
{
    return c < 0x80 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                         (c >= 'A' && c <= 'Z'));
}

/* Grow [*first, *last] by neighbouring tokens while it spans <= bytes:
** a third of the room before, the rest after, then before again. */
static void widen(const stok *v, size_t n, size_t bytes, size_t *first,
                  size_t *last)
{
    size_t f = *first, l = *last;

    while (f > 0 && v[l].end - v[f - 1].start <= bytes &&
           v[f].start - v[f - 1].start <= bytes / 3 &&
           v[*first].start - v[f - 1].start <= bytes / 3)
        f--;
    while (l + 1 < n && v[l + 1].end - v[f].start <= bytes)
        l++;
    while (f > 0 && v[l].end - v[f - 1].start <= bytes)
        f--;
    *first = f;
    *last = l;
}

/* text[from, to), which tokens [first, last] lie in, with the bytes of
** the matching ones marked (tokens may overlap, as CJK bigrams do), written
** in runs of marked and unmarked bytes that start and end on token
** boundaries, so on characters. */
static int put_marked(bl_buf *out, const char *text, size_t from, size_t to,
                      const stok *v, size_t first, size_t last,
                      const bl_snippet_opts *o)
{
    uint8_t *mark = calloc(to - from + 1, 1);

    if (mark == NULL)
        return BL_ENOMEM;
    for (size_t i = first; i <= last; i++)
        if (v[i].term >= 0)
            memset(mark + (v[i].start - from), 1, v[i].end - v[i].start);
    for (size_t a = from; a < to;) {
        size_t b = a;

        while (b < to && mark[b - from] == mark[a - from])
            b++;
        if (mark[a - from])
            bl_buf_puts(out, o->mark_open);
        put_text(out, text, a, b, o->escape_html);
        if (mark[a - from])
            bl_buf_puts(out, o->mark_close);
        a = b;
    }
    free(mark);
    return BL_OK;
}

/* One passage: tokens [first, last] with the text around them up to the
** neighbouring tokens (stopwords and punctuation are not tokens), matches
** marked, "…" where the body goes on. */
static int put_passage(bl_buf *out, const char *body, size_t len,
                       size_t scanned, const stok *v, size_t n, size_t first,
                       size_t last, const bl_snippet_opts *o)
{
    size_t from, to = v[first].end, room = o->bytes / 4 + 1;

    for (size_t i = first; i <= last; i++)
        if (v[i].end > to)
            to = v[i].end;
    from = first > 0 ? v[first - 1].end : 0;
    if (v[first].start - from > room)
        from = v[first].start;
    while (from < v[first].start &&
           (ascii_gap((unsigned char)body[from]) ||
            ((unsigned char)body[from] & 0xC0) == 0x80))
        from++;
    {
        size_t end = last + 1 < n ? v[last + 1].start : scanned;
        size_t t = end - to > room ? to : end;

        while (t > to && (unsigned char)body[t - 1] <= ' ')
            t--;
        while (t > to && ((unsigned char)body[t] & 0xC0) == 0x80)
            t--;
        to = t;
    }
    if (from > 0)
        bl_buf_puts(out, "\xE2\x80\xA6");
    if (put_marked(out, body, from, to, v, first, last, o) != BL_OK)
        return BL_ENOMEM;
    if (to < len)
        bl_buf_puts(out, "\xE2\x80\xA6");
    return BL_OK;
}

int bl_snippet_make(bl_analyzer *a, const char *body, size_t len,
                    const bl_snippet_query *q, const bl_snippet_opts *o,
                    bl_buf *out)
{
    scan s;
    size_t nq = q->n_terms + q->n_prefixes, scan_len = len;
    size_t f1 = 0, l1 = 0, f2 = 0, l2 = 0, have = 0, present = 0;
    long best;
    int rc;

    if (len == 0)
        return BL_OK;
    /* cut a long body at a space, so no word or character is split */
    if (scan_len > BL_SNIPPET_SCAN_MAX) {
        scan_len = BL_SNIPPET_SCAN_MAX;
        while (scan_len > 0 && body[scan_len] != ' ' &&
               body[scan_len] != '\n')
            scan_len--;
        if (scan_len == 0)
            scan_len = BL_SNIPPET_SCAN_MAX;
        while (scan_len > 0 && ((unsigned char)body[scan_len] & 0xC0) == 0x80)
            scan_len--;
    }
    memset(&s, 0, sizeof s);
    s.q = q;
    rc = bl_analyze(a, body, scan_len, NULL, on_token, &s);
    if (s.rc != BL_OK)
        rc = s.rc;
    if (rc != BL_OK || s.n == 0) {
        free(s.v);
        if (rc == BL_OK)        /* no words at all: the text as it is */
            put_text(out, body, 0, scan_len < o->bytes ? scan_len : 0,
                     o->escape_html);
        return rc;
    }
    {
        uint8_t *seen = calloc(nq + 1, 1);

        if (seen == NULL) {
            free(s.v);
            return BL_ENOMEM;
        }
        for (size_t i = 0; i < s.n; i++)
            if (s.v[i].term >= 0 && !seen[s.v[i].term]) {
                seen[s.v[i].term] = 1;
                present++;
            }
        free(seen);
    }
    best = best_window(s.v, s.n, o->bytes, nq, 0, 0, &f1, &l1);
    if (best < -1) {
        free(s.v);
        return BL_ENOMEM;
    }
    have = (size_t)(best / 1000);
    if (present > 0 && have < present && o->bytes >= 40) {
        size_t half = o->bytes / 2;
        long b1 = best_window(s.v, s.n, half, nq, 0, 0, &f1, &l1);
        long b2 = b1 >= 0 ? best_window(s.v, s.n, half, nq, f1, l1 + 1, &f2,
                                        &l2)
                          : -1;

        if (b1 < -1 || b2 < -1) {
            free(s.v);
            return BL_ENOMEM;
        }
        if (b2 >= 1) {
            if (f2 < f1) {
                size_t tf = f1, tl = l1;

                f1 = f2;
                l1 = l2;
                f2 = tf;
                l2 = tl;
            }
            widen(s.v, s.n, half, &f1, &l1);
            widen(s.v, s.n, half, &f2, &l2);
            if (f2 <= l1)          /* widened into each other */
                f2 = l1 + 1;
            rc = put_passage(out, body, len, scan_len, s.v, s.n, f1, l1, o);
            bl_buf_putc(out, ' ');
            if (rc == BL_OK && f2 <= l2)
                rc = put_passage(out, body, len, scan_len, s.v, s.n, f2, l2,
                                 o);
            free(s.v);
            return rc != BL_OK ? rc : out->rc;
        }
        best = best_window(s.v, s.n, o->bytes, nq, 0, 0, &f1, &l1);
    }
    if (present == 0) {
        f1 = 0;
        for (l1 = 0; l1 + 1 < s.n && s.v[l1 + 1].end <= o->bytes; l1++)
            ;
    }
    widen(s.v, s.n, o->bytes, &f1, &l1);
    rc = put_passage(out, body, len, scan_len, s.v, s.n, f1, l1, o);
    free(s.v);
    return rc != BL_OK ? rc : out->rc;
}

int bl_snippet_mark(bl_analyzer *a, const char *text, size_t len,
                    const bl_snippet_query *q, const bl_snippet_opts *o,
                    bl_buf *out)
{
    scan s;
    int rc;

    if (len > BL_SNIPPET_SCAN_MAX)
        return bl_snippet_make(a, text, len, q, o, out);
    memset(&s, 0, sizeof s);
    s.q = q;
    rc = bl_analyze(a, text, len, NULL, on_token, &s);
    if (s.rc != BL_OK)
        rc = s.rc;
    if (rc == BL_OK && s.n == 0)
        put_text(out, text, 0, len, o->escape_html);
    else if (rc == BL_OK)
        rc = put_marked(out, text, 0, len, s.v, 0, s.n - 1, o);
    free(s.v);
    return rc != BL_OK ? rc : out->rc;
}
