// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test hooks in debugfs; built only into the test module (see
 * fsdev_testing.h). debugfs failures are not errors: the hooks are then
 * absent and the tests that need them fail, the driver itself is fine.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/processor.h>
#include <linux/device.h>
#include "fsdev_testing.h"

static struct dentry *fsdev_debugfs;
static atomic_t fsdev_objects = ATOMIC_INIT(0);
static u32 fsdev_fail_step;
static u32 fsdev_stall_ms;
static atomic_t fsdev_stalled = ATOMIC_INIT(0);
static atomic_t fsdev_overtaken = ATOMIC_INIT(0);

/* How long an overtaken notifier keeps going after the release. */
#define FSDEV_STALL_AFTER_RELEASE_MS	1000ULL

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

/* Busy-wait (no sleeping under RCU) on the clock userspace reads too. */
static void fsdev_spin_until(u64 deadline_ns,
			     const struct fsdev_holder_ops *const *ops_slot)
{
	while (ktime_get_ns() < deadline_ns &&
	       (!ops_slot || READ_ONCE(*ops_slot)))
		cpu_relax();
}

/*
 * Called by the notifier inside its RCU read section, after it has read
 * the holder and before it calls it. notify_stalled stays 1 until the
 * notifier is about to call the holder, so a release that returns while
 * it is still 1 did not wait for the notifier. The time after the
 * release gives such a release room to return first, visibly.
 */
void fsdev_notify_stall(const struct fsdev_holder_ops *const *ops_slot)
{
	u32 limit_ms = READ_ONCE(fsdev_stall_ms);

	if (!limit_ms)
		return;
	atomic_set(&fsdev_stalled, 1);
	fsdev_spin_until(ktime_get_ns() + (u64)limit_ms * NSEC_PER_MSEC,
			 ops_slot);
	if (!READ_ONCE(*ops_slot)) {
		atomic_inc(&fsdev_overtaken);
		fsdev_spin_until(ktime_get_ns() +
				 FSDEV_STALL_AFTER_RELEASE_MS * NSEC_PER_MSEC,
				 NULL);
	}
	atomic_set(&fsdev_stalled, 0);
}

void fsdev_testing_init(void)
{
	fsdev_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_atomic_t("objects", 0444, fsdev_debugfs,
				&fsdev_objects);
	debugfs_create_u32("fail_probe_step", 0644, fsdev_debugfs,
			   &fsdev_fail_step);
	debugfs_create_u32("notify_stall_ms", 0644, fsdev_debugfs,
			   &fsdev_stall_ms);
	debugfs_create_atomic_t("notify_stalled", 0444, fsdev_debugfs,
				&fsdev_stalled);
	debugfs_create_atomic_t("notify_overtaken", 0444, fsdev_debugfs,
				&fsdev_overtaken);
}

void fsdev_testing_exit(void)
{
	debugfs_remove_recursive(fsdev_debugfs);
}
