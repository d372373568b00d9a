// SPDX-License-Identifier: Apache-2.0
/*
 * Where a famfs file lives on its device, asked of the daemon that serves
 * it (FAMFS_IOC_LAYOUT on the open file), so a direct mapping covers
 * exactly the memory the daemon serves for that file. The device is the
 * one the mount table names for the file's mount.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "direct.h"
#include "famfs_ioctl.h"

#define FUSE_SUPER_MAGIC 0x65735546
/* a layout that changes under every read is not worth chasing */
#define LAYOUT_TRIES 4

/* A regular file on some FUSE mount: the cheap test before mountinfo. */
static int check_fuse_file(int fd)
{
	struct statfs sfs;
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -ENOTTY;
	if (fstatfs(fd, &sfs))
		return -errno;
	return sfs.f_type == FUSE_SUPER_MAGIC ? 0 : -ENOTTY;
}

/* One pass over the daemon's replies; -EAGAIN when the layout moved. */
static int read_runs(int fd, struct famfs_ioc_layout *reply,
		     struct direct_layout *l)
{
	uint64_t pos = 0;
	uint32_t crc = 0, have = 0;

	do {
		memset(reply, 0, sizeof(*reply));
		reply->pos = pos;
		if (ioctl(fd, FAMFS_IOC_LAYOUT, reply))
			return errno == EINVAL && pos ? -EAGAIN : -errno;
		if (!pos) {
			l->size = reply->size;
			l->mapped = reply->mapped;
			crc = reply->crc;
			memcpy(l->fs_uuid, reply->fs_uuid, sizeof(l->fs_uuid));
			free(l->runs);
			l->runs = calloc(reply->total_runs ? reply->total_runs
							   : 1,
					 sizeof(*l->runs));
			if (!l->runs)
				return -ENOMEM;
			l->nruns = reply->total_runs;
		} else if (reply->crc != crc || reply->mapped != l->mapped ||
			   reply->size != l->size ||
			   reply->total_runs != l->nruns) {
			return -EAGAIN;
		}
		if (!reply->nruns && pos < l->mapped)
			return -EAGAIN;	/* a reply that makes no progress */
		for (uint32_t i = 0; i < reply->nruns; i++) {
			if (have == l->nruns || !reply->runs[i].len)
				return -EAGAIN;
			l->runs[have].offset = reply->runs[i].dev_offset;
			l->runs[have].len = reply->runs[i].len;
			pos += reply->runs[i].len;
			have++;
		}
	} while (pos < l->mapped);
	/* what was pieced together is the list the CRC describes */
	if (have != l->nruns || pos != l->mapped ||
	    famfs_crc32c(0, l->runs, have * sizeof(*l->runs)) != crc)
		return -EAGAIN;
	return 0;
}

int direct_layout_get(int fd, struct direct_layout *l)
{
	struct famfs_mount_info *mi = NULL;
	struct famfs_ioc_layout *reply = NULL;
	int rc, tries = 0;

	memset(l, 0, sizeof(*l));
	rc = check_fuse_file(fd);
	if (rc)
		return rc;
	mi = malloc(sizeof(*mi));
	reply = malloc(sizeof(*reply));
	if (!mi || !reply) {
		rc = -ENOMEM;
		goto out;
	}
	rc = famfs_mount_of_fd(fd, mi);
	if (rc) {
		rc = rc == -ENOENT ? -ENOTTY : rc;
		goto out;
	}
	do
		rc = read_runs(fd, reply, l);
	while (rc == -EAGAIN && ++tries < LAYOUT_TRIES);
	if (!rc && !l->size)
		rc = -ENODATA;
	if (!rc && l->mapped < l->size)
		rc = -EIO;	/* a daemon that contradicts itself */
	if (!rc) {
		l->device = strdup(mi->device);
		if (!l->device)
			rc = -ENOMEM;
	}
out:
	free(mi);
	free(reply);
	if (rc)
		direct_layout_free(l);
	return rc;
}

void direct_layout_free(struct direct_layout *l)
{
	free(l->runs);
	free(l->device);
	memset(l, 0, sizeof(*l));
}
