/* stopwords.h - the built-in stopword lists and a set to look words up in.
**
** The lists hold the common function words (articles, pronouns,
** prepositions, conjunctions, auxiliary verbs) of the main languages the
** stemmer covers, written for this project. They are plain text: words
** separated by white space, '#' starting a comment to the end of the line;
** a stopword file uses the same syntax (one word a line is the usual form).
** The set stores words exactly as given; the analyzer adds each word in
** its normal form (normalize.h), so lookups compare normal forms.
*/
#ifndef BL_STOPWORDS_H
#define BL_STOPWORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The built-in list for a Snowball language name ("english"), static; NULL
** when there is none. */
const char *bl_stopwords_builtin(const char *lang);

/* Called for each word of a list; returns BL_OK or a negative BL_E*. */
typedef int (*bl_stopword_fn)(void *ctx, const char *word, size_t len);

/* Call fn for every word of a list in the syntax above (text need not be
** NUL-terminated). Stops at and returns the first non-zero return. */
int bl_stopwords_parse(const char *text, size_t len, bl_stopword_fn fn,
                       void *ctx);

/* A set of words: open addressing on the caller's 64-bit hash of the word
** (one function for every add and lookup of a set: the analyzer's
** term_hash), built once and then only read. */
typedef struct bl_stopset bl_stopset;

int bl_stopset_new(bl_stopset **out);
void bl_stopset_free(bl_stopset *s);

/* Add a word (copied); adding a word twice keeps one. BL_OK or
** BL_ENOMEM. */
int bl_stopset_add(bl_stopset *s, const char *word, size_t len,
                   uint64_t hash);

/* Whether the set holds the word; hash is the word's hash as added. */
bool bl_stopset_has(const bl_stopset *s, const char *word, size_t len,
                    uint64_t hash);

/* Number of words in the set. */
size_t bl_stopset_count(const bl_stopset *s);

#endif
