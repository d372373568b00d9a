// SPDX-License-Identifier: Apache-2.0
/*
 * Device access: a regular file (the embedded default, /dev/shm/famfs0), a
 * devdax character device, or a pmem block device; the whole device is
 * mapped MAP_SHARED once.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"

static int sysfs_read_u64(unsigned int maj, unsigned int min,
			  const char *attr, uint64_t *val)
{
	char path[128], buf[64];
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/%s", maj, min, attr);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%" SCNu64, val) != 1)
		rc = -EINVAL;
	fclose(f);
	return rc;
}

/* A char device is devdax when sysfs says so; its size and align too. */
static int probe_dax(const struct stat *st, uint64_t *size, uint64_t *align)
{
	unsigned int maj = major(st->st_rdev), min = minor(st->st_rdev);
	char path[128], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u/subsystem", maj, min);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -ENODEV;
	link[n] = '\0';
	if (!strstr(link, "/dax"))
		return -ENODEV;
	if (sysfs_read_u64(maj, min, "size", size))
		return -ENODEV;
	if (sysfs_read_u64(maj, min, "align", align) || !*align)
		*align = FAMFS_ALLOC_UNIT;
	return 0;
}

int dev_probe_fd(int fd, enum famfs_dev_kind *kind, uint64_t *size,
		 uint64_t *align)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	*align = (uint64_t)sysconf(_SC_PAGESIZE);
	if (S_ISREG(st.st_mode)) {
		*kind = FAMFS_DEV_FILE;
		*size = (uint64_t)st.st_size;
	} else if (S_ISCHR(st.st_mode)) {
		*kind = FAMFS_DEV_DAX;
		return probe_dax(&st, size, align);
	} else if (S_ISBLK(st.st_mode)) {
		*kind = FAMFS_DEV_PMEM;
		if (ioctl(fd, BLKGETSIZE64, size))
			return -errno;
	} else if (S_ISDIR(st.st_mode)) {
		return -EISDIR;
	} else {
		return -ENODEV;
	}
	return 0;
}

int famfs_dev_open(const char *path, unsigned int flags, struct famfs_dev **out)
{
	bool rw = flags & FAMFS_DEV_RDWR;
	struct famfs_dev *dev;
	int rc;

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	dev->fd = -1;
	dev->path = strdup(path);
	dev->writable = rw;
	dev->fd = open(path, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (!dev->path || dev->fd < 0) {
		rc = dev->path ? -errno : -ENOMEM;
		goto fail;
	}
	rc = dev_probe_fd(dev->fd, &dev->kind, &dev->size, &dev->align);
	if (rc)
		goto fail;
	if (dev->size < FAMFS_ALLOC_UNIT) {
		/* too small to hold even a superblock unit: say so plainly */
		rc = -ENOSPC;
		goto fail;
	}
	dev->base = mmap(NULL, dev->size, PROT_READ | (rw ? PROT_WRITE : 0),
			 MAP_SHARED, dev->fd, 0);
	if (dev->base == MAP_FAILED) {
		dev->base = NULL;
		rc = -errno;
		goto fail;
	}
	*out = dev;
	return 0;
fail:
	famfs_dev_close(dev);
	return rc;
}

void famfs_dev_close(struct famfs_dev *dev)
{
	if (!dev)
		return;
	if (dev->base)
		munmap(dev->base, dev->size);
	if (dev->fd >= 0)
		close(dev->fd);
	free(dev->path);
	free(dev);
}

const char *famfs_dev_kind_name(enum famfs_dev_kind kind)
{
	switch (kind) {
	case FAMFS_DEV_FILE:
		return "file";
	case FAMFS_DEV_DAX:
		return "devdax";
	case FAMFS_DEV_PMEM:
		return "pmem";
	}
	return "unknown";
}

int famfs_dev_lock(struct famfs_dev *dev)
{
	while (flock(dev->fd, LOCK_EX))
		if (errno != EINTR)
			return -errno;
	return 0;
}

int famfs_dev_trylock(struct famfs_dev *dev)
{
	if (flock(dev->fd, LOCK_EX | LOCK_NB))
		return errno == EWOULDBLOCK ? -EWOULDBLOCK : -errno;
	return 0;
}

void famfs_dev_unlock(struct famfs_dev *dev)
{
	flock(dev->fd, LOCK_UN);
}
