/* segment.h - reading one immutable segment file: its term dictionary,
** postings (with positions and block-max entries), field lengths, columns
** and stored articles. index/ writes segments (through builder.h), reader/
** and query/ read them through this header only; the byte layout is in
** format.h.
**
** Documents are numbered 0 .. docs-1 within a segment ("local doc ids"), in
** the order they were added. Terms are keyed by (field, bytes): text fields
** (title, body) hold analysed terms with positions; keyword fields (id,
** source) hold exact values, tf 1, no positions.
**
** Lifetimes: everything a segment returns by pointer is borrowed from the
** mapped file and valid until bl_segment_close, unless said otherwise.
** A segment is immutable and may be read from many threads at once; a
** bl_postings or bl_term_cursor belongs to one thread.
*/
#ifndef BL_SEGMENT_H
#define BL_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "byline.h"
#include "segment/bitpack.h"
#include "segment/blockcache.h"

#define BL_DOC_END UINT32_MAX  /* returned once a cursor is exhausted */
#define BL_BLOCK_DOCS 128      /* documents per postings block */

typedef enum bl_field_id {
    BL_FIELD_TITLE = 0,        /* analysed, positions, lengths */
    BL_FIELD_BODY = 1,         /* analysed, positions, lengths */
    BL_FIELD_ID = 2,           /* keyword: the article id, exact */
    BL_FIELD_SOURCE = 3,       /* keyword: the source, case-folded */
    BL_N_FIELDS = 4
} bl_field_id;

#define BL_N_TEXT_FIELDS 2     /* fields 0 .. 1 carry lengths and positions */

typedef struct bl_segment bl_segment;

/* Map the file and verify its footer (magic, version, table of contents,
** footer checksum) and the small sections a reader needs at once. Section
** checksums of the big sections are verified by bl_segment_verify, not here;
** every decoder still bounds-checks, so a corrupt section yields
** BL_ECORRUPT, never a crash. BL_EVERSION for an unknown format version. */
int bl_segment_open(const char *path, bl_segment **out);
void bl_segment_close(bl_segment *seg);

/* Verify every section checksum and every structural invariant: terms
** sorted and unique, doc ids increasing and < docs, df and collection
** frequency equal to the postings, positions increasing and inside the field
** length, block skip entries equal to their blocks, every store block
** decodes. BL_OK, or BL_ECORRUPT with the first problem written to msg,
** naming the section ("postings: term 'body:storm' block 3: doc ids not
** increasing"). */
int bl_segment_verify(const bl_segment *seg, char *msg, size_t cap);

/* ---- whole-segment facts ----------------------------------------------- */

uint32_t bl_segment_docs(const bl_segment *seg);

/* Sum of the lengths (tokens, stopwords included) of a text field. */
uint64_t bl_segment_field_total(const bl_segment *seg, bl_field_id field);

/* Distinct (field, term) keys and (term, doc) postings in the segment. */
uint64_t bl_segment_terms(const bl_segment *seg);
uint64_t bl_segment_postings_count(const bl_segment *seg);
uint64_t bl_segment_positions_count(const bl_segment *seg);

/* Bytes of each section, for `byline stats`; raw is the stored text before
** compression. */
void bl_segment_sizes(const bl_segment *seg, bl_section_stats *out,
                      uint64_t *raw, uint64_t *file);

/* ---- term dictionary ----------------------------------------------------- */

/* What the dictionary holds for one (field, term). Fields after cf are the
** segment's own, for bl_postings_open. */
typedef struct bl_term_info {
    uint32_t df;               /* documents containing the term */
    uint64_t cf;               /* occurrences (sum of tf) */
    uint64_t postings_off;     /* private */
    uint64_t positions_off;    /* private */
    uint32_t max_tf;           /* largest tf in any document */
} bl_term_info;

/* Look up an exact term. BL_OK, BL_ENOTFOUND, or BL_ECORRUPT. */
int bl_segment_term(const bl_segment *seg, bl_field_id field,
                    const char *term, size_t len, bl_term_info *out);

/* Look up an exact term in each field f of the mask `fields` (bit 1 << f)
** in one walk (a term's entries in its fields are neighbours): *found gets
** the mask of those present, each with out[f] filled. BL_OK (whatever was
** found), BL_EINVAL for a bit past the fields, or BL_ECORRUPT. */
int bl_segment_term_fields(const bl_segment *seg, const char *term,
                           size_t len, unsigned fields, unsigned *found,
                           bl_term_info out[BL_N_FIELDS]);

/* A cursor over the terms that start with a prefix, in one field or in all
** (BL_ANY_FIELD), in key order: by term bytes, then by field. Caller-
** allocated; holds no heap memory. */
#define BL_ANY_FIELD BL_N_FIELDS

typedef struct bl_term_cursor {
    const bl_segment *seg;     /* private */
    bl_field_id field;         /* private: the field, or BL_ANY_FIELD */
    const char *prefix;        /* private: borrowed from the caller */
    size_t prefix_len;         /* private */
    uint64_t block;            /* private: dictionary block */
    uint64_t off;              /* private: offset inside the block */
    uint32_t left;             /* private: terms left in the block */
    char term[256 + 1];        /* the current term, NUL-terminated */
    size_t term_len;           /* its length */
    bl_field_id term_field;    /* its field */
    int rc;                    /* private: sticky error */
    uint64_t post_off;         /* private: next term's postings offset */
    uint64_t pos_off;          /* private: next term's positions offset */
} bl_term_cursor;

/* Position c before the first term >= prefix in field (a field, or
** BL_ANY_FIELD). The prefix is borrowed and must outlive the cursor. */
int bl_term_cursor_open(const bl_segment *seg, bl_field_id field,
                        const char *prefix, size_t len, bl_term_cursor *c);

/* Move to the next term that starts with the prefix: BL_OK (c->term is
** set, *info filled), BL_DONE past the last one, BL_ECORRUPT. */
int bl_term_cursor_next(bl_term_cursor *c, bl_term_info *info);

/* Terms are at most this many bytes; longer ones are cut by the analyzer. */
#define BL_MAX_TERM 256

/* ---- postings ------------------------------------------------------------ */

/* A cursor over one term's postings, in increasing doc id order. It decodes
** one block of BL_BLOCK_DOCS documents at a time and skips whole blocks on
** seek using the skip entries. Caller-allocated, no heap memory; all fields
** are private to segment/ except where said. */
typedef struct bl_postings {
    const bl_segment *seg;
    bl_field_id field;
    uint32_t df;               /* documents in the list (public) */
    uint32_t n_blocks;
    uint32_t block;            /* current block index; UINT32_MAX before
                                  the first of several is decoded */
    uint32_t i;                /* index inside the decoded block */
    uint32_t n;                /* documents in the decoded block */
    uint32_t doc;              /* current doc id, BL_DOC_END when done */
    const uint8_t *skip;       /* skip entries */
    const uint8_t *data;       /* block data start */
    const uint8_t *end;        /* end of this term's postings bytes */
    uint64_t block_off;        /* offset of the decoded block */
    bool want_positions;
    const uint8_t *pos_data;   /* this term's positions bytes */
    const uint8_t *pos_end;
    uint64_t pos_off;          /* offset of the current doc's positions */
    bool pos_ready;            /* positions of block decoded */
    uint32_t docs[BL_BLOCK_DOCS];
    uint32_t freqs[BL_BLOCK_DOCS];
    uint32_t positions[4096];  /* positions of the current doc (first
                                  4096; a term this frequent in one doc is
                                  cut, which phrases tolerate) */
    uint32_t n_positions;
    int rc;                    /* sticky BL_ECORRUPT after bad bytes */
    uint64_t cf;               /* the term's cf (tf of a df-1 list) */
    uint32_t term_max_tf;      /* the term's max_tf */
    uint32_t skip_block;       /* block of the last bound (skip pointer) */
    uint32_t single_min_len;   /* min field length of a one-block list,
                                  UINT32_MAX until computed */
    const uint8_t *pos_chunk;  /* positions chunk reached in this block */
    uint64_t pos_chunk_at;     /* index of its first value in the block */
    uint64_t pos_total;        /* position values in the block */
    uint64_t pos_before;       /* values before document pos_doc */
    uint32_t pos_doc;          /* index in the block pos_before is for */
    const uint8_t *pos_cache_at; /* chunk decoded into pos_cache, or NULL */
    uint32_t pos_cache_used;   /* its bytes */
    uint32_t pos_cache_n;      /* its values */
    uint32_t pos_cache[128];   /* one decoded positions chunk */
} bl_postings;

/* Open a cursor on a term found by bl_segment_term or a term cursor. With
** positions false, bl_postings_positions is not available (cheaper). The
** cursor starts before the first document: call next or seek. */
int bl_postings_open(const bl_segment *seg, bl_field_id field,
                     const bl_term_info *ti, bool positions, bl_postings *p);

/* Move to the next document; its id or BL_DOC_END (also after corruption:
** check p->rc). */
uint32_t bl_postings_next(bl_postings *p);

/* Move to the first document >= target, never backwards; BL_DOC_END if
** none. */
uint32_t bl_postings_seek(bl_postings *p, uint32_t target);

/* tf of the current document. */
static inline uint32_t bl_postings_freq(const bl_postings *p)
{
    return p->freqs[p->i];
}

/* Bulk reading: the rest of the decoded block from the current document
** on. Returns how many entries *docs and *freqs point at (the current
** document first; valid until the cursor moves), 0 when the cursor is done
** or has not moved yet. */
static inline uint32_t bl_postings_run(const bl_postings *p,
                                       const uint32_t **docs,
                                       const uint32_t **freqs)
{
    if (p->doc == BL_DOC_END || p->i >= p->n)
        return 0;
    *docs = p->docs + p->i;
    *freqs = p->freqs + p->i;
    return p->n - p->i;
}

/* Move past k entries of the run (k <= its count): to the k-th next
** document, the first of the next block (decoding it) or the end. Returns
** the new document, as bl_postings_next. */
uint32_t bl_postings_advance(bl_postings *p, uint32_t k);

/* Positions of the current document in increasing order, borrowed until the
** cursor moves. BL_EINVAL if opened without positions. */
int bl_postings_positions(bl_postings *p, const uint32_t **pos, uint32_t *n);

/* Block-max entries, for dynamic pruning. The block that holds target (the
** current block when target <= its last doc): its last doc id, the largest
** tf in it and the smallest field length among its documents. Moves only
** the skip pointer, never the document. Returns BL_DOC_END as last when
** target is past the list. */
void bl_postings_block_bound(bl_postings *p, uint32_t target, uint32_t *last,
                             uint32_t *max_tf, uint32_t *min_len);

/* ---- per-document values ---------------------------------------------- */

/* Length in tokens of a text field of doc (stopwords included). */
uint32_t bl_segment_field_len(const bl_segment *seg, bl_field_id field,
                              uint32_t doc);

/* A text field's lengths, for a loop that reads many (scoring reads one
** for every candidate posting): bl_segment_field_lengths fills it, and
** bl_field_lengths_get(l, doc) equals bl_segment_field_len(seg, field,
** doc) without a call. */
typedef struct bl_field_lengths {
    const uint8_t *p, *end;    /* the packed run, the end of its section */
    unsigned w;                /* bits a length */
    uint32_t docs;
} bl_field_lengths;

void bl_segment_field_lengths(const bl_segment *seg, bl_field_id field,
                              bl_field_lengths *out);

static inline uint32_t bl_field_lengths_get(const bl_field_lengths *l,
                                            uint32_t doc)
{
    return doc < l->docs ? (uint32_t)bl_bitpack_get_in(l->p, l->end, doc,
                                                       l->w)
                         : 0;
}

/* The date column: seconds since the epoch, or BL_NO_DATE. */
int64_t bl_segment_date(const bl_segment *seg, uint32_t doc);

/* The source column: an ordinal into the segment's source dictionary, and
** the name of an ordinal (borrowed). */
uint32_t bl_segment_source_ord(const bl_segment *seg, uint32_t doc);
const char *bl_segment_source_name(const bl_segment *seg, uint32_t ord);
uint32_t bl_segment_source_count(const bl_segment *seg);

/* The article id of doc, from the id column: out is reset and holds the
** id NUL-terminated (out->len excludes the NUL). BL_ECORRUPT when the
** column's bytes do not decode, BL_ENOTFOUND for doc >= docs. */
int bl_segment_id(const bl_segment *seg, uint32_t doc, bl_buf *out);

/* Local doc id of an article id, or BL_DOC_END. An id repeated within the
** segment gives its last doc (the last one added wins, as on replacement). */
uint32_t bl_segment_find_id(const bl_segment *seg, const char *id);

/* Call fn(ctx, doc) for every local doc whose id is id (cut, like the
** index's id terms, to BL_MAX_TERM bytes), in increasing order. BL_OK,
** BL_ENOMEM, BL_ECORRUPT, or the first non-zero value fn returns. */
int bl_segment_each_id(const bl_segment *seg, const char *id,
                       int (*fn)(void *ctx, uint32_t doc), void *ctx);

/* ---- stored articles --------------------------------------------------- */

/* Decompression state for one thread, reused across calls (it holds the
** segment-independent zstd context and a cache of the last block). */
typedef struct bl_store_ctx bl_store_ctx;

int bl_store_ctx_new(bl_store_ctx **out);
void bl_store_ctx_free(bl_store_ctx *ctx);

/* Take blocks from cache, shared with other contexts and threads, and put
** there those decompressed (blockcache.h), instead of keeping the last one
** alone; NULL goes back to that. The cache must outlive ctx's fetches. */
void bl_store_ctx_use_cache(bl_store_ctx *ctx, bl_block_cache *cache);

/* The stored article doc, byte for byte as it was added; free with
** bl_doc_free. BL_ECORRUPT if its block does not decode or verify. */
int bl_segment_doc(const bl_segment *seg, uint32_t doc, bl_store_ctx *ctx,
                   bl_doc **out);

/* The same without its body (doc->body is ""): decompresses only the part
** of the block before the bodies, for hits shown without a snippet. */
int bl_segment_doc_head(const bl_segment *seg, uint32_t doc,
                        bl_store_ctx *ctx, bl_doc **out);

#endif
