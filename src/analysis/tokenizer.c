/* tokenizer.c - the word-boundary rules of tokenizer.h over raw UTF-8.
**
** ASCII bytes are classified by a table; other code points by utf8proc's
** general category. Bytes that do not decode as UTF-8 are separators, so a
** token's byte range always holds valid UTF-8. Invariant: tokens come out
** in text order with non-decreasing positions, every range lies inside the
** text, is non-empty and starts and ends on character boundaries.
*/
#include "analysis/tokenizer.h"

#include <utf8proc.h>

#include "analysis/normalize.h"

enum {
    CL_SEP = 0,                /* separates tokens */
    CL_LETTER,                 /* letters and non-decimal numbers */
    CL_DIGIT,                  /* decimal digits */
    CL_MARK,                   /* combining marks: continue a token */
    CL_JOINER,                 /* soft hyphen, ZWJ, ZWNJ: inside words */
    CL_CJK                     /* Han, kana, Hangul: bigrams */
};

/* Class of each ASCII byte: letters and digits; all else separates. The
** bytes of other characters (0x80 and up) read CL_SEP too: they are decoded
** (char_at) before their class is trusted. */
static const uint8_t ascii_class[256] = {
    ['0'] = CL_DIGIT, ['1'] = CL_DIGIT, ['2'] = CL_DIGIT, ['3'] = CL_DIGIT,
    ['4'] = CL_DIGIT, ['5'] = CL_DIGIT, ['6'] = CL_DIGIT, ['7'] = CL_DIGIT,
    ['8'] = CL_DIGIT, ['9'] = CL_DIGIT,
    ['A'] = CL_LETTER, ['B'] = CL_LETTER, ['C'] = CL_LETTER, ['D'] = CL_LETTER,
    ['E'] = CL_LETTER, ['F'] = CL_LETTER, ['G'] = CL_LETTER, ['H'] = CL_LETTER,
    ['I'] = CL_LETTER, ['J'] = CL_LETTER, ['K'] = CL_LETTER, ['L'] = CL_LETTER,
    ['M'] = CL_LETTER, ['N'] = CL_LETTER, ['O'] = CL_LETTER, ['P'] = CL_LETTER,
    ['Q'] = CL_LETTER, ['R'] = CL_LETTER, ['S'] = CL_LETTER, ['T'] = CL_LETTER,
    ['U'] = CL_LETTER, ['V'] = CL_LETTER, ['W'] = CL_LETTER, ['X'] = CL_LETTER,
    ['Y'] = CL_LETTER, ['Z'] = CL_LETTER,
    ['a'] = CL_LETTER, ['b'] = CL_LETTER, ['c'] = CL_LETTER, ['d'] = CL_LETTER,
    ['e'] = CL_LETTER, ['f'] = CL_LETTER, ['g'] = CL_LETTER, ['h'] = CL_LETTER,
    ['i'] = CL_LETTER, ['j'] = CL_LETTER, ['k'] = CL_LETTER, ['l'] = CL_LETTER,
    ['m'] = CL_LETTER, ['n'] = CL_LETTER, ['o'] = CL_LETTER, ['p'] = CL_LETTER,
    ['q'] = CL_LETTER, ['r'] = CL_LETTER, ['s'] = CL_LETTER, ['t'] = CL_LETTER,
    ['u'] = CL_LETTER, ['v'] = CL_LETTER, ['w'] = CL_LETTER, ['x'] = CL_LETTER,
    ['y'] = CL_LETTER, ['z'] = CL_LETTER,
};

/* ASCII bytes that end a word at once: neither letter, digit nor one of
** the joining characters ' - . , (non-ASCII bytes are 0: decode them). */
static const uint8_t ascii_stop[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1,
    [0x06] = 1, [0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0A] = 1, [0x0B] = 1,
    [0x0C] = 1, [0x0D] = 1, [0x0E] = 1, [0x0F] = 1, [0x10] = 1, [0x11] = 1,
    [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1,
    [0x18] = 1, [0x19] = 1, [0x1A] = 1, [0x1B] = 1, [0x1C] = 1, [0x1D] = 1,
    [0x1E] = 1, [0x1F] = 1, [' '] = 1, ['!'] = 1, ['"'] = 1, ['#'] = 1,
    ['$'] = 1, ['%'] = 1, ['&'] = 1, ['('] = 1, [')'] = 1, ['*'] = 1,
    ['+'] = 1, ['/'] = 1, [':'] = 1, [';'] = 1, ['<'] = 1, ['='] = 1,
    ['>'] = 1, ['?'] = 1, ['@'] = 1, ['['] = 1, ['\\'] = 1, [']'] = 1,
    ['^'] = 1, ['_'] = 1, ['`'] = 1, ['{'] = 1, ['|'] = 1, ['}'] = 1,
    ['~'] = 1, [0x7F] = 1,
};

/* Han, kana and Hangul, by block. */
static int is_cjk(int32_t c)
{
    return (c >= 0x3005 && c <= 0x3007) || (c >= 0x3021 && c <= 0x3029) ||
           (c >= 0x3038 && c <= 0x303C) || (c >= 0x3041 && c <= 0x30FF) ||
           (c >= 0x3131 && c <= 0x318F) || (c >= 0x31F0 && c <= 0x31FF) ||
           (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||
           (c >= 0xA960 && c <= 0xA97F) || (c >= 0xAC00 && c <= 0xD7FF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFF66 && c <= 0xFFDC) ||
           (c >= 0x1100 && c <= 0x11FF) || (c >= 0x20000 && c <= 0x3134F);
}

static int class_of(int32_t c)
{
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return is_cjk(c) ? CL_CJK : CL_LETTER;
    case UTF8PROC_CATEGORY_ND:
        return CL_DIGIT;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return CL_MARK;
    case UTF8PROC_CATEGORY_CF:
        return (c == 0x00AD || c == 0x200C || c == 0x200D) ? CL_JOINER
                                                            : CL_SEP;
    default:
        return CL_SEP;
    }
}

/* Class and code point of the character at i (i < t->len); *n is its
** length in bytes (1 for an invalid byte, which separates). */
static inline int char_at(const bl_tokenizer *t, size_t i, int32_t *cp,
                          size_t *n)
{
    uint8_t b = t->text[i];

    if (b < 0x80) {
        *cp = b;
        *n = 1;
        return ascii_class[b];
    }
    *n = bl_utf8_decode(t->text + i, t->text + t->len, cp);
    if (*n == 0) {
        *cp = -1;
        *n = 1;
        return CL_SEP;
    }
    return class_of(*cp);
}

/* Class of the character at i, CL_SEP past the end. */
static int class_at(const bl_tokenizer *t, size_t i)
{
    int32_t cp;
    size_t n;

    if (i >= t->len)
        return CL_SEP;
    return char_at(t, i, &cp, &n);
}

static int is_word_class(int c)
{
    return c == CL_LETTER || c == CL_DIGIT;
}

/* How many bytes from p on are ASCII letters and digits. Sixteen bytes at
** a time where sixteen remain (SSE2, which every x86-64 has): testing one
** byte at a time mispredicts at the end of every word, and a word of
** Reuters averages five letters (bench_analyze: 94.5 -> 97.6 MB/s). */
static inline size_t word_run(const bl_tokenizer *t, size_t p)
{
    size_t start = p;

#if defined(__SSE2__)
    while (p + 16 <= t->len) {
        /* Letters folded to lower case first: | 0x20 maps no byte but
        ** 'A'..'Z' into 'a'..'z'. */
        __m128i v = _mm_loadu_si128((const void *)(t->text + p));
        __m128i word = _mm_or_si128(
            bl_bytes_in(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26),
            bl_bytes_in(v, '0', 10));
        unsigned k = (unsigned)__builtin_ctz(
            ~(unsigned)_mm_movemask_epi8(word));

        p += k;
        if (k < 16)
            return p - start;
    }
#endif
    while (p < t->len && is_word_class(ascii_class[t->text[p]]))
        p++;
    return p - start;
}

/* Whether there is a letter at i (i may be the end of the text) that stands
** alone: the character after it (and after its marks) does not continue a
** word. */
static int single_letter_at(const bl_tokenizer *t, size_t i)
{
    int32_t cp;
    size_t n;
    int c;

    if (i >= t->len || char_at(t, i, &cp, &n) != CL_LETTER)
        return 0;
    for (i += n; i < t->len; i += n) {
        c = char_at(t, i, &cp, &n);
        if (c != CL_MARK)
            return !is_word_class(c) && c != CL_JOINER;
    }
    return 1;
}

static uint32_t cut_end(const bl_tokenizer *t, size_t start, size_t end,
                        unsigned *flags)
{
    if (end - start <= BL_NORM_MAX)
        return (uint32_t)end;
    *flags |= BL_TOK_CUT;
    return (uint32_t)(start + bl_utf8_cut((const char *)t->text + start,
                                          end - start, BL_NORM_MAX));
}

/* Scan the word starting at `start` (a letter or digit); fill out and queue
** the parts of a compound. */
static void scan_word(bl_tokenizer *t, size_t start, bl_rawtok *out)
{
    size_t p = start;
    int last = CL_SEP;         /* class of the last letter or digit */
    unsigned seg_chars = 0;    /* letters and digits since the last joint */
    int acro_ok = 1;           /* every joint so far was an acronym dot */
    int acro = 0;              /* at least one acronym dot */
    unsigned n_parts = 0;

    t->part_start[0] = (uint32_t)start;
    while (p < t->len) {
        int32_t cp;
        size_t n, run;
        int c;

        /* Fast path: a run of ASCII letters and digits. */
        run = word_run(t, p);
        if (run > 0) {
            p += run;
            last = ascii_class[t->text[p - 1]];
            seg_chars += (unsigned)run;
        }
        if (p >= t->len || ascii_stop[t->text[p]])
            break;
        c = char_at(t, p, &cp, &n);

        if (is_word_class(c)) {
            last = c;
            seg_chars++;
            p += n;
            continue;
        }
        if (c == CL_MARK) {
            p += n;
            continue;
        }
        if (c == CL_JOINER) {
            int nc = class_at(t, p + n);

            if (is_word_class(nc) || nc == CL_MARK) {
                p += n;
                continue;
            }
            break;
        }
        if (cp == '\'' || cp == 0x2019) {
            if (!acro && class_at(t, p + n) == CL_LETTER) {
                acro_ok = 0;
                seg_chars = 0;
                p += n;
                continue;
            }
            break;
        }
        if (cp == '-' || cp == 0x2010 || cp == 0x2011) {
            if (!acro && is_word_class(class_at(t, p + n)) &&
                n_parts + 1 < BL_TOK_MAX_PARTS) {
                t->part_end[n_parts++] = (uint32_t)p;
                t->part_start[n_parts] = (uint32_t)(p + n);
                acro_ok = 0;
                seg_chars = 0;
                p += n;
                continue;
            }
            break;
        }
        if ((cp == '.' || cp == ',') && last == CL_DIGIT &&
            class_at(t, p + 1) == CL_DIGIT) {
            acro_ok = 0;
            p += 1;
            continue;
        }
        if (cp == '.' && acro_ok && seg_chars == 1 && last == CL_LETTER &&
            single_letter_at(t, p + 1)) {
            acro = 1;
            seg_chars = 0;
            p += 1;
            continue;
        }
        break;
    }
    if (acro && p < t->len && t->text[p] == '.')
        p++;

    out->start = (uint32_t)start;
    out->flags = acro ? BL_TOK_ACRONYM : 0;
    out->end = cut_end(t, start, p, &out->flags);
    out->pos = t->pos;
    if (n_parts > 0) {
        t->part_end[n_parts++] = (uint32_t)p;
        out->flags |= BL_TOK_COMPOUND;
        t->n_parts = n_parts;
        t->next_part = 0;
        t->part_pos = t->pos;
        t->pos += n_parts;
    } else {
        t->pos++;
    }
    t->at = p;
}

/* End of the CJK character at i, with the marks that follow it (at most
** 64 bytes in all, so that a bigram stays short). */
static size_t cjk_unit_end(const bl_tokenizer *t, size_t i)
{
    int32_t cp;
    size_t n, start = i;

    char_at(t, i, &cp, &n);
    for (i += n; i < t->len; i += n) {
        if (char_at(t, i, &cp, &n) != CL_MARK || i + n - start > 64)
            break;
    }
    return i;
}

/* The next token of the current CJK run, or false when the run is over. */
static bool next_cjk(bl_tokenizer *t, bl_rawtok *out)
{
    size_t b = cjk_unit_end(t, t->cjk_at);

    if (class_at(t, b) == CL_CJK) {
        out->start = (uint32_t)t->cjk_at;
        out->end = (uint32_t)cjk_unit_end(t, b);
        out->pos = t->pos++;
        out->flags = BL_TOK_CJK;
        t->cjk_at = b;
        t->cjk_emitted = true;
        return true;
    }
    t->in_cjk = false;
    t->at = b;
    if (t->cjk_emitted)
        return false;
    out->start = (uint32_t)t->cjk_at;
    out->end = (uint32_t)b;
    out->pos = t->pos++;
    out->flags = BL_TOK_CJK;
    return true;
}

void bl_tokenizer_init(bl_tokenizer *t, const char *text, size_t len)
{
    t->text = (const uint8_t *)text;
    t->len = len;
    t->at = 0;
    t->pos = 0;
    t->n_parts = 0;
    t->next_part = 0;
    t->part_pos = 0;
    t->in_cjk = false;
    t->cjk_emitted = false;
    t->cjk_at = 0;
}

bool bl_tokenizer_next(bl_tokenizer *t, bl_rawtok *out)
{
    size_t p;

    if (t->next_part < t->n_parts) {
        unsigned i = t->next_part++;

        out->start = t->part_start[i];
        out->flags = BL_TOK_PART;
        out->end = cut_end(t, t->part_start[i], t->part_end[i], &out->flags);
        out->pos = t->part_pos + i;
        if (t->next_part == t->n_parts)
            t->n_parts = t->next_part = 0;
        return true;
    }
    if (t->in_cjk && next_cjk(t, out))
        return true;
    p = t->at;
    while (p < t->len) {
        int32_t cp;
        size_t n;
        int c;

        /* Fast skip over ASCII separators. */
        while (p < t->len && t->text[p] < 0x80 &&
               ascii_class[t->text[p]] == CL_SEP)
            p++;
        if (p >= t->len)
            break;
        c = char_at(t, p, &cp, &n);
        if (is_word_class(c)) {
            scan_word(t, p, out);
            return true;
        }
        if (c == CL_CJK) {
            t->in_cjk = true;
            t->cjk_emitted = false;
            t->cjk_at = p;
            if (next_cjk(t, out))
                return true;
            p = t->at;
            continue;
        }
        p += n;
    }
    t->at = t->len;
    return false;
}
