// SPDX-License-Identifier: Apache-2.0
/*
 * fsdev-io DEV TRACING: which copies a view's read(), write() and fsync()
 * run in the kernel, counted by kprobes the script has set up in the
 * group "fsdev" (TRACING is the tracefs directory):
 *   fsdev/flushcopy  copy_user_flushcache: a copy around the CPU caches
 *   fsdev/wbcache    arch_wb_cache_pmem: cache lines written back
 *   fsdev/mccopy     copy_mc_to_user: the machine-check safe copy
 * (lib/iov_iter.c's own functions are notrace: these are what they call
 * for a user buffer.)
 * A write must reach memory (not stay in a cache another host cannot
 * see), fsync must write back what mappings stored, a read must survive
 * poison. The data is checked through a raw mapping of DEV too.
 */
#include "fsdev_test.h"

static const char *tracing;

/* Hits of kprobe @name so far, from kprobe_profile; -1 if absent. */
static long long hits(const char *name)
{
	char path[256], event[128];
	long long n, missed, found = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/kprobe_profile", tracing);
	f = fopen(path, "r");
	if (!f)
		die(path);
	while (fscanf(f, "%127s %lld %lld", event, &n, &missed) == 3)
		if (!strcmp(event, name))
			found = n;
	fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	const struct fsdev_dax_extent ext[] = {
		{ .offset = 70 * MiB, .len = 512 * 1024 },
		{ .offset = 60 * MiB, .len = 512 * 1024 },
	};
	volatile uint64_t *dev_map;
	long long before, after;
	uint64_t *buf, i;
	int fd, vfd, rc;

	if (argc != 3) {
		fprintf(stderr, "usage: fsdev-io DEV TRACING\n");
		return 2;
	}
	tracing = argv[2];
	fd = open_dev(argv[1]);
	dev_map = mmap(NULL, 128 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);
	if (dev_map == MAP_FAILED)
		die("mmap device");
	vfd = create_view(fd, ext, 2, O_RDWR, NULL);
	if (vfd < 0)
		die("create view");
	buf = malloc(MiB);
	if (!buf)
		die("malloc");
	for (i = 0; i < MiB / 8; i++)
		buf[i] = pattern(8 * i, 0x10);

	check(hits("flushcopy") >= 0 && hits("wbcache") >= 0 &&
	      hits("mccopy") >= 0, "the kprobes are set up");
	before = hits("flushcopy");
	rc = pwrite(vfd, buf, MiB, 0) == (ssize_t)MiB;
	after = hits("flushcopy");
	check(rc && after > before,
	      "write() copies around the CPU caches (%lld flushcache copies)",
	      after - before);
	check(dev_map[70 * MiB / 8] == pattern(0, 0x10) &&
	      dev_map[60 * MiB / 8 + 1] == pattern(512 * 1024 + 8, 0x10),
	      "and the bytes are in device memory");

	dev_map[60 * MiB / 8 + 5] = 0x77;
	before = hits("wbcache");
	rc = fsync(vfd);
	after = hits("wbcache");
	check(rc == 0 && after > before,
	      "fsync() writes back the view's cache lines (rc %d, %lld calls)",
	      rc, after - before);

	memset(buf, 0, MiB);
	before = hits("mccopy");
	rc = pread(vfd, buf, MiB, 0) == (ssize_t)MiB;
	after = hits("mccopy");
	check(rc && after > before && buf[0] == pattern(0, 0x10) &&
	      buf[(512 * 1024 + 40) / 8] == 0x77,
	      "read() uses the machine-check safe copy (%lld calls)",
	      after - before);

	free(buf);
	close(vfd);
	munmap((void *)dev_map, 128 * MiB);
	close(fd);
	return test_failures != 0;
}
