/* docsrc.c - JSON Lines articles for the benchmark tools, read with
** jansson: one object a line with "id", "title", "body", "date" (ISO 8601
** string or seconds), "source", "url" and "lang". Lines that are not such
** an object are skipped and counted, never fatal. The document handed out
** points into the parsed line and lives until the next call.
*/
#include "docsrc.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct bench_docs {
    FILE *f;                   /* the open input */
    char *line;                /* getline's buffer */
    size_t line_cap;
    json_t *obj;               /* the current record */
    bl_doc doc;                /* points into obj */
    uint64_t skipped;          /* malformed lines */
    uint64_t read, total;      /* bytes */
};

int bench_docs_format(const char *name, bl_format *out)
{
    static const char *const names[] = {"auto", "jsonl", "trec", "reuters",
                                        "time"};

    for (int i = 0; i < 5; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (bl_format)i;
            return BL_OK;
        }
    return BL_EINVAL;
}

int bench_docs_open(const char *path, bl_format fmt, bench_docs **out,
                    char *err, size_t cap)
{
    bench_docs *d;
    struct stat st;

    *out = NULL;
    if (fmt != BL_FORMAT_AUTO && fmt != BL_FORMAT_JSONL) {
        snprintf(err, cap, "%s: only JSON Lines can be read", path);
        return BL_EINVAL;
    }
    d = calloc(1, sizeof *d);
    if (d == NULL)
        return BL_ENOMEM;
    d->f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (d->f == NULL) {
        snprintf(err, cap, "%s: cannot open", path);
        free(d);
        return BL_ENOTFOUND;
    }
    if (d->f != stdin && fstat(fileno(d->f), &st) == 0)
        d->total = (uint64_t)st.st_size;
    *out = d;
    return BL_OK;
}

static const char *str_field(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));

    return s != NULL ? s : "";
}

/* ISO 8601 date or date-time in UTC; BL_NO_DATE when unreadable. */
static int64_t parse_date(json_t *v)
{
    const char *s = json_string_value(v);
    struct tm tm;
    int y, mo, da, h = 0, mi = 0, se = 0, n;

    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (s == NULL)
        return BL_NO_DATE;
    n = sscanf(s, "%d-%d-%dT%d:%d:%d", &y, &mo, &da, &h, &mi, &se);
    if (n < 3)
        return BL_NO_DATE;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = da;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    return (int64_t)timegm(&tm);
}

int bench_docs_next(bench_docs *d, const bl_doc **doc)
{
    ssize_t n;

    *doc = NULL;
    json_decref(d->obj);
    d->obj = NULL;
    while ((n = getline(&d->line, &d->line_cap, d->f)) > 0) {
        json_t *obj;

        d->read += (uint64_t)n;
        obj = json_loadb(d->line, (size_t)n, 0, NULL);
        if (!json_is_object(obj)) {
            json_decref(obj);
            if (strspn(d->line, " \t\r\n") != (size_t)n)
                d->skipped++;
            continue;
        }
        d->obj = obj;
        memset(&d->doc, 0, sizeof d->doc);
        d->doc.id = str_field(obj, "id");
        d->doc.title = str_field(obj, "title");
        d->doc.body = str_field(obj, "body");
        d->doc.date = parse_date(json_object_get(obj, "date"));
        d->doc.source = str_field(obj, "source");
        d->doc.url = str_field(obj, "url");
        d->doc.lang = str_field(obj, "lang");
        *doc = &d->doc;
        return BL_OK;
    }
    return ferror(d->f) ? BL_EIO : BL_DONE;
}

uint64_t bench_docs_skipped(const bench_docs *d)
{
    return d->skipped;
}

uint64_t bench_docs_bytes_read(const bench_docs *d)
{
    return d->read;
}

uint64_t bench_docs_bytes_total(const bench_docs *d)
{
    return d->total;
}

void bench_docs_close(bench_docs *d)
{
    if (d == NULL)
        return;
    json_decref(d->obj);
    if (d->f != NULL && d->f != stdin)
        fclose(d->f);
    free(d->line);
    free(d);
}

static bool exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

int bench_locate(const char *rel, char *out, size_t cap)
{
    char exe[4096];
    ssize_t n;

    if (snprintf(out, cap, "%s", rel) < (int)cap && exists(out))
        return BL_OK;
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        char *slash;

        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash != NULL)
            *slash = '\0';
        if (snprintf(out, cap, "%s/../%s", exe, rel) < (int)cap &&
            exists(out))
            return BL_OK;
        if (snprintf(out, cap, "%s/../../%s", exe, rel) < (int)cap &&
            exists(out))
            return BL_OK;
    }
    if (cap > 0)
        out[0] = '\0';
    return BL_ENOTFOUND;
}
