// SPDX-License-Identifier: GPL-2.0-only
/*
 * Poison: device memory the machine reported failed.
 *
 * The page map's memory_failure handler runs for every failure in the
 * device, whether a task consumed it (MF_ACTION_REQUIRED) or it was
 * found otherwise (a scrubber, an injection). For each failed page it
 *   1. remembers the page: a fault on it returns VM_FAULT_HWPOISON (the
 *      task gets SIGBUS BUS_MCEERR_AR with the address) and a view's
 *      read() or write() that reaches it fails with EIO;
 *   2. unmaps it from the device node's mapping and from every view's,
 *      which includes mappings made through FUSE passthrough (a PMD
 *      covering it goes whole; the rest faults back in page by page);
 *   3. tells the holder, if there is one: an event, as information.
 * Only then does it report the failure handled. For a task that consumed
 * the poison this is what makes "handled" true: the kernel sends the
 * task back to the faulting instruction, which now faults and is
 * refused instead of reading the bad memory again, a machine-check loop.
 * A notice to the holder alone handles nothing.
 *
 * Faults check for poison and map under the mapping's invalidate_lock
 * (shared); step 2 takes it exclusively after step 1, so no fault can
 * map a page between its being remembered and its being unmapped.
 *
 * The holder may also mark pages failed itself (FSDEV_DAX_IOC_MARK_FAILED):
 * pages another host's machine saw fail share this memory, and this
 * kernel was never told. Steps 1 and 2 apply to them the same way; no
 * event goes back to the holder, which knows already.
 *
 * The poisoned pages are remembered while the device is bound: a new
 * binding starts with none (famfs keeps its own record in its log).
 */
#include <linux/fs.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/xarray.h>
#include <linux/dax.h>
#include "dax-private.h"
#include "fsdev.h"

void fsdev_poison_init(struct fsdev *fsdev)
{
	xa_init(&fsdev->poison);
}

void fsdev_poison_destroy(struct fsdev *fsdev)
{
	xa_destroy(&fsdev->poison);
}

/* How many bytes from @phys, up to @len, lie before the first bad page. */
u64 fsdev_poison_clean(struct fsdev *fsdev, u64 phys, u64 len)
{
	unsigned long first = PHYS_PFN(phys);
	unsigned long index = first;

	if (!atomic_read(&fsdev->nr_poisoned) ||
	    !xa_find(&fsdev->poison, &index, PHYS_PFN(phys + len - 1),
		     XA_PRESENT))
		return len;
	return index == first ? 0 : PFN_PHYS(index) - phys;
}

bool fsdev_poisoned(struct fsdev *fsdev, u64 phys, u64 len)
{
	return fsdev_poison_clean(fsdev, phys, len) < len;
}

static void fsdev_unmap_locked(struct address_space *mapping, u64 offset,
			       u64 len)
{
	filemap_invalidate_lock(mapping);
	unmap_mapping_range(mapping, offset, len, 0);
	filemap_invalidate_unlock(mapping);
}

/* Unmap device bytes [phys, phys + len) from the node and every view. */
static void fsdev_poison_unmap(struct fsdev *fsdev, u64 offset, u64 phys,
			       u64 len)
{
	struct fsdev_view *view;
	unsigned int i;

	fsdev_unmap_locked(dax_inode(fsdev->dax_dev)->i_mapping, offset, len);

	mutex_lock(&fsdev->views_lock);
	list_for_each_entry(view, &fsdev->views, node) {
		for (i = 0; i < view->nr_segs; i++) {
			const struct fsdev_range *seg = &view->segs[i];
			u64 start = max(phys, seg->phys);
			u64 end = min(phys + len, seg->phys + seg->len);

			if (start < end)
				fsdev_unmap_locked(view->inode->i_mapping,
						   seg->offset + start - seg->phys,
						   end - start);
		}
	}
	mutex_unlock(&fsdev->views_lock);
}

/*
 * Steps 1 and 2 for @nr_pages physically contiguous pages from @pfn, the
 * first of them at device @offset.
 */
static int fsdev_poison_pages(struct fsdev *fsdev, unsigned long pfn,
			      unsigned long nr_pages, u64 offset)
{
	unsigned long i;
	int rc;

	for (i = 0; i < nr_pages; i++) {
		rc = xa_insert(&fsdev->poison, pfn + i, xa_mk_value(1),
			       GFP_KERNEL);
		if (rc == -EBUSY)
			continue;	/* known already */
		if (rc)
			return rc;	/* not remembered: not handled */
		atomic_inc(&fsdev->nr_poisoned);
	}
	fsdev_poison_unmap(fsdev, offset, PFN_PHYS(pfn),
			   (u64)nr_pages << PAGE_SHIFT);
	return 0;
}

/*
 * Runs in process context with a pgmap reference held by
 * memory_failure(), which keeps the pgmap, and so @fsdev (released only
 * after memunmap_pages), alive.
 */
static int fsdev_memory_failure(struct dev_pagemap *pgmap, unsigned long pfn,
				unsigned long nr_pages, int mf_flags)
{
	struct fsdev *fsdev = READ_ONCE(pgmap->owner);
	u64 phys = PFN_PHYS(pfn), len = (u64)nr_pages << PAGE_SHIFT;
	u32 flags = FSDEV_DAX_EVENT_POISON;
	u64 offset;
	int rc;

	if (!fsdev)
		return -EOPNOTSUPP;
	/* metadata below the data start of a static device maps nothing */
	if (fsdev_range_phys_to_offset(fsdev->ranges, fsdev->nr_ranges, phys,
				       &offset))
		return -ENXIO;

	atomic64_inc(&fsdev->failures);
	rc = fsdev_poison_pages(fsdev, pfn, nr_pages, offset);
	if (rc)
		return rc;

	if (mf_flags & MF_ACTION_REQUIRED)
		flags |= FSDEV_DAX_EVENT_ACTION_REQUIRED;
	fsdev_holder_notify_failure(fsdev, offset, len, flags);
	return 0;
}

/*
 * Device bytes [offset, offset + len), checked by the caller to be whole
 * pages inside the device, were reported failed elsewhere. They may span
 * ranges that are not physically contiguous: each piece is handled as
 * its own failure would be. Not counted in @failures, which counts what
 * this machine reported.
 */
int fsdev_poison_mark(struct fsdev *fsdev, u64 offset, u64 len)
{
	u64 phys, contig, step;
	int rc;

	while (len) {
		rc = fsdev_range_offset_to_phys(fsdev->ranges,
						fsdev->nr_ranges, offset,
						&phys, &contig);
		if (rc)
			return rc;
		/* a large range in bounded steps, and interruptibly */
		step = min3(len, contig, (u64)SZ_2M);
		rc = fsdev_poison_pages(fsdev, PHYS_PFN(phys),
					step >> PAGE_SHIFT, offset);
		if (rc)
			return rc;
		offset += step;
		len -= step;
		if (len && fatal_signal_pending(current))
			return -EINTR;
		cond_resched();
	}
	return 0;
}

const struct dev_pagemap_ops fsdev_pagemap_ops = {
	.memory_failure = fsdev_memory_failure,
};
