// SPDX-License-Identifier: Apache-2.0
/*
 * Creating a famfs file the way every tool on the master does: through
 * the mount, with ordinary system calls. The daemon holds the append
 * lock; it allocates as the file is sized and commits it to the log when
 * its last writer closes it. Interleave is asked for with an xattr before
 * the file has any space.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "famfs_ioctl.h"

#define INTERLEAVE_XATTR "user.famfs.interleave"

static int set_interleave(int fd, const char *path,
			  const struct famfs_interleave *il)
{
	char val[64];
	int len;

	len = snprintf(val, sizeof(val), "%" PRIu32 ",%" PRIu32 ",%" PRIu64,
		       il->nstrips, il->nbuckets, il->chunk_size);
	if (fsetxattr(fd, INTERLEAVE_XATTR, val, (size_t)len, 0) == 0)
		return 0;
	if (errno == ENOTSUP || errno == EOPNOTSUPP || errno == ENODATA)
		cli_error(path, "interleave not supported by this mount");
	else if (errno == EINVAL)
		cli_error(path, "interleave %s refused by the mount", val);
	else
		cli_error(path, "interleave: %s", cli_strerror(errno));
	return -errno;
}

/* The directory that will hold @path ("." for a bare name). */
static int parent_dir(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(dir, len, ".");
	else if ((size_t)(slash - path) >= len)
		return -ENAMETOOLONG;
	else
		snprintf(dir, len, "%.*s",
			 slash == path ? 1 : (int)(slash - path), path);
	return 0;
}

/*
 * Ask the mount first: once the file exists it cannot be taken back (no
 * unlink yet), so an unsupported interleave must fail before open. Every
 * famfs_fused that answers the status ioctl takes the interleave
 * attribute. (The daemon does not answer getxattr at all: once the kernel
 * knows that, writes stop costing a security.capability round trip.)
 */
static int interleave_supported(const char *path)
{
	struct famfs_ioc_status st;
	char dir[PATH_MAX];
	int fd, rc = parent_dir(path, dir, sizeof(dir));

	if (rc)
		return rc;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;	/* the create itself will say why */
	if (ioctl(fd, FAMFS_IOC_STATUS, &st)) {
		cli_error(path, "interleave not supported by this mount");
		rc = -EOPNOTSUPP;
	}
	close(fd);
	return rc;
}

/*
 * Refuse what cannot fit before the file exists: a failed allocation
 * would leave an empty file behind (famfs has no unlink yet).
 */
static int room_for(const char *path, uint64_t size)
{
	char dir[PATH_MAX];
	struct statvfs vfs;
	uint64_t need, avail;

	if (parent_dir(path, dir, sizeof(dir)))
		return -ENAMETOOLONG;
	if (statvfs(dir, &vfs))
		return 0;	/* let the create itself report it */
	need = (size + FAMFS_ALLOC_UNIT - 1) / FAMFS_ALLOC_UNIT *
	       FAMFS_ALLOC_UNIT;
	avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (need <= avail)
		return 0;
	cli_error(path, "no room for %" PRIu64 " bytes (%" PRIu64 " free)",
		  size, avail);
	return -ENOSPC;
}

/*
 * An interleaved file needs a strip in each of nstrips buckets, which may
 * fail with plenty of space free: plan it on the log's view of the device
 * first (the daemon's uncommitted files are not in it, so this only
 * catches what cannot fit even now).
 */
static int interleave_fits(const char *path, const struct cli_target *t,
			   uint64_t size, const struct famfs_interleave *il)
{
	struct famfs_extent strips[64];
	struct famfs_fs *fs;
	int rc;

	if (!size || cli_target_open(t, &fs))
		return 0;	/* nothing to plan, or the create will say */
	famfs_fs_refresh(fs, NULL, false, NULL, NULL);
	rc = famfs_alloc_interleaved(fs, size, il, strips);
	if (rc == 0) {
		famfs_alloc_release(fs, strips, il->nstrips);
		return 0;
	}
	cli_error(path, "no room for %" PRIu64 " bytes with this interleave",
		  size);
	return rc;
}

static int set_size(int fd, uint64_t size)
{
	if (!size)
		return 0;
	if (fallocate(fd, 0, 0, (off_t)size) == 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != ENOSYS)
		return -errno;
	return ftruncate(fd, (off_t)size) ? -errno : 0;
}

int cli_newfile_existing(const char *path, uint64_t *size, bool any_size)
{
	struct cli_target t;
	struct stat st;

	if (stat(path, &st)) {
		if (errno == ENOENT)
			return 0;	/* to be created (which says why not) */
		cli_error(path, "%s", cli_strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		cli_error(path, "exists and is not a regular file");
		return -EEXIST;
	}
	if (cli_target_find(path, &t)) {
		cli_error(path, "not in a famfs mount");
		return -ENOENT;
	}
	if (!any_size && (uint64_t)st.st_size != *size) {
		cli_error(path, "exists with a different size (%" PRIu64
			  " bytes, not %" PRIu64 ")", (uint64_t)st.st_size,
			  *size);
		return -EEXIST;
	}
	*size = (uint64_t)st.st_size;
	return 1;
}

int cli_newfile_create(const char *path, uint64_t size,
		       const struct cli_newfile *nf)
{
	struct cli_target t;
	int fd, rc;

	rc = cli_target_find(path, &t);
	if (rc) {
		cli_error(path, "%s", rc == -ENOENT ?
			  "not in a famfs mount" : strerror(-rc));
		return rc;
	}
	rc = room_for(path, size);
	if (rc)
		return rc;
	if (nf->il.nstrips) {
		rc = interleave_supported(path);
		if (!rc)
			rc = interleave_fits(path, &t, size, &nf->il);
		if (rc)
			return rc;
	}
	fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, nf->mode);
	if (fd < 0) {
		rc = -errno;
		cli_error(path, "%s", cli_strerror(rc));
		return rc;
	}
	if (nf->il.nstrips) {
		rc = set_interleave(fd, path, &nf->il);
		if (rc)
			goto out;
	}
	/* exact bits when asked for: the umask applied to open() */
	if (nf->set_mode && fchmod(fd, nf->mode)) {
		rc = -errno;
		cli_error(path, "chmod: %s", cli_strerror(rc));
		goto out;
	}
	if ((nf->set_uid || nf->set_gid) &&
	    fchown(fd, nf->set_uid ? nf->uid : (uid_t)-1,
		   nf->set_gid ? nf->gid : (gid_t)-1)) {
		rc = -errno;
		cli_error(path, "chown: %s", cli_strerror(rc));
		goto out;
	}
	rc = set_size(fd, size);
	if (rc) {
		if (rc == -EFBIG || rc == -ENOSPC)
			cli_error(path, "no room for %" PRIu64 " bytes%s", size,
				  nf->il.nstrips ? " with this interleave" :
						   "");
		else
			cli_error(path, "%s", cli_strerror(rc));
	}
	/* commit now, even when empty (the last close would wait a moment) */
	if (!rc && ioctl(fd, FAMFS_IOC_COMMIT) && errno != ENOTTY) {
		rc = -errno;
		cli_error(path, "commit: %s", cli_strerror(rc));
	}
out:
	/* close() is the commit: its error is the file's */
	if (close(fd) && !rc) {
		rc = -errno;
		cli_error(path, "commit: %s", cli_strerror(rc));
	}
	return rc;
}
