/* fuzz_analyze.c - libFuzzer target: bl_analyze on arbitrary bytes.
**
** Input: byte 0 chooses the options (bit 0 stem, bit 1 stopwords, bit 2
** fold_accents, bits 3-4 the analyzer's language: en, fr, it, ca), byte 1
** the per-call language override (0: NULL, 1: "", 2: an unknown code,
** else one of 16 languages), the rest is the text. Every token must satisfy:
** start <= end <= len, positions never decrease, the term is non-empty,
** NUL-terminated at term_len, at most 256 bytes and valid UTF-8.
** The analyzers (one per option combination) are made on first use and
** kept for the process: making one per input would measure libstemmer.
** Each language an analyzer meets costs it a term cache (up to 2 MiB), so
** the languages are few enough to stay far below libFuzzer's RSS limit.
*/
#include "byline.h"
#include "fuzz_util.h"

#define N_BASE 4
#define N_LANGS 16

static const char *const base_langs[N_BASE] = {"en", "fr", "it", "ca"};
static const char *const langs[N_LANGS] = {
    "en", "fr", "de", "it", "es", "pt_BR", "nl", "ru", "ca", "fi", "tr",
    "ar", "el", "ga", "en-GB", "porter"};

static bl_analyzer *analyzers[8][N_BASE];

typedef struct check {
    size_t len;                /* bytes of text */
    uint32_t last_pos;         /* position of the previous token */
    size_t n;                  /* tokens seen */
} check;

static int on_token(void *ctx, const bl_token *t)
{
    check *c = ctx;

    FUZZ_CHECK(t->start <= t->end && t->end <= c->len,
               "offsets %u..%u of %zu", t->start, t->end, c->len);
    FUZZ_CHECK(c->n == 0 || t->pos >= c->last_pos, "position %u after %u",
               t->pos, c->last_pos);
    FUZZ_CHECK(t->term != NULL && t->term_len > 0 && t->term_len <= 256,
               "term length %zu", t->term_len);
    FUZZ_CHECK(strlen(t->term) == t->term_len, "term not NUL-terminated");
    FUZZ_CHECK(fuzz_utf8_ok((const uint8_t *)t->term, t->term_len),
               "term not UTF-8");
    c->last_pos = t->pos;
    c->n++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bl_analyzer **a;
    const char *lang = NULL;
    check c = {0, 0, 0};
    int rc;

    if (size < 2)
        return 0;
    a = &analyzers[data[0] & 7][(data[0] >> 3) & 3];
    if (*a == NULL) {
        bl_analyzer_opts o;

        bl_analyzer_opts_default(&o);
        o.stem = data[0] & 1;
        o.stopwords = data[0] & 2;
        o.fold_accents = data[0] & 4;
        o.lang = base_langs[(data[0] >> 3) & 3];
        rc = bl_analyzer_new(&o, a);
        if (rc == BL_EINVAL)
            return 0;          /* a language this libstemmer lacks */
        FUZZ_CHECK(rc == BL_OK, "analyzer %s: %s", o.lang, bl_strerror(rc));
    }
    if (data[1] == 1)
        lang = "";
    else if (data[1] == 2)
        lang = "xx-unknown";
    else if (data[1] > 2)
        lang = langs[data[1] % N_LANGS];
    c.len = size - 2;
    rc = bl_analyze(*a, (const char *)data + 2, size - 2, lang, on_token, &c);
    FUZZ_CHECK(rc == BL_OK, "bl_analyze: %s", bl_strerror(rc));
    return 0;
}
