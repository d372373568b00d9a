// SPDX-License-Identifier: Apache-2.0
/*
 * Unit test of kmod/fsdev_range.c, built in userspace: pfn/offset walks
 * on synthetic layouts with gaps between ranges, ranges listed out of
 * physical order, and a static device whose data starts above its pgmap.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include "../../kmod/fsdev_range.h"

#define MiB (1ULL << 20)

static int failures;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
		failures++;						\
	}								\
} while (0)

static void expect_offset(const struct fsdev_range *r, unsigned int nr,
			  __u64 phys, int want_rc, __u64 want_offset)
{
	__u64 offset = 0xdead;
	int rc = fsdev_range_phys_to_offset(r, nr, phys, &offset);

	CHECK(rc == want_rc);
	if (!want_rc)
		CHECK(offset == want_offset);
}

static void expect_phys(const struct fsdev_range *r, unsigned int nr,
			__u64 offset, int want_rc, __u64 want_phys,
			__u64 want_contig)
{
	__u64 phys = 0, contig = 0;
	int rc = fsdev_range_offset_to_phys(r, nr, offset, &phys, &contig);

	CHECK(rc == want_rc);
	if (!want_rc) {
		CHECK(phys == want_phys);
		CHECK(contig == want_contig);
	}
}

/* Three ranges with gaps, the last one physically below the others. */
static void test_gaps(void)
{
	struct fsdev_range r[] = {
		{ .phys = 0x100000000ULL, .len = 4 * MiB },
		{ .phys = 0x100800000ULL, .len = 2 * MiB },	/* 4 MiB gap */
		{ .phys = 0x080000000ULL, .len = 6 * MiB },	/* below */
	};
	__u64 off, phys, contig;
	unsigned int i;

	CHECK(fsdev_range_fill_offsets(r, 3) == 12 * MiB);
	CHECK(r[0].offset == 0 && r[1].offset == 4 * MiB &&
	      r[2].offset == 6 * MiB);

	expect_offset(r, 3, 0x100000000ULL, 0, 0);
	expect_offset(r, 3, 0x100000000ULL + 4 * MiB - 1, 0, 4 * MiB - 1);
	/* the gap belongs to nobody */
	expect_offset(r, 3, 0x100000000ULL + 4 * MiB, -ERANGE, 0);
	expect_offset(r, 3, 0x100000000ULL + 6 * MiB, -ERANGE, 0);
	/* second range: offset continues at 4 MiB, not at phys delta 8 MiB */
	expect_offset(r, 3, 0x100800000ULL, 0, 4 * MiB);
	expect_offset(r, 3, 0x100800000ULL + 0x3000, 0, 4 * MiB + 0x3000);
	expect_offset(r, 3, 0x100800000ULL + 2 * MiB, -ERANGE, 0);
	/* third range lies physically below the first */
	expect_offset(r, 3, 0x080000000ULL + 5 * MiB, 0, 11 * MiB);
	expect_offset(r, 3, 0x07fffffffULL, -ERANGE, 0);

	expect_phys(r, 3, 0, 0, 0x100000000ULL, 4 * MiB);
	expect_phys(r, 3, 4 * MiB - 4096, 0, 0x100000000ULL + 4 * MiB - 4096, 4096);
	expect_phys(r, 3, 4 * MiB, 0, 0x100800000ULL, 2 * MiB);
	expect_phys(r, 3, 7 * MiB, 0, 0x080000000ULL + MiB, 5 * MiB);
	expect_phys(r, 3, 12 * MiB, -ERANGE, 0, 0);
	expect_phys(r, 3, ~0ULL, -ERANGE, 0, 0);

	/* round trip every page */
	for (off = 0; off < 12 * MiB; off += 4096) {
		__u64 back = ~0ULL;

		CHECK(!fsdev_range_offset_to_phys(r, 3, off, &phys, &contig));
		CHECK(!fsdev_range_phys_to_offset(r, 3, phys, &back));
		CHECK(back == off);
	}
	for (i = 0; i < 3; i++)
		CHECK(r[i].len > 0);
}

/*
 * A static device: the pgmap starts at the namespace (info block and
 * struct pages first), the data 18 MiB later. Offsets count from the
 * data start; the metadata maps to no offset.
 */
static void test_static_data_offset(void)
{
	const __u64 pgmap_start = 0x101200000ULL - 18 * MiB;
	const __u64 data_start = 0x101200000ULL;
	struct fsdev_range r[] = { { .phys = data_start, .len = 1006 * MiB } };
	__u64 data_offset = 0;

	CHECK(fsdev_range_data_offset(pgmap_start, data_start, &data_offset) == 0);
	CHECK(data_offset == 18 * MiB);
	CHECK(fsdev_range_fill_offsets(r, 1) == 1006 * MiB);

	expect_offset(r, 1, data_start, 0, 0);
	expect_offset(r, 1, data_start + 0x503000, 0, 0x503000);
	/* a pgmap-relative walk would have said 18 MiB more */
	expect_offset(r, 1, pgmap_start, -ERANGE, 0);
	expect_offset(r, 1, data_start - 4096, -ERANGE, 0);
	expect_phys(r, 1, 0, 0, data_start, 1006 * MiB);

	/* impossible: pgmap above data */
	CHECK(fsdev_range_data_offset(data_start + 4096, data_start,
				      &data_offset) == -EINVAL);
	CHECK(fsdev_range_data_offset(data_start, data_start, &data_offset) == 0);
	CHECK(data_offset == 0);
}

/* Views: many small segments, searched by binary search. */
static void test_many_segments(void)
{
	struct fsdev_range r[1000];
	unsigned int i;

	for (i = 0; i < 1000; i++) {
		r[i].phys = 0x200000000ULL + (__u64)(999 - i) * 3 * 4096;
		r[i].len = (i % 3 + 1) * 4096;
	}
	fsdev_range_fill_offsets(r, 1000);
	for (i = 0; i < 1000; i++) {
		expect_phys(r, 1000, r[i].offset, 0, r[i].phys, r[i].len);
		expect_phys(r, 1000, r[i].offset + r[i].len - 1, 0,
			    r[i].phys + r[i].len - 1, 1);
		expect_offset(r, 1000, r[i].phys + 4095, 0, r[i].offset + 4095);
	}
	expect_phys(r, 1000, r[999].offset + r[999].len, -ERANGE, 0, 0);
	expect_phys(r, 0, 0, -ERANGE, 0, 0);
	expect_offset(r, 0, 0x200000000ULL, -ERANGE, 0);
}

/* The largest file size the kernel allows (MAX_LFS_FILESIZE, 64-bit). */
#define MAX_FILE	((__u64)INT64_MAX)

static int check_list(const struct fsdev_dax_extent *ext, unsigned int nr,
		      __u64 dev_size, __u64 *total)
{
	return fsdev_extents_check(ext, nr, dev_size, 4096, MAX_FILE, total);
}

/* Hostile extent lists a caller may pass to FSDEV_DAX_IOC_CREATE_VIEW. */
static void test_extent_lists(void)
{
	const __u64 dev = 1024 * MiB;
	/* a device large enough that lengths alone pass the file size */
	const __u64 huge_dev = 1ULL << 62;
	struct fsdev_dax_extent e[4];
	__u64 total = 0;
	unsigned int i;

	e[0] = (struct fsdev_dax_extent){ .offset = 2 * MiB, .len = 4 * MiB };
	e[1] = (struct fsdev_dax_extent){ .offset = 0, .len = 4096 };
	CHECK(check_list(e, 2, dev, &total) == 0 && total == 4 * MiB + 4096);

	/* unaligned offset, unaligned length, empty */
	e[0] = (struct fsdev_dax_extent){ .offset = 2048, .len = 4096 };
	CHECK(check_list(e, 1, dev, &total) == -EINVAL);
	e[0] = (struct fsdev_dax_extent){ .offset = 0, .len = 4097 };
	CHECK(check_list(e, 1, dev, &total) == -EINVAL);
	e[0] = (struct fsdev_dax_extent){ .offset = 4096, .len = 0 };
	CHECK(check_list(e, 1, dev, &total) == -EINVAL);

	/* out of range: past the end, ending past it, at the end */
	e[0] = (struct fsdev_dax_extent){ .offset = dev, .len = 4096 };
	CHECK(check_list(e, 1, dev, &total) == -EINVAL);
	e[0] = (struct fsdev_dax_extent){ .offset = dev - 4096, .len = 8192 };
	CHECK(check_list(e, 1, dev, &total) == -EINVAL);
	e[0] = (struct fsdev_dax_extent){ .offset = dev - 4096, .len = 4096 };
	CHECK(check_list(e, 1, dev, &total) == 0 && total == 4096);

	/* an extent whose end wraps around 2^64 */
	e[0] = (struct fsdev_dax_extent){ .offset = ~0ULL - 4095, .len = 8192 };
	CHECK(check_list(e, 1, ~0ULL, &total) == -EINVAL);
	e[0] = (struct fsdev_dax_extent){ .offset = 4096, .len = ~0ULL - 4095 };
	CHECK(check_list(e, 1, ~0ULL, &total) == -EINVAL);

	/* each extent fine, their sum past the largest file, then wrapping */
	for (i = 0; i < 4; i++)
		e[i] = (struct fsdev_dax_extent){ .offset = 0, .len = huge_dev };
	CHECK(check_list(e, 1, huge_dev, &total) == 0 && total == huge_dev);
	CHECK(check_list(e, 2, huge_dev, &total) == -EFBIG);
	CHECK(check_list(e, 4, huge_dev, &total) == -EFBIG);
	for (i = 0; i < 4; i++)
		e[i] = (struct fsdev_dax_extent){ .offset = 0,
						  .len = ~0ULL & ~4095ULL };
	CHECK(fsdev_extents_check(e, 2, ~0ULL, 4096, ~0ULL, &total) == -EFBIG);
	/* exactly the largest file: allowed */
	e[0] = (struct fsdev_dax_extent){ .offset = 0, .len = 1ULL << 62 };
	e[1] = (struct fsdev_dax_extent){ .offset = 0,
					  .len = (1ULL << 62) - 4096 };
	CHECK(fsdev_extents_check(e, 2, huge_dev, 4096,
				  (1ULL << 63) - 4096, &total) == 0);
}

int main(void)
{
	test_gaps();
	test_static_data_offset();
	test_many_segments();
	test_extent_lists();
	if (failures) {
		printf("%d check(s) failed\n", failures);
		return 1;
	}
	printf("range walk: all checks passed\n");
	return 0;
}
