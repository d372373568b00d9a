/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Direct mappings of famfs files (direct-layout.c, direct-map.c): the
 * machinery behind the public famfs_map_*() calls (map.c) and the preload
 * library (preload/). Never installed.
 *
 * A direct mapping is made in three steps: ask the daemon behind an open
 * famfs file where the file lives on the device (direct_layout_get), map
 * file ranges from the device (direct_map), and keep the file open
 * through the mount while anything is mapped (direct_hold), so the daemon
 * knows its memory is in use.
 *
 * Every mmap/munmap here is a raw system call: inside the preload library
 * the names mmap and munmap are its own interposers.
 */
#ifndef FAMFS_DIRECT_H
#define FAMFS_DIRECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "famfs.h"

/* A committed file as the daemon serves it, and the device behind it. */
struct direct_layout {
	uint64_t size;		/* file bytes */
	uint64_t mapped;	/* bytes the runs cover: the allocation */
	struct famfs_extent *runs;	/* file order, back to back from 0 */
	uint32_t nruns;
	uint8_t fs_uuid[16];
	char *device;		/* the mount's device path */
};

/*
 * The layout of the file open as @fd. -ENOTTY when it is not a file in a
 * famfs mount, -EISDIR, -EBUSY (pending), -EHWPOISON, -ENODATA (empty),
 * -EAGAIN (the layout kept changing while it was read), -ENOMEM.
 */
int direct_layout_get(int fd, struct direct_layout *layout);
void direct_layout_free(struct direct_layout *layout);

enum direct_where {
	DIRECT_ANYWHERE,	/* a fresh range, aligned for huge faults */
	DIRECT_FIXED,		/* at addr, replacing any mapping (MAP_FIXED) */
	DIRECT_FIXED_NOREPLACE,	/* at addr, only if it is free: else -EEXIST */
};

struct direct_request {
	uint64_t offset;	/* first file byte: page aligned */
	uint64_t length;	/* bytes (> 0), rounded up to whole pages */
	int prot;		/* PROT_* */
	int map_type;		/* MAP_SHARED or MAP_SHARED_VALIDATE */
	int map_flags;		/* passed on: MAP_POPULATE, MAP_LOCKED, ... */
	bool device_rdwr;	/* open the device O_RDWR (else O_RDONLY) */
	bool round_to_device;	/* round length up to the device alignment */
	enum direct_where where;
	void *addr;		/* DIRECT_FIXED*: where */
};

/*
 * Map file bytes [offset, offset + length) of @layout from its device.
 * The range must lie inside the file's pages (-ENXIO otherwise) and, on a
 * devdax device, start and end on its alignment (-EINVAL). The device must
 * be the mounted filesystem (-ENODEV). On success *addr is the mapping
 * and *length its length; on failure nothing of this call stays mapped
 * (with DIRECT_FIXED the range is left unmapped, as mmap(2) may).
 */
int direct_map(const struct direct_layout *layout,
	       const struct direct_request *req, void **addr,
	       uint64_t *length);

/*
 * What keeps the file open through the mount while it is mapped: a
 * one-page PROT_NONE private mapping of the file itself, or, where the
 * file cannot be mapped so (a passthrough view), a duplicate of its fd.
 */
struct direct_hold {
	void *addr;		/* the holding mapping, or NULL */
	int fd;			/* the holding fd, or -1 */
};

int direct_hold(int fd, struct direct_hold *hold);
void direct_release(struct direct_hold *hold);

/* Raw system calls (see the top). */
void *direct_sys_mmap(void *addr, size_t len, int prot, int flags, int fd,
		      uint64_t offset);
int direct_sys_munmap(void *addr, size_t len);
void *direct_sys_mremap(void *old, size_t old_len, size_t new_len,
			int flags, void *new_addr);

#endif
