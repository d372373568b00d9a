/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * fsdev_dax: userspace interface of the famfs devdax driver.
 *
 * A devdax device bound to fsdev_dax keeps its node (/dev/daxX.Y). On it:
 *   - mmap(MAP_SHARED) maps the whole device (2 MiB faults where aligned);
 *   - FSDEV_DAX_IOC_GET_INFO reports size, alignment and physical ranges;
 *   - FSDEV_DAX_IOC_CLAIM_HOLDER makes this open file the device's only
 *     holder: memory failures then arrive as struct fsdev_dax_event records
 *     readable with read()/poll() on it; closing it releases the claim;
 *   - FSDEV_DAX_IOC_CREATE_VIEW returns a new fd whose read/write/mmap
 *     cover exactly the given extents, concatenated in order. The fd is
 *     a regular file of the module's own internal filesystem (fstatfs
 *     f_type FSDEV_DAX_VIEW_MAGIC), usable as a FUSE passthrough backing
 *     file.
 */
#ifndef _UAPI_FSDEV_DAX_H
#define _UAPI_FSDEV_DAX_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define FSDEV_DAX_IOC_MAGIC		0xDA

/* One physical range of the device, in device offset order. */
struct fsdev_dax_range {
	__u64 offset;		/* device byte offset of the range */
	__u64 phys;		/* host physical address of its first byte */
	__u64 len;		/* bytes */
};

#define FSDEV_DAX_INFO_STATIC		(1ULL << 0) /* pgmap owned by region */
#define FSDEV_DAX_INFO_HOLDER		(1ULL << 1) /* a holder is claimed */

struct fsdev_dax_info {
	__u64 size;		/* out: usable bytes */
	__u64 align;		/* out: device alignment in bytes */
	__u64 data_offset;	/* out: bytes between pgmap and data start */
	__u64 flags;		/* out: FSDEV_DAX_INFO_* */
	__u32 nr_ranges;	/* out: number of ranges of the device */
	__u32 ranges_cap;	/* in: room at ranges_ptr, in entries */
	__u64 ranges_ptr;	/* in: struct fsdev_dax_range[], or 0 */
	__u64 reserved[4];	/* must be zero */
};

/* Flags of an event record. */
#define FSDEV_DAX_EVENT_POISON		(1U << 0) /* memory failure */
#define FSDEV_DAX_EVENT_ACTION_REQUIRED	(1U << 1) /* a consumer hit it */
#define FSDEV_DAX_EVENT_REMOVED		(1U << 2) /* device unbound */
#define FSDEV_DAX_EVENT_OVERFLOW	(1U << 3) /* earlier events lost */

/* Read from the holder fd; offset/length are device bytes. */
struct fsdev_dax_event {
	__u64 offset;
	__u64 length;
	__u32 flags;
	__u32 reserved;
};

/* One extent of a view: device offset and length, page-size multiples. */
struct fsdev_dax_extent {
	__u64 offset;
	__u64 len;
};

#define FSDEV_DAX_VIEW_READ_ONLY	(1U << 0)
#define FSDEV_DAX_VIEW_MAGIC		0x66736476	/* "fsdv" */
#define FSDEV_DAX_VIEW_MAX_EXTENTS	65536

struct fsdev_dax_view_create {
	__u64 extents_ptr;	/* in: struct fsdev_dax_extent[nr_extents] */
	__u32 nr_extents;	/* in */
	__u32 flags;		/* in: FSDEV_DAX_VIEW_* */
	__u64 size;		/* out: view size (sum of extent lengths) */
	__u64 reserved[2];	/* must be zero */
};

#define FSDEV_DAX_IOC_GET_INFO \
	_IOWR(FSDEV_DAX_IOC_MAGIC, 0x40, struct fsdev_dax_info)
#define FSDEV_DAX_IOC_CLAIM_HOLDER	_IO(FSDEV_DAX_IOC_MAGIC, 0x41)
#define FSDEV_DAX_IOC_RELEASE_HOLDER	_IO(FSDEV_DAX_IOC_MAGIC, 0x42)
/* Returns the new view fd (O_CLOEXEC) as the ioctl result. */
#define FSDEV_DAX_IOC_CREATE_VIEW \
	_IOWR(FSDEV_DAX_IOC_MAGIC, 0x43, struct fsdev_dax_view_create)

#endif /* _UAPI_FSDEV_DAX_H */
