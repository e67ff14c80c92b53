/* postings.c - one term's postings and positions (format.h, POSTINGS and
** POSITIONS): the writer used at flush, the cursor of segment.h that the
** query side iterates, the block-max bounds for dynamic pruning, and the
** exact check of bl_segment_verify.
**
** Invariant: the cursor never reads outside the POSTINGS / POSITIONS
** sections, whatever the bytes say; every length and width is checked
** before use and a bad one makes the cursor's rc BL_ECORRUPT, sticky, with
** BL_DOC_END returned from then on. Doc ids it returns are < docs and
** increasing within a block.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/varint.h"
#include "segment/bitpack.h"
#include "segment/segfile.h"

/* ---- writer ------------------------------------------------------------ */

typedef struct pos_chunker {
    bl_buf *out;
    uint32_t vals[BL_POS_CHUNK];
    unsigned n;
} pos_chunker;

static void chunk_flush(pos_chunker *c)
{
    if (c->n == 0)
        return;
    if (bl_buf_reserve(c->out, bl_pfor_bound(c->n)) == BL_OK)
        c->out->len += bl_pfor_encode(c->vals, c->n, c->out->p + c->out->len);
    c->n = 0;
}

/* Append the positions of docs [from, to) as one positions block. */
static int write_positions(bl_buf *pos, const uint32_t *tfs,
                           const uint32_t **positions, uint32_t from,
                           uint32_t to)
{
    pos_chunker c;

    c.out = pos;
    c.n = 0;
    for (uint32_t d = from; d < to; d++) {
        const uint32_t *p = *positions;

        for (uint32_t k = 0; k < tfs[d]; k++) {
            if (k > 0 && p[k] <= p[k - 1])
                return BL_EINVAL;
            c.vals[c.n++] = k == 0 ? p[0] : p[k] - p[k - 1] - 1;
            if (c.n == BL_POS_CHUNK)
                chunk_flush(&c);
        }
        *positions += tfs[d];
    }
    chunk_flush(&c);
    return pos->rc;
}

int bl_postings_write(bl_buf *post, bl_buf *pos, bl_field_id field,
                      const uint32_t *docs, const uint32_t *tfs, uint32_t df,
                      const uint32_t *positions, const uint32_t *field_len)
{
    bool text = field < BL_N_TEXT_FIELDS;
    uint32_t n_blocks, gaps[BL_BLOCK_DOCS], fv[BL_BLOCK_DOCS];
    size_t skip_at, data_at, pos_at;
    int64_t prev = -1;
    int rc = BL_OK;

    if (df == 0)
        return BL_EINVAL;
    if (df == 1) {
        /* The doc id lives in the dictionary; only positions here. */
        if (text)
            rc = write_positions(pos, tfs, &positions, 0, 1);
        return rc;
    }
    n_blocks = (df + BL_BLOCK_DOCS - 1) / BL_BLOCK_DOCS;
    skip_at = post->len;
    if (n_blocks > 1) {
        if (bl_buf_reserve(post, (size_t)n_blocks * BL_SKIP_BYTES) != BL_OK)
            return post->rc;
        memset(post->p + post->len, 0, (size_t)n_blocks * BL_SKIP_BYTES);
        post->len += (size_t)n_blocks * BL_SKIP_BYTES;
    }
    data_at = post->len;
    pos_at = pos->len;
    for (uint32_t b = 0; b < n_blocks && rc == BL_OK; b++) {
        uint32_t from = b * BL_BLOCK_DOCS;
        uint32_t n = df - from < BL_BLOCK_DOCS ? df - from : BL_BLOCK_DOCS;
        uint32_t max_tf = 0, min_len = UINT32_MAX;

        for (uint32_t i = 0; i < n; i++) {
            uint32_t d = docs[from + i];

            if ((int64_t)d <= prev || tfs[from + i] == 0)
                return BL_EINVAL;
            gaps[i] = (uint32_t)((int64_t)d - prev - 1);
            fv[i] = tfs[from + i] - 1;
            prev = d;
            if (!text)
                max_tf = 1;    /* keyword tf is 1 */
            else if (tfs[from + i] > max_tf)
                max_tf = tfs[from + i];
            if (text && field_len[d] < min_len)
                min_len = field_len[d];
        }
        if (bl_buf_reserve(post, 2 * bl_pfor_bound(n)) != BL_OK)
            return post->rc;
        post->len += bl_pfor_encode(gaps, n, post->p + post->len);
        if (text)
            post->len += bl_pfor_encode(fv, n, post->p + post->len);
        if (text)
            rc = write_positions(pos, tfs, &positions, from, from + n);
        if (n_blocks > 1) {
            uint8_t *e = post->p + skip_at + (size_t)b * BL_SKIP_BYTES;

            if (post->len - data_at > UINT32_MAX ||
                pos->len - pos_at > UINT32_MAX)
                return BL_ELIMIT;
            bl_store_u32le(e, docs[from + n - 1]);
            bl_store_u32le(e + 4, (uint32_t)(post->len - data_at));
            bl_store_u32le(e + 8, (uint32_t)(pos->len - pos_at));
            e[12] = (uint8_t)(max_tf >= 0xffff ? 0xff : max_tf);
            e[13] = (uint8_t)((max_tf >= 0xffff ? 0xffff : max_tf) >> 8);
            if (!text || min_len > 0xffff)
                min_len = text ? 0xffff : 0;
            e[14] = (uint8_t)min_len;
            e[15] = (uint8_t)(min_len >> 8);
        }
    }
    if (rc == BL_OK)
        rc = post->rc;
    if (rc == BL_OK)
        rc = pos->rc;
    return rc;
}

/* ---- cursor ------------------------------------------------------------ */

static uint32_t skip_last(const bl_postings *p, uint32_t b)
{
    return bl_load_u32le(p->skip + (size_t)b * BL_SKIP_BYTES);
}

static uint32_t skip_u32(const bl_postings *p, uint32_t b, unsigned at)
{
    return bl_load_u32le(p->skip + (size_t)b * BL_SKIP_BYTES + at);
}

static uint32_t skip_u16(const bl_postings *p, uint32_t b, unsigned at)
{
    const uint8_t *e = p->skip + (size_t)b * BL_SKIP_BYTES + at;

    return (uint32_t)e[0] | (uint32_t)e[1] << 8;
}

static uint32_t fail(bl_postings *p)
{
    p->rc = BL_ECORRUPT;
    p->doc = BL_DOC_END;
    p->n = 0;
    p->i = 0;
    p->freqs[0] = 0;
    return BL_DOC_END;
}

/* Decode block b into docs/freqs; *block_end (when not NULL) is set to the
** byte after it. */
static int decode_block(bl_postings *p, uint32_t b, const uint8_t **block_end)
{
    const uint8_t *q, *end = p->end;
    uint32_t docs = p->seg->docs, n;
    uint64_t start = 0, prev;
    uint32_t bad = 0;
    size_t used;

    if (p->df == 1) {
        /* docs[0] and freqs[0] were set by open from the dictionary. */
        p->n = 1;
        p->block = 0;
        p->block_off = 0;
        p->pos_off = 0;
        p->pos_ready = false;
        if (block_end != NULL)
            *block_end = p->data;
        return BL_OK;
    }
    if (p->n_blocks > 1 && b > 0)
        start = skip_u32(p, b - 1, 4);
    if (start > (uint64_t)(end - p->data))
        return BL_ECORRUPT;
    q = p->data + start;
    n = b + 1 < p->n_blocks ? BL_BLOCK_DOCS : p->df - b * BL_BLOCK_DOCS;
    if (bl_pfor_decode(q, (size_t)(end - q), n, p->docs, &used) != BL_OK)
        return BL_ECORRUPT;
    q += used;
    if (p->field < BL_N_TEXT_FIELDS) {
        if (bl_pfor_decode(q, (size_t)(end - q), n, p->freqs, &used) !=
            BL_OK)
            return BL_ECORRUPT;
        q += used;
    } else {
        memset(p->freqs, 0, sizeof(uint32_t) * n);
    }
    /* Gaps to ids: they only grow (gaps are >= 0 and 128 of them cannot
    ** carry a 64-bit sum), so the last one alone is checked against the
    ** segment; an id cut to 32 bits is below a last one that fails. */
    prev = b == 0 ? UINT64_MAX : skip_last(p, b - 1);
    for (uint32_t i = 0; i < n; i++) {
        prev += 1 + (uint64_t)p->docs[i];     /* UINT64_MAX + 1 wraps to 0 */
        p->docs[i] = (uint32_t)prev;
    }
    if (prev >= docs)
        return BL_ECORRUPT;
    for (uint32_t i = 0; i < n; i++) {
        bad |= p->freqs[i] == UINT32_MAX;
        p->freqs[i] += 1;
    }
    if (bad)
        return BL_ECORRUPT;
    if (p->n_blocks > 1 && p->docs[n - 1] != skip_last(p, b))
        return BL_ECORRUPT;
    p->n = n;
    p->block = b;
    p->block_off = start;
    p->pos_off = p->n_blocks > 1 && b > 0 ? skip_u32(p, b - 1, 8) : 0;
    p->pos_ready = false;
    if (block_end != NULL)
        *block_end = q;
    return BL_OK;
}

int bl_postings_open(const bl_segment *seg, bl_field_id field,
                     const bl_term_info *ti, bool positions, bl_postings *p)
{
    const bl_section *ps = &seg->sec[BL_SEC_POSTINGS];
    const bl_section *xs = &seg->sec[BL_SEC_POSITIONS];
    int rc;

    p->seg = seg;
    p->field = field;
    p->df = ti->df;
    p->cf = ti->cf;
    p->term_max_tf = ti->max_tf;
    p->rc = BL_OK;
    p->doc = BL_DOC_END;
    p->n = 0;
    p->i = UINT32_MAX;
    p->block = 0;
    p->skip_block = 0;
    p->single_min_len = UINT32_MAX;
    p->n_positions = 0;
    p->freqs[0] = 0;
    p->want_positions = positions && field < BL_N_TEXT_FIELDS;
    p->pos_data = p->pos_end = NULL;
    p->pos_cache_at = NULL;
    p->skip = NULL;
    if ((unsigned)field >= BL_N_FIELDS)
        return BL_EINVAL;
    if (ti->df == 0 || ti->df > seg->docs ||
        (ti->df > 1 && ti->postings_off > ps->len) ||
        (ti->df == 1 && (ti->postings_off >= seg->docs || ti->cf == 0 ||
                         ti->cf > UINT32_MAX))) {
        p->rc = BL_ECORRUPT;
        return BL_ECORRUPT;
    }
    if (ti->df == 1) {
        /* A single document: its id is in the dictionary entry. */
        p->data = p->end = ps->p;
        p->docs[0] = (uint32_t)ti->postings_off;
        p->freqs[0] = (uint32_t)ti->cf;
    } else {
        p->data = ps->p + ti->postings_off;
        p->end = ps->p + ps->len;
    }
    p->n_blocks = ti->df == 1 ? 1
                  : (ti->df + BL_BLOCK_DOCS - 1) / BL_BLOCK_DOCS;
    if (p->n_blocks > 1) {
        if ((uint64_t)p->n_blocks * BL_SKIP_BYTES >
            (uint64_t)(p->end - p->data)) {
            p->rc = BL_ECORRUPT;
            return BL_ECORRUPT;
        }
        p->skip = p->data;
        p->data += (size_t)p->n_blocks * BL_SKIP_BYTES;
    }
    if (field < BL_N_TEXT_FIELDS) {
        if (ti->positions_off > xs->len) {
            p->rc = BL_ECORRUPT;
            return BL_ECORRUPT;
        }
        p->pos_data = xs->p + ti->positions_off;
        p->pos_end = xs->p + xs->len;
    }
    p->i = UINT32_MAX;
    p->doc = 0;
    /* A list of several blocks decodes its first on the first next or
    ** seek (block UINT32_MAX: none yet, the next is 0), which a seek past
    ** it skips: an AND of a rare and a frequent word reads one block of
    ** the frequent one, not two (Reuters AND queries: 3% fewer
    ** instructions). */
    if (p->n_blocks > 1) {
        p->block = UINT32_MAX;
        return BL_OK;
    }
    rc = decode_block(p, 0, NULL);
    if (rc != BL_OK) {
        fail(p);
        return rc;
    }
    return BL_OK;
}

uint32_t bl_postings_advance(bl_postings *p, uint32_t k)
{
    if (p->rc != BL_OK || p->doc == BL_DOC_END || p->i >= p->n)
        return p->rc != BL_OK ? BL_DOC_END : p->doc;
    if (k == 0)
        return p->doc;
    if (p->i + k < p->n) {
        p->i += k;
        return p->doc = p->docs[p->i];
    }
    p->i = p->n - 1;           /* the run's last entry: next leaves it */
    return bl_postings_next(p);
}

uint32_t bl_postings_next(bl_postings *p)
{
    if (p->rc != BL_OK || (p->doc == BL_DOC_END && p->i != UINT32_MAX))
        return BL_DOC_END;
    if (p->i + 1 < p->n) {
        p->i++;
        p->doc = p->docs[p->i];
        return p->doc;
    }
    if (p->block + 1 >= p->n_blocks) {
        p->doc = BL_DOC_END;
        p->i = p->n > 0 ? p->n - 1 : 0;
        return BL_DOC_END;
    }
    if (decode_block(p, p->block + 1, NULL) != BL_OK)
        return fail(p);
    p->i = 0;
    p->doc = p->docs[0];
    return p->doc;
}

uint32_t bl_postings_seek(bl_postings *p, uint32_t target)
{
    uint32_t k;

    if (p->rc != BL_OK || (p->doc == BL_DOC_END && p->i != UINT32_MAX))
        return BL_DOC_END;
    if (p->i != UINT32_MAX && p->doc >= target)
        return p->doc;
    k = p->i == UINT32_MAX ? 0 : p->i;
    if (p->n == 0 || p->docs[p->n - 1] < target) {
        uint32_t b = p->block + 1;     /* 0 before the first decode */

        while (b < p->n_blocks && skip_last(p, b) < target)
            b++;
        if (b >= p->n_blocks) {
            p->doc = BL_DOC_END;
            p->i = p->n > 0 ? p->n - 1 : 0;
            return BL_DOC_END;
        }
        if (decode_block(p, b, NULL) != BL_OK)
            return fail(p);
        k = 0;
    }
    while (k + 1 < p->n && p->docs[k] < target)
        k++;
    p->i = k;
    p->doc = p->docs[k];
    if (p->doc < target)    /* only after corrupt bytes */
        return fail(p);
    return p->doc;
}

/* Walk the positions chunks of a block from q: skip `skip` values, then
** decode the tf positions of one document, storing the first cap of them
** in out (cap 0: store none, decode all). total is the block's value count.
** *last is the document's last position, *stop the first chunk byte not
** consumed. */
static int read_positions(const uint8_t *q, const uint8_t *end,
                          uint64_t total, uint64_t skip, uint32_t tf,
                          uint32_t *out, uint32_t cap, uint32_t *got,
                          uint32_t *last, const uint8_t **stop,
                          const uint8_t **first_chunk, uint64_t *first_at,
                          bl_postings *cache)
{
    uint32_t local[BL_POS_CHUNK], *vals;
    uint64_t idx = 0, prev = 0;
    uint32_t n_out = 0, seen = 0;

    while (idx < total && (seen < tf || idx + BL_POS_CHUNK <= skip)) {
        uint64_t cnt = total - idx < BL_POS_CHUNK ? total - idx
                                                  : BL_POS_CHUNK;
        uint64_t from = skip > idx ? skip - idx : 0;
        size_t used;

        if (from < cnt && seen == 0 && first_chunk != NULL) {
            *first_chunk = q;
            *first_at = idx;
        }
        if (cache != NULL && cache->pos_cache_at == q &&
            cache->pos_cache_n == cnt) {
            /* The chunk the previous document ended in. */
            vals = cache->pos_cache;
            used = cache->pos_cache_used;
        } else if (cache != NULL) {
            vals = cache->pos_cache;
            cache->pos_cache_at = NULL;
            if (bl_pfor_decode(q, (size_t)(end - q), (size_t)cnt, vals,
                               &used) != BL_OK)
                return BL_ECORRUPT;
            cache->pos_cache_at = q;
            cache->pos_cache_used = (uint32_t)used;
            cache->pos_cache_n = (uint32_t)cnt;
        } else {
            vals = local;
            if (bl_pfor_decode(q, (size_t)(end - q), (size_t)cnt, vals,
                               &used) != BL_OK)
                return BL_ECORRUPT;
        }
        q += used;
        idx += cnt;
        for (uint64_t j = from; j < cnt && seen < tf; j++) {
            uint64_t v = seen == 0 ? vals[j] : prev + 1 + vals[j];

            if (v > UINT32_MAX - 1)
                return BL_ECORRUPT;
            if (n_out < cap)
                out[n_out++] = (uint32_t)v;
            prev = v;
            seen++;
        }
        if ((cap > 0 && n_out == cap) || (seen == tf && idx > skip))
            break;
    }
    if (seen < tf && !(cap > 0 && n_out == cap))
        return BL_ECORRUPT;
    *got = seen;
    *last = (uint32_t)prev;
    if (stop != NULL)
        *stop = q;
    return BL_OK;
}

/* The first cap positions of the current document into out; *n how many
** were stored. */
static int positions_into(bl_postings *p, uint32_t *out, uint32_t cap,
                          uint32_t *n)
{
    const uint8_t *chunk = NULL;
    uint64_t chunk_at = 0;
    uint32_t got = 0, last;
    int rc;

    *n = 0;
    if (!p->want_positions || p->i == UINT32_MAX || p->doc == BL_DOC_END)
        return p->rc != BL_OK ? p->rc : BL_EINVAL;
    /* Walking forward in a block, start from the chunk the previous
    ** document's positions began in. */
    if (!p->pos_ready || p->i < p->pos_doc) {
        if (p->pos_off > (uint64_t)(p->pos_end - p->pos_data)) {
            fail(p);
            return BL_ECORRUPT;
        }
        p->pos_total = 0;
        for (uint32_t k = 0; k < p->n; k++)
            p->pos_total += p->freqs[k];
        p->pos_chunk = p->pos_data + p->pos_off;
        p->pos_chunk_at = 0;
        p->pos_before = 0;
        p->pos_doc = 0;
        p->pos_ready = true;
    }
    while (p->pos_doc < p->i)
        p->pos_before += p->freqs[p->pos_doc++];
    rc = read_positions(p->pos_chunk, p->pos_end,
                        p->pos_total - p->pos_chunk_at,
                        p->pos_before - p->pos_chunk_at, p->freqs[p->i],
                        out, cap, &got, &last, NULL, &chunk, &chunk_at, p);
    if (rc != BL_OK) {
        fail(p);
        return rc;
    }
    if (chunk != NULL) {
        p->pos_chunk = chunk;
        p->pos_chunk_at += chunk_at;
    }
    *n = got < cap ? got : cap;
    return BL_OK;
}

int bl_postings_positions(bl_postings *p, const uint32_t **pos, uint32_t *n)
{
    const uint32_t cap = sizeof p->positions / sizeof p->positions[0];
    int rc;

    *pos = p->positions;
    rc = positions_into(p, p->positions, cap, n);
    if (rc == BL_OK)
        p->n_positions = *n;
    return rc;
}

int bl_postings_positions_all(bl_postings *p, uint32_t *out, uint32_t *n)
{
    uint32_t tf = p->i < p->n ? p->freqs[p->i] : 0;

    if (tf == 0) {
        *n = 0;
        return p->rc != BL_OK ? p->rc : BL_EINVAL;
    }
    return positions_into(p, out, tf, n);
}

void bl_postings_block_bound(bl_postings *p, uint32_t target, uint32_t *last,
                             uint32_t *max_tf, uint32_t *min_len)
{
    *last = BL_DOC_END;
    *max_tf = 0;
    *min_len = 0;
    if (p->rc != BL_OK || (p->n_blocks == 1 && p->n == 0))
        return;
    if (p->n_blocks == 1) {
        if (target > p->docs[p->n - 1])
            return;
        if (p->single_min_len == UINT32_MAX) {
            uint32_t m = UINT32_MAX;

            if (p->field < BL_N_TEXT_FIELDS) {
                for (uint32_t k = 0; k < p->n; k++) {
                    uint32_t l = bl_segment_field_len(p->seg, p->field,
                                                      p->docs[k]);
                    if (l < m)
                        m = l;
                }
            } else {
                m = 0;
            }
            p->single_min_len = m;
        }
        *last = p->docs[p->n - 1];
        *max_tf = p->term_max_tf;
        *min_len = p->single_min_len;
        return;
    }
    {
        uint32_t cur = p->block == UINT32_MAX ? 0 : p->block;
        uint32_t b = p->skip_block > cur ? p->skip_block : cur;

        while (b < p->n_blocks && skip_last(p, b) < target)
            b++;
        if (b >= p->n_blocks) {
            p->skip_block = p->n_blocks;
            return;
        }
        p->skip_block = b;
        *last = skip_last(p, b);
        *max_tf = skip_u16(p, b, 12);
        if (*max_tf == 0xffff)
            *max_tf = p->term_max_tf;
        *min_len = skip_u16(p, b, 14);
    }
}

/* ---- verification ------------------------------------------------------ */

int bl_postings_verify(const bl_segment *seg, bl_field_id field,
                       const bl_term_info *ti, uint64_t post_len,
                       uint64_t pos_len, char *msg, size_t cap)
{
    bl_postings *p;
    const uint8_t *post_start, *block_end = NULL, *pos_q = NULL;
    bool text = field < BL_N_TEXT_FIELDS;
    uint64_t cf = 0, prev = UINT64_MAX;
    uint32_t max_tf = 0, df = 0;
    int rc = BL_OK;

    p = malloc(sizeof *p);
    if (p == NULL)
        return BL_ENOMEM;
    if (bl_postings_open(seg, field, ti, text, p) != BL_OK) {
        rc = bl_seg_fail(msg, cap, "postings: list header is corrupt");
        goto out;
    }
    post_start = ti->df == 1 ? p->data
                             : seg->sec[BL_SEC_POSTINGS].p + ti->postings_off;
    if (text)
        pos_q = p->pos_data;
    for (uint32_t b = 0; b < p->n_blocks; b++) {
        uint32_t bmax = 0, bmin = UINT32_MAX;
        uint64_t total = 0;

        if (decode_block(p, b, &block_end) != BL_OK) {
            rc = bl_seg_fail(msg, cap,
                             "postings: block %u does not decode "
                             "(bad widths, doc id out of range or skip "
                             "entry disagrees)", b);
            goto out;
        }
        for (uint32_t i = 0; i < p->n; i++) {
            if (prev != UINT64_MAX && p->docs[i] <= prev) {
                rc = bl_seg_fail(msg, cap, "postings: block %u: doc ids "
                                 "not increasing", b);
                goto out;
            }
            prev = p->docs[i];
            cf += p->freqs[i];
            total += p->freqs[i];
            if (p->freqs[i] > bmax)
                bmax = p->freqs[i];
            if (text) {
                uint32_t l = bl_segment_field_len(seg, field, p->docs[i]);

                if (l < bmin)
                    bmin = l;
            }
        }
        df += p->n;
        if (bmax > max_tf)
            max_tf = bmax;
        if (!text && p->df > 1 && total != p->n) {
            rc = bl_seg_fail(msg, cap, "postings: block %u: keyword tf is "
                             "not 1", b);
            goto out;
        }
        if (p->n_blocks > 1) {
            uint32_t smax = skip_u16(p, b, 12), smin = skip_u16(p, b, 14);
            uint32_t want_min = !text ? 0 : bmin > 0xffff ? 0xffff : bmin;

            if ((uint64_t)(block_end - p->data) != skip_u32(p, b, 4) ||
                (smax != 0xffff && smax != bmax) ||
                (smax == 0xffff && bmax < 0xffff) || smin != want_min) {
                rc = bl_seg_fail(msg, cap, "postings: skip entry of block "
                                 "%u does not match the block", b);
                goto out;
            }
        }
        if (text) {
            /* Walk this block's positions document by document. */
            uint64_t skipped = 0;
            const uint8_t *stop = pos_q;

            for (uint32_t i = 0; i < p->n; i++) {
                uint32_t got = 0, len, tf = p->freqs[i], last = 0;

                if (read_positions(pos_q, p->pos_end, total, skipped, tf,
                                   NULL, 0, &got, &last, &stop, NULL,
                                   NULL, NULL) != BL_OK ||
                    got != tf) {
                    rc = bl_seg_fail(msg, cap, "positions: block %u doc %u: "
                                     "positions do not decode", b,
                                     p->docs[i]);
                    goto out;
                }
                len = bl_segment_field_len(seg, field, p->docs[i]);
                if (last >= len) {
                    rc = bl_seg_fail(msg, cap, "positions: block %u doc %u: "
                                     "position %u not inside the field "
                                     "length %u", b, p->docs[i],
                                     last, len);
                    goto out;
                }
                skipped += tf;
            }
            pos_q = stop;
            if (p->n_blocks > 1 &&
                (uint64_t)(pos_q - p->pos_data) != skip_u32(p, b, 8)) {
                rc = bl_seg_fail(msg, cap, "positions: block %u ends where "
                                 "its skip entry does not say", b);
                goto out;
            }
        }
    }
    if (df != ti->df || cf != ti->cf || max_tf != ti->max_tf) {
        rc = bl_seg_fail(msg, cap, "postings: df/cf/max_tf %u/%llu/%u in "
                         "the dictionary, %u/%llu/%u in the list", ti->df,
                         (unsigned long long)ti->cf, ti->max_tf, df,
                         (unsigned long long)cf, max_tf);
        goto out;
    }
    if ((uint64_t)(block_end - post_start) != post_len) {
        rc = bl_seg_fail(msg, cap, "postings: list takes %llu bytes, the "
                         "dictionary says %llu",
                         (unsigned long long)(block_end - post_start),
                         (unsigned long long)post_len);
        goto out;
    }
    if ((text ? (uint64_t)(pos_q - p->pos_data) : 0) != pos_len) {
        rc = bl_seg_fail(msg, cap, "positions: list length differs from "
                         "the dictionary");
        goto out;
    }
out:
    free(p);
    return rc;
}
