// SPDX-License-Identifier: GPL-2.0-only
/*
 * Range walks shared by the fault path, views and memory_failure.
 * Built both in the module and, unchanged, in a userspace unit test.
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#else
#include <errno.h>
#endif
#include "fsdev_range.h"

/*
 * Number the ranges in list order and return the total length. Offsets
 * are never derived from physical addresses, so gaps between ranges and
 * any metadata before the first range cost nothing in the linear space.
 */
__u64 fsdev_range_fill_offsets(struct fsdev_range *ranges, unsigned int nr)
{
	__u64 offset = 0;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		ranges[i].offset = offset;
		offset += ranges[i].len;
	}
	return offset;
}

/*
 * Linear offset of @phys. Walks every range since physical order need
 * not follow list order. -ERANGE if @phys is in no range (a gap, or
 * device metadata below the data start of a static device).
 */
int fsdev_range_phys_to_offset(const struct fsdev_range *ranges,
			       unsigned int nr, __u64 phys, __u64 *offset)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		const struct fsdev_range *r = &ranges[i];

		if (phys >= r->phys && phys - r->phys < r->len) {
			*offset = r->offset + (phys - r->phys);
			return 0;
		}
	}
	return -ERANGE;
}

/*
 * Physical address of linear @offset and how many bytes from there stay
 * physically contiguous (to the end of its range). Binary search on the
 * offsets set by fsdev_range_fill_offsets(). -ERANGE past the end.
 */
int fsdev_range_offset_to_phys(const struct fsdev_range *ranges,
			       unsigned int nr, __u64 offset, __u64 *phys,
			       __u64 *contig)
{
	unsigned int lo = 0, hi = nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct fsdev_range *r = &ranges[mid];

		if (offset < r->offset) {
			hi = mid;
		} else if (offset - r->offset >= r->len) {
			lo = mid + 1;
		} else {
			*phys = r->phys + (offset - r->offset);
			*contig = r->len - (offset - r->offset);
			return 0;
		}
	}
	return -ERANGE;
}

/*
 * Bytes between the start of the page map and the start of the data.
 * A page map that starts above the data cannot describe it: -EINVAL.
 */
int fsdev_range_data_offset(__u64 pgmap_start, __u64 data_start,
			    __u64 *data_offset)
{
	if (pgmap_start > data_start)
		return -EINVAL;
	*data_offset = data_start - pgmap_start;
	return 0;
}

/*
 * Check a caller's extent list for a device of @dev_size bytes: each
 * extent non-empty, @page_size aligned and inside the device, and the
 * running total never past @max_total (it would wrap long before with
 * enough extents of a large device). The sum goes to @total.
 * -EINVAL for a bad extent, -EFBIG for a total too large.
 */
int fsdev_extents_check(const struct fsdev_dax_extent *ext, unsigned int nr,
			__u64 dev_size, __u64 page_size, __u64 max_total,
			__u64 *total)
{
	__u64 sum = 0;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		__u64 off = ext[i].offset, len = ext[i].len;

		if (!len || off % page_size || len % page_size)
			return -EINVAL;
		if (off >= dev_size || len > dev_size - off)
			return -EINVAL;
		if (len > max_total - sum)
			return -EFBIG;
		sum += len;
	}
	*total = sum;
	return 0;
}
