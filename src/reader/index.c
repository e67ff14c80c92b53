/* index.c - the public reading handle of byline.h (bl_index_*): the current
** snapshot of an index, swapped by bl_index_refresh, and what is answered
** from it directly (stored articles by id, statistics), plus the full
** verification behind `byline check`.
**
** The invariant: ix->cur changes only under ix->mu, and every reader takes
** its own reference under the same lock (bl_index_acquire), so a refresh
** never frees a snapshot that a running call still uses.
*/
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/hash.h"
#include "base/varint.h"
#include "reader/snapshot.h"
#include "segment/format.h"
#include "segment/deletes.h"
#include "segment/manifest.h"

struct bl_index {
    char *dir;
    pthread_mutex_t mu;        /* guards cur */
    pthread_mutex_t refresh;   /* one refresh at a time */
    bl_snapshot *cur;          /* one reference held by the index */
    void *scratch[8];          /* search/'s reusable per-search states */
    pthread_t scratch_owner[8];  /* the thread that made each */
    size_t n_scratch;          /* guarded by mu */
    void (*scratch_free)(void *);
    bl_block_cache *blocks;    /* decompressed store blocks, for every
                                  snapshot's searches and gets */
};

int bl_index_open(const char *dir, bl_index **out)
{
    bl_index *ix;
    char msg[512];
    int rc;

    *out = NULL;
    if (dir == NULL)
        return BL_EINVAL;
    ix = calloc(1, sizeof *ix);
    if (ix == NULL)
        return BL_ENOMEM;
    ix->dir = strdup(dir);
    if (ix->dir == NULL) {
        free(ix);
        return BL_ENOMEM;
    }
    pthread_mutex_init(&ix->mu, NULL);
    pthread_mutex_init(&ix->refresh, NULL);
    rc = bl_block_cache_new(BL_BLOCK_CACHE_DEFAULT, &ix->blocks);
    if (rc == BL_OK)
        rc = bl_snapshot_open(dir, NULL, &ix->cur, msg, sizeof msg);
    if (rc != BL_OK) {
        bl_index_close(ix);
        return rc;
    }
    *out = ix;
    return BL_OK;
}

void bl_index_close(bl_index *ix)
{
    if (ix == NULL)
        return;
    bl_snapshot_release(ix->cur);
    for (size_t i = 0; i < ix->n_scratch; i++)
        ix->scratch_free(ix->scratch[i]);
    bl_block_cache_free(ix->blocks);
    pthread_mutex_destroy(&ix->mu);
    pthread_mutex_destroy(&ix->refresh);
    free(ix->dir);
    free(ix);
}

void bl_index_set_block_cache(bl_index *ix, size_t bytes)
{
    bl_block_cache_set_budget(ix->blocks, bytes);
}

bl_block_cache *bl_index_block_cache(bl_index *ix)
{
    return ix->blocks;
}

bl_snapshot *bl_index_snapshot(bl_index *ix)
{
    bl_snapshot *s;

    pthread_mutex_lock(&ix->mu);
    s = ix->cur;
    pthread_mutex_unlock(&ix->mu);
    return s;
}

bl_snapshot *bl_index_acquire(bl_index *ix)
{
    bl_snapshot *s;

    pthread_mutex_lock(&ix->mu);
    s = ix->cur;
    bl_snapshot_retain(s);
    pthread_mutex_unlock(&ix->mu);
    return s;
}

int bl_index_refresh(bl_index *ix, bool *changed)
{
    bl_snapshot *old, *next = NULL;
    uint64_t gen;
    int rc;

    if (changed != NULL)
        *changed = false;
    pthread_mutex_lock(&ix->refresh);
    old = bl_index_acquire(ix);
    rc = bl_manifest_current(ix->dir, &gen);
    if (rc == BL_OK && gen != bl_snapshot_generation(old))
        rc = bl_snapshot_open(ix->dir, old, &next, NULL, 0);
    if (rc == BL_OK && next != NULL) {
        pthread_mutex_lock(&ix->mu);
        ix->cur = next;
        pthread_mutex_unlock(&ix->mu);
        bl_snapshot_release(old);   /* the index's reference */
        if (changed != NULL)
            *changed = true;
    }
    bl_snapshot_release(old);       /* ours */
    pthread_mutex_unlock(&ix->refresh);
    return rc;
}

uint64_t bl_index_generation(const bl_index *ix)
{
    bl_snapshot *s = bl_index_acquire((bl_index *)ix);
    uint64_t gen = bl_snapshot_generation(s);

    bl_snapshot_release(s);
    return gen;
}

typedef struct live_search {
    const bl_snapshot *s;
    size_t i;                  /* the segment searched */
    uint32_t *out;             /* the last live doc so far */
} live_search;

static int keep_live(void *ctx, uint32_t doc)
{
    live_search *l = ctx;

    if (!bl_snapshot_deleted(l->s, l->i, doc))
        *l->out = doc;
    return BL_OK;
}

/* The last live doc of segment i whose id is id, or BL_DOC_END. */
static int find_live(const bl_snapshot *s, size_t i, const char *id,
                     uint32_t *out)
{
    live_search l = {s, i, out};

    *out = BL_DOC_END;
    return bl_segment_each_id(bl_snapshot_segment(s, i), id, keep_live, &l);
}

int bl_index_get(bl_index *ix, const char *id, bl_doc **out)
{
    bl_snapshot *s;
    bl_store_ctx *ctx = NULL;
    int rc = BL_ENOTFOUND;

    *out = NULL;
    if (ix == NULL || id == NULL)
        return BL_EINVAL;
    s = bl_index_acquire(ix);
    /* Newest first: a replaced article's live version is the later one. */
    for (size_t i = bl_snapshot_segment_count(s); i-- > 0;) {
        uint32_t doc;
        int r = find_live(s, i, id, &doc);

        if (r != BL_OK) {
            rc = r;
            break;
        }
        if (doc == BL_DOC_END)
            continue;
        rc = bl_store_ctx_new(&ctx);
        if (rc == BL_OK) {
            bl_store_ctx_use_cache(ctx, ix->blocks);
            rc = bl_segment_doc(bl_snapshot_segment(s, i), doc, ctx, out);
        }
        break;
    }
    bl_store_ctx_free(ctx);
    bl_snapshot_release(s);
    return rc;
}

/* Bytes of dir/name, 0 when it cannot be read. */
static uint64_t file_bytes(const char *dir, const char *name)
{
    char path[4096];
    uint64_t n = 0;

    if (bl_path_join(path, sizeof path, dir, name) == BL_OK)
        bl_file_size(path, &n);
    return n;
}

int bl_index_stats(bl_index *ix, bl_stats *out)
{
    bl_snapshot *s;
    char name[64];

    memset(out, 0, sizeof *out);
    if (ix == NULL)
        return BL_EINVAL;
    s = bl_index_acquire(ix);
    out->generation = bl_snapshot_generation(s);
    out->deleted = bl_snapshot_deleted_count(s);
    out->docs = bl_snapshot_docs(s) - out->deleted;
    out->segments = bl_snapshot_segment_count(s);
    out->total_bytes = file_bytes(ix->dir, "CURRENT");
    if (bl_manifest_name(name, sizeof name, out->generation) == BL_OK)
        out->total_bytes += file_bytes(ix->dir, name);
    for (size_t i = 0; i < out->segments; i++) {
        const bl_segment *seg = bl_snapshot_segment(s, i);
        bl_section_stats b;
        uint64_t raw = 0, file = 0;

        out->terms += bl_segment_terms(seg);
        out->postings += bl_segment_postings_count(seg);
        out->positions += bl_segment_positions_count(seg);
        bl_segment_sizes(seg, &b, &raw, &file);
        out->raw_bytes += raw;
        out->total_bytes += file;
        out->bytes.terms += b.terms;
        out->bytes.postings += b.postings;
        out->bytes.positions += b.positions;
        out->bytes.lengths += b.lengths;
        out->bytes.columns += b.columns;
        out->bytes.store += b.store;
    }
    /* Deletion files, as named by the manifest. */
    {
        bl_manifest m;

        if (bl_manifest_load(ix->dir, out->generation, &m, NULL, 0) == BL_OK) {
            for (size_t i = 0; i < m.n_segs; i++)
                if (m.segs[i].del_gen != 0 &&
                    bl_deletes_file_name(name, sizeof name, m.segs[i].id,
                                         m.segs[i].del_gen) == BL_OK)
                    out->total_bytes += file_bytes(ix->dir, name);
            bl_manifest_free(&m);
        }
    }
    bl_snapshot_release(s);
    return BL_OK;
}

/* ---- check ------------------------------------------------------------ */

typedef struct check_ctx {
    char *msg;
    size_t cap;
    void (*progress)(void *ctx, double done);
    void *pctx;
} check_ctx;

static int problem(check_ctx *c, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int problem(check_ctx *c, int rc, const char *fmt, ...)
{
    va_list ap;

    if (c->msg != NULL && c->cap > 0) {
        va_start(ap, fmt);
        vsnprintf(c->msg, c->cap, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* Why bl_segment_open refused path, by the bytes of format.h: the header,
** the footer, or the first section whose checksum does not match. */
static void diagnose_open(const char *path, int rc, char *why, size_t cap)
{
    bl_map m;
    const uint8_t *f, *t;

    snprintf(why, cap, "cannot open: %s", bl_strerror(rc));
    if (rc != BL_ECORRUPT || bl_file_map(path, &m) != BL_OK)
        return;
    if (m.len < BL_SEG_MAGIC_BYTES + BL_FOOTER_BYTES ||
        memcmp(m.p, BL_SEG_MAGIC, BL_SEG_MAGIC_BYTES) != 0) {
        snprintf(why, cap, "header: bad magic or truncated file");
        bl_file_unmap(&m);
        return;
    }
    f = m.p + m.len - BL_FOOTER_BYTES;
    t = f + BL_SEC_COUNT * BL_TOC_ENTRY_BYTES;
    if (memcmp(t + 16, BL_SEG_MAGIC, BL_SEG_MAGIC_BYTES) != 0 ||
        bl_checksum(f, (size_t)(t + 8 - f)) != bl_load_u64le(t + 8)) {
        snprintf(why, cap, "footer: checksum mismatch");
        bl_file_unmap(&m);
        return;
    }
    for (int s = 0; s < BL_SEC_COUNT; s++) {
        const uint8_t *e = f + (size_t)s * BL_TOC_ENTRY_BYTES;
        uint64_t off = bl_load_u64le(e), n = bl_load_u64le(e + 8);

        if (off > m.len - BL_FOOTER_BYTES ||
            n > m.len - BL_FOOTER_BYTES - off) {
            snprintf(why, cap, "footer: section %s out of bounds",
                     bl_sec_name(s));
            break;
        }
        if (bl_checksum(m.p + off, (size_t)n) != bl_load_u64le(e + 16)) {
            snprintf(why, cap, "%s: checksum mismatch", bl_sec_name(s));
            break;
        }
    }
    bl_file_unmap(&m);
}

static int check_segment(const char *dir, const bl_manifest_seg *ms,
                         check_ctx *c)
{
    char name[64], path[4096], why[512];
    bl_segment *seg = NULL;
    uint64_t size;
    int rc;

    bl_segment_file_name(name, sizeof name, ms->id);
    rc = bl_path_join(path, sizeof path, dir, name);
    if (rc == BL_OK)
        rc = bl_file_size(path, &size);
    if (rc != BL_OK)
        return problem(c, rc, "%s: %s", name, rc == BL_ENOTFOUND
                       ? "missing" : bl_strerror(rc));
    if (size != ms->bytes)
        return problem(c, BL_ECORRUPT, "%s: %" PRIu64 " bytes, the manifest "
                       "says %" PRIu64, name, size, ms->bytes);
    rc = bl_segment_open(path, &seg);
    if (rc != BL_OK) {
        diagnose_open(path, rc, why, sizeof why);
        return problem(c, rc, "%s: %s", name, why);
    }
    why[0] = '\0';
    rc = bl_segment_verify(seg, why, sizeof why);
    if (rc != BL_OK) {
        problem(c, rc, "%s: %s", name, why[0] ? why : bl_strerror(rc));
    } else if (bl_segment_docs(seg) != ms->docs) {
        rc = problem(c, BL_ECORRUPT, "%s: holds %u articles, the manifest "
                     "says %u", name, bl_segment_docs(seg), ms->docs);
    } else {
        for (int f = 0; f < 2 && rc == BL_OK; f++)
            if (bl_segment_field_total(seg, (bl_field_id)f) !=
                ms->field_total[f])
                rc = problem(c, BL_ECORRUPT, "%s: %s length total %" PRIu64
                             ", the manifest says %" PRIu64, name,
                             f == 0 ? "title" : "body",
                             bl_segment_field_total(seg, (bl_field_id)f),
                             ms->field_total[f]);
    }
    bl_segment_close(seg);
    if (rc != BL_OK || ms->del_gen == 0)
        return rc;
    {
        bl_deletes d;

        bl_deletes_file_name(name, sizeof name, ms->id, ms->del_gen);
        rc = bl_path_join(path, sizeof path, dir, name);
        if (rc == BL_OK)
            rc = bl_deletes_load(path, &d, why, sizeof why);
        if (rc != BL_OK)
            return problem(c, rc, "%s: %s", name, why);
        if (d.docs != ms->docs || d.count != ms->deleted)
            rc = problem(c, BL_ECORRUPT, "%s: covers %u articles with %u "
                         "deleted, the manifest says %u and %u", name,
                         d.docs, d.count, ms->docs, ms->deleted);
        bl_deletes_free(&d);
    }
    return rc;
}

int bl_index_check(const char *dir, char *msg, size_t cap,
                   void (*progress)(void *ctx, double done), void *ctx)
{
    check_ctx c = {msg, cap, progress, ctx};
    bl_manifest m;
    uint64_t gen, total = 0, done = 0;
    char why[512];
    int rc;

    if (msg != NULL && cap > 0)
        msg[0] = '\0';
    rc = bl_manifest_current(dir, &gen);
    if (rc != BL_OK)
        return problem(&c, rc, "CURRENT: %s", rc == BL_ENOTFOUND
                       ? "missing (no index here)"
                       : rc == BL_ECORRUPT ? "does not name a manifest"
                                           : bl_strerror(rc));
    rc = bl_manifest_load(dir, gen, &m, why, sizeof why);
    if (rc != BL_OK)
        return problem(&c, rc, "%s", why);
    for (size_t i = 0; i < m.n_segs; i++)
        total += m.segs[i].bytes;
    for (size_t i = 0; i < m.n_segs && rc == BL_OK; i++) {
        rc = check_segment(dir, &m.segs[i], &c);
        done += m.segs[i].bytes;
        if (progress != NULL)
            progress(ctx, total ? (double)done / (double)total : 1.0);
    }
    if (rc == BL_OK && progress != NULL)
        progress(ctx, 1.0);
    bl_manifest_free(&m);
    return rc;
}

/* The calling thread's own scratch when one is kept, else the last given:
** `byline bench` times each kind on one thread after other threads ran the
** kind before, and when it took one of their scratches, whose analyzer had
** not met its words, the first of its three timed runs of each OR query
** stemmed them again: that run's median 14.6-15.5 us against 8.5-9.0 for
** the other two; 10.0-11.9 with this (Reuters, 2 threads before). */
void *bl_index_scratch_take(bl_index *ix)
{
    void *s = NULL;
    pthread_t self = pthread_self();

    pthread_mutex_lock(&ix->mu);
    if (ix->n_scratch > 0) {
        size_t i = ix->n_scratch - 1;

        for (size_t j = 0; j < ix->n_scratch; j++)
            if (pthread_equal(ix->scratch_owner[j], self))
                i = j;
        s = ix->scratch[i];
        ix->n_scratch--;
        for (; i < ix->n_scratch; i++) {     /* the rest keep their order */
            ix->scratch[i] = ix->scratch[i + 1];
            ix->scratch_owner[i] = ix->scratch_owner[i + 1];
        }
    }
    pthread_mutex_unlock(&ix->mu);
    return s;
}

void bl_index_scratch_give(bl_index *ix, void *scratch, pthread_t owner,
                           void (*free_fn)(void *))
{
    pthread_mutex_lock(&ix->mu);
    if (ix->n_scratch < sizeof ix->scratch / sizeof ix->scratch[0]) {
        ix->scratch_owner[ix->n_scratch] = owner;
        ix->scratch[ix->n_scratch++] = scratch;
        ix->scratch_free = free_fn;
        scratch = NULL;
    }
    pthread_mutex_unlock(&ix->mu);
    if (scratch != NULL)
        free_fn(scratch);
}
