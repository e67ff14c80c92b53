/* fuzz_segment.c - libFuzzer target: segment files with bad bytes.
**
** A valid segment of 140 generated articles (postings over several blocks,
** positions, dates, sources) is built once per process. Each input is a
** list of edits to a copy of it: byte 0 holds flags (bit 0: recompute the
** section and footer checksums afterwards, so that the structural checks,
** not the checksums, face the bad bytes; bit 1: also run
** bl_segment_verify; bit 2: a block cache too small to keep a block, see
** below), then 6-byte edits { u8 section, u24 offset, u8 op,
** u8 value }: the section (mod BL_SEC_COUNT + 1, the last one meaning the
** footer) and the offset within it (mod its length) of the valid file
** locate the byte; op % 4 is 0 xor, 1 set, 2 add, 3 cut the file there.
** The copy is written to a file and opened; everything a query can read
** is then walked: every term of every field (looked up alone and in all
** fields at once), its postings with positions
** and block bounds, seeks, the columns and every stored article, each read
** also through a small shared block cache (blockcache.h; fresh for each
** input, as a corrupt copy may keep the valid file's uid), whole and
** without its body, with the same results as the context's own buffer.
** None of it may crash, leak or hang; errors must be BL_ECORRUPT (or
** BL_EVERSION from open), never anything else.
*/
#include <stdbool.h>

#include "base/hash.h"
#include "base/varint.h"
#include "fuzz_util.h"
#include "index/builder.h"
#include "segment/blockcache.h"
#include "segment/format.h"
#include "segment/segment.h"

#define N_DOCS 140

static uint8_t *orig;          /* the valid segment */
static size_t orig_len;
static uint64_t sec_off[BL_SEC_COUNT + 1];  /* its sections and footer */
static uint64_t sec_len[BL_SEC_COUNT + 1];
static uint8_t *copy;          /* scratch of orig_len bytes */
static bl_postings *post;      /* too big for the stack */
static bl_store_ctx *store;
static bl_store_ctx *cached;   /* uses a block cache made for each input */

static const char *const words[] = {
    "storm", "coast", "rain", "market", "bank", "rates", "ferry", "island",
    "minister", "election", "vote", "court", "ruling", "oil", "price",
    "strike", "union", "school", "hospital", "river", "flood", "bridge",
    "Zürich", "café", "東京", "état-major", "U.S.", "1,000.50"};
static const char *const sources[] = {"Reuters", "BBC", "AP", "Zeit"};

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* n words chosen from the list, the first one always (so that one term
** has postings in every document, several blocks of them). */
static void text(uint64_t *s, char *out, size_t cap, size_t n)
{
    size_t len = 0;

    out[0] = '\0';
    for (size_t i = 0; i < n && len + 32 < cap; i++) {
        const char *w = i == 0 ? words[0]
                               : words[next_rand(s) % (sizeof words /
                                                       sizeof words[0])];

        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? " " : "",
                                w);
    }
}

static void build(void)
{
    bl_analyzer_opts o;
    bl_builder *b;
    bl_segment_info info;
    char id[32], title[256], body[2048];
    char path[512];
    uint64_t s = 0x9E3779B97F4A7C15ULL;
    FILE *f;
    long n;
    int rc;

    bl_analyzer_opts_default(&o);
    rc = bl_builder_new(&o, &b);
    FUZZ_CHECK(rc == BL_OK, "builder: %s", bl_strerror(rc));
    for (int d = 0; d < N_DOCS; d++) {
        bl_field extra[1] = {{"topic", "weather"}};
        bl_doc doc = {0};

        snprintf(id, sizeof id, "doc-%d", d);
        text(&s, title, sizeof title, 2 + next_rand(&s) % 6);
        text(&s, body, sizeof body, 5 + next_rand(&s) % 30);
        doc.id = id;
        doc.title = title;
        doc.body = body;
        doc.date = d % 7 == 0 ? BL_NO_DATE
                              : 541296000 + (int64_t)d * 86400;
        doc.source = sources[d % 4];
        doc.url = "";
        doc.lang = d % 10 == 0 ? "de" : "";
        doc.extra = extra;
        doc.n_extra = d % 3 == 0;
        rc = bl_builder_add(b, &doc);
        FUZZ_CHECK(rc == BL_OK, "add: %s", bl_strerror(rc));
    }
    snprintf(path, sizeof path, "%s/valid.byl", fuzz_dir());
    rc = bl_builder_flush(b, path, &info);
    FUZZ_CHECK(rc == BL_OK, "flush: %s", bl_strerror(rc));
    bl_builder_free(b);

    f = fopen(path, "rb");
    FUZZ_CHECK(f != NULL && fseek(f, 0, SEEK_END) == 0 &&
               (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0,
               "read back %s", path);
    orig_len = (size_t)n;
    orig = malloc(orig_len);
    copy = malloc(orig_len);
    post = malloc(sizeof *post);
    FUZZ_CHECK(orig != NULL && copy != NULL && post != NULL, "malloc");
    FUZZ_CHECK(fread(orig, 1, orig_len, f) == orig_len, "fread");
    fclose(f);
    for (int i = 0; i < BL_SEC_COUNT; i++) {
        const uint8_t *f = orig + orig_len - BL_FOOTER_BYTES;

        sec_off[i] = bl_load_u64le(f + 24 * i);
        sec_len[i] = bl_load_u64le(f + 24 * i + 8);
    }
    sec_off[BL_SEC_COUNT] = orig_len - BL_FOOTER_BYTES;
    sec_len[BL_SEC_COUNT] = BL_FOOTER_BYTES;
    rc = bl_store_ctx_new(&store);
    FUZZ_CHECK(rc == BL_OK, "store ctx");
    rc = bl_store_ctx_new(&cached);
    FUZZ_CHECK(rc == BL_OK, "store ctx");
}

/* Recompute every section checksum and the footer's, where the (possibly
** edited) table of contents still lies within the file. */
static void fix_checksums(uint8_t *p, size_t len)
{
    uint8_t *f, *tail;

    if (len < BL_FOOTER_BYTES)
        return;
    f = p + len - BL_FOOTER_BYTES;
    tail = f + BL_SEC_COUNT * BL_TOC_ENTRY_BYTES;
    for (int s = 0; s < BL_SEC_COUNT; s++) {
        uint64_t off = bl_load_u64le(f + 24 * s);
        uint64_t n = bl_load_u64le(f + 24 * s + 8);

        if (off <= len && n <= len - off)
            bl_store_u64le(f + 24 * s + 16,
                           bl_checksum(p + off, (size_t)n));
    }
    bl_store_u64le(tail + 8, bl_checksum(f, (size_t)(tail + 8 - f)));
}

static bool same_str(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* The same stored fields (the body too when body). */
static bool same_doc(const bl_doc *a, const bl_doc *b, bool body)
{
    if (!same_str(a->id, b->id) || !same_str(a->title, b->title) ||
        (body && !same_str(a->body, b->body)) || a->date != b->date ||
        !same_str(a->source, b->source) || !same_str(a->url, b->url) ||
        !same_str(a->lang, b->lang) || a->n_extra != b->n_extra)
        return false;
    for (size_t i = 0; i < a->n_extra; i++)
        if (!same_str(a->extra[i].name, b->extra[i].name) ||
            !same_str(a->extra[i].value, b->extra[i].value))
            return false;
    return true;
}

static void check_rc(int rc, const char *what)
{
    FUZZ_CHECK(rc == BL_OK || rc == BL_DONE || rc == BL_ECORRUPT ||
               rc == BL_ENOTFOUND, "%s: %d %s", what, rc, bl_strerror(rc));
}

/* Read everything a query could. */
static void walk(const bl_segment *seg)
{
    uint32_t docs = bl_segment_docs(seg);

    for (int field = 0; field < BL_N_FIELDS; field++) {
        bl_term_cursor c;
        bl_term_info ti, t2;
        size_t n_terms = 0;
        int rc = bl_term_cursor_open(seg, field, "", 0, &c);

        check_rc(rc, "cursor open");
        while (rc == BL_OK && (rc = bl_term_cursor_next(&c, &ti)) == BL_OK) {
            uint32_t prev = 0, steps = 0;
            bool first = true;

            FUZZ_CHECK(++n_terms <= 1000000, "endless term cursor");
            FUZZ_CHECK(c.term_len <= BL_MAX_TERM &&
                       strlen(c.term) <= c.term_len, "term length");
            check_rc(bl_segment_term(seg, field, c.term, c.term_len, &t2),
                     "term");
            {
                bl_term_info all[BL_N_FIELDS];
                unsigned found;

                check_rc(bl_segment_term_fields(seg, c.term, c.term_len,
                                                (1u << BL_N_FIELDS) - 1,
                                                &found, all), "term fields");
            }
            if (bl_postings_open(seg, field, &ti, field < BL_N_TEXT_FIELDS,
                                 post) != BL_OK)
                continue;
            for (uint32_t d; (d = bl_postings_next(post)) != BL_DOC_END;) {
                const uint32_t *pos;
                uint32_t n, last, mt, ml;

                FUZZ_CHECK(++steps <= 10000000, "endless postings");
                FUZZ_CHECK(first || d > prev, "doc %u after %u", d, prev);
                first = false;
                prev = d;
                if (field < BL_N_TEXT_FIELDS)
                    check_rc(bl_postings_positions(post, &pos, &n),
                             "positions");
                bl_postings_block_bound(post, d + 1, &last, &mt, &ml);
                (void)bl_postings_freq(post);
            }
            check_rc(post->rc, "postings");
            if (bl_postings_open(seg, field, &ti, false, post) == BL_OK) {
                uint32_t a = bl_postings_seek(post, 100);
                uint32_t b = bl_postings_seek(post, 250);

                FUZZ_CHECK(a == BL_DOC_END || b == BL_DOC_END || b >= a,
                           "seek went back");
            }
            /* Bulk reading, as window scoring does: runs of increasing
            ** ids inside the segment, left a part at a time. */
            if (bl_postings_open(seg, field, &ti, false, post) == BL_OK &&
                bl_postings_next(post) != BL_DOC_END) {
                const uint32_t *rd, *rf;
                uint32_t nr, take = 1, steps_run = 0;

                while ((nr = bl_postings_run(post, &rd, &rf)) > 0) {
                    FUZZ_CHECK(++steps_run <= 1000000, "endless runs");
                    for (uint32_t k = 0; k < nr; k++)
                        FUZZ_CHECK(rd[k] < docs &&
                                       (k == 0 || rd[k] > rd[k - 1]),
                                   "run doc %u", rd[k]);
                    bl_postings_advance(post, take < nr ? take : nr);
                    take = take * 3 % 130 + 1;
                }
                check_rc(post->rc, "postings runs");
            }
        }
        check_rc(rc, "cursor");
        (void)bl_segment_field_total(seg, field < 2 ? field : 0);
    }
    for (uint32_t d = 0; d < docs && d < 100000; d++) {
        bl_doc *doc, *head;
        int rc = bl_segment_doc(seg, d, store, &doc);
        int rc_head = bl_segment_doc_head(seg, d, cached, &head);
        int rc_cached;

        check_rc(rc, "doc");
        check_rc(rc_head, "doc head");
        if (rc_head == BL_OK) {
            FUZZ_CHECK(head->body != NULL && head->body[0] == '\0',
                       "doc head with a body");
            FUZZ_CHECK(rc != BL_OK || same_doc(doc, head, false),
                       "doc %u: head differs from the doc", d);
            bl_doc_free(head);
        }
        if (rc == BL_OK) {
            bl_doc *again;

            FUZZ_CHECK(doc->id != NULL && doc->body != NULL, "doc strings");
            rc_cached = bl_segment_doc(seg, d, cached, &again);
            FUZZ_CHECK(rc_cached == BL_OK, "doc %u: %d through the cache", d,
                       rc_cached);
            FUZZ_CHECK(same_doc(doc, again, true),
                       "doc %u differs through the cache", d);
            bl_doc_free(again);
            bl_doc_free(doc);
        }
        (void)bl_segment_field_len(seg, BL_FIELD_TITLE, d);
        (void)bl_segment_field_len(seg, BL_FIELD_BODY, d);
        (void)bl_segment_date(seg, d);
        (void)bl_segment_source_name(seg, bl_segment_source_ord(seg, d));
    }
    for (uint32_t o = 0; o < bl_segment_source_count(seg) && o < 1000; o++)
        (void)bl_segment_source_name(seg, o);
    (void)bl_segment_find_id(seg, "doc-5");
    (void)bl_segment_find_id(seg, "doc-139");
    (void)bl_segment_find_id(seg, "nope");
    {
        bl_term_cursor c;
        bl_term_info ti;

        if (bl_term_cursor_open(seg, BL_FIELD_BODY, "st", 2, &c) == BL_OK)
            while (bl_term_cursor_next(&c, &ti) == BL_OK)
                ;
        check_rc(bl_segment_term(seg, BL_FIELD_BODY, "storm", 5, &ti),
                 "term storm");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len;
    const char *path;
    bl_segment *seg;
    int rc;

    if (orig == NULL)
        build();
    if (size < 1)
        return 0;
    memcpy(copy, orig, orig_len);
    len = orig_len;
    for (size_t i = 1; i + 6 <= size; i += 6) {
        int sec = data[i] % (BL_SEC_COUNT + 1);
        uint64_t off = (uint32_t)data[i + 1] | (uint32_t)data[i + 2] << 8 |
                       (uint32_t)data[i + 3] << 16;
        uint8_t op = data[i + 4] & 3, v = data[i + 5];

        if (sec_len[sec] == 0)
            continue;
        off = sec_off[sec] + off % sec_len[sec];
        if (off >= len)
            continue;
        if (op == 0)
            copy[off] ^= v;
        else if (op == 1)
            copy[off] = v;
        else if (op == 2)
            copy[off] = (uint8_t)(copy[off] + v);
        else
            len = off;
    }
    if (data[0] & 1)
        fix_checksums(copy, len);
    path = fuzz_write("seg.byl", copy, len);
    rc = bl_segment_open(path, &seg);
    if (rc != BL_OK) {
        FUZZ_CHECK(rc == BL_ECORRUPT || rc == BL_EVERSION,
                   "open: %d %s", rc, bl_strerror(rc));
        FUZZ_CHECK(seg == NULL, "open failed but set *out");
        return 0;
    }
    if (data[0] & 2) {
        char msg[512];

        rc = bl_segment_verify(seg, msg, sizeof msg);
        FUZZ_CHECK(rc == BL_OK || rc == BL_ECORRUPT, "verify: %d", rc);
        FUZZ_CHECK(rc == BL_OK || msg[0] != '\0', "verify without message");
        /* Untouched bytes must verify. */
        FUZZ_CHECK(rc == BL_OK || len != orig_len ||
                   memcmp(copy, orig, len) != 0, "valid segment refused");
    }
    {
        bl_block_cache *cache;

        /* Flag bit 2: a cache too small to keep a block (each is handed
        ** back), else one that keeps them all. */
        FUZZ_CHECK(bl_block_cache_new(data[0] & 4 ? 16 * 1024 : 8u << 20,
                                      &cache) == BL_OK, "cache");
        bl_store_ctx_use_cache(cached, cache);
        walk(seg);
        bl_store_ctx_use_cache(cached, NULL);
        bl_block_cache_free(cache);
    }
    bl_segment_close(seg);
    return 0;
}
