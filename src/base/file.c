/* file.c - POSIX file operations for file.h. The write path follows the
** classic recipe: temporary file, fsync, rename, fsync of the folder; it is
** what makes a commit survive a crash at any moment.
*/
#include "base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "byline.h"

static int io_error(void)
{
    return errno == ENOENT ? BL_ENOTFOUND : BL_EIO;
}

int bl_file_map(const char *path, bl_map *out)
{
    struct stat st;
    void *p;
    int fd;

    out->p = NULL;
    out->len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return io_error();
    if (fstat(fd, &st) != 0) {
        close(fd);
        return BL_EIO;
    }
    if (st.st_size == 0) {
        close(fd);
        return BL_OK;
    }
    p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return BL_EIO;
    out->p = p;
    out->len = (size_t)st.st_size;
    return BL_OK;
}

void bl_file_unmap(bl_map *m)
{
    if (m->p != NULL)
        munmap((void *)m->p, m->len);
    m->p = NULL;
    m->len = 0;
}

void bl_map_drop(const void *p, size_t len)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t a = (uintptr_t)p, e = a + (uintptr_t)len;

    a = (a + page - 1) & ~(page - 1);
    e &= ~(page - 1);
    if (e > a)
        (void)madvise((void *)a, e - a, MADV_DONTNEED);
}

int bl_file_read(const char *path, uint8_t **out, size_t *len)
{
    struct stat st;
    uint8_t *p;
    size_t n = 0;
    int fd;

    *out = NULL;
    *len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return io_error();
    if (fstat(fd, &st) != 0) {
        close(fd);
        return BL_EIO;
    }
    p = malloc((size_t)st.st_size + 1);
    if (p == NULL) {
        close(fd);
        return BL_ENOMEM;
    }
    while (n < (size_t)st.st_size) {
        ssize_t r = read(fd, p + n, (size_t)st.st_size - n);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            free(p);
            close(fd);
            return BL_EIO;
        }
        n += (size_t)r;
    }
    close(fd);
    p[n] = 0;
    *out = p;
    *len = n;
    return BL_OK;
}

int bl_file_write_all(int fd, const void *p, size_t len)
{
    const uint8_t *q = p;

    while (len > 0) {
        ssize_t r = write(fd, q, len);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return BL_EIO;
        q += r;
        len -= (size_t)r;
    }
    return BL_OK;
}

int bl_file_finish_tmp(int fd, const char *tmp, const char *path, int rc)
{
    if (rc == BL_OK && fsync(fd) != 0)
        rc = BL_EIO;
    if (close(fd) != 0 && rc == BL_OK)
        rc = BL_EIO;
    if (rc == BL_OK && rename(tmp, path) != 0)
        rc = BL_EIO;
    if (rc != BL_OK)
        unlink(tmp);
    return rc;
}

int bl_file_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = BL_OK;

    if (fd < 0)
        return io_error();
    if (fsync(fd) != 0)
        rc = BL_EIO;
    close(fd);
    return rc;
}

int bl_file_write_atomic(const char *path, const void *p, size_t len)
{
    char tmp[4096], dir[4096];
    char *slash;
    int fd, rc;

    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return BL_ELIMIT;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return BL_EIO;
    rc = bl_file_finish_tmp(fd, tmp, path, bl_file_write_all(fd, p, len));
    if (rc != BL_OK)
        return rc;
    snprintf(dir, sizeof dir, "%s", path);
    slash = strrchr(dir, '/');
    if (slash == NULL)
        return bl_file_sync_dir(".");
    *slash = '\0';
    return bl_file_sync_dir(slash == dir ? "/" : dir);
}

int bl_file_mkdir(const char *dir)
{
    if (mkdir(dir, 0755) == 0 || errno == EEXIST)
        return BL_OK;
    return io_error();
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 ? 0 : 1;
}

int bl_file_remove_tree(const char *path)
{
    return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? BL_OK
                                                                 : BL_EIO;
}

int bl_file_size(const char *path, uint64_t *out)
{
    struct stat st;

    *out = 0;
    if (stat(path, &st) != 0)
        return io_error();
    *out = (uint64_t)st.st_size;
    return BL_OK;
}

int bl_path_join(char *out, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);

    return n < 0 || (size_t)n >= cap ? BL_ELIMIT : BL_OK;
}
