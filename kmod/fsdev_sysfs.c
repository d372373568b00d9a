// SPDX-License-Identifier: GPL-2.0-only
/*
 * Counters under /sys/bus/dax/devices/daxX.Y/fsdev/, present while the
 * device is bound to fsdev_dax: PTE faults, PMDs mapped, read-only PMDs
 * made writable by a write, memory failures seen, pages known poisoned,
 * whether a holder is claimed, and the page order of the page map (0
 * once probe reset a reused static one). Tests and benchmarks read them.
 */
#include <linux/device.h>
#include <linux/memremap.h>
#include <linux/sysfs.h>
#include "fsdev.h"

static ssize_t pte_faults_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct fsdev *fsdev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%lld\n", atomic64_read(&fsdev->pte_faults));
}
static DEVICE_ATTR_RO(pte_faults);

static ssize_t pmd_faults_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct fsdev *fsdev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%lld\n", atomic64_read(&fsdev->pmd_faults));
}
static DEVICE_ATTR_RO(pmd_faults);

static ssize_t pmd_write_faults_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	struct fsdev *fsdev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%lld\n",
			  atomic64_read(&fsdev->pmd_write_faults));
}
static DEVICE_ATTR_RO(pmd_write_faults);

static ssize_t poisoned_pages_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct fsdev *fsdev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", atomic_read(&fsdev->nr_poisoned));
}
static DEVICE_ATTR_RO(poisoned_pages);

static ssize_t memory_failures_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct fsdev *fsdev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%lld\n", atomic64_read(&fsdev->failures));
}
static DEVICE_ATTR_RO(memory_failures);

/* Page order of the pgmap: 0 once probe cleared device_dax's order. */
static ssize_t pgmap_order_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct fsdev *fsdev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%lu\n", fsdev->pgmap->vmemmap_shift);
}
static DEVICE_ATTR_RO(pgmap_order);

static ssize_t holder_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct fsdev *fsdev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%d\n", !!READ_ONCE(fsdev->holder_data));
}
static DEVICE_ATTR_RO(holder);

static struct attribute *fsdev_attrs[] = {
	&dev_attr_pte_faults.attr,
	&dev_attr_pmd_faults.attr,
	&dev_attr_pmd_write_faults.attr,
	&dev_attr_poisoned_pages.attr,
	&dev_attr_memory_failures.attr,
	&dev_attr_holder.attr,
	&dev_attr_pgmap_order.attr,
	NULL,
};

static const struct attribute_group fsdev_attr_group = {
	.name = "fsdev",
	.attrs = fsdev_attrs,
};

const struct attribute_group *fsdev_dev_groups[] = {
	&fsdev_attr_group,
	NULL,
};
