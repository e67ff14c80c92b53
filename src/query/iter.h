/* iter.h - a cursor over the matching documents of one segment, in
** increasing local doc id order, with their BM25F scores and upper bounds
** of those scores for dynamic pruning. Term, phrase, prefix, AND, OR and
** NOT iterators share this interface; search/ builds a tree of them per
** segment from the analysed query and drives it.
**
** Every iterator and everything it holds lives in the arena of its
** bl_iter_ctx and is valid until that arena is reset; nothing is freed one
** by one. An iterator belongs to one thread.
*/
#ifndef BL_ITER_H
#define BL_ITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "score/bm25.h"
#include "segment/segment.h"

/* BL_DOC_END (segment.h) is returned once an iterator is done. */
#define BL_ITER_UNSET (UINT32_MAX - 1)   /* doc before the first next/seek */

typedef struct bl_iter bl_iter;
struct bl_window;

typedef struct bl_iter_ops {
    /* Move to the first document > the current one (the first document
    ** when unset). */
    uint32_t (*next)(bl_iter *it);
    /* Move to the first document >= target, never backwards: a target at
    ** or before the current document leaves it where it is. */
    uint32_t (*seek)(bl_iter *it, uint32_t target);
    /* BM25F score of the current document (0 for filters). */
    double (*score)(bl_iter *it);
    /* An upper bound of score() over the documents in [target, *last],
    ** target >= the current document; *last >= target is set to the end
    ** of the range the bound covers (BL_DOC_END: the rest of the list). */
    double (*block_max)(bl_iter *it, uint32_t target, uint32_t *last);
    /* Optional (NULL: bl_iter_add_window uses next and score): what
    ** bl_iter_add_window does, reading postings a block at a time. */
    void (*add_window)(bl_iter *it, struct bl_window *w, uint64_t hi);
} bl_iter_ops;

struct bl_iter {
    const bl_iter_ops *ops;
    uint32_t doc;              /* current document, BL_ITER_UNSET before the
                                  first move, BL_DOC_END when done */
    double max_score;          /* bound of score() over the segment */
    uint64_t cost;             /* documents it may yield, for ordering */
};

static inline uint32_t bl_iter_next(bl_iter *it)
{
    return it->ops->next(it);
}

static inline uint32_t bl_iter_seek(bl_iter *it, uint32_t target)
{
    return it->ops->seek(it, target);
}

static inline double bl_iter_score(bl_iter *it)
{
    return it->ops->score(it);
}

static inline double bl_iter_block_max(bl_iter *it, uint32_t target,
                                       uint32_t *last)
{
    return it->ops->block_max(it, target, last);
}

/* What iterators of one segment share. The postings cursors opened are
** listed so that the caller can check their sticky error (corruption)
** once the segment is done. */
typedef struct bl_iter_ctx {
    const bl_segment *seg;
    const bl_bm25 *bm25;
    bl_arena *arena;
    /* Optional: where term lookups go (search/ answers from the lookups it
    ** made for df); NULL: bl_segment_term on seg. */
    int (*lookup)(void *ud, bl_field_id field, const char *term,
                  bl_term_info *out);
    void *lookup_ud;
    bl_postings **opened;      /* every cursor opened, for their rc */
    size_t n_opened, cap_opened;
    int rc;                    /* sticky: BL_ENOMEM or BL_ECORRUPT */
} bl_iter_ctx;

/* Allocate and open a postings cursor, listed in ctx->opened. NULL with
** ctx->rc set on failure. */
bl_postings *bl_iter_ctx_postings(bl_iter_ctx *ctx, bl_field_id field,
                                  const bl_term_info *ti, bool positions);

/* Look a term up in ctx's segment (through ctx->lookup when set): BL_OK,
** BL_ENOTFOUND or BL_ECORRUPT. */
int bl_iter_ctx_term(bl_iter_ctx *ctx, bl_field_id field, const char *term,
                     bl_term_info *out);

/* BL_OK, or the first error of the context or of any cursor it opened. */
int bl_iter_ctx_status(const bl_iter_ctx *ctx);

/* ---- leaves (iter_term.c, iter_phrase.c) ---------------------------- */

/* One term searched in the text fields fields[0..n_fields) (title, body),
** scored BM25F with weight (= boost * idf). NULL when the term is in none
** of them in this segment (or on error: check ctx->rc). */
bl_iter *bl_iter_term_new(bl_iter_ctx *ctx, const char *term,
                          const bl_field_id *fields, size_t n_fields,
                          double weight);

/* Documents holding an exact keyword value (source, id); score 0. */
bl_iter *bl_iter_keyword_new(bl_iter_ctx *ctx, bl_field_id field,
                             const char *value);

/* Documents holding any of n terms in any of the fields, e.g. a prefix's
** expansions, each scoring the constant weight. */
bl_iter *bl_iter_terms_const_new(bl_iter_ctx *ctx, const bl_field_id *fields,
                                 size_t n_fields, const char *const *terms,
                                 size_t n, double weight);

/* Documents where terms[0..n) occur at the relative positions offsets
** (offsets[0] == 0), in order, with at most slop extra positions between
** the first and the last (slop 0: exactly), in one of the fields. The
** phrase frequency in a field is the number of positions of terms[0] that
** start a match; it is scored like a term's tf, with weight. */
bl_iter *bl_iter_phrase_new(bl_iter_ctx *ctx, const char *const *terms,
                            const uint32_t *offsets, size_t n, uint32_t slop,
                            const bl_field_id *fields, size_t n_fields,
                            double weight);

/* The phrase frequency of one document given each term's positions: the
** matching rule above, shared with tests. */
uint32_t bl_phrase_freq(const uint32_t *const *pos, const uint32_t *n_pos,
                        const uint32_t *offsets, size_t n, uint32_t slop);

/* ---- windows (iter_or.c) --------------------------------------------- */

/* The scores of BL_WINDOW consecutive documents from lo, summed clause by
** clause: a disjunction of short lists is scored a window at a time, each
** clause adding all its documents in the window before the next clause
** (search.c). score[j] is valid where bit j of hit is set, and list[0..n)
** holds those j in the order they were first hit (each clause's in
** increasing order), so that the window is read without scanning its
** bits. tft and tft_hit are one iterator's scratch, all bits clear between
** calls. */
#define BL_WINDOW 4096

typedef struct bl_window {
    uint32_t lo;
    uint32_t n;                /* entries of list */
    uint64_t hit[BL_WINDOW / 64];
    uint64_t tft_hit[BL_WINDOW / 64];
    uint16_t list[BL_WINDOW];
    double score[BL_WINDOW];
    double tft[BL_WINDOW];
} bl_window;

_Static_assert(BL_WINDOW <= 65536, "a window's list holds uint16_t");

/* Store s at slot j of vals where bit j of bits is clear, and set it; add
** it where the bit is set. */
static inline void bl_window_put(double *vals, uint64_t *bits, uint32_t j,
                                 double s)
{
    uint64_t bit = (uint64_t)1 << (j % 64);

    if (bits[j / 64] & bit) {
        vals[j] += s;
    } else {
        vals[j] = s;
        bits[j / 64] |= bit;
    }
}

/* bl_window_put on the window's scores, listing j when it is new. Written
** out rather than calling bl_window_put after its own bit test: GCC then
** tests the bit twice, 80.3k -> 84.2k instructions for `robert fuller`. */
static inline void bl_window_score(bl_window *w, uint32_t j, double s)
{
    uint64_t bit = (uint64_t)1 << (j % 64);

    if (w->hit[j / 64] & bit) {
        w->score[j] += s;
    } else {
        w->score[j] = s;
        w->hit[j / 64] |= bit;
        w->list[w->n++] = (uint16_t)j;
    }
}

/* Add the score of each document of it in [w->lo, hi) (hi <= w->lo +
** BL_WINDOW; it stands at or after lo) to the window: stored where its
** hit bit is clear, then set; added where it is set. The iterator is left
** on its first document >= hi. Sums are the same, bit for bit, as adding
** bl_iter_score of each document in turn. */
void bl_iter_add_window(bl_iter *it, bl_window *w, uint64_t hi);

/* ---- combinations (iter_and.c, iter_or.c, iter_not.c) ---------------- */

/* Documents matching every req[i]; opt[j] add their scores where they
** match too. Score: boost * the sum over req then opt, in the given order.
** Takes the children (none may be NULL). */
bl_iter *bl_iter_and_new(bl_iter_ctx *ctx, bl_iter **req, size_t n_req,
                         bl_iter **opt, size_t n_opt, double boost);

/* Documents matching any child; score: boost * the sum, in child order, of
** the children on the document. */
bl_iter *bl_iter_or_new(bl_iter_ctx *ctx, bl_iter **kids, size_t n,
                        double boost);

/* Documents of req that match none of excl; req's score. */
bl_iter *bl_iter_not_new(bl_iter_ctx *ctx, bl_iter *req, bl_iter **excl,
                         size_t n_excl);

/* Every document of the segment; score 0. */
bl_iter *bl_iter_all_new(bl_iter_ctx *ctx);

/* Documents dated within [from, to] (BL_NO_DATE: open end); score 0.
** Undated documents never match. */
bl_iter *bl_iter_date_new(bl_iter_ctx *ctx, int64_t from, int64_t to);

/* Nothing: an iterator that is done at once (a term absent from the
** segment inside a conjunction). */
bl_iter *bl_iter_empty_new(bl_iter_ctx *ctx);

#endif
