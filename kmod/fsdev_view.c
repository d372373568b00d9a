// SPDX-License-Identifier: GPL-2.0-only
/*
 * Views: a file whose bytes are a list of device extents laid end to end.
 *
 * Each view has its own anonymous inode, so its mappings can be zapped
 * on unbind without touching anyone else's, and is marked S_DAX so the
 * core offers huge faults. Extents are resolved to physical segments
 * once, at creation; the device's ranges never change while it is bound.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/uaccess.h>
#include <linux/dax.h>
#include "fsdev.h"

/* Bound the time a copy holds off unbind. */
#define FSDEV_VIEW_COPY_CHUNK	SZ_1M

struct fsdev_view {
	struct fsdev *fsdev;
	struct list_head node;		/* in fsdev->views */
	struct address_space *mapping;
	u64 size;
	unsigned int nr_segs;
	struct fsdev_range segs[] __counted_by(nr_segs);
};

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

static void fsdev_view_free(struct fsdev_view *view)
{
	fsdev_put(view->fsdev);
	kvfree(view);
	fsdev_object_del();
}

static int fsdev_view_release(struct inode *inode, struct file *file)
{
	struct fsdev_view *view = file->private_data;
	struct fsdev *fsdev = view->fsdev;

	mutex_lock(&fsdev->views_lock);
	list_del(&view->node);
	mutex_unlock(&fsdev->views_lock);
	fsdev_view_free(view);
	return 0;
}

/* Zap all view mappings; called on unbind once the device is dead. */
void fsdev_views_unmap(struct fsdev *fsdev)
{
	struct fsdev_view *view;

	mutex_lock(&fsdev->views_lock);
	list_for_each_entry(view, &fsdev->views, node)
		unmap_mapping_range(view->mapping, 0, 0, 1);
	mutex_unlock(&fsdev->views_lock);
}

/*
 * Copy between the view and @iter one physical segment chunk at a time,
 * each under the dax read lock so unbind cannot remove the memory under
 * the copy. Reads use the machine-check safe copy: poison gives -EIO.
 */
static ssize_t fsdev_view_rw(struct kiocb *iocb, struct iov_iter *iter,
			     bool write)
{
	struct fsdev_view *view = iocb->ki_filp->private_data;
	u64 pos = iocb->ki_pos;
	ssize_t done = 0;
	int rc = 0;

	if (iocb->ki_pos < 0)
		return -EINVAL;
	if (write && pos >= view->size && iov_iter_count(iter))
		return -ENOSPC;

	while (iov_iter_count(iter) && pos < view->size) {
		u64 phys, contig;
		size_t chunk, n;
		int id;

		if (fsdev_range_offset_to_phys(view->segs, view->nr_segs, pos,
					       &phys, &contig))
			break;
		chunk = min_t(u64, contig, iov_iter_count(iter));
		chunk = min_t(size_t, chunk, FSDEV_VIEW_COPY_CHUNK);

		id = dax_read_lock();
		if (READ_ONCE(view->fsdev->dead)) {
			dax_read_unlock(id);
			rc = -ENXIO;
			break;
		}
		if (write)
			n = copy_from_iter(__va(phys), chunk, iter);
		else
			n = _copy_mc_to_iter(__va(phys), chunk, iter);
		dax_read_unlock(id);

		pos += n;
		done += n;
		if (n < chunk) {
			rc = write ? -EFAULT : -EIO;
			break;
		}
	}
	iocb->ki_pos = pos;
	return done ? done : rc;
}

static ssize_t fsdev_view_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	return fsdev_view_rw(iocb, to, false);
}

static ssize_t fsdev_view_write_iter(struct kiocb *iocb,
				     struct iov_iter *from)
{
	return fsdev_view_rw(iocb, from, true);
}

static vm_fault_t fsdev_view_huge_fault(struct vm_fault *vmf,
					unsigned int order)
{
	struct fsdev_view *view = vmf->vma->vm_file->private_data;

	return fsdev_map_fault(vmf, order, view->fsdev, view->segs,
			       view->nr_segs, false);
}

static vm_fault_t fsdev_view_fault(struct vm_fault *vmf)
{
	return fsdev_view_huge_fault(vmf, 0);
}

static const struct vm_operations_struct fsdev_view_vm_ops = {
	.fault = fsdev_view_fault,
	.huge_fault = fsdev_view_huge_fault,
};

static int fsdev_view_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct fsdev_view *view = file->private_data;

	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (READ_ONCE(view->fsdev->dead))
		return -ENXIO;
	vma->vm_ops = &fsdev_view_vm_ops;
	vm_flags_set(vma, VM_HUGEPAGE);
	return 0;
}

static loff_t fsdev_view_llseek(struct file *file, loff_t offset, int whence)
{
	struct fsdev_view *view = file->private_data;

	return fixed_size_llseek(file, offset, whence, view->size);
}

static const struct file_operations fsdev_view_fops = {
	.owner = THIS_MODULE,
	.release = fsdev_view_release,
	.read_iter = fsdev_view_read_iter,
	.write_iter = fsdev_view_write_iter,
	.mmap = fsdev_view_mmap,
	.get_unmapped_area = fsdev_get_unmapped_area,
	.llseek = fsdev_view_llseek,
};

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

static struct file *fsdev_view_file(struct fsdev_view *view, bool read_only)
{
	int flags = (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	struct inode *inode;
	struct file *file;

	file = anon_inode_create_getfile("[fsdev_dax_view]", &fsdev_view_fops,
					 view, flags, NULL);
	if (IS_ERR(file))
		return file;

	inode = file_inode(file);
	inode->i_flags |= S_DAX;
	i_size_write(inode, view->size);
	file->f_mode |= FMODE_PREAD | FMODE_PWRITE | FMODE_LSEEK;
	view->mapping = file->f_mapping;
	return file;
}

long fsdev_view_create(struct fsdev *fsdev, void __user *arg)
{
	struct fsdev_dax_view_create req;
	struct fsdev_dax_extent *ext;
	struct fsdev_view *view;
	struct file *file;
	int fd, rc;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if ((req.flags & ~FSDEV_DAX_VIEW_READ_ONLY) ||
	    memchr_inv(req.reserved, 0, sizeof(req.reserved)))
		return -EINVAL;
	if (!req.nr_extents || req.nr_extents > FSDEV_DAX_VIEW_MAX_EXTENTS)
		return -EINVAL;

	ext = vmemdup_array_user(u64_to_user_ptr(req.extents_ptr),
				 req.nr_extents, sizeof(*ext));
	if (IS_ERR(ext))
		return PTR_ERR(ext);
	view = fsdev_view_alloc(fsdev, ext, req.nr_extents);
	kvfree(ext);
	if (IS_ERR(view))
		return PTR_ERR(view);

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		fsdev_view_free(view);
		return fd;
	}

	file = fsdev_view_file(view, req.flags & FSDEV_DAX_VIEW_READ_ONLY);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		fsdev_view_free(view);
		return PTR_ERR(file);
	}
	/* from here the file owns the view: fput() releases it */

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
