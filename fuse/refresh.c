// SPDX-License-Identifier: Apache-2.0
/*
 * A client's catch-up with the master: the log tail on the device is
 * checked cheaply on lookup/getattr/readdir and by the housekeeping tick,
 * and only the new entries are replayed. The master appends through this very
 * daemon, so it never needs to look.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "famfs_fused.h"

int refresh_now(struct fused *d)
{
	int rc;

	/* the log is device memory: gone with the device */
	if (d->master || device_gone(d))
		return 0;
	/* one replay at a time; queries keep running under lib's lock */
	pthread_mutex_lock(&d->refresh_lock);
	rc = famfs_fs_refresh(d->fs, &d->rep, false, NULL, NULL);
	pthread_mutex_unlock(&d->refresh_lock);
	if (rc < 0)
		fused_log(LOG_ERR, "%s: log replay: %s", d->device,
			  strerror(-rc));
	else if (rc > 0)
		poison_import(d);	/* the master may have recorded some */
	return rc;
}

void refresh_if_moved(struct fused *d)
{
	if (!d->master && !device_gone(d) && famfs_fs_log_moved(d->fs))
		refresh_now(d);
}
