// SPDX-License-Identifier: Apache-2.0
/*
 * The daemon's one background thread: twice a second a client checks
 * whether the master's log moved (bounding how stale it can be).
 */
#include <time.h>

#include "famfs_fused.h"

#define TICK_MS 500

static void *tick_main(void *arg)
{
	struct fused *d = arg;
	struct timespec until;

	pthread_mutex_lock(&d->tick_lock);
	while (!d->tick_stop) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += TICK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&d->tick_cond, &d->tick_lock, &until);
		if (d->tick_stop)
			break;
		pthread_mutex_unlock(&d->tick_lock);
		if (!d->master)
			refresh_if_moved(d);
		pthread_mutex_lock(&d->tick_lock);
	}
	pthread_mutex_unlock(&d->tick_lock);
	return NULL;
}

int housekeeping_start(struct fused *d)
{
	pthread_condattr_t attr;
	int rc;

	pthread_mutex_init(&d->tick_lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&d->tick_cond, &attr);
	pthread_condattr_destroy(&attr);
	rc = pthread_create(&d->tick_thread, NULL, tick_main, d);
	if (rc) {
		pthread_cond_destroy(&d->tick_cond);
		pthread_mutex_destroy(&d->tick_lock);
		return -rc;
	}
	d->tick_started = true;
	return 0;
}

void housekeeping_stop(struct fused *d)
{
	if (!d->tick_started)
		return;
	pthread_mutex_lock(&d->tick_lock);
	d->tick_stop = true;
	pthread_cond_signal(&d->tick_cond);
	pthread_mutex_unlock(&d->tick_lock);
	pthread_join(d->tick_thread, NULL);
	pthread_cond_destroy(&d->tick_cond);
	pthread_mutex_destroy(&d->tick_lock);
	d->tick_started = false;
}
