/* mem.c - zeroed memory whose zeros are written (see mem.h). */
#include "base/mem.h"

#include <stdlib.h>
#include <string.h>

/* Called through a volatile pointer: a compiler that sees malloc followed
** by memset to zero may make it one calloc, which is the very thing to
** avoid here. */
static void *(*volatile write_zeros)(void *, int, size_t) = memset;

void *bl_zalloc(size_t n)
{
    void *p = malloc(n);

    if (p != NULL)
        write_zeros(p, 0, n);
    return p;
}
