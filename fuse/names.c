// SPDX-License-Identifier: Apache-2.0
/*
 * Name changes on the master (format version 2): unlink, rmdir, rename
 * (with RENAME_NOREPLACE and RENAME_EXCHANGE), symbolic links. libfamfs
 * checks each one as replay would, logs it, then applies it; memory a
 * deleted file leaves is reused only when no host can touch it.
 *
 * A pending file (still being written) is committed before a rename
 * moves it or replaces it, so the log never names a file it lacks.
 * Hard links: one node has one name in the log's paths, so link(2) is
 * refused with EPERM (famfs_fused(8)).
 *
 * Locking: d->lock is held across each change, as for commits, so an
 * open file's pending state and the namespace change together.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "famfs_fused.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#endif

int fused_version2_only(struct fused *d, const char *what)
{
	static bool said;

	if (d->sb->version >= 2)
		return 0;
	if (!__atomic_exchange_n(&said, true, __ATOMIC_RELAXED))
		fused_log(LOG_WARNING, "%s: format version 1 does not support "
			  "%s (nor deleting, renaming, symbolic links, times "
			  "or resizing); reformat with mkfs.famfs",
			  d->device, what);
	return -EOPNOTSUPP;
}

/* Why this daemon cannot change the namespace at @parent, or 0. */
static int change_refusal(struct fused *d, uint64_t parent, const char *what)
{
	if (!d->master)
		return -EROFS;
	if (meta_is_ino(parent))
		return -EPERM;
	if (fenced(d))
		return -EIO;
	if (device_gone(d))
		return -ENXIO;
	return fused_version2_only(d, what);
}

/* The node @name under @parent names, or 0 when there is none. */
static uint64_t ino_of(struct fused *d, uint64_t parent, const char *name)
{
	struct famfs_stat fst;

	return famfs_lookup(d->fs, parent, name, &fst) ? 0 : fst.ino;
}

static void do_unlink(fuse_req_t req, fuse_ino_t parent, const char *name,
		      bool dir)
{
	struct fused *d = fused_of(req);
	uint64_t ino;
	int rc;

	rc = change_refusal(d, parent, dir ? "removing directories" :
					     "deleting files");
	if (!rc && parent == FAMFS_ROOT_INO && !strcmp(name, FAMFS_META_DIR))
		rc = -EPERM;
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	pthread_mutex_lock(&d->lock);
	ino = ino_of(d, parent, name);
	rc = famfs_unlink(d->fs, parent, name, dir);
	/* an open file deleted: whatever it was being given is dropped */
	if (!rc && ino)
		file_node_sync(d, ino);
	pthread_mutex_unlock(&d->lock);
	/*
	 * The directory's times moved (forward for a logged entry, back
	 * for a file never logged): as at a create, an answer about it
	 * read before must not be cached. (The kernel marks the removed
	 * node newer itself.)
	 */
	if (!rc)
		notify_dir_changed(d, parent);
	fuse_reply_err(req, -rc);
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	do_unlink(req, parent, name, false);
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	do_unlink(req, parent, name, true);
}

void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
	       fuse_ino_t newparent, const char *newname, unsigned int flags)
{
	struct fused *d = fused_of(req);
	uint32_t famfs_flags = 0;
	uint64_t from, to;
	int rc;

	rc = change_refusal(d, parent, "renaming");
	if (!rc && meta_is_ino(newparent))
		rc = -EPERM;
	if (!rc && ((parent == FAMFS_ROOT_INO &&
		     !strcmp(name, FAMFS_META_DIR)) ||
		    (newparent == FAMFS_ROOT_INO &&
		     !strcmp(newname, FAMFS_META_DIR))))
		rc = -EPERM;
	/* RENAME_WHITEOUT and anything newer: not for this filesystem */
	if (!rc && (flags & ~(unsigned int)(RENAME_NOREPLACE |
					    RENAME_EXCHANGE)))
		rc = -EINVAL;
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	if (flags & RENAME_NOREPLACE)
		famfs_flags |= FAMFS_RENAME_NOREPLACE;
	if (flags & RENAME_EXCHANGE)
		famfs_flags |= FAMFS_RENAME_EXCHANGE;
	pthread_mutex_lock(&d->lock);
	from = ino_of(d, parent, name);
	to = ino_of(d, newparent, newname);
	/* the log must have both before it can move or replace them */
	rc = from ? file_commit_pending(d, from) : -ENOENT;
	if (!rc && to)
		rc = file_commit_pending(d, to);
	if (!rc)
		rc = famfs_rename(d->fs, parent, name, newparent, newname,
				  famfs_flags);
	if (!rc && to && !(flags & RENAME_EXCHANGE))
		file_node_sync(d, to);
	pthread_mutex_unlock(&d->lock);
	/*
	 * Both directories' times and the moved nodes' ctimes changed; the
	 * kernel marks a replaced node newer itself, the others not.
	 */
	if (!rc) {
		notify_dir_changed(d, parent);
		if (newparent != parent)
			notify_dir_changed(d, newparent);
		notify_attrs_now(d, from);
		if (to && (flags & RENAME_EXCHANGE))
			notify_attrs_now(d, to);
	}
	fuse_reply_err(req, -rc);
}

void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		const char *name)
{
	struct fused *d = fused_of(req);
	uint32_t mode = S_IFLNK | 0777, uid, gid;
	struct fuse_entry_param e;
	struct famfs_stat fst;
	int rc;

	rc = change_refusal(d, parent, "symbolic links");
	if (!rc)
		rc = new_entry_owner(d, req, parent, name, &mode, &uid, &gid);
	if (!rc)
		rc = famfs_symlink(d->fs, parent, name, link, uid, gid, &fst);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	notify_dir_changed(d, parent);	/* as op_create */
	fused_fill_entry(d, &fst, &e);
	fuse_reply_entry(req, &e);
}

void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct fused *d = fused_of(req);
	char target[FAMFS_SYMLINK_MAX + 1];
	int rc;

	if (meta_is_ino(ino)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	rc = famfs_readlink(d->fs, ino, target, sizeof(target));
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_readlink(req, target);
}

/* One name per node in the log's paths: no hard links (EPERM, as FAT). */
void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
	     const char *newname)
{
	struct fused *d = fused_of(req);

	(void)ino;
	(void)newparent;
	(void)newname;
	fuse_reply_err(req, d->master ? EPERM : EROFS);
}
