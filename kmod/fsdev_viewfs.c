// SPDX-License-Identifier: GPL-2.0-only
/*
 * The view filesystem: views served as regular files.
 *
 * A private pseudo-filesystem, mounted once at module load with
 * kern_mount() and never registered, so nobody can mount it or look a
 * name up in it: its files reach userspace only as the fds returned by
 * FSDEV_DAX_IOC_CREATE_VIEW.
 *
 * Views are regular files with a working ->open so that FUSE passthrough
 * can use them as backing files: FUSE_DEV_IOC_BACKING_OPEN accepts only
 * regular files, and every open of a passthrough file through the FUSE
 * mount opens the backing file's path again (vfs_open), calling ->open
 * with a new struct file on the same inode. So every operation here
 * finds its view through the inode (i_private), never through the file.
 *
 * Lifetime: the inode owns its view. The creator's fd, FUSE's backing
 * files, files reopened by path and mappings all hold the inode; its
 * eviction, after the last of them goes, frees the view.
 */
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/pseudo_fs.h>
#include <linux/splice.h>
#include <linux/uio.h>
#include <linux/dax.h>
#include <linux/libnvdimm.h>
#include "fsdev.h"

/* Bound the time a copy holds off unbind. */
#define FSDEV_VIEW_COPY_CHUNK	SZ_1M

static struct vfsmount *fsdev_view_mnt;

/*
 * The size-checked forms of the two copies, as copy_to_iter() is for the
 * plain one (6.12 has none for these): a copy the hardened-usercopy
 * checks refuse copies nothing.
 */
static __always_inline size_t fsdev_copy_mc_to_iter(void *addr, size_t bytes,
						    struct iov_iter *i)
{
	if (!check_copy_size(addr, bytes, true))
		return 0;
	return _copy_mc_to_iter(addr, bytes, i);
}

static __always_inline size_t
fsdev_copy_from_iter_flushcache(void *addr, size_t bytes, struct iov_iter *i)
{
	if (!check_copy_size(addr, bytes, false))
		return 0;
	return _copy_from_iter_flushcache(addr, bytes, i);
}

static struct fsdev_view *fsdev_view_of(struct inode *inode)
{
	return inode->i_private;
}

static int fsdev_view_open(struct inode *inode, struct file *file)
{
	struct fsdev_view *view = fsdev_view_of(inode);

	if (READ_ONCE(view->fsdev->dead))
		return -ENXIO;
	/* a view never grants more than its creator asked for */
	if (file->f_mode & (FMODE_READ | FMODE_WRITE) & ~view->access)
		return -EPERM;
	/* every access goes straight to memory: O_DIRECT changes nothing */
	file->f_mode |= FMODE_CAN_ODIRECT;
	return 0;
}

/*
 * Copy between the view and @iter one physical segment chunk at a time,
 * each under the dax read lock so unbind cannot remove the memory under
 * the copy. A chunk stops before a page known to be poisoned, and a copy
 * that reaches one fails with EIO.
 *
 * Reads use the machine-check safe copy (with its size checks): a bad
 * page not yet known ends the copy short instead of crashing. Writes go
 * around the CPU caches (the pmem driver's flushcache copy), and a write
 * barrier at the end orders them before the write returns, so what
 * write() put in the memory is in the memory, for every host to see.
 */
static ssize_t fsdev_view_rw(struct kiocb *iocb, struct iov_iter *iter,
			     bool write)
{
	struct fsdev_view *view = fsdev_view_of(file_inode(iocb->ki_filp));
	u64 pos = iocb->ki_pos;
	ssize_t done = 0;
	int rc = 0;

	if (iocb->ki_pos < 0)
		return -EINVAL;
	if (write && (iocb->ki_flags & IOCB_APPEND))
		pos = view->size;
	if (write && pos >= view->size && iov_iter_count(iter))
		return -ENOSPC;

	while (iov_iter_count(iter) && pos < view->size) {
		u64 phys, contig, clean;
		size_t chunk, n;
		int id;

		if (fsdev_range_offset_to_phys(view->segs, view->nr_segs, pos,
					       &phys, &contig))
			break;
		chunk = min3(contig, view->size - pos,
			     (u64)iov_iter_count(iter));
		chunk = min_t(size_t, chunk, FSDEV_VIEW_COPY_CHUNK);
		clean = fsdev_poison_clean(view->fsdev, phys, chunk);
		if (!clean) {
			rc = -EIO;
			break;
		}

		id = dax_read_lock();
		if (READ_ONCE(view->fsdev->dead)) {
			dax_read_unlock(id);
			rc = -ENXIO;
			break;
		}
		if (write)
			n = fsdev_copy_from_iter_flushcache(__va(phys), clean,
							    iter);
		else
			n = fsdev_copy_mc_to_iter(__va(phys), clean, iter);
		dax_read_unlock(id);

		pos += n;
		done += n;
		if (n < clean) {
			rc = write ? -EFAULT : -EIO;
			break;
		}
	}
	if (write && done)
		pmem_wmb();
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
	struct fsdev_view *view = fsdev_view_of(file_inode(vmf->vma->vm_file));

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
	struct fsdev_view *view = fsdev_view_of(file_inode(file));

	if (READ_ONCE(view->fsdev->dead))
		return -ENXIO;
	vma->vm_ops = &fsdev_view_vm_ops;
	vm_flags_set(vma, VM_HUGEPAGE);
	return 0;
}

/*
 * Stores made through a mapping may still sit in CPU caches: write the
 * lines of the range back so other hosts of the memory see them.
 */
static int fsdev_view_fsync(struct file *file, loff_t start, loff_t end,
			    int datasync)
{
	struct fsdev_view *view = fsdev_view_of(file_inode(file));
	u64 pos = max_t(loff_t, start, 0);
	u64 last = min_t(u64, end, view->mapped - 1);
	int id, rc = 0;

	id = dax_read_lock();
	if (READ_ONCE(view->fsdev->dead))
		rc = -ENXIO;
	while (!rc && pos <= last) {
		u64 phys, contig;

		if (fsdev_range_offset_to_phys(view->segs, view->nr_segs, pos,
					       &phys, &contig))
			break;
		contig = min(contig, last - pos + 1);
		arch_wb_cache_pmem(__va(phys), contig);
		pos += contig;
	}
	dax_read_unlock(id);
	return rc;
}

static loff_t fsdev_view_llseek(struct file *file, loff_t offset, int whence)
{
	return fixed_size_llseek(file, offset, whence,
				 i_size_read(file_inode(file)));
}

static const struct file_operations fsdev_view_fops = {
	.owner = THIS_MODULE,
	.open = fsdev_view_open,
	.read_iter = fsdev_view_read_iter,
	.write_iter = fsdev_view_write_iter,
	.mmap = fsdev_view_mmap,
	.fsync = fsdev_view_fsync,
	.llseek = fsdev_view_llseek,
	.get_unmapped_area = fsdev_get_unmapped_area,
	.splice_read = copy_splice_read,
	.splice_write = iter_file_splice_write,
};

/* A view's size is its extents' and its owner is fixed: refuse changes. */
static int fsdev_view_setattr(struct mnt_idmap *idmap, struct dentry *dentry,
			      struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	int rc;

	if (attr->ia_valid & (ATTR_SIZE | ATTR_MODE | ATTR_UID | ATTR_GID))
		return -EPERM;
	rc = setattr_prepare(idmap, dentry, attr);
	if (rc)
		return rc;
	setattr_copy(idmap, inode, attr);
	return 0;
}

static const struct inode_operations fsdev_view_iops = {
	.setattr = fsdev_view_setattr,
};

static const struct address_space_operations fsdev_view_aops = {
	.dirty_folio = noop_dirty_folio,
};

static void fsdev_view_evict(struct inode *inode)
{
	struct fsdev_view *view = fsdev_view_of(inode);

	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
	/* the filesystem's root inode has no view */
	if (view)
		fsdev_view_destroy(view);
}

static const struct super_operations fsdev_view_sops = {
	.statfs = simple_statfs,
	.drop_inode = generic_delete_inode,
	.evict_inode = fsdev_view_evict,
};

/* The name /proc/PID/fd and /proc/PID/maps show for a view. */
static char *fsdev_view_dname(struct dentry *dentry, char *buf, int len)
{
	char name[48];
	int n;

	n = scnprintf(name, sizeof(name), "fsdev_dax_view:[%lu]",
		      d_inode(dentry)->i_ino) + 1;
	if (n > len)
		return ERR_PTR(-ENAMETOOLONG);
	return memcpy(buf + len - n, name, n);
}

static const struct dentry_operations fsdev_view_dops = {
	.d_dname = fsdev_view_dname,
};

static int fsdev_view_init_fs_context(struct fs_context *fc)
{
	struct pseudo_fs_context *ctx;

	ctx = init_pseudo(fc, FSDEV_DAX_VIEW_MAGIC);
	if (!ctx)
		return -ENOMEM;
	ctx->ops = &fsdev_view_sops;
	ctx->dops = &fsdev_view_dops;
	return 0;
}

/*
 * No .owner: the module's own mount must not pin the module. Open view
 * files pin it through their file operations.
 */
static struct file_system_type fsdev_view_fs_type = {
	.name = "fsdev_dax_view",
	.init_fs_context = fsdev_view_init_fs_context,
	.kill_sb = kill_anon_super,
};

/*
 * A new file for @view, which its new inode then owns: on failure the
 * view is freed too.
 */
struct file *fsdev_view_file(struct fsdev_view *view, int flags)
{
	struct inode *inode;
	struct file *file;

	inode = new_inode(fsdev_view_mnt->mnt_sb);
	if (!inode) {
		fsdev_view_destroy(view);
		return ERR_PTR(-ENOMEM);
	}
	inode->i_ino = get_next_ino();
	inode->i_mode = S_IFREG | 0400 |
			(view->access & FMODE_WRITE ? 0200 : 0);
	inode->i_uid = current_fsuid();
	inode->i_gid = current_fsgid();
	/*
	 * S_DAX: the memory behind a view is device memory mapped by pfn.
	 * vma_is_dax() makes the core offer PMD faults whether or not
	 * transparent huge pages are enabled, and treat the PMDs as device
	 * entries rather than as huge pages it could split or collapse.
	 */
	inode->i_flags |= S_DAX;
	inode->i_op = &fsdev_view_iops;
	inode->i_fop = &fsdev_view_fops;
	inode->i_mapping->a_ops = &fsdev_view_aops;
	simple_inode_init_ts(inode);
	i_size_write(inode, view->size);
	view->inode = inode;
	inode->i_private = view;

	/* the file's operations hold the module, as an open() would */
	__module_get(THIS_MODULE);
	file = alloc_file_pseudo(inode, fsdev_view_mnt, "view", flags,
				 &fsdev_view_fops);
	if (IS_ERR(file)) {
		module_put(THIS_MODULE);
		iput(inode);
		return file;
	}
	file->f_mode |= FMODE_PREAD | FMODE_PWRITE | FMODE_LSEEK |
			FMODE_CAN_ODIRECT;
	return file;
}

int fsdev_viewfs_init(void)
{
	fsdev_view_mnt = kern_mount(&fsdev_view_fs_type);
	return PTR_ERR_OR_ZERO(fsdev_view_mnt);
}

void fsdev_viewfs_exit(void)
{
	kern_unmount(fsdev_view_mnt);
}
