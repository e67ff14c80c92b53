/* columns.c - per-document values (format.h, LENGTHS and COLUMNS): exact
** field lengths for BM25, the date column and the dictionary-encoded source
** column. Writers run at flush; readers are O(1) random access into packed
** runs.
**
** Invariant: bl_columns_load checks that every packed run lies inside its
** section before any accessor runs, so the accessors (hot in scoring) do no
** checks of their own; an out-of-range doc or ordinal yields 0 / "".
*/
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/varint.h"
#include "segment/bitpack.h"
#include "segment/segfile.h"

/* ---- writers ----------------------------------------------------------- */

void bl_ids_writer_init(bl_ids_writer *w)
{
    memset(w, 0, sizeof *w);
}

static size_t shared_prefix(const uint8_t *a, size_t an, const char *b,
                            size_t bn)
{
    size_t n = an < bn ? an : bn, i = 0;

    while (i < n && a[i] == (uint8_t)b[i])
        i++;
    return i;
}

int bl_ids_add(bl_ids_writer *w, const char *id, size_t len)
{
    if (w->n % BL_IDS_PER_GROUP == 0) {
        if (w->data.len > UINT32_MAX)
            return BL_ELIMIT;
        bl_buf_put_u32le(&w->starts, (uint32_t)w->data.len);
        bl_buf_put_varint(&w->data, len);
        bl_buf_append(&w->data, id, len);
    } else {
        size_t k = shared_prefix(w->prev.p, w->prev.len, id, len);

        bl_buf_put_varint(&w->data, k);
        bl_buf_put_varint(&w->data, len - k);
        bl_buf_append(&w->data, id + k, len - k);
    }
    bl_buf_reset(&w->prev);
    bl_buf_append(&w->prev, id, len);
    if (w->data.rc != BL_OK || w->starts.rc != BL_OK || w->prev.rc != BL_OK)
        return BL_ENOMEM;
    w->n++;
    return BL_OK;
}

/* The next id of a group from *p (before end), as bl_ids_add wrote it: a
** group's first whole (first), each other one after the bytes it shares
** with the one before, which out[0..*len) holds. out has room for the
** group's bytes, which none of its ids passes. BL_ECORRUPT when they do
** not decode. */
static inline int id_next(const uint8_t **p, const uint8_t *end, bool first,
                          uint8_t *out, size_t *len)
{
    uint64_t keep = 0, n;

    if ((!first && bl_varint_get(p, end, &keep) != BL_OK) ||
        bl_varint_get(p, end, &n) != BL_OK || keep > *len ||
        n > (uint64_t)(end - *p))
        return BL_ECORRUPT;
    memcpy(out + keep, *p, (size_t)n);
    *len = (size_t)(keep + n);
    *p += n;
    return BL_OK;
}

int bl_ids_append(bl_ids_writer *dst, const bl_ids_writer *src)
{
    const uint8_t *p = src->data.p, *end = p + src->data.len;
    bl_buf id = BL_BUF_INIT;
    /* Room for any group (the pages beyond the longest id stay untouched). */
    int rc = bl_buf_reserve(&id, src->data.len + 1);

    for (uint32_t i = 0; i < src->n && rc == BL_OK; i++) {
        rc = id_next(&p, end, i % BL_IDS_PER_GROUP == 0, id.p, &id.len);
        if (rc == BL_OK)
            rc = bl_ids_add(dst, (const char *)id.p, id.len);
    }
    bl_buf_free(&id);
    return rc;
}

size_t bl_ids_ram(const bl_ids_writer *w)
{
    return w->data.cap + w->starts.cap + w->prev.cap;
}

void bl_ids_reset(bl_ids_writer *w)
{
    bl_buf_reset(&w->data);
    bl_buf_reset(&w->starts);
    bl_buf_reset(&w->prev);
    w->n = 0;
}

void bl_ids_writer_free(bl_ids_writer *w)
{
    bl_buf_free(&w->data);
    bl_buf_free(&w->starts);
    bl_buf_free(&w->prev);
}

/* Zeroed room for bytes of packed values at the end of out, and a bit
** writer at its start (out->len is advanced by the caller). */
static int start_bits(bl_buf *out, size_t bytes, bl_bitwriter *bw)
{
    if (bl_buf_reserve(out, bytes) != BL_OK)
        return out->rc;
    memset(out->p + out->len, 0, bytes);
    bw->out = out->p + out->len;
    bw->acc = 0;
    bw->bits = 0;
    return BL_OK;
}

static int ids_write(bl_buf *out, const bl_ids_writer *ids)
{
    uint32_t groups = (uint32_t)(ids->starts.len / 4);
    uint32_t last = groups ? bl_load_u32le(ids->starts.p + 4 * (groups - 1))
                           : 0;
    unsigned w = bl_bitpack_width64(last);
    size_t bytes = bl_bitpack_bytes(groups, w);
    uint8_t head[BL_IDS_HEAD] = {0};
    bl_bitwriter bw;

    bl_store_u64le(head, ids->data.len);
    head[8] = (uint8_t)w;
    bl_buf_append(out, head, sizeof head);
    if (start_bits(out, bytes, &bw) != BL_OK)
        return out->rc;
    for (uint32_t g = 0; g < groups; g++)
        bl_bitwriter_put(&bw, bl_load_u32le(ids->starts.p + 4 * g), w);
    bl_bitwriter_flush(&bw);
    out->len += bytes;
    bl_buf_append(out, ids->data.p, ids->data.len);
    return out->rc;
}

int bl_lengths_write(bl_buf *out, const uint32_t *const len[2],
                     uint32_t docs)
{
    unsigned w[2];

    for (int f = 0; f < 2; f++)
        w[f] = bl_bitpack_width(len[f], docs);
    bl_buf_putc(out, (uint8_t)w[0]);
    bl_buf_putc(out, (uint8_t)w[1]);
    bl_buf_putc(out, 0);
    bl_buf_putc(out, 0);
    for (int f = 0; f < 2; f++) {
        size_t bytes = bl_bitpack_bytes(docs, w[f]);

        if (bl_buf_reserve(out, bytes) != BL_OK)
            return out->rc;
        bl_bitpack_encode(len[f], docs, w[f], out->p + out->len);
        out->len += bytes;
    }
    return out->rc;
}

int bl_columns_write(bl_buf *out, const int64_t *dates, uint32_t docs,
                     const char *const *sources, uint32_t n_sources,
                     const uint32_t *ords, const bl_ids_writer *ids)
{
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    bool any_none = false;
    unsigned dw, ow;
    uint64_t span;
    bl_bitwriter bw;
    size_t bytes;
    uint8_t head[BL_COLUMNS_HEAD];

    for (uint32_t d = 0; d < docs; d++) {
        if (dates[d] == BL_NO_DATE) {
            any_none = true;
            continue;
        }
        lo = dates[d] < lo ? dates[d] : lo;
        hi = dates[d] > hi ? dates[d] : hi;
    }
    if (lo > hi)
        lo = hi = 0;
    span = (uint64_t)hi - (uint64_t)lo;
    /* All ones of the width marks "no date": keep it above the span. */
    if (any_none && span == UINT64_MAX)
        return BL_ELIMIT;
    dw = bl_bitpack_width64(any_none ? span + 1 : span);
    if (any_none && dw == 0)
        dw = 1;
    ow = n_sources > 1 ? bl_bitpack_width64(n_sources - 1) : 0;
    bl_store_u64le(head, (uint64_t)lo);
    head[8] = (uint8_t)dw;
    head[9] = (uint8_t)ow;
    head[10] = head[11] = 0;
    bl_store_u32le(head + 12, n_sources);
    bl_buf_append(out, head, sizeof head);
    for (uint32_t i = 0; i < n_sources; i++)
        bl_buf_append(out, sources[i], strlen(sources[i]) + 1);
    bytes = bl_bitpack_bytes(docs, dw) + bl_bitpack_bytes(docs, ow);
    if (start_bits(out, bytes, &bw) != BL_OK)
        return out->rc;
    for (uint32_t d = 0; d < docs; d++) {
        uint64_t v = dates[d] == BL_NO_DATE
                         ? (dw == 64 ? UINT64_MAX : ((uint64_t)1 << dw) - 1)
                         : (uint64_t)dates[d] - (uint64_t)lo;
        bl_bitwriter_put(&bw, v, dw);
    }
    bl_bitwriter_flush(&bw);
    for (uint32_t d = 0; d < docs; d++)
        bl_bitwriter_put(&bw, ords[d], ow);
    bl_bitwriter_flush(&bw);
    out->len += bytes;
    if (ids->n != docs)
        return BL_EINVAL;
    return ids_write(out, ids);
}

/* ---- readers ----------------------------------------------------------- */

int bl_columns_load(bl_segment *seg)
{
    const bl_section *ls = &seg->sec[BL_SEC_LENGTHS];
    const bl_section *cs = &seg->sec[BL_SEC_COLUMNS];
    const uint8_t *p, *end;
    uint64_t need = BL_LENGTHS_HEAD;

    /* LENGTHS: two runs of docs values. */
    if (ls->len < BL_LENGTHS_HEAD || ls->p[0] > 32 || ls->p[1] > 32)
        return BL_ECORRUPT;
    for (int f = 0; f < BL_N_TEXT_FIELDS; f++) {
        seg->len_w[f] = ls->p[f];
        seg->len_p[f] = ls->p + need;
        need += bl_bitpack_bytes(seg->docs, seg->len_w[f]);
    }
    if (need != ls->len)
        return BL_ECORRUPT;
    seg->len_end = ls->p + ls->len;
    /* COLUMNS: head, source names, two runs. */
    if (cs->len < BL_COLUMNS_HEAD)
        return BL_ECORRUPT;
    seg->date_base = (int64_t)bl_load_u64le(cs->p);
    seg->date_w = cs->p[8];
    seg->ord_w = cs->p[9];
    if (seg->date_w > 64 || seg->ord_w > 32 ||
        bl_load_u32le(cs->p + 12) != seg->n_sources)
        return BL_ECORRUPT;
    if (seg->n_sources > cs->len)
        return BL_ECORRUPT;
    seg->source_names = calloc(seg->n_sources + 1, sizeof(char *));
    if (seg->source_names == NULL)
        return BL_ENOMEM;
    p = cs->p + BL_COLUMNS_HEAD;
    end = seg->col_end = cs->p + cs->len;
    for (uint32_t i = 0; i < seg->n_sources; i++) {
        const uint8_t *nul = memchr(p, 0, (size_t)(end - p));

        if (nul == NULL)
            return BL_ECORRUPT;
        seg->source_names[i] = (const char *)p;
        p = nul + 1;
    }
    seg->date_p = p;
    need = bl_bitpack_bytes(seg->docs, seg->date_w);
    if (need > (uint64_t)(end - p))
        return BL_ECORRUPT;
    p += need;
    seg->ord_p = p;
    need = bl_bitpack_bytes(seg->docs, seg->ord_w);
    if (need > (uint64_t)(end - p))
        return BL_ECORRUPT;
    p += need;
    /* The ids: head, group starts, bytes (checked as they are read). */
    if ((uint64_t)(end - p) < BL_IDS_HEAD)
        return BL_ECORRUPT;
    seg->ids_len = bl_load_u64le(p);
    seg->ids_w = p[8];
    p += BL_IDS_HEAD;
    seg->ids_start_p = p;
    need = bl_bitpack_bytes((seg->docs + BL_IDS_PER_GROUP - 1) /
                                BL_IDS_PER_GROUP,
                            seg->ids_w);
    if (seg->ids_w > 32 || need > (uint64_t)(end - p) ||
        seg->ids_len != (uint64_t)(end - p) - need)
        return BL_ECORRUPT;
    seg->ids_p = p + need;
    if (seg->n_sources == 0 && seg->docs > 0)
        return BL_ECORRUPT;
    return BL_OK;
}

void bl_columns_unload(bl_segment *seg)
{
    free(seg->source_names);
    seg->source_names = NULL;
}

void bl_segment_field_lengths(const bl_segment *seg, bl_field_id field,
                              bl_field_lengths *out)
{
    memset(out, 0, sizeof *out);
    if ((unsigned)field >= BL_N_TEXT_FIELDS)
        return;                /* docs 0: every length reads 0 */
    out->p = seg->len_p[field];
    out->end = seg->len_end;
    out->w = seg->len_w[field];
    out->docs = seg->docs;
}

uint32_t bl_segment_field_len(const bl_segment *seg, bl_field_id field,
                              uint32_t doc)
{
    bl_field_lengths l;

    bl_segment_field_lengths(seg, field, &l);
    return bl_field_lengths_get(&l, doc);
}

int64_t bl_segment_date(const bl_segment *seg, uint32_t doc)
{
    uint64_t v, none;

    if (doc >= seg->docs || seg->date_w == 0)
        return doc >= seg->docs ? BL_NO_DATE : seg->date_base;
    v = bl_bitpack_get_in(seg->date_p, seg->col_end, doc, seg->date_w);
    none = seg->date_w == 64 ? UINT64_MAX
                             : ((uint64_t)1 << seg->date_w) - 1;
    if (v == none)
        return BL_NO_DATE;
    return (int64_t)((uint64_t)seg->date_base + v);
}

uint32_t bl_segment_source_ord(const bl_segment *seg, uint32_t doc)
{
    uint32_t ord;

    if (doc >= seg->docs)
        return 0;
    ord = (uint32_t)bl_bitpack_get_in(seg->ord_p, seg->col_end, doc,
                                      seg->ord_w);
    return ord < seg->n_sources ? ord : 0;
}

const char *bl_segment_source_name(const bl_segment *seg, uint32_t ord)
{
    return ord < seg->n_sources ? seg->source_names[ord] : "";
}

uint32_t bl_segment_source_count(const bl_segment *seg)
{
    return seg->n_sources;
}

int bl_segment_id(const bl_segment *seg, uint32_t doc, bl_buf *out)
{
    uint32_t g = doc / BL_IDS_PER_GROUP;
    uint32_t groups = (seg->docs + BL_IDS_PER_GROUP - 1) / BL_IDS_PER_GROUP;
    uint64_t from, to;
    const uint8_t *p, *end;

    bl_buf_reset(out);
    if (doc >= seg->docs)
        return BL_ENOTFOUND;
    from = bl_bitpack_get_in(seg->ids_start_p, seg->col_end, g, seg->ids_w);
    to = g + 1 < groups ? bl_bitpack_get_in(seg->ids_start_p, seg->col_end,
                                            g + 1, seg->ids_w)
                        : seg->ids_len;
    if (from > to || to > seg->ids_len)
        return BL_ECORRUPT;
    p = seg->ids_p + from;
    end = seg->ids_p + to;
    /* No id of the group is longer than the group's bytes. */
    if (bl_buf_reserve(out, (size_t)(to - from) + 1) != BL_OK)
        return out->rc;
    for (uint32_t i = 0; i <= doc % BL_IDS_PER_GROUP; i++)
        if (id_next(&p, end, i == 0, out->p, &out->len) != BL_OK)
            return BL_ECORRUPT;
    out->p[out->len] = 0;
    return BL_OK;
}
