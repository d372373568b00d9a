// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test hooks in debugfs; built only into the test module (see
 * fsdev_testing.h). debugfs failures are not errors: the hooks are then
 * absent and the tests that need them fail, the driver itself is fine.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include "fsdev_testing.h"

static struct dentry *fsdev_debugfs;
static atomic_t fsdev_objects = ATOMIC_INIT(0);
static u32 fsdev_fail_step;

void fsdev_object_add(void)
{
	atomic_inc(&fsdev_objects);
}

void fsdev_object_del(void)
{
	atomic_dec(&fsdev_objects);
}

bool fsdev_fail_probe_at(struct device *dev, enum fsdev_probe_step step)
{
	if (READ_ONCE(fsdev_fail_step) != step)
		return false;
	dev_info(dev, "test hook: failing probe at step %d\n", step);
	return true;
}

void fsdev_testing_init(void)
{
	fsdev_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_atomic_t("objects", 0444, fsdev_debugfs,
				&fsdev_objects);
	debugfs_create_u32("fail_probe_step", 0644, fsdev_debugfs,
			   &fsdev_fail_step);
}

void fsdev_testing_exit(void)
{
	debugfs_remove_recursive(fsdev_debugfs);
}
