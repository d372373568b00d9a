// SPDX-License-Identifier: Apache-2.0
/*
 * The device was unbound from fsdev_dax under a live mount (the driver's
 * REMOVED event, or a view refused with ENXIO). Its memory is gone: the
 * daemon's own mapping of it would raise SIGBUS at the next touch, from
 * any thread (a heartbeat, a log append, the host slot written at
 * unmount). So the mapping is replaced at once by anonymous zero pages:
 * whatever still touches it reads zeros and writes nowhere. Opens and
 * namespace changes are refused with ENXIO from then on (file.c,
 * namespace.c, names.c); lookups, readdir and the generated .meta files
 * keep working from memory until the mount goes.
 */
#include <sys/mman.h>
#include <syslog.h>

#include "famfs_fused.h"

void fused_device_gone(struct fused *d)
{
	struct famfs_dev *dev = famfs_fs_dev(d->fs);

	if (__atomic_exchange_n(&d->device_gone, true, __ATOMIC_ACQ_REL))
		return;
	if (dev->base && mmap(dev->base, dev->size, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
			      MAP_NORESERVE, -1, 0) == MAP_FAILED)
		fused_log(LOG_ERR, "%s: cannot unmap the gone device: %m",
			  d->device);
	fused_log(LOG_ERR, "%s: device unbound: opens and changes fail with ENXIO; unmount it",
		  d->device);
}
