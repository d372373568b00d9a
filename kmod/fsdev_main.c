// SPDX-License-Identifier: GPL-2.0-only
/*
 * fsdev_dax: module entry, the dax bus driver and the device lifetime.
 */
#include <linux/module.h>
#include <linux/device.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include "dax-private.h"
#include "bus.h"
#include "fsdev.h"

unsigned int probe_fail_step;
module_param(probe_fail_step, uint, 0644);
MODULE_PARM_DESC(probe_fail_step,
		 "Test hook: fail probe at step N (1..6), 0 disables");

/* Devices, open files and views alive: lets tests see leaks. */
static atomic_t fsdev_objects = ATOMIC_INIT(0);

static int fsdev_objects_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&fsdev_objects));
}

static const struct kernel_param_ops fsdev_objects_ops = {
	.get = fsdev_objects_get,
};
module_param_cb(objects, &fsdev_objects_ops, NULL, 0444);
MODULE_PARM_DESC(objects, "Live driver objects (devices, files, views)");

void fsdev_object_add(void)
{
	atomic_inc(&fsdev_objects);
}

void fsdev_object_del(void)
{
	atomic_dec(&fsdev_objects);
}

static void fsdev_free(struct kref *kref)
{
	struct fsdev *fsdev = container_of(kref, struct fsdev, kref);

	put_device(&fsdev->dev_dax->dev);
	kfree(fsdev);
	fsdev_object_del();
}

void fsdev_get(struct fsdev *fsdev)
{
	kref_get(&fsdev->kref);
}

void fsdev_put(struct fsdev *fsdev)
{
	kref_put(&fsdev->kref, fsdev_free);
}

static struct dax_device_driver fsdev_dax_driver = {
	.drv = {
		.dev_groups = fsdev_dev_groups,
	},
	.probe = fsdev_dax_probe,
	.type = DAXDRV_DEVICE_TYPE,
};

static int __init fsdev_dax_init(void)
{
	int rc;

	rc = fsdev_viewfs_init();
	if (rc)
		return rc;
	rc = dax_driver_register(&fsdev_dax_driver);
	if (rc)
		fsdev_viewfs_exit();
	return rc;
}

static void __exit fsdev_dax_exit(void)
{
	dax_driver_unregister(&fsdev_dax_driver);
	fsdev_viewfs_exit();
}

module_init(fsdev_dax_init);
module_exit(fsdev_dax_exit);
MODULE_DESCRIPTION("famfs devdax driver: fs-dax pages, holder, views");
MODULE_LICENSE("GPL");
