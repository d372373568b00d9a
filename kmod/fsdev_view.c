// SPDX-License-Identifier: GPL-2.0-only
/*
 * Views: a file whose bytes are a list of device extents laid end to end.
 *
 * This file builds view objects from a caller's extent list and keeps
 * the device's list of them; fsdev_viewfs.c serves them as files.
 * Extents are resolved to physical segments once, at creation: the
 * device's ranges never change while it is bound.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "fsdev.h"

/*
 * Allocations sized by a caller are charged to its memory cgroup, fail
 * rather than wake the OOM killer, and say nothing in the kernel log: a
 * failure is the caller's ENOMEM, not the machine's problem.
 */
#define FSDEV_VIEW_GFP	(GFP_KERNEL_ACCOUNT | __GFP_NOWARN | __GFP_RETRY_MAYFAIL)

/*
 * Walk checked extents through the device's ranges into physical
 * segments, merging pieces that are physically contiguous; with @segs
 * NULL only count them. More than FSDEV_VIEW_MAX_SEGMENTS: -E2BIG.
 */
static int fsdev_view_resolve(struct fsdev *fsdev,
			      const struct fsdev_dax_extent *ext,
			      unsigned int nr_ext, struct fsdev_range *segs,
			      unsigned int *nr_segs)
{
	u64 prev_end = 0;
	unsigned int i, n = 0;

	for (i = 0; i < nr_ext; i++) {
		u64 off = ext[i].offset, len = ext[i].len;

		while (len) {
			u64 phys, contig;

			if (fsdev_range_offset_to_phys(fsdev->ranges,
						       fsdev->nr_ranges, off,
						       &phys, &contig))
				return -EINVAL;
			contig = min(contig, len);
			if (n && phys == prev_end) {
				if (segs)
					segs[n - 1].len += contig;
			} else {
				if (n == FSDEV_VIEW_MAX_SEGMENTS)
					return -E2BIG;
				if (segs) {
					segs[n].phys = phys;
					segs[n].len = contig;
				}
				n++;
			}
			prev_end = phys + contig;
			off += contig;
			len -= contig;
		}
	}
	*nr_segs = n;
	return 0;
}

static struct fsdev_view *fsdev_view_alloc(struct fsdev *fsdev,
					   const struct fsdev_dax_extent *ext,
					   unsigned int nr_ext)
{
	struct fsdev_view *view;
	unsigned int nr_segs;
	int rc;

	rc = fsdev_view_resolve(fsdev, ext, nr_ext, NULL, &nr_segs);
	if (rc)
		return ERR_PTR(rc);

	view = kvzalloc(struct_size(view, segs, nr_segs), FSDEV_VIEW_GFP);
	if (!view)
		return ERR_PTR(-ENOMEM);
	view->nr_segs = nr_segs;
	rc = fsdev_view_resolve(fsdev, ext, nr_ext, view->segs, &nr_segs);
	if (rc) {
		kvfree(view);
		return ERR_PTR(rc);
	}
	view->mapped = fsdev_range_fill_offsets(view->segs, view->nr_segs);
	view->size = view->mapped;
	INIT_LIST_HEAD(&view->node);
	fsdev_object_add();
	fsdev_get(fsdev);
	view->fsdev = fsdev;
	return view;
}

/* Called once, by the owner: the inode's eviction, or a failed create. */
void fsdev_view_destroy(struct fsdev_view *view)
{
	struct fsdev *fsdev = view->fsdev;

	mutex_lock(&fsdev->views_lock);
	list_del_init(&view->node);
	mutex_unlock(&fsdev->views_lock);
	fsdev_put(fsdev);
	kvfree(view);
	fsdev_object_del();
}

/*
 * Zap all view mappings; called on unbind once the device is dead. A view
 * is on the list only while its inode lives (eviction takes it off under
 * views_lock), so its mapping is valid here.
 */
void fsdev_views_unmap(struct fsdev *fsdev)
{
	struct fsdev_view *view;

	mutex_lock(&fsdev->views_lock);
	list_for_each_entry(view, &fsdev->views, node)
		unmap_mapping_range(view->inode->i_mapping, 0, 0, 1);
	mutex_unlock(&fsdev->views_lock);
}

/* Publish @view on the device unless unbind got there first. */
static int fsdev_view_attach(struct fsdev *fsdev, struct fsdev_view *view)
{
	int rc = 0;

	mutex_lock(&fsdev->views_lock);
	if (READ_ONCE(fsdev->dead))
		rc = -ENXIO;
	else
		list_add(&view->node, &fsdev->views);
	mutex_unlock(&fsdev->views_lock);
	return rc;
}

/*
 * The access a view's opens may have: what the caller asks for, never
 * more than the device node's fd it comes through allows.
 */
static int fsdev_view_access(struct file *node, u32 open_flags,
			     fmode_t *access)
{
	if (open_flags & ~(O_ACCMODE | O_CLOEXEC))
		return -EINVAL;
	switch (open_flags & O_ACCMODE) {
	case O_RDONLY:
		*access = FMODE_READ;
		break;
	case O_WRONLY:
		*access = FMODE_WRITE;
		break;
	case O_RDWR:
		*access = FMODE_READ | FMODE_WRITE;
		break;
	default:
		return -EINVAL;
	}
	if (*access & ~node->f_mode)
		return -EPERM;
	return 0;
}

/* The caller's extents, checked, and the view's byte size. */
static struct fsdev_dax_extent *
fsdev_view_extents(struct fsdev *fsdev, const struct fsdev_dax_view_create *req,
		   u64 *size)
{
	struct fsdev_dax_extent *ext;
	size_t bytes;
	u64 total;
	int rc;

	if (!req->nr_extents)
		return ERR_PTR(-EINVAL);
	if (req->nr_extents > FSDEV_VIEW_MAX_EXTENTS)
		return ERR_PTR(-E2BIG);
	bytes = array_size(req->nr_extents, sizeof(*ext));
	ext = kvmalloc(bytes, FSDEV_VIEW_GFP);
	if (!ext)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(ext, u64_to_user_ptr(req->extents_ptr), bytes)) {
		rc = -EFAULT;
		goto fail;
	}
	rc = fsdev_extents_check(ext, req->nr_extents, fsdev->size, PAGE_SIZE,
				 MAX_LFS_FILESIZE, &total);
	if (rc)
		goto fail;
	/* a file size keeps every page of the extents: the last one in part */
	*size = req->size ? req->size : total;
	if (*size > total || *size <= total - PAGE_SIZE) {
		rc = -EINVAL;
		goto fail;
	}
	return ext;
fail:
	kvfree(ext);
	return ERR_PTR(rc);
}

long fsdev_view_create(struct fsdev *fsdev, struct file *node,
		       void __user *arg)
{
	struct fsdev_dax_view_create req;
	struct fsdev_dax_extent *ext;
	struct fsdev_view *view;
	struct file *file;
	fmode_t access;
	int fd, rc, flags;
	u64 size;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (memchr_inv(req.reserved, 0, sizeof(req.reserved)))
		return -EINVAL;
	rc = fsdev_view_access(node, req.open_flags, &access);
	if (rc)
		return rc;
	flags = req.open_flags | O_LARGEFILE;

	ext = fsdev_view_extents(fsdev, &req, &size);
	if (IS_ERR(ext))
		return PTR_ERR(ext);
	view = fsdev_view_alloc(fsdev, ext, req.nr_extents);
	kvfree(ext);
	if (IS_ERR(view))
		return PTR_ERR(view);
	view->access = access;
	view->size = size;

	fd = get_unused_fd_flags(flags);
	if (fd < 0) {
		fsdev_view_destroy(view);
		return fd;
	}

	/* from here the view's inode owns it: the last fput() frees it */
	file = fsdev_view_file(view, flags);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}

	req.size = view->size;
	rc = fsdev_view_attach(fsdev, view);
	if (!rc && copy_to_user(arg, &req, sizeof(req)))
		rc = -EFAULT;
	if (rc) {
		put_unused_fd(fd);
		fput(file);
		return rc;
	}
	fd_install(fd, file);
	return fd;
}
