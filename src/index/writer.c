/* writer.c - the index writer of byline.h (bl_writer_*). The caller's thread
** hands cloned articles to a bounded queue; `threads` worker threads each
** own one segment builder (builder.h) and flush it to an immutable segment
** file seg-<id>.byl whenever it uses its share of the RAM budget. The queue
** has a lane per worker, chosen by how an article begins (bl_store_group,
** lane_of), so that the articles of one template or story meet in one
** builder, whose store compresses them side by side; a worker whose lane
** is empty takes from the fullest. A commit flushes every builder into one
** segment, turns replaced and deleted ids into deletion bitmaps
** (seg-<id>.del-<gen>), and publishes MANIFEST-<gen+1> through CURRENT
** (segment/manifest.h).
**
** The invariant: nothing becomes visible except through a manifest written
** after every file it names is durable, so a crash at any moment leaves the
** previous commit intact; files no manifest names are swept when a writer
** opens. Replacement follows add order: every add or delete gets a sequence
** number, and of all the versions of one id only the one with the highest
** number may stay live. Errors are sticky, except bad arguments (BL_EINVAL),
** which leave the writer usable.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/file.h"
#include "base/hash.h"
#include "base/mem.h"
#include "byline.h"
#include "index/builder.h"
#include "index/merge.h"
#include "segment/deletes.h"
#include "segment/manifest.h"
#include "segment/segfile.h"

#define MAX_THREADS 64
#define QUEUE_PER_THREAD 64            /* queued articles per builder */
#define QUEUE_BYTES (32u << 20)        /* bytes of queued articles */
#define DEFAULT_RAM ((size_t)256 << 20)
#define MERGE_MIN_BYTES ((uint64_t)16 << 20)
#define OPTIMIZE_MIN_BYTES ((uint64_t)64 << 20)
#define POP_BATCH 8                    /* articles a worker takes at once */
#define GROUP_SLOTS ((size_t)1 << 16)  /* groups whose lane is remembered */
#define LANE_SLACK QUEUE_PER_THREAD     /* articles a lane may lead by */

/* The latest add or delete of one id in the current batch. The table is
** slots (entry number + 1; 0 = empty) over dense entries: 24 bytes an id
** plus 8 to 16 of slots and its text, where entries in the slots took 64
** to 128 (a batch of a million generated ids took 90 MB). */
typedef struct id_entry {
    uint64_t hash;
    uint64_t seq_del;          /* sequence number << 1 | is a delete */
    const char *id;            /* arena copy */
} id_entry;

/* An article waiting for a builder. */
typedef struct item {
    bl_doc *doc;               /* bl_doc_clone, freed by the worker */
    uint64_t seq;
    size_t bytes;
} item;

/* A segment flushed since the last commit. */
typedef struct pending {
    bl_manifest_seg seg;
    uint64_t *seqs;            /* sequence number of each local doc */
} pending;

typedef struct worker {
    struct bl_writer *w;
    pthread_t thread;
    bool started;
    bl_builder *b;
    uint64_t *seqs;            /* sequence numbers of the builder's docs */
    size_t n_seqs, cap_seqs;
    uint64_t flush_seen;       /* last flush request answered */
    unsigned lane;             /* its lane of the queue */
    bool first;                /* worker 0: takes any queued article */
} worker;

struct bl_writer {
    char *dir;
    int lock_fd;
    bl_manifest m;             /* the last commit */
    char lang[BL_MANIFEST_LANG_MAX + 1];
    bl_analyzer_opts aopts;    /* the index's analysis */
    unsigned threads;
    size_t ram_share;          /* bytes per builder */
    int rc;                    /* sticky error */
    char err[512];
    bool optimize;             /* this commit optimizes (merge_all) */

    /* The current batch, touched by the caller's thread only. */
    uint64_t seq;              /* next sequence number */
    uint32_t *slots;           /* open addressing, cap_slots a power of 2 */
    size_t cap_slots;
    id_entry *ids;             /* n_ids in order of first appearance */
    size_t n_ids, cap_ids;
    bl_arena arena;            /* id strings */
    _Atomic size_t batch_bytes; /* all of the above, and 8 a sequence
                                  number; the workers' builders get the
                                  rest of the budget */
    uint8_t *superseded;       /* bit per sequence number */
    size_t cap_superseded;     /* bytes */

    /* Shared with the workers, under mu. */
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full, answered;
    pthread_cond_t first_work;  /* worker 0 waits here, the others on
                                   not_empty */
    item *queue;               /* threads lanes of q_cap items, each a ring */
    uint64_t *group;           /* GROUP_SLOTS recent groups (| 1; 0: none) */
    uint8_t *group_lane;       /* and their lanes */
    size_t *l_head, *l_len;    /* per lane */
    size_t q_cap, q_len, q_bytes; /* q_len, q_bytes: of all lanes */
    bool stop;
    unsigned idle;             /* workers waiting for work */
    bool first_idle;           /* worker 0 among them */
    bool caller_waits;         /* the caller waits on not_full */
    uint64_t flush_req;        /* incremented by each commit */
    unsigned flush_answers;    /* workers done with flush_req */
    uint64_t next_id;          /* the next segment id */
    pending *pend;
    size_t n_pend, cap_pend;
    worker *workers;
    bl_writer_stats stats;     /* flushes under mu; the rest the caller's */
};

/* ---- errors ---------------------------------------------------------- */

static int set_error(bl_writer *w, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record the first failure (caller holds mu or runs alone). */
static int set_error(bl_writer *w, int rc, const char *fmt, ...)
{
    va_list ap;

    if (w->rc == BL_OK) {
        w->rc = rc;
        va_start(ap, fmt);
        vsnprintf(w->err, sizeof w->err, fmt, ap);
        va_end(ap);
    }
    return w->rc;
}

static int locked_error(bl_writer *w, int rc, const char *what)
{
    pthread_mutex_lock(&w->mu);
    set_error(w, rc, "%s: %s", what, bl_strerror(rc));
    rc = w->rc;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

const char *bl_writer_error(const bl_writer *w)
{
    return w != NULL ? w->err : "";
}

void bl_writer_opts_default(bl_writer_opts *o)
{
    o->threads = 0;
    o->ram_bytes = 0;
    o->lang = "en";
    o->stem = true;
    o->stopwords = true;
    o->fold_accents = true;
    o->k1 = 1.2;
    o->b = 0.75;
    o->title_weight = 2.0;
    o->body_weight = 1.0;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the id table of the batch ----------------------------------------- */

/* Double the slots (and the entries when full): load stays under 1/2. */
static int ids_grow(bl_writer *w)
{
    size_t cap = w->cap_slots ? w->cap_slots * 2 : 1024;
    uint32_t *t;

    if (cap / 2 > UINT32_MAX)
        return BL_ELIMIT;
    if (w->n_ids == w->cap_ids) {
        id_entry *e = realloc(w->ids, cap / 2 * sizeof *e);

        if (e == NULL)
            return BL_ENOMEM;
        w->ids = e;
        w->cap_ids = cap / 2;
    }
    t = bl_zalloc(cap * sizeof *t);    /* probed before filled: mem.h */
    if (t == NULL)
        return BL_ENOMEM;
    for (size_t i = 0; i < w->n_ids; i++) {
        size_t j;

        for (j = w->ids[i].hash & (cap - 1); t[j] != 0;
             j = (j + 1) & (cap - 1))
            ;
        t[j] = (uint32_t)(i + 1);
    }
    bl_mem_free(w->slots, w->cap_slots * sizeof *w->slots);
    w->slots = t;
    w->cap_slots = cap;
    return BL_OK;
}

/* What the batch's bookkeeping holds, for the workers' budget. */
static void count_batch_bytes(bl_writer *w)
{
    atomic_store_explicit(&w->batch_bytes,
                          w->cap_slots * sizeof *w->slots +
                              w->cap_ids * sizeof *w->ids + w->arena.used +
                              w->cap_superseded + w->seq * sizeof(uint64_t),
                          memory_order_relaxed);
}

static int supersede(bl_writer *w, uint64_t seq)
{
    size_t byte = (size_t)(seq >> 3);

    if (byte >= w->cap_superseded) {
        size_t cap = w->cap_superseded ? w->cap_superseded * 2 : 4096;
        uint8_t *p;

        while (cap <= byte)
            cap *= 2;
        p = realloc(w->superseded, cap);
        if (p == NULL)
            return BL_ENOMEM;
        memset(p + w->cap_superseded, 0, cap - w->cap_superseded);
        w->superseded = p;
        w->cap_superseded = cap;
    }
    w->superseded[byte] |= (uint8_t)(1u << (seq & 7));
    return BL_OK;
}

static bool is_superseded(const bl_writer *w, uint64_t seq)
{
    size_t byte = (size_t)(seq >> 3);

    return byte < w->cap_superseded &&
           (w->superseded[byte] >> (seq & 7)) & 1;
}

/* Record that id's latest version is seq; an earlier add is superseded. */
static int ids_put(bl_writer *w, const char *id, uint64_t seq, bool del)
{
    size_t len = strlen(id), j;
    uint64_t h = bl_hash(id, len);
    id_entry *e;
    int rc;

    if ((w->n_ids + 1) * 2 > w->cap_slots && (rc = ids_grow(w)) != BL_OK)
        return rc;
    for (j = h & (w->cap_slots - 1); w->slots[j] != 0;
         j = (j + 1) & (w->cap_slots - 1)) {
        e = &w->ids[w->slots[j] - 1];
        if (e->hash == h && strcmp(e->id, id) == 0) {
            if (!(e->seq_del & 1) &&
                (rc = supersede(w, e->seq_del >> 1)) != BL_OK)
                return rc;
            e->seq_del = seq << 1 | del;
            return BL_OK;
        }
    }
    e = &w->ids[w->n_ids];
    e->id = bl_arena_strndup(&w->arena, id, len);
    if (e->id == NULL)
        return BL_ENOMEM;
    e->hash = h;
    e->seq_del = seq << 1 | del;
    w->slots[j] = (uint32_t)++w->n_ids;
    if ((w->n_ids & 1023) == 0)
        count_batch_bytes(w);
    return BL_OK;
}

static void batch_reset(bl_writer *w)
{
    if (w->slots != NULL)
        memset(w->slots, 0, w->cap_slots * sizeof *w->slots);
    w->n_ids = 0;
    bl_arena_reset(&w->arena);
    if (w->superseded != NULL)
        memset(w->superseded, 0, w->cap_superseded);
    w->seq = 0;
    count_batch_bytes(w);
}

/* ---- workers ----------------------------------------------------------- */

static int path_of_segment(const bl_writer *w, uint64_t id, char *out,
                           size_t cap)
{
    char name[64];
    int rc = bl_segment_file_name(name, sizeof name, id);

    return rc == BL_OK ? bl_path_join(out, cap, w->dir, name) : rc;
}

/* Room for one more pending segment (caller holds mu). */
static bool pend_room(bl_writer *w)
{
    size_t cap;
    pending *p;

    if (w->n_pend < w->cap_pend)
        return true;
    cap = w->cap_pend ? w->cap_pend * 2 : 16;
    p = realloc(w->pend, cap * sizeof *p);
    if (p == NULL)
        return false;
    w->pend = p;
    w->cap_pend = cap;
    return true;
}

/* The bytes a builder may hold before it flushes: its share of the budget
** less its share of the batch's bookkeeping (never under a quarter of the
** share), and a quarter of that left for the flush's output. */
static size_t builder_limit(const bl_writer *w)
{
    size_t batch = atomic_load_explicit(&w->batch_bytes,
                                         memory_order_relaxed) / w->threads;
    size_t share = w->ram_share;

    share = batch < share / 4 * 3 ? share - batch : share / 4;
    return share / 4 * 3;
}

/* Flush the builders of workers ks[0..n) into one new segment and list it
** as pending; their articles' sequence numbers go with it, ks[0]'s array
** grown to hold them all. Runs without mu: by a worker, on its own builder
** when that is full, or by a commit, on every builder while the workers
** idle. */
static void flush_builders(bl_writer *w, worker *const *ks, size_t n)
{
    bl_builder *bs[MAX_THREADS];
    bl_segment_info info;
    char path[4096];
    size_t m = 0, seqs = 0;
    uint64_t id;
    int rc;

    for (size_t i = 0; i < n; i++)
        if (ks[i]->b != NULL && bl_builder_docs(ks[i]->b) > 0) {
            bs[m] = ks[i]->b;
            seqs += ks[i]->n_seqs;
            m++;
        }
    if (m == 0)
        return;
    pthread_mutex_lock(&w->mu);
    id = w->next_id++;
    rc = w->rc;
    pthread_mutex_unlock(&w->mu);
    if (rc != BL_OK)
        return;
    rc = path_of_segment(w, id, path, sizeof path);
    if (rc == BL_OK)
        rc = bl_builder_flush_many(bs, m, path, &info);
    if (rc == BL_OK && ks[0]->cap_seqs < seqs) {
        uint64_t *p = realloc(ks[0]->seqs, seqs * sizeof *p);

        if (p == NULL) {
            rc = BL_ENOMEM;
        } else {
            ks[0]->seqs = p;
            ks[0]->cap_seqs = seqs;
        }
    }
    for (size_t i = 1; i < n && rc == BL_OK; i++) {
        if (ks[i]->n_seqs == 0)
            continue;
        memcpy(ks[0]->seqs + ks[0]->n_seqs, ks[i]->seqs,
               ks[i]->n_seqs * sizeof *ks[i]->seqs);
        ks[0]->n_seqs += ks[i]->n_seqs;
    }
    pthread_mutex_lock(&w->mu);
    if (rc != BL_OK) {
        set_error(w, rc, "flushing seg-%" PRIu64 ".byl: %s", id,
                  bl_strerror(rc));
    } else if (info.docs != seqs) {
        set_error(w, BL_EIO, "seg-%" PRIu64 ".byl holds %u articles, "
                  "%zu were added", id, info.docs, seqs);
    } else if (!pend_room(w)) {
        set_error(w, BL_ENOMEM, "out of memory");
    } else {
        pending *p = &w->pend[w->n_pend++];

        w->stats.flushes++;
        memset(p, 0, sizeof *p);
        p->seg.id = id;
        p->seg.docs = info.docs;
        p->seg.field_total[0] = info.field_total[0];
        p->seg.field_total[1] = info.field_total[1];
        p->seg.bytes = info.bytes;
        p->seqs = ks[0]->seqs;
        ks[0]->seqs = NULL;
        ks[0]->cap_seqs = 0;
    }
    pthread_mutex_unlock(&w->mu);
    for (size_t i = 0; i < n; i++) {
        worker *k = ks[i];

        k->n_seqs = 0;
        /* An empty builder keeps its tables for the next segment; when
        ** they alone take most of what it may hold (the batch's ids grew),
        ** a new builder starts small instead of flushing after every
        ** article. */
        if (rc == BL_OK && k->b != NULL &&
            bl_builder_ram(k->b) > builder_limit(w) / 4 * 3) {
            bl_builder_free(k->b);
            k->b = NULL;
            rc = bl_builder_new(&w->aopts, &k->b);
            if (rc != BL_OK)
                locked_error(w, rc, "a new builder");
        }
    }
}

static void worker_add(worker *k, item *it)
{
    bl_writer *w = k->w;
    int rc = BL_OK;

    if (k->n_seqs == k->cap_seqs) {
        size_t cap = k->cap_seqs ? k->cap_seqs * 2 : 1024;
        uint64_t *p = realloc(k->seqs, cap * sizeof *p);

        if (p == NULL)
            rc = BL_ENOMEM;
        else {
            k->seqs = p;
            k->cap_seqs = cap;
        }
    }
    if (rc == BL_OK)   /* no builder: renew_builders failed */
        rc = k->b != NULL ? bl_builder_add(k->b, it->doc) : BL_ENOMEM;
    if (rc != BL_OK) {
        pthread_mutex_lock(&w->mu);
        set_error(w, rc, "adding article '%s': %s", it->doc->id,
                  bl_strerror(rc));
        pthread_mutex_unlock(&w->mu);
    } else {
        k->seqs[k->n_seqs++] = it->seq;
    }
    bl_doc_free(it->doc);
    if (rc == BL_OK && bl_builder_ram(k->b) >= builder_limit(w))
        flush_builders(w, &k, 1);
}

/* Whether the queue holds work for the workers after the first: half a
** queue, or a caller waiting on a full one. Worker 0 takes any article;
** the others wait for that, so that a caller slower than the workers
** (parsing JSON) gets its core rather than a fair third of two while the
** workers idle by turns: indexing 200,000 generated articles with 2
** threads kept the 2 cores 96% busy instead of 84%. */
static bool queue_half(const bl_writer *w)
{
    return w->q_len > 0 &&
           (w->caller_waits || w->q_len >= w->q_cap / 2 ||
            w->q_bytes >= QUEUE_BYTES / 2);
}

/* The lane worker k takes from next: its own while it holds articles, else
** the fullest (a worker never idles while articles wait); -1 when the
** queue is empty. */
static int lane_to_take(const bl_writer *w, const worker *k)
{
    int best = -1;

    if (w->l_len[k->lane] > 0)
        return (int)k->lane;
    for (unsigned l = 0; l < w->threads; l++)
        if (w->l_len[l] > 0 && (best < 0 || w->l_len[l] > w->l_len[best]))
            best = (int)l;
    return best;
}

static bool has_work(const bl_writer *w, const worker *k)
{
    return k->first ? w->q_len > 0 : queue_half(w);
}

/* Wake every worker (a commit, a close, a caller about to wait). */
static void wake_workers(bl_writer *w)
{
    pthread_cond_broadcast(&w->first_work);
    pthread_cond_broadcast(&w->not_empty);
}

static void *worker_main(void *arg)
{
    worker *k = arg;
    bl_writer *w = k->w;
    int l;

    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!has_work(w, k) && !w->stop &&
               w->flush_req == k->flush_seen) {
            w->idle++;
            w->first_idle |= k->first;
            pthread_cond_wait(k->first ? &w->first_work : &w->not_empty,
                              &w->mu);
            w->idle--;
            w->first_idle &= !k->first;
        }
        if ((l = lane_to_take(w, k)) >= 0) {
            /* Take a few at a time: fewer lock round trips. */
            item batch[POP_BATCH];
            size_t n = 0;
            bool failed = w->rc != BL_OK || w->stop;

            while (n < POP_BATCH && w->l_len[l] > 0) {
                batch[n] = w->queue[l * w->q_cap + w->l_head[l]];
                w->l_head[l] = (w->l_head[l] + 1) % w->q_cap;
                w->l_len[l]--;
                w->q_len--;
                w->q_bytes -= batch[n].bytes;
                n++;
            }
            /* Wake a waiting caller only once the queue is half empty, so
            ** that it adds half a queue per wake-up rather than one batch:
            ** byline index of Reuters with 1 thread went from 4,694
            ** voluntary and 4,652 involuntary context switches to 560 and
            ** 12, system time 0.17 -> 0.10 s. */
            if (w->caller_waits && w->q_len <= w->q_cap / 2 &&
                w->q_bytes <= QUEUE_BYTES / 2)
                pthread_cond_signal(&w->not_full);
            pthread_mutex_unlock(&w->mu);
            for (size_t i = 0; i < n; i++) {
                if (failed)
                    bl_doc_free(batch[i].doc);
                else
                    worker_add(k, &batch[i]);
            }
            pthread_mutex_lock(&w->mu);
            continue;
        }
        if (w->flush_req != k->flush_seen) {
            /* The queue is empty: the commit flushes the builders. */
            k->flush_seen = w->flush_req;
            w->flush_answers++;
            pthread_cond_broadcast(&w->answered);
            continue;
        }
        break;  /* stop, queue empty */
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* ---- open and close ---------------------------------------------------- */

/* True when name is one of ours that the manifest m does not name. */
static bool is_garbage(const bl_manifest *m, const char *name)
{
    char keep[64];

    if (strcmp(name, "CURRENT") == 0 || strcmp(name, "LOCK") == 0)
        return false;
    if (m->generation > 0 &&
        bl_manifest_name(keep, sizeof keep, m->generation) == BL_OK &&
        strcmp(name, keep) == 0)
        return false;
    for (size_t i = 0; i < m->n_segs; i++) {
        if (bl_segment_file_name(keep, sizeof keep, m->segs[i].id) == BL_OK &&
            strcmp(name, keep) == 0)
            return false;
        if (m->segs[i].del_gen != 0 &&
            bl_deletes_file_name(keep, sizeof keep, m->segs[i].id,
                                 m->segs[i].del_gen) == BL_OK &&
            strcmp(name, keep) == 0)
            return false;
    }
    return strncmp(name, "MANIFEST-", 9) == 0 || strncmp(name, "seg-", 4) == 0
           || strcmp(name, "CURRENT.tmp") == 0;
}

/* Remove the files of ours that the manifest m does not name. */
static int sweep(const char *dir, const bl_manifest *m)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];

    if (d == NULL)
        return BL_EIO;
    while ((e = readdir(d)) != NULL) {
        if (!is_garbage(m, e->d_name))
            continue;
        if (bl_path_join(path, sizeof path, dir, e->d_name) == BL_OK)
            unlink(path);
    }
    closedir(d);
    return BL_OK;
}

static int take_lock(bl_writer *w)
{
    char path[4096];
    int rc = bl_path_join(path, sizeof path, w->dir, "LOCK");

    if (rc != BL_OK)
        return rc;
    w->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (w->lock_fd < 0)
        return set_error(w, BL_EIO, "%s: %s", path, strerror(errno));
    if (flock(w->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        rc = errno == EWOULDBLOCK ? BL_EBUSY : BL_EIO;
        return set_error(w, rc, "%s: %s", w->dir, bl_strerror(rc));
    }
    return BL_OK;
}

/* Read the last commit, or start a new index with the options of o. */
static int read_commit(bl_writer *w, const bl_writer_opts *o)
{
    char msg[512];
    uint64_t gen;
    int rc = bl_manifest_current(w->dir, &gen);

    /* No CURRENT but a sound manifest: CURRENT was lost after the manifest
    ** was made durable. Roll forward to it rather than sweep a whole index
    ** away. */
    if (rc == BL_ENOTFOUND && bl_manifest_latest(w->dir, &gen) == BL_OK) {
        rc = bl_manifest_load(w->dir, gen, &w->m, msg, sizeof msg);
        if (rc == BL_OK)
            rc = bl_manifest_commit(w->dir, &w->m);
        if (rc != BL_OK)
            return set_error(w, rc, "%s/CURRENT is missing and MANIFEST-%llu "
                             "cannot be restored: %s", w->dir,
                             (unsigned long long)gen, bl_strerror(rc));
        return BL_OK;
    }
    if (rc == BL_ENOTFOUND) {
        const char *lang = o->lang != NULL && *o->lang ? o->lang : "en";

        bl_manifest_init(&w->m);
        if (strlen(lang) > BL_MANIFEST_LANG_MAX)
            return set_error(w, BL_EINVAL, "language name too long: %s",
                             lang);
        strcpy(w->m.lang, lang);
        w->m.stem = o->stem;
        w->m.stopwords = o->stopwords;
        w->m.fold_accents = o->fold_accents;
        if (!(o->k1 >= 0 && o->k1 <= 1e9 && o->b >= 0 && o->b <= 1 &&
              o->title_weight >= 0 && o->title_weight <= 1e9 &&
              o->body_weight >= 0 && o->body_weight <= 1e9))
            return set_error(w, BL_EINVAL, "bad ranking defaults (k1 >= 0, "
                             "0 <= b <= 1, weights >= 0)");
        w->m.k1 = o->k1;
        w->m.b = o->b;
        w->m.weight[0] = o->title_weight;
        w->m.weight[1] = o->body_weight;
        return BL_OK;
    }
    if (rc != BL_OK)
        return set_error(w, rc, "%s/CURRENT: %s", w->dir, bl_strerror(rc));
    rc = bl_manifest_load(w->dir, gen, &w->m, msg, sizeof msg);
    if (rc != BL_OK)
        return set_error(w, rc, "%s", msg);
    return BL_OK;
}

static int start_workers(bl_writer *w)
{
    int rc;

    w->workers = calloc(w->threads, sizeof *w->workers);
    w->q_cap = (size_t)w->threads * QUEUE_PER_THREAD;
    w->queue = calloc(w->q_cap * w->threads, sizeof *w->queue);
    w->l_head = calloc(w->threads, sizeof *w->l_head);
    w->l_len = calloc(w->threads, sizeof *w->l_len);
    w->group = bl_zalloc(GROUP_SLOTS * sizeof *w->group); /* mem.h */
    w->group_lane = bl_zalloc(GROUP_SLOTS * sizeof *w->group_lane);
    if (w->workers == NULL || w->queue == NULL || w->l_head == NULL ||
        w->l_len == NULL || w->group == NULL || w->group_lane == NULL)
        return set_error(w, BL_ENOMEM, "out of memory");
    for (unsigned i = 0; i < w->threads; i++) {
        worker *k = &w->workers[i];

        k->w = w;
        k->lane = i;
        k->first = i == 0;
        rc = bl_builder_new(&w->aopts, &k->b);
        if (rc != BL_OK)
            return set_error(w, rc, "analysis for language '%s': %s",
                             w->lang, bl_strerror(rc));
    }
    for (unsigned i = 0; i < w->threads; i++) {
        worker *k = &w->workers[i];

        if (pthread_create(&k->thread, NULL, worker_main, k) != 0)
            return set_error(w, BL_ENOMEM, "cannot start a thread");
        k->started = true;
    }
    return BL_OK;
}

/* msg into the caller's err buffer, when it gave one. */
static void put_err(char *err, size_t cap, const char *msg)
{
    if (err != NULL && cap > 0)
        snprintf(err, cap, "%s", msg);
}

int bl_writer_open(const char *dir, const bl_writer_opts *o, bl_writer **out,
                   char *err, size_t cap)
{
    bl_writer_opts def;
    bl_writer *w;
    long cores;
    int rc;

    *out = NULL;
    put_err(err, cap, "");
    if (dir == NULL || *dir == '\0') {
        put_err(err, cap, "no index folder given");
        return BL_EINVAL;
    }
    if (o == NULL) {
        bl_writer_opts_default(&def);
        o = &def;
    }
    w = calloc(1, sizeof *w);
    if (w == NULL) {
        put_err(err, cap, "out of memory");
        return BL_ENOMEM;
    }
    w->lock_fd = -1;
    bl_arena_init(&w->arena, 0);
    atomic_init(&w->batch_bytes, 0);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->not_empty, NULL);
    pthread_cond_init(&w->first_work, NULL);
    pthread_cond_init(&w->not_full, NULL);
    pthread_cond_init(&w->answered, NULL);
    bl_manifest_init(&w->m);
    cores = sysconf(_SC_NPROCESSORS_ONLN);
    w->threads = o->threads ? o->threads : cores > 0 ? (unsigned)cores : 1;
    if (w->threads > MAX_THREADS)
        w->threads = MAX_THREADS;
    w->ram_share = (o->ram_bytes ? o->ram_bytes : DEFAULT_RAM) / w->threads;
    w->dir = strdup(dir);
    rc = w->dir == NULL ? BL_ENOMEM : bl_file_mkdir(dir);
    if (rc != BL_OK)
        set_error(w, rc, "%s: cannot make the folder: %s", dir,
                  rc == BL_EIO ? strerror(errno) : bl_strerror(rc));
    if (rc == BL_OK)
        rc = take_lock(w);
    if (rc == BL_OK)
        rc = read_commit(w, o);
    if (rc == BL_OK) {
        w->next_id = w->m.next_id;
        strcpy(w->lang, w->m.lang);
        w->aopts.lang = w->lang;
        w->aopts.stem = w->m.stem;
        w->aopts.stopwords = w->m.stopwords;
        w->aopts.fold_accents = w->m.fold_accents;
        w->aopts.stopword_file = NULL;
        rc = sweep(dir, &w->m);
        if (rc != BL_OK)
            set_error(w, rc, "%s: cannot list the folder", dir);
    }
    if (rc == BL_OK)
        rc = start_workers(w);
    if (rc != BL_OK) {
        put_err(err, cap, w->err[0] ? w->err : bl_strerror(rc));
        bl_writer_close(w);
        return rc;
    }
    *out = w;
    return BL_OK;
}

/* Stop and join the workers; what they hold is dropped. */
static void stop_workers(bl_writer *w)
{
    if (w->workers == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;   /* queued articles are dropped, not added */
    wake_workers(w);
    pthread_cond_broadcast(&w->not_full);
    pthread_mutex_unlock(&w->mu);
    for (unsigned i = 0; i < w->threads; i++) {
        worker *k = &w->workers[i];

        if (k->started)
            pthread_join(k->thread, NULL);
        bl_builder_free(k->b);
        free(k->seqs);
    }
    free(w->workers);
    w->workers = NULL;
}

void bl_writer_close(bl_writer *w)
{
    char path[4096];

    if (w == NULL)
        return;
    stop_workers(w);
    /* Uncommitted segments are never named by a manifest: remove them. */
    for (size_t i = 0; i < w->n_pend; i++) {
        if (path_of_segment(w, w->pend[i].seg.id, path, sizeof path) ==
            BL_OK)
            unlink(path);
        free(w->pend[i].seqs);
    }
    free(w->pend);
    for (unsigned l = 0; w->l_len != NULL && l < w->threads; l++)
        for (size_t i = 0; i < w->l_len[l]; i++)
            bl_doc_free(
                w->queue[l * w->q_cap + (w->l_head[l] + i) % w->q_cap].doc);
    free(w->queue);
    free(w->l_head);
    free(w->l_len);
    bl_mem_free(w->group, GROUP_SLOTS * sizeof *w->group);
    bl_mem_free(w->group_lane, GROUP_SLOTS * sizeof *w->group_lane);
    bl_mem_free(w->slots, w->cap_slots * sizeof *w->slots);
    free(w->ids);
    free(w->superseded);
    bl_arena_free(&w->arena);
    bl_manifest_free(&w->m);
    if (w->lock_fd >= 0)
        close(w->lock_fd);   /* releases the flock */
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->not_empty);
    pthread_cond_destroy(&w->first_work);
    pthread_cond_destroy(&w->not_full);
    pthread_cond_destroy(&w->answered);
    free(w->dir);
    free(w);
}

/* ---- adding and deleting ------------------------------------------------ */

static size_t doc_bytes(const bl_doc *d)
{
    size_t n = sizeof *d + strlen(d->id) + strlen(d->title) +
               strlen(d->body) + strlen(d->source) + strlen(d->url) +
               strlen(d->lang);

    for (size_t i = 0; i < d->n_extra; i++)
        n += strlen(d->extra[i].name) + strlen(d->extra[i].value);
    return n;
}

static int sticky(bl_writer *w)
{
    int rc;

    pthread_mutex_lock(&w->mu);
    rc = w->rc;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

/* The lane of articles of group g (bl_store_group): the one the group was
** last given while that lane leads the shortest by at most LANE_SLACK, else
** the shortest (the first of equals), so that a frequent group cannot load
** one worker more than the others. On Reuters-21578 with 2 threads, 2-4%
** of the articles are then taken from another worker's lane, and the store
** was 0.329-0.330 of the raw text (format 8), against 0.338 when each
** worker took the queue's next articles. (A slack of 16 articles: 0.330;
** workers that wait, rather than take from another lane, until it backs
** up: as good for Reuters, but 200,000 generated articles indexed 4%
** slower.) */
static size_t lane_of(bl_writer *w, uint64_t g)
{
    size_t i = g & (GROUP_SLOTS - 1), l = 0;

    for (size_t o = 1; o < w->threads; o++)
        if (w->l_len[o] < w->l_len[l])
            l = o;
    if (w->group[i] == (g | 1) &&
        w->l_len[w->group_lane[i]] <= w->l_len[l] + LANE_SLACK)
        return w->group_lane[i];
    w->group[i] = g | 1;
    w->group_lane[i] = (uint8_t)l;
    return l;
}

int bl_writer_add(bl_writer *w, const bl_doc *doc)
{
    item it;
    uint64_t g;
    size_t l;
    int rc;

    if (w == NULL || doc == NULL || doc->id == NULL || *doc->id == '\0' ||
        doc->title == NULL || doc->body == NULL || doc->source == NULL ||
        doc->url == NULL || doc->lang == NULL)
        return BL_EINVAL;
    rc = sticky(w);
    if (rc != BL_OK)
        return rc;
    it.seq = w->seq++;
    rc = ids_put(w, doc->id, it.seq, false);
    if (rc != BL_OK)
        return locked_error(w, rc, "indexing ids");
    it.doc = bl_doc_clone(doc);
    if (it.doc == NULL)
        return locked_error(w, BL_ENOMEM, "copying an article");
    it.bytes = doc_bytes(doc);
    g = bl_store_group(doc);
    pthread_mutex_lock(&w->mu);
    while (w->rc == BL_OK && (w->q_len == w->q_cap ||
                              (w->q_len > 0 &&
                               w->q_bytes + it.bytes > QUEUE_BYTES))) {
        if (w->idle > 0)
            wake_workers(w);
        w->caller_waits = true;
        pthread_cond_wait(&w->not_full, &w->mu);
        w->caller_waits = false;
    }
    rc = w->rc;
    if (rc == BL_OK) {
        l = lane_of(w, g);
        w->queue[l * w->q_cap + (w->l_head[l] + w->l_len[l]) % w->q_cap] =
            it;
        w->l_len[l]++;
        w->q_len++;
        w->q_bytes += it.bytes;
        /* An idle worker is woken for a batch, not for each article (it
        ** took one, added it and slept again: 0.6 context switches an
        ** article at 10^6), or before this caller would wait; a commit
        ** and a close wake them all. */
        if (w->first_idle && w->q_len >= POP_BATCH)
            pthread_cond_signal(&w->first_work);
        if (w->idle > (unsigned)w->first_idle && queue_half(w))
            pthread_cond_signal(&w->not_empty);
    }
    pthread_mutex_unlock(&w->mu);
    if (rc != BL_OK)
        bl_doc_free(it.doc);
    return rc;
}

int bl_writer_delete(bl_writer *w, const char *id)
{
    int rc;

    if (w == NULL || id == NULL || *id == '\0')
        return BL_EINVAL;
    rc = sticky(w);
    if (rc != BL_OK)
        return rc;
    rc = ids_put(w, id, w->seq++, true);
    return rc == BL_OK ? BL_OK : locked_error(w, rc, "indexing ids");
}

/* ---- commit ------------------------------------------------------------- */

/* Ask every worker to drain the queue, wait, and flush every builder into
** one segment: a commit makes one segment whatever the threads (a query
** then looks its terms up once, not once per thread), the store trains one
** dictionary, and the flush writes the inverted index on this thread while
** the store compresses on the others. Where two builders flushed side by
** side, both with their own store thread, bench_index with 2 threads (6
** alternating runs, medians) went from 38.1 to 41.5 MB/s on Reuters and
** from 33.6 to 39.6 on BBC, whose store fell from 0.334 to 0.330 of the
** raw text and inverted index from 0.291 to 0.271 (one dictionary of
** terms, not two). */
static int flush_all(bl_writer *w)
{
    worker *ks[MAX_THREADS];
    int rc;

    pthread_mutex_lock(&w->mu);
    w->flush_req++;
    w->flush_answers = 0;
    wake_workers(w);
    while (w->flush_answers < w->threads)
        pthread_cond_wait(&w->answered, &w->mu);
    pthread_mutex_unlock(&w->mu);
    for (unsigned i = 0; i < w->threads; i++)
        ks[i] = &w->workers[i];
    flush_builders(w, ks, w->threads);
    pthread_mutex_lock(&w->mu);
    rc = w->rc;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

typedef struct marking {
    bl_deletes *d;             /* the segment's deletions */
    uint32_t *n;               /* count of new marks */
} marking;

static int mark_one(void *ctx, uint32_t doc)
{
    marking *m = ctx;

    if (bl_deletes_set(m->d, doc))
        (*m->n)++;
    return BL_OK;
}

/* Mark in d every doc of seg whose id is id; *n counts new marks. */
static int mark_id(const bl_segment *seg, const char *id, bl_deletes *d,
                   uint32_t *n)
{
    marking m = {d, n};

    return bl_segment_each_id(seg, id, mark_one, &m);
}

/* The deletions of committed segment i as of the last commit. */
static int load_deletes(bl_writer *w, size_t i, bl_deletes *out)
{
    const bl_manifest_seg *s = &w->m.segs[i];
    char name[64], path[4096], msg[256];
    int rc;

    if (s->del_gen == 0)
        return bl_deletes_new(s->docs, out);
    rc = bl_deletes_file_name(name, sizeof name, s->id, s->del_gen);
    if (rc == BL_OK)
        rc = bl_path_join(path, sizeof path, w->dir, name);
    if (rc == BL_OK)
        rc = bl_deletes_load(path, out, msg, sizeof msg);
    if (rc == BL_OK && out->docs != s->docs) {
        bl_deletes_free(out);
        rc = BL_ECORRUPT;
    }
    if (rc != BL_OK)
        set_error(w, rc, "%s: %s", name, bl_strerror(rc));
    return rc;
}

/* Apply the batch's ids to the committed segments: every older version of
** an id added or deleted in this batch is deleted. dels[i] is filled (new
** bitmap) only for segments that change. */
static int delete_old_versions(bl_writer *w, bl_deletes *dels, bool *changed)
{
    char path[4096];
    int rc = BL_OK;

    for (size_t i = 0; i < w->m.n_segs && rc == BL_OK; i++) {
        bl_segment *seg = NULL;
        uint32_t marked = 0;

        rc = path_of_segment(w, w->m.segs[i].id, path, sizeof path);
        if (rc == BL_OK)
            rc = bl_segment_open(path, &seg);
        if (rc != BL_OK) {
            set_error(w, rc, "%s: %s", path, bl_strerror(rc));
            break;
        }
        rc = load_deletes(w, i, &dels[i]);
        for (size_t j = 0; j < w->n_ids && rc == BL_OK; j++)
            rc = mark_id(seg, w->ids[j].id, &dels[i], &marked);
        if (rc != BL_OK)
            set_error(w, rc, "seg-%" PRIu64 ".byl: %s", w->m.segs[i].id,
                      bl_strerror(rc));
        changed[i] = marked > 0;
        bl_segment_close(seg);
    }
    return rc;
}

static int write_deletes(bl_writer *w, uint64_t id, uint64_t gen,
                         const bl_deletes *d)
{
    char name[64], path[4096];
    int rc = bl_deletes_file_name(name, sizeof name, id, gen);

    if (rc == BL_OK)
        rc = bl_path_join(path, sizeof path, w->dir, name);
    if (rc == BL_OK)
        rc = bl_deletes_write(path, d);
    if (rc != BL_OK)
        set_error(w, rc, "writing %s: %s", name, bl_strerror(rc));
    return rc;
}

/* Build the next manifest into nm, writing the deletion files it names. */
static int next_manifest(bl_writer *w, bl_manifest *nm)
{
    size_t n_old = w->m.n_segs;
    bl_deletes *dels = calloc(n_old + 1, sizeof *dels);
    bool *changed = calloc(n_old + 1, sizeof *changed);
    int rc = BL_OK;

    bl_manifest_init(nm);
    if (dels == NULL || changed == NULL)
        rc = set_error(w, BL_ENOMEM, "out of memory");
    if (rc == BL_OK)
        rc = bl_manifest_copy(nm, &w->m);
    if (rc == BL_OK) {
        nm->generation = w->m.generation + 1;
        nm->next_id = w->next_id;
        if (w->n_ids > 0 && n_old > 0)
            rc = delete_old_versions(w, dels, changed);
    }
    for (size_t i = 0; i < n_old && rc == BL_OK; i++) {
        if (!changed[i])
            continue;
        rc = write_deletes(w, nm->segs[i].id, nm->generation, &dels[i]);
        nm->segs[i].del_gen = nm->generation;
        nm->segs[i].deleted = dels[i].count;
    }
    for (size_t i = 0; i < w->n_pend && rc == BL_OK; i++) {
        bl_manifest_seg s = w->pend[i].seg;
        bl_deletes d;

        rc = bl_deletes_new(s.docs, &d);
        for (uint32_t j = 0; rc == BL_OK && j < s.docs; j++)
            if (is_superseded(w, w->pend[i].seqs[j]))
                bl_deletes_set(&d, j);
        if (rc == BL_OK && d.count > 0) {
            rc = write_deletes(w, s.id, nm->generation, &d);
            s.del_gen = nm->generation;
            s.deleted = d.count;
        }
        bl_deletes_free(&d);
        if (rc == BL_OK)
            rc = bl_manifest_add(nm, &s);
    }
    for (size_t i = 0; i < n_old && dels != NULL; i++)
        bl_deletes_free(&dels[i]);
    free(dels);
    free(changed);
    if (rc != BL_OK)
        set_error(w, rc, "commit: %s", bl_strerror(rc));
    return rc;
}

/* nm with the segments srcs[0..n) (in nm's order) replaced by merged
** (dropped when it is empty), placed where the first of them was. */
static int replace_segments(bl_manifest *nm, const bl_manifest_seg *srcs,
                            size_t n, const bl_manifest_seg *merged)
{
    bl_manifest out;
    size_t k = 0;
    int rc = BL_OK;

    out = *nm;
    out.segs = NULL;
    out.n_segs = out.cap = 0;
    out.docs = out.field_total[0] = out.field_total[1] = 0;
    for (size_t i = 0; i < nm->n_segs && rc == BL_OK; i++) {
        if (k < n && srcs[k].id == nm->segs[i].id) {
            if (k == 0 && merged->docs > 0)
                rc = bl_manifest_add(&out, merged);
            k++;
            continue;
        }
        rc = bl_manifest_add(&out, &nm->segs[i]);
    }
    if (rc == BL_OK && k != n)
        rc = BL_EINVAL;
    if (rc != BL_OK) {
        bl_manifest_free(&out);
        return rc;
    }
    bl_manifest_free(nm);
    *nm = out;
    return BL_OK;
}

/* Free the workers' (empty) builders and give their memory back to the
** system, so that a merge's builder fits the budget in their place: each
** worker thread allocates from its own malloc arena, which the caller's
** merge would not reuse. */
static void release_builders(bl_writer *w)
{
    bool freed = false;

    for (unsigned i = 0; i < w->threads; i++) {
        worker *k = &w->workers[i];

        if (k->b != NULL) {
            bl_builder_free(k->b);
            k->b = NULL;
            freed = true;
        }
    }
#if defined(__GLIBC__)
    if (freed)
        malloc_trim(0);
#else
    (void)freed;
#endif
}

/* New builders for the workers release_builders emptied. */
static int renew_builders(bl_writer *w)
{
    for (unsigned i = 0; i < w->threads; i++) {
        worker *k = &w->workers[i];
        int rc = k->b != NULL ? BL_OK : bl_builder_new(&w->aopts, &k->b);

        if (rc != BL_OK)
            return set_error(w, rc, "after merging: %s", bl_strerror(rc));
    }
    return BL_OK;
}

/* One merge of a commit: its sources (in manifest order) and what came of
** it. */
typedef struct merge_job {
    const bl_writer *w;
    bl_manifest_seg *srcs;
    size_t n;
    uint64_t id;               /* of the merged segment */
    bl_manifest_seg merged;
    char msg[512];
    int rc;
} merge_job;

static void *merge_main(void *arg)
{
    merge_job *j = arg;

    j->rc = bl_merge_segments(j->w->dir, &j->w->aopts, j->srcs, j->n, j->id,
                              &j->merged, j->msg, sizeof j->msg);
    return NULL;
}

static bool in_job(const merge_job *j, uint64_t id)
{
    for (size_t k = 0; j != NULL && k < j->n; k++)
        if (j->srcs[k].id == id)
            return true;
    return false;
}

/* Pick the next merge of m into j (j->n 0: none), leaving out the segments
** of other (NULL: none), a merge picked already. */
static int pick_merge(const bl_manifest *m, const merge_job *other,
                      uint64_t max_bytes, merge_job *j)
{
    bl_manifest view = *m;
    size_t *idx;

    j->n = 0;
    view.segs = malloc(sizeof *view.segs * (m->n_segs ? m->n_segs : 1));
    idx = malloc(sizeof *idx * (m->n_segs ? m->n_segs : 1));
    j->srcs = malloc(sizeof *j->srcs * (m->n_segs ? m->n_segs : 1));
    if (view.segs == NULL || idx == NULL || j->srcs == NULL) {
        free(view.segs);
        free(idx);
        return BL_ENOMEM;
    }
    view.n_segs = 0;
    for (size_t i = 0; i < m->n_segs; i++)
        if (!in_job(other, m->segs[i].id))
            view.segs[view.n_segs++] = m->segs[i];
    bl_merge_pick(&view, max_bytes, idx, &j->n);
    for (size_t i = 0; i < j->n; i++)
        j->srcs[i] = view.segs[idx[i]];
    free(view.segs);
    free(idx);
    return BL_OK;
}

/* Run jobs[0..n) (1 or 2; two on two threads) and name their merged
** segments in nm instead of their sources. */
static int run_merges(bl_writer *w, bl_manifest *nm, merge_job *jobs,
                      size_t n)
{
    pthread_t th;
    bool threaded = false;
    double t0;
    int rc = BL_OK;

    release_builders(w);
    for (size_t k = 0; k < n; k++)
        jobs[k].id = w->next_id++;
    t0 = now_s();
    if (n == 2)
        threaded = pthread_create(&th, NULL, merge_main, &jobs[1]) == 0;
    merge_main(&jobs[0]);
    if (threaded)
        pthread_join(th, NULL);
    else if (n == 2)
        merge_main(&jobs[1]);
    w->stats.merge_seconds += now_s() - t0;
    for (size_t k = 0; k < n && rc == BL_OK; k++) {
        merge_job *j = &jobs[k];

        w->stats.merges++;
        w->stats.merged_segments += j->n;
        rc = j->rc;
        if (rc == BL_OK)
            rc = replace_segments(nm, j->srcs, j->n, &j->merged);
        if (rc != BL_OK)
            set_error(w, rc, "%s", j->rc != BL_OK ? j->msg : bl_strerror(rc));
    }
    return rc;
}

/* The segments of nm merged into as few as the RAM budget allows, for
** bl_writer_optimize: runs of consecutive segments whose files sum to at
** most twice the budget (and at least OPTIMIZE_MIN_BYTES), each into one,
** one merge at a time. A merge holds its output's inverted index, about
** half of its sources' bytes, in memory and copies their stores; so at
** 10^6 generated articles and the default 256 MB, one segment (335 MB of
** sources, 287 MB peak RSS), and at 10^7 a few. */
static int merge_all(bl_writer *w, bl_manifest *nm)
{
    uint64_t cap = 2 * (uint64_t)w->ram_share * w->threads;
    size_t at = 0;
    int rc = BL_OK;

    if (cap < OPTIMIZE_MIN_BYTES)
        cap = OPTIMIZE_MIN_BYTES;
    while (rc == BL_OK && at < nm->n_segs) {
        merge_job job;

        memset(&job, 0, sizeof job);
        job.w = w;
        bl_merge_pick_run(nm, at, cap, &job.n);
        if (job.n == 0) {
            at++;
            continue;
        }
        job.srcs = malloc(sizeof *job.srcs * job.n);
        if (job.srcs == NULL)
            return set_error(w, BL_ENOMEM, "merging: out of memory");
        memcpy(job.srcs, nm->segs + at, sizeof *job.srcs * job.n);
        rc = run_merges(w, nm, &job, 1);
        /* The merged segment stands where its first source was, unless
        ** every article was deleted. */
        at += job.merged.docs > 0;
        free(job.srcs);
    }
    return rc;
}

/* Apply the merge policy (merge.h) to the manifest about to be committed:
** merged segments are written now and named by nm instead of their
** sources, which the sweep after the commit removes. With two or more
** writer threads (the cores, by default), two merges of disjoint segments
** run at once: a merge is mostly one thread's work since it copies the
** stored articles compressed, and the builders, idle during a commit,
** have handed back their share of the memory budget. An optimizing commit
** merges as merge_all says instead. */
static int apply_merges(bl_writer *w, bl_manifest *nm)
{
    uint64_t max_bytes = (uint64_t)w->ram_share * w->threads / 2;
    merge_job jobs[2];
    int rc = BL_OK;

    /* A merge holds its output's sections on the heap until it writes
    ** them, and little else: it hands back the pages of its sources' maps
    ** once read, and the store blocks it copies are written from those
    ** maps. bench_merge on the segments of 300k generated articles, when
    ** the store was compressed again: 6 segments (61 MB) peak at 76 MB
    ** RSS, 12 (115 MB) at 134 MB, 1.2-1.3 times the sources (the merge
    ** that re-analysed them took 352 and 616 MB); the copied store took
    ** the peak of two 10^6 segments (259 MB) from 377 to 242 MB. So each
    ** merge's sources up to half the budget, which the workers' builders,
    ** idle and empty during a commit, hand back before the first merge.
    ** Never so little that tiny budgets never merge. */
    if (max_bytes < MERGE_MIN_BYTES)
        max_bytes = MERGE_MIN_BYTES;
    memset(jobs, 0, sizeof jobs);
    while (rc == BL_OK && !w->optimize) {
        size_t n_jobs;

        for (int k = 0; k < 2; k++) {
            free(jobs[k].srcs);
            memset(&jobs[k], 0, sizeof jobs[k]);
            jobs[k].w = w;
        }
        rc = pick_merge(nm, NULL, max_bytes, &jobs[0]);
        if (rc == BL_OK && jobs[0].n > 0 && w->threads > 1)
            rc = pick_merge(nm, &jobs[0], max_bytes, &jobs[1]);
        if (rc != BL_OK) {
            set_error(w, rc, "merging: out of memory");
            break;
        }
        n_jobs = jobs[0].n == 0 ? 0 : jobs[1].n == 0 ? 1 : 2;
        if (n_jobs == 0)
            break;
        rc = run_merges(w, nm, jobs, n_jobs);
    }
    for (int k = 0; k < 2; k++)
        free(jobs[k].srcs);
    if (rc == BL_OK && w->optimize)
        rc = merge_all(w, nm);
    nm->next_id = w->next_id;
    if (rc == BL_OK)
        rc = renew_builders(w);
    return rc;
}

static int commit(bl_writer *w)
{
    bl_manifest nm;
    int rc;

    if (w == NULL)
        return BL_EINVAL;
    rc = flush_all(w);
    if (rc != BL_OK)
        return rc;
    /* The workers are idle until the next add: no lock needed below. */
    rc = next_manifest(w, &nm);
    if (rc == BL_OK)
        rc = apply_merges(w, &nm);
    if (rc == BL_OK) {
        rc = bl_file_sync_dir(w->dir);   /* the new segments' renames */
        if (rc == BL_OK)
            rc = bl_manifest_commit(w->dir, &nm);
        if (rc != BL_OK)
            set_error(w, rc, "writing the manifest: %s", bl_strerror(rc));
    }
    if (rc != BL_OK) {
        bl_manifest_free(&nm);
        return rc;
    }
    /* The files the new commit no longer names: the previous manifest,
    ** replaced deletion files, merged segments. Snapshots that hold them
    ** keep their maps; loaders racing this start over from CURRENT. */
    sweep(w->dir, &nm);
    bl_manifest_free(&w->m);
    w->m = nm;
    for (size_t i = 0; i < w->n_pend; i++)
        free(w->pend[i].seqs);
    w->n_pend = 0;
    batch_reset(w);
    return BL_OK;
}

int bl_writer_commit(bl_writer *w)
{
    double t0 = now_s();
    int rc = commit(w);

    if (w != NULL) {
        w->stats.commits++;
        w->stats.commit_seconds += now_s() - t0;
    }
    return rc;
}

int bl_writer_optimize(bl_writer *w)
{
    int rc;

    if (w == NULL)
        return BL_EINVAL;
    w->optimize = true;
    rc = bl_writer_commit(w);
    w->optimize = false;
    return rc;
}

void bl_writer_stats_get(bl_writer *w, bl_writer_stats *out)
{
    memset(out, 0, sizeof *out);
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    *out = w->stats;
    pthread_mutex_unlock(&w->mu);
}
