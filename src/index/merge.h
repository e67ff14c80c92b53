/* merge.h - folding segments together. A merge writes the live articles of
** some segments (deleted ones are dropped for good), in segment order, into
** one new segment, so that the index keeps few segments and reclaims the
** space of deleted articles. It combines the sources' term dictionaries,
** postings, positions, columns and stored articles directly, without
** analysing the articles again: the new segment is the one a builder would
** write from the same articles in the same order (only the store's
** compressed bytes differ), and it needs about its own size in memory. The
** policy (which segments) is a tiered one: segments are grouped in tiers
** of live articles (factor 4); a tier that collects BL_MERGE_FACTOR
** segments is merged into one of the next tier. Segments mostly deleted
** are rewritten alone; fully deleted ones are dropped without a rewrite.
**
** The writer (writer.c) applies the policy to the manifest it is about to
** commit, while its workers are idle, so a merge is part of a commit: it
** becomes visible, or not, atomically with it.
*/
#ifndef BL_MERGE_H
#define BL_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "byline.h"
#include "segment/manifest.h"

#define BL_MERGE_FACTOR 8          /* segments of one tier merged at once */

/* Choose the next merge for m: the indexes of the segments to fold (in
** manifest order) in idx (room for m->n_segs entries) and their count in
** *n, or *n == 0 when nothing is worth merging. Only segments whose files
** sum to at most max_bytes are merged together (the merge's output must
** fit in the RAM budget). */
void bl_merge_pick(const bl_manifest *m, uint64_t max_bytes, size_t *idx,
                   size_t *n);

/* For an optimizing commit (bl_writer_optimize): the segments of m from
** `from` on that merge into one, in *n: as many consecutive ones as sum to
** at most max_bytes (at least one). *n is 0 when that is one segment
** without deleted articles, which nothing would change. */
void bl_merge_pick_run(const bl_manifest *m, size_t from, uint64_t max_bytes,
                       size_t *n);

/* Write the live articles of the n segments srcs (files in dir, deletion
** files as the entries name them) into the new segment seg-<new_id>.byl;
** *out describes it (out->docs may be 0: then no file was written). opts,
** the index's analysis options, are not needed: the sources hold the
** analysis' output. A source that is corrupt (a section checksum, a
** deletion file, bad bytes) gives BL_ECORRUPT with the file named in msg.
** The sources' files are only read. The caller fsyncs the folder and
** commits. */
int bl_merge_segments(const char *dir, const bl_analyzer_opts *opts,
                      const bl_manifest_seg *srcs, size_t n, uint64_t new_id,
                      bl_manifest_seg *out, char *msg, size_t cap);

#endif
