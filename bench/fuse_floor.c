// SPDX-License-Identifier: Apache-2.0
/*
 * fuse_floor: the control for the speed rows through the famfs mount. A
 * FUSE daemon that does as little as a daemon can per request (names in
 * one hash table, file bytes in one anonymous mapping: floor_store.c;
 * reads answered with an iovec into it, writes copied in as famfs_fused
 * copies) while the kernel sees what it sees of famfs_fused on a master
 * mount: the same libfuse, INIT capabilities, request sizes, readahead,
 * mount options, open flags, cache timeouts and threads. What this daemon
 * loses against tmpfs is the kernel's FUSE path and its wake-ups, which
 * no daemon in that configuration avoids; famfs_fused's distance from
 * it is the daemon's own work (bench/floor.sh, results.md section 9).
 * It sends no notifications: famfs's after a commit drop a written
 * file's page cache before the next open has to (results.md).
 *
 * usage: fuse_floor [-d] [-f] [-s] [-o direct_io] MOUNTPOINT
 *   -d           print FUSE traffic (libfuse's -d; implies -f)
 *   -f           stay in the foreground (else: back once mounted)
 *   -s           serve requests from one thread (famfs_fused -s)
 *   -o direct_io as famfs_fused -o direct_io: no page cache for data
 * Unmount with umount(8) or fusermount3 -u; everything is then gone.
 */
#define FUSE_USE_VERSION 317

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "famfs.h"
#include "floor_store.h"

/* famfs_fused's values (fuse/famfs_fused.h): its request ceiling ... */
#define FLOOR_MAX_IO (1U << 20)
/* ... and the master's entry and attribute timeout once notify works */
#define FLOOR_TIMEOUT 86400.0
#define FLOOR_SUBTYPE "famfs_floor"
/* readdir offsets 1 and 2 are "." and ".."; entries follow by inode */
#define DIRENT_BASE 2

static bool direct_io;

static void fill_stat(const struct node *n, struct stat *st)
{
	uint64_t size = __atomic_load_n(&n->size, __ATOMIC_ACQUIRE);

	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_mode = n->mode;
	st->st_nlink = n->nlink;
	st->st_uid = n->uid;
	st->st_gid = n->gid;
	st->st_size = (off_t)size;
	st->st_blocks = (blkcnt_t)((size + PAGE_BYTES - 1) / PAGE_BYTES *
				   (PAGE_BYTES / 512));
	st->st_blksize = FLOOR_MAX_IO;
	st->st_atim = n->atime;
	st->st_mtim = n->mtime;
	st->st_ctim = n->ctime;
}

static void fill_entry(const struct node *n, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = n->ino;
	e->generation = 1;
	e->attr_timeout = FLOOR_TIMEOUT;
	e->entry_timeout = FLOOR_TIMEOUT;
	fill_stat(n, &e->attr);
}

static void floor_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* famfs_fused's op_init and writeback_init, for a master mount */
	conn->max_write = FLOOR_MAX_IO;
	conn->max_readahead = FLOOR_MAX_IO;
	fuse_unset_feature_flag(conn, FUSE_CAP_ATOMIC_O_TRUNC);
	fuse_unset_feature_flag(conn, FUSE_CAP_WRITEBACK_CACHE);
	fuse_set_feature_flag(conn, FUSE_CAP_IOCTL_DIR);
	if (!direct_io)
		fuse_set_feature_flag(conn, FUSE_CAP_WRITEBACK_CACHE);
	fuse_set_feature_flag(conn, FUSE_CAP_DIRECT_IO_ALLOW_MMAP);
	conn->time_gran = 1;
}

static void floor_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	struct node *dir, *n;

	pthread_rwlock_rdlock(&store.lock);
	dir = node_of(parent);
	n = dir ? child_of(dir, name) : NULL;
	if (n) {
		fill_entry(n, &e);
	} else {
		/* a negative entry, cached as long as famfs's */
		memset(&e, 0, sizeof(e));
		e.entry_timeout = FLOOR_TIMEOUT;
	}
	pthread_rwlock_unlock(&store.lock);
	if (!dir)
		fuse_reply_err(req, ENOENT);
	else
		fuse_reply_entry(req, &e);
}

static void floor_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	(void)ino;
	(void)nlookup;
	fuse_reply_none(req);	/* nodes live as long as the mount */
}

static void floor_forget_multi(fuse_req_t req, size_t count,
			       struct fuse_forget_data *forgets)
{
	(void)count;
	(void)forgets;
	fuse_reply_none(req);
}

static void floor_getattr(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct node *n;
	struct stat st;

	(void)fi;
	pthread_rwlock_rdlock(&store.lock);
	n = node_of(ino);
	if (n)
		fill_stat(n, &st);
	pthread_rwlock_unlock(&store.lock);
	if (n)
		fuse_reply_attr(req, &st, FLOOR_TIMEOUT);
	else
		fuse_reply_err(req, ENOENT);
}

static struct timespec time_of(const struct timespec *given, bool now)
{
	struct timespec t;

	if (!now)
		return *given;
	clock_gettime(CLOCK_REALTIME, &t);
	return t;
}

static void floor_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			  int valid, struct fuse_file_info *fi)
{
	struct node *n;
	struct stat st;
	int rc = 0;

	(void)fi;
	pthread_rwlock_wrlock(&store.lock);
	n = node_of(ino);
	if (!n)
		rc = -ENOENT;
	else if ((valid & FUSE_SET_ATTR_SIZE) && S_ISDIR(n->mode))
		rc = -EISDIR;
	else if (valid & FUSE_SET_ATTR_SIZE)
		rc = resize(n, (uint64_t)attr->st_size);
	if (!rc) {
		if (valid & FUSE_SET_ATTR_MODE)
			n->mode = (n->mode & S_IFMT) | (attr->st_mode & 07777);
		if (valid & FUSE_SET_ATTR_UID)
			n->uid = attr->st_uid;
		if (valid & FUSE_SET_ATTR_GID)
			n->gid = attr->st_gid;
		if (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_ATIME_NOW))
			n->atime = time_of(&attr->st_atim,
					   valid & FUSE_SET_ATTR_ATIME_NOW);
		if (valid & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW))
			n->mtime = time_of(&attr->st_mtim,
					   valid & FUSE_SET_ATTR_MTIME_NOW);
		if (valid & FUSE_SET_ATTR_CTIME)
			n->ctime = attr->st_ctim;
		else
			n->ctime = time_of(NULL, true);
		fill_stat(n, &st);
	}
	pthread_rwlock_unlock(&store.lock);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, FLOOR_TIMEOUT);
}

/* A new name in @parent, owned by the caller; write lock held. */
static int new_entry(fuse_req_t req, fuse_ino_t parent, const char *name,
		     uint32_t mode, struct node **out)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	return make_node(parent, name, mode, ctx->uid, ctx->gid, out);
}

static void reply_new(fuse_req_t req, fuse_ino_t parent, const char *name,
		      uint32_t mode)
{
	struct fuse_entry_param e;
	struct node *n;
	int rc;

	pthread_rwlock_wrlock(&store.lock);
	rc = new_entry(req, parent, name, mode, &n);
	if (!rc)
		fill_entry(n, &e);
	pthread_rwlock_unlock(&store.lock);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_entry(req, &e);
}

static void floor_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
			mode_t mode, dev_t rdev)
{
	(void)rdev;
	if (!S_ISREG(mode)) {
		fuse_reply_err(req, EPERM);	/* files and directories only */
		return;
	}
	reply_new(req, parent, name, mode);
}

static void floor_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
			mode_t mode)
{
	reply_new(req, parent, name, S_IFDIR | (mode & 07777));
}

/* An open file keeps its bytes until its last release; write lock held. */
static int remove_entry(fuse_ino_t parent, const char *name, bool dir_wanted)
{
	struct node *n;
	int rc = remove_name(parent, name, dir_wanted, &n);

	if (!rc && !n->opens)
		drop_data(n);
	return rc;
}

static void floor_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	int rc;

	pthread_rwlock_wrlock(&store.lock);
	rc = remove_entry(parent, name, false);
	pthread_rwlock_unlock(&store.lock);
	fuse_reply_err(req, -rc);
}

static void floor_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	int rc;

	pthread_rwlock_wrlock(&store.lock);
	rc = remove_entry(parent, name, true);
	pthread_rwlock_unlock(&store.lock);
	fuse_reply_err(req, -rc);
}

/* famfs_fused's open flags for a page-cache or direct_io master mount */
static void set_open_flags(struct fuse_file_info *fi, fuse_ino_t ino)
{
	fi->fh = ino;
	fi->keep_cache = 0;
	fi->direct_io = direct_io;
	fi->noflush = (fi->flags & O_ACCMODE) == O_RDONLY;
}

static void floor_open(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct node *n;
	int rc = 0;

	pthread_rwlock_wrlock(&store.lock);
	n = node_of(ino);
	if (!n)
		rc = -ENOENT;
	else if (S_ISDIR(n->mode))
		rc = -EISDIR;
	else
		n->opens++;
	pthread_rwlock_unlock(&store.lock);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	set_open_flags(fi, ino);
	fuse_reply_open(req, fi);
}

static void floor_create(fuse_req_t req, fuse_ino_t parent, const char *name,
			 mode_t mode, struct fuse_file_info *fi)
{
	struct fuse_entry_param e;
	struct node *n;
	int rc;

	pthread_rwlock_wrlock(&store.lock);
	rc = new_entry(req, parent, name, S_IFREG | (mode & 07777), &n);
	if (!rc) {
		n->opens++;
		fill_entry(n, &e);
	}
	pthread_rwlock_unlock(&store.lock);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	set_open_flags(fi, n->ino);
	fuse_reply_create(req, &e, fi);
}

/* One iovec into the arena: the kernel copies from it, we copy nothing. */
static void floor_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct iovec iov = { 0 };
	struct node *n;
	uint64_t end;

	(void)fi;
	/* held across the reply: a growing file may move */
	pthread_rwlock_rdlock(&store.lock);
	n = node_of(ino);
	end = n ? __atomic_load_n(&n->size, __ATOMIC_ACQUIRE) : 0;
	if ((uint64_t)off < end) {
		iov.iov_base = store.arena + n->data + off;
		iov.iov_len = end - (uint64_t)off < size ?
			      end - (uint64_t)off : size;
	}
	fuse_reply_iov(req, &iov, 1);
	pthread_rwlock_unlock(&store.lock);
}

/* Copy the request's bytes to @to, as famfs_fused copies them. */
static ssize_t copy_in(uint8_t *to, struct fuse_bufvec *bufv, size_t len)
{
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(len);

	if (bufv->count == 1 && !(bufv->buf[0].flags & FUSE_BUF_IS_FD)) {
		famfs_copy_to_device(to, (const char *)bufv->buf[0].mem +
						 bufv->off, len);
		return (ssize_t)len;
	}
	dst.buf[0].mem = to;
	return fuse_buf_copy(&dst, bufv, 0);
}

/* Raise the size to @end; under the read lock, writers may race. */
static void raise_size(struct node *n, uint64_t end)
{
	uint64_t size = __atomic_load_n(&n->size, __ATOMIC_RELAXED);

	while (size < end &&
	       !__atomic_compare_exchange_n(&n->size, &size, end, false,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

/*
 * Writes within the file's room run side by side under the read lock,
 * as famfs_fused's do (the kernel's writeback sends several at once);
 * only a file that must grow or move takes the write lock. Times are
 * the kernel's (writeback cache) or setattr's: writes leave them.
 */
static void floor_write_buf(fuse_req_t req, fuse_ino_t ino,
			    struct fuse_bufvec *bufv, off_t off,
			    struct fuse_file_info *fi)
{
	size_t len = fuse_buf_size(bufv);
	uint64_t end = (uint64_t)off + len;
	ssize_t copied = -ENOENT;
	struct node *n;
	int rc = 0;

	(void)fi;
	pthread_rwlock_rdlock(&store.lock);
	n = node_of(ino);
	if (n && end <= n->capacity &&
	    (uint64_t)off <= __atomic_load_n(&n->size, __ATOMIC_ACQUIRE)) {
		copied = copy_in(store.arena + n->data + off, bufv, len);
		if (copied > 0)
			raise_size(n, (uint64_t)off + (uint64_t)copied);
		pthread_rwlock_unlock(&store.lock);
		goto reply;
	}
	pthread_rwlock_unlock(&store.lock);
	pthread_rwlock_wrlock(&store.lock);
	n = node_of(ino);
	rc = n ? reserve_write(n, (uint64_t)off, len) : -ENOENT;
	if (!rc) {
		copied = copy_in(store.arena + n->data + off, bufv, len);
		if (copied > 0 && (uint64_t)off + (uint64_t)copied > n->size)
			n->size = (uint64_t)off + (uint64_t)copied;
	}
	pthread_rwlock_unlock(&store.lock);
reply:
	if (rc)
		fuse_reply_err(req, -rc);
	else if (copied < 0)
		fuse_reply_err(req, (int)-copied);
	else
		fuse_reply_write(req, (size_t)copied);
}

static void floor_flush(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

static void floor_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
			struct fuse_file_info *fi)
{
	(void)ino;
	(void)datasync;
	(void)fi;
	fuse_reply_err(req, 0);
}

static void floor_release(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct node *n;

	(void)fi;
	pthread_rwlock_wrlock(&store.lock);
	n = node_of(ino);
	if (n && !--n->opens && !n->nlink)
		drop_data(n);
	pthread_rwlock_unlock(&store.lock);
	fuse_reply_err(req, 0);
}

static void floor_opendir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct node *n;

	pthread_rwlock_rdlock(&store.lock);
	n = node_of(ino);
	pthread_rwlock_unlock(&store.lock);
	if (!n || !S_ISDIR(n->mode)) {
		fuse_reply_err(req, n ? ENOTDIR : ENOENT);
		return;
	}
	fi->fh = 0;
	fuse_reply_open(req, fi);
}

/* Add one entry at @used; false when it does not fit. */
static bool add_dirent(fuse_req_t req, char *buf, size_t size, size_t *used,
		       const char *name, const struct node *n, off_t next,
		       bool plus)
{
	struct fuse_entry_param e;
	size_t len;

	fill_entry(n, &e);
	if (plus)
		len = fuse_add_direntry_plus(req, buf + *used, size - *used,
					     name, &e, next);
	else
		len = fuse_add_direntry(req, buf + *used, size - *used, name,
					&e.attr, next);
	if (len > size - *used)
		return false;
	*used += len;
	return true;
}

static void list_dir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		     bool plus)
{
	char *buf = malloc(size);
	struct node *dir, *n;
	size_t used = 0;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_rwlock_rdlock(&store.lock);
	dir = node_of(ino);
	if (!dir || !S_ISDIR(dir->mode))
		goto out;
	if (off < 1 && !add_dirent(req, buf, size, &used, ".", dir, 1, plus))
		goto out;
	if (off < 2 && !add_dirent(req, buf, size, &used, "..",
				   dir->parent ? dir->parent : dir, 2, plus))
		goto out;
	/* resume after the last inode listed: names may go meanwhile */
	for (n = dir->first_child; n; n = n->next_sibling) {
		off_t next = (off_t)(n->ino + DIRENT_BASE);

		if (next <= off)
			continue;
		if (!add_dirent(req, buf, size, &used, n->name, n, next, plus))
			break;
	}
out:
	pthread_rwlock_unlock(&store.lock);
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void floor_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			  off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	list_dir(req, ino, size, off, false);
}

static void floor_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			      off_t off, struct fuse_file_info *fi)
{
	(void)fi;
	list_dir(req, ino, size, off, true);
}

static void floor_releasedir(fuse_req_t req, fuse_ino_t ino,
			     struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	fuse_reply_err(req, 0);
}

static void floor_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs sv;

	(void)ino;
	memset(&sv, 0, sizeof(sv));
	sv.f_bsize = FLOOR_MAX_IO;
	sv.f_frsize = PAGE_BYTES;
	sv.f_blocks = ARENA_BYTES / PAGE_BYTES;
	sv.f_bfree = (ARENA_BYTES - store.arena_used) / PAGE_BYTES;
	sv.f_bavail = sv.f_bfree;
	sv.f_files = store.nnodes + (1U << 20);
	sv.f_ffree = 1U << 20;
	sv.f_favail = sv.f_ffree;
	sv.f_namemax = NAME_MAX;
	fuse_reply_statfs(req, &sv);
}

static const struct fuse_lowlevel_ops floor_ops = {
	.init = floor_init,
	.lookup = floor_lookup,
	.forget = floor_forget,
	.forget_multi = floor_forget_multi,
	.getattr = floor_getattr,
	.setattr = floor_setattr,
	.mknod = floor_mknod,
	.mkdir = floor_mkdir,
	.unlink = floor_unlink,
	.rmdir = floor_rmdir,
	.open = floor_open,
	.create = floor_create,
	.read = floor_read,
	.write_buf = floor_write_buf,
	.flush = floor_flush,
	.fsync = floor_fsync,
	.release = floor_release,
	.opendir = floor_opendir,
	.readdir = floor_readdir,
	.readdirplus = floor_readdirplus,
	.releasedir = floor_releasedir,
	.statfs = floor_statfs,
};

static void usage(void)
{
	fprintf(stderr,
		"usage: fuse_floor [-d] [-f] [-s] [-o direct_io] MOUNTPOINT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	char mountpoint[PATH_MAX], opts[128];
	struct fuse_loop_config *cfg;
	struct fuse_session *se;
	bool foreground = false, debug = false, single = false;
	int opt, rc = 1;

	while ((opt = getopt(argc, argv, "dfso:")) != -1) {
		if (opt == 'd')
			debug = foreground = true;
		else if (opt == 's')
			single = true;
		else if (opt == 'f')
			foreground = true;
		else if (opt == 'o' && !strcmp(optarg, "direct_io"))
			direct_io = true;
		else
			usage();
	}
	if (optind + 1 != argc)
		usage();
	if (!realpath(argv[optind], mountpoint)) {
		fprintf(stderr, "fuse_floor: %s: %s\n", argv[optind],
			strerror(errno));
		return 1;
	}
	if (store_init()) {
		fprintf(stderr, "fuse_floor: out of memory\n");
		return 1;
	}
	/* famfs_fused's mount options (fuse/main.c build_fuse_args) */
	snprintf(opts, sizeof(opts),
		 "fsname=fuse_floor,subtype=" FLOOR_SUBTYPE
		 ",default_permissions%s",
		 geteuid() == 0 ? ",allow_other" : "");
	if (fuse_opt_add_arg(&args, "fuse_floor") ||
	    fuse_opt_add_arg(&args, "-o") || fuse_opt_add_arg(&args, opts) ||
	    (debug && fuse_opt_add_arg(&args, "-d"))) {
		fprintf(stderr, "fuse_floor: out of memory\n");
		return 1;
	}
	se = fuse_session_new(&args, &floor_ops, sizeof(floor_ops), NULL);
	fuse_opt_free_args(&args);
	if (!se)
		return 1;
	if (fuse_set_signal_handlers(se) || fuse_session_mount(se, mountpoint))
		goto out;
	if (!direct_io)
		tune_readahead(mountpoint, FLOOR_SUBTYPE, FLOOR_MAX_IO / 1024);
	if (fuse_daemonize(foreground))
		goto out_unmount;
	if (single) {
		rc = fuse_session_loop(se) ? 1 : 0;
		goto out_unmount;
	}
	cfg = fuse_loop_cfg_create();
	if (cfg) {
		/* famfs_fused's loop: one /dev/fuse clone per thread */
		fuse_loop_cfg_set_clone_fd(cfg, 1);
		rc = fuse_session_loop_mt(se, cfg) ? 1 : 0;
		fuse_loop_cfg_destroy(cfg);
	}
out_unmount:
	fuse_session_unmount(se);
out:
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
	return rc;
}
