/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * fsdev_dax: userspace interface of the famfs devdax driver. The manual
 * is fsdev_dax(4).
 *
 * A devdax device bound to fsdev_dax keeps its node (/dev/daxX.Y). On it:
 *   - mmap(MAP_SHARED) maps the whole device (2 MiB faults where aligned);
 *   - FSDEV_DAX_IOC_GET_INFO reports size, alignment, limits and ranges;
 *   - FSDEV_DAX_IOC_CLAIM_HOLDER makes this open file the device's only
 *     holder (it needs a writable open or CAP_SYS_ADMIN): memory failures
 *     then arrive as struct fsdev_dax_event records readable with
 *     read()/poll() on it; closing it releases the claim;
 *   - FSDEV_DAX_IOC_CREATE_VIEW returns a new fd whose read/write/mmap
 *     cover exactly the given extents, concatenated in order. The fd is a
 *     regular file of the module's own internal filesystem (fstatfs
 *     f_type FSDEV_DAX_VIEW_MAGIC), usable as a FUSE passthrough backing
 *     file. A view never allows more access than the node's fd it was
 *     made from;
 *   - FSDEV_DAX_IOC_MARK_FAILED (holder only) tells the driver that device
 *     pages are bad although this kernel was not told (another host saw
 *     the failure): they are handled as a memory failure of this host's
 *     would be, without an event.
 *
 * Growth: struct fsdev_dax_info and struct fsdev_dax_event begin with
 * their size. A caller sets info.struct_size to sizeof(struct
 * fsdev_dax_info) as it knows it; the driver reads and writes only that
 * many bytes and says in struct_size how many it filled, so programs and
 * drivers of different versions work together. Each event record carries
 * its own size: the next record starts that many bytes further.
 */
#ifndef _UAPI_LINUX_FSDEV_DAX_H
#define _UAPI_LINUX_FSDEV_DAX_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define FSDEV_DAX_IOC_MAGIC		0xDA
#define FSDEV_DAX_VIEW_MAGIC		0x66736476	/* "fsdv" */

/* One physical range of the device, in device offset order. */
struct fsdev_dax_range {
	__u64 offset;		/* device byte offset of the range */
	__u64 phys;		/* host physical address, see INFO_PHYS */
	__u64 len;		/* bytes */
};

#define FSDEV_DAX_INFO_STATIC		(1ULL << 0) /* pgmap owned by region */
#define FSDEV_DAX_INFO_HOLDER		(1ULL << 1) /* a holder is claimed */
#define FSDEV_DAX_INFO_PHYS		(1ULL << 2) /* phys filled (admin) */

struct fsdev_dax_info {
	__u32 struct_size;	/* in: sizeof(this struct); out: bytes filled */
	__u32 nr_ranges;	/* out: number of ranges of the device */
	__u64 size;		/* out: usable bytes */
	__u64 align;		/* out: device alignment in bytes */
	__u64 data_offset;	/* out: bytes between pgmap and data start */
	__u64 flags;		/* out: FSDEV_DAX_INFO_* */
	__u64 ranges_ptr;	/* in: struct fsdev_dax_range[], or 0 */
	__u32 ranges_cap;	/* in: room at ranges_ptr, in entries */
	__u32 max_view_extents;	/* out: most extents one view may have */
	__u32 event_size;	/* out: bytes of each event record */
	__u32 poisoned_pages;	/* out: pages the driver knows are poisoned */
};

/* Flags of an event record. */
#define FSDEV_DAX_EVENT_POISON		(1U << 0) /* memory failure */
#define FSDEV_DAX_EVENT_ACTION_REQUIRED	(1U << 1) /* a consumer hit it */
#define FSDEV_DAX_EVENT_REMOVED		(1U << 2) /* device unbound */
#define FSDEV_DAX_EVENT_OVERFLOW	(1U << 3) /* earlier events lost */

/* Read from the holder fd; offset/length are device bytes. */
struct fsdev_dax_event {
	__u32 size;		/* bytes of this record */
	__u32 flags;		/* FSDEV_DAX_EVENT_* */
	__u64 offset;
	__u64 length;
};

/* One extent of a view: device offset and length, page-size multiples. */
struct fsdev_dax_extent {
	__u64 offset;
	__u64 len;
};

struct fsdev_dax_view_create {
	__u64 extents_ptr;	/* in: struct fsdev_dax_extent[nr_extents] */
	__u32 nr_extents;	/* in: 1 to info.max_view_extents */
	__u32 open_flags;	/* in: O_RDONLY, O_WRONLY or O_RDWR, | O_CLOEXEC */
	__u64 size;		/* in: file size, 0 for the extents' sum; out: size */
	__u64 reserved[2];	/* must be zero */
};

/*
 * Device pages to treat as failed: offset and length in device bytes,
 * page-size multiples, inside the device. Marking a page twice is not an
 * error.
 */
struct fsdev_dax_mark_failed {
	__u64 offset;
	__u64 length;
	__u64 flags;		/* must be zero */
};

/*
 * GET_INFO is matched whatever struct size the command encodes:
 * struct_size says what the caller's struct holds.
 */
#define FSDEV_DAX_IOC_GET_INFO \
	_IOWR(FSDEV_DAX_IOC_MAGIC, 0x44, struct fsdev_dax_info)
#define FSDEV_DAX_IOC_CLAIM_HOLDER	_IO(FSDEV_DAX_IOC_MAGIC, 0x41)
#define FSDEV_DAX_IOC_RELEASE_HOLDER	_IO(FSDEV_DAX_IOC_MAGIC, 0x42)
/* Returns the new view's fd. */
#define FSDEV_DAX_IOC_CREATE_VIEW \
	_IOWR(FSDEV_DAX_IOC_MAGIC, 0x45, struct fsdev_dax_view_create)
#define FSDEV_DAX_IOC_MARK_FAILED \
	_IOW(FSDEV_DAX_IOC_MAGIC, 0x46, struct fsdev_dax_mark_failed)

#endif /* _UAPI_LINUX_FSDEV_DAX_H */
