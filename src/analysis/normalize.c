/* normalize.c - from the bytes of one token to its normal form (see
** normalize.h): a strict UTF-8 decoder, NFKC + case folding through
** utf8proc with an ASCII fast path, and accent folding.
**
** Invariant: the output of bl_norm_term and bl_norm_fold is valid UTF-8 of
** at most BL_NORM_MAX bytes, and the ASCII fast path gives exactly what the
** utf8proc path would (ASCII is stable under NFKC; its case fold is the
** lower case), so a word's term never depends on which path ran.
*/
#include "analysis/normalize.h"

#include <string.h>
#include <utf8proc.h>

#include "byline.h"

size_t bl_utf8_decode(const uint8_t *p, const uint8_t *end, int32_t *cp)
{
    uint8_t b0 = p[0];
    size_t avail = (size_t)(end - p);
    int32_t c;

    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    }
    if (b0 < 0xC2)                  /* continuation byte or overlong lead */
        return 0;
    if (b0 < 0xE0) {
        if (avail < 2 || (p[1] & 0xC0) != 0x80)
            return 0;
        *cp = ((int32_t)(b0 & 0x1F) << 6) | (p[1] & 0x3F);
        return 2;
    }
    if (b0 < 0xF0) {
        if (avail < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        c = ((int32_t)(b0 & 0x0F) << 12) | ((int32_t)(p[1] & 0x3F) << 6) |
            (p[2] & 0x3F);
        if (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))
            return 0;
        *cp = c;
        return 3;
    }
    if (b0 < 0xF5) {
        if (avail < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
            (p[3] & 0xC0) != 0x80)
            return 0;
        c = ((int32_t)(b0 & 0x07) << 18) | ((int32_t)(p[1] & 0x3F) << 12) |
            ((int32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
        if (c < 0x10000 || c > 0x10FFFF)
            return 0;
        *cp = c;
        return 4;
    }
    return 0;
}

size_t bl_utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    len = max;
    /* Back up over continuation bytes to the start of a sequence. */
    while (len > 0 && ((uint8_t)s[len] & 0xC0) == 0x80)
        len--;
    return len;
}

#define NORM_OPTS (UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | \
                   UTF8PROC_CASEFOLD | UTF8PROC_IGNORE)

/* End the term of o bytes in out: its NUL, and zeros to 16 bytes. */
static int pad_term(char *out, size_t o)
{
    out[o] = '\0';
    if (o < 16)
        memset(out + o, 0, 16 - o);
    return (int)o;
}

int bl_norm_term(bl_normalizer *n, const char *s, size_t len, unsigned flags,
                 char *out, size_t cap)
{
    utf8proc_ssize_t n_cps;
    size_t o = 0;
    size_t i;

    if (cap < BL_NORM_MAX + 1)
        return BL_EINVAL;
#if defined(__SSE2__)
    /* Most terms: at most 16 bytes of ASCII and no acronym dots to drop,
    ** lower-cased 16 bytes at once, loaded straight from the text when it
    ** goes on for 16 bytes (BL_NORM_READ16; the bytes past the term are
    ** ignored), else from a zero-padded copy; cap leaves room for the
    ** 16 bytes stored. The byte loop below took 16 instructions a byte
    ** (bench_analyze: 99 -> 104 MB/s); the copy's memset and memcpy call
    ** 0.8% of the instructions of indexing Reuters. */
    if (len <= 16 && !(flags & BL_NORM_ACRONYM)) {
        __m128i v, upper;

        if (flags & BL_NORM_READ16) {
            v = _mm_loadu_si128((const void *)s);
        } else {
            uint8_t pad[16] = {0};

            memcpy(pad, s, len);
            v = _mm_loadu_si128((const void *)pad);
        }
        if ((_mm_movemask_epi8(v) & ((1u << len) - 1)) == 0) {
            /* Lower-cased, the bytes past the term zeroed: one store
            ** writes the term, its NUL and the padding. */
            __m128i keep = _mm_cmpgt_epi8(
                _mm_set1_epi8((char)len),
                _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
                              14, 15));

            upper = bl_bytes_in(v, 'A', 26);
            v = _mm_add_epi8(v, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
            _mm_storeu_si128((void *)out, _mm_and_si128(v, keep));
            if (len == 16)
                out[16] = '\0';
            return (int)len;
        }
    }
#endif
    /* ASCII fast path: lower case, maybe drop dots. */
    for (i = 0; i < len; i++) {
        uint8_t c = (uint8_t)s[i];

        if (c >= 0x80)
            break;
        if (c == '.' && (flags & BL_NORM_ACRONYM))
            continue;
        if (o == BL_NORM_MAX)
            return BL_ELIMIT;
        out[o++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    if (i == len)
        return pad_term(out, o);
    o = 0;

    n_cps = utf8proc_decompose((const utf8proc_uint8_t *)s,
                               (utf8proc_ssize_t)len, n->cps,
                               (utf8proc_ssize_t)(sizeof n->cps /
                                                  sizeof n->cps[0]),
                               NORM_OPTS);
    if (n_cps < 0)
        return BL_EINVAL;          /* the tokenizer passes valid UTF-8 */
    if ((size_t)n_cps > sizeof n->cps / sizeof n->cps[0])
        return BL_ELIMIT;
    n_cps = utf8proc_normalize_utf32(n->cps, n_cps, NORM_OPTS);
    if (n_cps < 0)
        return BL_EINVAL;
    for (utf8proc_ssize_t k = 0; k < n_cps; k++) {
        int32_t c = n->cps[k];
        uint8_t enc[4];
        utf8proc_ssize_t w;

        if (c == 0x2019)
            c = '\'';
        else if (c == '.' && (flags & BL_NORM_ACRONYM))
            continue;
        w = utf8proc_encode_char(c, enc);
        if (o + (size_t)w > BL_NORM_MAX)
            return BL_ELIMIT;
        memcpy(out + o, enc, (size_t)w);
        o += (size_t)w;
    }
    return pad_term(out, o);
}

/* Combining diacritics that accent folding removes: the general combining
** blocks plus Hebrew points and Arabic harakat. Vowel signs of Indic and
** Southeast Asian scripts and the kana voicing marks stay. */
static int is_foldable_mark(int32_t c)
{
    return (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
           (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
           (c >= 0xFE20 && c <= 0xFE2F) || (c >= 0x0591 && c <= 0x05BD) ||
           c == 0x05BF || c == 0x05C1 || c == 0x05C2 || c == 0x05C4 ||
           c == 0x05C5 || c == 0x05C7 || (c >= 0x064B && c <= 0x065F) ||
           c == 0x0670;
}

/* Latin letters with no canonical decomposition, folded by hand; the
** replacement is one or two ASCII letters. */
static const char *fold_letter(int32_t c)
{
    switch (c) {
    case 0x00E6: return "ae";      /* æ */
    case 0x00F0: return "d";       /* ð */
    case 0x00F8: return "o";       /* ø */
    case 0x00FE: return "th";      /* þ */
    case 0x0111: return "d";       /* đ */
    case 0x0127: return "h";       /* ħ */
    case 0x0131: return "i";       /* dotless ı */
    case 0x0142: return "l";       /* ł */
    case 0x0153: return "oe";      /* œ */
    case 0x0167: return "t";       /* ŧ */
    default:     return NULL;
    }
}

size_t bl_norm_fold(bl_normalizer *n, char *term, size_t len)
{
    size_t cap = sizeof n->cps / sizeof n->cps[0];
    utf8proc_ssize_t n_cps, k, m = 0;
    size_t o = 0, i;

    for (i = 0; i < len && (uint8_t)term[i] < 0x80; i++)
        ;
    if (i == len)
        return len;
    n_cps = utf8proc_decompose((const utf8proc_uint8_t *)term,
                               (utf8proc_ssize_t)len, n->cps,
                               (utf8proc_ssize_t)cap / 2,
                               UTF8PROC_STABLE | UTF8PROC_DECOMPOSE);
    if (n_cps < 0 || (size_t)n_cps > cap / 2)
        return len;                /* cannot happen on a normalised term */
    /* Filter in place; two-letter replacements may grow the sequence, so
    ** the output is written to the upper half of the buffer. */
    for (k = 0; k < n_cps; k++) {
        int32_t c = n->cps[k];
        const char *r;

        if (is_foldable_mark(c))
            continue;
        r = fold_letter(c);
        if (r == NULL) {
            n->cps[cap / 2 + (size_t)m++] = c;
            continue;
        }
        for (; *r != '\0'; r++)
            n->cps[cap / 2 + (size_t)m++] = *r;
    }
    m = utf8proc_normalize_utf32(n->cps + cap / 2, m,
                                 UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (m < 0)
        return len;
    for (k = 0; k < m; k++) {
        uint8_t enc[4];
        utf8proc_ssize_t w = utf8proc_encode_char(n->cps[cap / 2 + (size_t)k],
                                                  enc);

        if (o + (size_t)w > BL_NORM_MAX)
            break;
        memcpy(term + o, enc, (size_t)w);
        o += (size_t)w;
    }
    term[o] = '\0';
    return o;
}
