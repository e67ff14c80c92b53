/* segfile.h - the parts of an open segment that the readers of segment/
** share (segment.c opens and checks, termdict.c, postings.c, columns.c and
** storeread.c read), and the writers that index/ uses to produce each
** section. Private to segment/ and index/: readers outside use segment.h.
*/
#ifndef BL_SEGFILE_H
#define BL_SEGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "base/file.h"
#include "segment/format.h"
#include "segment/segment.h"

typedef struct bl_section {
    const uint8_t *p;          /* the bytes, inside the map */
    uint64_t len;              /* bytes */
    uint64_t checksum;         /* as recorded in the footer */
} bl_section;

struct bl_segment {
    bl_map map;                /* the whole file */
    bl_section sec[BL_SEC_COUNT];
    uint64_t uid;              /* footer checksum: tells segments apart */
    /* META */
    uint32_t docs;
    uint32_t n_term_blocks;
    uint64_t n_terms, n_postings, n_positions;
    uint64_t field_total[BL_N_TEXT_FIELDS];
    uint64_t raw_bytes;
    uint32_t n_store_blocks;
    uint32_t n_sources;
    /* TERMS: each dictionary block's head key, its first 8 bytes as a
    ** big-endian number (zero padded), for the lookup's binary search */
    uint64_t *head_prefix;
    /* LENGTHS */
    unsigned len_w[BL_N_TEXT_FIELDS];
    const uint8_t *len_p[BL_N_TEXT_FIELDS];
    const uint8_t *len_end;    /* the end of LENGTHS */
    /* COLUMNS */
    int64_t date_base;
    unsigned date_w, ord_w;
    const char **source_names; /* n_sources pointers into the map */
    const uint8_t *date_p, *ord_p;
    const uint8_t *col_end;    /* the end of COLUMNS */
    unsigned ids_w;            /* width of the group starts */
    const uint8_t *ids_start_p; /* packed group starts */
    const uint8_t *ids_p;      /* the front-coded id bytes */
    uint64_t ids_len;
    /* STORE */
    unsigned pos_w;            /* width of the store positions; 0: none,
                                  each document is at its own number */
    const uint8_t *pos_p;      /* packed store positions, in STOREIDX */
    uint32_t n_dicts;          /* STOREDICT's dictionaries */
    struct bl_ddicts *ddicts;  /* each digested on first use (storeread.c) */
};

/* Decode the fixed parts of the sections that open reads (columns.c). */
int bl_termdict_load(bl_segment *seg);
void bl_termdict_unload(bl_segment *seg);
int bl_columns_load(bl_segment *seg);
void bl_columns_unload(bl_segment *seg);
int bl_store_load(bl_segment *seg);
void bl_store_unload(bl_segment *seg);

/* The store's columns, in a block's order: title, source, url, lang (the
** extras follow), body (format.h, STORE). */
#define BL_STORE_COLS 5
/* The most raw bytes a store block, or a stored dictionary, may claim. */
#define BL_STORE_MAX_BLOCK_RAW ((uint64_t)1 << 31)
#define BL_STORE_MAX_DICT_RAW ((uint64_t)1 << 26)

/* A STOREIDX entry (format.h), as the store's writer (docstore.c) puts it
** and its reader (storeread.c) takes it. */
typedef struct bl_store_entry {
    uint64_t off;
    uint32_t comp, raw, first, docs;
    uint64_t sum;
    uint32_t dict, zero;
} bl_store_entry;

/* Entry b of a STOREIDX that bl_store_load has checked the size of. */
bl_store_entry bl_store_entry_at(const bl_segment *seg, uint32_t b);

/* Dictionary k of STOREDICT (compressed), whose table bl_store_load has
** checked. */
void bl_store_dict_at(const bl_segment *seg, uint32_t k, const uint8_t **p,
                      uint32_t *len);

/* Format a message into msg/cap; returns BL_ECORRUPT (segment.c). */
int bl_seg_fail(char *msg, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Verifiers of the sections' structure, called by bl_segment_verify after
** the checksums hold; each names the first problem in msg. */
int bl_termdict_verify(const bl_segment *seg, char *msg, size_t cap);
int bl_store_verify(const bl_segment *seg, char *msg, size_t cap);

/* Check one term's postings and positions against its dictionary entry
** (postings.c): doc ids increasing and < docs, df, cf, max_tf, skip
** entries equal to their blocks, positions increasing and < the field
** length, and that the term's bytes are exactly post_len / pos_len. */
int bl_postings_verify(const bl_segment *seg, bl_field_id field,
                       const bl_term_info *ti, uint64_t post_len,
                       uint64_t pos_len, char *msg, size_t cap);

/* Every position of the cursor's current document into out, which has
** room for bl_postings_freq(p) values; *n is set to that count. For merges:
** bl_postings_positions keeps only the first 4096. Errors as
** bl_postings_positions. */
int bl_postings_positions_all(bl_postings *p, uint32_t *out, uint32_t *n);

/* ---- writers -------------------------------------------------------- */

/* Term dictionary writer: keys added in strictly increasing order. */
typedef struct bl_termdict_writer {
    bl_buf terms;              /* TERMS */
    bl_buf index;              /* TERMIDX */
    uint64_t n_terms;
    uint32_t n_blocks;
    uint32_t in_block;         /* terms in the current block */
    uint8_t prev[1 + BL_MAX_TERM];
    size_t prev_len;
    uint64_t post_off, pos_off; /* where the next term's lists start */
} bl_termdict_writer;

void bl_termdict_writer_init(bl_termdict_writer *w);
void bl_termdict_writer_free(bl_termdict_writer *w);

/* The dictionary's order of keys (term + field byte, format.h): memcmp,
** the shorter first on a tie. */
static inline int bl_termdict_key_cmp(const uint8_t *a, size_t alen,
                                      const uint8_t *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);

    if (c != 0)
        return c;
    return alen < blen ? -1 : alen > blen;
}

/* Add key (term + field byte, 2 .. 1 + BL_MAX_TERM bytes) with its
** statistics and the bytes its lists took; doc is the only document of a
** df-1 term (whose postings take no bytes). BL_EINVAL when out of order. */
int bl_termdict_add(bl_termdict_writer *w, const uint8_t *key, size_t len,
                    uint32_t df, uint64_t cf, uint32_t max_tf,
                    uint64_t post_len, uint64_t pos_len, uint32_t doc);

/* Encode one term's postings (and positions for text fields) at the end of
** post and pos. docs (increasing) and tfs have df entries; positions holds,
** for each doc in turn, its tf positions, increasing (text fields only).
** field_len gives each document's field length (text fields) for the
** block bounds. */
int bl_postings_write(bl_buf *post, bl_buf *pos, bl_field_id field,
                      const uint32_t *docs, const uint32_t *tfs, uint32_t df,
                      const uint32_t *positions, const uint32_t *field_len);

/* LENGTHS from the per-document lengths of both text fields. */
int bl_lengths_write(bl_buf *out, const uint32_t *const len[2],
                     uint32_t docs);

/* The id column's writer: ids are front-coded as documents are added
** (format.h, COLUMNS), so the builder keeps no other copy of them. */
typedef struct bl_ids_writer {
    bl_buf data;               /* the id bytes so far */
    bl_buf starts;             /* u32le per group: where it starts */
    bl_buf prev;               /* the last id added */
    uint32_t n;                /* ids added */
} bl_ids_writer;

void bl_ids_writer_init(bl_ids_writer *w);
int bl_ids_add(bl_ids_writer *w, const char *id, size_t len);
/* Add src's ids after dst's, in order. */
int bl_ids_append(bl_ids_writer *dst, const bl_ids_writer *src);
size_t bl_ids_ram(const bl_ids_writer *w);
void bl_ids_reset(bl_ids_writer *w);
void bl_ids_writer_free(bl_ids_writer *w);

/* COLUMNS: dates, sources as n_sources sorted unique names with an
** ordinal per document, and the ids (docs of them). */
int bl_columns_write(bl_buf *out, const int64_t *dates, uint32_t docs,
                     const char *const *sources, uint32_t n_sources,
                     const uint32_t *ords, const bl_ids_writer *ids);

/* The document store writer: documents are appended as they arrive
** (copied), and compressed into blocks on finish. */
typedef struct bl_store_writer bl_store_writer;

typedef struct bl_store_opts {
    int level;                 /* zstd level */
    int min_match;             /* with a dictionary; 0: the level's */
    size_t block_bytes;        /* raw bytes per block */
    size_t dict_bytes;         /* dictionary capacity; 0 = no dictionary */
    unsigned threads;          /* that compress a large store; 0: one per
                                  core (at most 8) */
} bl_store_opts;

void bl_store_opts_default(bl_store_opts *o);
int bl_store_writer_new(bl_store_writer **out);
void bl_store_writer_free(bl_store_writer *w);
int bl_store_add(bl_store_writer *w, const bl_doc *doc);
uint32_t bl_store_docs(const bl_store_writer *w);
size_t bl_store_ram(const bl_store_writer *w);

/* A run of a section's bytes: the section is written from its pieces in
** order. mapped: the bytes are in a read-only file map (a merge's source
** segment), whose pages are handed back once written. */
typedef struct bl_piece {
    const uint8_t *p;
    size_t len;
    bool mapped;
} bl_piece;

/* What bl_store_finish hands over. STORE stays where the threads that
** compressed it put it: it is n_store runs, in order, of the buffers bufs,
** which out owns. */
typedef struct bl_store_out {
    bl_piece *store;           /* STORE */
    size_t n_store;
    uint64_t store_bytes;      /* STORE's length */
    bl_buf *bufs;              /* what the runs point into */
    size_t n_bufs;
    bl_buf index, dict;        /* STOREIDX, STOREDICT */
    uint64_t raw;              /* raw block bytes */
    uint32_t blocks;
} bl_store_out;

/* Free what out holds; it is then empty (as bl_store_finish's failures
** leave it). */
void bl_store_out_free(bl_store_out *out);

/* Compress everything into *out, in the store's own order (docstore.c).
** The writer keeps its documents (a failed flush can be retried) until
** bl_store_reset. */
int bl_store_finish(bl_store_writer *w, const bl_store_opts *o,
                    bl_store_out *out);

/* bl_store_finish over the documents of ws[0..n) as one store, in that
** order: the documents of ws[1] follow those of ws[0], and so on (one
** segment of several builders). The writers are only read. BL_ELIMIT when
** they hold BL_DOC_END documents or more together. */
int bl_store_finish_many(bl_store_writer *const *ws, size_t n,
                         const bl_store_opts *o, bl_store_out *out);

/* Forget every document, keeping some memory for reuse. */
void bl_store_reset(bl_store_writer *w);

/* A hash of how doc begins: the first two words of its body, as the store
** sorts them (docstore.c). Articles that share it sort side by side in a
** store; the writer gives them to one builder. */
uint64_t bl_store_group(const bl_doc *doc);

/* The document store written as a stream, for merges: documents are added
** one at a time and each block is compressed as soon as it is full (the
** same blocks bl_store_finish would cut), so only one block's documents
** are held raw; between them, whole blocks of other segments can be copied
** as they are (bl_store_stream_copy). The dictionary of the blocks
** compressed here cannot wait for every document: it is trained at
** creation on sample, a writer the caller filled (bl_store_add) with a
** spread of the documents to come, which the stream only reads. expect,
** the bytes those blocks are foreseen to take (0: unknown), is reserved at
** once so that they do not grow by copies. The store keeps the order its
** articles are given in; bl_store_stream_finish is told which document
** each one is. */
typedef struct bl_store_stream bl_store_stream;

int bl_store_stream_new(const bl_store_opts *o, const bl_store_writer *sample,
                        size_t expect, bl_store_stream **out);
int bl_store_stream_add(bl_store_stream *s, const bl_doc *doc);

/* Append block b of seg as it is, compressed, with its dictionary, which
** joins STOREDICT on first use (blocks of one source are copied in a run:
** after another source's, a segment's dictionaries are added again). Ends
** the block being filled first, so that blocks stay in the order given.
** seg's checksums are the caller's to check. */
int bl_store_stream_copy(bl_store_stream *s, const bl_segment *seg,
                         uint32_t b);

/* What a merge needs to know of store block b: its documents (the store
** positions [first, first + docs), see bl_store_order), its raw bytes,
** whether it was compressed with a dictionary. */
typedef struct bl_store_block {
    uint32_t first, docs, raw, comp;
    bool has_dict;
} bl_store_block;

int bl_store_block_info(const bl_segment *seg, uint32_t b,
                        bl_store_block *out);

/* doc_at[p] (seg's document count of them): the document at store
** position p. BL_ECORRUPT when the positions are not one per document. */
int bl_store_order(const bl_segment *seg, uint32_t *doc_at);

/* Compress the last block and hand over STORE, STOREIDX and STOREDICT:
** store, index and dict must be empty (the caller frees them); *raw is the
** raw block bytes, *blocks the blocks. pos[d] is the store position of
** document d, one for each article given (a permutation; NULL: the order
** given was the documents'). STORE is *pieces (*n of them, malloc'ed, the
** caller frees them): runs of store, which must not change while they are
** used, and runs of copied blocks, in the maps of the segments they were
** copied from, which must stay open. The stream can only be freed
** afterwards. */
int bl_store_stream_finish(bl_store_stream *s, const uint32_t *pos,
                           bl_buf *store, bl_buf *index, bl_buf *dict,
                           uint64_t *raw, uint32_t *blocks, bl_piece **pieces,
                           size_t *n);
void bl_store_stream_free(bl_store_stream *s);

/* Assemble a segment file from its section bytes: written to path.tmp,
** fsynced, renamed to path. *bytes is the file size. */
typedef struct bl_segment_parts {
    uint32_t docs;
    uint32_t n_term_blocks;
    uint64_t n_terms, n_postings, n_positions;
    uint64_t field_total[BL_N_TEXT_FIELDS];
    uint64_t raw_bytes;
    uint32_t n_store_blocks;
    uint32_t n_sources;
    bl_buf *sec[BL_SEC_COUNT]; /* every section but META */
    const bl_piece *store;     /* when not NULL, STORE is these pieces and
                                  sec[BL_SEC_STORE] is not read */
    size_t n_store;
} bl_segment_parts;

int bl_segment_write(const char *path, const bl_segment_parts *parts,
                     uint64_t *bytes);

/* Case-fold a keyword value (source) as the builder does before adding
** it as a term: NFC + Unicode case folding (utf8proc). *out is malloc'ed
** and NUL-terminated; the query side folds "source:X" the same way. */
int bl_keyword_fold(const char *s, size_t len, char **out, size_t *out_len);

#endif
