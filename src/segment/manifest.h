/* manifest.h - one commit of an index: MANIFEST-<gen> lists the live
** segments in order with their deletion files, the index-wide statistics
** and the analysis options; CURRENT names the live manifest. The writer
** (index/) makes them, the reader (reader/) and `byline check` read them,
** which is why this on-disk structure sits beside the segment format.
**
** MANIFEST-<gen>, version 2, all integers little-endian:
**
**   offset  size  what
**   0       8     magic "BYLMANIF"
**   8       4     version (2; version 1, without the ranking defaults, is
**                 still read, with k1 1.2, b 0.75, weights 2 and 1)
**   12      ...   body, LEB128 varints unless said otherwise:
**                   generation, next segment id,
**                   lang length + lang bytes (<= 31, no NUL),
**                   flags byte: 1 stem, 2 stopwords, 4 fold accents,
**                   docs (N), field total title, field total body,
**                   segment count, then per segment:
**                     id, docs, field total title, field total body,
**                     file bytes, deletion generation (0 = none),
**                     deleted docs,
**                 then (version 2) the index's BM25F defaults, each the
**                 u64le bits of an IEEE double: k1, b, title weight, body
**                 weight
**   end-8   8     bl_checksum (XXH3) of every byte before it
**
** Invariants checked on decode (BL_ECORRUPT otherwise): the checksum, the
** body consumed exactly, docs and field totals equal the sums over the
** segments, ids unique and below next id, deleted <= docs, deletion
** generations <= generation, ranking defaults finite with k1 >= 0,
** 0 <= b <= 1 and weights >= 0. A newer version is BL_EVERSION.
**
** CURRENT holds "MANIFEST-<gen>\n". A commit writes MANIFEST-<gen> durably
** (temporary file, fsync, rename, folder fsync) and then replaces CURRENT
** the same way: a crash leaves CURRENT naming the old or the new manifest.
*/
#ifndef BL_MANIFEST_H
#define BL_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "byline.h"

#define BL_MANIFEST_VERSION 2
#define BL_MANIFEST_LANG_MAX 31    /* bytes of the language name */

/* One live segment of a commit. */
typedef struct bl_manifest_seg {
    uint64_t id;               /* the file is seg-<id>.byl */
    uint32_t docs;             /* articles in it, deleted ones included */
    uint64_t field_total[2];   /* sum of title / body lengths */
    uint64_t bytes;            /* size of the segment file */
    uint64_t del_gen;          /* seg-<id>.del-<del_gen>; 0 = no deletions */
    uint32_t deleted;          /* articles marked deleted in that file */
} bl_manifest_seg;

/* A commit in memory. Zeroed by bl_manifest_init; owns its segment array. */
typedef struct bl_manifest {
    uint64_t generation;       /* 0 = nothing committed yet */
    uint64_t next_id;          /* the id the next new segment gets */
    char lang[BL_MANIFEST_LANG_MAX + 1];   /* analysis of the index */
    bool stem, stopwords, fold_accents;
    double k1, b;              /* BM25 defaults of the index's searches */
    double weight[2];          /* BM25F title and body weights */
    uint64_t docs;             /* N: sum of the segments' docs */
    uint64_t field_total[2];   /* sums of the segments' field totals */
    bl_manifest_seg *segs;     /* n_segs segments, in global doc id order */
    size_t n_segs;
    size_t cap;                /* allocated entries of segs */
} bl_manifest;

/* An empty manifest (generation 0, next id 1, lang "en", all options on,
** k1 1.2, b 0.75, title weight 2, body weight 1). */
void bl_manifest_init(bl_manifest *m);

/* Release the segment array; m is empty and valid afterwards. */
void bl_manifest_free(bl_manifest *m);

/* A deep copy of src into dst (dst is overwritten, not freed). */
int bl_manifest_copy(bl_manifest *dst, const bl_manifest *src);

/* Append a segment and add its docs and field totals to the index's. */
int bl_manifest_add(bl_manifest *m, const bl_manifest_seg *seg);

/* Serialise m (version 2) onto out; BL_ENOMEM on failure. */
int bl_manifest_encode(const bl_manifest *m, bl_buf *out);

/* Parse len bytes into m (initialised here; free with bl_manifest_free).
** BL_ECORRUPT or BL_EVERSION with the reason written to msg (cap bytes). */
int bl_manifest_decode(const uint8_t *p, size_t len, bl_manifest *m,
                       char *msg, size_t cap);

/* File names inside the index folder, written to out (cap bytes). */
int bl_manifest_name(char *out, size_t cap, uint64_t gen);
int bl_segment_file_name(char *out, size_t cap, uint64_t id);
int bl_deletes_file_name(char *out, size_t cap, uint64_t id, uint64_t gen);

/* The generation CURRENT names. BL_ENOTFOUND when there is no CURRENT (no
** commit yet), BL_ECORRUPT when its content is not "MANIFEST-<gen>\n". */
int bl_manifest_current(const char *dir, uint64_t *gen);

/* The newest MANIFEST-<gen> of dir that loads and verifies, for a folder
** that lost CURRENT (a crash between a first commit's manifest and its
** CURRENT, or a hand-deleted CURRENT). BL_ENOTFOUND when there is none. */
int bl_manifest_latest(const char *dir, uint64_t *gen);

/* Read and decode MANIFEST-<gen> of dir; messages as bl_manifest_decode,
** prefixed with the file name. */
int bl_manifest_load(const char *dir, uint64_t gen, bl_manifest *m,
                     char *msg, size_t cap);

/* Write MANIFEST-<m->generation> durably, then point CURRENT at it by
** atomic rename; the folder is fsynced after each rename. */
int bl_manifest_commit(const char *dir, const bl_manifest *m);

#endif
