// SPDX-License-Identifier: Apache-2.0
/*
 * Open files and the data path. Reads and writes copy straight between
 * the FUSE request and the device mapping; new files are pending (space
 * reserved, not logged) until their last writer closes them.
 *
 * Commit rule: close(2) waits for FLUSH but not for RELEASE, so a flush
 * commits the file, making "close() returned 0" mean "it is in the log",
 * when it comes after something was written, from the process that
 * opened that handle (dd, for one, closes its first descriptor of the
 * file before writing through a dup of it), and when no other writer
 * handle may still be writing. FUSE does not say whether other
 * descriptors still share a handle, so the other flushes are the ones
 * where more writes commonly follow: a shell closing its redirection
 * before the command writes, a forked child exiting while its parent
 * still writes. Whatever those leave pending, the last release commits.
 *
 * Nor does FUSE say whether a handle whose flush came is still open: its
 * RELEASE is sent asynchronously, and in `: > f; truncate -s 4M f` the
 * daemon may serve truncate's open, truncation and flush before the
 * shell's release. So a handle flushed by its opener, with nothing
 * written or resized through it since, is settled: on a version 2
 * master it does not keep another writer's flush (or a truncate(2) by
 * path) from committing. If it was a descriptor still in use, its next
 * write makes the file pending again, and a later close commits that.
 * A write-back of cached pages does not unsettle the handle it comes
 * through: the kernel uses any writable handle for those, and writes
 * back the inode's pages before each flush. On version 1 a logged file
 * may not grow, so there every other writer handle must be released.
 *
 * A file nobody wrote is committed empty at its last release, and may
 * still be given its contents once (libfamfs makes it pending again on
 * its first growth): so `touch f; echo x > f`, or fio creating its files
 * before writing them, work.
 *
 * Locking: d->lock guards the open_node table, each node's counters and
 * every pending size change or commit. A node's size is also read without
 * it (atomically) on the data path. Reads and writes map and copy the
 * file's device memory without d->lock, under the node's layout lock
 * (shared); whatever may move the file's bytes or give its memory back
 * (a piece growing, a commit, a truncation, an abandon) takes that lock
 * exclusively, inside d->lock, so a copy never goes to or comes from
 * memory the file has left (libfamfs copies a moved file's bytes, but
 * only those already there).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#include "famfs_fused.h"
#include "famfs_ioctl.h"

#define MAX_READ_IOV 64
static uint64_t node_size(const struct open_node *n)
{
	return __atomic_load_n(&n->size, __ATOMIC_ACQUIRE);
}

static void node_set_size(struct open_node *n, uint64_t size)
{
	__atomic_store_n(&n->size, size, __ATOMIC_RELEASE);
}

/*
 * The kernel may no longer hold @n exactly as its create reply gave it
 * (written, resized, attributes changed, already committed, or that
 * reply never arrived): its commit must tell the kernel what it logs
 * (node_commit), which as_created spares untouched new files.
 */
static void node_no_longer_as_created(struct open_node *n)
{
	__atomic_store_n(&n->as_created, false, __ATOMIC_RELAXED);
}

/* Keep the data path out of @n's memory (may be NULL); d->lock held. */
static void layout_change_begin(struct open_node *n)
{
	if (n)
		pthread_rwlock_wrlock(&n->layout_lock);
}

static void layout_change_end(struct open_node *n)
{
	if (n)
		pthread_rwlock_unlock(&n->layout_lock);
}

/* d->lock held. */
static struct open_node *node_find(struct fused *d, uint64_t ino)
{
	struct open_node *n;

	for (n = d->nodes; n; n = n->next)
		if (n->ino == ino)
			return n;
	return NULL;
}

/*
 * Find or add the node of @fst and count one more handle in *@out;
 * d->lock held.
 */
static int node_get(struct fused *d, fuse_req_t req,
		    const struct famfs_stat *fst, bool writer,
		    struct open_node **out)
{
	struct open_node *n = node_find(d, fst->ino);
	int rc;

	if (!n) {
		n = calloc(1, sizeof(*n));
		if (!n)
			return -ENOMEM;
		/* this host has it open: deleted, its memory stays pinned */
		rc = famfs_hold(d->fs, fst->ino);
		if (rc) {
			free(n);
			return rc;
		}
		pthread_rwlock_init(&n->layout_lock, NULL);
		n->ino = fst->ino;
		n->pending = fst->state == FAMFS_NODE_PENDING;
		n->size = fst->size;
		/*
		 * The first handle decides how every handle is served: the
		 * kernel refuses to mix passthrough and other opens of one
		 * inode (passthrough.c).
		 */
		rc = passthrough_node_setup(d, req, n, fst);
		if (rc) {
			famfs_unhold(d->fs, fst->ino);
			pthread_rwlock_destroy(&n->layout_lock);
			free(n);
			return rc;
		}
		n->next = d->nodes;
		d->nodes = n;
	}
	n->handles++;
	if (writer)
		n->writers++;
	*out = n;
	return 0;
}

/* Free a node without handles; d->lock held. */
static void node_drop_unused(struct fused *d, fuse_req_t req,
			     struct open_node *n)
{
	struct open_node **pp;

	if (n->handles)
		return;
	for (pp = &d->nodes; *pp != n; pp = &(*pp)->next)
		;
	*pp = n->next;
	passthrough_node_teardown(d, req, n);
	famfs_unhold(d->fs, n->ino);
	/*
	 * A read's reply reaches the reader before op_read lets go of the
	 * node: the reader may close the file meanwhile. Wait for that.
	 */
	layout_change_begin(n);
	layout_change_end(n);
	pthread_rwlock_destroy(&n->layout_lock);
	free(n);
}

/*
 * A write to a committed file on a version 2 master: the file becomes
 * pending again, so that its last writer's close logs its new contents
 * and modification time (one entry per close, not per write).
 */
static bool writes_reopen_committed(const struct fused *d)
{
	return d->master && d->sb->version >= 2;
}

static struct open_file *file_of(struct fuse_file_info *fi)
{
	return (struct open_file *)(uintptr_t)fi->fh;
}

/*
 * May another writer's close commit past settled handles? Only where a
 * write through one after the commit makes the file pending again: on
 * version 1 that write could not grow the logged file.
 */
static bool commit_past_settled(const struct fused *d)
{
	return writes_reopen_committed(d);
}

/* Mark @of settled or not (see the top); d->lock held. */
static void handle_settle(struct open_node *n, struct open_file *of,
			  bool settled)
{
	if (of->settled == settled)
		return;
	__atomic_store_n(&of->settled, settled, __ATOMIC_RELAXED);
	if (settled)
		n->settled++;
	else
		n->settled--;
}

/*
 * May @n be committed while its writer handles other than @self (NULL:
 * all of them) stay open? Yes when there are none, or where allowed,
 * when each is settled: its RELEASE may be on its way, and if it is a
 * descriptor still in use instead, its next write makes the file
 * pending again. d->lock held.
 */
static bool other_writers_done(const struct fused *d,
			       const struct open_node *n,
			       const struct open_file *self)
{
	bool mine = self && self->writable;
	unsigned int others = n->writers - mine;

	if (!others)
		return true;
	return commit_past_settled(d) &&
	       n->settled - (mine && self->settled) == others;
}

void file_resized_through(struct fuse_file_info *fi)
{
	struct open_file *of = fi ? file_of(fi) : NULL;

	if (of && of->writable)
		handle_settle(of->node, of, false);
}

/* A commit that failed with @rc: one line saying why, then the file goes. */
static void drop_uncommitted(struct fused *d, uint64_t ino, int rc,
			     char *path, size_t path_len)
{
	const char *readonly = famfs_fs_readonly_reason(d->fs);
	const char *refused = famfs_commit_refusal(d->fs);

	famfs_path_of(d->fs, ino, path, path_len);
	fused_log(LOG_ERR, "%s: commit failed, file dropped: %s", path,
		  rc == -EROFS && readonly ? readonly :
		  rc == -EIO && refused ? refused : strerror(-rc));
	famfs_pending_abandon(d->fs, ino);
}

/*
 * Log a pending file with its current size. When that is impossible (log
 * full, ...) the file is abandoned: it never half exists. d->lock held.
 */
static int node_commit(struct fused *d, struct open_node *n)
{
	char path[FAMFS_PATH_MAX + 1] = "?";
	bool unchanged;
	int rc;

	layout_change_begin(n);
	rc = famfs_pending_commit(d->fs, n->ino);
	if (rc)
		drop_uncommitted(d, n->ino, rc, path, sizeof(path));
	layout_change_end(n);
	/*
	 * Dropped: the kernel still has the name, make it ask again; else
	 * the entry's time is the file's and its directory's now. The name
	 * goes too, not only the attributes: the writeback cache keeps its
	 * own mtime/ctime of a cached inode over any we send (a truncation
	 * or chmod sets them locally), so only a new inode shows the log's
	 * (the mtime logged is the kernel's: file_make_growable). The
	 * directory's attributes go before our reply (notify.c). A file
	 * unchanged since its create is logged as the kernel has it.
	 */
	unchanged = !rc && __atomic_load_n(&n->as_created, __ATOMIC_RELAXED);
	if (!unchanged &&
	    (rc || !famfs_path_of(d->fs, n->ino, path, sizeof(path))))
		notify_committed(d, path);
	n->pending = false;
	node_no_longer_as_created(n);
	return rc;
}

void file_attrs_changed(struct fused *d, uint64_t ino)
{
	struct open_node *n = node_find(d, ino);

	if (n)
		node_no_longer_as_created(n);
}

/* Visit the device memory behind file bytes [pos, pos+len). */
static int for_each_span(struct fused *d, uint64_t ino, uint64_t pos,
			 uint64_t len,
			 int (*fn)(void *ctx, uint8_t *p, uint64_t n),
			 void *ctx)
{
	while (len) {
		uint64_t dev_off, contig;
		int rc;

		rc = famfs_file_map(d->fs, ino, pos, &dev_off, &contig);
		if (rc)
			return rc == -ENXIO ? -EIO : rc;
		contig = MIN(contig, len);
		rc = fn(ctx, famfs_fs_ptr(d->fs, dev_off), contig);
		if (rc)
			return rc;
		pos += contig;
		len -= contig;
	}
	return 0;
}

int file_resize_pending(struct fused *d, uint64_t ino, uint64_t size)
{
	struct open_node *n = node_find(d, ino);
	int rc;

	/* libfamfs zeroes what the file gains: units get reused */
	layout_change_begin(n);
	rc = famfs_pending_resize(d->fs, ino, size);
	layout_change_end(n);
	if (!rc && n) {
		node_set_size(n, size);
		__atomic_store_n(&n->touched, true, __ATOMIC_RELAXED);
	}
	if (n)
		node_no_longer_as_created(n);
	return rc;
}

int file_make_growable(struct fused *d, uint64_t ino)
{
	struct open_node *n = node_find(d, ino);
	struct famfs_stat fst;
	bool kernel_time;
	int rc;

	if (n && n->pending)
		return 0;
	/*
	 * The writeback cache keeps its own mtime of a file it caches (ours
	 * does not replace it) and sends it when it moves, before the close
	 * that commits: until then it is the logged one, not our clock's
	 * now. Else a write within the tick of the file's last time (> f
	 * rewriting it) logs a time this host does not show after close(2).
	 */
	kernel_time = d->writeback && d->sb->version >= 2 &&
		      !famfs_getattr(d->fs, ino, &fst) &&
		      fst.state == FAMFS_NODE_COMMITTED;
	/* version 1: only a file committed empty may become pending again */
	rc = famfs_pending_reopen(d->fs, ino);
	if (rc == -EPERM || rc == -ENOENT || rc == -EOPNOTSUPP)
		return -fused_refusal(d);
	if (rc)
		return rc;	/* log full for its entry, read-only master */
	if (kernel_time)
		famfs_pending_set_mtime(d->fs, ino, fst.mtime);
	if (n) {
		n->pending = true;
		n->touched = false;	/* the growth about to happen sets it */
	}
	return 0;
}

/*
 * A size change with no writer left to close the file (truncate(2) by
 * path) is committed before the call returns, as mknod is; when that is
 * impossible the change is undone. d->lock held.
 */
int file_commit_unopened(struct fused *d, uint64_t ino)
{
	char path[FAMFS_PATH_MAX + 1] = "?";
	struct open_node *n = node_find(d, ino);
	struct famfs_stat fst;
	int rc;

	if (n && !other_writers_done(d, n, NULL))
		return 0;	/* its last writer's close commits it */
	if (famfs_getattr(d->fs, ino, &fst) || fst.state != FAMFS_NODE_PENDING)
		return 0;
	layout_change_begin(n);	/* readers only: no writer has it open */
	rc = famfs_pending_commit(d->fs, ino);
	if (rc)
		drop_uncommitted(d, ino, rc, path, sizeof(path));
	layout_change_end(n);
	if (n) {
		n->pending = false;
		if (!famfs_getattr(d->fs, ino, &fst))
			node_set_size(n, fst.size);
	}
	return rc;
}

int file_commit_pending(struct fused *d, uint64_t ino)
{
	struct open_node *n = node_find(d, ino);

	if (n && n->pending)
		return node_commit(d, n);
	return file_commit_unopened(d, ino);
}

void file_node_sync(struct fused *d, uint64_t ino)
{
	struct open_node *n = node_find(d, ino);
	struct famfs_stat fst;

	if (!n || famfs_getattr(d->fs, ino, &fst))
		return;
	n->pending = fst.state == FAMFS_NODE_PENDING;
	node_set_size(n, fst.size);
}

static int reopen_for_write(struct fused *d, struct open_node *n)
{
	int rc = 0;

	pthread_mutex_lock(&d->lock);
	if (!n->pending)
		rc = file_make_growable(d, n->ino);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/*
 * Make room for a write of [pos, end): only pending files grow (one
 * committed empty becomes pending again); libfamfs zeroes a gap before
 * @pos, the write fills the rest.
 */
static int grow_for_write(struct fused *d, struct open_node *n, uint64_t pos,
			  uint64_t end)
{
	bool moves;
	uint64_t old;
	int rc = 0;

	pthread_mutex_lock(&d->lock);
	old = node_size(n);
	if (end <= old)
		goto out;
	rc = file_make_growable(d, n->ino);	/* else its size is fixed */
	if (rc)
		goto out;
	/* units are only added: other writes may go on meanwhile */
	moves = famfs_pending_may_move(d->fs, n->ino);
	if (moves)
		layout_change_begin(n);
	rc = famfs_pending_prepare_write(d->fs, n->ino, pos, end - pos);
	if (moves)
		layout_change_end(n);
	if (!rc) {
		node_set_size(n, end);
		__atomic_store_n(&n->touched, true, __ATOMIC_RELAXED);
	}
out:
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/* Thread group of a request's thread: the process that holds the fds. */
static pid_t tgid_of(pid_t tid)
{
	char path[64], line[128];
	pid_t tgid = tid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return tid;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

/*
 * A committed file whose size may not change (version 1): with the
 * writeback cache, a write past its end would only fail when written
 * back, at close; its writable opens skip the cache so that write(2)
 * itself is refused.
 */
static bool size_fixed(const struct fused *d, const struct famfs_stat *fst)
{
	/* version 2 files grow and shrink: their writes pend again */
	return d->sb->version < 2 && fst->state == FAMFS_NODE_COMMITTED &&
	       (fst->size || fst->nextents);
}

/*
 * Did the thread @tid act for the same process as @opener (a thread id
 * too)? The same thread is the usual answer and needs no /proc read.
 */
static bool same_process(pid_t tid, pid_t opener)
{
	return tid == opener || tgid_of(tid) == tgid_of(opener);
}

/* Attach a handle to @fst and fill @fi; d->lock held. */
static int attach_handle(struct fused *d, fuse_req_t req,
			 const struct famfs_stat *fst,
			 struct fuse_file_info *fi, bool writable)
{
	struct open_file *of = calloc(1, sizeof(*of));
	int rc;

	if (!of)
		return -ENOMEM;
	of->writable = writable;
	/*
	 * The thread: whose process it is is asked only when it matters.
	 * A committed file written through it becomes pending (version 2).
	 */
	if (writable && (fst->state == FAMFS_NODE_PENDING ||
			 d->sb->version >= 2))
		of->opener = fuse_req_ctx(req)->pid;
	rc = node_get(d, req, fst, writable, &of->node);
	if (rc) {
		free(of);
		return rc;
	}
	of->next = of->node->files;
	if (of->next)
		of->next->prev = of;
	of->node->files = of;
	fi->fh = (uintptr_t)of;
	/* another host may have changed the data: start each open afresh */
	fi->keep_cache = 0;
	/* passed through: the kernel goes to the view, not to us */
	fi->backing_id = of->node->backing_id > 0 ? of->node->backing_id : 0;
	if (!fi->backing_id)
		fi->direct_io = d->opts.direct_io ||
				(writable && d->writeback && size_fixed(d, fst));
	else
		/*
		 * Writes that may grow the file or log its new contents
		 * must reach us: read()/write() of such an open come here,
		 * its mappings still go to the view (the kernel's
		 * FOPEN_PASSTHROUGH | FOPEN_DIRECT_IO).
		 */
		fi->direct_io = writable && writes_reopen_committed(d);
	/* nothing to write back or commit: close(2) need not ask us */
	fi->noflush = !writable;
	counters_add(fi->backing_id ? &d->counters.opens_passthrough :
		     &d->counters.opens_daemon, 1);
	return 0;
}

/* The last writer gone, a pending file is committed (see the top). */
static void release_handle(struct fused *d, fuse_req_t req,
			   struct open_file *of)
{
	struct open_node *n;

	if (!of)
		return;
	pthread_mutex_lock(&d->lock);
	n = of->node;
	if (of->prev)
		of->prev->next = of->next;
	else
		n->files = of->next;
	if (of->next)
		of->next->prev = of->prev;
	if (of->writable) {
		handle_settle(n, of, false);
		n->writers--;
	}
	n->handles--;
	if (n->pending && !n->writers)
		node_commit(d, n);
	node_drop_unused(d, req, n);
	pthread_mutex_unlock(&d->lock);
	free(of);
}

void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fused *d = fused_of(req);
	bool writable = (fi->flags & O_ACCMODE) != O_RDONLY;
	struct famfs_stat fst;
	int rc;

	if (meta_is_ino(ino)) {
		if (writable) {
			fuse_reply_err(req, fused_refusal(d));
			return;
		}
		rc = meta_may_open(req, ino);
		if (rc) {
			fuse_reply_err(req, -rc);
			return;
		}
		fi->fh = 0;
		fi->keep_cache = 0;
		fi->direct_io = meta_is_generated(ino);
		fuse_reply_open(req, fi);
		return;
	}
	if (writable && !d->writable) {
		fuse_reply_err(req, EROFS);
		return;
	}
	/* unbound: neither a view nor the daemon's mapping can serve it */
	if (device_gone(d)) {
		fuse_reply_err(req, ENXIO);
		return;
	}
	/*
	 * Asked under d->lock: the release of the file's last handle may be
	 * committing it meanwhile, and a node made from what the file was
	 * before that commit would take it for pending.
	 */
	pthread_mutex_lock(&d->lock);
	rc = fenced(d) ? -EIO : famfs_getattr(d->fs, ino, &fst);
	if (!rc && fst.type == FAMFS_NODE_DIR)
		rc = -EISDIR;
	if (!rc)
		rc = attach_handle(d, req, &fst, fi, writable);
	pthread_mutex_unlock(&d->lock);
	if (rc)
		fuse_reply_err(req, -rc);
	else if (fuse_reply_open(req, fi) == -ENOENT)
		release_handle(d, req, file_of(fi));	/* interrupted: undo */
}

/*
 * Point @iov at the device memory behind file bytes [pos, *end): *end
 * comes back shorter when the file shrank meanwhile.
 */
static int read_spans(struct fused *d, uint64_t ino, uint64_t pos,
		      uint64_t *end, struct iovec *iov, int *count)
{
	int n = 0;

	while (pos < *end) {
		uint64_t dev_off, contig;
		int rc;

		/* a short reply would read as EOF, so never send one */
		if (n == MAX_READ_IOV)
			return -EIO;
		rc = famfs_file_map(d->fs, ino, pos, &dev_off, &contig);
		if (rc == -ENXIO) {
			/* it shrank since it was opened: that is its end */
			*end = pos;
			break;
		}
		if (rc)
			return rc;
		contig = MIN(contig, *end - pos);
		/* never consume poison: it may not be recoverable here */
		if (poison_overlaps(d, dev_off, contig))
			return -EIO;
		iov[n].iov_base = famfs_fs_ptr(d->fs, dev_off);
		iov[n].iov_len = contig;
		n++;
		pos += contig;
	}
	*count = n;
	return 0;
}

/* Reply with iovecs pointing into the device mapping: no copy here. */
void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	     struct fuse_file_info *fi)
{
	struct fused *d = fused_of(req);
	struct open_file *of = file_of(fi);
	struct iovec iov[MAX_READ_IOV];
	struct open_node *node;
	uint64_t end;
	int n = 0, rc;

	if (meta_is_ino(ino)) {
		meta_read(d, req, ino, size, off);
		return;
	}
	node = of->node;	/* @of may be gone once the reply is sent */
	counters_add(&d->counters.read_requests, 1);
	counters_add(&node->read_requests, 1);
	if (device_gone(d) || fenced(d)) {
		fuse_reply_err(req, EIO);
		return;
	}
	/* the reply copies from the device: the file stays put until then */
	pthread_rwlock_rdlock(&node->layout_lock);
	end = MIN((uint64_t)off + size, node_size(node));
	rc = read_spans(d, ino, (uint64_t)off, &end, iov, &n);
	if (rc) {
		fuse_reply_err(req, -rc);
	} else {
		counters_add(&d->counters.read_bytes, end > (uint64_t)off ?
			     end - (uint64_t)off : 0);
		/* the reader gets EIO from the kernel; say why, once */
		if (fuse_reply_iov(req, iov, n) == -EFAULT && n)
			sigbus_copy_refused(d, iov[0].iov_base,
					    end - (uint64_t)off, "read");
	}
	pthread_rwlock_unlock(&node->layout_lock);
}

struct write_ctx {
	struct fused *d;
	struct fuse_bufvec *src;
};

/* Copy the next part of the request straight into device memory. */
static int write_span(void *ctx, uint8_t *p, uint64_t len)
{
	struct write_ctx *w = ctx;
	struct fuse_bufvec dst = FUSE_BUFVEC_INIT(len);
	const struct fuse_buf *b = &w->src->buf[w->src->idx];
	ssize_t done;

	/* the usual case, one request buffer in memory: stream it in */
	if (w->src->count == 1 && !(b->flags & FUSE_BUF_IS_FD) &&
	    w->src->off + len <= b->size) {
		famfs_copy_to_device(p, (const char *)b->mem + w->src->off,
				     len);
		w->src->off += len;
		return 0;
	}
	dst.buf[0].mem = p;
	done = fuse_buf_copy(&dst, w->src, 0);
	/*
	 * From a pipe (splice) the kernel copies into device memory for
	 * us: EFAULT then means that memory refused the store (lost or
	 * poisoned), not a bad buffer of the writer's.
	 */
	if (done == -EFAULT) {
		sigbus_copy_refused(w->d, p, len, "write");
		return -EIO;
	}
	if (done < 0)
		return (int)done;
	if ((uint64_t)done != len)
		return -EIO;
	famfs_flush(p, len);
	return 0;
}

void op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *bufv,
		  off_t off, struct fuse_file_info *fi)
{
	struct fused *d = fused_of(req);
	struct open_file *of = file_of(fi);
	size_t len = fuse_buf_size(bufv);
	uint64_t end = (uint64_t)off + len;
	struct write_ctx w = { .d = d, .src = bufv };
	uint64_t faults = sigbus_mark();
	int rc = 0;

	if (!of || !of->writable) {
		fuse_reply_err(req, EBADF);
		return;
	}
	counters_add(&d->counters.write_requests, 1);
	counters_add(&of->node->write_requests, 1);
	/*
	 * Written through again. Not so a write-back of cached pages: the
	 * kernel sends those through any writable handle of the inode.
	 */
	if (!fi->writepage && __atomic_load_n(&of->settled, __ATOMIC_RELAXED)) {
		pthread_mutex_lock(&d->lock);
		handle_settle(of->node, of, false);
		pthread_mutex_unlock(&d->lock);
	}
	/* the kernel's size and times moved with it, whatever we answer */
	node_no_longer_as_created(of->node);
	if (device_gone(d) || fenced(d))
		rc = -EIO;
	else if (!of->node->pending && writes_reopen_committed(d))
		rc = reopen_for_write(d, of->node);
	if (!rc && end > node_size(of->node))
		rc = grow_for_write(d, of->node, (uint64_t)off, end);
	if (!rc) {
		pthread_rwlock_rdlock(&of->node->layout_lock);
		/* a partial-line store reads the line first: refuse it too */
		rc = poison_check_file(d, ino, (uint64_t)off, len);
		if (!rc)
			rc = for_each_span(d, ino, (uint64_t)off, len,
					   write_span, &w);
		pthread_rwlock_unlock(&of->node->layout_lock);
	}
	/* memory gone under the copy: the bytes went nowhere */
	if (!rc && sigbus_since(d, faults))
		rc = -EIO;
	if (rc) {
		if (fi->writepage)
			writeback_refused(d, ino);
		fuse_reply_err(req, -rc);
		return;
	}
	__atomic_store_n(&of->node->touched, true, __ATOMIC_RELAXED);
	counters_add(&d->counters.write_bytes, len);
	fuse_reply_write(req, len);
}

void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fused *d = fused_of(req);
	struct open_file *of = file_of(fi);
	uint64_t faults = sigbus_mark();
	struct open_node *n;
	bool commit;
	int rc = 0;

	(void)ino;
	if (of && of->writable) {
		pthread_mutex_lock(&d->lock);
		n = of->node;
		commit = n->pending && other_writers_done(d, n, of) &&
			 __atomic_load_n(&n->touched, __ATOMIC_RELAXED);
		/* (the process is asked only when the answer matters) */
		if ((commit || (!of->settled && commit_past_settled(d))) &&
		    same_process(fuse_req_ctx(req)->pid, of->opener)) {
			handle_settle(n, of, true);
			if (commit)
				rc = node_commit(d, n);
		}
		pthread_mutex_unlock(&d->lock);
	}
	/* the entry may have gone into memory that is gone */
	if (!rc && sigbus_since(d, faults))
		rc = -EIO;
	fuse_reply_err(req, -rc);
}

int file_commit_now(struct fused *d, uint64_t ino, struct fuse_file_info *fi)
{
	struct famfs_stat fst;
	struct open_file *of;
	int rc = 0;

	/* only a regular file's fh is an open_file */
	if (meta_is_ino(ino) || famfs_getattr(d->fs, ino, &fst) ||
	    fst.type != FAMFS_NODE_FILE || !fi)
		return -ENOTTY;
	of = file_of(fi);
	if (!of || !of->writable)
		return -EBADF;
	pthread_mutex_lock(&d->lock);
	if (of->node->pending)
		rc = node_commit(d, of->node);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	release_handle(fused_of(req), req, file_of(fi));
	fuse_reply_err(req, 0);
}

/* Every write was flushed to the device before it was acknowledged. */
void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
	      struct fuse_file_info *fi)
{
	(void)ino;
	(void)datasync;
	(void)fi;
	fuse_reply_err(req, 0);
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char *name,
	       mode_t mode, struct fuse_file_info *fi)
{
	struct fused *d = fused_of(req);
	bool writable = (fi->flags & O_ACCMODE) != O_RDONLY;
	uint32_t fmode = S_IFREG | (mode & 07777), uid, gid;
	struct fuse_entry_param e;
	struct famfs_stat fst;
	bool created;
	int rc;

	rc = new_entry_owner(d, req, parent, name, &fmode, &uid, &gid);
	if (!rc && !d->writable)
		rc = -EROFS;
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	pthread_mutex_lock(&d->lock);
	rc = famfs_pending_create(d->fs, parent, name, fmode, uid, gid, &fst);
	created = !rc;
	if (!rc) {
		rc = attach_handle(d, req, &fst, fi, writable);
		if (rc)
			famfs_pending_abandon(d->fs, fst.ino);
		else	/* the kernel gets these attributes with the entry */
			__atomic_store_n(&file_of(fi)->node->as_created, true,
					 __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&d->lock);
	/* its time moved to the new file's (and back if that failed) */
	if (created)
		notify_dir_changed(d, parent);
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	fused_fill_entry(d, &fst, &e);
	if (fuse_reply_create(req, &e, fi) == -ENOENT) {
		/*
		 * Interrupted: the kernel has no inode, perhaps still a
		 * negative entry; the commit must tell it about the name.
		 */
		node_no_longer_as_created(file_of(fi)->node);
		release_handle(d, req, file_of(fi));	/* undo */
	}
}

void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
		  off_t length, struct fuse_file_info *fi)
{
	struct fused *d = fused_of(req);
	struct open_file *of = file_of(fi);
	uint64_t end = (uint64_t)offset + (uint64_t)length;
	uint64_t faults = sigbus_mark();
	struct open_node *n;
	int rc = 0;

	(void)ino;
	if (mode) {
		/* no holes, no space beyond the size: only plain reservation */
		fuse_reply_err(req, EOPNOTSUPP);
		return;
	}
	if (!of || !of->writable) {
		fuse_reply_err(req, EBADF);
		return;
	}
	n = of->node;
	pthread_mutex_lock(&d->lock);
	node_no_longer_as_created(n);
	if (end > node_size(n)) {
		handle_settle(n, of, false);
		rc = file_make_growable(d, n->ino);
		if (!rc)
			rc = file_resize_pending(d, n->ino, end);
	}
	pthread_mutex_unlock(&d->lock);
	if (!rc && sigbus_since(d, faults))
		rc = -EIO;	/* zeroing the growth met lost memory */
	fuse_reply_err(req, -rc);
}

void file_commit_all(struct fused *d)
{
	struct open_node *n, *next;

	pthread_mutex_lock(&d->lock);
	for (n = d->nodes; n; n = next) {
		next = n->next;
		/* a gone device takes nothing more */
		if (n->pending && !device_gone(d))
			node_commit(d, n);
		/* handles the kernel never released (lazy unmount) */
		while (n->files) {
			struct open_file *of = n->files;

			n->files = of->next;
			free(of);
		}
		passthrough_node_teardown(d, NULL, n);
		pthread_rwlock_destroy(&n->layout_lock);
		free(n);
	}
	d->nodes = NULL;
	pthread_mutex_unlock(&d->lock);
}

/* Why the node of an open file is served by the daemon; d->lock held. */
static uint32_t node_why(struct fused *d, const struct open_node *n)
{
	uint32_t mount_why;

	if (n->why != FAMFS_WHY_PENDING || n->pending)
		return n->why;
	/* committed since: passed through from its next first open, if */
	mount_why = passthrough_mount_why(d);
	return mount_why ? mount_why : FAMFS_WHY_OPEN_SINCE_PENDING;
}

int file_serving(struct fused *d, uint64_t ino, struct famfs_ioc_serving *out)
{
	struct famfs_stat st;
	struct open_node *n;
	int rc;

	if (!ino) {
		out->why = passthrough_mount_why(d);
		out->served = out->why ? FAMFS_SERVED_DAEMON :
			      FAMFS_SERVED_PASSTHROUGH;
		return 0;
	}
	if (meta_is_ino(ino)) {
		out->why = FAMFS_WHY_NOT_FILE;
		out->served = FAMFS_SERVED_DAEMON;
		return 0;
	}
	rc = famfs_getattr(d->fs, ino, &st);
	if (rc)
		return rc;
	pthread_mutex_lock(&d->lock);
	n = node_find(d, ino);
	if (n) {
		out->served = n->backing_id > 0 ? FAMFS_SERVED_PASSTHROUGH :
			      FAMFS_SERVED_DAEMON;
		out->why = node_why(d, n);
		out->handles = n->handles;
		out->read_requests = __atomic_load_n(&n->read_requests,
						     __ATOMIC_RELAXED);
		out->write_requests = __atomic_load_n(&n->write_requests,
						      __ATOMIC_RELAXED);
	} else {
		out->why = passthrough_why_not(d, &st);
		out->served = out->why ? FAMFS_SERVED_DAEMON :
			      FAMFS_SERVED_PASSTHROUGH;
	}
	pthread_mutex_unlock(&d->lock);
	return 0;
}

int file_serving_listing(struct fused *d, char **text, size_t *len)
{
	uint32_t why = passthrough_mount_why(d);
	char path[FAMFS_PATH_MAX + 1];
	struct listing l;
	struct open_node *n;

	if (listing_init(&l))
		return -ENOMEM;
	listing_put(&l, "mount %s %s\n", why ? "daemon" : "passthrough",
		    famfs_why_word(why));
	pthread_mutex_lock(&d->lock);
	for (n = d->nodes; n && !l.err; n = n->next) {
		listing_put(&l, "%s %s handles=%u read_requests=%llu write_requests=%llu ",
			    n->backing_id > 0 ? "passthrough" : "daemon",
			    famfs_why_word(node_why(d, n)), n->handles,
			    (unsigned long long)__atomic_load_n(
				    &n->read_requests, __ATOMIC_RELAXED),
			    (unsigned long long)__atomic_load_n(
				    &n->write_requests, __ATOMIC_RELAXED));
		if (famfs_path_of(d->fs, n->ino, path, sizeof(path)))
			listing_put(&l, "<inode-%llu>\n",
				    (unsigned long long)n->ino);
		else {
			listing_put_path(&l, path);
			listing_put(&l, "\n");
		}
	}
	pthread_mutex_unlock(&d->lock);
	if (l.err) {
		free(l.buf);
		return l.err;
	}
	*text = l.buf;
	*len = l.len;
	return 0;
}
