/* normalize.h - UTF-8 decoding and the normal form of a term: NFKC, case
** folding and (optionally) accent folding, all through utf8proc.
**
** The tokenizer finds word boundaries on the caller's original bytes; this
** module turns the bytes of one token into its term. Normalising token by
** token (not the whole text first) keeps every token's byte offsets exact
** in the original text, which highlighting needs.
**
** The normal form of a token's bytes is, in order:
**   1. NFKC with full case folding; default-ignorable code points (soft
**      hyphen, zero-width joiners) removed;
**   2. the right single quotation mark U+2019 becomes the ASCII apostrophe,
**      so "don’t" and "don't" are the same term;
**   3. with BL_NORM_ACRONYM, every '.' is removed ("U.S." -> "us").
** Accent folding (bl_norm_fold) is a separate step because the analyzer
** runs it after stemming: Snowball stemmers for French, Spanish, German or
** Russian read the accented letters. It removes the combining diacritics of
** the canonical decomposition (É -> e, ñ -> n, й -> и) and maps the few
** Latin letters without one (ø -> o, ł -> l, đ -> d, æ -> ae, œ -> oe,
** þ -> th); marks that carry meaning in Indic or Southeast Asian scripts
** are kept.
*/
#ifndef BL_NORMALIZE_H
#define BL_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

/* Decode one UTF-8 sequence at p (p < end). Returns its length (1..4) and
** sets *cp, or returns 0 when the bytes are not valid UTF-8 (truncated,
** overlong, a surrogate, above U+10FFFF): the caller treats that one byte
** as a separator. */
size_t bl_utf8_decode(const uint8_t *p, const uint8_t *end, int32_t *cp);

/* Flags for bl_norm_term. */
#define BL_NORM_ACRONYM 1u     /* drop '.' (the token is an acronym) */
#define BL_NORM_READ16 2u      /* 16 bytes from s are readable, whatever
                                  len is (the text goes on after it) */

/* The longest term the normaliser produces, in bytes (BL_MAX_TERM of the
** segment format; kept equal by a static assertion in analyzer.c). */
#define BL_NORM_MAX 256

/* Scratch space for one thread's normalisation; no heap memory. */
typedef struct bl_normalizer {
    int32_t cps[BL_NORM_MAX * 20]; /* code points after decomposition */
} bl_normalizer;

/* Normalise len bytes of valid UTF-8 (a token found by the tokenizer) into
** out (cap >= BL_NORM_MAX + 1 bytes, NUL-terminated; a term shorter than 16
** bytes is zero-padded to 16). Returns the length of the term, or a
** negative BL_E* code; BL_ELIMIT when the term would exceed BL_NORM_MAX
** bytes (the caller cuts the token shorter and retries). */
int bl_norm_term(bl_normalizer *n, const char *s, size_t len, unsigned flags,
                 char *out, size_t cap);

/* Fold accents of a normalised term in place (see above); term has len
** bytes and room for BL_NORM_MAX + 1. Returns the new length (never longer
** than BL_NORM_MAX: a longer result is cut at a UTF-8 boundary). */
size_t bl_norm_fold(bl_normalizer *n, char *term, size_t len);

#if defined(__SSE2__)
#include <emmintrin.h>

/* 0xFF in each byte of v that lies in [lo, lo + n) (n <= 128), 0 in the
** others: x - (lo + 128) < -128 + n, compared signed, holds exactly then.
** The tokenizer's and the normaliser's ASCII tests, 16 bytes at a time. */
static inline __m128i bl_bytes_in(__m128i v, unsigned char lo, int n)
{
    return _mm_cmplt_epi8(_mm_sub_epi8(v, _mm_set1_epi8((char)(lo + 128))),
                          _mm_set1_epi8((char)(-128 + n)));
}
#endif

/* Cut len bytes of UTF-8 to at most max bytes at a code point boundary;
** returns the new length. */
size_t bl_utf8_cut(const char *s, size_t len, size_t max);

#endif
