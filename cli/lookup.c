// SPDX-License-Identifier: Apache-2.0
/*
 * Looking a user's path up in the log of the device behind it, for the
 * read-only queries (stat, ls, getmap, flush): one place that turns the
 * failures into the one-line messages. A user who may not read the
 * device gets the answer through the mount (viamount.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

int cli_lookup(const char *path, const char *device, struct cli_target *t,
	       struct famfs_fs **fs, struct famfs_stat *st)
{
	struct stat lst;
	int rc;

	if (device)
		rc = cli_target_device(device, path, t);
	else
		rc = cli_target_find(path, t);
	if (rc) {
		cli_error(path, "%s", rc == -ENOENT ? "not in a famfs mount" :
			  strerror(-rc));
		return rc;
	}
	rc = cli_target_open(t, fs);
	if (rc && !device && cli_device_denied(rc)) {
		/* the device is not ours to read: ask through the mount */
		*fs = NULL;
		rc = cli_mount_stat(path, st);
		if (rc)
			cli_error(path, "%s", cli_strerror(rc));
		return rc;
	}
	if (rc) {
		cli_error(t->mi.device, "%s", strerror(-rc));
		return rc;
	}
	rc = cli_meta_file(*fs, t->rel, st, &(struct famfs_extent){ 0 });
	if (rc) {
		if (rc < 0)
			cli_error(path, "%s", cli_meta_strerror(rc));
		return rc < 0 ? rc : 0;
	}
	rc = famfs_resolve(*fs, t->rel, st);
	if (rc == -ENOENT && !device && lstat(path, &lst) == 0)
		cli_error(path, "not in the log (still being written?)");
	else if (rc)
		cli_error(path, "%s", strerror(-rc));
	return rc;
}

uint64_t cli_mapped_bytes(const struct famfs_extent *ext, uint32_t n,
			  const struct famfs_interleave *il)
{
	uint64_t sum = 0;

	/* strips all have the length of the first; plain lists add up */
	if (il->nstrips)
		return n ? ext[0].len * n : 0;
	for (uint32_t i = 0; i < n; i++)
		sum += ext[i].len;
	return sum;
}

int cli_extents(struct famfs_fs *fs, uint64_t ino, struct famfs_extent **ext,
		struct famfs_interleave *il)
{
	int n = famfs_get_extents(fs, ino, NULL, 0, il);

	*ext = NULL;
	if (n <= 0)
		return n;
	*ext = calloc((size_t)n, sizeof(**ext));
	if (!*ext)
		return -ENOMEM;
	return famfs_get_extents(fs, ino, *ext, (uint32_t)n, il);
}
