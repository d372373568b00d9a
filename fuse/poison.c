// SPDX-License-Identifier: Apache-2.0
/*
 * Memory poison routing. On a devdax device bound to fsdev_dax the daemon
 * is the device's holder: the driver turns each memory failure into an
 * event {device offset, length} on the holder fd. A thread reads them,
 * logs which files (and where in them) each one hits, and remembers the
 * poisoned device ranges. The data path then refuses, with EIO, any read
 * or write that would touch them: consuming poison would take a machine
 * check, and the CPU cannot recover from one in every context.
 *
 * The master also records each range in the log (famfs_mark_bad), and
 * every daemon imports the ranges the log holds at start and after each
 * catch-up, so poison outlives the mount and reaches every host.
 *
 * Ranges are kept by device offset, not by file: a file created later
 * over poisoned free space is covered too, and .meta/.poison names the
 * current owner of each range when it is read.
 *
 * Locking: poison_lock guards the range array. poison_count is also read
 * without it, so that reads of an unpoisoned device take no lock.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "famfs_fused.h"
#include <linux/fsdev_dax.h>

#define POISON_PAGE 4096ULL

/* One stretch of a poisoned range with a single owner. */
struct poison_piece {
	uint64_t offset;	/* device offset */
	uint64_t len;
	int owner;		/* 0: a file, else -ENOENT/-EFAULT/-ERANGE */
	uint64_t ino;
	uint64_t file_pos;
};

/* Called for each piece; a non-zero return stops the walk. */
typedef int (*piece_fn)(struct fused *d, const struct poison_piece *p,
			void *ctx);

/*
 * Who owns device byte @off, and how far from there the owner and the
 * file position stay contiguous (at most to the end of its unit, and of
 * the extent or interleave chunk holding it).
 */
static void owner_here(struct fused *d, uint64_t off, uint64_t end,
		       struct poison_piece *p)
{
	uint64_t unit = d->sb->alloc_unit, dev, contig, step;

	step = MIN(end, (off / unit + 1) * unit) - off;
	p->offset = off;
	p->owner = famfs_owner_of(d->fs, off, &p->ino, &p->file_pos);
	if (!p->owner) {
		if (!famfs_file_map(d->fs, p->ino, p->file_pos, &dev,
				    &contig) && dev == off)
			step = MIN(step, contig);
		else	/* past the file's end: no map to bound it */
			step = MIN(step, POISON_PAGE - off % POISON_PAGE);
	}
	p->len = step;
}

/*
 * Split device bytes [off, off+len) by owner, unit by unit, exact at both
 * ends, and hand each maximal piece (same owner, contiguous in the file)
 * to @fn.
 */
static int walk_pieces(struct fused *d, uint64_t off, uint64_t len,
		       piece_fn fn, void *ctx)
{
	uint64_t end = off + len;
	struct poison_piece cur, next;
	int rc;

	if (!len)
		return 0;
	owner_here(d, off, end, &cur);
	for (off += cur.len; off < end; off += next.len) {
		owner_here(d, off, end, &next);
		if (next.owner == cur.owner &&
		    (cur.owner || (next.ino == cur.ino &&
				   next.file_pos == cur.file_pos + cur.len))) {
			cur.len += next.len;
			continue;
		}
		rc = fn(d, &cur, ctx);
		if (rc)
			return rc;
		cur = next;
	}
	return fn(d, &cur, ctx);
}

static const char *owner_word(int owner)
{
	switch (owner) {
	case -ENOENT:
		return "free space";
	case -EFAULT:
		return "filesystem metadata";
	default:
		return "nothing (beyond the filesystem)";
	}
}

static int log_piece(struct fused *d, const struct poison_piece *p,
		     void *ctx)
{
	char path[FAMFS_PATH_MAX + 1];

	(void)ctx;
	if (p->owner) {
		fused_log(LOG_ERR,
			  "%s: memory poison at device offset %#llx (+%#llx) hits %s",
			  d->device, (unsigned long long)p->offset,
			  (unsigned long long)p->len, owner_word(p->owner));
		return 0;
	}
	if (famfs_path_of(d->fs, p->ino, path, sizeof(path)))
		snprintf(path, sizeof(path), "(inode %llu)",
			 (unsigned long long)p->ino);
	fused_log(LOG_ERR,
		  "%s: memory poison at device offset %#llx (+%#llx) hits %s/%s at file offset %#llx",
		  d->device, (unsigned long long)p->offset,
		  (unsigned long long)p->len, d->mountpoint, path,
		  (unsigned long long)p->file_pos);
	return 0;
}

int poison_remember(struct fused *d, uint64_t off, uint64_t len)
{
	long n;

	pthread_mutex_lock(&d->poison_lock);
	n = famfs_ranges_merge(&d->poison, d->poison_count, &d->poison_cap,
			       off, len);
	if (n >= 0)
		__atomic_store_n(&d->poison_count, (size_t)n, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&d->poison_lock);
	return n < 0 ? (int)n : 0;
}

bool poison_overlaps(struct fused *d, uint64_t off, uint64_t len)
{
	bool hit = false;

	if (!__atomic_load_n(&d->poison_count, __ATOMIC_ACQUIRE))
		return false;
	pthread_mutex_lock(&d->poison_lock);
	for (size_t i = 0; i < d->poison_count && !hit; i++)
		hit = d->poison[i].offset < off + len &&
		      off < d->poison[i].offset + d->poison[i].len;
	pthread_mutex_unlock(&d->poison_lock);
	return hit;
}

int poison_check_file(struct fused *d, uint64_t ino, uint64_t pos,
		      uint64_t len)
{
	uint64_t dev, contig;

	if (!__atomic_load_n(&d->poison_count, __ATOMIC_ACQUIRE))
		return 0;
	while (len) {
		if (famfs_file_map(d->fs, ino, pos, &dev, &contig))
			return 0;	/* the data path reports it */
		contig = MIN(contig, len);
		if (poison_overlaps(d, dev, contig))
			return -EIO;
		pos += contig;
		len -= contig;
	}
	return 0;
}

static void handle_event(struct fused *d, const struct fsdev_dax_event *ev)
{
	if (ev->flags & FSDEV_DAX_EVENT_OVERFLOW) {
		fused_log(LOG_ERR,
			  "%s: poison events were lost (driver queue full): some poisoned memory is not known",
			  d->device);
		return;
	}
	if (ev->flags & FSDEV_DAX_EVENT_REMOVED) {
		fused_log(LOG_ERR, "%s: device removed: poison routing off",
			  d->device);
		fused_device_gone(d);
		return;
	}
	if (!(ev->flags & FSDEV_DAX_EVENT_POISON) || !ev->length)
		return;
	/* remembered first: reads must stop before anyone reads the log */
	if (poison_remember(d, ev->offset, ev->length))
		fused_log(LOG_ERR,
			  "%s: out of memory: poison at %#llx (+%#llx) not remembered",
			  d->device, (unsigned long long)ev->offset,
			  (unsigned long long)ev->length);
	walk_pieces(d, ev->offset, ev->length, log_piece, NULL);
	/*
	 * The master records it in the log: every host, and later mounts,
	 * then refuse it too, and free space holding it is never allocated.
	 */
	if (d->master && d->writable) {
		int rc = famfs_mark_bad(d->fs, ev->offset, ev->length);

		if (rc)
			fused_log(LOG_ERR,
				  "%s: poison at %#llx not recorded in the log: %s",
				  d->device, (unsigned long long)ev->offset,
				  strerror(-rc));
	}
}

/*
 * Each record starts with its size: a newer driver's longer records are
 * read for the fields we know and stepped over by their size.
 */
static void handle_events(struct fused *d, const char *buf, size_t len)
{
	struct fsdev_dax_event ev;
	uint32_t size;

	for (size_t off = 0; off + sizeof(size) <= len; off += size) {
		memcpy(&size, buf + off, sizeof(size));
		if (size < sizeof(ev) || size > len - off) {
			fused_log(LOG_ERR, "%s: malformed poison event record (%u bytes)",
				  d->device, size);
			return;
		}
		memcpy(&ev, buf + off, sizeof(ev));
		handle_event(d, &ev);
	}
}

static void *poison_main(void *arg)
{
	struct fused *d = arg;
	uint64_t buf[64];	/* whole event records, 8-byte aligned */
	struct pollfd pfd[2] = {
		{ .fd = d->holder_fd, .events = POLLIN },
		{ .fd = d->poison_wake_fd, .events = POLLIN },
	};
	ssize_t n;

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fused_log(LOG_ERR, "%s: poll on the holder: %s",
				  d->device, strerror(errno));
			break;
		}
		if (pfd[1].revents)
			break;
		n = read(d->holder_fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			/* 0: the device is gone, its last event was read */
			if (n < 0)
				fused_log(LOG_ERR,
					  "%s: reading poison events: %s",
					  d->device, strerror(errno));
			break;
		}
		handle_events(d, (const char *)buf, (size_t)n);
	}
	return NULL;
}

/* Become the device's holder; 0, or why not with @why set. */
static int claim_holder(struct fused *d, const char **why)
{
	struct fsdev_dax_info info;
	struct stat st;
	int fd;

	/*
	 * The driver gives the holder slot to a writable open (or to
	 * CAP_SYS_ADMIN): try read-write first, read-only where that is all
	 * the node allows us.
	 */
	fd = open(d->device, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS))
		fd = open(d->device, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		*why = strerror(errno);
		return -errno;
	}
	if (fstat(fd, &st) || !S_ISCHR(st.st_mode)) {
		*why = "not a devdax device";
		goto fail;
	}
	memset(&info, 0, sizeof(info));
	info.struct_size = sizeof(info);
	if (ioctl(fd, FSDEV_DAX_IOC_GET_INFO, &info)) {
		*why = "not bound to fsdev_dax (see famfs daxmode)";
		goto fail;
	}
	if (ioctl(fd, FSDEV_DAX_IOC_CLAIM_HOLDER)) {
		*why = errno == EBUSY ?
			"another process holds the device's poison events (EBUSY)" :
		       errno == EPERM ?
			"claiming poison events needs write access to the device or CAP_SYS_ADMIN" :
			strerror(errno);
		goto fail;
	}
	d->holder_fd = fd;
	return 0;
fail:
	close(fd);
	return -ENODEV;
}

/* Whether [off, off+len) lies inside one known poisoned range. */
static bool poison_covers(struct fused *d, uint64_t off, uint64_t len)
{
	bool covered = false;

	pthread_mutex_lock(&d->poison_lock);
	for (size_t i = 0; i < d->poison_count && !covered; i++)
		covered = d->poison[i].offset <= off &&
			  off + len <= d->poison[i].offset + d->poison[i].len;
	pthread_mutex_unlock(&d->poison_lock);
	return covered;
}

/*
 * Have fsdev_dax treat device bytes [off, off+len) as failed: it unmaps
 * them from every mapping of this host (views passed through, direct
 * mappings of the node) and refuses them from then on. A mapping made
 * before the master recorded the poison would otherwise keep reading
 * it, and on hardware take the machine check. Without a holder, or with
 * a module that lacks the request, a warning (once) and nothing else:
 * the daemon refuses the range all the same.
 */
static void poison_withhold(struct fused *d, uint64_t off, uint64_t len)
{
	struct fsdev_dax_mark_failed req = { 0 };
	uint64_t end = off + len;
	const char *why;

	if (d->holder_fd >= 0) {
		/* whole pages: the log's ranges are bytes */
		req.offset = off / POISON_PAGE * POISON_PAGE;
		req.length = (end + POISON_PAGE - 1) / POISON_PAGE * POISON_PAGE -
			     req.offset;
		if (!ioctl(d->holder_fd, FSDEV_DAX_IOC_MARK_FAILED, &req))
			return;
		why = errno == ENOTTY ?
			"fsdev_dax lacks FSDEV_DAX_IOC_MARK_FAILED (older module)" :
			strerror(errno);
	} else {
		why = d->poison_off_reason ? d->poison_off_reason :
			"this daemon is not the device's holder";
	}
	if (__atomic_exchange_n(&d->withhold_warned, true, __ATOMIC_RELAXED))
		return;
	fused_log(LOG_WARNING,
		  "%s: poison at device offset %#llx (+%#llx) stays readable through mappings made before it was recorded: %s",
		  d->device, (unsigned long long)off, (unsigned long long)len,
		  why);
}

/* @withhold: also tell the driver (not before the holder is claimed). */
static void import_ranges(struct fused *d, bool withhold)
{
	struct famfs_extent *bad = NULL;
	int n = famfs_bad_ranges(d->fs, NULL, 0), got;

	if (n <= 0)
		return;
	bad = calloc((size_t)n, sizeof(*bad));
	if (!bad)
		return;
	got = famfs_bad_ranges(d->fs, bad, (uint32_t)n);
	for (int i = 0; i < got && i < n; i++) {
		/* the driver first: once listed, the range counts as handled */
		if (withhold && !poison_covers(d, bad[i].offset, bad[i].len))
			poison_withhold(d, bad[i].offset, bad[i].len);
		if (poison_remember(d, bad[i].offset, bad[i].len))
			break;
	}
	free(bad);
}

void poison_import(struct fused *d)
{
	import_ranges(d, true);
}

/*
 * A copy of the known ranges, *@n of them, to walk without poison_lock
 * (what is done with each takes other locks). NULL when there are none,
 * or, with *@n above zero, when memory ran out.
 */
static struct famfs_extent *poison_snapshot(struct fused *d, size_t *n)
{
	struct famfs_extent *copy = NULL;

	pthread_mutex_lock(&d->poison_lock);
	*n = d->poison_count;
	if (*n) {
		copy = malloc(*n * sizeof(*copy));
		if (copy)
			memcpy(copy, d->poison, *n * sizeof(*copy));
	}
	pthread_mutex_unlock(&d->poison_lock);
	return copy;
}

/* Just claimed the holder: the driver withholds what the log knows. */
static void withhold_known(struct fused *d)
{
	size_t n;
	struct famfs_extent *copy = poison_snapshot(d, &n);

	for (size_t i = 0; copy && i < n; i++)
		poison_withhold(d, copy[i].offset, copy[i].len);
	free(copy);
}

int poison_start(struct fused *d)
{
	int rc;

	d->holder_fd = -1;
	d->poison_wake_fd = -1;
	pthread_mutex_init(&d->poison_lock, NULL);
	d->poison_off_reason = NULL;
	/* what the log already knows holds whether or not we get events */
	import_ranges(d, false);
	if (claim_holder(d, &d->poison_off_reason))
		return 0;	/* served all the same, without routing */
	withhold_known(d);
	d->poison_wake_fd = eventfd(0, EFD_CLOEXEC);
	if (d->poison_wake_fd < 0) {
		rc = -errno;
		goto fail;
	}
	rc = -pthread_create(&d->poison_thread, NULL, poison_main, d);
	if (rc)
		goto fail;
	d->poison_started = true;
	return 0;
fail:
	if (d->poison_wake_fd >= 0)
		close(d->poison_wake_fd);
	d->poison_wake_fd = -1;
	close(d->holder_fd);	/* releases the claim */
	d->holder_fd = -1;
	return rc;
}

void poison_announce(struct fused *d)
{
	if (d->poison_started)
		fused_log(LOG_INFO,
			  "%s: poison routing on: memory failures are routed to the files they hit",
			  d->device);
	else
		fused_log(LOG_WARNING, "%s: poison routing off: %s",
			  d->device, d->poison_off_reason ?
			  d->poison_off_reason : "no holder");
}

void poison_stop(struct fused *d)
{
	uint64_t one = 1;

	if (d->poison_started) {
		if (write(d->poison_wake_fd, &one, sizeof(one)) < 0)
			fused_log(LOG_ERR, "poison thread wakeup: %s",
				  strerror(errno));
		pthread_join(d->poison_thread, NULL);
		d->poison_started = false;
	}
	if (d->poison_wake_fd >= 0)
		close(d->poison_wake_fd);
	/* closing the holder fd releases the claim */
	if (d->holder_fd >= 0)
		close(d->holder_fd);
	d->poison_wake_fd = -1;
	d->holder_fd = -1;
	free(d->poison);
	d->poison = NULL;
	d->poison_count = 0;
	d->poison_cap = 0;
	pthread_mutex_destroy(&d->poison_lock);
}

static int list_piece(struct fused *d, const struct poison_piece *p,
		      void *ctx)
{
	struct listing *l = ctx;
	char path[FAMFS_PATH_MAX + 1];

	listing_put(l, "%#llx %#llx ", (unsigned long long)p->offset,
	    (unsigned long long)p->len);
	if (p->owner == -ENOENT)
		listing_put(l, "<free> -\n");
	else if (p->owner == -EFAULT)
		listing_put(l, "<metadata> -\n");
	else if (p->owner)
		listing_put(l, "<none> -\n");
	else if (famfs_path_of(d->fs, p->ino, path, sizeof(path)))
		listing_put(l, "<inode-%llu> %#llx\n", (unsigned long long)p->ino,
		    (unsigned long long)p->file_pos);
	else {
		listing_put_path(l, path);
		listing_put(l, " %#llx\n", (unsigned long long)p->file_pos);
	}
	return l->err;
}

int poison_listing(struct fused *d, char **text, size_t *len)
{
	struct famfs_extent *copy;
	struct listing l;
	size_t n;

	if (listing_init(&l))
		return -ENOMEM;
	/* naming owners takes the namespace lock */
	copy = poison_snapshot(d, &n);
	if (n && !copy)
		l.err = -ENOMEM;
	for (size_t i = 0; i < n && !l.err; i++)
		walk_pieces(d, copy[i].offset, copy[i].len, list_piece, &l);
	free(copy);
	if (l.err) {
		free(l.buf);
		return l.err;
	}
	*text = l.buf;
	*len = l.len;
	return 0;
}
