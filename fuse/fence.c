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

static bool fence_replaced(struct fused *d)
{
	if (__atomic_exchange_n(&d->replaced, true, __ATOMIC_ACQ_REL))
		return true;
	fused_log(LOG_ERR, "%s: %s; every access fails with EIO: unmount "
		  "it", d->device, replaced_text);
	return true;
}

/* Evicted by the master: said once, then every access fails. */
static bool fence_evicted(struct fused *d)
{
	if (!famfs_host_evicted(d->fs))
		return false;
	if (!__atomic_exchange_n(&d->evicted, true, __ATOMIC_ACQ_REL))
		fused_log(LOG_ERR, "%s: this host was evicted (famfs hosts "
			  "evict): its memory may belong to other files now; "
			  "every access fails with EIO: unmount it",
			  d->device);
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
