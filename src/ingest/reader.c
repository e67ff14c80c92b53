/* reader.c - the byte stream under every article parser: a file or stdin
** read in large chunks, inflated with zlib or zstd when its magic bytes say
** so, and served as lines or as "at least n bytes" windows.
** Invariant: the decoded bytes not yet consumed are buf[pos, len); the
** buffer never grows past BL_INGEST_MAX_RECORD plus one chunk, so a huge
** line or member is refused with BL_ELIMIT instead of exhausting memory.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd_errors.h>

#include "ingest/ingest.h"

#define CHUNK (256u * 1024u)   /* bytes read or inflated per call */

static int fail(ing_reader *r, int rc, const char *what)
{
    snprintf(r->msg, sizeof r->msg, "%s", what);
    return rc;
}

/* Read more compressed (or plain) bytes into raw. */
static int read_raw(ing_reader *r)
{
    ssize_t n;

    if (r->raw_pos > 0 && r->raw_pos == r->raw_len)
        r->raw_pos = r->raw_len = 0;
    if (r->raw_len == CHUNK) {
        memmove(r->raw, r->raw + r->raw_pos, r->raw_len - r->raw_pos);
        r->raw_len -= r->raw_pos;
        r->raw_pos = 0;
    }
    do
        n = read(r->fd, r->raw + r->raw_len, CHUNK - r->raw_len);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return fail(r, BL_EIO, strerror(errno));
    if (n == 0)
        r->raw_eof = true;
    r->raw_len += (size_t)n;
    r->raw_read += (uint64_t)n;
    return BL_OK;
}

int ing_reader_open(ing_reader *r, const char *path)
{
    static const uint8_t gz_magic[2] = {0x1f, 0x8b};
    static const uint8_t zst_magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
    int rc;

    memset(r, 0, sizeof *r);
    r->fd = -1;
    if (strcmp(path, "-") == 0) {
        r->fd = STDIN_FILENO;
    } else {
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0)
            return fail(r, errno == ENOENT ? BL_ENOTFOUND : BL_EIO,
                        strerror(errno));
        r->own_fd = true;
    }
    r->raw = malloc(CHUNK);
    if (r->raw == NULL)
        return BL_ENOMEM;
    /* Read until the magic can be told (or the input ends). */
    while (r->raw_len < 4 && !r->raw_eof) {
        rc = read_raw(r);
        if (rc != BL_OK)
            return rc;
    }
    if (r->raw_len >= 2 && memcmp(r->raw, gz_magic, 2) == 0) {
        r->codec = ING_GZIP;
        if (inflateInit2(&r->z, 15 + 32) != Z_OK)
            return fail(r, BL_ENOMEM, "cannot start zlib");
    } else if (r->raw_len >= 4 && memcmp(r->raw, zst_magic, 4) == 0) {
        r->codec = ING_ZSTD;
        r->zd = ZSTD_createDCtx();
        if (r->zd == NULL)
            return BL_ENOMEM;
    }
    return BL_OK;
}

void ing_reader_close(ing_reader *r)
{
    if (r->codec == ING_GZIP)
        inflateEnd(&r->z);
    ZSTD_freeDCtx(r->zd);
    if (r->own_fd && r->fd >= 0)
        close(r->fd);
    free(r->raw);
    free(r->buf);
    memset(r, 0, sizeof *r);
    r->fd = -1;
}

/* Decode (or copy) at most room bytes to dst; *n says how many. */
static int decode(ing_reader *r, uint8_t *dst, size_t room, size_t *n)
{
    int rc;

    *n = 0;
    while (*n == 0 && !r->eof) {
        if (r->codec == ING_PLAIN && r->raw_pos == r->raw_len &&
            !r->raw_eof) {
            /* Plain input goes straight to dst, without a copy. */
            ssize_t k;

            do
                k = read(r->fd, dst, room);
            while (k < 0 && errno == EINTR);
            if (k < 0)
                return fail(r, BL_EIO, strerror(errno));
            r->raw_read += (uint64_t)k;
            r->raw_eof = k == 0;
            r->eof = k == 0;
            *n = (size_t)k;
            continue;
        }
        if (r->raw_pos == r->raw_len && !r->raw_eof) {
            rc = read_raw(r);
            if (rc != BL_OK)
                return rc;
        }
        if (r->codec == ING_PLAIN) {
            size_t k = r->raw_len - r->raw_pos;

            if (k > room)
                k = room;
            memcpy(dst, r->raw + r->raw_pos, k);
            r->raw_pos += k;
            *n = k;
            if (k == 0 && r->raw_eof)
                r->eof = true;
        } else if (r->codec == ING_GZIP) {
            int zr;

            r->z.next_in = r->raw + r->raw_pos;
            r->z.avail_in = (uInt)(r->raw_len - r->raw_pos);
            r->z.next_out = dst;
            r->z.avail_out = (uInt)room;
            zr = inflate(&r->z, Z_NO_FLUSH);
            r->raw_pos = r->raw_len - r->z.avail_in;
            *n = room - r->z.avail_out;
            if (zr == Z_STREAM_END) {
                /* Another gzip member may follow (as `cat a.gz b.gz`). */
                if (r->raw_pos == r->raw_len && !r->raw_eof) {
                    rc = read_raw(r);
                    if (rc != BL_OK)
                        return rc;
                }
                if (r->raw_pos == r->raw_len)
                    r->eof = true;
                else if (inflateReset(&r->z) != Z_OK)
                    return fail(r, BL_EIO, "corrupt gzip data");
            } else if (zr == Z_BUF_ERROR && r->raw_eof &&
                       r->raw_pos == r->raw_len) {
                return fail(r, BL_EIO, "truncated gzip data");
            } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
                return fail(r, zr == Z_MEM_ERROR ? BL_ENOMEM : BL_EIO,
                            "corrupt gzip data");
            }
        } else {
            ZSTD_inBuffer zin = {r->raw + r->raw_pos,
                                 r->raw_len - r->raw_pos, 0};
            ZSTD_outBuffer zout = {dst, room, 0};

            if (zin.size == 0 && r->raw_eof && r->zret == 0) {
                r->eof = true;         /* every frame decoded and flushed */
                break;
            }
            r->zret = ZSTD_decompressStream(r->zd, &zout, &zin);
            if (ZSTD_isError(r->zret))
                return fail(r, ZSTD_getErrorCode(r->zret) ==
                               ZSTD_error_memory_allocation
                               ? BL_ENOMEM : BL_EIO, "corrupt zstd data");
            r->raw_pos += zin.pos;
            *n = zout.pos;
            /* No input left, nothing more to flush, the frame unfinished. */
            if (*n == 0 && zin.size == 0 && r->raw_eof && r->zret != 0)
                return fail(r, BL_EIO, "truncated zstd data");
        }
    }
    return BL_OK;
}

int ing_reader_fill(ing_reader *r, size_t need)
{
    const size_t max = (size_t)BL_INGEST_MAX_RECORD + CHUNK;

    while (r->len - r->pos < need && !r->eof) {
        size_t n;
        int rc;

        if (r->pos > 0 && (r->cap - r->len < CHUNK || r->pos == r->len)) {
            memmove(r->buf, r->buf + r->pos, r->len - r->pos);
            r->len -= r->pos;
            r->pos = 0;
        }
        if (r->cap - r->len < CHUNK) {
            size_t cap = r->cap ? r->cap * 2 : 4 * CHUNK;
            uint8_t *p;

            if (cap > max)
                cap = max;
            if (cap - r->len < CHUNK)
                return fail(r, BL_ELIMIT, "record too long");
            p = realloc(r->buf, cap);
            if (p == NULL)
                return BL_ENOMEM;
            r->buf = p;
            r->cap = cap;
        }
        rc = decode(r, r->buf + r->len, r->cap - r->len, &n);
        if (rc != BL_OK)
            return rc;
        r->len += n;
    }
    return BL_OK;
}

int ing_reader_line(ing_reader *r, const uint8_t **p, size_t *len)
{
    bool skipping = false;

    *p = NULL;
    *len = 0;
    for (;;) {
        /* buf is NULL until the first byte is decoded (an empty file). */
        uint8_t *start = r->buf != NULL ? r->buf + r->pos : NULL;
        uint8_t *nl = r->len - r->pos > r->scan
            ? memchr(start + r->scan, '\n', r->len - r->pos - r->scan)
            : NULL;
        size_t n;
        int rc;

        if (nl != NULL || (r->eof && r->pos < r->len)) {
            n = nl != NULL ? (size_t)(nl - start) : r->len - r->pos;
            r->pos += n + (nl != NULL);
            r->scan = 0;
            r->line++;
            if (skipping)
                return fail(r, BL_ELIMIT, "line too long");
            if (n > 0 && start[n - 1] == '\r')
                n--;
            *p = start;
            *len = n;
            return BL_OK;
        }
        if (r->eof) {
            if (skipping) {
                r->line++;
                return fail(r, BL_ELIMIT, "line too long");
            }
            return BL_DONE;
        }
        r->scan = r->len - r->pos;
        if (r->scan >= (size_t)BL_INGEST_MAX_RECORD) {
            /* Drop what we have of the line and read on to its end. */
            skipping = true;
            r->pos = r->len;
            r->scan = 0;
        }
        rc = ing_reader_fill(r, r->len - r->pos + 1);
        if (rc != BL_OK)
            return rc;
    }
}
