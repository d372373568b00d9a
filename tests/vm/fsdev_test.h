/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small helpers shared by the guest test programs (built with gcc -static
 * on the host, run in the busybox guest).
 */
#ifndef FSDEV_TEST_H
#define FSDEV_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/fsdev_dax.h>

#define MiB (1ULL << 20)
#define PAGE 4096ULL

static int test_failures;

/* Print a failed check and count it; tests exit non-zero at the end. */
static inline void check(int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("%s: ", ok ? "ok" : "FAIL");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	if (!ok)
		test_failures++;
}

static inline void die(const char *what)
{
	printf("FAIL: %s: %s\n", what, strerror(errno));
	exit(1);
}

static inline int open_dev(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die(path);
	return fd;
}

static inline void get_info(int fd, struct fsdev_dax_info *info,
			    struct fsdev_dax_range *ranges, unsigned int cap)
{
	memset(info, 0, sizeof(*info));
	info->struct_size = sizeof(*info);
	info->ranges_cap = cap;
	info->ranges_ptr = (uintptr_t)ranges;
	if (ioctl(fd, FSDEV_DAX_IOC_GET_INFO, info))
		die("FSDEV_DAX_IOC_GET_INFO");
}

/* A view of @ext; @open_flags O_RDONLY/O_WRONLY/O_RDWR (O_CLOEXEC added). */
static inline int create_view(int fd, const struct fsdev_dax_extent *ext,
			      unsigned int nr, int open_flags, uint64_t *size)
{
	struct fsdev_dax_view_create req = {
		.extents_ptr = (uintptr_t)ext,
		.nr_extents = nr,
		.open_flags = open_flags | O_CLOEXEC,
	};
	int vfd = ioctl(fd, FSDEV_DAX_IOC_CREATE_VIEW, &req);

	if (vfd >= 0 && size)
		*size = req.size;
	return vfd;
}

/* A value that differs per offset and per run tag. */
static inline uint64_t pattern(uint64_t offset, uint64_t tag)
{
	return (offset * 0x9e3779b97f4a7c15ULL) ^ tag;
}

/* Read one decimal counter from sysfs; -1 if missing. */
static inline long long read_counter(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Page frame number behind a mapped address (root only), or 0. */
static inline uint64_t virt_to_pfn(const volatile void *addr)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &entry, 8, ((uintptr_t)addr / PAGE) * 8) != 8)
		entry = 0;
	close(fd);
	if (!(entry & (1ULL << 63)))
		return 0;
	return entry & ((1ULL << 55) - 1);
}

#endif /* FSDEV_TEST_H */
