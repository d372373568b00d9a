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

/*
 * How opens are served: by FUSE passthrough onto an fsdev_dax view of the
 * file's extents (reads, writes and mappings never reach the daemon), or
 * by the daemon itself. For the mount (ino 0): whether passthrough is on;
 * for a file: what its opens get now.
 */
#define FAMFS_SERVED_DAEMON 0
#define FAMFS_SERVED_PASSTHROUGH 1

/* Why opens are served by the daemon (0 when by passthrough). */
enum famfs_serving_why {
	FAMFS_WHY_NONE,
	/* the whole mount */
	FAMFS_WHY_OPTION,
	FAMFS_WHY_NOT_FSDEV,
	FAMFS_WHY_NO_CAP,
	FAMFS_WHY_KERNEL,
	FAMFS_WHY_REFUSED,
	FAMFS_WHY_DEVICE_GONE,
	/* one file */
	FAMFS_WHY_PENDING,
	FAMFS_WHY_OPEN_SINCE_PENDING,
	FAMFS_WHY_EMPTY,
	FAMFS_WHY_NO_VIEW,
	FAMFS_WHY_NOT_FILE,
	FAMFS_WHY_COUNT
};

/* One word for listings, and the reason in words. */
static inline const char *famfs_why_word(uint32_t why)
{
	static const char *const words[FAMFS_WHY_COUNT] = {
		"-", "option", "not-fsdev", "no-capability", "kernel",
		"refused", "device-gone", "pending", "open-since-pending",
		"empty", "no-view", "not-a-file",
	};

	return why < FAMFS_WHY_COUNT ? words[why] : "?";
}

static inline const char *famfs_why_text(uint32_t why)
{
	static const char *const texts[FAMFS_WHY_COUNT] = {
		"served by passthrough",
		"-o nopassthrough",
		"not a devdax device bound to fsdev_dax; see famfs daxmode",
		"the daemon lacks CAP_SYS_ADMIN",
		"the kernel does not offer FUSE passthrough",
		"the kernel refuses fsdev_dax views as backing files",
		"the device was unbound",
		"being written (pending): not committed yet",
		"open since before its commit: passthrough after its last close",
		"empty",
		"no view of its extents could be made",
		"not a regular file",
	};

	return why < FAMFS_WHY_COUNT ? texts[why] : "unknown reason";
}

struct famfs_ioc_serving {
	uint64_t ino;			/* in: st_ino through the mount, 0: the mount */
	uint32_t served;		/* out: FAMFS_SERVED_* */
	uint32_t why;			/* out: enum famfs_serving_why */
	uint32_t handles;		/* out: a file's handles open on this host */
	uint32_t reserved0;
	uint64_t read_requests;		/* out: data requests the daemon served */
	uint64_t write_requests;	/* (a file: since it was last opened) */
	uint64_t reserved[4];
};

#define FAMFS_IOC_SERVING _IOWR(0xfa, 5, struct famfs_ioc_serving)

#endif
