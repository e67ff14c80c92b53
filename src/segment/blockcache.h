/* blockcache.h - decompressed store blocks, kept for the searches of one
** index.
**
** A hit shown with its snippet needs its whole article, so a search
** decompresses the store block that holds each of its hits (docstore.c:
** 32 KiB, two zstd frames). On Reuters-21578 that was 70% of a search
** with snippets: 0.56 ms for ten hits, against 0.007 ms for the ranking.
** Searches keep meeting the same articles (a story's follow-ups, the news
** of the day, a page of results and the next), so an index keeps the
** blocks it decompressed, within a budget, and a search takes them from
** here instead. reader/index.c owns one per bl_index; storeread.c fills it
** from the store contexts given it (bl_store_ctx_use_cache).
**
** Keys: a segment's uid (its footer checksum, segfile.h) and a block
** number. Segments are immutable, so an entry never goes stale; the blocks
** of a segment that no snapshot holds any more (merged away) are evicted
** as others come in.
**
** Thread-safe: the keys are spread over BL_BLOCK_CACHE_SHARDS shards, each
** a mutex, a hash table and a least-recently-used list, with an equal
** share of the budget. An
** entry handed out (get, put) stays valid until its release, even when it
** is evicted meanwhile: eviction unlinks it and the last release frees it.
*/
#ifndef BL_BLOCKCACHE_H
#define BL_BLOCKCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BL_BLOCK_CACHE_SHARDS 16

typedef struct bl_block_cache bl_block_cache;

/* A cached block: its raw bytes, whole or only its first frame (the
** fields before the bodies, which a hit without snippet needs). */
typedef struct bl_cached_block {
    const uint8_t *data;
    size_t size;               /* bytes of data, counted in the budget */
    size_t len;                /* of which the block's: head, or all of it;
                                  the caller's own (an index of the block)
                                  may follow */
    size_t head;               /* bytes of the first frame */
    bool full;                 /* data holds the bodies too */
} bl_cached_block;

typedef struct bl_block_cache_stats {
    uint64_t hits, misses;     /* gets that found a block, or not */
    uint64_t blocks, bytes;    /* held now; bytes count each entry's data
                                  and its bookkeeping */
} bl_block_cache_stats;

/* A cache of at most budget bytes (0: it keeps nothing). */
int bl_block_cache_new(size_t budget, bl_block_cache **out);

/* Free the cache and its blocks; none may be held (got and not
** released). */
void bl_block_cache_free(bl_block_cache *c);

/* Change the budget, evicting what no longer fits (blocks held stay
** valid until released). */
void bl_block_cache_set_budget(bl_block_cache *c, size_t budget);
size_t bl_block_cache_budget(const bl_block_cache *c);

/* The block (seg, block), holding its bodies too when full: held until
** bl_block_cache_release. NULL when it is not cached (or only its first
** frame is, and full was asked for). */
const bl_cached_block *bl_block_cache_get(bl_block_cache *c, uint64_t seg,
                                          uint32_t block, bool full);

/* Cache block (seg, block) from data, size bytes malloc'ed by the caller,
** of which the first len are the block's, and the first head of those its
** first frame; full when it holds the bodies too. The cache owns data from
** here on, in every case. Returns the block held, as get does: this one,
** or one cached meanwhile by another thread that holds as much (data is
** then freed). A block larger than a shard's share of the budget is handed
** back held but not kept. NULL only when out of memory. */
const bl_cached_block *bl_block_cache_put(bl_block_cache *c, uint64_t seg,
                                          uint32_t block, uint8_t *data,
                                          size_t size, size_t len,
                                          size_t head, bool full);

/* Give back a block from get or put. */
void bl_block_cache_release(bl_block_cache *c, const bl_cached_block *b);

void bl_block_cache_stats_get(bl_block_cache *c, bl_block_cache_stats *out);

#endif
