// SPDX-License-Identifier: Apache-2.0
/*
 * Telling the kernel exactly what changed, so that it may cache entries
 * (negative ones included) and attributes for long instead of asking
 * again every second.
 *
 * A client learns of changes by replaying the master's log: each entry
 * replayed names the paths it touched, and for each the kernel is told
 * to drop the entry (a negative one too) and the attributes (and cached
 * data) of the nodes involved and of their directory. The master changes
 * the namespace only through this daemon, so the kernel already knows,
 * except for a file the daemon had to drop itself (its commit failed).
 *
 * FUSE's notify calls take the directory's lock, which the kernel holds
 * while a lookup in it waits for us; so request handlers only queue, and
 * a thread of our own sends. Any lookup answered from the old namespace
 * finishes before the notification about the new one gets that lock, so
 * nothing stale outlives it. If the kernel cannot take notifications
 * (ENOSYS), the daemon falls back to short cache timeouts.
 *
 * Attributes alone take no lock in the kernel, so a request's own thread
 * sends those (notify_attrs_now). The master needs that where a
 * directory's time changes under a request the kernel does see (create,
 * mknod, mkdir, unlink, rename, symlink: notify_dir_changed): the kernel
 * then drops the directory's attributes itself, but without marking them
 * newer than an answer about them still on its way (a stat, read before
 * the change), which would be cached over them for the long timeout; a
 * notification does mark them so (as read in Linux 6.12 fs/fuse: only it
 * bumps the inode's attr_version; tests/mount/stat-race shows the race
 * on 6.18). A commit at FLUSH moves its directory's times too
 * (notify_committed), which the kernel does not even drop: queued, a
 * stat right after close(2) would still find the times shown while the
 * file was pending.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "famfs_fused.h"

enum notify_kind {
	NOTIFY_ENTRY,		/* @name in directory @ino */
	NOTIFY_ATTR,		/* attributes of @ino */
	NOTIFY_INODE,		/* attributes and cached data of @ino */
};

struct notify_item {
	struct notify_item *next;
	enum notify_kind kind;
	uint64_t ino;
	char name[];
};

static void queue(struct fused *d, enum notify_kind kind, uint64_t ino,
		  const char *name)
{
	size_t len = name ? strlen(name) + 1 : 0;
	struct notify_item *it = malloc(sizeof(*it) + len);

	if (!it) {
		/* cannot say what changed: stop trusting long timeouts */
		__atomic_store_n(&d->notify_ok, false, __ATOMIC_RELEASE);
		return;
	}
	it->next = NULL;
	it->kind = kind;
	it->ino = ino;
	if (len)
		memcpy(it->name, name, len);
	pthread_mutex_lock(&d->notify_lock);
	*d->notify_tail = it;
	d->notify_tail = &it->next;
	pthread_cond_signal(&d->notify_cond);
	pthread_mutex_unlock(&d->notify_lock);
}

static void path_changed(struct fused *d, const char *path, bool data,
			 bool dir_now)
{
	char dir[FAMFS_PATH_MAX + 1];
	const char *slash, *name;
	struct famfs_stat st;

	if (!d->notify_started || !*path)
		return;
	slash = strrchr(path, '/');
	name = slash ? slash + 1 : path;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 0,
		 path);
	if (famfs_resolve(d->fs, dir, &st) == 0) {
		queue(d, NOTIFY_ENTRY, st.ino, name);
		if (dir_now)
			notify_attrs_now(d, st.ino);
		else	/* its times, links */
			queue(d, NOTIFY_ATTR, st.ino, NULL);
	}
	if (famfs_resolve(d->fs, path, &st) == 0)
		queue(d, data ? NOTIFY_INODE : NOTIFY_ATTR, st.ino, NULL);
}

void notify_path(struct fused *d, const char *path, bool data)
{
	path_changed(d, path, data, false);
}

void notify_committed(struct fused *d, const char *path)
{
	/*
	 * A commit may move the directory's times (its entry carries the
	 * file's mtime as the writer's kernel set it; a dropped file no
	 * longer counts): close(2) returns at our reply, and a stat of
	 * the directory right after it must not find the times shown
	 * while the file was pending.
	 */
	path_changed(d, path, false, true);
}

static void send_one(struct fused *d, const struct notify_item *it)
{
	int rc;

	if (it->kind == NOTIFY_ENTRY)
		rc = fuse_lowlevel_notify_inval_entry(d->se, it->ino, it->name,
						      strlen(it->name));
	else
		rc = fuse_lowlevel_notify_inval_inode(
			d->se, it->ino, it->kind == NOTIFY_INODE ? 0 : -1, 0);
	/* ENOENT: the kernel had nothing cached, which is fine */
	if (rc == -ENOSYS) {
		__atomic_store_n(&d->notify_ok, false, __ATOMIC_RELEASE);
		fused_log(LOG_WARNING, "%s: the kernel takes no cache "
			  "notifications; caching for %g s only",
			  d->mountpoint, FUSED_SHORT_TIMEOUT);
	}
}

void notify_attrs_now(struct fused *d, uint64_t ino)
{
	const struct notify_item it = { .kind = NOTIFY_ATTR, .ino = ino };

	if (d->notify_started &&
	    __atomic_load_n(&d->notify_ok, __ATOMIC_ACQUIRE))
		send_one(d, &it);
}

void notify_dir_changed(struct fused *d, uint64_t dir)
{
	/*
	 * Its time moved (on version 1 a directory keeps its creation
	 * time: nothing to tell). The kernel's own invalidation at our
	 * reply would leave a stat answer already on its way to be cached
	 * over the new time for the long timeout (see the top).
	 */
	if (d->sb->version >= 2)
		notify_attrs_now(d, dir);
}

static void *notify_main(void *arg)
{
	struct fused *d = arg;

	pthread_mutex_lock(&d->notify_lock);
	for (;;) {
		struct notify_item *batch;

		while (!d->notify_head && !d->notify_stop)
			pthread_cond_wait(&d->notify_cond, &d->notify_lock);
		batch = d->notify_head;
		d->notify_head = NULL;
		d->notify_tail = &d->notify_head;
		if (!batch && d->notify_stop)
			break;
		pthread_mutex_unlock(&d->notify_lock);
		while (batch) {
			struct notify_item *next = batch->next;

			if (__atomic_load_n(&d->notify_ok, __ATOMIC_ACQUIRE))
				send_one(d, batch);
			free(batch);
			batch = next;
		}
		pthread_mutex_lock(&d->notify_lock);
	}
	pthread_mutex_unlock(&d->notify_lock);
	return NULL;
}

int notify_start(struct fused *d)
{
	int rc;

	pthread_mutex_init(&d->notify_lock, NULL);
	pthread_cond_init(&d->notify_cond, NULL);
	d->notify_tail = &d->notify_head;
	d->notify_ok = true;
	rc = pthread_create(&d->notify_thread, NULL, notify_main, d);
	if (rc) {
		d->notify_ok = false;
		return -rc;
	}
	/* for ps -L, and tests that hold it (tests/mount/close_stat.c) */
	pthread_setname_np(d->notify_thread, "famfs-notify");
	d->notify_started = true;
	return 0;
}

void notify_stop(struct fused *d)
{
	if (!d->notify_started)
		return;
	pthread_mutex_lock(&d->notify_lock);
	d->notify_stop = true;
	pthread_cond_signal(&d->notify_cond);
	pthread_mutex_unlock(&d->notify_lock);
	pthread_join(d->notify_thread, NULL);
	d->notify_started = false;
	d->notify_ok = false;
}
