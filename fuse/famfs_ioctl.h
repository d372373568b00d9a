/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control protocol between the famfs CLI and famfs_fused: ioctls on
 * any directory or file of a famfs mount (usually its root). Fixed-size
 * structures with fixed-width fields, so FUSE's restricted ioctls carry
 * them without help.
 */
#ifndef FAMFS_IOCTL_H
#define FAMFS_IOCTL_H

#include <linux/ioctl.h>
#include <stdint.h>

#define FAMFS_IOC_ROLE_MASTER 1
#define FAMFS_IOC_ROLE_CLIENT 2

struct famfs_ioc_status {
	uint8_t system_uuid[16];	/* the daemon's idea of this host */
	uint8_t fs_uuid[16];
	uint32_t role;			/* FAMFS_IOC_ROLE_* */
	uint32_t pid;			/* the daemon, so umount can wait */
	uint64_t log_entries;		/* entries replayed so far */
	uint64_t log_used;		/* log bytes replayed so far */
	uint64_t reserved[4];
};

#define FAMFS_LOGPLAY_DRY_RUN 0x1

struct famfs_ioc_logplay {
	uint32_t flags;			/* in: FAMFS_LOGPLAY_* */
	int32_t error;			/* out: 0 or a negative errno */
	uint64_t entries;		/* out: applied (or would be) */
	uint64_t reserved[2];
};

#define FAMFS_IOC_STATUS _IOR(0xfa, 1, struct famfs_ioc_status)
#define FAMFS_IOC_LOGPLAY _IOWR(0xfa, 2, struct famfs_ioc_logplay)
/*
 * On a file opened for writing: commit it to the log now, with its
 * current size, instead of at the last close (an empty file otherwise
 * waits a moment in case it is reopened to be written).
 */
#define FAMFS_IOC_COMMIT _IO(0xfa, 3)

#endif
