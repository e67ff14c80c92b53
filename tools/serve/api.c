/* api.c - the JSON endpoints of `byline serve`: request parameters in,
** library calls (bl_search, bl_suggest, bl_index_get) out, jansson bodies
** back. Parameters arrive decoded and checked for UTF-8 by http.c; here
** each is validated against its own rules and limits, and an unknown one
** is an error, so that a typo never silently changes a query.
**
** Invariant: every string from an article reaches the client as a JSON
** string; the only markup in any field is <mark>…</mark> in a snippet,
** and serve_snippet_html guarantees that by escaping everything else.
*/
#include "serve/serve.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

/* Bytes in the valid UTF-8 character at s[0..len), or 0 if there is none
** (no overlongs, no surrogates, nothing past U+10FFFF). */
static size_t utf8_char(const unsigned char *s, size_t len)
{
    unsigned c = s[0];
    size_t n;
    uint32_t cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len <= n)
        return 0;
    for (size_t j = 1; j <= n; j++) {
        if ((s[j] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[j] & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n + 1;
}

bool serve_utf8_valid(const char *p, size_t len)
{
    const unsigned char *s = (const unsigned char *)p;

    for (size_t i = 0, n; i < len; i += n) {
        n = utf8_char(s + i, len - i);
        if (n == 0)
            return false;
    }
    return true;
}

static double wall_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void serve_reply_json(serve_reply *r, unsigned status, json_t *obj)
{
    char *body = NULL;

    if (obj != NULL)
        body = json_dumps(obj, JSON_COMPACT | JSON_REAL_PRECISION(9));
    json_decref(obj);
    memset(r, 0, sizeof *r);
    r->type = "application/json; charset=utf-8";
    r->cache = "no-store";
    if (body == NULL) {
        r->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        r->body = (char *)"{\"error\":\"out of memory\"}";
        r->body_static = true;
        r->len = strlen(r->body);
        return;
    }
    r->status = status;
    r->body = body;
    r->len = strlen(body);
}

void serve_reply_error(serve_reply *r, unsigned status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    size_t len;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* msg may quote user input cut mid-character ("%.64s"), and jansson
    ** takes only UTF-8: such bytes become '?'. */
    len = strlen(msg);
    for (size_t i = 0, n; i < len; i += n) {
        n = utf8_char((const unsigned char *)msg + i, len - i);
        if (n == 0) {
            msg[i] = '?';
            n = 1;
        }
    }
    serve_reply_json(r, status, json_pack("{s:s}", "error", msg));
    r->status = status;        /* also when out of memory */
}

char *serve_snippet_html(const char *s)
{
    size_t ol = strlen(SERVE_MARK_OPEN), cl = strlen(SERVE_MARK_CLOSE);
    size_t cap = strlen(s) * 6 + 16, n = 0;
    char *out = malloc(cap);
    bool open = false;

    if (out == NULL)
        return NULL;
    while (*s != '\0') {
        const char *rep = NULL;

        if (strncmp(s, SERVE_MARK_OPEN, ol) == 0) {
            if (!open)
                rep = "<mark>";
            open = true;
            s += ol;
        } else if (strncmp(s, SERVE_MARK_CLOSE, cl) == 0) {
            if (open)
                rep = "</mark>";
            open = false;
            s += cl;
        } else {
            switch (*s) {
            case '&': rep = "&amp;"; break;
            case '<': rep = "&lt;"; break;
            case '>': rep = "&gt;"; break;
            case '"': rep = "&quot;"; break;
            case '\'': rep = "&#39;"; break;
            default:
                out[n++] = *s;
                break;
            }
            s++;
        }
        if (rep != NULL) {
            size_t rl = strlen(rep);

            memcpy(out + n, rep, rl);
            n += rl;
        }
    }
    if (open) {
        memcpy(out + n, "</mark>", 7);
        n += 7;
    }
    out[n] = '\0';
    return out;
}

/* ---- parameter parsing ------------------------------------------------ */

/* Parse a whole non-negative decimal number no larger than max. */
static bool parse_count(const char *s, size_t max, size_t *out)
{
    unsigned long long v = 0;

    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned)(*s - '0');
        if (v > max)
            return false;
    }
    *out = (size_t)v;
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    if (strcmp(s, "1") == 0 || strcmp(s, "true") == 0 ||
        strcmp(s, "yes") == 0 || strcmp(s, "on") == 0) {
        *out = true;
        return true;
    }
    if (strcmp(s, "0") == 0 || strcmp(s, "false") == 0 ||
        strcmp(s, "no") == 0 || strcmp(s, "off") == 0) {
        *out = false;
        return true;
    }
    return false;
}

/* A date bound: a bare date as "to" means the end of that day. */
static bool parse_date(const char *s, bool end_of_day, int64_t *out)
{
    if (bl_date_parse(s, out) != BL_OK)
        return false;
    if (end_of_day && strlen(s) == 10 && s[4] == '-' && s[7] == '-')
        *out += 86399;
    return true;
}

static json_t *date_json(int64_t t)
{
    char buf[32];

    if (t == BL_NO_DATE)
        return json_null();
    return json_string(bl_date_format(t, buf, sizeof buf));
}

/* A JSON string from library text, which is UTF-8 by contract; a string
** that is not becomes "" rather than a failed reply. */
static json_t *str_json(const char *s)
{
    json_t *j = json_string(s != NULL ? s : "");

    return j != NULL ? j : json_string("");
}

static const char *sort_name(bl_sort s)
{
    return s == BL_SORT_DATE_DESC ? "-date"
         : s == BL_SORT_DATE_ASC ? "date" : "relevance";
}

void serve_api_search(bl_index *ix, const serve_param *params, size_t n,
                      serve_reply *r)
{
    bl_search_opts o;
    bl_results *res = NULL;
    const char *q = NULL;
    char err[256] = "";
    json_t *hits, *root;
    bool highlight = true;
    int rc;

    bl_search_opts_default(&o);
    o.mark_open = SERVE_MARK_OPEN;
    o.mark_close = SERVE_MARK_CLOSE;
    for (size_t i = 0; i < n; i++) {
        const char *k = params[i].key, *v = params[i].value;
        bool ok = true;

        if (strcmp(k, "q") == 0) {
            if (params[i].len > SERVE_MAX_QUERY) {
                serve_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE,
                                  "query too long: %zu bytes (at most %d)",
                                  params[i].len, SERVE_MAX_QUERY);
                return;
            }
            q = v;
        } else if (strcmp(k, "k") == 0) {
            ok = parse_count(v, SERVE_MAX_K, &o.k);
        } else if (strcmp(k, "offset") == 0) {
            ok = parse_count(v, SERVE_MAX_OFFSET, &o.offset);
        } else if (strcmp(k, "sort") == 0) {
            if (strcmp(v, "relevance") == 0 || *v == '\0')
                o.sort = BL_SORT_RELEVANCE;
            else if (strcmp(v, "-date") == 0 || strcmp(v, "newest") == 0)
                o.sort = BL_SORT_DATE_DESC;
            else if (strcmp(v, "date") == 0 || strcmp(v, "oldest") == 0)
                o.sort = BL_SORT_DATE_ASC;
            else
                ok = false;
        } else if (strcmp(k, "from") == 0) {
            ok = *v == '\0' || parse_date(v, false, &o.from);
        } else if (strcmp(k, "to") == 0) {
            ok = *v == '\0' || parse_date(v, true, &o.to);
        } else if (strcmp(k, "source") == 0) {
            o.source = *v != '\0' ? v : NULL;
        } else if (strcmp(k, "and") == 0) {
            ok = parse_bool(v, &o.and_default);
        } else if (strcmp(k, "highlight") == 0) {
            ok = parse_bool(v, &highlight);
        } else {
            serve_reply_error(r, MHD_HTTP_BAD_REQUEST,
                              "unknown parameter '%.64s' (known: q, k, "
                              "offset, sort, from, to, source, and, "
                              "highlight)", k);
            return;
        }
        if (!ok) {
            serve_reply_error(r, MHD_HTTP_BAD_REQUEST,
                              "bad value for '%s': '%.64s'%s", k, v,
                              strcmp(k, "k") == 0 ? " (0 to 1000)"
                              : strcmp(k, "offset") == 0 ? " (0 to 10000)"
                              : strcmp(k, "sort") == 0
                                  ? " (relevance, -date or date)"
                              : strcmp(k, "from") == 0 || strcmp(k, "to") == 0
                                  ? " (a date such as 1987-03-01)"
                              : " (true or false)");
            return;
        }
    }
    if (q == NULL || q[strspn(q, " \t\r\n")] == '\0') {
        serve_reply_error(r, MHD_HTTP_BAD_REQUEST, "missing query: q=");
        return;
    }
    if (o.from != BL_NO_DATE && o.to != BL_NO_DATE && o.from > o.to) {
        serve_reply_error(r, MHD_HTTP_BAD_REQUEST,
                          "bad date range: 'from' is after 'to'");
        return;
    }
    o.snippets = highlight;
    if (o.k == 0)
        o.count_only = true;
    rc = bl_search(ix, q, &o, &res, err, sizeof err);
    if (rc == BL_EQUERY) {
        serve_reply_error(r, MHD_HTTP_BAD_REQUEST, "bad query: %s", err);
        return;
    }
    if (rc == BL_EINVAL || rc == BL_ELIMIT) {
        serve_reply_error(r, MHD_HTTP_BAD_REQUEST, "%s",
                          *err != '\0' ? err : bl_strerror(rc));
        return;
    }
    if (rc != BL_OK) {
        serve_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "search: %s",
                          *err != '\0' ? err : bl_strerror(rc));
        return;
    }
    hits = json_array();
    for (size_t i = 0; i < res->n_hits; i++) {
        const bl_hit *h = &res->hits[i];
        char *snip = serve_snippet_html(h->snippet);
        char *th = serve_snippet_html(h->title_marked[0] ? h->title_marked
                                                         : h->title);
        json_t *snippet = snip != NULL ? json_string(snip) : NULL;
        json_t *title_html = th != NULL ? json_string(th) : NULL;

        free(snip);
        free(th);
        json_array_append_new(hits,
            json_pack("{s:o, s:f, s:o, s:o, s:o, s:o, s:o, s:o}",
                      "id", str_json(h->id), "score", h->score,
                      "title", str_json(h->title), "title_html",
                      title_html != NULL ? title_html : json_string(""),
                      "date", date_json(h->date), "source",
                      str_json(h->source), "url", str_json(h->url),
                      "snippet",
                      snippet != NULL ? snippet : json_string("")));
    }
    root = json_pack("{s:o, s:I, s:I, s:I, s:f, s:o, s:o, s:s}",
                     "hits", hits, "total", (json_int_t)res->total,
                     "k", (json_int_t)o.k, "offset", (json_int_t)o.offset,
                     "took_ms", res->micros / 1000.0,
                     "query", str_json(res->parsed),
                     "warning", str_json(res->warning),
                     "sort", sort_name(o.sort));
    bl_results_free(res);
    serve_reply_json(r, MHD_HTTP_OK, root);
}

void serve_api_suggest(bl_index *ix, const serve_param *params, size_t n,
                       serve_reply *r)
{
    const char *q = NULL;
    size_t k = 8;
    char **list = NULL;
    json_t *arr;
    int rc;

    for (size_t i = 0; i < n; i++) {
        const char *key = params[i].key, *v = params[i].value;

        if (strcmp(key, "q") == 0) {
            if (params[i].len > SERVE_MAX_QUERY) {
                serve_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE,
                                  "prefix too long: %zu bytes (at most %d)",
                                  params[i].len, SERVE_MAX_QUERY);
                return;
            }
            q = v;
        } else if (strcmp(key, "k") == 0) {
            if (!parse_count(v, SERVE_MAX_SUGGEST, &k)) {
                serve_reply_error(r, MHD_HTTP_BAD_REQUEST,
                                  "bad value for 'k': '%.64s' (0 to %d)", v,
                                  SERVE_MAX_SUGGEST);
                return;
            }
        } else {
            serve_reply_error(r, MHD_HTTP_BAD_REQUEST,
                              "unknown parameter '%.64s' (known: q, k)",
                              key);
            return;
        }
    }
    if (q == NULL) {
        serve_reply_error(r, MHD_HTTP_BAD_REQUEST, "missing prefix: q=");
        return;
    }
    rc = bl_suggest(ix, q, k, &list);
    if (rc != BL_OK) {
        serve_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "suggest: %s",
                          bl_strerror(rc));
        return;
    }
    arr = json_array();
    for (size_t i = 0; list[i] != NULL; i++)
        json_array_append_new(arr, str_json(list[i]));
    bl_suggest_free(list);
    serve_reply_json(r, MHD_HTTP_OK,
                     json_pack("{s:s, s:o}", "q", q, "suggestions", arr));
}

void serve_api_doc(bl_index *ix, const char *id, const serve_param *params,
                   size_t n, serve_reply *r)
{
    bl_doc *doc = NULL;
    json_t *root, *extra;
    int rc;

    if (n > 0) {
        serve_reply_error(r, MHD_HTTP_BAD_REQUEST,
                          "unknown parameter '%.64s' (none are known)",
                          params[0].key);
        return;
    }
    if (*id == '\0' || strlen(id) > SERVE_MAX_ID) {
        serve_reply_error(r, MHD_HTTP_NOT_FOUND, "no such document");
        return;
    }
    rc = bl_index_get(ix, id, &doc);
    if (rc == BL_ENOTFOUND) {
        serve_reply_error(r, MHD_HTTP_NOT_FOUND, "no such document: '%.64s'",
                          id);
        return;
    }
    if (rc != BL_OK) {
        serve_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "get: %s",
                          bl_strerror(rc));
        return;
    }
    extra = json_object();
    for (size_t i = 0; i < doc->n_extra; i++)
        json_object_set_new(extra, doc->extra[i].name,
                            str_json(doc->extra[i].value));
    root = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "id", str_json(doc->id), "title", str_json(doc->title),
                     "body", str_json(doc->body), "date",
                     date_json(doc->date), "source", str_json(doc->source),
                     "url", str_json(doc->url), "lang", str_json(doc->lang),
                     "extra", extra);
    bl_doc_free(doc);
    serve_reply_json(r, MHD_HTTP_OK, root);
}

void serve_api_stats(const serve_view *v, const serve_param *params,
                     size_t n, serve_reply *r)
{
    const bl_stats *st = &v->stats;

    if (n > 0) {
        serve_reply_error(r, MHD_HTTP_BAD_REQUEST,
                          "unknown parameter '%.64s' (none are known)",
                          params[0].key);
        return;
    }
    if (v->ix == NULL) {
        serve_reply_error(r, MHD_HTTP_SERVICE_UNAVAILABLE,
                          "no index loaded yet");
        return;
    }
    serve_reply_json(r, MHD_HTTP_OK, json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:s,"
        " s:{s:I, s:I, s:I, s:I, s:I, s:I}}",
        "generation", (json_int_t)st->generation,
        "docs", (json_int_t)st->docs, "deleted", (json_int_t)st->deleted,
        "segments", (json_int_t)st->segments,
        "terms", (json_int_t)st->terms,
        "postings", (json_int_t)st->postings,
        "positions", (json_int_t)st->positions,
        "raw_bytes", (json_int_t)st->raw_bytes,
        "total_bytes", (json_int_t)st->total_bytes,
        "uptime_s", wall_now() - v->started_at,
        "version", bl_version(),
        "bytes",
        "terms", (json_int_t)st->bytes.terms,
        "postings", (json_int_t)st->bytes.postings,
        "positions", (json_int_t)st->bytes.positions,
        "lengths", (json_int_t)st->bytes.lengths,
        "columns", (json_int_t)st->bytes.columns,
        "store", (json_int_t)st->bytes.store));
}

void serve_api_health(const serve_view *v, serve_reply *r)
{
    if (v->ix == NULL) {
        serve_reply_json(r, MHD_HTTP_SERVICE_UNAVAILABLE,
                         json_pack("{s:s}", "status", "no index loaded"));
        return;
    }
    serve_reply_json(r, MHD_HTTP_OK,
                     json_pack("{s:s, s:I, s:I}", "status", "ok",
                               "generation",
                               (json_int_t)v->stats.generation, "docs",
                               (json_int_t)v->stats.docs));
}
