/* tokens.h - how the benchmark tools cut text into words, and a table of
** distinct strings. The generator learns its model from these tokens and
** the query sampler counts document frequencies with them. This is not the
** indexer's analysis (that is bl_analyze): it keeps surface forms, so that
** generated text reads like the original, and splits only on ASCII, so that
** multi-byte UTF-8 sequences are never cut.
*/
#ifndef BENCH_TOKENS_H
#define BENCH_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Find the next token of s[*pos..len): a word (ASCII letters and digits,
** any byte >= 0x80, joined by an inner ' - & or a . or , followed by a
** letter or digit: "U.S", "3,000", "don't") or one punctuation mark of
** ". , ; : ? !". Everything else separates tokens. Sets [*start, *end) and
** *punct, advances *pos past the token; false when there is none left. */
bool bench_token_next(const char *s, size_t len, size_t *pos, size_t *start,
                      size_t *end, bool *punct);

/* Copy a word to out (cap bytes, NUL-terminated), ASCII letters lower-cased,
** so that "The" and "the" count as one word. Returns the length, or 0 when
** it does not fit. */
size_t bench_token_fold(const char *s, size_t len, char *out, size_t cap);

/* A set of distinct byte strings, each given a dense id 0, 1, 2 ... in the
** order first seen. Strings are copied into the table. */
typedef struct bench_strtab bench_strtab;

int bench_strtab_new(bench_strtab **out);
void bench_strtab_free(bench_strtab *t);

/* The id of s[0..len), adding it when new (*added says so when non-NULL).
** BL_ENOMEM on failure. */
int bench_strtab_put(bench_strtab *t, const char *s, size_t len,
                     uint32_t *id, bool *added);

/* The id of s[0..len), or UINT32_MAX when absent. */
uint32_t bench_strtab_find(const bench_strtab *t, const char *s, size_t len);

/* Number of strings; the string of an id, NUL-terminated, borrowed until
** the table is freed (its length in *len when non-NULL). */
size_t bench_strtab_count(const bench_strtab *t);
const char *bench_strtab_str(const bench_strtab *t, uint32_t id,
                             size_t *len);

#endif
