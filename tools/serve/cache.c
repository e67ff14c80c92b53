/* cache.c - the response cache of `byline serve`: JSON bodies of /search
** answers keyed by the request's parameters and tagged with the index
** generation they were computed on. A news site's search box sees the
** same queries again and again; answering them from memory costs a copy.
**
** Sixteen shards, each a mutex, a chained hash table and an LRU list, under
** a byte budget split evenly. Invariant: an entry tagged with generation G
** was computed on a snapshot of generation >= G (the server reads the
** generation before it searches), and a lookup only accepts an entry of
** the generation the server now serves, so an answer never outlives the
** commit it describes.
*/
#include "serve/cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "byline.h"

#define N_SHARDS 16
#define N_BUCKETS 4096         /* per shard; chains stay short */

typedef struct centry {
    struct centry *chain;      /* next in the bucket */
    struct centry *prev, *next; /* LRU list, most recent first */
    uint64_t hash;
    uint64_t gen;
    size_t klen, blen;
    char *key;                 /* klen bytes, then blen bytes of body */
} centry;

typedef struct shard {
    pthread_mutex_t mu;
    centry *buckets[N_BUCKETS];
    centry *head, *tail;       /* LRU */
    size_t bytes;              /* keys, bodies and entries held */
} shard;

struct serve_cache {
    size_t budget;             /* bytes per shard */
    shard shards[N_SHARDS];
};

/* FNV-1a, 64 bits: keys are short and this file needs no more. */
static uint64_t hash_key(const char *k, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)k[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

int serve_cache_new(size_t max_bytes, serve_cache **out)
{
    serve_cache *c;

    *out = NULL;
    if (max_bytes == 0)
        return BL_OK;
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return BL_ENOMEM;
    c->budget = max_bytes / N_SHARDS;
    for (int i = 0; i < N_SHARDS; i++)
        pthread_mutex_init(&c->shards[i].mu, NULL);
    *out = c;
    return BL_OK;
}

static void unlink_entry(shard *s, centry *e)
{
    centry **p = &s->buckets[e->hash % N_BUCKETS];

    while (*p != e)
        p = &(*p)->chain;
    *p = e->chain;
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        s->head = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    else
        s->tail = e->prev;
    s->bytes -= sizeof *e + e->klen + e->blen;
    free(e->key);
    free(e);
}

void serve_cache_free(serve_cache *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < N_SHARDS; i++) {
        shard *s = &c->shards[i];

        while (s->head != NULL)
            unlink_entry(s, s->head);
        pthread_mutex_destroy(&s->mu);
    }
    free(c);
}

static centry *find(shard *s, uint64_t h, const char *key, size_t klen)
{
    for (centry *e = s->buckets[h % N_BUCKETS]; e != NULL; e = e->chain)
        if (e->hash == h && e->klen == klen &&
            memcmp(e->key, key, klen) == 0)
            return e;
    return NULL;
}

char *serve_cache_get(serve_cache *c, uint64_t gen, const char *key,
                      size_t klen, size_t *len)
{
    uint64_t h;
    shard *s;
    centry *e;
    char *body = NULL;

    *len = 0;
    if (c == NULL)
        return NULL;
    h = hash_key(key, klen);
    s = &c->shards[h % N_SHARDS];
    pthread_mutex_lock(&s->mu);
    e = find(s, h, key, klen);
    if (e != NULL && e->gen != gen) {
        unlink_entry(s, e);    /* of another generation: useless now */
        e = NULL;
    }
    if (e != NULL) {
        body = malloc(e->blen + 1);
        if (body != NULL) {
            memcpy(body, e->key + e->klen, e->blen);
            body[e->blen] = '\0';
            *len = e->blen;
        }
        if (e != s->head) {    /* move to the front */
            e->prev->next = e->next;
            if (e->next != NULL)
                e->next->prev = e->prev;
            else
                s->tail = e->prev;
            e->prev = NULL;
            e->next = s->head;
            s->head->prev = e;
            s->head = e;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return body;
}

void serve_cache_put(serve_cache *c, uint64_t gen, const char *key,
                     size_t klen, const char *body, size_t blen)
{
    uint64_t h;
    shard *s;
    centry *e;
    size_t need = sizeof *e + klen + blen;

    if (c == NULL || need > c->budget / 8)
        return;                /* no cache, or an answer too big to keep */
    h = hash_key(key, klen);
    s = &c->shards[h % N_SHARDS];
    e = calloc(1, sizeof *e);
    if (e == NULL)
        return;
    e->key = malloc(klen + blen);
    if (e->key == NULL) {
        free(e);
        return;
    }
    memcpy(e->key, key, klen);
    memcpy(e->key + klen, body, blen);
    e->hash = h;
    e->gen = gen;
    e->klen = klen;
    e->blen = blen;
    pthread_mutex_lock(&s->mu);
    {
        centry *old = find(s, h, key, klen);

        if (old != NULL)
            unlink_entry(s, old);
    }
    while (s->tail != NULL && s->bytes + need > c->budget)
        unlink_entry(s, s->tail);
    e->chain = s->buckets[h % N_BUCKETS];
    s->buckets[h % N_BUCKETS] = e;
    e->next = s->head;
    if (s->head != NULL)
        s->head->prev = e;
    s->head = e;
    if (s->tail == NULL)
        s->tail = e;
    s->bytes += need;
    pthread_mutex_unlock(&s->mu);
}
