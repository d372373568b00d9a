// SPDX-License-Identifier: Apache-2.0
/*
 * FUSE passthrough of committed files onto fsdev_dax views (-o passthrough).
 *
 * On a devdax device bound to fsdev_dax, FSDEV_DAX_IOC_CREATE_VIEW gives
 * an fd whose read/write/mmap cover exactly a list of device extents. A
 * committed file's extents never change, so such a view can stand in for
 * the file: registered with fuse_passthrough_open() and named in the open
 * reply (fuse_file_info.backing_id), the kernel then serves read, write
 * and mmap of that open file from the view, without asking the daemon and
 * without a page-cache copy.
 *
 * The kernel holds one backing file per inode and refuses (EBUSY) a
 * second, different one, or a non-passthrough open next to a passthrough
 * one (EINVAL). So the choice is made per open_node, when its first handle
 * opens, and every handle of the node follows it; the view and its id
 * live until the node's last handle is released. The kernel drops its own
 * reference before it sends that RELEASE, so the next open may register
 * a new view.
 *
 * A view's extents are whole pages; it is given the file's size, so
 * read() and write() stop there and only a mapping sees the rest of the
 * last page (zeros: libfamfs zeroes a file's page tail at its commit).
 *
 * Not passed through (they keep the daemon's data path): pending files
 * (they grow), empty files, files with known poison (the daemon's EIO
 * guard must see every access), .meta files, and everything when the
 * device is not fsdev_dax or we lack CAP_SYS_ADMIN.
 */
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "famfs_fused.h"
#include "famfs_ioctl.h"
#include <linux/fsdev_dax.h>

#define VIEW_PAGE 4096ULL

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

uint32_t passthrough_mount_why(struct fused *d)
{
	if (device_gone(d))
		return FAMFS_WHY_DEVICE_GONE;
	if (__atomic_load_n(&d->passthrough_on, __ATOMIC_ACQUIRE))
		return FAMFS_WHY_NONE;
	return __atomic_load_n(&d->passthrough_why, __ATOMIC_ACQUIRE);
}

/*
 * Passthrough is off for this mount: say why once. Before the daemon is
 * detached its log is the starter's stderr, so passthrough_start only
 * notes the reason and passthrough_announce() logs it where a detached
 * daemon's messages go. Not asking for it, or a device without the
 * module, is the plain daemon mode: worth an info line, not a warning.
 */
static void passthrough_off(struct fused *d, uint32_t why)
{
	bool plain = why == FAMFS_WHY_OPTION ||
		     (why == FAMFS_WHY_NOT_FSDEV && !d->opts.passthrough_asked);

	__atomic_store_n(&d->passthrough_why, why, __ATOMIC_RELEASE);
	__atomic_store_n(&d->passthrough_on, false, __ATOMIC_RELEASE);
	if (!d->passthrough_announced)
		return;
	if (!__atomic_exchange_n(&d->passthrough_said, true, __ATOMIC_ACQ_REL))
		fused_log(plain ? LOG_INFO : LOG_WARNING,
			  "%s: passthrough off: %s; files served by the daemon",
			  d->device, famfs_why_text(why));
}

void passthrough_announce(struct fused *d)
{
	uint32_t why = __atomic_load_n(&d->passthrough_why, __ATOMIC_ACQUIRE);

	d->passthrough_announced = true;
	/* with a view device, INIT decides (passthrough_init) */
	if (why && d->view_dev_fd < 0)
		passthrough_off(d, why);
}

int passthrough_start(struct fused *d)
{
	struct fsdev_dax_info info;
	struct stat st;
	int fd;

	d->view_dev_fd = -1;
	if (!d->opts.passthrough) {
		passthrough_off(d, FAMFS_WHY_OPTION);
		return 0;
	}
	/* views are made through this fd: it needs the mount's access mode */
	fd = open(d->device, (d->writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	memset(&info, 0, sizeof(info));
	info.struct_size = sizeof(info);
	if (fd < 0 || fstat(fd, &st) || !S_ISCHR(st.st_mode) ||
	    ioctl(fd, FSDEV_DAX_IOC_GET_INFO, &info)) {
		if (fd >= 0)
			close(fd);
		passthrough_off(d, FAMFS_WHY_NOT_FSDEV);
		return 0;
	}
	/* FUSE_DEV_IOC_BACKING_OPEN is for CAP_SYS_ADMIN only */
	if (!has_cap_sys_admin()) {
		close(fd);
		passthrough_off(d, FAMFS_WHY_NO_CAP);
		return 0;
	}
	d->view_dev_fd = fd;
	d->view_max_extents = info.max_view_extents;
	/* on only once INIT has negotiated it (passthrough_init) */
	passthrough_off(d, FAMFS_WHY_KERNEL);
	return 0;
}

void passthrough_stop(struct fused *d)
{
	if (d->view_dev_fd >= 0)
		close(d->view_dev_fd);
	d->view_dev_fd = -1;
}

void passthrough_init(struct fused *d, struct fuse_conn_info *conn)
{
	if (d->view_dev_fd < 0)
		return;
	if (!fuse_set_feature_flag(conn, FUSE_CAP_PASSTHROUGH)) {
		passthrough_off(d, FAMFS_WHY_KERNEL);
		return;
	}
	/* views live on no stacked filesystem */
	conn->max_backing_stack_depth = FUSE_BACKING_STACKED_UNDER;
	__atomic_store_n(&d->passthrough_why, FAMFS_WHY_NONE, __ATOMIC_RELEASE);
	__atomic_store_n(&d->passthrough_on, true, __ATOMIC_RELEASE);
	fused_log(LOG_INFO, "%s: passthrough on: committed files map the device through fsdev_dax views",
		  d->device);
}

/* A view of device bytes [0, 4096): does the kernel take views at all? */
void passthrough_probe(struct fused *d, fuse_req_t req)
{
	struct fsdev_dax_extent ext = { .offset = 0, .len = VIEW_PAGE };
	struct fsdev_dax_view_create vc;
	int fd, id;

	if (passthrough_mount_why(d) ||
	    __atomic_exchange_n(&d->passthrough_probed, true, __ATOMIC_ACQ_REL))
		return;
	memset(&vc, 0, sizeof(vc));
	vc.extents_ptr = (uintptr_t)&ext;
	vc.nr_extents = 1;
	vc.open_flags = O_RDONLY | O_CLOEXEC;
	fd = ioctl(d->view_dev_fd, FSDEV_DAX_IOC_CREATE_VIEW, &vc);
	if (fd < 0) {
		if (errno == ENXIO || errno == ENODEV)
			fused_device_gone(d);
		return;
	}
	id = fuse_passthrough_open(req, fd);
	if (id > 0)
		fuse_passthrough_close(req, id);
	else
		passthrough_off(d, FAMFS_WHY_REFUSED);
	close(fd);
}

uint32_t passthrough_why_not(struct fused *d, const struct famfs_stat *st)
{
	uint32_t why = passthrough_mount_why(d);

	/* what the file is comes first, then what the mount allows */
	if (st->type != FAMFS_NODE_FILE)
		return FAMFS_WHY_NOT_FILE;
	if (st->state == FAMFS_NODE_PENDING)
		return FAMFS_WHY_PENDING;
	/* the daemon's EIO guard must see every access to poisoned files */
	if (st->size && poison_check_file(d, st->ino, 0, st->size))
		return FAMFS_WHY_POISONED;
	if (why)
		return why;
	if (!st->size)
		return FAMFS_WHY_EMPTY;
	return FAMFS_WHY_NONE;
}

/*
 * The file's bytes as device extents, in file order, adjacent pieces
 * merged, the last one rounded up to a whole page (space is allocated
 * in pages, so the rest of that page is the file's). Interleaved files
 * come out as their chunks in file order, which is exactly the
 * concatenation a view makes. NULL when some piece is not whole pages
 * or there are more than a view takes.
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
		if (pos + contig == size)
			contig = (contig + VIEW_PAGE - 1) / VIEW_PAGE * VIEW_PAGE;
		if (dev % VIEW_PAGE || contig % VIEW_PAGE)
			goto fail;
		if (n && ext[n - 1].offset + ext[n - 1].len == dev) {
			ext[n - 1].len += contig;
		} else {
			if (n == d->view_max_extents)
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

int passthrough_node_setup(struct fused *d, fuse_req_t req,
			   struct open_node *n, const struct famfs_stat *st)
{
	struct fsdev_dax_view_create vc;
	struct fsdev_dax_extent *ext;
	uint32_t count;
	int fd, id;

	n->backing_id = 0;
	n->view_fd = -1;
	n->why = passthrough_why_not(d, st);
	if (n->why == FAMFS_WHY_DEVICE_GONE)
		return -ENXIO;
	if (n->why)
		return 0;
	n->why = FAMFS_WHY_NO_VIEW;
	ext = file_extents(d, st->ino, st->size, &count);
	if (!ext)
		return 0;
	memset(&vc, 0, sizeof(vc));
	vc.extents_ptr = (uintptr_t)ext;
	vc.nr_extents = count;
	/* read() and write() through the view stop at the file's end */
	vc.size = st->size;
	/* the kernel checks the mount's mode too: this is the second lock */
	vc.open_flags = (d->writable && !d->opts.read_only ? O_RDWR : O_RDONLY) |
			O_CLOEXEC;
	fd = ioctl(d->view_dev_fd, FSDEV_DAX_IOC_CREATE_VIEW, &vc);
	free(ext);
	if (fd < 0 && (errno == ENXIO || errno == ENODEV)) {
		fused_device_gone(d);
		n->why = FAMFS_WHY_DEVICE_GONE;
		return -ENXIO;
	}
	if (fd < 0) {
		fused_log(LOG_WARNING, "%s: inode %llu: no view (%s): served by the daemon",
			  d->device, (unsigned long long)st->ino,
			  strerror(errno));
		return 0;
	}
	if (vc.size != st->size) {
		close(fd);
		return 0;
	}
	id = fuse_passthrough_open(req, fd);
	if (id <= 0) {
		/*
		 * EPERM: not negotiated after all. EINVAL: the kernel takes
		 * only regular files as backing files (6.12.117 checks
		 * d_is_reg), and views were anonymous inodes before
		 * fsdev_dax v2.
		 */
		close(fd);
		passthrough_off(d, FAMFS_WHY_REFUSED);
		n->why = FAMFS_WHY_REFUSED;
		return 0;
	}
	n->view_fd = fd;
	n->backing_id = id;
	n->why = FAMFS_WHY_NONE;
	counters_add(&d->counters.passthrough_views, 1);
	return 0;
}

void passthrough_node_teardown(struct fused *d, fuse_req_t req,
			       struct open_node *n)
{
	if (n->backing_id <= 0)
		return;
	/* without a request (unmount) the connection's end frees the id */
	if (req && fuse_passthrough_close(req, n->backing_id) < 0)
		fused_log(LOG_WARNING, "%s: closing backing id %d: %s",
			  d->device, n->backing_id, strerror(errno));
	close(n->view_fd);
	n->view_fd = -1;
	n->backing_id = 0;
	counters_add(&d->counters.passthrough_views, (uint64_t)-1);
}
