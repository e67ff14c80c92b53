/* merge.c - the merge policy and the merge itself (merge.h). A merge
** combines the sources' encoded sections, as Lucene does, instead of
** re-analysing their articles: the live documents of the sources, in source
** order, get new consecutive doc ids (a remap array per source); the term
** dictionaries are walked together, field by field, in key order, and each
** term's postings and positions are gathered from every source that has it,
** renumbered, and written again with the segment/ writers, as a builder's
** flush writes them (df, cf and max_tf over the live documents, block
** bounds over the merged lengths); lengths, dates, sources (a merged sorted
** dictionary) and ids are copied per live document; the store copies the
** sources' compressed blocks whose articles all live, with their
** dictionaries, and compresses the other live articles again, on a second
** thread while the terms are merged (the writer's workers are idle during
** a merge).
** The result is byte for byte the segment a builder would write from the
** same live articles in the same order, except the store (other blocks and
** dictionaries, the same articles). Memory: the output's sections until
** the file is written, except the copied store blocks (written straight
** from the sources' maps), per-document arrays, one term's postings and
** one store block; never the articles themselves.
**
** The invariant: the merged segment holds every live article of its
** sources once, in source order, and nothing else; the sources stay on disk
** until the commit that replaces them is durable. A source whose section
** checksums do not hold is refused (BL_ECORRUPT): its bytes would otherwise
** be rewritten under fresh checksums.
*/
#include "index/merge.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/hash.h"
#include "segment/deletes.h"
#include "segment/segfile.h"
#include "segment/segment.h"

static unsigned tier_of(uint64_t live)
{
    unsigned t = 0;

    while (live >= 4) {
        live /= 4;
        t++;
    }
    return t;
}

void bl_merge_pick(const bl_manifest *m, uint64_t max_bytes, size_t *idx,
                   size_t *n)
{
    unsigned tiers[64] = {0};

    *n = 0;
    /* A segment mostly deleted is rewritten (or dropped) alone. */
    for (size_t i = 0; i < m->n_segs; i++) {
        const bl_manifest_seg *s = &m->segs[i];

        if (s->deleted > 0 && (uint64_t)s->deleted * 2 >= s->docs &&
            s->bytes <= max_bytes) {
            idx[0] = i;
            *n = 1;
            return;
        }
    }
    for (size_t i = 0; i < m->n_segs; i++) {
        unsigned t = tier_of(m->segs[i].docs - m->segs[i].deleted);

        tiers[t < 63 ? t : 63]++;
    }
    for (unsigned t = 0; t < 64; t++) {
        uint64_t bytes = 0;

        if (tiers[t] < BL_MERGE_FACTOR)
            continue;
        for (size_t i = 0; i < m->n_segs && *n < BL_MERGE_FACTOR; i++) {
            const bl_manifest_seg *s = &m->segs[i];

            if (tier_of(s->docs - s->deleted) != t ||
                bytes + s->bytes > max_bytes)
                continue;
            bytes += s->bytes;
            idx[(*n)++] = i;
        }
        if (*n >= 2)
            return;
        *n = 0;
    }
}

void bl_merge_pick_run(const bl_manifest *m, size_t from, uint64_t max_bytes,
                       size_t *n)
{
    uint64_t bytes = m->segs[from].bytes;
    size_t to = from + 1;

    while (to < m->n_segs && bytes + m->segs[to].bytes <= max_bytes)
        bytes += m->segs[to++].bytes;
    *n = to - from == 1 && m->segs[from].deleted == 0 ? 0 : to - from;
}

/* One source segment while it is merged. */
typedef struct merge_src {
    char name[64];             /* its file name, for messages */
    bl_segment *seg;
    bl_deletes del;            /* empty without a deletion file */
    uint32_t *remap;           /* local doc -> merged doc, or BL_DOC_END
                                  when deleted */
    uint32_t base;             /* the merged doc of its first live doc */
    bool dense;                /* nothing deleted: remap[d] is base + d */
    uint32_t live;             /* documents not deleted */
    uint32_t *ord_map;         /* source ordinal -> merged ordinal */
    bl_term_cursor cur;        /* the term walk of the current field */
    bl_term_info ti;           /* the cursor's current term */
    bool has_term;             /* the cursor is on a term */
    uint64_t read[2];          /* postings, positions read up to here */
} merge_src;

/* Everything one merge holds. */
typedef struct merger {
    merge_src *src;
    size_t n;
    uint32_t docs;             /* live documents: the merged segment's */
    uint32_t *len[BL_N_TEXT_FIELDS];
    int64_t *dates;
    uint32_t *ords;
    const char **names;        /* merged source dictionary (borrowed from
                                  the sources' maps) */
    uint32_t n_names;
    uint64_t field_total[BL_N_TEXT_FIELDS];
    uint64_t n_postings, n_positions, raw;
    uint32_t store_blocks;
    bl_ids_writer ids;
    bl_termdict_writer tw;
    bl_buf post, pos, lengths, columns, store, storeidx, dict;
    bl_piece *pieces;          /* STORE: runs of store and of the sources'
                                  blocks copied as they are */
    size_t n_pieces;
    /* one term */
    bl_postings *p;
    uint32_t *t_docs, *t_tfs, *t_pos;
    size_t cap_docs, cap_pos;
    bl_store_ctx *ctx;
    const char *where;         /* the source being read, for messages */
} merger;

/* Hand back the pages of a source's section that the merge has read
** (bl_map_drop). */
static void drop_pages(const bl_segment *seg, int sec)
{
    bl_map_drop(seg->sec[sec].p, (size_t)seg->sec[sec].len);
}

/* Reserve the output's big sections at about the sources' sizes (an eighth
** more for slack), so that they never grow by copying. */
static int reserve_output(merger *g)
{
    static const int secs[] = {BL_SEC_TERMS, BL_SEC_TERMIDX,
                               BL_SEC_POSTINGS, BL_SEC_POSITIONS};
    bl_buf *bufs[] = {&g->tw.terms, &g->tw.index, &g->post, &g->pos};
    int rc = BL_OK;

    for (size_t k = 0; k < sizeof secs / sizeof secs[0] && rc == BL_OK;
         k++) {
        uint64_t sum = 0;

        for (size_t i = 0; i < g->n; i++)
            sum += g->src[i].seg->sec[secs[k]].len;
        rc = bl_buf_reserve(bufs[k], (size_t)(sum + sum / 8 + 4096));
    }
    return rc;
}

/* Open source i: the segment, its deletions, its remap array. Every
** section's checksum is checked, since bl_segment_open checks only the
** small ones. */
static int open_source(merger *g, const char *dir,
                       const bl_manifest_seg *m, merge_src *s, char *why,
                       size_t cap)
{
    char path[4096];
    uint32_t docs;
    int rc;

    rc = bl_segment_file_name(s->name, sizeof s->name, m->id);
    g->where = s->name;
    if (rc == BL_OK)
        rc = bl_path_join(path, sizeof path, dir, s->name);
    if (rc == BL_OK)
        rc = bl_segment_open(path, &s->seg);
    if (rc == BL_OK && m->del_gen != 0) {
        char dname[64];

        rc = bl_deletes_file_name(dname, sizeof dname, m->id, m->del_gen);
        if (rc == BL_OK)
            rc = bl_path_join(path, sizeof path, dir, dname);
        if (rc == BL_OK)
            rc = bl_deletes_load(path, &s->del, why, cap);
        if (rc == BL_OK && s->del.docs != bl_segment_docs(s->seg)) {
            snprintf(why, cap, "its deletion file covers %u articles, "
                     "not %u", s->del.docs, bl_segment_docs(s->seg));
            rc = BL_ECORRUPT;
        }
    }
    for (int k = 0; rc == BL_OK && k < BL_SEC_COUNT; k++) {
        const bl_section *sec = &s->seg->sec[k];

        if (bl_checksum(sec->p, (size_t)sec->len) != sec->checksum) {
            snprintf(why, cap, "%s: checksum mismatch", bl_sec_name(k));
            rc = BL_ECORRUPT;
        }
        drop_pages(s->seg, k);
    }
    if (rc != BL_OK)
        return rc;
    docs = bl_segment_docs(s->seg);
    s->remap = malloc(sizeof *s->remap * ((size_t)docs + 1));
    if (s->remap == NULL)
        return BL_ENOMEM;
    s->base = g->docs;
    for (uint32_t d = 0; d < docs; d++) {
        if (s->del.bits != NULL && bl_deletes_test(&s->del, d)) {
            s->remap[d] = BL_DOC_END;
            continue;
        }
        if (g->docs == BL_DOC_END - 1)
            return BL_ELIMIT;
        s->remap[d] = g->docs++;
        s->live++;
    }
    s->dense = s->live == docs;
    return BL_OK;
}

/* The merged doc of source s's doc d (BL_DOC_END when deleted), without
** reading remap when nothing is deleted: postings read it at random. */
static inline uint32_t remap_of(const merge_src *s, uint32_t d)
{
    return s->dense ? s->base + d : s->remap[d];
}

static int name_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The merged source dictionary: the sorted names the live documents use,
** and each source's ordinal map into it. */
static int merge_sources(merger *g)
{
    size_t total = 0;
    bool *used = NULL;
    int rc = BL_OK;

    for (size_t i = 0; i < g->n; i++)
        total += bl_segment_source_count(g->src[i].seg);
    g->names = malloc(sizeof *g->names * (total + 1));
    if (g->names == NULL)
        return BL_ENOMEM;
    for (size_t i = 0; i < g->n && rc == BL_OK; i++) {
        merge_src *s = &g->src[i];
        uint32_t n = bl_segment_source_count(s->seg);

        g->where = s->name;
        free(used);
        used = calloc((size_t)n + 1, sizeof *used);
        s->ord_map = malloc(sizeof *s->ord_map * ((size_t)n + 1));
        if (used == NULL || s->ord_map == NULL) {
            rc = BL_ENOMEM;
            break;
        }
        for (uint32_t d = 0; d < bl_segment_docs(s->seg); d++) {
            uint32_t o = bl_segment_source_ord(s->seg, d);

            if (s->remap[d] == BL_DOC_END)
                continue;
            if (o >= n) {
                rc = BL_ECORRUPT;
                break;
            }
            used[o] = true;
        }
        for (uint32_t o = 0; o < n && rc == BL_OK; o++)
            if (used[o])
                g->names[g->n_names++] = bl_segment_source_name(s->seg, o);
    }
    free(used);
    if (rc != BL_OK)
        return rc;
    qsort(g->names, g->n_names, sizeof *g->names, name_cmp);
    {
        uint32_t k = 0;

        for (uint32_t i = 0; i < g->n_names; i++)
            if (k == 0 || strcmp(g->names[k - 1], g->names[i]) != 0)
                g->names[k++] = g->names[i];
        g->n_names = k;
    }
    for (size_t i = 0; i < g->n; i++) {
        merge_src *s = &g->src[i];

        for (uint32_t o = 0; o < bl_segment_source_count(s->seg); o++) {
            const char *name = bl_segment_source_name(s->seg, o);
            const char **at = bsearch(&name, g->names, g->n_names,
                                      sizeof *g->names, name_cmp);

            /* Names no live document uses map nowhere; never read. */
            s->ord_map[o] = at != NULL ? (uint32_t)(at - g->names)
                                       : UINT32_MAX;
        }
    }
    return BL_OK;
}

/* Per live document: lengths, date, source ordinal, id. */
static int merge_columns(merger *g)
{
    bl_buf id = BL_BUF_INIT;
    int rc = BL_OK;

    for (int f = 0; f < BL_N_TEXT_FIELDS; f++)
        if ((g->len[f] = malloc(sizeof(uint32_t) * g->docs)) == NULL)
            rc = BL_ENOMEM;
    if ((g->dates = malloc(sizeof *g->dates * g->docs)) == NULL ||
        (g->ords = malloc(sizeof *g->ords * g->docs)) == NULL)
        rc = BL_ENOMEM;
    for (size_t i = 0; i < g->n && rc == BL_OK; i++) {
        const merge_src *s = &g->src[i];

        g->where = s->name;
        for (uint32_t d = 0; d < bl_segment_docs(s->seg) && rc == BL_OK;
             d++) {
            uint32_t md = s->remap[d];

            if (md == BL_DOC_END)
                continue;
            for (int f = 0; f < BL_N_TEXT_FIELDS; f++) {
                g->len[f][md] = bl_segment_field_len(s->seg, (bl_field_id)f,
                                                     d);
                g->field_total[f] += g->len[f][md];
            }
            g->dates[md] = bl_segment_date(s->seg, d);
            g->ords[md] = s->ord_map[bl_segment_source_ord(s->seg, d)];
            rc = bl_segment_id(s->seg, d, &id);
            if (rc == BL_OK)
                rc = bl_ids_add(&g->ids, (const char *)id.p, id.len);
        }
    }
    bl_buf_free(&id);
    return rc;
}

/* Room for need values in the array *p of *cap (doubling from first). */
static int grow_u32(uint32_t **p, size_t *cap, size_t need, size_t first)
{
    size_t c = *cap ? *cap : first;
    uint32_t *q;

    if (need <= *cap)
        return BL_OK;
    while (c < need)
        c *= 2;
    q = realloc(*p, sizeof *q * c);
    if (q == NULL)
        return BL_ENOMEM;
    *p = q;
    *cap = c;
    return BL_OK;
}

/* Room for need entries in the term's arrays (docs and tfs). */
static int reserve_docs(merger *g, size_t need)
{
    size_t cap = g->cap_docs;
    int rc = grow_u32(&g->t_docs, &cap, need, 1024);

    if (rc == BL_OK) {
        cap = g->cap_docs;
        rc = grow_u32(&g->t_tfs, &cap, need, 1024);
    }
    if (rc == BL_OK)
        g->cap_docs = cap;
    return rc;
}

/* Append the live postings of source s's current term (field f) to the
** term's arrays: *n documents and *n_pos positions so far. */
static int gather(merger *g, merge_src *s, bl_field_id f, uint32_t *n,
                  size_t *n_pos)
{
    bool text = f < BL_N_TEXT_FIELDS;
    bl_postings *p = g->p;
    uint32_t d;
    int rc;

    g->where = s->name;
    rc = bl_postings_open(s->seg, f, &s->ti, text, p);
    while (rc == BL_OK && (d = bl_postings_next(p)) != BL_DOC_END) {
        uint32_t md = remap_of(s, d), tf = text ? bl_postings_freq(p) : 1;
        const uint32_t *ahead, *freqs;
        uint32_t n_ahead = bl_postings_run(p, &ahead, &freqs);

        /* The remap entry of the document 16 on, and the merged field
        ** length of the one 8 on, are fetched ahead: the documents of a
        ** word in a few thousand articles lie far apart in a large
        ** segment, and these two reads were 89% of the merge's own time
        ** at 10^6 articles (distances 32 and 16 did no better, 64 and 32
        ** worse). */
        if (!s->dense && n_ahead > 16)
            __builtin_prefetch(&s->remap[ahead[16]]);
        if (text && n_ahead > 8) {
            uint32_t m = remap_of(s, ahead[8]);

            if (m != BL_DOC_END)
                __builtin_prefetch(&g->len[f][m]);
        }

        if (md == BL_DOC_END)
            continue;
        if ((*n > 0 && md <= g->t_docs[*n - 1]) || tf == 0)
            return BL_ECORRUPT;
        rc = reserve_docs(g, (size_t)*n + 1);
        if (rc == BL_OK && text)
            rc = grow_u32(&g->t_pos, &g->cap_pos, *n_pos + tf, 4096);
        if (rc == BL_OK && text) {
            uint32_t got;

            rc = bl_postings_positions_all(p, g->t_pos + *n_pos, &got);
            if (rc == BL_OK &&
                (got != tf || g->t_pos[*n_pos + tf - 1] >= g->len[f][md]))
                rc = BL_ECORRUPT;
            *n_pos += tf;
        }
        if (rc != BL_OK)
            break;
        g->t_docs[*n] = md;
        g->t_tfs[*n] = tf;
        (*n)++;
    }
    if (rc == BL_OK)
        rc = p->rc;
    return rc;
}

/* Move source s's cursor to its next term. */
static int advance(merge_src *s)
{
    int rc = bl_term_cursor_next(&s->cur, &s->ti);

    s->has_term = rc == BL_OK;
    return rc == BL_DONE ? BL_OK : rc;
}

/* The key (term, then field byte: format.h) of a cursor's current term in
** key; returns its length. */
static size_t cursor_key(const bl_term_cursor *c, uint8_t *key)
{
    memcpy(key, c->term, c->term_len);
    key[c->term_len] = (uint8_t)c->term_field;
    return c->term_len + 1;
}

/* Write the gathered term (key, n documents, n_pos positions). */
static int write_term(merger *g, const uint8_t *key, size_t key_len,
                      uint32_t n, size_t n_pos)
{
    bl_field_id f = (bl_field_id)key[key_len - 1];
    bool text = f < BL_N_TEXT_FIELDS;
    size_t p0 = g->post.len, x0 = g->pos.len;
    uint32_t max_tf = 0;
    uint64_t cf = 0;
    int rc;

    for (uint32_t k = 0; k < n; k++) {
        cf += g->t_tfs[k];
        if (g->t_tfs[k] > max_tf)
            max_tf = g->t_tfs[k];
    }
    if (text && cf != n_pos)
        return BL_ECORRUPT;
    rc = bl_postings_write(&g->post, &g->pos, f, g->t_docs, g->t_tfs, n,
                           g->t_pos, text ? g->len[f] : NULL);
    if (rc == BL_OK)
        rc = bl_termdict_add(&g->tw, key, key_len, n, cf, max_tf,
                             g->post.len - p0, g->pos.len - x0,
                             g->t_docs[0]);
    /* Bad input the checks above let through shows as out-of-order keys
    ** or lists: the sources, not the caller, are wrong. */
    if (rc == BL_EINVAL)
        rc = BL_ECORRUPT;
    g->n_postings += n;
    if (text)
        g->n_positions += cf;
    return rc;
}

/* Hand back the pages of s's postings and positions before its current
** term, a MB at a time: the walk reads them in order, once. */
static void hand_back(merge_src *s)
{
    static const int secs[2] = {BL_SEC_POSTINGS, BL_SEC_POSITIONS};
    const uint64_t at[2] = {s->ti.postings_off, s->ti.positions_off};

    for (int k = 0; k < 2; k++) {
        const bl_section *sec = &s->seg->sec[secs[k]];

        if (at[k] <= sec->len && at[k] >= s->read[k] + ((uint64_t)1 << 20)) {
            bl_map_drop(sec->p + s->read[k], (size_t)(at[k] - s->read[k]));
            s->read[k] = at[k];
        }
    }
}

/* The terms of every field: the sources' dictionaries walked together in
** key order, each term's live postings gathered from the sources in order
** (so that merged doc ids increase) and written once; a term left without
** live postings disappears. */
static int merge_terms(merger *g)
{
    uint8_t key[1 + BL_MAX_TERM], other[1 + BL_MAX_TERM];
    int rc = BL_OK;

    for (size_t i = 0; i < g->n && rc == BL_OK; i++) {
        g->where = g->src[i].name;
        rc = bl_term_cursor_open(g->src[i].seg, BL_ANY_FIELD, "", 0,
                                 &g->src[i].cur);
        if (rc == BL_OK)
            rc = advance(&g->src[i]);
    }
    while (rc == BL_OK) {
        size_t len = 0, olen;
        uint32_t n = 0;
        size_t n_pos = 0;

        for (size_t i = 0; i < g->n; i++) {
            if (!g->src[i].has_term)
                continue;
            olen = cursor_key(&g->src[i].cur, other);
            if (len == 0 ||
                bl_termdict_key_cmp(other, olen, key, len) < 0) {
                memcpy(key, other, olen);
                len = olen;
            }
        }
        if (len == 0)
            break;
        for (size_t i = 0; i < g->n && rc == BL_OK; i++) {
            merge_src *s = &g->src[i];

            if (!s->has_term)
                continue;
            olen = cursor_key(&s->cur, other);
            if (bl_termdict_key_cmp(other, olen, key, len) != 0)
                continue;
            hand_back(s);
            rc = gather(g, s, s->cur.term_field, &n, &n_pos);
            if (rc == BL_OK)
                rc = advance(s);
        }
        if (rc == BL_OK && n > 0)
            rc = write_term(g, key, len, n, n_pos);
    }
    return rc;
}

static int add_sample(void *ctx, const bl_doc *doc)
{
    return bl_store_add(ctx, doc);
}

static int add_stream(void *ctx, const bl_doc *doc)
{
    return bl_store_stream_add(ctx, doc);
}

/* Source s's store order into *doc_at (bl_store_order), grown to its
** documents: the walks below hold one source's at a time. */
static int source_order(const merge_src *s, uint32_t **doc_at)
{
    uint32_t *p = realloc(*doc_at, sizeof *p *
                                       ((size_t)bl_segment_docs(s->seg) + 1));

    if (p == NULL)
        return BL_ENOMEM;
    *doc_at = p;
    return bl_store_order(s->seg, p);
}

/* Whether block b of source s is copied as it is: it was compressed with
** a dictionary (a block without one comes from a segment too small to
** train one, and is worth compressing again) and all its articles live.
** doc_at is the source's store order (bl_store_order). */
static bool block_copied(const merge_src *s, const uint32_t *doc_at,
                         const bl_store_block *b)
{
    if (!b->has_dict)
        return false;
    for (uint32_t j = 0; j < b->docs; j++)
        if (s->remap[doc_at[b->first + j]] == BL_DOC_END)
            return false;
    return true;
}

/* Walk the sources' store blocks in their order: a block copied as it is
** goes to copy(ctx, seg, b) (skipped when copy is NULL); of the others,
** every step-th live article goes to add(ctx, doc). Each source's store
** pages are handed back once read; *where names the source being read.
** With est not NULL, est[0] gets the raw bytes of the live articles not
** copied and est[1] their share of their blocks' compressed bytes.
** BL_EINVAL once *stop is set. The articles thus come in each source's
** store order, deleted ones left out, one source after the other
** (merged_positions counts on it). */
static int each_block(merger *g, uint64_t step, const char **where,
                      const atomic_bool *stop,
                      int (*add)(void *ctx, const bl_doc *doc),
                      int (*copy)(void *ctx, const bl_segment *seg,
                                  uint32_t b),
                      void *ctx, uint64_t *est)
{
    uint64_t at = 0;
    uint32_t *doc_at = NULL;
    int rc = BL_OK;

    for (size_t i = 0; i < g->n && rc == BL_OK; i++) {
        const merge_src *s = &g->src[i];
        uint32_t nb = s->seg->n_store_blocks;

        *where = s->name;
        rc = source_order(s, &doc_at);
        for (uint32_t b = 0; b < nb && rc == BL_OK; b++) {
            bl_store_block info;

            rc = bl_store_block_info(s->seg, b, &info);
            if (rc == BL_OK && atomic_load(stop))
                rc = BL_EINVAL;
            if (rc != BL_OK)
                break;
            if (block_copied(s, doc_at, &info)) {
                if (copy != NULL)
                    rc = copy(ctx, s->seg, b);
                continue;
            }
            for (uint32_t p = info.first;
                 p < info.first + info.docs && rc == BL_OK; p++) {
                uint32_t d = doc_at[p];
                bl_doc *doc;

                if (s->remap[d] == BL_DOC_END)
                    continue;
                if (est != NULL) {
                    est[0] += info.raw / info.docs;
                    est[1] += info.comp / info.docs + 1;
                }
                if (add == NULL || at++ % step != 0)
                    continue;
                rc = bl_segment_doc(s->seg, d, g->ctx, &doc);
                if (rc == BL_OK) {
                    rc = add(ctx, doc);
                    bl_doc_free(doc);
                }
            }
        }
        drop_pages(s->seg, BL_SEC_STORE);
    }
    free(doc_at);
    return rc;
}

static int copy_block(void *ctx, const bl_segment *seg, uint32_t b)
{
    return bl_store_stream_copy(ctx, seg, b);
}

/* *out[m]: the store position of merged document m, as each_block's walk
** gave the articles to the stream: source s's live article d, merged
** document remap[d], comes after every live article of the sources before
** s (base of them) and after those of s before it in s's store order.
** Computed once the walk is done, so that the merge does not hold it
** meanwhile. */
static int merged_positions(const merger *g, uint32_t **out)
{
    uint32_t *pos = malloc(sizeof *pos * ((size_t)g->docs + 1));
    uint32_t *doc_at = NULL, at = 0;
    int rc = pos != NULL ? BL_OK : BL_ENOMEM;

    for (size_t i = 0; i < g->n && rc == BL_OK; i++) {
        const merge_src *s = &g->src[i];
        uint32_t docs = bl_segment_docs(s->seg);

        rc = source_order(s, &doc_at);
        for (uint32_t k = 0; k < docs && rc == BL_OK; k++) {
            uint32_t m = s->remap[doc_at[k]];

            if (m == BL_DOC_END)
                continue;
            if (m >= g->docs || at >= g->docs)
                rc = BL_ECORRUPT;
            else
                pos[m] = at++;
        }
    }
    free(doc_at);
    if (rc == BL_OK && at != g->docs)
        rc = BL_ECORRUPT;
    if (rc != BL_OK) {
        free(pos);
        pos = NULL;
    }
    *out = pos;
    return rc;
}

/* The stored articles. Blocks compressed with a dictionary whose articles
** all live are copied as they are, dictionary and all (compressing is
** most of what a merge would otherwise cost); the live articles of the
** other blocks are compressed again, as a builder would, in blocks cut as
** they fill, with a dictionary trained on a sample spread over them (as
** much text as bl_store_finish samples). It runs on a thread of its own
** while the terms are merged (store_main): it reads only the remap arrays,
** the sources' stores and columns, and writes only the store's sections,
** the store context and *where, the source it failed on. *stop, set by the
** other thread, makes it give up early. */
static int merge_store(merger *g, const char **where,
                       const atomic_bool *stop)
{
    bl_store_opts so;
    bl_store_writer *sample = NULL;
    bl_store_stream *st = NULL;
    uint64_t est[2] = {0, 0}, step = 1;
    int rc;

    bl_store_opts_default(&so);
    rc = each_block(g, 1, where, stop, NULL, NULL, NULL, est);
    if (so.dict_bytes > 0 && est[0] > 16 * (uint64_t)so.dict_bytes)
        step = (est[0] + 16 * so.dict_bytes - 1) / (16 * so.dict_bytes);
    if (rc == BL_OK)
        rc = bl_store_writer_new(&sample);
    if (rc == BL_OK && so.dict_bytes > 0 && est[0] > 0)
        rc = each_block(g, step, where, stop, add_sample, NULL, sample,
                        NULL);
    /* What is compressed again, with an eighth more for slack. */
    if (rc == BL_OK)
        rc = bl_store_stream_new(&so, sample,
                                 (size_t)(est[1] + est[1] / 8 + 4096), &st);
    bl_store_writer_free(sample);
    if (rc == BL_OK)
        rc = each_block(g, 1, where, stop, add_stream, copy_block, st,
                        NULL);
    if (rc == BL_OK) {
        uint32_t *pos = NULL;

        *where = NULL;         /* no source to blame from here on */
        rc = merged_positions(g, &pos);
        if (rc == BL_OK)
            rc = bl_store_stream_finish(st, pos, &g->store, &g->storeidx,
                                        &g->dict, &g->raw, &g->store_blocks,
                                        &g->pieces, &g->n_pieces);
        free(pos);
    }
    bl_store_stream_free(st);
    return rc;
}

typedef struct store_job {
    merger *g;
    const char *where;         /* the source the store failed on */
    atomic_bool stop;          /* the terms failed: give up */
    int rc;
} store_job;

static void *store_main(void *arg)
{
    store_job *j = arg;

    j->rc = merge_store(j->g, &j->where, &j->stop);
    return NULL;
}

/* Write the merged segment to path; *bytes is its size. */
static int merge_write(merger *g, const char *path, uint64_t *bytes)
{
    bl_buf meta = BL_BUF_INIT;
    bl_segment_parts parts;

    memset(&parts, 0, sizeof parts);
    parts.docs = g->docs;
    parts.n_term_blocks = g->tw.n_blocks;
    parts.n_terms = g->tw.n_terms;
    parts.n_postings = g->n_postings;
    parts.n_positions = g->n_positions;
    parts.field_total[0] = g->field_total[0];
    parts.field_total[1] = g->field_total[1];
    parts.raw_bytes = g->raw;
    parts.n_store_blocks = g->store_blocks;
    parts.n_sources = g->n_names;
    parts.sec[BL_SEC_META] = &meta;
    parts.sec[BL_SEC_TERMS] = &g->tw.terms;
    parts.sec[BL_SEC_TERMIDX] = &g->tw.index;
    parts.sec[BL_SEC_POSTINGS] = &g->post;
    parts.sec[BL_SEC_POSITIONS] = &g->pos;
    parts.sec[BL_SEC_LENGTHS] = &g->lengths;
    parts.sec[BL_SEC_COLUMNS] = &g->columns;
    parts.sec[BL_SEC_STORE] = &g->store;
    parts.store = g->pieces;
    parts.n_store = g->n_pieces;
    parts.sec[BL_SEC_STOREIDX] = &g->storeidx;
    parts.sec[BL_SEC_STOREDICT] = &g->dict;
    return bl_segment_write(path, &parts, bytes);
}

static void merger_free(merger *g)
{
    for (size_t i = 0; g->src != NULL && i < g->n; i++) {
        bl_segment_close(g->src[i].seg);
        bl_deletes_free(&g->src[i].del);
        free(g->src[i].remap);
        free(g->src[i].ord_map);
    }
    free(g->src);
    for (int f = 0; f < BL_N_TEXT_FIELDS; f++)
        free(g->len[f]);
    free(g->dates);
    free(g->ords);
    free(g->names);
    bl_ids_writer_free(&g->ids);
    bl_termdict_writer_free(&g->tw);
    bl_buf_free(&g->post);
    bl_buf_free(&g->pos);
    bl_buf_free(&g->lengths);
    bl_buf_free(&g->columns);
    bl_buf_free(&g->store);
    bl_buf_free(&g->storeidx);
    bl_buf_free(&g->dict);
    free(g->pieces);
    free(g->p);
    free(g->t_docs);
    free(g->t_tfs);
    free(g->t_pos);
    bl_store_ctx_free(g->ctx);
}

int bl_merge_segments(const char *dir, const bl_analyzer_opts *opts,
                      const bl_manifest_seg *srcs, size_t n, uint64_t new_id,
                      bl_manifest_seg *out, char *msg, size_t cap)
{
    merger g;
    char name[64], path[4096], why[256] = "";
    uint64_t bytes = 0;
    int rc;

    (void)opts;                /* the sources hold the analysis' output */
    memset(out, 0, sizeof *out);
    memset(&g, 0, sizeof g);
    bl_ids_writer_init(&g.ids);
    bl_termdict_writer_init(&g.tw);
    g.n = n;
    g.src = calloc(n ? n : 1, sizeof *g.src);
    g.p = malloc(sizeof *g.p);
    rc = g.src == NULL || g.p == NULL ? BL_ENOMEM : BL_OK;
    if (rc == BL_OK)
        rc = bl_store_ctx_new(&g.ctx);
    if (rc == BL_OK)
        rc = bl_segment_file_name(name, sizeof name, new_id);
    if (rc == BL_OK)
        rc = bl_path_join(path, sizeof path, dir, name);
    for (size_t i = 0; i < n && rc == BL_OK; i++)
        rc = open_source(&g, dir, &srcs[i], &g.src[i], why, sizeof why);
    if (rc == BL_OK && g.docs > 0) {
        store_job job;
        pthread_t th;
        bool threaded = false;

        memset(&job, 0, sizeof job);
        job.g = &g;
        atomic_init(&job.stop, false);
        g.where = NULL;
        rc = reserve_output(&g);
        /* The store on a second thread (zstd is most of a merge's time);
        ** on this one if none can be started. */
        if (rc == BL_OK)
            threaded = pthread_create(&th, NULL, store_main, &job) == 0;
        if (rc == BL_OK)
            rc = merge_sources(&g);
        if (rc == BL_OK)
            rc = merge_columns(&g);
        if (rc == BL_OK)
            rc = merge_terms(&g);
        if (rc == BL_OK) {
            g.where = NULL;
            for (size_t i = 0; i < g.n; i++)
                for (int k = BL_SEC_TERMS; k <= BL_SEC_POSITIONS; k++)
                    drop_pages(g.src[i].seg, k);
            rc = bl_lengths_write(&g.lengths,
                                  (const uint32_t *const *)g.len, g.docs);
        }
        if (rc == BL_OK)
            rc = bl_columns_write(&g.columns, g.dates, g.docs, g.names,
                                  g.n_names, g.ords, &g.ids);
        if (rc != BL_OK)
            atomic_store(&job.stop, true);
        if (threaded)
            pthread_join(th, NULL);
        else if (rc == BL_OK)
            job.rc = merge_store(&g, &job.where, &job.stop);
        if (rc == BL_OK && job.rc != BL_OK) {
            rc = job.rc;
            g.where = job.where;
        }
        if (rc == BL_OK)
            rc = merge_write(&g, path, &bytes);
    }
    if (rc != BL_OK && g.where != NULL)
        snprintf(msg, cap, "merging %s: %s%s%s", g.where, bl_strerror(rc),
                 why[0] ? ": " : "", why);
    else if (rc != BL_OK)
        snprintf(msg, cap, "merging into seg-%" PRIu64 ": %s", new_id,
                 bl_strerror(rc));
    if (rc == BL_OK) {
        out->id = new_id;
        out->docs = g.docs;
        out->field_total[0] = g.field_total[0];
        out->field_total[1] = g.field_total[1];
        out->bytes = bytes;
    }
    merger_free(&g);
    return rc;
}
