/* blockcache.c - decompressed store blocks for the searches of one index
** (see blockcache.h).
**
** Each shard: a chained hash table of its entries and a doubly linked list
** from the most recently used (lru.next) to the least (lru.prev), both
** guarded by its mutex, as are every entry's refs and linked. An entry
** leaves the table and the list together (unlink); it is freed when it is
** neither linked nor held.
*/
#include "segment/blockcache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "byline.h"

#define SHARDS BL_BLOCK_CACHE_SHARDS
#define TABLE_MIN 64           /* chains a shard starts with */

typedef struct entry {
    bl_cached_block pub;       /* first: the address handed out */
    uint64_t seg;
    uint32_t block;
    uint32_t shard;
    uint64_t hash;
    size_t refs;               /* holders (get, put) not yet released */
    bool linked;               /* in the table and the list */
    struct entry *chain;       /* next in the hash chain */
    struct entry *prev, *next; /* the list */
} entry;

typedef struct shard {
    pthread_mutex_t mu;
    entry **table;             /* cap chains, a power of two */
    size_t cap, n;
    entry lru;                 /* the list's sentinel */
    size_t bytes;              /* of the linked entries (entry_bytes) */
    uint64_t hits, misses;
} shard;

struct bl_block_cache {
    shard sh[SHARDS];
    atomic_size_t budget;
};

/* splitmix64's finaliser over the two halves of the key. */
static uint64_t key_hash(uint64_t seg, uint32_t block)
{
    uint64_t h = seg ^ ((uint64_t)block * 0x9E3779B97F4A7C15u);

    h ^= h >> 30;
    h *= 0xBF58476D1CE4E5B9u;
    h ^= h >> 27;
    h *= 0x94D049BB133111EBu;
    return h ^ (h >> 31);
}

static size_t entry_bytes(const entry *e)
{
    return e->pub.size + sizeof *e;
}

static size_t share(const bl_block_cache *c)
{
    return atomic_load_explicit(&c->budget, memory_order_relaxed) / SHARDS;
}

static void entry_free(entry *e)
{
    free((void *)e->pub.data);
    free(e);
}

int bl_block_cache_new(size_t budget, bl_block_cache **out)
{
    bl_block_cache *c = calloc(1, sizeof *c);
    size_t i;

    *out = NULL;
    if (c == NULL)
        return BL_ENOMEM;
    for (i = 0; i < SHARDS; i++) {
        shard *s = &c->sh[i];

        s->table = calloc(TABLE_MIN, sizeof *s->table);
        if (s->table == NULL || pthread_mutex_init(&s->mu, NULL) != 0) {
            free(s->table);
            break;
        }
        s->cap = TABLE_MIN;
        s->lru.next = s->lru.prev = &s->lru;
    }
    if (i < SHARDS) {
        while (i-- > 0) {
            pthread_mutex_destroy(&c->sh[i].mu);
            free(c->sh[i].table);
        }
        free(c);
        return BL_ENOMEM;
    }
    atomic_init(&c->budget, budget);
    *out = c;
    return BL_OK;
}

void bl_block_cache_free(bl_block_cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < SHARDS; i++) {
        shard *s = &c->sh[i];

        for (entry *e = s->lru.next, *next; e != &s->lru; e = next) {
            next = e->next;
            entry_free(e);
        }
        free(s->table);
        pthread_mutex_destroy(&s->mu);
    }
    free(c);
}

static entry **chain_of(shard *s, uint64_t hash)
{
    return &s->table[(hash >> 4) & (s->cap - 1)];
}

static entry *find(shard *s, uint64_t hash, uint64_t seg, uint32_t block)
{
    for (entry *e = *chain_of(s, hash); e != NULL; e = e->chain)
        if (e->hash == hash && e->seg == seg && e->block == block)
            return e;
    return NULL;
}

static void list_push_front(shard *s, entry *e)
{
    e->prev = &s->lru;
    e->next = s->lru.next;
    s->lru.next->prev = e;
    s->lru.next = e;
}

static void list_remove(entry *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
    e->prev = e->next = NULL;
}

/* Take e out of the table and the list; free it unless it is held. */
static void unlink_entry(shard *s, entry *e)
{
    entry **p = chain_of(s, e->hash);

    while (*p != e)
        p = &(*p)->chain;
    *p = e->chain;
    list_remove(e);
    e->linked = false;
    s->n--;
    s->bytes -= entry_bytes(e);
    if (e->refs == 0)
        entry_free(e);
}

/* Double the chains when they average more than one entry; a failed
** allocation leaves them longer, not wrong. */
static void grow_table(shard *s)
{
    size_t cap = s->cap * 2;
    entry **t;

    if (s->n <= s->cap || (t = calloc(cap, sizeof *t)) == NULL)
        return;
    for (size_t i = 0; i < s->cap; i++)
        for (entry *e = s->table[i], *next; e != NULL; e = next) {
            entry **head = &t[(e->hash >> 4) & (cap - 1)];

            next = e->chain;
            e->chain = *head;
            *head = e;
        }
    free(s->table);
    s->table = t;
    s->cap = cap;
}

/* Hand e out: the most recently used, held once more. */
static void take(shard *s, entry *e)
{
    list_remove(e);
    list_push_front(s, e);
    e->refs++;
}

/* Evict from the least recently used end until the shard fits limit. */
static void evict(shard *s, size_t limit)
{
    while (s->bytes > limit && s->lru.prev != &s->lru)
        unlink_entry(s, s->lru.prev);
}

void bl_block_cache_set_budget(bl_block_cache *c, size_t budget)
{
    atomic_store_explicit(&c->budget, budget, memory_order_relaxed);
    for (size_t i = 0; i < SHARDS; i++) {
        pthread_mutex_lock(&c->sh[i].mu);
        evict(&c->sh[i], budget / SHARDS);
        pthread_mutex_unlock(&c->sh[i].mu);
    }
}

size_t bl_block_cache_budget(const bl_block_cache *c)
{
    return atomic_load_explicit(&c->budget, memory_order_relaxed);
}

const bl_cached_block *bl_block_cache_get(bl_block_cache *c, uint64_t seg,
                                          uint32_t block, bool full)
{
    uint64_t hash = key_hash(seg, block);
    shard *s = &c->sh[hash % SHARDS];
    entry *e;

    pthread_mutex_lock(&s->mu);
    e = find(s, hash, seg, block);
    if (e != NULL && (e->pub.full || !full)) {
        take(s, e);
        s->hits++;
    } else {
        e = NULL;
        s->misses++;
    }
    pthread_mutex_unlock(&s->mu);
    return e != NULL ? &e->pub : NULL;
}

const bl_cached_block *bl_block_cache_put(bl_block_cache *c, uint64_t seg,
                                          uint32_t block, uint8_t *data,
                                          size_t size, size_t len,
                                          size_t head, bool full)
{
    uint64_t hash = key_hash(seg, block);
    size_t limit = share(c);
    shard *s = &c->sh[hash % SHARDS];
    entry *e = calloc(1, sizeof *e), *old;

    if (e == NULL) {
        free(data);
        return NULL;
    }
    e->pub.data = data;
    e->pub.size = size;
    e->pub.len = len;
    e->pub.head = head;
    e->pub.full = full;
    e->seg = seg;
    e->block = block;
    e->shard = (uint32_t)(hash % SHARDS);
    e->hash = hash;
    e->refs = 1;
    pthread_mutex_lock(&s->mu);
    old = find(s, hash, seg, block);
    if (old != NULL && (old->pub.full || !full)) {
        /* Another thread cached it first: hand that one out. */
        take(s, old);
        pthread_mutex_unlock(&s->mu);
        entry_free(e);
        return &old->pub;
    }
    if (old != NULL)
        unlink_entry(s, old);  /* only its first frame: replaced */
    if (entry_bytes(e) <= limit) {
        entry **chain = chain_of(s, hash);

        e->chain = *chain;
        *chain = e;
        list_push_front(s, e);
        e->linked = true;
        s->n++;
        s->bytes += entry_bytes(e);
        evict(s, limit);       /* never e: it is the most recent */
        grow_table(s);
    }
    pthread_mutex_unlock(&s->mu);
    return &e->pub;
}

void bl_block_cache_release(bl_block_cache *c, const bl_cached_block *b)
{
    entry *e = (entry *)b;     /* pub is the entry's first member */
    shard *s;
    bool gone;

    if (b == NULL)
        return;
    s = &c->sh[e->shard];
    pthread_mutex_lock(&s->mu);
    gone = --e->refs == 0 && !e->linked;
    pthread_mutex_unlock(&s->mu);
    if (gone)
        entry_free(e);
}

void bl_block_cache_stats_get(bl_block_cache *c, bl_block_cache_stats *out)
{
    *out = (bl_block_cache_stats){0};
    for (size_t i = 0; i < SHARDS; i++) {
        shard *s = &c->sh[i];

        pthread_mutex_lock(&s->mu);
        out->hits += s->hits;
        out->misses += s->misses;
        out->blocks += s->n;
        out->bytes += s->bytes;
        pthread_mutex_unlock(&s->mu);
    }
}
