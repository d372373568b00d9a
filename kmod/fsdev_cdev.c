// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device node: whole-device mmap, info and view ioctls, and the
 * holder's event queue (read/poll).
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/pagemap.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/dax.h>
#include "dax-private.h"
#include "fsdev.h"

#define FSDEV_EVENT_RING	64

/*
 * One open file of the device. When it claims the device, it is the
 * holder and memory failures are queued in @ring; the queue is lossy
 * (an OVERFLOW record tells the reader) so a stuck holder cannot make
 * memory_failure() wait.
 */
struct fsdev_file {
	struct fsdev *fsdev;
	struct mutex claim_lock;	/* serialises claim and release */
	struct mutex read_lock;		/* one reader of the queue at a time */
	bool is_holder;
	spinlock_t lock;		/* guards the ring */
	wait_queue_head_t wait;
	unsigned int head;
	unsigned int count;
	bool overflow;
	struct fsdev_dax_event ring[FSDEV_EVENT_RING];
};

static void fsdev_file_notify(void *holder, u64 offset, u64 len, u32 flags)
{
	struct fsdev_file *ff = holder;
	struct fsdev_dax_event *ev;
	unsigned long irqflags;

	spin_lock_irqsave(&ff->lock, irqflags);
	if (ff->count == FSDEV_EVENT_RING) {
		ff->overflow = true;
	} else {
		ev = &ff->ring[(ff->head + ff->count) % FSDEV_EVENT_RING];
		ev->size = sizeof(*ev);
		ev->flags = flags;
		ev->offset = offset;
		ev->length = len;
		ff->count++;
	}
	spin_unlock_irqrestore(&ff->lock, irqflags);
	wake_up_interruptible(&ff->wait);
}

static const struct fsdev_holder_ops fsdev_file_holder_ops = {
	.notify_failure = fsdev_file_notify,
};

/* What fsdev_file_peek() found at the head of the queue. */
enum fsdev_head {
	FSDEV_HEAD_EMPTY,
	FSDEV_HEAD_EVENT,	/* ring[head] */
	FSDEV_HEAD_OVERFLOW,	/* the record saying events were lost */
};

/*
 * Look at the next record without taking it: a record leaves the queue
 * only once the reader has it (fsdev_file_drop), so a failed copy to
 * the reader loses nothing. Readers are serialised by read_lock, and
 * notifiers only add at the tail, so the head stays what was peeked.
 */
static enum fsdev_head fsdev_file_peek(struct fsdev_file *ff,
				       struct fsdev_dax_event *ev)
{
	enum fsdev_head head = FSDEV_HEAD_EMPTY;

	spin_lock_irq(&ff->lock);
	if (ff->count) {
		*ev = ff->ring[ff->head];
		head = FSDEV_HEAD_EVENT;
	} else if (ff->overflow) {
		/* after the queued events: the lost ones came later */
		memset(ev, 0, sizeof(*ev));
		ev->size = sizeof(*ev);
		ev->flags = FSDEV_DAX_EVENT_OVERFLOW;
		head = FSDEV_HEAD_OVERFLOW;
	}
	spin_unlock_irq(&ff->lock);
	return head;
}

static void fsdev_file_drop(struct fsdev_file *ff, enum fsdev_head head)
{
	spin_lock_irq(&ff->lock);
	if (head == FSDEV_HEAD_EVENT) {
		ff->head = (ff->head + 1) % FSDEV_EVENT_RING;
		ff->count--;
	} else if (head == FSDEV_HEAD_OVERFLOW) {
		ff->overflow = false;
	}
	spin_unlock_irq(&ff->lock);
}

static bool fsdev_file_pending(struct fsdev_file *ff)
{
	return READ_ONCE(ff->count) || READ_ONCE(ff->overflow);
}

static const struct address_space_operations fsdev_aops = {
	.dirty_folio = noop_dirty_folio,
};

/*
 * The fsdev is looked up under the dax read lock: unbind kills the dax
 * device (waiting for this reader) before dropping the probe reference.
 */
static int fsdev_open(struct inode *inode, struct file *file)
{
	struct dax_device *dax_dev = inode_dax(inode);
	struct inode *dax_ino = dax_inode(dax_dev);
	struct fsdev *fsdev = NULL;
	struct fsdev_file *ff;
	int id;

	ff = kzalloc(sizeof(*ff), GFP_KERNEL);
	if (!ff)
		return -ENOMEM;

	id = dax_read_lock();
	if (dax_alive(dax_dev)) {
		struct dev_dax *dev_dax = dax_get_private(dax_dev);

		fsdev = dev_get_drvdata(&dev_dax->dev);
		if (fsdev && !READ_ONCE(fsdev->dead))
			fsdev_get(fsdev);
		else
			fsdev = NULL;
	}
	dax_read_unlock(id);
	if (!fsdev) {
		kfree(ff);
		return -ENXIO;
	}

	fsdev_object_add();
	ff->fsdev = fsdev;
	mutex_init(&ff->claim_lock);
	mutex_init(&ff->read_lock);
	spin_lock_init(&ff->lock);
	init_waitqueue_head(&ff->wait);

	/*
	 * Share the dax inode's mapping, as device_dax does: unbind zaps it,
	 * and it makes the vma DAX, which enables huge faults.
	 */
	inode->i_mapping = dax_ino->i_mapping;
	inode->i_mapping->host = dax_ino;
	inode->i_mapping->a_ops = &fsdev_aops;
	file->f_mapping = inode->i_mapping;
	inode->i_flags = S_DAX;
	file->private_data = ff;
	return 0;
}

static int fsdev_release(struct inode *inode, struct file *file)
{
	struct fsdev_file *ff = file->private_data;

	if (ff->is_holder)
		fsdev_holder_release(ff->fsdev, ff);
	fsdev_put(ff->fsdev);
	kfree(ff);
	fsdev_object_del();
	return 0;
}

/*
 * The holder receives every memory failure of the device, and there is
 * one: a read-only opener (any user the node lets read) must not be able
 * to take the slot and shut out the famfs daemon.
 */
static long fsdev_ioctl_claim(struct file *file, struct fsdev_file *ff)
{
	int rc = -EBUSY;

	if (!(file->f_mode & FMODE_WRITE) && !capable(CAP_SYS_ADMIN))
		return -EPERM;

	mutex_lock(&ff->claim_lock);
	if (!ff->is_holder) {
		rc = fsdev_holder_claim(ff->fsdev, ff, &fsdev_file_holder_ops);
		if (!rc)
			WRITE_ONCE(ff->is_holder, true);
	}
	mutex_unlock(&ff->claim_lock);
	return rc;
}

static long fsdev_ioctl_release(struct fsdev_file *ff)
{
	int rc = -EINVAL;

	mutex_lock(&ff->claim_lock);
	if (ff->is_holder) {
		fsdev_holder_release(ff->fsdev, ff);
		WRITE_ONCE(ff->is_holder, false);
		rc = 0;
	}
	mutex_unlock(&ff->claim_lock);
	return rc;
}

/*
 * Only the holder may mark pages failed: it is the party that answers
 * for the device's poison, and a reader of the node must not be able to
 * take memory away from the mappings of others.
 */
static long fsdev_ioctl_mark_failed(struct fsdev_file *ff, void __user *arg)
{
	struct fsdev *fsdev = ff->fsdev;
	struct fsdev_dax_mark_failed req;
	u64 end;
	long rc;

	mutex_lock(&ff->claim_lock);
	/* after an unbind the slot is empty though is_holder stays set */
	if (!ff->is_holder || READ_ONCE(fsdev->holder_data) != ff) {
		rc = READ_ONCE(fsdev->dead) ? -ENXIO : -EPERM;
		goto out;
	}
	if (copy_from_user(&req, arg, sizeof(req))) {
		rc = -EFAULT;
		goto out;
	}
	rc = -EINVAL;
	if (req.flags || !req.length || !PAGE_ALIGNED(req.offset) ||
	    !PAGE_ALIGNED(req.length))
		goto out;
	rc = -EOVERFLOW;
	if (check_add_overflow(req.offset, req.length, &end))
		goto out;
	rc = -ERANGE;
	if (end > fsdev->size)
		goto out;
	rc = fsdev_poison_mark(fsdev, req.offset, req.length);
out:
	mutex_unlock(&ff->claim_lock);
	return rc;
}

/* The first version of struct fsdev_dax_info: every caller has this much. */
#define FSDEV_INFO_SIZE_MIN \
	offsetofend(struct fsdev_dax_info, poisoned_pages)

/*
 * Physical addresses go to CAP_SYS_ADMIN only, as the dax devices' own
 * resource files in sysfs are root's: others get zeros there.
 */
static long fsdev_ioctl_info(struct fsdev *fsdev, void __user *arg)
{
	struct fsdev_dax_info info;
	struct fsdev_dax_range __user *out;
	bool show_phys = capable(CAP_SYS_ADMIN);
	unsigned int i, n;
	u32 usize;
	int rc;

	if (get_user(usize, (u32 __user *)arg))
		return -EFAULT;
	if (usize < FSDEV_INFO_SIZE_MIN)
		return -EINVAL;
	/* a larger struct is fine as long as what we do not know is zero */
	rc = copy_struct_from_user(&info, sizeof(info), arg, usize);
	if (rc)
		return rc;

	out = u64_to_user_ptr(info.ranges_ptr);
	n = out ? min(info.ranges_cap, fsdev->nr_ranges) : 0;
	for (i = 0; i < n; i++) {
		struct fsdev_dax_range r = {
			.offset = fsdev->ranges[i].offset,
			.phys = show_phys ? fsdev->ranges[i].phys : 0,
			.len = fsdev->ranges[i].len,
		};

		if (copy_to_user(&out[i], &r, sizeof(r)))
			return -EFAULT;
	}

	info.struct_size = min_t(u32, usize, sizeof(info));
	info.size = fsdev->size;
	info.align = fsdev->align;
	info.data_offset = fsdev->data_offset;
	info.nr_ranges = fsdev->nr_ranges;
	info.max_view_extents = FSDEV_VIEW_MAX_EXTENTS;
	info.event_size = sizeof(struct fsdev_dax_event);
	info.poisoned_pages = atomic_read(&fsdev->nr_poisoned);
	info.flags = 0;
	if (fsdev->is_static)
		info.flags |= FSDEV_DAX_INFO_STATIC;
	if (READ_ONCE(fsdev->holder_data))
		info.flags |= FSDEV_DAX_INFO_HOLDER;
	if (show_phys)
		info.flags |= FSDEV_DAX_INFO_PHYS;
	if (copy_to_user(arg, &info, info.struct_size))
		return -EFAULT;
	return 0;
}

/* GET_INFO's size bits vary with the caller's struct: compare without. */
static bool fsdev_ioctl_is(unsigned int cmd, unsigned int known)
{
	unsigned int size_bits = _IOC_SIZEMASK << _IOC_SIZESHIFT;

	return (cmd & ~size_bits) == (known & ~size_bits);
}

static long fsdev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct fsdev_file *ff = file->private_data;
	void __user *argp = (void __user *)arg;

	if (fsdev_ioctl_is(cmd, FSDEV_DAX_IOC_GET_INFO))
		return fsdev_ioctl_info(ff->fsdev, argp);
	switch (cmd) {
	case FSDEV_DAX_IOC_CLAIM_HOLDER:
		return fsdev_ioctl_claim(file, ff);
	case FSDEV_DAX_IOC_RELEASE_HOLDER:
		return fsdev_ioctl_release(ff);
	case FSDEV_DAX_IOC_CREATE_VIEW:
		return fsdev_view_create(ff->fsdev, file, argp);
	case FSDEV_DAX_IOC_MARK_FAILED:
		return fsdev_ioctl_mark_failed(ff, argp);
	default:
		return -ENOTTY;
	}
}

/* Events only: data is reached through mmap or views. */
static ssize_t fsdev_read(struct file *file, char __user *buf, size_t count,
			  loff_t *ppos)
{
	struct fsdev_file *ff = file->private_data;
	struct fsdev_dax_event ev;
	size_t done = 0;
	int rc;

	if (!READ_ONCE(ff->is_holder) || count < sizeof(ev))
		return -EINVAL;

	for (;;) {
		enum fsdev_head head;

		mutex_lock(&ff->read_lock);
		while (done + sizeof(ev) <= count) {
			head = fsdev_file_peek(ff, &ev);
			if (head == FSDEV_HEAD_EMPTY)
				break;
			if (copy_to_user(buf + done, &ev, sizeof(ev))) {
				mutex_unlock(&ff->read_lock);
				return done ? done : -EFAULT;
			}
			fsdev_file_drop(ff, head);
			done += sizeof(ev);
		}
		mutex_unlock(&ff->read_lock);
		if (done)
			return done;
		if (READ_ONCE(ff->fsdev->dead))
			return 0;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		rc = wait_event_interruptible(ff->wait,
					      fsdev_file_pending(ff) ||
					      READ_ONCE(ff->fsdev->dead));
		if (rc)
			return rc;
	}
}

static __poll_t fsdev_poll(struct file *file, poll_table *wait)
{
	struct fsdev_file *ff = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &ff->wait, wait);
	if (!READ_ONCE(ff->is_holder))
		return EPOLLERR;
	if (fsdev_file_pending(ff))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(ff->fsdev->dead))
		mask |= EPOLLHUP;
	return mask;
}

static vm_fault_t fsdev_cdev_huge_fault(struct vm_fault *vmf,
					unsigned int order)
{
	struct fsdev_file *ff = vmf->vma->vm_file->private_data;
	struct fsdev *fsdev = ff->fsdev;

	return fsdev_map_fault(vmf, order, fsdev, fsdev->ranges,
			       fsdev->nr_ranges, true);
}

static vm_fault_t fsdev_cdev_fault(struct vm_fault *vmf)
{
	return fsdev_cdev_huge_fault(vmf, 0);
}

static const struct vm_operations_struct fsdev_cdev_vm_ops = {
	.fault = fsdev_cdev_fault,
	.huge_fault = fsdev_cdev_huge_fault,
};

static int fsdev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct fsdev_file *ff = file->private_data;

	/* a private (COW) mapping of device memory makes no sense */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (READ_ONCE(ff->fsdev->dead))
		return -ENXIO;
	vma->vm_ops = &fsdev_cdev_vm_ops;
	vm_flags_set(vma, VM_HUGEPAGE);
	return 0;
}

const struct file_operations fsdev_cdev_fops = {
	.owner = THIS_MODULE,
	.open = fsdev_open,
	.release = fsdev_release,
	.read = fsdev_read,
	.poll = fsdev_poll,
	.unlocked_ioctl = fsdev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = fsdev_mmap,
	.get_unmapped_area = fsdev_get_unmapped_area,
	.llseek = noop_llseek,
};
