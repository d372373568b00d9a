// SPDX-License-Identifier: Apache-2.0
/*
 * FUSE passthrough of committed files onto fsdev_dax views (-o passthrough).
 *
 * On a devdax device bound to fsdev_dax, FSDEV_DAX_IOC_CREATE_VIEW gives
 * an fd whose read/write/mmap cover exactly a list of device extents. A
 * committed file's extents never change, so such a view can stand in for
 * the file: registered with FUSE_DEV_IOC_BACKING_OPEN and named in the
 * OPEN reply (FOPEN_PASSTHROUGH + backing_id), the kernel then serves
 * read, write and mmap of that open file from the view, without asking
 * the daemon and without a page-cache copy.
 *
 * libfuse 3.14 can express none of this (its fuse_file_info has no
 * backing_id, its protocol is 7.31), so it is done in devio.c's custom
 * /dev/fuse I/O: INIT's reply gets FUSE_PASSTHROUGH and max_stack_depth,
 * and each OPEN reply of a passed-through file gets its flag and id. The
 * reply is matched to its request by the request's unique id: libfuse
 * processes a request in the thread that read it, so the thread remembers
 * the header it last read, and op_open files unique -> backing_id here
 * before it replies.
 *
 * The kernel holds one backing file per inode and refuses (EBUSY) a
 * second, different one, or a non-passthrough open next to a passthrough
 * one (EINVAL). So the choice is made per open_node, when its first handle
 * opens, and every handle of the node follows it; the view and its id
 * live until the node's last handle is released. The kernel drops its own
 * reference before it sends that RELEASE, so the next open may register
 * a new view.
 *
 * Not passed through (they keep the daemon's data path): pending files
 * (they grow), files whose size is not a page multiple (a view has whole
 * pages and the kernel would read its tail past EOF), files with known
 * poison (the daemon's EIO guard must see every access), .meta files, and
 * everything when the device is not fsdev_dax or we lack CAP_SYS_ADMIN.
 */
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/fuse.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "famfs_fused.h"
#include "fsdev_dax_uapi.h"

/* Protocol 7.40 items, newer than the build host's <linux/fuse.h>. */
#define PT_FUSE_PASSTHROUGH	(1ULL << 37)	/* INIT flags2 bit 5 */
#define PT_FOPEN_PASSTHROUGH	(1U << 7)
#define PT_MAX_STACK_DEPTH	1	/* views are on no stacked fs */

/* struct fuse_backing_map, FUSE_DEV_IOC_BACKING_OPEN/CLOSE (7.40). */
struct pt_backing_map {
	int32_t fd;
	uint32_t flags;
	uint64_t padding;
};

#define PT_DEV_IOC_BACKING_OPEN  _IOW(229, 1, struct pt_backing_map)
#define PT_DEV_IOC_BACKING_CLOSE _IOW(229, 2, uint32_t)

/* Where 7.40 put max_stack_depth: the first of the older unused words. */
#define PT_INIT_OUT_STACK_DEPTH	offsetof(struct fuse_init_out, unused)
#define PT_INIT_OUT_MIN		(PT_INIT_OUT_STACK_DEPTH + sizeof(uint32_t))
_Static_assert(PT_INIT_OUT_STACK_DEPTH == 36, "fuse_init_out layout");
/* backing_id took the place of fuse_open_out's padding */
_Static_assert(offsetof(struct fuse_open_out, padding) == 12,
	       "fuse_open_out layout");

#define PT_PAGE 4096ULL

/* The request this thread is processing (set when it read it). */
static __thread struct {
	uint64_t unique;
	uint64_t nodeid;
	uint32_t opcode;
} cur;

/* OPEN replies still to be sent with a backing id. */
struct pt_reply {
	struct pt_reply *next;
	uint64_t unique;
	int32_t backing_id;
};

static pthread_mutex_t replies_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pt_reply *replies;
static unsigned int nr_replies;		/* read unlocked on every reply */

static bool has_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &
	       CAP_TO_MASK(CAP_SYS_ADMIN);
}

/*
 * Give up on passthrough for this mount, saying why once. Before the
 * daemon is detached its log is the starter's stderr: pt_start only notes
 * the reason and pt_announce() logs it where a detached daemon's go.
 */
static void pt_off(struct fused *d, const char *why)
{
	__atomic_store_n(&d->pt_on, false, __ATOMIC_RELEASE);
	if (!d->pt_announced) {
		d->pt_off_reason = why;
		return;
	}
	if (!__atomic_exchange_n(&d->pt_said, true, __ATOMIC_ACQ_REL))
		fused_log(LOG_WARNING, "%s: passthrough off: %s; files served by the daemon",
			  d->device, why);
}

void pt_announce(struct fused *d)
{
	d->pt_announced = true;
	if (d->opts.passthrough && d->pt_off_reason)
		pt_off(d, d->pt_off_reason);
}

int pt_start(struct fused *d)
{
	struct fsdev_dax_info info;
	struct stat st;
	int fd;

	d->pt_dev_fd = -1;
	if (!d->opts.passthrough)
		return 0;
	if (!has_cap_sys_admin()) {
		pt_off(d, "needs CAP_SYS_ADMIN");
		return 0;
	}
	/* views are made through this fd: it needs the mount's access mode */
	fd = open(d->device, (d->writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		pt_off(d, "cannot open the device");
		return 0;
	}
	memset(&info, 0, sizeof(info));
	if (fstat(fd, &st) || !S_ISCHR(st.st_mode) ||
	    ioctl(fd, FSDEV_DAX_IOC_GET_INFO, &info)) {
		close(fd);
		pt_off(d, "not a devdax device bound to fsdev_dax (see famfs daxmode)");
		return 0;
	}
	d->pt_dev_fd = fd;
	/* on only once INIT has negotiated it (pt_init_reply) */
	return 0;
}

void pt_stop(struct fused *d)
{
	struct pt_reply *r;

	if (d->pt_dev_fd >= 0)
		close(d->pt_dev_fd);
	d->pt_dev_fd = -1;
	pthread_mutex_lock(&replies_lock);
	while ((r = replies)) {
		replies = r->next;
		free(r);
	}
	nr_replies = 0;
	pthread_mutex_unlock(&replies_lock);
}

bool pt_wanted(const struct fused *d)
{
	return d->opts.passthrough && d->pt_dev_fd >= 0;
}

void pt_note_request(const void *buf, size_t len)
{
	const struct fuse_in_header *h = buf;

	if (len < sizeof(*h))
		return;
	cur.unique = h->unique;
	cur.nodeid = h->nodeid;
	cur.opcode = h->opcode;
}

void pt_init_reply(struct fused *d, bool offered, struct iovec *arg)
{
	struct fuse_init_out *out = arg->iov_base;
	uint32_t depth = PT_MAX_STACK_DEPTH;

	if (!pt_wanted(d))
		return;
	if (!offered) {
		pt_off(d, "the kernel does not offer FUSE passthrough");
		return;
	}
	/* the kernel refuses passthrough next to writeback caching */
	if (out->flags & FUSE_WRITEBACK_CACHE) {
		pt_off(d, "writeback caching is on");
		return;
	}
	if (arg->iov_len < PT_INIT_OUT_MIN) {
		pt_off(d, "INIT reply too short for max_stack_depth");
		return;
	}
	out->flags |= FUSE_INIT_EXT;
	out->flags2 |= PT_FUSE_PASSTHROUGH >> 32;
	memcpy((char *)out + PT_INIT_OUT_STACK_DEPTH, &depth, sizeof(depth));
	__atomic_store_n(&d->pt_on, true, __ATOMIC_RELEASE);
	fused_log(LOG_INFO, "%s: passthrough negotiated with the kernel",
		  d->device);
}

bool pt_init_offered(uint64_t flags, uint64_t flags2)
{
	return (flags & FUSE_INIT_EXT) &&
	       (flags2 & (PT_FUSE_PASSTHROUGH >> 32));
}

/*
 * The file's bytes as device extents, in file order, adjacent pieces
 * merged. Interleaved files come out as their chunks in file order,
 * which is exactly the concatenation a view makes. NULL when some piece
 * is not whole pages or there are more than a view takes.
 */
static struct fsdev_dax_extent *file_extents(struct fused *d, uint64_t ino,
					     uint64_t size, uint32_t *count)
{
	struct fsdev_dax_extent *ext = NULL, *grown;
	uint32_t n = 0, cap = 0;
	uint64_t pos = 0;

	while (pos < size) {
		uint64_t dev, contig;

		if (famfs_file_map(d->fs, ino, pos, &dev, &contig))
			goto fail;
		contig = MIN(contig, size - pos);
		if (dev % PT_PAGE || contig % PT_PAGE)
			goto fail;
		if (n && ext[n - 1].offset + ext[n - 1].len == dev) {
			ext[n - 1].len += contig;
		} else {
			if (n == FSDEV_DAX_VIEW_MAX_EXTENTS)
				goto fail;
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				grown = realloc(ext, cap * sizeof(*ext));
				if (!grown)
					goto fail;
				ext = grown;
			}
			ext[n].offset = dev;
			ext[n].len = contig;
			n++;
		}
		pos += contig;
	}
	*count = n;
	return ext;
fail:
	free(ext);
	return NULL;
}

/* A view of @ino's bytes, registered with the kernel; d->lock held. */
void pt_node_setup(struct fused *d, struct open_node *n,
		   const struct famfs_stat *fst)
{
	struct fsdev_dax_view_create vc;
	struct pt_backing_map map;
	struct fsdev_dax_extent *ext;
	uint32_t count;
	int fd, id;

	n->backing_id = 0;
	n->view_fd = -1;
	if (!__atomic_load_n(&d->pt_on, __ATOMIC_ACQUIRE) ||
	    fst->type != FAMFS_NODE_FILE ||
	    fst->state == FAMFS_NODE_PENDING || !fst->size ||
	    fst->size % PT_PAGE)
		return;
	/* the daemon's EIO guard must see every access to poisoned files */
	if (poison_check_file(d, fst->ino, 0, fst->size))
		return;
	ext = file_extents(d, fst->ino, fst->size, &count);
	if (!ext)
		return;
	memset(&vc, 0, sizeof(vc));
	vc.extents_ptr = (uintptr_t)ext;
	vc.nr_extents = count;
	vc.flags = d->writable ? 0 : FSDEV_DAX_VIEW_READ_ONLY;
	fd = ioctl(d->pt_dev_fd, FSDEV_DAX_IOC_CREATE_VIEW, &vc);
	free(ext);
	if (fd < 0) {
		fused_log(LOG_WARNING, "%s: inode %llu: no view (%s): served by the daemon",
			  d->device, (unsigned long long)fst->ino,
			  strerror(errno));
		return;
	}
	if (vc.size != fst->size) {
		close(fd);
		return;
	}
	memset(&map, 0, sizeof(map));
	map.fd = fd;
	id = ioctl(fuse_session_fd(d->se), PT_DEV_IOC_BACKING_OPEN, &map);
	if (id <= 0) {
		/*
		 * EPERM: not negotiated after all, or no CAP_SYS_ADMIN.
		 * EINVAL: the kernel takes only regular files as backing
		 * files (6.12.117 checks d_is_reg), which a view is not.
		 */
		close(fd);
		pt_off(d, errno == EPERM ? "the kernel refuses backing files (EPERM)" :
			  errno == EINVAL ? "the kernel refuses fsdev_dax views as backing files (EINVAL)" :
			  "cannot register a backing file");
		return;
	}
	n->view_fd = fd;
	n->backing_id = id;
}

/* The node's last handle is gone; d->lock held. */
void pt_node_teardown(struct fused *d, struct open_node *n)
{
	uint32_t id = (uint32_t)n->backing_id;

	if (n->backing_id <= 0)
		return;
	if (ioctl(fuse_session_fd(d->se), PT_DEV_IOC_BACKING_CLOSE, &id))
		fused_log(LOG_WARNING, "%s: closing backing id %u: %s",
			  d->device, id, strerror(errno));
	close(n->view_fd);
	n->view_fd = -1;
	n->backing_id = 0;
}

int pt_open_reply_prepare(fuse_ino_t ino, int backing_id)
{
	struct pt_reply *r;

	/* only the OPEN this thread is processing can be matched */
	if (cur.opcode != FUSE_OPEN || cur.nodeid != ino)
		return -EINVAL;
	r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->unique = cur.unique;
	r->backing_id = backing_id;
	pthread_mutex_lock(&replies_lock);
	r->next = replies;
	replies = r;
	__atomic_store_n(&nr_replies, nr_replies + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&replies_lock);
	return 0;
}

/* Take the entry of @unique off the table: its backing id, or 0. */
static int32_t take_reply(uint64_t unique)
{
	struct pt_reply **pp, *r;
	int32_t id = 0;

	pthread_mutex_lock(&replies_lock);
	for (pp = &replies; (r = *pp); pp = &r->next) {
		if (r->unique != unique)
			continue;
		*pp = r->next;
		id = r->backing_id;
		free(r);
		__atomic_store_n(&nr_replies, nr_replies - 1,
				 __ATOMIC_RELEASE);
		break;
	}
	pthread_mutex_unlock(&replies_lock);
	return id;
}

void pt_open_reply_cancel(void)
{
	take_reply(cur.unique);
}

void pt_reply_patch(struct iovec *iov, int count)
{
	struct fuse_out_header *oh;
	struct fuse_open_out *out;
	int32_t id;

	if (!__atomic_load_n(&nr_replies, __ATOMIC_ACQUIRE) || count < 1 ||
	    iov[0].iov_len < sizeof(*oh))
		return;
	oh = iov[0].iov_base;
	id = take_reply(oh->unique);
	if (!id || oh->error || count < 2 || iov[1].iov_len < sizeof(*out))
		return;
	out = iov[1].iov_base;
	/* FOPEN_DIRECT_IO would win over passthrough in the kernel */
	out->open_flags &= ~FOPEN_DIRECT_IO;
	out->open_flags |= PT_FOPEN_PASSTHROUGH;
	memcpy(&out->padding, &id, sizeof(id));
}
