/* fuzz_manifest.c - libFuzzer target: the two small commit files an index
** reads from disk, MANIFEST-<gen> (bl_manifest_decode) and the deletion
** bitmaps seg-<id>.del-<gen> (bl_deletes_decode).
**
** Input: byte 0 bit 0 chooses the bitmap decoder (else the manifest), bit
** 1 recomputes the trailing checksum first, so that the structural checks
** face the bytes; the rest is the file. Checks: decode gives BL_OK,
** BL_ECORRUPT or BL_EVERSION (with a message); what decodes satisfies the
** invariants the header promises, and encoding it then decoding again
** gives the same value.
*/
#include <stdbool.h>

#include "base/buf.h"
#include "base/hash.h"
#include "base/varint.h"
#include "fuzz_util.h"
#include "segment/deletes.h"
#include "segment/manifest.h"

static void check_rc(int rc, const char *msg)
{
    FUZZ_CHECK(rc == BL_OK || rc == BL_ECORRUPT || rc == BL_EVERSION,
               "decode: %d", rc);
    FUZZ_CHECK(rc == BL_OK || msg[0] != '\0', "error without message");
}

static void manifest(const uint8_t *p, size_t len)
{
    bl_manifest m, m2;
    bl_buf out = BL_BUF_INIT;
    char msg[256] = "";
    uint64_t docs = 0, ft[2] = {0, 0};
    int rc = bl_manifest_decode(p, len, &m, msg, sizeof msg);

    check_rc(rc, msg);
    if (rc != BL_OK) {
        bl_manifest_free(&m);
        return;
    }
    FUZZ_CHECK(strlen(m.lang) <= BL_MANIFEST_LANG_MAX, "lang");
    FUZZ_CHECK(m.n_segs == 0 || m.segs != NULL, "segs");
    for (size_t i = 0; i < m.n_segs; i++) {
        const bl_manifest_seg *s = &m.segs[i];

        FUZZ_CHECK(s->deleted <= s->docs, "deleted > docs");
        FUZZ_CHECK(s->id < m.next_id, "id %llu >= next %llu",
                   (unsigned long long)s->id,
                   (unsigned long long)m.next_id);
        FUZZ_CHECK(s->del_gen <= m.generation, "del_gen");
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(m.segs[j].id != s->id, "duplicate id");
        docs += s->docs;
        ft[0] += s->field_total[0];
        ft[1] += s->field_total[1];
    }
    FUZZ_CHECK(docs == m.docs && ft[0] == m.field_total[0] &&
               ft[1] == m.field_total[1], "totals");
    FUZZ_CHECK(bl_manifest_encode(&m, &out) == BL_OK, "encode");
    rc = bl_manifest_decode(out.p, out.len, &m2, msg, sizeof msg);
    FUZZ_CHECK(rc == BL_OK, "re-decode: %s", msg);
    FUZZ_CHECK(m2.generation == m.generation && m2.next_id == m.next_id &&
               strcmp(m2.lang, m.lang) == 0 && m2.stem == m.stem &&
               m2.stopwords == m.stopwords &&
               m2.fold_accents == m.fold_accents && m2.docs == m.docs &&
               m2.n_segs == m.n_segs, "round trip differs");
    for (size_t i = 0; i < m.n_segs; i++)
        FUZZ_CHECK(memcmp(&m.segs[i], &m2.segs[i], sizeof m.segs[i]) == 0,
                   "segment %zu differs", i);
    bl_manifest_free(&m2);
    bl_manifest_free(&m);
    bl_buf_free(&out);
}

static void deletes(const uint8_t *p, size_t len)
{
    bl_deletes d = {0, 0, NULL}, d2 = {0, 0, NULL};
    bl_buf out = BL_BUF_INIT;
    char msg[256] = "";
    uint32_t count = 0;
    int rc = bl_deletes_decode(p, len, &d, msg, sizeof msg);

    check_rc(rc, msg);
    if (rc != BL_OK) {
        bl_deletes_free(&d);
        return;
    }
    for (uint32_t i = 0; i < d.docs; i++)
        count += bl_deletes_test(&d, i);
    FUZZ_CHECK(count == d.count, "count %u, bits %u", d.count, count);
    FUZZ_CHECK(!bl_deletes_test(&d, d.docs), "bit past docs");
    FUZZ_CHECK(bl_deletes_encode(&d, &out) == BL_OK, "encode");
    FUZZ_CHECK(out.len == len && memcmp(out.p, p, len) == 0,
               "re-encoding differs");
    rc = bl_deletes_decode(out.p, out.len, &d2, msg, sizeof msg);
    FUZZ_CHECK(rc == BL_OK && d2.docs == d.docs && d2.count == d.count,
               "round trip");
    bl_deletes_free(&d2);
    bl_deletes_free(&d);
    bl_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *p;
    size_t len;

    if (size < 1)
        return 0;
    len = size - 1;
    p = malloc(len > 0 ? len : 1);   /* exact size: ASan sees overruns */
    FUZZ_CHECK(p != NULL, "malloc");
    memcpy(p, data + 1, len);
    if ((data[0] & 2) && len >= 8)
        bl_store_u64le(p + len - 8, bl_checksum(p, len - 8));
    if (data[0] & 1)
        deletes(p, len);
    else
        manifest(p, len);
    free(p);
    return 0;
}
