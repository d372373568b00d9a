// SPDX-License-Identifier: Apache-2.0
/*
 * File ranges mapped straight from the device: the pieces of the range
 * (one per run of the file's layout) are placed back to back in one
 * address range with MAP_FIXED | MAP_SHARED. A fresh range is aligned so
 * that address and device offset agree modulo 2 MiB (or the device's
 * alignment when larger): that is what lets 2 MiB units be mapped by PMD
 * faults where the device can.
 *
 * Before anything is mapped the device is checked to be the filesystem
 * the daemon serves (same UUID in its superblock) and to hold every run,
 * since the mount table only names a path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "direct.h"
#include "internal.h"

#define HUGE_ALIGN FAMFS_ALLOC_UNIT

void *direct_sys_mmap(void *addr, size_t len, int prot, int flags, int fd,
		      uint64_t offset)
{
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd,
			       (off_t)offset);
}

int direct_sys_munmap(void *addr, size_t len)
{
	return (int)syscall(SYS_munmap, addr, len);
}

void *direct_sys_mremap(void *old, size_t old_len, size_t new_len, int flags,
			void *new_addr)
{
	return (void *)syscall(SYS_mremap, old, old_len, new_len, flags,
			       new_addr);
}

static uint64_t round_up(uint64_t v, uint64_t to)
{
	return (v + to - 1) / to * to;
}

/* Does the superblock mapped at @p name the filesystem of @l? */
static bool superblock_matches(const uint8_t *p, uint64_t len,
			       const struct direct_layout *l)
{
	static const uint64_t copies[] = { FAMFS_SB_OFFSET,
					   FAMFS_SB_BACKUP_OFFSET };
	struct famfs_sb_info sb;

	for (size_t i = 0; i < ARRAY_SIZE(copies); i++) {
		if (copies[i] >= len)
			break;
		/* another host may have rewritten it: read the memory */
		famfs_invalidate(p + copies[i], SB_SIZE);
		if (!famfs_sb_decode(p + copies[i], len - copies[i], &sb,
				     NULL))
			return !memcmp(sb.fs_uuid, l->fs_uuid,
				       sizeof(sb.fs_uuid));
	}
	return false;
}

/*
 * The device open as @fd is the filesystem of @l and holds all its runs.
 * *align gets the alignment its mappings need.
 */
static int check_device(int fd, const struct direct_layout *l,
			uint64_t *align)
{
	enum famfs_dev_kind kind;
	uint64_t size, len;
	uint8_t *p;
	bool same;

	if (dev_probe_fd(fd, &kind, &size, align))
		return -ENODEV;
	len = *align > HUGE_ALIGN ? *align : HUGE_ALIGN;
	if (size < len)
		return -ENODEV;
	for (uint32_t i = 0; i < l->nruns; i++)
		if (l->runs[i].offset > size ||
		    l->runs[i].len > size - l->runs[i].offset)
			return -ENODEV;
	p = direct_sys_mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	same = superblock_matches(p, len, l);
	direct_sys_munmap(p, len);
	return same ? 0 : -ENODEV;
}

/* One piece of the mapping: file bytes that are one run's bytes. */
struct piece {
	uint64_t file_off;
	uint64_t dev_off;
	uint64_t len;
};

/*
 * Cut [offset, offset + length) into pieces along the runs; -EINVAL when
 * a piece does not sit on the device alignment. Returns the count.
 */
static int cut_pieces(const struct direct_layout *l, uint64_t offset,
		      uint64_t length, uint64_t align, struct piece **out)
{
	uint64_t pos = 0, end = offset + length;
	struct piece *p = NULL;
	int n = 0;

	for (uint32_t i = 0; i < l->nruns && pos < end; i++) {
		uint64_t start = pos, stop = pos + l->runs[i].len;

		pos = stop;
		if (stop <= offset)
			continue;
		if (start < offset)
			start = offset;
		if (stop > end)
			stop = end;
		if (!p) {
			p = calloc(l->nruns - i, sizeof(*p));
			if (!p)
				return -ENOMEM;
		}
		p[n].file_off = start;
		p[n].dev_off = l->runs[i].offset + (start - (pos - l->runs[i].len));
		p[n].len = stop - start;
		if (p[n].dev_off % align || p[n].len % align) {
			free(p);
			return -EINVAL;
		}
		n++;
	}
	if (!n || pos < end) {
		free(p);
		return -EIO;	/* the runs do not cover the file's pages */
	}
	*out = p;
	return n;
}

/* The address range the pieces go to, and what was reserved for it. */
static int place(const struct direct_request *req, uint64_t length,
		 uint64_t first_dev_off, uint64_t align, uint8_t **base,
		 uint8_t **reserved, uint64_t *reserved_len)
{
	uint64_t huge = align > HUGE_ALIGN ? align : HUGE_ALIGN;
	int anon = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	uint8_t *r;

	*reserved = NULL;
	*reserved_len = 0;
	switch (req->where) {
	case DIRECT_FIXED:
		*base = req->addr;
		return 0;
	case DIRECT_FIXED_NOREPLACE:
		r = direct_sys_mmap(req->addr, length, PROT_NONE,
				    anon | MAP_FIXED_NOREPLACE, -1, 0);
		if (r == MAP_FAILED)
			return -errno;
		if (r != req->addr) {
			/* a kernel that took the flag for a hint */
			direct_sys_munmap(r, length);
			return -EEXIST;
		}
		*base = r;
		*reserved = r;
		*reserved_len = length;
		return 0;
	case DIRECT_ANYWHERE:
		break;
	}
	if (length > UINT64_MAX - huge)
		return -ENOMEM;
	r = direct_sys_mmap(NULL, length + huge, PROT_NONE, anon, -1, 0);
	if (r == MAP_FAILED)
		return -errno;
	*base = r + (first_dev_off % huge + huge - (uintptr_t)r % huge) % huge;
	*reserved = r;
	*reserved_len = length + huge;
	return 0;
}

static int map_pieces(const struct direct_request *req, int fd,
		      uint8_t *base, const struct piece *p, int n)
{
	int flags = req->map_type | MAP_FIXED | req->map_flags;

	for (int i = 0; i < n; i++) {
		void *at = base + (p[i].file_off - req->offset);

		if (direct_sys_mmap(at, p[i].len, req->prot, flags, fd,
				    p[i].dev_off) == MAP_FAILED)
			return -errno;
	}
	return 0;
}

int direct_map(const struct direct_layout *l, const struct direct_request *req,
	       void **addr, uint64_t *length_out)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), align, length;
	uint64_t file_pages = round_up(l->size, page), reserved_len;
	uint8_t *base = NULL, *reserved = NULL;
	struct piece *pieces = NULL;
	int fd, n, rc;

	if (req->offset % page || !req->length ||
	    (req->where != DIRECT_ANYWHERE && (uintptr_t)req->addr % page))
		return -EINVAL;
	length = round_up(req->length, page);
	if (req->offset >= file_pages || length > file_pages - req->offset ||
	    length < req->length)
		return -ENXIO;
	fd = open(l->device, (req->device_rdwr ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = check_device(fd, l, &align);
	if (rc)
		goto out;
	if (req->round_to_device)
		length = round_up(length, align);
	if (req->offset > l->mapped || length > l->mapped - req->offset) {
		rc = -EINVAL;	/* the allocation ends short of the alignment */
		goto out;
	}
	n = cut_pieces(l, req->offset, length, align, &pieces);
	if (n < 0) {
		rc = n;
		goto out;
	}
	rc = place(req, length, pieces[0].dev_off, align, &base, &reserved,
		   &reserved_len);
	if (rc)
		goto out;
	rc = map_pieces(req, fd, base, pieces, n);
	if (rc) {
		if (reserved)
			direct_sys_munmap(reserved, reserved_len);
		else
			direct_sys_munmap(base, length);
		goto out;
	}
	if (req->where == DIRECT_ANYWHERE) {
		/* give back what the alignment did not use */
		if (base > reserved)
			direct_sys_munmap(reserved, base - reserved);
		if (base + length < reserved + reserved_len)
			direct_sys_munmap(base + length,
					  reserved + reserved_len -
					  (base + length));
	}
	if (length >= HUGE_ALIGN)
		madvise(base, length, MADV_HUGEPAGE);	/* tmpfs huge=advise */
	*addr = base;
	*length_out = length;
out:
	free(pieces);
	close(fd);
	return rc;
}

int direct_hold(int fd, struct direct_hold *hold)
{
	long page = sysconf(_SC_PAGESIZE);

	hold->fd = -1;
	hold->addr = direct_sys_mmap(NULL, (size_t)page, PROT_NONE, MAP_PRIVATE,
				     fd, 0);
	if (hold->addr != MAP_FAILED)
		return 0;
	hold->addr = NULL;
	hold->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	return hold->fd < 0 ? -errno : 0;
}

void direct_release(struct direct_hold *hold)
{
	if (hold->addr)
		direct_sys_munmap(hold->addr, (size_t)sysconf(_SC_PAGESIZE));
	if (hold->fd >= 0)
		close(hold->fd);
	hold->addr = NULL;
	hold->fd = -1;
}
