// SPDX-License-Identifier: Apache-2.0
/*
 * fsdev-ptmap: does a file of a famfs mount reach device memory directly?
 *
 *   fsdev-ptmap FILE DEV DEVOFF
 *
 * FILE's first bytes live at device offset DEVOFF (famfs getmap). Each
 * direction is checked with the file already mapped and read once, so a
 * page-cache copy would show the old bytes:
 *   - a store through a MAP_SHARED map of FILE is seen in a raw map of DEV;
 *   - a store through the raw map of DEV is seen through FILE's map, and
 *     by pread(2) of FILE on a descriptor that has read it before;
 *   - pwrite(2) to FILE is seen in the raw map of DEV.
 * Exits 0 when all hold, 1 otherwise (each check printed).
 */
#include <limits.h>
#include "fsdev_test.h"
#include "args.h"

#define SPOT 8192	/* bytes into the file: page 2, inside extent 0 */

static const char usage_text[] = "usage: fsdev-ptmap FILE DEV DEVOFF\n";

int main(int argc, char **argv)
{
	volatile uint64_t *fmap, *dmap;
	uint64_t devoff, base, v, before;
	int ffd, dfd;

	if (argc != 4) {
		fputs(usage_text, stderr);
		return 2;
	}
	devoff = hex_arg("DEVOFF", argv[3], 0, LONG_MAX, usage_text);
	ffd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (ffd < 0)
		die(argv[1]);
	dfd = open_dev(argv[2]);
	fmap = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, ffd, 0);
	if (fmap == MAP_FAILED)
		die("mmap FILE MAP_SHARED");
	/* the device maps at its alignment: map the 2 MiB holding DEVOFF */
	base = devoff & ~(2 * MiB - 1);
	dmap = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, dfd,
		    base);
	if (dmap == MAP_FAILED)
		die("mmap DEV");
	dmap += (devoff - base + SPOT) / sizeof(*dmap);
	fmap += SPOT / sizeof(*fmap);

	before = *fmap;		/* fault it in: a copy would keep this */
	check(before == *dmap, "file map and device agree before (%#llx)",
	      (unsigned long long)before);

	*fmap = 0x5041535354485255ULL;
	check(*dmap == 0x5041535354485255ULL,
	      "store through the file map is in device memory (%#llx)",
	      (unsigned long long)*dmap);

	*dmap = 0x4445564943454d45ULL;
	check(*fmap == 0x4445564943454d45ULL,
	      "store to device memory is seen through the file map (%#llx)",
	      (unsigned long long)*fmap);

	if (pread(ffd, &v, sizeof(v), SPOT) != sizeof(v))
		die("pread FILE");
	*dmap = 0x1122334455667788ULL;
	if (pread(ffd, &v, sizeof(v), SPOT) != sizeof(v))
		die("pread FILE");
	check(v == 0x1122334455667788ULL,
	      "pread of FILE sees a device store at once (%#llx)",
	      (unsigned long long)v);

	v = 0x7072697465646f6eULL;
	if (pwrite(ffd, &v, sizeof(v), SPOT) != sizeof(v))
		die("pwrite FILE");
	check(*dmap == v, "pwrite to FILE is in device memory (%#llx)",
	      (unsigned long long)*dmap);

	*dmap = before;		/* leave the file as it was */
	return test_failures ? 1 : 0;
}
