/* test_corpus.c - the bundled sample corpus, corpus/sample/articles.jsonl:
** one JSON object a line with exactly seven string fields, unique ids,
** bodies of 60 to 250 words, ISO 8601 dates spanning ten years or more,
** several sources and languages, valid UTF-8, the awkward text that
** analysis tests rely on (curly quotes, literal HTML entities, CJK), and one
** group of near-duplicate wire copies found by word 5-shingles.
**
** The checkers (date shape, UTF-8, shingle similarity) are first tried on
** crafted good and bad inputs, so that a check passing on the sample means
** something.
*/
#include "fixture.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <utf8proc.h>

#include "base/hash.h"

#define SAMPLE "corpus/sample/articles.jsonl"
#define MIN_ARTICLES 300
#define MIN_WORDS 60
#define MAX_WORDS 250
#define SHINGLE 5
#define NEAR_DUP 0.80

static const char *const FIELDS[] = {
    "id", "title", "body", "date", "source", "url", "lang",
};
#define N_FIELDS (sizeof FIELDS / sizeof FIELDS[0])

typedef struct article {
    char *f[N_FIELDS];          /* in FIELDS order, malloc'ed */
    uint64_t *shingles;         /* sorted, unique */
    size_t n_shingles;
} article;

enum { F_ID, F_TITLE, F_BODY, F_DATE, F_SOURCE, F_URL, F_LANG };

typedef struct sample {
    char *raw;                  /* the whole file */
    size_t len;
    article *a;
    size_t n;
} sample;

/* ---- checkers ---------------------------------------------------------- */

static size_t count_words(const char *s)
{
    size_t n = 0;
    int in_word = 0;

    for (; *s != '\0'; s++) {
        int space = isspace((unsigned char)*s);

        if (!space && !in_word)
            n++;
        in_word = !space;
    }
    return n;
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static long days_from_civil(int y, int m, int d)
{
    long era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Parse YYYY-MM-DDThh:mm:ss followed by Z or +hh:mm / -hh:mm, nothing else.
** Returns 0 and the UTC instant in seconds, or -1. */
static int parse_iso8601(const char *s, long long *out)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, sec, zh = 0, zm = 0, n = 0, sign = 0;
    const char *z;

    for (size_t i = 0; i < sizeof shape - 1; i++) {
        if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
            return -1;
    }
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
               &n) != 6 || n != 19)
        return -1;
    z = s + n;
    if (strcmp(z, "Z") != 0) {
        n = 0;
        if ((z[0] != '+' && z[0] != '-') || !isdigit((unsigned char)z[1]) ||
            !isdigit((unsigned char)z[2]) || z[3] != ':' ||
            !isdigit((unsigned char)z[4]) || !isdigit((unsigned char)z[5]) ||
            sscanf(z + 1, "%2d:%2d%n", &zh, &zm, &n) != 2 || n != 5 ||
            z[6] != '\0')
            return -1;
        sign = z[0] == '+' ? 1 : -1;
    }
    if (mo < 1 || mo > 12 || d < 1 ||
        d > mdays[mo - 1] + (mo == 2 && is_leap(y)) || h > 23 || mi > 59 ||
        sec > 59 || zh > 14 || zm > 59)
        return -1;
    *out = (long long)days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
           sec - sign * (zh * 3600 + zm * 60);
    return 0;
}

/* Whether len bytes are valid UTF-8 with no NUL. */
static int valid_utf8(const char *p, size_t len)
{
    const utf8proc_uint8_t *s = (const utf8proc_uint8_t *)p;
    size_t i = 0;

    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k =
            utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (k <= 0 || cp == 0)
            return 0;
        i += (size_t)k;
    }
    return 1;
}

/* Whether the (valid UTF-8) string holds a code point in [lo, hi]. */
static int has_codepoint(const char *s, int32_t lo, int32_t hi)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_int32_t cp;
    utf8proc_ssize_t k;

    while ((k = utf8proc_iterate(p, -1, &cp)) > 0 && cp != 0) {
        if (cp >= lo && cp <= hi)
            return 1;
        p += k;
    }
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

/* The sorted, unique hashes of the word 5-shingles of s (words split on
** whitespace, compared exactly). */
static uint64_t *shingle(const char *s, size_t *n_out)
{
    size_t n_words = count_words(s), cap = n_words + 1, n = 0, w = 0;
    uint64_t *wh = calloc(cap, sizeof *wh), *out = calloc(cap, sizeof *out);

    assert_non_null(wh);
    assert_non_null(out);
    while (*s != '\0') {
        const char *start;

        while (isspace((unsigned char)*s))
            s++;
        if (*s == '\0')
            break;
        start = s;
        while (*s != '\0' && !isspace((unsigned char)*s))
            s++;
        wh[w++] = bl_hash(start, (size_t)(s - start));
    }
    for (size_t i = 0; i + SHINGLE <= w; i++) {
        uint64_t h = 0x9e3779b97f4a7c15ULL;

        for (size_t k = 0; k < SHINGLE; k++)
            h = (h ^ wh[i + k]) * 0x100000001b3ULL + (h >> 29);
        out[n++] = h;
    }
    qsort(out, n, sizeof *out, cmp_u64);
    w = 0;
    for (size_t i = 0; i < n; i++) {
        if (w == 0 || out[w - 1] != out[i])
            out[w++] = out[i];
    }
    free(wh);
    *n_out = w;
    return out;
}

/* Jaccard similarity of two sorted unique sets. */
static double jaccard(const uint64_t *a, size_t na, const uint64_t *b,
                      size_t nb)
{
    size_t i = 0, j = 0, common = 0;

    if (na + nb == 0)
        return 0.0;
    while (i < na && j < nb) {
        if (a[i] == b[j]) {
            common++;
            i++;
            j++;
        } else if (a[i] < b[j]) {
            i++;
        } else {
            j++;
        }
    }
    return (double)common / (double)(na + nb - common);
}

static double text_similarity(const char *x, const char *y)
{
    size_t na, nb;
    uint64_t *a = shingle(x, &na), *b = shingle(y, &nb);
    double s = jaccard(a, na, b, nb);

    free(a);
    free(b);
    return s;
}

/* ---- loading ----------------------------------------------------------- */

static void free_sample(sample *s)
{
    for (size_t i = 0; i < s->n; i++) {
        for (size_t f = 0; f < N_FIELDS; f++)
            free(s->a[i].f[f]);
        free(s->a[i].shingles);
    }
    free(s->a);
    free(s->raw);
    free(s);
}

/* One line: an object with exactly the seven string fields. */
static void parse_line(const char *line, size_t len, size_t lineno,
                       article *out)
{
    json_error_t err;
    json_t *obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);

    if (obj == NULL)
        fail_msg("line %zu: %s", lineno, err.text);
    if (!json_is_object(obj))
        fail_msg("line %zu: not an object", lineno);
    if (json_object_size(obj) != N_FIELDS)
        fail_msg("line %zu: %zu keys, want %zu", lineno,
                 json_object_size(obj), N_FIELDS);
    for (size_t f = 0; f < N_FIELDS; f++) {
        json_t *v = json_object_get(obj, FIELDS[f]);

        if (!json_is_string(v))
            fail_msg("line %zu: \"%s\" missing or not a string", lineno,
                     FIELDS[f]);
        if (json_string_length(v) == 0 ||
            strlen(json_string_value(v)) != json_string_length(v))
            fail_msg("line %zu: \"%s\" empty or holds NUL", lineno, FIELDS[f]);
        out->f[f] = strdup(json_string_value(v));
        assert_non_null(out->f[f]);
    }
    json_decref(obj);
}

static int load_sample(void **state)
{
    sample *s = calloc(1, sizeof *s);
    size_t cap = 0;
    const char *p, *end;

    assert_non_null(s);
    s->raw = fx_slurp(fx_source(SAMPLE), &s->len);
    if (s->raw == NULL) {
        print_error("cannot read %s\n", fx_source(SAMPLE));
        free(s);
        return -1;
    }
    p = s->raw;
    end = s->raw + s->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

        if (s->n == cap) {
            cap = cap ? cap * 2 : 512;
            s->a = realloc(s->a, cap * sizeof *s->a);
            assert_non_null(s->a);
        }
        memset(&s->a[s->n], 0, sizeof s->a[s->n]);
        parse_line(p, len, s->n + 1, &s->a[s->n]);
        s->n++;
        p += len + (nl != NULL);
    }
    for (size_t i = 0; i < s->n; i++)
        s->a[i].shingles = shingle(s->a[i].f[F_BODY], &s->a[i].n_shingles);
    *state = s;
    return 0;
}

static int unload_sample(void **state)
{
    if (*state != NULL)
        free_sample(*state);
    return 0;
}

/* ---- the checkers on crafted input ------------------------------------- */

static void checkers_accept_good_and_reject_bad(void **state)
{
    static const char *const bad_dates[] = {
        "2016-03-14", "2016-03-14T09:30:00", "2016-3-14T09:30:00Z",
        "2016-13-14T09:30:00Z", "2015-02-29T09:30:00Z", "2016-03-14T24:00:00Z",
        "2016-03-14 09:30:00Z", "2016-03-14T09:30:00+0200",
        "2016-03-14T09:30:00Zx", "2016-03-14T09:30:00+02:00 ",
        "+016-03-14T09:30:00Z", "2016-03-14T09:30:00+15:00",
    };
    static const char bad_utf8[][4] = {
        "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xff", "\x80",
    };
    long long t0, t1;
    (void)state;

    assert_int_equal(parse_iso8601("1970-01-01T00:00:00Z", &t0), 0);
    assert_true(t0 == 0);
    assert_int_equal(parse_iso8601("2016-02-29T23:59:59Z", &t1), 0);
    assert_int_equal(parse_iso8601("2016-03-01T01:59:59+02:00", &t0), 0);
    assert_true(t0 == t1);
    assert_int_equal(parse_iso8601("2016-02-29T18:59:59-05:00", &t0), 0);
    assert_true(t0 == t1);
    for (size_t i = 0; i < sizeof bad_dates / sizeof bad_dates[0]; i++) {
        if (parse_iso8601(bad_dates[i], &t0) == 0)
            fail_msg("accepted bad date %s", bad_dates[i]);
    }

    {
        const char *good = "caf\xc3\xa9 \xe2\x80\x9c\xe6\x9d\xb1\xe2\x80\x9d";

        assert_true(valid_utf8(good, strlen(good)));
    }
    for (size_t i = 0; i < sizeof bad_utf8 / sizeof bad_utf8[0]; i++)
        assert_false(valid_utf8(bad_utf8[i], strlen(bad_utf8[i])));
    assert_false(valid_utf8("a\0b", 3));
    assert_true(has_codepoint("Tokyo (\xe6\x9d\xb1\xe4\xba\xac)", 0x4e00,
                              0x9fff));
    assert_false(has_codepoint("Tokyo", 0x4e00, 0x9fff));

    assert_int_equal(count_words("  one\ttwo\nthree  "), 3);
    assert_int_equal(count_words(""), 0);
    assert_true(text_similarity("a b c d e f g", "a b c d e f g") == 1.0);
    /* 7 words give 3 shingles; changing the last word shares 2 of 4. */
    assert_true(text_similarity("a b c d e f g", "a b c d e f x") == 0.5);
    assert_true(text_similarity("a b c d e", "v w x y z") == 0.0);
}

/* ---- the sample -------------------------------------------------------- */

static void sample_is_valid_utf8(void **state)
{
    sample *s = *state;

    assert_true(s->len > 0);
    assert_true(valid_utf8(s->raw, s->len));
    assert_int_equal(s->raw[s->len - 1], '\n');
}

static void has_enough_articles_with_unique_ids(void **state)
{
    sample *s = *state;

    assert_true(s->n >= MIN_ARTICLES);
    for (size_t i = 0; i < s->n; i++) {
        const char *id = s->a[i].f[F_ID];

        for (size_t j = 0; j < i; j++) {
            if (strcmp(id, s->a[j].f[F_ID]) == 0)
                fail_msg("duplicate id %s (lines %zu and %zu)", id, j + 1,
                         i + 1);
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(s->a[i].f[F_URL], s->a[j].f[F_URL]) == 0)
                fail_msg("duplicate url %s", s->a[i].f[F_URL]);
        }
    }
}

static void bodies_have_60_to_250_words(void **state)
{
    sample *s = *state;

    for (size_t i = 0; i < s->n; i++) {
        size_t w = count_words(s->a[i].f[F_BODY]);

        if (w < MIN_WORDS || w > MAX_WORDS)
            fail_msg("%s: %zu words", s->a[i].f[F_ID], w);
    }
}

static void sources_and_languages_are_varied(void **state)
{
    static const char *const langs[] = {"en", "de", "fr", "es"};
    sample *s = *state;
    size_t per_lang[4] = {0}, n_sources = 0;

    for (size_t i = 0; i < s->n; i++) {
        size_t l = 0, j;

        while (l < 4 && strcmp(s->a[i].f[F_LANG], langs[l]) != 0)
            l++;
        if (l == 4)
            fail_msg("%s: lang %s", s->a[i].f[F_ID], s->a[i].f[F_LANG]);
        per_lang[l]++;
        for (j = 0; j < i; j++) {
            if (strcmp(s->a[i].f[F_SOURCE], s->a[j].f[F_SOURCE]) == 0)
                break;
        }
        n_sources += j == i;
    }
    assert_true(n_sources >= 4);
    assert_true(per_lang[0] >= 20);
    assert_true(per_lang[1] >= 20);
    assert_true(per_lang[2] >= 20);
    assert_true(per_lang[3] >= 20);
}

/* Dates are ISO 8601, span ten years, and each url is
** https://<domain>/<yyyy>/<mm>/<slug> for the article's own date. */
static void dates_parse_and_span_ten_years(void **state)
{
    sample *s = *state;
    long long lo = 0, hi = 0;

    for (size_t i = 0; i < s->n; i++) {
        const char *date = s->a[i].f[F_DATE], *url = s->a[i].f[F_URL];
        const char *slash;
        long long t;
        char ym[16];

        if (parse_iso8601(date, &t) != 0)
            fail_msg("%s: bad date %s", s->a[i].f[F_ID], date);
        if (i == 0 || t < lo)
            lo = t;
        if (i == 0 || t > hi)
            hi = t;
        snprintf(ym, sizeof ym, "/%.4s/%.2s/", date, date + 5);
        slash = strncmp(url, "https://", 8) == 0 ? strchr(url + 8, '/') : NULL;
        if (slash == NULL || slash == url + 8 ||
            strncmp(slash, ym, 9) != 0 || slash[9] == '\0')
            fail_msg("%s: url %s does not match date %s", s->a[i].f[F_ID],
                     url, date);
    }
    assert_true(hi - lo >= (long long)(10 * 365.25 * 86400));
}

static void bodies_carry_awkward_text(void **state)
{
    sample *s = *state;
    int curly = 0, entity = 0, cjk = 0;

    for (size_t i = 0; i < s->n; i++) {
        const char *b = s->a[i].f[F_BODY];

        curly |= has_codepoint(b, 0x2018, 0x201d);
        entity |= strstr(b, "&amp;") != NULL;
        cjk |= has_codepoint(b, 0x4e00, 0x9fff) ||
               has_codepoint(b, 0x3040, 0x30ff);
    }
    assert_true(curly);
    assert_true(entity);
    assert_true(cjk);
}

/* A wire story reprinted by several sources forms a group of at least three
** bodies sharing 80% of their 5-shingles pairwise; such copies stay rare. */
static void near_duplicate_group_exists(void **state)
{
    sample *s = *state;
    unsigned char *dup = calloc(s->n * s->n, 1), *in_pair = calloc(s->n, 1);
    size_t n_in_pairs = 0;
    int triangle = 0;

    assert_non_null(dup);
    assert_non_null(in_pair);
    for (size_t i = 0; i < s->n; i++) {
        for (size_t j = i + 1; j < s->n; j++) {
            double sim = jaccard(s->a[i].shingles, s->a[i].n_shingles,
                                 s->a[j].shingles, s->a[j].n_shingles);

            if (sim >= NEAR_DUP) {
                dup[i * s->n + j] = dup[j * s->n + i] = 1;
                in_pair[i] = in_pair[j] = 1;
            }
        }
    }
    for (size_t i = 0; i < s->n; i++)
        n_in_pairs += in_pair[i];
    for (size_t i = 0; i < s->n && !triangle; i++) {
        for (size_t j = i + 1; j < s->n && !triangle; j++) {
            if (!dup[i * s->n + j])
                continue;
            for (size_t k = j + 1; k < s->n && !triangle; k++)
                triangle = dup[i * s->n + k] && dup[j * s->n + k];
        }
    }
    free(dup);
    free(in_pair);
    assert_true(triangle);
    assert_true(n_in_pairs * 20 <= s->n);
}

int main(void)
{
    const struct CMUnitTest checkers[] = {
        cmocka_unit_test(checkers_accept_good_and_reject_bad),
    };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_is_valid_utf8),
        cmocka_unit_test(has_enough_articles_with_unique_ids),
        cmocka_unit_test(bodies_have_60_to_250_words),
        cmocka_unit_test(sources_and_languages_are_varied),
        cmocka_unit_test(dates_parse_and_span_ten_years),
        cmocka_unit_test(bodies_carry_awkward_text),
        cmocka_unit_test(near_duplicate_group_exists),
    };
    int rc = cmocka_run_group_tests_name("checkers", checkers, NULL, NULL);

    return rc | cmocka_run_group_tests_name("sample", tests, load_sample,
                                            unload_sample);
}
