// SPDX-License-Identifier: Apache-2.0
/*
 * A client's catch-up with the master: the log tail on the device is
 * checked cheaply on lookup/getattr/readdir and by a background poll, and
 * only the new entries are replayed. The master appends through this very
 * daemon, so it never needs to look.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "famfs_fused.h"

#define POLL_INTERVAL_MS 500

int refresh_now(struct fused *d)
{
	int rc;

	if (d->master)
		return 0;
	/* one replay at a time; queries keep running under lib's lock */
	pthread_mutex_lock(&d->refresh_lock);
	rc = famfs_fs_refresh(d->fs, &d->rep, false, NULL, NULL);
	pthread_mutex_unlock(&d->refresh_lock);
	if (rc < 0)
		fused_log(LOG_ERR, "%s: log replay: %s", d->device,
			  strerror(-rc));
	return rc;
}

void refresh_if_moved(struct fused *d)
{
	if (!d->master && famfs_fs_log_moved(d->fs))
		refresh_now(d);
}

static void *poll_main(void *arg)
{
	struct fused *d = arg;
	struct timespec until;

	pthread_mutex_lock(&d->refresh_lock);
	while (!d->poll_stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += POLL_INTERVAL_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&d->poll_cond, &d->refresh_lock,
				       &until);
		if (d->poll_stop)
			break;
		pthread_mutex_unlock(&d->refresh_lock);
		refresh_if_moved(d);
		pthread_mutex_lock(&d->refresh_lock);
	}
	pthread_mutex_unlock(&d->refresh_lock);
	return NULL;
}

int refresh_start_poll(struct fused *d)
{
	int rc;

	if (d->master)
		return 0;
	rc = pthread_create(&d->poll_thread, NULL, poll_main, d);
	if (rc)
		return -rc;
	d->poll_started = true;
	return 0;
}

void refresh_stop_poll(struct fused *d)
{
	if (!d->poll_started)
		return;
	pthread_mutex_lock(&d->refresh_lock);
	d->poll_stop = true;
	pthread_cond_signal(&d->poll_cond);
	pthread_mutex_unlock(&d->refresh_lock);
	pthread_join(d->poll_thread, NULL);
	d->poll_started = false;
}
