/* hash.h - hashing and checksums, all XXH3 (libxxhash). Term hash tables
** use bl_hash; every on-disk section is guarded by bl_checksum.
*/
#ifndef BL_HASH_H
#define BL_HASH_H

#include <stddef.h>
#include <stdint.h>

/* 64-bit hash of len bytes, for in-memory tables. */
uint64_t bl_hash(const void *p, size_t len);

/* bl_hash(p, 16), for a table whose short keys are zero-padded to 16
** bytes: hashing the padded bytes takes XXH3's branch-free path for that
** length (bl_hash of a term's bytes branched on their length: 4% of the
** cycles of indexing Reuters). */
uint64_t bl_hash16(const void *p);

/* 64-bit checksum of a section's bytes as written to disk. */
uint64_t bl_checksum(const void *p, size_t len);

/* The same checksum over bytes that come in pieces: begin (NULL when out
** of memory), add each piece in order, end (which frees the state). */
typedef struct bl_checksum_stream bl_checksum_stream;

bl_checksum_stream *bl_checksum_begin(void);
void bl_checksum_add(bl_checksum_stream *st, const void *p, size_t len);
uint64_t bl_checksum_end(bl_checksum_stream *st);

#endif
