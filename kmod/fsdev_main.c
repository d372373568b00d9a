// SPDX-License-Identifier: GPL-2.0-only
/*
 * fsdev_dax: module entry, the dax bus driver and the device lifetime.
 */
#include <linux/module.h>
#include <linux/device.h>
#include <linux/slab.h>
#include "dax-private.h"
#include "bus.h"
#include "fsdev.h"

static void fsdev_free(struct kref *kref)
{
	struct fsdev *fsdev = container_of(kref, struct fsdev, kref);

	fsdev_poison_destroy(fsdev);
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

/*
 * The dax bus binds a driver to every device of the driver's type, at
 * driver registration and whenever a device appears. fsdev_dax has no
 * type of its own (this value matches none), so it never takes a device
 * by itself: it binds the devices named in its new_id, which is what
 * `famfs daxmode DEV famfs` and `daxctl reconfigure-device` write.
 */
#define FSDEV_BIND_BY_ID_ONLY	((enum dax_driver_type)-1)

static struct dax_device_driver fsdev_dax_driver = {
	.drv = {
		.dev_groups = fsdev_dev_groups,
	},
	.probe = fsdev_dax_probe,
	.type = FSDEV_BIND_BY_ID_ONLY,
};

static int __init fsdev_dax_init(void)
{
	int rc;

	rc = fsdev_viewfs_init();
	if (rc)
		return rc;
	fsdev_testing_init();
	rc = dax_driver_register(&fsdev_dax_driver);
	if (rc) {
		fsdev_testing_exit();
		fsdev_viewfs_exit();
	}
	return rc;
}

static void __exit fsdev_dax_exit(void)
{
	dax_driver_unregister(&fsdev_dax_driver);
	fsdev_testing_exit();
	fsdev_viewfs_exit();
}

module_init(fsdev_dax_init);
module_exit(fsdev_dax_exit);
MODULE_DESCRIPTION("famfs devdax driver: fs-dax pages, holder, views");
MODULE_LICENSE("GPL");
