/* parse.h - the query language: text -> a tree of clauses (AST), with the
** 1-based character position of every node for error messages, and the
** analysis step that turns the words of the tree into index terms.
**
** The language is a Lucene-compatible subset:
**   word  "a phrase"  "a phrase"~N  prefix*  word^2  (group)^1.5
**   title:word  body:"a phrase"  title:(a OR b)  source:reuters  id:X
**   date:[2024-01-01 TO 2024-04-30]  date:[* TO 1987]  date:1987-03
**   +must  -must_not  NOT x  !x  a AND b  a && b  a OR b  a || b  ( )
**   backslash escapes any character: \( \: \" \\ \* \-
** Precedence: NOT (and +/-) binds tightest, then AND, then OR. Writing two
** clauses side by side joins them with the default operator (OR, or AND
** when asked). AND, OR and NOT are operators only in capitals. A "name:"
** prefix is a field only for title, body, source, id and date; otherwise
** the colon belongs to the word ("12:30").
**
** Every group becomes a BOOL node with Lucene's semantics: all MUST clauses
** match, no MUST_NOT clause matches, and when there is no scoring MUST
** clause at least one SHOULD clause matches (a group of only MUST_NOT
** clauses matches every other document). Date, source and id clauses are
** filters: joined implicitly (not by an explicit OR) they are MUST, they
** score 0, and unlike Lucene they do not make the SHOULD clauses optional:
** "storm date:[1987 TO *]" is storm within the dates.
**
** Scoring (search/, bm25.h): a word scores BM25F over title and body (one
** field for title:/body:); a phrase scores like a word whose tf is its
** number of matches, with the sum of its words' idf; a word that analyses
** into several terms ("e-mail", CJK) is a phrase; a prefix* matches any of
** its expansions and scores its boost (1), as Lucene's constant-score
** prefix query; a group scores boost * the sum of its matching clauses.
** Words that are stopwords are dropped; a query of only stopwords returns
** no hits and the warning "all words are stopwords" (not an error).
**
** Memory: every node and string lives in the caller's arena and is valid
** until the arena is reset or freed.
*/
#ifndef BL_PARSE_H
#define BL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "byline.h"

#define BL_QF_TEXT (-1)        /* a word for both text fields, title+body */
#define BL_QUERY_MAX_DEPTH 32  /* nesting of parentheses */
#define BL_QUERY_MAX_BOOST 1e6 /* largest boost, word^X (products too) */

typedef enum bl_qkind {
    BL_Q_TERM = 0,             /* one word of a text field */
    BL_Q_PREFIX,               /* prefix*: the terms that start with it */
    BL_Q_PHRASE,               /* "words in order", within slop */
    BL_Q_KEYWORD,              /* source:x, id:x - exact value, a filter */
    BL_Q_DATE,                 /* date:[from TO to] - a filter */
    BL_Q_ALL,                  /* '*' alone: every document */
    BL_Q_BOOL                  /* a group of clauses */
} bl_qkind;

typedef enum bl_occur {
    BL_OCCUR_SHOULD = 0,
    BL_OCCUR_MUST,
    BL_OCCUR_MUST_NOT
} bl_occur;

typedef struct bl_qnode bl_qnode;

typedef struct bl_qclause {
    bl_occur occur;
    bl_qnode *node;
} bl_qclause;

struct bl_qnode {
    bl_qkind kind;
    uint32_t pos;              /* 1-based character position in the text */
    int field;                 /* BL_QF_TEXT or a bl_field_id */
    double boost;              /* 1 unless word^X */
    const char *text;          /* TERM, PREFIX, PHRASE, KEYWORD: the words as
                                  written, escapes removed, NUL-terminated */
    uint32_t slop;             /* PHRASE: "..."~slop; 0 = exact */
    int64_t from, to;          /* DATE: inclusive seconds; BL_NO_DATE = open */
    bl_qclause *clauses;       /* BOOL: in the order written */
    size_t n_clauses;
    /* Set by bl_query_analyze for TERM and PHRASE (a TERM whose word
    ** analyses to several tokens becomes a PHRASE) and PREFIX (one term): */
    const char **terms;        /* analysed terms, NUL-terminated */
    uint32_t *offsets;         /* PHRASE: position of each term, the first
                                  one at 0 (stopwords keep their slot) */
    size_t n_terms;            /* 0: the words were all stopwords */
    double weight;             /* set by search/: boost * idf, the factor
                                  of the node's BM25F score */
    bool empty;                /* set by search/: matches no article of the
                                  snapshot (a word in no article, or a
                                  required clause that is empty) */
};

/* Parse text (UTF-8, NUL-terminated). and_default makes side-by-side
** clauses AND instead of OR. BL_OK with *out set; BL_EQUERY with err
** (cap bytes) saying "at N: expected X" (N a 1-based character position,
** the end of the text being its length + 1); BL_ENOMEM. */
int bl_query_parse(const char *text, bool and_default, bl_arena *arena,
                   bl_qnode **out, char *err, size_t cap);

/* Analyse the words of the tree in place: TERM and PHRASE words through
** `a` (the index's analysis), PREFIX words through `pa` (the same without
** stemming and stopwords), KEYWORD values case-folded. Clauses whose words
** are all stopwords are removed from their group; *all_stop is set when
** the query held words and every one of them was a stopword. The result
** may be NULL: nothing is left to search. BL_OK or BL_ENOMEM / BL_EQUERY
** (a prefix that is not one word; err says where). */
int bl_query_analyze(bl_qnode *root, bl_analyzer *a, bl_analyzer *pa,
                     bl_arena *arena, bl_qnode **out, bool *all_stop,
                     char *err, size_t cap);

/* Append the canonical form of the tree to buf (NUL-terminated, cut at
** cap): "+title:storm body:\"a b\"~2 -x^2 date:[1987-03-01 TO *]". With
** analysed nodes the analysed terms are shown. Returns the length it
** would have written. */
size_t bl_query_format(const bl_qnode *root, char *buf, size_t cap);

#endif
