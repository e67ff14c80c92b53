/* fts5.c - the SQLite FTS5 peer of the benchmark (see fts5.h for the setup
** and why). Loading uses one prepared INSERT in one transaction; each
** searching connection keeps its two prepared SELECTs (with and without a
** date range) and copies the hit ids out, as byline's search returns its
** stored fields. SQLite's codes stop here: every failure becomes BL_EIO
** (BL_EQUERY for a MATCH expression FTS5 rejects) with its message kept.
*/
#include "fts5.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_K 100

struct bench_fts5 {
    sqlite3 *db;
    sqlite3_stmt *insert;
    int rc;                    /* sticky */
    char err[512];
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(bench_fts5 *f, const char *what)
{
    snprintf(f->err, sizeof f->err, "%s: %s", what,
             f->db ? sqlite3_errmsg(f->db) : "cannot open");
    f->rc = BL_EIO;
    return f->rc;
}

int bench_fts5_create(const char *path, bench_fts5 **out, char *err,
                      size_t cap)
{
    static const char setup[] =
        "PRAGMA journal_mode=OFF;"
        "PRAGMA synchronous=OFF;"
        "CREATE VIRTUAL TABLE articles USING fts5(aid UNINDEXED, title, "
        "body, date UNINDEXED, source UNINDEXED, "
        "tokenize='porter unicode61 remove_diacritics 2');"
        "BEGIN;";
    bench_fts5 *f = calloc(1, sizeof *f);

    *out = NULL;
    if (f == NULL)
        return BL_ENOMEM;
    unlink(path);
    if (sqlite3_open(path, &f->db) != SQLITE_OK)
        fail(f, path);
    else if (sqlite3_exec(f->db, setup, NULL, NULL, NULL) != SQLITE_OK)
        fail(f, "create table");
    else if (sqlite3_prepare_v2(f->db,
                                "INSERT INTO articles(aid, title, body, "
                                "date, source) VALUES (?1, ?2, ?3, ?4, ?5)",
                                -1, &f->insert, NULL) != SQLITE_OK)
        fail(f, "prepare insert");
    if (f->rc != BL_OK) {
        int rc = f->rc;

        snprintf(err, cap, "%s", f->err);
        bench_fts5_close(f);
        return rc;
    }
    *out = f;
    return BL_OK;
}

int bench_fts5_add(bench_fts5 *f, const bl_doc *doc)
{
    sqlite3_stmt *s = f->insert;

    if (f->rc != BL_OK)
        return f->rc;
    sqlite3_bind_text(s, 1, doc->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, doc->title, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, doc->body, -1, SQLITE_STATIC);
    if (doc->date == BL_NO_DATE)
        sqlite3_bind_null(s, 4);
    else
        sqlite3_bind_int64(s, 4, doc->date);
    sqlite3_bind_text(s, 5, doc->source, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        fail(f, "insert");
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return f->rc;
}

int bench_fts5_finish(bench_fts5 *f, bool optimize, double *optimize_secs)
{
    double t0;

    if (optimize_secs != NULL)
        *optimize_secs = 0;
    if (f->rc != BL_OK)
        return f->rc;
    if (sqlite3_exec(f->db, "COMMIT;", NULL, NULL, NULL) != SQLITE_OK)
        return fail(f, "commit");
    if (!optimize)
        return BL_OK;
    t0 = now();
    if (sqlite3_exec(f->db,
                     "INSERT INTO articles(articles) VALUES('optimize');",
                     NULL, NULL, NULL) != SQLITE_OK)
        return fail(f, "optimize");
    if (optimize_secs != NULL)
        *optimize_secs = now() - t0;
    return BL_OK;
}

const char *bench_fts5_error(const bench_fts5 *f)
{
    return f->err;
}

void bench_fts5_close(bench_fts5 *f)
{
    if (f == NULL)
        return;
    sqlite3_finalize(f->insert);
    sqlite3_close(f->db);
    free(f);
}

/* ---- searching ------------------------------------------------------- */

struct bench_fts5_conn {
    sqlite3 *db;
    sqlite3_stmt *plain;       /* MATCH, ranked, LIMIT */
    sqlite3_stmt *ranged;      /* the same within a date range */
    char *ids[MAX_K];          /* the last search's hits */
    size_t n_ids;
    char err[512];
};

int bench_fts5_conn_open(const char *path, bench_fts5_conn **out)
{
    static const char plain[] =
        "SELECT aid FROM articles WHERE articles MATCH ?1 "
        "ORDER BY bm25(articles, 0.0, 2.0, 1.0, 0.0, 0.0) LIMIT ?2";
    static const char ranged[] =
        "SELECT aid FROM articles WHERE articles MATCH ?1 "
        "AND date BETWEEN ?3 AND ?4 "
        "ORDER BY bm25(articles, 0.0, 2.0, 1.0, 0.0, 0.0) LIMIT ?2";
    bench_fts5_conn *c = calloc(1, sizeof *c);

    *out = NULL;
    if (c == NULL)
        return BL_ENOMEM;
    if (sqlite3_open_v2(path, &c->db,
                        SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK ||
        sqlite3_exec(c->db, "PRAGMA mmap_size=4294967296;", NULL, NULL,
                     NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(c->db, plain, -1, &c->plain, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(c->db, ranged, -1, &c->ranged, NULL) !=
            SQLITE_OK) {
        bench_fts5_conn_close(c);
        return BL_EIO;
    }
    *out = c;
    return BL_OK;
}

static void clear_ids(bench_fts5_conn *c)
{
    for (size_t i = 0; i < c->n_ids; i++)
        free(c->ids[i]);
    c->n_ids = 0;
}

void bench_fts5_conn_close(bench_fts5_conn *c)
{
    if (c == NULL)
        return;
    clear_ids(c);
    sqlite3_finalize(c->plain);
    sqlite3_finalize(c->ranged);
    sqlite3_close(c->db);
    free(c);
}

int bench_fts5_search(bench_fts5_conn *c, const char *match, int64_t from,
                      int64_t to, size_t k, size_t *n_hits)
{
    bool range = from != BL_NO_DATE || to != BL_NO_DATE;
    sqlite3_stmt *s = range ? c->ranged : c->plain;
    int step, rc = BL_OK;

    *n_hits = 0;
    clear_ids(c);
    c->err[0] = '\0';
    if (k > MAX_K)
        k = MAX_K;
    sqlite3_bind_text(s, 1, match, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)k);
    if (range) {
        sqlite3_bind_int64(s, 3, from == BL_NO_DATE ? INT64_MIN : from);
        sqlite3_bind_int64(s, 4, to == BL_NO_DATE ? INT64_MAX : to);
    }
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(s, 0);

        if (c->n_ids < MAX_K && (c->ids[c->n_ids] = strdup(id ? id : "")))
            c->n_ids++;
    }
    if (step != SQLITE_DONE) {
        const char *msg = sqlite3_errmsg(c->db);

        snprintf(c->err, sizeof c->err, "%s", msg);
        rc = strstr(msg, "fts5") != NULL || strstr(msg, "syntax") != NULL
                 ? BL_EQUERY
                 : BL_EIO;
    }
    sqlite3_reset(s);
    *n_hits = c->n_ids;
    return rc;
}

const char *bench_fts5_hit(const bench_fts5_conn *c, size_t i)
{
    return i < c->n_ids ? c->ids[i] : "";
}

const char *bench_fts5_conn_error(const bench_fts5_conn *c)
{
    return c->err;
}
