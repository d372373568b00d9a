// SPDX-License-Identifier: Apache-2.0
/*
 * uring_floor: the FUSE floor (bench/fuse_floor.c) without libfuse, so
 * that the kernel transport is the one thing that changes between runs.
 * One raw daemon (it opens /dev/fuse, mounts with mount(2) and answers
 * FUSE_INIT itself) serves fuse_floor's in-memory namespace
 * (bench/floor_store.c) over one of:
 *   -t fd      /dev/fuse, read() and writev() from -n threads (a /dev/fuse
 *              clone per thread, as libfuse's clone_fd loop; -n 1 is one
 *              thread on the mount's own fd)
 *   -t uring   FUSE over io_uring (Linux 6.14+, fuse.enable_uring=Y): one
 *              queue per possible CPU, served by a thread pinned to that
 *              CPU with -q ring entries; /dev/fuse still carries INIT,
 *              FORGET and INTERRUPT, read by the main thread
 * INIT asks for what libfuse 3.17 asks for on bench/fuse_floor's behalf
 * (its -d output: protocol 7.40, async read, big writes, readdirplus
 * auto, async dio, writeback cache, max_pages; 1 MiB max_write and
 * readahead), and every entry, negative entry and attribute is cached
 * for 86400 s, so the kernel sends the requests it sends fuse_floor.
 * The daemon stays in the foreground; umount(8) ends it.
 *
 * usage: uring_floor [-t fd|uring] [-n THREADS] [-q DEPTH]
 *                    [-D] [-P] [-o direct_io] [-v] MOUNTPOINT
 * -D: rings set up with IORING_SETUP_SINGLE_ISSUER | DEFER_TASKRUN (the
 *     request's task work runs only when the queue thread waits)
 * -P: never sleep: -t fd threads retry a non-blocking read(), and -t uring
 *     is one thread that spins on one ring registered in every CPU's
 *     queue. Each spinning thread takes a CPU: a measure of what the
 *     wake-ups cost, not a way to run a daemon
 * -v: at unmount, how many requests each transport answered
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* CPU_SET, pthread_setaffinity_np */
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <liburing.h>
#include <linux/fuse.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "floor_store.h"

/*
 * The io_uring part of the FUSE uapi (Linux 6.14, protocol 7.42), which
 * older <linux/fuse.h> (Debian 12: 7.38) lacks; layout from the kernel's
 * include/uapi/linux/fuse.h and Documentation/filesystems/fuse-io-uring.
 */
#ifndef FUSE_URING_IN_OUT_HEADER_SZ
#define FUSE_URING_IN_OUT_HEADER_SZ 128
#define FUSE_URING_OP_IN_OUT_SZ 128
struct fuse_uring_ent_in_out {
	uint64_t flags;
	uint64_t commit_id;	/* the request's unique, echoed on commit */
	uint32_t payload_sz;	/* bytes used in the payload buffer */
	uint32_t padding;
	uint64_t reserved;
};

struct fuse_uring_req_header {
	char in_out[FUSE_URING_IN_OUT_HEADER_SZ];	/* in/out header */
	char op_in[FUSE_URING_OP_IN_OUT_SZ];	/* the opcode's own header */
	struct fuse_uring_ent_in_out ring_ent_in_out;
};

enum fuse_uring_cmd {
	FUSE_IO_URING_CMD_INVALID = 0,
	FUSE_IO_URING_CMD_REGISTER = 1,
	FUSE_IO_URING_CMD_COMMIT_AND_FETCH = 2,
};

struct fuse_uring_cmd_req {	/* in the SQE's 80-byte command area */
	uint64_t flags;
	uint64_t commit_id;
	uint16_t qid;
	uint8_t padding[6];
};
#endif
#ifndef FUSE_OVER_IO_URING
#define FUSE_OVER_IO_URING (1ULL << 41)
#endif
#ifndef FUSE_DIRECT_IO_ALLOW_MMAP
#define FUSE_DIRECT_IO_ALLOW_MMAP (1ULL << 36)
#endif
#ifndef FUSE_STATX
#define FUSE_STATX 52
#endif

#define MAX_IO (1U << 20)		/* famfs_fused's request ceiling */
#define TIMEOUT_S 86400			/* the master's cache timeouts */
#define PROTO_MINOR 40			/* what libfuse 3.17 answers */
#define IN_BUF (MAX_IO + 65536)		/* one /dev/fuse request */
#define SCRATCH 65536			/* a reply other than read data */
#define NAME "uring_floor"

static struct {
	bool direct_io;
	bool verbose;
	bool poll;		/* -P: spin instead of sleeping */
	int fd;
	uint64_t served_fd, served_ring;	/* requests answered */
} g;

/* Unmounted: say what served the mount (-v), for the smoke test. */
static void done(int status)
{
	static bool ending;

	/* every ring's thread sees the unmount: one of them reports */
	if (__atomic_exchange_n(&ending, true, __ATOMIC_ACQ_REL))
		pause();
	if (g.verbose)
		fprintf(stderr, NAME ": served %llu requests over /dev/fuse, "
			"%llu over io_uring\n",
			(unsigned long long)__atomic_load_n(&g.served_fd,
							    __ATOMIC_RELAXED),
			(unsigned long long)__atomic_load_n(&g.served_ring,
							    __ATOMIC_RELAXED));
	exit(status);
}

/* Unlink a name; its bytes go at once (nothing reads them after). */
static int remove_entry(uint64_t parent, const char *name, bool want_dir)
{
	struct node *n;
	int rc = remove_name(parent, name, want_dir, &n);

	if (!rc)
		drop_data(n);
	return rc;
}

/* ---- requests --------------------------------------------------------- */

/* A reply: small arguments in buf, bulk data (read) at ext. */
struct reply {
	int error;		/* negative errno, or 0 */
	bool none;		/* FORGET and INTERRUPT get no reply */
	size_t len;
	const void *ext;
	size_t ext_len;
	uint8_t buf[SCRATCH];
};

static void *put(struct reply *r, size_t len)
{
	void *p = r->buf + r->len;

	memset(p, 0, len);
	r->len += len;
	return p;
}

static void fill_attr(const struct node *n, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = n->ino;
	a->size = n->size;
	a->blocks = (n->size + PAGE_BYTES - 1) / PAGE_BYTES *
		    (PAGE_BYTES / 512);
	a->atime = n->atime.tv_sec;
	a->mtime = n->mtime.tv_sec;
	a->ctime = n->ctime.tv_sec;
	a->atimensec = n->atime.tv_nsec;
	a->mtimensec = n->mtime.tv_nsec;
	a->ctimensec = n->ctime.tv_nsec;
	a->mode = n->mode;
	a->nlink = n->nlink;
	a->uid = n->uid;
	a->gid = n->gid;
	a->blksize = MAX_IO;
}

static void fill_entry(const struct node *n, struct fuse_entry_out *e)
{
	memset(e, 0, sizeof(*e));
	e->nodeid = n->ino;
	e->generation = 1;
	e->entry_valid = TIMEOUT_S;
	e->attr_valid = TIMEOUT_S;
	fill_attr(n, &e->attr);
}

static void reply_attr(struct reply *r, const struct node *n)
{
	struct fuse_attr_out *o = put(r, sizeof(*o));

	o->attr_valid = TIMEOUT_S;
	fill_attr(n, &o->attr);
}

static uint32_t open_flags(uint32_t flags)
{
	uint32_t f = g.direct_io ? FOPEN_DIRECT_IO : 0;

	return (flags & O_ACCMODE) == O_RDONLY ? f | FOPEN_NOFLUSH : f;
}

/* The size of each opcode's own header, which io_uring delivers apart. */
static size_t op_header_size(uint32_t opcode)
{
	switch (opcode) {
	case FUSE_FORGET: return sizeof(struct fuse_forget_in);
	case FUSE_BATCH_FORGET: return sizeof(struct fuse_batch_forget_in);
	case FUSE_GETATTR: return sizeof(struct fuse_getattr_in);
	case FUSE_SETATTR: return sizeof(struct fuse_setattr_in);
	case FUSE_MKNOD: return sizeof(struct fuse_mknod_in);
	case FUSE_MKDIR: return sizeof(struct fuse_mkdir_in);
	case FUSE_OPEN: case FUSE_OPENDIR: return sizeof(struct fuse_open_in);
	case FUSE_CREATE: return sizeof(struct fuse_create_in);
	case FUSE_READ: case FUSE_READDIR: case FUSE_READDIRPLUS:
		return sizeof(struct fuse_read_in);
	case FUSE_WRITE: return sizeof(struct fuse_write_in);
	case FUSE_RELEASE: case FUSE_RELEASEDIR:
		return sizeof(struct fuse_release_in);
	case FUSE_FLUSH: return sizeof(struct fuse_flush_in);
	case FUSE_FSYNC: case FUSE_FSYNCDIR:
		return sizeof(struct fuse_fsync_in);
	case FUSE_INTERRUPT: return sizeof(struct fuse_interrupt_in);
	default: return 0;	/* LOOKUP, UNLINK, RMDIR, STATFS: none */
	}
}

static void do_setattr(const struct fuse_setattr_in *in, struct node *n,
		       struct reply *r)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	if (in->valid & FATTR_SIZE) {
		r->error = S_ISDIR(n->mode) ? -EISDIR : resize(n, in->size);
		if (r->error)
			return;
		n->mtime = now;
	}
	if (in->valid & FATTR_MODE)
		n->mode = (n->mode & S_IFMT) | (in->mode & 07777);
	if (in->valid & FATTR_UID)
		n->uid = in->uid;
	if (in->valid & FATTR_GID)
		n->gid = in->gid;
	if (in->valid & FATTR_ATIME_NOW)
		n->atime = now;
	else if (in->valid & FATTR_ATIME)
		n->atime = (struct timespec){ in->atime, in->atimensec };
	if (in->valid & FATTR_MTIME_NOW)
		n->mtime = now;
	else if (in->valid & FATTR_MTIME)
		n->mtime = (struct timespec){ in->mtime, in->mtimensec };
	if (in->valid & FATTR_CTIME)
		n->ctime = (struct timespec){ in->ctime, in->ctimensec };
	else
		n->ctime = now;
	reply_attr(r, n);
}

/* One directory entry into @r; false when the kernel's buffer is full. */
static bool put_dirent(struct reply *r, size_t room, bool plus,
		       const struct node *n, const char *name, uint64_t off)
{
	size_t nl = strlen(name), sz;
	struct fuse_dirent *d;

	sz = plus ? FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET_DIRENTPLUS + nl)
		  : FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + nl);
	if (r->len + sz > room)
		return false;
	if (plus) {
		struct fuse_direntplus *p = put(r, sz);

		/* the kernel looks up neither "." nor ".." */
		if (off > 2)
			fill_entry(n, &p->entry_out);
		d = &p->dirent;
	} else {
		d = put(r, sz);
	}
	d->ino = n->ino;
	d->off = off;
	d->namelen = nl;
	d->type = (n->mode & S_IFMT) >> 12;
	memcpy(d->name, name, nl);
	return true;
}

/* READDIR(PLUS): "." and ".." at offsets 1 and 2, children at ino + 2 */
static void do_readdir(const struct fuse_in_header *ih,
		       const struct fuse_read_in *in, bool plus,
		       struct reply *r)
{
	struct node *dir = node_of(ih->nodeid), *c;
	size_t room = in->size < SCRATCH ? in->size : SCRATCH;

	if (!dir || !S_ISDIR(dir->mode)) {
		r->error = -ENOTDIR;
		return;
	}
	if (in->offset < 1 && !put_dirent(r, room, plus, dir, ".", 1))
		return;
	if (in->offset < 2 && !put_dirent(r, room, plus,
					  dir->parent ? dir->parent : dir,
					  "..", 2))
		return;
	for (c = dir->first_child; c; c = c->next_sibling)
		if (c->ino + 2 > in->offset &&
		    !put_dirent(r, room, plus, c, c->name, c->ino + 2))
			return;
}

/* Everything but the data path's own locking: @op is the opcode header. */
static void handle(const struct fuse_in_header *ih, const void *op,
		   const char *payload, size_t payload_len, struct reply *r)
{
	struct node *n = NULL;
	int rc;

	r->error = 0;
	r->none = false;
	r->len = 0;
	r->ext = NULL;
	r->ext_len = 0;
	(void)payload_len;
	switch (ih->opcode) {
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		r->none = true;	/* nodes live as long as the mount */
		return;
	case FUSE_LOOKUP: {
		struct fuse_entry_out *e = put(r, sizeof(*e));
		struct node *dir;

		pthread_rwlock_rdlock(&store.lock);
		dir = node_of(ih->nodeid);
		n = dir ? child_of(dir, payload) : NULL;
		if (!dir)
			r->error = -ENOENT;
		else if (n)
			fill_entry(n, e);
		else
			e->entry_valid = TIMEOUT_S;	/* negative entry */
		pthread_rwlock_unlock(&store.lock);
		return;
	}
	case FUSE_GETATTR:
		pthread_rwlock_rdlock(&store.lock);
		n = node_of(ih->nodeid);
		if (n)
			reply_attr(r, n);
		else
			r->error = -ENOENT;
		pthread_rwlock_unlock(&store.lock);
		return;
	case FUSE_SETATTR:
		pthread_rwlock_wrlock(&store.lock);
		n = node_of(ih->nodeid);
		if (n)
			do_setattr(op, n, r);
		else
			r->error = -ENOENT;
		pthread_rwlock_unlock(&store.lock);
		return;
	case FUSE_MKNOD:
	case FUSE_MKDIR:
	case FUSE_CREATE: {
		uint32_t mode;

		if (ih->opcode == FUSE_MKNOD) {
			mode = ((const struct fuse_mknod_in *)op)->mode;
			if (!S_ISREG(mode)) {
				r->error = -EPERM;
				return;
			}
		} else if (ih->opcode == FUSE_MKDIR) {
			mode = S_IFDIR |
			       (((const struct fuse_mkdir_in *)op)->mode & 07777);
		} else {
			mode = S_IFREG |
			       (((const struct fuse_create_in *)op)->mode & 07777);
		}
		pthread_rwlock_wrlock(&store.lock);
		rc = make_node(ih->nodeid, payload, mode, ih->uid, ih->gid,
			       &n);
		if (!rc)
			fill_entry(n, put(r, sizeof(struct fuse_entry_out)));
		pthread_rwlock_unlock(&store.lock);
		r->error = rc;
		if (!rc && ih->opcode == FUSE_CREATE) {
			struct fuse_open_out *o = put(r, sizeof(*o));

			o->fh = n->ino;
			o->open_flags = open_flags(
				((const struct fuse_create_in *)op)->flags);
		}
		return;
	}
	case FUSE_UNLINK:
	case FUSE_RMDIR:
		pthread_rwlock_wrlock(&store.lock);
		r->error = remove_entry(ih->nodeid, payload,
				       ih->opcode == FUSE_RMDIR);
		pthread_rwlock_unlock(&store.lock);
		return;
	case FUSE_OPEN:
	case FUSE_OPENDIR: {
		struct fuse_open_out *o = put(r, sizeof(*o));

		o->fh = ih->nodeid;
		if (ih->opcode == FUSE_OPEN)
			o->open_flags = open_flags(
				((const struct fuse_open_in *)op)->flags);
		return;
	}
	case FUSE_READ:
		return;		/* the transport copies under the read lock */
	case FUSE_WRITE: {
		const struct fuse_write_in *in = op;
		struct fuse_write_out *o;

		pthread_rwlock_wrlock(&store.lock);
		n = node_of(ih->nodeid);
		rc = n ? reserve_write(n, in->offset, in->size) : -ENOENT;
		if (!rc) {
			memcpy(store.arena + n->data + in->offset, payload,
			       in->size);
			if (in->offset + in->size > n->size)
				n->size = in->offset + in->size;
		}
		pthread_rwlock_unlock(&store.lock);
		r->error = rc;
		if (!rc) {
			o = put(r, sizeof(*o));
			o->size = in->size;
		}
		return;
	}
	case FUSE_READDIR:
	case FUSE_READDIRPLUS:
		pthread_rwlock_rdlock(&store.lock);
		do_readdir(ih, op, ih->opcode == FUSE_READDIRPLUS, r);
		pthread_rwlock_unlock(&store.lock);
		return;
	case FUSE_STATFS: {
		struct fuse_statfs_out *o = put(r, sizeof(*o));

		o->st.blocks = o->st.bfree = o->st.bavail =
			ARENA_BYTES / PAGE_BYTES;
		o->st.files = o->st.ffree = 1ULL << 32;
		o->st.bsize = o->st.frsize = PAGE_BYTES;
		o->st.namelen = NAME_MAX;
		return;
	}
	case FUSE_RELEASE:
	case FUSE_RELEASEDIR:
	case FUSE_FLUSH:
	case FUSE_FSYNC:
	case FUSE_FSYNCDIR:
		return;
	default:
		r->error = -ENOSYS;	/* the kernel stops asking */
		return;
	}
}

/* READ: @n's bytes go out of the arena; call with the read lock held. */
static void read_extent(const struct fuse_in_header *ih,
			const struct fuse_read_in *in, struct reply *r)
{
	struct node *n = node_of(ih->nodeid);
	uint64_t end = n ? n->size : 0;

	if (in->offset < end) {
		r->ext = store.arena + n->data + in->offset;
		r->ext_len = end - in->offset < in->size ?
			     end - in->offset : in->size;
	}
}

/* ---- transport: /dev/fuse --------------------------------------------- */

static void *fd_worker(void *arg)
{
	int fd = (int)(intptr_t)arg;
	uint8_t *in = malloc(IN_BUF);
	struct reply *r = malloc(sizeof(*r));

	if (!in || !r) {
		fprintf(stderr, NAME ": out of memory\n");
		exit(1);
	}
	for (;;) {
		const struct fuse_in_header *ih = (const void *)in;
		struct fuse_out_header oh;
		struct iovec iov[3];
		ssize_t got = read(fd, in, IN_BUF);
		size_t hs;
		bool rd;

		if (got < 0 && (errno == EINTR || errno == ENOENT ||
				errno == EAGAIN))
			continue;	/* ENOENT: the request was aborted */
		if (got < 0 && errno == ENODEV)
			done(0);	/* unmounted */
		if (got < (ssize_t)sizeof(*ih)) {
			fprintf(stderr, NAME ": read /dev/fuse: %s\n",
				got < 0 ? strerror(errno) : "short request");
			exit(1);
		}
		hs = op_header_size(ih->opcode);
		rd = ih->opcode == FUSE_READ;
		if (rd)
			pthread_rwlock_rdlock(&store.lock);
		handle(ih, in + sizeof(*ih), (const char *)in + sizeof(*ih) + hs,
		       got - sizeof(*ih) - hs, r);
		if (rd)
			read_extent(ih, (const void *)(in + sizeof(*ih)), r);
		if (g.verbose)
			__atomic_add_fetch(&g.served_fd, 1, __ATOMIC_RELAXED);
		if (!r->none) {
			oh.unique = ih->unique;
			oh.error = r->error;
			iov[0] = (struct iovec){ &oh, sizeof(oh) };
			iov[1] = (struct iovec){ r->buf, r->error ? 0 : r->len };
			iov[2] = (struct iovec){ (void *)r->ext,
						 r->error ? 0 : r->ext_len };
			oh.len = iov[0].iov_len + iov[1].iov_len +
				 iov[2].iov_len;
			/* ENOENT: the request was interrupted meanwhile */
			if (writev(fd, iov, 3) < 0 && errno != ENOENT) {
				fprintf(stderr, NAME ": write /dev/fuse: %s\n",
					strerror(errno));
				exit(1);
			}
		}
		if (rd)
			pthread_rwlock_unlock(&store.lock);
	}
	return NULL;
}

static int clone_fd(void)
{
	uint32_t master = g.fd;
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (fd < 0 || ioctl(fd, FUSE_DEV_IOC_CLONE, &master) ||
	    (g.poll && fcntl(fd, F_SETFL, O_RDWR | O_NONBLOCK))) {
		fprintf(stderr, NAME ": clone /dev/fuse: %s\n", strerror(errno));
		exit(1);
	}
	return fd;
}

/* ---- transport: io_uring ---------------------------------------------- */

struct ring_ent {
	struct fuse_uring_req_header hdr;
	struct iovec iov[2];
	uint8_t *payload;
	int qid;		/* the kernel queue it is registered in */
};

struct queue {
	int qid, depth;
	int nqids;		/* kernel queues served: qid, qid + 1, ... */
	bool poll;		/* spin on the completion ring (-P) */
	unsigned int setup_flags;
	pthread_t thread;
	struct io_uring ring;
	struct ring_ent *ents;
	struct reply *r;
};

static void queue_cmd(struct queue *q, struct ring_ent *e, uint32_t op)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);
	struct fuse_uring_cmd_req *cmd;

	if (!sqe) {	/* depth entries never outnumber the SQ ring */
		fprintf(stderr, NAME ": queue %d: no free SQE\n", q->qid);
		exit(1);
	}
	memset(sqe, 0, 128);	/* SQE128: the command area too */
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->flags = IOSQE_FIXED_FILE;	/* /dev/fuse, registered: index 0 */
	sqe->fd = 0;
	sqe->cmd_op = op;
	sqe->user_data = (uint64_t)(uintptr_t)e;
	cmd = (struct fuse_uring_cmd_req *)sqe->cmd;
	cmd->qid = e->qid;
	if (op == FUSE_IO_URING_CMD_REGISTER) {
		sqe->addr = (uint64_t)(uintptr_t)e->iov;
		sqe->len = 2;
	} else {
		cmd->commit_id = e->hdr.ring_ent_in_out.commit_id;
	}
}

/* One fetched request: answer it in place and queue its commit. */
static void serve_ent(struct queue *q, struct ring_ent *e)
{
	struct fuse_in_header ih;
	struct fuse_out_header *oh = (void *)e->hdr.in_out;
	struct reply *r = q->r;
	size_t len = 0;
	bool rd;

	memcpy(&ih, e->hdr.in_out, sizeof(ih));
	if (g.verbose)
		__atomic_add_fetch(&g.served_ring, 1, __ATOMIC_RELAXED);
	rd = ih.opcode == FUSE_READ;
	if (rd)
		pthread_rwlock_rdlock(&store.lock);
	handle(&ih, e->hdr.op_in, (const char *)e->payload,
	       e->hdr.ring_ent_in_out.payload_sz, r);
	if (rd)
		read_extent(&ih, (const void *)e->hdr.op_in, r);
	if (!r->error) {
		/* the reply overwrites the request's payload: built apart */
		memcpy(e->payload, r->buf, r->len);
		if (r->ext_len)
			memcpy(e->payload + r->len, r->ext, r->ext_len);
		len = r->len + r->ext_len;
	}
	if (rd)
		pthread_rwlock_unlock(&store.lock);
	memset(oh, 0, sizeof(*oh));
	oh->unique = ih.unique;
	oh->error = r->error;
	oh->len = sizeof(*oh) + len;
	e->hdr.ring_ent_in_out.payload_sz = len;
	queue_cmd(q, e, FUSE_IO_URING_CMD_COMMIT_AND_FETCH);
}

/* The queue's ring and entries; made by the thread that submits (-D). */
static void setup_queue(struct queue *q, unsigned int setup_flags)
{
	int rc;

	q->ents = calloc(q->depth * q->nqids, sizeof(*q->ents));
	q->r = malloc(sizeof(*q->r));
	if (!q->ents || !q->r) {
		fprintf(stderr, NAME ": out of memory\n");
		exit(1);
	}
	rc = io_uring_queue_init(2 * q->depth * q->nqids, &q->ring,
				 IORING_SETUP_SQE128 | setup_flags);
	if (!rc)
		rc = io_uring_register_files(&q->ring, &g.fd, 1);
	if (rc) {
		fprintf(stderr, NAME ": queue %d: io_uring setup: %s\n",
			q->qid, strerror(-rc));
		exit(1);
	}
	for (int j = 0; j < q->depth * q->nqids; j++) {
		struct ring_ent *e = &q->ents[j];

		e->qid = q->qid + j / q->depth;
		e->payload = mmap(NULL, MAX_IO, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (e->payload == MAP_FAILED) {
			fprintf(stderr, NAME ": out of memory\n");
			exit(1);
		}
		e->iov[0] = (struct iovec){ &e->hdr, sizeof(e->hdr) };
		e->iov[1] = (struct iovec){ e->payload, MAX_IO };
		queue_cmd(q, e, FUSE_IO_URING_CMD_REGISTER);
	}
}

static void *ring_worker(void *arg)
{
	struct queue *q = arg;
	cpu_set_t set;

	/* requests go to the queue of the CPU the caller runs on */
	CPU_ZERO(&set);
	CPU_SET(q->qid, &set);
	if (!q->poll)
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	setup_queue(q, q->setup_flags);
	for (;;) {
		struct io_uring_cqe *cqe;
		int rc;

		/*
		 * -P never sleeps: the kernel's task work that fills an entry
		 * interrupts the spin (TWA_SIGNAL) and posts the completion
		 */
		if (q->poll) {
			rc = io_uring_submit(&q->ring);
			while (rc >= 0 && !io_uring_cq_ready(&q->ring))
				;
		} else {
			rc = io_uring_submit_and_wait(&q->ring, 1);
		}

		if (rc < 0 && rc != -EINTR) {
			fprintf(stderr, NAME ": queue %d: io_uring_enter: %s\n",
				q->qid, strerror(-rc));
			exit(1);
		}
		while (!io_uring_peek_cqe(&q->ring, &cqe)) {
			struct ring_ent *e = io_uring_cqe_get_data(cqe);
			int res = cqe->res;

			io_uring_cqe_seen(&q->ring, cqe);
			if (res == -ENOTCONN || res == -ECONNABORTED)
				done(0);	/* unmounted */
			if (res < 0) {
				fprintf(stderr, NAME ": queue %d: %s: %s\n",
					q->qid, "FUSE uring command",
					strerror(-res));
				exit(1);
			}
			serve_ent(q, e);
		}
	}
	return NULL;
}

/* The kernel makes one queue per possible CPU: all must register. */
static int possible_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "re");
	int last = -1;
	char sep;

	/* "0-N", or a list whose last number is the highest CPU */
	while (f && fscanf(f, "%d%c", &last, &sep) == 2 && sep != '\n')
		;
	if (f)
		fclose(f);
	return last >= 0 ? last + 1 : get_nprocs_conf();
}

static void start_rings(int depth, unsigned int setup_flags, bool poll)
{
	int nq = possible_cpus(), threads = poll ? 1 : nq;
	struct queue *qs = calloc(nq, sizeof(*qs));

	if (!qs) {
		fprintf(stderr, NAME ": out of memory\n");
		exit(1);
	}
	/* -P: one spinning thread serves every CPU's queue from one ring */
	for (int i = 0; i < threads; i++) {
		qs[i].qid = i;
		qs[i].nqids = poll ? nq : 1;
		qs[i].poll = poll;
		qs[i].depth = depth;
		qs[i].setup_flags = setup_flags;
		if (pthread_create(&qs[i].thread, NULL, ring_worker, &qs[i])) {
			fprintf(stderr, NAME ": cannot start queue %d\n", i);
			exit(1);
		}
	}
}

/* ---- setup ------------------------------------------------------------ */

static void answer_init(bool uring)
{
	uint8_t *in = malloc(IN_BUF);
	const struct fuse_in_header *ih = (const void *)in;
	const struct fuse_init_in *ii = (const void *)(in + sizeof(*ih));
	struct {
		struct fuse_out_header oh;
		struct fuse_init_out io;
	} rep;
	uint64_t flags, offered;
	ssize_t got;

	do
		got = in ? read(g.fd, in, IN_BUF) : -1;
	while (got < 0 && errno == EINTR);
	if (got < (ssize_t)(sizeof(*ih) + sizeof(*ii)) ||
	    ih->opcode != FUSE_INIT || ii->major != 7) {
		fprintf(stderr, NAME ": no FUSE_INIT from the kernel\n");
		exit(1);
	}
	offered = ii->flags;
	if (ii->flags & FUSE_INIT_EXT)
		offered |= (uint64_t)ii->flags2 << 32;
	/* libfuse 3.17's answer for fuse_floor (its -d: flags 0x4041f021) */
	flags = FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_AUTO_INVAL_DATA |
		FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO | FUSE_ASYNC_DIO |
		FUSE_MAX_PAGES | FUSE_INIT_EXT | FUSE_DIRECT_IO_ALLOW_MMAP;
	if (!g.direct_io)
		flags |= FUSE_WRITEBACK_CACHE;
	if (uring) {
		if (!(offered & FUSE_OVER_IO_URING)) {
			fprintf(stderr, NAME ": the kernel does not offer FUSE "
				"over io_uring (fuse.enable_uring is not Y)\n");
			exit(1);
		}
		flags |= FUSE_OVER_IO_URING;
	}
	flags &= offered;
	memset(&rep, 0, sizeof(rep));
	rep.oh.len = sizeof(rep);
	rep.oh.unique = ih->unique;
	rep.io.major = 7;
	rep.io.minor = ii->minor < PROTO_MINOR ? ii->minor : PROTO_MINOR;
	rep.io.max_readahead = MAX_IO;
	rep.io.flags = (uint32_t)flags;
	rep.io.flags2 = (uint32_t)(flags >> 32);
	rep.io.max_write = MAX_IO;
	rep.io.time_gran = 1;
	rep.io.max_pages = MAX_IO / PAGE_BYTES;
	if (write(g.fd, &rep, sizeof(rep)) != sizeof(rep)) {
		fprintf(stderr, NAME ": answer FUSE_INIT: %s\n",
			strerror(errno));
		exit(1);
	}
	free(in);
}

static void usage(void)
{
	fprintf(stderr, "usage: " NAME " [-t fd|uring] [-n THREADS] "
		"[-q DEPTH] [-D] [-P] [-o direct_io] [-v] "
		"MOUNTPOINT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	char mountpoint[PATH_MAX], opts[256];
	int opt, threads = 1, depth = 4;
	unsigned int setup_flags = 0;
	bool uring = false;

	while ((opt = getopt(argc, argv, "t:n:q:o:vDP")) != -1) {
		if (opt == 't' && !strcmp(optarg, "uring"))
			uring = true;
		else if (opt == 't' && !strcmp(optarg, "fd"))
			uring = false;
		else if (opt == 'n' && atoi(optarg) > 0)
			threads = atoi(optarg);
		else if (opt == 'q' && atoi(optarg) > 0)
			depth = atoi(optarg);
		else if (opt == 'o' && !strcmp(optarg, "direct_io"))
			g.direct_io = true;
		else if (opt == 'v')
			g.verbose = true;
		else if (opt == 'P')
			g.poll = true;
		else if (opt == 'D')
			setup_flags = IORING_SETUP_SINGLE_ISSUER |
				      IORING_SETUP_DEFER_TASKRUN;
		else
			usage();
	}
	/* deferred task work would never run under a thread that spins */
	if (optind + 1 != argc || (g.poll && setup_flags))
		usage();
	if (!realpath(argv[optind], mountpoint)) {
		fprintf(stderr, NAME ": %s: %s\n", argv[optind],
			strerror(errno));
		return 1;
	}
	if (store_init()) {
		fprintf(stderr, NAME ": out of memory\n");
		return 1;
	}
	g.fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (g.fd < 0) {
		fprintf(stderr, NAME ": /dev/fuse: %s\n", strerror(errno));
		return 1;
	}
	/* libfuse's mount(2) for fuse_floor: nosuid, nodev, these options */
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40000,user_id=%u,"
		 "group_id=%u,default_permissions%s", g.fd, getuid(),
		 getgid(), geteuid() == 0 ? ",allow_other" : "");
	if (mount(NAME, mountpoint, "fuse." NAME, MS_NOSUID | MS_NODEV,
		  opts)) {
		fprintf(stderr, NAME ": mount %s: %s\n", mountpoint,
			strerror(errno));
		return 1;
	}
	if (!g.direct_io)
		tune_readahead(mountpoint, NAME, MAX_IO / 1024);
	answer_init(uring);
	if (uring) {
		start_rings(depth, setup_flags, g.poll);
		fd_worker((void *)(intptr_t)g.fd);	/* FORGET, INTERRUPT */
	}
	/* -P: read() fails with EAGAIN rather than sleeping, and is retried */
	if (g.poll && fcntl(g.fd, F_SETFL, O_RDWR | O_NONBLOCK)) {
		fprintf(stderr, NAME ": /dev/fuse: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 1; i < threads; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, fd_worker,
				   (void *)(intptr_t)clone_fd())) {
			fprintf(stderr, NAME ": cannot start thread %d\n", i);
			return 1;
		}
	}
	fd_worker((void *)(intptr_t)g.fd);
	return 0;
}
