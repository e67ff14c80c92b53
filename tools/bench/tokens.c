/* tokens.c - the benchmark tools' word splitter and string table (see
** tokens.h). The splitter only ever cuts at ASCII bytes, so a multi-byte
** UTF-8 sequence always stays inside one token: generated text stays valid
** UTF-8 if its source was. The table keeps every string at a stable address
** (strings live in chunks that are never moved), so ids and pointers stay
** valid while it grows.
*/
#include "tokens.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "byline.h"

#define CHUNK_BYTES (1u << 20)

static bool is_word_byte(unsigned char c)
{
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool is_punct(unsigned char c)
{
    return c == '.' || c == ',' || c == ';' || c == ':' || c == '?' ||
           c == '!';
}

/* Whether s[i], an inner character after a word byte, joins the word. */
static bool joins(const unsigned char *s, size_t len, size_t i)
{
    unsigned char c = s[i];

    if (i + 1 >= len || !is_word_byte(s[i + 1]))
        return false;
    if (c == '\'' || c == '-' || c == '&' || c == '.')
        return true;
    return c == ',' && i > 0 && is_digit(s[i - 1]) && is_digit(s[i + 1]);
}

bool bench_token_next(const char *text, size_t len, size_t *pos,
                      size_t *start, size_t *end, bool *punct)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = *pos;

    while (i < len && !is_word_byte(s[i]) && !is_punct(s[i]))
        i++;
    if (i >= len) {
        *pos = len;
        return false;
    }
    *start = i;
    if (is_punct(s[i])) {
        *punct = true;
        *end = i + 1;
        *pos = i + 1;
        return true;
    }
    while (i < len && (is_word_byte(s[i]) || (i > *start && joins(s, len, i))))
        i++;
    *punct = false;
    *end = i;
    *pos = i;
    return true;
}

size_t bench_token_fold(const char *s, size_t len, char *out, size_t cap)
{
    if (len + 1 > cap)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];

        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[len] = '\0';
    return len;
}

/* ---- string table ---------------------------------------------------- */

typedef struct slot {
    uint64_t hash;             /* XXH3 of the string */
    uint32_t id;               /* UINT32_MAX = empty */
} slot;

struct bench_strtab {
    slot *slots;               /* open addressing, linear probing */
    size_t n_slots;            /* a power of two, at most half full */
    char **strs;               /* id -> NUL-terminated copy */
    uint32_t *lens;            /* id -> length */
    size_t n, cap;             /* strings held, room in strs/lens */
    char **chunks;             /* the string storage, never moved */
    size_t n_chunks, cap_chunks;
    size_t used;               /* bytes used in the last chunk */
    size_t chunk_size;         /* size of the last chunk */
};

int bench_strtab_new(bench_strtab **out)
{
    bench_strtab *t = calloc(1, sizeof *t);

    *out = NULL;
    if (t == NULL)
        return BL_ENOMEM;
    t->n_slots = 1024;
    t->slots = malloc(t->n_slots * sizeof *t->slots);
    if (t->slots == NULL) {
        free(t);
        return BL_ENOMEM;
    }
    for (size_t i = 0; i < t->n_slots; i++)
        t->slots[i].id = UINT32_MAX;
    *out = t;
    return BL_OK;
}

void bench_strtab_free(bench_strtab *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n_chunks; i++)
        free(t->chunks[i]);
    free(t->chunks);
    free(t->strs);
    free(t->lens);
    free(t->slots);
    free(t);
}

static int grow_slots(bench_strtab *t)
{
    size_t n = t->n_slots * 2, mask = n - 1;
    slot *s = malloc(n * sizeof *s);

    if (s == NULL)
        return BL_ENOMEM;
    for (size_t i = 0; i < n; i++)
        s[i].id = UINT32_MAX;
    for (size_t i = 0; i < t->n_slots; i++) {
        size_t j;

        if (t->slots[i].id == UINT32_MAX)
            continue;
        for (j = t->slots[i].hash & mask; s[j].id != UINT32_MAX;
             j = (j + 1) & mask)
            ;
        s[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = s;
    t->n_slots = n;
    return BL_OK;
}

/* Copy s into the chunks; NULL when out of memory. */
static char *store(bench_strtab *t, const char *s, size_t len)
{
    char *p;

    if (t->n_chunks == 0 || t->used + len + 1 > t->chunk_size) {
        size_t size = len + 1 > CHUNK_BYTES ? len + 1 : CHUNK_BYTES;

        if (t->n_chunks == t->cap_chunks) {
            size_t cap = t->cap_chunks ? t->cap_chunks * 2 : 16;
            char **c = realloc(t->chunks, cap * sizeof *c);

            if (c == NULL)
                return NULL;
            t->chunks = c;
            t->cap_chunks = cap;
        }
        p = malloc(size);
        if (p == NULL)
            return NULL;
        t->chunks[t->n_chunks++] = p;
        t->used = 0;
        t->chunk_size = size;
    }
    p = t->chunks[t->n_chunks - 1] + t->used;
    memcpy(p, s, len);
    p[len] = '\0';
    t->used += len + 1;
    return p;
}

static size_t probe(const bench_strtab *t, const char *s, size_t len,
                    uint64_t h)
{
    size_t mask = t->n_slots - 1, j;

    for (j = h & mask; t->slots[j].id != UINT32_MAX; j = (j + 1) & mask) {
        uint32_t id = t->slots[j].id;

        if (t->slots[j].hash == h && t->lens[id] == len &&
            memcmp(t->strs[id], s, len) == 0)
            break;
    }
    return j;
}

int bench_strtab_put(bench_strtab *t, const char *s, size_t len,
                     uint32_t *id, bool *added)
{
    uint64_t h = XXH3_64bits(s, len);
    size_t j = probe(t, s, len, h);
    char *copy;

    if (added != NULL)
        *added = false;
    if (t->slots[j].id != UINT32_MAX) {
        *id = t->slots[j].id;
        return BL_OK;
    }
    if (t->n >= UINT32_MAX - 1 || len > UINT32_MAX)
        return BL_ELIMIT;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        char **strs = realloc(t->strs, cap * sizeof *strs);
        uint32_t *lens;

        if (strs == NULL)
            return BL_ENOMEM;
        t->strs = strs;
        lens = realloc(t->lens, cap * sizeof *lens);
        if (lens == NULL)
            return BL_ENOMEM;
        t->lens = lens;
        t->cap = cap;
    }
    copy = store(t, s, len);
    if (copy == NULL)
        return BL_ENOMEM;
    t->strs[t->n] = copy;
    t->lens[t->n] = (uint32_t)len;
    t->slots[j].hash = h;
    t->slots[j].id = (uint32_t)t->n;
    *id = (uint32_t)t->n++;
    if (added != NULL)
        *added = true;
    if (t->n * 2 > t->n_slots)
        return grow_slots(t);
    return BL_OK;
}

uint32_t bench_strtab_find(const bench_strtab *t, const char *s, size_t len)
{
    return t->slots[probe(t, s, len, XXH3_64bits(s, len))].id;
}

size_t bench_strtab_count(const bench_strtab *t)
{
    return t->n;
}

const char *bench_strtab_str(const bench_strtab *t, uint32_t id, size_t *len)
{
    if (len != NULL)
        *len = t->lens[id];
    return t->strs[id];
}
