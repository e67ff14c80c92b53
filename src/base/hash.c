/* hash.c - thin wrappers over XXH3 so that the rest of the tree does not
** depend on xxhash.h directly. The checksum is seeded apart from the hash
** so that a hash value is never mistaken for a checksum. xxhash.h's inline
** definitions are compiled in (XXH_INLINE_ALL), so that bl_hash16's
** constant length selects XXH3's 9-to-16-byte path at compile time: no call
** into libxxhash and no branch on the length.
*/
#include "base/hash.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#define CHECKSUM_SEED 0x62796c69ULL /* "byli" */

uint64_t bl_hash(const void *p, size_t len)
{
    return XXH3_64bits(p, len);
}

uint64_t bl_hash16(const void *p)
{
    return XXH3_64bits(p, 16);
}

uint64_t bl_checksum(const void *p, size_t len)
{
    return XXH3_64bits_withSeed(p, len, CHECKSUM_SEED);
}

/* XXH3_state_t is opaque to callers: the stream is the state itself. */
bl_checksum_stream *bl_checksum_begin(void)
{
    XXH3_state_t *st = XXH3_createState();

    if (st != NULL && XXH3_64bits_reset_withSeed(st, CHECKSUM_SEED) != XXH_OK) {
        XXH3_freeState(st);
        st = NULL;
    }
    return (bl_checksum_stream *)st;
}

void bl_checksum_add(bl_checksum_stream *st, const void *p, size_t len)
{
    if (len > 0)
        (void)XXH3_64bits_update((XXH3_state_t *)st, p, len);
}

uint64_t bl_checksum_end(bl_checksum_stream *st)
{
    uint64_t sum = XXH3_64bits_digest((XXH3_state_t *)st);

    XXH3_freeState((XXH3_state_t *)st);
    return sum;
}
