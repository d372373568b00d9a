/* SPDX-License-Identifier: Apache-2.0 */
/*
 * famfs_fused internals: the daemon state shared by its files. The
 * namespace, allocator and log live in libfamfs; this daemon only adapts
 * them to the FUSE low-level protocol.
 */
#ifndef FAMFS_FUSED_H
#define FAMFS_FUSED_H

/* 3.17: the passthrough API (fuse_passthrough_open, backing_id) */
#define FUSE_USE_VERSION 317

#include <errno.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "famfs.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/*
 * How long the kernel may trust what we told it (seconds): long, since
 * every change is either made through the kernel (the master) or
 * notified to it (notify.c); short when notifications are impossible.
 */
#define FUSED_LONG_TIMEOUT 86400.0
#define FUSED_SHORT_TIMEOUT 1.0

/* Largest read or write request, the max_write asked for at INIT. */
#define FUSED_MAX_IO (1U << 20)

/* What the command line asked for. */
struct fused_opts {
	const char *device;
	const char *mountpoint;
	char *fuse_opts;	/* -o options passed through to libfuse */
	bool foreground;
	bool debug;
	bool single_thread;
	bool direct_io;		/* bypass the page cache (no MAP_SHARED mmap) */
	bool passthrough;	/* committed files by passthrough (default) */
	bool passthrough_asked;	/* -o passthrough given */
	bool read_only;		/* -o ro: file data read-only (views too) */
	bool no_allow_other;	/* only the mounting user (upstream's -u) */
	bool no_default_permissions;	/* no kernel mode check (upstream -p) */
	double timeout;		/* timeout=SECONDS; < 0: the role's default */
	int ready_fd;		/* report "mounted" or the error here */
};

/*
 * One per inode with open handles in this daemon; the commit rule that
 * uses it is described at the top of file.c.
 */
struct open_node {
	struct open_node *next;
	uint64_t ino;
	/*
	 * Its handles: a lazy unmount can end the daemon with releases the
	 * kernel never sent, and the teardown frees what they would have.
	 */
	struct open_file *files;
	unsigned int handles;
	unsigned int writers;
	unsigned int settled;	/* writers whose open_file is settled */
	bool pending;		/* not in the log yet: may still grow */
	bool touched;		/* written or resized since it became pending */
	/*
	 * Created by this daemon and not changed since (no write, size,
	 * attribute or layout change; atomic): the kernel holds exactly
	 * what its commit logs, its directory's time included (libfamfs
	 * shows that from the create on), so the commit tells it nothing.
	 */
	bool as_created;
	uint64_t size;		/* current size; read/written atomically */
	/*
	 * Held shared while a request copies to or from the file's device
	 * memory (with no d->lock), exclusively while its memory may move
	 * or go back (file.c): a copy never lands in memory it has left.
	 */
	pthread_rwlock_t layout_lock;
	int backing_id;		/* > 0: every open is passed through */
	int view_fd;		/* the fsdev_dax view behind backing_id */
	uint32_t why;		/* FAMFS_WHY_*: why not passed through */
	/* data requests the daemon served for this node (atomic) */
	uint64_t read_requests;
	uint64_t write_requests;
};

/*
 * What the daemon served itself (counters.c), all updated atomically:
 * read/write requests and their bytes, opens by how they are served,
 * and the views currently registered as passthrough backing files.
 */
struct fused_counters {
	uint64_t read_requests;
	uint64_t write_requests;
	uint64_t read_bytes;
	uint64_t write_bytes;
	uint64_t opens_passthrough;
	uint64_t opens_daemon;
	uint64_t passthrough_views;
};

/* fuse_file_info->fh of a regular file. */
struct open_file {
	struct open_node *node;
	struct open_file *prev, *next;	/* in node->files */
	bool writable;
	/*
	 * Flushed by its opener, and nothing written or resized through it
	 * since (atomic; changed under d->lock): the close of another
	 * handle need not wait for it (file.c).
	 */
	bool settled;
	pid_t opener;		/* thread (tid) that opened it */
};

struct fused {
	struct fused_opts opts;
	char *device;		/* canonical device path (the fsname) */
	char *mountpoint;	/* canonical mountpoint */
	struct famfs_fs *fs;
	struct fuse_session *se;
	const struct famfs_sb_info *sb;
	uint8_t system_uuid[16];
	bool master;
	bool writable;		/* device mapped read-write */
	bool evicted;		/* the master evicted this host; atomic */
	bool replacing;		/* the replacement is being handled; atomic */
	bool replaced;		/* ... and said (status, log); atomic */
	bool metadata_gone;	/* SIGBUS below the data area; atomic */
	/* passthrough.c: device fd for views, -1 when passthrough is off */
	int view_dev_fd;
	uint32_t view_max_extents;	/* the driver's cap on one view */
	bool passthrough_on;		/* negotiated, not given up; atomic */
	uint32_t passthrough_why;	/* FAMFS_WHY_* when off; atomic */
	bool passthrough_probed;	/* a view was offered to the kernel */
	bool passthrough_said;		/* why it is off was logged */
	bool passthrough_announced;	/* the daemon logs where it will stay */
	bool device_gone;		/* unbound: no device access; atomic */
	struct fused_counters counters;
	/* notify.c: what a replay changed, sent to the kernel by a thread */
	pthread_mutex_t notify_lock;
	pthread_cond_t notify_cond;
	struct notify_item *notify_head, **notify_tail;
	pthread_t notify_thread;
	bool notify_started;
	bool notify_stop;
	bool notify_ok;		/* atomic: the kernel takes notifications */
	bool writeback;		/* the kernel caches writes (writeback.c) */
	struct famfs_report rep;

	/* open_node table and every pending-file size change or commit */
	pthread_mutex_t lock;
	struct open_node *nodes;

	/* one client catch-up at a time */
	pthread_mutex_t refresh_lock;

	/* housekeeping tick (housekeeping.c) */
	pthread_mutex_t tick_lock;
	pthread_cond_t tick_cond;
	pthread_t tick_thread;
	bool tick_started;
	bool tick_stop;

	/* poison routing (poison.c); holder_fd is -1 when it is off */
	int holder_fd;
	int poison_wake_fd;
	const char *poison_off_reason;
	pthread_t poison_thread;
	bool poison_started;
	pthread_mutex_t poison_lock;
	struct famfs_extent *poison;	/* sorted, disjoint device ranges */
	size_t poison_count;		/* also read atomically, unlocked */
	size_t poison_cap;
	bool withhold_warned;		/* poison_withhold's one warning */
};

static inline struct fused *fused_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* gone.c: the device was unbound: stop touching it, refuse changes. */
void fused_device_gone(struct fused *d);

/* The device was unbound: its memory must not be touched any more. */
static inline bool device_gone(struct fused *d)
{
	return __atomic_load_n(&d->device_gone, __ATOMIC_ACQUIRE);
}

/* The errno for a namespace change this daemon will not make. */
static inline int fused_refusal(const struct fused *d)
{
	return d->master ? EPERM : EROFS;
}

/*
 * sigbus.c: device memory lost under a live mount (SIGBUS) is recovered
 * from: sigbus_start() installs the handler once the device is mapped;
 * a request brackets its device accesses with sigbus_mark() and
 * sigbus_since() (true: a fault hit it, answer EIO); sigbus_poll() takes
 * what the handler noted into the poisoned ranges and logs it once.
 */
int sigbus_start(struct fused *d);
uint64_t sigbus_mark(void);
bool sigbus_since(struct fused *d, uint64_t mark);
void sigbus_poll(struct fused *d);
/*
 * The kernel's own copy into or out of device memory at @p failed with
 * EFAULT (a read's reply, a write's data from the request pipe): the
 * memory refused it and no SIGBUS reaches the daemon. Said once.
 */
void sigbus_copy_refused(struct fused *d, const void *p, uint64_t len,
			 const char *what);

/*
 * fence.c: whether this host must stop serving (the filesystem was
 * replaced by another mkfs, or this host was evicted). fenced() is cheap,
 * for every request; fence_check() reads the whole superblock (the
 * housekeeping tick). Both log the replacement once. fence_reason() is
 * NULL while serving.
 */
bool fenced(struct fused *d);
bool fence_check(struct fused *d);
const char *fence_reason(struct fused *d);

/* log.c: messages after startup go to stderr (foreground) or syslog. */
void fused_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void fused_log_to_syslog(void);
void fused_report_init(struct famfs_report *rep, const char *device);

/* counters.c: add to one counter; read them all. */
void counters_add(uint64_t *counter, uint64_t n);
void fused_counters_read(struct fused *d, struct fused_counters *out);

/* listing.c: the text of a generated .meta file. */
struct listing {
	char *buf;
	size_t len, cap;
	int err;		/* first failure, negative errno */
};

int listing_init(struct listing *l);
void listing_put(struct listing *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A path on one line and one field: octal escapes, as /proc/mounts does. */
void listing_put_path(struct listing *l, const char *path);

/* attr.c: famfs attributes as the kernel wants them. */
void fused_fill_stat(const struct fused *d, const struct famfs_stat *fst,
		     struct stat *st);
void fused_fill_entry(const struct fused *d, const struct famfs_stat *fst,
		      struct fuse_entry_param *e);
/* Entry and attribute cache time, seconds (also for negative entries). */
double fused_timeout(const struct fused *d);
/* A negative entry: the name does not exist, cached like the others. */
void fused_fill_negative(const struct fused *d, struct fuse_entry_param *e);

/*
 * writeback.c: the master's writeback cache. writeback_init() asks for it
 * at INIT when it applies; writeback_refused() after a WRITE from the
 * page cache failed.
 */
void writeback_init(struct fused *d, struct fuse_conn_info *conn);
void writeback_refused(struct fused *d, uint64_t ino);

/*
 * notify.c: kernel cache invalidation. notify_path() queues the entry of
 * @path (also a negative one), its directory's attributes and its own
 * attributes (and cached data with @data), resolved now; a thread sends.
 */
int notify_start(struct fused *d);
void notify_stop(struct fused *d);
void notify_path(struct fused *d, const char *path, bool data);
/*
 * A master's commit of @path: as notify_path(), but its directory's
 * attributes are sent before return (before the reply to the request).
 */
void notify_committed(struct fused *d, const char *path);
/* @ino's attributes changed: the kernel is told before return. */
void notify_attrs_now(struct fused *d, uint64_t ino);
/*
 * A master request changed directory @dir's times: the kernel is told
 * before return (before the request's reply), on version 2 only.
 */
void notify_dir_changed(struct fused *d, uint64_t dir);

/* meta.c: the read-only .meta directory. */
bool meta_is_ino(uint64_t ino);
/* Generated text, not device memory: served direct_io. */
bool meta_is_generated(uint64_t ino);
/* -EACCES when the caller may not read .meta file @ino (root, the mounter). */
int meta_may_open(fuse_req_t req, uint64_t ino);
int meta_lookup(struct fused *d, uint64_t parent, const char *name,
		struct fuse_entry_param *e);
int meta_getattr(struct fused *d, uint64_t ino, struct stat *st);
/* Fill a readdir buffer of .meta from @off; returns bytes used. */
size_t meta_readdir(struct fused *d, fuse_req_t req, char *buf, size_t size,
		    off_t off, bool plus);
void meta_read(struct fused *d, fuse_req_t req, uint64_t ino, size_t size,
	       off_t off);

/* namespace.c: the directory tree. */
void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		int to_set, struct fuse_file_info *fi);
void op_readlink(fuse_req_t req, fuse_ino_t ino);
void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
	      mode_t mode, dev_t rdev);
void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
	      mode_t mode);
void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		const char *name);
void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
	       fuse_ino_t newparent, const char *newname, unsigned int flags);
void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
	     const char *newname);
void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi);
void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi);
void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void op_statfs(fuse_req_t req, fuse_ino_t ino);
/* Owner and mode of a new entry under @parent, or why it cannot be made. */
int new_entry_owner(struct fused *d, fuse_req_t req, uint64_t parent,
		    const char *name, uint32_t *mode, uint32_t *uid,
		    uint32_t *gid);

/* file.c: open files, the data path, and commit on close. */
void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
	     struct fuse_file_info *fi);
void op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *bufv,
		  off_t off, struct fuse_file_info *fi);
void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
	      struct fuse_file_info *fi);
void op_create(fuse_req_t req, fuse_ino_t parent, const char *name,
	       mode_t mode, struct fuse_file_info *fi);
void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t offset,
		  off_t length, struct fuse_file_info *fi);
/* Resize a pending file (setattr size); d->lock held. */
int file_resize_pending(struct fused *d, uint64_t ino, uint64_t size);
/* Let a committed empty file grow (pending again); d->lock held. */
int file_make_growable(struct fused *d, uint64_t ino);
/* Commit a size change no writer will close (truncate by path). */
int file_commit_unopened(struct fused *d, uint64_t ino);
/* Commit @ino if it is pending (before a rename moves it); d->lock held. */
int file_commit_pending(struct fused *d, uint64_t ino);
/* The kernel changed @ino's attributes (setattr, layout); d->lock held. */
void file_attrs_changed(struct fused *d, uint64_t ino);
/* A size change through handle @fi (may be NULL); d->lock held. */
void file_resized_through(struct fuse_file_info *fi);
/* Take @ino's state from libfamfs again (it was deleted); d->lock held. */
void file_node_sync(struct fused *d, uint64_t ino);
/* FAMFS_IOC_COMMIT: commit the pending file behind @fi now. */
int file_commit_now(struct fused *d, uint64_t ino, struct fuse_file_info *fi);
/* Commit every pending file still open (unmount). */
void file_commit_all(struct fused *d);
/* FAMFS_IOC_SERVING: how inode @ino (0: the mount) is served. */
struct famfs_ioc_serving;
int file_serving(struct fused *d, uint64_t ino, struct famfs_ioc_serving *out);
/* .meta/.serving: the mount's mode, then one line per open file. */
int file_serving_listing(struct fused *d, char **text, size_t *len);

/*
 * names.c: unlink, rmdir, rename, symlink, readlink, link. On a format
 * version 1 device: -EOPNOTSUPP, with one log line naming @what.
 */
int fused_version2_only(struct fused *d, const char *what);

/* xattr.c: the interleave layout request, "user.famfs.interleave". */
void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		 const char *value, size_t size, int flags);
void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size);
void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name);

/* control.c: ioctls used by the famfs CLI. */
void op_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
	      struct fuse_file_info *fi, unsigned int flags,
	      const void *in_buf, size_t in_bufsz, size_t out_bufsz);

/* refresh.c: a client's catch-up with the master's log. */
void refresh_if_moved(struct fused *d);
int refresh_now(struct fused *d);

/* housekeeping.c: a client's twice-a-second check for new entries. */
int housekeeping_start(struct fused *d);
void housekeeping_stop(struct fused *d);

/*
 * poison.c: memory failures reported by fsdev_dax, routed to the files
 * they hit. poison_start() claims the device's holder when it can (it
 * fails only when a thread cannot be started), poison_announce() logs
 * whether routing is on, poison_stop() releases everything.
 */
int poison_start(struct fused *d);
/*
 * Take the poisoned ranges recorded in the log into the daemon's list;
 * as the holder, first have fsdev_dax withhold each new one from every
 * mapping (poison another host saw never reached this kernel).
 */
void poison_import(struct fused *d);
void poison_announce(struct fused *d);
void poison_stop(struct fused *d);
/*
 * Add [off, off+len) to the known poisoned (or lost) device ranges: never
 * read or written through famfs again. Memory only: not logged.
 */
int poison_remember(struct fused *d, uint64_t off, uint64_t len);
/* Whether device bytes [off, off+len) hold known poison. */
bool poison_overlaps(struct fused *d, uint64_t off, uint64_t len);
/* -EIO when file bytes [pos, pos+len) of @ino hold known poison. */
int poison_check_file(struct fused *d, uint64_t ino, uint64_t pos,
		      uint64_t len);
/* status.c: the .meta/.status text (malloc'ed JSON), made when read. */
int status_text(struct fused *d, char **text, size_t *len);

/* The .meta/.poison text (malloc'ed): one line per range and owner. */
int poison_listing(struct fused *d, char **text, size_t *len);

/*
 * passthrough.c: committed files served by FUSE passthrough onto
 * fsdev_dax views. passthrough_start() checks the device and our
 * capabilities, passthrough_init() negotiates at INIT.
 */
int passthrough_start(struct fused *d);
void passthrough_stop(struct fused *d);
void passthrough_init(struct fused *d, struct fuse_conn_info *conn);
/* After startup: log why passthrough is off, if it is. */
void passthrough_announce(struct fused *d);
/* FAMFS_WHY_* of the mount: 0 when passthrough is on. */
uint32_t passthrough_mount_why(struct fused *d);
/* Why an open of @st now would be served by the daemon, or 0. */
uint32_t passthrough_why_not(struct fused *d, const struct famfs_stat *st);
/* Offer the kernel a small view once, to learn whether it takes them. */
void passthrough_probe(struct fused *d, fuse_req_t req);
/*
 * d->lock held: a new node's view and backing id when it can have them
 * (n->why says why not); -ENXIO once the device is gone.
 */
int passthrough_node_setup(struct fused *d, fuse_req_t req,
			   struct open_node *n, const struct famfs_stat *st);
/* d->lock held: the node's last handle is gone (@req NULL: unmount). */
void passthrough_node_teardown(struct fused *d, fuse_req_t req,
			       struct open_node *n);

/* readahead.c: 1 MiB page-cache readahead for this mount (root only). */
void readahead_tune(struct fused *d);

/* ops.c: the operation table. */
extern const struct fuse_lowlevel_ops fused_ops;

#endif
