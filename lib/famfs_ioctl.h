/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control protocol between famfs_fused and its clients (the famfs CLI,
 * libfamfs's direct mappings): ioctls on any directory or file of a famfs
 * mount (usually its root). Fixed-size structures with fixed-width fields,
 * so FUSE's restricted ioctls carry them without help. Not installed: an
 * installed libfamfs.so and a daemon of another version meet here, so a
 * structure never changes once released; a new one gets a new number.
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

/* File bytes that are contiguous on the device. */
struct famfs_ioc_run {
	uint64_t dev_offset;
	uint64_t len;
};

#define FAMFS_IOC_LAYOUT_RUNS 252	/* the structure is 4 KiB */

/*
 * On an open committed file: its layout in file order, for a direct
 * mapping of the device. The runs lie back to back from file byte 0 to
 * the end of the file's allocation (@mapped >= @size); one reply holds up
 * to FAMFS_IOC_LAYOUT_RUNS of them, from file byte @pos on, and the next
 * call asks from where they ended. @crc is the CRC32C of the whole run
 * list: when it differs between replies, the layout changed meanwhile and
 * the caller starts again. Errors: EBUSY (the file is pending: not in the
 * log yet), EHWPOISON (some of its memory is poisoned), EISDIR, ENOTTY
 * (not a device-backed file: .meta), EINVAL (@pos past the allocation).
 */
struct famfs_ioc_layout {
	uint64_t pos;			/* in: first file byte wanted */
	uint32_t flags;			/* in: 0 */
	uint32_t nruns;			/* out: runs filled */
	uint64_t size;			/* out: file size */
	uint64_t mapped;		/* out: bytes the whole list covers */
	uint32_t total_runs;		/* out: runs in the whole list */
	uint32_t crc;			/* out: CRC32C of the whole list */
	uint8_t fs_uuid[16];		/* out: from the device's superblock */
	uint64_t reserved[1];
	struct famfs_ioc_run runs[FAMFS_IOC_LAYOUT_RUNS];
};

#define FAMFS_IOC_LAYOUT _IOWR(0xfa, 4, struct famfs_ioc_layout)

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
	FAMFS_WHY_POISONED,
	FAMFS_WHY_COUNT
};

/* One word for listings, and the reason in words. */
static inline const char *famfs_why_word(uint32_t why)
{
	static const char *const words[FAMFS_WHY_COUNT] = {
		"-", "option", "not-fsdev", "no-capability", "kernel",
		"refused", "device-gone", "pending", "open-since-pending",
		"empty", "no-view", "not-a-file", "poisoned",
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
		"poisoned: the daemon refuses the lost pages with EIO",
	};

	return why < FAMFS_WHY_COUNT ? texts[why] : "unknown reason";
}

/* ino: the st_ino a stat through the mount gives (0: the mount itself) */
struct famfs_ioc_serving {
	uint64_t ino;			/* in: st_ino, 0: the mount */
	uint32_t served;		/* out: FAMFS_SERVED_* */
	uint32_t why;			/* out: enum famfs_serving_why */
	uint32_t handles;		/* out: a file's handles open here */
	uint32_t reserved0;
	uint64_t read_requests;		/* out: daemon-served data requests */
	uint64_t write_requests;	/* (a file: since it was last opened) */
	uint64_t reserved[4];
};

#define FAMFS_IOC_SERVING _IOWR(0xfa, 5, struct famfs_ioc_serving)

#endif
