// SPDX-License-Identifier: Apache-2.0
/*
 * The directory tree: lookups and attributes come from libfamfs; the
 * master's mkdir, chmod/chown and utimensat are log appends; name
 * changes are in names.c. Inode numbers are libfamfs's and never reused,
 * so the kernel's lookup counts need no bookkeeping here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "famfs_fused.h"

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fused *d = fused_of(req);
	struct fuse_entry_param e;
	struct famfs_stat fst;
	int rc;

	rc = meta_lookup(d, parent, name, &e);
	if (rc) {
		if (rc > 0)
			fuse_reply_entry(req, &e);
		else
			fuse_reply_err(req, -rc);
		return;
	}
	refresh_if_moved(d);
	/* fenced: the names may point at memory others own by now */
	rc = fenced(d) ? -EIO : famfs_lookup(d->fs, parent, name, &fst);
	if (rc == -ENOENT) {
		/* the kernel remembers the miss until told otherwise */
		fused_fill_negative(d, &e);
		fuse_reply_entry(req, &e);
		return;
	}
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	fused_fill_entry(d, &fst, &e);
	fuse_reply_entry(req, &e);
}

void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void)ino;
	(void)nlookup;
	fuse_reply_none(req);
}

/* Generated .meta files change size behind the kernel's back. */
static double attr_timeout_of(const struct fused *d, uint64_t ino)
{
	return meta_is_ino(ino) ? FUSED_SHORT_TIMEOUT : fused_timeout(d);
}

static int get_stat(struct fused *d, uint64_t ino, struct stat *st)
{
	struct famfs_stat fst;
	int rc;

	if (meta_is_ino(ino))
		return meta_getattr(d, ino, st);
	rc = famfs_getattr(d->fs, ino, &fst);
	if (!rc)
		fused_fill_stat(d, &fst, st);
	return rc;
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fused *d = fused_of(req);
	struct stat st;
	int rc;

	(void)fi;
	refresh_if_moved(d);
	/* fenced: the root and .meta stay, so .meta/.status can say why */
	rc = fenced(d) && !meta_is_ino(ino) && ino != FAMFS_ROOT_INO ?
		     -EIO : get_stat(d, ino, &st);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, attr_timeout_of(d, ino));
}

/* A time as utimensat(2) gave it, in ns ("now" when it said so). */
static uint64_t time_of(const struct timespec *ts, bool now)
{
	return now ? famfs_now_ns() :
		     (uint64_t)ts->tv_sec * 1000000000ULL +
			     (uint64_t)ts->tv_nsec;
}

/*
 * Times to log for a committed node on a version 2 master (mask bits,
 * values in *a). A file still being written keeps its modification time
 * in memory instead (set_pending): its commit entry carries it, so
 * every host shows that time; its access time becomes that time too.
 */
static uint32_t times_to_set(const struct fused *d,
			     const struct famfs_stat *fst,
			     const struct stat *attr, int to_set,
			     struct famfs_attr *a)
{
	uint32_t mask = 0;

	if (famfs_require_version(d->sb, FAMFS_FORMAT_V2))
		return 0;	/* version 1 keeps one time: accepted as ever */
	if (fst->state == FAMFS_NODE_PENDING)
		return 0;
	/*
	 * An unchanged time is not logged: the writeback-cache kernel
	 * sends the file's unchanged mtime after every rename of it (its
	 * ctime update), and the rename entry already set the ctime.
	 */
	if (to_set & FUSE_SET_ATTR_ATIME) {
		a->atime = time_of(&attr->st_atim,
				   to_set & FUSE_SET_ATTR_ATIME_NOW);
		if (a->atime != fst->atime)
			mask |= FAMFS_SETATTR_ATIME;
	}
	if (to_set & FUSE_SET_ATTR_MTIME) {
		a->mtime = time_of(&attr->st_mtim,
				   to_set & FUSE_SET_ATTR_MTIME_NOW);
		if (a->mtime != fst->mtime)
			mask |= FAMFS_SETATTR_MTIME;
	}
	return mask;
}

/* Mode and owner bits of @attr that change @fst; *mode: the new mode. */
static uint32_t ids_to_set(const struct famfs_stat *fst,
			   const struct stat *attr, int to_set,
			   uint32_t *mode)
{
	uint32_t mask = 0;

	*mode = (fst->mode & S_IFMT) | (attr->st_mode & 07777);
	if ((to_set & FUSE_SET_ATTR_MODE) && *mode != fst->mode)
		mask |= FAMFS_SETATTR_MODE;
	if ((to_set & FUSE_SET_ATTR_UID) && attr->st_uid != fst->uid)
		mask |= FAMFS_SETATTR_UID;
	if ((to_set & FUSE_SET_ATTR_GID) && attr->st_gid != fst->gid)
		mask |= FAMFS_SETATTR_GID;
	return mask;
}

/* What a pending file keeps in memory for its commit entry to carry. */
#define PENDING_KEEPS (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | \
		       FUSE_SET_ATTR_GID | FUSE_SET_ATTR_MTIME | \
		       FUSE_SET_ATTR_MTIME_NOW)

static int set_pending(struct fused *d, uint64_t ino,
		       const struct famfs_stat *fst, const struct stat *attr,
		       int to_set)
{
	uint32_t mode, mask = ids_to_set(fst, attr, to_set, &mode);
	int rc = 0;

	/*
	 * A kernel that caches writes (the master's writeback cache) keeps
	 * the file's modification time itself and sends it here when it
	 * writes back: the commit logs it, so every host shows that time.
	 */
	if (to_set & FUSE_SET_ATTR_MTIME)
		rc = famfs_pending_set_mtime(d->fs, ino,
			time_of(&attr->st_mtim,
				to_set & FUSE_SET_ATTR_MTIME_NOW));
	if (!rc && mask)
		rc = famfs_pending_setattr(d->fs, ino, mask, mode,
					   attr->st_uid, attr->st_gid);
	return rc;
}

/*
 * Size first (it can be refused), then one logged attributes change;
 * @fi is the handle of an ftruncate(2), else NULL.
 */
static int setattr_locked(struct fused *d, uint64_t ino,
			  const struct stat *attr, int to_set,
			  struct fuse_file_info *fi)
{
	struct famfs_attr a = { 0 };
	struct famfs_stat fst;
	uint32_t times;
	int rc;

	rc = famfs_getattr(d->fs, ino, &fst);
	if (rc)
		return rc;
	if ((to_set & FUSE_SET_ATTR_SIZE) &&
	    (uint64_t)attr->st_size != fst.size) {
		if (fst.type == FAMFS_NODE_DIR)
			return -EISDIR;
		file_resized_through(fi);
		/* committed: the size is fixed, unless it is still empty */
		if (fst.state != FAMFS_NODE_PENDING) {
			rc = file_make_growable(d, ino);
			if (rc)
				return rc;
		}
		rc = file_resize_pending(d, ino, (uint64_t)attr->st_size);
		/*
		 * The time (and a setuid bit cleared) of the same call go
		 * into the entry that commits the size: truncate(2) by path
		 * is one entry, not contents then attributes.
		 */
		if (!rc)
			rc = set_pending(d, ino, &fst, attr, to_set);
		to_set &= ~PENDING_KEEPS;
		if (!rc)
			rc = file_commit_unopened(d, ino);
		if (!rc)	/* the size change may have committed it */
			rc = famfs_getattr(d->fs, ino, &fst);
		if (rc)
			return rc;
	}
	if (fst.state == FAMFS_NODE_PENDING)
		return set_pending(d, ino, &fst, attr, to_set);
	a.mask = ids_to_set(&fst, attr, to_set, &a.mode);
	/* the root has no log entry: its times follow the entries in it */
	times = ino == FAMFS_ROOT_INO ? 0 :
		times_to_set(d, &fst, attr, to_set, &a);
	if (!a.mask && !times)
		return 0;
	/* mkfs made the root (root's, 0755): no log entry to change */
	if (ino == FAMFS_ROOT_INO)
		return -EPERM;
	a.uid = attr->st_uid;
	a.gid = attr->st_gid;
	a.mask |= times;
	return famfs_set_attr(d->fs, ino, &a, &fst);
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		int to_set, struct fuse_file_info *fi)
{
	struct fused *d = fused_of(req);
	uint64_t faults = sigbus_mark();
	struct stat st;
	int rc;

	if (meta_is_ino(ino) || !d->master) {
		fuse_reply_err(req, meta_is_ino(ino) ? fused_refusal(d) :
			       EROFS);
		return;
	}
	if (device_gone(d)) {
		fuse_reply_err(req, ENXIO);
		return;
	}
	pthread_mutex_lock(&d->lock);
	file_attrs_changed(d, ino);
	rc = setattr_locked(d, ino, attr, to_set, fi);
	pthread_mutex_unlock(&d->lock);
	if (!rc && sigbus_since(d, faults))
		rc = -EIO;	/* zeroing or logging met lost memory */
	if (!rc)
		rc = get_stat(d, ino, &st);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, attr_timeout_of(d, ino));
}

/*
 * Owner of a new entry: the caller, with the group of a setgid parent
 * (BSD semantics, as ext4 gives). Refuses names the daemon reserves.
 */
int new_entry_owner(struct fused *d, fuse_req_t req, uint64_t parent,
		    const char *name, uint32_t *mode, uint32_t *uid,
		    uint32_t *gid)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct famfs_stat pst;
	int rc;

	if (!d->master)
		return -EROFS;
	if (meta_is_ino(parent))
		return -EPERM;
	if (device_gone(d))
		return -ENXIO;
	if (parent == FAMFS_ROOT_INO && !strcmp(name, FAMFS_META_DIR))
		return -EEXIST;
	rc = famfs_getattr(d->fs, parent, &pst);
	if (rc)
		return rc;
	*uid = ctx->uid;
	*gid = ctx->gid;
	if (pst.mode & S_ISGID) {
		*gid = pst.gid;
		if (S_ISDIR(*mode))
			*mode |= S_ISGID;
	}
	return 0;
}

void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
	      mode_t mode, dev_t rdev)
{
	struct fused *d = fused_of(req);
	uint32_t fmode = S_IFREG | (mode & 07777), uid, gid;
	struct fuse_entry_param e;
	struct famfs_stat fst;
	int rc;

	(void)rdev;
	rc = new_entry_owner(d, req, parent, name, &fmode, &uid, &gid);
	if (!rc && !S_ISREG(mode))
		rc = -EPERM;	/* only regular files and directories */
	if (!rc) {
		bool created;

		/* no handle will ever close it: log it empty right away */
		pthread_mutex_lock(&d->lock);
		rc = famfs_pending_create(d->fs, parent, name, fmode, uid,
					  gid, &fst);
		created = !rc;
		if (!rc) {
			rc = famfs_pending_commit(d->fs, fst.ino);
			if (rc)
				famfs_pending_abandon(d->fs, fst.ino);
		}
		pthread_mutex_unlock(&d->lock);
		/* as op_create: the directory's time moved (or back) */
		if (created)
			notify_dir_changed(d, parent);
	}
	if (!rc)
		rc = famfs_getattr(d->fs, fst.ino, &fst);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	fused_fill_entry(d, &fst, &e);
	fuse_reply_entry(req, &e);
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
	      mode_t mode)
{
	struct fused *d = fused_of(req);
	uint32_t fmode = S_IFDIR | (mode & 07777), uid, gid;
	struct fuse_entry_param e;
	struct famfs_stat fst;
	int rc;

	uint64_t faults = sigbus_mark();

	rc = new_entry_owner(d, req, parent, name, &fmode, &uid, &gid);
	if (!rc)
		rc = famfs_mkdir(d->fs, parent, name, fmode, uid, gid, &fst);
	if (!rc && sigbus_since(d, faults))
		rc = -EIO;	/* the entry went into lost memory */
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	notify_dir_changed(d, parent);	/* as op_create */
	fused_fill_entry(d, &fst, &e);
	fuse_reply_entry(req, &e);
}

void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fused *d = fused_of(req);
	struct stat st;
	int rc;

	rc = get_stat(d, ino, &st);
	if (!rc && !S_ISDIR(st.st_mode))
		rc = -ENOTDIR;
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	fi->fh = 0;
	fuse_reply_open(req, fi);
}

/* Add one entry; false when the buffer is full. */
static bool add_entry(fuse_req_t req, char *buf, size_t size, size_t *used,
		      const char *name, const struct fuse_entry_param *e,
		      off_t next, bool plus)
{
	size_t n;

	if (plus)
		n = fuse_add_direntry_plus(req, buf + *used, size - *used,
					   name, e, next);
	else
		n = fuse_add_direntry(req, buf + *used, size - *used, name,
				      &e->attr, next);
	if (n > size - *used)
		return false;
	*used += n;
	return true;
}

/*
 * Offsets: 1 ".", 2 "..", 3 ".meta" (root only), then 3 + the library's
 * cookie, so a listing resumes where the kernel stopped.
 */
#define DIRENT_BASE 3

static size_t fill_dir(struct fused *d, fuse_req_t req, uint64_t ino,
		       char *buf, size_t size, off_t off, bool plus, int *err)
{
	char name[FAMFS_NAME_MAX + 1];
	struct famfs_stat self, parent, fst;
	struct fuse_entry_param e;
	uint64_t cookie;
	size_t used = 0;
	int rc;

	*err = famfs_getattr(d->fs, ino, &self);
	if (!*err)
		*err = famfs_getattr(d->fs, self.parent, &parent);
	if (*err)
		return 0;
	fused_fill_entry(d, &self, &e);
	if (off < 1 && !add_entry(req, buf, size, &used, ".", &e, 1, plus))
		return used;
	fused_fill_entry(d, &parent, &e);
	if (off < 2 && !add_entry(req, buf, size, &used, "..", &e, 2, plus))
		return used;
	if (off < 3 && ino == FAMFS_ROOT_INO) {
		meta_lookup(d, FAMFS_ROOT_INO, FAMFS_META_DIR, &e);
		if (!add_entry(req, buf, size, &used, FAMFS_META_DIR, &e, 3,
			       plus))
			return used;
	}
	cookie = off > DIRENT_BASE ? (uint64_t)off - DIRENT_BASE : 0;
	while ((rc = famfs_readdir(d->fs, ino, &cookie, name, &fst)) > 0) {
		fused_fill_entry(d, &fst, &e);
		if (!add_entry(req, buf, size, &used, name, &e,
			       (off_t)(cookie + DIRENT_BASE), plus))
			break;
	}
	if (rc < 0)
		*err = rc;
	return used;
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
		       off_t off, bool plus)
{
	struct fused *d = fused_of(req);
	size_t used;
	char *buf;
	int err = 0;

	buf = malloc(size);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (meta_is_ino(ino)) {
		used = meta_readdir(d, req, buf, size, off, plus);
	} else if (fenced(d)) {
		used = 0;
		err = -EIO;
	} else {
		if (off == 0)
			refresh_if_moved(d);
		used = fill_dir(d, req, ino, buf, size, off, plus, &err);
	}
	if (err && !used)
		fuse_reply_err(req, -err);
	else
		fuse_reply_buf(req, buf, used);
	free(buf);
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi)
{
	(void)fi;
	do_readdir(req, ino, size, off, false);
}

void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	(void)fi;
	do_readdir(req, ino, size, off, true);
}

void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct fused *d = fused_of(req);
	struct famfs_usage u;
	struct statvfs sv;
	uint64_t log_room;

	(void)ino;
	famfs_fs_usage(d->fs, &u);
	log_room = famfs_log_capacity_entries(u.log_len - u.log_used);
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = FUSED_MAX_IO;
	sv.f_frsize = 4096;
	sv.f_blocks = u.total_bytes / sv.f_frsize;
	sv.f_bfree = u.free_bytes / sv.f_frsize;
	sv.f_bavail = sv.f_bfree;
	/* inodes: one log entry each, so the log's room is what is free */
	sv.f_files = u.nfiles + u.ndirs + log_room;
	sv.f_ffree = log_room;
	sv.f_favail = log_room;
	sv.f_namemax = FAMFS_NAME_MAX;
	fuse_reply_statfs(req, &sv);
}
