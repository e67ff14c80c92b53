/* test_writer.c - the index writer and the reading handle: add, commit,
** reopen; adding to an index in a new commit; replace and delete by id;
** one writer at a time; sweeping of files no manifest names; refresh with
** snapshots held; and index-wide statistics (N, field totals, df of every
** term) that do not depend on how articles fell into segments.
*/
#include "fixture.h"

#include <dirent.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "byline.h"
#include "reader/snapshot.h"
#include "segment/segment.h"

static bl_doc make_doc(const char *id, const char *title, const char *body)
{
    bl_doc d;

    memset(&d, 0, sizeof d);
    d.id = id;
    d.title = title;
    d.body = body;
    d.date = 536457600;   /* 1987-01-01 */
    d.source = "wire";
    d.url = "";
    d.lang = "";
    return d;
}

static bl_writer *open_writer(const char *dir, unsigned threads, size_t ram)
{
    bl_writer_opts o;
    bl_writer *w;

    bl_writer_opts_default(&o);
    o.threads = threads;
    o.ram_bytes = ram;
    assert_int_equal(bl_writer_open(dir, &o, &w, NULL, 0), BL_OK);
    return w;
}

static void add(bl_writer *w, const char *id, const char *title,
                const char *body)
{
    bl_doc d = make_doc(id, title, body);

    assert_int_equal(bl_writer_add(w, &d), BL_OK);
}

/* The body stored for id, or NULL when bl_index_get does not find it. */
static char *body_of(bl_index *ix, const char *id)
{
    bl_doc *d;
    char *s;
    int rc = bl_index_get(ix, id, &d);

    if (rc == BL_ENOTFOUND)
        return NULL;
    assert_int_equal(rc, BL_OK);
    s = strdup(d->body);
    bl_doc_free(d);
    return s;
}

static void assert_body(bl_index *ix, const char *id, const char *want)
{
    char *got = body_of(ix, id);

    if (want == NULL) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static bl_stats stats_of(bl_index *ix)
{
    bl_stats st;

    assert_int_equal(bl_index_stats(ix, &st), BL_OK);
    return st;
}

/* Add, commit, reopen: every article comes back, fields intact. */
static void add_commit_reopen(void **state)
{
    char *dir = fx_tmpdir();
    bl_writer *w = open_writer(dir, 2, 0);
    bl_index *ix;
    bl_doc d = make_doc("a1", "Storm hits coast", "The storm hit the coast.");
    bl_field extra[1] = {{"topics", "weather"}};
    bl_doc *got;
    (void)state;

    assert_int_equal(bl_index_open(dir, &ix), BL_ENOTFOUND);
    d.extra = extra;
    d.n_extra = 1;
    d.url = "http://example.com/a1";
    assert_int_equal(bl_writer_add(w, &d), BL_OK);
    add(w, "a2", "Markets fall", "Stocks fell sharply on Monday.");
    add(w, "a3", "", "No title here.");
    assert_int_equal(bl_writer_commit(w), BL_OK);
    bl_writer_close(w);
    assert_int_equal(bl_index_open(dir, &ix), BL_OK);
    assert_true(bl_index_generation(ix) == 1);
    assert_true(stats_of(ix).docs == 3);
    assert_int_equal(bl_index_get(ix, "a1", &got), BL_OK);
    assert_string_equal(got->title, "Storm hits coast");
    assert_string_equal(got->url, "http://example.com/a1");
    assert_true(got->date == 536457600);
    assert_int_equal(got->n_extra, 1);
    assert_string_equal(got->extra[0].value, "weather");
    bl_doc_free(got);
    assert_body(ix, "a3", "No title here.");
    assert_body(ix, "zz", NULL);
    assert_int_equal(bl_index_check(dir, NULL, 0, NULL, NULL), BL_OK);
    bl_index_close(ix);
    fx_rmtree(dir);
}

/* A second writer adds in a new commit; the first commit's articles stay;
** a reader that refreshes sees the new generation while an old snapshot
** it holds stays readable. */
static void add_to_existing_and_refresh(void **state)
{
    char *dir = fx_tmpdir();
    bl_writer *w = open_writer(dir, 1, 0);
    bl_index *ix;
    bl_snapshot *old;
    bool changed;
    (void)state;

    add(w, "a1", "one", "first article");
    assert_int_equal(bl_writer_commit(w), BL_OK);
    bl_writer_close(w);
    assert_int_equal(bl_index_open(dir, &ix), BL_OK);
    old = bl_index_acquire(ix);
    w = open_writer(dir, 2, 0);
    add(w, "b1", "two", "second article");
    add(w, "b2", "three", "third article");
    assert_int_equal(bl_writer_commit(w), BL_OK);
    assert_int_equal(bl_index_refresh(ix, &changed), BL_OK);
    assert_true(changed);
    assert_true(bl_index_generation(ix) == 2);
    assert_true(stats_of(ix).docs == 3);
    assert_body(ix, "a1", "first article");
    assert_body(ix, "b2", "third article");
    /* The old snapshot is intact, and shares the first segment. */
    assert_true(bl_snapshot_generation(old) == 1);
    assert_true(bl_snapshot_docs(old) == 1);
    assert_ptr_equal(bl_snapshot_segment(old, 0),
                     bl_snapshot_segment(bl_index_snapshot(ix), 0));
    bl_snapshot_release(old);
    assert_int_equal(bl_index_refresh(ix, &changed), BL_OK);
    assert_false(changed);
    /* A commit with nothing new is still a new generation. */
    assert_int_equal(bl_writer_commit(w), BL_OK);
    bl_writer_close(w);
    assert_int_equal(bl_index_refresh(ix, &changed), BL_OK);
    assert_true(changed);
    assert_true(stats_of(ix).docs == 3);
    bl_index_close(ix);
    assert_int_equal(bl_index_check(dir, NULL, 0, NULL, NULL), BL_OK);
    fx_rmtree(dir);
}

/* Replacement: a committed id added again is replaced at commit; an id
** repeated in one batch keeps the last; deletes apply in add order. */
static void replace_and_delete_by_id(void **state)
{
    char *dir = fx_tmpdir(), msg[512];
    bl_writer *w = open_writer(dir, 2, 0);
    bl_index *ix;
    bl_stats st;
    (void)state;

    add(w, "x", "x", "x version one");
    add(w, "y", "y", "y version one");
    add(w, "z", "z", "z version one");
    add(w, "y", "y", "y version two");     /* same batch: last wins */
    assert_int_equal(bl_writer_commit(w), BL_OK);
    assert_int_equal(bl_index_open(dir, &ix), BL_OK);
    st = stats_of(ix);
    assert_true(st.docs == 3);
    /* The first y is gone: deleted in its segment, or dropped before it
    ** was written (still queued when the second arrived), or merged away
    ** with a segment it was alone in; which one depends on the threads. */
    assert_true(st.deleted <= 1);
    assert_body(ix, "y", "y version two");

    add(w, "x", "x", "x version two");     /* replaces the committed x */
    assert_int_equal(bl_writer_delete(w, "z"), BL_OK);
    add(w, "n", "n", "new then deleted");
    assert_int_equal(bl_writer_delete(w, "n"), BL_OK);
    assert_int_equal(bl_writer_delete(w, "y"), BL_OK);
    add(w, "y", "y", "y version three");   /* delete then add: stays */
    assert_int_equal(bl_writer_delete(w, "missing"), BL_OK);
    assert_int_equal(bl_writer_commit(w), BL_OK);
    assert_int_equal(bl_index_refresh(ix, NULL), BL_OK);
    st = stats_of(ix);
    assert_true(st.docs == 2);
    assert_body(ix, "x", "x version two");
    assert_body(ix, "y", "y version three");
    assert_body(ix, "z", NULL);
    assert_body(ix, "n", NULL);
    /* Deletions live in files the manifest names, and check reads them. */
    assert_int_equal(bl_index_check(dir, msg, sizeof msg, NULL, NULL), BL_OK);
    bl_writer_close(w);
    /* And they survive a reopen with a new writer. */
    w = open_writer(dir, 1, 0);
    add(w, "x", "x", "x version three");
    assert_int_equal(bl_writer_commit(w), BL_OK);
    bl_writer_close(w);
    assert_int_equal(bl_index_refresh(ix, NULL), BL_OK);
    assert_true(stats_of(ix).docs == 2);
    assert_body(ix, "x", "x version three");
    assert_body(ix, "z", NULL);
    bl_index_close(ix);
    fx_rmtree(dir);
}

/* Bad arguments are refused without poisoning the writer. */
static void bad_arguments(void **state)
{
    char *dir = fx_tmpdir();
    bl_writer *w = open_writer(dir, 1, 0);
    bl_doc d = make_doc("", "t", "b");
    (void)state;

    assert_int_equal(bl_writer_add(w, &d), BL_EINVAL);
    assert_int_equal(bl_writer_add(w, NULL), BL_EINVAL);
    assert_int_equal(bl_writer_delete(w, ""), BL_EINVAL);
    add(w, "ok", "t", "b");
    assert_int_equal(bl_writer_commit(w), BL_OK);
    bl_writer_close(w);
    bl_writer_close(NULL);
    assert_int_equal(bl_writer_open("", NULL, &w, NULL, 0), BL_EINVAL);
    assert_null(w);
    fx_rmtree(dir);
}

/* One writer at a time. */
static void second_writer_is_busy(void **state)
{
    char *dir = fx_tmpdir(), err[512], file[4096];
    bl_writer *w = open_writer(dir, 1, 0), *w2;
    FILE *f;
    (void)state;

    assert_int_equal(bl_writer_open(dir, NULL, &w2, err, sizeof err),
                     BL_EBUSY);
    assert_null(w2);
    print_message("busy: %s\n", err);
    assert_non_null(strstr(err, dir));
    /* A folder that cannot be made: the message names the path. */
    snprintf(file, sizeof file, "%s/plain-file", dir);
    f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    strcat(file, "/index");
    assert_int_not_equal(bl_writer_open(file, NULL, &w2, err, sizeof err),
                         BL_OK);
    print_message("not a folder: %s\n", err);
    assert_non_null(strstr(err, file));
    assert_int_equal(bl_writer_open("", NULL, &w2, err, sizeof err),
                     BL_EINVAL);
    assert_true(err[0] != '\0');
    bl_writer_close(w);
    assert_int_equal(bl_writer_open(dir, NULL, &w2, NULL, 0), BL_OK);
    bl_writer_close(w2);
    fx_rmtree(dir);
}

static int count_files(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
    closedir(d);
    return n;
}

/* What is not committed is discarded; files no manifest names are swept
** when a writer opens; other files are left alone. */
static void uncommitted_and_sweep(void **state)
{
    char *dir = fx_tmpdir(), path[4096];
    bl_writer *w = open_writer(dir, 1, 1);   /* flushes at every add */
    bl_index *ix;
    struct stat st;
    (void)state;

    add(w, "a", "a", "kept");
    assert_int_equal(bl_writer_commit(w), BL_OK);
    add(w, "b", "b", "never committed");
    add(w, "c", "c", "never committed");
    bl_writer_close(w);
    assert_int_equal(count_files(dir, "seg-"), 1);
    assert_int_equal(count_files(dir, "MANIFEST-"), 1);
    snprintf(path, sizeof path, "%s/seg-99.byl", dir);
    fx_write(path, "junk", 4);
    snprintf(path, sizeof path, "%s/MANIFEST-7", dir);
    fx_write(path, "junk", 4);
    snprintf(path, sizeof path, "%s/seg-1.byl.tmp", dir);
    fx_write(path, "junk", 4);
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    fx_write(path, "mine", 4);
    w = open_writer(dir, 1, 0);
    assert_int_equal(count_files(dir, "seg-"), 1);
    assert_int_equal(count_files(dir, "MANIFEST-"), 1);
    assert_int_equal(stat(path, &st), 0);
    bl_writer_close(w);
    assert_int_equal(bl_index_open(dir, &ix), BL_OK);
    assert_true(stats_of(ix).docs == 1);
    assert_body(ix, "b", NULL);
    bl_index_close(ix);
    fx_rmtree(dir);
}

/* A folder that lost CURRENT keeps its committed articles: the next writer
** rolls forward to the newest sound manifest instead of sweeping it. */
static void lost_current_rolls_forward(void **state)
{
    char *dir = fx_tmpdir(), path[4096];
    bl_writer *w = open_writer(dir, 1, 0);
    bl_index *ix;
    (void)state;

    add(w, "a", "first", "committed once");
    assert_int_equal(bl_writer_commit(w), BL_OK);
    add(w, "b", "second", "committed twice");
    assert_int_equal(bl_writer_commit(w), BL_OK);
    bl_writer_close(w);
    snprintf(path, sizeof path, "%s/CURRENT", dir);
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof path, "%s/MANIFEST-9", dir);
    fx_write(path, "not a manifest", 14);
    w = open_writer(dir, 1, 0);
    add(w, "c", "third", "after the loss");
    assert_int_equal(bl_writer_commit(w), BL_OK);
    bl_writer_close(w);
    assert_int_equal(bl_index_open(dir, &ix), BL_OK);
    assert_true(stats_of(ix).docs == 3);
    assert_body(ix, "a", "committed once");
    assert_body(ix, "b", "committed twice");
    assert_body(ix, "c", "after the loss");
    bl_index_close(ix);
    assert_int_equal(bl_index_check(dir, NULL, 0, NULL, NULL), BL_OK);
    fx_rmtree(dir);
}

/* ---- statistics independent of segmentation ---------------------------- */

static const char *const words[] = {
    "storm", "coast", "market", "bank", "oil", "price", "minister", "vote",
    "election", "court", "trial", "police", "river", "flood", "harvest",
    "wheat", "export", "import", "strike", "union", "factory", "profit",
    "loss", "share", "dollar", "yen", "gold", "talks", "treaty", "border",
};
#define N_WORDS (sizeof words / sizeof words[0])
#define N_DOCS 400

/* Deterministic synthetic articles with Zipf-ish word choice. */
static void synth(fx_rng *r, char *title, char *body, size_t cap)
{
    size_t n = 3 + fx_rng_below(r, 60), len = 0;

    title[0] = body[0] = '\0';
    snprintf(title, cap, "%s %s", words[fx_rng_below(r, N_WORDS)],
             words[fx_rng_below(r, 1 + fx_rng_below(r, N_WORDS))]);
    for (size_t i = 0; i < n && len + 32 < cap; i++) {
        size_t k = fx_rng_below(r, 1 + fx_rng_below(r, N_WORDS));

        len += (size_t)snprintf(body + len, cap - len, "%s%s",
                                i ? " " : "", words[k]);
    }
}

static void build(const char *dir, unsigned threads, size_t ram)
{
    bl_writer *w = open_writer(dir, threads, ram);
    char title[128], body[4096], id[32];
    fx_rng r;

    fx_rng_seed(&r, 7);
    for (int i = 0; i < N_DOCS; i++) {
        snprintf(id, sizeof id, "doc-%d", i);
        synth(&r, title, body, sizeof body);
        add(w, id, title, body);
        if (i == N_DOCS / 2)
            assert_int_equal(bl_writer_commit(w), BL_OK);
    }
    assert_int_equal(bl_writer_commit(w), BL_OK);
    bl_writer_close(w);
}

/* Every (field, term) of the reference index with its df. */
typedef struct term_df {
    int field;
    char term[BL_MAX_TERM + 1];
    uint64_t df;
} term_df;

static size_t all_terms(bl_snapshot *s, term_df *out, size_t cap)
{
    size_t n = 0;

    for (int f = 0; f < BL_N_FIELDS; f++) {
        for (size_t i = 0; i < bl_snapshot_segment_count(s); i++) {
            bl_term_cursor c;
            bl_term_info ti;

            assert_int_equal(bl_term_cursor_open(bl_snapshot_segment(s, i),
                                                 (bl_field_id)f, "", 0, &c),
                             BL_OK);
            while (bl_term_cursor_next(&c, &ti) == BL_OK) {
                size_t j;

                for (j = 0; j < n; j++)
                    if (out[j].field == f &&
                        strcmp(out[j].term, c.term) == 0)
                        break;
                if (j < n)
                    continue;
                assert_true(n < cap);
                out[n].field = f;
                strcpy(out[n].term, c.term);
                n++;
            }
        }
    }
    for (size_t j = 0; j < n; j++)
        assert_int_equal(bl_snapshot_df(s, (bl_field_id)out[j].field,
                                        out[j].term, strlen(out[j].term),
                                        &out[j].df),
                         BL_OK);
    return n;
}

static void same_statistics_across_segmentations(void **state)
{
    static term_df ref[2048], other[2048];
    const struct { unsigned threads; size_t ram; } runs[] = {
        {1, 512u << 20}, {1, 64u << 10}, {2, 64u << 10}, {2, 512u << 20},
        {4, 64u << 10},        /* three builders wait for half a queue */
    };
    size_t n_ref = 0;
    uint64_t docs = 0, total[2] = {0, 0};
    (void)state;

    for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
        char *dir = fx_tmpdir();
        bl_index *ix;
        bl_snapshot *s;
        size_t n;

        build(dir, runs[k].threads, runs[k].ram);
        assert_int_equal(bl_index_open(dir, &ix), BL_OK);
        s = bl_index_acquire(ix);
        print_message("threads %u, ram %zu KiB: %zu segments\n",
                      runs[k].threads, runs[k].ram >> 10,
                      bl_snapshot_segment_count(s));
        /* One segment per commit whatever the threads, when the RAM
        ** budget holds every article: a commit flushes all the builders
        ** into one. */
        if (runs[k].ram >= (1u << 20))
            assert_int_equal(bl_snapshot_segment_count(s), 2);
        if (k == 0) {
            n_ref = all_terms(s, ref, 2048);
            assert_true(n_ref > N_WORDS);
            docs = bl_snapshot_docs(s);
            total[0] = bl_snapshot_field_total(s, BL_FIELD_TITLE);
            total[1] = bl_snapshot_field_total(s, BL_FIELD_BODY);
            assert_true(docs == N_DOCS);
        } else {
            if (runs[k].ram < (1u << 20))
                assert_true(bl_snapshot_segment_count(s) > 2);
            n = all_terms(s, other, 2048);
            assert_int_equal(n, n_ref);
            for (size_t j = 0; j < n_ref; j++) {
                uint64_t df;

                assert_int_equal(
                    bl_snapshot_df(s, (bl_field_id)ref[j].field, ref[j].term,
                                   strlen(ref[j].term), &df), BL_OK);
                assert_true(df == ref[j].df);
            }
            assert_true(bl_snapshot_docs(s) == docs);
            assert_true(bl_snapshot_field_total(s, BL_FIELD_TITLE) ==
                        total[0]);
            assert_true(bl_snapshot_field_total(s, BL_FIELD_BODY) ==
                        total[1]);
        }
        /* Global doc ids: bases follow segment order. */
        for (size_t i = 1; i < bl_snapshot_segment_count(s); i++) {
            const bl_segment *prev = bl_snapshot_segment(s, i - 1);

            assert_int_equal(bl_snapshot_base(s, i),
                             bl_snapshot_base(s, i - 1) +
                                 bl_segment_docs(prev));
        }
        bl_snapshot_release(s);
        bl_index_close(ix);
        assert_int_equal(bl_index_check(dir, NULL, 0, NULL, NULL), BL_OK);
        fx_rmtree(dir);
    }
}

/* The analysis options of a new index are kept and reported; a later
** writer with other options keeps the index's own. */
static void analysis_options_persist(void **state)
{
    char *dir = fx_tmpdir();
    bl_writer_opts o;
    bl_writer *w;
    bl_index *ix;
    bl_analyzer_opts ao;
    bl_snapshot *s;
    (void)state;

    bl_writer_opts_default(&o);
    o.threads = 1;
    o.lang = "german";
    o.stem = false;
    assert_int_equal(bl_writer_open(dir, &o, &w, NULL, 0), BL_OK);
    add(w, "g", "Häuser", "Die Häuser stehen am Fluss.");
    assert_int_equal(bl_writer_commit(w), BL_OK);
    bl_writer_close(w);
    bl_writer_opts_default(&o);
    o.threads = 1;
    assert_int_equal(bl_writer_open(dir, &o, &w, NULL, 0), BL_OK);
    assert_int_equal(bl_writer_commit(w), BL_OK);
    bl_writer_close(w);
    assert_int_equal(bl_index_open(dir, &ix), BL_OK);
    s = bl_index_snapshot(ix);
    bl_snapshot_analyzer_opts(s, &ao);
    assert_string_equal(ao.lang, "german");
    assert_false(ao.stem);
    assert_true(ao.stopwords);
    bl_index_close(ix);
    fx_rmtree(dir);
}

/* With a tiny RAM budget every article becomes a segment; the commit folds
** them (tiered merges) into a few, and a batch replacing every article
** leaves segments wholly deleted, which are dropped. With two threads, two
** merges run at once. */
static void fold_small_segments(unsigned threads)
{
    char *dir = fx_tmpdir(), id[16], body[64];
    bl_writer *w = open_writer(dir, threads, 1);
    bl_index *ix;
    bl_stats st;

    for (int i = 0; i < 100; i++) {
        snprintf(id, sizeof id, "m%d", i);
        snprintf(body, sizeof body, "first storm %d", i);
        add(w, id, "t", body);
    }
    assert_int_equal(bl_writer_commit(w), BL_OK);
    {
        bl_writer_stats ws;

        /* the writer's own account: every article flushed alone, then
        ** merged down to what the index holds */
        bl_writer_stats_get(w, &ws);
        assert_true(ws.flushes == 100 && ws.commits == 1);
        assert_true(ws.merges > 0 && ws.merged_segments > ws.merges);
        assert_true(ws.merge_seconds >= 0 &&
                    ws.commit_seconds >= ws.merge_seconds);
    }
    assert_int_equal(bl_index_open(dir, &ix), BL_OK);
    st = stats_of(ix);
    print_message("100 one-article segments merged into %llu\n",
                  (unsigned long long)st.segments);
    assert_true(st.segments <= 12);
    assert_true(st.docs == 100);
    assert_int_equal(count_files(dir, "seg-"), (int)st.segments);
    for (int i = 0; i < 100; i++) {
        snprintf(id, sizeof id, "m%d", i);
        snprintf(body, sizeof body, "first storm %d", i);
        assert_body(ix, id, body);
    }
    for (int i = 0; i < 100; i++) {
        snprintf(id, sizeof id, "m%d", i);
        snprintf(body, sizeof body, "second flood %d", i);
        add(w, id, "t", body);
    }
    assert_int_equal(bl_writer_commit(w), BL_OK);
    bl_writer_close(w);
    assert_int_equal(bl_index_refresh(ix, NULL), BL_OK);
    st = stats_of(ix);
    assert_true(st.docs == 100);
    assert_true(st.deleted == 0);
    assert_true(st.segments <= 12);
    assert_body(ix, "m42", "second flood 42");
    {
        uint64_t df;
        bl_snapshot *s = bl_index_snapshot(ix);

        assert_int_equal(bl_snapshot_df(s, BL_FIELD_BODY, "storm", 5, &df),
                         BL_OK);
        assert_true(df == 0);
        assert_int_equal(bl_snapshot_df(s, BL_FIELD_BODY, "flood", 5, &df),
                         BL_OK);
        assert_true(df == 100);
        assert_true(bl_snapshot_docs(s) == 100);
    }
    bl_index_close(ix);
    assert_int_equal(bl_index_check(dir, NULL, 0, NULL, NULL), BL_OK);
    fx_rmtree(dir);
}

static void merges_fold_small_segments(void **state)
{
    (void)state;
    fold_small_segments(1);
}

static void merges_run_two_at_once(void **state)
{
    (void)state;
    fold_small_segments(2);
}

static uint64_t body_df(bl_index *ix, const char *term)
{
    uint64_t df;

    assert_int_equal(bl_snapshot_df(bl_index_snapshot(ix), BL_FIELD_BODY,
                                    term, strlen(term), &df),
                     BL_OK);
    return df;
}

/* bl_writer_optimize merges every segment into one: the live articles,
** their bodies and the index-wide statistics stay, deleted and replaced
** ones go; an index already in one segment without deletions is left as
** it is, and one with deletions is rewritten. */
static void optimize_merges_into_one(void **state)
{
    char *dir = fx_tmpdir(), id[16], body[64];
    bl_writer *w = open_writer(dir, 2, 1);   /* every article a segment */
    bl_writer_stats ws;
    uint64_t merges;
    bl_index *ix;
    bl_stats st;
    (void)state;

    for (int i = 0; i < 40; i++) {
        snprintf(id, sizeof id, "o%d", i);
        snprintf(body, sizeof body, "storm number %d", i);
        add(w, id, "t", body);
    }
    assert_int_equal(bl_writer_commit(w), BL_OK);
    assert_int_equal(bl_index_open(dir, &ix), BL_OK);
    assert_true(stats_of(ix).segments > 1);
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof id, "o%d", i);
        snprintf(body, sizeof body, "flood number %d", i);
        if (i < 5)
            add(w, id, "t", body);
        else
            assert_int_equal(bl_writer_delete(w, id), BL_OK);
    }
    assert_int_equal(bl_writer_optimize(w), BL_OK);
    assert_int_equal(bl_index_refresh(ix, NULL), BL_OK);
    st = stats_of(ix);
    assert_true(st.segments == 1 && st.docs == 35 && st.deleted == 0);
    assert_int_equal(count_files(dir, "seg-"), 1);
    assert_body(ix, "o2", "flood number 2");
    assert_body(ix, "o7", NULL);
    assert_body(ix, "o30", "storm number 30");
    assert_true(body_df(ix, "storm") == 30 && body_df(ix, "flood") == 5);
    assert_true(bl_snapshot_docs(bl_index_snapshot(ix)) == 35);
    /* Nothing left to merge. */
    bl_writer_stats_get(w, &ws);
    merges = ws.merges;
    assert_int_equal(bl_writer_optimize(w), BL_OK);
    bl_writer_stats_get(w, &ws);
    assert_true(ws.merges == merges);
    /* A deletion makes the lone segment worth rewriting. */
    assert_int_equal(bl_writer_delete(w, "o0"), BL_OK);
    assert_int_equal(bl_writer_optimize(w), BL_OK);
    bl_writer_stats_get(w, &ws);
    assert_true(ws.merges == merges + 1);
    assert_int_equal(bl_index_refresh(ix, NULL), BL_OK);
    st = stats_of(ix);
    assert_true(st.segments == 1 && st.docs == 34 && st.deleted == 0);
    assert_true(body_df(ix, "flood") == 4);
    assert_body(ix, "o0", NULL);
    bl_writer_close(w);
    bl_index_close(ix);
    assert_int_equal(bl_index_check(dir, NULL, 0, NULL, NULL), BL_OK);
    assert_int_equal(bl_writer_optimize(NULL), BL_EINVAL);
    fx_rmtree(dir);
}

/* The batch's bookkeeping of ids (until the commit) counts against the RAM
** budget: with long ids and short articles it is most of the heap, and the
** builders flush sooner to make room. Heap in use, sampled as articles go
** in, stays within the budget and a few MB (glibc's count; ASan has its
** own allocator). */
static size_t heap_in_use(void)
{
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
    struct mallinfo2 m = mallinfo2();

    return m.uordblks + m.hblkhd;
#else
    return 0;
#endif
}

static void budget_counts_the_batch_ids(void **state)
{
    const size_t ram = 32u << 20;
    char *dir = fx_tmpdir(), id[80], title[128], body[4096], *body_got;
    size_t base = heap_in_use(), peak = 0;
    bl_writer *w = open_writer(dir, 1, ram);
    bl_index *ix;
    fx_rng r;
    (void)state;

    fx_rng_seed(&r, 11);
    for (int i = 0; i < 150000; i++) {
        snprintf(id, sizeof id,
                 "https://news.example/%08d/a-long-permanent-link", i);
        synth(&r, title, body, 200);
        add(w, id, title, body);
        if (i % 500 == 0 && heap_in_use() > peak)
            peak = heap_in_use();
    }
    assert_int_equal(bl_writer_commit(w), BL_OK);
    bl_writer_close(w);
    print_message("heap peak %.1f MB over %.1f MB before, budget %.0f MB\n",
                  (double)(peak - base) / 1048576.0, (double)base / 1048576.0,
                  (double)ram / 1048576.0);
    if (base > 0)
        assert_true(peak - base <= ram + ((size_t)4 << 20));
    assert_int_equal(bl_index_open(dir, &ix), BL_OK);
    assert_true(stats_of(ix).docs == 150000);
    body_got = body_of(ix, "https://news.example/00000007/a-long-permanent-link");
    assert_non_null(body_got);
    free(body_got);
    bl_index_close(ix);
    fx_rmtree(dir);
}

/* Readers on two threads fetch articles while the main thread commits and
** refreshes: every fetch finds the article (each commit keeps the old ids
** and replaces one), nothing crashes (run it under ASan). */
typedef struct reader_arg {
    bl_index *ix;
    atomic_int *stop;
    int found, missing;
} reader_arg;

static void *reader_main(void *p)
{
    reader_arg *a = p;

    while (!atomic_load(a->stop)) {
        for (int i = 0; i < 20; i++) {
            char id[16];
            bl_doc *d;

            snprintf(id, sizeof id, "c%d", i);
            if (bl_index_get(a->ix, id, &d) == BL_OK) {
                a->found++;
                bl_doc_free(d);
            } else {
                a->missing++;
            }
        }
    }
    return NULL;
}

static void refresh_while_reading(void **state)
{
    char *dir = fx_tmpdir(), id[16], body[64];
    bl_writer *w = open_writer(dir, 2, 0);
    bl_index *ix;
    atomic_int stop = 0;
    reader_arg args[2];
    pthread_t th[2];
    (void)state;

    for (int i = 0; i < 20; i++) {
        snprintf(id, sizeof id, "c%d", i);
        add(w, id, "t", "first version");
    }
    assert_int_equal(bl_writer_commit(w), BL_OK);
    assert_int_equal(bl_index_open(dir, &ix), BL_OK);
    for (int t = 0; t < 2; t++) {
        args[t].ix = ix;
        args[t].stop = &stop;
        args[t].found = args[t].missing = 0;
        assert_int_equal(pthread_create(&th[t], NULL, reader_main, &args[t]),
                         0);
    }
    for (int c = 0; c < 15; c++) {
        bool changed;

        snprintf(id, sizeof id, "c%d", c % 20);
        snprintf(body, sizeof body, "version %d", c);
        add(w, id, "t", body);
        assert_int_equal(bl_writer_commit(w), BL_OK);
        assert_int_equal(bl_index_refresh(ix, &changed), BL_OK);
        assert_true(changed);
    }
    atomic_store(&stop, 1);
    for (int t = 0; t < 2; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(args[t].missing, 0);
        assert_true(args[t].found > 0);
    }
    assert_body(ix, "c14", "version 14");
    assert_true(stats_of(ix).docs == 20);
    bl_writer_close(w);
    bl_index_close(ix);
    fx_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(add_commit_reopen),
        cmocka_unit_test(add_to_existing_and_refresh),
        cmocka_unit_test(replace_and_delete_by_id),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(second_writer_is_busy),
        cmocka_unit_test(uncommitted_and_sweep),
        cmocka_unit_test(lost_current_rolls_forward),
        cmocka_unit_test(same_statistics_across_segmentations),
        cmocka_unit_test(analysis_options_persist),
        cmocka_unit_test(refresh_while_reading),
        cmocka_unit_test(merges_fold_small_segments),
        cmocka_unit_test(merges_run_two_at_once),
        cmocka_unit_test(optimize_merges_into_one),
        cmocka_unit_test(budget_counts_the_batch_ids),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
