/* test_base.c - the base module: varint, fixed-width codecs, buffers,
** memory (zeroed tables, big blocks), arenas, checksums and durable file
** writes.
*/
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/hash.h"
#include "base/mem.h"
#include "base/varint.h"
#include "byline.h"

/* Every boundary of the 7-bit groups round-trips, and lengths agree, both
** when the varint ends its input and when more bytes follow (the inline
** decoders of bl_varint_get look ahead). */
static void varint_round_trips_boundaries(void **state)
{
    uint8_t b[2 * BL_VARINT_MAX];
    (void)state;

    memset(b, 0xff, sizeof b);
    for (unsigned bit = 0; bit < 64; bit++) {
        uint64_t vals[3] = {(uint64_t)1 << bit, ((uint64_t)1 << bit) - 1,
                            ((uint64_t)1 << bit) + 1};

        for (int i = 0; i < 3; i++) {
            size_t n = bl_varint_put(b, vals[i]);

            assert_int_equal(n, bl_varint_len(vals[i]));
            for (int room = 0; room < 2; room++) {
                const uint8_t *p = b;
                uint64_t v;

                assert_int_equal(bl_varint_get(&p, room ? b + sizeof b
                                                        : b + n, &v),
                                 BL_OK);
                assert_true(v == vals[i]);
                assert_ptr_equal(p, b + n);
            }
        }
    }
    {
        const uint8_t *p = b;
        uint64_t v;
        size_t n = bl_varint_put(b, UINT64_MAX);

        assert_int_equal(n, 10);
        assert_int_equal(bl_varint_get(&p, b + n, &v), BL_OK);
        assert_true(v == UINT64_MAX);
    }
}

/* Truncated and overlong varints are corrupt and do not move the cursor. */
static void varint_rejects_bad_bytes(void **state)
{
    uint8_t b[12];
    const uint8_t *p = b;
    uint64_t v;
    uint32_t v32;
    (void)state;

    size_t n = bl_varint_put(b, 1ULL << 40);
    assert_int_equal(bl_varint_get(&p, b + n - 1, &v), BL_ECORRUPT);
    assert_ptr_equal(p, b);
    memset(b, 0xff, sizeof b);
    assert_int_equal(bl_varint_get(&p, b + sizeof b, &v), BL_ECORRUPT);
    n = bl_varint_put(b, 1ULL << 32);
    assert_int_equal(bl_varint_get32(&p, b + n, &v32), BL_ECORRUPT);
    assert_int_equal(bl_varint_get(&p, b, &v), BL_ECORRUPT);
    /* A tenth byte may only hold bit 63, with room to spare or not. */
    memset(b, 0x80, sizeof b);
    for (int last = 0; last < 4; last++) {
        b[9] = (uint8_t)(last == 3 ? 0x81 : last);
        for (int room = 0; room < 2; room++) {
            const uint8_t *q = b;
            int rc = bl_varint_get(&q, room ? b + sizeof b : b + 10, &v);

            if (last < 2) {
                assert_int_equal(rc, BL_OK);
                assert_true(v == (uint64_t)last << 63);
                assert_ptr_equal(q, b + 10);
            } else {
                assert_int_equal(rc, BL_ECORRUPT);
                assert_ptr_equal(q, b);
            }
        }
    }
}

static void fixed_width_round_trips(void **state)
{
    uint8_t b[8];
    (void)state;

    bl_store_u32le(b, 0xdeadbeef);
    assert_int_equal(b[0], 0xef);
    assert_int_equal(bl_load_u32le(b), 0xdeadbeef);
    bl_store_u64le(b, 0x0123456789abcdefULL);
    assert_true(bl_load_u64le(b) == 0x0123456789abcdefULL);
}

/* Appends grow the buffer; detach hands over exactly what was written. */
static void buf_appends_and_detaches(void **state)
{
    bl_buf b = BL_BUF_INIT;
    size_t len;
    uint8_t *p;
    (void)state;

    for (int i = 0; i < 1000; i++)
        bl_buf_put_u32le(&b, (uint32_t)i);
    bl_buf_puts(&b, "end");
    bl_buf_put_varint(&b, 300);
    assert_int_equal(b.rc, BL_OK);
    assert_int_equal(b.len, 4000 + 3 + 2);
    assert_int_equal(bl_load_u32le(b.p + 4 * 999), 999);
    p = bl_buf_detach(&b, &len);
    assert_int_equal(len, 4005);
    assert_memory_equal(p + 4000, "end", 3);
    assert_null(b.p);
    free(p);
    bl_buf_free(&b);
}

/* bl_zalloc's memory reads zero, also where malloc reuses freed memory
** that held other bytes. */
static void zalloc_is_zeroed(void **state)
{
    (void)state;
    for (int round = 0; round < 8; round++) {
        size_t n = (size_t)1 << (10 + 2 * round);
        unsigned char *dirty = malloc(n), *p;

        assert_non_null(dirty);
        memset(dirty, 0xAB, n);
        free(dirty);
        p = bl_zalloc(n);
        assert_non_null(p);
        for (size_t i = 0; i < n; i++)
            if (p[i] != 0)
                fail_msg("byte %zu of %zu is %u", i, n, p[i]);
        bl_mem_free(p, n);
    }
}

/* Fill n bytes at p with a pattern that depends on seed and position. */
static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)((i * 31 + seed) >> 3);
}

static void check_fill(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)((i * 31 + seed) >> 3))
            fail_msg("byte %zu of %zu is %u", i, n, p[i]);
}

/* A big block is aligned to a huge page, zero, as large as asked rounded
** up to whole huge pages (with that size in the 8 bytes before it), and
** keeps its bytes when grown or shrunk. */
static void big_blocks(void **state)
{
    const size_t sizes[] = {1, 4096, BL_BIG_MIN - 1, BL_BIG_MIN,
                            BL_BIG_MIN + 1, 5 * BL_BIG_MIN / 2};
    (void)state;

    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        size_t n = sizes[k], want = (n + BL_BIG_MIN - 1) / BL_BIG_MIN *
                                    BL_BIG_MIN;
        size_t total = bl_big_total();
        unsigned char *p = bl_big_alloc(n), *q;
        uint64_t tag;

        assert_non_null(p);
        assert_int_equal(bl_big_total(), total + want);
        assert_int_equal((uintptr_t)p % BL_BIG_MIN, 0);
        assert_int_equal(bl_big_size(p), want);
        memcpy(&tag, p - 8, 8);
        assert_int_equal(tag, want);
        for (size_t i = 0; i < want; i++)
            if (p[i] != 0)
                fail_msg("byte %zu of %zu is %u", i, want, p[i]);
        fill(p, want, (unsigned)k);
        q = bl_big_realloc(p, want + 1);           /* grows: a new block */
        assert_non_null(q);
        assert_int_equal(bl_big_size(q), want + BL_BIG_MIN);
        check_fill(q, want, (unsigned)k);
        p = bl_big_realloc(q, want + 2);           /* fits: the same one */
        assert_ptr_equal(p, q);
        p = bl_big_realloc(q, 1);                  /* shrinks: a copy */
        assert_int_equal(bl_big_size(p), BL_BIG_MIN);
        check_fill(p, 1, (unsigned)k);               /* what was asked */
        bl_big_free(p);
        assert_int_equal(bl_big_total(), total);
    }
    bl_big_free(NULL);
    assert_null(bl_big_alloc(0));
    assert_null(bl_big_alloc(SIZE_MAX));
}

/* bl_mem_alloc switches to big blocks at BL_BIG_MIN; both kinds are
** usable to their last byte and freed by size. */
static void mem_alloc_by_size(void **state)
{
    const size_t sizes[] = {1, BL_BIG_MIN - 1, BL_BIG_MIN, 3 * BL_BIG_MIN};
    (void)state;

    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        unsigned char *p = bl_mem_alloc(sizes[k]);

        assert_non_null(p);
        if (sizes[k] >= BL_BIG_MIN)
            assert_int_equal((uintptr_t)p % BL_BIG_MIN, 0);
        fill(p, sizes[k], 7);
        check_fill(p, sizes[k], 7);
        bl_mem_free(p, sizes[k]);
    }
}

/* A buffer that grows past BL_BIG_MIN moves to a big block with every byte
** it held, and detaches as a malloc'ed copy. */
static void buf_grows_into_big_block(void **state)
{
    const size_t total = 3 * BL_BIG_MIN + 12345;
    unsigned char *want = malloc(total), *p;
    bl_buf b = BL_BUF_INIT;
    size_t at = 0, step = 1, len;
    (void)state;

    assert_non_null(want);
    fill(want, total, 3);
    while (at < total) {                   /* appends of 1, 2, 3 ... bytes */
        size_t n = step < total - at ? step : total - at;

        bl_buf_append(&b, want + at, n);
        at += n;
        step = step % 5000 + 1;
        if (b.cap >= BL_BIG_MIN)
            assert_int_equal((uintptr_t)b.p % BL_BIG_MIN, 0);
    }
    assert_int_equal(b.rc, BL_OK);
    assert_int_equal(b.len, total);
    assert_true(b.cap >= total);
    assert_memory_equal(b.p, want, total);
    p = bl_buf_detach(&b, &len);
    assert_non_null(p);
    assert_int_equal(len, total);
    assert_memory_equal(p, want, total);
    assert_null(b.p);
    assert_int_equal(b.cap, 0);
    free(p);
    for (size_t i = 0; i < total / 4; i++)    /* freed while big */
        bl_buf_put_u32le(&b, (uint32_t)i);
    assert_true(b.cap >= BL_BIG_MIN);
    assert_int_equal(bl_load_u32le(b.p + total / 4 * 4 - 4), total / 4 - 1);
    bl_buf_free(&b);
    free(want);
}

/* Arena allocations are aligned, distinct and survive a reset's reuse. */
static void arena_allocates_aligned(void **state)
{
    bl_arena a;
    char *big;
    (void)state;

    bl_arena_init(&a, 1024);
    for (int i = 1; i < 500; i++) {
        char *p = bl_arena_alloc(&a, (size_t)i);

        assert_non_null(p);
        assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
        memset(p, i & 0xff, (size_t)i);
    }
    big = bl_arena_alloc(&a, 100000);
    assert_non_null(big);
    memset(big, 1, 100000);
    assert_string_equal(bl_arena_strndup(&a, "hello world", 5), "hello");
    bl_arena_reset(&a);
    assert_int_equal(a.used, 0);
    assert_non_null(bl_arena_alloc(&a, 10));
    bl_arena_free(&a);
}

/* An arena of huge-page chunks: chunk_size is rounded to whole huge
** pages, allocations never overlap across chunks (each keeps its bytes),
** a request larger than a chunk gets its own, and a reset keeps a chunk
** for reuse. */
static void arena_of_big_chunks(void **state)
{
    enum { N = 3000 };
    unsigned char *got[N];
    size_t len[N];
    bl_arena a;
    (void)state;

    bl_arena_init(&a, BL_BIG_MIN + 1);
    assert_int_equal(a.chunk_size, 2 * BL_BIG_MIN);
    bl_arena_free(&a);
    bl_arena_init(&a, BL_BIG_MIN);
    for (size_t i = 0; i < N; i++) {
        len[i] = i == N / 2 ? 3 * BL_BIG_MIN : (i * 7919) % 4000 + 1;
        got[i] = bl_arena_alloc(&a, len[i]);
        assert_non_null(got[i]);
        assert_int_equal((uintptr_t)got[i] % _Alignof(max_align_t), 0);
        fill(got[i], len[i], (unsigned)i);
    }
    assert_true(a.used > 2 * BL_BIG_MIN);   /* several chunks */
    for (size_t i = 0; i < N; i++)
        check_fill(got[i], len[i], (unsigned)i);
    bl_arena_reset(&a);
    assert_non_null(a.head);
    assert_int_equal(a.used, 0);
    got[0] = bl_arena_alloc(&a, BL_BIG_MIN / 2);
    assert_non_null(got[0]);
    fill(got[0], BL_BIG_MIN / 2, 1);
    bl_arena_free(&a);
    assert_null(a.head);
}

/* The checksum differs from the hash and notices a flipped bit. */
static void checksum_detects_flips(void **state)
{
    char s[] = "the quick brown fox";
    uint64_t c = bl_checksum(s, sizeof s);
    (void)state;

    assert_true(c != bl_hash(s, sizeof s));
    s[3] ^= 1;
    assert_true(c != bl_checksum(s, sizeof s));
}

/* The checksum of bytes in pieces equals the checksum of them whole, at
** every cut (empty pieces included), over more than XXH3's 256-byte
** stripes. */
static void checksum_in_pieces(void **state)
{
    uint8_t buf[1000];
    uint64_t whole;
    (void)state;

    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 131 + 7);
    whole = bl_checksum(buf, sizeof buf);
    for (size_t cut = 0; cut <= sizeof buf; cut += 37) {
        bl_checksum_stream *st = bl_checksum_begin();

        assert_non_null(st);
        bl_checksum_add(st, buf, cut);
        bl_checksum_add(st, buf + cut, 0);
        bl_checksum_add(st, buf + cut, sizeof buf - cut);
        assert_true(bl_checksum_end(st) == whole);
    }
}

/* An atomic write replaces the file whole and leaves no temporary. */
static void atomic_write_replaces(void **state)
{
    char *dir = fx_tmpdir();
    char path[4096], tmp[4200];
    uint8_t *p;
    size_t len;
    bl_map m;
    (void)state;

    assert_int_equal(bl_path_join(path, sizeof path, dir, "f"), BL_OK);
    assert_int_equal(bl_file_write_atomic(path, "first", 5), BL_OK);
    assert_int_equal(bl_file_write_atomic(path, "second", 6), BL_OK);
    assert_int_equal(bl_file_read(path, &p, &len), BL_OK);
    assert_int_equal(len, 6);
    assert_string_equal((char *)p, "second");
    free(p);
    assert_int_equal(bl_file_map(path, &m), BL_OK);
    assert_int_equal(m.len, 6);
    assert_memory_equal(m.p, "second", 6);
    bl_file_unmap(&m);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal(bl_file_read(tmp, &p, &len), BL_ENOTFOUND);
    assert_int_equal(bl_file_map(tmp, &m), BL_ENOTFOUND);
    fx_rmtree(dir);
}

/* A tree of folders and files goes, and a symbolic link in it is removed,
** not followed. */
static void remove_tree_removes_all(void **state)
{
    char *dir = fx_tmpdir(), *outside = fx_tmpdir();
    char sub[4096], deep[4096], f[4200], keep[4200], link[4200];
    uint64_t size;
    (void)state;

    snprintf(sub, sizeof sub, "%s/a", dir);
    snprintf(deep, sizeof deep, "%s/a/b", dir);
    assert_int_equal(bl_file_mkdir(sub), BL_OK);
    assert_int_equal(bl_file_mkdir(deep), BL_OK);
    snprintf(f, sizeof f, "%s/f", deep);
    assert_int_equal(bl_file_write_atomic(f, "x", 1), BL_OK);
    snprintf(keep, sizeof keep, "%s/keep", outside);
    assert_int_equal(bl_file_write_atomic(keep, "y", 1), BL_OK);
    snprintf(link, sizeof link, "%s/link", sub);
    assert_int_equal(symlink(outside, link), 0);
    assert_int_equal(bl_file_remove_tree(dir), BL_OK);
    assert_int_equal(bl_file_size(dir, &size), BL_ENOTFOUND);
    assert_int_equal(bl_file_size(keep, &size), BL_OK);
    assert_int_equal(bl_file_remove_tree(dir), BL_EIO);  /* gone already */
    free(dir);
    fx_rmtree(outside);
}

static void strerror_names_every_code(void **state)
{
    (void)state;
    for (int rc = -10; rc <= 1; rc++)
        assert_string_not_equal(bl_strerror(rc), "unknown error");
    assert_string_equal(bl_strerror(-999), "unknown error");
}

/* A cloned article is a deep copy: equal strings, none shared. */
static void doc_clone_is_deep(void **state)
{
    bl_field extra[2] = {{"topics", "cocoa"}, {"places", "el-salvador"}};
    bl_doc d = {"42", "Cocoa talks", "The body.", 1234, "reuters", "",
                "en", extra, 2};
    bl_doc *c = bl_doc_clone(&d);
    (void)state;

    assert_non_null(c);
    assert_string_equal(c->id, "42");
    assert_string_equal(c->title, "Cocoa talks");
    assert_string_equal(c->body, "The body.");
    assert_string_equal(c->source, "reuters");
    assert_string_equal(c->url, "");
    assert_string_equal(c->lang, "en");
    assert_true(c->date == 1234);
    assert_int_equal(c->n_extra, 2);
    assert_string_equal(c->extra[1].name, "places");
    assert_string_equal(c->extra[1].value, "el-salvador");
    assert_ptr_not_equal(c->title, d.title);
    assert_ptr_not_equal(c->extra, extra);
    bl_doc_free(c);
    bl_doc_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(varint_round_trips_boundaries),
        cmocka_unit_test(varint_rejects_bad_bytes),
        cmocka_unit_test(fixed_width_round_trips),
        cmocka_unit_test(buf_appends_and_detaches),
        cmocka_unit_test(zalloc_is_zeroed),
        cmocka_unit_test(big_blocks),
        cmocka_unit_test(mem_alloc_by_size),
        cmocka_unit_test(buf_grows_into_big_block),
        cmocka_unit_test(arena_allocates_aligned),
        cmocka_unit_test(arena_of_big_chunks),
        cmocka_unit_test(checksum_detects_flips),
        cmocka_unit_test(checksum_in_pieces),
        cmocka_unit_test(atomic_write_replaces),
        cmocka_unit_test(remove_tree_removes_all),
        cmocka_unit_test(strerror_names_every_code),
        cmocka_unit_test(doc_clone_is_deep),
    };

    return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
