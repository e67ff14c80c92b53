/* text.c - turns the bytes of an input field into the text of a bl_doc:
** valid UTF-8 without NUL or control characters, optionally without SGML
** tags, with entities decoded and whitespace squeezed. One pass over the
** input, one arena allocation sized for the worst case.
** Invariant: whatever the input bytes, the output is valid UTF-8 holding no
** byte below 0x20 other than "\t" and "\n"; bytes that are not UTF-8 are
** read as Windows-1252 (a superset of Latin-1's printable characters), so
** no input byte is silently lost except control characters.
*/
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ingest/ingest.h"

/* Windows-1252's 0x80-0x9f; 0xfffd where it defines nothing. */
static const uint16_t cp1252[32] = {
    0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
    0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
    0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
    0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178};

/* The output under construction and its pending whitespace run. */
typedef struct out {
    char *p;
    size_t len;
    unsigned flags;
    bool ws;                   /* a whitespace run is pending */
    unsigned nl;               /* newlines in it */
} out;

static void put_ws(out *o, uint8_t c)
{
    if (o->flags & (ING_ONELINE | ING_PARAS)) {
        o->ws = true;
        o->nl += c == '\n';
        return;
    }
    if (o->len > 0)
        o->p[o->len++] = (char)(c == '\n' || c == '\t' ? c : ' ');
}

/* Emit the pending whitespace run before a visible character. */
static void flush_ws(out *o)
{
    if (o->ws && o->len > 0) {
        if ((o->flags & ING_PARAS) && o->nl >= 2) {
            o->p[o->len++] = '\n';
            o->p[o->len++] = '\n';
        } else {
            o->p[o->len++] = (o->flags & ING_PARAS) && o->nl ? '\n' : ' ';
        }
    }
    o->ws = false;
    o->nl = 0;
}

/* Emit code point cp (a character the caller has checked). */
static void put_cp(out *o, uint32_t cp)
{
    char *p;

    flush_ws(o);
    p = o->p + o->len;
    if (cp < 0x80) {
        p[0] = (char)cp;
        o->len += 1;
    } else if (cp < 0x800) {
        p[0] = (char)(0xc0 | cp >> 6);
        p[1] = (char)(0x80 | (cp & 0x3f));
        o->len += 2;
    } else if (cp < 0x10000) {
        p[0] = (char)(0xe0 | cp >> 12);
        p[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        p[2] = (char)(0x80 | (cp & 0x3f));
        o->len += 3;
    } else {
        p[0] = (char)(0xf0 | cp >> 18);
        p[1] = (char)(0x80 | (cp >> 12 & 0x3f));
        p[2] = (char)(0x80 | (cp >> 6 & 0x3f));
        p[3] = (char)(0x80 | (cp & 0x3f));
        o->len += 4;
    }
}

static bool is_ws(uint32_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* A code point we drop: controls (C0 but whitespace, DEL, C1), surrogates,
** out of range, the BOM. */
static bool is_dropped(uint32_t cp)
{
    return (cp < 0x20 && !is_ws(cp)) || (cp >= 0x7f && cp <= 0x9f) ||
           (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || cp == 0xfeff;
}

/* Length of the valid UTF-8 sequence at p[0..n) (p[0] >= 0x80), 0 if none;
** its code point in *cp. */
static size_t utf8_seq(const uint8_t *p, size_t n, uint32_t *cp)
{
    uint8_t c = p[0];
    size_t k;
    uint8_t lo = 0x80, hi = 0xbf;

    if (c >= 0xc2 && c <= 0xdf) {
        k = 2;
        *cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        k = 3;
        *cp = c & 0x0f;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        k = 4;
        *cp = c & 0x07;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
    } else {
        return 0;
    }
    if (n < k || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        *cp = *cp << 6 | (p[i] & 0x3f);
    }
    return k;
}

/* An entity at p[0..n) (p[0] == '&'): its length and code point, or 0. */
static size_t entity(const uint8_t *p, size_t n, uint32_t *cp)
{
    static const struct { const char *name; uint32_t cp; } named[] = {
        {"lt;", '<'}, {"gt;", '>'}, {"amp;", '&'}, {"quot;", '"'},
        {"apos;", '\''}, {"nbsp;", 0xa0}};
    size_t i = 1;
    uint32_t v = 0;

    if (n > 2 && p[1] == '#') {
        bool hex = n > 3 && (p[2] == 'x' || p[2] == 'X');

        i = hex ? 3 : 2;
        for (size_t start = i; i < n && i - start < 8; i++) {
            uint8_t c = p[i];

            if (c >= '0' && c <= '9')
                v = v * (hex ? 16 : 10) + (c - '0');
            else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                v = v * 16 + ((c | 0x20) - 'a' + 10);
            else
                break;
        }
        if (i == (hex ? 3u : 2u) || i >= n || p[i] != ';')
            return 0;
        *cp = v;
        return i + 1;
    }
    for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
        size_t len = strlen(named[k].name);

        if (n > len && memcmp(p + 1, named[k].name, len) == 0) {
            *cp = named[k].cp;
            return len + 1;
        }
    }
    return 0;
}

/* Bytes with the high bit set in p[0..len): each may become up to three
** bytes of UTF-8. Eight bytes at a time. */
static size_t count_high(const uint8_t *p, size_t len)
{
    size_t n = 0, k = 0;

    for (; k + 8 <= len; k += 8) {
        uint64_t w;

        memcpy(&w, p + k, 8);
        /* Each byte's top bit moved to bit 0, then all eight summed. */
        w = (w & 0x8080808080808080ULL) >> 7;
        n += (size_t)((w * 0x0101010101010101ULL) >> 56);
    }
    for (; k < len; k++)
        n += p[k] >> 7;
    return n;
}

/* Printable ASCII other than the two characters markup starts with. */
static inline bool plain(uint8_t c)
{
    return (uint8_t)(c - 0x21) < 0x5e && c != '<' && c != '&';
}

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* True when the 8 bytes at p are plain or single spaces, and the last is
** plain: no byte below ' ' or above '~', no '<' or '&', no two spaces in a
** row. Setting each byte's top bit before subtracting keeps borrows inside
** their byte, so every test below is exact. */
static inline bool word_plain(const uint8_t *p)
{
    uint64_t x, sp;

    memcpy(&x, p, 8);
    if (((x - ONES * 0x20) & ~x & HIGHS) != 0 ||        /* a byte < ' ' */
        ((x + ONES * 0x01) | x) & HIGHS ||              /* a byte > '~' */
        (((x ^ (ONES * '<')) - ONES) & ~(x ^ (ONES * '<')) & HIGHS) != 0 ||
        (((x ^ (ONES * '&')) - ONES) & ~(x ^ (ONES * '&')) & HIGHS) != 0)
        return false;
    sp = ~((x | HIGHS) - ONES * 0x21) & HIGHS;          /* the spaces */
    return (sp & (sp << 8)) == 0 && (sp >> 63) == 0;
}

#if defined(__SSE2__)
/* Bit j set where p[j] is plain, for 16 bytes at p. */
static inline unsigned plain16(const uint8_t *p)
{
    __m128i v = _mm_loadu_si128((const void *)p);
    /* 0x21..0x7e: minus 0x21, then a signed compare shifted by 128. */
    __m128i in = _mm_cmplt_epi8(_mm_sub_epi8(v, _mm_set1_epi8((char)0xa1)),
                                _mm_set1_epi8((char)(-128 + 0x5e)));
    __m128i markup = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('<')),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('&')));

    return (unsigned)_mm_movemask_epi8(_mm_andnot_si128(markup, in));
}
#endif

/* Length of the run at p[0..n) that ing_clean copies as it is: plain bytes
** and single spaces between them (p[0] is plain): a byte belongs to it if
** it is plain, or a space before a plain byte. Sixteen bytes at a time
** (SSE2, every x86-64 has it) while 17 remain, else eight (ing_clean of
** Reuters 508 -> 268 M instructions, callgrind; sixteen: 268 -> 129 M), then
** byte by byte. */
static size_t plain_run(const uint8_t *p, size_t n)
{
    size_t i = 1;

#if defined(__SSE2__)
    while (i + 17 <= n) {
        unsigned plain_here = plain16(p + i), plain_next = plain16(p + i + 1);
        unsigned spaces = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
            _mm_loadu_si128((const void *)(p + i)), _mm_set1_epi8(' ')));
        unsigned in_run = plain_here | (spaces & plain_next);
        unsigned k = (unsigned)__builtin_ctz(~in_run | 0x10000u);

        i += k;
        if (k < 16)
            return i;
    }
#endif
    for (;;) {
        size_t stop;

        while (i + 8 <= n && word_plain(p + i))
            i += 8;
        for (stop = i + 8; i < stop;) {
            if (i < n && plain(p[i]))
                i++;
            else if (i + 1 < n && p[i] == ' ' && plain(p[i + 1]))
                i += 2;
            else
                return i;
        }
    }
}

/* '<' then a letter, '/' or '!', and a '>' within MAX_TAG bytes: a tag,
** not a lone "less than". */
static bool looks_like_tag(const uint8_t *p, size_t n)
{
    enum { MAX_TAG = 256 };
    uint8_t c = n > 1 ? p[1] : 0;

    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' ||
          c == '!'))
        return false;
    return memchr(p, '>', n < MAX_TAG ? n : MAX_TAG) != NULL;
}

bool ing_utf8_valid(const uint8_t *p, size_t len)
{
    size_t i = 0;

    if (count_high(p, len) == 0)
        return true;
    while (i < len) {
        uint32_t cp;
        size_t k;

        if (p[i] < 0x80) {
            i++;
            continue;
        }
        k = utf8_seq(p + i, len - i, &cp);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

void ing_msg_fix(char *s)
{
    size_t len = strlen(s), i = 0;

    while (i < len) {
        uint32_t cp;
        size_t k = 1;

        if ((uint8_t)s[i] >= 0x80) {
            k = utf8_seq((const uint8_t *)s + i, len - i, &cp);
            if (k == 0) {
                s[i] = '?';
                k = 1;
            }
        }
        i += k;
    }
}

char *ing_clean(bl_arena *a, const uint8_t *p, size_t len, unsigned flags)
{
    size_t high, i = 0;
    out o;

    high = count_high(p, len);
    o.p = bl_arena_alloc(a, len + 2 * high + 2);
    if (o.p == NULL)
        return NULL;
    o.len = 0;
    o.flags = flags;
    o.ws = false;
    o.nl = 0;
    while (i < len) {
        uint8_t c = p[i];
        uint32_t cp;
        size_t k;

        if (plain(c)) {
            /* The common case: printable ASCII words with single spaces
            ** between them, copied as they are. */
            size_t k = plain_run(p + i, len - i);

            flush_ws(&o);
            memcpy(o.p + o.len, p + i, k);
            o.len += k;
            i += k;
        } else if (c == ' ' && !o.ws && o.len > 0 && i + 1 < len &&
                   plain(p[i + 1])) {
            o.p[o.len++] = ' ';        /* one space between two words */
            i++;
        } else if (c < 0x80 && is_ws(c)) {
            if (c != '\r')
                put_ws(&o, c == '\f' || c == '\v' ? ' ' : c);
            i++;
        } else if (c == '<') {
            const uint8_t *gt = (flags & ING_TAGS) && looks_like_tag(p + i,
                                                                len - i)
                ? memchr(p + i, '>', len - i) : NULL;

            if (gt != NULL) {
                put_ws(&o, ' ');
                i = (size_t)(gt - p) + 1;
            } else {
                put_cp(&o, '<');
                i++;
            }
        } else if (c == '&') {
            k = (flags & ING_ENTITIES) ? entity(p + i, len - i, &cp) : 0;
            if (k == 0) {
                put_cp(&o, '&');
                i++;
                continue;
            }
            i += k;
            if (is_ws(cp))
                put_ws(&o, cp == '\n' || cp == '\t' ? (uint8_t)cp : ' ');
            else if (!is_dropped(cp) && cp != 0)
                put_cp(&o, cp);
        } else if (c < 0x80) {
            i++;               /* a control character */
        } else if ((k = utf8_seq(p + i, len - i, &cp)) > 0) {
            if (!is_dropped(cp)) {
                flush_ws(&o);
                memcpy(o.p + o.len, p + i, k);
                o.len += k;
            }
            i += k;
        } else {
            put_cp(&o, c >= 0xa0 ? c : cp1252[c - 0x80]);
            i++;
        }
    }
    while (o.len > 0 && is_ws((uint8_t)o.p[o.len - 1]))
        o.len--;
    o.p[o.len] = '\0';
    return o.p;
}
