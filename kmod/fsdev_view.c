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
 * Walk the extents through the device's ranges; with @segs NULL only
 * count the physical segments. Extents must be page multiples inside
 * the device.
 */
static int fsdev_view_resolve(struct fsdev *fsdev,
			      const struct fsdev_dax_extent *ext,
			      unsigned int nr_ext, struct fsdev_range *segs,
			      unsigned int *nr_segs)
{
	unsigned int i, n = 0;

	for (i = 0; i < nr_ext; i++) {
		u64 off = ext[i].offset, len = ext[i].len, end;

		if (!len || !PAGE_ALIGNED(off) || !PAGE_ALIGNED(len) ||
		    check_add_overflow(off, len, &end) || end > fsdev->size)
			return -EINVAL;

		while (len) {
			u64 phys, contig;

			if (fsdev_range_offset_to_phys(fsdev->ranges,
						       fsdev->nr_ranges, off,
						       &phys, &contig))
				return -EINVAL;
			contig = min(contig, len);
			if (segs) {
				segs[n].phys = phys;
				segs[n].len = contig;
			}
			if (++n > INT_MAX / sizeof(*segs))
				return -E2BIG;
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

	view = kvzalloc(struct_size(view, segs, nr_segs), GFP_KERNEL);
	if (!view)
		return ERR_PTR(-ENOMEM);
	view->nr_segs = nr_segs;
	rc = fsdev_view_resolve(fsdev, ext, nr_ext, view->segs, &nr_segs);
	if (rc) {
		kvfree(view);
		return ERR_PTR(rc);
	}
	view->size = fsdev_range_fill_offsets(view->segs, view->nr_segs);
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

long fsdev_view_create(struct fsdev *fsdev, struct file *node,
		       void __user *arg)
{
	struct fsdev_dax_view_create req;
	struct fsdev_dax_extent *ext;
	struct fsdev_view *view;
	struct file *file;
	int fd, rc, flags;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if ((req.flags & ~FSDEV_DAX_VIEW_READ_ONLY) ||
	    memchr_inv(req.reserved, 0, sizeof(req.reserved)))
		return -EINVAL;
	if (!req.nr_extents || req.nr_extents > FSDEV_DAX_VIEW_MAX_EXTENTS)
		return -EINVAL;
	flags = (req.flags & FSDEV_DAX_VIEW_READ_ONLY ? O_RDONLY : O_RDWR) |
		O_CLOEXEC;

	ext = vmemdup_array_user(u64_to_user_ptr(req.extents_ptr),
				 req.nr_extents, sizeof(*ext));
	if (IS_ERR(ext))
		return PTR_ERR(ext);
	view = fsdev_view_alloc(fsdev, ext, req.nr_extents);
	kvfree(ext);
	if (IS_ERR(view))
		return PTR_ERR(view);
	view->access = FMODE_READ;
	if ((flags & O_ACCMODE) == O_RDWR)
		view->access |= FMODE_WRITE;

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
