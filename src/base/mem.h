/* mem.h - zeroed memory whose zeros are written, not mapped.
**
** calloc hands out fresh pages unwritten. A table that is probed (read)
** before it is filled maps the kernel's shared zero page on that read, and
** the first store to the page then copies it and, in a process with more
** than one thread, flushes the TLB of every core that runs one of them, by
** interrupt: the term tables of a 2-thread index of Reuters-21578 spent
** 2.4% of its cycles so (perf). A table that is read before it is written
** takes its memory from bl_zalloc.
*/
#ifndef BL_MEM_H
#define BL_MEM_H

#include <stddef.h>

/* n bytes (n > 0) set to zero by writing them, or NULL when out of memory;
** freed with free. */
void *bl_zalloc(size_t n);

#endif
