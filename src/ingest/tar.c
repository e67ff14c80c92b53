/* tar.c - a tar archive (plain, .gz or .zst) of text articles, as the BBC
** corpus ships: one article per member ending in ".txt", the first line
** its title, the rest its body. For a member "bbc/business/001.txt" the id
** is the path without its top folder and extension ("business/001"), the
** source the top folder ("bbc") and the extra field "category" the parent
** folder ("business"). Other members (folders, README.TXT, hidden
** "._x.txt") are passed over. Headers are ustar/GNU with GNU long names
** and pax "path" records; every header's checksum is verified. A ".txt"
** file that is not a tar is read as one article named by the last three
** parts of its path, so that the unpacked tree (with the format forced:
** `--format bbc bbc/`) gives the same documents as the tarball.
** Invariant: the archive is streamed member by member; a bad header ends
** the file with an error (tar has no way to resync), a member longer than
** BL_INGEST_MAX_RECORD is skipped without being held in memory.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ingest/ingest.h"

#define BLOCK 512

/* An octal (or GNU base-256) number field. */
static bool number(const uint8_t *f, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;

    if (f[0] & 0x80) {
        for (i = 1; i < n; i++) {
            if (v >> 56)
                return false;
            v = v << 8 | f[i];
        }
        *out = v;
        return true;
    }
    while (i < n && f[i] == ' ')
        i++;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v >> 60)
            return false;
        v = v << 3 | (uint64_t)(f[i] - '0');
    }
    if (i < n && f[i] != '\0' && f[i] != ' ')
        return false;
    *out = v;
    return true;
}

static bool checksum_ok(const uint8_t *h)
{
    uint64_t want, sum = 0;

    if (!number(h + 148, 8, &want))
        return false;
    for (size_t i = 0; i < BLOCK; i++)
        sum += i >= 148 && i < 156 ? ' ' : h[i];
    return sum == want;
}

static bool all_zero(const uint8_t *h)
{
    for (size_t i = 0; i < BLOCK; i++) {
        if (h[i] != 0)
            return false;
    }
    return true;
}

/* Consume n bytes of the stream; BL_EFORMAT when it ends first. */
static int skip(bl_ingest *in, uint64_t n)
{
    ing_reader *r = &in->rd;

    while (n > 0) {
        size_t want = n > 65536 ? 65536 : (size_t)n, have;
        int rc = ing_reader_fill(r, want);

        if (rc != BL_OK)
            return rc;
        have = r->len - r->pos;
        if (have == 0)
            return BL_EFORMAT;
        if (have > want)
            have = want;
        r->pos += have;
        n -= have;
    }
    return BL_OK;
}

/* The "path" value of a pax extended header p[0..len). */
static void pax_path(ing_tar *t, const uint8_t *p, size_t len)
{
    size_t at = 0;

    while (at < len) {
        uint64_t rec = 0;
        size_t i = at;

        while (i < len && p[i] >= '0' && p[i] <= '9')
            rec = rec * 10 + (uint64_t)(p[i++] - '0');
        if (rec == 0 || rec > len - at || i >= len || p[i] != ' ')
            return;
        i++;
        if (at + rec - i > 5 && memcmp(p + i, "path=", 5) == 0) {
            size_t n = at + rec - i - 5 - 1;     /* without the "\n" */

            if (n < sizeof t->name) {
                memcpy(t->name, p + i + 5, n);
                t->name[n] = '\0';
                t->have_long = true;
            }
        }
        at += rec;
    }
}

/* Fill the document from member name and its bytes p[0..len). */
static int member_doc(bl_ingest *in, const char *name, const uint8_t *p,
                      size_t len)
{
    const char *first = strchr(name, '/'), *last = strrchr(name, '/');
    const char *id = first != NULL ? first + 1 : name;
    const uint8_t *nl = memchr(p, '\n', len);
    size_t title_len = nl != NULL ? (size_t)(nl - p) : len;
    size_t id_len = strlen(id);
    int rc;

    if (id_len >= 4 && strcmp(id + id_len - 4, ".txt") == 0)
        id_len -= 4;
    ing_doc_reset(in);
    rc = ing_doc_set(in, &in->doc.id, id, id_len, ING_ONELINE);
    if (rc == BL_OK)
        rc = ing_doc_set(in, &in->doc.title, p, title_len, ING_ONELINE);
    if (rc == BL_OK)
        rc = ing_doc_set(in, &in->doc.body, p + title_len, len - title_len,
                         ING_PARAS);
    if (rc == BL_OK && first != NULL)
        rc = ing_doc_set(in, &in->doc.source, name, (size_t)(first - name),
                         ING_ONELINE);
    if (rc == BL_OK && first != NULL && last != first) {
        const char *parent = last - 1;

        while (parent > name && parent[-1] != '/')
            parent--;
        rc = ing_doc_extra(in, "category", parent, (size_t)(last - parent),
                           ING_ONELINE);
    }
    if (rc == BL_OK)
        rc = ing_doc_finish(in);
    return rc;
}

/* Does the member's base name begin with '.' (as macOS's "._x.txt")? */
static bool hidden(const char *name)
{
    const char *slash = strrchr(name, '/');

    return (slash != NULL ? slash[1] : name[0]) == '.';
}

static int bad(bl_ingest *in, const char *why)
{
    in->tar.done = true;
    return ing_fail(in, BL_EFORMAT, 0, "%s at byte %llu of the archive",
                    why, (unsigned long long)(in->rd.raw_read));
}

/* A .txt article file on its own, named as if it were the member
** "<grandparent>/<parent>/<name>" of an archive, so that an unpacked tree
** gives the ids the tarball gives. */
static int single_file(bl_ingest *in)
{
    ing_reader *r = &in->rd;
    const char *path = in->path, *at = path + strlen(path);
    size_t avail;
    int slashes = 0, rc;

    in->tar.done = true;
    while (at > path && slashes < 3) {
        at--;
        if (*at == '/' && ++slashes == 3)
            at++;
    }
    if (strlen(at) >= sizeof in->tar.name)
        return ing_fail(in, BL_EFORMAT, 0, "path too long");
    memcpy(in->tar.name, at, strlen(at) + 1);
    rc = ing_reader_fill(r, (size_t)BL_INGEST_MAX_RECORD + 1);
    if (rc != BL_OK)
        return rc;
    avail = r->len - r->pos;
    if (avail > BL_INGEST_MAX_RECORD)
        return ing_fail(in, BL_EFORMAT, 0, "file longer than %u MiB skipped",
                        BL_INGEST_MAX_RECORD >> 20);
    in->n_rec++;
    rc = member_doc(in, in->tar.name, r->buf + r->pos, avail);
    r->pos += avail;
    return rc;
}

/* Look at the first block: a tar archive, a .txt article of its own (read
** whole), or neither. */
static int start(bl_ingest *in)
{
    ing_reader *r = &in->rd;
    size_t n = strlen(in->base);
    bool txt = n > 4 && strcasecmp(in->base + n - 4, ".txt") == 0;
    int rc = ing_reader_fill(r, BLOCK);

    in->tar.started = true;
    if (rc != BL_OK)
        return rc;
    if (r->len - r->pos >= BLOCK &&
        memcmp(r->buf + r->pos + 257, "ustar", 5) == 0)
        return BL_OK;
    in->tar.done = true;
    if (r->len == r->pos)
        return BL_DONE;        /* an empty file */
    if (txt && strcmp(in->base + n - 4, ".txt") == 0)
        return single_file(in);
    if (txt || in->cur->in_folder)
        return BL_DONE;        /* README.TXT beside the articles */
    return ing_fail(in, BL_EFORMAT, 0, "neither a tar archive nor a .txt "
                    "article");
}

int ing_tar_next(bl_ingest *in)
{
    ing_reader *r = &in->rd;
    ing_tar *t = &in->tar;

    if (!t->started) {
        int rc = start(in);

        if (rc != BL_OK || t->done)
            return rc;
    }

    while (!t->done) {
        uint8_t h[BLOCK];
        uint64_t size, padded;
        char name[sizeof t->name];
        uint8_t type;
        size_t n;
        int rc = ing_reader_fill(r, BLOCK);

        if (rc != BL_OK)
            return rc;
        if (r->len - r->pos == 0)
            break;             /* the end blocks are missing: tolerated */
        if (r->len - r->pos < BLOCK)
            return bad(in, "truncated tar header");
        memcpy(h, r->buf + r->pos, BLOCK);
        r->pos += BLOCK;
        if (all_zero(h))
            break;             /* end of archive */
        if (!checksum_ok(h) || !number(h + 124, 12, &size))
            return bad(in, "bad tar header");
        padded = (size + BLOCK - 1) / BLOCK * BLOCK;
        type = h[156];
        if (t->have_long) {
            memcpy(name, t->name, sizeof name);
        } else {
            size_t plen = strnlen((const char *)h + 345, 155);

            n = 0;
            if (memcmp(h + 257, "ustar", 5) == 0 && plen > 0) {
                memcpy(name, h + 345, plen);
                name[plen] = '/';
                n = plen + 1;
            }
            memcpy(name + n, h, strnlen((const char *)h, 100));
            name[n + strnlen((const char *)h, 100)] = '\0';
        }
        t->have_long = false;
        if (type == 'L' || type == 'x') {
            if (size >= 65536)
                return bad(in, "oversized tar name record");
            rc = ing_reader_fill(r, (size_t)padded);
            if (rc != BL_OK)
                return rc;
            if (r->len - r->pos < padded)
                return bad(in, "truncated tar archive");
            if (type == 'L') {
                n = strnlen((const char *)r->buf + r->pos, (size_t)size);
                if (n < sizeof t->name) {
                    memcpy(t->name, r->buf + r->pos, n);
                    t->name[n] = '\0';
                    t->have_long = true;
                }
            } else {
                pax_path(t, r->buf + r->pos, (size_t)size);
            }
            r->pos += (size_t)padded;
            continue;
        }
        n = strlen(name);
        if ((type != '0' && type != '\0') || n < 5 ||
            strcmp(name + n - 4, ".txt") != 0 || hidden(name)) {
            rc = skip(in, padded);
            if (rc == BL_EFORMAT)
                return bad(in, "truncated tar archive");
            if (rc != BL_OK)
                return rc;
            continue;
        }
        in->n_rec++;
        if (size > BL_INGEST_MAX_RECORD) {
            rc = skip(in, padded);
            if (rc == BL_EFORMAT)
                return bad(in, "truncated tar archive");
            if (rc != BL_OK)
                return rc;
            return ing_fail(in, BL_EFORMAT, 0,
                            "%.200s: member longer than %u MiB skipped",
                            name, BL_INGEST_MAX_RECORD >> 20);
        }
        rc = ing_reader_fill(r, (size_t)padded);
        if (rc != BL_OK)
            return rc;
        if (r->len - r->pos < padded)
            return bad(in, "truncated tar archive");
        rc = member_doc(in, name, r->buf + r->pos, (size_t)size);
        r->pos += (size_t)padded;
        return rc;
    }
    t->done = true;
    return BL_DONE;
}
