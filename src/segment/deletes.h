/* deletes.h - the deletion bitmap of one segment as of one commit, the file
** seg-<id>.del-<gen>. Segments are immutable; deleting or replacing an
** article writes a new bitmap under the new generation, and the manifest
** names the one that is live. The writer (index/) makes them, the snapshot
** (reader/) and `byline check` read them.
**
** seg-<id>.del-<gen>, version 1, little-endian:
**
**   offset  size        what
**   0       8           magic "BYLDELET"
**   8       4           version (1)
**   12      4           docs: the segment's article count
**   16      4           count: bits set
**   20      (docs+7)/8  bitmap, bit d%8 of byte d/8 set = local doc d deleted;
**                       bits past docs are zero
**   end-8   8           bl_checksum (XXH3) of every byte before it
*/
#ifndef BL_DELETES_H
#define BL_DELETES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define BL_DELETES_VERSION 1

/* A bitmap in memory; owns bits. A zeroed struct is an empty bitmap. */
typedef struct bl_deletes {
    uint32_t docs;             /* documents the bitmap covers */
    uint32_t count;            /* bits set */
    uint8_t *bits;             /* (docs+7)/8 bytes */
} bl_deletes;

/* A bitmap of docs documents, none deleted. */
int bl_deletes_new(uint32_t docs, bl_deletes *out);
void bl_deletes_free(bl_deletes *d);

/* A deep copy of src into dst (dst is overwritten, not freed). */
int bl_deletes_copy(bl_deletes *dst, const bl_deletes *src);

static inline bool bl_deletes_test(const bl_deletes *d, uint32_t doc)
{
    return doc < d->docs && (d->bits[doc >> 3] >> (doc & 7)) & 1;
}

/* Mark doc deleted; true when it was not already (doc < docs). */
bool bl_deletes_set(bl_deletes *d, uint32_t doc);

/* Serialise / parse the file format above. decode: BL_ECORRUPT or
** BL_EVERSION with the reason in msg (cap bytes). */
int bl_deletes_encode(const bl_deletes *d, bl_buf *out);
int bl_deletes_decode(const uint8_t *p, size_t len, bl_deletes *out,
                      char *msg, size_t cap);

/* Read and decode the file at path (messages as decode, unprefixed). */
int bl_deletes_load(const char *path, bl_deletes *out, char *msg, size_t cap);

/* Write the file durably (temporary name, fsync, rename, folder fsync). */
int bl_deletes_write(const char *path, const bl_deletes *d);

#endif
