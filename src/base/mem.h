/* mem.h - memory that is cheap to fault in: zeroed tables whose zeros are
** written, and big blocks on transparent huge pages.
**
** calloc hands out fresh pages unwritten. A table that is probed (read)
** before it is filled maps the kernel's shared zero page on that read, and
** the first store to the page then copies it and, in a process with more
** than one thread, flushes the TLB of every core that runs one of them, by
** interrupt: the term tables of a 2-thread index of Reuters-21578 spent
** 2.4% of its cycles so (perf). A table that is read before it is written
** takes its memory from bl_zalloc.
**
** Every 4 KiB page a process first touches is a page fault, and on a
** virtual machine a fault is dear: on the machines byline is measured on
** (a paravirtualised guest whose page tables the host shadows), faulting
** in 64 MiB takes 170-190 ms, about 10 us a page, and 4-5 ms in 2 MiB huge
** pages. Indexing Reuters-21578 touched about 95 MB in 24,000 faults, 15%
** of its CPU time. The builder's arenas and tables, the store's buffers and
** zstd's contexts are therefore big blocks: anonymous mappings aligned to
** 2 MiB and advised for huge pages (MADV_HUGEPAGE, which Debian's kernel
** honours with transparent_hugepage=madvise, its default). Where the
** kernel gives no huge pages they are plain pages, as malloc's would be.
*/
#ifndef BL_MEM_H
#define BL_MEM_H

#include <stddef.h>

/* The size of a huge page, and the smallest block worth one: below it,
** malloc. */
#define BL_BIG_MIN ((size_t)2 << 20)

/* n bytes (n > 0): malloc'ed below BL_BIG_MIN, a big block from it; NULL
** when out of memory. Freed with bl_mem_free(p, n), the same n. */
void *bl_mem_alloc(size_t n);
void bl_mem_free(void *p, size_t n);

/* bl_mem_alloc, the n bytes set to zero by writing them. */
void *bl_zalloc(size_t n);

/* A block of at least n bytes (n > 0), aligned to BL_BIG_MIN and zero
** (unwritten: a fresh mapping), or NULL when out of memory. Its mapping is
** n rounded up to BL_BIG_MIN, so n should be near a multiple of it. */
void *bl_big_alloc(size_t n);

/* The block p resized to n bytes (n > 0), its first min(old, n) bytes kept,
** or NULL when out of memory (p is then unchanged). Growing moves p's pages
** to a new block (mremap: nothing is copied or faulted in again; p is
** freed); shrinking unmaps p's tail. */
void *bl_big_realloc(void *p, size_t n);

/* The bytes a block can hold: n rounded up to BL_BIG_MIN. */
size_t bl_big_size(const void *p);

/* Release a block of bl_big_alloc; NULL is a no-op. */
void bl_big_free(void *p);

/* The bytes of every big block the process holds (their sizes), which
** malloc's statistics do not see. */
size_t bl_big_total(void);

/* The 8 bytes right before a block hold its size, never 0: a caller that
** mixes big blocks with malloc'ed ones can tell them apart by putting 0
** there (docstore.c gives zstd its memory so). */

#endif
