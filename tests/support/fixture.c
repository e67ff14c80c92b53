/* fixture.c - the helpers of fixture.h. Nothing here knows about indexes:
** fixtures that build them live beside the tests that need them.
*/
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/file.h"

char *fx_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *path;

    if (base == NULL || *base == '\0')
        base = "/tmp";
    path = malloc(strlen(base) + 32);
    assert_non_null(path);
    sprintf(path, "%s/byline-test-XXXXXX", base);
    assert_non_null(mkdtemp(path));
    return path;
}

void fx_rmtree(char *path)
{
    if (path == NULL)
        return;
    bl_file_remove_tree(path);
    free(path);
}

const char *fx_corpus(const char *rel)
{
    static char path[4096];
    struct stat st;

    snprintf(path, sizeof path, "%s/corpus/%s", BL_SHARED_DIR, rel);
    if (stat(path, &st) != 0)
        return NULL;
    return path;
}

const char *fx_source(const char *rel)
{
    static char path[4096];

    snprintf(path, sizeof path, "%s/%s", BL_SOURCE_DIR, rel);
    return path;
}

const char *fx_byline(void)
{
    return BL_BINARY;
}

int fx_run(char **out, const char *fmt, ...)
{
    char cmd[16384];
    va_list ap;
    FILE *f;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int status;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    fflush(NULL);
    f = popen(cmd, "r");
    assert_non_null(f);
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        if (n == 0)
            break;
        len += n;
    }
    buf[len] = '\0';
    status = pclose(f);
    if (out != NULL)
        *out = buf;
    else
        free(buf);
    if (status == -1 || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

char *fx_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return NULL;
    }
    buf[n] = '\0';
    fclose(f);
    if (len != NULL)
        *len = (size_t)n;
    return buf;
}

void fx_write(const char *path, const void *p, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

void fx_rng_seed(fx_rng *r, uint64_t seed)
{
    r->s = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

uint64_t fx_rng_next(fx_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545f4914f6cdd1dULL;
}

uint64_t fx_rng_below(fx_rng *r, uint64_t n)
{
    return n ? fx_rng_next(r) % n : 0;
}
