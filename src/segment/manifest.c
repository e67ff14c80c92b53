/* manifest.c - the MANIFEST-<gen> and CURRENT files of manifest.h. A
** manifest is small (a few dozen bytes per segment), so it is read whole,
** verified against its checksum first and then parsed with bounded varint
** decoders. The invariant: a manifest that decodes is self-consistent (the
** index-wide statistics equal the sums over its segments), so a reader can
** trust N and the field totals without opening every segment.
*/
#include "segment/manifest.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/hash.h"
#include "base/varint.h"

#define MAGIC "BYLMANIF"
#define MAGIC_LEN 8
#define FLAG_STEM 1u
#define FLAG_STOPWORDS 2u
#define FLAG_FOLD 4u

void bl_manifest_init(bl_manifest *m)
{
    memset(m, 0, sizeof *m);
    m->next_id = 1;
    strcpy(m->lang, "en");
    m->stem = true;
    m->stopwords = true;
    m->fold_accents = true;
    m->k1 = 1.2;
    m->b = 0.75;
    m->weight[0] = 2.0;
    m->weight[1] = 1.0;
}

void bl_manifest_free(bl_manifest *m)
{
    free(m->segs);
    m->segs = NULL;
    m->n_segs = 0;
    m->cap = 0;
}

int bl_manifest_copy(bl_manifest *dst, const bl_manifest *src)
{
    *dst = *src;
    dst->segs = NULL;
    dst->cap = 0;
    if (src->n_segs == 0)
        return BL_OK;
    dst->segs = malloc(src->n_segs * sizeof *dst->segs);
    if (dst->segs == NULL) {
        dst->n_segs = 0;
        return BL_ENOMEM;
    }
    memcpy(dst->segs, src->segs, src->n_segs * sizeof *dst->segs);
    dst->cap = src->n_segs;
    return BL_OK;
}

int bl_manifest_add(bl_manifest *m, const bl_manifest_seg *seg)
{
    if (m->n_segs == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        bl_manifest_seg *p = realloc(m->segs, cap * sizeof *p);

        if (p == NULL)
            return BL_ENOMEM;
        m->segs = p;
        m->cap = cap;
    }
    m->segs[m->n_segs++] = *seg;
    m->docs += seg->docs;
    m->field_total[0] += seg->field_total[0];
    m->field_total[1] += seg->field_total[1];
    return BL_OK;
}

static void put_double(bl_buf *out, double v)
{
    uint64_t bits;

    memcpy(&bits, &v, sizeof bits);
    bl_buf_put_u64le(out, bits);
}

static double get_double(const uint8_t *p)
{
    uint64_t bits = bl_load_u64le(p);
    double v;

    memcpy(&v, &bits, sizeof v);
    return v;
}

int bl_manifest_encode(const bl_manifest *m, bl_buf *out)
{
    size_t start = out->len, lang_len = strlen(m->lang);
    unsigned flags = (m->stem ? FLAG_STEM : 0) |
                     (m->stopwords ? FLAG_STOPWORDS : 0) |
                     (m->fold_accents ? FLAG_FOLD : 0);

    if (lang_len > BL_MANIFEST_LANG_MAX)
        return BL_EINVAL;
    bl_buf_append(out, MAGIC, MAGIC_LEN);
    bl_buf_put_u32le(out, BL_MANIFEST_VERSION);
    bl_buf_put_varint(out, m->generation);
    bl_buf_put_varint(out, m->next_id);
    bl_buf_put_varint(out, lang_len);
    bl_buf_append(out, m->lang, lang_len);
    bl_buf_putc(out, (uint8_t)flags);
    bl_buf_put_varint(out, m->docs);
    bl_buf_put_varint(out, m->field_total[0]);
    bl_buf_put_varint(out, m->field_total[1]);
    bl_buf_put_varint(out, m->n_segs);
    for (size_t i = 0; i < m->n_segs; i++) {
        const bl_manifest_seg *s = &m->segs[i];

        bl_buf_put_varint(out, s->id);
        bl_buf_put_varint(out, s->docs);
        bl_buf_put_varint(out, s->field_total[0]);
        bl_buf_put_varint(out, s->field_total[1]);
        bl_buf_put_varint(out, s->bytes);
        bl_buf_put_varint(out, s->del_gen);
        bl_buf_put_varint(out, s->deleted);
    }
    put_double(out, m->k1);
    put_double(out, m->b);
    put_double(out, m->weight[0]);
    put_double(out, m->weight[1]);
    if (out->rc != BL_OK)
        return out->rc;
    bl_buf_put_u64le(out, bl_checksum(out->p + start, out->len - start));
    return out->rc;
}

/* A bounded reader over the body; the first failure sticks. */
typedef struct reader {
    const uint8_t *p, *end;
    int rc;
} reader;

static uint64_t get(reader *r)
{
    uint64_t v = 0;

    if (r->rc == BL_OK && bl_varint_get(&r->p, r->end, &v) != BL_OK)
        r->rc = BL_ECORRUPT;
    return r->rc == BL_OK ? v : 0;
}

static int fail(char *msg, size_t cap, int rc, const char *what)
{
    if (msg != NULL && cap > 0)
        snprintf(msg, cap, "%s", what);
    return rc;
}

/* Check the invariants of a decoded manifest; NULL when they hold. */
static const char *check_invariants(const bl_manifest *m)
{
    uint64_t docs = 0, t0 = 0, t1 = 0;

    for (size_t i = 0; i < m->n_segs; i++) {
        const bl_manifest_seg *s = &m->segs[i];

        if (s->id == 0 || s->id >= m->next_id)
            return "segment id out of range";
        for (size_t j = 0; j < i; j++)
            if (m->segs[j].id == s->id)
                return "segment listed twice";
        if (s->deleted > s->docs)
            return "more deleted than documents in a segment";
        if (s->del_gen > m->generation ||
            (s->del_gen == 0) != (s->deleted == 0))
            return "bad deletion generation";
        docs += s->docs;
        t0 += s->field_total[0];
        t1 += s->field_total[1];
    }
    if (docs != m->docs)
        return "document count differs from the sum over segments";
    if (t0 != m->field_total[0] || t1 != m->field_total[1])
        return "field totals differ from the sums over segments";
    return NULL;
}

int bl_manifest_decode(const uint8_t *p, size_t len, bl_manifest *m,
                       char *msg, size_t cap)
{
    reader r;
    uint32_t version;
    uint64_t lang_len, n_segs, v;
    const char *why;
    unsigned flags;

    bl_manifest_init(m);
    if (len < MAGIC_LEN + 4 + 8)
        return fail(msg, cap, BL_ECORRUPT, "truncated");
    if (bl_load_u64le(p + len - 8) != bl_checksum(p, len - 8))
        return fail(msg, cap, BL_ECORRUPT, "checksum mismatch");
    if (memcmp(p, MAGIC, MAGIC_LEN) != 0)
        return fail(msg, cap, BL_ECORRUPT, "bad magic");
    version = bl_load_u32le(p + MAGIC_LEN);
    if (version != 1 && version != BL_MANIFEST_VERSION)
        return fail(msg, cap, BL_EVERSION, "unsupported manifest version");
    r.p = p + MAGIC_LEN + 4;
    r.end = p + len - 8;
    r.rc = BL_OK;
    m->generation = get(&r);
    m->next_id = get(&r);
    lang_len = get(&r);
    if (r.rc != BL_OK || lang_len > BL_MANIFEST_LANG_MAX ||
        lang_len + 1 > (uint64_t)(r.end - r.p))
        return fail(msg, cap, BL_ECORRUPT, "bad language field");
    memcpy(m->lang, r.p, lang_len);
    m->lang[lang_len] = '\0';
    if (memchr(m->lang, '\0', lang_len) != NULL)
        return fail(msg, cap, BL_ECORRUPT, "bad language field");
    r.p += lang_len;
    flags = *r.p++;
    if (flags & ~(FLAG_STEM | FLAG_STOPWORDS | FLAG_FOLD))
        return fail(msg, cap, BL_ECORRUPT, "unknown flags");
    m->stem = flags & FLAG_STEM;
    m->stopwords = flags & FLAG_STOPWORDS;
    m->fold_accents = flags & FLAG_FOLD;
    m->docs = get(&r);
    m->field_total[0] = get(&r);
    m->field_total[1] = get(&r);
    n_segs = get(&r);
    /* Each segment takes at least 7 bytes: bound the allocation. */
    if (r.rc != BL_OK || n_segs > (uint64_t)(r.end - r.p) / 7)
        return fail(msg, cap, BL_ECORRUPT, "bad segment count");
    if (n_segs > 0) {
        m->segs = calloc(n_segs, sizeof *m->segs);
        if (m->segs == NULL)
            return fail(msg, cap, BL_ENOMEM, "out of memory");
        m->cap = n_segs;
    }
    for (uint64_t i = 0; i < n_segs && r.rc == BL_OK; i++) {
        bl_manifest_seg *s = &m->segs[i];

        s->id = get(&r);
        v = get(&r);
        s->docs = (uint32_t)v;
        if (v > UINT32_MAX)
            r.rc = BL_ECORRUPT;
        s->field_total[0] = get(&r);
        s->field_total[1] = get(&r);
        s->bytes = get(&r);
        s->del_gen = get(&r);
        v = get(&r);
        s->deleted = (uint32_t)v;
        if (v > UINT32_MAX)
            r.rc = BL_ECORRUPT;
        m->n_segs = i + 1;
    }
    if (r.rc != BL_OK) {
        bl_manifest_free(m);
        return fail(msg, cap, BL_ECORRUPT, "truncated segment list");
    }
    if (version >= 2) {
        if (r.end - r.p < 32) {
            bl_manifest_free(m);
            return fail(msg, cap, BL_ECORRUPT, "truncated ranking defaults");
        }
        m->k1 = get_double(r.p);
        m->b = get_double(r.p + 8);
        m->weight[0] = get_double(r.p + 16);
        m->weight[1] = get_double(r.p + 24);
        r.p += 32;
        if (!(m->k1 >= 0 && m->k1 <= 1e9 && m->b >= 0 && m->b <= 1 &&
              m->weight[0] >= 0 && m->weight[0] <= 1e9 &&
              m->weight[1] >= 0 && m->weight[1] <= 1e9)) {
            bl_manifest_free(m);
            return fail(msg, cap, BL_ECORRUPT, "bad ranking defaults");
        }
    }
    if (r.p != r.end) {
        bl_manifest_free(m);
        return fail(msg, cap, BL_ECORRUPT, "trailing bytes");
    }
    why = check_invariants(m);
    if (why != NULL) {
        bl_manifest_free(m);
        return fail(msg, cap, BL_ECORRUPT, why);
    }
    return BL_OK;
}

int bl_manifest_name(char *out, size_t cap, uint64_t gen)
{
    int n = snprintf(out, cap, "MANIFEST-%" PRIu64, gen);

    return n < 0 || (size_t)n >= cap ? BL_ELIMIT : BL_OK;
}

int bl_segment_file_name(char *out, size_t cap, uint64_t id)
{
    int n = snprintf(out, cap, "seg-%" PRIu64 ".byl", id);

    return n < 0 || (size_t)n >= cap ? BL_ELIMIT : BL_OK;
}

int bl_deletes_file_name(char *out, size_t cap, uint64_t id, uint64_t gen)
{
    int n = snprintf(out, cap, "seg-%" PRIu64 ".del-%" PRIu64, id, gen);

    return n < 0 || (size_t)n >= cap ? BL_ELIMIT : BL_OK;
}

int bl_manifest_current(const char *dir, uint64_t *gen)
{
    char path[4096];
    uint8_t *p;
    size_t len;
    uint64_t v = 0;
    int rc;

    *gen = 0;
    rc = bl_path_join(path, sizeof path, dir, "CURRENT");
    if (rc == BL_OK)
        rc = bl_file_read(path, &p, &len);
    if (rc != BL_OK)
        return rc;
    /* Exactly "MANIFEST-<digits>\n", digits without a leading zero. */
    if (len < 11 || len > 30 || memcmp(p, "MANIFEST-", 9) != 0 ||
        p[len - 1] != '\n' || p[9] == '0')
        rc = BL_ECORRUPT;
    for (size_t i = 9; rc == BL_OK && i < len - 1; i++) {
        if (p[i] < '0' || p[i] > '9' || v > (UINT64_MAX - 9) / 10)
            rc = BL_ECORRUPT;
        else
            v = v * 10 + (uint64_t)(p[i] - '0');
    }
    free(p);
    if (rc == BL_OK)
        *gen = v;
    return rc;
}

int bl_manifest_load(const char *dir, uint64_t gen, bl_manifest *m,
                     char *msg, size_t cap)
{
    char name[64], path[4096], why[256] = "";
    uint8_t *p = NULL;
    size_t len = 0;
    int rc;

    bl_manifest_init(m);
    rc = bl_manifest_name(name, sizeof name, gen);
    if (rc == BL_OK)
        rc = bl_path_join(path, sizeof path, dir, name);
    if (rc == BL_OK)
        rc = bl_file_read(path, &p, &len);
    if (rc != BL_OK) {
        snprintf(why, sizeof why, "cannot read: %s", bl_strerror(rc));
    } else {
        rc = bl_manifest_decode(p, len, m, why, sizeof why);
        if (rc == BL_OK && m->generation != gen) {
            bl_manifest_free(m);
            snprintf(why, sizeof why, "holds generation %" PRIu64,
                     m->generation);
            rc = BL_ECORRUPT;
        }
    }
    free(p);
    if (rc != BL_OK && msg != NULL && cap > 0)
        snprintf(msg, cap, "%s: %s", name, why);
    return rc;
}

int bl_manifest_commit(const char *dir, const bl_manifest *m)
{
    bl_buf b = BL_BUF_INIT;
    char name[64], path[4096], cur[80];
    int rc;

    rc = bl_manifest_encode(m, &b);
    if (rc == BL_OK)
        rc = bl_manifest_name(name, sizeof name, m->generation);
    if (rc == BL_OK)
        rc = bl_path_join(path, sizeof path, dir, name);
    if (rc == BL_OK)
        rc = bl_file_write_atomic(path, b.p, b.len);
    bl_buf_free(&b);
    if (rc != BL_OK)
        return rc;
    snprintf(cur, sizeof cur, "%s\n", name);
    rc = bl_path_join(path, sizeof path, dir, "CURRENT");
    if (rc == BL_OK)
        rc = bl_file_write_atomic(path, cur, strlen(cur));
    return rc;
}

int bl_manifest_latest(const char *dir, uint64_t *gen)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    uint64_t best = 0;
    bool found = false;

    *gen = 0;
    if (d == NULL)
        return errno == ENOENT ? BL_ENOTFOUND : BL_EIO;
    while ((e = readdir(d)) != NULL) {
        const char *num = e->d_name + 9;
        char *end, msg[16];
        unsigned long long g;
        bl_manifest m;

        if (strncmp(e->d_name, "MANIFEST-", 9) != 0 || *num < '0' ||
            *num > '9')
            continue;
        errno = 0;
        g = strtoull(num, &end, 10);
        if (errno != 0 || *end != '\0' || (found && g <= best))
            continue;
        bl_manifest_init(&m);
        if (bl_manifest_load(dir, g, &m, msg, sizeof msg) == BL_OK) {
            best = g;
            found = true;
        }
        bl_manifest_free(&m);
    }
    closedir(d);
    if (!found)
        return BL_ENOTFOUND;
    *gen = best;
    return BL_OK;
}
