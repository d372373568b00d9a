// SPDX-License-Identifier: Apache-2.0
/*
 * fsdev-info DEV: print what FSDEV_DAX_IOC_GET_INFO reports, one
 * "key value" per line, for guest shell scripts.
 */
#include "fsdev_test.h"

int main(int argc, char **argv)
{
	struct fsdev_dax_range ranges[64];
	struct fsdev_dax_info info;
	unsigned int i;
	int fd;

	fd = open_dev(argc > 1 ? argv[1] : "/dev/dax0.0");
	get_info(fd, &info, ranges, 64);
	printf("size %llu\nalign %llu\ndata_offset %llu\nflags %llu\nnr_ranges %u\n",
	       (unsigned long long)info.size, (unsigned long long)info.align,
	       (unsigned long long)info.data_offset,
	       (unsigned long long)info.flags, info.nr_ranges);
	for (i = 0; i < info.nr_ranges && i < 64; i++)
		printf("range %u offset %#llx phys %#llx len %#llx\n", i,
		       (unsigned long long)ranges[i].offset,
		       (unsigned long long)ranges[i].phys,
		       (unsigned long long)ranges[i].len);
	return 0;
}
