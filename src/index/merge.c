/* merge.c - the merge policy and the merge itself (merge.h). A merge goes
** through the same builder as new articles: it re-analyses the stored
** articles with the index's analysis options, which yields exactly the
** terms, lengths and columns they had, since analysis is deterministic and
** every stored field round-trips byte for byte.
**
** The invariant: the merged segment holds every live article of its
** sources once, in source order, and nothing else; the sources stay on disk
** until the commit that replaces them is durable.
*/
#include "index/merge.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "index/builder.h"
#include "segment/deletes.h"
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

/* Add the live articles of one source to b. */
static int copy_segment(const char *dir, const bl_manifest_seg *src,
                        bl_builder *b, bl_store_ctx *ctx, char *msg,
                        size_t cap)
{
    char name[64], path[4096], why[256] = "";
    bl_segment *seg = NULL;
    bl_deletes del = {0, 0, NULL};
    int rc;

    rc = bl_segment_file_name(name, sizeof name, src->id);
    if (rc == BL_OK)
        rc = bl_path_join(path, sizeof path, dir, name);
    if (rc == BL_OK)
        rc = bl_segment_open(path, &seg);
    if (rc == BL_OK && src->del_gen != 0) {
        char dname[64];

        rc = bl_deletes_file_name(dname, sizeof dname, src->id,
                                  src->del_gen);
        if (rc == BL_OK)
            rc = bl_path_join(path, sizeof path, dir, dname);
        if (rc == BL_OK)
            rc = bl_deletes_load(path, &del, why, sizeof why);
        if (rc == BL_OK && del.docs != bl_segment_docs(seg))
            rc = BL_ECORRUPT;
    }
    for (uint32_t d = 0; rc == BL_OK && d < bl_segment_docs(seg); d++) {
        bl_doc *doc;

        if (del.bits != NULL && bl_deletes_test(&del, d))
            continue;
        rc = bl_segment_doc(seg, d, ctx, &doc);
        if (rc == BL_OK) {
            rc = bl_builder_add(b, doc);
            bl_doc_free(doc);
        }
    }
    if (rc != BL_OK)
        snprintf(msg, cap, "merging %s: %s%s%s", name, bl_strerror(rc),
                 why[0] ? ": " : "", why);
    bl_deletes_free(&del);
    bl_segment_close(seg);
    return rc;
}

int bl_merge_segments(const char *dir, const bl_analyzer_opts *opts,
                      const bl_manifest_seg *srcs, size_t n, uint64_t new_id,
                      bl_manifest_seg *out, char *msg, size_t cap)
{
    bl_builder *b = NULL;
    bl_store_ctx *ctx = NULL;
    bl_segment_info info;
    char name[64], path[4096];
    int rc;

    memset(out, 0, sizeof *out);
    rc = bl_builder_new(opts, &b);
    if (rc == BL_OK)
        rc = bl_store_ctx_new(&ctx);
    if (rc != BL_OK)
        snprintf(msg, cap, "merging: %s", bl_strerror(rc));
    for (size_t i = 0; i < n && rc == BL_OK; i++)
        rc = copy_segment(dir, &srcs[i], b, ctx, msg, cap);
    if (rc == BL_OK) {
        rc = bl_segment_file_name(name, sizeof name, new_id);
        if (rc == BL_OK)
            rc = bl_path_join(path, sizeof path, dir, name);
        if (rc == BL_OK)
            rc = bl_builder_flush(b, path, &info);
        if (rc != BL_OK)
            snprintf(msg, cap, "merging into %s: %s", name, bl_strerror(rc));
    }
    if (rc == BL_OK) {
        out->id = new_id;
        out->docs = info.docs;
        out->field_total[0] = info.field_total[0];
        out->field_total[1] = info.field_total[1];
        out->bytes = info.bytes;
    }
    bl_store_ctx_free(ctx);
    bl_builder_free(b);
    return rc;
}
