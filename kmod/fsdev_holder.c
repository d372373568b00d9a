// SPDX-License-Identifier: GPL-2.0-only
/*
 * The holder of a device: the one party told about memory failures.
 *
 * Claim publishes holder_data before holder_ops; release clears
 * holder_ops before holder_data. A notifier reads holder_ops once and
 * runs under RCU, and release waits for a grace period, so a holder is
 * never called after its release returns. holder_lock only serialises
 * claim, release and removal against each other.
 */
#include <linux/rcupdate.h>
#include <linux/bug.h>
#include "fsdev.h"

int fsdev_holder_claim(struct fsdev *fsdev, void *holder,
		       const struct fsdev_holder_ops *ops)
{
	int rc = 0;

	mutex_lock(&fsdev->holder_lock);
	if (READ_ONCE(fsdev->dead))
		rc = -ENXIO;
	else if (cmpxchg(&fsdev->holder_data, NULL, holder))
		rc = -EBUSY;
	else
		/* cmpxchg is fully ordered: data is visible before ops */
		WRITE_ONCE(fsdev->holder_ops, ops);
	mutex_unlock(&fsdev->holder_lock);
	return rc;
}

/*
 * Only the current holder may call this. After device removal the slot
 * is already empty (fsdev_holder_remove()), which is not an error; any
 * other holder found in the slot is a caller bug and warns.
 */
void fsdev_holder_release(struct fsdev *fsdev, void *holder)
{
	void *prev;

	mutex_lock(&fsdev->holder_lock);
	WRITE_ONCE(fsdev->holder_ops, NULL);
	/* fully ordered, so also a release: ops is NULL before the slot frees */
	prev = cmpxchg(&fsdev->holder_data, holder, NULL);
	mutex_unlock(&fsdev->holder_lock);
	WARN_ON(prev && prev != holder);

	/* notifiers that saw the old ops finish before the holder goes */
	synchronize_rcu();
}

/* -EOPNOTSUPP without a holder: the kernel's generic handling applies. */
int fsdev_holder_notify_failure(struct fsdev *fsdev, u64 offset, u64 len,
				u32 flags)
{
	const struct fsdev_holder_ops *ops;
	void *holder;
	int rc = -EOPNOTSUPP;

	rcu_read_lock();
	ops = READ_ONCE(fsdev->holder_ops);
	/* pairs with the ordering of claim: ops seen implies data seen */
	smp_rmb();
	holder = READ_ONCE(fsdev->holder_data);
	if (ops && holder) {
		/* test build only: a release may run here */
		fsdev_notify_stall(&fsdev->holder_ops);
		ops->notify_failure(holder, offset, len, flags);
		rc = 0;
	}
	rcu_read_unlock();
	return rc;
}

/* Device removal: a last event to the holder, then forget it. */
void fsdev_holder_remove(struct fsdev *fsdev)
{
	mutex_lock(&fsdev->holder_lock);
	fsdev_holder_notify_failure(fsdev, 0, fsdev->size,
				    FSDEV_DAX_EVENT_REMOVED);
	WRITE_ONCE(fsdev->holder_ops, NULL);
	/* as in release: ops is NULL before the slot empties */
	smp_store_release(&fsdev->holder_data, NULL);
	mutex_unlock(&fsdev->holder_lock);
	synchronize_rcu();
}
