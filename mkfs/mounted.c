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

int mkfs_refuse_mounted(const char *path, const struct famfs_dev *dev,
			unsigned int force)
{
	struct famfs_mount_info mi;
	struct famfs_sb_info sb;
	int hosts;

	if (famfs_device_mounted_here(dev, &mi) > 0) {
		fprintf(stderr, "mkfs.famfs: %s: mounted on this host at %s "
			"(unmount it first)\n", path, mi.mountpoint);
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
