/* byline.h - the public API of byline, a full-text search engine for news
** archives. This is the only installed header: the `byline` command, the
** HTTP server and the benchmarks use nothing else.
**
** Conventions. Fallible functions return int: BL_OK (0) or a negative BL_E*
** code; bl_strerror() names it. Results go through out-parameters, set to
** NULL/0 on failure. Handles come in pairs (_open/_close, _new/_free) and
** every release function accepts NULL. Every returned pointer states its
** lifetime next to the function that returns it.
*/
#ifndef BYLINE_H
#define BYLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes ---------------------------------------------------- */

#define BL_OK        0
#define BL_ENOMEM   (-1)   /* out of memory */
#define BL_EIO      (-2)   /* a system call failed (see errno / message) */
#define BL_ECORRUPT (-3)   /* bytes on disk fail a checksum or invariant */
#define BL_EINVAL   (-4)   /* a bad argument from the caller */
#define BL_ENOTFOUND (-5)  /* no such index, file, document or term */
#define BL_EFORMAT  (-6)   /* malformed input record (ingest) */
#define BL_EQUERY   (-7)   /* malformed query */
#define BL_EVERSION (-8)   /* on-disk format version we cannot read */
#define BL_ELIMIT   (-9)   /* a size or count limit was exceeded */
#define BL_EBUSY    (-10)  /* the index is locked by another writer */
#define BL_DONE      1     /* an iterator or reader has no more items */

/* A static English name for rc ("corrupt data", ...); never NULL. */
const char *bl_strerror(int rc);

/* The library's version string, e.g. "0.1.0". */
const char *bl_version(void);

/* ---- analysis: text -> tokens ---------------------------------------- */

typedef struct bl_analyzer bl_analyzer;

typedef struct bl_analyzer_opts {
    const char *lang;          /* ISO 639-1 code or Snowball name; "en" */
    bool stem;                 /* apply the Snowball stemmer; true */
    bool stopwords;            /* drop stopwords; true */
    bool fold_accents;         /* strip diacritics (É -> e); true */
    const char *stopword_file; /* one word a line, replaces the built-in
                                  list for `lang`; NULL for built-in */
    size_t cache_words;        /* analysed words kept for reuse (rounded
                                  up to a power of two, 64 to 32,768); 0:
                                  32,768, sized for indexing. A search's
                                  few words want a small cache that stays
                                  in the processor's own */
} bl_analyzer_opts;

/* Fill o with the defaults above. */
void bl_analyzer_opts_default(bl_analyzer_opts *o);

/* Create an analyzer. BL_EINVAL for an unknown language; BL_ENOTFOUND when
** stopword_file cannot be read. */
int bl_analyzer_new(const bl_analyzer_opts *o, bl_analyzer **out);
void bl_analyzer_free(bl_analyzer *a);

/* One token. term is the analysed form (normalised, folded, stemmed) and is
** borrowed: valid only during the callback; it sits in a buffer of 257
** bytes (the longest term and its NUL), all of them readable. start/end are
** byte offsets into the caller's original text: text[start..end) is the
** surface form. */
typedef struct bl_token {
    const char *term;          /* analysed term, NUL-terminated */
    size_t term_len;           /* bytes in term */
    uint32_t pos;              /* position: 0, 1, 2 ... (stopwords keep
                                  their slot, so phrases stay exact) */
    uint32_t start;            /* byte offset of the first byte */
    uint32_t end;              /* byte offset one past the last byte */
} bl_token;

/* Called once per token, in order; a non-zero return stops analysis and is
** returned by bl_analyze. */
typedef int (*bl_token_fn)(void *ctx, const bl_token *tok);

/* Analyse len bytes of UTF-8 text (invalid sequences are replaced, never
** trusted). lang overrides the analyzer's language for this call (a
** document's `lang` field) or is NULL; an unknown lang falls back to the
** analyzer's own. Not thread-safe: one analyzer per thread. */
int bl_analyze(bl_analyzer *a, const char *text, size_t len,
               const char *lang, bl_token_fn fn, void *ctx);

/* NULL-terminated list of the language names the stemmer knows, static. */
const char *const *bl_stem_languages(void);

/* ---- documents ------------------------------------------------------- */

#define BL_NO_DATE INT64_MIN   /* a document without a (readable) date */

/* A stored field beyond the standard ones (Reuters TOPICS, a JSON key). */
typedef struct bl_field {
    const char *name;          /* NUL-terminated UTF-8 */
    const char *value;         /* NUL-terminated UTF-8 */
} bl_field;

/* One article. All strings are NUL-terminated, valid UTF-8 without NUL
** bytes; absent ones are "" (never NULL). */
typedef struct bl_doc {
    const char *id;            /* unique within an index */
    const char *title;
    const char *body;
    int64_t date;              /* seconds since 1970-01-01 UTC or BL_NO_DATE */
    const char *source;        /* "reuters", "bbc" ... */
    const char *url;
    const char *lang;          /* ISO 639-1, "" = the index's language */
    const bl_field *extra;     /* other stored fields, in input order */
    size_t n_extra;
} bl_doc;

/* A deep copy of doc in one malloc block (struct, extra array and strings),
** or NULL when out of memory. Every bl_doc the library returns is made this
** way. */
bl_doc *bl_doc_clone(const bl_doc *doc);

/* Free a document returned by the library (bl_index_get, bl_doc_clone). */
void bl_doc_free(bl_doc *doc);

/* Format t as ISO 8601 UTC ("1987-02-26T15:01:01Z") into out (>= 21
** bytes); "" for BL_NO_DATE. Returns out. */
char *bl_date_format(int64_t t, char *out, size_t cap);

/* Parse a date: ISO 8601 (date, date-time, with zone), RFC 2822, or the
** corpora's own forms ("26-FEB-1987 15:01:01.79"). BL_EFORMAT if not. */
int bl_date_parse(const char *s, int64_t *out);

/* ---- ingest: files -> documents ---------------------------------------- */

typedef enum bl_format {
    BL_FORMAT_AUTO = 0,        /* from the extension, else by sniffing */
    BL_FORMAT_JSONL,
    BL_FORMAT_TREC,
    BL_FORMAT_REUTERS,
    BL_FORMAT_TIME,
    BL_FORMAT_TAR              /* a tar (.tar, .tar.gz, .tar.zst) of .txt
                                  articles, first line the title (BBC),
                                  or such .txt files unpacked */
} bl_format;

/* The longest record (a JSON line, an SGML record, a tar member) a reader
** accepts; a longer one is skipped with BL_EFORMAT. */
#define BL_INGEST_MAX_RECORD (64u * 1024u * 1024u)

typedef struct bl_ingest bl_ingest;

/* Parse "jsonl", "trec", "reuters", "time", "tar" (alias "bbc"), "auto";
** BL_EINVAL otherwise. */
int bl_format_parse(const char *name, bl_format *out);

/* Open a reader over paths (files or folders, walked recursively, in sorted
** order; "-" is stdin). Plain, .gz and .zst inputs. Hidden entries of a
** folder, and its files whose format cannot be told, are passed over. A
** record without an id gets "<file name>:<record number>" (the file name
** without .gz/.zst, records counted from 1). */
int bl_ingest_open(const char *const *paths, size_t n_paths, bl_format fmt,
                   bl_ingest **out);

/* Read the next document. BL_OK: *doc is set, borrowed until the next call.
** BL_DONE: no more input. BL_EFORMAT: a malformed record was skipped and
** bl_ingest_error() says where and why ("file:line: reason"); call again to
** go on. BL_EIO: a file cannot be read (named by bl_ingest_error); call
** again to go on with the next file. Warnings (an unreadable date) are kept
** in bl_ingest_warning() with the document, which still returns BL_OK. */
int bl_ingest_next(bl_ingest *in, const bl_doc **doc);

/* The last error / warning message, borrowed until the next call; "" if
** none. */
const char *bl_ingest_error(const bl_ingest *in);
const char *bl_ingest_warning(const bl_ingest *in);

/* Bytes consumed so far and the total input size (0 when unknown, as for
** stdin), for progress lines. */
uint64_t bl_ingest_bytes_read(const bl_ingest *in);
uint64_t bl_ingest_bytes_total(const bl_ingest *in);

void bl_ingest_close(bl_ingest *in);

/* ---- writing an index -------------------------------------------------- */

typedef struct bl_writer bl_writer;

typedef struct bl_writer_opts {
    unsigned threads;          /* analysis/builder threads; 0 = the cores */
    size_t ram_bytes;          /* RAM budget for all builders and the ids
                                  of the uncommitted articles (about 50
                                  bytes and the id's text each); 0 = 256
                                  MiB */
    const char *lang;          /* the index's language; "en" */
    bool stem, stopwords, fold_accents;   /* analysis; all true */
    double k1, b;              /* the index's BM25 defaults; 1.2, 0.75 */
    double title_weight;       /* its BM25F field weights; 2.0 and 1.0 */
    double body_weight;
} bl_writer_opts;

void bl_writer_opts_default(bl_writer_opts *o);

/* Open the index in dir for writing, creating it if it does not exist. One
** writer per index at a time (BL_EBUSY otherwise). A new index takes its
** analysis options and ranking defaults from o; an existing one keeps those
** it was made with. BL_EINVAL for ranking defaults out of range (k1 >= 0,
** 0 <= b <= 1, weights >= 0). On failure err (when not NULL) says what
** failed and where: "idx/LOCK: Permission denied", "idx/MANIFEST-000007:
** section 2 checksum mismatch". */
int bl_writer_open(const char *dir, const bl_writer_opts *o, bl_writer **out,
                   char *err, size_t cap);

/* Add a document; the writer copies what it keeps. A document whose id is
** already in the index replaces it at commit. Errors are sticky: after a
** failure every call returns it. */
int bl_writer_add(bl_writer *w, const bl_doc *doc);

/* Delete the document with this id, at commit. */
int bl_writer_delete(bl_writer *w, const char *id);

/* Flush what is buffered and make everything added so far durable and
** visible to new readers, atomically. */
int bl_writer_commit(bl_writer *w);

/* bl_writer_commit, merging the segments of the index into as few as the
** RAM budget allows instead of the usual merges (Lucene's forceMerge,
** FTS5's 'optimize'): runs of consecutive segments whose files sum to at
** most twice the budget (64 MB at least) become one each, and a lone
** segment that holds deleted articles is rewritten. A merge holds its
** output's inverted index, about half of its sources' bytes, in memory.
** With the default 256 MB, 10^6 generated articles (646 MB of text) end
** in one segment: the quickest index to search, for an archive built at
** once. */
int bl_writer_optimize(bl_writer *w);

/* Close; what was not committed is discarded. */
void bl_writer_close(bl_writer *w);

/* The last error message of the writer, "" if none. */
const char *bl_writer_error(const bl_writer *w);

/* What the writer did since it was opened. */
typedef struct bl_writer_stats {
    uint64_t flushes;          /* segments the builders flushed */
    uint64_t commits;
    uint64_t merges;           /* merges run by the commits */
    uint64_t merged_segments;  /* segments those merges combined */
    double commit_seconds;     /* wall time inside commits, merges
                                  included */
    double merge_seconds;      /* of which merging */
} bl_writer_stats;

/* Call between adds and commits (not concurrently with them). */
void bl_writer_stats_get(bl_writer *w, bl_writer_stats *out);

/* ---- reading an index -------------------------------------------------- */

typedef struct bl_index bl_index;

/* Open the latest commit of the index in dir, a consistent snapshot that
** later commits do not disturb. BL_ENOTFOUND if dir holds no index. */
int bl_index_open(const char *dir, bl_index **out);

/* Switch to the newest commit if there is one; *changed says whether it
** did. Searches running on the old snapshot are not disturbed. */
int bl_index_refresh(bl_index *ix, bool *changed);
void bl_index_close(bl_index *ix);

/* Commit generation of the snapshot. */
uint64_t bl_index_generation(const bl_index *ix);

/* Fetch a stored article by id; free with bl_doc_free. */
int bl_index_get(bl_index *ix, const char *id, bl_doc **out);

/* Articles are stored compressed in blocks of about 32 KiB; a search
** with snippets or stored fields, and bl_index_get, decompress the block
** of each article they return. The index keeps the blocks it
** decompressed, up to bytes of them (BL_BLOCK_CACHE_DEFAULT when opened;
** 0 keeps none), least recently used first out, shared by every thread.
** May be called at any time. */
#define BL_BLOCK_CACHE_DEFAULT ((size_t)64 << 20)
void bl_index_set_block_cache(bl_index *ix, size_t bytes);

typedef struct bl_section_stats {
    uint64_t terms, postings, positions, lengths, columns, store;  /* bytes */
} bl_section_stats;

typedef struct bl_stats {
    uint64_t generation;
    uint64_t docs;             /* live articles */
    uint64_t deleted;          /* deleted, not yet merged away */
    uint64_t segments;
    uint64_t terms;            /* distinct terms, summed over segments */
    uint64_t postings;         /* (term, doc) pairs */
    uint64_t positions;        /* token occurrences */
    uint64_t raw_bytes;        /* stored text before compression */
    uint64_t total_bytes;      /* every file of the index */
    bl_section_stats bytes;
} bl_stats;

int bl_index_stats(bl_index *ix, bl_stats *out);

/* Verify every checksum and structural invariant of the index in dir.
** BL_OK when all hold; otherwise BL_ECORRUPT (or BL_EIO ...) with the first
** problem, precisely named, written to msg (cap bytes). progress, when
** non-NULL, is called with a fraction in [0, 1]. */
int bl_index_check(const char *dir, char *msg, size_t cap,
                   void (*progress)(void *ctx, double done), void *ctx);

/* ---- searching ------------------------------------------------------------
** bl_search, bl_suggest and bl_index_get may be called from many threads at
** once on one bl_index, also while another thread calls bl_index_refresh:
** each call works on the snapshot that was current when it started.
*/

typedef enum bl_sort {
    BL_SORT_RELEVANCE = 0,     /* score descending, then doc order */
    BL_SORT_DATE_DESC,         /* newest first ("-date") */
    BL_SORT_DATE_ASC           /* oldest first ("date") */
} bl_sort;

typedef struct bl_search_opts {
    size_t k;                  /* hits to return; 10 */
    size_t offset;             /* hits to skip, for paging; 0 */
    bl_sort sort;              /* BL_SORT_RELEVANCE */
    int64_t from, to;          /* date range, inclusive; BL_NO_DATE = open */
    const char *source;        /* only this source; NULL = all */
    bool and_default;          /* default operator AND instead of OR */
    double k1, b;              /* BM25; NAN (the default) takes the index's
                                  own (bl_writer_opts), else 1.2 and 0.75 */
    double title_weight;       /* BM25F field weights; NAN = the index's, */
    double body_weight;        /* else 2.0 and 1.0 */
    bool snippets;             /* build snippets; true */
    const char *mark_open;     /* around matched words; "<mark>" */
    const char *mark_close;    /* "</mark>" */
    size_t snippet_bytes;      /* about this long; 200 */
    bool count_only;           /* only count matches (no hits); false */
    size_t max_expansions;     /* terms a prefix* may expand to; 128 */
    bool ids_only;             /* hits carry doc, score, id, date and
                                  source (from columns; the store is not
                                  read): title, url, snippet ""; false */
    bool exact_total;          /* count every match even when pruning
                                  skipped some (a second, count-only
                                  pass); true. false: total may be a
                                  lower bound (total_lower_bound) */
    bool exhaustive;           /* score every match, no dynamic pruning
                                  (same hits, slower: tests, benchmarks) */
} bl_search_opts;

void bl_search_opts_default(bl_search_opts *o);

typedef struct bl_hit {
    uint64_t doc;              /* global doc id in the snapshot */
    double score;              /* BM25F score (0 when sorted by date) */
    const char *id, *title, *source, *url;   /* stored fields */
    int64_t date;              /* BL_NO_DATE if none */
    const char *snippet;       /* "" when snippets are off */
    const char *title_marked;  /* the whole title with the matched words
                                  marked as in the snippet; "" when
                                  snippets are off */
} bl_hit;

typedef struct bl_results {
    bl_hit *hits;              /* n_hits hits, best first */
    size_t n_hits;
    uint64_t total;            /* all matching articles */
    double micros;             /* time taken */
    const char *parsed;        /* the query as understood (canonical form) */
    const char *warning;       /* "" or e.g. "prefix 'a*' truncated to 128
                                  terms", "all words are stopwords" */
    bool total_lower_bound;    /* total is at least this: pruning skipped
                                  documents it did not count (relevance
                                  top-k only; count_only is exact) */
} bl_results;

/* Run a query (see the README's query syntax). BL_EQUERY for a malformed
** query: err (cap bytes) then says where and what was expected ("at 7:
** expected ')'"). The results and every string in them belong to *out;
** free with bl_results_free. */
int bl_search(bl_index *ix, const char *query, const bl_search_opts *o,
              bl_results **out, char *err, size_t cap);
void bl_results_free(bl_results *r);

/* Up to k completions of a prefix typed in a search box, most useful first
** (words and phrases from titles and frequent terms, in their surface
** form). *out is a NULL-terminated array owned by the caller: free with
** bl_suggest_free. */
int bl_suggest(bl_index *ix, const char *prefix, size_t k, char ***out);
void bl_suggest_free(char **list);

#ifdef __cplusplus
}
#endif
#endif
