// SPDX-License-Identifier: GPL-2.0-only
/*
 * fsdev_dax probe and unbind.
 *
 * Every acquisition is devm-managed so that a failed probe and an unbind
 * unwind in reverse order. The pgmap is acquired first and published in
 * dev_dax->pgmap only once probe can no longer fail, so a failed probe
 * never leaves a pointer to a devres-freed pgmap behind.
 */
#include <linux/device.h>
#include <linux/memremap.h>
#include <linux/cdev.h>
#include <linux/dax.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "dax-private.h"
#include "bus.h"
#include "fsdev.h"

/* Points where the probe_fail_step test hook can fail the probe. */
enum fsdev_probe_step {
	FSDEV_STEP_PGMAP = 1,
	FSDEV_STEP_OFFSET,
	FSDEV_STEP_REGIONS,
	FSDEV_STEP_MEMREMAP,
	FSDEV_STEP_CDEV,
	FSDEV_STEP_RUN,
};

static bool fsdev_inject(struct device *dev, enum fsdev_probe_step step)
{
	if (READ_ONCE(probe_fail_step) != step)
		return false;
	dev_info(dev, "probe_fail_step=%d: failing probe\n", step);
	return true;
}

/*
 * The static pgmap belongs to the region driver and may carry the
 * compound-page order device_dax set; fs-dax pages are order 0. A
 * dynamic device gets a devm pgmap covering all of its ranges.
 */
static struct dev_pagemap *fsdev_acquire_pgmap(struct dev_dax *dev_dax)
{
	struct device *dev = &dev_dax->dev;
	struct dev_pagemap *pgmap;
	int i;

	if (static_dev_dax(dev_dax)) {
		if (dev_dax->nr_range > 1) {
			dev_warn(dev,
				 "static pgmap / multi-range device conflict\n");
			return ERR_PTR(-EINVAL);
		}
		pgmap = dev_dax->pgmap;
		pgmap->vmemmap_shift = 0;
		return pgmap;
	}

	if (dev_dax->pgmap) {
		dev_warn(dev, "dynamic-dax with pre-populated page map\n");
		return ERR_PTR(-EINVAL);
	}

	pgmap = devm_kzalloc(dev, struct_size(pgmap, ranges,
					      dev_dax->nr_range - 1),
			     GFP_KERNEL);
	if (!pgmap)
		return ERR_PTR(-ENOMEM);

	pgmap->nr_range = dev_dax->nr_range;
	for (i = 0; i < dev_dax->nr_range; i++)
		pgmap->ranges[i] = dev_dax->ranges[i].range;
	return pgmap;
}

/* An impossible layout must fail loudly, not map data at a wrong place. */
static int fsdev_check_data_offset(struct dev_dax *dev_dax,
				   struct dev_pagemap *pgmap, u64 *data_offset)
{
	u64 data_start = dev_dax->ranges[0].range.start;
	u64 pgmap_start = pgmap->ranges[0].start;

	/* test hook: present the layout the check exists for */
	if (fsdev_inject(&dev_dax->dev, FSDEV_STEP_OFFSET))
		pgmap_start = data_start + PAGE_SIZE;

	if (fsdev_range_data_offset(pgmap_start, data_start, data_offset)) {
		dev_err(&dev_dax->dev,
			"pgmap start %#llx exceeds data start %#llx\n",
			pgmap_start, data_start);
		return -EINVAL;
	}
	return 0;
}

static void fsdev_drop_probe_ref(void *data)
{
	fsdev_put(data);
}

static struct fsdev *fsdev_alloc(struct dev_dax *dev_dax,
				 struct dev_pagemap *pgmap, u64 data_offset)
{
	struct fsdev *fsdev;
	int i;

	fsdev = kzalloc(struct_size(fsdev, ranges, dev_dax->nr_range),
			GFP_KERNEL);
	if (!fsdev)
		return NULL;

	fsdev_object_add();
	kref_init(&fsdev->kref);
	mutex_init(&fsdev->holder_lock);
	mutex_init(&fsdev->views_lock);
	INIT_LIST_HEAD(&fsdev->views);
	get_device(&dev_dax->dev);
	fsdev->dev_dax = dev_dax;
	fsdev->dax_dev = dev_dax->dax_dev;
	fsdev->pgmap = pgmap;
	fsdev->align = dev_dax->align;
	fsdev->is_static = static_dev_dax(dev_dax);
	fsdev->data_offset = data_offset;
	fsdev->nr_ranges = dev_dax->nr_range;
	for (i = 0; i < dev_dax->nr_range; i++) {
		fsdev->ranges[i].phys = dev_dax->ranges[i].range.start;
		fsdev->ranges[i].len = range_len(&dev_dax->ranges[i].range);
	}
	fsdev->size = fsdev_range_fill_offsets(fsdev->ranges,
					       fsdev->nr_ranges);
	return fsdev;
}

static int fsdev_request_regions(struct dev_dax *dev_dax)
{
	struct device *dev = &dev_dax->dev;
	int i;

	for (i = 0; i < dev_dax->nr_range; i++) {
		struct range *range = &dev_dax->ranges[i].range;

		if (!devm_request_mem_region(dev, range->start,
					     range_len(range), dev_name(dev))) {
			dev_warn(dev, "range%d %#llx-%#llx is busy\n", i,
				 range->start, range->end);
			return -EBUSY;
		}
	}
	return 0;
}

/*
 * Runs with a pgmap reference held by memory_failure(), which keeps the
 * pgmap, and so @fsdev (freed only after memunmap_pages), alive.
 */
static int fsdev_memory_failure(struct dev_pagemap *pgmap, unsigned long pfn,
				unsigned long nr_pages, int mf_flags)
{
	struct fsdev *fsdev = READ_ONCE(pgmap->owner);
	u32 flags = FSDEV_DAX_EVENT_POISON;
	u64 offset;

	if (!fsdev)
		return -EOPNOTSUPP;
	/* metadata below the data start of a static device maps nothing */
	if (fsdev_range_phys_to_offset(fsdev->ranges, fsdev->nr_ranges,
				       PFN_PHYS(pfn), &offset))
		return -ENXIO;

	atomic64_inc(&fsdev->failures);
	if (mf_flags & MF_ACTION_REQUIRED)
		flags |= FSDEV_DAX_EVENT_ACTION_REQUIRED;
	return fsdev_holder_notify_failure(fsdev, offset,
					   (u64)nr_pages << PAGE_SHIFT, flags);
}

static const struct dev_pagemap_ops fsdev_pagemap_ops = {
	.memory_failure = fsdev_memory_failure,
};

/* A static pgmap outlives us: leave no handler pointing into this module. */
static void fsdev_clear_pgmap_ops(void *data)
{
	struct dev_pagemap *pgmap = data;

	WRITE_ONCE(pgmap->ops, NULL);
	WRITE_ONCE(pgmap->owner, NULL);
}

static int fsdev_remap(struct fsdev *fsdev, struct dev_pagemap *pgmap)
{
	struct device *dev = &fsdev->dev_dax->dev;
	void *addr;
	int rc;

	pgmap->type = MEMORY_DEVICE_FS_DAX;
	pgmap->ops = &fsdev_pagemap_ops;
	pgmap->owner = fsdev;
	rc = devm_add_action_or_reset(dev, fsdev_clear_pgmap_ops, pgmap);
	if (rc)
		return rc;

	addr = devm_memremap_pages(dev, pgmap);
	return PTR_ERR_OR_ZERO(addr);
}

static void fsdev_cdev_del(void *cdev)
{
	cdev_del(cdev);
}

static int fsdev_add_cdev(struct dev_dax *dev_dax)
{
	struct device *dev = &dev_dax->dev;
	struct cdev *cdev = dax_inode(dev_dax->dax_dev)->i_cdev;
	int rc;

	cdev_init(cdev, &fsdev_cdev_fops);
	cdev->owner = dev->driver->owner;
	cdev_set_parent(cdev, &dev->kobj);
	rc = cdev_add(cdev, dev->devt, 1);
	if (rc)
		return rc;
	return devm_add_action_or_reset(dev, fsdev_cdev_del, cdev);
}

/*
 * Unbind: refuse new accesses, tell the holder, wait for readers of the
 * dax device (kill_dax), then zap every mapping of the device and views.
 */
static void fsdev_kill(void *data)
{
	struct fsdev *fsdev = data;

	mutex_lock(&fsdev->views_lock);
	WRITE_ONCE(fsdev->dead, true);
	mutex_unlock(&fsdev->views_lock);

	fsdev_holder_remove(fsdev);
	kill_dev_dax(fsdev->dev_dax);
	fsdev_views_unmap(fsdev);
}

int fsdev_dax_probe(struct dev_dax *dev_dax)
{
	struct device *dev = &dev_dax->dev;
	struct dev_pagemap *pgmap;
	struct fsdev *fsdev;
	u64 data_offset;
	int rc;

	if (!dev_dax->nr_range)
		return -ENXIO;

	pgmap = fsdev_acquire_pgmap(dev_dax);
	if (IS_ERR(pgmap))
		return PTR_ERR(pgmap);
	if (fsdev_inject(dev, FSDEV_STEP_PGMAP))
		return -EIO;

	rc = fsdev_check_data_offset(dev_dax, pgmap, &data_offset);
	if (rc)
		return rc;

	fsdev = fsdev_alloc(dev_dax, pgmap, data_offset);
	if (!fsdev)
		return -ENOMEM;
	rc = devm_add_action_or_reset(dev, fsdev_drop_probe_ref, fsdev);
	if (rc)
		return rc;
	dev_set_drvdata(dev, fsdev);

	rc = fsdev_request_regions(dev_dax);
	if (rc)
		return rc;
	if (fsdev_inject(dev, FSDEV_STEP_REGIONS))
		return -EIO;

	rc = fsdev_remap(fsdev, pgmap);
	if (rc)
		return rc;
	if (fsdev_inject(dev, FSDEV_STEP_MEMREMAP))
		return -EIO;

	rc = fsdev_add_cdev(dev_dax);
	if (rc)
		return rc;
	if (fsdev_inject(dev, FSDEV_STEP_CDEV))
		return -EIO;

	run_dax(dev_dax->dax_dev);
	rc = devm_add_action_or_reset(dev, fsdev_kill, fsdev);
	if (rc)
		return rc;
	if (fsdev_inject(dev, FSDEV_STEP_RUN))
		return -EIO;

	/* Probe can no longer fail: publish the pgmap. */
	dev_dax->pgmap = pgmap;
	return 0;
}
