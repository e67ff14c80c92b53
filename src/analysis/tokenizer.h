/* tokenizer.h - split UTF-8 text into raw tokens: byte ranges of the
** caller's original text plus positions. Knows nothing of normal forms,
** stopwords or stemming; the analyzer turns each raw token into a term.
**
** Rules (character classes from utf8proc's general categories):
**  - A word is a run of letters, digits and marks (a mark never starts
**    one). Soft hyphen and zero-width (non-)joiners inside a word belong to
**    it (normalisation removes them). Everything else separates: spaces,
**    punctuation, symbols and emoji, control characters, NUL, and every
**    byte that is not valid UTF-8.
**  - Apostrophe: ' or ’ between a letter or digit and a letter joins
**    ("don't", "O’Brien", "rock'n'roll"); a leading or trailing one does
**    not. The term keeps it as ASCII ' (normalize.h).
**  - Acronym: single letters each followed by a dot ("U.S.", "e.g.") form
**    one token whose byte range includes the final dot; flag BL_TOK_ACRONYM
**    (the term drops the dots: "us", "eg").
**  - Number: '.' or ',' between two decimal digits joins ("1,000.50",
**    "3.5", "10.0.0.1"); the term keeps the separators.
**  - Hyphen: '-', U+2010 or U+2011 between letters/digits joins a compound
**    ("state-of-the-art", "COVID-19"). The compound is emitted whole first
**    (BL_TOK_COMPOUND) at the position p of its first part, then each part
**    (BL_TOK_PART) at p, p+1, ...; the next token gets p + parts. A phrase
**    query analysed the same way therefore matches both "state-of-the-art"
**    and "state of the art". At most BL_TOK_MAX_PARTS parts: a further
**    hyphen ends the compound.
**  - CJK (Han, kana, Hangul): a run of them gives overlapping bigrams, one
**    position each ("東京都" -> "東京"@p, "京都"@p+1); a run of one gives a
**    unigram (BL_TOK_CJK). Marks after a CJK character belong to it.
**  - A word longer than BL_NORM_MAX bytes is cut at a character boundary
**    to its first BL_NORM_MAX bytes (BL_TOK_CUT); the rest of the word is
**    skipped. One token, one position.
*/
#ifndef BL_TOKENIZER_H
#define BL_TOKENIZER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BL_TOK_ACRONYM  1u     /* "U.S.": the term drops the dots */
#define BL_TOK_COMPOUND 2u     /* a hyphenated word, whole */
#define BL_TOK_PART     4u     /* one part of the compound before it */
#define BL_TOK_CJK      8u     /* a CJK bigram or single character */
#define BL_TOK_CUT      16u    /* cut to the length limit */

#define BL_TOK_MAX_PARTS 32

typedef struct bl_rawtok {
    uint32_t start;            /* first byte in the text */
    uint32_t end;              /* one past the last byte */
    uint32_t pos;              /* token position */
    unsigned flags;            /* BL_TOK_* */
} bl_rawtok;

/* The state of one pass over one text; caller-allocated, no heap memory.
** Fields are private. */
typedef struct bl_tokenizer {
    const uint8_t *text;       /* the text, borrowed */
    size_t len;                /* its length in bytes (< 4 GiB) */
    size_t at;                 /* where the next scan starts */
    uint32_t pos;              /* position of the next word */
    uint32_t part_start[BL_TOK_MAX_PARTS]; /* parts of a compound */
    uint32_t part_end[BL_TOK_MAX_PARTS];
    unsigned n_parts;          /* parts queued */
    unsigned next_part;        /* next part to emit */
    uint32_t part_pos;         /* position of the first part */
    bool in_cjk;               /* inside a run of CJK characters */
    bool cjk_emitted;          /* a bigram of the run was emitted */
    size_t cjk_at;             /* start of the current CJK character */
} bl_tokenizer;

/* Start a pass over len bytes of text (borrowed for the whole pass). The
** caller guarantees len < 4 GiB so that offsets fit in 32 bits. */
void bl_tokenizer_init(bl_tokenizer *t, const char *text, size_t len);

/* The next raw token in text order: true and *out set, or false at the
** end. */
bool bl_tokenizer_next(bl_tokenizer *t, bl_rawtok *out);

#endif
