/* snapshot.h - one commit (manifest generation) of an index, as the query
** side sees it: its segments in order, their deletions, and the index-wide
** statistics that BM25 needs, so that scores never depend on how articles
** fell into segments.
**
** Global doc ids: segment i's local doc d is base(i) + d, bases in segment
** order. A snapshot is reference-counted and immutable; any number of
** threads may search it. Segments shared by consecutive generations are
** opened once (the index keeps them) and a segment's file is removed only
** when no snapshot holds it.
*/
#ifndef BL_SNAPSHOT_H
#define BL_SNAPSHOT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "segment/segment.h"

typedef struct bl_snapshot bl_snapshot;

/* Load the commit CURRENT names in dir, with one reference for the caller.
** Segments that prev (NULL or a snapshot of the same folder) already has
** open are shared, not reopened. A manifest or file that a concurrent commit
** removes while loading makes it start over from CURRENT. BL_ENOTFOUND when
** dir holds no commit; BL_ECORRUPT / BL_EIO / BL_EVERSION with the file and
** the problem written to msg (cap bytes). */
int bl_snapshot_open(const char *dir, bl_snapshot *prev, bl_snapshot **out,
                     char *msg, size_t cap);

/* Take / drop a reference. The last release closes what only it held. */
void bl_snapshot_retain(bl_snapshot *s);
void bl_snapshot_release(bl_snapshot *s);

uint64_t bl_snapshot_generation(const bl_snapshot *s);

size_t bl_snapshot_segment_count(const bl_snapshot *s);
const bl_segment *bl_snapshot_segment(const bl_snapshot *s, size_t i);
uint32_t bl_snapshot_base(const bl_snapshot *s, size_t i);

/* True when local doc of segment i is deleted as of this generation. */
bool bl_snapshot_deleted(const bl_snapshot *s, size_t i, uint32_t doc);

/* True when segment i has deleted docs as of this generation. */
bool bl_snapshot_has_deletes(const bl_snapshot *s, size_t i);

/* Index-wide statistics. docs: articles in all segments (deleted ones
** included until a merge removes them, as Lucene does, so that df and N
** agree); field_total: sum of a text field's lengths over the same docs. */
uint64_t bl_snapshot_docs(const bl_snapshot *s);
uint64_t bl_snapshot_field_total(const bl_snapshot *s, bl_field_id field);

/* Articles marked deleted over all segments; live = docs - deleted. */
uint64_t bl_snapshot_deleted_count(const bl_snapshot *s);

/* The analysis options the index was built with, so that queries are
** analysed the same way. lang is borrowed from the snapshot;
** stopword_file is NULL. */
void bl_snapshot_analyzer_opts(const bl_snapshot *s, bl_analyzer_opts *out);

/* The index's BM25F defaults: k1, b, title weight, body weight. */
void bl_snapshot_ranking(const bl_snapshot *s, double out[4]);

/* Document frequency of (field, term) summed over segments. */
int bl_snapshot_df(const bl_snapshot *s, bl_field_id field, const char *term,
                   size_t len, uint64_t *out);

/* A slot for one structure derived from the whole generation and built on
** first use (search/suggest.c's completion table); the snapshot frees it
** with free_fn when its last reference goes. bl_snapshot_aux returns the
** installed structure or NULL. bl_snapshot_aux_set installs aux if the
** slot is empty and returns what the slot then holds: aux, or the one
** another thread installed first (the caller then frees its own), or NULL
** when out of memory (nothing installed). Both are thread-safe. */
void *bl_snapshot_aux(const bl_snapshot *s);
void *bl_snapshot_aux_set(bl_snapshot *s, void *aux,
                          void (*free_fn)(void *aux));

/* The snapshot of an open public index handle (borrowed, valid while the
** caller holds a reference: take one with bl_snapshot_retain before using
** it across a bl_index_refresh). */
bl_snapshot *bl_index_snapshot(bl_index *ix);

/* The index's cache of decompressed store blocks (bl_index_set_block_cache),
** for the store contexts of its searches and gets. */
bl_block_cache *bl_index_block_cache(bl_index *ix);

/* The current snapshot with a reference taken for the caller, atomically
** with respect to bl_index_refresh (what a search running on many threads
** wants); release with bl_snapshot_release. */
bl_snapshot *bl_index_acquire(bl_index *ix);

/* A few per-search scratch states (analyzers, arenas) that search/ keeps on
** the index for reuse, since an analyzer is costly to create: take one
** (NULL when none is kept), give it back when done, with the thread that
** made it (owner). Take prefers one the calling thread made, whose caches
** hold that thread's recent words, else the last given. The index keeps
** up to 8 and frees the others, and those it holds at close, with
** free_fn. */
void *bl_index_scratch_take(bl_index *ix);
void bl_index_scratch_give(bl_index *ix, void *scratch, pthread_t owner,
                           void (*free_fn)(void *));

#endif
