/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libfamfs: the installed API, documented in libfamfs(3).
 *
 * Direct mappings of committed famfs files: the file's memory on the
 * shared device, mapped into this process, so every host that maps the
 * file sees the same bytes (no page-cache copy in between). And the CPU
 * cache maintenance that programs sharing memory across hosts need:
 * write back what this host wrote before publishing it, invalidate
 * before reading what another host wrote.
 *
 * Functions return 0 or a negative errno; the library never prints.
 * Link with `pkg-config --libs libfamfs`.
 */
#ifndef LIBFAMFS_H
#define LIBFAMFS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* famfs_map_open() / famfs_map_fd() flags */
#define FAMFS_MAP_RDONLY 0x0	/* map for reading */
#define FAMFS_MAP_RDWR 0x1	/* map for reading and writing */
#define FAMFS_MAP_POPULATE 0x2	/* fault every page in now */

/* A direct mapping of one file; opaque. */
struct famfs_map;

/*
 * Map the whole of the committed famfs file @path (a path through a famfs
 * mount, checked by open(2) there with the access @flags ask for) straight
 * from the mount's device, opened with the same access. While the mapping
 * exists the file stays open through the mount, so its memory is never
 * given to another file. Errors: those of open(2) on @path or on the
 * device (-EACCES: the caller may open the file but not the device),
 * -ENOTTY (not a file in a famfs mount), -EISDIR, -EBUSY (still being
 * written on the master: not committed), -EHWPOISON (some of its memory
 * is poisoned), -ENODATA (empty file), -ENODEV (the device named by the
 * mount is not the mounted filesystem), -EINVAL (bad @flags, or extents
 * the device cannot map at its alignment), -ENOMEM.
 */
int famfs_map_open(const char *path, unsigned int flags,
		   struct famfs_map **map);
/* The same for a file already open (at least for reading) as @fd. */
int famfs_map_fd(int fd, unsigned int flags, struct famfs_map **map);

/* The first byte of the file in memory. */
void *famfs_map_addr(const struct famfs_map *map);
/* The file's size: bytes from famfs_map_addr() that belong to it. */
size_t famfs_map_size(const struct famfs_map *map);
/* Unmap and let go of the file. @map may be NULL. */
void famfs_map_close(struct famfs_map *map);

/*
 * Write back [addr, addr+len) from this CPU's caches to the memory device
 * and order it before later stores: call it after writing and before
 * telling another host the data is there.
 */
void famfs_flush(const void *addr, size_t len);
/*
 * Drop [addr, addr+len) from this CPU's caches so the next loads read
 * what another host wrote: call it before reading shared data.
 */
void famfs_invalidate(const void *addr, size_t len);
/* memcpy() into device memory, written back when it returns. */
void famfs_copy_to_device(void *dst, const void *src, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* LIBFAMFS_H */
