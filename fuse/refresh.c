// SPDX-License-Identifier: Apache-2.0
/*
 * A client's catch-up with the master: the log tail on the device is
 * checked cheaply on lookup/getattr/readdir and by the housekeeping tick,
 * and only the new entries are replayed; what they touched is notified
 * to the kernel (notify.c). The master appends through this very daemon,
 * so it never needs to look.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "famfs_fused.h"

/* The paths each replayed entry touched, for the kernel's caches. */
struct touched {
	char **paths;
	size_t count, cap;
	bool lost;		/* out of memory: some are missing */
};

static void note_path(struct touched *t, const char *path)
{
	if (!path || !*path)
		return;
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **p = realloc(t->paths, cap * sizeof(*p));

		if (!p) {
			t->lost = true;
			return;
		}
		t->paths = p;
		t->cap = cap;
	}
	t->paths[t->count] = strdup(path);
	if (t->paths[t->count])
		t->count++;
	else
		t->lost = true;
}

/* Called under libfamfs's write lock: only note, resolve later. */
static void note_entry(void *ctx, const struct famfs_log_record *r)
{
	note_path(ctx, r->path);
	if (r->type == FAMFS_LOG_RENAME)
		note_path(ctx, r->new_path);	/* and the name it replaced */
}

int refresh_now(struct fused *d)
{
	struct touched t = { 0 };
	int rc;

	/* the log is device memory: gone with the device, or another's */
	if (d->master || device_gone(d))
		return 0;
	if (fenced(d))
		return -EIO;
	/* one replay at a time; queries keep running under lib's lock */
	pthread_mutex_lock(&d->refresh_lock);
	rc = famfs_fs_refresh(d->fs, &d->rep, false, note_entry, &t);
	for (size_t i = 0; i < t.count; i++) {
		notify_path(d, t.paths[i], true);
		free(t.paths[i]);
	}
	free(t.paths);
	if (t.lost)	/* cannot say exactly what changed any more */
		__atomic_store_n(&d->notify_ok, false, __ATOMIC_RELEASE);
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
