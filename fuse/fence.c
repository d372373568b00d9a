// SPDX-License-Identifier: Apache-2.0
/*
 * When this host must stop touching the device: another mkfs.famfs (on
 * any host) replaced the filesystem, so its memory now belongs to other
 * files, or the master evicted this host. Every request that would reach
 * the names or the device memory then fails with EIO; the reason is
 * logged once and shown in .meta/.status.
 *
 * A device unbound under the mount (gone.c) reads as zeros from then on:
 * that is not a new filesystem, so it is not checked for one; opens and
 * changes fail with ENXIO there instead, and the namespace keeps listing.
 */
#include <syslog.h>

#include "famfs_fused.h"

static const char replaced_text[] =
	"the filesystem on the device was replaced (a new mkfs.famfs): "
	"its memory belongs to other files now";

const char *fence_reason(struct fused *d)
{
	if (__atomic_load_n(&d->metadata_gone, __ATOMIC_ACQUIRE))
		return "the filesystem's metadata is gone from the device "
		       "(SIGBUS: the device shrank or lost memory)";
	if (__atomic_load_n(&d->replaced, __ATOMIC_ACQUIRE))
		return replaced_text;
	if (famfs_host_evicted(d->fs))
		return "this host was evicted (famfs hosts evict)";
	return NULL;
}

/*
 * The kernel keeps our nodes' attributes for long (notify.c), so a stat
 * of a name it knows would still answer from the old filesystem: drop
 * them all, so that it asks and gets EIO. An attributes-only
 * notification takes no lock the kernel may hold while it waits for us,
 * so the thread that found the fence sends them; an answer computed
 * before the fence and arriving after is older than the drop, and the
 * kernel discards it. The root and .meta stay served.
 */
static void fence_drop_attributes(struct fused *d)
{
	uint64_t end = famfs_fs_ino_end(d->fs);

	if (!d->se)
		return;
	for (uint64_t ino = FAMFS_ROOT_INO + 1; ino < end; ino++)
		if (!meta_is_ino(ino))
			fuse_lowlevel_notify_inval_inode(d->se, ino, -1, 0);
}

static bool fence_replaced(struct fused *d)
{
	if (__atomic_exchange_n(&d->replacing, true, __ATOMIC_ACQ_REL))
		return true;
	fence_drop_attributes(d);
	/* said once nothing cached answers any more */
	__atomic_store_n(&d->replaced, true, __ATOMIC_RELEASE);
	fused_log(LOG_ERR, "%s: %s; every access fails with EIO: unmount "
		  "it", d->device, replaced_text);
	return true;
}

/* Evicted by the master: said once, then every access fails. */
static bool fence_evicted(struct fused *d)
{
	if (!famfs_host_evicted(d->fs))
		return false;
	if (!__atomic_exchange_n(&d->evicted, true, __ATOMIC_ACQ_REL)) {
		fence_drop_attributes(d);
		fused_log(LOG_ERR, "%s: this host was evicted (famfs hosts "
			  "evict): its memory may belong to other files now; "
			  "every access fails with EIO: unmount it",
			  d->device);
	}
	return true;
}

bool fenced(struct fused *d)
{
	sigbus_poll(d);
	if (__atomic_load_n(&d->metadata_gone, __ATOMIC_ACQUIRE))
		return true;
	if (!device_gone(d) && famfs_fs_replaced(d->fs))
		return fence_replaced(d);
	return fence_evicted(d);
}

bool fence_check(struct fused *d)
{
	sigbus_poll(d);
	if (__atomic_load_n(&d->metadata_gone, __ATOMIC_ACQUIRE))
		return true;
	if (!device_gone(d) && famfs_fs_check_identity(d->fs))
		return fence_replaced(d);
	return fence_evicted(d);
}
