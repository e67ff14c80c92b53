/* storeread.c - the document store's reader (format.h: STORE, STOREIDX,
** STOREDICT; docstore.c writes them). bl_store_load checks STOREIDX and
** STOREDICT's table as a segment opens; the dictionaries are digested on
** first use and kept for the segment (bl_ddicts). An article is fetched
** through a per-thread bl_store_ctx: its block is checked (XXH3),
** decompressed (the first frame alone when the bodies are not wanted) and
** parsed once into where its articles' strings lie, then kept, in the
** context or in an index's shared block cache (blockcache.h), for the
** fetches that follow. bl_store_verify decodes every block for `byline
** check`.
**
** Invariant: a reader checks a block's XXH3 before decompressing it and
** bounds-checks every string while parsing it: bad bytes give BL_ECORRUPT,
** never a crash, and nothing is allocated for a count the bytes cannot
** hold (docs_fit).
*/
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
/* ZSTD_createDDict_advanced (exported by the shared libzstd too). */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "base/hash.h"
#include "base/varint.h"
#include "segment/bitpack.h"
#include "segment/segfile.h"

/* ---- entries and dictionaries ------------------------------------------ */

bl_store_entry bl_store_entry_at(const bl_segment *seg, uint32_t b)
{
    const uint8_t *e = seg->sec[BL_SEC_STOREIDX].p +
                       (size_t)b * BL_STOREIDX_BYTES;
    bl_store_entry s;

    s.off = bl_load_u64le(e);
    s.comp = bl_load_u32le(e + 8);
    s.raw = bl_load_u32le(e + 12);
    s.first = bl_load_u32le(e + 16);
    s.docs = bl_load_u32le(e + 20);
    s.sum = bl_load_u64le(e + 24);
    s.dict = bl_load_u32le(e + 32);
    s.zero = bl_load_u32le(e + 36);
    return s;
}

void bl_store_dict_at(const bl_segment *seg, uint32_t k, const uint8_t **p,
                      uint32_t *len)
{
    const uint8_t *t = seg->sec[BL_SEC_STOREDICT].p;
    uint64_t off = 4 + 4 * (uint64_t)seg->n_dicts;

    for (uint32_t i = 0; i < k; i++)
        off += bl_load_u32le(t + 4 + 4 * (uint64_t)i);
    *p = t + off;
    *len = bl_load_u32le(t + 4 + 4 * (uint64_t)k);
}

/* ---- contexts ---------------------------------------------------------- */

struct bl_store_ctx {
    ZSTD_DCtx *dctx;
    bl_block_cache *cache;     /* blocks shared with other contexts, or
                                  NULL (bl_store_ctx_use_cache) */
    const bl_segment *seg;     /* segment of the cached block */
    uint64_t uid;              /* and its uid, in case seg was reused */
    uint32_t block;            /* cached block */
    bool valid;
    bool full;                 /* bodies decoded too, not only the head */
    bl_buf id;                 /* the id of the document fetched */
    size_t raw;                /* the whole block's raw bytes */
    size_t head;               /* of which the first frame's */
    uint8_t *buf;              /* the block's raw bytes */
    size_t cap, len;
    struct block_map *map;     /* and where its articles lie, when mapped */
    uint32_t map_cap;          /* articles map has room for */
    bool mapped;
};

int bl_store_ctx_new(bl_store_ctx **out)
{
    bl_store_ctx *ctx = calloc(1, sizeof *ctx);

    *out = NULL;
    if (ctx == NULL)
        return BL_ENOMEM;
    ctx->dctx = ZSTD_createDCtx();
    if (ctx->dctx == NULL) {
        free(ctx);
        return BL_ENOMEM;
    }
    *out = ctx;
    return BL_OK;
}

void bl_store_ctx_use_cache(bl_store_ctx *ctx, bl_block_cache *cache)
{
    ctx->cache = cache;
    ctx->valid = false;
}

void bl_store_ctx_free(bl_store_ctx *ctx)
{
    if (ctx == NULL)
        return;
    ZSTD_freeDCtx(ctx->dctx);
    bl_buf_free(&ctx->id);
    free(ctx->buf);
    free(ctx->map);
    free(ctx);
}

/* Digest dictionary k of STOREDICT: exactly one zstd frame, with its size
** and checksum, that holds a dictionary; the DDict keeps its own copy. */
static int load_dict(const bl_segment *seg, uint32_t k, ZSTD_DDict **ddict)
{
    const uint8_t *p;
    uint32_t len;
    unsigned long long size;
    uint8_t *raw;
    size_t got;

    bl_store_dict_at(seg, k, &p, &len);
    size = ZSTD_getFrameContentSize(p, len);
    if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR ||
        size == 0 || size > BL_STORE_MAX_DICT_RAW ||
        ZSTD_findFrameCompressedSize(p, len) != len)
        return BL_ECORRUPT;
    raw = malloc((size_t)size);
    if (raw == NULL)
        return BL_ENOMEM;
    got = ZSTD_decompress(raw, (size_t)size, p, len);
    *ddict = ZSTD_isError(got) || got != size
                 ? NULL
                 : ZSTD_createDDict_advanced(raw, got, ZSTD_dlm_byCopy,
                                             ZSTD_dct_auto,
                                             ZSTD_defaultCMem);
    free(raw);
    return *ddict != NULL ? BL_OK : BL_ECORRUPT;
}

/* A segment's dictionaries, each decompressed and digested when a block
** first needs it (a merged segment of a large archive carries dozens, and
** a search touches a few): a slot is published with release order, under
** the mutex so that two threads never digest the same one. */
struct bl_ddicts {
    pthread_mutex_t mu;
    _Atomic(ZSTD_DDict *) d[]; /* n_dicts slots, NULL until digested */
};

/* The STOREDICT table: a count, lengths that fill the section exactly. */
static int load_dict_table(bl_segment *seg)
{
    const bl_section *sec = &seg->sec[BL_SEC_STOREDICT];
    uint64_t n, total = 0;

    seg->n_dicts = 0;
    if (sec->len == 0)
        return BL_OK;
    if (sec->len < 4)
        return BL_ECORRUPT;
    n = bl_load_u32le(sec->p);
    if (n == 0 || n >= BL_NO_DICT || 4 + 4 * n > sec->len)
        return BL_ECORRUPT;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t len = bl_load_u32le(sec->p + 4 + 4 * i);

        if (len == 0)
            return BL_ECORRUPT;
        total += len;
    }
    if (total != sec->len - 4 - 4 * n)
        return BL_ECORRUPT;
    seg->ddicts = malloc(sizeof *seg->ddicts + n * sizeof seg->ddicts->d[0]);
    if (seg->ddicts == NULL)
        return BL_ENOMEM;
    pthread_mutex_init(&seg->ddicts->mu, NULL);
    for (uint64_t k = 0; k < n; k++)
        atomic_init(&seg->ddicts->d[k], NULL);
    seg->n_dicts = (uint32_t)n;
    return BL_OK;
}

/* Dictionary k of seg, digested (k < n_dicts). */
static int get_ddict(const bl_segment *seg, uint32_t k, ZSTD_DDict **out)
{
    struct bl_ddicts *t = seg->ddicts;
    int rc = BL_OK;

    *out = atomic_load_explicit(&t->d[k], memory_order_acquire);
    if (*out != NULL)
        return BL_OK;
    pthread_mutex_lock(&t->mu);
    *out = atomic_load_explicit(&t->d[k], memory_order_relaxed);
    if (*out == NULL) {
        rc = load_dict(seg, k, out);
        if (rc == BL_OK)
            atomic_store_explicit(&t->d[k], *out, memory_order_release);
    }
    pthread_mutex_unlock(&t->mu);
    return rc;
}

int bl_store_block_info(const bl_segment *seg, uint32_t b,
                        bl_store_block *out)
{
    bl_store_entry e;

    if (b >= seg->n_store_blocks)
        return BL_EINVAL;
    e = bl_store_entry_at(seg, b);
    out->first = e.first;
    out->docs = e.docs;
    out->raw = e.raw;
    out->comp = e.comp;
    out->has_dict = e.dict != BL_NO_DICT;
    return BL_OK;
}

/* Check STOREIDX and STOREDICT's table (the dictionaries are digested on
** first use); nothing is left held on failure. */
int bl_store_load(bl_segment *seg)
{
    const bl_section *ix = &seg->sec[BL_SEC_STOREIDX];
    uint64_t next_off = 0;
    uint32_t next_doc = 0;
    int rc = BL_OK;

    uint64_t entries = (uint64_t)seg->n_store_blocks * BL_STOREIDX_BYTES;

    seg->pos_w = 0;
    seg->pos_p = NULL;
    if (ix->len < entries)
        return BL_ECORRUPT;
    if (ix->len > entries) {
        const uint8_t *t = ix->p + entries;
        uint8_t zero[BL_STOREPOS_HEAD - 1] = {0};

        /* The tail: a width that can number every document, and exactly
        ** its run (whether it is a permutation is bl_store_verify's). */
        if (ix->len - entries < BL_STOREPOS_HEAD || t[0] == 0 || t[0] > 32 ||
            memcmp(t + 1, zero, sizeof zero) != 0 ||
            ((uint64_t)1 << t[0]) < seg->docs ||
            ix->len - entries - BL_STOREPOS_HEAD !=
                bl_bitpack_bytes(seg->docs, t[0]))
            return BL_ECORRUPT;
        seg->pos_w = t[0];
        seg->pos_p = t + BL_STOREPOS_HEAD;
    }
    for (uint32_t b = 0; b < seg->n_store_blocks && rc == BL_OK; b++) {
        bl_store_entry e = bl_store_entry_at(seg, b);

        if (e.off != next_off || e.first != next_doc || e.docs == 0 ||
            e.comp > seg->sec[BL_SEC_STORE].len - e.off ||
            e.docs > seg->docs - e.first || e.zero != 0)
            rc = BL_ECORRUPT;
        next_off = e.off + e.comp;
        next_doc = e.first + e.docs;
    }
    if (rc == BL_OK && (next_doc != seg->docs ||
                        next_off != seg->sec[BL_SEC_STORE].len))
        rc = BL_ECORRUPT;
    if (rc == BL_OK)
        rc = load_dict_table(seg);
    for (uint32_t b = 0; b < seg->n_store_blocks && rc == BL_OK; b++) {
        uint32_t dict = bl_store_entry_at(seg, b).dict;

        if (dict != BL_NO_DICT && dict >= seg->n_dicts)
            rc = BL_ECORRUPT;
    }
    if (rc != BL_OK)
        bl_store_unload(seg);
    return rc;
}

void bl_store_unload(bl_segment *seg)
{
    if (seg->ddicts != NULL) {
        for (uint32_t k = 0; k < seg->n_dicts; k++)
            ZSTD_freeDDict(atomic_load(&seg->ddicts->d[k]));
        pthread_mutex_destroy(&seg->ddicts->mu);
    }
    free(seg->ddicts);
    seg->ddicts = NULL;
    seg->n_dicts = 0;
}

/* Decompress one frame of exactly comp bytes into dst (raw bytes), with
** dictionary dict (BL_NO_DICT: none). */
static int decode_frame(const bl_segment *seg, uint32_t dict,
                        bl_store_ctx *ctx, const uint8_t *src, size_t comp,
                        uint8_t *dst, size_t raw)
{
    size_t got;

    if (dict != BL_NO_DICT) {
        ZSTD_DDict *dd;
        int rc = get_ddict(seg, dict, &dd);

        if (rc != BL_OK)
            return rc;
        got = ZSTD_decompress_usingDDict(ctx->dctx, dst, raw, src, comp, dd);
    } else {
        got = ZSTD_decompressDCtx(ctx->dctx, dst, raw, src, comp);
    }
    return ZSTD_isError(got) || got != raw ? BL_ECORRUPT : BL_OK;
}

/* Block e's bytes in STORE and its two frames: the first (everything but
** the bodies) and the bodies. */
typedef struct block_frames {
    const uint8_t *src;
    size_t c1, c2;             /* compressed bytes of each frame */
    size_t head, body;         /* their raw bytes */
} block_frames;

/* Verify block e's checksum and find its two frames. */
static int frames_of(const bl_segment *seg, const bl_store_entry *e,
                     block_frames *f)
{
    unsigned long long head, body;

    f->src = seg->sec[BL_SEC_STORE].p + e->off;
    if (bl_checksum(f->src, e->comp) != e->sum)
        return BL_ECORRUPT;
    f->c1 = ZSTD_findFrameCompressedSize(f->src, e->comp);
    if (ZSTD_isError(f->c1) || f->c1 >= e->comp)
        return BL_ECORRUPT;
    f->c2 = ZSTD_findFrameCompressedSize(f->src + f->c1, e->comp - f->c1);
    if (ZSTD_isError(f->c2) || f->c2 != e->comp - f->c1)
        return BL_ECORRUPT;
    head = ZSTD_getFrameContentSize(f->src, f->c1);
    body = ZSTD_getFrameContentSize(f->src + f->c1, f->c2);
    if (head > e->raw || body > e->raw || head + body != e->raw ||
        e->raw > BL_STORE_MAX_BLOCK_RAW)
        return BL_ECORRUPT;
    f->head = (size_t)head;
    f->body = (size_t)body;
    return BL_OK;
}

/* Decompress f's first frame into dst, and its bodies after it unless
** head_only. */
static int decode_frames(const bl_segment *seg, const bl_store_entry *e,
                         const block_frames *f, bl_store_ctx *ctx,
                         uint8_t *dst, bool head_only)
{
    int rc = decode_frame(seg, e->dict, ctx, f->src, f->c1, dst, f->head);

    if (rc == BL_OK && !head_only)
        rc = decode_frame(seg, e->dict, ctx, f->src + f->c1, f->c2,
                          dst + f->head, f->body);
    return rc;
}

/* Decompress block b into ctx->buf, unless it is there already: with
** head_only, only its first frame (everything but the bodies). */
static int load_block(const bl_segment *seg, uint32_t b, bl_store_ctx *ctx,
                      bool head_only)
{
    bl_store_entry e = bl_store_entry_at(seg, b);
    block_frames f;
    int rc;

    if (ctx->valid && ctx->seg == seg && ctx->uid == seg->uid &&
        ctx->block == b && (ctx->full || head_only))
        return BL_OK;
    ctx->valid = false;
    ctx->mapped = false;
    if ((rc = frames_of(seg, &e, &f)) != BL_OK)
        return rc;
    if (ctx->cap < e.raw || ctx->buf == NULL) {
        uint8_t *p = realloc(ctx->buf, e.raw ? e.raw : 1);

        if (p == NULL)
            return BL_ENOMEM;
        ctx->buf = p;
        ctx->cap = e.raw ? e.raw : 1;
    }
    if ((rc = decode_frames(seg, &e, &f, ctx, ctx->buf, head_only)) != BL_OK)
        return rc;
    ctx->len = head_only ? f.head : e.raw;
    ctx->raw = e.raw;
    ctx->head = f.head;
    ctx->full = !head_only;
    ctx->seg = seg;
    ctx->uid = seg->uid;
    ctx->block = b;
    ctx->valid = true;
    return BL_OK;
}

/* Where each article's strings lie in a block's raw bytes. A block is
** parsed once, as it is loaded (which checks all of it), and a fetch then
** copies its article out without walking the strings of the articles
** before it in every column: that walk, memchr over up to 32 KiB for each
** hit, made a search with stored fields three times slower once its
** blocks were cached (Reuters, OR median 0.040 against 0.014 ms). */
typedef struct doc_span {
    uint32_t off[BL_STORE_COLS];  /* title, source, url, lang, body */
    uint32_t len[BL_STORE_COLS];
    uint32_t ex_off, ex_len;   /* its extras' strings, NULs included */
    uint32_t n_extra;
} doc_span;

typedef struct block_map {
    uint32_t docs;
    doc_span span[];
} block_map;

static size_t map_bytes(uint32_t docs)
{
    return sizeof(block_map) + (size_t)docs * sizeof(doc_span);
}

/* Whether a block of raw bytes can hold docs articles (each takes a count
** byte and a NUL per column at least): checked before a map's memory is
** taken, lest a corrupt count ask for gigabytes. */
static bool docs_fit(uint32_t docs, uint64_t raw)
{
    return (uint64_t)docs * (BL_STORE_COLS + 1) <= raw;
}

/* The next NUL-terminated string from *q (before end): at offset *off of
** buf, *len bytes without its NUL. */
static int next_string(const uint8_t *buf, const uint8_t **q,
                       const uint8_t *end, uint32_t *off, uint32_t *len)
{
    const uint8_t *z = memchr(*q, 0, (size_t)(end - *q));

    if (z == NULL)
        return BL_ECORRUPT;
    *off = (uint32_t)(*q - buf);
    *len = (uint32_t)(z - *q);
    *q = z + 1;
    return BL_OK;
}

/* Parse the block in buf into map (room for n_docs spans). buf holds len
** of the block's full raw bytes (at most BL_STORE_MAX_BLOCK_RAW): all of
** them, or only the head, whose bodies are then empty. Every string must
** end inside the bytes, and the columns must fill them exactly. */
static int map_block(const uint8_t *buf, size_t len, size_t full,
                     uint32_t n_docs, block_map *map)
{
    const uint8_t *q = buf, *end = buf + len;
    uint64_t n, ex_total = 0;
    uint32_t skip;

    if (bl_varint_get(&q, end, &n) != BL_OK || n != n_docs || len > full ||
        full > BL_STORE_MAX_BLOCK_RAW)
        return BL_ECORRUPT;
    map->docs = n_docs;
    for (uint32_t d = 0; d < n_docs; d++) {
        uint64_t cnt;

        if (bl_varint_get(&q, end, &cnt) != BL_OK || cnt > len)
            return BL_ECORRUPT;
        map->span[d].n_extra = (uint32_t)cnt;
        ex_total += cnt;
        if (ex_total > len)
            return BL_ECORRUPT;
    }
    for (int c = 0; c < BL_STORE_COLS - 1; c++)
        for (uint32_t d = 0; d < n_docs; d++)
            if (next_string(buf, &q, end, &map->span[d].off[c],
                            &map->span[d].len[c]) != BL_OK)
                return BL_ECORRUPT;
    for (uint32_t d = 0; d < n_docs; d++) {
        doc_span *sp = &map->span[d];

        sp->ex_off = (uint32_t)(q - buf);
        for (uint64_t i = 0; i < 2 * (uint64_t)sp->n_extra; i++)
            if (next_string(buf, &q, end, &skip, &skip) != BL_OK)
                return BL_ECORRUPT;
        sp->ex_len = (uint32_t)(q - buf) - sp->ex_off;
    }
    for (uint32_t d = 0; d < n_docs; d++) {
        doc_span *sp = &map->span[d];

        sp->off[BL_STORE_COLS - 1] = 0;
        sp->len[BL_STORE_COLS - 1] = 0;
        if (len == full &&
            next_string(buf, &q, end, &sp->off[BL_STORE_COLS - 1],
                        &sp->len[BL_STORE_COLS - 1]) != BL_OK)
            return BL_ECORRUPT;
    }
    return q == end ? BL_OK : BL_ECORRUPT;
}

/* Article k of the block in buf, mapped by map, with its id and date;
** without its body (""), when head_only. */
static int doc_of(const uint8_t *buf, const block_map *map, uint32_t k,
                  bool head_only, const bl_buf *id, int64_t date,
                  bl_doc **out)
{
    const doc_span *sp;
    size_t size, len[BL_STORE_COLS];
    bl_doc *doc;
    bl_field *extra;
    char *at;

    if (k >= map->docs)
        return BL_ECORRUPT;
    sp = &map->span[k];
    size = sizeof(bl_doc) + sp->n_extra * sizeof(bl_field) + sp->ex_len +
           id->len + 1;
    for (int c = 0; c < BL_STORE_COLS; c++) {
        len[c] = c == BL_STORE_COLS - 1 && head_only ? 0 : sp->len[c];
        size += len[c] + 1;
    }
    if ((doc = malloc(size)) == NULL)
        return BL_ENOMEM;
    extra = (bl_field *)(doc + 1);
    at = (char *)(extra + sp->n_extra);
    memcpy(at, id->p, id->len);
    at[id->len] = '\0';
    doc->id = at;
    at += id->len + 1;
    {
        const char **dst[BL_STORE_COLS] = {&doc->title, &doc->source,
                                           &doc->url, &doc->lang,
                                           &doc->body};

        for (int c = 0; c < BL_STORE_COLS; c++) {
            memcpy(at, buf + sp->off[c], len[c]);
            at[len[c]] = '\0';
            *dst[c] = at;
            at += len[c] + 1;
        }
    }
    /* The extras' strings as they are, NULs included. */
    memcpy(at, buf + sp->ex_off, sp->ex_len);
    for (uint32_t i = 0; i < sp->n_extra; i++) {
        extra[i].name = at;
        at += strlen(at) + 1;
        extra[i].value = at;
        at += strlen(at) + 1;
    }
    doc->extra = sp->n_extra ? extra : NULL;
    doc->n_extra = sp->n_extra;
    doc->date = date;
    *out = doc;
    return BL_OK;
}

/* Map ctx's block (docs articles), unless it is mapped already. */
static int map_ctx(bl_store_ctx *ctx, uint32_t docs)
{
    int rc;

    if (ctx->mapped)
        return BL_OK;
    if (!docs_fit(docs, ctx->raw))
        return BL_ECORRUPT;
    if (ctx->map == NULL || ctx->map_cap < docs) {
        block_map *m = realloc(ctx->map, map_bytes(docs));

        if (m == NULL)
            return BL_ENOMEM;
        ctx->map = m;
        ctx->map_cap = docs;
    }
    rc = map_block(ctx->buf, ctx->len, ctx->raw, docs, ctx->map);
    ctx->mapped = rc == BL_OK;
    return rc;
}

/* A cached block's bytes are followed by its map, 8-byte aligned. */
static size_t map_at(size_t len)
{
    return (len + 7) & ~(size_t)7;
}

/* Block b (entry e) from ctx's shared cache, decompressed and mapped into
** it first when it is not there (with head_only, its first frame will
** do); held: release it into ctx->cache. A block that does not verify or
** parse is never cached. */
static int load_cached(const bl_segment *seg, uint32_t b,
                       const bl_store_entry *e, bl_store_ctx *ctx,
                       bool head_only, const bl_cached_block **out)
{
    block_frames f;
    uint8_t *buf;
    size_t len, size;
    int rc;

    *out = bl_block_cache_get(ctx->cache, seg->uid, b, !head_only);
    if (*out != NULL)
        return BL_OK;
    if ((rc = frames_of(seg, e, &f)) != BL_OK)
        return rc;
    if (!docs_fit(e->docs, e->raw))
        return BL_ECORRUPT;
    len = head_only ? f.head : e->raw;
    size = map_at(len) + map_bytes(e->docs);
    if ((buf = malloc(size)) == NULL)
        return BL_ENOMEM;
    rc = decode_frames(seg, e, &f, ctx, buf, head_only);
    if (rc == BL_OK)
        rc = map_block(buf, len, e->raw, e->docs,
                       (block_map *)(void *)(buf + map_at(len)));
    if (rc != BL_OK) {
        free(buf);
        return rc;
    }
    *out = bl_block_cache_put(ctx->cache, seg->uid, b, buf, size, len,
                              f.head, !head_only);
    return *out != NULL ? BL_OK : BL_ENOMEM;
}

static int find_block(const bl_segment *seg, uint32_t doc, uint32_t *out)
{
    uint32_t lo = 0, hi = seg->n_store_blocks;

    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;

        if (bl_store_entry_at(seg, mid).first <= doc)
            lo = mid;
        else
            hi = mid;
    }
    *out = lo;
    return hi > lo ? BL_OK : BL_ECORRUPT;
}

/* Where doc is in the store's order (format.h, STOREIDX). */
static uint32_t store_pos(const bl_segment *seg, uint32_t doc)
{
    const bl_section *ix = &seg->sec[BL_SEC_STOREIDX];

    return seg->pos_w == 0 ? doc
                           : (uint32_t)bl_bitpack_get_in(seg->pos_p,
                                                         ix->p + ix->len,
                                                         doc, seg->pos_w);
}

int bl_store_order(const bl_segment *seg, uint32_t *doc_at)
{
    for (uint32_t p = 0; p < seg->docs; p++)
        doc_at[p] = BL_DOC_END;
    for (uint32_t d = 0; d < seg->docs; d++) {
        uint32_t p = store_pos(seg, d);

        if (p >= seg->docs || doc_at[p] != BL_DOC_END)
            return BL_ECORRUPT;
        doc_at[p] = d;
    }
    return BL_OK;
}

static int fetch(const bl_segment *seg, uint32_t doc, bl_store_ctx *ctx,
                 bool head_only, bl_doc **out)
{
    const bl_cached_block *cb = NULL;
    const uint8_t *data = NULL;
    const block_map *map = NULL;
    bl_store_entry e;
    uint32_t b, pos;
    int rc;

    *out = NULL;
    if (doc >= seg->docs)
        return BL_ENOTFOUND;
    pos = store_pos(seg, doc);
    rc = find_block(seg, pos, &b);
    if (rc != BL_OK)
        return rc;
    e = bl_store_entry_at(seg, b);
    if (pos < e.first || pos - e.first >= e.docs)
        return BL_ECORRUPT;
    /* The block's raw bytes and their map, from the shared cache or ctx's
    ** own buffer. */
    if (ctx->cache != NULL && bl_block_cache_budget(ctx->cache) > 0) {
        rc = load_cached(seg, b, &e, ctx, head_only, &cb);
        if (rc == BL_OK) {
            data = cb->data;
            map = (const block_map *)(const void *)(data + map_at(cb->len));
        }
    } else {
        rc = load_block(seg, b, ctx, head_only);
        if (rc == BL_OK)
            rc = map_ctx(ctx, e.docs);
        data = ctx->buf;
        map = ctx->map;
    }
    if (rc == BL_OK)
        rc = bl_segment_id(seg, doc, &ctx->id);
    if (rc == BL_OK)
        rc = doc_of(data, map, pos - e.first, head_only, &ctx->id,
                    bl_segment_date(seg, doc), out);
    bl_block_cache_release(ctx->cache, cb);
    return rc;
}

int bl_segment_doc(const bl_segment *seg, uint32_t doc, bl_store_ctx *ctx,
                   bl_doc **out)
{
    return fetch(seg, doc, ctx, false, out);
}

int bl_segment_doc_head(const bl_segment *seg, uint32_t doc,
                        bl_store_ctx *ctx, bl_doc **out)
{
    return fetch(seg, doc, ctx, true, out);
}

int bl_store_verify(const bl_segment *seg, char *msg, size_t cap)
{
    bl_store_ctx *ctx;
    int rc = BL_OK;

    for (uint32_t k = 0; k < seg->n_dicts && rc == BL_OK; k++) {
        ZSTD_DDict *dd;

        rc = get_ddict(seg, k, &dd);
        if (rc == BL_ECORRUPT)
            rc = bl_seg_fail(msg, cap, "store: dictionary %u does not "
                             "decode or fails its checksum", k);
    }
    if (rc != BL_OK)
        return rc;
    if (seg->pos_w != 0) {
        uint32_t *doc_at = malloc(sizeof *doc_at * (seg->docs + 1));

        if (doc_at == NULL)
            return BL_ENOMEM;
        rc = bl_store_order(seg, doc_at);
        free(doc_at);
        if (rc != BL_OK)
            return bl_seg_fail(msg, cap, "store: the article positions "
                               "are not one place per article");
    }
    if (bl_store_ctx_new(&ctx) != BL_OK)
        return BL_ENOMEM;
    for (uint32_t b = 0; b < seg->n_store_blocks && rc == BL_OK; b++) {
        bl_store_entry e = bl_store_entry_at(seg, b);

        rc = load_block(seg, b, ctx, false);
        if (rc == BL_ECORRUPT)
            rc = bl_seg_fail(msg, cap, "store: block %u does not decode "
                             "or fails its checksum", b);
        else if (rc == BL_OK && (rc = map_ctx(ctx, e.docs)) == BL_ECORRUPT)
            rc = bl_seg_fail(msg, cap, "store: block %u does not parse",
                             b);
    }
    bl_store_ctx_free(ctx);
    return rc;
}
