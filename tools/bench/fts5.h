/* fts5.h - SQLite FTS5, the peer that `byline bench --peer sqlite` runs on
** the same articles and queries as byline.
**
** The setup: one FTS5 table articles(aid UNINDEXED, title, body, date
** UNINDEXED, source UNINDEXED) with the porter tokenizer over unicode61
** (diacritics removed), the article text stored in the table (as byline
** stores it), loaded in one transaction with journal and syncs off (FTS5's
** fastest bulk load), then merged into one b-tree ('optimize'). Queries are
** FTS5 MATCH expressions ranked by bm25() with the title weighted 2 and the
** body 1 (byline's default field weights), top k; a date range becomes
** `date BETWEEN from AND to`.
*/
#ifndef BENCH_FTS5_H
#define BENCH_FTS5_H

#include <stddef.h>
#include <stdint.h>

#include "byline.h"

/* A database being loaded. */
typedef struct bench_fts5 bench_fts5;

/* Create the database at path (an existing file is replaced) and begin
** the loading transaction. BL_EIO with err (cap bytes) on failure. */
int bench_fts5_create(const char *path, bench_fts5 **out, char *err,
                      size_t cap);

/* Add one article. Errors are sticky. */
int bench_fts5_add(bench_fts5 *db, const bl_doc *doc);

/* Commit, then, when optimize, merge the index into one b-tree;
** *optimize_secs (when non-NULL) gets the time the merge took (0 without
** one). */
int bench_fts5_finish(bench_fts5 *db, bool optimize, double *optimize_secs);

/* The last SQLite error, "" if none; borrowed from db. */
const char *bench_fts5_error(const bench_fts5 *db);

void bench_fts5_close(bench_fts5 *db);

/* A read-only connection for one searching thread. */
typedef struct bench_fts5_conn bench_fts5_conn;

int bench_fts5_conn_open(const char *path, bench_fts5_conn **out);
void bench_fts5_conn_close(bench_fts5_conn *c);

/* The best k (at most 100) articles for an FTS5 MATCH expression, within
** [from, to] when either is not BL_NO_DATE; *n_hits gets their number.
** BL_EQUERY when FTS5 rejects the expression. */
int bench_fts5_search(bench_fts5_conn *c, const char *match, int64_t from,
                      int64_t to, size_t k, size_t *n_hits);

/* The article id of hit i of the last search, borrowed until the next. */
const char *bench_fts5_hit(const bench_fts5_conn *c, size_t i);

/* The last error of the connection, "" if none. */
const char *bench_fts5_conn_error(const bench_fts5_conn *c);

#endif
