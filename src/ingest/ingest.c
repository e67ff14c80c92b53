/* ingest.c - the bl_ingest handle: the list of input files (folders walked
** recursively in sorted order, hidden entries skipped), the format of each
** (forced, from the extension, or sniffed from the first decoded bytes), and
** the loop that hands documents from the per-format parsers to the caller.
** Invariant: one bad record or one unreadable file is reported and skipped,
** never the batch: after BL_EFORMAT or BL_EIO the next call goes on with the
** next record or the next file.
*/
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "ingest/ingest.h"

#define MAX_DEPTH 64           /* folder nesting we follow */
#define SNIFF 4096             /* decoded bytes looked at to tell a format */

int bl_format_parse(const char *name, bl_format *out)
{
    static const struct { const char *name; bl_format fmt; } names[] = {
        {"auto", BL_FORMAT_AUTO}, {"jsonl", BL_FORMAT_JSONL},
        {"json", BL_FORMAT_JSONL}, {"ndjson", BL_FORMAT_JSONL},
        {"trec", BL_FORMAT_TREC}, {"reuters", BL_FORMAT_REUTERS},
        {"sgml", BL_FORMAT_REUTERS}, {"time", BL_FORMAT_TIME},
        {"tar", BL_FORMAT_TAR}, {"bbc", BL_FORMAT_TAR}};

    *out = BL_FORMAT_AUTO;
    if (name == NULL)
        return BL_EINVAL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(name, names[i].name) == 0) {
            *out = names[i].fmt;
            return BL_OK;
        }
    }
    return BL_EINVAL;
}

/* "path:line: " then fmt into msg (cap bytes), made valid UTF-8: the path
** and quoted input may hold any bytes, and the cut at cap may split a
** character. */
static void message(bl_ingest *in, char *msg, size_t cap, uint64_t line,
                    const char *fmt, va_list ap)
{
    size_t n;

    if (line > 0)
        n = (size_t)snprintf(msg, cap, "%s:%llu: ", in->path,
                             (unsigned long long)line);
    else
        n = (size_t)snprintf(msg, cap, "%s: ", in->path);
    if (n < cap)
        vsnprintf(msg + n, cap - n, fmt, ap);
    ing_msg_fix(msg);
}

int ing_fail(bl_ingest *in, int rc, uint64_t line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    message(in, in->err, sizeof in->err, line, fmt, ap);
    va_end(ap);
    return rc;
}

void ing_warn(bl_ingest *in, uint64_t line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    message(in, in->warn, sizeof in->warn, line, fmt, ap);
    va_end(ap);
}

/* ---- the list of inputs ------------------------------------------------- */

static int add_input(bl_ingest *in, const char *path, bool in_folder,
                     size_t *cap)
{
    ing_input *p;

    if (in->n_inputs == *cap) {
        size_t n = *cap ? *cap * 2 : 16;

        p = realloc(in->inputs, n * sizeof *p);
        if (p == NULL)
            return BL_ENOMEM;
        in->inputs = p;
        *cap = n;
    }
    p = &in->inputs[in->n_inputs];
    p->path = strdup(path);
    if (p->path == NULL)
        return BL_ENOMEM;
    p->in_folder = in_folder;
    p->size = 0;
    in->n_inputs++;
    return BL_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add the files under dir, sorted by name at each level. A folder that
** cannot be listed is added as an input of its own, so that reading it
** reports the error in order. */
static int walk(bl_ingest *in, const char *dir, int depth, size_t *cap)
{
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, n_cap = 0;
    int rc = BL_OK;

    d = depth < MAX_DEPTH ? opendir(dir) : NULL;
    if (d == NULL)
        return add_input(in, dir, false, cap);
    while (rc == BL_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == n_cap) {
            size_t k = n_cap ? n_cap * 2 : 64;
            char **p = realloc(names, k * sizeof *p);

            if (p == NULL) {
                rc = BL_ENOMEM;
                break;
            }
            names = p;
            n_cap = k;
        }
        names[n] = strdup(e->d_name);
        if (names[n] == NULL)
            rc = BL_ENOMEM;
        else
            n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && rc == BL_OK; i++) {
        size_t len = strlen(dir) + strlen(names[i]) + 2;
        char *path = malloc(len);
        struct stat st;

        if (path == NULL) {
            rc = BL_ENOMEM;
            break;
        }
        snprintf(path, len, "%s%s%s", dir,
                 dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            rc = walk(in, path, depth + 1, cap);
        else if (stat(path, &st) != 0 || S_ISREG(st.st_mode))
            rc = add_input(in, path, true, cap);
        free(path);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

int bl_ingest_open(const char *const *paths, size_t n_paths, bl_format fmt,
                   bl_ingest **out)
{
    bl_ingest *in;
    size_t cap = 0;
    bool unknown = false;
    int rc = BL_OK;

    *out = NULL;
    if ((paths == NULL && n_paths > 0) || fmt < BL_FORMAT_AUTO ||
        fmt > BL_FORMAT_TAR)
        return BL_EINVAL;
    in = calloc(1, sizeof *in);
    if (in == NULL)
        return BL_ENOMEM;
    in->forced = fmt;
    in->rd.fd = -1;
    bl_arena_init(&in->arena, 0);
    for (size_t i = 0; i < n_paths && rc == BL_OK; i++) {
        struct stat st;

        if (paths[i] == NULL) {
            rc = BL_EINVAL;
        } else if (strcmp(paths[i], "-") == 0) {
            unknown = true;
            rc = add_input(in, paths[i], false, &cap);
        } else if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            rc = walk(in, paths[i], 0, &cap);
        } else {
            rc = add_input(in, paths[i], false, &cap);
        }
    }
    for (size_t i = 0; i < in->n_inputs && rc == BL_OK && !unknown; i++) {
        struct stat st;

        if (stat(in->inputs[i].path, &st) == 0 && S_ISREG(st.st_mode)) {
            in->inputs[i].size = (uint64_t)st.st_size;
            in->bytes_total += (uint64_t)st.st_size;
        }
    }
    if (rc != BL_OK) {
        bl_ingest_close(in);
        return rc;
    }
    *out = in;
    return BL_OK;
}

static void close_current(bl_ingest *in)
{
    if (!in->open)
        return;
    /* A file passed over after sniffing counts as read. */
    in->bytes_done += in->cur->size > in->rd.raw_read ? in->cur->size
                                                      : in->rd.raw_read;
    ing_reader_close(&in->rd);
    bl_buf_free(&in->scan.rec);
    bl_buf_free(&in->scan.pend);
    memset(&in->scan, 0, sizeof in->scan);
    memset(&in->tar, 0, sizeof in->tar);
    in->open = false;
}

void bl_ingest_close(bl_ingest *in)
{
    if (in == NULL)
        return;
    close_current(in);
    for (size_t i = 0; i < in->n_inputs; i++)
        free(in->inputs[i].path);
    free(in->inputs);
    free(in->extra);
    bl_arena_free(&in->arena);
    free(in);
}

/* ---- telling the format ------------------------------------------------- */

static bool has_suffix(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);

    return len >= n && strncasecmp(s + len - n, suffix, n) == 0;
}

static bl_format from_name(const char *base)
{
    size_t len = strlen(base);

    if (has_suffix(base, len, ".gz"))
        len -= 3;
    else if (has_suffix(base, len, ".zst"))
        len -= 4;
    if (has_suffix(base, len, ".jsonl") || has_suffix(base, len, ".json") ||
        has_suffix(base, len, ".ndjson"))
        return BL_FORMAT_JSONL;
    if (has_suffix(base, len, ".sgm") || has_suffix(base, len, ".sgml"))
        return BL_FORMAT_REUTERS;
    if (has_suffix(base, len, ".trec"))
        return BL_FORMAT_TREC;
    if (has_suffix(base, len, ".tar") || has_suffix(base, len, ".tgz"))
        return BL_FORMAT_TAR;
    if (len == 8 && strncasecmp(base, "TIME.ALL", 8) == 0)
        return BL_FORMAT_TIME;
    return BL_FORMAT_AUTO;
}

static bool starts(const uint8_t *p, size_t len, const char *s)
{
    size_t n = strlen(s);

    return len >= n && memcmp(p, s, n) == 0;
}

/* Look at the first decoded bytes: a tar header, or (after a BOM and
** blanks) what a file of each format begins with. */
static int sniff(bl_ingest *in, bl_format *out)
{
    const uint8_t *p;
    size_t len, i = 0;
    int rc = ing_reader_fill(&in->rd, SNIFF);

    *out = BL_FORMAT_AUTO;
    if (rc != BL_OK)
        return rc;
    p = in->rd.buf + in->rd.pos;
    len = in->rd.len - in->rd.pos;
    if (len > SNIFF)
        len = SNIFF;
    if (len >= 262 && memcmp(p + 257, "ustar", 5) == 0) {
        *out = BL_FORMAT_TAR;
        return BL_OK;
    }
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' ||
                       p[i] == '\r'))
        i++;
    if (i < len && p[i] == '{')
        *out = BL_FORMAT_JSONL;
    else if (len - i >= 5 && memcmp(p + i, "*TEXT", 5) == 0)
        *out = BL_FORMAT_TIME;
    else if (starts(p + i, len - i, "<!DOCTYPE lewis") ||
             starts(p + i, len - i, "<REUTERS"))
        *out = BL_FORMAT_REUTERS;
    else if (starts(p + i, len - i, "<DOC>"))
        *out = BL_FORMAT_TREC;
    return BL_OK;
}

/* Open the next input. BL_OK (in->open), BL_DONE (an input of unknown
** format found in a folder was passed over), BL_EIO, BL_EFORMAT. */
static int open_next(bl_ingest *in)
{
    ing_input *cur = &in->inputs[in->next_input++];
    const char *slash;
    int rc;

    in->cur = cur;
    in->path = cur->path;
    slash = strrchr(cur->path, '/');
    in->base = strcmp(cur->path, "-") == 0 ? "stdin"
             : slash != NULL ? slash + 1 : cur->path;
    in->n_rec = 0;
    rc = ing_reader_open(&in->rd, cur->path);
    if (rc == BL_ENOMEM) {
        ing_reader_close(&in->rd);
        return rc;
    }
    if (rc != BL_OK) {
        ing_fail(in, BL_EIO, 0, "%s", in->rd.msg);
        ing_reader_close(&in->rd);
        return BL_EIO;
    }
    in->open = true;
    in->fmt = in->forced;
    if (in->fmt == BL_FORMAT_AUTO)
        in->fmt = from_name(in->base);
    if (in->fmt == BL_FORMAT_AUTO) {
        rc = sniff(in, &in->fmt);
        if (rc != BL_OK) {
            ing_fail(in, rc == BL_ENOMEM ? rc : BL_EIO, 0, "%s", in->rd.msg);
            close_current(in);
            return rc == BL_ENOMEM ? rc : BL_EIO;
        }
    }
    if (in->fmt == BL_FORMAT_AUTO) {
        close_current(in);
        if (cur->in_folder)
            return BL_DONE;
        return ing_fail(in, BL_EFORMAT, 0,
                        "cannot tell the format (give one with --format)");
    }
    return BL_OK;
}

int bl_ingest_next(bl_ingest *in, const bl_doc **doc)
{
    int rc;

    *doc = NULL;
    in->err[0] = '\0';
    in->warn[0] = '\0';
    for (;;) {
        if (!in->open) {
            if (in->next_input == in->n_inputs)
                return BL_DONE;
            rc = open_next(in);
            if (rc == BL_DONE)
                continue;
            if (rc != BL_OK)
                return rc;
        }
        switch (in->fmt) {
        case BL_FORMAT_JSONL:   rc = ing_jsonl_next(in); break;
        case BL_FORMAT_REUTERS: rc = ing_reuters_next(in); break;
        case BL_FORMAT_TREC:    rc = ing_trec_next(in); break;
        case BL_FORMAT_TIME:    rc = ing_time_next(in); break;
        default:                rc = ing_tar_next(in); break;
        }
        if (rc == BL_OK) {
            *doc = &in->doc;
            return BL_OK;
        }
        if (rc == BL_DONE) {
            close_current(in);
            continue;
        }
        if (rc == BL_EFORMAT)
            return rc;
        /* The rest of this file cannot be read: go on with the next. */
        if (in->err[0] == '\0')
            ing_fail(in, rc, in->rd.line, "%s", rc == BL_ENOMEM
                     ? "out of memory" : in->rd.msg);
        close_current(in);
        return rc == BL_ENOMEM ? rc : BL_EIO;
    }
}

const char *bl_ingest_error(const bl_ingest *in)
{
    return in->err;
}

const char *bl_ingest_warning(const bl_ingest *in)
{
    return in->warn;
}

uint64_t bl_ingest_bytes_read(const bl_ingest *in)
{
    return in->bytes_done + (in->open ? in->rd.raw_read : 0);
}

uint64_t bl_ingest_bytes_total(const bl_ingest *in)
{
    return in->bytes_total;
}

/* ---- building the document -------------------------------------------- */

void ing_doc_reset(bl_ingest *in)
{
    bl_arena_reset(&in->arena);
    memset(&in->doc, 0, sizeof in->doc);
    in->doc.date = BL_NO_DATE;
    in->n_extra = 0;
}

int ing_doc_set(bl_ingest *in, const char **field, const void *p,
                size_t len, unsigned flags)
{
    *field = ing_clean(&in->arena, p, len, flags);
    return *field != NULL ? BL_OK : BL_ENOMEM;
}

int ing_doc_extra(bl_ingest *in, const char *name, const void *value,
                  size_t len, unsigned flags)
{
    bl_field *f;

    if (in->n_extra == in->cap_extra) {
        size_t n = in->cap_extra ? in->cap_extra * 2 : 8;

        f = realloc(in->extra, n * sizeof *f);
        if (f == NULL)
            return BL_ENOMEM;
        in->extra = f;
        in->cap_extra = n;
    }
    f = &in->extra[in->n_extra];
    f->name = ing_clean(&in->arena, (const uint8_t *)name, strlen(name),
                        ING_ONELINE);
    f->value = ing_clean(&in->arena, value, len, flags);
    if (f->name == NULL || f->value == NULL)
        return BL_ENOMEM;
    in->n_extra++;
    return BL_OK;
}

int ing_doc_date(bl_ingest *in, const void *p, size_t len, unsigned flags,
                 uint64_t line)
{
    char *s = ing_clean(&in->arena, p, len, flags | ING_ONELINE);

    if (s == NULL)
        return BL_ENOMEM;
    if (s[0] != '\0' && bl_date_parse(s, &in->doc.date) != BL_OK)
        ing_warn(in, line, "unreadable date \"%.80s\"", s);
    return BL_OK;
}

int ing_doc_finish(bl_ingest *in)
{
    bl_doc *d = &in->doc;
    const char **strs[6] = {&d->id, &d->title, &d->body, &d->source,
                            &d->url, &d->lang};

    for (int i = 0; i < 6; i++) {
        if (*strs[i] == NULL)
            *strs[i] = "";
    }
    if (d->id[0] == '\0') {
        size_t n = strlen(in->base);
        char *id = bl_arena_alloc(&in->arena, n + 24);

        if (id == NULL)
            return BL_ENOMEM;
        /* The same id whether the file is compressed or not. */
        if (has_suffix(in->base, n, ".gz"))
            n -= 3;
        else if (has_suffix(in->base, n, ".zst"))
            n -= 4;
        sprintf(id, "%.*s:%llu", (int)n, in->base,
                (unsigned long long)in->n_rec);
        /* The base name may hold bytes that are not UTF-8. */
        d->id = ing_clean(&in->arena, (const uint8_t *)id, strlen(id),
                          ING_ONELINE);
        if (d->id == NULL)
            return BL_ENOMEM;
    }
    d->extra = in->n_extra > 0 ? in->extra : NULL;
    d->n_extra = in->n_extra;
    return BL_OK;
}
