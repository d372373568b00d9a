// SPDX-License-Identifier: GPL-2.0-only
/*
 * Binding a device to fsdev_dax, and unbinding it.
 *
 * Probe takes the device's resources one at a time, each followed by a
 * devm action that gives it back, so a failed probe and an unbind undo
 * exactly what was done, in reverse order. What others can see of us
 * comes last: the char device (open() reaches us from then on) and
 * dev_dax->pgmap (read by the dax core and by kill_dev_dax()).
 */
#include <linux/device.h>
#include <linux/memremap.h>
#include <linux/cdev.h>
#include <linux/dax.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include "dax-private.h"
#include "bus.h"
#include "fsdev.h"

/*
 * A static device (a pmem namespace) is covered by the page map its
 * region made when the namespace was set up, and that map covers one
 * range. We take it over as it is, except for one thing device_dax may
 * have left in it: compound pages of the device's alignment. fs-dax
 * pages are single pages, so the map is set back to order 0 before
 * memremap builds the pages.
 */
static struct dev_pagemap *fsdev_region_pgmap(struct dev_dax *dev_dax)
{
	if (dev_dax->nr_range != 1) {
		dev_err(&dev_dax->dev,
			"static device of %d ranges: its region's page map covers only one\n",
			dev_dax->nr_range);
		return ERR_PTR(-EINVAL);
	}
	dev_dax->pgmap->vmemmap_shift = 0;
	return dev_dax->pgmap;
}

/*
 * Any other device gets a page map of its own, covering all its ranges
 * (the map's first range is inline, hence nr_range - 1 more). devres
 * frees it with the binding. It is not stored in dev_dax->pgmap here:
 * see the end of fsdev_dax_probe().
 */
static struct dev_pagemap *fsdev_own_pgmap(struct dev_dax *dev_dax)
{
	struct device *dev = &dev_dax->dev;
	struct dev_pagemap *pgmap;
	int i;

	/* an unbound dynamic device has none: one left here is not ours */
	if (dev_dax->pgmap) {
		dev_err(dev, "unbound, yet it has a page map: not binding\n");
		return ERR_PTR(-EBUSY);
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

/*
 * Where the data starts in the page map. A static device's map starts at
 * its namespace: the info block, and with map=dev the struct pages, come
 * before the data. A map that starts above the data cannot describe it;
 * binding anyway would put every offset in the wrong place.
 */
static int fsdev_data_offset(struct dev_dax *dev_dax,
			     const struct dev_pagemap *pgmap, u64 *data_offset)
{
	u64 data_start = dev_dax->ranges[0].range.start;
	u64 map_start = pgmap->ranges[0].start;

	/* test build: make the check see the layout it exists for */
	if (fsdev_fail_probe_at(&dev_dax->dev, FSDEV_STEP_OFFSET))
		map_start = data_start + PAGE_SIZE;

	if (fsdev_range_data_offset(map_start, data_start, data_offset)) {
		dev_err(&dev_dax->dev,
			"data at %#llx lies below its page map at %#llx: impossible layout, not binding\n",
			data_start, map_start);
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
	fsdev_poison_init(fsdev);
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

/*
 * The dax device's char device structure is shared by every driver that
 * binds the device (device_dax initialises the same one). Files opened
 * under an earlier binding still hold references to it, and
 * initialising it again under them would reset that count: refuse until
 * they are closed.
 */
static int fsdev_add_cdev(struct dev_dax *dev_dax)
{
	struct device *dev = &dev_dax->dev;
	struct cdev *cdev = dax_inode(dev_dax->dax_dev)->i_cdev;
	int rc;

	if (kref_read(&cdev->kobj.kref)) {
		dev_err(dev, "its node is still open from an earlier binding: close it first\n");
		return -EBUSY;
	}
	cdev_init(cdev, &fsdev_cdev_fops);
	cdev->owner = dev->driver->owner;
	cdev_set_parent(cdev, &dev->kobj);
	rc = cdev_add(cdev, dev->devt, 1);
	if (rc)
		return rc;
	return devm_add_action_or_reset(dev, fsdev_cdev_del, cdev);
}

/*
 * Pages pinned with get_user_pages (an O_DIRECT read into a buffer
 * mapped from the device, a vmsplice of one) outlive every mapping: the
 * struct pages must stay until the pins are dropped, or their holders
 * write to freed memory. fs-dax pages are idle at refcount 1, and the
 * core wakes &folio->_refcount when one comes back to 1. The wait is
 * killable: whoever asked for the unbind may give up waiting, and the
 * unbind then goes on, saying what it leaves behind.
 */
static void fsdev_wait_for_pins(struct fsdev *fsdev)
{
	struct device *dev = &fsdev->dev_dax->dev;
	bool waited = false;
	unsigned int i;

	for (i = 0; i < fsdev->nr_ranges; i++) {
		const struct fsdev_range *r = &fsdev->ranges[i];
		unsigned long pfn = PHYS_PFN(r->phys);
		unsigned long end = pfn + (r->len >> PAGE_SHIFT);

		for (; pfn < end; pfn++) {
			struct page *page = pfn_to_page(pfn);
			u64 offset = r->offset + PFN_PHYS(pfn) - r->phys;

			if (page_ref_count(page) <= 1)
				continue;
			if (!waited)
				dev_info(dev, "unbind waits for pinned pages, the first at offset %#llx\n",
					 offset);
			waited = true;
			if (wait_var_event_killable(&page->_refcount,
						    page_ref_count(page) <= 1)) {
				dev_err(dev, "unbind stops waiting: the page at offset %#llx is still pinned\n",
					offset);
				return;
			}
		}
		cond_resched();
	}
	if (waited)
		dev_info(dev, "pinned pages released\n");
}

/*
 * Unbind: refuse new accesses, tell the holder, wait for readers of the
 * dax device (kill_dax), zap every mapping of the device and its views,
 * then wait for pins before devres takes the pages away.
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
	fsdev_wait_for_pins(fsdev);
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

	if (static_dev_dax(dev_dax))
		pgmap = fsdev_region_pgmap(dev_dax);
	else
		pgmap = fsdev_own_pgmap(dev_dax);
	if (IS_ERR(pgmap))
		return PTR_ERR(pgmap);
	if (fsdev_fail_probe_at(dev, FSDEV_STEP_PGMAP))
		return -EIO;

	rc = fsdev_data_offset(dev_dax, pgmap, &data_offset);
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
	if (fsdev_fail_probe_at(dev, FSDEV_STEP_REGIONS))
		return -EIO;

	rc = fsdev_remap(fsdev, pgmap);
	if (rc)
		return rc;
	if (fsdev_fail_probe_at(dev, FSDEV_STEP_MEMREMAP))
		return -EIO;

	rc = fsdev_add_cdev(dev_dax);
	if (rc)
		return rc;
	if (fsdev_fail_probe_at(dev, FSDEV_STEP_CDEV))
		return -EIO;

	run_dax(dev_dax->dax_dev);
	rc = devm_add_action_or_reset(dev, fsdev_kill, fsdev);
	if (rc)
		return rc;
	if (fsdev_fail_probe_at(dev, FSDEV_STEP_RUN))
		return -EIO;

	/*
	 * Nothing can fail from here on: only now may dev_dax point at our
	 * page map. Set any earlier, a failed probe would leave it pointing
	 * at memory devres has freed, and every later probe of this device
	 * would find a map it must not reuse. kill_dev_dax() clears it for a
	 * dynamic device at unbind.
	 */
	dev_dax->pgmap = pgmap;
	return 0;
}
