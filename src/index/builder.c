/* builder.c - the in-memory inverted index of one future segment
** (builder.h). Each added article is analysed (title, body: terms with
** positions; id, source: keywords), its terms are found or inserted in an
** open-addressing hash table keyed by XXH3 of (term, field byte), and its
** postings are appended to per-term growing byte streams (varint-coded,
** arena-allocated slices that double up to 2 KiB). Tokens are queued per
** field (up to PEND_MAX) so that their table slots and entries are
** prefetched before they are looked up. Lengths, dates and sources go to
** per-document arrays; the article itself to the store writer. Flush
** sorts the terms and hands every list to the segment/ writers while the
** store compresses on another thread, then writes the file (tmp, fsync,
** rename); it can flush several builders as one segment, their terms
** sorted together and their lists joined.
**
** Invariant: a term's streams hold, per document in increasing doc order,
** varint(doc - previous doc) [varint(tf) for text fields], and for text
** fields the tf positions of that document as varint(first position) then
** varint(position - previous position), strictly increasing; RAM is
** counted by the arena, the table and the arrays, nothing else grows.
*/
#include "index/builder.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "base/arena.h"
#include "base/buf.h"
#include "base/hash.h"
#include "base/mem.h"
#include "base/varint.h"
#include "segment/segfile.h"

#define SLICE_MIN 16           /* first slice, bytes incl. next pointer */
#define SLICE_MAX 2048         /* slices stop doubling here */
#define ARENA_CHUNK BL_BIG_MIN /* a huge page (base/mem.h) */

/* A growing byte stream made of arena slices; a slice's last 8 bytes
** point to the next slice. */
typedef struct stream {
    uint8_t *cur;              /* write position */
    uint8_t *head;             /* first slice, NULL while empty */
    uint32_t len;              /* data bytes written */
    uint16_t left;             /* data bytes left in the current slice */
    uint16_t slice;            /* size of the current slice */
} stream;

#define KEY_INLINE 16

/* A term. The fields every occurrence touches come first, within one cache
** line: the hash, the key's first bytes and the positions stream's tail. */
typedef struct term_ent {
    uint64_t hash;
    uint32_t key_len;
    uint32_t cur_doc;          /* document being added, or UINT32_MAX */
    uint32_t cur_tf;
    uint32_t last_pos;
    uint8_t inl[KEY_INLINE];   /* the key's first bytes */
    stream pos;                /* positions (text fields) */
    /* Cold: touched once per document or at flush. */
    uint8_t *key;              /* term + field byte, in the arena */
    uint32_t df;
    uint32_t max_tf;
    uint64_t cf;
    uint32_t last_doc;         /* last document with a closed posting */
    stream docs;               /* doc gaps (and tfs) */
} term_ent;

#define PEND_MAX 64            /* tokens queued before they are added */
#define PEND_AHEAD 8           /* tokens between an ent's prefetch and use */
#define PEND_KEY (1 + BL_MAX_TERM)

/* A queued token: its key is in pend_keys at index * PEND_KEY. */
typedef struct pending {
    uint64_t hash;             /* key_hash of the key */
    uint32_t len;              /* key bytes (term + field byte) */
    uint32_t pos;              /* position in the field */
} pending;

struct bl_builder {
    bl_analyzer *an;
    bl_arena arena;            /* keys and stream slices */
    term_ent *ents;            /* terms in insertion order, a big block */
    uint32_t n_ents, cap_ents;
    uint64_t *table;           /* hash >> 32 << 32 | ent index + 1; 0 is
                                  empty */
    uint32_t table_cap;        /* power of two */
    uint32_t *touched;         /* ents with a posting open in this field */
    uint32_t n_touched, cap_touched;
    uint32_t docs, cap_docs;   /* documents and per-doc array capacity */
    uint32_t *len[BL_N_TEXT_FIELDS];
    int64_t *dates;
    uint32_t *ords;            /* source ordinal, in first-seen order */
    uint64_t field_total[BL_N_TEXT_FIELDS];
    char **sources;            /* distinct sources, first-seen order */
    uint32_t n_sources, cap_sources;
    bl_store_writer *store;
    bl_ids_writer ids;         /* the id column */
    /* per add */
    pending pend[PEND_MAX];    /* tokens of the current field not yet
                                  added */
    uint8_t pend_keys[PEND_MAX * PEND_KEY];
    uint32_t n_pend;
    uint32_t field;            /* field being analysed */
    uint32_t field_len;        /* its last position + 1 */
    int rc;                    /* error inside a token callback */
    int sticky;                /* a failed add: every call returns it */
};

/* ---- streams ----------------------------------------------------------- */

static int stream_grow(bl_builder *b, stream *s)
{
    uint32_t size = s->slice == 0 ? SLICE_MIN
                    : s->slice >= SLICE_MAX ? SLICE_MAX : s->slice * 2u;
    uint8_t *p = bl_arena_alloc(&b->arena, size);

    if (p == NULL)
        return BL_ENOMEM;
    if (s->head == NULL)
        s->head = p;
    else
        memcpy(s->cur, &p, sizeof p);  /* cur is at the old slice's link */
    s->slice = (uint16_t)size;
    s->cur = p;
    s->left = (uint16_t)(size - sizeof(uint8_t *));
    return BL_OK;
}

static int stream_put(bl_builder *b, stream *s, uint64_t v)
{
    uint8_t tmp[BL_VARINT_MAX];
    size_t n;

    if (s->len > UINT32_MAX - BL_VARINT_MAX)
        return BL_ELIMIT;
    if (s->left >= BL_VARINT_MAX) {
        n = bl_varint_put(s->cur, v);
        s->cur += n;
        s->left = (uint16_t)(s->left - n);
        s->len += (uint32_t)n;
        return BL_OK;
    }
    n = bl_varint_put(tmp, v);
    for (size_t i = 0; i < n; i++) {
        if (s->left == 0 && stream_grow(b, s) != BL_OK)
            return BL_ENOMEM;
        *s->cur++ = tmp[i];
        s->left--;
        s->len++;
    }
    return BL_OK;
}

/* A reader over a stream's bytes. */
typedef struct stream_rd {
    const uint8_t *p, *end;    /* data left in the current slice */
    uint32_t size;             /* its size */
} stream_rd;

static void rd_init(stream_rd *r, const stream *s)
{
    r->size = SLICE_MIN;
    r->p = s->head;
    r->end = s->head ? s->head + SLICE_MIN - sizeof(uint8_t *) : NULL;
}

static uint8_t rd_byte(stream_rd *r)
{
    if (r->p == r->end) {
        const uint8_t *next;

        memcpy(&next, r->end, sizeof next);
        r->size = r->size >= SLICE_MAX ? SLICE_MAX : r->size * 2;
        r->p = next;
        r->end = next + r->size - sizeof(uint8_t *);
    }
    return *r->p++;
}

static uint64_t rd_varint_long(stream_rd *r)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t c;

    if (r->end - r->p >= BL_VARINT_MAX) {
        /* The whole varint is in this slice: no boundary checks. */
        do {
            c = *r->p++;
            v |= (uint64_t)(c & 0x7f) << shift;
            shift += 7;
        } while (c & 0x80);
        return v;
    }
    do {
        c = rd_byte(r);
        v |= (uint64_t)(c & 0x7f) << shift;
        shift += 7;
    } while (c & 0x80);
    return v;
}

/* Most values (gaps, tfs, position deltas) take one byte: read those
** inline, the rest in rd_varint_long (flush of Reuters: 4.6 M calls). */
static inline uint64_t rd_varint(stream_rd *r)
{
    if (r->p < r->end && *r->p < 0x80)
        return *r->p++;
    return rd_varint_long(r);
}

/* ---- the term table ---------------------------------------------------- */

/* The table is probed before it is filled: its zeros are written
** (base/mem.h). */
static int table_grow(bl_builder *b)
{
    uint32_t cap = b->table_cap ? b->table_cap * 2 : 1u << 14;
    uint64_t *t = bl_zalloc(sizeof *t * cap);

    if (t == NULL)
        return BL_ENOMEM;
    for (uint32_t i = 0; i < b->n_ents; i++) {
        uint64_t h = b->ents[i].hash;
        uint32_t at = (uint32_t)h & (cap - 1);

        while (t[at] != 0)
            at = (at + 1) & (cap - 1);
        t[at] = (h & 0xffffffff00000000ull) | (i + 1);
    }
    bl_mem_free(b->table, sizeof *t * b->table_cap);
    b->table = t;
    b->table_cap = cap;
    return BL_OK;
}

/* The ents lie in a big block (base/mem.h), cache-line aligned so that an
** ent's hot fields share one line, which doubles by moving its pages
** (mremap): nothing is copied or faulted in twice. (Copying into a new
** block faulted 14 MiB per builder to reach Reuters' 8 MiB.) */
static int ents_grow(bl_builder *b)
{
    size_t bytes = b->cap_ents ? 2 * sizeof(term_ent) * b->cap_ents
                               : BL_BIG_MIN;
    term_ent *p;

    if (bytes / sizeof(term_ent) > UINT32_MAX / 2)
        return BL_ELIMIT;
    if ((p = bl_big_realloc(b->ents, bytes)) == NULL)
        return BL_ENOMEM;
    b->ents = p;
    b->cap_ents = (uint32_t)(bl_big_size(p) / sizeof(term_ent));
    return BL_OK;
}

/* Whether ent e holds key (from make_key: zero-padded to KEY_INLINE bytes,
** as e->inl is), comparing the inline bytes as two 64-bit words. */
static bool key_equal(const term_ent *e, const uint8_t *key, size_t len)
{
    uint64_t k[2], x[2];

    if (e->key_len != len)
        return false;
    memcpy(k, key, sizeof k);
    memcpy(x, e->inl, sizeof x);
    if (((k[0] ^ x[0]) | (k[1] ^ x[1])) != 0)
        return false;
    return len <= KEY_INLINE ||
           memcmp(e->key + KEY_INLINE, key + KEY_INLINE,
                  len - KEY_INLINE) == 0;
}

/* Prefetch the ent in the first table slot of hash h (a hint only: the
** term may sit in a later slot or not be there yet). */
static void prefetch_ent(const bl_builder *b, uint64_t h)
{
    uint64_t slot = b->table[(uint32_t)h & (b->table_cap - 1)];

    if (slot != 0)
        __builtin_prefetch(&b->ents[(uint32_t)slot - 1]);
}

/* Prefetch, for writing, the tail of the positions stream of the ent in
** the first table slot of hash h, once prefetch_ent has brought the ent
** in: the occurrence is appended there (a hint only, like prefetch_ent;
** the add path's samples in a 1-thread Reuters index, mean of three
** perf runs, 1,058 -> 961). */
static void prefetch_tail(const bl_builder *b, uint64_t h)
{
    uint64_t slot = b->table[(uint32_t)h & (b->table_cap - 1)];

    if (slot != 0)
        __builtin_prefetch(b->ents[(uint32_t)slot - 1].pos.cur, 1);
}

/* Build the table key of (field, term) in key (room for PEND_KEY bytes):
** the term cut to BL_MAX_TERM bytes, then the field byte (the dictionary's
** key, format.h), zero-padded to KEY_INLINE bytes for key_equal. Returns
** its length. */
static size_t make_key(uint8_t *key, uint32_t field, const char *term,
                       size_t len)
{
    if (len > BL_MAX_TERM)
        len = BL_MAX_TERM;
    memset(key, 0, KEY_INLINE);        /* two stores */
    memcpy(key, term, len);
    key[len] = (uint8_t)field;
    return len + 1;
}

/* make_key for a term of bl_analyze, whose buffer has BL_MAX_TERM + 1
** readable bytes (byline.h), so 16 can be read whatever its length.
** A short key is built in a register and stored at once: key_hash's loads
** then come from one store, where make_key's three stores made them wait
** for the stores to drain. */
static size_t make_token_key(uint8_t *key, uint32_t field, const char *term,
                             size_t len)
{
#if defined(__SSE2__)
    if (len < KEY_INLINE) {
        __m128i iota = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                                     12, 13, 14, 15);
        __m128i n = _mm_set1_epi8((char)len);
        __m128i v = _mm_and_si128(_mm_loadu_si128((const void *)term),
                                  _mm_cmpgt_epi8(n, iota));

        v = _mm_or_si128(v, _mm_and_si128(_mm_cmpeq_epi8(n, iota),
                                          _mm_set1_epi8((char)field)));
        _mm_storeu_si128((void *)key, v);
        return len + 1;
    }
#endif
    return make_key(key, field, term, len);
}

/* The table's hash of a key from make_key: its KEY_INLINE zero-padded
** bytes when it fits them (bl_hash16, branch-free), else its bytes. Keys
** hold no NUL before their field byte, so two keys never pad alike. */
static uint64_t key_hash(const uint8_t *key, size_t len)
{
    _Static_assert(KEY_INLINE == 16, "bl_hash16 hashes 16 bytes");
    return len <= KEY_INLINE ? bl_hash16(key) : bl_hash(key, len);
}

/* The field of ent e: its key's last byte. */
static inline uint8_t ent_field(const term_ent *e)
{
    return e->key[e->key_len - 1];
}

/* Find or insert the key (from make_key) whose key_hash is h; *out is the
** ent's index. */
static int term_find(bl_builder *b, const uint8_t *key, size_t len,
                     uint64_t h, uint32_t *out)
{
    uint64_t tag;
    uint32_t at;
    term_ent *e;
    int rc;

    tag = h & 0xffffffff00000000ull;
    at = (uint32_t)h & (b->table_cap - 1);
    for (;;) {
        uint64_t slot = b->table[at];

        if (slot == 0)
            break;
        if ((slot & 0xffffffff00000000ull) == tag) {
            uint32_t i = (uint32_t)slot - 1;

            if (key_equal(&b->ents[i], key, len)) {
                *out = i;
                return BL_OK;
            }
        }
        at = (at + 1) & (b->table_cap - 1);
    }
    if (b->n_ents == b->cap_ents && (rc = ents_grow(b)) != BL_OK)
        return rc;
    e = &b->ents[b->n_ents];
    memset(e, 0, sizeof *e);
    e->key = bl_arena_alloc(&b->arena, len);
    if (e->key == NULL)
        return BL_ENOMEM;
    memcpy(e->key, key, len);
    memcpy(e->inl, key, len < KEY_INLINE ? len : KEY_INLINE);
    e->key_len = (uint32_t)len;
    e->hash = h;
    e->cur_doc = UINT32_MAX;
    b->table[at] = tag | ++b->n_ents;
    *out = b->n_ents - 1;
    if ((uint64_t)b->n_ents * 10 > (uint64_t)b->table_cap * 6)
        return table_grow(b);
    return BL_OK;
}

/* ---- adding ------------------------------------------------------------ */

/* Add one occurrence of ent i at position pos of the current field. */
static int add_occurrence(bl_builder *b, uint32_t i, uint32_t pos)
{
    term_ent *e = &b->ents[i];
    int rc;

    if (e->cur_doc != b->docs) {
        if (b->n_touched == b->cap_touched) {
            uint32_t cap = b->cap_touched ? b->cap_touched * 2 : 1024;
            uint32_t *p = realloc(b->touched, sizeof *p * cap);

            if (p == NULL)
                return BL_ENOMEM;
            b->touched = p;
            b->cap_touched = cap;
        }
        b->touched[b->n_touched++] = i;
        e->cur_doc = b->docs;
        e->cur_tf = 0;
        rc = stream_put(b, &e->pos, pos);
    } else {
        if (pos <= e->last_pos)
            return BL_OK;      /* same position twice: keep positions
                                  strictly increasing */
        rc = stream_put(b, &e->pos, pos - e->last_pos);
    }
    if (rc != BL_OK)
        return rc;
    e->last_pos = pos;
    e->cur_tf++;
    if (pos + 1 > b->field_len)
        b->field_len = pos + 1;
    return BL_OK;
}

/* Add the pending tokens of the current field. Their table slots were
** prefetched when they were queued; here each token's likely ent is
** prefetched PEND_AHEAD tokens before it is looked up, so that the cache
** misses of the term table overlap instead of adding up. */
static int run_pending(bl_builder *b)
{
    uint32_t n = b->n_pend;
    int rc = BL_OK;

    b->n_pend = 0;
    for (uint32_t k = 0; k < n && k < PEND_AHEAD; k++)
        prefetch_ent(b, b->pend[k].hash);
    for (uint32_t k = 0; k < n && rc == BL_OK; k++) {
        const pending *t = &b->pend[k];
        uint32_t i;

        if (k + PEND_AHEAD < n)
            prefetch_ent(b, b->pend[k + PEND_AHEAD].hash);
        if (k + PEND_AHEAD / 2 < n)
            prefetch_tail(b, b->pend[k + PEND_AHEAD / 2].hash);
        rc = term_find(b, b->pend_keys + (size_t)k * PEND_KEY, t->len,
                       t->hash, &i);
        if (rc == BL_OK)
            rc = add_occurrence(b, i, t->pos);
    }
    return rc;
}

/* Queue a token: its key and hash are computed now and its table slot
** prefetched; the queue is added by run_pending when full or when the
** field ends. */
static int on_token(void *ctx, const bl_token *tok)
{
    bl_builder *b = ctx;
    pending *t;
    uint8_t *key;

    if (tok->term_len == 0)
        return 0;
    t = &b->pend[b->n_pend];
    key = b->pend_keys + (size_t)b->n_pend * PEND_KEY;
    t->len = (uint32_t)make_token_key(key, b->field, tok->term,
                                      tok->term_len);
    t->hash = key_hash(key, t->len);
    t->pos = tok->pos;
    __builtin_prefetch(&b->table[(uint32_t)t->hash & (b->table_cap - 1)]);
    if (++b->n_pend == PEND_MAX) {
        int rc = run_pending(b);

        if (rc != BL_OK) {
            b->rc = rc;
            return rc;
        }
    }
    return 0;
}

/* Close the postings opened in this document's current field. */
static int close_field(bl_builder *b, bool text)
{
    uint32_t d = b->docs;
    int rc;

    for (uint32_t k = 0; k < b->n_touched; k++) {
        term_ent *e = &b->ents[b->touched[k]];
        uint32_t tf = text ? e->cur_tf : 1;

        /* The cold half of an ent, then the tail of its doc stream, are
        ** prefetched ahead: they are all the misses of this loop. */
        if (k + 2 * PEND_AHEAD < b->n_touched)
            __builtin_prefetch(&b->ents[b->touched[k + 2 * PEND_AHEAD]].df);
        if (k + PEND_AHEAD < b->n_touched)
            __builtin_prefetch(b->ents[b->touched[k + PEND_AHEAD]].docs.cur);
        rc = stream_put(b, &e->docs, e->df ? d - e->last_doc : d);
        if (rc == BL_OK && text)
            rc = stream_put(b, &e->docs, tf);
        if (rc != BL_OK)
            return rc;
        e->last_doc = d;
        e->df++;
        e->cf += tf;
        if (tf > e->max_tf)
            e->max_tf = tf;
    }
    b->n_touched = 0;
    return BL_OK;
}

static int add_keyword(bl_builder *b, uint32_t field, const char *s,
                       size_t len)
{
    uint8_t key[PEND_KEY];
    size_t key_len;
    uint32_t i;
    int rc;

    if (len == 0)
        return BL_OK;
    key_len = make_key(key, field, s, len);
    rc = term_find(b, key, key_len, key_hash(key, key_len), &i);
    if (rc != BL_OK)
        return rc;
    if (b->ents[i].cur_doc == b->docs)
        return BL_OK;
    b->ents[i].cur_doc = b->docs;
    b->touched[b->n_touched++] = i;     /* room: cap_touched >= 1024 */
    return close_field(b, false);
}

static int grow_docs(bl_builder *b)
{
    uint32_t cap = b->cap_docs ? b->cap_docs * 2 : 1024;
    void *p;

    for (int f = 0; f < BL_N_TEXT_FIELDS; f++) {
        p = realloc(b->len[f], sizeof(uint32_t) * cap);
        if (p == NULL)
            return BL_ENOMEM;
        b->len[f] = p;
    }
    p = realloc(b->dates, sizeof(int64_t) * cap);
    if (p == NULL)
        return BL_ENOMEM;
    b->dates = p;
    p = realloc(b->ords, sizeof(uint32_t) * cap);
    if (p == NULL)
        return BL_ENOMEM;
    b->ords = p;
    b->cap_docs = cap;
    return BL_OK;
}

static int source_ord(bl_builder *b, const char *s, uint32_t *out)
{
    /* Few distinct sources: a linear scan from the last hit is fast. */
    for (uint32_t i = 0; i < b->n_sources; i++) {
        uint32_t k = b->n_sources - 1 - i;

        if (strcmp(b->sources[k], s) == 0) {
            *out = k;
            return BL_OK;
        }
    }
    if (b->n_sources == b->cap_sources) {
        uint32_t cap = b->cap_sources ? b->cap_sources * 2 : 16;
        char **p = realloc(b->sources, sizeof *p * cap);

        if (p == NULL)
            return BL_ENOMEM;
        b->sources = p;
        b->cap_sources = cap;
    }
    b->sources[b->n_sources] = bl_arena_strndup(&b->arena, s, strlen(s));
    if (b->sources[b->n_sources] == NULL)
        return BL_ENOMEM;
    *out = b->n_sources++;
    return BL_OK;
}

int bl_builder_new(const bl_analyzer_opts *opts, bl_builder **out)
{
    bl_builder *b;
    int rc;

    *out = NULL;
    b = calloc(1, sizeof *b);
    if (b == NULL)
        return BL_ENOMEM;
    bl_arena_init(&b->arena, ARENA_CHUNK);
    bl_ids_writer_init(&b->ids);
    rc = bl_analyzer_new(opts, &b->an);
    if (rc == BL_OK)
        rc = table_grow(b);
    if (rc == BL_OK)
        rc = bl_store_writer_new(&b->store);
    if (rc == BL_OK && (b->touched = malloc(sizeof(uint32_t) * 1024)) ==
                           NULL)
        rc = BL_ENOMEM;
    if (rc != BL_OK) {
        bl_builder_free(b);
        return rc;
    }
    b->cap_touched = 1024;
    *out = b;
    return BL_OK;
}

void bl_builder_free(bl_builder *b)
{
    if (b == NULL)
        return;
    bl_analyzer_free(b->an);
    bl_arena_free(&b->arena);
    bl_big_free(b->ents);
    bl_mem_free(b->table, sizeof *b->table * b->table_cap);
    free(b->touched);
    for (int f = 0; f < BL_N_TEXT_FIELDS; f++)
        free(b->len[f]);
    free(b->dates);
    free(b->ords);
    free(b->sources);
    bl_store_writer_free(b->store);
    bl_ids_writer_free(&b->ids);
    free(b);
}

int bl_builder_add(bl_builder *b, const bl_doc *doc)
{
    const char *text[BL_N_TEXT_FIELDS] = {doc->title, doc->body};
    const char *lang = doc->lang != NULL && doc->lang[0] ? doc->lang : NULL;
    const char *src = doc->source != NULL ? doc->source : "";
    const char *id = doc->id != NULL ? doc->id : "";
    char *folded = NULL;
    size_t folded_len;
    uint32_t ord;
    int rc = BL_OK;

    if (b->sticky != BL_OK)
        return b->sticky;
    if (b->docs == BL_DOC_END - 1)
        return BL_ELIMIT;
    if (b->docs == b->cap_docs && (rc = grow_docs(b)) != BL_OK)
        return rc;
    for (int f = 0; f < BL_N_TEXT_FIELDS && rc == BL_OK; f++) {
        const char *t = text[f] != NULL ? text[f] : "";

        b->field = (uint32_t)f;
        b->field_len = 0;
        b->rc = BL_OK;
        b->n_pend = 0;
        rc = bl_analyze(b->an, t, strlen(t), lang, on_token, b);
        if (rc == BL_OK && b->rc != BL_OK)
            rc = b->rc;
        if (rc == BL_OK)
            rc = run_pending(b);
        if (rc == BL_OK)
            rc = close_field(b, true);
        b->len[f][b->docs] = b->field_len;
    }
    if (rc == BL_OK)
        rc = add_keyword(b, BL_FIELD_ID, id, strlen(id));
    if (rc == BL_OK)
        rc = bl_keyword_fold(src, strlen(src), &folded, &folded_len);
    if (rc == BL_OK)
        rc = add_keyword(b, BL_FIELD_SOURCE, folded, folded_len);
    free(folded);
    if (rc == BL_OK)
        rc = source_ord(b, src, &ord);
    if (rc == BL_OK)
        rc = bl_store_add(b->store, doc);
    if (rc == BL_OK)
        rc = bl_ids_add(&b->ids, id, strlen(id));
    if (rc != BL_OK) {
        /* Postings of this document may be half written: the builder can
        ** only be freed now. Keep the error sticky. */
        b->sticky = rc;
        return rc;
    }
    b->field_total[0] += b->len[0][b->docs];
    b->field_total[1] += b->len[1][b->docs];
    b->dates[b->docs] = doc->date;
    b->ords[b->docs] = ord;
    b->docs++;
    return BL_OK;
}

uint32_t bl_builder_docs(const bl_builder *b)
{
    return b->docs;
}

size_t bl_builder_ram(const bl_builder *b)
{
    return sizeof *b + b->arena.used + ARENA_CHUNK / 2 +
           (size_t)b->cap_ents * sizeof(term_ent) +
           (size_t)b->table_cap * sizeof(uint64_t) +
           (size_t)b->cap_touched * sizeof(uint32_t) +
           (size_t)b->cap_docs * (2 * sizeof(uint32_t) + sizeof(int64_t) +
                                  sizeof(uint32_t)) +
           (size_t)b->cap_sources * sizeof(char *) +
           bl_store_ram(b->store) + bl_ids_ram(&b->ids);
}

/* ---- flush ------------------------------------------------------------- */

/* A term to sort: the key's first 8 bytes as a big-endian number (zero
** padded), so that most comparisons touch neither the ent nor its key;
** src, the number of its builder in the flush, orders equal keys. */
typedef struct sort_ent {
    uint64_t head;
    term_ent *e;
    uint32_t src;
} sort_ent;

static uint64_t key_head(const term_ent *e)
{
    uint64_t h = 0;

    for (uint32_t i = 0; i < 8; i++)
        h = h << 8 | (i < e->key_len ? e->inl[i] : 0);
    return h;
}

static int key_cmp(const term_ent *a, const term_ent *c)
{
    size_t n = a->key_len < c->key_len ? a->key_len : c->key_len;
    int r = memcmp(a->key, c->key, n);

    if (r != 0)
        return r;
    return a->key_len < c->key_len ? -1 : a->key_len > c->key_len;
}

static int ent_cmp(const void *x, const void *y)
{
    const sort_ent *sa = x, *sc = y;
    int r;

    if (sa->head != sc->head)
        return sa->head < sc->head ? -1 : 1;
    r = key_cmp(sa->e, sc->e);
    if (r != 0)
        return r;
    return (sa->src > sc->src) - (sa->src < sc->src);
}

/* Sort n ents by key, then by builder: a least-significant-byte-first
** radix sort on the heads (skipping the bytes every head shares), then
** each run of equal heads by ent_cmp. qsort's comparisons took 37.6 M
** instructions to sort BBC's 50,000 ents of two builders (2.1% of
** indexing it). */
static int sort_ents(sort_ent *v, size_t n)
{
    size_t count[8][256];
    sort_ent *tmp, *from = v, *to;

    if (n < 2)
        return BL_OK;
    tmp = bl_mem_alloc(sizeof *tmp * n);
    if (tmp == NULL)
        return BL_ENOMEM;
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < n; i++)
        for (unsigned b = 0; b < 8; b++)
            count[b][(v[i].head >> (8 * b)) & 0xff]++;
    to = tmp;
    for (unsigned b = 0; b < 8; b++) {
        size_t at = 0;

        if (count[b][(v[0].head >> (8 * b)) & 0xff] == n)
            continue;
        for (unsigned c = 0; c < 256; c++) {
            size_t k = count[b][c];

            count[b][c] = at;
            at += k;
        }
        for (size_t i = 0; i < n; i++)
            to[count[b][(from[i].head >> (8 * b)) & 0xff]++] = from[i];
        to = from;
        from = from == v ? tmp : v;
    }
    if (from != v)
        memcpy(v, from, sizeof *v * n);
    bl_mem_free(tmp, sizeof *tmp * n);
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && v[j].head == v[i].head; j++)
            ;
        if (j - i <= 8) {
            /* Most runs are one key of each builder: insertion. */
            for (size_t k = i + 1; k < j; k++) {
                sort_ent x = v[k];
                size_t m = k;

                for (; m > i && ent_cmp(&v[m - 1], &x) > 0; m--)
                    v[m] = v[m - 1];
                v[m] = x;
            }
        } else {
            qsort(v + i, j - i, sizeof *v, ent_cmp);
        }
    }
    return BL_OK;
}

#define FLUSH_AHEAD 8          /* terms between an ent's prefetch and use */

typedef struct flush_bufs {
    uint32_t *docs, *tfs, *pos;
    uint32_t cap_docs;
    uint64_t cap_pos;
} flush_bufs;

/* Room in fb for df postings and, of a text field, cf positions. */
static int fb_reserve(flush_bufs *fb, uint32_t df, uint64_t cf, bool text)
{
    if (df > fb->cap_docs) {
        uint32_t *d = realloc(fb->docs, sizeof *d * df);

        if (d == NULL)
            return BL_ENOMEM;
        fb->docs = d;
        d = realloc(fb->tfs, sizeof *d * df);
        if (d == NULL)
            return BL_ENOMEM;
        fb->tfs = d;
        fb->cap_docs = df;
    }
    if (text && cf > fb->cap_pos) {
        uint32_t *p = cf <= SIZE_MAX / sizeof *p
                          ? realloc(fb->pos, sizeof *p * (size_t)cf)
                          : NULL;

        if (p == NULL)
            return BL_ENOMEM;
        fb->pos = p;
        fb->cap_pos = cf;
    }
    return BL_OK;
}

/* Decode e's streams into docs, tfs and (text fields) pos: its doc ids
** moved up by base, absolute positions. Returns the positions written. */
static uint64_t decode_term(const term_ent *e, uint32_t base, uint32_t *docs,
                            uint32_t *tfs, uint32_t *pos)
{
    bool text = ent_field(e) < BL_N_TEXT_FIELDS;
    stream_rd rd, rp;
    uint32_t doc = 0;
    uint64_t at = 0;

    rd_init(&rd, &e->docs);
    rd_init(&rp, &e->pos);
    for (uint32_t i = 0; i < e->df; i++) {
        doc = i == 0 ? (uint32_t)rd_varint(&rd)
                     : doc + (uint32_t)rd_varint(&rd);
        docs[i] = base + doc;
        tfs[i] = text ? (uint32_t)rd_varint(&rd) : 1;
        if (text) {
            uint32_t p = 0;

            for (uint32_t k = 0; k < tfs[i]; k++) {
                p = k == 0 ? (uint32_t)rd_varint(&rp)
                           : p + (uint32_t)rd_varint(&rp);
                pos[at++] = p;
            }
        }
    }
    return at;
}

static void builder_reset(bl_builder *b)
{
    bl_store_reset(b->store);
    bl_ids_reset(&b->ids);
    bl_arena_reset(&b->arena);
    b->n_ents = 0;
    memset(b->table, 0, sizeof(uint64_t) * b->table_cap);
    b->n_touched = 0;
    b->docs = 0;
    b->field_total[0] = b->field_total[1] = 0;
    b->n_sources = 0;
}

/* The builders of one flush seen as one segment: the documents of bs[k]
** take the ids from base[k], after those of bs[0..k). */
typedef struct flush_set {
    bl_builder *const *bs;
    size_t n;
    uint32_t *base;
    uint32_t docs;
    uint64_t field_total[BL_N_TEXT_FIELDS];
    uint32_t *len[BL_N_TEXT_FIELDS];   /* per document of the segment */
    int64_t *dates;
    uint32_t *ords;            /* into names */
    const char **names;        /* sorted, unique */
    uint32_t n_names;
    bl_ids_writer ids;         /* of several builders */
} flush_set;

static void set_free(flush_set *set)
{
    free(set->base);
    for (int f = 0; f < BL_N_TEXT_FIELDS; f++)
        free(set->len[f]);
    free(set->dates);
    free(set->ords);
    free(set->names);
    bl_ids_writer_free(&set->ids);
}

/* A source name of builder src, its ordinal there ord. */
typedef struct source_ref {
    const char *name;
    uint32_t src, ord;
} source_ref;

static int source_cmp(const void *x, const void *y)
{
    return strcmp(((const source_ref *)x)->name,
                  ((const source_ref *)y)->name);
}

/* The sources of every builder, sorted and unique, in set->names, and each
** document's ordinal among them in set->ords. */
static int set_sources(flush_set *set)
{
    source_ref *refs;
    uint32_t **remap, *flat, n = 0;
    int rc = BL_OK;

    for (size_t k = 0; k < set->n; k++)
        n += set->bs[k]->n_sources;
    refs = malloc(sizeof *refs * (n ? n : 1));
    flat = malloc(sizeof *flat * (n ? n : 1));
    remap = malloc(sizeof *remap * set->n);
    set->names = malloc(sizeof *set->names * (n ? n : 1));
    if (refs == NULL || flat == NULL || remap == NULL || set->names == NULL) {
        rc = BL_ENOMEM;
        goto out;
    }
    n = 0;
    for (size_t k = 0; k < set->n; k++) {
        remap[k] = flat + n;
        for (uint32_t i = 0; i < set->bs[k]->n_sources; i++)
            refs[n++] = (source_ref){set->bs[k]->sources[i], (uint32_t)k, i};
    }
    qsort(refs, n, sizeof *refs, source_cmp);
    for (uint32_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(refs[i].name, refs[i - 1].name) != 0)
            set->names[set->n_names++] = refs[i].name;
        remap[refs[i].src][refs[i].ord] = set->n_names - 1;
    }
    for (size_t k = 0; k < set->n; k++)
        for (uint32_t d = 0; d < set->bs[k]->docs; d++)
            set->ords[set->base[k] + d] = remap[k][set->bs[k]->ords[d]];
out:
    free(refs);
    free(flat);
    free(remap);
    return rc;
}

/* Gather the builders' per-document arrays and ids into set. */
static int set_init(flush_set *set, bl_builder *const *bs, size_t n)
{
    uint32_t docs = 0;
    int rc = BL_OK;

    memset(set, 0, sizeof *set);
    set->bs = bs;
    set->n = n;
    bl_ids_writer_init(&set->ids);
    set->base = malloc(sizeof *set->base * n);
    if (set->base == NULL)
        return BL_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        if (bs[k]->docs >= BL_DOC_END - docs)
            return BL_ELIMIT;
        set->base[k] = docs;
        docs += bs[k]->docs;
        for (int f = 0; f < BL_N_TEXT_FIELDS; f++)
            set->field_total[f] += bs[k]->field_total[f];
    }
    set->docs = docs;
    for (int f = 0; f < BL_N_TEXT_FIELDS; f++)
        if ((set->len[f] = malloc(sizeof(uint32_t) * docs)) == NULL)
            return BL_ENOMEM;
    set->dates = malloc(sizeof *set->dates * docs);
    set->ords = malloc(sizeof *set->ords * docs);
    if (set->dates == NULL || set->ords == NULL)
        return BL_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        const bl_builder *b = bs[k];

        if (b->docs == 0)
            continue;
        for (int f = 0; f < BL_N_TEXT_FIELDS; f++)
            memcpy(set->len[f] + set->base[k], b->len[f],
                   sizeof(uint32_t) * b->docs);
        memcpy(set->dates + set->base[k], b->dates,
               sizeof *set->dates * b->docs);
        if (n > 1 && rc == BL_OK)
            rc = bl_ids_append(&set->ids, &b->ids);
    }
    return rc == BL_OK ? set_sources(set) : rc;
}

static const bl_ids_writer *set_ids(const flush_set *set)
{
    return set->n == 1 ? &set->bs[0]->ids : &set->ids;
}

/* The terms of every builder, in key order, into the dictionary, the
** postings and the positions; one key's lists of several builders are
** joined in builder order. */
static int write_terms(const flush_set *set, bl_termdict_writer *tw,
                       bl_buf *post, bl_buf *pos, uint64_t *postings,
                       uint64_t *positions)
{
    flush_bufs fb = {NULL, NULL, NULL, 0, 0};
    sort_ent *order;
    size_t n = 0;
    int rc = BL_OK;

    for (size_t k = 0; k < set->n; k++)
        n += set->bs[k]->n_ents;
    order = bl_mem_alloc(sizeof *order * (n ? n : 1));
    if (order == NULL)
        return BL_ENOMEM;
    n = 0;
    for (size_t k = 0; k < set->n; k++)
        for (uint32_t i = 0; i < set->bs[k]->n_ents; i++) {
            term_ent *e = &set->bs[k]->ents[i];

            order[n++] = (sort_ent){key_head(e), e, (uint32_t)k};
        }
    rc = sort_ents(order, n);
    for (size_t i = 0, j; i < n && rc == BL_OK; i = j) {
        const term_ent *e = order[i].e;
        bool text = ent_field(e) < BL_N_TEXT_FIELDS;
        size_t p0 = post->len, x0 = pos->len;
        uint32_t df = e->df, max_tf = e->max_tf, at = 0;
        uint64_t cf = e->cf, at_pos = 0;

        /* Terms come in key order, not in the order they lie in memory:
        ** fetch the ent FLUSH_AHEAD terms on, and the key and stream heads
        ** of the one half as far (loading e->df and the key's field was
        ** 70% of this loop's own time on Reuters). */
        if (i + FLUSH_AHEAD < n) {
            const term_ent *f = order[i + FLUSH_AHEAD].e;

            __builtin_prefetch(f);
            __builtin_prefetch(&f->df);
        }
        if (i + FLUSH_AHEAD / 2 < n) {
            const term_ent *f = order[i + FLUSH_AHEAD / 2].e;

            __builtin_prefetch(f->key);
            __builtin_prefetch(f->docs.head);
            __builtin_prefetch(f->pos.head);
        }
        for (j = i + 1; j < n && order[j].head == order[i].head &&
                        key_cmp(order[j].e, e) == 0; j++) {
            df += order[j].e->df;
            cf += order[j].e->cf;
            if (order[j].e->max_tf > max_tf)
                max_tf = order[j].e->max_tf;
        }
        rc = fb_reserve(&fb, df, cf, text);
        for (size_t g = i; g < j && rc == BL_OK; g++) {
            at_pos += decode_term(order[g].e, set->base[order[g].src],
                                  fb.docs + at, fb.tfs + at,
                                  text ? fb.pos + at_pos : NULL);
            at += order[g].e->df;
        }
        if (rc == BL_OK)
            rc = bl_postings_write(post, pos, (bl_field_id)ent_field(e),
                                   fb.docs, fb.tfs, df, fb.pos,
                                   text ? set->len[ent_field(e)] : NULL);
        if (rc == BL_OK)
            rc = bl_termdict_add(tw, e->key, e->key_len, df, cf, max_tf,
                                 post->len - p0, pos->len - x0, fb.docs[0]);
        *postings += df;
        if (text)
            *positions += cf;
    }
    free(fb.docs);
    free(fb.tfs);
    free(fb.pos);
    bl_mem_free(order, sizeof *order * (n ? n : 1));
    return rc;
}

/* The store of a flush, compressed on a thread of its own while the
** inverted index is written. */
typedef struct store_job {
    bl_store_writer **ws;
    size_t n;
    bl_store_out out;
    int rc;
} store_job;

static void *store_main(void *arg)
{
    store_job *j = arg;
    bl_store_opts so;

    bl_store_opts_default(&so);
    j->rc = bl_store_finish_many(j->ws, j->n, &so, &j->out);
    return NULL;
}

int bl_builder_flush(bl_builder *b, const char *path, bl_segment_info *info)
{
    return bl_builder_flush_many(&b, 1, path, info);
}

int bl_builder_flush_many(bl_builder *const *bs, size_t n, const char *path,
                          bl_segment_info *info)
{
    bl_termdict_writer tw;
    bl_buf post = BL_BUF_INIT, pos = BL_BUF_INIT, lengths = BL_BUF_INIT,
           columns = BL_BUF_INIT, meta = BL_BUF_INIT;
    store_job job;
    flush_set set;
    pthread_t th;
    bool threaded = false;
    uint64_t postings = 0, positions = 0, bytes = 0, docs = 0;
    int rc = BL_OK;

    memset(info, 0, sizeof *info);
    for (size_t k = 0; k < n; k++) {
        if (bs[k]->sticky != BL_OK)
            return bs[k]->sticky;
        docs += bs[k]->docs;
    }
    if (docs == 0)
        return BL_OK;
    memset(&job, 0, sizeof job);
    job.n = n;
    job.ws = malloc(sizeof *job.ws * n);
    if (job.ws == NULL)
        return BL_ENOMEM;
    for (size_t k = 0; k < n; k++)
        job.ws[k] = bs[k]->store;
    bl_termdict_writer_init(&tw);
    /* The store takes most of a flush (on Reuters in one segment, 150 ms
    ** of 240): it starts first, on the other core. */
    threaded = pthread_create(&th, NULL, store_main, &job) == 0;
    rc = set_init(&set, bs, n);
    if (rc == BL_OK)
        rc = write_terms(&set, &tw, &post, &pos, &postings, &positions);
    if (rc == BL_OK)
        rc = bl_lengths_write(&lengths, (const uint32_t *const *)set.len,
                              set.docs);
    if (rc == BL_OK)
        rc = bl_columns_write(&columns, set.dates, set.docs, set.names,
                              set.n_names, set.ords, set_ids(&set));
    if (threaded)
        pthread_join(th, NULL);
    else
        store_main(&job);
    if (rc == BL_OK)
        rc = job.rc;
    if (rc == BL_OK) {
        bl_segment_parts parts;

        memset(&parts, 0, sizeof parts);
        parts.docs = set.docs;
        parts.n_term_blocks = tw.n_blocks;
        parts.n_terms = tw.n_terms;
        parts.n_postings = postings;
        parts.n_positions = positions;
        parts.field_total[0] = set.field_total[0];
        parts.field_total[1] = set.field_total[1];
        parts.raw_bytes = job.out.raw;
        parts.n_store_blocks = job.out.blocks;
        parts.n_sources = set.n_names;
        parts.sec[BL_SEC_META] = &meta;
        parts.sec[BL_SEC_TERMS] = &tw.terms;
        parts.sec[BL_SEC_TERMIDX] = &tw.index;
        parts.sec[BL_SEC_POSTINGS] = &post;
        parts.sec[BL_SEC_POSITIONS] = &pos;
        parts.sec[BL_SEC_LENGTHS] = &lengths;
        parts.sec[BL_SEC_COLUMNS] = &columns;
        parts.store = job.out.store;
        parts.n_store = job.out.n_store;
        parts.sec[BL_SEC_STOREIDX] = &job.out.index;
        parts.sec[BL_SEC_STOREDICT] = &job.out.dict;
        rc = bl_segment_write(path, &parts, &bytes);
    }
    if (rc == BL_OK) {
        info->docs = set.docs;
        info->field_total[0] = set.field_total[0];
        info->field_total[1] = set.field_total[1];
        info->bytes = bytes;
        for (size_t k = 0; k < n; k++)
            builder_reset(bs[k]);
    }
    set_free(&set);
    bl_termdict_writer_free(&tw);
    bl_buf_free(&post);
    bl_buf_free(&pos);
    bl_buf_free(&lengths);
    bl_buf_free(&columns);
    bl_store_out_free(&job.out);
    free(job.ws);
    return rc;
}
