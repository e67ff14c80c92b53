/* docsrc.h - articles for the benchmark tools, read from a corpus path (a
** file or folder in any format the indexer reads). The generator learns
** from them and the bench feeds them to every engine, so that all engines
** see the same article text.
*/
#ifndef BENCH_DOCSRC_H
#define BENCH_DOCSRC_H

#include <stddef.h>
#include <stdint.h>

#include "byline.h"

typedef struct bench_docs bench_docs;

/* Open path for reading; fmt as in bl_ingest_open. On failure err (cap
** bytes) says why. */
int bench_docs_open(const char *path, bl_format fmt, bench_docs **out,
                    char *err, size_t cap);

/* The next article: BL_OK with *doc borrowed until the next call, BL_DONE
** at the end. Malformed records are skipped and counted. */
int bench_docs_next(bench_docs *d, const bl_doc **doc);

/* Records skipped as malformed or unreadable so far. */
uint64_t bench_docs_skipped(const bench_docs *d);

/* Bytes consumed so far and the total input size (0 when unknown). */
uint64_t bench_docs_bytes_read(const bench_docs *d);
uint64_t bench_docs_bytes_total(const bench_docs *d);

void bench_docs_close(bench_docs *d);


/* Find rel (e.g. "corpus/sample/articles.jsonl") in the current folder,
** else beside the byline binary's parent folders (the source tree when
** built in ./build): the first of ./rel, EXE_DIR/../rel, EXE_DIR/../../rel
** that exists is copied to out (cap bytes). BL_ENOTFOUND otherwise. */
int bench_locate(const char *rel, char *out, size_t cap);

#endif
