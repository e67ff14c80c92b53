/* docstore.c - the document store (format.h, STORE, STOREIDX, STOREDICT):
** the builder appends articles as they are added; at flush they are sorted
** by how they begin (the store's order, below), laid out column by column
** in blocks of about block_bytes, a zstd dictionary is trained on the
** segment's own articles, and every block is compressed with it (a large
** store on every core, compress_pool). A merge streams its articles
** instead (bl_store_stream), in its sources' store order: it copies
** its sources' blocks as they are, compressed, with their dictionaries,
** when every article in them is live; the others' live articles are cut
** into new blocks, each compressed as soon as it fills, with a dictionary
** trained beforehand on a sample of them. STOREIDX ends with each
** document's place in that order. storeread.c reads the store.
**
** Invariant: an article comes back byte for byte as it was added (every
** string and extra field; the id and the date come from COLUMNS): what a
** block's layout (layout_block) puts, storeread.c's parser takes.
*/
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* ZDICT_trainFromBuffer_fastCover (exported by the shared libzstd). */
#define ZDICT_STATIC_LINKING_ONLY
#include <zdict.h>
/* ZSTD_createCDict_advanced2, ZSTD_createCCtx_advanced,
** ZSTD_c_forceAttachDict (exported by the shared libzstd too). */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "base/arena.h"
#include "base/hash.h"
#include "base/mem.h"
#include "base/varint.h"
#include "segment/bitpack.h"
#include "segment/segfile.h"

#define DICT_LEVEL 7           /* zstd level of the dictionaries themselves */
#define DICT_HASH_LOG 18       /* and its tables (table_add_raw) */
#define DICT_CHAIN_LOG 17

/* ---- writer ------------------------------------------------------------ */

typedef struct store_rec {
    uint8_t *p;                /* the doc's bytes, in the arena */
    uint32_t len[BL_STORE_COLS];      /* string lengths, in column order */
    uint32_t n_extra;          /* extra fields */
    uint64_t extra_at;         /* first of 2 * n_extra lengths in elens */
    uint64_t extra_bytes;      /* their total */
} store_rec;

struct bl_store_writer {
    bl_arena bytes;            /* per doc: title source url lang extras
                                  body, concatenated (no doubling buffer:
                                  the raw text is the builder's biggest
                                  part) */
    uint64_t total;            /* bytes of every doc */
    bl_buf recs;               /* store_rec per doc */
    bl_buf elens;              /* u32 name/value lengths of extras */
    uint32_t docs;
    uint32_t *order;           /* store position -> doc while finishing;
                                  NULL: the documents' own order */
};

void bl_store_opts_default(bl_store_opts *o)
{
    /* Every search hit and every snippet decompresses the whole block that
    ** holds its article, so the block size sets the cost of a result page:
    ** about 0.7 ms a hit for 768 KiB blocks, 0.16 ms for 128 KiB and
    ** 0.03 ms for 32 KiB. Small blocks compress worse, which a larger
    ** dictionary mostly wins back. Measured on Reuters-21578 with
    ** bench_segment --store (store + index + dictionary over the raw
    ** stored bytes; MB/s of raw bytes per CPU second, training included):
    **   32 KiB blocks:  level 6, 110 KiB dict 0.363 at 32 (the default);
    **                   level 9, 110 KiB dict 0.355 at 21;
    **                   level 6, 64 KiB dict 0.374 at 43;
    **   16 KiB blocks:  level 6, 110 KiB dict 0.376 at 26;
    **   64 KiB blocks:  level 6, 110 KiB dict 0.355 at 42;
    **   128 KiB blocks: level 9, 64 KiB dict 0.345 at 28;
    **   768 KiB blocks: level 7, 32 KiB dict 0.320 at 53.
    ** The store misses 0.33 of the raw text by a few hundredths so that a
    ** page of ten hits costs a fraction of a millisecond. (Those speeds
    ** loaded the dictionary for every block; digested once into a CDict,
    ** a Reuters flush takes 0.51 s instead of 0.97 s, and levels 5, 7, 9
    ** take 0.45, 0.60, 0.90 s for 0.366, 0.361, 0.356.)
    ** Since the dictionaries are stored compressed (format 5), a larger one
    ** costs less than half its size: level 5 with 192 KiB (77 KiB stored)
    ** takes the instructions of level 6 with 110 KiB to index Reuters
    ** (7.71 G against 7.72 G, callgrind, 2 threads) for a store of 0.353
    ** of the raw text (0.354) and BBC 0.352 (0.354); on generated articles,
    ** whose vocabulary is wider, it matters more: 10^6 of them index in
    ** 356 MB instead of 375 and 10% faster (21.2, 23.2, 25.9 against 19.8,
    ** 20.0, 21.9 MB/s, alternating).
    ** A 256 KiB dictionary with matches of at least 6 bytes is better on
    ** both counts: with the block, the dictionary passes 256 KiB, and
    ** zstd's level 5 then searches larger tables less deeply (hash 19,
    ** chain 18, 3 searches rather than 18, 17, 5), while 6-byte matches
    ** skip short ones that cost more than they save in text. Indexing
    ** Reuters on one thread: 7.20 G instructions -> 6.71 G (callgrind),
    ** store 0.352 -> 0.350 of the raw text; BBC 2.24 G -> 2.06 G, 0.350
    ** -> 0.346; 200,000 generated articles 0.576 -> 0.561 of the text for
    ** the whole index. (Lazy matching at 2 searches: Reuters 0.345 at the
    ** old instructions; 3 searches: 0.341 for 4% more; double-fast: BBC
    ** 24% fewer instructions, 0.362.)
    ** Since a commit writes one segment whatever the threads, 288 KiB,
    ** stored at level 7 rather than 256 KiB at level 9, make a store 9 KB
    ** smaller on BBC (0.3297 -> 0.328 of the raw text) for 1.3% fewer
    ** instructions, 17 KB on Reuters for 0.3% more (2 threads, callgrind;
    ** 320 KiB: BBC 0.327, 10% more CPU time, its sample then grows). */
    o->level = 5;
    o->min_match = 6;
    o->block_bytes = 32 * 1024;
    o->dict_bytes = 288 * 1024;
    o->threads = 0;
}

int bl_store_writer_new(bl_store_writer **out)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return BL_ENOMEM;
    bl_arena_init(&(*out)->bytes, BL_BIG_MIN); /* huge pages: mem.h */
    return BL_OK;
}

void bl_store_writer_free(bl_store_writer *w)
{
    if (w == NULL)
        return;
    bl_arena_free(&w->bytes);
    bl_buf_free(&w->recs);
    bl_buf_free(&w->elens);
    free(w->order);
    free(w);
}

static const char *str_or_empty(const char *s)
{
    return s != NULL ? s : "";
}

int bl_store_add(bl_store_writer *w, const bl_doc *doc)
{
    const char *col[BL_STORE_COLS] = {doc->title, doc->source, doc->url,
                               doc->lang, doc->body};
    store_rec r;
    uint64_t size = 0;
    uint8_t *at;

    memset(&r, 0, sizeof r);
    r.n_extra = (uint32_t)doc->n_extra;
    r.extra_at = w->elens.len / 4;
    if (doc->n_extra > UINT32_MAX / 4)
        return BL_ELIMIT;
    for (int c = 0; c < BL_STORE_COLS; c++) {
        size_t n = strlen(str_or_empty(col[c]));

        if (n > UINT32_MAX)
            return BL_ELIMIT;
        r.len[c] = (uint32_t)n;
        size += n;
    }
    for (size_t i = 0; i < doc->n_extra; i++) {
        size_t nl = strlen(str_or_empty(doc->extra[i].name));
        size_t vl = strlen(str_or_empty(doc->extra[i].value));

        if (nl > UINT32_MAX || vl > UINT32_MAX)
            return BL_ELIMIT;
        bl_buf_put_u32le(&w->elens, (uint32_t)nl);
        bl_buf_put_u32le(&w->elens, (uint32_t)vl);
        r.extra_bytes += nl + vl;
    }
    size += r.extra_bytes;
    r.p = at = bl_arena_alloc(&w->bytes, (size_t)size);
    if (at == NULL)
        return BL_ENOMEM;
    for (int c = 0; c < BL_STORE_COLS - 1; c++) {
        memcpy(at, str_or_empty(col[c]), r.len[c]);
        at += r.len[c];
    }
    for (size_t i = 0; i < doc->n_extra; i++) {
        const char *name = str_or_empty(doc->extra[i].name);
        const char *value = str_or_empty(doc->extra[i].value);
        size_t nl = strlen(name), vl = strlen(value);

        memcpy(at, name, nl);
        memcpy(at + nl, value, vl);
        at += nl + vl;
    }
    memcpy(at, str_or_empty(doc->body), r.len[BL_STORE_COLS - 1]);
    bl_buf_append(&w->recs, &r, sizeof r);
    if (w->recs.rc != BL_OK || w->elens.rc != BL_OK)
        return BL_ENOMEM;
    w->total += size;
    w->docs++;
    return BL_OK;
}

uint32_t bl_store_docs(const bl_store_writer *w)
{
    return w->docs;
}

size_t bl_store_ram(const bl_store_writer *w)
{
    /* Half a chunk: the expected unused tail of the current chunk. */
    return sizeof *w + w->bytes.used + BL_BIG_MIN / 2 + w->recs.cap +
           w->elens.cap;
}

static const store_rec *rec_at(const bl_store_writer *w, uint32_t d)
{
    return (const store_rec *)(const void *)w->recs.p + d;
}

/* The document at store position p. */
static const store_rec *rec_pos(const bl_store_writer *w, uint32_t p)
{
    return rec_at(w, w->order != NULL ? w->order[p] : p);
}

static uint64_t rec_raw(const store_rec *r)
{
    uint64_t n = r->extra_bytes + 8 * (uint64_t)(BL_STORE_COLS + 1) +
                 10 * (uint64_t)r->n_extra;

    for (int c = 0; c < BL_STORE_COLS; c++)
        n += r->len[c];
    return n;
}

/* Lay the documents at store positions [from, to) out column by column into
** raw (format.h, STORE); *head is where the body column starts. */
static void layout_block(const bl_store_writer *w, uint32_t from, uint32_t to,
                         bl_buf *raw, size_t *head)
{
    bl_buf_reset(raw);
    bl_buf_put_varint(raw, to - from);
    for (uint32_t d = from; d < to; d++)
        bl_buf_put_varint(raw, rec_pos(w, d)->n_extra);
    /* Columns title .. lang, then extras, then body; a doc's bytes hold
    ** title .. lang, extras, body. */
    for (int c = 0; c <= BL_STORE_COLS; c++) {
        if (c == BL_STORE_COLS)
            *head = raw->len;
        for (uint32_t d = from; d < to; d++) {
            const store_rec *r = rec_pos(w, d);
            const uint8_t *p = r->p;

            if (c < BL_STORE_COLS - 1) {
                for (int k = 0; k < c; k++)
                    p += r->len[k];
                bl_buf_append(raw, p, r->len[c]);
                bl_buf_putc(raw, 0);
                continue;
            }
            for (int k = 0; k < BL_STORE_COLS - 1; k++)
                p += r->len[k];
            if (c == BL_STORE_COLS) {
                bl_buf_append(raw, p + r->extra_bytes,
                              r->len[BL_STORE_COLS - 1]);
                bl_buf_putc(raw, 0);
                continue;
            }
            for (uint64_t i = 0; i < 2 * (uint64_t)r->n_extra; i++) {
                uint32_t l = bl_load_u32le(w->elens.p +
                                           4 * (r->extra_at + i));

                bl_buf_append(raw, p, l);
                bl_buf_putc(raw, 0);
                p += l;
            }
        }
    }
}

/* STOREDICT being written: the dictionaries' lengths and bytes. */
typedef struct dict_table {
    bl_buf lens;               /* u32 per dictionary */
    bl_buf bytes;              /* the dictionaries back to back */
    uint32_t n;
} dict_table;

static void table_free(dict_table *t)
{
    bl_buf_free(&t->lens);
    bl_buf_free(&t->bytes);
}

/* Append a dictionary as STOREDICT holds it (a zstd frame); *no is its
** number. */
static int table_add(dict_table *t, const uint8_t *p, size_t len,
                     uint32_t *no)
{
    if (len == 0 || len > UINT32_MAX || t->n == BL_NO_DICT - 1)
        return BL_ELIMIT;
    bl_buf_put_u32le(&t->lens, (uint32_t)len);
    bl_buf_append(&t->bytes, p, len);
    if (t->lens.rc != BL_OK || t->bytes.rc != BL_OK)
        return BL_ENOMEM;
    *no = t->n++;
    return BL_OK;
}

/* The section's bytes (format.h) into the empty out. */
static int table_write(const dict_table *t, bl_buf *out)
{
    if (t->n == 0)
        return BL_OK;
    bl_buf_put_u32le(out, t->n);
    bl_buf_append(out, t->lens.p, t->lens.len);
    bl_buf_append(out, t->bytes.p, t->bytes.len);
    return out->rc;
}

/* The smallest dictionary trained: a segment with less than four times
** this much text (768 KiB) stores its blocks without one, as it did when
** every dictionary was 192 KiB; one with less than four times the
** capacity gets a quarter of its text. */
#define MIN_DICT (192 * 1024)

/* The zstd level at which the training compresses a sixth of its sample
** against the new dictionary for the statistics of its entropy tables
** (ZDICT_finalizeDictionary; 0 is zstd's default, 3). Level 2's smaller
** tables, cleared for every sample, take a seventh to a third off the
** training (thread CPU time on one thread, alternating runs: Reuters-21578
** 35-38 ms -> 31-36 ms, BBC 31-43 ms -> 25-26 ms), and the stores come out
** the same within a few KB either way (Reuters 5,743,588 -> 5,742,531
** bytes, BBC 1,676,167 -> 1,675,861 on one thread). */
#define TRAIN_LEVEL 2

/* Train a dictionary on (a sample of) the documents; *len 0 when training
** fails or there is too little text. */
static int train_dict(const bl_store_writer *w, size_t cap, bl_buf *dict)
{
    size_t sample_cap;
    bl_buf samples = BL_BUF_INIT;
    size_t *sizes = NULL, n = 0;
    uint64_t total = w->total;
    uint32_t step = 1;
    size_t got;
    int rc = BL_OK;

    if (cap == 0 || w->docs < 8)
        return BL_OK;
    if (total < 4 * (uint64_t)cap) {
        cap = (size_t)(total / 4);
        if (cap < MIN_DICT)
            return BL_OK;
    }
    sample_cap = 16 * cap;               /* 4.5 MiB for a 288 KiB dict */
    if (total > sample_cap)
        step = (uint32_t)((total + sample_cap - 1) / sample_cap);
    sizes = malloc(sizeof *sizes * (w->docs / step + 1));
    if (sizes == NULL)
        return BL_ENOMEM;
    /* Room for the whole sample at once: doubling would fault in a larger
    ** block than the sample (8 MiB for Reuters' 4.5). */
    bl_buf_reserve(&samples, (size_t)(total / step + 64 * 1024));
    for (uint32_t d = 0; d < w->docs; d += step) {
        const store_rec *r = rec_pos(w, d);
        uint64_t len = r->extra_bytes;

        for (int c = 0; c < BL_STORE_COLS; c++)
            len += r->len[c];
        if (len > 64 * 1024)
            len = 64 * 1024;
        bl_buf_append(&samples, r->p, len);
        sizes[n++] = len;
    }
    if (samples.rc != BL_OK || bl_buf_reserve(dict, cap) != BL_OK) {
        rc = BL_ENOMEM;
    } else {
        /* Fixed k and d: ZDICT_trainFromBuffer searches k (four
        ** trainings, 0.13 s on 1 MiB) for a dictionary about 0.4% better
        ** than this single training (0.05 s). A frequency table of 2^18
        ** counters (f = 18) rather than 2^20: 1 MiB instead of 4 MiB to
        ** clear and miss in, training 0.035 -> 0.029 s on Reuters'
        ** 1.7 MB sample, and a store no bigger (store bytes of Reuters in
        ** one segment 6,507,990 -> 6,508,876, of its first half alone
        ** 3,405,728 -> 3,398,117, of BBC 1,879,619 -> 1,871,557).
        ** Segments of 1 KiB (k = 1024) scored on a sixth of the sample's
        ** positions (accel = 6) rather than 2 KiB on all of them: a
        ** dictionary no worse for less training. Indexing on one thread
        ** (callgrind) and the store: Reuters 6.69 G -> 6.43 G instructions,
        ** 6,320,585 -> 6,304,961 bytes; BBC 2.05 G -> 1.90 G, 1,765,286 ->
        ** 1,761,930; 200,000 generated articles (2 threads) 8.35 -> 7.24
        ** CPU seconds, 37,352,376 -> 36,997,878 bytes. (k = 512 and 4096,
        ** d = 6, accel 2, 3, 10: no better on both corpora.) */
        ZDICT_fastCover_params_t p;

        memset(&p, 0, sizeof p);
        p.k = 1024;
        p.d = 8;
        p.f = 18;
        p.accel = 6;
        p.zParams.compressionLevel = TRAIN_LEVEL;
        got = ZDICT_trainFromBuffer_fastCover(dict->p, cap, samples.p, sizes,
                                              (unsigned)n, p);
        if (!ZDICT_isError(got))
            dict->len = got;
    }
    bl_buf_free(&samples);
    free(sizes);
    return rc;
}

/* What compresses a segment's blocks: one context, with the dictionary
** digested once for the whole segment (loading it for every block cost more
** than compressing), at the store's level, with tables sized for one block
** plus the dictionary, and always attached, never copied: for a frame over
** 32 KiB zstd would otherwise copy its tables into the context (3 MiB a
** frame), which a third of BBC's body frames are. The digest holds its own
** copy of the dictionary's bytes: a merge's stream frees the training
** buffer long before its last block (the digest once referred to it, and
** compressed against whatever the freed memory came to hold). */
typedef struct block_coder {
    ZSTD_CCtx *cctx;
    ZSTD_CDict *cdict;         /* NULL without a dictionary */
    uint32_t dict_no;          /* its number in STOREDICT, or BL_NO_DICT */
    int level;
} block_coder;

/* zstd's memory for the store's contexts: its workspaces (3 MiB and more
** for a context with a 288 KiB dictionary attached, cleared as a context
** starts) are big blocks, on huge pages (base/mem.h); the rest is
** malloc'ed behind 16 bytes whose last 8 are 0, where a big block has its
** size. Indexing Reuters on 2 threads faulted 2,500 pages in zstd's
** memory. */
#define ZMEM_BIG (BL_BIG_MIN / 2)

static void *zmem_alloc(void *opaque, size_t n)
{
    static const uint64_t small = 0;
    uint8_t *p;

    (void)opaque;
    if (n >= ZMEM_BIG)
        return bl_big_alloc(n);
    if (n > SIZE_MAX - 16 || (p = malloc(n + 16)) == NULL)
        return NULL;
    memcpy(p + 8, &small, sizeof small);
    return p + 16;
}

static void zmem_free(void *opaque, void *p)
{
    uint64_t tag;

    (void)opaque;
    if (p == NULL)
        return;
    memcpy(&tag, (uint8_t *)p - sizeof tag, sizeof tag);
    if (tag == 0)
        free((uint8_t *)p - 16);
    else
        bl_big_free(p);
}

static const ZSTD_customMem zmem = {zmem_alloc, zmem_free, NULL};

static ZSTD_CCtx *cctx_new(void)
{
    return ZSTD_createCCtx_advanced(zmem);
}

static void coder_free(block_coder *c)
{
    ZSTD_freeCDict(c->cdict);
    ZSTD_freeCCtx(c->cctx);
    c->cdict = NULL;
    c->cctx = NULL;
}

/* Refer cctx to the digested dictionary, attached (NULL: none). Its
** frames leave out the dictionary's id: the reader knows the dictionary
** from STOREIDX, and the 4 bytes a frame (8 a block) took 1.2 KB of BBC's
** 1.68 MB store. Frames that carry it, written before, still decode. */
static bool attach(ZSTD_CCtx *cctx, const ZSTD_CDict *cdict)
{
    return cdict == NULL ||
           (!ZSTD_isError(ZSTD_CCtx_refCDict(cctx, cdict)) &&
            !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_forceAttachDict,
                                                 ZSTD_dictForceAttach)) &&
            !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_dictIDFlag,
                                                 0)));
}

static int coder_init(block_coder *c, const bl_store_opts *o,
                      const bl_buf *dict)
{
    ZSTD_CCtx_params *p = NULL;
    int rc = BL_OK;

    c->level = o->level;
    c->cdict = NULL;
    c->dict_no = BL_NO_DICT;
    c->cctx = cctx_new();
    if (c->cctx == NULL)
        return BL_ENOMEM;
    if (dict->len == 0)
        return BL_OK;
    p = ZSTD_createCCtxParams();
    if (p != NULL &&
        !ZSTD_isError(ZSTD_CCtxParams_init(p, o->level)) &&
        !ZSTD_isError(ZSTD_CCtxParams_setParameter(
            p, ZSTD_c_srcSizeHint,
            o->block_bytes < INT_MAX ? (int)o->block_bytes : INT_MAX)) &&
        !ZSTD_isError(ZSTD_CCtxParams_setParameter(p, ZSTD_c_minMatch,
                                                   o->min_match)))
        c->cdict = ZSTD_createCDict_advanced2(dict->p, dict->len,
                                              ZSTD_dlm_byCopy, ZSTD_dct_auto,
                                              p, zmem);
    ZSTD_freeCCtxParams(p);
    if (c->cdict == NULL || !attach(c->cctx, c->cdict)) {
        coder_free(c);
        rc = BL_ENOMEM;
    }
    return rc;
}

/* Append a freshly trained dictionary to the table, compressed: a trained
** dictionary is text and compresses to about 0.4 of itself (110 KiB ->
** 45 KiB on Reuters-21578, 3 ms at level 9; level 19 saves 2 KiB more for
** 40 ms; 192 KiB -> 77 KiB), which on a small segment is a few hundredths
** of the text (BBC's two segments with 110 KiB ones: 0.664 -> 0.638).
** Level 7 rather than 9 (DICT_LEVEL): 256 KiB of BBC's took 76 M
** instructions at level 9, 4% of indexing it, for 2 KB less.
** Its tables are sized for a dictionary (DICT_HASH_LOG): level 7's own,
** made for inputs of megabytes, take a 6.8 MB context, fresh memory that
** the context clears as it starts. On the machine of 2026-11-28 that cost
** 17-21 ms of CPU time when the memory was cold (5 ms when warm); with
** 2^18 hash entries (a 2.1 MB context), 4.3-4.5 ms either way, for a
** frame some 600 bytes bigger (Reuters 116,449 -> 117,035 bytes, BBC
** 116,305 -> 116,878).
** With a checksum, so that a damaged dictionary is refused as it is read,
** not used. */
static int table_add_raw(dict_table *t, const bl_buf *dict, uint32_t *no)
{
    size_t cap = ZSTD_compressBound(dict->len), n;
    uint8_t *frame = malloc(cap);
    ZSTD_CCtx *cctx = cctx_new();
    int rc = BL_ENOMEM;

    if (frame != NULL && cctx != NULL &&
        !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel,
                                             DICT_LEVEL)) &&
        !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)) &&
        !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_hashLog,
                                             DICT_HASH_LOG)) &&
        !ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_chainLog,
                                             DICT_CHAIN_LOG))) {
        n = ZSTD_compress2(cctx, frame, cap, dict->p, dict->len);
        if (!ZSTD_isError(n))
            rc = table_add(t, frame, n, no);
    }
    ZSTD_freeCCtx(cctx);
    free(frame);
    return rc;
}

/* A coder with the freshly trained dict (none when it is empty), which
** becomes number 0 of table. */
static int coder_start(block_coder *c, const bl_store_opts *o,
                       const bl_buf *dict, dict_table *table)
{
    int rc = coder_init(c, o, dict);

    if (rc == BL_OK && dict->len > 0)
        rc = table_add_raw(table, dict, &c->dict_no);
    return rc;
}

/* ---- blocks (STORE, STOREIDX) ------------------------------------------ */

/* Append e to STOREIDX (its zero field is written as 0). */
static int put_entry(bl_buf *index, const bl_store_entry *e)
{
    uint8_t b[BL_STOREIDX_BYTES];

    bl_store_u64le(b, e->off);
    bl_store_u32le(b + 8, e->comp);
    bl_store_u32le(b + 12, e->raw);
    bl_store_u32le(b + 16, e->first);
    bl_store_u32le(b + 20, e->docs);
    bl_store_u64le(b + 24, e->sum);
    bl_store_u32le(b + 32, e->dict);
    bl_store_u32le(b + 36, 0);
    bl_buf_append(index, b, sizeof b);
    return index->rc;
}

/* Lay out documents [from, to) of w as one block and append it to store,
** as two frames (the raw bytes before the body column, then the bodies),
** and its entry to index; first is the segment's number for document
** from, at the block's offset in STORE. *raw_total grows by the block's
** raw bytes; raw is scratch. */
static int compress_block(block_coder *c, const bl_store_writer *w,
                          uint32_t from, uint32_t to, uint32_t first,
                          uint64_t at, bl_buf *raw, bl_buf *store,
                          bl_buf *index, uint64_t *raw_total)
{
    size_t bound, got = 0, head = 0;
    bl_store_entry e;

    layout_block(w, from, to, raw, &head);
    if (raw->rc != BL_OK)
        return raw->rc;
    if (raw->len > BL_STORE_MAX_BLOCK_RAW || to - from > UINT32_MAX - first)
        return BL_ELIMIT;
    bound = ZSTD_compressBound(head) + ZSTD_compressBound(raw->len - head);
    if (bl_buf_reserve(store, bound) != BL_OK)
        return store->rc;
    for (int f = 0; f < 2; f++) {
        const uint8_t *src = f == 0 ? raw->p : raw->p + head;
        size_t len = f == 0 ? head : raw->len - head, n;
        uint8_t *dst = store->p + store->len + got;

        if (c->cdict != NULL)
            n = ZSTD_compress2(c->cctx, dst, bound - got, src, len);
        else
            n = ZSTD_compressCCtx(c->cctx, dst, bound - got, src, len,
                                  c->level);
        if (ZSTD_isError(n))
            return BL_ENOMEM;
        got += n;
    }
    e.off = at;
    e.comp = (uint32_t)got;
    e.raw = (uint32_t)raw->len;
    e.first = first;
    e.docs = to - from;
    e.sum = bl_checksum(store->p + store->len, got);
    e.dict = c->dict_no;
    store->len += got;
    *raw_total += raw->len;
    return put_entry(index, &e);
}

/* Blocks below which a segment's store is compressed on one thread. */
#define SPLIT_MIN_BLOCKS 16

static int compress_run(block_coder *c, const bl_store_writer *w,
                        const uint32_t *cut, size_t b, size_t end,
                        bl_buf *raw, bl_buf *store, bl_buf *index,
                        uint64_t *raw_total)
{
    int rc = BL_OK;

    for (size_t k = b; k < end && rc == BL_OK; k++)
        rc = compress_block(c, w, cut[k], cut[k + 1], cut[k], store->len,
                            raw, store, index, raw_total);
    return rc;
}

/* A large store is compressed in chunks of consecutive blocks that its
** threads take in turn (the calling thread and one per other core, each
** with its own context on the shared digested dictionary), each thread
** into its own STORE and STOREIDX; STORE is handed over as the chunks in
** order, where they are (hand_over): the bytes are those of one thread.
** Taking chunks in turn keeps every thread busy to the end, where fixed
** halves left one core idle for the last quarter or so of the compression:
** the half that ran beside the committing thread's inverted index finished
** last (Reuters on 2 threads: 150 ms against 100), and on BBC the half
** whose context was fresh (59 ms against 30). */
#define CHUNKS_PER_THREAD 8
#define MAX_THREADS 8

typedef struct chunk_out {
    size_t thread;             /* whose buffers hold it */
    size_t s0, s1, i0, i1;     /* its bytes there: STORE, STOREIDX */
    uint64_t raw_total;
} chunk_out;

typedef struct block_pool {
    const bl_store_writer *w;
    const uint32_t *cut;       /* block k: documents [cut[k], cut[k + 1]) */
    size_t n_blocks, per_chunk, n_chunks;
    const bl_buf *dict;        /* to compress into table: task 0; or NULL */
    dict_table *table;
    atomic_size_t next;        /* the next task: the dictionary, chunks */
    chunk_out *out;            /* per chunk */
} block_pool;

typedef struct pool_thread {
    block_pool *pool;
    size_t no;                 /* its number */
    block_coder c;             /* its cdict is the first coder's */
    bl_buf raw, store, index;  /* scratch, and the chunks it compressed */
    pthread_t th;
    int rc;
} pool_thread;

static void *pool_main(void *arg)
{
    pool_thread *t = arg;
    block_pool *p = t->pool;
    size_t first = p->dict != NULL, k;
    uint32_t no;

    while (t->rc == BL_OK &&
           (k = atomic_fetch_add(&p->next, 1)) < first + p->n_chunks) {
        chunk_out *o;
        size_t b, end;

        if (k < first) {
            t->rc = table_add_raw(p->table, p->dict, &no);    /* no: 0 */
            continue;
        }
        k -= first;
        o = &p->out[k];
        b = k * p->per_chunk;
        end = b + p->per_chunk < p->n_blocks ? b + p->per_chunk
                                             : p->n_blocks;
        o->thread = t->no;
        o->s0 = t->store.len;
        o->i0 = t->index.len;
        t->rc = compress_run(&t->c, p->w, p->cut, b, end, &t->raw,
                             &t->store, &t->index, &o->raw_total);
        o->s1 = t->store.len;
        o->i1 = t->index.len;
    }
    return NULL;
}

static size_t pool_threads(const bl_store_opts *o, size_t n_blocks)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = o->threads > 0 ? o->threads : cores > 1 ? (size_t)cores : 1;

    if (n > MAX_THREADS)
        n = MAX_THREADS;
    return n_blocks < SPLIT_MIN_BLOCKS ? 1 : n;
}

/* Hand the chunks over as STORE's pieces, in place in their threads'
** buffers (which out takes), and append their entries to out->index with
** their offsets moved to where the chunks land in STORE. Joining them into
** one buffer instead copied the whole store into fresh memory on the
** flush's last, single-threaded step (Reuters: 6 MB, 9-17 ms). */
static int hand_over(const block_pool *p, pool_thread *t, size_t n,
                     bl_store_out *out)
{
    size_t np = 0;

    out->bufs = calloc(n, sizeof *out->bufs);
    out->store = malloc(sizeof *out->store * (p->n_chunks ? p->n_chunks : 1));
    if (out->bufs == NULL || out->store == NULL)
        return BL_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        out->bufs[i] = t[i].store;
        t[i].store = (bl_buf)BL_BUF_INIT;
    }
    out->n_bufs = n;
    for (size_t k = 0; k < p->n_chunks; k++) {
        const chunk_out *o = &p->out[k];
        const uint8_t *at = out->bufs[o->thread].p + o->s0;
        uint8_t *e = t[o->thread].index.p;

        for (size_t i = o->i0; i + BL_STOREIDX_BYTES <= o->i1;
             i += BL_STOREIDX_BYTES)
            bl_store_u64le(e + i, bl_load_u64le(e + i) - o->s0 +
                                      out->store_bytes);
        bl_buf_append(&out->index, e + o->i0, o->i1 - o->i0);
        if (np > 0 && out->store[np - 1].p + out->store[np - 1].len == at) {
            out->store[np - 1].len += o->s1 - o->s0;
        } else if (o->s1 > o->s0) {
            out->store[np].p = at;
            out->store[np].len = o->s1 - o->s0;
            out->store[np].mapped = false;
            np++;
        }
        out->store_bytes += o->s1 - o->s0;
        out->raw += o->raw_total;
    }
    out->n_store = np;
    return out->index.rc;
}

/* Compress blocks [0, n_blocks) of w into out (STORE, STOREIDX, raw) with
** coder c (on n threads, c's own being the caller's), and the dictionary
** (unless NULL) into table: it is no block's business, and its own context
** (8 MiB fresh) made it the last 10 ms of a BBC flush, on one thread. The
** other threads' contexts are made here. */
static int compress_pool(block_coder *c, const bl_store_writer *w,
                         const uint32_t *cut, size_t n_blocks, size_t n,
                         const bl_buf *dict, dict_table *table,
                         bl_store_out *out)
{
    block_pool pool;
    pool_thread t[MAX_THREADS];
    size_t started = 1;
    int rc;

    memset(&pool, 0, sizeof pool);
    memset(t, 0, sizeof t);
    pool.w = w;
    pool.cut = cut;
    pool.n_blocks = n_blocks;
    pool.per_chunk = (n_blocks + n * CHUNKS_PER_THREAD - 1) /
                     (n * CHUNKS_PER_THREAD);
    if (pool.per_chunk == 0)
        pool.per_chunk = 1;
    pool.n_chunks = (n_blocks + pool.per_chunk - 1) / pool.per_chunk;
    pool.dict = dict;
    pool.table = table;
    atomic_init(&pool.next, 0);
    pool.out = calloc(pool.n_chunks ? pool.n_chunks : 1, sizeof *pool.out);
    if (pool.out == NULL)
        return BL_ENOMEM;
    /* Room for a third of each thread's share of the text (the store is
    ** about 0.32 of it), reserved at once: grown by doubling from small,
    ** the buffers faulted in 2,000 fresh 4 KiB pages for Reuters. */
    for (size_t i = 0; i < n; i++) {
        t[i].pool = &pool;
        t[i].no = i;
        t[i].c = *c;                       /* cdict borrowed: freed with c */
        bl_buf_reserve(&t[i].store, (size_t)(w->total / 3 / n));
    }
    for (size_t i = 1; i < n; i++) {
        t[i].c.cctx = cctx_new();
        if (t[i].c.cctx == NULL || !attach(t[i].c.cctx, c->cdict) ||
            pthread_create(&t[i].th, NULL, pool_main, &t[i]) != 0) {
            ZSTD_freeCCtx(t[i].c.cctx);
            break;                         /* fewer threads do it all */
        }
        started++;
    }
    pool_main(&t[0]);
    rc = t[0].rc;
    for (size_t i = 1; i < started; i++) {
        pthread_join(t[i].th, NULL);
        if (rc == BL_OK)
            rc = t[i].rc;
        ZSTD_freeCCtx(t[i].c.cctx);
    }
    if (rc == BL_OK)
        rc = hand_over(&pool, t, n, out);
    for (size_t i = 0; i < n; i++) {      /* reserved even if not started */
        bl_buf_free(&t[i].raw);
        bl_buf_free(&t[i].store);
        bl_buf_free(&t[i].index);
    }
    free(pool.out);
    return rc;
}

/* ---- the store's order ------------------------------------------------ */

/* A builder's blocks hold its articles sorted by how they begin (the first
** words of the body, then of the title), not in the order they came: a news
** archive is full of articles written from one template or updating one
** story (earnings reports, price tables, "U.S. Treasury balance at Fed"),
** and put side by side in a block they compress against each other.
** Indexed on one thread, Reuters-21578's store takes 5,882,703 bytes
** instead of 6,304,961 (0.326 of the raw text instead of 0.349), BBC's
** 1,688,979 instead of 1,761,930 (0.331, 0.346), for a sort that costs
** well under 1% of the indexing time. With more threads, the writer
** gives articles that begin alike to one builder (bl_store_group). See
** bl_store_opts_default for the store's other settings. STOREIDX ends
** with each document's store position (format.h). Keys of the body's
** words alone, or of the title's first, compress a little worse; a
** MinHash of the body's word pairs, much worse (0.311 against 0.302 of
** Reuters' text, zstd's command line on the same blocks). */
#define KEY_BODY 20            /* key bytes from the body's words */
#define KEY_WORDS 4            /* the key: 32 bytes as 4 big-endian words */

typedef struct keyed {
    uint64_t k[KEY_WORDS];
    uint32_t doc;
} keyed;

/* The first words of [p, end), at most words of them, into key[at, max):
** ASCII letters lower-cased, other bytes from 0x80 as they are, one space
** between words; digits and punctuation only part words (a template's
** figures differ). Returns the end of what was written. */
static size_t key_words(const uint8_t *p, const uint8_t *end, uint8_t *key,
                        size_t at, size_t max, unsigned words)
{
    size_t start = at;
    bool gap = false;

    for (; p < end && at < max; p++) {
        uint8_t c = *p >= 0x80 ? *p : (uint8_t)(*p | 0x20);

        if (c < 'a' || (c > 'z' && c < 0x80)) {
            gap = at > start;
            continue;
        }
        if (gap) {
            if (--words == 0 || at + 1 >= max)
                break;
            key[at++] = ' ';
        }
        key[at++] = c;
        gap = false;
    }
    return at;
}

uint64_t bl_store_group(const bl_doc *doc)
{
    const uint8_t *body = (const uint8_t *)str_or_empty(doc->body);
    uint8_t key[64];
    size_t n = key_words(body, body + strnlen((const char *)body, 1024), key,
                         0, sizeof key, 2);

    return bl_hash((const char *)key, n);
}

static void doc_key(const bl_store_writer *w, uint32_t d, keyed *out)
{
    const store_rec *r = rec_at(w, d);
    uint64_t body = r->extra_bytes;
    uint8_t key[8 * KEY_WORDS] = {0};

    for (int c = 0; c < BL_STORE_COLS - 1; c++)
        body += r->len[c];
    key_words(r->p + body, r->p + body + r->len[BL_STORE_COLS - 1], key, 0,
              KEY_BODY, UINT_MAX);
    key_words(r->p, r->p + r->len[0], key, KEY_BODY, sizeof key, UINT_MAX);
    for (int i = 0; i < KEY_WORDS; i++) {
        uint64_t v = 0;

        for (int j = 0; j < 8; j++)
            v = v << 8 | key[8 * i + j];
        out->k[i] = v;
    }
    out->doc = d;
}

static int keyed_cmp(const void *pa, const void *pb)
{
    const keyed *a = pa, *b = pb;

    for (int i = 0; i < KEY_WORDS; i++)
        if (a->k[i] != b->k[i])
            return a->k[i] < b->k[i] ? -1 : 1;
    return (a->doc > b->doc) - (a->doc < b->doc);
}

/* Sort w's documents into w->order (left NULL when that changes nothing). */
static int sort_docs(bl_store_writer *w)
{
    keyed *ks;
    uint32_t *order;
    bool moved = false;

    free(w->order);
    w->order = NULL;
    if (w->docs < 2)
        return BL_OK;
    ks = malloc(sizeof *ks * w->docs);
    order = malloc(sizeof *order * w->docs);
    if (ks == NULL || order == NULL) {
        free(ks);
        free(order);
        return BL_ENOMEM;
    }
    for (uint32_t d = 0; d < w->docs; d++)
        doc_key(w, d, &ks[d]);
    qsort(ks, w->docs, sizeof *ks, keyed_cmp);
    for (uint32_t p = 0; p < w->docs; p++) {
        order[p] = ks[p].doc;
        moved |= order[p] != p;
    }
    free(ks);
    if (moved)
        w->order = order;
    else
        free(order);
    return BL_OK;
}

/* Append STOREIDX's tail (format.h): pos[d], the store position of each of
** the docs documents. */
static int put_positions(bl_buf *index, const uint32_t *pos, uint32_t docs)
{
    unsigned w = bl_bitpack_width64(docs - 1);
    uint8_t head[BL_STOREPOS_HEAD] = {0};
    size_t at;

    head[0] = (uint8_t)(w > 0 ? w : 1);
    bl_buf_append(index, head, sizeof head);
    at = index->len;
    if (bl_buf_reserve(index, bl_bitpack_bytes(docs, head[0])) != BL_OK)
        return index->rc;
    bl_bitpack_encode(pos, docs, head[0], index->p + at);
    index->len = at + bl_bitpack_bytes(docs, head[0]);
    return BL_OK;
}

/* The tail for w->order, if any. */
static int put_order(bl_buf *index, const bl_store_writer *w)
{
    uint32_t *pos;
    int rc;

    if (w->order == NULL)
        return BL_OK;
    pos = malloc(sizeof *pos * w->docs);
    if (pos == NULL)
        return BL_ENOMEM;
    for (uint32_t p = 0; p < w->docs; p++)
        pos[w->order[p]] = p;
    rc = put_positions(index, pos, w->docs);
    free(pos);
    return rc;
}

void bl_store_out_free(bl_store_out *out)
{
    for (size_t i = 0; i < out->n_bufs; i++)
        bl_buf_free(&out->bufs[i]);
    free(out->bufs);
    free(out->store);
    bl_buf_free(&out->index);
    bl_buf_free(&out->dict);
    memset(out, 0, sizeof *out);
}

int bl_store_finish(bl_store_writer *w, const bl_store_opts *o,
                    bl_store_out *out)
{
    block_coder c = {NULL, NULL, BL_NO_DICT, 0};
    bl_buf trained = BL_BUF_INIT, cuts = BL_BUF_INIT;
    dict_table table;
    size_t n_blocks = 0;
    uint32_t from = 0;
    int rc;

    memset(out, 0, sizeof *out);
    memset(&table, 0, sizeof table);
    rc = sort_docs(w);
    if (rc != BL_OK)
        return rc;
    /* Where the blocks begin, as the documents' raw bytes cut them. */
    while (from < w->docs) {
        uint32_t to = from;
        uint64_t size = 0;

        while (to < w->docs && (to == from || size < o->block_bytes)) {
            size += rec_raw(rec_pos(w, to));
            to++;
        }
        bl_buf_append(&cuts, &from, sizeof from);
        n_blocks++;
        from = to;
    }
    bl_buf_append(&cuts, &from, sizeof from);
    rc = cuts.rc;
    if (rc == BL_OK)
        rc = train_dict(w, o->dict_bytes, &trained);
    if (rc == BL_OK)
        rc = coder_init(&c, o, &trained);
    /* The dictionary is number 0 of the table, which compress_pool
    ** fills. */
    if (rc == BL_OK && trained.len > 0)
        c.dict_no = 0;
    if (rc == BL_OK)
        rc = compress_pool(&c, w, (const uint32_t *)(const void *)cuts.p,
                           n_blocks, pool_threads(o, n_blocks),
                           trained.len > 0 ? &trained : NULL, &table, out);
    if (rc == BL_OK)
        rc = put_order(&out->index, w);
    if (rc == BL_OK) {
        rc = table_write(&table, &out->dict);
        out->blocks = (uint32_t)n_blocks;
    }
    if (rc != BL_OK)
        bl_store_out_free(out);
    free(w->order);
    w->order = NULL;
    coder_free(&c);
    bl_buf_free(&trained);
    bl_buf_free(&cuts);
    table_free(&table);
    return rc;
}

int bl_store_finish_many(bl_store_writer *const *ws, size_t n,
                         const bl_store_opts *o, bl_store_out *out)
{
    bl_store_writer *all;
    uint64_t docs = 0;
    int rc;

    if (n == 1)
        return bl_store_finish(ws[0], o, out);
    for (size_t k = 0; k < n; k++)
        docs += ws[k]->docs;
    if (docs >= BL_DOC_END)
        return BL_ELIMIT;
    /* One writer whose records point into the others' bytes. */
    rc = bl_store_writer_new(&all);
    if (rc != BL_OK)
        return rc;
    bl_buf_reserve(&all->recs, sizeof(store_rec) * (size_t)docs);
    for (size_t k = 0; k < n; k++) {
        const store_rec *r = (const store_rec *)(const void *)ws[k]->recs.p;
        uint64_t shift = all->elens.len / 4;

        for (uint32_t d = 0; d < ws[k]->docs; d++) {
            store_rec moved = r[d];

            moved.extra_at += shift;
            bl_buf_append(&all->recs, &moved, sizeof moved);
        }
        bl_buf_append(&all->elens, ws[k]->elens.p, ws[k]->elens.len);
        all->total += ws[k]->total;
        all->docs += ws[k]->docs;
    }
    rc = all->recs.rc != BL_OK ? all->recs.rc : all->elens.rc;
    if (rc == BL_OK)
        rc = bl_store_finish(all, o, out);
    bl_store_writer_free(all);
    return rc;
}

void bl_store_reset(bl_store_writer *w)
{
    bl_arena_reset(&w->bytes);
    w->total = 0;
    bl_buf_reset(&w->recs);
    bl_buf_reset(&w->elens);
    w->docs = 0;
}

/* ---- streaming writer (merges) ----------------------------------------- */

struct bl_store_stream {
    bl_store_opts o;
    bl_store_writer *w;        /* the documents of the block being filled */
    uint64_t pending;          /* their raw bytes, as bl_store_finish counts
                                  them to cut blocks */
    block_coder coder;
    bl_buf raw;                /* one block laid out */
    bl_buf store, index;       /* the blocks compressed here, STOREIDX */
    bl_buf pieces;             /* STORE so far: piece_rec runs */
    uint64_t at;               /* STORE's bytes so far */
    dict_table dicts;          /* STOREDICT so far */
    const bl_segment *src;     /* the segment blocks were last copied from */
    uint32_t *src_dict;        /* its dictionary k -> ours, or BL_NO_DICT */
    uint64_t raw_total;
    uint32_t first;            /* store position of the block being filled */
    int sticky;                /* a failed add, copy or finish */
};

int bl_store_stream_new(const bl_store_opts *o, const bl_store_writer *sample,
                        size_t expect, bl_store_stream **out)
{
    bl_store_stream *s;
    bl_buf trained = BL_BUF_INIT;
    int rc;

    *out = NULL;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return BL_ENOMEM;
    s->o = *o;
    rc = bl_store_writer_new(&s->w);
    if (rc == BL_OK && expect > 0)
        rc = bl_buf_reserve(&s->store, expect);
    if (rc == BL_OK)
        rc = train_dict(sample, o->dict_bytes, &trained);
    if (rc == BL_OK)
        rc = coder_start(&s->coder, o, &trained, &s->dicts);
    bl_buf_free(&trained);
    if (rc != BL_OK) {
        bl_store_stream_free(s);
        return rc;
    }
    *out = s;
    return BL_OK;
}

/* A run of STORE: bytes of s->store from off (p NULL), or bytes in a
** source segment's map. */
typedef struct piece_rec {
    const uint8_t *p;
    uint64_t off, len;
} piece_rec;

/* Add len bytes to STORE: at off in s->store (p NULL) or at p in a map;
** a run that continues the last one extends it. */
static int add_piece(bl_store_stream *s, const uint8_t *p, uint64_t off,
                     uint64_t len)
{
    piece_rec *last = s->pieces.len > 0
                          ? (piece_rec *)(void *)(s->pieces.p +
                                                  s->pieces.len) - 1
                          : NULL;

    s->at += len;
    if (last != NULL && (p == NULL ? last->p == NULL &&
                                         last->off + last->len == off
                                   : last->p != NULL &&
                                         last->p + last->len == p)) {
        last->len += len;
        return BL_OK;
    }
    {
        piece_rec r = {p, off, len};

        bl_buf_append(&s->pieces, &r, sizeof r);
    }
    return s->pieces.rc;
}

/* Compress the documents held into one block at the end of the store. */
static int stream_block(bl_store_stream *s)
{
    uint32_t n = s->w->docs;
    uint64_t off = s->store.len;
    int rc = compress_block(&s->coder, s->w, 0, n, s->first, s->at, &s->raw,
                            &s->store, &s->index, &s->raw_total);

    if (rc == BL_OK)
        rc = add_piece(s, NULL, off, s->store.len - off);
    s->first += n;
    s->pending = 0;
    bl_store_reset(s->w);
    return rc;
}

int bl_store_stream_add(bl_store_stream *s, const bl_doc *doc)
{
    int rc;

    if (s->sticky != BL_OK)
        return s->sticky;
    rc = bl_store_add(s->w, doc);
    if (rc == BL_OK) {
        /* A block ends with the document that takes it to block_bytes. */
        s->pending += rec_raw(rec_at(s->w, s->w->docs - 1));
        if (s->pending >= s->o.block_bytes)
            rc = stream_block(s);
    }
    s->sticky = rc;
    return rc;
}

/* Our number for dictionary k of seg, which joins the table on first use. */
static int stream_dict(bl_store_stream *s, const bl_segment *seg, uint32_t k,
                       uint32_t *out)
{
    if (s->src != seg) {
        uint32_t *m = realloc(s->src_dict,
                              sizeof *m * (seg->n_dicts ? seg->n_dicts : 1));

        if (m == NULL)
            return BL_ENOMEM;
        for (uint32_t i = 0; i < seg->n_dicts; i++)
            m[i] = BL_NO_DICT;
        s->src_dict = m;
        s->src = seg;
    }
    if (s->src_dict[k] == BL_NO_DICT) {
        const uint8_t *p;
        uint32_t len;
        int rc;

        bl_store_dict_at(seg, k, &p, &len);
        rc = table_add(&s->dicts, p, len, &s->src_dict[k]);
        if (rc != BL_OK)
            return rc;
    }
    *out = s->src_dict[k];
    return BL_OK;
}

int bl_store_stream_copy(bl_store_stream *s, const bl_segment *seg,
                         uint32_t b)
{
    bl_store_entry e, out;
    uint32_t dict = BL_NO_DICT;
    int rc = s->sticky;

    if (rc == BL_OK && s->w->docs > 0)
        rc = stream_block(s);
    if (rc == BL_OK && b >= seg->n_store_blocks)
        rc = BL_EINVAL;
    if (rc == BL_OK) {
        e = bl_store_entry_at(seg, b);
        if (e.docs > UINT32_MAX - s->first)
            rc = BL_ELIMIT;
        else if (e.dict != BL_NO_DICT)
            rc = stream_dict(s, seg, e.dict, &dict);
    }
    if (rc == BL_OK) {
        /* The same bytes, at their new place. */
        out = e;
        out.off = s->at;
        out.first = s->first;
        out.dict = dict;
        rc = put_entry(&s->index, &out);
    }
    if (rc == BL_OK)
        rc = add_piece(s, seg->sec[BL_SEC_STORE].p + e.off, 0, e.comp);
    if (rc == BL_OK) {
        s->first += e.docs;
        s->raw_total += e.raw;
    }
    s->sticky = rc;
    return rc;
}

int bl_store_stream_finish(bl_store_stream *s, const uint32_t *pos,
                           bl_buf *store, bl_buf *index, bl_buf *dict,
                           uint64_t *raw, uint32_t *blocks, bl_piece **pieces,
                           size_t *n)
{
    size_t np;
    bl_piece *out = NULL;
    bl_buf t;
    int rc = s->sticky;

    *raw = 0;
    *pieces = NULL;
    *n = 0;
    if (rc == BL_OK && s->w->docs > 0)
        rc = stream_block(s);
    *blocks = (uint32_t)(s->index.len / BL_STOREIDX_BYTES);
    if (rc == BL_OK && pos != NULL) {
        bool moved = false;

        for (uint32_t d = 0; d < s->first && !moved; d++)
            moved = pos[d] != d;
        if (moved)
            rc = put_positions(&s->index, pos, s->first);
    }
    np = s->pieces.len / sizeof(piece_rec);
    if (rc == BL_OK)
        rc = table_write(&s->dicts, dict);
    if (rc == BL_OK && (out = malloc(sizeof *out * (np ? np : 1))) == NULL)
        rc = BL_ENOMEM;
    s->sticky = rc != BL_OK ? rc : BL_EINVAL;
    if (rc != BL_OK)
        return rc;
    t = *store;
    *store = s->store;
    s->store = t;
    t = *index;
    *index = s->index;
    s->index = t;
    /* store no longer moves: its runs become pointers. */
    for (size_t i = 0; i < np; i++) {
        const piece_rec *r = (const piece_rec *)(const void *)s->pieces.p + i;

        out[i].p = r->p != NULL ? r->p : store->p + r->off;
        out[i].len = (size_t)r->len;
        out[i].mapped = r->p != NULL;
    }
    *pieces = out;
    *n = np;
    *raw = s->raw_total;
    return BL_OK;
}

void bl_store_stream_free(bl_store_stream *s)
{
    if (s == NULL)
        return;
    coder_free(&s->coder);
    bl_store_writer_free(s->w);
    bl_buf_free(&s->raw);
    bl_buf_free(&s->store);
    bl_buf_free(&s->index);
    bl_buf_free(&s->pieces);
    table_free(&s->dicts);
    free(s->src_dict);
    free(s);
}
