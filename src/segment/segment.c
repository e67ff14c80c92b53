/* segment.c - a segment file as a whole: writing the sections with their
** checksums and the footer (table of contents), opening a file and checking
** its footer and small sections, the full verification of `byline check`,
** whole-segment facts and id lookup.
**
** Invariant: once bl_segment_open has returned BL_OK every section lies
** inside the map, the small sections (meta, term index, lengths, columns,
** store index and dictionary) have matching checksums and a consistent
** shape, so readers only need to bounds-check the big sections (terms,
** postings, positions, store) whose checksums bl_segment_verify checks.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utf8proc.h>

#include "base/hash.h"
#include "base/varint.h"
#include "segment/bitpack.h"
#include "segment/segfile.h"

int bl_seg_fail(char *msg, size_t cap, const char *fmt, ...)
{
    va_list ap;

    if (msg != NULL && cap > 0) {
        va_start(ap, fmt);
        vsnprintf(msg, cap, fmt, ap);
        va_end(ap);
    }
    return BL_ECORRUPT;
}

/* ---- writing ----------------------------------------------------------- */

static void meta_encode(const bl_segment_parts *pt, uint8_t *m)
{
    memset(m, 0, BL_META_BYTES);
    bl_store_u32le(m, pt->docs);
    bl_store_u32le(m + 4, pt->n_term_blocks);
    bl_store_u64le(m + 8, pt->n_terms);
    bl_store_u64le(m + 16, pt->n_postings);
    bl_store_u64le(m + 24, pt->n_positions);
    bl_store_u64le(m + 32, pt->field_total[0]);
    bl_store_u64le(m + 40, pt->field_total[1]);
    bl_store_u64le(m + 48, pt->raw_bytes);
    bl_store_u32le(m + 56, pt->n_store_blocks);
    bl_store_u32le(m + 60, pt->n_sources);
    bl_store_u32le(m + 64, BL_TERMS_PER_BLOCK);
}

/* Write a section given in pieces; *len and *sum are its bytes and
** checksum. Mapped pieces are handed back once written. */
static int write_pieces(int fd, const bl_piece *pc, size_t n, uint64_t *len,
                        uint64_t *sum)
{
    bl_checksum_stream *st = bl_checksum_begin();
    int rc = st != NULL ? BL_OK : BL_ENOMEM;

    *len = 0;
    for (size_t i = 0; i < n && rc == BL_OK; i++) {
        bl_checksum_add(st, pc[i].p, pc[i].len);
        if (pc[i].len > 0)
            rc = bl_file_write_all(fd, pc[i].p, pc[i].len);
        if (pc[i].mapped)
            bl_map_drop(pc[i].p, pc[i].len);
        *len += pc[i].len;
    }
    if (st != NULL)
        *sum = bl_checksum_end(st);
    return rc;
}

int bl_segment_write(const char *path, const bl_segment_parts *parts,
                     uint64_t *bytes)
{
    uint8_t meta[BL_META_BYTES], footer[BL_FOOTER_BYTES];
    char tmp[4096];
    uint64_t off = BL_SEG_MAGIC_BYTES;
    int fd, rc = BL_OK;

    *bytes = 0;
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return BL_ELIMIT;
    meta_encode(parts, meta);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return BL_EIO;
    rc = bl_file_write_all(fd, BL_SEG_MAGIC, BL_SEG_MAGIC_BYTES);
    for (int s = 0; s < BL_SEC_COUNT && rc == BL_OK; s++) {
        uint8_t *e = footer + (size_t)s * BL_TOC_ENTRY_BYTES;
        uint64_t len = 0, sum = 0;

        if (s == BL_SEC_STORE && parts->store != NULL) {
            rc = write_pieces(fd, parts->store, parts->n_store, &len, &sum);
        } else {
            const uint8_t *p = s == BL_SEC_META ? meta : parts->sec[s]->p;

            len = s == BL_SEC_META ? sizeof meta : parts->sec[s]->len;
            sum = bl_checksum(p, (size_t)len);
            if (len > 0)
                rc = bl_file_write_all(fd, p, (size_t)len);
        }
        bl_store_u64le(e, off);
        bl_store_u64le(e + 8, len);
        bl_store_u64le(e + 16, sum);
        off += len;
    }
    if (rc == BL_OK) {
        uint8_t *t = footer + BL_SEC_COUNT * BL_TOC_ENTRY_BYTES;

        bl_store_u32le(t, BL_SEG_VERSION);
        bl_store_u32le(t + 4, BL_SEC_COUNT);
        bl_store_u64le(t + 8, bl_checksum(footer, (size_t)(t + 8 - footer)));
        memcpy(t + 16, BL_SEG_MAGIC, BL_SEG_MAGIC_BYTES);
        rc = bl_file_write_all(fd, footer, sizeof footer);
        off += sizeof footer;
    }
    rc = bl_file_finish_tmp(fd, tmp, path, rc);
    if (rc != BL_OK)
        return rc;
    *bytes = off;
    return BL_OK;
}

int bl_keyword_fold(const char *s, size_t len, char **out, size_t *out_len)
{
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t n;

    *out = NULL;
    *out_len = 0;
    {
        /* ASCII (the common case): fold A-Z without utf8proc. */
        size_t i = 0;

        while (i < len && (unsigned char)s[i] < 0x80)
            i++;
        if (i == len) {
            char *p = malloc(len + 1);

            if (p == NULL)
                return BL_ENOMEM;
            for (i = 0; i < len; i++)
                p[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32)
                                                  : s[i];
            p[len] = '\0';
            *out = p;
            *out_len = len;
            return BL_OK;
        }
    }
    n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len,
                     &dst, UTF8PROC_STABLE | UTF8PROC_COMPOSE |
                     UTF8PROC_CASEFOLD);
    if (n < 0) {
        /* Not valid UTF-8: keep the bytes, folding ASCII only. */
        char *p = malloc(len + 1);

        if (p == NULL)
            return BL_ENOMEM;
        for (size_t i = 0; i < len; i++)
            p[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
        p[len] = '\0';
        *out = p;
        *out_len = len;
        return BL_OK;
    }
    *out = (char *)dst;
    *out_len = (size_t)n;
    return BL_OK;
}

/* ---- opening ----------------------------------------------------------- */

static int check_footer(bl_segment *seg)
{
    const uint8_t *f, *t;
    uint64_t at = BL_SEG_MAGIC_BYTES;
    size_t len = seg->map.len;

    if (len < BL_SEG_MAGIC_BYTES + BL_FOOTER_BYTES ||
        memcmp(seg->map.p, BL_SEG_MAGIC, BL_SEG_MAGIC_BYTES) != 0)
        return BL_ECORRUPT;
    f = seg->map.p + len - BL_FOOTER_BYTES;
    t = f + BL_SEC_COUNT * BL_TOC_ENTRY_BYTES;
    if (memcmp(t + 16, BL_SEG_MAGIC, BL_SEG_MAGIC_BYTES) != 0)
        return BL_ECORRUPT;
    if (bl_checksum(f, (size_t)(t + 8 - f)) != bl_load_u64le(t + 8))
        return BL_ECORRUPT;
    if (bl_load_u32le(t) != BL_SEG_VERSION)
        return BL_EVERSION;
    if (bl_load_u32le(t + 4) != BL_SEC_COUNT)
        return BL_ECORRUPT;
    seg->uid = bl_load_u64le(t + 8);
    for (int s = 0; s < BL_SEC_COUNT; s++) {
        const uint8_t *e = f + (size_t)s * BL_TOC_ENTRY_BYTES;
        uint64_t off = bl_load_u64le(e), n = bl_load_u64le(e + 8);

        if (off != at || n > len - BL_FOOTER_BYTES - off)
            return BL_ECORRUPT;
        seg->sec[s].p = seg->map.p + off;
        seg->sec[s].len = n;
        seg->sec[s].checksum = bl_load_u64le(e + 16);
        at = off + n;
    }
    if (at != len - BL_FOOTER_BYTES)
        return BL_ECORRUPT;
    return BL_OK;
}

static bool section_ok(const bl_segment *seg, int s)
{
    return bl_checksum(seg->sec[s].p, (size_t)seg->sec[s].len) ==
           seg->sec[s].checksum;
}

static int read_meta(bl_segment *seg)
{
    const uint8_t *m = seg->sec[BL_SEC_META].p;

    if (seg->sec[BL_SEC_META].len != BL_META_BYTES ||
        !section_ok(seg, BL_SEC_META))
        return BL_ECORRUPT;
    seg->docs = bl_load_u32le(m);
    seg->n_term_blocks = bl_load_u32le(m + 4);
    seg->n_terms = bl_load_u64le(m + 8);
    seg->n_postings = bl_load_u64le(m + 16);
    seg->n_positions = bl_load_u64le(m + 24);
    seg->field_total[0] = bl_load_u64le(m + 32);
    seg->field_total[1] = bl_load_u64le(m + 40);
    seg->raw_bytes = bl_load_u64le(m + 48);
    seg->n_store_blocks = bl_load_u32le(m + 56);
    seg->n_sources = bl_load_u32le(m + 60);
    if (bl_load_u32le(m + 64) != BL_TERMS_PER_BLOCK ||
        seg->docs == BL_DOC_END ||
        seg->n_terms > (uint64_t)seg->n_term_blocks * BL_TERMS_PER_BLOCK ||
        (seg->n_term_blocks > 0 &&
         seg->n_terms <= (uint64_t)(seg->n_term_blocks - 1) *
                             BL_TERMS_PER_BLOCK) ||
        seg->sec[BL_SEC_TERMIDX].len != 4ull * seg->n_term_blocks)
        return BL_ECORRUPT;
    return BL_OK;
}

int bl_segment_open(const char *path, bl_segment **out)
{
    static const int small[] = {BL_SEC_TERMIDX, BL_SEC_LENGTHS,
                                BL_SEC_COLUMNS, BL_SEC_STOREIDX,
                                BL_SEC_STOREDICT};
    bl_segment *seg;
    int rc;

    *out = NULL;
    seg = calloc(1, sizeof *seg);
    if (seg == NULL)
        return BL_ENOMEM;
    rc = bl_file_map(path, &seg->map);
    if (rc == BL_OK)
        rc = check_footer(seg);
    if (rc == BL_OK)
        rc = read_meta(seg);
    for (size_t i = 0; rc == BL_OK && i < sizeof small / sizeof small[0];
         i++)
        if (!section_ok(seg, small[i]))
            rc = BL_ECORRUPT;
    if (rc == BL_OK)
        rc = bl_termdict_load(seg);
    if (rc == BL_OK)
        rc = bl_columns_load(seg);
    if (rc == BL_OK)
        rc = bl_store_load(seg);
    if (rc != BL_OK) {
        bl_segment_close(seg);
        return rc;
    }
    *out = seg;
    return BL_OK;
}

void bl_segment_close(bl_segment *seg)
{
    if (seg == NULL)
        return;
    bl_store_unload(seg);
    bl_columns_unload(seg);
    bl_termdict_unload(seg);
    bl_file_unmap(&seg->map);
    free(seg);
}

/* ---- verification ------------------------------------------------------ */

typedef struct id_seen {
    uint32_t doc;
    bool found;
} id_seen;

static int note_doc(void *ctx, uint32_t doc)
{
    id_seen *s = ctx;

    s->found |= doc == s->doc;
    return BL_OK;
}

/* Every id decodes, and its keyword's postings hold its document. */
static int verify_ids(const bl_segment *seg, char *msg, size_t cap)
{
    bl_buf id = BL_BUF_INIT;
    int rc = BL_OK;

    for (uint32_t d = 0; d < seg->docs && rc == BL_OK; d++) {
        id_seen s = {d, false};

        rc = bl_segment_id(seg, d, &id);
        if (rc == BL_ECORRUPT)
            rc = bl_seg_fail(msg, cap, "columns: the id of doc %u does not "
                             "decode", d);
        else if (rc == BL_OK && id.len > 0 &&   /* "" is not indexed */
                 (rc = bl_segment_each_id(seg, (const char *)id.p, note_doc,
                                          &s)) == BL_OK &&
                 !s.found)
            rc = bl_seg_fail(msg, cap, "columns: doc %u's id is not in its "
                             "id postings", d);
        else if (rc == BL_ECORRUPT)    /* the lookup met bad terms */
            rc = bl_seg_fail(msg, cap, "terms: looking up the id of doc %u "
                             "meets a corrupt term dictionary", d);
    }
    bl_buf_free(&id);
    return rc;
}

static int verify_columns(const bl_segment *seg, char *msg, size_t cap)
{
    uint64_t sum[BL_N_TEXT_FIELDS] = {0, 0};

    for (uint32_t d = 0; d < seg->docs; d++) {
        uint32_t ord = (uint32_t)bl_bitpack_get(seg->ord_p, d, seg->ord_w);

        for (int f = 0; f < BL_N_TEXT_FIELDS; f++)
            sum[f] += bl_segment_field_len(seg, (bl_field_id)f, d);
        if (ord >= seg->n_sources)
            return bl_seg_fail(msg, cap, "columns: doc %u: source ordinal "
                               "%u out of range", d, ord);
    }
    for (int f = 0; f < BL_N_TEXT_FIELDS; f++)
        if (sum[f] != seg->field_total[f])
            return bl_seg_fail(msg, cap, "lengths: %s lengths sum to %llu, "
                               "meta says %llu", f ? "body" : "title",
                               (unsigned long long)sum[f],
                               (unsigned long long)seg->field_total[f]);
    for (uint32_t i = 1; i < seg->n_sources; i++)
        if (strcmp(seg->source_names[i - 1], seg->source_names[i]) >= 0)
            return bl_seg_fail(msg, cap, "columns: source names not sorted "
                               "at %u", i);
    return verify_ids(seg, msg, cap);
}

int bl_segment_verify(const bl_segment *seg, char *msg, size_t cap)
{
    int rc;

    if (msg != NULL && cap > 0)
        msg[0] = '\0';
    for (int s = 0; s < BL_SEC_COUNT; s++)
        if (!section_ok(seg, s))
            return bl_seg_fail(msg, cap, "%s: checksum mismatch (%llu "
                               "bytes at offset %llu)", bl_sec_name(s),
                               (unsigned long long)seg->sec[s].len,
                               (unsigned long long)(seg->sec[s].p -
                                                    seg->map.p));
    rc = verify_columns(seg, msg, cap);
    if (rc == BL_OK)
        rc = bl_termdict_verify(seg, msg, cap);
    if (rc == BL_OK)
        rc = bl_store_verify(seg, msg, cap);
    return rc;
}

/* ---- whole-segment facts ----------------------------------------------- */

uint32_t bl_segment_docs(const bl_segment *seg)
{
    return seg->docs;
}

uint64_t bl_segment_field_total(const bl_segment *seg, bl_field_id field)
{
    return (unsigned)field < BL_N_TEXT_FIELDS ? seg->field_total[field] : 0;
}

uint64_t bl_segment_terms(const bl_segment *seg)
{
    return seg->n_terms;
}

uint64_t bl_segment_postings_count(const bl_segment *seg)
{
    return seg->n_postings;
}

uint64_t bl_segment_positions_count(const bl_segment *seg)
{
    return seg->n_positions;
}

void bl_segment_sizes(const bl_segment *seg, bl_section_stats *out,
                      uint64_t *raw, uint64_t *file)
{
    out->terms = BL_SEG_MAGIC_BYTES + BL_FOOTER_BYTES +
                 seg->sec[BL_SEC_META].len + seg->sec[BL_SEC_TERMS].len +
                 seg->sec[BL_SEC_TERMIDX].len;
    out->postings = seg->sec[BL_SEC_POSTINGS].len;
    out->positions = seg->sec[BL_SEC_POSITIONS].len;
    out->lengths = seg->sec[BL_SEC_LENGTHS].len;
    out->columns = seg->sec[BL_SEC_COLUMNS].len;
    out->store = seg->sec[BL_SEC_STORE].len + seg->sec[BL_SEC_STOREIDX].len +
                 seg->sec[BL_SEC_STOREDICT].len;
    *raw = seg->raw_bytes;
    *file = seg->map.len;
}

int bl_segment_each_id(const bl_segment *seg, const char *id,
                       int (*fn)(void *ctx, uint32_t doc), void *ctx)
{
    bl_term_info ti;
    bl_postings *p;
    uint32_t doc;
    size_t len = strlen(id);
    int rc;

    if (len > BL_MAX_TERM)
        len = BL_MAX_TERM;
    rc = bl_segment_term(seg, BL_FIELD_ID, id, len, &ti);
    if (rc == BL_ENOTFOUND)
        return BL_OK;
    if (rc != BL_OK)
        return rc;
    p = malloc(sizeof *p);      /* a cursor is too big for the stack */
    if (p == NULL)
        return BL_ENOMEM;
    rc = bl_postings_open(seg, BL_FIELD_ID, &ti, false, p);
    while (rc == BL_OK && (doc = bl_postings_next(p)) != BL_DOC_END)
        rc = fn(ctx, doc);
    if (rc == BL_OK)
        rc = p->rc;
    free(p);
    return rc;
}

static int keep_last(void *ctx, uint32_t doc)
{
    *(uint32_t *)ctx = doc;
    return BL_OK;
}

uint32_t bl_segment_find_id(const bl_segment *seg, const char *id)
{
    uint32_t last = BL_DOC_END;

    if (bl_segment_each_id(seg, id, keep_last, &last) != BL_OK)
        return BL_DOC_END;
    return last;
}
