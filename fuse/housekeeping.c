// SPDX-License-Identifier: Apache-2.0
/*
 * The daemon's one background thread: ten times a second a client
 * checks whether the master's log moved (bounding how stale it can be,
 * and how long deleted space waits for it), and held released space is
 * looked at again: the master reuses it once no host can touch it, a
 * client keeps df exact. Twice a second every host checks that the
 * filesystem was not replaced (fence.c) and beats in its slot of the
 * host table (version 2): replayed, pins, heartbeat, after looking
 * whether the master evicted it.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "famfs_fused.h"

#define TICK_MS 100
#define TICKS_PER_BEAT 5

static void beat(struct fused *d)
{
	static bool said_stale;

	/* -EIO once evicted: fence.c says so and fails every access */
	if (famfs_host_beat(d->fs) == -ESTALE && !said_stale) {
		said_stale = true;
		fused_log(LOG_ERR, "%s: another host wrote over this host's "
			  "slot of the host table", d->device);
	}
}

static void *tick_main(void *arg)
{
	struct fused *d = arg;
	struct timespec until;
	unsigned int ticks = 0;

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
		/* a replaced filesystem: not ours to read or write */
		if (!device_gone(d) &&
		    (++ticks % TICKS_PER_BEAT || !fence_check(d))) {
			if (!d->master)
				refresh_if_moved(d);
			if (ticks % TICKS_PER_BEAT == 0)
				beat(d);
			if (!__atomic_load_n(&d->evicted, __ATOMIC_ACQUIRE))
				famfs_reclaim(d->fs);
		}
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
