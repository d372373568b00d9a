// SPDX-License-Identifier: Apache-2.0
/*
 * mkfs.famfs refuses a device that is mounted: on this host (the mount
 * table names the device of every famfs mount) and, through the host
 * table of a version 2 filesystem, on any other host. A host that keeps
 * serving a replaced filesystem hands its names out over memory the new
 * one gives to new files.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "mounted.h"

struct device_search {
	struct stat want;
	char mountpoint[FAMFS_PATH_MAX + 1];
};

/* The same device node (by number), or the same regular file. */
static bool same_device(const struct stat *a, const struct stat *b)
{
	if ((a->st_mode & S_IFMT) != (b->st_mode & S_IFMT))
		return false;
	if (S_ISCHR(a->st_mode) || S_ISBLK(a->st_mode))
		return a->st_rdev == b->st_rdev;
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static int match_mount(void *ctx, const struct famfs_mount_info *mi)
{
	struct device_search *s = ctx;
	struct stat st;

	if (stat(mi->device, &st) || !same_device(&st, &s->want))
		return 0;
	snprintf(s->mountpoint, sizeof(s->mountpoint), "%s", mi->mountpoint);
	return 1;
}

int mkfs_refuse_mounted(const char *path, const struct famfs_dev *dev,
			unsigned int force)
{
	struct device_search s = { 0 };
	struct famfs_sb_info sb;
	int hosts;

	if (fstat(dev->fd, &s.want) == 0 &&
	    famfs_list_mounts(match_mount, &s) == 0 && s.mountpoint[0]) {
		fprintf(stderr, "mkfs.famfs: %s: mounted on this host at %s "
			"(unmount it first)\n", path, s.mountpoint);
		return 1;
	}
	if (famfs_sb_read(dev, &sb, NULL, NULL))
		return 0;	/* no famfs: no host can be using one */
	hosts = famfs_hosts_mounted(dev, &sb);
	if (hosts == -EOPNOTSUPP) {
		if (force)
			fprintf(stderr, "mkfs.famfs: %s: warning: format "
				"version 1 keeps no host table: whether another "
				"host has it mounted cannot be known\n", path);
		return 0;
	}
	if (hosts > 0 && force < 2) {
		fprintf(stderr, "mkfs.famfs: %s: %d host%s may still have it "
			"mounted (famfs hosts lists them): unmount or evict "
			"them, or give -f twice if they are gone\n", path,
			hosts, hosts == 1 ? "" : "s");
		return 1;
	}
	return 0;
}
