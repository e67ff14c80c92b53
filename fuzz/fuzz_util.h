/* fuzz_util.h - what the libFuzzer targets share: a strict UTF-8 check,
** a failure report that aborts (so libFuzzer saves the input), and a
** scratch folder for inputs that the library reads from a path.
**
** Only the fuzz targets include this file. Each target is one process that
** runs many inputs, so the scratch folder and the lazily made analyzers
** are process-wide statics of the target, never of the library.
*/
#ifndef BL_FUZZ_UTIL_H
#define BL_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Report a broken invariant and abort: libFuzzer records the input as a
** crash. */
#define FUZZ_CHECK(cond, ...)                                              \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "fuzz invariant failed at %s:%d: %s: ",       \
                    __FILE__, __LINE__, #cond);                            \
            fprintf(stderr, __VA_ARGS__);                                  \
            fputc('\n', stderr);                                           \
            abort();                                                       \
        }                                                                  \
    } while (0)

/* Is p[0..len) valid UTF-8 (no overlong forms, surrogates, code points
** above U+10FFFF) without NUL? */
static inline bool fuzz_utf8_ok(const uint8_t *p, size_t len)
{
    size_t i = 0;

    while (i < len) {
        uint8_t c = p[i];
        size_t n;
        uint32_t cp;

        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (len - i < n)
            return false;
        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + k] & 0x3F);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return false;
        i += n;
    }
    return true;
}

static inline bool fuzz_str_ok(const char *s)
{
    return s != NULL && fuzz_utf8_ok((const uint8_t *)s, strlen(s));
}

/* The process's scratch folder (made on first use, removed at exit). */
static char fuzz_dir_path[256];

static inline void fuzz_dir_remove(void)
{
    char cmd[300];

    if (fuzz_dir_path[0] != '\0') {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir_path);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", fuzz_dir_path);
    }
}

static inline const char *fuzz_dir(void)
{
    if (fuzz_dir_path[0] == '\0') {
        const char *tmp = getenv("TMPDIR");

        snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/byline-fuzz-XXXXXX",
                 tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
        if (mkdtemp(fuzz_dir_path) == NULL) {
            perror("mkdtemp");
            abort();
        }
        atexit(fuzz_dir_remove);
    }
    return fuzz_dir_path;
}

/* Write data to name inside the scratch folder (subfolders made as
** needed); returns the path in a static buffer. */
static inline const char *fuzz_write(const char *name, const uint8_t *data,
                                     size_t size)
{
    static char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
    for (char *s = strchr(path + strlen(fuzz_dir()) + 1, '/'); s != NULL;
         s = strchr(s + 1, '/')) {
        *s = '\0';
        if (access(path, F_OK) != 0 && mkdir(path, 0700) != 0) {
            perror(path);
            abort();
        }
        *s = '/';
    }
    f = fopen(path, "wb");
    if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) ||
        fclose(f) != 0) {
        perror(path);
        abort();
    }
    return path;
}

#endif
