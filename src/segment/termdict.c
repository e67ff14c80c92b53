/* termdict.c - the term dictionary (format.h, TERMS and TERMIDX): the writer
** used at flush, exact lookup and prefix cursors for the query side, and the
** walk of bl_segment_verify that also checks every term's lists.
**
** Keys are (term bytes, field byte) in memcmp order, front-coded in blocks
** of BL_TERMS_PER_BLOCK; the sparse index holds each block's offset and
** lookups binary-search the blocks' first keys. A term's entries in its
** fields are neighbours, so one walk looks a term up in all the fields a
** query searches. Invariant: no decoder reads past the TERMS section or
** builds a key longer than 1 + BL_MAX_TERM bytes, whatever the bytes say
** (BL_ECORRUPT instead).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/varint.h"
#include "segment/segfile.h"

#define KEY_MAX (1 + BL_MAX_TERM)

/* ---- writer ------------------------------------------------------------ */

void bl_termdict_writer_init(bl_termdict_writer *w)
{
    memset(w, 0, sizeof *w);
}

void bl_termdict_writer_free(bl_termdict_writer *w)
{
    bl_buf_free(&w->terms);
    bl_buf_free(&w->index);
}

int bl_termdict_add(bl_termdict_writer *w, const uint8_t *key, size_t len,
                    uint32_t df, uint64_t cf, uint32_t max_tf,
                    uint64_t post_len, uint64_t pos_len, uint32_t doc)
{
    size_t shared = 0;

    if (len < 2 || len > KEY_MAX || key[len - 1] >= BL_N_FIELDS ||
        df == 0 || cf < df || max_tf == 0)
        return BL_EINVAL;
    if (w->n_terms > 0 &&
        bl_termdict_key_cmp(w->prev, w->prev_len, key, len) >= 0)
        return BL_EINVAL;
    if (w->in_block == 0) {
        if (w->terms.len > UINT32_MAX)
            return BL_ELIMIT;
        bl_buf_put_u32le(&w->index, (uint32_t)w->terms.len);
        bl_buf_put_varint(&w->terms, w->post_off);
        bl_buf_put_varint(&w->terms, w->pos_off);
        w->n_blocks++;
    } else {
        size_t m = w->prev_len < len ? w->prev_len : len;

        while (shared < m && w->prev[shared] == key[shared])
            shared++;
    }
    {
        size_t suffix = len - shared;

        bl_buf_put_varint(&w->terms, (uint64_t)shared << 4 |
                                         (suffix < 15 ? suffix : 15));
        if (suffix >= 15)
            bl_buf_put_varint(&w->terms, suffix - 15);
        bl_buf_append(&w->terms, key + shared, suffix);
    }
    if (key[len - 1] < BL_N_TEXT_FIELDS) {
        bl_buf_put_varint(&w->terms, (uint64_t)df << 1 | (cf == df));
        if (cf != df)
            bl_buf_put_varint(&w->terms, cf - df - 1);
        if (df > 1 && cf != df)
            bl_buf_put_varint(&w->terms, max_tf - 1);
        else if (df > 1 && max_tf != 1)
            return BL_EINVAL;
        bl_buf_put_varint(&w->terms, df > 1 ? post_len : doc);
        bl_buf_put_varint(&w->terms, pos_len);
    } else {
        if (cf != df || max_tf != 1 || pos_len != 0)
            return BL_EINVAL;
        bl_buf_put_varint(&w->terms, df);
        bl_buf_put_varint(&w->terms, df > 1 ? post_len : doc);
    }
    if (df == 1 && post_len != 0)
        return BL_EINVAL;
    w->post_off += post_len;
    w->pos_off += pos_len;
    memcpy(w->prev, key, len);
    w->prev_len = len;
    w->in_block = (w->in_block + 1) % BL_TERMS_PER_BLOCK;
    w->n_terms++;
    if (w->terms.rc != BL_OK)
        return w->terms.rc;
    return w->index.rc;
}

/* ---- reading ----------------------------------------------------------- */

/* One decoded dictionary entry. */
typedef struct entry {
    uint8_t key[KEY_MAX];
    size_t key_len;
    bl_term_info ti;
    uint64_t post_len, pos_len;
} entry;

static uint32_t block_terms(const bl_segment *seg, uint64_t b)
{
    if (b + 1 < seg->n_term_blocks)
        return BL_TERMS_PER_BLOCK;
    return (uint32_t)(seg->n_terms - (uint64_t)BL_TERMS_PER_BLOCK * b);
}

static int block_span(const bl_segment *seg, uint64_t b, uint64_t *start,
                      uint64_t *end)
{
    const bl_section *ix = &seg->sec[BL_SEC_TERMIDX];
    uint64_t len = seg->sec[BL_SEC_TERMS].len;

    *start = bl_load_u32le(ix->p + 4 * b);
    *end = b + 1 < seg->n_term_blocks ? bl_load_u32le(ix->p + 4 * (b + 1))
                                      : len;
    if (*start > *end || *end > len)
        return BL_ECORRUPT;
    return BL_OK;
}

/* The head of the entry at *q: the bytes its key shares with the key
** before it and its suffix's length (at least 1: the keys are sorted and
** unique, so the last byte, the field, is always new); *q is left at the
** suffix, which is known to lie before end. */
static inline int read_head(const uint8_t **q, const uint8_t *end,
                            uint64_t *shared, uint64_t *suffix)
{
    uint64_t head, v;

    if (bl_varint_get(q, end, &head) != BL_OK)
        return BL_ECORRUPT;
    *shared = head >> 4;
    *suffix = head & 15;
    if (*suffix == 15) {
        if (bl_varint_get(q, end, &v) != BL_OK || v > KEY_MAX)
            return BL_ECORRUPT;
        *suffix += v;
    }
    if (*suffix > KEY_MAX - *shared || *shared + *suffix < 2 ||
        *suffix == 0 || *suffix > (uint64_t)(end - *q))
        return BL_ECORRUPT;
    return BL_OK;
}

/* Step over one varint (bounds checked by the caller's next read). */
static const uint8_t *skip_varint(const uint8_t *p, const uint8_t *end)
{
    while (p < end && (*p & 0x80))
        p++;
    return p + 1;
}

/* Step over the statistics of an entry that is not the one looked for,
** adding only its list lengths to the running offsets (decode_stats reads
** and checks every value; a lookup passes about 16 entries per hit). */
static inline int skip_stats(const uint8_t **q, const uint8_t *end,
                             uint8_t field, uint64_t *post_off,
                             uint64_t *pos_off)
{
    const uint8_t *p = *q;
    uint64_t v, post_len, pos_len = 0;

    if (field >= BL_N_FIELDS || bl_varint_get(&p, end, &v) != BL_OK)
        return BL_ECORRUPT;
    if (field < BL_N_TEXT_FIELDS) {
        uint64_t df = v >> 1;

        if (!(v & 1)) {
            p = skip_varint(p, end);          /* cf - df - 1 */
            if (df > 1)
                p = skip_varint(p, end);      /* max_tf - 1 */
        }
        if (p > end || bl_varint_get(&p, end, &post_len) != BL_OK ||
            bl_varint_get(&p, end, &pos_len) != BL_OK)
            return BL_ECORRUPT;
        if (df == 1)
            post_len = 0;                     /* it was the document */
    } else {
        if (bl_varint_get(&p, end, &post_len) != BL_OK)
            return BL_ECORRUPT;
        if (v == 1)
            post_len = 0;
    }
    *post_off += post_len;
    *pos_off += pos_len;
    *q = p;
    return BL_OK;
}

/* Decode the statistics after an entry's key (field: its last byte) into
** e, given the running offsets. */
static int decode_stats(const uint8_t **q, const uint8_t *end, uint8_t field,
                        entry *e, uint64_t *post_off, uint64_t *pos_off)
{
    const uint8_t *p = *q;
    uint64_t v, df;

    if (field >= BL_N_FIELDS)
        return BL_ECORRUPT;
    if (field < BL_N_TEXT_FIELDS) {
        bool cf_is_df;

        if (bl_varint_get(&p, end, &v) != BL_OK)
            return BL_ECORRUPT;
        df = v >> 1;
        cf_is_df = v & 1;
        if (df == 0 || df > UINT32_MAX)
            return BL_ECORRUPT;
        e->ti.df = (uint32_t)df;
        e->ti.cf = df;
        e->ti.max_tf = 1;
        if (!cf_is_df) {
            if (bl_varint_get(&p, end, &v) != BL_OK ||
                v >= UINT64_MAX - df)
                return BL_ECORRUPT;
            e->ti.cf = df + v + 1;
            if (df > 1) {
                if (bl_varint_get(&p, end, &v) != BL_OK || v >= UINT32_MAX)
                    return BL_ECORRUPT;
                e->ti.max_tf = (uint32_t)v + 1;
            } else {
                if (e->ti.cf > UINT32_MAX)
                    return BL_ECORRUPT;
                e->ti.max_tf = (uint32_t)e->ti.cf;
            }
        }
        if (bl_varint_get(&p, end, &e->post_len) != BL_OK ||
            bl_varint_get(&p, end, &e->pos_len) != BL_OK)
            return BL_ECORRUPT;
    } else {
        if (bl_varint_get(&p, end, &df) != BL_OK || df == 0 ||
            df > UINT32_MAX)
            return BL_ECORRUPT;
        e->ti.df = (uint32_t)df;
        e->ti.cf = df;
        e->ti.max_tf = 1;
        e->pos_len = 0;
        if (bl_varint_get(&p, end, &e->post_len) != BL_OK)
            return BL_ECORRUPT;
    }
    /* df 1: the varint read as post_len is the document itself. */
    if (df == 1) {
        e->ti.postings_off = e->post_len;
        e->post_len = 0;
    } else {
        e->ti.postings_off = *post_off;
    }
    e->ti.positions_off = *pos_off;
    if (e->post_len > UINT64_MAX - *post_off ||
        e->pos_len > UINT64_MAX - *pos_off)
        return BL_ECORRUPT;
    *post_off += e->post_len;
    *pos_off += e->pos_len;
    *q = p;
    return BL_OK;
}

/* Decode the entry at *q (before end), given the previous key in e (its
** key_len 0 at a block head) and the running offsets. */
static int decode_entry(const uint8_t **q, const uint8_t *end, entry *e,
                        uint64_t *post_off, uint64_t *pos_off)
{
    uint64_t shared, suffix;

    if (read_head(q, end, &shared, &suffix) != BL_OK ||
        shared > e->key_len)
        return BL_ECORRUPT;
    memcpy(e->key + shared, *q, (size_t)suffix);
    e->key_len = (size_t)(shared + suffix);
    *q += suffix;
    return decode_stats(q, end, e->key[e->key_len - 1], e, post_off,
                        pos_off);
}

/* Start block b: *q at its first entry, the running offsets set. */
static int open_block(const bl_segment *seg, uint64_t b, const uint8_t **q,
                      const uint8_t **end, uint64_t *post_off,
                      uint64_t *pos_off)
{
    const uint8_t *base = seg->sec[BL_SEC_TERMS].p;
    uint64_t start, stop;

    if (block_span(seg, b, &start, &stop) != BL_OK)
        return BL_ECORRUPT;
    *q = base + start;
    *end = base + stop;
    if (bl_varint_get(q, *end, post_off) != BL_OK ||
        bl_varint_get(q, *end, pos_off) != BL_OK)
        return BL_ECORRUPT;
    return BL_OK;
}

static uint64_t prefix8(const uint8_t *key, size_t len)
{
    uint64_t v = 0;

    for (size_t i = 0; i < 8; i++)
        v = v << 8 | (i < len ? key[i] : 0);
    return v;
}

/* Block b's head key, in place: *key and *len. */
static int block_head(const bl_segment *seg, uint64_t b, const uint8_t **key,
                      size_t *len)
{
    uint64_t start, stop, shared, suffix;
    const uint8_t *q, *end;

    /* Past the block's two offsets, unread: only its head key counts. */
    if (block_span(seg, b, &start, &stop) != BL_OK)
        return BL_ECORRUPT;
    q = seg->sec[BL_SEC_TERMS].p + start;
    end = seg->sec[BL_SEC_TERMS].p + stop;
    for (int v = 0; v < 2; v++) {
        while (q < end && (*q & 0x80))
            q++;
        q++;
    }
    if (q > end || read_head(&q, end, &shared, &suffix) != BL_OK ||
        shared != 0)
        return BL_ECORRUPT;
    *key = q;
    *len = (size_t)suffix;
    return BL_OK;
}

int bl_termdict_load(bl_segment *seg)
{
    uint64_t prev = 0;

    if (seg->n_term_blocks == 0)
        return BL_OK;
    seg->head_prefix = malloc(sizeof(uint64_t) * seg->n_term_blocks);
    if (seg->head_prefix == NULL)
        return BL_ENOMEM;
    /* A head that does not decode keeps the prefix before it: lookups near
    ** it reach its block and report the damage; check names it. */
    for (uint64_t b = 0; b < seg->n_term_blocks; b++) {
        const uint8_t *key;
        size_t len;

        if (block_head(seg, b, &key, &len) == BL_OK)
            prev = prefix8(key, len);
        seg->head_prefix[b] = prev;
    }
    return BL_OK;
}

void bl_termdict_unload(bl_segment *seg)
{
    free(seg->head_prefix);
    seg->head_prefix = NULL;
}

/* The block whose head is the last <= key (0 when key precedes all): a
** binary search over the heads' prefixes, comparing whole heads (in place)
** only when a prefix ties. */
static int find_block(const bl_segment *seg, const uint8_t *key, size_t len,
                      uint64_t *out)
{
    uint64_t lo = 0, hi = seg->n_term_blocks, kp = prefix8(key, len);

    *out = 0;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2, hp = seg->head_prefix[mid];
        const uint8_t *head;
        size_t head_len;
        int c;

        if (hp != kp) {
            c = hp < kp ? -1 : 1;
        } else {
            if (block_head(seg, mid, &head, &head_len) != BL_OK)
                return BL_ECORRUPT;
            c = bl_termdict_key_cmp(head, head_len, key, len);
        }
        if (c <= 0)
            lo = mid;
        else
            hi = mid;
    }
    *out = lo;
    return BL_OK;
}

/* Where the entry key (the first shared bytes of the key before it, which
** agrees with key on its first match bytes and is smaller, then suffix)
** stands against key: <0, 0, >0; *match becomes how many first bytes the
** entry and key agree on. The entries are sorted and front-coded with the
** longest shared prefix, so only an entry sharing exactly match bytes
** needs its bytes compared. */
static inline int cmp_entry(const uint8_t *key, size_t len,
                            uint64_t shared, const uint8_t *suffix,
                            uint64_t n, size_t *match)
{
    size_t m = 0, rest;

    if (shared > *match)       /* differs from key where the one before did */
        return -1;
    if (shared < *match)       /* greater than the one before where it was
                                  equal to key */
        return 1;
    rest = len - (size_t)shared;
    while (m < n && m < rest && suffix[m] == key[shared + m])
        m++;
    *match = (size_t)shared + m;
    if (m == n)
        return m == rest ? 0 : -1;
    if (m == rest)
        return 1;
    return suffix[m] < key[shared + m] ? -1 : 1;
}

/* Walk block b for the keys term || f, term being key's first len bytes,
** for each field f in *want in increasing order: a key found fills out[f]
** and joins *found; a key passed or found leaves *want. Returns with *want
** holding the fields whose keys are past the block's last entry. */
static int scan_block(const bl_segment *seg, uint64_t b, uint8_t *key,
                      size_t len, unsigned *want, unsigned *found,
                      bl_term_info out[BL_N_FIELDS])
{
    uint64_t po, xo;
    const uint8_t *q, *end;
    uint32_t n;
    size_t prev_len = 0, match = 0;
    unsigned f = (unsigned)__builtin_ctz(*want);

    if (open_block(seg, b, &q, &end, &po, &xo) != BL_OK)
        return BL_ECORRUPT;
    n = block_terms(seg, b);
    key[len] = (uint8_t)f;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t shared, suffix;
        const uint8_t *sfx;
        uint8_t fb;

        if (read_head(&q, end, &shared, &suffix) != BL_OK ||
            shared > prev_len)
            return BL_ECORRUPT;
        sfx = q;
        q += suffix;
        fb = sfx[suffix - 1];
        prev_len = (size_t)(shared + suffix);
        for (;;) {
            size_t before = match;
            int c = cmp_entry(key, len + 1, shared, sfx, suffix, &match);

            if (c < 0) {
                if (skip_stats(&q, end, fb, &po, &xo) != BL_OK)
                    return BL_ECORRUPT;
                break;
            }
            if (c == 0) {
                entry e;

                if (decode_stats(&q, end, fb, &e, &po, &xo) != BL_OK)
                    return BL_ECORRUPT;
                out[f] = e.ti;
                *found |= 1u << f;
                /* This entry agrees with the next key on the term only. */
                match = len;
            } else {
                /* Past key: f is absent. The entry before still agrees
                ** with the next key on `before` bytes (at most len, and
                ** below the field byte there), and this one is compared
                ** again. */
                match = before;
            }
            *want &= ~(1u << f);
            if (*want == 0)
                return BL_OK;
            f = (unsigned)__builtin_ctz(*want);
            key[len] = (uint8_t)f;
            if (c == 0)
                break;
        }
    }
    return BL_OK;
}

int bl_segment_term_fields(const bl_segment *seg, const char *term,
                           size_t len, unsigned fields, unsigned *found,
                           bl_term_info out[BL_N_FIELDS])
{
    uint8_t key[KEY_MAX];
    uint64_t last = UINT64_MAX;

    *found = 0;
    for (unsigned f = 0; f < BL_N_FIELDS; f++)
        if (fields & (1u << f))
            memset(&out[f], 0, sizeof out[f]);
    if (fields >= 1u << BL_N_FIELDS)
        return BL_EINVAL;
    if (len > BL_MAX_TERM || len == 0 || seg->n_terms == 0)
        return BL_OK;
    memcpy(key, term, len);
    while (fields != 0) {
        unsigned f = (unsigned)__builtin_ctz(fields);
        uint64_t b;

        key[len] = (uint8_t)f;
        if (find_block(seg, key, len + 1, &b) != BL_OK)
            return BL_ECORRUPT;
        if (b == last) {
            /* The block just walked ended before this key: absent. */
            fields &= ~(1u << f);
            continue;
        }
        if (scan_block(seg, b, key, len, &fields, found, out) != BL_OK)
            return BL_ECORRUPT;
        last = b;
    }
    return BL_OK;
}

int bl_segment_term(const bl_segment *seg, bl_field_id field,
                    const char *term, size_t len, bl_term_info *out)
{
    bl_term_info all[BL_N_FIELDS];
    unsigned found;
    int rc;

    memset(out, 0, sizeof *out);
    if ((unsigned)field >= BL_N_FIELDS)
        return BL_EINVAL;
    rc = bl_segment_term_fields(seg, term, len, 1u << field, &found, all);
    if (rc != BL_OK)
        return rc;
    if (found == 0)
        return BL_ENOTFOUND;
    *out = all[field];
    return BL_OK;
}

int bl_term_cursor_open(const bl_segment *seg, bl_field_id field,
                        const char *prefix, size_t len, bl_term_cursor *c)
{
    memset(c, 0, sizeof *c);
    c->seg = seg;
    c->field = field;
    c->prefix = prefix;
    c->prefix_len = len;
    c->rc = BL_OK;
    if ((unsigned)field > BL_N_FIELDS) {
        c->rc = BL_EINVAL;
        return BL_EINVAL;
    }
    if (len > BL_MAX_TERM || seg->n_terms == 0) {
        c->rc = BL_DONE;
        return BL_OK;
    }
    /* The prefix itself sorts before every key that starts with it. */
    if (find_block(seg, (const uint8_t *)prefix, len, &c->block) != BL_OK) {
        c->rc = BL_ECORRUPT;
        return BL_ECORRUPT;
    }
    c->off = UINT64_MAX;         /* at the block's start, not yet opened */
    c->left = block_terms(seg, c->block);
    return BL_OK;
}

int bl_term_cursor_next(bl_term_cursor *c, bl_term_info *info)
{
    const bl_segment *seg = c->seg;
    const uint8_t *base = seg->sec[BL_SEC_TERMS].p;
    entry e;

    memset(info, 0, sizeof *info);
    if (c->rc != BL_OK)
        return c->rc;
    /* The previous key, for front coding: the last key read. */
    memcpy(e.key, c->term, c->term_len);
    e.key[c->term_len] = (uint8_t)c->term_field;
    e.key_len = c->term_len + 1;
    for (;;) {
        const uint8_t *q, *end;
        uint64_t start, stop;
        size_t kl, m;
        int cmp;

        if (c->left == 0) {
            if (c->block + 1 >= seg->n_term_blocks) {
                c->rc = BL_DONE;
                return BL_DONE;
            }
            c->block++;
            c->left = block_terms(seg, c->block);
            c->off = UINT64_MAX;
        }
        if (c->off == UINT64_MAX) {
            if (open_block(seg, c->block, &q, &end, &c->post_off,
                           &c->pos_off) != BL_OK)
                goto corrupt;
            e.key_len = 0;
        } else {
            if (block_span(seg, c->block, &start, &stop) != BL_OK ||
                c->off > stop)
                goto corrupt;
            q = base + c->off;
            end = base + stop;
        }
        if (decode_entry(&q, end, &e, &c->post_off, &c->pos_off) != BL_OK)
            goto corrupt;
        c->off = (uint64_t)(q - base);
        c->left--;
        kl = e.key_len - 1;
        memcpy(c->term, e.key, kl);
        c->term[kl] = '\0';
        c->term_len = kl;
        c->term_field = (bl_field_id)e.key[kl];
        /* Compare the prefix with the term's first bytes. */
        m = kl < c->prefix_len ? kl : c->prefix_len;
        cmp = m > 0 ? memcmp(e.key, c->prefix, m) : 0;
        if (cmp > 0) {
            c->rc = BL_DONE;
            return BL_DONE;
        }
        if (cmp == 0 && kl >= c->prefix_len &&
            (c->field == BL_ANY_FIELD || c->term_field == c->field)) {
            *info = e.ti;
            return BL_OK;
        }
        /* Before the prefix, or another field's. */
    }
corrupt:
    c->rc = BL_ECORRUPT;
    return BL_ECORRUPT;
}

/* ---- verification ------------------------------------------------------ */

static const char *field_name(unsigned f)
{
    static const char *const names[BL_N_FIELDS] = {"title", "body", "id",
                                                   "source"};

    return f < BL_N_FIELDS ? names[f] : "?";
}

int bl_termdict_verify(const bl_segment *seg, char *msg, size_t cap)
{
    uint8_t prev[KEY_MAX];
    size_t prev_len = 0;
    uint64_t post_off = 0, pos_off = 0, terms = 0, postings = 0,
             positions = 0;
    char sub[512];

    if (seg->sec[BL_SEC_TERMIDX].len != 4ull * seg->n_term_blocks ||
        seg->n_terms > (uint64_t)seg->n_term_blocks * BL_TERMS_PER_BLOCK ||
        (seg->n_term_blocks > 0 &&
         seg->n_terms <= (uint64_t)(seg->n_term_blocks - 1) *
                             BL_TERMS_PER_BLOCK))
        return bl_seg_fail(msg, cap, "term index: %u blocks do not fit "
                           "%llu terms", seg->n_term_blocks,
                           (unsigned long long)seg->n_terms);
    for (uint64_t b = 0; b < seg->n_term_blocks; b++) {
        const uint8_t *q, *end;
        uint64_t po, xo, start, stop;
        uint32_t n = block_terms(seg, b);
        entry e;

        if (block_span(seg, b, &start, &stop) != BL_OK ||
            (b == 0 && start != 0))
            return bl_seg_fail(msg, cap, "term index: block %llu offset "
                               "out of order", (unsigned long long)b);
        if (open_block(seg, b, &q, &end, &po, &xo) != BL_OK)
            return bl_seg_fail(msg, cap, "terms: block %llu header is "
                               "corrupt", (unsigned long long)b);
        if (po != post_off || xo != pos_off)
            return bl_seg_fail(msg, cap, "terms: block %llu list offsets "
                               "disagree with the terms before it",
                               (unsigned long long)b);
        e.key_len = 0;
        for (uint32_t i = 0; i < n; i++) {
            char label[96];
            int rc;

            if (decode_entry(&q, end, &e, &po, &xo) != BL_OK)
                return bl_seg_fail(msg, cap, "terms: block %llu entry %u "
                                   "is corrupt", (unsigned long long)b, i);
            snprintf(label, sizeof label, "%s:%.*s",
                     field_name(e.key[e.key_len - 1]),
                     (int)(e.key_len - 1 > 64 ? 64 : e.key_len - 1),
                     (const char *)e.key);
            if (terms > 0 &&
                bl_termdict_key_cmp(prev, prev_len, e.key, e.key_len) >= 0)
                return bl_seg_fail(msg, cap, "terms: term '%s' (block %llu) "
                                   "is not after the term before it",
                                   label, (unsigned long long)b);
            memcpy(prev, e.key, e.key_len);
            prev_len = e.key_len;
            if ((e.ti.df > 1 && e.ti.postings_off + e.post_len >
                                    seg->sec[BL_SEC_POSTINGS].len) ||
                e.ti.positions_off + e.pos_len >
                    seg->sec[BL_SEC_POSITIONS].len)
                return bl_seg_fail(msg, cap, "terms: term '%s' lists run "
                                   "past their sections", label);
            rc = bl_postings_verify(seg, (bl_field_id)e.key[e.key_len - 1],
                                    &e.ti,
                                    e.post_len, e.pos_len, sub, sizeof sub);
            if (rc != BL_OK) {
                const char *colon = strstr(sub, ": ");
                int sec_len = colon ? (int)(colon - sub) : 8;

                if (rc == BL_ECORRUPT)
                    bl_seg_fail(msg, cap, "%.*s: term '%s' %s", sec_len,
                                sub, label, colon ? colon + 2 : sub);
                return rc;
            }
            terms++;
            postings += e.ti.df;
            if (e.key[e.key_len - 1] < BL_N_TEXT_FIELDS)
                positions += e.ti.cf;
        }
        if (q != end)
            return bl_seg_fail(msg, cap, "terms: block %llu has bytes after "
                               "its last term", (unsigned long long)b);
        post_off = po;
        pos_off = xo;
    }
    if (terms != seg->n_terms || postings != seg->n_postings ||
        positions != seg->n_positions)
        return bl_seg_fail(msg, cap, "meta: term/postings/positions counts "
                           "differ from the dictionary");
    if (post_off != seg->sec[BL_SEC_POSTINGS].len)
        return bl_seg_fail(msg, cap, "postings: %llu bytes not owned by any "
                           "term", (unsigned long long)
                           (seg->sec[BL_SEC_POSTINGS].len - post_off));
    if (pos_off != seg->sec[BL_SEC_POSITIONS].len)
        return bl_seg_fail(msg, cap, "positions: bytes not owned by any "
                           "term");
    return BL_OK;
}
