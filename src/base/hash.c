/* hash.c - thin wrappers over XXH3 so that the rest of the tree does not
** depend on xxhash.h directly. The checksum is seeded apart from the hash
** so that a hash value is never mistaken for a checksum.
*/
#include "base/hash.h"

#include <xxhash.h>

#define CHECKSUM_SEED 0x62796c69ULL /* "byli" */

uint64_t bl_hash(const void *p, size_t len)
{
    return XXH3_64bits(p, len);
}

uint64_t bl_checksum(const void *p, size_t len)
{
    return XXH3_64bits_withSeed(p, len, CHECKSUM_SEED);
}
