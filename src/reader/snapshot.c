/* snapshot.c - one commit of an index as the query side sees it
** (snapshot.h): the manifest CURRENT names, its segments opened (shared with
** the previous snapshot of the same index through reference-counted
** handles), their deletion bitmaps, doc id bases and index-wide statistics.
**
** The invariant: a snapshot never changes once built, and it holds a
** reference on every segment it names, so a segment is closed only when
** the last snapshot that names it is released. The statistics come from
** the manifest, which is checked to agree with every opened segment.
*/
#include "reader/snapshot.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "segment/deletes.h"
#include "segment/manifest.h"

#define MAX_ATTEMPTS 8

/* A segment shared by consecutive snapshots. */
typedef struct seg_ref {
    bl_segment *seg;
    uint64_t id;
    atomic_uint refs;
} seg_ref;

/* What bl_snapshot_aux_set installs, published whole by one pointer. */
typedef struct aux_slot {
    void *aux;
    void (*free_fn)(void *aux);
} aux_slot;

struct bl_snapshot {
    atomic_uint refs;
    bl_manifest m;             /* the commit */
    seg_ref **segs;            /* m.n_segs handles */
    uint32_t *bases;           /* global id of each segment's doc 0 */
    bl_deletes *dels;          /* empty (bits NULL) when none */
    uint64_t deleted;          /* sum of the deletion counts */
    _Atomic(aux_slot *) aux;   /* derived structure (bl_snapshot_aux) */
};

static void ref_release(seg_ref *r)
{
    if (r != NULL && atomic_fetch_sub(&r->refs, 1) == 1) {
        bl_segment_close(r->seg);
        free(r);
    }
}

void bl_snapshot_retain(bl_snapshot *s)
{
    if (s != NULL)
        atomic_fetch_add(&s->refs, 1);
}

void bl_snapshot_release(bl_snapshot *s)
{
    if (s == NULL || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    {
        aux_slot *slot = atomic_load(&s->aux);

        if (slot != NULL && slot->free_fn != NULL)
            slot->free_fn(slot->aux);
        free(slot);
    }
    for (size_t i = 0; i < s->m.n_segs; i++) {
        if (s->segs != NULL)
            ref_release(s->segs[i]);
        if (s->dels != NULL)
            bl_deletes_free(&s->dels[i]);
    }
    free(s->segs);
    free(s->bases);
    free(s->dels);
    bl_manifest_free(&s->m);
    free(s);
}

void *bl_snapshot_aux(const bl_snapshot *s)
{
    aux_slot *slot = atomic_load(&((bl_snapshot *)s)->aux);

    return slot != NULL ? slot->aux : NULL;
}

void *bl_snapshot_aux_set(bl_snapshot *s, void *aux,
                          void (*free_fn)(void *aux))
{
    aux_slot *slot = malloc(sizeof *slot), *expected = NULL;

    if (slot == NULL)
        return NULL;
    slot->aux = aux;
    slot->free_fn = free_fn;
    if (!atomic_compare_exchange_strong(&s->aux, &expected, slot)) {
        free(slot);
        return expected->aux;
    }
    return aux;
}

/* prev's handle of segment id, with a new reference, or NULL. */
static seg_ref *reuse(bl_snapshot *prev, uint64_t id, size_t *hint)
{
    if (prev == NULL)
        return NULL;
    for (size_t k = 0; k < prev->m.n_segs; k++) {
        size_t j = (*hint + k) % prev->m.n_segs;

        if (prev->segs[j]->id == id) {
            atomic_fetch_add(&prev->segs[j]->refs, 1);
            *hint = j + 1;
            return prev->segs[j];
        }
    }
    return NULL;
}

static int open_ref(const char *dir, const bl_manifest_seg *ms, seg_ref **out,
                    char *msg, size_t cap)
{
    char name[64], path[4096];
    seg_ref *r;
    int rc;

    *out = NULL;
    rc = bl_segment_file_name(name, sizeof name, ms->id);
    if (rc == BL_OK)
        rc = bl_path_join(path, sizeof path, dir, name);
    if (rc != BL_OK)
        return rc;
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return BL_ENOMEM;
    rc = bl_segment_open(path, &r->seg);
    if (rc != BL_OK) {
        snprintf(msg, cap, "%s: cannot open: %s", name, bl_strerror(rc));
        free(r);
        return rc;
    }
    r->id = ms->id;
    atomic_init(&r->refs, 1);
    *out = r;
    return BL_OK;
}

/* The segment agrees with what the manifest says of it. */
static int agree(const bl_manifest_seg *ms, const bl_segment *seg, char *msg,
                 size_t cap)
{
    if (bl_segment_docs(seg) != ms->docs) {
        snprintf(msg, cap, "seg-%" PRIu64 ".byl: holds %u articles, the "
                 "manifest says %u", ms->id, bl_segment_docs(seg), ms->docs);
        return BL_ECORRUPT;
    }
    for (int f = 0; f < 2; f++) {
        if (bl_segment_field_total(seg, (bl_field_id)f) !=
            ms->field_total[f]) {
            snprintf(msg, cap, "seg-%" PRIu64 ".byl: %s length total %" PRIu64
                     ", the manifest says %" PRIu64, ms->id,
                     f == 0 ? "title" : "body",
                     bl_segment_field_total(seg, (bl_field_id)f),
                     ms->field_total[f]);
            return BL_ECORRUPT;
        }
    }
    return BL_OK;
}

static int load_dels(const char *dir, const bl_manifest_seg *ms,
                     bl_deletes *out, char *msg, size_t cap)
{
    char name[64], path[4096], why[256];
    int rc;

    if (ms->del_gen == 0)
        return BL_OK;
    rc = bl_deletes_file_name(name, sizeof name, ms->id, ms->del_gen);
    if (rc == BL_OK)
        rc = bl_path_join(path, sizeof path, dir, name);
    if (rc == BL_OK)
        rc = bl_deletes_load(path, out, why, sizeof why);
    if (rc == BL_OK && (out->docs != ms->docs || out->count != ms->deleted)) {
        snprintf(why, sizeof why, "covers %u articles with %u deleted, the "
                 "manifest says %u and %u", out->docs, out->count, ms->docs,
                 ms->deleted);
        bl_deletes_free(out);
        rc = BL_ECORRUPT;
    }
    if (rc != BL_OK)
        snprintf(msg, cap, "%s: %s", name, why);
    return rc;
}

/* One attempt at loading generation gen. */
static int load(const char *dir, uint64_t gen, bl_snapshot *prev,
                bl_snapshot **out, char *msg, size_t cap)
{
    bl_snapshot *s;
    uint64_t base = 0;
    size_t hint = 0;
    int rc;

    *out = NULL;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return BL_ENOMEM;
    atomic_init(&s->refs, 1);
    rc = bl_manifest_load(dir, gen, &s->m, msg, cap);
    if (rc != BL_OK) {
        free(s);
        return rc;
    }
    s->segs = calloc(s->m.n_segs + 1, sizeof *s->segs);
    s->bases = calloc(s->m.n_segs + 1, sizeof *s->bases);
    s->dels = calloc(s->m.n_segs + 1, sizeof *s->dels);
    if (s->segs == NULL || s->bases == NULL || s->dels == NULL)
        rc = BL_ENOMEM;
    if (rc == BL_OK && s->m.docs >= BL_DOC_END) {
        snprintf(msg, cap, "more than 2^32 - 1 articles");
        rc = BL_ELIMIT;
    }
    for (size_t i = 0; i < s->m.n_segs && rc == BL_OK; i++) {
        const bl_manifest_seg *ms = &s->m.segs[i];

        s->bases[i] = (uint32_t)base;
        base += ms->docs;
        s->segs[i] = reuse(prev, ms->id, &hint);
        if (s->segs[i] == NULL)
            rc = open_ref(dir, ms, &s->segs[i], msg, cap);
        if (rc == BL_OK)
            rc = agree(ms, s->segs[i]->seg, msg, cap);
        if (rc == BL_OK)
            rc = load_dels(dir, ms, &s->dels[i], msg, cap);
        s->deleted += ms->deleted;
    }
    if (rc != BL_OK) {
        bl_snapshot_release(s);
        return rc;
    }
    *out = s;
    return BL_OK;
}

int bl_snapshot_open(const char *dir, bl_snapshot *prev, bl_snapshot **out,
                     char *msg, size_t cap)
{
    uint64_t gen, again;
    int rc = BL_OK;
    char dummy[8];

    *out = NULL;
    if (msg == NULL || cap == 0) {
        msg = dummy;
        cap = sizeof dummy;
    }
    msg[0] = '\0';
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        rc = bl_manifest_current(dir, &gen);
        if (rc != BL_OK) {
            snprintf(msg, cap, "CURRENT: %s", rc == BL_ENOTFOUND
                     ? "missing (no index here)" : bl_strerror(rc));
            return rc;
        }
        rc = load(dir, gen, prev, out, msg, cap);
        if (rc != BL_ENOTFOUND && rc != BL_EIO)
            return rc;
        /* A file vanished: a newer commit may have replaced it. */
        if (bl_manifest_current(dir, &again) != BL_OK || again == gen)
            return rc;
    }
    return rc;
}

uint64_t bl_snapshot_generation(const bl_snapshot *s)
{
    return s->m.generation;
}

size_t bl_snapshot_segment_count(const bl_snapshot *s)
{
    return s->m.n_segs;
}

const bl_segment *bl_snapshot_segment(const bl_snapshot *s, size_t i)
{
    return s->segs[i]->seg;
}

uint32_t bl_snapshot_base(const bl_snapshot *s, size_t i)
{
    return s->bases[i];
}

bool bl_snapshot_deleted(const bl_snapshot *s, size_t i, uint32_t doc)
{
    return s->dels[i].bits != NULL && bl_deletes_test(&s->dels[i], doc);
}

bool bl_snapshot_has_deletes(const bl_snapshot *s, size_t i)
{
    return s->dels[i].bits != NULL;
}

uint64_t bl_snapshot_docs(const bl_snapshot *s)
{
    return s->m.docs;
}

uint64_t bl_snapshot_field_total(const bl_snapshot *s, bl_field_id field)
{
    return (unsigned)field < 2 ? s->m.field_total[field] : 0;
}

uint64_t bl_snapshot_deleted_count(const bl_snapshot *s)
{
    return s->deleted;
}

void bl_snapshot_analyzer_opts(const bl_snapshot *s, bl_analyzer_opts *out)
{
    out->lang = s->m.lang;
    out->stem = s->m.stem;
    out->stopwords = s->m.stopwords;
    out->fold_accents = s->m.fold_accents;
    out->stopword_file = NULL;
    out->cache_words = 0;
}

void bl_snapshot_ranking(const bl_snapshot *s, double out[4])
{
    out[0] = s->m.k1;
    out[1] = s->m.b;
    out[2] = s->m.weight[0];
    out[3] = s->m.weight[1];
}

int bl_snapshot_df(const bl_snapshot *s, bl_field_id field, const char *term,
                   size_t len, uint64_t *out)
{
    uint64_t df = 0;

    *out = 0;
    for (size_t i = 0; i < s->m.n_segs; i++) {
        bl_term_info ti;
        int rc = bl_segment_term(s->segs[i]->seg, field, term, len, &ti);

        if (rc == BL_OK)
            df += ti.df;
        else if (rc != BL_ENOTFOUND)
            return rc;
    }
    *out = df;
    return BL_OK;
}
