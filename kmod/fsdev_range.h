/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Offset <-> physical address walks over a list of physical ranges.
 *
 * Pure functions with no kernel dependencies so that tests can build this
 * file in userspace on synthetic layouts (gaps between ranges, static data
 * offsets). The same list type describes a device (its data ranges) and a
 * view (its extents resolved to physical segments). A caller's extent
 * list is checked here too, before anything is allocated for it.
 */
#ifndef FSDEV_RANGE_H
#define FSDEV_RANGE_H

#include <linux/types.h>
#include <linux/fsdev_dax.h>

/*
 * One physically contiguous piece of a linear byte space. @offset is the
 * first byte of the piece in that space: the sum of the lengths before it.
 */
struct fsdev_range {
	__u64 offset;
	__u64 phys;
	__u64 len;
};

__u64 fsdev_range_fill_offsets(struct fsdev_range *ranges, unsigned int nr);
int fsdev_range_phys_to_offset(const struct fsdev_range *ranges,
			       unsigned int nr, __u64 phys, __u64 *offset);
int fsdev_range_offset_to_phys(const struct fsdev_range *ranges,
			       unsigned int nr, __u64 offset, __u64 *phys,
			       __u64 *contig);
int fsdev_range_data_offset(__u64 pgmap_start, __u64 data_start,
			    __u64 *data_offset);
int fsdev_extents_check(const struct fsdev_dax_extent *ext, unsigned int nr,
			__u64 dev_size, __u64 page_size, __u64 max_total,
			__u64 *total);

#endif /* FSDEV_RANGE_H */
