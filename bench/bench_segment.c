/* bench_segment.c - one segment built from a corpus (Reuters-21578 by
** default): analysis alone vs analysis + builder (MB/s of title + body
** text per CPU second: the machine is shared), flush time, the size of
** every section as a ratio of the text, decode speeds (postings,
** positions, stored articles), and with --store the store's size and speed
** over zstd levels, block sizes and dictionary sizes.
**
**   bench_segment [--store] [--add-only] [PATH...]  (default: Reuters)
**   BENCH_FLUSH_ONLY=1 stops after the flush (for profiling).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "byline.h"
#include "index/builder.h"
#include "segment/segfile.h"
#include "segment/segment.h"

/* CPU time of the (single-threaded) process: the machine is shared, and
** CPU seconds are steadier than wall seconds there. */
static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int count_tok(void *ctx, const bl_token *t)
{
    (*(uint64_t *)ctx) += t->term_len;
    return 0;
}

int main(int argc, char **argv)
{
    const char **paths = NULL;
    char def[22][4200];
    size_t n_paths = 0, n_docs = 0, cap = 0;
    bl_doc **docs = NULL;
    bool store_sweep = false, add_only = false;
    uint64_t text = 0, sink = 0;
    bl_ingest *in;
    const bl_doc *d;
    int rc;

    paths = calloc((size_t)argc + 23, sizeof *paths);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--store") == 0)
            store_sweep = true;
        else if (strcmp(argv[i], "--add-only") == 0)
            add_only = true;
        else
            paths[n_paths++] = argv[i];
    }
    if (n_paths == 0) {
        /* The shared Reuters-21578 files, next to the source tree. */
        char root[4000];
        char *slash;

        snprintf(root, sizeof root, "%s", __FILE__);
        for (int k = 0; k < 2 && (slash = strrchr(root, '/')) != NULL; k++)
            *slash = '\0';
        for (int k = 0; k < 22; k++) {
            snprintf(def[k], sizeof def[k],
                     "%s/../shared/corpus/reuters21578/reut2-%03d.sgm", root,
                     k);
            paths[n_paths++] = def[k];
        }
    }
    if (bl_ingest_open(paths, n_paths, BL_FORMAT_AUTO, &in) != BL_OK) {
        fprintf(stderr, "cannot open %s\n", paths[0]);
        return 1;
    }
    while ((rc = bl_ingest_next(in, &d)) != BL_DONE) {
        if (rc != BL_OK)
            continue;
        if (n_docs == cap) {
            cap = cap ? cap * 2 : 1024;
            docs = realloc(docs, cap * sizeof *docs);
        }
        docs[n_docs++] = bl_doc_clone(d);
        text += strlen(d->title) + strlen(d->body);
    }
    bl_ingest_close(in);
    printf("corpus: %zu articles, %.2f MB of title+body text\n", n_docs,
           (double)text / 1e6);

    /* Analysis alone. */
    {
        bl_analyzer_opts o;
        bl_analyzer *a;
        double t0;

        bl_analyzer_opts_default(&o);
        bl_analyzer_new(&o, &a);
        t0 = now();
        for (size_t i = 0; i < n_docs; i++) {
            bl_analyze(a, docs[i]->title, strlen(docs[i]->title), NULL,
                       count_tok, &sink);
            bl_analyze(a, docs[i]->body, strlen(docs[i]->body), NULL,
                       count_tok, &sink);
        }
        printf("analysis only:      %.1f MB/s\n",
               (double)text / 1e6 / (now() - t0));
        bl_analyzer_free(a);
    }
    /* Builder: add + flush, then read everything back. */
    {
        bl_analyzer_opts o;
        bl_builder *b;
        bl_segment_info info;
        bl_segment *seg;
        bl_section_stats st;
        uint64_t raw, file, n_post = 0, n_pos = 0;
        double t0, t1, t2;
        char path[] = "/tmp/bench_segment.byl";
        char msg[256];
        size_t ram;

        bl_analyzer_opts_default(&o);
        bl_builder_new(&o, &b);
        t0 = now();
        for (size_t i = 0; i < n_docs; i++)
            if (bl_builder_add(b, docs[i]) != BL_OK)
                return 1;
        t1 = now();
        ram = bl_builder_ram(b);
        if (add_only) {
            printf("analysis + builder: %.1f MB/s (add)\n",
                   (double)text / 1e6 / (t1 - t0));
            return 0;
        }
        if (bl_builder_flush(b, path, &info) != BL_OK)
            return 1;
        t2 = now();
        if (getenv("BENCH_FLUSH_ONLY"))
            return 0;
        printf("analysis + builder: %.1f MB/s (add), builder RAM %.1f MB\n",
               (double)text / 1e6 / (t1 - t0), (double)ram / 1e6);
        printf("flush:              %.2f s; end to end %.1f MB/s\n",
               t2 - t1, (double)text / 1e6 / (t2 - t0));
        bl_builder_free(b);
        if (bl_segment_open(path, &seg) != BL_OK)
            return 1;
        bl_segment_sizes(seg, &st, &raw, &file);
        printf("sizes (ratio to %.2f MB of title+body text):\n",
               (double)text / 1e6);
        printf("  terms     %9llu  %.3f\n", (unsigned long long)st.terms,
               (double)st.terms / (double)text);
        printf("  postings  %9llu  %.3f\n", (unsigned long long)st.postings,
               (double)st.postings / (double)text);
        printf("  positions %9llu  %.3f\n",
               (unsigned long long)st.positions,
               (double)st.positions / (double)text);
        printf("  lengths   %9llu  %.3f\n", (unsigned long long)st.lengths,
               (double)st.lengths / (double)text);
        printf("  columns   %9llu  %.3f\n", (unsigned long long)st.columns,
               (double)st.columns / (double)text);
        {
            uint64_t inv = st.terms + st.postings + st.positions +
                           st.lengths + st.columns;

            printf("  inverted  %9llu  %.3f\n", (unsigned long long)inv,
                   (double)inv / (double)text);
        }
        printf("  store     %9llu  %.3f (raw stored %llu: %.3f of it)\n",
               (unsigned long long)st.store,
               (double)st.store / (double)text, (unsigned long long)raw,
               (double)st.store / (double)raw);
        printf("  file      %9llu  %.3f\n", (unsigned long long)file,
               (double)file / (double)text);
        printf("  %llu terms, %llu postings, %llu positions: %.2f bits per "
               "posting (doc+tf), %.2f bits per position\n",
               (unsigned long long)bl_segment_terms(seg),
               (unsigned long long)bl_segment_postings_count(seg),
               (unsigned long long)bl_segment_positions_count(seg),
               8.0 * (double)st.postings /
                   (double)bl_segment_postings_count(seg),
               8.0 * (double)st.positions /
                   (double)bl_segment_positions_count(seg));
        t0 = now();
        rc = bl_segment_verify(seg, msg, sizeof msg);
        printf("verify:             %s in %.2f s\n",
               rc == BL_OK ? "ok" : msg, now() - t0);
        /* Decode every list, with and without positions. */
        {
            bl_postings *p = malloc(sizeof *p);
            bl_term_cursor c;
            bl_term_info ti;
            double tp = 0, tx = 0;

            for (int f = 0; f < BL_N_FIELDS; f++) {
                bl_term_cursor_open(seg, f, "", 0, &c);
                while (bl_term_cursor_next(&c, &ti) == BL_OK) {
                    double s = now();

                    bl_postings_open(seg, f, &ti, false, p);
                    while (bl_postings_next(p) != BL_DOC_END)
                        n_post++;
                    tp += now() - s;
                    if (f < BL_N_TEXT_FIELDS) {
                        s = now();
                        bl_postings_open(seg, f, &ti, true, p);
                        while (bl_postings_next(p) != BL_DOC_END) {
                            const uint32_t *pos;
                            uint32_t n;

                            bl_postings_positions(p, &pos, &n);
                            n_pos += n;
                        }
                        tx += now() - s;
                    }
                }
            }
            printf("decode: %.0f M postings/s; with positions %.0f M "
                   "positions/s\n", (double)n_post / 1e6 / tp,
                   (double)n_pos / 1e6 / tx);
            free(p);
        }
        {
            bl_store_ctx *ctx;
            uint32_t nd = bl_segment_docs(seg);
            double s;

            bl_store_ctx_new(&ctx);
            s = now();
            for (uint32_t i = 0; i < nd; i++) {
                bl_doc *doc;

                bl_segment_doc(seg, (uint32_t)(((uint64_t)i * 7919) % nd),
                               ctx, &doc);
                bl_doc_free(doc);
            }
            printf("store: %.0f random article fetches/s\n",
                   nd / (now() - s));
            bl_store_ctx_free(ctx);
        }
        bl_segment_close(seg);
        remove(path);
    }
    if (store_sweep) {
        static const int levels[] = {5, 6, 7, 8, 9};
        static const size_t blocks[] = {131072, 524288, 786432};
        static const size_t dicts[] = {0, 32768};

        for (size_t bi = 0; bi < 3; bi++)
            for (size_t di = 0; di < 2; di++)
                for (size_t li = 0; li < 5; li++) {
                    bl_store_writer *w;
                    bl_store_opts so = {.level = levels[li],
                                        .block_bytes = blocks[bi],
                                        .dict_bytes = dicts[di]};
                    bl_store_out out;
                    double t0, bytes;

                    bl_store_writer_new(&w);
                    for (size_t i = 0; i < n_docs; i++)
                        bl_store_add(w, docs[i]);
                    t0 = now();
                    if (bl_store_finish(w, &so, &out) != BL_OK) {
                        fprintf(stderr, "bench_segment: store failed\n");
                        return 1;
                    }
                    bytes = (double)(out.store_bytes + out.index.len +
                                     out.dict.len);
                    printf("store level %2d block %6zu dict %6zu: %.3f of "
                           "text, %.3f of raw, %.1f MB/s\n", so.level,
                           so.block_bytes, out.dict.len,
                           bytes / (double)text, bytes / (double)out.raw,
                           (double)out.raw / 1e6 / (now() - t0));
                    bl_store_out_free(&out);
                    bl_store_writer_free(w);
                }
    }
    for (size_t i = 0; i < n_docs; i++)
        bl_doc_free(docs[i]);
    free(docs);
    free(paths);
    printf("(sink %llu)\n", (unsigned long long)sink);
    return 0;
}
