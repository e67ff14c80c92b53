/* fuzz_query_parse.c - libFuzzer target: the query parser and its analysis
** pass (src/query/parse.h) on arbitrary text.
**
** Input: byte 0 bit 0 chooses and_default; the rest, cut at the first NUL,
** is the query. Checks: the parser returns BL_OK or BL_EQUERY; an error
** reads "at N: ..." with 1 <= N <= characters + 1; every node of a parsed
** tree has such a position and the fields its kind needs; the canonical
** form (bl_query_format), read with the default OR (its bare clauses are
** SHOULD), parses again to the same canonical form; then
** bl_query_analyze (the default English analysis, and the prefix analysis
** without stemming and stopwords) returns BL_OK or BL_EQUERY, with phrase
** offsets that never decrease.
*/
#include <stdbool.h>

#include "base/arena.h"
#include "fuzz_util.h"
#include "query/parse.h"
#include "segment/segment.h"

static bl_analyzer *words_an;  /* made once: libstemmer setup is costly */
static bl_analyzer *prefix_an;

/* Characters of s as the parser counts them: bytes that do not continue a
** UTF-8 sequence. */
static uint32_t n_chars(const char *s)
{
    uint32_t n = 0;

    for (; *s != '\0'; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static void check_err(const char *err, uint32_t chars)
{
    unsigned long at = 0;
    const char *p = err;

    FUZZ_CHECK(strncmp(err, "at ", 3) == 0, "error '%s'", err);
    p += 3;
    while (*p >= '0' && *p <= '9')
        at = at * 10 + (unsigned long)(*p++ - '0');
    FUZZ_CHECK(*p == ':' && at >= 1 && at <= (unsigned long)chars + 1,
               "error '%s' for %u characters", err, chars);
}

static void check_node(const bl_qnode *n, uint32_t chars, int depth,
                       bool analysed)
{
    FUZZ_CHECK(n != NULL, "NULL node");
    FUZZ_CHECK(depth <= 4 * BL_QUERY_MAX_DEPTH + 8, "depth %d", depth);
    FUZZ_CHECK(n->pos >= 1 && n->pos <= chars + 1, "node at %u of %u",
               n->pos, chars);
    FUZZ_CHECK(n->kind >= BL_Q_TERM && n->kind <= BL_Q_BOOL, "kind %d",
               (int)n->kind);
    FUZZ_CHECK(n->field == BL_QF_TEXT ||
               (n->field >= 0 && n->field < BL_N_FIELDS), "field %d",
               n->field);
    switch (n->kind) {
    case BL_Q_TERM:
    case BL_Q_PREFIX:
    case BL_Q_PHRASE:
    case BL_Q_KEYWORD:
        FUZZ_CHECK(n->text != NULL, "node without text");
        break;
    case BL_Q_BOOL:
        FUZZ_CHECK(n->n_clauses == 0 || n->clauses != NULL, "clauses");
        for (size_t i = 0; i < n->n_clauses; i++) {
            FUZZ_CHECK(n->clauses[i].occur >= BL_OCCUR_SHOULD &&
                       n->clauses[i].occur <= BL_OCCUR_MUST_NOT, "occur");
            check_node(n->clauses[i].node, chars, depth + 1, analysed);
        }
        break;
    default:
        break;
    }
    if (analysed && (n->kind == BL_Q_TERM || n->kind == BL_Q_PHRASE ||
                     n->kind == BL_Q_PREFIX)) {
        FUZZ_CHECK(n->n_terms == 0 || n->terms != NULL, "terms");
        for (size_t i = 0; i < n->n_terms; i++) {
            FUZZ_CHECK(n->terms[i] != NULL, "term %zu", i);
            if (n->kind == BL_Q_PHRASE && i > 0 && n->offsets != NULL)
                FUZZ_CHECK(n->offsets[i] >= n->offsets[i - 1],
                           "phrase offsets decrease");
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bl_arena arena;
    bl_qnode *root = NULL, *again = NULL, *an = NULL;
    char err[256], err2[256], *text, *canon = NULL, *canon2 = NULL;
    bool and_default, all_stop;
    size_t need, need2;
    uint32_t chars;
    int rc;

    if (size < 1)
        return 0;
    if (words_an == NULL) {
        bl_analyzer_opts o;

        bl_analyzer_opts_default(&o);
        FUZZ_CHECK(bl_analyzer_new(&o, &words_an) == BL_OK, "analyzer");
        o.stem = false;
        o.stopwords = false;
        FUZZ_CHECK(bl_analyzer_new(&o, &prefix_an) == BL_OK, "analyzer");
    }
    and_default = data[0] & 1;
    text = malloc(size);
    FUZZ_CHECK(text != NULL, "malloc");
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    chars = n_chars(text);
    bl_arena_init(&arena, 0);

    err[0] = '\0';
    rc = bl_query_parse(text, and_default, &arena, &root, err, sizeof err);
    FUZZ_CHECK(rc == BL_OK || rc == BL_EQUERY, "parse: %d", rc);
    if (rc == BL_EQUERY) {
        check_err(err, chars);
        goto done;
    }
    FUZZ_CHECK(root != NULL, "no tree");
    check_node(root, chars, 0, false);

    /* The canonical form parses to itself. */
    need = bl_query_format(root, NULL, 0);
    canon = malloc(need + 1);
    FUZZ_CHECK(canon != NULL, "malloc");
    FUZZ_CHECK(bl_query_format(root, canon, need + 1) == need &&
               strlen(canon) == need, "format length");
    /* The canonical form marks every MUST clause with '+': a bare clause
    ** in it is SHOULD, so it reads with the default OR. */
    rc = bl_query_parse(canon, false, &arena, &again, err2, sizeof err2);
    FUZZ_CHECK(rc == BL_OK, "canonical '%s' of '%s' does not parse: %s",
               canon, text, err2);
    need2 = bl_query_format(again, NULL, 0);
    canon2 = malloc(need2 + 1);
    FUZZ_CHECK(canon2 != NULL, "malloc");
    bl_query_format(again, canon2, need2 + 1);
    FUZZ_CHECK(strcmp(canon, canon2) == 0, "'%s' -> '%s' -> '%s'", text,
               canon, canon2);

    rc = bl_query_analyze(root, words_an, prefix_an, &arena, &an, &all_stop,
                          err, sizeof err);
    FUZZ_CHECK(rc == BL_OK || rc == BL_EQUERY, "analyze: %d", rc);
    if (rc == BL_EQUERY) {
        check_err(err, chars);
    } else if (an != NULL) {
        char buf[512];

        check_node(an, chars, 0, true);
        bl_query_format(an, buf, sizeof buf);
    }
done:
    free(canon);
    free(canon2);
    free(text);
    bl_arena_free(&arena);
    return 0;
}
