// SPDX-License-Identifier: Apache-2.0
/*
 * The public direct-map calls (libfamfs.h, libfamfs(3)): a whole
 * committed file mapped from the device, held open through the mount
 * until famfs_map_close().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "direct.h"

struct famfs_map {
	void *addr;
	uint64_t length;	/* bytes mapped: the size in whole pages */
	uint64_t size;
	struct direct_hold hold;
};

int famfs_map_fd(int fd, unsigned int flags, struct famfs_map **out)
{
	bool rdwr = flags & FAMFS_MAP_RDWR;
	struct direct_request req = {
		.prot = PROT_READ | (rdwr ? PROT_WRITE : 0),
		.map_type = MAP_SHARED,
		.map_flags = flags & FAMFS_MAP_POPULATE ? MAP_POPULATE : 0,
		.device_rdwr = rdwr,
		.round_to_device = true,
		.where = DIRECT_ANYWHERE,
	};
	struct direct_layout layout;
	struct famfs_map *map;
	int access, rc;

	if (flags & ~(FAMFS_MAP_RDWR | FAMFS_MAP_POPULATE))
		return -EINVAL;
	access = fcntl(fd, F_GETFL);
	if (access < 0)
		return -errno;
	/* the file's own access decides, as for mmap(2) */
	access &= O_ACCMODE;
	if (access == O_WRONLY || (rdwr && access != O_RDWR))
		return -EACCES;
	map = calloc(1, sizeof(*map));
	if (!map)
		return -ENOMEM;
	rc = direct_layout_get(fd, &layout);
	if (rc)
		goto fail;
	req.length = layout.size;
	rc = direct_map(&layout, &req, &map->addr, &map->length);
	if (rc)
		goto fail;
	map->size = layout.size;
	rc = direct_hold(fd, &map->hold);
	if (rc) {
		direct_sys_munmap(map->addr, map->length);
		goto fail;
	}
	direct_layout_free(&layout);
	*out = map;
	return 0;
fail:
	direct_layout_free(&layout);
	free(map);
	return rc;
}

int famfs_map_open(const char *path, unsigned int flags,
		   struct famfs_map **out)
{
	int fd, rc;

	if (flags & ~(FAMFS_MAP_RDWR | FAMFS_MAP_POPULATE))
		return -EINVAL;
	fd = open(path, (flags & FAMFS_MAP_RDWR ? O_RDWR : O_RDONLY) |
			O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = famfs_map_fd(fd, flags, out);
	close(fd);
	return rc;
}

void *famfs_map_addr(const struct famfs_map *map)
{
	return map->addr;
}

size_t famfs_map_size(const struct famfs_map *map)
{
	return (size_t)map->size;
}

void famfs_map_close(struct famfs_map *map)
{
	if (!map)
		return;
	direct_sys_munmap(map->addr, map->length);
	direct_release(&map->hold);
	free(map);
}
