/* termcache.c - a two-way set-associative cache of analysed forms (see
** termcache.h). A new word goes to the front of its set and the older one
** moves back; a hit at the back swaps them. An entry is one 64-byte cache
** line, so a hit on the front entry touches one line, and the word is
** zero-padded to BL_TERMCACHE_WORD bytes so that a lookup compares three
** 64-bit words, not memcmp. Little-endian, as every target is: the
** masks keep a word's first bytes.
*/
#include "analysis/termcache.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "byline.h"

/* Sets of two entries, a power of two. Indexing Reuters (1.72 M words to
** stem) misses 86 k times with 16384 sets (the most, and the default); the
** stem cache this one replaced missed 135 k times with 8192 sets, 85 k
** with 16384, 63 k with 32768. A miss runs the stopword test, libstemmer
** (about 2,400 instructions) and the fold. A search analyses a few words
** after other work has taken the processor's caches: there 16384 sets (2
** MiB) cost a miss to memory a word, and 1024 sets stay close (search.c). */
#define SETS_MAX (BL_TERMCACHE_MAX / 2)

#define FORM_DROP 0xFF         /* form_len of a dropped word */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "make_key's masks assume a little-endian machine"
#endif

typedef struct entry {
    uint64_t word[BL_TERMCACHE_WORD / 8]; /* the word, zero-padded */
    uint32_t tag;              /* high bits of the hash; 0 = empty */
    uint8_t word_len;
    uint8_t form_len;          /* or FORM_DROP */
    char form[BL_TERMCACHE_FORM];
} entry;

_Static_assert(sizeof(entry) == 64, "an entry is one cache line");
_Static_assert(BL_TERMCACHE_FORM < FORM_DROP, "form lengths fit a byte");

#define PAGE 4096
#define PAGE_SETS (PAGE / (2 * sizeof(entry)))
#define PAGES_MAX (SETS_MAX / PAGE_SETS)

_Static_assert(BL_TERMCACHE_MIN / 2 >= PAGE_SETS, "a cache fills a page");

/* The entries' pages are zeroed by the cache itself, each as its first
** set is used: a short-lived cache pays only for the pages it uses, and
** every page is written before it is read (base/mem.h says why). */
struct bl_termcache {
    entry *sets;               /* mask + 1 sets of 2 entries, page-aligned */
    size_t mask;               /* sets - 1 */
    uint8_t zeroed[PAGES_MAX]; /* 1: that page of sets is zeroed */
    uint64_t hits, misses;
};

int bl_termcache_new(size_t words, bl_termcache **out)
{
    bl_termcache *c = calloc(1, sizeof *c);
    void *mem = NULL;
    size_t sets = BL_TERMCACHE_MIN / 2;

    *out = NULL;
    if (words == 0 || words > BL_TERMCACHE_MAX)
        words = BL_TERMCACHE_MAX;
    while (sets * 2 < words)
        sets *= 2;
    /* Page-aligned either way: a big block (2 MiB, mem.h), or
    ** posix_memalign's, which bl_mem_free frees as malloc's. */
    if (c != NULL && sets * 2 * sizeof(entry) >= BL_BIG_MIN)
        mem = bl_mem_alloc(sets * 2 * sizeof(entry));
    else if (c != NULL && posix_memalign(&mem, PAGE,
                                         sets * 2 * sizeof(entry)) != 0)
        mem = NULL;
    if (mem == NULL) {
        free(c);
        return BL_ENOMEM;
    }
    c->sets = mem;
    c->mask = sets - 1;
    *out = c;
    return BL_OK;
}

void bl_termcache_free(bl_termcache *c)
{
    if (c == NULL)
        return;
    bl_mem_free(c->sets, (c->mask + 1) * 2 * sizeof(entry));
    free(c);
}

/* The set of hash, its page zeroed on first use. */
static entry *set_of(bl_termcache *c, uint64_t hash)
{
    size_t s = (size_t)hash & c->mask, page = s / PAGE_SETS;

    if (!c->zeroed[page]) {
        memset(&c->sets[page * PAGE_SETS * 2], 0, PAGE);
        c->zeroed[page] = 1;
    }
    return &c->sets[s * 2];
}

static uint32_t tag_of(uint64_t hash)
{
    return (uint32_t)(hash >> 32) | 1u;
}

/* The word as an entry holds it: its len bytes zero-padded to
** BL_TERMCACHE_WORD (len <= BL_TERMCACHE_WORD; the bytes after the word are
** read but masked out). Three loads instead of a call to memcpy. */
static void make_key(uint64_t *key, const char *word, size_t len)
{
    for (size_t i = 0; i < BL_TERMCACHE_WORD / 8; i++) {
        size_t have = len > i * 8 ? len - i * 8 : 0;

        memcpy(&key[i], word + i * 8, 8);
        if (have < 8)
            key[i] &= have ? ~0ULL >> (64 - 8 * have) : 0;
    }
}

static int holds(const entry *e, uint32_t tag, const uint64_t *key,
                 size_t len)
{
    return e->tag == tag && e->word_len == len &&
           ((e->word[0] ^ key[0]) | (e->word[1] ^ key[1]) |
            (e->word[2] ^ key[2])) == 0;
}

int bl_termcache_get(bl_termcache *c, const char *word, size_t len,
                     uint64_t hash, char *out)
{
    uint32_t tag = tag_of(hash);
    uint64_t key[BL_TERMCACHE_WORD / 8];
    entry *set;

    if (len > BL_TERMCACHE_WORD) {
        c->misses++;
        return BL_TERMCACHE_MISS;
    }
    set = set_of(c, hash);
    make_key(key, word, len);
    if (!holds(&set[0], tag, key, len)) {
        entry tmp;

        if (!holds(&set[1], tag, key, len)) {
            c->misses++;
            return BL_TERMCACHE_MISS;
        }
        tmp = set[0];
        set[0] = set[1];
        set[1] = tmp;
    }
    c->hits++;
    if (set[0].form_len == FORM_DROP)
        return BL_TERMCACHE_DROP;
    /* One fixed-size copy: the form is zero-padded in the entry, so its
    ** NUL comes with it, and no byte store lands inside the first 16 bytes
    ** that the builder loads next (a load that spans stores waits). */
    memcpy(out, set[0].form, BL_TERMCACHE_FORM);
    out[BL_TERMCACHE_FORM] = '\0';
    return set[0].form_len;
}

void bl_termcache_put(bl_termcache *c, const char *word, size_t len,
                      uint64_t hash, const char *form, int form_len)
{
    entry *set;

    if (len > BL_TERMCACHE_WORD ||
        (form_len != BL_TERMCACHE_DROP &&
         (form_len < 0 || form_len > BL_TERMCACHE_FORM)))
        return;
    set = set_of(c, hash);
    set[1] = set[0];
    make_key(set[0].word, word, len);
    set[0].tag = tag_of(hash);
    set[0].word_len = (uint8_t)len;
    if (form_len == BL_TERMCACHE_DROP) {
        set[0].form_len = FORM_DROP;
    } else {
        set[0].form_len = (uint8_t)form_len;
        memset(set[0].form, 0, sizeof set[0].form);
        memcpy(set[0].form, form, (size_t)form_len);
    }
}

void bl_termcache_prefetch(const bl_termcache *c, uint64_t hash)
{
    /* A page not yet zeroed is fetched as it is: a hint only. */
    __builtin_prefetch(&c->sets[((size_t)hash & c->mask) * 2]);
}

void bl_termcache_stats(const bl_termcache *c, uint64_t *hits,
                        uint64_t *misses)
{
    *hits = c->hits;
    *misses = c->misses;
}
