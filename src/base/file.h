/* file.h - the file-system operations that durability rests on: whole-file
** reads, read-only maps, writes made durable with fsync, atomic replacement
** by rename, and folder fsync. Errors are BL_EIO with errno preserved.
*/
#ifndef BL_FILE_H
#define BL_FILE_H

#include <stddef.h>
#include <stdint.h>

/* A read-only mapping of a whole file. */
typedef struct bl_map {
    const uint8_t *p;          /* the bytes; NULL for an empty file */
    size_t len;                /* file size */
} bl_map;

/* Map path read-only. BL_ENOTFOUND if it does not exist, BL_EIO. */
int bl_file_map(const char *path, bl_map *out);
void bl_file_unmap(bl_map *m);

/* Hand back the whole pages inside [p, p + len) of a read-only file map:
** they stay in the page cache but no longer count in the process's memory
** (a later read maps them again). Never for heap memory. */
void bl_map_drop(const void *p, size_t len);

/* Read a whole file into malloc'ed memory with a NUL after it (not counted
** in *len). */
int bl_file_read(const char *path, uint8_t **out, size_t *len);

/* Write len bytes to path durably: write to "path.tmp", fsync, rename over
** path, fsync the folder. A crash leaves either the old or the new file. */
int bl_file_write_atomic(const char *path, const void *p, size_t len);

/* Write all of len bytes to fd, retrying short writes and EINTR. */
int bl_file_write_all(int fd, const void *p, size_t len);

/* Finish a file written through fd under the temporary name tmp: fsync,
** close, rename to path (the caller fsyncs the folder). rc is the status of
** the writes so far; on any failure the temporary is removed. Returns rc or
** the first new error. */
int bl_file_finish_tmp(int fd, const char *tmp, const char *path, int rc);

/* fsync the folder so that renames and creations in it are durable. */
int bl_file_sync_dir(const char *dir);

/* Create dir (one level) if missing. */
int bl_file_mkdir(const char *dir);

/* Remove path and everything below it (symbolic links are not followed);
** BL_EIO when something could not be removed. */
int bl_file_remove_tree(const char *path);

/* Size of path in bytes, or BL_ENOTFOUND / BL_EIO. */
int bl_file_size(const char *path, uint64_t *out);

/* snprintf into out and return BL_ELIMIT when it does not fit. */
int bl_path_join(char *out, size_t cap, const char *dir, const char *name);

#endif
