/* mem.c - zeroed tables and big blocks (see mem.h).
**
** A big block is an anonymous mapping whose data starts on a BL_BIG_MIN
** boundary, with one ordinary page just before it that holds the data's
** size in its last 8 bytes:
**
**     [ header page | data: size bytes, a multiple of BL_BIG_MIN ]
**                   ^ 2 MiB aligned: what callers get
**
** The mapping is made BL_BIG_MIN larger than it needs and its ends are
** unmapped, so that the data is aligned whatever address mmap chose.
*/
#include "base/mem.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Called through a volatile pointer: a compiler that sees malloc followed
** by memset to zero may make it one calloc, which is the very thing to
** avoid here. */
static void *(*volatile write_zeros)(void *, int, size_t) = memset;

void *bl_mem_alloc(size_t n)
{
    return n >= BL_BIG_MIN ? bl_big_alloc(n) : malloc(n);
}

void bl_mem_free(void *p, size_t n)
{
    if (n >= BL_BIG_MIN)
        bl_big_free(p);
    else
        free(p);
}

void *bl_zalloc(size_t n)
{
    void *p = bl_mem_alloc(n);

    /* A big block is zero already, but unwritten: reading it first would
    ** map the zero page (above). */
    if (p != NULL)
        write_zeros(p, 0, n);
    return p;
}

static atomic_size_t big_total;

static size_t page_size(void)
{
    long n = sysconf(_SC_PAGESIZE);

    return n > 0 ? (size_t)n : 4096;
}

static void set_size(uint8_t *data, size_t size)
{
    uint64_t size64 = size;

    memcpy(data - sizeof size64, &size64, sizeof size64);
}

/* n rounded up to whole huge pages, or 0 when n is 0 or too large. */
static size_t big_size(size_t n)
{
    return n == 0 || n > SIZE_MAX / 2
               ? 0 : (n + BL_BIG_MIN - 1) & ~(BL_BIG_MIN - 1);
}

void *bl_big_alloc(size_t n)
{
    size_t page = page_size(), size = big_size(n), total;
    uint8_t *map, *data, *end;

    if (size == 0)
        return NULL;
    total = page + size + BL_BIG_MIN;
    map = mmap(NULL, total, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return NULL;
    data = (uint8_t *)(((uintptr_t)map + page + BL_BIG_MIN - 1) &
                       ~(uintptr_t)(BL_BIG_MIN - 1));
    end = map + total;
    if (data - page > map)
        munmap(map, (size_t)(data - page - map));
    if (data + size < end)
        munmap(data + size, (size_t)(end - (data + size)));
    /* Advice only: EINVAL where the kernel has no huge pages. */
    (void)madvise(data, size, MADV_HUGEPAGE);
    set_size(data, size);
    atomic_fetch_add_explicit(&big_total, size, memory_order_relaxed);
    return data;
}

size_t bl_big_size(const void *p)
{
    uint64_t size;

    memcpy(&size, (const uint8_t *)p - sizeof size, sizeof size);
    return (size_t)size;
}

/* Growing moves the pages rather than the bytes: mremap into the data of a
** new block (MREMAP_FIXED, so that they stay on huge-page boundaries), and
** copies only where the kernel refuses. Shrinking unmaps the tail. */
void *bl_big_realloc(void *p, size_t n)
{
    size_t had, size;
    uint8_t *q;

    if (p == NULL)
        return bl_big_alloc(n);
    had = bl_big_size(p);
    if ((size = big_size(n)) == 0)
        return NULL;
    if (size == had)
        return p;
    if (size < had) {
        munmap((uint8_t *)p + size, had - size);
        set_size(p, size);
        atomic_fetch_sub_explicit(&big_total, had - size,
                                  memory_order_relaxed);
        return p;
    }
    if ((q = bl_big_alloc(n)) == NULL)
        return NULL;
    if (mremap(p, had, had, MREMAP_MAYMOVE | MREMAP_FIXED, q) == MAP_FAILED) {
        memcpy(q, p, had);
        bl_big_free(p);
        return q;
    }
    /* p's data is gone (another thread may map there now): unmap only its
    ** header page. */
    munmap((uint8_t *)p - page_size(), page_size());
    atomic_fetch_sub_explicit(&big_total, had, memory_order_relaxed);
    return q;
}

void bl_big_free(void *p)
{
    size_t page = page_size(), size;

    if (p == NULL)
        return;
    size = bl_big_size(p);
    atomic_fetch_sub_explicit(&big_total, size, memory_order_relaxed);
    munmap((uint8_t *)p - page, page + size);
}

size_t bl_big_total(void)
{
    return atomic_load_explicit(&big_total, memory_order_relaxed);
}
